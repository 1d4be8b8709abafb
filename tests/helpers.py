"""What several test modules share: scenario texts to edit, a folder's digest, a float moved by
ulps, and the numbers a page may show (every one must come from the run)."""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np

from generator.formatting import decimal_text
from generator.kinds import KINDS

MSE = 'kind = "mse"\ntitle = "t"\nX = [[3, 1], [4, 2]]\nY = [[2, 2], [1, 4]]\n'
SGD = (
    'kind = "linreg-sgd"\ntitle = "t"\nfeatures = [[1, 2], [4, 2], [8, 1]]\nlabels = [1, 6, 2]\n'
    'weight = [1, 2]\nbias = 0\nlr = "0.1"\nbatch_size = 2\nepochs = 2\n'
)


def edit(base: str, key: str, value: str | None) -> str:
    """`base` with `key` set to `value` (a TOML literal), or removed when value is None."""
    lines = [line for line in base.splitlines() if not line.startswith(f"{key} =")]
    if value is not None:
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def write_case(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def moved(value: float, ulps: int, dtype: str) -> float:
    """`value` moved by `ulps` units in the last place of `dtype`."""
    kind = np.float32 if dtype == "float32" else np.float64
    x = kind(value)
    for _ in range(abs(ulps)):
        x = np.nextafter(x, kind(np.inf if ulps > 0 else -np.inf))
    return float(x)


FRACTION = re.compile(r"\\d?frac\{(\d+)\}\{(\d+)\}")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]\d+)?(?![\w.])")


def walk(node):
    """Every exact value and torch value in a results file."""
    if isinstance(node, dict):
        if {"value", "exact"} <= set(node):
            yield Fraction(node["exact"]), node["value"]
        elif {"lo", "hi"} <= set(node):  # an irrational value (torch's, or an exercise's, or a worked step's): the middle of its enclosure
            yield (Fraction(node["lo"]) + Fraction(node["hi"])) / 2, node.get("value")
        else:
            for value in node.values():
                yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def allowed_numbers(result) -> set[str]:
    """The strings a page may show: the inputs, every exact value and its 4-decimal form."""
    allowed = set()
    for exact, value in walk(result):
        allowed |= {str(abs(exact.numerator)), str(exact.denominator), decimal_text(float(exact)).lstrip("-")}
        if isinstance(value, float) and math.isfinite(value):
            allowed |= {decimal_text(value).lstrip("-"), repr(value).lstrip("-")}  # rounded, or torch's own repr
            allowed.add(decimal_text(float(abs(Fraction(value) - exact))))  # how far torch's float is from the exact value
    # inputs, intermediates, analysis, claims, facts, exercises; an optimizer's options and bias corrections
    sources = [result.get(key, "") for key in [*KINDS[result["kind"]].inputs, "first_batch", "stability", "least_squares", "claims",
                                                "initial_loss", "facts", "exercises", "lr_sweep"]]
    sources += [[run["options"], run["first"], run["second"]] for run in result.get("runs", [])]
    for source in sources:
        for text in re.findall(r"-?\d+(?:/\d+)?", str(source)):
            fraction = Fraction(text)
            allowed |= {str(abs(fraction.numerator)), str(fraction.denominator), decimal_text(float(fraction)).lstrip("-")}
            allowed |= exact_decimals(abs(fraction))
    for text in list(allowed):  # a decimal in scientific form, as LaTeX writes it: 2.8709 \times 10^{-9}
        if "e" in text and text[0].isdigit():
            mantissa, exponent = text.split("e")
            allowed |= {mantissa, "10", str(abs(int(exponent)))}
    allowed |= {m.lstrip("-") for m in NUMBER.findall(result["title"])}  # the author's own words
    for claim in result.get("claims", []):
        allowed |= {m.lstrip("-") for m in NUMBER.findall(claim["note"])}  # where a claim came from, in the author's words
    return allowed


def exact_decimals(value: Fraction) -> set[str]:
    """A value written exactly as a decimal, where it has one of at most 12 places (0.02, 0.001999),
    and as the page writes a small one (1e-08; in LaTeX 10^{-8}: 10 and 8)."""
    for places in range(13):
        if (value * 10**places).denominator == 1:
            text = f"{value.numerator * 10**places // value.denominator}"
            decimal = (text[:-places] or "0") + "." + text[-places:].rjust(places, "0") if places else text
            return {decimal, f"{float(value):g}", "10", str(places)}
    return set()


def text_of(page: str) -> str:
    """What a reader sees as prose and formulas: no front matter, marker, code blocks or links."""
    body = page.split("\n---\n", 1)[1]
    body = re.sub(r"```.*?```", "", body, flags=re.S)
    body = re.sub(r"<!--.*?-->|<small.*?</small>|\]\([^)]*\)", "", body, flags=re.S)
    body = re.sub(r"\bstep \d+\b|第 \d+ 步", "", body)  # a reference to a section of the page, not a value
    # a "check my answer" box's data (the expected value, its words): read by its script, shown only as a
    # verdict; tests/test_check_answer.py checks each box's value against the results
    body = re.sub(r'\sdata-[a-z-]+="[^"]*"', "", body)
    # the learning-rate slider's drawing and its control's settings: coordinates, not values
    # (tests/test_lr_sweep.py checks the sweep against the results)
    body = re.sub(r'<svg.*?</svg>|<input[^>]*>|\sstyle="[^"]*"', "", body, flags=re.S)
    return FRACTION.sub(r" \1 \2 ", html.unescape(body))


def small_integers(result) -> set[str]:
    """Counters a page may show beside the results: epochs, batches, rows, sizes, the seed."""
    steps = max([len(result.get("steps", []))] + [len(run["steps"]) for run in result.get("runs", [])])
    rows = len(result.get("X", result.get("features", [])))
    limit = max(steps, rows, result.get("epochs", 0), result.get("batch_size", 0)) + 1
    extra = {str(result["seed"])} if result.get("seed") is not None else set()
    return {str(i) for i in range(limit)} | extra


def chinese_titles(generated) -> dict[str, str]:
    """slug -> the Chinese page's title, from its front matter."""
    titles = {}
    for slug, page in generated.items():
        found = re.search(r'^title: (".*")$', page.files[f"{slug}.zh.md"].decode(), flags=re.M)
        assert found, slug
        titles[slug] = json.loads(found.group(1))
    return titles


LINK = re.compile(r"\[([^\]]*)\]\(([a-z0-9-]+)(\.md|/)\)")  # a page's link, or a notebook's (slug/)


def without_linked_titles(page: str, titles: dict[str, str]) -> str:
    """The page with the text of each link to another page taken out where that text is exactly the
    linked page's title (`titles`: slug -> title, the author's words on that page)."""
    def drop(match: re.Match[str]) -> str:
        same = html.unescape(match.group(1)) == titles.get(match.group(2))
        return f"[]({match.group(2)}{match.group(3)})" if same else match.group(0)
    return LINK.sub(drop, page)


def foreign_numbers(page: str, result, titles: dict[str, str] | None = None) -> list[str]:
    """Numbers on the page that are neither a result, an input, a counter nor a formula constant
    (nor in a link that says another page's title, `titles`: slug -> title)."""
    page = without_linked_titles(page, titles or {})
    allowed = allowed_numbers(result) | FORMULA_CONSTANTS | small_integers(result)
    if "X" in result:
        n, d = len(result["X"]), len(result["X"][0])
        allowed |= {str(n * d)}
    allowed |= {decimal_text(float(v)).lstrip("-") for v in LARGEST_FINITE}
    shown = [m.group(0).lstrip("-") for m in NUMBER.finditer(text_of(page))]
    assert shown, "the page shows no numbers at all"
    return [s for s in shown if s not in allowed]


# Numbers a formula may hold that are not results: sum bounds (i = 1), the 2 of a square and of
# the derivative's closed form.
FORMULA_CONSTANTS = {"1", "2"}
LARGEST_FINITE = (3.4028234663852886e38, 1.7976931348623157e308)  # named on overflow warnings


def arb_of(x):
    """A Fraction as a flint ball (exact: its radius is 0), for tests that compute independently in arb."""
    import flint

    return flint.arb(flint.fmpq(x.numerator, x.denominator))
