"""The orchestrator: reads as the pipeline, scenario file to page files."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from generator import results as res
from generator.kinds import registry
from generator.loading import load_scenarios
from generator.program import run_program
from generator.render import Common, render_page


@dataclass(frozen=True)
class Generated:
    """One scenario's output files (name -> bytes) and what the index lists of it."""

    slug: str
    kind: str
    title: str
    files: dict[str, bytes]


def generate_scenario(scenario: Any) -> Generated:
    kind = registry()[scenario.kind]
    trace = kind.compute(scenario)
    exact = kind.derive(scenario)
    kind.verify(scenario, trace, exact)
    program = kind.program(scenario)
    printed = run_program(program, scenario.slug)
    results = kind.results(scenario, trace, exact)
    view = kind.page(scenario, trace, exact)
    results_file = f"{scenario.slug}.json"
    common = Common(scenario, view, program, printed, torch.__version__, results_file)
    files = {
        f"{scenario.slug}.md": render_page(kind.template, common).encode("utf-8"),
        results_file: res.dumps(results).encode("utf-8"),
        **kind.files(scenario, trace, exact),
    }
    return Generated(scenario.slug, kind.name, scenario.title, files)


def generate(paths: list[Path]) -> list[Generated]:
    """Validate every file first (all problems at once), then run each scenario; two at a time,
    since most of the wall time is the shown programs' own torch start-up."""
    scenarios = load_scenarios(paths)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(generate_scenario, scenarios))
