"""The results file: the public, machine-readable record of a run, and the one source every
generated page, plot and index entry is rendered from. Writing and reading it needs no torch."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Generic, TypeVar, cast

from generator import codec, marker
from generator.claims import ClaimRecord
from generator.codec import OMIT, V
from generator.scenario import Scenario

R = TypeVar("R", covariant=True)  # a Run of a kind's results is a Run of object
Data = dict[str, Any]  # one results file as parsed JSON, for what stays generic over it: compare, claims, the cache


def row(torch: Sequence[float], exact: Sequence[Fraction], bounds: Sequence[float | None]) -> tuple[V, ...]:
    """V of each value of a vector."""
    return tuple(codec.v(value, e, bound) for value, e, bound in zip(torch, exact, bounds, strict=True))


def matrix(
    torch: Sequence[Sequence[float]], exact: Sequence[Sequence[Fraction]], bounds: Sequence[Sequence[float | None]]
) -> tuple[tuple[V, ...], ...]:
    """V of each value of a matrix."""
    return tuple(row(r, e, b) for r, e, b in zip(torch, exact, bounds, strict=True))


def at(results: dict[str, Any], path: str) -> Any:
    """The node at a path such as "steps[3].grad_weight[1]" or "losses.l1.loss"."""
    node: Any = results
    for key, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path):
        node = node[key] if key else node[int(index)]
    return node


def is_record(node: object) -> bool:
    """A value record: {"value", "exact", "bound"}, or an irrational one {"value", "expr", "lo", "hi", "bound"}."""
    return isinstance(node, dict) and "value" in node and ("exact" in node or "expr" in node)


def records_in(node: object) -> Iterator[Data]:
    """Every value record (V, or RealV's irrational form) in parsed results data, in document order."""
    if is_record(node):
        yield cast(Data, node)
    elif isinstance(node, dict):
        for child in node.values():
            yield from records_in(child)
    elif isinstance(node, list):
        for child in node:
            yield from records_in(child)


def exacts_of(vs: Sequence[V]) -> tuple[Fraction, ...]:
    return tuple(v.exact for v in vs)


def values_of(vs: Sequence[V]) -> tuple[float, ...]:
    return tuple(v.value for v in vs)


def exact_matrix_of(rows: Sequence[Sequence[V]]) -> tuple[tuple[Fraction, ...], ...]:
    return tuple(exacts_of(row) for row in rows)


@dataclass(frozen=True)
class Header:
    """The keys every results file has, whatever its kind."""

    generated_by: str  # the marker: which generator wrote it, from which scenario file
    slug: str
    kind: str
    title: str
    dtype: str
    torch: str  # torch's version, as platform["torch"]
    platform: dict[str, str]  # the machine whose floats these are: torch, python, machine, cpu_capability
    printed: str  # what the shown program printed
    titles: dict[str, str] | None = field(default=None, metadata=OMIT)  # the other editions' titles


@dataclass(frozen=True)
class Run(Generic[R]):
    """One results file, typed: the header, the kind's record (kinds/*/results.py), the claims' verdicts."""

    header: Header
    body: R
    claims: tuple[ClaimRecord, ...]

    def data(self) -> dict[str, object]:
        """The results file as JSON-ready data: the three parts' keys side by side."""
        return codec.encode_fields(self.header) | codec.encode_fields(self.body) | {"claims": codec.encode(self.claims)}

    def dumps(self) -> str:
        """The results file's bytes, as res.dumps writes them."""
        return dumps(self.data())


HEADER_FIELDS = frozenset(item for item in Header.__dataclass_fields__)


def read_run(body: type[R], data: object, file: str) -> Run[R]:
    """A parsed results file as a Run of the kind's record type `body`, or codec.ResultsFormatError
    naming `file` and the path of the first thing that does not fit."""
    if not isinstance(data, dict):
        raise codec.ResultsFormatError(f"{file}: top level: expected an object")
    header = {key: value for key, value in data.items() if key in HEADER_FIELDS}
    rest = {key: value for key, value in data.items() if key not in HEADER_FIELDS and key != "claims"}
    return Run(codec.decode(Header, header, file), codec.decode(body, rest, file),
               codec.decode(tuple[ClaimRecord, ...], data.get("claims", []), file, "claims"))


def header(scenario: Scenario, platform: dict[str, str], printed: str) -> Header:
    """The keys every results file has."""
    return Header(
        generated_by=marker.text(scenario.source),
        slug=scenario.slug,
        kind=scenario.kind,
        title=scenario.title,
        titles=dict(scenario.header.titles) if scenario.header.titles else None,
        dtype=scenario.dtype,
        torch=platform["torch"],
        platform=platform,
        printed=printed,
    )


def platform_text(platform: dict[str, str]) -> str:
    """How a page names the machine its floats came from: "torch 2.13.0+cpu on x86_64, AVX2"."""
    where = ", ".join(machine(platform))
    return f"torch {platform.get('torch', '?')}" + (f" on {where}" if where else "")


def machine(platform: dict[str, str]) -> tuple[str, ...]:
    """The machine and its CPU capability, those the platform names: ("x86_64", "AVX2")."""
    return tuple(platform[key] for key in ("machine", "cpu_capability") if platform.get(key))


def dumps(results: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, two-space indent, no NaN literals, trailing newline."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
