"""Claims: values a person stated about a scenario's results, and the verdict on each.

A scenario's optional `[claims]` table maps a path into its results file (`loss`, `grad[2]`,
`steps[0].weight[1]`) to a number or an array of numbers in the scenario number syntax, or to
`{ value = ..., note = "where the claim came from", notes.zh = "the note in the Chinese edition" }`.
The rule for "right":

- a claim written as an integer or a fraction is right when it equals the exact value;
- a claim written as a decimal with k digits after the point is right when it equals the exact
  value rounded to k digits, half away from zero (2.8333 and 2.833 are right for 17/6; 2.8334 is not);
  an irrational exact value (log, exp: generator/exact/) is rounded with balls whose precision is
  raised until the rounding is certain;
- an array is judged entry by entry.

The verdict rests on the exact value, never on torch's float, so it is the same on every machine.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from generator.codec import OMIT, Listing, RealV, V
from generator.errors import Problem
from generator.exact.enclosure import UndecidedError
from generator.reader import Reader, did_you_mean, translations
from generator.values import InvalidNumberError, ScientificDecimal, parse_exact, shorten

# ASCII only (re.ASCII: \d is 0-9, so grad[٢] is not a path); linear in the path's length
PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*", re.ASCII)
SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", re.ASCII)
MAX_CLAIMS = 100
MAX_INDEX_DIGITS = 6  # no results array has a million entries; a longer index is refused before it is read as a number
MAX_NOTE = 200  # characters, as a title
NUMBERS = (V, RealV)  # the typed results' value records


@dataclass(frozen=True)
class Number:
    """One claimed number: as written, its exact value, and its decimal places when written as a
    decimal (None for an integer or a fraction, which must be exact)."""

    text: str
    value: Fraction
    places: int | None


Claimed = Any  # a Number, or a (nested) tuple of Numbers


@dataclass(frozen=True)
class Claim:
    path: str
    segments: tuple[str | int, ...]
    claimed: Claimed
    note: str
    notes: tuple[tuple[str, str], ...] = ()  # (language, note) for the other editions


def _number(raw: object) -> Number:
    if isinstance(raw, ScientificDecimal) or (isinstance(raw, str) and "e" in raw.lower() and "/" not in raw):
        shown = shorten(raw if isinstance(raw, str) else str(raw))
        raise InvalidNumberError(f"{shown!r} is written with an exponent; a claim is judged by the digits it shows, "
                                 "so write them out (2.8333, 0.0025, or a fraction such as 17/6)")
    value = parse_exact(raw)
    if isinstance(raw, bool) or isinstance(raw, int):
        return Number(str(raw), value, None)
    if isinstance(raw, Decimal):
        exponent = raw.as_tuple().exponent
        return Number(str(raw), value, max(0, -int(exponent)))
    text = str(raw).strip()
    if "/" in text:
        return Number(text, value, None)
    exponent = Decimal(text).as_tuple().exponent
    places = max(0, -int(exponent)) if "." in text else None
    return Number(text, value, places)


def _claimed(reader: Reader, field: str, raw: object, depth: int = 0) -> Claimed | None:
    if isinstance(raw, list):
        if not raw or depth > 1:
            reader.problem(field, "expected a number, or an array (of arrays) of numbers")
            return None
        items = [_claimed(reader, f"{field}[{i}]", item, depth + 1) for i, item in enumerate(raw)]
        return None if any(item is None for item in items) else tuple(items)
    try:
        return _number(raw)
    except InvalidNumberError as error:
        reader.problem(field, str(error))
        return None


def parse_claims(reader: Reader, claimable: tuple[str, ...], results: type | None = None) -> tuple[Claim, ...]:
    """The scenario's [claims] table, every problem collected in the reader; with `results` (the
    kind's typed results), each path and shape checked against it before any run."""
    table = reader.table.get("claims")
    if table is None:
        return ()
    if not isinstance(table, dict):
        reader.problem("claims", "expected a table: [claims] with lines path = value")
        return ()
    if len(table) > MAX_CLAIMS:
        reader.problem("claims", f"has {len(table)} claims; the limit is {MAX_CLAIMS}")
        return ()
    claims = []
    for path, raw in table.items():
        field = f"claims.{path}"
        if not PATH.fullmatch(path):
            reader.problem(field, "is not a path into the results, such as loss, grad[2] or steps[0].weight[1]")
            continue
        found = SEGMENT.findall(path)
        if any(len(index) > MAX_INDEX_DIGITS for _, index in found):
            reader.problem(field, f"holds an index of more than {MAX_INDEX_DIGITS} digits; no results array is that long")
            continue
        segments = path_segments(path)
        if segments[0] not in claimable:
            reader.problem(field, f"unknown quantity {shorten(str(segments[0]))!r}{did_you_mean(str(segments[0]), claimable)}; "
                                  f"claims may name {', '.join(claimable)}")
            continue
        note = ""
        notes: tuple[tuple[str, str], ...] = ()
        if isinstance(raw, dict):
            unknown = sorted(set(raw) - {"value", "note", "notes"})
            if unknown or "value" not in raw or not isinstance(raw.get("note", ""), str):
                reader.problem(field, "expected { value = ..., note = \"...\", notes.zh = \"...\" } (notes optional)")
                continue
            if "note" in raw:  # the title's rules: one line, no control characters, at most MAX_NOTE characters
                note_reader = Reader(reader.source, {f"{field}.note": raw["note"]})
                checked = note_reader.text(f"{field}.note", max_length=MAX_NOTE)
                reader.problems += note_reader.problems
                if checked is None:
                    continue
                note = checked
            if "notes" in raw:
                before = len(reader.problems)
                notes = translations(reader, f"{field}.notes", raw["notes"], "notes", max_length=MAX_NOTE)
                if len(reader.problems) > before:
                    continue
            raw = raw["value"]
        claimed = _claimed(reader, field, raw)
        if claimed is None:
            continue
        wrong_shape = shape_problem(results, segments, claimed) if results is not None else None
        if wrong_shape:
            reader.problem(field, wrong_shape)
            continue
        claims.append(Claim(path, segments, claimed, note, notes))
    return tuple(claims)


def bare(hint: Any) -> Any:
    """`X | None` -> X (an optional part of the results is claimable where the run has it)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        others = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return others[0] if len(others) == 1 else hint
    return hint


def arm(hint: Any, segment: str | int) -> Any:
    """The arm of a union that `segment` walks into: the array for an index, the table for a name
    (mse's other_reduction: one table, or a table per reduction for "none"); else `hint` itself."""
    if not (isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union):
        return hint
    for option in typing.get_args(hint):
        if isinstance(segment, int) and typing.get_origin(option) is tuple:
            return option
        if isinstance(segment, str) and dataclasses.is_dataclass(option) and option not in NUMBERS:
            return option
    return hint


def _what(hint: Any) -> str:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:  # mse's loss: a matrix for "none"
        return " or ".join(dict.fromkeys(_what(option) for option in typing.get_args(hint) if option is not type(None)))
    if hint in NUMBERS:
        return "one number"
    if typing.get_origin(hint) is tuple:
        return "an array"
    if dataclasses.is_dataclass(hint):
        return "a table"
    return "not a number (a setting or a text)"


def shape_problem(results: type, segments: tuple[str | int, ...], claimed: Claimed) -> str | None:
    """What is wrong with a claim's path and shape against its kind's typed results (the
    dataclasses of kinds/<kind>/results.py), before any run; None when it fits. Indexes past the
    end are found against the run's own results (`judge`)."""
    hint: Any = results
    walked = ""
    for segment in segments:
        hint = arm(bare(hint), segment)
        if isinstance(segment, int):
            if typing.get_origin(hint) is not tuple:
                return f"{walked} is {_what(hint)}, not an array: [{segment}] indexes nothing"
            hint = typing.get_args(hint)[0]
            walked += f"[{segment}]"
            continue
        names = [item.name for item in dataclasses.fields(hint)] if dataclasses.is_dataclass(hint) and hint not in NUMBERS else []
        if segment not in names:
            if not names:
                return f"{walked} is {_what(hint)}; it has no part {shorten(segment)!r}"
            return f"{shorten(segment)!r} is not in {walked or 'the results'}{did_you_mean(segment, names)}; it has {', '.join(names)}"
        hint = typing.get_type_hints(type(hint) if not isinstance(hint, type) else hint)[segment]
        walked += f".{segment}" if walked else segment
    return _fits(bare(hint), claimed, walked)


def _fits(hint: Any, claimed: Claimed, walked: str) -> str | None:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:  # one value, or one per row
        problems = [_fits(option, claimed, walked) for option in typing.get_args(hint) if option is not type(None)]
        return None if None in problems else problems[0]
    if isinstance(claimed, Number):
        return None if hint in NUMBERS else f"{walked} is {_what(hint)}; the claim is one number"
    if typing.get_origin(hint) is not tuple:
        entries = "one number" if hint in NUMBERS else _what(hint)
        return f"{walked} is {entries}; the claim is an array of {len(claimed)} entries"
    element = bare(typing.get_args(hint)[0])
    for item in claimed:
        problem = _fits(element, item, f"{walked}[i]")
        if problem:
            return problem
    return None


def round_half_away(value: Fraction, places: int) -> Fraction:
    scaled = abs(value) * 10**places
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, 10**places)


def is_right(number: Number, exact: Fraction) -> bool:
    if number.places is None:
        return number.value == exact
    return number.value == round_half_away(exact, number.places)


def is_right_enclosed(number: Number, lo: Fraction, hi: Fraction) -> bool:
    """The rule for an exact value known only by its enclosure [lo, hi] (an optimizer's state after
    a square root): a decimal is judged when lo and hi round alike to its places; a fraction or
    integer is wrong when outside. Otherwise no precision decides it: UndecidedError (exit 2)."""
    from generator.exact.enclosure import UndecidedError

    if number.places is not None and round_half_away(lo, number.places) == round_half_away(hi, number.places):
        return number.value == round_half_away(lo, number.places)
    if number.places is None and not lo <= number.value <= hi:
        return False
    raise UndecidedError(f"{number.text}: the exact value is known to lie in [{lo}, {hi}], which does not decide the claim; "
                         "claim it as a decimal with fewer places")


def is_right_real(number: Number, expr_text: str) -> bool:
    """The same rule for an irrational record's exact value (its sympy text): sympy first tries to
    prove it rational (then the rule above); else balls decide, their precision raised until the
    rounding (or the inequality, for an integer or fraction claim) is certain, up to a cap past
    which ball.UndecidedError says so."""
    from generator.exact import ball, symbolic

    expr = symbolic.parse(expr_text)
    rational = symbolic.prove_rational(expr)
    if rational is not None:
        return is_right(number, rational)
    if number.places is None:
        claimed = number.value

        def differs(precision: int) -> bool | None:
            return True if ball.certainly_differs(ball.enclose(expr, precision), claimed, precision) else None

        return not ball.decide(differs, f"whether {expr_text} equals {number.text}")
    return number.value == ball.rounded(expr, number.places)


def _resolve(results: dict[str, Any], claim: Claim) -> Any:
    return node_at(results, claim.segments)


def path_segments(path: str) -> tuple[str | int, ...]:
    """A path's segments: names as strings, indices as ints ("steps[0].weight": ("steps", 0, "weight"))."""
    return tuple(int(index) if index else name for name, index in SEGMENT.findall(path))


def node_at(results: dict[str, Any], segments: tuple[str | int, ...], null_stops: bool = False) -> Any:
    """The results' node at a path's segments; LookupError names the first one that is not there.
    With `null_stops`, a null met on the way is the answer (an exercise that does not apply)."""
    node: Any = results
    for segment in segments:
        if null_stops and node is None:
            return None
        if isinstance(segment, int):
            if not isinstance(node, list):
                raise LookupError(f"index {segment}: this part of the results is not an array")
            if segment >= len(node):
                raise LookupError(f"index {segment} is out of range (there are {len(node)})")
            node = node[segment]
        else:
            if not isinstance(node, dict) or segment not in node:
                keys = sorted(node) if isinstance(node, dict) else []
                raise LookupError(f"{segment!r} is not in the results here{did_you_mean(segment, keys)}")
            node = node[segment]
    return node


def _judge(claimed: Claimed, node: Any, where: tuple[int, ...], wrong: list[list[int]]) -> Listing:
    """The exact values in the claim's shape; the indices of wrong entries appended to `wrong`."""
    if isinstance(claimed, Number):
        if not (isinstance(node, dict) and ("exact" in node or "expr" in node)):
            what = "an array" if isinstance(node, list) else "not one number"
            raise LookupError(f"names {what}; the claim is one number")
        if "exact" not in node and node["expr"] is None:
            if not is_right_enclosed(claimed, Fraction(node["lo"]), Fraction(node["hi"])):
                wrong.append(list(where))
            return Listing(f"[{node['lo']}, {node['hi']}]")
        if "exact" not in node:
            if not is_right_real(claimed, node["expr"]):
                wrong.append(list(where))
            return Listing(node["expr"])
        exact = Fraction(node["exact"])
        if not is_right(claimed, exact):
            wrong.append(list(where))
        return Listing(node["exact"])
    if not isinstance(node, list):
        raise LookupError(f"is one number here; the claim is an array of {len(claimed)} entries")
    if len(node) != len(claimed):
        raise LookupError(f"has {len(node)} entries here; the claim has {len(claimed)}")
    return Listing(None, tuple(_judge(c, n, (*where, i), wrong) for i, (c, n) in enumerate(zip(claimed, node))))


def _written(claimed: Claimed) -> Listing:
    return Listing(claimed.text) if isinstance(claimed, Number) else Listing(None, tuple(_written(c) for c in claimed))


@dataclass(frozen=True)
class ClaimRecord:
    """One claim's verdict, as the results' "claims" list holds it: the value a person wrote, the
    exact one, and where they differ."""

    path: str  # in the results: "loss", "steps[0].weight[1]"
    claimed: Listing
    exact: Listing
    verdict: str  # "right" or "wrong"
    wrong: tuple[tuple[int, ...], ...]  # the indices of the entries that differ; ((),) for a single value
    note: str
    notes: dict[str, str] | None = dataclasses.field(default=None, metadata=OMIT)  # the note in other editions, by language


def judge(source: str, claims: tuple[Claim, ...], results: dict[str, Any]) -> tuple[list[ClaimRecord], list[Problem]]:
    """The results' "claims" list, and a problem for each claim whose path or shape does not fit.
    `results` is the results file's data: a claim's path is read there, as a person wrote it."""
    verdicts, problems = [], []
    for claim in claims:
        wrong: list[list[int]] = []
        try:
            exact = _judge(claim.claimed, _resolve(results, claim), (), wrong)
        except (LookupError, UndecidedError) as error:
            problems.append(Problem(source, f"claims.{claim.path}", str(error)))
            continue
        verdicts.append(ClaimRecord(claim.path, _written(claim.claimed), exact,
                                    "wrong" if wrong else "right", tuple(tuple(where) for where in wrong), claim.note,
                                    dict(claim.notes) or None))
    return verdicts, problems
