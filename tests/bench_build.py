"""Benchmark: where a build's time goes. Prints figures; asserts nothing. Run `make bench`.

1. per scenario and stage (median of 3, in process, each stage as a cold build pays it), and the
   learning-rate sweep's share of each linreg-sgd scenario;
2. whole commands, each a median of REPEATS runs, measured alternately in one run, with peak RSS:
   cold `make docs RERUN=1` (generator/site.py: generator build --rerun, both editions' strict MkDocs
   builds started beside it and building in parallel once it is done), no-change `make docs`,
   a bare strict `mkdocs build` of the same docs/ and the same build with the navigation written
   out by hand (no hook work), 100 and 200 generated scenarios (half MSE, half SGD of the source
   post's size) in a temporary copy, and the scenario at the documented limits;
3. `make serve`: from saving a scenario or template edit to the changed page being served;
4. the import floor (torch, sympy, matplotlib) that 100 scenarios are compared with;
5. cold, the source post's 3 scenarios against bench/peer/, alternating, and where each one's CPU
   goes (tests/bench_cpu.py), with the floors inside ours: each import, the generator alone, each
   edition's build alone;
6. `make test` (the whole suite, as the README runs it), where its CPU goes, its slowest steps.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_cpu import Measured, docs_kind, measured, suite_kind  # noqa: E402

from generator.kinds import KINDS  # noqa: E402
from generator.kinds.base import Solved  # noqa: E402
from generator.languages import default, languages  # noqa: E402
from generator.loading import load_scenarios  # noqa: E402
from generator.program import run_program  # noqa: E402

STAGES = ("compute", "derive", "verify", "program", "page")
REPEATS = 3
RATIO_REPEATS = 7  # the rows a target compares (no-change and bare builds; ours and the peer), alternating
ENVIRONMENT = os.environ | {"NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
PYTHON = sys.executable
PYPLOT = "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot"  # as generator/plot.py imports it
FLOOR = f"import torch, sympy; {PYPLOT}"  # issue 29's import floor
FLOOR_DYNAMO = f"import torch, torch._dynamo, sympy; {PYPLOT}"


def timed(action, *arguments):
    start = time.perf_counter()
    result = action(*arguments)
    return result, time.perf_counter() - start


def shown_program(kind, scenario) -> str:
    return run_program(kind.program(scenario), scenario.slug, scenario.source)


def page_and_files(kind, scenario, run):
    return [kind.view(scenario, run.body, language) for language in languages()], kind.files(scenario, run.body, default())


def forget_scenarios() -> None:
    """Empty what a process keeps of the scenarios it has seen (the kinds' caches, the plots drawn),
    so that a stage is timed as a cold build pays it, once a scenario."""
    from generator import plot

    for name, module in list(sys.modules.items()):
        if name.startswith("generator.kinds."):
            for value in vars(module).values():
                if getattr(value, "__module__", None) == name and callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    plot.forget_drawn()


def cold_timed(action, *arguments):
    forget_scenarios()
    return timed(action, *arguments)


def stages(paths: list[Path]) -> None:
    from generator.pipeline import run_scenario

    scenarios, load_time = timed(load_scenarios, paths)
    print(f"load and validate {len(scenarios)} scenarios: {load_time * 1000:.0f} ms")
    print(f"{'scenario':28} " + " ".join(f"{stage:>9}" for stage in STAGES) +
          "   (median of 3, ms, each stage as a cold build pays it; programs forked from a warm server)")
    for scenario in scenarios:
        kind = KINDS[scenario.kind]
        samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
        results = run_scenario(scenario)
        for _ in range(REPEATS):
            trace, seconds = cold_timed(kind.compute, scenario)
            samples["compute"].append(seconds)
            exact, seconds = cold_timed(kind.derive, scenario)
            samples["derive"].append(seconds)
            samples["verify"].append(cold_timed(kind.verify, Solved(scenario, trace, exact))[1])
            samples["program"].append(cold_timed(shown_program, kind, scenario)[1])
            samples["page"].append(cold_timed(page_and_files, kind, scenario, results)[1])
        print(f"{scenario.slug:28} " + " ".join(f"{statistics.median(samples[s]) * 1000:9.0f}" for s in STAGES))
    sweeps([s for s in scenarios if s.kind == "linreg-sgd"])


def sweeps(scenarios: list) -> None:
    """The learning-rate sweep's own share of each linreg-sgd row above: its runs at every rate of
    its grid, torch's and the exact ones, and their bounds."""
    from generator.kinds.linreg_sgd import shuffle, sweep

    print(f"{'the sweep, within the rows above':34} {'rates':>5} {'compute':>9} {'derive':>9} {'verify':>9}   (median of 3, ms)")
    for s in scenarios:
        samples: dict[str, list[float]] = {"compute": [], "derive": [], "verify": []}
        for _ in range(REPEATS):
            traces, seconds = cold_timed(sweep.torch_runs, s)
            samples["compute"].append(seconds)
            exacts, seconds = cold_timed(lambda scenario: sweep.exact_runs(scenario, shuffle.schedule(scenario)), s)
            samples["derive"].append(seconds)
            samples["verify"].append(cold_timed(sweep.bounds, s, traces, exacts)[1])
        print(f"  {s.slug:32} {len(sweep.grid(s, sweep.curvature(s))):5d} " + " ".join(f"{statistics.median(samples[k]) * 1000:9.0f}" for k in samples))


def run(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and the peak RSS (MiB) of the largest process the command started."""
    start = time.perf_counter()
    wrapped = ["/usr/bin/time", "-f", "%M", *command] if Path("/usr/bin/time").exists() else command
    completed = subprocess.run(wrapped, cwd=cwd, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{completed.stderr}")
    seconds = time.perf_counter() - start
    last = completed.stderr.strip().splitlines()[-1:] or ["0"]
    rss = int(last[0]) // 1024 if last[0].isdigit() else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return seconds, rss


def measure(label: str, steps: list[tuple[list[str], Path]], before: list[tuple[list[str], Path]] | None = None) -> float:
    return alternating({label: steps}, REPEATS, {label: before or []})[label]


def alternating(rows: dict[str, list[tuple[list[str], Path]]], repeats: int,
                before: dict[str, list[tuple[list[str], Path]]] | None = None) -> dict[str, float]:
    """Each row's median of `repeats`, the rows run in turn (one of each, then again), so that a drift
    in the machine's speed reaches every row alike: for the rows a ratio compares. A row's `before`
    commands run, untimed, before each of its runs."""
    times: dict[str, list[float]] = {label: [] for label in rows}
    peaks = dict.fromkeys(rows, 0)
    for _ in range(repeats):
        for label, steps in rows.items():
            for command, cwd in (before or {}).get(label, []):
                run(command, cwd)
            total = 0.0
            for command, cwd in steps:
                seconds, rss = run(command, cwd)
                total, peaks[label] = total + seconds, max(peaks[label], rss)
            times[label].append(total)
    medians = {label: statistics.median(values) for label, values in times.items()}
    for label, median in medians.items():
        print(f"{label:58} {median:6.2f} s   peak RSS {peaks[label]:4d} MiB")
    return medians


def project_copy(folder: Path) -> Path:
    for name in ("scenarios", "docs", "templates", "generator", "overrides"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    for config in ROOT.glob("mkdocs*.yml"):
        shutil.copy(config, folder / config.name)
    return folder


def many_scenarios(folder: Path, count: int) -> Path:
    """`count` scenarios of the source post's size: half MSE, half SGD, numbers varied."""
    scenarios = folder / "scenarios"
    scenarios.mkdir(parents=True)
    for i in range(count):
        a, b = i % 7 + 1, i % 5 + 1
        if i % 2 == 0:
            text = f'kind = "mse"\ntitle = "mse {i}"\nX = [[{a}, 1], [4, {b}], [5, 3]]\nY = [[2, 2], [1, 4], [{b}, 2]]\n'
        else:
            text = (f'kind = "linreg-sgd"\ntitle = "sgd {i}"\nfeatures = [[1, 2], [4, {a}], [8, 1], [0, 1], [3, {b}], [1, 3]]\n'
                    f'labels = [1, 6, 2, 7, 1, 3]\nweight = [1, 2]\nlr = "0.02"\nbatch_size = 3\nepochs = 2\nseed = {i}\n')
        (scenarios / f"s{i:03d}.toml").write_text(text)
    return folder


def limit_scenario(folder: Path) -> Path:
    """200 samples x 2 features, batch size 4, 10 epochs: 500 steps, the documented limit."""
    scenarios = folder / "scenarios"
    scenarios.mkdir(parents=True)
    features = [[i % 7 + 1, (3 * i) % 5] for i in range(200)]
    labels = [i % 9 for i in range(200)]
    (scenarios / "limit.toml").write_text(
        f'kind = "linreg-sgd"\ntitle = "limit"\nfeatures = {features}\nlabels = {labels}\nweight = [1, 2]\n'
        'lr = "0.01"\nbatch_size = 4\nepochs = 10\n'
    )
    return folder


def commands() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        project = project_copy(base / "project")
        site = str(base / "site")
        mkdocs = [PYTHON, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site]
        # both editions at once, as `make site` builds them (the Chinese one into a folder of its own)
        build = f"{PYTHON} -m mkdocs build --strict --quiet"
        editions = ["sh", "-c", f"{build} -f mkdocs.yml --site-dir {site} & en=$!; {build} -f mkdocs.zh.yml --site-dir {site}-zh & zh=$!; "
                    "wait $en && wait $zh"]
        generate = [PYTHON, "-m", "generator", "build"]
        rerun = [*generate, "--rerun"]
        docs = [PYTHON, "-m", "generator.site", "--generate"]  # make docs: the editions' builds overlap the generator
        print(f"whole commands, median of {REPEATS}:")
        # cold: no build cache before each repeat (its render entries would serve the pages again)
        no_cache = [(["rm", "-rf", ".cache"], project)]
        cold = measure("cold make docs RERUN=1 (both editions)", [([*docs, "--rerun"], project)], before=no_cache)
        no_change, bare_label = "no-change make docs (both editions)", "bare mkdocs build --strict, both editions in parallel"
        print(f"  the next two alternate, median of {RATIO_REPEATS}:")
        medians = alternating({no_change: [(docs, project)], bare_label: [(editions, project)]}, RATIO_REPEATS)
        warm, bare = medians[no_change], medians[bare_label]
        measure("  the English edition alone", [(mkdocs, project)])
        config = (project / "mkdocs.yml").read_text()
        sys.path.insert(0, str(project))
        from generator.mkdocs_hooks import committed_kinds, scenario_nav

        nav = json.dumps(scenario_nav(project / "docs", "en", committed_kinds(project / "docs")))
        by_hand_config = config.replace("hooks:\n  - generator/mkdocs_hooks.py\n", "")  # no hook: the edition's pages by pattern
        (project / "mkdocs-nav.yml").write_text(by_hand_config + f"nav: {nav}\nexclude_docs: '*.zh.md'\n")
        by_hand = measure("mkdocs build, navigation written by hand, no hook", [([*mkdocs, "-f", "mkdocs-nav.yml"], project)])
        print(f"  ratios: no-change / bare {warm / bare:.2f} (target <= 1.3); bare / by hand {bare / by_hand:.2f} (target <= 1.5); "
              f"cold {cold:.2f} s (target <= 4)")
        floor = measure("import floor: torch, sympy, matplotlib in one interpreter", [([PYTHON, "-c", FLOOR], project)])
        measure("  and torch._dynamo, which an optimizer's step imports", [([PYTHON, "-c", FLOOR_DYNAMO], project)])
        times = {}
        for count in (100, 200):
            folder = many_scenarios(base / f"many{count}", count)
            times[count] = measure(f"{count} scenarios, cold (generator build --rerun)", [([*rerun, "--out", "out"], folder)],
                                   before=[(["rm", "-rf", "out", ".cache"], folder)])
        print(f"  ratios: 100 scenarios / import floor {times[100] / floor:.2f} (target <= 4); "
              f"200 / 100 {times[200] / times[100]:.2f} (target <= 2.1)")
        folder = base / "many100"
        shutil.rmtree(folder / "out")
        shutil.rmtree(folder / ".cache")
        print_spent("where 100 scenarios' time goes, one run", measured([*rerun, "--out", "out"], folder, docs_kind, ENVIRONMENT)[0])
        folder = limit_scenario(base / "limit")
        measure("the limit-size scenario, cold", [([*rerun, "--out", "out"], folder)], before=[(["rm", "-rf", "out", ".cache"], folder)])
        sizes = {p.name: p.stat().st_size for p in (folder / "out").iterdir()}
        print("  its files: " + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in sorted(sizes.items())))
        help_time = measure("python -m generator --help", [([PYTHON, "-m", "generator", "--help"], project)])
        print(f"  --help {help_time:.2f} s (target <= 0.5)")


def fetch(url: str) -> str:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def until_served(url: str, text: str, limit: float = 60.0) -> float:
    """Seconds from now until the page at `url` holds `text` (polled every 20 ms)."""
    start = time.perf_counter()
    while text not in fetch(url):
        if time.perf_counter() - start > limit:
            return math.inf
        time.sleep(0.02)
    return time.perf_counter() - start


def serve_edits() -> None:
    """`make serve`: the time from saving an edit to the server serving the changed page."""
    import socket

    with tempfile.TemporaryDirectory() as temporary:
        project = project_copy(Path(temporary) / "project")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([PYTHON, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=project, env=ENVIRONMENT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        page = f"http://127.0.0.1:{port}/scenarios/mse-mean/"
        scenario = project / "scenarios/mse-mean.toml"
        original = scenario.read_text()
        try:
            print("make serve, from saving an edit to the changed page being served (mse-mean, the source post's size):")
            print(f"  start-up until the first page is served   {until_served(page, 'X.grad'):6.2f} s")
            times = []
            for value in (11, 12, 13, 14):
                scenario.write_text(original.replace("X = [[3, 1]", f"X = [[{value}, 1]"))
                times.append(until_served(page, f"{value} - 2"))
            print(f"  first scenario edit (torch warming up)     {times[0]:6.2f} s")
            print(f"  scenario edits, median of 3               {statistics.median(times[1:]):6.2f} s   (target about 1.5 s)")
            scenario.write_text(original.replace("X = [[3, 1]", 'X = [["three", 1]'))
            print(f"  a broken scenario to its error page        {until_served(page, 'does not build'):6.2f} s")
            scenario.write_text(original)
            print(f"  fixed again                               {until_served(page, '3 - 2'):6.2f} s")
            template = project / "templates/en/mse.md.j2"
            template.write_text(template.read_text().replace("## 3. Their squares", "## 3. Their entrywise squares"))
            print(f"  a template sentence (every page re-renders) {until_served(page, 'entrywise squares'):5.2f} s")
        finally:
            server.terminate()
            server.wait(10)


def bound_tightness() -> None:
    """bound ÷ |torch − exact| (issue 20's targets: median <= 50, p90 <= 500, p99 <= 5,000)."""
    from samples import measured_ratios, random_tables

    from generator import tightness

    print("bound tightness, bound / |torch - exact| over values with an error (targets: median <= 50, p90 <= 500, p99 <= 5,000):")
    committed = []
    for path in sorted((ROOT / "docs" / "scenarios").glob("*.json")):
        ratios = tightness.ratios(json.loads(path.read_text(encoding="utf-8")))
        committed += ratios
        print(f"  {path.stem:34} {tightness.summary(ratios)}")
    print(f"  {'all committed results':34} {tightness.summary(committed)}")
    every = []
    for kind in ("mse", "regression-losses", "linreg-sgd"):
        ratios = [r for table in random_tables(kind, 20) for r in measured_ratios(table)]
        every += ratios
        print(f"  {'20 random ' + kind:34} {tightness.summary(ratios)}")
    print(f"  {'all random':34} {tightness.summary(every)}")


PEER_SCENARIOS = ("mse-mean", "mse-sum", "linreg-sgd")  # the source post's three computations


def peer_comparison() -> None:
    """Cold `make docs RERUN=1` with the source post's three scenarios (both editions, downloads,
    the exact check) against bench/peer/, MkDocs + markdown-exec running the same three computations
    with torch in one edition; runs alternate, RATIO_REPEATS of each, in one session."""
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        project = project_copy(base / "project")
        for path in (project / "scenarios").glob("*.toml"):
            if path.stem not in PEER_SCENARIOS:
                path.unlink()
            else:  # links to scenarios not in this build
                kept = [line for line in path.read_text().splitlines() if not line.startswith(("see_also", "zero_grad_page"))]
                path.write_text("\n".join(kept) + "\n")
        shutil.rmtree(project / "docs" / "scenarios")
        (project / "docs" / "scenarios").mkdir()
        ours = "ours: make docs RERUN=1, 2 editions"
        peer = "peer: MkDocs + markdown-exec, 1 edition"
        steps = {ours: [([PYTHON, "-m", "generator.site", "--generate", "--rerun"], project)],
                 peer: [([PYTHON, "-m", "mkdocs", "build", "--quiet", "-f", str(ROOT / "bench" / "peer" / "mkdocs.yml"),
                          "--site-dir", str(base / "peer")], ROOT)]}
        # as the first time: no pages, no build cache (its render entries would serve them)
        first_time = {ours: [(["sh", "-c", "rm -rf .cache docs/scenarios/*"], project)]}
        medians = alternating(steps, RATIO_REPEATS, before=first_time)
        ours_time, peer_time = medians[ours], medians[peer]
        print(f"source post's 3 scenarios, cold, alternating, median of {RATIO_REPEATS}: ours (2 editions) {ours_time:.2f} s, "
              f"MkDocs + markdown-exec peer (1 edition) {peer_time:.2f} s: {ours_time / peer_time:.2f}x (target <= 0.8)")
        print(f"where their time goes, one run of each ({os.cpu_count()} cores; busy CPU-s are the whole machine's):")
        for label in (ours, peer):
            for command, cwd in first_time.get(label, []):
                run(command, cwd)
            command, cwd = steps[label][0]
            print_spent(label, measured(command, cwd, docs_kind, ENVIRONMENT)[0])
        parts = {"import torch": "import torch", "import sympy": "import sympy",
                 "import matplotlib.pyplot": PYPLOT,
                 "import mkdocs, its theme and plugins, load mkdocs.zh.yml and jieba's dictionary":
                     "from generator.site_edition import get_ready; get_ready('mkdocs', ['build', '-f', 'mkdocs.zh.yml'])"}
        print(f"  the floors inside ours, each alone in a fresh interpreter (median of {REPEATS}):")
        for label, code in parts.items():
            measure(f"    {label}", [([PYTHON, "-c", code], project)])
        measure("    python -m generator build --rerun (3 scenarios, no site)", [([PYTHON, "-m", "generator", "build", "--rerun"], project)],
                before=[(["rm", "-rf", ".cache"], project)])
        for config in ("mkdocs.yml", "mkdocs.zh.yml"):
            measure(f"    mkdocs build -f {config} (its pages generated)", [([PYTHON, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", config,
                                                                            "--site-dir", str(base / "alone")], project)])


def print_spent(label: str, spent: Measured) -> None:
    print(f"  {label}: {spent.wall:.2f} s, {spent.busy:.1f} busy CPU-s")
    for line in spent.lines(indent="    ", smallest=0.1):
        print(line)


def suite() -> None:
    """`make test` once the venv exists, as the README runs it: its time, its CPU, where the CPU goes
    and its five slowest tests (pytest's --durations)."""
    spent, completed = measured(["make", "test"], ROOT, suite_kind)
    summary = next((line for line in reversed(completed.stdout.splitlines()) if " passed" in line or " failed" in line), "(no summary)")
    print(f"make test, the whole suite on {os.cpu_count()} cores: {spent.wall:.1f} s (target <= 120 s), "
          f"{spent.busy:.0f} busy CPU-s; {summary.strip('= ')}")
    if completed.returncode:
        print(f"  it failed (exit {completed.returncode}): the figures are not the suite's")
    for line in spent.lines(smallest=1.0):
        print(line)
    slowest = [line for line in completed.stdout.splitlines() if line[:1].isdigit() and line.split()[1:2] in (["call"], ["setup"], ["teardown"])][:5]
    print("  its five slowest steps (pytest --durations):")
    for line in slowest:
        print(f"    {line}")


if __name__ == "__main__":
    bound_tightness()
    stages([Path(p) for p in sys.argv[1:]] or [ROOT / "scenarios"])
    serve_edits()
    commands()
    peer_comparison()
    suite()
