"""Exact values as sympy expressions over the rationals, with log, exp and sqrt unevaluated.

An expression is built from Fractions with `rational`, `exp`, `log` and the arithmetic operators;
sympy keeps `exp(1/2)` and `log(3)` as they are. `as_fraction` gives the Fraction when sympy has
reduced the expression to a rational number; `prove_rational` tries harder (simplify, for claims).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy

Expr = Any  # a sympy expression (sympy has no types mypy can check)

SIMPLIFY_OPS = 60  # sympy.simplify is tried on expressions of at most this many operations


def rational(value: Fraction) -> Expr:
    return sympy.Rational(value.numerator, value.denominator)


def exp(value: Expr) -> Expr:
    return sympy.exp(value)


def log(value: Expr) -> Expr:
    return sympy.log(value)


def total(terms: list[Expr]) -> Expr:
    return sympy.Add(*terms)


def as_fraction(expr: Expr) -> Fraction | None:
    """The Fraction of an expression sympy has reduced to a rational number, else None."""
    if isinstance(expr, sympy.Rational):
        return Fraction(int(expr.p), int(expr.q))
    return None


def prove_rational(expr: Expr) -> Fraction | None:
    """The value as a Fraction when sympy can show it is rational (after simplifying a small
    expression); None when it cannot (the value may still be rational: the caller then decides
    with balls and gives up at its precision cap)."""
    found = as_fraction(expr)
    if found is not None or sympy.count_ops(expr) > SIMPLIFY_OPS:
        return found
    return as_fraction(sympy.simplify(expr))


def text(expr: Expr) -> str:
    """The expression as text that sympy parses back to the same expression."""
    written = str(expr)
    if parse(written) != expr:
        written = sympy.srepr(expr)
    return written


def parse(written: str) -> Expr:
    """An expression from `text` (only the functions an exact value uses are known)."""
    names = {"exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "E": sympy.E, "Rational": sympy.Rational,
             "Integer": sympy.Integer, "Add": sympy.Add, "Mul": sympy.Mul, "Pow": sympy.Pow}
    return sympy.sympify(written, locals=names, rational=True)


def latex(expr: Expr) -> str:
    """The expression in LaTeX, e^{...} for exp: \\log{\\left(e^{- \\frac{1}{3}} + e^{2} \\right)} - 2."""
    return str(sympy.latex(expr))
