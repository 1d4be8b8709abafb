"""The committed docs/ build into a site with MkDocs in strict mode, math marked for MathJax."""

from __future__ import annotations


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
