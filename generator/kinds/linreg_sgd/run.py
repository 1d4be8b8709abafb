"""The real torch run of a linreg-sgd scenario: nn.Linear, nn.MSELoss, optim.SGD, DataLoader."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from generator.errors import GeneratorError
from generator.kinds.linreg_sgd.scenario import Scenario, schedule_from_order
from generator.kinds.linreg_sgd.trace import Step, Trace
from generator.values import nearest_float


def _tensor(values: list[list[float]] | list[float], dtype: str) -> torch.Tensor:
    tensor: torch.Tensor = torch.tensor(values, dtype=getattr(torch, dtype))
    return tensor


def _grad(parameter: torch.Tensor) -> torch.Tensor:
    if parameter.grad is None:
        raise GeneratorError("torch left no gradient after backward()")
    return parameter.grad


def loss_of(s: Scenario, criterion: nn.MSELoss, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    loss: torch.Tensor = criterion(prediction, target)
    return loss / len(target) if s.reduction == "sum/batch" else loss


Batch = tuple[int, int, tuple[int, ...], torch.Tensor, torch.Tensor]


def batches(s: Scenario, features: torch.Tensor, labels: torch.Tensor) -> Iterator[Batch]:
    """Yield (epoch, batch, indices, X, y), both counted from 1, as the shown program iterates them."""
    if s.order is not None:
        for epoch, chunks in enumerate(schedule_from_order(s), start=1):
            for batch, indices in enumerate(chunks, start=1):
                rows = torch.tensor(indices)
                yield epoch, batch, tuple(indices), features[rows], labels[rows]
        return
    positions = torch.arange(s.n)
    loader = DataLoader(
        TensorDataset(features, labels, positions),
        batch_size=s.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(s.seed),
    )
    for epoch in range(1, s.epochs + 1):
        for batch, (X, y, rows) in enumerate(loader, start=1):
            yield epoch, batch, tuple(rows.tolist()), X, y


def schedule(s: Scenario) -> list[tuple[int, ...]]:
    """The row indices of every batch, in order: the scenario's order, or what the seeded
    DataLoader draws (the same generator calls as the training loop's loader, so the same batches)."""
    if s.order is not None:
        return [chunk for chunks in schedule_from_order(s) for chunk in chunks]
    empty = torch.zeros(s.n, 0)
    return [indices for _, _, indices, _, _ in batches(s, empty, empty)]


def compute(s: Scenario) -> Trace:
    features = _tensor([[nearest_float(v, s.dtype) for v in row] for row in s.features], s.dtype)
    labels = _tensor([[nearest_float(v, s.dtype)] for v in s.labels], s.dtype)
    layer = nn.Linear(s.d, 1).to(getattr(torch, s.dtype))
    net = nn.Sequential(layer)
    with torch.no_grad():
        layer.weight.copy_(_tensor([[nearest_float(v, s.dtype) for v in s.weight]], s.dtype))
        layer.bias.copy_(_tensor([nearest_float(s.bias, s.dtype)], s.dtype))
    criterion = nn.MSELoss(reduction="mean" if s.reduction == "mean" else "sum")
    trainer = torch.optim.SGD(net.parameters(), lr=nearest_float(s.lr, "float64"))
    steps: list[Step] = []
    epoch_loss: list[float] = []
    for epoch, batch, indices, X, y in batches(s, features, labels):
        loss = loss_of(s, criterion, net(X), y)
        if s.zero_grad:
            trainer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]  # torch's own annotation is missing
        trainer.step()
        steps.append(
            Step(
                epoch, batch, tuple(indices), loss.item(), tuple(_grad(layer.weight)[0].tolist()), _grad(layer.bias).item(),
                tuple(layer.weight.detach()[0].tolist()), layer.bias.detach().item(),
            )
        )
        if batch == s.batches_per_epoch:
            with torch.no_grad():
                epoch_loss.append(loss_of(s, criterion, net(features), labels).item())
    return Trace(tuple(steps), tuple(epoch_loss))
