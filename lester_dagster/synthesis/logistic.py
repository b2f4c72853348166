"""A small logistic model shipped as JSON (no pickle: loading a model runs no code): the learned
parameter predictors read one to turn a candidate parameter's features into the probability that it is
the one the pipeline used. Trained offline by benchmarks/synthesis/train_predictors.py."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class LogisticModel:
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

    def probability(self, values: Sequence[float]) -> float:
        z = self.logit(values)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def check(self, kind: str, features: Sequence[str]) -> LogisticModel:
        """The model, if it predicts `kind` from exactly these features (in this order)."""
        if self.kind != kind or tuple(features) != self.features:
            raise SynthesisInputError(f"model for {self.kind!r} over {len(self.features)} features does not fit "
                                      f"the {kind!r} predictor's {len(features)} features; retrain it with "
                                      "benchmarks/synthesis/train_predictors.py.")
        return self

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


@cache
def shipped(kind: str, features: tuple[str, ...]) -> LogisticModel | None:
    """The model the package ships for `kind` (models/<kind>.json), or None when it ships none."""
    file = MODELS / f"{kind}.json"
    if not file.exists():
        return None
    return LogisticModel.from_json(file.read_text(encoding="utf-8"), str(file)).check(kind, features)
