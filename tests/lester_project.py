"""A small lester project for the Dagster tests: the example lake (customers and their mails, the mails
referring to their senders), the word-count variant of the complaints pipeline, and helpers that file a
request as a user would, evaluate the sensor and run what it asks for."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import dagster as dg

from example_project.customer_risk import CUSTOMER_RISK
from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import write_lake
from lester_dagster.orchestration import (
    DELETION_JOB,
    REFRESH_JOB,
    DataLake,
    LakeSource,
    LesterIOManager,
    lester_definitions,
)
from lester_dagster.pipeline import TablePipeline
from tests.object_store import BUCKET

SOURCES = [
    LakeSource("customers", "customer_id", ("customer_id", "customer_email", "bank", "country", "level")),
    LakeSource("mails", "mail_id", ("mail_id", "email", "raw_date", "mail_subject", "mail_text"),
               references={"email": "customers.customer_email"}),
]
PREPARED = dg.AssetKey(["complaints_word_counts", "prepared"])
FEATURES = dg.AssetKey(["complaints_word_counts", "features"])
MODEL = dg.AssetKey(["complaints_word_counts", "model"])
EVALUATION = dg.AssetKey(["complaints_word_counts", "evaluation"])
AUDIT = dg.AssetKey(["lester", "audit_log"])
MAILS, CUSTOMERS = dg.AssetKey(["lake", "mails"]), dg.AssetKey(["lake", "customers"])
KNOWN = {p.name: p for p in (WORD_COUNT_PIPELINE, CUSTOMER_RISK)}
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def project(root: Path, mails: int = 1200, seed: int = 0, pipelines: list[TablePipeline] | None = None,
            write: bool = True, lake_format: str = "delta",
            store: str = "local") -> tuple[dg.Definitions, DataLake, LesterIOManager]:
    """The project under `root`; `write` generates its lake (Delta tables unless `lake_format` says CSV or
    Parquet) and records its pipelines and store in `root/project.json`, so a worker process opening it
    with write=False builds the same definitions. With `store="s3"` the lake's tables and the artifacts
    live in the S3-compatible test server (tests.object_store), under a prefix of their own; the journal,
    requests and caches stay in `root`."""
    config = root / "project.json"
    if write:
        settings = {"pipelines": [p.name for p in pipelines or [WORD_COUNT_PIPELINE]], "store": store,
                    "prefix": f"{root.name}-{uuid.uuid4().hex[:8]}"}
        root.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps(settings))
        write_lake(_locations(root, settings)[0], mails, seed=seed, format=lake_format)
    settings = json.loads(config.read_text()) if config.exists() else {"pipelines": [WORD_COUNT_PIPELINE.name]}
    pipelines = pipelines or [KNOWN[n] for n in settings["pipelines"]]
    lake_root, artifacts = _locations(root, settings)
    if settings.get("store") == "s3":
        lake = DataLake(root=lake_root, state_dir=str(root / "state"))
        io = LesterIOManager(base_dir=artifacts, cache_dir=str(root / "cache"))
    else:
        lake, io = DataLake(root=lake_root), LesterIOManager(base_dir=artifacts)
    defs = lester_definitions(pipelines, SOURCES, lake=lake, io_manager=io)
    return defs, lake, io


def _locations(root: Path, settings: dict[str, Any]) -> tuple[str, str]:
    if settings.get("store") == "s3":
        base = f"s3://{BUCKET}/{settings['prefix']}"
        return f"{base}/lake", f"{base}/artifacts"
    return str(root / "lake"), str(root / "artifacts")


def copy_project(source: Path, target: Path) -> None:
    """A copy of a project to change freely: its folder, and its objects under a new prefix."""
    shutil.copytree(source, target, symlinks=True)
    settings = json.loads((target / "project.json").read_text())
    if settings.get("store") == "s3":
        from upath import UPath

        fs = UPath(f"s3://{BUCKET}").fs
        prefix = f"{target.name}-{uuid.uuid4().hex[:8]}"
        fs.copy(f"{BUCKET}/{settings['prefix']}/", f"{BUCKET}/{prefix}/", recursive=True)
        settings["prefix"] = prefix
        (target / "project.json").write_text(json.dumps(settings))


def refresh(defs: dg.Definitions, instance: dg.DagsterInstance, **kwargs: Any) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance, run_config=QUIET, **kwargs)


def file_request(lake: DataLake, request: Any, age: float = 10.0) -> Path:
    """Files a request the way a user does, and lets it settle (as if written `age` seconds ago)."""
    path = lake.submit(request)
    settle(path, age)
    return path


def settle(path: Path, age: float = 10.0) -> None:
    past = time.time() - age
    os.utime(path, (past, past), follow_symlinks=False)


def tick(defs: dg.Definitions, instance: dg.DagsterInstance, lake: DataLake, io: LesterIOManager):
    sensor = defs.resolve_sensor_def("deletion_requests")
    context = dg.build_sensor_context(instance=instance, resources={"lake": lake, "lester_io": io}, definitions=defs)
    return sensor.evaluate_tick(context)


def run(defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest, **kwargs: Any) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def(DELETION_JOB)
    return job.execute_in_process(instance=instance, tags=request.tags, asset_selection=request.asset_selection,
                                  run_config=QUIET, **kwargs)


def apply_pending(defs: dg.Definitions, instance: dg.DagsterInstance, lake: DataLake, io: LesterIOManager,
                  rounds: int = 5) -> list[dg.ExecuteInProcessResult]:
    """Ticks and runs what the sensor asks for until it asks for nothing more (bounded)."""
    results = []
    for _ in range(rounds):
        requests = tick(defs, instance, lake, io).run_requests
        if not requests:
            return results
        results += [run(defs, instance, r, raise_on_error=False) for r in requests]
    raise AssertionError(f"the sensor still asks for runs after {rounds} rounds")
