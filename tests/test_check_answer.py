""""Check my answer" (generator/answers.py, docs/javascripts/check-answer.js): the JavaScript's
verdicts agree with the Python claims rule on one shared table (tests/check_answer_cases.toml), and
on the built site every box judges the value the results hold at its data-path right, and a value
one unit off in its last digit wrong, in both editions."""

from __future__ import annotations

import json
import re
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import ROOT

from generator.claims import _number, is_right, is_right_real, round_half_away

CASES = tomllib.loads((Path(__file__).parent / "check_answer_cases.toml").read_text(encoding="utf-8"))["case"]
SCRIPT = (ROOT / "docs" / "javascripts" / "check-answer.js").read_text(encoding="utf-8")
WORDS = {"right": "right", "right-places": "right to {places}", "wrong": "wrong{where}: {exact}", "wrong-about": "wrong{where}: about {exact}",
         "rounding": " rounded to {places}: {value}", "at": " at {i}", "at-cell": " at {i}, {j}", "invalid": "invalid",
         "shape": "shape",
         "undecided": "undecided"}


def table():
    return [(case["exact"], answer, verdict) for case in CASES for verdict, answers in case["answers"].items()
            for answer in answers]


# --- the Python rule ------------------------------------------------------------------------------


def parse(text: str):
    """A learner's input as nested lists of claims.Number (claims._number for each entry)."""
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise ValueError(text)
        inner, items, depth, start = text[1:-1], [], 0, 0
        for i, char in enumerate(inner + ","):
            depth += {"[": 1, "]": -1}.get(char, 0)
            if char == "," and depth == 0:
                items.append(parse(inner[start:i]))
                start = i + 1
        return items
    if not text:
        raise ValueError("empty")
    return _number(text)


def python_verdict(exact, answer: str) -> str:
    try:
        parsed = parse(answer)
    except Exception:  # any refusal is "not a number"
        return "invalid"

    def judge(claimed, value):
        if isinstance(value, list):
            if not isinstance(claimed, list) or len(claimed) != len(value):
                raise LookupError("shape")
            return all([judge(c, v) for c, v in zip(claimed, value)])
        if isinstance(claimed, list):
            raise LookupError("shape")
        if isinstance(value, dict):
            return is_right_real(claimed, value["expr"])
        return is_right(claimed, Fraction(value))

    try:
        return "right" if judge(parsed, exact) else "wrong"
    except LookupError:
        return "invalid"


@pytest.mark.parametrize(("exact", "answer", "verdict"), table())
def test_the_python_rule_gives_the_tables_verdicts(exact, answer, verdict):
    assert python_verdict(exact, answer) == verdict


# --- the JavaScript, in Chromium --------------------------------------------------------------------


def embedded(exact):
    """What a box embeds: an irrational value without its expression."""
    if isinstance(exact, list):
        return [embedded(item) for item in exact]
    return {"lo": exact["lo"], "hi": exact["hi"]} if isinstance(exact, dict) else exact


def form(number: int, exact) -> str:
    data = {"path": f"case{number}", "exact": json.dumps(embedded(exact))} | WORDS
    attributes = " ".join(f"data-{key}='{value}'" for key, value in data.items())
    return f"<form class='check-answer' {attributes}><input type='text'><button>go</button><output></output></form>"


JUDGE_ALL = """([number, answers]) => {
  const form = document.querySelectorAll("form.check-answer")[number];
  return answers.map(answer => {
    form.querySelector("input").value = answer;
    form.requestSubmit();
    return form.querySelector("output").dataset.verdict || "none";
  });
}"""


@pytest.fixture(scope="module")
def harness(browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<html><body>" + "".join(form(i, case["exact"]) for i, case in enumerate(CASES)) + "</body></html>")
    page.add_script_tag(content=SCRIPT)
    yield page, errors
    page.close()


def test_the_javascript_gives_the_tables_verdicts(harness):
    page, errors = harness
    wrong = []
    for number, case in enumerate(CASES):
        answers = [(answer, verdict) for verdict, listed in case["answers"].items() for answer in listed]
        got = page.evaluate(JUDGE_ALL, [number, [answer for answer, _ in answers]])
        wrong += [(case["exact"], answer, verdict, verdict_got) for (answer, verdict), verdict_got in zip(answers, got)
                  if verdict != verdict_got]
    assert wrong == [] and errors == []


def test_a_huge_or_hostile_input_is_invalid_and_nothing_throws(harness):
    page, errors = harness
    hostile = ["9" * 5000, "1/" + "9" * 5000, "[" * 3000 + "1" + "]" * 3000, "<img src=x onerror=alert(1)>", "1/3" * 200]
    assert page.evaluate(JUDGE_ALL, [0, hostile]) == ["invalid"] * len(hostile)
    assert errors == []
    assert page.locator("img").count() == 0  # the verdict is text, never markup


def test_typing_and_enter_give_a_verdict_with_the_exact_value(harness):
    page, _ = harness
    box = page.locator("form.check-answer").first
    box.locator("input").fill("2.8334")
    box.locator("input").press("Enter")
    output = box.locator("output")
    assert output.get_attribute("data-verdict") == "wrong"
    assert output.inner_text() == "wrong: 17/6 rounded to 4: 2.8333"
    box.locator("input").fill("[2.8333]")
    box.locator("input").press("Enter")
    assert output.get_attribute("data-verdict") == "invalid" and output.inner_text() == "shape"
    box.locator("input").fill("2.83")
    box.locator("input").press("Enter")
    assert output.get_attribute("data-verdict") == "right" and output.inner_text() == "right to 2"


# --- the boxes on the built site --------------------------------------------------------------------


def node_at(results: dict, path: str):
    node = results
    for name, index in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path):
        node = node[int(index)] if index else node[name]
    return node


def answer_of(node, off: bool = False) -> str:
    """The results' value as a learner would type it: a fraction, or an irrational value rounded to
    6 places from its enclosure; `off`: the first entry one unit off in its last digit (or + 1)."""
    if isinstance(node, list):
        return "[" + ", ".join(answer_of(item, off and i == 0) for i, item in enumerate(node)) + "]"
    if isinstance(node, dict) and "exact" in node:
        node = node["exact"]
    if isinstance(node, dict):
        value = round_half_away(Fraction(node["lo"]), 6) + (Fraction(1, 10**6) if off else 0)
        sign, count = ("-" if value < 0 else ""), abs(value.numerator * 10**6 // value.denominator)
        return f"{sign}{count // 10**6}.{count % 10**6:06d}"
    return str(Fraction(str(node)) + 1) if off else str(node)


def boxes_on(page, base: str, url: str, results: dict) -> tuple[list[str], int]:
    """Every box of one page: the results' value is right, one off is wrong, a word is invalid.
    The problems found, and how many boxes."""
    page.goto(base + url)
    problems = []
    paths = page.eval_on_selector_all("form.check-answer", "forms => forms.map(f => f.dataset.path)")
    for number, path in enumerate(paths):
        node = node_at(results, path)
        got = page.evaluate(JUDGE_ALL, [number, [answer_of(node), answer_of(node, off=True), "x"]])
        if got != ["right", "wrong", "invalid"]:
            problems.append(f"{url} {path}: {got}")
    return problems, len(paths)


@pytest.fixture(scope="module")
def site_pages(generated):
    return [(f"/{prefix}scenarios/{slug}/", slug) for slug in generated for prefix in ("", "zh/")]


def test_every_box_on_the_site_judges_its_results_value(browser, server, site_pages, results):
    """One tab for every page, with the page's HTML and the boxes' script only: the boxes need
    nothing else (check-answer.js is plain JavaScript, delegated on the document). MathJax and
    material's bundle are most of a page's load; tests/test_browser.py loads every page whole, and
    the tests below judge a box on a whole page."""
    page = browser.new_page()
    needed = re.compile(r"/(?:index\.html)?$|/javascripts/check-answer\.js$")
    page.route("**/*", lambda route: route.continue_() if needed.search(route.request.url) else route.abort())
    problems, counts = [], {}
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    for url, slug in site_pages:
        found, count = boxes_on(page, server, url, results[slug])
        problems += found
        counts[url] = count
    page.close()
    assert problems == []
    assert all(count >= 3 for count in counts.values()), counts


def test_a_wrong_embedded_answer_is_caught(browser, server, results):
    """A box whose embedded value is not the results' (here: one more): the site check reports it."""
    page = browser.new_page()
    page.goto(server + "/scenarios/mse-mean/")
    paths = page.eval_on_selector_all("form.check-answer", "forms => forms.map(f => f.dataset.path)")
    number = paths.index("loss")
    page.evaluate("([n, value]) => document.querySelectorAll('form.check-answer')[n].dataset.exact = JSON.stringify(value)",
                  [number, answer_of(node_at(results["mse-mean"], "loss"), off=True)])
    got = page.evaluate(JUDGE_ALL, [number, [answer_of(node_at(results["mse-mean"], "loss"))]])
    page.close()
    assert got == ["wrong"]


def test_a_wrong_answer_offers_the_first_step_from_the_results(browser, server, results):
    page = browser.new_page()
    page.goto(server + "/zh/scenarios/mse-mean/")
    box = page.locator("form.check-answer[data-path='loss']")
    hint = box.locator(".check-answer-hint")
    assert hint.is_hidden()
    box.locator("input").fill(answer_of(node_at(results["mse-mean"], "loss"), off=True))
    box.locator("button").click()
    page.wait_for_function("() => document.querySelector(\"form.check-answer[data-path='loss'] output\").dataset.verdict")
    assert box.locator("output").get_attribute("data-verdict") == "wrong"
    assert hint.is_visible() and hint.inner_text().endswith(" = " + results["mse-mean"]["sum_squares"]["exact"])
    assert "错误" in box.locator("output").inner_text()
    page.close()
