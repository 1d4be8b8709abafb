"""A cross-entropy run as its results record: every torch value with its exact twin (fraction, or
expression and enclosure) and bound, and the facts the page states (sympy and flint: run time only)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from generator.codec import RealV
from generator.exact import ball
from generator.exact.record import real_value
from generator.kinds.cross_entropy.exact import Bounds, Exact
from generator.kinds.cross_entropy.exercises import exercises
from generator.kinds.cross_entropy.facts import decide, same_floats
from generator.kinds.cross_entropy.results import CrossEntropyResults, Overflow, Pitfall
from generator.kinds.cross_entropy.scenario import SHIFT, Scenario
from generator.kinds.cross_entropy.trace import Trace


def records(values: Any, exprs: Any, bounds: Any) -> Any:
    """RealV of a value, or of each value of a (nested) tuple."""
    if isinstance(values, tuple):
        return tuple(records(v, e, b) for v, e, b in zip(values, exprs, bounds, strict=True))
    return real_value(values, exprs, bounds)


def _pairs(a: Any, b: Any) -> list[tuple[Any, Any]]:
    if isinstance(a, tuple):
        return [pair for x, y in zip(a, b, strict=True) for pair in _pairs(x, y)]
    return [(a, b)]


def record(s: Scenario, trace: Trace, exact: Exact, bounds: Bounds) -> CrossEntropyResults:
    n, C = s.shape
    loss: RealV | tuple[RealV, ...] = records(trace.loss, exact.loss, bounds.loss)
    shifted = tuple(x + SHIFT for x in s.logits[0])
    counted = [i for i in range(n) if s.kept(i)]
    denominator = s.denominator
    facts = decide(
        ignored=[i + 1 for i in range(n) if not s.kept(i)],
        weight_sum_differs=denominator is not None and s.classes is not None and denominator != len(counted),
        weight_cancels=s.reduction == "mean" and s.classes is not None and s.weight is not None and len(counted) == 1,
        nll_same=trace.nll is not None and same_floats(trace.nll, trace.loss),
        pitfall_loss_differs=any(ball.apart(a, b) for a, b in _pairs(exact.loss, exact.pitfall_loss)),
        pitfall_grad_differs=any(ball.apart(a, b) for a, b in _pairs(exact.grad, exact.pitfall_grad)),
        naive=trace.naive,
        stable=trace.stable,
        shift_changes_nothing=[x - max(shifted) for x in shifted] == [x - max(s.logits[0]) for x in s.logits[0]],
    )
    return CrossEntropyResults(
        logits=s.logits,
        target=s.classes if s.classes is not None else (s.probabilities or ()),
        reduction=s.reduction,
        weight=s.weight,
        ignore_index=s.ignore_index,
        label_smoothing=s.label_smoothing,
        coefficients=s.coefficients(),
        denominator=denominator,
        row_weights=tuple(sum(row, Fraction(0)) for row in s.coefficients()),
        offsets=tuple(sum((c * x for c, x in zip(cr, xr)), Fraction(0)) for cr, xr in zip(s.coefficients(), s.logits)),
        softmax=records(trace.softmax, exact.softmax, bounds.softmax),
        log_softmax=records(trace.log_softmax, exact.log_softmax, bounds.log_softmax),
        row_loss=records(trace.row_loss, exact.row_loss, bounds.row_loss),
        loss=loss,
        grad=records(trace.grad, exact.grad, bounds.grad),
        nll=records(trace.nll, exact.loss, bounds.nll) if trace.nll is not None else None,
        pitfall=Pitfall(records(trace.pitfall_loss, exact.pitfall_loss, bounds.pitfall_loss),
                        records(trace.pitfall_grad, exact.pitfall_grad, bounds.pitfall_grad)),
        overflow=Overflow(SHIFT, shifted, tuple(repr(v) for v in trace.naive), records(trace.stable, exact.stable, bounds.stable)),
        facts=facts,
        exercises=exercises(s),
    )
