"""The build cache: this machine's last run of each scenario, keyed by everything that shapes the
run, and trusted no more than it can be checked. A hit skips compute, derive, verify and the
program run; `build --rerun` and `check` never read it.

- The key: the scenario file's path and the digest of the bytes it was parsed from (the header's
  `digest`: the bytes that were run, not the file as it is after the run), every generator/**/*.py,
  every file under templates/programs/ and the installed torch/version.py (version, git revision).
- An entry is `<slug>.run`: one line of JSON (the key, and the SHA-256 of the key and the results),
  then the results. On load the digest is checked again, and so is every torch value against its
  bound of the exact value; a bad entry is deleted, one line says so on stderr, and the scenario
  runs again.
- Only a run that succeeded, self-check included, is stored (run_scenario raises otherwise), and
  not when the generator or a program template changed while it ran.

It also remembers what rendering gave (a digest per file) for a key of the results, the scenario
file, the templates and the generator's source: when the output folder still holds exactly those
files, a build need not render them again, and a no-change build costs little more than reading."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast

from generator.exact import enclosure
from generator.results import Data as Results
from generator.results import records_in
from generator.scenario import Scenario

GENERATOR = Path(__file__).resolve().parent
TEMPLATES = GENERATOR.parent / "templates"
FOLDER = Path(".cache/generator")  # relative to the working folder; git-ignored


def _folder_digest(folder: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def torch_version_file() -> bytes:
    """torch/version.py: its version and git revision, read without importing torch."""
    spec = find_spec("torch")
    if spec is None or spec.origin is None:
        return b"no torch"
    return (Path(spec.origin).parent / "version.py").read_bytes()


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part + b"\0")
    return digest.hexdigest()


def what_shapes_a_run() -> str:
    """The digest of everything besides the scenario that shapes a run: the generator's code, the
    program templates (the shown program and its self-check), torch's version."""
    code = _folder_digest(GENERATOR, "*.py").encode()
    programs = _folder_digest(TEMPLATES / "programs", "*").encode()
    return _digest(code, programs, torch_version_file())


def out_of_bound(results: Results) -> str | None:
    """The first torch value farther from its exact value than its bound, described; None when
    every compared value is within its bound (a value without a bound, or inf or nan, is not compared)."""
    for v in records_in(results):
        value, bound = v["value"], v["bound"]
        if bound is None or not isinstance(value, float | int) or not math.isfinite(value):
            continue
        if not enclosure.within(value, enclosure.of_record(v), bound):
            return f"torch value {value!r} is more than its bound {bound:.3g} from the exact value {enclosure.text(v)}"
    return None


def warn_on_stderr(line: str) -> None:
    print(line, file=sys.stderr)


class Cache:
    def __init__(self, folder: Path = FOLDER, warn: Callable[[str], None] = warn_on_stderr) -> None:
        self.folder = folder
        self.warn = warn
        self.shaping = what_shapes_a_run()  # as the runs of this build will see it

    def key(self, scenario: Scenario) -> str:
        """What determines a run: the scenario file's path and the bytes that were parsed, the
        generator, the program templates, torch."""
        return _digest(scenario.source.encode(), scenario.header.digest.encode(), self.shaping.encode())

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def _write(self, path: Path, content: bytes) -> None:
        """Best effort: a cache that cannot be written only costs time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(content)
            temporary.replace(path)
        except OSError:
            pass

    def _path(self, scenario: Scenario) -> Path:
        return self.folder / f"{scenario.slug}.run"

    def get(self, scenario: Scenario) -> Results | None:
        """The stored run under this scenario's key, verified; None when there is none (or the
        scenario was not read from a file). A bad entry is discarded, with one line saying why."""
        path = self._path(scenario)
        if not scenario.header.digest:
            return None
        try:
            head, _, body = path.read_bytes().partition(b"\n")
            stored = json.loads(head)
        except (OSError, ValueError):
            return None
        key = self.key(scenario)
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None  # another key: stale, not bad
        if stored.get("digest") != _digest(key.encode(), body):
            self.discard(scenario, "its digest does not match its contents")
            return None
        try:
            results = json.loads(body)
            problem = out_of_bound(results) if isinstance(results, dict) else "it holds no results"
        except (ValueError, KeyError, TypeError, ZeroDivisionError) as error:
            problem = f"it cannot be read ({type(error).__name__})"
        if problem is not None:
            self.discard(scenario, problem)
            return None
        return cast(Results, results)

    def put(self, scenario: Scenario, results: Results) -> None:
        """Store a run that succeeded, unless the generator or a program template changed since this
        cache was opened (the run may have used either version)."""
        if not scenario.header.digest or what_shapes_a_run() != self.shaping:
            return
        key = self.key(scenario)
        body = json.dumps(results, ensure_ascii=False, allow_nan=False).encode("utf-8")  # compact: fast
        head = json.dumps({"key": key, "digest": _digest(key.encode(), body)}).encode("utf-8")
        self._write(self._path(scenario), head + b"\n" + body)

    def discard(self, scenario: Scenario, reason: str) -> None:
        """Delete a bad entry, and say so in one line."""
        self._path(scenario).unlink(missing_ok=True)
        self.report(scenario, f"{reason}; running it again")

    def report(self, scenario: Scenario, reason: str) -> None:
        self.warn(f"{self._path(scenario).as_posix()}: discarded the cached run of {scenario.source}: {reason}")

    def render_key(self, scenario: Scenario, results_bytes: bytes, templates: Path) -> str:
        return _digest(results_bytes, self.key(scenario).encode(), _folder_digest(templates, "*").encode())

    def rendered(self, scenario: Scenario, render_key: str) -> dict[str, str] | None:
        """name -> digest of the files the last render with this key gave."""
        entry = self._read(self.folder / f"{scenario.slug}.rendered.json")
        if entry is None or entry.get("key") != render_key or not isinstance(entry.get("files"), dict):
            return None
        return cast(dict[str, str], entry["files"])

    def put_rendered(self, scenario: Scenario, render_key: str, files: dict[str, bytes]) -> None:
        digests = {name: file_digest(content) for name, content in files.items()}
        entry = json.dumps({"key": render_key, "files": digests}, ensure_ascii=False)
        self._write(self.folder / f"{scenario.slug}.rendered.json", entry.encode("utf-8"))
