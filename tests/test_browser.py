"""What a reader sees, in headless Chromium: math typeset with no request to another host, no
console errors, math kept across instant navigation, pages that fit a phone's width.

With SCREENSHOTS=1 (`make screenshots`), pictures of every page at desktop and phone width are
saved under test-artifacts/screenshots/ (a full-page picture costs about as much as the checks).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import CHROMIUM, ROOT, copy_project, mkdocs_build, serving

SHOTS = ROOT / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="browser tests skipped: no Chromium (apt-get install chromium)"),
]


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
        self.page.on("requestfailed", self._failed)
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).hostname or r.url.split(":")[0]))

    def _failed(self, request) -> None:
        # net::ERR_ABORTED: the browser cancelled the request itself, as it does with the favicon's
        # when the tab moves on before it arrives; a missing or refused file fails otherwise
        # (a 404 is a console error; a refused or unresolved host is ERR_CONNECTION_REFUSED, ...)
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.url} {request.failure}")

    def forget(self) -> None:
        """Before the next page: what this one recorded is its own."""
        self.errors.clear()
        self.failed.clear()
        self.hosts.clear()

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
                        // a formula in a content tab that is not picked is not shown (display: none)
                        if (e.closest('.tabbed-block') && !e.checkVisibility()) return false;
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
                        // a program (the block with a file name) keeps its lines and may scroll: wrapped Python misleads
                        if (e.tagName === 'CODE' && e.parentElement.previousElementSibling?.classList.contains('filename')) return null;
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


def page_urls(generated, editions: tuple[str, ...] = ("", "zh/")) -> list[str]:
    """Every page of the editions (both by default): the index, the errata and each scenario's page."""
    pages = ["", "scenarios/errata/"] + [f"scenarios/{slug}/" for slug in sorted(generated)]
    return [f"/{edition}{page}" for edition in editions for page in pages]


MOJIBAKE = re.compile("\ufffd|Ã.|â€|ä¸|å[\x80-\xbf]|ç[\x80-\xbf]")  # UTF-8 read as Latin-1, or lost characters
HAN = re.compile("[\u4e00-\u9fff]")


def name_of(url: str) -> str:
    return url.strip("/").replace("/", "-") or "index"


def text_problems(page, url: str) -> list[str]:
    """Mojibake anywhere; in the Chinese edition, a page with no Chinese or not marked as Chinese."""
    text = page.evaluate("() => document.body.innerText")
    found = [f"mojibake: {m!r}" for m in MOJIBAKE.findall(text)[:3]]
    if url.startswith("/zh/"):
        lang = page.evaluate("() => document.documentElement.lang")
        if lang not in ("zh", "zh-Hans"):
            found.append(f"<html lang={lang!r}> in the Chinese edition")
        article = page.evaluate("() => (document.querySelector('article') || document.body).innerText")
        if len(HAN.findall(article)) < 20:
            found.append("the Chinese page has almost no Chinese")
    return found


def problems(visit: Visit, base: str, url: str, width: int = 1280, screenshot: Path | None = None, timeout: int = 20000,
             more_widths: tuple[int, ...] = ()) -> list[str]:
    """Everything wrong with one page as a reader would meet it; empty when all is well. The page
    is loaded in `visit`'s tab, after the pages before it, as a reader goes from page to page (the
    browser then reuses the scripts it compiled: a third off each load); what the tab recorded
    before is forgotten first (a late event of the page before may then count against this one:
    a false alarm, never a defect hidden). It is loaded once at `width`, then looked at again at
    each of `more_widths` (the window resized: MathJax's SVG does not change with it, the layout
    does); `screenshot` names the first width's picture, and "-<width>" is inserted before its
    suffix for the others."""
    visit.forget()
    visit.page.set_viewport_size({"width": width, "height": 900})
    found: list[str] = []
    visit.page.goto(base + url, wait_until="load")
    try:
        visit.wait_for_math(timeout)
    except Exception as error:  # a timeout here is the finding, reported below
        found.append(f"math never finished typesetting: {type(error).__name__}")
    visit.page.evaluate("() => document.querySelectorAll('article details').forEach(d => { d.open = true; })")  # every collapsible opened
    found += text_problems(visit.page, url)
    for index, shown in enumerate((width, *more_widths)):
        if index:
            visit.page.set_viewport_size({"width": shown, "height": 900})
            visit.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        shot = screenshot if screenshot is None or not index else screenshot.with_name(f"{screenshot.stem}-{shown}{screenshot.suffix}")
        found += [f"{shown}px: {finding}" if more_widths else finding for finding in layout_problems(visit, url, shown, shot)]
    found += [f"console: {e}" for e in visit.errors]
    found += [f"failed request: {f}" for f in visit.failed]
    found += [f"request to another host: {h}" for h in sorted(visit.hosts - {"127.0.0.1"})]
    return found


# Read as a reader reads, every collapsible opened: Markdown left in the text (a fence outside its
# block), a line that starts with closing punctuation (after an inline formula, or in Chinese), inline
# code broken inside a token (a break may follow a space, "-" or "/"), and a table that scrolls
# sideways with no cue (a shadow at its edge) or without its first column kept in view.
READING = """() => {
    const article = document.querySelector('article') || document.body;
    const found = {fences: [], starts: [], broken: [], uncued: []};
    const range = document.createRange();
    const box = (node, i) => { range.setStart(node, i); range.setEnd(node, i + 1); return [...range.getClientRects()].find(r => r.width > 0); };
    const copy = article.cloneNode(true);
    copy.querySelectorAll('pre, code').forEach(e => e.remove());
    const at = copy.textContent.indexOf('```');
    if (at >= 0) found.fences.push(copy.textContent.slice(Math.max(0, at - 30), at + 20).replace(/\\s+/g, ' '));
    const skip = n => n.parentElement.closest('pre, code, .arithmatex, script, style, .headerlink');
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: n => skip(n) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
    for (let n; (n = walker.nextNode());) {
        for (let i = 0; i < n.data.length; i++) {
            if (!/[，。、；：！？）」』】,.;:!?)\\]]/.test(n.data[i])) continue;
            const here = box(n, i);
            if (!here) continue;
            const block = n.parentElement.closest('p, li, td, th, dd, dt, h1, h2, h3, h4, summary, div') || article;
            range.setStart(block, 0); range.setEnd(n, i);
            const before = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0).pop();
            if (before && here.top >= before.bottom - 2) found.starts.push(`"${n.data.slice(i, i + 4)}" after "${range.toString().slice(-12)}"`);
        }
    }
    for (const code of article.querySelectorAll('code')) {
        const text = code.firstChild;
        if (code.closest('pre') || !text || text.nodeType !== 3 || code.getClientRects().length < 2) continue;
        let top = null;
        for (let i = 0; i < text.data.length; i++) {
            const r = box(text, i);
            if (!r) continue;
            if (top !== null && r.top > top + 2 && !/[\\s\\-\\/]/.test(text.data[i - 1])) found.broken.push(`${text.data.slice(0, i)} / ${text.data.slice(i)}`);
            top = r.top;
        }
    }
    for (const table of article.querySelectorAll('table')) {
        const frame = table.closest('.md-typeset__scrollwrap') || table.parentElement;
        if (frame.scrollWidth <= frame.clientWidth + 1) continue;
        const first = table.querySelector('tr > :first-child');
        const cued = getComputedStyle(frame).backgroundImage.includes('gradient') && first && getComputedStyle(first).position === 'sticky';
        if (!cued) found.uncued.push(`${frame.scrollWidth}px in ${frame.clientWidth}px: ${table.innerText.slice(0, 30).replace(/\\s+/g, ' ')}`);
    }
    return found;
}"""


def reading_problems(visit: Visit) -> list[str]:
    found = visit.page.evaluate(READING)
    return ([f"Markdown in the text: {f!r}" for f in found["fences"]]
            + [f"line starts with punctuation: {s}" for s in found["starts"][:3]]
            + [f"code broken inside a token: {b}" for b in found["broken"][:3]]
            + [f"table scrolls with no cue: {u}" for u in found["uncued"]])


def layout_problems(visit: Visit, url: str, width: int, screenshot: Path | None) -> list[str]:
    """What is wrong with the page as laid out at `width`."""
    report = visit.math_report()
    found_reading = reading_problems(visit)
    found = [f"plot text {size:.1f}px, under {MIN_PLOT_TEXT_PX}px" for size in plot_text_sizes(visit.page) if size < MIN_PLOT_TEXT_PX]
    if screenshot:
        visit.page.screenshot(path=str(screenshot), full_page=True, type="jpeg", quality=80)  # a third faster than PNG
    if "/scenarios/" in url and "errata" not in url and report["spans"] <= 5:
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
    return found + found_reading


def edition_problems(browser, server: str, generated, edition: str) -> dict[str, list[str]]:
    """Each page of one edition loaded once at 1280 px (desktop), then resized to 390 px (phone),
    one page after another in one tab, as a reader goes. With SCREENSHOTS=1 (`make screenshots`)
    it also saves both pictures of every page."""
    shots = os.environ.get("SCREENSHOTS") == "1"
    if shots:
        SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    tab = Visit(browser)
    try:
        for url in page_urls(generated, (edition,)):
            shot = SHOTS / f"{name_of(url)}.jpg" if shots else None
            found[url] = problems(tab, server, url, 1280, shot, more_widths=(390,))
    finally:
        tab.close()
    return {url: p for url, p in found.items() if p}


def test_every_english_page_typesets_math_offline_at_both_widths(browser, server, generated):
    """The Chinese edition's pages: tests/test_browser_zh.py, a file of its own so that the other
    pytest-xdist worker (--dist loadfile) checks them at the same time."""
    assert edition_problems(browser, server, generated, "") == {}


def build_variant(tmp_path: Path, edit, editions: bool) -> Path:
    """A copy of the site sources, changed by `edit(folder)`, built by MkDocs (not strict)."""
    copy_project(tmp_path, with_site_config=True)
    edit(tmp_path)
    completed = mkdocs_build(tmp_path, tmp_path / "site", strict=False, editions=editions)
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
# four columns of code tokens, each narrower than the phone's column share once code may break anywhere
CODE_TABLE = "\n| a | b | c | d |\n| --- | --- | --- | --- |\n" + '| `reduction="sum"` | `steps[0].loss` | `SmoothL1Loss` | `grad_weight` |\n'
PAGE = "/scenarios/{}/"

# Broken copies of the site, each built once: two break the renderer's configuration, one breaks
# a different page for each content check, so that one build serves five checks.
VARIANTS = {
    "renderer from a CDN": [lambda f: _replace(
        f / "mkdocs.yml", "  - assets/mathjax/tex-svg.js", "  - https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js")],
    "renderer dropped": [lambda f: _replace(f / "mkdocs.yml", "  - assets/mathjax/tex-svg.js", ""),
                         lambda f: _replace(f / "mkdocs.zh.yml", "  language: zh", "  language: en")],
    "content": [
        lambda f: _replace(f / "docs/scenarios/mse-mean.md", r"\frac{17}{6}", r"\frac{17}{6"),
        lambda f: _append(f / "docs/scenarios/mse-sum.md", WIDE_SUM),
        lambda f: _append(f / "docs/scenarios/linreg-sgd.md", CODE_TABLE),
        lambda f: _append(f / "docs/scenarios/regression-losses.md", WIDE_SUM * 2),
        lambda f: _append(f / "docs/scenarios/regression-losses-beta.md", WIDE_TABLE),
        lambda f: _append(f / "docs/stylesheets/extra.css", ".md-typeset img.plot { max-width: 200px; }\n"),
        lambda f: _replace(f / "docs/scenarios/mse-sum.zh.md", "## 1. 损失", "## 1. æŸå¤±"),  # UTF-8 read as Latin-1
        lambda f: _replace(f / "docs/scenarios/regression-losses.zh.md", r"\beta = ", r"\beta = \frac{1}{"),
        lambda f: _replace(f / "docs/scenarios/linreg-sgd-stable.md", "\n    ```\n\n!!! tip", "\n```\n\n!!! tip"),  # issue 23's fence
        lambda f: _replace(f / "generator/mkdocs_hooks.py", "return TRAILING_PUNCTUATION.sub(", "return html or TRAILING_PUNCTUATION.sub("),
        lambda f: _append(f / "docs/stylesheets/extra.css", ".md-typeset code { word-break: break-word; overflow-wrap: anywhere; }\n"
                                                            ".md-typeset__scrollwrap { background: none !important; }\n"),
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
    "mojibake in the Chinese edition": ("content", "/zh" + PAGE.format("mse-sum"), 1280, "mojibake"),
    "broken formula in the Chinese edition": ("content", "/zh" + PAGE.format("regression-losses"), 1280, "not typeset"),
    "Chinese edition marked English": ("renderer dropped", "/zh/", 1280, "<html lang='en'>"),
    "a fence outside its collapsible": ("content", PAGE.format("linreg-sgd-stable"), 1280, "Markdown in the text"),
    "punctuation after a formula starts a line": ("content", "/zh" + PAGE.format("linreg-sgd-stable"), 390, "line starts with punctuation"),
    "code broken inside a token": ("content", PAGE.format("linreg-sgd"), 390, "code broken inside a token"),  # CODE_TABLE
    "a table scrolls with no cue": ("content", PAGE.format("regression-losses-beta"), 390, "table scrolls with no cue"),
}


@pytest.fixture(scope="module", autouse=True)
def broken_builds(tmp_path_factory):
    """The broken copies, built one after another in the background from the module's start, so
    that MkDocs builds them on one core while the browser checks the real site on the other."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    builds = {
        variant: pool.submit(build_variant, tmp_path_factory.mktemp("broken"), lambda f, v=variant: [edit(f) for edit in VARIANTS[v]],
                             editions=variant != "renderer from a CDN")
        for variant in VARIANTS
    }
    yield builds
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def broken_sites(broken_builds):
    """Each broken copy, served on 127.0.0.1 once a test asks for it."""
    from contextlib import ExitStack

    built: dict[str, str] = {}
    with ExitStack() as servers:
        def serve(variant: str) -> str:
            if variant not in built:
                built[variant] = servers.enter_context(serving(broken_builds[variant].result(timeout=600)))
            return built[variant]

        yield serve


@pytest.fixture(scope="module")
def tab(browser):
    """One tab that goes from page to page, as edition_problems checks the real site."""
    visit = Visit(browser)
    yield visit
    visit.close()


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_checks_catch_a_broken_site(browser, broken_sites, tab, breakage):
    """In the one tab, after the pages of the breakages before it: what a page before left behind
    (its scripts, its findings, its window size) hides nothing."""
    variant, url, width, expected = BREAKAGES[breakage]
    found = problems(tab, broken_sites(variant), url, width, timeout=1500)  # a timeout is a finding here
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
        for name in ("mse-mean.py", "mse-mean.ipynb", "mse-mean.json"):  # the "Run it yourself" box
            assert visit.page.locator(f".admonition.tip a[download][href$='{name}']").count() == 1, name
        assert visit.page.locator(".environment-stamp a[download][href$='mse-mean.json']").count() == 1  # and the footer
        response = visit.page.request.get(server + "/scenarios/mse-mean.json")
        assert response.ok and response.json()["loss"]["exact"] == "17/6"
    finally:
        visit.close()


def twin_of(url: str) -> str:
    return url.removeprefix("/zh") if url.startswith("/zh/") else "/zh" + url


def test_every_language_link_leads_to_the_twin_page(site, generated):
    """On every page of both editions, the selector's link for the other language is that page's twin."""
    from urllib.parse import urljoin

    for url in page_urls(generated):
        text = (site / url.lstrip("/") / "index.html").read_text(encoding="utf-8")
        links = dict((lang, href) for href, lang in re.findall(r'<a href="([^"]*)" hreflang="([a-z]+)"[^>]*class="md-select__link"', text))
        other = "en" if url.startswith("/zh/") else "zh"
        assert urljoin("http://host" + url, links[other]) == "http://host" + twin_of(url), (url, links)
        assert urljoin("http://host" + url, links["zh" if other == "en" else "en"]) == "http://host" + url, (url, links)


def test_the_language_switch_lands_on_the_same_page(browser, server):
    """A reader's clicks on the selector, with the theme's script running, land on the twin and back."""
    visit = Visit(browser)
    try:
        visit.page.goto(server + "/scenarios/linreg-sgd/", wait_until="load")
        for url, other in (("/scenarios/linreg-sgd/", "zh"), ("/zh/scenarios/linreg-sgd/", "en"), ("/scenarios/linreg-sgd/", None)):
            chinese = url.startswith("/zh/")
            assert visit.page.evaluate("() => location.pathname") == url
            assert visit.page.evaluate("() => document.documentElement.lang") == ("zh" if chinese else "en")
            heading = visit.page.evaluate("() => document.querySelector('article h1').innerText")
            assert bool(HAN.search(heading)) == chinese, heading
            if other:
                visit.page.hover(".md-header__option .md-select")
                visit.page.click(f"a.md-select__link[hreflang='{other}']")
                visit.page.wait_for_url(server + twin_of(url))
        assert visit.errors == [] and visit.failed == []
    finally:
        visit.close()


SEARCHED = ("梯度", "均方误差", "学习率", "小批量")


def test_chinese_search_finds_the_pages_that_contain_a_word(browser, server, generated):
    """Type each word into the Chinese edition's search box: the results list pages holding it, the
    best match first (jieba's segments also match parts of a word, so pages holding only a part
    follow). Playwright types CJK as inserted text with no key events, and the theme's search
    listens for keyup: the End key sends one."""
    visit = Visit(browser)
    try:
        visit.page.goto(server + "/zh/", wait_until="load")
        visit.page.click("label.md-search__icon[for='__search'], .md-search__input")
        box = visit.page.locator("input.md-search__input")
        for word in SEARCHED:
            holding = {slug for slug, page in generated.items() if word in page.files[f"{slug}.zh.md"].decode()}
            assert holding, word
            box.fill("")
            box.focus()
            visit.page.keyboard.press("End")  # the cleared box empties the list
            visit.page.wait_for_function("() => !document.querySelector('.md-search-result__item')", timeout=10000)
            visit.page.keyboard.type(word)
            visit.page.keyboard.press("End")
            visit.page.wait_for_selector(".md-search-result__item", timeout=10000)
            links = visit.page.eval_on_selector_all(".md-search-result__item > a", "links => links.map(a => a.href)")
            found = [re.sub(r"[#?].*", "", href).rstrip("/").rsplit("/", 1)[-1] for href in links]
            assert set(found) & holding, (word, found)
            assert found[0] in holding | {"zh", "errata"}, (word, found)  # the index and the errata quote the pages
            meta = visit.page.inner_text(".md-search-result__meta")
            assert "Type to start searching" not in meta and "键入" not in meta, meta
    finally:
        visit.close()
