"""The facts an optimizers page states (generator/facts.py), decided from exact values: fractions,
or arb balls compared only where the comparison is certain (an undecided one states nothing).

    epoch_loss_decreasing        initial loss on all data > epoch 1's > epoch 2's > ...
    loss_falls_overall           the last epoch's loss on all data is below the initial one
    loss_rises_overall           ... above it
    epoch_loss_rises_at          the epochs e >= 2 whose loss on all data is above epoch e - 1's
    first_step_is_sign           Adam, AdamW: every parameter's first update, less AdamW's decay, is
                                 within 1% of lr of -lr * sign(the gradient it used)
    first_step_far_from_sign_at  ... the parameters (from 1: the weight's entries, then the bias) where it is not
    efficient_form_differs       Adam, AdamW: the paper's efficient form (eps added to sqrt(v) before
                                 the bias correction) gives another first update, for some parameter
    lowest_final_loss_at         the runs (from 1) whose last loss on all data no other run's is certainly below
    adamw_differs_at             an Adam and an AdamW run with the same options: the parameters whose first updates differ
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from generator.exact import ball
from generator.exact.affine import to_ball
from generator.facts import At, Fact, at, fact

SIGN_TOLERANCE = Fraction(1, 100)  # of lr: how close "about lr * sign(g)" is


def below(a: Any, b: Any) -> bool:
    """a < b, certainly."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a < b
    return bool(to_ball(a) < to_ball(b))


def apart(a: Any, b: Any) -> bool:
    return below(a, b) or below(b, a)


def loss_facts(initial: Fraction, epoch_loss: Sequence[Any]) -> tuple[Fact, Fact, Fact, At]:
    losses = [initial, *epoch_loss]
    return (
        fact(all(below(b, a) for a, b in zip(losses, losses[1:]))),
        fact(below(losses[-1], losses[0])),
        fact(below(losses[0], losses[-1])),
        at([e for e in range(2, len(losses)) if below(losses[e - 1], losses[e])]),
    )


def _sign(x: Any) -> int:
    return 1 if below(Fraction(0), x) else -1 if below(x, Fraction(0)) else 0


def sign_step(lr: Fraction, adaptive: Sequence[Any], used: Sequence[Any]) -> tuple[Fact, At]:
    """Whether each first update (its adaptive part) is within SIGN_TOLERANCE * lr of -lr * sign(g),
    certainly; and the parameters where it certainly is not (an undecided one is in neither)."""
    close, far = [], []
    with ball.working(ball.WORKING_PRECISION):
        tolerance = ball.fraction_ball(lr * SIGN_TOLERANCE)
        for j, (step, g) in enumerate(zip(adaptive, used), start=1):
            gap = abs(to_ball(step) + to_ball(lr * _sign(g)))
            if gap <= tolerance:
                close.append(j)
            elif gap > tolerance:
                far.append(j)
    return fact(len(close) == len(used)), at(far)


def lowest(final: Sequence[Any]) -> At:
    return at([i for i, x in enumerate(final, start=1) if not any(below(y, x) for y in final)])


def differing(a: Sequence[Any], b: Sequence[Any]) -> At:
    return at([j for j, (x, y) in enumerate(zip(a, b), start=1) if apart(x, y)])
