"""Tests for the text featurisers: WordCounter and SentenceEmbedder inside a
ColumnTransformer, and their agreement with the shared helper functions."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer

from lester_dagster.features.text import (
    SentenceEmbedder,
    WordCounter,
    embed_texts,
    load_model,
    word_counts,
)

TITLES = [
    "complaint about my bank account",
    "Thank you!",
    "URGENT: money missing",
    "re: re: your so-called support",
    "Great service, really",
    'She said "no problem"',
    "very disappointed my credit card is 4111111111111111",
    "question",
    "  spaced   out\ttitle  ",
    "Bank account blocked",
    "all sorted",
    "happy customer",
]
SELECTORS = pytest.mark.parametrize("selector", ["title", ["title"]], ids=["scalar", "list"])


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": TITLES,
            "text": [t.upper() for t in TITLES],
            "country": ["DE", "FR", "UK"] * 4,
        }
    )


def test_word_counts_split_on_any_whitespace() -> None:
    counts = word_counts(["a b  c", "  spaced   out\ttitle  ", "", "one"])
    np.testing.assert_array_equal(counts, [3.0, 3.0, 0.0, 1.0])
    assert counts.dtype == np.float64


def test_word_counts_of_missing_text_are_zero() -> None:
    np.testing.assert_array_equal(word_counts([None, np.nan, pd.NA, "x y"]), [0.0, 0.0, 0.0, 2.0])


@SELECTORS
def test_word_counter_in_column_transformer(frame: pd.DataFrame, selector: str | list[str]) -> None:
    ct = ColumnTransformer([("wc", WordCounter(), selector)])
    X = ct.fit_transform(frame)
    assert X.shape == (len(TITLES), 1)
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X[:, 0], [len(t.split()) for t in TITLES])
    assert ct.get_feature_names_out().tolist() == ["wc__title_word_count"]
    assert ct.named_transformers_["wc"].get_feature_names_out().tolist() == ["title_word_count"]


def test_word_counter_without_column_names() -> None:
    counter = WordCounter().fit(np.array(TITLES))
    assert counter.transform(np.array(TITLES).reshape(-1, 1)).shape == (len(TITLES), 1)
    assert counter.get_feature_names_out().tolist() == ["x0_word_count"]
    assert counter.get_feature_names_out(["subject"]).tolist() == ["subject_word_count"]


def test_word_counter_rejects_several_columns(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"one text column but got 2 columns \['title', 'text'\]"):
        WordCounter().fit(frame[["title", "text"]])


def test_word_counter_pickles_and_clones(frame: pd.DataFrame) -> None:
    counter = WordCounter().fit(frame["title"])
    restored = pickle.loads(pickle.dumps(counter))
    np.testing.assert_array_equal(
        restored.transform(frame["title"]), counter.transform(frame["title"])
    )
    assert not hasattr(clone(counter), "n_features_in_")


@pytest.mark.slow
@SELECTORS
def test_sentence_embedder_in_column_transformer(
    frame: pd.DataFrame, selector: str | list[str]
) -> None:
    ct = ColumnTransformer(
        [("emb", SentenceEmbedder(), selector), ("wc", WordCounter(), selector)]
    )
    X = ct.fit_transform(frame)
    assert X.shape == (len(TITLES), 385)
    assert ct.output_indices_["emb"] == slice(0, 384)
    assert ct.output_indices_["wc"] == slice(384, 385)
    names = ct.get_feature_names_out()
    assert names[0] == "emb__title_emb_0" and names[383] == "emb__title_emb_383"
    assert names[384] == "wc__title_word_count"
    assert len(set(names)) == len(names)
    np.testing.assert_allclose(X[:, :384], embed_texts(TITLES), rtol=0, atol=1e-6)


@pytest.mark.slow
def test_sentence_embedder_output(frame: pd.DataFrame) -> None:
    embedder = SentenceEmbedder().fit(frame["title"])
    E = embedder.transform(frame["title"])
    assert E.dtype == np.float32 and E.shape == (len(TITLES), 384)
    assert embedder.embedding_dim_ == 384
    # MiniLM's pipeline ends in a normalisation layer.
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    assert embedder.get_feature_names_out(["subject"])[-1] == "subject_emb_383"


@pytest.mark.slow
def test_embeddings_do_not_depend_on_batch_size(frame: pd.DataFrame) -> None:
    small = SentenceEmbedder(batch_size=2).fit_transform(frame["title"])
    large = SentenceEmbedder(batch_size=64).fit_transform(frame["title"])
    np.testing.assert_allclose(small, large, rtol=0, atol=1e-5)
    one_by_one = np.vstack([embed_texts([t], batch_size=1) for t in TITLES[:4]])
    np.testing.assert_allclose(one_by_one, large[:4], rtol=0, atol=1e-5)


@pytest.mark.slow
def test_missing_text_embeds_to_zero() -> None:
    E = embed_texts(["hello there", None, np.nan])
    assert np.linalg.norm(E[0]) > 0.5
    np.testing.assert_array_equal(E[1:], 0.0)
    assert embed_texts([]).shape == (0, 384)


@pytest.mark.slow
def test_model_is_loaded_once_and_shared(frame: pd.DataFrame) -> None:
    ct = ColumnTransformer(
        [("title", SentenceEmbedder(), "title"), ("text", SentenceEmbedder(batch_size=8), "text")]
    )
    ct.fit(frame)
    assert load_model() is load_model(None, "cpu")
    state = vars(ct.named_transformers_["title"]).values()
    assert not any(isinstance(v, type(load_model())) for v in state)


@pytest.mark.slow
def test_fitted_column_transformer_pickles_without_the_model(frame: pd.DataFrame) -> None:
    ct = ColumnTransformer(
        [
            ("title_emb", SentenceEmbedder(), "title"),
            ("text_emb", SentenceEmbedder(), ["text"]),
            ("title_wc", WordCounter(), ["title"]),
        ]
    )
    X = ct.fit_transform(frame)
    blob = pickle.dumps(ct)
    # The model weights are ~90 MB; a pickle that small cannot hold them.
    assert len(blob) < 50_000
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.transform(frame), X)
    assert restored.get_feature_names_out().tolist() == ct.get_feature_names_out().tolist()
