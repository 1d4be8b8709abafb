"""The orchestrator: reads as the pipeline.

    scenario --run (torch, sympy, verify, program)--> results --render (no torch)--> page files

`run_scenario` is the only place torch runs; every generated file is `render_scenario` of a
scenario and its results. `build` renders from the committed results whenever a fresh run
reproduces them (compare.py), so a page shows the run that was committed, on any machine.
"""

from __future__ import annotations

import json
import platform as host
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import render
from generator import results as res
from generator.cache import Cache, file_digest
from generator.compare import compare
from generator.kinds import KINDS
from generator.loading import load_scenarios
from generator.program import run_program
from generator.render import Common, render_page

WORKERS = 2  # most of a run's wall time is the shown programs' own interpreter start-up


@dataclass(frozen=True)
class Generated:
    """One scenario's output files (name -> bytes) and what the index lists of it."""

    slug: str
    kind: str
    title: str
    files: dict[str, bytes]


def platform() -> dict[str, str]:
    """The machine whose floats a run records."""
    import torch

    return {
        "torch": torch.__version__,
        "python": host.python_version(),
        "machine": host.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


def run_scenario(scenario: Any) -> dict[str, Any]:
    """Torch, the exact twin, the check of one against the other, the shown program: the results."""
    kind = KINDS[scenario.kind]
    trace = kind.compute(scenario)
    exact = kind.derive(scenario)
    bounds = kind.verify(scenario, trace, exact)
    printed = run_program(kind.program(scenario), scenario.slug)
    return res.header(scenario, platform(), printed) | kind.record(scenario, trace, exact, bounds)


def results_name(scenario: Any) -> str:
    return f"{scenario.slug}.json"


def render_scenario(scenario: Any, results: dict[str, Any]) -> Generated:
    """Every file of one scenario from its results: pure, no torch."""
    kind = KINDS[scenario.kind]
    view = kind.view(scenario, results)
    common = Common(scenario, view, kind.program(scenario), results["printed"], res.platform_text(results), results_name(scenario))
    files = {
        f"{scenario.slug}.md": render_page(kind.template, common).encode("utf-8"),
        results_name(scenario): res.dumps(results).encode("utf-8"),
        **kind.files(scenario, results),
    }
    return Generated(scenario.slug, kind.name, scenario.title, files)


def render_cached(scenario: Any, results: dict[str, Any], out: Path, cache: Cache) -> Generated:
    """render_scenario, or the output folder's files when the cache says a render with the same
    results, scenario, templates and code gave exactly them."""
    results_bytes = res.dumps(results).encode("utf-8")
    key = cache.render_key(scenario, results_bytes, render.TEMPLATES)
    digests = cache.rendered(scenario, key) or {}
    files = {}
    for name, digest in digests.items():
        path = out / name
        content = path.read_bytes() if path.is_file() else b""
        if file_digest(content) != digest:
            break
        files[name] = content
    else:
        if files:
            return Generated(scenario.slug, scenario.kind, scenario.title, files)
    generated = render_scenario(scenario, results)
    cache.put_rendered(scenario, key, generated.files)
    return generated


def generate_scenario(scenario: Any) -> Generated:
    return render_scenario(scenario, run_scenario(scenario))


def generate(paths: list[Path]) -> list[Generated]:
    """Validate every file first (all problems at once), then run and render each scenario."""
    scenarios = load_scenarios(paths)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(generate_scenario, scenarios))


def committed_results(scenario: Any, out: Path) -> dict[str, Any] | None:
    """The results file in the output folder, or None when it is missing or not JSON."""
    try:
        loaded = json.loads((out / results_name(scenario)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


@dataclass(frozen=True)
class Record:
    """The results a build renders from, and whether they are the committed ones."""

    scenario: Any
    results: dict[str, Any]
    kept: bool  # the committed results, reproduced by this machine's run
    rounded: int  # torch values this machine's run rounded differently, all within their bounds


def choose_record(scenario: Any, out: Path, cache: Cache, refresh: bool, rerun: bool) -> Record:
    """This machine's run (from the cache when it holds one for the same inputs and code, unless
    `rerun`), and the committed results instead whenever that run reproduces them, unless `refresh`."""
    fresh = None if rerun else cache.get(scenario)
    if fresh is None:
        fresh = run_scenario(scenario)
        cache.put(scenario, fresh)
    committed = None if refresh else committed_results(scenario, out)
    if committed is not None:
        comparison = compare(committed, fresh)
        if comparison.reproduced:
            return Record(scenario, committed, True, comparison.rounded)
    return Record(scenario, fresh, False, 0)


def build_records(paths: list[Path], out: Path, cache: Cache, refresh: bool, rerun: bool) -> list[Record]:
    scenarios = load_scenarios(paths)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda s: choose_record(s, out, cache, refresh, rerun), scenarios))
