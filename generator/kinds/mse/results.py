"""What an mse run records: the kind's part of the results file, typed (generator/codec.py)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.codec import V
from generator.kinds.mse.exercises import MseExercises
from generator.kinds.mse.facts import MseFacts
from generator.reader import Matrix

Values = tuple[tuple[V, ...], ...]


@dataclass(frozen=True)
class OtherReduction:
    """The same data with the other reduction, from the same run."""

    reduction: str
    loss: V
    grad: Values


@dataclass(frozen=True)
class MseResults:
    reduction: str
    X: Matrix
    Y: Matrix
    residual: Values  # X - Y
    squares: Values
    sum_squares: V
    loss: V
    grad: Values  # X.grad
    other_reduction: OtherReduction
    facts: MseFacts  # what the page states about this run (kinds/mse/facts.py)
    exercises: MseExercises  # the exercises' answers, worked exactly (kinds/mse/exercises.py)
