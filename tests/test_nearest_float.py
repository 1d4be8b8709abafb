"""values.nearest_float against an oracle written with integers alone: the float32 nearest to an
exact Fraction, ties to even, including the values whose nearest double is a float32 midpoint
(rounding through float64 would round twice there)."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from generator.values import nearest_float

OVERFLOW = F(2) ** 128 - F(2) ** 103  # float32 largest finite value and half its last step: ties to even give inf (written again, not imported)


def oracle(value: F) -> float:
    """The nearest float32 to `value`, by integer arithmetic on its binary exponent."""
    if value == 0:
        return 0.0
    sign, size = (-1.0 if value < 0 else 1.0), abs(value)
    exponent = size.numerator.bit_length() - size.denominator.bit_length()
    if F(2) ** exponent > size:
        exponent -= 1
    step = F(2) ** (max(exponent, -126) - 23)  # the spacing of float32s there (subnormals: 2**-149)
    steps, rest = divmod(size, step)
    if rest > step / 2 or (rest == step / 2 and steps % 2 == 1):
        steps += 1
    rounded = steps * step
    return sign * (math.inf if rounded >= OVERFLOW else float(rounded))


def same(a: float, b: float) -> bool:
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def midpoint_neighbours() -> st.SearchStrategy[F]:
    """Just above, at or just below the midpoint of two neighbouring float32s: nearest double the midpoint."""
    singles = st.floats(width=32, allow_nan=False, allow_infinity=False).filter(lambda x: abs(x) < 3e38)

    def near(x: float, up: bool, shift: int, side: int) -> F:
        single = np.float32(x)
        other = np.nextafter(single, np.float32(np.inf if up else -np.inf))
        middle = (F(float(single)) + F(float(other))) / 2
        return middle + side * abs(middle) / F(2) ** shift if middle else middle

    return st.builds(near, singles, st.booleans(), st.integers(60, 400), st.sampled_from([-1, 0, 1]))


@given(st.fractions() | midpoint_neighbours())
def test_nearest_float32_is_the_nearest(value):
    assert same(nearest_float(value, "float32"), oracle(value)), value


def test_a_value_just_past_a_midpoint_is_rounded_once():
    middle = (F(1) + F(1) + F(2) ** -23) / 2  # halfway between 1 and the next float32
    above, below = middle + F(1, 2**80), middle - F(1, 2**80)
    assert float(above) == float(middle) == float(below)  # one double for all three: rounding it again would tie
    assert nearest_float(above, "float32") == 1 + 2.0**-23
    assert nearest_float(below, "float32") == nearest_float(middle, "float32") == 1.0  # the tie: to even
    assert nearest_float(OVERFLOW, "float32") == math.inf and nearest_float(OVERFLOW - 1, "float32") < math.inf
