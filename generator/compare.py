"""Does a fresh run reproduce a committed results file? Exactly in everything that is not a float
torch computed (inputs, exact values, settings, structure, the program's text around its numbers).
Torch's own floats are compared in one of two modes:

- **exact**, where the committed results carry this machine's rounding fingerprint (fingerprint.py):
  this machine rounds as the committed run's did, so every torch value and every printed line must
  be bit-identical, and the committed platform text must be this machine's; any other value is
  forged, or torch was not deterministic here;
- **bounds**, where the fingerprints differ (or the file has none): each torch float within its
  verified bound of the exact value. Torch's last bits differ between processors; the exact value
  and the bound do not."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from generator.exact import enclosure
from generator.facts import is_torch_fact
from generator.results import is_record

PLATFORM_KEYS = ("torch", "platform")  # which machine ran it: differs between machines by design
PLATFORM_TEXT = ("torch", "machine", "cpu_capability")  # what the page names; equal wherever the fingerprints are
BOUND_RELATIVE = 1e-9  # bounds are float64 estimates (LAPACK eigenvalues): equal up to this
PRINTED_FLOAT = re.compile(r"(?<![\w.])-?(?:\d+\.\d*(?:e[-+]?\d+)?|\d+e[-+]?\d+|inf|nan)(?![\w.])")
EXACT, BOUNDS = "exact", "bounds"


@dataclass(frozen=True)
class Ratio:
    """How close a torch value came to its bound: |torch - exact| / bound, and where."""

    ratio: float
    path: str


@dataclass
class Comparison:
    mode: str  # EXACT (same rounding fingerprint: bit for bit) or BOUNDS (within the verified bounds)
    differences: list[str] = field(default_factory=list)  # the committed file is not this run: one readable line each
    mismatches: list[str] = field(default_factory=list)  # EXACT: a torch value, printed line or platform text not this machine's
    rounded: int = 0  # BOUNDS: torch values that differ from the committed run, every one within its bound
    largest: Ratio | None = None  # the largest |error| / bound among the compared values

    @property
    def reproduced(self) -> bool:
        return not self.differences and not self.mismatches

    @property
    def forged(self) -> bool:
        """This scenario's run in every exact value, but with torch floats or a platform this
        machine, which rounds alike, does not give: a forgery, or torch nondeterministic here."""
        return self.mode == EXACT and bool(self.mismatches) and not self.differences


REFRESH = "python -m generator build --refresh"


def forgery_lines(name: str, comparison: Comparison, here: str) -> list[str]:
    """What build and check say of a forged results file: every value that differs, then why it fails."""
    return [f"{name}: {line}" for line in comparison.mismatches] + [
        f"{name}: the committed results carry this machine's rounding fingerprint {here}, so this machine's run must "
        f"reproduce them bit for bit, and {len(comparison.mismatches)} difference(s) remain: they were forged, or torch is not "
        f"deterministic here. To record this machine's run instead: {REFRESH}"
    ]


def committed_fingerprint(committed: dict[str, Any]) -> str | None:
    platform = committed.get("platform")
    value = platform.get("fingerprint") if isinstance(platform, dict) else None
    return value if isinstance(value, str) else None


def mode_of(committed: dict[str, Any], here: str) -> str:
    """EXACT where the committed results carry `here`, this machine's measured fingerprint."""
    return EXACT if committed_fingerprint(committed) == here else BOUNDS


def compare(committed: dict[str, Any], fresh: dict[str, Any], here: str) -> Comparison:
    """Compare two results files of one scenario; `fresh` is this machine's verified run, `here`
    this machine's rounding fingerprint (measured, never read from a file)."""
    outcome = Comparison(mode_of(committed, here))
    skip = {*PLATFORM_KEYS, "printed"}
    _keys(committed, fresh, "", outcome)
    for key in sorted(set(committed) & set(fresh) - skip):
        _walk(committed[key], fresh[key], key, outcome)
    if isinstance(committed.get("printed"), str) and isinstance(fresh.get("printed"), str):
        _printed(committed["printed"], fresh["printed"], committed, fresh, outcome)
    if outcome.mode == EXACT:
        _platform(committed, fresh, outcome)
    return outcome


def _platform(committed: dict[str, Any], fresh: dict[str, Any], outcome: Comparison) -> None:
    """Equal fingerprints, so the words must be this machine's too."""
    pairs = [("torch", committed.get("torch"), fresh.get("torch"))]
    pairs += [(f"platform.{key}", committed["platform"].get(key), fresh["platform"].get(key)) for key in PLATFORM_TEXT]
    for path, a, b in pairs:
        if a != b:
            outcome.mismatches.append(
                f"{path}: committed {_short(a)}, here {_short(b)}: the committed fingerprint is this machine's, "
                "so the platform text must be too (a forged platform)"
            )


def _keys(a: dict[str, Any], b: dict[str, Any], path: str, outcome: Comparison) -> None:
    for key in sorted(set(a) - set(b)):
        outcome.differences.append(f"{path or 'top level'}: key {key!r} is committed but not in a fresh run")
    for key in sorted(set(b) - set(a)):
        outcome.differences.append(f"{path or 'top level'}: key {key!r} is in a fresh run but not committed")


def _walk(a: Any, b: Any, path: str, outcome: Comparison) -> None:
    if is_record(a) and is_record(b):
        _record(a, b, path, outcome)
    elif is_torch_fact(a) and is_torch_fact(b):
        if a != b and outcome.mode == EXACT:  # within the bounds: another machine may round to another fact
            outcome.mismatches.append(f"{path}: a fact about torch's floats: committed {_short(a)}, fresh {_short(b)}")
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
    exact_keys = ("exact",) if "exact" in b else ("expr", "lo", "hi")
    if any(a[key] != b[key] for key in exact_keys):
        outcome.differences.append(f"{path}: exact value: committed {enclosure.text(a)}, fresh {enclosure.text(b)}")
        return
    if not _same_bound(a.get("bound"), b.get("bound")):
        outcome.differences.append(f"{path}: bound: committed {a.get('bound')!r}, fresh {b.get('bound')!r}")
        return
    bound, exact = b.get("bound"), enclosure.of_record(b)
    both = f"committed {a['value']!r}, fresh {b['value']!r}, exact {enclosure.text(b)}"
    if outcome.mode == EXACT:
        _note_ratio(a["value"], exact, bound, path, outcome)
        if not _identical(a["value"], b["value"]):
            where = "no bound" if bound is None else f"bound {bound:.3e}"
            if bound is not None and not _within(a["value"], exact, bound):
                where += ", the committed value is outside the bound"
            outcome.mismatches.append(f"{path}: torch value: {both}, {where}; not bit-identical, though this machine rounds alike")
        return
    for value in (a["value"], b["value"]):
        _note_ratio(value, exact, bound, path, outcome)
    if a["value"] == b["value"] and type(a["value"]) is type(b["value"]):
        return
    if bound is None:
        outcome.differences.append(f"{path}: torch value: {both}; no bound applies here, so they must be equal")
        return
    outside = [name for name, value in (("committed", a["value"]), ("fresh", b["value"])) if not _within(value, exact, bound)]
    if outside:
        outcome.differences.append(f"{path}: torch value: {both}; the {' and '.join(outside)} value is outside the bound {bound:.3e}")
        return
    outcome.rounded += 1


def _identical(a: Any, b: Any) -> bool:
    """Bit for bit: the same type and the same repr (which tells -0.0 from 0.0 and round-trips a float)."""
    return type(a) is type(b) and repr(a) == repr(b)


def _note_ratio(value: Any, exact: enclosure.Exact, bound: float | None, path: str, outcome: Comparison) -> None:
    if bound is None or bound <= 0 or not isinstance(value, float | int) or not math.isfinite(value):
        return
    ratio = float(enclosure.distance(value, exact) / Fraction(bound))
    if outcome.largest is None or ratio > outcome.largest.ratio:
        outcome.largest = Ratio(ratio, path)


def _within(value: Any, exact: enclosure.Exact, bound: float) -> bool:
    if not isinstance(value, float | int) or not math.isfinite(value):
        return False
    return enclosure.within(value, exact, bound)


def _same_bound(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(math.isclose(a, b, rel_tol=BOUND_RELATIVE, abs_tol=0.0))


def _printed(a: str, b: str, committed: dict[str, Any], fresh: dict[str, Any], outcome: Comparison) -> None:
    """The program's output: identical text around the numbers; where a printed float differs, it
    must be the same quantity's torch value in each run (that value was compared above), and in
    EXACT mode it may not differ at all."""
    if PRINTED_FLOAT.split(a) != PRINTED_FLOAT.split(b):
        line = next((f"{x!r} / {y!r}" for x, y in zip(a.splitlines(), b.splitlines()) if x != y), "(line count)")
        outcome.differences.append(f"printed: the program's output differs beyond torch's floats: committed / fresh {line}")
        return
    if outcome.mode == EXACT:
        for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
            if x != y:
                outcome.mismatches.append(
                    f"printed: line {number}: committed {x!r}, fresh {y!r}; not bit-identical, though this machine rounds alike"
                )
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
