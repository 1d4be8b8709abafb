"""What a regression-losses page states about its run (issue 22), decided from the results' exact
values: where residuals sit on a branch boundary or on L1's kink, which branch every entry takes,
whether HuberLoss equals SmoothL1Loss (or β times it) entry by entry, and what the definitions do on
the boundary |r| = β (or δ): which branch they take there, and whether the two branches meet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from generator.codec import V
from generator.facts import Entries, Fact, entries, fact
from generator.kinds.regression_losses.definitions import branches, closed_form
from generator.kinds.regression_losses.exercises import other_beta_of

if TYPE_CHECKING:  # results.py holds the facts: imported for the annotations only
    from generator.kinds.regression_losses.results import LossResults

Values = tuple[tuple[V, ...], ...]


@dataclass(frozen=True)
class RegressionFacts:
    smoothl1_equals_huber: Fact  # every entry's SmoothL1 and Huber loss are equal, and so are their X.grad entries
    huber_is_beta_times_smoothl1: Fact  # every entry's Huber loss and X.grad entry are β times SmoothL1's
    residuals_on_boundary: Entries  # the entries with |r| = β or |r| = δ
    residuals_at_beta: Entries  # the entries with |r| = β: SmoothL1's boundary
    residuals_at_delta: Entries  # the entries with |r| = δ: Huber's boundary
    l1_kink_at: Entries  # the entries with r = 0, where L1's X.grad entry is sign(0) = 0
    smooth_l1_all_linear: Fact  # no entry on SmoothL1's quadratic branch
    smooth_l1_all_quadratic: Fact  # every entry on SmoothL1's quadratic branch
    huber_all_linear: Fact  # no entry on Huber's quadratic branch
    huber_all_quadratic: Fact  # every entry on Huber's quadratic branch
    boundary_takes_linear: Fact  # at r = ±β, ±2β (SmoothL1: the run's β, the exercise's) and ±δ (Huber): the linear branch
    branches_meet_at_boundary: Fact  # ... and there both branches give the same value and the same slope


def _exact(values: Values) -> list[list[Fraction]]:
    return [[value.exact for value in row] for row in values]


def _where(residual: Values, test: Callable[[Fraction], bool]) -> list[tuple[int, int]]:
    """The entries [i, j] (0-based) whose exact residual passes `test`."""
    return [(i, j) for i, row in enumerate(residual) for j, r in enumerate(row) if test(r.exact)]


def _scaled(a: LossResults, b: LossResults, factor: Fraction) -> bool:
    """b's entries and gradient are `factor` times a's, entry by entry."""
    return all(
        factor * x == y
        for rows_a, rows_b in ((a.elementwise, b.elementwise), (a.grad, b.grad))
        for row_a, row_b in zip(_exact(rows_a), _exact(rows_b))
        for x, y in zip(row_a, row_b)
    )


def _branches(loss: LossResults, case: str) -> bool:
    return all(c == case for row in loss.case for c in row)


def _on_boundary(beta: Fraction, delta: Fraction) -> list[tuple[str, Fraction, Fraction, Fraction]]:
    """(loss, r, beta, delta) at both ends of each boundary the page names: r = ±β for SmoothL1, and
    ±β' with beta = β' (the exercise's: 2β, or 3β where 2β = δ), r = ±δ for Huber."""
    twice = other_beta_of(beta, delta)
    edges = [("smooth_l1", beta, beta, delta), ("smooth_l1", twice, twice, delta), ("huber", delta, beta, delta)]
    return [(name, side * edge, b, d) for name, edge, b, d in edges for side in (1, -1)]


def _meet(quadratic: tuple[Fraction, Fraction], linear: tuple[Fraction, Fraction]) -> bool:
    """The two branches give the same value and the same slope."""
    return quadratic == linear


def facts(beta: Fraction, delta: Fraction, residual: Values, smooth_l1: LossResults, huber: LossResults) -> RegressionFacts:
    edges = _on_boundary(beta, delta)
    at_beta = _where(residual, lambda r: abs(r) == beta)
    at_delta = _where(residual, lambda r: abs(r) == delta)
    return RegressionFacts(
        smoothl1_equals_huber=fact(_scaled(smooth_l1, huber, Fraction(1))),
        huber_is_beta_times_smoothl1=fact(_scaled(smooth_l1, huber, beta)),
        residuals_on_boundary=entries(sorted(set(at_beta) | set(at_delta))),
        residuals_at_beta=entries(at_beta),
        residuals_at_delta=entries(at_delta),
        l1_kink_at=entries(_where(residual, lambda r: r == 0)),
        smooth_l1_all_linear=fact(_branches(smooth_l1, "linear")),
        smooth_l1_all_quadratic=fact(_branches(smooth_l1, "quadratic")),
        huber_all_linear=fact(_branches(huber, "linear")),
        huber_all_quadratic=fact(_branches(huber, "quadratic")),
        boundary_takes_linear=fact(all(closed_form(name, r, b, d)[2] == "linear" for name, r, b, d in edges)),
        branches_meet_at_boundary=fact(all(_meet(*branches(name, r, abs(r))) for name, r, _, _ in edges)),
    )
