"""Torch's operations for one step of each optimizer, on `Tracked` values (generator/exact/affine.py):
the same code gives the exact trajectory and the bound of every float torch computes.

The operations, from torch 2.13's single-tensor code paths (torch/optim/sgd.py _single_tensor_sgd,
rmsprop.py _single_tensor_rmsprop, adam.py _single_tensor_adam, foreach=False), per parameter:
    SGD      g += wd*p;  buf = g (step 1) or buf*mu + (1-dampening)*g;  g = g + mu*buf (nesterov) or buf;
             p += (-lr)*g
    RMSprop  g += wd*p;  sq = sq*alpha + (1-alpha)*g*g;  ga = lerp(ga, g, 1-alpha) (centered);
             avg = sqrt(sq - ga*ga) or sqrt(sq);  avg += eps;
             buf = buf*mu + g/avg; p += (-lr)*buf  (momentum)  or  p += (-lr)*g/avg
    Adam     p *= 1 - lr*wd (AdamW) or g += wd*p (Adam);  m = lerp(m, g, 1-beta1);
             v = v*beta2 + (1-beta2)*g*g;  vmax = max(vmax, v) (amsgrad);
             denom = sqrt(v or vmax) / sqrt(1-beta2^t) + eps;  p += (-lr/(1-beta1^t)) * m / denom
Python computes 1-beta^t, lr/(1-beta1^t) and sqrt(1-beta2^t) in doubles with libm's pow; the kernels
convert every Python scalar to the dtype. lerp(a, b, w) takes w as the dtype's scalar_t(w) and is
a + w*(b - a) for |w| < 0.5, else b - (b - a)*(1 - w), 1 - w formed in the dtype from that converted w
(ATen's Lerp.h; exact, w being in [0.5, 1]), not from the double 1 - w.
A denominator sqrt(...) + eps is at least the eps torch holds (a sum's rounding is monotonic), which
bounds its quotient however wide the root's deviation. A centered RMSprop's square_avg - grad_avg^2
whose range reaches below 0 can be negative in torch's floats, whose sqrt is nan: NegativeRootError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from generator.exact.affine import Space, Tracked, exact_sqrt, total
from generator.kinds.optimizers.scenario import Optimizer, Scenario

POW_SLACK = 2.0**-49  # libm's pow within 4 ulps on any machine we accept (glibc: 1)


class NegativeRootError(ArithmeticError):
    """The argument of a square root torch takes may be below 0 in its floats (a nan)."""


@dataclass
class Parameter:
    """One scalar parameter (a weight entry or the bias) and its state buffers."""

    value: Tracked
    state: dict[str, Tracked] = field(default_factory=dict)


@dataclass(frozen=True)
class Detail:
    """What the page works out at a step, per parameter, beyond the state: the gradient the update
    used (after weight decay), the denominator and the update p_after - p_before (exact values)."""

    used: Tracked
    denominator: Tracked | None
    update: Tracked | None


class Stepper:
    """One optimizer's step over every parameter, with the constants it converts."""

    def __init__(self, space: Space, s: Scenario, optimizer: Optimizer) -> None:
        self.space, self.s, self.o = space, s, optimizer

    def double(self, exact: Fraction, slack: float = 0.0) -> Tracked:
        return self.space.python_double(exact, float(exact), slack)

    def option(self, name: str) -> Tracked:
        return self.double(self.o.number(name))

    def computed(self, exact: Fraction, double: float, slack: float = 0.0) -> Tracked:
        return self.space.python_double(exact, double, slack)

    def lerp(self, a: Tracked, b: Tracked, weight: Fraction, weight_double: float) -> Tracked:
        converted = float(np.array(weight_double, dtype=self.space.dtype))  # ATen's weight.to<scalar_t>()
        if abs(converted) < 0.5:
            return a + self.computed(weight, weight_double) * (b - a)
        return b - (b - a) * self.space.constant(1 - weight, (1 - converted,))

    def eps_floor(self) -> float:
        """The least value torch's eps can have in the dtype (the double, or its conversion)."""
        eps = float(self.o.number("eps"))
        return min(eps, float(np.array(eps, dtype=self.space.dtype)))

    def step(self, t: int, grads: list[Tracked], params: list[Parameter]) -> list[Detail]:
        if self.o.name == "SGD":
            return [self.sgd(g, p) for g, p in zip(grads, params)]
        if self.o.name == "RMSprop":
            return [self.rmsprop(g, p) for g, p in zip(grads, params)]
        return self.adam(t, grads, params)

    def _decayed(self, g: Tracked, p: Parameter) -> Tracked:
        return g + p.value * self.option("weight_decay") if self.o.number("weight_decay") else g

    def sgd(self, g: Tracked, p: Parameter) -> Detail:
        g = self._decayed(g, p)
        used = g
        mu = self.o.number("momentum")
        if mu:
            buf = p.state.get("momentum_buffer")
            damp = self.o.number("dampening")
            if buf is None:
                buf = g
            else:
                buf = buf * self.option("momentum") + g * self.computed(1 - damp, 1 - float(damp))
            p.state["momentum_buffer"] = buf
            g = g + buf * self.option("momentum") if self.o.flag("nesterov") else buf
        before = p.value
        p.value = p.value + g * self.double(-self.o.lr)
        return Detail(used, None, p.value - before)

    def rmsprop(self, g: Tracked, p: Parameter) -> Detail:
        g = self._decayed(g, p)
        alpha = self.o.number("alpha")
        zero = self.space.exact(Fraction(0))
        sq = p.state.get("square_avg", zero) * self.option("alpha") + g * self.computed(1 - alpha, 1 - float(alpha)) * g
        p.state["square_avg"] = sq
        if self.o.flag("centered"):
            ga = self.lerp(p.state.get("grad_avg", zero), g, 1 - alpha, 1 - float(alpha))
            p.state["grad_avg"] = ga
            centered = sq - ga * ga
            if not centered.certainly_nonnegative():
                raise NegativeRootError("square_avg - grad_avg^2")
            avg = centered.sqrt()
        else:
            avg = sq.sqrt()
        avg = avg + self.option("eps")
        before = p.value
        if self.o.number("momentum"):
            buf = p.state.get("momentum_buffer", zero) * self.option("momentum") + g.divided(avg, self.eps_floor())
            p.state["momentum_buffer"] = buf
            p.value = p.value + buf * self.double(-self.o.lr)
        else:
            p.value = p.value + (g * self.double(-self.o.lr)).divided(avg, self.eps_floor())
        return Detail(g, avg, p.value - before)

    def adam(self, t: int, grads: list[Tracked], params: list[Parameter]) -> list[Detail]:
        beta1, beta2 = self.o.get("betas")
        b1, b2, lr, wd = float(beta1), float(beta2), self.o.lr, self.o.number("weight_decay")
        bc1_double, bc2_double = 1 - b1 ** float(t), 1 - b2 ** float(t)
        bc1, bc2 = 1 - beta1**t, 1 - beta2**t
        step_size = self.computed(-lr / bc1, -(float(lr) / bc1_double), abs(float(lr) / bc1_double) * POW_SLACK * 2 / bc1_double)
        bc2_sqrt = self.space.root_constant(bc2, bc2_double ** 0.5, POW_SLACK / bc2_double)  # sqrt(1 - beta2^t) as Python's ** 0.5
        details = []
        zero = self.space.exact(Fraction(0))
        for g, p in zip(grads, params):
            before = p.value
            if wd and self.o.name == "AdamW":
                p.value = p.value * self.computed(1 - lr * wd, 1 - float(lr) * float(wd))
            elif wd:
                g = g + p.value * self.option("weight_decay")
            m = self.lerp(p.state.get("exp_avg", zero), g, 1 - beta1, 1 - b1)
            v = p.state.get("exp_avg_sq", zero) * self.double(beta2) + g * self.computed(1 - beta2, 1 - b2) * g
            p.state["exp_avg"], p.state["exp_avg_sq"] = m, v
            if self.o.flag("amsgrad"):
                v = p.state.get("max_exp_avg_sq", zero).maximum(v)
                p.state["max_exp_avg_sq"] = v
            scaled = v.sqrt() / bc2_sqrt
            if isinstance(v.exact, Fraction):  # the same number, rational whenever v / (1 - beta2^t) is a square (step 1)
                scaled.exact = exact_sqrt(v.exact / bc2)
            denom = scaled + self.option("eps")
            p.value = p.value + (m * step_size).divided(denom, self.eps_floor())
            details.append(Detail(g, denom, p.value - before))
        return details


def forward(space: Space, s: Scenario, rows: tuple[int, ...], theta: list[Tracked]) -> list[Tracked]:
    """r_i = (x_i . w + b) - y_i: addmm's sum of d products and the bias, in any order, then the loss kernel's difference."""
    return [total([space.held(s.features[i][j]) * theta[j] for j in range(s.d)] + [theta[s.d]]) - space.held(s.labels[i])
            for i in rows]


def loss(space: Space, s: Scenario, residual: list[Tracked]) -> Tracked:
    """MSELoss: the sum of squares, over m for mean (and for sum/batch, which divides loss by len(y))."""
    squares = total([r * r for r in residual])
    return squares if s.reduction == "sum" else squares / space.exact(Fraction(len(residual)))


def gradient(space: Space, s: Scenario, rows: tuple[int, ...], residual: list[Tracked]) -> list[Tracked]:
    """backward(): go_i = (2 r_i) * kappa, kappa 1/m as the mean's norm 2/m or sum/batch's grad_output
    1/m holds it in the dtype (1 for sum); then w.grad_j = sum_i go_i x_ij and b.grad = sum_i go_i."""
    m = len(rows)
    two = space.exact(Fraction(2))
    if s.reduction == "sum":
        go = [r * two for r in residual]
    else:
        held: tuple[float, ...]
        if s.reduction == "mean":
            held = (float(np.array(2 / m, dtype=s.dtype)) / 2, (2 / m) / 2)
        else:
            held = (float(np.array(1 / m, dtype=s.dtype)),)
        kappa = space.constant(Fraction(1, m), held)
        go = [r * two * kappa for r in residual]
    grads = [total([g * space.held(s.features[i][j]) for g, i in zip(go, rows)]) for j in range(s.d)]
    return [*grads, total(go)]
