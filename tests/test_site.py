"""The committed docs/ build into a site with MkDocs in strict mode, math marked for MathJax."""

from __future__ import annotations

import re


def test_strict_build_has_every_scenario_page(site, generated):
    for slug in generated:
        html = (site / "scenarios" / slug / "index.html").read_text()
        assert 'class="arithmatex"' in html
        assert (site / "scenarios" / f"{slug}.json").exists()


def test_index_links_every_page(site, generated):
    html = (site / "index.html").read_text()
    for slug in generated:
        assert f'href="scenarios/{slug}/"' in html


def test_mathjax_is_served_from_the_site(site):
    assert (site / "assets/mathjax/tex-svg.js").stat().st_size > 100_000
    html = (site / "index.html").read_text()
    assert "assets/mathjax/tex-svg.js" in html


def test_the_404_page_speaks_its_edition_language(site):
    english, chinese = (site / "404.html").read_text(), (site / "zh" / "404.html").read_text()
    assert "<h1>404 - Not found</h1>" in english and "页面未找到" not in english
    assert "<h1>404 - 页面未找到</h1>" in chinese and "Not found" not in chinese


def test_the_404_page_links_back_to_the_start_page(site):
    for page, words in ((site / "404.html", "Back to the start page"), (site / "zh" / "404.html", "回到首页")):
        html = page.read_text(encoding="utf-8")
        link = re.search(r'<a href="([^"]*)">' + words + "</a>", html)
        assert link and link.group(1) in ("/", "/.", "/zh/", "/zh/."), (page, link and link.group(1))


def test_the_footer_speaks_its_edition_language(site):
    for page in [site / "zh" / "index.html", site / "zh" / "404.html", *sorted((site / "zh" / "scenarios").glob("*/index.html"))]:
        html = page.read_text(encoding="utf-8")
        assert "Made with" not in html and "本站使用" in html, page
    assert "Made with" in (site / "index.html").read_text(encoding="utf-8")
