"""A run launcher whose run workers start warm: each run is forked from a server process that has already
imported Dagster and the heavy libraries, instead of a fresh interpreter per run (Dagster's default run
launcher has the code server spawn one, which re-imports everything: 4-10 s before a deletion run's first
step, on top of the run itself).

Configure it in the instance's dagster.yaml:

    run_launcher:
      module: lester_dagster.orchestration.run_launcher
      class: ForkserverRunLauncher
      config:
        preload_modules: [lester_dagster.orchestration.definitions, sklearn.compose]

Every run still gets a process of its own (a crash kills only that run, and the deletion sensor sees its
worker die and relaunches the requests), runs `dagster api execute_run` there, and can be terminated from
the UI. The code location's own modules are imported in each run's process, never preloaded, so a
reloaded code location runs its new code. A run worker has the environment the launching process had when
the server started (as a code server's runs have the code server's). A run whose code location uses another
Python environment than the launching process (`executable_path` in workspace.yaml) is launched by
Dagster's default launcher.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster._core.launcher import DefaultRunLauncher, LaunchRunContext
from dagster._grpc.types import ExecuteRunArgs
from dagster._serdes import ConfigurableClassData, serialize_value

from lester_dagster.orchestration.writer import _start_time, worker_alive

WORKER_TAG = "lester/run_worker"


class ForkserverRunLauncher(DefaultRunLauncher):
    """Launches each run in a process forked from a warm server (`preload_modules` imported once)."""

    def __init__(self, inst_data: ConfigurableClassData | None = None, preload_modules: Sequence[str] = ("dagster",)) -> None:
        super().__init__(inst_data=inst_data)
        self.preload_modules = list(preload_modules)
        self._context: Any = None

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {
            "preload_modules": dg.Field(
                [str], is_required=False, default_value=["dagster"],
                description="Modules the server imports once, so that no run worker imports them again: Dagster "
                            "and libraries, not the code location (a reload would not reach a preloaded module).",
            )
        }

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> ForkserverRunLauncher:
        return cls(inst_data=inst_data, preload_modules=config_value.get("preload_modules", ["dagster"]))

    def _forkserver(self) -> Any:
        if self._context is None:
            context = multiprocessing.get_context("forkserver")
            # the server is one per process and imports these when it starts, on the first launch
            context.set_forkserver_preload(self.preload_modules)
            self._context = context
        return self._context

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        origin = run.job_code_origin
        if origin is None or os.path.realpath(origin.executable_path) != os.path.realpath(sys.executable):
            super().launch_run(context)
            return
        args = ExecuteRunArgs(job_origin=origin, run_id=run.run_id, instance_ref=self._instance.get_ref())
        process = self._forkserver().Process(target=execute_run, args=(serialize_value(args),),
                                             name=f"dagster-run-{run.run_id}")
        process.start()
        self._instance.add_run_tags(run.run_id, {WORKER_TAG: _identity(process.pid)})
        self._run_ids.add(run.run_id)

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id) if self.has_instance else None
        if run is None or WORKER_TAG not in run.tags:
            return super().terminate(run_id)
        if run.is_finished:
            return False
        self._instance.report_run_canceling(run)
        identity = run.tags[WORKER_TAG]
        if not worker_alive(identity):
            self._instance.report_engine_event(f"The run's worker ({identity}) is not running here; nothing to "
                                               "interrupt.", run, cls=self.__class__)
            return False
        # what Dagster's own run worker does when told to stop: an interrupt, raised at the next safe point
        os.kill(int(identity.rsplit(":", 2)[1]), signal.SIGINT)
        return True


def execute_run(serialized_args: str) -> None:
    """The run worker: what `dagster api execute_run` does, in the forked process."""
    from dagster._cli.api import execute_run_command

    assert execute_run_command.callback is not None
    execute_run_command.callback(serialized_args, None)


def _identity(pid: int) -> str:
    """The identity (host:pid:start time) of a child process, as `worker_identity` gives it inside it."""
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"
