"""Torch's part of a run in the program server's workers (torch_process.py, as `python -m generator`
runs it): the same values as in this process, and every way a call can fail reported, not hung."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from conftest import ROOT

from generator import program, torch_process
from generator.errors import WorkerError
from generator.kinds import KINDS
from generator.loading import load_scenarios

# One scenario of each kind, and the seeded DataLoader's shuffle (linreg-sgd-stable)
SLUGS = ("mse-none", "regression-losses", "linreg-sgd-stable", "optimizers-adamw", "cross-entropy")


@pytest.fixture
def workers(monkeypatch) -> Iterator[None]:
    """torch_process enabled, as `python -m generator` enables it, for this test only."""
    monkeypatch.setattr(torch_process, "_ENABLED", [True])
    monkeypatch.setattr(torch_process, "_found", {})
    yield


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


def test_an_error_comes_back_as_raised(workers):
    with pytest.raises(ValueError, match="invalid literal for int"):
        torch_process.call(int, "seven")


def test_an_error_that_cannot_travel_comes_back_as_its_text(workers):
    with pytest.raises(RuntimeError, match="worker process, running raise_stubborn: .*StubbornError: cannot travel"):
        torch_process.call(raise_stubborn)


def test_a_value_that_cannot_travel_is_an_error(workers):
    with pytest.raises(RuntimeError, match="running allocate_lock: its answer could not be sent"):
        torch_process.call(threading.Lock)
    assert torch_process.call(int, "7") == 7  # the worker answers the next call


def test_a_worker_that_dies_is_an_error_and_is_replaced(workers):
    with pytest.raises(WorkerError, match=r"^torch's worker process ended while running _exit \(exit 3: killed, or crashed\)$"):
        torch_process.call(os._exit, 3)
    pids = {torch_process.call(os.getpid) for _ in range(3)}
    assert len(pids) == 1 and os.getpid() not in pids
