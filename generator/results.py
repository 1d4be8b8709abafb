"""The results file: the public, machine-readable record of every number on a page."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import torch

from generator.render import MARKER
from generator.values import fraction_text

MARKER_KEY = "generated_by"


def json_float(value: float) -> float | str:
    """Finite floats as JSON numbers; inf, -inf and nan as the strings "inf", "-inf", "nan"."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def record(value: float, exact: Fraction) -> dict[str, Any]:
    """V = {"value": <torch float>, "exact": "<p/q>"}."""
    return {"value": json_float(value), "exact": fraction_text(exact)}


def records(values: Sequence[float], exact: Sequence[Fraction]) -> list[dict[str, Any]]:
    return [record(v, e) for v, e in zip(values, exact, strict=True)]


def matrix_records(values: Sequence[Sequence[float]], exact: Sequence[Sequence[Fraction]]) -> list[list[dict[str, Any]]]:
    return [records(row, exact_row) for row, exact_row in zip(values, exact, strict=True)]


def exact_matrix(rows: Sequence[Sequence[Fraction]]) -> list[list[str]]:
    return [[fraction_text(v) for v in row] for row in rows]


def header(scenario: Any) -> dict[str, Any]:
    """The keys every results file has."""
    return {
        MARKER_KEY: f"{MARKER} from {scenario.source}; do not edit",
        "slug": scenario.slug,
        "kind": scenario.kind,
        "title": scenario.title,
        "dtype": scenario.dtype,
        "torch": torch.__version__,
    }


def dumps(results: dict[str, Any]) -> str:
    """Deterministic JSON: sorted keys, two-space indent, no NaN literals, trailing newline."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
