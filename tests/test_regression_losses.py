"""The regression-losses kind: the source post's X and Y by hand, L1's kink, the branches at and
around beta and delta, torch == exact == the closed forms for random inputs, and the program's output."""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import MismatchError
from generator.kinds import regression_losses
from generator.kinds.base import Solved
from generator.loading import scenario_from

SIGN = {1: "+", -1: "-"}


def exacts(matrix):
    return [[F(v["exact"]) for v in row] for row in matrix]


def test_the_posts_x_and_y_by_hand(results):
    """Residuals [[1, -1], [3, -2], [-1, 1]], beta = delta = 1, mean over 6 entries, worked by hand:
    |r| sums to 9; every |r| >= 1, so SmoothL1 and Huber take the linear branch: |r| - 1/2 each."""
    result = results["regression-losses"]
    assert exacts(result["residual"]) == [[1, -1], [3, -2], [-1, 1]]
    losses = result["losses"]
    assert F(losses["l1"]["loss"]["exact"]) == F(9, 6)
    assert F(losses["smooth_l1"]["loss"]["exact"]) == F(6, 6) == F(losses["huber"]["loss"]["exact"])
    assert F(losses["mse"]["loss"]["exact"]) == F(17, 6)
    signs = [[F(1, 6), F(-1, 6)], [F(1, 6), F(-1, 6)], [F(-1, 6), F(1, 6)]]
    for name in ("l1", "smooth_l1", "huber"):
        assert exacts(losses[name]["grad"]) == signs, name
    assert exacts(losses["mse"]["grad"]) == [[F(1, 3), F(-1, 3)], [1, F(-2, 3)], [F(-1, 3), F(1, 3)]]
    assert losses["smooth_l1"]["case"] == [["linear"] * 2] * 3  # |r| = 1 is not below beta = 1


def test_branches_and_the_kink(results, pages):
    """beta = 1/2, delta = 1, residuals 1/4, -1/2, 3/2, 0, -2, 3/4."""
    result = results["regression-losses-beta"]
    losses = result["losses"]
    assert losses["smooth_l1"]["case"] == [["quadratic", "linear"], ["linear", "quadratic"], ["linear", "linear"]]
    assert losses["huber"]["case"] == [["quadratic", "quadratic"], ["linear", "quadratic"], ["linear", "quadratic"]]
    assert exacts(losses["smooth_l1"]["elementwise"]) == [[F(1, 16), F(1, 4)], [F(5, 4), 0], [F(7, 4), F(1, 2)]]
    assert exacts(losses["huber"]["elementwise"]) == [[F(1, 32), F(1, 8)], [1, 0], [F(3, 2), F(9, 32)]]
    kink = losses["l1"]["grad"][1][1]
    assert kink["exact"] == "0" and kink["value"] == 0.0  # torch's sign(0) = 0
    assert "In this scenario that happens at $x_{2,2}$" in pages["regression-losses-beta"]
    assert "No entry of this scenario has $r = 0$" in pages["regression-losses"]


@pytest.mark.parametrize("slug", ["regression-losses", "regression-losses-beta"])
def test_shown_program_printed_the_results(slug, pages, results):
    printed = results[slug]["printed"]
    names = {"L1Loss": "l1", "SmoothL1Loss": "smooth_l1", "HuberLoss": "huber", "MSELoss": "mse"}
    blocks = re.findall(r"^(\w+): (\S+)\n((?:  \[.*\]\n)+)", printed, flags=re.M)
    assert [name for name, _, _ in blocks] == list(names)
    for name, loss, rows in blocks:
        record = results[slug]["losses"][names[name]]
        assert float(loss) == record["loss"]["value"]
        grad = [[float(x) for x in row.strip().strip("[]").split(",")] for row in rows.splitlines()]
        assert grad == [[v["value"] for v in row] for row in record["grad"]]
    assert printed in pages[slug]


def closed(name: str, r: F, beta: F, delta: F) -> tuple[F, F]:
    """The documented definitions once more, written independently of the generator."""
    sign = (r > 0) - (r < 0)
    if name == "l1":
        return abs(r), F(sign)
    if name == "smooth_l1":
        return (r * r / (2 * beta), r / beta) if abs(r) < beta else (abs(r) - beta / 2, F(sign))
    if name == "huber":
        return (r * r / 2, r) if abs(r) < delta else (delta * (abs(r) - delta / 2), delta * sign)
    return r * r, 2 * r


@st.composite
def problems(draw):
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    beta, delta = draw(st.sampled_from([F(1, 2), F(1), F(2)])), draw(st.sampled_from([F(1, 4), F(1), F(3, 2)]))
    near = st.sampled_from([beta, -beta, delta, -delta, F(0), beta + F(1, 8), beta - F(1, 8), -delta - F(1, 8), delta + F(1, 64)])
    residual = st.one_of(near, st.fractions(min_value=-5, max_value=5, max_denominator=8))
    Y = [[draw(st.fractions(min_value=-5, max_value=5, max_denominator=4)) for _ in range(d)] for _ in range(n)]
    X = [[y + draw(residual) for y in row] for row in Y]
    return scenario_from({
        "kind": "regression-losses", "title": "random", "dtype": draw(st.sampled_from(["float32", "float64"])),
        "reduction": draw(st.sampled_from(regression_losses.REDUCTIONS)), "beta": str(beta), "delta": str(delta),
        "X": [[str(v) for v in row] for row in X], "Y": [[str(v) for v in row] for row in Y],
    }, "random")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_torch_exact_and_closed_forms_agree(scenario):
    trace, exact = regression_losses.compute(scenario), regression_losses.derive(scenario)
    regression_losses.verify(Solved(scenario, trace, exact))  # raises MismatchError past the bound
    n, d = scenario.shape
    divisor = n * d if scenario.reduction == "mean" else 1
    for name in regression_losses.LOSSES:
        values = [[closed(name, x - y, scenario.beta, scenario.delta) for x, y in zip(xr, yr)] for xr, yr in zip(scenario.X, scenario.Y)]
        assert [list(row) for row in exact.losses[name].elementwise] == [[v for v, _ in row] for row in values]
        assert [list(row) for row in exact.losses[name].grad] == [[g / divisor for _, g in row] for row in values]
        assert exact.losses[name].loss == sum(v for row in values for v, _ in row) / divisor


def test_verify_fails_on_a_wrong_torch_value():
    scenario = scenario_from({"kind": "regression-losses", "title": "t", "X": [[3, 1]], "Y": [[2, 2]]})
    trace = regression_losses.compute(scenario)
    huber = trace.losses["huber"]
    broken = {**trace.losses, "huber": replace(huber, loss=huber.loss * (1 + 1e-4))}
    with pytest.raises(MismatchError, match=r"t.toml: huber loss: torch gave"):
        regression_losses.verify(Solved(scenario, replace(trace, losses=broken), regression_losses.derive(scenario)))


@pytest.mark.parametrize("key, value, message", [("beta", "0", "beta: is 0; it must be greater than 0"),
                                                 ("delta", '"-1/2"', "delta: is -1/2; it must be greater than 0")])
def test_beta_and_delta_must_be_positive(tmp_path, key, value, message):
    from generator.errors import ScenarioError
    from generator.loading import load_scenarios

    (tmp_path / "bad.toml").write_text(f'kind = "regression-losses"\ntitle = "t"\nX = [[1]]\nY = [[2]]\n{key} = {value}\n')
    with pytest.raises(ScenarioError, match=message):
        load_scenarios([tmp_path / "bad.toml"])
