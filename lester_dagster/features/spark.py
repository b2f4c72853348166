"""Encoding a prepared table that lives in Spark where it lives: the encoder is fitted in the driver on the
table's rows (all of them when few, else a bounded sample), then applied per partition on the executors,
and X is written there as Parquet, one file per partition, each row's vector beside its ids and ordinal.
`read_matrix` gives it back as the chunked X the rest of the code uses, in the table's row order."""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.utils.validation import check_is_fitted

from lester_dagster import show_progress
from lester_dagster.errors import LesterError
from lester_dagster.features.batches import BATCH_ROWS, Progress, fit_without_encoding, transform_in_batches
from lester_dagster.features.chunks import ChunkedMatrix, chunk_rows_for
from lester_dagster.features.matrix import MatrixProvenance

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

X_COLUMN = "__lester_x"  # each row's encoded vector, array<double>
ROW_COLUMN = "__lester_x_row"  # the ordinal made when the caller names none
MANIFEST = "X.spark.json"
FORMAT = "lester-x-spark"
# rows the encoder is fitted on in the driver: a ColumnTransformer's fit needs its rows in one process; the
# statistics it learns (means, scales, medians, categories) from 100k random rows are within sampling error
# of the whole table's, and the driver holds only the encoder's input columns of those rows, never X
FIT_ROWS = 100_000
POLL_SECONDS = 0.5  # how often the driver asks Spark's status tracker how far the encoding is
# what SparkContext.setJobGroup sets: the caller's values come back after the encoding's jobs
JOB_GROUP_PROPERTIES = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")


class SparkEncodingError(LesterError):
    """An encoder or a DataFrame that encoding on Spark cannot take, or a folder that is not its output."""


@dataclass(frozen=True)
class SparkEncoding:
    """Where `encode_on_spark` wrote X, and what describes it (X itself stays in the files)."""

    path: Path
    files: tuple[str, ...]  # one Parquet file per partition that held rows
    rows_per_file: tuple[int, ...]
    matrix: MatrixProvenance  # the prepared columns behind each of X's dimensions
    ordinal: str  # the column whose order is the table's row order
    ids: tuple[str, ...]  # the provenance columns written beside each vector
    fit_rows: int  # rows the encoder was fitted on (0: it came fitted)
    sampled: bool  # fitted on a sample of the rows, not all of them

    @property
    def n_rows(self) -> int:
        return sum(self.rows_per_file)

    @property
    def n_features(self) -> int:
        return self.matrix.n_features

    def read(self) -> tuple[ChunkedMatrix, pd.DataFrame]:
        return read_matrix(self.path)


def encode_on_spark(encoder: ColumnTransformer, dataframe: DataFrame, path: str | Path, *,
                    ids: Sequence[str] = (), ordinal: str | None = None, fit: bool = True,
                    fit_rows: int = FIT_ROWS, seed: int = 0, batch_rows: int = BATCH_ROWS,
                    progress: Progress | None = None) -> SparkEncoding:
    """Fits `encoder` (unless `fit` is False: it came fitted) and writes X of `dataframe` into the new folder
    `path` on the executors: one Parquet file per partition, each row's vector (`X_COLUMN`, float64, equal
    to `transform_in_batches(encoder, rows)`) beside its `ids` columns and its `ordinal`, so that X's rows
    stay aligned with the table's rows and their provenance. Nothing of X comes to the driver.

    The fit runs in the driver on the encoder's input columns of all rows when there are at most `fit_rows`
    (X is then the one `encode_in_batches` gives), else of a random sample of about `fit_rows` rows (`seed`);
    as in `encode_in_batches`, the encoder's own text transformers learn only their width and do not embed.
    `ordinal` names a column (bigint, or array<bigint> compared element by element as the engine's Spark
    backend orders rows) whose order is the table's; without one, the row order is the DataFrame's own
    (partition by partition, `monotonically_increasing_id`), which is stable only if its partitioning is.
    The DataFrame is read twice (the fit's rows, then the encoding): persist it first if it is costly.
    `path` must be a folder the driver and every executor see (a shared file system on a cluster).
    While the executors encode, the driver reports how many of the write's tasks (partitions) are done, from
    Spark's status tracker: to `progress` (tasks done, tasks in all, seconds) and, in a terminal, as a bar."""
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
    from pyspark.sql import types as T  # noqa: N812

    target = Path(path)
    if target.exists():
        raise SparkEncodingError(f"{target} exists; encode_on_spark writes a new folder, name one that does not "
                                 "exist (or delete the old one first).")
    if batch_rows < 1 or fit_rows < 1:
        raise ValueError(f"batch_rows and fit_rows must be at least 1, got {batch_rows} and {fit_rows}.")
    columns = list(dataframe.columns)
    missing = [x for x in [*ids, *([ordinal] if ordinal else [])] if x not in columns]
    if missing:
        raise SparkEncodingError(f"the DataFrame has no column {missing}; its columns are {columns}.")
    if ordinal is not None and ordinal in ids or len(set(ids)) != len(ids):
        raise SparkEncodingError(f"ids {list(ids)} and ordinal {ordinal!r} must be distinct columns: each is written "
                                 "once beside the vectors.")
    if X_COLUMN in columns or (ordinal is None and ROW_COLUMN in columns):
        raise SparkEncodingError(f"the DataFrame has a column named {X_COLUMN!r} or {ROW_COLUMN!r}, which "
                                 "encode_on_spark writes; rename it.")
    carried = [*([ordinal] if ordinal else []), *ids]
    inputs = _input_columns(encoder, [x for x in columns if x not in carried], fitted=not fit)

    seen, sampled = 0, False
    if fit:
        total = dataframe.count()
        rows = dataframe.select(*(F.col(_quoted(x)) for x in inputs))
        if total > fit_rows:
            _check_sampled_fit(encoder, fit_rows, total)
            rows, sampled = rows.sample(fraction=fit_rows / total, seed=seed).limit(fit_rows), True
        frame = _frame(rows.toArrow())
        seen = len(frame)
        if seen == 0:
            raise SparkEncodingError("the DataFrame has no rows to fit the encoder on.")
        fit_without_encoding(encoder, frame)
    width = MatrixProvenance.of(encoder).n_features

    if ordinal is None:
        ordinal = ROW_COLUMN
        dataframe = dataframe.withColumn(ROW_COLUMN, F.monotonically_increasing_id())
    schema = dataframe.schema
    out_schema = T.StructType([*(schema[x] for x in [ordinal, *ids]),
                               T.StructField(X_COLUMN, T.ArrayType(T.DoubleType(), containsNull=False), False)])
    # The fitted encoder reaches the executors in this closure, pickled by Spark (cloudpickle): safe here
    # because it was built or fitted in this process, never loaded from user input. A SentenceEmbedder
    # pickles without its model: the model loads once per Python worker (text.load_model's module-level
    # cache, and Spark reuses its Python workers across tasks), not once per batch or partition.
    encode = functools.partial(_encode_partition, encoder=encoder, inputs=tuple(inputs),
                               carried=(ordinal, *ids), width=width, batch_rows=batch_rows)
    encoded = dataframe.select(*(F.col(_quoted(x)) for x in dict.fromkeys([*inputs, ordinal, *ids])))
    with _watched(dataframe.sparkSession.sparkContext, progress):
        encoded.mapInArrow(encode, out_schema).write.parquet(str(target))

    files = sorted(p.name for p in target.glob("part-*.parquet"))
    rows_per_file = tuple(pq.read_metadata(target / name).num_rows for name in files)
    # Spark writes one empty file when no partition has rows
    kept = [(f, r) for f, r in zip(files, rows_per_file, strict=True) if r]
    encoding = SparkEncoding(target, tuple(f for f, _ in kept), tuple(r for _, r in kept), MatrixProvenance.of(encoder),
                             ordinal, tuple(ids), seen, sampled)
    (target / MANIFEST).write_text(json.dumps({
        "format": FORMAT, "version": 1, "files": list(encoding.files), "rows": list(encoding.rows_per_file),
        "matrix": encoding.matrix.to_dict(), "ordinal": ordinal, "ids": list(ids), "fit_rows": seen,
        "sampled": sampled}, indent=1))
    return encoding


@contextmanager
def _watched(context: Any, progress: Progress | None) -> Iterator[None]:
    """Runs the block's Spark jobs in a job group of their own and, from a thread of the driver, reports how
    many of their tasks are done, until the block ends (then once more, with the final count)."""
    bar = _bar() if show_progress() else None
    if progress is None and bar is None:
        yield
        return
    group, started = f"lester-encode-{uuid.uuid4().hex}", time.perf_counter()
    previous = {key: context.getLocalProperty(key) for key in JOB_GROUP_PROPERTIES}
    context.setJobGroup(group, "lester: encoding X")
    done = threading.Event()
    shown = [0]

    def report() -> None:
        finished, total = _tasks(context.statusTracker(), group)
        if not total:
            return
        if progress is not None:
            progress(finished, total, time.perf_counter() - started)
        if bar is not None:
            bar.total = total
            bar.update(finished - shown[0])
            shown[0] = finished

    def watch() -> None:
        while not done.wait(POLL_SECONDS):
            report()

    watcher = threading.Thread(target=watch, name="lester-encode-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        for key, value in previous.items():
            context.setLocalProperty(key, value)
        report()
        if bar is not None:
            bar.close()


def _tasks(tracker: Any, group: str) -> tuple[int, int]:
    """(tasks done, tasks in all) of the result stages of the group's jobs (the stage that writes: one task
    a partition). The stages before it may be skipped, their output reused, and never complete."""
    finished = total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        described = tracker.getStageInfo(max(info.stageIds)) if info is not None and info.stageIds else None
        if described is not None:
            finished += described.numCompletedTasks
            total += described.numTasks
    return finished, total


def _bar() -> Any:
    try:
        from tqdm.auto import tqdm
    except ModuleNotFoundError:  # tqdm comes with the text extra
        return None
    return tqdm(total=0, unit="partitions", desc="encoding on Spark")


def _encode_partition(batches: Iterator[pa.RecordBatch], *, encoder: Any, inputs: tuple[str, ...],
                      carried: tuple[str, ...], width: int, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """On an executor: each Arrow batch of a partition encoded (by the driver path's own code), with its
    rows' ordinal and ids."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = pa.Table.from_batches([batch])
        X = transform_in_batches(encoder, _frame(table.select(list(inputs))), batch_rows)
        if X.shape != (batch.num_rows, width):
            raise SparkEncodingError(f"the encoder gave X of shape {X.shape} for {batch.num_rows} rows; it was "
                                     f"fitted {width} wide.")
        offsets = pa.array(np.arange(0, X.size + 1, width, dtype=np.int64 if X.size >= 2**31 else np.int32))
        list_type = pa.LargeListArray if offsets.type == pa.int64() else pa.ListArray
        vectors = list_type.from_arrays(offsets, pa.array(X.ravel(), pa.float64()))
        yield pa.RecordBatch.from_arrays([*(batch.column(x) for x in carried), vectors], [*carried, X_COLUMN])


def read_matrix(path: str | Path) -> tuple[ChunkedMatrix, pd.DataFrame]:
    """X as `encode_on_spark` wrote it into `path`, and its rows' ordinal and ids, both in the ordinal's
    order (the prepared table's). The driver holds X once: the ordinals are read and ordered first, then
    each file's vectors are placed where their rows go."""
    folder = Path(path)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise SparkEncodingError(f"{folder} holds no X written by encode_on_spark ({folder / MANIFEST}: "
                                 f"{error}).") from error
    if manifest.get("format") != FORMAT:
        raise SparkEncodingError(f"{folder / MANIFEST} is not a lester X manifest (format {manifest.get('format')!r}).")
    width = len(manifest["matrix"]["feature_names"])
    carried = [manifest["ordinal"], *manifest["ids"]]
    id_tables = [pq.read_table(folder / name, columns=carried) for name in manifest["files"]]
    ids = pa.concat_tables(id_tables) if id_tables else None
    n = ids.num_rows if ids is not None else 0
    order = _ordinal_order(ids.column(manifest["ordinal"])) if ids is not None else np.empty(0, np.int64)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)  # where each stored row goes
    X = np.empty((n, width), dtype=np.float64)
    start = 0
    for name, table in zip(manifest["files"], id_tables, strict=True):
        vectors = pq.read_table(folder / name, columns=[X_COLUMN]).column(0).combine_chunks()
        values = vectors.flatten().to_numpy(zero_copy_only=False)
        X[position[start: start + table.num_rows]] = values.reshape(table.num_rows, width)
        start += table.num_rows
    frame = _frame(ids.take(pa.array(order))) if ids is not None else pd.DataFrame(columns=carried)
    return ChunkedMatrix.of(X, chunk_rows_for(n, width)), frame


def _ordinal_order(ordinals: pa.ChunkedArray) -> np.ndarray:
    """Positions of the rows in the order of their ordinals: numbers, or arrays compared element by element
    (a shorter one first where it is a prefix), as the engine's Spark backend orders its rows."""
    column = ordinals.combine_chunks()
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        return np.argsort(column.to_numpy(zero_copy_only=False), kind="stable")
    offsets = column.offsets.to_numpy().astype(np.int64)
    values = column.values.to_numpy(zero_copy_only=False).astype(np.int64)[offsets[0]: offsets[-1]]
    offsets -= offsets[0]
    lengths = np.diff(offsets)
    width = int(lengths.max()) if len(column) else 0
    if width == 0:
        return np.arange(len(column))
    matrix = np.full((len(column), width), np.iinfo(np.int64).min, dtype=np.int64)  # a prefix sorts first
    rows = np.repeat(np.arange(len(column)), lengths)
    matrix[rows, np.arange(len(values)) - offsets[:-1][rows]] = values
    return np.lexsort(matrix.T[::-1])


def _frame(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas as the engine holds a prepared table (its Spark backend's conversion)."""
    from lester_dagster.engine.duckdb_backend import to_frame

    return to_frame(table)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _input_columns(encoder: ColumnTransformer, columns: list[str], fitted: bool) -> list[str]:
    """The columns the encoder reads, in the DataFrame's order: those it was fitted on, else those its
    selectors name; every column but the ids and ordinal when a selector is not a name (or a remainder
    is kept)."""
    if fitted:
        check_is_fitted(encoder, "output_indices_")
        names = [str(x) for x in getattr(encoder, "feature_names_in_", columns)]
    elif encoder.remainder != "drop":
        return columns
    else:
        names = []
        for _, _, selector in encoder.transformers:
            selected = [selector] if isinstance(selector, str) else list(selector) if isinstance(
                selector, (list, tuple)) else None
            if selected is None or not all(isinstance(x, str) for x in selected):
                return columns
            names += selected
    absent = sorted(set(names) - set(columns))
    if absent:
        raise SparkEncodingError(f"the encoder reads {absent}, which the DataFrame does not have (or which are "
                                 f"its ids or ordinal); its columns are {columns}.")
    return [x for x in columns if x in set(names)]


def _check_sampled_fit(encoder: ColumnTransformer, fit_rows: int, total: int) -> None:
    """A fit on a sample may miss categories: an encoder part that raises on unseen ones would fail on the
    executors, after the fit; refuse it now."""
    for name, part, _ in encoder.transformers:
        steps = part.steps if isinstance(part, Pipeline) else [(name, part)]
        for _, step in steps:
            if isinstance(step, (OneHotEncoder, OrdinalEncoder)) and step.handle_unknown == "error":
                fix = "'ignore'" if isinstance(step, OneHotEncoder) else "'use_encoded_value'"
                raise SparkEncodingError(
                    f"encoder part {name!r} ({type(step).__name__}) raises on categories it did not see while "
                    f"fitting, and the encoder is fitted on a sample of {fit_rows} of the {total} rows: set its "
                    f"handle_unknown={fix}, or pass fit_rows={total} to fit on all rows.")


__all__ = ["FIT_ROWS", "ROW_COLUMN", "X_COLUMN", "SparkEncoding", "SparkEncodingError", "encode_on_spark",
           "read_matrix"]
