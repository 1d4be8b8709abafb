"""The Chinese pages' key to the shared plots: one SVG serves both editions and is labelled in
English, so each Chinese page lists the plot's English texts with the Chinese words for them.
Expected rows are read from the two labels files directly, and chosen by what each built-in
scenario draws (its zero_grad setting), not by the code that builds the key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "scenarios"


def plot_words(language: str, kind: str) -> dict[str, str]:
    return tomllib.loads((ROOT / "templates" / language / "labels" / f"{kind}.toml").read_text())["plot"]


def key_rows(page: str) -> list[tuple[str, str]]:
    """The rows of the table under the heading row '| 图中的英文 | 含义 |', pipes unescaped."""
    lines = page.split("\n")
    start = lines.index("| 图中的英文 | 含义 |")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("| "):
            break
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append((cells[0], cells[1]))
    return rows


@pytest.mark.parametrize("kind", ["linreg-sgd", "regression-losses"])
def test_both_editions_word_the_same_plot_texts(kind):
    assert set(plot_words("zh", kind)) == set(plot_words("en", kind))


@pytest.mark.parametrize(("slug", "keys"), [
    ("linreg-sgd", ["x", "y_log", "batch", "epoch"]),  # the source post's rate diverges: a log axis
    ("linreg-sgd-stable", ["x", "y", "batch", "epoch", "minimum"]),
    ("linreg-sgd-no-zero-grad", ["x", "y", "without_zero_grad", "epoch_without_zero_grad", "with_zero_grad"]),
])
def test_the_sgd_key_pairs_each_drawn_text_with_its_words(slug, keys):
    en, zh = plot_words("en", "linreg-sgd"), plot_words("zh", "linreg-sgd")
    rows = dict(key_rows((DOCS / f"{slug}.zh.md").read_text()))
    for key in keys:
        assert rows.get(en[key]) == zh[key], (slug, key, rows)
    assert "图中的英文" not in (DOCS / f"{slug}.md").read_text()


@pytest.mark.parametrize("slug", ["regression-losses", "regression-losses-beta"])
def test_the_losses_key_names_both_boundaries_with_the_runs_values(slug):
    en, zh = plot_words("en", "regression-losses"), plot_words("zh", "regression-losses")
    scenario = tomllib.loads((ROOT / "scenarios" / f"{slug}.toml").read_text())
    rows = dict(key_rows((DOCS / f"{slug}.zh.md").read_text()))
    for key in ("x", "y", "entries"):
        assert rows.get(en[key]) == zh[key], (slug, key, rows)
    for key in ("beta", "delta"):
        value = str(scenario.get(key, 1)).replace("0.5", "1/2")  # the scenarios' β and δ, as the page writes them
        assert rows.get(en[key].format(value=value)) == zh[key].format(value=value), (slug, key, rows)
