"""The cross-entropy page's exercises, on inputs the run did not use, worked exactly (sympy, with
each irrational answer enclosed by ball arithmetic) and recorded in the results file as `exercises`:
every logit set to 0, and the first counted row with another class as its target. A third exercise
(each row of logits.grad adds up to 0) is algebra on the page's own formulas and needs no numbers."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.kinds.cross_entropy.scenario import Scenario
from generator.reader import Matrix, Vector


@dataclass(frozen=True)
class Enclosed:
    """An exact value that no torch run computed: sympy's text and an enclosure lo <= it <= hi."""

    expr: str
    lo: str
    hi: str


@dataclass(frozen=True)
class ZeroLogits:
    """Every logit 0 (a model that prefers no class): each p_ij = 1/C, so row i's loss is
    (sum_j c_ij) log C, and logits.grad_ij = ((sum_k c_ik) / C - c_ij) / D, a fraction."""

    factors: Vector  # the loss is factor * log C: one factor (mean, sum) or one per row (none)
    loss: tuple[Enclosed, ...]  # factor * log C, as many as factors
    grad: Matrix


@dataclass(frozen=True)
class OtherClass:
    """The first counted row with another class k as its target (the largest logit that is not
    its class; class-index targets without label smoothing): its loss w_k (log S_1 - x_1k)."""

    row: int  # counted from 0, as the results' paths
    target: int  # the class it has
    other: int  # the class it is given instead
    weight: Fraction  # w_k (1 without weights)
    loss: Enclosed
    lower: bool | None  # the new loss is below the row's loss (None: they could not be told apart)


@dataclass(frozen=True)
class CrossEntropyExercises:
    zero_logits: ZeroLogits
    other_class: OtherClass | None  # None with probability targets, label smoothing or no counted row


def enclosed(expr: object) -> Enclosed:
    from generator.exact import ball, symbolic

    lo, hi = ball.enclosure(expr)
    return Enclosed(symbolic.text(expr), lo, hi)


def zero_logits(s: Scenario) -> ZeroLogits:
    from generator.exact import symbolic

    n, C = s.shape
    c = s.coefficients()
    D = s.denominator if s.reduction == "mean" and s.denominator is not None else Fraction(1)
    weights = [sum(row, Fraction(0)) for row in c]
    factors = tuple(weights) if s.reduction == "none" else (sum(weights, Fraction(0)) / D,)
    log_c = symbolic.log(symbolic.rational(Fraction(C)))
    grad = tuple(tuple((weights[i] / C - c[i][j]) / D for j in range(C)) for i in range(n))
    return ZeroLogits(factors, tuple(enclosed(symbolic.rational(f) * log_c) for f in factors), grad)


def other_class(s: Scenario) -> OtherClass | None:
    from generator.exact import ball, symbolic

    if s.classes is None or s.label_smoothing:
        return None
    counted = [i for i in range(s.shape[0]) if s.kept(i)]
    if not counted:
        return None
    i = counted[0]
    row, target = s.logits[i], s.classes[i]
    other = max((j for j in range(len(row)) if j != target), key=lambda j: (row[j], -j))
    log_sum = symbolic.log(symbolic.total([symbolic.exp(symbolic.rational(x)) for x in row]))

    def loss(k: int) -> object:
        return symbolic.rational(s.class_weight(k)) * (log_sum - symbolic.rational(row[k]))

    new, old = loss(other), loss(target)
    return OtherClass(i, target, other, s.class_weight(other), enclosed(new), ball.below(new, old))


def exercises(s: Scenario) -> CrossEntropyExercises:
    return CrossEntropyExercises(zero_logits(s), other_class(s))
