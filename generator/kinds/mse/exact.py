"""The exact twin of an mse run, its symbolic gradient, and the check of torch against it."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from generator import rounding
from generator.errors import MismatchError
from generator.kinds.common import fraction_of, rational
from generator.kinds.mse.scenario import Scenario, legacy_reduction
from generator.kinds.mse.trace import Trace
from generator.reader import Matrix
from generator.rounding import Ball
from generator.tolerance import check
from generator.values import nearest_float

BoundMatrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Exact:
    residual: Matrix
    squares: Matrix
    sum_squares: Fraction
    loss: Fraction | Matrix  # the squares themselves for reduction "none"
    grad: Matrix  # for "none": of loss.backward(torch.ones_like(loss)), which is loss.sum()'s
    others: tuple[tuple[str, Fraction, Matrix], ...]  # (reduction, loss, X.grad) of Scenario.other_reductions


@dataclass(frozen=True)
class Bounds:
    """How far each torch value may be from its exact twin (verified by `verify`)."""

    residual: BoundMatrix
    squares: BoundMatrix
    sum_squares: float
    loss: float | BoundMatrix
    grad: BoundMatrix
    others: tuple[tuple[float, BoundMatrix], ...]  # (loss, X.grad) of Scenario.other_reductions


def derive(s: Scenario) -> Exact:
    """Exact values, and the gradient's closed form proved with sympy.

    The loss is written over symbols x_i_j, y_i_j as a sum of n*d terms (x_i_j - y_i_j)^2 / D. sympy
    differentiates the generic term, and checks that each term's free symbols are its own x_i_j and
    y_i_j and nothing else; by linearity d loss / d x_i_j is then that one term's derivative,
    2/D (x_i_j - y_i_j), for every entry: a proof for all n*d entries at the cost of one derivative
    (differentiating the whole sum for each entry took 20 s at 20x20)."""
    n, d = s.shape
    xs = [[sympy.Symbol(f"x_{i}_{j}") for j in range(d)] for i in range(n)]
    ys = [[sympy.Symbol(f"y_{i}_{j}") for j in range(d)] for i in range(n)]
    terms = [(xs[i][j] - ys[i][j]) ** 2 for i in range(n) for j in range(d)]
    x, y = sympy.symbols("x y")
    derivative = sympy.diff((x - y) ** 2 / s.divisor, x)
    closed_form = sympy.Rational(2, s.divisor) * (x - y)
    if sympy.expand(derivative - closed_form) != 0:
        raise MismatchError(f"{s.source}: d loss / d x: sympy gives {derivative}, closed form {closed_form}")
    for term, (i, j) in zip(terms, ((i, j) for i in range(n) for j in range(d))):
        if term.free_symbols != {xs[i][j], ys[i][j]}:
            raise MismatchError(f"{s.source}: the loss term of entry [{i}][{j}] holds {sorted(map(str, term.free_symbols))}")
    residual = s.residual
    grad = tuple(tuple(Fraction(2, s.divisor) * r for r in row) for row in residual)
    squares = tuple(tuple(r * r for r in row) for row in residual)
    total = sum((v for row in squares for v in row), Fraction(0))
    point = {}
    for i in range(n):
        for j in range(d):
            point[xs[i][j]] = rational(s.X[i][j])
            point[ys[i][j]] = rational(s.Y[i][j])
    exact_loss = fraction_of((sympy.Add(*terms) / s.divisor).xreplace(point))
    if exact_loss != total / s.divisor:
        raise MismatchError(f"{s.source}: loss: sympy gives {exact_loss}, the sum of squares gives {total / s.divisor}")
    others = []
    for reduction in s.other_reductions:
        other = s.divisor_of(reduction)
        others.append((reduction, total / other, tuple(tuple(Fraction(2, other) * r for r in row) for row in residual)))
    loss: Fraction | Matrix = squares if s.reduction == "none" else exact_loss
    return Exact(residual, squares, total, loss, grad, tuple(others))


def _loss_balls(s: Scenario, reduction: str, residual: list[Ball], squares: list[Ball]) -> tuple[Ball, list[Ball]]:
    """torch's loss and X.grad for one reduction, as MSELoss computes them: the entries' squares
    summed (in an order we do not know) and divided by n·d for "mean"; the gradient as the kernel
    writes it, norm * (x - y) * grad_output, with norm = 2/(n·d) or 2 converted to the dtype."""
    divisor = s.divisor_of(reduction)
    total = rounding.total(squares, s.dtype)
    if s.reduction == "none":  # loss.mean() or loss.sum() of the matrix, then backward: 2 (x - y) * grad_output
        if reduction == "sum":
            return total, [rounding.mul(rounding.exact_input(2.0), r, s.dtype) for r in residual]
        output = rounding.constant(Fraction(1, divisor), s.dtype)  # MeanBackward's 1/N in the dtype
        twice = [rounding.mul(rounding.exact_input(2.0), r, s.dtype) for r in residual]
        return rounding.div(total, rounding.exact_input(divisor), s.dtype), [rounding.mul(t, output, s.dtype) for t in twice]
    loss = rounding.div(total, rounding.exact_input(divisor), s.dtype) if divisor != 1 else total
    norm = rounding.exact_input(rounding.converted(2 / divisor, s.dtype))
    return loss, [rounding.mul(norm, r, s.dtype) for r in residual]


def _inputs(s: Scenario) -> list[tuple[Ball, Ball]]:
    """Each entry's x and y as torch holds them: the nearest floats of the dtype."""
    return [
        (rounding.exact_input(nearest_float(x, s.dtype)), rounding.exact_input(nearest_float(y, s.dtype)))
        for xr, yr in zip(s.X, s.Y)
        for x, y in zip(xr, yr)
    ]


def bounds(s: Scenario, exact: Exact) -> Bounds:
    """The verified bound of every torch value: each operation MSELoss performs, followed from
    torch's rounded inputs with its actual magnitudes (generator/rounding.py), plus the exact effect
    of rounding the inputs. Computed in exact arithmetic, so the same on every machine."""
    n, d = s.shape
    residual = [rounding.sub(x, y, s.dtype) for x, y in _inputs(s)]
    squares = [rounding.mul(r, r, s.dtype) for r in residual]
    sum_squares = rounding.total(squares, s.dtype)
    loss, grad = _loss_balls(s, "sum" if s.reduction == "none" else s.reduction, residual, squares)

    def matrix(balls: list[Ball], exact_rows: Matrix) -> BoundMatrix:
        return tuple(tuple(balls[i * d + j].bound(exact_rows[i][j]) for j in range(d)) for i in range(n))

    others = []
    for (reduction, other_loss, other_grad) in exact.others:
        loss_ball, grad_balls = _loss_balls(s, reduction, residual, squares)
        others.append((loss_ball.bound(other_loss), matrix(grad_balls, other_grad)))
    return Bounds(
        residual=matrix(residual, exact.residual),
        squares=matrix(squares, exact.squares),
        sum_squares=sum_squares.bound(exact.sum_squares),
        loss=matrix(squares, exact.squares) if isinstance(exact.loss, tuple) else loss.bound(exact.loss),
        grad=matrix(grad, exact.grad),
        others=tuple(others),
    )


def verify(s: Scenario, trace: Trace, exact: Exact) -> Bounds:
    """Compare every torch value with its exact twin within `bounds`; return the bounds."""
    b = bounds(s, exact)
    n, d = s.shape
    for i in range(n):
        for j in range(d):
            check(s.source, f"(X-Y)[{i}][{j}]", trace.residual[i][j], exact.residual[i][j], b.residual[i][j], s.dtype)
            check(s.source, f"squares[{i}][{j}]", trace.squares[i][j], exact.squares[i][j], b.squares[i][j], s.dtype)
            check(s.source, f"X.grad[{i}][{j}]", trace.grad[i][j], exact.grad[i][j], b.grad[i][j], s.dtype)
            for ran, (reduction, _, grad), (_, grad_bounds) in zip(trace.others, exact.others, b.others):
                other = f"X.grad[{i}][{j}] with reduction {reduction}"
                check(s.source, other, ran.grad[i][j], grad[i][j], grad_bounds[i][j], s.dtype)
            if isinstance(trace.loss, tuple) and isinstance(exact.loss, tuple) and isinstance(b.loss, tuple):
                check(s.source, f"loss[{i}][{j}]", trace.loss[i][j], exact.loss[i][j], b.loss[i][j], s.dtype)
    check(s.source, "sum of squares", trace.sum_squares, exact.sum_squares, b.sum_squares, s.dtype)
    if isinstance(trace.loss, tuple) != isinstance(exact.loss, tuple):
        shape = "a matrix" if isinstance(trace.loss, tuple) else "one number"
        raise MismatchError(f"{s.source}: loss: torch gave {shape} for reduction {s.reduction}")
    if not isinstance(trace.loss, tuple) and not isinstance(exact.loss, tuple) and not isinstance(b.loss, tuple):
        check(s.source, "loss", trace.loss, exact.loss, b.loss, s.dtype)
    for ran, (reduction, loss, _), (loss_bound, _) in zip(trace.others, exact.others, b.others):
        check(s.source, f"loss with reduction {reduction}", ran.loss, loss, loss_bound, s.dtype)
    if trace.legacy is not None and trace.legacy.reduction != s.reduction:
        chose = trace.legacy.reduction
        raise MismatchError(f"{s.source}: legacy: torch chose reduction {chose!r}, the documented rule gives {s.reduction!r}")
    for row in trace.legacy_table:
        rule = legacy_reduction(row.size_average, row.reduce)
        if row.reduction != rule:
            combination = f"size_average={row.size_average}, reduce={row.reduce}"
            raise MismatchError(f"{s.source}: legacy: {combination}: torch chose {row.reduction!r}, the documented rule gives {rule!r}")
    return b
