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
    loss_representable_in_dtype: Fact  # the exact loss is a number of the dtype: its nearest float is itself
    torch_loss_exact: TorchFact  # torch's loss is the exact loss
    torch_loss_nearest: TorchFact  # torch's loss is the dtype's nearest float to the exact loss (ties to even)


def facts(loss: V, dtype: str) -> MseFacts:
    """The facts of a run whose loss record is `loss`, computed in `dtype`."""
    nearest = nearest_float(loss.exact, dtype)
    torch_value = Fraction(loss.value) if math.isfinite(loss.value) else None
    return MseFacts(
        loss_representable_in_dtype=fact(math.isfinite(nearest) and Fraction(nearest) == loss.exact),
        torch_loss_exact=torch_fact(torch_value == loss.exact),
        torch_loss_nearest=torch_fact(torch_value is not None and loss.value == nearest),
    )
