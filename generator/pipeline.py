"""The orchestrator: reads as the pipeline.

    scenario --run (torch, sympy, verify, program)--> results --render (no torch)--> page files

`run_scenario` is the only place torch runs; every generated file is `render_scenario` of a
scenario and its results. `build` renders from the committed results whenever a fresh run
reproduces them (compare.py), so a page shows the run that was committed, on any machine.
"""

from __future__ import annotations

import difflib
import json
import platform as host
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from generator import comments, downloads, fingerprint, phases, torch_process
from generator import results as res
from generator.aside import Aside
from generator.cache import Cache, file_digest
from generator.claims import judge
from generator.codec import ResultsFormatError
from generator.compare import Comparison, compare, forgery_lines
from generator.errors import ForgeryError, GeneratorError, RunFailuresError, ScenarioError, UsageError, WorkerError
from generator.kinds import KINDS
from generator.kinds.base import Solved
from generator.languages import TEMPLATES, default, languages, page_name
from generator.loading import load_scenarios, scenario_links
from generator.notebook import notebook
from generator.overview import Generated, all_files, errata_claim, index_paths, index_texts
from generator.program import run_program, start_server
from generator.render import ClaimView, PageContext, PrintedOutput, claim_views, render_page
from generator.results import Data as Results
from generator.scenario import Scenario
from generator.write import check_out, exclusive, recover, refuse_foreign, write_output

R = TypeVar("R")
WORKERS = 2  # most of a run's wall time is the shown programs' own interpreter start-up
# The main thread waits for the scenarios in slices this long. A Ctrl-C that lands as it enters a
# wait is only flagged (CPython runs a signal's handler between bytecodes, and a lock it is about to
# block on does not see it); waking each slice, it raises KeyboardInterrupt then, not when the
# scenario ends. Not a deadline: a scenario may take as long as it takes.
INTERRUPT_SLICE = 0.1


def platform() -> dict[str, str]:
    """The machine whose floats a run records: in words, and its rounding fingerprint (fingerprint.py)."""
    version, capability = torch_process.torch_facts()
    return {
        "torch": version,
        "python": host.python_version(),
        "machine": host.machine(),
        "cpu_capability": capability,
        "fingerprint": torch_process.fingerprint_here(),
    }


@contextmanager
def worker_errors_named(scenario: Scenario) -> Iterator[None]:
    """A WorkerError raised inside (torch's worker killed or crashed) names the scenario it ran for."""
    try:
        yield
    except WorkerError as error:
        raise WorkerError(f"{scenario.source}: {error}") from None


def run_scenario(scenario: Scenario) -> res.Run[object]:
    """Torch, the exact twin, the check of one against the other, the shown program and the self-check
    of what it printed: the results. Raises on any failure, so a failed run is never kept."""
    phases.reached("running")
    kind = KINDS[scenario.kind]
    with worker_errors_named(scenario):
        exact = kind.derive(scenario)  # first: meanwhile the program server, which runs torch, may still be starting
        solved = Solved(scenario, torch_process.compute(scenario), exact)
        machine = platform()  # found once a build, in a worker too
    bounds = kind.verify(solved)
    printed = run_program(kind.program(scenario), scenario.slug, scenario.source)
    phases.reached("program")
    run = res.Run(res.header(scenario, machine, printed), kind.record(solved, bounds), ())
    downloads.self_check_run(kind.name, scenario.source, printed, downloads.expected(kind.printed(run.body)))
    verdicts, problems = judge(scenario.source, scenario.header.claims, run.data())
    if problems:
        raise ScenarioError(problems)
    return replace(run, claims=tuple(verdicts))


def each_scenario(action: Callable[[Scenario], R], scenarios: list[Scenario]) -> list[R]:
    """`action` on every scenario, WORKERS at a time, in order. Every scenario runs even when some
    fail; then RunFailuresError lists each failure (naming its file), and nothing is returned to write."""

    def attempt(scenario: Scenario) -> R | GeneratorError:
        try:
            return action(scenario)
        except GeneratorError as error:
            return error

    pool = ThreadPoolExecutor(max_workers=WORKERS, initializer=phases.main_thread_only)
    try:
        futures = [pool.submit(attempt, scenario) for scenario in scenarios]
        pending = set(futures)
        while pending:
            pending = wait(pending, timeout=INTERRUPT_SLICE).not_done
        outcomes = [future.result() for future in futures]
    finally:  # interrupted: the scenarios not started yet never start, and nothing waits for them
        pool.shutdown(wait=False, cancel_futures=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, GeneratorError)]
    if failures:
        raise RunFailuresError(failures)
    return [outcome for outcome in outcomes if not isinstance(outcome, GeneratorError)]


def results_name(scenario: Scenario) -> str:
    return f"{scenario.slug}.json"


def typed(scenario: Scenario, results: Results) -> res.Run[object]:
    """A results file's data as its kind's typed Run (codec.ResultsFormatError where it does not fit)."""
    return res.read_run(KINDS[scenario.kind].results, results, results_name(scenario))


def page_titles(scenario: Scenario) -> dict[str, str]:
    return {language: scenario.title_in(language) for language in languages()}


def linked_titles(scenario: Scenario) -> dict[str, dict[str, str]]:
    """language -> {slug: title} of the pages the scenario links to (loading.scenario_links), read from
    their scenario files beside this one, so that a link says the page's title; a file that cannot
    be read is left out (the link then says the slug; loading.check_links refuses a missing page)."""
    found: dict[str, dict[str, str]] = {language: {} for language in languages()}
    for _, slug in scenario_links(scenario):
        try:
            table = tomllib.loads((Path(scenario.source).parent / f"{slug}.toml").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        titles = table.get("titles", {}) if isinstance(table.get("titles"), dict) else {}
        for language in found:
            title = titles.get(language, table.get("title"))
            if isinstance(title, str):
                found[language][slug] = title
    return found


def render_scenario(scenario: Scenario, run: res.Run[object], results_bytes: bytes | None = None) -> Generated:
    """Every file of one scenario from its results: pure, no torch. `results_bytes` is
    run.dumps() when the caller has it already (a long run's results are megabytes)."""
    kind = KINDS[scenario.kind]
    printed, short = PrintedOutput.of(run.header.printed), PrintedOutput.of(run.header.printed, 30, 10)
    claims = claim_views(run.claims)
    program = kind.program(scenario)
    scenario_name = downloads.scenario_name(scenario.slug) if scenario.header.text else ""
    extra = kind.files(scenario, run.body, default())
    values = downloads.expected(kind.printed(run.body))
    titles = page_titles(scenario)
    linked = linked_titles(scenario)
    results_text = results_bytes if results_bytes is not None else run.dumps().encode("utf-8")
    data = json.loads(results_text)
    pages, downloaded = {}, {}
    for language, title in titles.items():
        shown = comments.translate(program, language)  # the program that ran, its comments in this edition's words
        script_name, notebook_name = page_name(scenario.slug, language, ".py"), page_name(scenario.slug, language, ".ipynb")
        context = PageContext(scenario, kind.view(scenario, run.body, language), shown, printed, short,
                              res.platform_text(run.header.platform), results_name(scenario), claims,
                              claim_rows=tuple(errata_claim(c, kind.name, language) for c in claims), title=title,
                              script=script_name, notebook=notebook_name, facts=getattr(run.body, "facts", None),
                              torch=run.header.platform.get("torch", "?"), machine=res.machine(run.header.platform),
                              translated=shown != program, scenario_file=scenario_name,
                              linked=linked[language], results=data)
        page = render_page(kind.template, context, language)
        pages[page_name(scenario.slug, language)] = page.encode("utf-8")
        script = downloads.script(scenario.source, scenario.slug, program, values, language)
        downloaded[script_name] = script.encode("utf-8")
        notebook_text = notebook(page, extra, shown, run.header.printed, values, language, scenario.source, kind.name)
        downloaded[notebook_name] = notebook_text.encode("utf-8")
    files = {
        **pages,
        results_name(scenario): results_text,
        **extra,
        **downloaded,
    }
    if scenario_name:
        files[scenario_name] = downloads.scenario_copy(scenario.source, scenario.slug, scenario.header.text).encode("utf-8")
    return Generated(scenario.slug, kind.name, titles, files, claims)


Before = tuple[str, bytes, Generated | None]  # rendered_before's answer: the render key, the results bytes, the files if cached


def rendered_before(scenario: Scenario, run: res.Run[object], out: Path, cache: Cache) -> Before:
    """The render cache's key for this run, its results bytes, and the output folder's files when
    the cache says a render with the same results, scenario, templates and code gave exactly them."""
    results_bytes = run.dumps().encode("utf-8")
    linked = json.dumps(linked_titles(scenario), sort_keys=True, ensure_ascii=False).encode("utf-8")
    key = cache.render_key(scenario, results_bytes + linked, TEMPLATES)  # a linked page's new title renders again
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
            return key, results_bytes, Generated(scenario.slug, scenario.kind, page_titles(scenario), files, claim_views(run.claims))
    return key, results_bytes, None


def render_cached(scenario: Scenario, run: res.Run[object], out: Path, cache: Cache, aside: Aside | None = None,
                  before: Before | None = None) -> Generated:
    """render_scenario, or the output folder's files when the cache says a render with the same
    results, scenario, templates and code gave exactly them; the render from `aside`'s second
    process when it made one. `before`: rendered_before's answer, when the caller has it already."""
    key, results_bytes, found = before or rendered_before(scenario, run, out, cache)
    if found is not None:
        return found
    generated = (aside.take(scenario.slug) if aside is not None else None) or render_scenario(scenario, run, results_bytes)
    cache.put_rendered(scenario, key, generated.files)
    return generated


def chosen_and_rendered_before(scenario: Scenario, out: Path, cache: Cache, refresh: bool, rerun: bool,
                               aside: Aside | None) -> tuple[Record, Before]:
    """choose_record, with rendered_before's answer, which render_cached then need not work out
    again (the results' JSON, the linked titles, the output folder's digests); unless the cache
    holds the render, it starts in `aside`'s second process, if there is one."""
    record = choose_record(scenario, out, cache, refresh, rerun)
    before = rendered_before(record.scenario, record.run, out, cache)
    _, results_bytes, found = before
    if found is None and aside is not None:
        aside.submit(scenario.slug, record.scenario, record.run, results_bytes)
    return record, before


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
    run: res.Run[object]
    kept: bool  # the committed results, reproduced by this machine's run
    rounded: int  # torch values this machine's run rounded differently, all within their bounds


@dataclass(frozen=True)
class CachedRun:
    """This machine's run of a scenario, and whether it came from the build cache."""

    run: res.Run[object]
    cached: bool


def cached_run(scenario: Scenario, cache: Cache, rerun: bool = False) -> CachedRun:
    """This machine's run: from the cache when it holds a verified one under this scenario's key
    (unless `rerun`), else run now and remembered."""
    stored = None if rerun else cache.get(scenario)
    if stored is not None:
        try:
            return CachedRun(typed(scenario, stored), cached=True)
        except ResultsFormatError as error:
            cache.report(scenario, f"{error} (discarded)")
    start_server()
    fresh = run_scenario(scenario)
    cache.put(scenario, fresh.data())
    return CachedRun(fresh, cached=False)


def choose_record(scenario: Scenario, out: Path, cache: Cache, refresh: bool, rerun: bool, confirm: bool = True) -> Record:
    """This machine's run (`cached_run`), and the committed results instead whenever that run
    reproduces them, unless `refresh`. Committed results with the rounding fingerprint of the
    machine that ran are bit-identical to its run, or forged: ForgeryError, and nothing is written.
    With `confirm` (a build, which writes), a cache entry may confirm the committed results but never
    replace them: then the scenario runs again, and an entry that differs from that run is replaced,
    with one line saying so."""
    found = cached_run(scenario, cache, rerun)
    committed = None if refresh else committed_results(scenario, out)
    run = stamped(scenario, found.run)
    comparison = _compared(committed, run)
    if confirm and found.cached and not (comparison is not None and comparison.reproduced):
        fresh = cached_run(scenario, cache, rerun=True)
        if fresh.run.dumps() != found.run.dumps():
            cache.report(scenario, "it differs from a run of the same scenario (replaced)")
        run = stamped(scenario, fresh.run)
        comparison = _compared(committed, run)
    if committed is None or comparison is None:
        return Record(scenario, run, False, 0)
    if comparison.forged:
        lines = forgery_lines(f"{out / results_name(scenario)}: {scenario.source}", comparison, run.header.platform["fingerprint"])
        raise ForgeryError("\n".join(lines))
    if comparison.reproduced:
        return Record(scenario, typed(scenario, committed), True, comparison.rounded)
    return Record(scenario, run, False, 0)


def _compared(committed: Results | None, run: res.Run[object]) -> Comparison | None:
    """The committed results against a stamped run, compared bit for bit where the fingerprints agree."""
    return None if committed is None else compare(committed, run.data(), run.header.platform["fingerprint"])


def stamped(scenario: Scenario, run: res.Run[object]) -> res.Run[object]:
    """A run of `scenario` with the rounding fingerprint of the machine that ran it: GENERATOR_FINGERPRINT
    when set (it stands for this machine), else the one the run recorded (a cached run was this
    machine's, under a key that covers torch's version), measured now only when it has none."""
    platform = run.header.platform
    with worker_errors_named(scenario):
        here = fingerprint.override() or platform.get("fingerprint") or torch_process.fingerprint_here()
    if platform.get("fingerprint") == here:
        return run
    return replace(run, header=replace(run.header, platform=platform | {"fingerprint": here}))


@dataclass(frozen=True)
class Built:
    """What a build wrote: every scenario's record and files, and the names that changed."""

    records: list[Record]
    generated: list[Generated]
    changed: list[str]


def build(paths: list[Path], out: Path, refresh: bool = False, rerun: bool = False, render_aside: bool = False) -> Built:
    """Run (or take from the cache) every scenario, keep the committed results where this machine's
    run reproduces them, render, and replace the output folder and the index regions atomically.
    With `render_aside` (the command line), pages render in a second process while the next
    scenarios run (aside.py)."""
    check_out(out, paths)  # before the slow part: say at once that nothing will be written
    with exclusive(out):  # one build or check at a time in a folder
        recover(out, [path for path, _ in index_paths(out)])
        refuse_foreign(out)
        cache = Cache()
        aside = Aside() if render_aside else None
        with aside if aside is not None else nullcontext():
            if aside is not None:
                aside.start_early()
            action = partial(chosen_and_rendered_before, out=out, cache=cache, refresh=refresh, rerun=rerun, aside=aside)
            chosen = each_scenario(action, load_scenarios(paths))
            records = [record for record, _ in chosen]
            generated = [render_cached(r.scenario, r.run, out, cache, aside, before) for r, before in chosen]
        try:
            changed = write_output(all_files(generated), out, index_texts(out, generated))
        except OSError as error:
            raise UsageError(f"--out {out.as_posix()}: cannot write there: {error.strerror or error}") from None
    return Built(records, generated, changed)


def claim_verdicts(paths: list[Path]) -> list[tuple[Scenario, ClaimView]]:
    """Every claim of the scenarios with its verdict, by the exact values of a run (the build
    cache's when it holds a verified one for the same scenario and code)."""
    scenarios = load_scenarios(paths)
    runs = each_scenario(partial(cached_run, cache=Cache()), scenarios)
    return [(scenario, claim) for scenario, found in zip(scenarios, runs) for claim in claim_views(found.run.claims)]


@dataclass
class Checked:
    """What check found: the results' differences (compare.py), the files that differ from a
    render of the committed results (unified diffs), and how each scenario was compared."""

    here: str  # this machine's rounding fingerprint
    problems: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    comparisons: list[tuple[str, Comparison]] = field(default_factory=list)  # (results file, comparison)
    committed_platforms: set[str] = field(default_factory=set)
    platform_here: str = "?"

    @property
    def forged(self) -> bool:
        return any(c.forged for _, c in self.comparisons)


def check(paths: list[Path], out: Path, render_aside: bool = False) -> Checked:
    """Rerun every scenario; the committed results must be reproduced (compare.py), and every
    committed page, plot and index region must be what rendering the committed results gives.
    With `render_aside` (the command line), pages render in a second process while the next
    scenarios run, as build's do (aside.py)."""
    check_out(out, paths)
    with exclusive(out):  # not while a build replaces the folder
        recover(out, [path for path, _ in index_paths(out)])  # a build killed part way: finished or undone, as build does
        refuse_foreign(out)  # the same refusal, and advice, as build's
        return _check(paths, out, render_aside)


@dataclass(frozen=True)
class Rechecked:
    """One scenario rerun by check: the fresh run, the record its pages render from (the committed
    results when the run reproduces them), and what the comparison found."""

    scenario: Scenario
    fresh: res.Run[object]
    record: res.Run[object]
    problems: list[str]
    comparison: tuple[str, Comparison] | None  # (results file, comparison); None when none is committed
    committed_platform: str | None


def recheck(scenario: Scenario, out: Path, here: str, aside: Aside | None) -> Rechecked:
    """Rerun one scenario and compare it with its committed results; the render of the record
    starts in `aside`'s second process, if there is one."""
    fresh = run_scenario(scenario)
    committed = committed_results(scenario, out)
    name = f"{out / results_name(scenario)}: {scenario.source}"
    record, problems, compared, platform = fresh, [], None, None
    if committed is None:
        problems.append(f"{name}: missing or not JSON")
    else:
        comparison = compare(committed, fresh.data(), here)
        problems += [f"{name}: {line}" for line in comparison.differences]
        if comparison.forged:
            problems += forgery_lines(name, comparison, here)
        else:
            problems += [f"{name}: {line}" for line in comparison.mismatches]
        compared = (str(out / results_name(scenario)), comparison)
        platform = res.platform_text(committed.get("platform") or {"torch": committed["torch"]})
        if comparison.reproduced:
            record = typed(scenario, committed)
    if aside is not None:
        aside.submit(scenario.slug, scenario, record, record.dumps().encode("utf-8"))
    return Rechecked(scenario, fresh, record, problems, compared, platform)


def _check(paths: list[Path], out: Path, render_aside: bool = False) -> Checked:
    scenarios = load_scenarios(paths)
    aside = Aside() if render_aside else None
    with aside if aside is not None else nullcontext():
        if aside is not None:
            aside.start_early()  # forked before start_server starts a thread
        start_server()  # its torch import overlaps the first scenarios' exact derivations
        checked = Checked(torch_process.fingerprint_here())
        rechecked = each_scenario(partial(recheck, out=out, here=checked.here, aside=aside), scenarios)
        generated = [(aside.take(r.scenario.slug) if aside is not None else None) or render_scenario(r.scenario, r.record)
                     for r in rechecked]
    for one in rechecked:
        checked.problems += one.problems
        if one.comparison is not None:
            checked.comparisons.append(one.comparison)
        if one.committed_platform is not None:
            checked.committed_platforms.add(one.committed_platform)
    if rechecked:
        checked.platform_here = res.platform_text(rechecked[0].fresh.header.platform)
    expected = all_files(generated)
    committed_names = {p.name for p in out.glob("*")} if out.exists() else set()
    for file in sorted(committed_names | set(expected)):
        if file.endswith(".json") and file in expected and file in committed_names:
            continue  # compared above, semantically
        checked.diffs += _diff(out / file, expected[file].decode("utf-8") if file in expected else "")
    for index, text in index_texts(out, generated):
        checked.diffs += _diff(index, text)
    return checked


def _diff(path: Path, expected: str) -> list[str]:
    actual = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    if actual == expected:
        return []
    return list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), f"{path} (committed)", f"{path} (expected)"))
