"""Benchmark: where a build's time goes. Prints figures; asserts nothing.

    .venv/bin/python tests/bench_build.py [PATH ...]     (or `make bench`)

1. per scenario and stage (median of 3, in process);
2. a no-change `make docs` (generator build from the cache + strict mkdocs build) against a bare
   strict `mkdocs build` of the same docs/, measured alternately in one run, and their ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.kinds import KINDS  # noqa: E402
from generator.kinds.base import Solved  # noqa: E402
from generator.loading import load_scenarios  # noqa: E402
from generator.program import run_program  # noqa: E402

STAGES = ("compute", "derive", "verify", "program", "page")
REPEATS = 3
ENVIRONMENT = os.environ | {"NO_MKDOCS_2_WARNING": "1"}


def timed(action, *arguments):
    start = time.perf_counter()
    result = action(*arguments)
    return result, time.perf_counter() - start


def shown_program(kind, scenario) -> str:
    return run_program(kind.program(scenario), scenario.slug, scenario.source)


def page_and_files(kind, scenario, results):
    return kind.view(scenario, results), kind.files(scenario, results)


def stages(paths: list[Path]) -> None:
    from generator.pipeline import run_scenario

    scenarios, load_time = timed(load_scenarios, paths)
    print(f"load and validate {len(scenarios)} scenarios: {load_time * 1000:.0f} ms")
    print(f"{'scenario':28} " + " ".join(f"{stage:>9}" for stage in STAGES) + "   (median of 3, ms)")
    for scenario in scenarios:
        kind = KINDS[scenario.kind]
        samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
        results = run_scenario(scenario)
        for _ in range(REPEATS):
            trace, seconds = timed(kind.compute, scenario)
            samples["compute"].append(seconds)
            exact, seconds = timed(kind.derive, scenario)
            samples["derive"].append(seconds)
            samples["verify"].append(timed(kind.verify, Solved(scenario, trace, exact))[1])
            samples["program"].append(timed(shown_program, kind, scenario)[1])
            samples["page"].append(timed(page_and_files, kind, scenario, results)[1])
        print(f"{scenario.slug:28} " + " ".join(f"{statistics.median(samples[s]) * 1000:9.0f}" for s in STAGES))


def command_seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=ENVIRONMENT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def no_change() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as site:
        mkdocs = [python, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site]
        generate = [python, "-m", "generator", "build"]
        command_seconds(generate)  # fills the build cache: what follows is a no-change build
        docs_times, bare_times = [], []
        for _ in range(REPEATS):
            docs_times.append(command_seconds(generate) + command_seconds(mkdocs))
            bare_times.append(command_seconds(mkdocs))
    docs, bare = statistics.median(docs_times), statistics.median(bare_times)
    print(f"no-change make docs: {docs:.2f} s; bare mkdocs build --strict: {bare:.2f} s; ratio {docs / bare:.2f} (median of {REPEATS})")


if __name__ == "__main__":
    stages([Path(p) for p in sys.argv[1:]] or [ROOT / "scenarios"])
    no_change()
