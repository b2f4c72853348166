"""What the engine means where pandas is loose, so that every path (a full run, a re-derivation of some
rows, a re-run after a deletion) agrees: null join keys match nothing; lineage names what decides the
order of the rows and what a value depends on without being output; projections and filters must be
row-wise; every operator declares its class under deletions."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import lester_dagster.engine as le
from lester_dagster.engine.nodes import OpClass
from lester_dagster.errors import LesterError, NotRowWiseError
from lester_dagster.ivm.apply import erase_rows
from lester_dagster.provenance import SourceColumn
from tests.provenance_oracle import Row, assert_same, rows_of


@pytest.fixture(autouse=True, scope="module", params=["pandas", "duckdb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here on both backends: the pandas executor (the oracle) and DuckDB (the default)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESTER_ENGINE_BACKEND", request.param)
        yield request.param


LEFT = pd.DataFrame({"lid": [1, 2, 3, 4], "k": [1.0, None, 2.0, None], "j": ["a", "b", None, "b"]})
RIGHT = pd.DataFrame({"rid": [10, 11, 12], "k": [1.0, None, None], "j": ["a", "b", None], "w": [5, 6, 7]})
L, R = rows_of(LEFT, "l", "lid"), rows_of(RIGHT, "r", "rid")


def sql_join(on: list[str], how: str) -> list[Row]:
    """Nested loops with SQL's equality: a null equals nothing."""
    out: list[Row] = []
    for left, lp in L:
        matches = [
            (right, rp) for right, rp in R
            if all(pd.notna(left[c]) and pd.notna(right[c]) and left[c] == right[c] for c in on)
        ]
        for right, rp in matches:
            joined = {**left, **{f"{c}_r" if c in left and c not in on else c: v for c, v in right.items() if c not in on}}
            out.append((joined, lp | rp))
        if how == "left" and not matches:
            out.append(({**left, "rid": None, "w": None, **({"j_r": None} if "j" not in on else {}),
                         **({"k_r": None} if "k" not in on else {})}, lp))
    return out


@pytest.mark.parametrize("how", ["inner", "left"])
@pytest.mark.parametrize("on", [["k"], ["j"], ["k", "j"]])
def test_null_join_keys_never_match(how: str, on: list[str]) -> None:
    left, right = le.from_pandas(LEFT, "l", key="lid"), le.from_pandas(RIGHT, "r", key="rid")
    result = left.join(right, on=on, how=how, suffixes=("", "_r")).execute()
    assert_same(result, sql_join(on, how))


def test_a_left_row_with_a_null_key_comes_once_unmatched() -> None:
    left, right = le.from_pandas(LEFT, "l", key="lid"), le.from_pandas(RIGHT, "r", key="rid")
    result = left.join(right, on="k", how="left", suffixes=("", "_r")).execute()
    nulls = result.frame[result.frame.k.isna()]
    assert sorted(nulls.lid) == [2, 4] and nulls.rid.isna().all()
    assert all(result.source_rows(i) == {"l": [lid]} for i, lid in zip(nulls.index, nulls.lid, strict=True))


def test_order_lineage_names_sort_keys_and_group_keys() -> None:
    table = le.from_pandas(LEFT, "l", key="lid")
    by_k = table.sort_values("k")
    assert by_k.order_lineage == {SourceColumn("l", "k")} and by_k.node.declares_order
    assert not table.filter("lid > 1").node.declares_order and table.order_lineage == frozenset()
    # a stable sort keeps ties in the order they had: both keys decide
    assert by_k.sort_values("j").order_lineage == {SourceColumn("l", "k"), SourceColumn("l", "j")}
    # an aggregate's groups come sorted by their keys, whatever came before
    grouped = by_k.groupby("j").agg(n=("lid", "count"))
    assert grouped.order_lineage == {SourceColumn("l", "j")}
    assert by_k.execute().order_lineage == {SourceColumn("l", "k")}


def test_first_and_last_depend_on_what_decides_the_order() -> None:
    ordered = le.from_pandas(LEFT, "l", key="lid").sort_values("k")
    grouped = ordered.groupby("j").agg(
        top=("lid", "first"), low=("lid", "last"), fn=("lid", lambda s: s.iloc[0]), n=("lid", "sum")
    )
    lid, k = SourceColumn("l", "lid"), SourceColumn("l", "k")
    assert grouped.lineage["top"] == grouped.lineage["low"] == grouped.lineage["fn"] == {lid, k}
    assert grouped.lineage["n"] == {lid}  # a sum does not depend on the order


def test_pivoted_values_depend_on_the_pivot_column() -> None:
    long = pd.DataFrame({"id": [1, 2, 3], "who": ["x", "x", "y"], "month": ["jan", "feb", "jan"], "n": [1, 2, 3]})
    table = le.from_pandas(long, "t", key="id")
    wide = table.pivot(index="who", columns="month", values="n", aggfunc="sum", column_values=["jan", "feb"])
    assert wide.lineage["jan"] == {SourceColumn("t", "n"), SourceColumn("t", "month")}
    assert wide.order_lineage == {SourceColumn("t", "who")}
    found = table.pivot(index="who", columns="month", values="n", aggfunc="sum")  # the values a run finds
    assert "jan" not in found.lineage and found.execute().lineage["jan"] == wide.lineage["jan"]


NUMBERS = pd.DataFrame({"id": [1, 2, 3, 4], "v": [1.0, 2.0, 5.0, 9.0], "s": ["a", "bb", "c", "bb"]})


@pytest.mark.parametrize(
    "reads_other_rows",
    [lambda v: v - v.mean(), lambda v: v.rank(), lambda v: v.cumsum(), lambda v: v.shift(1),
     lambda v: (v - v.min()) / (v.max() - v.min()), lambda v: v.iloc[::-1].to_numpy()],
    ids=["demean", "rank", "cumsum", "shift", "min-max scaling", "reversed"],
)
def test_a_projection_that_reads_other_rows_is_refused(reads_other_rows) -> None:
    table = le.from_pandas(NUMBERS, "t", key="id").project("z", "v", reads_other_rows)
    with pytest.raises(NotRowWiseError, match=r"project 'z': function .* reads other rows.*groupby\(\.\.\.\)\.agg"):
        table.execute()


def test_a_filter_that_reads_other_rows_is_refused_where_it_is_written() -> None:
    table = le.from_pandas(NUMBERS, "t", key="id")
    with pytest.raises(NotRowWiseError, match=r"filter: expression 'v > v.mean\(\)' calls .mean"):
        table.filter("v > v.mean()")
    with pytest.raises(NotRowWiseError, match=r"assign 'z'.*calls .rank"):
        table.assign(z="v.rank()")
    with pytest.raises(NotRowWiseError, match="filter: function"):
        table.filter(lambda s: s.duplicated(), "s").execute()
    assert issubclass(NotRowWiseError, LesterError)


def test_row_wise_computations_are_accepted() -> None:
    table = le.from_pandas(NUMBERS, "t", key="id")
    assert table.filter("s.str.count('b') > 1").to_pandas().id.tolist() == [2, 4]  # an accessor works per row
    assert table.project("z", "v", lambda v: v * 2 + 1).to_pandas().z.tolist() == [3.0, 5.0, 11.0, 19.0]
    # a function called once per row cannot read other rows, so it is not checked
    counter = iter(range(100))
    assert len(table.project("z", "v", lambda v: next(counter), vectorized=False).to_pandas()) == 4


def test_exploded_nulls_are_one_null_whatever_the_other_rows() -> None:
    frame = pd.DataFrame({"id": [1, 2, 3], "tags": [["x"], None, []]}, dtype=object)
    table = le.from_pandas(frame, "t", key="id").explode("tags")
    whole = table.to_pandas().tags.tolist()
    alone = table.to_pandas({"t": frame.iloc[[1]]}).tags.tolist()
    assert whole[0] == "x" and all(isinstance(v, float) and np.isnan(v) for v in whole[1:] + alone)


def test_every_operator_declares_its_class() -> None:
    a = le.from_pandas(LEFT, "l", key="lid")
    b = le.from_pandas(RIGHT, "r", key="rid")
    totals = a.groupby("j").agg(n=("lid", "count"))
    assert a.filter("lid > 1").node.op_class is OpClass.MONOTONE
    assert a.join(b, on="k").node.op_class is OpClass.MONOTONE
    assert a.join(b, on="k", how="left").node.op_class is OpClass.OUTER
    assert a.sort_values("k").node.op_class is OpClass.ORDER
    assert totals.node.op_class is OpClass.AGGREGATE
    assert totals.filter("n > 1").node.op_class is OpClass.ABOVE_AGGREGATE
    assert totals.filter("j == 'b'").node.op_class is OpClass.MONOTONE  # a group key is no aggregate's value
    assert totals.join(b, left_on="n", right_on="w").node.op_class is OpClass.ABOVE_AGGREGATE
    assert totals.groupby("n").agg(m=("j", "count")).node.op_class is OpClass.ABOVE_AGGREGATE
    assert a.join(totals, on="j").node.op_class is OpClass.MONOTONE
    # an aggregate's value keeps its class through renames and projections
    renamed = totals.rename(columns={"n": "count"}).project("twice", "count", lambda c: c * 2)
    assert renamed.filter("twice > 2").node.op_class is OpClass.ABOVE_AGGREGATE


def test_a_rows_signature_does_not_depend_on_how_its_provenance_is_stored() -> None:
    """A left join stores its right side's ids in CSR form while some row is padded, densely once none is:
    the rows' signatures (and the train/test split drawn from them) must not change when the last padded
    row goes."""
    left, right = le.from_pandas(LEFT, "l", key="lid"), le.from_pandas(RIGHT, "r", key="rid")
    joined = left.join(right, on="j", how="left", suffixes=("", "_r"))
    with_padding = joined.execute()
    without = joined.execute({"l": LEFT[LEFT.lid.isin([1, 2, 4])]})  # lid 3 (null j) was the padded row
    assert with_padding.provenance["r"].indptr is not None and without.provenance["r"].indptr is None
    signature = dict(zip(with_padding.frame.lid, with_padding.provenance.signatures(), strict=True))
    assert all(signature[lid] == s for lid, s in zip(without.frame.lid, without.provenance.signatures(), strict=True))


def test_a_value_picked_from_text_stays_text_when_every_pick_is_null() -> None:
    """pandas makes an all-null pick float, so a text function downstream (`.str`) would fail only after a
    deletion blanked the column (found by bench_ivm_classes.py)."""
    rows = pd.DataFrame({"a_id": [1, 2, 3], "k": [0, 0, 1], "s": pd.Series([None, None, None], dtype="str")})
    table = le.from_pandas(rows, "a", key="a_id").groupby("k").agg(last_s=("s", lambda v: v.iloc[-1]))
    assert not pd.api.types.is_numeric_dtype(table.execute().frame.last_s.dtype)
    assert table.filter(lambda x: x.str.contains("b"), "last_s").execute().frame.empty


def test_a_join_with_an_emptied_side_does_not_fail_on_the_guessed_key_type() -> None:
    """An aggregate over no groups has object columns whatever they hold when it has groups; a join on
    one must not fail because a deletion emptied it (found by bench_ivm_classes.py --seed 1)."""
    a = pd.DataFrame({"a_id": [1], "v": [np.nan], "tags": pd.Series([[]], dtype=object)})
    b = pd.DataFrame({"k": [np.nan], "w": [3.0]})
    counts = le.from_pandas(a, "a", key="a_id").groupby("v").agg(size_tags=("tags", "size"))
    joined = counts.join(le.from_pandas(b, "b"), left_on="size_tags", right_on="k", how="left")
    assert joined.execute().frame.empty


def test_an_aggregate_over_no_rows_keeps_its_types() -> None:
    """Erasing every row must leave a count a number (it became text once, and `y + count` failed)."""
    rows = pd.DataFrame({"a_id": [1], "y": [0.0], "s": pd.Series(["ab"], dtype="str")})
    source = le.from_pandas(rows, "a", key="a_id")
    counted = source.groupby("y").agg(n=("s", "count"), top=("s", "max")).assign(z="y + n")
    data = counted.execute().sources["a"]
    result = counted.execute({"a": erase_rows(data, data.ids)})
    assert result.frame.empty and pd.api.types.is_integer_dtype(result.frame.n.dtype)


def test_grouping_by_a_column_of_lists_names_the_column_and_the_way_out() -> None:
    rows = pd.DataFrame({"a_id": [1, 2], "tags": pd.Series([["x"], ["x", "y"]], dtype=object), "v": [1.0, 2.0]})
    table = le.from_pandas(rows, "a", key="a_id").groupby("tags").agg(n=("v", "count"))
    with pytest.raises(LesterError, match=r"key column\(s\) \['tags'\] hold lists.*Explode"):
        table.execute()


@pytest.mark.parametrize("backend", ["pandas", "duckdb"])
@pytest.mark.parametrize(("expr", "params"), [
    ("email != 'zz@x'", {}),  # an '@' inside a literal is text, not a parameter
    ('email == "a@x" or email == @other', {"other": "b@y"}),
    ("`e mail`.str.contains('`@')", {}),  # nor is a backtick
    ("`e mail` == 'b@y' and n > @low", {"low": 0}),
])
def test_at_signs_and_backticks_inside_literals_are_text(backend: str, expr: str, params: dict) -> None:
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "email": ["a@x", "zz@x", "b@y", "`@z"], "n": [1, 2, 3, 4]})
    frame["e mail"] = frame["email"]
    got = le.from_pandas(frame, "mails", key="id").filter(expr, **params).execute(backend=backend).frame
    assert got["id"].tolist() == frame.query(expr, local_dict=dict(params))["id"].tolist()
