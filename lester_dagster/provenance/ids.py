"""Stable row ids for source rows: the declared key when it is an integer, a hash of it otherwise, or a
hash of the row's content when a source has no key. Never a row position, so ids survive deletions."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

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


_INT64 = (-(2**63), 2**63 - 1)
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")  # "٢٥" has digits too (str.isdigit agrees), but is not 25


def coerce_keys(keys: Iterable[Any], key_dtype: np.dtype | pd.api.extensions.ExtensionDtype, source: str) -> pd.Series:
    """Request keys as a Series of the key column's type, so they hash to the same ids as the source.

    The column's type decides, never how a key looks: for an integer column a key is an integer, or
    text of ASCII digits 0-9 with an optional sign, within 64 bits; for a text column a key is text
    ("000123" stays "000123", the integer 123 becomes "123"). Messages name the key by position only.
    """
    values = list(keys) if not isinstance(keys, pd.Series) else keys.tolist()
    if any(_is_null(v) for v in values):
        raise KeyColumnError(f"source {source!r}: keys must not be null.")
    if pd.api.types.is_integer_dtype(key_dtype):
        return pd.Series([_as_integer(v, i, source, key_dtype) for i, v in enumerate(values)], dtype=np.int64)
    if pd.api.types.is_string_dtype(key_dtype) or pd.api.types.is_object_dtype(key_dtype):
        return pd.Series([_as_text(v, i, source) for i, v in enumerate(values)], dtype=object)
    try:
        if any(isinstance(v, str) and not v.isascii() for v in values):
            raise ValueError("non-ASCII text")  # float("٢٥") is 25.0: a key is never read by its look
        return pd.Series(values).astype(key_dtype)
    except (TypeError, ValueError) as error:
        raise KeyColumnError(
            f"source {source!r}: {len(values)} key(s) do not fit the key column's type {key_dtype}."
        ) from error


def _is_null(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _as_integer(value: object, i: int, source: str, dtype: object) -> int:
    if isinstance(value, str):
        if not _ASCII_INTEGER.fullmatch(value.strip()):
            raise KeyColumnError(
                f"source {source!r}: keys do not fit the key column's type {dtype}: key #{i + 1} is not an "
                "integer written in digits 0-9. Write the key as a number or in ASCII digits."
            )
        value = int(value.strip())
    elif isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise KeyColumnError(
            f"source {source!r}: keys do not fit the key column's type {dtype}: key #{i + 1} is a "
            f"{type(value).__name__}; give integers, or text of digits 0-9."
        )
    if not _INT64[0] <= value <= _INT64[1]:
        raise KeyColumnError(
            f"source {source!r}: keys do not fit the key column's type {dtype}: key #{i + 1} is outside the "
            "range of a 64-bit integer."
        )
    return value


def _as_text(value: object, i: int, source: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))  # compared as the text "123", never with "000123"
    raise KeyColumnError(
        f"source {source!r}: keys do not fit the text key column: key #{i + 1} is a {type(value).__name__}; "
        "give the key as text."
    )
