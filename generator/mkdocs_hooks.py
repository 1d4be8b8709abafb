"""MkDocs hook: serve MathJax from the site itself, taken from the pinned django-static-mathjax package."""

from __future__ import annotations

from pathlib import Path

import mathjax  # the django-static-mathjax package: MathJax 3's files, no Django needed to read them
from mkdocs.structure.files import File, Files

MATHJAX_FILE = "tex-svg.js"  # SVG output: no web fonts to fetch
SITE_PATH = f"assets/mathjax/{MATHJAX_FILE}"


def mathjax_source() -> Path:
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / MATHJAX_FILE


def on_files(files: Files, config) -> Files:  # noqa: ANN001 - MkDocs' config type
    files.append(File.generated(config, SITE_PATH, abs_src_path=str(mathjax_source())))
    return files
