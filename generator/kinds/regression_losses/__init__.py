"""Kind `regression-losses`: nn.L1Loss, nn.SmoothL1Loss(beta), nn.HuberLoss(delta) and nn.MSELoss
on one X and Y, side by side, each with X.grad by autograd.

scenario.py  the TOML format          run.py   the real torch run
exact.py     sympy's piecewise definitions, exact values and the check of torch against them
program.py   the program the page shows   page.py  the template's view and the plot, from the results file
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator import results as res
from generator.codec import v
from generator.kinds.base import Kind, Solved, claimable
from generator.kinds.regression_losses.exercises import exercises
from generator.kinds.regression_losses.facts import facts
from generator.kinds.regression_losses.page import files, printed, view
from generator.kinds.regression_losses.program import program
from generator.kinds.regression_losses.results import Losses, LossResults, RegressionResults
from generator.kinds.regression_losses.scenario import KEYS, LOSSES, NAME, REDUCTIONS, Scenario, parse

if TYPE_CHECKING:
    from generator.kinds.regression_losses.exact import Bounds, Exact
    from generator.kinds.regression_losses.trace import Trace

__all__ = ["KIND", "LOSSES", "REDUCTIONS", "Scenario", "compute", "derive", "parse", "verify"]


# The torch and sympy stages are imported when they run, so that rendering a page needs neither.
def compute(s: Scenario) -> Trace:
    from generator.kinds.regression_losses import run

    return run.compute(s)


def derive(s: Scenario) -> Exact:
    from generator.kinds.regression_losses import exact

    return exact.derive(s)


def verify(solved: Solved[Scenario, Trace, Exact]) -> Bounds:
    from generator.kinds.regression_losses import exact

    return exact.verify(solved.scenario, solved.trace, solved.exact)


def record(solved: Solved[Scenario, Trace, Exact], bounds: Bounds) -> RegressionResults:
    s, trace, exact = solved.scenario, solved.trace, solved.exact

    def loss(key: str) -> LossResults:
        got, want, bound = trace.losses[key], exact.losses[key], bounds.losses[key]
        return LossResults(
            elementwise=res.matrix(got.elementwise, want.elementwise, bound.elementwise),
            case=want.case,
            sum=v(got.sum, want.sum, bound.sum),
            loss=v(got.loss, want.loss, bound.loss),
            grad=res.matrix(got.grad, want.grad, bound.grad),
        )

    residual = res.matrix(trace.residual, exact.residual, bounds.residual)
    losses = Losses(l1=loss("l1"), smooth_l1=loss("smooth_l1"), huber=loss("huber"), mse=loss("mse"))
    return RegressionResults(
        reduction=s.reduction,
        beta=s.beta,
        delta=s.delta,
        X=s.X,
        Y=s.Y,
        residual=residual,
        losses=losses,
        facts=facts(s.beta, s.delta, residual, losses.smooth_l1, losses.huber),
        exercises=exercises(s),
    )


KIND: Kind[Scenario, Trace, Exact, Bounds, RegressionResults] = Kind(
    name=NAME,
    template="regression-losses.md.j2",
    keys=KEYS,
    inputs=("X", "Y", "beta", "delta"),
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    record=record,
    results=RegressionResults,
    view=view,
    printed=printed,
    files=files,
    claimable=claimable(RegressionResults, "residual", "losses"),
)
