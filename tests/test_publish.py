"""Publishing: the second builder (ProperDocs) builds the same site as MkDocs; with site_url and
repo_url set the site has absolute addresses and Colab links and still makes no request to another
host; every page has its own description; the workflow tests and checks before it deploys; the
pins lie in the supported ranges."""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from conftest import ROOT, copy_project, mkdocs_build, serving, site_environment
from helpers import MSE, edit, tree_digest, write_case
from jinja2.bccache import bc_magic

from generator.errors import INTERRUPTED

HAN = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?![A-Za-z0-9_])(?!\.\d)")
GENERATOR_META = re.compile(r'<meta name="generator" content="[^"]*">')


def page_paths(generated) -> list[str]:
    """Every page of both editions, as a path from the site's root: the index, the errata, each scenario."""
    pages = ["", "scenarios/errata/"] + [f"scenarios/{slug}/" for slug in sorted(generated)]
    return [f"{edition}{page}" for edition in ("", "zh/") for page in pages]


class Head(HTMLParser):
    """What a page's markup says about it: <html lang>, its <meta>s and <link>s, and its links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.lang = ""
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.anchors: list[dict[str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "meta" and "name" in a:
            self.meta[a["name"]] = a.get("content", "")
        elif tag == "link" and a.get("rel") in ("canonical",):
            self.links[a["rel"]] = a.get("href", "")
        elif tag == "a":
            self.anchors.append(a)


def head_of(site: Path, path: str) -> Head:
    return Head((site / path / "index.html").read_text(encoding="utf-8"))


# --- ProperDocs ------------------------------------------------------------------------------------


def site_differences(mkdocs_site: Path, other_site: Path) -> dict[str, str]:
    """Each file whose content differs between two builds (the generator's name in <meta
    name="generator"> aside), with what differs: missing on one side, the numbers a reader sees, or
    the first differing line."""
    def tree(site: Path) -> set[str]:
        return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}

    ours, theirs = tree(mkdocs_site), tree(other_site)
    found = {name: "only in MkDocs' build" for name in ours - theirs} | {name: "only in the other build" for name in theirs - ours}
    for name in sorted(ours & theirs):
        a, b = (mkdocs_site / name).read_bytes(), (other_site / name).read_bytes()
        if name.endswith(".html"):
            a_text, b_text = (GENERATOR_META.sub("", x.decode("utf-8")) for x in (a, b))
            if a_text != b_text:
                a_numbers, b_numbers = (Counter(NUMBER.findall(html.unescape(re.sub(r"<[^>]+>", " ", x)))) for x in (a_text, b_text))
                if a_numbers != b_numbers:
                    found[name] = f"numbers: MkDocs only {dict(a_numbers - b_numbers)}, other only {dict(b_numbers - a_numbers)}"
                else:
                    line = next(i for i, (x, y) in enumerate(zip(a_text.splitlines(), b_text.splitlines() + [""])) if x != y)
                    found[name] = f"line {line + 1}: {a_text.splitlines()[line].strip()[:80]!r}"
        elif a != b:
            found[name] = "bytes differ"
    return found


def test_properdocs_builds_both_editions_as_mkdocs_does(site, generated, tmp_path_factory):
    """`make site BUILDER=properdocs`: ProperDocs builds both configs, unchanged and strict, into the
    same page tree as MkDocs, every page the same content (every number the same) but the
    generator's name, and every results file, plot, notebook and script byte for byte."""
    other = tmp_path_factory.mktemp("properdocs") / "site"
    completed = mkdocs_build(ROOT, other, builder="properdocs")
    assert completed.returncode == 0, completed.stderr
    for path in ("", "zh/"):  # it was ProperDocs that built them, not MkDocs under another name
        assert "ProperDocs" in head_of(other, path).meta["generator"]
        assert "ProperDocs" not in head_of(site, path).meta["generator"]
    assert len([p for p in page_paths(generated) if (other / p / "index.html").exists()]) == 2 * (len(generated) + 2)
    assert site_differences(site, other) == {}


def test_the_comparison_names_a_page_that_differs(site, tmp_path):
    """A copy of MkDocs' build with one number changed on one Chinese page and one page missing."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "zh/scenarios/mse-mean/index.html"
    text = page.read_text(encoding="utf-8")
    assert "2.8333" in text
    page.write_text(text.replace("2.8333", "2.8334", 1), encoding="utf-8")
    (copy / "scenarios/mse-sum/index.html").unlink()
    found = site_differences(site, copy)
    assert set(found) == {"zh/scenarios/mse-mean/index.html", "scenarios/mse-sum/index.html"}
    assert "2.8334" in found["zh/scenarios/mse-mean/index.html"]


# --- make docs and make site (generator/site.py) -----------------------------------------------------


def site_command(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m generator.site ARGUMENTS` in `project`, as make runs it."""
    return subprocess.run([sys.executable, "-m", "generator.site", *arguments], cwd=project, env=site_environment(),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def docs_made(tmp_path_factory, warm) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A copy of the project (with the warm build cache) after `make docs`'s command."""
    project = copy_project(tmp_path_factory.mktemp("make-docs"), with_site_config=True, cache=warm)
    return project, site_command(project, "--generate")


def made_copy(docs_made, tmp_path: Path) -> Path:
    return shutil.copytree(docs_made[0], tmp_path / "project", symlinks=True)


def test_make_docs_builds_with_the_generator_the_site_the_editions_build_one_by_one(docs_made, site):
    """The editions' builds start with the generator and build once it has succeeded: the same site,
    byte for byte but the generator's name, as MkDocs building each edition after the pages exist."""
    project, completed = docs_made
    assert completed.returncode == 0, completed.stderr
    assert "0 files changed in docs/scenarios" in completed.stdout and completed.stderr == "", completed.stdout + completed.stderr
    assert not (project / ".site-editions").exists()
    assert site_differences(site, project / "site") == {}


def test_when_the_generator_fails_no_edition_is_built(docs_made, tmp_path):
    project = made_copy(docs_made, tmp_path)
    shutil.rmtree(project / "site")
    write_case(project / "scenarios", "bad.toml", edit(MSE, "X", '"three"'))
    completed = site_command(project, "--generate")
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.splitlines()[0].startswith("scenarios/bad.toml: X"), completed.stderr
    assert "nothing was written" in completed.stderr.splitlines()[-1] and completed.stdout == ""
    assert not (project / "site").exists() and not (project / ".site-editions").exists()


def test_when_an_edition_fails_make_site_fails_and_moves_nothing_in(docs_made, tmp_path):
    """`make site`, with the Chinese edition's config broken: exit 1 with MkDocs' message. The English
    build has emptied site/ as always, so no Chinese edition is left there, neither the old one
    (beside a new English one) nor a part of the new one."""
    project = made_copy(docs_made, tmp_path)
    config = project / "mkdocs.zh.yml"
    config.write_text(config.read_text() + "\nuse_directory_urls: perhaps\n")
    completed = site_command(project)
    assert completed.returncode == 1 and "use_directory_urls" in completed.stderr, completed.stderr
    assert (project / "site" / "index.html").exists() and not (project / "site" / "zh").exists()
    assert not (project / ".site-editions").exists()


@pytest.mark.parametrize("signum, to_group, code", [(signal.SIGINT, True, 130), (signal.SIGINT, False, 130), (signal.SIGTERM, False, 143)],
                         ids=["Ctrl-C", "SIGINT to it alone", "SIGTERM to it alone"])
def test_a_stopped_make_docs_is_one_line_and_builds_nothing(docs_made, tmp_path, signum, to_group, code):
    """The signal to the whole process group (a terminal's Ctrl-C) or to the command alone, with the
    generator held as a run starts and every edition ready and waiting: the command passes it on,
    once; the generator's one line, exit 130 (143 for SIGTERM), nothing built, every process waited
    for."""
    project = made_copy(docs_made, tmp_path)
    shutil.rmtree(project / "site")
    phases = tmp_path / "phases"
    environment = site_environment(GENERATOR_TEST_PHASES=str(phases), GENERATOR_TEST_HOLD="running")
    editions = len(list(project.glob("mkdocs*.yml")))
    with (tmp_path / "stderr").open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "generator.site", "--generate", "--rerun"], cwd=project, env=environment,
                                   start_new_session=True, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            while True:  # a condition, not a delay: the run has started and every edition is ready
                reached = phases.read_text().split() if phases.exists() else []
                if "running" in reached and reached.count("ready") == editions:
                    break
                assert process.poll() is None, (tmp_path / "stderr").read_text()
                time.sleep(0.01)
            if to_group:
                os.killpg(process.pid, signum)
            else:
                os.kill(process.pid, signum)
            process.wait(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    err = (tmp_path / "stderr").read_text()
    assert process.returncode == code and err.splitlines() == [INTERRUPTED], err
    assert not (project / "site").exists() and not (project / ".site-editions").exists()


def test_a_ctrl_c_as_the_editions_build_stops_them_and_says_the_site_is_unfinished(docs_made, tmp_path):
    """`make site`, a Ctrl-C to the whole group once an edition has been told to build."""
    from generator.site import STOPPED_BUILDING

    project = made_copy(docs_made, tmp_path)
    phases = tmp_path / "phases"
    environment = site_environment(GENERATOR_TEST_PHASES=str(phases), GENERATOR_TEST_HOLD="building")
    process = subprocess.Popen([sys.executable, "-m", "generator.site"], cwd=project, env=environment, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while "building" not in (phases.read_text().split() if phases.exists() else []):  # a condition, not a delay
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130 and err.splitlines() == [STOPPED_BUILDING], err
    assert not (project / ".site-editions").exists()


def test_a_stop_reaches_each_process_once_and_one_started_after_it_at_once(tmp_path, monkeypatch):
    """generator.site.Started, as its signal handler drives it: a second signal, and the editions'
    end after the generator, tell no process twice (a second SIGTERM landed in an edition's shutdown,
    with a traceback); a process whose start the signal interrupted is stopped once its handle is kept."""
    from generator.site import Edition, Started, build_editions

    terminated: list[int] = []
    terminate = subprocess.Popen.terminate
    monkeypatch.setattr(subprocess.Popen, "terminate", lambda process: (terminated.append(process.pid), terminate(process))[1])
    lock = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        started = Started(lock)
        started.editions = [Edition(language, started.spawn(["sleep", "60"], stdin=subprocess.PIPE, text=True)) for language in ("", "zh")]
        started.stop(signal.SIGINT)
        started.stop(signal.SIGTERM)
        assert build_editions(started, build=False) == [-signal.SIGTERM, -signal.SIGTERM]
        assert sorted(terminated) == sorted(edition.process.pid for edition in started.editions) and started.stopped_by == signal.SIGINT
        started.generator = started.spawn(["sleep", "60"])
        started.adopt(started.generator)
        assert started.generator.wait(timeout=60) == -signal.SIGINT  # to its process group, as a terminal's Ctrl-C
    finally:
        os.close(lock)


BLOCKED = "import signal, sys; sys.stdout.write(str(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])))"


def test_a_stop_passed_on_as_the_generator_starts_is_its_one_line(tmp_path):
    """generator.site starts the generator with SIGINT blocked, and the generator unblocks it first
    thing: a Ctrl-C passed on while its Python is still starting is its one line and exit 130, and
    nothing ran (a hostile pass: 6 of 20 Ctrl-Cs 0.03-0.09 s into make docs RERUN=1 printed a
    start-up traceback of 14-25 lines). Here the SIGINT is pending before Python starts: the shell
    sends it to itself, blocked, then becomes the generator."""
    from generator.site import Started

    lock = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        started = Started(lock)
        started.spawn = lambda command: subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # type: ignore[method-assign]
        assert started.spawn_generator([sys.executable, "-c", BLOCKED]).communicate(timeout=60)[0] == "True"
    finally:
        os.close(lock)
    project = copy_project(tmp_path / "project")
    before = tree_digest(project / "docs")
    phases = tmp_path / "phases"
    environment = os.environ | {"PYTHONPATH": str(ROOT), "GENERATOR_TEST_PHASES": str(phases)}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process = subprocess.Popen(["sh", "-c", 'kill -INT $$; exec "$0" -m generator build --rerun', sys.executable], cwd=project,
                                   env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    out, err = process.communicate(timeout=120)
    assert (process.returncode, err.splitlines(), out) == (130, [INTERRUPTED], "")
    assert not phases.exists() and tree_digest(project / "docs") == before


def test_a_child_killed_by_a_signal_is_named_and_its_code_is_128_plus_the_signal(capsys):
    from generator.site import exit_code

    assert exit_code(0, "x") == 0 and exit_code(2, "x") == 2 and capsys.readouterr().err == ""
    assert exit_code(-9, "python -m generator build") == 137
    assert capsys.readouterr().err == "error: python -m generator build was killed by signal 9\n"


def test_the_theme_templates_compiled_once_are_compiled_again_when_edited(docs_made, tmp_path):
    """The hook's Jinja cache (.cache/jinja/): a build reads the compiled templates the last one left
    (their files untouched); a template edited since is compiled again (the edit is on the page), and
    so is one whose file was cut short."""
    project = made_copy(docs_made, tmp_path)
    cache = project / ".cache" / "jinja"
    compiled = {path.name: path.stat().st_ino for path in cache.iterdir()}
    assert len(compiled) > 20, sorted(compiled)
    damaged = sorted(compiled)[0]  # cut short, as a crash may leave it: compiled again, not an error
    (cache / damaged).write_bytes((cache / damaged).read_bytes()[:len(bc_magic) + 3])  # past the header Jinja checks
    compiled[damaged] = (cache / damaged).stat().st_ino
    partial = project / "overrides" / "partials" / "copyright.html"
    partial.write_text(partial.read_text() + "\n<!-- edited after the last build -->\n")
    completed = mkdocs_build(project, project / "site", editions=False)
    assert completed.returncode == 0, completed.stderr
    assert "<!-- edited after the last build -->" in (project / "site" / "index.html").read_text(encoding="utf-8")
    now = {path.name: path.stat().st_ino for path in cache.iterdir()}
    assert set(now) == set(compiled)
    rewritten = {name for name in now if now[name] != compiled[name]}
    assert damaged in rewritten and len(rewritten) == 2, rewritten  # and the edited one


def test_a_second_make_site_in_the_same_folder_meanwhile_exits_2_and_touches_nothing(docs_made, monkeypatch, capsys):
    """As the generator's own lock: the folder's flock, held here as by a first one still building."""
    import fcntl

    from generator import site as site_module

    project = docs_made[0]
    before = tree_digest(project / "site")
    (project / ".site-editions").mkdir()  # what a first one still building has there
    monkeypatch.chdir(project)
    holder = os.open(project, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert site_module.main([]) == 2
    finally:
        os.close(holder)
        (project / ".site-editions").rmdir()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: another make docs or make site is building the site in"), err
    assert tree_digest(project / "site") == before


@pytest.mark.parametrize("arguments, message", [(["--builder", "sphinx"], "error: --builder sphinx: use one of mkdocs, properdocs"),
                                                (["--rerun"], "error: --rerun: only with --generate"),
                                                ([], "error: mkdocs.yml: no such file in")])
def test_make_site_usage_errors_are_one_line_and_exit_2(arguments, message, tmp_path, monkeypatch, capsys):
    from generator import site as site_module

    monkeypatch.chdir(tmp_path if not arguments else ROOT)
    assert site_module.main(arguments) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(message), err
    assert not (ROOT / ".site-editions").exists()


READY = """import sys
from generator.site_edition import get_ready
get_ready("mkdocs", sys.argv[1:])
jieba = sys.modules.get("jieba")
print(bool(jieba and jieba.dt.initialized), "generator.kinds" in sys.modules, "material.plugins.search.plugin" in sys.modules)
"""


# generator.site closes an edition's input, then sends it SIGTERM: the signal can land as the
# edition exits, having read the end of its input (1 make docs in 30 printed a traceback).
TOLD_NOTHING = """import atexit, os, signal, sys
from generator import site_edition
atexit.register(os.kill, os.getpid(), signal.SIGTERM)
sys.exit(site_edition.main(sys.argv[1:]))
"""


def test_an_edition_gets_ready_then_builds_only_when_told(tmp_path):
    """Ready: the config's theme, plugins and hooks imported, and for the Chinese edition jieba's
    dictionary loaded (not for the English one). Told nothing (the end of its input): nothing built,
    and a SIGTERM as it exits says nothing."""
    environment = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    for config, jieba in (("mkdocs.zh.yml", "True"), ("mkdocs.yml", "False")):
        completed = subprocess.run([sys.executable, "-c", READY, "build", "-f", config], cwd=ROOT, env=environment,
                                   capture_output=True, text=True, timeout=120)
        assert completed.stdout.split() == [jieba, "True", "True"], completed.stdout + completed.stderr
    command = [sys.executable, "-c", TOLD_NOTHING, "mkdocs", "build", "--strict", "--quiet", "-f", "mkdocs.yml",
               "--site-dir", str(tmp_path / "site")]
    completed = subprocess.run(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0 and completed.stderr == "" and not (tmp_path / "site").exists(), completed.stderr


# --- site_url and repo_url ---------------------------------------------------------------------------

REPOSITORY = "https://github.com/someone/worked-fork"
FOLDER = "fork"  # a GitHub Pages project site is published under /<repository>/


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Both editions built with SITE_URL and REPO_URL set, as the workflow builds them, served on
    127.0.0.1 under /fork/ at the address site_url names: (the site folder, site_url)."""
    root = tmp_path_factory.mktemp("published")
    with serving(root) as address:  # served before it is built: site_url names the port
        site_url = f"{address}/{FOLDER}/"
        completed = mkdocs_build(ROOT, root / FOLDER, addresses={"SITE_URL": site_url, "REPO_URL": REPOSITORY})
        assert completed.returncode == 0, completed.stderr
        yield root / FOLDER, site_url


def sitemap(site: Path) -> list[str]:
    return re.findall(r"<loc>([^<]*)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))


def test_with_site_url_the_sitemaps_and_canonical_links_are_absolute(published, site, generated):
    """Each edition's sitemap lists its own pages at their full addresses (the Chinese edition's
    under zh/), and every page names its own address as canonical; without site_url (the tests'
    site) there are none."""
    built, site_url = published
    for edition in ("", "zh/"):
        pages = [p for p in page_paths(generated) if p.startswith(edition) and (edition or not p.startswith("zh/"))]
        assert sorted(sitemap(built / edition)) == sorted(site_url + p for p in pages), edition
        assert sitemap(site / edition) == []
    for path in page_paths(generated):
        assert head_of(built, path).links.get("canonical") == site_url + path, path
        assert "canonical" not in head_of(site, path).links, path


def test_with_site_url_the_language_switch_still_leads_to_the_twin_page(published, generated):
    built, site_url = published
    for path in page_paths(generated):
        links = {a["hreflang"]: a["href"] for a in head_of(built, path).anchors if "md-select__link" in a.get("class", "")}
        twin = path.removeprefix("zh/") if path.startswith("zh/") else "zh/" + path
        other, same = ("en", "zh") if path.startswith("zh/") else ("zh", "en")
        assert urljoin(site_url + path, links[other]) == site_url + twin, (path, links)
        assert urljoin(site_url + path, links[same]) == site_url + path, (path, links)


def test_with_a_github_repo_url_every_page_opens_its_notebook_in_colab(published, generated):
    """The notebook of the page's own edition, from the repository's main branch; the header links
    the repository without the theme's mark that would fetch its stars from GitHub's API."""
    built, _ = published
    colab = "https://colab.research.google.com/github/someone/worked-fork/blob/main/docs/scenarios/"
    for path in page_paths(generated):
        anchors = head_of(built, path).anchors
        hrefs = [a["href"] for a in anchors]
        if path.removeprefix("zh/").startswith("scenarios/") and "errata" not in path:
            slug = path.rstrip("/").rsplit("/", 1)[1]
            notebook = f"{slug}.zh.ipynb" if path.startswith("zh/") else f"{slug}.ipynb"
            assert [h for h in hrefs if h.startswith("https://colab.")] == [colab + notebook], path
        sources = [a for a in anchors if a.get("class") == "md-source"]
        assert sources and all(a["href"] == REPOSITORY and "data-md-component" not in a for a in sources), path


@pytest.mark.browser
def test_the_published_site_switches_language_and_asks_no_other_host(published, browser):
    """In Chromium, on the site served at its site_url: the switch leads from the Chinese page to
    its English twin and back, and no page asks another host (GitHub's API among them) for anything."""
    from test_browser import Visit

    _, site_url = published
    visit = Visit(browser)
    try:
        visit.open(site_url + "zh/scenarios/linreg-sgd/")
        for other, target in (("en", "scenarios/linreg-sgd/"), ("zh", "zh/scenarios/linreg-sgd/")):
            visit.page.hover(".md-header__option .md-select")
            visit.page.click(f"a.md-select__link[hreflang='{other}']")
            visit.page.wait_for_url(site_url + target)
            visit.wait_for_math()
            assert visit.page.evaluate("() => document.documentElement.lang") == other
        assert visit.page.locator("a.md-source").count() > 0
        assert visit.errors == [] and visit.failed == [] and visit.hosts == {"127.0.0.1"}, (visit.errors, visit.failed, visit.hosts)
    finally:
        visit.close()


# --- descriptions ------------------------------------------------------------------------------------


def front_matter(page: bytes) -> dict[str, str]:
    return yaml.safe_load(page.decode().split("---\n")[1])


def test_every_scenario_page_has_its_own_description_in_both_editions(site, generated):
    """<meta name="description"> is the page's generated summary line, as its front matter says it
    (quotes and all, so escaped once), in its edition's language, the same numbers in both, and no
    two pages share one; <html lang> is the edition's."""
    site_descriptions = {edition: head_of(site, path).meta["description"] for edition, path in (("en", ""), ("zh", "zh/"))}
    assert site_descriptions["en"].startswith("Worked solutions") and HAN.search(site_descriptions["zh"])  # the index: the site's
    seen: dict[str, list[str]] = {"en": [], "zh": []}
    for slug, page in generated.items():
        described = {}
        for edition, name, path in (("en", f"{slug}.md", f"scenarios/{slug}/"), ("zh", f"{slug}.zh.md", f"zh/scenarios/{slug}/")):
            head = head_of(site, path)
            assert head.lang == edition, path
            description = head.meta["description"]
            assert description == front_matter(page.files[name])["description"], path
            assert description != site_descriptions[edition] and len(description) > 40, path
            assert bool(HAN.search(description)) == (edition == "zh"), description
            described[edition] = description
            seen[edition].append(description)
        assert Counter(NUMBER.findall(described["en"])) == Counter(NUMBER.findall(described["zh"])), described
    for edition, descriptions in seen.items():
        assert len(set(descriptions)) == len(descriptions), (edition, descriptions)


# --- the workflow, the Makefile and the pins ---------------------------------------------------------

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
MAIN_PUSH = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def recipe(target: str) -> list[str]:
    """The command lines of a Makefile target, comments left out."""
    lines = (ROOT / "Makefile").read_text().split(f"\n{target}:", 1)[1].split("\n")[1:]
    commands = []
    for line in lines:
        if not line.startswith("\t"):
            break
        if not line.strip().startswith("#"):
            commands.append(line.strip())
    return commands


def test_the_workflow_tests_checks_and_builds_before_it_deploys_from_main():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert build["container"].startswith("python:3.11-bookworm")  # Debian as root: what .ci/run's apt-get needs
    steps = build["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    runs = [step.get("run") for step in steps]
    assert {"actions/checkout", "actions/cache", "actions/configure-pages", "actions/upload-pages-artifact"} <= set(uses), uses
    cache = steps[uses.index("actions/cache")]
    assert cache["with"]["path"] == ".venv"
    assert "hashFiles('requirements.txt', 'constraints.txt')" in cache["with"]["key"]
    check, upload = runs.index("make publish-check"), uses.index("actions/upload-pages-artifact")
    assert uses.index("actions/cache") < check < upload
    assert steps[upload]["with"]["path"] == "site" and steps[upload]["if"] == MAIN_PUSH
    assert steps[uses.index("actions/configure-pages")]["if"] == MAIN_PUSH
    assert deploy["needs"] == "build" and deploy["if"] == MAIN_PUSH
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    # make publish-check: every test by .ci/run, then the drift check, then both editions; a failing
    # line stops make, so the upload after it never runs
    commands = recipe("publish-check")
    steps_at = [[i for i, c in enumerate(commands) if needle in c] for needle in ("bash .ci/run", "-m generator check", "$(MAKE) docs")]
    assert all(len(at) == 1 for at in steps_at) and steps_at == sorted(steps_at), commands
    # make docs and make site: generator/site.py (every edition strict, in parallel; tested below)
    assert recipe("docs") == ["$(PYTHON) -m generator.site --generate $(if $(RERUN),--rerun) --builder $(BUILDER)"]
    assert recipe("site") == ["$(PYTHON) -m generator.site --builder $(BUILDER)"]


def workflow_lint(path: Path) -> subprocess.CompletedProcess[str]:
    """`make lint`'s check of a workflow: SchemaStore's github-workflow schema."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_the_workflow_linter_passes_ours_and_fails_a_broken_one(tmp_path):
    assert workflow_lint(WORKFLOW).returncode == 0
    broken = tmp_path / "pages.yml"
    text = WORKFLOW.read_text()
    broken.write_text(text.replace("    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n", 1))
    assert broken.read_text() != text
    completed = workflow_lint(broken)
    assert completed.returncode == 1 and "jobs.build" in completed.stdout, completed.stdout
    assert "workflows/*.yml" in " ".join(recipe("lint"))


def out_of_range(requirements: str, constraints: str) -> list[str]:
    """Each requirement without an exact pin in the constraints, or whose pin lies outside its range."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in constraints.splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    problems = []
    for line in requirements.splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            pin = pins.get(canonicalize_name(requirement.name))
            if pin is None or not requirement.specifier.contains(pin, prereleases=True):
                problems.append(f"{requirement}: pinned {pin}")
    return problems


def test_the_builders_have_ranges_and_the_constraints_pin_versions_inside_them():
    from importlib.metadata import version

    from packaging.requirements import Requirement

    requirements, constraints = (ROOT / "requirements.txt").read_text(), (ROOT / "constraints.txt").read_text()
    assert out_of_range(requirements, constraints) == []
    ranges = {Requirement(line).name: Requirement(line).specifier for line in requirements.splitlines() if line and not line.startswith("#")}
    assert "1.6.1" in ranges["mkdocs"] and "2.0" not in ranges["mkdocs"] and "1.5.3" not in ranges["mkdocs"]
    assert "9.8.1" in ranges["mkdocs-material"] and "10.0" not in ranges["mkdocs-material"]
    assert "1.6.7" in ranges["properdocs"] and "2.0" not in ranges["properdocs"]
    for name in ("mkdocs", "mkdocs-material", "properdocs"):  # what is installed is what the constraints pin
        assert f"\n{name}=={version(name)}\n" in constraints, name
    assert out_of_range(requirements, constraints.replace("mkdocs==1.6.1", "mkdocs==2.0.0")) == ["mkdocs<2,>=1.6: pinned 2.0.0"]
