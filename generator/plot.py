"""Loss curves as deterministic SVG (no dates, fixed ids), drawn from a run's values."""

from __future__ import annotations

import hashlib
import io
import math
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # the backend must be chosen first
from matplotlib.figure import Figure

from generator.plot_spec import Axes, Guide, Series, finite_points, needs_log_scale

AXES_INCHES = (5.0, 2.9)  # the figure without its legend: 480 CSS px wide, shown at about 330 px on a phone, its text keeps 11 px
LEGEND_ROW_INCHES = 0.25  # each legend row adds this much height below, so the axes keep their size
FONT_POINTS = 12.5
_PYPLOT = threading.Lock()  # pyplot and rcParams are global state: one figure at a time
DRAWN_KEPT = 32  # the SVGs of the latest plots drawn in this process (a few dozen KB each)
_DRAWN: OrderedDict[bytes, bytes] = OrderedDict()  # the digest of a plot's arguments -> its SVG
_DRAWN_LOCK = threading.Lock()


def guide_ticks(guides: Sequence[Guide]) -> list[tuple[float, str]]:
    """The top axis's ticks: each guide line's x and name, names of lines at the same x joined ("β = δ")."""
    names: dict[float, list[str]] = {}
    for guide in guides:
        for x, name in zip(guide.x, guide.names):
            if name not in names.setdefault(x, []):
                names[x].append(name)
    return [(x, " = ".join(names[x])) for x in sorted(names)]


@contextmanager
def drawn(series: Sequence[Series], labels: Axes, guides: Sequence[Guide] = ()) -> Iterator[Figure]:
    """The figure of the curves, laid out (its text measured, nothing rasterized), while the caller
    holds it (pyplot is global state)."""
    entries = sum(1 for s in series if s.label) + len(guides)
    size = (AXES_INCHES[0], AXES_INCHES[1] + LEGEND_ROW_INCHES * math.ceil(entries / 2))
    with _PYPLOT, plt.rc_context({"svg.fonttype": "path", "font.size": FONT_POINTS}):
        figure, axes = plt.subplots(figsize=size, dpi=100, layout="constrained")
        try:
            for s in series:
                x, y = finite_points(s)
                if s.hollow:
                    axes.plot(x, y, s.style, label=s.label or "_nolegend_", markersize=9, markerfacecolor="none",
                              markeredgewidth=1.4, linewidth=1.4)
                else:
                    axes.plot(x, y, s.style, label=s.label or "_nolegend_", markersize=5 if s.style.endswith("o") else 4,
                              linewidth=1.4)
            for guide in guides:
                for number, at in enumerate(guide.x):
                    axes.axvline(at, color=guide.color, linestyle=guide.linestyle, linewidth=1.2,
                                 label=guide.label if number == 0 else "_nolegend_")
            if needs_log_scale(series):
                axes.set_yscale("log")
                axes.set_ylabel(labels.y_log)
            else:
                axes.set_ylabel(labels.y)
            axes.set_xlabel(labels.x)
            if labels.integer_x:
                from matplotlib.ticker import MaxNLocator

                axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.grid(True, alpha=0.3)
            if guides:
                ticks = guide_ticks(guides)
                top = axes.secondary_xaxis("top")
                top.set_xticks([x for x, _ in ticks], [name for _, name in ticks])
                top.tick_params(length=3, pad=2)
            # The legend below the figure's axes, where it covers no data and no tick label (inside, a long
            # one did); constrained layout gives it its own rows, so it never reaches the x axis' label.
            legend = figure.legend(loc="outside lower center", frameon=False, ncols=2)
            figure.draw_without_rendering()
            if legend.get_window_extent().width > axes.get_window_extent().width:  # two columns would widen the figure
                legend.remove()
                figure.set_figheight(figure.get_figheight() + LEGEND_ROW_INCHES * (entries // 2))
                figure.legend(loc="outside lower center", frameon=False)
                figure.draw_without_rendering()
            if guides and overlapping([label.get_window_extent() for label in top.get_xticklabels()]):
                top.set_xticks([])  # names too close to read apart (β near δ): the legend alone names the lines
                figure.draw_without_rendering()
            yield figure
        finally:
            plt.close(figure)


def overlapping(boxes: Sequence[object]) -> bool:
    """Two of the boxes (matplotlib Bbox) share area."""
    from matplotlib.transforms import Bbox

    found = [box for box in boxes if isinstance(box, Bbox) and box.width > 0]
    return any(a.overlaps(b) for i, a in enumerate(found) for b in found[i + 1 :])


def loss_plot(series: Sequence[Series], labels: Axes, marker: str, salt: str, guides: Sequence[Guide] = ()) -> bytes:
    """An SVG of the curves (and guide lines); non-finite values are left out (the page says where they are).
    The same arguments give the same bytes, so a process draws them once: `make serve` renders every
    page again after a template edit, and the tests render the same scenarios in many ways."""
    key = hashlib.sha256(pickle.dumps((series, labels, marker, salt, guides), protocol=5)).digest()
    with _DRAWN_LOCK:
        if key in _DRAWN:
            _DRAWN.move_to_end(key)
            return _DRAWN[key]
    svg = _svg(series, labels, marker, salt, guides)
    with _DRAWN_LOCK:
        _DRAWN[key] = svg
        while len(_DRAWN) > DRAWN_KEPT:
            _DRAWN.popitem(last=False)
    return svg


def forget_drawn() -> None:
    """Draw every plot again from now on (for a caller that inspects the figures as they are drawn)."""
    with _DRAWN_LOCK:
        _DRAWN.clear()


def _svg(series: Sequence[Series], labels: Axes, marker: str, salt: str, guides: Sequence[Guide]) -> bytes:
    with drawn(series, labels, guides) as figure, plt.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Description": marker}, facecolor="white", bbox_inches="tight")
    return buffer.getvalue().encode("utf-8")
