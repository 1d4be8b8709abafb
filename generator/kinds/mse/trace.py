"""What the torch run of an mse scenario found (run.py fills it; no torch here, so the stages that
only read it never import torch)."""

from __future__ import annotations

from dataclasses import dataclass

FloatMatrix = tuple[tuple[float, ...], ...]
Caught = tuple[str, str]  # a warning's or an error's category (class name) and message, without file or line


@dataclass(frozen=True)
class Other:
    """The same data with another reduction (for "none": loss.mean() or loss.sum() of its matrix)."""

    reduction: str
    loss: float
    grad: FloatMatrix


@dataclass(frozen=True)
class LegacyRun:
    """nn.MSELoss built with legacy arguments: the reduction torch chose and what it warned."""

    size_average: bool | None
    reduce: bool | None
    reduction: str
    warnings: tuple[Caught, ...]


@dataclass(frozen=True)
class Trace:
    residual: FloatMatrix
    squares: FloatMatrix
    sum_squares: float
    loss: float | FloatMatrix  # a matrix for reduction "none"
    grad: FloatMatrix  # for "none": after loss.backward(torch.ones_like(loss))
    others: tuple[Other, ...]  # Scenario.other_reductions, in order
    backward_error: Caught | None  # "none": what loss.backward() raised
    legacy: LegacyRun | None  # the scenario's legacy arguments
    legacy_table: tuple[LegacyRun, ...]  # with legacy arguments: every combination of them, run
