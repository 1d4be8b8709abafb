"""Bad input: one line per problem naming the file and the field, exit 2, nothing written."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from conftest import copy_project, run_cli
from helpers import MSE, SGD, edit, tree_digest, write_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import ScenarioError
from generator.loading import load_scenarios

# (case id, file name, file content, text the message must contain)
CASES = [
    ("toml syntax", "bad.toml", MSE.replace('title = "t"', 'title = "t'), "TOML syntax error: Illegal character '\\n' (at line 2, column 11)"),
    ("unknown key", "bad.toml", MSE + "reductoin = \"sum\"\n", "reductoin: unknown key (did you mean 'reduction'?)"),
    ("unknown kind", "bad.toml", edit(MSE, "kind", '"mes"'), "kind: unknown value 'mes' (did you mean 'mse'?)"),
    ("unknown reduction", "bad.toml", edit(MSE, "reduction", '"means"'), "reduction: unknown value 'means' (did you mean 'mean'?)"),
    ("unknown dtype", "bad.toml", edit(MSE, "dtype", '"float23"'), "dtype: unknown value 'float23' (did you mean 'float32'?)"),
    ("sgd unknown reduction", "bad.toml", edit(SGD, "reduction", '"sum/batches"'), "reduction: unknown value 'sum/batches' (did you mean 'sum/batch'?)"),
    ("missing kind", "bad.toml", edit(MSE, "kind", None), "kind: missing required key"),
    ("missing X", "bad.toml", edit(MSE, "X", None), "X: missing required key"),
    ("missing title", "bad.toml", edit(MSE, "title", None), "title: missing required key"),
    ("missing lr", "bad.toml", edit(SGD, "lr", None), "lr: missing required key"),
    ("bool as number", "bad.toml", edit(MSE, "X", "[[true, 1], [4, 2]]"), "X[0][0]: expected a number, got a boolean (true)"),
    ("table as number", "bad.toml", edit(SGD, "bias", "{ a = 1 }"), "bias: expected a number, got a table"),
    ("string as matrix", "bad.toml", edit(MSE, "Y", '"rows"'), "Y: expected an array of rows"),
    ("title not a string", "bad.toml", edit(MSE, "title", "3"), "title: expected a string"),
    ("empty matrix", "bad.toml", edit(MSE, "X", "[]"), "X: is empty"),
    ("empty row", "bad.toml", edit(MSE, "X", "[[], []]"), "X[0]: is empty"),
    ("ragged matrix", "bad.toml", edit(MSE, "X", "[[3, 1], [4, 2, 5]]"), "X[1]: row has 3 numbers, rows above have 2"),
    ("shapes differ", "bad.toml", edit(MSE, "Y", "[[2, 2], [1, 4], [6, 2]]"), "Y: shape 3×2 differs from X's 2×2"),
    ("labels count", "bad.toml", edit(SGD, "labels", "[1, 6]"), "labels: has 2 numbers but features has 3 rows"),
    ("weight length", "bad.toml", edit(SGD, "weight", "[1, 2, 3]"), "weight: has 3 numbers but each features row has 2"),
    ("toml nan", "bad.toml", edit(MSE, "X", "[[nan, 1], [4, 2]]"), "X[0][0]: expected a finite number"),
    ("toml inf", "bad.toml", edit(SGD, "lr", "inf"), "lr: expected a finite number"),
    ("unparsable string", "bad.toml", edit(MSE, "Y", '[["abc", 2], [1, 4]]'), "Y[0][0]: 'abc' is not a number"),
    ("division by zero", "bad.toml", edit(MSE, "Y", '[["1/0", 2], [1, 4]]'), "Y[0][0]: '1/0' divides by zero"),
    ("too large", "bad.toml", edit(MSE, "X", "[[1e300, 1], [4, 2]]"), "X[0][0]: 1E+300 is too large"),
    ("too fine", "bad.toml", edit(SGD, "lr", '"1/3000000000000000"'), "lr: '1/3000000000000000' is too fine"),
    ("lr zero", "bad.toml", edit(SGD, "lr", "0"), "lr: is 0; the learning rate must be greater than 0"),
    ("lr negative", "bad.toml", edit(SGD, "lr", '"-1/2"'), "lr: is -1/2; the learning rate must be greater than 0"),
    ("batch size zero", "bad.toml", edit(SGD, "batch_size", "0"), "batch_size: is 0; expected a whole number from 1"),
    ("batch size float", "bad.toml", edit(SGD, "batch_size", "2.5"), "batch_size: expected a whole number, got a number (2.5)"),
    ("epochs zero", "bad.toml", edit(SGD, "epochs", "0"), "epochs: is 0; expected a whole number from 1"),
    ("zero_grad not bool", "bad.toml", edit(SGD, "zero_grad", '"no"'), "zero_grad: expected true or false"),
    ("order not a permutation", "bad.toml", edit(SGD, "order", "[[0, 1, 1], [2, 1, 0]]"), "order[0]: is not a permutation of 0..2"),
    ("order count", "bad.toml", edit(SGD, "order", "[[0, 1, 2]]"), "order: has 1 permutations; expected one per epoch (2)"),
    ("order element", "bad.toml", edit(SGD, "order", '[[0, 1, "2"], [2, 1, 0]]'), "order[0][2]: expected a whole number"),
    ("order and seed", "bad.toml", edit(SGD, "order", "[[0, 1, 2], [2, 1, 0]]") + "seed = 1\n", "seed: give either order"),
    ("too many elements", "bad.toml", edit(MSE, "X", "[" + ", ".join(["[1, 2]"] * 201) + "]"), "X: has 402 numbers; the limit is 400"),
    ("too many steps", "bad.toml", edit(SGD, "epochs", "200") .replace("batch_size = 2", "batch_size = 1"), "epochs: 200 epochs of 3 batches make 600 steps; the limit is 500"),
    ("seed negative", "bad.toml", edit(SGD, "seed", "-1"), "seed: is -1; expected a whole number from 0"),
    ("not utf-8", "bad.toml", MSE.replace('"t"', '"\xe9"').encode("latin-1"), "not UTF-8"),
    ("bad slug", "Bad Name.toml", MSE, "file name 'Bad Name' cannot be a page name"),
    ("empty title", "bad.toml", edit(MSE, "title", '"  "'), "title: must not be empty"),
    ("underscore in a string number", "bad.toml", edit(MSE, "X", '[["1_0", 1], [4, 2]]'), "X[0][0]: '1_0' holds '_'"),
    ("non-ASCII digit", "bad.toml", edit(MSE, "Y", '[["\u0662", 2], [1, 4]]'), "Y[0][0]: '\u0662' is not a number"),
    ("full-width digits in a fraction", "bad.toml", edit(SGD, "lr", '"1/\uff11\uff10"'), "lr: '1/\uff11\uff10' is not a number"),
    ("see_also missing", "bad.toml", edit(SGD, "see_also", '"linreg-sgd-stabel"'),
     "see_also: no scenario 'linreg-sgd-stabel' in this build (did you mean 'linreg-sgd-stable'?)"),
    ("see_also itself", "bad.toml", edit(SGD, "see_also", '"bad"'), "see_also: 'bad' is this scenario's own page"),
    ("see_also errata", "bad.toml", edit(SGD, "see_also", '"errata"'), "see_also: 'errata' is a reserved page, not a scenario"),
    ("see_also index", "bad.toml", edit(SGD, "see_also", '"index"'), "see_also: 'index' is a reserved page, not a scenario"),
    ("zero_grad_page missing", "bad.toml", edit(SGD, "zero_grad_page", '"linreg-sgd-no-zero-gard"'),
     "zero_grad_page: no scenario 'linreg-sgd-no-zero-gard' in this build (did you mean 'linreg-sgd-no-zero-grad'?)"),
    ("zero_grad_page itself", "bad.toml", edit(SGD, "zero_grad_page", '"bad"'), "zero_grad_page: 'bad' is this scenario's own page"),
    ("zero_grad_page errata", "bad.toml", edit(SGD, "zero_grad_page", '"errata"'), "zero_grad_page: 'errata' is a reserved page, not a scenario"),
    ("zero_grad_page not a slug", "bad.toml", edit(SGD, "zero_grad_page", '"No Page"'), "zero_grad_page: 'No Page' is not a page's slug"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


@pytest.mark.parametrize("case, name, content, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_scenario_is_reported_and_changes_nothing(project, monkeypatch, capsys, case, name, content, expected):
    monkeypatch.chdir(project)
    write_case(project / "scenarios", name, content)
    before = tree_digest(project / "docs")
    code = main(["build"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"scenarios/{name}: " in err and expected in err, err
    assert "Traceback" not in err
    assert tree_digest(project / "docs") == before


def test_see_also_names_a_scenario_of_the_same_build(project, monkeypatch, capsys):
    """Found before any run: the build of one file cannot link a page it does not build."""
    monkeypatch.chdir(project)
    monkeypatch.setattr("generator.pipeline.run_scenario", lambda *arguments: 1 / 0)  # no run may start
    write_case(project / "scenarios", "bad.toml", edit(SGD, "see_also", '"mse-sum"'))
    assert main(["build", "scenarios/bad.toml"]) == 2
    assert "scenarios/bad.toml: see_also: no scenario 'mse-sum' in this build" in capsys.readouterr().err
    assert main(["claims", "scenarios/bad.toml", "scenarios/mse-sum.toml"]) == 70  # valid together: the run starts


def test_every_problem_in_every_file_is_reported_at_once(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    write_case(project / "scenarios", "a.toml", edit(edit(MSE, "dtype", '"float16"'), "X", "[[1], [2, 3]]"))
    write_case(project / "scenarios", "b.toml", edit(SGD, "lr", "-1"))
    assert main(["build"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert any(line.startswith("scenarios/a.toml: dtype: ") for line in lines)
    assert any(line.startswith("scenarios/a.toml: X[1]: ") for line in lines)
    assert any(line.startswith("scenarios/b.toml: lr: ") for line in lines)
    assert lines[-1] == "3 problem(s); nothing was written."


def test_two_files_with_one_slug(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    (project / "more").mkdir()
    write_case(project / "more", "mse-mean.toml", MSE)
    assert main(["build", "scenarios", "more"]) == 2
    assert "more/mse-mean.toml: slug 'mse-mean' is also produced by scenarios/mse-mean.toml" in capsys.readouterr().err


def test_bad_input_through_the_real_command_line(project):
    """The same path a person takes: a subprocess, exit 2, one line, no traceback."""
    write_case(project / "scenarios", "bad.toml", edit(MSE, "reduction", '"avg"'))
    before = tree_digest(project / "docs")
    completed = run_cli("build", cwd=project)
    assert completed.returncode == 2
    assert completed.stderr.splitlines()[0] == "scenarios/bad.toml: reduction: unknown value 'avg'; expected one of 'mean', 'sum', 'none'"
    assert "Traceback" not in completed.stderr
    assert tree_digest(project / "docs") == before


def test_an_internal_error_is_one_line_with_a_hint(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    monkeypatch.setattr("generator.pipeline.choose_record", lambda *arguments, **options: 1 / 0)
    assert main(["build"]) == 70
    err = capsys.readouterr().err
    assert err.strip() == "internal error: ZeroDivisionError: division by zero (rerun with --debug for the traceback)"


# Fuzzing: any bytes or any TOML table either load or raise ScenarioError, never anything else.
keys = st.sampled_from(["kind", "title", "dtype", "reduction", "X", "Y", "features", "labels", "weight", "bias", "lr",
                        "batch_size", "epochs", "order", "seed", "zero_grad", "other"])
scalars = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                    st.sampled_from(["mse", "linreg-sgd", "mean", "sum", "float32", "0.1", "-1/3", "x", ""]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=12)


def toml_literal(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, "nan" if value != value else repr(value))
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return str(value)


def load_text(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(content)
        try:
            load_scenarios([path])
        except ScenarioError as error:
            assert error.problems and all(str(p).startswith(f"{path.as_posix()}: ") for p in error.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values, max_size=10))
def test_fuzz_tables_load_or_fail_cleanly(table):
    load_text("\n".join(f"{k} = {toml_literal(v)}" for k, v in table.items()).encode())


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_fuzz_bytes_load_or_fail_cleanly(content):
    load_text(content)
