"""An exact value as the results file holds it, without sympy or flint: a Fraction when it is
rational, else an `Enclosure` [lo, hi] (decimals rounded outward) that contains it.

A torch value v is within its bound b of an enclosed exact value x when every point of [lo, hi] is:
max(|v - lo|, |v - hi|) <= b, decided exactly on the Fractions. That is what the cache's check on
load, `check` and the downloads' self-check use: the proof with arb ran when the value was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from fractions import Fraction
from typing import Any

from generator.errors import GeneratorError
from generator.values import int_digits

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


def decimal_down(value: Fraction, digits: int = DIGITS) -> str:
    """The largest decimal of `digits` significant digits at or below `value`."""
    return _decimal(value, digits, ROUND_FLOOR)


def decimal_up(value: Fraction, digits: int = DIGITS) -> str:
    """The smallest decimal of `digits` significant digits at or above `value`."""
    return _decimal(value, digits, ROUND_CEILING)


def _decimal(value: Fraction, digits: int, rounding: str) -> str:
    context = Context(prec=digits, rounding=rounding, Emax=10**9, Emin=-(10**9))
    with int_digits(0):  # a ball's end points may have hundreds of digits (exp(1000))
        quotient = context.divide(Decimal(value.numerator), Decimal(value.denominator))
    return str(quotient).replace("E", "e")


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
    return f"{data['expr']} (in [{data['lo']}, {data['hi']}])"
