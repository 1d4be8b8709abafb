"""The standalone program a linreg-sgd page shows: the source post's training code, made runnable."""

from __future__ import annotations

from generator.kinds.linreg_sgd.scenario import Scenario
from generator.values import float_literal, nearest_float

ACCUMULATES = "gradients add up across batches, as in the source post"


def _literal(value, dtype: str) -> str:
    return float_literal(nearest_float(value, dtype), dtype)


def program(s: Scenario) -> str:
    dtype = f"torch.{s.dtype}"
    features = ", ".join("[" + ", ".join(_literal(v, s.dtype) for v in row) + "]" for row in s.features)
    labels = ", ".join(f"[{_literal(v, s.dtype)}]" for v in s.labels)
    weight = ", ".join(_literal(v, s.dtype) for v in s.weight)
    lr = float_literal(nearest_float(s.lr, "float64"), "float64")
    criterion = "mean" if s.reduction == "mean" else "sum"
    divide = " / len(y)" if s.reduction == "sum/batch" else ""
    lines = [
        "import torch",
        "from torch import nn",
        "from torch.utils.data import DataLoader, TensorDataset" if s.order is None else None,
        "",
        f"features = torch.tensor([{features}], dtype={dtype})",
        f"labels = torch.tensor([{labels}], dtype={dtype})",
        "",
        f"net = nn.Sequential(nn.Linear({s.d}, 1)).to({dtype})",
        "with torch.no_grad():",
        f"    net[0].weight.copy_(torch.tensor([[{weight}]], dtype={dtype}))",
        f"    net[0].bias.fill_({_literal(s.bias, s.dtype)})",
        "",
        f'loss = nn.MSELoss(reduction="{criterion}")',
        f"trainer = torch.optim.SGD(net.parameters(), lr={lr})",
        "",
    ]
    if s.order is None:
        lines += [
            f"data_iter = DataLoader(TensorDataset(features, labels), batch_size={s.batch_size}, shuffle=True,",
            f"                       generator=torch.Generator().manual_seed({s.seed}))",
            "",
            f"for epoch in range(1, {s.epochs + 1}):",
            "    for batch, (X, y) in enumerate(data_iter, start=1):",
        ]
    else:
        lines += [
            f"# one permutation of the rows per epoch, cut into batches of {s.batch_size}",
            f"order = {[list(p) for p in s.order]}",
            "",
            "for epoch, permutation in enumerate(order, start=1):",
            f"    for batch, start in enumerate(range(0, len(features), {s.batch_size}), start=1):",
            f"        rows = permutation[start:start + {s.batch_size}]",
            "        X, y = features[rows], labels[rows]",
        ]
    lines += [
        f"        l = loss(net(X), y){divide}",
        "        trainer.zero_grad()" if s.zero_grad else f"        # no trainer.zero_grad(): {ACCUMULATES}",
        "        l.backward()",
        "        trainer.step()",
        "        print(f\"epoch {epoch} batch {batch}: loss {l.item()!r}\")",
        "        print(f\"  w.grad {net[0].weight.grad[0].tolist()} b.grad {net[0].bias.grad.item()!r}\")",
        "        print(f\"  w {net[0].weight.detach()[0].tolist()} b {net[0].bias.item()!r}\")",
        "    with torch.no_grad():",
        f"        l = loss(net(features), labels){' / len(labels)' if divide else ''}",
        "    print(f\"epoch {epoch}: loss on all data {l.item()!r}\")",
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"
