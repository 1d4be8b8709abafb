"""The shown programs run in processes forked from a server with torch preloaded: they must print
exactly what a fresh interpreter prints, and fail as one would."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ROOT

from generator.errors import ProgramError
from generator.kinds import KINDS
from generator.loading import load_scenarios
from generator.program import run_fresh, run_program

# One scenario for each program a template can give: mse, regression-losses, and linreg-sgd with a
# fixed order, with a seeded DataLoader, and without zero_grad() (the others repeat these programs).
FRESH = ("mse-sum", "regression-losses-beta", "linreg-sgd", "linreg-sgd-stable", "linreg-sgd-no-zero-grad")


def test_forked_programs_print_what_a_fresh_interpreter_prints():
    scenarios = [s for s in load_scenarios([ROOT / "scenarios"]) if s.slug in FRESH]
    programs = [(KINDS[s.kind].program(s), s.slug, s.source) for s in scenarios]
    with ThreadPoolExecutor(max_workers=2) as pool:
        fresh = list(pool.map(lambda p: run_fresh(*p), programs))
    forked = [run_program(*p) for p in programs]
    assert len(forked) == len(scenarios) == len(FRESH)
    assert [s.slug for s, a, b in zip(scenarios, forked, fresh) if a != b] == []


@pytest.mark.parametrize("source, message", [
    ("raise SystemExit('boom')\n", "x.toml: the page's program failed (exit 1): boom"),
    ("import torch\n1 / 0\n", "x.toml: the page's program failed (exit 1): ZeroDivisionError: division by zero"),
    ("import sys\nsys.exit(3)\n", "x.toml: the page's program failed (exit 3)"),
])
def test_a_failing_program_is_a_program_error(source, message):
    with pytest.raises(ProgramError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_program(source, "x", "x.toml")
    with pytest.raises(ProgramError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_fresh(source, "x", "x.toml")


def test_each_program_has_a_clean_main_and_its_own_folder():
    first = run_program("import os\nsecret = 1\nprint(sorted(os.listdir('.')))\n", "first", "x.toml")
    second = run_program("print('secret' in globals(), __name__)\n", "second", "x.toml")
    assert first == "['first.py']\n" and second == "False __main__\n"


def test_a_script_that_runs_programs_is_not_run_again_in_each_program(tmp_path):
    # Started by path, a script is the parent's main module, which multiprocessing runs again (as
    # __mp_main__) in every child it forks, unless the launch leaves it out: its top-level code
    # would run once per program (and its imports cost each program 0.17 s in `make bench`).
    ran = tmp_path / "ran"
    script = tmp_path / "author.py"
    script.write_text(
        "import pathlib\n"
        f"with open({str(ran)!r}, 'a') as f:\n"
        "    f.write(__name__ + '\\n')\n"
        "from generator.program import run_program\n"
        "if __name__ == '__main__':\n"
        "    printed = [run_program(f'print({n})\\n', 'p', 'x.toml') for n in range(3)]\n"
        "    assert printed == ['0\\n', '1\\n', '2\\n'], printed\n",
        encoding="utf-8",
    )
    completed = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stderr
    assert ran.read_text(encoding="utf-8") == "__main__\n"
