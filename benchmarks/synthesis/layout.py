"""Reading, writing and comparing the CSV tables of a case folder the way a consumer of the suite does."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd


def write_table(frame: pd.DataFrame | pd.Series, path: Path) -> None:
    """A pandas dump with the index, as every file of the layout is."""
    path.write_text(to_csv_text(frame), encoding="utf-8")


def to_csv_text(frame: pd.DataFrame | pd.Series) -> str:
    return frame.to_csv(lineterminator="\n")


def read_table(source: Path | str) -> pd.DataFrame:
    """Read one layout CSV (a path, or CSV text).

    An empty first header means the first column is a dumped row index: it becomes the index. A named
    first column (a group key left in the index by a groupby or pivot) stays a column.
    """
    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    header = next(csv.reader(io.StringIO(text)), [])
    if header and header[0] == "":
        return pd.read_csv(io.StringIO(text), index_col=0)
    return pd.read_csv(io.StringIO(text))


def same_table(left: pd.DataFrame, right: pd.DataFrame, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """None when the two tables hold the same rows, else why not.

    Row and column order are ignored, and so is a dumped row index (row labels of a reset or merged
    table are positions); floats compare within tolerance; NaN equals NaN.
    """
    if sorted(map(str, left.columns)) != sorted(map(str, right.columns)):
        return f"columns differ: {sorted(map(str, left.columns))} vs {sorted(map(str, right.columns))}"
    if len(left) != len(right):
        return f"row counts differ: {len(left)} vs {len(right)}"
    columns = sorted(map(str, left.columns))
    left = _sorted_rows(left.set_axis(left.columns.map(str), axis=1)[columns])
    right = _sorted_rows(right.set_axis(right.columns.map(str), axis=1)[columns])
    for column in columns:
        a, b = left[column], right[column]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            equal = np.isclose(a.to_numpy(float), b.to_numpy(float), rtol=rtol, atol=atol, equal_nan=True)
        else:
            equal = (a.astype(str) == b.astype(str)).to_numpy() | (a.isna() & b.isna()).to_numpy()
        if not equal.all():
            row = int(np.argmin(equal))
            return f"column {column!r} differs, e.g. {a.iloc[row]!r} vs {b.iloc[row]!r}"
    return None


def _sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    # Round floats for the sort key only, so values equal within tolerance land in the same place.
    keys = pd.DataFrame(
        {c: frame[c].round(6) if pd.api.types.is_float_dtype(frame[c]) else frame[c].astype(str) for c in frame.columns}
    )
    order = keys.reset_index(drop=True).sort_values(list(keys.columns), kind="stable").index
    return frame.iloc[order].reset_index(drop=True)
