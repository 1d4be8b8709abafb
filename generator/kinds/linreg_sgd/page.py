"""The view a linreg-sgd template renders, and its loss plot, read from the results file alone
(no torch): LaTeX for the first step, formatted rows for the rest."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from generator import formatting as fmt
from generator import results as res
from generator.codec import V
from generator.kinds.base import Printed
from generator.kinds.common import (
    Elided,
    elide,
    exact_column_latex,
    exact_matrix_latex,
    listing,
    loss_plot_file,
    loss_plot_files,
    loss_plot_key,
    squared_latex,
)
from generator.kinds.linreg_sgd import results as typed
from generator.kinds.linreg_sgd import sweep_plot
from generator.kinds.linreg_sgd.results import LinregResults, StepResults
from generator.kinds.linreg_sgd.scenario import NAME, Scenario
from generator.languages import labels
from generator.plot_spec import Axes, Plot, Series
from generator.values import largest_finite


@dataclass(frozen=True)
class Row:
    """One step's numbers as text: torch's decimals, for the step tables."""

    epoch: int
    batch: int
    indices: str
    loss: str
    grad_weight: str
    grad_bias: str
    weight: str
    bias: str


@dataclass(frozen=True)
class FirstStep:
    """The first batch, worked in full: LaTeX strings."""

    indices: str  # the rows counted from 1, as the page counts them
    torch_indices: str  # the same rows as torch indexes them, from 0
    X: str
    y: str
    weight: str
    bias: str
    products: str
    residual: str
    loss: str  # the loss's display, worked from the residuals
    grad_factor: str
    grad_weight: str
    grad_bias: str
    lr: str
    size: int  # |B|
    XT: str  # X_B transposed
    xt_residual: str  # X_B^T r
    residual_sum: str
    residual_terms: str  # r_1 + r_2 + ...
    lr_grad_weight: str  # eta times the weight's gradient
    lr_grad_bias: str
    weight_update: str
    bias_update: str


@dataclass(frozen=True)
class SecondStep:
    """Exercise 1: step 2 by hand, from w_1 and b_1 (LaTeX)."""

    epoch: int
    batch: int
    indices: str
    X: str
    y: str
    weight: str  # w_1
    bias: str  # b_1
    residual: str
    loss: str  # the loss's display, worked from the residuals
    XT: str
    xt_residual: str
    grad_factor: str
    residual_terms: str
    residual_sum: str
    fresh_grad_weight: str  # this batch's own gradient
    fresh_grad_bias: str
    added_weight: str  # step 1's gradient plus this one, written out (step() adds them without zero_grad())
    added_bias: str
    grad_weight: str  # the gradient step() used
    grad_bias: str
    lr_grad_weight: str
    lr_grad_bias: str
    weight_after: str
    bias_after: str


@dataclass(frozen=True)
class AfterFirstStep:
    """Exercise 2: the first batch's loss at w_1 and b_1 (LaTeX)."""

    residual: str
    loss: str  # the loss's display, worked from the residuals
    before: str  # its loss at w_0 and b_0, step 1's


@dataclass(frozen=True)
class OtherReduction:
    """Exercise 3: the first step with the other reduction (LaTeX)."""

    reduction: str
    scale: str
    loss: str  # the loss's display, worked from the residuals
    grad_factor: str
    grad_weight: str
    grad_bias: str
    lr_grad_weight: str
    lr_grad_bias: str
    weight: str
    bias: str


WHOLE_SQUARES_PER_LINE = 4  # whole residuals' squares on one line; a fraction's square takes a line of its own


def loss_display(reduction: str, scale: Fraction, residual: tuple[Fraction, ...], loss: Fraction) -> str:
    """The display ℓ = c (r_1^2 + r_2^2 + ...) = loss, broken over lines where it would not fit a phone."""
    terms = [squared_latex(r) for r in residual]
    value = fmt.exact_and_decimal(loss)
    factor = "" if reduction == "sum" else fmt.fraction_latex(scale) + " "
    per_line = WHOLE_SQUARES_PER_LINE if all(r.denominator == 1 for r in residual) else 1
    lines = [" + ".join(terms[i : i + per_line]) for i in range(0, len(terms), per_line)]
    if len(lines) == 1:
        return f"\\ell = {factor}\\left({lines[0]}\\right) = {value}" if factor else f"\\ell = {lines[0]} = {value}"
    opening, closing = ("\\Bigl(", "\\Bigr)") if factor else ("", "")
    rows = [f"\\ell &= {factor}{opening}{lines[0]}"] + [f"&\\qquad + {line}" for line in lines[1:]]
    rows[-1] += closing
    return "\\begin{aligned}\n" + " \\\\\n".join([*rows, f"&= {value}"]) + "\n\\end{aligned}"


def _exact_column(values: tuple[Fraction, ...]) -> str:
    return fmt.column([fmt.exact_and_decimal(v) for v in values])


def second_step_view(s: Scenario, results: LinregResults) -> SecondStep | None:
    worked, steps = results.exercises.second, results.steps
    if worked is None:
        return None
    first, step = steps[0], steps[1]
    rows = step.indices
    X = [s.features[i] for i in rows]
    scale = s.loss_scale(len(rows))
    return SecondStep(
        epoch=step.epoch,
        batch=step.batch,
        indices=counted(rows),
        X=exact_matrix_latex(X),
        y=_vector([s.labels[i] for i in rows]),
        weight=_vector(res.exacts_of(first.weight)),
        bias=fmt.fraction_latex(first.bias.exact),
        residual=_vector(worked.residual),
        loss=loss_display(s.reduction, scale, worked.residual, step.loss.exact),
        XT=exact_matrix_latex(list(zip(*X))),
        xt_residual=_vector(worked.xt_residual),
        grad_factor=fmt.fraction_latex(2 * scale),
        residual_terms=" + ".join(fmt.signed(fmt.fraction_latex(v)) for v in worked.residual),
        residual_sum=fmt.fraction_latex(worked.residual_sum),
        fresh_grad_weight=_exact_column(worked.fresh_grad_weight),
        fresh_grad_bias=fmt.exact_and_decimal(worked.fresh_grad_bias),
        added_weight=f"{_vector(res.exacts_of(first.grad_weight))} + {_vector(worked.fresh_grad_weight)}",
        added_bias=f"{fmt.fraction_latex(first.grad_bias.exact)} + {fmt.signed(fmt.fraction_latex(worked.fresh_grad_bias))}",
        grad_weight=_exact_column(res.exacts_of(step.grad_weight)),
        grad_bias=fmt.exact_and_decimal(step.grad_bias.exact),
        lr_grad_weight=_vector(worked.lr_grad_weight),
        lr_grad_bias=fmt.signed(fmt.fraction_latex(worked.lr_grad_bias)),
        weight_after=_exact_column(res.exacts_of(step.weight)),
        bias_after=fmt.exact_and_decimal(step.bias.exact),
    )


def after_first_view(s: Scenario, results: LinregResults) -> AfterFirstStep:
    worked = results.exercises.after_first
    return AfterFirstStep(
        residual=_vector(worked.residual),
        loss=loss_display(s.reduction, s.loss_scale(len(worked.residual)), worked.residual, worked.loss),
        before=fmt.exact_and_decimal(results.steps[0].loss.exact),
    )


def other_reduction_view(results: LinregResults) -> OtherReduction:
    worked = results.exercises.other_reduction
    return OtherReduction(
        reduction=worked.reduction,
        scale=fmt.fraction_latex(worked.scale),
        loss=loss_display(worked.reduction, worked.scale, results.first_batch.residual, worked.loss),
        grad_factor=fmt.fraction_latex(2 * worked.scale),
        grad_weight=_exact_column(worked.grad_weight),
        grad_bias=fmt.exact_and_decimal(worked.grad_bias),
        lr_grad_weight=_vector(worked.lr_grad_weight),
        lr_grad_bias=fmt.signed(fmt.fraction_latex(worked.lr_grad_bias)),
        weight=_exact_column(worked.weight),
        bias=fmt.exact_and_decimal(worked.bias),
    )


SHORT_ROWS, SHORT_KEPT = 12, 5  # a table longer than this shows its first and last rows, the rest folded


@dataclass(frozen=True)
class Stability:
    """When plain gradient descent on the loss contracts: eta < 2 / lambda_max (decimal text)."""

    lambda_max: str
    threshold: str
    batch_thresholds: tuple[str, ...]


@dataclass(frozen=True)
class LeastSquares:
    weight: str
    bias: str
    loss: str
    gap: str  # how far the last epoch's exact loss is above the minimum


@dataclass(frozen=True)
class Accumulation:
    """Step 2's accumulated gradient as the sum of the two fresh ones (LaTeX columns)."""

    accumulated: str
    first: str
    fresh: str
    final_without: str
    final_with: str


def _stability(s: Scenario, record: typed.Stability | None) -> Stability | None:
    if record is None or record.full.threshold is None:
        return None
    thresholds = [(b.threshold[0], b.threshold[1]) for b in record.batches if b.threshold]
    every = [(record.full.threshold[0], record.full.threshold[1]), *thresholds]
    return Stability(
        lambda_max=fmt.decimal_text(float(record.full.lambda_max[0])),
        threshold=fmt.decimal_text(float(every[0][0])),
        batch_thresholds=tuple(fmt.decimal_text(float(lo)) for lo, _ in thresholds),
    )


def _least_squares(record: typed.LeastSquares | None) -> LeastSquares | None:
    if record is None:
        return None
    return LeastSquares(
        weight=_exact_column(record.weight),
        bias=fmt.exact_and_decimal(record.bias),
        loss=fmt.exact_and_decimal(record.loss),
        gap=fmt.fraction_text(record.gap),
    )


def _accumulation(results: LinregResults) -> Accumulation | None:
    twin = results.with_zero_grad
    steps = results.steps
    if twin is None or len(steps) < 2:
        return None

    def column(step: StepResults) -> str:
        return fmt.column([fmt.fraction_latex(g) for g in (*res.exacts_of(step.grad_weight), step.grad_bias.exact)])

    return Accumulation(
        accumulated=column(steps[1]), first=column(steps[0]), fresh=column(twin.steps[1]),
        final_without=fmt.decimal_text(results.epoch_loss[-1].value),
        final_with=fmt.decimal_text(twin.epoch_loss[-1].value),
    )


def _flips(steps: tuple[StepResults, ...]) -> str:
    """w[0] at the start and after the first steps, while it keeps flipping sign: 1 → -4.3333 → ..."""
    values = [step.weight[0].exact for step in steps[:5]]
    return " → ".join(fmt.fraction_text(v) for v in values)


@dataclass(frozen=True)
class SweepPoint:
    """One grid point of the learning-rate slider: its words' numbers, and its facts."""

    lr: str  # the learning rate, as the scenario would write it
    last_loss: str  # the loss on all data after the last epoch: torch's, as section 5 shows it; the exact one past the float range (HTML)
    gap: str | None  # how far the exact one is above the least-squares minimum (HTML)
    rises_at: str  # the epochs whose loss on all data rises: "2, 3 and 5"
    facts: typed.SweepFacts


@dataclass(frozen=True)
class Sweep:
    """The learning-rate slider (sweep.py, sweep_plot.py)."""

    points: tuple[SweepPoint, ...]
    page: int  # the page's own lr
    last: int  # the slider's largest index
    grid_first: str  # the E12 grid's smallest and largest learning rates
    grid_last: str
    page_extra: bool  # the page's own lr is not one of the grid's
    batch_threshold: str | None  # the smallest first-epoch batch's 2 / lambda_max (as section 5 shows it)
    threshold: str  # 2 / lambda_max (LaTeX decimal)
    threshold_at: str  # where it sits along the slider, 0 to 1
    threshold_align: str  # "at-start", "at-end" or "": the label's alignment (sweep_plot's _align)
    page_at: str
    page_align: str
    svg: str
    minimum: str | None  # the least-squares minimum (decimal), None without one or when it is 0 (no dotted line)


@dataclass(frozen=True)
class Page:
    features: str
    labels: str
    weight0: str
    bias0: str
    lr: str
    n: int
    d: int
    first: FirstStep
    exercise_second: SecondStep | None  # exercise 1: the second step by hand
    after_first: AfterFirstStep  # exercise 2
    other_reduction: OtherReduction  # exercise 3
    rows: Elided[Row]
    rows_short: Elided[Row]  # what the page shows open; the rest in a collapsible block
    steps: int
    epoch_loss: Elided[tuple[int, str]]  # epoch, loss on all data
    epoch_loss_short: Elided[tuple[int, str]]
    twin_rows: Elided[tuple[int, int, str, str]]  # epoch, batch, loss without / with zero_grad
    twin_steps: Elided[Row] | None  # the run with zero_grad(), step by step (the tabs beside this run's); None with zero_grad
    initial_loss: str  # the loss on all data before the first step (exact, as a decimal)
    last_epoch_loss: str  # torch's, after the last epoch
    rises_at: str  # the epochs whose loss on all data is above the epoch before's: "2, 3 and 5"
    flips_at: str  # the steps after which w_1 changed sign
    batch_rises: int  # how many steps' batch loss is above the step before's
    batch_changes: int  # the step-to-step changes of the batch loss that fact compares: one fewer than the steps
    largest: str
    plot_file: str
    plot_key: tuple[tuple[str, str], ...]  # each English text of the shared plot with this edition's words (none in English)
    stability: Stability | None
    least_squares: LeastSquares | None
    accumulation: Accumulation | None
    weight_path: str  # w[0] over the first steps
    sweep: Sweep | None  # the learning-rate slider, where the results have a sweep


_vector = exact_column_latex


def _floats(values: tuple[V, ...]) -> str:
    return "[" + ", ".join(fmt.decimal_text(v) for v in res.values_of(values)) + "]"


def first_step(s: Scenario, step: StepResults, first: typed.FirstBatch) -> FirstStep:
    """The first batch worked by hand, from its exact values and the results' "first_batch"."""
    rows = step.indices
    r = first.residual
    grad_weight, weight = res.exacts_of(step.grad_weight), res.exacts_of(step.weight)
    X = [s.features[i] for i in rows]
    products = [
        " + ".join(f"{fmt.signed(fmt.fraction_latex(x))} \\cdot {fmt.signed(fmt.fraction_latex(w))}" for x, w in zip(row, s.weight))
        + f" + {fmt.signed(fmt.fraction_latex(s.bias))} - {fmt.signed(fmt.fraction_latex(s.labels[i]))}"
        for row, i in zip(X, rows)
    ]
    scale = s.loss_scale(len(rows))
    return FirstStep(
        indices=counted(rows),
        torch_indices=", ".join(str(i) for i in rows),
        X=exact_matrix_latex(X),
        y=_vector([s.labels[i] for i in rows]),
        weight=_vector(s.weight),
        bias=fmt.fraction_latex(s.bias),
        products=fmt.column(products),
        residual=_vector(r),
        loss=loss_display(s.reduction, scale, r, step.loss.exact),
        grad_factor=fmt.fraction_latex(2 * scale),
        grad_weight=fmt.column([fmt.exact_and_decimal(g) for g in grad_weight]),
        grad_bias=fmt.exact_and_decimal(step.grad_bias.exact),
        lr=fmt.fraction_latex(s.lr),
        size=len(rows),
        XT=exact_matrix_latex(list(zip(*X))),
        xt_residual=_vector(first.xt_residual),
        residual_sum=fmt.fraction_latex(first.residual_sum),
        residual_terms=" + ".join(fmt.signed(fmt.fraction_latex(v)) for v in r),
        lr_grad_weight=_vector(first.lr_grad_weight),
        lr_grad_bias=fmt.signed(fmt.fraction_latex(first.lr_grad_bias)),
        weight_update=fmt.column([fmt.exact_and_decimal(w) for w in weight]),
        bias_update=fmt.exact_and_decimal(step.bias.exact),
    )


def counted(indices: Sequence[int]) -> str:
    """A batch's rows as the page counts them, from 1 (x_1 is the first row); torch's indices are one less."""
    return ", ".join(str(i + 1) for i in indices)


def _loss(step: StepResults) -> float:
    return step.loss.value


def _row(step: StepResults) -> Row:
    return Row(
        step.epoch, step.batch, counted(step.indices), fmt.decimal_text(_loss(step)),
        _floats(step.grad_weight), fmt.decimal_text(step.grad_bias.value),
        _floats(step.weight), fmt.decimal_text(step.bias.value),
    )


def _listing(numbers: tuple[int, ...], language: str) -> str:
    """1, 2 and 3 (en) or 1、2 和 3 (zh): the places a fact names, for a sentence."""
    return listing([str(n) for n in numbers], NAME, language)


def view(s: Scenario, results: LinregResults, language: str) -> Page:
    steps = results.steps
    twin = results.with_zero_grad
    losses = res.values_of(results.epoch_loss)
    twin_rows: tuple[tuple[int, int, str, str], ...] = ()
    if twin is not None:
        twin_rows = tuple(
            (a.epoch, a.batch, fmt.decimal_text(_loss(a)), fmt.decimal_text(_loss(b))) for a, b in zip(steps, twin.steps)
        )
    return Page(
        features=fmt.bmatrix([[fmt.fraction_latex(v) for v in row] for row in s.features]),
        labels=_vector(s.labels),
        weight0=_vector(s.weight),
        bias0=fmt.fraction_latex(s.bias),
        lr=fmt.exact_and_decimal(s.lr),
        n=s.n,
        d=s.d,
        first=first_step(s, steps[0], results.first_batch),
        exercise_second=second_step_view(s, results),
        after_first=after_first_view(s, results),
        other_reduction=other_reduction_view(results),
        rows=elide([_row(step) for step in steps]),
        rows_short=elide([_row(step) for step in steps], SHORT_ROWS, SHORT_KEPT),
        steps=len(steps),
        epoch_loss_short=elide([(epoch, fmt.decimal_text(v)) for epoch, v in enumerate(losses, start=1)], SHORT_ROWS, SHORT_KEPT),
        epoch_loss=elide([(epoch, fmt.decimal_text(v)) for epoch, v in enumerate(losses, start=1)]),
        twin_rows=elide(twin_rows),
        twin_steps=elide([_row(step) for step in twin.steps], SHORT_ROWS, SHORT_KEPT) if twin is not None else None,
        initial_loss=fmt.decimal_text(float(results.initial_loss)),
        last_epoch_loss=fmt.decimal_text(losses[-1]),
        rises_at=_listing(results.facts.epoch_loss_rises_at.at, language),
        flips_at=_listing(results.facts.first_weight_sign_flips_at.at, language),
        batch_rises=len(results.facts.batch_loss_rises_at.at),
        batch_changes=len(steps) - 1,
        largest=fmt.decimal_text(largest_finite(s.dtype)),
        plot_file=loss_plot_file(s.slug),
        plot_key=loss_plot_key(lambda words: plot(s, results, words), NAME, language),
        stability=_stability(s, results.stability),
        least_squares=_least_squares(results.least_squares),
        accumulation=_accumulation(results),
        weight_path=" → ".join([fmt.fraction_text(s.weight[0]), _flips(steps)]),
        sweep=_sweep(results, language),
    )


def _sweep(results: LinregResults, language: str) -> Sweep | None:
    sweep, stability = results.lr_sweep, results.stability
    if sweep is None or stability is None or stability.full.threshold is None:
        return None
    words = labels(NAME, language)["sweep"]
    minimum = results.least_squares.loss if results.least_squares else None
    drawn = sweep_plot.svg(sweep, results.initial_loss, minimum, sweep_plot.Words(**words))
    if drawn is None:
        return None
    points = tuple(
        SweepPoint(
            lr=_rate(run.lr),
            last_loss=_html(fmt.decimal_text(run.epoch_loss[-1].value) if math.isfinite(run.epoch_loss[-1].value)
                            else fmt.fraction_text(run.epoch_loss[-1].exact)),
            gap=_html(fmt.fraction_text(run.gap)) if run.gap is not None else None,
            rises_at=_listing(run.facts.epoch_loss_rises_at.at, language),
            facts=run.facts,
        )
        for run in sweep.runs
    )
    threshold_at = sweep_plot.position(sweep, stability.full.threshold[0])
    page_at = sweep_plot.position(sweep, sweep.runs[sweep.page].lr)
    grid = [run.lr for i, run in enumerate(sweep.runs) if not (sweep.page_added and i == sweep.page)]
    batches = [b.threshold[0] for b in stability.batches if b.threshold]
    return Sweep(
        points=points, page=sweep.page, last=len(points) - 1,
        grid_first=_rate(grid[0]), grid_last=_rate(grid[-1]),
        page_extra=sweep.page_added,
        batch_threshold=_html(fmt.fraction_text(min(batches))) if batches else None,
        threshold=fmt.decimal_latex(float(stability.full.threshold[0])),
        threshold_at=f"{threshold_at:.4f}", threshold_align=_align(threshold_at),
        page_at=f"{page_at:.4f}", page_align=_align(page_at),
        svg=drawn,
        minimum=fmt.fraction_text(minimum) if minimum is not None and minimum > 0 else None,  # 0 has no place on a log axis
    )


def _rate(lr: Fraction) -> str:
    """A learning rate as written: 0.0012, or 3.3e-12 past 12 decimal places (still exact)."""
    short = f"{float(lr):g}"
    return fmt.exact_decimal(lr) or (short if Fraction(short) == lr else fmt.fraction_text(lr))


def _html(text: str) -> str:
    """A decimal in HTML: 1.7481e+16 as 1.7481 × 10<sup>16</sup> (a caption is HTML, not LaTeX)."""
    if "e" not in text or text in ("inf", "-inf", "nan"):
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} × 10<sup>{int(exponent)}</sup>"


def _align(at: float) -> str:
    """A mark's label near an end of the slider is aligned to that end, so it stays on the screen."""
    return "at-start" if at < 0.15 else "at-end" if at > 0.85 else ""


def plot(s: Scenario, results: LinregResults, words: dict[str, str]) -> Plot:
    """The loss plot: batch loss per step, the loss on all data at each epoch's end, and the
    with-zero_grad twin's batch loss when there is one, labelled with `words` (a labels file's [plot])."""
    steps = results.steps
    numbers = list(range(1, len(steps) + 1))
    epoch_ends = [e * s.batches_per_epoch for e in range(1, s.epochs + 1)]
    first = words["batch"] if s.zero_grad else words["without_zero_grad"]
    series = [Series(first, numbers, [_loss(step) for step in steps], "o-")]
    epoch_label = words["epoch"] if s.zero_grad else words["epoch_without_zero_grad"]
    series.append(Series(epoch_label, epoch_ends, list(res.values_of(results.epoch_loss)), "s--"))
    if results.with_zero_grad is not None:
        twin_losses = [_loss(step) for step in results.with_zero_grad.steps]
        series.append(Series(words["with_zero_grad"], numbers, twin_losses, "^-"))
    minimum = results.least_squares
    if minimum is not None:
        series.append(Series(words["minimum"], [numbers[0], numbers[-1]], [float(minimum.loss)] * 2, "k:"))
    return Plot(series, Axes(words["x"], words["y"], words["y_log"]))


def files(s: Scenario, results: LinregResults, language: str) -> dict[str, bytes]:
    return loss_plot_files(lambda words: plot(s, results, words), NAME, s.source, s.slug)


def printed(results: LinregResults) -> list[Printed]:
    """What templates/programs/linreg-sgd.py.j2 prints: each step's loss, gradients and parameters,
    and after each epoch's last step the loss on all data."""
    values: list[Printed] = []
    steps = results.steps
    for i, step in enumerate(steps):
        values.append(Printed(f"steps[{i}].loss", step.loss))
        values += [Printed(f"steps[{i}].grad_weight[{j}]", g) for j, g in enumerate(step.grad_weight)]
        values.append(Printed(f"steps[{i}].grad_bias", step.grad_bias))
        values += [Printed(f"steps[{i}].weight[{j}]", w) for j, w in enumerate(step.weight)]
        values.append(Printed(f"steps[{i}].bias", step.bias))
        if i + 1 == len(steps) or steps[i + 1].epoch != step.epoch:
            values.append(Printed(f"epoch_loss[{step.epoch - 1}]", results.epoch_loss[step.epoch - 1]))
    return values
