"""The learning-rate slider's plot: inline SVG, drawn here from the results, one group per grid
point (every group but the page's own hidden; docs/javascripts/lr-sweep.js shows the one the
slider picks). The loss on all data per epoch, exact values, on a log axis shared by every grid
point, so that moving the slider compares runs; the least-squares minimum dotted, the page's own run
grey beneath the picked one. A loss above the axis' top (a run that keeps rising) is drawn at the
top edge, with an arrow."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from html import escape

from generator.kinds.linreg_sgd.results import LrSweep

WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 58
DECADES_ABOVE = 3  # the axis reaches 10^3 times the loss before the first step


@dataclass(frozen=True)
class Words:
    """The plot's words, from the page's edition."""

    epoch: str
    loss: str
    title: str  # the SVG's accessible name


def _log(x: Fraction) -> float:
    """log10 of a positive Fraction, also past the float range."""
    return math.log10(x.numerator) - math.log10(x.denominator)


def _ticks(low: float, high: float) -> list[int]:
    step = max(1, math.ceil((high - low) / 6))
    first = math.ceil(low / step) * step
    return list(range(first, math.floor(high) + 1, step))


def svg(sweep: LrSweep, initial: Fraction, minimum: Fraction | None, words: Words) -> str | None:
    """The plot, or None when no loss is above 0 (a log axis has nothing to show)."""
    epochs = len(sweep.runs[0].epoch_loss)
    curves = [[initial, *(v.exact for v in run.epoch_loss)] for run in sweep.runs]
    positive = [v for curve in curves for v in curve if v > 0] + ([minimum] if minimum and minimum > 0 else [])
    if not positive:
        return None
    top = _log(initial if initial > 0 else max(positive)) + DECADES_ABOVE
    bottom = min(_log(v) for v in positive)
    low, high = math.floor(bottom), max(math.ceil(top), math.floor(bottom) + 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(epoch: int) -> float:
        return LEFT + plot_w * epoch / epochs

    def y(value: Fraction) -> float:
        level = _log(value) if value > 0 else low
        return TOP + plot_h * (high - min(max(level, low), high)) / (high - low)

    parts = [f'<svg class="lr-sweep-plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(words.title)}">']
    for level in _ticks(low, high):
        at = TOP + plot_h * (high - level) / (high - low)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>')
        power = f'10<tspan dy="-9" class="exponent">{level}</tspan>'
        parts.append(f'<text class="tick" x="{LEFT - 8}" y="{at + 6:.1f}" text-anchor="end">{power}</text>')
    every = max(1, math.ceil(epochs / 10))
    for epoch in range(0, epochs + 1, every):
        parts.append(f'<text class="tick" x="{x(epoch):.1f}" y="{TOP + plot_h + 24}" text-anchor="middle">{epoch}</text>')
    parts.append(f'<text class="axis" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(words.epoch)}</text>')
    turned = f"translate(18 {TOP + plot_h / 2:.1f}) rotate(-90)"
    parts.append(f'<text class="axis" transform="{turned}" text-anchor="middle">{escape(words.loss)}</text>')
    parts.append(f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>')
    if minimum is not None and minimum > 0:
        at = y(minimum)
        parts.append(f'<line class="minimum" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>')
    def arrows(curve: list[Fraction]) -> list[str]:
        """An arrow up where a loss is off the top of the plot."""
        return [f'<path class="off" d="M{x(e) - 5:.1f},{TOP + 9} L{x(e):.1f},{TOP + 1} L{x(e) + 5:.1f},{TOP + 9}"/>'
                for e, v in enumerate(curve) if v > 0 and _log(v) > high]

    page = curves[sweep.page]
    reference = " ".join(f"{x(e):.1f},{y(v):.1f}" for e, v in enumerate(page))
    parts.append(f'<g class="lr-reference"><polyline points="{reference}"/>{"".join(arrows(page))}</g>')  # the page's own run, beneath
    for index, curve in enumerate(curves):
        hidden = "" if index == sweep.page else " hidden"
        points = " ".join(f"{x(e):.1f},{y(v):.1f}" for e, v in enumerate(curve))
        group = [f'<g class="lr-run" data-index="{index}"{hidden}>', f'<polyline points="{points}"/>', *arrows(curve)]
        group += [f'<circle cx="{x(e):.1f}" cy="{y(v):.1f}" r="3.5"/>' for e, v in enumerate(curve) if not (v > 0 and _log(v) > high)]
        parts.append("".join(group) + "</g>")
    parts.append("</svg>")
    return "".join(parts)


def position(sweep: LrSweep, lr: Fraction) -> float:
    """Where lr sits along the slider, 0 at the first grid point and 1 at the last, log-interpolated."""
    rates = [run.lr for run in sweep.runs]
    if lr <= rates[0]:
        return 0.0
    if lr >= rates[-1]:
        return 1.0
    i = max(k for k, r in enumerate(rates) if r <= lr)
    if rates[i] == lr:
        return i / (len(rates) - 1)
    part = (_log(lr) - _log(rates[i])) / (_log(rates[i + 1]) - _log(rates[i]))
    return (i + part) / (len(rates) - 1)
