"""Pages rendered in a second process while this one runs the next scenarios.

A build runs its scenarios in this process (threads, held to one core by Python's lock) and used to
render their pages only after the last run, on the same core, while the machine's other cores were
idle. With `Aside`, each scenario's render is sent, as soon as its run is done, to one second
process, which renders them in order. The render is pure: the same scenario and results give the
same bytes in any process.

The command line forks that process from its own at the start (`start_early`, while it has no other
thread), so it imports matplotlib and compiles the templates while the program server imports
torch: on a cold build of the source post's 3 scenarios the last render used to start that work
after the last run. Otherwise (a caller with threads, as the tests are) it is forked from the
program server at the first `submit`, and only once the server runs.

The second process only saves time. When it fails in any way (an error in a render, a crash, a
result it cannot send), `take` says None and the caller renders in this process, which then
raises the error itself, as it would have without the second process.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import nullcontext
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from generator import program

if TYPE_CHECKING:  # pipeline imports this module
    from generator.overview import Generated
    from generator.results import Run
    from generator.scenario import Scenario

WAKE_SECONDS = 0.2  # a thread waiting in `take` looks up this often, so a Ctrl-C reaches it (as in pipeline.each_scenario)
STOP_SECONDS = 2.0  # how long close waits for a stopped (SIGTERM) second process before it kills it
_stopping = False


def _stop(signum: int, frame: object) -> None:
    """SIGTERM in the second process (close): end now, but through Python, so that a file lock it
    holds (matplotlib's font cache, written while it warms up) is let go by its `finally`."""
    global _stopping
    _stopping = True
    raise SystemExit(0)


def _serve(tasks: Connection, results: Connection, warm: bool = False) -> None:
    """In the second process: render each (slug, folder, scenario, run, results bytes) it is sent,
    in order, and send back (slug, Generated), or (slug, None) when the render failed. With `warm`
    (forked early, before any task), first import and load what a render needs (warm_up)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to report
    signal.signal(signal.SIGTERM, _stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by start_early, across the fork
    quiet = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):  # nothing of this process reaches the build's terminal, or holds its pipes open
        os.dup2(quiet, fd)
    os.close(quiet)
    sys.set_int_max_str_digits(0)  # as the build renders (cli.int_digits): exact values of thousands of digits
    from generator.pipeline import render_scenario

    if warm:
        warm_up()
    while True:
        try:
            slug, folder, scenario, run, results_bytes = tasks.recv()
        except (EOFError, OSError):  # the build is done, or gone
            os._exit(0)
        try:
            os.chdir(folder)  # a scenario's linked pages are read beside its file, by a path from the build's folder
            generated: Generated | None = render_scenario(scenario, run, results_bytes)
        except BaseException:  # the build renders this one itself, and reports what it raises
            if _stopping:
                raise
            generated = None
        try:
            results.send((slug, generated))
        except (EOFError, OSError):
            os._exit(0)
        except Exception:  # a render that cannot be sent: the build renders it itself
            results.send((slug, None))


def warm_up() -> None:
    """What the first render would load: matplotlib with its fonts (one small plot drawn, with the
    same settings as every plot: the bytes of later plots do not depend on it), and every kind's
    page templates, compiled. Anything that fails here fails again in the render that needs it."""
    try:
        from generator import plot
        from generator.kinds import KINDS
        from generator.languages import languages
        from generator.plot_spec import Axes, Series
        from generator.render import environment

        plot.loss_plot([Series("a", [0, 1], [1.0, 0.5], "o-")], Axes("x", "y", "log y"), "", "warm")
        plot.forget_drawn()
        for kind in KINDS.values():
            for language in languages():
                environment(language).get_template(kind.template)
    except Exception:
        pass


def _serve_forked_early(tasks: Connection, results: Connection, kept: tuple[int, ...]) -> None:
    """In the second process forked from the build's own (start_early): let go of every file the
    build had open (its output folder's lock among them), then serve."""
    descriptors = sorted({0, 1, 2, *kept})
    for low, high in zip(descriptors, [*descriptors[1:], os.sysconf("SC_OPEN_MAX")]):
        os.closerange(low + 1, high)
    if 0 not in kept:  # started with its standard input closed, the build's fd 0 may be its output lock
        quiet = os.open(os.devnull, os.O_RDONLY)
        if quiet != 0:
            os.dup2(quiet, 0)
            os.close(quiet)
    _serve(tasks, results, warm=True)


class Aside:
    """The second process, started early (start_early) or at the first `submit`; a context manager
    that stops it."""

    def __init__(self) -> None:
        self._tasks: Connection | None = None
        self._results: Connection | None = None
        self._process: BaseProcess | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._done: dict[str, Generated] = {}
        self._waiting: set[str] = set()
        self._arrived = threading.Condition()
        self._broken = False
        self._closed = False

    def __enter__(self) -> Aside:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        self.close(finish=kind is None)  # interrupted or failed: the second process is stopped at once

    def start_early(self) -> None:
        """Fork the second process now, from this one, while it has no other thread (else do
        nothing: it starts at the first submit, from the program server). It then loads what a
        render needs while this process derives and the program server imports torch: the first
        render of a cold build no longer imports matplotlib after the last run."""
        import multiprocessing

        with self._lock:
            if self._tasks is not None or self._closed or threading.active_count() > 1:
                return
            tasks_in, tasks_out = multiprocessing.Pipe(duplex=False)
            results_in, results_out = multiprocessing.Pipe(duplex=False)
            kept = (tasks_in.fileno(), results_out.fileno())
            process = multiprocessing.get_context("fork").Process(target=_serve_forked_early, args=(tasks_in, results_out, kept))
            # A Ctrl-C now is this process's alone, and is raised only once the process is kept (close
            # stops it); the reader thread started meanwhile keeps SIGINT blocked (phases.main_thread_only).
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                try:
                    with program.CHILDREN_LOCK:
                        process.start()
                except Exception:
                    for end in (tasks_in, tasks_out, results_in, results_out):
                        end.close()
                    return
                self._began(process, tasks_in, tasks_out, results_in, results_out)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def submit(self, slug: str, scenario: Scenario, run: Run[object], results_bytes: bytes) -> None:
        """Start rendering one scenario in the second process (from any thread), if it was forked
        early or the program server runs already: a build that runs nothing (a template edit) never
        starts the server for this, which would cost more than it saves."""
        with self._lock:
            if self._broken or self._closed or (self._tasks is None and not program.started()):
                return
            try:
                if self._tasks is None:
                    self._start()
                assert self._tasks is not None
                with self._arrived:
                    self._waiting.add(slug)
                self._tasks.send((slug, os.getcwd(), scenario, run, results_bytes))
            except Exception:
                self._fail()

    def take(self, slug: str) -> Generated | None:
        """The Generated of `slug` rendered in the second process, once it has arrived; None when it
        was never sent there or the second process failed (the caller then renders it itself)."""
        with self._arrived:
            while slug in self._waiting and not self._broken:
                self._arrived.wait(WAKE_SECONDS)
            return self._done.pop(slug, None)

    def close(self, finish: bool = True) -> None:
        process = self._process
        with self._arrived:
            idle = not self._waiting  # nothing left to render: a process still warming up need not finish that
        stopping = (not finish or idle) and process is not None
        if stopping and process is not None:
            try:
                process.terminate()  # first: a thread sending it a task while it renders is then let go (EPIPE)
            except Exception:  # not started yet: joined below, once its starter lets go of the lock
                pass
        with self._lock:
            self._closed = True  # a scenario that finishes after an interrupt starts nothing
            if self._tasks is not None:
                self._tasks.close()  # the second process reads EOF and ends; so then does the reader
                self._tasks = None
            if self._process is not None:
                # one forked from the server is reaped under CHILDREN_LOCK (program.py); one forked from this
                # process (start_early) is not: a worker's start holds that lock while the server imports torch
                with program.CHILDREN_LOCK if isinstance(self._process, program.Forked) else nullcontext():
                    self._stopped(self._process, stopping)
                self._process = None
            if self._reader is not None:
                if self._reader.ident is not None:  # started (a Ctrl-C in _began's Thread.start leaves it not)
                    self._reader.join()
                self._reader = None

    @staticmethod
    def _stopped(process: BaseProcess, stopping: bool) -> None:
        """Wait for the second process to end, killing it if a SIGTERM (`stopping`) has not ended it
        within STOP_SECONDS. Polled: the early process closes its copy of multiprocessing's sentinel
        pipe (_serve_forked_early), so a join with a timeout would return at once."""
        import time

        deadline = time.monotonic() + STOP_SECONDS if stopping else float("inf")
        while process.is_alive():
            if time.monotonic() > deadline:
                process.kill()
                deadline = float("inf")
            time.sleep(0.005)

    def _start(self) -> None:
        import multiprocessing

        program.server()
        tasks_in, tasks_out = multiprocessing.Pipe(duplex=False)
        results_in, results_out = multiprocessing.Pipe(duplex=False)
        process = program.Forked(target=_serve, args=(tasks_in, results_out))
        with program.CHILDREN_LOCK:
            process.start()
        self._began(process, tasks_in, tasks_out, results_in, results_out)

    def _began(self, process: BaseProcess, tasks_in: Connection, tasks_out: Connection, results_in: Connection,
               results_out: Connection) -> None:
        """The second process is started: keep this process's ends of its pipes, and read its results."""
        tasks_in.close()
        results_out.close()
        self._process = process
        self._tasks, self._results = tasks_out, results_in
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._results is not None
        results = self._results
        while True:
            try:
                slug, generated = results.recv()
            except BaseException:  # EOF (the process ended), or a result that cannot be read: the rest render here
                results.close()
                with self._arrived:
                    self._broken = self._broken or bool(self._waiting)
                    self._waiting.clear()
                    self._arrived.notify_all()
                return
            with self._arrived:
                self._waiting.discard(slug)
                if generated is not None:
                    self._done[slug] = generated
                self._arrived.notify_all()

    def _fail(self) -> None:
        with self._arrived:
            self._broken = True
            self._waiting.clear()
            self._arrived.notify_all()
