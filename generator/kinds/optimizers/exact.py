"""The exact twin of each optimizer's run and the verified bound of every torch value (one pass of
steps.py's operations on affine-tracked values), and the proof that torch lies within it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flint import arb

from generator.errors import MismatchError, Problem, ScenarioError
from generator.exact import affine, ball
from generator.exact.enclosure import DIGITS
from generator.kinds.linreg_sgd.exact import EXACT_DIGITS, digits, symbolic_gradient
from generator.kinds.optimizers import steps as ops
from generator.kinds.optimizers.scenario import Optimizer, Scenario
from generator.kinds.optimizers.trace import Trace


@dataclass(frozen=True)
class Known:
    """An exact value (a Fraction, or an arb ball when irrational) and the bound of torch's float."""

    exact: Any
    bound: float


Row = tuple[Known, ...]  # the weight's entries, then the bias

# A state value kept as a Fraction longer than this becomes a ball at the working precision (still
# a proven enclosure): Adam with beta2 = 0, or RMSprop with alpha = 0, keeps every step rational,
# and each step's division multiplies the digits (about fourfold), which would stall the run by
# step 9. SGD's fractions grow by a constant number of digits a step and stay far below it.
FRACTION_DIGITS = 2_000


@dataclass(frozen=True)
class ExactStep:
    indices: tuple[int, ...]
    loss: Known
    grad: Row
    theta: Row  # after the step
    state: tuple[tuple[str, Row], ...]
    used: tuple[Any, ...]  # the gradient the update used (after weight decay), exact
    denominator: tuple[Any, ...] | None  # RMSprop's avg + eps, Adam's sqrt(v)/sqrt(1-beta2^t) + eps, exact
    update: tuple[Any, ...]  # theta after - theta before, exact


@dataclass(frozen=True)
class ExactRun:
    steps: tuple[ExactStep, ...]
    epoch_loss: Row


def _known(value: affine.Tracked) -> Known:
    return Known(value.exact, value.bound)


def _row(values: list[affine.Tracked]) -> Row:
    return tuple(_known(v) for v in values)


def _size(values: Row) -> int:
    fractions = tuple(v.exact for v in values if isinstance(v.exact, Fraction))
    return digits(fractions)


def run(s: Scenario, optimizer: Optimizer, schedule: Sequence[tuple[int, ...]]) -> ExactRun:
    """The exact trajectory and bounds, at ball precisions raised until every irrational value is
    known to the digits the results file keeps."""
    for precision in ball.PRECISIONS:
        with ball.working(precision):
            result = _run(s, optimizer, schedule)
        if _narrow(result) or precision == ball.MAX_PRECISION:
            return result
    raise AssertionError("unreachable")


def _narrow(result: ExactRun) -> bool:
    values = [k.exact for step in result.steps for row in (step.grad, step.theta, *(r for _, r in step.state)) for k in row]
    values += [step.loss.exact for step in result.steps] + [k.exact for k in result.epoch_loss]
    return all(isinstance(v, Fraction) or v.rel_accuracy_bits() >= 4 * DIGITS for v in values)


def _run(s: Scenario, optimizer: Optimizer, schedule: Sequence[tuple[int, ...]]) -> ExactRun:
    space = affine.Space(s.dtype)
    params = [ops.Parameter(space.held(w)) for w in (*s.weight, s.bias)]
    stepper = ops.Stepper(space, s, optimizer)
    steps: list[ExactStep] = []
    epoch_loss: list[Known] = []
    recorded = 0
    for number, rows in enumerate(schedule, start=1):
        mark = len(space.radius)
        theta = [p.value for p in params]
        residual = ops.forward(space, s, rows, theta)
        loss = ops.loss(space, s, residual)
        grad = ops.gradient(space, s, rows, residual)
        _finite(s, optimizer, number, [loss, *grad])
        try:
            details = stepper.step(number, grad, params)
        except ops.NegativeRootError:
            message = (f"{optimizer.name} (centered) at step {number}: square_avg - grad_avg² is within rounding of 0 (alpha "
                       f"{optimizer.number('alpha')} keeps it at or near 0), and torch's sqrt of a value rounded below 0 is nan; "
                       "use a larger alpha or centered = false")
            raise ScenarioError([Problem(s.source, "optimizer", message)]) from None
        _finite(s, optimizer, number, [p.value for p in params] + [p.state[name] for p in params for name in p.state])
        state = tuple((name, _row([p.state[name] for p in params])) for name in optimizer.buffers)
        steps.append(ExactStep(
            rows, _known(loss), _row(grad), _row([p.value for p in params]), state,
            tuple(d.used.exact for d in details),
            tuple(d.denominator.exact for d in details if d.denominator is not None) if details[0].denominator is not None else None,
            tuple(d.update.exact for d in details if d.update is not None),
        ))
        if number % s.batches_per_epoch == 0:
            full = ops.forward(space, s, tuple(range(s.n)), [p.value for p in params])
            whole = ops.loss(space, s, full)
            _finite(s, optimizer, number, [whole])
            epoch_loss.append(_known(whole))
        recorded += _size((steps[-1].loss, *steps[-1].grad, *steps[-1].theta, *(k for _, r in state for k in r)))
        if recorded > EXACT_DIGITS:
            message = (f"the exact values of {optimizer.name} would pass {EXACT_DIGITS:,} digits at step {number}: "
                       "use fewer epochs or numbers with shorter decimals")
            raise ScenarioError([Problem(s.source, "epochs", message)])
        kept = [p.value for p in params] + [p.state[name] for p in params for name in sorted(p.state)]
        condensed = iter(affine.condense(space, kept, mark))
        for p in params:
            p.value = _bounded(next(condensed))
        for p in params:
            for name in sorted(p.state):
                p.state[name] = _bounded(next(condensed))
    return ExactRun(tuple(steps), tuple(epoch_loss))


def _bounded(value: affine.Tracked) -> affine.Tracked:
    """The value, its exact twin a ball once its fraction passes FRACTION_DIGITS."""
    if isinstance(value.exact, Fraction) and digits((value.exact,)) > FRACTION_DIGITS:
        value.exact = affine.to_ball(value.exact)
    return value


def _finite(s: Scenario, optimizer: Optimizer, number: int, values: list[affine.Tracked]) -> None:
    if all(math.isfinite(v.bound) and math.isfinite(affine.magnitude(v.exact)) for v in values):
        return
    message = (f"{optimizer.name} leaves the float range at step {number} (its values or their error bounds are no longer "
               "finite); use a smaller lr or fewer epochs")
    raise ScenarioError([Problem(s.source, "optimizer", message)])


def derive(s: Scenario, schedule: Sequence[tuple[int, ...]]) -> tuple[ExactRun, ...]:
    for size in sorted({len(rows) for rows in schedule}):
        symbolic_gradient(s, size)
    return tuple(run(s, optimizer, schedule) for optimizer in s.optimizers)


def within(value: float, exact: Any, bound: float) -> bool:
    """|value - exact| <= bound, proven (False when it is not, or cannot be decided)."""
    if isinstance(exact, Fraction):
        return math.isfinite(value) and abs(Fraction(value) - exact) <= Fraction(bound)
    if not math.isfinite(value):
        return False
    precision = min(max(exact.rel_accuracy_bits(), ball.WORKING_PRECISION) + 64, ball.MAX_PRECISION)  # an exact ball reports ~2^63 bits
    with ball.working(precision):
        return bool(abs(arb(value) - exact) <= arb(bound))


def _check(where: str, value: float, known: Known) -> None:
    if not within(value, known.exact, known.bound):
        exact = known.exact if isinstance(known.exact, Fraction) else known.exact.str(20)
        raise MismatchError(f"{where}: torch gave {value!r}, exact is {exact}; the difference exceeds its verified bound {known.bound:.3e}")


def verify(s: Scenario, traces: tuple[Trace, ...], exact: tuple[ExactRun, ...]) -> None:
    """Prove every torch value within its bound of the exact value."""
    names = [f"w[{j}]" for j in range(s.d)] + ["b"]
    for optimizer, trace, want in zip(s.optimizers, traces, exact, strict=True):
        for number, (step, known) in enumerate(zip(trace.steps, want.steps, strict=True), start=1):
            where = f"{s.source}: {optimizer.name}: step {number}"
            if step.indices != known.indices:
                raise MismatchError(f"{where}: torch used rows {step.indices}, the exact run {known.indices}")
            _check(f"{where}: loss", step.loss, known.loss)
            for j, name in enumerate(names):
                _check(f"{where}: {name}.grad", step.grad[j], known.grad[j])
                _check(f"{where}: {name} after the step", step.theta[j], known.theta[j])
            for (buffer, values), (_, knowns) in zip(step.state, known.state, strict=True):
                for j, name in enumerate(names):
                    _check(f"{where}: {buffer} of {name}", values[j], knowns[j])
        for epoch, (value, known_loss) in enumerate(zip(trace.epoch_loss, want.epoch_loss, strict=True), start=1):
            _check(f"{s.source}: {optimizer.name}: epoch {epoch}: loss on all data", value, known_loss)
