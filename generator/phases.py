"""A test hook: where the process is, so a test can interrupt it at a chosen point, not after a guessed delay.

With GENERATOR_TEST_PHASES=<file> set, the process appends each phase it reaches, one per line:
`importing` (the entry point, before the heavy imports), `running` (a scenario's run starts),
`server` (the program server, importing torch), `program` (a shown program's process, forked from
the server), `writing` (the new output folder is staged, nothing swapped in yet), `swapped` (the new folder is in
place, the old one's backup and the new indexes not yet dealt with), `ready` (an edition's site build,
generator/site_edition.py, ready and waiting for the pages), `building` (told to build, not started yet). With
GENERATOR_TEST_HOLD=<phase> as well, the first process to reach that phase waits there until it is interrupted (at
most HOLD_SECONDS), so a signal sent once the phase is in the file lands exactly there. Without the variables this module does
nothing. It imports only the standard library, so the entry point can load it first.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

HOLD_SECONDS = 120
SERVER_STARTING = "GENERATOR_PROGRAM_SERVER_STARTING"  # set while the program server starts
_released = threading.Event()
_SERVER: list[bool] = []  # [True] in the program server, whose SIGINT only releases


def reached(phase: str) -> None:
    path = os.environ.get("GENERATOR_TEST_PHASES")
    if not path:
        return
    with open(path, "a+", encoding="utf-8") as handle:
        handle.seek(0)
        first = phase not in handle.read().split()  # only the first process to reach a phase holds there
        handle.write(phase + "\n")
    if os.environ.get("GENERATOR_TEST_HOLD") != phase or not first:
        return
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline and not _released.is_set():
        time.sleep(0.01)  # SIGINT raises KeyboardInterrupt here in the main process; elsewhere it releases
    if _released.is_set() and threading.current_thread() is not threading.main_thread() and not _SERVER:
        raise KeyboardInterrupt  # a worker thread of an interrupted build: its scenario does not go on


def release() -> None:
    """Let a held worker thread go on (called once the main thread has taken the interrupt)."""
    _released.set()


def main_thread_only() -> None:
    """In a thread the generator starts: block SIGINT here (and in the threads this one starts), so
    the kernel hands Ctrl-C to the main thread. Delivered to another thread, Python would only flag
    it, and a main thread asleep waiting for that thread's scenario would not see it until the
    scenario ended."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _quiet(signum: int, frame: object) -> None:
    """SIGINT in the program server and the programs forked from it: the parent reports the
    interrupt, once; the server ends with the parent, a program when it is done."""
    _released.set()


def _parent_gone(kind: type[BaseException], error: BaseException, trace: object) -> None:
    """sys.excepthook in the program server's children: multiprocessing reports there a child that
    could not read its task. EOFError means the build that asked for it has ended (interrupted):
    nothing to report; anything else is reported as Python would."""
    if not issubclass(kind, EOFError):
        sys.__excepthook__(kind, error, trace)  # type: ignore[arg-type]


if os.environ.pop(SERVER_STARTING, None):  # the program server, importing this first (program.PRELOAD)
    _SERVER.append(True)
    signal.signal(signal.SIGINT, _quiet)  # the server's children start with the handler it had before its own loop
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # started from a thread that blocks it (main_thread_only)
    sys.excepthook = _parent_gone
    reached("server")
