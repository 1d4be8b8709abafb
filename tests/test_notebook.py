"""The notebooks read as d2l's do: text and code alternate, each step of the program under the part
of the derivation it computes; the code cells, read in order, are the program that ran; and the
self-check at the end holds whatever order a reader runs the cells in (a cell run twice, the check
run first). The cells are executed here with exec() in one namespace, as a kernel would run them."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re

import pytest
from conftest import ROOT

from generator import results as res
from generator.downloads import check_output, expected
from generator.kinds import KINDS
from generator.loading import load_scenarios

AGREE = re.compile(r"^all (\d+) values agree with the exact derivation \(largest error [\d.e+-]+, within its bound [\d.e+-]+\)(; \d+ values with no verified bound not compared)?\n$")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Where each kind's steps stand, as a reader of its page expects them: the first line of a code
# cell, and the numbered section whose text comes right before it ("" for the problem statement).
PLACES = {
    "mse": {"import torch": "", "loss = ": "4", "loss.backward()": "5"},
    "regression-losses": {"import torch": "", "losses = ": "2", "for name, loss_fn": "6"},
    "linreg-sgd": {"import torch": "", "net = ": "1", "for epoch": "2"},
    "cross-entropy": {"import torch": "", "loss = ": "4", "loss.": "5"},
    "optimizers": {"import torch": "", "optimizers = ": "1", "for name, make": "2"},
}
PLACES_NONE = {"import torch": "", "loss = ": "4", "try:": "5"}  # mse with reduction "none": backward() fails, then the ways out


def places(kind: str, notebook) -> dict[str, str]:
    program = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    return PLACES_NONE if kind == "mse" and ('reduction="none"' in program or "reduce=False" in program) else PLACES[kind]


@pytest.fixture(scope="module")
def ran():
    """slug -> the program the generator ran for that scenario (its kind's template, rendered)."""
    return {s.slug: KINDS[s.kind].program(s) for s in load_scenarios([ROOT / "scenarios"])}


def notebooks(generated):
    for slug, page in generated.items():
        for name in (f"{slug}.ipynb", f"{slug}.zh.ipynb"):
            yield slug, page.kind, name, json.loads(page.files[name])


def source(cell) -> str:
    return "".join(cell["source"])


def program_cells(notebook) -> list[str]:
    """The code cells before the self-check, the notebook's last cell."""
    return [source(c) for c in notebook["cells"][:-1] if c["cell_type"] == "code"]


def test_the_code_cells_read_in_order_are_the_program_that_ran(generated, ran):
    for slug, _, name, notebook in notebooks(generated):
        cells = program_cells(notebook)
        assert len(cells) >= 3, name
        assert ast.dump(ast.parse("\n".join(cells))) == ast.dump(ast.parse(ran[slug])), name
        literal = re.search(r"^PROGRAM = (.*?\n''')$", source(notebook["cells"][-1]), flags=re.S | re.M)
        assert literal, name
        assert ast.dump(ast.parse(ast.literal_eval(literal.group(1)))) == ast.dump(ast.parse(ran[slug])), name


def heading_before(cells, index: int) -> str:
    """The heading of the nearest Markdown cell above cell `index` that starts with one."""
    for cell in reversed(cells[:index]):
        text = source(cell)
        if cell["cell_type"] == "markdown" and text.startswith("#"):
            return text.split("\n", 1)[0]
    return ""


def test_text_and_code_alternate(generated):
    """Each step stands under the section it computes, in both editions; the derivation goes on after the output."""
    for _, kind, name, notebook in notebooks(generated):
        cells = notebook["cells"]
        placed = {}
        wanted_places = places(kind, notebook)
        for index, cell in enumerate(cells[:-1]):
            if cell["cell_type"] == "code":
                placed.update({first: heading_before(cells, index) for first in wanted_places if source(cell).startswith(first)})
        assert placed.keys() == wanted_places.keys(), name
        for first, number in wanted_places.items():
            wanted = f"## {number}. " if number else "# "
            assert placed[first].startswith(wanted), (name, first, placed[first])
        printing = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and c["outputs"])
        assert any(c["cell_type"] == "markdown" and source(c).startswith("## ") for c in cells[printing + 1:-2]), name


def test_every_kind_has_a_notebook_layout():
    """A new kind names where its steps go in templates/notebook-cells.toml."""
    from generator.notebook import layouts

    assert set(KINDS) - set(layouts()) == set(), "add the kind's steps to templates/notebook-cells.toml"


def test_the_chinese_notebook_speaks_chinese(generated):
    """Every Markdown cell of a .zh.ipynb holds Chinese, and so does every comment of its code; the
    English notebook holds none."""
    for _, _, name, notebook in notebooks(generated):
        chinese = name.endswith(".zh.ipynb")
        for cell in notebook["cells"]:
            text = source(cell)
            if cell["cell_type"] == "markdown":
                assert bool(CJK.search(text)) == chinese, (name, text[:80])
            else:
                for comment in re.findall(r"^\s*#.*$|  # .*$", text, flags=re.M):
                    assert bool(CJK.search(comment)) == chinese, (name, comment)


# --- the cells, executed as a reader runs them ------------------------------------------------------


class KernelOutput(io.TextIOBase):
    """Standard output as a kernel has it: one object for the whole session, whose text goes to the
    output of the cell that runs. A cell that wraps or replaces sys.stdout keeps it so for later cells."""

    def __init__(self) -> None:
        self.cell = io.StringIO()

    def write(self, text: str) -> int:
        return self.cell.write(text)


def execute(cells: list[str], order: list[int]) -> list[str]:
    """Run the cells in `order` in one namespace, as a kernel would; what each printed. A cell that
    raises (`loss.backward()` run twice does) shows its error, and the next cell runs, as in Jupyter."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    output, printed = KernelOutput(), []
    with contextlib.redirect_stdout(output):
        for index in order:
            output.cell = io.StringIO()
            try:
                exec(compile(cells[index], f"<cell {index}>", "exec"), namespace)
            except Exception as error:  # shown under the cell, as a kernel shows it
                output.cell.write(f"{type(error).__name__}: {error}\n")
            printed.append(output.cell.getvalue())
    return printed


def orders(program: list[int], printing: int, check: int) -> dict[str, list[int]]:
    """The orders a reader plausibly runs the cells in."""
    return {
        "run all": program + [check],
        "run all, then the print cell again, then the check": program + [check, printing, check],
        "the print cell twice before the check": program + [printing, check],
        "every cell twice in a row": [i for i in program for _ in (1, 2)] + [check, check],
        "run all twice": (program + [check]) * 2,
        "the check alone, first": [check],
    }


def test_the_self_check_holds_whatever_order_the_cells_run_in(generated):
    for slug, kind, name, notebook in notebooks(generated):
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        cells = [source(c) for c in code]
        printing = next(i for i, c in enumerate(code[:-1]) if c["outputs"])
        values = expected(KINDS[kind].printed(res.read_run(KINDS[kind].results, json.loads(generated[slug].files[f"{slug}.json"]), slug).body))
        program, check = list(range(len(cells) - 1)), len(cells) - 1
        for label, order in orders(program, printing, check).items():
            printed = execute(cells, order)
            last = AGREE.match(printed[-1])
            assert last and int(last.group(1)) == sum(bound is not None for _, _, bound in values), (name, label, printed[-1])
            if label == "run all":  # what the reader sees under the print cell agrees too
                assert check_output(printed[order.index(printing)], values)[0] == 0, name
