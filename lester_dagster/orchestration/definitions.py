"""Everything a code location needs for a set of pipelines over one data lake: source assets, pipeline
multi-assets, the audit log, asset checks, the deletion sensor with its partial-refresh job, and a
schedule that re-materialises everything regularly."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from lester_dagster.ivm.resolve import check_references
from lester_dagster.orchestration.asset_factory import (
    IO_MANAGER_KEY,
    LakeSource,
    build_requests_asset,
    build_source_asset,
)
from lester_dagster.orchestration.audit import build_audit_asset
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.pipeline_assets import build_pipeline_assets, build_table_asset
from lester_dagster.orchestration.sensors import build_deletion_sensor
from lester_dagster.orchestration.translator import VERSIONS, LesterTranslator
from lester_dagster.pipeline import PipelineSpec, TablePipeline

DELETION_JOB, REFRESH_JOB = "apply_deletion_requests", "refresh_pipelines"


def lester_definitions(
    pipelines: Sequence[TablePipeline],
    sources: Sequence[LakeSource],
    lake_dir: str = "data",
    artifacts_dir: str = "artifacts",
    translator: LesterTranslator | None = None,
    refresh_cron: str = "0 3 * * *",
    lake: DataLake | None = None,
    io_manager: LesterIOManager | None = None,
) -> dg.Definitions:
    """Definitions for `pipelines` (ML pipelines, or pipelines that end in a table such as synthesised
    ones) reading `sources` from the lake at `lake_dir` (a local folder, or an object-store URI; pass `lake`
    and `io_manager` to set everything else: a local state folder, storage options, a cache)."""
    translator = translator or LesterTranslator()
    check_references({s.name: s.schema() for s in sources})
    known = {s.name for s in sources}
    for pipeline in pipelines:
        missing = [s for s in pipeline.sources if s not in known]
        if missing:
            raise ValueError(f"pipeline {pipeline.name!r} reads source(s) {missing} that the lake does not declare.")
    requests = build_requests_asset(sources, translator)
    source_assets = [build_source_asset(s, translator) for s in sources]
    pipeline_assets = [
        build_pipeline_assets(p, translator) if isinstance(p, PipelineSpec) else build_table_asset(p, translator)
        for p in pipelines
    ]
    # the audit step waits for each pipeline's versions asset, which every run that touches the pipeline
    # writes (an artifact a run leaves as it was is not materialised, so it cannot be waited for)
    versions_keys = [translator.get_artifact_key(p, VERSIONS) for p in pipelines]
    source_keys = [translator.get_source_key(s.name) for s in sources]
    audit = build_audit_asset([*source_keys, *versions_keys], pipelines, sources, translator)
    everything = dg.AssetSelection.assets(requests, *source_assets, *pipeline_assets, audit)
    # in-process: a deletion touches a few rows; starting a process per step would dwarf the update. It
    # also lets a later run tell a dead run worker from a live one (the journal records its process).
    deletions = dg.define_asset_job(DELETION_JOB, selection=everything, executor_def=dg.in_process_executor,
                                    description="Partial refresh: applies pending deletion requests by IVM, proves "
                                                "and audits them.")
    refresh = dg.define_asset_job(REFRESH_JOB, selection=everything, executor_def=dg.in_process_executor,
                                  description="Re-materialises every source, pipeline artifact and the audit log.")
    return dg.Definitions(
        assets=[requests, *source_assets, *pipeline_assets, audit],
        # "Materialize all" in the UI runs in one process too (see above)
        executor=dg.in_process_executor,
        jobs=[deletions, refresh],
        sensors=[build_deletion_sensor(deletions, sources, pipelines, translator)],
        schedules=[
            dg.ScheduleDefinition(name="nightly_refresh", job=refresh, cron_schedule=refresh_cron,
                                  default_status=dg.DefaultScheduleStatus.RUNNING)
        ],
        resources={
            IO_MANAGER_KEY: io_manager or LesterIOManager(base_dir=artifacts_dir),
            "lake": _with_locations(lake or DataLake(root=lake_dir), sources),
        },
    )


def _with_locations(lake: DataLake, sources: Sequence[LakeSource]) -> DataLake:
    """The lake resource, told where the sources that do not live in its folder are (a database table)."""
    located = {s.name: s.location for s in sources if s.location}
    if not located:
        return lake
    # built anew rather than copied: Dagster re-creates a resource from the fields it was constructed with
    fields = {name: getattr(lake, name) for name in type(lake).model_fields}
    return type(lake)(**{**fields, "tables": {**lake.tables, **located}})
