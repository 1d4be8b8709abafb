"""Helpers every kind shares: exact numbers to sympy and back, to the literals of a shown program,
and to LaTeX; and the check of a sympy derivative against the closed form a page shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, TypeVar

from generator import formatting as fmt
from generator import marker
from generator.errors import MismatchError
from generator.languages import default, labels
from generator.plot_spec import Plot, plot_key
from generator.values import float_literal, nearest_float


def rational(value: Fraction) -> Any:
    """The sympy Rational of an exact value (sympy is imported only where derivations run)."""
    import sympy

    return sympy.Rational(value.numerator, value.denominator)


def fraction_of(value: Any) -> Fraction:
    """A sympy number that must be rational, as a Fraction."""
    import sympy

    number = sympy.Rational(value)
    return Fraction(int(number.p), int(number.q))


def exact_matrix_latex(matrix: Sequence[Sequence[Fraction]]) -> str:
    return fmt.bmatrix([[fmt.fraction_latex(v) for v in row] for row in matrix])


def difference_terms_latex(X: Sequence[Sequence[Fraction]], Y: Sequence[Sequence[Fraction]]) -> str:
    """The matrix X - Y written entry by entry before it is worked out: [[3 - 2, 1 - 2], ...]."""
    return fmt.bmatrix([[f"{fmt.fraction_latex(x)} - {fmt.signed(fmt.fraction_latex(y))}" for x, y in zip(xr, yr)] for xr, yr in zip(X, Y)])


def exact_column_latex(values: Sequence[Fraction]) -> str:
    return fmt.column([fmt.fraction_latex(v) for v in values])


def float_matrix(matrix: Sequence[Sequence[Fraction]], dtype: str) -> list[list[float]]:
    """The floats of `dtype` nearest to an exact matrix: what a torch tensor is made from."""
    return [[nearest_float(v, dtype) for v in row] for row in matrix]


def literal(value: Fraction, dtype: str) -> str:
    """The shortest Python literal torch reads as the float of `dtype` nearest to `value`."""
    return float_literal(nearest_float(value, dtype), dtype)


def vector_literal(values: Sequence[Fraction], dtype: str) -> str:
    return "[" + ", ".join(literal(v, dtype) for v in values) + "]"


def matrix_literal(matrix: Sequence[Sequence[Fraction]], dtype: str) -> str:
    return "[" + ", ".join(vector_literal(row, dtype) for row in matrix) + "]"


def check_derivative(source: str, what: str, derivative: Any, closed_form: Any) -> None:
    """Raise MismatchError unless sympy's derivative equals the closed form the page shows."""
    import sympy

    if sympy.simplify(sympy.expand(derivative - closed_form)) != 0:
        raise MismatchError(f"{source}: {what}: sympy gives {derivative}, the closed form {closed_form}")


Item = TypeVar("Item")
ROWS_SHOWN = 60  # a table longer than this shows its first and last KEPT rows; the results file has all
KEPT = 25


@dataclass(frozen=True)
class Elided(Generic[Item]):
    """A long sequence as a page shows it: the first rows, how many are left out, the last rows."""

    head: tuple[Item, ...]
    omitted: int
    tail: tuple[Item, ...]


def elide(items: Sequence[Item], limit: int = ROWS_SHOWN, kept: int = KEPT) -> Elided[Item]:
    if len(items) <= limit:
        return Elided(tuple(items), 0, ())
    return Elided(tuple(items[:kept]), len(items) - 2 * kept, tuple(items[-kept:]))


def over_latex(value: Fraction, *factors: int) -> str:
    r"""`value` divided by the product of `factors`, written out as one fraction: 17/4 over 3 and 2
    is \frac{17}{4 \cdot 3 \cdot 2}, 17 over 3 and 2 is \frac{17}{3 \cdot 2} (no fraction inside a fraction)."""
    below = ([str(value.denominator)] if value.denominator != 1 else []) + [str(f) for f in factors]
    sign = "- " if value < 0 else ""
    denominator = " \\cdot ".join(below)
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{denominator}}}"


def squared_latex(value: Fraction) -> str:
    r"""`value` squared, written out: 3^2, \left(-3\right)^2, \left(\frac{1}{2}\right)^2 (a fraction
    or a negative number in parentheses, so that the square is of the whole number)."""
    latex = fmt.fraction_latex(value)
    return f"{latex}^2" if value >= 0 and value.denominator == 1 else f"\\left({latex}\\right)^2"


def listing(words: Sequence[str], kind: str, language: str) -> str:
    """1, 2 and 3 (en) or 1、2 和 3 (zh): the places a fact names, for a sentence, with the kind's
    labels file's `comma` and `and`."""
    if len(words) < 2:
        return "".join(words)
    words_of = labels(kind, language)
    return f"{str(words_of['comma']).join(words[:-1])}{words_of['and']}{words[-1]}"


def loss_plot_file(slug: str) -> str:
    return f"{slug}-loss.svg"


def loss_plot_key(draw: Callable[[dict[str, str]], Plot], kind: str, language: str) -> tuple[tuple[str, str], ...]:
    """Each English text of the shared plot with this edition's words (none in the default edition);
    `draw` makes the plot from a labels file's [plot] words."""
    if language == default():
        return ()
    return plot_key(draw(labels(kind, default())["plot"]), draw(labels(kind, language)["plot"]))


def loss_plot_files(draw: Callable[[dict[str, str]], Plot], kind: str, source: str, slug: str) -> dict[str, bytes]:
    """The loss plot. One plot serves every edition, labelled in the default language (Chinese labels
    would need a CJK font on every machine that builds the site); the other editions' pages list its
    texts in their own words (loss_plot_key)."""
    from generator.plot import loss_plot  # matplotlib only where a plot is drawn

    drawn = draw(labels(kind, default())["plot"])
    return {loss_plot_file(slug): loss_plot(drawn.series, drawn.axes, marker.html(source), slug)}
