"""The forkserver run launcher (example_project/dagster.yaml): a run gets a process of its own, forked from
the warm server, that runs it to the end; the UI's termination interrupts it; a killed worker is seen as
dead, which is how the deletion sensor knows to relaunch its requests. Waits on the run's state, never on
time."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import instance_for_test

from lester_dagster.orchestration.run_launcher import WORKER_TAG, ForkserverRunLauncher
from lester_dagster.orchestration.writer import worker_alive

# the run's tags tell the op where to write its process id and what to do: finish, wait until interrupted, or
# die (tags, not environment variables: a run worker has the environment of the server it is forked from)
MARKS, BEHAVIOUR = "test/marks", "test/behaviour"


@dg.op
def work(context: dg.OpExecutionContext) -> None:
    (Path(context.run.tags[MARKS]) / "pid").write_text(str(os.getpid()))
    behaviour = context.run.tags.get(BEHAVIOUR, "finish")
    if behaviour == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    while behaviour == "wait":
        time.sleep(0.05)  # interrupted by the termination


@dg.job(executor_def=dg.in_process_executor)  # the op runs in the run worker itself
def a_job() -> None:
    work()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    launcher = {"module": "lester_dagster.orchestration.run_launcher", "class": "ForkserverRunLauncher",
                "config": {"preload_modules": ["dagster"]}}
    with instance_for_test(overrides={"run_launcher": launcher}) as instance:
        yield instance


def launch(instance: dg.DagsterInstance, marks: Path, behaviour: str = "finish") -> str:
    origin = dg.reconstructable(a_job).get_python_origin()
    run = instance.create_run_for_job(job_def=a_job, job_code_origin=origin, tags={MARKS: str(marks), BEHAVIOUR: behaviour})
    instance.launch_run(run.run_id, workspace=None)  # type: ignore[arg-type]  # this launcher needs none
    return run.run_id


def wait_until(condition, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def test_a_run_gets_its_own_forked_worker_and_succeeds(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    assert isinstance(instance.run_launcher, ForkserverRunLauncher)
    run_id = launch(instance, tmp_path)
    wait_until(lambda: status(instance, run_id) in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE), "the run")
    assert status(instance, run_id) == dg.DagsterRunStatus.SUCCESS
    pid = int((tmp_path / "pid").read_text())
    run = instance.get_run_by_id(run_id)
    assert run is not None and pid != os.getpid()
    assert run.tags[WORKER_TAG].split(":")[1] == str(pid)


def test_terminating_a_run_interrupts_its_worker(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    run_id = launch(instance, tmp_path, "wait")
    wait_until(lambda: (tmp_path / "pid").exists(), "the op to start")
    assert instance.run_launcher.terminate(run_id)
    wait_until(lambda: instance.get_run_by_id(run_id).is_finished, "the run to stop")  # type: ignore[union-attr]
    assert status(instance, run_id) == dg.DagsterRunStatus.CANCELED


def test_a_killed_worker_is_seen_dead(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    run_id = launch(instance, tmp_path, "die")
    wait_until(lambda: (tmp_path / "pid").exists(), "the op to start")
    run = instance.get_run_by_id(run_id)
    assert run is not None
    wait_until(lambda: worker_alive(run.tags[WORKER_TAG]) is False, "the worker to die")
    # the run stays STARTED (no one reports it), which is why the deletion sensor asks whether its worker lives
    assert status(instance, run_id) == dg.DagsterRunStatus.STARTED
    instance.report_run_failed(run)  # as the run that takes over reports it
