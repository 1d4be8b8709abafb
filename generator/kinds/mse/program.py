"""The standalone program an mse page shows (templates/programs/mse.py.j2), printing exact reprs."""

from __future__ import annotations

from generator.kinds.common import matrix_literal
from generator.kinds.mse.scenario import NAME, Scenario
from generator.render import render_program


def program(s: Scenario) -> str:
    return render_program(NAME, s=s, dtype=f"torch.{s.dtype}", X=matrix_literal(s.X, s.dtype), Y=matrix_literal(s.Y, s.dtype))
