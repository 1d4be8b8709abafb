"""Torch's part of a run in the program server's workers (torch_process.py, as `python -m generator`
runs it): the same values as in this process, and every way a call can fail reported, not hung."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from conftest import ROOT

from generator import program, torch_process
from generator.errors import GeneratorError, MismatchError, WorkerError
from generator.fingerprint import OVERRIDE
from generator.kinds import KINDS
from generator.loading import load_scenarios
from generator.pipeline import stamped, typed

# One scenario of each kind, and the seeded DataLoader's shuffle (linreg-sgd-stable)
SLUGS = ("mse-none", "regression-losses", "linreg-sgd-stable", "optimizers-adamw", "cross-entropy")


@pytest.fixture
def workers(monkeypatch) -> Iterator[None]:
    """torch_process enabled, as `python -m generator` enables it, for this test only, with workers of its own."""
    monkeypatch.setattr(torch_process, "_ENABLED", [True])
    monkeypatch.setattr(torch_process, "_found", {})
    monkeypatch.setattr(torch_process, "_idle", [])
    yield
    for worker in torch_process._idle:
        worker.close()


class StubbornError(Exception):
    """An exception that pickle cannot rebuild: its class takes two arguments, it keeps one."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


def raise_stubborn() -> None:
    raise StubbornError("cannot", "travel")


def test_every_kind_computes_the_same_in_a_worker(workers):
    scenarios = [s for s in load_scenarios([ROOT / "scenarios"]) if s.slug in SLUGS]
    assert sorted(s.kind for s in scenarios) == sorted(KINDS)  # every kind's run.py
    for scenario in scenarios:
        there = torch_process.compute(scenario)
        here = torch_process._compute(scenario)
        assert type(there) is type(here) and repr(there) == repr(here), scenario.slug  # repr: nan, -0.0 and every bit


def test_the_kinds_torch_runs_are_preloaded_in_the_server():
    assert sorted(program.TORCH_RUNS) == sorted(path.parent.name for path in (ROOT / "generator" / "kinds").glob("*/run.py"))


def test_the_machine_measured_in_a_worker_is_this_one(workers, monkeypatch):
    from generator import fingerprint

    monkeypatch.delenv(fingerprint.OVERRIDE, raising=False)
    assert torch_process.fingerprint_here() == fingerprint.measure()
    import torch

    assert torch_process.torch_facts() == (torch.__version__, torch.backends.cpu.get_cpu_capability())
    assert type(torch_process.torch_facts()[0]) is str  # not torch's TorchVersion: unpickling it imports torch


def test_an_error_comes_back_as_raised_with_where_it_was_raised(workers):
    with pytest.raises(ValueError, match="invalid literal for int") as raised:
        torch_process.call(int, "seven")
    cause = raised.value.__cause__
    assert isinstance(cause, torch_process.WorkerTraceback) and "ValueError: invalid literal" in str(cause)  # what --debug shows


def raise_stubborn_generator_error() -> None:
    class ThreeError(MismatchError):
        """Defined here: pickle cannot find it again by name."""

    raise ThreeError("the torch run and the exact one disagree")


def test_an_error_that_cannot_travel_comes_back_as_its_text(workers):
    with pytest.raises(RuntimeError, match="^torch's worker process: StubbornError: cannot travel$"):
        torch_process.call(raise_stubborn)
    with pytest.raises(GeneratorError, match="^the torch run and the exact one disagree$") as raised:
        torch_process.call(raise_stubborn_generator_error)
    assert raised.value.exit_code == MismatchError.exit_code == 3  # its exit code kept
    with pytest.raises(RuntimeError, match="^torch's worker process: KeyboardInterrupt: $"):
        torch_process.call(raise_keyboard_interrupt)


def raise_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def test_a_value_that_cannot_travel_is_an_error(workers):
    with pytest.raises(RuntimeError, match="^torch's worker process: its answer could not be sent: "):
        torch_process.call(threading.Lock)
    assert torch_process.call(int, "7") == 7  # the worker answers the next call


def test_a_worker_that_answered_with_an_error_is_kept(workers):
    first = torch_process.call(os.getpid)
    for _ in range(3):
        with pytest.raises(ValueError):
            torch_process.call(int, "seven")
    assert torch_process.call(os.getpid) == first and len(torch_process._idle) == 1


def test_a_worker_that_dies_running_a_call_is_an_error_and_is_replaced(workers):
    with pytest.raises(WorkerError, match=r"^torch's worker process ended without an answer \(exit 3: killed, or crashed\)$"):
        torch_process.call(os._exit, 3)
    pids = {torch_process.call(os.getpid) for _ in range(3)}
    assert len(pids) == 1 and os.getpid() not in pids


def test_a_worker_killed_while_idle_costs_no_run(workers):
    idle = torch_process.call(os.getpid)
    os.kill(idle, signal.SIGKILL)
    process = next(w.process for w in torch_process._idle if w.process.pid == idle)
    with program.CHILDREN_LOCK:
        process.join()  # a condition: it has ended
    assert torch_process.call(os.getpid) not in (idle, os.getpid())  # a new worker, no error


def test_a_worker_lost_while_measuring_a_cached_runs_machine_names_the_scenario(monkeypatch):
    """A cached run with no fingerprint has this machine's measured (pipeline.stamped), outside the
    scenario's run: a worker lost then says which scenario it was measuring for, as a lost run does."""
    scenario = next(s for s in load_scenarios([ROOT / "scenarios"]) if s.slug == "mse-mean")
    run = typed(scenario, json.loads((ROOT / "docs/scenarios/mse-mean.json").read_text(encoding="utf-8")))
    platform = {key: value for key, value in run.header.platform.items() if key != "fingerprint"}
    run = replace(run, header=replace(run.header, platform=platform))

    def lost() -> str:
        raise WorkerError("torch's worker process ended without an answer (exit -9: killed, or crashed)")

    monkeypatch.setattr(torch_process, "fingerprint_here", lost)
    monkeypatch.delenv(OVERRIDE, raising=False)
    with pytest.raises(WorkerError, match=r"^\S*scenarios/mse-mean\.toml: torch's worker process ended without an answer"):
        stamped(scenario, run)
