"""The standalone program a linreg-sgd page shows: the source post's training code, made runnable
(templates/programs/linreg-sgd.py.j2)."""

from __future__ import annotations

from generator.kinds.common import literal, matrix_literal, vector_literal
from generator.kinds.linreg_sgd.scenario import NAME, Scenario
from generator.render import render_program


def program(s: Scenario) -> str:
    return render_program(
        NAME,
        s=s,
        dtype=f"torch.{s.dtype}",
        features=matrix_literal(s.features, s.dtype),
        labels=matrix_literal([[v] for v in s.labels], s.dtype),
        weight=vector_literal(s.weight, s.dtype),
        bias=literal(s.bias, s.dtype),
        lr=literal(s.lr, "float64"),
        criterion="mean" if s.reduction == "mean" else "sum",
        order=[list(p) for p in s.order or ()],
    )
