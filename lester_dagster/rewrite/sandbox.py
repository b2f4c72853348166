"""Runs the messy original or a candidate rewrite in its own process (`runner.py`), with a wall-clock
timeout, limits on memory, CPU time and file size, no network, no child processes, secrets left out of
its environment, and reads back what it produced.

It keeps mistakes and runaway code from hurting the caller; it is not a jail for hostile code (the
child shares the file system for reading and runs as the same user)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RUNNER = "lester_dagster.rewrite.runner"
_SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")


@dataclass(frozen=True)
class Limits:
    """Wall-clock timeout and memory (RLIMIT_DATA) per run; CPU time is capped at twice the timeout."""

    timeout: float = 300.0
    memory_mb: int = 4096


@dataclass
class RunOutcome:
    """What one sandboxed run produced; `verdict` is ok, error, timeout or crashed."""

    verdict: str
    seconds: float
    error: dict[str, Any] | None = None
    prepared: pd.DataFrame | None = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)  # schema, lineage, encoder blocks, ...
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def summary(self) -> str:
        if self.ok:
            return f"ran in {self.seconds:.1f} s"
        if self.verdict == "timeout":
            return f"timed out: {(self.error or {}).get('message', '')}"
        error = self.error or {}
        where = f" in {error['stage']}" if error.get("stage") else ""
        return f"{self.verdict}{where}: {error.get('message') or self.stderr_tail[-500:]}"


def child_environment(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(m in k.upper() for m in _SECRET_MARKERS)}
    env.update(
        TMPDIR=str(folder), PYTHONDONTWRITEBYTECODE="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    # Sample runs are small; spinning OpenMP threads only fight the rest of the machine.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def run_job(job: Mapping[str, Any], folder: Path, limits: Limits) -> RunOutcome:
    """Writes `job` into a fresh `folder`, runs the runner there and collects its outputs."""
    out = folder / "out"
    out.mkdir(parents=True, exist_ok=False)
    spec = {**job, "out": str(out), "memory_mb": limits.memory_mb, "cpu_seconds": int(2 * limits.timeout) + 5}
    job_file = folder / "job.json"
    job_file.write_text(json.dumps(spec))
    started = time.monotonic()
    with open(folder / "stdout.txt", "wb") as stdout, open(folder / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", RUNNER, str(job_file)], cwd=folder, env=child_environment(folder),
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True,
        )
        try:
            process.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            stage = _stage(out)
            message = f"no result within {limits.timeout:g} s" + (f", still in {stage}" if stage else "")
            return RunOutcome("timeout", time.monotonic() - started, stderr_tail=_tail(folder / "stderr.txt"),
                              error={"stage": stage, "type": "Timeout",
                                     "message": message + " (an endless loop? raise --timeout if it is just slow)"})
        finally:
            if process.poll() is None:
                _kill(process)
    seconds = time.monotonic() - started
    stderr_tail = _tail(folder / "stderr.txt")
    result_file = out / "result.json"
    if not result_file.exists():
        how = f"signal {-process.returncode}" if process.returncode < 0 else f"exit code {process.returncode}"
        message = f"the process ended with {how} before reporting a result"
        if process.returncode in (-signal.SIGKILL, -signal.SIGXCPU) or "MemoryError" in stderr_tail:
            message += f" (memory limit {limits.memory_mb} MB, CPU limit {spec['cpu_seconds']} s)"
        error = {"stage": _stage(out), "type": "Crash", "message": message}
        return RunOutcome("crashed", seconds, error, stderr_tail=stderr_tail)
    result = json.loads(result_file.read_text())
    outcome = RunOutcome("ok" if result.get("ok") else "error", seconds, result.get("error"), info=result,
                         stderr_tail=stderr_tail)
    if (out / "prepared.parquet").exists():
        outcome.prepared = pd.read_parquet(out / "prepared.parquet")
    if (out / "X.npy").exists():
        outcome.X = np.load(out / "X.npy", allow_pickle=False)
    if (out / "y.npy").exists():
        outcome.y = np.load(out / "y.npy", allow_pickle=False)
    return outcome


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the whole session: nothing it started outlives it
    process.wait()


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _stage(out: Path) -> str:
    try:
        return (out / "stage").read_text().strip()
    except OSError:
        return ""
