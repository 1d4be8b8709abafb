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

from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any, TypeVar

import flint
import sympy
from flint import arb, ctx

from generator.errors import MismatchError
from generator.exact.enclosure import DIGITS, Enclosure, UndecidedError, decimal_down, decimal_up

WORKING_PRECISION = 128  # bits: the first precision every question is asked at
MAX_PRECISION = 4096  # bits: past this an undecided question is an error
PRECISIONS = (128, 256, 512, 1024, 2048, 4096)
T = TypeVar("T")


def precisions() -> Iterator[int]:
    yield from PRECISIONS


def fraction_ball(value: Fraction) -> Any:
    """The ball of a Fraction at the current precision (exact when it is dyadic and short)."""
    return arb(flint.fmpq(value.numerator, value.denominator))


def exact_fraction(x: Any) -> Fraction:
    """An exact arb number (a midpoint, a radius) as a Fraction, from its mantissa and exponent."""
    mantissa, exponent = x.man_exp()
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def ends(x: Any) -> tuple[Fraction, Fraction]:
    """The ball's lower and upper end, exactly."""
    if not x.is_finite():
        raise UndecidedError(f"an exact value's ball is not finite: {x}")
    mid, rad = exact_fraction(x.mid()), exact_fraction(x.rad())
    return mid - rad, mid + rad


def enclose(expr: Any, precision: int = WORKING_PRECISION) -> Any:
    """An arb ball at `precision` bits that contains the value of `expr`."""
    with ctx.workprec(precision):
        ball = _evaluate(expr)
    if not ball.is_finite():
        raise UndecidedError(f"{expr}: its ball at {precision} bits is not finite (a log of 0 or less?)")
    return ball


def _evaluate(expr: Any) -> Any:
    if isinstance(expr, sympy.Rational):
        return fraction_ball(Fraction(int(expr.p), int(expr.q)))
    if expr is sympy.E:
        return arb(1).exp()
    if isinstance(expr, sympy.Add):
        result = arb(0)
        for term in expr.args:
            result = result + _evaluate(term)
        return result
    if isinstance(expr, sympy.Mul):
        result = arb(1)
        for factor in expr.args:
            result = result * _evaluate(factor)
        return result
    if isinstance(expr, sympy.Pow):
        return _power(_evaluate(expr.base), expr.exp, expr)
    if isinstance(expr, sympy.exp):
        return _evaluate(expr.args[0]).exp()
    if isinstance(expr, sympy.log):
        argument = _evaluate(expr.args[0])
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


def decide(question: Callable[[int], T | None], what: str) -> T:
    """The answer of `question(precision)` at the first precision where it is not None; an
    UndecidedError naming `what` past MAX_PRECISION."""
    for precision in precisions():
        answer = question(precision)
        if answer is not None:
            return answer
    raise UndecidedError(f"{what}: undecided with balls of {MAX_PRECISION} bits; the value may be exactly on the edge")


def enclosure(expr: Any) -> Enclosure:
    """[lo, hi] as the results file keeps them: DIGITS significant digits, lo rounded down and hi up,
    from a ball narrow enough that the digits mean something."""

    def narrow(precision: int) -> Enclosure | None:
        low, high = ends(enclose(expr, precision))
        scale = max(abs(low), abs(high))
        if scale and (high - low) > scale * Fraction(1, 10 ** (DIGITS + 2)) and precision < MAX_PRECISION:
            return None
        return Enclosure(Fraction(decimal_down(low)), Fraction(decimal_up(high)))

    return decide(narrow, str(expr))


def prove_within(where: str, value: float, expr: Any, bound: float) -> None:
    """Return when |value - exact| <= bound is proven; raise MismatchError when it is certainly false."""

    def within(precision: int) -> bool | None:
        exact = enclose(expr, precision)
        with ctx.workprec(precision):
            distance = abs(arb(value) - exact)
            if distance <= arb(bound):
                return True
            if distance > arb(bound):
                return False
        return None

    if not decide(within, where):
        low, high = ends(enclose(expr))
        raise MismatchError(f"{where}: torch gave {value!r}, exact is {expr} (in [{float(low)!r}, {float(high)!r}]); "
                            f"the difference exceeds its verified bound {bound:.3e}")


def rounded(expr: Any, places: int) -> Fraction:
    """The exact value rounded to `places` decimal places, half away from zero, decided with balls
    (the value must not be a tie at that place: a rational one is rounded as a Fraction instead)."""

    def digits(precision: int) -> Fraction | None:
        x = enclose(expr, precision)
        with ctx.workprec(precision):
            if not (x > 0 or x < 0):
                return None
            scaled = abs(x) * arb(10) ** places + arb(1) / 2
            whole = scaled.floor().unique_fmpz()
        if whole is None:
            return None
        magnitude = Fraction(int(whole), 10**places)
        return magnitude if x > 0 else -magnitude

    return decide(digits, f"{expr} rounded to {places} decimal places")
