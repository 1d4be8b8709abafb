"""The build cache: this machine's last run of each scenario, keyed by what determines it
(the scenario file's bytes and path, the generator's source, the torch version). A hit skips
compute, derive, verify and the program run; `build --rerun` and `check` never read it."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import results as res

GENERATOR = Path(__file__).resolve().parent
FOLDER = Path(".cache/generator")  # relative to the working folder; git-ignored


def _source_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.rglob("*.py")):
        digest.update(path.relative_to(GENERATOR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key(scenario: Any, generator_digest: str) -> str:
    digest = hashlib.sha256()
    parts = (scenario.source.encode(), Path(scenario.source).read_bytes(), generator_digest.encode(), metadata.version("torch").encode())
    for part in parts:
        digest.update(part + b"\0")
    return digest.hexdigest()


class Cache:
    def __init__(self, folder: Path = FOLDER) -> None:
        self.folder = folder
        self.generator_digest = _source_digest()

    def _path(self, scenario: Any) -> Path:
        return self.folder / f"{scenario.slug}.json"

    def get(self, scenario: Any) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._path(scenario).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key(scenario, self.generator_digest):
            return None
        results = entry.get("results")
        return results if isinstance(results, dict) else None

    def put(self, scenario: Any, results: dict[str, Any]) -> None:
        """Best effort: a cache that cannot be written only costs time."""
        entry = {"key": key(scenario, self.generator_digest), "results": results}
        path = self._path(scenario)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_text(res.dumps(entry), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            pass
