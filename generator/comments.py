"""A program's comments in another edition's words, its code untouched.

The programs (templates/programs/ and the downloads' header and self-check) are written with English
comments. An edition's templates/<language>/program.toml maps each English comment to its own words:
`translate` replaces the comments it finds there and leaves every other character as it is, so the
translated program's code is token for token the program that ran (its `ast.dump` is the same).

A comment is matched whole: consecutive comment lines at the same indentation are one comment, their
lines joined by spaces (a divider is one of its own); a comment after code on its line is one of its own. A key may hold `{}`,
which matches any text (a number the program template filled in) and is carried into the
translation's `{}` in order. A translation's line breaks are kept: each of its lines becomes a
comment line at the comment's indentation. A divider, `# ---- words -----`, has its words translated
and keeps its width. A comment the table lacks stays as it is.
"""

from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from dataclasses import dataclass
from functools import cache

from generator.languages import words

DIVIDER = re.compile(r"^(-{4} )(.+?)( -{4,})$")


@dataclass(frozen=True)
class Comment:
    row: int  # 0-based line of its first line
    rows: int  # how many lines it spans (a comment after code: 1)
    column: int
    text: str  # its lines' words, joined by spaces
    whole_line: bool


@cache
def table(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The edition's comments as (pattern, translation), exact keys first."""
    entries: dict[str, str] = words("program.toml", language).get("comments", {})
    for key, value in entries.items():
        if value.count("{}") != key.count("{}"):
            raise ValueError(f"templates/{language}/program.toml: {key[:60]!r}: the translation must hold as many {{}} as the comment")
    ordered = sorted(entries.items(), key=lambda item: "{}" in item[0])
    return tuple((re.compile("(.+?)".join(map(re.escape, key.split("{}")))), value.strip("\n")) for key, value in ordered)


def lookup(text: str, language: str) -> str | None:
    """The translation of one comment's words, or None where the table has none."""
    for pattern, value in table(language):
        match = pattern.fullmatch(text)
        if match:
            parts = value.split("{}")
            return "".join(part + (match.group(i + 1) if i < len(parts) - 1 else "") for i, part in enumerate(parts))
    divider = DIVIDER.fullmatch(text)
    if divider:
        inner = lookup(divider.group(2), language)
        if inner is not None:
            width = display_width(text) - display_width(divider.group(1) + inner + " ")
            return f"{divider.group(1)}{inner} {'-' * max(width, 4)}"
    return None


def display_width(text: str) -> int:
    """Columns a monospaced font gives the text: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def comments(source: str) -> list[Comment]:
    """Every comment of a Python source, consecutive whole-line ones at one indentation merged."""
    lines = source.split("\n")
    found: list[Comment] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        row, column = token.start[0] - 1, token.start[1]
        whole = not lines[row][:column].strip()
        words_ = token.string[1:].strip()
        last = found[-1] if found else None
        alone = bool(DIVIDER.fullmatch(words_)) or bool(last and DIVIDER.fullmatch(last.text))  # a divider stands alone
        if whole and last and last.whole_line and last.column == column and last.row + last.rows == row and not alone:
            found[-1] = Comment(last.row, last.rows + 1, column, f"{last.text} {words_}", True)
        else:
            found.append(Comment(row, 1, column, words_, whole))
    return found


def translate(source: str, language: str) -> str:
    """`source` with each comment the edition's table translates in its words; the code as it was."""
    if not table(language):
        return source
    lines = source.split("\n")
    for comment in reversed(comments(source)):  # from the end, so earlier rows keep their numbers
        said = lookup(comment.text, language)
        if said is None:
            continue
        head = lines[comment.row][: comment.column]
        if comment.whole_line:
            lines[comment.row : comment.row + comment.rows] = [f"{head}# {line}".rstrip() for line in said.split("\n")]
        else:
            lines[comment.row] = f"{head}# {said.replace(chr(10), ' ')}"
    return "\n".join(lines)
