"""Evidence against a candidate output that the column mapping cannot see: the target was made by the
same pipeline from other rows of the same sources, so its size, its nulls and the values of its
categorical columns recur in a right candidate's output. Each term is minus a log-likelihood (0 when
the candidate looks like the target), capped so one column cannot outweigh the rest."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from lester_dagster.synthesis.profile import ColumnProfile, Tab

CAP = 6.0  # per column (or per null pattern)
ROW_Z_FREE = 1.2  # row counts of two halves differ by this many standard errors by chance
CATEGORICAL = 30  # distinct values up to which a column's value set is compared
SIGNIFICANCE = 0.25
MADE = 2.5  # per category of the target that no input has and the candidate lacks
FILLED = 0.34  # share of a column's categories, at most, that a pipeline makes up (fill values)


def _p_one_sided(count: int, rows: int, other_rows: int) -> float:
    """P(all `count` occurrences of a value fall in one sample of `rows` rows and none in the other of
    `other_rows`), two-sided, given how many there are in both (as Fisher's exact test conditions)."""
    if count <= 0 or rows <= 0:
        return 1.0
    return min(1.0, 2.0 * (rows / (rows + other_rows)) ** count)


def _surprise(p: float) -> float:
    """-log p when p is small enough to mean something, else 0 (values missing by chance cost nothing)."""
    return -math.log(max(p, 1e-300)) if p < SIGNIFICANCE else 0.0


def row_surprise(rows: int, target_rows: int) -> float:
    """How unlikely a candidate's row count is next to the target's: the inputs are other samples of
    the same size, so the counts differ by about their standard error. The z-score beyond a free band."""
    z = abs(rows - target_rows) / math.sqrt(max(rows + target_rows, 1))
    return min(8.0, max(0.0, z - ROW_Z_FREE))


def null_mismatch(target: Mapping[str, ColumnProfile], output: Tab, pairs: Mapping[str, str]) -> float:
    """Nulls are kept by the other rows too. A target column without nulls mapped to a column with some
    (or the reverse) is unlikely by chance, once there are a few; else the z-score of the null shares
    beyond 2. Columns whose
    nulls sit in the same rows (a row missing all its measurements) count once."""
    terms: dict[object, float] = {}
    for name, column in pairs.items():
        t, c = target[name], output.profile(column)
        if t.null_share == c.null_share or not t.rows or not c.rows:
            continue
        if t.nulls == 0:
            penalty = _surprise(_p_one_sided(c.nulls, c.rows, t.rows))
        elif c.nulls == 0:
            penalty = _surprise(_p_one_sided(t.nulls, t.rows, c.rows))
        else:
            share = max(t.null_share, c.null_share)
            z = abs(t.null_share - c.null_share) / math.sqrt(share * (1 - share) / t.rows)
            penalty = max(0.0, z - 2.0)
        pattern: object = name
        if c.nulls:
            rows = np.flatnonzero(output.frame[column].isna().to_numpy())
            pattern = hash(rows[:200].tobytes()) ^ len(rows)
        terms[pattern] = max(terms.get(pattern, 0.0), min(CAP, penalty))
    return float(sum(terms.values()))


def category_mismatch(
    target: Mapping[str, ColumnProfile], target_frame: pd.DataFrame, output: Tab, pairs: Mapping[str, str]
) -> float:
    """A categorical column shows its common values on both samples: a value the target repeats that
    the candidate lacks (a fill value, a category dropped with its rows), or the reverse, is unlikely.
    Values are compared as Fisher's exact test would, given their count on both sides."""
    total = 0.0
    for name, column in pairs.items():
        t, c = target[name], output.profile(column)
        if t.kind != "string" or c.kind != "string" or t.uniqueness > 0.5 or c.uniqueness > 0.5:
            continue
        if t.distinct > CATEGORICAL or c.distinct > CATEGORICAL:
            continue
        ours = output.frame[column].dropna().astype(str).str.strip().value_counts()
        theirs = target_frame[name].dropna().astype(str).str.strip().value_counts()
        n, m = int(ours.sum()), int(theirs.sum())
        # a category no input has ('unknown' filled in beside the input's categories) is missing by
        # design, not by chance; a column whose values are all made (a part cut out) is compared below
        made = len(t.foreign - set(ours.index)) if len(t.foreign) <= FILLED * t.distinct else 0
        if made:
            total += min(CAP, MADE * made)
            continue
        # the most lopsided value, its p-value multiplied by the number of values tested (Bonferroni)
        ps = [_p_one_sided(int(k), m, n) for v, k in theirs.items() if v not in ours.index]
        ps += [_p_one_sided(int(k), n, m) for v, k in ours.items() if v not in theirs.index]
        if ps:
            total += min(CAP, _surprise(min(1.0, min(ps) * len(theirs.index.union(ours.index)))))
    return total
