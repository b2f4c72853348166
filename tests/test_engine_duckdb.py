"""The DuckDB backend against the pandas executor (the oracle): random plans over every operator the engine
accepts (the generators of tests/test_ivm_random_plans.py), the example's plan, and the operators' own
cases must give the same rows in the same order, with the same provenance; a plan the pandas executor
refuses is refused by DuckDB with the same error."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lester_dagster.engine as le
from example_project import declarative_pipeline as dp
from lester_dagster.datasets.running_example import generate
from lester_dagster.engine.duckdb_backend import Lowering, Relation, connection, in_order
from lester_dagster.engine.execute import default_backend
from lester_dagster.errors import SchemaError
from tests.backend_oracle import (
    assert_example_as_pandas,
    assert_same_result,
    mails_per_country,
    random_plan_as_pandas,
    same_as_pandas,
)
from tests.test_ivm_random_plans import FAMILIES, examples, lakes

SETTINGS = examples(int(os.environ.get("LESTER_DUCKDB_EXAMPLES", "40")))


@pytest.mark.parametrize("family", sorted(FAMILIES))
@SETTINGS
@given(frames=lakes(), data=st.data())
def test_random_plans_on_duckdb_equal_pandas(family: str, frames: dict[str, pd.DataFrame], data: st.DataObject) -> None:
    random_plan_as_pandas(family, frames, data, "duckdb")


@pytest.mark.parametrize("build_plan", [dp.select_complaints, dp.prepare_and_label])
def test_the_example_on_duckdb_equals_pandas(build_plan: Callable[[le.Table, le.Table], le.Table]) -> None:
    assert_example_as_pandas(build_plan, "duckdb")


def test_aggregates_keep_distinct_ids_and_sql_null_keys() -> None:
    got = same_as_pandas(mails_per_country(), "duckdb")
    assert got is not None and sorted(got.source_rows(0)["customers"]) == [7, 8]


def test_columns_whose_names_differ_only_in_case_stay_apart() -> None:
    """DuckDB matches names without case: a table holding 'ID' and 'id', or 'batch' derived beside 'Batch',
    made its lowering fail ("'id' is not in list"). Such a plan gives the pandas executor's result."""
    frame = pd.DataFrame({"ID": [1, 1, 2], "id": [3, 3, 5], "Batch": ["D", "D", "E"]})
    by_id = le.from_pandas(frame, "u").groupby("id").agg(n=("ID", "count"))
    got = same_as_pandas(by_id, "duckdb")
    assert got is not None and got.frame["n"].tolist() == [2, 1]
    labelled = le.from_pandas(frame, "u").assign(batch="ID * 2").groupby("batch").agg(n=("Batch", "count"))
    assert same_as_pandas(labelled, "duckdb") is not None


def test_the_default_backend_is_duckdb_and_pandas_stays_selectable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LESTER_ENGINE_BACKEND", raising=False)
    assert default_backend() == "duckdb"
    monkeypatch.setenv("LESTER_ENGINE_BACKEND", "pandas")
    assert default_backend() == "pandas"


def test_the_backend_is_chosen_by_name_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    table = le.from_pandas(pd.DataFrame({"k": [1, 2]}), "t", key="k")
    with pytest.raises(SchemaError, match="no engine backend 'polars'"):
        table.execute(backend="polars")
    monkeypatch.setenv("LESTER_ENGINE_BACKEND", "duckdb")
    assert default_backend() == "duckdb"
    monkeypatch.setenv("LESTER_ENGINE_BACKEND", "sqlite")
    with pytest.raises(SchemaError, match="LESTER_ENGINE_BACKEND"):
        default_backend()


def test_order_is_kept_across_duckdbs_threads() -> None:
    """Enough mails that DuckDB splits each scan into several tasks on both threads: the filters and
    projections after a scan return the rows in order without a sort, and the ones after the join get them
    in order from the sort placed there (a join does not keep order); both as the pandas executor gives."""
    customers, mails = generate(300_000, seed=0)
    c = le.from_pandas(customers, "customers", key="customer_id")
    m = le.from_pandas(mails, "mails", key="mail_id")
    plans = [dp.select_complaints(c, m),
             m.filter("raw_date >= '2023-01-01'").project("t", "mail_text", lambda s: s.str.lower()),
             m.join(c, left_on="email", right_on="customer_email").filter("country == 'DE'")
             .project("t", "mail_subject", lambda s: s.str.upper()).select("t", "mail_id", "bank")]
    for plan in plans:
        expected, got = plan.execute(backend="pandas"), plan.execute(backend="duckdb")
        pd.testing.assert_frame_equal(got.frame, expected.frame)
        assert_same_result(got, expected)


def test_rows_that_duckdb_returns_out_of_order_are_put_in_order() -> None:
    """Rows that come back out of order are sorted after the fetch."""
    con = connection()
    rel = con.sql("SELECT i AS x, 10 * i AS __lester_prov_0, i AS __lester_row FROM range(5) t(i) ORDER BY i DESC")
    relation = Relation(rel, ("x",), {"s": ("__lester_prov_0", False)}, 5)
    frame, provenance = Lowering(con, {}, {"s": "__lester_prov_0"}).computed(relation)
    assert frame["x"].tolist() == [0, 1, 2, 3, 4]
    assert provenance["s"].ids.tolist() == [0, 10, 20, 30, 40]


@pytest.mark.parametrize("runs", [1, 2, 3, 7, 5000])
def test_in_order_puts_runs_and_shuffles_back_in_order(runs: int) -> None:
    """A few interleaved runs in order (a join's threads) come back as slices, many as a gather: either way
    the table in the order of its ordinal, every column with it."""
    rng = np.random.default_rng(runs)
    ordinals = np.sort(rng.choice(10**9, 20_000, replace=False))
    parts = np.array_split(ordinals, runs * 3)
    rng.shuffle(parts)  # each run takes a few blocks of the ordinals, as a thread takes morsels
    shuffled = np.concatenate([np.concatenate(parts[i::runs]) for i in range(runs)]) if runs < 5000 else (
        rng.permutation(ordinals))
    table = pa.table({"x": pa.array([f"v{o}" for o in shuffled]), "__lester_row": pa.array(shuffled)})
    out = in_order(table)
    assert out.column("__lester_row").to_numpy().tolist() == ordinals.tolist()
    assert out.column("x").to_pylist() == [f"v{o}" for o in ordinals]
