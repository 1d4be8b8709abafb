"""Kind `optimizers`: linreg-sgd's model and data trained by several torch optimizers (SGD with
momentum or Nesterov, RMSprop, Adam, AdamW) from the same start on the same batches, every step
and every state buffer recorded; exact values past a square root are enclosed (generator/exact/).

scenario.py  the TOML format ([[optimizer]])   run.py    the real torch runs (foreach=False)
steps.py     torch's operations per optimizer, on affine-tracked values (generator/exact/affine.py)
exact.py     the exact runs, their bounds and the proof     recording.py  the results record
facts.py     what the page may state            page.py   the template's view, from the results file
program.py   the program the page shows
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.kinds.base import Kind, Solved, claimable
from generator.kinds.optimizers.page import files, printed, view
from generator.kinds.optimizers.program import program
from generator.kinds.optimizers.results import OptimizersResults
from generator.kinds.optimizers.scenario import KEYS, NAME, Scenario, parse

if TYPE_CHECKING:
    from generator.kinds.optimizers.exact import ExactRun
    from generator.kinds.optimizers.trace import Trace


@dataclass(frozen=True)
class Verified:
    """verify's proof holds; the bounds travel with the exact runs."""


def compute(s: Scenario) -> tuple[Trace, ...]:
    from generator.kinds.optimizers import run

    return run.compute(s)


def derive(s: Scenario) -> tuple[ExactRun, ...]:
    from generator.kinds.linreg_sgd import shuffle
    from generator.kinds.optimizers import exact

    return exact.derive(s, shuffle.schedule(s))


def verify(solved: Solved[Scenario, Any, Any]) -> Verified:
    from generator.kinds.optimizers import exact

    exact.verify(solved.scenario, solved.trace, solved.exact)
    return Verified()


def record(solved: Solved[Scenario, Any, Any], bounds: Verified) -> OptimizersResults:
    from generator.kinds.optimizers.recording import record as record_runs

    return record_runs(solved.scenario, solved.trace, solved.exact)


KIND: Kind[Scenario, Any, Any, Verified, OptimizersResults] = Kind(
    name=NAME,
    template="optimizers.md.j2",
    keys=KEYS,
    inputs=("features", "labels", "initial_weight", "initial_bias"),
    parse=parse,
    compute=compute,
    derive=derive,
    verify=verify,
    program=program,
    record=record,
    results=OptimizersResults,
    view=view,
    printed=printed,
    files=files,
    claimable=claimable(OptimizersResults, "runs", "initial_loss"),
)
