"""Kind `cross-entropy`: torch.nn.CrossEntropyLoss on logits, with logits.grad by autograd; its exact
values are irrational (log, exp), held by the exact layer (generator/exact/).

scenario.py  the TOML format          run.py   the real torch run
exact.py     sympy expressions, the bounds (ball arithmetic along the kernels) and the proof
program.py   the program the page shows   page.py  the template's view, from the results file
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from generator.kinds.base import Kind, Solved, claimable
from generator.kinds.cross_entropy.page import printed, view
from generator.kinds.cross_entropy.program import program
from generator.kinds.cross_entropy.results import CrossEntropyResults
from generator.kinds.cross_entropy.scenario import KEYS, NAME, Scenario, parse

if TYPE_CHECKING:
    from generator.kinds.cross_entropy.exact import Bounds, Exact
    from generator.kinds.cross_entropy.trace import Trace


def compute(s: Scenario) -> Trace:
    from generator.kinds.cross_entropy import run

    return run.compute(s)


def derive(s: Scenario) -> Exact:
    from generator.kinds.cross_entropy import exact

    return exact.derive(s)


def verify(solved: Solved[Scenario, Trace, Exact]) -> Bounds:
    from generator.kinds.cross_entropy import exact

    return exact.verify(solved.scenario, solved.trace, solved.exact)


def record(solved: Solved[Scenario, Trace, Exact], bounds: Bounds) -> CrossEntropyResults:
    from generator.kinds.cross_entropy.recording import record as record_run

    return record_run(solved.scenario, solved.trace, solved.exact, bounds)


KIND: Kind[Scenario, Any, Any, Any, CrossEntropyResults] = Kind(
    name=NAME,
    template="cross-entropy.md.j2",
    keys=KEYS,
    inputs=("logits", "target", "weight", "label_smoothing", "ignore_index", "coefficients", "denominator", "row_weights",
            "offsets", "overflow"),
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    record=record,
    results=CrossEntropyResults,
    view=view,
    printed=printed,
    claimable=claimable(CrossEntropyResults, "loss", "grad", "softmax", "log_softmax", "row_loss", "nll", "pitfall"),
)
