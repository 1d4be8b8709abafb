"""What an optimizers run records: the kind's part of the results file, typed (generator/codec.py).
Values are codec.RealV: `exact` when rational, else `lo` and `hi` (decimals rounded outward) with
`expr` null, since an exact value after a square root is defined by the steps before it, not by a
short expression."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from generator.codec import OMIT, RealV
from generator.facts import At, Fact
from generator.reader import Matrix


@dataclass(frozen=True)
class Exactly:
    """An exact value with no torch float beside it: `exact` when rational, else [lo, hi]."""

    exact: Fraction | None = field(default=None, metadata=OMIT)
    lo: str | None = field(default=None, metadata=OMIT)
    hi: str | None = field(default=None, metadata=OMIT)


@dataclass(frozen=True)
class Buffer:
    """One state buffer of every parameter, by torch's name."""

    weight: tuple[RealV, ...]
    bias: RealV


@dataclass(frozen=True)
class State:
    """torch's state after a step (optimizer.state[p][name]); a buffer the configuration does not keep is left out."""

    momentum_buffer: Buffer | None = field(default=None, metadata=OMIT)
    square_avg: Buffer | None = field(default=None, metadata=OMIT)
    grad_avg: Buffer | None = field(default=None, metadata=OMIT)
    exp_avg: Buffer | None = field(default=None, metadata=OMIT)
    exp_avg_sq: Buffer | None = field(default=None, metadata=OMIT)
    max_exp_avg_sq: Buffer | None = field(default=None, metadata=OMIT)


@dataclass(frozen=True)
class Step:
    epoch: int  # counted from 1
    batch: int  # counted from 1
    indices: tuple[int, ...]  # the batch's rows
    loss: RealV  # the batch's loss before the step
    grad_weight: tuple[RealV, ...]  # w.grad, as backward() left it
    grad_bias: RealV
    weight: tuple[RealV, ...]  # after the step
    bias: RealV
    state: State


@dataclass(frozen=True)
class Worked:
    """A step worked by hand, per parameter (the weight's entries, then the bias), exactly."""

    used: tuple[Exactly, ...]  # the gradient the update used: w.grad plus weight_decay * w where that applies
    denominator: tuple[Exactly, ...] | None  # RMSprop's sqrt(square_avg) + eps, Adam's sqrt(exp_avg_sq)/sqrt(1 - beta2^t) + eps
    update: tuple[Exactly, ...]  # the parameter after the step minus before it
    bias_correction1: Fraction | None  # Adam: 1 - beta1^t
    bias_correction2: Fraction | None  # Adam: 1 - beta2^t
    efficient_update: tuple[Exactly, ...] | None  # Adam: the update of the paper's efficient form (eps added to sqrt(v))
    efficient_difference: tuple[Exactly, ...] | None  # Adam: efficient_update minus update


@dataclass(frozen=True)
class Options:
    """The optimizer's options, the scenario's or torch's defaults; an option the class lacks is left out."""

    lr: Fraction
    momentum: Fraction | None = field(default=None, metadata=OMIT)
    dampening: Fraction | None = field(default=None, metadata=OMIT)
    nesterov: bool | None = field(default=None, metadata=OMIT)
    weight_decay: Fraction | None = field(default=None, metadata=OMIT)
    alpha: Fraction | None = field(default=None, metadata=OMIT)
    eps: Fraction | None = field(default=None, metadata=OMIT)
    centered: bool | None = field(default=None, metadata=OMIT)
    betas: tuple[Fraction, ...] | None = field(default=None, metadata=OMIT)
    amsgrad: bool | None = field(default=None, metadata=OMIT)


@dataclass(frozen=True)
class RunFacts:
    """What the page may say of one run (facts.py)."""

    epoch_loss_decreasing: Fact  # initial > epoch 1 > epoch 2 > ... (loss on all data)
    loss_falls_overall: Fact  # the last epoch's loss on all data is below the initial one
    loss_rises_overall: Fact  # ... above it
    epoch_loss_rises_at: At  # epochs e >= 2 whose loss on all data is above epoch e - 1's
    first_step_is_sign: Fact | None  # Adam without weight decay: every first update within 1% of -lr * sign(grad)
    first_step_far_from_sign_at: At | None  # ... the parameters (from 1: w entries, then b) where it is not
    efficient_form_differs: Fact | None  # Adam: the efficient form's first update differs from torch's, exactly


@dataclass(frozen=True)
class Run:
    name: str  # torch's class name
    options: Options
    steps: tuple[Step, ...]
    epoch_loss: tuple[RealV, ...]  # the loss on all data after each epoch
    first: Worked  # step 1 worked by hand
    second: Worked  # step 2 worked by hand (an exercise); step 1 again when the run has one step
    facts: RunFacts


@dataclass(frozen=True)
class Minimum:
    """The least-squares minimum of the loss on all data (normal equations), exactly."""

    weight: tuple[Fraction, ...]
    bias: Fraction
    loss: Fraction


@dataclass(frozen=True)
class OptimizersFacts:
    lowest_final_loss_at: At  # the runs (from 1) whose last loss on all data is the lowest, ties all named
    adamw_differs_at: At | None  # with an Adam and an AdamW run of the same options: parameters whose first updates differ


@dataclass(frozen=True)
class OptimizersResults:
    features: Matrix
    labels: tuple[Fraction, ...]
    initial_weight: tuple[Fraction, ...]
    initial_bias: Fraction
    batch_size: int
    epochs: int
    reduction: str
    order: tuple[tuple[int, ...], ...] | None
    seed: int | None
    initial_loss: Fraction  # the loss on all data before the first step
    runs: tuple[Run, ...]  # one per [[optimizer]], in the file's order
    least_squares: Minimum | None  # None past 10 features, or when singular
    facts: OptimizersFacts
