"""Rigorous bounds on torch's rounding, from the operations it performs (a-posteriori, exact).

The model is IEEE 754's: a basic operation (+, -, *, /) on two floats returns the exact result
rounded to the nearest float, so |fl(z) - z| <= u|z| + eta, with u the unit roundoff (2^-24 for
float32, 2^-53 for float64) and eta half the smallest subnormal (the absolute error where the result
is subnormal; additions never need it). A sum of k terms in any order (any binary tree, pairwise,
blocked, vectorised with several accumulators, with or without fused multiply-adds) is within
gamma(k-1) * sum |t_i| of the exact sum of its terms (Higham, "Accuracy and Stability of Numerical
Algorithms", 2nd ed., section 4.2), gamma(k) = k*u / (1 - k*u).

A `Ball` follows one torch value through its operations: `mid` is the exact result of those
operations applied to torch's own (rounded) inputs, before any rounding, and `rad` bounds how far
torch's float can be from `mid`. Both are exact `Fraction`s, so the bound is computed without any
rounding of its own, and the magnitudes it uses are the actual ones (a-posteriori), not worst cases.
Where an operation's operands are known exactly (rad 0) and its exact result is a float, it cannot
round, whatever kernel runs it: rad stays 0, and the bound of a value torch must get exactly is 0.

The verified bound of a value against the exact value of the scenario's own inputs is then
|mid - exact| + rad: the first term is the effect of rounding the inputs (computed exactly, not
bounded), the second the rounding of the operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from generator.values import nearest_float

PRECISION = {"float32": 24, "float64": 53}  # significand bits
SMALLEST_EXPONENT = {"float32": -149, "float64": -1074}  # the smallest subnormal is 2^this


def unit_roundoff(dtype: str) -> Fraction:
    """u: the largest relative error of one rounding to nearest (2^-24 for float32)."""
    return Fraction(1, 2 ** PRECISION[dtype])


def underflow(dtype: str) -> Fraction:
    """eta: half the smallest subnormal, the largest absolute error of a rounding in the subnormal range."""
    return Fraction(1, 2 ** (1 - SMALLEST_EXPONENT[dtype]))


def gamma(k: int, dtype: str) -> Fraction:
    """gamma(k) = k*u / (1 - k*u): the relative error of k successive roundings."""
    u = unit_roundoff(dtype)
    return k * u / (1 - k * u)


def is_float(value: Fraction, dtype: str) -> bool:
    """Whether `value` is exactly a finite float of `dtype` (so rounding it changes nothing)."""
    try:
        return Fraction(nearest_float(value, dtype)) == value
    except (OverflowError, ValueError):
        return False


@dataclass(frozen=True)
class Ball:
    """Torch's float lies within `rad` of `mid` (see the module's docstring)."""

    mid: Fraction
    rad: Fraction = Fraction(0)

    @property
    def size(self) -> Fraction:
        """The largest |value| torch's float can have."""
        return abs(self.mid) + self.rad

    def bound(self, exact: Fraction) -> float:
        """The verified bound of torch's float against `exact`, rounded up to a float."""
        return up(abs(self.mid - exact) + self.rad)


def up(value: Fraction) -> float:
    """The smallest float >= value (inf past the float range)."""
    try:
        as_float = float(value)
    except OverflowError:
        return math.inf
    return as_float if Fraction(as_float) >= value else math.nextafter(as_float, math.inf)


def exact_input(value: float) -> Ball:
    """A float torch holds exactly: an input it was given, a constant it converted."""
    return Ball(Fraction(value))


def rounded(mid: Fraction, rad: Fraction, dtype: str, product: bool = True) -> Ball:
    """The Ball of one rounding of a result whose exact value (from torch's operands) is within
    `rad` of `mid`. Exact operands and a float result: no rounding at all."""
    if rad == 0 and is_float(mid, dtype):
        return Ball(mid)
    u = unit_roundoff(dtype)
    return Ball(mid, rad + u * (abs(mid) + rad) + (underflow(dtype) if product else 0))


def add(a: Ball, b: Ball, dtype: str) -> Ball:
    return rounded(a.mid + b.mid, a.rad + b.rad, dtype, product=False)


def sub(a: Ball, b: Ball, dtype: str) -> Ball:
    return rounded(a.mid - b.mid, a.rad + b.rad, dtype, product=False)


def mul(a: Ball, b: Ball, dtype: str) -> Ball:
    spread = abs(a.mid) * b.rad + abs(b.mid) * a.rad + a.rad * b.rad
    return rounded(a.mid * b.mid, spread, dtype)


def div(a: Ball, b: Ball, dtype: str) -> Ball:
    """a / b, for a divisor torch holds exactly (a count, beta, delta)."""
    if b.rad != 0 or b.mid == 0:
        raise ValueError("div: the divisor must be a non-zero float torch holds exactly")
    return rounded(a.mid / b.mid, a.rad / abs(b.mid), dtype)


def total(terms: Sequence[Ball], dtype: str) -> Ball:
    """A sum of the terms in an order we do not know: gamma(k-1) * sum |t_i|, plus the terms' own
    spread. Exact terms whose every partial sum, in any order, is a float (all multiples of one
    power of two, and their absolute sum within the significand) add up exactly."""
    mid = sum((t.mid for t in terms), Fraction(0))
    spread = sum((t.rad for t in terms), Fraction(0))
    if spread == 0 and _exact_in_any_order([t.mid for t in terms], dtype):
        return Ball(mid)
    magnitude = sum((t.size for t in terms), Fraction(0))
    return Ball(mid, spread + gamma(max(len(terms) - 1, 0), dtype) * magnitude)


def _exact_in_any_order(values: Sequence[Fraction], dtype: str) -> bool:
    nonzero = [v for v in values if v != 0]
    if not nonzero:
        return True
    # the largest power of two dividing every value: 2^-k where k is the largest denominator exponent
    if any(v.denominator & (v.denominator - 1) for v in nonzero):
        return False  # not dyadic: not a float at all
    exponent = min(_twos(v.numerator) - (v.denominator.bit_length() - 1) for v in nonzero)
    grid = Fraction(2) ** exponent
    if exponent < SMALLEST_EXPONENT[dtype]:
        return False
    return bool(sum((abs(v) for v in nonzero), Fraction(0)) <= grid * 2 ** PRECISION[dtype])


def _twos(n: int) -> int:
    """The exponent of the largest power of two dividing n (n != 0)."""
    n = abs(n)
    return (n & -n).bit_length() - 1


def converted(value: float, dtype: str) -> float:
    """A double constant as a kernel of `dtype` uses it (scalar_t(value)): rounded once more for float32."""
    return nearest_float(Fraction(value), dtype)


def constant(value: Fraction, dtype: str) -> Ball:
    """A constant such as 1/N or 2/N that torch computes and holds in `dtype`: either rounded once
    (computed in the dtype) or twice (computed as a double, then converted, as loss kernels do),
    the two candidates enclosed in one Ball (one point where they agree)."""
    once = Fraction(nearest_float(value, dtype))
    twice = Fraction(converted(nearest_float(value, "float64"), dtype))
    return hull([Ball(once), Ball(twice)])


def hull(balls: Sequence[Ball]) -> Ball:
    """The smallest Ball holding every one of `balls`: torch's value when it is one of them."""
    low = min(b.mid - b.rad for b in balls)
    high = max(b.mid + b.rad for b in balls)
    return Ball((low + high) / 2, (high - low) / 2)


def absolute(a: Ball) -> Ball:
    """|a|: exact (a sign change is not a rounding), and 1-Lipschitz, so the spread carries over."""
    return Ball(abs(a.mid), a.rad)


def negate(a: Ball) -> Ball:
    return Ball(-a.mid, a.rad)
