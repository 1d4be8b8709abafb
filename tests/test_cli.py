"""The command line as people use it: build, check (drift), --help, exit codes."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, copy_project, run_cli
from helpers import tree_digest

from generator.cli import main
from generator.errors import MismatchError
from generator.kinds import KINDS, linreg_sgd, mse


def test_help_lists_commands():
    completed = run_cli("--help")
    assert completed.returncode == 0
    assert "build" in completed.stdout and "check" in completed.stdout and "Exit codes" in completed.stdout
    assert run_cli("build", "--help").returncode == 0


# `python -m generator ARGS`, then whether that process imported torch
WATCHING_IMPORTS = "import sys; from generator.__main__ import _entry; code = _entry(); print('torch here:', 'torch' in sys.modules); sys.exit(code)"


def test_committed_docs_are_what_the_scenarios_give():
    """The drift check on the real tree, as `make check` runs it (its pages rendered in a second
    process while the scenarios run, aside.py): exact in everything but torch's floats, and those
    within their verified bounds (tests/test_drift.py shows it failing on each kind of real drift).
    It ran every scenario's torch, and never imported torch itself: that runs in the program
    server's workers (torch_process.py), 2 s of imports saved a command."""
    completed = run_cli("-c", WATCHING_IMPORTS, "check", module=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(r"^\d+ scenarios current; (every torch value equals|\d+ torch values differ)", completed.stdout, flags=re.M)
    assert completed.stdout.splitlines()[-1] == "torch here: False"


def test_check_fails_after_an_edit_of_a_generated_page(one_scenario: Path, capsys):
    from generator.cli import main

    page = one_scenario / "docs/scenarios/mse-mean.md"
    page.write_text(page.read_text().replace("2.8333", "2.8334"))
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "-" in out and "2.8334" in out and "2.8333" in out
    assert "mse-mean.md (committed)" in out


@pytest.mark.parametrize("index", ["docs/index.md", "docs/index.zh.md"])
def test_check_fails_when_the_index_list_is_stale(one_scenario: Path, capsys, index):
    from generator.cli import main

    page = one_scenario / index
    page.write_text(page.read_text().replace("scenarios/mse-mean.md", "scenarios/gone.md"))
    assert main(["check"]) == 1
    assert f"{index} (committed)" in capsys.readouterr().out


def test_build_into_another_folder_writes_page_and_results(tmp_path: Path):
    completed = run_cli("build", str(ROOT / "scenarios/mse-sum.toml"), "--out", str(tmp_path / "out"))
    assert completed.returncode == 0, completed.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "errata.md", "errata.zh.md", "mse-sum.ipynb", "mse-sum.json", "mse-sum.md", "mse-sum.py", "mse-sum.scenario.toml",
        "mse-sum.zh.ipynb", "mse-sum.zh.md", "mse-sum.zh.py",  # it has claims; both editions; the downloads; the published scenario file
    ]


def test_missing_path_is_a_usage_error(tmp_path: Path):
    completed = run_cli("build", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out"))
    assert completed.returncode == 2
    assert "nope.toml: no such file or folder" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_a_torch_exact_disagreement_is_exit_3(tmp_path, monkeypatch, capsys):
    project = copy_project(tmp_path)
    monkeypatch.chdir(project)
    before = (project / "docs/scenarios/mse-mean.md").read_bytes()

    def disagree(solved):
        raise MismatchError(f"{solved.scenario.source}: loss: torch gave 2.9, exact is 17/6")

    monkeypatch.setitem(KINDS, "mse", replace(mse.KIND, verify=disagree))
    assert main(["build", "--rerun", "scenarios/mse-mean.toml"]) == 3
    assert "error: scenarios/mse-mean.toml: loss: torch gave 2.9, exact is 17/6" in capsys.readouterr().err
    assert (project / "docs/scenarios/mse-mean.md").read_bytes() == before


def test_every_runtime_failure_is_listed_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    """Runtime failures do not stop at the first: each scenario's is listed, naming its file; the
    exit code is the first failing file's (a failing shown program is 6); nothing is written."""
    project = copy_project(tmp_path)
    for path in (project / "scenarios").glob("*.toml"):  # the kinds made to fail, and no others: their runs are not the point
        if not path.stem.startswith(("mse-", "linreg-sgd")):
            path.unlink()
    monkeypatch.chdir(project)
    before = tree_digest(project / "docs")

    def disagree(solved):
        raise MismatchError(f"{solved.scenario.source}: loss: torch gave 2.9, exact is 17/6")

    monkeypatch.setitem(KINDS, "mse", replace(mse.KIND, verify=disagree))
    monkeypatch.setitem(KINDS, "linreg-sgd", replace(linreg_sgd.KIND, program=lambda s: "raise SystemExit('boom')\n"))
    assert main(["build", "--rerun"]) == 6
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "error: scenarios/linreg-sgd.toml: the page's program failed (exit 1): boom",
        "error: scenarios/linreg-sgd-no-zero-grad.toml: the page's program failed (exit 1): boom",
        "error: scenarios/linreg-sgd-stable.toml: the page's program failed (exit 1): boom",
        "error: scenarios/mse-legacy.toml: loss: torch gave 2.9, exact is 17/6",
        "error: scenarios/mse-mean.toml: loss: torch gave 2.9, exact is 17/6",
        "error: scenarios/mse-none.toml: loss: torch gave 2.9, exact is 17/6",
        "error: scenarios/mse-sum.toml: loss: torch gave 2.9, exact is 17/6",
        "7 scenario(s) failed; nothing was written.",
    ]
    assert tree_digest(project / "docs") == before
