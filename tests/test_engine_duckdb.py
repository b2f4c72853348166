"""The DuckDB backend against the pandas executor (the oracle): random plans over every operator the engine
accepts (the generators of tests/test_ivm_random_plans.py), the example's plan, and the operators' own
cases must give the same rows in the same order, with the same provenance; a plan the pandas executor
refuses is refused by DuckDB with the same error."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lester_dagster.engine as le
from example_project import declarative_pipeline as dp
from lester_dagster.datasets.running_example import generate
from lester_dagster.engine.execute import default_backend
from lester_dagster.errors import LesterError, SchemaError
from tests.test_ivm_random_plans import FAMILIES, SOURCE_KEYS, build, examples, lakes, plans, rows

SETTINGS = examples(int(os.environ.get("LESTER_DUCKDB_EXAMPLES", "40")))


def assert_same_result(got: le.Result, expected: le.Result, context: str = "") -> None:
    assert list(got.frame.columns) == list(expected.frame.columns), context
    assert rows(got) == rows(expected), context  # values (as values), polynomials, and order
    assert got.lineage == expected.lineage and got.row_lineage == expected.row_lineage


@pytest.mark.parametrize("family", sorted(FAMILIES))
@SETTINGS
@given(frames=lakes(), data=st.data())
def test_random_plans_on_duckdb_equal_pandas(family: str, frames: dict[str, pd.DataFrame], data: st.DataObject) -> None:
    a, b = (le.from_pandas(frames[s], s, key=SOURCE_KEYS[s]) for s in ("a", "b"))
    steps = data.draw(plans(family), label="plan")
    try:
        plan = build(steps, a, b).table
    except LesterError:
        return  # a plan the engine refuses to build
    try:
        expected = plan.execute(backend="pandas")
    except LesterError as error:
        with pytest.raises(type(error)):
            plan.execute(backend="duckdb")
        return
    assert_same_result(plan.execute(backend="duckdb"), expected, f"{family}: {steps}")
    # on other data than the plan was built with: a source cut down, as incremental maintenance does
    kept = {name: data_.frame.iloc[: max(1, len(data_.frame) // 2)] for name, data_ in expected.sources.items()}
    try:
        expected = plan.execute(kept, backend="pandas")
    except LesterError as error:
        with pytest.raises(type(error)):
            plan.execute(kept, backend="duckdb")
        return
    assert_same_result(plan.execute(kept, backend="duckdb"), expected, f"{family} on part of the data: {steps}")


@pytest.mark.parametrize("build_plan", [dp.select_complaints, dp.prepare_and_label])
def test_the_example_on_duckdb_equals_pandas(build_plan) -> None:  # noqa: ANN001 - a plan builder
    customers, mails = generate(3_000, seed=0)
    plan = build_plan(le.from_pandas(customers, "customers", key="customer_id"),
                      le.from_pandas(mails, "mails", key="mail_id"))
    expected, got = plan.execute(backend="pandas"), plan.execute(backend="duckdb")
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    for source in expected.provenance:
        assert np.array_equal(got.provenance[source].row_hashes(0), expected.provenance[source].row_hashes(0))
    assert_same_result(got, expected)


def test_aggregates_keep_distinct_ids_and_sql_null_keys() -> None:
    mails = pd.DataFrame({"mail_id": [1, 2, 3, 4], "email": ["a", "a", None, "b"], "n": [1.0, 2.0, 3.0, None]})
    customers = pd.DataFrame({"customer_id": [7, 8], "email": ["a", "b"], "country": ["DE", "DE"]})
    plan = (le.from_pandas(mails, "mails", key="mail_id")
            .join(le.from_pandas(customers, "customers", key="customer_id"), on="email", how="left")
            .groupby("country").agg(total=("n", "sum"), rows=("n", "size")))
    got, expected = plan.execute(backend="duckdb"), plan.execute(backend="pandas")
    assert_same_result(got, expected)
    assert sorted(got.source_rows(0)["customers"]) == [7, 8]  # customer 7 is behind two mails, once


def test_the_backend_is_chosen_by_name_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    table = le.from_pandas(pd.DataFrame({"k": [1, 2]}), "t", key="k")
    with pytest.raises(SchemaError, match="no engine backend 'polars'"):
        table.execute(backend="polars")
    monkeypatch.setenv("LESTER_ENGINE_BACKEND", "duckdb")
    assert default_backend() == "duckdb"
    monkeypatch.setenv("LESTER_ENGINE_BACKEND", "sqlite")
    with pytest.raises(SchemaError, match="LESTER_ENGINE_BACKEND"):
        default_backend()
