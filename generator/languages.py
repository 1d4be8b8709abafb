"""The site's editions (templates/languages.toml) and the Chinese glossary (templates/glossary.toml).

Every edition is rendered from the same results: a language changes words, never a number."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _table(name: str) -> dict[str, Any]:
    with (TEMPLATES / name).open("rb") as handle:
        return tomllib.load(handle)


def languages() -> tuple[str, ...]:
    """The editions' codes; the first is the default edition."""
    return tuple(entry["code"] for entry in _table("languages.toml")["language"])


def default() -> str:
    return languages()[0]


def page_name(stem: str, language: str, suffix: str = ".md") -> str:
    """"mse-mean.md" in the default edition, "mse-mean.zh.md" in another (or another suffix: ".ipynb")."""
    return f"{stem}{suffix}" if language == default() else f"{stem}.{language}{suffix}"


def edition_of(name: str) -> tuple[str, str]:
    """(stem, language) of a page's file name: "index.zh.md" -> ("index", "zh"), "a.md" -> ("a", default)."""
    stem = name.removesuffix(".md")
    head, _, code = stem.rpartition(".")
    if head and code in languages()[1:]:
        return head, code
    return stem, default()


@dataclass(frozen=True)
class Term:
    """One glossary entry: the English word (printed in parentheses at first use) and each
    edition's spelling, with the spellings no page may use."""

    key: str
    en: str
    words: dict[str, str]  # language -> the term: {"zh": "梯度"}
    avoid: tuple[str, ...]


@cache
def glossary() -> dict[str, Term]:
    terms = {}
    for key, entry in _table("glossary.toml")["term"].items():
        words = {code: entry[code] for code in languages()[1:] if code in entry}
        terms[key] = Term(key, entry["en"], words, tuple(entry.get("avoid", ())))
    return terms


@dataclass
class Terms:
    """`t(key)` in a template: the term in the page's language, with the English in parentheses the
    first time a page uses it (a fresh Terms per rendered page). The default edition prints the English."""

    language: str
    used: set[str] = field(default_factory=set)

    def __call__(self, key: str) -> str:
        return self._use(key, "（{}）")

    def inside(self, key: str) -> str:
        """`t.inside(key)` in a template, for a term already inside full-width parentheses: its first
        use gives 均方误差，MSE (one pair of parentheses, not 均方误差（MSE） inside another)."""
        return self._use(key, "，{}")

    def _use(self, key: str, english: str) -> str:
        """The term in this page's language, followed at its first use by `english` around the English."""
        term = glossary()[key]  # KeyError: a template names a term the glossary lacks
        if self.language == default():
            return term.en
        word = term.words[self.language]
        first = key not in self.used
        self.used.add(key)
        return word + english.format(term.en) if first else word


def words(name: str, language: str) -> dict[str, Any]:
    """A words file of one edition: templates/<language>/<name> (TOML)."""
    with (TEMPLATES / language / name).open("rb") as handle:
        return tomllib.load(handle)


def labels(kind: str, language: str | None = None) -> dict[str, Any]:
    """A kind's words outside its page template (section heading, plot labels): templates/<language>/labels/<kind>.toml."""
    return words(f"labels/{kind}.toml", language or default())


def site_words(language: str) -> dict[str, Any]:
    """An edition's words outside its pages: the navigation's, the errata page's title (templates/<language>/site.toml)."""
    return words("site.toml", language)
