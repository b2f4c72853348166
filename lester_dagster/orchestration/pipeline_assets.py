"""A pipeline in Dagster: one multi-asset per pipeline with its artifacts (prepared table, feature matrix,
model, evaluation; or the one output table of a pipeline that ends in a table), a `versions` asset that
records which versions are current together and which deletion requests they reflect, and the checks
that prove them. The checks run on the new versions before they are committed, so a version that fails
them is never published, and an artifact a run leaves as it was gets no new materialisation."""

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dagster as dg

from lester_dagster.engine import Result
from lester_dagster.faults import pause_point
from lester_dagster.ivm import DeletionReport, apply_deletion
from lester_dagster.ivm.apply import apply_to_table
from lester_dagster.ivm.journal import Entry
from lester_dagster.orchestration import metadata as md
from lester_dagster.orchestration.asset_factory import IO_MANAGER_KEY, load_state
from lester_dagster.orchestration.checks import CheckSet, pipeline_checks, table_checks
from lester_dagster.orchestration.io_manager import (
    Committed,
    FeatureMatrix,
    JsonRecord,
    LesterIOManager,
    PreparedTable,
    SourceSnapshot,
)
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.lineage_export import export, graph_metadata
from lester_dagster.orchestration.translator import ARTIFACTS, VERSIONS, LesterTranslator
from lester_dagster.orchestration.writer import Writer, is_ivm, writing
from lester_dagster.pipeline import Encoded, MaterializedPipeline, PipelineSpec, TablePipeline, encode, fit_model
from lester_dagster.storage import StaleVersionError, StorageError

if TYPE_CHECKING:  # torch (the `ml` extra) loads with the model stage, not with the code location
    from lester_dagster.model.mlp import TrainedModel

__all__ = ["build_pipeline_assets", "build_table_asset"]


class ChecksFailed(StorageError):
    """The new versions failed a blocking check; nothing was committed. `results` go to Dagster first."""

    def __init__(self, message: str, results: list[dg.AssetCheckResult]) -> None:
        super().__init__(message)
        self.results = results


def _checked(steps: Iterator[Any]) -> Iterator[Any]:
    """The step's events; when a check failed, its results are recorded before the step fails."""
    try:
        yield from steps
    except ChecksFailed as failure:
        yield from failure.results
        raise


@dataclass(frozen=True)
class Outcome:
    """What a pipeline step committed: per artifact its version (and whether it is new), and the checks."""

    committed: dict[str, Committed]
    versions: dict[str, Any]
    reflects: int
    checks: list[dg.AssetCheckResult]
    applied: list[str]  # ids of the requests the commit newly reflects


# ---- ML pipelines -----------------------------------------------------------------------------------------


def build_pipeline_assets(spec: PipelineSpec, translator: LesterTranslator | None = None) -> dg.AssetsDefinition:
    """The prepared table, feature matrix, model, evaluation and versions of one pipeline, as a multi-asset
    that can be subset, with the checks that prove them."""
    translator = translator or LesterTranslator()
    keys = {artifact: translator.get_artifact_key(spec, artifact) for artifact in ARTIFACTS}
    versions_key = translator.get_artifact_key(spec, VERSIONS)
    source_keys = [translator.get_source_key(s) for s in spec.sources]
    deps = {"prepared": source_keys, "features": [keys["prepared"]], "model": [keys["features"]],
            "evaluation": [keys["model"], keys["features"]]}
    kinds = {"prepared": {"pandas"}, "features": {"sklearn"}, "model": {"pytorch"}, "evaluation": {"json"}}
    specs = [translator.get_asset_spec(spec, a, dg.AssetSpec(keys[a], deps=deps[a], kinds=kinds[a], skippable=True))
             for a in ARTIFACTS]
    specs.append(translator.get_asset_spec(spec, VERSIONS, dg.AssetSpec(versions_key, deps=list(keys.values()),
                                                                        kinds={"json"})))
    checks = pipeline_checks(spec, keys)

    @dg.multi_asset(
        name=f"{spec.name}_pipeline",
        specs=[s.with_io_manager_key(IO_MANAGER_KEY) for s in specs],
        check_specs=checks.specs,
        can_subset=True,
        required_resource_keys={IO_MANAGER_KEY, "lake"},
    )
    def _pipeline(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]  # Dagster reads annotations
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        lake: DataLake = context.resources.lake
        run = _maintain if is_ivm(context) else _materialize
        yield from _checked(run(context, io, lake, spec, keys, versions_key, translator, checks))

    return _pipeline


def _selected(context: Any, keys: Mapping[str, dg.AssetKey]) -> list[str]:
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


def _maintain(context: Any, io: LesterIOManager, lake: DataLake, spec: PipelineSpec, keys: Mapping[str, dg.AssetKey],
              versions_key: dg.AssetKey, translator: LesterTranslator, checks: CheckSet) -> Iterator[Any]:
    """A partial refresh: the requests the pipeline's artifacts lack, applied by IVM, checked, committed together."""
    if len(_selected(context, keys)) != len(ARTIFACTS):
        raise StorageError(f"a partial refresh maintains pipeline {spec.name!r}'s artifacts together: select all of "
                           f"{[keys[a].to_user_string() for a in ARTIFACTS]}.")
    with writing(context, lake, io) as w:
        stores = {a: io.folder(keys[a]) for a in ARTIFACTS}
        if any(store.current() is None for store in stores.values()):
            if versions_key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=versions_key, metadata={
                    "lester/unchanged": "not materialised yet: its first materialisation reads the lake, where the "
                                        "requests are applied"})
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
        outcome = _commit_pipeline(context, w, io, spec, keys, state, reports, "ivm", checks)
    ivm = {"lester/ivm ms": round(sum(1000 * r.total_seconds for _, r in reports), 2), "lester/load ms": load_ms}
    yield from _results(context, keys, versions_key, state, outcome, translator, spec, ivm)


def _materialize(context: Any, io: LesterIOManager, lake: DataLake, spec: PipelineSpec, keys: Mapping[str, dg.AssetKey],
                 versions_key: dg.AssetKey, translator: LesterTranslator, checks: CheckSet) -> Iterator[Any]:
    """A full (or downstream) recomputation, done without the lock (it can take hours at scale), then
    checked and committed under it after catching up on requests accepted while it ran."""
    selected = _selected(context, keys)
    if not selected:  # only the versions asset: record what is current, change nothing
        with writing(context, lake, io) as w:
            outcome = Outcome({}, {a: io.current_version(keys[a]) for a in ARTIFACTS},
                              min(io.reflects_through(keys[a]) for a in ARTIFACTS), [], [])
        yield _versions_result(versions_key, outcome, w.watermark)
        return
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
            frames = {s: io.load(source_key(s), expect=SourceSnapshot).data.frame for s in spec.sources}
        else:
            since = io.reflects_through(keys["prepared"])
            bases = {a: io.current_version(keys[a]) for a in ARTIFACTS if a not in selected}
            prepared = io.load(keys["prepared"], expect=PreparedTable).result
            if "features" not in selected:
                stored = io.load(keys["features"], expect=FeatureMatrix)
            if "model" not in selected:
                from lester_dagster.model import mlp

                model = io.load(keys["model"], expect=mlp.TrainedModel)
    # long at scale (MiniLM embeds ~100 texts a second on 2 cores): say in the run's log how far it is
    started = time.perf_counter()
    if "prepared" in selected:
        plan = spec.plan(frames)
        prepared = plan.execute()
        context.log.info(f"{spec.name}: prepared {len(prepared.frame):,} rows from "
                         f"{', '.join(f'{len(f):,} {s}' for s, f in frames.items())} in {time.perf_counter() - started:.1f} s")
    else:
        plan = spec.plan({name: data.frame for name, data in prepared.sources.items()})
    if stored is None:
        started = time.perf_counter()
        context.log.info(f"{spec.name}: encoding {len(prepared.frame):,} rows")
        encoded = encode(spec, prepared, progress=lambda done, total, seconds: context.log.info(
            f"{spec.name}: encoded {done:,} of {total:,} rows in {seconds:.1f} s"))
        context.log.info(
            f"{spec.name}: X {encoded.X.shape[0]:,} x {encoded.X.shape[1]:,} in {time.perf_counter() - started:.1f} s"
        )
    else:
        encoded = Encoded(stored.X, stored.y, stored.is_test, stored.encoder, stored.matrix)
    if model is None:
        started = time.perf_counter()
        model = fit_model(spec, encoded)
        context.log.info(f"{spec.name}: trained on {model.n_train:,} rows in {time.perf_counter() - started:.1f} s")
    else:  # the evaluation alone re-scores the stored model
        from lester_dagster.model import evaluate

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
        outcome = _commit_pipeline(context, w, io, spec, keys, state, reports, "refresh", checks, only=selected,
                                   bases=bases, reflects=w.watermark if "prepared" in selected else since,
                                   recomputed=newly)
    yield from _results(context, keys, versions_key, state, outcome, translator, spec, {})


def _commit_pipeline(context: Any, w: Writer, io: LesterIOManager, spec: PipelineSpec, keys: Mapping[str, dg.AssetKey],
                     state: MaterializedPipeline, reports: Sequence[tuple[int, DeletionReport]], mode: str,
                     checks: CheckSet, only: Sequence[str] = ARTIFACTS, bases: Mapping[str, Any] | None = None,
                     reflects: int | None = None, recomputed: Sequence[tuple[int, Entry]] = ()) -> Outcome:
    """Checks the new state, stages the pipeline's new versions (or keeps those a request did not change)
    and commits them in one transaction, with the reports of the requests they now reflect."""
    reflects = w.watermark if reflects is None else reflects
    results = checks.run(context, w, state.prepared, state, reflects, list(spec.sources))
    if any(not r.passed for r in results):
        raise ChecksFailed(f"pipeline {spec.name!r}: blocking check(s) "
                           f"{sorted(str(r.check_name) for r in results if not r.passed)} failed on the new versions; nothing "
                           "was committed and the requests stay open (see the checks' problems).", results)
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
            ({"prepared": None}, "features", lambda: FeatureMatrix(state.X, state.y, state.is_test, state.matrix, state.encoder,
                                                                      state.prepared.provenance)),
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
        by_request = _by_request(reports)
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
    applied = list(dict.fromkeys([*by_request, *(e.request_id for _, e in recomputed)]))
    return Outcome(committed, versions, reflects, results, applied)


def _by_request(reports: Sequence[tuple[int, DeletionReport]]) -> dict[str, list[tuple[int, DeletionReport]]]:
    out: dict[str, list[tuple[int, DeletionReport]]] = {}
    for seq, report in reports:
        out.setdefault(report.request_id, []).append((seq, report))
    return out


def _with_metrics(model: "TrainedModel", metrics: Mapping[str, float]) -> "TrainedModel":
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


def _versions_result(versions_key: dg.AssetKey, outcome: Outcome, watermark: int) -> dg.MaterializeResult[Any]:
    changed = [a for a, c in outcome.committed.items() if c.new]
    record = {"versions": outcome.versions, "reflects requests through": outcome.reflects,
              "requests newly reflected": outcome.applied, "new versions": changed}
    # the record lives in Dagster's metadata (ids and versions, no personal data); nothing to store beside it
    return dg.MaterializeResult(asset_key=versions_key, metadata={
        "lester/reflects requests through": outcome.reflects,
        "lester/journal watermark": watermark,
        "lester/requests newly reflected": ", ".join(outcome.applied) or "none",
        "lester/new versions": ", ".join(changed) or "none (every artifact already reflected the requests)",
        "versions": dg.MetadataValue.json(record),
        "checks": ", ".join(f"{r.check_name} {'passed' if r.passed else 'FAILED'}" for r in outcome.checks) or "none run",
    })


def _results(context: Any, keys: Mapping[str, dg.AssetKey], versions_key: dg.AssetKey, state: MaterializedPipeline,
             outcome: Outcome, translator: LesterTranslator, spec: PipelineSpec, extra: Mapping[str, Any]) -> Iterator[Any]:
    """A materialisation for every artifact with a new version (none for one a run left as it was), the
    versions asset, and the check results."""
    source_key = translator.get_source_key
    graph = graph_metadata(spec.name, state.prepared, state.matrix)
    if outcome.committed.get("prepared") is not None and outcome.committed["prepared"].new:
        export(context, spec.name, state.prepared, state.matrix, dict(keys), source_key)
    metadata = {
        "prepared": lambda: {**md.for_prepared(state.prepared, source_key), **graph},
        "features": lambda: {**md.for_features(state.X, state.matrix, keys["prepared"], spec.label, state.y,
                                               state.is_test), **graph},
        "model": lambda: md.for_model(state.model),
        "evaluation": lambda: md.for_evaluation(state.metrics, state.is_test),
    }
    selected = context.selected_asset_keys
    for artifact in ARTIFACTS:
        committed = outcome.committed.get(artifact)
        if committed is not None and committed.new and keys[artifact] in selected:
            yield dg.MaterializeResult(asset_key=keys[artifact], value=committed,
                                       metadata={**metadata[artifact](), **extra})
    if versions_key in selected:
        yield _versions_result(versions_key, outcome, outcome.reflects)
    yield from outcome.checks


# ---- pipelines that end in a table ------------------------------------------------------------------------


def build_table_asset(spec: TablePipeline, translator: LesterTranslator | None = None) -> dg.AssetsDefinition:
    """The output table of a pipeline that ends in a table (a synthesised one) and its versions asset, kept
    up to date under deletions by the same incremental maintenance and proved by the same checks."""
    translator = translator or LesterTranslator()
    key = translator.get_artifact_key(spec, "output")
    versions_key = translator.get_artifact_key(spec, VERSIONS)
    specs = [
        translator.get_asset_spec(spec, "output", dg.AssetSpec(key, deps=[translator.get_source_key(s) for s in spec.sources],
                                                              kinds={"pandas"}, skippable=True)),
        translator.get_asset_spec(spec, VERSIONS, dg.AssetSpec(versions_key, deps=[key], kinds={"json"})),
    ]
    checks = table_checks(spec, key)

    @dg.multi_asset(name=f"{spec.name}_pipeline", specs=[s.with_io_manager_key(IO_MANAGER_KEY) for s in specs],
                    check_specs=checks.specs, can_subset=True, required_resource_keys={IO_MANAGER_KEY, "lake"})
    def _output(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]  # Dagster reads annotations
        yield from _checked(_table_step(context, spec, key, versions_key, translator, checks))

    return _output


def _table_step(context: Any, spec: TablePipeline, key: dg.AssetKey, versions_key: dg.AssetKey,
                translator: LesterTranslator, checks: CheckSet) -> Iterator[Any]:
    io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
    lake: DataLake = context.resources.lake
    store = io.folder(key)
    extra: dict[str, Any] = {}
    if is_ivm(context):
        with writing(context, lake, io) as w:
            if store.current() is None:
                if versions_key in context.selected_asset_keys:
                    yield dg.MaterializeResult(asset_key=versions_key, value=JsonRecord({"materialised": False}))
                return
            started = time.perf_counter()
            old = io.load(key, expect=PreparedTable).result
            extra["lester/load ms"] = round(1000 * (time.perf_counter() - started), 2)
            new, reports = _catch_up_table(spec, old, w, store.reflects_through())
            outcome = _commit_table(context, w, io, spec, key, new, reports, True, checks)
        extra["lester/ivm ms"] = round(sum(1000 * r.total_seconds for _, r in reports), 2)
    else:
        source_key = translator.get_source_key
        with lake.lock.shared():
            since = min(io.reflects_through(source_key(s)) for s in spec.sources)
            frames = {s: io.load(source_key(s), expect=SourceSnapshot).data.frame for s in spec.sources}
        result = spec.plan(frames).execute()
        with writing(context, lake, io) as w:
            new, reports = _catch_up_table(spec, result, w, since)
            outcome = _commit_table(context, w, io, spec, key, new, reports, False, checks)
    committed = outcome.committed["output"]
    if committed.new and key in context.selected_asset_keys:
        export(context, spec.name, new, None, {"prepared": key}, translator.get_source_key)
        yield dg.MaterializeResult(asset_key=key, value=committed, metadata={
            **md.for_prepared(new, translator.get_source_key), **graph_metadata(spec.name, new), **extra,
            **_code_metadata(spec)})
    if versions_key in context.selected_asset_keys:
        yield _versions_result(versions_key, outcome, outcome.reflects)
    yield from outcome.checks


def _code_metadata(spec: TablePipeline) -> dict[str, Any]:
    """A synthesised pipeline's steps, as the pandas program they are."""
    code = getattr(spec.prepare, "pipeline_code", None)
    return {"pipeline": dg.MetadataValue.md(f"```python\n{code}\n```")} if code else {}


def _catch_up_table(
    spec: TablePipeline, result: Result, w: Writer, since: int
) -> tuple[Result, list[tuple[int, DeletionReport]]]:
    reports = []
    for seq, effect in w.journal.effects(after=since, through=w.watermark):
        if effect.source in spec.sources:
            plan = spec.plan({name: data.frame for name, data in result.sources.items()})
            result, report = apply_to_table(spec.name, plan, result, effect)
            reports.append((seq, report))
    return result, reports


def _commit_table(context: Any, w: Writer, io: LesterIOManager, spec: TablePipeline, key: dg.AssetKey, result: Result,
                  reports: Sequence[tuple[int, DeletionReport]], ivm: bool, checks: CheckSet) -> Outcome:
    results = checks.run(context, w, result, None, w.watermark, list(spec.sources))
    if any(not r.passed for r in results):
        raise ChecksFailed(f"pipeline {spec.name!r}: blocking check(s) failed on the new version; nothing was committed.",
                           results)
    store = io.folder(key)
    before = store.current()
    changed = not ivm or any(r.source_rows for _, r in reports)
    txn = w.transaction()
    version: int | None  # None: a kept version that was never written (keep_version)
    try:
        if changed:
            version = io.stage(txn, key, PreparedTable(result), w.watermark, **({"base": before} if ivm else {}))
        else:
            version = txn.keep_version(store, w.watermark, base=before)
        by_request = _by_request(reports)
        for request_id, items in by_request.items():
            w.stage_report(txn, request_id, spec.name, _report(spec.name, items, {"output": before}, {"output": version},
                                                                {"output": key}, w.run_id, "ivm" if ivm else "refresh"))
        txn.commit()
    except BaseException:
        txn.abort()
        raise
    return Outcome({"output": Committed(version, w.watermark, changed)}, {"output": version}, w.watermark, results,
                   list(by_request))

