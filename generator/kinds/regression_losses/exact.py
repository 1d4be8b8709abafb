"""The exact twin of a regression-losses run: each loss's piecewise definition in sympy, its
derivative by sympy.diff, both checked at every entry against the closed forms the page shows;
and the check of torch against them."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from generator.errors import MismatchError
from generator.kinds.common import fraction_of, rational
from generator.kinds.regression_losses.run import Trace
from generator.kinds.regression_losses.scenario import LOSSES, Scenario
from generator.reader import Matrix
from generator.tolerance import check
from generator.values import machine_epsilon

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


def sign(value: Fraction) -> int:
    """torch.sign: 0 at 0, so L1Loss's gradient at r = 0 is 0."""
    return (value > 0) - (value < 0)


def closed_form(name: str, r: Fraction, s: Scenario) -> tuple[Fraction, Fraction, str]:
    """(the entry's loss, its derivative in x, the branch it takes), as the page writes them."""
    if name == "l1":
        return abs(r), Fraction(sign(r)), {1: "r > 0", -1: "r < 0", 0: "r = 0"}[sign(r)]
    if name == "smooth_l1":
        if abs(r) < s.beta:
            return r * r / (2 * s.beta), r / s.beta, "quadratic"
        return abs(r) - s.beta / 2, Fraction(sign(r)), "linear"
    if name == "huber":
        if abs(r) < s.delta:
            return r * r / 2, r, "quadratic"
        return s.delta * (abs(r) - s.delta / 2), s.delta * sign(r), "linear"
    return r * r, 2 * r, "quadratic"


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
                want_value, want_slope, case = closed_form(name, residual[i][j], s)
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


def entry_bounds(name: str, s: Scenario, r: Fraction, a: float) -> tuple[float, float]:
    """(bound on torch's entry loss, bound on its gradient entry) for one entry.

    With eps the dtype's epsilon and a = |x| + |y|, torch's r carries at most e_r = eps*a. Each loss
    is continuous in r with a slope of at most L (1 for L1 and SmoothL1, min(delta, |r|+e_r) for
    Huber, 2(|r|+e_r) for MSE), so the entry's value moves by at most L*e_r, plus its own rounding
    (a few eps of the numbers involved, beta and delta rounded to the dtype included). The
    gradients are continuous too (slope 1/beta, 1, 2), except L1's sign, which is exact unless r is
    within e_r of 0, where torch may return any of -1, 0, 1.
    """
    eps = machine_epsilon(s.dtype)
    e_r, size = eps * a, float(abs(r))
    value, slope, _ = closed_form(name, r, s)
    beta, delta = float(s.beta), float(s.delta)
    lipschitz = {"l1": 1.0, "smooth_l1": 1.0, "huber": min(delta, size + e_r), "mse": 2 * (size + e_r)}[name]
    scale = {"l1": 0.0, "smooth_l1": beta, "huber": delta * (delta + a), "mse": 0.0}[name]
    e_value = lipschitz * e_r + 8 * eps * (float(abs(value)) + lipschitz * a + scale)
    if name == "l1":
        e_slope = 2.0 if size <= 2 * e_r else 4 * eps
    else:
        steepness = {"smooth_l1": 1 / beta, "huber": 1.0, "mse": 2.0}[name]
        e_slope = steepness * e_r + 8 * eps * (float(abs(slope)) + steepness * a + (delta if name == "huber" else 0.0))
    return e_value, e_slope / s.divisor + 4 * eps * float(abs(slope)) / s.divisor


def bounds(s: Scenario, exact: Exact) -> Bounds:
    """The verified bound of every torch value, in plain float arithmetic from the exact values."""
    eps = machine_epsilon(s.dtype)
    n, d = s.shape
    scale = [[float(abs(x) + abs(y)) for x, y in zip(xr, yr)] for xr, yr in zip(s.X, s.Y)]
    losses = {}
    for name in LOSSES:
        pairs = [[entry_bounds(name, s, exact.residual[i][j], scale[i][j]) for j in range(d)] for i in range(n)]
        elementwise = tuple(tuple(p[0] for p in row) for row in pairs)
        magnitude = sum(float(abs(v)) for row in exact.losses[name].elementwise for v in row)
        total = sum(e for row in elementwise for e in row) + n * d * eps * magnitude
        loss = total / s.divisor + 2 * eps * float(abs(exact.losses[name].loss))
        losses[name] = LossBounds(elementwise, total, loss, tuple(tuple(p[1] for p in row) for row in pairs))
    return Bounds(tuple(tuple(eps * a for a in row) for row in scale), losses)


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
