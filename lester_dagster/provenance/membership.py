"""Which ids are among some wanted ids, by hashing the wanted ones once (pandas' hash table) rather than by
sorting both sides as `np.isin` does: a lookup of a few ids among millions costs one pass, not a sort."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def isin(values: np.ndarray, wanted: Iterable[int] | np.ndarray) -> np.ndarray:
    """Boolean mask of the entries of `values` that occur in `wanted` (ids: 64-bit integers)."""
    wanted = np.asarray(wanted if isinstance(wanted, np.ndarray) else list(wanted), dtype=np.int64)
    if len(values) == 0 or len(wanted) == 0:
        return np.zeros(len(values), dtype=bool)
    mask = pd.Series(np.asarray(values, dtype=np.int64), copy=False).isin(wanted).to_numpy()
    return np.asarray(mask, dtype=bool)
