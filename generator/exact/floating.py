"""Torch's float arithmetic as balls: every value a kernel computes, with all the values its
roundings allow, in arb (the bounds of kinds whose exact values are irrational).

A ball here starts from torch's own inputs (floats, exact) and each operation widens its result by
the most one rounding can move it: u|z| (+ eta for a product or quotient, which may land among the
subnormals) for + - * /, ELEMENTARY_ULPS ulps (+ the smallest normal, for a kernel that flushes
subnormals to zero) for exp and log, and gamma(k-1) * sum |t_i| for a sum of k terms in an order
we do not know (generator/rounding.py's model). Where the operands are exact and the result is a
float of the dtype, nothing is added. So torch's float, whatever order and vector width its kernel
uses, lies in the ball; the verified bound against the scenario's exact value (a sympy expression
of the exact inputs) is the largest |ball - exact|, computed with arb and rounded up to a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from flint import arb

from generator import rounding
from generator.exact import ball

# Sleef's exp and log (ATen's vectorised kernels) and glibc's are within 1 ulp; 2 ulps leave room
# for a kernel we did not read. An ulp is at most 2u relative.
ELEMENTARY_ULPS = 2
SMALLEST_NORMAL = {"float32": Fraction(1, 2**126), "float64": Fraction(1, 2**1022)}


class Floats:
    """The ball arithmetic of one dtype, at the working precision."""

    def __init__(self, dtype: str, precision: int = ball.WORKING_PRECISION) -> None:
        self.dtype = dtype
        self.precision = precision
        with ball.working(precision):
            self.u = ball.fraction_ball(rounding.unit_roundoff(dtype))
            self.eta = ball.fraction_ball(rounding.underflow(dtype))
            self.tiny = ball.fraction_ball(SMALLEST_NORMAL[dtype])

    def exact(self, value: float | Fraction) -> Any:
        """A float torch holds exactly (an input, a constant it converted)."""
        with ball.working(self.precision):
            return ball.fraction_ball(Fraction(value))

    def _round(self, z: Any, relative: Any, absolute: Any) -> Any:
        if z.is_exact() and rounding.is_float(ball.exact_fraction(z), self.dtype):
            return z
        return z + arb(0, z.abs_upper() * relative + absolute)

    def add(self, a: Any, b: Any) -> Any:
        with ball.working(self.precision):
            return self._round(a + b, self.u, 0)

    def sub(self, a: Any, b: Any) -> Any:
        with ball.working(self.precision):
            return self._round(a - b, self.u, 0)

    def mul(self, a: Any, b: Any) -> Any:
        with ball.working(self.precision):
            return self._round(a * b, self.u, self.eta)

    def div(self, a: Any, b: Any) -> Any:
        with ball.working(self.precision):
            if not (b > 0 or b < 0):
                raise ValueError("floating.div: a divisor whose ball holds 0")
            return self._round(a / b, self.u, self.eta)

    def exp(self, a: Any) -> Any:
        with ball.working(self.precision):
            return self._round(a.exp(), self.u * 2 * ELEMENTARY_ULPS, self.tiny)

    def log(self, a: Any) -> Any:
        with ball.working(self.precision):
            if not a > 0:
                raise ValueError("floating.log: an argument whose ball is not certainly positive")
            return self._round(a.log(), self.u * 2 * ELEMENTARY_ULPS, self.tiny)

    def maximum(self, row: Sequence[Any]) -> Any:
        """The row's largest float, for balls: every value it can take (torch's max is exact)."""
        with ball.working(self.precision):
            low = max((x.lower() for x in row), key=ball.exact_fraction)
            high = max((x.upper() for x in row), key=ball.exact_fraction)
            return arb.union(low, high)

    def neg(self, a: Any) -> Any:
        return -a

    def total(self, terms: Sequence[Any]) -> Any:
        """A sum in an order we do not know: gamma(k-1) * sum |t_i| (exact when every term is a
        float and every partial sum, in any order, is one)."""
        with ball.working(self.precision):
            result, magnitude = arb(0), arb(0)
            for term in terms:
                result += term
                magnitude += term.abs_upper()
            if all(term.is_exact() for term in terms) and rounding._exact_in_any_order(
                    [ball.exact_fraction(term) for term in terms], self.dtype):
                return result
            k = max(len(terms) - 1, 0)
            gamma = ball.fraction_ball(rounding.gamma(k, self.dtype)) if k else arb(0)
            return result + arb(0, magnitude * gamma)

    def bound(self, computed: Any, exact: Any) -> float:
        """The verified bound: the largest |torch - exact| over the ball of torch's values and the
        ball of the exact value, rounded up to a float."""
        with ball.working(self.precision):
            return ball.upper_float(computed - exact)
