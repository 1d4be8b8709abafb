"""Every number on a generated page comes from the run, and the shown program printed the results."""

from __future__ import annotations

import re

import pytest
from helpers import foreign_numbers


def test_every_number_on_a_page_comes_from_the_results(pages, results):
    for slug, page in pages.items():
        assert foreign_numbers(page, results[slug]) == [], slug


def test_the_number_check_catches_a_typed_number(pages, results):
    """The check above must be able to fail: a typed-in wrong decimal is caught."""
    tampered = pages["mse-mean"].replace(r"\approx 2.8333", r"\approx 2.8334", 1)
    assert tampered != pages["mse-mean"]
    assert foreign_numbers(tampered, results["mse-mean"]) == ["2.8334"]
    tampered = pages["linreg-sgd"].replace("| 2217.0742 |", "| 2217.0743 |")
    assert foreign_numbers(tampered, results["linreg-sgd"]) == ["2217.0743"]


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
