"""The linreg-sgd scenario format, its checks, the batch schedule of a fixed order, and the
exact residual the pages and the exact run share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from generator import scenario as base
from generator.reader import Matrix, Reader, Vector

NAME = "linreg-sgd"
REDUCTIONS = ("sum/batch", "mean", "sum")
KEYS = ("features", "labels", "weight", "bias", "lr", "batch_size", "epochs", "reduction", "zero_grad", "order", "seed", "see_also",
        "zero_grad_page")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
MAX_STEPS = 500  # steps past this make an unreadable table and exact fractions of thousands of digits
MAX_EPOCHS = 200
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Scenario(base.Scenario):
    features: Matrix
    labels: Vector
    weight: Vector
    bias: Fraction
    lr: Fraction
    batch_size: int
    epochs: int
    reduction: str
    zero_grad: bool
    order: tuple[tuple[int, ...], ...] | None  # one permutation of 0..n-1 per epoch, or None: seeded shuffle
    seed: int
    see_also: str | None = None  # the slug of a page the divergence note links to (a run that converges)
    zero_grad_page: str | None = None  # the slug of the page of the loop without zero_grad(), which the intro links to

    @property
    def n(self) -> int:
        return len(self.features)

    @property
    def d(self) -> int:
        return len(self.features[0])

    @property
    def batches_per_epoch(self) -> int:
        return -(-self.n // self.batch_size)

    def loss_scale(self, batch: int) -> Fraction:
        """c in loss = c * sum of squared residuals over a batch of `batch` rows."""
        return Fraction(1) if self.reduction == "sum" else Fraction(1, batch)


def parse(reader: Reader, header: base.ScenarioHeader) -> Scenario | None:
    return read(reader, header, one_sgd=True)


def read(reader: Reader, header: base.ScenarioHeader, one_sgd: bool) -> Scenario | None:
    """The scenario; without `one_sgd` (kind optimizers, which lists its optimizers) only the data,
    the batches and the reduction are read, and lr is 1, zero_grad true (what that kind's runs do)."""
    reduction = reader.choice("reduction", REDUCTIONS, "sum/batch")
    features, labels, weight = reader.matrix("features"), reader.vector("labels"), reader.vector("weight")
    bias = reader.number("bias", Fraction(0))
    lr = reader.number("lr") if one_sgd else Fraction(1)
    batch_size = reader.integer("batch_size", 1, 10**6)
    epochs = reader.integer("epochs", 1, MAX_EPOCHS)
    zero_grad = reader.boolean("zero_grad", True) if one_sgd else True
    seed = reader.integer("seed", 0, MAX_SEED, 0)
    order = reader.nested_integers("order")
    see_also = reader.text("see_also", None, max_length=80) if one_sgd else None
    zero_grad_page = reader.text("zero_grad_page", None, max_length=80) if one_sgd else None
    for key, slug in (("see_also", see_also), ("zero_grad_page", zero_grad_page)):
        if slug is not None and not SLUG.fullmatch(slug):
            reader.problem(key, f"{slug!r} is not a page's slug (lower-case letters, digits and '-')")
    if lr is not None and lr <= 0:
        reader.problem("lr", f"is {lr}; the learning rate must be greater than 0")
        lr = None
    if features is not None and labels is not None and len(labels) != len(features):
        reader.problem("labels", f"has {len(labels)} numbers but features has {len(features)} rows")
    if features is not None and weight is not None and len(weight) != len(features[0]):
        reader.problem("weight", f"has {len(weight)} numbers but each features row has {len(features[0])}")
    if order is not None and "seed" in reader.table:
        reader.problem("seed", "give either order (fixed batches) or seed (shuffled batches), not both")
    if features is not None and epochs is not None and batch_size is not None:
        per_epoch = -(-len(features) // batch_size)
        if epochs * per_epoch > MAX_STEPS:
            steps = epochs * per_epoch
            reader.problem("epochs", f"{epochs} epochs of {per_epoch} batches make {steps} steps; the limit is {MAX_STEPS}")
        if order is not None:
            _check_order(reader, order, len(features), epochs)
    if (
        reader.problems or features is None or labels is None or weight is None or bias is None or lr is None
        or batch_size is None or epochs is None or reduction is None or zero_grad is None or seed is None
    ):
        return None
    order_tuple = tuple(tuple(p) for p in order) if order is not None else None
    return Scenario(header, features, labels, weight, bias, lr, batch_size, epochs, reduction, zero_grad, order_tuple, seed, see_also,
                    zero_grad_page)


def _check_order(reader: Reader, order: list[list[int]], n: int, epochs: int) -> None:
    if len(order) != epochs:
        reader.problem("order", f"has {len(order)} permutations; expected one per epoch ({epochs})")
    for i, permutation in enumerate(order):
        if sorted(permutation) != list(range(n)):
            reader.problem(f"order[{i}]", f"is not a permutation of 0..{n - 1} (each row index exactly once)")


def schedule_from_order(s: Scenario) -> list[list[tuple[int, ...]]]:
    """Batches per epoch when the scenario fixes the order: each permutation cut in batch_size chunks."""
    return [[p[i : i + s.batch_size] for i in range(0, s.n, s.batch_size)] for p in s.order or ()]


def residual(s: Scenario, rows: tuple[int, ...], weight: Vector, bias: Fraction) -> tuple[Fraction, ...]:
    """X_B w + b - y_B, exactly."""
    return tuple(sum((x * w for x, w in zip(s.features[i], weight)), bias) - s.labels[i] for i in rows)
