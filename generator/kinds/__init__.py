"""The registry of scenario kinds, in the order their sections appear on the index and in the
navigation. Adding a kind is one package beside these, its template, and one entry below.
Importing this module imports neither torch nor sympy: a kind's torch and sympy stages load when they run."""

from __future__ import annotations

from typing import Any

from generator.kinds import cross_entropy, linreg_sgd, mse, optimizers, regression_losses
from generator.kinds.base import Kind

KINDS: dict[str, Kind[Any, Any, Any, Any, Any]] = {
    kind.name: kind for kind in (mse.KIND, regression_losses.KIND, linreg_sgd.KIND, cross_entropy.KIND, optimizers.KIND)
}

