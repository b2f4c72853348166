"""`dg dev` for tests and benchmarks (what `make dev` runs; `dagster dev` warns that `dg dev` supersedes it):
started on a free loopback port with its own DAGSTER_HOME (telemetry and the welcome pop-up off), queried
through its GraphQL API, and stopped by killing exactly the process group it started (webserver, daemon,
code servers, run workers)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
LOCATION = {"repositoryLocationName": "example_project", "repositoryName": "__repository__"}
LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PipelineNotFoundError { message }
  }
}"""
STATUS = """query Status($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"""
RUNS_WITH_TAG = """
query Runs($key: String!, $value: String!) {
  runsOrError(filter: {tags: [{key: $key, value: $value}]}) {
    ... on Runs { results { runId status creationTime startTime endTime
                            stepStats { stepKey startTime endTime } } }
  }
}"""

SENSOR_STATE = """
query Sensor($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename ... on Sensor { sensorState { id status ticks(limit: 1) { timestamp status } } }
  }
}"""
STOP_SENSOR = """
mutation Stop($id: String) {
  stopSensor(id: $id) { __typename ... on StopSensorMutationResult { instigationState { status } } }
}"""

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], T], timeout: float, every: float = 1.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _default_signals() -> None:
    # background shells here may start children that ignore SIGINT/SIGTERM; give dagster its defaults
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class DagsterDev:
    """A running `dg dev` serving the repository's workspace.yaml."""

    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port, self.process, self.log = port, process, log

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer
        return answer["data"]

    def launch(self, job: str) -> str:
        launched = self.graphql(LAUNCH, {"executionParams": {"selector": {**LOCATION, "jobName": job}}})
        assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
        return launched["launchRun"]["run"]["runId"]

    def run_status(self, run_id: str) -> str:
        return self.graphql(STATUS, {"runId": run_id})["runOrError"]["status"]

    def wait_for_run(self, run_id: str, timeout: float = 600) -> str:
        return wait_for(
            f"run {run_id}", lambda: (s := self.run_status(run_id)) in ("SUCCESS", "FAILURE", "CANCELED") and s,
            timeout, 1.0,
        )

    def sensor_state(self, name: str) -> dict[str, Any]:
        return self.graphql(SENSOR_STATE, {"selector": {**LOCATION, "sensorName": name}})["sensorOrError"]["sensorState"]

    def stop_sensor(self, name: str, quiet_seconds: float = 8.0) -> None:
        """Stops a sensor and waits until its last tick has ended (a tick that started before the stop
        still runs to its end, however long a loaded machine takes) and none started for `quiet_seconds`."""
        stopped = self.graphql(STOP_SENSOR, {"id": self.sensor_state(name)["id"]})["stopSensor"]
        assert stopped["instigationState"]["status"] == "STOPPED", stopped

        def quiet() -> bool:
            ticks = self.sensor_state(name)["ticks"]
            return not ticks or (ticks[0]["status"] != "STARTED" and time.time() - ticks[0]["timestamp"] > quiet_seconds)

        wait_for(f"sensor {name} to stop ticking", quiet, timeout=300, every=1.0)

    def finished_run_tagged(self, key: str, value: str) -> dict[str, Any] | None:
        results = self.graphql(RUNS_WITH_TAG, {"key": key, "value": value})["runsOrError"]["results"]
        done = [r for r in results if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        return done[0] if done else None


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Stops the whole process group we started, and nothing else: SIGTERM, then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def dagster_dev(home: Path, env: Mapping[str, str], instance_config: str = "",
                startup_timeout: float = 240) -> Iterator[DagsterDev]:
    home.mkdir(parents=True, exist_ok=True)
    # the example project's instance settings: no telemetry, no pop-up, runs dequeued every second
    (home / "dagster.yaml").write_text((ROOT / "example_project" / "dagster.yaml").read_text() + instance_config)
    port = free_port()
    log = home / "dagster.log"
    dg = Path(sys.executable).with_name("dg")
    with open(log, "w") as stderr:  # the child has its own descriptor
        process = subprocess.Popen(
            [str(dg), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=ROOT, env={**os.environ, **env, "DAGSTER_HOME": str(home)},
            stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True, preexec_fn=_default_signals,
        )
    try:
        def ready() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    return r.status == 200
            except OSError:
                assert process.poll() is None, log.read_text()[-3000:]
                return False

        wait_for("dg dev to serve", ready, timeout=startup_timeout)
        yield DagsterDev(port, process, log)
    finally:
        stop_group(process)
