"""The contract every scenario kind fulfils: typed stages from a scenario file to its pages.

A kind is a package with the same modules: `scenario.py` (the TOML format), `run.py` (torch),
`exact.py` (sympy and fractions, and the check of torch against them), `page.py` (the template's
view, from the results file alone) and its template. Its `__init__.py` declares one `Kind`.

    parse   Reader, slug -> S, the frozen scenario (None when the reader collected problems)
    compute S -> T, every intermediate of the real torch run             (imports torch)
    derive  S -> E, the same quantities exactly, gradients from sympy      (imports sympy)
    verify  S, T, E -> B, a verified bound for every torch value; raises MismatchError
    program S -> the standalone PyTorch program the page shows and the generator runs
    record  S, T, E, B -> the kind's keys of the results file (JSON-ready)
    view    S, Results -> the template's view; reads only the results file, never torch
    files   S, Results -> extra files beside the page, such as plots (name -> bytes)

Rendering (view, files, the template) is a pure function of the scenario and its results, so a
page can be rebuilt from a committed results file on a machine without torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from generator.reader import Reader

S = TypeVar("S")
T = TypeVar("T")
E = TypeVar("E")
B = TypeVar("B")

Results = dict[str, Any]  # one parsed results file: the record every page is rendered from


def no_files(scenario: Any, results: Results) -> dict[str, bytes]:
    return {}


@dataclass(frozen=True)
class Kind(Generic[S, T, E, B]):
    name: str
    section: str  # the heading its pages are listed under on the index page and in the navigation
    template: str
    keys: tuple[str, ...]  # the scenario file's keys, as the README's table lists them
    parse: Callable[[Reader, str], S | None]
    compute: Callable[[S], T]
    derive: Callable[[S], E]
    verify: Callable[[S, T, E], B]
    program: Callable[[S], str]
    record: Callable[[S, T, E, B], Results]
    view: Callable[[S, Results], Any]
    files: Callable[[S, Results], dict[str, bytes]] = field(default=no_files)
