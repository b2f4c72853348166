"""End to end: `dg dev` on a free loopback port serving the example project; materialise everything
through the GraphQL API, file a deletion request in the lake, wait for the sensor's partial-refresh run
to succeed, and check the lake, the artifacts and the audit log; then look at the UI in a headless
Chromium. Stops exactly the processes it started."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from lester_dagster import faults
from lester_dagster.datasets.running_example import leaked_mail_ids, write_lake
from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration import DataLake, LesterIOManager
from tests.browser import Browser, chromium_path
from tests.dagster_server import ROOT, DagsterDev, dagster_dev, wait_for
from tests.lester_project import settle

RUNS_OF_BATCHES = "query { runsOrError { ... on Runs { results { runId status tags { key value } } } } }"


CRASH = "txn:after-first-pointer#2"  # in a deletion run: a pipeline's commit, half made


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DagsterDev, Path, Path]]:
    tmp_path = tmp_path_factory.mktemp("dagster_dev")
    lake, artifacts = tmp_path / "lake", tmp_path / "artifacts"
    write_lake(lake, 400, seed=0)
    # the first run worker that passes CRASH once the test arms it dies there as kill -9 would kill it
    env = {"LESTER_LAKE": str(lake), "LESTER_ARTIFACTS": str(artifacts), faults.CRASH: CRASH,
           faults.ARMED: str(tmp_path / "armed"), faults.ONCE: str(tmp_path / "crashed")}
    with dagster_dev(tmp_path / "dagster_home", env) as dev:
        yield dev, lake, artifacts


@pytest.fixture(scope="module")
def materialised(server) -> tuple[DagsterDev, Path, Path]:
    """Everything materialised once through the GraphQL API, as the UI's "Materialize all" does."""
    dev = server[0]
    assert dev.wait_for_run(dev.launch("refresh_pipelines")) == "SUCCESS"
    return server


@pytest.mark.slow
def test_two_requests_and_a_killed_run_worker_through_the_daemon(materialised) -> None:
    """Two requests filed together become one run; its worker is killed in the middle of a pipeline's
    commit; the sensor sees the dead worker and relaunches; the second run reports the first as failed,
    finishes the half-made commit and applies both requests, with proof, exactly once."""
    dev, lake_dir, artifacts = materialised
    lake = DataLake(root=str(lake_dir), settle_seconds=0)
    mails, customers = lake.read("mails"), lake.read("customers")
    leaked = [int(m) for m in leaked_mail_ids(mails)]
    counts = mails.email.value_counts()
    customer = customers[customers.customer_email.isin(counts[counts >= 2].index)].iloc[0]
    (lake_dir.parent / "armed").write_text("")
    lake.submit(DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",), reason="leaked card numbers"))
    lake.submit({"source": "customers", "where": {"customer_email": [customer.customer_email]}, "action": "erase"})

    def both_applied() -> bool:
        return len(lake.journal.entries(["applied"])) == 2

    wait_for("both requests to be applied", both_applied, 900, 2)
    assert (lake_dir.parent / "crashed").read_text() == CRASH.split("#")[0]
    (finisher,) = {e.run_id for e in lake.journal.entries(["applied"])}
    assert dev.wait_for_run(finisher) == "SUCCESS"  # the audit step files the requests, then the run ends
    statuses = sorted(r["status"] for r in dev.graphql(RUNS_OF_BATCHES)["runsOrError"]["results"]
                      if r["tags"] and any(t["key"] == "lester/batch" for t in r["tags"]))
    # the killed run is reported failed (by the run that took over), the relaunch succeeded
    assert statuses == ["FAILURE", "SUCCESS"], statuses
    assert lake.read("mails").set_index("mail_id").loc[leaked, "mail_subject"].isna().all()
    assert not lake.read("mails").email.eq(customer.customer_email).any()
    entries = lake.journal.audit_entries()
    assert len(entries) == 2 and all(e["proof"]["verified"] for e in entries) and not lake.journal.verify_audit()
    assert {p["pipeline"] for e in entries for p in e["pipelines"]} == {"complaints", "customer_risk", "mails_per_bank"}
    io = LesterIOManager(base_dir=str(artifacts))
    prepared = io.load(dg.AssetKey(["complaints", "prepared"])).result
    assert not prepared.frame.title.str.contains("credit card", na=False).any()
    assert not [p for store in io.stores() for p in store.leftovers()]


SCREENSHOTS = Path(os.environ.get("LESTER_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.mark.slow
def test_the_ui_shows_the_asset_graph_lineage_and_a_requests_impact(materialised) -> None:
    """A real browser on the real UI: the asset graph shows both pipelines' assets, the prepared table's
    page shows the column lineage as a table (the open-source UI does not draw `dagster/column_lineage`),
    and the sensor's dry run shows what a pending request would touch. Screenshots are kept in
    test-artifacts/ (LESTER_TEST_ARTIFACTS)."""
    dev, lake_dir, artifacts = materialised
    executable = chromium_path()
    assert executable, "headless Chromium is needed: `make test` installs Debian's chromium"
    base = f"http://127.0.0.1:{dev.port}"
    with Browser(executable) as browser:
        graph = SCREENSHOTS / "asset_graph.png"
        browser.goto(f"{base}/asset-groups")
        browser.wait_for_text("complaints", "customer_risk", "lake", "lester", "Materialize all", screenshot=graph)
        time.sleep(2)  # the graph's layout settles after its text
        browser.screenshot(graph)

        group = SCREENSHOTS / "complaints_group.png"
        browser.goto(f"{base}/locations/example_project/asset-groups/complaints")
        browser.wait_for_text("prepared", "features", "model", "evaluation", "mails", "customers", screenshot=group)
        time.sleep(2)
        browser.screenshot(group)

        page = SCREENSHOTS / "prepared_asset.png"
        browser.goto(f"{base}/assets/complaints/prepared")
        text = browser.wait_for_text("derived from mails.mail_subject", "column lineage", screenshot=page)
        browser.screenshot(page)
        lineage = SCREENSHOTS / "prepared_lineage_table.png"
        assert browser.scroll_to("column lineage")
        time.sleep(1)
        browser.screenshot(lineage)

        # a dry run of the sensor ("Preview tick result") shows a request's impact before anything runs
        dev.stop_sensor("deletion_requests")
        prepared = LesterIOManager(base_dir=str(artifacts)).load(dg.AssetKey(["complaints", "prepared"])).result
        mails = prepared.sources["mails"]
        in_use = mails.frame.mail_id[mails.ids == prepared.provenance["mails"].ids[0]]
        lake = DataLake(root=str(lake_dir), settle_seconds=0)
        watermark = lake.journal.watermark()
        settle(lake.submit(DeletionRequest("mails", (int(in_use.iloc[0]),), "erase", reason="dry run")))
        preview = SCREENSHOTS / "sensor_dry_run.png"
        browser.goto(f"{base}/locations/example_project/sensors/deletion_requests")
        browser.wait_for_text("Preview tick result", screenshot=preview)
        assert browser.click_text("Preview tick result")
        browser.wait_for_text("Continue", screenshot=preview)
        assert browser.click_text("Continue")
        browser.wait_for_text("1 run request", "Requested runs (1)", screenshot=preview)
        assert browser.click_text("Preview")
        dry_run = browser.wait_for_text("complaints: 1 prepared row(s)", "lester/mode: ivm", screenshot=preview)
        time.sleep(1)  # the dialog fades in
        browser.screenshot(preview)
    # the Columns table names each column's origin; the metadata's Markdown table repeats it
    assert "derived from customers.country" in text and "mails.mail_subject" in text
    assert "customer_risk:" in dry_run and "file 1: erase 1 row(s) of mails" in dry_run
    # a dry run is a dry run: the request is still pending and the journal has not moved
    assert len(lake.filings()) == 1 and lake.journal.watermark() == watermark
    for shot in (graph, group, page, lineage, preview):
        assert shot.stat().st_size > 10_000
