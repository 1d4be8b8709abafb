"""Every sentence is true of its run: a template states a behaviour only inside a block guarded by
the fact that proves it (`{% if f.<name>.holds %}`, its elif and else), and every recorded fact
agrees with an independent recomputation from the results' exact values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").glob("*/*.md.j2"))

# Words that state a behaviour of a run: each may appear only under a fact.
BEHAVIOUR = {
    "en": r"diverg\w*|converg\w*|\bgrow\w*|\bfall\w*|\bfell\b|shrink\w*|\bflip\w*|\balways\b|every step|toward\w* the minimum"
          r"|overshoot\w*|\brise\w*|\brising\b|\bexactly\b|\bnearest\b|\bcoincide\w*",
    "zh": r"发散|收敛|越来越大|增大|变大|下降|减小|缩小|变号|改变符号|总是|每一步|向最小值|越过|上升|恰好|精确地|最近|重合",
}
# Sentences about the checking or the method, not about a run's behaviour.
ALLOWED = {
    "en": [
        "checked against autograd at every step",
        "## 3. Every step",
        "Every step below was computed by torch",
        "The generator ran it exactly as shown",
        "solves the normal equations",  # a definition, decided exactly by construction
        "the results file holds every step",
        "is exactly `nn.MSELoss(reduction=\"mean\")`",  # an identity of the two formulas
        "Each comparison below is decided exactly",  # the method, not the run
    ],
    "zh": [
        "在每一步与 autograd",
        "## 3. 每一步",
        "torch 在每一步的值",
        "每一步 `step()` 用到的",
        "结果文件保存了每一步",
        "每一步与每个周期的损失",
        "精确地满足正规方程",
        "下面的每个比较都由特征多项式精确判定",
        "梯度下降",  # gradient descent, the method's name
        "下面的每一步都由 torch 计算",
    ],
}
TAG = re.compile(r"{%-?\s*(\w+)(.*?)-?%}|{{.*?}}|{#.*?#}", re.S)
OPENERS = {"if", "for", "macro", "call", "filter", "set_block"}


def unguarded(text: str, language: str) -> list[str]:
    """The behaviour words outside every block guarded by a fact, with their line."""
    found = []
    stack: list[bool] = []  # per open block: guarded by a fact
    position = 0
    for match in TAG.finditer(text):
        if not any(stack):
            found += _words(text, position, match.start(), language)
        position = match.end()
        keyword, rest = match.group(1), match.group(2) or ""
        if keyword == "if":
            stack.append(_guard(rest))
        elif keyword == "elif" and stack:
            stack[-1] = stack[-1] or _guard(rest)
        elif keyword in ("for", "macro", "call", "filter"):
            stack.append(False)
        elif keyword in ("endif", "endfor", "endmacro", "endcall", "endfilter") and stack:
            stack.pop()
    if not any(stack):
        found += _words(text, position, len(text), language)
    return found


def _guard(condition: str) -> bool:
    """A condition on a fact: the page's (`f.name`), or a run's of several (`p.facts.name`: a slider's grid point)."""
    return "f." in condition or ".facts." in condition


def _words(text: str, start: int, end: int, language: str) -> list[str]:
    chunk = text[start:end]
    for allowed in ALLOWED[language]:
        chunk = chunk.replace(allowed, "")
    line = text.count("\n", 0, start) + 1
    return [f"line {line + chunk.count(chr(10), 0, m.start())}: {m.group(0)!r}"
            for m in re.finditer(BEHAVIOUR[language], chunk, flags=re.I)]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_behaviour_word_outside_a_fact(template):
    assert unguarded(template.read_text(encoding="utf-8"), template.parent.name) == []


def test_the_lint_catches_an_unguarded_behaviour():
    """The lint above must be able to fail: a behaviour stated outside a fact's block, in either
    language, is found; the same sentence under a fact is not."""
    assert unguarded("The loss falls.\n", "en") == ["line 1: 'falls'"]
    assert unguarded("{% if v.diverges %}This learning rate diverges{% endif %}", "en") == ["line 1: 'diverges'"]
    assert unguarded("{% if f.loss_rises_overall.holds %}It grows.{% else %}It falls.{% endif %}", "en") == []
    assert unguarded("{% if f.x.holds %}{% if s.zero_grad %}It grows.{% endif %}{% endif %}", "en") == []
    assert unguarded("损失在下降。", "zh") == ["line 1: '下降'"]


def test_check_compares_a_fact_about_torch_as_it_compares_torch_values():
    """Same rounding fingerprint: a torch fact must be bit-identical (a forgery otherwise); another
    fingerprint: another machine may round to another fact. An exact fact must always agree."""
    from generator.compare import compare

    def results(torch_fact: bool, exact_fact: bool, fingerprint: str) -> dict:
        return {"platform": {"fingerprint": fingerprint, "torch": "2", "machine": "m", "cpu_capability": "c"}, "torch": "2",
                "facts": {"overflow_at": {"holds": torch_fact, "torch": True, "at": []},
                          "loss_rises_overall": {"holds": exact_fact}}}

    here = results(False, False, "same")
    assert compare(results(True, False, "same"), here, "same").forged
    assert compare(results(True, False, "other"), here, "same").reproduced
    assert not compare(results(False, True, "other"), here, "same").reproduced
    assert not compare(results(False, True, "same"), here, "same").reproduced
