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
from fractions import Fraction
from typing import Any, Generic, TypeVar

from generator.codec import V
from generator.reader import Reader

HEADER_KEYS = ("kind", "title", "titles", "dtype", "claims")  # the keys every scenario file has, read once by loading.py


@dataclass(frozen=True)
class ScenarioHeader:
    """What every scenario has, whatever its kind: read once, before the kind reads the rest."""

    kind: str
    source: str  # the file, as messages, markers and pages name it
    slug: str  # the page's name: the file name's stem
    title: str
    dtype: str  # "float32" or "float64": what torch computes in
    claims: tuple[Any, ...] = ()  # claims.Claim: values a person stated, judged against the run
    titles: tuple[tuple[str, str], ...] = ()  # (language, title) for the other editions: (("zh", "…"),)
    digest: str = ""  # SHA-256 of the file's bytes this was parsed from ("" when not read from a file): the cache's key


@dataclass(frozen=True)
class Scenario:
    """The base of every kind's frozen scenario: the header, and its fields by name."""

    header: ScenarioHeader

    @property
    def kind(self) -> str:
        return self.header.kind

    @property
    def source(self) -> str:
        return self.header.source

    @property
    def slug(self) -> str:
        return self.header.slug

    @property
    def title(self) -> str:
        return self.header.title

    def title_in(self, language: str) -> str:
        """The title in `language`: the scenario's `titles` entry, else its `title`."""
        return dict(self.header.titles).get(language, self.header.title)

    @property
    def dtype(self) -> str:
        return self.header.dtype


class MatrixPair:
    """What a scenario of an input X against a target Y with a reduction derives from them (mse,
    regression-losses). A plain mixin: the dataclass that uses it declares the fields."""

    X: tuple[tuple[Fraction, ...], ...]
    Y: tuple[tuple[Fraction, ...], ...]
    reduction: str

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.X), len(self.X[0])

    def divisor_of(self, reduction: str) -> int:
        """What a sum over the entries is divided by: n·d for "mean", 1 for "sum"."""
        n, d = self.shape
        return n * d if reduction == "mean" else 1

    @property
    def divisor(self) -> int:
        return self.divisor_of(self.reduction)

    @property
    def residual(self) -> tuple[tuple[Fraction, ...], ...]:
        """X - Y, exactly."""
        return tuple(tuple(x - y for x, y in zip(xr, yr)) for xr, yr in zip(self.X, self.Y))


S = TypeVar("S", bound=Scenario)
T = TypeVar("T")
E = TypeVar("E")
B = TypeVar("B")
R = TypeVar("R")


@dataclass(frozen=True)
class Printed:
    """One value the shown program prints: where it is in the results, and the value."""

    path: str  # "loss", "grad[0][1]", "steps[3].weight[0]"
    value: V


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
