"""Small models shipped as JSON (no pickle: loading a model runs no code): the learned parameter
predictors read one to turn a candidate parameter's features into the probability that it is the one
the pipeline used. A logistic regression (`LogisticModel`) or gradient-boosted regression trees on the
log-odds (`BoostedModel`), which the JSON's "model" field names. Trained offline by
benchmarks/synthesis/train_predictors.py."""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Self

import numpy as np

from lester_dagster.errors import SynthesisInputError

MODELS = Path(__file__).parent / "models"
MODEL_VERSION = 1


def read_model(text: str, source: str) -> dict[str, Any]:
    """A shipped model's JSON object, refused with a message when it is not JSON or not of MODEL_VERSION
    (the learned predictors here and the ranker in ranker.py share this format)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SynthesisInputError(f"{source} is not valid JSON ({error}); retrain it.") from None
    if not isinstance(data, dict) or data.get("version") != MODEL_VERSION:
        raise SynthesisInputError(f"{source}: expected a version {MODEL_VERSION} model; retrain it.")
    return data


_RETRAIN = "retrain it with benchmarks/synthesis/train_predictors.py"


class _Predictor(ABC):
    """What both kinds of model share: P(right) from the log-odds their `logit` gives, and the check that a
    model predicts what its reader computes the features of."""

    kind: str
    features: tuple[str, ...]

    @abstractmethod
    def logit(self, values: Sequence[float]) -> float:
        """The log-odds that the candidate these feature values describe is right."""

    def probability(self, values: Sequence[float]) -> float:
        z = self.logit(values)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def check(self, kind: str, features: Sequence[str]) -> Self:
        """The model, if it predicts `kind` from exactly these features (in this order)."""
        if self.kind != kind or tuple(features) != self.features:
            raise SynthesisInputError(f"model for {self.kind!r} over {len(self.features)} features does not fit "
                                      f"the {kind!r} predictor's {len(features)} features; {_RETRAIN}.")
        return self


@dataclass(frozen=True)
class LogisticModel(_Predictor):
    """P(right) = sigmoid(bias + sum of weight * (feature - mean) / scale), over `features`."""

    kind: str  # what it predicts ('aggregate', ...): a model is refused where another kind is expected
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.weights):
            raise SynthesisInputError(f"{self.kind} model: features, mean, scale and weights differ in length; "
                                      "retrain it with benchmarks/synthesis/train_predictors.py.")

    def logit(self, values: Sequence[float]) -> float:
        return self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, values, self.mean, self.scale,
                                                                       strict=True))

    def to_json(self) -> str:
        return json.dumps({"version": MODEL_VERSION, "kind": self.kind, "features": list(self.features),
                           "mean": list(self.mean), "scale": list(self.scale), "weights": list(self.weights),
                           "bias": self.bias, "meta": dict(self.meta)}, indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "model") -> LogisticModel:
        data = read_model(text, source)
        try:
            return cls(str(data["kind"]), tuple(map(str, data["features"])), tuple(map(float, data["mean"])),
                       tuple(float(s) or 1.0 for s in data["scale"]), tuple(map(float, data["weights"])),
                       float(data["bias"]), dict(data.get("meta") or {}))
        except (KeyError, TypeError, ValueError) as error:
            raise SynthesisInputError(f"{source} lacks a field or holds a non-number ({error}); retrain it.") from None


@dataclass(frozen=True)
class Tree:
    """A binary regression tree as flat arrays (scikit-learn's layout): node i splits on `feature[i]` at
    `threshold[i]`, going to `left[i]` when the value is at most the threshold and to `right[i]`
    otherwise; a leaf has left == right == -1 and scores `value[i]`."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def check(self, features: int, source: str, retrain: str = _RETRAIN) -> None:
        """Refuses a tree whose arrays disagree, whose features are out of range or whose children do
        not come after their parent (a cycle would never reach a leaf)."""
        nodes = len(self.value)
        if not nodes or not len(self.feature) == len(self.threshold) == len(self.left) == len(self.right) == nodes:
            raise SynthesisInputError(f"{source}: a tree's feature, threshold, left, right and value arrays differ in "
                                      f"length or are empty; {retrain}.")
        for node in range(nodes):
            leaf = self.left[node] == -1 and self.right[node] == -1
            if not math.isfinite(self.value[node]) or not leaf and (
                    not node < self.left[node] < nodes or not node < self.right[node] < nodes
                    or not 0 <= self.feature[node] < features or math.isnan(self.threshold[node])):
                raise SynthesisInputError(f"{source}: tree node {node} has a child, feature or value out of range; "
                                          f"{retrain}.")

    def predict(self, values: Sequence[float]) -> float:
        node = 0
        while self.left[node] != -1:
            node = self.left[node] if values[self.feature[node]] <= self.threshold[node] else self.right[node]
        return self.value[node]

    def to_data(self) -> dict[str, list[Any]]:
        return {"feature": list(self.feature), "threshold": list(self.threshold), "left": list(self.left),
                "right": list(self.right), "value": list(self.value)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Tree:
        return cls(tuple(map(int, data["feature"])), tuple(map(float, data["threshold"])),
                   tuple(map(int, data["left"])), tuple(map(int, data["right"])), tuple(map(float, data["value"])))


def as_float32(values: Sequence[float]) -> list[float]:
    """The values as scikit-learn's trees compare them (they cast features to float32 first)."""
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64).tolist()


@dataclass(frozen=True)
class BoostedModel(_Predictor):
    """P(right) = sigmoid(bias + the sum of the trees' values over `features` compared as float32):
    scikit-learn's GradientBoostingClassifier, each tree's values already scaled by its learning rate."""

    kind: str
    features: tuple[str, ...]
    bias: float
    trees: tuple[Tree, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for tree in self.trees:
            tree.check(len(self.features), f"{self.kind} model")

    def logit(self, values: Sequence[float]) -> float:
        compared = as_float32(values)
        return self.bias + sum(tree.predict(compared) for tree in self.trees)

    def to_json(self) -> str:
        return json.dumps({"version": MODEL_VERSION, "model": "trees", "kind": self.kind,
                           "features": list(self.features), "bias": self.bias,
                           "trees": [t.to_data() for t in self.trees], "meta": dict(self.meta)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, source: str = "model") -> BoostedModel:
        data = read_model(text, source)
        try:
            return cls(str(data["kind"]), tuple(map(str, data["features"])), float(data["bias"]),
                       tuple(Tree.from_data(t) for t in data["trees"]), dict(data.get("meta") or {}))
        except (KeyError, TypeError, ValueError) as error:
            raise SynthesisInputError(f"{source} lacks a field or holds a non-number ({error}); retrain it.") from None


ShippedModel = LogisticModel | BoostedModel
MODEL_KINDS: dict[str, type[LogisticModel] | type[BoostedModel]] = {"logistic": LogisticModel, "trees": BoostedModel}


def read_predictor(text: str, source: str = "model") -> ShippedModel:
    """The predictor a JSON file holds, of the model it names ("logistic" when it names none)."""
    model = read_model(text, source).get("model", "logistic")
    if model not in MODEL_KINDS:
        raise SynthesisInputError(f"{source}: unknown model {model!r} (known: {sorted(MODEL_KINDS)}); {_RETRAIN}.")
    return MODEL_KINDS[model].from_json(text, source)


@cache
def shipped(kind: str, features: tuple[str, ...]) -> ShippedModel | None:
    """The model the package ships for `kind` (models/<kind>.json), or None when it ships none."""
    file = MODELS / f"{kind}.json"
    if not file.exists():
        return None
    return read_predictor(file.read_text(encoding="utf-8"), str(file)).check(kind, features)
