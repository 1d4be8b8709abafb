"""The site's one order of pages, from one file: templates/reading-order.toml.

The index's reading order, its list of every page, the navigation and so the Previous/Next links
at each page's foot all follow `page_order`: the reading order's built pages first, in its order;
a built page it leaves out goes right after the last page of its kind (by slug among such pages),
or, when no page of its kind is listed, at the end (kinds in registry order). `sections` cuts that
order into runs of one kind: the navigation's sections and the index's "All pages" headings. The
errata page comes after all of them (the navigation's last entry; the index's "Then ...").
Each edition's words for the reading order are templates/<language>/reading-order.toml, by slug."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

from generator.kinds import KINDS
from generator.languages import TEMPLATES

READING_ORDER = "reading-order.toml"


def reading_order() -> tuple[str, ...]:
    """The slugs of templates/reading-order.toml, in order (a page not built is left out later)."""
    with (TEMPLATES / READING_ORDER).open("rb") as handle:
        pages = tomllib.load(handle)["pages"]
    return tuple(str(slug) for slug in pages)


def page_order(kinds: Mapping[str, str], reading: tuple[str, ...] | None = None) -> list[str]:
    """Every built page (slug -> kind) in the site's order. `reading`: the reading order (by default
    templates/reading-order.toml's)."""
    listed = reading_order() if reading is None else reading
    order = [slug for slug in listed if slug in kinds]
    registry = list(KINDS)
    rest = sorted((slug for slug in kinds if slug not in order),
                  key=lambda slug: (registry.index(kinds[slug]) if kinds[slug] in registry else len(registry), kinds[slug], slug))
    for slug in rest:
        same = [i for i, other in enumerate(order) if kinds[other] == kinds[slug]]
        order.insert(same[-1] + 1 if same else len(order), slug)
    return order


@dataclass(frozen=True)
class Section:
    """A run of pages of one kind in the site's order."""

    kind: str
    slugs: tuple[str, ...]


def sections(kinds: Mapping[str, str], reading: tuple[str, ...] | None = None) -> list[Section]:
    """`page_order` cut into runs of one kind (a reading order that goes back to a kind starts a new run)."""
    runs: list[Section] = []
    for slug in page_order(kinds, reading):
        if runs and runs[-1].kind == kinds[slug]:
            runs[-1] = Section(runs[-1].kind, runs[-1].slugs + (slug,))
        else:
            runs.append(Section(kinds[slug], (slug,)))
    return runs
