"""Sources as unbound references (a name, a key and a schema; the data given when the plan runs), data
given to `from_pandas`/`read_*` as the source's default binding whose ids are hashed at the first run, and
pivots whose value columns are only known at execution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lester_dagster.engine as le
import lester_dagster.engine.nodes as nodes
from lester_dagster.errors import (
    ColumnNotFoundError,
    DuplicateColumnError,
    KeyColumnError,
    OperatorArgumentError,
    SchemaError,
    TypeClashError,
)
from lester_dagster.provenance import SourceColumn
from tests.backend_oracle import assert_same_result, same_as_pandas

MAILS = pd.DataFrame({
    "mid": [10, 11, 12, 13, 14, 15, 16],
    "email": ["a@x", "a@x", "b@x", "zz@x", "d@x", "d@x", "c@x"],
    "month": ["jan", "feb", "jan", "jan", "feb", "feb", "mar"],
    "words": [3, 5, 8, 1, 2, 7, 4],
})
CUSTOMERS = pd.DataFrame({"cid": [1, 2, 3, 4], "email": ["a@x", "b@x", "c@x", "d@x"], "country": ["DE", "UK", "US", "DE"]})
MAIL_SCHEMA = {"mid": "int64", "email": "string", "month": "string", "words": "int64"}
CUSTOMER_SCHEMA = {"cid": "int64", "email": "string", "country": "string"}


def _plan(mails: le.Table, customers: le.Table) -> le.Table:
    counts = mails.join(customers, on="email").groupby("country").agg(n=("words", "sum"), k=("mid", "count"))
    return counts.union(counts.filter("n > 5")).sort_values("n")


# ---- unbound sources -------------------------------------------------------------------------------------


def test_an_unbound_source_builds_checks_and_reports_lineage_without_data() -> None:
    mails = le.source("mails", MAIL_SCHEMA, key="mid")
    assert mails.columns == ["mid", "email", "month", "words"]
    assert mails.node.kinds == {"mid": "number", "email": "string", "month": "string", "words": "number"}
    plan = _plan(mails, le.source("customers", CUSTOMER_SCHEMA, key="cid"))
    assert plan.lineage["n"] == {SourceColumn("mails", "words")}
    with pytest.raises(ColumnNotFoundError, match="'wordz'"):
        mails.filter("wordz > 1")
    with pytest.raises(TypeClashError):
        mails.join(le.source("other", {"email": "int64"}), on="email")
    assert le.source("plain", ["a", "b"]).node.kinds == {"a": None, "b": None}


@pytest.mark.parametrize("backend", ["pandas", "duckdb"])
def test_an_unbound_plan_run_on_data_equals_the_plan_over_from_pandas(backend: str) -> None:
    unbound = _plan(le.source("mails", MAIL_SCHEMA, key="mid"), le.source("customers", CUSTOMER_SCHEMA, key="cid"))
    bound = _plan(le.from_pandas(MAILS, "mails", key="mid"), le.from_pandas(CUSTOMERS, "customers", key="cid"))
    got = unbound.execute({"mails": MAILS, "customers": CUSTOMERS}, backend=backend)
    expected = bound.execute(backend="pandas")
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert_same_result(got, expected)
    assert same_as_pandas(unbound, backend, {"mails": MAILS, "customers": CUSTOMERS}) is not None


def test_an_unbound_source_without_data_says_which_and_how() -> None:
    plan = le.source("mails", MAIL_SCHEMA, key="mid").filter("words > 2")
    for backend in ("pandas", "duckdb"):
        with pytest.raises(SchemaError, match=r"source 'mails' has no data.*execute\(sources=\{'mails'"):
            plan.execute(backend=backend)
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['words'\]"):
        plan.execute({"mails": MAILS.drop(columns="words")})


def test_from_pandas_hashes_ids_at_the_first_run_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    hash_ids = nodes.source_row_ids

    def counted(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(args[2] if len(args) > 2 else kwargs.get("source"))
        return hash_ids(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nodes, "source_row_ids", counted)
    plan = le.from_pandas(MAILS, "mails", key="mid").filter("words > 2")
    assert calls == []
    first = plan.execute(backend="pandas")
    second = plan.execute(backend="duckdb")
    assert calls == ["mails"]
    assert first.sources["mails"].ids is second.sources["mails"].ids
    assert first.rows_from("mails", [12]).tolist() == [2]


@pytest.mark.parametrize("reader", ["parquet", "csv"])
def test_files_are_read_for_their_schema_when_built_and_whole_when_run(tmp_path: Path, reader: str) -> None:
    path = tmp_path / f"mails.{reader}"
    MAILS.to_parquet(path) if reader == "parquet" else MAILS.to_csv(path, index=False)
    read = le.read_parquet if reader == "parquet" else le.read_csv
    table = read(path, "mails", key="mid")
    assert table.columns == list(MAILS.columns)
    assert table.node.kinds == le.from_pandas(MAILS, "mails").node.kinds
    path.unlink()  # the file is read when the plan first runs, not when it is built
    with pytest.raises(FileNotFoundError):
        table.execute()
    MAILS.to_parquet(path) if reader == "parquet" else MAILS.to_csv(path, index=False)
    plan = table.filter("words > 2")
    assert_same_result(plan.execute(), le.from_pandas(MAILS, "mails", key="mid").filter("words > 2").execute())
    options = {"columns": ["words", "mid"]} if reader == "parquet" else {"usecols": ["mid", "words"]}
    some = read(path, "mails", key="mid", **options)
    assert some.execute().frame.columns.tolist() == some.columns == list(options.popitem()[1])


def test_a_csv_column_empty_in_its_first_rows_has_no_kind_yet(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    pd.DataFrame({"id": range(1_500), "late": [None] * 1_200 + ["x"] * 300}).to_csv(path, index=False)
    table = le.read_csv(path, "late", key="id")
    assert table.node.kinds == {"id": "number", "late": None}
    assert table.filter("late == 'x'").execute().frame["id"].tolist() == list(range(1_200, 1_500))


def test_a_file_that_lost_a_declared_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mails.parquet"
    MAILS.to_parquet(path)
    table = le.read_parquet(path, "mails", key="mid")
    MAILS.drop(columns="words").to_parquet(path)
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['words'\]"):
        table.execute()


def test_a_bad_schema_is_refused() -> None:
    with pytest.raises(OperatorArgumentError, match="name"):
        le.source("", MAIL_SCHEMA)
    with pytest.raises(KeyColumnError, match="key column 'id' is not found"):
        le.source("mails", MAIL_SCHEMA, key="id")


# ---- pivots whose columns are known at execution ---------------------------------------------------------


def _expected_pivot(frame: pd.DataFrame) -> pd.DataFrame:
    wide = frame.pivot_table(index="email", columns="month", values="words", aggfunc="sum")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


@pytest.mark.parametrize("backend", ["pandas", "duckdb"])
def test_a_pivot_without_values_takes_its_columns_from_each_run(backend: str) -> None:
    mails = le.source("mails", MAIL_SCHEMA, key="mid")
    wide = mails.pivot(index="email", columns="month", values="words", aggfunc="sum")
    assert wide.columns == ["email"]
    for frame in (MAILS, MAILS[MAILS.month != "feb"]):
        result = wide.execute({"mails": frame}, backend=backend)
        pd.testing.assert_frame_equal(result.frame, _expected_pivot(frame), check_dtype=False)
        cells = {SourceColumn("mails", "words"), SourceColumn("mails", "month")}
        assert result.lineage == {"email": {SourceColumn("mails", "email")},
                                  **dict.fromkeys(sorted(set(frame.month)), cells)}
        same_as_pandas(wide, backend, {"mails": frame})


def test_operators_after_a_runtime_pivot_name_only_its_known_columns() -> None:
    wide = le.from_pandas(MAILS, "mails", key="mid").pivot(index="email", columns="month", values="words",
                                                           aggfunc="sum")
    with pytest.raises(ColumnNotFoundError, match=r"only known at execution.*column_values="):
        wide.filter("jan > 1")
    with pytest.raises(ColumnNotFoundError, match="column_values="):
        wide.select("email", "jan")
    with pytest.raises(ColumnNotFoundError, match="column_values="):
        wide.project("x", "jan", lambda s: s + 1)
    with pytest.raises(OperatorArgumentError, match="column_values="):
        wide.union(wide)
    kept = wide.filter(lambda e: e != "zz@x", "email").sort_values("email", ascending=False).execute()
    expected = _expected_pivot(MAILS)
    expected = expected[expected.email != "zz@x"].sort_values("email", ascending=False).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept.frame, expected, check_dtype=False)
    joined = wide.join(le.from_pandas(CUSTOMERS, "customers", key="cid"), on="email").execute()
    assert joined.frame.columns.tolist() == ["email", "feb", "jan", "mar", "cid", "country"]
    assert joined.lineage["jan"] == {SourceColumn("mails", "words"), SourceColumn("mails", "month")}


def test_a_pivot_with_declared_values_keeps_them() -> None:
    wide = le.from_pandas(MAILS, "mails", key="mid").pivot(index="email", columns="month", values="words",
                                                           column_values=["feb", "jan", "mar"])
    assert wide.columns == ["email", "feb", "jan", "mar"]
    assert wide.filter("jan > 1").execute({"mails": MAILS[MAILS.month == "jan"]}).frame.columns.tolist() == [
        "email", "feb", "jan", "mar"]


def test_values_found_at_execution_that_clash_are_refused_then() -> None:
    wide = le.from_pandas(MAILS, "mails", key="mid").pivot(index="email", columns="month", values="words")
    renamed = wide.rename(columns={"email": "jan"})  # fine when built: "jan" is not yet a column
    for backend in ("pandas", "duckdb"):
        with pytest.raises(DuplicateColumnError, match=r"duplicate columns \['jan'\].*column_values="):
            renamed.execute(backend=backend)
    assert renamed.execute({"mails": MAILS[MAILS.month != "jan"]}).frame.columns.tolist() == ["jan", "feb", "mar"]


def test_rows_rederived_from_their_provenance_keep_a_found_pivots_columns() -> None:
    from lester_dagster.ivm.table import rederive

    wide = le.source("mails", MAIL_SCHEMA, key="mid").pivot(index="email", columns="month", values="words")
    result = wide.execute({"mails": MAILS})
    fresh = rederive(wide.node, result, np.array([0]))
    assert fresh.frame.columns.tolist() == result.frame.columns.tolist()


def test_an_unbound_plan_with_a_found_pivot_on_spark_equals_pandas() -> None:
    """The one Spark case (a JVM costs seconds): an unbound source and a pivot of the values each run finds."""
    pytest.importorskip("pyspark")
    from lester_dagster.engine.spark_backend import session, stop_session

    session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    try:
        mails = le.source("mails", MAIL_SCHEMA, key="mid")
        plan = mails.pivot(index="email", columns="month", values="words", aggfunc="sum").join(
            le.source("customers", CUSTOMER_SCHEMA, key="cid"), on="email")
        for frame in (MAILS, MAILS[MAILS.month != "feb"]):
            got = same_as_pandas(plan, "spark", {"mails": frame, "customers": CUSTOMERS})
            assert got is not None and got.frame.columns.tolist()[1:-2] == sorted(set(frame.month))
    finally:
        stop_session()
