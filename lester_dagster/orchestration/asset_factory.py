"""Dagster assets of the lake: the deletion journal (`lester/requests`) and one asset per source table,
which applies every accepted request to the lake's table and keeps a snapshot of it for the pipelines
(pipeline_assets.py builds the pipelines' assets). Every asset makes what it stores reflect the journal:
in a run tagged `lester/mode=ivm` (a partial refresh) only what the requests change, in other runs by
reading the lake anew."""


import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import numpy as np

from lester_dagster.engine import SourceData
from lester_dagster.faults import crash_point
from lester_dagster.ivm import DeletionRequest
from lester_dagster.ivm.apply import reflect
from lester_dagster.ivm.journal import OPEN
from lester_dagster.ivm.resolve import SourceSchema
from lester_dagster.ivm.tombstones import pending
from lester_dagster.orchestration import metadata as md
from lester_dagster.orchestration.intake import give_up_on_stuck, take_in
from lester_dagster.orchestration.io_manager import (
    Committed,
    FeatureMatrix,
    LesterIOManager,
    PreparedTable,
    SourceSnapshot,
)
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
from lester_dagster.orchestration.writer import (
    BATCH_TAG,
    FILINGS_TAG,
    MODE_TAG,
    Writer,
    is_ivm,
    worker_alive,
    worker_identity,
    writing,
)
from lester_dagster.pipeline import MaterializedPipeline, PipelineSpec, TablePipeline
from lester_dagster.provenance import source_row_ids
from lester_dagster.storage import StorageError, Transaction
from lester_dagster.storage.tables import DeltaSource, FileSource, SqlSource

IO_MANAGER_KEY = "lester_io"
REQUEST_TAG = "lester/request_id"  # kept for older tooling; runs are keyed by batch now
__all__ = [
    "BATCH_TAG", "FILINGS_TAG", "IO_MANAGER_KEY", "MODE_TAG", "LakeSource", "affected_pipelines",
    "build_requests_asset", "build_source_asset", "load_state",
]


@dataclass(frozen=True)
class LakeSource:
    """A source table of the lake: its name, key column, the columns pipelines may rely on, and which of
    them refer to another source's column (`{"email": "customers.customer_email"}`): an erasure of a
    customer follows the reference to their mails."""

    name: str
    key: str | None
    columns: tuple[str, ...]
    references: Mapping[str, str] = field(default_factory=dict)
    # where it lives when not in the lake's folder: a Delta table URI, or a database URL (a PostgreSQL
    # table of the source's name; "#table" names another), e.g. "postgresql+psycopg://lester@db/crm"
    location: str | None = None

    def schema(self) -> SourceSchema:
        references = {}
        for column, target in self.references.items():
            source, _, target_column = target.partition(".")
            if not source or not target_column:
                raise ValueError(f"source {self.name!r}: reference {column!r} -> {target!r} must name 'source.column'.")
            references[column] = (source, target_column)
        return SourceSchema(self.name, self.key, tuple(self.columns), references)


def affected_pipelines(pipelines: Sequence[TablePipeline], sources: str | Sequence[str]) -> list[TablePipeline]:
    """The pipelines that consumed any of these sources: a deletion request fans out to all of them."""
    wanted = {sources} if isinstance(sources, str) else set(sources)
    return [p for p in pipelines if wanted & set(p.sources)]


def run_alive(instance: dg.DagsterInstance, run_id: str, worker: str = "") -> bool:
    """Whether a run may still apply the requests it took: queued or starting, or started with a live
    worker process (a worker killed with -9 leaves its run STARTED forever under the default launcher)."""
    if not run_id:
        return False
    run = instance.get_run_by_id(run_id)
    if run is None:
        return False
    if run.status in (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                      dg.DagsterRunStatus.CANCELING):
        return True
    if run.status == dg.DagsterRunStatus.STARTED:
        return worker_alive(worker) is not False
    return False


# ---- the journal ------------------------------------------------------------------------------------------


def build_requests_asset(sources: Sequence[LakeSource], translator: LesterTranslator) -> dg.AssetsDefinition:
    schemas = {s.name: s.schema() for s in sources}
    key = translator.get_requests_key()
    valid = dg.AssetCheckSpec("requests_valid", asset=key,
                              description="Every request file taken in was valid; lists the rejected ones and "
                                          "requests that failed repeatedly, with their reasons.")

    @dg.asset(key=key, group_name="lester", check_specs=[valid], required_resource_keys={"lake", IO_MANAGER_KEY},
              description="The deletion journal: takes in request files from the lake's requests/ folder, "
                          "validates them and assigns each an id; the record of every request's state.")
    def requests(context: dg.AssetExecutionContext) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads it: only the bare class
        lake: DataLake = context.resources.lake
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        instance = context.instance
        filings = context.run.tags.get(FILINGS_TAG)
        with writing(context, lake, io) as w:
            report = take_in(lake, schemas, None if filings is None else [f for f in filings.split(",") if f],
                             run_id=context.run.run_id, worker=worker_identity())
            stuck = give_up_on_stuck(lake, lambda e: run_alive(instance, e.run_id, e.worker))
            _report_dead_runs(instance, w, context.run.run_id)
            selection = context.run.asset_selection
            covered = [e for e in w.journal.entries(OPEN) if selection is None or
                       all(translator.get_source_key(s) in selection for s in e.sources)]
            w.journal.start([e.seq for e in covered], context.run.run_id, worker_identity())
            states = _counts(w.journal)
        failed = w.journal.entries(["failed"])
        problems = [f"{rid}: {reason}" for rid, reason in report.rejected]
        problems += [f"{e.request_id} failed: {e.last_error}" for e in failed]
        check = dg.AssetCheckResult(
            check_name=valid.name, passed=not problems, severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejected in this run": len(report.rejected), "failed requests": len(failed),
                      "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")},
        )
        for entry in report.accepted:
            context.log.info(f"accepted request {entry.request_id} (#{entry.seq}): {entry.summary}")
        for rid, reason in report.rejected:
            context.log.warning(f"rejected request file as {rid}: {reason}")
        for entry in stuck:
            context.log.error(f"request {entry.request_id} failed {entry.attempts} times and waits for an operator")
        return dg.MaterializeResult(
            check_results=[check],
            metadata={"accepted in this run": len(report.accepted), "rejected in this run": len(report.rejected),
                      "files still being written": report.waiting, "journal watermark": w.watermark,
                      "being applied by this run": len(covered),
                      **{f"requests {state}": n for state, n in states.items()}},
        )

    return requests


def _counts(journal: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for entry in journal.entries():
        out[entry.state] = out.get(entry.state, 0) + 1
    return out


def _report_dead_runs(instance: dg.DagsterInstance, w: Writer, this_run: str) -> None:
    """A run whose worker died still shows as started; say in Dagster that it failed, so the UI agrees
    with the journal (its requests are relaunched)."""
    for entry in w.journal.entries(OPEN):
        if entry.run_id and entry.run_id != this_run and worker_alive(entry.worker) is False:
            run = instance.get_run_by_id(entry.run_id)
            if run is not None and run.status == dg.DagsterRunStatus.STARTED:
                instance.report_run_failed(run, "the run worker process died (found by a later lester run); "
                                                "its deletion requests are applied by a new run")


# ---- sources ----------------------------------------------------------------------------------------------


def build_source_asset(source: LakeSource, translator: LesterTranslator) -> dg.AssetsDefinition:
    key = translator.get_source_key(source.name)
    erasure = dg.AssetCheckSpec("erasure_holds", asset=key, blocking=True,
                                description="No row that an accepted request erased, and no cell it redacted, is "
                                            "in the lake's file or in this snapshot of it.")

    @dg.asset(
        key=key,
        group_name="lake",
        deps=[translator.get_requests_key()],
        io_manager_key=IO_MANAGER_KEY,
        kinds={"csv", "pandas"},
        check_specs=[erasure],
        description=f"Source table `{source.name}` of the data lake, keyed by `{source.key}`, as the pipelines "
                    "read it: with every accepted deletion request applied.",
        required_resource_keys={"lake", IO_MANAGER_KEY},
    )
    # returns a value (no Nothing-typed annotation), and Dagster takes any annotation of an asset with checks
    # for its outputs' types: none at all
    def _source(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]
        lake: DataLake = context.resources.lake
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        started = time.perf_counter()
        with writing(context, lake, io) as w:
            effects = w.journal.effects(source=source.name, through=w.watermark)
            frame = lake.read(source.name, source.columns)
            data = SourceData(source.name, source.key, frame, source_row_ids(frame, source.key, source.name))
            clean, rows, cells = reflect(data, [e for _, e in effects])
            txn = w.transaction()
            try:
                if rows or cells:
                    _change_lake(lake, source, txn, data, clean, [e for _, e in effects])
                store = io.folder(key)
                current, new = store.current(), True
                version: int | None  # None: a kept version that was never written (keep_version)
                if is_ivm(context) and current is not None:
                    # a partial refresh changes only what the requests change; the next full refresh reads the lake
                    snapshot = io.load(key, expect=SourceSnapshot).data
                    later = [e for seq, e in effects if seq > store.reflects_through()]
                    kept, snap_rows, snap_cells = reflect(snapshot, later)
                    if snap_rows or snap_cells:
                        version = io.stage(txn, key, SourceSnapshot(kept), w.watermark, base=current)
                        clean = kept
                    else:
                        version, new, clean = txn.keep_version(store, w.watermark, base=current), False, snapshot
                else:
                    version = io.stage(txn, key, SourceSnapshot(clean), w.watermark)
                crash_point("lake:after-stage")
                txn.commit()
            except BaseException:
                txn.abort()
                raise
            check = _source_check(erasure.name, lake, source, clean, [e for _, e in effects])
        if (rows or cells) and not is_ivm(context):
            context.log.warning(f"{rows} erased row(s) and {cells} redacted cell(s) were back in the lake's "
                                f"{source.name} file (an old copy restored?) and were removed again")
        return dg.MaterializeResult(
            value=Committed(version, w.watermark, new), check_results=[check],
            metadata={**md.for_source(clean), "lester/lake rows erased now": rows, "lester/lake cells redacted now": cells,
                      "lester/reflects requests through": w.watermark,
                      "lester/lake ms": round(1000 * (time.perf_counter() - started), 2)},
        )

    return _source


def _change_lake(lake: DataLake, source: LakeSource, txn: Transaction, data: SourceData, clean: SourceData,
                 effects: Sequence[DeletionRequest]) -> None:
    """Applies to the lake's table what it does not reflect yet, in the table's own way: a file is
    rewritten by the step's transaction, a Delta or SQL table commits a transaction of its own first
    (a crash after it only leaves the snapshot behind, which the retried step catches up)."""
    table = lake.table(source.name)
    if isinstance(table, FileSource):
        txn.replace_file(table.stage(clean.frame), table.path)
    elif source.key is None:
        if not isinstance(table, DeltaSource):
            raise StorageError(f"source {source.name!r} has no key column, so its rows cannot be deleted in place in "
                               "a database; declare its key.")
        table.overwrite(clean.frame)
    elif isinstance(table, (DeltaSource, SqlSource)):
        todo = pending(data, effects)
        table.apply(source.key, todo.erase, todo.redact)
    else:
        raise StorageError(f"source {source.name!r}: a {type(table).__name__} cannot apply deletions in place.")


def _source_check(name: str, lake: DataLake, source: LakeSource, snapshot: SourceData,
                  effects: Sequence[DeletionRequest]) -> dg.AssetCheckResult:
    """The lake's file (read back) and the snapshot reflect every accepted request."""
    frame = lake.read(source.name, source.columns)
    in_lake = SourceData(source.name, source.key, frame, source_row_ids(frame, source.key, source.name))
    problems = [f"lake file: {p}" for p in source_problems(in_lake, effects)]
    problems += [f"snapshot: {p}" for p in source_problems(snapshot, effects)]
    return dg.AssetCheckResult(check_name=name, passed=not problems, metadata={
        "effects checked": len(effects),
        "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")})


def source_problems(data: SourceData, effects: Sequence[DeletionRequest]) -> list[str]:
    """What of these effects a source still holds (counts only)."""
    erased = [data.ids_for(e.keys) for e in effects if e.action == "erase" and e.source == data.name]
    problems = []
    if erased:
        left = int(np.isin(data.ids, np.concatenate(erased)).sum())
        if left:
            problems.append(f"{left} erased row(s) still present")
    for e in effects:
        if e.action == "redact" and e.source == data.name:
            rows = np.isin(data.ids, data.ids_for(e.keys))
            filled = int(data.frame.loc[rows, list(e.columns)].notna().to_numpy().sum())
            if filled:
                problems.append(f"{filled} redacted cell(s) of {', '.join(e.columns)} still hold values")
    return problems


# ---- reading a pipeline's artifacts ---------------------------------------------------------------------


def load_state(io: LesterIOManager, spec: PipelineSpec, keys: Mapping[str, dg.AssetKey],
               read_only: bool = False) -> MaterializedPipeline:
    """A pipeline's current artifacts, ready for incremental maintenance. X is mapped, not read: pages are
    read as rows are used, and changes stay in memory (copy-on-write) until a new version is written;
    `read_only` maps it read-only, for queries such as impact and the checks."""
    pointers = {a: io.folder(keys[a]).pointer() for a in ARTIFACTS}
    for artifact, upstream in (("features", "prepared"), ("model", "features"), ("evaluation", "model")):
        derived = pointers[artifact].get("inputs", {}).get(upstream)
        if derived is not None and derived != pointers[upstream].get("version"):
            raise StorageError(
                f"pipeline {spec.name!r}: {artifact} was computed from {upstream} version {derived}, but {upstream} is "
                f"at version {pointers[upstream].get('version')}; materialise the pipeline again to put them in step."
            )
    from lester_dagster.model import mlp

    prepared = io.load(keys["prepared"], expect=PreparedTable).result
    features = io.load(keys["features"], mmap_mode="r" if read_only else "c", expect=FeatureMatrix)
    model = io.load(keys["model"], expect=mlp.TrainedModel)
    if len(features.X) != len(prepared.frame):
        raise StorageError(f"pipeline {spec.name!r}: X has {len(features.X)} rows but the prepared table "
                           f"{len(prepared.frame)}; materialise the pipeline again.")
    plan = spec.plan({name: data.frame for name, data in prepared.sources.items()})
    return MaterializedPipeline(
        spec, plan, prepared, features.encoder, features.matrix, features.X, features.y,
        features.is_test, model, dict(model.metrics),
    )
