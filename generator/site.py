"""`make docs` and `make site`: every edition's site build, each in a process of its own, all at once.

`python -m generator.site [--generate [--rerun]] [--builder mkdocs|properdocs]`, from the project
folder. mkdocs.yml builds the default edition into site/ (its build empties site/ first); each
mkdocs.<language>.yml builds into .site-editions/<language>/, moved to site/<language>/ once every
build has succeeded. Every build is strict and quiet.

With --generate (`make docs`), `python -m generator build` (with --rerun if given) runs first,
and the builds overlap it: each edition's process (generator/site_edition.py) starts at once,
imports the builder, loads its config and jieba's dictionary while the pages are generated, and
builds only once the generator has succeeded. If the generator fails, nothing is built and its exit
code is this command's.

Every process it starts runs in a process group of its own, so a Ctrl-C (or SIGTERM) reaches
this one only, which passes it on once, whether it came from the terminal or was sent to this
process alone: the generator gets SIGINT (it stops as at a Ctrl-C, says so in one line, and leaves
its output as it was); an edition gets SIGTERM (before its build: it ends at once, silently; during
it: its output is left unfinished, and no other edition is moved into site/). Every process is
waited for before this one ends.

One at a time in a folder: a second one started meanwhile does not wait, and touches nothing.

Exit codes: 0 built; the generator's own when it failed (nothing built; 128 + N when signal N
killed it); 1 when a build failed (no other edition is moved into site/, emptied by the default
edition's build); 2 wrong usage, or another one is building there; 130 interrupted; 143
terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from generator.site_edition import GO

BUILDERS = ("mkdocs", "properdocs")
DEFAULT_CONFIG = Path("mkdocs.yml")
EDITIONS = Path(".site-editions")  # the other editions' builds, until every one has succeeded
STOPPED = "interrupted; the site's build did not finish: site/ may be incomplete until the next make site"


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt (and, like it, not an Exception)."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


@dataclass(frozen=True)
class Edition:
    language: str  # "" for the default edition (mkdocs.yml)
    process: subprocess.Popen[str]


@dataclass
class Started:
    """The processes this command started; `stopped_by`: the signal that asked it to stop, once."""

    editions: list[Edition] = field(default_factory=list)
    generator: subprocess.Popen[bytes] | None = None
    stopped_by: int = 0

    def stop(self, signum: int) -> None:
        if self.stopped_by:
            return
        self.stopped_by = signum
        if self.generator is not None and self.generator.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it has just ended
                os.killpg(self.generator.pid, signal.SIGINT)  # its program server and workers too, as a terminal's Ctrl-C
        for edition in self.editions:
            if edition.process.poll() is None:
                edition.process.terminate()

    def wait(self, process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> int:
        """The process's exit code; a Ctrl-C or SIGTERM meanwhile stops them all, and the wait goes on."""
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                self.stop(signal.SIGINT)
            except Terminated:
                self.stop(signal.SIGTERM)


def configs(folder: Path) -> list[tuple[str, Path]]:
    """(language, config): mkdocs.yml first, as "", then each mkdocs.<language>.yml by name."""
    others = sorted(folder.glob("mkdocs.*.yml"))
    return [("", folder / DEFAULT_CONFIG)] + [(path.name.removeprefix("mkdocs.").removesuffix(".yml"), path) for path in others]


def start(builder: str, folder: Path, started: Started) -> None:
    for language, config in configs(folder):
        arguments = ["build", "--strict", "--quiet", "-f", config.name] + (["--site-dir", str(EDITIONS / language)] if language else [])
        process = subprocess.Popen([sys.executable, "-m", "generator.site_edition", builder, *arguments], cwd=folder,
                                   stdin=subprocess.PIPE, text=True, process_group=0)
        started.editions.append(Edition(language, process))


def exit_code(returncode: int, what: str) -> int:
    """A child's exit code as this command's: killed by signal N, 128 + N, and a line that says so."""
    if returncode >= 0:
        return returncode
    print(f"error: {what} was killed by signal {-returncode}", file=sys.stderr)
    return 128 - returncode


def build_editions(started: Started, build: bool) -> list[int]:
    """Each edition's exit code, once told to build (`build`) or stopped, and waited for."""
    for edition in started.editions:
        assert edition.process.stdin is not None
        try:
            if build:
                edition.process.stdin.write(GO + "\n")
            edition.process.stdin.close()
        except BrokenPipeError:  # it has already ended: its code says so
            pass
        if not build:
            edition.process.terminate()  # not waiting for it to get ready: it ends as it is, having written nothing
    return [started.wait(edition.process) for edition in started.editions]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="run `python -m generator build` first (make docs)")
    parser.add_argument("--rerun", action="store_true", help="with --generate: ignore the build cache")
    parser.add_argument("--builder", default=BUILDERS[0], help=f"the site builder: {' or '.join(BUILDERS)} (default: %(default)s)")
    return parser


def run(arguments: argparse.Namespace, folder: Path, started: Started) -> int:
    start(arguments.builder, folder, started)
    code = 0
    if arguments.generate:
        command = [sys.executable, "-m", "generator", "build", *(["--rerun"] if arguments.rerun else [])]
        started.generator = subprocess.Popen(command, process_group=0)
        code = exit_code(started.wait(started.generator), "python -m generator build")
    codes = build_editions(started, build=code == 0 and not started.stopped_by)
    if code or started.stopped_by:
        return code
    failed = [(edition, returncode) for edition, returncode in zip(started.editions, codes) if returncode]
    for edition, returncode in failed:
        exit_code(returncode, f"the {edition.language or 'default'} edition's build")
    if failed:
        return 1
    for edition in started.editions[1:]:
        target = folder / "site" / edition.language
        shutil.rmtree(target, ignore_errors=True)
        os.replace(folder / EDITIONS / edition.language, target)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    if arguments.builder not in BUILDERS:
        print(f"error: --builder {arguments.builder}: use one of {', '.join(BUILDERS)}", file=sys.stderr)
        return 2
    if arguments.rerun and not arguments.generate:
        print("error: --rerun: only with --generate", file=sys.stderr)
        return 2
    folder = Path.cwd()
    if not (folder / DEFAULT_CONFIG).is_file():
        print(f"error: {DEFAULT_CONFIG}: no such file in {folder}", file=sys.stderr)
        return 2
    lock = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # flock on the folder itself: nothing left behind
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        print(f"error: another make docs or make site is building the site in {folder}; run again when it has finished",
              file=sys.stderr)
        return 2
    shutil.rmtree(folder / EDITIONS, ignore_errors=True)
    started = Started()
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        try:
            code = run(arguments, folder, started)
        except KeyboardInterrupt:  # between the waits: stop them all, and wait for each
            started.stop(signal.SIGINT)
        except Terminated:
            started.stop(signal.SIGTERM)
        if started.stopped_by:
            for process in [edition.process for edition in started.editions] + [p for p in [started.generator] if p]:
                started.wait(process)
            code = 128 + started.stopped_by
            if started.generator is None or started.generator.returncode == 0:  # else the generator said so
                print(STOPPED, file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(folder / EDITIONS, ignore_errors=True)
        os.close(lock)
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # before main() could take it (its imports): no traceback
        sys.exit(130)
