"""Benchmark: where a build's time goes, per scenario and stage. Prints figures; asserts nothing.

    .venv/bin/python tests/bench_build.py [PATH ...]     (or `make bench`)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.kinds import registry  # noqa: E402
from generator.loading import load_scenarios  # noqa: E402
from generator.program import run_program  # noqa: E402

STAGES = ("compute", "derive", "verify", "program", "page")
REPEATS = 3


def timed(action, *arguments):
    start = time.perf_counter()
    result = action(*arguments)
    return result, time.perf_counter() - start


def shown_program(kind, scenario) -> str:
    return run_program(kind.program(scenario), scenario.slug)


def page_and_files(kind, scenario, trace, exact):
    return kind.page(scenario, trace, exact), kind.files(scenario, trace, exact)


def main(paths: list[Path]) -> None:
    scenarios, load_time = timed(load_scenarios, paths)
    print(f"load and validate {len(scenarios)} scenarios: {load_time * 1000:.0f} ms")
    print(f"{'scenario':28} " + " ".join(f"{stage:>9}" for stage in STAGES) + "   (median of 3, ms)")
    for scenario in scenarios:
        kind = registry()[scenario.kind]
        samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
        for _ in range(REPEATS):
            trace, seconds = timed(kind.compute, scenario)
            samples["compute"].append(seconds)
            exact, seconds = timed(kind.derive, scenario)
            samples["derive"].append(seconds)
            samples["verify"].append(timed(kind.verify, scenario, trace, exact)[1])
            samples["program"].append(timed(shown_program, kind, scenario)[1])
            samples["page"].append(timed(page_and_files, kind, scenario, trace, exact)[1])
        print(f"{scenario.slug:28} " + " ".join(f"{statistics.median(samples[s]) * 1000:9.0f}" for s in STAGES))


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or [ROOT / "scenarios"])
