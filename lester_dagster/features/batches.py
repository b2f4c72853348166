"""Encoding a large prepared table in batches of rows: the encoder is fitted once on the whole table (the
costly text features are not computed during the fit), then applied batch by batch, with a progress bar in
a terminal and each batch reported to a callback (a Dagster run's `context.log`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.utils import Tags

from lester_dagster import show_progress

log = logging.getLogger(__name__)

BATCH_ROWS = 20_000  # rows encoded at a time: ~1 minute of MiniLM on 2 cores, and 60 MB of X at 384x2 dimensions
Progress = Callable[[int, int, float], None]  # rows encoded, rows in all, seconds so far

# While set, the text transformers draw no progress bar of their own (the batches' bar covers them).
_IN_BATCHES: ContextVar[bool] = ContextVar("lester_in_batches", default=False)


def in_batches() -> bool:
    return _IN_BATCHES.get()


@contextmanager
def _batches() -> Iterator[None]:
    token = _IN_BATCHES.set(True)
    try:
        yield
    finally:
        _IN_BATCHES.reset(token)


def encode_in_batches(encoder: ColumnTransformer, frame: pd.DataFrame, batch_rows: int = BATCH_ROWS,
                      progress: Progress | None = None) -> np.ndarray:
    """Fits `encoder` on `frame` and returns X (float64), encoded `batch_rows` rows at a time: equal to
    `encoder.fit_transform(frame)`. The fit does not encode the texts of the encoder's own text transformers
    (lester's SentenceEmbedder and WordCounter): fitting them learns only their width. A text transformer
    inside a Pipeline is fitted on its real output, which the Pipeline's later steps learn from."""
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, got {batch_rows}.")
    fit_without_encoding(encoder, frame)
    return transform_in_batches(encoder, frame, batch_rows, progress)


def fit_without_encoding(encoder: ColumnTransformer, frame: pd.DataFrame) -> ColumnTransformer:
    """`encoder.fit(frame)`, with the encoder's direct text transformers fitted without encoding (a
    ColumnTransformer's fit keeps only the width of each part's output, not its values)."""
    from lester_dagster.features.text import _TextColumnTransformer

    original = list(encoder.transformers)
    encoder.transformers = [(name, _WidthOnly(t) if isinstance(t, _TextColumnTransformer) else t, columns)
                            for name, t, columns in original]
    try:
        encoder.fit(frame)
    finally:
        encoder.transformers = original
    encoder.transformers_ = [(name, t.inner_ if isinstance(t, _WidthOnly) else t, columns)
                             for name, t, columns in encoder.transformers_]
    return encoder


class _WidthOnly(TransformerMixin, BaseEstimator):
    """Fits `inner`; its transform gives zeros of the inner transformer's width (used only while fitting)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def fit(self, X: Any, y: Any = None) -> _WidthOnly:
        self.inner_ = clone(self.inner).fit(X, y)
        return self

    def transform(self, X: Any) -> np.ndarray:
        return np.zeros((len(X), len(self.inner_.get_feature_names_out())), dtype=np.float32)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.inner_.get_feature_names_out(input_features), dtype=object)

    def __sklearn_tags__(self) -> Tags:
        return self.inner.__sklearn_tags__()


def transform_in_batches(encoder: Any, frame: pd.DataFrame, batch_rows: int = BATCH_ROWS,
                         progress: Progress | None = None) -> np.ndarray:
    """`encoder.transform(frame)` as float64, `batch_rows` rows at a time, reporting progress."""
    n, started = len(frame), time.perf_counter()
    bar = _bar(n) if show_progress() and n > batch_rows else None
    X: np.ndarray | None = None
    try:
        with _batches():
            for start in range(0, max(n, 1), batch_rows):
                stop = min(start + batch_rows, n)
                part = _dense(encoder.transform(frame.iloc[start:stop]))
                if X is None:
                    X = np.empty((n, part.shape[1]), dtype=np.float64)
                X[start:stop] = part
                seconds = time.perf_counter() - started
                if bar is not None:
                    bar.update(stop - start)
                if n > batch_rows:
                    log.info("encoded %d of %d rows in %.1f s", stop, n, seconds)
                if progress is not None:
                    progress(stop, n, seconds)
    finally:
        if bar is not None:
            bar.close()
    assert X is not None  # the loop runs at least once
    return X


def _dense(values: Any) -> np.ndarray:
    return np.asarray(values.toarray() if sparse.issparse(values) else values, dtype=np.float64)


def _bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ModuleNotFoundError:  # tqdm comes with the text extra; without it the log says how far it is
        return None
    return tqdm(total=total, unit="rows", desc="encoding", unit_scale=True)


__all__ = ["BATCH_ROWS", "Progress", "encode_in_batches", "fit_without_encoding", "in_batches", "transform_in_batches"]
