"""Runs the standalone PyTorch program a page shows, so the page can show what it really printed.

Each program runs exactly as printed, as `__main__` in a process of its own, with its own standard
output, in an empty temporary folder. The process is forked from a server that has imported torch
once (multiprocessing's forkserver, torch preloaded), so a program costs a fork instead of a
Python start-up and a torch import (1.3 to 2.3 s each). `run_fresh` runs the same program in a new
interpreter instead; the tests check that both print the same bytes.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import wait
from multiprocessing.context import ForkServerProcess, set_spawning_popen
from pathlib import Path

from generator import phases
from generator.errors import ProgramError

TIMEOUT_SECONDS = 300
ENVIRONMENT = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"}
# torch.optim imports torch._dynamo (1 s) when an optimizer is made: the server imports it once
PRELOAD = ["generator.phases", "torch", "torch.nn", "torch.optim", "torch._dynamo", "torch.utils.data", "generator.program"]
# and what torch_process.py's workers, forked from it, run (0.12 s each if every worker imported them)
TORCH_RUNS = ("mse", "regression_losses", "linreg_sgd", "optimizers", "cross_entropy")  # kinds/*/run.py
PRELOAD += ["generator.torch_process", *(f"generator.kinds.{kind}.run" for kind in TORCH_RUNS)]
_SERVER = False  # started
_SERVER_LOCK = threading.Lock()
# Starting a Process polls every live child of this process (multiprocessing's _cleanup). Two threads
# polling one forkserver child both read its status pipe: one gets the status, the other EOF, which
# multiprocessing reports as exit 255. So a child is started and reaped under this lock only; its
# run is waited for outside it.
CHILDREN_LOCK = threading.Lock()


def server() -> None:
    """Start the forkserver once, with torch imported and the programs' environment (the processes
    are forked from it by Forked)."""
    global _SERVER
    with _SERVER_LOCK:
        if not _SERVER:
            from multiprocessing import resource_tracker

            multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
            environment = ENVIRONMENT | {phases.SERVER_STARTING: "1"}  # generator.phases: SIGINT is the parent's to report
            saved = {key: os.environ.get(key) for key in environment}
            os.environ.update(environment)  # read by the server as it starts: hash seed, one thread
            # SIGINT blocked while the server starts, from whichever thread: it inherits the mask, so a
            # Ctrl-C before it has imported generator.phases (which takes SIGINT, then unblocks it) is
            # not a KeyboardInterrupt traceback from its bootstrap (seen under load, phase "running").
            # The resource tracker first: starting it unblocks SIGINT in the calling thread.
            resource_tracker.ensure_running()
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                forkserver.ensure_running()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            _SERVER = True


class _Popen(popen_forkserver.Popen):
    """Forkserver's launch, less the caller's main module. By default a child runs the parent's
    main script again, as `__mp_main__`, whenever that was started by path (a script of an
    author's, `tests/bench_build.py`, the `mkdocs` console script): 0.17 s of imports for each
    program, and the script's top-level code in every child. The child runs `_execute`, which it
    imports from this module by name, so it needs nothing from the parent's main."""

    def _launch(self, process_obj: ForkServerProcess) -> None:  # the standard library's, with one change
        prep_data = spawn.get_preparation_data(process_obj.name)
        prep_data.pop("init_main_from_path", None)  # the change
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))  # type: ignore[attr-defined]
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class Forked(ForkServerProcess):
    """A process forked from the server (started under CHILDREN_LOCK), which never runs the caller's main script."""

    @staticmethod
    def _Popen(process_obj: ForkServerProcess) -> _Popen:  # type: ignore[override]  # noqa: N802 (the standard library's name)
        return _Popen(process_obj)


def started() -> bool:
    """Whether the server is running (a scenario has run), so a process forked from it costs no torch import."""
    return _SERVER


def start_server() -> None:
    """Start the server in the background, so its torch import overlaps the caller's own work."""
    def start() -> None:
        phases.main_thread_only()
        server()

    threading.Thread(target=start, daemon=True).start()


def _execute(script: str, stdout: str, stderr: str) -> None:
    """In the forked process: run `script` as __main__ from its folder, output to two files."""
    phases.reached("program")
    os.chdir(os.path.dirname(script))
    for fd, path in ((1, stdout), (2, stderr)):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    sys.argv = [os.path.basename(script)]
    sys.path[0] = os.path.dirname(script)
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if stop.code is not None and not isinstance(stop.code, int):
            print(stop.code, file=sys.stderr)
    except BaseException:  # the program's own error: reported as a fresh interpreter would
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_program(source: str, name: str, scenario_file: str) -> str:
    """Run `source` in a process forked from the server; return its standard output.
    A failure or a hang raises ProgramError naming `scenario_file`."""
    server()  # started once; each program is a process forked from it
    with tempfile.TemporaryDirectory(prefix="generator-program-") as folder:
        script = Path(folder) / "program" / f"{name}.py"  # the program's folder holds the program alone
        script.parent.mkdir()
        script.write_text(source, encoding="utf-8")
        stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
        process = Forked(target=_execute, args=(str(script), str(stdout), str(stderr)))
        with CHILDREN_LOCK:
            process.start()
        finished = wait([process.sentinel], TIMEOUT_SECONDS)
        with CHILDREN_LOCK:
            if not finished:
                process.kill()
            process.join()
        if not finished:
            raise ProgramError(f"{scenario_file}: the page's program ran past {TIMEOUT_SECONDS} s")
        printed = stdout.read_text(encoding="utf-8") if stdout.exists() else ""
        errors = stderr.read_text(encoding="utf-8") if stderr.exists() else ""
    if process.exitcode != 0:
        last = (errors.strip().splitlines() or ["(no error output)"])[-1]
        raise ProgramError(f"{scenario_file}: the page's program failed (exit {process.exitcode}): {last}")
    return printed


def run_fresh(source: str, name: str, scenario_file: str) -> str:
    """Run `source` with a new interpreter in a clean temporary folder; return its standard output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TORCH", "OMP", "MKL"))}
    environment |= ENVIRONMENT
    with tempfile.TemporaryDirectory(prefix="generator-program-") as folder:
        script = Path(folder) / f"{name}.py"
        script.write_text(source, encoding="utf-8")
        try:
            completed = subprocess.run(
                [sys.executable, script.name], cwd=folder, env=environment, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            raise ProgramError(f"{scenario_file}: the page's program ran past {TIMEOUT_SECONDS} s") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["(no error output)"])[-1]
        raise ProgramError(f"{scenario_file}: the page's program failed (exit {completed.returncode}): {last}")
    return completed.stdout
