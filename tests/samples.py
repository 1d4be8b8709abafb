"""Scenarios nobody wrote by hand: seeded random tables of every kind, for the tightness figures
(`make bench`, tests/test_bounds.py). Their runs skip the shown program: only the bounds matter."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from generator import codec, tightness
from generator.kinds import KINDS
from generator.kinds.base import Solved
from generator.loading import scenario_from


def _number(rng: random.Random, places: int, span: int) -> str:
    return str(Fraction(rng.randint(-span * 10**places, span * 10**places), 10**places))


def random_tables(kind: str, count: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(f"{kind}-{seed}")
    tables = []
    for _ in range(count):
        if kind == "linreg-sgd":
            n, d = rng.randint(2, 8), rng.randint(1, 3)
            epochs = rng.randint(1, 8)
            table: dict[str, Any] = {
                "features": [[_number(rng, 2, 3) for _ in range(d)] for _ in range(n)],
                "labels": [_number(rng, 1, 5) for _ in range(n)],
                "weight": [_number(rng, 1, 2) for _ in range(d)],
                "bias": _number(rng, 1, 1),
                "lr": rng.choice(["0.01", "0.02", "0.05", "0.1"]),
                "batch_size": rng.randint(1, n),
                "epochs": epochs,
                "order": [rng.sample(range(n), n) for _ in range(epochs)],
                "reduction": rng.choice(["sum/batch", "mean"]),
                "zero_grad": rng.random() < 0.75,
            }
        else:
            n, d = rng.randint(1, 5), rng.randint(1, 5)
            table = {
                "X": [[_number(rng, 3, 4) for _ in range(d)] for _ in range(n)],
                "Y": [[_number(rng, 2, 4) for _ in range(d)] for _ in range(n)],
                "reduction": rng.choice(["mean", "sum"]),
            }
            if kind == "regression-losses":
                table |= {"beta": rng.choice(["1", "0.5", "0.25", "2"]), "delta": rng.choice(["1", "0.5", "1.5"])}
        tables.append({"kind": kind, "title": f"random {kind}"} | table)
    return tables


def measured_ratios(table: dict[str, Any], slug: str = "random") -> list[float]:
    """bound ÷ |torch − exact| over one scenario's torch run (torch, the exact twin, the check)."""
    scenario = scenario_from(table, slug)
    kind = KINDS[scenario.kind]
    solved = Solved(scenario, kind.compute(scenario), kind.derive(scenario))
    return tightness.ratios(codec.encode_fields(kind.record(solved, kind.verify(solved))))
