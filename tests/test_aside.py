"""Pages rendered in a second process (generator/aside.py, as `python -m generator build` does) are
the bytes this process renders, and any failure there leaves the render to this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from generator.aside import Aside
from generator.errors import INTERRUPTED
from generator.loading import load_scenarios
from generator.pipeline import render_scenario, run_scenario

SLUGS = ("mse-sum", "regression-losses-beta")  # a page with links and a scenario file; one with a plot


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    scenarios = [s for s in load_scenarios([ROOT / "scenarios"]) if s.slug in SLUGS]
    assert [s.slug for s in scenarios] == sorted(SLUGS)
    return [(s, run_scenario(s)) for s in scenarios]


def test_the_second_process_renders_the_same_bytes(runs):
    with Aside() as aside:
        for scenario, run in runs:
            aside.submit(scenario.slug, scenario, run, run.dumps().encode("utf-8"))
        taken = {scenario.slug: aside.take(scenario.slug) for scenario, _ in runs}
    for scenario, run in runs:
        here = render_scenario(scenario, run)
        assert taken[scenario.slug] is not None, scenario.slug
        assert taken[scenario.slug].files == here.files, scenario.slug
        assert any(name.endswith(".svg") for name in here.files) == (scenario.slug == "regression-losses-beta")


def test_a_render_that_fails_there_is_left_to_this_process(runs):
    scenario, run = runs[0]
    with Aside() as aside:
        aside.submit(scenario.slug, scenario, run, b"not the results")  # json.loads fails in the render
        assert aside.take(scenario.slug) is None


def test_a_second_process_that_died_is_left_alone(runs):
    (first, first_run), (second, second_run) = runs
    with Aside() as aside:
        aside.submit(first.slug, first, first_run, first_run.dumps().encode("utf-8"))
        assert aside.take(first.slug) is not None
        aside._process.kill()
        aside._process.join()
        aside.submit(second.slug, second, second_run, second_run.dumps().encode("utf-8"))  # to a pipe nobody reads
        assert aside.take(second.slug) is None
    assert aside.take("never-sent") is None


EARLY = """
import fcntl, json, os, sys, threading
sys.path.insert(0, {root!r})
from pathlib import Path
from generator.aside import Aside
from generator.errors import INTERRUPTED
from generator.loading import load_scenarios
from generator.pipeline import render_scenario, typed

lock = open({lock!r}, "w")
fcntl.flock(lock, fcntl.LOCK_EX)  # as a build holds its output folder's lock
scenarios = [s for s in load_scenarios([Path({root!r}, "scenarios")]) if s.slug in {slugs!r}]
runs = [typed(s, json.loads(Path({root!r}, "docs/scenarios", s.slug + ".json").read_text(encoding="utf-8"))) for s in scenarios]
assert threading.active_count() == 1
with Aside() as aside:
    aside.start_early()
    process = aside._process
    for scenario, run in zip(scenarios, runs):
        aside.submit(scenario.slug, scenario, run, run.dumps().encode("utf-8"))
    taken = [aside.take(s.slug) for s in scenarios]  # it has rendered: it let go of the build's files first
    files = sorted(os.readlink(f"/proc/{{process.pid}}/fd/" + fd) for fd in os.listdir(f"/proc/{{process.pid}}/fd"))
same = [t is not None and t.files == render_scenario(s, r).files for s, r, t in zip(scenarios, runs, taken)]
print(json.dumps({{"forked_from": "this process" if process.__class__.__module__ == "multiprocessing.context" else "server",
                  "files": files, "same": same, "alive": process.is_alive(), "exit": process.exitcode}}))
"""


@pytest.mark.parametrize("stdin", ["/dev/null", "closed"])
def test_forked_early_it_renders_the_same_bytes_and_holds_no_file_of_the_build(tmp_path, stdin):
    """As the command line starts it (one thread): forked from this process before the program server
    runs, it renders what this process renders, keeps none of this process's files (a killed
    build's output lock held by it would make the next build wait; with standard input closed that
    lock is file 0), and is stopped through Python (SIGTERM: exit 0), which lets go of any lock
    file it took (matplotlib's font cache, while it warms up)."""
    script = EARLY.format(root=str(ROOT), lock=str(tmp_path / "lock"), slugs=list(SLUGS))
    command = [sys.executable, "-c", script] if stdin != "closed" else ["sh", "-c", 'exec "$0" -c "$1" <&-', sys.executable, script]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    found = json.loads(completed.stdout)
    assert found["forked_from"] == "this process" and found["same"] == [True, True] and not found["alive"]
    pipes = [f for f in found["files"] if f.startswith("pipe:")]
    # one end of each of its two pipes (both ends of a pipe name the same inode); not this process's
    # stdout or stderr (pipes too, to the test), nor the lock; its own stdin, stdout and stderr: /dev/null
    assert len(pipes) == len(set(pipes)) == 2 and str(tmp_path / "lock") not in found["files"], found["files"]
    assert found["files"].count("/dev/null") == 3, found["files"]
    assert found["exit"] == 0


CTRL_C = """
import os, signal, sys, threading
sys.path.insert(0, {root!r})
import multiprocessing.context
from generator import aside

def interrupted(start):
    def at_start(self, *args):
        if {where!r} == "reader" and getattr(getattr(self, "_target", None), "__func__", None) is aside.Aside._read:
            raise KeyboardInterrupt  # as a Ctrl-C handled as the reader thread is about to start
        start(self, *args)
        if {where!r} == "fork" and isinstance(self, multiprocessing.context.ForkProcess):
            print(self.pid, flush=True)
            os.kill(os.getpid(), signal.SIGINT)  # pending: start_early blocks SIGINT across the fork
    return at_start

multiprocessing.context.ForkProcess.start = interrupted(multiprocessing.context.ForkProcess.start)
threading.Thread.start = interrupted(threading.Thread.start)
sys.argv = ["generator", "build", "--rerun", "--out", {out!r}]
from generator.__main__ import _entry
sys.exit(_entry())
"""


@pytest.mark.parametrize("where", ["fork", "reader"])
def test_a_ctrl_c_as_it_forks_early_is_one_line_and_leaves_no_process(tmp_path, where):
    """Ctrl-C while start_early forks (SIGINT pending, raised once the mask is restored) or as it
    starts the thread that reads the renders: exit 130 with the one line, and the second process
    is gone when the command returns (it was left running until its warm-up ended, and the
    reader's case was exit 70, `cannot join thread before it is started`)."""
    script = CTRL_C.format(root=str(ROOT), where=where, out=str(tmp_path / "out"))
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=300)
    assert (completed.returncode, completed.stderr) == (130, INTERRUPTED + "\n")
    if where == "fork":
        pid = int(completed.stdout.split()[0])
        with pytest.raises(ProcessLookupError):  # ended and reaped (a zombie would still take the signal)
            os.kill(pid, 0)
    assert not (tmp_path / "out").exists()
