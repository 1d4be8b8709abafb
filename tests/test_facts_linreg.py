"""linreg-sgd's facts on runs nobody wrote: random small data, learning rates around the stability
threshold (and exactly on it), with and without zero_grad(), 1 to 8 epochs, both dtypes. Each fact
is recomputed here from the results' exact values by other means (Sylvester's criterion instead of
characteristic polynomials), and the page in each language says exactly what the facts that hold say."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import codec
from generator.kinds import KINDS
from generator.kinds.base import Solved
from generator.loading import scenario_from
from generator.render import PageContext, PrintedOutput, render_page

KIND = KINDS["linreg-sgd"]
# The sentence each fact shows when it holds, per language (a fact that does not hold shows none of it).
SENTENCES = {
    "en": {
        "epoch_loss_decreasing": '"The loss on all data falls at every epoch"',
        "falls_not_every_epoch": '"The loss on all data falls overall, but not at every epoch"',
        "loss_rises_overall": '"The loss on all data rises"',
        "first_weight_sign_flips_at": "The first weight changes sign after step",
        "first_weight_grows_every_step": "grows in size at every step",
        "overflow_at": "The numbers overflow",
        "gradients_accumulate": "adds each batch's gradient",
        "lr_above_every_threshold": "is above every one of them",
        "lr_below_every_threshold": "is below every one of them",
        "tie": r"equals $2 / \lambda_{\max}$ exactly",
        "first_batch_loss_falls": "the step moved toward this batch's own minimum",
        "first_batch_loss_rises": "the step overshot this batch's own minimum",
    },
    "zh": {
        "epoch_loss_decreasing": '"全部数据上的损失每个周期都在下降"',
        "falls_not_every_epoch": '"全部数据上的损失总体下降，但不是每个周期都下降"',
        "loss_rises_overall": '"全部数据上的损失上升了"',
        "first_weight_sign_flips_at": "步之后改变符号",
        "first_weight_grows_every_step": "绝对值每一步都变大",
        "overflow_at": "数值溢出",
        "gradients_accumulate": "加到已经存着的梯度上",
        "lr_above_every_threshold": "比它们都大",
        "lr_below_every_threshold": "比它们都小",
        "tie": "恰好等于",
        "first_batch_loss_falls": "这一步向这个批量自己的最小值靠近了",
        "first_batch_loss_rises": "这一步越过了这个批量自己的最小值",
    },
}


def run(table: dict) -> tuple:
    s = scenario_from({"kind": "linreg-sgd", "title": "t"} | table)
    solved = Solved(s, KIND.compute(s), KIND.derive(s))
    body = KIND.record(solved, KIND.verify(solved))
    return s, body, codec.encode_fields(body)


def scale(data: dict, rows: int) -> F:
    return F(1) if data["reduction"] == "sum" else F(1, rows)


def hessian(data: dict, rows: list[int]) -> list[list[F]]:
    a = [[F(x) for x in data["features"][i]] + [F(1)] for i in rows]
    two_c = 2 * scale(data, len(rows))
    return [[two_c * sum(r[i] * r[j] for r in a) for j in range(len(a[0]))] for i in range(len(a[0]))]


def det(m: list[list[F]]) -> F:
    if len(m) == 1:
        return m[0][0]
    return sum((-1) ** j * m[0][j] * det([row[:j] + row[j + 1:] for row in m[1:]]) for j in range(len(m)))


def versus(h: list[list[F]], t: F) -> int:
    """sign(lambda_max(h) - t) by Sylvester: t*I - h positive definite <=> every leading minor > 0;
    positive semidefinite <=> every principal minor >= 0."""
    size = len(h)
    shifted = [[(t if i == j else 0) - h[i][j] for j in range(size)] for i in range(size)]
    if all(det([row[:k] for row in shifted[:k]]) > 0 for k in range(1, size + 1)):
        return -1
    subsets = [c for k in range(1, size + 1) for c in itertools.combinations(range(size), k)]
    semidefinite = all(det([[shifted[i][j] for j in c] for i in c]) >= 0 for c in subsets)
    return 0 if semidefinite else 1


def expected_facts(data: dict) -> dict:
    """Every fact from the results' exact values, by this file's own arithmetic."""
    n = len(data["labels"])
    rows = list(range(n))
    weight, bias = [F(w) for w in data["initial_weight"]], F(data["initial_bias"])
    initial = scale(data, n) * sum((sum(F(x) * w for x, w in zip(data["features"][i], weight)) + bias - F(data["labels"][i])) ** 2
                                   for i in rows)
    assert F(data["initial_loss"]) == initial

    def losses(epoch_loss):
        chain = [initial] + [F(v["exact"]) for v in epoch_loss]
        return {
            "loss_rises_overall": chain[-1] > chain[0],
            "loss_falls_overall": chain[-1] < chain[0],
            "epoch_loss_decreasing": all(chain[k] < chain[k - 1] for k in range(1, len(chain))),
            "epoch_loss_rises_at": [k for k in range(2, len(chain)) if chain[k] > chain[k - 1]],
        }

    steps = data["steps"]
    w1 = [F(data["initial_weight"][0])] + [F(step["weight"][0]["exact"]) for step in steps]
    batch = [F(step["loss"]["exact"]) for step in steps]
    first_epoch = list(dict.fromkeys(tuple(step["indices"]) for step in steps if step["epoch"] == 1))
    point = 2 / F(data["lr"])
    full = versus(hessian(data, rows), point)
    every = [full] + [versus(hessian(data, list(b)), point) for b in first_epoch]
    broken = next((k for k, step in enumerate(steps, 1) if not all(
        math.isfinite(float(v["value"])) for v in [step["loss"], step["grad_bias"], step["bias"], *step["grad_weight"], *step["weight"]])), None)
    first = steps[0]
    weight1, bias1 = [F(w["exact"]) for w in first["weight"]], F(first["bias"]["exact"])
    after = scale(data, len(first["indices"])) * sum(
        (sum(F(x) * w for x, w in zip(data["features"][i], weight1)) + bias1 - F(data["labels"][i])) ** 2 for i in first["indices"])
    before = F(first["loss"]["exact"])
    return losses(data["epoch_loss"]) | {
        "first_batch_loss_falls": after < before,
        "first_batch_loss_rises": after > before,
        "batch_loss_rises_at": [k for k in range(2, len(batch) + 1) if batch[k - 1] > batch[k - 2]],
        "first_weight_sign_flips_at": [k for k in range(1, len(w1)) if w1[k] * w1[k - 1] < 0],
        "first_weight_grows_every_step": all(abs(w1[k]) > abs(w1[k - 1]) for k in range(1, len(w1))),
        "overflow_at": broken,
        "gradients_accumulate": not data["zero_grad"],
        "lr_below_threshold": (full < 0, full == 0),
        "lr_below_every_threshold": all(v < 0 for v in every),
        "lr_above_every_threshold": all(v > 0 for v in every),
        "with_zero_grad": losses(data["with_zero_grad"]["epoch_loss"]) if "with_zero_grad" in data else None,
    }


def recorded(facts: dict) -> dict:
    """The results' facts in expected_facts' terms."""
    def losses(group):
        return {"loss_rises_overall": group["loss_rises_overall"]["holds"], "loss_falls_overall": group["loss_falls_overall"]["holds"],
                "epoch_loss_decreasing": group["epoch_loss_decreasing"]["holds"], "epoch_loss_rises_at": list(group["epoch_loss_rises_at"]["at"])}

    overflow = facts["overflow_at"]
    return losses(facts) | {
        "first_batch_loss_falls": facts["first_batch_loss_falls"]["holds"],
        "first_batch_loss_rises": facts["first_batch_loss_rises"]["holds"],
        "batch_loss_rises_at": list(facts["batch_loss_rises_at"]["at"]),
        "first_weight_sign_flips_at": list(facts["first_weight_sign_flips_at"]["at"]),
        "first_weight_grows_every_step": facts["first_weight_grows_every_step"]["holds"],
        "overflow_at": overflow["at"][0] if overflow["holds"] else None,
        "gradients_accumulate": facts["gradients_accumulate"]["holds"],
        "lr_below_threshold": (facts["lr_below_threshold"]["holds"], facts["lr_below_threshold"]["tie"]),
        "lr_below_every_threshold": facts["lr_below_every_threshold"]["holds"],
        "lr_above_every_threshold": facts["lr_above_every_threshold"]["holds"],
        "with_zero_grad": losses(facts["with_zero_grad"]) if facts["with_zero_grad"] else None,
    }


def page(s, body, language: str) -> str:
    context = PageContext(s, KIND.view(s, body, language), KIND.program(s), PrintedOutput.of(""), PrintedOutput.of(""),
                          "torch", "t.json", (), title="t", facts=body.facts)
    return render_page(KIND.template, context, language)


def shown(facts: dict) -> set[str]:
    """The sentences the page must show: those of the facts that hold."""
    holding = {name for name in ("epoch_loss_decreasing", "loss_rises_overall", "first_weight_sign_flips_at", "gradients_accumulate",
                                 "lr_above_every_threshold", "lr_below_every_threshold", "first_batch_loss_falls",
                                 "first_batch_loss_rises") if facts[name]}
    if facts["loss_falls_overall"] and not facts["epoch_loss_decreasing"]:
        holding.add("falls_not_every_epoch")
    if facts["loss_rises_overall"] and facts["first_weight_sign_flips_at"] and facts["first_weight_grows_every_step"]:
        holding.add("first_weight_grows_every_step")
    if not facts["loss_rises_overall"]:
        holding.discard("first_weight_sign_flips_at")  # the sign changes are told where the loss rises
    if facts["overflow_at"] is not None:
        holding.add("overflow_at")
    if facts["lr_below_threshold"][1] and not facts["lr_above_every_threshold"] and not facts["lr_below_every_threshold"]:
        holding.add("tie")
    return holding


def check(table: dict) -> None:
    s, body, data = run(table)
    facts = expected_facts(data)
    assert recorded(data["facts"]) == facts
    for language, sentences in SENTENCES.items():
        text = page(s, body, language)
        want = shown(facts)
        for name, sentence in sentences.items():
            assert (sentence in text) == (name in want), (language, name, want)


small = st.integers(-3, 3).map(str)


@st.composite
def scenarios(draw) -> dict:
    n = draw(st.integers(2, 4))
    d = draw(st.integers(1, 2))
    features = [[draw(small) for _ in range(d)] for _ in range(n)]
    batch = draw(st.integers(1, n))
    per_epoch = -(-n // batch)
    return {
        "features": features,
        "labels": [draw(small) for _ in range(n)],
        "weight": [draw(small) for _ in range(d)],
        "bias": draw(small),
        "lr": draw(st.sampled_from(["0.01", "0.05", "0.1", "0.2", "0.3", "0.5", "1"])),
        "batch_size": batch,
        "epochs": draw(st.integers(1, min(8, 24 // per_epoch))),
        "zero_grad": draw(st.booleans()),
        "reduction": draw(st.sampled_from(["sum/batch", "mean", "sum"])),
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "seed": draw(st.integers(0, 5)),
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_facts_agree_with_an_independent_recomputation_and_the_page_says_them(table):
    check(table)


def test_a_learning_rate_exactly_on_the_threshold_is_a_tie():
    """X = [[1], [1]]: H = [[2, 2], [2, 2]] under the mean, lambda_max = 4, so eta = 1/2 is 2 / lambda_max."""
    table = {"features": [["1"], ["1"]], "labels": ["1", "2"], "weight": ["0"], "bias": "0", "lr": "0.5", "batch_size": 2,
             "epochs": 3, "reduction": "mean"}
    s, body, data = run(table)
    assert data["facts"]["lr_below_threshold"] == {"holds": False, "tie": True}
    check(table)


def test_an_overflowing_run_names_the_step():
    table = {"features": [["3"], ["-2"]], "labels": ["1", "2"], "weight": ["1"], "bias": "0", "lr": "3", "batch_size": 1,
             "epochs": 60, "reduction": "sum", "seed": 1}
    s, body, data = run(table)
    assert data["facts"]["overflow_at"]["holds"] and data["facts"]["overflow_at"]["torch"] is True
    check(table)
