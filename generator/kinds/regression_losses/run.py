"""The real torch run: nn.L1Loss, nn.SmoothL1Loss(beta), nn.HuberLoss(delta) and nn.MSELoss on the
same X and Y, each with X.grad from its own backward()."""

from __future__ import annotations

import torch
from torch import nn

from generator.errors import GeneratorError
from generator.kinds.common import float_matrix
from generator.kinds.regression_losses.scenario import LOSSES, Scenario
from generator.kinds.regression_losses.trace import FloatMatrix, LossTrace, Trace
from generator.values import nearest_float


def criterion(name: str, s: Scenario, reduction: str) -> nn.Module:
    """The torch loss module of one LOSSES key, with the scenario's beta or delta."""
    if name == "l1":
        return nn.L1Loss(reduction=reduction)
    if name == "smooth_l1":
        return nn.SmoothL1Loss(reduction=reduction, beta=nearest_float(s.beta, "float64"))
    if name == "huber":
        return nn.HuberLoss(reduction=reduction, delta=nearest_float(s.delta, "float64"))
    return nn.MSELoss(reduction=reduction)


def _matrix(tensor: torch.Tensor) -> FloatMatrix:
    return tuple(tuple(row) for row in tensor.detach().tolist())


def compute(s: Scenario) -> Trace:
    dtype = getattr(torch, s.dtype)
    Y = torch.tensor(float_matrix(s.Y, s.dtype), dtype=dtype)
    losses = {}
    for name in LOSSES:
        X = torch.tensor(float_matrix(s.X, s.dtype), dtype=dtype, requires_grad=True)
        loss = criterion(name, s, s.reduction)(X, Y)
        loss.backward()
        if X.grad is None:
            raise GeneratorError(f"{s.source}: torch left no X.grad after {name} backward()")
        elementwise = criterion(name, s, "none")(X.detach(), Y)
        losses[name] = LossTrace(_matrix(elementwise), elementwise.sum().item(), loss.item(), _matrix(X.grad))
    X = torch.tensor(float_matrix(s.X, s.dtype), dtype=dtype)
    return Trace(_matrix(X - Y), losses)
