"""The linreg-sgd page's exercises, worked exactly from the run's exact steps and recorded in the
results file as `exercises`: step 2 by hand with its intermediate numbers, the first batch's loss
after its own step, and the first step under the other reduction (an input the run did not use)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from generator.kinds.linreg_sgd.scenario import Scenario, residual
from generator.reader import Vector

if TYPE_CHECKING:  # the exact stage imports sympy; the results read this module without it
    from generator.kinds.linreg_sgd.exact import ExactStep


@dataclass(frozen=True)
class SecondStep:
    """Step 2 by hand, from w_1 and b_1: the batch's residuals, X_B^T r, the batch's own gradient,
    and eta times the gradient step() used (without zero_grad(): step 1's plus this one)."""

    residual: Vector
    residual_sum: Fraction
    xt_residual: Vector  # X_B^T r
    fresh_grad_weight: Vector  # this batch's own gradient
    fresh_grad_bias: Fraction
    lr_grad_weight: Vector  # eta times the gradient step() used
    lr_grad_bias: Fraction


@dataclass(frozen=True)
class AfterFirstStep:
    """The first batch again, at w_1 and b_1: its residuals and loss after its own step."""

    residual: Vector
    loss: Fraction


@dataclass(frozen=True)
class OtherReduction:
    """The first step with the other reduction: "sum", or "mean" where this run's is "sum"."""

    reduction: str
    scale: Fraction  # c: the loss is c times the sum of squared residuals
    loss: Fraction
    grad_weight: Vector
    grad_bias: Fraction
    lr_grad_weight: Vector  # eta times the gradients
    lr_grad_bias: Fraction
    weight: Vector  # after the step
    bias: Fraction


@dataclass(frozen=True)
class LinregExercises:
    second: SecondStep | None  # None when the run has one step
    after_first: AfterFirstStep
    other_reduction: OtherReduction


def _xt(s: Scenario, rows: tuple[int, ...], r: Vector) -> Vector:
    """X_B^T r: each column of the batch's rows times the residuals, summed."""
    return tuple(sum((ri * s.features[i][j] for ri, i in zip(r, rows)), Fraction(0)) for j in range(s.d))


def second_step(s: Scenario, first: ExactStep, second: ExactStep) -> SecondStep:
    rows = second.indices
    r = residual(s, rows, first.weight, first.bias)
    factor = 2 * s.loss_scale(len(rows))
    xt = _xt(s, rows, r)
    total = sum(r, Fraction(0))
    return SecondStep(r, total, xt, tuple(factor * v for v in xt), factor * total,
                      tuple(s.lr * g for g in second.grad_weight), s.lr * second.grad_bias)


def after_first_step(s: Scenario, first: ExactStep) -> AfterFirstStep:
    r = residual(s, first.indices, first.weight, first.bias)
    return AfterFirstStep(r, s.loss_scale(len(r)) * sum((v * v for v in r), Fraction(0)))


def other_reduction(s: Scenario, first: ExactStep) -> OtherReduction:
    """The same first batch, the same w_0 and b_0, with the loss's other scale."""
    reduction = "mean" if s.reduction == "sum" else "sum"
    rows, r = first.indices, first.residual
    scale = Fraction(1, len(rows)) if reduction == "mean" else Fraction(1)
    grad_weight = tuple(2 * scale * v for v in _xt(s, rows, r))
    grad_bias = 2 * scale * sum(r, Fraction(0))
    lr_grad_weight, lr_grad_bias = tuple(s.lr * g for g in grad_weight), s.lr * grad_bias
    return OtherReduction(
        reduction, scale, scale * sum((v * v for v in r), Fraction(0)), grad_weight, grad_bias, lr_grad_weight, lr_grad_bias,
        tuple(w - g for w, g in zip(s.weight, lr_grad_weight)), s.bias - lr_grad_bias,
    )


def exercises(s: Scenario, steps: tuple[ExactStep, ...]) -> LinregExercises:
    second = second_step(s, steps[0], steps[1]) if len(steps) > 1 else None
    return LinregExercises(second, after_first_step(s, steps[0]), other_reduction(s, steps[0]))
