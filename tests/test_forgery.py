"""A forged number fails where the rounding is the same, and the bounds decide where it is not.

Each project here holds one scenario of one kind, its docs this machine's run (the session's
build, `warm`), so its results carry this machine's rounding fingerprint (or GENERATOR_FINGERPRINT's,
when the whole session simulates another machine). A forger changes one torch value the program
prints, and the printed line with it, inside (or past) its verified bound."""

from __future__ import annotations

import json
import os
import re
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import FRESH, ROOT, copy_project
from helpers import moved, tree_digest

from generator.cli import main
from generator.compare import PRINTED_FLOAT
from generator.fingerprint import OVERRIDE, measure
from generator.kinds import KINDS
from generator.loading import load_scenarios
from generator.pipeline import render_scenario, typed
from generator.results import at, dumps, read_run
from generator.torch_process import fingerprint_here as fingerprint

OUT = "docs/scenarios"
SLUGS = ("mse-mean", "regression-losses", "linreg-sgd-stable", "cross-entropy", "optimizers")  # one of each kind
ELSEWHERE = "0123456789abcdef"  # a fingerprint no machine measures: simulates another machine


@pytest.fixture(scope="module")
def built(tmp_path_factory, warm):
    """slug -> a project with only that scenario, its docs this machine's run: the session's (the
    warm build's results file, in place of the committed one), which the build cache confirms, so
    that `build` renders it without running the scenario again."""
    projects = {}
    cwd = Path.cwd()
    try:
        for slug in SLUGS:
            project = copy_project(tmp_path_factory.mktemp(slug), cache=warm)
            for path in (project / "scenarios").glob("*.toml"):
                if path.stem != slug:
                    path.unlink()
            shutil.copy(warm / FRESH / f"{slug}.json", project / OUT / f"{slug}.json")
            os.chdir(project)
            assert main(["build"]) == 0
            assert json.loads((project / OUT / f"{slug}.json").read_text(encoding="utf-8"))["platform"]["fingerprint"] == fingerprint()
            projects[slug] = project
    finally:
        os.chdir(cwd)
    return projects


@pytest.fixture
def project(built, request, tmp_path, monkeypatch, capsys):
    """A scratch copy of one kind's project (the build cache with it), the working folder set to it."""
    target = shutil.copytree(built[request.param], tmp_path / request.param, symlinks=True)
    monkeypatch.chdir(target)
    capsys.readouterr()
    return target


def forge(project: Path, past_bound: bool = False, pages: bool = False, enclosed: bool = False) -> tuple[str, float, float]:
    """Move the first printed torch value that allows it by one ulp, inside its bound (or past
    it), and the printed line with it; with `pages`, render every file again from the forged
    results, as a careful forger would; with `enclosed`, only a value known by lo and hi (past a
    square root). Return the value's path, the old and the forged value."""
    scenario = load_scenarios([project / "scenarios"])[0]
    path = project / OUT / f"{scenario.slug}.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    index, where, old, new = candidate(results, past_bound, scenario.slug, enclosed)
    number = list(PRINTED_FLOAT.finditer(results["printed"]))[index]
    assert number.group() == repr(old), (number.group(), old)
    at(results, where)["value"] = new
    results["printed"] = results["printed"][: number.start()] + repr(new) + results["printed"][number.end() :]
    path.write_text(dumps(results), encoding="utf-8")
    if pages:
        for name, content in render_scenario(scenario, typed(scenario, results)).files.items():
            (project / OUT / name).write_bytes(content)
    return where, old, new


def candidate(results: dict, past_bound: bool, slug: str, enclosed: bool = False) -> tuple[int, str, float, float]:
    """The first printed torch value that can be moved so: its place in the output, path, value and forged value."""
    kind = KINDS[results["kind"]]
    for index, printed in enumerate(kind.printed(read_run(kind.results, results, slug).body)):
        where = printed.path
        v = at(results, where)
        old, bound = v["value"], v["bound"]
        if not isinstance(old, float) or not bound or old == 0 or (enclosed and "exact" in v):
            continue
        lo, hi = (Fraction(v["exact"]),) * 2 if "exact" in v else (Fraction(v["lo"]), Fraction(v["hi"]))  # a value past a root: an enclosure
        new = past(hi, bound, results["dtype"]) if past_bound else moved(old, 1, results["dtype"])
        inside = hi - Fraction(bound) <= Fraction(new) <= lo + Fraction(bound)
        outside = not lo - Fraction(bound) <= Fraction(new) <= hi + Fraction(bound)
        if (outside if past_bound else inside):
            return index, where, old, new
    raise AssertionError(f"{slug}: no printed value can be moved so")


def past(exact: Fraction, bound: float, dtype: str) -> float:
    """The float of `dtype` nearest to twice the bound above the exact value, moved on until outside it."""
    new = float((np.float32 if dtype == "float32" else np.float64)(float(exact + 2 * Fraction(bound))))
    while abs(Fraction(new) - exact) <= Fraction(bound):
        new = moved(new, 1, dtype)
    return new


def edit_platform(project: Path, **changes: str) -> None:
    path = next((project / OUT).glob("*.json"))
    results = json.loads(path.read_text(encoding="utf-8"))
    results["platform"].update(changes)
    if "torch" in changes:
        results["torch"] = changes["torch"]
    path.write_text(dumps(results), encoding="utf-8")


def pages_text(project: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((project / OUT).glob("*.md")))


@pytest.mark.parametrize("project", SLUGS, indirect=True)
def test_a_forged_value_fails_check_and_build_on_the_same_machine(project, capsys):
    where, old, new = forge(project)
    before = tree_digest(project / "docs")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"{where}: torch value: committed {new!r}, fresh {old!r}, exact " in out
    assert "bound " in out and "not bit-identical" in out
    assert "forged, or torch is not deterministic here" in out and "python -m generator build --refresh" in out
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert f"{where}: torch value: committed {new!r}" in err and "nothing was written" in err
    assert tree_digest(project / "docs") == before
    assert repr(new) not in pages_text(project)  # the forged number reached no page
    assert main(["build", "--refresh"]) == 0  # this machine's run instead
    assert main(["check"]) == 0
    assert "compared bit for bit: 1 scenario(s)" in capsys.readouterr().out


@pytest.mark.parametrize("project", SLUGS, indirect=True)
def test_on_another_machine_the_bounds_decide(project, monkeypatch, capsys):
    monkeypatch.setenv(OVERRIDE, ELSEWHERE)
    forge(project, pages=True)
    assert main(["check"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "1 torch values differ from the committed run in the last bits" in out
    assert f"compared within the verified bounds: 1 scenario(s) whose committed rounding fingerprint is not this machine's ({ELSEWHERE})" in out
    assert re.search(r"largest \|torch - exact\| / bound: [0-9.e-]+ \(docs/scenarios/[\w-]+\.json: [\w.\[\]]+\)", out)


@pytest.mark.parametrize("project", SLUGS, indirect=True)
def test_on_another_machine_a_value_past_its_bound_fails(project, monkeypatch, capsys):
    monkeypatch.setenv(OVERRIDE, ELSEWHERE)
    where, old, new = forge(project, past_bound=True)  # its pages cannot be rendered: their self-check refuses it
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"{where}: torch value: committed {new!r}, fresh {old!r}, exact " in out and "the committed value is outside the bound" in out
    assert main(["build"]) == 0  # the committed file is not this run: this machine's run replaces it
    assert repr(new) not in pages_text(project) + next((project / OUT).glob("*.json")).read_text(encoding="utf-8")


@pytest.mark.parametrize("project", ["optimizers"], indirect=True)
@pytest.mark.parametrize("past_bound", [False, True])
def test_a_value_past_a_square_root_is_judged_by_its_enclosure(project, monkeypatch, capsys, past_bound):
    """Adam's values after step 1 have no closed form in the results (expr null), only lo and hi:
    on another machine a forged one passes inside its bound and fails past it."""
    monkeypatch.setenv(OVERRIDE, ELSEWHERE)
    where, old, new = forge(project, past_bound=past_bound, pages=not past_bound, enclosed=True)
    assert where.startswith("runs["), where
    assert main(["check"]) == int(past_bound)
    out = capsys.readouterr().out
    if past_bound:
        assert f"{where}: torch value: committed {new!r}, fresh {old!r}" in out and "the committed value is outside the bound" in out


@pytest.mark.parametrize("project", ["mse-mean"], indirect=True)
@pytest.mark.parametrize("changes", [{"torch": "1.0.0 (forged)"}, {"machine": "sparc64"}, {"cpu_capability": "ZVECTOR"}])  # ZVECTOR: s390x's, never an x86 machine's (AVX2 was this machine's own)
def test_a_forged_platform_with_this_machines_fingerprint_fails(project, capsys, changes):
    edit_platform(project, **changes)
    before = tree_digest(project / "docs")
    assert main(["check"]) == 1
    key, value = next(iter(changes.items()))
    assert f"{key}: committed {value!r}, here " in capsys.readouterr().out
    assert main(["build"]) == 1
    assert "a forged platform" in capsys.readouterr().err
    assert tree_digest(project / "docs") == before


@pytest.mark.parametrize("project", ["mse-mean"], indirect=True)
def test_a_forger_who_edits_the_fingerprint_falls_back_to_the_bounds(project, capsys):
    """The committed fingerprint is another machine's claim, never this machine's: edited, it only
    moves the comparison to the bounds, where a value within its bound passes (hence tight bounds)."""
    here = fingerprint()
    edit_platform(project, fingerprint=ELSEWHERE)
    where, _, new = forge(project, pages=True)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "compared within the verified bounds: 1 scenario(s)" in out and "compared bit for bit" not in out
    assert fingerprint() == here != ELSEWHERE
    edit_platform(project, fingerprint=here)  # the same forgery under this machine's own fingerprint
    assert main(["check"]) == 1
    assert f"{where}: torch value: committed {new!r}" in capsys.readouterr().out


def test_the_fingerprint_is_a_digest_measured_once(monkeypatch):
    monkeypatch.delenv(OVERRIDE, raising=False)
    measured = measure()
    assert re.fullmatch(r"[0-9a-f]{16}", measured)
    assert measure() == measured  # deterministic
    assert fingerprint() == measured == fingerprint()
    monkeypatch.setenv(OVERRIDE, "simulated")
    assert fingerprint() == "simulated"


def test_the_committed_results_carry_a_fingerprint():
    for path in sorted((ROOT / OUT).glob("*.json")):
        platform = json.loads(path.read_text(encoding="utf-8"))["platform"]
        assert re.fullmatch(r"[0-9a-f]{16}", platform.get("fingerprint", "")), path.name
        assert {"torch", "python", "machine", "cpu_capability"} <= set(platform), path.name
