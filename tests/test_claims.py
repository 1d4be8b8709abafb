"""Claims: a person's stated values judged by the exact run, with the rule the pages state."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest
from conftest import copy_project
from helpers import tree_digest
from hypothesis import given
from hypothesis import strategies as st

from generator.claims import Number, _number, is_right, round_half_away
from generator.cli import main


@pytest.mark.parametrize("written, exact, right", [
    ("2.8333", F(17, 6), True),
    ("2.8334", F(17, 6), False),
    ("2.833", F(17, 6), True),  # 17/6 rounded to 3 places is 2.833 (the issue called it wrong; the rule says right)
    ("2.834", F(17, 6), False),
    ("-1/3", F(-1, 3), True),
    ("1/3", F(-1, 3), False),
    (12, F(12), True),
    ("-4.3333", F(-13, 3), True),
    ("0.5", F(1, 2), True),
    ("0.25", F(1, 4), True),
    (Decimal("2.8333"), F(17, 6), True),  # a TOML float keeps the digits as written
    ("-0.5", F(-1, 2), True),
])
def test_the_rule(written, exact, right):
    assert is_right(_number(written), exact) is right


def test_half_away_from_zero():
    assert round_half_away(F(5, 2), 0) == 3 and round_half_away(F(-5, 2), 0) == -3
    assert round_half_away(F(1, 8), 2) == F(13, 100) and round_half_away(F(-1, 8), 2) == F(-13, 100)


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6), st.integers(1, 6))
def test_rounding_the_exact_value_is_right_and_one_unit_off_is_wrong(exact, places):
    rounded = round_half_away(exact, places)
    text = f"{Decimal(rounded.numerator) / Decimal(rounded.denominator):.{places}f}"
    assert is_right(_number(text), exact)
    unit = F(1, 10**places)
    for moved in (rounded + unit, rounded - unit):
        moved_text = f"{Decimal(moved.numerator) / Decimal(moved.denominator):.{places}f}"
        assert not is_right(Number(moved_text, moved, places), exact)


def test_the_posts_claims(results):
    mean = {c["path"]: c for c in results["mse-mean"]["claims"]}
    assert mean["loss"]["verdict"] == "right"  # 2.8333 for 17/6
    assert mean["grad"]["verdict"] == "wrong" and mean["grad"]["wrong"] == [[2, 1]]  # exactly the entry the post got wrong
    total = {c["path"]: c for c in results["mse-sum"]["claims"]}
    assert total["loss"]["verdict"] == "right" and total["grad"]["wrong"] == [[2, 1]]
    sgd = {c["path"]: c["verdict"] for c in results["linreg-sgd"]["claims"]}
    assert sgd == {f"steps[0].{k}": "right" for k in ("loss", "grad_weight", "grad_bias", "weight", "bias")}


def test_the_claims_command_exits_5_on_the_posts_claims(tmp_path, warm, monkeypatch, capsys):
    monkeypatch.chdir(copy_project(tmp_path, cache=warm))  # the verdicts from this machine's cached runs
    assert main(["claims"]) == 5
    out = capsys.readouterr().out
    assert "scenarios/mse-mean.toml: grad: wrong at [2][1]: claimed" in out
    assert out.strip().splitlines()[-1] == "9 claims, 2 wrong"


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    project = copy_project(tmp_path)
    for path in (project / "scenarios").glob("*.toml"):
        if path.stem != "mse-mean":
            path.unlink()
    monkeypatch.chdir(project)
    return project


def claims_file(project: Path, lines: str) -> None:
    text = (project / "scenarios/mse-mean.toml").read_text()
    (project / "scenarios/mse-mean.toml").write_text(text[: text.index("[claims]")] + "[claims]\n" + lines)


def test_all_right_claims_exit_0_and_build_shows_them(project, capsys):
    claims_file(project, 'loss = "17/6"\n"grad[2]" = ["-1/3", "1/3"]\n"grad[0][0]" = "0.3333"\n')
    assert main(["claims"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "3 claims, 0 wrong"
    assert main(["build"]) == 0
    page = (project / "docs/scenarios/mse-mean.md").read_text()
    assert "## Claims checked" in page and "✗" not in page and page.count("✓ right") == 3


def test_a_wrong_claim_is_content_not_a_failure(project):
    claims_file(project, 'loss = "2.8334"\n')
    assert main(["build"]) == 0
    assert "✗ wrong" in (project / "docs/scenarios/mse-mean.md").read_text()


@pytest.mark.parametrize("lines, message", [
    ('los = "17/6"\n', "claims.los: unknown quantity 'los' (did you mean 'loss'?)"),
    ('"grad[3]" = [1, 2]\n', "claims.grad[3]: index 3 is out of range (there are 3)"),
    ('"grad[2]" = [1, 2, 3]\n', "claims.grad[2]: has 2 entries here; the claim has 3"),
    ('"grad[2]" = ["-1/3.0", 1]\n', "claims.grad[2][0]: '-1/3.0' is not a number"),
    ('"grad..x" = 1\n', "claims.grad..x: is not a path into the results"),
    ('loss = { value = 1, source = "x" }\n', "claims.loss: expected { value = ..., note = \"...\", notes.zh = \"...\" }"),
])
def test_a_bad_claim_exits_2_and_writes_nothing(project, capsys, lines, message):
    claims_file(project, lines)
    before = tree_digest(project / "docs")
    assert main(["build", "--rerun"]) == 2
    assert message in capsys.readouterr().err
    assert tree_digest(project / "docs") == before


@pytest.mark.parametrize("lines, message", [
    ('"loss.value" = 1\n', "claims.loss.value: loss is one number or an array; it has no part 'value'"),
    ('"grad[2][1][0]" = 1\n', "claims.grad[2][1][0]: grad[2][1] is one number, not an array: [0] indexes nothing"),
    ('loss = [1, 2]\n', "claims.loss: loss is one number; the claim is an array of 2 entries"),
    ('grad = 1\n', "claims.grad: grad is an array; the claim is one number"),
    ('"grad[2]" = [[1], [2]]\n', "claims.grad[2]: grad[2][i] is one number; the claim is an array of 1 entries"),
    ('"other_reduction.los" = 1\n', "claims.other_reduction.los: 'los' is not in other_reduction (did you mean 'loss'?)"),
    ('"other_reduction.reduction" = 1\n', "claims.other_reduction.reduction: other_reduction.reduction is not a number"),
    ('"grad[\u0662]" = 1\n', "claims.grad[\u0662]: is not a path into the results"),  # Arabic-Indic 2
    ('"grad[\uff12][\uff11]" = 1\n', "is not a path into the results"),  # full-width 2, 1
    ('"grad[' + "9" * 990_000 + ']" = 1\n', "...: holds an index of more than 6 digits"),
    ('"' + "x" * 900_000 + '" = 1\n', "claims.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: unknown quantity 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"),
    ('loss = "3e0"\n', "claims.loss: '3e0' is written with an exponent"),
    ('loss = 2.8333e0\n', "claims.loss: '2.8333' is written with an exponent"),  # a TOML float with an exponent too
    ('loss = "1_0"\n', "claims.loss: '1_0' holds '_'; write the digits without separators"),
    ('loss = "\u0663"\n', "claims.loss: '\u0663' is not a number"),
    ('loss = { value = 1, note = "a\\u0007b" }\n', "claims.loss.note: holds the control character U+0007"),
    ('loss = { value = 1, note = "' + "n" * 201 + '" }\n', "claims.loss.note: is 201 characters long; the limit is 200"),
    ('loss = { value = 1, notes.fr = "le billet" }\n', "claims.loss.notes.fr: unknown language; the other editions are zh"),
    ('loss = { value = 1, notes = "原文" }\n', "claims.loss.notes: expected a table of notes by language, such as claims.loss.notes.zh"),
    ('loss = { value = 1, notes.zh = "原\u202e文" }\n', "claims.loss.notes.zh: holds the bidirectional control U+202E"),
    ('loss = { value = 1, notes.zh = "' + "注" * 201 + '" }\n', "claims.loss.notes.zh: is 201 characters long; the limit is 200"),
])
def test_a_claim_is_checked_against_the_kinds_results_before_any_run(project, capsys, monkeypatch, lines, message):
    """Paths and shapes against the typed results (kinds/<kind>/results.py), numbers in the one
    grammar (ASCII digits, no '_', no exponent in a claim), notes by the title's rules: exit 2, one
    short line, before torch runs (a run here would raise)."""
    claims_file(project, lines)
    monkeypatch.setattr("generator.pipeline.run_scenario", lambda *arguments: 1 / 0)
    before = tree_digest(project / "docs")
    assert main(["build", "--rerun"]) == 2
    err = capsys.readouterr().err
    assert message in err, err[:500]
    assert max(map(len, err.splitlines())) < 400
    assert tree_digest(project / "docs") == before


def test_each_edition_shows_its_own_note_and_the_results_keep_both(project):
    claims_file(project, 'loss = { value = "17/6", note = "the post", notes.zh = "原文第 3 段" }\n"grad[0][0]" = { value = "1/3", note = "a note" }\n')
    assert main(["build"]) == 0
    english = (project / "docs/scenarios/mse-mean.md").read_text()
    chinese = (project / "docs/scenarios/mse-mean.zh.md").read_text()
    assert "<small>the post</small>" in english and "原文第 3 段" not in english
    assert "<small>原文第 3 段</small>" in chinese and "<small>the post</small>" not in chinese
    assert "<small>a note</small>" in chinese  # no Chinese note written: the one the scenario has
    import json
    claims = json.loads((project / "docs/scenarios/mse-mean.json").read_text())["claims"]
    assert [(c["note"], c.get("notes")) for c in claims] == [("the post", {"zh": "原文第 3 段"}), ("a note", None)]


def test_the_errata_page_lists_every_claim_from_the_results(generated, results):
    from helpers import NUMBER, allowed_numbers, text_of

    from generator.overview import errata_files

    files = errata_files(list(generated.values()))
    page = files["errata.md"].decode()
    sections = {re.search(r"\]\(([\w-]+)\.md\)", part).group(1): part for part in page.split("\n### ")[1:]}
    shown = {slug: re.findall(r"^\| (.+?)<br>", part, re.M) for slug, part in sections.items()}
    assert shown == {  # a reader's label for each claim (the results' paths stay in the results file), the wrong first
        "mse-mean": ["X.grad", "loss"],
        "mse-sum": ["X.grad", "loss"],
        "linreg-sgd": ["batch 1: loss", "batch 1: w.grad", "batch 1: b.grad", "batch 1: w after the step", "batch 1: b after the step"],
    }
    chinese = files["errata.zh.md"].decode()
    assert re.findall(r"^\| (第 1 个小批量：w\.grad)<br>", chinese, re.M) and "steps[0]" not in page + chinese
    assert sum(len(result["claims"]) for result in results.values()) == sum(map(len, shown.values()))
    assert page.count("✗ wrong at row 3, column 2") == 2 and page.count("✓ right") == 7
    assert "&#91;-1/3, **-1/3**&#93;" in page and "&#91;-1/3, **1/3**&#93;" in page  # the wrong entry in bold, both sides
    allowed = set().union(*(allowed_numbers(r) for r in results.values())) | {"1", "2"}
    shown = [m.group(0).lstrip("-") for m in NUMBER.finditer(text_of(page))]
    assert shown and [n for n in shown if n not in allowed] == []  # no number on it is absent from the results


def test_the_errata_page_names_the_post_it_corrects(generated):
    """As the site's source, without a link: a Chinese post on MSELoss and minibatch SGD, after d2l-zh."""
    from generator.overview import errata_files

    files = errata_files(list(generated.values()))
    for name, words in (("errata.md", ("Chinese blog post", "nn.MSELoss", "minibatch", "d2l-zh")),
                        ("errata.zh.md", ("中文博文", "nn.MSELoss", "小批量随机梯度下降", "d2l-zh"))):
        intro = files[name].decode().split("\n## ", 1)[0]
        assert all(word in intro for word in words), (name, [word for word in words if word not in intro])


def test_the_index_links_the_errata_page_after_the_reading_order():
    """A newcomer starts with the first worked page; the errata of a post they have not read comes after."""
    index = (Path(__file__).resolve().parent.parent / "docs/index.md").read_text()
    start = index.index("<!-- pages:start -->")
    errata = index.index("(scenarios/errata.md)", start)
    assert index.index("(scenarios/mse-mean.md)", start) < errata < index.index("## All pages", start)
