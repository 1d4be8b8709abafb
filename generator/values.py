"""Exact numbers as authors write them, and the floats torch gets from them."""

from __future__ import annotations

import math
import sys
from decimal import Decimal
from fractions import Fraction

DTYPES = ("float32", "float64")
MAX_MAGNITUDE = 10**12  # |value| at most this, so squares and products stay far inside float32
MAX_DENOMINATOR = 10**12  # at most 12 decimal places, or a fraction p/q with q at most this


class InvalidNumberError(ValueError):
    """A scenario value that is not a finite exact number; the message says what it is."""


def parse_exact(raw: object) -> Fraction:
    """The exact value an author wrote: an integer, a TOML float (read as Decimal), or a string.

    Strings hold an exact decimal or fraction: "0.1" is 1/10, "-1/3" is -1/3, "2.5e-3" is 1/400.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        return _within_limits(Fraction(raw), str(raw))
    if isinstance(raw, (Decimal, float)):
        if not math.isfinite(raw):
            raise InvalidNumberError(f"expected a finite number, got {raw}")
        return _within_limits(Fraction(raw), str(raw))
    if isinstance(raw, str):
        return _within_limits(_parse_string(raw), repr(raw))
    raise InvalidNumberError(f"expected a number, got {describe(raw)}")


def _within_limits(value: Fraction, shown: str) -> Fraction:
    if abs(value) > MAX_MAGNITUDE:
        raise InvalidNumberError(f"{shown} is too large; numbers must lie within ±10^12")
    if value.denominator > MAX_DENOMINATOR:
        raise InvalidNumberError(f"{shown} is too fine; use at most 12 decimal places (or a fraction p/q with q ≤ 10^12)")
    return value


def _parse_string(text: str) -> Fraction:
    shown = text if len(text) <= 40 else text[:37] + "..."
    if len(text) > 200:
        raise InvalidNumberError(f"number string {shown!r} is longer than 200 characters")
    try:
        value = Fraction(text.strip())
    except ZeroDivisionError:
        raise InvalidNumberError(f"{shown!r} divides by zero") from None
    except ValueError:
        hint = 'write an integer, a decimal such as "0.1" or a fraction such as "-1/3"'
        raise InvalidNumberError(f"{shown!r} is not a number; {hint}") from None
    return value


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


def nearest_float(value: Fraction, dtype: str) -> float:
    """The float of `dtype` nearest to `value` (ties to even), returned as a Python float.

    float(Fraction) is correctly rounded for float64; for float32, rounding through float64 first
    can round twice, so the neighbours are compared exactly.
    """
    as_double = float(value)
    if dtype == "float64":
        return as_double
    import numpy as np  # only where a float32 is rounded: loading and rendering need no numpy
    single = np.float32(as_double)
    if not np.isfinite(single):
        return float(single)
    candidates = [np.nextafter(single, np.float32(-np.inf)), single, np.nextafter(single, np.float32(np.inf))]
    finite = [c for c in candidates if np.isfinite(c)]
    best = min(finite, key=lambda c: (abs(Fraction(float(c)) - value), int(c.view(np.uint32)) & 1))
    return float(best)


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


def fraction_text(value: Fraction) -> str:
    """The results file's exact form: Python's str(Fraction), "17/6", "-1/3", "2"."""
    return str(value)


EPSILON = {"float32": 2.0**-23, "float64": 2.0**-52}  # numpy.finfo(...).eps
LARGEST = {"float32": (2 - 2.0**-23) * 2.0**127, "float64": sys.float_info.max}  # numpy.finfo(...).max


def machine_epsilon(dtype: str) -> float:
    return EPSILON[dtype]


def largest_finite(dtype: str) -> float:
    return LARGEST[dtype]
