"""Torch-versus-exact comparison of one value against its verified bound.

The bounds themselves are derived per kind from the operations torch performs
(`generator/rounding.py`, and `kinds/linreg_sgd/propagation.py` for SGD); each kind calls `check`
once per number, and a failure names the scenario, the quantity and both values.
"""

from __future__ import annotations

import math
from fractions import Fraction

from generator.errors import MismatchError
from generator.values import largest_finite, saturated_float


def check(slug: str, quantity: str, torch_value: float, exact: Fraction, bound: float, dtype: str, peak: float = 0.0) -> None:
    """Raise MismatchError unless torch_value is within `bound` of `exact`.

    A non-finite torch value is accepted only where the exact value, or `peak`, the largest
    intermediate torch had to hold on the way to it (a sum of squares before it is divided), plus
    the rounding it may carry, reaches past the dtype's largest finite number: overflow is a true
    outcome, not a bug.
    """
    if not math.isfinite(bound):
        return  # the bound itself overflowed: the run is past the dtype's range, nothing can be asserted
    # past 10**308 taken as infinite, as before (not values.saturated_float, which keeps up to float64's
    # largest, about 1.8e308: that would judge a non-finite torch value more strictly than it always was)
    exact_float = float(exact) if abs(exact) < 10**308 else (math.inf if exact > 0 else -math.inf)
    if not math.isfinite(torch_value):
        if max(abs(exact_float), peak) + bound >= largest_finite(dtype):
            return
        raise MismatchError(
            f"{slug}: {quantity}: torch gave {torch_value} but the exact value {exact_float!r} is finite in {dtype}"
        )
    error = abs(Fraction(torch_value) - exact)
    if error > Fraction(bound):
        raise MismatchError(
            f"{slug}: {quantity}: torch gave {torch_value!r}, exact is {exact} = {exact_float!r}; "
            f"difference {saturated_float(error):.3e} exceeds its verified {dtype} bound {bound:.3e}"
        )
