"""The check that a projection or filter computed on whole columns is row-wise: a row's value depends on
that row alone. Incremental maintenance re-derives rows from parts of the data, so a computation that
reads other rows (a mean, a rank, a running total, a shift) would give them other values there; the
engine refuses it (`NotRowWiseError`) the first time it runs on data that shows it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.engine import nodes as n
from lester_dagster.errors import NotRowWiseError

# Parts of the rows a whole-column computation is run on again, alone: a spread sample of at most this
# many rows in reverse order without its first row (a statistic over the rows or a running total moves),
# the last and first rows in reverse order (a rank, a min-max scaling, a shift move), and one row alone.
# A few rows whatever the size of the data, so the check costs little next to the computation itself.
_PROBE_ROWS = 16


def check_row_wise(
    compute: n.Query | n.Udf, frame: pd.DataFrame, values: Any, operator: str,
    evaluate: Callable[[pd.DataFrame], Any],
) -> None:
    """Raises NotRowWiseError when `evaluate` (the computation) gives a row of `frame` another value on part
    of the rows than `values`, what it gave on all of them."""
    if len(frame) < 2:
        return
    whole = values if isinstance(values, pd.Series) else pd.Series(values)
    inputs = frame[list(dict.fromkeys(compute.columns))]  # all it can read: other columns only cost time
    for rows in _probes(len(frame)):
        part = inputs.iloc[rows].reset_index(drop=True)
        try:
            alone = evaluate(part)
        except Exception as error:  # it works on all rows but not on a part: it needs the others
            raise NotRowWiseError(_message(compute, operator, "fails on part of the rows")) from error
        if not _same_values(whole.iloc[rows].tolist(), pd.Series(alone).tolist()):
            raise NotRowWiseError(_message(compute, operator, "gives some rows other values on part of the rows"))


def _probes(n_rows: int) -> list[np.ndarray]:
    sample = np.unique(np.linspace(0, n_rows - 1, min(n_rows, _PROBE_ROWS)).round().astype(np.int64))
    return [sample[::-1][:-1], np.array([n_rows - 1, 0]), np.array([n_rows // 2])]


def _message(compute: n.Query | n.Udf, operator: str, what: str) -> str:
    name = f"expression {compute.expr!r}" if isinstance(compute, n.Query) else f"function {_name(compute)}"
    return (
        f"{operator}: {name} {what} than on all of them, so it reads other rows (a mean, rank, running total "
        "or shift). Incremental maintenance re-derives rows from parts of the data, so the engine refuses it. "
        "For a statistic over rows, compute it with groupby(...).agg(...) and join it back on the group key; "
        "if the function works on single values, pass vectorized=False."
    )


def _name(udf: n.Udf) -> str:
    return getattr(udf.fn, "__qualname__", None) or repr(udf.fn)


def _same_values(expected: list[Any], got: list[Any]) -> bool:
    return len(expected) == len(got) and all(_same_value(a, b) for a, b in zip(expected, got, strict=True))


def _same_value(a: Any, b: Any) -> bool:
    if _is_null(a) or _is_null(b):
        return _is_null(a) and _is_null(b)
    if isinstance(a, (float, np.floating)) or isinstance(b, (float, np.floating)):
        try:  # whole-array and short-array float kernels may round differently in the last bits
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    try:
        return bool(np.all(a == b)) and np.shape(a) == np.shape(b)
    except (TypeError, ValueError):
        return False


def _is_null(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, (float, np.floating)) and math.isnan(value))
    )
