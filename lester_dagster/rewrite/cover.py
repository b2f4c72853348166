"""The data both versions run on: every row of every source (the default), or, when a sample is asked
for, a covering sample rather than the first rows. Date-sorted exports and catalogues that grow over
time put their surprises late (a padded brand, `Home` next to `home`, a flag's third value, months
10-12, a timestamp in a date column, an address with two `@`), and independent heads of joined files may
not join at all. A covering sample takes, from every source:

* the first and last rows, and rows spread evenly over the file (never a head);
* every distinct value of low-cardinality columns (a few occurrences each, first and last among them);
* every distinct shape of short text values (letters, digits, spaces and punctuation as they occur);
* every year, month and day of date-like columns, and their earliest and latest values;
* the extremes, quantiles and largest magnitudes of numeric columns;
* the script's own constants (thresholds, category lists, dates) and their neighbours: equal values,
  the nearest below and above, values equal but for case or padding, values containing them;
* then the rows that follow join keys across files, both ways, so picked rows find their partners.

Coverage (rows, and distinct values per column seen against the whole source) goes into the report."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_LOW_CARDINALITY = 64
_OCCURRENCES = 4  # per distinct value: the first, the last and two between
_SHAPES = 64
_SHORT_TEXT = 40  # mean length up to which a text column's value shapes are covered
_QUANTILES = (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class SourceCoverage:
    """What one source contributes: rows taken of all, distinct values per column seen of all, and how
    many rows each reason picked (a covering sample only)."""

    file: str
    rows: int
    total_rows: int
    distinct: dict[str, list[int]]  # column -> [seen, in the whole source]
    picked: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Coverage:
    mode: str  # "all rows" or "covering sample"
    sources: dict[str, SourceCoverage]

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "sources": {
            name: {"file": s.file, "rows": s.rows, "of": s.total_rows, "distinct": s.distinct, "picked": s.picked}
            for name, s in self.sources.items()}}

    def describe(self) -> str:
        """One line: `all 1,600 rows of orders.csv, ...` or `a covering sample: 412 of 1,600 rows of ...`."""
        if self.mode == "all rows":
            return "all rows: " + ", ".join(f"{s.total_rows:,} of {s.file}" for s in self.sources.values())
        parts = []
        for s in self.sources.values():
            values = sum(seen for seen, _ in s.distinct.values()), sum(total for _, total in s.distinct.values())
            parts.append(f"{s.rows:,} of {s.total_rows:,} rows of {s.file} ({values[0]:,} of {values[1]:,} distinct "
                         "values)")
        return "a covering sample: " + ", ".join(parts)


def whole_data(sources: Sequence[Any], chunk_rows: int = 200_000) -> tuple[dict[str, Path], Coverage]:
    """Every row of every source, read where it is. Counting rows and distinct values streams through
    each file in chunks, keeping one 64-bit hash per distinct value, so a large source is never whole in
    memory here."""
    coverage = {}
    for source in sources:
        rows, seen = 0, dict[str, np.ndarray]()
        for chunk in pd.read_csv(source.file, chunksize=chunk_rows):
            rows += len(chunk)
            for column in chunk.columns:
                hashes = np.unique(pd.util.hash_pandas_object(chunk[column].astype("object"), index=False).to_numpy())
                seen[str(column)] = np.union1d(seen.get(str(column), hashes[:0]), hashes)
        distinct = {column: [len(h), len(h)] for column, h in seen.items()}
        coverage[source.name] = SourceCoverage(source.file.name, rows, rows, distinct)
    return {s.name: s.file for s in sources}, Coverage("all rows", coverage)


def covering_sample(sources: Sequence[Any], rows: int, folder: Path, strings: Iterable[str] = (),
                    numbers: Iterable[float] = ()) -> tuple[dict[str, Path], Coverage]:
    """About `rows` rows per source (more when the coverage rules need them), written to `folder` as CSV
    with the source's own records, byte for byte."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = {s.name: pd.read_csv(s.file) for s in sources}
    strings = sorted({s for s in strings if s and len(s) <= 200})
    numbers = sorted({float(n) for n in numbers if np.isfinite(n)})
    picks = {name: _Picks() for name in frames}
    for name, frame in frames.items():
        _pick_source(frame, picks[name], rows, strings, numbers)
    _follow_joins(frames, picks)
    out, coverage = {}, {}
    for source in sources:
        frame, chosen = frames[source.name], picks[source.name]
        positions = sorted(chosen.reasons)
        target = folder / source.file.name
        _write_records(source.file, target, positions, frame)
        taken = frame.iloc[positions]
        distinct = {str(c): [int(taken[c].nunique(dropna=False)), int(frame[c].nunique(dropna=False))]
                    for c in frame.columns}
        counts: dict[str, int] = {}
        for reason in chosen.reasons.values():
            counts[reason] = counts.get(reason, 0) + 1
        coverage[source.name] = SourceCoverage(source.file.name, len(positions), len(frame), distinct, counts)
        out[source.name] = target
    return out, Coverage("covering sample", coverage)


class _Picks:
    """Row positions picked in one source and the first reason each was picked for."""

    def __init__(self) -> None:
        self.reasons: dict[int, str] = {}

    def add(self, positions: Iterable[int], reason: str) -> int:
        added = 0
        for p in positions:
            if int(p) not in self.reasons:
                self.reasons[int(p)] = reason
                added += 1
        return added


def _pick_source(frame: pd.DataFrame, picks: _Picks, budget: int, strings: Sequence[str],
                 numbers: Sequence[float]) -> None:
    n = len(frame)
    if n == 0:
        return
    picks.add([*range(min(3, n)), *range(max(0, n - 3), n)], "first and last rows")
    for column in frame.columns:
        series = frame[column]
        if series.nunique(dropna=False) <= _LOW_CARDINALITY:
            for positions in _groups(series):
                picks.add(_occurrences(positions), "every value of a low-cardinality column")
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            _pick_numbers(series, picks, numbers)
        elif not pd.api.types.is_bool_dtype(series.dtype):
            text = series.astype("object").where(series.notna(), None)
            _pick_texts(text, picks, strings)
    wanted = min(n, budget - len(picks.reasons))
    if wanted > 0:
        picks.add(np.linspace(0, n - 1, num=wanted).round().astype(np.int64), "rows spread over the file")


def _pick_numbers(series: pd.Series, picks: _Picks, numbers: Sequence[float]) -> None:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    missing = np.flatnonzero(~finite)
    picks.add(_occurrences(missing), "missing values")
    if not finite.any():
        return
    where = np.flatnonzero(finite)
    v = values[where]
    picks.add([where[np.argmin(v)], where[np.argmax(v)]], "extremes")
    picks.add(where[np.argsort(-np.abs(v), kind="stable")[:3]], "extremes")
    for q in np.quantile(v, _QUANTILES):
        picks.add([where[np.argmin(np.abs(v - q))]], "quantiles")
    for constant in numbers:
        equal = where[v == constant]
        below, above = where[v < constant], where[v > constant]
        chosen = [*equal[:1], *equal[-1:]]
        if len(below):
            chosen.append(below[np.argmax(values[below])])
        if len(above):
            chosen.append(above[np.argmin(values[above])])
        for neighbour in (constant - 1, constant + 1):
            chosen += list(where[v == neighbour][:1])
        picks.add(chosen, "the script's constants and their neighbours")


def _pick_texts(text: pd.Series, picks: _Picks, strings: Sequence[str]) -> None:
    present = text.dropna()
    if present.empty:
        return
    values = present.astype(str)
    if values.str.len().mean() <= _SHORT_TEXT:
        shapes = _shape(values)
        counts = shapes.value_counts()
        rare_first = counts.sort_values(kind="stable").index[:_SHAPES]
        for shape in rare_first:
            positions = values.index[shapes == shape]
            picks.add([positions[0], positions[-1]], "every shape of short text values")
    if values.str.match(_ISO_DATE).mean() >= 0.9:
        dated = values[values.str.match(_ISO_DATE)]
        for part in (dated.str[:4], dated.str[5:7], dated.str[8:10]):
            for positions in _groups(part):
                picks.add([positions[0], positions[-1]], "every year, month and day of a date column")
        ordered = dated.sort_values(kind="stable")
        picks.add([ordered.index[0], ordered.index[-1]], "extremes")
    lowered, stripped = values.str.casefold(), values.str.strip()
    for constant in strings:
        folded = constant.casefold()
        masks = (values == constant, (lowered == folded) & (values != constant),
                 (stripped == constant) & (values != constant), values.str.contains(constant, regex=False),
                 lowered.str.contains(folded, regex=False) & ~values.str.contains(constant, regex=False))
        for mask in masks:
            positions = values.index[mask.to_numpy()]
            if len(positions):
                picks.add([positions[0], positions[-1]], "the script's constants and their neighbours")
        if _ISO_DATE.match(constant):  # a date threshold: the nearest values on either side
            below, above = values[values < constant], values[values > constant]
            if len(below):
                picks.add([below.sort_values(kind="stable").index[-1]], "the script's constants and their neighbours")
            if len(above):
                picks.add([above.sort_values(kind="stable").index[0]], "the script's constants and their neighbours")


def _shape(values: pd.Series) -> pd.Series:
    """`Acme` -> `Aa`, ` Acme` -> ` Aa`, `2023-11-03T14:22:05` -> `9-9-9A9:9:9`, `a@b@c.de` -> `a@a@a.a`."""
    return (values.str.replace(r"[A-Z]+", "A", regex=True).str.replace(r"[a-z]+", "a", regex=True)
            .str.replace(r"[0-9]+", "9", regex=True).str.replace(r"\s+", " ", regex=True)
            .str.replace(r"[^\x00-\x7f]+", "u", regex=True))


def _groups(series: pd.Series) -> Iterable[np.ndarray]:
    codes, _ = pd.factorize(series, use_na_sentinel=False)
    order = np.argsort(codes, kind="stable")
    boundaries = np.flatnonzero(np.diff(codes[order])) + 1
    positions = series.index.to_numpy()
    return (positions[group] for group in np.split(order, boundaries) if len(group))


def _occurrences(positions: np.ndarray) -> list[int]:
    if len(positions) <= _OCCURRENCES:
        return [int(p) for p in positions]
    chosen = np.linspace(0, len(positions) - 1, _OCCURRENCES).round().astype(int)
    return [int(positions[i]) for i in chosen]


def _links(frames: Mapping[str, pd.DataFrame]) -> list[tuple[str, str, str, str]]:
    """(a, column of a, b, key column of b): a's column refers to b's key. Numbers only by name (an `_id`
    column or the key's own name), since small numbers overlap anything; text by shared values."""
    keys = [(b, column) for b, frame in frames.items() for column in frame.columns
            if len(frame) > 1 and frame[column].notna().all() and frame[column].is_unique]
    links = []
    for b, key in keys:
        key_values = frames[b][key]
        numeric_key = pd.api.types.is_numeric_dtype(key_values.dtype)
        for a, frame in frames.items():
            if a == b:
                continue
            for column in frame.columns:
                series = frame[column].dropna()
                if series.empty or pd.api.types.is_numeric_dtype(series.dtype) != numeric_key:
                    continue
                if numeric_key:
                    named = str(column) == str(key) or str(column).lower().endswith("id")
                    if not named:
                        continue
                distinct = pd.unique(series)
                if len(distinct) >= 2 and pd.Series(distinct).isin(key_values).mean() >= (0.5 if not numeric_key
                                                                                           else 0.2):
                    links.append((a, str(column), b, str(key)))
    return links


def _follow_joins(frames: Mapping[str, pd.DataFrame], picks: Mapping[str, _Picks], rounds: int = 3) -> None:
    """Picked rows bring their join partners: the row each reference points at, and a few rows that
    point at each picked key row (first and last), so a rare product appears in an order."""
    links = _links(frames)
    for _ in range(rounds):
        added = 0
        for a, column, b, key in links:
            referring, referred = frames[a][column], frames[b][key]
            chosen_a = referring.iloc[sorted(picks[a].reasons)].dropna()
            added += picks[b].add(np.flatnonzero(referred.isin(chosen_a).to_numpy()), "rows that follow join keys")
            chosen_b = referred.iloc[sorted(picks[b].reasons)]
            matching = referring[referring.isin(chosen_b)]
            if not matching.empty:
                groups = matching.groupby(matching, sort=False).indices.values()
                labels = matching.index.to_numpy()
                added += picks[a].add([labels[g[i]] for g in groups for i in (0, -1)], "rows that follow join keys")
        if not added:
            break


def _write_records(source: Path, target: Path, positions: Sequence[int], frame: pd.DataFrame) -> None:
    """The header and the picked records as they are in the source (streamed: the source is never held
    whole). If the CSV reader and pandas disagree on the records, pandas writes the rows instead."""
    wanted = set(positions)
    with open(source, newline="", encoding="utf-8") as src, open(target, "w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        header = next(reader, None)
        if header is not None:
            writer.writerow(header)
        index = 0
        for record in reader:
            if not record:  # pandas skips blank lines too
                continue
            if index in wanted:
                writer.writerow(record)
            index += 1
    if index != len(frame):
        frame.iloc[sorted(wanted)].to_csv(target, index=False)
