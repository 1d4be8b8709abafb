"""The build cache: this machine's last run of each scenario, keyed by what determines it
(the scenario file's bytes and path, the generator's source, the torch version). A hit skips
compute, derive, verify and the program run; `build --rerun` and `check` never read it.

It also remembers what rendering gave (a digest per file) for a key of the results, the scenario
file, the templates and the generator's source: when the output folder still holds exactly those
files, a build need not render them again, and a no-change build costs little more than reading."""

from __future__ import annotations

import hashlib
import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any, cast

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


class Cache:
    def __init__(self, folder: Path = FOLDER) -> None:
        self.folder = folder
        self.code = _folder_digest(GENERATOR, "*.py").encode() + torch_version_file()

    def key(self, scenario: Any) -> str:
        """What determines a run: the scenario file's path and bytes, the generator, torch."""
        return _digest(scenario.source.encode(), Path(scenario.source).read_bytes(), self.code)

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def _write(self, path: Path, entry: dict[str, Any]) -> None:
        """Best effort: a cache that cannot be written only costs time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_text(json.dumps(entry, ensure_ascii=False, allow_nan=False), encoding="utf-8")  # compact: fast
            temporary.replace(path)
        except OSError:
            pass

    def _path(self, scenario: Any) -> Path:
        return self.folder / f"{scenario.slug}.json"

    def get(self, scenario: Any) -> dict[str, Any] | None:
        entry = self._read(self._path(scenario))
        if entry is None or entry.get("key") != self.key(scenario):
            return None
        results = entry.get("results")
        return results if isinstance(results, dict) else None

    def put(self, scenario: Any, results: dict[str, Any]) -> None:
        self._write(self._path(scenario), {"key": self.key(scenario), "results": results})

    def render_key(self, scenario: Any, results_bytes: bytes, templates: Path) -> str:
        return _digest(results_bytes, self.key(scenario).encode(), _folder_digest(templates, "*").encode())

    def rendered(self, scenario: Any, render_key: str) -> dict[str, str] | None:
        """name -> digest of the files the last render with this key gave."""
        entry = self._read(self.folder / f"{scenario.slug}.rendered.json")
        if entry is None or entry.get("key") != render_key or not isinstance(entry.get("files"), dict):
            return None
        return cast(dict[str, str], entry["files"])

    def put_rendered(self, scenario: Any, render_key: str, files: dict[str, bytes]) -> None:
        digests = {name: file_digest(content) for name, content in files.items()}
        self._write(self.folder / f"{scenario.slug}.rendered.json", {"key": render_key, "files": digests})
