"""The cross-entropy scenario format: logits, a target (class indices or probabilities), a
reduction, optional class weights, ignore_index and label smoothing, and a dtype."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator import scenario as base
from generator.reader import Matrix, Reader, Vector

NAME = "cross-entropy"
REDUCTIONS = ("mean", "sum", "none")
KEYS = ("logits", "target", "reduction", "weight", "ignore_index", "label_smoothing")
MAX_INDEX = 10**6  # |ignore_index| at most this
SHIFT = Fraction(1000)  # added to the first row for the overflow demonstration: exp(1000) is past every float


@dataclass(frozen=True)
class Scenario(base.Scenario):
    logits: Matrix
    classes: tuple[int, ...] | None  # class-index targets, or None
    probabilities: Matrix | None  # class-probability targets (rows sum to 1), or None
    reduction: str
    weight: Vector | None
    ignore_index: int | None
    label_smoothing: Fraction

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.logits), len(self.logits[0])

    @property
    def compares_nll(self) -> bool:
        """NLLLoss after log_softmax is run beside it: class indices without label smoothing."""
        return self.classes is not None and not self.label_smoothing

    def kept(self, i: int) -> bool:
        """Whether row i counts: not a class-index target equal to ignore_index."""
        return self.classes is None or self.classes[i] != self.ignore_index

    def class_weight(self, j: int) -> Fraction:
        return self.weight[j] if self.weight is not None else Fraction(1)

    def coefficients(self) -> tuple[tuple[Fraction, ...], ...]:
        """c[i][j]: row i's loss is sum_j c[i][j] * (-log_softmax(x_i)_j). With class indices,
        (1 - eps) w_{y_i} [j = y_i] + (eps / C) w_j, and 0 for an ignored row; with probabilities,
        w_j ((1 - eps) y_ij + eps / C)."""
        n, C = self.shape
        eps = self.label_smoothing
        rows = []
        for i in range(n):
            if self.probabilities is not None:
                rows.append(tuple(self.class_weight(j) * ((1 - eps) * self.probabilities[i][j] + eps / C) for j in range(C)))
            elif not self.kept(i):
                rows.append(tuple(Fraction(0) for _ in range(C)))
            else:
                assert self.classes is not None
                target = self.classes[i]
                rows.append(tuple((1 - eps) * self.class_weight(target) * (j == target) + eps / C * self.class_weight(j)
                                  for j in range(C)))
        return tuple(rows)

    @property
    def denominator(self) -> Fraction | None:
        """What the mean divides by: the kept rows' target weights with class indices (their count
        without weights), n with probabilities, weights or not; None for sum and none."""
        if self.reduction != "mean":
            return None
        n, _ = self.shape
        if self.classes is None:
            return Fraction(n)
        return sum((self.class_weight(t) for i, t in enumerate(self.classes) if self.kept(i)), Fraction(0))


def parse(reader: Reader, header: base.ScenarioHeader) -> Scenario | None:
    logits = reader.matrix("logits")
    reduction = reader.choice("reduction", REDUCTIONS, "mean")
    weight = reader.vector("weight") if "weight" in reader.table else None
    smoothing = reader.number("label_smoothing", Fraction(0))
    ignore_index = reader.integer("ignore_index", -MAX_INDEX, MAX_INDEX, None)
    if smoothing is not None and not 0 <= smoothing < 1:
        reader.problem("label_smoothing", f"is {smoothing}; expected a number from 0 up to, not including, 1")
        smoothing = None
    if logits is None or reduction is None or smoothing is None or ("weight" in reader.table and weight is None):
        return None
    n, C = len(logits), len(logits[0])
    if C < 2:
        reader.problem("logits", "has 1 column; expected at least 2 classes")
        return None
    if weight is not None:
        if len(weight) != C:
            reader.problem("weight", f"has {len(weight)} numbers; expected one per class, {C}")
            return None
        if any(w <= 0 for w in weight):
            reader.problem("weight", "expected positive numbers")
            return None
    raw = reader.table.get("target")
    if raw is None:
        reader.problem("target", "missing required key")
        return None
    classes: tuple[int, ...] | None = None
    probabilities: Matrix | None = None
    if isinstance(raw, list) and raw and all(isinstance(row, list) for row in raw):
        probabilities = reader.matrix("target")
        if probabilities is None:
            return None
        if (len(probabilities), len(probabilities[0])) != (n, C):
            reader.problem("target", f"shape {len(probabilities)}×{len(probabilities[0])} differs from logits' {n}×{C}")
            return None
        for i, row in enumerate(probabilities):
            if any(not 0 <= p <= 1 for p in row) or sum(row, Fraction(0)) != 1:
                reader.problem(f"target[{i}]", "expected probabilities from 0 to 1 that sum to 1 exactly")
                return None
        if ignore_index is not None:
            reader.problem("ignore_index", "applies to class-index targets only; torch refuses it with class probabilities")
            return None
    elif isinstance(raw, list) and raw and all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
        if len(raw) != n:
            reader.problem("target", f"has {len(raw)} class indices; logits have {n} rows")
            return None
        for i, t in enumerate(raw):
            if not (0 <= t < C or t == ignore_index):
                also = f" or ignore_index {ignore_index}" if ignore_index is not None else ""
                reader.problem(f"target[{i}]", f"is {t}; expected a class from 0 to {C - 1}{also}")
                return None
        classes = tuple(raw)
        if reduction == "mean" and all(t == ignore_index for t in classes):
            reader.problem("target", "every row is ignore_index: the mean would divide by 0 (torch gives nan)")
            return None
    else:
        reader.problem("target", "expected n class indices (whole numbers) or n rows of class probabilities")
        return None
    return Scenario(header, logits, classes, probabilities, reduction, weight, ignore_index, smoothing)
