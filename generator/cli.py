"""Command line: `python -m generator build|check`. Exceptions become exit codes here only."""

from __future__ import annotations

import argparse
import difflib
import sys
import traceback
from functools import partial
from pathlib import Path
from typing import Any

from generator import results as res
from generator.cache import Cache
from generator.compare import EXACT, REFRESH, Comparison, compare, forgery_lines
from generator.errors import GeneratorError, RunFailuresError, ScenarioError, UsageError, problem_lines
from generator.fingerprint import fingerprint
from generator.languages import languages, page_name
from generator.loading import load_scenarios
from generator.pipeline import (
    Generated,
    build_records,
    cached_run,
    committed_results,
    each_scenario,
    errata_files,
    render_cached,
    render_scenario,
    results_name,
    run_scenario,
    typed,
)
from generator.render import IndexEntry, claim_views, render_index
from generator.values import int_digits
from generator.write import check_out, recover, refuse_foreign, replace_region, write_output

DEFAULT_SCENARIOS = Path("scenarios")
DEFAULT_OUT = Path("docs/scenarios")
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


def index_paths(out: Path) -> list[tuple[Path, str]]:
    """The hand-written pages whose marked region lists the generated pages: index.md beside DIR,
    and index.<language>.md for each other edition, those that exist (with their language)."""
    paths = [(out.parent / page_name("index", language), language) for language in languages()]
    return [(path, language) for path, language in paths if path.exists()]


def index_texts(out: Path, generated: list[Generated]) -> list[tuple[Path, str]]:
    """Each index page with its generated region filled in, in its language."""
    texts = []
    for index, language in index_paths(out):
        entries = [IndexEntry(g.slug, g.kind, g.titles[language], bool(g.claims)) for g in generated]
        lines = render_index(entries, out.name, language)
        texts.append((index, replace_region(index.read_text(encoding="utf-8"), lines, index.as_posix())))
    return texts


def all_files(generated: list[Generated]) -> dict[str, bytes]:
    """Every generated file of the output folder: each scenario's, and the errata page."""
    return {name: content for page in generated for name, content in page.files.items()} | errata_files(generated)


def build(paths: list[Path], out: Path, refresh: bool = False, rerun: bool = False) -> int:
    check_out(out, paths)  # before the slow part: say at once that nothing will be written
    recover(out, [path for path, _ in index_paths(out)])
    refuse_foreign(out)
    cache = Cache()
    records = build_records(paths, out, cache, refresh=refresh, rerun=rerun)
    generated = [render_cached(r.scenario, r.results, out, cache) for r in records]
    try:
        changed = write_output(all_files(generated), out, index_texts(out, generated))
    except OSError as error:
        raise UsageError(f"--out {out.as_posix()}: cannot write there: {error.strerror or error}") from None
    kept = [r for r in records if r.kept]
    rounded = sum(r.rounded for r in kept)
    note = f"; {len(kept)} kept their committed run" if kept else ""
    if rounded:
        note += f" ({rounded} torch values round differently here, all within their bounds)"
    print(f"{len(generated)} scenarios, {len(changed)} files changed in {out}{note}" + "".join(f"\n  {name}" for name in changed))
    return 0


def claims(paths: list[Path]) -> int:
    """One line per claim: right or wrong, by the exact values of a run (the build cache's when it
    holds one for the same scenario and code). Exit 5 when any claim is wrong."""
    scenarios = load_scenarios(paths)
    runs = each_scenario(partial(cached_run, cache=Cache()), scenarios)
    verdicts = [(scenario, claim) for scenario, run in zip(scenarios, runs) for claim in claim_views(typed(scenario, run.results).claims)]
    for scenario, claim in verdicts:
        detail = claim.claimed if claim.right else f"claimed {claim.claimed}, exact {claim.exact}"
        print(f"{scenario.source}: {claim.path}: {claim.verdict}: {detail}")
    wrong = sum(1 for _, claim in verdicts if not claim.right)
    print(f"{len(verdicts)} claims, {wrong} wrong")
    return 5 if wrong else 0


def check(paths: list[Path], out: Path) -> int:
    """Rerun every scenario; the committed results must be reproduced (compare.py), and every
    committed page, plot and index region must be what rendering the committed results gives."""
    check_out(out, paths)
    refuse_foreign(out)  # the same refusal, and advice, as build's
    scenarios = load_scenarios(paths)
    fresh_runs = each_scenario(run_scenario, scenarios)
    here = fingerprint()
    problems: list[str] = []
    comparisons: list[tuple[str, Comparison]] = []
    generated = []
    committed_platforms: set[str] = set()
    forged = False
    for scenario, fresh in zip(scenarios, fresh_runs):
        committed = committed_results(scenario, out)
        record = fresh
        name = f"{out / results_name(scenario)}: {scenario.source}"
        if committed is None:
            problems.append(f"{name}: missing or not JSON")
        else:
            comparison = compare(committed, fresh, here)
            problems += [f"{name}: {line}" for line in comparison.differences]
            problems += forgery_lines(name, comparison, here) if comparison.forged else [f"{name}: {m}" for m in comparison.mismatches]
            comparisons.append((str(out / results_name(scenario)), comparison))
            forged = forged or comparison.forged
            committed_platforms.add(res.platform_text(committed.get("platform") or {"torch": committed["torch"]}))
            if comparison.reproduced:
                record = committed
        generated.append(render_scenario(scenario, record))
    expected = all_files(generated)
    diffs: list[str] = []
    committed_names = {p.name for p in out.glob("*")} if out.exists() else set()
    for name in sorted(committed_names | set(expected)):
        if name.endswith(".json") and name in expected and name in committed_names:
            continue  # compared above, semantically
        diffs += _diff(out / name, expected[name].decode("utf-8") if name in expected else "")
    for index, text in index_texts(out, generated):
        diffs += _diff(index, text)
    if problems or diffs:
        sys.stdout.writelines(line + "\n" for line in problems)
        sys.stdout.writelines(diffs)
        print(
            f"\n{out} is not what the scenarios give: {len(problems)} results difference(s) beyond torch's rounding, "
            f"{sum(1 for d in diffs if d.startswith('--- '))} file(s) differing from a render of the committed results. "
            "Run `python -m generator build` (or `make docs`) and commit the result"
            + (f"; where values were forged or torch is nondeterministic, `{REFRESH}` records this machine's run." if forged else ".")
        )
        return 1
    rounded = sum(c.rounded for _, c in comparisons)
    where = f" (committed: {', '.join(sorted(committed_platforms))}; here: {platform_here(fresh_runs)})"
    if rounded:
        print(
            f"{len(generated)} scenarios current; {rounded} torch values differ from the committed run in the last bits{where}, "
            "all within their verified bounds"
        )
    else:
        print(f"{len(generated)} scenarios current; every torch value equals the committed run's{where}")
    print("\n".join(explanation(comparisons, here)))
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


def platform_here(runs: list[dict[str, Any]]) -> str:
    return res.platform_text(runs[0]["platform"]) if runs else "?"


def _diff(path: Path, expected: str) -> list[str]:
    actual = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    if actual == expected:
        return []
    return list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), f"{path} (committed)", f"{path} (expected)"))


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    paths = arguments.paths or [DEFAULT_SCENARIOS]
    try:
        with int_digits(0):  # exact values may run to thousands of digits; input is read under the default limit
            if arguments.command == "build":
                return build(paths, arguments.out, refresh=arguments.refresh, rerun=arguments.rerun)
            if arguments.command == "claims":
                return claims(paths)
            return check(paths, arguments.out)
    except KeyboardInterrupt:
        print("interrupted; the output folder is as it was (or as the last completed build left it)", file=sys.stderr)
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
    except Exception as error:  # the last line of defence: one line, not a traceback
        if arguments.debug:
            traceback.print_exc()
        else:
            print(f"internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback)", file=sys.stderr)
        return 70
