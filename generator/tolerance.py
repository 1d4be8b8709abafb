"""Torch-versus-exact comparison with a tolerance derived from the dtype's machine epsilon.

Every bound below has the form eps * (number of rounding steps) * (magnitude of the operands),
the classic forward-error bound for sums and products (Higham, "Accuracy and Stability of
Numerical Algorithms", ch. 3: a sum of k terms carries at most about k*eps relative to the sum of
the terms' absolute values). Each kind computes the magnitudes of its own quantities and calls
`check` once per number; a failure names the scenario, the quantity and both values.
"""

from __future__ import annotations

import math
from fractions import Fraction

from generator.errors import MismatchError
from generator.values import largest_finite


def check(slug: str, quantity: str, torch_value: float, exact: Fraction, bound: float, dtype: str, peak: float = 0.0) -> None:
    """Raise MismatchError unless torch_value is within `bound` of `exact`.

    A non-finite torch value is accepted only where the exact value, or `peak`, the largest
    intermediate torch had to hold on the way to it (a sum of squares before it is divided), plus
    the rounding it may carry, reaches past the dtype's largest finite number: overflow is a true
    outcome, not a bug.
    """
    if not math.isfinite(bound):
        return  # the bound itself overflowed: the run is past the dtype's range, nothing can be asserted
    exact_float = float(exact) if abs(exact) < 10**308 else math.copysign(math.inf, exact)
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
            f"difference {float(error):.3e} exceeds the {dtype} tolerance {bound:.3e}"
        )
