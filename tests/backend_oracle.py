"""The pandas executor as the oracle of the other engine backends (DuckDB, Spark): a plan must give the same
rows in the same order with the same provenance and lineage on them, and a plan the pandas executor refuses
must be refused with the same error."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pytest
from hypothesis import strategies as st

import lester_dagster.engine as le
from lester_dagster.datasets.running_example import generate
from lester_dagster.errors import LesterError
from tests.test_ivm_random_plans import SOURCE_KEYS, build, plans, rows


def assert_same_result(got: le.Result, expected: le.Result, context: str = "") -> None:
    assert list(got.frame.columns) == list(expected.frame.columns), context
    assert rows(got) == rows(expected), context  # values (as values), polynomials, and order
    assert got.lineage == expected.lineage and got.row_lineage == expected.row_lineage


def same_as_pandas(plan: le.Table, backend: str, sources: Mapping[str, pd.DataFrame] | None = None,
                   context: str = "") -> le.Result | None:
    """`plan` on `backend`, checked against the pandas executor's result; None where both refuse it (with
    the same error)."""
    sources = dict(sources) if sources is not None else None
    try:
        expected = plan.execute(sources, backend="pandas")
    except LesterError as error:
        with pytest.raises(type(error)):
            plan.execute(sources, backend=backend)
        return None
    got = plan.execute(sources, backend=backend)
    assert_same_result(got, expected, context)
    return got


def assert_example_as_pandas(build_plan: Callable[[le.Table, le.Table], le.Table], backend: str) -> None:
    """The example's plan over 3,000 generated mails: the same frame, dtypes included, and provenance."""
    customers, mails = generate(3_000, seed=0)
    plan = build_plan(le.from_pandas(customers, "customers", key="customer_id"),
                      le.from_pandas(mails, "mails", key="mail_id"))
    expected, got = plan.execute(backend="pandas"), plan.execute(backend=backend)
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    for source in expected.provenance:
        assert np.array_equal(got.provenance[source].row_hashes(0), expected.provenance[source].row_hashes(0))
    assert_same_result(got, expected)


def mails_per_country() -> le.Table:
    """An aggregate over a left join whose key has a null: SQL's null keys match nothing (as the pandas
    executor's do), and customer 7, behind two mails, is one id of its group, not two."""
    mails = pd.DataFrame({"mail_id": [1, 2, 3, 4], "email": ["a", "a", None, "b"], "n": [1.0, 2.0, 3.0, None]})
    customers = pd.DataFrame({"customer_id": [7, 8], "email": ["a", "b"], "country": ["DE", "DE"]})
    return (le.from_pandas(mails, "mails", key="mail_id")
            .join(le.from_pandas(customers, "customers", key="customer_id"), on="email", how="left")
            .groupby("country").agg(total=("n", "sum"), rows=("n", "size")))


def random_plan_as_pandas(family: str, frames: dict[str, pd.DataFrame], data: st.DataObject, backend: str) -> None:
    """A random plan of `family` (tests/test_ivm_random_plans.py) over `frames` on `backend` against the
    pandas executor: on the data it was built with, then on a source cut down, as incremental maintenance
    runs it."""
    a, b = (le.from_pandas(frames[s], s, key=SOURCE_KEYS[s]) for s in ("a", "b"))
    steps = data.draw(plans(family), label="plan")
    try:
        plan = build(steps, a, b).table
    except LesterError:
        return  # a plan the engine refuses to build
    full = same_as_pandas(plan, backend, context=f"{family}: {steps}")
    if full is None:
        return  # refused alike
    kept = {name: data_.frame.iloc[: max(1, len(data_.frame) // 2)] for name, data_ in full.sources.items()}
    same_as_pandas(plan, backend, kept, f"{family} on part of the data: {steps}")
