"""The exercises' answers (issue 23, item 7). For runs the templates were not written for, every
answer the results record (`exercises`) equals a value worked here by hand with Fractions from the
scenario's inputs, without the kinds' code, and the page shows it in that exercise's folded answer,
in both editions; and a built-in scenario changed in one entry gets other answers, again equal to
the hand-worked ones."""

from __future__ import annotations

import json
import tomllib
from fractions import Fraction as F
from pathlib import Path

import pytest
from helpers import arb_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import codec
from generator.formatting import fraction_latex
from generator.kinds import KINDS
from generator.kinds.base import Solved
from generator.loading import scenario_from
from generator.render import PageContext, PrintedOutput, render_page

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh")
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run(table: dict) -> tuple:
    """The scenario, its results file's data (as written) and the typed results read back: torch,
    the exact twin and the check, without the shown program."""
    scenario = scenario_from(table)
    kind = KINDS[scenario.kind]
    solved = Solved(scenario, kind.compute(scenario), kind.derive(scenario))
    data = json.loads(codec.dumps(kind.record(solved, kind.verify(solved))))
    return scenario, data, codec.decode(kind.results, data, "t.json")


def answers(scenario, typed, language: str) -> list[str]:
    """The page's folded answers, in order: each `??? question` block's indented body."""
    kind = KINDS[scenario.kind]
    empty = PrintedOutput.of("")
    context = PageContext(scenario, kind.view(scenario, typed, language), "", empty, empty, "torch", "t.json",
                          title="t", facts=typed.facts)
    text = render_page(kind.template, context, language)
    found = []
    for block in text.split("??? question")[1:]:
        lines = block.split("\n")
        body = []
        for line in lines[1:]:
            if line and not line.startswith("    "):
                break
            body.append(line)
        found.append("\n".join(body).replace(r"\dfrac{", r"\frac{"))  # a matrix's entries at display size: the same number
    return found


def latex(value: F) -> str:
    return fraction_latex(value)


def matrix(rows) -> str:
    """A matrix as the pages write it (answers() reads \\dfrac as \\frac)."""
    body = r" \\ ".join(" & ".join(latex(v) for v in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def fractions(node):
    """The results' exact strings as Fractions, in the same nesting."""
    if isinstance(node, list):
        return [fractions(item) for item in node]
    return F(node)


def exact(value) -> F:
    """A scenario number's exact value: the decimal as written (a TOML float 0.02 is 1/50)."""
    return F(str(value)) if isinstance(value, float) else F(value)


def text(value: F) -> str:
    return f"{value.numerator}/{value.denominator}"


def sign(x: F) -> int:
    return (x > 0) - (x < 0)


# --- mse ---------------------------------------------------------------------------------------------

def mse_by_hand(table: dict) -> dict:
    X = [[exact(x) for x in row] for row in table["X"]]
    Y = [[exact(y) for y in row] for row in table["Y"]]
    n, d = len(X), len(X[0])
    divisor = n * d if table.get("reduction", "mean") == "mean" else 1
    other = 1 if table.get("reduction", "mean") == "mean" else n * d  # the other reduction's divisor
    R = [[x - y for x, y in zip(xr, yr)] for xr, yr in zip(X, Y)]
    total = sum(r * r for row in R for r in row)
    largest = max(abs(r) for row in R for r in row)
    i, j = next((i, j) for i in range(n) for j in range(d) if abs(R[i][j]) == largest)
    lr = F(divisor, 4)  # the step's learning rate: lr * 2 / divisor = 1/2 halves every difference
    stepped = [[x - lr * 2 * (x - y) / divisor for x, y in zip(xr, yr)] for xr, yr in zip(X, Y)]
    after = [[x - y for x, y in zip(xr, yr)] for xr, yr in zip(stepped, Y)]
    after_total = sum(r * r for row in after for r in row)
    return {
        "other_loss": total / other, "other_grad": [[2 * r / other for r in row] for row in R],
        "row": i, "column": j, "on_target_sum": total - R[i][j] ** 2, "on_target_loss": (total - R[i][j] ** 2) / divisor,
        "lr": lr, "X": stepped, "residual": after, "step_sum": after_total, "step_loss": after_total / divisor,
    }


def check_mse(table: dict) -> dict:
    scenario, data, typed = run(table)
    want = mse_by_hand(table)
    got = data["exercises"]
    assert F(data["other_reduction"]["loss"]["exact"]) == want["other_loss"]
    assert [[F(v["exact"]) for v in row] for row in data["other_reduction"]["grad"]] == want["other_grad"]
    on, step = got["on_target"], got["step"]
    assert (on["row"], on["column"], F(on["sum_squares"]), F(on["loss"])) == (
        want["row"], want["column"], want["on_target_sum"], want["on_target_loss"])
    assert (F(step["lr"]), fractions(step["X"]), fractions(step["residual"]), F(step["sum_squares"]), F(step["loss"])) == (
        want["lr"], want["X"], want["residual"], want["step_sum"], want["step_loss"])
    for language in LANGUAGES:
        other, on_target, stepped = answers(scenario, typed, language)
        assert latex(want["other_loss"]) in other and matrix(want["other_grad"]) in other, (language, table)
        assert latex(want["on_target_sum"]) in on_target and latex(want["on_target_loss"]) in on_target, (language, table)
        assert matrix(want["X"]) in stepped and matrix(want["residual"]) in stepped, (language, table)
        assert latex(want["step_loss"]) in stepped, (language, table)
    return got


NUMBERS = st.sampled_from([st.integers(-9, 9).map(F), st.integers(-30, 30).map(lambda k: F(k, 2)),
                           st.integers(-30, 30).map(lambda k: F(k, 3))])


@st.composite
def mse_tables(draw) -> dict:
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    numbers = draw(NUMBERS)
    return {"kind": "mse", "title": "t", "reduction": draw(st.sampled_from(["mean", "sum"])),
            "dtype": draw(st.sampled_from(["float32", "float64"])),
            "X": [[text(draw(numbers)) for _ in range(d)] for _ in range(n)],
            "Y": [[text(draw(numbers)) for _ in range(d)] for _ in range(n)]}


@SETTINGS
@given(mse_tables())
def test_mse_answers_are_the_hand_worked_ones(table):
    check_mse(table)


# --- regression-losses --------------------------------------------------------------------------------

def one_entry(name: str, r: F, beta: F, delta: F) -> tuple[F, F, str]:
    """(value, slope, branch) by PyTorch's documented definitions."""
    if name == "l1":
        return abs(r), F(sign(r)), ""
    if name == "mse":
        return r * r, 2 * r, ""
    if name == "smooth_l1":
        return (r * r / (2 * beta), r / beta, "quadratic") if abs(r) < beta else (abs(r) - beta / 2, F(sign(r)), "linear")
    return (r * r / 2, r, "quadratic") if abs(r) < delta else (delta * (abs(r) - delta / 2), delta * sign(r), "linear")


def regression_by_hand(table: dict) -> dict:
    beta, delta = exact(table.get("beta", 1)), exact(table.get("delta", 1))
    R = [[exact(x) - exact(y) for x, y in zip(xr, yr)] for xr, yr in zip(table["X"], table["Y"])]
    n, d = len(R), len(R[0])
    divisor = n * d if table.get("reduction", "mean") == "mean" else 1
    size = beta / 2 if beta == delta else (beta + delta) / 2
    moved = -size if R[0][0] >= 0 else size
    losses = {}
    for name in ("l1", "smooth_l1", "huber", "mse"):
        value, slope, case = one_entry(name, moved, beta, delta)
        total = sum(one_entry(name, r, beta, delta)[0] for row in R for r in row)
        losses[name] = {"value": value, "slope": slope, "case": case, "grad": slope / divisor,
                        "loss": (total - one_entry(name, R[0][0], beta, delta)[0] + value) / divisor}
    twice = 2 * beta
    elementwise = [[one_entry("smooth_l1", r, twice, delta)[0] for r in row] for row in R]
    where = [("smooth_l1", beta, i, j) for i in range(n) for j in range(d) if abs(R[i][j]) == beta]
    where += [("huber", delta, i, j) for i in range(n) for j in range(d) if abs(R[i][j]) == delta]
    name, edge, i, j = where[0] if where else ("smooth_l1", beta, None, None)
    r = R[i][j] if i is not None else beta
    if name == "smooth_l1":
        quadratic, linear = (r * r / (2 * edge), r / edge), (abs(r) - edge / 2, F(sign(r)))
    else:
        quadratic, linear = (r * r / 2, r), (edge * (abs(r) - edge / 2), edge * sign(r))
    return {"moved": moved, "losses": losses, "beta": twice, "elementwise": elementwise,
            "other_loss": sum(v for row in elementwise for v in row) / divisor,
            "boundary": (name, i, j, r, edge, *quadratic, *linear)}


def check_regression(table: dict) -> dict:
    scenario, data, typed = run(table)
    want = regression_by_hand(table)
    got = data["exercises"]
    assert F(got["moved"]["residual"]) == want["moved"]
    for name, loss in want["losses"].items():
        recorded = got["moved"]["losses"][name]
        assert {key: F(recorded[key]) for key in ("value", "slope", "grad", "loss")} == {
            key: loss[key] for key in ("value", "slope", "grad", "loss")}, (name, table)
        assert not loss["case"] or recorded["case"] == loss["case"], (name, table)
    other = got["other_beta"]
    assert (F(other["beta"]), fractions(other["elementwise"]), F(other["loss"])) == (want["beta"], want["elementwise"], want["other_loss"])
    b = got["boundary"]
    assert (b["loss"], b["row"], b["column"], F(b["residual"]), F(b["edge"]), F(b["quadratic"]), F(b["quadratic_slope"]),
            F(b["linear"]), F(b["linear_slope"])) == want["boundary"], table
    for language in LANGUAGES:
        moved, twice, boundary = answers(scenario, typed, language)
        for loss in want["losses"].values():
            assert latex(loss["value"]) in moved and latex(loss["loss"]) in moved, (language, table)
            assert table.get("reduction", "mean") == "sum" or latex(loss["grad"]) in moved, (language, table)
        assert matrix(want["elementwise"]) in twice and latex(want["other_loss"]) in twice, (language, table)
        assert all(latex(value) in boundary for value in want["boundary"][5:]), (language, table)
    return got


EDGES = [F(1, 4), F(1, 2), F(1), F(3, 2), F(2)]


@st.composite
def regression_tables(draw) -> dict:
    beta = draw(st.sampled_from(EDGES))
    delta = draw(st.one_of(st.just(beta), st.sampled_from(EDGES)))
    n, d = draw(st.integers(1, 2)), draw(st.integers(1, 3))

    def residual() -> F:
        edge = draw(st.sampled_from([beta, delta, 2 * beta]))
        where = draw(st.sampled_from(["at", "away", "zero"]))
        size = edge if where == "at" else F(0) if where == "zero" else draw(st.integers(0, 40).map(lambda k: F(k, 8)))
        return draw(st.sampled_from([1, -1])) * size

    Y = [[draw(st.integers(-3, 3)) for _ in range(d)] for _ in range(n)]
    return {"kind": "regression-losses", "title": "t", "beta": text(beta), "delta": text(delta),
            "X": [[text(y + residual()) for y in row] for row in Y], "Y": Y,
            "dtype": draw(st.sampled_from(["float32", "float64"])), "reduction": draw(st.sampled_from(["mean", "sum"]))}


@SETTINGS
@given(regression_tables())
def test_regression_answers_are_the_hand_worked_ones(table):
    check_regression(table)


# --- linreg-sgd ------------------------------------------------------------------------------------------

def linreg_by_hand(table: dict, data: dict) -> dict:
    """The exercises by hand: SGD's first two steps from the inputs, on the batches the run drew
    (the shuffle's rows are the run's; everything else is worked here)."""
    X = [[exact(x) for x in row] for row in table["features"]]
    y = [exact(v) for v in table["labels"]]
    lr, reduction, zero_grad = exact(table["lr"]), table.get("reduction", "sum/batch"), table.get("zero_grad", True)

    def scale(rows, how=reduction) -> F:
        return F(1) if how == "sum" else F(1, len(rows))

    def residual(rows, w, b):
        return [sum(x * wj for x, wj in zip(X[i], w)) + b - y[i] for i in rows]

    def gradients(rows, r, c):
        return [2 * c * sum(ri * X[i][j] for ri, i in zip(r, rows)) for j in range(len(w0))], 2 * c * sum(r)

    w0, b0 = [exact(v) for v in table["weight"]], exact(table.get("bias", 0))
    rows1 = data["steps"][0]["indices"]
    r0 = residual(rows1, w0, b0)
    g1w, g1b = gradients(rows1, r0, scale(rows1))
    w1, b1 = [w - lr * g for w, g in zip(w0, g1w)], b0 - lr * g1b
    after = residual(rows1, w1, b1)
    other = "mean" if reduction == "sum" else "sum"
    ow, ob = gradients(rows1, r0, scale(rows1, other))
    want = {"after_residual": after, "after_loss": scale(rows1) * sum(v * v for v in after),
            "other_loss": scale(rows1, other) * sum(v * v for v in r0), "other_grad_weight": ow, "other_grad_bias": ob,
            "other_weight": [w - lr * g for w, g in zip(w0, ow)], "other_bias": b0 - lr * ob}
    if len(data["steps"]) > 1:
        rows2 = data["steps"][1]["indices"]
        r1 = residual(rows2, w1, b1)
        fw, fb = gradients(rows2, r1, scale(rows2))
        uw, ub = (fw, fb) if zero_grad else ([a + b for a, b in zip(g1w, fw)], g1b + fb)
        want |= {"residual": r1, "fresh_grad_weight": fw, "fresh_grad_bias": fb, "loss": scale(rows2) * sum(v * v for v in r1),
                 "weight": [w - lr * g for w, g in zip(w1, uw)], "bias": b1 - lr * ub}
    return want


def check_linreg(table: dict) -> dict:
    scenario, data, typed = run({"kind": "linreg-sgd", "title": "t"} | table)
    want = linreg_by_hand(table, data)
    got = data["exercises"]
    assert fractions(got["after_first"]["residual"]) == want["after_residual"] and F(got["after_first"]["loss"]) == want["after_loss"]
    other = got["other_reduction"]
    assert (F(other["loss"]), fractions(other["grad_weight"]), F(other["grad_bias"]), fractions(other["weight"]), F(other["bias"])) == (
        want["other_loss"], want["other_grad_weight"], want["other_grad_bias"], want["other_weight"], want["other_bias"])
    second = got["second"]
    assert (second is None) == ("residual" not in want)
    if second is not None:
        assert (fractions(second["residual"]), fractions(second["fresh_grad_weight"]), F(second["fresh_grad_bias"])) == (
            want["residual"], want["fresh_grad_weight"], want["fresh_grad_bias"])
        step = data["steps"][1]  # the run's step 2, which the answer's last lines show
        assert (F(step["loss"]["exact"]), [F(v["exact"]) for v in step["weight"]], F(step["bias"]["exact"])) == (
            want["loss"], want["weight"], want["bias"])
    for language in LANGUAGES:
        shown = answers(scenario, typed, language)
        assert len(shown) == (3 if second is not None else 2)
        *first, after, reduced = shown
        assert latex(want["after_loss"]) in after and all(latex(v) in after for v in want["after_residual"]), (language, table)
        assert latex(want["other_loss"]) in reduced and latex(want["other_bias"]) in reduced, (language, table)
        assert all(latex(v) in reduced for v in want["other_weight"]), (language, table)
        if first:
            assert latex(want["loss"]) in first[0] and latex(want["bias"]) in first[0], (language, table)
            assert all(latex(v) in first[0] for v in want["weight"] + want["residual"]), (language, table)
    return got


small = st.integers(-3, 3).map(str)


@st.composite
def linreg_tables(draw) -> dict:
    n, d = draw(st.integers(2, 4)), draw(st.integers(1, 2))
    batch = draw(st.integers(1, n))
    return {"features": [[draw(small) for _ in range(d)] for _ in range(n)], "labels": [draw(small) for _ in range(n)],
            "weight": [draw(small) for _ in range(d)], "bias": draw(small),
            "lr": draw(st.sampled_from(["0.01", "0.1", "0.5", "1/3"])), "batch_size": batch,
            "epochs": draw(st.integers(1, 2)), "zero_grad": draw(st.booleans()),
            "reduction": draw(st.sampled_from(["sum/batch", "mean", "sum"])),
            "dtype": draw(st.sampled_from(["float32", "float64"])), "seed": draw(st.integers(0, 5))}


@SETTINGS
@given(linreg_tables())
def test_linreg_answers_are_the_hand_worked_ones(table):
    check_linreg(table)


# --- cross-entropy ------------------------------------------------------------------------------------------

def enclosed_by(record: dict, value) -> bool:
    """lo <= value <= hi, for a flint ball `value` narrower than the record's digits."""
    from flint import arb

    return arb(record["lo"]) <= value <= arb(record["hi"])


@st.composite
def cross_entropy_tables(draw) -> dict:
    n, C = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    logits = [[text(draw(st.fractions(min_value=-4, max_value=4, max_denominator=4))) for _ in range(C)] for _ in range(n)]
    table = {"kind": "cross-entropy", "title": "t", "logits": logits, "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
             "target": [draw(st.integers(0, C - 1)) for _ in range(n)]}
    if draw(st.booleans()):
        table["weight"] = [text(draw(st.fractions(min_value=F(1, 4), max_value=3, max_denominator=4))) for _ in range(C)]
    if n > 1 and draw(st.booleans()):
        table["ignore_index"] = table["target"][0]
        table["target"][-1] = (table["ignore_index"] + 1) % C  # one row counted at least: else torch's mean is nan
    return table


def check_cross_entropy(table: dict) -> dict:
    from flint import ctx

    with ctx.workprec(200):  # flint's precision is process-wide: set for this check only
        return worked_cross_entropy(table)


def worked_cross_entropy(table: dict) -> dict:
    """Both exercises worked here with Fractions and flint's arb from the table alone: every logit
    0 (loss (sum of the counted target weights / D) log C, gradient (w_i / C - c_ij) / D), and the
    first counted row given the largest other logit's class."""
    from flint import arb

    scenario, data, typed = run(table)
    logits = [[exact(x) for x in row] for row in table["logits"]]
    C, classes = len(logits[0]), table["target"]
    weight = [exact(w) for w in table["weight"]] if "weight" in table else [F(1)] * C
    counted = [i for i, y in enumerate(classes) if y != table.get("ignore_index")]
    c = [[weight[y] if (j == y and i in counted) else F(0) for j in range(C)] for i, y in enumerate(classes)]
    D = sum((weight[classes[i]] for i in counted), F(0)) if table.get("reduction", "mean") == "mean" else F(1)
    zero = data["exercises"]["zero_logits"]
    rows = [sum(row, F(0)) for row in c]
    factors = rows if table.get("reduction", "mean") == "none" else [sum(rows, F(0)) / D]
    assert [F(f) for f in zero["factors"]] == factors, table
    assert all(enclosed_by(r, arb_of(f) * arb(C).log()) for r, f in zip(zero["loss"], factors)), table
    grad = [[(rows[i] / C - c[i][j]) / D for j in range(C)] for i in range(len(logits))]
    assert fractions(zero["grad"]) == grad, table
    other = data["exercises"]["other_class"]
    if counted:
        i = counted[0]
        k = max((j for j in range(C) if j != classes[i]), key=lambda j: (logits[i][j], -j))
        log_sum = sum((arb_of(x).exp() for x in logits[i]), arb(0)).log()

        def row_loss(j: int):
            return arb_of(weight[j]) * (log_sum - arb_of(logits[i][j]))

        assert (other["row"], other["target"], other["other"], F(other["weight"])) == (i, classes[i], k, weight[k]), table
        assert enclosed_by(other["loss"], row_loss(k)), table
        new, old = row_loss(k), row_loss(classes[i])
        assert other["lower"] == (True if new < old else False if new > old else None), table
    else:
        assert other is None, table
    for language in LANGUAGES:
        shown = answers(scenario, typed, language)
        assert len(shown) == (3 if counted else 2), (language, table)
        assert all(latex(g) in shown[0] for row in grad for g in row), (language, table)
        if table.get("reduction", "mean") != "none":
            assert f"{float(arb_of(factors[0]) * arb(C).log().mid()):.4f}" in shown[0], (language, table)
        if counted:
            assert f"{float(row_loss(k).mid()):.4f}" in shown[1], (language, table)
    return data["exercises"]


@SETTINGS
@given(cross_entropy_tables())
def test_cross_entropy_answers_are_the_hand_worked_ones(table):
    check_cross_entropy(table)


# --- a built-in scenario, changed --------------------------------------------------------------------------

def built_in(slug: str) -> dict:
    table = tomllib.loads((ROOT / "scenarios" / f"{slug}.toml").read_text(encoding="utf-8"))
    table.pop("claims", None)
    table.pop("titles", None)
    table.pop("see_also", None)
    table.pop("zero_grad_page", None)
    return table


@pytest.mark.parametrize("slug, key, check", [
    ("mse-mean", "Y", check_mse), ("mse-sum", "Y", check_mse),
    ("regression-losses", "Y", check_regression), ("regression-losses-beta", "Y", check_regression),
    ("linreg-sgd", "labels", check_linreg), ("linreg-sgd-stable", "labels", check_linreg),
    ("linreg-sgd-no-zero-grad", "labels", check_linreg),
    ("cross-entropy", "logits", check_cross_entropy), ("cross-entropy-weight-ignore", "logits", check_cross_entropy),
])
def test_a_changed_scenario_gets_other_answers(slug, key, check):
    """The pages' own scenarios, and each with its first target moved by one: the answers follow
    the data (equal to the hand-worked ones both times), not the text the templates were written for."""
    table = built_in(slug)
    if table["kind"] == "linreg-sgd":
        table = {k: v for k, v in table.items() if k not in ("kind", "title")}
    changed = json.loads(json.dumps(table))
    if key in ("Y", "logits"):
        changed[key][0][0] = text(exact(changed[key][0][0]) + 1)
    else:
        changed["labels"][0] = text(exact(changed["labels"][0]) + 1)
    assert check(table) != check(changed)

