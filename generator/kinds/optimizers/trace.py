"""What the torch runs of an optimizers scenario found (run.py fills it; no torch here, so the
stages that only read it never import torch)."""

from __future__ import annotations

from dataclasses import dataclass

Row = tuple[float, ...]  # the weight's entries, then the bias


@dataclass(frozen=True)
class Step:
    epoch: int
    batch: int
    indices: tuple[int, ...]
    loss: float
    grad: Row  # w.grad's entries, then b.grad: what backward() left
    theta: Row  # w's entries, then b, after the step
    state: tuple[tuple[str, Row], ...]  # torch's buffers after the step, by name


@dataclass(frozen=True)
class Trace:
    steps: tuple[Step, ...]
    epoch_loss: tuple[float, ...]
