"""The regression-losses scenario format: X and Y as in mse, a reduction, SmoothL1's beta and Huber's delta."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator import scenario as base
from generator.reader import Matrix, Reader

NAME = "regression-losses"
REDUCTIONS = ("mean", "sum")
KEYS = ("reduction", "beta", "delta", "X", "Y")
LOSSES = ("l1", "smooth_l1", "huber", "mse")  # results keys, in the order the page shows them


@dataclass(frozen=True)
class Scenario(base.Scenario, base.MatrixPair):
    reduction: str
    beta: Fraction  # SmoothL1Loss's beta: below it the loss is quadratic
    delta: Fraction  # HuberLoss's delta: below it the loss is quadratic
    X: Matrix
    Y: Matrix


def parse(reader: Reader, header: base.ScenarioHeader) -> Scenario | None:
    reduction = reader.choice("reduction", REDUCTIONS, "mean")
    beta, delta = reader.number("beta", Fraction(1)), reader.number("delta", Fraction(1))
    for key, value in (("beta", beta), ("delta", delta)):
        if value is not None and value <= 0:
            reader.problem(key, f"is {value}; it must be greater than 0")
    X, Y = reader.matrix("X"), reader.matrix("Y")
    if X is not None and Y is not None and (len(X), len(X[0])) != (len(Y), len(Y[0])):
        reader.problem("Y", f"shape {len(Y)}×{len(Y[0])} differs from X's {len(X)}×{len(X[0])}")
    if reader.problems or reduction is None or beta is None or delta is None or X is None or Y is None:
        return None
    return Scenario(header, reduction, beta, delta, X, Y)
