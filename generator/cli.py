"""Command line: `python -m generator build|check`. Exceptions become exit codes here only."""

from __future__ import annotations

import argparse
import difflib
import sys
import traceback
from pathlib import Path

from generator.errors import GeneratorError, ScenarioError
from generator.kinds import registry
from generator.pipeline import Generated, generate
from generator.render import render_index
from generator.write import refuse_foreign, replace_region, write_if_changed, write_output

DEFAULT_SCENARIOS = Path("scenarios")
DEFAULT_OUT = Path("docs/scenarios")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m generator",
        description="Run scenarios through torch and exact sympy arithmetic, check they agree, and write worked-solution pages.",
        epilog=(
            "Exit codes: 0 done, 1 check found differences, 2 invalid input or usage, "
            "3 torch and exact disagree, 4 output folder holds files the generator does not own."
        ),
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in (
        ("build", "generate <slug>.md and <slug>.json for every scenario into the output folder"),
        ("check", "regenerate in memory and fail with a diff if the committed output differs; writes nothing"),
    ):
        command = commands.add_parser(name, help=summary, description=summary)
        command.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="scenario files or folders (default: scenarios/)")
        command.add_argument(
            "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder, generated files only (default: docs/scenarios/)"
        )
        command.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    return top


def index_path(out: Path) -> Path:
    """The hand-written page whose marked region lists the generated pages: index.md beside DIR."""
    return out.parent / "index.md"


def index_text(out: Path, generated: list[Generated]) -> str | None:
    index = index_path(out)
    if not index.exists():
        return None
    sections = {name: kind.section for name, kind in registry().items()}
    lines = render_index(generated, sections, out.name)
    return replace_region(index.read_text(encoding="utf-8"), lines, index.as_posix())


def all_files(generated: list[Generated]) -> dict[str, bytes]:
    return {name: content for page in generated for name, content in page.files.items()}


def build(paths: list[Path], out: Path) -> int:
    refuse_foreign(out)  # before the slow part: say at once that nothing will be written
    generated = generate(paths)
    index = index_text(out, generated)
    changed = write_output(all_files(generated), out)
    if index is not None and write_if_changed(index_path(out), index):
        changed.append(index_path(out).as_posix())
    print(f"{len(generated)} scenarios, {len(changed)} files changed in {out}" + "".join(f"\n  {name}" for name in changed))
    return 0


def check(paths: list[Path], out: Path) -> int:
    generated = generate(paths)
    expected = all_files(generated)
    diffs: list[str] = []
    committed = {p.name for p in out.glob("*")} if out.exists() else set()
    for name in sorted(committed | set(expected)):
        diffs += _diff(out / name, expected[name].decode("utf-8") if name in expected else "")
    index = index_text(out, generated)
    if index is not None:
        diffs += _diff(index_path(out), index)
    if diffs:
        sys.stdout.writelines(diffs)
        print(f"\n{out} differs from a fresh generation; run `python -m generator build` (or `make docs`) and commit the result.")
        return 1
    print(f"{len(generated)} scenarios: {out} equals a fresh generation")
    return 0


def _diff(path: Path, expected: str) -> list[str]:
    actual = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    if actual == expected:
        return []
    return list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), f"{path} (committed)", f"{path} (fresh)"))


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    paths = arguments.paths or [DEFAULT_SCENARIOS]
    action = build if arguments.command == "build" else check
    try:
        return action(paths, arguments.out)
    except ScenarioError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing was written.", file=sys.stderr)
        return error.exit_code
    except GeneratorError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if arguments.debug:
            traceback.print_exc()
        else:
            print(f"internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback)", file=sys.stderr)
        return 70
