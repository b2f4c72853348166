"""The rewrite loop end to end, through the real `openai` client against a scripted local server: each
reply was written by hand (see tests/fixtures/rewrite/), so these test our harness (checks, sandboxed
runs, comparison, feedback, report, outputs), not what any model would answer."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from lester_dagster.cli import main
from lester_dagster.rewrite.compare import Tolerance
from lester_dagster.rewrite.llm import LLMConfig, OpenAIChat
from lester_dagster.rewrite.loop import RewriteOptions, Session, rewrite, run_rounds, start
from lester_dagster.rewrite.sandbox import Limits
from tests.llm_server import Reply, ScriptedLLM, answer, http_error

FIXTURES = Path(__file__).parent / "fixtures" / "rewrite"
REPO = Path(__file__).parents[1]
LIMITS = Limits(timeout=120, memory_mb=4096)


def code(fixture: str, name: str) -> str:
    return (FIXTURES / fixture / f"{name}.py").read_text()


def chat(server: ScriptedLLM, **policy: float) -> OpenAIChat:
    return OpenAIChat(LLMConfig(server.base_url, None, "scripted", **{"backoff": 0.01, "retries": 2, **policy}))


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The orders script split, sampled and run once; every test below runs its own rounds on it."""
    options = RewriteOptions(data=FIXTURES / "orders", limits=LIMITS, workdir=tmp_path_factory.mktemp("orders"),
                             out=tmp_path_factory.mktemp("unused") / "orders.py")
    yield start(FIXTURES / "orders" / "messy_orders.py", options)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    options = RewriteOptions(data=FIXTURES / "sessions", limits=LIMITS, workdir=tmp_path_factory.mktemp("sessions"),
                             out=tmp_path_factory.mktemp("unused") / "sessions.py")
    yield start(FIXTURES / "sessions" / "messy_sessions.py", options)


def test_the_loop_converges_sending_each_problem_to_the_part_that_caused_it(orders: Session, tmp_path: Path) -> None:
    script = {
        "prepare": [
            http_error(429), http_error(500),  # retried within the round, with back-off
            answer(code("orders", "prepare_undeclared"), before="Sure! I replaced the loops with engine verbs:"),
            answer(code("orders", "prepare_numpy_round")),
            answer(code("orders", "prepare")),
        ],
        "label": [answer(code("orders", "label_wrong_threshold")), answer(code("orders", "label"))],
        "encoder": [Reply(code("orders", "encoder"), delay=3600),  # too slow: times out, and is asked again
                    answer(code("orders", "encoder_wrong_order")), answer(code("orders", "encoder"))],
    }
    out, report_file = tmp_path / "orders_pipeline.py", tmp_path / "report.json"
    with ScriptedLLM(script) as server:
        # a timeout far above a scripted answer's few ms, so only the delayed one times out
        report = run_rounds(orders, chat(server, timeout=5.0, retries=3), out=out, report=report_file, max_rounds=5)
    assert report.verified, report.summary()
    assert [r.verdict for r in report.rounds] == ["run-failed", "differs", "differs", "verified"]

    # round 1: the engine's column check refused a projection; only data preparation is asked again
    first = report.rounds[0]
    assert [(c.part, c.prompt, c.version, c.check) for c in first.calls] == [
        ("prepare", "prepare", "2", "accepted"), ("label", "label", "2", "accepted"),
        ("encoder", "encode", "2", "accepted")]
    calls = {c.part: c for c in first.calls}
    assert calls["prepare"].attempts == 3 and calls["prepare"].retried_on == ["HTTP 429", "HTTP 500"]
    assert calls["encoder"].retried_on == ["no answer within 5 s"] and calls["label"].usage["total_tokens"] > 0
    assert first.run["engine_column_check"] and first.run["stage"] == "prepare"
    assert "cannot take its 2 declared input column(s) ['quantity', 'unit_price']" in first.run["message"]
    # round 2: the refinement for declared columns went out; NumPy's rounding shows in 'total'
    second = report.rounds[1]
    assert [(c.part, c.prompt) for c in second.calls] == [("prepare", "refine_columns")]
    assert [(d["artifact"], d["column"]) for d in second.differences] == [("prepared", "total")]
    # round 3: the prepared table matches, so X and y are compared, row-aligned, and blamed separately
    third = report.rounds[2]
    assert {(d["artifact"], d["kind"]) for d in third.differences} == {("X", "values"), ("y", "values")}
    x_difference = next(d for d in third.differences if d["artifact"] == "X")
    assert "order the transformers" in x_difference["message"]
    assert [(c.part, c.prompt) for c in report.rounds[3].calls] == [("label", "retry"), ("encoder", "retry")]
    assert [r["task"] for r in server.requests] == [
        "prepare", "prepare", "prepare", "label", "encoder", "encoder", "prepare", "prepare", "label", "encoder"]

    # what the LLM was told: the engine's error with the line of its own code, then the differing rows
    refine, retry = (server.requests[i]["messages"] for i in (6, 7))
    assert refine[2]["role"] == "assistant" and "def line_total" in refine[2]["content"]
    assert "UndeclaredColumnError" in refine[3]["content"]
    assert "at line 17 of your code, in prepare" in refine[3]["content"]
    assert "column 'total' differs in 2 of" in retry[3]["content"]
    assert "'original': 439.43, 'rewrite': 439.42" in retry[3]["content"]
    assert "The original's prepared table has these columns" in retry[3]["content"]

    # the report on disk is the same story, and the module plugs into a PipelineSpec run on full data
    saved = json.loads(report_file.read_text())
    assert saved["verdict"] == "verified" and len(saved["rounds"]) == 4
    assert saved["prompts"]["prepare"]["version"] == "2" and saved["llm"]["model"] == "scripted"
    assert saved["lineage"]["total"] == ["orders.discount", "orders.quantity", "products.unit_price"]
    module = load(out)
    frames = {name: pd.read_csv(FIXTURES / "orders" / f"{name}.csv") for name in ("orders", "products")}
    prepared = module.PIPELINE.plan(frames).to_pandas()
    assert list(prepared.columns) == ["order_id", "category", "region", "quantity", "total", "label"]
    header = " ".join(out.read_text().split('"""')[1].split())
    assert "Verified on every row of orders.csv, products.csv" in header
    assert "Prompts of the accepted answers: retry v1, retry v1, retry v1" in header


def test_unsafe_empty_and_non_code_answers_are_refused_and_never_run(orders: Session, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    unsafe = code("orders", "prepare").replace(
        "import lester_dagster.engine as le",
        f"import os\nimport lester_dagster.engine as le\nos.system('touch {marker}')")
    with_paths = code("orders", "prepare").replace(
        "def prepare(orders: le.Table, products: le.Table) -> le.Table:\n",
        "def prepare(orders_csv, products_csv):\n    orders = le.read_csv(orders_csv, name='orders')\n"
        "    products = le.read_csv('data/products.csv', name='products')\n")
    script = {
        "prepare": [answer(unsafe), answer(with_paths), answer(code("orders", "prepare"))],
        "label": [Reply("I'm sorry, but I can't help with rewriting this code."), Reply(""),
                  answer(code("orders", "label"))],
        "encoder": [answer(code("orders", "encoder"))],
    }
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=tmp_path / "p.py", report=tmp_path / "r.json")
    assert report.verified, report.summary()
    assert [r.verdict for r in report.rounds] == ["rejected", "rejected", "verified"]
    assert [r.run["verdict"] for r in report.rounds] == ["skipped", "skipped", "ok"]
    assert not marker.exists()
    first, second = report.rounds[0].calls, report.rounds[1].calls
    assert any("import of 'os' is not allowed" in p for p in first[0].problems)
    assert any(".system starts or controls processes" in p for p in first[0].problems)
    assert "no Python code" in first[1].problems[0] and first[2].check == "accepted"
    assert "the answer was empty" in second[1].problems[0]
    # the answer with paths got the refinement that parameterises sources
    assert [(c.part, c.prompt) for c in report.rounds[2].calls] == [("prepare", "refine_sources"), ("label", "retry")]
    assert "sources arrive as tables" in " ".join(second[0].problems)
    assert "Change the function to `prepare(orders: le.Table, products: le.Table) -> le.Table`" in \
        server.requests[-2]["messages"][-1]["content"]


def test_a_failing_llm_mid_way_keeps_earlier_rounds_and_overwrites_nothing(sessions: Session, tmp_path: Path) -> None:
    out = tmp_path / "sessions_pipeline.py"
    out.write_text("# the module a previous, verified rewrite wrote\n")
    report_file = tmp_path / "report.json"
    wrong = code("sessions", "prepare").replace('"n_events >= 2"', '"n_events >= 3"')
    script = {
        "prepare": [answer(wrong), *[http_error(503)] * 3],
        "label": [answer(code("sessions", "label"))],
        "encoder": [answer(code("sessions", "encoder"))],
    }
    with ScriptedLLM(script) as server:
        report = run_rounds(sessions, chat(server), out=out, report=report_file, keep_unverified=True)
    assert report.verdict == "llm-error" and "HTTP 503, HTTP 503, HTTP 503" in report.reason
    assert out.read_text() == "# the module a previous, verified rewrite wrote\n"
    saved = json.loads(report_file.read_text())
    assert [r["verdict"] for r in saved["rounds"]] == ["differs", "llm-error"]
    messages = [d["message"] for d in saved["rounds"][0]["differences"]]
    assert messages[0] == "20 rows where the original has 24"
    assert messages[1].startswith("4 row(s) of the original are missing from the rewrite")
    assert saved["rounds"][1]["calls"][0]["check"] == "llm-error"
    assert saved["remaining_differences"] == saved["rounds"][0]["differences"]
    unverified = Path(saved["unverified_output"])
    assert unverified.name == "sessions_pipeline.unverified.py" and "NOT VERIFIED (llm-error)" in unverified.read_text()


def test_when_rounds_run_out_the_report_says_why(orders: Session, tmp_path: Path) -> None:
    unsafe = "import subprocess\n" + code("orders", "prepare")
    script = {"prepare": [answer(unsafe)] * 2, "label": [answer(code("orders", "label"))],
              "encoder": [answer(code("orders", "encoder"))]}
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=tmp_path / "p.py", report=tmp_path / "r.json", max_rounds=2)
    assert report.verdict == "not-verified" and not (tmp_path / "p.py").exists()
    assert "2 round(s) used up" in report.reason and "import of 'subprocess' is not allowed" in report.reason
    assert "NOT verified" in report.summary()


def test_the_cli_writes_a_verified_module_that_the_dagster_asset_factory_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = {"prepare": [answer(code("sessions", "prepare"))], "label": [answer(code("sessions", "label"))],
              "encoder": [answer(code("sessions", "encoder"))]}
    out = tmp_path / "pipelines" / "user_activity.py"
    with ScriptedLLM(script) as server:
        status = main(["rewrite", str(FIXTURES / "sessions" / "messy_sessions.py"),
                       "--data", str(FIXTURES / "sessions"), "--base-url", server.base_url, "--model", "scripted",
                       "--out", str(out), "--sample-rows", "80", "--name", "user_activity"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert "VERIFIED after 1 round(s)" in printed and "parts: prepare = build_user_table()" in printed
    report = json.loads((tmp_path / "pipelines" / "user_activity.report.json").read_text())
    assert report["sources"][0] == {"name": "users", "file": "users.csv", "key": "user_id", "rows": 25}
    from lester_dagster.orchestration.pipeline_assets import build_pipeline_assets

    spec = load(out).PIPELINE
    assert spec.name == "user_activity" and spec.sources == {"users": "user_id", "events": "event_id"}
    assets = build_pipeline_assets(spec)
    assert any("user_activity" in str(key) for key in assets.keys)


def test_the_cli_without_an_endpoint_says_what_to_set(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("LESTER_LLM_BASE_URL", "LESTER_LLM_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    status = main(["rewrite", str(FIXTURES / "orders" / "messy_orders.py"), "--data", str(FIXTURES / "orders")])
    assert status == 2 and "LESTER_LLM_BASE_URL" in capsys.readouterr().err


@pytest.mark.slow
def test_the_running_example_with_real_minilm_embeddings(tmp_path: Path) -> None:
    """The example project's messy pipeline, on a small generated lake: MiniLM runs in both processes."""
    from lester_dagster.datasets.running_example import write_csvs

    write_csvs(tmp_path / "lake", 200, seed=0)
    script = {part: [answer(code("running_example", part))] for part in ("prepare", "label", "encoder")}
    options = RewriteOptions(data=tmp_path / "lake", out=tmp_path / "complaints.py", sample_rows=30, limits=LIMITS,
                             tolerance=Tolerance(1e-6, 1e-6))
    with ScriptedLLM(script) as server:
        session = start(REPO / "example_project" / "messy_pipeline.py", options)
        report = run_rounds(session, chat(server))
    session.close()
    assert report.verified, report.summary()
    assert report.original["rows"] >= 10 and report.original["X_shape"][1] == 2 * 384 + 1 + 3
    assert report.lineage["title"] == ["mails.mail_subject"]
    assert sorted(report.lineage["label"]) == ["customers.level", "mails.mail_text"]


def test_when_the_original_itself_fails_nothing_is_asked_and_the_report_says_why(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "orders.csv").write_text("order_id,amount\n1,3\n")
    script = tmp_path / "messy.py"
    script.write_text("def prepare(orders_csv):\n    raise KeyError('amount_eur')\n\n"
                      "def encode(rows):\n    return rows\n\ndef labels(rows):\n    return rows\n")
    with ScriptedLLM({}) as server:
        report = rewrite(script, RewriteOptions(data=tmp_path / "lake", limits=LIMITS), chat(server))
    assert server.requests == []
    assert report.verdict == "original-failed" and "KeyError: 'amount_eur'" in report.reason
    assert json.loads((tmp_path / "messy_declarative.report.json").read_text())["verdict"] == "original-failed"
    assert "stopped: the original fails" in report.summary()
