"""One exception root; each subclass carries the exit code the CLI maps it to."""

from __future__ import annotations

from dataclasses import dataclass

INTERRUPTED = "interrupted; the output folder is as it was (or as the last completed build left it)"


class GeneratorError(Exception):
    """Root of every error the generator reports to a person (never a traceback)."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one scenario file."""

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        source, field = one_line(self.source), one_line(self.field)
        if len(field) > SHOWN_FIELD:  # a field is a key as written: an unknown key may be a megabyte long
            field = field[: SHOWN_FIELD - 3] + "..."
        return f"{source}: {field}: {self.message}" if field else f"{source}: {self.message}"


SHOWN_FIELD = 60  # characters of a field (a key, a claim's path) that a message echoes


def one_line(text: str) -> str:
    """`text` with every character that is not printable (a newline in a file name, a control
    character, a bidi override) escaped, so that one problem is one line, shown as it reads."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


class ScenarioError(GeneratorError):
    """Invalid input: every problem found in every file, reported together (exit 2)."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(GeneratorError):
    """A command-line mistake, such as a path that does not exist (exit 2)."""

    exit_code = 2


class MismatchError(GeneratorError):
    """Torch and the exact derivation disagree (exit 3)."""

    exit_code = 3


class OwnershipError(GeneratorError):
    """The output folder holds a file the generator did not write (exit 4)."""

    exit_code = 4


class ForgeryError(GeneratorError):
    """Committed results that carry this machine's rounding fingerprint but are not bit-identical
    to this machine's run: forged, or torch nondeterministic here (exit 1, like a drift)."""

    exit_code = 1


class WorkerError(GeneratorError):
    """The worker process that runs torch for the build (torch_process.py) ended without an answer:
    killed (out of memory, a signal) or crashed (exit 70, as an internal error)."""

    exit_code = 70


class ProgramError(GeneratorError):
    """The program a page shows failed or hung when the generator ran it (exit 6)."""

    exit_code = 6


def problem_lines(error: GeneratorError) -> list[str]:
    """What the CLI prints for one failed scenario: each problem of invalid input, else one error line."""
    if isinstance(error, ScenarioError):
        return [str(problem) for problem in error.problems]
    return [f"error: {error}"]


class RunFailuresError(GeneratorError):
    """Scenarios whose run failed (torch and exact disagree, a shown program failed, a trajectory
    too large), every one of them, in file order; the exit code is the first one's."""

    def __init__(self, failures: list[GeneratorError]) -> None:
        self.failures = failures
        self.exit_code = failures[0].exit_code
        super().__init__("\n".join(str(f) for f in failures))
