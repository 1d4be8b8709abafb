"""The only stage that touches the file system: atomic replacement of the output folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from generator.errors import OwnershipError
from generator.render import MARKER

PAGES_START = "<!-- pages:start -->"
PAGES_END = "<!-- pages:end -->"


def is_owned(path: Path) -> bool:
    """A file the generator wrote carries its marker (Markdown and SVG near the top, JSON as a key)."""
    try:
        return MARKER.encode() in path.read_bytes()
    except OSError:
        return False


def foreign_files(out: Path) -> list[Path]:
    if not out.exists():
        return []
    return sorted(p for p in out.rglob("*") if p.is_dir() or not is_owned(p))  # no subfolders are ever written


def refuse_foreign(out: Path) -> None:
    """Raise OwnershipError if `out` holds anything the generator did not write."""
    recover(out)
    foreign = foreign_files(out)
    if foreign:
        names = ", ".join(p.as_posix() for p in foreign[:5])
        raise OwnershipError(
            f"{out}: holds files the generator did not write ({names}); move them out of this folder, which holds generated files only"
        )


def _backup(out: Path) -> Path:
    return out.with_name(f".{out.name}.previous")


def recover(out: Path) -> None:
    """Finish a replacement that was killed between its two renames; drop a killed run's staging."""
    for staging in out.parent.glob(f".{out.name}.new-*"):
        shutil.rmtree(staging, ignore_errors=True)
    backup = _backup(out)
    if backup.exists() and not out.exists():
        backup.rename(out)
    elif backup.exists():
        shutil.rmtree(backup)


def write_output(files: dict[str, bytes], out: Path) -> list[str]:
    """Make `out` hold exactly `files`; return the names that changed, were added or removed.

    New content is written to a temporary sibling folder, then swapped in with two renames, so a
    run killed at any point leaves either the old folder or the new one. A file in `out` without
    the generator's marker is never overwritten or deleted: the run stops first, writing nothing.
    """
    refuse_foreign(out)
    old = {p.name: p.read_bytes() for p in out.glob("*")} if out.exists() else {}
    changed = sorted(name for name in set(old) | set(files) if old.get(name) != files.get(name))
    if not changed:
        return []
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    for name, content in sorted(files.items()):
        target = staging / name
        if old.get(name) == content:
            shutil.copy2(out / name, target)  # keeps the old modification time: unchanged stays unchanged
        else:
            target.write_bytes(content)
    os.chmod(staging, 0o755)
    if out.exists():
        out.rename(_backup(out))
    staging.rename(out)
    shutil.rmtree(_backup(out), ignore_errors=True)
    return changed


def replace_region(text: str, lines: list[str], source: str) -> str:
    """Replace what stands between the pages markers of a hand-written page."""
    start, end = text.find(PAGES_START), text.find(PAGES_END)
    if start < 0 or end < start:
        raise OwnershipError(f"{source}: needs the lines {PAGES_START} and {PAGES_END} around the generated list")
    return text[: start + len(PAGES_START)] + "\n" + "".join(line + "\n" for line in lines) + text[end:]


def write_if_changed(path: Path, content: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(content, encoding="utf-8")
    os.replace(temporary, path)
    return True
