"""One codec between typed results (frozen dataclasses) and the results file's JSON.

`encode` turns a tree of dataclasses, tuples, Fractions and value records into JSON-ready data
(the field names are the keys); `decode` reads such data back into the declared type, and rejects
anything else with ResultsFormatError naming the file and the path ("steps[3].loss.exact: expected a
fraction such as \"17/6\", got 12"). The rules, in one place:

    Fraction            "p/q" (Python's str(Fraction)), read back with Fraction()
    Listing             a claim's text, or nested arrays of texts
    V                   {"value": float, or "inf", "-inf", "nan"; "exact": "p/q"; "bound": float | null}
    RealV               a V's keys when the exact value is rational; else "expr" (sympy text; null for a
                        value defined by the steps before it, kind optimizers) and
                        "lo", "hi" (decimals rounded outward) in place of "exact"
    tuple[X, ...]       a JSON array
    dict[str, X]        a JSON object
    X | None            null, or the key left out when the field's metadata says OMIT
    a dataclass         a JSON object with one key per field; unknown or missing keys are errors

`dumps` writes today's bytes: sorted keys, two-space indent, no NaN literals, a trailing newline.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from fractions import Fraction
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin

from generator.errors import GeneratorError

OMIT = {"omit": True}  # field metadata: the key is left out of the file when the value is None
T = TypeVar("T")


class ResultsFormatError(GeneratorError):
    """A results file that does not have the shape its kind declares."""

    exit_code = 1


@dataclasses.dataclass(frozen=True)
class V:
    """One torch value with its exact twin and the verified bound of their distance (None where
    nothing was compared: after torch's parameters became non-finite, or past the dtype's range)."""

    value: float
    exact: Fraction
    bound: float | None


def v(value: float, exact: Fraction, bound: float | None) -> V:
    """V of a verified value; a bound that overflowed (inf) is recorded as None: nothing was compared."""
    return V(value, exact, bound if bound is not None and math.isfinite(bound) else None)


@dataclasses.dataclass(frozen=True)
class RealV:
    """One torch value whose exact twin may be irrational (generator/exact/): `exact` when it is
    rational (the record is then a V's), else `expr` (sympy text) and `lo` <= exact <= `hi`
    (decimals rounded outward), with the bound verified with balls."""

    value: float
    bound: float | None
    exact: Fraction | None = None
    expr: str | None = None
    lo: str | None = None
    hi: str | None = None

    @property
    def rational(self) -> bool:
        return self.exact is not None


REAL_KEYS = frozenset({"value", "expr", "lo", "hi", "bound"})


@dataclasses.dataclass(frozen=True)
class Listing:
    """A value as a claim writes it: text ("17/6", "2.8333"), or a nested array of such texts."""

    text: str | None
    items: tuple[Listing, ...] = ()

    def encode(self) -> object:
        return self.text if self.text is not None else [item.encode() for item in self.items]

    @classmethod
    def decode(cls, data: object, file: str, path: str) -> Listing:
        if isinstance(data, str):
            return cls(data)
        if not isinstance(data, list):
            raise _fail(file, path, "a text or an array of texts", data)
        return cls(None, tuple(cls.decode(item, file, f"{path}[{i}]") for i, item in enumerate(data)))

    def __str__(self) -> str:
        """17/6, or [-1/3, 1/3] for an array."""
        return self.text if self.text is not None else "[" + ", ".join(str(item) for item in self.items) + "]"


def json_float(value: float) -> float | str:
    """Finite floats as JSON numbers; inf, -inf and nan as the strings "inf", "-inf", "nan"."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def encode(node: object) -> object:
    """JSON-ready data of a typed tree."""
    if isinstance(node, V):
        return {"value": json_float(node.value), "exact": str(node.exact), "bound": node.bound}
    if isinstance(node, RealV):
        if node.exact is not None:
            return {"value": json_float(node.value), "exact": str(node.exact), "bound": node.bound}
        return {"value": json_float(node.value), "expr": node.expr, "lo": node.lo, "hi": node.hi, "bound": node.bound}
    if isinstance(node, Fraction):
        return str(node)
    if isinstance(node, Listing):
        return node.encode()
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out = {}
        for item in dataclasses.fields(node):
            value = getattr(node, item.name)
            if value is None and item.metadata.get("omit"):
                continue
            out[item.name] = encode(value)
        return out
    if isinstance(node, tuple | list):
        return [encode(item) for item in node]
    if isinstance(node, dict):
        return {key: encode(value) for key, value in node.items()}
    return node


def encode_fields(node: object) -> dict[str, object]:
    """JSON-ready data of a dataclass: its fields as an object's keys."""
    data = encode(node)
    if not isinstance(data, dict):
        raise TypeError(f"codec: {type(node).__name__} is not a dataclass")
    return data


def dumps(node: object) -> str:
    """Deterministic JSON: sorted keys, two-space indent, no NaN literals, trailing newline."""
    return json.dumps(encode(node), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def decode(kind: type[T], data: object, file: str, path: str = "") -> T:
    """`data` (parsed JSON) as `kind`, or ResultsFormatError naming `file` and the path."""
    return typing.cast(T, _decode(kind, data, file, path))


def _fail(file: str, path: str, expected: str, data: object) -> ResultsFormatError:
    shown = json.dumps(data, ensure_ascii=False)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return ResultsFormatError(f"{file}: {path or 'top level'}: expected {expected}, got {shown}")


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _decode(kind: Any, data: object, file: str, path: str) -> object:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if data is None and type(None) in options:
            return None
        rest = [option for option in options if option is not type(None)]
        if len(rest) == 1:
            return _decode(rest[0], data, file, path)
        for option in rest:  # the first that fits: only used for simple unions
            try:
                return _decode(option, data, file, path)
            except ResultsFormatError:
                continue
        raise _fail(file, path, " or ".join(_name(option) for option in rest), data)
    if origin is tuple:
        if not isinstance(data, list):
            raise _fail(file, path, "an array", data)
        item = get_args(kind)[0]
        return tuple(_decode(item, value, file, f"{path}[{i}]") for i, value in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise _fail(file, path, "an object", data)
        item = get_args(kind)[1]
        return {key: _decode(item, value, file, f"{path}.{key}" if path else key) for key, value in data.items()}
    if kind is V:
        return _value_record(data, file, path)
    if kind is RealV:
        return _real_record(data, file, path)
    if kind is Listing:
        return Listing.decode(data, file, path)
    if kind is Fraction:
        return _fraction(data, file, path)
    if kind is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise _fail(file, path, "a number", data)
        return float(data)
    if kind is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise _fail(file, path, "an integer", data)
        return data
    if kind is bool or kind is str:
        if not isinstance(data, kind):
            raise _fail(file, path, _name(kind), data)
        return data
    if dataclasses.is_dataclass(kind):
        return _dataclass(kind, data, file, path)
    raise TypeError(f"codec: no rule for {kind!r} at {path}")


def _name(kind: Any) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", Fraction: "a fraction"}.get(kind, "a value")


def _fraction(data: object, file: str, path: str) -> Fraction:
    if not isinstance(data, str):
        raise _fail(file, path, 'a fraction such as "17/6"', data)
    try:
        return Fraction(data)
    except (ValueError, ZeroDivisionError):
        raise _fail(file, path, 'a fraction such as "17/6"', data) from None


def _value_record(data: object, file: str, path: str) -> V:
    if not isinstance(data, dict) or set(data) != {"value", "exact", "bound"}:
        raise _fail(file, path, 'a value record {"value", "exact", "bound"}', data)
    value, bound = _value_and_bound(data, file, path)
    return V(value, _fraction(data["exact"], file, f"{path}.exact"), bound)


def _real_record(data: object, file: str, path: str) -> RealV:
    if not isinstance(data, dict) or set(data) not in ({"value", "exact", "bound"}, REAL_KEYS):
        raise _fail(file, path, 'a value record {"value", "exact", "bound"} or {"value", "expr", "lo", "hi", "bound"}', data)
    value, bound = _value_and_bound(data, file, path)
    if "exact" in data:
        return RealV(value, bound, exact=_fraction(data["exact"], file, f"{path}.exact"))
    for key in ("lo", "hi"):
        _decimal_text(data[key], file, f"{path}.{key}")
    if data["expr"] is not None and (not isinstance(data["expr"], str) or not data["expr"]):  # null: defined by steps, not an expression
        raise _fail(file, f"{path}.expr", "an expression such as \"log(3) - 1\", or null", data["expr"])
    if Fraction(data["lo"]) > Fraction(data["hi"]):
        raise ResultsFormatError(f"{file}: {path}: lo {data['lo']} is above hi {data['hi']}")
    return RealV(value, bound, expr=data["expr"], lo=data["lo"], hi=data["hi"])


def _decimal_text(data: object, file: str, path: str) -> None:
    try:
        if isinstance(data, str) and "/" not in data:
            Fraction(data)
            return
    except (ValueError, ZeroDivisionError):
        pass
    raise _fail(file, path, 'a decimal such as "0.277709103312091"', data)


def _value_and_bound(data: dict[str, Any], file: str, path: str) -> tuple[float, float | None]:
    raw = data["value"]
    if isinstance(raw, str) and raw in ("inf", "-inf", "nan"):
        value = float(raw)
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        raise _fail(file, f"{path}.value", 'a number, or "inf", "-inf", "nan"', raw)
    bound = data["bound"]
    if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
        raise _fail(file, f"{path}.bound", "a number or null", bound)
    return value, None if bound is None else float(bound)


def _dataclass(kind: Any, data: object, file: str, path: str) -> object:
    if not isinstance(data, dict):
        raise _fail(file, path, "an object", data)
    hints = _hints(kind)
    fields = {item.name: item for item in dataclasses.fields(kind)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise ResultsFormatError(f"{file}: {where}: unknown key (expected one of {', '.join(sorted(fields))})")
    values: dict[str, object] = {}
    for name, item in fields.items():
        where = f"{path}.{name}" if path else name
        if name not in data:
            if item.metadata.get("omit"):
                values[name] = None
                continue
            raise ResultsFormatError(f"{file}: {where}: missing")
        values[name] = _decode(hints[name], data[name], file, where)
    return kind(**values)
