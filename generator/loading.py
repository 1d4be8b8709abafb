"""Scenario files -> validated scenario dataclasses, or one ScenarioError listing every problem."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator.errors import Problem, ScenarioError, UsageError
from generator.kinds import KINDS
from generator.reader import Reader

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_FILE_BYTES = 1_000_000


def scenario_files(paths: list[Path]) -> list[Path]:
    """Expand folders to their *.toml files (sorted); a missing path is a usage error."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml"), key=lambda p: p.stem))  # "a" before "a-b"
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return files


def display_path(path: Path) -> str:
    """The path as messages and markers show it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_table(path: Path, source: str, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(source, "", f"cannot read: {error.strerror}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(source, "", f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(source, "", f"not UTF-8 (byte {error.start} is {data[error.start]:#04x}); save the file as UTF-8"))
        return None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(source, "", f"TOML syntax error: {error}"))
        return None


def load_scenarios(paths: list[Path]) -> list[Any]:
    """Every scenario in `paths`, validated; raises ScenarioError with all problems of all files."""
    kinds = KINDS
    problems: list[Problem] = []
    scenarios = []
    slugs: dict[str, str] = {}
    for path in scenario_files(paths):
        source = display_path(path)
        slug = path.stem
        if not SLUG.match(slug):
            hint = "use lower-case letters, digits and '-' (at most 80)"
            problems.append(Problem(source, "", f"file name {slug!r} cannot be a page name; {hint}"))
            continue
        if slug in slugs:
            problems.append(Problem(source, "", f"slug {slug!r} is also produced by {slugs[slug]}"))
            continue
        slugs[slug] = source
        table = read_table(path, source, problems)
        if table is None:
            continue
        reader = Reader(source, table)
        kind_name = reader.choice("kind", tuple(sorted(kinds)))
        if kind_name is None:
            problems.extend(reader.problems)
            continue
        scenario = kinds[kind_name].parse(reader, slug)
        problems.extend(reader.problems)
        if scenario is not None and not reader.problems:
            scenarios.append(scenario)
    if problems:
        raise ScenarioError(problems)
    if not scenarios:
        raise UsageError(f"no scenario files (*.toml) in {', '.join(p.as_posix() for p in paths)}")
    return scenarios

