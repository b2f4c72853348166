"""Asset checks that prove a pipeline's artifacts in the run that wrote them, and block the audit step
when they fail: no row that an accepted deletion request erased and no cell it redacted remains in the
prepared table or the source snapshot it keeps, X and the model hold exactly the table's rows, the
model reflects every request, and a sample of rows recomputed from provenance equals the stored table
and X (rows the run's requests changed first)."""

from collections.abc import Sequence
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd

import lester_dagster.engine as le
from lester_dagster.engine import Result
from lester_dagster.ivm import DeletionRequest
from lester_dagster.ivm.table import rederive
from lester_dagster.orchestration.asset_factory import IO_MANAGER_KEY, load_state, source_problems
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
from lester_dagster.pipeline import MaterializedPipeline, PipelineSpec, TablePipeline

SAMPLE_ROWS = 50  # rows of the table recomputed from provenance
X_SAMPLE_ROWS = 10  # of them, rows re-encoded and compared with X


def deleted_data_remaining(table: Result, effects: Sequence[DeletionRequest], X_rows: int | None = None) -> list[str]:
    """What deletion effects should have removed from a pipeline's table (and the source snapshots it
    keeps) but is still there; empty when all is gone. `X_rows`: the feature matrix's row count."""
    problems = []
    for source, data in table.sources.items():
        problems += [f"source snapshot {source}: {p}" for p in source_problems(data, effects)]
    erased: dict[str, list[np.ndarray]] = {}
    for effect in effects:
        if effect.action == "erase" and effect.source in table.sources and effect.source in table.provenance:
            erased.setdefault(effect.source, []).append(table.sources[effect.source].ids_for(effect.keys))
    for source, ids in erased.items():
        rows = int(table.provenance.depends_on(source, np.concatenate(ids)).sum())
        if rows:
            problems.append(f"{rows} row(s) derived from erased {source} rows are still in the table")
    if X_rows is not None and X_rows != len(table.frame):
        problems.append(f"X has {X_rows} rows but the prepared table {len(table.frame)}")
    return problems


def recompute_disagreements(plan: le.Table, table: Result, state: MaterializedPipeline | None = None,
                            sample: int = SAMPLE_ROWS, seed: int = 0, focus: np.ndarray | None = None) -> list[str]:
    """Recomputes a sample of a table's rows from their provenance and compares them with the stored
    table, and (re-encoding X_SAMPLE_ROWS of them) with X when `state` (an ML pipeline's artifacts) is
    given. Half the sample comes from `focus` (the rows the latest requests changed) when given, the rest
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
        except AssertionError:
            # the assertion's text quotes cell values; the check's metadata goes to Dagster's storage
            columns = [c for c in stored.columns if not stored[c].equals(recomputed[c])]
            problems.append(f"rows differ from a recomputation in column(s) {columns}")
        if state is None:
            return problems
        # re-encoding is the costly part (sentence embeddings): X is checked on fewer rows, those the
        # requests changed first
        in_focus = np.isin(matched_old, picked)
        chosen = np.concatenate([np.flatnonzero(in_focus), np.flatnonzero(~in_focus)])[:X_SAMPLE_ROWS]
        features = recomputed.iloc[chosen].drop(columns=state.spec.label)
        X = np.asarray(state.encoder.transform(features), dtype=np.float64)
        diff = float(np.abs(X - state.X[np.asarray(matched_old)[chosen]]).max())
        if diff > 1e-5:
            problems.append(f"X rows differ from a re-encoding by up to {diff:.2e}")
    return problems


def _rows_of(table: Result, effects: Sequence[DeletionRequest]) -> np.ndarray | None:
    """The rows of a table derived from the rows these effects named (those a redaction changed)."""
    focus = np.zeros(len(table.frame), dtype=bool)
    for effect in effects:
        if effect.source in table.sources and effect.source in table.provenance:
            focus |= table.provenance.depends_on(effect.source, table.sources[effect.source].ids_for(effect.keys))
    return focus if focus.any() else None


def _effects(lake: DataLake, through: int, sources: Sequence[str]) -> tuple[list[DeletionRequest], int]:
    pairs = [(seq, e) for seq, e in lake.journal.effects(through=through) if e.source in sources]
    return [e for _, e in pairs], len({e.request_id for _, e in pairs})


def _this_run(lake: DataLake, run_id: str, sources: Sequence[str]) -> tuple[list[DeletionRequest], list[str]]:
    entries = [e for e in lake.journal.entries() if e.run_id == run_id and set(e.sources) & set(sources)]
    return [x for e in entries for x in e.effects if x.source in sources], [e.request_id for e in entries]


def _result(key: dg.AssetKey, name: str, problems: list[str], **metadata: Any) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key, check_name=name, passed=not problems,
        metadata={**metadata, "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")},
    )


def build_pipeline_checks(spec: PipelineSpec, translator: LesterTranslator) -> dg.AssetChecksDefinition:
    keys = {a: translator.get_artifact_key(spec, a) for a in ARTIFACTS}
    absent = dg.AssetCheckSpec(
        "deleted_data_absent", asset=keys["prepared"], additional_deps=[keys["features"], keys["model"]], blocking=True,
        description="No row an accepted deletion request erased, and no cell it redacted, remains in the prepared "
                    "table or the sources it keeps; X holds exactly the table's rows.")
    agrees = dg.AssetCheckSpec(
        "agrees_with_recompute", asset=keys["features"], additional_deps=[keys["prepared"]], blocking=True,
        description=f"A sample of {SAMPLE_ROWS} rows recomputed from provenance equals the stored table, and "
                    f"{X_SAMPLE_ROWS} of them re-encoded equal X (rows this run's requests changed first).")
    reflects = dg.AssetCheckSpec(
        "model_reflects_requests", asset=keys["model"], additional_deps=[keys["features"]], blocking=True,
        description="The model was updated for every request its data reflects: it was trained on exactly X's "
                    "training rows, and its version reflects the same requests as X and the table.")

    @dg.multi_asset_check(specs=[absent, agrees, reflects], can_subset=True, name=f"{spec.name}_checks",
                          required_resource_keys={IO_MANAGER_KEY, "lake"})
    def _checks(context: dg.AssetCheckExecutionContext):
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        lake: DataLake = context.resources.lake
        with lake.lock.shared():
            state = load_state(io, spec, keys, read_only=True)  # X is only sampled: mapped, not read
            through = {a: io.reflects_through(keys[a]) for a in ARTIFACTS}
            effects, requests = _effects(lake, through["prepared"], list(spec.sources))
            mine, ids = _this_run(lake, context.run.run_id, list(spec.sources))
            selected = context.selected_asset_check_keys
            if absent.key in selected:
                problems = deleted_data_remaining(state.prepared, effects, X_rows=len(state.X))
                yield _result(keys["prepared"], absent.name, problems, **{
                    "requests checked": requests, "reflects requests through": through["prepared"],
                    "this run's requests": ", ".join(ids) or "none"})
            if agrees.key in selected:
                problems = recompute_disagreements(state.plan, state.prepared, state, focus=_rows_of(state.prepared, mine))
                yield _result(keys["features"], agrees.name, problems,
                              **{"rows sampled": min(SAMPLE_ROWS, len(state.prepared.frame))})
            if reflects.key in selected:
                problems = []
                training = int((~state.is_test).sum())
                if state.model.n_train != training:
                    problems.append(f"the model counts {state.model.n_train} training rows, X has {training}")
                if len(set(through.values())) > 1:
                    problems.append(f"the artifacts reflect different requests: {through}")
                yield _result(keys["model"], reflects.name, problems, **{
                    "training rows": training, "reflects requests through": through["model"]})

    return _checks


def build_table_checks(spec: TablePipeline, translator: LesterTranslator) -> dg.AssetChecksDefinition:
    """The same checks on a pipeline that ends in a table."""
    key = translator.get_artifact_key(spec, "output")
    absent = dg.AssetCheckSpec("deleted_data_absent", asset=key, blocking=True,
                               description="No row an accepted deletion request erased, and no cell it redacted, "
                                           "remains in the table or the sources it keeps.")
    agrees = dg.AssetCheckSpec("agrees_with_recompute", asset=key, blocking=True,
                               description=f"A sample of {SAMPLE_ROWS} rows recomputed from provenance equals the table.")

    @dg.multi_asset_check(specs=[absent, agrees], can_subset=True, name=f"{spec.name}_checks",
                          required_resource_keys={IO_MANAGER_KEY, "lake"})
    def _checks(context: dg.AssetCheckExecutionContext):
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        lake: DataLake = context.resources.lake
        with lake.lock.shared():
            table = io.load(key).result
            effects, requests = _effects(lake, io.reflects_through(key), list(spec.sources))
            mine, ids = _this_run(lake, context.run.run_id, list(spec.sources))
            if absent.key in context.selected_asset_check_keys:
                yield _result(key, absent.name, deleted_data_remaining(table, effects),
                              **{"requests checked": requests, "this run's requests": ", ".join(ids) or "none"})
            if agrees.key in context.selected_asset_check_keys:
                plan = spec.plan({name: data.frame for name, data in table.sources.items()})
                problems = recompute_disagreements(plan, table, focus=_rows_of(table, mine))
                yield _result(key, agrees.name, problems, **{"rows sampled": min(SAMPLE_ROWS, len(table.frame))})

    return _checks
