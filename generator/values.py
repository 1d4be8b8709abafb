"""Exact numbers as authors write them, and the floats torch gets from them."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction

DTYPES = ("float32", "float64")
MAX_MAGNITUDE = 10**12  # |value| at most this, so squares and products stay far inside float32
MAX_DENOMINATOR = 10**12  # at most 12 decimal places, or a fraction p/q with q at most this


class InvalidNumberError(ValueError):
    """A scenario value that is not a finite exact number; the message says what it is."""


MAX_STRING = 200  # characters in a number written as a string
SHOWN = 40  # characters of a long value that a message echoes
TOO_LARGE = "is too large; numbers must lie within ±10^12"
TOO_FINE = "is too fine; use at most 12 decimal places (or a fraction p/q with q ≤ 10^12)"


class ScientificDecimal(Decimal):
    """A TOML float written with an exponent (2.5e-3): the same value, marked so that a claim,
    which is judged by the digits it shows, can refuse it."""


def toml_float(text: str) -> Decimal:
    """tomllib's parse_float: the exact decimal written, never a binary float."""
    return ScientificDecimal(text) if "e" in text.lower() else Decimal(text)


# The one grammar of a number written as a string, for every number field and every claim:
# ASCII digits only (Decimal and Fraction would take "٢" and "1_0"), optional sign, a decimal with
# an optional exponent, or a fraction p/q of whole numbers; spaces around it are ignored.
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
FRACTION = re.compile(r"[+-]?[0-9]+/[0-9]+")


def shorten(text: str) -> str:
    """At most SHOWN characters of a value, for a message."""
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def parse_exact(raw: object) -> Fraction:
    """The exact value an author wrote: an integer, a TOML float (read as Decimal), or a string.

    Strings hold an exact decimal or fraction: "0.1" is 1/10, "-1/3" is -1/3, "2.5e-3" is 1/400.
    The limits are checked on the exponent and the digits before any big number is built, so a
    short input such as "1e-99999999" is refused at once instead of building 10^99999999.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        if abs(raw) > MAX_MAGNITUDE:
            raise InvalidNumberError(f"{shorten(str(raw))} {TOO_LARGE}")
        return Fraction(raw)
    if isinstance(raw, float):
        raw = Decimal(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise InvalidNumberError(f"expected a finite number, got {raw}")
        return _decimal(raw, shorten(str(raw)))
    if isinstance(raw, str):
        return _parse_string(raw)
    raise InvalidNumberError(f"expected a number, got {describe(raw)}")


def _decimal(value: Decimal, shown: str) -> Fraction:
    """The exact value of a finite Decimal, refused by its exponent and digits before it is built."""
    sign, digits, exponent = value.as_tuple()
    significant = "".join(map(str, digits)).lstrip("0")
    if not significant:
        return Fraction(0)
    exponent = int(exponent)  # a finite Decimal's exponent is an int
    trailing = len(significant) - len(significant.rstrip("0"))
    if exponent + len(significant) - 1 > 12:  # the leading digit's place
        raise InvalidNumberError(f"{shown} {TOO_LARGE}")
    if exponent + trailing < -12:  # the last non-zero digit's place
        raise InvalidNumberError(f"{shown} {TOO_FINE}")
    return _within_limits(Fraction(value), shown)


def _within_limits(value: Fraction, shown: str) -> Fraction:
    if abs(value) > MAX_MAGNITUDE:
        raise InvalidNumberError(f"{shown} {TOO_LARGE}")
    if value.denominator > MAX_DENOMINATOR:
        raise InvalidNumberError(f"{shown} {TOO_FINE}")
    return value


def _parse_string(text: str) -> Fraction:
    shown = repr(shorten(text))
    if len(text) > MAX_STRING:
        raise InvalidNumberError(f"number string {shown} is longer than {MAX_STRING} characters")
    hint = 'write an integer, a decimal such as "0.1" or a fraction such as "-1/3"'
    not_a_number = InvalidNumberError(f"{shown} is not a number; {hint}")
    if "_" in text:
        raise InvalidNumberError(f"{shown} holds '_'; write the digits without separators ({hint})")
    if not (DECIMAL.fullmatch(text.strip()) or FRACTION.fullmatch(text.strip())):
        raise InvalidNumberError(f"{shown} is not a number; {hint}, in the digits 0-9")
    if "/" in text:
        try:
            value = Fraction(text.strip())  # p/q: whole numbers only, at most 200 characters
        except ZeroDivisionError:
            raise InvalidNumberError(f"{shown} divides by zero") from None
        except ValueError:
            raise not_a_number from None
        return _within_limits(value, shown)
    try:
        decimal = Decimal(text.strip())
    except ArithmeticError:  # decimal.InvalidOperation
        raise not_a_number from None
    if not decimal.is_finite():
        raise not_a_number
    return _decimal(decimal, shown)


def describe(raw: object) -> str:
    """How an error message names a value of the wrong type."""
    if isinstance(raw, bool):
        return f"a boolean ({str(raw).lower()})"
    if isinstance(raw, dict):
        return "a table"
    if isinstance(raw, list):
        return "an array"
    if isinstance(raw, str):
        shown = raw if len(raw) <= 30 else raw[:27] + "..."
        return f"a string ({shown!r})"
    return f"a number ({raw})"


FLOAT32_MAX = float((2**24 - 1) * 2**104)
FLOAT32_OVERFLOW = 2**128 - 2**103  # float32's largest value and half its last step: from here on, ties to even give inf


def nearest_float(value: Fraction, dtype: str) -> float:
    """The float of `dtype` nearest to `value` (ties to even), returned as a Python float.

    float(Fraction) is correctly rounded for float64. For float32, rounding that double again is
    right unless the double is exactly halfway between two float32s: a float32 midpoint strictly
    between `value` and its double would be a double nearer to `value` (midpoints have 25
    significant bits). Only then, when rounding twice could go wrong, are the neighbours compared
    exactly.
    """
    as_double = float(value)
    if dtype == "float64":
        return as_double
    if abs(as_double) >= FLOAT32_OVERFLOW:  # at the threshold itself the double may have rounded up to it
        return math.copysign(math.inf if abs(value) >= FLOAT32_OVERFLOW else FLOAT32_MAX, as_double)
    import numpy as np  # only where a float32 is rounded: loading and rendering need no numpy
    single = np.float32(as_double)
    rounded = float(single)
    if rounded == as_double:
        return rounded
    beyond = float(np.nextafter(single, np.float32(np.inf if as_double > rounded else -np.inf)))
    if (rounded + beyond) / 2 != as_double:  # exact in float64: both are float32s
        return rounded
    candidates = [np.nextafter(single, np.float32(-np.inf)), single, np.nextafter(single, np.float32(np.inf))]
    finite = [c for c in candidates if np.isfinite(c)]
    best = min(finite, key=lambda c: (abs(Fraction(float(c)) - value), int(c.view(np.uint32)) & 1))
    return float(best)


def saturated_float(value: Fraction) -> float:
    """value as a float, +-inf past the float range (float() raises OverflowError there, and so does
    math.copysign(math.inf, value), which converts value first)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def float_literal(value: float, dtype: str) -> str:
    """The shortest Python literal that reaches exactly `value` in `dtype` when torch reads it.

    torch.tensor([...], dtype=float32) parses the literal as a double and then rounds to float32,
    so the shortest float32 repr is used only when that double rounding gives the same value.
    """
    if dtype == "float64" or not math.isfinite(value):
        text = repr(value)
    else:
        import numpy as np

        short = np.format_float_positional(np.float32(value), unique=True, trim="-")
        text = short if float(np.float32(float(short))) == value else repr(value)
    if "." not in text and "e" not in text and "inf" not in text and "nan" not in text:
        text += ".0"
    return text


SAFE_INT_DIGITS = 4300  # Python's default limit on reading decimal integers: what TOML input gets


@contextmanager
def int_digits(limit: int) -> Iterator[None]:
    """Python's limit on int <-> decimal string conversion, for a scope: the default for reading
    what a person wrote, none (0) for exact values the generator computed, which may be long."""
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(limit)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


def fraction_text(value: Fraction) -> str:
    """The results file's exact form: Python's str(Fraction), "17/6", "-1/3", "2"."""
    return str(value)


EPSILON = {"float32": 2.0**-23, "float64": 2.0**-52}  # numpy.finfo(...).eps
LARGEST = {"float32": (2 - 2.0**-23) * 2.0**127, "float64": sys.float_info.max}  # numpy.finfo(...).max


def machine_epsilon(dtype: str) -> float:
    return EPSILON[dtype]


def largest_finite(dtype: str) -> float:
    return LARGEST[dtype]
