"""The standalone program an optimizers page shows (templates/programs/optimizers.py.j2)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.kinds.common import literal, matrix_literal, vector_literal
from generator.kinds.optimizers.scenario import DEFAULTS, NAME, Optimizer, Scenario
from generator.render import render_program


@dataclass(frozen=True)
class Call:
    label: str  # "run 1 (SGD)": no number in it that the self-check would read as a value
    name: str
    options: str  # "lr=0.05, momentum=0.9, " as torch's keyword arguments


def keywords(optimizer: Optimizer) -> str:
    """lr and the options that differ from torch's defaults, as keyword arguments, each a Python
    float of the exact value (what torch computes with)."""
    parts = []
    defaults = DEFAULTS[optimizer.name]
    for name, value in optimizer.options:
        if name != "lr" and value == defaults[name]:
            continue
        if isinstance(value, bool):
            parts.append(f"{name}={value}")
        elif isinstance(value, tuple):
            parts.append(f"{name}=({', '.join(literal(v, 'float64') for v in value)})")
        else:
            parts.append(f"{name}={literal(value, 'float64')}")
    return "".join(part + ", " for part in parts)


def program(s: Scenario) -> str:
    calls = [Call(f"run {i} ({o.name})", o.name, keywords(o)) for i, o in enumerate(s.optimizers, start=1)]
    return render_program(
        NAME,
        s=s,
        dtype=f"torch.{s.dtype}",
        features=matrix_literal(s.features, s.dtype),
        labels=matrix_literal([[v] for v in s.labels], s.dtype),
        weight=vector_literal(s.weight, s.dtype),
        bias=literal(s.bias, s.dtype),
        criterion="mean" if s.reduction == "mean" else "sum",
        order=[list(p) for p in s.order or ()],
        optimizers=calls,
    )
