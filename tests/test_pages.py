"""Every number on a generated page comes from the run, and the shown program printed the results."""

from __future__ import annotations

import html
import math
import re
from fractions import Fraction

import pytest

from generator.formatting import decimal_text
from generator.kinds import KINDS

FRACTION = re.compile(r"\\d?frac\{(\d+)\}\{(\d+)\}")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]\d+)?(?![\w.])")


def walk(node):
    """Every exact value and torch value in a results file."""
    if isinstance(node, dict):
        if {"value", "exact"} <= set(node):
            yield Fraction(node["exact"]), node["value"]
        else:
            for value in node.values():
                yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def allowed_numbers(result) -> set[str]:
    """The strings a page may show: the inputs, every exact value and its 4-decimal form."""
    allowed = set()
    for exact, value in walk(result):
        allowed |= {str(abs(exact.numerator)), str(exact.denominator), decimal_text(float(exact)).lstrip("-")}
        if isinstance(value, float) and math.isfinite(value):
            allowed |= {decimal_text(value).lstrip("-"), repr(value).lstrip("-")}  # rounded, or torch's own repr
            allowed.add(decimal_text(float(abs(Fraction(value) - exact))))  # how far torch's float is from the exact value
    for key in [*KINDS[result["kind"]].inputs, "first_batch", "stability", "least_squares", "claims"]:  # inputs, intermediates, analysis, claims
        for text in re.findall(r"-?\d+(?:/\d+)?", str(result.get(key, ""))):
            fraction = Fraction(text)
            allowed |= {str(abs(fraction.numerator)), str(fraction.denominator), decimal_text(float(fraction)).lstrip("-")}
    allowed |= {m.lstrip("-") for m in NUMBER.findall(result["title"])}  # the author's own words
    for claim in result.get("claims", []):
        allowed |= {m.lstrip("-") for m in NUMBER.findall(claim["note"])}  # where a claim came from, in the author's words
    return allowed


def text_of(page: str) -> str:
    """What a reader sees as prose and formulas: no front matter, marker, code blocks or links."""
    body = page.split("\n---\n", 1)[1]
    body = re.sub(r"```.*?```", "", body, flags=re.S)
    body = re.sub(r"<!--.*?-->|<small.*?</small>|\]\([^)]*\)", "", body, flags=re.S)
    return FRACTION.sub(r" \1 \2 ", html.unescape(body))


def small_integers(result) -> set[str]:
    """Counters a page may show beside the results: epochs, batches, rows, sizes, the seed."""
    steps = len(result.get("steps", []))
    rows = len(result.get("X", result.get("features", [])))
    limit = max(steps, rows, result.get("epochs", 0), result.get("batch_size", 0)) + 1
    extra = {str(result["seed"])} if result.get("seed") is not None else set()
    return {str(i) for i in range(limit)} | extra


def foreign_numbers(page: str, result) -> list[str]:
    """Numbers on the page that are neither a result, an input, a counter nor a formula constant."""
    allowed = allowed_numbers(result) | FORMULA_CONSTANTS | small_integers(result)
    if "X" in result:
        n, d = len(result["X"]), len(result["X"][0])
        allowed |= {str(n * d)}
    allowed |= {decimal_text(float(v)).lstrip("-") for v in LARGEST_FINITE}
    shown = [m.group(0).lstrip("-") for m in NUMBER.finditer(text_of(page))]
    assert shown, "the page shows no numbers at all"
    return [s for s in shown if s not in allowed]


# Numbers a formula may hold that are not results: sum bounds (i = 1), the 2 of a square and of
# the derivative's closed form.
FORMULA_CONSTANTS = {"1", "2"}
LARGEST_FINITE = (3.4028234663852886e38, 1.7976931348623157e308)  # named on overflow warnings


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
