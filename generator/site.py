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

Exit codes: 0 built; the generator's own when it failed (nothing built); 1 when a build failed (no
other edition is moved into site/, emptied by the default edition's build); 2 wrong usage; 130
interrupted (the generator or the builder says so).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.site_edition import GO

BUILDERS = ("mkdocs", "properdocs")
DEFAULT_CONFIG = Path("mkdocs.yml")
EDITIONS = Path(".site-editions")  # the other editions' builds, until every one has succeeded


@dataclass(frozen=True)
class Edition:
    language: str  # "" for the default edition (mkdocs.yml)
    process: subprocess.Popen[str]


def configs(folder: Path) -> list[tuple[str, Path]]:
    """(language, config): mkdocs.yml first, as "", then each mkdocs.<language>.yml by name."""
    others = sorted(folder.glob("mkdocs.*.yml"))
    return [("", folder / DEFAULT_CONFIG)] + [(path.name.removeprefix("mkdocs.").removesuffix(".yml"), path) for path in others]


def start(builder: str, folder: Path) -> list[Edition]:
    editions = []
    for language, config in configs(folder):
        arguments = ["build", "--strict", "--quiet", "-f", config.name] + (["--site-dir", str(EDITIONS / language)] if language else [])
        process = subprocess.Popen([sys.executable, "-m", "generator.site_edition", builder, *arguments], cwd=folder,
                                   stdin=subprocess.PIPE, text=True)
        editions.append(Edition(language, process))
    return editions


def generate(rerun: bool) -> int:
    """`python -m generator build`'s exit code. A Ctrl-C reaches it from the terminal as it reaches
    this process: it ends on its own, saying so, and it is waited for (never killed half-way)."""
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", *(["--rerun"] if rerun else [])])
    interrupted = False
    while True:
        try:
            code = process.wait()
            return 130 if interrupted else code
        except KeyboardInterrupt:
            interrupted = True


def finish(editions: list[Edition], build: bool) -> list[int]:
    """Each edition's exit code, once told to build (`build`) or stopped, and waited for."""
    for edition in editions:
        assert edition.process.stdin is not None
        try:
            if build:
                edition.process.stdin.write(GO + "\n")
            edition.process.stdin.close()
        except BrokenPipeError:  # it has already ended (interrupted): its code says so
            pass
        if not build:
            edition.process.terminate()  # not waiting for it to get ready: it ends as it is, having written nothing
    codes = []
    for edition in editions:
        while True:
            try:
                codes.append(edition.process.wait())
                break
            except KeyboardInterrupt:  # it was interrupted as well, and is ending
                pass
    return codes


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="run `python -m generator build` first (make docs)")
    parser.add_argument("--rerun", action="store_true", help="with --generate: ignore the build cache")
    parser.add_argument("--builder", default=BUILDERS[0], help=f"the site builder: {' or '.join(BUILDERS)} (default: %(default)s)")
    return parser


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
    shutil.rmtree(folder / EDITIONS, ignore_errors=True)
    editions: list[Edition] = []
    code = 130  # until the generator says otherwise
    try:
        editions = start(arguments.builder, folder)
        code = generate(arguments.rerun) if arguments.generate else 0
    except KeyboardInterrupt:
        pass
    finally:
        codes = finish(editions, build=code == 0)
    if code:
        return code
    if any(codes):
        shutil.rmtree(folder / EDITIONS, ignore_errors=True)
        return 130 if 130 in codes else 1
    for edition in editions[1:]:
        target = folder / "site" / edition.language
        shutil.rmtree(target, ignore_errors=True)
        os.replace(folder / EDITIONS / edition.language, target)
    shutil.rmtree(folder / EDITIONS, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # outside the waits that main() makes interruptible: no traceback
        sys.exit(130)
