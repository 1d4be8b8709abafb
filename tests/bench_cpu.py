"""Where a command's CPU goes, for `make bench`: the machine's busy CPU-seconds while it ran
(/proc/stat: every process, so run it on an otherwise idle machine), and the CPU-seconds of each
kind of process it started, sampled from /proc every SAMPLE seconds: what a process spent after
its last sample (all of it, for one that lived less than SAMPLE) is missed, and what no kind accounts
for is printed as "not sampled"."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE = 0.2
TICK = os.sysconf("SC_CLK_TCK")
OTHER = "other"  # a process of no kind: counted in "everything else sampled"
SELF = "the measuring process itself (the bench and its sampling)"


def busy_seconds() -> float:
    """CPU-seconds the machine has spent busy since boot (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / TICK


@dataclass
class Seen:
    command: str  # the last command line read but a zombie's, which is empty (a fork's is its parent's until it execs)
    parent: str  # its parent's pid
    started: int  # its start time, in clock ticks since boot
    start: float  # its CPU-seconds when first seen, if it was running before the sampling began
    last: float


@dataclass
class Sampler:
    """Every process's CPU time, read from /proc until `stop`; `by_kind` adds up what each did while
    sampled, by `kind_of(its command line, its parent's)` (a forked process has its parent's)."""

    kind_of: Callable[[str, str], str]
    seen: dict[tuple[str, str], Seen] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.scan(first=True)
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.done.wait(SAMPLE):
            self.scan()

    def scan(self, first: bool = False) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:  # it ended
                continue
            after = stat.rsplit(")", 1)[1].split()
            cpu = (int(after[11]) + int(after[12])) / TICK  # utime, stime
            key = (pid, after[19])  # its start time: a pid used again is another process
            if key in self.seen:
                self.seen[key].last = cpu
                self.seen[key].command = command or self.seen[key].command
            else:
                self.seen[key] = Seen(command, after[1], int(after[19]), cpu if first else 0.0, cpu)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self.scan()

    def parent_command(self, process: Seen) -> str:
        """The command of the process's parent: the latest one with its parent's pid that started before it."""
        parents = [p for (pid, _), p in self.seen.items() if pid == process.parent and p.started <= process.started]
        return max(parents, key=lambda p: p.started).command if parents else ""

    def by_kind(self) -> dict[str, float]:
        here = str(os.getpid())
        kinds: dict[str, float] = {}
        for (pid, _), process in self.seen.items():
            if process.command and process.last > process.start:
                kind = SELF if pid == here else self.kind_of(process.command, self.parent_command(process))
                kinds[kind] = kinds.get(kind, 0.0) + process.last - process.start
        return kinds


@dataclass(frozen=True)
class Measured:
    wall: float
    busy: float
    kinds: dict[str, float]

    def lines(self, indent: str = "  ", smallest: float = 0.5) -> list[str]:
        """The CPU-seconds of each kind, largest first (those under `smallest` together), then what no kind accounts for."""
        shown = sorted(((cpu, kind) for kind, cpu in self.kinds.items() if kind != OTHER and cpu >= smallest), reverse=True)
        rest = sum(self.kinds.values()) - sum(cpu for cpu, _ in shown)
        unsampled = self.busy - sum(self.kinds.values())
        lines = [f"{indent}{cpu:6.1f} CPU-s  {kind}" for cpu, kind in shown]
        lines.append(f"{indent}{rest:6.1f} CPU-s  everything else sampled")
        lines.append(f"{indent}{unsampled:6.1f} CPU-s  not sampled (each process's last {SAMPLE} s at most, "
                     f"processes that lived less, the kernel)")
        return lines


def measured(command: list[str], cwd: Path, kind_of: Callable[[str, str], str],
             environment: dict[str, str] | None = None) -> tuple[Measured, subprocess.CompletedProcess[str]]:
    """Run `command`, sampling every process on the machine while it runs."""
    sampler = Sampler(kind_of)
    busy, start = busy_seconds(), time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)
    wall, busy = time.perf_counter() - start, busy_seconds() - busy
    sampler.stop()
    return Measured(wall, busy, sampler.by_kind()), completed


def generator_command(command: str) -> bool:
    """`python -m generator ...` (not `python -m generator.site ...`)."""
    return re.search(r"-m generator( |$)", command) is not None


def suite_kind(command: str, parent: str = "") -> str:
    """The kinds of process `make test` starts (a temporary folder's name may hold "pytest": the
    program is matched first)."""
    if "chrom" in command or "headless" in command:
        return "Chromium (the browser tests)"
    if "playwright" in command or command.startswith("node"):
        return "Playwright's driver"
    if "exec(eval(sys.stdin.readline()))" in command:  # pytest-xdist's workers, as execnet starts them
        return "the pytest-xdist workers (tests run in process: exact derivations, in-process builds, the browser's driving)"
    if "multiprocessing.forkserver" in command or "multiprocessing.resource_tracker" in command:
        return "torch's program servers and workers (runs, shown programs)"
    if any(name in command for name in ("site_edition", "generator.site", "-m mkdocs", "-m properdocs")):
        return "MkDocs builds and servers (each edition; the Chinese one loads jieba)"
    if generator_command(command):
        return "python -m generator commands (loading, the exact derivation, rendering)"
    if "ipykernel" in command or "jupyter" in command or command.endswith(".py") or ".py " in command:
        return "the downloads run (scripts, notebooks)"
    if any(name in command for name in ("ruff", "mypy", "check_jsonschema")):
        return "lint (ruff, mypy, the workflows' schema)"
    if "-m pytest" in command:
        return "pytest's controller"
    if "python" in command:
        return "other Python processes (python -c)"
    return OTHER


def docs_kind(command: str, parent: str = "") -> str:
    """The kinds of process a cold `make docs` or `generator build` (and the peer) starts."""
    if "multiprocessing.forkserver" in command or "multiprocessing.resource_tracker" in command:
        return "torch's program server and workers (the runs, the shown programs)"
    if "site_edition" in command:
        return "the Chinese edition (MkDocs, jieba)" if "mkdocs.zh.yml" in command else "the English edition (MkDocs)"
    if "generator.site" in command:
        return "generator.site (starts and waits)"
    if generator_command(command) and generator_command(parent):
        return "python -m generator build's page renderer (aside.py: the pages, downloads and plots, matplotlib)"
    if generator_command(command):
        return "python -m generator build (loading, sympy, the exact values and bounds, writing)"
    if "mkdocs" in command:
        return "the peer's mkdocs build (markdown-exec runs torch in it)"
    return OTHER
