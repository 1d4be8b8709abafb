"""<slug>.ipynb: a page's worked solution as a Jupyter notebook (nbformat 4.5), built from the
rendered page and the results, with the generator's own run as the stored outputs. Deterministic:
cell ids are numbered, execution counts are empty, keys are sorted, and nothing holds a time."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from generator import marker
from generator.downloads import Expected, check_output, expected_literal, program_source
from generator.languages import words

PROGRAM_START = "<!-- program:start -->"  # where a page's program section begins: the notebook's derivation ends there
ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?) (\w+)(?: "([^"]*)")?$')
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.svg)\)(?:\{[^}]*\})?")
PAGE_LINK = re.compile(r"\]\(([a-z0-9-]+)\.md(#[^)]*)?\)")


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


def derivation_cells(page: str, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """The page up to its program section, one cell per section: admonitions as quotes, plots
    attached to their cell, links to other pages pointed at the site's page."""
    body = page.split("\n---\n", 1)[1] if page.startswith("---\n") else page
    body = body.split(PROGRAM_START, 1)[0]
    body = marker.strip_page_marker(body)
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


def program_steps(program: str) -> list[str]:
    """The program cut at its blank lines between top-level statements: data, model or loss, the run, the prints."""
    steps: list[list[str]] = [[]]
    lines = program.rstrip("\n").split("\n")
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if not line.strip() and following and not following[0].isspace() and steps[-1]:
            steps.append([])
        else:
            steps[-1].append(line)
    return ["\n".join(step).strip("\n") for step in steps if any(s.strip() for s in step)]


def notebook(page: str, files: dict[str, bytes], program: str, printed: str, values: Expected, language: str, source: str) -> str:
    """The notebook's JSON text."""
    said = words("notebook.toml", language)
    steps = program_steps(program)
    printing = next((i for i, step in enumerate(steps) if "print(" in step), len(steps) - 1)
    steps = steps[:printing] + ["\n\n".join(steps[printing:])]  # one cell holds every print: the run's output is its output
    status, line = check_output(printed, values)
    if status:
        raise ValueError(f"{source}: the self-check fails on the run's own output: {line.strip()}")
    tee, check = program_source("_tee.py"), program_source("_self-check.py")
    cells = derivation_cells(page, files)
    cells += [markdown_cell(said["run"]), code_cell(tee)]
    cells += [code_cell(step, printed if i == len(steps) - 1 else "") for i, step in enumerate(steps)]
    call = "sys.stdout = program_output.stream\nassert self_check(program_output.kept.getvalue(), EXPECTED) == 0"
    cells += [markdown_cell(said["check"]), code_cell(f"{check}\n\n{expected_literal(values)}\n{call}", line)]
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
