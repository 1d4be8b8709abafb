"""The plots as drawn: the legend covers no data, no tick label and no axis label, and the
regression-losses plot marks ±β and ±δ where the run's results put them. Each committed
scenario's plot is drawn again from its committed results, and its figure inspected as laid out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from generator import plot
from generator.kinds import KINDS
from generator.loading import load_scenarios
from generator.pipeline import typed
from generator.plot_spec import Axes, Series

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {s.slug: s for s in load_scenarios([ROOT / "scenarios"])}
PLOTTED = sorted(slug for slug, s in SCENARIOS.items() if s.kind in ("linreg-sgd", "regression-losses"))


@pytest.fixture(scope="module")
def figures() -> dict[str, dict[str, Any]]:
    """slug -> the plot's layout as drawn: boxes in display pixels, and the vertical lines' x."""
    found: dict[str, dict[str, Any]] = {}
    original = plot.drawn

    @contextmanager
    def inspected(*args: Any, **kwargs: Any) -> Iterator[Any]:
        with original(*args, **kwargs) as figure:
            found[current] = layout(figure)
            yield figure

    plot.drawn = inspected  # type: ignore[assignment]
    plot.forget_drawn()  # a plot this process drew before is not drawn again, unless forgotten
    try:
        for current in PLOTTED:
            s = SCENARIOS[current]
            run = typed(s, json.loads((ROOT / "docs/scenarios" / f"{current}.json").read_text(encoding="utf-8")))
            KINDS[s.kind].files(s, run.body, "en")
    finally:
        plot.drawn = original  # type: ignore[assignment]
    return found


def test_a_plot_drawn_again_is_the_same_and_another_is_not():
    """loss_plot remembers the plots it drew: the same arguments give the bytes a fresh drawing gives,
    other arguments (one value changed) a plot of their own."""
    s = SCENARIOS["linreg-sgd"]
    run = typed(s, json.loads((ROOT / "docs/scenarios/linreg-sgd.json").read_text(encoding="utf-8")))
    committed = (ROOT / "docs/scenarios/linreg-sgd-loss.svg").read_bytes()
    assert [KINDS[s.kind].files(s, run.body, "en")["linreg-sgd-loss.svg"] for _ in range(2)] == [committed] * 2
    series = [Series("a", [0, 1, 2], [3.0, 2.0, 1.5], "o-")]
    axes = Axes("x", "y", "log y")
    first = plot.loss_plot(series, axes, "m", "s")
    assert plot.loss_plot([Series("a", [0, 1, 2], [3.0, 2.0, 1.25], "o-")], axes, "m", "s") != first
    assert plot.loss_plot(list(series), axes, "m", "s") == first
    plot.forget_drawn()
    assert plot.loss_plot(series, axes, "m", "s") == first  # drawn afresh: the same bytes


def layout(figure: Any) -> dict[str, Any]:
    renderer = figure.canvas.get_renderer()
    axes = figure.axes[0]
    tops = [child for child in axes.get_children() if type(child).__name__ == "SecondaryAxis"]
    labels = [t for t in axes.get_xticklabels() + axes.get_yticklabels() if t.get_visible() and t.get_text()]
    top_labels = [t for top in tops for t in top.get_xticklabels() if t.get_visible() and t.get_text()]
    # axvline: two points at the same x, from the bottom (0) to the top (1) of the axes
    vertical = [line for line in axes.get_lines() if len(set(line.get_xdata())) == 1 and list(line.get_ydata()) == [0, 1]]
    return {
        "legend": [legend.get_window_extent(renderer) for legend in figure.legends + ([axes.get_legend()] if axes.get_legend() else [])],
        "axes": axes.get_window_extent(renderer),
        "ticks": [t.get_window_extent(renderer) for t in labels + top_labels],
        "top": [(t.get_text(), t.get_window_extent(renderer)) for t in top_labels],
        "axis_labels": [axes.xaxis.label.get_window_extent(renderer), axes.yaxis.label.get_window_extent(renderer)],
        "vertical": sorted(float(line.get_xdata()[0]) for line in vertical),
        "figure": figure.bbox,
    }


@pytest.mark.parametrize("slug", PLOTTED)
def test_the_legend_covers_no_data_and_no_label(slug, figures):
    drawn = figures[slug]
    assert drawn["legend"], f"{slug}: the plot has no legend"
    for legend in drawn["legend"]:
        assert not legend.overlaps(drawn["axes"]), f"{slug}: the legend lies over the data ({legend} against the axes {drawn['axes']})"
        for box in drawn["ticks"] + drawn["axis_labels"]:
            assert not legend.overlaps(box), f"{slug}: the legend covers a tick or axis label at {box}"
        assert drawn["figure"].contains(legend.x0, legend.y0) and drawn["figure"].contains(legend.x1, legend.y1), \
            f"{slug}: the legend runs off the figure"


@pytest.mark.parametrize("slug", [slug for slug in PLOTTED if SCENARIOS[slug].kind == "regression-losses"])
def test_the_boundaries_are_marked_where_the_run_puts_them(slug, figures):
    results = json.loads((ROOT / "docs/scenarios" / f"{slug}.json").read_text(encoding="utf-8"))
    beta, delta = Fraction(results["beta"]), Fraction(results["delta"])
    drawn = figures[slug]
    assert drawn["vertical"] == sorted(float(x) for x in (-beta, beta, -delta, delta)), f"{slug}: the lines at ±β and ±δ"
    names = [text for text, _ in drawn["top"]]
    expected = ["−β = −δ", "β = δ"] if beta == delta else ["−δ", "−β", "β", "δ"] if delta > beta else ["−β", "−δ", "δ", "β"]
    assert names == expected, f"{slug}: the top axis names {names}"
    boxes = [box for _, box in drawn["top"]]
    assert not plot.overlapping(boxes), f"{slug}: the names of the boundaries overlap"


def test_names_too_close_to_read_apart_are_left_to_the_legend():
    series = [Series("curve", [-3.0, 3.0], [1.0, 1.0], "C0-")]
    guides = [plot.Guide("at β", (-1.0, 1.0), ("−β", "β"), "C1", ":"), plot.Guide("at δ", (-1.02, 1.02), ("−δ", "δ"), "C2", "-.")]
    with plot.drawn(series, Axes("x", "y", "y"), guides) as figure:
        drawn = layout(figure)
    assert drawn["vertical"] == [-1.02, -1.0, 1.0, 1.02]
    assert drawn["top"] == [], "names that overlap are dropped"
    assert not any(legend.overlaps(drawn["axes"]) for legend in drawn["legend"])
