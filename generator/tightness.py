"""How tight the verified bounds are: bound ÷ |torch − exact| over every torch value of a results
file whose error is not zero (a value torch got exactly says nothing about its bound). `make bench`
prints these figures and a test keeps them from sliding back to vacuous bounds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.exact import enclosure
from generator.results import records_in


def ratios(results: dict[str, Any]) -> list[float]:
    """bound ÷ |value − exact| for each compared value with a non-zero error."""
    found = []
    for record in records_in(results):
        value, bound = record["value"], record["bound"]
        if bound is None or not isinstance(value, float | int) or not math.isfinite(value):
            continue
        error = enclosure.distance(value, enclosure.of_record(record))
        if error:
            found.append(bound / float(error))
    return found


@dataclass(frozen=True)
class Tightness:
    count: int
    median: float
    p90: float
    p99: float
    largest: float

    def __str__(self) -> str:
        return (f"{self.count} values: median {self.median:,.1f}, p90 {self.p90:,.1f}, "
                f"p99 {self.p99:,.1f}, max {self.largest:,.1f}")


def summary(values: Sequence[float]) -> Tightness:
    """The median, 90th and 99th percentiles (nearest rank) and the largest of the ratios."""
    ordered = sorted(values)
    if not ordered:
        return Tightness(0, 0.0, 0.0, 0.0, 0.0)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))]

    return Tightness(len(ordered), rank(0.5), rank(0.9), rank(0.99), ordered[-1])
