"""A claim's label as a reader reads it, from its path in the results file: `steps[0].grad_weight`
is "batch 1: w.grad" (第 1 个小批量：w.grad): the same numbers in every edition. The results file and the `claims` command keep
the path (a public contract); the errata page shows the label.

The words are each kind's, per language: the `[claims]` table of templates/<language>/labels/<kind>.toml
names each field along a path (by its dotted path without indices, the longest matching tail first:
`with_zero_grad.steps.grad_weight`, then `steps.grad_weight`, then `grad_weight`). A name written
with `[]` (`"steps[]"`, `"epoch_loss[]"`) words the field with the index after it, `{i}` counted
from 1 (a digit in every edition, so the editions show the same numbers). Otherwise the index is worded generically from the
field's type (templates/<language>/site.toml, `[claim]`): an entry of a vector, a row of a matrix, a
row and a column. An empty label leaves the field out; a label holding `{rest}` wraps the rest of
the path instead of preceding it. `tests/test_claim_labels.py` labels every claimable path of every kind."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from generator.claims import NUMBERS, arm, bare, path_segments
from generator.languages import labels, site_words


def _depth(hint: Any) -> int:
    """How many indices an array type takes: 0 for a number or a table, 1 a vector, 2 a matrix."""
    depth = 0
    while typing.get_origin(hint := bare(hint)) is tuple:
        hint = typing.get_args(hint)[0]
        depth += 1
    return depth


def _parts(results: type, segments: tuple[str | int, ...]) -> list[tuple[str, str, tuple[int, ...], int]] | None:
    """(dotted field path, name, the indices after it, the field's array depth) per field along the
    path; None where the path does not fit the typed results."""
    hint: Any = results
    parts: list[tuple[str, str, tuple[int, ...], int]] = []
    for segment in segments:
        hint = arm(bare(hint), segment)
        if isinstance(segment, int):
            if not parts or typing.get_origin(hint) is not tuple:
                return None
            dotted, name, indices, depth = parts[-1]
            parts[-1] = (dotted, name, indices + (segment,), depth)
            hint = typing.get_args(hint)[0]
            continue
        if not dataclasses.is_dataclass(hint) or hint in NUMBERS or segment not in {f.name for f in dataclasses.fields(hint)}:
            return None
        hint = typing.get_type_hints(hint)[segment]
        dotted = f"{parts[-1][0]}.{segment}" if parts else segment
        parts.append((dotted, segment, (), _depth(hint)))
    return parts


def _lookup(table: dict[str, str], dotted: str, suffix: str) -> str | None:
    names = dotted.split(".")
    for start in range(len(names)):
        key = ".".join(names[start:]) + suffix
        if key in table:
            return table[key]
    return None


def _word(table: dict[str, str], generic: dict[str, str], dotted: str, indices: tuple[int, ...], depth: int) -> str | None:
    numbers = {"i": indices[0] + 1 if indices else 0, "j": indices[1] + 1 if len(indices) > 1 else 0}
    own = _lookup(table, dotted, "[]" * len(indices)) if indices else None
    if own is not None:
        return _fill(own, **numbers)
    name = _lookup(table, dotted, "")
    if name is None:
        return None
    if not indices:
        return name
    shape = "cell" if len(indices) == 2 else "row" if depth == 2 else "entry"
    return _fill(generic[shape], name=name, **numbers)


def _fill(template: str, **values: object) -> str:
    """`template` with each `{key}` of `values` replaced (a `{rest}` is left for _joined)."""
    for key, value in values.items():
        template = template.replace(f"{{{key}}}", str(value))
    return template


def _joined(words: list[str], separator: str) -> str:
    if not words:
        return ""
    first, rest = words[0], _joined(words[1:], separator)
    if "{rest}" in first:
        return first.replace("{rest}", rest)
    return separator.join(word for word in (first, rest) if word)


def claim_label(kind: str, results: type, path: str, language: str, strict: bool = False) -> str:
    """The reader's label of the claim at `path` in `language`; the path itself where the kind's
    labels do not word it (a kind without a `[claims]` table: its page still renders), or with
    `strict` (the tests) KeyError."""
    segments = path_segments(path)
    parts = _parts(results, segments)
    table: dict[str, str] = labels(kind, language).get("claims", {})
    generic: dict[str, str] = site_words(language)["claim"]
    if parts is None:
        if strict:
            raise KeyError(f"{kind}: {path} is not a path into its results")
        return path
    words = []
    for dotted, _, indices, depth in parts:
        word = _word(table, generic, dotted, indices, depth)
        if word is None:
            if strict:
                raise KeyError(f"{kind}: templates/{language}/labels/{kind}.toml [claims] words no {dotted!r} ({path})")
            return path
        words.append(word)
    return _joined(words, generic["part"])
