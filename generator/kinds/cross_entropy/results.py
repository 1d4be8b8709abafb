"""What a cross-entropy run records: the kind's part of the results file, typed (generator/codec.py).
Its values are codec.RealV: `exact` when rational, else `expr`, `lo`, `hi` (generator/exact/)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.codec import RealV
from generator.kinds.cross_entropy.exercises import CrossEntropyExercises
from generator.kinds.cross_entropy.facts import CrossEntropyFacts
from generator.reader import Matrix, Vector

Values = tuple[tuple[RealV, ...], ...]
Loss = RealV | tuple[RealV, ...]  # one value, or one per row for reduction "none"


@dataclass(frozen=True)
class Pitfall:
    """F.cross_entropy(torch.softmax(logits, dim=1), ...): softmax applied before the loss."""

    loss: Loss
    grad: Values  # logits.grad


@dataclass(frozen=True)
class Overflow:
    """The first row shifted by `shift`: softmax as exp(x) / exp(x).sum() and as torch.softmax."""

    shift: Fraction
    logits: Vector  # the shifted row, exact
    naive: tuple[str, ...]  # torch's floats of exp(x) / exp(x).sum(), as Python prints them ("nan")
    stable: tuple[RealV, ...]  # torch.softmax of the shifted row: the first row's softmax, exactly


@dataclass(frozen=True)
class CrossEntropyResults:
    logits: Matrix
    target: tuple[int, ...] | Matrix  # class indices, or class probabilities
    reduction: str
    weight: Vector | None
    ignore_index: int | None
    label_smoothing: Fraction
    coefficients: Matrix  # c[i][j]: row i's loss is sum_j c[i][j] * (-log_softmax)_ij
    denominator: Fraction | None  # what the mean divides by; None for sum and none
    row_weights: Vector  # sum_j c[i][j]: row i's loss is row_weights[i] * log S_i - offsets[i]
    offsets: Vector  # sum_j c[i][j] * x[i][j]
    softmax: Values
    log_softmax: Values
    row_loss: tuple[RealV, ...]  # reduction="none"
    loss: Loss
    grad: Values  # logits.grad
    nll: Loss | None  # F.nll_loss(F.log_softmax(logits)): class indices without smoothing
    pitfall: Pitfall
    overflow: Overflow
    facts: CrossEntropyFacts
    exercises: CrossEntropyExercises  # the exercises' answers, worked exactly (kinds/cross_entropy/exercises.py)
