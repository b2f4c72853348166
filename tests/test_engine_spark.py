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
from lester_dagster.datasets.running_example import generate
from lester_dagster.errors import NotRowWiseError, UserFunctionError
from tests.backend_oracle import (
    assert_example_as_pandas,
    assert_same_result,
    mails_per_country,
    random_plan_as_pandas,
    same_as_pandas,
)
from tests.test_engine_lower_expression import FILTERS as LOWER_FILTERS
from tests.test_engine_lower_expression import FRAME as LOWER_BASE
from tests.test_engine_lower_expression import NOT_LOWERED as LOWER_NOT_LOWERED
from tests.test_engine_lower_expression import PROJECTIONS as LOWER_PROJECTIONS
from tests.test_engine_lower_expression import TEXTS as LOWER_TEXTS
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
        # declared values: on part of the data the pivot keeps its columns
        "pivot": mails.pivot(index="email", columns="month", values="words", aggfunc="sum",
                             column_values=["feb", "jan", "mar"]),
        "pivot-found-at-execution": mails.pivot(index="email", columns="month", values="words", aggfunc="max"),
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
    assert list(got.frame.columns) == (plan.columns if "found" not in name else list(got.lineage))


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


# ---- query strings and column functions lowered to Spark's own expressions ------------------------------------

# tests/test_engine_lower_expression.py's table without its timestamps (they do not reach Spark), with texts
# that Java, Arrow and Python map differently (final sigma, ß, İ, ligatures, letters beyond 16 bits)
LOWER_FRAME = LOWER_BASE.drop(columns="t").assign(
    s=["Complaint about my Bank Account", None, "İstanbul ẞ straße", "ΣΑΣ ὈΔΥΣΣΕΎΣ Σ.", "", "BANK ﬀ 𐐀CCOUNT"])
SPARK_FILTERS = [case for case in LOWER_FILTERS if "t" not in case[1] and not str(case[0]).startswith("t ")]
SPARK_PROJECTIONS = [case for case in LOWER_PROJECTIONS if "t" not in case[1]] + [
    (lambda x: x * 1e308 * 10 - x * 1e308 * 10, ("x",)),  # inf - inf: NaN, which pandas counts as null
    (lambda x: (x * 1e308 * 10 - x * 1e308 * 10).isna(), ("x",)),
    (lambda x: (x * 1e308 * 10 - x * 1e308 * 10) != 1.0, ("x",)),
    (lambda i: i * 4611686018427387904, ("i",)),  # int64 wraps around, as in NumPy
    (lambda s: s.str.endswith("t"), ("s",)),
    (lambda s: s.str.contains("", regex=False), ("s",)),
    (lambda s: s.str.lower().str.len(), ("s",)),
    (lambda s: s.notna() & ~s.isin(["", "x"]), ("s",)),
]


def spark_plans(plan: le.Table) -> list[str]:
    """`plan` run on Spark, checked against the pandas executor (values, order, provenance and dtypes but
    for texts), and the physical plans Spark ran for it."""
    from lester_dagster.engine import spark_backend

    plans: list[str] = []
    computed = spark_backend.Lowering.computed

    def recording(self: spark_backend.Lowering, r: spark_backend.Relation) -> object:
        plans.append(r.df._jdf.queryExecution().executedPlan().toString())
        return computed(self, r)

    expected = plan.execute(backend="pandas")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spark_backend.Lowering, "computed", recording)
        got = plan.execute(backend="spark")
    assert_same_result(got, expected)
    for column in expected.frame.columns:  # Arrow has one kind of text: object and str are both texts
        if str(expected.frame[column].dtype) not in ("object", "str"):
            assert got.frame[column].dtype == expected.frame[column].dtype, column
    return plans


def python_udfs(plans: list[str]) -> int:
    return sum(p.count("ArrowEvalPython") + p.count("BatchEvalPython") for p in plans)


@pytest.mark.parametrize("objects", [False, True], ids=["str", "object"])
@pytest.mark.parametrize("case", range(len(SPARK_FILTERS)))
def test_filters_lowered_to_spark_equal_pandas(case: int, objects: bool) -> None:
    predicate, inputs, params = SPARK_FILTERS[case]
    frame = LOWER_FRAME.astype({"s": object, "c": object}) if objects else LOWER_FRAME
    plan = le.from_pandas(frame, "t", key="k").filter(predicate, inputs or None, **params)
    assert python_udfs(spark_plans(plan)) == 0


@pytest.mark.parametrize("objects", [False, True], ids=["str", "object"])
@pytest.mark.parametrize("case", range(len(SPARK_PROJECTIONS)))
def test_projections_lowered_to_spark_equal_pandas(case: int, objects: bool) -> None:
    fn, inputs = SPARK_PROJECTIONS[case]
    frame = LOWER_FRAME.astype({"s": object, "c": object}) if objects else LOWER_FRAME
    for target in ("out", inputs[0]):  # a new column, and one replaced in place
        plan = le.from_pandas(frame, "t", key="k").project(target, inputs, fn)
        plans = spark_plans(plan)
        if not (objects and inputs == ("c", "s")):  # pandas' object `+` is not lowered
            assert python_udfs(plans) == 0


@pytest.mark.parametrize("case", range(len(LOWER_NOT_LOWERED)))
def test_what_is_not_lowered_to_spark_runs_in_python_alike(case: int) -> None:
    fn, inputs = LOWER_NOT_LOWERED[case]
    plan = le.from_pandas(LOWER_FRAME, "t", key="k").project("out", inputs, fn)
    same_as_pandas(plan, "spark")


def test_integer_arithmetic_under_ansi_mode_runs_in_python(spark: object) -> None:
    """ANSI mode raises on an int64 overflow where NumPy wraps around: such arithmetic is not lowered."""
    plan = le.from_pandas(LOWER_FRAME, "t", key="k").project("out", "i", lambda i: i * 4611686018427387904)
    spark.conf.set("spark.sql.ansi.enabled", "true")  # type: ignore[attr-defined]
    try:
        assert python_udfs(spark_plans(plan)) == 1
    finally:
        spark.conf.set("spark.sql.ansi.enabled", "false")  # type: ignore[attr-defined]


def test_the_example_runs_on_spark_without_python() -> None:
    """`select_complaints` (query strings, `str.lower().str.contains`, `==`, `str.lower()`) runs in Spark's
    own expressions: no Python UDF in the plan, and no job on a projection's first rows to type it."""
    from lester_dagster.engine import spark_backend

    customers, mails = generate(2_000, seed=0)
    plan = dp.select_complaints(le.from_pandas(customers, "customers", key="customer_id"),
                                le.from_pandas(mails, "mails", key="mail_id"))

    def no_first_rows_job(self: object, df: object) -> object:
        raise AssertionError("a projection read its first rows")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spark_backend.Lowering, "cache", no_first_rows_job)
        plans = spark_plans(plan)
    assert len(plans) == 1 and python_udfs(plans) == 0


TEXT_DTYPES = st.sampled_from([object, "str"])


@examples(int(os.environ.get("LESTER_SPARK_EXAMPLES", "3")) * 5)
@given(texts=LOWER_TEXTS, pattern=st.sampled_from(["a", "bank account|complaint", "ß|i", "", "Σ"]), dtype=TEXT_DTYPES)
def test_case_mapping_and_matching_on_any_text_on_spark_equal_pandas(texts: list[str | None], pattern: str,
                                                                     dtype: object) -> None:
    """Outside ASCII, pandas maps case with Python's functions in an object column (several letters for
    one, final sigma) and Arrow's in a text column; Spark's `lower` and `upper` are Java's."""
    frame = pd.DataFrame({"k": range(len(texts)), "s": pd.Series(texts, dtype=dtype)})
    if frame["s"].notna().any():  # pandas' .str needs one text to know the column holds texts
        plan = (le.from_pandas(frame, "t", key="k").project("low", "s", lambda s: s.str.lower())
                .project("up", "s", lambda s: s.str.upper())
                .filter(lambda low: low.str.contains(pattern), "low"))
        # a pattern of letters outside ASCII is left to Python's `re` (only ASCII literals are lowered)
        assert python_udfs(spark_plans(plan)) == (0 if pattern.isascii() else 1)


def expressions() -> st.SearchStrategy[str]:
    """Query strings over LOWER_FRAME's numbers, texts and booleans: comparisons of sums and products
    (NaN, nulls, int64 overflow), memberships and null tests, combined with and / or / not."""
    columns = st.sampled_from(["i", "x", "-i", "i * 3", "x - i", "x * i * 1e308", "i * 4611686018427387904",
                               "x + 0.5"])
    numbers = st.one_of(columns, st.sampled_from(["0", "2.5", "-1"]))
    comparison = st.builds(lambda a, op, b: f"({a} {op} {b})", columns, st.sampled_from(["<", "<=", "==", "!=", ">"]),
                           numbers)
    text = st.sampled_from(["(c == 'DE')", "(c != 'UK')", "(c in @cs)", "(c not in @cs)", "(s > 'B')", "b",
                            "(b != True)", "(c >= s)"])
    atom = st.one_of(comparison, text)
    return st.recursive(atom, lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a} and {b})", inner, inner), st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        st.builds(lambda a: f"(not {a})", inner)), max_leaves=4)


@examples(int(os.environ.get("LESTER_SPARK_EXAMPLES", "3")) * 5)
@given(query=expressions(), objects=st.booleans())
def test_generated_query_strings_on_spark_equal_pandas(query: str, objects: bool) -> None:
    frame = LOWER_FRAME.astype({"s": object, "c": object}) if objects else LOWER_FRAME
    table = le.from_pandas(frame, "t", key="k")
    params = {"cs": ["DE", "FR"]} if "@cs" in query else {}
    assert python_udfs(spark_plans(table.filter(query, **params))) == 0
