"""The row indices of every batch, in order: the scenario's own order, or what torch's seeded
DataLoader draws. Drawing needs torch, so it runs where the scenario's torch run does: in a process
forked from the program server under `python -m generator` (torch_process.py), so that the build's
own process, which derives the exact values along this schedule, never imports torch."""

from __future__ import annotations

import functools

from generator.kinds.linreg_sgd.scenario import Scenario, schedule_from_order

Schedule = tuple[tuple[int, ...], ...]


@functools.lru_cache(maxsize=64)
def schedule(s: Scenario) -> Schedule:
    """Every batch's row indices, in order (found once a scenario: the page's run and its sweep share it)."""
    if s.order is not None:
        return tuple(chunk for chunks in schedule_from_order(s) for chunk in chunks)
    from generator import torch_process

    return torch_process.call(drawn, s)


def drawn(s: Scenario) -> Schedule:
    """What the seeded DataLoader draws (run.schedule: the training loop's own generator calls)."""
    from generator.kinds.linreg_sgd import run

    return tuple(run.schedule(s))
