"""Crash and pause points for fault-injection tests. With `LESTER_CRASH_AT=<point>` (or `<point>#<n>`, the
n-th time it is passed) in its environment a process dies at that point the way `kill -9` kills it (no
cleanup, no exception handler, no `finally`), so tests can prove that every commit point recovers to the
same end state; `LESTER_CRASH_TRACE=<file>` lists the points a run passes, so a test can crash at each.
With `LESTER_CRASH_ONCE=<file>` it crashes only if the file does not exist yet (and creates it), so a
relaunched run passes; with `LESTER_CRASH_ARMED=<file>`, only once that file exists (so a server's
earlier runs pass). `LESTER_PAUSE_AT=<point>` with `LESTER_PAUSE_DIR=<folder>` makes the process wait there (after writing
`paused`) until `resume` appears, so a test can make two runs overlap exactly where it wants."""

from __future__ import annotations

import os
import time
from pathlib import Path

CRASH, TRACE, ONCE, ARMED = "LESTER_CRASH_AT", "LESTER_CRASH_TRACE", "LESTER_CRASH_ONCE", "LESTER_CRASH_ARMED"
PAUSE, PAUSE_DIR = "LESTER_PAUSE_AT", "LESTER_PAUSE_DIR"

# Every named point, in the order a deletion run passes them.
POINTS = (
    "intake:after-journal",  # a request is in the journal, its file is still in requests/
    "lake:after-stage",  # a source's new lake file is written beside the old one, not yet in place
    "x:after-chunk",  # a new version of X is partly staged: a chunk written or linked, the others not yet
    "txn:after-intent",  # a transaction's redo log is durable, no pointer moved yet
    "txn:after-first-pointer",  # some artifacts of a pipeline point at their new versions, others do not
    "txn:before-forget",  # every pointer moved, the redo log not yet removed
    "purge:after-rename",  # an old version is renamed to .trash-*, not yet removed
    "audit:after-append",  # the audit entry is appended, the request not yet marked applied
)
_passed: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Dies here if the environment names this point (and occurrence); a no-op otherwise."""
    if CRASH not in os.environ and TRACE not in os.environ:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if os.environ.get(TRACE):
        with open(os.environ[TRACE], "a") as trace:
            trace.write(f"{name}#{_passed[name]}\n")
    wanted = os.environ.get(CRASH, "")
    if wanted in (name, f"{name}#{_passed[name]}"):
        armed = os.environ.get(ARMED)
        if armed and not Path(armed).exists():
            return
        once = os.environ.get(ONCE)
        if once:
            if Path(once).exists():
                return
            Path(once).write_text(name)
        os._exit(137)


def pause_point(name: str, timeout: float = 300.0) -> None:
    """Waits here if the environment names this point, until the test says `resume`."""
    if os.environ.get(PAUSE) != name:
        return
    folder = Path(os.environ[PAUSE_DIR])
    (folder / "paused").write_text(name)
    deadline = time.monotonic() + timeout
    while not (folder / "resume").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"paused at {name} for {timeout:.0f} s and nobody resumed")
        time.sleep(0.05)
