"""Synthesised pipeline specs: every operator gives the same frame compiled to the engine as run on
pandas during the search (differential, also with hypothesis over random tables), specs round-trip
through JSON, and the case reader handles both index layouts of pandas dumps."""

from __future__ import annotations

import io
import json

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from lester_dagster.errors import SpecError, SynthesisInputError
from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.cases import read_table
from lester_dagster.synthesis.evaluate import frames_match
from lester_dagster.synthesis.spec import SynthesisSpec, load_all

SALES = pd.DataFrame(
    {
        "shop": ["north", "north", "south", "south", "east", None, "east"],
        "month": ["2024-01", "2024-02", "2024-01", "2024-02", "2024-01", "2024-02", "2024-02"],
        "amount": [10.0, 12.5, 7.0, None, 3.0, 4.0, 8.0],
        "units": [1, 2, 1, 3, 1, 1, 2],
        "manager": ["Ann Lee", "Ann Lee", "Bo Chan", "Bo Chan", "Cy Diaz", "Cy Diaz", None],
    }
)
SHOPS = pd.DataFrame({"shop": ["north", "south", "west"], "region": ["N", "S", "W"], "size": [3, 5, 2]})
WIDE = pd.DataFrame({"shop": ["north", "south"], "jan": [1.0, 2.0], "feb": [3.0, None], "mar": [5.0, 6.0]})
FRAMES = {"sales": SALES, "shops": SHOPS, "wide": WIDE, "sales_b": SALES.iloc[:3].reset_index(drop=True)}

STEPS: list[ops.Step] = [
    ops.Join("j", "sales", "shops", ("shop",), ("shop",), "inner"),
    ops.Join("j", "sales", "shops", ("shop",), ("shop",), "left"),
    ops.Join("j", "sales", "shops", ("month",), ("region",), "left"),
    ops.Join("j", "sales", "shops", ("month",), ("region",), "left", ("", "_shop")),  # shop and shop_shop
    ops.Union("u", ("sales", "sales_b")),
    ops.GroupBy("g", "sales", ("shop",), (("total", "amount", "sum"), ("n", "units", "count"), ("avg", "amount", "mean"))),
    ops.GroupBy("g", "sales", ("shop", "month"), (("most", "units", "max"), ("who", "manager", "nunique"))),
    ops.Pivot("p", "sales", ("shop",), "month", "amount", "sum"),
    ops.Pivot("p", "sales", ("month",), "shop", "units", "first"),
    ops.Unpivot("m", "wide", ("shop",), ("jan", "feb", "mar"), "month", "amount"),
    ops.Split("s", "sales", "first_name", "manager", " ", 0),
    ops.Split("s", "sales", "year", "month", "-", -1),
    ops.Substring("s", "sales", "year", "month", 0, 4),
    ops.Substring("s", "sales", "tail", "manager", None, -2),
    ops.Concatenate("c", "sales", "label", ("shop", "month"), (": ",)),
    ops.Concatenate("c", "sales", "label", ("manager", "shop", "units"), (" (", ") x"), "<", ">"),
    ops.DropNA("d", "sales", ()),
    ops.DropNA("d", "sales", ("amount",)),
    ops.FillNA("f", "sales", 0.0, ("amount",)),
    ops.FillNA("f", "sales", "unknown", ("shop", "manager")),
    ops.Select("s", "sales", ("units", "shop")),
    ops.Rename("r", "sales", (("shop", "store"), ("units", "qty"))),
]


def _spec(step: ops.Step) -> SynthesisSpec:
    return SynthesisSpec(tuple(FRAMES), (step,), step.out)


def _same(engine: pd.DataFrame, pandas: pd.DataFrame) -> None:
    assert list(engine.columns) == list(pandas.columns)
    pd.testing.assert_frame_equal(engine.reset_index(drop=True), pandas.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"{s.op}:{s.describe().split('=', 1)[1][:40]}")
def test_engine_equals_pandas_for_every_operator(step: ops.Step) -> None:
    spec = _spec(step)
    result = spec.execute(FRAMES)
    _same(result.frame, spec.run_pandas(FRAMES))
    # the engine run carries provenance: every output row names the source rows it came from
    if len(result.frame):
        assert result.source_rows(0)
    assert set(result.lineage) == set(result.frame.columns)


def test_multi_step_spec_with_final_projection_runs_the_same_on_both() -> None:
    spec = SynthesisSpec(
        ("sales", "shops"),
        (
            ops.DropNA("s1", "sales", ("shop",)),
            ops.Substring("s2", "s1", "year", "month", 0, 4),
            ops.Join("s3", "s2", "shops", ("shop",), ("shop",), "left"),
            ops.GroupBy("s4", "s3", ("region", "year"), (("total", "amount", "sum"),)),
        ),
        "s4",
        columns=("year", "region", "total"),
        renames={"total": "revenue"},
    )
    frames = {"sales": SALES, "shops": SHOPS}
    _same(spec.execute(frames).frame, spec.run_pandas(frames))
    assert list(spec.run_pandas(frames).columns) == ["year", "region", "revenue"]
    lineage = spec.execute(frames).lineage
    assert {str(c) for c in lineage["revenue"]} == {"sales.amount"}


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.op)
def test_spec_json_round_trip(step: ops.Step, tmp_path) -> None:
    spec = SynthesisSpec(tuple(FRAMES), (step,), step.out, renames={"x": "y"}, meta={"score": 1.5})
    again = SynthesisSpec.from_json(spec.to_json())
    assert again == spec
    assert again.describe() == spec.describe()
    path = spec.save(tmp_path / "spec.json")
    assert SynthesisSpec.load(path) == spec
    (tmp_path / "all.json").write_text(json.dumps([spec.to_dict(), spec.to_dict()]))
    assert load_all(tmp_path / "all.json") == [spec, spec]


def test_describe_reads_like_pandas() -> None:
    spec = SynthesisSpec(
        ("sales", "shops"),
        (ops.Join("s1", "sales", "shops", ("shop",), ("shop",), "inner"),
         ops.GroupBy("s2", "s1", ("region",), (("total", "amount", "sum"),))),
        "s2",
        renames={"total": "revenue"},
    )
    assert spec.describe().splitlines() == [
        "s1 = sales.merge(shops, on=['shop'], how='inner')",
        "s2 = s1.groupby(['region']).agg(total=('amount', 'sum')).reset_index()",
        "out = s2.rename(columns={'total': 'revenue'})",
    ]


def test_malformed_specs_are_refused_with_the_reason() -> None:
    with pytest.raises(SpecError, match="reads \\['nowhere'\\]"):
        SynthesisSpec(("sales",), (ops.DropNA("s1", "nowhere", ()),), "s1")
    with pytest.raises(SpecError, match="output table 'zz'"):
        SynthesisSpec(("sales",), (), "zz")
    with pytest.raises(SpecError, match="unknown step operator"):
        SynthesisSpec.from_dict({"inputs": ["a"], "steps": [{"op": "explode", "out": "s1"}], "output": "a"})
    with pytest.raises(SpecError, match="missing fields"):
        SynthesisSpec.from_dict({"inputs": ["a"], "steps": [{"op": "dropna", "out": "s1"}], "output": "s1"})
    with pytest.raises(SpecError, match="not valid JSON"):
        SynthesisSpec.from_json("{nope")
    with pytest.raises(SpecError, match="needs input table"):
        SynthesisSpec(("sales",), (), "sales").run_pandas({})
    with pytest.raises(SpecError, match="separator"):
        ops.Concatenate("c", "sales", "x", ("a", "b"), ())


# ---- hypothesis: random tables through every operator family -----------------------------------------

_words = st.sampled_from(["a b", "c-d", "e", "f g h", "ij"])
_rows = st.lists(
    st.tuples(
        st.sampled_from(["x", "y", "z", None]),
        st.sampled_from(["p", "q"]),
        st.one_of(st.none(), st.integers(-5, 5).map(float)),
        st.integers(0, 3),
        _words,
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, which=st.integers(0, 10_000))
def test_engine_equals_pandas_on_random_tables(rows, which) -> None:
    frame = pd.DataFrame(rows, columns=["k", "c", "v", "n", "s"])
    frame["k"] = frame["k"].astype("str")
    lookup = pd.DataFrame({"k": ["x", "y"], "w": [1.5, 2.5]})
    steps = [
        ops.Join("o", "t", "l", ("k",), ("k",), "inner"),
        ops.Join("o", "t", "l", ("k",), ("k",), "left"),
        ops.Union("o", ("t", "t2")),
        ops.GroupBy("o", "t", ("k",), (("sv", "v", "sum"), ("mv", "v", "mean"), ("nn", "n", "nunique"))),
        ops.GroupBy("o", "t", ("k", "c"), (("cv", "v", "count"), ("mx", "n", "max"))),
        ops.Pivot("o", "t", ("k",), "c", "v", "sum"),
        ops.Unpivot("o", "t", ("k",), ("v", "n"), "var", "val"),
        ops.Split("o", "t", "p", "s", " ", 1),
        ops.Substring("o", "t", "p", "s", 1, 3),
        ops.Concatenate("o", "t", "p", ("k", "n"), ("/",)),
        ops.DropNA("o", "t", ()),
        ops.FillNA("o", "t", -1.0, ("v",)),
    ]
    step = steps[which % len(steps)]
    frames = {"t": frame, "t2": frame.iloc[::-1].reset_index(drop=True), "l": lookup}
    spec = SynthesisSpec(("t", "t2", "l"), (step,), "o")
    pandas = spec.run_pandas(frames)
    engine = spec.execute(frames).frame
    _same(engine, pandas)
    assert frames_match(engine, pandas)


# ---- reading pandas dumps --------------------------------------------------------------------------


def test_reader_drops_an_unnamed_index_and_keeps_a_named_group_key() -> None:
    frame = pd.DataFrame({"a": ["x", "x", "y"], "b": [1, 2, 3]})
    dumped = read_table(io.StringIO(frame.to_csv()))
    assert list(dumped.columns) == ["a", "b"] and len(dumped) == 3
    grouped = read_table(io.StringIO(frame.groupby("a")["b"].sum().to_csv()))
    assert list(grouped.columns) == ["a", "b"] and grouped["a"].tolist() == ["x", "y"]
    multi = read_table(io.StringIO(frame.assign(c=frame.b * 2).groupby(["a", "b"]).sum().to_csv()))
    assert list(multi.columns) == ["a", "b", "c"]


def test_reader_undoes_the_pivot_index_row_and_two_level_headers() -> None:
    quirk = "b,p,q\na,,\nx,1.0,2.0\ny,3.0,\n"  # how older pandas writes a pivot with named axes
    pivot = read_table(io.StringIO(quirk))
    assert list(pivot.columns) == ["a", "p", "q"] and pivot["a"].tolist() == ["x", "y"]
    frame = pd.DataFrame({"a": ["x", "x", "y"], "c": [1, 2, 3]})
    two_level = read_table(io.StringIO(frame.groupby("a").agg({"c": ["sum", "mean"]}).to_csv()))
    assert list(two_level.columns) == ["a", "c_sum", "c_mean"]
    assert two_level["c_sum"].tolist() == [3, 3]


def test_reader_refuses_empty_and_unreadable_tables(tmp_path) -> None:
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SynthesisInputError, match="empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text(",a,b\n")
    with pytest.raises(SynthesisInputError, match="no rows"):
        read_table(tmp_path / "header.csv")
    with pytest.raises(SynthesisInputError, match="cannot read"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(SynthesisInputError):
        read_table(tmp_path / "binary.csv")


def test_frames_match_ignores_order_and_names_but_not_values() -> None:
    a = pd.DataFrame({"k": ["x", "y"], "v": [1.0, 2.0000000001]})
    b = pd.DataFrame({"v": [2.0, 1.0], "k": ["y", "x"]})
    assert frames_match(a, b)
    assert frames_match(a.rename(columns={"v": "value"}), b)
    assert not frames_match(a.assign(v=[1.0, 2.5]), b)
    assert not frames_match(a.iloc[:1], b)
    assert frames_match(pd.DataFrame({"s": ["a", None]}), pd.DataFrame({"s": [None, "a"]}))
    assert np.isnan(pd.DataFrame({"v": [np.nan]})["v"][0])
