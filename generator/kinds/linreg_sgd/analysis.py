"""The exact analysis a linreg-sgd page discusses beside the run: when plain gradient descent on
this loss is stable (the Hessian's largest eigenvalue, isolated exactly with sympy), and the
least-squares minimum the training approaches (the normal equations, solved exactly)."""

from __future__ import annotations

import functools
from fractions import Fraction

from generator.kinds.linreg_sgd.results import Curvature, LeastSquares, Stability
from generator.kinds.linreg_sgd.scenario import Scenario, residual

MAX_PARAMETERS = 11  # a characteristic polynomial of degree d + 1 past this is not worth its time
ISOLATION = Fraction(1, 10**8)  # the width of the interval that holds the largest eigenvalue


def _augmented(s: Scenario, rows: tuple[int, ...]) -> list[list[Fraction]]:
    return [[*s.features[i], Fraction(1)] for i in rows]


def hessian(s: Scenario, rows: tuple[int, ...]) -> list[list[Fraction]]:
    """H = 2c A^T A for the loss c * ||A theta - y||^2 over `rows`, A = [X 1]."""
    a = _augmented(s, rows)
    two_c = 2 * s.loss_scale(len(rows))
    columns = list(zip(*a))
    return [[two_c * sum((x * y for x, y in zip(u, v)), Fraction(0)) for v in columns] for u in columns]


def largest_eigenvalue(matrix: list[list[Fraction]]) -> tuple[Fraction, Fraction]:
    """An interval (lo, hi], hi - lo <= ISOLATION, that holds the symmetric matrix's largest
    eigenvalue: sympy's exact characteristic polynomial, its real roots isolated (once per matrix:
    the sweep, the facts and the analysis ask for the same one)."""
    return _largest_eigenvalue(tuple(tuple(row) for row in matrix))


@functools.lru_cache(maxsize=64)
def _largest_eigenvalue(matrix: tuple[tuple[Fraction, ...], ...]) -> tuple[Fraction, Fraction]:
    import sympy

    exact = sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in row] for row in matrix])
    polynomial = exact.charpoly()
    intervals = sympy.Poly(polynomial.as_expr(), polynomial.gen).intervals(eps=sympy.Rational(ISOLATION.numerator, ISOLATION.denominator))
    lo, hi = max(interval for interval, _ in intervals)
    return Fraction(int(lo.p), int(lo.q)), Fraction(int(hi.p), int(hi.q))


def stability(s: Scenario, batches: list[tuple[int, ...]]) -> Stability | None:
    """lambda_max and the learning rate 2 / lambda_max below which gradient descent on the full
    data, and on each of the first epoch's batches, contracts."""
    if s.d + 1 > MAX_PARAMETERS:
        return None
    return Stability(curvature(s, tuple(range(s.n))), tuple(curvature(s, rows) for rows in batches))


def curvature(s: Scenario, rows: tuple[int, ...]) -> Curvature:
    """lambda_max of the loss over `rows`, isolated, and 2 / lambda_max (None when it may be 0)."""
    lo, hi = largest_eigenvalue(hessian(s, rows))
    return Curvature(rows, (lo, hi), (2 / hi, 2 / lo) if lo > 0 else None)


def solve(matrix: list[list[Fraction]], vector: list[Fraction]) -> list[Fraction] | None:
    """Gaussian elimination in exact arithmetic; None when the matrix is singular."""
    size = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [rows[i][size] / rows[i][i] for i in range(size)]


def least_squares(s: Scenario, last_epoch_loss: Fraction) -> LeastSquares | None:
    """The parameters that minimise the loss on all data (normal equations A^T A theta = A^T y),
    that minimum, and how far the last epoch's loss is above it."""
    if s.d + 1 > MAX_PARAMETERS:
        return None
    a = _augmented(s, tuple(range(s.n)))
    columns = list(zip(*a))
    gram = [[sum((x * y for x, y in zip(u, v)), Fraction(0)) for v in columns] for u in columns]
    right = [sum((x * y for x, y in zip(u, s.labels)), Fraction(0)) for u in columns]
    theta = solve(gram, right)
    if theta is None:
        return None
    weight, bias = tuple(theta[:-1]), theta[-1]
    r = residual(s, tuple(range(s.n)), weight, bias)
    minimum = s.loss_scale(s.n) * sum((v * v for v in r), Fraction(0))
    return LeastSquares(weight, bias, minimum, last_epoch_loss - minimum)


def versus_largest_eigenvalue(matrix: list[list[Fraction]], t: Fraction) -> int:
    """The sign of lambda_max - t for a symmetric matrix, decided exactly: -1 when every eigenvalue
    is below t, 0 when the largest equals t, 1 when some eigenvalue is above t. The characteristic
    polynomial's distinct real roots in [t, oo) are counted with sympy (Sturm sequences)."""
    import sympy

    exact = sympy.Matrix([[sympy.Rational(v.numerator, v.denominator) for v in row] for row in matrix])
    polynomial = exact.charpoly()
    poly = sympy.Poly(polynomial.as_expr(), polynomial.gen)
    point = sympy.Rational(t.numerator, t.denominator)
    at_or_above = poly.count_roots(inf=point)
    if at_or_above == 0:
        return -1
    return 0 if at_or_above == 1 and poly.eval(point) == 0 else 1
