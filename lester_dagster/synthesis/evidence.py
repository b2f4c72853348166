"""Evidence against a candidate output that the column mapping cannot see: the target was made by the
same pipeline from other rows of the same sources, so its size, its nulls and the values of its
categorical columns recur in a right candidate's output. Each term is minus a log-likelihood (0 when
the candidate looks like the target), capped so one column cannot outweigh the rest."""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.alignment import key_text
from lester_dagster.synthesis.profile import ColumnProfile, Tab, compressed_pattern

CAP = 6.0  # per column (or per null pattern)
ROW_Z_FREE = 1.2  # row counts of two halves differ by this many standard errors by chance
EXACT_ROW = 1.0  # per row a pipeline that keeps every row is off the target's count, beyond the halves' slack
SAME_SIZE = (0.67, 1.5)  # ratios of counted rows beyond which the samples differ in size, not in filters
COUNT_Z_FREE = 2.0  # counted rows of two halves differ by this many standard errors by chance
CATEGORICAL = 30  # distinct values up to which a column's value set is compared
SIGNIFICANCE = 0.25
MADE = 2.5  # per category of the target that no input has and the candidate lacks
FILLED = 0.34  # share of a column's categories, at most, that a pipeline makes up (fill values)
SHARED = 0.5  # share of the smaller value set both sides hold, at least, for value sets to be compared


def _p_one_sided(count: int, rows: int, other_rows: int) -> float:
    """P(all `count` occurrences of a value fall in one sample of `rows` rows and none in the other of
    `other_rows`), two-sided, given how many there are in both (as Fisher's exact test conditions)."""
    if count <= 0 or rows <= 0:
        return 1.0
    return min(1.0, 2.0 * (rows / (rows + other_rows)) ** count)


def _surprise(p: float) -> float:
    """-log p when p is small enough to mean something, else 0 (values missing by chance cost nothing)."""
    return -math.log(max(p, 1e-300)) if p < SIGNIFICANCE else 0.0


def row_surprise(rows: int, target_rows: int, slack: int | None = None) -> float:
    """How unlikely a candidate's row count is next to the target's: the inputs are other samples of
    the same size, so the counts differ by about their standard error. The z-score beyond a free band.
    `slack`: the pipeline keeps every row of its inputs (or stacks them), so its count is no sample's
    share but the inputs' size, which the target's sources share up to `slack` rows (halves of an odd
    count). Then each row beyond that costs `EXACT_ROW` (it was dropped). A target from a sample of another
    size costs every such pipeline alike (and a filter's z-score is as far off)."""
    if slack is not None:
        return min(8.0, EXACT_ROW * max(0, abs(rows - target_rows) - slack))
    z = abs(rows - target_rows) / math.sqrt(max(rows + target_rows, 1))
    return min(8.0, max(0.0, z - ROW_Z_FREE))


def null_mismatch(target: Mapping[str, ColumnProfile], output: Tab, pairs: Mapping[str, str]) -> float:
    """Nulls are kept by the other rows too. A target column without nulls mapped to a column with some
    (or the reverse) is unlikely by chance, once there are a few; else the z-score of the null shares
    beyond 2. Columns whose nulls sit in the same rows (a row missing all its measurements) count once."""
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
            # an all-null side has no spread of its own: give it that of one row in (rows + 1)
            variance = max(share * (1 - share), 1.0 / (t.rows + 1))
            z = abs(t.null_share - c.null_share) / math.sqrt(variance / t.rows)
            penalty = max(0.0, z - 2.0)
        pattern: object = name
        if c.nulls:
            rows = np.flatnonzero(output.frame[column].isna().to_numpy())
            pattern = hash(rows[:200].tobytes()) ^ len(rows)
        terms[pattern] = max(terms.get(pattern, 0.0), min(CAP, penalty))
    return float(sum(terms.values()))


PLACEHOLDERS = frozenset({"unknown", "missing", "none", "other", "n/a", "na", "not recorded", "not available",
                          "not known", "unspecified", "not specified", "no data", "null", "nan", "blank", "empty",
                          "not stated", "not reported", "no answer", "undisclosed", "unclassified", "?", "-", "--"})


def placeholder(value: str) -> bool:
    """A text an analyst writes where a value is missing ('Unknown', 'N/A', 'not recorded'), which a fill makes."""
    return value.strip().lower().strip(".()[]") in PLACEHOLDERS


def category_mismatch(
    target: Mapping[str, ColumnProfile], target_frame: pd.DataFrame, output: Tab, pairs: Mapping[str, str],
    filled: frozenset[str] = frozenset(),
) -> float:
    """A categorical column shows its common values on both samples: a value the target repeats that
    the candidate lacks (a fill value, a category dropped with its rows), or the reverse, is unlikely.
    Values are compared as Fisher's exact test would, given their count on both sides. `filled`: values the
    pipeline's fills write, which this half may have had no gap to show."""
    total = 0.0
    separated: list[str] | None = None
    for name, column in pairs.items():
        t, c = target[name], output.profile(column)
        if t.kind == "number" and t.foreign and c.kind == "number":
            # a code a fill writes in a column of codes (0 for a missing marital status), which no input holds;
            # the fills' values written as the profile writes numbers ('0.0' as '0')
            total += MADE * len(t.foreign - c.values - set(key_text(pd.Series(sorted(filled), dtype=object))))
            continue
        if t.kind != "string" or c.kind != "string" or t.distinct > CATEGORICAL or c.distinct > CATEGORICAL:
            continue
        if t.uniqueness > 0.5 or c.uniqueness > 0.5:
            # a key of few categories (a pivot's or group-by's): one value of it that no input has and the
            # candidate lacks ('Unknown' beside the diagnoses) was made, not cut off by the split
            written = set(output.frame[column].dropna().astype(str).str.strip())
            lacking = t.foreign - written - filled
            if len(t.foreign) == 1 and lacking and placeholder(next(iter(lacking))):
                total += MADE
            else:
                total += min(CAP, MADE * len(cut_from(lacking, written)))
            continue
        ours = output.frame[column].dropna().astype(str).str.strip().value_counts()
        theirs = target_frame[name].dropna().astype(str).str.strip().value_counts()
        n, m = int(ours.sum()), int(theirs.sum())
        # a category no input has ('unknown' filled in beside the input's categories) is missing by
        # design, not by chance; a column whose values are all made (a part cut out) is compared below
        missing = t.foreign - set(ours.index) - filled
        if len(t.foreign) <= FILLED * t.distinct:
            made = len(missing)
            if made:
                total += min(CAP, MADE * made)
                continue
        elif missing:
            # more of the target's categories than a fill makes are in no input and not in the candidate
            # either: a contiguous split put them in the other half ('1st class' passengers only in the
            # rows the target was made from), so this column's value sets tell nothing of the pipeline, but
            # for those the candidate writes with more ('Morgan' of 'Morgan, F2F')
            total += min(CAP, MADE * len(cut_from(missing, set(ours.index))))
            continue
        if len(theirs.index.intersection(ours.index)) < SHARED * min(len(theirs), len(ours)):
            # the two sides hold mostly other categories: the halves are other months, other symbols (a
            # contiguous split), and the test below, which assumes one distribution behind both, would
            # favour whichever wrong column happens to share values
            continue
        # the most lopsided value, its p-value multiplied by the number of values tested (Bonferroni)
        ps = [_p_one_sided(int(k), m, n) for v, k in theirs.items() if v not in ours.index]
        ps += [_p_one_sided(int(k), n, m) for v, k in ours.items() if v not in theirs.index]
        penalty = min(CAP, _surprise(min(1.0, min(ps) * len(theirs.index.union(ours.index))))) if ps else 0.0
        if penalty:
            if separated is None:
                separated = _separated(target_frame, output, pairs)
            if any(k != column and _determines(output.frame, k, column) for k in separated):
                # the column is an attribute of entities the split put in one half or the other (a
                # country's OPEC flag, where the halves hold other countries): it differs with them
                continue
        total += penalty
    return total


CUT_LEAST = 3  # characters, at least, of a category for a text beginning or ending with it to be cut from it


def cut_from(values: Collection[str], texts: Collection[str]) -> set[str]:
    """Those of the values (a target's categories no input has) that begin or end a text here, cut off at a
    separator: 'Morgan' of the pollster 'Morgan, F2F'. The candidate writes them with more than the target:
    the target's were cut out of them, and the halves do not explain that. At a space, from two texts at
    least: one name may end another ('Guinea', 'Papua New Guinea')."""
    found = set()
    for value in values:
        if len(value) < CUT_LEAST:
            continue
        cuts = [_separator(text[len(value):]) if text.startswith(value) else _separator(text[:-len(value)][::-1])
                for text in texts
                if len(text) > len(value) and ((text.startswith(value) and not text[len(value)].isalnum())
                                               or (text.endswith(value) and not text[-len(value) - 1].isalnum()))]
        # cut from several texts, or at punctuation (', '): 'Guinea' ends 'Papua New Guinea', a country of its own
        if len(cuts) >= 2 or any(not cut.isspace() for cut in cuts):
            found.add(value)
    return found


def _separator(rest: str) -> str:
    """The characters that are no letter or digit at the start of `rest`."""
    end = 0
    while end < len(rest) and not rest[end].isalnum():
        end += 1
    return rest[:end]


def _separated(target_frame: pd.DataFrame, output: Tab, pairs: Mapping[str, str]) -> list[str]:
    """The candidate's string columns whose values mostly differ from their target column's: the
    contiguous split put other entities (countries, symbols, months) in each half."""
    found = []
    for name, column in pairs.items():
        if output.profile(column).kind != "string":
            continue
        ours = set(output.frame[column].dropna().astype(str).str.strip())
        theirs = set(target_frame[name].dropna().astype(str).str.strip())
        if ours and theirs and len(ours & theirs) < SHARED * min(len(ours), len(theirs)):
            found.append(column)
    return found


def _determines(frame: pd.DataFrame, key: str, column: str) -> bool:
    """Each value of `key` comes with one value of `column` (a functional dependency), over rows of
    repeated keys: a key that never repeats determines everything and says nothing."""
    pair = frame[[key, column]].dropna()
    if pair.empty or pair[key].nunique() > 0.8 * len(pair):
        return False
    return bool((pair.groupby(key, sort=False)[column].nunique() <= 1).all())


def count_surprise(steps: Sequence[ops.Step], output: pd.DataFrame, target: pd.DataFrame,
                   pairs: Mapping[str, str], sources: int | Sequence[tuple[int, Collection[str]]],
                   periods: Sequence[str] | None = None, flags: frozenset[str] = frozenset(),
                   grouped: int | None = None) -> float:
    """How unlikely the rows a candidate counts are next to the rows the target counts. Both count the
    rows that pass the same filters in samples of the same size n: a binomial share p of them each, so the
    totals differ by about sqrt(2 n p (1 - p)). A pipeline that counts every row where the target's counts
    leave some out (a dropna before counting) shows here, even when the counts of single groups look alike.
    Minus the log-likelihood of the z-score beyond a free band, widened for the number of columns compared.

    `sources`: the size and the column names of each input the pipeline reads (or one size). n is the size
    of the input holding the counted column (the 700 flights, not the 3,376 airports a join looks their
    states up in; stacked files together), else the smallest input, or all of them, holding as many rows as
    either side counts; none does where a melt repeated the rows, and then the totals say nothing (the
    halves of a contiguous split differ in how many of a melted table's cells are empty). `periods`: the
    target's columns of periods, where the output's cells are other periods (a pivot by period), so all the
    output's cells count against all of these. `flags`: the group-by's sums of a 0/1 flag, which count the
    rows flagged (patients counted as the sum of a flag nearly all 1 count fewer rows than the target's
    patients). `grouped`: the rows the last group-by read, which a count of them adds up to
    (`_every_row_counted`)."""
    position = last_aggregation(steps)
    if position is None:
        return 0.0
    step = steps[position]
    made_of: dict[str, str] = {}  # counted output column -> the column it counts
    if isinstance(step, ops.GroupBy):
        made_of = {name: column for name, column, func in step.aggs
                   if func in ("count", "size") or (func == "sum" and name in flags)}
    elif isinstance(step, ops.Pivot) and step.aggfunc in ("count", "size"):
        made_of = {str(c): step.values for c in output.columns if c not in step.index}
    inputs: list[tuple[int, Collection[str]]] = ([(int(sources), ())] if isinstance(sources, (int, np.integer))
                                                 else [(int(n), set(c)) for n, c in sources])
    free = math.sqrt(COUNT_Z_FREE**2 + 2 * math.log(max(1, len(pairs))))
    every = (_every_row_counted(step, steps[position + 1:], output, target, pairs, inputs, free, grouped, periods)
             if isinstance(step, ops.Pivot) or (isinstance(step, ops.GroupBy) and not periods) else 0.0)
    # rows counted no longer add up to the output's totals after a join, a union or a melt
    carried = carried_after(steps[position + 1:], made_of or _counted_again(steps[:position], step, output))
    if carried is None:
        return every
    made_of = carried
    columns = [(t, c) for t, c in pairs.items() if c in made_of and c in output.columns and t in target.columns]
    # periods: the mapped target columns are among them
    wanted = [t for t in periods if t in target.columns] if periods else [t for t, _ in columns]
    if not columns or not all(pd.api.types.is_numeric_dtype(target[t].dtype) for t in wanted):
        return every
    # all of a pivot's cells against all the periods; else the counts together against their target columns
    # (the rows counted split by a pivot's column add up to the rows), and each sum of a flag against its own
    if periods:
        groups = [(sorted(c for c in made_of if c in output.columns), wanted)]
    else:
        counts = [(t, c) for t, c in columns if c not in flags]
        groups = ([([c for _, c in counts], [t for t, _ in counts])] if counts else []) + [
            ([c], [t]) for t, c in columns if c in flags]
    free = math.sqrt(COUNT_Z_FREE**2 + 2 * math.log(len(groups)))  # each of k columns may stray by chance
    found = every
    for cells, there in groups:
        ours = float(sum(pd.to_numeric(output[c], errors="coerce").fillna(0).sum() for c in cells))
        theirs = float(sum(target[t].fillna(0).sum() for t in there))
        holding = [n for n, names in inputs if made_of[cells[0]] in names]
        found = max(found, _totals_surprise(ours, theirs, holding, [n for n, _ in inputs], free))
    return found


def _every_row_counted(step: ops.GroupBy | ops.Pivot, later: Sequence[ops.Step], output: pd.DataFrame,
                       target: pd.DataFrame, pairs: Mapping[str, str], inputs: Sequence[tuple[int, Collection[str]]],
                       free: float, grouped: int | None = None, periods: Sequence[str] | None = None) -> float:
    """A target column whose whole numbers add up to the rows of the input an aggregate reads, give or take
    the row a contiguous split gives one half more, counts every row of it (the flights per origin add up to
    the 700 flights): no other statistic adds up so by chance. So does one that adds up, within the noise of
    two samples, to the rows the group-by read (`grouped`: the flights a join found an airport for). An
    aggregate other than a count mapped onto it (the distinct flight numbers per origin) must add up as
    near, else it is surprising as a count that strays is (`count_surprise`). A pivot's cells count
    together: the mothers per birth year and race add up to the mothers, the sum of a flag over them less."""
    if len(target) < 2:
        return 0.0
    groups: list[tuple[list[str], list[str], str]] = []  # output columns, their target columns, the column read
    if isinstance(step, ops.GroupBy):
        others = carried_after(later, {name: column for name, column, func in step.aggs
                                       if func not in ("count", "size")})
        groups = [([c], [t], others[c]) for t, c in pairs.items() if others and c in others]
    elif step.aggfunc not in ("count", "size"):
        cells = carried_after(later, {str(c): step.values for c in output.columns if c not in step.index})
        mapped = [(t, c) for t, c in pairs.items() if cells and c in cells]
        if periods:
            groups = [([c for c in cells or () if c in output.columns], [t for t in periods if t in target.columns],
                       step.values)]
        elif mapped:
            groups = [([c for _, c in mapped], [t for t, _ in mapped], step.values)]
    sizes = [n for n, _ in inputs]
    found = 0.0
    for made, there, read in groups:
        if not made or not all(c in output.columns for c in made) or not all(t in target.columns for t in there):
            continue
        values = target[there]
        if isinstance(step, ops.GroupBy):
            whole = pd.api.types.is_integer_dtype(values.iloc[:, 0].dtype) and values.notna().all().all() and bool(
                (values > 0).all().all())
        else:  # a pivot's cells: gaps where a group has no row, whole numbers of at least 0 elsewhere
            whole = all(pd.api.types.is_numeric_dtype(values[t].dtype) for t in there)
            known = values.to_numpy(dtype=float).ravel() if whole else np.array([])
            known = known[np.isfinite(known)]
            whole = whole and len(known) > 0 and bool((known >= 0).all()) and bool((known == np.round(known)).all())
        if not whole:
            continue
        theirs = float(values.sum().sum())
        if theirs <= 0:
            continue
        # the input the aggregated column comes from: none where a step made it (a melt's values, whose rows
        # repeat the input's, so that no size says how many rows there are to count)
        holding = [n for n, names in inputs if read in names or not names]
        if not holding:
            continue
        every = [n for n in holding if abs(n - theirs) <= 1]
        if every or (grouped and max(grouped, theirs) <= sum(holding) and SAME_SIZE[0] <= grouped / theirs <= SAME_SIZE[1]
                     and _narrow(grouped, theirs, sum(holding), free)
                     and _totals_surprise(float(grouped), theirs, holding, sizes, free) == 0.0):
            ours = float(sum(pd.to_numeric(output[c], errors="coerce").fillna(0).sum() for c in made))
            # the target adds up to the rows counted, so a total far off is no sample of another size
            found = max(found, _totals_surprise(ours, theirs, every or holding, sizes, free, sized=True))
    return found


def _narrow(grouped: int, theirs: float, n: float, free: float) -> bool:
    """Whether two samples' counts of the rows a group-by reads stray by little enough, next to the total, that a
    sum of another kind would hardly land as near: a tenth of it at most (COUNT_BAND). 630 of 700 flights stray
    by about 28; 50 of 86 patients by about 16, within which 46 deaths of 53 patients land as well."""
    return free * _spread(grouped, theirs, n) <= COUNT_BAND * theirs


COUNT_BAND = 0.1  # the noise band of a count of every row grouped, at most, as a share of the target's total


AS_IS = ("sum", "mean", "max", "min", "first", "last", "median")  # aggregates that give a single row's value


def _counted_again(before: Sequence[ops.Step], step: ops.Step, output: pd.DataFrame) -> dict[str, str]:
    """The columns an aggregation keeps counts in, where it reads a group-by's counts by the same keys: each
    group is one row, so its sum, mean or first is the count (a pivot of the mean of the cars counted per year
    and origin counts them as a pivot of their count does)."""
    if not isinstance(step, (ops.GroupBy, ops.Pivot)):
        return {}
    inner = next((s for s in reversed(before) if s.out == step.table), None)
    if not isinstance(inner, ops.GroupBy):
        return {}
    keys = set(step.by) if isinstance(step, ops.GroupBy) else {*step.index, step.columns}
    if keys != set(inner.by):
        return {}
    counts = {name: column for name, column, func in inner.aggs if func in ("count", "size")}
    if isinstance(step, ops.GroupBy):
        return {name: counts[column] for name, column, func in step.aggs if column in counts and func in AS_IS}
    if isinstance(step, ops.Pivot) and step.values in counts and step.aggfunc in AS_IS:
        return {str(c): counts[step.values] for c in output.columns if c not in step.index}
    return {}


def _totals_surprise(ours: float, theirs: float, holding: Sequence[int], sizes: Sequence[int], free: float,
                     sized: bool = False) -> float:
    """-log of the normal density of two halves' counted rows beyond the free band (`count_surprise`).
    `sized`: the target is known to count rows of a sample of the input's size, so totals far apart are
    surprising, not samples of other sizes."""
    if not SAME_SIZE[0] <= ours / max(theirs, 1.0) <= SAME_SIZE[1]:
        # the target was made from a sample of another size: its totals say nothing here
        return MOST_SURPRISE if sized else 0.0
    if sized and holding and ours > sum(holding):
        return MOST_SURPRISE  # more than the rows there are: no count of them
    counted_rows = max(ours, theirs, 1.0)
    # the input holding the counted column, or the files holding it stacked; else the smallest input, or all
    # of them, holding as many rows. None does where a melt or a join repeated rows: how many, is not known
    held = [n for n in (max(holding, default=0), sum(holding)) if n >= counted_rows]
    n = float(held[0] if held else min((s for s in [*sizes, sum(sizes)] if s >= counted_rows), default=0))
    if not n:
        return 0.0
    spread = _spread(ours, theirs, n)
    if spread <= 0:
        return 0.0
    z = abs(ours - theirs) / spread
    return min(MOST_SURPRISE, max(0.0, (z * z - free**2) / 2))


def _spread(ours: float, theirs: float, n: float) -> float:
    """The standard error of the difference of two samples' counts of rows, each a binomial share of n."""
    share = (ours + theirs) / (2 * n)
    return math.sqrt(max(0.0, 2 * n * share * (1 - share)))


MOST_SURPRISE = 8.0  # -log density at which totals are as unlikely as the evidence can say


def name_agreement(pairs: Mapping[str, str]) -> float:
    """How alike the names of the mapped columns are, on average. The hidden pipeline named the target's
    columns, mostly after the columns they came from (`carrier`, `arr_delay`, `arr_delay_mean`); values of
    other rows may differ, the names do not. Beyond the paper: its mapping reads values only."""
    from lester_dagster.synthesis.mapping import name_similarity

    if not pairs:
        return 0.0
    return float(np.mean([name_similarity(t, c) for t, c in pairs.items()]))


def type_agreement(target: Mapping[str, ColumnProfile], output: Tab, pairs: Mapping[str, str]) -> float:
    """Share of mapped columns of the target's kind (number, text, bool): a count is no label."""
    if not pairs:
        return 1.0
    return float(np.mean([target[t].kind == output.profile(c).kind for t, c in pairs.items()]))


PADDED_SHARE = 0.5  # a column's share of distinct texts, at least, with spaces around them for it to be padded
AFFIXED = 3  # distinct texts, at least, of a target column that all begin (or end) with one word for it to be theirs


def miswritten(target: pd.DataFrame, output: pd.DataFrame, pairs: Mapping[str, str]) -> int:
    """Mapped text columns written otherwise than the target's values are, in any rows: with spaces around them
    the target's never have (a split at '.' of '1. < HS Grad' keeps the space after the dot), or without the
    word every one of the target's begins or ends with ('Batch A' of batch 'A', 'race 1'). The values compare
    alike, trimmed, and across halves (other batches, other races); the word does not come with other rows."""
    found = 0
    for t, c in pairs.items():
        if t not in target.columns or c not in output.columns:
            continue
        theirs, ours = _texts(target[t]), _texts(output[c])
        if theirs is None or ours is None or not len(ours):
            continue
        spaced = not (theirs != theirs.str.strip()).any() and (ours != ours.str.strip()).mean() >= PADDED_SHARE
        found += int(spaced or _unwritten(theirs, ours))
    return found


def unfilled_zeros(target: pd.DataFrame, counts: Collection[str], pairs: Mapping[str, str]) -> bool:
    """Whether a target column holds 0s where the column mapped onto it counts rows, never 0 (a pivot's cells
    counted): the target's 0s are gaps filled by a step the pipeline lacks (`pivot_table(...).fillna(0)`),
    whatever this half's combinations, all of which have rows. Not where the target has gaps too: a count of a
    column with gaps only in the other half is 0 where all of a combination's values are gaps there."""
    return any(c in counts and t in target.columns and pd.api.types.is_numeric_dtype(target[t].dtype)
               and bool((target[t] == 0).any()) and bool(target[t].notna().all()) for t, c in pairs.items())


def _unwritten(theirs: pd.Series, ours: pd.Series) -> bool:
    """Whether our texts lack the word all of the target's carry (`_affixes`), and look like the target's
    without it ('A' and 'D'; not 'France' of 'United States')."""
    prefix, suffix = _affixes(theirs.tolist())
    if not ((prefix and not ours.str.startswith(prefix).any()) or (suffix and not ours.str.endswith(suffix).any())):
        return False
    bare = {compressed_pattern(text[len(prefix):len(text) - len(suffix)]) for text in theirs}
    return {compressed_pattern(text) for text in ours} <= bare


def _affixes(texts: list[str]) -> tuple[str, str]:
    """The word (with its separator, 'Batch ', ' (cm)') that all of at least AFFIXED distinct texts begin with,
    and the one they end with; '' for none. Digits alone are no word: the years '1995' and '1996' share '199'."""
    if len(texts) < AFFIXED:
        return "", ""

    def word(common: str) -> str:
        cut = max((k for k, ch in enumerate(common) if not ch.isalnum()), default=-1)
        found = common[:cut + 1]
        return found if any(ch.isalpha() for ch in found) and len(found) < min(map(len, texts)) else ""

    prefix = word(os.path.commonprefix(texts))
    suffix = word(os.path.commonprefix([text[::-1] for text in texts]))[::-1]
    return prefix, suffix


def _texts(values: pd.Series) -> pd.Series | None:
    """The distinct texts of a column of text, or None for other columns."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return None
    distinct = pd.Series(values.dropna().unique())
    if not len(distinct) or not all(isinstance(v, str) for v in distinct):
        return None
    return distinct


def dropped_keys(steps: Sequence[ops.Step], pairs: Mapping[str, str]) -> bool:
    """Whether the last aggregation's group keys (a group-by's `by`, a pivot's index) are not all among the
    mapped columns: pandas keeps them (`reset_index()`), and the rows a pipeline makes are told apart by them,
    so one that drops a key it grouped by has usually grouped by the wrong column (per death flag where the
    target is per tumour type, its type a mean). Not where a join or a union follows, whose lookup may name
    the groups otherwise; a key a later step renames or derives a column from counts as kept."""
    last = last_aggregation(steps)
    if last is None:
        return False
    aggregated = steps[last]
    keys = aggregated.by if isinstance(aggregated, ops.GroupBy) else getattr(aggregated, "index", ())
    kept = carried_after(steps[last + 1:], {k: k for k in keys}, derived=True)
    return kept is not None and bool(set(kept) - set(pairs.values()))


def last_aggregation(steps: Sequence[ops.Step]) -> int | None:
    """The position of the last group-by or pivot among the steps, or None."""
    return max((i for i, step in enumerate(steps) if isinstance(step, (ops.GroupBy, ops.Pivot))), default=None)


def carried_after(steps: Sequence[ops.Step], columns: Mapping[str, str], derived: bool = False) -> dict[str, str] | None:
    """`columns` (a column's name -> what it stands for) under the names the steps give them; with `derived`, a
    column a step derives from one of them stands for it too, in its place. None where a join, a union or a melt
    follows: the rows and columns are no longer the aggregation's."""
    found = dict(columns)
    for step in steps:
        if isinstance(step, (ops.Join, ops.Union, ops.Unpivot)):
            return None
        if isinstance(step, ops.Rename):
            renamed = dict(step.mapping)
            found = {renamed.get(c, c): origin for c, origin in found.items()}
        elif derived and isinstance(step, ops._Derive):
            read = {getattr(step, "column", None), *getattr(step, "columns", ())}
            origins = [found.pop(c) for c in sorted(read & set(found))]
            if origins:
                found[step.target] = origins[0]
    return found


def text_sums(steps: Sequence[ops.Step], output: pd.DataFrame) -> int:
    """Aggregates that add or average text: pandas concatenates strings for `sum`, so the pipeline runs,
    but no analyst means it."""
    found = 0
    for step in steps:
        if isinstance(step, ops.GroupBy):
            for name, _, func in step.aggs:
                if func in ("sum", "mean", "median", "std") and name in output.columns and not (
                    pd.api.types.is_numeric_dtype(output[name].dtype)
                ):
                    found += 1
    return found
