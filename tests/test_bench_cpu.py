"""`make bench`'s CPU accounting (tests/bench_cpu.py): what it counts and how it names processes."""

from __future__ import annotations

import os
import subprocess
import sys

from bench_cpu import SELF, Measured, Sampler, Seen, docs_kind, suite_kind

# burns 0.3 s of its own CPU, says so, waits for a line, burns 0.3 s more, says so, waits for the end of its input
BURN = """import sys, time
def burn(until):
    while time.process_time() < until: pass
burn(0.3); print('first', flush=True); sys.stdin.readline()
burn(0.6); print('second', flush=True); sys.stdin.read()
"""


def test_a_process_s_cpu_is_counted_from_when_sampling_began():
    with subprocess.Popen([sys.executable, "-c", BURN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline() == "first\n"
        sampler = Sampler(lambda command, parent: "burner" if "process_time" in command else "other")
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "second\n"
        sampler.stop()  # its last look, while the child is still there
    assert 0.3 - 0.02 <= sampler.by_kind()["burner"] < 0.45  # /proc counts whole clock ticks (0.01 s)


def test_the_lines_add_up_to_the_busy_cpu():
    spent = Measured(wall=2.0, busy=4.0, kinds={"Chromium": 2.0, "workers": 0.3, "other": 0.2})
    lines = spent.lines(smallest=0.5)
    assert [line.split("CPU-s")[0].strip() for line in lines] == ["2.0", "0.5", "1.5"]
    assert "Chromium" in lines[0] and "everything else" in lines[1] and "not sampled" in lines[2]


TEMPORARY = "/tmp/pytest-of-root/pytest-7/popen-gw1/site0"  # "pytest" in a folder's name names no process


def test_processes_are_named_by_their_program_not_their_folders():
    python = "/work/x/.venv/bin/python"
    assert suite_kind(f"{python} -m mkdocs build -f mkdocs.zh.yml --site-dir {TEMPORARY}").startswith("MkDocs")
    assert suite_kind(f"{python} -m generator build --out {TEMPORARY}/out").startswith("python -m generator")
    assert suite_kind(f"{python} -m pytest -n auto --dist loadfile") == "pytest's controller"
    assert suite_kind(f"{python} -u -c import sys;exec(eval(sys.stdin.readline()))").startswith("the pytest-xdist workers")
    assert suite_kind("/usr/lib/chromium/chromium --type=renderer --user-data-dir=/tmp/x").startswith("Chromium")
    assert suite_kind(f"{python} -B -c from multiprocessing.forkserver import main; main(4, 9)").startswith("torch's")
    assert suite_kind(f"{python} linreg-sgd.py").startswith("the downloads")
    assert docs_kind(f"{python} -m generator.site_edition mkdocs build --strict -f mkdocs.zh.yml").startswith("the Chinese edition")
    assert docs_kind(f"{python} -m generator.site_edition mkdocs build --strict -f mkdocs.yml").startswith("the English edition")
    assert docs_kind(f"{python} -m generator build --rerun", f"{python} -m generator.site --generate").startswith("python -m generator build (")
    assert docs_kind(f"{python} -m generator build --rerun", f"{python} -m generator build --rerun").endswith("renderer (aside.py: the pages, downloads and plots, matplotlib)")
    assert docs_kind(f"{python} -m generator.site --generate --rerun").startswith("generator.site")


def test_a_parent_is_the_process_that_had_its_pid_when_the_child_started_and_the_bench_is_its_own_kind():
    sampler = Sampler(lambda command, parent: f"{command} under {parent}")
    sampler.stop()
    sampler.seen = {
        ("10", "100"): Seen("generator", parent="1", started=100, start=0.0, last=1.0),
        ("10", "300"): Seen("reused", parent="1", started=300, start=0.0, last=1.0),  # the pid, taken again later
        ("11", "200"): Seen("renderer", parent="10", started=200, start=0.0, last=2.0),
        (str(os.getpid()), "50"): Seen("bench", parent="1", started=50, start=0.0, last=3.0),
    }
    assert sampler.by_kind() == {"generator under ": 1.0, "reused under ": 1.0, "renderer under generator": 2.0, SELF: 3.0}
