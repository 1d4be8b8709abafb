"""The exact twin of a linreg-sgd run: rational arithmetic on the same batches, sympy gradients,
and the check of every torch number against it."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy

from generator.errors import MismatchError, Problem, ScenarioError
from generator.kinds.linreg_sgd.propagation import Tracker
from generator.kinds.linreg_sgd.scenario import Scenario
from generator.kinds.linreg_sgd.scenario import residual as residual_of
from generator.kinds.linreg_sgd.trace import Step, Trace
from generator.tolerance import check
from generator.values import saturated_float


@dataclass(frozen=True)
class ExactStep:
    indices: tuple[int, ...]
    residual: tuple[Fraction, ...]  # X_B w + b - y_B, before the step
    loss: Fraction
    grad_weight: tuple[Fraction, ...]  # as step() used it: accumulated when zero_grad is false
    grad_bias: Fraction
    weight: tuple[Fraction, ...]  # after the step
    bias: Fraction


@dataclass(frozen=True)
class Exact:
    steps: tuple[ExactStep, ...]
    epoch_loss: tuple[Fraction, ...]


@dataclass(frozen=True)
class StepBounds:
    """The verified bounds of one step: its loss, every gradient entry, every parameter after it."""

    loss: float
    grad: tuple[float, ...]  # w.grad's entries, then b.grad
    theta: tuple[float, ...]  # w's entries after the step, then b


@dataclass(frozen=True)
class Bounds:
    """One entry per step and per epoch; None where nothing was compared (after torch's
    parameters became non-finite)."""

    steps: tuple[StepBounds | None, ...]
    epoch_loss: tuple[float | None, ...]


def batch_loss(s: Scenario, residual: tuple[Fraction, ...]) -> Fraction:
    return s.loss_scale(len(residual)) * sum((r * r for r in residual), Fraction(0))


def symbolic_gradient(s: Scenario, size: int) -> None:
    """Differentiate the batch loss over symbols with sympy; fail unless it equals the closed form
    dL/dw_j = 2c * sum_i r_i x_ij and dL/db = 2c * sum_i r_i that the exact trajectory uses. It
    depends on the number of features, the batch size and the loss's factor only: a sweep's runs
    (kinds/linreg_sgd/sweep.py) reuse the proof (a failure is not cached: it raises each time)."""
    _symbolic_gradient(s.source, s.d, size, s.loss_scale(size))


@functools.lru_cache(maxsize=256)
def _symbolic_gradient(source: str, d: int, size: int, scale: Fraction) -> None:
    xs = [[sympy.Symbol(f"x_{i}_{j}") for j in range(d)] for i in range(size)]
    ys = [sympy.Symbol(f"y_{i}") for i in range(size)]
    ws = [sympy.Symbol(f"w_{j}") for j in range(d)]
    b = sympy.Symbol("b")
    c = sympy.Rational(scale.numerator, scale.denominator)
    residuals = [sum(x * w for x, w in zip(row, ws)) + b - y for row, y in zip(xs, ys)]
    loss = c * sum(r**2 for r in residuals)
    for j, w in enumerate(ws):
        closed = 2 * c * sum(r * row[j] for r, row in zip(residuals, xs))
        if sympy.expand(sympy.diff(loss, w) - closed) != 0:
            raise MismatchError(f"{source}: d loss / d w_{j}: sympy's derivative differs from the closed form")
    if sympy.expand(sympy.diff(loss, b) - 2 * c * sum(residuals)) != 0:
        raise MismatchError(f"{source}: d loss / d b: sympy's derivative differs from the closed form")


EXACT_DIGITS = 10_000_000  # digits of exact values one trajectory may record: about 10 MB of results file
LOG10_2 = math.log10(2)


def digits(values: tuple[Fraction, ...]) -> int:
    """About how many decimal digits `values` take as fractions (from their bit lengths, no str())."""
    return int(sum((v.numerator.bit_length() + v.denominator.bit_length()) * LOG10_2 + 2 for v in values))


def too_large(s: Scenario, step: int, total: int) -> ScenarioError:
    steps = s.epochs * s.batches_per_epoch
    message = (
        f"the exact values would pass {EXACT_DIGITS:,} digits (about {EXACT_DIGITS // 1_000_000} MB of results) "
        f"at step {step} of {steps}: each step multiplies the fractions' denominators; use fewer epochs, "
        "fewer features or numbers with shorter decimals"
    )
    return ScenarioError([Problem(s.source, "epochs", message)])


def derive(s: Scenario, schedule: Sequence[tuple[int, ...]]) -> Exact:
    """Follow the trajectory exactly along `schedule`, the batches (row indices) torch used; stop
    with a ScenarioError (exit 2) once its exact values pass EXACT_DIGITS digits."""
    for size in sorted({len(rows) for rows in schedule}):
        symbolic_gradient(s, size)
    recorded = 0
    weight, bias = s.weight, s.bias
    grad_weight, grad_bias = (Fraction(0),) * s.d, Fraction(0)
    steps, epoch_loss = [], []
    for number, rows in enumerate(schedule, start=1):
        r = residual_of(s, rows, weight, bias)
        two_c = 2 * s.loss_scale(len(rows))
        g_w = tuple(two_c * sum((r_i * s.features[i][j] for r_i, i in zip(r, rows)), Fraction(0)) for j in range(s.d))
        g_b = two_c * sum(r, Fraction(0))
        if s.zero_grad:
            grad_weight, grad_bias = g_w, g_b
        else:
            grad_weight, grad_bias = tuple(a + g for a, g in zip(grad_weight, g_w)), grad_bias + g_b
        weight = tuple(w - s.lr * g for w, g in zip(weight, grad_weight))
        bias = bias - s.lr * grad_bias
        steps.append(ExactStep(rows, r, batch_loss(s, r), grad_weight, grad_bias, weight, bias))
        if number % s.batches_per_epoch == 0:
            epoch_loss.append(batch_loss(s, residual_of(s, tuple(range(s.n)), weight, bias)))
        recorded += digits((steps[-1].loss, *grad_weight, grad_bias, *weight, bias))
        if recorded > EXACT_DIGITS:
            raise too_large(s, number, recorded)
    return Exact(tuple(steps), tuple(epoch_loss))


def size(value: Fraction) -> float:
    """|value| as a float, inf past the float range (float(Fraction) would raise)."""
    try:
        return abs(float(value))
    except OverflowError:
        return math.inf


def norm(values: Iterable[Fraction]) -> float:
    values = tuple(values)
    return math.sqrt(_sum_of_squares(values)) if all(math.isfinite(size(v)) for v in values) else math.inf


def frobenius(matrix: np.ndarray) -> float:
    """The Frobenius norm, correctly rounded sums (math.fsum) so the bound is the same on every machine."""
    return math.sqrt(math.fsum(float(v) * float(v) for v in matrix.flat))


def _augmented(s: Scenario, rows: Iterable[int]) -> np.ndarray:
    return np.array([[size(v) for v in s.features[i]] + [1.0] for i in rows])


def _sum_of_squares(values: Iterable[Fraction]) -> float:
    return math.fsum(size(v) * size(v) for v in values)  # x * x is inf past the range; x ** 2 would raise


def _state_is_finite(step: Step) -> bool:
    return all(math.isfinite(v) for v in (*step.weight, step.bias, *step.grad_weight, step.grad_bias))


def verify(s: Scenario, trace: Trace, exact: Exact) -> Bounds:
    """Check every torch number against the exact trajectory within the bounds that
    propagation.Tracker follows through the run, and return those bounds.

    Once torch's parameters or gradients are non-finite (accepted only where the exact values
    pass the dtype's range), every later step computes from inf or nan: those steps are recorded
    but not compared, since no float result could match the exact run there.
    """
    tracker = Tracker(s, sorted({len(step.indices) for step in exact.steps}))
    theta_before = np.array([saturated_float(v) for v in (*s.weight, s.bias)])
    epochs = iter(zip(trace.epoch_loss, exact.epoch_loss))
    step_bounds: list[StepBounds | None] = []
    epoch_bounds: list[float | None] = []
    compared = True  # until torch's parameters or gradients become non-finite
    with np.errstate(all="ignore"):  # a diverging run's magnitudes reach inf: its bounds are then inf (not compared)
        for number, (step, want) in enumerate(zip(trace.steps, exact.steps, strict=True), start=1):
            if step.indices != want.indices:
                raise MismatchError(f"{s.source}: step {number}: torch used rows {step.indices}, the exact run {want.indices}")
            if not compared:
                step_bounds.append(None)
                if step.batch == s.batches_per_epoch:
                    epoch_bounds.append(None)
                continue
            where = f"{s.source}: epoch {step.epoch} batch {step.batch}"
            residual = np.array([saturated_float(r) for r in want.residual])
            grad = np.array([saturated_float(g) for g in (*want.grad_weight, want.grad_bias)])
            e_loss, e_grad, e_theta = tracker.step(want.indices, theta_before, residual, grad)
            peaks = _peaks(s, want, theta_before)
            check(where, "loss", step.loss, want.loss, float(e_loss), s.dtype, peak=peaks[0])
            for j in range(s.d):
                check(where, f"w.grad[{j}]", step.grad_weight[j], want.grad_weight[j], float(e_grad[j]), s.dtype, peak=peaks[1])
            check(where, "b.grad", step.grad_bias, want.grad_bias, float(e_grad[s.d]), s.dtype, peak=peaks[1])
            for j in range(s.d):
                check(where, f"w[{j}] after the step", step.weight[j], want.weight[j], float(e_theta[j]), s.dtype, peak=peaks[2])
            check(where, "b after the step", step.bias, want.bias, float(e_theta[s.d]), s.dtype, peak=peaks[2])
            theta_before = np.array([saturated_float(v) for v in (*want.weight, want.bias)])
            step_bounds.append(StepBounds(float(e_loss), tuple(map(float, e_grad)), tuple(map(float, e_theta))))
            if step.batch == s.batches_per_epoch:
                torch_loss, exact_loss = next(epochs)
                full_residual = residual_of(s, tuple(range(s.n)), want.weight, want.bias)
                e_full = tracker.full_loss(theta_before, np.array([saturated_float(r) for r in full_residual]))
                peak = max(frobenius(_augmented(s, range(s.n))) * norm((*want.weight, want.bias)), _sum_of_squares(full_residual))
                check(f"{s.source}: epoch {step.epoch}", "loss on all data", torch_loss, exact_loss, e_full, s.dtype, peak=peak)
                epoch_bounds.append(e_full)
            compared = _state_is_finite(step)
    return Bounds(tuple(step_bounds), tuple(epoch_bounds))


def _peaks(s: Scenario, want: ExactStep, theta_before: np.ndarray) -> tuple[float, float, float]:
    """The largest intermediates torch holds on the way to a step's loss, gradient and parameters
    (the products x_ij * w_j before they cancel, the squares before they are divided, X_B^T r):
    where one passes the dtype's range, torch's non-finite value is a true outcome."""
    matrix = _augmented(s, want.indices)
    f_norm = frobenius(matrix)
    c = float(s.loss_scale(len(want.indices)))
    forward = f_norm * float(np.sqrt(np.sum(theta_before * theta_before)))
    r_max = max(size(r) for r in want.residual)
    column_sums = [math.fsum(abs(float(v)) for v in column) for column in matrix.T]
    grad = max(forward, r_max, 2 * c * max(column_sums) * r_max)
    grad_norm = norm((*want.grad_weight, want.grad_bias))
    theta = float(np.sqrt(np.sum(theta_before * theta_before)))
    return max(forward, _sum_of_squares(want.residual)), grad, max(theta, grad_norm, grad, float(s.lr) * grad_norm)
