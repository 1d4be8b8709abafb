"""What the torch run of a linreg-sgd scenario found (run.py fills it; no torch here, so the
stages that only read it never import torch)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    epoch: int
    batch: int
    indices: tuple[int, ...]
    loss: float
    grad_weight: tuple[float, ...]
    grad_bias: float
    weight: tuple[float, ...]
    bias: float


@dataclass(frozen=True)
class Trace:
    steps: tuple[Step, ...]
    epoch_loss: tuple[float, ...]
