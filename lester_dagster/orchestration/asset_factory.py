"""Dagster assets from declarative pipelines: the deletion journal (`lester/requests`), one asset per lake
source and, per pipeline, a multi-asset (prepared table, feature matrix, model, evaluation) that can be
subset. Every asset makes what it stores reflect the journal: in a run tagged `lester/mode=ivm` (a partial
refresh) by applying the requests it lacks by incremental view maintenance, in other runs by recomputing
from the lake, where accepted requests are applied on every read, and catching up at commit time on
requests accepted meanwhile. A pipeline's artifacts are committed together, in one transaction."""


import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import numpy as np

from lester_dagster.engine import Result, SourceData
from lester_dagster.faults import crash_point, pause_point
from lester_dagster.ivm import DeletionReport, DeletionRequest, apply_deletion
from lester_dagster.ivm.apply import apply_to_table, reflect
from lester_dagster.ivm.journal import OPEN, Entry
from lester_dagster.ivm.resolve import SourceSchema
from lester_dagster.ivm.tombstones import pending
from lester_dagster.storage.tables import DeltaSource, FileSource
from lester_dagster.model import TrainedModel, evaluate
from lester_dagster.orchestration import metadata as md
from lester_dagster.orchestration.intake import give_up_on_stuck, take_in
from lester_dagster.orchestration.io_manager import (
    Committed, FeatureMatrix, JsonRecord, LesterIOManager, PreparedTable, SourceSnapshot, Unchanged,
)
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
from lester_dagster.orchestration.writer import (
    BATCH_TAG, FILINGS_TAG, MODE_TAG, Writer, is_ivm, worker_alive, worker_identity, writing,
)
from lester_dagster.pipeline import Encoded, MaterializedPipeline, PipelineSpec, TablePipeline, encode, fit_model
from lester_dagster.provenance import source_row_ids
from lester_dagster.storage import StaleVersionError, StorageError, Transaction

IO_MANAGER_KEY = "lester_io"
REQUEST_TAG = "lester/request_id"  # kept for older tooling; runs are keyed by batch now
__all__ = [
    "BATCH_TAG", "FILINGS_TAG", "IO_MANAGER_KEY", "MODE_TAG", "LakeSource", "affected_pipelines",
    "build_pipeline_assets", "build_requests_asset", "build_source_asset", "build_table_asset", "load_state",
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
    def requests(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
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
    def _source(context: dg.AssetExecutionContext):  # returns a value: no Nothing-typed annotation
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
                if is_ivm(context) and current is not None:
                    # a partial refresh changes only what the requests change; the next full refresh reads the lake
                    snapshot = io.load(key).data
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
    else:
        todo = pending(data, effects)
        table.apply(source.key, todo.erase, todo.redact)


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


# ---- ML pipelines -----------------------------------------------------------------------------------------


def build_pipeline_assets(spec: PipelineSpec, translator: LesterTranslator | None = None) -> dg.AssetsDefinition:
    """The prepared table, feature matrix, model and its evaluation of one pipeline, as a multi-asset that can be subset."""
    translator = translator or LesterTranslator()
    keys = {artifact: translator.get_artifact_key(spec, artifact) for artifact in ARTIFACTS}
    source_keys = [translator.get_source_key(s) for s in spec.sources]
    deps = {"prepared": source_keys, "features": [keys["prepared"]], "model": [keys["features"]],
            "evaluation": [keys["model"], keys["features"]]}
    kinds = {"prepared": {"pandas"}, "features": {"sklearn"}, "model": {"pytorch"}, "evaluation": {"json"}}
    specs = [
        dg.AssetSpec(keys[a], deps=deps[a], group_name=translator.get_group_name(spec),
                     description=translator.get_description(spec, a), kinds=kinds[a])
        for a in ARTIFACTS
    ]

    @dg.multi_asset(
        name=f"{spec.name}_pipeline",
        specs=[s.with_io_manager_key(IO_MANAGER_KEY) for s in specs],
        can_subset=True,
        required_resource_keys={IO_MANAGER_KEY, "lake"},
    )
    def _pipeline(context: dg.AssetExecutionContext):
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        lake: DataLake = context.resources.lake
        if is_ivm(context):
            yield from _maintain(context, io, lake, spec, keys, translator)
        else:
            yield from _materialize(context, io, lake, spec, keys, translator)

    return _pipeline


def _selected_artifacts(context: dg.AssetExecutionContext, keys: Mapping[str, dg.AssetKey]) -> list[str]:
    selected = [a for a in ARTIFACTS if keys[a] in context.selected_asset_keys]
    # X is derived from the prepared table and the model from X: committing one without what derives from
    # it would leave the pipeline's artifacts out of step, and incremental maintenance needs them in step
    for upstream, downstream in (("prepared", "features"), ("features", "model")):
        if upstream in selected and downstream not in selected:
            raise StorageError(
                f"materialising {keys[upstream].to_user_string()} without {keys[downstream].to_user_string()} would "
                "leave the pipeline's artifacts out of step; select it too (or the pipeline's whole group)."
            )
    return selected


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
    prepared = io.load(keys["prepared"]).result
    features = io.load(keys["features"], mmap_mode="r" if read_only else "c")
    model = io.load(keys["model"])
    if len(features.X) != len(prepared.frame):
        raise StorageError(f"pipeline {spec.name!r}: X has {len(features.X)} rows but the prepared table "
                           f"{len(prepared.frame)}; materialise the pipeline again.")
    plan = spec.plan({name: data.frame for name, data in prepared.sources.items()})
    return MaterializedPipeline(
        spec, plan, prepared, features.encoder, features.matrix, features.X, features.y,
        features.is_test, model, dict(model.metrics),
    )


def _maintain(context: Any, io: LesterIOManager, lake: DataLake, spec: PipelineSpec,
              keys: Mapping[str, dg.AssetKey], translator: LesterTranslator) -> Any:
    """A partial refresh: the requests the pipeline's artifacts lack, applied by IVM, committed together."""
    if len(_selected_artifacts(context, keys)) != len(ARTIFACTS):
        raise StorageError(f"a partial refresh maintains pipeline {spec.name!r}'s artifacts together: select all of "
                           f"{[keys[a].to_user_string() for a in ARTIFACTS]}.")
    with writing(context, lake, io) as w:
        stores = {a: io.folder(keys[a]) for a in ARTIFACTS}
        if any(store.current() is None for store in stores.values()):
            for artifact in _selected_artifacts(context, keys):
                yield dg.MaterializeResult(asset_key=keys[artifact], value=Unchanged(
                    "not materialised yet: its first materialisation reads the lake, where the requests are applied"))
            return
        started = time.perf_counter()
        state = load_state(io, spec, keys)
        load_ms = round(1000 * (time.perf_counter() - started), 2)
        since = min(store.reflects_through() for store in stores.values())
        pending = [(seq, e) for seq, e in w.journal.effects(after=since, through=w.watermark) if e.source in spec.sources]
        reports = [(seq, apply_deletion(state, e)) for seq, e in pending]
        for _, r in reports:
            context.log.info(f"{spec.name}: request {r.request_id} on {r.source}: {r.prepared_mode}, "
                             f"{r.prepared_rows_removed} rows removed, {r.prepared_rows_changed} changed, "
                             f"{r.x_cells} X cells, {1000 * r.total_seconds:.1f} ms")
        committed = _commit_pipeline(w, io, spec, keys, state, reports, mode="ivm")
    ivm = {"lester/ivm ms": round(sum(1000 * r.total_seconds for _, r in reports), 2), "lester/load ms": load_ms,
           "lester/requests applied": ", ".join(dict.fromkeys(r.request_id for _, r in reports)) or "none"}
    yield from _results(keys, state, committed, translator, spec, ivm, {a: True for a in ARTIFACTS})


def _materialize(context: Any, io: LesterIOManager, lake: DataLake, spec: PipelineSpec,
                 keys: Mapping[str, dg.AssetKey], translator: LesterTranslator) -> Any:
    """A full (or downstream) recomputation, done without the lock (it can take hours at scale), then
    committed under it after catching up on requests accepted while it ran."""
    selected = _selected_artifacts(context, keys)
    source_key = translator.get_source_key
    stored: FeatureMatrix | None = None
    model: TrainedModel | None = None
    bases: dict[str, Any] = {}
    with lake.lock.shared():  # no version we read is purged while we read it
        if "prepared" in selected:
            snapshots = {s: io.folder(source_key(s)) for s in spec.sources}
            missing = [s for s, store in snapshots.items() if store.current() is None]
            if missing:
                raise StorageError(f"pipeline {spec.name!r} reads source(s) {missing} that are not materialised; "
                                   "materialise lake/* first (or the whole graph).")
            since = min(store.reflects_through() for store in snapshots.values())
            frames = {s: io.load(source_key(s)).data.frame for s in spec.sources}
        else:
            since = io.reflects_through(keys["prepared"])
            bases = {a: io.current_version(keys[a]) for a in ARTIFACTS if a not in selected}
            prepared = io.load(keys["prepared"]).result
            if "features" not in selected:
                stored = io.load(keys["features"])
            if "model" not in selected:
                model = io.load(keys["model"])
    if "prepared" in selected:
        plan = spec.plan(frames)
        prepared = plan.execute()
    else:
        plan = spec.plan({name: data.frame for name, data in prepared.sources.items()})
    if stored is None:
        encoded = encode(spec, prepared)
    else:
        encoded = Encoded(stored.X, stored.y, stored.is_test, stored.encoder, stored.matrix)
    if model is None:
        model = fit_model(spec, encoded)
    else:  # the evaluation alone re-scores the stored model
        model.metrics = evaluate(model, encoded.X[encoded.is_test], encoded.y[encoded.is_test])
    state = MaterializedPipeline(spec, plan, prepared, encoded.encoder, encoded.matrix, encoded.X, encoded.y,
                                 encoded.is_test, model, dict(model.metrics))
    pause_point("refresh:before-commit")
    with writing(context, lake, io) as w:
        reports = []
        if "prepared" in selected:
            pending = [(seq, e) for seq, e in w.journal.effects(after=since, through=w.watermark) if e.source in spec.sources]
            reports = [(seq, apply_deletion(state, e)) for seq, e in pending]
        newly = [(e.seq, e) for e in w.journal.entries(after=io.reflects_through(keys["prepared"]), through=w.watermark)
                 if set(e.sources) & set(spec.sources)] if "prepared" in selected else []
        committed = _commit_pipeline(w, io, spec, keys, state, reports, mode="refresh", only=selected, bases=bases,
                                     reflects=w.watermark if "prepared" in selected else since, recomputed=newly)
    yield from _results(keys, state, committed, translator, spec, {}, {a: a in selected for a in ARTIFACTS})


def _commit_pipeline(w: Writer, io: LesterIOManager, spec: PipelineSpec, keys: Mapping[str, dg.AssetKey],
                     state: MaterializedPipeline, reports: Sequence[tuple[int, DeletionReport]], mode: str,
                     only: Sequence[str] = ARTIFACTS, bases: Mapping[str, Any] | None = None,
                     reflects: int | None = None, recomputed: Sequence[tuple[int, Entry]] = ()) -> dict[str, Committed]:
    """Stages the pipeline's new versions (or keeps those a request did not change) and commits them in
    one transaction, with the reports of the requests they now reflect."""
    reflects = w.watermark if reflects is None else reflects
    stores = {a: io.folder(keys[a]) for a in ARTIFACTS}
    before = {a: stores[a].current() for a in ARTIFACTS}
    if mode == "ivm":
        sources_changed = any(r.source_rows for _, r in reports)
        rows_changed = any(r.prepared_mode != "unchanged" for _, r in reports)
        changed = {"prepared": sources_changed, "features": rows_changed, "model": rows_changed, "evaluation": rows_changed}
    else:
        changed = {a: a in only for a in ARTIFACTS}
    txn = w.transaction()
    committed: dict[str, Committed] = {}
    versions = dict(before)
    try:
        for bases_of, artifact, value in (
            ({}, "prepared", lambda: PreparedTable(state.prepared)),
            ({"prepared": None}, "features", lambda: FeatureMatrix(state.X, state.y, state.is_test, state.matrix, state.encoder)),
            ({"features": None}, "model", lambda: _with_metrics(state.model, state.metrics)),
            ({"model": None}, "evaluation", lambda: JsonRecord(_evaluation_record(state))),
        ):
            if artifact not in only:
                continue
            base = before[artifact] if mode == "ivm" else ...
            inputs = {upstream: versions[upstream] for upstream in bases_of}
            if changed[artifact]:
                versions[artifact] = io.stage(txn, keys[artifact], value(), reflects, base=base, inputs=inputs)
                committed[artifact] = Committed(versions[artifact], reflects, True)
            else:  # still right for its (possibly re-versioned) input: say so in its pointer
                txn.keep_version(stores[artifact], reflects, base=base, inputs=inputs)
                committed[artifact] = Committed(before[artifact], reflects, False)
        for artifact, version in (bases or {}).items():  # inputs not recomputed must not have moved meanwhile
            txn.expect(stores[artifact], version)
        by_request: dict[str, list[tuple[int, DeletionReport]]] = {}
        for seq, report in reports:
            by_request.setdefault(report.request_id, []).append((seq, report))
        for request_id, items in by_request.items():
            w.stage_report(txn, request_id, spec.name, _report(spec.name, items, before, versions, keys, w.run_id, mode))
        for seq, entry in recomputed:
            if entry.request_id not in by_request:
                w.stage_report(txn, entry.request_id, spec.name, {
                    "pipeline": spec.name, "request_id": entry.request_id, "seq": seq, "mode": "recomputed",
                    "note": "recomputed from sources that already reflected the request", "effects": [],
                    "versions_before": before, "versions_after": versions, "run_id": w.run_id,
                    "assets": {a: keys[a].to_user_string() for a in ARTIFACTS}})
        txn.commit()
    except StaleVersionError as error:
        raise dg.RetryRequested(max_retries=3, seconds_to_wait=1) from error
    except BaseException:
        txn.abort()
        raise
    return committed


def _with_metrics(model: TrainedModel, metrics: Mapping[str, float]) -> TrainedModel:
    model.metrics = dict(metrics)
    return model


def _evaluation_record(state: MaterializedPipeline) -> dict[str, Any]:
    return {"metrics": {k: float(v) for k, v in state.metrics.items()},
            "test rows": int(state.is_test.sum()), "training rows": int((~state.is_test).sum())}


def _report(pipeline: str, items: Sequence[tuple[int, DeletionReport]], before: Mapping[str, Any],
            after: Mapping[str, Any], keys: Mapping[str, dg.AssetKey], run_id: str, mode: str) -> dict[str, Any]:
    """What one request did to one pipeline, for the audit log: counts, never keys."""
    effects = []
    for _, report in items:
        entry = report.to_dict()
        entry["matched_keys"], entry["unmatched_keys"] = len(report.matched_keys), len(report.unmatched_keys)
        effects.append(entry)
    return {"pipeline": pipeline, "request_id": items[0][1].request_id, "seq": items[0][0], "mode": mode,
            "effects": effects, "versions_before": dict(before), "versions_after": dict(after), "run_id": run_id,
            "assets": {a: k.to_user_string() for a, k in keys.items()}}


def _results(keys: Mapping[str, dg.AssetKey], state: MaterializedPipeline, committed: Mapping[str, Committed],
             translator: LesterTranslator, spec: PipelineSpec, extra: Mapping[str, Any],
             selected: Mapping[str, bool]) -> Any:
    source_key = translator.get_source_key
    metadata = {
        "prepared": lambda: md.for_prepared(state.prepared, source_key),
        "features": lambda: md.for_features(state.X, state.matrix, keys["prepared"], spec.label, state.y, state.is_test),
        "model": lambda: md.for_model(state.model, state.metrics),
        "evaluation": lambda: {f"test {k}": float(v) for k, v in state.metrics.items() if k != "n" and np.isfinite(v)},
    }
    for artifact in ARTIFACTS:
        if artifact in committed and selected[artifact]:
            yield dg.MaterializeResult(asset_key=keys[artifact], value=committed[artifact],
                                       metadata={**metadata[artifact](), **extra})


# ---- pipelines that end in a table ------------------------------------------------------------------------


def build_table_asset(spec: TablePipeline, translator: LesterTranslator | None = None) -> dg.AssetsDefinition:
    """The output table of a pipeline that ends in a table (a synthesised one), kept up to date under
    deletions by the same incremental maintenance."""
    translator = translator or LesterTranslator()
    key = translator.get_artifact_key(spec, "output")

    @dg.asset(
        key=key,
        deps=[translator.get_source_key(s) for s in spec.sources],
        group_name=translator.get_group_name(spec),
        description=translator.get_description(spec, "output"),
        kinds={"pandas"},
        io_manager_key=IO_MANAGER_KEY,
        required_resource_keys={IO_MANAGER_KEY, "lake"},
    )
    def _output(context: dg.AssetExecutionContext):  # returns a value: no Nothing-typed annotation
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        lake: DataLake = context.resources.lake
        store = io.folder(key)
        if is_ivm(context):
            with writing(context, lake, io) as w:
                if store.current() is None:
                    return dg.MaterializeResult(value=Unchanged("not materialised yet"))
                started = time.perf_counter()
                old = io.load(key).result
                load_ms = round(1000 * (time.perf_counter() - started), 2)
                new, reports = _catch_up_table(spec, old, w, store.reflects_through())
                committed = _commit_table(w, io, spec, key, new, reports, ivm=True)
            extra = {"lester/ivm ms": round(sum(1000 * r.total_seconds for _, r in reports), 2), "lester/load ms": load_ms}
            return dg.MaterializeResult(value=committed, metadata={**md.for_prepared(new, translator.get_source_key), **extra})
        source_key = translator.get_source_key
        with lake.lock.shared():
            since = min(io.reflects_through(source_key(s)) for s in spec.sources)
            frames = {s: io.load(source_key(s)).data.frame for s in spec.sources}
        result = spec.plan(frames).execute()
        with writing(context, lake, io) as w:
            new, reports = _catch_up_table(spec, result, w, since)
            committed = _commit_table(w, io, spec, key, new, reports, ivm=False)
        return dg.MaterializeResult(value=committed, metadata=md.for_prepared(new, translator.get_source_key))

    return _output


def _catch_up_table(spec: TablePipeline, result: Result, w: Writer, since: int) -> tuple[Result, list[tuple[int, DeletionReport]]]:
    reports = []
    for seq, effect in w.journal.effects(after=since, through=w.watermark):
        if effect.source in spec.sources:
            plan = spec.plan({name: data.frame for name, data in result.sources.items()})
            result, report = apply_to_table(spec.name, plan, result, effect)
            reports.append((seq, report))
    return result, reports


def _commit_table(w: Writer, io: LesterIOManager, spec: TablePipeline, key: dg.AssetKey, result: Result,
                  reports: Sequence[tuple[int, DeletionReport]], ivm: bool) -> Committed:
    store = io.folder(key)
    before = store.current()
    changed = not ivm or any(r.source_rows for _, r in reports)
    txn: Transaction = w.transaction()
    try:
        if changed:
            version = io.stage(txn, key, PreparedTable(result), w.watermark, **({"base": before} if ivm else {}))
        else:
            version = txn.keep_version(store, w.watermark, base=before)
        by_request: dict[str, list[tuple[int, DeletionReport]]] = {}
        for seq, report in reports:
            by_request.setdefault(report.request_id, []).append((seq, report))
        for request_id, items in by_request.items():
            w.stage_report(txn, request_id, spec.name, _report(spec.name, items, {"output": before}, {"output": version},
                                                                {"output": key}, w.run_id, "ivm" if ivm else "refresh"))
        txn.commit()
    except BaseException:
        txn.abort()
        raise
    return Committed(version, w.watermark, changed)
