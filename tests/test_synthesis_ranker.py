"""The learned ranker's models (ranker.py): JSON in, the same model out, malformed JSON refused with the
fix; a tree model scores exactly as the scikit-learn model it was exported from (differential, on random
feature vectors); and the search ranks with the shipped model when the package carries one."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthesis.train_ranker import Group, export_boosting, train_trees  # noqa: E402
from lester_dagster.errors import SynthesisInputError  # noqa: E402
from lester_dagster.synthesis import ranker  # noqa: E402
from lester_dagster.synthesis.ranker import FEATURES, LinearRanker, Tree, TreeRanker, read_ranker  # noqa: E402
from lester_dagster.synthesis.search import JointProbabilityRanker, SearchConfig, default_ranker, synthesize  # noqa: E402

# the tree models are trained with scikit-learn (offline, not a dependency of the package)
needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="scikit-learn is not installed")

JOINT = FEATURES.index("joint_score")


def _linear() -> LinearRanker:
    weights = tuple(1.0 if f == "joint_score" else 0.1 * i for i, f in enumerate(FEATURES))
    return LinearRanker(FEATURES, (0.5,) * len(FEATURES), (2.0,) * len(FEATURES), weights, {"note": "test"})


def _trees() -> TreeRanker:
    # one stump on the number of steps, one two-level tree on the mapping's mean and the steps
    steps, mapping = FEATURES.index("steps"), FEATURES.index("mapping_mean")
    stump = Tree((steps, 0, 0), (2.5, 0.0, 0.0), (1, -1, -1), (2, -1, -1), (0.0, 0.3, -0.3))
    deeper = Tree((mapping, steps, 0, 0, 0), (0.8, 1.5, 0.0, 0.0, 0.0), (1, 2, -1, -1, -1), (4, 3, -1, -1, -1),
                  (0.0, 0.0, -1.0, -0.5, 0.7))
    base = tuple(1.0 if f == "joint_score" else 0.0 for f in FEATURES)
    return TreeRanker(FEATURES, base, (stump, deeper), {"note": "test"})


def _values(**named: float) -> list[float]:
    return [named.get(f, 0.0) for f in FEATURES]


def test_models_round_trip_through_json() -> None:
    linear, trees = _linear(), _trees()
    assert read_ranker(linear.to_json()) == linear == LinearRanker.from_json(linear.to_json())
    assert read_ranker(trees.to_json()) == trees == TreeRanker.from_json(trees.to_json())
    assert json.loads(linear.to_json())["kind"] == "linear" and json.loads(trees.to_json())["kind"] == "trees"
    # a linear model written before models named their kind still loads
    old = json.loads(linear.to_json())
    del old["kind"]
    assert read_ranker(json.dumps(old)) == linear
    # the tree model: the joint score, then +0.3 for short pipelines, then the second tree's leaf
    assert trees.score_values(_values(joint_score=-2.0, steps=1.0, mapping_mean=0.9)) == pytest.approx(-2.0 + 0.3 + 0.7)
    assert trees.score_values(_values(joint_score=-2.0, steps=2.0, mapping_mean=0.5)) == pytest.approx(-2.0 + 0.3 - 0.5)
    assert trees.score_values(_values(joint_score=-2.0, steps=3.0, mapping_mean=0.5)) == pytest.approx(-2.0 - 0.3 - 0.5)


def _tree_json(**tree: list) -> str:
    data = json.loads(_trees().to_json())
    data["trees"][1].update(tree)
    return json.dumps(data)


@pytest.mark.parametrize(("text", "message"), [
    ("\x80\x04pickle", "not valid JSON"),
    ('{"version": 99, "kind": "trees"}', "expected a version 1 model"),
    ('{"version": 1, "kind": "forest"}', "unknown ranker kind 'forest'"),
    ('{"version": 1, "kind": "trees", "features": ["joint_score"], "base": [1.0]}', "lacks a field"),
    ('{"version": 1, "kind": "trees", "features": ["joint_score"], "base": ["x"], "trees": []}', "non-number"),
    ('{"version": 1, "kind": "trees", "features": ["nope"], "base": [1.0], "trees": []}', "unknown features"),
    ('{"version": 1, "kind": "trees", "features": ["joint_score"], "base": [1.0, 2.0], "trees": []}', "differ in length"),
    ('{"version": 1, "features": ["nope"], "mean": [0], "scale": [1], "weights": [1]}', "unknown features"),
    (_tree_json(left=[1, 0, -1, -1, -1]), "node 1"),  # a child before its parent: a cycle
    (_tree_json(right=[4, 3, -1, -1, 9]), "node 4"),  # a leaf with one child, out of range
    (_tree_json(feature=[999, 0, 0, 0, 0]), "node 0"),
    (_tree_json(value=[0.0, 0.0]), "differ in length"),
])
def test_malformed_models_are_refused_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(SynthesisInputError, match=message) as raised:
        read_ranker(text, "models/ranker.json")
    assert "retrain" in str(raised.value)


_feature_vectors = st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False)
                            | st.sampled_from([0.0, 1.0, -1.0, 0.5, 1e-7, 1e30]),
                            min_size=len(FEATURES), max_size=len(FEATURES))


def _training_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, len(FEATURES))) * rng.choice([0.1, 1.0, 100.0], size=len(FEATURES))
    # small integer features (counts of steps) as the real ones are: thresholds fall between them
    x[:, :6] = rng.integers(0, 4, size=(400, 6))
    return x, x[:, JOINT] + np.sin(x[:, 1]) * x[:, 2] + (x[:, 3] > 1)


@pytest.fixture(scope="module")
def boosted() -> tuple[object, object]:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    x, y = _training_data()
    regressor = GradientBoostingRegressor(n_estimators=30, max_depth=3, learning_rate=0.2, random_state=0).fit(x, y)
    classifier = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, y > np.median(y))
    return regressor, classifier


@needs_sklearn
@settings(max_examples=200, deadline=None)
@given(values=_feature_vectors)
def test_an_exported_tree_model_scores_as_scikit_learn_predicts(boosted: tuple, values: list[float]) -> None:
    regressor, classifier = boosted
    row = np.array([values])
    for model, expected in ((regressor, regressor.predict(row)[0]), (classifier, classifier.decision_function(row)[0])):
        exported = read_ranker(export_boosting(model).to_json())
        assert exported.score_values(values) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@needs_sklearn
def test_an_exported_model_scores_its_training_rows_as_scikit_learn_does(boosted: tuple) -> None:
    # the training rows hold the thresholds' neighbours: a float32 rounding mismatch would show here
    regressor, _ = boosted
    x, _ = _training_data()
    exported = read_ranker(export_boosting(regressor).to_json())
    assert np.allclose([exported.score_values(row) for row in x.tolist()], regressor.predict(x), rtol=1e-9, atol=1e-9)


@needs_sklearn
def test_pairwise_trees_learn_to_put_right_candidates_first() -> None:
    # the right candidate of each case has the lower joint score but is the short one: the hand-set
    # ranking puts it second, the trees learn that fewer steps win
    rng = np.random.default_rng(1)
    steps = FEATURES.index("steps")
    groups = []
    for number in range(30):
        x = np.zeros((4, len(FEATURES)))
        x[:, JOINT] = -rng.uniform(1, 2, 4)
        x[:, steps] = [2, 4, 5, 3]
        x[0, JOINT] = x[1:, JOINT].max() - 0.5
        groups.append(Group(f"c{number}", f"s{number % 5}", x, np.array([True, False, False, False]),
                            np.ones(4, bool), ["a", "b", "c", "d"]))
    model = read_ranker(train_trees(groups, trees=30, depth=2, rate=0.3, leaf=5).to_json())
    assert all(int(np.argmax([model.score_values(row) for row in g.x.tolist()])) == 0 for g in groups)
    untrained = train_trees(groups, trees=0)
    assert untrained.score_values(groups[0].x[1].tolist()) == groups[0].x[1, JOINT]  # no trees: the joint score


def test_the_search_ranks_with_the_shipped_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _trees()
    file = tmp_path / "ranker.json"
    file.write_text(model.to_json(), encoding="utf-8")
    ranker.learned_ranker.cache_clear()
    monkeypatch.setattr(ranker, "MODEL_FILE", file)
    try:
        assert default_ranker() == model
        frame = pd.DataFrame({"team": list("aabbbcc") * 3, "points": range(21)})
        target = frame.groupby("team", as_index=False)["points"].sum()
        result = synthesize({"table_1": frame}, target, SearchConfig(top_k=3))
        best = result.pipelines[0]
        assert [s.op for s in best.spec.steps] == ["groupby"] and best.verified
        file.write_text("{not json", encoding="utf-8")
        ranker.learned_ranker.cache_clear()
        with pytest.raises(SynthesisInputError, match="ranker.json is not valid JSON"):
            default_ranker()
        monkeypatch.setattr(ranker, "MODEL_FILE", tmp_path / "none.json")
        ranker.learned_ranker.cache_clear()
        assert isinstance(default_ranker(), JointProbabilityRanker)
    finally:
        ranker.learned_ranker.cache_clear()


def test_the_shipped_model_if_any_loads_and_reads_known_features() -> None:
    ranker.learned_ranker.cache_clear()
    try:
        shipped = ranker.learned_ranker()
        if not ranker.MODEL_FILE.exists():
            assert shipped is None and isinstance(default_ranker(), JointProbabilityRanker)
            return
        assert shipped is not None and default_ranker() is shipped
        assert set(shipped.features) <= set(FEATURES) and shipped.meta.get("trained_on")
    finally:
        ranker.learned_ranker.cache_clear()
