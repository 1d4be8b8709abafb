"""Hostile, huge and odd inputs, one test per class of defect: valid scenarios that the truth check
once rejected, inputs that hung or crashed, a misused --out, text that broke the page, and output
that grew past use. Bad input: exit 2 quickly, `file: field: message`, nothing written."""

from __future__ import annotations

import contextlib
import html
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO

import pytest
from conftest import ROOT, copy_project, mkdocs_build, run_cli
from helpers import MSE, SGD, edit, tree_digest, write_case
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import write
from generator.cli import main
from generator.errors import INTERRUPTED, MismatchError, ScenarioError
from generator.kinds import linreg_sgd, mse
from generator.kinds.base import Solved
from generator.kinds.linreg_sgd import exact as linreg_exact
from generator.loading import load_scenarios, scenario_from, scenario_links
from generator.overview import RESERVED_SLUGS
from generator.pipeline import generate_scenario
from generator.values import InvalidNumberError, parse_exact

HANG_GUARD = 60  # seconds: a subprocess still running then has hung (the measured runs take well under 1 s)


@pytest.fixture
def project(tmp_path: Path, warm: Path) -> Path:
    return copy_project(tmp_path, cache=warm)


SMALL = ("mse-legacy", "mse-sum", "regression-losses")  # two kinds, no links between them; DROPPED among them


@pytest.fixture(scope="module")
def small_built(tmp_path_factory: pytest.TempPathFactory, warm: Path) -> Path:
    """The project with only SMALL's scenarios, its docs built for them (from the warm cache: no
    run), once for this module."""
    project = copy_project(tmp_path_factory.mktemp("small"), cache=warm)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem not in SMALL:
            path.unlink()
    completed = run_cli("build", cwd=project)
    assert completed.returncode == 0 and "kept their committed run" in completed.stdout, completed.stdout + completed.stderr
    assert {p.name for p in (project / "docs/scenarios").glob("*.json")} == {f"{slug}.json" for slug in SMALL}
    return project


@pytest.fixture
def small_project(small_built: Path, tmp_path: Path) -> Path:
    """A scratch copy of `small_built`, the build cache with it: for the tests of a kill or a Ctrl-C
    during a build, which run every scenario of the project."""
    return shutil.copytree(small_built, tmp_path / "small", symlinks=True)


def scenario_of(kind, table: dict, slug: str = "t"):
    return scenario_from({"kind": kind.KIND.name} | table, slug)


def run_and_verify(kind, scenario):
    """compute, derive, verify: what raised the false alarms (the shown program is not needed)."""
    return kind.verify(Solved(scenario, kind.compute(scenario), kind.derive(scenario)))


# --- valid scenarios that the truth check rejected --------------------------------------------

@pytest.mark.parametrize("n, d", [(12, 11), (11, 12), (20, 20), (2, 11)])
def test_mse_symbols_never_collide(n, d):
    """x_{i}{j} made (1,10) and (11,0) the same symbol: 12x11 failed with exit 3."""
    X = [[(3 * i + 7 * j) % 11 - 5 for j in range(d)] for i in range(n)]
    Y = [[(5 * i + 2 * j) % 7 - 3 for j in range(d)] for i in range(n)]
    scenario = scenario_of(mse, {"title": "t", "X": X, "Y": Y})
    run_and_verify(mse, scenario)
    exact = mse.derive(scenario)
    assert exact.grad[1][10 % d] == Fraction(2, n * d) * (X[1][10 % d] - Y[1][10 % d])


def test_linreg_symbols_never_collide():
    features = [[(i + j) % 5 for j in range(11)] for i in range(12)]
    scenario = scenario_of(linreg_sgd, {"title": "t", "features": features, "labels": list(range(12)), "weight": [0] * 11,
                                        "lr": "0.001", "batch_size": 12, "epochs": 1})
    linreg_exact.symbolic_gradient(scenario, 12)  # raised MismatchError: x_110 was two entries


POST = {"title": "t", "features": [[1, 2], [4, 2], [8, 1], [0, 1], [3, 8], [1, 3]], "labels": [1, 6, 2, 7, 1, 3],
        "weight": [1, 2], "lr": "0.5", "batch_size": 3}


@pytest.mark.parametrize("changes", [
    {"epochs": 16, "seed": 0},  # the reported case: the gradient overflows first, then the weight
    {"epochs": 13, "seed": 0},
    {"epochs": 30, "seed": 3},
    {"epochs": 20, "order": [[5, 1, 0, 2, 3, 4]] * 20},
    {"epochs": 20, "seed": 0, "zero_grad": False},
    {"epochs": 80, "seed": 1, "dtype": "float64"},
    {"epochs": 80, "seed": 3, "dtype": "float64", "lr": "50"},  # exact values past float64's range: OverflowError, exit 70
], ids=["epochs 16", "epochs 13", "epochs 30 seed 3", "fixed order", "no zero_grad", "float64", "float64 past its range"])
def test_overflow_through_every_intermediate_is_not_a_mismatch(changes):
    scenario = scenario_of(linreg_sgd, POST | changes)
    trace = linreg_sgd.compute(scenario)
    values = [v for step in trace.main.steps for v in (step.loss, step.grad_bias, step.bias, *step.grad_weight, *step.weight)]
    assert not all(map(math.isfinite, values))  # torch overflowed somewhere along the run
    run_and_verify(linreg_sgd, scenario)


def test_an_exact_value_past_float64s_range_compares_as_infinite():
    from generator import tolerance

    for sign in (1, -1):  # math.copysign(math.inf, exact) converted exact to a float: OverflowError, exit 70
        tolerance.check("t", "loss", sign * math.inf, sign * Fraction(10**400), 1.0, "float64")
    with pytest.raises(MismatchError, match="exact is 1000"):
        tolerance.check("t", "loss", 1.0, Fraction(10**400), 1.0, "float64")


# --- numbers that hung or crashed ---------------------------------------------------------------

BOMBS = [
    ("string exponent in X", edit(MSE, "X", '[["1e-99999999", 1], [4, 2]]'), "X[0][0]: '1e-99999999' is too fine"),
    ("string exponent in lr", edit(SGD, "lr", '"1e99999999"'), "lr: '1e99999999' is too large"),
    ("toml float exponent in Y", edit(MSE, "Y", "[[1e-999999999, 2], [1, 4]]"), "Y[0][0]: 1E-999999999 is too fine"),
    ("toml float exponent in bias", edit(SGD, "bias", "1e999999999"), "bias: 1E+999999999 is too large"),
    ("toml 1e400", edit(SGD, "weight", "[1e400, 2]"), "weight[0]: 1E+400 is too large"),
    ("zero with a huge exponent is zero", None, None),
    ("toml integer of 5001 digits", edit(MSE, "X", "[[" + "9" * 5001 + ", 1], [4, 2]]"), ": holds an integer of more than 4300 digits"),
    ("string of 199 digits", edit(SGD, "labels", '["' + "1" * 199 + '", 6, 2]'), "labels[0]: '" + "1" * 37 + "...' is too large"),
    ("long fraction", edit(SGD, "lr", '"1/' + "3" * 150 + '"'), "lr: '1/" + "3" * 35 + "...' is too fine"),
    ("nested 2000 deep", MSE.replace("X = [[3, 1], [4, 2]]", "X = " + "[" * 2000 + "]" * 2000), ": arrays or tables are nested too deeply"),
]


@pytest.mark.parametrize("case, content, expected", [b for b in BOMBS if b[1]], ids=[b[0] for b in BOMBS if b[1]])
def test_number_bombs_exit_2_at_once(project, case, content, expected):
    write_case(project / "scenarios", "bomb.toml", content)
    before = tree_digest(project / "docs")
    completed = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=project, env=os.environ | {"PYTHONPATH": str(ROOT)},
                               capture_output=True, text=True, timeout=HANG_GUARD)
    assert completed.returncode == 2, completed.stderr
    first = completed.stderr.splitlines()[0]
    assert first.startswith("scenarios/bomb.toml:") and expected in first, first
    assert len(first) < 300 and "Traceback" not in completed.stderr
    assert tree_digest(project / "docs") == before


def test_zero_with_a_huge_exponent_is_zero():
    assert parse_exact("0e99999999") == 0 and parse_exact(Decimal("0E-999999999")) == 0


big_exponents = st.builds(
    lambda sign, mantissa, point, exponent: f"{sign}{mantissa[:point]}.{mantissa[point:]}e{exponent}",
    st.sampled_from(["", "-", "+"]), st.text("0123456789", min_size=1, max_size=180), st.integers(0, 180),
    st.integers(-10**12, 10**12),
)


@settings(max_examples=300, deadline=None)  # no time limit on a busy machine: a parse that expands 10**(10**12) never ends, and pytest-timeout fails it
@given(st.one_of(big_exponents, big_exponents.map(Decimal), st.integers(-10**4000, 10**4000)))
def test_fuzz_huge_exponents_and_digits_parse_or_refuse(raw):
    """Any exponent, any digit count: a value within the limits, or InvalidNumberError."""
    try:
        value = parse_exact(raw)
    except InvalidNumberError as error:
        assert len(str(error)) < 200
        return
    assert abs(value) <= 10**12 and value.denominator <= 10**12


# --- files that hung, crashed or were read whole ----------------------------------------------

def run_build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=project, env=os.environ | {"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=HANG_GUARD)


def make_fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe.toml")
    return "scenarios/pipe.toml: is not a regular file"


def make_sparse(folder: Path) -> str:
    with open(folder / "huge.toml", "wb") as handle:
        handle.truncate(3 * 10**9)  # 3 GB, sparse: nothing is read before the size check
    return "scenarios/huge.toml: file is 3000000000 bytes; the limit is 1000000"


def make_loop(folder: Path) -> str:
    (folder / "a.toml").symlink_to("b.toml")
    (folder / "b.toml").symlink_to("a.toml")
    return "scenarios/a.toml: cannot read"


def make_folder(folder: Path) -> str:
    (folder / "dir.toml").mkdir()
    return "scenarios/dir.toml: is not a regular file"


def make_newline_name(folder: Path) -> str:
    (folder / "ab\n.toml").write_text(MSE)
    return "scenarios/ab\\n.toml: file name 'ab\\n' cannot be a page name"  # escaped: one problem, one line


def make_bidi_name(folder: Path) -> str:
    (folder / "a\u202eb.toml").write_text(MSE)
    return "scenarios/a\\u202eb.toml: file name"


def make_link_into_the_build(folder: Path) -> str:
    (folder / "b.toml").symlink_to("mse-sum.toml")  # was dropped without a word
    return "scenarios/b.toml: is a symbolic link to scenarios/mse-sum.toml, which this build reads too"


@pytest.mark.parametrize("make", [make_fifo, make_sparse, make_loop, make_folder, make_newline_name, make_bidi_name,
                                  make_link_into_the_build])
def test_odd_files_exit_2_at_once(project, make):
    expected = make(project / "scenarios")
    before = tree_digest(project / "docs")
    completed = run_build(project)
    assert completed.returncode == 2, completed.stderr
    assert expected in completed.stderr and "Traceback" not in completed.stderr
    lines = completed.stderr.splitlines()  # one line per problem (a newline in a name escaped), then the count
    assert lines[-1] == f"{len(lines) - 1} problem(s); nothing was written." and all(line.startswith("scenarios/") for line in lines[:-1])
    assert tree_digest(project / "docs") == before


def test_a_link_to_a_file_outside_the_build_is_a_page_of_its_own(project, tmp_path, monkeypatch):
    (tmp_path / "elsewhere.toml").write_text(MSE)
    (project / "scenarios/linked.toml").symlink_to(tmp_path / "elsewhere.toml")
    monkeypatch.chdir(project)
    assert "linked" in [s.slug for s in load_scenarios([Path("scenarios")])]


def test_an_unknown_key_of_900_kb_is_echoed_short(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    write_case(project / "scenarios", "bad.toml", MSE + "x" * 900_000 + " = 1\n")
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scenarios/bad.toml: " + "x" * 57 + "...: unknown key;") and len(err) < 1000, err[:300]


def test_a_missing_page_template_is_one_clear_line_not_exit_70(tmp_path, monkeypatch, capsys):
    import dataclasses

    from generator.kinds import KINDS
    project = copy_project(tmp_path)  # no build cache: its render cache does not know a kind's patched template
    monkeypatch.chdir(project)
    monkeypatch.setitem(KINDS, "mse", dataclasses.replace(KINDS["mse"], template="mse-missing.md.j2"))
    before = tree_digest(project / "docs")
    assert main(["build", "scenarios/mse-sum.toml", "--out", "docs/scenarios"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: page template mse-missing.md.j2 not found") and len(err.splitlines()) == 1, err
    assert tree_digest(project / "docs") == before


def test_a_byte_order_mark_is_accepted(tmp_path):
    write_case(tmp_path, "bom.toml", b"\xef\xbb\xbf" + MSE.encode())
    assert load_scenarios([tmp_path / "bom.toml"])[0].X[0][0] == 3


def test_the_same_file_reached_twice_is_one_scenario(project, monkeypatch):
    monkeypatch.chdir(project)
    scenarios = load_scenarios([Path("scenarios"), Path("scenarios/mse-sum.toml"), Path("./scenarios/mse-sum.toml")])
    assert [s.slug for s in scenarios].count("mse-sum") == 1


def wait_for_phase(phases: Path, phase: str, process: subprocess.Popen[str]) -> None:
    """Until the process has written `phase` (a condition, not a guessed delay)."""
    deadline = time.monotonic() + HANG_GUARD
    while phase not in (phases.read_text().split() if phases.exists() else []):
        assert process.poll() is None, f"the process ended ({process.returncode}) before reaching {phase}"
        assert time.monotonic() < deadline, f"never reached {phase}"
        time.sleep(0.01)


def signal_held_build(project: Path, phases: Path, phase: str, signum: int, stderr: IO[str] | int) -> subprocess.Popen[bytes]:
    """`build --rerun` held at `phase` (generator/phases.py), then `signum` to its whole process group, as
    a terminal's Ctrl-C or a kill; returns the ended process. The wait is for the process, not for
    the end of its output: the program server, still importing torch on a cold machine, holds the
    output open until it sees its parent gone."""
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--rerun"], cwd=project, start_new_session=True,
                               env=os.environ | {"PYTHONPATH": str(ROOT), "GENERATOR_TEST_PHASES": str(phases),
                                                 "GENERATOR_TEST_HOLD": phase},
                               stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        try:
            wait_for_phase(phases, phase, process)
        except AssertionError as failure:  # it ended, or hung, before the phase: what it said
            said = Path(stderr.name).read_text(encoding="utf-8", errors="replace") if hasattr(stderr, "name") else "(not kept)"
            raise AssertionError(f"{failure}; its standard error: {said!r}") from None
        os.killpg(process.pid, signum)
        process.wait(timeout=HANG_GUARD)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left: the server, a program
    return process


@pytest.mark.parametrize("phase", ["importing", "running", "server", "program", "writing"])
def test_ctrl_c_is_one_line_and_exit_130(small_project, tmp_path, phase):
    """SIGINT to the whole process group, as a terminal's Ctrl-C, while the process is held at a phase
    (generator/phases.py): before the heavy imports, as a run starts, in the program server as it
    imports torch, in a shown program's process, and with the new folder staged. One line,
    exit 130, no traceback from the process, the server or a child, and the output as it was."""
    project = small_project
    for path in (project / "scenarios").glob("*.toml"):
        path.write_text(path.read_text().replace('title = "', 'title = "Changed: '))
    before = tree_digest(project / "docs")
    phases = tmp_path / "phases"
    with (tmp_path / "stderr").open("w") as stderr:
        process = signal_held_build(project, phases, phase, signal.SIGINT, stderr)
    err = (tmp_path / "stderr").read_text(encoding="utf-8")
    assert process.returncode == 130, err
    assert err.splitlines() == [INTERRUPTED], err
    assert tree_digest(project / "docs") == before
    assert not [p for p in project.rglob("*") if ".pending" in p.name or ".new-" in p.name or ".previous" in p.name]


DROPPED = "mse-legacy"  # the scenario the kill tests delete, so that the new index drops its link


def drop_a_page(project: Path) -> str:
    """Deletes DROPPED's scenario file; returns its page's name. It must be a page no other scenario
    links to (see_also, zero_grad_page): the build refuses a dangling link (exit 2) before any phase."""
    linking = [s.source for s in load_scenarios([project / "scenarios"]) if DROPPED in {slug for _, slug in scenario_links(s)}]
    assert not linking, f"{linking} link to {DROPPED}: delete a page nothing links to"
    (project / "scenarios" / f"{DROPPED}.toml").unlink()
    return f"{DROPPED}.md"


@pytest.mark.parametrize("phase", ["writing", "swapped"])
def test_a_real_kill_at_the_swap_is_recovered_by_check(small_project, tmp_path, monkeypatch, capsys, phase):
    """SIGKILL to the whole group, no handler runs: with the new folder staged (rolled back: the old
    pages and index) or just swapped in, its backup and the new indexes not yet dealt with (rolled
    forward: the new pages and index). `check`, the next command run, puts either state right."""
    project = small_project
    for path in (project / "scenarios").glob("*.toml"):
        path.write_text(path.read_text().replace('title = "', 'title = "Changed: '))
    dropped = drop_a_page(project)  # the new index drops its link
    phases = tmp_path / "phases"
    with (tmp_path / "stderr").open("w") as stderr:  # read only if the build ends before the phase
        signal_held_build(project, phases, phase, signal.SIGKILL, stderr)
    left = [p.name for p in project.rglob("*") if ".pending" in p.name or ".new-" in p.name or ".previous" in p.name]
    assert left, "the kill left nothing to recover: it did not land in the window"
    monkeypatch.chdir(project)
    code = main(["check"])
    out = capsys.readouterr().out
    assert "missing or not JSON" not in out, out
    pages = {p.name for p in (project / "docs/scenarios").iterdir()}
    for index in ("docs/index.md", "docs/index.zh.md"):  # each edition's index links exactly the pages there are
        linked = set(re.findall(r"\(scenarios/([a-z0-9-]+)\.md\)", (project / index).read_text()))
        assert linked == {name[:-6] for name in pages if name.endswith(".zh.md")}
    if phase == "swapped":  # rolled forward: the new pages, which check finds current
        assert code == 0 and dropped not in pages, out
    else:  # rolled back: the old pages, whose titles check finds changed
        assert code == 1 and "Changed: " in out and dropped in pages, out
    assert not [p for p in project.rglob("*") if ".pending" in p.name or ".new-" in p.name or ".previous" in p.name]


# --- a misused --out moves nothing -------------------------------------------------------------

def out_cases(project: Path) -> list[tuple[str, str]]:
    (project / "notes.txt").write_text("my notes\n")
    linked = project / "linked"
    linked.symlink_to(project / "docs/scenarios")
    return [
        ("notes.txt", "is a file, not a folder"),
        ("docs/index.md", "is a file, not a folder"),
        (".", "is the working folder or above it"),
        ("", "is the working folder or above it"),
        (str(project), "is the working folder or above it"),
        (str(project.parent), "is the working folder or above it"),
        ("docs", "holds a site's own index.md"),
        ("scenarios", "holds the scenario files"),
        ("notes.txt/out", "is not an existing folder"),
        ("missing/out", "is not an existing folder"),
        ("linked", "is a symbolic link"),
        ("docs/scenarios/sub", "is inside docs/scenarios, a folder of generated files"),
        ("/proc/generator-out", "cannot write there"),
    ]


def test_a_misused_out_exits_2_and_moves_nothing(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    for out, expected in out_cases(project):
        before = tree_digest(project)
        assert main(["build", "--out", out]) == 2, out
        err = capsys.readouterr().err
        assert expected in err and len(err.strip().splitlines()) == 1, (out, err)
        assert tree_digest(project) == before, out
        assert main(["check", "--out", out]) == 2 or out.startswith("/proc"), out
        capsys.readouterr()
    assert (project / "notes.txt").read_text() == "my notes\n"
    assert (project / "linked").is_symlink()


@pytest.mark.parametrize("slug", RESERVED_SLUGS)
def test_a_reserved_slug_exits_2_naming_the_file(project, monkeypatch, capsys, slug):
    """errata.toml had its page replaced by the generated errata page (exit 0); index.toml took the
    section's index. Every name in overview.RESERVED_SLUGS is refused, and nothing is written."""
    monkeypatch.chdir(project)
    write_case(project / "scenarios", f"{slug}.toml", MSE)
    before = tree_digest(project)
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"scenarios/{slug}.toml: file name '{slug}' is reserved"), err
    assert main(["check"]) == 2
    assert tree_digest(project) == before


def test_an_out_inside_another_output_folder_exits_2(project, monkeypatch, capsys):
    """Not only the default: any folder holding generated files (a results file with the marker)."""
    monkeypatch.chdir(project)
    assert main(["build", "scenarios/mse-sum.toml", "--out", "elsewhere/pages"]) == 2  # parent missing
    (project / "elsewhere").mkdir()
    assert main(["build", "scenarios/mse-sum.toml", "--out", "elsewhere/pages"]) == 0
    capsys.readouterr()
    before = tree_digest(project)
    assert main(["build", "scenarios/mse-sum.toml", "--out", "elsewhere/pages/sub"]) == 2
    assert "is inside elsewhere/pages, a folder of generated files" in capsys.readouterr().err
    assert tree_digest(project) == before


def test_a_page_that_quotes_the_marker_is_not_ours(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    notes = project / "docs/scenarios/notes.md"
    notes.write_text("# Notes\n\nThe pages say <!-- generated by python -m generator from x.toml; do not edit -->.\n")
    assert main(["build"]) == 4
    assert "docs/scenarios/notes.md" in capsys.readouterr().err
    assert notes.exists()


@pytest.mark.parametrize("foreign", ["folder", "file"])
def test_check_refuses_foreign_files_like_build(project, monkeypatch, capsys, foreign):
    monkeypatch.chdir(project)
    target = project / "docs/scenarios/extra"
    target.mkdir() if foreign == "folder" else target.write_text("mine\n")
    assert main(["check"]) == 4
    check_err = capsys.readouterr().err
    assert main(["build"]) == 4
    assert capsys.readouterr().err == check_err and "move them out" in check_err


def killed_at(monkeypatch, when):
    """Make the write stage raise KeyboardInterrupt at the moment `when` names: a kill there,
    deterministic (it replaces a test that sent SIGKILL after guessed delays)."""
    real_replace, real_rename, real_write, real_rmtree = os.replace, Path.rename, Path.write_bytes, write.shutil.rmtree
    real_copy = write.shutil.copy2

    def copy2(source, target, *args, **kwargs):
        real_copy(source, target, *args, **kwargs)
        if when == "while staging":
            raise KeyboardInterrupt

    def write_bytes(self, data):
        real_write(self, data)
        if when == "while staging" and ".new-" in str(self):
            raise KeyboardInterrupt
        return len(data)

    def rmtree(path, *args, **kwargs):
        if when == "after the swap" and str(path).endswith(".previous"):
            raise KeyboardInterrupt
        return real_rmtree(path, *args, **kwargs)

    def replace(source, target):
        if when == "before the index" and str(source).endswith(write.PENDING_INDEX):
            raise KeyboardInterrupt
        return real_replace(source, target)

    def rename(self, target):
        if when == "between the renames" and Path(target).name.endswith(".previous"):
            real_rename(self, target)
            raise KeyboardInterrupt
        return real_rename(self, target)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(write.shutil, "rmtree", rmtree)
    monkeypatch.setattr(write.shutil, "copy2", copy2)


ROLLED_FORWARD = {"while staging": False, "between the renames": False, "after the swap": True, "before the index": True}


@pytest.mark.parametrize("when", list(ROLLED_FORWARD))
def test_pages_and_index_agree_after_a_kill(small_project, monkeypatch, when):
    project = small_project
    monkeypatch.chdir(project)
    dropped = drop_a_page(project)  # the new index drops its link
    out, index = project / "docs/scenarios", project / "docs/index.md"
    from generator.cli import build
    with monkeypatch.context() as patched:
        killed_at(patched, when)
        with pytest.raises(KeyboardInterrupt):
            build([Path("scenarios")], Path("docs/scenarios"))
    zh_index = project / "docs/index.zh.md"
    write.recover(out, [index, zh_index])
    pages = {p.name for p in out.iterdir()}
    for page in (index, zh_index):  # each edition's index links exactly the pages there are
        linked = set(re.findall(r"\(scenarios/([a-z0-9-]+)\.md\)", page.read_text()))
        assert linked == {name[:-3] for name in pages if name.endswith(".md") and ".zh." not in name}
        assert linked == {name[:-6] for name in pages if name.endswith(".zh.md")}
    assert (dropped not in pages) == ROLLED_FORWARD[when]  # the old pages and index, or the new ones
    assert not [p for p in project.rglob("*") if ".pending" in p.name or ".new-" in p.name or ".previous" in p.name]


def test_a_second_build_into_the_same_folder_exits_2_and_touches_nothing(project, monkeypatch, capsys):
    """The lock of the output folder's parent, held as a running build holds it (no timing)."""
    monkeypatch.chdir(project)
    before = tree_digest(project)
    with write.exclusive(Path("docs/scenarios")):
        for command in ("build", "check"):
            assert main([command]) == 2
            err = capsys.readouterr().err
            assert err == "error: --out docs/scenarios: another build is writing there; run again when it has finished\n", err
    assert tree_digest(project) == before
    assert main(["build", "scenarios/mse-sum.toml", "--out", "elsewhere"]) == 0  # another folder: another lock


def test_check_recovers_an_interrupted_swap_like_build(small_project, monkeypatch, capsys):
    """Killed between the renames: no docs/scenarios/ at all; check put it back instead of calling
    every scenario missing."""
    project = small_project
    monkeypatch.chdir(project)
    for path in (project / "scenarios").glob("*.toml"):
        path.write_text(path.read_text().replace('title = "', 'title = "Changed: '))
    from generator.cli import build
    with monkeypatch.context() as patched:
        killed_at(patched, "between the renames")
        with pytest.raises(KeyboardInterrupt):
            build([Path("scenarios")], Path("docs/scenarios"))
    assert not (project / "docs/scenarios").exists()
    assert main(["check"]) == 1  # the scenarios' titles changed: the old pages differ, but none is missing
    out = capsys.readouterr().out
    assert "missing or not JSON" not in out and "Changed: " in out
    assert not [p for p in project.rglob("*") if ".new-" in p.name or ".previous" in p.name]


# --- text that broke the page ------------------------------------------------------------------

TITLES = {
    "astral": "𝔼[loss] by hand 🚀",
    "quote": 'He said "mean" & <b>sum</b>',
}


def test_titles_and_paths_show_literally_in_the_built_site(tmp_path, monkeypatch):
    """Titles outside the BMP round-trip; a quote is escaped once; a folder name with a backtick and
    `-->` puts no live markup into the page."""
    project = copy_project(tmp_path, with_site_config=True)
    monkeypatch.chdir(project)
    for path in (project / "scenarios").glob("*.toml"):
        path.unlink()
    weird = project / "scenarios" / "x` --> <img src=x onerror=alert(1)>"
    weird.mkdir()
    for slug, title in TITLES.items():
        (weird / f"{slug}.toml").write_text(edit(MSE, "title", json.dumps(title, ensure_ascii=False)), encoding="utf-8")
    assert main(["build", str(weird)]) == 0
    completed = mkdocs_build(project, project / "site")
    assert completed.returncode == 0, completed.stderr
    for slug, title in TITLES.items():
        for edition in ("", "zh/"):  # both editions show the title literally (no titles.zh: the title itself)
            page = (project / f"site/{edition}scenarios/{slug}/index.html").read_text(encoding="utf-8")
            assert html.unescape(re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)).startswith(title)
            visible = html.unescape(re.sub(r"<[^>]+>", "", page))
            assert title in visible
            assert "<img src=x" not in page and "&amp;#" not in page and "\\ud83" not in page
    assert json.loads((project / "docs/scenarios/astral.json").read_text(encoding="utf-8"))["title"] == TITLES["astral"]


@pytest.mark.parametrize("title, message", [
    ('"a\\u202eb"', "title: holds the bidirectional control U+202E"),
    ('"a\\u202ab"', "title: holds the bidirectional control U+202A"),
    ('"a\\u2066b\\u2069"', "title: holds the bidirectional control U+2066"),
    ('"\\u200b"', "title: shows nothing"),
    ('"\\u200b \\u2060\\ufeff"', "title: shows nothing"),
    ('"\\u3164"', "title: shows nothing"),
])
def test_bidi_controls_and_invisible_titles_exit_2(project, monkeypatch, capsys, title, message):
    monkeypatch.chdir(project)
    write_case(project / "scenarios", "bad.toml", edit(MSE, "title", title) + 'titles.zh = "\\u202e"\n')
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert f"scenarios/bad.toml: {message}" in err and "titles.zh: holds the bidirectional control U+202E" in err


@pytest.mark.parametrize("title", ['"a\\u0000b"', '"tab\\there"', '"line\\u2028break"', '"bell\\u0007"'])
def test_control_characters_in_a_title_exit_2(project, monkeypatch, capsys, title):
    monkeypatch.chdir(project)
    write_case(project / "scenarios", "bad.toml", edit(MSE, "title", title))
    assert main(["build"]) == 2
    assert "scenarios/bad.toml: title: holds the control character U+" in capsys.readouterr().err


# --- output that grew past use -----------------------------------------------------------------

@pytest.mark.parametrize("table", [
    {"title": "t", "features": [[1] * 400], "labels": [1], "weight": [0] * 400, "lr": "0.001", "batch_size": 1, "epochs": 200},
    {"title": "t", "features": [[(i * j) % 5 for j in range(20)] for i in range(20)], "labels": list(range(20)), "weight": [0] * 20,
     "lr": "0.01", "batch_size": 1, "epochs": 25, "zero_grad": False},
    {"title": "t", "features": [[1, 2], [4, 2], [8, 1]], "labels": [1, 6, 2], "weight": [1, 2], "lr": "1/999999999989",
     "batch_size": 1, "epochs": 166},
], ids=["d=400, 200 steps", "20x20 without zero_grad, 500 steps", "12-digit lr, 498 steps"])
def test_results_past_the_size_limit_exit_2_with_the_size(table):
    scenario = scenario_of(linreg_sgd, table)
    with pytest.raises(ScenarioError, match=r"t.toml: epochs: the exact values would pass 10,000,000 digits .* at step \d+ of \d+"):
        linreg_sgd.derive(scenario)


def test_exact_values_past_4300_digits_build():
    """Python's limit on int-to-str conversion must not stop a valid run from being written."""
    scenario = scenario_of(linreg_sgd, {"title": "t", "features": [[1, 2]], "labels": [1], "weight": [1, 2], "lr": "1/999999999989",
                                        "batch_size": 1, "epochs": 200})
    from generator.values import int_digits
    with int_digits(0):
        results = json.loads(generate_scenario(scenario).files["t.json"])
    assert max(len(step["weight"][0]["exact"]) for step in results["steps"]) > 4300


def test_a_size_refusal_through_the_command_line(project, monkeypatch, capsys):
    big = 'kind = "linreg-sgd"\ntitle = "t"\nfeatures = [[1, 2], [4, 2], [8, 1]]\nlabels = [1, 6, 2]\nweight = [1, 2]\nlr = "1/999999999989"\nbatch_size = 1\nepochs = 166\n'
    write_case(project / "scenarios", "big.toml", big)
    monkeypatch.chdir(project)
    before = tree_digest(project / "docs")
    assert main(["build"]) == 2  # the others from the warm cache: only big runs
    err = capsys.readouterr().err
    assert err.startswith("scenarios/big.toml: epochs: the exact values would pass"), err
    assert err.strip().endswith("1 scenario(s) failed; nothing was written.")
    assert tree_digest(project / "docs") == before
