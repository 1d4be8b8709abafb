"""Pure rendering: a page view in, Markdown text out. Templates hold all prose and layout."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from generator import marker
from generator.claims import ClaimRecord
from generator.codec import Listing
from generator.languages import TEMPLATES, Terms, default
from generator.scenario import Scenario

INERT = " ,.:;?=/'\"-"  # punctuation that cannot start markup inside a line of text


def escape_text(text: str) -> str:
    """Show text from a scenario file literally: ASCII punctuation that Markdown, HTML, tables or
    math could act on becomes an HTML entity. Letters, digits, spaces, non-ASCII characters (a
    Chinese title) and inert punctuation stay as they are."""
    return "".join(ch if ch.isalnum() or ch in INERT or ord(ch) > 127 else f"&#{ord(ch)};" for ch in text)


def front_matter_string(text: str) -> str:
    """A YAML double-quoted scalar holding `text` exactly: JSON with the characters themselves, not
    \\u escapes (YAML would read a character past U+FFFF written as two \\u escapes as two lone
    surrogates). HTML escaping happens in the site's hook, once, for every template that shows it."""
    return json.dumps(text, ensure_ascii=False)


PRINTED_LINES_SHOWN = 200  # longer output shows its first and last PRINTED_LINES_KEPT lines
PRINTED_LINES_KEPT = 80


@dataclass(frozen=True)
class PrintedOutput:
    """A program's output as the page shows it: whole, or its first and last lines."""

    head: str
    omitted: int
    tail: str

    @classmethod
    def of(cls, printed: str, shown: int = PRINTED_LINES_SHOWN, kept: int = PRINTED_LINES_KEPT) -> PrintedOutput:
        lines = printed.splitlines(keepends=True)
        if len(lines) <= shown:
            return cls(printed, 0, "")
        return cls("".join(lines[:kept]), len(lines) - 2 * kept, "".join(lines[-kept:]))


@dataclass(frozen=True)
class ClaimView:
    """One claim as the "Claims checked" table shows it."""

    path: str
    claimed: str
    exact: str
    right: bool
    wrong: str  # the wrong entries' indices, "[2][1]", for an array claim (as the results' paths count, from 0)
    note: str
    wrong_at: tuple[tuple[int, ...], ...] = ()  # the same indices, for a page to name as rows and columns counted from 1
    notes: tuple[tuple[str, str], ...] = ()  # (language, note) for the other editions

    def note_in(self, language: str) -> str:
        """The note as an edition shows it: its own, else the one the scenario wrote."""
        return dict(self.notes).get(language, self.note)
    claimed_value: Listing | None = None  # the claimed and the exact value as arrays, for a page that shows them row by row
    exact_value: Listing | None = None

    @property
    def verdict(self) -> str:
        """"right", or "wrong" with the wrong entries: as the pages, the errata and `claims` say it."""
        return "right" if self.right else "wrong" + (f" at {self.wrong}" if self.wrong else "")


def claim_views(claims: Sequence[ClaimRecord]) -> tuple[ClaimView, ...]:
    """The claims' verdicts as the pages, the errata and `claims` show them."""
    def where(c: ClaimRecord) -> str:
        return ", ".join("".join(f"[{i}]" for i in at) for at in c.wrong if at)

    return tuple(ClaimView(c.path, str(c.claimed), str(c.exact), c.verdict == "right", where(c), c.note,
                           tuple(at for at in c.wrong if at), tuple(sorted((c.notes or {}).items())), c.claimed, c.exact)
                 for c in claims)


@dataclass(frozen=True)
class PageContext:
    """What every page template receives: `s` the scenario, `v` its kind's view, `page` this."""

    scenario: Scenario
    view: object
    program: str
    printed: PrintedOutput  # in the collapsible block: whole, or elided past PRINTED_LINES_SHOWN
    printed_short: PrintedOutput  # shown open: the first and last lines of a long output
    platform: str  # the machine the floats came from: "torch 2.13.0+cpu on x86_64, AVX2"
    results_file: str
    claims: tuple[ClaimView, ...] = ()
    claim_rows: tuple[Any, ...] = ()  # the claims as the page's table shows them (overview.ErrataClaim: label, values, note)
    title: str = ""  # the scenario's title in this page's language
    script: str = ""  # the downloads beside the page: the program with its self-check,
    notebook: str = ""  # and the notebook, in this page's language
    facts: object = None  # the run's facts (generator/facts.py): `f` in the template
    torch: str = ""  # the platform's parts, for an edition that words it its own way: "2.13.0+cpu",
    machine: tuple[str, ...] = ()  # ("x86_64", "AVX2")
    translated: bool = False  # `program` is the one that ran with its comments in this page's language
    scenario_file: str = ""  # the scenario file published beside the page ("" when not read from a file)
    linked: dict[str, str] = field(default_factory=dict)  # slug -> title of each page the scenario links to (pipeline.linked_titles)


def environment(language: str) -> jinja2.Environment:
    """Templates of one edition (templates/<language>/), and the programs every edition shares."""
    return _environment(TEMPLATES, language)


@cache
def _environment(templates: Path, language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([templates / language, templates]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["text"] = escape_text
    env.filters["front_matter"] = front_matter_string
    return env


def render_page(template: str, context: PageContext, language: str) -> str:
    line = marker.html(context.scenario.source)
    page_template = environment(language).get_template(template)
    return page_template.render(page=context, s=context.scenario, v=context.view, f=context.facts, marker=line, t=Terms(language))


def render_program(kind: str, **context: Any) -> str:
    """A kind's shown program from templates/programs/<kind>.py.j2: the same in every edition."""
    return environment(default()).get_template(f"programs/{kind}.py.j2").render(**context)


def template_problem(error: jinja2.TemplateError) -> str:
    """One line naming the template: not found (with where it was looked for), or its syntax error."""
    if isinstance(error, jinja2.TemplateNotFound):
        return (f"page template {error.name} not found (looked in templates/<language>/ and templates/); "
                "restore it, for example with git checkout templates/")
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = f"{error.filename or error.name}:{error.lineno}"
        return f"{where}: template syntax error: {error.message}"
    return f"a page template failed: {type(error).__name__}: {error}"
