"""Kind `mse`: torch.nn.MSELoss on a matrix X against a target Y, with X.grad by autograd."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar

import sympy
import torch

from generator import formatting as fmt
from generator import results as res
from generator.errors import MismatchError
from generator.kinds import Kind
from generator.reader import Matrix, Reader
from generator.tolerance import check
from generator.values import DTYPES, float_literal, machine_epsilon, nearest_float

REDUCTIONS = ("mean", "sum")
KEYS = ("kind", "title", "dtype", "reduction", "X", "Y")

FloatMatrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Scenario:
    kind: ClassVar[str] = "mse"
    source: str
    slug: str
    title: str
    dtype: str
    reduction: str
    X: Matrix
    Y: Matrix

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.X), len(self.X[0])

    @property
    def divisor(self) -> int:
        """What the sum of squares is divided by: n·d for "mean", 1 for "sum"."""
        n, d = self.shape
        return n * d if self.reduction == "mean" else 1


def parse(reader: Reader, slug: str) -> Scenario | None:
    reader.reject_unknown(KEYS)
    title = reader.text("title")
    dtype = reader.choice("dtype", DTYPES, "float32")
    reduction = reader.choice("reduction", REDUCTIONS, "mean")
    X, Y = reader.matrix("X"), reader.matrix("Y")
    if X is not None and Y is not None and (len(X), len(X[0])) != (len(Y), len(Y[0])):
        reader.problem("Y", f"shape {len(Y)}×{len(Y[0])} differs from X's {len(X)}×{len(X[0])}")
        return None
    if None in (title, dtype, reduction, X, Y):
        return None
    return Scenario(reader.source, slug, title, dtype, reduction, X, Y)


def _floats(matrix: Matrix, dtype: str) -> list[list[float]]:
    return [[nearest_float(v, dtype) for v in row] for row in matrix]


def _tensor(matrix: Matrix, dtype: str, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(_floats(matrix, dtype), dtype=getattr(torch, dtype), requires_grad=requires_grad)


def _matrix(tensor: torch.Tensor) -> FloatMatrix:
    return tuple(tuple(row) for row in tensor.detach().tolist())


@dataclass(frozen=True)
class Trace:
    residual: FloatMatrix
    squares: FloatMatrix
    sum_squares: float
    loss: float
    grad: FloatMatrix


def compute(s: Scenario) -> Trace:
    X = _tensor(s.X, s.dtype, requires_grad=True)
    Y = _tensor(s.Y, s.dtype)
    loss = torch.nn.MSELoss(reduction=s.reduction)(X, Y)
    loss.backward()
    residual = (X - Y).detach()
    squares = residual**2
    return Trace(_matrix(residual), _matrix(squares), squares.sum().item(), loss.item(), _matrix(X.grad))


@dataclass(frozen=True)
class Exact:
    residual: Matrix
    squares: Matrix
    sum_squares: Fraction
    loss: Fraction
    grad: Matrix


def _rational(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


def _fraction(value: sympy.Expr) -> Fraction:
    rational = sympy.Rational(value)
    return Fraction(int(rational.p), int(rational.q))


def derive(s: Scenario) -> Exact:
    """Exact values; the gradient is sympy's derivative of the loss written over symbols x_ij, y_ij."""
    n, d = s.shape
    xs = [[sympy.Symbol(f"x_{i}{j}") for j in range(d)] for i in range(n)]
    ys = [[sympy.Symbol(f"y_{i}{j}") for j in range(d)] for i in range(n)]
    loss = sympy.Add(*((xs[i][j] - ys[i][j]) ** 2 for i in range(n) for j in range(d))) / s.divisor
    point = {}
    for i in range(n):
        for j in range(d):
            point[xs[i][j]] = _rational(s.X[i][j])
            point[ys[i][j]] = _rational(s.Y[i][j])
    grad = []
    for i in range(n):
        row = []
        for j in range(d):
            derivative = sympy.diff(loss, xs[i][j])
            closed_form = sympy.Rational(2, s.divisor) * (xs[i][j] - ys[i][j])
            if sympy.expand(derivative - closed_form) != 0:
                raise MismatchError(f"{s.slug}: d loss / d x_{i}{j}: sympy gives {derivative}, closed form {closed_form}")
            row.append(_fraction(derivative.xreplace(point)))
        grad.append(tuple(row))
    residual = tuple(tuple(x - y for x, y in zip(xr, yr)) for xr, yr in zip(s.X, s.Y))
    squares = tuple(tuple(r * r for r in row) for row in residual)
    total = sum((v for row in squares for v in row), Fraction(0))
    exact_loss = _fraction(loss.xreplace(point))
    if exact_loss != total / s.divisor:
        raise MismatchError(f"{s.slug}: loss: sympy gives {exact_loss}, the sum of squares gives {total / s.divisor}")
    return Exact(residual, squares, total, exact_loss, tuple(grad))


def verify(s: Scenario, trace: Trace, exact: Exact) -> None:
    """Compare every torch value with its exact twin.

    With a = |x| + |y| per element and eps the dtype's machine epsilon: the rounded inputs and
    the subtraction leave x - y within eps*a; squaring adds at most 3*eps*a^2; a sum of N squares
    adds N*eps*sum(a^2) whatever order torch sums in; dividing adds one more eps.
    """
    eps = machine_epsilon(s.dtype)
    n, d = s.shape
    size = n * d
    scale = [[abs(x) + abs(y) for x, y in zip(xr, yr)] for xr, yr in zip(s.X, s.Y)]
    total_scale = float(sum(a * a for row in scale for a in row))
    for i in range(n):
        for j in range(d):
            a = float(scale[i][j])
            check(s.slug, f"(X-Y)[{i}][{j}]", trace.residual[i][j], exact.residual[i][j], eps * a, s.dtype)
            check(s.slug, f"squares[{i}][{j}]", trace.squares[i][j], exact.squares[i][j], 3 * eps * a * a, s.dtype)
            grad_bound = 3 * eps * a * 2 / s.divisor
            check(s.slug, f"X.grad[{i}][{j}]", trace.grad[i][j], exact.grad[i][j], grad_bound, s.dtype)
    sum_bound = (size + 3) * eps * total_scale
    check(s.slug, "sum of squares", trace.sum_squares, exact.sum_squares, sum_bound, s.dtype)
    check(s.slug, "loss", trace.loss, exact.loss, (sum_bound + eps * total_scale) / s.divisor, s.dtype)


def program(s: Scenario) -> str:
    def literal(matrix: Matrix) -> str:
        rows = ", ".join("[" + ", ".join(float_literal(v, s.dtype) for v in row) + "]" for row in _floats(matrix, s.dtype))
        return f"[{rows}]"

    dtype = f"torch.{s.dtype}"
    return (
        "import torch\n"
        "from torch import nn\n"
        "\n"
        f"X = torch.tensor({literal(s.X)}, dtype={dtype}, requires_grad=True)\n"
        f"Y = torch.tensor({literal(s.Y)}, dtype={dtype})\n"
        "\n"
        f'loss = nn.MSELoss(reduction="{s.reduction}")(X, Y)\n'
        "loss.backward()\n"
        "\n"
        'print("loss:", loss.item())\n'
        'print("X.grad:")\n'
        "print(X.grad)\n"
    )


def results(s: Scenario, trace: Trace, exact: Exact) -> dict:
    return res.header(s) | {
        "reduction": s.reduction,
        "X": res.exact_matrix(s.X),
        "Y": res.exact_matrix(s.Y),
        "residual": res.matrix_records(trace.residual, exact.residual),
        "squares": res.matrix_records(trace.squares, exact.squares),
        "sum_squares": res.record(trace.sum_squares, exact.sum_squares),
        "loss": res.record(trace.loss, exact.loss),
        "grad": res.matrix_records(trace.grad, exact.grad),
    }


@dataclass(frozen=True)
class Page:
    """LaTeX pieces for templates/mse.md.j2."""

    n: int
    d: int
    divisor: int
    X: str
    Y: str
    residual_terms: str
    residual: str
    squares_terms: str
    squares: str
    sum_terms: str
    sum_squares: str
    loss: str
    grad_factor: str
    grad: str
    grad_decimal: str


def page(s: Scenario, trace: Trace, exact: Exact) -> Page:
    def exact_matrix(matrix: Matrix) -> str:
        return fmt.bmatrix([[fmt.fraction_latex(v) for v in row] for row in matrix])

    n, d = s.shape
    return Page(
        n=n,
        d=d,
        divisor=s.divisor,
        X=exact_matrix(s.X),
        Y=exact_matrix(s.Y),
        residual_terms=fmt.bmatrix(
            [[f"{fmt.fraction_latex(x)} - {fmt.signed(fmt.fraction_latex(y))}" for x, y in zip(xr, yr)] for xr, yr in zip(s.X, s.Y)]
        ),
        residual=exact_matrix(exact.residual),
        squares_terms=fmt.bmatrix([[f"{fmt.signed(fmt.fraction_latex(r))}^2" for r in row] for row in exact.residual]),
        squares=exact_matrix(exact.squares),
        sum_terms=" + ".join(fmt.fraction_latex(v) for row in exact.squares for v in row),
        sum_squares=fmt.fraction_latex(exact.sum_squares),
        loss=fmt.exact_and_decimal(exact.loss),
        grad_factor=fmt.fraction_latex(Fraction(2, s.divisor)),
        grad=exact_matrix(exact.grad),
        grad_decimal=fmt.bmatrix([[fmt.decimal_latex(float(v)) for v in row] for row in exact.grad]),
    )


KIND = Kind(
    name="mse",
    section="MSELoss by hand",
    template="mse.md.j2",
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    results=results,
    page=page,
)
