"""One order of pages, from templates/reading-order.toml: the index's reading order, its list of
every page, the sidebar and the Previous/Next links at each page's foot (generator/order.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import ROOT

from generator.languages import languages
from generator.order import page_order, reading_order, sections

READING = tomllib.loads((ROOT / "templates" / "reading-order.toml").read_text(encoding="utf-8"))["pages"]
LINK = re.compile(r'<a href="([^"]*)" class="([^"]*)"')


def test_pages_a_reading_order_leaves_out_join_their_kind():
    kinds = {"m1": "mse", "m2": "mse", "m0": "mse", "l1": "linreg-sgd", "l2": "linreg-sgd", "r1": "regression-losses"}
    assert page_order(kinds, ("l2", "m2", "m1")) == ["l2", "l1", "m2", "m1", "m0", "r1"]
    assert page_order(kinds, ()) == ["m0", "m1", "m2", "r1", "l1", "l2"]  # no reading order: kinds in registry order, slugs
    assert page_order(kinds, ("gone", "r1")) == ["r1", "m0", "m1", "m2", "l1", "l2"]  # a page not built is left out
    assert [(s.kind, s.slugs) for s in sections(kinds, ("m1", "l1", "m2"))] == [
        ("mse", ("m1",)), ("linreg-sgd", ("l1", "l2")), ("mse", ("m2", "m0")), ("regression-losses", ("r1",))]


def test_every_edition_words_each_page_of_the_reading_order_once():
    assert list(reading_order()) == READING and len(set(READING)) == len(READING)
    for language in languages():
        said = tomllib.loads((ROOT / "templates" / language / "reading-order.toml").read_text(encoding="utf-8"))
        assert sorted(said) == sorted(READING), language
        assert all(entry["text"].strip() for entry in said.values()), language


def _path(page: str, href: str) -> str:
    """A link of the site page `page` ("scenarios/a/") as a page path: "scenarios/b/", "" for home."""
    return urljoin(f"http://site/{page}", href).removeprefix("http://site/")


def sidebar(site: Path, page: str) -> list[str]:
    """The pages the sidebar lists, top to bottom (the page's own headings left out)."""
    html = (site / page / "index.html").read_text(encoding="utf-8")
    found: list[str] = []
    for href, classes in LINK.findall(html):
        if "md-nav__link" in classes.split() and not href.startswith("#") and _path(page, href) not in found:
            found.append(_path(page, href))
    return found


def footer_chain(site: Path) -> list[str]:
    """The pages reached from home by following "Next" at each page's foot."""
    chain, page = [""], ""
    while True:
        html = (site / page / "index.html").read_text(encoding="utf-8")
        following = [href for href, classes in LINK.findall(html) if "md-footer__link--next" in classes.split()]
        if not following:
            return chain
        page = _path(page, following[0])
        assert page not in chain, f"the Next links go round: {chain + [page]}"
        chain.append(page)


@pytest.mark.parametrize("edition", ["", "zh"])
def test_the_sidebar_the_footer_and_the_index_read_in_one_order(site, generated, edition):
    root = site / edition if edition else site
    expected = [f"scenarios/{slug}/" for slug in READING if slug in generated]
    assert len(expected) == len(generated), "every built page is in the reading order"
    pages = ["", *expected, "scenarios/errata/"]  # home first, the errata after the reading order
    for page in pages:
        assert sidebar(root, page) == pages, f"{edition or 'en'}: the sidebar of /{page} differs from the reading order"
    assert footer_chain(root) == pages, f"{edition or 'en'}: Previous/Next differ from the reading order"
    index = (ROOT / "docs" / ("index.zh.md" if edition else "index.md")).read_text(encoding="utf-8")
    region = index[index.index("<!-- pages:start -->"):index.index("<!-- pages:end -->")]
    numbered = re.findall(r"^\d+\. \[.*?\]\(scenarios/([\w-]+)\.md\)", region, re.M)
    listed = re.findall(r"^- \[.*?\]\(scenarios/([\w-]+)\.md\)", region, re.M)
    assert [f"scenarios/{slug}/" for slug in numbered] == expected, "the index's reading order"
    assert [f"scenarios/{slug}/" for slug in listed] == expected, "the index's list of every page"
