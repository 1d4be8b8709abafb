"""The facts a linreg-sgd page states (generator/facts.py), decided from the run's exact values;
only `overflow_at` is about torch's floats.

    loss_rises_overall            the loss on all data after the last epoch is above `initial_loss`
    loss_falls_overall            ... below `initial_loss`
    epoch_loss_decreasing         initial_loss > epoch 1's loss on all data > epoch 2's > ...
    epoch_loss_rises_at           the epochs e >= 2 whose loss on all data is above epoch e - 1's
    batch_loss_rises_at           the steps k >= 2 whose batch loss is above step k - 1's
    lr_below_threshold            eta < 2 / lambda_max of the loss on all data (`tie` when equal)
    lr_below_every_threshold      eta below that and below every first-epoch batch's threshold
    lr_above_every_threshold      eta above all of them
    first_weight_sign_flips_at    the steps after which w_1 has the other sign than before
    first_weight_grows_every_step |w_1| is larger after every step than before it
    overflow_at                   torch: the first step with a non-finite value, at (step, epoch, batch)
    gradients_accumulate          zero_grad is false: step() uses the sum of every gradient so far
    with_zero_grad                the first four for the same batches run with zero_grad()
    first_batch_loss_falls        the first batch's loss after step 1 (at w_1, b_1) is below its loss before it
    first_batch_loss_rises        ... above it
"""

from __future__ import annotations

import math
from fractions import Fraction

from generator.codec import V
from generator.facts import Fact, Threshold, TorchAt, at, fact
from generator.kinds.linreg_sgd import analysis
from generator.kinds.linreg_sgd.results import LinregFacts, LossFacts, StepResults
from generator.kinds.linreg_sgd.scenario import Scenario, residual


def initial_loss(s: Scenario) -> Fraction:
    """The loss on all data before the first step, exactly."""
    rows = tuple(range(s.n))
    return s.loss_scale(s.n) * sum((r * r for r in residual(s, rows, s.weight, s.bias)), Fraction(0))


def loss_facts(initial: Fraction, epoch_loss: tuple[V, ...]) -> LossFacts:
    losses = [initial, *(v.exact for v in epoch_loss)]
    return LossFacts(
        loss_rises_overall=fact(losses[-1] > losses[0]),
        loss_falls_overall=fact(losses[-1] < losses[0]),
        epoch_loss_decreasing=fact(all(b < a for a, b in zip(losses, losses[1:]))),
        epoch_loss_rises_at=at([e for e in range(2, len(losses)) if losses[e] > losses[e - 1]]),
    )


def _signs(values: list[Fraction]) -> list[int]:
    return [(v > 0) - (v < 0) for v in values]


def thresholds(s: Scenario, first_epoch: list[tuple[int, ...]]) -> tuple[Threshold | None, Fact | None, Fact | None]:
    """eta against 2 / lambda_max, exactly: on all data, and on every batch of the first epoch."""
    if s.d + 1 > analysis.MAX_PARAMETERS:
        return None, None, None
    point = 2 / s.lr  # eta < 2 / lambda  <=>  lambda < 2 / eta
    full = analysis.versus_largest_eigenvalue(analysis.hessian(s, tuple(range(s.n))), point)
    every = [full] + [analysis.versus_largest_eigenvalue(analysis.hessian(s, rows), point) for rows in first_epoch]
    return Threshold(full < 0, full == 0), fact(all(v < 0 for v in every)), fact(all(v > 0 for v in every))


def overflow(steps: tuple[StepResults, ...]) -> TorchAt:
    for number, step in enumerate(steps, start=1):
        values = (step.loss, step.grad_bias, step.bias, *step.grad_weight, *step.weight)
        if not all(math.isfinite(v.value) for v in values):
            return TorchAt(True, True, (number, step.epoch, step.batch))
    return TorchAt(False, True, ())


def of(s: Scenario, steps: tuple[StepResults, ...], epoch_loss: tuple[V, ...], initial: Fraction,
       first_epoch: list[tuple[int, ...]], twin: tuple[V, ...] | None, first_batch_after: Fraction) -> LinregFacts:
    """Every fact of one run; `twin` is the epoch losses of the same batches with zero_grad(),
    `first_batch_after` the first batch's loss at the parameters after step 1."""
    main = loss_facts(initial, epoch_loss)
    batch = [step.loss.exact for step in steps]
    weight = [s.weight[0], *(step.weight[0].exact for step in steps)]
    signs = _signs(weight)
    below, below_every, above_every = thresholds(s, first_epoch)
    return LinregFacts(
        loss_rises_overall=main.loss_rises_overall,
        loss_falls_overall=main.loss_falls_overall,
        epoch_loss_decreasing=main.epoch_loss_decreasing,
        epoch_loss_rises_at=main.epoch_loss_rises_at,
        batch_loss_rises_at=at([k for k in range(2, len(batch) + 1) if batch[k - 1] > batch[k - 2]]),
        lr_below_threshold=below,
        lr_below_every_threshold=below_every,
        lr_above_every_threshold=above_every,
        first_weight_sign_flips_at=at([k for k in range(1, len(weight)) if signs[k] * signs[k - 1] < 0]),
        first_weight_grows_every_step=fact(all(abs(b) > abs(a) for a, b in zip(weight, weight[1:]))),
        overflow_at=overflow(steps),
        gradients_accumulate=fact(not s.zero_grad),
        with_zero_grad=None if twin is None else loss_facts(initial, twin),
        first_batch_loss_falls=fact(first_batch_after < steps[0].loss.exact),
        first_batch_loss_rises=fact(first_batch_after > steps[0].loss.exact),
    )
