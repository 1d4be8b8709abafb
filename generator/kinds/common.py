"""Helpers every kind shares: exact numbers to sympy and back, and exact matrices as LaTeX."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from generator import formatting as fmt


def rational(value: Fraction) -> Any:
    """The sympy Rational of an exact value (sympy is imported only where derivations run)."""
    import sympy

    return sympy.Rational(value.numerator, value.denominator)


def fraction_of(value: Any) -> Fraction:
    """A sympy number that must be rational, as a Fraction."""
    import sympy

    number = sympy.Rational(value)
    return Fraction(int(number.p), int(number.q))


def exact_matrix_latex(matrix: Sequence[Sequence[Fraction]]) -> str:
    return fmt.bmatrix([[fmt.fraction_latex(v) for v in row] for row in matrix])


def exact_column_latex(values: Sequence[Fraction]) -> str:
    return fmt.column([fmt.fraction_latex(v) for v in values])
