"""Round two of issue 14: evidence the contiguous split calls for (years of one half next to the years of
the other, pivot columns named by the data), and the learned parameter predictors shipped as JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lester_dagster.errors import SynthesisInputError
from lester_dagster.synthesis import SearchConfig, synthesize
from lester_dagster.synthesis.aggregate_features import FEATURES, pair_features
from lester_dagster.synthesis.constraints import discover
from lester_dagster.synthesis.evidence import category_mismatch
from lester_dagster.synthesis.groupkey_features import FEATURES as GROUPKEY_FEATURES
from lester_dagster.synthesis.logistic import MODELS, BoostedModel, LogisticModel, Tree, read_predictor
from lester_dagster.synthesis.mapping import similarity
from lester_dagster.synthesis.predict import Context
from lester_dagster.synthesis.profile import Tab, profile_column


def test_years_of_the_next_half_are_the_same_column() -> None:
    # a contiguous split: the target holds 2006-2010, the rows synthesis sees 2011-2015
    target = profile_column("year", pd.Series([2006, 2007, 2008, 2009, 2010]))
    derived = profile_column("year", pd.Series([str(y) for y in range(2011, 2016)] * 12))
    far = profile_column("year", pd.Series([str(y) for y in range(1950, 1955)] * 12))
    measure = profile_column("price", pd.Series(np.linspace(2011, 2015, 60)))
    assert similarity(target, derived) >= 0.45
    assert similarity(target, far) < 0.45
    assert similarity(target, measure) < similarity(target, derived)


def test_year_months_of_the_next_half_are_the_same_column() -> None:
    # '2013-01'..'2013-06' in the target, '2013-07'..'2013-12' in the rows synthesis sees: one column
    target = profile_column("year_month", pd.Series([f"2013-{m:02d}" for m in range(1, 7)] * 50))
    derived = profile_column("time_hour_part", pd.Series([f"2013-{m:02d}" for m in range(7, 13)] * 50))
    codes = profile_column("code", pd.Series([f"X{m:02d}" for m in range(7, 13)] * 50))  # another format
    elsewhere = profile_column("period", pd.Series([f"1987-{m:02d}" for m in range(7, 13)] * 50))  # no common start
    assert similarity(target, derived) >= 0.45
    assert similarity(target, codes) < 0.45 and similarity(target, elsewhere) < 0.45


def test_pivot_columns_named_by_values_keep_their_names() -> None:
    # two sites with alike yields: the pivot's column 'Morris' is the target's 'Morris', not 'Crookston'
    rng = np.random.default_rng(0)
    rows = [(v, s, y) for v in ("a", "b", "c", "d", "e", "f") for s in ("Morris", "Crookston") for y in (1931, 1932)]
    frame = pd.DataFrame(rows, columns=["variety", "site", "year"])
    frame["yield"] = rng.normal(30, 5, len(frame)).round(2)
    train, test = frame[frame.year == 1932], frame[frame.year == 1931]
    wide = test.pivot_table(index="variety", columns="site", values="yield", aggfunc="mean").reset_index()
    wide.columns = [str(c) for c in wide.columns]
    result = synthesize({"barley": train.reset_index(drop=True)}, wide, SearchConfig(top_k=3, time_limit=20))
    assert dict(result.pipelines[0].spec.renames) == {}


def test_given_names_include_values_a_pivot_spreads() -> None:
    frame = pd.DataFrame({"site": ["Morris", "Duluth", "Morris"], "yield": [1.0, 2.0, 3.0]})
    target = pd.DataFrame({"Morris": [1.0], "Duluth": [2.0], "label": ["x"]})
    ctx = Context(target, discover(target), inputs={"barley": frame})
    assert {"Morris", "Duluth"} <= ctx.given
    assert "label" not in ctx.given


def test_value_sets_of_other_categories_are_not_compared() -> None:
    # the target's half holds other symbols than the rows synthesis sees (a contiguous split): which
    # symbols either side lacks says nothing; a candidate that lost a shared category still pays
    target = pd.DataFrame({"symbol": ["MSFT", "AMZN", "IBM"] * 20, "price": np.arange(60.0)})
    ctx = Context(target, discover(target), inputs={"stocks": pd.DataFrame({"symbol": ["IBM", "GOOG", "AAPL"] * 20})})
    other_half = Tab(pd.DataFrame({"symbol": ["IBM", "GOOG", "AAPL"] * 20}))
    assert category_mismatch(ctx.profiles, target, other_half, {"symbol": "symbol"}) == 0.0
    shared = pd.DataFrame({"symbol": ["MSFT", "AMZN", "IBM", "AAPL"] * 5})
    ctx = Context(target, discover(target), inputs={"stocks": shared})
    lost = Tab(pd.DataFrame({"symbol": ["MSFT", "AMZN"] * 30}))
    assert category_mismatch(ctx.profiles, target, lost, {"symbol": "symbol"}) > 0.0


def _model(**changes: object) -> LogisticModel:
    fields = {"kind": "aggregate", "features": ("a", "b"), "mean": (0.0, 1.0), "scale": (1.0, 2.0),
              "weights": (1.0, -2.0), "bias": 0.5, "meta": {"floor": 0.1}}
    fields.update(changes)
    return LogisticModel(**fields)  # type: ignore[arg-type]


def test_a_logistic_model_round_trips_through_json() -> None:
    model = _model()
    again = LogisticModel.from_json(model.to_json())
    assert again == model
    z = 0.5 + 1.0 * (2.0 - 0.0) / 1.0 - 2.0 * (3.0 - 1.0) / 2.0
    assert again.probability([2.0, 3.0]) == pytest.approx(1 / (1 + math.exp(-z)))


def test_a_model_for_other_features_is_refused_with_the_fix() -> None:
    with pytest.raises(SynthesisInputError, match="retrain it"):
        _model().check("aggregate", ("a", "c"))
    with pytest.raises(SynthesisInputError, match="differ in length"):
        _model(weights=(1.0,))
    with pytest.raises(SynthesisInputError, match="version"):
        LogisticModel.from_json(json.dumps({"version": 99}))


def _stump(feature: int = 0, threshold: float = 0.5, low: float = -1.0, high: float = 2.0) -> Tree:
    return Tree((feature, 0, 0), (threshold, -2.0, -2.0), (1, -1, -1), (2, -1, -1), (0.0, low, high))


def test_a_boosted_model_round_trips_through_json() -> None:
    model = BoostedModel("aggregate", ("a", "b"), 0.25, (_stump(0), _stump(1, 3.0, 0.5, -0.5)), {"floor": 0.2})
    again = read_predictor(model.to_json())
    assert again == model
    z = 0.25 + 2.0 + 0.5  # a > 0.5 goes right (2.0); b <= 3.0 goes left (0.5)
    assert again.probability([1.0, 3.0]) == pytest.approx(1 / (1 + math.exp(-z)))


def test_a_malformed_boosted_model_is_refused_with_the_fix() -> None:
    good = json.loads(BoostedModel("aggregate", ("a",), 0.0, (_stump(),)).to_json())
    cycle = {**good, "trees": [{**good["trees"][0], "left": [0, -1, -1]}]}  # node 0 its own child: no leaf
    unknown = {**good, "model": "forest"}
    outside = {**good, "trees": [{**good["trees"][0], "feature": [3, 0, 0]}]}
    for data, message in ((cycle, "out of range"), (unknown, "unknown model"), (outside, "out of range"),
                          ({**good, "trees": "x"}, "retrain it")):
        with pytest.raises(SynthesisInputError, match=message):
            read_predictor(json.dumps(data))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), features=st.integers(1, 5))
def test_exported_trees_score_as_scikit_learn_does(seed: int, features: int) -> None:
    """The training script's export (train_predictors.fit_trees) gives scikit-learn's own log-odds, on
    rows it never saw too, values of float32's rounding edge included."""
    pytest.importorskip("sklearn")
    from benchmarks.synthesis.train_predictors import fit_trees

    rng = np.random.default_rng(seed)
    examples = []
    for _ in range(30):
        values = rng.normal(size=(6, features)).round(rng.integers(1, 8))
        labels = [0] * 6
        labels[int(np.argmax(values[:, 0] + rng.normal(scale=0.5, size=6)))] = 1
        examples.append({"features": values.tolist(), "labels": labels, "source": "s"})
    names = tuple(f"f{i}" for i in range(features))
    model = fit_trees(examples, names, "aggregate")
    from sklearn.ensemble import GradientBoostingClassifier

    from benchmarks.synthesis.train_predictors import BOOSTING, _rows

    x, y, w = _rows(examples)
    reference = GradientBoostingClassifier(**BOOSTING).fit(x, y, sample_weight=w)
    fresh = np.vstack([rng.normal(size=(50, features)), x[:20] + 1e-9])
    expected = reference.decision_function(fresh)
    assert [model.logit(row) for row in fresh.tolist()] == pytest.approx(expected.tolist(), abs=1e-6)


def test_shipped_models_are_json_of_the_features_the_predictors_compute() -> None:
    for file in sorted(MODELS.glob("*.json")):
        data = json.loads(file.read_text(encoding="utf-8"))  # JSON only: loading runs no code
        if data.get("kind") == "aggregate":
            model = read_predictor(file.read_text(encoding="utf-8")).check("aggregate", FEATURES)
            assert 0.0 <= float(model.meta["floor"]) < 1.0
        elif data.get("kind") == "groupkey":
            model = read_predictor(file.read_text(encoding="utf-8")).check("groupkey", GROUPKEY_FEATURES)
            assert 0.0 <= float(model.meta["floor"]) < 1.0
        else:
            raise AssertionError(f"{file.name}: a model of kind {data.get('kind')!r} no predictor reads")
    assert not list(Path(MODELS).glob("*.pkl")) and not list(Path(MODELS).glob("*.pickle"))


def test_aggregate_features_say_what_the_name_says() -> None:
    target = profile_column("max_y", pd.Series([10.8, 9.3]))
    values = profile_column("Y", pd.Series([12.7, 12.5]))
    source = profile_column("Y", pd.Series([7.5, 8.1, 12.7, 6.6]))
    right = dict(zip(FEATURES, pair_features("max_y", target, "Y", "max", values, source, 0.3, None, 0.2, 2, False),
                     strict=True))
    wrong = dict(zip(FEATURES, pair_features("max_y", target, "X", "mean", values, source, 0.3, None, 0.2, 2, False),
                     strict=True))
    assert right["function_word"] == 1.0 and right["names_column"] == 1.0
    assert wrong["function_word"] == 0.0 and wrong["names_column"] == 0.0 and wrong["other_function_word"] == 1.0


def _yes_no_panel(rows: int = 160) -> pd.DataFrame:
    """One yes/no column per country and year, as a banking-crises table holds: every column has the
    same cardinality, so it cannot tell group keys apart."""
    rng = np.random.default_rng(5)
    columns = {f"country_{c}": rng.integers(0, 2, rows) for c in "ABCDEFGHIJKL"}
    return pd.DataFrame({"growth": np.round(rng.normal(2.0, 1.5, rows), 2), **columns})


def test_the_learned_group_key_predictor_groups_by_the_columns_the_target_names() -> None:
    from lester_dagster.synthesis.predict import _hand_groupings, _hand_ranked, grouping_pool, groupkey_model

    model = groupkey_model()
    assert model is not None, "models/groupkey.json ships with the package"
    panel = _yes_no_panel()
    test, training = panel.iloc[:80], panel.iloc[80:].reset_index(drop=True)
    target = test.groupby(["country_H", "country_K"]).agg(mean_growth=("growth", "mean")).reset_index()
    ctx = Context(target, discover(target), inputs={"table_1": training})
    tab = Tab(training)
    pool = grouping_pool(tab, ctx)
    assert len({frozenset(by) for by, _ in pool}) == len(pool)  # one grouping in two column orders is one
    learned = max(pool, key=lambda option: model.probability(option[1]))[0]
    assert set(learned) == {"country_H", "country_K"}
    hand = sorted(_hand_ranked(*_hand_groupings(tab, ctx)).items(), key=lambda x: -x[1])[:3]
    assert all(set(by) != {"country_H", "country_K"} for by, _ in hand)  # cardinality alone picks others

    result = synthesize({"table_1": training}, target, SearchConfig(top_k=5, time_limit=900))
    described = result.specs()[0].describe()
    assert "groupby(['country_H', 'country_K'])" in described or "groupby(['country_K', 'country_H'])" in described


def test_a_grouping_that_spares_a_key_column_is_told_apart() -> None:
    from lester_dagster.synthesis.groupkey_features import FEATURES as GROUP_FEATURES
    from lester_dagster.synthesis.groupkey_features import grouping_features

    target = pd.DataFrame({"site": ["a", "b", "c"], "visits": [3, 5, 3], "mean_age": [30.0, 41.0, 35.5]})
    profiles = {c: profile_column(c, target[c]) for c in target.columns}
    def features(by: tuple[str, ...], groups: int) -> dict[str, float]:
        values = grouping_features(by, profiles, rows=40, groups=groups, hand=0.0, hand_top=False, target=target,
                                   keys=(("site",),), primary=("site",), pairs={"site": "site", "visits": "visits"},
                                   scores={"site": 0.9, "visits": 0.7})
        return dict(zip(GROUP_FEATURES, values, strict=True))

    spare, key = features(("site", "visits"), 9), features(("site",), 3)
    assert spare["unique_in_target"] == 1.0 and spare["not_minimal"] == 1.0
    assert key["target_primary"] == 1.0 and key["not_minimal"] == 0.0 and key["leftmost"] == 1.0


def _assignment(scores: np.ndarray):  # type: ignore[no-untyped-def]
    """The best one-to-one assignment of target columns (rows) to aggregates (columns) where allowed, as
    `predict._choose_aggregates` makes it, in the option layout `_runners_up` reads."""
    from scipy.optimize import linear_sum_assignment

    def assign(allowed: np.ndarray):  # type: ignore[no-untyped-def]
        masked = np.where(allowed if allowed.ndim == 2 else allowed[None, :], scores, 0.0)
        rows, cols = linear_sum_assignment(masked, maximize=True)
        pairs = [(int(i), int(j)) for i, j in sorted(zip(rows, cols, strict=True)) if masked[i, j] > 0]
        chosen = [(f"t{i}", f"c{j}", "f") for i, j in pairs]
        fits = [float(scores[i, j]) for i, j in pairs]
        return chosen, fits, float(sum(fits)), (), pairs

    return assign


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_runners_up_are_the_next_best_assignments(rows: int, extra: int, seed: int) -> None:
    """An exact k-best assignment: the runners-up are the next best one-to-one assignments after the best,
    in order of their sums, among those whose every column fits at least CLOSE as well as in the best
    (brute force over all of them)."""
    import itertools

    from lester_dagster.synthesis.predict import CLOSE, RUNNERS_UP, _runners_up

    scores = np.random.default_rng(seed).uniform(0.05, 1.0, size=(rows, rows + extra))
    assign = _assignment(scores)
    best = assign(np.ones(scores.shape[1], dtype=bool))
    chosen = dict(best[4])
    close = sorted((sum(scores[i, j] for i, j in enumerate(perm))
                    for perm in itertools.permutations(range(scores.shape[1]), rows)
                    if all(scores[i, j] >= CLOSE * scores[i, chosen[i]] for i, j in enumerate(perm))), reverse=True)
    found = _runners_up(best, assign, scores)
    assert best[2] == pytest.approx(close[0])
    assert [o[2] for o in found] == pytest.approx(close[1 : 1 + RUNNERS_UP])
    assert len({tuple(o[0]) for o in found} | {tuple(best[0])}) == len(found) + 1
    for option in found:
        assert len({j for _, j in option[4]}) == rows  # one aggregate per target column


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_runners_up_change_columns_only_to_aggregates_that_fit_about_as_well(rows: int, extra: int, seed: int) -> None:
    from lester_dagster.synthesis.predict import CLOSE, _runners_up

    scores = np.random.default_rng(seed).uniform(0.05, 1.0, size=(rows, rows + extra))
    assign = _assignment(scores)
    best = assign(np.ones(scores.shape[1], dtype=bool))
    for option in _runners_up(best, assign, scores):
        chosen = dict(option[4])
        assert all(scores[i, chosen[i]] >= CLOSE * scores[i, j] for i, j in best[4])


def test_runners_up_reach_a_combination_two_changes_away() -> None:
    """Two target columns whose best aggregates are both wrong: changing one column at a time never
    proposes the right pair; the runners-up do, right after the single changes that beat it."""
    from lester_dagster.synthesis.predict import _runners_up

    # columns 0 and 1 each prefer aggregate 0/2 slightly over the right 1/3; column 2 is sure of 4
    scores = np.array([[0.60, 0.55, 0.01, 0.01, 0.01],
                       [0.01, 0.01, 0.60, 0.54, 0.01],
                       [0.01, 0.01, 0.01, 0.01, 0.95]])
    assign = _assignment(scores)
    found = _runners_up(assign(np.ones(5, dtype=bool)), assign, scores)
    assert [(i, j) for i, j in found[2][4]] == [(0, 1), (1, 3), (2, 4)]


def test_functions_are_as_likely_as_pipelines_write_them() -> None:
    """The aggregate model learned the generator's shares of functions (a minimum one group-by in ten);
    pipelines use one in thirty. Its odds move by the ratio, so of two that fit alike the common one comes
    first, while a rare one over the floor stays over it (still proposed)."""
    from lester_dagster.synthesis.predict import GENERATED_SHARES, WRITTEN_SHARES, _as_often_as_written

    fits = np.array([0.2, 0.45, 0.8])
    mean, minimum = _as_often_as_written(fits, "mean", 0.33), _as_often_as_written(fits, "min", 0.33)
    assert (mean > minimum).all() and (minimum[1:] >= 0.33).all() and minimum[0] < 0.2
    assert (_as_often_as_written(fits, "std", 0.33) == fits).all()  # a function neither counts: as it was
    assert set(WRITTEN_SHARES) == set(GENERATED_SHARES)
    assert math.isclose(sum(WRITTEN_SHARES.values()), 1.0, abs_tol=0.01)


def test_the_shares_are_the_generator_s_and_the_development_pipelines() -> None:
    """GENERATED_SHARES are the shares `generate.FUNCS` draws at, and WRITTEN_SHARES what
    function_shares.py counts in the development part's pipelines today (re-run it when cases are added)."""
    from benchmarks.synthesis.function_shares import FUNCTIONS, written_counts
    from benchmarks.synthesis.generate import FUNC_SHARES, FUNCS
    from lester_dagster.synthesis.predict import GENERATED_SHARES, WRITTEN_SHARES

    assert dict(zip(FUNCS, FUNC_SHARES, strict=True)) == GENERATED_SHARES
    counts, pipelines = written_counts()
    total = sum(counts[f] for f in FUNCTIONS)
    assert pipelines >= 400
    for func in FUNCTIONS:
        assert abs(counts[func] / total - WRITTEN_SHARES[func]) < 0.01, func
