"""Query strings and column functions lowered to DuckDB SQL give the pandas executor's values (the oracle):
each case is checked to be lowered (not run in Python), and its filter or projection compared row for row,
on texts with nulls and letters outside ASCII, numbers with NaN, booleans and timestamps; what cannot be
lowered with pandas' semantics is left to Python, with the same result."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lester_dagster.engine as le
from lester_dagster.engine import nodes as n
from lester_dagster.engine.lower_expression import lower_expression
from tests.backend_oracle import assert_same_result

FRAME = pd.DataFrame({
    "k": [1, 2, 3, 4, 5, 6],
    "s": ["Complaint about my Bank Account", None, "İstanbul ẞ straße", "all fine", "", "BANK ACCOUNT"],
    "x": [1.5, np.nan, -2.0, 0.0, 3.25, -0.5],
    "i": [3, -1, 0, 7, 2, 5],
    "b": [True, False, True, False, False, True],
    "t": pd.to_datetime(["2021-12-31", "2022-01-01", None, "2024-02-29", "2023-06-15", "2022-07-04"]),
    "c": ["DE", "UK", None, "FR", "US", "DE"],
})

FILTERS: list[tuple[Any, tuple[str, ...], dict[str, Any]]] = [
    ("c in @countries", (), {"countries": ["DE", "UK", "FR"]}),
    ("c not in @countries", (), {"countries": ["DE"]}),
    ("c == 'DE'", (), {}),
    ("c != 'DE'", (), {}),
    ("x > 0 and i < 5", (), {}),
    ("x >= @low or not (i == 7)", (), {"low": 1.0}),
    ("-1 < i < 5", (), {}),
    ("c >= 'FR'", (), {}),
    ("t >= @day", (), {"day": pd.Timestamp("2022-01-01")}),
    ("b", (), {}),
    ("b == True", (), {}),
    (lambda s: s.str.lower().str.contains("complaint|bank account", regex=True), ("s",), {}),
    (lambda s: s.str.contains("Bank", regex=False), ("s",), {}),
    (lambda s: s.str.startswith("all"), ("s",), {}),
    (lambda s, c: s.notna() & c.isin(["DE", "FR"]), ("s", "c"), {}),
    (lambda x: ~(x.abs() > 1), ("x",), {}),
    (lambda i, x: (i * 2 + x) > 1.0, ("i", "x"), {}),
    (lambda t: t.dt.year >= 2022, ("t",), {}),
    (lambda s: s.isna(), ("s",), {}),
]

PROJECTIONS: list[tuple[Any, tuple[str, ...]]] = [
    (lambda s: s.str.lower(), ("s",)),
    (lambda s: s.str.upper(), ("s",)),
    (lambda s: s.str.len(), ("s",)),
    (lambda c: c == "DE", ("c",)),
    (lambda s: s.str.contains("bank"), ("s",)),
    (lambda i: i * 3 - 1, ("i",)),
    (lambda i, x: i + x, ("i", "x")),
    (lambda x: -x, ("x",)),
    (lambda x: x.abs(), ("x",)),
    (lambda c, s: c + ": " + s, ("c", "s")),
    (lambda b, i: (b & (i > 2)).astype("int64"), ("b", "i")),
    (lambda t: t.dt.month, ("t",)),
    (lambda t: t.dt.day, ("t",)),
    (lambda x: x > 0, ("x",)),
]

# Python the lowering does not write as SQL: left to the pandas evaluation, with the same results
NOT_LOWERED: list[tuple[Any, tuple[str, ...]]] = [
    (lambda x: np.where(x > 0, 1, 0), ("x",)),
    (lambda s: s.str.contains("a.c"), ("s",)),  # a regular expression beyond literal alternatives
    (lambda s: s.str.title(), ("s",)),
    (lambda c, s: c + 1, ("c", "s")),  # text plus a number: pandas raises, so must the engine
    (lambda x: x / 2, ("x",)),
    (lambda x: x.round(), ("x",)),
]


def table() -> le.Table:
    return le.from_pandas(FRAME, "t", key="k")


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items() if str(t) in ("object", "bool")}


def types(frame: pd.DataFrame) -> dict[str, str]:
    rel = duckdb.connect().from_arrow(pa.Table.from_pandas(frame, preserve_index=False))
    return {c: str(t) for c, t in zip(rel.columns, rel.types, strict=True)}


def same_on_both_backends(plan: le.Table) -> None:
    expected = plan.execute(backend="pandas")
    got = plan.execute(backend="duckdb")
    assert_same_result(got, expected)
    for column in expected.frame.columns:  # Arrow has one kind of text: object and str are both texts
        if str(expected.frame[column].dtype) not in ("object", "str"):
            assert got.frame[column].dtype == expected.frame[column].dtype, column


@pytest.mark.parametrize("case", range(len(FILTERS)))
def test_filters_lowered_to_sql_equal_pandas(case: int) -> None:
    predicate, inputs, params = FILTERS[case]
    plan = table().filter(predicate, inputs or None, **params)
    node = plan.node
    assert isinstance(node, n.Filter)
    assert lower_expression(node.predicate, types(FRAME), dtypes(FRAME)) is not None, "not lowered"
    same_on_both_backends(plan)


@pytest.mark.parametrize("case", range(len(PROJECTIONS)))
def test_projections_lowered_to_sql_equal_pandas(case: int) -> None:
    fn, inputs = PROJECTIONS[case]
    for target in ("out", inputs[0]):  # a new column, and one replaced in place
        plan = table().project(target, inputs, fn)
        node = plan.node
        assert isinstance(node, n.Project)
        assert lower_expression(node.compute, types(FRAME), dtypes(FRAME)) is not None, "not lowered"
        same_on_both_backends(plan)


@pytest.mark.parametrize("case", range(len(NOT_LOWERED)))
def test_what_is_not_lowered_runs_in_python_alike(case: int) -> None:
    fn, inputs = NOT_LOWERED[case]
    plan = table().project("out", inputs, fn)
    node = plan.node
    assert isinstance(node, n.Project)
    assert lower_expression(node.compute, types(FRAME), dtypes(FRAME)) is None
    try:
        expected = plan.execute(backend="pandas")
    except Exception as error:  # noqa: BLE001 - the same refusal on both backends
        with pytest.raises(type(error)):
            plan.execute(backend="duckdb")
        return
    assert_same_result(plan.execute(backend="duckdb"), expected)


def test_row_wise_python_functions_are_not_traced() -> None:
    plan = table().project("out", "s", lambda s: s.lower() if isinstance(s, str) else s, vectorized=False)
    node = plan.node
    assert isinstance(node, n.Project)
    assert lower_expression(node.compute, types(FRAME), dtypes(FRAME)) is None
    same_on_both_backends(plan)


TEXTS = st.lists(st.one_of(st.none(), st.text(max_size=12),
                           st.sampled_from(["İI", "ß", "ΣΑΣ", "Bank Account", "\u212a", "ſ", "BANK aCCount!"])),
                 min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(texts=TEXTS, pattern=st.sampled_from(["a", "bank account|complaint", "ß|i", "", "Σ", "k|s", "Bank", "!"]),
       dtype=st.sampled_from([object, "str"]))
def test_case_mapping_and_matching_on_any_text_equal_pandas(texts: list[str | None], pattern: str,
                                                            dtype: Any) -> None:
    """Outside ASCII, an object column maps case with Python's functions, a text column with Arrow's."""
    frame = pd.DataFrame({"k": range(len(texts)), "s": pd.Series(texts, dtype=dtype)})
    base = le.from_pandas(frame, "t", key="k")
    lowered = base.project("low", "s", lambda s: s.str.lower()).project("up", "s", lambda s: s.str.upper())
    if frame["s"].notna().any():  # pandas' .str needs one text to know the column holds texts
        same_on_both_backends(lowered.filter(lambda low: low.str.contains(pattern), "low"))
        same_on_both_backends(lowered.project("has", "up", lambda up: up.str.contains(pattern.upper())))
        # lowered and matched in one expression: an ASCII text is matched ignoring case, without its lower case
        same_on_both_backends(base.filter(lambda s: s.str.lower().str.contains(pattern), "s"))
        same_on_both_backends(base.project("has", "s", lambda s: s.str.lower().str.contains(pattern)))


# ---- int64 wraps around and NaN is null, as in pandas --------------------------------------------------------

BOUNDS = st.one_of(st.sampled_from([2**63 - 1, -2**63, 2**62, -2**62, 2**32, -1, 0, 1, 3]),
                   st.integers(-2**63, 2**63 - 1))


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.tuples(BOUNDS, BOUNDS), min_size=1, max_size=8))
def test_int64_arithmetic_wraps_around_as_in_pandas(values: list[tuple[int, int]]) -> None:
    """DuckDB's BIGINT + - * and negation raise on overflow; NumPy's int64 wraps (two's complement)."""
    frame = pd.DataFrame({"k": range(len(values)), "i": np.array([a for a, _ in values], dtype="int64"),
                          "j": np.array([b for _, b in values], dtype="int64")})
    base = le.from_pandas(frame, "t", key="k")
    functions = [lambda i, j: i + j, lambda i, j: i - j, lambda i, j: i * j, lambda i, j: -i + abs(j),
                 lambda i, j: (i * 3 - j) * j, lambda i, j: i * 2 + j * 0.5]
    for fn in functions:
        plan = base.project("out", ["i", "j"], fn)
        node = plan.node
        assert isinstance(node, n.Project)
        assert lower_expression(node.compute, types(frame), dtypes(frame)) is not None, "not lowered"
        same_on_both_backends(plan)
    same_on_both_backends(base.filter(lambda i, j: (i + j) > 0, ["i", "j"]))
    same_on_both_backends(base.project("g", "k", lambda k: k % 2).groupby("g").agg(total=("i", "sum")))


SPECIAL = st.sampled_from([np.inf, -np.inf, 0.0, 1.0, -2.5, np.nan, 1e308])


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.tuples(SPECIAL, SPECIAL), min_size=1, max_size=8))
def test_nan_computed_in_sql_compares_and_counts_as_in_pandas(values: list[tuple[float, float]]) -> None:
    """inf - inf and 0 * inf are NaN: pandas compares it False (True for !=) and counts it as null, where
    DuckDB's NaN equals itself and is above every number."""
    frame = pd.DataFrame({"k": range(len(values)), "x": [a for a, _ in values], "y": [b for _, b in values]})
    base = le.from_pandas(frame, "t", key="k")
    filters = [lambda x, y: (x - y) > 0, lambda x, y: (x * y) <= 1.0, lambda x, y: (x + y) == (x + y),
               lambda x, y: (x - y) != (x - y), lambda x, y: (x * 10 - y) >= x, lambda x, y: (x - y).isna(),
               lambda x, y: (x + y).isin([0.0, 1.0])]
    for fn in filters:
        plan = base.filter(fn, ["x", "y"])
        node = plan.node
        assert isinstance(node, n.Filter)
        assert lower_expression(node.predicate, types(frame), dtypes(frame)) is not None, "not lowered"
        same_on_both_backends(plan)
    made = base.project("d", ["x", "y"], lambda x, y: x - y).project("p", ["x", "y"], lambda x, y: x * y)
    same_on_both_backends(made)
    same_on_both_backends(made.dropna(subset=["d"]))
    same_on_both_backends(made.project("c", "d", lambda d: d < 1e300))
    same_on_both_backends(made.project("g", "k", lambda k: k % 2).groupby("g").agg(
        total=("p", "sum"), low=("d", "min"), n=("d", "count")))
