"""The proof: python-flint `arb` balls that certainly contain an exact value.

`enclose(expr, precision)` evaluates a sympy expression (rationals, +, *, integer powers, sqrt, exp,
log) in ball arithmetic at `precision` bits: the ball it returns contains the exact value, whatever
the precision (a low precision only makes it wider). Every question asked of a ball is asked so that
True means "certainly": a comparison of two balls that overlap is False both ways, so an undecided
question is answered by raising the precision (`PRECISIONS`, up to MAX_PRECISION bits) and asking
again, and past the cap by an error that says so, never by a guess.

The traps of arb this module avoids: `x**2` of a ball holding 0 is nan (powers are products here);
log of a ball reaching 0 or below is nan (every result is checked finite); a ball's end points are
read exactly (mantissa and exponent of its midpoint and radius), never through printed decimals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, TypeVar

import flint
import sympy
from flint import arb, ctx

from generator.errors import MismatchError
from generator.exact.enclosure import DIGITS, UndecidedError, outward
from generator.rounding import up

WORKING_PRECISION = 128  # bits: the first precision every question is asked at
MAX_PRECISION = 4096  # bits: past this an undecided question is an error
PRECISIONS = (128, 256, 512, 1024, 2048, 4096)
T = TypeVar("T")


_LOCK = threading.RLock()


@contextmanager
def working(precision: int) -> Iterator[None]:
    """arb's precision for a scope. python-flint's precision is one setting for the process, and a
    build runs scenarios in threads: the lock keeps one thread's precision from changing another's
    (which made bounds differ in their last digits between runs)."""
    with _LOCK, ctx.workprec(precision):
        yield


def precisions() -> Iterator[int]:
    yield from PRECISIONS


def fraction_ball(value: Fraction) -> Any:
    """The ball of a Fraction at the current precision (exact when it is dyadic and short)."""
    return arb(flint.fmpq(value.numerator, value.denominator))


def exact_fraction(x: Any) -> Fraction:
    """An exact arb number (a midpoint, a radius) as a Fraction, from its mantissa and exponent."""
    mantissa, exponent = x.man_exp()
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def ends(x: Any, digits: int = DIGITS) -> tuple[str, str]:
    """Decimals of at most `digits` significant digits that enclose the ball, rounded outward, from
    its exact decimal mantissas and exponent (never through printed text)."""
    if not x.is_finite():
        raise UndecidedError(f"an exact value's ball is not finite: {x}")
    mid, rad, exponent = (int(part) for part in x.mid_rad_10exp(digits + 5))
    return outward(mid - rad, exponent, digits, up=False), outward(mid + rad, exponent, digits, up=True)


def upper_float(x: Any) -> float:
    """The smallest float at or above every |value| in the ball (the smallest subnormal for a
    positive upper end below the float range, which no bound needs to tell apart)."""
    mantissa, exponent = (int(part) for part in x.abs_upper().man_exp())
    if mantissa == 0:
        return 0.0
    if exponent + mantissa.bit_length() < -1100:
        return 5e-324
    return up(Fraction(mantissa) * Fraction(2) ** exponent)


def enclose(expr: Any, precision: int = WORKING_PRECISION) -> Any:
    """An arb ball at `precision` bits that contains the value of `expr`."""
    with working(precision):
        ball = _evaluate(expr, {})
    if not ball.is_finite():
        raise UndecidedError(f"{expr}: its ball at {precision} bits is not finite (a log of 0 or less?)")
    return ball


def _evaluate(expr: Any, memo: dict[Any, Any]) -> Any:
    """The ball of `expr`; `memo` holds those of its subexpressions already evaluated (a softmax's
    denominator appears in every entry of its row)."""
    if expr in memo:
        return memo[expr]
    memo[expr] = result = _evaluate_new(expr, memo)
    return result


def _evaluate_new(expr: Any, memo: dict[Any, Any]) -> Any:
    if isinstance(expr, sympy.Rational):
        return fraction_ball(Fraction(int(expr.p), int(expr.q)))
    if expr is sympy.E:
        return arb(1).exp()
    if isinstance(expr, sympy.Add):
        result = arb(0)
        for term in expr.args:
            result = result + _evaluate(term, memo)
        return result
    if isinstance(expr, sympy.Mul):
        result = arb(1)
        for factor in expr.args:
            result = result * _evaluate(factor, memo)
        return result
    if isinstance(expr, sympy.Pow):
        return _power(_evaluate(expr.base, memo), expr.exp, expr)
    if isinstance(expr, sympy.exp):
        return _evaluate(expr.args[0], memo).exp()
    if isinstance(expr, sympy.log):
        argument = _evaluate(expr.args[0], memo)
        if not argument > 0:
            raise UndecidedError(f"{expr}: its argument's ball {argument} is not certainly positive")
        return argument.log()
    raise TypeError(f"ball: no rule for {expr!r} ({type(expr).__name__})")


def _power(base: Any, exponent: Any, expr: Any) -> Any:
    if exponent == sympy.Rational(1, 2):
        return base.sqrt()
    if exponent == sympy.Rational(-1, 2):
        return 1 / base.sqrt()
    if not isinstance(exponent, sympy.Integer):
        raise TypeError(f"ball: no rule for the power {expr}")
    n = abs(int(exponent))
    result = arb(1)
    for _ in range(n):  # a product, never x**2: arb's power of a ball holding 0 is nan
        result = result * base
    return 1 / result if int(exponent) < 0 else result


def certainly_differs(x: Any, value: Fraction, precision: int) -> bool:
    """Whether the ball certainly excludes `value`."""
    with working(precision):
        point = fraction_ball(value)
        return bool(x < point or x > point)


def decide(question: Callable[[int], T | None], what: str) -> T:
    """The answer of `question(precision)` at the first precision where it is not None; an
    UndecidedError naming `what` past MAX_PRECISION."""
    for precision in precisions():
        answer = question(precision)
        if answer is not None:
            return answer
    raise UndecidedError(f"{what}: undecided with balls of {MAX_PRECISION} bits; the value may be exactly on the edge")


def enclosure(expr: Any) -> tuple[str, str]:
    """lo and hi as the results file keeps them: DIGITS significant digits, lo rounded down and hi
    up, from a ball narrow enough that the digits mean something."""

    def narrow(precision: int) -> tuple[str, str] | None:
        x = enclose(expr, precision)
        if x.rel_accuracy_bits() < 4 * DIGITS and precision < MAX_PRECISION:
            return None
        return ends(x)

    return decide(narrow, str(expr))


def prove_within(where: str, value: float, expr: Any, bound: float) -> None:
    """Return when |value - exact| <= bound is proven; raise MismatchError when it is certainly false."""

    def within(precision: int) -> bool | None:
        exact = enclose(expr, precision)
        with working(precision):
            distance = abs(arb(value) - exact)
            if distance <= arb(bound):
                return True
            if distance > arb(bound):
                return False
        return None

    if not decide(within, where):
        low, high = ends(enclose(expr), 17)
        raise MismatchError(f"{where}: torch gave {value!r}, exact is {expr} (in [{low}, {high}]); "
                            f"the difference exceeds its verified bound {bound:.3e}")


def rounded(expr: Any, places: int) -> Fraction:
    """The exact value rounded to `places` decimal places, half away from zero, decided with balls
    (the value must not be a tie at that place: a rational one is rounded as a Fraction instead)."""

    def digits(precision: int) -> Fraction | None:
        x = enclose(expr, precision)
        with working(precision):
            if not (x > 0 or x < 0):
                return None
            scaled = abs(x) * arb(10) ** places + arb(1) / 2
            whole = scaled.floor().unique_fmpz()
        if whole is None:
            return None
        magnitude = Fraction(int(whole), 10**places)
        return magnitude if x > 0 else -magnitude

    return decide(digits, f"{expr} rounded to {places} decimal places")


def below(a: Any, b: Any) -> bool | None:
    """True when a < b is proven, False when a > b is, None when no precision up to the cap tells
    them apart (equal, or too close to tell)."""
    for precision in precisions():
        x, y = enclose(a, precision), enclose(b, precision)
        with working(precision):
            if x < y:
                return True
            if x > y:
                return False
    return None


def apart(a: Any, b: Any) -> bool:
    """Whether two exact values are proven different (their balls disjoint at some precision up to
    the cap); False when no precision tells them apart (equal, or too close to tell)."""
    return below(a, b) is not None
