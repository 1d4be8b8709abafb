"""The mse scenario format: X and Y, a reduction and a dtype."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from generator.reader import Matrix, Reader
from generator.values import DTYPES

REDUCTIONS = ("mean", "sum")
KEYS = ("kind", "title", "dtype", "reduction", "X", "Y")


@dataclass(frozen=True)
class Scenario:
    kind: ClassVar[str] = "mse"
    source: str
    slug: str
    title: str
    dtype: str
    reduction: str
    X: Matrix
    Y: Matrix

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.X), len(self.X[0])

    @property
    def divisor(self) -> int:
        """What the sum of squares is divided by: n·d for "mean", 1 for "sum"."""
        n, d = self.shape
        return n * d if self.reduction == "mean" else 1


def parse(reader: Reader, slug: str) -> Scenario | None:
    reader.reject_unknown(KEYS)
    title = reader.text("title")
    dtype = reader.choice("dtype", DTYPES, "float32")
    reduction = reader.choice("reduction", REDUCTIONS, "mean")
    X, Y = reader.matrix("X"), reader.matrix("Y")
    if X is not None and Y is not None and (len(X), len(X[0])) != (len(Y), len(Y[0])):
        reader.problem("Y", f"shape {len(Y)}×{len(Y[0])} differs from X's {len(X)}×{len(X[0])}")
        return None
    if title is None or dtype is None or reduction is None or X is None or Y is None:
        return None
    return Scenario(reader.source, slug, title, dtype, reduction, X, Y)
