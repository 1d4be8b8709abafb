"""The linreg-sgd kind: the post's first batch, a hand-checked second batch, partial batches,
zero_grad, the seeded DataLoader, overflow, and torch == exact on random problems."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from fractions import Fraction as F

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader, TensorDataset

from generator.errors import MismatchError
from generator.kinds import linreg_sgd
from generator.kinds.base import Solved
from generator.kinds.linreg_sgd import scenario as linreg_scenario
from generator.loading import scenario_from
from generator.pipeline import generate_scenario

POST = {
    "title": "post",
    "features": [[1, 2], [4, 2], [8, 1], [0, 1], [3, 8], [1, 3]],
    "labels": [1, 6, 2, 7, 1, 3],
    "weight": [1, 2],
    "bias": 0,
    "lr": "0.5",
    "batch_size": 3,
    "epochs": 1,
    "order": [[5, 1, 0, 2, 3, 4]],
}


def make(table: dict, slug: str = "t"):
    return scenario_from({"kind": "linreg-sgd"} | table, slug)


def run(table: dict, slug: str = "t") -> dict:
    """Generate one scenario end to end (torch, exact, verify, program) and return its results."""
    return json.loads(generate_scenario(make(table, slug)).files[f"{slug}.json"])


def exact(record) -> F:
    return F(record["exact"])


def exacts(records) -> list[F]:
    return [exact(r) for r in records]


def test_first_batch_is_the_posts(results):
    step = results["linreg-sgd"]["steps"][0]
    assert step["indices"] == [5, 1, 0]
    assert exact(step["loss"]) == 12
    assert exacts(step["grad_weight"]) == [F(32, 3), 16]
    assert exact(step["grad_bias"]) == F(20, 3)
    assert exacts(step["weight"]) == [F(-13, 3), -6]
    assert exact(step["bias"]) == F(-10, 3)
    assert step["loss"]["value"] == 12.0


def test_second_batch_checked_by_hand(results):
    # rows 2, 3, 4 = [8,1], [0,1], [3,8], labels 2, 7, 1, at w1 = [-13/3, -6], b1 = -10/3:
    # residuals -46, -49/3, -196/3; loss (46^2 + (49/3)^2 + (196/3)^2) / 3 = 59861/27;
    # w.grad = 2/3 * X^T r = [-376, -390]; b.grad = 2/3 * (-383/3) = -766/9;
    # w2 = w1 - g/2 = [551/3, 189]; b2 = -10/3 + 383/9 = 353/9.
    step = results["linreg-sgd"]["steps"][1]
    assert (step["epoch"], step["batch"], step["indices"]) == (1, 2, [2, 3, 4])
    assert exact(step["loss"]) == F(59861, 27)
    assert exacts(step["grad_weight"]) == [-376, -390]
    assert exact(step["grad_bias"]) == F(-766, 9)
    assert exacts(step["weight"]) == [F(551, 3), 189]
    assert exact(step["bias"]) == F(353, 9)


def test_the_posts_learning_rate_diverges(results, pages):
    losses = [exact(v) for v in results["linreg-sgd"]["epoch_loss"]]
    assert losses == sorted(losses) and losses[-1] > 10**7
    assert '"The loss on all data rises"' in pages["linreg-sgd"]
    assert "is above every one of them" in pages["linreg-sgd"]
    stable = [exact(v) for v in results["linreg-sgd-stable"]["epoch_loss"]]
    assert stable[-1] < stable[0] / 3
    assert '"The loss on all data falls overall, but not at every epoch"' in pages["linreg-sgd-stable"]
    assert "rises at epochs 3, 6, 9, 11, 13 and 15" in pages["linreg-sgd-stable"]


def test_epoch_loss_is_the_whole_data_as_one_batch(results):
    result = results["linreg-sgd"]
    w, b = exacts(result["steps"][1]["weight"]), exact(result["steps"][1]["bias"])
    residuals = [x0 * w[0] + x1 * w[1] + b - y for (x0, x1), y in zip(POST["features"], POST["labels"])]
    assert exact(result["epoch_loss"][0]) == sum(r * r for r in residuals) / 6


def test_last_partial_batch():
    result = run({k: v for k, v in POST.items() if k != "order"} | {"features": POST["features"][:5], "labels": POST["labels"][:5], "batch_size": 2, "epochs": 2, "seed": 3})
    sizes = [len(step["indices"]) for step in result["steps"]]
    assert sizes == [2, 2, 1, 2, 2, 1]
    assert sorted(i for step in result["steps"][:3] for i in step["indices"]) == [0, 1, 2, 3, 4]
    last = result["steps"][2]
    (i,) = last["indices"]
    x, y = POST["features"][i], POST["labels"][i]
    w, b = exacts(result["steps"][1]["weight"]), exact(result["steps"][1]["bias"])
    r = x[0] * w[0] + x[1] * w[1] + b - y
    assert exact(last["loss"]) == r * r  # "sum/batch" over one row: the squared residual itself


def test_without_zero_grad_the_gradients_accumulate(results):
    accumulating = results["linreg-sgd-no-zero-grad"]
    first, second = accumulating["steps"][0], accumulating["steps"][1]
    fixed_second = accumulating["with_zero_grad"]["steps"][1]
    # step 1 is the same either way, so at step 2 both runs stand at the same w1, b1:
    # the accumulated gradient is step 1's plus the fresh one.
    assert exacts(first["weight"]) == exacts(accumulating["with_zero_grad"]["steps"][0]["weight"])
    fresh = exacts(fixed_second["grad_weight"])
    assert exacts(second["grad_weight"]) == [a + b for a, b in zip(exacts(first["grad_weight"]), fresh)]
    assert exact(second["grad_bias"]) == exact(first["grad_bias"]) + exact(fixed_second["grad_bias"])
    assert accumulating["zero_grad"] is False


def test_seeded_shuffle_is_what_a_plain_dataloader_yields(results):
    result = results["linreg-sgd-stable"]
    features = torch.tensor([[float(F(v)) for v in row] for row in result["features"]])
    labels = torch.tensor([[float(F(v))] for v in result["labels"]])
    loader = DataLoader(TensorDataset(features, labels), batch_size=result["batch_size"], shuffle=True,
                        generator=torch.Generator().manual_seed(result["seed"]))
    rows = [tuple(r) for r in features.tolist()]
    drawn = [[rows.index(tuple(x)) for x in X.tolist()] for _ in range(result["epochs"]) for X, _ in loader]
    assert drawn == [step["indices"] for step in result["steps"]]


def test_divergence_to_inf_does_not_crash():
    slug = "overflow"
    scenario = make(POST | {"lr": "5", "epochs": 40, "order": [[5, 1, 0, 2, 3, 4]] * 40}, slug)
    generated = generate_scenario(scenario)
    result = json.loads(generated.files[f"{slug}.json"])
    values = [step["loss"]["value"] for step in result["steps"]]
    assert "inf" in values or "nan" in values
    assert all(isinstance(v, float) for v in values[:3])
    page = generated.files[f"{slug}.md"].decode()
    assert "The numbers overflow" in page
    assert "| inf |" in page or "| nan |" in page


def printed_steps(output: str) -> list[tuple[float, list[float], float, list[float], float]]:
    pattern = (r"epoch \d+ batch \d+: loss (\S+)\n  w.grad \[(.*?)\] b.grad (\S+)\n  w \[(.*?)\] b (\S+)")
    return [
        (float(loss), [float(g) for g in gw.split(",")], float(gb), [float(w) for w in ws.split(",")], float(b))
        for loss, gw, gb, ws, b in re.findall(pattern, output)
    ]


@pytest.mark.parametrize("slug", ["linreg-sgd", "linreg-sgd-stable", "linreg-sgd-no-zero-grad"])
def test_shown_program_printed_the_results(slug, pages, results):
    output = results[slug]["printed"]
    lines = output.splitlines()
    assert lines[0] in pages[slug] and lines[-1] in pages[slug]  # the page shows the output's first and last lines
    printed = printed_steps(output)
    steps = results[slug]["steps"]
    assert len(printed) == len(steps) > 0
    for (loss, grad_w, grad_b, w, b), step in zip(printed, steps):
        assert loss == step["loss"]["value"]
        assert grad_w == [v["value"] for v in step["grad_weight"]]
        assert grad_b == step["grad_bias"]["value"]
        assert w == [v["value"] for v in step["weight"]]
        assert b == step["bias"]["value"]
    epoch_lines = [float(x) for x in re.findall(r"^epoch \d+: loss on all data (\S+)$", output, flags=re.M)]
    assert epoch_lines == [v["value"] for v in results[slug]["epoch_loss"]]


small = st.fractions(min_value=-4, max_value=4, max_denominator=4)


@st.composite
def problems(draw):
    n, d = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    batch_size = draw(st.integers(1, n + 1))
    epochs = draw(st.integers(1, 3))
    table = {
        "title": "random",
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "reduction": draw(st.sampled_from(linreg_scenario.REDUCTIONS)),
        "features": [[str(draw(small)) for _ in range(d)] for _ in range(n)],
        "labels": [str(draw(small)) for _ in range(n)],
        "weight": [str(draw(small)) for _ in range(d)],
        "bias": str(draw(small)),
        "lr": draw(st.sampled_from(["1/100", "1/10", "1/2", "2"])),
        "batch_size": batch_size,
        "epochs": epochs,
        "zero_grad": draw(st.booleans()),
    }
    if draw(st.booleans()):
        table["order"] = [draw(st.permutations(range(n))) for _ in range(epochs)]
    else:
        table["seed"] = draw(st.integers(0, 1000))
    return make(table, "random")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(problems())
def test_torch_trajectory_agrees_with_the_exact_one(scenario):
    runs, exacts_ = linreg_sgd.compute(scenario), linreg_sgd.derive(scenario)
    linreg_sgd.verify(Solved(scenario, runs, exacts_))  # raises MismatchError past the dtype's tolerance
    first = exacts_.main.steps[0]
    rows = first.indices
    residual = [sum((x * w for x, w in zip(scenario.features[i], scenario.weight)), scenario.bias) - scenario.labels[i] for i in rows]
    assert list(first.residual) == residual
    assert len(runs.main.steps) == scenario.epochs * -(-scenario.n // scenario.batch_size)


@pytest.mark.parametrize("dtype, relative", [("float32", 1e-3), ("float64", 2e-12)])
def test_verify_catches_a_small_error_late_in_a_diverging_run(dtype, relative):
    """The tolerance is tight enough to mean something: a relative error of about 10^4 eps in one
    weight, five steps into a run whose values grow by 10^7, fails the check (the worst-case bound
    is about 10^-4 relative there for float32)."""
    scenario = make(POST | {"dtype": dtype, "epochs": 3, "order": [[5, 1, 0, 2, 3, 4]] * 3})
    runs, exacts_ = linreg_sgd.compute(scenario), linreg_sgd.derive(scenario)
    linreg_sgd.verify(Solved(scenario, runs, exacts_))
    steps = list(runs.main.steps)
    wrong = steps[4].weight[0] * (1 + relative)
    steps[4] = replace(steps[4], weight=(wrong, *steps[4].weight[1:]))
    broken = replace(runs, main=replace(runs.main, steps=tuple(steps)))
    with pytest.raises(MismatchError, match=r"t.toml: epoch 3 batch 1: w\[0\] after the step: torch gave"):
        linreg_sgd.verify(Solved(scenario, broken, exacts_))
