"""Reads one scenario table field by field, collecting every problem instead of stopping at the first."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, cast

from generator.errors import Problem
from generator.languages import languages
from generator.values import InvalidNumberError, parse_exact
from generator.values import describe as _describe

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # embeddings, overrides, isolates
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")  # fillers that render as nothing (format characters, Cf, too)
MAX_ELEMENTS = 400  # a matrix larger than this is unreadable on a page (documented in the README)
_MISSING = object()


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Reader:
    """Typed access to a raw TOML table; each accessor records a Problem and returns None on bad input."""

    def __init__(self, source: str, table: dict[str, Any]) -> None:
        self.source = source
        self.table = table
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, field, message))

    def reject_unknown(self, known: Iterable[str]) -> None:
        known = sorted(known)
        for key in sorted(self.table):
            if key not in known:
                self.problem(key, f"unknown key{did_you_mean(key, known)}; known keys: {', '.join(known)}")

    def _get(self, key: str, default: Any) -> Any:
        if key in self.table:
            return self.table[key]
        if default is _MISSING:
            self.problem(key, "missing required key")
            return None
        return default

    def text(self, key: str, default: Any = _MISSING, max_length: int = 200) -> str | None:
        raw = self._get(key, default)
        if key not in self.table:
            return cast(str | None, raw)
        if not isinstance(raw, str):
            self.problem(key, f"expected a string, got {_describe(raw)}")
            return None
        if not raw.strip():
            self.problem(key, "must not be empty")
            return None
        if len(raw) > max_length:
            self.problem(key, f"is {len(raw)} characters long; the limit is {max_length}")
            return None
        control = next((ch for ch in raw if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029\ufffe\uffff"), None)
        if control is not None:
            self.problem(key, f"holds the control character U+{ord(control):04X}; write text on one line, without control characters")
            return None
        override = next((ch for ch in raw if ch in BIDI_CONTROLS), None)
        if override is not None:  # it would reverse or reorder the rest of the line in the navigation and <title>
            self.problem(key, f"holds the bidirectional control U+{ord(override):04X}; write the text in its reading order without it")
            return None
        if not "".join(ch for ch in raw if unicodedata.category(ch) != "Cf" and ch not in INVISIBLE).strip():
            self.problem(key, "shows nothing: it holds only spaces and invisible characters (such as U+200B)")
            return None
        return raw

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str | None:
        raw = self._get(key, default)
        if key not in self.table:
            return cast(str | None, raw)
        if not isinstance(raw, str):
            self.problem(key, f"expected one of {_quoted(options)}, got {_describe(raw)}")
            return None
        if raw not in options:
            self.problem(key, f"unknown value {raw!r}{did_you_mean(raw, options)}; expected one of {_quoted(options)}")
            return None
        return raw

    def boolean(self, key: str, default: bool) -> bool | None:
        raw = self.table.get(key, default)
        if not isinstance(raw, bool):
            self.problem(key, f"expected true or false, got {_describe(raw)}")
            return None
        return raw

    def integer(self, key: str, low: int, high: int, default: Any = _MISSING) -> int | None:
        raw = self._get(key, default)
        if key not in self.table:
            return cast(int | None, raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.problem(key, f"expected a whole number, got {_describe(raw)}")
            return None
        if not low <= raw <= high:
            self.problem(key, f"is {raw}; expected a whole number from {low} to {high}")
            return None
        return raw

    def number(self, key: str, default: Any = _MISSING) -> Fraction | None:
        raw = self._get(key, default)
        if key not in self.table:
            return cast(Fraction | None, raw)
        return self._number(key, raw)

    def _number(self, field: str, raw: Any) -> Fraction | None:
        try:
            return parse_exact(raw)
        except InvalidNumberError as error:
            self.problem(field, str(error))
            return None

    def vector(self, key: str, max_length: int = MAX_ELEMENTS) -> Vector | None:
        raw = self._get(key, _MISSING)
        if key not in self.table:
            return None
        return self._vector(key, raw, max_length)

    def _vector(self, field: str, raw: Any, max_length: int) -> Vector | None:
        if not isinstance(raw, list):
            self.problem(field, f"expected an array of numbers, got {_describe(raw)}")
            return None
        if not raw:
            self.problem(field, "is empty; expected at least one number")
            return None
        if len(raw) > max_length:
            self.problem(field, f"has {len(raw)} numbers; the limit is {max_length}")
            return None
        values = [self._number(f"{field}[{i}]", item) for i, item in enumerate(raw)]
        numbers = [v for v in values if v is not None]
        return tuple(numbers) if len(numbers) == len(values) else None

    def matrix(self, key: str) -> Matrix | None:
        raw = self._get(key, _MISSING)
        if key not in self.table:
            return None
        if not isinstance(raw, list) or not all(isinstance(row, list) for row in raw):
            self.problem(key, f"expected an array of rows (arrays of numbers), got {_describe(raw)}")
            return None
        if not raw:
            self.problem(key, "is empty; expected at least one row")
            return None
        elements = sum(len(row) for row in raw)
        if elements > MAX_ELEMENTS:
            self.problem(key, f"has {elements} numbers; the limit is {MAX_ELEMENTS}")
            return None
        rows = []
        for i, row in enumerate(raw):
            if i > 0 and len(row) != len(raw[0]):
                self.problem(f"{key}[{i}]", f"row has {len(row)} numbers, rows above have {len(raw[0])}")
                return None
            rows.append(self._vector(f"{key}[{i}]", row, MAX_ELEMENTS))
        read = [r for r in rows if r is not None]
        return tuple(read) if len(read) == len(rows) else None

    def nested_integers(self, key: str) -> list[list[int]] | None:
        raw = self.table.get(key)
        if raw is None:
            return None
        if not isinstance(raw, list) or not raw or not all(isinstance(row, list) for row in raw):
            self.problem(key, f"expected a non-empty array of arrays of whole numbers, got {_describe(raw)}")
            return None
        for i, row in enumerate(raw):
            for j, item in enumerate(row):
                if isinstance(item, bool) or not isinstance(item, int):
                    self.problem(f"{key}[{i}][{j}]", f"expected a whole number, got {_describe(item)}")
                    return None
        return raw


def _quoted(options: tuple[str, ...]) -> str:
    return ", ".join(repr(o) for o in options)


def translations(reader: Reader, field: str, raw: object, what: str, max_length: int = 200) -> tuple[tuple[str, str], ...]:
    """A table of texts by language for the other editions (`titles.zh = "…"`, a claim's
    `notes.zh`): each language must be an edition, each text follows the title's rules.
    Problems go to `reader`; the texts that pass are returned as (language, text), sorted."""
    if not isinstance(raw, dict):
        reader.problem(field, f"expected a table of {what} by language, such as {field}.zh = \"…\", got {_describe(raw)}")
        return ()
    others = languages()[1:]
    texts = []
    for code in sorted(raw):
        if code not in others:
            reader.problem(f"{field}.{code}", f"unknown language{did_you_mean(code, others)}; the other editions are {', '.join(others)}")
            continue
        entry = Reader(reader.source, {f"{field}.{code}": raw[code]})
        text = entry.text(f"{field}.{code}", max_length=max_length)
        reader.problems += entry.problems
        if text is not None:
            texts.append((code, text))
    return tuple(texts)
