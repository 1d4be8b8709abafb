"""The real torch run of an mse scenario: nn.MSELoss and autograd's X.grad.

For reduction="none" the loss is a matrix: loss.backward() is run and the error torch raises is
kept, then the two ways out are run (loss.backward(torch.ones_like(loss)), and loss.mean() and
loss.sum() each backpropagated). The legacy arguments (size_average, reduce) are passed as the
scenario gives them, inside warnings.catch_warnings: the warning's category and message are kept,
and every combination of the two is run for the page's table."""

from __future__ import annotations

import itertools
import threading
import warnings

import torch

from generator.errors import GeneratorError
from generator.kinds.mse.scenario import Legacy, Scenario
from generator.kinds.mse.trace import Caught, FloatMatrix, LegacyRun, Other, Trace
from generator.reader import Matrix
from generator.values import nearest_float

LEGACY_VALUES = (None, True, False)  # each legacy argument: not passed, True, False
# warnings.catch_warnings swaps process-wide state, and the build runs scenarios in threads: one
# legacy criterion at a time, so that two scenarios' catches never restore each other's filters
_WARNINGS_LOCK = threading.Lock()


def _tensor(matrix: Matrix, dtype: str, requires_grad: bool = False) -> torch.Tensor:
    floats = [[nearest_float(v, dtype) for v in row] for row in matrix]
    return torch.tensor(floats, dtype=getattr(torch, dtype), requires_grad=requires_grad)


def _matrix(tensor: torch.Tensor) -> FloatMatrix:
    return tuple(tuple(row) for row in tensor.detach().tolist())


def legacy_criterion(size_average: bool | None, reduce: bool | None) -> tuple[torch.nn.MSELoss, LegacyRun]:
    """nn.MSELoss(size_average=..., reduce=...) with the arguments that are not None, its warnings caught."""
    arguments = {key: value for key, value in (("size_average", size_average), ("reduce", reduce)) if value is not None}
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        criterion = torch.nn.MSELoss(**arguments)  # type: ignore[arg-type]
    seen = tuple((w.category.__name__, str(w.message)) for w in caught)
    return criterion, LegacyRun(size_average, reduce, criterion.reduction, seen)


def legacy_table() -> tuple[LegacyRun, ...]:
    """Every combination of size_average and reduce (each not passed, True or False), run."""
    return tuple(legacy_criterion(a, r)[1] for a, r in itertools.product(LEGACY_VALUES, LEGACY_VALUES))


def _grad(X: torch.Tensor, s: Scenario, how: str) -> FloatMatrix:
    if X.grad is None:
        raise GeneratorError(f"{s.source}: torch left no X.grad after {how}")
    grad = _matrix(X.grad)
    X.grad = None
    return grad


def _scalar(s: Scenario, reduction: str) -> tuple[float, FloatMatrix]:
    X = _tensor(s.X, s.dtype, requires_grad=True)
    loss = torch.nn.MSELoss(reduction=reduction)(X, _tensor(s.Y, s.dtype))
    loss.backward()
    return loss.item(), _grad(X, s, "loss.backward()")


def _none(s: Scenario, criterion: torch.nn.MSELoss) -> tuple[FloatMatrix, FloatMatrix, tuple[Other, ...], Caught]:
    X = _tensor(s.X, s.dtype, requires_grad=True)
    loss = criterion(X, _tensor(s.Y, s.dtype))
    try:
        loss.backward()
    except RuntimeError as error:
        raised: Caught = (type(error).__name__, str(error))
    else:
        raise GeneratorError(f"{s.source}: loss.backward() on the n×d loss of reduction none raised nothing")
    loss.backward(torch.ones_like(loss), retain_graph=True)
    grad = _grad(X, s, "loss.backward(torch.ones_like(loss))")
    mean = loss.mean()
    mean.backward(retain_graph=True)
    mean_grad = _grad(X, s, "loss.mean().backward()")
    total = loss.sum()
    total.backward()
    others = (Other("mean", mean.item(), mean_grad), Other("sum", total.item(), _grad(X, s, "loss.sum().backward()")))
    return _matrix(loss), grad, others, raised


def compute(s: Scenario) -> Trace:
    residual = (_tensor(s.X, s.dtype) - _tensor(s.Y, s.dtype)).detach()
    squares = residual**2
    legacy: LegacyRun | None = None
    table: tuple[LegacyRun, ...] = ()
    criterion = torch.nn.MSELoss(reduction=s.reduction)
    if isinstance(s.legacy, Legacy):
        criterion, legacy = legacy_criterion(s.legacy.size_average, s.legacy.reduce)
        table = legacy_table()
    if criterion.reduction == "none" and s.reduction == "none":
        loss, grad, others, raised = _none(s, criterion)
        return Trace(_matrix(residual), _matrix(squares), squares.sum().item(), loss, grad, others, raised, legacy, table)
    X = _tensor(s.X, s.dtype, requires_grad=True)
    value = criterion(X, _tensor(s.Y, s.dtype))
    value.backward()
    grad = _grad(X, s, "loss.backward()")
    others = tuple(Other(r, *_scalar(s, r)) for r in s.other_reductions)
    return Trace(_matrix(residual), _matrix(squares), squares.sum().item(), value.item(), grad, others, None, legacy, table)
