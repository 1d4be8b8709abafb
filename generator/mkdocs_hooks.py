"""MkDocs hooks: serve MathJax from the site itself, list the generated pages in the navigation in
the site's one order (generator/order.py: the index's reading order, in sections by kind, then the
errata page), which the Previous/Next links at each page's foot follow, and pick one edition's pages.

Every edition is built from the same docs/ folder. `theme.language` names the edition: the default
one (mkdocs.yml) takes the pages without a language suffix; another (mkdocs.zh.yml) takes
`<name>.zh.md` as `<name>.md`, so its links, navigation and URLs are the default edition's, under
site/zh/. Assets (results files, plots, styles) are shared."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import mathjax  # the django-static-mathjax package: MathJax 3's files, no Django needed to read them
from jinja2 import Environment, FileSystemBytecodeCache
from jinja2.bccache import Bucket
from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from generator import live
from generator.kinds import KINDS
from generator.languages import default, edition_of, labels, languages, site_words
from generator.order import sections

MATHJAX_FILE = "tex-svg.js"  # SVG output: no web fonts to fetch
SITE_PATH = f"assets/mathjax/{MATHJAX_FILE}"
SCENARIOS = "scenarios"
THEME_CACHE = Path(".cache/jinja")  # from the config's folder: the theme's templates, compiled (ignored by git)


def mathjax_source() -> Path:
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / MATHJAX_FILE


NavEntry = dict[str, Any]  # {"Home": "index.md"} or {section: [pages]}


def committed_kinds(docs: Path) -> dict[str, str]:
    """slug -> kind, from the results files in docs/scenarios/."""
    kinds = {}
    for results in sorted((docs / SCENARIOS).glob("*.json"), key=lambda p: p.stem):
        kind = json.loads(results.read_text(encoding="utf-8")).get("kind")
        if isinstance(kind, str):
            kinds[results.stem] = kind
    return kinds


def scenario_nav(docs: Path, language: str, kinds: dict[str, str], broken: list[str] | None = None,
                 errata: bool | None = None) -> list[NavEntry]:
    """[{"Home": "index.md"}, {section: [pages]}, ..., {"Errata": ...}] from the scenarios' kinds, in
    `language`, in the site's order (order.py); under `make serve`, the pages of scenarios that do not
    build last."""
    words = site_words(language)
    nav: list[NavEntry] = [{words["home"]: "index.md"}]
    for section in sections({slug: kind for slug, kind in kinds.items() if kind in KINDS}):
        nav.append({labels(section.kind, language)["section"]: [f"{SCENARIOS}/{slug}.md" for slug in section.slugs]})
    if (docs / SCENARIOS / "errata.md").exists() if errata is None else errata:
        nav.append({words["errata_nav"]: f"{SCENARIOS}/errata.md"})
    if broken:
        nav.append({words["broken_nav"]: [f"{SCENARIOS}/{slug}.md" for slug in broken]})
    return nav


def edition(config: MkDocsConfig) -> str:
    """The edition a config builds: its theme language, when it is one of the site's languages."""
    language = str(config.theme["language"])
    return language if language in languages() else default()


_LIVE: live.Live | None = None  # under `make serve`: this rebuild's output, generated in memory


def on_startup(command: str, dirty: bool) -> None:
    """Under `mkdocs serve`, generate the pages live (generator/live.py), torch warmed up at once."""
    live.SERVING = command == "serve"
    if live.SERVING:
        live.warm_up()


def edition_site_url(site_url: str | None, language: str) -> str | None:
    """An edition other than the default one is published under the default one's address plus
    `<language>/` (its site_dir is site/<language>), so mkdocs.zh.yml inherits site_url unchanged.
    An address that already ends so (set in the edition's own config) is kept."""
    if not site_url or language == default() or site_url.endswith(f"/{language}/"):
        return site_url
    return f"{site_url.rstrip('/')}/{language}/"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _LIVE
    config["site_url"] = edition_site_url(config["site_url"], edition(config))
    try:  # the search plugin segments Chinese with jieba: keep its start-up chatter out of the build log
        import jieba  # type: ignore[import-untyped]

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass
    docs = Path(config["docs_dir"])
    _LIVE = live.regenerate(Path(config.config_file_path).parent / "scenarios", docs / SCENARIOS) if live.SERVING else None
    if config["nav"] is None:
        kinds = committed_kinds(docs) if _LIVE is None else _LIVE.kinds
        broken = None if _LIVE is None else sorted(_LIVE.failures)
        if broken:
            kinds = {slug: kind for slug, kind in kinds.items() if slug not in broken}
        errata = None if _LIVE is None else "errata.md" in _LIVE.files
        config["nav"] = scenario_nav(docs, edition(config), kinds, broken, errata)
    return config


def live_files(files: Files, config: MkDocsConfig, generated: live.Live) -> None:
    """Under `make serve`: the output folder's files and the index pages as generated now, from memory."""
    for file in list(files):
        if file.src_uri.startswith(f"{SCENARIOS}/") or file.src_uri in generated.indexes:
            files.remove(file)
    for name, content in sorted(generated.files.items()):
        files.append(File.generated(config, f"{SCENARIOS}/{name}", content=content))
    for name, text in sorted(generated.indexes.items()):
        files.append(File.generated(config, name, content=text))


COLAB = re.compile(r"^( *)<!-- colab: ([\w.-]+\.ipynb) -->$", re.M)
GITHUB = re.compile(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?")


def colab_links(markdown: str, repo_url: str | None, folder: str, label: str) -> str:
    """Each `<!-- colab: NAME.ipynb -->` line: a link that opens the notebook in Colab from the
    GitHub repository of `repo_url` (its main branch, `folder` the notebook's folder in it), or
    nothing when the site names no GitHub repository."""
    match = GITHUB.fullmatch(repo_url or "")
    if match is None:
        return COLAB.sub("", markdown)
    base = f"https://colab.research.google.com/github/{match.group(1)}/{match.group(2)}/blob/main/{folder}"
    return COLAB.sub(lambda m: f"{m.group(1)}- [{label}]({base}/{m.group(2)})", markdown)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """A title (and a description) from the front matter is text, not HTML: escape it once, as Markup, so that the
    templates that print it raw (<title>, the header, the navigation) and those that escape it
    (the footer's aria-label) all show it literally, and none twice. A page's Colab line becomes
    a link when `repo_url` names a GitHub repository."""
    for key in ("title", "description"):  # the theme prints the description raw too, in an attribute
        text = page.meta.get(key)
        if isinstance(text, str) and not isinstance(text, Markup):
            page.meta[key] = Markup.escape(text)
    if "<!-- colab: " in markdown:
        docs = Path(config["docs_dir"]).resolve().relative_to(Path(config.config_file_path).resolve().parent)
        folder = (docs / Path(page.file.src_uri).parent).as_posix()
        markdown = colab_links(markdown, config.get("repo_url"), folder, site_words(edition(config))["colab"])
    return markdown


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, but a file that does not read (cut short by a crash:
    Jinja renames it into place, unsynced) is compiled again and rewritten, not an error."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unpickling or unmarshalling a damaged file
            bucket.reset()


def on_env(env: Environment, config: MkDocsConfig, files: Files) -> Environment:
    """The theme's templates (about 45) compiled once, not on every build: Jinja keeps each one's
    code in THEME_CACHE, keyed by its path and checked against its source, so an edited template is
    compiled again (about 0.1 s off each edition's build, and off each rebuild of `make serve`).
    Where the folder cannot be written, every build compiles them, as before."""
    folder = Path(config.config_file_path).parent / THEME_CACHE
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return env
    if os.access(folder, os.W_OK):
        env.bytecode_cache = TemplateCache(str(folder))
    return env


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """MathJax, and this edition's pages: `a.md` in the default edition; `a.zh.md` as `a.md` in the
    zh edition (a page without a twin stays in the default language)."""
    if _LIVE is not None:
        live_files(files, config, _LIVE)
    language = edition(config)
    pages = [(file, *edition_of(file.src_uri)) for file in files if file.src_uri.endswith(".md")]
    translated = {stem: file for file, stem, page_language in pages if page_language == language != default()}
    for file, stem, page_language in pages:
        if page_language != default() or stem in translated:
            files.remove(file)  # a translation (this edition's is added back below), or a page it translates
    for stem, file in sorted(translated.items()):
        if file.abs_src_path is not None:
            files.append(File.generated(config, f"{stem}.md", abs_src_path=file.abs_src_path))
        else:
            files.append(File.generated(config, f"{stem}.md", content=file.content_bytes))
    files.append(File.generated(config, SITE_PATH, abs_src_path=str(mathjax_source())))
    return files


# Inline math is an SVG, an atomic inline: a browser may break a line just after it, leaving the
# next "." or "，" or "）。" to start a line, or just before it, leaving a "(" or "（" at the end of
# one. Such punctuation is glued to the formula it touches.
TRAILING_PUNCTUATION = re.compile(
    r'([(\[（「『【]*)(<span class="arithmatex">\\\([^<]*?\\\)</span>)([.,;:!?)\]…）。，、；：！？」』】]*)'
)
# Chinese has no spaces between words: a line break inside a paragraph's source, between two Chinese
# characters or full-width marks (a closing tag between them allowed), would show as a stray space.
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
CJK_NEWLINE = re.compile(f"([{CJK}])((?:</[a-z]+>)*)[ \t]*\n[ \t]*(?=(?:<[a-z]+>)*[{CJK}])")
PREFORMATTED = re.compile(r"(<pre[ >].*?</pre>)", re.S)


def glue_punctuation(html: str) -> str:
    """`html` with each inline formula and the punctuation right before or after it in one
    unbreakable span."""
    def glue(match: re.Match[str]) -> str:
        before, formula, after = match.groups()
        return f'<span class="nobreak">{before}{formula}{after}</span>' if before or after else formula

    return TRAILING_PUNCTUATION.sub(glue, html)


def join_chinese_lines(html: str) -> str:
    """`html` without the line breaks between Chinese characters outside <pre> (code keeps its lines)."""
    parts = PREFORMATTED.split(html)
    return "".join(part if index % 2 else CJK_NEWLINE.sub(r"\1\2", part) for index, part in enumerate(parts))


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    return glue_punctuation(join_chinese_lines(html))
