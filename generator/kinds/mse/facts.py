"""What an mse page states about its run (issue 22), decided from the results' values: whether the
dtype can hold the exact loss, and how torch's printed loss relates to it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from generator.codec import V
from generator.facts import Fact, TorchFact, fact, torch_fact
from generator.values import nearest_float


@dataclass(frozen=True)
class MseFacts:
    """For reduction "none" each fact is about every entry of the loss matrix."""

    loss_representable_in_dtype: Fact  # the exact loss is a number of the dtype: its nearest float is itself
    torch_loss_exact: TorchFact  # torch's loss is the exact loss
    torch_loss_nearest: TorchFact  # torch's loss is the dtype's nearest float to the exact loss (ties to even)


def _representable(loss: V, dtype: str) -> bool:
    nearest = nearest_float(loss.exact, dtype)
    return math.isfinite(nearest) and Fraction(nearest) == loss.exact


def _exact(loss: V) -> bool:
    return math.isfinite(loss.value) and Fraction(loss.value) == loss.exact


def _nearest(loss: V, dtype: str) -> bool:
    return math.isfinite(loss.value) and loss.value == nearest_float(loss.exact, dtype)


def facts(loss: V | tuple[tuple[V, ...], ...], dtype: str) -> MseFacts:
    """The facts of a run whose loss record is `loss` (a matrix of them for "none"), computed in `dtype`."""
    entries = [value for row in loss for value in row] if isinstance(loss, tuple) else [loss]
    return MseFacts(
        loss_representable_in_dtype=fact(all(_representable(e, dtype) for e in entries)),
        torch_loss_exact=torch_fact(all(_exact(e) for e in entries)),
        torch_loss_nearest=torch_fact(all(_nearest(e, dtype) for e in entries)),
    )
