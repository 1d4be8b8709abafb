"""Kind optimizers: the scenario format's errors, and what the built-in pages state, checked against
the results file by rules written here (not the kind's code): torch's momentum buffer starts as the
gradient, Adam's first step against lr * sign(g), AdamW against Adam, and the loss facts."""

from __future__ import annotations

from fractions import Fraction

import pytest
from conftest import copy_project
from helpers import tree_digest, write_case

from generator.cli import main

BASE = (
    'kind = "optimizers"\ntitle = "t"\nfeatures = [[1, 2], [4, 2], [8, 1]]\nlabels = [1, 6, 2]\n'
    'weight = [1, 2]\nbias = 0\nbatch_size = 2\nepochs = 2\n'
)

CASES = [
    ("no optimizer", BASE, "optimizer: missing: list the optimizers"),
    ("unknown class", BASE + '[[optimizer]]\nname = "Adma"\n', "optimizer[0].name: unknown value 'Adma' (did you mean 'Adam'?)"),
    ("unknown option", BASE + '[[optimizer]]\nname = "SGD"\nbeta = 1\n', "optimizer[0].beta: unknown key"),
    ("option of another class", BASE + '[[optimizer]]\nname = "SGD"\nbetas = ["0.9", "0.99"]\n', "optimizer[0].betas: unknown key"),
    ("lr zero", BASE + '[[optimizer]]\nname = "Adam"\nlr = 0\n', "optimizer[0].lr: is 0; the learning rate must be greater than 0"),
    ("beta of 1", BASE + '[[optimizer]]\nname = "Adam"\nbetas = ["0.9", 1]\n', "optimizer[0].betas: beta2 is 1"),
    ("one beta", BASE + '[[optimizer]]\nname = "Adam"\nbetas = ["0.9"]\n', "optimizer[0].betas: has 1 numbers; expected two"),
    ("eps zero", BASE + '[[optimizer]]\nname = "RMSprop"\neps = 0\n', "optimizer[0].eps: is 0; give eps greater than 0"),
    ("nesterov without momentum", BASE + '[[optimizer]]\nname = "SGD"\nlr = "0.1"\nnesterov = true\n',
     "optimizer[0].nesterov: needs momentum above 0 and dampening 0"),
    ("second entry", BASE + '[[optimizer]]\nname = "SGD"\n[[optimizer]]\nname = "AdamW"\namsgrad = "yes"\n',
     "optimizer[1].amsgrad: expected true or false"),
    ("lr of linreg-sgd", BASE + 'lr = "0.1"\n[[optimizer]]\nname = "SGD"\n', "lr: unknown key"),
    ("not tables", BASE + 'optimizer = ["SGD"]\n', "optimizer: expected [[optimizer]] tables"),
    ("too many", BASE + '[[optimizer]]\nname = "SGD"\n' * 7, "optimizer: lists 7 optimizers; the limit is 6"),
]


@pytest.mark.parametrize("case, content, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_optimizer_is_one_line_exit_2_and_changes_nothing(tmp_path, monkeypatch, capsys, case, content, expected):
    project = copy_project(tmp_path)
    monkeypatch.chdir(project)
    write_case(project / "scenarios", "bad.toml", content)
    before = tree_digest(project / "docs")
    code = main(["build"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "scenarios/bad.toml: " in err and expected in err, err
    assert "Traceback" not in err
    assert tree_digest(project / "docs") == before


def exact(record: dict) -> Fraction | tuple[Fraction, Fraction]:
    """A value record's exact value, or its enclosure (lo, hi)."""
    if "exact" in record:
        return Fraction(record["exact"])
    return Fraction(record["lo"]), Fraction(record["hi"])


def below(a, b) -> bool:
    """a < b, certainly, from fractions or enclosures."""
    high = a[1] if isinstance(a, tuple) else a
    low = b[0] if isinstance(b, tuple) else b
    return high < low


def test_the_momentum_buffer_starts_as_the_gradient(results):
    """torch's SGD: b_1 = g_1 exactly (no dampening at step 1), then b_t = mu b_(t-1) + (1 - dampening) g_t."""
    run = results["optimizers"]["runs"][1]
    mu = Fraction(run["options"]["momentum"])
    steps = run["steps"]
    assert run["name"] == "SGD" and mu
    first = steps[0]
    assert [exact(v) for v in first["state"]["momentum_buffer"]["weight"]] == [exact(v) for v in first["grad_weight"]]
    for before, step in zip(steps, steps[1:]):
        for b0, g, b1 in zip(before["state"]["momentum_buffer"]["weight"], step["grad_weight"], step["state"]["momentum_buffer"]["weight"]):
            assert exact(b1) == mu * exact(b0) + exact(g)


def test_adams_first_step_against_sign(results):
    """Where the gradient is far above eps, each first update is -lr * g / (|g| + eps) (within 1% of
    -lr sign g); where it is about eps (the tiny-gradient page), it is far from it, and the page says so."""
    for slug, close in (("optimizers", True), ("optimizers-tiny-gradient", False)):
        run = next(r for r in results[slug]["runs"] if r["name"] == "Adam")
        lr, eps = Fraction(run["options"]["lr"]), Fraction(run["options"]["eps"])
        step = run["steps"][0]
        grads = [exact(v) for v in (*step["grad_weight"], step["grad_bias"])]
        for g, update in zip(grads, run["first"]["update"]):
            assert isinstance(g, Fraction)
            assert exact(update) == -lr * g / (abs(g) + eps)  # rational at step 1: sqrt(v / (1 - beta2)) = |g|
            assert (abs(exact(update) + lr * (1 if g > 0 else -1)) <= lr / 100) == close
        assert run["facts"]["first_step_is_sign"]["holds"] == close
        assert run["facts"]["first_step_far_from_sign_at"]["holds"] == (not close)


def test_adamw_decays_the_weight_where_adam_decays_the_gradient(results, pages):
    adam, adamw = results["optimizers-adamw"]["runs"]
    lr, wd = Fraction(adam["options"]["lr"]), Fraction(adam["options"]["weight_decay"])
    start = [Fraction(v) for v in results["optimizers-adamw"]["initial_weight"]]
    g = [exact(v) for v in adam["steps"][0]["grad_weight"]]
    eps = Fraction(adam["options"]["eps"])
    for j, (p, gj) in enumerate(zip(start, g)):
        used = gj + wd * p
        assert exact(adam["first"]["update"][j]) == -lr * used / (abs(used) + eps)
        assert exact(adamw["first"]["update"][j]) == -lr * wd * p - lr * gj / (abs(gj) + eps)
    assert results["optimizers-adamw"]["facts"]["adamw_differs_at"]["holds"]
    assert "Adam with weight_decay against AdamW" in pages["optimizers-adamw"]


def test_loss_facts_follow_the_enclosures(results):
    """Each run's loss facts, recomputed here from the recorded exact values and enclosures."""
    for slug in ("optimizers", "optimizers-adamw", "optimizers-tiny-gradient"):
        result = results[slug]
        finals = []
        for run in result["runs"]:
            losses = [Fraction(result["initial_loss"]), *(exact(v) for v in run["epoch_loss"])]
            decreasing = all(below(b, a) for a, b in zip(losses, losses[1:]))
            rises = [e for e in range(2, len(losses)) if below(losses[e - 1], losses[e])]
            assert run["facts"]["epoch_loss_decreasing"]["holds"] == decreasing, slug
            assert run["facts"]["epoch_loss_rises_at"]["at"] == rises, slug
            assert run["facts"]["loss_falls_overall"]["holds"] == below(losses[-1], losses[0]), slug
            assert run["facts"]["loss_rises_overall"]["holds"] == below(losses[0], losses[-1]), slug
            finals.append(losses[-1])
        lowest = [i for i, x in enumerate(finals, start=1) if not any(below(y, x) for y in finals)]
        assert result["facts"]["lowest_final_loss_at"]["at"] == lowest, slug


def test_a_claim_on_an_enclosed_value_is_judged_from_lo_and_hi():
    """A value past a square root has no expression ("expr": null): a decimal claim is judged when lo
    and hi round alike to its places, a fraction outside [lo, hi] is wrong, and anything else is
    undecided (exit 2), never guessed."""
    from generator.claims import _number, is_right_enclosed
    from generator.exact.enclosure import UndecidedError

    lo, hi = Fraction("0.816453691513861705072215569757"), Fraction("0.816453691513861705072215569758")
    assert is_right_enclosed(_number("0.8165"), lo, hi)
    assert not is_right_enclosed(_number("0.8164"), lo, hi)
    assert not is_right_enclosed(_number("4/5"), lo, hi)
    straddling = Fraction("0.816449999"), Fraction("0.816450001")  # rounds to 0.8164 at one end, 0.8165 at the other
    for claim in ("0.8165", "16329/20000"):
        with pytest.raises(UndecidedError):
            is_right_enclosed(_number(claim), *straddling)
