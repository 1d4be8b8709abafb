"""The real torch runs of an optimizers scenario: nn.Linear, nn.MSELoss and each optimizer
(foreach=False: the single-tensor code path, whose order of operations the bounds follow), on the
same batches from the same start, every step and every state buffer recorded."""

from __future__ import annotations

import torch
from torch import nn

from generator.errors import GeneratorError
from generator.kinds.linreg_sgd.run import batches, loss_of
from generator.kinds.optimizers.scenario import Optimizer, Scenario
from generator.kinds.optimizers.trace import Row, Step, Trace
from generator.values import nearest_float


def options(optimizer: Optimizer) -> dict[str, object]:
    """The keyword arguments of torch's class, as the shown program writes them (floats of the exact values)."""
    kwargs: dict[str, object] = {}
    for name, value in optimizer.options:
        if isinstance(value, tuple):
            kwargs[name] = tuple(float(v) for v in value)
        elif isinstance(value, bool):
            kwargs[name] = value
        else:
            kwargs[name] = float(value)
    return kwargs


def _row(weight: torch.Tensor, bias: torch.Tensor) -> Row:
    return (*weight.detach().reshape(-1).tolist(), *bias.detach().reshape(-1).tolist())


def compute_one(s: Scenario, optimizer: Optimizer) -> Trace:
    dtype = getattr(torch, s.dtype)
    features = torch.tensor([[nearest_float(v, s.dtype) for v in row] for row in s.features], dtype=dtype)
    labels = torch.tensor([[nearest_float(v, s.dtype)] for v in s.labels], dtype=dtype)
    layer = nn.Linear(s.d, 1).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[nearest_float(v, s.dtype) for v in s.weight]], dtype=dtype))
        layer.bias.copy_(torch.tensor([nearest_float(s.bias, s.dtype)], dtype=dtype))
    criterion = nn.MSELoss(reduction="mean" if s.reduction == "mean" else "sum")
    trainer = getattr(torch.optim, optimizer.name)(layer.parameters(), foreach=False, **options(optimizer))
    steps: list[Step] = []
    epoch_loss: list[float] = []
    for epoch, batch, indices, X, y in batches(s, features, labels):
        loss = loss_of(s, criterion, layer(X), y)
        trainer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]  # torch's own annotation is missing
        if layer.weight.grad is None or layer.bias.grad is None:
            raise GeneratorError("torch left no gradient after backward()")
        grad = _row(layer.weight.grad, layer.bias.grad)
        trainer.step()
        w_state, b_state = trainer.state[layer.weight], trainer.state[layer.bias]
        state = tuple((name, _row(w_state[name], b_state[name])) for name in optimizer.buffers)
        steps.append(Step(epoch, batch, tuple(indices), loss.item(), grad, _row(layer.weight, layer.bias), state))
        if batch == s.batches_per_epoch:
            with torch.no_grad():
                epoch_loss.append(loss_of(s, criterion, layer(features), labels).item())
    return Trace(tuple(steps), tuple(epoch_loss))


def compute(s: Scenario) -> tuple[Trace, ...]:
    return tuple(compute_one(s, optimizer) for optimizer in s.optimizers)
