"""Command line: `python -m generator build|check`. Exceptions become exit codes here only."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

import jinja2

from generator import phases, pipeline
from generator.compare import EXACT, REFRESH, Comparison
from generator.errors import INTERRUPTED, GeneratorError, RunFailuresError, ScenarioError, problem_lines
from generator.render import template_problem
from generator.values import int_digits
from generator.write import DEFAULT_OUT

DEFAULT_SCENARIOS = Path("scenarios")
EXIT_CODES = (
    "Exit codes: 0 done, 1 check found differences, 2 invalid input or usage, 5 a claim is wrong (claims), "
    "3 torch and exact disagree, 4 output folder holds files the generator does not own, "
    "6 a page's program failed or fails its self-check, "
    "70 internal error, 130 interrupted. When several scenarios fail, each is listed and the code is the first one's."
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m generator",
        description="Run scenarios through torch and exact sympy arithmetic, check they agree, and write worked-solution pages.",
        epilog=EXIT_CODES,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in (
        ("build", "generate <slug>.md and <slug>.json for every scenario into the output folder"),
        ("claims", "print the verdict on every claim of the scenarios' [claims] tables; exit 5 when any is wrong"),
        ("check", "rerun every scenario; fail unless the committed output is what it gives, torch's floats within their bounds"),
    ):
        command = commands.add_parser(name, help=summary, description=summary, epilog=EXIT_CODES)
        command.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="scenario files or folders (default: scenarios/)")
        if name != "claims":  # claims writes nothing and reads no output folder
            help_out = "output folder, generated files only (default: docs/scenarios/)"
            command.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=help_out)
        command.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
        if name == "build":
            command.add_argument(
                "--refresh", action="store_true", help="write this machine's run even where it reproduces the committed results"
            )
            command.add_argument(
                "--rerun", action="store_true", help="ignore the build cache (.cache/generator/): run every scenario again"
            )
    return top


def build(paths: list[Path], out: Path, refresh: bool = False, rerun: bool = False, render_aside: bool = False) -> int:
    built = pipeline.build(paths, out, refresh=refresh, rerun=rerun, render_aside=render_aside)
    kept = [r for r in built.records if r.kept]
    rounded = sum(r.rounded for r in kept)
    note = f"; {len(kept)} kept their committed run" if kept else ""
    if rounded:
        note += f" ({rounded} torch values round differently here, all within their bounds)"
    changed = "".join(f"\n  {name}" for name in built.changed)
    print(f"{len(built.generated)} scenarios, {len(built.changed)} files changed in {out}{note}{changed}")
    return 0


def claims(paths: list[Path]) -> int:
    """One line per claim: right or wrong, by the exact values of a run (the build cache's when it
    holds one for the same scenario and code). Exit 5 when any claim is wrong."""
    verdicts = pipeline.claim_verdicts(paths)
    for scenario, claim in verdicts:
        detail = claim.claimed if claim.right else f"claimed {claim.claimed}, exact {claim.exact}"
        print(f"{scenario.source}: {claim.path}: {claim.verdict}: {detail}")
    wrong = sum(1 for _, claim in verdicts if not claim.right)
    print(f"{len(verdicts)} claims, {wrong} wrong")
    return 5 if wrong else 0


def check(paths: list[Path], out: Path, render_aside: bool = False) -> int:
    """Rerun every scenario and compare (pipeline.check); print what was found, and how."""
    checked = pipeline.check(paths, out, render_aside=render_aside)
    if checked.problems or checked.diffs:
        sys.stdout.writelines(line + "\n" for line in checked.problems)
        sys.stdout.writelines(checked.diffs)
        print(
            f"\n{out} is not what the scenarios give: {len(checked.problems)} results difference(s) beyond torch's rounding, "
            f"{sum(1 for d in checked.diffs if d.startswith('--- '))} file(s) differing from a render of the committed results. "
            "Run `python -m generator build` (or `make docs`) and commit the result"
            + (f"; where values were forged or torch is nondeterministic, `{REFRESH}` records this machine's run."
               if checked.forged else ".")
        )
        return 1
    rounded = sum(c.rounded for _, c in checked.comparisons)
    where = f" (committed: {', '.join(sorted(checked.committed_platforms))}; here: {checked.platform_here})"
    count = len(checked.comparisons)
    if rounded:
        print(
            f"{count} scenarios current; {rounded} torch values differ from the committed run in the last bits{where}, "
            "all within their verified bounds"
        )
    else:
        print(f"{count} scenarios current; every torch value equals the committed run's{where}")
    print("\n".join(explanation(checked.comparisons, checked.here)))
    return 0


def explanation(comparisons: list[tuple[str, Comparison]], here: str) -> list[str]:
    """How check compared (bit for bit, or within the bounds, and why) and how close any value came to its bound."""
    exact = sum(1 for _, c in comparisons if c.mode == EXACT)
    lines = []
    if exact:
        lines.append(f"compared bit for bit: {exact} scenario(s) whose committed rounding fingerprint is this machine's ({here})")
    if exact < len(comparisons):
        lines.append(
            f"compared within the verified bounds: {len(comparisons) - exact} scenario(s) whose committed rounding fingerprint "
            f"is not this machine's ({here}) or that have none; their platform text cannot be verified here"
        )
    closest = [(c.largest, name) for name, c in comparisons if c.largest is not None]
    if closest:
        largest, name = max(closest, key=lambda pair: pair[0].ratio)
        lines.append(
            f"largest |torch - exact| / bound: {largest.ratio:.3g} ({name}: {largest.path}): how close any torch value came "
            "to its bound (1: the bound is that value's own rounding error)"
        )
    return lines


def main(argv: list[str] | None = None, render_aside: bool = False) -> int:
    """The command line; `render_aside` (`python -m generator`) renders pages in a second process
    while scenarios run (build and check). Off by default, for callers in this process: a second process does not
    share what they changed in this one (a test's patch)."""
    arguments = parser().parse_args(argv)
    paths = arguments.paths or [DEFAULT_SCENARIOS]
    try:
        with int_digits(0):  # exact values may run to thousands of digits; input is read under the default limit
            if arguments.command == "build":
                return build(paths, arguments.out, refresh=arguments.refresh, rerun=arguments.rerun, render_aside=render_aside)
            if arguments.command == "claims":
                return claims(paths)
            return check(paths, arguments.out, render_aside=render_aside)
    except KeyboardInterrupt:
        phases.release()
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except ScenarioError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing was written.", file=sys.stderr)
        return error.exit_code
    except RunFailuresError as error:
        for failure in error.failures:
            print("\n".join(problem_lines(failure)), file=sys.stderr)
        print(f"{len(error.failures)} scenario(s) failed; nothing was written.", file=sys.stderr)
        return error.exit_code
    except GeneratorError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except jinja2.TemplateError as error:  # a page template missing or broken: the project's files, not a bug
        print(f"error: {template_problem(error)}", file=sys.stderr)
        return 2
    except Exception as error:  # the last line of defence: one line, not a traceback
        if arguments.debug:
            traceback.print_exc()
        else:
            print(f"internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback)", file=sys.stderr)
        return 70
