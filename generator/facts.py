"""Facts: every qualitative statement a page makes (falls, rises, flips, grows, equals, exactly),
decided from the run's exact values and recorded in the results file under "facts", keyed by name.

A template states a behaviour only inside a block guarded by the fact that proves it
(`{% if f.<name>.holds %}`, its `elif` and `else`); tests/test_facts.py lists the behaviour words and
fails on any outside such a block, and recomputes every fact independently.

Each fact is decided from exact values, so a tie is a tie on every machine. A fact about torch's
floats (an overflow, torch printing the nearest float) says so with `torch: true`; `check` compares
it as it compares torch values: bit for bit where the rounding fingerprints agree, not at all
where they differ (another machine may round to another fact; its page renders its own results).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """A statement that holds or not."""

    holds: bool


@dataclass(frozen=True)
class At:
    """A statement about where something happens: `at` the steps or epochs (counted from 1) where
    it does, `holds` when there is any."""

    holds: bool
    at: tuple[int, ...]


@dataclass(frozen=True)
class Entries:
    """Matrix entries [i, j] (0-based) where something happens; `holds` when there is any."""

    holds: bool
    at: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Threshold:
    """A value below a threshold, decided exactly: `tie` when it equals it (then `holds` is false)."""

    holds: bool
    tie: bool


@dataclass(frozen=True)
class TorchFact:
    """A statement about torch's floats rather than the exact values."""

    holds: bool
    torch: bool  # always true: marks the fact for check (compare.py)


def fact(holds: bool) -> Fact:
    return Fact(bool(holds))


def at(places: list[int] | tuple[int, ...]) -> At:
    return At(bool(places), tuple(places))


def entries(places: list[tuple[int, int]]) -> Entries:
    return Entries(bool(places), tuple(places))


def torch_fact(holds: bool) -> TorchFact:
    return TorchFact(bool(holds), True)


def is_torch_fact(node: object) -> bool:
    """A results node that is a fact about torch's floats: {"holds": ..., "torch": true, ...}."""
    return isinstance(node, dict) and node.get("torch") is True and "holds" in node


@dataclass(frozen=True)
class TorchAt:
    """Where a statement about torch's floats first holds: `at` as the fact documents it, () when never."""

    holds: bool
    torch: bool  # always true: marks the fact for check (compare.py)
    at: tuple[int, ...]
