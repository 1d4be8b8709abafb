"""Runs the standalone PyTorch program a page shows, so the page can show what it really printed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from generator.errors import ProgramError

TIMEOUT_SECONDS = 300


def run_program(source: str, name: str, scenario_file: str) -> str:
    """Run `source` with this interpreter in a clean temporary folder; return its standard output.
    A failure or a hang raises ProgramError naming `scenario_file`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TORCH", "OMP", "MKL"))}
    environment |= {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"}
    with tempfile.TemporaryDirectory(prefix="generator-program-") as folder:
        script = Path(folder) / f"{name}.py"
        script.write_text(source, encoding="utf-8")
        try:
            completed = subprocess.run(
                [sys.executable, script.name],
                cwd=folder,
                env=environment,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            raise ProgramError(f"{scenario_file}: the page's program ran past {TIMEOUT_SECONDS} s") from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["(no error output)"])[-1]
        raise ProgramError(f"{scenario_file}: the page's program failed (exit {completed.returncode}): {last}")
    return completed.stdout
