"""Running a writer in a process of its own that the fault-injection points may kill (lester_dagster.faults),
for the tests that check what a kill at each commit point leaves behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lester_dagster import faults

ROOT = Path(__file__).parents[1]
KILLED = 137  # the exit status of a process a crash point killed (SIGKILL)


def run_writer(script: str, *args: str, crash_at: str | None, killed: bool) -> None:
    """Runs `python -c script args`, killed at the crash point `crash_at` (none: the script may kill itself,
    or end), and checks that it was killed or ended cleanly as `killed` says. The time limit only ends a
    writer that hangs."""
    env = {k: v for k, v in os.environ.items() if k not in (faults.CRASH, faults.TRACE)}
    if crash_at is not None:
        env[faults.CRASH] = crash_at
    done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == (KILLED if killed else 0), done.stderr
