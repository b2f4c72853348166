"""What every step that writes holds: the lake's lock (one writer at a time; the kernel frees it when a
worker dies), after rolling forward any commit a crashed writer left half-made and removing what crashes
left behind; the journal's watermark as of that moment (what the step must make its artifacts reflect);
and transactions that commit against it."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from lester_dagster.ivm.journal import Journal
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.storage import Transaction, recover

MODE_TAG, BATCH_TAG, FILINGS_TAG = "lester/mode", "lester/batch", "lester/filings"


@dataclass(frozen=True)
class Writer:
    lake: DataLake
    io: LesterIOManager
    journal: Journal
    watermark: int  # every request with a sequence number up to this one must be reflected
    run_id: str

    def transaction(self) -> Transaction:
        return Transaction(self.io.txn_dir, self.lake.lock)

    def stage_report(self, txn: Transaction, request_id: str, pipeline: str, report: dict[str, Any]) -> None:
        """A pipeline's report for one request, committed with its artifacts (the audit entry reads it)."""
        folder = self.io.reports_dir / request_id
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{pipeline}.json.", dir=folder)
        with os.fdopen(fd, "w") as handle:
            json.dump(report, handle, default=str, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        txn.replace_file(Path(tmp), folder / f"{pipeline}.json")


def is_ivm(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> bool:
    """A partial refresh: apply what the journal holds by IVM, recompute nothing from the lake."""
    return context.run.tags.get(MODE_TAG) == "ivm"


def worker_identity() -> str:
    """host:pid:start time of this process, so a sensor can tell a dead run worker from a slow one."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def worker_alive(identity: str) -> bool | None:
    """Whether the process named by `worker_identity` still runs; None when it ran on another host."""
    try:
        host, pid, started = identity.rsplit(":", 2)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    return _start_time(int(pid)) == started and started != ""


def _start_time(pid: int) -> str:
    try:
        # field 22 of /proc/<pid>/stat: start time in clock ticks since boot, so a reused pid differs
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


@contextmanager
def writing(context: Any, lake: DataLake, io: LesterIOManager) -> Iterator[Writer]:
    """Holds the lake's lock for a writing step; recovers from crashed writers first."""
    step = getattr(context, "op_def", None)
    holder = f"run {context.run.run_id} step {step.name if step else '?'}"

    def waiting(held: dict[str, object]) -> None:
        context.log.info(f"waiting for the lake's writer lock, held by {held.get('holder', 'another process')} "
                         f"since {held.get('since', '?')}")

    with lake.lock.exclusive(holder, on_wait=waiting):
        rolled = recover(io.txn_dir)
        cleaned = io.clean_leftovers() + _clean(lake.leftovers())
        if rolled or cleaned:
            context.log.warning(f"recovered from a crashed writer: rolled forward {rolled} commit(s), removed "
                                f"{len(cleaned)} leftover file(s) or folder(s)")
        yield Writer(lake, io, lake.journal, lake.journal.watermark(), context.run.run_id)


def _clean(paths: list[Path]) -> list[Path]:
    for path in paths:
        path.unlink(missing_ok=True)
    return paths
