"""Row provenance as Arrow columns, as stored tables hold it beside their rows in one Parquet file: per
source, an int64 column (one id a row) or a list<int64> column (any number of ids a row), named in the
schema's metadata. Tables written before this layout keep their provenance in a provenance.npz beside."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from lester_dagster.provenance.polynomial import ProvColumn

# the columns' names start with PROVENANCE_PREFIX; the metadata under PROVENANCE_KEY says which source each holds
PROVENANCE_PREFIX = "__lester_provenance_"
PROVENANCE_KEY = b"lester.provenance"


def provenance_array(column: ProvColumn) -> pa.Array:
    """One source's provenance as an Arrow column: its ids (one a row), or a list of ids a row."""
    ids = pa.array(column.ids, pa.int64())
    if column.indptr is None:
        return ids
    if len(column.ids) < 2**31:
        return pa.ListArray.from_arrays(pa.array(column.indptr.astype(np.int32)), ids)
    return pa.LargeListArray.from_arrays(pa.array(column.indptr.astype(np.int64)), ids)


def provenance_column(array: pa.ChunkedArray | pa.Array) -> ProvColumn:
    """The inverse of `provenance_array`."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        offsets = array.offsets.to_numpy().astype(np.int64)
        ids = array.values.to_numpy(zero_copy_only=False).astype(np.int64)[offsets[0]: offsets[-1]]
        return ProvColumn(np.ascontiguousarray(ids), offsets - offsets[0])
    return ProvColumn.dense(array.to_numpy(zero_copy_only=False))


def stored_provenance_columns(schema: pa.Schema) -> dict[str, str] | None:
    """Source -> column of the provenance a table.parquet holds, or None for a file without (an older
    table, whose provenance is in provenance.npz beside it)."""
    stored = (schema.metadata or {}).get(PROVENANCE_KEY)
    if stored is None:
        return None
    return {str(source): str(name) for source, name in json.loads(stored)["columns"]}
