"""Verification that a sample cannot fool: an online shop's messy pipeline over date-sorted exports whose
unusual values all arrive after the first thousand orders (tests/fixtures/rewrite/shop/make_data.py).
Each wrong rewrite below agrees with the original on every head of the files up to row 1,000, and each
is caught on the default settings (every row, exact where the original is exact) and on a covering
sample, and fed back to the LLM with the column, the rows and the values. Through the real `openai`
client against a scripted loopback server (tests/llm_server.py): these test the harness, not a model."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lester_dagster.rewrite.compare import Tolerance, compare_matrices, compare_tables
from lester_dagster.rewrite.cover import covering_sample
from lester_dagster.rewrite.llm import LLMConfig, OpenAIChat
from lester_dagster.rewrite.loop import RewriteOptions, Session, run_rounds, start
from lester_dagster.rewrite.sandbox import Limits
from lester_dagster.rewrite.sources import bind_inputs
from lester_dagster.rewrite.split import split_script
from tests.llm_server import ScriptedLLM, answer

SHOP = Path(__file__).parent / "fixtures" / "rewrite" / "shop"
LIMITS = Limits(timeout=120, memory_mb=2048)
PREPARE = (SHOP / "prepare.py").read_text()

# Each wrong rewrite: the line of the correct answer it changes, and what the feedback must name.
WRONG = {
    "missing strip": (
        '.project("brand", "brand", lambda brand: brand.str.strip())',
        '.project("brand", "brand", lambda brand: brand)',
        ["column 'brand' differs in 56 of 909 rows",
         "{'order_id': 11208, 'original': 'Globex', 'rewrite': 'Globex '}"]),
    "case-insensitive category": (
        'products.filter("category in @wanted", wanted=WANTED_CATEGORIES)',
        'products.filter(lambda c: c.str.lower().isin(WANTED_CATEGORIES), "category")',
        ["52 row(s) of the rewrite are not in the original (by 'order_id': 11198,",
         "values the original never has: category 'Home'", "'category': 'Home'"]),
    "astype(bool) on a flag": (
        'lambda returned: returned == 1', 'lambda returned: returned.astype(bool)',
        ["column 'returned' differs in 17 of 909", "{'order_id': 11002, 'original': False, 'rewrite': True}"]),
    "month from str[6:7]": (
        'date.str[5:7].astype("int64")', 'date.str[6:7].astype("int64")',
        ["column 'month' differs in 232 of 909", "{'order_id': 11199, 'original': 10, 'rewrite': 0}"]),
    "month from to_datetime": (
        'lambda date: date.str[5:7].astype("int64")', 'lambda date: pd.to_datetime(date).dt.month.astype("int64")',
        ["it failed in prepare", "project 'month'"]),
    "first @ of two": (
        'email.str.rsplit("@", n=1).str[1]', 'email.str.split("@").str[1]',
        # the rewrite's value is part of an e-mail address, a column the original never outputs: redacted
        ["column 'domain' differs in 39 of 909",
         "'original': 'shop.example', 'rewrite': '<a value of customers.email>'"]),
    "dropped rounding": (
        'return round(float(quantity * unit_price * (1 - discount)), 2)',
        'return float(quantity * unit_price * (1 - discount))',
        ["column 'total' differs in 58 of 909",
         "rounded to 2 decimals in the original: compared exactly at that precision",
         "'original': 11247.11, 'rewrite': 11247.1065"]),
    "threshold off by one": (
        "lambda quantity: quantity >= BULK_QUANTITY", "lambda quantity: quantity > BULK_QUANTITY",
        ["column 'bulk' differs in 15 of 909", "{'order_id': 11182, 'original': True, 'rewrite': False}"]),
}


def wrong(kind: str) -> str:
    old, new, _ = WRONG[kind]
    assert old in PREPARE, kind
    code = PREPARE.replace(old, new)
    return code if "pd." not in new else "import pandas as pd\n" + code


def chat(server: ScriptedLLM) -> OpenAIChat:
    return OpenAIChat(LLMConfig(server.base_url, None, "scripted", backoff=0.01, retries=1))


def script(prepare: list[str]) -> dict[str, list]:
    return {"prepare": [answer(p) for p in prepare], "label": [answer((SHOP / "label.py").read_text())],
            "encoder": [answer((SHOP / "encoder.py").read_text())]}


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The default settings: every row of every source."""
    options = RewriteOptions(data=SHOP, limits=LIMITS, workdir=tmp_path_factory.mktemp("whole"),
                             out=tmp_path_factory.mktemp("unused") / "shop.py")
    yield start(SHOP / "messy_shop.py", options)


@pytest.fixture(scope="module")
def covering(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    options = RewriteOptions(data=SHOP, limits=LIMITS, workdir=tmp_path_factory.mktemp("covering"), sample_rows=60,
                             out=tmp_path_factory.mktemp("unused") / "shop.py")
    yield start(SHOP / "messy_shop.py", options)


def test_the_differences_only_show_late_in_the_files() -> None:
    """What makes the cases held-out style: the first thousand orders (and the products and customers they
    reach) hold none of the values the wrong rewrites get wrong."""
    orders = pd.read_csv(SHOP / "orders.csv", dtype=str)
    products = pd.read_csv(SHOP / "products.csv", dtype=str, keep_default_na=False)
    customers = pd.read_csv(SHOP / "customers.csv", dtype=str)
    head, late = orders.iloc[:1000], orders.iloc[1000:]
    reached_products = products[products.product_id.isin(head.product_id)]
    reached_customers = customers[customers.customer_id.isin(head.customer_id)]
    assert not (reached_products.brand != reached_products.brand.str.strip()).any()
    assert "Home" not in set(reached_products.category)
    assert not reached_customers.email.str.count("@").gt(1).any()
    assert not head.order_date.str.contains("T").any() and head.order_date.str[5:7].astype(int).max() < 10
    assert "2" not in set(head.returned) and "50" not in set(head.quantity)
    assert late.order_date.str.contains("T").any() and "2" in set(late.returned) and "50" in set(late.quantity)


@pytest.mark.parametrize("kind", list(WRONG))
def test_every_wrong_rewrite_is_caught_on_all_rows_and_fed_back_with_column_rows_and_values(
        whole: Session, kind: str, tmp_path: Path) -> None:
    # the second answer is empty (refused before it runs): the round exists to send the feedback
    with ScriptedLLM(script([wrong(kind), ""])) as server:
        report = run_rounds(whole, chat(server), out=tmp_path / "shop.py", report=tmp_path / "r.json", max_rounds=2)
    first = report.rounds[0]
    assert first.verdict in ("differs", "run-failed"), kind
    assert not report.verified and not (tmp_path / "shop.py").exists()
    feedback = next(r for r in server.requests[3:] if r["task"] == "prepare")["messages"][-1]["content"]
    for says in WRONG[kind][2]:
        assert says in feedback, (kind, feedback)
    if first.verdict == "differs":  # the rows are named: by the order ids that differ
        assert "(order_id 1" in feedback or "(by 'order_id': 1" in feedback
    coverage = report.verification["coverage"]
    assert coverage["mode"] == "all rows" and coverage["sources"]["orders"]["rows"] == 1600


@pytest.mark.parametrize("kind", list(WRONG))
def test_every_wrong_rewrite_is_caught_on_a_covering_sample(covering: Session, kind: str, tmp_path: Path) -> None:
    with ScriptedLLM(script([wrong(kind)])) as server:
        report = run_rounds(covering, chat(server), out=tmp_path / "shop.py", report=tmp_path / "r.json", max_rounds=1)
    assert report.rounds[0].verdict in ("differs", "run-failed"), (kind, report.summary())
    assert not (tmp_path / "shop.py").exists()


def test_the_correct_rewrite_is_verified_on_a_covering_sample_and_its_coverage_is_reported(covering: Session,
                                                                                           tmp_path: Path) -> None:
    with ScriptedLLM(script([PREPARE])) as server:
        report = run_rounds(covering, chat(server), out=tmp_path / "shop.py", report=tmp_path / "r.json", max_rounds=1)
    assert report.verified, report.summary()
    coverage = json.loads((tmp_path / "r.json").read_text())["verification"]["coverage"]
    orders = coverage["sources"]["orders"]
    assert coverage["mode"] == "covering sample" and orders["of"] == 1600 and orders["rows"] < 1600
    assert orders["distinct"]["returned"] == [3, 3]  # every value of a low-cardinality column
    assert set(orders["picked"]) >= {"first and last rows", "every value of a low-cardinality column",
                                     "rows that follow join keys", "the script's constants and their neighbours"}
    assert "a covering sample" in report.summary() and "distinct values" in report.summary()


def test_the_covering_sample_takes_late_rows_constants_and_join_partners(tmp_path: Path) -> None:
    parts = split_script(SHOP / "messy_shop.py")
    inputs = bind_inputs(parts.parameters("prepare"), SHOP, parts.string_constants())
    files, coverage = covering_sample(inputs.sources, 50, tmp_path, parts.string_constants(), parts.number_constants())
    orders, products, customers = (pd.read_csv(files[n], dtype=str, keep_default_na=False)
                                   for n in ("orders", "products", "customers"))
    assert orders.order_date.str.contains("T").any() and set(orders.order_date.str[5:7]) >= {"10", "11", "12"}
    assert {"0", "1", "2"} <= set(orders.returned) and {"49", "50", "51"} & set(orders.quantity) >= {"50", "51"}
    assert " Acme" in set(products.brand) and "Home" in set(products.category)
    assert customers.email.str.count("@").gt(1).any()
    # joins hold: every sampled order finds its product and customer, and rare products are ordered
    assert orders.product_id.isin(products.product_id).all() and orders.customer_id.isin(customers.customer_id).all()
    padded = products[products.brand != products.brand.str.strip()].product_id
    assert orders.product_id.isin(padded).any()
    assert coverage.sources["orders"].rows < 1600 and coverage.sources["orders"].total_rows == 1600


def test_a_dropped_rounding_on_large_values_differs_whatever_the_tolerance() -> None:
    original = pd.DataFrame({"order_id": [1, 2, 3], "total": [6172.84, 18.5, 9055.13]})
    unrounded = original.assign(total=[6172.835, 18.5, 9055.1275])
    for tolerance in (Tolerance(), Tolerance(rtol=1e-6, atol=1e-6)):  # the default, and what --tolerance 1e-6 was
        differences, _ = compare_tables(original, unrounded, tolerance)
        assert differences[0].column == "total" and "differs in 2 of 3 rows" in differences[0].message
    noisy = pd.DataFrame({"order_id": [1, 2], "ratio": [1 / 3, 2 / 7]})
    assert compare_tables(noisy, noisy.assign(ratio=noisy.ratio * (1 + 1e-12)))[0] == []  # summation noise passes
    assert compare_tables(noisy, noisy.assign(ratio=noisy.ratio * (1 + 1e-7)))[0] != []  # default rtol 1e-9


def test_unmatched_row_examples_are_rows_the_other_output_really_lacks() -> None:
    """Floats do not take part in matching rows; the examples still show only rows that have no twin."""
    original = pd.DataFrame({"shop": ["a", "a", "b"], "share": [0.25, 0.5, 1.0]})
    rewrite = pd.DataFrame({"shop": ["a", "a", "a", "b"], "share": [0.25, 0.5, 0.75, 1.0]})
    differences, _ = compare_tables(original, rewrite)
    extra = next(d for d in differences if "not in the original" in d.message)
    assert extra.examples == [{"shop": "a", "share": 0.75}]


def test_one_hot_categories_in_another_order_are_not_called_a_transformer_order() -> None:
    rng = np.random.default_rng(0)
    X = np.hstack([rng.normal(size=(6, 1)), np.eye(3)[[0, 1, 2, 0, 1, 2]]])
    reordered = X[:, [0, 3, 1, 2]]  # the one-hot block's categories in another order
    message = compare_matrices(X, reordered, Tolerance(), {"total": [0, 1], "category": [1, 4]})[0].message
    assert "inside transformer 'category' [1:4]" in message and "OneHotEncoder(categories=" in message
    assert "order the transformers" not in message


def test_the_correct_rewrite_is_verified_on_every_row_without_importing_torch(whole: Session, tmp_path: Path) -> None:
    with ScriptedLLM(script([PREPARE])) as server:
        report = run_rounds(whole, chat(server), out=tmp_path / "shop.py", report=tmp_path / "r.json", max_rounds=1)
    assert report.verified, report.summary()
    assert report.rounds[0].run["heavy_modules"] == []  # lester_dagster.pipeline's stand-in: no torch per run
    verification = report.verification
    assert verification["prepared_rows_compared"] == 909 and verification["sandbox"] in ("bwrap", "unshare")
    assert verification["float_columns"] == {"total": "rounded to 2 decimals in the original: compared exactly at "
                                                      "that precision"}


def test_the_stand_in_pipeline_spec_plans_what_the_real_one_plans(tmp_path: Path) -> None:
    """Candidates run against rewrite/standin.py's PipelineSpec; deployed modules against the real one."""
    from lester_dagster.pipeline import PipelineSpec, encode
    from lester_dagster.rewrite import standin

    namespace: dict = {"LABEL": "label"}
    for part in ("prepare", "label", "encoder"):
        exec(compile((SHOP / f"{part}.py").read_text(), part, "exec"), namespace)  # noqa: S102 - our fixture

    def prepare_and_label(**tables):
        return namespace["label"](namespace["prepare"](**tables))

    sources = {"orders": "order_id", "products": "product_id", "customers": "customer_id"}
    frames = {name: pd.read_csv(SHOP / f"{name}.csv") for name in sources}
    real = PipelineSpec("shop", sources, prepare_and_label, namespace["encoder"], "label")
    light = standin.PipelineSpec("shop", sources, prepare_and_label, namespace["encoder"], "label")
    prepared = real.plan(frames).execute()
    pd.testing.assert_frame_equal(prepared.frame, light.plan(frames).execute().frame)
    X = np.asarray(light.encoder().fit_transform(prepared.frame.drop(columns="label")), dtype=np.float64)
    np.testing.assert_array_equal(encode(real, prepared).X, X)


def test_an_encoding_that_returns_x_and_y_is_rewritten(tmp_path: Path) -> None:
    messy = (SHOP / "messy_shop.py").read_text()
    messy = messy.replace("def encode(rows):", "def features_and_target(rows):").replace(
        "    return np.hstack([scaled.reshape(-1, 1), months.reshape(-1, 1), onehot, bulk.reshape(-1, 1)])",
        "    X = np.hstack([scaled.reshape(-1, 1), months.reshape(-1, 1), onehot, bulk.reshape(-1, 1)])\n"
        "    y = np.array([1 if row['returned'] else 0 for row in rows])\n    return X, y")
    messy = messy[: messy.index("def labels(rows):")]
    (tmp_path / "messy_xy.py").write_text(messy)
    parts = split_script(tmp_path / "messy_xy.py")
    assert parts.encode == parts.label == "features_and_target" and parts.label_from_encoding
    options = RewriteOptions(data=SHOP, limits=LIMITS, workdir=tmp_path / "work", out=tmp_path / "shop.py")
    with ScriptedLLM(script([PREPARE])) as server:
        session = start(tmp_path / "messy_xy.py", options)
        assert session.original.ok, session.report.reason
        report = run_rounds(session, chat(server))
    assert report.verified, report.summary()
    label_task = next(r for r in server.requests if r["task"] == "label")["messages"][1]["content"]
    assert "returns the pair (X, y): rewrite only how it computes y" in label_task


def test_when_the_harness_cannot_use_a_return_value_it_says_so_and_does_not_blame_the_script(tmp_path: Path) -> None:
    messy = (SHOP / "messy_shop.py").read_text().replace(
        "    return np.array([1 if row[\"returned\"] else 0 for row in rows])",
        "    return {'labels': [1 if row['returned'] else 0 for row in rows]}")
    (tmp_path / "messy.py").write_text(messy)
    session = start(tmp_path / "messy.py", RewriteOptions(data=SHOP, limits=LIMITS, workdir=tmp_path / "work"))
    assert session.report.verdict == "original-failed"
    assert session.report.reason.startswith("the messy script ran, but what labels() returns cannot be used")
    assert "--label-fn" in session.report.reason and "itself fails" not in session.report.reason


def test_a_relative_workdir_and_data_folder_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shop = Path(os.path.relpath(SHOP, tmp_path))
    session = start(shop / "messy_shop.py", RewriteOptions(data=shop, limits=LIMITS, workdir=Path("work"),
                                                           out=tmp_path / "shop.py"))
    assert session.original.ok, session.report.reason
    assert session.workdir == tmp_path / "work" and (tmp_path / "work" / "original" / "out" / "X.npy").exists()


def test_an_error_from_data_preparation_met_in_the_label_stage_goes_to_data_preparation() -> None:
    """The label stage executes data preparation again (prepare_and_label): the innermost frame of an
    answer's code decides whose conversation hears about it, the stage only when there is none."""
    from lester_dagster.rewrite.assemble import assemble
    from lester_dagster.rewrite.loop import _blame

    parts = {"prepare": "def prepare(orders):\n    return orders.project('x', 'y', lambda y: 1 / 0)\n",
             "label": "def label(prepared):\n    return prepared\n",
             "encoder": "def encoder():\n    return None\n"}
    module = assemble(parts, {"orders": "order_id"}, "label", "demo", "Demo.")
    line = next(i + 1 for i, text in enumerate(module.text.splitlines()) if "1 / 0" in text)
    error = {"stage": "label", "frames": [{"line": line, "function": "<lambda>", "code": "1 / 0"}]}
    assert _blame(error, module) == "prepare"
    assert _blame({"stage": "label", "frames": []}, module) == "label"


def test_rtol_and_atol_are_separate_options_and_checked(capsys: pytest.CaptureFixture[str]) -> None:
    from lester_dagster.cli import main

    base = ["rewrite", str(SHOP / "messy_shop.py"), "--data", str(SHOP), "--base-url", "http://127.0.0.1:9/v1",
            "--model", "m"]
    assert main([*base, "--rtol", "-1"]) == 2 and "--rtol must not be negative" in capsys.readouterr().err
    assert main([*base, "--sample-rows", "0"]) == 2 and "--sample-rows must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the old option that set both at once is gone
        main([*base, "--tolerance", "1e-6"])
