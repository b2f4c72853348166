"""The deletion sensor. It only reads: the request files waiting in the lake, the journal and Dagster's
runs. Each tick it previews every new request file (validation and impact, with no side effects, so
the UI's "Preview tick result" is a true dry run) and asks for one run that takes all of them in and
applies them, together with every accepted request whose run died or failed. The run, not the sensor,
moves files and writes the journal, under the lake's lock."""


import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import dagster as dg

from lester_dagster.ivm import DeletionRequest
from lester_dagster.ivm.impact import Impact, impact, table_impact
from lester_dagster.ivm.journal import FAILED, OPEN, Entry
from lester_dagster.ivm.resolve import SourceSchema
from lester_dagster.orchestration.asset_factory import (
    IO_MANAGER_KEY,
    LakeSource,
    affected_pipelines,
    load_state,
    run_alive,
)
from lester_dagster.orchestration.intake import MAX_ATTEMPTS, MAX_FILINGS_PER_RUN, validate
from lester_dagster.orchestration.io_manager import LesterIOManager, PreparedTable
from lester_dagster.orchestration.lake import DataLake, Filing
from lester_dagster.orchestration.translator import LesterTranslator, artifacts_of, assets_of
from lester_dagster.orchestration.writer import BATCH_TAG, FILINGS_TAG, MODE_TAG
from lester_dagster.pipeline import PipelineSpec, TablePipeline

if TYPE_CHECKING:
    import pandas as pd

IMPACT_TAG = "lester/impact"
_TAG_LIMIT = 4000  # characters of impact kept in the run's tag; the sensor's log has all of it


def pipeline_impact(io: LesterIOManager, pipeline: TablePipeline, translator: LesterTranslator, source: str,
                    keys: Sequence[Any], columns: Sequence[str] | None) -> Impact | None:
    """What one pipeline's stored artifacts hold derived from these source rows (None: not materialised)."""
    artifact_keys = {a: translator.get_artifact_key(pipeline, a) for a in artifacts_of(pipeline)}
    if any(io.current_version(k) is None for k in artifact_keys.values()):
        return None
    if isinstance(pipeline, PipelineSpec):
        return impact(load_state(io, pipeline, artifact_keys, read_only=True), source, keys, columns)
    return table_impact(pipeline.name, io.load(artifact_keys["output"], expect=PreparedTable).result, source, keys, columns)


def effect_impact(io: LesterIOManager, pipelines: Sequence[TablePipeline], effect: DeletionRequest,
                  translator: LesterTranslator) -> list[str]:
    """One line per pipeline the effect reaches: rows, cells and X ranges, from provenance alone."""
    columns = list(effect.columns) if effect.action == "redact" else None
    lines = []
    for pipeline in affected_pipelines(pipelines, effect.source):
        try:
            found = pipeline_impact(io, pipeline, translator, effect.source, effect.keys, columns)
            lines.append(f"{pipeline.name}: not materialised yet" if found is None else found.summary())
        except Exception as error:  # noqa: BLE001 - an unreadable artifact must not hide the other requests
            lines.append(f"{pipeline.name}: impact unknown ({type(error).__name__}); the run will apply the request")
    return lines


@dataclass
class Batch:
    """What one tick asks a run to do, and what it says about it (counts and ids, never keys or values)."""

    filings: list[Filing] = field(default_factory=list)
    relaunch: list[Entry] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    waiting: int = 0
    failed: list[Entry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.filings and not self.relaunch

    @property
    def key(self) -> str:
        parts = sorted(f.identity for f in self.filings) + sorted(f"{e.seq}:{e.attempts}:{e.run_id}" for e in self.relaunch)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]

    def skip_reason(self) -> str:
        text = "no new deletion requests"
        if self.waiting:
            text += f"; {self.waiting} request file(s) still being written"
        if self.failed:
            text += (f"; {len(self.failed)} request(s) failed {MAX_ATTEMPTS} times and wait for an operator: "
                     + ", ".join(e.request_id for e in self.failed[:10]) + " (`lester-dagster requests --lake ...`)")
        return text


def plan_batch(instance: dg.DagsterInstance, lake: DataLake, io: LesterIOManager, schemas: dict[str, SourceSchema],
               pipelines: Sequence[TablePipeline], translator: LesterTranslator) -> Batch:
    """The next run's work, read-only."""
    batch, journal = Batch(), lake.journal
    frames: dict[str, pd.DataFrame] = {}
    for number, filing in enumerate(lake.filings(), start=1):
        if not filing.settled:
            batch.waiting += 1
            continue
        if len(batch.filings) >= MAX_FILINGS_PER_RUN:
            batch.waiting += 1
            continue
        batch.filings.append(filing)
        if journal.by_filing(filing.identity) is not None:
            continue  # taken in by a run that died before filing it away: the next run finishes that
        try:
            checked = validate(filing, lake, schemas, frames=frames)
        except Exception as error:  # noqa: BLE001 - a preview must never fail the tick, whatever the file holds
            batch.lines.append(f"file {number}: cannot be previewed ({type(error).__name__}); the run will judge it")
            continue
        if checked.error:
            batch.lines.append(f"file {number}: will be rejected: {checked.error}")
        elif checked.retry:
            batch.lines.append(f"file {number}: cannot be judged until the lake is readable again")
        else:
            resolution = checked.resolution
            assert resolution is not None
            batch.sources |= {e.source for e in resolution.effects}
            batch.lines.append(f"file {number}: {resolution.summary()}")
            for effect in resolution.effects:
                batch.lines += [f"  {line}" for line in effect_impact(io, pipelines, effect, translator)]
    for entry in journal.entries(OPEN):
        if not run_alive(instance, entry.run_id, entry.worker):
            batch.relaunch.append(entry)
            batch.sources |= set(entry.sources)
            why = "was never started" if not entry.run_id else "lost its run"
            batch.lines.append(f"request {entry.request_id} {why} (attempt {entry.attempts + 1}): {entry.summary}")
    batch.failed = journal.entries([FAILED])
    return batch


def build_deletion_sensor(
    job: Any,  # the partial-refresh asset job (an unresolved asset job definition)
    sources: Sequence[LakeSource],
    pipelines: Sequence[TablePipeline],
    translator: LesterTranslator,
    minimum_interval_seconds: int = 1,
) -> dg.SensorDefinition:
    # Dagster's daemon evaluates sensors at most every 5 s (its loop), and skips a sensor whose interval has
    # not passed since its previous tick started: an interval of 5 s missed every other pass of the loop, so
    # a request waited up to 10 s. Below the loop's period, the sensor ticks on every pass; with nothing
    # pending a tick lists the requests folder and reads the journal (milliseconds, benchmarks/RESULTS.md).
    schemas = {s.name: s.schema() for s in sources}

    @dg.sensor(
        name="deletion_requests",
        job=job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=minimum_interval_seconds,
        required_resource_keys={"lake", IO_MANAGER_KEY},
        description="Launches one partial-refresh (IVM) run for the deletion requests filed in the lake's requests/ "
                    "folder and for accepted requests whose run died. Reads only: a dry run changes nothing.",
    )
    def deletion_requests(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        lake: DataLake = context.resources.lake
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        batch = plan_batch(context.instance, lake, io, schemas, pipelines, translator)
        if batch.empty:
            return dg.SkipReason(batch.skip_reason())
        summary = "\n".join(batch.lines)
        context.log.info(f"deletion batch {batch.key}:\n{summary}")
        targets = [translator.get_requests_key()]
        if batch.sources:
            targets += [translator.get_source_key(s) for s in sorted(batch.sources)]
            for pipeline in affected_pipelines(pipelines, sorted(batch.sources)):
                targets += [translator.get_artifact_key(pipeline, a) for a in assets_of(pipeline)]
            targets.append(translator.get_audit_key())
        return dg.SensorResult(run_requests=[dg.RunRequest(
            run_key=f"lester-{batch.key}",
            asset_selection=targets,
            tags={MODE_TAG: "ivm", BATCH_TAG: batch.key, FILINGS_TAG: ",".join(f.short for f in batch.filings),
                  IMPACT_TAG: summary[:_TAG_LIMIT]},
        )])

    return deletion_requests
