"""The pages over all scenarios, rendered from every scenario's generated files: the errata page
(every claim with its verdict) and the generated list of pages in each hand-written index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import marker
from generator.claim_labels import claim_label
from generator.codec import Listing
from generator.kinds import KINDS
from generator.languages import Terms, default, labels, languages, page_name, site_words, words
from generator.order import READING_ORDER, reading_order
from generator.order import sections as order_sections
from generator.render import ClaimView, environment, escape_text
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
class ErrataClaim:
    """One claim as the errata page shows it: a reader's label instead of its path in the results
    (claim_labels.py), and the values as Markdown, a matrix one row per line, the wrong entries in bold."""

    label: str
    claimed: str
    exact: str
    right: bool
    wrong_at: tuple[tuple[int, ...], ...]  # as ClaimView's: the verdict names them from 1
    note: str = ""  # where the claim came from, in this edition's words (a scenario page shows it)


@dataclass(frozen=True)
class ErrataPage:
    slug: str
    title: str
    claims: tuple[ErrataClaim, ...]


def shown(value: Listing | None, fallback: str, wrong: set[tuple[int, ...]]) -> str:
    """A claimed or exact value in a table cell: a matrix one row per line (<br>), the entries at
    `wrong` in bold, every entry shown literally."""
    def entry(text: str | None, at: tuple[int, ...]) -> str:
        literal = escape_text(text or "")
        return f"**{literal}**" if at in wrong else literal

    if value is None:
        return escape_text(fallback)
    def line(entries: list[str]) -> str:  # one row, never broken inside
        return '<span class="nobreak">&#91;' + ", ".join(entries) + "&#93;</span>"

    if value.text is not None:
        return entry(value.text, ())
    if all(item.text is not None for item in value.items):
        return line([entry(item.text, (k,)) for k, item in enumerate(value.items)])
    return "<br>".join(line([entry(item.text, (r, k)) for k, item in enumerate(row.items)]) for r, row in enumerate(value.items))


def errata_claim(claim: ClaimView, kind: str, language: str) -> ErrataClaim:
    wrong = set(claim.wrong_at) | (set() if claim.right or claim.wrong_at else {()})
    label = claim_label(kind, KINDS[kind].results, claim.path, language) if kind in KINDS else claim.path
    return ErrataClaim(label, shown(claim.claimed_value, claim.claimed, wrong), shown(claim.exact_value, claim.exact, wrong),
                       claim.right, claim.wrong_at, escape_text(claim.note_in(language)))


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
    said = words(READING_ORDER, language)  # slug -> {text}: what the page teaches; its link says the page's title
    reading = [{"slug": slug, "title": by_slug[slug].title, **said[slug]} for slug in reading_order() if slug in by_slug]
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
        pages = [ErrataPage(g.slug, g.titles[language], tuple(errata_claim(c, g.kind, language) for c in wrong_first(g.claims)))
                 for g in generated if g.claims]
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
