"""Stable row ids for source rows: the declared key when it is an integer, a hash of it otherwise, or a
hash of the row's content when a source has no key. Never a row position, so ids survive deletions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lester_dagster.errors import KeyColumnError

# Hashed ids are masked to 63 bits so they stay non-negative and never meet int64's minimum.
_HASH_MASK = np.uint64(0x7FFF_FFFF_FFFF_FFFF)


def _hash(values: pd.Series | pd.DataFrame) -> np.ndarray:
    hashed = pd.util.hash_pandas_object(values, index=False).to_numpy(dtype=np.uint64)
    return (hashed & _HASH_MASK).astype(np.int64)


def key_ids(keys: pd.Series) -> np.ndarray:
    """Ids for key values: integer keys are their own id, anything else is hashed."""
    if pd.api.types.is_integer_dtype(keys.dtype) and not keys.isna().any():
        return keys.to_numpy(dtype=np.int64)
    if pd.api.types.is_bool_dtype(keys.dtype) or pd.api.types.is_float_dtype(keys.dtype):
        keys = keys.astype(str)
    return _hash(keys.astype("string").astype(object))


def source_row_ids(frame: pd.DataFrame, key: str | None, source: str) -> np.ndarray:
    """Ids for every row of a source: from its declared key, or from its content when it has none.

    Identical rows of a keyless source get distinct ids through their occurrence number, which depends
    only on earlier identical rows, so deleting other rows never changes them.
    """
    if key is None:
        content = _hash(frame)
        occurrence = pd.Series(content).groupby(content).cumcount().to_numpy()
        if not occurrence.any():
            return content
        return _hash(pd.DataFrame({"content": content, "occurrence": occurrence}))
    if key not in frame.columns:
        raise KeyColumnError(
            f"source {source!r}: key column {key!r} is not found. Existing columns: "
            f"{', '.join(map(repr, frame.columns))}. Pass key=None to identify rows by their content."
        )
    keys = frame[key]
    if keys.isna().any():
        raise KeyColumnError(
            f"source {source!r}: key column {key!r} has {int(keys.isna().sum())} null value(s); "
            "a key must identify every row. Fill or drop them, or pass key=None."
        )
    if not pd.Index(keys).is_unique:
        duplicated = keys[keys.duplicated()]
        examples = ", ".join(map(repr, duplicated.unique()[:5].tolist()))
        raise KeyColumnError(
            f"source {source!r}: key column {key!r} is not unique ({len(duplicated)} duplicate(s), e.g. "
            f"{examples}). Declare a unique key, or pass key=None to identify rows by their content."
        )
    ids = key_ids(keys)
    # integer keys are their own ids; hashed ones could in theory collide
    if not pd.api.types.is_integer_dtype(keys.dtype) and not pd.Index(ids).is_unique:
        raise KeyColumnError(f"source {source!r}: two distinct keys of {key!r} hash to the same id.")
    return ids


def coerce_keys(keys: object, key_dtype: np.dtype | pd.api.extensions.ExtensionDtype, source: str) -> pd.Series:
    """Request keys as a Series of the key column's dtype, so they hash to the same ids as the source."""
    values = pd.Series(list(keys) if not isinstance(keys, pd.Series) else keys)
    if values.isna().any():
        raise KeyColumnError(f"source {source!r}: keys must not be null.")
    try:
        if pd.api.types.is_integer_dtype(key_dtype):
            if values.dtype == object and not all(isinstance(v, (int, np.integer, str)) for v in values):
                raise TypeError
            return values.astype(np.int64)
        return values.astype(key_dtype)
    except (TypeError, ValueError) as error:
        raise KeyColumnError(
            f"source {source!r}: keys {values.head(5).tolist()} do not fit the key column's type {key_dtype}."
        ) from error
