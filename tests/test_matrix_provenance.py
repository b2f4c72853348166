"""Matrix column provenance against a perturbation oracle: change one prepared column, re-encode, and
see which dimensions of X move. They must be exactly the recorded ranges for transformers that keep
columns apart, and within them for transformers that mix columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from lester_dagster.features.matrix import MatrixProvenance, MatrixProvenanceError, encode_blocks
from lester_dagster.features.text import WordCounter

RNG = np.random.default_rng(0)
FRAME = pd.DataFrame(
    {
        "a": RNG.normal(size=40),
        "b": RNG.choice(["x", "y", "z"], size=40),
        "c": RNG.choice(["p", "q"], size=40),
        "d": np.where(RNG.random(40) < 0.2, np.nan, RNG.normal(size=40)),
        "e": RNG.normal(size=40),
        "t": RNG.choice(["one two", "three", "four five six"], size=40),
    }
)


def perturbed(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    out = frame.copy()
    values = out[column].to_numpy()
    out[column] = np.roll(values, 1) if values.dtype == object or isinstance(values[0], str) else values * 3 + 1
    return out


def moved_dimensions(encoder: ColumnTransformer, column: str) -> set[int]:
    before = encoder.transform(FRAME)
    after = encoder.transform(perturbed(FRAME, column))
    return set(np.flatnonzero(~np.isclose(before, after, equal_nan=True).all(axis=0)).tolist())


def recorded(provenance: MatrixProvenance, column: str) -> set[int]:
    return set(provenance.dimensions([column]).tolist())


def make(transformers: list, remainder: str = "drop") -> ColumnTransformer:
    return ColumnTransformer(transformers, remainder=remainder, sparse_threshold=0.0).fit(FRAME)


SEPARABLE = {
    "one-hot after a wide block sits at its true offset": [
        ("words", WordCounter(), "t"),
        ("wide", FunctionTransformer(lambda x: np.repeat(x, 5, axis=1), validate=True), ["a"]),
        ("onehot", OneHotEncoder(sparse_output=False), ["b"]),
    ],
    "multi-column one-hot with drop maps every column": [
        ("scale", StandardScaler(), ["a", "e"]),
        ("onehot", OneHotEncoder(drop="first", sparse_output=False), ["b", "c"]),
    ],
    "pipeline of imputer, scaler over two columns": [
        ("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), ["d", "a"]),
        ("cat", Pipeline([("onehot", OneHotEncoder(sparse_output=False))]), ["c", "b"]),
    ],
    "integer selectors": [("scale", StandardScaler(), [0, 4]), ("onehot", OneHotEncoder(sparse_output=False), [1])],
}


@pytest.mark.parametrize("name", list(SEPARABLE))
def test_separable_transformers_are_exact(name: str) -> None:
    encoder = make(SEPARABLE[name])
    provenance = MatrixProvenance.of(encoder)
    assert provenance.n_features == encoder.transform(FRAME).shape[1]
    for block in provenance.blocks:
        for column in block.inputs:
            assert moved_dimensions(encoder, column) == recorded(provenance, column), (name, column)


def test_one_hot_offsets_and_names() -> None:
    encoder = make(SEPARABLE["one-hot after a wide block sits at its true offset"])
    provenance = MatrixProvenance.of(encoder)
    assert provenance.column_ranges() == {"t": [(0, 1)], "a": [(1, 6)], "b": [(6, 9)]}
    # the custom block has no feature names of its own, so X's names fall back to positions
    assert provenance.feature_names == ("words__0", "wide__0", "wide__1", "wide__2", "wide__3", "wide__4",
                                        "onehot__0", "onehot__1", "onehot__2")


def test_mixing_transformers_map_every_input_to_the_whole_block() -> None:
    encoder = make(
        [
            ("pca", PCA(n_components=2), ["a", "e"]),
            ("mix", FunctionTransformer(lambda x: np.c_[x[:, 0] * x[:, 1], x[:, 0] + x[:, 1]], validate=True), ["a", "e"]),
            ("onehot", OneHotEncoder(sparse_output=False), ["c"]),
            ("rest", "passthrough", [3]),
        ],
    )
    provenance = MatrixProvenance.of(encoder)
    # the LESTER prototype maps only the first column of a multi-column transformer: both count here
    assert recorded(provenance, "e") == recorded(provenance, "a") == {0, 1, 2, 3}
    for column in ["a", "e", "c", "d"]:
        assert moved_dimensions(encoder, column) <= recorded(provenance, column)
    assert recorded(provenance, "d") == {6}  # passed through, selected by index


def test_re_encoding_blocks_equals_transform() -> None:
    encoder = make(SEPARABLE["pipeline of imputer, scaler over two columns"] + [("words", WordCounter(), "t")])
    provenance = MatrixProvenance.of(encoder)
    rows = FRAME.iloc[[3, 17, 29]].copy()
    rows.loc[:, "t"] = ["a b c d e f", None, "x"]
    full = encoder.transform(rows)
    blocks = provenance.blocks_reading(["t", "c"])
    for block, values in zip(blocks, encode_blocks(encoder, blocks, rows), strict=True):
        np.testing.assert_allclose(values, full[:, block.start : block.stop])


def test_unfitted_encoder_is_a_clear_error() -> None:
    with pytest.raises(MatrixProvenanceError, match="must be fitted"):
        MatrixProvenance.of(ColumnTransformer([("s", StandardScaler(), ["a"])]))


@pytest.mark.slow
def test_running_example_encoder() -> None:
    from example_project.declarative_pipeline import encoder

    frame = pd.DataFrame(
        {
            "title": ["bad service", "my bank account", "thanks"] * 4,
            "text": ["a complaint", "bank account closed", "fine"] * 4,
            "country": ["DE", "UK", "FR"] * 4,
        }
    )
    fitted = encoder().fit(frame)
    provenance = MatrixProvenance.of(fitted)
    assert provenance.column_ranges() == {
        "title": [(0, 384), (768, 769)],
        "text": [(384, 768)],
        "country": [(769, 772)],
    }
