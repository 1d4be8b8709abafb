"""The real torch run of a cross-entropy scenario: functional.cross_entropy and autograd's logits.grad, the
same loss as NLLLoss(log_softmax), the softmax-before-CrossEntropyLoss pitfall, and softmax of a
row shifted by SHIFT computed naively and as torch does."""

from __future__ import annotations

from typing import Any

import torch
from torch.nn import functional

from generator.errors import GeneratorError
from generator.kinds.cross_entropy.scenario import SHIFT, Scenario
from generator.kinds.cross_entropy.trace import FloatMatrix, Loss, Trace
from generator.values import nearest_float


def _dtype(s: Scenario) -> torch.dtype:
    return torch.float64 if s.dtype == "float64" else torch.float32


def _tensor(rows: Any, s: Scenario, requires_grad: bool = False) -> torch.Tensor:
    floats = [[nearest_float(v, s.dtype) for v in row] for row in rows]
    return torch.tensor(floats, dtype=_dtype(s), requires_grad=requires_grad)


def _matrix(t: torch.Tensor) -> FloatMatrix:
    return tuple(tuple(row) for row in t.detach().tolist())


def _options(s: Scenario) -> dict[str, Any]:
    options: dict[str, Any] = {"reduction": s.reduction}
    if s.weight is not None:
        options["weight"] = torch.tensor([nearest_float(w, s.dtype) for w in s.weight], dtype=_dtype(s))
    if s.ignore_index is not None:
        options["ignore_index"] = s.ignore_index
    if s.label_smoothing:
        options["label_smoothing"] = float(s.label_smoothing)
    return options


def target(s: Scenario) -> torch.Tensor:
    if s.probabilities is not None:
        return _tensor(s.probabilities, s)
    assert s.classes is not None
    return torch.tensor(s.classes)


def _loss(value: torch.Tensor) -> Loss:
    return tuple(value.detach().tolist()) if value.dim() else float(value.item())


def _backward(loss: torch.Tensor, X: torch.Tensor, s: Scenario) -> FloatMatrix:
    (loss.sum() if loss.dim() else loss).backward()  # type: ignore[no-untyped-call]
    if X.grad is None:
        raise GeneratorError(f"{s.source}: torch left no logits.grad after backward()")
    return _matrix(X.grad)


def compute(s: Scenario) -> Trace:
    X = _tensor(s.logits, s, requires_grad=True)
    loss = functional.cross_entropy(X, target(s), **_options(s))
    grad = _backward(loss, X, s)
    plain = _tensor(s.logits, s)
    row_loss = functional.cross_entropy(plain, target(s), **{**_options(s), "reduction": "none"})
    nll = None
    if s.compares_nll:
        nll = _loss(functional.nll_loss(functional.log_softmax(plain, dim=1), target(s), **_options(s)))
    P = _tensor(s.logits, s, requires_grad=True)
    pitfall = functional.cross_entropy(torch.softmax(P, dim=1), target(s), **_options(s))
    pitfall_grad = _backward(pitfall, P, s)
    shifted = _tensor([[x + SHIFT for x in s.logits[0]]], s)[0]
    naive = torch.exp(shifted) / torch.exp(shifted).sum()
    return Trace(
        softmax=_matrix(torch.softmax(plain, dim=1)),
        log_softmax=_matrix(torch.log_softmax(plain, dim=1)),
        row_loss=tuple(row_loss.tolist()),
        loss=_loss(loss),
        grad=grad,
        nll=nll,
        pitfall_loss=_loss(pitfall),
        pitfall_grad=pitfall_grad,
        naive=tuple(naive.tolist()),
        stable=tuple(torch.softmax(shifted, dim=0).tolist()),
    )
