"""The results file: the public, machine-readable record of a run, and the one source every
generated page, plot and index entry is rendered from. Writing and reading it needs no torch."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from generator.render import MARKER
from generator.values import fraction_text

MARKER_KEY = "generated_by"
Record = dict[str, Any]  # V = {"value": <torch float>, "exact": "<p/q>", "bound": <float> | null}


def json_float(value: float) -> float | str:
    """Finite floats as JSON numbers; inf, -inf and nan as the strings "inf", "-inf", "nan"."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def record(value: float, exact: Fraction, bound: float | None) -> Record:
    """V: torch's value, the exact value, and the verified bound on their distance (null where
    nothing was compared: after torch's parameters became non-finite, or past the dtype's range)."""
    shown_bound = bound if bound is not None and math.isfinite(bound) else None
    return {"value": json_float(value), "exact": fraction_text(exact), "bound": shown_bound}


def records(values: Sequence[float], exact: Sequence[Fraction], bounds: Sequence[float | None]) -> list[Record]:
    return [record(v, e, b) for v, e, b in zip(values, exact, bounds, strict=True)]


def matrix_records(
    values: Sequence[Sequence[float]], exact: Sequence[Sequence[Fraction]], bounds: Sequence[Sequence[float | None]]
) -> list[list[Record]]:
    return [records(row, exact_row, bound_row) for row, exact_row, bound_row in zip(values, exact, bounds, strict=True)]


def exact_matrix(rows: Sequence[Sequence[Fraction]]) -> list[list[str]]:
    return [[fraction_text(v) for v in row] for row in rows]


def at(results: dict[str, Any], path: str) -> Any:
    """The node at a path such as "steps[3].grad_weight[1]" or "losses.l1.loss"."""
    node: Any = results
    for key, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path):
        node = node[key] if key else node[int(index)]
    return node


def is_record(node: object) -> bool:
    return isinstance(node, dict) and "value" in node and "exact" in node


def value_of(v: Record) -> float:
    """Torch's value of V as a float (the strings "inf", "-inf", "nan" included)."""
    return float(v["value"])


def exact_of(v: Record) -> Fraction:
    return Fraction(v["exact"])


def values_of(vs: Sequence[Record]) -> tuple[float, ...]:
    return tuple(value_of(v) for v in vs)


def exacts_of(vs: Sequence[Record]) -> tuple[Fraction, ...]:
    return tuple(exact_of(v) for v in vs)


def exact_matrix_of(rows: Sequence[Sequence[Record]]) -> tuple[tuple[Fraction, ...], ...]:
    return tuple(exacts_of(row) for row in rows)


def header(scenario: Any, platform: dict[str, str], printed: str) -> dict[str, Any]:
    """The keys every results file has."""
    return {
        MARKER_KEY: f"{MARKER} from {scenario.source}; do not edit",
        "slug": scenario.slug,
        "kind": scenario.kind,
        "title": scenario.title,
        **({"titles": dict(scenario.header.titles)} if scenario.header.titles else {}),
        "dtype": scenario.dtype,
        "torch": platform["torch"],
        "platform": platform,
        "printed": printed,
    }


def platform_text(results: dict[str, Any]) -> str:
    """How a page names the machine its floats came from: "torch 2.13.0+cpu on x86_64, AVX2"."""
    platform = results.get("platform") or {"torch": results["torch"]}
    where = ", ".join(platform[key] for key in ("machine", "cpu_capability") if platform.get(key))
    return f"torch {platform['torch']}" + (f" on {where}" if where else "")


def dumps(results: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, two-space indent, no NaN literals, trailing newline."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def claim_listing(value: Any) -> str:
    """A claimed or exact value of a claim as text: 17/6, or [-1/3, 1/3] for an array."""
    return "[" + ", ".join(claim_listing(v) for v in value) + "]" if isinstance(value, list) else str(value)
