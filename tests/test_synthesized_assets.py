"""Synthesised pipelines in Dagster: a folder of specs declared through the Component becomes assets over the
same lake as an ML pipeline; a deletion request fans out to both, and the synthesised output, maintained
incrementally, equals the spec run from scratch on the changed lake. The spec here is written by hand
(the search has its own tests): this tests the factory, the IO manager, the sensor and the checks."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from lester_dagster.datasets.running_example import write_csvs
from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration import REFRESH_JOB, DataLake, LesterIOManager
from lester_dagster.orchestration.components import LesterPipelinesComponent
from lester_dagster.orchestration.synthesized import lake_sources_for, synthesized_pipelines
from lester_dagster.synthesis.operators import GroupBy, Join
from lester_dagster.synthesis.spec import SynthesisSpec
from tests.lester_project import file_request, run, tick

OUTPUT = dg.AssetKey(["mails_per_bank", "output"])
SPEC = SynthesisSpec(
    inputs=("customers", "mails"),
    steps=(
        Join("t1", "mails", "customers", ("email",), ("customer_email",)),
        GroupBy("t2", "t1", ("bank", "country"), (("n_mails", "mail_id", "count"), ("last_mail", "raw_date", "max"))),
    ),
    output="t2",
)


@pytest.fixture
def project(tmp_path: Path):
    write_csvs(tmp_path / "lake", 600, seed=1)
    (tmp_path / "specs").mkdir()
    SPEC.save(tmp_path / "specs" / "mails_per_bank.json")
    component = LesterPipelinesComponent.resolve_from_yaml(
        f"""
pipelines: ["example_project.declarative_pipeline:WORD_COUNT_PIPELINE"]
sources:
  - {{name: customers, key: customer_id, columns: [customer_id, customer_email, bank, country, level]}}
  - {{name: mails, key: mail_id, columns: [mail_id, email, raw_date, mail_subject, mail_text]}}
lake_dir: {tmp_path / "lake"}
artifacts_dir: {tmp_path / "artifacts"}
synthesized_dir: {tmp_path / "specs"}
"""
    )
    defs = dg.build_defs_for_component(component)
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance).success
        yield defs, instance, DataLake(root=str(tmp_path / "lake")), LesterIOManager(base_dir=str(tmp_path / "artifacts"))


def recomputed(lake: DataLake) -> pd.DataFrame:
    return SPEC.run_pandas({"customers": lake.read("customers"), "mails": lake.read("mails")})


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    order = list(a.columns)
    pd.testing.assert_frame_equal(
        a.sort_values(order).reset_index(drop=True), b[order].sort_values(order).reset_index(drop=True), check_dtype=False
    )


def test_a_synthesised_spec_is_an_asset_with_provenance_and_lineage(project) -> None:
    defs, instance, lake, io = project
    assert OUTPUT in defs.resolve_all_asset_keys()
    output = io.load(OUTPUT).result
    same_rows(output.frame, recomputed(lake))
    metadata = instance.get_latest_materialization_event(OUTPUT).asset_materialization.metadata
    assert "| `n_mails` | `mails.mail_id` |" in metadata["column lineage"].value
    deps = metadata["dagster/column_lineage"].value.deps_by_column["bank"]
    assert [(d.asset_key, d.column_name) for d in deps] == [(dg.AssetKey(["lake", "customers"]), "bank")]
    # each output row's provenance names the mails it counts
    assert (output.provenance["mails"].lengths() == output.frame.n_mails.to_numpy()).all()


def test_a_deletion_reaches_the_synthesised_pipeline_too(project) -> None:
    defs, instance, lake, io = project
    mails = lake.read("mails")
    customers = lake.read("customers")
    customer = customers[customers.customer_email.isin(mails.email)].iloc[0]
    file_request(lake, DeletionRequest("customers", (int(customer.customer_id),), "erase", reason="GDPR"))
    (request,) = tick(defs, instance, lake, io).run_requests
    assert OUTPUT in request.asset_selection and "mails_per_bank: " in request.tags["lester/impact"]
    result = run(defs, instance, request)
    assert result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks[("mails_per_bank/output", "deleted_data_absent")] and checks[("mails_per_bank/output", "agrees_with_recompute")]
    # incremental maintenance equals the spec re-run on the changed lake
    same_rows(io.load(OUTPUT).result.frame, recomputed(lake))
    (entry,) = lake.journal.audit_entries()
    reports = {p["pipeline"]: p for p in entry["pipelines"]}
    assert set(reports) == {"mails_per_bank", "complaints_word_counts"}
    assert reports["mails_per_bank"]["versions_after"] == {"output": 2}
    assert io.folder(OUTPUT).versions() == [2]


def test_sources_a_spec_reads_are_taken_from_the_lake_when_not_declared(tmp_path: Path) -> None:
    write_csvs(tmp_path / "lake", 50, seed=0)
    SPEC.save(tmp_path / "mails_per_bank.json")
    (pipeline,) = synthesized_pipelines(tmp_path, keys={"mails": "mail_id"})
    sources = {s.name: s for s in lake_sources_for([pipeline], tmp_path / "lake")}
    assert sources["mails"].key == "mail_id" and sources["customers"].key is None
    assert sources["customers"].columns == ("customer_id", "customer_email", "bank", "country", "level")
    with pytest.raises(Exception, match="no synthesised pipeline specs"):
        synthesized_pipelines(tmp_path / "lake")
