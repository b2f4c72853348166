"""Applies a deletion request to a materialised pipeline without re-running it: the source, the prepared
table, the feature matrix, the labels and the model are each updated from provenance, stage by stage.
Everything is computed first and committed at the end, so a failure leaves the previous version whole."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

import lester_dagster.engine as le
from lester_dagster.engine import Result, SourceData
from lester_dagster.errors import ModelError
from lester_dagster.features.chunks import ChunkedMatrix, as_matrix
from lester_dagster.features.matrix import encode_blocks
from lester_dagster.ivm.requests import DeletionRequest, RequestError
from lester_dagster.ivm.table import TableUpdate, maintain, take_rows
from lester_dagster.pipeline import (
    CURVATURE,
    HELD_OUT,
    NO_LABEL,
    MaterializedPipeline,
    holdout_mask,
    keep_model_rows,
    labels,
)

# "auto": an exact retrain while model.unlearning.RETRAIN_BUDGET allows it, else the second-order step.
Unlearning = Literal["auto", "retrain", "first_order", "second_order"]


@dataclass(frozen=True)
class DeletionReport:
    """What one request did to one pipeline: rows and cells touched per artifact, and time per stage."""

    request_id: str
    pipeline: str
    source: str
    action: str
    matched_keys: list[Any]
    unmatched_keys: list[Any]
    source_rows: int
    source_cells: int
    prepared_mode: str
    prepared_rows_removed: int
    prepared_rows_changed: int
    prepared_rows_added: int
    prepared_cells: int
    prepared_columns: list[str]
    x_rows_removed: int
    x_rows_reencoded: int
    x_ranges: list[tuple[int, int]]
    x_cells: int
    labels_changed: int
    model: dict[str, Any]
    metrics_before: dict[str, float]
    metrics_after: dict[str, float]
    version_before: int
    version_after: int
    seconds: dict[str, float] = field(default_factory=dict)
    # when prepared_mode is "full": why no incremental rule applied (an operator class, a redacted key)
    fallback_reason: str = ""
    # the maintenance classes of the operators the request's source reaches (engine.nodes.OpClass)
    operator_classes: list[str] = field(default_factory=list)
    # rows of the new version whose label is null: kept in the table and X, left out of training and
    # evaluation (as on materialisation)
    unlabeled_rows: int = 0

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def changed_anything(self) -> bool:
        return self.version_after != self.version_before

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Stages:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def apply_deletion(
    state: MaterializedPipeline,
    request: DeletionRequest,
    *,
    unlearning: Unlearning = "auto",
    tau: float | None = None,
) -> DeletionReport:
    """Updates every artifact of `state` for `request` by incremental view maintenance.

    `unlearning` picks the model update: "auto" retrains exactly while that is cheap
    (lester_dagster.model.choose_unlearning) and takes the second-order step otherwise; "retrain",
    "first_order" (with `tau`) and "second_order" force one. The report's `model` entry says which ran, its
    guarantee, and the membership signal of the erased or changed training rows before and after.

    Idempotent: keys that no longer exist, and cells that are already blank, change nothing, and a
    request that changes nothing leaves the version number as it was.
    """
    with _collecting_only_new_objects():
        return _apply_deletion(state, request, unlearning, tau)


@contextmanager
def _collecting_only_new_objects() -> Iterator[None]:
    """While a request runs, Python's cyclic garbage collector looks only at objects the request makes.

    A process that has just imported torch and friends and read a state holds ~500k objects the collector
    tracks; its next full collection, which a request's allocations trigger, took 0.3 s at 1M mails (a third
    of the first request). The objects that exist when the request starts are frozen (gc.freeze) until it
    ends, so that collection happens after the request instead (moved, not saved). A caller that froze
    objects itself keeps them frozen: then nothing is done here.
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _apply_deletion(
    state: MaterializedPipeline, request: DeletionRequest, unlearning: Unlearning, tau: float | None
) -> DeletionReport:
    stage = _Stages()
    change = _change_sources(state.sources, request, stage)
    if len(change.ids) == 0:
        return _nothing_to_do(state, request, change.matched, change.unmatched, stage.seconds)
    matched, unmatched, changed_ids, cells = change.matched, change.unmatched, change.ids, change.cells
    old_X = _chunked(state.X)
    # the model stage reads X's row copies whole: their pages (if they are not in memory) are read from here
    # on while the table and X are maintained, instead of one page fault at a time when they are needed
    old_X.prefetch_copies()

    with stage("prepared"):
        update = maintain(
            state.plan.node,
            state.prepared,
            change.sources,
            request.source,
            changed_ids,
            erased=request.action == "erase",
            columns=request.columns,
        )
    with stage("features"):
        # the rows of X read or patched below, asked for at once rather than faulted in one by one
        old_X.prefetch(np.union1d(update.removed, update.origin[update.changed & (update.origin >= 0)]))
        # X's new version: it shares every chunk it does not write with the old one, which stays as it was
        X, reencoded, ranges, x_cells = _maintain_matrix(state, old_X, update)
    with stage("labels"):
        y = labels(update.result.frame, state.spec.label)
        labeled = y != NO_LABEL
        origin = update.origin
        continuing = origin >= 0
        labels_changed = int((y[continuing] != state.y[origin[continuing]]).sum()) + int((~continuing).sum())
        # a row keeps its side of the train/test split unless its polynomial changed (a group lost
        # members, a row appeared): then it goes where a full re-run would put it
        is_test = np.empty(len(origin), dtype=bool)
        is_test[continuing] = state.is_test[origin[continuing]]
        moved = np.flatnonzero(update.changed | ~continuing)
        if len(moved):
            fresh = update.result.provenance.take(moved)
            is_test[moved] = holdout_mask(fresh, state.spec.test_fraction, state.spec.split_seed)
        is_test &= labeled  # a row whose label became null leaves evaluation (and training, below)
    with stage("model rows"):
        # the held-out rows and the curvature sample as float32 copies kept with X: read in one pass below
        keep_model_rows(X, y, is_test, state.model.config.seed)
        held, sample = X.copies[HELD_OUT], X.copies[CURVATURE]
    # here, not at the top: a deletion run that never reaches a model stage does not import torch
    from lester_dagster.model import (
        MEMBERSHIP_HELDOUT_ROWS,
        RETRAIN_BUDGET,
        choose_unlearning,
        first_order_update,
        membership_signal,
        retrain_cost,
        retrain_update,
        scores,
        second_order_update,
        subsample_rows,
        torch_threads,
    )

    with stage("model"), torch_threads(1):
        if unlearning not in ("auto", "retrain", "first_order", "second_order"):
            raise ModelError(
                f"apply_deletion: unknown unlearning {unlearning!r}. Use 'auto' (exact retrain when cheap), "
                "'retrain', 'first_order' or 'second_order'."
            )
        # training rows are those with a label outside the held-out rows, before and after
        old_rows = np.union1d(update.removed, origin[update.changed & continuing])
        old_rows = old_rows[~state.is_test[old_rows] & state.labeled[old_rows]]
        new_rows = np.flatnonzero(update.changed & ~is_test & labeled)
        X_old_rows, y_old_rows = old_X[old_rows], state.y[old_rows]
        X_new_rows = X[new_rows]
        train = np.flatnonzero(~is_test & labeled)
        cost = retrain_cost(state.model.config, state.model.input_dim, len(train))
        method = unlearning
        if unlearning == "auto":
            # no training row changed: the model already is the retrained one, and a retrain would only add
            # float noise (an empty first-order update returns it as it is, method "unchanged", exact)
            changed_training = len(old_rows) > 0 or len(new_rows) > 0
            method = choose_unlearning(state.model, len(train)) if changed_training else "first_order"
        if method == "retrain":
            result = retrain_update(state.model, X[train], y[train])
        elif method == "second_order":
            # only the rows the curvature is estimated on (a large X is never gathered whole), from their copy
            result = second_order_update(
                state.model,
                X_old_rows,
                y_old_rows,
                X_new_rows,
                y[new_rows],
                np.asarray(sample.values),
                y[sample.rows],
                train_rows=len(train),
            )
        else:
            result = first_order_update(state.model, X_old_rows, y_old_rows, X_new_rows, y[new_rows], tau)
        # The membership signal before and after (mean loss on the removed or changed training rows, in
        # their old version, over that on held-out rows) for the audit entry; a held-out sample keeps it at
        # a few milliseconds on any X.
        held_out = subsample_rows(len(held.rows), MEMBERSHIP_HELDOUT_ROWS, state.model.config.seed)
        membership: dict[str, float | None] = {"membership_before": None, "membership_after": None}
        if len(old_rows) and len(held_out):
            X_held, y_held = held.values[held_out], y[held.rows[held_out]]
            for key, scored in (("membership_before", state.model), ("membership_after", result.model)):
                value = membership_signal(scored, X_old_rows, y_old_rows, X_held, y_held)
                membership[key] = float(value) if np.isfinite(value) else None  # the audit log is strict JSON
    with stage("metrics"), torch_threads(1):
        # the held-out rows' copy, chunk by chunk as it is stored: never gathered, never converted
        values = held.values
        proba = [result.model.predict_proba(values.chunk_data(i)) for i in range(values.n_chunks)]
        metrics = scores(y[held.rows], np.concatenate(proba) if proba else np.empty(0), result.model.config.threshold)

    # commit: nothing above touched `state`
    metrics_before, version_before = state.metrics, state.version
    state.X = as_matrix(X)
    state.prepared, state.y, state.is_test = update.result, y, is_test
    state.model, state.metrics, state.version = result.model, metrics, state.version + 1
    report = DeletionReport(
        request_id=request.request_id,
        pipeline=state.spec.name,
        source=request.source,
        action=request.action,
        matched_keys=matched,
        unmatched_keys=unmatched,
        source_rows=len(changed_ids),
        source_cells=cells,
        prepared_mode=update.mode,
        prepared_rows_removed=len(update.removed),
        prepared_rows_changed=int((update.changed & continuing).sum()),
        prepared_rows_added=len(update.added),
        prepared_cells=update.cells_touched(),
        prepared_columns=list(update.columns),
        x_rows_removed=len(update.removed),
        x_rows_reencoded=reencoded,
        x_ranges=ranges,
        x_cells=x_cells,
        labels_changed=labels_changed,
        model={
            "method": result.method,
            "requested": unlearning,
            "exact": result.exact,
            "guarantee": result.guarantee,
            "retrain_cost": cost,
            "retrain_budget": RETRAIN_BUDGET,
            "tau": result.tau,
            "step_norm": result.step_norm,
            "gradient_norm": result.gradient_norm,
            "train_rows_old": len(old_rows),
            "train_rows_new": len(new_rows),
            **membership,
            "membership_heldout_rows": len(held_out),
        },
        metrics_before=metrics_before,
        metrics_after=metrics,
        version_before=version_before,
        version_after=state.version,
        seconds=stage.seconds,
        fallback_reason=update.reason,
        operator_classes=list(update.classes),
        unlabeled_rows=int((~labeled).sum()),
    )
    state.history.append(report)
    return report


@dataclass(frozen=True)
class _SourceChange:
    sources: dict[str, SourceData]  # every source, the requested one in its new version
    ids: np.ndarray  # ids of the rows that really change
    cells: int
    matched: list[Any]
    unmatched: list[Any]


def _change_sources(sources: Mapping[str, SourceData], request: DeletionRequest, stage: _Stages) -> _SourceChange:
    """Validates the request against the sources and applies it to the one it names."""
    with stage("validate"):
        request.check_against({name: (data.key, list(data.frame.columns)) for name, data in sources.items()})
        data = sources[request.source]
        try:
            ids = data.ids_for(request.keys)
        except Exception as error:
            raise RequestError(f"keys of {request.source!r}: {error}") from error
        present = data.known(ids)
    with stage("sources"):
        new_source, changed_ids, cells = _change_source(data, ids[present], request)
    return _SourceChange(
        {**sources, request.source: new_source},
        changed_ids,
        cells,
        [k for k, hit in zip(request.keys, present, strict=True) if hit],
        [k for k, hit in zip(request.keys, present, strict=True) if not hit],
    )


def apply_to_table(
    name: str, plan: le.Table, result: Result, request: DeletionRequest
) -> tuple[Result, DeletionReport]:
    """A pipeline that ends in a table (no features, no model): its new version for `request`, by the
    same incremental maintenance, and what changed. `result` is not modified."""
    stage = _Stages()
    change = _change_sources(result.sources, request, stage)
    update = None
    if len(change.ids):
        with stage("prepared"):
            update = maintain(
                plan.node,
                result,
                change.sources,
                request.source,
                change.ids,
                erased=request.action == "erase",
                columns=request.columns,
            )
    new = result if update is None else update.result
    continuing = np.ones(0, dtype=bool) if update is None else update.origin >= 0
    report = DeletionReport(
        request_id=request.request_id,
        pipeline=name,
        source=request.source,
        action=request.action,
        matched_keys=change.matched,
        unmatched_keys=change.unmatched,
        source_rows=len(change.ids),
        source_cells=change.cells,
        prepared_mode="unchanged" if update is None else update.mode,
        prepared_rows_removed=0 if update is None else len(update.removed),
        prepared_rows_changed=0 if update is None else int((update.changed & continuing).sum()),
        prepared_rows_added=0 if update is None else len(update.added),
        prepared_cells=0 if update is None else update.cells_touched(),
        prepared_columns=[] if update is None else list(update.columns),
        x_rows_removed=0,
        x_rows_reencoded=0,
        x_ranges=[],
        x_cells=0,
        labels_changed=0,
        model={},
        metrics_before={},
        metrics_after={},
        version_before=0,
        version_after=0 if update is None else 1,
        seconds=stage.seconds,
        fallback_reason="" if update is None else update.reason,
        operator_classes=[] if update is None else list(update.classes),
    )
    return new, report


def erase_rows(data: SourceData, ids: np.ndarray) -> SourceData:
    """The source without the rows with these ids."""
    keep = ~data.rows_with(ids)
    return SourceData(data.name, data.key, data.frame[keep].reset_index(drop=True), data.ids[keep])


def redact_cells(data: SourceData, ids: np.ndarray, columns: tuple[str, ...]) -> SourceData:
    """The source with `columns` blanked (null) in the rows with these ids; an integer column becomes
    float, as pandas stores its nulls."""
    rows = data.rows_with(ids)
    frame = data.frame.copy(deep=False)
    for column in columns:
        values = frame[column].copy()
        values[rows] = None
        frame[column] = values
    return SourceData(data.name, data.key, frame, data.ids)


def _change_source(data: SourceData, ids: np.ndarray, request: DeletionRequest) -> tuple[SourceData, np.ndarray, int]:
    """The source's new version, the ids of the rows that really change, and the cells removed."""
    rows = data.rows_with(ids)
    if request.action == "erase":
        return erase_rows(data, ids), data.ids[rows], int(rows.sum()) * data.frame.shape[1]
    filled = data.frame.loc[rows, list(request.columns)].notna()
    changed = data.ids[rows][filled.any(axis=1).to_numpy()]
    if len(changed) == 0:  # already blank: applying the request again changes nothing
        return data, changed, 0
    return redact_cells(data, changed, request.columns), changed, int(filled.to_numpy().sum())


def _chunked(X: np.ndarray | ChunkedMatrix) -> ChunkedMatrix:
    """X as row chunks: a chunked X as it is, an ndarray (just materialised, or stored before chunks) as views
    of its rows, so that a deletion copies only the chunks it writes, never the whole matrix."""
    return X if isinstance(X, ChunkedMatrix) else ChunkedMatrix.of(np.asarray(X))


def _maintain_matrix(
    state: MaterializedPipeline, old_X: ChunkedMatrix, update: TableUpdate
) -> tuple[ChunkedMatrix, int, list[tuple[int, int]], int]:
    """X's new version, rows re-encoded, the ranges re-encoded in changed rows, and cells written.

    The new version shares the old one's chunks (and row copies) where their rows stay, in order, and copies
    only the chunks it writes, so a large X is never copied for a few rows; the old version is left as it
    was. Changed rows get exactly the blocks that read a changed column; rows derived anew are encoded whole.
    """
    frame, origin = update.result.frame, update.origin
    patched = np.flatnonzero(update.changed & (origin >= 0))
    blocks = state.matrix.blocks_reading(update.columns) if len(patched) else []
    ranges = [(b.start, b.stop) for b in blocks]
    values = encode_blocks(state.encoder, blocks, take_rows(frame, patched)) if blocks else []
    added = update.added
    cells = len(patched) * sum(b - a for a, b in ranges) + len(added) * state.matrix.n_features
    in_place = len(update.removed) == 0 and len(added) == 0 and np.array_equal(origin, np.arange(len(origin)))
    # a re-run can also give the same rows in another order: then the chunks are gathered anew
    X = old_X.copy() if in_place else old_X.take(origin)
    for (start, stop), block in zip(ranges, values, strict=True):
        X[patched, start:stop] = block
    if len(added):
        features = take_rows(frame, added).drop(columns=state.spec.label)
        X[added] = np.asarray(state.encoder.transform(features), dtype=np.float64)
    return X, len(patched) + len(added), ranges, cells


def _nothing_to_do(
    state: MaterializedPipeline,
    request: DeletionRequest,
    matched: list[Any],
    unmatched: list[Any],
    seconds: dict[str, float],
) -> DeletionReport:
    report = DeletionReport(
        request.request_id,
        state.spec.name,
        request.source,
        request.action,
        matched,
        unmatched,
        0,
        0,
        "unchanged",
        0,
        0,
        0,
        0,
        [],
        0,
        0,
        [],
        0,
        0,
        {},
        state.metrics,
        state.metrics,
        state.version,
        state.version,
        seconds,
        unlabeled_rows=int((~state.labeled).sum()),
    )
    state.history.append(report)
    return report


def reflect(data: SourceData, effects: Sequence[DeletionRequest]) -> tuple[SourceData, int, int]:
    """A source with the effects of deletion requests on it applied (rows erased, cells blanked), and how
    many rows and cells that removed: what every read of the lake goes through, so erased data stays
    erased even when an old copy of a table comes back. Applying it again changes nothing."""
    erase = [data.ids_for(e.keys) for e in effects if e.source == data.name and e.action == "erase"]
    rows_removed = cells = 0
    if erase:
        gone = data.rows_with(np.concatenate(erase))
        rows_removed = int(gone.sum())
        if rows_removed:
            data = erase_rows(data, data.ids[gone])
    by_columns: dict[tuple[str, ...], list[np.ndarray]] = {}
    for e in effects:
        if e.source == data.name and e.action == "redact":
            by_columns.setdefault(e.columns, []).append(data.ids_for(e.keys))
    for columns, ids in by_columns.items():
        rows = data.rows_with(np.concatenate(ids))
        filled = data.frame.loc[rows, list(columns)].notna()
        if filled.to_numpy().any():
            cells += int(filled.to_numpy().sum())
            data = redact_cells(data, data.ids[rows][filled.any(axis=1).to_numpy()], columns)
    return data, rows_removed, cells
