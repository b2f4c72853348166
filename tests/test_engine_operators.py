"""Each operator's output and row provenance against a brute-force reference: nested loops over Python
dicts that carry, per row, the explicit set of (source, key) pairs it was made from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import lester_dagster.engine as le
from tests.provenance_oracle import Row, assert_same, rows_of


@pytest.fixture(autouse=True, scope="module", params=["pandas", "duckdb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here on both backends: the pandas executor (the oracle) and DuckDB (the default)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESTER_ENGINE_BACKEND", request.param)
        yield request.param


CUSTOMERS = pd.DataFrame(
    {
        "cid": [1, 2, 3, 4, 5],
        "email": ["a@x", "b@x", "c@x", "d@x", "e@x"],
        "country": ["DE", "UK", "US", "DE", None],
        "tags": [["x", "y"], [], ["z"], ["x"], ["y", "y"]],
        "score": [1.0, None, 3.0, 4.0, 5.0],
    }
)
MAILS = pd.DataFrame(
    {
        "mid": [10, 11, 12, 13, 14, 15, 16],
        "email": ["a@x", "a@x", "b@x", "zz@x", "d@x", "d@x", "c@x"],
        "month": ["jan", "feb", "jan", "jan", "feb", "feb", "mar"],
        "words": [3, 5, 8, 1, 2, 7, 4],
    }
)



@pytest.fixture
def customers() -> le.Table:
    return le.from_pandas(CUSTOMERS, "customers", key="cid")


@pytest.fixture
def mails() -> le.Table:
    return le.from_pandas(MAILS, "mails", key="mid")


C, M = rows_of(CUSTOMERS, "customers", "cid"), rows_of(MAILS, "mails", "mid")


def test_source(customers: le.Table) -> None:
    assert_same(customers.execute(), C)


def test_filter_query_and_udf(mails: le.Table) -> None:
    by_query = mails.filter("words > @n and month != 'mar'", n=2)
    assert_same(by_query.execute(), [r for r in M if r[0]["words"] > 2 and r[0]["month"] != "mar"])
    by_udf = mails.filter(lambda w: w % 2 == 0, "words", vectorized=False)
    assert_same(by_udf.execute(), [r for r in M if r[0]["words"] % 2 == 0])


def test_project_vectorized_and_row_wise(mails: le.Table) -> None:
    expected = [({**r, "w2": r["words"] * 2}, p) for r, p in M]
    assert_same(mails.project("w2", "words", lambda w: w * 2).execute(), expected)
    assert_same(mails.project("w2", "words", lambda w: w * 2, vectorized=False).execute(), expected)
    # str.upper fails on a Series, so the auto mode falls back to one call per row
    upper = mails.project("month", "month", str.upper).execute()
    assert upper.frame["month"].tolist() == [m.upper() for m in MAILS["month"]]
    both = mails.assign(label=le.udf(lambda e, m: f"{e}/{m}", ["email", "month"]), w3="words * 3").execute()
    assert both.frame["label"].tolist() == [f"{e}/{m}" for e, m in zip(MAILS.email, MAILS.month, strict=True)]
    assert both.frame["w3"].tolist() == [w * 3 for w in MAILS.words]


@pytest.mark.parametrize("how", ["inner", "left"])
def test_join_is_a_product(customers: le.Table, mails: le.Table, how: str) -> None:
    expected: list[Row] = []
    for m, mp in M:
        matches = [(c, cp) for c, cp in C if c["email"] == m["email"]]
        for c, cp in matches:
            expected.append(({**m, **{k: v for k, v in c.items() if k != "email"}}, mp | cp))
        if how == "left" and not matches:
            expected.append(({**m, **{k: None for k in CUSTOMERS.columns if k != "email"}}, mp))
    result = mails.join(customers, on="email", how=how).execute()
    assert_same(result, expected)
    assert result.frame.columns.tolist() == ["mid", "email", "month", "words", "cid", "country", "tags", "score"]


def test_join_name_clash_and_self_join(mails: le.Table) -> None:
    again = mails.select("mid", "month", "words")
    result = mails.join(again, left_on="month", right_on="month", suffixes=("", "_other")).execute()
    expected = [
        ({**a, "mid_other": b["mid"], "words_other": b["words"]}, ap | bp)
        for a, ap in M
        for b, bp in M
        if a["month"] == b["month"]
    ]
    assert_same(result, expected)
    # a self-join's row carries both ids of the one source
    assert result.provenance["mails"].lengths().max() == 2


def test_two_reads_of_one_file_under_two_names(tmp_path: Any) -> None:
    path = tmp_path / "mails.csv"
    MAILS.to_csv(path, index=False)
    a = le.read_csv(path, name="mails_a", key="mid")
    b = le.read_csv(path, name="mails_b", key="mid").rename(columns={"mid": "mid_b"})
    result = a.join(b, on=["email", "month"], suffixes=("", "_b")).execute()
    assert sorted(result.provenance) == ["mails_a", "mails_b"]
    for i in range(len(result.frame)):
        rows = result.source_rows(i)
        assert rows["mails_a"] == [result.frame.mid[i]] and rows["mails_b"] == [result.frame.mid_b[i]]


def test_union_keeps_each_rows_monomial(customers: le.Table, mails: le.Table) -> None:
    emails_c = customers.select("email")
    emails_m = mails.select("email")
    result = emails_c.union(emails_m).execute()
    expected = [({"email": r["email"]}, p) for r, p in C + M]
    assert_same(result, expected)


def test_groupby_sums_members(mails: le.Table) -> None:
    result = mails.groupby("month").agg(total=("words", "sum"), n=("mid", "count")).execute()
    groups: dict[str, list[Row]] = defaultdict(list)
    for r, p in M:
        groups[r["month"]].append((r, p))
    expected = [
        ({"month": k, "total": sum(r["words"] for r, _ in g), "n": len(g)}, frozenset().union(*(p for _, p in g)))
        for k, g in groups.items()
    ]
    assert_same(result, expected)
    assert result.frame["month"].tolist() == sorted(groups)


def test_groupby_drops_null_keys(customers: le.Table) -> None:
    result = customers.groupby("country").agg(best=("score", "max")).execute()
    assert result.frame["country"].tolist() == ["DE", "UK", "US"]
    assert result.source_rows(0) == {"customers": [1, 4]}


def test_explode(customers: le.Table) -> None:
    expected = []
    for r, p in C:
        for tag in r["tags"] or [None]:
            expected.append(({**r, "tags": tag}, p))
    assert_same(customers.explode("tags").execute(), expected)


def test_dropna_fillna_sort_rename(customers: le.Table) -> None:
    assert_same(
        customers.dropna(["country", "score"]).execute(),
        [r for r in C if pd.notna(r[0]["country"]) and pd.notna(r[0]["score"])],
    )
    filled = customers.fillna({"score": 0.0, "country": "??"}).execute()
    assert filled.frame["score"].tolist() == [1.0, 0.0, 3.0, 4.0, 5.0]
    assert filled.frame["country"].tolist() == ["DE", "UK", "US", "DE", "??"]
    ordered = customers.sort_values("score", ascending=False).execute()
    assert [ordered.source_rows(i)["customers"][0] for i in range(5)] == [5, 4, 3, 1, 2]
    renamed = customers.rename(columns={"country": "cc"})
    assert renamed.columns == ["cid", "email", "cc", "tags", "score"]
    assert_same(renamed.execute(), [({("cc" if k == "country" else k): v for k, v in r.items()}, p) for r, p in C])


def test_pivot_and_melt(mails: le.Table) -> None:
    wide = mails.pivot(index="email", columns="month", values="words", aggfunc="sum")
    assert wide.columns == ["email"]  # the value columns are the months each run finds
    result = wide.execute()
    assert result.frame.columns.tolist() == ["email", "feb", "jan", "mar"]
    expected = []
    for email in sorted(set(MAILS.email)):
        members = [(r, p) for r, p in M if r["email"] == email]
        values = {m: sum(r["words"] for r, _ in members if r["month"] == m) or None for m in ["feb", "jan", "mar"]}
        expected.append(({"email": email, **values}, frozenset().union(*(p for _, p in members))))
    assert_same(result, expected)

    long = mails.melt(id_vars="mid", value_vars=["email", "month"], var_name="field", value_name="text")
    expected_long = [({"mid": r["mid"], "field": f, "text": r[f]}, p) for f in ("email", "month") for r, p in M]
    assert_same(long.execute(), expected_long)
    assert long.lineage["text"] == {("mails", "email"), ("mails", "month")}


def test_pivot_schema_is_fixed_when_its_values_are_declared(mails: le.Table) -> None:
    declared = mails.pivot(index="email", columns="month", values="words", column_values=["feb", "jan", "mar"])
    only_jan = MAILS[MAILS.month == "jan"]
    assert declared.execute({"mails": only_jan}).frame.columns.tolist() == ["email", "feb", "jan", "mar"]
    found = mails.pivot(index="email", columns="month", values="words")
    assert found.execute({"mails": only_jan}).frame.columns.tolist() == ["email", "jan"]


def test_groupby_joined_back_to_its_members(mails: le.Table) -> None:
    totals = mails.groupby("email").agg(total=("words", "sum"))
    result = mails.join(totals, on="email").execute()
    for i, email in enumerate(result.frame["email"]):
        members = set(MAILS.mid[MAILS.email == email])
        # the row's own mail times the sum over its group: the ids of all members
        assert set(result.source_rows(i)["mails"]) == members


def test_provenance_queries_both_ways(customers: le.Table, mails: le.Table) -> None:
    joined = mails.join(customers, on="email").execute()
    rows = joined.rows_from("customers", [1])
    assert joined.frame.loc[rows, "mid"].tolist() == [10, 11]
    cells_rows, cells_columns = joined.cells_from("customers", [4], columns=["country"])
    assert joined.frame.loc[cells_rows, "mid"].tolist() == [14, 15] and cells_columns == ["country"]
    assert joined.source_rows(0) == {"mails": [10], "customers": [1]}


def test_keyless_source_ids_are_content_hashes_stable_under_deletion() -> None:
    frame = pd.DataFrame({"a": [1, 1, 2, 3], "b": ["x", "x", "y", "z"]})
    full = le.from_pandas(frame, "t").execute()
    ids = full.sources["t"].ids
    assert len(set(ids)) == 4  # identical rows still get distinct ids
    fewer = le.from_pandas(frame.iloc[[0, 1, 3]], "t").execute().sources["t"].ids
    assert list(fewer) == [ids[0], ids[1], ids[3]]


def test_string_keys_hash_to_ids() -> None:
    table = le.from_pandas(pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}), "t", key="k").execute()
    assert table.rows_from("t", ["b"]).tolist() == [1]
    assert table.source_rows(0) == {"t": ["a"]}


@pytest.mark.parametrize(
    ("expr", "params"),
    [
        ("words > @n and month != 'mar'", {"n": 2}),
        ("month in @months", {"months": ["jan", "mar"]}),
        ("month not in ('jan',) or words >= 7", {}),
        ("month == ['feb', 'mar']", {}),
        ("month != ['feb']", {}),
        ("2 < words <= 7", {}),
        ("not (words % 2 == 0)", {}),
        ("-words + 10 > abs(@x)", {"x": -4}),
        ("email.str.startswith('a') | (words * 2 > 10)", {}),
        ("`the month` == 'jan'", {}),
    ],
)
def test_query_strings_mean_what_pandas_query_means(expr: str, params: dict[str, Any]) -> None:
    frame = MAILS.assign(**{"the month": MAILS.month})
    expected = frame.query(expr, local_dict=params, engine="python").mid.tolist()
    table = le.from_pandas(frame, "mails", key="mid")
    assert table.filter(expr, **params).to_pandas().mid.tolist() == expected


def test_left_join_with_an_empty_right_side(mails: le.Table, customers: le.Table) -> None:
    nobody = customers.filter("cid > @n", n=100)
    result = mails.join(nobody, on="email", how="left").execute()
    assert len(result.frame) == len(MAILS) and result.frame.cid.isna().all()
    assert [result.source_rows(i) for i in range(2)] == [{"mails": [10]}, {"mails": [11]}]
