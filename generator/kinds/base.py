"""The contract every scenario kind fulfils: typed stages from a scenario file to its pages.

A kind is a package with the same modules: `scenario.py` (the TOML format), `run.py` (torch),
`exact.py` (sympy and fractions, and the check of torch against them), `page.py` (the template's
view, from the results file alone) and its template. Its `__init__.py` declares one `Kind`.

    parse   Reader, ScenarioHeader -> S, the frozen scenario (None when the reader collected problems)
    compute S -> T, every intermediate of the real torch run             (imports torch)
    derive  S -> E, the same quantities exactly, gradients from sympy      (imports sympy)
    verify  Solved[S, T, E] -> B, a verified bound for every torch value; raises MismatchError
    program S -> the standalone PyTorch program the page shows (templates/programs/<kind>.py.j2)
    record  Solved[S, T, E], B -> R, the kind's part of the results file (kinds/<kind>/results.py,
            frozen dataclasses; generator/codec.py writes and reads them)
    view    S, R, language -> the template's view; reads only the results, never torch
    printed R -> the values the program prints, in order, each with its results path ("grad[0][1]"):
            what the downloadable program's self-check compares with the exact values
    files   S, R, language -> extra files beside the page, such as plots (name -> bytes)

Rendering (view, files, the template) is a pure function of the scenario and its results, so a
page can be rebuilt from a committed results file on a machine without torch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from generator.codec import RealV, V
from generator.reader import Reader
from generator.scenario import Scenario, ScenarioHeader

S = TypeVar("S", bound=Scenario)
T = TypeVar("T")
E = TypeVar("E")
B = TypeVar("B")
R = TypeVar("R")


@dataclass(frozen=True)
class Printed:
    """One value the shown program prints: where it is in the results, and the value."""

    path: str  # "loss", "grad[0][1]", "steps[3].weight[0]"
    value: V | RealV


@dataclass(frozen=True)
class Solved(Generic[S, T, E]):
    """A scenario with its torch run and its exact twin: what verify checks and record writes."""

    scenario: S
    trace: T
    exact: E


def no_files(scenario: object, results: object, language: str) -> dict[str, bytes]:
    return {}


def claimable(results: type, *keys: str) -> tuple[str, ...]:
    """The results keys a [claims] path may start with, each checked to be a field of `results`."""
    fields = dataclasses.fields(results)
    missing = [key for key in keys if key not in {item.name for item in fields}]
    if missing:
        raise TypeError(f"{results.__name__} has no field {missing[0]!r}")
    return keys


@dataclass(frozen=True)
class Kind(Generic[S, T, E, B, R]):
    name: str  # the value of `kind` in a scenario file
    template: str  # the page template, in templates/
    keys: tuple[str, ...]  # the scenario file's keys besides HEADER_KEYS, as the README's table lists them
    inputs: tuple[str, ...]  # the results keys that hold the scenario's exact inputs
    parse: Callable[[Reader, ScenarioHeader], S | None]
    compute: Callable[[S], T]
    derive: Callable[[S], E]
    verify: Callable[[Solved[S, T, E]], B]
    program: Callable[[S], str]
    record: Callable[[Solved[S, T, E], B], R]
    results: type[R]  # the type record returns, which the codec reads a results file back into
    view: Callable[[S, R, str], object]
    printed: Callable[[R], list[Printed]]  # the values the program prints, in its order
    files: Callable[[S, R, str], dict[str, bytes]] = field(default=no_files)
    claimable: tuple[str, ...] = ()  # the results keys a [claims] path may start with
