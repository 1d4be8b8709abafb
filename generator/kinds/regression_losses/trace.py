"""What the torch run of a regression-losses scenario found (run.py fills it; no torch here, so the
stages that only read it never import torch)."""

from __future__ import annotations

from dataclasses import dataclass

FloatMatrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class LossTrace:
    elementwise: FloatMatrix  # the loss of each entry: reduction="none"
    sum: float  # their sum
    loss: float
    grad: FloatMatrix


@dataclass(frozen=True)
class Trace:
    residual: FloatMatrix
    losses: dict[str, LossTrace]  # by LOSSES key
