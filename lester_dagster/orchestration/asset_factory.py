"""Dagster assets from declarative pipelines: one asset per lake source and, per pipeline, a multi-asset
(prepared table, feature matrix, model, evaluation) that can be subset. In a run tagged `lester/mode=ivm` the same
assets apply a deletion request by incremental view maintenance instead of recomputing."""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np

from lester_dagster.engine import SourceData
from lester_dagster.ivm import DeletionRequest, apply_deletion
from lester_dagster.ivm.apply import apply_to_table, erase_rows, redact_cells
from lester_dagster.orchestration import metadata as md
from lester_dagster.orchestration.io_manager import (
    FeatureMatrix, JsonRecord, LesterIOManager, PreparedTable, SourceSnapshot, Unchanged,
)
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
from lester_dagster.model import evaluate
from lester_dagster.pipeline import Encoded, MaterializedPipeline, PipelineSpec, TablePipeline, encode, fit_model
from lester_dagster.provenance import source_row_ids

MODE_TAG, REQUEST_TAG = "lester/mode", "lester/request"
IO_MANAGER_KEY = "lester_io"


@dataclass(frozen=True)
class LakeSource:
    """A source table of the lake: its name, key column and the columns pipelines may rely on."""

    name: str
    key: str | None
    columns: tuple[str, ...]


def request_of(context: dg.AssetExecutionContext) -> tuple[DeletionRequest, Path] | None:
    """The deletion request a run applies (from its tags), or None for a normal run."""
    tags = context.run.tags
    if tags.get(MODE_TAG) != "ivm":
        return None
    path = Path(tags[REQUEST_TAG])
    if not path.exists():  # the audit log step of this run may have filed it as applied already
        path = path.parent / "applied" / path.name
    return DeletionRequest.from_json(path.read_text()), path


def reports_folder(io: LesterIOManager, request_id: str) -> Path:
    folder = Path(io.base_dir, "_deletion_reports", request_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_source_asset(source: LakeSource, translator: LesterTranslator) -> dg.AssetsDefinition:
    key = translator.get_source_key(source.name)

    @dg.asset(
        key=key,
        group_name="lake",
        io_manager_key=IO_MANAGER_KEY,
        kinds={"csv", "pandas"},
        description=f"Source table `{source.name}` of the data lake, keyed by `{source.key}`.",
        required_resource_keys={"lake"},
    )
    def _source(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        lake: DataLake = context.resources.lake
        request = request_of(context)
        started = time.perf_counter()
        frame = lake.read(source.name, source.columns)
        data = SourceData(source.name, source.key, frame, source_row_ids(frame, source.key, source.name))
        extra: dict[str, Any] = {}
        if request is not None and request[0].source == source.name:
            data, extra = _apply_to_source(data, request[0])
            lake.write(source.name, data.frame)  # later full runs read the lake: erased data stays erased
            extra["lester/lake ms"] = round(1000 * (time.perf_counter() - started), 2)
        return dg.MaterializeResult(value=SourceSnapshot(data), metadata={**md.for_source(data), **extra})

    return _source


def _apply_to_source(data: SourceData, request: DeletionRequest) -> tuple[SourceData, dict[str, Any]]:
    ids = data.ids_for(request.keys)
    present = ids[np.isin(ids, data.ids)]
    if request.action == "erase":
        new = erase_rows(data, present)
        touched = len(data.frame) - len(new.frame)
    else:
        new = redact_cells(data, present, request.columns)
        touched = int(data.frame.loc[np.isin(data.ids, present), list(request.columns)].notna().to_numpy().sum())
    return new, {"lester/request": request.request_id, "rows or cells removed": touched}


def build_pipeline_assets(
    spec: PipelineSpec, translator: LesterTranslator | None = None
) -> dg.AssetsDefinition:
    """The prepared table, feature matrix, model and its evaluation of one pipeline, as a multi-asset that can be subset."""
    translator = translator or LesterTranslator()
    keys = {artifact: translator.get_artifact_key(spec, artifact) for artifact in ARTIFACTS}
    source_keys = [translator.get_source_key(s) for s in spec.sources]
    specs = [
        dg.AssetSpec(
            keys["prepared"], deps=source_keys, group_name=translator.get_group_name(spec),
            description=translator.get_description(spec, "prepared"), kinds={"pandas"},
        ),
        dg.AssetSpec(
            keys["features"], deps=[keys["prepared"]], group_name=translator.get_group_name(spec),
            description=translator.get_description(spec, "features"), kinds={"sklearn"},
        ),
        dg.AssetSpec(
            keys["model"], deps=[keys["features"]], group_name=translator.get_group_name(spec),
            description=translator.get_description(spec, "model"), kinds={"pytorch"},
        ),
        dg.AssetSpec(
            keys["evaluation"], deps=[keys["model"], keys["features"]], group_name=translator.get_group_name(spec),
            description=translator.get_description(spec, "evaluation"), kinds={"json"},
        ),
    ]

    @dg.multi_asset(
        name=f"{spec.name}_pipeline",
        specs=[s.with_io_manager_key(IO_MANAGER_KEY) for s in specs],
        can_subset=True,
        required_resource_keys={IO_MANAGER_KEY},
    )
    def _pipeline(context: dg.AssetExecutionContext):
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        request = request_of(context)
        if request is not None:
            yield from _maintain(context, io, spec, translator, keys, *request)
        else:
            yield from _materialize(context, io, spec, translator, keys)

    return _pipeline


def _materialize(context, io: LesterIOManager, spec: PipelineSpec, translator: LesterTranslator, keys) -> Any:
    selected = context.selected_asset_keys
    source_key = translator.get_source_key
    if keys["prepared"] in selected:
        frames = {s: io.load(source_key(s)).data.frame for s in spec.sources}
        result = spec.plan(frames).execute()
        yield dg.MaterializeResult(
            asset_key=keys["prepared"], value=PreparedTable(result), metadata=md.for_prepared(result, source_key)
        )
    else:
        result = io.load(keys["prepared"]).result
    if keys["features"] in selected:
        encoded = encode(spec, result)
        features = FeatureMatrix(encoded.X, encoded.y, encoded.is_test, encoded.matrix, encoded.encoder)
        yield dg.MaterializeResult(
            asset_key=keys["features"], value=features,
            metadata=md.for_features(encoded.X, encoded.matrix, keys["prepared"], spec.label, encoded.y, encoded.is_test),
        )
    elif keys["model"] in selected:
        stored = io.load(keys["features"])
        encoded = Encoded(stored.X, stored.y, stored.is_test, stored.encoder, stored.matrix)
    if keys["model"] in selected:
        model = fit_model(spec, encoded)
        yield dg.MaterializeResult(asset_key=keys["model"], value=model, metadata=md.for_model(model, model.metrics))
    if keys["evaluation"] in selected:
        if keys["model"] not in selected:
            model = io.load(keys["model"])
            if keys["features"] not in selected:
                stored = io.load(keys["features"])
                encoded = Encoded(stored.X, stored.y, stored.is_test, stored.encoder, stored.matrix)
            model.metrics = evaluate(model, encoded.X[encoded.is_test], encoded.y[encoded.is_test])
        yield _evaluation(keys, model.metrics, encoded.is_test)


def _evaluation(keys, metrics, is_test: np.ndarray, wrap: Any = None, **extra: Any) -> dg.MaterializeResult:
    """The model's held-out metrics as an asset of their own, so they have a history in the UI."""
    record = {"metrics": {k: float(v) for k, v in metrics.items()},
              "test rows": int(is_test.sum()), "training rows": int((~is_test).sum()), **extra}
    metadata = {f"test {k}": float(v) for k, v in metrics.items() if k != "n" and np.isfinite(v)}
    value = JsonRecord(record) if wrap is None else wrap(JsonRecord(record))
    return dg.MaterializeResult(asset_key=keys["evaluation"], value=value,
                                metadata={**metadata, "test rows": record["test rows"], **extra})


def load_state(io: LesterIOManager, spec: PipelineSpec, keys, read_only: bool = False) -> MaterializedPipeline:
    """A pipeline's current artifacts, ready for incremental maintenance. X is mapped, not read: pages are
    read as rows are used, and changes stay in memory (copy-on-write) until a new version is written;
    `read_only` maps it read-only, for queries such as impact and the checks."""
    prepared = io.load(keys["prepared"]).result
    features = io.load(keys["features"], mmap_mode="r" if read_only else "c")
    model = io.load(keys["model"])
    plan = spec.plan({name: data.frame for name, data in prepared.sources.items()})
    return MaterializedPipeline(
        spec, plan, prepared, features.encoder, features.matrix, features.X, features.y,
        features.is_test, model, dict(model.metrics),
    )


def _maintain(context, io: LesterIOManager, spec: PipelineSpec, translator: LesterTranslator, keys,
              request: DeletionRequest, path: Path) -> Any:
    before = {artifact: io.current_version(key) for artifact, key in keys.items()}
    started = time.perf_counter()
    state = load_state(io, spec, keys)
    load_ms = round(1000 * (time.perf_counter() - started), 2)
    report = apply_deletion(state, request)
    context.log.info(
        f"{spec.name}: {report.prepared_mode}, {report.prepared_rows_removed} rows removed, "
        f"{report.prepared_rows_changed} changed, {report.x_cells} X cells, {1000 * report.total_seconds:.1f} ms"
    )
    state.model.metrics = dict(state.metrics)
    # a request that changes no prepared row keeps X, the model and the evaluation as they are; the
    # prepared table is written whenever its sources changed, since it keeps a snapshot of them
    unchanged = report.prepared_mode == "unchanged"
    after = {artifact: (v or 0) + 1 if not unchanged or (artifact == "prepared" and report.source_rows) else v
             for artifact, v in before.items()}

    def value(artifact: Any) -> Any:
        return Unchanged(f"request {request.request_id} changes nothing here") if unchanged else artifact

    entry = {"pipeline": spec.name, "report": report.to_dict(), "versions_before": before, "versions_after": after,
             "assets": {artifact: key.to_user_string() for artifact, key in keys.items()}}
    (reports_folder(io, request.request_id) / f"{spec.name}.json").write_text(json.dumps(entry, default=str, indent=1))
    ivm = {"lester/request": request.request_id, "lester/ivm ms": round(1000 * report.total_seconds, 2),
           "lester/load ms": load_ms}
    prepared, source_key = state.prepared, translator.get_source_key
    yield dg.MaterializeResult(
        asset_key=keys["prepared"],
        value=PreparedTable(prepared) if after["prepared"] != before["prepared"] else value(PreparedTable(prepared)),
        metadata={**md.for_prepared(prepared, source_key), **ivm, "ivm mode": report.prepared_mode},
    )
    features = FeatureMatrix(state.X, state.y, state.is_test, state.matrix, state.encoder)
    yield dg.MaterializeResult(
        asset_key=keys["features"], value=value(features),
        metadata={**md.for_features(state.X, state.matrix, keys["prepared"], spec.label, state.y, state.is_test),
                  **ivm, "X cells rewritten": report.x_cells},
    )
    yield dg.MaterializeResult(
        asset_key=keys["model"], value=value(state.model),
        metadata={**md.for_model(state.model, state.metrics), **ivm, "unlearning": dg.MetadataValue.json(report.model)},
    )
    yield _evaluation(keys, state.metrics, state.is_test, wrap=value, **{"lester/request": request.request_id})


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
        required_resource_keys={IO_MANAGER_KEY},
    )
    def _output(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        request = request_of(context)
        if request is not None:
            return _maintain_table(io, spec, translator, key, request[0])
        frames = {s: io.load(translator.get_source_key(s)).data.frame for s in spec.sources}
        result = spec.plan(frames).execute()
        return dg.MaterializeResult(value=PreparedTable(result), metadata=md.for_prepared(result, translator.get_source_key))

    return _output


def _maintain_table(io: LesterIOManager, spec: TablePipeline, translator: LesterTranslator, key: dg.AssetKey,
                    request: DeletionRequest) -> dg.MaterializeResult:
    before = io.current_version(key)
    started = time.perf_counter()
    old = io.load(key).result
    plan = spec.plan({name: data.frame for name, data in old.sources.items()})
    load_ms = round(1000 * (time.perf_counter() - started), 2)
    new, report = apply_to_table(spec.name, plan, old, request)
    # the table keeps a snapshot of its sources: it is rewritten whenever they changed
    after = before if report.source_rows == 0 else (before or 0) + 1
    entry = {"pipeline": spec.name, "report": report.to_dict(), "versions_before": {"output": before},
             "versions_after": {"output": after}, "assets": {"output": key.to_user_string()}}
    (reports_folder(io, request.request_id) / f"{spec.name}.json").write_text(json.dumps(entry, default=str, indent=1))
    value = PreparedTable(new) if after != before else Unchanged(f"request {request.request_id} changes nothing here")
    return dg.MaterializeResult(value=value, metadata={
        **md.for_prepared(new, translator.get_source_key), "lester/request": request.request_id,
        "lester/ivm ms": round(1000 * report.total_seconds, 2), "lester/load ms": load_ms,
        "ivm mode": report.prepared_mode,
    })


def pipeline_reports(io: LesterIOManager, request_id: str) -> list[dict[str, Any]]:
    folder = reports_folder(io, request_id)
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def affected_pipelines(pipelines: Sequence[TablePipeline], source: str) -> list[TablePipeline]:
    """The pipelines that consumed a source: a deletion request fans out to all of them."""
    return [p for p in pipelines if source in p.sources]


__all__ = [
    "LakeSource", "affected_pipelines", "build_pipeline_assets", "build_source_asset", "build_table_asset", "load_state",
]
