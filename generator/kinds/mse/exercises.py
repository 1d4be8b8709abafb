"""The mse page's exercises: inputs the run did not use (an entry moved onto its target, one
gradient step on X), worked exactly from the scenario's exact values and recorded in the results
file as `exercises`, so that every number of an answer comes from the results like every other."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.kinds.mse.scenario import Scenario
from generator.reader import Matrix


@dataclass(frozen=True)
class OnTarget:
    """One entry of X set to its target: the first entry (row by row) with the largest |x - y|."""

    row: int  # counted from 0, as the results' paths
    column: int
    residual: Fraction  # its difference x - y before the change
    sum_squares: Fraction  # the sum of squared differences after it
    loss: Fraction  # the loss after it


@dataclass(frozen=True)
class GradientStep:
    """One gradient step on X itself, X <- X - lr * X.grad, with the learning rate that halves
    every difference (lr * 2 / divisor = 1/2)."""

    lr: Fraction
    lr_factor: Fraction  # lr times the gradient's factor 2 / divisor
    shrink: Fraction  # 1 - lr_factor: what multiplies every difference
    X: Matrix  # X after the step
    residual: Matrix  # X after the step, minus Y
    sum_squares: Fraction
    loss: Fraction


@dataclass(frozen=True)
class MseExercises:
    on_target: OnTarget
    step: GradientStep


def _sum_squares(matrix: Matrix) -> Fraction:
    return sum((r * r for row in matrix for r in row), Fraction(0))


def on_target(s: Scenario) -> OnTarget:
    residual = s.residual
    places = [(i, j) for i, row in enumerate(residual) for j in range(len(row))]
    i, j = max(places, key=lambda p: (abs(residual[p[0]][p[1]]), -p[0], -p[1]))
    after = _sum_squares(residual) - residual[i][j] ** 2
    return OnTarget(i, j, residual[i][j], after, after / s.divisor)


def gradient_step(s: Scenario) -> GradientStep:
    factor = Fraction(2, s.divisor)  # X.grad = factor * (X - Y)
    lr = Fraction(1, 2) / factor
    X = tuple(tuple(x - lr * factor * (x - y) for x, y in zip(xr, yr)) for xr, yr in zip(s.X, s.Y))
    residual = tuple(tuple(x - y for x, y in zip(xr, yr)) for xr, yr in zip(X, s.Y))
    total = _sum_squares(residual)
    return GradientStep(lr, lr * factor, 1 - lr * factor, X, residual, total, total / s.divisor)


def exercises(s: Scenario) -> MseExercises:
    return MseExercises(on_target(s), gradient_step(s))
