"""Deletions applied to a materialised pipeline by IVM against a full re-run on the changed sources with
the same fitted encoder: prepared table, X, labels and train/test split must agree; nothing deleted may
remain; a failed update must leave the previous version whole."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import lester_dagster.ivm.apply as apply_module
from example_project.customer_risk import CUSTOMER_RISK
from example_project.declarative_pipeline import PIPELINE, WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import CARD_PATTERN, generate, leaked_mail_ids
from lester_dagster.ivm import DeletionRequest, RequestError, apply_deletion
from lester_dagster.ivm.evaluation import unlearning_quality
from lester_dagster.ivm.impact import impact
from lester_dagster.model import ModelConfig
from lester_dagster.pipeline import MaterializedPipeline, holdout_mask, materialize, recompute


CHEAP = WORD_COUNT_PIPELINE


def lake(n_mails: int, seed: int) -> dict[str, pd.DataFrame]:
    customers, mails = generate(n_mails, seed)
    return {"customers": customers, "mails": mails}


def assert_matches_full_rerun(state: MaterializedPipeline) -> None:
    full, X = recompute(state, dict(state.sources))
    got = state.prepared
    # IVM keeps old rows in place and appends rows that appear; align both by provenance
    mine, theirs = np.argsort(got.provenance.signatures()), np.argsort(full.provenance.signatures())
    np.testing.assert_array_equal(got.provenance.signatures()[mine], full.provenance.signatures()[theirs])
    pd.testing.assert_frame_equal(
        got.frame.iloc[mine].reset_index(drop=True), full.frame.iloc[theirs].reset_index(drop=True), check_dtype=False
    )
    np.testing.assert_allclose(state.X[mine], X[theirs], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(state.y[mine], full.frame[state.spec.label].to_numpy()[theirs])
    np.testing.assert_array_equal(state.is_test, holdout_mask(got.provenance, state.spec.test_fraction, state.spec.split_seed))


def customers_with_mail(state: MaterializedPipeline, count: int, country: str | None = None) -> list[int]:
    rows = state.prepared.provenance["customers"].ids
    customers = state.sources["customers"].frame.set_index("customer_id")
    ids = [int(i) for i in pd.unique(rows) if country is None or customers.country[int(i)] == country]
    return ids[:count]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_redacting_leaked_subjects_matches_rerun(seed: int) -> None:
    frames = lake(3000, seed)
    state = materialize(CHEAP, frames)
    leaked = [int(x) for x in leaked_mail_ids(frames["mails"])]
    report = apply_deletion(state, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",)))
    assert report.prepared_mode == "rederive"
    assert report.prepared_columns == ["title"] and report.x_ranges == [(0, 1)]
    assert report.prepared_rows_changed == report.x_rows_reencoded > 0
    assert_matches_full_rerun(state)
    # no card number left anywhere: not in the source, not in the prepared table
    assert not state.sources["mails"].frame.mail_subject.str.contains(CARD_PATTERN.pattern, case=False, na=False).any()
    assert not state.prepared.frame.title.str.contains(CARD_PATTERN.pattern, na=False).any()
    # the same request again changes nothing
    again = apply_deletion(state, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",)))
    assert not again.changed_anything and again.source_cells == 0


@pytest.mark.parametrize("seed", [0, 3])
def test_erasing_customers_matches_rerun(seed: int) -> None:
    state = materialize(CHEAP, lake(3000, seed))
    gone = customers_with_mail(state, 5)
    before = len(state.prepared.frame)
    report = apply_deletion(state, DeletionRequest("customers", tuple(gone), "erase", reason="GDPR erasure"))
    assert report.prepared_mode == "delete-rows"
    assert report.prepared_rows_removed == before - len(state.prepared.frame) > 0
    assert_matches_full_rerun(state)
    assert not np.isin(state.prepared.provenance["customers"].ids, gone).any()
    assert not state.sources["customers"].frame.customer_id.isin(gone).any()
    again = apply_deletion(state, DeletionRequest("customers", tuple(gone), "erase"))
    assert not again.changed_anything and again.unmatched_keys == gone


def test_redacting_a_column_that_filters_rows_matches_rerun() -> None:
    """mail_text decides which mails are kept, feeds text and sentiment, and through it the label."""
    state = materialize(CHEAP, lake(3000, 4))
    mails = state.prepared.provenance["mails"].ids[:40].tolist()
    report = apply_deletion(state, DeletionRequest("mails", tuple(mails), "redact", ("mail_text",)))
    assert report.prepared_mode == "rederive-wide"
    assert report.prepared_rows_removed == 40  # a blank text mentions no complaint: the mails drop out
    assert_matches_full_rerun(state)


def test_erasing_mails_and_a_request_of_several_kinds_in_a_row() -> None:
    state = materialize(CHEAP, lake(2000, 5))
    mails = state.prepared.provenance["mails"].ids
    apply_deletion(state, DeletionRequest("mails", tuple(int(m) for m in mails[::7]), "erase"))
    apply_deletion(state, DeletionRequest("customers", tuple(customers_with_mail(state, 3)), "redact", ("bank",)))
    apply_deletion(state, DeletionRequest("customers", tuple(customers_with_mail(state, 2, "DE")), "redact", ("country",)))
    assert state.version == 3
    assert_matches_full_rerun(state)


def test_unknown_and_malformed_requests_are_clear_and_change_nothing() -> None:
    state = materialize(CHEAP, lake(500, 0))
    version, X = state.version, state.X.copy()
    with pytest.raises(RequestError, match=r"unknown source 'emails'; the sources are \['customers', 'mails'\]"):
        apply_deletion(state, DeletionRequest("emails", (1,), "erase"))
    with pytest.raises(RequestError, match=r"has no column\(s\) \['subject'\]; its columns are"):
        apply_deletion(state, DeletionRequest("mails", (1,), "redact", ("subject",)))
    with pytest.raises(RequestError, match="cannot redact the key column 'mail_id'"):
        apply_deletion(state, DeletionRequest("mails", (1,), "redact", ("mail_id",)))
    with pytest.raises(RequestError, match="do not fit the key column"):
        apply_deletion(state, DeletionRequest("mails", ("not-a-number",), "erase"))
    report = apply_deletion(state, DeletionRequest("mails", (10**9,), "erase"))
    assert report.unmatched_keys == [10**9] and not report.changed_anything
    assert state.version == version and np.array_equal(state.X, X)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"source": "mails", "keys": [1], "action": "delete"}', "must be \"erase\" or \"redact\""),
        ('{"source": "mails", "keys": [], "action": "erase"}', "at least one key"),
        ('{"source": "mails", "keys": 5, "action": "erase"}', "must be a JSON list"),
        ('{"source": "mails", "keys": [1.5], "action": "erase"}', "integers or strings"),
        ('{"source": "mails", "keys": [1], "action": "redact"}', "needs 'columns'"),
        ('{"source": "mails", "keys": [1], "action": "erase", "columns": ["x"]}', "removes whole rows"),
        ('{"keys": [1], "action": "erase"}', r"missing field\(s\) \['source'\]"),
        ('{"source": "mails", "keys": [1], "action": "erase", "why": "x"}', r"unknown field\(s\) \['why'\]"),
        ('{"source": "mails", "keys": [1], ', "not valid JSON"),
    ],
)
def test_malformed_request_files(payload: str, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        DeletionRequest.from_json(payload)


def test_request_round_trip_and_stable_id() -> None:
    request = DeletionRequest.from_json('{"source": "mails", "keys": [3, 1], "action": "erase", "reason": "GDPR"}')
    assert DeletionRequest.from_dict(request.to_dict()) == request
    assert DeletionRequest("mails", (1, 3), "erase").request_id == request.request_id


def test_a_failed_update_leaves_the_previous_version_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    state = materialize(CHEAP, lake(1000, 0))
    snapshot = (state.version, state.prepared, state.X.copy(), state.y.copy(), state.model, dict(state.sources))
    leaked = tuple(int(x) for x in leaked_mail_ids(state.sources["mails"].frame))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply_module, "first_order_update", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        apply_deletion(state, DeletionRequest("mails", leaked, "redact", ("mail_subject",)), unlearning="first_order")
    assert state.version == snapshot[0] and state.prepared is snapshot[1] and state.model is snapshot[4]
    np.testing.assert_array_equal(state.X, snapshot[2])
    np.testing.assert_array_equal(state.y, snapshot[3])
    assert dict(state.sources) == snapshot[5]


@pytest.mark.slow
def test_paper_scenario_with_minilm_embeddings() -> None:
    """Five German customers' leaked card numbers redacted: title cells, the title's embedding and
    word-count ranges of X, and the model; X agrees with a re-run of the real encoder."""
    frames = lake(1500, 0)
    state = materialize(replace(PIPELINE, model=ModelConfig(epochs=10, hidden=(16,))), frames)
    leakers = frames["mails"][frames["mails"].mail_id.isin(leaked_mail_ids(frames["mails"]))].email
    mails = frames["mails"][frames["mails"].email.isin(leakers)].mail_id
    report = apply_deletion(state, DeletionRequest("mails", tuple(int(m) for m in mails), "redact", ("mail_subject",)))
    assert report.x_ranges == [(0, 384), (768, 769)]
    assert report.model["train_rows_new"] > 0 and report.model["step_norm"] > 0
    assert_matches_full_rerun(state)


@pytest.mark.parametrize("seed", [0, 1])
def test_unlearning_moves_the_model_toward_retraining(seed: int) -> None:
    """Compared with a model retrained without the erased customers, on their rows: both updates move
    the loss on those rows the retrained model's way, and second order closes part of the prediction
    gap. (First order with its cautious default step moves the loss but barely the predictions; see
    benchmarks/RESULTS.md.)"""
    spec = replace(CHEAP, model=ModelConfig(hidden=(16,), epochs=300, lr=1e-2, batch_size=None, weight_decay=1e-3))
    state = materialize(spec, lake(2000, seed))
    ids = list(dict.fromkeys(state.prepared.provenance["customers"].ids[~state.is_test].tolist()))
    chosen = np.random.default_rng(seed).choice(ids, size=12, replace=False)
    models, rows = unlearning_quality(state, DeletionRequest("customers", tuple(int(c) for c in chosen), "erase"))
    original, first, second, retrained = (models[k] for k in ("original", "first_order", "second_order", "retrained"))
    assert rows > 20 and state.version == 0  # the comparison worked on copies
    toward = np.sign(retrained.loss - original.loss)
    assert toward != 0
    assert np.sign(first.loss - original.loss) == toward and np.sign(second.loss - original.loss) == toward
    assert abs(second.loss - retrained.loss) < abs(first.loss - retrained.loss)
    assert second.gap < original.gap


@pytest.mark.parametrize(("action", "columns"), [("erase", ()), ("redact", ("mail_text",)), ("redact", ("raw_date",))])
def test_the_aggregating_pipeline_is_maintained_like_a_rerun(action: str, columns: tuple[str, ...]) -> None:
    """customer_risk sums mails per customer: a deletion in mails recomputes exactly the affected groups."""
    state = materialize(CUSTOMER_RISK, lake(2000, 6))
    mails = state.sources["mails"].frame.mail_id.tolist()[5:400:9]
    report = apply_deletion(state, DeletionRequest("mails", tuple(int(m) for m in mails), action, columns))
    assert report.changed_anything and report.prepared_rows_changed + report.prepared_rows_removed > 0
    assert_matches_full_rerun(state)


def test_impact_names_rows_cells_and_x_ranges_without_changing_anything() -> None:
    state = materialize(CHEAP, lake(1500, 2))
    version, frame = state.version, state.prepared.frame.copy()
    row = 3
    mail = int(state.prepared.provenance["mails"].ids[row])
    found = impact(state, "mails", [mail, 10**9], columns=["mail_subject"])
    assert found.prepared_rows == 1 and found.prepared_cells == {"title": 1}
    assert found.x_ranges == [(0, 1)] and found.keys_missing == [10**9] and not found.rows_may_change
    text = impact(state, "mails", [mail], columns=["mail_text"])
    assert set(text.prepared_cells) == {"text", "sentiment", "label"} and text.rows_may_change
    whole = impact(state, "customers", state.sources["customers"].frame.customer_id[:50].tolist())
    assert whole.x_ranges == [(0, state.matrix.n_features)] and whole.prepared_rows > 0
    assert state.version == version
    pd.testing.assert_frame_equal(state.prepared.frame, frame)
