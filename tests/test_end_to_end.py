"""End to end: `dagster dev` on a free loopback port serving the example project; materialise everything
through the GraphQL API, file a deletion request in the lake, wait for the sensor's partial-refresh run
to succeed, and check the lake, the artifacts and the audit log; then look at the UI in a headless
Chromium. Stops exactly the processes it started."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from lester_dagster.datasets.running_example import leaked_mail_ids, write_csvs
from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration import DataLake, LesterIOManager
from tests.browser import Browser, chromium_path

ROOT = Path(__file__).resolve().parents[1]
LOCATION = {"repositoryLocationName": "example_project", "repositoryName": "__repository__"}
LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PipelineNotFoundError { message }
  }
}"""
STATUS = """query Status($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"""
RUNS_WITH_TAG = """
query Runs($key: String!, $value: String!) {
  runsOrError(filter: {tags: [{key: $key, value: $value}]}) { ... on Runs { results { runId status } } }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


def wait_for(what: str, check, timeout: float, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _default_signals() -> None:
    # background shells here may start children that ignore SIGINT/SIGTERM; give dagster its defaults
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, Path]]:
    tmp_path = tmp_path_factory.mktemp("dagster_dev")
    lake, artifacts, home = tmp_path / "lake", tmp_path / "artifacts", tmp_path / "dagster_home"
    write_csvs(lake, 400, seed=0)
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "LESTER_LAKE": str(lake), "LESTER_ARTIFACTS": str(artifacts)}
    dagster = Path(sys.executable).with_name("dagster")
    process = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "dagster.log", "w"),
        start_new_session=True, preexec_fn=_default_signals,
    )
    try:
        def ready() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    return r.status == 200
            except OSError:
                assert process.poll() is None, (tmp_path / "dagster.log").read_text()[-3000:]
                return False

        wait_for("dagster dev to serve", ready, timeout=240)
        yield port, lake, artifacts
    finally:
        # the whole process group we started, and nothing else: webserver, daemon, code servers
        for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue


def run_status(port: int, run_id: str) -> str:
    return graphql(port, STATUS, {"runId": run_id})["runOrError"]["status"]


@pytest.fixture(scope="module")
def materialised(dagster_dev) -> tuple[int, Path, Path]:
    """Everything materialised once through the GraphQL API, as the UI's "Materialize all" does."""
    port, _, _ = dagster_dev
    launched = graphql(port, LAUNCH, {"executionParams": {"selector": {**LOCATION, "jobName": "refresh_pipelines"}}})
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["launchRun"]["run"]["runId"]
    status = wait_for("the materialisation", lambda: (s := run_status(port, run_id)) in ("SUCCESS", "FAILURE") and s, 600, 2)
    assert status == "SUCCESS"
    return dagster_dev


@pytest.mark.slow
def test_materialise_and_delete_through_dagster_dev(materialised) -> None:
    port, lake_dir, artifacts = materialised
    lake = DataLake(root=str(lake_dir))
    leaked = [int(m) for m in leaked_mail_ids(lake.read("mails"))]
    request = DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",), reason="leaked card numbers")
    lake.submit(request)

    def deletion_run() -> str | None:
        runs = graphql(port, RUNS_WITH_TAG, {"key": "lester/request_id", "value": request.request_id})
        results = runs["runsOrError"]["results"]
        return results[0]["status"] if results and results[0]["status"] in ("SUCCESS", "FAILURE") else None

    assert wait_for("the sensor's deletion run", deletion_run, 600, 3) == "SUCCESS"
    assert lake.read("mails").set_index("mail_id").loc[leaked, "mail_subject"].isna().all()
    io = LesterIOManager(base_dir=str(artifacts))
    audit = io.load(dg.AssetKey(["lester", "audit_log"])).value
    assert [e["request_id"] for e in audit] == [request.request_id]
    assert {p["pipeline"] for p in audit[0]["pipelines"]} == {"complaints", "customer_risk"}
    prepared = io.load(dg.AssetKey(["complaints", "prepared"])).result
    assert not prepared.frame.title.str.contains("credit card", na=False).any()


SCREENSHOTS = Path(os.environ.get("LESTER_TEST_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.mark.slow
def test_the_ui_renders_the_asset_graph_and_the_lineage_table(materialised) -> None:
    """A real browser on the real UI: the asset graph shows both pipelines' assets, and the prepared
    table's page shows the column lineage as a table (the open-source UI does not draw
    `dagster/column_lineage`). Screenshots are kept in test-artifacts/ (LESTER_TEST_ARTIFACTS)."""
    port, _, _ = materialised
    executable = chromium_path()
    assert executable, "headless Chromium is needed: `make test` installs Debian's chromium"
    base = f"http://127.0.0.1:{port}"
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
    # the Columns table names each column's origin; the metadata's Markdown table repeats it
    assert "derived from customers.country" in text and "mails.mail_subject" in text
    for shot in (graph, group, page, lineage):
        assert shot.stat().st_size > 10_000
