"""What a loss plot shows, without matplotlib: its curves, axis labels and guide lines, and the
texts it draws. The pages use it too: an edition other than the default lists each English text of
the shared SVG with its own words (plot_key), since one plot serves every edition."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LOG_SCALE_RATIO = 1e3  # a curve spanning more than this factor is drawn on a log axis


@dataclass(frozen=True)
class Series:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    style: str  # matplotlib format string, e.g. "o-"
    hollow: bool = False  # markers as rings, larger: a series drawn over another stays visible where they meet


@dataclass(frozen=True)
class Guide:
    """Vertical lines across the axes at given x (a loss's branch boundaries, ±β), one legend entry
    for all of them, and each one's name on the top axis ("−β", "β")."""

    label: str  # the legend's entry
    x: Sequence[float]
    names: Sequence[str]  # one per x, shown above the axes
    color: str  # matplotlib color, e.g. "C1"
    linestyle: str  # e.g. ":"


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
    integer_x: bool = False  # ticks only at whole numbers (epochs): no "0.5" on an axis of epochs


@dataclass(frozen=True)
class Plot:
    series: Sequence[Series]
    axes: Axes
    guides: Sequence[Guide] = ()

    def texts(self) -> list[str]:
        """The words the plot draws, in order: the axis labels, then the legend's entries."""
        y = self.axes.y_log if needs_log_scale(self.series) else self.axes.y
        return [self.axes.x, y] + [s.label for s in self.series if s.label] + [g.label for g in self.guides]


def plot_key(drawn: Plot, edition: Plot) -> tuple[tuple[str, str], ...]:
    """Each text of the drawn plot with the edition's words for it, where they differ, once each."""
    pairs: dict[str, str] = {}
    for shown, own in zip(drawn.texts(), edition.texts(), strict=True):
        if shown != own:
            pairs.setdefault(shown, own)
    return tuple(pairs.items())
