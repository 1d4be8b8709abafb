"""What a reader sees, in headless Chromium: math typeset with no request to another host, no
console errors, math kept across instant navigation, pages that fit a phone's width.

Screenshots of every page (desktop and phone width) are saved under test-artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT, copy_project, mkdocs_build

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="browser tests skipped: no Chromium (apt-get install chromium)"),
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


class Visit:
    """A browser page that records console errors, failed requests and every requested host."""

    def __init__(self, browser, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).hostname or r.url.split(":")[0]))

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.wait_for_math()

    def wait_for_math(self, timeout: int = 20000) -> None:
        self.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=timeout)
        self.page.evaluate("() => MathJax.startup.promise")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('mjx-container'))", timeout=timeout
        )

    def math_report(self) -> dict:
        return self.page.evaluate(
            """() => {
                const math = [...document.querySelectorAll('.arithmatex')];
                const article = document.querySelector('article');
                return {
                    spans: math.length,
                    typeset: math.filter(e => e.querySelector('mjx-container svg')).length,
                    errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
                    collapsed: math.filter(e => {
                        const svg = e.querySelector('mjx-container svg');
                        return svg && svg.getBoundingClientRect().width < 4;
                    }).length,
                    raw: (article ? article.innerText : '').match(/\\\\\\(|\\\\\\[|\\$\\$|\\\\frac|\\\\begin\\{/g) || [],
                    overflow: document.documentElement.scrollWidth - window.innerWidth,
                    clipped: math.filter(e => e.tagName === 'DIV').map(e => {
                        const svg = e.querySelector('mjx-container svg');
                        const width = svg ? svg.getBoundingClientRect().width : 0;
                        return width > e.clientWidth + 1 || e.scrollWidth > e.clientWidth + 1
                            ? `${Math.round(width)}px (scroll ${e.scrollWidth}) in ${e.clientWidth}px: ${e.textContent.trim().slice(0, 50)}` : null;
                    }).filter(x => x),
                    wide: [...document.querySelectorAll('article table, article pre > code')].map(e => {
                        const frame = e.tagName === 'TABLE' ? e.closest('.md-typeset__scrollwrap') || e.parentElement : e;
                        return frame.scrollWidth > frame.clientWidth + 1
                            ? `${e.tagName.toLowerCase()} ${frame.scrollWidth}px in ${frame.clientWidth}px: ${e.innerText.slice(0, 30)}` : null;
                    }).filter(x => x),
                };
            }"""
        )

    def close(self) -> None:
        self.context.close()


MIN_PLOT_TEXT_PX = 11


def plot_text_sizes(page) -> list[float]:
    """The CSS px size of each plot's text as shown: its font, scaled as the image is."""
    from generator.plot import FONT_POINTS

    scales = page.evaluate(
        """async () => {
            const plots = [...document.querySelectorAll('img.plot')];
            plots.forEach(img => { img.loading = 'eager'; });
            await Promise.all(plots.map(img => img.decode().catch(() => null)));
            return plots.map(img => img.getBoundingClientRect().width / (img.naturalWidth || 1));
        }"""
    )
    return [FONT_POINTS * 96 / 72 * scale for scale in scales]


def page_urls(generated) -> list[str]:
    return ["/"] + [f"/scenarios/{slug}/" for slug in sorted(generated)]


def name_of(url: str) -> str:
    return url.strip("/").replace("/", "-") or "index"


def problems(browser, base: str, url: str, width: int = 1280, screenshot: Path | None = None, timeout: int = 20000) -> list[str]:
    """Everything wrong with one page as a reader would meet it; empty when all is well."""
    visit = Visit(browser, width=width)
    found: list[str] = []
    try:
        visit.page.goto(base + url, wait_until="load")
        try:
            visit.wait_for_math(timeout)
        except Exception as error:  # a timeout here is the finding, reported below
            found.append(f"math never finished typesetting: {type(error).__name__}")
        report = visit.math_report()
        found += [f"plot text {size:.1f}px, under {MIN_PLOT_TEXT_PX}px" for size in plot_text_sizes(visit.page) if size < MIN_PLOT_TEXT_PX]
        if screenshot:
            visit.page.screenshot(path=str(screenshot), full_page=True)
        if url != "/" and report["spans"] <= 5:
            found.append(f"only {report['spans']} formulas")
        if report["typeset"] != report["spans"]:
            found.append(f"{report['spans'] - report['typeset']} of {report['spans']} formulas not typeset")
        if report["errors"]:
            found.append(f"{report['errors']} MathJax error nodes")
        if report["collapsed"]:
            found.append(f"{report['collapsed']} formulas shrunk to nothing")
        if report["raw"]:
            found.append(f"raw TeX in the text: {report['raw'][:3]}")
        if report["overflow"] > 1:
            found.append(f"page {report['overflow']}px wider than the screen")
        found += [f"formula cut off or scrolling: {c}" for c in report["clipped"]]
        if width >= 1000:  # on a phone a table or program may scroll inside its own frame
            found += [f"wider than its frame: {w}" for w in report["wide"]]
        found += [f"console: {e}" for e in visit.errors]
        found += [f"failed request: {f}" for f in visit.failed]
        found += [f"request to another host: {h}" for h in sorted(visit.hosts - {"127.0.0.1"})]
    finally:
        visit.close()
    return found


@pytest.mark.parametrize("width, label", [(1280, "desktop"), (390, "phone")])
def test_every_page_typesets_math_offline(browser, server, generated, width, label):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for url in page_urls(generated):
        found[url] = problems(browser, server, url, width, SHOTS / f"{name_of(url)}-{label}.png")
    assert {url: p for url, p in found.items() if p} == {}


def build_variant(tmp_path: Path, edit) -> Path:
    """A copy of the site sources, changed by `edit(folder)`, built by MkDocs (not strict)."""
    copy_project(tmp_path, with_site_config=True)
    edit(tmp_path)
    completed = mkdocs_build(tmp_path, tmp_path / "site", strict=False)
    assert completed.returncode == 0, completed.stderr
    return tmp_path / "site"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


WIDE_SUM = "\n$$\n" + " + ".join(f"x_{{{i}}}" for i in range(40)) + "\n$$\n"
WIDE_TABLE = "\n| a | b |\n| --- | --- |\n| " + "wide" * 60 + " | " + "x" * 200 + " |\n"
PAGE = "/scenarios/{}/"

# Broken copies of the site, each built once: two break the renderer's configuration, one breaks
# a different page for each content check, so that one build serves five checks.
VARIANTS = {
    "renderer from a CDN": [lambda f: _replace(
        f / "mkdocs.yml", "  - assets/mathjax/tex-svg.js", "  - https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js")],
    "renderer dropped": [lambda f: _replace(f / "mkdocs.yml", "  - assets/mathjax/tex-svg.js", "")],
    "content": [
        lambda f: _replace(f / "docs/scenarios/mse-mean.md", r"\frac{17}{6}", r"\frac{17}{6"),
        lambda f: _append(f / "docs/scenarios/mse-sum.md", WIDE_SUM),
        lambda f: _append(f / "docs/scenarios/regression-losses.md", WIDE_SUM * 2),
        lambda f: _append(f / "docs/scenarios/regression-losses-beta.md", WIDE_TABLE),
        lambda f: _append(f / "docs/stylesheets/extra.css", ".md-typeset img.plot { max-width: 200px; }\n"),
    ],
}

# breakage -> (broken copy, page, width, what a finding must say)
BREAKAGES = {
    "renderer from a CDN": ("renderer from a CDN", PAGE.format("mse-mean"), 1280, "request to another host"),
    "renderer dropped": ("renderer dropped", PAGE.format("mse-mean"), 1280, "not typeset"),
    "broken formula": ("content", PAGE.format("mse-mean"), 1280, "not typeset"),
    "wide formula on a phone": ("content", PAGE.format("mse-sum"), 390, "formula cut off"),
    "wide formula on a desktop": ("content", PAGE.format("regression-losses"), 1280, "formula cut off"),
    "wide table": ("content", PAGE.format("regression-losses-beta"), 1280, "wider than its frame: table"),
    "small plot text": ("content", PAGE.format("linreg-sgd"), 390, "plot text"),
}


@pytest.fixture(scope="module")
def broken_sites(tmp_path_factory):
    """Each broken copy, built once when a test first asks for it, and served on 127.0.0.1."""
    built: dict[str, str] = {}
    servers = []

    def serve(variant: str) -> str:
        if variant not in built:
            folder = tmp_path_factory.mktemp("broken")
            site = build_variant(folder, lambda f: [edit(f) for edit in VARIANTS[variant]])
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            servers.append(httpd)
            built[variant] = f"http://127.0.0.1:{httpd.server_address[1]}"
        return built[variant]

    yield serve
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_checks_catch_a_broken_site(browser, broken_sites, breakage):
    variant, url, width, expected = BREAKAGES[breakage]
    found = problems(browser, broken_sites(variant), url, width, timeout=4000)
    assert any(expected in finding for finding in found), f"{breakage}: no finding says {expected!r}: {found}"
    print(breakage, found)


def test_instant_navigation_keeps_math_rendered(browser, server, generated):
    visit = Visit(browser)
    try:
        visit.open(server + "/")
        for slug in ("mse-mean", "linreg-sgd"):
            visit.page.click(f"article a[href$='scenarios/{slug}/']")
            visit.page.wait_for_url(re.compile(f".*/scenarios/{slug}/$"))
            visit.wait_for_math()
            report = visit.math_report()
            assert report["spans"] > 5 and report["typeset"] == report["spans"] and report["raw"] == [], (slug, report)
            visit.page.go_back()
            visit.page.wait_for_url(re.compile(r".*/$"))
        # instant navigation replaced the content without a full load: the document was never reloaded
        assert visit.page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
        assert visit.errors == [] and visit.failed == [] and visit.hosts == {"127.0.0.1"}
    finally:
        visit.close()


def test_results_file_is_linked_for_download(browser, server):
    visit = Visit(browser)
    try:
        visit.open(server + "/scenarios/mse-mean/")
        link = visit.page.locator("a[download][href$='mse-mean.json']")
        assert link.count() == 1
        response = visit.page.request.get(server + "/scenarios/mse-mean.json")
        assert response.ok and response.json()["loss"]["exact"] == "17/6"
    finally:
        visit.close()
