"""The mse scenario format: X and Y, a reduction (or the legacy size_average and reduce) and a dtype."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator import scenario as base
from generator.reader import Matrix, Reader

NAME = "mse"
REDUCTIONS = ("mean", "sum", "none")
KEYS = ("reduction", "legacy", "see_also", "X", "Y")
LEGACY_KEYS = ("size_average", "reduce")  # nn.MSELoss's deprecated arguments, in its signature's order
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


@dataclass(frozen=True)
class Legacy:
    """nn.MSELoss(size_average=..., reduce=...) as the scenario gives them; None: not passed."""

    size_average: bool | None
    reduce: bool | None

    def arguments(self) -> str:
        """The call's arguments as the program writes them: "size_average=False"."""
        return ", ".join(f"{key}={value}" for key, value in zip(LEGACY_KEYS, (self.size_average, self.reduce)) if value is not None)


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction torch's documentation gives for the legacy arguments (None counts as True):
    reduce=False is "none", else size_average=False is "sum", else "mean". The exact side assumes
    it; the run records the reduction torch really chose, and `verify` stops where they differ."""
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


@dataclass(frozen=True)
class Scenario(base.Scenario, base.MatrixPair):
    reduction: str  # with `legacy`, the reduction its arguments stand for
    X: Matrix
    Y: Matrix
    legacy: Legacy | None = None
    see_also: tuple[tuple[str, str], ...] = ()  # (reduction, slug): the pages "none" links its ways out to

    @property
    def other_reduction(self) -> str:
        """The reduction the page compares with: "sum" beside "mean", "mean" beside "sum" and "none"."""
        return "sum" if self.reduction == "mean" else "mean"

    @property
    def other_reductions(self) -> tuple[str, ...]:
        """Every reduction the run computes beside its own: both for "none" (its ways out of a
        non-scalar loss, loss.mean() and loss.sum()), else the other one."""
        return ("mean", "sum") if self.reduction == "none" else (self.other_reduction,)

    @property
    def link_slugs(self) -> tuple[tuple[str, str], ...]:
        """(field, slug) of every page this scenario links to: loading.check_links checks them."""
        return tuple((f"see_also.{reduction}", slug) for reduction, slug in self.see_also)


def _legacy(reader: Reader) -> Legacy | None:
    raw = reader.table.get("legacy")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.problem("legacy", "expected a table such as { size_average = false }")
        return None
    unknown = sorted(set(raw) - set(LEGACY_KEYS))
    for key in unknown:
        reader.problem(f"legacy.{key}", f"unknown key; known keys: {', '.join(LEGACY_KEYS)}")
    values: dict[str, bool | None] = {}
    for key in LEGACY_KEYS:
        value = raw.get(key)
        if value is not None and not isinstance(value, bool):
            reader.problem(f"legacy.{key}", f"expected true or false, got {value!r}"[:100])
            return None
        values[key] = value
    if unknown:
        return None
    if not raw:
        reader.problem("legacy", "is empty; give size_average, reduce or both")
        return None
    if "reduction" in reader.table:
        reader.problem("legacy", "give reduction or legacy, not both (torch lets the legacy arguments override reduction)")
        return None
    return Legacy(values["size_average"], values["reduce"])


def _see_also(reader: Reader) -> tuple[tuple[str, str], ...] | None:
    raw = reader.table.get("see_also")
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        reader.problem("see_also", 'expected a table such as { mean = "mse-mean", sum = "mse-sum" }')
        return None
    links = []
    for key in sorted(raw):
        value = raw[key]
        if key not in ("mean", "sum"):
            reader.problem(f"see_also.{key}", "unknown key; known keys: mean, sum")
        elif not isinstance(value, str) or not SLUG.fullmatch(value):
            reader.problem(f"see_also.{key}", f"{value!r} is not a page's slug (lower-case letters, digits and '-')"[:100])
        else:
            links.append((key, value))
    if len(links) != len(raw):
        return None
    if reader.table.get("reduction") != "none":
        reader.problem("see_also", 'links the ways out of reduction = "none"; the other reductions have none')
        return None
    return tuple(links)


def parse(reader: Reader, header: base.ScenarioHeader) -> Scenario | None:
    reduction = reader.choice("reduction", REDUCTIONS, "mean")
    legacy = _legacy(reader)
    see_also = _see_also(reader)
    X, Y = reader.matrix("X"), reader.matrix("Y")
    if X is not None and Y is not None and (len(X), len(X[0])) != (len(Y), len(Y[0])):
        reader.problem("Y", f"shape {len(Y)}×{len(Y[0])} differs from X's {len(X)}×{len(X[0])}")
        return None
    if reduction is None or X is None or Y is None or see_also is None or ("legacy" in reader.table and legacy is None):
        return None
    if legacy is not None:
        reduction = legacy_reduction(legacy.size_average, legacy.reduce)
    if reduction == "none" and len(X) * len(X[0]) == 1:  # a one-element loss: torch's backward() accepts it
        reader.problem("X", 'reduction "none" needs at least 2 entries: on a 1×1 loss loss.backward() runs without error')
        return None
    return Scenario(header, reduction, X, Y, legacy, see_also)
