"""Kind `mse`: torch.nn.MSELoss on a matrix X against a target Y, with X.grad by autograd.

scenario.py  the TOML format          run.py   the real torch run
exact.py     sympy, exact values and the check of torch against them
program.py   the program the page shows   page.py  the template's view, from the results file
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from generator import results as res
from generator.codec import V, v
from generator.kinds.base import Kind, Solved, claimable
from generator.kinds.mse.exercises import exercises
from generator.kinds.mse.facts import facts
from generator.kinds.mse.page import printed, view
from generator.kinds.mse.program import program
from generator.kinds.mse.results import Legacy, LegacyCall, MseResults, OtherReduction, Raised, Values
from generator.kinds.mse.scenario import KEYS, NAME, REDUCTIONS, Scenario, parse

if TYPE_CHECKING:
    from generator.kinds.mse.exact import Bounds, Exact
    from generator.kinds.mse.trace import LegacyRun, Trace

__all__ = ["KIND", "REDUCTIONS", "Scenario", "compute", "derive", "parse", "verify"]


# The torch and sympy stages are imported when they run, so that rendering a page needs neither.
def compute(s: Scenario) -> Trace:
    from generator.kinds.mse import run

    return run.compute(s)


def derive(s: Scenario) -> Exact:
    from generator.kinds.mse import exact

    return exact.derive(s)


def verify(solved: Solved[Scenario, Trace, Exact]) -> Bounds:
    from generator.kinds.mse import exact

    return exact.verify(solved.scenario, solved.trace, solved.exact)


def _loss(trace: Trace, exact: Exact, bounds: Bounds) -> V | Values:
    if isinstance(trace.loss, tuple) and isinstance(exact.loss, tuple) and isinstance(bounds.loss, tuple):
        return res.matrix(trace.loss, exact.loss, bounds.loss)
    if isinstance(trace.loss, float) and isinstance(exact.loss, Fraction) and isinstance(bounds.loss, float):
        return v(trace.loss, exact.loss, bounds.loss)
    raise TypeError("mse: the loss is one number or a matrix in the run, the exact values and the bounds alike")


def _legacy(trace: Trace) -> Legacy | None:
    def call(run: LegacyRun) -> LegacyCall:
        return LegacyCall(run.size_average, run.reduce, run.reduction, tuple(Raised(c, m) for c, m in run.warnings))

    return None if trace.legacy is None else Legacy(call(trace.legacy), tuple(call(row) for row in trace.legacy_table))


def record(solved: Solved[Scenario, Trace, Exact], bounds: Bounds) -> MseResults:
    s, trace, exact = solved.scenario, solved.trace, solved.exact
    loss = _loss(trace, exact, bounds)
    others = tuple(
        OtherReduction(reduction=reduction, loss=v(ran.loss, other_loss, loss_bound), grad=res.matrix(ran.grad, other_grad, grad_bound))
        for ran, (reduction, other_loss, other_grad), (loss_bound, grad_bound) in zip(trace.others, exact.others, bounds.others)
    )
    return MseResults(
        reduction=s.reduction,
        X=s.X,
        Y=s.Y,
        residual=res.matrix(trace.residual, exact.residual, bounds.residual),
        squares=res.matrix(trace.squares, exact.squares, bounds.squares),
        sum_squares=v(trace.sum_squares, exact.sum_squares, bounds.sum_squares),
        loss=loss,
        grad=res.matrix(trace.grad, exact.grad, bounds.grad),
        other_reduction=others if s.reduction == "none" else others[0],
        facts=facts(loss, s.dtype),
        exercises=exercises(s),
        backward_error=None if trace.backward_error is None else Raised(*trace.backward_error),
        legacy=_legacy(trace),
    )


KIND: Kind[Scenario, Trace, Exact, Bounds, MseResults] = Kind(
    name=NAME,
    template="mse.md.j2",
    keys=KEYS,
    inputs=("X", "Y"),
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    record=record,
    results=MseResults,
    view=view,
    printed=printed,
    claimable=claimable(MseResults, "loss", "sum_squares", "grad", "residual", "squares", "other_reduction"),
)
