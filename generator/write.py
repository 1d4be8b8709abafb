"""The only stage that touches the file system: atomic replacement of the output folder."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator import phases
from generator.errors import OwnershipError, UsageError
from generator.marker import is_owned

PAGES_START = "<!-- pages:start -->"
PAGES_END = "<!-- pages:end -->"
DEFAULT_OUT = Path("docs/scenarios")
PENDING_INDEX = ".generator-index.pending"  # the new index.md, beside DIR, until the swap is done


def foreign_files(out: Path) -> list[Path]:
    if not out.exists():
        return []
    return sorted(p for p in out.rglob("*") if p.is_dir() or not is_owned(p))  # no subfolders are ever written


def refuse_foreign(out: Path) -> None:
    """Raise OwnershipError if `out` holds anything the generator did not write."""
    foreign = foreign_files(out)
    if foreign:
        names = ", ".join(p.as_posix() for p in foreign[:5])
        raise OwnershipError(
            f"{out}: holds files the generator did not write ({names}); move them out of this folder, which holds generated files only"
        )


def check_out(out: Path, scenario_paths: list[Path]) -> None:
    """Refuse (exit 2) an output folder that is not a folder of generated files: a file, a link,
    a path under a file, the project folder or one above it, a folder holding the scenarios or a
    site's hand-written pages. Nothing is moved or written before this passes."""
    shown = out.as_posix() if str(out) else '""'
    if out.is_symlink():
        raise UsageError(f"--out {shown}: is a symbolic link; give the folder itself, so that it is never replaced")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {shown}: is a file, not a folder; give a folder for the generated pages")
    if not out.exists() and not out.absolute().parent.is_dir():
        raise UsageError(f"--out {shown}: its parent {out.parent.as_posix()} is not an existing folder")
    target, here = os.path.abspath(out), os.path.abspath(os.curdir)
    if here == target or here.startswith(target.rstrip(os.sep) + os.sep):
        raise UsageError(f"--out {shown}: is the working folder or above it; give a folder of generated pages only, such as docs/scenarios")
    for folder in Path(target).parents:  # a folder inside a folder of generated files makes that one fail (exit 4)
        if str(folder) == os.path.abspath(DEFAULT_OUT) or any(is_owned(p) for p in folder.glob("*.json")):
            raise UsageError(f"--out {shown}: is inside {display(folder)}, a folder of generated files; give a folder outside it")
    for path in scenario_paths:
        scenario = os.path.abspath(path)
        if scenario == target or scenario.startswith(target.rstrip(os.sep) + os.sep):
            raise UsageError(f"--out {shown}: holds the scenario files ({path.as_posix()}); give a folder of generated pages only")
    try:  # the staging folder goes beside DIR: find out now, before any work, that it can
        os.rmdir(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=out.absolute().parent))
    except OSError as error:
        raise UsageError(f"--out {shown}: cannot write there: {error.strerror or error}") from None
    for name in ("index.md", "mkdocs.yml"):
        if (out / name).exists() and not is_owned(out / name):
            hint = "give a folder inside it for the generated pages, such as docs/scenarios"
            raise UsageError(f"--out {shown}: holds a site's own {name}; {hint}")


@contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold the lock of the folder that holds `out` (flock on the folder itself, so nothing is left
    behind and a lock dies with its process) while a build or check reads, recovers or replaces `out`.
    A second one does not wait: UsageError (exit 2), before it touches anything."""
    try:
        handle = os.open(out.absolute().parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # no parent folder: check_out says so
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"--out {out.as_posix()}: another build is writing there; run again when it has finished") from None
        yield
    finally:
        os.close(handle)


def display(folder: Path) -> str:
    """A folder as messages show it: relative to the working folder when inside it."""
    relative = os.path.relpath(folder)
    return Path(folder if relative.startswith("..") else relative).as_posix()


def _backup(out: Path) -> Path:
    return out.with_name(f".{out.name}.previous")


def _pending(index: Path) -> Path:
    """The new index beside the old one: .generator-index.pending, .generator-index.zh.pending."""
    stem = index.name.removesuffix(".md")
    return index.with_name(PENDING_INDEX.replace("index", stem, 1))


def recover(out: Path, indexes: list[Path] | None = None) -> None:
    """Finish or undo a replacement that was killed part way, so pages and indexes agree again.

    Killed before the new folder was in place (a staging folder is still there): the old folder
    comes back and the new indexes are dropped. Killed after: the old folder's backup is removed and
    the new indexes, written beside the old ones before the swap, replace them.
    """
    stagings = list(out.parent.glob(f".{out.name}.new-*"))
    backup = _backup(out)
    pendings = [(_pending(index), index) for index in indexes or []]
    if stagings:
        if backup.exists() and not out.exists():
            backup.rename(out)
        for staging in stagings:
            shutil.rmtree(staging, ignore_errors=True)
        for pending, _ in pendings:
            if pending.exists():
                pending.unlink()
    if backup.exists():
        if out.exists():
            shutil.rmtree(backup)
        else:
            backup.rename(out)
    for pending, index in pendings:
        if pending.exists():
            os.replace(pending, index)


def write_output(files: dict[str, bytes], out: Path, indexes: list[tuple[Path, str]] | None = None) -> list[str]:
    """Make `out` hold exactly `files`, and each index page `path` of `indexes` hold its text;
    return the names that changed, were added or removed.

    New content is written to a temporary sibling folder, then swapped in with two renames, so a
    run killed at any point leaves either the old folder or the new one; the new indexes are
    written beside the old ones first and moved in after the swap (recover() finishes either step).
    A file in `out` without the generator's marker is never overwritten or deleted: the run stops first.
    """
    indexes = indexes or []
    recover(out, [path for path, _ in indexes])
    refuse_foreign(out)
    old = {p.name: p.read_bytes() for p in out.glob("*")} if out.exists() else {}
    changed = sorted(name for name in set(old) | set(files) if old.get(name) != files.get(name))
    new_indexes = [(path, text) for path, text in indexes if not path.exists() or path.read_text(encoding="utf-8") != text]
    for path, text in new_indexes:
        _pending(path).write_text(text, encoding="utf-8")
    if not changed and not new_indexes:
        return []
    if changed:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        try:
            for name, content in sorted(files.items()):
                target = staging / name
                if old.get(name) == content:
                    shutil.copy2(out / name, target)  # keeps the old modification time: unchanged stays unchanged
                else:
                    target.write_bytes(content)
            os.chmod(staging, 0o755)
            phases.reached("writing")
        except BaseException:  # interrupted, or a write refused (disk full, ulimit -f): nothing was swapped in
            shutil.rmtree(staging, ignore_errors=True)
            for path, _ in new_indexes:
                _pending(path).unlink(missing_ok=True)
            raise
        if out.exists():
            out.rename(_backup(out))
        staging.rename(out)
        phases.reached("swapped")
        shutil.rmtree(_backup(out), ignore_errors=True)
    for path, _ in new_indexes:
        os.replace(_pending(path), path)
    return changed + [path.as_posix() for path, _ in new_indexes]


def replace_region(text: str, lines: list[str], source: str) -> str:
    """Replace what stands between the pages markers of a hand-written page."""
    start, end = text.find(PAGES_START), text.find(PAGES_END)
    if start < 0 or end < start:
        raise OwnershipError(f"{source}: needs the lines {PAGES_START} and {PAGES_END} around the generated list")
    return text[: start + len(PAGES_START)] + "\n" + "".join(line + "\n" for line in lines) + text[end:]
