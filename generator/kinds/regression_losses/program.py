"""The standalone program a regression-losses page shows (templates/programs/regression-losses.py.j2)."""

from __future__ import annotations

from generator.kinds.common import literal, matrix_literal
from generator.kinds.regression_losses.scenario import NAME, Scenario
from generator.render import render_program


def program(s: Scenario) -> str:
    return render_program(
        NAME,
        s=s,
        dtype=f"torch.{s.dtype}",
        X=matrix_literal(s.X, s.dtype),
        Y=matrix_literal(s.Y, s.dtype),
        beta=literal(s.beta, "float64"),
        delta=literal(s.delta, "float64"),
    )
