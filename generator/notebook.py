"""<slug>.ipynb: a page's worked solution as a Jupyter notebook (nbformat 4.5), built from the
rendered page and the results, with the generator's own run as the stored outputs. Deterministic:
cell ids are numbered, execution counts are empty, keys are sorted, and nothing holds a time.

As in d2l, text and code alternate: each step of the program stands under the part of the derivation
it computes (templates/notebook-cells.toml says where, per kind), and the code cells, read in order,
are the program the generator ran. The last cell, the self-check, runs that program once more from
its start in a namespace of its own, keeps what it prints and compares every value with its exact
value: it needs no plumbing before the program, and re-running a cell, or skipping one, cannot
upset it."""

from __future__ import annotations

import ast
import base64
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator import comments, marker
from generator.downloads import Expected, check_output, expected_literal, program_source
from generator.languages import TEMPLATES, words

PROGRAM_START = "<!-- program:start -->"  # where a page's program section begins: the notebook's derivation ends there
ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?) (\w+)(?: "([^"]*)")?$')
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.svg)\)(?:\{[^}]*\})?")
PAGE_LINK = re.compile(r"\]\(([a-z0-9-]+)\.md(#[^)]*)?\)")
SECTION = re.compile(r"## (\d+)\. ")  # a numbered section's heading: "## 4. Sum and loss"
LAST = 10**6  # "after" of a step placed after the whole derivation


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def markdown_cell(text: str, attachments: dict[str, Any] | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {}, "source": _lines(text.strip("\n"))}
    if attachments:
        cell["attachments"] = attachments
    return cell


def code_cell(source: str, output: str = "") -> dict[str, Any]:
    outputs = [{"name": "stdout", "output_type": "stream", "text": _lines(output)}] if output else []
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": outputs, "source": _lines(source.strip("\n"))}


def _blockquotes(lines: list[str]) -> list[str]:
    """mkdocs-material's admonitions as Jupyter shows them: `!!! warning "Title"` and its indented
    body as a quote under the title in bold, a folded `??? question "Answer"` as <details>."""
    out: list[str] = []
    block = ""  # "quote", "details" or ""
    for i, line in enumerate(lines):
        match = ADMONITION.match(line)
        following = lines[i + 1] if i + 1 < len(lines) else ""
        inside = line.startswith("    ") or (not line.strip() and following.startswith("    "))
        if block and not inside:
            out += ["", "</details>", ""] if block == "details" else [""]
            block = ""
        if match:
            title = match.group(2) or match.group(1).capitalize()
            block = "details" if line.startswith("???") else "quote"
            out += [f"<details><summary>{title}</summary>", ""] if block == "details" else [f"> **{title}**", ">"]
        elif block == "quote":
            out.append(("> " + line[4:]).rstrip())
        elif block == "details":
            out.append(line[4:])
        else:
            out.append(line)
    if block == "details":
        out += ["", "</details>"]
    return out


TAB = re.compile(r'^([ \t]*)=== "([^"\n]*)"$', re.M)
def untabbed(body: str) -> str:
    """Content tabs (=== "title", its content indented 4 more) as a bold title and its content at
    the title's own indent: a notebook has no tabs, and would show the content as code."""
    out: list[str] = []
    inside: int | None = None  # the indent of the tab being undone
    for line in body.split("\n"):
        found = TAB.match(line)
        if found:
            inside = len(found.group(1))
            out.append(f"{found.group(1)}**{found.group(2)}**")
            continue
        if inside is not None and line.strip() and len(line) - len(line.lstrip(" ")) <= inside:
            inside = None
        out.append(line[4:] if inside is not None and line.startswith(" " * (inside + 4)) else line)
    return "\n".join(out)


CHECK_BOX = re.compile(r'\n<form class="check-answer" .*?</form>\n', re.S)
SLIDER = re.compile(r"<!-- slider -->\n.*?<!-- /slider -->\n", re.S)  # the learning-rate slider's section: it needs the site's script


def derivation_cells(page: str, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """The page up to its program section, one cell per section: admonitions as quotes, plots
    attached to their cell, links to other pages pointed at the site's page."""
    body = page.split("\n---\n", 1)[1] if page.startswith("---\n") else page
    body = body.split(PROGRAM_START, 1)[0]
    body = marker.strip_page_marker(body)
    body = CHECK_BOX.sub("", body)  # a "check my answer" box needs the site's script: a notebook has none
    body = SLIDER.sub("", body)
    body = untabbed(body)
    cells = []
    for section in re.split(r"\n(?=## )", body.strip("\n")):
        attachments = {}
        for name in IMAGE.findall(section):
            if name[1] in files:
                attachments[name[1]] = {"image/svg+xml": base64.b64encode(files[name[1]]).decode("ascii")}
        text = IMAGE.sub(lambda m: f"![{m.group(1)}](attachment:{m.group(2)})" if m.group(2) in files else m.group(0), section)
        text = PAGE_LINK.sub(lambda m: f"]({m.group(1)}/{m.group(2) or ''})", text)
        cells.append(markdown_cell("\n".join(_blockquotes(text.split("\n"))), attachments))
    return cells


@dataclass(frozen=True)
class Place:
    """One entry of a kind's layout: the step that starts at the first statement beginning with
    `at` follows the page's section `after` (0: the problem statement, before section 1)."""

    at: str
    after: int


@cache
def layouts() -> dict[str, tuple[Place, ...]]:
    """templates/notebook-cells.toml: each kind's layout."""
    with (TEMPLATES / "notebook-cells.toml").open("rb") as handle:
        table = tomllib.load(handle)
    return {kind: tuple(Place(step["at"], int(step["after"])) for step in entry["steps"]) for kind, entry in table.items()}


def statements(program: str) -> list[tuple[int, str]]:
    """Each top-level statement of the program: the line its cell would start at (0-based, moved up
    over the comment lines right above it) and its own first line."""
    lines = program.split("\n")
    found: list[tuple[int, str]] = []
    end = 0
    for node in ast.parse(program).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        start = first
        while start - 1 >= end and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        found.append((start, lines[first]))
        end = node.end_lineno or first + 1
    return found


def prints(source: str) -> bool:
    """The code calls print() somewhere."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print" for n in ast.walk(ast.parse(source)))


def program_steps(program: str) -> list[str]:
    """The program cut at its blank lines between top-level statements: a kind without a layout."""
    steps: list[list[str]] = [[]]
    lines = program.rstrip("\n").split("\n")
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if not line.strip() and following and not following[0].isspace() and steps[-1]:
            steps.append([])
        else:
            steps[-1].append(line)
    return ["\n".join(step).strip("\n") for step in steps if any(s.strip() for s in step)]


def steps(program: str, kind: str) -> list[tuple[int, str]]:
    """The program's cells, each with the section it follows. The cell holding the first print()
    holds the rest of the program too: its stored output is the run's whole output."""
    lines = program.rstrip("\n").split("\n")
    if kind in layouts():
        found = statements(program)
        cuts: list[tuple[int, int]] = []  # (line, after)
        index = 0
        for place in layouts()[kind]:
            match = next((i for i in range(index, len(found)) if found[i][1].startswith(place.at)), None)
            if match is not None:
                cuts.append((found[match][0], place.after))
                index = match + 1
        cuts = [(0, cuts[0][1] if cuts else LAST)] + [cut for cut in cuts if cut[0] > 0]
        bounds = [line for line, _ in cuts[1:]] + [len(lines)]
        cells = [(after, "\n".join(lines[line:stop]).strip("\n")) for (line, after), stop in zip(cuts, bounds)]
    else:
        cells = [(LAST, step) for step in program_steps(program)]
    cells = [(after, source) for after, source in cells if source.strip()]
    printing = next((i for i, (_, source) in enumerate(cells) if prints(source)), len(cells) - 1)
    merged = "\n\n".join(source for _, source in cells[printing:])
    return cells[:printing] + [(cells[printing][0], merged)]


def positions(sections: list[dict[str, Any]], afters: list[int]) -> list[int]:
    """The index of the section each step follows: the section numbered `after`, or the last one
    numbered below it; never before the step above it."""
    numbers = [SECTION.match("".join(cell["source"])) for cell in sections]
    placed: list[int] = []
    for after in afters:
        below = [i for i, number in enumerate(numbers) if number and int(number.group(1)) <= after]
        position = len(sections) - 1 if after == LAST else max(below, default=0)
        placed.append(max([position] + placed[-1:]))
    return placed


def string_literal(text: str) -> str:
    """`text` as a Python literal that reads as the program it holds."""
    if "\\" in text or "'''" in text or not text.endswith("\n"):
        return repr(text)
    return "'''\\\n" + text + "'''"


def check_cell(program: str, values: Expected) -> str:
    """The self-check: the program once more, from its start, its output kept and compared."""
    return (
        "import contextlib\nimport io\n"
        + program_source("_self-check.py")
        + "\n\n# The program of the cells above, as the generator ran it.\n"
        + f"PROGRAM = {string_literal(program)}\n\n"
        + expected_literal(values)
        + "\n# The program runs once more, from its start, in a namespace of its own; what it prints is kept\n"
        "# and compared. So it does not matter which cells above ran, how often or in what order.\n"
        "output = io.StringIO()\n"
        "with contextlib.redirect_stdout(output):\n"
        "    exec(compile(PROGRAM, \"program\", \"exec\"), {\"__name__\": \"__main__\"})\n"
        "assert self_check(output.getvalue(), EXPECTED) == 0\n"
    )


def notebook(page: str, files: dict[str, bytes], program: str, printed: str, values: Expected, language: str, source: str,
             kind: str) -> str:
    """The notebook's JSON text. `program` is the program as this edition's page shows it."""
    said = words("notebook.toml", language)
    status, line = check_output(printed, values)
    if status:
        raise ValueError(f"{source}: the self-check fails on the run's own output: {line.strip()}")
    sections = derivation_cells(page, files)
    cut = steps(program, kind)
    placed = positions(sections, [after for after, _ in cut])
    cells: list[dict[str, Any]] = []
    for index, section in enumerate(sections):
        cells.append(section)
        if index == 0:
            cells.append(markdown_cell(said["intro"]))
        cells += [code_cell(code, printed if prints(code) else "") for (_, code), at in zip(cut, placed) if at == index]
    cells += [markdown_cell(said["check"]), code_cell(comments.translate(check_cell(program, values), language), line)]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    document = {
        "cells": cells,
        "metadata": {
            marker.KEY: marker.text(source),
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
