"""The Dagster integration in-process: materialise a lake and a pipeline under `instance_for_test`, file
deletion requests, evaluate the sensor, run the partial-refresh job it asks for, and check the lake, the
artifacts, the journal, the audit log, the asset checks and the filed requests."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pytest

from lester_dagster.datasets.running_example import leaked_mail_ids
from lester_dagster.ivm import DeletionRequest
from tests.lester_project import (
    CUSTOMERS,
    EVALUATION,
    FEATURES,
    MAILS,
    MODEL,
    PREPARED,
    file_request,
    project,
    refresh,
    run,
    tick,
)


@pytest.fixture
def lester(tmp_path: Path):
    defs, lake, io = project(tmp_path)
    with dg.instance_for_test() as instance:
        assert refresh(defs, instance).success
        yield defs, instance, lake, io


def test_materialisation_records_lineage(lester) -> None:
    defs, instance, lake, io = lester
    event = instance.get_latest_materialization_event(PREPARED)
    metadata = event.asset_materialization.metadata
    lineage = metadata["dagster/column_lineage"].value
    title = lineage.deps_by_column["title"]
    assert [(d.asset_key, d.column_name) for d in title] == [(MAILS, "mail_subject")]
    assert "| `title` | `mails.mail_subject` |" in metadata["column lineage"].value
    assert metadata["dagster/row_count"].value == len(io.load(PREPARED).result.frame)
    features = instance.get_latest_materialization_event(FEATURES)
    assert "| `title` | [0, 1) |" in features.asset_materialization.metadata["X dimensions by prepared column"].value


def test_a_deletion_request_flows_through_sensor_job_journal_audit_and_checks(lester) -> None:
    defs, instance, lake, io = lester
    mails = lake.read("mails")
    leaked = [int(m) for m in leaked_mail_ids(mails)]
    file_request(lake, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",), reason="leak"))

    result = tick(defs, instance, lake, io)
    (request,) = result.run_requests
    assert MAILS in request.asset_selection and MODEL in request.asset_selection
    assert CUSTOMERS not in request.asset_selection
    # the run says what it will touch before anything changes: provenance of the current artifacts
    before = io.load(PREPARED).result
    rows = int(before.provenance.depends_on("mails", before.sources["mails"].ids_for(leaked)).sum())
    assert rows > 0
    assert (f"complaints_word_counts: {rows} prepared row(s), cells in title ({rows}); X rows {rows} on [(0, 1)]"
            in request.tags["lester/impact"])
    # the sensor only reads: nothing moved, nothing journaled yet
    assert len(lake.filings()) == 1 and lake.journal.watermark() == 0

    result = run(defs, instance, request)
    assert result.success
    # the lake itself changed, so a later full refresh cannot bring the card numbers back
    assert lake.read("mails").set_index("mail_id").loc[leaked, "mail_subject"].isna().all()
    assert not lake.filings() and len(lake.receipts()) == 1
    (entry,) = lake.journal.entries()
    assert entry.state == "applied" and entry.verified and entry.request_id == lake.receipts()[0]["request_id"]
    (audit,) = lake.journal.audit_entries()
    assert audit["request_id"] == entry.request_id and audit["proof"]["verified"]
    assert audit["pipelines"][0]["effects"][0]["prepared_mode"] == "rederive"
    # the versions from before the request held the card numbers: only the new ones are left
    assert audit["purged_versions"]["complaints_word_counts/prepared"] == [1]
    for key in (MAILS, PREPARED, MODEL, EVALUATION):
        assert io.folder(key).versions() == [2] and io.reflects_through(key) == entry.seq
    assert io.folder(CUSTOMERS).versions() == [1]
    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert all(checks.values()) and {"deleted_data_absent", "agrees_with_recompute", "model_reflects_requests",
                                      "erasure_holds", "audit_chain_intact", "erasure_proven"} <= set(checks)
    absent = next(e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "deleted_data_absent")
    # the check covers the request this very run applies
    assert absent.metadata["requests checked"].value == 1
    assert absent.metadata["this run's requests"].value == entry.request_id
    evaluation = instance.get_latest_materialization_event(EVALUATION).asset_materialization.metadata
    assert io.load(EVALUATION).value["metrics"] == pytest.approx(io.load(MODEL).metrics, nan_ok=True)
    assert "test accuracy" in evaluation

    # the next tick sees nothing new; a recurring full refresh keeps the data out
    assert not tick(defs, instance, lake, io).run_requests
    assert refresh(defs, instance).success
    prepared = io.load(PREPARED).result
    assert not prepared.frame.title.str.contains("credit card", na=False).any()


def test_a_request_that_changes_nothing_in_a_pipeline_keeps_its_versions(lester) -> None:
    defs, instance, lake, io = lester
    prepared = io.load(PREPARED).result
    mails = prepared.sources["mails"]
    unused = mails.frame.mail_id[~np.isin(mails.ids, prepared.provenance["mails"].ids)].iloc[0]
    file_request(lake, DeletionRequest("mails", (int(unused),), "erase", reason="a filtered-out mail"))
    (request,) = tick(defs, instance, lake, io).run_requests
    assert "holds nothing derived from these rows" in request.tags["lester/impact"]
    result = run(defs, instance, request)
    assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
    # the lake and the prepared table's snapshot of it changed; X, the model and its evaluation did not
    assert io.current_version(MAILS) == 2
    assert io.folder(PREPARED).versions() == [2] and unused not in io.load(PREPARED).result.sources["mails"].frame.mail_id.values
    (entry,) = lake.journal.entries()
    for key in (FEATURES, MODEL, EVALUATION):
        assert io.folder(key).versions() == [1] and io.reflects_through(key) == entry.seq
    # an asset the run left as it was gets no new materialisation; the versions asset says what moved
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    assert PREPARED in materialised and not {FEATURES, MODEL, EVALUATION} & materialised
    versions = instance.get_latest_materialization_event(dg.AssetKey(["complaints_word_counts", "versions"]))
    assert versions.run_id == result.run_id
    assert versions.asset_materialization.metadata["lester/new versions"].value == "prepared"
    assert versions.asset_materialization.metadata["lester/requests newly reflected"].value == entry.request_id
    checks = {e.asset_check_key.name: e for e in result.get_asset_check_evaluations()}
    assert entry.request_id in checks["deleted_data_absent"].description  # the check names the request
    (audit,) = lake.journal.audit_entries()
    report = audit["pipelines"][0]
    assert report["versions_after"] == {**report["versions_before"], "prepared": 2}


def test_the_evaluation_alone_rescores_the_stored_model(lester) -> None:
    defs, instance, lake, io = lester
    stored = io.load(EVALUATION).value
    assert refresh(defs, instance, asset_selection=[EVALUATION]).success
    assert io.load(EVALUATION).value == stored  # the same model on the same held-out rows
    assert io.current_version(EVALUATION) == 2


def test_materialising_the_table_without_what_derives_from_it_is_refused(lester) -> None:
    defs, instance, lake, io = lester
    result = refresh(defs, instance, asset_selection=[PREPARED], raise_on_error=False)
    assert not result.success
    errors = [e.event_specific_data.error.to_string() for e in result.all_events if e.is_step_failure]
    assert any("out of step" in m and "select it too" in m for m in errors)
    assert io.current_version(PREPARED) == 1


def test_malformed_requests_are_moved_aside_with_their_reason(lester) -> None:
    defs, instance, lake, io = lester
    folder = lake.path / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bad.json").write_text('{"source": "mails", "keys": [1], "action": "redact", "columns": ["subject"]}')
    (folder / "broken.json").write_text("{not json")
    for name in ("bad.json", "broken.json"):
        from tests.lester_project import settle

        settle(folder / name)
    good = file_request(lake, DeletionRequest("customers", (1,), "erase"))
    (request,) = tick(defs, instance, lake, io).run_requests
    assert "will be rejected" in request.tags["lester/impact"]
    assert run(defs, instance, request).success
    reasons = {r["file"]: r["reason"] for r in lake.rejected()}
    assert "has no column(s) ['subject']" in reasons["bad.json"] and "not valid JSON" in reasons["broken.json"]
    assert [r["file"] for r in lake.receipts()] == [good.name]
    states = sorted(e.state for e in lake.journal.entries())
    assert states == ["applied", "rejected", "rejected"]


def test_a_source_with_the_wrong_schema_fails_clearly_and_changes_nothing(lester) -> None:
    defs, instance, lake, io = lester
    from lester_dagster.storage.tables import write_delta

    mails = lake.read("mails")
    write_delta(str(lake.path / "mails"), mails.drop(columns="mail_subject"))
    before = io.current_version(PREPARED)
    result = refresh(defs, instance, raise_on_error=False)
    assert not result.success
    errors = [e.event_specific_data.error.to_string() for e in result.all_events if e.is_step_failure]
    assert any("missing column(s) ['mail_subject']" in m and "nothing was changed" in m for m in errors)
    assert io.current_version(PREPARED) == before


def test_the_component_builds_the_same_definitions_from_yaml(tmp_path: Path) -> None:
    from lester_dagster.orchestration.components import LesterPipelinesComponent

    component = LesterPipelinesComponent.resolve_from_yaml(
        f"""
pipelines: ["example_project.declarative_pipeline:WORD_COUNT_PIPELINE"]
sources:
  - {{name: customers, key: customer_id, columns: [customer_id, customer_email, bank, country, level]}}
  - {{name: mails, key: mail_id, columns: [mail_id, email, raw_date, mail_subject, mail_text],
      references: {{email: customers.customer_email}}}}
lake_dir: {tmp_path / "lake"}
artifacts_dir: {tmp_path / "artifacts"}
owners: ["team:privacy"]
tags: {{domain: complaints}}
"""
    )
    defs = dg.build_defs_for_component(component)
    prepared = next(s for s in defs.resolve_all_asset_specs() if s.key == PREPARED)
    assert prepared.owners == ["team:privacy"] and prepared.tags["domain"] == "complaints"
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert {"lake/mails", "complaints_word_counts/prepared", "complaints_word_counts/model", "lester/audit_log",
            "lester/requests"} <= keys
    assert defs.resolve_sensor_def("deletion_requests") is not None
    with pytest.raises(ValueError, match="not a PipelineSpec"):
        from lester_dagster.orchestration.components.pipelines import load_pipeline

        load_pipeline("example_project.declarative_pipeline:encoder")
    with pytest.raises(ValueError, match="refers to customers.email, which the lake does not declare"):
        from lester_dagster.orchestration import LakeSource, lester_definitions

        lester_definitions([], [LakeSource("customers", "customer_id", ("customer_id",)),
                                LakeSource("mails", "mail_id", ("mail_id", "email"), {"email": "customers.email"})])


def test_a_rewritten_module_loads_only_as_the_code_its_report_verified(tmp_path: Path) -> None:
    import json

    from lester_dagster.orchestration.components.pipelines import load_pipeline
    from lester_dagster.rewrite.deploy import UnverifiedModule, module_hash

    module = tmp_path / "complaints.py"
    module.write_text("from example_project.declarative_pipeline import WORD_COUNT_PIPELINE as PIPELINE\n")
    report = tmp_path / "complaints.report.json"
    report.write_text(json.dumps({"verdict": "verified", "module_sha256": module_hash(module.read_bytes())}))
    assert load_pipeline(f"{module}:PIPELINE").name == "complaints_word_counts"
    module.write_text(module.read_text() + "import os  # edited after verification\n")
    with pytest.raises(UnverifiedModule):
        load_pipeline(f"{module}:PIPELINE")


def test_assets_describe_their_own_pipeline_and_carry_code_versions_owners_and_the_lineage_graph(tmp_path: Path) -> None:
    from example_project.customer_risk import CUSTOMER_RISK
    from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
    from lester_dagster.orchestration import LesterTranslator, lester_definitions
    from tests.lester_project import SOURCES

    translator = LesterTranslator(owners=["team:privacy"], tags={"domain": "complaints"})
    defs = lester_definitions([WORD_COUNT_PIPELINE, CUSTOMER_RISK], SOURCES, str(tmp_path / "lake"),
                              str(tmp_path / "artifacts"), translator=translator)
    specs = {s.key: s for s in defs.resolve_all_asset_specs()}
    risk, words = dg.AssetKey(["customer_risk", "model"]), MODEL
    assert specs[risk].description != specs[words].description  # no generic text shared by two models
    assert "`at_risk`" in specs[risk].description and "16" in specs[risk].description
    assert "WordCounter" in specs[FEATURES].description
    assert (
        specs[PREPARED].code_version
        and specs[PREPARED].code_version != specs[dg.AssetKey(["customer_risk", "prepared"])].code_version
    )
    assert specs[PREPARED].owners == ["team:privacy"] and specs[PREPARED].tags["domain"] == "complaints"


def test_the_lineage_graph_is_on_the_assets_page_and_openlineage_events_go_where_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import base64
    import json

    events = tmp_path / "openlineage.jsonl"
    monkeypatch.setenv("LESTER_OPENLINEAGE", str(events))
    defs, lake, io = project(tmp_path)
    with dg.instance_for_test() as instance:
        assert refresh(defs, instance).success
        metadata = instance.get_latest_materialization_event(PREPARED).asset_materialization.metadata
    (graph,) = [v.value for k, v in metadata.items() if k.startswith("column lineage graph")][:1]
    svg = base64.b64decode(graph.split("base64,", 1)[1].split(")", 1)[0]).decode()
    assert svg.startswith("<svg") and "mail_subject" in svg and "title" in svg
    sent = [json.loads(line) for line in events.read_text().splitlines()]
    assert {e["eventType"] for e in sent} == {"START", "COMPLETE"}
    facets = [o["facets"]["columnLineage"] for e in sent for o in e["outputs"] if "columnLineage" in o.get("facets", {})]
    assert any("title" in f["fields"] for f in facets)
