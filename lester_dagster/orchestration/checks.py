"""Asset checks that prove a pipeline's artifacts in the run that wrote them, and block the audit step
when they fail: no row that an accepted deletion request erased and no cell it redacted remains in the
prepared table or the source snapshot it keeps, X and the model hold exactly the table's rows, the
model reflects every request, and a sample of rows recomputed from provenance equals the stored table
and X (rows the run's requests changed first)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd

import lester_dagster.engine as le
from lester_dagster.engine import Result
from lester_dagster.ivm import DeletionRequest
from lester_dagster.ivm.table import rederive
from lester_dagster.orchestration.asset_factory import source_problems
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


@dataclass(frozen=True)
class CheckSet:
    """The checks of one pipeline: their specs (part of the pipeline's multi-asset) and how to run them on
    the versions about to be committed, against every request those versions reflect."""

    specs: list[dg.AssetCheckSpec]
    keys: dict[str, dg.AssetKey]  # check name -> the asset it checks

    def run(self, context: Any, w: Any, table: Result, state: MaterializedPipeline | None, reflects: int,
            sources: Sequence[str]) -> list[dg.AssetCheckResult]:
        selected = {k.name for k in context.selected_asset_check_keys}
        pairs = [(seq, e) for seq, e in w.journal.effects(through=reflects) if e.source in sources]
        effects = [e for _, e in pairs]
        mine = [e for e in w.journal.entries(through=reflects) if e.run_id == w.run_id and set(e.sources) & set(sources)]
        ids = [e.request_id for e in mine]
        recent = [x for e in mine for x in e.effects if x.source in sources]
        named = f"request(s) {', '.join(ids)}" if ids else "no request of this run"
        checked = {"requests checked": len({e.request_id for _, e in pairs}), "reflects requests through": reflects,
                   "this run's requests": ", ".join(ids) or "none"}
        out = []
        if "deleted_data_absent" in selected:
            problems = deleted_data_remaining(table, effects, X_rows=None if state is None else len(state.X))
            out.append(_result(self.keys["deleted_data_absent"], "deleted_data_absent", problems,
                               f"{named}: {len(problems)} problem(s) among {checked['requests checked']} request(s)",
                               **checked))
        if "agrees_with_recompute" in selected:
            plan = state.plan if state is not None else None
            if plan is None:
                plan = self.plan({name: data.frame for name, data in table.sources.items()})
            problems = recompute_disagreements(plan, table, state, focus=_rows_of(table, recent))
            out.append(_result(self.keys["agrees_with_recompute"], "agrees_with_recompute", problems,
                               f"{min(SAMPLE_ROWS, len(table.frame))} rows recomputed from provenance, {named} first",
                               **{"rows sampled": min(SAMPLE_ROWS, len(table.frame))}))
        if "model_reflects_requests" in selected and state is not None:
            training = int((~state.is_test).sum())
            problems = [] if state.model.n_train == training else [
                f"the model counts {state.model.n_train} training rows, X has {training}"]
            out.append(_result(self.keys["model_reflects_requests"], "model_reflects_requests", problems,
                               f"the model, updated for {named}, fits X's {training} training rows",
                               **{"training rows": training, "reflects requests through": reflects}))
        return out

    plan: Any = None  # a table pipeline's plan builder (frames -> engine Table)


def _result(key: dg.AssetKey, name: str, problems: list[str], description: str, **metadata: Any) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key, check_name=name, passed=not problems, description=description,
        metadata={**metadata, "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")},
    )


def pipeline_checks(spec: PipelineSpec, keys: dict[str, dg.AssetKey]) -> CheckSet:
    specs = [
        dg.AssetCheckSpec(
            "deleted_data_absent", asset=keys["prepared"], blocking=True,
            description="No row an accepted deletion request erased, and no cell it redacted, remains in the prepared "
                        "table or the sources it keeps; X holds exactly the table's rows. Run on the new versions "
                        "before they are committed: a version that fails is never published."),
        dg.AssetCheckSpec(
            "agrees_with_recompute", asset=keys["features"], blocking=True,
            description=f"A sample of {SAMPLE_ROWS} rows recomputed from provenance equals the table, and "
                        f"{X_SAMPLE_ROWS} of them re-encoded equal X (rows this run's requests changed first)."),
        dg.AssetCheckSpec(
            "model_reflects_requests", asset=keys["model"], blocking=True,
            description="The model was updated for every request its data reflects: it was trained (or unlearned) "
                        "on exactly X's training rows."),
    ]
    return CheckSet(specs, {"deleted_data_absent": keys["prepared"], "agrees_with_recompute": keys["features"],
                            "model_reflects_requests": keys["model"]})


def table_checks(spec: TablePipeline, key: dg.AssetKey) -> CheckSet:
    specs = [
        dg.AssetCheckSpec("deleted_data_absent", asset=key, blocking=True,
                          description="No row an accepted deletion request erased, and no cell it redacted, remains "
                                      "in the table or the sources it keeps (checked before the version is committed)."),
        dg.AssetCheckSpec("agrees_with_recompute", asset=key, blocking=True,
                          description=f"A sample of {SAMPLE_ROWS} rows recomputed from provenance equals the table."),
    ]
    return CheckSet(specs, {"deleted_data_absent": key, "agrees_with_recompute": key}, plan=spec.plan)
