"""The codec between typed results and the results file: today's bytes both ways, and a clear
error naming the file and the path for a file of the wrong shape."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction as F
from pathlib import Path

import pytest

from generator import codec
from generator.codec import OMIT, ResultsFormatError, V

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Inner:
    loss: V
    rows: tuple[tuple[V, ...], ...]


@dataclass(frozen=True)
class Outer:
    name: str
    lr: F
    count: int
    flag: bool
    inner: Inner
    maybe: int | None
    left_out: Inner | None = field(default=None, metadata=OMIT)


SAMPLE = Outer("t", F(1, 50), 3, True, Inner(V(2.5, F(5, 2), 0.0), ((V(float("inf"), F(10**40), None),),)), None)


def test_a_typed_tree_encodes_to_the_files_shape_and_back():
    data = json.loads(codec.dumps(SAMPLE))
    assert data == {"name": "t", "lr": "1/50", "count": 3, "flag": True, "maybe": None,
                    "inner": {"loss": {"value": 2.5, "exact": "5/2", "bound": 0.0},
                              "rows": [[{"value": "inf", "exact": str(10**40), "bound": None}]]}}
    assert codec.decode(Outer, data, "f.json") == SAMPLE


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["inner"]["loss"].update(exact=12), 'f.json: inner.loss.exact: expected a fraction such as "17/6", got 12'),
    (lambda d: d["inner"]["loss"].update(value="big"), 'f.json: inner.loss.value: expected a number, or "inf", "-inf", "nan", got "big"'),
    (lambda d: d["inner"]["rows"][0].append(3), 'f.json: inner.rows[0][1]: expected a value record {"value", "exact", "bound"}, got 3'),
    (lambda d: d.update(count="3"), 'f.json: count: expected an integer, got "3"'),
    (lambda d: d.update(flag=1), "f.json: flag: expected a boolean, got 1"),
    (lambda d: d.pop("lr"), "f.json: lr: missing"),
    (lambda d: d.update(lrr=1), "f.json: lrr: unknown key (expected one of count, flag, inner, left_out, lr, maybe, name)"),
    (lambda d: d["inner"].update(loss=[1]), 'f.json: inner.loss: expected a value record {"value", "exact", "bound"}, got [1]'),
])
def test_a_file_of_the_wrong_shape_names_the_file_and_the_path(edit, message):
    data = json.loads(codec.dumps(SAMPLE))
    edit(data)
    with pytest.raises(ResultsFormatError) as caught:
        codec.decode(Outer, data, "f.json")
    assert str(caught.value) == message


COMMITTED = sorted((ROOT / "docs" / "scenarios").glob("*.json"))


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_every_committed_results_file_reads_into_its_type_and_writes_back_to_the_same_bytes(path):
    from generator import results as res
    from generator.kinds import KINDS

    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    run = res.read_run(KINDS[data["kind"]].results, data, path.name)
    assert type(run.body).__name__.endswith("Results")
    assert run.dumps() == text


@pytest.mark.parametrize(("edit", "where"), [
    (lambda d: d["steps"][2]["loss"].update(exact="1/0"), "linreg-sgd.json: steps[2].loss.exact: expected a fraction"),
    (lambda d: d["steps"][0].update(los=d["steps"][0].pop("loss")), "linreg-sgd.json: steps[0].los: unknown key"),
    (lambda d: d["first_batch"].update(residual="3"), 'linreg-sgd.json: first_batch.residual: expected an array, got "3"'),
    (lambda d: d["platform"].update(torch=2), "linreg-sgd.json: platform.torch: expected a string, got 2"),
    (lambda d: d["claims"][0].update(wrong=[["x"]]), 'linreg-sgd.json: claims[0].wrong[0][0]: expected an integer, got "x"'),
    (lambda d: d.pop("printed"), "linreg-sgd.json: printed: missing"),
])
def test_a_results_file_with_a_wrong_key_or_type_names_the_file_and_the_path(edit, where):
    from generator import results as res
    from generator.kinds import KINDS

    data = json.loads((ROOT / "docs" / "scenarios" / "linreg-sgd.json").read_text(encoding="utf-8"))
    edit(data)
    with pytest.raises(ResultsFormatError) as caught:
        res.read_run(KINDS["linreg-sgd"].results, data, "linreg-sgd.json")
    assert str(caught.value).startswith(where)
