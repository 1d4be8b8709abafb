"""Linked content tabs (pymdownx.tabbed with content.tabs.link): the MSE pages put both reductions
side by side in exercise 1's answer, each tab holding that reduction's loss from the results; the
reduction a reader picks stays picked on the next MSE page."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from conftest import ROOT

from generator.formatting import fraction_latex

MSE = ["mse-mean", "mse-sum", "mse-legacy"]


def tabs(page: str) -> dict[str, str]:
    """Each tab's title and its indented content."""
    found = {}
    for match in re.finditer(r'^    === "([^"]+)"\n((?:\n|        .*\n)*)', page, flags=re.M):
        found[match.group(1)] = match.group(2)
    return found


@pytest.mark.parametrize("slug", MSE)
@pytest.mark.parametrize("suffix", [".md", ".zh.md"])
def test_each_reduction_tab_holds_that_reductions_loss(slug, suffix, results):
    result = results[slug]
    page = (ROOT / "docs" / "scenarios" / f"{slug}{suffix}").read_text(encoding="utf-8")
    found = tabs(page)
    assert sorted(found) == ["mean", "sum"], found
    losses = {result["reduction"]: result["loss"]["exact"], result["other_reduction"]["reduction"]: result["other_reduction"]["loss"]["exact"]}
    for reduction, exact in losses.items():
        assert f"\\ell &= {fraction_latex(Fraction(exact))}" in found[reduction], (slug, reduction)


def test_the_picked_reduction_follows_the_reader(browser, server):
    page = browser.new_page()
    page.goto(server + "/scenarios/mse-mean/")
    answer = page.locator("details:has(.tabbed-set)")
    answer.evaluate("d => d.open = true")
    answer.locator(".tabbed-labels label", has_text="sum").click()
    page.goto(server + "/scenarios/mse-sum/")
    picked = """() => {
      const set = document.querySelector("details .tabbed-set");
      const input = set && set.querySelector(":scope > input:checked");
      return input ? set.querySelector(`label[for="${input.id}"]`).textContent.trim() : null;
    }"""
    page.wait_for_load_state("load")
    try:  # the picked tab is restored after the page loads: wait for it (red without docs/javascripts/linked-tabs.js)
        page.wait_for_function(f"() => ({picked})() === 'sum'", timeout=10000)
    except Exception:  # the assertion below reports it
        pass
    label = page.evaluate(picked)
    page.close()
    assert label == "sum"
