"""Differential check of a rewrite against the messy original on the same sample: the prepared table
(schema by column names and dtype kinds, then rows order-insensitively, floats within tolerance), then
the feature matrix X and the labels, row-aligned through the matching of the prepared rows."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

_EXAMPLES = 3


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-6


@dataclass(frozen=True)
class Difference:
    """One way the rewrite's output differs: which artifact ("prepared", "X", "y"), what kind of
    difference, which column, a one-line message and a few example rows."""

    artifact: str
    kind: str
    message: str
    column: str | None = None
    examples: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        shown = "".join(f"\n    e.g. {_short(e)}" for e in self.examples[:_EXAMPLES])
        return f"[{self.artifact}] {self.message}{shown}"


@dataclass(frozen=True)
class Comparison:
    differences: list[Difference]
    compared: tuple[str, ...]  # the artifacts actually compared

    @property
    def equal(self) -> bool:
        return not self.differences and {"prepared", "X", "y"} <= set(self.compared)


def kind_of(series: pd.Series) -> str:
    """bool, integer, float, string, datetime or empty (all null: compatible with anything)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "empty" if series.isna().all() else "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return {"boolean": "bool", "integer": "integer", "floating": "float", "mixed-integer-float": "float",
            "string": "string", "empty": "empty", "datetime": "datetime", "date": "date"}.get(inferred, inferred)


def compare_tables(expected: pd.DataFrame, got: pd.DataFrame, tolerance: Tolerance = Tolerance(),
                   artifact: str = "prepared") -> tuple[list[Difference], tuple[np.ndarray, np.ndarray] | None]:
    """Differences between two tables, and when their rows match, the row alignment: positions in
    `expected` and in `got` of matching rows, in the same order."""
    differences: list[Difference] = []
    missing = [c for c in expected.columns if c not in got.columns]
    extra = [c for c in got.columns if c not in expected.columns]
    if missing:
        differences.append(Difference(artifact, "columns", f"missing column(s) {missing}; the original has "
                                      f"{list(expected.columns)}", examples=[]))
    if extra:
        differences.append(Difference(artifact, "columns", f"extra column(s) {extra} that the original does not have; "
                                      "select only the original's columns"))
    common = [c for c in expected.columns if c in got.columns]
    kinds: dict[str, str] = {}
    for column in common:
        want, have = kind_of(expected[column]), kind_of(got[column])
        if want != have and "empty" not in (want, have):
            differences.append(Difference(artifact, "dtype", f"column {column!r} holds {have} values, the original "
                                          f"{want} values ({got[column].dtype} vs {expected[column].dtype})",
                                          column, _values(expected[column], got[column])))
        kinds[column] = want if want != "empty" else have
    if differences:
        return differences, None
    if len(expected) != len(got):
        differences.append(Difference(artifact, "rows", f"{len(got)} rows where the original has {len(expected)}"))
    exact = [c for c in common if kinds[c] != "float"]
    floats = [c for c in common if kinds[c] == "float"]
    want_keys, have_keys = _row_keys(expected, exact), _row_keys(got, exact)
    only_expected = Counter(want_keys) - Counter(have_keys)
    only_got = Counter(have_keys) - Counter(want_keys)
    if only_expected or only_got:
        differences += _row_differences(expected, got, exact, want_keys, have_keys, only_expected, only_got, artifact)
        return differences, None
    order_expected = _sorted_positions(expected, exact, floats, want_keys)
    order_got = _sorted_positions(got, exact, floats, have_keys)
    for column in floats:
        a = expected[column].to_numpy(dtype=np.float64)[order_expected]
        b = got[column].to_numpy(dtype=np.float64)[order_got]
        bad = ~np.isclose(b, a, rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True)
        if bad.any():
            rows = np.flatnonzero(bad)[:_EXAMPLES]
            differences.append(Difference(
                artifact, "values", f"column {column!r} differs in {int(bad.sum())} of {len(a)} rows "
                f"(beyond rtol={tolerance.rtol:g}, atol={tolerance.atol:g})", column,
                [{"row": _record(got.iloc[order_got[r]]), "original": float(a[r]), "rewrite": float(b[r])}
                 for r in rows],
            ))
    if differences:
        return differences, None
    return differences, (order_expected, order_got)


def compare_outputs(expected: Any, got: Any, tolerance: Tolerance = Tolerance()) -> Comparison:
    """Compares two RunOutcomes: the prepared tables, then, aligned by them, X and y."""
    if got.prepared is None:
        return Comparison([], ())
    differences, alignment = compare_tables(expected.prepared, got.prepared, tolerance)
    if alignment is None:
        return Comparison(differences, ("prepared",))
    compared = ["prepared"]
    rows_expected, rows_got = alignment
    if got.X is not None:
        compared.append("X")
        differences += compare_matrices(expected.X[rows_expected], got.X[rows_got], tolerance,
                                        got.info.get("blocks", {}))
    if got.y is not None:
        compared.append("y")
        differences += compare_labels(expected.y[rows_expected], got.y[rows_got], got.prepared.iloc[rows_got])
    return Comparison(differences, tuple(compared))


def compare_matrices(expected: np.ndarray, got: np.ndarray, tolerance: Tolerance,
                     blocks: dict[str, list[int]] | None = None) -> list[Difference]:
    """Row-aligned X: shape, then which dimensions differ, named by the encoder's transformer blocks."""
    if expected.shape != got.shape:
        message = f"X has shape {got.shape}, the original {expected.shape}"
        if expected.shape[0] == got.shape[0]:
            message += f": {got.shape[1] - expected.shape[1]:+d} feature column(s)"
        return [Difference("X", "shape", message + _blocks_note(blocks))]
    bad = ~np.isclose(got, expected, rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True)
    if not bad.any():
        return []
    columns = np.flatnonzero(bad.any(axis=0))
    message = (f"X differs in {len(columns)} of {got.shape[1]} columns ({_ranges(columns)}) and "
               f"{int(bad.any(axis=1).sum())} of {got.shape[0]} rows")
    owners = sorted({name for c in columns for name, (start, stop) in (blocks or {}).items() if start <= c < stop})
    if owners:
        message += f"; transformer(s) {owners}"
    permuted = _permutation_hint(expected, got, tolerance)
    if permuted:
        message += f"; {permuted}"
    examples = []
    for c in columns[:_EXAMPLES]:
        r = int(np.flatnonzero(bad[:, c])[0])
        examples.append({"column": int(c), "row": r, "original": float(expected[r, c]), "rewrite": float(got[r, c])})
    return [Difference("X", "values", message, examples=examples)]


def compare_labels(expected: np.ndarray, got: np.ndarray, rows: pd.DataFrame) -> list[Difference]:
    if expected.shape != got.shape:
        return [Difference("y", "shape", f"{len(got)} labels where the original has {len(expected)}")]
    bad = np.flatnonzero(expected != got)
    if not len(bad):
        return []
    examples = [{"row": _record(rows.iloc[i]), "original": int(expected[i]), "rewrite": int(got[i])}
                for i in bad[:_EXAMPLES]]
    return [Difference("y", "values", f"labels differ in {len(bad)} of {len(got)} rows (original: "
                       f"{int(expected.sum())} positive, rewrite: {int(got.sum())})", examples=examples)]


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    values = [frame[c].tolist() for c in columns]
    return [tuple(_normal(v) for v in row) for row in zip(*values, strict=True)] if columns else [()] * len(frame)


def _normal(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return (0, "")
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (str, int, float)):  # lists, dicts, dates: hashable and orderable as text
        return (1, type(value).__name__, repr(value))
    return (1, type(value).__name__, value)


def _sorted_positions(frame: pd.DataFrame, exact: list[str], floats: list[str],
                      keys: list[tuple[Any, ...]]) -> np.ndarray:
    float_values = [frame[c].to_numpy(dtype=np.float64) for c in floats]

    def key(i: int) -> tuple[Any, ...]:
        rounded = tuple((1, round(float(v[i]), 4)) if not np.isnan(v[i]) else (0, 0.0) for v in float_values)
        return (keys[i], rounded)

    return np.array(sorted(range(len(frame)), key=key), dtype=np.int64)


def _row_differences(expected: pd.DataFrame, got: pd.DataFrame, exact: list[str], want_keys: list, have_keys: list,
                     only_expected: Counter, only_got: Counter, artifact: str) -> list[Difference]:
    """Which rows are only in one output, and, when the row counts agree, which columns tell them apart."""
    out = []
    n_expected, n_got = sum(only_expected.values()), sum(only_got.values())
    examples_expected = _examples(expected, want_keys, only_expected)
    examples_got = _examples(got, have_keys, only_got)
    suspects = _suspect_columns(expected, got, exact)
    hint = f"; the columns that differ most: {suspects}" if suspects else ""
    if n_expected:
        out.append(Difference(artifact, "rows",
                              f"{n_expected} row(s) of the original are missing from the rewrite{hint}",
                              examples=examples_expected))
    if n_got:
        out.append(Difference(artifact, "rows", f"{n_got} row(s) of the rewrite are not in the original{hint}",
                              examples=examples_got))
    return out


def _suspect_columns(expected: pd.DataFrame, got: pd.DataFrame, exact: list[str]) -> list[str]:
    """Columns whose multiset of values differs: usually where the rewrite computes something else."""
    suspects = []
    for column in exact:
        a = Counter(_normal(v) for v in expected[column].tolist())
        b = Counter(_normal(v) for v in got[column].tolist())
        if a != b:
            suspects.append(column)
    return suspects


def _examples(frame: pd.DataFrame, keys: list, wanted: Counter) -> list[dict[str, Any]]:
    out = []
    for i, key in enumerate(keys):
        if key in wanted and len(out) < _EXAMPLES:
            out.append(_record(frame.iloc[i]))
    return out


def _record(row: pd.Series) -> dict[str, Any]:
    return {str(k): _plain(v) for k, v in row.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _values(expected: pd.Series, got: pd.Series) -> list[Any]:
    return [{"original": _plain(a), "rewrite": _plain(b)} for a, b in zip(expected.head(2), got.head(2), strict=False)]


def _ranges(columns: np.ndarray) -> str:
    spans, start = [], int(columns[0])
    for previous, current in zip(columns, [*columns[1:], None], strict=True):
        if current is None or current != previous + 1:
            spans.append(f"{start}" if start == previous else f"{start}-{int(previous)}")
            start = int(current) if current is not None else start
    return ", ".join(spans[:8]) + (", ..." if len(spans) > 8 else "")


def _blocks_note(blocks: dict[str, list[int]] | None) -> str:
    if not blocks:
        return ""
    return "; the rewrite's blocks: " + ", ".join(f"{n} [{a}:{b}]" for n, (a, b) in blocks.items())


def _permutation_hint(expected: np.ndarray, got: np.ndarray, tolerance: Tolerance) -> str:
    """When every column of X is in the original too, just elsewhere: the transformers are out of order."""
    if got.shape[1] > 4096:
        return ""
    position = {}
    for j in range(got.shape[1]):
        match = np.flatnonzero(np.all(np.isclose(expected, got[:, [j]], rtol=tolerance.rtol, atol=tolerance.atol,
                                                 equal_nan=True), axis=0))
        if not len(match):
            return ""
        position[j] = int(match[0])
    moved = [j for j, i in position.items() if i != j]
    return (f"every column is there but {len(moved)} are in another place (e.g. column {moved[0]} is the original's "
            f"{position[moved[0]]}): order the transformers as the original concatenates its blocks") if moved else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."
