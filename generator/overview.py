"""The pages over all scenarios, rendered from every scenario's generated files: the errata page
(every claim with its verdict) and the generated list of pages in each hand-written index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import marker
from generator.kinds import KINDS
from generator.languages import Terms, default, labels, languages, page_name, site_words, words
from generator.order import READING_ORDER, reading_order
from generator.order import sections as order_sections
from generator.render import ClaimView, environment
from generator.write import replace_region


@dataclass(frozen=True)
class Generated:
    """One scenario's output files (name -> bytes) and what the index lists of it."""

    slug: str
    kind: str
    titles: dict[str, str]  # language -> the page's title
    files: dict[str, bytes]
    claims: tuple[ClaimView, ...] = ()

    @property
    def title(self) -> str:
        return self.titles[default()]


ERRATA = "errata"  # the generated page of the claims of every scenario
# Page names a scenario's slug may not take: every page the generator writes besides the scenarios'
# own (ERRATA), and the hand-written ones a site keeps in or beside the output folder (index). A new
# generated page reserves its name here; loading.py refuses a scenario file named after one.
RESERVED_SLUGS = (ERRATA, "index")


@dataclass(frozen=True)
class ErrataPage:
    slug: str
    title: str
    claims: tuple[ClaimView, ...]


def render_errata(pages: list[ErrataPage], built: set[str], language: str) -> str:
    """The errata page: every claim of every scenario, and the post's other errors whose page is built."""
    items = [item for item in words("errata.toml", language)["item"] if item["slug"] in built]
    template = environment(language).get_template("errata.md.j2")
    title = site_words(language)["errata_title"]
    return template.render(title=title, pages=pages, items=items, marker=marker.html("the claims of every scenario"), t=Terms(language))


@dataclass(frozen=True)
class IndexEntry:
    """A page as an index lists it, in one language."""

    slug: str
    kind: str
    title: str
    claims: bool


@dataclass(frozen=True)
class IndexSection:
    """A section of the index's list of every page: a run of one kind in the site's order (order.py)."""

    name: str
    pages: tuple[IndexEntry, ...]


def render_index(pages: list[IndexEntry], folder: str, language: str) -> list[str]:
    """The generated list of pages for a hand-written index: the reading order, then every page, in
    the site's one order (order.py), which the navigation follows too."""
    by_slug = {page.slug: page for page in pages}
    kinds = {page.slug: page.kind for page in pages}
    said = words(READING_ORDER, language)  # slug -> {link, text}
    reading = [{"slug": slug, **said[slug]} for slug in reading_order() if slug in by_slug]
    sections = [IndexSection(labels(run.kind, language)["section"] if run.kind in KINDS else run.kind,
                             tuple(by_slug[slug] for slug in run.slugs)) for run in order_sections(kinds)]
    template = environment(language).get_template("_index-pages.md.j2")
    errata = site_words(language)["errata_title"] if any(page.claims for page in pages) else None
    text = template.render(
        sections=sections, folder=folder, reading=reading, errata=errata, errata_slug=ERRATA, t=Terms(language)
    )
    return text.rstrip("\n").split("\n")


def wrong_first(claims: tuple[ClaimView, ...]) -> tuple[ClaimView, ...]:
    """A page's claims as the errata lists them: the wrong ones first, each group in the scenario's order."""
    return tuple(sorted(claims, key=lambda c: c.right))


def errata_files(generated: list[Generated]) -> dict[str, bytes]:
    """errata.md (and errata.<language>.md) when any scenario has claims: every claim with its verdict, from the results."""
    if not any(g.claims for g in generated):
        return {}
    built = {g.slug for g in generated}
    files = {}
    for language in languages():
        pages = [ErrataPage(g.slug, g.titles[language], wrong_first(g.claims)) for g in generated if g.claims]
        pages.sort(key=lambda page: all(c.right for c in page.claims))  # pages with a wrong claim first, stably
        files[page_name(ERRATA, language)] = render_errata(pages, built, language).encode("utf-8")
    return files


def index_paths(out: Path) -> list[tuple[Path, str]]:
    """The hand-written pages whose marked region lists the generated pages: index.md beside DIR,
    and index.<language>.md for each other edition, those that exist (with their language)."""
    paths = [(out.parent / page_name("index", language), language) for language in languages()]
    return [(path, language) for path, language in paths if path.exists()]


def index_texts(out: Path, generated: list[Generated]) -> list[tuple[Path, str]]:
    """Each index page with its generated region filled in, in its language."""
    texts = []
    for index, language in index_paths(out):
        entries = [IndexEntry(g.slug, g.kind, g.titles[language], bool(g.claims)) for g in generated]
        lines = render_index(entries, out.name, language)
        texts.append((index, replace_region(index.read_text(encoding="utf-8"), lines, index.as_posix())))
    return texts


def all_files(generated: list[Generated]) -> dict[str, bytes]:
    """Every generated file of the output folder: each scenario's, and the errata page."""
    return {name: content for page in generated for name, content in page.files.items()} | errata_files(generated)
