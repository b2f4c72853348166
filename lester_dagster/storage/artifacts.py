"""On-disk formats of a pipeline's artifacts: tables as Parquet with their row provenance as columns of
the same file, the feature matrix with its row and matrix column provenance, the model as a `state_dict`, and the
whole materialised pipeline as those parts, so incremental maintenance can resume from disk."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.compose import ColumnTransformer

from lester_dagster.engine import Result, SourceData
from lester_dagster.features.chunks import MANIFEST as CHUNK_MANIFEST
from lester_dagster.features.chunks import ChunkedMatrix, ChunkWrite, as_matrix, save_chunks
from lester_dagster.features.matrix import MatrixProvenance
from lester_dagster.pipeline import MaterializedPipeline, PipelineSpec
from lester_dagster.provenance import ProvColumn, RowProvenance, SourceColumn
from lester_dagster.provenance.arrow import (
    PROVENANCE_KEY,
    PROVENANCE_PREFIX,
    provenance_array,
    provenance_column,
    stored_provenance_columns,
)
from lester_dagster.storage.versions import StorageError

if TYPE_CHECKING:  # torch (the `ml` extra) loads with the first model saved or loaded
    from lester_dagster.model.mlp import TrainedModel

MmapMode: TypeAlias = Literal["r", "c", "r+", "w+"]  # numpy.load's: read-only, copy-on-write, read-write, new

# ---- row provenance ------------------------------------------------------------------------------------


def save_provenance(path: Path, provenance: RowProvenance) -> None:
    arrays: dict[str, np.ndarray] = {"n_rows": np.array([provenance.n_rows]), "sources": np.array(list(provenance))}
    for i, column in enumerate(provenance.values()):
        arrays[f"ids_{i}"] = column.ids
        # an empty indptr marks the dense form: one id per row
        arrays[f"indptr_{i}"] = column.indptr if column.indptr is not None else np.empty(0, np.int64)
    with open(path, "wb") as handle:
        # sorted ids in runs: a fraction of their raw size (numpy's stub matches **arrays against allow_pickle)
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


def load_provenance(path: Path) -> RowProvenance:
    with np.load(path, allow_pickle=False) as data:
        columns = {}
        for i, source in enumerate(data["sources"].tolist()):
            indptr = data[f"indptr_{i}"]
            columns[str(source)] = ProvColumn(data[f"ids_{i}"], indptr if len(indptr) else None)
        return RowProvenance(columns, int(data["n_rows"][0]))


# ---- tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredTable:
    """A prepared table as stored: rows, their provenance and the columns' lineage."""

    frame: pd.DataFrame
    provenance: RowProvenance
    lineage: dict[str, frozenset[SourceColumn]]
    row_lineage: frozenset[SourceColumn]


def save_table(
    folder: Path,
    frame: pd.DataFrame,
    provenance: RowProvenance,
    lineage: Mapping[str, Any],
    row_lineage: frozenset[SourceColumn],
) -> None:
    """The rows and their provenance in one Parquet file (one column per source, named in its schema
    metadata), and the lineage in table.json."""
    table = pa.Table.from_pandas(frame, preserve_index=False)  # what DataFrame.to_parquet writes
    clash = [c for c in table.column_names if str(c).startswith(PROVENANCE_PREFIX)]
    if clash:
        raise StorageError(
            f"the table's column(s) {clash} start with {PROVENANCE_PREFIX!r}, which lester keeps for "
            "the provenance it stores in the same file; rename them."
        )
    data, columns = list(table.column_names), []
    metadata = dict(table.schema.metadata or {})  # pandas' own, which says how to read the frame back
    for i, (source, column) in enumerate(provenance.items()):
        name = f"{PROVENANCE_PREFIX}{i}"  # not the source's own name, which can be any text
        array = provenance_array(column)
        # a frame without columns still has rows: Arrow made it a table of none
        table = table.append_column(name, array) if table.num_columns else pa.table({name: array})
        columns.append([source, name])
    metadata[PROVENANCE_KEY] = json.dumps({"columns": columns}).encode()
    # ids as deltas: at 1M mails the prepared table's file is 41.4 MiB with them, 43.2 with dictionaries
    # (the data columns as pandas writes them: dictionaries and snappy)
    pq.write_table(
        table.replace_schema_metadata(metadata),
        folder / "table.parquet",
        use_dictionary=data,
        column_encoding={name: "DELTA_BINARY_PACKED" for _, name in columns},
    )
    meta = {
        "lineage": {c: sorted([s.source, s.column] for s in sources) for c, sources in lineage.items()},
        "row_lineage": sorted([s.source, s.column] for s in row_lineage),
        "rows": len(frame),
    }
    (folder / "table.json").write_text(json.dumps(meta, indent=1))


def load_table(folder: Path) -> StoredTable:
    meta = json.loads((folder / "table.json").read_text())
    lineage = {c: frozenset(SourceColumn(*p) for p in pairs) for c, pairs in meta["lineage"].items()}
    row_lineage = frozenset(SourceColumn(*p) for p in meta["row_lineage"])
    path = folder / "table.parquet"
    schema = pq.read_schema(path)
    columns = stored_provenance_columns(schema)
    if columns is None:  # written before provenance moved into the table
        return StoredTable(pd.read_parquet(path), load_provenance(folder / "provenance.npz"), lineage, row_lineage)
    hidden = set(columns.values())
    data = [c for c in schema.names if c not in hidden]
    stored = pq.read_table(path, columns=list(columns.values()))
    frame = pd.read_parquet(path, columns=data) if data else pd.DataFrame(index=pd.RangeIndex(stored.num_rows))
    provenance = RowProvenance(
        {source: provenance_column(stored.column(name)) for source, name in columns.items()}, stored.num_rows
    )
    return StoredTable(frame, provenance, lineage, row_lineage)


# ---- sources -------------------------------------------------------------------------------------------


def save_sources(folder: Path, sources: Mapping[str, SourceData]) -> None:
    index = {}
    for i, (name, data) in enumerate(sources.items()):
        data.frame.to_parquet(folder / f"source_{i}.parquet", index=False)
        np.save(folder / f"source_{i}_ids.npy", data.ids)
        index[name] = {"file": i, "key": data.key}
    (folder / "sources.json").write_text(json.dumps(index, indent=1))


def load_sources(folder: Path) -> dict[str, SourceData]:
    index = json.loads((folder / "sources.json").read_text())
    return {
        name: SourceData(
            name,
            entry["key"],
            pd.read_parquet(folder / f"source_{entry['file']}.parquet"),
            np.load(folder / f"source_{entry['file']}_ids.npy", allow_pickle=False),
        )
        for name, entry in index.items()
    }


# ---- the fitted encoder, without pickle ----------------------------------------------------------------

ENCODER_FILE = "encoder.skops"
# Types an encoder file may hold beyond scikit-learn's own: loading instantiates only these, so a crafted
# file cannot run code (a pickle would run whatever it names). Register your own transformers with `trust`.
TRUSTED_TYPES: set[str] = {
    "lester_dagster.features.text.SentenceEmbedder",
    "lester_dagster.features.text.WordCounter",
    # scikit-learn 1.5-1.6 keep a ColumnTransformer's remainder columns in this list subclass (a plain list
    # from 1.7); skops does not trust it by default
    "sklearn.compose._column_transformer._RemainderColsList",
}


def trust(*types: type | str) -> None:
    """Allows encoders to hold these (custom transformer) types; call it where the pipeline is defined."""
    TRUSTED_TYPES.update(t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}" for t in types)


def save_encoder(encoder: ColumnTransformer, path: Path) -> None:
    """Stores a fitted encoder with skops; refuses, before anything is written, one that holds types a
    later load would not trust (so the mistake shows at materialisation, not at the next deletion)."""
    import skops.io as sio

    data = sio.dumps(encoder)
    untrusted = sorted(set(sio.get_untrusted_types(data=data)) - TRUSTED_TYPES)
    if untrusted:
        raise StorageError(
            f"the encoder holds type(s) {untrusted} that lester does not load from disk unless trusted. If they are "
            "your own transformers, call lester_dagster.storage.trust(YourTransformer) where the pipeline is defined."
        )
    path.write_bytes(data)


def load_encoder(path: Path) -> ColumnTransformer:
    import skops.io as sio

    if not path.exists() and path.with_name("encoder.joblib").exists():
        raise StorageError(
            f"{path.parent} holds its encoder as a pickle (written by an older lester), which is never loaded: a "
            "crafted pickle runs code. Materialise the pipeline again to store it safely."
        )
    data = path.read_bytes()
    untrusted = sorted(set(sio.get_untrusted_types(data=data)) - TRUSTED_TYPES)
    if untrusted:
        raise StorageError(
            f"{path} holds type(s) {untrusted} that are not trusted, so it was not loaded. If the file is yours, "
            "trust them with lester_dagster.storage.trust(...); if not, someone changed the artifact."
        )
    return sio.loads(data, trusted=sorted(TRUSTED_TYPES))


# ---- the feature matrix ----------------------------------------------------------------------------------


def save_matrix(
    folder: Path,
    X: np.ndarray,
    y: np.ndarray,
    is_test: np.ndarray,
    matrix: MatrixProvenance,
    encoder: ColumnTransformer,
    provenance: RowProvenance | None = None,
    chunk_rows: int | None = None,
) -> ChunkWrite:
    """Stores X in row chunks (features.chunks): a chunk that still equals a file of the version X was read
    from is linked, not written, so a deletion writes only the chunks it touched. With `provenance` (the
    prepared rows', aligned with X) each chunk carries its rows' provenance, which the erasure scan checks."""
    written = save_chunks(folder, X, provenance, chunk_rows)
    np.save(folder / "y.npy", y)
    np.save(folder / "is_test.npy", is_test)
    (folder / "matrix.json").write_text(json.dumps(matrix.to_dict(), indent=1))
    save_encoder(encoder, folder / ENCODER_FILE)
    return written


def load_matrix(
    folder: Path, mmap_mode: MmapMode | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, MatrixProvenance, ColumnTransformer]:
    """With `mmap_mode` None X is read whole into an ndarray. With "r" or "c" a chunked X comes as a
    ChunkedMatrix whose chunks are mapped read-only (pages are read when rows are used; writes copy the
    chunks they touch, in memory); an X stored as one file (before chunks) is mapped as numpy maps it."""
    if (folder / CHUNK_MANIFEST).exists():
        chunked = ChunkedMatrix.open(folder)
        X = np.asarray(chunked) if mmap_mode is None else as_matrix(chunked)
    else:  # one X.npy, as lester stored X before chunks; the next version written is chunked
        X = np.load(folder / "X.npy", mmap_mode=mmap_mode, allow_pickle=False)
    matrix = MatrixProvenance.from_dict(json.loads((folder / "matrix.json").read_text()))
    y, is_test = np.load(folder / "y.npy", allow_pickle=False), np.load(folder / "is_test.npy", allow_pickle=False)
    return X, y, is_test, matrix, load_encoder(folder / ENCODER_FILE)


# ---- a whole materialised pipeline ----------------------------------------------------------------------


def save_state(folder: Path, state: MaterializedPipeline) -> None:
    """Everything incremental maintenance needs to resume: sources, prepared table, X, model."""
    from lester_dagster.model import save as save_model

    for part in ("sources", "prepared", "features", "model"):
        (folder / part).mkdir()
    save_sources(folder / "sources", state.sources)
    prepared = state.prepared
    save_table(folder / "prepared", prepared.frame, prepared.provenance, prepared.lineage, prepared.row_lineage)
    save_matrix(folder / "features", state.X, state.y, state.is_test, state.matrix, state.encoder, prepared.provenance)
    save_model(state.model, folder / "model" / "model.pt")
    (folder / "state.json").write_text(
        json.dumps(
            {"pipeline": state.spec.name, "version": state.version, "metrics": state.metrics, "seconds": state.seconds},
            indent=1,
            default=float,
        )
    )


def load_state(folder: Path, spec: PipelineSpec) -> MaterializedPipeline:
    from lester_dagster.model import load as load_model

    meta = json.loads((folder / "state.json").read_text())
    if meta["pipeline"] != spec.name:
        raise StorageError(f"{folder} holds pipeline {meta['pipeline']!r}, not {spec.name!r}.")
    sources = load_sources(folder / "sources")
    plan = spec.plan({name: data.frame for name, data in sources.items()})
    table = load_table(folder / "prepared")
    prepared = Result(table.frame, table.provenance, table.lineage, table.row_lineage, sources)
    # X mapped, chunk by chunk: a deletion reads and rewrites only the chunks it touches
    X, y, is_test, matrix, encoder = load_matrix(folder / "features", mmap_mode="c")
    model: TrainedModel = load_model(folder / "model" / "model.pt")
    return MaterializedPipeline(
        spec,
        plan,
        prepared,
        encoder,
        matrix,
        X,
        y,
        is_test,
        model,
        meta["metrics"],
        version=int(meta["version"]),
        seconds=meta.get("seconds", {}),
    )
