"""Kind `linreg-sgd`: nn.Linear(d, 1) trained by minibatch torch.optim.SGD, every step recorded.

scenario.py  the TOML format and its checks      run.py      the real torch run
exact.py     the exact trajectory and the check  program.py  the program the page shows
page.py      the template's view and the plot, from the results file
(this file)  the results keys and the Kind entry
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

from generator import results as res
from generator.codec import v
from generator.kinds.base import Kind, Solved, claimable
from generator.kinds.linreg_sgd import analysis, facts, sweep
from generator.kinds.linreg_sgd.exercises import exercises
from generator.kinds.linreg_sgd.page import files, printed, view
from generator.kinds.linreg_sgd.program import program
from generator.kinds.linreg_sgd.results import FirstBatch, LeastSquares, LinregResults, LrSweep, Stability, StepResults, Twin
from generator.kinds.linreg_sgd.scenario import KEYS, NAME, Scenario, parse

if TYPE_CHECKING:
    from generator.kinds.linreg_sgd.exact import Bounds, Exact, ExactStep
    from generator.kinds.linreg_sgd.trace import Trace


@dataclass(frozen=True)
class Runs:
    """Torch's run of the scenario and, when it skips zero_grad, of the same run with it (the fix)."""

    main: Trace
    with_zero_grad: Trace | None
    sweep: tuple[Trace, ...] = ()  # at each of sweep.grid's learning rates


@dataclass(frozen=True)
class Exacts:
    main: Exact
    with_zero_grad: Exact | None
    sweep: tuple[Exact, ...] = ()


@dataclass(frozen=True)
class RunBounds:
    main: Bounds
    with_zero_grad: Bounds | None
    sweep: tuple[Bounds, ...] = ()


def _twin(s: Scenario) -> Scenario | None:
    return None if s.zero_grad else replace(s, zero_grad=True)


# The torch and sympy stages are imported when they run, so that rendering a page needs neither.
def compute(s: Scenario) -> Runs:
    from generator.kinds.linreg_sgd import run

    twin = _twin(s)
    return Runs(run.compute(s), run.compute(twin) if twin else None, sweep.torch_runs(s))


def derive(s: Scenario) -> Exacts:
    from generator.kinds.linreg_sgd import exact, shuffle

    twin = _twin(s)
    schedule = shuffle.schedule(s)
    return Exacts(sweep.main_trajectory(s), exact.derive(twin, schedule) if twin else None, sweep.exact_runs(s, schedule))


def verify(solved: Solved[Scenario, Runs, Exacts]) -> RunBounds:
    from generator.kinds.linreg_sgd import exact

    s, trace, exact_runs = solved.scenario, solved.trace, solved.exact
    main = exact.verify(s, trace.main, exact_runs.main)
    swept = sweep.bounds(s, trace.sweep, exact_runs.sweep)
    twin = _twin(s)
    if twin is None or trace.with_zero_grad is None or exact_runs.with_zero_grad is None:
        return RunBounds(main, None, swept)
    return RunBounds(main, exact.verify(twin, trace.with_zero_grad, exact_runs.with_zero_grad), swept)


def _steps(trace: Trace, exact: Exact, bounds: Bounds) -> tuple[StepResults, ...]:
    steps = []
    for step, want, bound in zip(trace.steps, exact.steps, bounds.steps, strict=True):
        d = len(step.weight)
        loss = bound.loss if bound else None
        grad: tuple[float | None, ...] = bound.grad if bound else (None,) * (d + 1)
        theta: tuple[float | None, ...] = bound.theta if bound else (None,) * (d + 1)
        steps.append(StepResults(
            epoch=step.epoch,
            batch=step.batch,
            indices=tuple(step.indices),
            loss=v(step.loss, want.loss, loss),
            grad_weight=res.row(step.grad_weight, want.grad_weight, grad[:d]),
            grad_bias=v(step.grad_bias, want.grad_bias, grad[d]),
            weight=res.row(step.weight, want.weight, theta[:d]),
            bias=v(step.bias, want.bias, theta[d]),
        ))
    return tuple(steps)


def first_batch(s: Scenario, step: ExactStep) -> FirstBatch:
    """The intermediate numbers of the first step, which the page works out by hand."""
    rows = step.indices
    xt_residual = tuple(sum((r * s.features[i][j] for r, i in zip(step.residual, rows)), Fraction(0)) for j in range(s.d))
    return FirstBatch(
        residual=tuple(step.residual),
        residual_sum=sum(step.residual, Fraction(0)),
        xt_residual=xt_residual,
        lr_grad_weight=tuple(s.lr * g for g in step.grad_weight),
        lr_grad_bias=s.lr * step.grad_bias,
    )


def record(solved: Solved[Scenario, Runs, Exacts], bounds: RunBounds) -> LinregResults:
    s, trace, exact = solved.scenario, solved.trace, solved.exact
    first_epoch = list(dict.fromkeys(step.indices for step in exact.main.steps[: s.batches_per_epoch]))
    twin = None
    if trace.with_zero_grad is not None and exact.with_zero_grad is not None and bounds.with_zero_grad is not None:
        twin = Twin(
            steps=_steps(trace.with_zero_grad, exact.with_zero_grad, bounds.with_zero_grad),
            epoch_loss=res.row(trace.with_zero_grad.epoch_loss, exact.with_zero_grad.epoch_loss, bounds.with_zero_grad.epoch_loss),
        )
    steps = _steps(trace.main, exact.main, bounds.main)
    epoch_loss = res.row(trace.main.epoch_loss, exact.main.epoch_loss, bounds.main.epoch_loss)
    initial = facts.initial_loss(s)
    worked = exercises(s, exact.main.steps)
    stability = analysis.stability(s, first_epoch)
    least_squares = analysis.least_squares(s, exact.main.epoch_loss[-1])
    return LinregResults(
        features=s.features,
        labels=s.labels,
        initial_weight=s.weight,
        initial_bias=s.bias,
        lr=s.lr,
        batch_size=s.batch_size,
        epochs=s.epochs,
        reduction=s.reduction,
        zero_grad=s.zero_grad,
        order=s.order,
        seed=None if s.order is not None else s.seed,
        see_also=s.see_also,
        steps=steps,
        epoch_loss=epoch_loss,
        first_batch=first_batch(s, exact.main.steps[0]),
        stability=stability,
        least_squares=least_squares,
        initial_loss=initial,
        facts=facts.of(s, steps, epoch_loss, initial, first_epoch, twin.epoch_loss if twin else None, worked.after_first.loss),
        exercises=worked,
        with_zero_grad=twin,
        lr_sweep=_sweep(s, trace, exact, bounds, stability, initial, least_squares),
    )


def _sweep(s: Scenario, trace: Runs, exact: Exacts, bounds: RunBounds, stability: Stability | None, initial: Fraction,
           least_squares: LeastSquares | None) -> LrSweep | None:
    if not trace.sweep or stability is None:
        return None
    rates = sweep.grid(s, stability.full)
    runs = tuple(
        sweep.run_of(s, lr, stability.full, initial, res.row(t.epoch_loss, e.epoch_loss, b.epoch_loss), least_squares)
        for lr, t, e, b in zip(rates, trace.sweep, exact.sweep, bounds.sweep, strict=True)
    )
    return LrSweep(runs, rates.index(s.lr), s.lr not in sweep.e12_grid(s, stability.full))


KIND: Kind[Scenario, Runs, Exacts, RunBounds, LinregResults] = Kind(
    name=NAME,
    template="linreg-sgd.md.j2",
    keys=KEYS,
    inputs=("features", "labels", "initial_weight", "initial_bias", "lr"),
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    record=record,
    results=LinregResults,
    view=view,
    printed=printed,
    files=files,
    claimable=claimable(LinregResults, "steps", "epoch_loss", "with_zero_grad"),
)
