"""The standalone program a cross-entropy page shows (templates/programs/cross-entropy.py.j2)."""

from __future__ import annotations

from generator.kinds.common import literal, matrix_literal, vector_literal
from generator.kinds.cross_entropy.scenario import NAME, SHIFT, Scenario
from generator.render import render_program


def program(s: Scenario) -> str:
    options = [f'reduction="{s.reduction}"']
    if s.weight is not None:
        options.append(f"weight=torch.tensor({vector_literal(s.weight, s.dtype)}, dtype={_dtype(s)})")
    if s.ignore_index is not None:
        options.append(f"ignore_index={s.ignore_index}")
    if s.label_smoothing:
        options.append(f"label_smoothing={literal(s.label_smoothing, 'float64')}")
    if s.probabilities is not None:
        target = f"torch.tensor({matrix_literal(s.probabilities, s.dtype)}, dtype={_dtype(s)})"
    else:
        target = f"torch.tensor({list(s.classes or ())})"
    nll_options = [option for option in options if not option.startswith("label_smoothing")]
    shifted = [x + SHIFT for x in s.logits[0]]
    return render_program(NAME, s=s, dtype=_dtype(s), logits=matrix_literal(s.logits, s.dtype), target=target,
                          options=", ".join(options), nll=s.compares_nll, nll_options=", ".join(nll_options),
                          shift=literal(SHIFT, s.dtype), shifted=vector_literal(shifted, s.dtype))


def _dtype(s: Scenario) -> str:
    return f"torch.{s.dtype}"
