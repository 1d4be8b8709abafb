"""The build cache serves no stale or forged numbers: a program template edit reruns (or is exit 6
naming the template), a failed run is never kept, an entry is keyed by the bytes that were run, and
a tampered entry is discarded with one line on stderr. In process, on a copy with one scenario
(mse-mean) and its own templates/."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, copy_project

from generator import cache, downloads, pipeline, render
from generator.cli import main
from generator.live import regenerate
from generator.program import run_program

OUT = Path("docs/scenarios")
ENTRY = Path(".cache/generator/mse-mean.run")
PROGRAM = Path("templates/programs/mse.py.j2")
PRINT_LOSS = 'print("loss:", loss.item())\n'


def tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def project(tmp_path, monkeypatch, capsys):
    """A copy with only mse-mean and a templates/ of its own, built once (the cache holds its run)."""
    project = copy_project(tmp_path)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem != "mse-mean":
            path.unlink()
    shutil.copytree(ROOT / "templates", project / "templates")
    for module in (render, downloads, pipeline, cache):
        monkeypatch.setattr(module, "TEMPLATES", project / "templates")
    monkeypatch.chdir(project)
    assert main(["build"]) == 0
    assert ENTRY.is_file()
    capsys.readouterr()
    return project


def edit_program(old: str, new: str) -> None:
    text = PROGRAM.read_text(encoding="utf-8")
    assert old in text
    PROGRAM.write_text(text.replace(old, new), encoding="utf-8")


def test_a_program_template_edit_reruns(project):
    edit_program(PRINT_LOSS, 'print("MSELoss:", loss.item())\n')
    assert main(["build"]) == 0
    results = json.loads((OUT / "mse-mean.json").read_text(encoding="utf-8"))
    assert results["printed"].startswith("MSELoss: 2.83")
    page = (OUT / "mse-mean.md").read_text(encoding="utf-8")
    assert 'print("MSELoss:", loss.item())' in page and "MSELoss: 2.83" in page
    script = (OUT / "mse-mean.py").read_text(encoding="utf-8")
    assert "all 7 values agree with the exact derivation" in run_program(script, "mse-mean", "mse-mean.py")


@pytest.mark.parametrize("command", [["build"], ["build", "--rerun"], ["check"]])
def test_a_template_edit_that_changes_what_is_printed_is_exit_6_naming_it(project, capsys, command):
    before = tree(OUT)
    edit_program(PRINT_LOSS, PRINT_LOSS + 'print("extra:", 1.5)\n')
    assert main(command) == 6
    err = capsys.readouterr().err
    assert "scenarios/mse-mean.toml: templates/programs/mse.py.j2: " in err and "printed 8 values" in err
    assert "internal error" not in err
    assert tree(OUT) == before


def test_a_failed_run_then_a_revert_builds_without_rerun(project, capsys):
    before = tree(OUT)
    original = PROGRAM.read_text(encoding="utf-8")
    edit_program(PRINT_LOSS, PRINT_LOSS + 'print("extra:", 1.5)\n')
    assert main(["build"]) == 6
    PROGRAM.write_text(original, encoding="utf-8")
    assert main(["build"]) == 0
    assert main(["check"]) == 0
    assert tree(OUT) == before
    assert "discarded" not in capsys.readouterr().err


def test_an_entry_is_keyed_by_the_bytes_that_were_run(project, monkeypatch):
    scenario = Path("scenarios/mse-mean.toml")
    text = scenario.read_text(encoding="utf-8")
    assert "X = [[3, 1]," in text
    run_scenario = pipeline.run_scenario

    def run_then_edit(s):  # the author saves while the build runs
        results = run_scenario(s)
        scenario.write_text(text.replace("X = [[3, 1],", "X = [[7, 1],"), encoding="utf-8")
        return results

    monkeypatch.setattr(pipeline, "run_scenario", run_then_edit)
    assert main(["build", "--rerun"]) == 0
    assert json.loads((OUT / "mse-mean.json").read_text())["X"][0][0] == "3"  # the bytes that were run
    monkeypatch.setattr(pipeline, "run_scenario", run_scenario)
    assert main(["build"]) == 0
    results = json.loads((OUT / "mse-mean.json").read_text())
    assert results["X"][0][0] == "7" and results["loss"]["exact"] == "41/6"
    assert main(["check"]) == 0


def test_a_run_during_which_a_program_template_changed_is_not_stored(project, monkeypatch):
    original = PROGRAM.read_text(encoding="utf-8")
    run_scenario = pipeline.run_scenario

    def edit_then_run(s):  # the template is saved after the build hashed it, before the program is rendered
        edit_program(PRINT_LOSS, 'print("MSELoss:", loss.item())\n')
        return run_scenario(s)

    monkeypatch.setattr(pipeline, "run_scenario", edit_then_run)
    assert main(["build", "--rerun"]) == 0
    monkeypatch.setattr(pipeline, "run_scenario", run_scenario)
    PROGRAM.write_text(original, encoding="utf-8")
    assert main(["build"]) == 0
    assert json.loads((OUT / "mse-mean.json").read_text())["printed"].startswith("loss: 2.83")
    assert main(["check"]) == 0


def tamper(change: str) -> None:
    """Edit the entry's loss: `next-float` (within its bound) without fixing the digest;
    `beyond-bound` with a digest that matches; `forgery` exact and value together, digest matching."""
    head, _, body = ENTRY.read_bytes().partition(b"\n")
    stored, results = json.loads(head), json.loads(body)
    loss = results["loss"]
    if change == "next-float":
        loss["value"] = math.nextafter(loss["value"], math.inf)
    elif change == "beyond-bound":
        loss["value"] = 3.0
    else:
        loss["value"], loss["exact"] = 3.0, "3"
    body = json.dumps(results, ensure_ascii=False).encode("utf-8")
    if change != "next-float":
        stored["digest"] = hashlib.sha256(stored["key"].encode() + b"\0" + body + b"\0").hexdigest()
    ENTRY.write_bytes(json.dumps(stored).encode("utf-8") + b"\n" + body)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("next-float", "its digest does not match its contents"),
        ("beyond-bound", "torch value 3.0 is more than its bound"),
        ("forgery", "it differs from a run of the same scenario"),
    ],
)
def test_a_tampered_entry_is_discarded_and_rerun(project, capsys, change, reason):
    before = tree(OUT)
    tamper(change)
    assert main(["build"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"{ENTRY.as_posix()}: discarded the cached run of scenarios/mse-mean.toml: {reason}")
    assert tree(OUT) == before  # the committed results and pages, untouched
    assert main(["build"]) == 0  # the entry is good again
    assert capsys.readouterr().err == ""


def test_the_live_loop_discards_a_tampered_entry(project, capsys):
    tamper("beyond-bound")
    live = regenerate(Path("scenarios"), OUT)
    assert live.failures == {}
    assert live.files["mse-mean.json"] == (OUT / "mse-mean.json").read_bytes()
    assert "discarded the cached run" in capsys.readouterr().err
