"""The downloads beside every page, rendered from the results alone (no torch):

    <slug>.py      the program the page shows, exactly, then a self-check of what it printed
    (.zh.py)       against the exact values, each within its verified bound (exit 1 otherwise);
                   another edition's twin has its comments in that edition's words
                   (generator/comments.py), its code token for token the same
    <slug>.ipynb   the worked solution as a notebook: the page's derivation in Markdown cells, each
    (.zh.ipynb)    step of the program under the part it computes, then the self-check, with the
                   generator's own run as stored outputs (generator/notebook.py)
    <slug>.scenario.toml   the scenario file the page was built from, its text unchanged after two
                   comment lines (the generator's marker, and what the file is)

The self-check's code is templates/programs/_self-check.py, shown verbatim in both; the generator
runs the same code on the run's output to store the notebook's last output.
"""

from __future__ import annotations

import functools
import io
import math
from typing import Any

from generator import comments, marker
from generator.codec import RealV, V
from generator.errors import ProgramError
from generator.kinds.base import Printed
from generator.languages import TEMPLATES

# (quantity, exact value, verified bound), in print order; an irrational exact value as its
# enclosure (lo, hi), decimals rounded outward
Expected = list[tuple[str, str | tuple[str, str], float | None]]


def program_source(name: str) -> str:
    """A piece both downloads show verbatim: templates/programs/_tee.py or _self-check.py."""
    return (TEMPLATES / "programs" / name).read_text(encoding="utf-8")


def expected(printed: list[Printed]) -> Expected:
    """Each printed value's quantity, exact value and bound. Where torch's recorded value is inf or
    nan (an overflow the run verified was possible), or has no bound (after torch's parameters went
    non-finite), the bound is None: the value is not compared."""
    return [(p.path, _exact(p.value), p.value.bound if math.isfinite(p.value.value) else None) for p in printed]


def _exact(value: V | RealV) -> str | tuple[str, str]:
    if isinstance(value, RealV) and value.exact is None:
        return (str(value.lo), str(value.hi))
    return str(value.exact)


def program_template(kind: str) -> str:
    """A kind's shown program, as an error names it."""
    return f"templates/programs/{kind}.py.j2"


def self_check_run(kind: str, source: str, printed: str, values: Expected) -> None:
    """The downloads' self-check on the run's own output, before the run is kept or cached. It fails
    when the program template prints values its kind's `printed` does not pair (an edit that added,
    dropped or moved a printed number): ProgramError (exit 6) naming the template."""
    status, line = check_output(printed, values)
    if status != 0:
        failure = line.strip().removeprefix("self-check: ")
        raise ProgramError(
            f"{source}: {program_template(kind)}: the shown program's output fails its own self-check: {failure} "
            "(the template must print the values its kind's `printed` lists, in that order)"
        )


def expected_literal(values: Expected) -> str:
    lines = "".join(f"    ({quantity!r}, {exact!r}, {bound!r}),\n" for quantity, exact, bound in values)
    comment = "# (quantity in the results file, exact value, verified bound), in the order the program prints them\n"
    if any(isinstance(exact, tuple) for _, exact, _ in values):
        comment = ("# (quantity in the results file, exact value, verified bound), in the order the program prints them;\n"
                   "# an irrational exact value (a log, an exp) as (lo, hi): decimals that enclose it\n")
    return f"{comment}EXPECTED = [\n{lines}]\n"


def check_output(printed: str, values: Expected) -> tuple[int, str]:
    """What the self-check prints for `printed`, and its exit status: the same code the downloads hold."""
    shown = io.StringIO()
    # its own `print`, not a redirected sys.stdout: the pipeline renders pages in threads, and a
    # redirect is process-wide (one page's line was stored in another's notebook)
    namespace: dict[str, Any] = {"print": functools.partial(print, file=shown)}
    exec(compile(program_source("_self-check.py"), "_self-check.py", "exec"), namespace)
    status = namespace["self_check"](printed, values)
    return int(status), shown.getvalue()


def header(source: str, slug: str) -> str:
    return (
        f"{marker.comment(source)}\n\n"
        f"# The program of the page {slug}, exactly as shown there, then a self-check: every value it prints is\n"
        "# compared with the exact derivation, within the verified bound of torch's error. Needs only torch (2.0 or\n"
        "# later). Prints one line and exits 0 when all agree; exits 1 naming the first value that does not.\n\n"
    )


def divider(words: str) -> str:
    return f"# ---- {words} " + "-" * (88 - len(words)) + "\n"


def script(source: str, slug: str, program: str, values: Expected, language: str) -> str:
    """<slug>.py (or <slug>.<language>.py): the tee, the program as the page shows it, the
    self-check; the comments in the edition's words."""
    text = (
        header(source, slug)
        + program_source("_tee.py")
        + "\n" + divider("the program, as the page shows it") + "\n"
        + program
        + "\n" + divider("the self-check") + "\n"
        + program_source("_self-check.py")
        + "\n\n"
        + expected_literal(values)
        + "\nsys.stdout = program_output.stream\nsys.exit(self_check(program_output.kept.getvalue(), EXPECTED))\n"
    )
    return comments.translate(text, language)


def scenario_name(slug: str) -> str:
    """The published scenario file's name: a name no scenario can have (a slug holds no "."), which
    `build` never reads as a scenario (loading.scenario_files)."""
    return f"{slug}{marker.SCENARIO_COPY}"


def scenario_copy(source: str, slug: str, text: str) -> str:
    """<slug>.scenario.toml: the scenario file's text after two comment lines, so it reads as the
    same TOML table (tests/test_downloads.py parses both)."""
    return f"{marker.comment(source)}\n# The scenario file of the page {slug}, exactly as it was built.\n{text}"
