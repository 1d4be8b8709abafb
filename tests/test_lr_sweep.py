"""The learning-rate slider (issue 27 part 2): the sweep's runs in the results (kinds/linreg_sgd/
sweep.py) against an independent exact computation written here; its facts recomputed here; the
captions against the facts, on the built-in pages and on scenarios the templates were not written
for; and in the browser, the slider moved with the keyboard across the threshold redraws the curve
and the caption, and a page without the script is caught."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest

from generator.kinds.linreg_sgd import sweep
from generator.loading import scenario_from
from generator.pipeline import generate_scenario

SWEPT = ("linreg-sgd", "linreg-sgd-stable", "linreg-sgd-no-zero-grad")
E12 = {10, 12, 15, 18, 22, 27, 33, 39, 47, 56, 68, 82}


def independent_epoch_losses(result: dict, lr: Fraction) -> list[Fraction]:
    """Minibatch SGD on the results' inputs and batches, in Fractions, written here (not the kind's
    code): the loss on all data after each epoch."""
    X = [[Fraction(v) for v in row] for row in result["features"]]
    y = [Fraction(v) for v in result["labels"]]
    w = [Fraction(v) for v in result["initial_weight"]]
    b = Fraction(result["initial_bias"])
    n, d = len(X), len(w)

    def scale(size: int) -> Fraction:
        return {"mean": Fraction(1, size), "sum": Fraction(1), "sum/batch": Fraction(1, size)}[result["reduction"]]

    def loss(rows) -> Fraction:
        return scale(len(rows)) * sum(((sum(X[i][j] * w[j] for j in range(d)) + b - y[i]) ** 2 for i in rows), Fraction(0))

    gw, gb = [Fraction(0)] * d, Fraction(0)
    losses, epoch = [], result["steps"][0]["epoch"]
    for k, step in enumerate(result["steps"]):
        rows = step["indices"]
        r = [sum(X[i][j] * w[j] for j in range(d)) + b - y[i] for i in rows]
        c = 2 * scale(len(rows))
        fresh_w = [c * sum(ri * X[i][j] for ri, i in zip(r, rows)) for j in range(d)]
        fresh_b = c * sum(r)
        if result["zero_grad"]:
            gw, gb = fresh_w, fresh_b
        else:
            gw, gb = [a + f for a, f in zip(gw, fresh_w)], gb + fresh_b
        w = [wj - lr * g for wj, g in zip(w, gw)]
        b = b - lr * gb
        last = k + 1 == len(result["steps"]) or result["steps"][k + 1]["epoch"] != epoch
        if last:
            losses.append(loss(range(n)))
            epoch += 1
    return losses


def hessian_eigenvalues(result: dict) -> np.ndarray:
    A = np.array([[float(Fraction(v)) for v in row] + [1.0] for row in result["features"]])
    c = {"mean": 1 / len(A), "sum": 1.0, "sum/batch": 1 / len(A)}[result["reduction"]]
    return np.linalg.eigvalsh(2 * c * A.T @ A)


def finite(value) -> bool:
    """A torch value of a results file: a float, or "inf", "-inf", "nan" as text."""
    return isinstance(value, float) and math.isfinite(value)


def check_sweep(result: dict) -> None:
    swept = result["lr_sweep"]
    rates = [Fraction(run["lr"]) for run in swept["runs"]]
    assert rates == sorted(set(rates)) and rates[swept["page"]] == Fraction(result["lr"])
    grid = [lr for lr in rates if lr != Fraction(result["lr"])] or rates
    for lr in grid:  # E12 values: two significant digits from the series
        mantissa = lr / Fraction(10) ** math.floor(math.log10(lr))
        assert mantissa * 10 in E12, lr
    assert rates[-1] / rates[0] >= 50  # about two decades
    lambda_max = hessian_eigenvalues(result)[-1]
    threshold = 2 / lambda_max
    assert rates[0] < threshold < rates[-1]
    initial = Fraction(result["initial_loss"])
    assert swept["runs"][swept["page"]]["facts"]["lr_below_threshold"] == result["facts"]["lr_below_threshold"]  # decided alike
    for run in swept["runs"]:
        lr, facts = Fraction(run["lr"]), run["facts"]
        want = independent_epoch_losses(result, lr)
        got = [Fraction(v["exact"]) for v in run["epoch_loss"]]
        assert got == want, lr
        for value, exact in zip(run["epoch_loss"], want):
            if value["bound"] is not None and finite(value["value"]):
                assert abs(Fraction(value["value"]) - exact) <= Fraction(value["bound"]), (lr, value)
        losses = [initial, *want]
        rises = [e for e in range(1, len(losses)) if losses[e] > losses[e - 1]]
        assert facts["epoch_loss_rises_at"] == {"holds": bool(rises), "at": rises}
        assert facts["epoch_loss_decreasing"]["holds"] == (not rises and all(b != a for a, b in zip(losses, losses[1:])))
        assert facts["loss_falls_overall"]["holds"] == (losses[-1] < initial)
        assert facts["loss_rises_overall"]["holds"] == (losses[-1] > initial)
        tail = len(losses) - 1
        while tail >= 1 and losses[tail] > losses[tail - 1]:
            tail -= 1
        start = tail + 1  # the first epoch of the final run of rises
        expected_from = [start] if start <= len(losses) - 2 else []
        assert facts["epoch_loss_rises_from"]["at"] == expected_from, (lr, losses)
        if abs(float(lr) - threshold) > 1e-9 * threshold:
            assert facts["lr_below_threshold"]["holds"] == (float(lr) < threshold), lr
        overflow = [e for e, v in enumerate(run["epoch_loss"], start=1) if not finite(v["value"])][:1]
        assert facts["overflow_at"] == {"holds": bool(overflow), "torch": True, "at": overflow}


@pytest.mark.parametrize("slug", SWEPT)
def test_the_built_in_sweeps_agree_with_an_independent_exact_run(results, slug):
    check_sweep(results[slug])


CAPTION = re.compile(r'<p class="lr-sweep-caption" data-index="(\d+)" data-lr="([^"]+)"[^>]*?( hidden)?>\n(.*?)</p>', re.S)


def caption_problems(page: str, result: dict) -> list[str]:
    """Each caption says what its run's facts say, and only that; the page's own run is shown."""
    swept = result["lr_sweep"]
    found = CAPTION.findall(page)
    problems = [] if len(found) == len(swept["runs"]) else [f"{len(found)} captions for {len(swept['runs'])} runs"]
    for index, lr, hidden, text in found:
        run = swept["runs"][int(index)]
        facts = run["facts"]
        if Fraction(lr) != Fraction(run["lr"]):
            problems.append(f"caption {index}: lr {lr}, results {run['lr']}")
        if (int(index) == swept["page"]) == bool(hidden):
            problems.append(f"caption {index}: hidden={bool(hidden)}")
        said = {
            "falls at every epoch": facts["epoch_loss_decreasing"]["holds"] and not facts["overflow_at"]["holds"],
            "rises overall": facts["loss_rises_overall"]["holds"] and not facts["overflow_at"]["holds"],
            "falls overall": facts["loss_falls_overall"]["holds"] and not facts["epoch_loss_decreasing"]["holds"]
            and not facts["overflow_at"]["holds"],
            "at every epoch from epoch": facts["epoch_loss_rises_from"]["holds"] and facts["loss_rises_overall"]["holds"]
            and not facts["overflow_at"]["holds"],
            "overflows": facts["overflow_at"]["holds"],
            # the threshold is plain SGD's: a loop without zero_grad() is not compared with it
            "below 2/λ": facts["lr_below_threshold"]["holds"] and result["zero_grad"],
            "above 2/λ": not facts["lr_below_threshold"]["holds"] and not facts["lr_below_threshold"]["tie"] and result["zero_grad"],
        }
        for words, holds in said.items():
            if (words in text) != holds:
                problems.append(f"caption {index} (lr {lr}): says {words!r}: {words in text}, the facts: {holds}: {text!r}")
        if facts["epoch_loss_rises_from"]["holds"] and "from epoch" in text:
            if f"from epoch {facts['epoch_loss_rises_from']['at'][0]} on" not in text:
                problems.append(f"caption {index}: the wrong epoch: {text!r}")
    return problems


@pytest.mark.parametrize("slug", SWEPT)
def test_every_caption_says_what_its_runs_facts_say(pages, results, slug):
    assert caption_problems(pages[slug], results[slug]) == []


def test_the_caption_check_catches_a_caption_that_claims_too_much(pages, results):
    """Proved red: a caption of a run whose loss rises, rewritten to say it falls at every epoch."""
    result = results["linreg-sgd"]
    rising = next(i for i, run in enumerate(result["lr_sweep"]["runs"]) if run["facts"]["loss_rises_overall"]["holds"])
    page = pages["linreg-sgd"]
    start = page.index(f'data-index="{rising}" data-lr')
    end = page.index("</p>", start)
    broken = page[:start] + page[start:end].replace("rises overall", "falls at every epoch") + page[end:]
    assert caption_problems(page, result) == []
    assert any("falls at every epoch" in p for p in caption_problems(broken, result))


UNWRITTEN = [  # scenarios the templates were not written for: other data, full batch, float64, sum, no zero_grad
    {"kind": "linreg-sgd", "title": "t", "dtype": "float64", "features": [[1], [2], [3], [4]], "labels": [2, 3, 5, 4],
     "weight": [0], "bias": 0, "lr": "0.05", "batch_size": 4, "epochs": 8, "reduction": "mean", "seed": 1},
    {"kind": "linreg-sgd", "title": "t", "features": [["0.5", 1], [-2, "1.5"], [3, -1]], "labels": [1, -2, 3],
     "weight": [1, -1], "bias": "0.5", "lr": "0.3", "batch_size": 1, "epochs": 3, "reduction": "sum", "seed": 5},
    {"kind": "linreg-sgd", "title": "t", "features": [[1, 2], [4, 2], [8, 1], [0, 1]], "labels": [1, 6, 2, 7],
     "weight": [1, 2], "bias": 0, "lr": "0.001", "batch_size": 2, "epochs": 5, "zero_grad": False, "seed": 2},
    # lr = 2 / hi, the isolating interval's end: 2 / lambda_max is above it (lambda_max^2 = 360/19 has no rational root);
    # the sweep called it a tie (helper-27)
    {"kind": "linreg-sgd", "title": "t", "features": [["4.3528575"], [0]], "labels": [1, 2], "weight": [0], "lr": "0.1",
     "batch_size": 2, "epochs": 10},
    # an exact fit exists: the least-squares minimum is 0, which a log axis cannot draw (no dotted line to name)
    {"kind": "linreg-sgd", "title": "t", "features": [[1, 2], [4, 2], [8, 1], [3, 3]], "labels": [5, 8, 10, 9], "weight": [0, 0],
     "lr": "0.02", "batch_size": 4, "epochs": 30},
    # the page's lr an E12 value outside the grid: added to it, and the grid's range named without it
    {"kind": "linreg-sgd", "title": "t", "features": [[1, 2], [4, 2], [8, 1], [0, 1], [3, 8], [1, 3]], "labels": [1, 6, 2, 7, 1, 3],
     "weight": [1, 2], "bias": 0, "lr": "1.2", "batch_size": 3, "epochs": 2, "seed": 0},
]


@pytest.mark.parametrize("table", UNWRITTEN, ids=["full-batch-float64", "sum-batch-1", "no-zero-grad", "lr-at-the-interval-end",
                                                  "least-squares-zero", "e12-lr-outside-the-grid"])
def test_a_scenario_nobody_wrote_gets_a_checked_sweep_and_true_captions(table):
    import json

    s = scenario_from(table)
    made = generate_scenario(s)
    result = json.loads(made.files[f"{s.slug}.json"])
    check_sweep(result)
    for name in (f"{s.slug}.md", f"{s.slug}.zh.md"):
        assert 'class="lr-sweep"' in made.files[name].decode()
    page = made.files[f"{s.slug}.md"].decode()
    assert caption_problems(page, result) == []
    swept = result["lr_sweep"]
    grid = [run["lr"] for i, run in enumerate(swept["runs"]) if not (swept["page_added"] and i == swept["page"])]
    assert f"at the learning rates\n{text(grid[0])} to {text(grid[-1])} of the E12 series" in page
    assert ("and at this page's own η" in page) == swept["page_added"]
    minimum = result["least_squares"]["loss"] if result["least_squares"] else None
    assert ("the dotted line is the least-squares" in page) == (minimum is not None and Fraction(minimum) > 0)


def text(lr: str) -> str:
    """A learning rate as the page writes it (an exact decimal)."""
    value = Fraction(lr)
    places = next(k for k in range(13) if (value * 10**k).denominator == 1)
    return f"{float(value):.{places}f}"


def test_the_grid_is_exact_e12_values_around_the_threshold():
    s = scenario_from(UNWRITTEN[0])
    full = sweep.curvature(s)
    rates = sweep.grid(s, full)
    assert len(rates) in (24, 25) and s.lr in rates
    assert rates[0] <= full.threshold[0] / 30 < rates[1]
    assert sweep.grid(s, full) == rates  # the same on every call: exact arithmetic


def test_a_run_too_long_for_a_sweep_gets_none(results):
    s = scenario_from({**UNWRITTEN[0], "epochs": 51, "batch_size": 1})  # 204 steps
    assert sweep.grid(s, sweep.curvature(s)) == ()


def test_a_run_whose_exact_values_are_long_gets_no_sweep(monkeypatch):
    """24 runs cost about 24 times the page's own: past MAX_DIGITS (here lowered) there is no sweep."""
    s = scenario_from(UNWRITTEN[0])
    assert sweep.grid(s, sweep.curvature(s))
    monkeypatch.setattr(sweep, "MAX_DIGITS", sweep.trajectory_digits(s) - 1)
    assert sweep.grid(s, sweep.curvature(s)) == ()


# --- the browser ---------------------------------------------------------------------------------


def shown(page) -> dict:
    """The index of the curve, the caption and the <output> a reader sees."""
    return page.evaluate("""() => {
        const w = document.querySelector('.lr-sweep-widget');
        const curves = [...w.querySelectorAll('g.lr-run')].filter(g => getComputedStyle(g).display !== 'none');
        const captions = [...w.querySelectorAll('p.lr-sweep-caption')].filter(p => p.offsetParent !== null);
        return {curves: curves.map(g => +g.dataset.index), captions: captions.map(p => +p.dataset.index),
                caption: captions.map(p => p.innerText).join(' '), output: w.querySelector('output').textContent,
                slider: +w.querySelector('input.lr-sweep').value,
                controls: w.querySelector('.lr-sweep-controls').offsetParent !== null};
    }""")


def slider_problems(page, result: dict, language: str) -> list[str]:
    """Move the slider with the keyboard from the page's own lr across the threshold; after each
    key the one curve and the one caption shown are the slider's, and the caption's claim about the
    threshold is the results' fact for that grid point."""
    swept = result["lr_sweep"]
    runs = swept["runs"]
    problems = []
    state = shown(page)
    if not state["controls"]:
        return ["the slider is not shown"]
    if state["curves"] != [swept["page"]] or state["captions"] != [swept["page"]]:
        problems.append(f"at the start: {state}")
    above = "above 2/λ" if language == "en" else "高于 2/λ"
    below = "below 2/λ" if language == "en" else "低于 2/λ"
    page.locator("input.lr-sweep").focus()
    page.keyboard.press("Home")
    crossed = set()
    for index in range(len(runs)):
        if index:
            page.keyboard.press("ArrowRight")
        state = shown(page)
        facts = runs[index]["facts"]
        if state["slider"] != index or state["curves"] != [index] or state["captions"] != [index]:
            problems.append(f"after {index} key presses: {state}")
            break
        says_below, says_above = below in state["caption"], above in state["caption"]
        if says_below != facts["lr_below_threshold"]["holds"] or says_above != (
                not facts["lr_below_threshold"]["holds"] and not facts["lr_below_threshold"]["tie"]):
            problems.append(f"index {index}: {state['caption']!r} against {facts['lr_below_threshold']}")
        crossed.add(facts["lr_below_threshold"]["holds"])
        if Fraction(state["output"]) != Fraction(runs[index]["lr"]):
            problems.append(f"index {index}: the output says {state['output']}, the run's lr is {runs[index]['lr']}")
    if crossed != {True, False}:
        problems.append(f"the slider never crossed the threshold: {crossed}")
    return problems


@pytest.mark.parametrize("url", ["/scenarios/linreg-sgd-stable/", "/zh/scenarios/linreg-sgd/"])
def test_the_slider_moves_across_the_threshold_with_the_keyboard(browser, server, results, url):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + url)
    page.wait_for_selector(".lr-sweep-controls:not([hidden])")
    slug = url.strip("/").split("/")[-1]
    problems = slider_problems(page, results[slug], "zh" if url.startswith("/zh/") else "en")
    page.close()
    assert problems == [] and errors == []


def test_a_slider_that_does_not_redraw_is_caught(browser, server, results):
    """Proved red: the page with a script that only shows the controls (no redraw on input)."""
    page = browser.new_page()
    page.route("**/lr-sweep.js", lambda route: route.fulfill(
        content_type="text/javascript",
        body="document.querySelectorAll('.lr-sweep-controls').forEach(c => c.removeAttribute('hidden'));"))
    page.goto(server + "/scenarios/linreg-sgd-stable/")
    page.wait_for_selector(".lr-sweep-controls:not([hidden])")
    problems = slider_problems(page, results["linreg-sgd-stable"], "en")
    page.close()
    assert problems and "key presses" in problems[0], problems


def test_without_javascript_the_pages_own_run_shows_and_the_slider_does_not(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/scenarios/linreg-sgd-stable/")
    state = shown(page)
    context.close()
    assert not state["controls"]
    assert len(state["curves"]) == 1 and state["captions"] == state["curves"]
