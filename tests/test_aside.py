"""Pages rendered in a second process (generator/aside.py, as `python -m generator build` does) are
the bytes this process renders, and any failure there leaves the render to this process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

from generator.aside import Aside
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
                  "files": files, "same": same, "alive": process.is_alive()}}))
"""


def test_forked_early_it_renders_the_same_bytes_and_holds_no_file_of_the_build(tmp_path):
    """As the command line starts it (one thread): forked from this process before the program server
    runs, it renders what this process renders, and keeps none of this process's files (a killed
    build's output lock held by it would make the next build wait): only its two pipes and /dev/null."""
    script = EARLY.format(root=str(ROOT), lock=str(tmp_path / "lock"), slugs=list(SLUGS))
    completed = subprocess.run([sys.executable, "-c", script], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    found = json.loads(completed.stdout)
    assert found["forked_from"] == "this process" and found["same"] == [True, True] and not found["alive"]
    pipes = [f for f in found["files"] if f.startswith("pipe:")]
    # one end of each of its two pipes (both ends of a pipe name the same inode); not this process's
    # stdout or stderr (pipes too, to the test), nor the lock; its own stdout and stderr: /dev/null
    assert len(pipes) == len(set(pipes)) == 2 and str(tmp_path / "lock") not in found["files"], found["files"]
    assert found["files"].count("/dev/null") == 3, found["files"]
