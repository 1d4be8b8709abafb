"""The one number-formatting policy for pages: every displayed number goes through here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

DECIMALS = 4
SCIENTIFIC_ABOVE = 1e6  # |x| at or past this is shown as m × 10^e, not as a long decimal
SCIENTIFIC_BELOW = 5e-5  # non-zero |x| below this would round to 0.0000, so it is shown as m × 10^e
EXACT_DIGITS = 40  # a fraction with more digits than this is shown as a decimal only


def _scientific(x: float) -> tuple[str, int] | None:
    if x == 0 or SCIENTIFIC_BELOW <= abs(x) < SCIENTIFIC_ABOVE:
        return None
    mantissa, exponent = f"{x:.{DECIMALS}e}".split("e")
    return mantissa, int(exponent)


def decimal_text(x: float) -> str:
    """Plain-text decimal: 2.8333, -0.3333, 1.2346e+07, inf, nan."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    sci = _scientific(x)
    if sci:
        return f"{sci[0]}e{sci[1]:+03d}"
    text = f"{x:.{DECIMALS}f}"
    return "0.0000" if text == "-0.0000" else text


def decimal_latex(x: float) -> str:
    r"""LaTeX decimal: 2.8333, 1.2346 \times 10^{7}, \infty, \mathrm{NaN}."""
    if math.isnan(x):
        return r"\mathrm{NaN}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    sci = _scientific(x)
    if sci:
        return rf"{sci[0]} \times 10^{{{sci[1]}}}"
    return decimal_text(x)


def exact_is_shown(value: Fraction) -> bool:
    return len(str(abs(value.numerator))) + len(str(value.denominator)) <= EXACT_DIGITS


def fraction_latex(value: Fraction) -> str:
    r"""LaTeX of an exact value, as sympy.latex writes it: \frac{17}{6}, - \frac{1}{3}, 2, -2.

    A fraction too long to read is shown as its decimal instead (with \approx by the caller's choice).
    """
    if not exact_is_shown(value):
        return decimal_latex(float(value))
    if value.denominator == 1:
        return str(value.numerator)
    sign = "- " if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def exact_and_decimal(value: Fraction) -> str:
    r"""\frac{17}{6} \approx 2.8333; \frac{1}{2} = 0.5000; 2; or only the decimal for a huge fraction."""
    decimal = decimal_latex(float(value))
    if not exact_is_shown(value):
        return r"\approx " + decimal
    if value.denominator == 1:
        return fraction_latex(value)
    text = decimal_text(float(value))
    relation = "=" if "e" not in text and Fraction(text) == value else r"\approx"
    return f"{fraction_latex(value)} {relation} {decimal}"


def signed(latex: str) -> str:
    """Wrap a negative term in parentheses so it can follow an operator: -3 -> (-3)."""
    return f"\\left({latex}\\right)" if latex.lstrip().startswith("-") else latex


def bmatrix(rows: Sequence[Sequence[str]]) -> str:
    """LaTeX matrix from already formatted entries; fractions at display size (\\dfrac), which
    a matrix would otherwise shrink to script size."""
    body = r" \\ ".join(" & ".join(entry.replace("\\frac{", "\\dfrac{") for entry in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def column(entries: Sequence[str]) -> str:
    return bmatrix([[e] for e in entries])


def exact_decimal(value: Fraction, places: int = 12) -> str | None:
    """The value as a decimal written exactly (0.02, 0.0012, 150), or None when it needs more than
    `places` decimal places."""
    for k in range(places + 1):
        scaled = value * 10**k
        if scaled.denominator == 1:
            digits = str(abs(scaled.numerator)).rjust(k + 1, "0")
            text = f"{digits[:-k]}.{digits[-k:]}" if k else digits
            return ("-" if value < 0 else "") + text
    return None


def fraction_text(value: Fraction) -> str:
    """decimal_text of an exact value, also past the float range (1.2346e+400, not an overflow)."""
    try:
        return decimal_text(float(value))
    except OverflowError:
        import decimal

        with decimal.localcontext() as context:
            context.prec = DECIMALS + 1
            quotient = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
        mantissa, exponent = f"{quotient:.{DECIMALS}e}".split("e")
        return f"{mantissa}e{int(exponent):+03d}"
