"""The exact twin of a regression-losses run: each loss's piecewise definition in sympy, its
derivative by sympy.diff, both checked at every entry against the closed forms the page shows;
and the check of torch against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from generator import rounding
from generator.errors import MismatchError
from generator.kinds.common import fraction_of, rational
from generator.kinds.regression_losses.definitions import closed_form
from generator.kinds.regression_losses.scenario import LOSSES, Scenario
from generator.kinds.regression_losses.trace import Trace
from generator.reader import Matrix
from generator.rounding import Ball
from generator.tolerance import check
from generator.values import nearest_float

BoundMatrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class LossExact:
    elementwise: Matrix
    case: tuple[tuple[str, ...], ...]  # which branch each entry takes: "quadratic", "linear", or r's sign for L1
    sum: Fraction
    loss: Fraction
    grad: Matrix


@dataclass(frozen=True)
class Exact:
    residual: Matrix
    losses: dict[str, LossExact]


def definitions() -> tuple[Any, Any, Any, Any, dict[str, Any]]:
    """x, y, beta, delta and each loss of one entry as sympy writes PyTorch's documented definition."""
    import sympy

    x, y = sympy.symbols("x y", real=True)
    beta, delta = sympy.symbols("beta delta", positive=True)
    r = x - y
    half = sympy.Rational(1, 2)
    return x, y, beta, delta, {
        "l1": sympy.Abs(r),
        "smooth_l1": sympy.Piecewise((half * r**2 / beta, sympy.Abs(r) < beta), (sympy.Abs(r) - half * beta, True)),
        "huber": sympy.Piecewise((half * r**2, sympy.Abs(r) < delta), (delta * (sympy.Abs(r) - half * delta), True)),
        "mse": r**2,
    }


def derive(s: Scenario) -> Exact:
    """sympy evaluates each definition and its derivative at every entry; each must equal the
    closed form (the page's formulas), entry by entry, or MismatchError."""
    import sympy

    x, y, beta, delta, losses = definitions()
    n, d = s.shape
    residual = s.residual
    exact = {}
    for name in LOSSES:
        definition = losses[name]
        derivative = sympy.diff(definition, x)
        values, grads, cases = [], [], []
        for i in range(n):
            value_row, grad_row, case_row = [], [], []
            for j in range(d):
                point = {x: rational(s.X[i][j]), y: rational(s.Y[i][j]), beta: rational(s.beta), delta: rational(s.delta)}
                value, slope = fraction_of(definition.xreplace(point)), fraction_of(derivative.xreplace(point))
                want_value, want_slope, case = closed_form(name, residual[i][j], s.beta, s.delta)
                if (value, slope) != (want_value, want_slope):
                    raise MismatchError(
                        f"{s.source}: {name} at [{i}][{j}]: sympy gives {value} and slope {slope}, "
                        f"the closed form {want_value} and {want_slope}"
                    )
                value_row.append(value)
                grad_row.append(slope / s.divisor)
                case_row.append(case)
            values.append(tuple(value_row))
            grads.append(tuple(grad_row))
            cases.append(tuple(case_row))
        total = sum((v for row in values for v in row), Fraction(0))
        exact[name] = LossExact(tuple(values), tuple(cases), total, total / s.divisor, tuple(grads))
    return Exact(residual, exact)


@dataclass(frozen=True)
class LossBounds:
    elementwise: BoundMatrix
    sum: float
    loss: float
    grad: BoundMatrix


@dataclass(frozen=True)
class Bounds:
    residual: BoundMatrix
    losses: dict[str, LossBounds]


def _branches(value: Ball, edge: Ball, below: Callable[[], Ball], above: Callable[[], Ball]) -> Ball:
    """`below()` where torch's value is certainly under the edge (value < edge), `above()` where it
    certainly is not, and both enclosed where its rounding leaves the comparison open."""
    if value.mid + value.rad < edge.mid - edge.rad:
        return below()
    if value.mid - value.rad >= edge.mid + edge.rad:
        return above()
    return rounding.hull([below(), above()])


def _entry(name: str, s: Scenario, r: Ball, sign: int, norm: Ball, edges: dict[str, Ball]) -> tuple[Ball, Ball]:
    """torch's loss of one entry (reduction "none") and its gradient entry, as the CPU kernels write
    them (ATen's PointwiseOpsKernel / BinaryOpsKernel): z = |x - y|, then the branch on z; the
    gradient as norm times the branch's slope (times grad_output, which is 1). `sign` is the sign
    of torch's x - y, which is the sign of the exact difference of its inputs (a rounding keeps it)."""
    dtype = s.dtype
    z = rounding.absolute(r)
    half = rounding.exact_input(0.5)
    if name == "l1":
        return z, Ball(sign * norm.mid, norm.rad)
    if name == "mse":
        return rounding.mul(r, r, dtype), rounding.mul(norm, r, dtype)
    edge = edges[name]
    if name == "smooth_l1":
        value = _branches(
            z, edge,
            lambda: rounding.div(rounding.mul(rounding.mul(half, z, dtype), z, dtype), edge, dtype),
            lambda: rounding.sub(z, rounding.mul(half, edge, dtype), dtype),
        )
        slope = _branches(
            z, edge,
            lambda: rounding.div(rounding.mul(norm, r, dtype), edge, dtype),
            lambda: Ball(sign * norm.mid, norm.rad),
        )
        return value, slope
    value = _branches(
        z, edge,
        lambda: rounding.mul(rounding.mul(half, z, dtype), z, dtype),
        lambda: rounding.mul(edge, rounding.sub(z, rounding.mul(half, edge, dtype), dtype), dtype),
    )
    slope = _branches(
        z, edge,
        lambda: rounding.mul(norm, r, dtype),
        lambda: rounding.mul(Ball(sign * norm.mid, norm.rad), edge, dtype),
    )
    return value, slope


def _norm(name: str, s: Scenario) -> Ball:
    """The factor a loss's backward kernel scales by: 1/N or 1 (2/N or 2 for MSE), held in the dtype."""
    scale = 2 if name == "mse" else 1
    return rounding.constant(Fraction(scale, s.divisor), s.dtype)


def bounds(s: Scenario, exact: Exact) -> Bounds:
    """The verified bound of every torch value: each loss's kernel followed from torch's rounded
    inputs, with the actual magnitudes (generator/rounding.py), plus the exact effect of rounding
    the inputs; sums in any order; the branch torch takes decided where its rounding cannot change
    it, both branches enclosed where it can. Exact arithmetic: the same on every machine."""
    dtype = s.dtype
    n, d = s.shape
    inputs = [
        (Fraction(nearest_float(x, dtype)), Fraction(nearest_float(y, dtype)))
        for xr, yr in zip(s.X, s.Y) for x, y in zip(xr, yr)
    ]
    residual = [rounding.sub(Ball(x), Ball(y), dtype) for x, y in inputs]
    signs = [(x > y) - (x < y) for x, y in inputs]
    edges = {
        "smooth_l1": Ball(Fraction(rounding.converted(nearest_float(s.beta, "float64"), dtype))),
        "huber": Ball(Fraction(rounding.converted(nearest_float(s.delta, "float64"), dtype))),
    }

    def matrix(values: list[float]) -> BoundMatrix:
        return tuple(tuple(values[i * d + j] for j in range(d)) for i in range(n))

    losses = {}
    for name in LOSSES:
        want = exact.losses[name]
        flat_values = [v for row in want.elementwise for v in row]
        flat_grads = [g for row in want.grad for g in row]
        norm = _norm(name, s)
        entries = [_entry(name, s, r, sign, norm, edges) for r, sign in zip(residual, signs)]
        values = [value for value, _ in entries]
        total = rounding.total(values, dtype)
        loss = rounding.div(total, Ball(Fraction(s.divisor)), dtype) if s.divisor != 1 else total
        losses[name] = LossBounds(
            matrix([v.bound(e) for v, e in zip(values, flat_values)]),
            total.bound(want.sum),
            loss.bound(want.loss),
            matrix([g.bound(e) for (_, g), e in zip(entries, flat_grads)]),
        )
    flat_residual = [v for row in exact.residual for v in row]
    return Bounds(matrix([r.bound(e) for r, e in zip(residual, flat_residual)]), losses)


def verify(s: Scenario, trace: Trace, exact: Exact) -> Bounds:
    """Compare every torch value with its exact twin within `bounds`; return the bounds."""
    b = bounds(s, exact)
    n, d = s.shape

    def each(what: str, value: float, want: Fraction, bound: float) -> None:
        check(s.source, what, value, want, bound, s.dtype)

    for i in range(n):
        for j in range(d):
            each(f"(X-Y)[{i}][{j}]", trace.residual[i][j], exact.residual[i][j], b.residual[i][j])
    for name in LOSSES:
        got, want, bound = trace.losses[name], exact.losses[name], b.losses[name]
        for i in range(n):
            for j in range(d):
                each(f"{name} of entry [{i}][{j}]", got.elementwise[i][j], want.elementwise[i][j], bound.elementwise[i][j])
                each(f"{name} X.grad[{i}][{j}]", got.grad[i][j], want.grad[i][j], bound.grad[i][j])
        each(f"{name} sum of entries", got.sum, want.sum, bound.sum)
        each(f"{name} loss", got.loss, want.loss, bound.loss)
    return b
