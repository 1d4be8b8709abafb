"""What a regression-losses run records: the kind's part of the results file, typed (generator/codec.py)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.codec import V
from generator.kinds.regression_losses.exercises import RegressionExercises
from generator.kinds.regression_losses.facts import RegressionFacts
from generator.reader import Matrix

Values = tuple[tuple[V, ...], ...]


@dataclass(frozen=True)
class LossResults:
    elementwise: Values  # each entry's loss (reduction "none")
    case: tuple[tuple[str, ...], ...]  # the branch each entry takes: "quadratic", "linear", or for L1 "r > 0", "r < 0", "r = 0"
    sum: V
    loss: V
    grad: Values  # X.grad


@dataclass(frozen=True)
class Losses:
    l1: LossResults
    smooth_l1: LossResults
    huber: LossResults
    mse: LossResults

    def of(self, key: str) -> LossResults:
        """The loss of a LOSSES key ("l1", "smooth_l1", "huber", "mse")."""
        result: LossResults = getattr(self, key)
        return result


@dataclass(frozen=True)
class RegressionResults:
    reduction: str
    beta: Fraction
    delta: Fraction
    X: Matrix
    Y: Matrix
    residual: Values  # X - Y
    losses: Losses
    facts: RegressionFacts  # what the page states about this run (kinds/regression_losses/facts.py)
    exercises: RegressionExercises  # the exercises' answers, worked exactly (kinds/regression_losses/exercises.py)
