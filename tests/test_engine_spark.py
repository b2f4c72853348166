"""The Spark backend (local mode) against the pandas executor (the oracle): the random plans over every
operator of tests/test_ivm_random_plans.py and the random select-project-join-union pipelines of
tests/test_engine_properties.py, the operators' own cases on the data of tests/test_engine_operators.py,
and the example's plans must give the same rows in the same order with the same provenance; a plan the
pandas executor refuses is refused by Spark with the same error. One Spark session serves the whole test
session (a JVM costs seconds to start)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lester_dagster.engine as le
from example_project import declarative_pipeline as dp
from lester_dagster.errors import NotRowWiseError, UserFunctionError
from tests.backend_oracle import (
    assert_example_as_pandas,
    assert_same_result,
    mails_per_country,
    random_plan_as_pandas,
    same_as_pandas,
)
from tests.test_engine_operators import CUSTOMERS, MAILS
from tests.test_engine_properties import spju_pipelines, tables
from tests.test_ivm_random_plans import FAMILIES, examples, lakes

# each example starts Spark jobs (a tenth of a second or more each): fewer than on DuckDB
SETTINGS = examples(int(os.environ.get("LESTER_SPARK_EXAMPLES", "3")))


@pytest.fixture(scope="session", autouse=True)
def spark() -> Iterator[object]:
    """One local Spark session for the test session: two cores, two shuffle partitions (so that joins and
    aggregates do shuffle between partitions), no UI, bound to 127.0.0.1."""
    from lester_dagster.engine.spark_backend import session, stop_session

    yield session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    stop_session()


@pytest.mark.parametrize("family", sorted(FAMILIES))
@SETTINGS
@given(frames=lakes(), data=st.data())
def test_random_plans_on_spark_equal_pandas(family: str, frames: dict[str, pd.DataFrame], data: st.DataObject) -> None:
    random_plan_as_pandas(family, frames, data, "spark")


@examples(int(os.environ.get("LESTER_SPARK_EXAMPLES", "3")) * 4)
@given(data=tables(), pipeline=spju_pipelines())
def test_random_pipelines_on_spark_equal_pandas(data: tuple[pd.DataFrame, pd.DataFrame],
                                                pipeline: Callable[[le.Table, le.Table], le.Table]) -> None:
    a, b = data
    same_as_pandas(pipeline(le.from_pandas(a, "a", key="a_id"), le.from_pandas(b, "b", key="b_id")), "spark")


def operator_plans() -> dict[str, le.Table]:
    """A plan per operator (and variant) over the operator tests' tables."""
    customers, mails = le.from_pandas(CUSTOMERS, "customers", key="cid"), le.from_pandas(MAILS, "mails", key="mid")
    return {
        "source": customers,
        "filter-query": mails.filter("words > @n and month != 'mar'", n=2),
        "filter-in": mails.filter("month in @months", months=["jan", "mar"]),
        "filter-udf": mails.filter(lambda w: w % 2 == 0, "words", vectorized=False),
        "project": mails.project("w2", "words", lambda w: w * 2),
        "project-row-wise": mails.project("month", "month", str.upper),
        "assign": mails.assign(label=le.udf(lambda e, m: f"{e}/{m}", ["email", "month"]), w3="words * 3"),
        "inner-join": mails.join(customers, on="email"),
        "left-join": mails.join(customers, on="email", how="left"),
        "self-join": mails.join(mails.select("mid", "month", "words"), on="month", suffixes=("", "_other")),
        "left-join-empty-right": mails.join(customers.filter("cid > @n", n=100), on="email", how="left"),
        "union": customers.select("email").union(mails.select("email")),
        "groupby": mails.groupby("month").agg(total=("words", "sum"), n=("mid", "count"), top=("words", "max"),
                                              avg=("words", "mean"), rows=("mid", "size"), kinds=("email", "nunique")),
        "groupby-null-keys": customers.groupby("country").agg(best=("score", "max")),
        "groupby-pandas-only": mails.groupby("email").agg(first=("month", "first"), mid=("words", "median")),
        "joined-back": mails.join(mails.groupby("email").agg(total=("words", "sum")), on="email"),
        "explode": customers.explode("tags"),
        "dropna": customers.dropna(["country", "score"]),
        "fillna": customers.fillna({"score": 0.0, "country": "??"}),
        "sort": customers.sort_values("score", ascending=False),
        "sort-two-keys": mails.sort_values(["month", "words"], ascending=[True, False]),
        "rename": customers.rename(columns={"country": "cc"}).select("cid", "cc"),
        "pivot": mails.pivot(index="email", columns="month", values="words", aggfunc="sum"),
        "melt": mails.melt(id_vars="mid", value_vars=["email", "month"], var_name="field", value_name="text"),
        "fillna-after-join": mails.join(customers, on="email", how="left").fillna({"score": -1.0, "country": "?"}),
        "sort-after-join": mails.join(customers, on="email").sort_values("score"),
        "union-after-aggregate": mails.groupby("month").agg(n=("mid", "count")).union(
            mails.groupby("email").agg(n=("mid", "count")).rename(columns={"email": "month"})),
    }


@pytest.mark.parametrize("name", sorted(operator_plans()))
def test_operators_on_spark_equal_pandas(name: str) -> None:
    plan = operator_plans()[name]
    got = same_as_pandas(plan, "spark", context=name)
    assert got is not None
    # and on part of the data (a pivot keeps its columns, a join its empty side's types)
    assert_same_result(plan.execute({"mails": MAILS.iloc[:3]} if "mails" in plan.source_names else None,
                                    backend="spark"),
                       plan.execute({"mails": MAILS.iloc[:3]} if "mails" in plan.source_names else None,
                                    backend="pandas"), name)
    assert list(got.frame.columns) == plan.columns


@pytest.mark.parametrize("build_plan", [dp.select_complaints, dp.prepare_and_label])
def test_the_example_on_spark_equals_pandas(build_plan: Callable[[le.Table, le.Table], le.Table]) -> None:
    assert_example_as_pandas(build_plan, "spark")


def test_user_functions_run_batch_by_batch_beyond_one_batch() -> None:
    """Above one Arrow batch of rows a function runs on each batch in a worker; a type that changes after
    the first rows (ints, then floats) sends that projection through pandas, with pandas' dtype."""
    frame = pd.DataFrame({"id": np.arange(25_000), "v": np.arange(25_000) % 97, "s": ["Ab", "cD", None, "x"] * 6_250})
    table = le.from_pandas(frame, "t", key="id")
    plan = (table.filter(lambda s: s.str.contains("b|D", case=False, regex=True), "s")
            .project("lower", "s", lambda s: s.str.lower())
            .project("half", "v", lambda v: v if v < 90 else v / 2, vectorized=False)
            .project("twice", "v", lambda v: v * 2))
    got = same_as_pandas(plan, "spark")
    assert got is not None
    assert got.frame["half"].dtype == np.float64 and got.frame["twice"].dtype == np.int64


def test_failing_and_non_row_wise_functions_raise_pandas_errors() -> None:
    table = le.from_pandas(pd.DataFrame({"id": [1, 2, 3], "v": [1.0, 2.0, 3.0]}), "t", key="id")
    with pytest.raises(UserFunctionError):
        table.project("w", "v", lambda v: 1 / (v - 2) if v != 2 else {}["no"], vectorized=False).execute(
            backend="spark")
    with pytest.raises(NotRowWiseError):
        table.project("w", "v", lambda v: v - v.mean()).execute(backend="spark")


def test_aggregates_keep_distinct_ids_and_sql_null_keys() -> None:
    got = same_as_pandas(mails_per_country(), "spark")
    assert got is not None and sorted(got.source_rows(0)["customers"]) == [7, 8]


def test_the_master_comes_from_the_argument_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lester_dagster.engine.spark_backend import MASTER_ENV, spark_master

    monkeypatch.delenv(MASTER_ENV, raising=False)
    assert spark_master() == "local[*]"
    monkeypatch.setenv(MASTER_ENV, "spark://10.0.0.5:7077")
    assert spark_master() == "spark://10.0.0.5:7077"
    assert spark_master("local[2]") == "local[2]"
