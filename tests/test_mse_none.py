"""MSELoss's whole signature (issue 30): reduction="none", whose loss is a matrix and whose
loss.backward() raises, with the two ways out; and the legacy size_average and reduce, which torch
maps to a reduction with a warning. Expected values are worked here from the scenario files and
from torch called directly, never from the generator's own results."""

from __future__ import annotations

import itertools
import json
import tomllib
import warnings
from dataclasses import replace
from fractions import Fraction as F

import pytest
import torch
from conftest import ROOT, copy_project

from generator.cli import main
from generator.errors import MismatchError, ScenarioError
from generator.kinds import mse
from generator.kinds.base import Solved
from generator.loading import check_links, scenario_from

POST = tomllib.loads((ROOT / "scenarios" / "mse-none.toml").read_text(encoding="utf-8"))


def residual() -> list[list[F]]:
    return [[F(x) - F(y) for x, y in zip(xr, yr)] for xr, yr in zip(POST["X"], POST["Y"])]


def exact_matrix(records) -> list[list[F]]:
    return [[F(r["exact"]) for r in row] for row in records]


def within(record) -> bool:
    return abs(F(record["value"]) - F(record["exact"])) <= F(record["bound"])


def test_none_records_the_loss_as_the_matrix_of_squares(results):
    result = results["mse-none"]
    assert result["reduction"] == "none"
    r = residual()
    assert exact_matrix(result["loss"]) == [[v * v for v in row] for row in r]
    assert all(set(v) == {"value", "exact", "bound"} and within(v) for row in result["loss"] for v in row)
    assert exact_matrix(result["grad"]) == [[2 * v for v in row] for row in r]  # backward(torch.ones_like(loss))


def test_none_holds_mean_and_sum_of_the_same_run(results):
    others = results["mse-none"]["other_reduction"]
    r = residual()
    total, count = sum(v * v for row in r for v in row), len(r) * len(r[0])
    assert [o["reduction"] for o in others] == ["mean", "sum"]
    assert [F(o["loss"]["exact"]) for o in others] == [total / count, total]
    assert exact_matrix(others[0]["grad"]) == [[F(2, count) * v for v in row] for row in r]
    assert exact_matrix(others[1]["grad"]) == [[2 * v for v in row] for row in r]
    assert all(within(o["loss"]) and all(within(v) for row in o["grad"] for v in row) for o in others)
    # the mean and sum pages' own runs agree with the ways out
    assert others[0]["loss"]["exact"] == results["mse-mean"]["loss"]["exact"]
    assert exact_matrix(others[1]["grad"]) == exact_matrix(results["mse-sum"]["grad"])
    # mean and sum keep their one other_reduction table: the contract's shape
    assert results["mse-mean"]["other_reduction"]["reduction"] == "sum"
    assert results["mse-mean"]["backward_error"] is None and results["mse-mean"]["legacy"] is None


def torch_backward_error() -> str:
    X = torch.tensor([[float(v) for v in row] for row in POST["X"]], requires_grad=True)
    loss = torch.nn.functional.mse_loss(X, torch.tensor([[float(v) for v in row] for row in POST["Y"]]), reduction="none")
    with pytest.raises(RuntimeError) as raised:
        loss.backward()
    return str(raised.value)


def test_the_backward_error_is_the_one_torch_raises(results, generated):
    message = torch_backward_error()
    result = results["mse-none"]
    assert result["backward_error"] == {"category": "RuntimeError", "message": message}
    assert f"loss.backward(): RuntimeError: {message}\n" in result["printed"]
    for name in ("mse-none.md", "mse-none.zh.md"):
        page = generated["mse-none"].files[name].decode()
        assert f"```text\nRuntimeError: {message}\n```" in page, name
        assert "loss.backward(torch.ones_like(loss), retain_graph=True)" in page and "loss.mean().backward(" in page
        assert "(mse-mean.md)" in page and "(mse-sum.md)" in page, name


def torch_legacy_table() -> list[dict]:
    rows = []
    for size_average, reduce in itertools.product((None, True, False), repeat=2):
        arguments = {k: v for k, v in (("size_average", size_average), ("reduce", reduce)) if v is not None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            criterion = torch.nn.MSELoss(**arguments)
        rows.append({"size_average": size_average, "reduce": reduce, "reduction": criterion.reduction,
                     "warnings": [{"category": w.category.__name__, "message": str(w.message)} for w in caught]})
    return rows


def test_the_legacy_table_is_every_combination_as_torch_runs_it(results):
    legacy = results["mse-legacy"]["legacy"]
    expected = torch_legacy_table()
    assert legacy["table"] == expected
    assert len(expected) == 9 and expected[0]["warnings"] == [] and all(row["warnings"] for row in expected[1:])
    assert legacy["call"] == next(row for row in expected if (row["size_average"], row["reduce"]) == (False, None))
    assert results["mse-legacy"]["reduction"] == legacy["call"]["reduction"] == "sum"
    assert all("/" not in w["message"] and ".py" not in w["message"] for row in expected for w in row["warnings"])


def test_the_legacy_page_shows_the_warning_and_the_table(results, generated):
    warning = results["mse-legacy"]["legacy"]["call"]["warnings"][0]
    line = f"{warning['category']}: {warning['message']}"
    assert results["mse-legacy"]["printed"].startswith(line + "\nreduction: sum\n")
    for name, not_passed in (("mse-legacy.md", "not passed"), ("mse-legacy.zh.md", "不传")):
        page = generated["mse-legacy"].files[name].decode()
        assert page.count(line) == 2, name  # the section's quote, and the program's output
        assert "criterion = nn.MSELoss(size_average=False)" in page and "warnings.catch_warnings(record=True)" in page
        rows = [row for row in page.splitlines() if row.startswith("| ") and "`" in row and "reduction" not in row]
        assert len(rows) == 9, name
        assert rows[0].startswith(f"| {not_passed} | {not_passed} | `\"mean\"`"), rows[0]
        assert rows[6].startswith(f"| `False` | {not_passed} | **`\"sum\"`**"), rows[6]


def legacy_scenario(legacy: dict) -> mse.Scenario:
    return scenario_from({"kind": "mse", "title": "t", "legacy": legacy, "X": [[3, 1], [4, 2]], "Y": [[2, 2], [1, 4]]})


def test_verify_stops_where_torch_chose_another_reduction():
    scenario = legacy_scenario({"size_average": False})
    trace, exact = mse.compute(scenario), mse.derive(scenario)
    mse.verify(Solved(scenario, trace, exact))
    assert trace.legacy is not None
    wrong = replace(trace, legacy=replace(trace.legacy, reduction="mean"))
    with pytest.raises(MismatchError, match=r"legacy: torch chose reduction 'mean', the documented rule gives 'sum'"):
        mse.verify(Solved(scenario, wrong, exact))
    table = list(trace.legacy_table)
    table[2] = replace(table[2], reduction="sum")
    with pytest.raises(MismatchError, match=r"size_average=None, reduce=False: torch chose 'sum'"):
        mse.verify(Solved(scenario, replace(trace, legacy_table=tuple(table)), exact))


def test_reduce_false_is_a_none_page_with_its_warning():
    scenario = legacy_scenario({"reduce": False, "size_average": True})
    assert scenario.reduction == "none"
    trace = mse.compute(scenario)
    assert isinstance(trace.loss, tuple) and trace.backward_error is not None
    assert trace.legacy is not None and trace.legacy.reduction == "none" and trace.legacy.warnings[0][0] == "UserWarning"
    program = mse.program(scenario)
    assert "nn.MSELoss(size_average=True, reduce=False)" in program and "try:" in program


@pytest.mark.parametrize("table, field, message", [
    ({"reduction": "sum", "legacy": {"size_average": False}}, "legacy", "give reduction or legacy, not both"),
    ({"legacy": {"size_average": "no"}}, "legacy.size_average", "expected true or false"),
    ({"legacy": {"average": False}}, "legacy.average", "unknown key; known keys: size_average, reduce"),
    ({"legacy": {}}, "legacy", "is empty"),
    ({"legacy": [False]}, "legacy", "expected a table"),
    ({"reduction": "mean", "see_also": {"sum": "mse-sum"}}, "see_also", 'links the ways out of reduction = "none"'),
    ({"reduction": "none", "see_also": {"max": "mse-sum"}}, "see_also.max", "unknown key"),
    ({"reduction": "none", "X": [[1]], "Y": [[2]]}, "X", "needs at least 2 entries"),
])
def test_bad_signature_input_names_the_field(table, field, message):
    base = {"kind": "mse", "title": "t", "X": [[3, 1], [4, 2]], "Y": [[2, 2], [1, 4]]}
    with pytest.raises(ScenarioError) as raised:
        scenario_from(base | table)
    assert any(p.field == field and message in p.message for p in raised.value.problems), raised.value.problems


def test_see_also_links_only_pages_of_the_build():
    scenario = scenario_from({"kind": "mse", "title": "t", "reduction": "none", "see_also": {"mean": "mse-mean", "sum": "mse-summ"},
                              "X": [[3, 1]], "Y": [[2, 2]]})
    problems = check_links([scenario], {"t", "mse-mean", "mse-sum"})
    assert [(p.field, p.message) for p in problems] == [("see_also.sum", "no scenario 'mse-summ' in this build (did you mean 'mse-sum'?)")]


def test_facts_of_none_speak_of_every_entry():
    scenario = scenario_from({"kind": "mse", "title": "t", "reduction": "none", "X": [["0.1", 3]], "Y": [[0, 1]]})
    trace, exact = mse.compute(scenario), mse.derive(scenario)
    solved = Solved(scenario, trace, exact)
    facts = mse.record(solved, mse.verify(solved)).facts
    assert not facts.loss_representable_in_dtype.holds  # 1/100 is no float32; 4 is
    exact_only = scenario_from({"kind": "mse", "title": "t", "reduction": "none", "X": [[2, 3]], "Y": [[0, 1]]})
    solved = Solved(exact_only, mse.compute(exact_only), mse.derive(exact_only))
    facts = mse.record(solved, mse.verify(solved)).facts
    assert facts.loss_representable_in_dtype.holds and facts.torch_loss_exact.holds


def test_claims_walk_the_loss_matrix_and_each_way_out(tmp_path, monkeypatch, capsys):
    """A claim on the "none" page names an entry of the loss matrix, the whole matrix, or a way out
    (other_reduction[0] is loss.mean(), [1] loss.sum()); each is judged against the exact values
    worked here from the scenario file, and the page's claims table shows the verdicts."""
    project = copy_project(tmp_path)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem not in ("mse-none", "mse-mean", "mse-sum"):
            path.unlink()
    monkeypatch.chdir(project)
    r = residual()
    squares = [[v * v for v in row] for row in r]
    total = sum(v for row in squares for v in row)
    wrong_entry = squares[1][0] + 1
    claims = (
        "\n[claims]\n"
        f'"loss[1][0]" = "{squares[1][0]}"\n'
        f'loss = {[[str(v) for v in row] for row in squares]}\n'
        f'"other_reduction[0].loss" = "{total / (len(r) * len(r[0]))}"\n'
        f'"other_reduction[1].grad[1]" = {[str(2 * v) for v in r[1]]}\n'
        f'"loss[1][1]" = "{wrong_entry}"\n'
    ).replace("'", '"')
    path = project / "scenarios/mse-none.toml"
    path.write_text(path.read_text() + claims)
    assert main(["claims", "scenarios/mse-none.toml", "scenarios/mse-mean.toml", "scenarios/mse-sum.toml"]) == 5
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "9 claims, 3 wrong", out  # the mean and sum pages' own 4 claims, 2 wrong
    assert "scenarios/mse-none.toml: loss[1][1]: wrong" in out and out.count("scenarios/mse-none.toml") == 5, out
    assert main(["build"]) == 0
    verdicts = {c["path"]: c["verdict"] for c in json.loads((project / "docs/scenarios/mse-none.json").read_text())["claims"]}
    assert verdicts == {"loss[1][0]": "right", "loss": "right", "other_reduction[0].loss": "right",
                        "other_reduction[1].grad[1]": "right", "loss[1][1]": "wrong"}
    for name in ("mse-none.md", "mse-none.zh.md"):
        page = (project / "docs/scenarios" / name).read_text()
        assert page.count("✓") == 4 and page.count("✗") == 1, name
