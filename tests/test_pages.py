"""Every number on a generated page comes from the run, and the shown program printed the results."""

from __future__ import annotations

import re

import pytest
from helpers import foreign_numbers


def test_every_number_on_a_page_comes_from_the_results(pages, results):
    titles = {slug: result["title"] for slug, result in results.items()}
    for slug, page in pages.items():
        assert foreign_numbers(page, results[slug], titles) == [], slug


def test_only_a_link_that_says_the_linked_pages_title_may_carry_its_numbers(pages, results):
    """The exemption above is for a linked page's exact title, never for other link text."""
    titles = {slug: result["title"] for slug, result in results.items()}
    page = pages["linreg-sgd"]
    assert foreign_numbers(page, results["linreg-sgd"], titles) == []
    assert "0.02" in foreign_numbers(page, results["linreg-sgd"])  # the linked title's lr is not this run's
    tampered = page.replace("lr = 0.02: the loss", "lr = 0.03: the loss", 1)
    assert tampered != page and "0.03" in foreign_numbers(tampered, results["linreg-sgd"], titles)


def test_the_number_check_catches_a_typed_number(pages, results):
    """The check above must be able to fail: a typed-in wrong decimal is caught."""
    tampered = pages["mse-mean"].replace(r"\approx 2.8333", r"\approx 2.8334", 1)
    assert tampered != pages["mse-mean"]
    assert foreign_numbers(tampered, results["mse-mean"]) == ["2.8334"]
    tampered = pages["linreg-sgd"].replace("| 2217.0742 |", "| 2217.0743 |")
    titles = {slug: result["title"] for slug, result in results.items()}  # its links say other pages' titles
    assert foreign_numbers(tampered, results["linreg-sgd"], titles) == ["2217.0743"]


def printed_block(page: str) -> str:
    match = re.search(r"Output:\n\n```text\n(.*?)```", page, flags=re.S)
    assert match, "the page has no program output block"
    return match.group(1)


@pytest.mark.parametrize("slug", ["mse-mean", "mse-sum"])
def test_shown_program_printed_the_results(slug, pages, results):
    printed = printed_block(pages[slug])
    result = results[slug]
    loss_line = re.search(r"^loss: (\S+)$", printed, flags=re.M)
    assert loss_line and float(loss_line.group(1)) == result["loss"]["value"]
    grad_rows = printed.split("X.grad:\n", 1)[1].splitlines()
    assert [[float(x) for x in row.strip("[]").split(",")] for row in grad_rows] == [[v["value"] for v in row] for row in result["grad"]]
    assert printed == result["printed"]


def test_page_shows_derivation_steps(pages):
    page = pages["mse-mean"]
    for heading in ("## 1. The loss", "## 2. The differences", "## 4. Sum and loss", "## 5. The gradient", "## Check it in PyTorch"):
        assert heading in page
    assert "mse-mean.json" in page


BLOCK = re.compile(r"^( *)(?:\?\?\?\+?|!!!) ")  # an admonition or a collapsible: its body is indented 4 more
FENCE = re.compile(r"^( *)(`{3,}|~{3,})")


def fences_leaving_their_block(markdown: str) -> list[str]:
    """Each code fence opened inside an admonition (`!!!`) or collapsible (`???`) whose block ends
    before the fence closes: Markdown then shows the rest as text, with a literal ``` under the block."""
    found: list[str] = []
    blocks: list[tuple[int, int]] = []  # (body indent, line) of the blocks around this line
    fence: tuple[int, str, int] | None = None  # (indent, marker, line) of the open fence
    for number, line in enumerate(markdown.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" "))
        if line.strip():
            while blocks and indent < blocks[-1][0]:
                start = blocks.pop()[1]
                if fence and fence[2] > start:
                    found.append(f"line {fence[2]}: the fence opened in the block of line {start} is still open at line {number}")
                    fence = None
        if fence:
            if line.strip().startswith(fence[1]) and not line.strip().strip(fence[1][0]):
                fence = None
            continue
        if match := FENCE.match(line):
            fence = (indent, match.group(2), number)
        elif match := BLOCK.match(line):
            blocks.append((len(match.group(1)) + 4, number))
    if fence:
        found.append(f"line {fence[2]}: the fence is never closed")
    return found


def test_no_fence_leaves_its_block_on_any_page(generated):
    from generator.overview import errata_files

    files = {name: text for page in generated.values() for name, text in page.files.items()}
    files |= errata_files(list(generated.values()))
    markdown = {name: text.decode() for name, text in files.items() if name.endswith(".md")}
    assert len(markdown) == 34  # sixteen scenarios and the errata, in both editions
    assert {name: found for name, text in markdown.items() if (found := fences_leaving_their_block(text))} == {}


def test_the_fence_check_catches_a_fence_outside_its_block(generated):
    """Issue 23: the whole output's closing fence at column 0, after the collapsible's last line."""
    page = generated["linreg-sgd-stable"].files["linreg-sgd-stable.md"].decode()
    assert "??? example" in page and fences_leaving_their_block(page) == []
    broken = page.replace("\n    ```\n\n!!! tip", "\n```\n\n!!! tip")
    assert broken != page
    found = fences_leaving_their_block(broken)
    assert found and "the block of line" in found[0] and "still open" in found[0], found  # then its ``` opens a new fence
    assert fences_leaving_their_block("!!! note\n    ```text\n    a\n") == ["line 2: the fence is never closed"]
