"""What a cross-entropy page states about its run, decided from exact values (or, marked torch,
from torch's floats)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from generator.facts import At, Fact, TorchFact, at, fact, torch_fact


@dataclass(frozen=True)
class CrossEntropyFacts:
    rows_ignored: At  # rows (from 1) whose target is ignore_index: they add nothing, to the loss or its denominator
    weight_sum_differs_from_rows: Fact  # the mean's denominator (sum of target weights) is not the number of rows it counts
    weight_cancels: Fact  # mean over one counted row with class weights: w / w, the weight has no effect (pytorch#50528)
    nll_equals_cross_entropy: TorchFact  # torch's NLLLoss(log_softmax) is bit for bit its CrossEntropyLoss
    pitfall_loss_differs: Fact  # softmax before CrossEntropyLoss gives another loss (proven with balls)
    pitfall_grad_differs: Fact  # ... and another logits.grad in some entry
    naive_overflows: TorchFact  # exp(x) / exp(x).sum() of the shifted row gives inf or nan in torch
    stable_is_finite: TorchFact  # torch.softmax of the shifted row is finite
    shift_changes_nothing: Fact  # x - max of the shifted row equals x - max of the first row, entry by entry


def decide(*, ignored: list[int], weight_sum_differs: bool, weight_cancels: bool, nll_same: bool,
           pitfall_loss_differs: bool, pitfall_grad_differs: bool, naive: tuple[float, ...], stable: tuple[float, ...],
           shift_changes_nothing: bool) -> CrossEntropyFacts:
    return CrossEntropyFacts(
        rows_ignored=at(ignored),
        weight_sum_differs_from_rows=fact(weight_sum_differs),
        weight_cancels=fact(weight_cancels),
        nll_equals_cross_entropy=torch_fact(nll_same),
        pitfall_loss_differs=fact(pitfall_loss_differs),
        pitfall_grad_differs=fact(pitfall_grad_differs),
        naive_overflows=torch_fact(not all(math.isfinite(v) for v in naive)),
        stable_is_finite=torch_fact(all(math.isfinite(v) for v in stable)),
        shift_changes_nothing=fact(shift_changes_nothing),
    )


def same_floats(a: Any, b: Any) -> bool:
    """Bit for bit: the same floats (repr tells -0.0 from 0.0)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_floats(x, y) for x, y in zip(a, b))
    return isinstance(a, float) and isinstance(b, float) and repr(a) == repr(b)
