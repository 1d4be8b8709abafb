"""The view templates/mse.md.j2 renders, read from the results file alone (no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator import formatting as fmt
from generator import results as res
from generator.codec import V
from generator.kinds.base import Printed
from generator.kinds.common import difference_terms_latex, exact_matrix_latex, over_latex, squared_latex
from generator.kinds.mse.results import MseResults, Values
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
class OtherView:
    """Another reduction of the same data: exercise 1, or for "none" one of its ways out (LaTeX)."""

    reduction: str
    loss: str
    factor: str  # X.grad = factor (X - Y)
    grad: str
    link: str  # the slug of the page that works this reduction step by step ("" when none is given)


@dataclass(frozen=True)
class LegacyRow:
    """One combination of the legacy arguments, as torch ran it (None: not passed)."""

    size_average: bool | None
    reduce: bool | None
    reduction: str
    warned: bool
    this_run: bool  # the scenario's own combination


@dataclass(frozen=True)
class LegacyView:
    arguments: str  # "size_average=False"
    reduction: str  # what torch chose
    warnings: tuple[tuple[str, str], ...]  # (category, message), as torch gave them
    table: tuple[LegacyRow, ...]


def legacy_view(s: Scenario, results: MseResults) -> LegacyView | None:
    if results.legacy is None or s.legacy is None:
        return None
    call = results.legacy.call
    rows = tuple(
        LegacyRow(r.size_average, r.reduce, r.reduction, bool(r.warnings), (r.size_average, r.reduce) == (call.size_average, call.reduce))
        for r in results.legacy.table
    )
    return LegacyView(s.legacy.arguments(), call.reduction, tuple((w.category, w.message) for w in call.warnings), rows)


def others_view(s: Scenario, results: MseResults) -> tuple[OtherView, ...]:
    records = results.other_reduction if isinstance(results.other_reduction, tuple) else (results.other_reduction,)
    links = dict(s.see_also)
    return tuple(
        OtherView(
            reduction=o.reduction,
            loss=fmt.exact_and_decimal(o.loss.exact),
            factor=fmt.fraction_latex(Fraction(2, s.divisor_of(o.reduction))),
            grad=exact_matrix_latex(res.exact_matrix_of(o.grad)),
            link=links.get(o.reduction, ""),
        )
        for o in records
    )


def _loss_latex(results: MseResults) -> str:
    """The loss: the matrix for "none", else one value with its decimal."""
    if isinstance(results.loss, tuple):
        return exact_matrix_latex(res.exact_matrix_of(results.loss))
    return fmt.exact_and_decimal(results.loss.exact)


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
    loss: str  # for "none" the matrix of squares
    grad_factor: str
    grad: str
    grad_decimal: str  # "" when every entry is a whole number
    grad_torch: str  # torch's X.grad, each float as Python prints it (the exact | float tabs)
    loss_rounding: Rounding | None  # None for "none": its facts speak of every entry
    other_reduction: str
    other_loss: str
    other_factor: str
    other_grad: str
    entries: int  # n·d
    on_target: OnTargetView
    step: StepView
    others: tuple[OtherView, ...]  # for "none": loss.mean() and loss.sum() of the matrix, backpropagated
    backward_error: tuple[str, str] | None  # "none": (category, message) of what loss.backward() raised
    legacy: LegacyView | None
    call: str  # nn.MSELoss's arguments as the program passes them: 'reduction="sum"', "size_average=False"


def view(s: Scenario, results: MseResults, language: str) -> Page:
    residual = res.exact_matrix_of(results.residual)
    squares = res.exact_matrix_of(results.squares)
    grad = res.exact_matrix_of(results.grad)
    n, d = s.shape
    others = others_view(s, results)
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
        loss=_loss_latex(results),
        grad_factor=fmt.fraction_latex(Fraction(2, s.divisor)),
        grad=exact_matrix_latex(grad),
        grad_decimal=fmt.bmatrix([[fmt.decimal_latex(float(v)) for v in row] for row in grad])
        if any(v.denominator != 1 for row in grad for v in row) else "",
        grad_torch=fmt.bmatrix([[repr(v.value) for v in row] for row in results.grad]),
        loss_rounding=None if isinstance(results.loss, tuple) else rounding(results.loss),
        other_reduction=others[0].reduction,
        other_loss=others[0].loss,
        other_factor=others[0].factor,
        other_grad=others[0].grad,
        entries=n * d,
        on_target=on_target_view(s, results),
        step=step_view(s, results),
        others=others,
        backward_error=None if results.backward_error is None else (results.backward_error.category, results.backward_error.message),
        legacy=legacy_view(s, results),
        call=s.legacy.arguments() if s.legacy is not None else f'reduction="{s.reduction}"',
    )


def printed(results: MseResults) -> list[Printed]:
    """What templates/programs/mse.py.j2 prints: the loss (each entry for "none"), then X.grad row by
    row; for "none" then loss.mean() and its X.grad, loss.sum() and its X.grad."""
    def matrix(name: str, values: Values) -> list[Printed]:
        return [Printed(f"{name}[{i}][{j}]", value) for i, row in enumerate(values) for j, value in enumerate(row)]

    if isinstance(results.loss, tuple):
        out = matrix("loss", results.loss) + matrix("grad", results.grad)
        others = results.other_reduction if isinstance(results.other_reduction, tuple) else (results.other_reduction,)
        for i, other in enumerate(others):
            out += [Printed(f"other_reduction[{i}].loss", other.loss)] + matrix(f"other_reduction[{i}].grad", other.grad)
        return out
    return [Printed("loss", results.loss)] + matrix("grad", results.grad)
