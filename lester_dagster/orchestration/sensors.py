"""The deletion sensor: watches the lake's request folder, validates each request, moves malformed ones
aside with their reason, and launches one partial-refresh (IVM) run per valid request for exactly the
assets derived from the named source, in every pipeline that consumed it."""

import json
from collections.abc import Sequence
from typing import Any

import dagster as dg

from lester_dagster.ivm import DeletionRequest, RequestError
from lester_dagster.ivm.impact import Impact, impact, table_impact
from lester_dagster.orchestration.asset_factory import (
    IO_MANAGER_KEY, MODE_TAG, REQUEST_TAG, LakeSource, affected_pipelines, load_state,
)
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import LesterTranslator, artifacts_of
from lester_dagster.pipeline import PipelineSpec, TablePipeline
from lester_dagster.storage import StorageError

_CURSOR_LIMIT = 1000  # request files remembered in the cursor; run keys dedupe beyond it
IMPACT_TAG = "lester/impact"
_TAG_LIMIT = 4000  # characters of impact kept in the run's tag; the log has all of it


def impact_summary(io: LesterIOManager, pipelines: Sequence[TablePipeline], request: DeletionRequest,
                   translator: LesterTranslator) -> str:
    """What the request will touch in each affected pipeline, from provenance alone (X is mapped, not
    read), so the sensor's runs and its dry-run in the UI show it before anything changes."""
    columns = list(request.columns) if request.action == "redact" else None
    lines = []
    for pipeline in pipelines:
        found = pipeline_impact(io, pipeline, translator, request.source, request.keys, columns)
        lines.append(f"{pipeline.name}: not materialised yet" if found is None else found.summary())
    return "\n".join(lines)


def pipeline_impact(io: LesterIOManager, pipeline: TablePipeline, translator: LesterTranslator, source: str,
                    keys: Sequence[Any], columns: Sequence[str] | None) -> Impact | None:
    """What one pipeline's stored artifacts hold derived from these source rows (None: not materialised)."""
    artifact_keys = {a: translator.get_artifact_key(pipeline, a) for a in artifacts_of(pipeline)}
    try:
        if isinstance(pipeline, PipelineSpec):
            return impact(load_state(io, pipeline, artifact_keys, read_only=True), source, keys, columns)
        return table_impact(pipeline.name, io.load(artifact_keys["output"]).result, source, keys, columns)
    except StorageError:
        return None


def build_deletion_sensor(
    job: Any,  # the partial-refresh asset job (an unresolved asset job definition)
    sources: Sequence[LakeSource],
    pipelines: Sequence[TablePipeline],
    translator: LesterTranslator,
    minimum_interval_seconds: int = 5,
) -> dg.SensorDefinition:
    schemas = {s.name: (s.key, list(s.columns)) for s in sources}

    @dg.sensor(
        name="deletion_requests",
        job=job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=minimum_interval_seconds,
        required_resource_keys={"lake", IO_MANAGER_KEY},
        description="Launches an IVM run for each deletion request filed in the lake's requests/ folder.",
    )
    def deletion_requests(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        lake: DataLake = context.resources.lake
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        seen = json.loads(context.cursor) if context.cursor else []
        runs, rejected = [], []
        for path in lake.pending_requests():
            if path.name in seen:
                continue
            try:
                request = lake.read_request(path, schemas)
            except RequestError as error:
                lake.reject(path, str(error))
                rejected.append(f"{path.name}: {error}")
                context.log.warning(f"rejected deletion request {path.name}: {error}")
                continue
            seen.append(path.name)
            targets = [translator.get_source_key(request.source), translator.get_audit_key()]
            affected = affected_pipelines(pipelines, request.source)
            for pipeline in affected:
                targets += [translator.get_artifact_key(pipeline, a) for a in artifacts_of(pipeline)]
            summary = impact_summary(io, affected, request, translator)
            context.log.info(f"deletion request {path.name} ({request.action} in {request.source}):\n{summary}")
            runs.append(
                dg.RunRequest(
                    run_key=request.request_id,
                    asset_selection=targets,
                    tags={MODE_TAG: "ivm", REQUEST_TAG: str(path.resolve()), "lester/request_id": request.request_id,
                          IMPACT_TAG: summary[:_TAG_LIMIT]},
                )
            )
        cursor = json.dumps(seen[-_CURSOR_LIMIT:])
        if not runs:
            reason = "; ".join(rejected) if rejected else "no new deletion requests"
            return dg.SensorResult(skip_reason=reason, cursor=cursor)
        return dg.SensorResult(run_requests=runs, cursor=cursor)

    return deletion_requests
