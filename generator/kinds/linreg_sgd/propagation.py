"""How far torch's SGD run can be from the exact one: rounding errors followed through the steps
with the actual step map (affine arithmetic), so a contracting run contracts its errors too.

Every error is an affine form: a sum of coefficients times symbols eps_s, each |eps_s| <= r_s. The
symbols are the rounding of each input (features, labels, the initial weight and bias, the learning
rate and the loss's scale as torch holds them) and, per step, the rounding of each operation,
bounded a-posteriori by u times the actual magnitudes (the exact values plus their current error
bounds). A step maps the parameters' error delta to (I - lr H) delta + ..., where H = 2c A_B^T A_B;
following that map exactly keeps the cancellations a norm bound would lose. A value's bound is
sum |c_s| r_s, plus the second-order terms (products of two small errors), bounded and added as new
symbols. Sums are bounded in any order (gamma(k) from generator/rounding.py): BLAS and ATen
reduce in orders that differ between processors.

The operations torch performs (torch 2.13, CPU, one thread), for a batch B of m rows:
    out = addmm(b, X_B, w^T)           each out_i a sum of d products and the bias: gamma(d+1)
    r = out - y_B                      one rounding, in the loss kernel (the same r in forward and backward)
    loss = sum(r_i^2) / D              D = m (mean, sum/batch) or 1 (sum): squares, a sum, a division
    go_i = kappa * r_i                 kappa = 2/m as the loss's backward holds it (mean), 2 * fl(1/m)
                                       (sum/batch: the division's backward), or 2 (sum); one rounding
    w.grad = go^T X_B, b.grad = sum go sums of m products / m terms: gamma(m), gamma(m-1)
    G = G_prev + g                     only without zero_grad(): one rounding
    theta = theta + (-lr) * G          optim.SGD's add_(grad, alpha=-lr), alpha in the dtype: two roundings
The coefficients are computed in float64 (they multiply radii of about u), and every bound is
raised by INFLATE to cover their own rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from generator import rounding
from generator.kinds.linreg_sgd.scenario import Scenario
from generator.values import nearest_float, saturated_float

INFLATE = 1 + 2.0**-20  # covers the float64 rounding of the coefficients and radii (relative 1e-16 each)
MAX_ENTRIES = 4_000_000  # symbols x components kept before the per-step symbols are merged into one per component


def gamma(k: int, dtype: str) -> float:
    return float(rounding.gamma(k, dtype))


class Symbols:
    """The radii of every symbol so far; forms are (symbols x components) arrays."""

    def __init__(self) -> None:
        self.radius = np.zeros(0)

    @property
    def count(self) -> int:
        return len(self.radius)

    def fresh(self, radii: np.ndarray) -> np.ndarray:
        """New symbols, one per component: the form with coefficient 1 on each."""
        start = self.count
        self.radius = np.concatenate([self.radius, np.nan_to_num(radii, nan=math.inf)])
        form = np.zeros((self.count, len(radii)))
        form[start + np.arange(len(radii)), np.arange(len(radii))] = 1.0
        return form

    def pad(self, form: np.ndarray) -> np.ndarray:
        """A form made before later symbols existed, with zero coefficients on them."""
        if form.shape[0] == self.count:
            return form
        padded: np.ndarray = np.vstack([form, np.zeros((self.count - form.shape[0], form.shape[1]))])
        return padded

    def bound(self, form: np.ndarray) -> np.ndarray:
        """Per component: sum |coefficient| * radius, raised by INFLATE."""
        with np.errstate(all="ignore"):
            result = (np.abs(self.pad(form)).T @ self.radius) * INFLATE
        finite: np.ndarray = np.nan_to_num(result, nan=math.inf)
        return finite


class Tracker:
    """The error forms of torch's parameters (theta = (w, b)) and accumulated gradient (G)."""

    def __init__(self, s: Scenario, batch_sizes: Sequence[int]) -> None:
        self.s, self.dtype = s, s.dtype
        self.u = float(rounding.unit_roundoff(s.dtype))
        self.symbols = Symbols()
        self.features = np.array([[saturated_float(x) for x in row] for row in s.features])
        self.x_error = np.array([[self._input_error(x) for x in row] for row in s.features])
        self.x_symbols = self._inputs(self.x_error.ravel()).reshape(s.n, s.d)  # each X_ij's symbol, -1 where exact
        self.y_symbols = self._inputs(np.array([self._input_error(y) for y in s.labels]))
        held_lr = rounding.constant(s.lr, s.dtype)  # alpha = -lr, converted to the dtype by add_
        self.lr, self.lr_deviation = saturated_float(s.lr), rounding.up(abs(held_lr.mid - s.lr) + held_lr.rad)
        self.lr_symbol = self._inputs(np.array([self.lr_deviation]))[0]
        self.kappas = {m: self._kappa(m) for m in sorted(set(batch_sizes))}
        self.inputs_count = self.symbols.count
        initial = np.array([self._input_error(w) for w in s.weight] + [self._input_error(s.bias)])
        self.theta = self.symbols.fresh(initial)
        self.grad = np.zeros((self.symbols.count, s.d + 1))
        self.first = True

    def _input_error(self, exact: Fraction) -> float:
        return rounding.up(abs(Fraction(nearest_float(exact, self.dtype)) - exact))

    def _inputs(self, errors: np.ndarray) -> np.ndarray:
        """A symbol per inexact input (its index), -1 for inputs torch holds exactly."""
        indices = np.full(len(errors), -1)
        inexact = np.flatnonzero(errors > 0)
        if len(inexact):
            indices[inexact] = self.symbols.count + np.arange(len(inexact))
            self.symbols.fresh(errors[inexact])
        return indices

    def _kappa(self, m: int) -> tuple[float, float, int, float]:
        """For a batch of m rows: kappa = 2c exactly, the deviation of torch's kappa, its symbol,
        and the relative rounding of go_i = kappa * r_i (0 where kappa is 2: exact)."""
        exact = 2 * self.s.loss_scale(m)
        if self.s.reduction == "sum":
            held, relative = rounding.Ball(Fraction(2)), 0.0
        elif self.s.reduction == "mean":
            held, relative = rounding.constant(exact, self.dtype), self.u
        else:  # the division by len(y): its backward holds 1/m in the dtype; the loss's own norm is 2
            quotient = rounding.constant(Fraction(1, m), self.dtype)
            held, relative = rounding.Ball(2 * quotient.mid, 2 * quotient.rad), self.u
        deviation = rounding.up(abs(held.mid - exact) + held.rad)
        symbol = self.symbols.count
        self.symbols.fresh(np.array([deviation]))
        return saturated_float(exact), deviation, symbol, relative

    def _add_inputs(self, form: np.ndarray, rows: Sequence[int], coefficients: np.ndarray, labels: bool) -> None:
        """Add to `form` (one column per row, or per parameter) the terms of the inputs' rounding:
        for row k (data row i), Delta X_ij times coefficients[k, j]; minus Delta y_i when `labels`."""
        for k, i in enumerate(rows):
            for j in range(self.s.d):
                if self.x_symbols[i, j] >= 0:
                    form[self.x_symbols[i, j], k if labels else j] += coefficients[k, j]
            if labels and self.y_symbols[i] >= 0:
                form[self.y_symbols[i], k] -= 1.0

    def _plus_fresh(self, form: np.ndarray, radii: np.ndarray) -> np.ndarray:
        """`form` plus a new symbol per component with these radii (a rounding, a second-order term)."""
        new = self.symbols.fresh(radii)
        total: np.ndarray = self.symbols.pad(form) + new
        return total

    def _residual(self, rows: list[int], theta: np.ndarray, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The error forms of torch's r_i = (X_i w + b) - y_i for `rows` at the exact parameters
        `theta`, and their bounds: a_i . delta, Delta X_i . w, -Delta y_i, and a new symbol per row
        for the second-order term, addmm's rounding and the subtraction's."""
        d = self.s.d
        augmented = np.hstack([self.features[rows], np.ones((len(rows), 1))])
        theta_form = self.symbols.pad(self.theta)
        form = theta_form @ augmented.T
        self._add_inputs(form, rows, np.tile(theta[:d], (len(rows), 1)), labels=True)
        theta_bound = self.symbols.bound(theta_form)
        size_theta = np.abs(theta) + theta_bound
        x_error = self.x_error[rows]
        products = (np.abs(self.features[rows]) + x_error) @ size_theta[:d] + size_theta[d]
        before = x_error @ theta_bound[:d] + gamma(d + 1, self.dtype) * products
        fresh = before + self.u * (np.abs(residual) + self.symbols.bound(form) + before)
        form = self._plus_fresh(form, fresh)
        return form, self.symbols.bound(form)

    def _loss(self, residual: np.ndarray, form: np.ndarray, bound: np.ndarray, divisor: int) -> float:
        """The bound of torch's loss sum(r_i^2) / divisor: 2 r . delta_r, the second-order
        sum delta_r^2, the squares' and the sum's rounding, the division's."""
        sizes = np.abs(residual) + bound
        total = float(np.sum(sizes * sizes))
        rounding_error = self.u * total + gamma(max(len(residual) - 1, 0), self.dtype) * total * (1 + self.u)
        linear = float(self.symbols.bound((form @ (2 * residual))[:, None])[0])
        error = (linear + float(np.sum(bound * bound)) + rounding_error) / divisor
        if divisor != 1:
            error += self.u * (float(np.sum(residual * residual)) / divisor + error)
        return error * INFLATE if math.isfinite(error) else math.inf

    def step(self, rows: Sequence[int], theta: np.ndarray, residual: np.ndarray, grad: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """One SGD step on `rows` from the exact parameters `theta`, with the exact batch residuals
        and the exact gradient `grad` as step() used it (w.grad then b.grad): the bounds of torch's
        batch loss, its gradient and its parameters after the step. The forms move on."""
        s, d, rows = self.s, self.s.d, list(rows)
        m = len(rows)
        r_form, r_bound = self._residual(rows, theta, residual)
        loss_bound = self._loss(residual, r_form, r_bound, 1 if s.reduction == "sum" else m)
        kappa, deviation, kappa_symbol, relative = self.kappas[m]
        go = kappa * residual
        go_form = kappa * r_form
        go_form[kappa_symbol] += residual
        go_size = np.abs(go) + deviation * (np.abs(residual) + r_bound) + kappa * r_bound
        go_form = self._plus_fresh(go_form, deviation * r_bound + relative * go_size)
        go_bound = self.symbols.bound(go_form)
        augmented = np.hstack([self.features[rows], np.ones((m, 1))])
        g_form = go_form @ augmented
        self._add_inputs(g_form, rows, np.tile(go[:, None], (1, d)), labels=False)
        x_error = np.hstack([self.x_error[rows], np.zeros((m, 1))])
        sums = np.array([gamma(m, self.dtype)] * d + [gamma(max(m - 1, 0), self.dtype)])
        g_fresh = go_bound @ x_error + sums * ((np.abs(go) + go_bound) @ (np.abs(augmented) + x_error))
        if s.zero_grad or self.first:
            grad_form, accumulate = g_form, 0.0
        else:
            grad_form = self.symbols.pad(self.grad) + g_form
            accumulate = self.u * (np.abs(grad) + self.symbols.bound(grad_form) + g_fresh)
        self.first = False
        self.grad = self._plus_fresh(grad_form, g_fresh + accumulate)
        grad_bound = self.symbols.bound(self.grad)
        theta_form = self.symbols.pad(self.theta) - self.lr * self.symbols.pad(self.grad)
        if self.lr_symbol >= 0:
            theta_form[self.lr_symbol] -= grad  # (lr as torch holds it - lr) * G
        update = (self.lr + self.lr_deviation) * (np.abs(grad) + grad_bound)
        second = self.lr_deviation * grad_bound
        after = theta - self.lr * grad
        step_fresh = second + self.u * update + self.u * (np.abs(after) + self.symbols.bound(theta_form) + second + self.u * update)
        self.theta = self._plus_fresh(theta_form, step_fresh)
        self._condense()
        return loss_bound, grad_bound, self.symbols.bound(self.theta)

    def full_loss(self, theta: np.ndarray, residual: np.ndarray) -> float:
        """The bound of torch's loss on all data at the exact parameters `theta`."""
        s = self.s
        r_form, r_bound = self._residual(list(range(s.n)), theta, residual)
        return self._loss(residual, r_form, r_bound, 1 if s.reduction == "sum" else s.n)

    def _condense(self) -> None:
        """Past MAX_ENTRIES, merge every symbol after the inputs into one per component of theta
        and of G (a box: it loses their correlations, never their size)."""
        width = self.s.d + 1
        if self.symbols.count * width <= MAX_ENTRIES:
            return
        theta_bound, grad_bound = self.symbols.bound(self.theta), self.symbols.bound(self.grad)
        self.symbols.radius = self.symbols.radius[: self.inputs_count]
        self.theta = self.symbols.fresh(theta_bound)
        self.grad = self.symbols.fresh(grad_bound)
        self.theta = self.symbols.pad(self.theta)
