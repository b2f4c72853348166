"""The learned ranker (GetFinalTopK): a linear model over the features of a complete candidate, trained
offline by benchmarks/synthesis/train_ranker.py on self-generated pipelines over the development tables
only, and shipped as JSON weights (no pickle: loading a model runs no code). Its features include the
hand-set joint-probability score, so what it learns is how much more the other evidence (column names,
kinds, constraints, row agreement, the operators used) should count than that score gives them."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lester_dagster.errors import SynthesisInputError
from lester_dagster.synthesis.logistic import MODEL_VERSION, read_model

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
        return json.dumps({"version": MODEL_VERSION, "features": list(self.features), "mean": list(self.mean),
                           "scale": list(self.scale), "weights": list(self.weights), "meta": dict(self.meta)},
                          indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "ranker model") -> LinearRanker:
        data = read_model(text, source)
        try:
            return cls(tuple(map(str, data["features"])), tuple(map(float, data["mean"])),
                       tuple(float(s) or 1.0 for s in data["scale"]), tuple(map(float, data["weights"])),
                       dict(data.get("meta") or {}))
        except (KeyError, TypeError, ValueError) as error:
            raise SynthesisInputError(f"{source} lacks a field or holds a non-number ({error}); retrain it.") from None


@cache
def learned_ranker(path: str | None = None) -> LinearRanker | None:
    """The shipped model, or None when the package carries none."""
    file = Path(path) if path else MODEL_FILE
    if not file.exists():
        return None
    return LinearRanker.from_json(file.read_text(encoding="utf-8"), str(file))
