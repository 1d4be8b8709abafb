"""`make serve`: the site follows the author's edits. MkDocs watches scenarios/ and templates/
(`watch:` in mkdocs.yml); on every rebuild the hook asks `regenerate` for the output folder as a
build would write it, and serves that from memory instead of docs/scenarios/:

- an edited scenario is run again (the program server and its torch workers stay warm), every
  other one comes from the build cache, and a reproduced committed run is kept, as in `build`;
- an edited template re-renders from the results, without torch;
- a scenario that fails (invalid, or torch and the exact derivation disagree) does not stop the
  server: the page it owns shows the same `file: field: message` lines the CLI prints.

Nothing is written to docs/: `make docs` writes what `make serve` showed, and `make docs` and
`check` still fail on a broken scenario.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jinja2

from generator import marker, torch_process
from generator.cache import Cache
from generator.errors import GeneratorError, problem_lines
from generator.languages import languages, page_name
from generator.loading import display_path, load_scenarios, scenario_files
from generator.overview import Generated, all_files, index_texts
from generator.phases import main_thread_only
from generator.pipeline import WORKERS, Record, choose_record, render_cached
from generator.program import server
from generator.render import environment, template_problem

SERVING = False  # set by the site's hook when MkDocs starts `serve`; survives the hook's reloads


@dataclass
class Live:
    """The output folder as a build would write it, the index pages, and what failed."""

    files: dict[str, bytes] = field(default_factory=dict)  # name in the output folder -> content
    indexes: dict[str, str] = field(default_factory=dict)  # "index.md", "index.zh.md" -> text
    kinds: dict[str, str] = field(default_factory=dict)  # slug -> kind, for the navigation
    failures: dict[str, list[str]] = field(default_factory=dict)  # slug -> the CLI's lines


def warm_up() -> None:
    """Start the program server in the background, so that the first edit is fast; torch runs in
    its workers from now on (torch_process), as under the command line: this process never imports it."""
    torch_process.enable()

    def start() -> None:
        main_thread_only()
        server()

    threading.Thread(target=start, daemon=True).start()


def broken_page(slug: str, source: str, lines: list[str], language: str) -> str:
    """The page a failing scenario owns while it fails: its problems, in an admonition."""
    fence = "`" * max(3, 1 + max((len(run) for line in lines for run in re.findall("`+", line)), default=0))
    try:
        template = environment(language).get_template("broken.md.j2")
        return template.render(slug=slug, source=source, lines=lines, fence=fence, marker=marker.html(source))
    except jinja2.TemplateError as error:  # the template that shows a problem is itself broken
        return broken_index([*lines, template_problem(error)], language)


def regenerate(scenarios: Path, out: Path) -> Live:
    """Every scenario of `scenarios`, each on its own: run (or from the cache) and rendered, or its
    problems on its page. The runs go WORKERS at a time, as a build's do (a fresh checkout's first
    `make serve` runs every scenario); the pages render in order."""
    live = Live()
    cache = Cache()
    generated: list[Generated] = []
    files = scenario_files([scenarios])
    with ThreadPoolExecutor(max_workers=WORKERS, initializer=main_thread_only) as pool:
        chosen = list(pool.map(partial(chosen_record, out=out, cache=cache, built={file.stem for file in files}), files))
    for path, found in zip(files, chosen):
        slug = page_slug(path.stem)
        try:
            if not isinstance(found, Record):
                raise found
            generated.append(render_cached(found.scenario, found.run, out, cache))
            live.kinds[slug] = found.scenario.kind
        except (GeneratorError, jinja2.TemplateError) as error:
            live.failures[slug] = problem_lines(error) if isinstance(error, GeneratorError) else [template_problem(error)]
            for language in languages():
                page = broken_page(slug, display_path(path), live.failures[slug], language)
                live.files[page_name(slug, language)] = page.encode("utf-8")
    try:
        live.files = all_files(generated) | live.files
        live.indexes = {path.name: text for path, text in index_texts(out, generated)}
    except (GeneratorError, jinja2.TemplateError) as error:  # a template every page shares fails: shown on the index
        lines = problem_lines(error) if isinstance(error, GeneratorError) else [template_problem(error)]
        live.indexes = {page_name("index", language): broken_index(lines, language) for language in languages()}
    return live


def chosen_record(path: Path, out: Path, cache: Cache, built: set[str]) -> Record | GeneratorError | jinja2.TemplateError:
    """The scenario of `path` loaded and its record chosen as a build would (run, or from the cache),
    or what failed."""
    try:
        scenario = load_scenarios([path], built=built)[0]
        return choose_record(scenario, out, cache, refresh=False, rerun=False, confirm=False)
    except (GeneratorError, jinja2.TemplateError) as error:
        return error


def page_slug(stem: str) -> str:
    """The page a scenario file owns while it fails: its stem, made a plain slug ("a.zh" -> "a-zh"), so
    that no file name can pass for another edition's page or a folder."""
    return re.sub(r"[^a-z0-9-]", "-", stem.lower()) or "scenario"


def broken_index(lines: list[str], language: str) -> str:
    """A page while a template it needs fails: the problem, in plain Markdown (the broken template
    may be the one that would show it)."""
    fence = "`" * max(3, 1 + max((len(run) for line in lines for run in re.findall("`+", line)), default=0))
    heading = {"zh": "这个页面暂时无法生成"}.get(language, "This page does not build")
    body = "\n".join(lines)
    return f"# {heading}\n\n{fence}text\n{body}\n{fence}\n"
