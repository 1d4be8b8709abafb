"""MkDocs hooks: serve MathJax from the site itself, and group the generated pages by kind in the
navigation (one section per kind, in registry order, pages by slug)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import mathjax  # the django-static-mathjax package: MathJax 3's files, no Django needed to read them
from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
MATHJAX_FILE = "tex-svg.js"  # SVG output: no web fonts to fetch
SITE_PATH = f"assets/mathjax/{MATHJAX_FILE}"
SCENARIOS = "scenarios"


def mathjax_source() -> Path:
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / MATHJAX_FILE


NavEntry = dict[str, Any]  # {"Home": "index.md"} or {section: [pages]}


def scenario_nav(docs: Path) -> list[NavEntry]:
    """[{"Home": "index.md"}, {section: [pages]}, ...] from the results files' kinds."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from generator.kinds import KINDS
    from generator.render import labels

    by_kind: dict[str, list[str]] = {}
    for results in sorted((docs / SCENARIOS).glob("*.json"), key=lambda p: p.stem):
        kind = json.loads(results.read_text(encoding="utf-8")).get("kind")
        by_kind.setdefault(kind, []).append(f"{SCENARIOS}/{results.stem}.md")
    nav: list[NavEntry] = [{"Home": "index.md"}]
    if (docs / SCENARIOS / "errata.md").exists():
        nav.append({"The source post's errata": f"{SCENARIOS}/errata.md"})
    for name in KINDS:
        if name in by_kind:
            nav.append({labels(name)["section"]: by_kind[name]})
    return nav


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if config["nav"] is None:
        config["nav"] = scenario_nav(Path(config["docs_dir"]))
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """A title from the front matter is text, not HTML: escape it once, as Markup, so that the
    templates that print it raw (<title>, the header, the navigation) and those that escape it
    (the footer's aria-label) all show it literally, and none twice."""
    title = page.meta.get("title")
    if isinstance(title, str) and not isinstance(title, Markup):
        page.meta["title"] = Markup.escape(title)
    return markdown


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, SITE_PATH, abs_src_path=str(mathjax_source())))
    return files
