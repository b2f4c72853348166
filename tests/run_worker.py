"""A run worker in its own process, for the tests that kill one (`LESTER_CRASH_AT`), pause one
(`LESTER_PAUSE_AT`) or run two at once: executes the refresh job, or the deletion job with the tags and
assets a sensor asked for, on the test project under ROOT, against the Dagster instance in HOME.

    python -m tests.run_worker ROOT HOME refresh
    python -m tests.run_worker ROOT HOME deletion REQUEST.json
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg


def main(argv: list[str]) -> int:
    from lester_dagster.orchestration import DELETION_JOB, REFRESH_JOB
    from tests.lester_project import QUIET, project

    root, home, job = Path(argv[0]), Path(argv[1]), argv[2]
    defs, _, _ = project(root, write=False)
    with dg.DagsterInstance.local_temp(tempdir=str(home)) as instance:
        if job == "refresh":
            result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance, run_config=QUIET,
                                                                          raise_on_error=False)
        else:
            request = json.loads(Path(argv[3]).read_text())
            result = defs.resolve_job_def(DELETION_JOB).execute_in_process(
                instance=instance, run_config=QUIET, tags=request["tags"], raise_on_error=False,
                asset_selection=[dg.AssetKey.from_user_string(k) for k in request["assets"]])
    return 0 if result.success else 1


def start(root: Path, home: Path, job: str, request: dg.RunRequest | None = None,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """Starts a worker; `request` is what a sensor tick asked for (deletion job)."""
    args = [sys.executable, "-m", "tests.run_worker", str(root), str(home), job]
    if request is not None:
        path = root / f"request-{len(list(root.glob('request-*.json')))}.json"
        path.write_text(json.dumps({"tags": dict(request.tags),
                                    "assets": [k.to_user_string() for k in request.asset_selection]}))
        args.append(str(path))
    import os

    log = root / f"worker-{len(list(root.glob('worker-*.log')))}.log"
    with open(log, "wb") as stderr:  # the child has its own descriptor
        process = subprocess.Popen(args, cwd=Path(__file__).resolve().parents[1], env={**os.environ, **(env or {})},
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    process.log = log  # type: ignore[attr-defined]  # what the worker printed, for a failing test's message
    return process


def output(process: subprocess.Popen) -> str:
    """The end of what a worker printed (its errors)."""
    return process.log.read_text(errors="replace")[-4000:]  # type: ignore[attr-defined]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
