"""The mse scenario format: X and Y, a reduction and a dtype."""

from __future__ import annotations

from dataclasses import dataclass

from generator import scenario as base
from generator.reader import Matrix, Reader

NAME = "mse"
REDUCTIONS = ("mean", "sum")
KEYS = ("reduction", "X", "Y")


@dataclass(frozen=True)
class Scenario(base.Scenario, base.MatrixPair):
    reduction: str
    X: Matrix
    Y: Matrix

    @property
    def other_reduction(self) -> str:
        """The reduction the page compares with: "sum" beside "mean", "mean" beside "sum"."""
        return "sum" if self.reduction == "mean" else "mean"


def parse(reader: Reader, header: base.ScenarioHeader) -> Scenario | None:
    reduction = reader.choice("reduction", REDUCTIONS, "mean")
    X, Y = reader.matrix("X"), reader.matrix("Y")
    if X is not None and Y is not None and (len(X), len(X[0])) != (len(Y), len(Y[0])):
        reader.problem("Y", f"shape {len(Y)}×{len(Y[0])} differs from X's {len(X)}×{len(X[0])}")
        return None
    if reduction is None or X is None or Y is None:
        return None
    return Scenario(header, reduction, X, Y)
