"""The Chinese edition: rendered from the same results as the English one, so both show the same
numbers, every one of them from the results; its terms are spelled as the glossary says."""

from __future__ import annotations

import html
import re
import tomllib
from collections import Counter

import pytest
from conftest import ROOT, run_cli
from helpers import chinese_titles, foreign_numbers, without_linked_titles

from generator.languages import glossary, languages, page_name

FRACTION = re.compile(r"\\d?frac\{(\d+)\}\{(\d+)\}")
# A number between two non-ASCII characters counts too (第 1 个, 共6个): only ASCII letters,
# digits and "_" join a number to a word, and a point ends it unless a digit follows.
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?:e[+-]\d+)?(?![A-Za-z0-9_])(?!\.\d)")
TEMPLATES = ROOT / "templates"


def numbers(page: str) -> Counter[str]:
    """Every number a reader sees on a page, with its count: prose, formulas (fractions as their two
    integers), tables, the program and its output; not the front matter, the marker or link targets."""
    body = page.split("\n---\n", 1)[1] if page.startswith("---\n") else page
    body = re.sub(r"<!--.*?-->|\]\([^)]*\)", "", body, flags=re.S)
    return Counter(NUMBER.findall(FRACTION.sub(r" \1 \2 ", html.unescape(body))))


def twins(files: dict[str, bytes]) -> list[tuple[str, str, str]]:
    """(name, English page, Chinese page) for every page of a scenario or the errata."""
    return [(name, content.decode(), files[page_name(name[:-3], "zh")].decode())
            for name, content in sorted(files.items()) if name.endswith(".md") and ".zh." not in name]


PLOT_KEY = re.compile(r"^\| 图中的英文 \| 含义 \|\n(?:\|.*\n)*", re.M)


def differences(english: str, chinese: str) -> dict[str, Counter[str]]:
    """The numbers one edition shows and the other does not. The Chinese key beneath a plot is left out:
    it restates the shared plot's English texts (β = 1/2 in a legend entry), which the English page
    shows in the plot itself (tests/test_plot_key.py checks the key)."""
    a, b = numbers(english), numbers(PLOT_KEY.sub("", chinese))
    return {key: value for key, value in {"English only": a - b, "Chinese only": b - a}.items() if value}


@pytest.fixture(scope="module")
def files(generated):
    from generator.overview import errata_files

    everything = {name: content for page in generated.values() for name, content in page.files.items()}
    return everything | errata_files(list(generated.values()))


def test_every_page_has_a_chinese_twin_with_the_same_numbers(files):
    pairs = twins(files)
    assert len(pairs) == 17  # sixteen scenarios and the errata
    for name, english, chinese in pairs:
        assert sum(numbers(english).values()) > 50, name
        assert differences(english, chinese) == {}, name


def test_the_number_comparison_catches_one_edited_edition(files):
    """Edit one number in one edition only: the comparison fails and names it."""
    pairs = {name: (english, chinese) for name, english, chinese in twins(files)}
    english, chinese = pairs["mse-mean.md"]
    tampered = chinese.replace(r"\approx 2.8333", r"\approx 2.8334", 1)
    assert tampered != chinese
    assert differences(english, tampered) == {"English only": Counter({"2.8333": 1}), "Chinese only": Counter({"2.8334": 1})}
    english, chinese = pairs["linreg-sgd.md"]
    tampered = english.replace("| 2217.0742 |", "| 2217.0743 |", 1)
    assert tampered != english and differences(tampered, chinese)


def test_every_number_on_a_chinese_page_comes_from_the_results(generated, results):
    titles = chinese_titles(generated)
    for slug, page in generated.items():
        chinese = page.files[page_name(slug, "zh")].decode()
        assert foreign_numbers(chinese, results[slug], titles) == [], slug


def test_both_index_pages_list_the_same_pages_and_numbers():
    regions = {}
    for language in languages():
        text = (ROOT / "docs" / page_name("index", language)).read_text(encoding="utf-8")
        regions[language] = text.split("<!-- pages:start -->")[1].split("<!-- pages:end -->")[0]
    links = {language: re.findall(r"\]\((scenarios/[a-z0-9-]+\.md)\)", region) for language, region in regions.items()}
    assert links["en"] == links["zh"] and len(links["en"]) > 8
    assert numbers(regions["en"]) == numbers(regions["zh"])


# --- the glossary ------------------------------------------------------------------------------------


def prose(page: str) -> str:
    """A Chinese page as text a reader reads: no front matter, title, code, math or link targets."""
    body = page.split("\n---\n", 1)[1] if page.startswith("---\n") else page
    body = re.sub(r"^# .*$", "", body, count=1, flags=re.M)
    body = re.sub(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|<!--.*?-->|\]\([^)]*\)", " ", body, flags=re.S)
    return body


def first_uses(page: str) -> dict[str, str]:
    """For each glossary term on the page: the text right after its first use. A term inside a
    longer one (梯度 in 小批量随机梯度下降) is not a use of the shorter term."""
    text = prose(page)
    terms = sorted(glossary().values(), key=lambda term: -len(term.words["zh"]))
    found = {}
    for term in terms:
        word = term.words["zh"]
        masked = text
        for longer in terms:
            if len(longer.words["zh"]) > len(word) and word in longer.words["zh"]:
                masked = masked.replace(longer.words["zh"] + f"（{longer.en}）", "").replace(longer.words["zh"], "")
        at = masked.find(word)
        if at >= 0:
            found[term.key] = masked[at + len(word): at + len(word) + len(term.en) + 2]
    return found


def chinese_pages(files: dict[str, bytes]) -> dict[str, str]:
    return {name: content.decode() for name, content in files.items() if name.endswith(".zh.md")}


def test_the_glossary_gives_every_term_its_english_at_first_use(files, generated):
    """On every scenario page (the errata page quotes the pages' titles, written by their authors, and
    so does a link that says another page's title)."""
    used = set()
    titles = chinese_titles(generated)
    for name, page in chinese_pages(files).items():
        if name.startswith("errata."):
            continue
        page = without_linked_titles(page, titles)
        for key, after in first_uses(page).items():
            term = glossary()[key]
            inside = after.startswith(f"，{term.en}")  # t.inside: a first use already inside parentheses
            assert after == f"（{term.en}）" or inside, f"{name}: the first {term.words['zh']} is followed by {after!r}"
            used.add(key)
    assert used == set(glossary()), f"glossary terms no page uses: {set(glossary()) - used}"


def test_no_page_or_template_spells_a_term_another_way(files):
    texts = chinese_pages(files) | {p.name: p.read_text(encoding="utf-8") for p in (TEMPLATES / "zh").rglob("*") if p.is_file()}
    texts["index.zh.md"] = (ROOT / "docs/index.zh.md").read_text(encoding="utf-8")
    for term in glossary().values():
        for wrong in term.avoid:
            assert [name for name, text in texts.items() if wrong in text] == [], f"{wrong!r} instead of {term.words['zh']!r}"


def nested_parentheses(text: str) -> list[str]:
    """Full-width parentheses inside full-width parentheses: a Chinese textbook writes one pair."""
    found, depth, start = [], 0, 0
    for at, character in enumerate(text):
        if character == "（":
            depth += 1
            start = at if depth == 1 else start
            if depth == 2:
                found.append(text[start: start + 40])
        elif character == "）":
            depth = max(0, depth - 1)
    return found


def test_no_chinese_page_nests_parentheses(files):
    for name, page in chinese_pages(files).items():
        assert nested_parentheses(prose(page)) == [], name
    assert nested_parentheses("nn.MSELoss（均方误差（MSE））") == ["（均方误差（MSE））"]  # the check sees a broken copy


def test_the_glossary_check_catches_a_term_without_its_english(files):
    page = chinese_pages(files)["mse-mean.zh.md"]
    assert first_uses(page)["gradient"] == "（gradient）"
    tampered = page.replace("梯度（gradient）", "梯度", 1)
    assert first_uses(tampered)["gradient"] != "（gradient）"


# Latin words a Chinese page may show in its prose: tools, torch's classes, arguments and their values (in titles), the names
# of mathematicians, file formats. Identifiers (with a digit, "_" or ".": x86_64, X.grad, w1) and
# single letters (variables) pass as well, and so does an English gloss in full-width parentheses
# right after Chinese words (均方误差（mean squared error）), the glossary's first-use form.
NAMES = {"PyTorch", "torch", "sympy", "SGD", "MSE", "Huber", "logits", "softmax", "log", "CrossEntropyLoss", "MSELoss",
         "HuberLoss", "NLLLoss", "Jupyter", "Python", "JSON", "autograd", "Hessian", "Frobenius", "Hadamard", "cpu",
         "scenarios", "reduction", "mean", "sum", "none", "True", "False", "lr", "log-softmax",
         "RMSprop", "Adam", "AdamW", "eps", "sign", "Nesterov", "AMSGrad",  # torch's optimizer classes, their option and sign(g)
         "max"}  # λ's subscript in the learning-rate slider's HTML, 2/λ<sub>max</sub>
FENCE = re.compile(r"^[ \t]*(```|~~~)")


def latin_words(page: str) -> list[str]:
    """The Latin words of a Chinese page's prose that are not names: outside code blocks, inline code,
    math, comments, link targets, HTML tags, attribute lists, admonition types, file names and the key
    beneath a plot (which pairs the plot's English with Chinese: tests/test_plot_key.py)."""
    body = page.split("\n---\n", 1)[1] if page.startswith("---\n") else page
    lines, inside = [], False
    for line in PLOT_KEY.sub("", html.unescape(body)).split("\n"):
        if FENCE.match(line):
            inside = not inside
        elif not inside:
            lines.append(line)
    text = re.sub(r"`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|<!--.*?-->|\]\([^)]*\)|<[^>]+>|\{[^}\n]*\}", " ", "\n".join(lines), flags=re.S)
    text = re.sub(r"^([ \t]*)(?:!!!|\?\?\?\+?) [a-z]+", r"\1", text, flags=re.M)
    text = re.sub(r"[\w.-]+\.(?:json|toml|py|ipynb|svg|md)\b", " ", text)
    text = re.sub(r"(?<=[\u4e00-\u9fff])（[A-Za-z][A-Za-z -]*）", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_]+)*", text)
    return [w for w in words if len(w) > 1 and w not in NAMES and not re.search(r"[0-9_.]", w)]


def test_no_chinese_page_has_english_words_in_its_prose(files):
    for name, page in chinese_pages(files).items():
        assert latin_words(page) == [], name


def test_the_english_words_check_catches_an_untranslated_sentence(files):
    page = chinese_pages(files)["mse-mean.zh.md"]
    broken = page.replace("## 1. ", "图中标注为英文：batch loss 为批量损失。\n\n## 1. ", 1)
    assert broken != page and latin_words(broken) == ["batch", "loss"]


def test_every_template_has_a_chinese_twin():
    def names(language: str) -> set[str]:
        folder = TEMPLATES / language
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    assert names("en") - names("zh") == set()
    assert names("zh") - names("en") == set()


def test_the_glossary_file_is_the_one_the_templates_read():
    with (TEMPLATES / "glossary.toml").open("rb") as handle:
        table = tomllib.load(handle)["term"]
    assert {key: entry["zh"] for key, entry in table.items()} == {key: term.words["zh"] for key, term in glossary().items()}
    for key in ("mse", "gradient", "learning_rate", "minibatch_sgd", "epoch", "batch_size", "broadcasting", "data_iterator",
                "loss_function", "backpropagation"):
        assert key in table


# --- titles in other languages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, message",
    [
        ('titles.fr = "Titre"', "titles.fr: unknown language"),
        ('titles.zh = 3', "titles.zh: expected a string"),
        ('titles = "中文"', "titles: expected a table of titles by language"),
        ('titles.zh = ""', "titles.zh: must not be empty"),
    ],
)
def test_a_bad_title_in_another_language_is_refused(tmp_path, line, message):
    scenario = tmp_path / "scenarios" / "t.toml"
    scenario.parent.mkdir()
    scenario.write_text(f'kind = "mse"\ntitle = "T"\n{line}\nreduction = "mean"\nX = [[1]]\nY = [[2]]\n', encoding="utf-8")
    completed = run_cli("build", "scenarios", "--out", "out", cwd=tmp_path)
    assert completed.returncode == 2, completed.stderr
    assert f"scenarios/t.toml: {message}" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_a_scenario_without_a_chinese_title_uses_its_title():
    from generator import codec
    from generator import results as res
    from generator.loading import scenario_from

    table = {"kind": "mse", "title": "Only English", "reduction": "mean", "X": [[1]], "Y": [[2]]}
    scenario = scenario_from(table)
    assert scenario.title_in("zh") == "Only English"
    assert "titles" not in codec.encode_fields(res.header(scenario, {"torch": "2"}, ""))
    translated = scenario_from(table | {"titles": {"zh": "只有中文"}})
    assert translated.title_in("zh") == "只有中文" and translated.title_in("en") == "Only English"
    assert codec.encode_fields(res.header(translated, {"torch": "2"}, ""))["titles"] == {"zh": "只有中文"}
