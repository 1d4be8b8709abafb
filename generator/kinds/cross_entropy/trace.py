"""What the torch run of a cross-entropy scenario found (run.py fills it; no torch here, so the
stages that only read it never import torch)."""

from __future__ import annotations

from dataclasses import dataclass

FloatMatrix = tuple[tuple[float, ...], ...]
Loss = float | tuple[float, ...]


@dataclass(frozen=True)
class Trace:
    softmax: FloatMatrix
    log_softmax: FloatMatrix
    row_loss: tuple[float, ...]  # reduction="none"
    loss: Loss
    grad: FloatMatrix
    nll: Loss | None  # functional.nll_loss(functional.log_softmax(X)), with class indices and no smoothing
    pitfall_loss: Loss  # functional.cross_entropy(softmax(X), ...)
    pitfall_grad: FloatMatrix
    naive: tuple[float, ...]  # exp(x) / exp(x).sum() of the shifted first row
    stable: tuple[float, ...]  # torch.softmax of the shifted first row
