"""Kind cross-entropy: torch, the exact values and an independent closed form computed here with
arb (log-sum-exp written directly, not the kind's code) agree within the verified bounds, on random
logits (large, tiny, equal) and every option, and on the cases PyTorch's issue threads found bugs in."""

from __future__ import annotations

import math
from fractions import Fraction as F

import flint
import pytest
from conftest import copy_project
from helpers import arb_of, moved
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import MismatchError
from generator.exact import ball
from generator.kinds.cross_entropy import exact, run
from generator.kinds.cross_entropy import scenario as sc
from generator.reader import Reader
from generator.scenario import ScenarioHeader


def make(table, dtype="float32"):
    reader = Reader("t.toml", table)
    s = sc.parse(reader, ScenarioHeader("cross-entropy", "t.toml", "t", "t", dtype, (), None, ""))
    assert s is not None, reader.problems
    return s


def independent_loss(logits, classes, probabilities, weight, ignore, eps, reduction):
    """CrossEntropyLoss from its documented definition, in arb at 200 bits: torch's docs' formula."""
    with flint.ctx.workprec(200):
        C = len(logits[0])
        w = [arb_of(v) for v in weight] if weight else [flint.arb(1)] * C
        rows, denominator = [], flint.arb(0)
        for i, row in enumerate(logits):
            xs = [arb_of(x) for x in row]
            logsum = sum((x.exp() for x in xs), flint.arb(0)).log()
            log_p = [x - logsum for x in xs]
            if probabilities is not None:
                y = [arb_of(p) * (1 - arb_of(eps)) + arb_of(eps) / C for p in probabilities[i]]
                rows.append(-sum((w[j] * y[j] * log_p[j] for j in range(C)), flint.arb(0)))
                denominator += 1
            elif classes[i] == ignore:
                rows.append(flint.arb(0))
            else:
                t = classes[i]
                smooth = -sum((w[j] * log_p[j] for j in range(C)), flint.arb(0))
                rows.append((1 - arb_of(eps)) * (-w[t] * log_p[t]) + arb_of(eps) / C * smooth)
                denominator += w[t]
        if reduction == "none":
            return rows
        total = sum(rows, flint.arb(0))
        return total / denominator if reduction == "mean" else total


def agree(torch_value, ours, theirs, bound):
    """torch within the bound of the kind's exact value, which the independent ball contains."""
    ball.prove_within("value", torch_value, ours, bound)
    with flint.ctx.workprec(200):
        assert ball.enclose(ours, 200).overlaps(theirs)
        assert abs(flint.arb(torch_value) - theirs) <= flint.arb(bound) * (1 + flint.arb(2) ** -40)


logit = st.one_of(
    st.fractions(min_value=-5, max_value=5, max_denominator=8),
    st.sampled_from([F(100), F(1000), F(-1000), F(1, 10**6), F(0), F(10**12), F(-(10**12))]),
)


@st.composite
def scenarios(draw):
    n, C = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    equal = draw(st.booleans())
    logits = [[draw(logit)] * C if equal else [draw(logit) for _ in range(C)] for _ in range(n)]
    table = {"logits": [[str(x) for x in row] for row in logits], "reduction": draw(st.sampled_from(sc.REDUCTIONS))}
    if draw(st.booleans()):
        table["weight"] = [str(draw(st.fractions(min_value=F(1, 4), max_value=4, max_denominator=4))) for _ in range(C)]
    if draw(st.booleans()):
        table["label_smoothing"] = str(draw(st.sampled_from([F(1, 10), F(1, 4), F(9, 10)])))
    if draw(st.booleans()):
        rows = []
        for _ in range(n):
            parts = [draw(st.integers(0, 4)) for _ in range(C)]
            parts[0] += 1
            rows.append([str(F(p, sum(parts))) for p in parts])
        table["target"] = rows
    else:
        classes = [draw(st.integers(0, C - 1)) for _ in range(n)]
        if n > 1 and draw(st.booleans()):
            classes[0] = -100
            table["ignore_index"] = -100
        table["target"] = classes
    return table


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from(["float32", "float64"]))
def test_torch_the_exact_value_and_an_independent_closed_form_agree_within_the_bound(table, dtype):
    s = make(table, dtype)
    trace, ex = run.compute(s), exact.derive(s)
    bounds = exact.verify(s, trace, ex)
    theirs = independent_loss(s.logits, s.classes, s.probabilities, s.weight, s.ignore_index, s.label_smoothing, s.reduction)
    if s.reduction == "none":
        for value, ours, other, bound in zip(trace.loss, ex.loss, theirs, bounds.loss):
            agree(value, ours, other, bound)
    else:
        agree(trace.loss, ex.loss, theirs, bounds.loss)
    # one ulp past the bound fails: a float just outside [exact - bound, exact + bound]
    value = trace.grad[0][0]
    edge = float(F(ball.ends(ball.enclose(ex.grad[0][0]), 40)[1]) + F(bounds.grad[0][0]))
    past = moved(edge, 2, dtype)
    if math.isfinite(past):
        with pytest.raises(MismatchError):
            ball.prove_within("grad", past, ex.grad[0][0], bounds.grad[0][0])
    ball.prove_within("grad", value, ex.grad[0][0], bounds.grad[0][0])


def loss_of(table, dtype="float32"):
    s = make(table, dtype)
    trace, ex = run.compute(s), exact.derive(s)
    return s, trace, ex, exact.verify(s, trace, ex)


LOGITS = [["-1/3", "1/2", 2], [1, 0, -1], [2, 1, "1/2"]]


def test_the_weighted_mean_divides_by_the_sum_of_the_target_weights():  # pytorch#25571, #40560
    s, trace, ex, bounds = loss_of({"logits": LOGITS, "target": [2, 0, 0], "weight": [3, 1, "1/2"]})
    assert s.denominator == F(3 + 3 + F(1, 2))
    theirs = independent_loss(s.logits, s.classes, None, s.weight, None, F(0), "mean")
    agree(trace.loss, ex.loss, theirs, bounds.loss)
    by_rows = independent_loss(s.logits, s.classes, None, s.weight, None, F(0), "sum") / 3
    assert not by_rows.overlaps(theirs)  # dividing by n would be another number


def test_weight_has_no_effect_at_batch_size_1():  # pytorch#50528
    _, weighted, ex_w, _ = loss_of({"logits": LOGITS[:1], "target": [2], "weight": [3, 1, "1/2"]})
    _, plain, ex_p, _ = loss_of({"logits": LOGITS[:1], "target": [2]})
    assert not ball.apart(ex_w.loss, ex_p.loss) and weighted.loss == plain.loss


def test_ignored_rows_count_nowhere_with_label_smoothing():  # pytorch#73205
    table = {"logits": LOGITS, "target": [2, -100, 1], "ignore_index": -100, "label_smoothing": "0.2", "weight": [1, 2, 3]}
    s, trace, ex, bounds = loss_of(table)
    theirs = independent_loss(s.logits, s.classes, None, s.weight, -100, s.label_smoothing, "mean")
    agree(trace.loss, ex.loss, theirs, bounds.loss)
    assert trace.grad[1] == (0.0, 0.0, 0.0) and s.denominator == 3 + 2


def test_probability_targets_divide_the_mean_by_n_weights_or_not():
    table = {"logits": LOGITS[:2], "target": [[0, "1/4", "3/4"], ["1/2", "1/2", 0]], "weight": [1, 2, 3]}
    s, trace, ex, bounds = loss_of(table)
    assert s.denominator == 2
    agree(trace.loss, ex.loss, independent_loss(s.logits, None, s.probabilities, s.weight, None, F(0), "mean"), bounds.loss)


def test_adversarial_logits_layernorm_like_and_huge():
    """Rows of nearly equal large logits (x - max cancels, log S near log C) and of huge spread."""
    for row in ([F(1000) + F(k, 2**10) for k in range(4)], [F(10**12), F(10**12 - 1), F(-(10**12)), 0], [F(1, 10**6)] * 4):
        for dtype in ("float32", "float64"):
            _, trace, ex, bounds = loss_of({"logits": [[str(x) for x in row]], "target": [1], "label_smoothing": "0.1"}, dtype)
            agree(trace.loss, ex.loss, independent_loss([row], [1], None, None, None, F(1, 10), "mean"), bounds.loss)


def test_ignore_index_with_probability_targets_exits_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.toml").write_text('kind = "cross-entropy"\ntitle = "t"\nlogits = [[1, 2]]\ntarget = [["1/2", "1/2"]]\n'
                                     "ignore_index = 0\n")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "a.toml", "--out", str(tmp_path / "out")]) == 2
    assert "a.toml: ignore_index: applies to class-index targets only" in capsys.readouterr().err


def test_claims_on_the_irrational_loss(project, capsys):
    text = (project / "scenarios" / "cross-entropy.toml").read_text()
    (project / "scenarios" / "cross-entropy.toml").write_text(text + '\n[claims]\nloss = "0.3427"\n"grad[0]" = ["0.0367", "0.0845", "-0.1213"]\n'
                                                               '"softmax[0][2]" = "0.7575"\nrow_loss = ["0.2777", "0.4077"]\n')
    assert main(["claims", str(project / "scenarios" / "cross-entropy.toml")]) == 5
    out = capsys.readouterr().out
    assert "loss: right" in out and "grad[0]: wrong at [2]" in out and "softmax[0][2]: right" in out and "row_loss: wrong at [1]" in out


@pytest.fixture
def project(tmp_path, monkeypatch):
    folder = copy_project(tmp_path)
    monkeypatch.chdir(folder)
    return folder
