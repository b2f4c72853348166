"""Encoding in batches: the same X as one `fit_transform` (differential), the fit computes the encoder's
own text features not at all, progress goes to a callback, a terminal's bar and a Dagster run's log."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE, word_count_encoder
from lester_dagster.datasets.running_example import generate
from lester_dagster.features.batches import encode_in_batches, transform_in_batches
from lester_dagster.features.text import WordCounter
from lester_dagster.storage.artifacts import load_encoder, save_encoder
from tests.lester_project import project, refresh


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    customers, mails = generate(1500, 4)
    prepared = WORD_COUNT_PIPELINE.plan({"customers": customers, "mails": mails}).execute()
    return prepared.frame.drop(columns=WORD_COUNT_PIPELINE.label)


@pytest.mark.parametrize("batch_rows", [1, 37, 500, 10**6])
def test_batches_give_the_x_of_one_fit_transform(frame: pd.DataFrame, batch_rows: int, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    encoder = word_count_encoder()
    X = encode_in_batches(encoder, frame, batch_rows, progress=lambda done, total, _: seen.append((done, total)))
    np.testing.assert_array_equal(X, word_count_encoder().fit_transform(frame))
    assert X.dtype == np.float64
    assert [d for d, _ in seen] == [min(b + batch_rows, len(frame)) for b in range(0, len(frame), batch_rows)]
    assert {t for _, t in seen} == {len(frame)}
    # the fitted encoder holds its real transformers: it stores, loads and transforms as before
    save_encoder(encoder, tmp_path / "encoder.skops")
    np.testing.assert_array_equal(load_encoder(tmp_path / "encoder.skops").transform(frame.iloc[:50]), X[:50])


def test_the_fit_does_not_encode_the_encoders_own_text_columns(frame: pd.DataFrame,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: dict[str, int] = {}
    transform = WordCounter.transform

    def counting(self: WordCounter, X: pd.Series | pd.DataFrame) -> np.ndarray:
        column = X.name if isinstance(X, pd.Series) else X.columns[0]
        encoded[column] = encoded.get(column, 0) + len(X)
        return transform(self, X)

    monkeypatch.setattr(WordCounter, "transform", counting)
    encode_in_batches(word_count_encoder(), frame, batch_rows=400)
    # text (a direct part, as the MiniLM embeddings are) is encoded once, by the batches, as in one
    # fit_transform; title (in a Pipeline whose scaler learns from the counts) also while fitting
    assert encoded == {"text": len(frame), "title": 2 * len(frame)}


def test_a_terminal_gets_a_progress_bar(frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    encoder = word_count_encoder().fit(frame)
    monkeypatch.setenv("LESTER_PROGRESS", "1")
    transform_in_batches(encoder, frame, batch_rows=100)
    assert "encoding" in capsys.readouterr().err
    monkeypatch.setenv("LESTER_PROGRESS", "0")
    transform_in_batches(encoder, frame, batch_rows=100)
    assert "encoding" not in capsys.readouterr().err


def test_a_dagster_run_logs_how_far_the_encoding_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lester_dagster.features.batches.BATCH_ROWS", 100)
    monkeypatch.setattr(encode_in_batches, "__defaults__", (100, None))
    defs, _, _ = project(tmp_path / "project", mails=1200)
    with dg.DagsterInstance.ephemeral() as instance:
        result = refresh(defs, instance)
        assert result.success
        messages = [e.message for e in instance.all_logs(result.run_id)]
    encoded = [m for m in messages if m and "complaints_word_counts: encoded " in m]
    assert len(encoded) > 1 and encoded[-1].split(" encoded ")[1].startswith(
        encoded[-1].split(" of ")[1].split(" rows")[0] + " of ")
