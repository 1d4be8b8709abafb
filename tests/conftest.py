"""Shared fixtures: one generation of the built-in scenarios and one strict site build per session."""

from __future__ import annotations

import fcntl
import functools
import http.server
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.cache import Cache  # noqa: E402
from generator.loading import load_scenarios  # noqa: E402
from generator.pipeline import Generated, render_scenario, typed  # noqa: E402
from generator.site import configs  # noqa: E402

# A command run in the background by a shell without job control (`make test &`, a CI step) starts
# with SIGINT ignored, and a child inherits that: the tests that Ctrl-C a build would then wait for
# a build that cannot be interrupted. Python's own handler is not inherited (exec resets it).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def run_cli(*args: str, cwd: Path = ROOT, module: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator ARGS` as a user would, from `cwd` (module=False: `python ARGS`)."""
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, *(["-m", "generator"] if module else []), *args]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=600)


CACHE = Path(".cache/generator")  # the build cache, from a project's folder (generator/cache.py)


def copy_project(target: Path, with_site_config: bool = False, cache: Path | None = None) -> Path:
    """A scratch copy of what the generator reads and writes: scenarios/ and docs/; with
    `with_site_config`, also what MkDocs needs to build it (mkdocs.yml, the hooks' package and the
    templates it reads the section names from); with `cache` (the `warm` project), its build cache,
    so that a build there need not run a scenario whose run the cache holds."""
    for folder in ("scenarios", "docs"):
        shutil.copytree(ROOT / folder, target / folder)
    if cache is not None:
        shutil.copytree(cache / CACHE, target / CACHE)
    if with_site_config:
        for config in ROOT.glob("mkdocs*.yml"):
            shutil.copy(config, target / config.name)
        shutil.copytree(ROOT / "overrides", target / "overrides")
        shutil.copytree(ROOT / "generator", target / "generator", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "templates", target / "templates")
    return target


SITE_ADDRESSES = ("SITE_URL", "REPO_URL")  # read by mkdocs.yml (site_url, repo_url): the publishing workflow sets them


def site_environment(**more: str) -> dict[str, str]:
    """The environment make gives a site build: SITE_URL and REPO_URL unset (whatever the caller's
    environment holds), MkDocs' notice off, and `more`."""
    return {k: v for k, v in os.environ.items() if k not in SITE_ADDRESSES} | {"NO_MKDOCS_2_WARNING": "1"} | more


def mkdocs_build(project: Path, site: Path, strict: bool = True, editions: bool = True, builder: str = "mkdocs",
                 addresses: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Every edition, as `make site` builds them: mkdocs.yml into `site`, each mkdocs.<language>.yml
    into `site`/<language> (with `editions` false, the first only), by `builder` (`make site
    BUILDER=...`: mkdocs or properdocs). The builds run side by side, each into a folder of its own,
    moved into place when all are done. The first failing build is returned. SITE_URL and REPO_URL
    are `addresses`' (unset by default, whatever the caller's environment holds)."""
    environment = site_environment(**(addresses or {}))
    every = configs(project)  # as generator/site.py lists them: mkdocs.yml first, as ""
    assert every[0][1].is_file(), f"no mkdocs.yml in {project}"
    shutil.rmtree(site, ignore_errors=True)
    processes = []
    for language, config in every if editions else every[:1]:
        target = site.with_name(f"{site.name}.{language}") if language else site
        shutil.rmtree(target, ignore_errors=True)
        command = [sys.executable, "-m", builder, "build", "-f", config.name, "--site-dir", str(target)] + (["--strict"] if strict else [])
        processes.append((language, target, command, subprocess.Popen(command, cwd=project, env=environment, stdout=subprocess.PIPE,
                                                                      stderr=subprocess.PIPE, text=True)))
    results = []
    for _, _, command, process in processes:
        out, err = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    for language, target, _, _ in processes:
        if language and target.exists():
            target.rename(site / language)
    return next((r for r in results if r.returncode != 0), results[0])


def made_once(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, make: Callable[[Path], None]) -> Path:
    """A folder made once per test session, by whichever xdist worker asks first; the others wait for
    it on a lock (a condition, not a delay). A `make` that fails leaves no folder behind: the next
    worker to ask tries again, and fails the same way."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # pytest-N/ holds every worker's basetemp
    folder, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                make(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            done.touch()
    return folder


FRESH = "fresh"  # the warm build's output folder, in the warm project; BUILT holds what the build printed
BUILT = "build.out"


def _build_with_a_cache(folder: Path) -> None:
    copy_project(folder)
    # into an empty folder: every scenario runs and is rendered afresh, none is kept from docs/
    # (whether docs/ is current is test_cli's to say, not every fixture's)
    completed = run_cli("build", "scenarios", "--out", FRESH, cwd=folder)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (folder / BUILT).write_text(completed.stdout, encoding="utf-8")


@pytest.fixture(scope="session")
def warm(tmp_path_factory, worker_id) -> Path:
    """A copy of the project built once this session (shared by the xdist workers), into its folder
    FRESH: its build cache, .cache/generator/, holds this machine's run of every built-in scenario.
    The session's one full run: the fixtures and tests that need this machine's runs, not a run of
    their own, take them from there (`generated`; `copy_project(..., cache=warm)`)."""
    return made_once(tmp_path_factory, worker_id, "warm", _build_with_a_cache)


def _render_the_warm_runs(warm: Path, folder: Path) -> None:
    cache, cwd = Cache(warm / CACHE), Path.cwd()
    os.chdir(ROOT)  # a scenario's source, which keys the cache, is its path from the working folder
    try:
        scenarios = load_scenarios([Path("scenarios")])
        runs = {scenario.slug: cache.get(scenario) for scenario in scenarios}
        assert None not in runs.values(), [slug for slug, run in runs.items() if run is None]
        rendered = {s.slug: render_scenario(s, typed(s, runs[s.slug])) for s in scenarios}
    finally:
        os.chdir(cwd)
    (folder / GENERATED).write_bytes(pickle.dumps(rendered))


GENERATED = "generated.pickle"


@pytest.fixture(scope="session")
def generated(tmp_path_factory, worker_id, warm) -> dict[str, Generated]:
    """slug -> Generated for every built-in scenario: this machine's run of each (the warm project's
    cache, verified again as it is read: every torch value within its bound), rendered in-process,
    once this session (by the first xdist worker to ask; the others read what it rendered)."""
    folder = made_once(tmp_path_factory, worker_id, "generated", functools.partial(_render_the_warm_runs, warm))
    rendered: dict[str, Generated] = pickle.loads((folder / GENERATED).read_bytes())
    return rendered


@pytest.fixture(scope="session")
def results(generated):
    return {slug: json.loads(page.files[f"{slug}.json"]) for slug, page in generated.items()}


@pytest.fixture(scope="session")
def pages(generated):
    return {slug: page.files[f"{slug}.md"].decode() for slug, page in generated.items()}


def _build_the_site(folder: Path) -> None:
    completed = mkdocs_build(ROOT, folder / "site")
    assert completed.returncode == 0, completed.stderr


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id) -> Path:
    """The committed docs/ built by MkDocs in strict mode, both editions (fails the session's users
    if it warns), once this session. Read only: a test that changes a site builds its own."""
    return made_once(tmp_path_factory, worker_id, "site", _build_the_site) / "site"


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """`folder` served on 127.0.0.1 while the caller holds it: its address, http://127.0.0.1:PORT."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(site) -> Iterator[str]:
    """The session's `site`, served on 127.0.0.1 (its address)."""
    with serving(site) as address:
        yield address


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per xdist worker, shared by every browser test that worker runs
    (each test opens its own context or page, and closes it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests skipped: no Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def one_scenario(tmp_path, monkeypatch):
    """A copy of the project with only mse-mean, built (fast), the working folder set to it."""
    project = copy_project(tmp_path)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem != "mse-mean":
            path.unlink()
    monkeypatch.chdir(project)
    from generator.cli import main

    assert main(["build"]) == 0
    assert main(["check"]) == 0
    return project


# The files that take longest, longest first (worker seconds, from a timeline of `make test`), so
# that `--dist loadfile --no-loadscope-reorder` hands them out first and the workers end together.
# test_program and test_cli come early because they need no `warm` build: one worker runs them
# while the other makes it. Files not listed follow in their usual order; a stale list costs only
# balance, never a test.
LONGEST_FIRST = (
    "test_hostile.py", "test_program.py", "test_browser.py", "test_cli.py", "test_check_answer.py", "test_lr_sweep.py",
    "test_forgery.py", "test_drift.py", "test_exercises.py", "test_browser_zh.py", "test_output.py", "test_downloads.py",
    "test_serve.py", "test_publish.py", "test_facts_linreg.py", "test_validation.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file's tests keep their order
