"""Column mapping from a candidate output to the target (standard schema matching, as in Auto-Pipeline
section 3.3): value overlap (Jaccard, containment), character-class pattern distance, numeric range and
distribution overlap, with column names as a lesser signal. The target was made from other rows, so
values need not be equal: patterns and ranges carry the match where value sets differ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping as MappingType
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

from lester_dagster.synthesis.names import MEASURE_NAMES, name_tokens
from lester_dagster.synthesis.profile import SINGLE, ColumnProfile, multiples, number_text, pattern

THRESHOLD = 0.45  # a target column is mapped when its best candidate column scores at least this
FEW = 5  # numeric columns with fewer values than this are compared leniently
RESERVED = 0.6  # the weight of a match onto an input's column that another target column is named as
WHOLE_KEEPING = ("max", "min", "first", "last", "sum", "count", "size", "nunique")  # whole numbers in, whole out
FRACTIONS = (0.25, 3)  # share and number of a target column's values, at least, finer than a column's grain to miss it
NOT_WHOLE = 0.5  # what is left of the likeness of a column of a coarser grain (the largest of whole angles)
RANGE_KEEPING = ("max", "min", "first", "last", "mean", "median")  # in any sample, inside their column's range
DOMAIN_VALUES = 12  # distinct whole numbers, at most, of a column of codes or a scale (cylinders, ratings, flags)
DOMAIN_SEEN = 20  # numbers, at least, a column shows for its domain to be known
BEYOND = (0.5, 3)  # share and number of a target column's values, at least, beyond a domain to miss its aggregates
OUT_OF_DOMAIN = 0.5  # what is left of the likeness of an aggregate of codes to a column of values beyond them
BLENDING = ("mean", "sum")  # make new numbers of a column's: of fractions, hardly ever one of its own values
PICKED = (0.4, 0.1, 3)  # a target's share of its column's own fractions, at least; a blend's, at most; fractions seen
WHOLE_BLENDED = 20  # whole numbers, at least, a column shows for its blends to count as of a whole column
BY_CHANCE = 0.01  # how often, at most, a blend may make a target's values by chance for them to rule it out
OFF_GRAIN = 0.5  # share, at least, of this sample's blends off a grain for the column's blends to be off it (not groups of one)
NOT_PICKED = 0.5  # what is left of the likeness of a blend of a column to a target column of that column's own values
CONSTANTS = 0.8  # the similarity of two constants of one size
CLOSE_CONSTANTS = 0.75  # the ratio of two constants, at least, that says they are one column's (far apart, any two are)
_SUFFIX = re.compile(r"(_x|_y)$")
_TOKEN = re.compile(r"[a-z]+|[0-9]+")


def _tokens(name: str) -> frozenset[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", _SUFFIX.sub("", name))
    return frozenset(_TOKEN.findall(spaced.lower()))


@lru_cache(maxsize=65536)
def name_similarity(a: str, b: str) -> float:
    """1 for the same name (ignoring case, separators and merge suffixes), token overlap otherwise."""
    left, right = _tokens(a), _tokens(b)
    if not left or not right:
        return 1.0 if a == b else 0.0
    if left == right:
        return 1.0
    return 0.8 * len(left & right) / len(left | right)


@lru_cache(maxsize=65536)
def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def pattern_similarity(t: ColumnProfile, c: ColumnProfile) -> float:
    """1 - the minimum relative pattern edit distance (MRPE), averaged over the target's patterns by share."""
    if not t.patterns or not c.patterns:
        return 0.0
    overlap = sum(min(share, c.patterns.get(p, 0.0)) for p, share in t.patterns.items())
    if overlap >= 0.9:
        return overlap
    total = 0.0
    for p, share in t.patterns.items():
        best = min(_edit_distance(p[:24], q[:24]) / max(1, len(p[:24]) + len(q[:24])) for q in c.patterns)
        total += share * (1.0 - best)
    # the nearest patterns alone favour a column with many shapes; how much of each shape both have counts too
    return max(overlap, 0.5 * overlap + 0.5 * total / sum(t.patterns.values()))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    if not a or not b:
        return 0.0, 0.0
    common = len(a & b)
    return common / len(a | b), common / min(len(a), len(b))


def _dense(p: ColumnProfile) -> bool:
    """Integers that fill much of their range (codes, small counts, years), unlike a few large measures."""
    return p.distinct >= 3 and p.hi - p.lo + 1 <= 4 * p.distinct


ADJACENT = 0.7  # integers of one sequence in ranges side by side: the same column over other rows


def _adjacent(t: ColumnProfile, c: ColumnProfile) -> float:
    """The suite splits a table into contiguous halves, as the paper does: a year, a month number or an
    id that runs with the rows fills one range in one half and the next range in the other, so the
    values never overlap. Dense integers of the same width in ranges that touch are such a column."""
    if not (t.integral and c.integral and all(p.distinct >= 2 and p.hi - p.lo + 1 <= 4 * p.distinct for p in (t, c))):
        return 0.0
    cycle = _cycle(t, c)
    if cycle:
        return cycle
    if len(number_text(t.lo)) != len(number_text(c.lo)) or len(number_text(t.hi)) != len(number_text(c.hi)):
        return 0.0
    t_span, c_span = t.hi - t.lo + 1, c.hi - c.lo + 1
    gap = max(t.lo, c.lo) - min(t.hi, c.hi)  # > 0 apart, <= 0 overlapping
    if gap > 1 + 0.5 * max(t_span, c_span) or -gap > 0.25 * min(t_span, c_span):
        return 0.0
    return ADJACENT * (min(t_span, c_span) / max(t_span, c_span)) ** 0.5


CYCLE = 60  # numbers, at most, of a cycle (months, days, hours, minutes)
CYCLIC = 0.6  # below ADJACENT: small numbers side by side are often other things too (a die's 1 to 6), so a
# name that agrees must lift such a column over the threshold


def _cycle(t: ColumnProfile, c: ColumnProfile) -> float:
    """Months, days or hours of the two halves: small numbers of a cycle, sharing few values, that together
    fill their range (1 to 6 in the target's half, 7 to 12 and the next January here). Their widths may
    differ ('6', '12'), and the range may wrap round, unlike the years `_adjacent` compares."""
    if min(t.lo, c.lo) < 0 or max(t.hi, c.hi) > CYCLE or min(t.distinct, c.distinct) < 3:
        return 0.0
    shared = len(t.values & c.values)
    union = {float(v) for v in t.values | c.values}
    if shared > 2 or max(union) - min(union) + 1 > len(union) + 1:
        return 0.0  # two values at most in both: the month at the split, and the next January
    return CYCLIC * (min(t.distinct, c.distinct) / max(t.distinct, c.distinct)) ** 0.5


CONSTANT_CHANCE = 0.05  # a constant that a sample of the varied column would be this often is no evidence against it


def _constant_by_chance(t: ColumnProfile, c: ColumnProfile) -> bool:
    """One column constant, the other not, though as many values drawn from the other would all be that
    constant at least one time in twenty: a median of four periods is 2.5 in seven herds of one half and
    in six of eight of the other's."""
    constant, varied = (t, c) if t.distinct == 1 else (c, t)
    if not len(constant.distinct_numbers):
        return False
    return varied.share_of(float(constant.distinct_numbers[0])) ** constant.finite >= CONSTANT_CHANCE


def numeric_similarity(t: ColumnProfile, c: ColumnProfile, median: bool = False) -> float:
    if not t.quantiles or not c.quantiles:
        return 0.5 if not t.quantiles and not c.quantiles else 0.0
    lo, hi = min(t.lo, c.lo), max(t.hi, c.hi)
    span = hi - lo
    if span <= 0:
        return 1.0
    overlap = max(0.0, min(t.hi, c.hi) - max(t.lo, c.lo)) / span
    gaps = [abs(x - y) for x, y in zip(t.quantiles, c.quantiles, strict=True)]
    closeness = 1.0 - sum(gaps) / len(gaps) / span
    score = 0.35 * overlap + 0.65 * closeness
    a, b = t.distinct_numbers, c.distinct_numbers
    common = len(t.rounded & c.rounded) if len(a) and len(b) else 0
    jaccard = common / (len(a) + len(b) - common) if common else 0.0
    if t.integral and c.integral and (t.distinct <= 50 or c.distinct <= 50) and (_dense(t) or _dense(c)):
        # few distinct integers (codes, counts): the values themselves recur across row samples. Jaccard,
        # not containment: a handful of small codes is contained in any spread of counts
        score = 0.5 * score + 0.5 * jaccard
    elif common and min(len(a), len(b)) >= FEW:
        score = max(score, jaccard, common / min(len(a), len(b)))
    else:
        score = max(score, jaccard)
    if (t.distinct == 1) != (c.distinct == 1) and max(t.distinct, c.distinct) > 2 and not _constant_by_chance(t, c):
        score *= 0.3  # a constant is not a column that varies
    elif t.distinct == 1 and c.distinct == 1 and t.integral == c.integral and len(a) and len(b):
        # two constants (each of a balanced panel's periods counts its 29 patients here and 30 there): as
        # alike as their sizes, where the span of the two values says nothing
        x, y = abs(float(a[0])), abs(float(b[0]))
        # counts: whole numbers as close as counts of other rows are (a gap within twice the square root)
        if (x and y and t.integral and (float(a[0]) > 0) == (float(b[0]) > 0)
                and min(x, y) / max(x, y) >= CLOSE_CONSTANTS and abs(x - y) <= 2 * max(x, y) ** 0.5):
            score = max(score, CONSTANTS * min(x, y) / max(x, y))
    if t.integral and not c.integral:
        # medians of whole numbers (`median`) are whole or halves: as whole as the target, where a group's
        # count is even in this half and odd in the other
        score *= HALVES if median and halves(c) else 0.6
    elif c.integral and not t.integral and c.distinct > 2:
        score *= 0.8
    score = max(score, _adjacent(t, c))
    seen = min(t.finite, c.finite)
    if seen < FEW:
        # a handful of values says little about a distribution: lean to a neutral score
        score = (seen * score + (FEW - seen) * 0.5) / FEW
    return score


HALVES = 0.85  # a whole target column's likeness to medians of whole numbers, relative to a column as whole
ORDERED_CODES = 400  # distinct values, at most, of a text column checked for the next range of codes


def _adjacent_text(t: ColumnProfile, c: ColumnProfile) -> float:
    """Codes written in one format that sort in time ('2013-07', '2013-07-01'): a contiguous split puts
    the next range of them in the other half, so no value is shared. Both sides in one format with
    digits, in ranges that do not interleave, with a common start ('2013-')."""
    if not t.values or not c.values or max(t.distinct, c.distinct) > ORDERED_CODES:
        return 0.0
    left, right = sorted(t.values), sorted(c.values)
    shape = pattern(left[0])
    if "0" not in shape or any(pattern(v) != shape for v in (*left, *right)):
        return 0.0
    if not (left[-1] < right[0] or right[-1] < left[0]):
        return 0.0
    if not os.path.commonprefix([left[0], left[-1], right[0], right[-1]]):
        return 0.0
    return ADJACENT * (min(len(left), len(right)) / max(len(left), len(right))) ** 0.5


def string_similarity(t: ColumnProfile, c: ColumnProfile) -> float:
    jaccard, containment = _jaccard(t.values, c.values)
    if jaccard == 0.0:
        return max(_string_similarity(t, c, 0.0), _adjacent_text(t, c))
    if max(t.uniqueness, c.uniqueness) <= 0.5:
        # categories: the same column over another sample has about as many of them, so a side that holds
        # the other's few among many more (days of the month beside the six months of the target) is
        # another, finer column, whatever it shares
        containment *= (min(t.distinct, c.distinct) / max(t.distinct, c.distinct)) ** 0.5
    return _string_similarity(t, c, max(jaccard, 0.9 * containment))


def _string_similarity(t: ColumnProfile, c: ColumnProfile, values: float) -> float:
    patterns = pattern_similarity(t, c)
    lengths = min(t.length, c.length) / max(t.length, c.length) if max(t.length, c.length) > 0 else 1.0
    shape = patterns * (0.6 + 0.4 * lengths)
    ut, uc = t.uniqueness, c.uniqueness
    cardinality = min(ut, uc) / max(ut, uc) if max(ut, uc) > 0 else 1.0
    if max(ut, uc) <= 0.5:
        # categorical on both sides: the same column over other rows shares most of its values
        return 0.6 * values + 0.4 * shape
    if values == 0.0 and t.recurs and min(t.distinct, c.distinct) <= 30 and max(t.distinct, c.distinct) <= 60:
        # two small categorical domains without a shared value are different columns, whatever their shape
        shape *= 0.5
    return max(values, 0.8 * shape * (0.75 + 0.25 * cardinality))


def value_similarity(t: ColumnProfile, c: ColumnProfile, median: bool = False) -> float:
    kinds = {t.kind, c.kind}
    if kinds == {"number"}:
        score = numeric_similarity(t, c, median)
    elif kinds == {"bool"}:
        score = max(_jaccard(t.values, c.values)[0], 0.8)
    elif kinds <= {"string", "datetime", "other"}:
        score = string_similarity(t, c)
    elif kinds == {"number", "bool"}:
        score = 0.5 * numeric_similarity(t, c) if t.distinct <= 2 and c.distinct <= 2 else 0.0
    else:
        return 0.0
    if t.nulls == 0 and c.null_share > 0.02:
        score *= 0.8
    elif t.null_share > 0.05 and c.nulls == 0:
        score *= 0.9
    return score


SAME_NAME = 0.6  # a column of the target's name and kind, whatever its values: at least this likely
SPELLED_NAME = 0.95  # a column a step made as its name spells (`mean_alp`), of the target's kind: this likely


def similarity(t: ColumnProfile, c: ColumnProfile, given: frozenset[str] | None = None, median: bool = False) -> float:
    """How likely candidate column `c` is target column `t`, in [0, 1]. The target was made from other
    rows (other months, other countries): values may not overlap at all, while a column of the same name
    and kind is still that column. Names are evidence beside values (beyond the paper's value mapping),
    but only names the inputs gave (`given`): the search names what it derives after the target. `median`: `c`
    holds medians, which of whole numbers are whole or halves, as whole as a whole target column."""
    values = value_similarity(t, c, median)
    named = max(name_similarity(t.name, c.name), abbreviated(t.name, c.name))
    if values < 0.3:
        score = 0.8 * values
    else:
        score = min(1.0, 0.8 * values + 0.2 * named)
    if named == 1.0 and given is not None and c.name in given and same_kind(t, c):
        # still ordered by values: aggregates of one column all bear its name
        score = max(score, SAME_NAME + 0.2 * values)
        if one_of(t, c):
            # one of the target's categories, alone here: a contiguous split holds the others (a table sorted by
            # `train` has the untrained men first), so the values say no less than the name does. Not a few of
            # them: an aggregate under the column's name (a count of births named `birthyr`) is alike so
            score = max(score, 0.8 + 0.2 * named)
    return score


def one_of(t: ColumnProfile, c: ColumnProfile, key: bool = False) -> bool:
    """Whether a column holds one value, one of the target column's categories (which repeat there, unless
    the column is a key of the target)."""
    repeats = t.distinct >= 2 and (key or t.distinct <= t.rows / 2)
    return c.distinct == 1 and c.rows >= 2 and repeats and c.values <= t.values


@lru_cache(maxsize=65536)
def abbreviated(target: str, column: str) -> float:
    """`ABBREVIATED` where every word of the column's name is a word of the target's or its first three letters
    or more ('Apps' of 'applications', 'Grad.Rate' of 'graduation_rate'), or where the name is the target's
    written without its vowels (`crmrte` of 'crime_rate', `qty` of 'quantity'): a report's rename spells out a
    terse name. Not a word behind a letter (`cdef`, the change of `def`): that is another quantity."""
    tokens, own = name_tokens(target), name_tokens(column)
    cut = all(any(t == w or (len(w) >= 3 and t.startswith(w)) for t in tokens) for w in own)
    return ABBREVIATED if own and ((cut and own != tokens) or _skeleton(target, column)) else 0.0


_VOWELS = frozenset("aeiou")


def _skeleton(target: str, column: str) -> bool:
    """Whether the column's name is the target's written without its vowels (`crmrte`, `prc`, `qty`, `wht`):
    letters only, three consonants or more and no vowel but a last 'e', each of them the target's in order
    from its first letter on, and most of the target's consonants. Not a word of its own (`mean` of 'median',
    `cut` of 'count', `pre` of 'price'), nor a name with digits (`D12S1344.a1`)."""
    t = "".join(ch for ch in str(target).lower() if "a" <= ch <= "z")
    raw = str(column).lower()
    if any(ch.isdigit() for ch in raw):
        return False
    c = "".join(ch for ch in raw if "a" <= ch <= "z")
    consonants = [ch for ch in c if ch not in _VOWELS]
    if (len(consonants) < 3 or any(ch in _VOWELS for ch in c[:-1]) or len(c) >= len(t) or not c
            or c[0] != t[0]):
        return False
    letters = iter(t)
    if not all(ch in letters for ch in c):  # a subsequence: each letter found after the one before
        return False
    return len(consonants) >= SKELETON * sum(ch not in _VOWELS for ch in t)


SKELETON = 0.6  # share of the target's consonants a name without vowels keeps


ABBREVIATED = 0.8  # the name likeness of a column whose name abbreviates the target's (an exact name is 1)


def halves(c: ColumnProfile) -> bool:
    """Whether a number column holds only whole numbers and halves."""
    values = c.distinct_numbers
    return c.kind == "number" and len(values) > 0 and bool(np.all((2 * values) % 1 == 0))


def same_kind(t: ColumnProfile, c: ColumnProfile) -> bool:
    if t.kind != c.kind:
        return False
    if t.kind == "number":
        # integers stay integers (a year, a count); a mean of them is fractional
        return t.integral == c.integral or t.distinct <= 2 or c.distinct <= 2
    return True


@dataclass(frozen=True)
class ColumnMapping:
    """A one-to-one mapping of target columns onto candidate columns with the score of each pair."""

    pairs: MappingType[str, str]  # target column -> candidate column (mapped ones only)
    scores: MappingType[str, float]  # target column -> score of its best assignment (0 if none)

    @property
    def covered(self) -> int:
        return len(self.pairs)

    @property
    def mean_score(self) -> float:
        return float(np.mean(list(self.scores.values()))) if self.scores else 0.0

    def log_likelihood(self) -> float:
        return float(sum(np.log(max(s, 1e-3)) for s in self.scores.values()))


UNITS = (1.0, 0.1, 0.01)  # what a column of readings is written to: whole numbers, one decimal, two (cents)
UNIT_SAMPLE = 1000  # numbers a column's unit is tried on before all of them


def unit_of(values: np.ndarray) -> float | None:
    """The coarsest of `UNITS` every number is a multiple of (miles per gallon read to one decimal: 0.1), None
    where some are finer (a mean). Infinities are left out."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return None
    if bool(np.all(finite == np.round(finite))):
        return 1.0
    if not bool(multiples(finite[:UNIT_SAMPLE], UNITS[-1]).all()):
        return None  # most columns of fractions show it in their first numbers
    return next((unit for unit in UNITS[1:] if bool(multiples(finite, unit).all())), None)


def grain_of(func: str) -> float | None:
    """The unit an aggregate of whole numbers is a multiple of: the largest, smallest, first or sum of them
    (and any count) is whole, their median whole or a half; None for others (a mean)."""
    return 0.5 if func == "median" else 1.0 if func in WHOLE_KEEPING else None


def finer(profile: ColumnProfile, grain: float) -> bool:
    """Whether enough of a column's numbers are no multiples of `grain` for it to be no column of that grain
    (a few odd values may be an input's own: a sample size of 1770.27 among whole ones)."""
    share = profile.finer_than(grain)
    # two values are enough where both are finer (the mean rates of private and public colleges), not two of more
    return share >= FRACTIONS[0] and (share * profile.finite >= FRACTIONS[1] or (share == 1.0 and profile.finite >= 2))


class Domain(NamedTuple):
    """Where a column's aggregates lie in any sample: inside [lo, hi] here, and at most `reach` beyond either
    end in the other half, whose codes or readings this one may lack."""

    lo: float
    hi: float
    reach: float
    sure: bool = False  # no other half holds values beyond: a mean of True/False is never 2, in any sample


def domain_of(values: pd.Series, func: str) -> Domain | None:
    """The range of a column of codes or of a scale (few whole numbers, none a year or an identifier), where
    `func` keeps its aggregates inside it in any sample: the largest, smallest, first, last, mean or median
    of cylinders is no count of cars. Its reach is its span, 2 at least. A True/False column's aggregates lie in
    [0, 1] in any sample (its mean a share). None for other columns and aggregates."""
    if func in RANGE_KEEPING and pd.api.types.is_bool_dtype(values.dtype):
        return Domain(0.0, 1.0, 0.0, sure=True)
    finite = _range_kept(values, func)
    return None if finite is None else _codes(finite)


def _codes(finite: np.ndarray) -> Domain | None:
    """`domain_of` of a column's finite numbers: few whole ones, none of 1000 or more."""
    if not bool((finite == np.round(finite)).all()):
        return None
    lo, hi = float(finite.min()), float(finite.max())
    if len(np.unique(finite)) > DOMAIN_VALUES or max(abs(lo), abs(hi)) >= 1000:
        return None
    return Domain(lo, hi, max(hi - lo, 2.0))


FAR = 2.0  # spans of a column of readings beyond its range that the other half's aggregates of it never reach
ORDERED = 0.5  # correlation with the row's place in the file, at least, of a column that moves with the split
MOSTLY = 0.5  # share of a column's numbers, at least, of one value, where its range here says little


def range_of(values: pd.Series, func: str) -> Domain | None:
    """The range of a column of readings (not codes: `domain_of`) where `func` keeps its aggregates inside it in
    any sample, reaching `FAR` spans beyond: a mean or the largest of hourly riders is no sum of a day's. The
    other half's readings differ, not by that much; unless the column grows or falls with the file's order (ids,
    days, years, a series over time), which a contiguous split moves: None for those, as for codes, constants
    and other aggregates."""
    finite = _range_kept(values, func)
    if finite is None or _codes(finite) is not None:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        return None
    # mostly one value (no snow in the summer half): a column shows little of its range here
    _, counts = np.unique(finite, return_counts=True)
    if counts.max() >= MOSTLY * len(finite):
        return None
    if moves_with_order(finite):
        return None
    return Domain(lo, hi, FAR * (hi - lo))


def moves_with_order(finite: np.ndarray) -> bool:
    """Whether numbers (in the file's order) rise or fall with their place: rank correlation `ORDERED` or more,
    or none to speak of (all alike). By rank: one outlier does not hide the order, huge values do not overflow."""
    with np.errstate(all="ignore"):
        order = float(np.corrcoef(np.arange(len(finite)), rankdata(finite))[0, 1])
    return not np.isfinite(order) or abs(order) >= ORDERED


def _range_kept(values: pd.Series, func: str) -> np.ndarray | None:
    """The finite numbers of a numeric column (not True/False) whose `func` keeps its aggregates inside their
    range, where at least `DOMAIN_SEEN` are seen; None otherwise."""
    if func not in RANGE_KEEPING or not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return None
    finite = values.to_numpy(dtype=float, na_value=np.nan)
    finite = finite[np.isfinite(finite)]
    return finite if len(finite) >= DOMAIN_SEEN else None


def beyond(profile: ColumnProfile, domain: Domain) -> bool:
    """Whether enough of a column's numbers lie beyond a domain, widened on each side by its reach, for it to be
    no aggregate kept inside the domain. The other half may hold codes this one lacks: quarters 3 and 4 of a
    file in date order beside 1 and 2 here, months 7 to 12 beside 1 to 6, a code constant here."""
    share = profile.outside(domain.lo - domain.reach, domain.hi + domain.reach)
    if domain.sure:
        return share > 0
    return share >= BEYOND[0] and share * profile.finite >= BEYOND[1]


class Blend(NamedTuple):
    """A column made as the mean or sum (`func`) of a numeric column: the column's distinct fractions, rounded as
    `ColumnProfile.rounded` (empty where it is whole), its rows per value made, and the unit it is written to
    where it has fractions (`written_unit`: 0.01 of survival months to two decimals)."""

    func: str
    values: frozenset[float]
    rows: float
    unit: float | None = None
    digits: int | None = None  # the significant digits its column is written to (`written_digits`)


def _numbers(values: pd.Series) -> np.ndarray | None:
    """A numeric column's numbers without its gaps, None for a column of no numbers (flags are none)."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return None
    return values.dropna().to_numpy(dtype=float)


BlendBasis = tuple[frozenset[float] | None, float | None, int | None]


def blend_basis(values: pd.Series) -> BlendBasis:
    """What a blend of a column carries (`Blend`), worked out once per column: `blended_values`, `written_unit`
    and `written_digits`."""
    return blended_values(values), written_unit(values), written_digits(values)


def blended_values(values: pd.Series) -> frozenset[float] | None:
    """What `Blend.values` holds of a column: its distinct numbers rounded as `ColumnProfile.rounded`, none where
    all of at least WHOLE_BLENDED are whole; None for a column of no numbers, or of too few whole ones to say."""
    numbers = _numbers(values)
    if numbers is None:
        return None
    finite = numbers[np.isfinite(numbers)]
    distinct = frozenset(np.round(np.unique(finite), 6).tolist())
    if not distinct or any(v != round(v) for v in distinct):
        return distinct or None
    return frozenset() if len(finite) >= WHOLE_BLENDED else None


def written_unit(values: pd.Series, least: int = WHOLE_BLENDED) -> float | None:
    """The unit a numeric column of at least `least` numbers is written to (`unit_of`), or None."""
    numbers = _numbers(values)
    return unit_of(numbers) if numbers is not None and len(numbers) >= least else None


DIGITS = 5  # significant digits, at most, a column of readings is written to for its means to show apart
SHORT = (0.8, 0.3)  # share of a target's fractions, at least, written as short as a median is; of a blend's, at most


def written_digits(values: pd.Series, least: int = WHOLE_BLENDED) -> int | None:
    """The significant digits, at most DIGITS, that every fraction of a numeric column of at least `least`
    numbers is written to (a radar band's readings to 4: -192.7, 38.98), None where it has no fractions or
    longer ones. A whole number's digits are its own."""
    numbers = _numbers(values)
    if numbers is None:
        return None
    finite = numbers[np.isfinite(numbers)][:UNIT_SAMPLE]
    fractions = _fractions(finite)
    if len(finite) < least or len(fractions) < least // 2:
        return None
    return next((d for d in range(1, DIGITS + 1) if short(fractions, d).all()), None)


def short(numbers: np.ndarray, digits: int) -> np.ndarray:
    """Whether each number is written to `digits` significant digits or fewer (read back from a file as it was
    written: 2.844999999999999 is 2.845, and 2.9000000953674316 stored in single precision is 2.9)."""
    size = np.abs(numbers)
    places = np.floor(np.log10(np.where(size > 0, size, 1.0))) - digits + 1
    scaled = numbers / 10.0**places  # the digits kept, as a whole number where that is all there are
    return (size == 0) | (np.abs(scaled - np.round(scaled)) <= np.maximum(1e-6, SINGLE * np.abs(scaled)))


def picked(values: frozenset[float], profile: ColumnProfile) -> float | None:
    """The share of a column's distinct fractions (rounded as `ColumnProfile.rounded`) that are among `values`,
    or None where it has fewer than PICKED[2] fractions to say."""
    fractions = [v for v in profile.rounded if v != round(v)]
    if len(fractions) < PICKED[2]:
        return None
    return sum(v in values for v in fractions) / len(fractions)


def longer(target: ColumnProfile, medians: ColumnProfile) -> bool:
    """Whether a target column's fractions are hardly ever written as short as a column of medians is (of
    readings to three decimals: 0.155, or a digit more halfway between two), where nearly all of its are:
    the target's are means of those readings (0.0612112676), not their medians."""
    made, written = _fractions(medians.distinct_numbers), _fractions(target.distinct_numbers)
    if min(len(made), len(written)) < PICKED[2] or target.kind != "number":
        return False
    digits = next((d for d in range(1, DIGITS + 1) if short(made, d + 1).mean() >= SHORT[0]), None)
    return digits is not None and short(written, digits + 1).mean() <= SHORT[1]


def blended_away(target: ColumnProfile, blend: ColumnProfile, made: Blend) -> bool:
    """Whether target column `target` holds values a blend hardly ever makes where `blend`, made so here, does
    not: its column's own fractions (a heaped wage's, the medians or largest of groups of the other half), or
    whole numbers and halves where its column is whole and the groups large (the median tuition of private
    colleges, beside a mean), and so of halves of the unit a column of fractions is written to (survival months
    to two decimals, their medians 39.015). This sample's blends show how often a blend lands on one by chance."""
    if made.values:
        theirs, ours = picked(made.values, target), picked(made.values, blend)
        if theirs is not None and ours is not None and theirs >= PICKED[0] and ours <= PICKED[1]:
            return True
    if made.digits is not None and made.func == "mean" and target.kind == "number":
        # readings written to a few significant digits: their medians are as short (or a digit longer, halfway
        # between two), their means hardly ever. Where the target's are and this half's means are not
        written, made_here = _fractions(target.distinct_numbers), _fractions(blend.distinct_numbers)
        if (min(len(written), len(made_here)) >= PICKED[2] and short(written, made.digits + 1).mean() >= SHORT[0]
                and short(made_here, made.digits + 1).mean() <= SHORT[1]):
            return True
    unit = made.unit if made.values else 1.0
    if unit is None or made.func != "mean" or min(target.finite, blend.finite) < 2 or target.kind != "number":
        return False
    numbers, written = blend.distinct_numbers, target.distinct_numbers
    if len(numbers) < 2 or not len(written) or not bool(multiples(written, unit / 2).all()):
        return False
    if unit < 1 and bool(multiples(written, unit).all()):
        return False  # none a half of the unit: means of readings coarser in the other half (whole there) are so too
    # a mean of n whole numbers is whole or a half about 2/n of the time, or as often as this sample's are (small
    # groups among large ones): all of the target's by chance, hardly ever
    on = float(np.mean(multiples(numbers, unit / 2)))
    return 1 - on >= OFF_GRAIN and max(2 / max(made.rows, 2), on) ** target.finite <= BY_CHANCE


def _fractions(numbers: np.ndarray) -> np.ndarray:
    """The finite numbers that are not whole."""
    finite = numbers[np.isfinite(numbers)]
    return finite[finite != np.round(finite)]


def spelled_as_named(target: str, column: str, spelled: frozenset[str]) -> bool:
    """The column a step made as the target column's name spells (`mean_alp`), not as a function's name alone
    (`max`): it maps by its name (see `map_columns`), and the ranker counts it (`Candidate.spelled`)."""
    return target == column and column in spelled and column not in MEASURE_NAMES


def map_columns(
    target: MappingType[str, ColumnProfile],
    candidate: MappingType[str, ColumnProfile],
    threshold: float = THRESHOLD,
    cache: dict[tuple[str, int, bool], tuple[ColumnProfile, float]] | None = None,
    given: frozenset[str] | None = None,
    spelled: frozenset[str] = frozenset(),
    medians: frozenset[str] = frozenset(),
    grains: MappingType[str, float] | None = None,
    domains: MappingType[str, Domain] | None = None,
    blends: MappingType[str, Blend] | None = None,
    ranges: MappingType[str, Domain] | None = None,
) -> ColumnMapping:
    """The best one-to-one assignment of target columns to candidate columns (Hungarian method). `spelled`
    names candidate columns a step named after what the name spells (`mean_alp`): by name, they count as
    the inputs' names do; named after the function alone (`max`), as a column of the target's name does.
    `grains`: columns that are multiples of a unit by their making in any sample (counts and the largest of
    whole numbers are whole, their medians whole or halves): a target column of finer values is none of them.
    `domains`: columns kept inside a column of codes' range by their making (`domain_of`): a target column
    mostly beyond it is none of them.
    `blends`: columns made as the mean or sum of a column (`blended_away`): a target column of values they hardly
    ever make, where this sample's have none, is none of them. `ranges`: columns kept inside a column of readings'
    range (`range_of`): a target column mostly beyond it is not that column by its name alone (a mean of hourly
    riders, named as a daily sum's mean is); its values say."""
    grains, domains, blends, ranges = grains or {}, domains or {}, blends or {}, ranges or {}
    t_names, c_names = list(target), list(candidate)
    if not t_names or not c_names:
        return ColumnMapping({}, dict.fromkeys(t_names, 0.0))
    scores = np.zeros((len(t_names), len(c_names)))
    for i, t in enumerate(t_names):
        for j, c in enumerate(c_names):
            profile = candidate[c]
            if spelled_as_named(t, c, spelled):
                score = similarity(target[t], profile, frozenset({c}))
                far = any(c in bounds and beyond(target[t], bounds[c]) for bounds in (domains, ranges))
                scores[i, j] = max(score, SPELLED_NAME) if same_kind(target[t], profile) and not far else score
                continue
            key = (t, id(profile), c in (given or ()))  # a name given counts for one table, not for another
            made = c in medians or c in grains or c in domains or c in blends
            coarse = c in grains and finer(target[t], grains[c])
            far = c in domains and beyond(target[t], domains[c])
            away = c in blends and blended_away(target[t], profile, blends[c]) or c in medians and longer(target[t], profile)
            if cache is not None and key in cache and cache[key][0] is profile and not made:
                scores[i, j] = cache[key][1]
            else:
                scores[i, j] = (similarity(target[t], profile, given, c in medians) * (NOT_WHOLE if coarse else 1.0)
                                * (OUT_OF_DOMAIN if far else 1.0) * (NOT_PICKED if away else 1.0))
                # a made profile may be another table's column too, made otherwise there
                if cache is not None and not made:
                    cache[key] = (profile, scores[i, j])
            if t == c and c in spelled and target[t].kind == profile.kind and not (coarse or far or away):
                # a measure's function alone says how the column was made, not of what: as a name does (the best miles
                # per gallon of some years are whole, of others not), unless its making rules the values out
                scores[i, j] = max(scores[i, j], SAME_NAME)
    if given:
        # an input's column named exactly as a target column of its kind is that column's: another target
        # column takes it only where its values say so far more (ids of other men look like hours)
        for j, c in enumerate(c_names):
            if c in given and c in target and same_kind(target[c], candidate[c]):
                k = t_names.index(c)
                for i in range(len(t_names)):
                    if i != k:
                        scores[i, j] *= RESERVED
    rows, cols = linear_sum_assignment(scores, maximize=True)
    assigned = {t_names[i]: (c_names[j], float(scores[i, j])) for i, j in zip(rows, cols, strict=True)}
    pairs = {t: c for t, (c, s) in assigned.items() if s >= threshold}
    return ColumnMapping(pairs, {t: assigned.get(t, ("", 0.0))[1] for t in t_names})
