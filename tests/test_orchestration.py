"""The Dagster integration in-process: materialise a lake and a pipeline under `instance_for_test`, file
deletion requests, evaluate the sensor, run the partial-refresh job it asks for, and check the lake, the
artifacts, the audit log, the asset checks and the filed requests."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import leaked_mail_ids, write_csvs
from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration import DELETION_JOB, REFRESH_JOB, DataLake, LakeSource, LesterIOManager, lester_definitions

SOURCES = [
    LakeSource("customers", "customer_id", ("customer_id", "customer_email", "bank", "country", "level")),
    LakeSource("mails", "mail_id", ("mail_id", "email", "raw_date", "mail_subject", "mail_text")),
]
PREPARED = dg.AssetKey(["complaints_word_counts", "prepared"])
MODEL = dg.AssetKey(["complaints_word_counts", "model"])
EVALUATION = dg.AssetKey(["complaints_word_counts", "evaluation"])
FEATURES = dg.AssetKey(["complaints_word_counts", "features"])


@pytest.fixture
def project(tmp_path: Path):
    write_csvs(tmp_path / "lake", 1200, seed=0)
    defs = lester_definitions([WORD_COUNT_PIPELINE], SOURCES, str(tmp_path / "lake"), str(tmp_path / "artifacts"))
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance)
        assert result.success
        yield defs, instance, DataLake(root=str(tmp_path / "lake")), LesterIOManager(base_dir=str(tmp_path / "artifacts"))


def sensor_tick(defs: dg.Definitions, instance: dg.DagsterInstance, lake: DataLake, cursor: str | None = None):
    sensor = defs.resolve_sensor_def("deletion_requests")
    io = defs.resources["lester_io"]
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"lake": lake, "lester_io": io}, definitions=defs
    )
    return sensor.evaluate_tick(context)


def run_request(defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def(DELETION_JOB)
    return job.execute_in_process(instance=instance, tags=request.tags, asset_selection=request.asset_selection)


def test_materialisation_records_lineage(project) -> None:
    defs, instance, lake, io = project
    event = instance.get_latest_materialization_event(PREPARED)
    metadata = event.asset_materialization.metadata
    lineage = metadata["dagster/column_lineage"].value
    title = lineage.deps_by_column["title"]
    assert [(d.asset_key, d.column_name) for d in title] == [(dg.AssetKey(["lake", "mails"]), "mail_subject")]
    assert "| `title` | `mails.mail_subject` |" in metadata["column lineage"].value
    assert metadata["dagster/row_count"].value == len(io.load(PREPARED).result.frame)
    features = instance.get_latest_materialization_event(dg.AssetKey(["complaints_word_counts", "features"]))
    assert "| `title` | [0, 1) |" in features.asset_materialization.metadata["X dimensions by prepared column"].value


def test_a_deletion_request_flows_through_sensor_job_audit_and_checks(project) -> None:
    defs, instance, lake, io = project
    mails = lake.read("mails")
    leaked = [int(m) for m in leaked_mail_ids(mails)]
    path = lake.submit(DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",), reason="leak"))

    tick = sensor_tick(defs, instance, lake)
    assert len(tick.run_requests) == 1
    request = tick.run_requests[0]
    assert request.run_key == DeletionRequest.from_json(path.read_text()).request_id
    assert dg.AssetKey(["lake", "mails"]) in request.asset_selection and MODEL in request.asset_selection
    assert dg.AssetKey(["lake", "customers"]) not in request.asset_selection
    # the run says what it will touch before it changes anything: provenance of the current artifacts
    before = io.load(PREPARED).result
    rows = int(before.provenance.depends_on("mails", before.sources["mails"].ids_for(leaked)).sum())
    assert rows > 0 and request.tags["lester/impact"].startswith(
        f"complaints_word_counts: {rows} prepared row(s), cells in title ({rows}); X rows {rows} on [(0, 1)]"
    )

    result = run_request(defs, instance, request)
    assert result.success
    # the lake itself changed, so a later full refresh cannot bring the card numbers back
    assert lake.read("mails").set_index("mail_id").loc[leaked, "mail_subject"].isna().all()
    assert not lake.pending_requests() and (lake.path / "requests" / "applied" / path.name).exists()
    audit = io.load(dg.AssetKey(["lester", "audit_log"])).value
    assert len(audit) == 1 and audit[0]["pipelines"][0]["report"]["prepared_mode"] == "rederive"
    # the versions from before the request held the card numbers: only the new ones are left
    assert audit[0]["purged_versions"]["complaints_word_counts/prepared"] == [1]
    for key in (dg.AssetKey(["lake", "mails"]), PREPARED, MODEL, EVALUATION):
        assert io.folder(key).versions() == [2]
    assert io.folder(dg.AssetKey(["lake", "customers"])).versions() == [1]
    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"deleted_data_absent": True, "agrees_with_recompute": True}
    # the evaluation is a new materialisation too, with the metrics the unlearned model has
    evaluation = instance.get_latest_materialization_event(EVALUATION).asset_materialization.metadata
    assert evaluation["lester/request"].value == request.run_key
    assert io.load(EVALUATION).value["metrics"] == pytest.approx(io.load(MODEL).metrics, nan_ok=True)

    # the next tick sees nothing new; a recurring full refresh keeps the data out
    assert not sensor_tick(defs, instance, lake, tick.cursor).run_requests
    assert defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance).success
    prepared = io.load(PREPARED).result
    assert not prepared.frame.title.str.contains("credit card", na=False).any()


def test_a_request_that_changes_nothing_in_a_pipeline_keeps_its_versions(project) -> None:
    defs, instance, lake, io = project
    prepared = io.load(PREPARED).result
    mails = prepared.sources["mails"]
    unused = mails.frame.mail_id[~np.isin(mails.ids, prepared.provenance["mails"].ids)].iloc[0]
    lake.submit(DeletionRequest("mails", (int(unused),), "erase", reason="a filtered-out mail"))
    (request,) = sensor_tick(defs, instance, lake).run_requests
    assert "holds nothing derived from these rows" in request.tags["lester/impact"]
    result = run_request(defs, instance, request)
    assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
    # the lake and the prepared table's snapshot of it changed; X, the model and its evaluation did not
    assert io.current_version(dg.AssetKey(["lake", "mails"])) == 2
    assert io.folder(PREPARED).versions() == [2] and unused not in io.load(PREPARED).result.sources["mails"].frame.mail_id.values
    for key in (FEATURES, MODEL, EVALUATION):
        assert io.folder(key).versions() == [1]
    event = instance.get_latest_materialization_event(MODEL).asset_materialization.metadata
    assert "changes nothing here" in event["lester/unchanged"].value
    (entry,) = io.load(dg.AssetKey(["lester", "audit_log"])).value
    versions = entry["pipelines"][0]
    assert versions["versions_after"] == {**versions["versions_before"], "prepared": 2}


def test_the_evaluation_alone_rescores_the_stored_model(project) -> None:
    defs, instance, lake, io = project
    stored = io.load(EVALUATION).value
    job = defs.resolve_job_def(REFRESH_JOB)
    assert job.execute_in_process(instance=instance, asset_selection=[EVALUATION]).success
    assert io.load(EVALUATION).value == stored  # the same model on the same held-out rows
    assert io.current_version(EVALUATION) == 2


def test_malformed_requests_are_moved_aside_with_their_reason(project) -> None:
    defs, instance, lake, io = project
    folder = lake.path / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bad.json").write_text('{"source": "mails", "keys": [1], "action": "redact", "columns": ["subject"]}')
    (folder / "broken.json").write_text("{not json")
    good = lake.submit(DeletionRequest("customers", (1,), "erase"))
    tick = sensor_tick(defs, instance, lake)
    assert [r.run_key for r in tick.run_requests] == [DeletionRequest.from_json(good.read_text()).request_id]
    reasons = {r["file"]: r["reason"] for r in lake.rejected()}
    assert "has no column(s) ['subject']" in reasons["bad.json"] and "not valid JSON" in reasons["broken.json"]
    assert sorted(p.name for p in lake.pending_requests()) == [good.name]


def test_a_source_with_the_wrong_schema_fails_clearly_and_changes_nothing(project) -> None:
    defs, instance, lake, io = project
    mails = lake.read("mails")
    mails.drop(columns="mail_subject").to_csv(lake.path / "mails.csv", index=False)
    before = io.current_version(PREPARED)
    result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    errors = [e.event_specific_data.error.to_string() for e in result.all_events if e.is_step_failure]
    assert any("missing column(s) ['mail_subject']" in m and "fix the file's header" in m for m in errors)
    assert io.current_version(PREPARED) == before


def test_the_component_builds_the_same_definitions_from_yaml(tmp_path: Path) -> None:
    from lester_dagster.orchestration.components import LesterPipelinesComponent

    component = LesterPipelinesComponent.resolve_from_yaml(
        f"""
pipelines: ["example_project.declarative_pipeline:WORD_COUNT_PIPELINE"]
sources:
  - {{name: customers, key: customer_id, columns: [customer_id, customer_email, bank, country, level]}}
  - {{name: mails, key: mail_id, columns: [mail_id, email, raw_date, mail_subject, mail_text]}}
lake_dir: {tmp_path / "lake"}
artifacts_dir: {tmp_path / "artifacts"}
"""
    )
    defs = dg.build_defs_for_component(component)
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert {"lake/mails", "complaints_word_counts/prepared", "complaints_word_counts/model", "lester/audit_log"} <= keys
    assert defs.resolve_sensor_def("deletion_requests") is not None
    with pytest.raises(ValueError, match="not a PipelineSpec"):
        from lester_dagster.orchestration.components.pipelines import load_pipeline

        load_pipeline("example_project.declarative_pipeline:encoder")
