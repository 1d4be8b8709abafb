"""The orchestrator: reads as the pipeline.

    scenario --run (torch, sympy, verify, program)--> results --render (no torch)--> page files

`run_scenario` is the only place torch runs; every generated file is `render_scenario` of a
scenario and its results. `build` renders from the committed results whenever a fresh run
reproduces them (compare.py), so a page shows the run that was committed, on any machine.
"""

from __future__ import annotations

import json
import platform as host
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from generator import downloads, fingerprint
from generator import results as res
from generator.cache import Cache, file_digest
from generator.claims import judge
from generator.compare import Comparison, compare, forgery_lines
from generator.errors import ForgeryError, GeneratorError, RunFailuresError, ScenarioError
from generator.fingerprint import single_threaded_torch
from generator.kinds import KINDS
from generator.kinds.base import Scenario, Solved
from generator.languages import TEMPLATES, default, languages, page_name
from generator.loading import load_scenarios
from generator.notebook import notebook
from generator.program import run_program, start_server
from generator.render import ERRATA, ClaimView, ErrataPage, PageContext, PrintedOutput, claim_views, render_errata, render_page
from generator.results import Record as Results

R = TypeVar("R")
WORKERS = 2  # most of a run's wall time is the shown programs' own interpreter start-up


@dataclass(frozen=True)
class Generated:
    """One scenario's output files (name -> bytes) and what the index lists of it."""

    slug: str
    kind: str
    titles: dict[str, str]  # language -> the page's title
    files: dict[str, bytes]
    claims: tuple[ClaimView, ...] = ()

    @property
    def title(self) -> str:
        return self.titles[default()]


def platform() -> dict[str, str]:
    """The machine whose floats a run records: in words, and its rounding fingerprint (fingerprint.py)."""
    import torch

    return {
        "torch": torch.__version__,
        "python": host.python_version(),
        "machine": host.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "fingerprint": fingerprint.fingerprint(),
    }


def run_scenario(scenario: Scenario) -> Results:
    """Torch, the exact twin, the check of one against the other, the shown program and the self-check
    of what it printed: the results. Raises on any failure, so a failed run is never kept."""
    single_threaded_torch()
    kind = KINDS[scenario.kind]
    solved = Solved(scenario, kind.compute(scenario), kind.derive(scenario))
    bounds = kind.verify(solved)
    printed = run_program(kind.program(scenario), scenario.slug, scenario.source)
    run = res.Run(res.header(scenario, platform(), printed), kind.record(solved, bounds), ())
    downloads.self_check_run(kind.name, scenario.source, printed, downloads.expected(kind.printed(run.body)))
    verdicts, problems = judge(scenario.source, scenario.header.claims, run.data())
    if problems:
        raise ScenarioError(problems)
    return replace(run, claims=tuple(verdicts)).data()


def each_scenario(action: Callable[[Scenario], R], scenarios: list[Scenario]) -> list[R]:
    """`action` on every scenario, WORKERS at a time, in order. Every scenario runs even when some
    fail; then RunFailuresError lists each failure (naming its file), and nothing is returned to write."""

    def attempt(scenario: Scenario) -> R | GeneratorError:
        try:
            return action(scenario)
        except GeneratorError as error:
            return error

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(attempt, scenarios))
    failures = [outcome for outcome in outcomes if isinstance(outcome, GeneratorError)]
    if failures:
        raise RunFailuresError(failures)
    return [outcome for outcome in outcomes if not isinstance(outcome, GeneratorError)]


def results_name(scenario: Scenario) -> str:
    return f"{scenario.slug}.json"


def typed(scenario: Scenario, results: Results) -> res.Run[Any]:
    """A results file's data as its kind's typed Run (codec.ResultsFormatError where it does not fit)."""
    return res.read_run(KINDS[scenario.kind].results, results, results_name(scenario))


def page_titles(scenario: Scenario) -> dict[str, str]:
    return {language: scenario.title_in(language) for language in languages()}


def render_scenario(scenario: Scenario, results: Results, results_bytes: bytes | None = None) -> Generated:
    """Every file of one scenario from its results: pure, no torch. `results_bytes` is
    res.dumps(results) when the caller has it already (a long run's results are megabytes)."""
    kind = KINDS[scenario.kind]
    run = typed(scenario, results)
    printed, short = PrintedOutput.of(run.header.printed), PrintedOutput.of(run.header.printed, 30, 10)
    claims = claim_views(run.claims)
    program = kind.program(scenario)
    script_name = f"{scenario.slug}.py"
    extra = kind.files(scenario, run.body, default())
    values = downloads.expected(kind.printed(run.body))
    titles = page_titles(scenario)
    pages, notebooks = {}, {}
    for language, title in titles.items():
        notebook_name = page_name(scenario.slug, language, ".ipynb")
        context = PageContext(scenario, kind.view(scenario, run.body, language), program, printed, short,
                              res.platform_text(run.header.platform), results_name(scenario), claims, title=title,
                              script=script_name, notebook=notebook_name)
        page = render_page(kind.template, context, language)
        pages[page_name(scenario.slug, language)] = page.encode("utf-8")
        notebook_text = notebook(page, extra, program, run.header.printed, values, language, scenario.source)
        notebooks[notebook_name] = notebook_text.encode("utf-8")
    files = {
        **pages,
        results_name(scenario): results_bytes if results_bytes is not None else res.dumps(results).encode("utf-8"),
        **extra,
        script_name: downloads.script(scenario.source, scenario.slug, program, values).encode("utf-8"),
        **notebooks,
    }
    return Generated(scenario.slug, kind.name, titles, files, claims)


def errata_files(generated: list[Generated]) -> dict[str, bytes]:
    """errata.md (and errata.<language>.md) when any scenario has claims: every claim with its verdict, from the results."""
    if not any(g.claims for g in generated):
        return {}
    built = {g.slug for g in generated}
    files = {}
    for language in languages():
        pages = [ErrataPage(g.slug, g.titles[language], g.claims) for g in generated if g.claims]
        files[page_name(ERRATA, language)] = render_errata(pages, built, language).encode("utf-8")
    return files


def render_cached(scenario: Scenario, results: Results, out: Path, cache: Cache) -> Generated:
    """render_scenario, or the output folder's files when the cache says a render with the same
    results, scenario, templates and code gave exactly them."""
    results_bytes = res.dumps(results).encode("utf-8")
    key = cache.render_key(scenario, results_bytes, TEMPLATES)
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
            run = typed(scenario, results)
            return Generated(scenario.slug, scenario.kind, page_titles(scenario), files, claim_views(run.claims))
    generated = render_scenario(scenario, results, results_bytes)
    cache.put_rendered(scenario, key, generated.files)
    return generated


def generate_scenario(scenario: Scenario) -> Generated:
    return render_scenario(scenario, run_scenario(scenario))


def generate(paths: list[Path]) -> list[Generated]:
    """Validate every file first (all problems at once), then run and render each scenario."""
    return each_scenario(generate_scenario, load_scenarios(paths))


def committed_results(scenario: Scenario, out: Path) -> Results | None:
    """The results file in the output folder, or None when it is missing or not JSON."""
    try:
        loaded = json.loads((out / results_name(scenario)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


@dataclass(frozen=True)
class Record:
    """The results a build renders from, and whether they are the committed ones."""

    scenario: Scenario
    results: Results
    kept: bool  # the committed results, reproduced by this machine's run
    rounded: int  # torch values this machine's run rounded differently, all within their bounds


@dataclass(frozen=True)
class Run:
    """This machine's run of a scenario, and whether it came from the build cache."""

    results: Results
    cached: bool


def cached_run(scenario: Scenario, cache: Cache, rerun: bool = False) -> Run:
    """This machine's run: from the cache when it holds a verified one under this scenario's key
    (unless `rerun`), else run now and remembered."""
    stored = None if rerun else cache.get(scenario)
    if stored is not None:
        return Run(stored, cached=True)
    start_server()
    fresh = run_scenario(scenario)
    cache.put(scenario, fresh)
    return Run(fresh, cached=False)


def choose_record(scenario: Scenario, out: Path, cache: Cache, refresh: bool, rerun: bool, confirm: bool = True) -> Record:
    """This machine's run (`cached_run`), and the committed results instead whenever that run
    reproduces them, unless `refresh`. Committed results with the rounding fingerprint of the
    machine that ran are bit-identical to its run, or forged: ForgeryError, and nothing is written.
    With `confirm` (a build, which writes), a cache entry may confirm the committed results but never
    replace them: then the scenario runs again, and an entry that differs from that run is replaced,
    with one line saying so."""
    run = cached_run(scenario, cache, rerun)
    committed = None if refresh else committed_results(scenario, out)
    results = stamped(run.results)
    comparison = _compared(committed, results)
    if confirm and run.cached and not (comparison is not None and comparison.reproduced):
        fresh = cached_run(scenario, cache, rerun=True)
        if res.dumps(fresh.results) != res.dumps(run.results):
            cache.report(scenario, "it differs from a run of the same scenario (replaced)")
        results = stamped(fresh.results)
        comparison = _compared(committed, results)
    if committed is None or comparison is None:
        return Record(scenario, results, False, 0)
    if comparison.forged:
        lines = forgery_lines(f"{out / results_name(scenario)}: {scenario.source}", comparison, results["platform"]["fingerprint"])
        raise ForgeryError("\n".join(lines))
    return Record(scenario, committed, True, comparison.rounded) if comparison.reproduced else Record(scenario, results, False, 0)


def _compared(committed: Results | None, results: Results) -> Comparison | None:
    """The committed results against a stamped run, compared bit for bit where the fingerprints agree."""
    return None if committed is None else compare(committed, results, results["platform"]["fingerprint"])


def stamped(results: Results) -> Results:
    """A run with the rounding fingerprint of the machine that ran it: GENERATOR_FINGERPRINT when
    set (it stands for this machine), else the one the run recorded (a cached run was this
    machine's, under a key that covers torch's version), measured now only when it has none."""
    platform = results["platform"]
    here = fingerprint.override() or platform.get("fingerprint") or fingerprint.fingerprint()
    return results if platform.get("fingerprint") == here else results | {"platform": platform | {"fingerprint": here}}


def build_records(paths: list[Path], out: Path, cache: Cache, refresh: bool, rerun: bool) -> list[Record]:
    return each_scenario(partial(choose_record, out=out, cache=cache, refresh=refresh, rerun=rerun), load_scenarios(paths))
