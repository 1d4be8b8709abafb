"""The exact twin of a linreg-sgd run: rational arithmetic on the same batches, sympy gradients,
and the check of every torch number against it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy

from generator.errors import MismatchError
from generator.kinds.linreg_sgd.scenario import Scenario
from generator.kinds.linreg_sgd.run import Trace
from generator.tolerance import check
from generator.values import machine_epsilon


@dataclass(frozen=True)
class ExactStep:
    indices: tuple[int, ...]
    residual: tuple[Fraction, ...]  # X_B w + b - y_B, before the step
    loss: Fraction
    grad_weight: tuple[Fraction, ...]  # as step() used it: accumulated when zero_grad is false
    grad_bias: Fraction
    weight: tuple[Fraction, ...]  # after the step
    bias: Fraction


@dataclass(frozen=True)
class Exact:
    steps: tuple[ExactStep, ...]
    epoch_loss: tuple[Fraction, ...]


def _residual(s: Scenario, rows: tuple[int, ...], weight, bias) -> tuple[Fraction, ...]:
    return tuple(sum((x * w for x, w in zip(s.features[i], weight)), bias) - s.labels[i] for i in rows)


def batch_loss(s: Scenario, residual: tuple[Fraction, ...]) -> Fraction:
    return s.loss_scale(len(residual)) * sum((r * r for r in residual), Fraction(0))


def symbolic_gradient(s: Scenario, size: int) -> None:
    """Differentiate the batch loss over symbols with sympy; fail unless it equals the closed form
    dL/dw_j = 2c * sum_i r_i x_ij and dL/db = 2c * sum_i r_i that the exact trajectory uses."""
    xs = [[sympy.Symbol(f"x_{i}{j}") for j in range(s.d)] for i in range(size)]
    ys = [sympy.Symbol(f"y_{i}") for i in range(size)]
    ws = [sympy.Symbol(f"w_{j}") for j in range(s.d)]
    b = sympy.Symbol("b")
    c = sympy.Rational(s.loss_scale(size).numerator, s.loss_scale(size).denominator)
    residuals = [sum(x * w for x, w in zip(row, ws)) + b - y for row, y in zip(xs, ys)]
    loss = c * sum(r**2 for r in residuals)
    for j, w in enumerate(ws):
        closed = 2 * c * sum(r * row[j] for r, row in zip(residuals, xs))
        if sympy.expand(sympy.diff(loss, w) - closed) != 0:
            raise MismatchError(f"{s.slug}: d loss / d w_{j}: sympy's derivative differs from the closed form")
    if sympy.expand(sympy.diff(loss, b) - 2 * c * sum(residuals)) != 0:
        raise MismatchError(f"{s.slug}: d loss / d b: sympy's derivative differs from the closed form")


def derive(s: Scenario, schedule: list[tuple[int, ...]]) -> Exact:
    """Follow the trajectory exactly along `schedule`, the batches (row indices) torch used."""
    for size in sorted({len(rows) for rows in schedule}):
        symbolic_gradient(s, size)
    weight, bias = s.weight, s.bias
    grad_weight, grad_bias = (Fraction(0),) * s.d, Fraction(0)
    steps, epoch_loss = [], []
    for number, rows in enumerate(schedule, start=1):
        residual = _residual(s, rows, weight, bias)
        two_c = 2 * s.loss_scale(len(rows))
        g_w = tuple(two_c * sum((r * s.features[i][j] for r, i in zip(residual, rows)), Fraction(0)) for j in range(s.d))
        g_b = two_c * sum(residual, Fraction(0))
        if s.zero_grad:
            grad_weight, grad_bias = g_w, g_b
        else:
            grad_weight, grad_bias = tuple(a + g for a, g in zip(grad_weight, g_w)), grad_bias + g_b
        weight = tuple(w - s.lr * g for w, g in zip(weight, grad_weight))
        bias = bias - s.lr * grad_bias
        steps.append(ExactStep(rows, residual, batch_loss(s, residual), grad_weight, grad_bias, weight, bias))
        if number % s.batches_per_epoch == 0:
            epoch_loss.append(batch_loss(s, _residual(s, tuple(range(s.n)), weight, bias)))
    return Exact(tuple(steps), tuple(epoch_loss))


def size(value: Fraction) -> float:
    """|value| as a float, inf past the float range (float(Fraction) would raise)."""
    try:
        return abs(float(value))
    except OverflowError:
        return math.inf


def norm(values) -> float:
    return math.sqrt(sum(size(v) ** 2 for v in values)) if all(math.isfinite(size(v)) for v in values) else math.inf


@dataclass
class ErrorBound:
    """Running bounds on how far torch's parameters and accumulated gradient may be from exact.

    theta = (w, b) and each batch's rows are augmented with a 1 for the bias. For a batch of m rows
    with Frobenius norm F and loss scale c, the step is theta' = theta - lr*G with G = G_prev + g and
    g = H theta - h, H = 2c X^T X. So an error e in theta becomes at most ||I - lr H||_2 * e (H is
    symmetric, so that norm is max |1 - lr*lambda|: below 1 where SGD contracts, the growth factor
    where it diverges), plus lr times the error already in G_prev, plus the rounding of this step:
    eps * K * (sizes of the numbers involved), with K = m + d + 4 roundings in each dot product and
    sum, doubled for safety. Residual, loss and gradient bounds follow from the same terms.
    """

    eps: float
    theta: float
    grad: float = 0.0


def verify(s: Scenario, trace: Trace, exact: Exact) -> None:
    eps = machine_epsilon(s.dtype)
    theta0 = norm((*s.weight, s.bias))
    bound = ErrorBound(eps, 2 * eps * theta0)
    epoch = 0
    for number, (step, want) in enumerate(zip(trace.steps, exact.steps, strict=True), start=1):
        rows = want.indices
        if step.indices != rows:
            raise MismatchError(f"{s.slug}: step {number}: torch used rows {step.indices}, the exact run {rows}")
        prefix = f"epoch {step.epoch} batch {step.batch}"
        theta_before = norm((*exact.steps[number - 2].weight, exact.steps[number - 2].bias)) if number > 1 else theta0
        matrix = np.array([[float(v) for v in s.features[i]] + [1.0] for i in rows])
        frobenius = float(np.linalg.norm(matrix))
        c = float(s.loss_scale(len(rows)))
        k = 2 * (len(rows) + s.d + 4)
        labels = norm([s.labels[i] for i in rows])
        r_norm = norm(want.residual)
        e_r = frobenius * bound.theta + eps * k * (frobenius * theta_before + labels)
        e_loss = c * (2 * r_norm * e_r + e_r * e_r + eps * k * r_norm * r_norm)
        check(s.slug, f"{prefix}: loss", step.loss, want.loss, e_loss, s.dtype)
        h = 2 * c * matrix.T @ matrix
        local_g = 2 * c * frobenius * eps * k * (frobenius * theta_before + labels + r_norm)
        e_g = (0.0 if s.zero_grad else bound.grad) + float(np.linalg.norm(h, 2)) * bound.theta + local_g
        for j in range(s.d):
            check(s.slug, f"{prefix}: w.grad[{j}]", step.grad_weight[j], want.grad_weight[j], e_g, s.dtype)
        check(s.slug, f"{prefix}: b.grad", step.grad_bias, want.grad_bias, e_g, s.dtype)
        lr = float(s.lr)
        growth = max(abs(1 - lr * lam) for lam in np.linalg.eigvalsh(h))
        grad_norm = norm((*want.grad_weight, want.grad_bias))
        theta_after = norm((*want.weight, want.bias))
        e_theta = growth * bound.theta + lr * (0.0 if s.zero_grad else bound.grad) + lr * local_g
        e_theta += eps * k * (theta_after + lr * grad_norm)
        bound = ErrorBound(eps, e_theta, e_g)
        for j in range(s.d):
            check(s.slug, f"{prefix}: w[{j}] after the step", step.weight[j], want.weight[j], e_theta, s.dtype)
        check(s.slug, f"{prefix}: b after the step", step.bias, want.bias, e_theta, s.dtype)
        if step.batch == s.batches_per_epoch:
            full = np.array([[float(v) for v in row] + [1.0] for row in s.features])
            f_full = float(np.linalg.norm(full))
            k_full = 2 * (s.n + s.d + 4)
            residual = norm(_residual(s, tuple(range(s.n)), want.weight, want.bias))
            e_rf = f_full * e_theta + eps * k_full * (f_full * theta_after + norm(s.labels))
            c_full = float(s.loss_scale(s.n))
            e_full = c_full * (2 * residual * e_rf + e_rf * e_rf + eps * k_full * residual * residual)
            check(s.slug, f"epoch {step.epoch}: full-data loss", trace.epoch_loss[epoch], exact.epoch_loss[epoch], e_full, s.dtype)
            epoch += 1
