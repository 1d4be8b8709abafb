"""The rounding fingerprint of this machine: a digest of the exact bits torch gives on a fixed probe
that exercises the kernels the kinds use (sums and means of many lengths, the four losses with
every reduction and their backward passes, matrix-vector products, nn.Linear and an SGD step), in
float32 and float64. Two machines with the same fingerprint round those kernels alike, so their
runs of a scenario must agree bit for bit (compare.py); two with different ones may differ in the
last bits, within the verified bounds.

GENERATOR_FINGERPRINT overrides the measured value (the tests, or simulating another machine).
Torch is imported only when the probe runs; torch_process.fingerprint_here measures it once a
build, in a worker under `python -m generator`."""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

OVERRIDE = "GENERATOR_FINGERPRINT"
DIGITS = 16  # hex digits of the SHA-256 kept: 64 bits
LENGTHS = (1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 31, 32, 33, 40, 47, 48, 63, 64, 65, 70)
SHAPES = ((1, 1), (3, 2), (4, 4), (7, 3), (9, 5), (17, 2), (33, 3), (70, 1))


def single_threaded_torch() -> None:
    """One intra-op thread, as the shown programs run (OMP_NUM_THREADS=1): the same summation order."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def override() -> str | None:
    """GENERATOR_FINGERPRINT, when set: the fingerprint this machine is to be taken for."""
    return os.environ.get(OVERRIDE, "").strip() or None


def measure() -> str:
    """The probe's digest: every float it produces, as the 8 bytes of its float64 value, in order."""
    import torch

    single_threaded_torch()
    digest = hashlib.sha256()
    for dtype in (torch.float32, torch.float64):
        for tensor in probe(dtype):
            for value in tensor.detach().reshape(-1).tolist():
                digest.update(struct.pack("<d", value))
    return digest.hexdigest()[:DIGITS]


def numbers(count: int, salt: int) -> list[float]:
    """Deterministic, inexact, mixed-sign numbers of a few magnitudes (no random generator)."""
    return [((i * 7919 + salt * 104729) % 2003 - 1001) / (97 + (i + salt) % 13) for i in range(count)]


def matrix(rows: int, columns: int, salt: int, dtype: torch.dtype) -> torch.Tensor:
    import torch

    return torch.tensor(numbers(rows * columns, salt), dtype=dtype).reshape(rows, columns)


def probe(dtype: torch.dtype) -> Iterator[torch.Tensor]:
    """The probe computation's outputs, in a fixed order."""
    yield from _reductions(dtype)
    yield from _losses(dtype)
    yield from _products(dtype)
    yield from _sgd(dtype)
    yield from _cross_entropy(dtype)


def _reductions(dtype: torch.dtype) -> Iterator[torch.Tensor]:
    for n in LENGTHS:
        x, y = matrix(n, 1, 1, dtype).reshape(-1), matrix(n, 1, 2, dtype).reshape(-1)
        yield x.sum()
        yield x.mean()
        yield ((x - y) ** 2).sum()
        yield (x - y).abs().mean()
        for columns in (2, 3, 5):
            m = matrix(n, columns, 3, dtype)
            yield m.sum()
            yield m.mean()
            yield m.sum(dim=0)


def _losses(dtype: torch.dtype) -> Iterator[torch.Tensor]:
    from torch import nn

    for rows, columns in SHAPES:
        target = matrix(rows, columns, 5, dtype)
        for reduction in ("mean", "sum", "none"):
            criteria: tuple[nn.Module, ...] = (
                nn.MSELoss(reduction=reduction),
                nn.L1Loss(reduction=reduction),
                nn.SmoothL1Loss(reduction=reduction, beta=1.0),
                nn.SmoothL1Loss(reduction=reduction, beta=7.5),
                nn.HuberLoss(reduction=reduction, delta=1.0),
                nn.HuberLoss(reduction=reduction, delta=7.5),
            )
            for criterion in criteria:
                inputs = matrix(rows, columns, 4, dtype).requires_grad_(True)
                loss = criterion(inputs, target)
                weights = matrix(rows, columns, 6, dtype) if reduction == "none" else None
                loss.backward(weights)
                yield loss
                assert inputs.grad is not None
                yield inputs.grad


def _products(dtype: torch.dtype) -> Iterator[torch.Tensor]:
    for rows, columns in SHAPES:
        features, weight = matrix(rows, columns, 7, dtype), matrix(columns, 1, 8, dtype).reshape(-1)
        residual = matrix(rows, 1, 9, dtype).reshape(-1)
        yield features @ weight
        yield features.T @ residual
        yield features.T @ residual.reshape(-1, 1)


def _sgd(dtype: torch.dtype) -> Iterator[torch.Tensor]:
    import torch
    from torch import nn

    for rows, columns in SHAPES:
        net = nn.Sequential(nn.Linear(columns, 1)).to(dtype)
        linear = net[0]
        assert isinstance(linear, nn.Linear)
        with torch.no_grad():
            linear.weight.copy_(matrix(1, columns, 10, dtype) / 100)
            linear.bias.fill_(0.25)
        features, labels = matrix(rows, columns, 11, dtype), matrix(rows, 1, 12, dtype)
        trainer = torch.optim.SGD(net.parameters(), lr=0.003)
        for _ in range(3):
            trainer.zero_grad()
            loss = nn.MSELoss(reduction="sum")(net(features), labels) / rows
            loss.backward()
            trainer.step()
            yield loss
            yield linear.weight
            yield linear.bias


def _cross_entropy(dtype: torch.dtype) -> Iterator[torch.Tensor]:
    """softmax, log_softmax (exp, log and the row sums of ATen's kernels) and cross_entropy with
    class indices, weights, ignore_index, label smoothing and probability targets, forward and backward."""
    import torch
    from torch.nn import functional

    for rows, columns in SHAPES:
        if columns < 2:
            continue
        logits = matrix(rows, columns, 13, dtype) / 7
        yield torch.softmax(logits, dim=1)
        yield torch.log_softmax(logits, dim=1)
        classes = torch.tensor([(i * 5) % columns for i in range(rows)])
        weight = matrix(1, columns, 14, dtype).reshape(-1).abs() / 100 + 0.5
        probabilities = torch.softmax(matrix(rows, columns, 15, dtype) / 50, dim=1)
        for reduction in ("mean", "sum", "none"):
            for target, options in ((classes, {}), (classes, {"weight": weight, "ignore_index": 0}),
                                    (classes, {"label_smoothing": 0.1, "weight": weight}), (probabilities, {"weight": weight})):
                inputs = logits.clone().requires_grad_(True)
                loss = functional.cross_entropy(inputs, target, reduction=reduction, **options)
                (loss.sum() if loss.dim() else loss).backward()  # type: ignore[no-untyped-call]
                yield loss
                assert inputs.grad is not None
                yield inputs.grad
