"""The learning-rate sweep (issue 27): the scenario's data trained again, same start and same
batches, at a grid of learning rates around the threshold 2 / lambda_max of the loss on all data.
Each grid point is a run like the page's own: torch, its exact twin, every torch value checked
within its verified bound (kinds/linreg_sgd/exact.py), and the facts of its loss on all data.

The grid is exact and the same on every machine: the E12 series (12 values a decade, each two
significant digits, about evenly spaced in log) over two decades, starting at the E12 value at or below
threshold / 30, so that the threshold sits in the upper quarter; the page's own learning rate is
added where it is not a grid value. The threshold's lower end, 2 / hi (hi the upper end of the
interval that isolates lambda_max), decides the start.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from generator.codec import V
from generator.facts import Threshold, TorchAt, at
from generator.kinds.linreg_sgd import analysis
from generator.kinds.linreg_sgd.facts import loss_facts
from generator.kinds.linreg_sgd.results import Curvature, LeastSquares, SweepFacts, SweepRun
from generator.kinds.linreg_sgd.scenario import Scenario

if TYPE_CHECKING:
    from generator.kinds.linreg_sgd.exact import Bounds, Exact
    from generator.kinds.linreg_sgd.shuffle import Schedule
    from generator.kinds.linreg_sgd.trace import Trace

E12 = (10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82)  # IEC 60063's E12 series, times 10
POINTS = 2 * len(E12)  # two decades
BELOW = 30  # the grid starts at about threshold / BELOW
MAX_STEPS = 200  # a run longer than this gets no sweep: 24 more runs would cost seconds and megabytes
MAX_DIGITS = 100_000  # nor one whose own exact trajectory records more digits (linreg-sgd-stable: 24,507)
SMALLEST = Fraction(1, 10**12)  # the scenario syntax's smallest learning rate (12 decimal places)
FEWEST = len(E12)  # a grid cut to fewer values by SMALLEST (2 / lambda_max below about 10^-11) is no sweep


def _e12_at_or_below(x: Fraction) -> tuple[int, int]:
    """(exponent, index) of the largest E12 value m/10 * 10^exponent at or below x > 0."""
    exponent = 0
    while Fraction(10) ** exponent > x:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= x:
        exponent += 1
    index = max(i for i, m in enumerate(E12) if Fraction(m, 10) * Fraction(10) ** exponent <= x)
    return exponent, index


def e12_grid(s: Scenario, full: Curvature | None) -> tuple[Fraction, ...]:
    """The E12 learning rates of the sweep, ascending, without the page's own (empty when the
    scenario gets no sweep: past its size limits, or with no finite threshold)."""
    if full is None or full.threshold is None or s.epochs * s.batches_per_epoch > MAX_STEPS:
        return ()
    exponent, index = _e12_at_or_below(full.threshold[0] / BELOW)
    values = []
    for k in range(index, index + POINTS):
        values.append(Fraction(E12[k % len(E12)], 10) * Fraction(10) ** (exponent + k // len(E12)))
    values = [lr for lr in values if lr >= SMALLEST]
    if len(values) < FEWEST or trajectory_digits(s) > MAX_DIGITS:
        return ()
    return tuple(values)


def grid(s: Scenario, full: Curvature | None) -> tuple[Fraction, ...]:
    """The sweep's learning rates, ascending: the E12 grid and the page's own (empty: no sweep)."""
    values = e12_grid(s, full)
    return tuple(sorted(set(values) | {s.lr})) if values else ()


@functools.lru_cache(maxsize=2)
def main_trajectory(s: Scenario) -> Exact:
    """The page's own exact run (kind.derive takes it from here: one derivation a process)."""
    from generator.kinds.linreg_sgd import exact, shuffle

    return exact.derive(s, shuffle.schedule(s))


@functools.lru_cache(maxsize=64)
def trajectory_digits(s: Scenario) -> int:
    """The digits the page's own exact run records: a sweep's 24 runs cost about 24 times as much.
    Kept per scenario: the grid is asked for at every stage (compute, derive, verify, record), and
    main_trajectory keeps only the last two runs, which scenarios running side by side evict."""
    from generator.kinds.linreg_sgd.exact import digits

    return sum(digits((step.loss, *step.grad_weight, step.grad_bias, *step.weight, step.bias)) for step in main_trajectory(s).steps)


def curvature(s: Scenario) -> Curvature | None:
    """lambda_max of the loss on all data (as analysis.stability has it), None past its size limit."""
    return None if s.d + 1 > analysis.MAX_PARAMETERS else analysis.curvature(s, tuple(range(s.n)))


def at_rate(s: Scenario, lr: Fraction) -> Scenario:
    return replace(s, lr=lr)


def torch_runs(s: Scenario) -> tuple[Trace, ...]:
    """Torch's run at each of the grid's rates (the kind's compute; `make bench` times it alone)."""
    from generator.kinds.linreg_sgd import run

    return tuple(run.compute(at_rate(s, lr)) for lr in grid(s, curvature(s)))


def exact_runs(s: Scenario, schedule: Schedule) -> tuple[Exact, ...]:
    """The exact run at each of the grid's rates, on the page's own batches (the kind's derive)."""
    from generator.kinds.linreg_sgd import exact

    return tuple(exact.derive(at_rate(s, lr), schedule) for lr in grid(s, curvature(s)))


def bounds(s: Scenario, traces: tuple[Trace, ...], exacts: tuple[Exact, ...]) -> tuple[Bounds, ...]:
    """Each torch run's verified bounds against its exact twin (the kind's verify); none without runs."""
    from generator.kinds.linreg_sgd import exact

    rates = grid(s, curvature(s)) if traces else ()
    return tuple(exact.verify(at_rate(s, lr), t, e) for lr, t, e in zip(rates, traces, exacts, strict=True))


def versus_threshold(s: Scenario, lr: Fraction, full: Curvature) -> int:
    """The sign of lr - 2 / lambda_max, exactly: from the isolating interval where it decides, else
    from the characteristic polynomial (analysis.versus_largest_eigenvalue)."""
    assert full.threshold is not None
    low, high = full.threshold  # lambda_max in (lo, hi]: 2 / lambda_max in [2 / hi, 2 / lo)
    if lr < low:
        return -1
    if lr >= high:
        return 1
    return analysis.versus_largest_eigenvalue(analysis.hessian(s, full.indices), 2 / lr)  # lr < 2/λ  <=>  λ < 2/lr


def rises_from(losses: list[Fraction]) -> list[int]:
    """The first epoch e (counted from 1) from which the loss on all data rises at every epoch to
    the last, where at least the last two epochs rise; losses[0] is the loss before the first step."""
    last = e = len(losses) - 1
    if e < 1 or not losses[e] > losses[e - 1]:
        return []
    while e > 1 and losses[e - 1] > losses[e - 2]:
        e -= 1
    return [e] if e < last else []


def facts(s: Scenario, lr: Fraction, full: Curvature, initial: Fraction, epoch_loss: tuple[V, ...]) -> SweepFacts:
    main = loss_facts(initial, epoch_loss)
    losses = [initial, *(v.exact for v in epoch_loss)]
    sign = versus_threshold(s, lr, full)
    overflow = [e for e, v in enumerate(epoch_loss, start=1) if not math.isfinite(v.value)][:1]
    return SweepFacts(
        loss_rises_overall=main.loss_rises_overall,
        loss_falls_overall=main.loss_falls_overall,
        epoch_loss_decreasing=main.epoch_loss_decreasing,
        epoch_loss_rises_at=at([e for e in range(1, len(losses)) if losses[e] > losses[e - 1]]),
        epoch_loss_rises_from=at(rises_from(losses)),
        lr_below_threshold=Threshold(sign < 0, sign == 0),
        overflow_at=TorchAt(bool(overflow), True, tuple(overflow)),
    )


def run_of(s: Scenario, lr: Fraction, full: Curvature, initial: Fraction, epoch_loss: tuple[V, ...],
           least_squares: LeastSquares | None) -> SweepRun:
    gap = epoch_loss[-1].exact - least_squares.loss if least_squares else None
    return SweepRun(lr=lr, epoch_loss=epoch_loss, gap=gap, facts=facts(s, lr, full, initial, epoch_loss))
