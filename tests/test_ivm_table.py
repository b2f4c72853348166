"""Incremental maintenance of engine tables against a full re-run, with hypothesis: random plans (filters,
projections, inner and left joins, unions, aggregates) over random tables, random erase and redact
requests. The maintained table must equal re-running the plan on the changed sources, row for row
with the same provenance."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lester_dagster.engine as le
from lester_dagster.engine import SourceData
from lester_dagster.ivm import TableUpdate, maintain
from lester_dagster.ivm.apply import erase_rows, redact_cells
from tests.provenance_oracle import canonical, engine_rows


@pytest.fixture(autouse=True, scope="module", params=["pandas", "duckdb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here on both backends: the pandas executor (the oracle) and DuckDB (the default)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESTER_ENGINE_BACKEND", request.param)
        yield request.param


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_a, n_b = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    ints = lambda lo, hi, n: draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))  # noqa: E731
    a = pd.DataFrame(
        {
            "a_id": np.arange(1, n_a + 1) * 10,
            "k": ints(0, 3, n_a),
            "v": ints(-4, 4, n_a),
            "s": draw(st.lists(st.sampled_from(["ab", "b", "Abc", "c"]), min_size=n_a, max_size=n_a)),
        }
    ).astype({"v": "float64", "s": "str"})
    b = pd.DataFrame({"b_id": np.arange(1, n_b + 1), "k": ints(0, 3, n_b), "w": ints(-4, 4, n_b)}).astype(
        {"w": "float64"}
    )
    return a, b


Plan = Callable[[le.Table, le.Table], le.Table]
PLANS: dict[str, Plan] = {
    "filter on a value column": lambda a, b: a.filter("v > @t", t=-1).project("s2", "s", lambda s: s.str.lower()),
    "filter on a string": lambda a, b: a.filter(lambda s: s.str.contains("b"), "s"),
    "inner join": lambda a, b: a.project("v2", "v", lambda v: v * 2).join(b, on="k"),
    "left join": lambda a, b: a.join(b.filter("w != 0"), on="k", how="left"),
    "union": lambda a, b: a.select("k", "v").union(b.rename(columns={"w": "v"}).select("k", "v")),
    "aggregate": lambda a, b: a.groupby("k").agg(total=("v", "sum"), n=("s", "count"), top=("s", "max")),
    "aggregate of a join": lambda a, b: a.join(b, on="k").groupby("s").agg(total=("w", "sum"), n=("v", "count")),
    "join with its own aggregate": lambda a, b: a.join(a.groupby("k").agg(total=("v", "sum")), on="k"),
    "pivot of declared values": lambda a, b: a.pivot(
        index="k", columns="s", values="v", aggfunc="sum", column_values=["Abc", "ab", "b", "c"]
    ),
    # its columns are the values each run finds: an erase can remove one, IVM re-runs
    "pivot of the values found": lambda a, b: (
        a.pivot(index="k", columns="s", values="v", aggfunc="max").filter("k > 0").join(b, on="k")
    ),
}
REDACTABLE = {"a": ["k", "v", "s"], "b": ["k", "w"]}


def bind(frame: pd.DataFrame, name: str, key: str) -> SourceData:
    table = le.from_pandas(frame, name, key=key).execute()
    return table.sources[name]


def change(data: SourceData, ids: list[int], columns: list[str]) -> tuple[SourceData, np.ndarray]:
    rows = np.isin(data.ids, ids)
    new = redact_cells(data, data.ids[rows], tuple(columns)) if columns else erase_rows(data, data.ids[rows])
    return new, data.ids[rows]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), plan=st.sampled_from(sorted(PLANS)), pick=st.data())
def test_maintained_table_equals_full_rerun(data, plan, pick) -> None:
    a, b = data
    table = PLANS[plan](le.from_pandas(a, "a", key="a_id"), le.from_pandas(b, "b", key="b_id"))
    old = table.execute()
    source = pick.draw(st.sampled_from([s for s in ("a", "b") if s in table.source_names]))
    frame, key = (a, "a_id") if source == "a" else (b, "b_id")
    ids = pick.draw(st.lists(st.sampled_from(frame[key].tolist()), min_size=1, unique=True))
    columns = pick.draw(st.sampled_from([[], *([c] for c in REDACTABLE[source])]))
    new_source, changed = change(old.sources[source], ids, columns)
    new_sources = {**old.sources, source: new_source}

    update = maintain(table.node, old, new_sources, source, changed, erased=not columns, columns=tuple(columns))
    expected = table.execute(new_sources)
    assert canonical(engine_rows(update.result)) == canonical(engine_rows(expected)), update.mode
    # rows that continue an old row really are that row (same polynomial) or its shrunk group
    for j in np.flatnonzero(update.origin >= 0):
        new_ids = {(s, x) for s, v in update.result.provenance.row(int(j)).items() for x in v.tolist()}
        old_ids = {(s, x) for s, v in old.provenance.row(int(update.origin[j])).items() for x in v.tolist()}
        assert new_ids <= old_ids
    # an unchanged row's values are the old row's (a pivot of the values found can change the columns)
    same = (update.origin >= 0) & ~update.changed
    if same.any():
        pd.testing.assert_frame_equal(
            update.result.frame[same].reset_index(drop=True),
            old.frame.iloc[update.origin[same]].reset_index(drop=True),
            check_dtype=False,
        )


def test_modes_follow_what_the_change_can_reach() -> None:
    a = pd.DataFrame({"a_id": [1, 2, 3], "k": [0, 1, 1], "v": [1.0, 2.0, 3.0], "s": ["x", "y", "z"]})
    b = pd.DataFrame({"b_id": [1, 2], "k": [0, 1], "w": [5.0, 6.0]})
    ta, tb = le.from_pandas(a, "a", key="a_id"), le.from_pandas(b, "b", key="b_id")

    def mode(table: le.Table, columns: list[str]) -> str:
        old = table.execute()
        new, changed = change(old.sources["a"], [2], columns)
        return maintain(table.node, old, {**old.sources, "a": new}, "a", changed, not columns, tuple(columns)).mode

    joined = ta.project("v2", "v", lambda v: v * 2).join(tb, on="k")
    assert mode(joined, []) == "delete-rows"
    assert mode(joined, ["s"]) == "rederive"  # s feeds no filter or key
    assert mode(joined, ["k"]) == "rederive-wide"  # the join key decides which rows exist
    assert mode(ta.groupby("k").agg(t=("v", "sum")), []) == "rederive"
    assert mode(ta.groupby("k").agg(t=("v", "sum")), ["k"]) == "full"
    # a left join adds rows only when its right side loses rows or keys: values on the left are re-derived
    assert mode(ta.join(tb, on="k", how="left"), ["v"]) == "rederive"
    assert mode(tb.join(ta, on="k", how="left"), ["v"]) == "rederive"
    assert mode(tb.join(ta, on="k", how="left"), ["k"]) == "full"
    assert mode(ta.join(tb, on="k", how="left"), []) == "delete-rows"


def test_a_redaction_of_columns_the_plan_never_reads_changes_nothing() -> None:
    a = pd.DataFrame({"a_id": [1, 2, 3], "k": [0, 1, 1], "v": [1.0, 2.0, 3.0], "s": ["x", "y", "z"]})
    table = le.from_pandas(a, "a", key="a_id").groupby("k").agg(total=("v", "sum"))
    old = table.execute()
    new, changed = change(old.sources["a"], [2], ["s"])  # s feeds no output column and decides no row
    update = maintain(table.node, old, {"a": new}, "a", changed, erased=False, columns=("s",))
    assert update.mode == "unchanged" and not update.changed.any()


def update_for(table: le.Table, source: str, ids: list, columns: list[str]) -> tuple[TableUpdate, le.Result]:
    """IVM's update and the re-run it must equal."""
    old = table.execute()
    new, changed = change(old.sources[source], ids, columns)
    sources = {**old.sources, source: new}
    update = maintain(table.node, old, sources, source, changed, not columns, tuple(columns))
    return update, table.execute(sources)


def in_order(result: le.Result) -> list:
    return canonical_in_order(engine_rows(result))


def canonical_in_order(rows: list) -> list:
    return [canonical([row])[0] for row in rows]


A = pd.DataFrame({"a_id": [1, 2, 3, 4], "k": [0, 0, 1, 1], "v": [3.0, 1.0, 2.0, 4.0], "s": ["w", "x", "y", "z"]})
B = pd.DataFrame({"b_id": [1, 2, 3], "k": [0, 1, 1], "w": [5.0, 6.0, 7.0]})


def test_redacting_a_sort_key_puts_rows_where_a_rerun_does() -> None:
    table = le.from_pandas(A, "a", key="a_id").sort_values("v")
    update, rerun = update_for(table, "a", [2], ["v"])  # a null sorts last
    assert in_order(update.result) == in_order(rerun)
    assert update.mode == "full" and "decide the order of the rows" in update.reason
    assert "order-dependent" in update.classes
    # an erase keeps the order: rows only go
    update, rerun = update_for(table, "a", [2], [])
    assert update.mode == "delete-rows" and in_order(update.result) == in_order(rerun)


def test_first_of_a_group_follows_a_redacted_sort_key() -> None:
    table = le.from_pandas(A, "a", key="a_id").sort_values("v").groupby("k").agg(top=("s", "first"))
    update, rerun = update_for(table, "a", [2], ["v"])  # x was first of group 0; w is now
    assert canonical(engine_rows(update.result)) == canonical(engine_rows(rerun))
    assert update.mode == "rederive" and update.columns == ("top",)
    assert update.result.frame.top.tolist() == ["w", "y"]


def test_a_group_that_passes_a_filter_after_an_erase_appears() -> None:
    """n < 2 keeps no group; erasing one of group 0's two rows makes it pass, though no row showed it."""
    table = le.from_pandas(A, "a", key="a_id").groupby("k").agg(n=("a_id", "count")).filter("n < 2")
    update, rerun = update_for(table, "a", [1], [])
    assert len(rerun.frame) == 1 and canonical(engine_rows(update.result)) == canonical(engine_rows(rerun))
    assert update.mode == "full" and "filter on ['n'] decides rows by an aggregate's value" in update.reason
    assert "non-monotone above an aggregate" in update.classes


def test_groups_sorted_by_an_aggregate_take_their_new_place_after_an_erase() -> None:
    """Sorted by count, descending: erasing one of group 0's rows drops its count below group 1's, so it
    moves, though its group key and the rows around it did not change (found by bench_ivm_classes.py)."""
    rows = pd.DataFrame({"a_id": [1, 2, 3, 4, 5], "k": [0, 0, 0, 1, 1], "s": ["v", "w", "x", "y", "z"]})
    table = le.from_pandas(rows, "a", key="a_id").groupby("k").agg(n=("s", "count")).sort_values("n", ascending=False)
    assert table.execute().frame.k.tolist() == [0, 1]
    update, rerun = update_for(table, "a", [1, 2], [])
    assert rerun.frame.k.tolist() == [1, 0] and rerun.frame.n.tolist() == [2, 1]
    assert in_order(update.result) == in_order(rerun)
    assert update.mode == "full" and "non-monotone above an aggregate" in update.classes


def test_rows_that_share_a_polynomial_keep_their_own_values() -> None:
    """A melt gives each source row one row per value column, all with its polynomial. When a redaction
    reorders them, a re-derived row must continue the old row it agrees with, not the one first in line:
    else the survivor's value lands in the other's place (variable 'k' with the value of 'v')."""
    table = le.from_pandas(A, "a", key="a_id").melt(id_vars="a_id", value_vars=["k", "v"]).sort_values("value")
    update, rerun = update_for(table, "a", [1, 2], ["k"])
    assert in_order(update.result) == in_order(rerun)


def test_a_self_join_on_a_redacted_key_is_rerun() -> None:
    a = le.from_pandas(A, "a", key="a_id")
    table = a.join(a.select("k", "s").rename(columns={"s": "s2"}), on="k")
    update, rerun = update_for(table, "a", [1], ["k"])
    assert canonical(engine_rows(update.result)) == canonical(engine_rows(rerun))
    assert update.mode == "full" and "joined with itself" in update.reason


def test_erasing_rows_on_the_right_of_a_left_join_brings_back_the_padded_left_row() -> None:
    table = le.from_pandas(B, "b", key="b_id").join(le.from_pandas(A, "a", key="a_id"), on="k", how="left")
    update, rerun = update_for(table, "a", [1, 2], [])
    assert canonical(engine_rows(update.result)) == canonical(engine_rows(rerun))
    assert update.mode == "full" and "reappear padded with nulls" in update.reason
    assert update.classes == ("monotone", "outer join")


def test_a_null_join_key_from_a_redaction_matches_nothing() -> None:
    a, b = le.from_pandas(A, "a", key="a_id"), le.from_pandas(B, "b", key="b_id")
    table = a.join(b, on="k")
    old = table.execute()
    for source, frame_ids in (("a", [1]), ("b", [1])):  # blank a key on each side in turn
        new, changed = change(old.sources[source], frame_ids, ["k"])
        sources = {**old.sources, source: new}
        update = maintain(table.node, old, sources, source, changed, False, ("k",))
        assert canonical(engine_rows(update.result)) == canonical(engine_rows(table.execute(sources)))
        old = update.result
    assert not old.frame.k.isna().any()


def test_a_pivot_of_the_values_found_is_maintained_by_a_rerun() -> None:
    a = pd.DataFrame({"a_id": [1, 2, 3], "k": [0, 1, 1], "v": [1.0, 2.0, 3.0], "s": ["x", "y", "x"]})
    wide = le.from_pandas(a, "a", key="a_id").pivot(index="k", columns="s", values="v", aggfunc="sum")
    old = wide.execute()
    assert old.frame.columns.tolist() == ["k", "x", "y"]
    new, changed = change(old.sources["a"], [2], [])  # the only "y"
    update = maintain(wide.node, old, {**old.sources, "a": new}, "a", changed, erased=True)
    assert update.mode == "full" and "column_values" in update.reason
    assert update.result.frame.columns.tolist() == ["k", "x"] and update.changed.all()
    assert canonical(engine_rows(update.result)) == canonical(engine_rows(wide.execute({"a": new})))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_take_rows_equals_iloc_on_columns_held_in_several_arrow_chunks(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """IVM takes a few rows of a large table chunk by chunk (ivm.table.take_rows): the same rows, values,
    nulls and dtypes as pandas' iloc, in the order asked, duplicates included."""
    from lester_dagster.ivm.table import take_rows

    n = data.draw(st.integers(1, 60))
    text = data.draw(st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "s": pd.Series(text, dtype="str"),
            "i": np.arange(n, dtype=np.int64) * 3,
            "f": np.linspace(0, 1, n),
            "b": np.arange(n) % 2 == 0,
            "n": pd.array([None if i % 5 == 0 else i for i in range(n)], dtype="Int64"),
            "a": pd.array([None if i % 4 == 0 else float(i) for i in range(n)], dtype="float64[pyarrow]"),
        }
    )
    path = tmp_path_factory.mktemp("take") / "t.parquet"
    group = data.draw(st.integers(1, 20))
    frame.to_parquet(path, row_group_size=group)  # several row groups: chunked columns
    stored = pd.read_parquet(path)
    # Arrow-backed columns come back in one chunk per row group (strings too, where pandas reads them as
    # Arrow: from pandas 3 on; pandas 2 reads them as objects, which take_rows takes as iloc does)
    arrow = [c for c in stored.columns if isinstance(getattr(stored[c].array, "_pa_array", None), pa.ChunkedArray)]
    assert "a" in arrow
    assert all(stored[c].array._pa_array.num_chunks == -(-n // group) for c in arrow)
    positions = np.asarray(data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n)), dtype=np.int64)
    pd.testing.assert_frame_equal(take_rows(stored, positions), stored.iloc[positions].reset_index(drop=True))
