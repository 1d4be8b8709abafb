"""The MSELoss kind: the seed's correct numbers, and torch == exact == symbolic for random inputs."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import MismatchError
from generator.kinds import mse
from generator.kinds.base import Solved
from generator.loading import scenario_from


def exact(record):
    return F(record["exact"])


def grad_of(result):
    return [[exact(v) for v in row] for row in result["grad"]]


def test_mean_matches_the_seed_corrected(results, pages):
    mean = results["mse-mean"]
    assert exact(mean["loss"]) == F(17, 6)
    assert mean["loss"]["exact"] == "17/6"
    assert mean["loss"]["value"] == pytest.approx(17 / 6, rel=1e-6)
    assert grad_of(mean) == [[F(1, 3), F(-1, 3)], [F(1), F(-2, 3)], [F(-1, 3), F(1, 3)]]
    assert mean["reduction"] == "mean" and mean["kind"] == "mse" and mean["dtype"] == "float32"
    assert r"\frac{17}{6} \approx 2.8333" in pages["mse-mean"]
    # the seed's wrong last row was [-1, -1]/3; the page must show [-1/3, 1/3]
    assert r"- \dfrac{1}{3} & \dfrac{1}{3} \end{bmatrix}" in pages["mse-mean"]


def test_sum_matches_the_seed_corrected(results, pages):
    total = results["mse-sum"]
    assert total["loss"]["exact"] == "17"
    assert grad_of(total) == [[2, -2], [6, -4], [-2, 2]]
    assert r"\ell = 17" in pages["mse-sum"]
    assert r"-2 & 2 \end{bmatrix}" in pages["mse-sum"]


def test_results_file_has_the_contract_keys(results):
    for result in (results["mse-mean"], results["mse-sum"]):
        assert {"slug", "kind", "dtype", "torch", "reduction", "loss", "grad"} <= set(result)
        assert set(result["loss"]) == {"value", "exact", "bound"}
        assert {"printed", "platform"} <= set(result)
        assert set(result["platform"]) == {"torch", "python", "machine", "cpu_capability", "fingerprint"}
        assert result["torch"].startswith("2.13.0")


small = st.fractions(min_value=-20, max_value=20, max_denominator=12)


@st.composite
def problems(draw):
    n, d = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    reduction = draw(st.sampled_from(mse.REDUCTIONS))
    if reduction == "none" and n * d == 1:  # refused: a one-element loss backpropagates without error
        d = 2
    matrix = st.lists(st.lists(small, min_size=d, max_size=d), min_size=n, max_size=n)
    table = {
        "title": "random",
        "reduction": reduction,
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "X": [[str(v) for v in row] for row in draw(matrix)],
        "Y": [[str(v) for v in row] for row in draw(matrix)],
    }
    scenario = scenario_from({"kind": "mse"} | table, "random")
    return scenario


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_torch_exact_and_symbolic_agree(scenario):
    trace, result = mse.compute(scenario), mse.derive(scenario)
    mse.verify(Solved(scenario, trace, result))  # raises MismatchError on disagreement
    n, d = scenario.shape
    divisor = n * d if scenario.reduction == "mean" else 1
    residual = [[x - y for x, y in zip(xr, yr)] for xr, yr in zip(scenario.X, scenario.Y)]
    assert result.grad == tuple(tuple(F(2, divisor) * r for r in row) for row in residual)
    relative = 1e-5 if scenario.dtype == "float32" else 1e-12
    if scenario.reduction == "none":  # the loss is the matrix of squares; loss.mean() and loss.sum() beside it
        assert result.loss == tuple(tuple(r * r for r in row) for row in residual)
        for row, exact_row in zip(trace.loss, result.loss):
            assert list(row) == pytest.approx([float(v) for v in exact_row], rel=relative, abs=relative)
        total = sum(r * r for row in residual for r in row)
        assert [(o[0], o[1]) for o in result.others] == [("mean", total / (n * d)), ("sum", total)]
        assert [o.loss for o in trace.others] == pytest.approx([float(total / (n * d)), float(total)], rel=relative, abs=relative)
    else:
        assert result.loss == sum(r * r for row in residual for r in row) / divisor
        assert trace.loss == pytest.approx(float(result.loss), rel=relative, abs=relative)
    for row, exact_row in zip(trace.grad, result.grad):
        assert list(row) == pytest.approx([float(v) for v in exact_row], rel=relative, abs=relative)


def test_verify_fails_loudly_on_a_wrong_torch_value():
    scenario = scenario_from({"kind": "mse", "title": "t", "X": [[3, 1]], "Y": [[2, 2]]})
    trace = mse.compute(scenario)
    wrong = replace(trace, loss=trace.loss * (1 + 1e-4))
    with pytest.raises(MismatchError, match=r"t.toml: loss: torch gave .* exact is 1"):
        mse.verify(Solved(scenario, wrong, mse.derive(scenario)))
