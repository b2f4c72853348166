"""Encoding on Spark (local mode) against the driver path: X written per partition by `encode_on_spark` and
read back in the table's row order equals `encode_in_batches` / `transform_in_batches` on the same rows with
the same fitted encoder, row for row, with each row's ids beside it; X never comes to the driver; a heavy
model loads once per Python worker, not per batch."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from lester_dagster.features.batches import encode_in_batches, transform_in_batches
from lester_dagster.features.chunks import ChunkedMatrix
from lester_dagster.features.spark import X_COLUMN, SparkEncodingError, encode_on_spark, read_matrix
from lester_dagster.features.text import WordCounter

pytest.importorskip("pyspark")
pytestmark = pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
                                reason="Spark needs a JVM (`make java`)")

ROWS = 240


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """The local Spark session of tests/test_engine_spark.py: two cores, two shuffle partitions."""
    from lester_dagster.engine.spark_backend import session, stop_session

    yield session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    stop_session()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(15)
    words = ["bank", "account", "complaint", "thanks", "card", "blocked"]
    texts = [" ".join(rng.choice(words, rng.integers(0, 7))) for _ in range(ROWS)]
    return pd.DataFrame({
        "mail_id": rng.permutation(ROWS).astype(np.int64) * 1000 + 7,  # a provenance id, one a row
        "row": np.arange(ROWS, dtype=np.int64),  # the prepared table's order
        "amount": np.where(rng.random(ROWS) < 0.1, np.nan, rng.normal(50, 20, ROWS)),
        "age": rng.integers(18, 90, ROWS).astype(np.int64),
        "country": pd.Series(rng.choice(["DE", "FR", "UK", "NL"], ROWS), dtype=object).where(rng.random(ROWS) > 0.1),
        "title": pd.Series(texts, dtype=object).where(rng.random(ROWS) > 0.05),
        "text": [t.upper() + " end" for t in texts],
    })


def tabular_encoder() -> ColumnTransformer:
    return ColumnTransformer([
        ("numbers", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), ["amount", "age"]),
        ("country", OneHotEncoder(handle_unknown="ignore"), ["country"]),
    ])


def text_encoder() -> ColumnTransformer:
    return ColumnTransformer([
        ("title", Pipeline([("count", WordCounter()), ("scale", StandardScaler())]), "title"),
        ("text", WordCounter(), "text"),  # a direct text part, as the MiniLM embeddings are: not encoded by the fit
        ("country", OneHotEncoder(handle_unknown="ignore"), ["country"]),
    ])


def test_tabular_x_equals_the_driver_path_row_for_row(spark: Any, frame: pd.DataFrame, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # rows shuffled over three partitions: their order is the ordinal's, not Spark's
    df = spark.createDataFrame(frame).repartition(3)
    collected: list[list[str]] = []
    for method in ("toArrow", "toPandas", "collect", "toLocalIterator", "take", "tail"):
        original = getattr(type(df), method)  # Spark 4's classic DataFrame, not the facade pyspark.sql.DataFrame

        def spy(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            collected.append(list(self.columns))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(type(df), method, spy)
    encoder = tabular_encoder()
    encoding = encode_on_spark(encoder, df, tmp_path / "X", ids=["mail_id"], ordinal="row", batch_rows=50)
    monkeypatch.undo()

    # the driver saw the encoder's input columns of the fit's rows, never X: X is in one file per partition
    assert collected and all(set(columns) <= {"amount", "age", "country"} for columns in collected)
    assert not encoding.sampled and encoding.fit_rows == ROWS and encoding.n_rows == ROWS
    assert len(encoding.files) == 3 and all(rows > 0 for rows in encoding.rows_per_file)
    for name, rows in zip(encoding.files, encoding.rows_per_file, strict=True):
        stored = pq.read_table(encoding.path / name)
        assert stored.column_names == ["row", "mail_id", X_COLUMN] and stored.num_rows == rows

    X, ids = encoding.read()
    assert isinstance(X, ChunkedMatrix) and X.shape == (ROWS, encoding.n_features)
    features = frame[["amount", "age", "country"]]
    np.testing.assert_array_equal(np.asarray(X), transform_in_batches(encoder, features))
    # fitted on all rows, it is the X of the driver's own fit and transform (up to the last bit: the fit met
    # the rows in the shuffled order, and a mean summed in another order may differ in it)
    np.testing.assert_allclose(np.asarray(X), encode_in_batches(clone(encoder), features), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ids["row"].to_numpy(), frame["row"].to_numpy())
    np.testing.assert_array_equal(ids["mail_id"].to_numpy(), frame["mail_id"].to_numpy())
    assert list(encoding.matrix.feature_names) == list(encoder.get_feature_names_out())


def test_text_x_equals_the_driver_path_with_the_engines_provenance_columns(spark: Any, frame: pd.DataFrame,
                                                                          tmp_path: Path) -> None:
    from pyspark.sql import functions as F  # noqa: N812

    # as the engine's Spark backend carries them: an array<bigint> ordinal (row 0's is [0], a prefix of
    # row 1's [0, 1]: it sorts first), and provenance as bigint (one id a row) and array<bigint> (an
    # aggregate's members) columns
    row = F.col("row")
    ordinal = F.when(row == 0, F.array(F.lit(0).cast("bigint"))).otherwise(
        F.array(F.floor(row / 100).cast("bigint"), row % 100))
    df = (spark.createDataFrame(frame.iloc[::-1])
          .withColumn("__lester_row", ordinal)
          .withColumn("__lester_prov_0", F.col("mail_id"))
          .withColumn("__lester_prov_1", F.array(F.col("mail_id"), F.col("mail_id") + 1))
          .drop("row", "mail_id"))
    encoder = text_encoder()
    encoding = encode_on_spark(encoder, df, tmp_path / "X", ids=["__lester_prov_0", "__lester_prov_1"],
                               ordinal="__lester_row")
    X, ids = read_matrix(encoding.path)

    features = frame[["country", "title", "text"]]
    np.testing.assert_array_equal(np.asarray(X), transform_in_batches(encoder, features))
    np.testing.assert_array_equal(np.asarray(X), encode_in_batches(text_encoder(), features))
    np.testing.assert_array_equal(ids["__lester_prov_0"].to_numpy(), frame["mail_id"].to_numpy())
    assert [list(v) for v in ids["__lester_prov_1"]] == [[m, m + 1] for m in frame["mail_id"]]


def test_a_large_table_is_fitted_on_a_bounded_sample(spark: Any, frame: pd.DataFrame, tmp_path: Path) -> None:
    df = spark.createDataFrame(frame.drop(columns="row"))  # no ordinal: the DataFrame's own order
    encoder = text_encoder()
    encoding = encode_on_spark(encoder, df, tmp_path / "X", ids=["mail_id"], fit_rows=60, seed=3)
    assert encoding.sampled and 0 < encoding.fit_rows <= 60
    X, ids = encoding.read()
    # the same fitted encoder in the driver gives the same X for the DataFrame's rows, in its order
    rows = df.toPandas()
    np.testing.assert_array_equal(np.asarray(X), transform_in_batches(encoder, rows[["country", "title", "text"]]))
    np.testing.assert_array_equal(ids["mail_id"].to_numpy(), rows["mail_id"].to_numpy())
    # an encoder that comes fitted (a re-run with the model's encoder) is applied as it is
    again = encode_on_spark(encoder, df, tmp_path / "Z", ids=["mail_id"], fit=False)
    assert again.fit_rows == 0 and not again.sampled
    np.testing.assert_array_equal(np.asarray(again.read()[0]), np.asarray(X))

    with pytest.raises(SparkEncodingError, match=r"handle_unknown='ignore'.*fit_rows=240"):
        encode_on_spark(ColumnTransformer([("c", OneHotEncoder(), ["country"])]), df, tmp_path / "Y", fit_rows=60)
    with pytest.raises(SparkEncodingError, match="must be distinct"):
        encode_on_spark(text_encoder(), df, tmp_path / "W", ids=["mail_id"], ordinal="mail_id")
    with pytest.raises(SparkEncodingError, match="exists"):
        encode_on_spark(text_encoder(), df, tmp_path / "X")


# ---- a heavy model loads once per Python worker ---------------------------------------------------------

_MODEL: dict[str, int] = {}  # in each Python worker, as text.load_model's cache


def _heavy_model(log: str) -> int:
    if log not in _MODEL:
        with open(log, "a") as out:
            out.write(f"load {os.getpid()}\n")
        _MODEL[log] = os.getpid()
    return _MODEL[log]


class LoadingCounter(WordCounter):
    """Word counts that first load a "model" (as SentenceEmbedder does), logging each load and batch."""

    def __init__(self, log: str = "") -> None:
        self.log = log

    def transform(self, X: Any) -> np.ndarray:
        _heavy_model(self.log)
        with open(self.log, "a") as out:
            out.write(f"batch {os.getpid()}\n")
        return super().transform(X)


def test_a_heavy_model_loads_once_per_python_worker(spark: Any, frame: pd.DataFrame, tmp_path: Path) -> None:
    log = tmp_path / "loads.txt"
    df = spark.createDataFrame(frame[["row", "title"]]).repartition(2)
    encoder = ColumnTransformer([("title", LoadingCounter(str(log)), "title")])
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "16")  # several Arrow batches a partition
    try:
        encoding = encode_on_spark(encoder, df, tmp_path / "X", ordinal="row", batch_rows=5)
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    lines = [line.split() for line in log.read_text().splitlines()]
    workers = {pid for _, pid in lines} - {str(os.getpid())}
    assert workers
    for pid in workers:
        assert [kind for kind, p in lines if p == pid].count("load") == 1
    assert sum(kind == "batch" for kind, pid in lines if pid in workers) >= ROWS // 5
    X, _ = encoding.read()
    np.testing.assert_array_equal(np.asarray(X), frame[["title"]].pipe(
        lambda f: transform_in_batches(ColumnTransformer([("t", WordCounter(), "title")]).fit(f), f)))


def test_the_driver_reports_the_encodings_progress_by_partition(spark: Any, frame: pd.DataFrame, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The executors encode; the driver reports how many of the write's tasks (one per partition) are done,
    from Spark's status tracker, as it polls and once at the end with all of them. The caller's job group
    is its own again afterwards."""
    from lester_dagster.features import spark as spark_encoding

    monkeypatch.setattr(spark_encoding, "POLL_SECONDS", 0.01)
    reports: list[tuple[int, int]] = []
    df = spark.createDataFrame(frame).repartition(4)
    context = spark.sparkContext
    context.setLocalProperty("spark.jobGroup.id", "caller")
    context.setLocalProperty("spark.job.description", "the caller's job")
    try:
        encoding = encode_on_spark(tabular_encoder(), df, tmp_path / "X", ids=["mail_id"], ordinal="row",
                                   progress=lambda done, total, seconds: reports.append((done, total)))
        assert context.getLocalProperty("spark.jobGroup.id") == "caller"
        assert context.getLocalProperty("spark.job.description") == "the caller's job"
        assert context.getLocalProperty("spark.job.interruptOnCancel") is None
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
        context.setLocalProperty("spark.job.description", None)
    assert reports, "no progress was reported"
    assert reports[-1][0] == reports[-1][1] >= 4  # every task of the write, done
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert encoding.n_rows == len(frame)
