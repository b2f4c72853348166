"""Implicit constraints of the target: keys (unique column combinations), functional dependencies with a
left-hand side of at most two columns, and columns that are clearly not keys. Discovered on (a sample
of) the target, then checked on a candidate output through a column mapping (Auto-Pipeline 2.2, 3.3)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from lester_dagster.synthesis.profile import SINGLE, multiples

MAX_ROWS = 5000  # rows of the target (and of a candidate) the constraints are computed on
MAX_FDS = 40
MAX_LHS_COLUMNS = 14  # columns considered on an FD's left-hand side of two columns (lowest cardinality first)
MAX_SINGLE_LHS = 48  # columns considered as an FD's left-hand side alone: a cheap pass, so wider...
SINGLE_LHS_CHECKS = 1500  # ...where (left-hand sides) x (columns) stays within this many checks (not 14 x 200)
TOLERANCE = 0.98  # share of a key's (or an FD's) values that must be consistent on a candidate
SUMMED = (1.0, 0.1, 0.01)  # units a mean's column may be written to: whole numbers, tenths, hundredths
# the unit a candidate's sums are checked on: the other half may write the column finer (to a tenth where the
# target's half has whole miles per gallon); a mean of other rows than counted still hardly ever lands on it
SUMMED_FINEST = 0.001
MEAN_BY_COUNT = (0.9, 3)  # share and number of rows, at least, where a mean times a count is a sum


@dataclass(frozen=True)
class FD:
    """`lhs` determines `rhs`."""

    lhs: tuple[str, ...]
    rhs: str
    support: int = 0  # rows that share their lhs value with another row

    def __str__(self) -> str:
        return f"{', '.join(self.lhs)} -> {self.rhs}"


@dataclass(frozen=True)
class Counted:
    """`mean` averages the rows `count` counts: in (almost) every row their product is a sum of numbers written
    to `unit` (a mean delay of 13.062 minutes over 225 flights: 2939)."""

    count: str
    mean: str
    unit: float

    def __str__(self) -> str:
        return f"{self.mean} averages the rows {self.count} counts"


@dataclass(frozen=True)
class SameRows:
    """`a` and `b` are means of the same rows: in (almost) every row their least denominators are of one number
    of rows (a mean departure delay of 13.0622 and arrival delay of 8.9956 minutes, both over the 225 flights that
    arrived: 2939/225 and 2024/225). A mean of the flights that departed would be over other rows."""

    a: str
    b: str
    unit: float

    def __str__(self) -> str:
        return f"{self.a} and {self.b} average the same rows"


@dataclass(frozen=True)
class Constraints:
    """What the target's output must look like, structurally."""

    columns: tuple[str, ...]
    rows: int
    keys: tuple[tuple[str, ...], ...] = ()
    primary: tuple[str, ...] | None = None
    fds: tuple[FD, ...] = ()
    nonkeys: tuple[str, ...] = ()  # single columns with many repeated values in the target
    counted: tuple[Counted, ...] = ()  # means beside the count of the rows they average
    same_rows: tuple[SameRows, ...] = ()  # means of the same rows

    @property
    def total(self) -> int:
        return len(self.keys) + len(self.fds) + len(self.nonkeys) + len(self.counted) + len(self.same_rows)

    def describe(self) -> list[str]:
        lines = [f"key {{{', '.join(k)}}}" + (" (primary)" if k == self.primary else "") for k in self.keys]
        lines += [f"FD {fd}" for fd in self.fds]
        lines += [f"not a key: {c}" for c in self.nonkeys]
        lines += [str(c) for c in self.counted]
        lines += [str(c) for c in self.same_rows]
        return lines


@dataclass(frozen=True)
class ConstraintReport:
    """Which of the target's constraints a candidate output satisfies under a column mapping."""

    satisfied: int
    total: int
    primary_ok: bool
    violations: tuple[str, ...] = field(default=())

    @property
    def share(self) -> float:
        return self.satisfied / self.total if self.total else 1.0


def _codes(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: pd.factorize(frame[c], use_na_sentinel=False)[0].astype(np.int64) for c in frame.columns}


def _combined(codes: Sequence[np.ndarray]) -> np.ndarray:
    out = codes[0]
    for more in codes[1:]:
        out = out * (int(more.max()) + 1 if len(more) else 1) + more
    return out


def _distinct(values: np.ndarray) -> int:
    return len(np.unique(values)) if len(values) else 0


def _sample(frame: pd.DataFrame, rows: int = MAX_ROWS) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(rows, random_state=0)


def _is_float(frame: pd.DataFrame, column: str) -> bool:
    values = frame[column].dropna()
    if not pd.api.types.is_float_dtype(values.dtype) or not len(values):
        return False
    return not bool(np.all(np.mod(values.to_numpy(), 1) == 0))


def _collisions(codes: Mapping[str, np.ndarray], combo: Sequence[str]) -> float:
    """Expected pairs of rows equal on every column of `combo` if the columns were independent."""
    n = len(codes[combo[0]])
    repeat = 1.0
    for column in combo:
        shares = np.bincount(codes[column]) / max(n, 1)
        repeat *= float(np.sum(shares**2))
    return n * (n - 1) / 2 * repeat


def _range_collisions(column: pd.Series) -> float:
    """Expected pairs of rows equal if a numeric column's values were drawn evenly from the whole
    numbers of its range (ids 1..n repeat (n - 1) / 2 times; three values in a range of 23, 0.13 times)."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)  # bools, Int64
    n = int(np.isfinite(values).sum())
    if n < 2:
        return 0.0
    return n * (n - 1) / 2 / _spread(column)


def _spread(column: pd.Series) -> float:
    """How many whole numbers a numeric column's range holds (1 for a constant or an empty column)."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)  # bools, Int64
    values = values[np.isfinite(values)]
    return float(values.max() - values.min()) + 1.0 if len(values) else 1.0


def _pairs(codes: np.ndarray) -> float:
    """Pairs of rows with equal values."""
    counts = np.unique(codes, return_counts=True)[1].astype(float)
    return float(np.sum(counts * (counts - 1) / 2))


def _grid(column: pd.Series) -> float:
    """How many values a numeric column could take between its least and greatest at the precision its
    values are written in, up to six decimals (2.413717: millionths), in steps of the greatest common
    divisor of its values' gaps where it has three values or more (1.0, 2.0, 2.5: halves)."""
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    values = np.unique(values[np.isfinite(values)])
    if len(values) < 2:
        return 1.0
    for decimals in range(7):
        scaled = values * 10**decimals
        # seven significant digits, as a float32 column keeps them (17.8 read back as 17.799999)
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 * np.maximum(np.abs(scaled), 1.0)):
            break
    scaled = np.round(scaled)
    if np.abs(scaled).max() >= 2.0**53:
        return math.inf  # beyond whole numbers a float tells apart
    step = int(np.gcd.reduce(np.diff(scaled).astype(np.int64))) if len(values) >= 3 else 1
    return float(scaled.max() - scaled.min()) / max(step, 1) + 1.0


GRID_OVER_VALUES = 10  # a grid this many times the values a column shows: its own values say little of chance


def _fd_by_chance_on_grid(lhs: np.ndarray, grid: float) -> float:
    """As `_fd_by_chance`, with the rhs drawn evenly from `grid` values: its own few values are no measure of
    chance where the FD made them few (a total per year repeated beside each of the year's cells). Per group
    of g rows, grid^(1 - g)."""
    sizes = np.unique(lhs, return_counts=True)[1]
    repeats = float(np.sum(sizes[sizes > 1] - 1))
    if repeats == 0:
        return 1.0
    return 0.0 if math.isinf(grid) else math.exp(-repeats * math.log(max(grid, 1.0)))


CHANCE_FD = 0.01  # an FD that columns drawn independently would show this often is no evidence


def _fd_by_chance(lhs: np.ndarray, rhs: np.ndarray) -> float:
    """How likely the rows that repeat an lhs value would all repeat their rhs value too if the rhs were
    drawn independently of the lhs from its own values: per group of g rows, sum_v p_v^g, multiplied over
    the groups. Two of eight rows agreeing on a four-valued column happens one time in four."""
    shares = np.bincount(rhs) / max(len(rhs), 1)
    sizes = np.unique(lhs, return_counts=True)[1]  # combined codes run up to the product of the columns' counts
    log_chance = 0.0
    for size, count in zip(*np.unique(sizes[sizes > 1], return_counts=True), strict=True):
        log_chance += int(count) * math.log(max(float(np.sum(shares ** int(size))), 1e-300))
    return math.exp(log_chance)


CHANCE_COLLISIONS = 3.0  # expected repeats below which numeric columns unique together tell nothing


def discover(frame: pd.DataFrame, max_lhs: int = 2) -> Constraints:
    """Keys (minimal, up to three columns), FDs (lhs up to `max_lhs` columns, minimal, supported by
    repeated lhs values so near-unique columns cannot explode them) and non-key columns of a table."""
    frame = _sample(frame)
    n, columns = len(frame), [str(c) for c in frame.columns]
    codes = _codes(frame)
    distinct = {c: _distinct(codes[c]) for c in columns}
    no_nulls = {c for c in columns if not frame[c].isna().any()}
    # measures with fractional values are unique by chance, not by design: they make no key
    floats = {c for c in columns if _is_float(frame, c)}
    numeric = {c for c in columns if pd.api.types.is_numeric_dtype(frame[c].dtype)}
    keys: list[tuple[str, ...]] = [(c,) for c in columns if distinct[c] == n and c in no_nulls and n > 1 and c not in floats]
    if n > 2:
        repeated = [c for c in columns if distinct[c] < n and c in no_nulls and c not in floats]
        repeated.sort(key=lambda c: distinct[c])
        # whole numbers unique by chance (counts in a few rows: see below) do not end the search for the
        # group-by's keys of three columns left of them
        chance = {k for k in keys if k[0] in numeric and _range_collisions(frame[k[0]]) < CHANCE_COLLISIONS}
        for size in (2, 3):
            if size == 3 and (any(k not in chance for k in keys) or len(repeated) > 12):
                break
            for combo in combinations(repeated[:MAX_LHS_COLUMNS], size):
                if any(set(k) <= set(combo) for k in keys):
                    continue
                if n >= 10 and sum(distinct[c] > 0.5 * n for c in combo) >= 2 and _collisions(codes, combo) < 2.0:
                    # two near-unique columns are unique together by chance, not by design, unless
                    # independent columns would collide a few times (in a handful of rows every
                    # grouping column is near-unique, so there the test tells nothing)
                    continue
                if all(c in numeric for c in combo) and _collisions(codes, combo) < CHANCE_COLLISIONS:
                    # numbers (counts in a few rows) that independent columns would not surely repeat
                    # either (P(no repeat) ~ exp(-expected repeats) > 5%): unique together by chance
                    continue
                if _distinct(_combined([codes[c] for c in combo])) == n:
                    keys.append(tuple(sorted(combo, key=columns.index)))
    # the primary key is the one furthest left: a group-by's keys come first in its output, and a
    # measure that happens to be unique (the latest date of each group) comes after them
    primary = min(keys, key=lambda k: (max(columns.index(c) for c in k), len(k)), default=None)
    # other keys of several columns must be more than luck: columns drawn independently would repeat
    # a few times in this many rows ({country, latest date} is unique in 36 groups by chance). Many
    # pairs are tried, so the bar is P(no repeat) = exp(-expected repeats) below 5% over all of them
    tried = max(1, len(columns) * (len(columns) - 1) // 2)
    bar = max(CHANCE_COLLISIONS, math.log(tried / 0.05))
    keys = [k for k in keys if k == primary or len(k) == 1 or _collisions(codes, k) >= bar]
    # whole numbers are unique alone by chance where few rows spread over a wide range (three maxima of
    # angles between 39 and 61): drawn from that range they would repeat less than a few times
    keys = [k for k in keys if k == primary or len(k) > 1 or k[0] not in numeric
            or _range_collisions(frame[k[0]]) >= CHANCE_COLLISIONS]
    fds: list[FD] = []
    if n > 2:
        # a measure with fractional values determines nothing, whatever a few repeated values suggest
        lhs_columns = [c for c in columns if 1 < distinct[c] <= 0.8 * n and c not in floats]
        lhs_columns.sort(key=lambda c: distinct[c])
        # one column alone is a cheap pass over many more of them: a key of many values (the month of 20,
        # beside a dozen flags and codes of fewer) still determines the aggregate joined back over it
        lhs_columns = lhs_columns[:max(MAX_LHS_COLUMNS, min(MAX_SINGLE_LHS, SINGLE_LHS_CHECKS // max(1, len(columns))))]
        grids = {c: _grid(frame[c]) for c in columns if c in numeric}
        found: dict[str, list[tuple[str, ...]]] = {c: [] for c in columns}
        for size in range(1, max_lhs + 1):
            for lhs in combinations(lhs_columns if size == 1 else lhs_columns[:MAX_LHS_COLUMNS], size):
                if any(set(k) <= set(lhs) for k in keys):
                    continue
                lhs_codes = _combined([codes[c] for c in lhs])
                groups = _distinct(lhs_codes)
                if groups > 0.8 * n:
                    continue
                support = n - groups
                for rhs in columns:
                    if rhs in lhs or distinct[rhs] <= 1:
                        continue
                    if any(set(smaller) <= set(lhs) for smaller in found[rhs]):
                        continue
                    if _distinct(_combined([lhs_codes, codes[rhs]])) == groups:
                        found[rhs].append(lhs)
                        if _fd_by_chance(lhs_codes, codes[rhs]) > CHANCE_FD and (
                                rhs not in grids or grids[rhs] < GRID_OVER_VALUES * distinct[rhs]
                                or _fd_by_chance_on_grid(lhs_codes, grids[rhs]) > CHANCE_FD):
                            # a repeat or two agreeing by luck, in a handful of rows; a number repeated where
                            # its range and precision make repeats unlikely (a total or a mean per year beside
                            # each cell) is no luck, but a median of a few periods (2.5, 2.0) or a flag that is
                            # mostly 0 (two values on a grid of two) may be
                            continue
                        fds.append(FD(tuple(sorted(lhs, key=columns.index)), rhs, support))
        fds.sort(key=lambda fd: (-fd.support, len(fd.lhs)))
        fds = fds[:MAX_FDS]
    # whole numbers that repeat no more than numbers drawn evenly from their range would, in too few rows to
    # force repeats (seven counts of cars between 7 and 10), are no category: a candidate's counts spread over
    # 1 to 14 need not repeat. Flags, and years of a panel, repeat by force
    by_chance = {c for c in numeric - floats if not pd.api.types.is_bool_dtype(frame[c].dtype)
              and n < 2 * _spread(frame[c]) and _pairs(codes[c]) <= _range_collisions(frame[c])}
    nonkeys = tuple(c for c in columns if n >= 6 and distinct[c] <= 0.7 * n and (c,) not in keys and c not in by_chance)
    counted = _counted(frame, columns)
    return Constraints(tuple(columns), n, tuple(keys), primary, tuple(fds), nonkeys, counted, _same_rows(frame, columns, counted))


def _numbers(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray | None:
    """The rows of these columns with no gaps, as numbers; None where one is not numeric."""
    if any(not pd.api.types.is_numeric_dtype(frame[c].dtype) or pd.api.types.is_bool_dtype(frame[c].dtype)
           for c in columns):
        return None
    return frame[list(columns)].dropna().to_numpy(dtype=float)


def _summed(both: np.ndarray, unit: float) -> tuple[int, int]:
    """Of the rows (count, mean) whose mean is no multiple of `unit`: how many, and how many of them have a
    product with the count that is."""
    rows = both[~multiples(both[:, 1], unit)]
    return len(rows), int(multiples(rows[:, 0] * rows[:, 1], unit).sum())


def _counted(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[Counted, ...]:
    """The means of the table beside a count of the rows they average (`Counted`): in at least MEAN_BY_COUNT of
    its rows, the mean is no multiple of a unit and its product with the count is. By chance a mean of other
    rows than those counted hardly ever gives one."""
    found = []
    counts = [c for c in columns if (values := _numbers(frame, [c])) is not None and len(values) >= MEAN_BY_COUNT[1]
              and bool(np.all(values > 0)) and bool(multiples(values[:, 0], 1.0).all())]
    for count in counts:
        for mean in columns:
            both = _numbers(frame, [count, mean]) if mean != count else None
            if both is None or len(both) < MEAN_BY_COUNT[1]:
                continue
            for unit in SUMMED:
                fractional, summed = _summed(both, unit)
                if fractional >= 0.5 * len(both) and summed >= max(MEAN_BY_COUNT[0] * fractional, MEAN_BY_COUNT[1]):
                    found.append(Counted(count, mean, unit))
                    break
    return tuple(found)


DENOMINATORS = 2000  # rows, at most, a mean's least denominator is looked for among
DENOMINATOR_STEP = 250  # of which this many at a time
SAME_ROWS = (0.9, 3, 20)  # share and number of rows, at least, whose denominators agree (`_dividing`); least denominator
SAME_ROWS_LCM = 4  # their least common multiple, at most, as a multiple of the larger
SAME_ROWS_PAIRS = 6  # pairs of means, at most, kept as averaging the same rows


def denominators(values: np.ndarray, unit: float) -> np.ndarray:
    """Each number's least denominator: the fewest rows (at most DENOMINATORS) whose numbers written to `unit`
    it is the mean of (13.0622 minutes: 2939/225, so 225), 0 where none is."""
    numbers = np.asarray(values, dtype=float) / unit
    numbers = np.where(np.isfinite(numbers), numbers, 0.5)  # (no gaps reach here; a half has no denominator)
    found = np.zeros(len(numbers), dtype=np.int64)
    left = np.arange(len(numbers))
    for start in range(1, DENOMINATORS + 1, DENOMINATOR_STEP):  # few rows at a time: most means have small ones
        counts = np.arange(start, min(start + DENOMINATOR_STEP, DENOMINATORS + 1), dtype=np.float64)
        sums = numbers[left, None] * counts[None, :]
        # within a millionth, or as single precision writes the numbers summed (a float32 wage 2.9000000953674316)
        whole = np.abs(sums - np.rint(sums)) <= np.maximum(1e-6, SINGLE * np.abs(sums))
        hit = whole.any(axis=1)
        found[left[hit]] = start + np.argmax(whole[hit], axis=1)
        left = left[~hit]
        if not len(left):
            break
    return found


def _dividing(frame: pd.DataFrame, a: str, b: str, unit: float) -> tuple[int, int]:
    """Of the rows where both means have a least denominator of at least SAME_ROWS[2]: how many, and in how
    many the two could be of one number of rows."""
    both = _numbers(frame, [a, b])
    if both is None:
        return 0, 0
    # numbers written to three decimals or fewer are readings, or means that say little (over 8 rows: .125)
    both = both[~multiples(both[:, 0], SUMMED_FINEST) & ~multiples(both[:, 1], SUMMED_FINEST)][:DENOMINATOR_ROWS]
    first, second = denominators(both[:, 0], unit), denominators(both[:, 1], unit)
    seen = (np.minimum(first, second) >= SAME_ROWS[2])
    first, second = first[seen], second[seen]
    # over the same rows both divide their number, so their least common multiple is a few times the larger
    # (474 flights: 158 and 237); over rows a few apart it is about their product
    return len(first), int((np.lcm(first, second) <= SAME_ROWS_LCM * np.maximum(first, second)).sum())


DENOMINATOR_ROWS = 200  # rows a pair of means is compared on
SAME_ROWS_HERE = 0.75  # share of a candidate's rows, at least, whose means' denominators agree


def _same_rows(frame: pd.DataFrame, columns: Sequence[str], counted: Sequence[Counted]) -> tuple[SameRows, ...]:
    """Pairs of means of the same rows (`SameRows`) beside no count of them (`Counted` says so where there is
    one): in at least SAME_ROWS of the rows where both are long fractions over enough rows, their least
    denominators are of one number of rows, which means of other rows (a count apart) hardly ever give."""
    fractional = [c for c in columns if (values := _numbers(frame, [c])) is not None
                  and len(values) >= SAME_ROWS[1] and not multiples(values[:, 0], 1.0).all()]
    fractional = [c for c in fractional if not any(c == k.mean for k in counted)]
    found = []
    for a, b in combinations(fractional, 2):
        for unit in SUMMED:
            rows, dividing = _dividing(frame, a, b, unit)
            if rows >= max(SAME_ROWS[1], 0.5 * min(len(frame), DENOMINATOR_ROWS)) and dividing >= SAME_ROWS[0] * rows:
                found.append(SameRows(a, b, unit))
                break
        if len(found) >= SAME_ROWS_PAIRS:
            break
    return tuple(found)


def check(constraints: Constraints, frame: pd.DataFrame, pairs: Mapping[str, str]) -> ConstraintReport:
    """The target's constraints on a candidate output; `pairs` maps target columns to its columns.
    A constraint over an unmapped column counts as violated."""
    frame = _sample(frame)
    n = len(frame)
    cache: dict[tuple[str, ...], int] = {}
    codes: dict[str, np.ndarray] = {}

    def distinct(cols: tuple[str, ...]) -> int | None:
        if any(c not in pairs for c in cols):
            return None
        mapped = tuple(pairs[c] for c in cols)
        if mapped not in cache:
            for c in mapped:
                if c not in codes:
                    codes[c] = pd.factorize(frame[c], use_na_sentinel=False)[0].astype(np.int64)
            cache[mapped] = _distinct(_combined([codes[c] for c in mapped])) if n else 0
        return cache[mapped]

    satisfied, violations, primary_ok = 0, [], True
    for key in constraints.keys:
        count = distinct(key)
        nulls = count is not None and any(frame[pairs[c]].isna().any() for c in key)
        # a few duplicates are the other rows' chance, not another granularity
        if count is not None and count >= TOLERANCE * n and not nulls:
            satisfied += 1
        else:
            violations.append(f"key {{{', '.join(key)}}}")
            primary_ok = primary_ok and key != constraints.primary
    for fd in constraints.fds:
        lhs, both = distinct(fd.lhs), distinct((*fd.lhs, fd.rhs))
        if lhs is not None and both is not None and lhs >= TOLERANCE * both:
            satisfied += 1
        else:
            violations.append(f"FD {fd}")
    for column in constraints.nonkeys:
        count = distinct((column,))
        # a column of a key repeats in the target once per value of the key's other columns: where those hold
        # one value here (one period of schooling means, the other in the other half), it cannot
        alone = any(column in key and all(distinct((c,)) == 1 for c in key if c != column)
                    for key in constraints.keys if len(key) > 1)
        if count is not None and (count < n or n <= 1 or alone):
            satisfied += 1
        else:
            violations.append(f"not a key: {column}")
    for counted in constraints.counted:
        numbers = _numbers(frame, [pairs[counted.count], pairs[counted.mean]]) if (
            counted.count in pairs and counted.mean in pairs) else None
        # where every mean is a multiple of the unit, nothing says which rows it averages
        fractional, summed = _summed(numbers, SUMMED_FINEST) if numbers is not None else (1, 0)
        if summed >= MEAN_BY_COUNT[0] * fractional:
            satisfied += 1
        else:
            violations.append(str(counted))
    for same in constraints.same_rows:
        rows, dividing = (_dividing(frame, pairs[same.a], pairs[same.b], same.unit) if same.a in pairs and same.b in pairs
                          else (1, 0))
        # a sample of few rows over enough rows to tell says nothing against it
        if rows < SAME_ROWS[1] or dividing >= SAME_ROWS_HERE * rows:
            satisfied += 1
        else:
            violations.append(str(same))
    return ConstraintReport(satisfied, constraints.total, primary_ok, tuple(violations))
