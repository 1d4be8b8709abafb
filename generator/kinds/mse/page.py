"""The view templates/mse.md.j2 renders, read from the results file alone (no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator import formatting as fmt
from generator import results as res
from generator.codec import V
from generator.kinds.base import Printed
from generator.kinds.common import difference_terms_latex, exact_matrix_latex, over_latex, squared_latex
from generator.kinds.mse.results import MseResults
from generator.kinds.mse.scenario import Scenario

TERMS_PER_LINE = 6  # a sum of many squares is written on several lines, so it fits a phone


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class Rounding:
    """Torch's float and the exact value, for the sentence under the loss (which one it is: the
    results' facts, kinds/mse/facts.py)."""

    torch: str  # torch's value as Python prints it
    value: str  # the exact value, LaTeX
    distance: str  # |torch - exact|, as text


def rounding(record: V) -> Rounding:
    value, exact = record.value, record.exact
    return Rounding(repr(value), fmt.fraction_latex(exact), fmt.decimal_text(float(abs(Fraction(value) - exact))))


@dataclass(frozen=True)
class OnTargetView:
    """Exercise 2: one entry of X set to its target (LaTeX; the entry counted from 1)."""

    row: int
    column: int
    y: str
    difference: str  # "x - y" before the change, written out
    residual: str
    square: str  # its square, written out: "\\left(-3\\right)^2"
    sum_after: str
    loss: str  # worked from the sum: "\\frac{8}{3 \\cdot 2} = \\frac{4}{3} \\approx 1.3333"


@dataclass(frozen=True)
class StepView:
    """Exercise 3: one gradient step on X (LaTeX)."""

    lr: str
    lr_factor: str
    shrink: str
    X: str
    residual: str
    sum_squares: str
    loss: str  # worked from the sum


def _worked(s: Scenario, total: Fraction, loss: Fraction) -> str:
    """The loss from its sum of squares: divided by n·d, written out, under "mean"; the sum under "sum"."""
    return (f"{over_latex(total, *s.shape)} = " if s.reduction == "mean" else "") + fmt.exact_and_decimal(loss)


def on_target_view(s: Scenario, results: MseResults) -> OnTargetView:
    e = results.exercises.on_target
    return OnTargetView(
        row=e.row + 1,
        column=e.column + 1,
        y=fmt.fraction_latex(s.Y[e.row][e.column]),
        difference=f"{fmt.fraction_latex(s.X[e.row][e.column])} - {fmt.signed(fmt.fraction_latex(s.Y[e.row][e.column]))}",
        residual=fmt.fraction_latex(e.residual),
        square=squared_latex(e.residual),
        sum_after=fmt.fraction_latex(e.sum_squares),
        loss=_worked(s, e.sum_squares, e.loss),
    )


def step_view(s: Scenario, results: MseResults) -> StepView:
    e = results.exercises.step
    return StepView(
        lr=fmt.fraction_latex(e.lr),
        lr_factor=fmt.fraction_latex(e.lr_factor),
        shrink=fmt.fraction_latex(e.shrink),
        X=exact_matrix_latex(e.X),
        residual=exact_matrix_latex(e.residual),
        sum_squares=fmt.fraction_latex(e.sum_squares),
        loss=_worked(s, e.sum_squares, e.loss),
    )


@dataclass(frozen=True)
class Page:
    """LaTeX pieces for templates/mse.md.j2."""

    n: int
    d: int
    divisor: int
    X: str
    Y: str
    residual_terms: str
    residual: str
    squares_terms: str
    squares: str
    sum_lines: tuple[str, ...]  # the terms of the sum, at most TERMS_PER_LINE a line
    sum_squares: str
    loss: str
    grad_factor: str
    grad: str
    grad_decimal: str  # "" when every entry is a whole number
    loss_rounding: Rounding
    other_reduction: str
    other_loss: str
    other_factor: str
    other_grad: str
    entries: int  # n·d
    on_target: OnTargetView
    step: StepView


def view(s: Scenario, results: MseResults, language: str) -> Page:
    residual = res.exact_matrix_of(results.residual)
    squares = res.exact_matrix_of(results.squares)
    grad = res.exact_matrix_of(results.grad)
    n, d = s.shape
    return Page(
        n=n,
        d=d,
        divisor=s.divisor,
        X=exact_matrix_latex(s.X),
        Y=exact_matrix_latex(s.Y),
        residual_terms=difference_terms_latex(s.X, s.Y),
        residual=exact_matrix_latex(residual),
        squares_terms=fmt.bmatrix([[squared_latex(r) for r in row] for row in residual]),
        squares=exact_matrix_latex(squares),
        sum_lines=tuple(" + ".join(chunk) for chunk in chunks([fmt.fraction_latex(v) for row in squares for v in row], TERMS_PER_LINE)),
        sum_squares=fmt.fraction_latex(results.sum_squares.exact),
        loss=fmt.exact_and_decimal(results.loss.exact),
        grad_factor=fmt.fraction_latex(Fraction(2, s.divisor)),
        grad=exact_matrix_latex(grad),
        grad_decimal=fmt.bmatrix([[fmt.decimal_latex(float(v)) for v in row] for row in grad])
        if any(v.denominator != 1 for row in grad for v in row) else "",
        loss_rounding=rounding(results.loss),
        other_reduction=s.other_reduction,
        other_loss=fmt.exact_and_decimal(results.other_reduction.loss.exact),
        other_factor=fmt.fraction_latex(Fraction(2, s.divisor_of(s.other_reduction))),
        other_grad=exact_matrix_latex(res.exact_matrix_of(results.other_reduction.grad)),
        entries=n * d,
        on_target=on_target_view(s, results),
        step=step_view(s, results),
    )


def printed(results: MseResults) -> list[Printed]:
    """What templates/programs/mse.py.j2 prints: the loss, then X.grad row by row."""
    return [Printed("loss", results.loss)] + [
        Printed(f"grad[{i}][{j}]", value) for i, row in enumerate(results.grad) for j, value in enumerate(row)
    ]
