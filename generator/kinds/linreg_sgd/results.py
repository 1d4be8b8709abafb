"""What a linreg-sgd run records: the kind's part of the results file, typed (generator/codec.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from generator.codec import OMIT, V
from generator.facts import At, Fact, Threshold, TorchAt
from generator.kinds.linreg_sgd.exercises import LinregExercises
from generator.reader import Matrix


@dataclass(frozen=True)
class StepResults:
    """One SGD step: the batch's loss before it, the gradient step() used, the parameters after it."""

    epoch: int  # counted from 1
    batch: int  # counted from 1
    indices: tuple[int, ...]  # the batch's rows
    loss: V
    grad_weight: tuple[V, ...]  # accumulated when zero_grad is false
    grad_bias: V
    weight: tuple[V, ...]  # after the step
    bias: V


@dataclass(frozen=True)
class FirstBatch:
    """The first step worked by hand, exactly."""

    residual: tuple[Fraction, ...]  # X_B w + b - y_B
    residual_sum: Fraction
    xt_residual: tuple[Fraction, ...]  # X_B^T r
    lr_grad_weight: tuple[Fraction, ...]  # eta times the gradients
    lr_grad_bias: Fraction


@dataclass(frozen=True)
class Curvature:
    """The Hessian of the loss over some rows: its largest eigenvalue, isolated, and 2 / lambda_max."""

    indices: tuple[int, ...]
    lambda_max: tuple[Fraction, ...]  # (lo, hi], hi - lo <= 10^-8
    threshold: tuple[Fraction, ...] | None  # (2 / hi, 2 / lo), None when lambda_max may be 0


@dataclass(frozen=True)
class Stability:
    full: Curvature  # all rows
    batches: tuple[Curvature, ...]  # each batch of the first epoch


@dataclass(frozen=True)
class LeastSquares:
    """The minimum of the loss on all data, by the normal equations."""

    weight: tuple[Fraction, ...]
    bias: Fraction
    loss: Fraction
    gap: Fraction  # the last epoch's exact loss minus it


@dataclass(frozen=True)
class Twin:
    """The same run with trainer.zero_grad(), beside one without it."""

    steps: tuple[StepResults, ...]
    epoch_loss: tuple[V, ...]


@dataclass(frozen=True)
class LossFacts:
    """What the loss on all data does over one run."""

    loss_rises_overall: Fact
    loss_falls_overall: Fact
    epoch_loss_decreasing: Fact
    epoch_loss_rises_at: At


@dataclass(frozen=True)
class LinregFacts:
    """What a linreg-sgd page may say of its run: names and meanings in facts.py."""

    loss_rises_overall: Fact
    loss_falls_overall: Fact
    epoch_loss_decreasing: Fact
    epoch_loss_rises_at: At
    batch_loss_rises_at: At
    lr_below_threshold: Threshold | None  # None past analysis.MAX_PARAMETERS
    lr_below_every_threshold: Fact | None
    lr_above_every_threshold: Fact | None
    first_weight_sign_flips_at: At
    first_weight_grows_every_step: Fact
    overflow_at: TorchAt
    gradients_accumulate: Fact
    with_zero_grad: LossFacts | None  # only when zero_grad is false
    first_batch_loss_falls: Fact  # the first batch's loss at w_1, b_1 (after its own step) is below its loss at w_0, b_0
    first_batch_loss_rises: Fact  # ... above it


@dataclass(frozen=True)
class SweepFacts:
    """What the learning-rate sweep's caption may say of one grid point (kinds/linreg_sgd/sweep.py)."""

    loss_rises_overall: Fact  # the loss on all data after the last epoch is above the loss before the first step
    loss_falls_overall: Fact  # ... below it
    epoch_loss_decreasing: Fact  # before the first step > epoch 1 > epoch 2 > ...
    epoch_loss_rises_at: At  # the epochs whose loss on all data is above the one before; epoch 1's against the loss before the first step
    epoch_loss_rises_from: At  # the first epoch from which it rises at every epoch to the last, over at least the last two
    lr_below_threshold: Threshold  # eta < 2 / lambda_max of the loss on all data, exactly (`tie` when equal)
    overflow_at: TorchAt  # torch: the first epoch whose loss on all data is not finite


@dataclass(frozen=True)
class SweepRun:
    """One grid point: the same start and batches at another learning rate."""

    lr: Fraction
    epoch_loss: tuple[V, ...]  # the loss on all data after each epoch, checked within its bound
    gap: Fraction | None  # the last epoch's exact loss minus the least-squares minimum (None without one)
    facts: SweepFacts


@dataclass(frozen=True)
class LrSweep:
    """The learning-rate slider's runs, ascending in lr; `page` indexes the page's own lr."""

    runs: tuple[SweepRun, ...]
    page: int
    page_added: bool  # the page's own lr is not one of the E12 grid's: added to it


@dataclass(frozen=True)
class LinregResults:
    features: Matrix
    labels: tuple[Fraction, ...]
    initial_weight: tuple[Fraction, ...]
    initial_bias: Fraction
    lr: Fraction
    batch_size: int
    epochs: int
    reduction: str
    zero_grad: bool
    order: tuple[tuple[int, ...], ...] | None
    seed: int | None
    see_also: str | None
    steps: tuple[StepResults, ...]
    epoch_loss: tuple[V, ...]  # the loss on all data after each epoch
    first_batch: FirstBatch
    stability: Stability | None  # None past 10 features
    least_squares: LeastSquares | None  # None past 10 features, or when singular
    initial_loss: Fraction  # the loss on all data before the first step, exactly
    facts: LinregFacts  # what the page may say of this run (facts.py)
    exercises: LinregExercises  # the exercises' answers, worked exactly (exercises.py)
    with_zero_grad: Twin | None = field(default=None, metadata=OMIT)  # only when zero_grad is false
    lr_sweep: LrSweep | None = field(default=None, metadata=OMIT)  # the slider's runs (sweep.py); none past its limits
