"""Does a fresh run reproduce a committed results file? Exactly in everything that is not a float
torch computed (inputs, exact values, settings, structure, the program's text around its numbers),
and each torch float within its verified bound of the exact value. Torch's last bits differ
between processors; the exact value and the bound do not."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from generator.results import is_record

PLATFORM_KEYS = ("torch", "platform")  # which machine ran it: differs between machines by design
BOUND_RELATIVE = 1e-9  # bounds are float64 estimates (LAPACK eigenvalues): equal up to this
PRINTED_FLOAT = re.compile(r"(?<![\w.])-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|inf|nan)(?![\w.])")


@dataclass
class Comparison:
    differences: list[str] = field(default_factory=list)  # one readable line each
    rounded: int = 0  # torch values that differ from the committed run, every one within its bound

    @property
    def reproduced(self) -> bool:
        return not self.differences


def compare(committed: dict[str, Any], fresh: dict[str, Any]) -> Comparison:
    """Compare two results files of one scenario; `fresh` is this machine's verified run."""
    outcome = Comparison()
    skip = {*PLATFORM_KEYS, "printed"}
    _keys(committed, fresh, "", outcome)
    for key in sorted(set(committed) & set(fresh) - skip):
        _walk(committed[key], fresh[key], key, outcome)
    if isinstance(committed.get("printed"), str) and isinstance(fresh.get("printed"), str):
        _printed(committed["printed"], fresh["printed"], committed, fresh, outcome)
    return outcome


def _keys(a: dict[str, Any], b: dict[str, Any], path: str, outcome: Comparison) -> None:
    for key in sorted(set(a) - set(b)):
        outcome.differences.append(f"{path or 'top level'}: key {key!r} is committed but not in a fresh run")
    for key in sorted(set(b) - set(a)):
        outcome.differences.append(f"{path or 'top level'}: key {key!r} is in a fresh run but not committed")


def _walk(a: Any, b: Any, path: str, outcome: Comparison) -> None:
    if is_record(a) and is_record(b):
        _record(a, b, path, outcome)
    elif isinstance(a, dict) and isinstance(b, dict):
        _keys(a, b, path, outcome)
        for key in sorted(set(a) & set(b)):
            _walk(a[key], b[key], f"{path}.{key}", outcome)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, f"{path}[{i}]", outcome)
    elif a != b or type(a) is not type(b):
        outcome.differences.append(f"{path}: committed {_short(a)}, fresh {_short(b)}")


def _record(a: dict[str, Any], b: dict[str, Any], path: str, outcome: Comparison) -> None:
    if set(a) != set(b):
        outcome.differences.append(f"{path}: committed has keys {sorted(a)}, fresh {sorted(b)}")
        return
    if a["exact"] != b["exact"]:
        outcome.differences.append(f"{path}: exact value: committed {a['exact']}, fresh {b['exact']}")
        return
    if not _same_bound(a.get("bound"), b.get("bound")):
        outcome.differences.append(f"{path}: bound: committed {a.get('bound')!r}, fresh {b.get('bound')!r}")
        return
    if a["value"] == b["value"] and type(a["value"]) is type(b["value"]):
        return
    bound, exact = b.get("bound"), Fraction(b["exact"])
    both = f"committed {a['value']!r}, fresh {b['value']!r}, exact {b['exact']}"
    if bound is None:
        outcome.differences.append(f"{path}: torch value: {both}; no bound applies here, so they must be equal")
        return
    outside = [name for name, value in (("committed", a["value"]), ("fresh", b["value"])) if not _within(value, exact, bound)]
    if outside:
        outcome.differences.append(f"{path}: torch value: {both}; the {' and '.join(outside)} value is outside the bound {bound:.3e}")
        return
    outcome.rounded += 1


def _within(value: Any, exact: Fraction, bound: float) -> bool:
    if not isinstance(value, float | int) or not math.isfinite(value):
        return False
    return abs(Fraction(value) - exact) <= Fraction(bound)


def _same_bound(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(math.isclose(a, b, rel_tol=BOUND_RELATIVE, abs_tol=0.0))


def _printed(a: str, b: str, committed: dict[str, Any], fresh: dict[str, Any], outcome: Comparison) -> None:
    """The program's output: identical text around the numbers; where a printed float differs, it
    must be the same quantity's torch value in each run (that value was compared above)."""
    if PRINTED_FLOAT.split(a) != PRINTED_FLOAT.split(b):
        line = next((f"{x!r} / {y!r}" for x, y in zip(a.splitlines(), b.splitlines()) if x != y), "(line count)")
        outcome.differences.append(f"printed: the program's output differs beyond torch's floats: committed / fresh {line}")
        return
    where_a, where_b = _value_paths(committed), _value_paths(fresh)
    for x, y in zip(PRINTED_FLOAT.findall(a), PRINTED_FLOAT.findall(b)):
        if x != y and not where_a.get(_key(x), set()) & where_b.get(_key(y), set()):
            outcome.differences.append(f"printed: committed {x}, fresh {y}: not the same quantity's torch value in the two runs")


def _key(number: str | float) -> str:
    return repr(float(number))


def _value_paths(results: dict[str, Any]) -> dict[str, set[str]]:
    paths: dict[str, set[str]] = {}
    for path, v in _records(results, ""):
        paths.setdefault(_key(v["value"]), set()).add(path)
    return paths


def _records(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if is_record(node):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _records(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _records(value, f"{path}[{i}]")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
