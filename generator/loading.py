"""Scenario files -> validated scenario dataclasses, or one ScenarioError listing every problem."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from generator.claims import parse_claims
from generator.errors import Problem, ScenarioError, UsageError
from generator.kinds import KINDS
from generator.marker import SCENARIO_COPY, is_scenario_copy
from generator.overview import RESERVED_SLUGS
from generator.reader import Reader, did_you_mean, translations
from generator.scenario import HEADER_KEYS, Scenario, ScenarioHeader
from generator.values import DTYPES, SAFE_INT_DIGITS, int_digits, toml_float

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # the whole stem: fullmatch, so no trailing newline slips through
MAX_FILE_BYTES = 1_000_000
BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def scenario_files(paths: list[Path]) -> list[Path]:
    """Expand folders to their *.toml entries (sorted), leaving out the scenario files the generator
    published beside pages (<slug>.scenario.toml); a missing path is a usage error. A file
    reached twice (named and inside a named folder) counts once; a symbolic link is a file of its
    own (its name is its slug), and load_scenarios refuses one that leads to another file of the build."""
    files: list[Path] = []
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            found = sorted((p for p in path.glob("*.toml") if not is_scenario_copy(p)), key=lambda p: p.stem)  # "a" before "a-b"
        elif path.exists() or path.is_symlink():
            found = [path]
        else:
            raise UsageError(f"{path}: no such file or folder")
        for file in found:
            identity = os.path.join(os.path.realpath(file.parent), file.name)  # the folder resolved, not the file
            if identity not in seen:
                seen.add(identity)
                files.append(file)
    return files


def display_path(path: Path) -> str:
    """The path as messages and markers show it: relative to the working folder when inside it
    (without resolving links, so a link loop cannot stop it)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.getcwd())
    return Path(absolute if relative.startswith("..") else relative).as_posix()


def read_bytes(path: Path, source: str, problems: list[Problem]) -> bytes | None:
    """At most MAX_FILE_BYTES of a regular file: a pipe, a device or a link loop is refused
    before it is opened, and a huge file before it is read."""
    try:
        info = path.stat()
    except OSError as error:
        problems.append(Problem(source, "", f"cannot read: {error.strerror or error}"))
        return None
    except RuntimeError:  # a symbolic link loop, on some Pythons
        problems.append(Problem(source, "", "cannot read: a loop of symbolic links"))
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.append(Problem(source, "", "is not a regular file (a pipe, a device or a folder); a scenario is a .toml file"))
        return None
    if info.st_size > MAX_FILE_BYTES:
        problems.append(Problem(source, "", f"file is {info.st_size} bytes; the limit is {MAX_FILE_BYTES}"))
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        problems.append(Problem(source, "", f"cannot read: {error.strerror or error}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(source, "", f"file is more than {MAX_FILE_BYTES} bytes; the limit is {MAX_FILE_BYTES}"))
        return None
    return data


def read_text(data: bytes, source: str, problems: list[Problem]) -> str | None:
    """A scenario file's text, or None with its problem recorded."""
    if data.startswith(BYTE_ORDER_MARK):
        data = data[len(BYTE_ORDER_MARK) :]  # a byte-order mark some editors write: not part of the TOML
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(source, "", f"not UTF-8 (byte {error.start} is {data[error.start]:#04x}); save the file as UTF-8"))
        return None


def parse_toml(text: str, source: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The TOML table of a scenario file's text, or None with its problem recorded."""
    try:
        with int_digits(SAFE_INT_DIGITS):
            return tomllib.loads(text, parse_float=toml_float)
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(source, "", f"TOML syntax error: {error}"))
    except RecursionError:
        problems.append(Problem(source, "", "arrays or tables are nested too deeply"))
    except ValueError:  # Python refuses to read an integer of more than sys.get_int_max_str_digits() digits
        problems.append(Problem(source, "", f"holds an integer of more than {SAFE_INT_DIGITS} digits; numbers must lie within ±10^12"))
    return None


def parse_titles(reader: Reader) -> tuple[tuple[str, str], ...]:
    """The optional `titles` table: the page's title in other editions, `titles.zh = "…"`."""
    return translations(reader, "titles", reader.table.get("titles", {}), "titles")


def parse_table(table: dict[str, Any], source: str, slug: str, digest: str = "", text: str = "") -> tuple[Scenario | None, list[Problem]]:
    """One scenario from its TOML table: the header once, then the kind's own keys; the scenario,
    or None and every problem found. `digest` is the SHA-256 of the bytes the table was read from,
    `text` their text."""
    reader = Reader(source, table)
    kind_name = reader.choice("kind", tuple(sorted(KINDS)))
    title = reader.text("title")
    dtype = reader.choice("dtype", DTYPES, "float32")
    if kind_name is None:
        return None, reader.problems
    kind = KINDS[kind_name]
    reader.reject_unknown(HEADER_KEYS + kind.keys)
    claims = parse_claims(reader, kind.claimable, kind.results)
    titles = parse_titles(reader)
    scenario = kind.parse(reader, ScenarioHeader(kind_name, source, slug, title or "", dtype or "float32", claims, titles, digest, text))
    if reader.problems or title is None or dtype is None:
        return None, reader.problems
    return scenario, []


def scenario_from(table: dict[str, Any], slug: str = "t") -> Scenario:
    """A scenario from a table, or ScenarioError: for tests and tools that hold a table, not a file."""
    scenario, problems = parse_table(table, f"{slug}.toml", slug)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario


LINK_KEYS = ("see_also", "zero_grad_page")  # a scenario's fields that name another page of the build


def scenario_links(scenario: Scenario) -> list[tuple[str, str]]:
    """(field, slug) of each page the scenario links to: LINK_KEYS that hold a slug, or a kind's own
    `link_slugs` where its links are not one slug per key (mse: see_also, one per reduction)."""
    own = getattr(scenario, "link_slugs", None)
    if own is not None:
        return list(own)
    return [(key, target) for key in LINK_KEYS if isinstance(target := getattr(scenario, key, None), str)]


def check_links(scenarios: list[Scenario], built: set[str]) -> list[Problem]:
    """A scenario's links (`see_also`, `zero_grad_page`, mse's `see_also.<reduction>`) name another
    scenario of the same build (`built`: the slugs), never its own page or a reserved one; found before any run."""
    problems = []
    for scenario in scenarios:
        for field, target in scenario_links(scenario):
            if target == scenario.slug:
                problems.append(Problem(scenario.source, field, f"{target!r} is this scenario's own page; name another scenario"))
            elif target in RESERVED_SLUGS:
                problems.append(Problem(scenario.source, field, f"{target!r} is a reserved page, not a scenario; name another scenario"))
            elif target not in built:
                others = sorted(built - {scenario.slug})
                problems.append(Problem(scenario.source, field, f"no scenario {target!r} in this build{did_you_mean(target, others)}"))
    return problems


def load_scenarios(paths: list[Path], built: set[str] | None = None) -> list[Scenario]:
    """Every scenario in `paths`, validated; raises ScenarioError with all problems of all files.
    `built`: the slugs of the whole build, when `paths` is a part of it (the live loop loads one
    file at a time); by default the slugs of `paths`."""
    problems: list[Problem] = []
    scenarios = []
    slugs: dict[str, str] = {}
    files = scenario_files(paths)
    targets: dict[str, str] = {}  # where each file's bytes are: a link that leads to another file of the build is that file twice
    for path in files:
        if not path.is_symlink():
            targets.setdefault(os.path.realpath(path), display_path(path))
    for path in files:
        source = display_path(path)
        if path.is_symlink():
            target = targets.get(os.path.realpath(path))
            if target is not None:
                problems.append(Problem(source, "", f"is a symbolic link to {target}, which this build reads too: the same "
                                                    "scenario twice; delete the link, or copy the file to make a page of its own"))
                continue
        if is_scenario_copy(path):
            problems.append(Problem(source, "", f"is a scenario file the generator published beside its page ({SCENARIO_COPY}, "
                                                "marked on its first line), not a scenario; build the scenario file it names"))
            continue
        slug = path.stem
        if not SLUG.fullmatch(slug):
            hint = "use lower-case letters, digits and '-' (at most 80)"
            problems.append(Problem(source, "", f"file name {slug!r} cannot be a page name; {hint}"))
            continue
        if slug in RESERVED_SLUGS:
            problems.append(Problem(source, "", f"file name {slug!r} is reserved: the site has a page of its own by "
                                                f"that name (reserved: {', '.join(RESERVED_SLUGS)}); rename the file"))
            continue
        if slug in slugs:
            problems.append(Problem(source, "", f"slug {slug!r} is also produced by {slugs[slug]}"))
            continue
        slugs[slug] = source
        data = read_bytes(path, source, problems)  # read once: parsed, run, keyed and published from these bytes
        text = None if data is None else read_text(data, source, problems)
        table = None if text is None else parse_toml(text, source, problems)
        if data is None or text is None or table is None:
            continue
        scenario, found = parse_table(table, source, slug, hashlib.sha256(data).hexdigest(), text)
        problems.extend(found)
        if scenario is not None:
            scenarios.append(scenario)
    problems += check_links(scenarios, set(slugs) if built is None else built)
    if problems:
        raise ScenarioError(problems)
    if not scenarios:
        copies = sum(1 for path in paths if path.is_dir() for p in path.glob(f"*{SCENARIO_COPY}") if is_scenario_copy(p))
        skipped = f" ({copies} published beside pages, *{SCENARIO_COPY}, are not scenarios)" if copies else ""
        raise UsageError(f"no scenario files (*.toml) in {', '.join(p.as_posix() for p in paths)}{skipped}")
    return scenarios

