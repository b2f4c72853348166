"""The learned ranker (GetFinalTopK): a model over the features of a complete candidate, trained offline
by benchmarks/synthesis/train_ranker.py on self-generated pipelines over the development tables only, and
shipped as JSON (no pickle: loading a model runs no code). Two kinds: a linear model (`LinearRanker`) and
regression trees added to a linear base (`TreeRanker`), which the JSON's "kind" names. Their features
include the hand-set joint-probability score, so what they learn is how much more the other evidence
(column names, kinds, constraints, row agreement, the operators used) should count than that score gives
them."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lester_dagster.errors import SynthesisInputError
from lester_dagster.synthesis.logistic import MODEL_VERSION, Tree, as_float32, read_model

if TYPE_CHECKING:
    from lester_dagster.synthesis.search import Candidate

MODEL_FILE = Path(__file__).parent / "models" / "ranker.json"
OPERATORS = ("join", "union", "groupby", "pivot", "unpivot", "split", "substring", "concatenate", "dropna", "fillna",
             "select", "rename")
FEATURES: tuple[str, ...] = (
    "joint_score", "log_probability", "steps", "mapping_mean", "mapping_min", "mapping_log_likelihood",
    "constraint_share", "primary_key_ok", "row_ratio_log", "row_surprise", "unused_inputs", "null_mismatch",
    "category_mismatch", "row_agreement", "count_surprise", "verified", "name_agreement", "type_agreement",
    "text_sums", *(f"op_{op}" for op in OPERATORS),
)


def feature_vector(candidate: Candidate) -> list[float]:
    """The candidate's features in `FEATURES` order (the joint score computed here)."""
    from lester_dagster.synthesis.search import JointProbabilityRanker

    found = candidate.features()
    found["joint_score"] = JointProbabilityRanker().score(candidate)
    return [_finite(found.get(name, 0.0)) for name in FEATURES]


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


@dataclass(frozen=True)
class LinearRanker:
    """score = sum of weight * (feature - mean) / scale, over `features`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    meta: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.weights):
            raise SynthesisInputError("ranker model: features, mean, scale and weights differ in length; retrain it.")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise SynthesisInputError(f"ranker model reads unknown features {sorted(unknown)}; retrain it with "
                                      "benchmarks/synthesis/train_ranker.py.")

    def score(self, candidate: Candidate) -> float:
        values = dict(zip(FEATURES, feature_vector(candidate), strict=True))
        return self.score_values([values[name] for name in self.features])

    def score_values(self, values: Sequence[float]) -> float:
        return float(sum(w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.mean, self.scale,
                                                                strict=True)))

    def to_json(self) -> str:
        return json.dumps({"version": MODEL_VERSION, "kind": "linear", "features": list(self.features), "mean": list(self.mean),
                           "scale": list(self.scale), "weights": list(self.weights), "meta": dict(self.meta)},
                          indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "ranker model") -> LinearRanker:
        return cls.from_data(read_model(text, source), source)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str = "ranker model") -> LinearRanker:
        try:
            return cls(tuple(map(str, data["features"])), tuple(map(float, data["mean"])),
                       tuple(float(s) or 1.0 for s in data["scale"]), tuple(map(float, data["weights"])),
                       dict(data.get("meta") or {}))
        except (KeyError, TypeError, ValueError) as error:
            raise SynthesisInputError(f"{source} lacks a field or holds a non-number ({error}); retrain it.") from None



RETRAIN = "retrain it with benchmarks/synthesis/train_ranker.py"


@dataclass(frozen=True)
class TreeRanker:
    """score = sum of weight * feature (a linear base, e.g. the joint score alone) + the sum of the
    trees' values over `features` (gradient boosting, each tree's values already scaled by its rate)."""

    features: tuple[str, ...]
    base: tuple[float, ...]  # weight per feature of the linear base
    trees: tuple[Tree, ...]
    meta: Mapping[str, Any]
    float32: bool = True  # compare as float32, as scikit-learn's DecisionTreeRegressor does

    def __post_init__(self) -> None:
        if len(self.base) != len(self.features):
            raise SynthesisInputError("ranker model: features and base weights differ in length; retrain it with "
                                      "benchmarks/synthesis/train_ranker.py.")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise SynthesisInputError(f"ranker model reads unknown features {sorted(unknown)}; retrain it with "
                                      "benchmarks/synthesis/train_ranker.py.")
        for tree in self.trees:
            tree.check(len(self.features), "ranker model", RETRAIN)

    def score(self, candidate: Candidate) -> float:
        values = dict(zip(FEATURES, feature_vector(candidate), strict=True))
        return self.score_values([values[name] for name in self.features])

    def score_values(self, values: Sequence[float]) -> float:
        compared = as_float32(values) if self.float32 else list(values)
        return float(sum(w * v for w, v in zip(self.base, values, strict=True))
                     + sum(tree.predict(compared) for tree in self.trees))

    def to_json(self) -> str:
        trees = [t.to_data() for t in self.trees]
        return json.dumps({"version": MODEL_VERSION, "kind": "trees", "features": list(self.features),
                           "base": list(self.base), "float32": self.float32, "trees": trees, "meta": dict(self.meta)},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, source: str = "ranker model") -> TreeRanker:
        return cls.from_data(read_model(text, source), source)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str = "ranker model") -> TreeRanker:
        try:
            trees = tuple(Tree.from_data(t) for t in data["trees"])
            model = cls(tuple(map(str, data["features"])), tuple(map(float, data["base"])), (), dict(data.get("meta") or {}),
                        bool(data.get("float32", True)))
        except (KeyError, TypeError, ValueError) as error:
            raise SynthesisInputError(f"{source} lacks a field or holds a non-number ({error}); retrain it with "
                                      "benchmarks/synthesis/train_ranker.py.") from None
        for tree in trees:
            tree.check(len(model.features), source, RETRAIN)
        return replace(model, trees=trees)


KINDS: dict[str, type[LinearRanker] | type[TreeRanker]] = {"linear": LinearRanker, "trees": TreeRanker}


def read_ranker(text: str, source: str = "ranker model") -> LinearRanker | TreeRanker:
    """The model a ranker JSON holds, of the kind it names ("linear" when it names none)."""
    data = read_model(text, source)
    kind = data.get("kind", "linear")
    if kind not in KINDS:
        raise SynthesisInputError(f"{source}: unknown ranker kind {kind!r} (known: {sorted(KINDS)}); retrain it "
                                  "with benchmarks/synthesis/train_ranker.py.")
    return KINDS[kind].from_data(data, source)


@cache
def learned_ranker(path: str | None = None) -> LinearRanker | TreeRanker | None:
    """The shipped model, or None when the package carries none."""
    file = Path(path) if path else MODEL_FILE
    if not file.exists():
        return None
    return read_ranker(file.read_text(encoding="utf-8"), str(file))
