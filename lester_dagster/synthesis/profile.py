"""Column profiles: the statistics every other part of the search reads (kind, cardinality, value sets,
character-class patterns, numeric ranges). Each statistic is computed on first use and kept, and a
`Tab` profiles each of its columns once, so a table visited by many candidate steps is profiled once.

Strings that all read as numbers are profiled as numbers, because that is what they become in a CSV
dump: a derived "01".."12" month column compares with a target's month column of integers."""

from __future__ import annotations

import re
from collections.abc import Hashable
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

MAX_VALUES = 3000  # distinct values kept per column for overlap measures
PATTERN_SAMPLE = 120  # distinct values whose patterns are computed
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)

_CLASSES = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "A" * 26 + "a" * 26 + "0" * 10,
)
_RUNS = re.compile(r"(.)\1+")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def pattern(text: str) -> str:
    """Character-class pattern: A for upper case, a for lower case, 0 for digits, the rest kept."""
    return text.translate(_CLASSES)


def compressed_pattern(text: str) -> str:
    """The pattern with runs of a class collapsed: 'John Doe' -> 'Aa Aa'."""
    return _RUNS.sub(r"\1", pattern(text))


def kind_of(values: pd.Series) -> str:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "string"
    return "other"


def number_text(value: float | np.number[Any]) -> str:
    return str(int(value)) if float(value).is_integer() and abs(float(value)) < 1e15 else f"{value:.6g}"


SINGLE = 1.2e-7  # relative error, at most, of a number stored in single precision (twice its rounding)


def multiples(values: np.ndarray, unit: float) -> np.ndarray:
    """Which numbers are multiples of `unit` as floating point writes them (17.2 is 172 tenths, 0.1 + 0.2 three):
    within a millionth of the unit, or a thousand steps of floating point where those are coarser (a number too
    large to hold its fraction is taken to be a multiple: nothing says it is not), or as single precision
    writes them (a wage of 2.9 stored as 2.9000000953674316), up to a hundredth of the unit."""
    quotients = np.asarray(values, dtype=float) / unit
    size = np.abs(quotients)
    near = np.maximum(np.maximum(1e-6, 1e3 * np.spacing(size)), np.minimum(SINGLE * size, 1e-2))
    return np.abs(quotients - np.round(quotients)) <= near


class ColumnProfile:
    """What the search knows about one column; statistics are computed lazily."""

    def __init__(self, name: str, values: pd.Series) -> None:
        self.name = name
        self.rows = len(values)
        # whether the column's values recur in other samples (categories do, names of people do not);
        # set for a target's columns by the search, which sees the inputs
        self.recurs = True
        # values no input has: made by the pipeline (a fill value), so a right candidate has them too
        self.foreign: frozenset[str] = frozenset()
        self._finer: dict[float, float] = {}
        kind = kind_of(values)
        self._numbers: np.ndarray | None = None
        if kind == "number":
            self._numbers = values.to_numpy(dtype=float, na_value=np.nan)
        elif kind == "bool":
            self._objects = values.dropna().astype(str).to_numpy(dtype=object)
        else:
            objects = values.dropna().to_numpy(dtype=object)
            if kind == "string" and len(objects) and not isinstance(objects[0], (list, dict, tuple)):
                texts = np.asarray([str(v) for v in objects], dtype=object)
                distinct = pd.unique(texts)
                if len(distinct) and all(_NUMBER.match(t) for t in distinct[:MAX_VALUES]):
                    kind = "number"
                    self._numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                objects = texts
            self._objects = objects
        self.kind = kind
        if self._numbers is not None:
            self._finite = self._numbers[np.isfinite(self._numbers)]
            self.nulls = int(np.isnan(self._numbers).sum())
        else:
            self.nulls = self.rows - len(self._objects)

    def __repr__(self) -> str:
        return f"ColumnProfile({self.name!r}, {self.kind}, rows={self.rows}, distinct={self.distinct})"

    @cached_property
    def repeated(self) -> float:
        """The share of the rows with a value whose value another row has too."""
        if self._numbers is not None:
            _, counts = np.unique(self._finite, return_counts=True)
        else:
            counts = pd.Series(self._objects).value_counts().to_numpy()
        total = int(counts.sum())
        return float(counts[counts > 1].sum()) / total if total else 0.0

    @cached_property
    def _distinct_values(self) -> np.ndarray:
        if self._numbers is not None:
            return np.unique(self._finite)
        return pd.unique(self._objects)

    @property
    def distinct_numbers(self) -> np.ndarray:
        """Sorted distinct finite numbers (empty for non-numeric columns)."""
        return self._distinct_values if self._numbers is not None else np.array([])

    def share_of(self, number: float) -> float:
        """The share of the finite numbers equal to `number` (0 for non-numeric columns)."""
        if self._numbers is None or not len(self._finite):
            return 0.0
        return float(np.mean(np.isclose(self._finite, number)))

    @cached_property
    def rounded(self) -> frozenset[float]:
        """The distinct finite numbers rounded to 6 decimals: what the mapping compares across samples."""
        return frozenset(np.round(self.distinct_numbers, 6).tolist())

    @cached_property
    def distinct(self) -> int:
        return len(self._distinct_values)

    @cached_property
    def values(self) -> frozenset[str]:
        """Distinct values as normalised text (capped)."""
        head = self._distinct_values[:MAX_VALUES]
        if self._numbers is not None:
            return frozenset(number_text(v) for v in head)
        return frozenset(str(v).strip() for v in head)

    @cached_property
    def patterns(self) -> dict[str, float]:
        """Compressed pattern -> share of distinct values having it (the 12 most common)."""
        head = self._distinct_values[: PATTERN_SAMPLE if self._numbers is None else 40]
        if not len(head):
            return {}
        texts = [number_text(v) for v in head] if self._numbers is not None else [str(v) for v in head]
        counts: dict[str, int] = {}
        for text in texts:
            p = compressed_pattern(text)
            counts[p] = counts.get(p, 0) + 1
        top = sorted(counts.items(), key=lambda x: -x[1])[:12]
        return {p: c / len(texts) for p, c in top}

    @cached_property
    def _lengths(self) -> list[int]:
        head = self._distinct_values[:PATTERN_SAMPLE]
        texts = [number_text(v) for v in head] if self._numbers is not None else [str(v) for v in head]
        return [len(t) for t in texts]

    @cached_property
    def length(self) -> float:
        """The mean length of the distinct values as text."""
        return float(np.mean(self._lengths)) if self._lengths else 0.0

    @cached_property
    def longest(self) -> int:
        return max(self._lengths, default=0)

    @cached_property
    def integral(self) -> bool:
        return self._numbers is not None and len(self._finite) > 0 and bool(np.all(np.mod(self._finite, 1) == 0))

    def finer_than(self, unit: float) -> float:
        """The share of the finite numbers that are no multiples of `unit` (1: no whole numbers), nor of a
        tenth (of a unit under a half, a tenth of it): a reading to one decimal, whole in some rows and not in
        others, is no aggregate's fraction, nor one to two decimals of one to one; 0 for non-numeric columns."""
        if self._numbers is None or not len(self._finite):
            return 0.0
        found = self._finer.get(unit)
        if found is None:
            off = ~multiples(self._finite, unit) & ~multiples(self._finite, 0.1 if unit >= 0.5 else unit / 10)
            found = self._finer[unit] = float(np.mean(off))
        return found

    def outside(self, lo: float, hi: float) -> float:
        """The share of the finite numbers outside [lo, hi]; 0 for non-numeric columns."""
        if self._numbers is None or not len(self._finite):
            return 0.0
        return float(np.mean((self._finite < lo) | (self._finite > hi)))

    @cached_property
    def _range(self) -> tuple[float, float, tuple[float, ...]]:
        if self._numbers is None or not len(self._finite):
            return 0.0, 0.0, ()
        quantiles = tuple(float(q) for q in np.quantile(self._finite, QUANTILES))
        return float(self._finite.min()), float(self._finite.max()), quantiles

    @property
    def lo(self) -> float:
        return self._range[0]

    @property
    def hi(self) -> float:
        return self._range[1]

    @property
    def quantiles(self) -> tuple[float, ...]:
        return self._range[2]

    @property
    def finite(self) -> int:
        """How many finite numbers the column holds (0 for non-numeric columns)."""
        return len(self._finite) if self._numbers is not None else 0

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    @property
    def unique(self) -> bool:
        """Every row has its own non-null value."""
        return self.rows > 0 and self.nulls == 0 and self.distinct == self.rows

    @property
    def uniqueness(self) -> float:
        non_null = self.rows - self.nulls
        return self.distinct / non_null if non_null else 0.0

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "bool")


def profile_column(name: str, values: pd.Series) -> ColumnProfile:
    return ColumnProfile(name, values)


class Tab:
    """A frame with lazily computed, cached column profiles and a row-order-insensitive fingerprint."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._profiles: dict[str, ColumnProfile] = {}
        self.cache: dict[Hashable, Any] = {}  # per-table results of the search (its mapping onto the target)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def __len__(self) -> int:
        return len(self.frame)

    def profile(self, column: str) -> ColumnProfile:
        found = self._profiles.get(column)
        if found is None:
            found = self._profiles[column] = profile_column(column, self.frame[column])
        return found

    def profiles(self) -> dict[str, ColumnProfile]:
        return {c: self.profile(c) for c in self.columns}

    @cached_property
    def fingerprint(self) -> int:
        """Equal for frames with the same columns and the same multiset of rows."""
        if self.frame.shape[1] == 0:
            return hash((len(self.frame),))
        ordered = self.frame[sorted(self.columns)]
        try:
            rows = pd.util.hash_pandas_object(ordered, index=False).to_numpy(dtype=np.uint64)
        except TypeError:
            rows = pd.util.hash_pandas_object(ordered.astype(str), index=False).to_numpy(dtype=np.uint64)
        return hash((tuple(sorted(self.columns)), len(self.frame), int(rows.sum(dtype=np.uint64))))
