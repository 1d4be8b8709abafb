"""Every number on a generated page comes from the run, and the shown program printed the results."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest

from generator.formatting import decimal_text

FRACTION = re.compile(r"\\frac\{(\d+)\}\{(\d+)\}")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]\d+)?(?![\w.])")


def walk(node):
    """Every exact value and torch value in a results file."""
    if isinstance(node, dict):
        if set(node) == {"value", "exact"}:
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
            allowed.add(decimal_text(value).lstrip("-"))
    for key in ("X", "Y", "features", "labels", "weight", "bias", "lr"):
        for text in re.findall(r"-?\d+(?:/\d+)?", str(result.get(key, ""))):
            fraction = Fraction(text)
            allowed |= {str(abs(fraction.numerator)), str(fraction.denominator)}
    return allowed


def math_of(page: str) -> str:
    """The formulas of a page: what stands between $$ ... $$ and $ ... $, outside code blocks."""
    prose = re.sub(r"```.*?```", "", page, flags=re.S)
    return " ".join(re.findall(r"\$\$(.*?)\$\$", prose, flags=re.S))


# Numbers a formula may hold that are not results: sum bounds (i = 1), the 2 of a square and of
# the derivative's closed form, and the matrix shape n, d and n*d (checked against the JSON below).
FORMULA_CONSTANTS = {"1", "2"}


@pytest.mark.parametrize("slug", ["mse-mean", "mse-sum"])
def test_every_number_in_the_formulas_comes_from_the_results(slug, pages, results):
    result = results[slug]
    n, d = len(result["X"]), len(result["X"][0])
    allowed = allowed_numbers(result) | FORMULA_CONSTANTS | {str(n), str(d), str(n * d)}
    formulas = math_of(pages[slug])
    shown = [m.group(0).lstrip("-") for m in NUMBER.finditer(FRACTION.sub(r" \1 \2 ", formulas))]
    assert shown, "the page shows no numbers at all"
    assert [s for s in shown if s not in allowed] == []


def test_the_number_check_catches_a_typed_number(pages, results):
    """The check above must be able to fail: a typed-in wrong decimal is caught."""
    tampered = pages["mse-mean"].replace(r"\approx 2.8333", r"\approx 2.8334")
    assert tampered != pages["mse-mean"]
    allowed = allowed_numbers(results["mse-mean"]) | FORMULA_CONSTANTS
    shown = [m.group(0) for m in NUMBER.finditer(FRACTION.sub(r" \1 \2 ", math_of(tampered)))]
    assert "2.8334" in [s for s in shown if s not in allowed]


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
    grad_text = printed.split("X.grad:", 1)[1]
    grad_printed = [float(x) for x in re.findall(r"-?\d+\.\d*", grad_text)]
    grad_json = [v["value"] for row in result["grad"] for v in row]
    assert grad_printed == pytest.approx(grad_json, abs=5e-5)


def test_page_shows_derivation_steps(pages):
    page = pages["mse-mean"]
    for heading in ("## 1. The loss", "## 2. The differences", "## 4. Sum and loss", "## 5. The gradient", "## Check it in PyTorch"):
        assert heading in page
    assert "mse-mean.json" in page
