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
waited for before this one ends, which then says in one line what was not done (unless the
generator has said so). A Ctrl-C in the first few tens of milliseconds, before Python has loaded
this module, is Python's own.

One at a time in a folder: a second one started meanwhile does not wait, and touches nothing. The
processes it started hold the folder's lock too, so this holds even after a SIGKILL of this one.

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
from typing import Any

from generator.site_edition import GO

BUILDERS = ("mkdocs", "properdocs")
DEFAULT_CONFIG = Path("mkdocs.yml")
EDITIONS = Path(".site-editions")  # the other editions' builds, until every one has succeeded
STOPPED_BUILDING = "interrupted; the site's build did not finish: site/ may be incomplete until it is built again"
STOPPED = "interrupted; the site was not built"


@dataclass(frozen=True)
class Edition:
    language: str  # "" for the default edition (mkdocs.yml)
    process: subprocess.Popen[str]


@dataclass
class Started:
    """The processes this command started, each in a process group of its own and holding the
    folder's lock (`lock`, passed on: a second command is refused until the last of them has ended,
    even if this one was killed). `stop` runs in the signal handlers: the first SIGINT or SIGTERM stops
    every process, each once, and any started after it as soon as its handle is kept (`adopt`)."""

    lock: int
    editions: list[Edition] = field(default_factory=list)
    generator: subprocess.Popen[bytes] | None = None
    stopped_by: int = 0
    building: bool = False  # the editions were told to build
    signalled: set[int] = field(default_factory=set)

    def spawn(self, command: list[str], **options: Any) -> subprocess.Popen[Any]:
        return subprocess.Popen(command, process_group=0, pass_fds=(self.lock,), **options)

    def spawn_generator(self, command: list[str]) -> subprocess.Popen[Any]:
        """Start `python -m generator ...` with SIGINT blocked: it unblocks it once it can report one
        in one line (generator/__main__.py), so a stop passed on while its Python is still starting
        waits for that, instead of a start-up traceback. A signal to this command meanwhile is handled
        as the mask is restored, the generator's handle kept."""
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.generator = self.spawn(command)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        self.adopt(self.generator)
        return self.generator

    def stop(self, signum: int) -> None:
        if not self.stopped_by:
            self.stopped_by = signum
            for process in [edition.process for edition in self.editions] + ([self.generator] if self.generator else []):
                self.end(process)

    def adopt(self, process: subprocess.Popen[Any]) -> None:
        """A process just started: stopped at once if this command is stopping."""
        if self.stopped_by:
            self.end(process)

    def end(self, process: subprocess.Popen[Any]) -> None:
        """Stop `process` unless it has been told already or has ended: the generator with SIGINT
        to its group (it stops as at a Ctrl-C, its program server and workers with it), an edition
        with SIGTERM."""
        if process.pid in self.signalled or process.poll() is not None:
            return
        self.signalled.add(process.pid)
        with contextlib.suppress(ProcessLookupError):  # it has just ended
            if process is self.generator:
                os.killpg(process.pid, signal.SIGINT)
            else:
                process.terminate()

    def handle(self, signum: int, frame: object) -> None:
        self.stop(signum)


def configs(folder: Path) -> list[tuple[str, Path]]:
    """(language, config): mkdocs.yml first, as "", then each mkdocs.<language>.yml by name."""
    others = sorted(folder.glob("mkdocs.*.yml"))
    return [("", folder / DEFAULT_CONFIG)] + [(path.name.removeprefix("mkdocs.").removesuffix(".yml"), path) for path in others]


def start(builder: str, folder: Path, started: Started) -> None:
    for language, config in configs(folder):
        arguments = ["build", "--strict", "--quiet", "-f", config.name] + (["--site-dir", str(EDITIONS / language)] if language else [])
        process = started.spawn([sys.executable, "-m", "generator.site_edition", builder, *arguments], cwd=folder,
                                stdin=subprocess.PIPE, text=True)
        started.editions.append(Edition(language, process))
        started.adopt(process)


def exit_code(returncode: int, what: str) -> int:
    """A child's exit code as this command's: killed by signal N, 128 + N, and a line that says so."""
    if returncode >= 0:
        return returncode
    print(f"error: {what} was killed by signal {-returncode}", file=sys.stderr)
    return 128 - returncode


def build_editions(started: Started, build: bool) -> list[int]:
    """Each edition's exit code, once told to build (`build`) or stopped, and waited for."""
    started.building = build
    for edition in started.editions:
        assert edition.process.stdin is not None
        try:
            if build:
                edition.process.stdin.write(GO + "\n")
            edition.process.stdin.close()
        except BrokenPipeError:  # it has already ended: its code says so
            pass
    if not build:  # not waiting for them to get ready: each ends as it is, having written nothing
        for edition in started.editions:
            started.end(edition.process)
    return [edition.process.wait() for edition in started.editions]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="run `python -m generator build` first (make docs)")
    parser.add_argument("--rerun", action="store_true", help="with --generate: ignore the build cache")
    parser.add_argument("--builder", default=BUILDERS[0], help=f"the site builder: {' or '.join(BUILDERS)} (default: %(default)s)")
    return parser


def run(arguments: argparse.Namespace, folder: Path, started: Started) -> int:
    start(arguments.builder, folder, started)
    code = 0
    if arguments.generate and not started.stopped_by:
        command = [sys.executable, "-m", "generator", "build", *(["--rerun"] if arguments.rerun else [])]
        returncode = started.spawn_generator(command).wait()
        code = returncode if started.stopped_by else exit_code(returncode, "python -m generator build")
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
    started = Started(lock)
    handlers = {signum: signal.signal(signum, started.handle) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = run(arguments, folder, started)
        if started.stopped_by:
            code = 128 + started.stopped_by
            if started.building:
                print(STOPPED_BUILDING, file=sys.stderr)
            elif started.generator is None or started.generator.returncode != 130:  # 130: the generator said so
                print(STOPPED, file=sys.stderr)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        shutil.rmtree(folder / EDITIONS, ignore_errors=True)
        os.close(lock)
    return code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # before main() took over the signals (from here on, after this module's imports)
        sys.exit(130)
