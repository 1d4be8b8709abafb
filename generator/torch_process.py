"""Torch's part of a run, in worker processes forked from the program server, so that the build's
own process never imports torch.

Importing torch, and torch._dynamo (which torch.optim imports when an optimizer is made), costs a
process about 2 s of CPU. The program server (program.py) has imported both already, to run the
shown programs. A worker forked from it runs scenarios' `compute`, the seeded DataLoader's shuffle
(linreg_sgd/shuffle.py), and measures the machine (torch's version, its CPU capability, the
rounding fingerprint), one call at a time, and sends back what it found; the build keeps one
worker for each scenario it runs at once, for as long as it lasts, so torch's kernels stay warm.
The build's own process meanwhile parses, derives the exact values and renders, on another core.
The values are torch's, on this machine, with one intra-op thread, as in the build's own process:
the same bits (`build --rerun` keeps every committed run; tests/test_torch_process.py).

Only `python -m generator` turns this on (`enable`), as it turns on aside.py: a test's patch in
this process does not reach a worker. Off, everything runs here, as before.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TypeVar

from generator import fingerprint, program
from generator.errors import GeneratorError, WorkerError
from generator.kinds import KINDS
from generator.scenario import Scenario

T = TypeVar("T")
_ENABLED: list[bool] = []  # [True] once enabled
_found: dict[Callable[[], object], object] = {}  # what `_once` found, by the function that found it
_found_lock = threading.Lock()


def enable() -> None:
    """From here on, torch runs in the program server's workers (python -m generator)."""
    _ENABLED[:] = [True]


def enabled() -> bool:
    return bool(_ENABLED)


def compute(scenario: Scenario) -> object:
    """The scenario's kind's `compute`: every intermediate of the real torch run."""
    return call(_compute, scenario)


def call(function: Callable[..., T], *arguments: object) -> T:
    """function(*arguments), in a worker when enabled, else here. The function is a module's own
    (the worker imports it by name) and its value pickles."""
    return _in_worker(function, *arguments) if enabled() else function(*arguments)


def torch_facts() -> tuple[str, str]:
    """torch's version and the CPU capability its kernels use here, found once."""
    return _once(_torch_facts)


def fingerprint_here() -> str:
    """This machine's rounding fingerprint (16 hex digits), measured once a process, or
    GENERATOR_FINGERPRINT when set: always measured, never read from a results file."""
    return fingerprint.override() or _once(fingerprint.measure)


def _once(function: Callable[[], T]) -> T:
    """function(), called once (in a worker when enabled); one thread calls it, the others wait for it."""
    with _found_lock:
        if function not in _found:
            _found[function] = call(function)
        return _found[function]  # type: ignore[return-value]


def _compute(scenario: Scenario) -> object:
    fingerprint.single_threaded_torch()
    return KINDS[scenario.kind].compute(scenario)


def _torch_facts() -> tuple[str, str]:
    import torch

    return str(torch.__version__), str(torch.backends.cpu.get_cpu_capability())  # plain str: TorchVersion would import torch here


@dataclass(frozen=True)
class Failure:
    """What a call raised in the worker: the exception itself when it comes back whole through
    pickle, else its text; and the traceback there (what --debug shows, as the exception's cause)."""

    error: BaseException | None
    text: str
    trace: str

    @staticmethod
    def of(error: BaseException) -> Failure:
        trace = "".join(traceback.format_exception(error))
        if isinstance(error, Exception) and _travels(error):
            return Failure(error, "", trace)
        if isinstance(error, GeneratorError):  # one whose class cannot be built again from its arguments: its message and exit code
            substitute = GeneratorError(str(error))
            substitute.exit_code = error.exit_code
            return Failure(substitute, "", trace)
        return Failure(None, f"{type(error).__name__}: {error}", trace)

    def raised(self) -> BaseException:
        error = self.error or RuntimeError(f"torch's worker process: {self.text}")
        error.__cause__ = WorkerTraceback(self.trace)
        return error


class WorkerTraceback(Exception):  # noqa: N818 (not an error: the traceback of one, as multiprocessing.pool's RemoteTraceback)
    """Where, in torch's worker process, the exception after it was raised."""

    def __str__(self) -> str:
        return f'\n"""\n{self.args[0]}"""' if self.args and self.args[0] else "(no traceback)"


class _Worker:
    """A process forked from the program server that runs torch's part of runs, one call at a time,
    for as long as the build lasts: forked once, so each scenario after the first finds torch's
    kernels already warm (a fresh fork a call cost the 100-scenario build 2 s more than no fork)."""

    def __init__(self) -> None:
        program.server()
        self.connection, theirs = multiprocessing.Pipe()
        # daemon: ended with the build (multiprocessing's exit handler), which never waits for one
        self.process = program.Forked(target=_serve, args=(theirs,), daemon=True)
        with program.CHILDREN_LOCK:
            self.process.start()
        theirs.close()

    def ended(self) -> bool:
        """Whether this idle worker has ended (killed): an idle worker never writes, so anything to
        read on its pipe is the end of it."""
        return self.connection.poll()

    def ask(self, function: Callable[..., object], arguments: tuple[object, ...]) -> tuple[bool, object]:
        """(True, the value) or (False, a Failure); WorkerError when it ended without an answer."""
        try:
            self.connection.send((function, arguments))
            answer: tuple[bool, object] = self.connection.recv()
        except (EOFError, OSError):  # killed, or crashed, while running it
            self.close()
            code = self.process.exitcode
            raise WorkerError(f"torch's worker process ended without an answer (exit {code}: killed, or crashed)") from None
        return answer

    def close(self) -> None:
        self.connection.close()
        with program.CHILDREN_LOCK:
            self.process.join()


_idle: list[_Worker] = []  # the workers not running a call
_idle_lock = threading.Lock()


def _in_worker(function: Callable[..., T], *arguments: object) -> T:
    """function(*arguments) in a worker process: its value, or what it raised. One worker a calling
    thread at a time; a new one when every worker is busy (the build runs pipeline.WORKERS scenarios)."""
    worker = _take()
    succeeded, outcome = worker.ask(function, arguments)  # WorkerError: that worker is gone
    with _idle_lock:
        _idle.append(worker)  # it answered, even if with an error: it is kept
    if succeeded:
        return outcome  # type: ignore[return-value]
    assert isinstance(outcome, Failure)
    raise outcome.raised()


def _take() -> _Worker:
    """An idle worker, or a new one. One killed while idle is closed and passed over: it lost no run."""
    while True:
        with _idle_lock:
            worker = _idle.pop() if _idle else None
        if worker is None:
            return _Worker()
        if not worker.ended():
            return worker
        worker.close()


def _serve(connection: Connection) -> None:
    """In the worker: run each call sent, answer (True, value) or (False, a Failure), until the
    build closes its end. SystemExit ends the worker (the build is told it ended)."""
    while True:
        try:
            function, arguments = connection.recv()
        except (EOFError, OSError):  # the build has ended
            break
        try:
            answer: tuple[bool, object] = (True, function(*arguments))
        except SystemExit:
            raise
        except BaseException as error:
            answer = (False, Failure.of(error))
        try:
            try:
                connection.send(answer)
            except (pickle.PicklingError, TypeError, AttributeError) as error:  # a value that cannot travel
                connection.send((False, Failure(None, f"its answer could not be sent: {error}", traceback.format_exc())))
        except (EOFError, OSError):  # the build has ended (interrupted): nobody to tell
            break
    connection.close()
    os._exit(0)


def _travels(error: BaseException) -> bool:
    """Whether the exception comes back whole through pickle (not one whose class cannot take its arguments again)."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True
