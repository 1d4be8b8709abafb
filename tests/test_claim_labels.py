"""A claim's label on the errata page (generator/claim_labels.py): every claimable path of every
kind has one in every edition, the same numbers in each, no two paths alike, no path syntax left."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from generator.claim_labels import claim_label
from generator.claims import NUMBERS, Number, bare, shape_problem
from generator.kinds import KINDS
from generator.languages import languages

LEAVES = NUMBERS  # one value record: rational, or irrational (generator/exact/)
INDICES = (0, 1)  # each array index as the first and the second entry, so that a label's number is seen to follow it


def _shaped(hint: Any) -> Any:
    """A claimed value of the shape `hint` holds: one number, or nested tuples of them."""
    hint = bare(hint)
    return Number("1", 1, None) if hint in LEAVES else (_shaped(typing.get_args(hint)[0]),)


def _paths(hint: Any, path: str) -> Iterator[str]:
    """Every path into the typed results below `path`, each index as each of INDICES."""
    hint = bare(hint)
    if isinstance(hint, types.UnionType):  # one value, or one per row (cross-entropy's loss): each shape
        for arm in typing.get_args(hint):
            yield from _paths(arm, path)
        return
    yield path
    if typing.get_origin(hint) is tuple:
        for index in INDICES:
            yield from _paths(typing.get_args(hint)[0], f"{path}[{index}]")
    elif dataclasses.is_dataclass(hint) and hint not in LEAVES:
        hints = typing.get_type_hints(hint)
        for field in dataclasses.fields(hint):
            yield from _paths(hints[field.name], f"{path}.{field.name}")


def claimable_paths(kind: Any) -> list[str]:
    """Every path a [claims] table of the kind may name: those the claims' own shape check accepts."""
    hints = typing.get_type_hints(kind.results)
    found: list[str] = []
    for name in kind.claimable:
        for path in _paths(hints[name], name):
            segments = tuple(int(i) if i else n for n, i in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path))
            hint: Any = kind.results
            for segment in segments:  # the type at the path, to build a claim of its shape
                hint = bare(hint)
                if isinstance(hint, types.UnionType) and isinstance(segment, int):  # indexed: the arm that is an array
                    hint = next(arm for arm in typing.get_args(hint) if typing.get_origin(arm) is tuple)
                elif isinstance(hint, types.UnionType):  # named: the arm that is a table (mse's other_reduction)
                    hint = next(arm for arm in typing.get_args(hint) if dataclasses.is_dataclass(arm))
                hint = typing.get_args(hint)[0] if isinstance(segment, int) else typing.get_type_hints(hint)[segment]
            if isinstance(hint, types.UnionType) and None.__class__ not in typing.get_args(hint):
                hint = typing.get_args(hint)[0]  # not indexed: the one value
            if bare(hint) in LEAVES or typing.get_origin(bare(hint)) is tuple:
                try:
                    claimed = _shaped(hint)
                except (IndexError, TypeError):
                    continue
                if shape_problem(kind.results, segments, claimed) is None:
                    found.append(path)
    return found


PATHS = [(name, path) for name, kind in KINDS.items() for path in claimable_paths(kind)]


def test_every_kind_has_claimable_paths():
    for name, kind in KINDS.items():
        assert kind.claimable and any(k == name for k, _ in PATHS), name
    assert ("linreg-sgd", "with_zero_grad.steps[1].grad_weight[0]") in PATHS  # deep inside optional parts too


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_claimable_path_has_a_readers_label(name, language):
    kind = KINDS[name]
    labels = {path: claim_label(name, kind.results, path, language, strict=True) for k, path in PATHS if k == name}
    for path, label in labels.items():
        assert label.strip(), f"{name}: {path} has an empty label in {language}"
        assert "[" not in label and "{" not in label, f"{name}: {path} -> {label!r} keeps path or template syntax"
        fields = {segment for segment in re.findall(r"[A-Za-z_]\w*", path) if "_" in segment}
        assert not any(field in label for field in fields), f"{name}: {path} -> {label!r} names a results field"
        indices = Counter(str(int(i) + 1) for i in re.findall(r"\[(\d+)\]", path))
        assert Counter(re.findall(r"\d+", label.replace("L1", ""))) == indices, \
            f"{name}: {path} -> {label!r}: the numbers are the path's indices counted from 1"
    same: dict[str, list[str]] = {}
    for path, label in labels.items():
        same.setdefault(label, []).append(path)
    assert [paths for paths in same.values() if len(paths) > 1] == [], f"{name}: two paths, one label in {language}"


@pytest.mark.parametrize("name, path, english, chinese", [
    ("linreg-sgd", "steps[0].grad_weight", "batch 1: w.grad", "第 1 个小批量：w.grad"),
    ("linreg-sgd", "steps[0].weight[1]", "batch 1: entry 2 of w after the step", "第 1 个小批量：更新后的 w 的第 2 个元素"),
    ("linreg-sgd", "epoch_loss[2]", "loss on all data after epoch 3", "第 3 个迭代周期后全部数据上的损失"),
    ("linreg-sgd", "with_zero_grad.steps[1].loss", "batch 2: loss, with zero_grad()", "第 2 个小批量：损失（调用 zero_grad() 时）"),
    ("mse", "grad[2][1]", "X.grad, row 3, column 2", "X.grad 第 3 行第 2 列"),
    ("mse", "grad[2]", "X.grad, row 3", "X.grad 第 3 行"),
    ("mse", "other_reduction.loss", "loss, with the other reduction", "损失（另一种 reduction）"),
    ("mse", "other_reduction[1].grad[1]", "X.grad, row 2, of reduction 2 (loss.mean(), then loss.sum())",
     "X.grad 第 2 行（第 2 种归约：依次为 loss.mean()、loss.sum()）"),
    ("mse", "loss[1][0]", "loss, row 2, column 1", "损失 第 2 行第 1 列"),
    ("regression-losses", "losses.huber.grad[0][1]", "HuberLoss: X.grad, row 1, column 2", "HuberLoss：X.grad 第 1 行第 2 列"),
    ("regression-losses", "losses.smooth_l1.loss", "SmoothL1Loss: loss", "SmoothL1Loss：损失"),
])
def test_labels_read_as_written(name, path, english, chinese):
    results = KINDS[name].results
    assert (claim_label(name, results, path, "en"), claim_label(name, results, path, "zh")) == (english, chinese)


def test_a_path_the_labels_do_not_word_stays_a_path(monkeypatch):
    """A kind whose labels lack a field (a new kind, before its [claims] table): the page shows the
    path, and the strict label (the test above) fails."""
    from generator import claim_labels

    words = claim_labels.labels("mse", "en")
    monkeypatch.setattr(claim_labels, "labels", lambda kind, language: {k: v for k, v in words.items() if k != "claims"})
    assert claim_label("mse", KINDS["mse"].results, "grad[2]", "en") == "grad[2]"
    with pytest.raises(KeyError, match="words no 'grad'"):
        claim_label("mse", KINDS["mse"].results, "grad[2]", "en", strict=True)
