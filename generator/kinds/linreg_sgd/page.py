"""The view a linreg-sgd template renders: LaTeX for the first step, formatted rows for the rest."""

from __future__ import annotations

import math
from dataclasses import dataclass

from generator import formatting as fmt
from generator.kinds.linreg_sgd.exact import Exact
from generator.kinds.linreg_sgd.run import Step, Trace
from generator.kinds.linreg_sgd.scenario import Scenario
from generator.values import largest_finite


@dataclass(frozen=True)
class Row:
    """One step of the table, torch's values as text."""

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

    indices: str
    X: str
    y: str
    weight: str
    bias: str
    products: str
    residual: str
    loss_terms: str
    loss: str
    scale: str
    grad_factor: str
    grad_weight: str
    grad_bias: str
    lr: str
    weight_update: str
    bias_update: str


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
    rows: tuple[Row, ...]
    epoch_loss: tuple[str, ...]
    twin_rows: tuple[tuple[int, int, str, str], ...]  # epoch, batch, loss without / with zero_grad
    baseline: str  # the loss the last epoch's is compared with: epoch 1's on all data, or the first batch's
    baseline_is_epoch: bool
    last_epoch_loss: str
    diverges: bool
    overflow_at: str | None
    largest: str
    plot_file: str


def _vector(values) -> str:
    return fmt.column([fmt.fraction_latex(v) for v in values])


def _floats(values) -> str:
    return "[" + ", ".join(fmt.decimal_text(v) for v in values) + "]"


def first_step(s: Scenario, exact: Exact) -> FirstStep:
    step = exact.steps[0]
    rows = step.indices
    X = [s.features[i] for i in rows]
    products = [
        " + ".join(f"{fmt.signed(fmt.fraction_latex(x))} \\cdot {fmt.signed(fmt.fraction_latex(w))}" for x, w in zip(row, s.weight))
        + f" + {fmt.signed(fmt.fraction_latex(s.bias))} - {fmt.signed(fmt.fraction_latex(s.labels[i]))}"
        for row, i in zip(X, rows)
    ]
    scale = s.loss_scale(len(rows))
    return FirstStep(
        indices=", ".join(str(i) for i in rows),
        X=fmt.bmatrix([[fmt.fraction_latex(v) for v in row] for row in X]),
        y=_vector([s.labels[i] for i in rows]),
        weight=_vector(s.weight),
        bias=fmt.fraction_latex(s.bias),
        products=fmt.column(products),
        residual=_vector(step.residual),
        loss_terms=" + ".join(f"{fmt.signed(fmt.fraction_latex(r))}^2" for r in step.residual),
        loss=fmt.exact_and_decimal(step.loss),
        scale=fmt.fraction_latex(scale),
        grad_factor=fmt.fraction_latex(2 * scale),
        grad_weight=fmt.column([fmt.exact_and_decimal(g) for g in step.grad_weight]),
        grad_bias=fmt.exact_and_decimal(step.grad_bias),
        lr=fmt.fraction_latex(s.lr),
        weight_update=fmt.column([fmt.exact_and_decimal(w) for w in step.weight]),
        bias_update=fmt.exact_and_decimal(step.bias),
    )


def _row(step: Step) -> Row:
    return Row(
        step.epoch, step.batch, ", ".join(str(i) for i in step.indices), fmt.decimal_text(step.loss),
        _floats(step.grad_weight), fmt.decimal_text(step.grad_bias), _floats(step.weight), fmt.decimal_text(step.bias),
    )


def _finite(step: Step) -> bool:
    return all(math.isfinite(v) for v in (step.loss, step.grad_bias, step.bias, *step.grad_weight, *step.weight))


def page(s: Scenario, trace: Trace, exact: Exact, twin: Trace | None, plot_file: str) -> Page:
    overflow = next((step for step in trace.steps if not _finite(step)), None)
    losses = trace.epoch_loss
    baseline = losses[0] if len(losses) > 1 else trace.steps[0].loss
    diverges = not all(math.isfinite(v) for v in losses) or losses[-1] > baseline
    twin_rows = ()
    if twin is not None:
        twin_rows = tuple(
            (a.epoch, a.batch, fmt.decimal_text(a.loss), fmt.decimal_text(b.loss)) for a, b in zip(trace.steps, twin.steps)
        )
    return Page(
        features=fmt.bmatrix([[fmt.fraction_latex(v) for v in row] for row in s.features]),
        labels=_vector(s.labels),
        weight0=_vector(s.weight),
        bias0=fmt.fraction_latex(s.bias),
        lr=fmt.exact_and_decimal(s.lr),
        n=s.n,
        d=s.d,
        first=first_step(s, exact),
        rows=tuple(_row(step) for step in trace.steps),
        epoch_loss=tuple(fmt.decimal_text(v) for v in trace.epoch_loss),
        twin_rows=twin_rows,
        baseline=fmt.decimal_text(baseline),
        baseline_is_epoch=len(losses) > 1,
        last_epoch_loss=fmt.decimal_text(trace.epoch_loss[-1]),
        diverges=diverges,
        overflow_at=f"epoch {overflow.epoch}, batch {overflow.batch}" if overflow else None,
        largest=fmt.decimal_text(largest_finite(s.dtype)),
        plot_file=plot_file,
    )
