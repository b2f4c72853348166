"""Asset checks that prove a pipeline's artifacts after every run: no erased key and no redacted value
remains anywhere, and the incrementally maintained table and X agree with a recomputation of a sample
of rows from their provenance."""

from typing import Any

import dagster as dg
import numpy as np
import pandas as pd

from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration.asset_factory import IO_MANAGER_KEY, load_state, request_of
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
from lester_dagster.ivm.table import rederive
import lester_dagster.engine as le
from lester_dagster.engine import Result
from lester_dagster.pipeline import MaterializedPipeline, PipelineSpec, TablePipeline
from lester_dagster.storage import StorageError

SAMPLE_ROWS = 50  # rows of the table recomputed from provenance
X_SAMPLE_ROWS = 10  # of them, rows re-encoded and compared with X


def deleted_data_remaining(table: Result, entries: list[dict[str, Any]], X_rows: int | None = None) -> list[str]:
    """What applied requests should have removed from a pipeline's table (and the source snapshots it
    keeps) but is still there; empty when all is gone. `X_rows`: the feature matrix's row count."""
    problems = []
    for entry in entries:
        source = entry["source"]
        if source not in table.sources:
            continue
        data = table.sources[source]
        ids = data.ids_for(entry["keys"])
        if entry["action"] == "erase":
            if np.isin(ids, data.ids).any():
                problems.append(f"erased keys of {source} are still in the source snapshot")
            if source in table.provenance and np.isin(table.provenance[source].ids, ids).any():
                problems.append(f"rows derived from erased {source} keys are still in the table")
        else:
            rows = np.isin(data.ids, ids)
            filled = data.frame.loc[rows, list(entry["columns"])].notna().to_numpy().sum()
            if filled:
                problems.append(f"{filled} redacted cells of {source} still hold values")
    if X_rows is not None and X_rows != len(table.frame):
        problems.append(f"X has {X_rows} rows but the prepared table {len(table.frame)}")
    return problems


def recompute_disagreements(plan: le.Table, table: Result, state: MaterializedPipeline | None = None,
                            sample: int = SAMPLE_ROWS, seed: int = 0, focus: np.ndarray | None = None) -> list[str]:
    """Recomputes a sample of a table's rows from their provenance and compares them with the stored
    table, and (re-encoding X_SAMPLE_ROWS of them) with X when `state` (an ML pipeline's artifacts) is
    given. Half the sample comes from `focus` (the rows the latest request changed) when given, the rest
    at random."""
    n = len(table.frame)
    if n == 0:
        return []
    rng = np.random.default_rng(seed)
    focus = np.array([], dtype=np.int64) if focus is None else np.flatnonzero(focus)
    picked = rng.choice(focus, size=min(sample // 2, len(focus)), replace=False) if len(focus) else focus
    others = np.setdiff1d(np.arange(n), picked)
    rows = np.sort(np.concatenate([picked, rng.choice(others, size=min(sample - len(picked), len(others)), replace=False)]))
    fresh = rederive(plan.node, table, rows)
    index = {fresh.provenance.row_key(j): j for j in range(len(fresh.frame))}
    problems = []
    matched_old, matched_new = [], []
    for i in rows:
        j = index.get(table.provenance.row_key(int(i)))
        if j is None:
            problems.append(f"row {i} cannot be recomputed from its provenance")
        else:
            matched_old.append(int(i))
            matched_new.append(j)
    if matched_old:
        stored = table.frame.iloc[matched_old].reset_index(drop=True)
        recomputed = fresh.frame.iloc[matched_new].reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(stored, recomputed, check_dtype=False)
        except AssertionError as error:
            problems.append(f"rows differ from a recomputation: {str(error).splitlines()[0]}")
        if state is None:
            return problems
        # re-encoding is the costly part (sentence embeddings): X is checked on fewer rows, those the
        # request changed first
        in_focus = np.isin(matched_old, picked)
        chosen = np.concatenate([np.flatnonzero(in_focus), np.flatnonzero(~in_focus)])[:X_SAMPLE_ROWS]
        features = recomputed.iloc[chosen].drop(columns=state.spec.label)
        X = np.asarray(state.encoder.transform(features), dtype=np.float64)
        diff = float(np.abs(X - state.X[np.asarray(matched_old)[chosen]]).max())
        if diff > 1e-5:
            problems.append(f"X rows differ from a re-encoding by up to {diff:.2e}")
    return problems


def _rows_of(table: Result, request: tuple[DeletionRequest, Any] | None) -> np.ndarray | None:
    """The rows of a table derived from the rows a request named (those a redaction changed)."""
    if request is None or request[0].source not in table.sources:
        return None
    ids = table.sources[request[0].source].ids_for(request[0].keys)
    return table.provenance.depends_on(request[0].source, ids)


def _audit_entries(io: LesterIOManager, translator: LesterTranslator) -> list[dict[str, Any]]:
    try:
        return io.load(translator.get_audit_key()).value
    except StorageError:
        return []


def _result(key: dg.AssetKey, name: str, problems: list[str], **metadata: Any) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key, check_name=name, passed=not problems,
        metadata={**metadata, "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")},
    )


def build_pipeline_checks(spec: PipelineSpec, translator: LesterTranslator) -> dg.AssetChecksDefinition:
    keys = {a: translator.get_artifact_key(spec, a) for a in ARTIFACTS}
    absent = dg.AssetCheckSpec("deleted_data_absent", asset=keys["prepared"], additional_deps=[keys["features"], keys["model"]],
                               description="No erased key and no redacted value remains in any artifact.")
    agrees = dg.AssetCheckSpec("agrees_with_recompute", asset=keys["features"], additional_deps=[keys["prepared"]],
                               description=f"A sample of {SAMPLE_ROWS} rows recomputed from provenance equals the stored table, "
                                           f"and {X_SAMPLE_ROWS} of them re-encoded equal X (rows the latest "
                                           "deletion request changed first).")

    @dg.multi_asset_check(specs=[absent, agrees], can_subset=True, name=f"{spec.name}_checks",
                          required_resource_keys={IO_MANAGER_KEY})
    def _checks(context: dg.AssetCheckExecutionContext):
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        state = load_state(io, spec, keys, read_only=True)  # X is only sampled: mapped, not read
        if absent.key in context.selected_asset_check_keys:
            entries = _audit_entries(io, translator)
            problems = deleted_data_remaining(state.prepared, entries, X_rows=len(state.X))
            yield _result(keys["prepared"], absent.name, problems, **{"requests checked": len(entries)})
        if agrees.key in context.selected_asset_check_keys:
            focus = _rows_of(state.prepared, request_of(context))
            problems = recompute_disagreements(state.plan, state.prepared, state, focus=focus)
            yield _result(keys["features"], agrees.name, problems,
                          **{"rows sampled": min(SAMPLE_ROWS, len(state.prepared.frame))})

    return _checks


def build_table_checks(spec: TablePipeline, translator: LesterTranslator) -> dg.AssetChecksDefinition:
    """The same two checks on a pipeline that ends in a table."""
    key = translator.get_artifact_key(spec, "output")
    absent = dg.AssetCheckSpec("deleted_data_absent", asset=key,
                               description="No erased key and no redacted value remains in the table.")
    agrees = dg.AssetCheckSpec("agrees_with_recompute", asset=key,
                               description=f"A sample of {SAMPLE_ROWS} rows recomputed from provenance equals the table.")

    @dg.multi_asset_check(specs=[absent, agrees], can_subset=True, name=f"{spec.name}_checks",
                          required_resource_keys={IO_MANAGER_KEY})
    def _checks(context: dg.AssetCheckExecutionContext):
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        table = io.load(key).result
        if absent.key in context.selected_asset_check_keys:
            entries = _audit_entries(io, translator)
            yield _result(key, absent.name, deleted_data_remaining(table, entries),
                          **{"requests checked": len(entries)})
        if agrees.key in context.selected_asset_check_keys:
            plan = spec.plan({name: data.frame for name, data in table.sources.items()})
            problems = recompute_disagreements(plan, table, focus=_rows_of(table, request_of(context)))
            yield _result(key, agrees.name, problems, **{"rows sampled": min(SAMPLE_ROWS, len(table.frame))})

    return _checks
