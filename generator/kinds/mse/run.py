"""The real torch run of an mse scenario: nn.MSELoss and autograd's X.grad."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from generator.errors import GeneratorError
from generator.kinds.mse.scenario import Scenario
from generator.reader import Matrix
from generator.values import nearest_float

FloatMatrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Trace:
    residual: FloatMatrix
    squares: FloatMatrix
    sum_squares: float
    loss: float
    grad: FloatMatrix
    other_loss: float  # the same data with the other reduction
    other_grad: FloatMatrix


def _tensor(matrix: Matrix, dtype: str, requires_grad: bool = False) -> torch.Tensor:
    floats = [[nearest_float(v, dtype) for v in row] for row in matrix]
    return torch.tensor(floats, dtype=getattr(torch, dtype), requires_grad=requires_grad)


def _matrix(tensor: torch.Tensor) -> FloatMatrix:
    return tuple(tuple(row) for row in tensor.detach().tolist())


def _loss_and_grad(s: Scenario, reduction: str) -> tuple[float, FloatMatrix]:
    X = _tensor(s.X, s.dtype, requires_grad=True)
    loss = torch.nn.MSELoss(reduction=reduction)(X, _tensor(s.Y, s.dtype))
    loss.backward()
    if X.grad is None:
        raise GeneratorError(f"{s.source}: torch left no X.grad after loss.backward()")
    return loss.item(), _matrix(X.grad)


def compute(s: Scenario) -> Trace:
    residual = (_tensor(s.X, s.dtype) - _tensor(s.Y, s.dtype)).detach()
    squares = residual**2
    loss, grad = _loss_and_grad(s, s.reduction)
    other_loss, other_grad = _loss_and_grad(s, s.other_reduction)
    return Trace(_matrix(residual), _matrix(squares), squares.sum().item(), loss, grad, other_loss, other_grad)
