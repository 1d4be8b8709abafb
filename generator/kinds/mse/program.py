"""The standalone program an mse page shows: nn.MSELoss and backward(), printing exact reprs."""

from __future__ import annotations

from generator.kinds.mse.scenario import Scenario
from generator.reader import Matrix
from generator.values import float_literal, nearest_float


def _literal(matrix: Matrix, dtype: str) -> str:
    rows = ", ".join("[" + ", ".join(float_literal(nearest_float(v, dtype), dtype) for v in row) + "]" for row in matrix)
    return f"[{rows}]"


def program(s: Scenario) -> str:
    dtype = f"torch.{s.dtype}"
    return (
        "import torch\n"
        "from torch import nn\n"
        "\n"
        f"X = torch.tensor({_literal(s.X, s.dtype)}, dtype={dtype}, requires_grad=True)\n"
        f"Y = torch.tensor({_literal(s.Y, s.dtype)}, dtype={dtype})\n"
        "\n"
        f'loss = nn.MSELoss(reduction="{s.reduction}")(X, Y)\n'
        "loss.backward()\n"
        "\n"
        'print("loss:", loss.item())\n'
        'print("X.grad:")\n'
        "for row in X.grad.tolist():\n"
        "    print(row)\n"
    )
