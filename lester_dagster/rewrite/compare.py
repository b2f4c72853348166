"""Differential check of a rewrite against the messy original on the same data: the prepared table
(schema by column names and dtype kinds, then the rows, order-insensitively), then the feature matrix X
and the labels, row-aligned through the matching of the prepared rows.

Rows are matched by a column that identifies them in both outputs when there is one (so a difference
names the column, the rows and both values), else as a multiset of their exactly compared values.
Floats are compared at the precision the original has: a column the original rounds to k decimals is
compared exactly at that precision whatever the tolerance (a dropped `round(x, 2)` on large totals is a
difference), values the original holds in float32 precision at that precision, everything else within
`rtol` and `atol`. Matrices are compared in row chunks, so X of any size fits in memory."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

_EXAMPLES = 3
_CHUNK_ROWS = 4096
_MAX_DECIMALS = 6


@dataclass(frozen=True)
class Tolerance:
    """Float tolerance where the original is not exact: |rewrite - original| <= atol + rtol * |original|.
    The defaults tell summation order apart from a lost rounding or a different formula."""

    rtol: float = 1e-9
    atol: float = 1e-9


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
    rows: int = 0  # prepared rows compared
    precision: dict[str, str] = field(default_factory=dict)  # float column -> how it was compared

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


# ---- float precision --------------------------------------------------------------------------------


def decimals_of(values: np.ndarray) -> int | None:
    """The number of decimals every finite value is rounded to (0 to 6), or None. Only values whose
    scaled form is far from float rounding noise count (|v| * 10**k below 1e12)."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return None
    for k in range(_MAX_DECIMALS + 1):
        scaled = finite * 10.0**k
        if np.all(np.abs(scaled) < 1e12) and np.all(np.abs(scaled - np.rint(scaled)) <= 1e-6):
            return k
    return None


def column_tolerance(values: np.ndarray, tolerance: Tolerance) -> tuple[float, float, str]:
    """(rtol, atol, how) for one float column of the original."""
    decimals = decimals_of(values)
    if decimals is not None:
        # exact at the original's precision: any change of the rounded value, or a missing rounding, shows
        return min(tolerance.rtol, 1e-12), min(tolerance.atol, 10.0**-decimals / 100), f"rounded to {decimals} " \
            f"decimal{'s' if decimals != 1 else ''} in the original: compared exactly at that precision"
    finite = values[np.isfinite(values)]
    if len(finite) and np.all(finite.astype(np.float32).astype(np.float64) == finite):
        # float32 values (embeddings): the original itself carries no more than float32 precision
        return max(tolerance.rtol, 1e-5), max(tolerance.atol, 1e-6), "float32 precision in the original"
    return tolerance.rtol, tolerance.atol, f"within rtol={tolerance.rtol:g}, atol={tolerance.atol:g}"


# ---- prepared tables ----------------------------------------------------------------------------------


Alignment = tuple[np.ndarray, np.ndarray]  # positions in the original's and the rewrite's rows, matched


def compare_tables(expected: pd.DataFrame, got: pd.DataFrame, tolerance: Tolerance = Tolerance(),
                   artifact: str = "prepared",
                   precision: dict[str, str] | None = None) -> tuple[list[Difference], Alignment | None]:
    """Differences between two tables, and when their rows match, the row alignment: positions in
    `expected` and in `got` of matching rows, in the same order. `precision`, when given, is filled with
    how each float column was compared."""
    differences: list[Difference] = []
    missing = [c for c in expected.columns if c not in got.columns]
    extra = [c for c in got.columns if c not in expected.columns]
    if missing:
        differences.append(Difference(artifact, "columns", f"missing column(s) {missing}; the original has "
                                      f"{list(expected.columns)}"))
    if extra:  # named, never shown: the values of a column the original does not output stay here
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
    exact = [c for c in common if kinds[c] != "float"]
    floats = [c for c in common if kinds[c] == "float"]
    tolerances = {}
    for column in floats:
        rtol, atol, how = column_tolerance(expected[column].to_numpy(dtype=np.float64), tolerance)
        tolerances[column] = (rtol, atol, how)
        if precision is not None:
            precision[column] = how
    key = _identifying_column(expected, got, exact, kinds)
    if key is not None:
        return _compare_by_key(expected, got, key, exact, tolerances, kinds, artifact)
    return _compare_as_multisets(expected, got, exact, floats, tolerances, kinds, artifact)


def _identifying_column(expected: pd.DataFrame, got: pd.DataFrame, exact: list[str],
                        kinds: Mapping[str, str]) -> str | None:
    """A column whose values identify the rows of both outputs (unique, no nulls, mostly the same values
    on both sides): an order id, say. Id-like names and integers first."""
    candidates = sorted(exact, key=lambda c: (not str(c).lower().endswith("id"), kinds[c] != "integer",
                                              exact.index(c)))
    for column in candidates:
        a, b = expected[column], got[column]
        if len(a) < 2 or not (a.notna().all() and b.notna().all() and a.is_unique and b.is_unique):
            continue
        shared = len(_canonical(a, kinds[column]).intersection(_canonical(b, kinds[column])))
        if shared >= 0.5 * max(len(a), len(b)):
            return column
    return None


def _compare_by_key(expected: pd.DataFrame, got: pd.DataFrame, key: str, exact: list[str],
                    tolerances: Mapping[str, tuple[float, float, str]], kinds: Mapping[str, str],
                    artifact: str) -> tuple[list[Difference], Alignment | None]:
    differences: list[Difference] = []
    want = pd.Series(np.arange(len(expected)), index=_canonical(expected[key], kinds[key]))
    have = pd.Series(np.arange(len(got)), index=_canonical(got[key], kinds[key]))
    only_expected = want.index.difference(have.index)
    only_got = have.index.difference(want.index)
    if len(expected) != len(got):
        differences.append(Difference(artifact, "rows", f"{len(got)} rows where the original has {len(expected)}"))
    if len(only_expected):
        rows = np.sort(want.loc[only_expected].to_numpy())
        differences.append(Difference(
            artifact, "rows", f"{len(rows)} row(s) of the original are missing from the rewrite (by {key!r}: "
            f"{_list(expected[key].to_numpy()[rows])}){_unseen(expected, got, rows, exact, key, kinds, 'rewrite')}",
            key, [_record(expected.iloc[r]) for r in _spread(rows)]))
    if len(only_got):
        rows = np.sort(have.loc[only_got].to_numpy())
        differences.append(Difference(
            artifact, "rows", f"{len(rows)} row(s) of the rewrite are not in the original (by {key!r}: "
            f"{_list(got[key].to_numpy()[rows])}){_unseen(got, expected, rows, exact, key, kinds, 'original')}",
            key, [_record(got.iloc[r]) for r in _spread(rows)]))
    shared = want.index.intersection(have.index)
    rows_expected = want.loc[shared].to_numpy()
    order = np.argsort(rows_expected, kind="stable")  # the original's row order
    rows_expected, rows_got = rows_expected[order], have.loc[shared].to_numpy()[order]
    for column in [c for c in expected.columns if c in got.columns and c != key]:
        a, b = expected[column].iloc[rows_expected], got[column].iloc[rows_got]
        if column in tolerances:
            rtol, atol, how = tolerances[column]
            bad = ~np.isclose(b.to_numpy(dtype=np.float64), a.to_numpy(dtype=np.float64), rtol=rtol, atol=atol,
                              equal_nan=True)
            note = f" ({how})"
        else:
            bad = _canonical(a, kinds[column]) != _canonical(b, kinds[column])
            note = ""
        if bad.any():
            positions = np.flatnonzero(bad)
            differences.append(Difference(
                artifact, "values", f"column {column!r} differs in {len(positions)} of {len(a)} rows matched by "
                f"{key!r} ({key} {_list(expected[key].to_numpy()[rows_expected[positions]])}){note}",
                column,
                [{key: _plain(expected[key].iloc[rows_expected[p]]), "original": _plain(a.iloc[p]),
                  "rewrite": _plain(b.iloc[p])} for p in _spread(positions)],
            ))
    if differences:
        return differences, None
    return differences, (rows_expected, rows_got)


def _unseen(mine: pd.DataFrame, theirs: pd.DataFrame, rows: np.ndarray, exact: list[str], key: str,
            kinds: Mapping[str, str], whose: str) -> str:
    """What sets the unmatched rows apart: values of theirs that the other output never has at all
    (`category 'Home'`), which usually names the filter or the lookup that differs."""
    notes = []
    for column in exact:
        if column == key:
            continue
        values = _canonical(mine[column].iloc[rows], kinds[column])
        absent = values.difference(_canonical(theirs[column], kinds[column])).dropna()
        if len(absent):
            shown = ", ".join(repr(_plain(v)) for v in absent[:3])
            notes.append(f"{column} {shown}" + (f" and {len(absent) - 3} more" if len(absent) > 3 else ""))
    return f"; values the {whose} never has: {'; '.join(notes)}" if notes else ""


def _compare_as_multisets(expected: pd.DataFrame, got: pd.DataFrame, exact: list[str], floats: list[str],
                          tolerances: Mapping[str, tuple[float, float, str]], kinds: Mapping[str, str],
                          artifact: str) -> tuple[list[Difference], Alignment | None]:
    differences: list[Difference] = []
    if len(expected) != len(got):
        differences.append(Difference(artifact, "rows", f"{len(got)} rows where the original has {len(expected)}"))
    want_keys, have_keys = _row_hashes(expected, exact, kinds), _row_hashes(got, exact, kinds)
    surplus_expected, surplus_got = _surplus(want_keys, have_keys), _surplus(have_keys, want_keys)
    if surplus_expected.any() or surplus_got.any():
        suspects = _suspect_columns(expected, got, exact, kinds)
        hint = f"; the columns that differ most: {suspects}" if suspects else ""
        # examples: rows unmatched on every column, floats included (rounded), so none is shown that the
        # other output has too
        full_want = _row_hashes(expected, exact + floats, kinds)
        full_have = _row_hashes(got, exact + floats, kinds)
        for count, frame, mine, theirs, full_mine, full_theirs, text in (
            (int(surplus_expected.sum()), expected, want_keys, have_keys, full_want, full_have,
             "row(s) of the original are missing from the rewrite"),
            (int(surplus_got.sum()), got, have_keys, want_keys, full_have, full_want,
             "row(s) of the rewrite are not in the original"),
        ):
            if count:
                rows = np.flatnonzero(_surplus(full_mine, full_theirs) & _surplus(mine, theirs))
                if not len(rows):
                    rows = np.flatnonzero(_surplus(mine, theirs))
                differences.append(Difference(artifact, "rows", f"{count} {text}{hint}",
                                              examples=[_record(frame.iloc[r]) for r in _spread(rows)]))
        return differences, None
    order_expected = _sorted_positions(expected, floats, want_keys)
    order_got = _sorted_positions(got, floats, have_keys)
    for column in floats:
        rtol, atol, how = tolerances[column]
        a = expected[column].to_numpy(dtype=np.float64)[order_expected]
        b = got[column].to_numpy(dtype=np.float64)[order_got]
        bad = ~np.isclose(b, a, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            rows = np.flatnonzero(bad)
            differences.append(Difference(
                artifact, "values", f"column {column!r} differs in {len(rows)} of {len(a)} rows ({how})", column,
                [{"row": _record(got.iloc[order_got[r]]), "original": float(a[r]), "rewrite": float(b[r])}
                 for r in _spread(rows)],
            ))
    if differences:
        return differences, None
    return differences, (order_expected, order_got)


# ---- whole outputs ------------------------------------------------------------------------------------


def compare_outputs(expected: Any, got: Any, tolerance: Tolerance = Tolerance()) -> Comparison:
    """Compares two RunOutcomes: the prepared tables, then, aligned by them, X and y."""
    if got.prepared is None:
        return Comparison([], ())
    precision: dict[str, str] = {}
    differences, alignment = compare_tables(expected.prepared, got.prepared, tolerance, precision=precision)
    if alignment is None:
        return Comparison(differences, ("prepared",), len(expected.prepared), precision)
    compared = ["prepared"]
    rows_expected, rows_got = alignment
    if got.X is not None:
        compared.append("X")
        differences += compare_matrices(expected.X, got.X, tolerance, got.info.get("blocks", {}),
                                        rows=(rows_expected, rows_got))
    if got.y is not None:
        compared.append("y")
        differences += compare_labels(expected.y[rows_expected], got.y[rows_got], got.prepared.iloc[rows_got])
    return Comparison(differences, tuple(compared), len(expected.prepared), precision)


def compare_matrices(expected: np.ndarray, got: np.ndarray, tolerance: Tolerance,
                     blocks: Mapping[str, list[int]] | None = None,
                     rows: tuple[np.ndarray, np.ndarray] | None = None) -> list[Difference]:
    """Row-aligned X (through `rows`, positions in each), in chunks of rows: shape, then which dimensions
    differ, named by the encoder's transformer blocks."""
    n = len(rows[0]) if rows is not None else len(expected)
    if expected.shape[1:] != got.shape[1:] or (rows is None and expected.shape != got.shape):
        message = f"X has shape {got.shape}, the original {expected.shape}"
        if expected.shape[0] == got.shape[0]:
            message += f": {got.shape[1] - expected.shape[1]:+d} feature column(s)"
        return [Difference("X", "shape", message + _blocks_note(blocks))]
    # per-column tolerance from the original's own precision, decided on its first chunk
    first = np.asarray(_take(expected, rows[0] if rows else None, 0, min(n, _CHUNK_ROWS)))
    column_tolerances = [column_tolerance(first[:, j], tolerance)[:2] for j in range(first.shape[1])]
    rtol = np.array([t[0] for t in column_tolerances])
    atol = np.array([t[1] for t in column_tolerances])
    bad_columns = np.zeros(expected.shape[1], dtype=bool)
    bad_rows = 0
    examples: dict[int, dict[str, Any]] = {}
    permuted = ""
    for start, stop in _chunks(n):
        a = np.asarray(_take(expected, rows[0] if rows else None, start, stop), dtype=np.float64)
        b = np.asarray(_take(got, rows[1] if rows else None, start, stop), dtype=np.float64)
        bad = ~(np.isclose(b, a, rtol=0, atol=0, equal_nan=True) | (np.abs(b - a) <= atol + rtol * np.abs(a)))
        if not bad.any():
            continue
        if not bad_columns.any():
            permuted = _permutation_hint(a, b, atol, rtol, blocks)
        bad_columns |= bad.any(axis=0)
        bad_rows += int(bad.any(axis=1).sum())
        for c in np.flatnonzero(bad.any(axis=0)):
            if len(examples) < _EXAMPLES and int(c) not in examples:
                r = int(np.flatnonzero(bad[:, c])[0])
                examples[int(c)] = {"column": int(c), "row": start + r, "original": float(a[r, c]),
                                    "rewrite": float(b[r, c])}
    if not bad_columns.any():
        return []
    columns = np.flatnonzero(bad_columns)
    message = f"X differs in {len(columns)} of {got.shape[1]} columns ({_ranges(columns)}) and {bad_rows} of {n} rows"
    owners = sorted({name for c in columns for name, (start, stop) in (blocks or {}).items() if start <= c < stop})
    if owners:
        message += f"; transformer(s) {owners}"
    if permuted:
        message += f"; {permuted}"
    return [Difference("X", "values", message, examples=list(examples.values()))]


def compare_labels(expected: np.ndarray, got: np.ndarray, rows: pd.DataFrame) -> list[Difference]:
    if expected.shape != got.shape:
        return [Difference("y", "shape", f"{len(got)} labels where the original has {len(expected)}")]
    bad = np.flatnonzero(expected != got)
    if not len(bad):
        return []
    examples = [{"row": _record(rows.iloc[i]), "original": int(expected[i]), "rewrite": int(got[i])}
                for i in _spread(bad)]
    return [Difference("y", "values", f"labels differ in {len(bad)} of {len(got)} rows (original: "
                       f"{int(expected.sum())} positive, rewrite: {int(got.sum())})", examples=examples)]


def redacted(difference: Difference, scrub: Any) -> Difference:
    """The difference with every text and value passed through `scrub` (see redact.py)."""
    return replace(difference, message=scrub(difference.message),
                   examples=[_scrub_value(e, scrub) for e in difference.examples])


def _scrub_value(value: Any, scrub: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_value(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_value(v, scrub) for v in value]
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = scrub(str(value))
        return value if text == str(value) else text
    return value


# ---- helpers ----------------------------------------------------------------------------------------


def _canonical(series: pd.Series, kind: str) -> pd.Index:
    """Values as a hashable index that is equal exactly when the values are, whatever the dtype that
    holds them (int64 or object ints, str or object strings, NaN or None)."""
    if kind == "integer":
        values = pd.array(series, dtype="Int64")
        return pd.Index([None if v is pd.NA else int(v) for v in values], dtype=object)
    if kind == "bool":
        values = pd.array(series, dtype="boolean")
        return pd.Index([None if v is pd.NA else bool(v) for v in values], dtype=object)
    if kind == "datetime":
        values = pd.to_datetime(series)
        return pd.Index([None if pd.isna(v) else v.value for v in values], dtype=object)
    return pd.Index([None if _isnull(v) else (v if isinstance(v, str) else repr(v)) for v in series], dtype=object)


def _row_hashes(frame: pd.DataFrame, columns: list[str], kinds: Mapping[str, str]) -> np.ndarray:
    """One uint64 per row over the given columns (canonical values, so dtype differences do not count;
    floats rounded to 6 decimals)."""
    h = np.full(len(frame), 0xCBF29CE484222325, dtype=np.uint64)
    for column in columns:
        if kinds.get(column) == "float":
            values = np.round(frame[column].to_numpy(dtype=np.float64), 6)
            part = pd.util.hash_array(np.where(np.isnan(values), np.inf, values))
        else:
            part = pd.util.hash_array(np.asarray(_canonical(frame[column], kinds.get(column, "string")).map(
                lambda v: "\x00null" if v is None else f"{type(v).__name__}:{v}"), dtype=object))
        h = (h ^ part) * np.uint64(0x100000001B3)
    return h


def _surplus(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Per row of `mine`: whether it is one of the copies of its value that `theirs` does not have."""
    counts = pd.Series(theirs).value_counts()
    seen = pd.Series(mine).groupby(mine).cumcount().to_numpy()
    available = pd.Series(mine).map(counts).fillna(0).to_numpy()
    return seen >= available


def _sorted_positions(frame: pd.DataFrame, floats: list[str], keys: np.ndarray) -> np.ndarray:
    """Row positions sorted by the exact key, then by the floats rounded (equal rows pair up)."""
    sort_by = [np.round(frame[c].to_numpy(dtype=np.float64), 4) for c in reversed(floats)] + [keys]
    return np.lexsort(sort_by) if len(frame) else np.zeros(0, dtype=np.int64)


def _suspect_columns(expected: pd.DataFrame, got: pd.DataFrame, exact: list[str],
                     kinds: Mapping[str, str]) -> list[str]:
    """Columns whose multiset of values differs: usually where the rewrite computes something else."""
    suspects = []
    for column in exact:
        a = pd.Series(_canonical(expected[column], kinds[column])).value_counts(dropna=False)
        b = pd.Series(_canonical(got[column], kinds[column])).value_counts(dropna=False)
        if not a.sort_index().equals(b.sort_index()):
            suspects.append(column)
    return suspects


def _take(matrix: np.ndarray, rows: np.ndarray | None, start: int, stop: int) -> np.ndarray:
    return np.asarray(matrix[start:stop] if rows is None else matrix[rows[start:stop]])


def _chunks(n: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, _CHUNK_ROWS):
        yield start, min(n, start + _CHUNK_ROWS)


def _spread(positions: np.ndarray) -> list[int]:
    """Up to three examples: the first, the last and one between (late rows are often the telling ones)."""
    found = [int(p) for p in positions]
    if len(found) <= _EXAMPLES:
        return found
    return [found[0], found[len(found) // 2], found[-1]]


def _list(values: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(_plain(v)) for v in values[:limit])
    return shown + (f", ... {len(values) - limit} more" if len(values) > limit else "")


def _isnull(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


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


def _blocks_note(blocks: Mapping[str, list[int]] | None) -> str:
    if not blocks:
        return ""
    return "; the rewrite's blocks: " + ", ".join(f"{n} [{a}:{b}]" for n, (a, b) in blocks.items())


def _permutation_hint(expected: np.ndarray, got: np.ndarray, atol: np.ndarray, rtol: np.ndarray,
                      blocks: Mapping[str, list[int]] | None) -> str:
    """When every column of X is in the original too, just elsewhere: either whole transformer blocks are
    out of order, or, inside one transformer, its columns are (one-hot categories in another order)."""
    if got.shape[1] > 4096:
        return ""
    position = {}
    for j in range(got.shape[1]):
        close = np.abs(expected - got[:, [j]]) <= atol + rtol * np.abs(expected)
        match = np.flatnonzero(np.all(close | (np.isnan(expected) & np.isnan(got[:, [j]])), axis=0))
        if not len(match):
            return ""
        position[j] = j if j in match else int(match[0])
    moved = [j for j, i in position.items() if i != j]
    if not moved:
        return ""
    owner = {c: name for name, (start, stop) in (blocks or {}).items() for c in range(start, stop)}
    within = {owner.get(j) for j in moved} | {owner.get(position[j]) for j in moved}
    if len(within) == 1 and (name := next(iter(within))) is not None:
        start, stop = (blocks or {})[name]
        return (f"every column is there, but inside transformer {name!r} [{start}:{stop}] {len(moved)} are in another "
                f"place (e.g. column {moved[0]} is the original's {position[moved[0]]}): the original orders that "
                "block's values (one-hot categories?) differently; give the encoder that order (e.g. "
                "OneHotEncoder(categories=[...]))")
    return (f"every column is there but {len(moved)} are in another place (e.g. column {moved[0]} is the original's "
            f"{position[moved[0]]}): order the transformers as the original concatenates its blocks")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."
