"""The registry of scenario kinds. Adding a kind means one module here, one entry below, one template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.reader import Reader


@dataclass(frozen=True)
class Kind:
    """The small interface every scenario kind module provides.

    parse   Reader, slug -> frozen scenario dataclass (or None when the reader collected problems)
    compute scenario -> trace: every intermediate from the real torch run
    derive  scenario -> exact: the same quantities in rational arithmetic, gradients from sympy
    verify  scenario, trace, exact -> None, raising MismatchError where they disagree
    program scenario -> the standalone PyTorch program shown on the page
    results scenario, trace, exact -> the results-file payload (JSON-ready)
    page    scenario, trace, exact -> the template's view (LaTeX strings and formatted values)
    files   scenario, trace, exact -> extra files beside the page, such as plots (name -> bytes)
    """

    name: str
    section: str  # the heading its pages are listed under on the index page and in the navigation
    template: str
    parse: Callable[[Reader, str], Any]
    compute: Callable[[Any], Any]
    derive: Callable[[Any], Any]
    verify: Callable[[Any, Any, Any], None]
    program: Callable[[Any], str]
    results: Callable[[Any, Any, Any], dict[str, Any]]
    page: Callable[[Any, Any, Any], Any]
    files: Callable[[Any, Any, Any], dict[str, bytes]] = lambda scenario, trace, exact: {}


def registry() -> dict[str, Kind]:
    from generator.kinds import linreg_sgd, mse

    return {kind.name: kind for kind in (mse.KIND, linreg_sgd.KIND)}
