"""The regression-losses page's exercises: inputs the run did not use (one entry moved to another
residual, SmoothL1Loss with another beta) and both branches on the boundary, worked exactly by the
page's definitions (definitions.py) and recorded in the results file as `exercises`, so that every
number of an answer comes from the results like every other."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.kinds.regression_losses.definitions import branches, closed_form
from generator.kinds.regression_losses.scenario import LOSSES, Scenario
from generator.reader import Matrix


@dataclass(frozen=True)
class EntryLoss:
    """One loss at the moved entry, and the whole loss after the move."""

    value: Fraction  # the entry's loss
    slope: Fraction  # its derivative in x
    case: str  # the branch it takes, as the results' `case`
    grad: Fraction  # its X.grad entry: the slope over the reduction's divisor
    loss: Fraction  # the loss over every entry after the move


@dataclass(frozen=True)
class Moved:
    """Entry [0][0] moved to a residual the run does not have: halfway between beta and delta when
    they differ (SmoothL1 and Huber then take different branches), beta / 2 when they are equal
    (the quadratic branch of both), with the sign opposite to its own residual (negative at 0)."""

    residual: Fraction
    losses: dict[str, EntryLoss]  # by LOSSES key


@dataclass(frozen=True)
class OtherBeta:
    """SmoothL1Loss on the same residuals with twice the scenario's beta."""

    beta: Fraction
    elementwise: Matrix
    case: tuple[tuple[str, ...], ...]
    sum: Fraction
    loss: Fraction


@dataclass(frozen=True)
class Boundary:
    """Both branches of SmoothL1Loss (or HuberLoss) at |r| = beta (or delta): at the first entry
    there (row and column counted from 0), or, when no entry is there, at r = beta (row None)."""

    loss: str  # "smooth_l1" or "huber"
    row: int | None
    column: int | None
    residual: Fraction
    edge: Fraction  # beta or delta
    quadratic: Fraction
    quadratic_slope: Fraction
    linear: Fraction
    linear_slope: Fraction


@dataclass(frozen=True)
class BetaRange:
    """Exercise 3: the betas for which SmoothL1Loss puts every entry on one branch. Every entry is
    quadratic for beta > largest (the loss is then MSE's over 2 beta), every entry linear for
    0 < beta <= smallest (the loss is then L1's less count * beta / 2; none when smallest = 0).
    `at_beta` places the scenario's own beta ("quadratic", "linear" or "mixed") and `value` is the
    range's formula there (None when mixed), which `beta_range` checks against SmoothL1's own sum."""

    largest: Fraction  # max |r|
    smallest: Fraction  # min |r|
    count: Fraction  # entries per divisor: 1 with "mean", n·d with "sum"
    at_beta: str
    value: Fraction | None


@dataclass(frozen=True)
class RegressionExercises:
    moved: Moved
    other_beta: OtherBeta
    boundary: Boundary  # kept in the results (a public key); the page no longer asks it (section 2 works it)
    beta_range: BetaRange


def moved_residual(s: Scenario) -> Fraction:
    size = s.beta / 2 if s.beta == s.delta else (s.beta + s.delta) / 2
    return -size if s.residual[0][0] >= 0 else size


def moved(s: Scenario) -> Moved:
    r, old = moved_residual(s), s.residual[0][0]
    losses = {}
    for name in LOSSES:
        value, slope, case = closed_form(name, r, s.beta, s.delta)
        total = sum((closed_form(name, x, s.beta, s.delta)[0] for row in s.residual for x in row), Fraction(0))
        after = total - closed_form(name, old, s.beta, s.delta)[0] + value
        losses[name] = EntryLoss(value, slope, case, slope / s.divisor, after / s.divisor)
    return Moved(r, losses)


def other_beta_of(beta: Fraction, delta: Fraction) -> Fraction:
    """The exercise's beta: twice the scenario's, or three times where twice is delta (SmoothL1Loss
    with beta = delta is HuberLoss over delta, whose numbers the page already shows)."""
    return 2 * beta if 2 * beta != delta else 3 * beta


def other_beta(s: Scenario) -> OtherBeta:
    beta = other_beta_of(s.beta, s.delta)
    entries = [[closed_form("smooth_l1", r, beta, s.delta) for r in row] for row in s.residual]
    values = tuple(tuple(e[0] for e in row) for row in entries)
    total = sum((v for row in values for v in row), Fraction(0))
    return OtherBeta(beta, values, tuple(tuple(e[2] for e in row) for row in entries), total, total / s.divisor)


def boundary(s: Scenario) -> Boundary:
    places = [(name, edge, i, j) for name, edge in (("smooth_l1", s.beta), ("huber", s.delta))
              for i, row in enumerate(s.residual) for j, r in enumerate(row) if abs(r) == edge]
    row: int | None
    column: int | None
    if places:
        name, edge, row, column = places[0]
        r = s.residual[row][column]
    else:
        name, edge, row, column, r = "smooth_l1", s.beta, None, None, s.beta
    (quadratic, quadratic_slope), (linear, linear_slope) = branches(name, r, edge)
    return Boundary(name, row, column, r, edge, quadratic, quadratic_slope, linear, linear_slope)


def beta_range(s: Scenario) -> BetaRange:
    sizes = [abs(r) for row in s.residual for r in row]
    largest, smallest = max(sizes), min(sizes)
    count = Fraction(len(sizes)) / s.divisor
    total = sum((closed_form("smooth_l1", r, s.beta, s.delta)[0] for row in s.residual for r in row), Fraction(0))
    squares = sum((r * r for r in sizes), Fraction(0)) / s.divisor
    absolute = sum(sizes, Fraction(0)) / s.divisor
    at_beta, value = "mixed", None
    if s.beta > largest:
        at_beta, value = "quadratic", squares / (2 * s.beta)
    elif 0 < smallest and s.beta <= smallest:
        at_beta, value = "linear", absolute - count * s.beta / 2
    if value is not None and value != total / s.divisor:
        raise AssertionError(f"exercise 3's {at_beta} formula gives {value}, SmoothL1Loss {total / s.divisor}")
    return BetaRange(largest, smallest, count, at_beta, value)


def exercises(s: Scenario) -> RegressionExercises:
    return RegressionExercises(moved(s), other_beta(s), boundary(s), beta_range(s))
