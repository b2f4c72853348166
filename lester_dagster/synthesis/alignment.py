"""Row-aligned evidence: when the target has a key and a candidate output has the columns it maps to,
the two tables hold rows for many of the same keys (the same carriers, months, species), and an
aggregate of other rows of a group is close to the target's for that group. So a right column agrees
with the target's row by row, not only in distribution: correlation for numbers, equality for text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lester_dagster.synthesis.profile import number_text

MIN_ROWS = 5  # matched keys needed before agreement says anything
FEW_ROWS = 2  # matched keys from which the sizes of numbers are compared (without their order)
DRIFT = 1.5  # the largest factor between the halves' sizes of one measure that agreement forgives (a growing table)
DRIFT_COST = 0.02  # what forgiving it costs, per unit of the factor's log: a column the target's own size wins a tie
MATCHED_SHARE = 0.2  # share of the smaller side's rows whose keys must match for agreement to mean anything


def key_text(values: pd.Series) -> list[str]:
    """Key values as comparable text: 2013 and '2013' and 2013.0 alike."""
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append("\x00")
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            out.append(number_text(float(value)))
        else:
            text = str(value).strip()
            try:
                out.append(number_text(float(text)))
            except ValueError:
                out.append(text)
    return out


def row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[str, ...]]:
    parts = [key_text(frame[c]) for c in columns]
    return list(zip(*parts, strict=True)) if parts else []


class Aligner:
    """The target's rows by key, to match candidate rows (or groups) against."""

    def __init__(self, target: pd.DataFrame, key: Sequence[str]) -> None:
        self.target, self.key = target, tuple(key)
        self.position = {k: i for i, k in enumerate(row_keys(target, key))} if key else {}

    def positions(self, keys: Sequence[tuple[str, ...]]) -> np.ndarray:
        """For each candidate key, the target row with that key, or -1."""
        return np.array([self.position.get(k, -1) for k in keys], dtype=np.int64)

    def agreement(self, column: str, values: pd.Series, positions: np.ndarray) -> float | None:
        """How well `values` (one per candidate row) agree with the target's `column` on matched keys,
        in [0, 1]; None when too few keys match or the values are not comparable."""
        matched = positions >= 0
        numeric = pd.api.types.is_numeric_dtype(self.target[column].dtype) and pd.api.types.is_numeric_dtype(values.dtype)
        if matched.sum() < (FEW_ROWS if numeric else MIN_ROWS):
            return None
        if matched.sum() < MATCHED_SHARE * min(len(positions), len(self.target)):
            # a few keys of two row-level samples coincide by chance (patients of other institutions
            # with the same follow-up time): their values agree as any two draws do
            return None
        theirs = self.target[column].to_numpy()[positions[matched]]
        ours = values.to_numpy()[matched]
        if numeric:
            a, b = np.asarray(theirs, dtype=float), np.asarray(ours, dtype=float)
            both = np.isfinite(a) & np.isfinite(b)
            if FEW_ROWS <= both.sum() < MIN_ROWS:
                # too few groups to rank (a target of three or four groups), enough to tell sizes apart:
                # a count of a group's rows is about the target's, a sum of its ids is not
                return float(_closeness(a[both], b[both]) * both.sum() / max(1, np.isfinite(a).sum()))
            if both.sum() < MIN_ROWS or np.std(a[both]) == 0 or np.std(b[both]) == 0:
                return None
            # a gap where the target has a number disagrees with it (a fill or a drop was left out)
            present = both.sum() / max(1, np.isfinite(a).sum())
            # other rows of the same groups give values of the same size, not only in the same order (a
            # count and the largest minute both grow with a group's size)
            x, y = a[both], b[both]
            return float(max(0.0, _rank_correlation(x, y)) * present * _drifted_closeness(x, y))
        a_text = [None if pd.isna(v) else str(v).strip() for v in theirs]
        b_text = [None if pd.isna(v) else str(v).strip() for v in ours]
        return float(np.mean([x == y for x, y in zip(a_text, b_text, strict=True)]))

    def closeness(self, column: str, values: pd.Series, positions: np.ndarray) -> float | None:
        """How close in size numeric `values` lie to the target's `column` on matched keys (1 - the median
        relative gap), whatever their order; None when fewer than MIN_ROWS keys (and a MATCHED_SHARE of the
        rows) match with numbers on both sides."""
        matched = positions >= 0
        if (matched.sum() < max(MIN_ROWS, MATCHED_SHARE * min(len(positions), len(self.target)))
                or not pd.api.types.is_numeric_dtype(self.target[column].dtype)
                or not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
            return None
        a = np.asarray(self.target[column].to_numpy()[positions[matched]], dtype=float)
        b = np.asarray(values.to_numpy()[matched], dtype=float)
        both = np.isfinite(a) & np.isfinite(b)
        return float(_closeness(a[both], b[both])) if both.sum() >= MIN_ROWS else None


def _closeness(x: np.ndarray, y: np.ndarray) -> float:
    """1 - the median relative gap between paired values."""
    scale = np.abs(x) + np.abs(y)
    gap = np.divide(np.abs(x - y), scale, out=np.zeros_like(scale), where=scale > 0)
    return 1.0 - float(np.median(gap))


def _drifted_closeness(x: np.ndarray, y: np.ndarray) -> float:
    """Closeness up to one factor between the halves. A table split by its order drifts: the riders of a later
    season are more in every hour, so each group's mean is a share larger in one half than in the other, and of
    two columns of one shape (all riders, the registered ones) the one that is smaller by about that share lies
    closer in size. The median ratio of the pairs both positive, within DRIFT of 1, is forgiven at a cost
    (DRIFT_COST per unit of its log): the column whose groups keep the target's proportions is the closer one,
    and of two columns one a multiple of the other, the one of the target's own size still is."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not len(x):
        return 0.0
    raw = _closeness(x, y)
    positive = (x > 0) & (y > 0)
    if positive.sum() >= MIN_ROWS:
        factor = float(np.median(x[positive] / y[positive]))
        if 1 / DRIFT <= factor <= DRIFT:
            return max(raw, _closeness(x, factor * y) - DRIFT_COST * abs(np.log(factor)))
    return raw


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):  # ranks all tied: no correlation to speak of
        found = np.corrcoef(ra, rb)[0, 1]
    return float(found) if np.isfinite(found) else 0.0


def output_agreement(aligner: Aligner, output: pd.DataFrame, pairs: Mapping[str, str]) -> dict[str, float]:
    """Agreement of each mapped non-key target column with its output column, on rows matched by key."""
    keys = _output_keys(aligner, output, pairs)
    if keys is None:
        return {}
    positions = aligner.positions(keys)
    found = {}
    for target, column in pairs.items():
        if target in aligner.key:
            continue
        score = aligner.agreement(target, output[column], positions)
        if score is not None:
            found[target] = score
    return found


def matched_keys(aligner: Aligner, output: pd.DataFrame, pairs: Mapping[str, str]) -> int:
    """How many of the target's keys (none of them a gap) the output's rows hold; 0 where the key is not mapped."""
    keys = _output_keys(aligner, output, pairs)
    if keys is None:
        return 0
    positions = aligner.positions([k for k in keys if "\x00" not in k])
    return len(set(positions[positions >= 0].tolist()))


def _output_keys(aligner: Aligner, output: pd.DataFrame, pairs: Mapping[str, str]) -> list[tuple[str, ...]] | None:
    """The output's rows' keys, written as the target's are; None where the target's key is not all mapped."""
    if not aligner.key or any(k not in pairs for k in aligner.key):
        return None
    return row_keys(output, [pairs[k] for k in aligner.key])
