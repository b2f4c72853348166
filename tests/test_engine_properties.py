"""Property-based tests of row provenance: for random pipelines over random tables, deleting source rows
and re-running must equal deleting the output rows whose provenance mentions them (select, project,
inner join, union), and aggregates must equal a recomputation over the members that remain."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lester_dagster.engine as le
from tests.provenance_oracle import canonical, engine_rows


@pytest.fixture(autouse=True, scope="module", params=["pandas", "duckdb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here on both backends: the pandas executor (the oracle) and DuckDB (the default)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESTER_ENGINE_BACKEND", request.param)
        yield request.param


KEYS = st.integers(0, 3)


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_a, n_b = draw(st.integers(0, 12)), draw(st.integers(0, 12))
    a = pd.DataFrame(
        {
            "a_id": draw(st.lists(st.integers(0, 10_000), min_size=n_a, max_size=n_a, unique=True)),
            "k": draw(st.lists(KEYS, min_size=n_a, max_size=n_a)),
            "v": draw(st.lists(st.integers(-5, 5), min_size=n_a, max_size=n_a)),
            "s": draw(st.lists(st.text("aAb", max_size=3), min_size=n_a, max_size=n_a)),
        }
    ).astype({"a_id": "int64", "k": "int64", "v": "int64", "s": "str"})
    b = pd.DataFrame(
        {
            "b_id": draw(st.lists(st.integers(0, 10_000), min_size=n_b, max_size=n_b, unique=True)),
            "k": draw(st.lists(KEYS, min_size=n_b, max_size=n_b)),
            "w": draw(st.lists(st.integers(-5, 5), min_size=n_b, max_size=n_b)),
        }
    ).astype({"b_id": "int64", "k": "int64", "w": "int64"})
    return a, b


Step = Callable[[le.Table], le.Table]
A_STEPS: list[Step] = [
    lambda t: t.filter("v > @t", t=0),
    lambda t: t.filter(lambda s: "a" in s, "s", vectorized=False),
    lambda t: t.project("v", "v", lambda v: v * 2 - 1),
    lambda t: t.project("s", "s", str.lower),
    lambda t: t.assign(vk="v + k"),
]


@st.composite
def spju_pipelines(draw: st.DrawFn) -> Callable[[le.Table, le.Table], le.Table]:
    steps = draw(st.lists(st.sampled_from(A_STEPS), max_size=3))
    shape = draw(st.sampled_from(["a", "join", "union", "self_join"]))
    after = draw(st.lists(st.sampled_from(A_STEPS[:1]), max_size=1))

    def build(a: le.Table, b: le.Table) -> le.Table:
        for step in steps:
            a = step(a)
        if shape == "join":
            a = a.join(b.filter("w != 0"), on="k")
        elif shape == "union":
            a = a.select("k", "v").union(b.rename(columns={"w": "v"}).select("k", "v"))
        elif shape == "self_join":
            a = a.join(a.select("k", "v"), on="k", suffixes=("", "_2"))
        for step in after:
            a = step(a)
        return a

    return build


def sources(a: pd.DataFrame, b: pd.DataFrame) -> tuple[le.Table, le.Table]:
    return le.from_pandas(a, "a", key="a_id"), le.from_pandas(b, "b", key="b_id")


def deleted(result: le.Result, gone_a: list[int], gone_b: list[int]) -> np.ndarray:
    return result.provenance.depends_on("a", gone_a) | result.provenance.depends_on("b", gone_b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), build=spju_pipelines(), pick=st.data())
def test_deleting_sources_equals_deleting_dependent_rows(data, build, pick) -> None:
    a, b = data
    gone_a = pick.draw(st.lists(st.sampled_from(a.a_id.tolist()), unique=True) if len(a) else st.just([]))
    gone_b = pick.draw(st.lists(st.sampled_from(b.b_id.tolist()), unique=True) if len(b) else st.just([]))
    table = build(*sources(a, b))
    full = table.execute()
    reduced = {"a": a[~a.a_id.isin(gone_a)], "b": b[~b.b_id.isin(gone_b)]}
    rerun = table.execute({name: reduced[name] for name in table.source_names})
    kept = [row for row, gone in zip(engine_rows(full), deleted(full, gone_a, gone_b), strict=True) if not gone]
    assert canonical(engine_rows(rerun)) == canonical(kept)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), build=spju_pipelines(), pick=st.data())
def test_aggregates_recomputed_over_remaining_members_equal_rerun(data, build, pick) -> None:
    a, b = data
    gone_a = pick.draw(st.lists(st.sampled_from(a.a_id.tolist()), unique=True) if len(a) else st.just([]))
    members = build(*sources(a, b))
    grouped = members.groupby("k").agg(total=("v", "sum"), n=("v", "count"), top=("v", "max"))

    full, full_members = grouped.execute(), members.execute()
    rerun = grouped.execute({"a": a[~a.a_id.isin(gone_a)]})

    # groups whose polynomial does not mention a deleted row are untouched
    touched = full.provenance.depends_on("a", gone_a)
    untouched = full.frame[~touched].reset_index(drop=True)
    # touched groups are recomputed from the members that remain
    remaining = full_members.frame[~full_members.provenance.depends_on("a", gone_a)]
    touched_keys = set(full.frame.k[touched])
    recomputed = (
        remaining[remaining.k.isin(touched_keys)]
        .groupby("k")
        .agg(total=("v", "sum"), n=("v", "count"), top=("v", "max"))
        .reset_index()
    )
    expected = pd.concat([untouched, recomputed]).sort_values("k").reset_index(drop=True)
    pd.testing.assert_frame_equal(rerun.frame, expected, check_dtype=False)
    # and each rerun group's polynomial sums exactly the remaining members' monomials (their distinct ids:
    # a member id many rows share is kept once)
    member_ids = full_members.provenance.get("a")
    keep = np.flatnonzero(~full_members.provenance.depends_on("a", gone_a))
    for i, key in enumerate(rerun.frame.k):
        rows = [r for r in keep if full_members.frame.k[r] == key]
        expected_ids = sorted({int(x) for r in rows for x in member_ids.row(r)}) if member_ids is not None else []
        got = rerun.provenance["a"].row(i).tolist() if "a" in rerun.provenance else []
        assert sorted(got) == expected_ids
