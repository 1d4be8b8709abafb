""""Check my answer" boxes: a form under a step or an exercise that judges what a learner types by
the claims rule (generator/claims.py), in the browser (docs/javascripts/check-answer.js).

The expected value is embedded from the results at build time, by its claims path (`loss`,
`grad[2][1]`, `steps[0].weight`, `exercises.step.loss`): a fraction as its text, an irrational value
as its outward-rounded enclosure {lo, hi}, a row or a matrix as nested arrays. The markup is one
for every box, so that any test can drive it:

    <form class="check-answer" data-path="loss" data-exact='"17/6"' ...>
      <input type="text"> <button> <output data-verdict="right|wrong|invalid">

The box's words (prompt, verdicts) are the edition's (site.toml, [check]). An optional first step
(another path and its label) is revealed after a wrong answer, its value from the results too."""

from __future__ import annotations

import html
import json
import re
from fractions import Fraction
from typing import Any

from generator.claims import node_at, path_segments
from generator.formatting import decimal_text
from generator.languages import site_words

Expected = Any  # str (a fraction), {"lo", "hi"}, or a list of them (nested)


def resolve(results: dict[str, Any], path: str) -> Any:
    """The results' node at a claims path (claims.node_at), None where a part of it is null (an
    exercise that does not apply to this scenario); LookupError names a segment that is not there
    (a template's mistake)."""
    try:
        return node_at(results, path_segments(path), null_stops=True)
    except LookupError as error:
        raise LookupError(f"{path}: {error}") from None


def expected(node: Any) -> Expected:
    """A results node as the box's data-exact: fractions as text, irrational values as {lo, hi}."""
    if isinstance(node, list):
        return [expected(item) for item in node]
    if isinstance(node, dict):
        if "exact" in node:
            return str(node["exact"])
        if "lo" in node and "hi" in node:
            return {"lo": node["lo"], "hi": node["hi"]}
        raise LookupError(f"not a value: keys {sorted(node)}")
    if isinstance(node, (int, str)) and not isinstance(node, bool):
        return str(node)
    raise LookupError(f"not a value: {node!r}")


def shown(value: Expected) -> str:
    """A value as the first step shows it: 17/6, [a, b]; ≈ 0.3427 or ≈ [a, b] where it holds an
    irrational value (rounded to 4 places, as the page shows it)."""
    text = _shown(value)
    return f"≈ {text}" if _irrational(value) else text


def _irrational(value: Expected) -> bool:
    return any(_irrational(item) for item in value) if isinstance(value, list) else isinstance(value, dict)


def _shown(value: Expected) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):  # as the page shows it: rounded to 4 places
        return decimal_text(float((Fraction(value["lo"]) + Fraction(value["hi"])) / 2))
    return str(value)


def spaced(text: str) -> str:
    """A space between a Chinese character and a Latin letter or digit that meet (你算出的 X.grad),
    as the pages write them."""
    text = re.sub(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9\u0370-\u03ff])", " ", text)
    return re.sub(r"(?<=[A-Za-z0-9)])(?=[\u4e00-\u9fff])", " ", text)


def box(results: dict[str, Any], language: str, path: str, label: str, first: str = "", first_label: str = "") -> str:
    """The form for the value at `path` ("" when the results hold no value there: a null exercise),
    `label` naming it for the reader; `first`/`first_label`: the intermediate value offered after a
    wrong answer."""
    if not results:  # a page rendered without its results file (a test's): no boxes
        return ""
    node = resolve(results, path)
    if node is None:
        return ""
    value = expected(node)
    words = site_words(language)["check"]
    data = {"path": path, "exact": json.dumps(value, separators=(",", ":"), ensure_ascii=False)}
    verdicts = ("right", "right_places", "wrong", "wrong_about", "rounding", "at", "at_cell", "invalid", "shape", "undecided")
    data |= {key.replace("_", "-"): words[key] for key in verdicts}
    attributes = " ".join(f'data-{key}="{html.escape(text, quote=True)}"' for key, text in data.items())
    hint = ""
    if first:
        lead = words["first"] if words["first"].endswith(("：", "，")) else words["first"] + " "
        hint = (f'<p class="check-answer-hint" hidden>{html.escape(lead)}'
                f"{html.escape(first_label)} = {html.escape(shown(expected(resolve(results, first))))}</p>")
    return (f'<form class="check-answer" {attributes}>'
            f'<label>{html.escape(spaced(words["prompt"].format(label=label)))} '
            f'<input type="text" name="answer" autocomplete="off" spellcheck="false" '
            f'placeholder="{html.escape(words["placeholder"], quote=True)}"></label> '
            f'<button type="submit">{html.escape(words["button"])}</button> '
            f'<output aria-live="polite"></output>{hint}</form>')
