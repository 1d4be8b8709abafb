"""A torch value and its exact twin as the results file records them (codec.RealV)."""

from __future__ import annotations

import math
from typing import Any

from generator.codec import RealV
from generator.exact import ball, symbolic


def real_value(value: float, expr: Any, bound: float | None) -> RealV:
    """The record of a torch value whose exact twin is `expr`: `exact` when sympy has reduced it
    to a rational, else its text and its enclosure [lo, hi]. A bound that overflowed is None."""
    bound = bound if bound is not None and math.isfinite(bound) else None
    fraction = symbolic.as_fraction(expr)
    if fraction is not None:
        return RealV(value, bound, exact=fraction)
    lo, hi = ball.enclosure(expr)
    return RealV(value, bound, expr=symbolic.text(expr), lo=lo, hi=hi)
