"""A declarative ML pipeline (sources, data preparation on the engine, an unfitted ColumnTransformer, a
label column and a model) and its materialised artifacts: the views that deletions keep up to date."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

import lester_dagster.engine as le
from lester_dagster.engine import Result, SourceData
from lester_dagster.errors import ModelError, SchemaError
from lester_dagster.features.batches import Progress, encode_in_batches
from lester_dagster.features.chunks import ChunkedMatrix, as_matrix
from lester_dagster.features.matrix import MatrixProvenance
from lester_dagster.model.config import ModelConfig
from lester_dagster.model.sampling import curvature_sample
from lester_dagster.provenance import RowProvenance

if TYPE_CHECKING:  # torch (the `ml` extra) loads when a model is trained, not when a pipeline is declared
    from lester_dagster.model.mlp import TrainedModel


@dataclass(frozen=True)
class TablePipeline:
    """A pipeline that ends in a table (a synthesised pipeline, a report): `prepare` receives one engine
    Table per source, by name, and returns the output table, which deletions keep up to date."""

    name: str
    sources: Mapping[str, str | None]  # source name -> key column (None: rows identified by content)
    prepare: Callable[..., le.Table]

    def plan(self, frames: Mapping[str, pd.DataFrame]) -> le.Table:
        missing = [s for s in self.sources if s not in frames]
        if missing:
            raise SchemaError(f"pipeline {self.name!r} needs source(s) {missing}; got {sorted(frames)}.")
        tables = {s: le.from_pandas(frames[s], s, key=key) for s, key in self.sources.items()}
        return self.prepare(**tables)


@dataclass(frozen=True)
class PipelineSpec(TablePipeline):
    """What a rewritten or synthesised ML pipeline declares; everything else is derived from it.

    `prepare` receives one engine Table per source, by name, and returns the prepared table including
    the `label` column; `encoder` builds the unfitted ColumnTransformer for the other columns.
    """

    encoder: Callable[[], ColumnTransformer]
    label: str
    model: ModelConfig = field(default_factory=ModelConfig)
    test_fraction: float = 0.2
    split_seed: int = 0

    def plan(self, frames: Mapping[str, pd.DataFrame]) -> le.Table:
        table = super().plan(frames)
        if self.label not in table.columns:
            raise SchemaError(
                f"pipeline {self.name!r}: the prepared table has no label column {self.label!r}; it has "
                f"{table.columns}."
            )
        return table


# y of a row whose label is null: the row stays in the prepared table and in X, but neither trains nor
# evaluates the model (an unknown label is no evidence either way), on materialisation and under IVM alike
NO_LABEL = -1


def labels(frame: pd.DataFrame, label: str) -> np.ndarray:
    """y: the label column as int64, NO_LABEL where it is null."""
    values = frame[label]
    present = values.notna().to_numpy()
    y = np.full(len(values), NO_LABEL, dtype=np.int64)
    if present.any():
        y[present] = values[present].to_numpy().astype(np.int64)
        if (y[present] == NO_LABEL).any():  # else a -1 would pass for "no label" and drop out unseen
            raise ModelError(
                f"label column {label!r} holds -1; labels must be 0, 1 or null (a null label leaves its "
                "row out of training and evaluation). Encode the positive class as 1."
            )
    return y


def holdout_mask(provenance: RowProvenance, fraction: float, seed: int) -> np.ndarray:
    """Rows held out for evaluation, chosen by a hash of each row's provenance, so a row stays on its
    side when other rows are deleted."""
    buckets = (provenance.signatures() ^ np.uint64(seed)) % np.uint64(10_000)
    return buckets < np.uint64(round(fraction * 10_000))


@dataclass
class MaterializedPipeline:
    """The artifacts of one pipeline run, kept in sync with the sources by incremental maintenance."""

    spec: PipelineSpec
    plan: le.Table
    prepared: Result
    encoder: ColumnTransformer
    matrix: MatrixProvenance
    X: np.ndarray
    y: np.ndarray
    is_test: np.ndarray
    model: TrainedModel
    metrics: dict[str, float]
    version: int = 0
    history: list[Any] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # how long materialising each stage took

    @property
    def sources(self) -> Mapping[str, SourceData]:
        return self.prepared.sources

    @property
    def features(self) -> pd.DataFrame:
        """The prepared columns the encoder reads (all but the label)."""
        return self.prepared.frame.drop(columns=self.spec.label)

    @property
    def labeled(self) -> np.ndarray:
        """Rows with a label: only they train (outside `is_test`) or evaluate (inside it) the model."""
        return self.y != NO_LABEL

    def train_rows(self) -> np.ndarray:
        return np.flatnonzero(~self.is_test & self.labeled)

    def copy(self) -> MaterializedPipeline:
        """An independent copy: deletions patch X in place, so the copy gets its own."""
        return replace(self, X=self.X.copy(), history=list(self.history))


@dataclass(frozen=True)
class Encoded:
    """The output of the encoding stage: X, labels, split, and the fitted encoder with its provenance."""

    X: np.ndarray
    y: np.ndarray  # NO_LABEL where the label is null
    is_test: np.ndarray  # held-out rows with a label (a row without one is neither training nor test)
    encoder: ColumnTransformer
    matrix: MatrixProvenance


def encode(spec: PipelineSpec, prepared: Result, progress: Progress | None = None) -> Encoded:
    """Fits the pipeline's encoder on the prepared table and applies it in batches of rows (`progress`
    hears of each); splits rows by provenance. X comes in row chunks (views of the encoded array, no copy),
    with float32 copies of the rows each deletion's model stage reads (`keep_model_rows`)."""
    encoder = spec.encoder()
    encoded = encode_in_batches(encoder, prepared.frame.drop(columns=spec.label), progress=progress)
    y = labels(prepared.frame, spec.label)
    is_test = holdout_mask(prepared.provenance, spec.test_fraction, spec.split_seed) & (y != NO_LABEL)
    X = ChunkedMatrix.of(encoded)
    keep_model_rows(X, y, is_test, spec.model.seed)
    return Encoded(as_matrix(X), y, is_test, encoder, MatrixProvenance.of(encoder))


# X's row copies (features.chunks.RowCopy) that the model stage of a deletion reads instead of X
HELD_OUT, CURVATURE = "held_out", "curvature"


def keep_model_rows(X: ChunkedMatrix, y: np.ndarray, is_test: np.ndarray, seed: int) -> None:
    """Makes X keep float32 copies of the rows every deletion's model stage reads: all held-out rows (the
    metrics are refreshed on them after each model update) and the curvature sample of the training rows
    (the second-order update's). Stored with X and maintained with it, they are read in one pass where
    gathering them from X would read most of its pages. The sample X already keeps stays, less the rows
    that left training, topped up (model.sampling.curvature_sample)."""
    X.keep_copy(HELD_OUT, np.flatnonzero(is_test))
    training = ~is_test & (y != NO_LABEL)
    old = X.copies.get(CURVATURE)
    kept = None if old is None else old.rows[training[old.rows]]
    X.keep_copy(CURVATURE, curvature_sample(np.flatnonzero(training), seed, kept))


def fit_model(spec: PipelineSpec, encoded: Encoded) -> TrainedModel:
    """Trains on the training rows with a label and records the held-out metrics on the model."""
    from lester_dagster.model import evaluate, train

    training = ~encoded.is_test & (encoded.y != NO_LABEL)
    model = train(encoded.X[training], encoded.y[training], spec.model)
    model.metrics = evaluate(model, encoded.X[encoded.is_test], encoded.y[encoded.is_test])
    return model


def materialize(spec: PipelineSpec, frames: Mapping[str, pd.DataFrame]) -> MaterializedPipeline:
    """Runs the pipeline from scratch: prepare, fit and apply the encoder, train and evaluate the model."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    plan = spec.plan(frames)
    prepared = plan.execute()
    seconds["prepare"] = time.perf_counter() - started
    started = time.perf_counter()
    encoded = encode(spec, prepared)
    seconds["encode"] = time.perf_counter() - started
    started = time.perf_counter()
    model = fit_model(spec, encoded)
    seconds["train"] = time.perf_counter() - started
    return MaterializedPipeline(
        spec,
        plan,
        prepared,
        encoded.encoder,
        encoded.matrix,
        encoded.X,
        encoded.y,
        encoded.is_test,
        model,
        dict(model.metrics),
        seconds=seconds,
    )


def recompute(
    state: MaterializedPipeline, frames: Mapping[str, pd.DataFrame | SourceData], backend: str | None = None
) -> tuple[Result, np.ndarray]:
    """A full re-run of data preparation and encoding on other source data, with the same fitted
    encoder: what incremental maintenance must agree with. `backend` as for `execute` (tests name
    "pandas", the reference executor, so that IVM on the default backend is checked against another)."""
    result = state.plan.execute(frames, backend)
    features = result.frame.drop(columns=state.spec.label)
    return result, np.asarray(state.encoder.transform(features), dtype=np.float64)
