"""An exact value as the results file holds it, without sympy or flint: a Fraction when it is
rational, else an `Enclosure` [lo, hi] (decimals rounded outward) that contains it.

A torch value v is within its bound b of an enclosed exact value x when every point of [lo, hi] is:
max(|v - lo|, |v - hi|) <= b, decided exactly on the Fractions. That is what the cache's check on
load, `check` and the downloads' self-check use: the proof with arb ran when the value was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from generator.errors import GeneratorError

DIGITS = 30  # significant digits of lo and hi


class UndecidedError(GeneratorError):
    """A question about an exact value that balls of the largest precision could not decide (a
    claimed rounding exactly on a tie sympy could not prove rational): exit 2, naming it."""

    exit_code = 2


@dataclass(frozen=True)
class Enclosure:
    """lo <= the exact value <= hi."""

    lo: Fraction
    hi: Fraction

    @property
    def mid(self) -> Fraction:
        return (self.lo + self.hi) / 2

    @property
    def rad(self) -> Fraction:
        return (self.hi - self.lo) / 2

    def within(self, value: Fraction, bound: Fraction) -> bool:
        """Whether |value - x| <= bound for every x in [lo, hi]."""
        return max(abs(value - self.lo), abs(value - self.hi)) <= bound

    def distance(self, value: Fraction) -> Fraction:
        """|value - mid|: the error of torch's value, as near as the enclosure tells it."""
        return abs(value - self.mid)


Exact = Fraction | Enclosure


FINEST = -400  # lo and hi are multiples of 10^FINEST: a value below any float is not written to its last digit


def outward(mantissa: int, exponent: int, digits: int = DIGITS, up: bool = False) -> str:
    """mantissa * 10^exponent rounded to at most `digits` significant digits and to a multiple of
    10^FINEST, down (up=False) or up, as a decimal: "0.277709103312091200414348192521", "-3.1e-12"."""
    if mantissa and exponent + len(str(abs(mantissa))) < FINEST:  # |value| < 10^FINEST: one step of the grid
        mantissa, exponent = ((1 if mantissa > 0 else 0) if up else (0 if mantissa > 0 else -1)), FINEST
    cut = max(len(str(abs(mantissa))) - digits, FINEST - exponent, 0)
    if cut:
        scale = 10**cut
        mantissa = -((-mantissa) // scale) if up else mantissa // scale
        exponent += cut
    digits_of = tuple(int(ch) for ch in str(abs(mantissa)))
    return str(Decimal((int(mantissa < 0), digits_of, exponent))).replace("E", "e")  # exact: no context rounding


def of_record(data: dict[str, Any]) -> Exact:
    """The exact value of a results record: its "exact" fraction, or its [lo, hi]."""
    if "exact" in data:
        return Fraction(data["exact"])
    return Enclosure(Fraction(data["lo"]), Fraction(data["hi"]))


def within(value: float, exact: Exact, bound: float) -> bool:
    """|value - exact| <= bound, proven (for an enclosure: for every point of it)."""
    if isinstance(exact, Enclosure):
        return exact.within(Fraction(value), Fraction(bound))
    return abs(Fraction(value) - exact) <= Fraction(bound)


def distance(value: float, exact: Exact) -> Fraction:
    """|value - exact|, or |value - mid| for an enclosure (the tightness figures)."""
    if isinstance(exact, Enclosure):
        return exact.distance(Fraction(value))
    return abs(Fraction(value) - exact)


def text(data: dict[str, Any]) -> str:
    """How a message names a record's exact value: "17/6", or the expression with its enclosure."""
    if "exact" in data:
        return str(data["exact"])
    if data["expr"] is None:
        return f"[{data['lo']}, {data['hi']}]"
    return f"{data['expr']} (in [{data['lo']}, {data['hi']}])"
