"""Loss curves as deterministic SVG (no dates, fixed ids), drawn from a run's values."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # the backend must be chosen first

FIGURE_INCHES = (5.0, 3.6)  # 480 CSS px wide: shown at about 330 px on a phone, its text keeps 11 px
FONT_POINTS = 12.5
LOG_SCALE_RATIO = 1e3  # a curve spanning more than this factor is drawn on a log axis
_PYPLOT = threading.Lock()  # pyplot and rcParams are global state: one figure at a time


@dataclass(frozen=True)
class Series:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    style: str  # matplotlib format string, e.g. "o-"
    hollow: bool = False  # markers as rings, larger: a series drawn over another stays visible where they meet


def finite_points(series: Series) -> tuple[list[float], list[float]]:
    points = [(x, y) for x, y in zip(series.x, series.y) if math.isfinite(y)]
    return [p[0] for p in points], [p[1] for p in points]


def needs_log_scale(series: Sequence[Series]) -> bool:
    values = [abs(y) for s in series for y in finite_points(s)[1] if y != 0]
    return bool(values) and all(y > 0 for s in series for y in finite_points(s)[1]) and max(values) / min(values) > LOG_SCALE_RATIO


@dataclass(frozen=True)
class Axes:
    """The axis labels, from the kind's labels file."""

    x: str
    y: str
    y_log: str  # the y label when the curves span more than LOG_SCALE_RATIO


def loss_plot(series: Sequence[Series], labels: Axes, marker: str, salt: str) -> bytes:
    """An SVG of the curves; non-finite values are left out (the page says where they are)."""
    with _PYPLOT, plt.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path", "font.size": FONT_POINTS}):
        figure, axes = plt.subplots(figsize=FIGURE_INCHES, dpi=100)
        for s in series:
            x, y = finite_points(s)
            if s.hollow:
                axes.plot(x, y, s.style, label=s.label or "_nolegend_", markersize=9, markerfacecolor="none", markeredgewidth=1.4,
                          linewidth=1.4)
            else:
                axes.plot(x, y, s.style, label=s.label or "_nolegend_", markersize=5 if s.style.endswith("o") else 4, linewidth=1.4)
        if needs_log_scale(series):
            axes.set_yscale("log")
            axes.set_ylabel(labels.y_log)
        else:
            axes.set_ylabel(labels.y)
        axes.set_xlabel(labels.x)
        axes.grid(True, alpha=0.3)
        # The legend below the axes, where it covers no data and no tick label (inside, a long one did)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), frameon=False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Description": marker}, facecolor="white", bbox_inches="tight")
        plt.close(figure)
    return buffer.getvalue().encode("utf-8")
