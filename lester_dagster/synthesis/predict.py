"""Parameter prediction per operator (the role Auto-Suggest plays in Auto-Pipeline): for the live tables
of a partial pipeline, each predictor proposes its most likely parameterisations with a probability,
from the data (value overlap and key-ness for joins, cardinality and types for group-by keys) and from
the target (its keys name likely group-by columns, its column names that are values of an input column
name a pivot, values it needs that no column has call for string operators)."""

from __future__ import annotations

import heapq
import math
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, pairwise
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.aggregate_features import FEATURES as AGGREGATE_FEATURES
from lester_dagster.synthesis.aggregate_features import FUNCTIONS as AGGREGATE_FUNCTIONS
from lester_dagster.synthesis.aggregate_features import pair_features
from lester_dagster.synthesis.alignment import Aligner, row_keys
from lester_dagster.synthesis.constraints import FD, Constraints
from lester_dagster.synthesis.groupkey_features import FEATURES as GROUPKEY_FEATURES
from lester_dagster.synthesis.groupkey_features import group_codes, grouping_features
from lester_dagster.synthesis.logistic import ShippedModel, shipped
from lester_dagster.synthesis.mapping import (
    BLENDING,
    NOT_PICKED,
    NOT_WHOLE,
    OUT_OF_DOMAIN,
    THRESHOLD,
    Blend,
    BlendBasis,
    ColumnMapping,
    Domain,
    beyond,
    blend_basis,
    blended_away,
    domain_of,
    finer,
    grain_of,
    map_columns,
    moves_with_order,
    name_similarity,
    one_of,
    pattern_similarity,
    same_kind,
    similarity,
)
from lester_dagster.synthesis.names import (
    AGG_WORDS,
    EXCLUSIVE_WORDS,
    FUNCTION_WORDS,
    MEASURE_NAMES,
    counts_kinds,
    name_key,
    name_tokens,
    name_words,
    names_column,
    opposed,
    opposite_sex,
    same_sex,
    spells,
)
from lester_dagster.synthesis.profile import (
    ColumnProfile,
    Tab,
    compressed_pattern,
    number_text,
    pattern,
    profile_column,
)

# How often each operator appears in real pipelines, roughly (Auto-Suggest's corpus statistics shape).
PRIOR = {
    "join": 0.9,
    "union": 0.95,
    "groupby": 0.6,
    "pivot": 0.7,
    "unpivot": 0.75,
    "split": 0.5,
    "substring": 0.45,
    "concatenate": 0.45,
    "dropna": 0.35,
    "fillna": 0.4,
    "groupby_join": 0.35,
}
TOP_PARAMETERS = 3  # parameterisations kept per operator and table (the paper's top-k per operator)
KEY_PAIRS = 6  # single-column join keys considered per pair of tables
MIXED = 0.6  # per extra function among columns aggregated under their own names
OPPOSED = 0.3  # an aggregate of a column whose name says the other end than the target's ('temp_min' for 'mean_high')
OTHER_FUNCTION = 0.1  # an aggregate of another function than the one a target column's name is, alone ('max')
COMPLETED = 0.5  # share of the floor an aggregate needs to complete a group-by whose other columns were chosen
RUNNERS_UP = 3  # alternative aggregations offered where a column's best function is not clear
NUMERIC_AGGS = ("sum", "mean", "count", "min", "max", "median", "nunique", "std")
COMMON_AGGS = ("sum", "mean", "count", "min", "max", "median")
CROWDED = 10  # numeric columns beyond which a table is aggregated with the common functions only
TEXT_AGGS = ("count", "nunique", "first", "min", "max")
DELIMITERS = (" ", ",", "-", "/", "_", ":", ";", "|", ".", "@")
RUN_DELIMITERS = 3  # delimiters of two or three characters (' (', ', ', ' - ') found in a column's values
WORD_DELIMITERS = 2  # joining words (' to ', ' and ') found in a column's values
_WORD_DELIMITER = re.compile(r"(?<=\S) (?:[a-z]{1,4}|&) (?=\S)")
SPLIT_SHARE = 0.2  # share of a column's values, at least, that hold a delimiter the string step splits at
STRING_SAMPLE = 600


@dataclass(frozen=True)
class Proposal:
    """Steps to add (one, or two for a group-by joined back) and their probability."""

    steps: tuple[ops.Step, ...]
    probability: float
    operator: str
    # target columns the last step makes an output column for, by name, with the predictor's probability
    # that it is that column (an aggregate the target's name and values chose)
    explains: Mapping[str, float] = field(default_factory=dict)
    # of those, the ones whose name spells how the step made them (`mean_alp`, the mean of ALP): mapped by
    # that name as an input's names are, before a look-alike column (Lib's mean)
    spelled: frozenset[str] = frozenset()
    # target columns named after periods the other half has, which this pivot spreads its own periods into
    # (`_periods`): mapped onto its columns of periods by order, as the pooled cells vouched
    periods: tuple[str, ...] = ()


class Context:
    """The target, its constraints and the caches the predictors share during one synthesis."""

    def __init__(self, target: pd.DataFrame, constraints: Constraints, threshold: float = THRESHOLD,
                 inputs: Mapping[str, pd.DataFrame] | None = None) -> None:
        self.target = Tab(target)
        self.profiles = self.target.profiles()
        # column names the inputs gave: a candidate column of a target column's name is evidence only then
        self.given = frozenset(str(c) for f in (inputs or {}).values() for c in f.columns)
        # each input's columns: a predictor sees one live table, the search's inputs are all of them
        self.input_columns = {name: frozenset(str(c) for c in f.columns) for name, f in (inputs or {}).items()}
        # and target column names that are values of an input column: a pivot names its columns by them
        # (the data named them, not the search)
        self.names_as_values = {_as_value(c): c for c in self.profiles}
        if inputs is not None:
            spread = {self.names_as_values[v] for frame in inputs.values() for c in frame.columns
                      for v in _few_values(frame[c]) if v in self.names_as_values}
            tabs = [Tab(frame) for frame in inputs.values()]
            # and those a literal and an input column's values make ('race 1' to 'race 3'): a pivot names its
            # columns by such labels, the values of the data between the same words
            wanted = [t for t in self.profiles if t not in self.given and t not in spread]
            labelled = {t for tab in tabs for c in tab.columns for t in _labelled_names(tab, c, wanted)} if wanted else set()
            self.given = self.given | frozenset(spread) | frozenset(labelled)
            _mark_recurring(self.profiles, tabs, self.target.frame)
        self.constraints = constraints
        self.threshold = threshold
        self.similarity_cache: dict[tuple[str, int, bool], tuple[ColumnProfile, float]] = {}
        self.columns = list(self.profiles)
        self.has_nulls = any(p.nulls for p in self.profiles.values())
        # target column names as the values a pivot spreads would read in a profile ('2006', '-0.0446416'):
        # set above
        self.melted = _melted_names(self.target.frame, self.profiles) if inputs is not None else None
        self.embedded = _embedded_numbers(self.profiles, [Tab(f) for f in inputs.values()]) if inputs is not None else set()
        self.aligner = Aligner(self.target.frame, constraints.primary or ())
        self._cells: dict[tuple[str, ...], ColumnProfile] = {}
        self.remade_rows: dict[tuple[Any, ...], float] = {}  # (target column, function, its columns) -> share remade
        self.aggregates: dict[object, list[tuple[list[tuple[str, str, str]], list[float], tuple[ops.Split, ...]]]] = {}
        self.per_part: dict[tuple[str, ...], dict[str, ColumnProfile]] = {}
        self.beside: dict[int, list[Proposal]] = {}  # pivots beside a group-by, per table fingerprint
        self.shared_maps: dict[tuple[int, int], bool] = {}  # _shared_unions, per two files' fingerprints
        # (table fingerprint, grouping, target column, column, function): aggregates a target column's name
        # spells that the groups both halves hold show to be another (`_closer_than_spelled`)
        self.far_spelled: set[tuple[int, tuple[str, ...], str, str, str]] = set()
        self.remade: dict[tuple[tuple[str, ...], str], list[tuple[str, str, float]]] = {}  # _joined_back_in_target
        self.spread_parts: dict[object, tuple[ColumnProfile, list[tuple[ops.Split | ops.Substring, tuple[Any, ...]]]]] = {}
        self._counter = 0

    def name(self) -> str:
        self._counter += 1
        return f"s{self._counter}"

    def mapping(self, tab: Tab) -> ColumnMapping:
        found = tab.cache.get("mapping")
        if found is None:
            given = self.given - tab.cache.get("named", frozenset())
            found = map_columns(self.profiles, tab.profiles(), self.threshold, self.similarity_cache, given,
                                tab.cache.get("spelled", frozenset()), tab.cache.get("medians", frozenset()),
                                tab.cache.get("grains"), tab.cache.get("domains"), tab.cache.get("blends"),
                                tab.cache.get("ranges"))
            found = tab.cache["mapping"] = self._explained(found, tab)
        return found  # a ColumnMapping

    def _explained(self, found: ColumnMapping, tab: Tab) -> ColumnMapping:
        """Target columns no column's values map, where the step that made this table made a column for
        them that a predictor was sure of (`mean_id`, the mean of `id`: the other half's ids are another
        range, so its mean is too). Mapped at the threshold: enough to verify, the least likely mapping.
        Also where the values map the column made for it onto another target column (a pivot's mean breaking
        angles of other replicates: 175 degrees here look like 225 there): the step named them, and the other
        target column is left unmapped. Whether a column's values are whole numbers is this half's to say,
        where the step remade the target's own rows (a sum of miles per gallon, whole in the target's years,
        fractional in these)."""
        explains = tab.cache.get("explains") or {}

        def fits(t: str, p: float) -> bool:
            target, made = self.profiles[t], tab.profile(t)
            grain = (tab.cache.get("grains") or {}).get(t)
            if grain is not None and finer(target, grain):
                return False  # the largest of whole angles is no mean of them
            for bounds in ("domains", "ranges"):
                domain = (tab.cache.get(bounds) or {}).get(t)
                if domain is not None and beyond(target, domain):
                    return False  # the largest of a car's cylinders is no count of cars, an hour's riders no day's
            return same_kind(target, made) or (p >= IN_TARGET and target.kind == made.kind)

        named = {t for t, p in explains.items() if p >= EXPLAINED and found.pairs.get(t) != t and t in self.profiles
                 and t in tab.columns and fits(t, p)}
        owner = {c: t for t, c in found.pairs.items()}
        # unmapped, its column free; or its column taken by another target column, which gives it up (and, if
        # a step named a column for that one too, takes it)
        extra = {t: t for t in named if owner.get(t) is not None or t not in found.pairs}
        kept = {t: c for t, c in found.pairs.items() if t not in extra and c not in extra}
        while moved := [t for t in named if t not in extra and t not in kept and t not in set(kept.values())]:
            extra.update({t: t for t in moved})
            kept = {t: c for t, c in kept.items() if c not in extra}
        displaced = {t: 0.0 for t in found.pairs if t not in kept and t not in extra}
        taken = set(kept.values()) | set(extra)
        periods = sorted((t for t in tab.cache.get("periods", ()) if t not in found.pairs and t in self.profiles),
                         key=lambda t: (len(t), t))  # as the columns below: 7 to 12 in order onto 1 to 6
        if periods:
            shape = _period_shape(periods[0])
            free = sorted((c for c in tab.columns if c not in taken and _period_shape(str(c)) == shape),
                          key=lambda c: (len(str(c)), str(c)))
            extra.update(zip(periods, free, strict=False))  # as many as there are free columns of periods
        if not extra:
            return found
        return ColumnMapping({**kept, **extra}, {**found.scores, **displaced, **dict.fromkeys(extra, self.threshold)})

    def cells(self, names: set[str]) -> ColumnProfile:
        """The values of these target columns as one column (a pivot's cells)."""
        key = tuple(sorted(names))
        found = self._cells.get(key)
        if found is None:
            values = pd.concat([self.target.frame[t] for t in key], ignore_index=True)
            found = self._cells[key] = profile_column(CELLS, values)
        return found

    def unmapped(self, tab: Tab) -> list[str]:
        mapping = self.mapping(tab)
        return [c for c in self.columns if c not in mapping.pairs]


Predictor = Callable[[Mapping[str, Tab], Context], Iterator[Proposal]]


def _mark_recurring(profiles: Mapping[str, ColumnProfile], inputs: Sequence[Tab],
                    target: pd.DataFrame | None = None) -> None:
    """A target string column recurs when an input column shares its values or holds them inside its
    own (a part to cut out); one that does not (people's names, labels made by concatenation) is not
    expected to share values with a candidate column either."""
    columns = [(tab, c) for tab in inputs for c in tab.columns if tab.profile(c).kind == "string"]
    known = frozenset().union(*(tab.profile(c).values for tab, c in columns)) if columns else frozenset()
    for name, profile in profiles.items():
        if profile.kind == "number":
            profile.foreign = _foreign_codes(name, profile, inputs, None if target is None else target[name])
        if profile.kind != "string":
            continue
        profile.foreign = profile.values - known
        if any(profile.values & tab.profile(c).values for tab, c in columns):
            continue
        sample = [v for v in sorted(profile.values)[:20] if len(v) >= 2]
        texts = (" | ".join(map(str, tab.frame[c].dropna().astype(str).head(2000))) for tab, c in columns)
        profile.recurs = bool(sample) and any(sum(v in text for v in sample) >= 0.5 * len(sample) for text in texts)


CODES = 30  # distinct whole numbers, at most, of a column of codes
FILL_CODES = frozenset({"0", "-1", "9", "99", "999", "9999", "-9", "-99", "-999"})  # what a fill writes in a code


def _foreign_codes(name: str, profile: ColumnProfile, inputs: Sequence[Tab],
                   column: pd.Series | None = None) -> frozenset[str]:
    """The one code of a target column of few whole numbers that its namesake in the inputs never holds, where
    it is a code a fill writes (a marital status missing, counted as 0): made, not cut off by the split. Not
    where the namesake moves with the file's order (the split cuts its values off), nor, in a target of rows
    (not groups), where the code's share of rows is far from the namesake's share of gaps. `column`: the
    target's values."""
    if not profile.integral or not 2 <= profile.distinct <= CODES:
        return frozenset()
    namesakes = [tab.frame[name] for tab in inputs if name in tab.columns]
    profiles = [tab.profile(name) for tab in inputs if name in tab.columns]
    if not profiles or any(p.kind != "number" or not p.nulls or p.distinct > CODES for p in profiles):
        return frozenset()
    lacking = profile.values - frozenset().union(*(p.values for p in profiles))
    if len(lacking) != 1 or not lacking <= FILL_CODES:
        return frozenset()
    if any(moves_with_order(pd.to_numeric(v, errors="coerce").dropna().to_numpy(dtype=float)) for v in namesakes):
        return frozenset()
    if column is not None and profile.rows >= ROWS_NOT_GROUPS * profile.distinct:
        code = float(next(iter(lacking)))
        share = float((pd.to_numeric(column, errors="coerce") == code).mean())
        gaps = max(p.null_share for p in profiles)
        if not gaps / FILL_SHARE <= share <= gaps * FILL_SHARE:
            return frozenset()
    return lacking


ROWS_NOT_GROUPS = 3  # rows per distinct value, at least, of a target column of rows rather than of groups
FILL_SHARE = 3.0  # how far a fill code's share of a target's rows may lie from the share of gaps it fills


_Rows = TypeVar("_Rows", pd.DataFrame, pd.Series)


def spread_rows(rows: _Rows, most: int) -> _Rows:
    """At most `most` rows, spread evenly over the table rather than its first ones: a melted or stacked
    table's first rows are its first column's or file's alone (every melted name 're74', none 're78')."""
    if len(rows) <= most:
        return rows
    return rows.iloc[np.linspace(0, len(rows) - 1, most).round().astype(int)]


def delimiters_of(values: pd.Series, share: float = 0.5) -> list[str]:
    """Delimiters most of these values hold: the usual single characters, runs of two or three
    punctuation characters (' (', ', ', ' - ') that recur in them, and short lower-case words between
    spaces that join two parts (' to ' of '25 to 34', ' and ', ' of ')."""
    texts = spread_rows(values.dropna().astype(str), STRING_SAMPLE)
    if not len(texts):
        return []
    found = [d for d in DELIMITERS if float(texts.str.contains(d, regex=False).mean()) >= share]
    counts: dict[str, int] = {}
    for text in texts.tolist():
        for run in set(_LITERAL.findall(text)):
            if 2 <= len(run) <= 3:
                counts[run] = counts.get(run, 0) + 1
    runs = sorted((r for r, n in counts.items() if n >= share * len(texts)), key=lambda r: -counts[r])
    words: dict[str, int] = {}
    for text in texts.tolist():
        for word in set(_WORD_DELIMITER.findall(text)):
            words[word] = words.get(word, 0) + 1
    joining = sorted((w for w, n in words.items() if n >= share * len(texts)), key=lambda w: -words[w])
    return found + runs[:RUN_DELIMITERS] + joining[:WORD_DELIMITERS]


BOUNDARY_LONGEST = 8  # characters, at most, of a delimiter found where the target's parts end
BOUNDARIES = 2  # such delimiters per column


def boundaries_of(values: pd.Series, target: pd.Series, share: float = 0.5) -> list[str]:
    """Delimiters no single character or word makes (' IN 19' of 'MARITAL STATUS IN 1971  1: Under 17'):
    texts that most of the column's values hold, starting at a space or punctuation, that no value of the
    target column holds, as a part cut at them cannot. Of texts found inside a longer one that starts
    earlier, the longer one's start is where the cut is; of those starting at one place, the shortest; and
    those leaving parts about as long as the target's values first."""
    texts = values.dropna().astype(str).head(200).tolist()
    wanted = "\n".join(target.dropna().astype(str).head(500).tolist())
    if len(texts) < 5 or not wanted:
        return []
    counts: dict[str, int] = {}
    for text in texts:
        grams = {text[i: i + width] for i, ch in enumerate(text) if not ch.isalnum()
                 for width in range(3, BOUNDARY_LONGEST + 1) if i + width <= len(text)}
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    absent = {g: n for g, n in counts.items() if n >= share * len(texts) and g.strip() and g not in wanted}
    kept = [g for g in absent if not any(h.find(g) > 0 and absent[h] >= 0.9 * absent[g] for h in absent)]
    kept = [g for g in kept if not any(h != g and g.startswith(h) for h in kept)]
    # the cuts that leave parts as long as the target's values first
    length = float(np.mean([len(v) for v in wanted.split("\n")]))

    def off(gram: str) -> float:
        cut = [(len(t.split(gram, 1)[0]), len(t.rsplit(gram, 1)[-1])) for t in texts if gram in t]
        return min(abs(float(np.mean([c[0] for c in cut])) - length), abs(float(np.mean([c[1] for c in cut])) - length))

    return sorted(kept, key=lambda g: (off(g), -absent[g]))[:BOUNDARIES]


def _embedded_numbers(profiles: Mapping[str, ColumnProfile], inputs: Sequence[Tab], glued: bool = False) -> set[str]:
    """Target integer columns whose values are parts of input strings ('2' of '2:Med', '1973' of a
    date): a split or slice may make them, whether or not they are a key. `glued`: digits next to
    letters count too (228 of the melted name 'wage228')."""
    texts = [" | ".join(map(str, tab.frame[c].dropna().astype(str).drop_duplicates().head(2000)))
             for tab in inputs for c in tab.columns if tab.profile(c).kind == "string"]
    if not texts:
        return set()
    found = set()
    for name, profile in profiles.items():
        if profile.kind != "number" or not profile.integral or profile.distinct > 200:
            continue
        sample = sorted(profile.values)[:20]
        # zero-padded in the text ('08' of 'KK-08'), as a CSV's numbers lose their leading zeros; years written
        # in full from their last two digits ('74' of re74)
        edge = "[^0-9]" if glued else "[^0-9A-Za-z]"
        tails = _year_tails(profile.values) if glued else {}
        # a year's last two digits right after a letter only (re74, not the minutes of 19:55)
        patterns = [re.compile(rf"(^|{edge})0*{re.escape(v)}({edge}|$)" + (rf"|[A-Za-z]{re.escape(v[-2:])}({edge}|$)"
                                                                           if tails else "")) for v in sample]
        if sample and any(sum(bool(p.search(text)) for p in patterns) >= 0.5 * len(sample) for text in texts):
            found.add(name)
    return found


def _few_values(values: pd.Series, most: int = 200) -> frozenset[str]:
    """The distinct values of a column as a profile reads them, for columns with at most `most` of them."""
    distinct = values.dropna().unique()
    if len(distinct) > most:
        return frozenset()
    return profile_column("values", pd.Series(distinct)).values


def _as_value(name: str) -> str:
    try:
        return number_text(float(name))
    except ValueError:
        return name.strip()


def _best(proposals: Sequence[Proposal], k: int = TOP_PARAMETERS) -> list[Proposal]:
    return sorted(proposals, key=lambda p: -p.probability)[:k]


_Ranked = TypeVar("_Ranked")


def _with_ties(ranked: Sequence[_Ranked], k: int, score: Callable[[_Ranked], float]) -> list[_Ranked]:
    """The first k (one at least) of options ranked best first, and those after as likely as the kth, at most
    TIED options in all: options the values cannot tell apart (a label of one flag or another alike) stay
    together, for the steps after to tell apart. Beyond TIED, the table's column order decides."""
    k = max(k, 1)
    tied = [x for x in ranked[k:] if score(ranked[k - 1]) - score(x) < 1e-9] if len(ranked) > k else []
    return [*ranked[:k], *tied][:max(k, TIED)]


TIED = 6  # options kept, at most, where those after the first k are as likely as the kth


def _joinable(profile: ColumnProfile) -> bool:
    return profile.kind in ("string", "bool") or (profile.kind == "number" and profile.integral)


LEVELS = 12  # fractional values, at most, of a column that holds a design's levels (doses, ratios 7.5 and 9)


def _levels(profile: ColumnProfile, rows: int) -> bool:
    """A fractional number column with a few values, each on several rows: the levels of a factor (a dose of
    0.5, a compression ratio of 7.5), which analysts group by as they would by a category."""
    return (profile.kind == "number" and not profile.integral
            and 1 < profile.distinct <= min(LEVELS, 0.25 * rows))


def _entity(profile: ColumnProfile, rows: int) -> bool:
    """A fractional number column of fine values, every one of which recurs: a measure of fine values never
    repeats so exactly, an attribute of what the rows are about does (a city's land area on each year's row).
    Coarse measures (a lab value to one decimal) repeat by chance."""
    return (profile.kind == "number" and not profile.integral and 1 < profile.distinct <= 0.5 * rows
            and _fine(profile) and profile.repeated >= ENTITY)


def _fine(profile: ColumnProfile) -> bool:
    """Whether most of a number column's values have more than two decimals: two such values are equal by
    chance rarely, those of a rate to one decimal often."""
    values = profile.distinct_numbers[:200]
    return bool(len(values)) and bool((np.abs(values * 100 - np.round(values * 100)) > 1e-6).mean() >= 0.5)


ENTITY = 0.95  # share of rows, at least, whose fractional value other rows repeat, of an entity's attribute
FRACTIONAL_KEY = 0.5  # share of one side's fractional values, at least, the other side holds exactly to join them
LOOKUP = 0.95  # uniqueness, at least, of a fractional key on one side of a join (a lookup of the other's)


def _groupable(profile: ColumnProfile, rows: int) -> bool:
    return _joinable(profile) or _levels(profile, rows) or _entity(profile, rows)


# ---- join --------------------------------------------------------------------------------------------


def measures_of(tab: Tab) -> frozenset[str]:
    """The columns of a table that hold measures computed over groups (`search._measures`), worked out when
    first asked: only a join's keys ask, so the search does not work them out for every table it makes."""
    found = tab.cache.get("measures")
    if callable(found):
        found = tab.cache["measures"] = found()
    return found or frozenset()


def _key_pairs(left: Tab, right: Tab) -> list[tuple[float, str, str, float, float]]:
    """(score, left column, right column, left containment, right uniqueness) for plausible join keys."""
    found = []
    measured = measures_of(left), measures_of(right)
    for a in left.columns:
        pa = left.profile(a)
        if not (_joinable(pa) or pa.kind == "number") or pa.distinct < 2 or a in measured[0]:
            continue  # a constant joins every row to every row; a count or a mean is no key
        for b in right.columns:
            pb = right.profile(b)
            if b in measured[1]:
                continue
            exact = _joinable(pa) and _joinable(pb)
            if pb.kind != pa.kind or pb.distinct < 2 or not (exact or (name_similarity(a, b) == 1.0 and _fine(pa)
                                                                        and _fine(pb))):
                continue  # fine fractional values join only under one name (a city's land area in two files)
            common = len(pa.values & pb.values)
            if common == 0 or (common < 2 and min(pa.distinct, pb.distinct) > 1):
                continue
            contained_left, contained_right = common / len(pa.values), common / len(pb.values)
            overlap = max(contained_left, contained_right)
            if not exact and (overlap < FRACTIONAL_KEY or max(pa.uniqueness, pb.uniqueness) < LOOKUP):
                continue  # a measure two files both hold shares some values: a key is one file's lookup
            keyness = max(pa.uniqueness, pb.uniqueness)
            # two samples of the same keys (hours, ids) share a small share of them, but many
            same_key = common >= 10 and min(pa.uniqueness, pb.uniqueness) > 0.9 and name_similarity(a, b) == 1.0
            if overlap < 0.2 and not same_key:
                continue
            overlap = max(overlap, 0.5) if same_key else overlap
            # a key unique on one side (a lookup) is how tables join; many-to-many joins are rare
            score = overlap * (0.2 + 0.8 * keyness**2) * (0.4 + 0.6 * name_similarity(a, b))
            found.append((score, a, b, contained_left, pb.uniqueness))
    found.sort(key=lambda x: -x[0])
    return found[:KEY_PAIRS]


def _tuples(frame: pd.DataFrame, columns: Sequence[str]) -> set[tuple[Any, ...]]:
    return set(map(tuple, frame[list(columns)].dropna().drop_duplicates().head(20000).astype(str).to_numpy().tolist()))


def propose_join(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    names = sorted(live)
    to_stack = stacked(live, ctx)
    crowd = stacked(live, ctx, STACKED_CROWD) if to_stack else frozenset()  # the second pass only where files are alike
    for x, y in combinations(names, 2):
        a, b = live[x], live[y]
        # files to be stacked, joined on some of their columns, give the others twice (`prestige_x`,
        # `prestige_y`), which the target rarely names as such (else they are kept apart): less likely than
        # pandas' default merge on every column (the rows both files hold), not ruled out (`score`, `score_prev`)
        both = x in to_stack and y in to_stack and set(a.columns) == set(b.columns)
        pairs = _key_pairs(a, b)
        keys: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = [(s, (left,), (right,)) for s, left, right, _, _ in pairs]
        # two-column keys from the best single pairs, when together they identify rows better
        for (s1, l1, r1, _, _), (s2, l2, r2, _, _) in combinations(pairs[:3], 2):
            if l1 == l2 or r1 == r2:
                continue
            left_tuples, right_tuples = _tuples(a.frame, [l1, l2]), _tuples(b.frame, [r1, r2])
            common = len(left_tuples & right_tuples)
            if not common:
                continue
            overlap = common / max(1, min(len(left_tuples), len(right_tuples)))
            unique = max(len(left_tuples) / max(1, len(a)), len(right_tuples) / max(1, len(b)))
            single_unique = max(a.profile(l1).uniqueness, b.profile(r1).uniqueness)
            if unique > single_unique + 0.05 and overlap > 0.3:
                keys.append((math.sqrt(s1 * s2) * overlap * (0.4 + 0.6 * unique), (l1, l2), (r1, r2)))
        # pandas' default: merge on every column the two tables share by name
        shared = tuple(c for c in a.columns if c in b.columns and a.profile(c).kind == b.profile(c).kind)
        if len(shared) > 1 and all(_joinable(a.profile(c)) for c in shared):
            left_tuples, right_tuples = _tuples(a.frame, shared), _tuples(b.frame, shared)
            common = len(left_tuples & right_tuples)
            if common:
                overlap = common / max(1, min(len(left_tuples), len(right_tuples)))
                unique = max(len(left_tuples) / max(1, len(a)), len(right_tuples) / max(1, len(b)))
                keys.append((overlap * (0.4 + 0.6 * unique), shared, shared))
        proposals = []
        if both and x in crowd:
            # three files alike or more: their joins on some columns, pair by pair, took the search's budget
            keys = [k for k in keys if len(k[1]) == len(a.columns)]
        elif both:
            keys = [(score * (1.0 if len(left) == len(a.columns) else STACKED_JOIN), left, right)
                    for score, left, right in keys]
        apart = 1.0 / PRIOR["join"] if _kept_apart(a, b, ctx) else 1.0
        proposals += [] if both else _double_lookups(x, y, a, b, pairs, ctx)
        for score, left_on, right_on in keys:
            score = min(1.0, score * apart)
            left_unique = _tuples_unique(a, left_on)
            right_unique = _tuples_unique(b, right_on)
            # the fact table (non-unique key) goes on the left, as in fact.merge(dimension)
            if left_unique > right_unique or (left_unique == right_unique and len(b) > len(a)):
                left, right, lk, rk = y, x, right_on, left_on
            else:
                left, right, lk, rk = x, y, left_on, right_on
            suffixes = _target_suffixes(live[left], live[right], lk, rk, ctx)
            for how, p_how in (("inner", 0.7), ("left", 0.45 if ctx.has_nulls else 0.3)):
                step = ops.Join(ctx.name(), left, right, lk, rk, how, suffixes)
                proposals.append(Proposal((step,), PRIOR["join"] * score * p_how, "join"))
        yield from _best(proposals, 2 * TOP_PARAMETERS)
    yield from _chain_joins(live, ctx)


def _target_suffixes(left: Tab, right: Tab, left_on: Sequence[str], right_on: Sequence[str],
                     ctx: Context) -> tuple[str, str]:
    """The suffixes a merge was given, as the target's names show them: a name both tables have comes out
    once as it is and once with an ending (`state` and `state_name` of `suffixes=('', '_name')`), or only
    with the ending the target keeps. The side whose column looks more like the target's takes it. pandas'
    own ('_x', '_y') where the target tells nothing."""
    same = {a for a, b in zip(left_on, right_on, strict=True) if a == b}  # merged into one column
    for column in (c for c in left.columns if c in right.columns and c not in same):
        text = str(column)
        endings = {str(t)[len(text):]: t for t in ctx.columns if str(t).startswith(text)}
        endings = {e: t for e, t in endings.items() if e == "" or (e[0] in "_.- " and len(e) > 1)}
        if not set(endings) - {"", *ops.SUFFIXES}:
            continue  # the target shows the name as it is, or pandas' own endings: pandas' own suffixes

        fits = {(side, e): similarity(ctx.profiles[t], tab.profile(column)) + SUFFIX_CONSTANT * _names_constant(e, tab)
                for side, tab in (("left", left), ("right", right)) for e, t in endings.items()}
        if len(endings) >= 2:
            pairs = [(a, b) for a in endings for b in endings if a != b]
            # pandas puts the left table's columns first: of equal fits, the ending the target shows first is the left's
            order = {e: ctx.columns.index(t) for e, t in endings.items()}
            return max(pairs, key=lambda p: (fits["left", p[0]] + fits["right", p[1]], order[p[1]] - order[p[0]]))
        (ending,) = endings
        if fits["left", ending] >= fits["right", ending]:
            return ending, ops.SUFFIXES[1] if ending != ops.SUFFIXES[1] else ops.SUFFIXES[0]
        return ops.SUFFIXES[0] if ending != ops.SUFFIXES[0] else ops.SUFFIXES[1], ending
    return ops.SUFFIXES


SUFFIX_CONSTANT = 1.0  # a suffix naming a table's one value of a column ('_72' of the 1972 file) decides its side


def _names_constant(ending: str, tab: Tab) -> bool:
    """Whether a merge suffix spells the one value a column of the table holds (`_72` of a file whose `year`
    is 72 throughout, `_f` of one whose `sex` is 'f'): per-period and per-group files say which they are."""
    word = ending.strip("_.- ").lower()
    if not word:
        return False
    for column in tab.columns:
        profile = tab.profile(column)
        if profile.distinct == 1 and profile.nulls == 0:
            (value,) = profile.values
            if value.lower() == word or (len(word) >= 2 and value.lower().endswith(word) and value[:-len(word)].isdigit()):
                return True
    return False


def _double_lookups(x: str, y: str, a: Tab, b: Tab, pairs: Sequence[tuple[float, str, str, float, float]],
                    ctx: Context) -> list[Proposal]:
    """A lookup joined twice to a fact table through two of its columns (airports as origin and as
    destination): two joins of one table, which the beam (a table is used once) cannot reach step by step."""
    found = []
    for fact, lookup, fact_tab, lookup_tab, flipped in ((x, y, a, b, False), (y, x, b, a, True)):
        by_key: dict[str, list[tuple[float, str]]] = {}
        for score, left, right, _, _ in pairs:
            fact_column, lookup_column = (right, left) if flipped else (left, right)
            if lookup_tab.profile(lookup_column).uniqueness >= 0.98 and fact_tab.profile(fact_column).uniqueness < 0.9:
                by_key.setdefault(lookup_column, []).append((score, fact_column))
        for key, uses in by_key.items():
            if len(uses) < 2:
                continue
            (s1, first), (s2, second) = sorted(uses, key=lambda u: -u[0])[:2]
            one = ops.Join(ctx.name(), fact, lookup, (first,), (key,), "inner")
            two = ops.Join(ctx.name(), one.out, lookup, (second,), (key,), "inner")
            found.append(Proposal((one, two), PRIOR["join"] ** 2 * math.sqrt(s1 * s2) * 0.7, "join"))
    return found


CHAIN = 3  # tables, at least, that one chain of joins on their shared key columns joins at once


def _chain_joins(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    """Three or more tables with the same key columns (one measure per table: life expectancy, population,
    GDP per country and year) joined on them in one go. Stacked they would make one column of three
    measures; the beam, one join at a time, would spend its width on the pairs."""
    names = sorted(live)
    if len(names) < CHAIN:
        return
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in names:
        for other in names:
            if other <= name:
                continue
            shared = tuple(c for c in live[name].columns if c in live[other].columns
                           and _joinable(live[name].profile(c)))
            if shared and set(live[name].columns) != set(live[other].columns):
                groups.setdefault(shared, [])
                for member in (name, other):
                    if member not in groups[shared]:
                        groups[shared].append(member)
    for shared, members in groups.items():
        members = [m for m in members if all(c in live[m].columns for c in shared)]
        if len(members) < CHAIN:
            continue
        overlap = min(
            len(_tuples(live[members[0]].frame, shared) & _tuples(live[m].frame, shared))
            / max(1, min(len(_tuples(live[members[0]].frame, shared)), len(_tuples(live[m].frame, shared))))
            for m in members[1:]
        )
        if overlap < 0.5:
            continue
        steps: list[ops.Step] = []
        current = members[0]
        for member in members[1:]:
            step = ops.Join(ctx.name(), current, member, shared, shared, "inner")
            steps.append(step)
            current = step.out
        yield Proposal(tuple(steps), PRIOR["join"] ** (len(steps) - 1) * overlap * 0.7, "join")


def _tuples_unique(tab: Tab, columns: Sequence[str]) -> float:
    if len(columns) == 1:
        return tab.profile(columns[0]).uniqueness
    return len(_tuples(tab.frame, columns)) / max(1, len(tab))


# ---- union -------------------------------------------------------------------------------------------


def propose_union(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    groups: dict[frozenset[str], list[str]] = {}
    for name in sorted(live):
        groups.setdefault(frozenset(live[name].columns), []).append(name)
    for members in groups.values():
        if len(members) >= 2:
            # a target that keeps the tables' measure apart (temp_seattle, temp_sf) joined them instead
            apart = KEPT_APART if _kept_apart(live[members[0]], live[members[1]], ctx) else 1.0
            yield Proposal((ops.Union(ctx.name(), tuple(members)),), PRIOR["union"] * apart, "union")
    yield from _shared_unions(live, ctx)


SHARED_UNION = 0.5  # a union of the columns two files share, next to one of files with the same columns


def _files_as_read(live: Mapping[str, Tab], ctx: Context) -> list[str]:
    """The live tables that are input files as read (not a table made with a file's columns), by name."""
    return [name for name in sorted(live) if ctx.input_columns.get(name) == frozenset(map(str, live[name].columns))]


def _shared_unions(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    """Two input files with columns of their own stacked on the columns they share (`pd.concat([chemical,
    telecom])[['rd', 'sales']]`): where the columns both have map as many target columns as each file does."""
    files = _files_as_read(live, ctx)
    for k, a in enumerate(files):
        for b in files[k + 1:]:
            one, two = live[a], live[b]
            if set(one.columns) == set(two.columns):
                continue
            shared = tuple(c for c in one.columns if c in set(two.columns))
            if len(shared) < 2:
                continue
            key = (one.fingerprint, two.fingerprint)
            if key not in ctx.shared_maps:
                ctx.shared_maps[key] = all(
                    ctx.mapping(tab).pairs and len(ctx.mapping(Tab(tab.frame[list(shared)])).pairs) >= len(ctx.mapping(tab).pairs)
                    for tab in (one, two))
            if not ctx.shared_maps[key]:
                continue
            apart = KEPT_APART if _kept_apart(one, two, ctx) else 1.0
            yield Proposal((ops.Union(ctx.name(), (a, b), shared),), PRIOR["union"] * SHARED_UNION * apart, "union")


KEPT_APART = 0.3  # a union's chance where the target names a shared column once per table
STACKED_JOIN = 0.3  # a join's chance, on some of their columns, of two files to be stacked (`stacked`)
STACKED_CROWD = 3  # files alike, at least, whose joins on some columns are left out, and other steps one by one


def stacked(live: Mapping[str, Tab], ctx: Context, least: int = 2) -> frozenset[str]:
    """Input files as read with the columns of another, to be stacked rather than kept apart (yearly files).
    A row-wise step of one of them alone (a split of one file's dates, a fill of its gaps) is the same step
    taken once after the union: made file by file, those steps took most of the search's budget (a hundred
    states at the first depth for four files) and the union's own steps went unexplored. A group-by of one
    file is not (each month's totals side by side, this year's beside last year's): other operators pass by
    only files of `least` or more alike (three survey years, four yearly files), rarely set side by side."""
    groups: dict[frozenset[str], list[str]] = {}
    for name in sorted(live):
        columns = frozenset(str(c) for c in live[name].columns)
        if ctx.input_columns.get(name) == columns:  # files as read, not a table made with a file's columns
            groups.setdefault(columns, []).append(name)
    found: set[str] = set()
    for members in groups.values():
        if len(members) < least or _kept_apart(live[members[0]], live[members[1]], ctx):
            continue
        if _other_files_sides(members[0], live[members[0]], ctx):
            continue  # each file aggregated for the target columns of its merge suffix (`wage_imp1`, `wage_imp2`)
        found.update(members)
    return frozenset(found)


def _kept_apart(a: Tab, b: Tab, ctx: Context) -> bool:
    """The target has a column both tables share under two names or more that add a part to it
    (temp_seattle and temp_sf for temp, as `merge(..., suffixes=...)` names them), and not the column
    itself: the tables were joined side by side, not stacked."""
    for column in set(a.columns) & set(b.columns):
        if column in ctx.columns:
            continue
        named = [t for t in ctx.columns if t.startswith(f"{column}_") or t.endswith(f"_{column}")]
        if len(named) >= 2:
            return True
    return False


# ---- group-by ----------------------------------------------------------------------------------------


def _hand_groupings(tab: Tab, ctx: Context) -> tuple[dict[tuple[str, ...], float], list[tuple[float, str]]]:
    """The hand-set scores of the target's keys mapped onto this table, and of its single columns that
    look like group keys (low-cardinality columns of key-like types), best first."""
    rows = len(tab)
    found: dict[tuple[str, ...], float] = {}
    mapping = ctx.mapping(tab)
    for key in ctx.constraints.keys:
        if all(k in mapping.pairs for k in key):
            by = tuple(mapping.pairs[k] for k in key)
            if all(_joinable(tab.profile(c)) or tab.profile(c).kind == "number" for c in by):
                weight = 0.95 if key == ctx.constraints.primary else 0.8
                found[by] = max(found.get(by, 0.0), weight * float(np.mean([mapping.scores[k] for k in key])) ** 0.5)
    singles = []
    for column in tab.columns:
        profile = tab.profile(column)
        if not _groupable(profile, rows) or not 1 < profile.distinct <= max(2, 0.5 * rows):
            continue
        if profile.kind == "number" and (profile.distinct > 30 or not (profile.integral or _levels(profile, rows))):
            continue  # a numeric column with many or fractional values is a measure, not a group
        score = 0.55 * (1.0 - profile.distinct / max(rows, 1)) ** 2 * (0.8 if profile.kind == "number" else 1.0)
        singles.append((score, column))
    singles.sort(key=lambda x: -x[0])
    return found, singles


def _hand_ranked(found: Mapping[tuple[str, ...], float], singles: Sequence[tuple[float, str]]
                 ) -> dict[tuple[str, ...], float]:
    """The groupings the hand-set rule ranks: the target's keys, the best two or three single columns
    (fewer with the target's key found here: guesses from cardinality alone matter less) and pairs of
    them."""
    ranked = dict(found)
    top = 2 if found else 3
    for score, column in singles[:top]:
        ranked.setdefault((column,), score)
    for (s1, c1), (s2, c2) in list(combinations(singles[:top], 2))[: top - 1]:
        ranked.setdefault((c1, c2), 0.6 * s1 * s2)
    return ranked


GROUP_POOL = 12  # single columns the learned group-key predictor scores per table
GROUP_PAIRS = 6  # of which the first this many are also paired


def grouping_pool(tab: Tab, ctx: Context) -> list[tuple[tuple[str, ...], list[float]]]:
    """Every grouping the learned group-key predictor scores on this table, with its features
    (groupkey_features.py): the hand-set rule's, and single columns of key-like types up to half the
    table's rows (or named like a target column), the first of them paired."""
    found, singles = _hand_groupings(tab, ctx)
    ranked = _hand_ranked(found, singles)
    hand_top = {by for _, by in sorted(((s, by) for by, s in ranked.items()), key=lambda x: -x[0])[:3]}
    hand_single = {column: score for score, column in singles}
    named = {name_key(c) for c in ctx.columns}
    rows = len(tab)
    broad = []
    for column in tab.columns:
        profile = tab.profile(column)
        if not _groupable(profile, rows) or profile.distinct <= 1:
            continue
        is_named = name_key(column) in named
        if profile.distinct > max(2, (0.95 if is_named else 0.5) * rows):
            continue
        broad.append((is_named, hand_single.get(column, 0.0), -profile.distinct, column))
    broad.sort(reverse=True)
    columns = [c for *_, c in broad[:GROUP_POOL]]
    options: dict[tuple[str, ...], float] = dict(ranked)
    for column in columns:
        options.setdefault((column,), hand_single.get(column, 0.0))
    for c1, c2 in combinations(columns[:GROUP_PAIRS], 2):
        options.setdefault((c1, c2), 0.0)
    # one grouping in another column order makes the same groups: keep it once (the target's order first)
    distinct: dict[frozenset[str], tuple[tuple[str, ...], float]] = {}
    for by, score in options.items():
        distinct.setdefault(frozenset(by), (by, score))
    options = dict(distinct.values())
    mapping = ctx.mapping(tab)
    target = ctx.target.frame
    pool = []
    for by, hand in options.items():
        if len(by) >= len(tab.columns):
            continue  # nothing left to aggregate
        groups, kept = group_codes(tab.frame, by, tab.cache)
        if groups == 0:
            continue
        profiles = {c: tab.profile(c) for c in by}
        pool.append((by, grouping_features(by, profiles, rows, groups, hand, by in hand_top, target,
                                           ctx.constraints.keys, ctx.constraints.primary, mapping.pairs,
                                           mapping.scores)))
    return pool


def groupkey_model() -> ShippedModel | None:
    """The learned group-key predictor the package ships, if any (models/groupkey.json)."""
    return shipped("groupkey", GROUPKEY_FEATURES)


def _group_candidates(tab: Tab, ctx: Context) -> list[tuple[float, tuple[str, ...]]]:
    """Likely group-by keys, best three: by the learned group-key predictor where the package ships one,
    else the target's keys mapped onto this table first, then low-cardinality columns of key-like types."""
    cached = tab.cache.get("groupings")
    if cached is not None:
        return cached
    model = groupkey_model()
    if model is not None:
        scored = [(model.probability(features), by) for by, features in grouping_pool(tab, ctx)]
        floor = float(model.meta.get("floor", 0.0))
        best = sorted((x for x in scored if x[0] >= floor), key=lambda x: -x[0])[:3]
    else:
        ranked = _hand_ranked(*_hand_groupings(tab, ctx))
        best = sorted(((s, by) for by, s in ranked.items()), key=lambda x: -x[0])[:3]
    tab.cache["groupings"] = best
    return best


def _with_constant_keys(groupings: list[tuple[float, tuple[str, ...]]], tab: Tab,
                        ctx: Context) -> list[tuple[float, tuple[str, ...]]]:
    """Groupings with the target's key columns that are constant here added: a contiguous split can leave one
    value of a group key in the half searched (a table sorted by `train` holds the untrained men first). Here
    grouping by it changes no group, and no key predictor offers a column of one value; but an aggregate of it
    (its mean, under its name) is that one value here and a blend of the values elsewhere. Only a column the
    target has by name, whose values repeat there as a key's do, with this half's value among them
    (`groupby(['train', 'year'])`, not `train=('train', 'mean')`)."""
    keyed = {t for key in ctx.constraints.keys for t in key}
    constant = []
    for column in tab.columns:
        if column not in ctx.profiles:
            continue
        if one_of(ctx.profiles[column], tab.profile(column), key=column in keyed):
            constant.append(column)
    if not constant:
        return groupings
    order = {t: k for k, t in enumerate(ctx.columns)}
    widened: dict[tuple[str, ...], float] = {}
    for score, by in groupings:
        key = tuple(sorted({*by, *constant}, key=lambda c: order.get(c, len(order))))
        widened[key] = max(widened.get(key, 0.0), score)
    return [(score, by) for by, score in widened.items()]


AGG_PRIOR = {"mean": 1.0, "sum": 0.95, "count": 0.85, "max": 0.8, "min": 0.8, "nunique": 0.7, "size": 0.6,
             "median": 0.45, "first": 0.35, "std": 0.35, "last": 0.2}


def _unnamed_functions(aggs: Sequence[tuple[str, str, str]]) -> float:
    """One column aggregated two ways (`lo=('temp', 'min'), hi=('temp', 'max')`) names the functions in
    its outputs; outputs that do not (`temp_seattle`, `temp_sf` from one `temp`) came from two columns. A count
    of rows is of any column without gaps (the candidates list it once, under one of them): no use of its column."""
    by_column: dict[str, list[tuple[str, str]]] = {}
    for out, column, func in aggs:
        if func not in ("count", "size"):
            by_column.setdefault(column, []).append((out, func))
    factor = 1.0
    for uses in by_column.values():
        if len({func for _, func in uses}) > 1 and not all(
            name_tokens(out) & set(AGG_WORDS.get(func, ())) for out, func in uses
        ):
            factor *= MIXED
    return factor


def _numbered_cells(aggs: Sequence[tuple[str, str, str]]) -> float:
    """Outputs named as whole numbers ('0' and '1', a 0/1 column's values) are the cells of one column spread
    by one function (`.unstack()`): aggregates of several columns or functions under such names are not. Not
    columns aggregated under their own names (the years of a wide table summed per region)."""
    return MIXED ** max(0, len({(column, func) for out, column, func in aggs if out.strip().isdigit() and out != column}) - 1)


def _agg_bonus(target: str, column: str, func: str) -> float:
    """Names that say which column and function made a target column: 'mean_x' from X with mean."""
    tokens, own = name_tokens(target), name_tokens(column)
    bonus = 0.1 if tokens & set(AGG_WORDS.get(func, ())) else 0.0
    if target == column or names_column(tokens, own):
        bonus += 0.15
    return bonus


@dataclass(frozen=True)
class _Aggregate:
    column: str
    func: str
    profile: ColumnProfile
    key: int  # a hash of the values, group by group
    values: pd.Series  # group by group, in the order of the groups
    step: ops.Split | None = None  # the step that derives `column` first, if the table lacks it
    same: frozenset[str] = frozenset()  # other functions giving the same values of this column on these groups


def _blend(aggregate: _Aggregate, tab: Tab, groups: int,
           seen: dict[str, BlendBasis]) -> Blend | None:
    """How `aggregate` blends its column (`mapping.blended_away`), if it is a mean or sum of one of the table's."""
    if aggregate.func not in BLENDING or aggregate.step is not None or aggregate.column not in tab.columns:
        return None
    if aggregate.column not in seen:
        column = tab.frame[aggregate.column]
        seen[aggregate.column] = blend_basis(column)
    values, unit, digits = seen[aggregate.column]
    return None if values is None else Blend(aggregate.func, values, len(tab.frame) / max(groups, 1), unit, digits)


def _flags(tab: Tab, column: str) -> bool:
    """Whether a column holds only 0s and 1s, or True and False (both)."""
    if column not in tab.columns:
        return False
    if pd.api.types.is_bool_dtype(tab.frame[column].dtype):
        return tab.frame[column].nunique() == 2
    if tab.profile(column).kind != "number":
        return False
    return set(tab.profile(column).distinct_numbers.tolist()) == {0.0, 1.0}


def _aggregate_candidates(grouped: Any, tab: Tab, by: Sequence[str], wanted: Sequence[str],
                          profiles: Mapping[str, ColumnProfile]) -> list[_Aggregate]:
    """Every (column, function) the wanted target columns could come from, computed on the groups. Two
    that give the same values are one candidate (counts of gap-free columns, a max of a constant), so
    that two target columns cannot both take it: the first by name likeness and prior stays."""
    columns = [c for c in tab.columns if c not in by]
    kinds = {profiles[t].kind for t in wanted}
    # digit strings ('01') profile as numbers, but pandas would concatenate them for a sum: arithmetic
    # aggregates read numeric dtypes only
    numbers = [c for c in columns if tab.profile(c).kind == "number"]
    arithmetic = [c for c in numbers if pd.api.types.is_numeric_dtype(tab.frame[c].dtype)]
    texts = [c for c in columns if tab.profile(c).kind in ("string", "bool")]
    # True/False columns are summed (the contested seats) and averaged (their share) as 0/1 flags are
    flags = [c for c in texts if pd.api.types.is_bool_dtype(tab.frame[c].dtype) and _flags(tab, c)]
    plan: dict[str, list[str]] = {}
    # on wide tables the rarer functions are tried on columns the target's names point at only
    crowded = len(numbers) > CROWDED
    named = {c for c in columns if any(_agg_bonus(t, c, "") for t in wanted)}
    if "number" in kinds or "bool" in kinds:
        for func in NUMERIC_AGGS:
            if func == "count":
                plan[func] = [*numbers, *texts]
            elif func == "nunique":
                # distinct values of fractional columns too, where a target's name spells it
                plan[func] = [*(c for c in numbers if tab.profile(c).integral
                                or any(spells(t, c, func) for t in wanted)), *texts]
            elif crowded and func not in COMMON_AGGS:
                plan[func] = [c for c in arithmetic if c in named]
            elif func in ("sum", "mean"):
                plan[func] = [*arithmetic, *flags]
            elif func == "median":
                plan[func] = list(arithmetic)
            else:
                plan[func] = list(numbers)
    if kinds & {"string", "bool"}:
        for func in ("first", "min", "max"):
            plan[func] = [*plan.get(func, []), *texts]
    found: list[_Aggregate] = []
    for func, cols in plan.items():
        if not cols:
            continue
        try:
            table = grouped[cols].agg(func)
        except (TypeError, ValueError):
            continue
        for column in cols:
            values = table[column]
            found.append(_Aggregate(column, func, profile_column(column, values), _values_key(values), values))
    if any(profiles[t].kind == "number" and profiles[t].integral for t in wanted):
        found += _derived_counts(grouped, tab, by, texts)
    order = {c: i for i, c in enumerate(columns)}
    # of two functions with the same values on these groups (a median and a mean of four periods), the one
    # a target's name says ('median_period') stays: on the other half's groups their values part
    said = {(c, func) for c in named for func in AGG_WORDS for t in wanted if _agg_bonus(t, c, func) > 0.15}
    found.sort(key=lambda a: (a.column not in named, (a.column, a.func) not in said, a.step is not None,
                              -AGG_PRIOR.get(a.func, 0.3), order.get(a.column, len(order))))
    # `groupby(k).count()` names each count after its column: the same counts under several target
    # columns, each named after one input column, stay apart
    wanted_names = {name_key(t) for t in wanted}
    unique: dict[object, _Aggregate] = {}
    for aggregate in found:
        own = name_key(aggregate.column) if name_key(aggregate.column) in wanted_names else None
        kept = unique.setdefault((aggregate.key, own), aggregate)
        if kept is not aggregate and kept.column == aggregate.column and kept.step is None and aggregate.step is None:
            # (a column of 0s: its sum is its mean and its max) one function for all columns may be any of them
            unique[(aggregate.key, own)] = replace(kept, same=kept.same | {aggregate.func})
    return list(unique.values())


def _group_positions(grouped: Any, tab: Tab, by: Sequence[str], ctx: Context) -> np.ndarray | None:
    """For each group, the target row with the same key (or -1), when the target's primary key maps
    onto the grouping columns; else None."""
    key = ctx.aligner.key
    pairs = ctx.mapping(tab).pairs
    if not key or any(pairs.get(k) not in by for k in key):
        return None
    groups = grouped.size().index.to_frame(index=False)
    groups.columns = list(by)
    return ctx.aligner.positions(row_keys(groups, [pairs[k] for k in key]))


def _agreements(target: str, candidates: Sequence[_Aggregate], positions: np.ndarray | None,
                ctx: Context) -> tuple[list[float], list[float | None]]:
    """A factor per candidate from how well it agrees group by group with the target's column, when the
    target has the same groups: 1 for the best agreeing candidate, down to 0.5 for one that does not
    agree at all. Relative, so that groupings the target's key does not reach lose nothing by it. And
    the agreement itself (None where it tells nothing)."""
    if positions is None or target not in ctx.target.frame.columns:
        return [1.0] * len(candidates), [None] * len(candidates)
    found = [ctx.aligner.agreement(target, a.values, positions) for a in candidates]
    best = max((a for a in found if a is not None), default=None)
    if not best:
        return [1.0] * len(candidates), found
    return [0.75 if a is None else 0.5 + 0.5 * a / best for a in found], found


def _derived_counts(grouped: Any, tab: Tab, by: Sequence[str], texts: Sequence[str]) -> list[_Aggregate]:
    """Distinct counts of a part of a string column per group (makes, the first word of car names): a
    column derived only to be counted never shows in the target."""
    found = []
    keys = [tab.frame[c] for c in by]
    for column in texts:
        profile = tab.profile(column)
        if profile.kind != "string" or profile.uniqueness < 0.2:
            continue
        sample = pd.Series(list(profile._distinct_values[:STRING_SAMPLE])).astype(str)
        for delimiter in DELIMITERS[:6]:
            if float(sample.str.contains(delimiter, regex=False).mean()) < 0.8:
                continue
            for part in (0, -1):
                step = ops.Split("", "", f"{column}_{'first' if part == 0 else 'last'}", column, delimiter, part)
                if step.target in tab.columns:
                    continue
                parts = step.function()(tab.frame[column])
                if parts.nunique() >= 0.8 * profile.distinct:
                    continue  # the part tells the values apart about as well as the whole
                values = parts.groupby(keys, sort=True, dropna=True).nunique()
                found.append(_Aggregate(step.target, "nunique", profile_column(step.target, values),
                                        _values_key(values), values, step))
    return found


def _values_key(values: pd.Series) -> int:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return hash(np.round(values.to_numpy(dtype=float, na_value=np.nan), 9).tobytes())
    return hash(tuple(map(str, values.tolist())))


SPELLED = 1e-3  # what an aggregate its name spells scores above the best other fit for that column
KINDS = 0.02  # what a count of kinds its name asks for ('treatments') scores above the best other function
COUNT_TOTAL = 0.1  # share of a count's total (and 2 rows) the target column's total may lie from it


def _measure_named(target: str, ctx: Context) -> bool:
    """Whether a target column is named as a measure's function alone (`max`), as pandas names `['mpg'].agg(['mean',
    'max'])`, and no input has a column of that name (its own `mean`)."""
    return target in MEASURE_NAMES and target not in ctx.given


def _counted_totals(scores: np.ndarray, candidates: Sequence[_Aggregate], wanted: Sequence[str], ctx: Context,
                    profiles: Mapping[str, ColumnProfile]) -> None:
    """A count of rows per group is as likely as a column it was made for, where the target column sums to
    as many rows as the count does here and no count fits it by its values. The halves of a contiguous split
    hold as many rows, so the groups' counts differ between them (runs per compression ratio: 14, 9, 3 here
    and 8, 8, 11 there) and no value maps, but their totals agree; a sum of a 0/1 flag or a count of fewer
    rows does not reach the total."""
    counts = [j for j, a in enumerate(candidates) if a.func in ("count", "size") and a.step is None]
    for i, target in enumerate(wanted):
        if profiles.get(target) is not ctx.profiles.get(target):
            continue  # the parts of a melt or a pivot's cells: no column of the target to sum
        total = _count_total(ctx, [target])
        if total is None or any(scores[i, j] >= EXPLAINED for j in counts):
            continue  # a count fits by its values already: the totals add nothing
        # of the counts that agree (of columns with a few gaps or none), the one that fits best; unless another
        # aggregate of whole numbers reaches the total too (a sum of a column of about one per row, distinct
        # ids that hardly repeat): then the total tells nothing
        agree = [j for j in counts if _totals_agree(total, float(candidates[j].values.sum()))]
        rivals = [j for j, a in enumerate(candidates) if j not in counts and a.step is None and _whole(a.values)
                  and _totals_agree(total, float(a.values.sum()))]
        if agree and not rivals:
            best = max(agree, key=lambda j: scores[i, j])
            scores[i, best] = EXPLAINED


NEVER_ZERO = 0.5  # what is left of the likeness of a count of rows for a target column that holds 0s


def _has_zeros(ctx: Context, target: str) -> bool:
    """Whether a target column holds the number 0."""
    if target not in ctx.target.frame.columns or ctx.profiles[target].kind != "number":
        return False
    return bool((pd.to_numeric(ctx.target.frame[target], errors="coerce") == 0).any())


COUNTED_OTHERWISE = 0.5  # what is left of the likeness of a count of other rows than the target's means average


def _counts_of_means(scores: np.ndarray, candidates: Sequence[_Aggregate], wanted: Sequence[str], grouped: Any,
                     ctx: Context, profiles: Mapping[str, ColumnProfile], floor: float) -> None:
    """A target count over the rows a target mean averages (`constraints.Counted`) counts the values of the mean's
    column: flights with a departure delay beside their mean delay, not every flight, nor distinct flight numbers.
    The count of the column the best-fitting mean is of is chosen before any other count or distinct count."""
    if not candidates:
        return
    averaged = [j for j, a in enumerate(candidates) if a.func == "mean" and a.step is None]
    for relation in ctx.constraints.counted:
        if not averaged or any(t not in wanted or profiles.get(t) is not ctx.profiles.get(t)
                               for t in (relation.count, relation.mean)):
            continue
        i, k = list(wanted).index(relation.count), list(wanted).index(relation.mean)
        best = max(averaged, key=lambda j: scores[k, j])
        source = candidates[best].column
        if scores[k, best] < floor or source not in grouped.obj.columns:
            continue
        counted = grouped[source].count().to_numpy(dtype=float)
        most = float(scores[i].max())
        for j, a in enumerate(candidates):
            if a.func not in ("count", "size", "nunique") or a.step is not None:
                continue
            if len(a.values) == len(counted) and bool(np.array_equal(a.values.to_numpy(dtype=float), counted)):
                scores[i, j] = max(float(scores[i, j]), floor, min(1.0, most + SPELLED))
            else:
                scores[i, j] *= COUNTED_OTHERWISE  # other rows counted (every flight, distinct numbers)


def _count_total(ctx: Context, columns: Sequence[str]) -> float | None:
    """What these target columns sum to, where they hold whole numbers of at least 0 and could be counts
    (None else)."""
    if not columns or any(t not in ctx.target.frame.columns for t in columns):
        return None
    values = pd.concat([ctx.target.frame[t] for t in columns], ignore_index=True)
    if not _whole(values):
        return None
    values = values.dropna()
    if len(values) < 2 or bool((values < 0).any()):
        return None
    return float(values.sum())


def _whole(values: pd.Series) -> bool:
    """Whether an aggregate's values are numbers, all whole (as a count's are)."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return False
    finite = values.dropna()
    return len(finite) > 0 and bool((finite == finite.round()).all())


def _totals_agree(target: float, here: float) -> bool:
    return here > 0 and abs(target - here) <= COUNT_TOTAL * here + 2


def choose_aggregates(
    grouped: Any, tab: Tab, by: Sequence[str], wanted: Sequence[str], ctx: Context,
    profiles: Mapping[str, ColumnProfile] | None = None,
) -> list[tuple[list[tuple[str, str, str]], list[float], tuple[ops.Split, ...]]]:
    """Named aggregations of this table whose results match the wanted target columns: the best
    one-to-one assignment of (column, function) pairs, the runners-up where a column's best and second
    best fit about alike (sum and mean, max and mean often do), and the best with one function for all
    columns (as `groupby(...)[cols].mean()` gives). Each comes with its match scores. `profiles` are
    what the wanted columns should look like (the target's columns by default)."""
    profiles = profiles or ctx.profiles
    key = (tab.fingerprint, tuple(by), tuple(wanted), id(profiles.get(CELLS)), tuple(id(profiles.get(t)) for t in wanted))
    found = ctx.aggregates.get(key)
    if found is None:
        found = ctx.aggregates[key] = _choose_aggregates(grouped, tab, by, wanted, ctx, profiles)
    return found


def pair_scores(candidates: Sequence[_Aggregate], wanted: Sequence[str], tab: Tab, groups: int,
                positions: np.ndarray | None, ctx: Context, profiles: Mapping[str, ColumnProfile],
                with_features: bool = False) -> tuple[np.ndarray, list[list[list[float]]]]:
    """The hand-set score of each (wanted target column, candidate aggregate) pair, and, when asked, the
    features the learned predictor reads (aggregate_features.py)."""
    scores = np.zeros((len(wanted), len(candidates)))
    features: list[list[list[float]]] = []
    for i, target in enumerate(wanted):
        tprofile = profiles[target]
        agreements, raw = _agreements(target, candidates, positions, ctx)
        row = []
        for j, aggregate in enumerate(candidates):
            value_fit = similarity(tprofile, aggregate.profile, ctx.given, aggregate.func == "median")
            fit = value_fit
            if fit >= 0.3:
                fit = min(1.0, fit + _agg_bonus(target, aggregate.column, aggregate.func))
            fit *= agreements[j]
            if target in AGG_PRIOR and aggregate.func != target:
                fit *= 0.5  # a column named 'mean' or 'max' is what `.agg(['mean', 'max'])` names
            scores[i, j] = fit * AGG_PRIOR.get(aggregate.func, 0.3) ** 0.5
            source = tab.profile(aggregate.column) if aggregate.column in tab.columns else aggregate.profile
            if aggregate.step is not None:
                scores[i, j] *= 0.9  # the split it needs costs its prior in the proposal
            elif aggregate.func in ("count", "size") and source.nulls:
                scores[i, j] *= 0.85  # counting rows is done on a column without gaps
            elif aggregate.func == "nunique" and source.kind == "number" and not source.integral:
                scores[i, j] *= 0.7  # distinct values are counted of ids and categories, not of measures
            elif aggregate.func == "nunique" and source.uniqueness > 0.95:
                scores[i, j] *= 0.85  # distinct values of a column that hardly repeats are a count of rows
            if (aggregate.step is None and aggregate.column in tab.columns
                    and pd.api.types.is_bool_dtype(tab.frame[aggregate.column].dtype)
                    and (domain := domain_of(tab.frame[aggregate.column], aggregate.func)) is not None
                    and beyond(tprofile, domain)):
                scores[i, j] = 0.0  # a share of True/False is no count of 2
            if with_features:
                row.append(pair_features(target, tprofile, aggregate.column, aggregate.func, aggregate.profile,
                                         source, value_fit, raw[j], float(scores[i, j]), groups,
                                         aggregate.step is not None))
        features.append(row)
    return scores, features


# an assignment: (output name, column, function) triples, their probabilities, their sum, the splits they
# need, and the (target column, candidate) pairs chosen
_Option = tuple[list[tuple[str, str, str]], list[float], float, tuple[ops.Split, ...], list[tuple[int, int]]]


# How often pipelines aggregate with each function, against how often the generator that made the model's
# training data does (a prior shift: the model learned the generator's shares). Written: the development
# part's 673 hand-written pipelines (benchmarks/synthesis/function_shares.py counts them; no test or val case);
# generated: `generate.FUNCS`, the shares its group-bys draw.
WRITTEN_SHARES = {"mean": 0.420, "sum": 0.166, "count": 0.189, "max": 0.087, "min": 0.039, "median": 0.077,
                  "nunique": 0.022}
SHARES_WEIGHT = 0.5  # the log ratio, softened as the hand-set prior is (`AGG_PRIOR ** 0.5`)
GENERATED_SHARES = {"mean": 0.30, "sum": 0.20, "count": 0.15, "max": 0.12, "min": 0.10, "median": 0.05, "nunique": 0.08}


def _as_often_as_written(scores: np.ndarray, func: str, floor: float) -> np.ndarray:
    """The model's probabilities for one function, its odds moved by how much more (or less) often pipelines
    use it than the generator did. Over the floor they stay over it: a rarer function that fits is still
    proposed, after a common one that fits as well (a month's mean temperature, not its minimum). A common
    function's odds rise, so one just under the floor may cross it (a mean at 0.30 is 0.38)."""
    if func not in WRITTEN_SHARES:
        return scores
    shift = SHARES_WEIGHT * math.log(WRITTEN_SHARES[func] / GENERATED_SHARES[func])
    clipped = np.clip(scores, 1e-6, 1 - 1e-6)
    moved = 1.0 / (1.0 + np.exp(-(np.log(clipped / (1 - clipped)) + shift)))
    return np.where(scores >= floor, np.maximum(moved, floor), moved)


def aggregate_model() -> ShippedModel | None:
    """The learned aggregate predictor the package ships, if any (models/aggregate.json)."""
    return shipped("aggregate", AGGREGATE_FEATURES)


CLOSE_GROUPS = 0.95  # closeness on the groups both halves hold that says an aggregate is the target's column
CLOSE_MARGIN = 0.1  # how much less close an aggregate the target's name spells is then no longer taken for it
SIZED = frozenset({"sum", "count", "size", "nunique"})  # aggregates that grow with a group's rows, which halves differ in


def _named_alone(target: str, column: str, columns: Iterable[object], targets: Sequence[str]) -> bool:
    """An aggregate renamed after this column and no other of the table, and no other target column named after
    it ('share_men' of a `male` dummy beside `married`): the name says which column, though not which function.
    Target columns named after one column together ('race 1' .. 'race 3' of `race`; 'no_choice' beside 'choice')
    are the cells of a pivot by it, and a column aggregated under its own name says nothing the column does not."""
    if target == column:
        return False
    own, tokens = name_tokens(column), name_tokens(target)
    if [str(c) for c in columns if names_column(tokens, name_tokens(str(c)))] != [column]:
        return False
    if any(own < name_tokens(str(c)) for c in columns):
        return False  # a heading drops a qualifier: 'share_women' may be of `female_head` as well as of `female`
    return not any(t != target and (t == column or names_column(name_tokens(t), own)) for t in targets)


def _closer_than_spelled(target: str, candidates: Sequence[_Aggregate], positions: np.ndarray | None,
                         ctx: Context, row: np.ndarray) -> tuple[set[int], int | None]:
    """The candidates a target's name spells (`mean_age`: the mean of `age`) that the groups both halves hold
    show to be some other aggregate, and that aggregate: its values lie within a few percent of the target's,
    group by group (the mean age at a first birth, 18 to 20 in every schooling group), and the spelled one's
    lie far from them (the mean age of the women, 25 to 35). Group by group, means, medians and extremes of one
    column on other rows of the same groups are of one size; a name says which column less surely than that.
    Sums and counts grow with a group's rows, which the halves of a growing table differ in: never compared. Of rivals
    as close, the one scored best (`row`, the target column's scores)."""
    if positions is None or target not in ctx.target.frame.columns:
        return set(), None
    spelled = [j for j, a in enumerate(candidates)
               if a.step is None and a.func not in SIZED and spells(target, a.column, a.func)]
    if not spelled:
        return set(), None
    close = [None if a.func in SIZED else ctx.aligner.closeness(target, a.values, positions) for a in candidates]
    rivals = [(c, float(row[j]), j) for j, c in enumerate(close) if j not in spelled and c is not None]
    if not rivals or max(rivals)[0] < CLOSE_GROUPS:
        return set(), None
    best, _, rival = max(rivals)
    far = {j for j in spelled if (c := close[j]) is not None and c < best - CLOSE_MARGIN}
    return far, rival if far else None


def _choose_aggregates(
    grouped: Any, tab: Tab, by: Sequence[str], wanted: Sequence[str], ctx: Context,
    profiles: Mapping[str, ColumnProfile],
) -> list[tuple[list[tuple[str, str, str]], list[float], tuple[ops.Split, ...]]]:
    copies = _identical_columns(wanted, ctx, profiles)
    if copies:
        # target columns with the same values take one aggregate (`.agg(n_a=('a', 'count'), n_b=('b',
        # 'count'))` of gap-free columns), which the candidates list once: choose for one of them, copy it
        others = {c for found in copies.values() for c in found}
        kept = [t for t in wanted if t not in others]
        return [_with_copies(o, copies, grouped, tab, wanted) for o in _choose_aggregates(grouped, tab, by, kept, ctx, profiles)]
    candidates = _aggregate_candidates(grouped, tab, by, wanted, profiles)
    if not candidates or not wanted:
        return []
    positions = _group_positions(grouped, tab, by, ctx)
    model = aggregate_model()
    scores, features = pair_scores(candidates, wanted, tab, grouped.ngroups, positions, ctx, profiles,
                                   model is not None)
    floor = ctx.threshold * 0.6
    if model is not None:
        hand = scores
        scores = np.array([[model.probability(f) for f in row] for row in features]).reshape(scores.shape)
        floor = float(model.meta.get("floor", floor))
        # a sum of a 0/1 column counts the rows flagged (people in an income band, after a melt of dummies):
        # the model, trained on generated pipelines that rarely sum flags, scores them low; where the values
        # fit as the hand-set score tells, it may be chosen
        for j, aggregate in enumerate(candidates):
            if aggregate.func == "sum" and aggregate.step is None and _flags(tab, aggregate.column):
                scores[:, j] = np.where(hand[:, j] >= ctx.threshold, np.maximum(scores[:, j], floor), scores[:, j])
            elif aggregate.func not in AGGREGATE_FUNCTIONS:
                scores[:, j] = hand[:, j]  # a function the model was never trained on (std): the hand-set score
            else:
                scores[:, j] = _as_often_as_written(scores[:, j], aggregate.func, floor)
    _counted_totals(scores, candidates, wanted, ctx, profiles)
    _flagged_subsets(scores, candidates, wanted, tab, ctx, floor)
    for i, target in enumerate(wanted):
        most = float(scores[i].max()) if len(candidates) else 0.0
        far, rival = _closer_than_spelled(target, candidates, positions, ctx, scores[i])
        ctx.far_spelled |= {(tab.fingerprint, tuple(by), target, candidates[j].column, candidates[j].func) for j in far}
        for j, aggregate in enumerate(candidates):
            if aggregate.step is None and spells(target, aggregate.column, aggregate.func) and j not in far:
                # the name says how the column was made (`skips_median`, `mean_alp`): chosen, however far
                # this half's values lie from the target's (medians of small, heavy-tailed groups), and
                # before a column whose values look more alike (Lib's shares beside ALP's)
                scores[i, j] = max(float(scores[i, j]), floor, min(1.0, most + SPELLED))
        if rival is not None:
            # unless the groups both halves hold show another: it takes the place the name would have given
            scores[i, rival] = max(float(scores[i, rival]), floor, min(1.0, most + SPELLED))
        kinds = [j for j, a in enumerate(candidates) if a.step is None and a.func == "nunique"
                 and counts_kinds(target, a.column) and _joinable(tab.profile(a.column))]
        if kinds:
            # a name that is the plural of a category's ('treatments' of `treat`) counts its kinds: before any
            # other function of the values (one treatment per group here gives its code as its least and
            # largest), not before a count of rows that fits better
            other = max((float(scores[i, j]) for j, a in enumerate(candidates)
                         if a.func not in ("count", "size", "nunique")), default=0.0)
            for j in kinds:
                scores[i, j] = max(float(scores[i, j]), floor, min(1.0, other + KINDS))
    for target, column in _left_over(tab, by, ctx).items():
        if target not in wanted:
            continue
        # the one aggregate no name accounts for, of the one column no name accounts for: as likely as the
        # best-fitting column, however far this half's values lie (the early runs rich, the late lean)
        i = list(wanted).index(target)
        most = float(scores[i].max()) if len(candidates) else 0.0
        said = _first_function(target)
        for j, aggregate in enumerate(candidates):
            if aggregate.step is None and aggregate.column == column and aggregate.func == said:
                scores[i, j] = max(float(scores[i, j]), floor, most)
    # the counts the target's means show they were taken over, before what their names spell (`n_flights`)
    _counts_of_means(scores, candidates, wanted, grouped, ctx, profiles, floor)
    _by_family_names(scores, candidates, wanted, tab)
    blends: dict[str, BlendBasis] = {}
    for i, target in enumerate(wanted):
        scores[i] *= [OPPOSED if opposed(target, a.column, a.func) else 1.0 for a in candidates]
        if _has_zeros(ctx, target):
            # a count of rows is never 0 (a count of a column's values is where a group has none of them): the
            # target's 0 home runs in a month are a sum, however alike a count's values look
            scores[i] *= [NEVER_ZERO if a.step is None and (a.func == "size" or a.func == "count"
                                                            and not tab.profile(a.column).nulls) else 1.0
                          for a in candidates]
        said = _said_function(target)
        if said is not None:
            # a name that says one function in so many words (`median_sample`) is that function's, unless the
            # word is the aggregated column's own (`max_temp` averaged) or the function gives the same values
            scores[i] *= [SAID_OTHERWISE if a.func != said and said not in a.same
                          and not _says_too(a.column, said) else 1.0 for a in candidates]
        if target in profiles:
            # unless the name spells the blend (`mean_rating`)
            scores[i] *= [NOT_PICKED if (made := _blend(a, tab, grouped.ngroups, blends)) is not None
                          and not spells(target, a.column, a.func) and blended_away(profiles[target], a.profile, made)
                          else 1.0 for a in candidates]
        if _measure_named(target, ctx):
            # a column named as a measure's function alone (`max`, as `['mpg'].agg(['count', 'max'])` names it) is
            # that function's, or one's of the same values here: hardly a count named `max`. Not the counts (a
            # count, a size and distinct values coincide often, and are listed once) nor an input's own `mean`
            scores[i] = np.where([a.func == target or target in a.same for a in candidates], scores[i],
                                 OTHER_FUNCTION * scores[i])

    def assign(allowed: np.ndarray, func: str | None = None, base: np.ndarray = scores, least: float = floor) -> _Option:
        # allowed: per candidate, or per (target column, candidate); `func`: the one function for all columns;
        # `base`: the scores to assign by; `least`: the score an aggregate needs to be taken
        masked = np.where(allowed if allowed.ndim == 2 else allowed[None, :], base, 0.0)
        rows, cols = linear_sum_assignment(masked, maximize=True)
        for _ in range(len(wanted)):
            clash = _same_values_apart(rows, cols, masked, least, candidates, wanted, profiles)
            if not clash:
                break
            # the pair to give up is the one whose column loses least by taking its next best aggregate
            # (the games' count kept, the home runs' count given up for their sum), not the weaker one
            tries = []
            for pair in clash:
                trial = masked.copy()
                trial[pair] = 0.0
                r, c = linear_sum_assignment(trial, maximize=True)
                taken = trial[r, c]
                tries.append((float(taken[taken >= least].sum()), trial, r, c))
            _, masked, rows, cols = max(tries, key=lambda t: t[0])
        chosen: list[tuple[str, str, str]] = []
        fits: list[float] = []
        derive: list[ops.Split] = []
        pairs: list[tuple[int, int]] = []
        total = 0.0
        for i, j in sorted(zip(rows, cols, strict=True)):
            if masked[i, j] < least:
                continue
            pairs.append((int(i), int(j)))
            column, used = candidates[j].column, candidates[j].func
            if func is not None and func in candidates[j].same:
                used = func
            target = wanted[i]
            name = target if target not in by and target not in {n for n, _, _ in chosen} else f"{column}_{used}"
            chosen.append((name, column, used))
            fits.append(float(masked[i, j]))
            total += masked[i, j]
            if candidates[j].step is not None:
                derive.append(candidates[j].step)
        return chosen, fits, total, tuple(derive), pairs

    options: list[_Option] = []
    everything = np.ones(len(candidates), dtype=bool)
    best = assign(everything)
    if best[0]:
        options.append(best)
        options += _runners_up(best, assign, scores, _alike_columns(wanted, ctx, profiles))
        options += _distinct_for_counts(best, assign, scores, candidates, wanted, tab, ctx, profiles, floor, options)
        if len(best[0]) < len(wanted):
            # columns no aggregate fits as well as the floor asks (yearly deaths summed over other corps than
            # the target's): each its best aggregate all the same, beside the choice that leaves them to later steps
            # (of the common functions: not a spread, std, the model never learned)
            common = np.tile([a.func in AGGREGATE_FUNCTIONS for a in candidates], (len(wanted), 1))
            common[[i for i, _ in best[4]]] = True
            whole = assign(common, least=floor * COMPLETED)
            if len(whole[0]) > len(best[0]):
                options.append(whole)
    funcs = {a.func for a in candidates}
    uniform = [assign(np.array([a.func == func or func in a.same for a in candidates]), func) for func in sorted(funcs)]
    uniform = [u for u in uniform if u[0] and len(u[0]) >= len(best[0])]
    if uniform:
        top = max(uniform, key=lambda u: u[2])
        if all(top[0] != o[0] for o in options) and top[2] >= 0.9 * best[2]:
            options.append(top)
    # target columns named as functions alone (`count`, `mean`, `std`) are what `[column].agg([...])` names:
    # one column's, each function once
    named = [i for i, t in enumerate(wanted) if t in AGG_PRIOR]
    if len(named) >= 2:
        # and a measure's name says its function: that function's aggregate of the column, however far this half's
        # values lie (the best miles per gallon of other years), at the floor; compared with the best on the same scores
        by_name = scores.copy()
        for i in named:
            if _measure_named(wanted[i], ctx):
                by_name[i] = np.maximum(by_name[i], [floor if a.step is None and a.func == wanted[i] else 0.0
                                                     for a in candidates])
        alone = []
        for column in dict.fromkeys(a.column for a in candidates if a.step is None):
            allowed = np.ones((len(wanted), len(candidates)), dtype=bool)
            # a count of rows stands for any column without gaps: the candidates list it once
            allowed[named] = [a.step is None and (a.column == column or a.func in ("count", "size")) for a in candidates]
            alone.append(assign(allowed, base=by_name))
        single = max(alone, key=lambda u: u[2], default=None)
        most = assign(everything, base=by_name)[2]
        if single is not None and single[0] and all(single[0] != o[0] for o in options) and single[2] >= 0.8 * most:
            options.append(single)
    return [(chosen, fits, derive) for chosen, fits, _, derive, _ in options]


FAMILY = 2  # target columns, at least, named as a family of the table's columns is named ('55' of 'sl55')


def name_families(wanted: Sequence[str], columns: Sequence[str]) -> dict[str, str]:
    """Target column -> the table's column named by a stem and it ('sl' + '55' -> 'sl55', 'sl' + 'none' ->
    'slnone'), where at least `FAMILY` target columns take one stem: wide per-year or per-category columns
    aggregated under their names' telling part."""
    stems: dict[tuple[bool, str], dict[str, str]] = {}
    for target in wanted:
        for column in map(str, columns):
            if len(column) <= len(target):
                continue
            if column.endswith(target):
                stems.setdefault((True, column[: -len(target)]), {})[target] = column
            if column.startswith(target):
                stems.setdefault((False, column[len(target):]), {})[target] = column
    found: dict[str, str] = {}
    for _, named in sorted(stems.items(), key=lambda item: -len(item[1])):
        if len(named) >= FAMILY:
            for target, column in named.items():
                found.setdefault(target, column)
    return found


def _by_family_names(scores: np.ndarray, candidates: Sequence[_Aggregate], wanted: Sequence[str], tab: Tab) -> None:
    """Where the target's columns name a family of the table's columns, each column's own member is its
    source whatever this half's values say (`slnone` is all 0 in the half searched, the target's `none` is
    not): its scores are scaled up until its best is the row's best, those of members another target column
    names are halved."""
    family = name_families(wanted, tab.columns)
    if not family or not scores.shape[1]:
        return
    members = set(family.values())
    for i, target in enumerate(wanted):
        own = family.get(target)
        if own is None:
            continue
        mine = [j for j, a in enumerate(candidates) if a.step is None and a.column == own]
        theirs = [j for j, a in enumerate(candidates) if a.step is None and a.column != own and a.column in members]
        best, top = float(scores[i].max()), max((float(scores[i, j]) for j in mine), default=0.0)
        if top > 0:
            scores[i, mine] *= best / top  # the functions keep their order
        scores[i, theirs] *= 0.5


CLOSE = 0.8  # a runner-up's aggregate fits its column at least this share as well as the best one
K_BEST_TRIED = 400  # combinations looked at, at most, for the runners-up


DISTINCT_FOR_COUNT = 0.5  # a count of distinct texts offered for a count of rows is at least this share as likely


def _distinct_for_counts(best: _Option, assign: Callable[..., _Option], scores: np.ndarray,
                         candidates: Sequence[_Aggregate], wanted: Sequence[str], tab: Tab, ctx: Context,
                         profiles: Mapping[str, ColumnProfile], floor: float, options: Sequence[_Option]) -> list[_Option]:
    """`best` with each count of rows it gives a column replaced by the likeliest count of distinct texts (models
    per make: `('name', 'nunique')`), offered as DISTINCT_FOR_COUNT as likely as the count at least. Counts of rows and
    of distinct names are written alike and fit alike, but the target's totals tell them apart
    (`evidence.count_surprise`), so the search must hold both to choose. Only where the target column's total
    lies nearer the distinct names' here than the rows' (the halves hold as many rows): else the count stands."""
    found: list[_Option] = []
    for i, j in best[4]:
        # the target's own column, not a melt's part or a pivot's cells standing for it
        total = _count_total(ctx, [wanted[i]]) if profiles.get(wanted[i]) is ctx.profiles.get(wanted[i]) else None
        if candidates[j].func not in ("count", "size") or total is None:
            continue
        rows = float(candidates[j].values.sum())
        texts = [k for k, a in enumerate(candidates) if a.func == "nunique" and a.step is None and a.column in tab.columns
                 and tab.profile(a.column).kind == "string" and scores[i, k] >= DISTINCT_FOR_COUNT * floor
                 and abs(total - float(a.values.sum())) < abs(total - rows)]
        if not texts:
            continue
        k = max(texts, key=lambda k: scores[i, k])
        allowed = np.ones(scores.shape, dtype=bool)
        allowed[i] = False
        allowed[i, k] = True
        lifted = scores.copy()
        lifted[i, k] = max(scores[i, k], DISTINCT_FOR_COUNT * scores[i, j])
        option = assign(allowed, base=lifted)
        if option[0] and len(option[0]) == len(best[0]) and all(option[0] != o[0] for o in (*options, *found)):
            found.append(option)
    return found


def _runners_up(best: _Option, assign: Callable[[np.ndarray], _Option], scores: np.ndarray,
                alike: frozenset[tuple[int, int]] = frozenset()) -> list[_Option]:
    """The next best assignments after `best`, in order of their summed probabilities (an exact k-best
    enumeration), where each changed column's aggregate fits it at least `CLOSE` as well as its choice in
    `best`. One column at a time is not enough: a predictor right for 85% of columns alone is right for all
    three of a group-by about 60% of the time, and for 94% of columns with its best two choices, so the
    right combination is often two changes away: of 150 generated one-step group-bys, the right one is
    first by its sum for 114 and second to eighth for 20 (RESULTS round 9; five runners-up instead of three
    gained no case of the tuning draw).

    Best-first over the columns' choices ranked by score: a combination's successors each move one column
    to its next choice, so combinations leave the heap in order of their sum; those giving one aggregate to
    two columns are skipped, and each is made by `assign` as `best` was (its floor and checks apply)."""
    pairs = best[4]
    if not pairs:
        return []
    rows = [i for i, _ in pairs]
    # and the aggregate `best` gives a column alike (`alike`: the mothers per year, and the mothers who stopped,
    # nearly all of them): each may take the other's, though each fits its own better by a little
    swaps = {i: {j for k, j in pairs if (i, k) in alike or (k, i) in alike} for i, _ in pairs}
    choices = [[int(k) for k in np.argsort(-scores[i], kind="stable")
                if scores[i, k] >= CLOSE * scores[i, j] or (k in swaps[i] and scores[i, k] >= CLOSE * CLOSE * scores[i, j])]
               for i, j in pairs]
    start = (0,) * len(rows)
    heap = [(-sum(scores[i, choices[n][0]] for n, i in enumerate(rows)), start)]
    seen = {start}
    found: list[_Option] = []
    popped = 0
    while heap and len(found) < RUNNERS_UP and popped < K_BEST_TRIED:
        _, vector = heapq.heappop(heap)
        popped += 1
        for n in range(len(rows)):
            if vector[n] + 1 < len(choices[n]):
                after = (*vector[:n], vector[n] + 1, *vector[n + 1:])
                if after not in seen:
                    seen.add(after)
                    heapq.heappush(heap, (-sum(scores[i, choices[m][after[m]]] for m, i in enumerate(rows)), after))
        picked = [choices[n][k] for n, k in enumerate(vector)]
        if len(set(picked)) < len(picked):
            continue
        allowed = np.zeros(scores.shape, dtype=bool)
        for i, j in zip(rows, picked, strict=True):
            allowed[i, j] = True
        option = assign(allowed)
        if option[0] and len(option[0]) == len(best[0]) and option[0] != best[0] and all(
            option[0] != other[0] for other in found
        ):
            found.append(option)
    return found


def _alike_columns(wanted: Sequence[str], ctx: Context, profiles: Mapping[str, ColumnProfile]
                   ) -> frozenset[tuple[int, int]]:
    """Pairs of wanted target columns (by position) with the same value in at least `ALIKE_ROWS` of the rows
    (the mothers per year, and the mothers who stopped breastfeeding: nearly all)."""
    values = {i: v for i, t in enumerate(wanted) if (v := _target_values(t, ctx, profiles)) is not None}
    return frozenset((i, k) for i in values for k in values if i < k and len(values[i]) == len(values[k])
                     and float((values[i].to_numpy() == values[k].to_numpy()).mean()) >= ALIKE_ROWS)


ALIKE_ROWS = 0.5


def _identical_columns(wanted: Sequence[str], ctx: Context, profiles: Mapping[str, ColumnProfile]
                       ) -> dict[str, list[str]]:
    """Wanted target columns whose values are another's, row for row: the first of them -> the others. The
    names of a long target's melted aggregates count too (`number_puma` and `n_exper`, both counts of
    gap-free columns), by their values in the rows of each name."""
    values = {t: v for t in wanted if (v := _target_values(t, ctx, profiles)) is not None}
    own = list(values)
    copies: dict[str, list[str]] = {}
    taken: set[str] = set()
    for i, first in enumerate(own):
        if first in taken:
            continue
        same = [t for t in own[i + 1:] if t not in taken and values[t].equals(values[first])]
        if same:
            copies[first] = same
            taken.update(same)
    return copies


def _target_values(target: str, ctx: Context, profiles: Mapping[str, ColumnProfile]) -> pd.Series | None:
    """The values of a wanted target column: a column of the target's, or a melted aggregate's values in
    the rows of its name, in the order of the other columns (None when it is neither)."""
    frame = ctx.target.frame
    if target in frame.columns and profiles.get(target) is ctx.profiles.get(target):
        return frame[target]
    if ctx.melted is None:
        return None
    (variable, value), parts = ctx.melted
    if target not in parts or profiles.get(target) is not parts[target]:
        return None
    rows = frame[frame[variable].astype(str).str.strip() == target]
    ids = [c for c in frame.columns if c not in (variable, value)]
    try:
        rows = rows.sort_values(ids) if ids else rows
    except TypeError:
        return None  # ids of mixed types: no order to compare the rows in
    return rows[value].reset_index(drop=True)


def _with_copies(option: tuple[list[tuple[str, str, str]], list[float], tuple[ops.Split, ...]],
                 copies: Mapping[str, list[str]], grouped: Any, tab: Tab, wanted: Sequence[str]
                 ) -> tuple[list[tuple[str, str, str]], list[float], tuple[ops.Split, ...]]:
    """The option with each copied target column given its original's aggregate: of the column its name
    points at where that gives the same values (`n_year` counts `year`), else of the original's column."""
    chosen, fits, derive = list(option[0]), list(option[1]), option[2]
    for (name, column, func), fit in zip(option[0], option[1], strict=True):
        for copy in copies.get(name, ()):
            source = column
            named = [c for c in tab.columns if c != column and _agg_bonus(copy, c, "") > 0]
            if named and column in tab.columns:
                try:
                    values = grouped[column].agg(func)
                    source = next((c for c in named if grouped[c].agg(func).equals(values)), column)
                except (TypeError, ValueError):
                    pass
            chosen.append((copy, source, func))
            fits.append(fit)
    order = {t: i for i, t in enumerate(wanted)}  # the target's order, as the pipeline wrote them
    paired = sorted(zip(chosen, fits, strict=True), key=lambda x: order.get(x[0][0], len(order)))
    return [c for c, _ in paired], [f for _, f in paired], derive


def _same_values_apart(rows: np.ndarray, cols: np.ndarray, masked: np.ndarray, floor: float,
                       candidates: Sequence[_Aggregate], wanted: Sequence[str],
                       profiles: Mapping[str, ColumnProfile]) -> list[tuple[int, int]]:
    """Two target columns with different values, given aggregates with the same values (the counts of two
    gap-free columns, kept apart for `groupby(k).count()`): no pipeline makes them so. The clashing pairs."""
    by_values: dict[int, list[tuple[int, int]]] = {}
    for i, j in zip(rows, cols, strict=True):
        if masked[i, j] >= floor:
            by_values.setdefault(candidates[j].key, []).append((int(i), int(j)))
    for pairs in by_values.values():
        if len({profiles[wanted[i]].values for i, _ in pairs}) > 1:
            return pairs
    return []


SUFFIX_MARKS = "_.- "  # a merge suffix starts with one of these


def _other_files_sides(name: str, tab: Tab, ctx: Context) -> list[set[str]]:
    """The target's columns of each of two merge suffixes (`wage_imp1`, `ideology_imp1` beside `wage_imp2`,
    `ideology_imp2`), where another input holds this table's columns (another file of one survey): two sets,
    or none."""
    columns = frozenset(str(c) for c in tab.columns)
    if not any(key != name and other == columns for key, other in ctx.input_columns.items()):
        return []
    endings: dict[tuple[str, str], set[str]] = {}
    names = [str(t) for t in ctx.columns]
    for a in names:
        for b in names:
            stem = os.path.commonprefix([a, b])
            if a >= b or len(stem) < 2 or stem in (a, b):
                continue
            cut = max(stem.rfind(m) for m in SUFFIX_MARKS)
            if cut <= 0:
                continue
            pair = (a[cut:], b[cut:])
            endings.setdefault(pair, set()).update((a, b))
    if not endings:
        return []
    (first, second), found = max(endings.items(), key=lambda item: len(item[1]))
    return [{t for t in found if t.endswith(first)}, {t for t in found if t.endswith(second)}]


def _aggregates_fit(scores: Sequence[float], wanted: Sequence[str]) -> float:
    """How well a group-by's aggregates fit: their mean score, less where they make few of the wanted columns."""
    return float(np.mean(scores)) * (len(scores) / max(1, len(wanted))) ** 0.3


def _aggregated(name: str, tab: Tab, by: tuple[str, ...], by_score: float, wanted: list[str], ctx: Context) -> list[Proposal]:
    """The group-by of this table by `by` making the best aggregates for `wanted`."""
    options = choose_aggregates(tab.frame.groupby(list(by), sort=True, dropna=True), tab, by, wanted, ctx)
    if not options or options[0][2]:
        return []
    aggs, scores, _ = options[0]
    fit = _aggregates_fit(scores, wanted)
    return [Proposal((ops.GroupBy(ctx.name(), name, tuple(by), tuple(aggs)),), PRIOR["groupby"] * by_score * fit, "groupby",
                     {out: score for (out, _, _), score in zip(aggs, scores, strict=False) if out in ctx.profiles})]


def propose_groupby(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        if len(tab) < 2 or len(tab.columns) < 2:
            continue
        proposals = []
        # target columns named after the values of a column here come from a pivot, not from aggregates:
        # a group-by before that pivot keeps the column to spread and makes the cells it spreads
        spread, spreader = _spread_names(tab, ctx)
        groupings = _with_constant_keys(_group_candidates(tab, ctx), tab, ctx)
        if spreader is not None:
            groupings += [(0.8 * score, (*by, spreader)) for score, by in groupings if spreader not in by]
        elif ctx.melted is not None:
            groupings += _melted_groupings(tab, ctx)
        mapping = ctx.mapping(tab)
        keyed = _target_keys_here(mapping, ctx)
        # target columns another table has by name and this one lacks come with a join after the group-by (a
        # man's race and schooling from a lookup, beside his yearly means): no aggregate of this table. The
        # search asks about one table at a time: the others are the inputs
        others = [set(other.columns) for key, other in live.items() if key != name] + [
            set(columns) for key, columns in ctx.input_columns.items() if key != name and key not in live]
        elsewhere = {t for t in ctx.columns if t not in tab.columns and any(t in other for other in others)}
        sides = _other_files_sides(name, tab, ctx)
        for by_score, by in groupings:
            grouped = tab.frame.groupby(list(by), sort=True, dropna=True)
            if grouped.ngroups == 0:
                continue
            if grouped.ngroups >= 0.95 * len(tab):
                # (almost) nothing to aggregate here: no one groups like that, unless the grouping is the
                # target's key and the target is markedly smaller than this table (its half had several
                # rows per key where this half has one: a contiguous split holds other periods or places)
                if tuple(by) not in keyed or len(ctx.target) >= SMALLER * len(tab):
                    continue
                by_score *= ONE_ROW_GROUPS
            covered = {t for t, c in mapping.pairs.items() if c in by}
            wanted = [t for t in ctx.columns if t not in covered and t not in spread and t not in elsewhere]
            for k, side in enumerate(sides):
                # a file of the same columns as another input, each aggregated for the target columns of one
                # merge suffix (`one.merge(two, on=k, suffixes=('_imp1', '_imp2'))`): its own side only, the
                # columns of neither (a count of respondents) with the left side
                own = sides[1 - k]
                kept = [t for t in wanted if t in own or (k == 1 and t not in side)]
                proposals += _aggregated(name, tab, by, by_score, kept, ctx)
            profiles = dict(ctx.profiles)
            if ctx.melted is not None and spreader is None:
                # the target is long: aggregates named like its variable's values, to be melted next
                (variable, value), parts = ctx.melted
                if variable in wanted and value in wanted:
                    wanted = [t for t in wanted if t not in (variable, value)] + list(parts)
                    profiles.update(parts)
            if spreader in by:
                wanted.append(CELLS)
                profiles[CELLS] = ctx.cells(spread)
            options = choose_aggregates(grouped, tab, by, wanted, ctx, profiles)
            periods = ctx.melted[1] if ctx.melted is not None else {}
            if (any(t in periods for t in wanted) and all(any(ch.isdigit() for ch in p) for p in periods)
                    and len({re.sub(r"[0-9]+", "", p) for p in periods}) == 1):
                # periods ('2013-01', '2013-02') a melt stacks into one column hold one measure: one function
                # for each (measures named apart, `number_trips` beside `highest_seats`, may take several)
                options = [o for o in options if len({f for out, _, f in o[0] if out in periods}) <= 1]
            family = name_families(wanted, tab.columns)
            left = _left_over(tab, by, ctx)
            if not options:
                other = next((c for c in tab.columns if c not in by), None)
                if other is None:
                    continue  # grouped by every column: nothing left to count the rows of
                options = [([("size", other, "size")], [0.3], ())]
            again = 0.3 if tab.cache.get("made_by") in ("groupby", "pivot") else 1.0  # groupby of a groupby
            for aggs, scores, derive in options:
                fit = _aggregates_fit(scores, wanted)
                if len(aggs) > 1 and all(out in tab.columns for out, _, _ in aggs):
                    # columns aggregated under their own names are `df.groupby(...)[columns].max()`: one
                    # function for all of them. Under another column's name too (`pe` of `cpe`): else a
                    # wrong column would escape what the right one, mixing functions, pays
                    fit *= MIXED ** (len({func for _, _, func in aggs}) - 1)
                fit *= _unnamed_functions(aggs) * _numbered_cells(aggs)
                # outputs named as functions alone came from one column (`df.groupby(k)['sales'].agg(['mean', 'std'])`)
                fit *= MIXED ** max(0, len({c for out, c, f in aggs if out in AGG_PRIOR and f not in ("count", "size")}) - 1)
                # of aggregations alike here (a column of 0s sums as it averages), fewer functions first
                fit *= 1.0 - 1e-3 * (len({func for _, _, func in aggs}) - 1)
                before = _chain(derive, name, ctx)
                step = ops.GroupBy(ctx.name(), before[-1].out if before else name, tuple(by), tuple(aggs))
                derived = PRIOR["split"] ** len(before)
                # the name spells the column and function (`mean_age`), or names the column alone and the values
                # fit ('share_men' of `male`, beside `married` whose values this half fits a little better); not
                # a count of rows, which any column without gaps gives ('urban' counted of `urban18`)
                spelled = frozenset(out for (out, column, func), score in zip(aggs, scores, strict=False)
                                    if out in ctx.profiles and (spells(out, column, func) or (
                                        score >= ctx.threshold and func not in ("count", "size")
                                        and _named_alone(out, column, tab.columns, ctx.columns)))
                                    and (tab.fingerprint, tuple(by), out, column, func) not in ctx.far_spelled)
                # pandas names an aggregate after its function alone (`['mpg'].agg(['count', 'max'])`): how, not of what
                bare = frozenset(out for out, _, func in aggs if out == func and out in ctx.profiles and _measure_named(out, ctx))
                # the one column no name accounts for, with the function the name says (`_left_over`)
                said = {out for out, column, func in aggs if left.get(out) == column and _first_function(out) == func}
                explains = {out: max(score, EXPLAINED) if out in spelled or out in said or family.get(out) == column
                            else score
                            for (out, column, func), score in zip(aggs, scores, strict=False) if out in ctx.profiles}
                proposals.append(Proposal((*before, step), PRIOR["groupby"] * by_score * fit * again * derived, "groupby",
                                          explains, spelled | bare))
        yield from _best(proposals, TOP_PARAMETERS + 2)
        yield from _rollups(name, tab, ctx)


ROLLED = 0.8  # distinct values, at most, of an entity column as a share of its rows, for a roll-up by it
ROLLUP = 0.8  # a roll-up's probability next to a group-by's
ROLLUPS = 2  # entity columns, at most, a table is rolled up by


def _rollups(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    """A table rolled up to one row per entity before it is aggregated again: follow-up intervals to a patient's
    last day and whether they died or got a transplant, chicks' ticks summed per brood. Offered where a count
    of the target sums to the entities here (patients, broods) and not to the rows, and the target's keys are
    columns here: those and the columns constant per entity are kept (a brood's year), the others taken at
    their largest (the last day followed) or summed (the ticks), and a count of the target that sums to this
    half's rows (chicks) is counted per entity under its name."""
    if tab.cache.get("made_by") in ("groupby", "pivot", "rollup") or len(tab) < 2 * len(ctx.target):
        return []
    keyed = {t for key in ctx.constraints.keys for t in key}
    of = {t: total for t in ctx.columns if (total := _count_total(ctx, [t])) is not None}
    totals = [total for t, total in of.items() if t not in keyed and total > 0]
    mapping = ctx.mapping(tab)
    keys = {c for key in _target_keys_here(mapping, ctx) for c in key}
    if not totals or not keys:
        return []
    frame = tab.frame
    counted = [t for t, total in of.items() if t not in frame.columns and _totals_agree(total, len(tab))]
    found: list[Proposal] = []
    for entity in frame.columns:
        profile = tab.profile(entity)
        if entity in keys or entity in mapping.pairs.values() or not _joinable(profile) or profile.kind == "bool":
            continue
        groups = int(frame[entity].nunique())
        if not 2 * len(ctx.target) <= groups <= ROLLED * len(tab):
            continue
        if not any(_totals_agree(total, groups) and not _totals_agree(total, len(tab)) for total in totals):
            continue
        constant = frame.groupby(entity, sort=True, dropna=True).nunique(dropna=False).max() <= 1
        fixed: dict[str, str | None] = {}  # per column: its function in both variants, or None for the variant's
        for column in frame.columns:
            if column == entity:
                continue
            values, other = frame[column], tab.profile(column)
            # keys, flags (True/False too) and ids are taken at their largest: summed, they mean nothing
            largest = (column in keys or pd.api.types.is_bool_dtype(values.dtype)
                       or (_joinable(other) and other.distinct >= 0.5 * len(tab)))
            kept = bool(constant[column]) or not pd.api.types.is_numeric_dtype(values.dtype)
            fixed[column] = "first" if kept else "max" if largest else None
        for func in ("max", "sum"):
            if func == "sum" and None not in fixed.values():
                continue
            aggs = [(column, column, f or func) for column, f in fixed.items()]
            aggs += [(t, entity, "size") for t in counted[:1]]
            found.append(Proposal((ops.GroupBy(ctx.name(), name, (entity,), tuple(aggs)),),
                                  PRIOR["groupby"] * ROLLUP, "rollup"))
        if len(found) >= 2 * ROLLUPS:
            break
    return found


def _flagged_subsets(scores: np.ndarray, candidates: Sequence[_Aggregate], wanted: Sequence[str], tab: Tab,
                     ctx: Context, floor: float) -> None:
    """A target column of whole numbers at most another aggregate's in every row, below it in some (`deaths`
    beside `patients`), counts the rows of a subset: where the table has one 0/1 flag and no aggregate fits well
    by its values, the flag's sum is as likely as the best one (the early patients died, the late ones live).
    Where the table has several flags (died, had surgery), each may be the one: all are offered, none above the
    others."""
    flags = [j for j, a in enumerate(candidates) if a.func == "sum" and a.step is None and _flags(tab, a.column)]
    several = len({candidates[j].column for j in flags})
    if not several:
        return
    frame = ctx.target.frame
    whole = [t for t in ctx.columns if pd.api.types.is_numeric_dtype(frame[t].dtype) and frame[t].notna().all()
             and bool((frame[t] >= 0).all()) and bool((frame[t] % 1 == 0).all())]
    for i, target in enumerate(wanted):
        if target not in whole or name_tokens(target) & MEASURE_WORDS - EXCLUSIVE_WORDS["sum"]:
            continue
        values = frame[target]
        # bounded by another column this group-by makes (a key, a year, bounds anything)
        bounds = [k for k, u in enumerate(wanted) if u in whole and u != target
                  and bool((values <= frame[u]).all()) and bool((values < frame[u]).any())]
        if not bounds:
            continue
        # below a count (deaths beside patients, their totals alike) in most rows, it is no count of about the
        # same rows (of the ids, of distinct days followed) however alike its values: that is within SAME_COUNT
        # of the count in every group here (distinct patients of four visits a day are not)
        for k in bounds:
            bound = candidates[int(np.argmax(scores[k]))]
            if (bound.func not in COUNTS or (values == frame[wanted[k]]).mean() > 0.5
                    or not _totals_agree(float(frame[wanted[k]].sum()), float(bound.values.sum()))):
                continue
            ours = bound.values.to_numpy(dtype=float)
            for j, aggregate in enumerate(candidates):
                if aggregate.func in COUNTS and bool(
                        (np.abs(aggregate.values.to_numpy(dtype=float) - ours) <= SAME_COUNT * ours).all()):
                    scores[i, j] = 0.0
        most = float(scores[i].max())
        if most >= FITS_WELL:
            continue  # an aggregate fits well by its values (a count of rows below a sum of quantities)
        for j in flags:
            scores[i, j] = max(float(scores[i, j]), floor, most if several == 1 else floor)


COUNTS = ("count", "size", "nunique")  # aggregates that count rows (or distinct values, one per row)
SAME_COUNT = 0.05  # share of a count, at most, by which another count of about the same rows differs from it
FITS_WELL = 0.6  # an aggregate's score from which its values vouch for it, whatever the names and flags say


def _left_over(tab: Tab, by: Sequence[str], ctx: Context) -> dict[str, str]:
    """The one target column whose name says a function but names no input's column, and the one number
    column of this table that no target column names: one is the other's aggregate (`mean_equivalence` of
    `E` beside `mean_nox` and `max_nox` of `NOx`, grouped by `C`). And target columns named by function words
    alone (`low`, `high`), each the aggregate of the table's one number column, or of the one other target
    names name (`rate` of `mean_rate`). Nothing else."""
    inputs = {c for columns in ctx.input_columns.values() for c in columns} or {str(c) for c in tab.columns}
    owned = [name_tokens(c) for c in inputs]
    free = [t for t in ctx.columns if t not in inputs and name_tokens(t) & MEASURE_WORDS
            and not any(names_column(name_tokens(t), own) for own in owned)]
    if not free:
        return {}
    named = {str(c) for c in tab.columns
             if any(t == str(c) or names_column(name_tokens(t), name_tokens(str(c))) for t in ctx.columns)}
    numbers = [str(c) for c in tab.columns if str(c) not in by and tab.profile(str(c)).kind == "number"]
    columns = [c for c in numbers if c not in named]
    if len(free) == 1 and len(columns) == 1:
        return {free[0]: columns[0]}
    # names of a function and nothing else ('low', 'high' beside 'mean_rate') where the table has one measure,
    # or one that other names name: its range (`low=('rate', 'min'), high=('rate', 'max')`)
    measures = numbers if len(numbers) == 1 else [c for c in numbers if c in named]
    if len(measures) == 1:
        return {t: measures[0] for t in free if name_tokens(t) <= MEASURE_WORDS}
    return {}


SAYS = {"mean": frozenset({"mean", "avg", "average"}), "median": frozenset({"median"}), "sum": frozenset({"sum"}),
        "min": frozenset({"min", "minimum"}), "max": frozenset({"max", "maximum"}),
        "std": frozenset({"std", "sd", "stdev", "stddev"})}  # words that name one function and nothing else
SAID_OTHERWISE = 0.3  # an aggregate of another function than the one a target column's name says in so many words


def _said_function(name: str) -> str | None:
    """The function a name says in so many words ('median' of `median_sample`, 'mean' of `avgPrice`), where it
    says one; not 'high' or 'total', which are words of columns too (`high_school`, `total_income`)."""
    tokens = name_tokens(name)
    said = [func for func, words in SAYS.items() if tokens & words]
    return said[0] if len(said) == 1 else None


def _says_too(column: str, func: str) -> bool:
    """Whether a column's own name has a word of the function, or a cut of one ('MedInc', 'minutes_played'):
    the target's name may have it from there (`median_income` of MedInc averaged)."""
    return any(len(token) >= 2 and any(word.startswith(token) or token.startswith(word) for word in SAYS[func])
               for token in name_tokens(column))


def _first_function(name: str) -> str | None:
    """The function the first function word of a name says ('mean' of `mean_top_share`, whose 'top' is a word
    for the maximum too)."""
    for word in re.findall(r"[a-z]+|[0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()):
        for func, words in EXCLUSIVE_WORDS.items():
            if word in words:
                return func
    return None


# the words of the functions that aggregate a column's values, not count its rows
MEASURE_WORDS = frozenset().union(*(EXCLUSIVE_WORDS[f] for f in ("mean", "sum", "min", "max", "median", "std")))
EXPLAINED = 0.7  # a predictor's probability, at least, that a column it made is the target column named so
SMALLER = 0.8  # a target with fewer rows than this share of a table was reduced from it
ONE_ROW_GROUPS = 0.5  # the chance of grouping by the target's key where this half has one row per key


def _target_keys_here(mapping: ColumnMapping, ctx: Context) -> set[tuple[str, ...]]:
    """The target's keys as this table's columns, where the mapping reaches every part of one."""
    return {tuple(mapping.pairs[k] for k in key) for key in ctx.constraints.keys
            if all(k in mapping.pairs for k in key)}


CELLS = "value"  # the name of the aggregate a later pivot spreads
MELTED = 8  # distinct names, at most, of aggregates that a melt turns into a target's variable column


def _melted_groupings(tab: Tab, ctx: Context) -> list[tuple[float, tuple[str, ...]]]:
    """The target's key without its melted variable, mapped here: what a group-by before the melt groups
    by."""
    assert ctx.melted is not None
    (variable, _), _ = ctx.melted
    mapping = ctx.mapping(tab)
    found = []
    for key in ctx.constraints.keys:
        rest = [k for k in key if k != variable]
        if variable in key and rest and all(k in mapping.pairs for k in rest):
            found.append((0.9 * float(np.mean([mapping.scores[k] for k in rest])) ** 0.5,
                          tuple(mapping.pairs[k] for k in rest)))
    return found


def _melted_names(target: pd.DataFrame, profiles: Mapping[str, ColumnProfile]
                  ) -> tuple[tuple[str, str], dict[str, ColumnProfile]] | None:
    """A long target made by melting aggregates (`.agg(rain=..., hottest=...)` then `.melt()`): a text
    column whose few values are mostly in no input, as names of columns, beside one numeric column. The
    names, each with the profile of the numbers beside it, are what a group-by before the melt makes."""
    numeric = [t for t, p in profiles.items() if p.kind == "number"]
    if len(numeric) > 1:
        numeric = [t for t in numeric if t == "value"]
    if len(numeric) != 1:
        return None
    value = numeric[0]
    for variable, profile in profiles.items():
        # ('rain' may be a weather too: half the names made up is enough)
        if (profile.kind == "string" and 2 <= profile.distinct <= MELTED and profile.nulls == 0
                and len(profile.foreign) >= 0.5 * profile.distinct):
            names = target[variable].astype(str).str.strip()
            parts = {name: profile_column(name, target.loc[names == name, value]) for name in sorted(profile.values)}
            return (variable, value), parts
    return None


def _chain(steps: Sequence[ops.Step], table: str, ctx: Context) -> list[ops.Step]:
    """Steps given fresh names, each reading the table the one before made, the first reading `table`."""
    chained: list[ops.Step] = []
    for step in steps:
        chained.append(replace(step, out=ctx.name(), table=chained[-1].out if chained else table))  # type: ignore[call-arg]
    return chained


def _spread_names(tab: Tab, ctx: Context) -> tuple[set[str], str | None]:
    """Target columns (two or more) named after the values of one column of this table, and the column."""
    best: tuple[set[str], str | None] = (set(), None)
    for column in tab.columns:
        if tab.profile(column).distinct <= 200:
            names = _pivoted(tab.profile(column), ctx) - set(ctx.mapping(tab).pairs)
            if len(names) >= 2 and len(names) > len(best[0]):
                best = (names, column)
    return best


# ---- pivot and unpivot -------------------------------------------------------------------------------


def propose_pivot(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        proposals: list[Proposal] = []
        spread: list[tuple[str, tuple[ops.Step, ...], Tab]] = [(column, (), tab) for column in tab.columns]
        if not any(len(_pivoted(tab.profile(c), ctx)) >= 2 for c in tab.columns):
            # the target's column names are values of no column: maybe of a part of one (the year of a date)
            parts = _derived_spread(name, tab, ctx)
            spread += parts
            if not parts:
                proposals += _pivots_by_shape(name, tab, ctx)  # or spread columns renamed after
        for column, before, source in spread:
            profile = source.profile(column)
            if profile.distinct > 200:
                continue
            pivoted = _pivoted(profile, ctx)
            periods = len(pivoted) < 2 and _periods(profile, source, ctx)
            if periods:
                pivoted = set(periods)  # periods of the other half: spread into columns of their own names
            elif len(pivoted) < 2 and not (pivoted and profile.distinct == 1):
                continue
            rest = [t for t in ctx.columns if t not in pivoted]
            mapping = ctx.mapping(source)
            index = tuple(dict.fromkeys(mapping.pairs[t] for t in rest if t in mapping.pairs and mapping.pairs[t] != column))
            if not index or len(index) < len(rest):
                guesses = [c for _, by in _group_candidates(source, ctx) for c in by if c != column]
                index = index or tuple(dict.fromkeys(guesses[:1]))
            if not index:
                continue
            share = min(1.0, len(pivoted) / max(1, len(profile.values)))  # periods: the target may have more
            table = before[-1].out if before else name
            # every column of the target is the index or a value of this column by name: the shape is
            # sure, and only the cells' values are in doubt. Those of a half with other rows may lie far
            # apart (the max of other replicates), so the best few pivots are offered below the threshold
            # too, the cells mapped by their making (`Context._explained`) at the least likely mapping
            named = len(index) == len(rest) and len(pivoted) >= PIVOT_NAMED
            weak: list[Proposal] = []
            strong = len(proposals)
            for values, funcs in _pivot_values(source, ctx, pivoted, {*index, column}):
                vprofile = source.profile(values)
                for func in funcs:
                    step = ops.Pivot(ctx.name(), table, index, column, values, func)
                    try:
                        out = step.run({table: source.frame})
                    except (TypeError, ValueError, KeyError):
                        continue
                    fit, order = ((_period_fit(out, pivoted, index, ctx), 1.0) if periods
                                  else _pivot_fit(out, pivoted, ctx, func, domain_of(source.frame[values], func)))
                    if fit < ctx.threshold:
                        if named:
                            weak.append(Proposal((*before, step), PRIOR["pivot"] * share * fit * PIVOT_UNSURE
                                                 * (PRIOR["split"] if before else 1.0), "pivot",
                                                 dict.fromkeys(pivoted, 1.0)))
                        continue
                    bonus = _pivot_bonus(source, index, column, func, vprofile)
                    derived = PRIOR["split"] if before else 1.0
                    probability = PRIOR["pivot"] * share * fit * order * bonus * derived
                    spreads = tuple(sorted(pivoted)) if periods else ()
                    proposals.append(Proposal((*before, step), probability, "pivot", periods=spreads))
                    made = [c for c in out.columns if c not in index] if periods else None
                    if _zero_filled(out, pivoted, source.frame[values], func, ctx, made):
                        # the target's cells hold 0s this pivot cannot make: `.fillna(0)` followed it
                        cells = () if periods else tuple(c for c in out.columns if c not in index)  # periods: all
                        fill = ops.FillNA(ctx.name(), step.out, 0, cells)
                        proposals.append(Proposal((*before, step, fill), probability * PRIOR["fillna"] ** 0.5, "pivot",
                                                  periods=spreads))
            if len(proposals) == strong:
                proposals += _best(weak, PIVOT_WEAK)
        yield from _best(proposals, TOP_PARAMETERS + 2)


def _pivot_bonus(source: Tab, index: Sequence[str], column: str, func: str, values: ColumnProfile) -> float:
    """How likely a pivot's aggregate is, by the function and the table it spreads."""
    bonus = {"mean": 1.0, "first": 0.95, "sum": 0.9, "count": 0.9}.get(func, 0.8)
    if func == "first" and _rows_per_cell(source.frame, index, column) > 1.2:
        bonus = 0.3  # `df.pivot` spreads one row per cell; the first of many is rarely meant
    if func == "count" and values.nulls:
        bonus *= 0.85  # counting rows is done on a column without gaps
    return bonus


def _pivots_by_shape(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    """Pivots whose spread columns were renamed after (`0`, `1` of a 0/1 status -> `before`, `after`):
    the target's numeric columns outside its key are as many as the values of a column here, and its key
    is mapped onto this table (the pivot's index). Matched by the cells' values alone, so offered below
    pivots whose names say so. A table keeps its name in every state, so its pivots are worked out once."""
    found = tab.cache.get("shape_pivots")
    if found is None:
        found = tab.cache["shape_pivots"] = _shape_pivots(name, tab, ctx)
    return [replace(p, steps=tuple(_chain(p.steps, name, ctx))) for p in found]


def _run_pivot(step: ops.Pivot, tab: Tab, cells: Iterable[str], ctx: Context
              ) -> tuple[Tab, list[str], float] | None:
    """The pivot run on the table (None if it cannot run), the columns it spreads, and how well the target's
    cells fit them: each cell's best match, averaged."""
    try:
        out = Tab(step.run({step.table: tab.frame}))
    except (TypeError, ValueError, KeyError):
        return None
    made = [c for c in out.columns if c not in step.index]
    if not made:
        return out, made, 0.0
    median = step.aggfunc == "median"
    # a cell named as a spread value is that column; a cell named otherwise (renamed after) is its likeliest
    fit = float(np.mean([similarity(ctx.profiles[t], out.profile(t), median=median) if t in made else
                         max(similarity(ctx.profiles[t], out.profile(c), median=median) for c in made) for t in cells]))
    return out, made, fit


ORDER_WEIGHT = 0.5  # of a pivot's fit, what the order of its cells within a row decides


def _same_order(out: pd.DataFrame, cells: Sequence[str], ctx: Context, func: str) -> float:
    """Whether a pivot's cells stand in the same order within a row as the target's: how often one spread
    column's cell is below another's is an effect of the column spread (women's mean wage below men's at
    every rating), which a split by rows leaves alone, though the values themselves move. 1 where the shares
    agree within what one row of the fewer moves them by, down to 1 - ORDER_WEIGHT where they are opposite.
    Only for the two cells of a flag, and a measure's mean or median: counts and sums, and the cells of more
    values (counts of bases), are ordered by how often each value is met in the rows at hand, which a
    contiguous split moves."""
    if len(cells) != 2 or func not in ("mean", "median"):
        return 1.0
    a, b = cells
    shares, rows = [], []
    for frame in (ctx.target.frame, out):
        both = frame[[a, b]].apply(pd.to_numeric, errors="coerce").dropna()
        if len(both) < 2:
            return 1.0
        shares.append(float((both[a] < both[b]).mean()) - float((both[a] > both[b]).mean()))
        rows.append(len(both))
    return 1.0 - ORDER_WEIGHT * max(0.0, abs(shares[0] - shares[1]) / 2 - 1 / min(rows))


def _coded_cells(values: Iterable[object], cells: Sequence[str]) -> dict[str, str]:
    """Value -> target column, where the values are codes of some of the cells' names, one each: every value
    an abbreviation of one name and of no other ('f' and 'm' of father and mother, 'prc' and 'qty' of price and
    quantity: the name's first letter, then letters of the name in its order)."""
    codes = [str(v) for v in values]
    if not 2 <= len(codes) <= len(cells) or not all(any(ch.isalpha() for ch in v) for v in codes):
        return {}  # numbers are no codes of names: 1 and 2 are no years 1990 and 2000
    # a code that is a cell's name is that cell ('college' beside 'some_college')
    starts = {v: [t for t in cells if name_key(v) == name_key(str(t))] or [t for t in cells if _abbreviates(v, str(t))]
              for v in codes}
    if not all(len(found) == 1 for found in starts.values()) or len({found[0] for found in starts.values()}) < len(codes):
        return {}
    return {v: found[0] for v, found in starts.items()}


def _abbreviates(code: str, name: str) -> bool:
    """The code is the name written short, separators aside: the name itself, its first letter and more of its
    letters in their order (`qty` of quantity, 'somecol' of some_college, 'mw' of midwest), or the initials
    of its words ('hs' of high_school)."""
    code, whole = name_key(code), name_key(name)
    if not code or not whole:
        return False
    words = name_words(name)
    if len(words) >= 2 and code == "".join(w[0] for w in words):
        return True
    if code[0] != whole[0] or len(code) > len(whole):
        return False
    rest = iter(whole[1:])
    return all(ch in rest for ch in code[1:])


def _shape_pivots(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    mapping = ctx.mapping(tab)
    rest = list(ctx.constraints.primary or ())  # a pivot's index is its output's key
    cells = [t for t in ctx.columns if t not in rest and ctx.profiles[t].kind == "number"]
    if not (2 <= len(cells) <= SHAPE_SPREAD and rest and len(rest) + len(cells) == len(ctx.columns)
            and all(t in mapping.pairs for t in rest)):
        return []
    index = tuple(dict.fromkeys(mapping.pairs[t] for t in rest))
    columns = [c for c in tab.columns if c not in index and tab.profile(c).distinct == len(cells)
               and _joinable(tab.profile(c))]
    # a column the target's cells are named after first: a flag spread into itself and its opposite, or codes
    # each the start of one cell's name ('f', 'm' for father, mother); then flags the pipeline made (the
    # values of a melt of dummies), before the inputs' own
    def named_after(column: str) -> bool:
        profile = tab.profile(column)
        return (any(name_key(t) == name_key(column) or same_sex(t, column) for t in cells)
                or profile.kind == "string" and len(_coded_cells(profile.values, cells)) == len(cells))

    columns.sort(key=lambda c: (not named_after(c), c in ctx.given or tab.profile(c).kind != "number"))
    found: list[Proposal] = []
    flagged: list[Proposal] = []
    for column in columns[:2]:
        for values, funcs in _pivot_values(tab, ctx, set(cells), {*index, column}):
            for func in funcs:
                step = ops.Pivot("", name, index, column, values, func)
                pivoted = _run_pivot(step, tab, cells, ctx)
                if pivoted is None:
                    continue
                out, made, fit = pivoted
                bonus = _pivot_bonus(tab, index, column, func, tab.profile(values))
                if fit >= ctx.threshold:
                    found.append(Proposal((step,), PRIOR["pivot"] * fit * SHAPE_PRIOR * bonus, "pivot"))
                named = _flag_cells(made, cells, column)
                if named:
                    # a 0/1 flag spread and renamed after itself (`black` and `nonblack`), or codes renamed
                    # after the names they start ('f' father): the names say which cell is which, whatever
                    # values this half's rows give
                    steps, fit = _renamed_cells(step, out.frame, made, named, tab, func, bonus, ctx)
                    flagged.append(Proposal(steps, PRIOR["pivot"] * SHAPE_PRIOR * fit, "pivot",
                                            dict.fromkeys(named.values(), 1.0)))
    return _best(found, PIVOT_WEAK) + _best(flagged, FLAG_PIVOTS)


_TRUE = {"1", "1.0", "true", "yes", "y"}


def _renamed_cells(step: ops.Pivot, out: pd.DataFrame, made: Sequence[str], named: Mapping[str, str], tab: Tab,
                   func: str, bonus: float, ctx: Context) -> tuple[tuple[ops.Step, ...], float]:
    """A pivot's cells renamed to the target columns `named` gives them (after a fill with 0 where the target's
    cells show it), and how well they fit: their values, the function (`bonus`) and their order in a row."""
    steps: tuple[ops.Step, ...] = (step,)
    if _zero_filled(out, set(named.values()), tab.frame[step.values], func, ctx):
        steps += (ops.FillNA("", step.table, 0, tuple(made)),)
        out = out.fillna(dict.fromkeys(made, 0))
    out = out.rename(columns=dict(named))
    fit = float(np.mean([similarity(ctx.profiles[t], profile_column(t, out[t])) for t in named.values()]))
    fit *= bonus * _same_order(out, list(named.values()), ctx, func)
    return (*steps, ops.Rename("", step.table, tuple(named.items()))), fit


def _flag_cells(made: Sequence[str], cells: Sequence[str], flag: str) -> dict[str, str]:
    """Pivot column -> target column, where a two-valued `flag` is spread into two target columns one of
    which is named after the flag: its true value's column is that one, its other value's the other (a sex
    flag's, `female`, into the two sexes, `women` and `men`); or where the spread values are codes of the
    cells' names (`_coded_cells`)."""
    coded = _coded_cells(made, cells) if len(made) == len(cells) else {}
    if coded:
        return coded
    if len(made) != 2 or len(cells) != 2:
        return {}
    own = [t for t in cells if name_key(t) == name_key(flag) or same_sex(t, flag)]
    truthy = [c for c in made if c.strip().lower() in _TRUE]
    if len(own) != 1 or len(truthy) != 1:
        return {}
    other = next(t for t in cells if t != own[0])
    if name_key(own[0]) != name_key(flag) and not opposite_sex(own[0], other):
        return {}
    return {truthy[0]: own[0], next(c for c in made if c != truthy[0]): other}


SHAPE_SPREAD = 6  # target columns, at most, a pivot by shape alone spreads into
SHAPE_PRIOR = 0.3  # such a pivot's prior beside one whose spread values name the target's columns
PIVOT_NAMED = 3  # values of a column, at least, naming target columns for a pivot's shape to be sure
PIVOT_UNSURE = 0.5  # a pivot whose cells' values look unlike the target's
PIVOT_WEAK = 5  # such pivots offered per spread column: the function is a guess among them
FLAG_PIVOTS = 3  # pivots of a flag spread into columns named after it, offered beside those by shape


def _rows_per_cell(frame: pd.DataFrame, index: Sequence[str], column: str) -> float:
    cells = frame.groupby([*index, column], sort=False, dropna=True).ngroups
    return len(frame) / max(1, cells)


def _zero_filled(out: pd.DataFrame, pivoted: set[str], values: pd.Series, func: str, ctx: Context,
                 made: Sequence[str] | None = None) -> bool:
    """The target's pivoted cells have 0s and no gaps, and this pivot leaves gaps or makes no 0 itself
    (counting rows never gives 0, nor does aggregating values that are never 0). `made`: the pivot's cells
    where they are other periods than the target's."""
    cells = pd.concat([ctx.target.frame[t] for t in pivoted], ignore_index=True)
    if not pd.api.types.is_numeric_dtype(cells.dtype) or cells.isna().any() or not (cells == 0).any():
        return False
    names = list(made) if made is not None else [t for t in pivoted if t in out.columns]
    gaps = bool(out[names].isna().to_numpy().any())
    zeros = func not in ("count", "size", "nunique") and pd.api.types.is_numeric_dtype(values.dtype) and bool((values == 0).any())
    return gaps or not zeros


def _pivoted(profile: ColumnProfile, ctx: Context) -> set[str]:
    """The target columns named after values of this column."""
    return {ctx.names_as_values[v] for v in profile.values if v in ctx.names_as_values}


def _periods(profile: ColumnProfile, tab: Tab, ctx: Context) -> list[str]:
    """Target columns named like this column's values, all in one format with digits ('2001', '2001-07'),
    where none of them is a value here: periods. A contiguous split gives the target's half other years
    than this one, so a pivot by year names the target's columns after values this half does not have.
    Two or more such names, and at most as many values here as PERIODS."""
    if not 2 <= profile.distinct <= PERIODS:
        return []
    names = [t for t in ctx.columns if t not in tab.columns]
    return alike_periods(names, set(profile.values))


def alike_periods(names: Sequence[str], values: set[str]) -> list[str]:
    """The names in the values' one format with digits (whole numbers of any width count as one format,
    in ranges next to each other or overlapping), when two or more."""
    if not values or len(values) > PERIODS:
        return []
    shape = _period_shape(next(iter(values)))
    if not ("0" in shape or shape == "#") or any(_period_shape(v) != shape for v in values):
        return []
    found = [t for t in names if _period_shape(t) == shape]
    if shape == "#" and found:
        low, high = min(int(v) for v in values), max(int(v) for v in values)
        first, last = min(int(t) for t in found), max(int(t) for t in found)
        if max(first - high, low - last) > max(high - low, last - first) + 1:
            return []  # months named 1 to 7 are no periods of years 2003 to 2004
    return found if 2 <= len(found) <= PERIODS else []


def _period_shape(text: str) -> str:
    return "#" if text.isascii() and text.isdigit() else pattern(text)


PERIODS = 60  # values, at most, of a column of periods a pivot spreads


def _period_fit(out: pd.DataFrame, periods: set[str], index: Sequence[str], ctx: Context) -> float:
    """How alike a pivot's cells are to the target's columns of periods, pooled: the columns are other
    periods here, so none compares with the target's column of its name."""
    cells = [c for c in out.columns if c not in index]
    if not cells:
        return 0.0
    made = profile_column("cells", pd.concat([out[c] for c in cells], ignore_index=True))
    wanted = profile_column("cells", pd.concat([ctx.target.frame[t] for t in sorted(periods)], ignore_index=True))
    return similarity(wanted, made)


def _pivot_fit(out: pd.DataFrame, pivoted: set[str], ctx: Context, func: str,
               domain: Domain | None = None) -> tuple[float, float]:
    """How alike the pivoted cells are to the target's, and whether they stand in its order (`_same_order`);
    cells left empty may be filled with 0 next, as `pivot_table(...).fillna(0)` does, when the target has no
    gaps there: then both are of the filled cells, where those fit better. `func` made the cells, inside
    `domain` (`mapping.domain_of`) where it is given."""
    median = func == "median"
    tab = Tab(out)
    names = [t for t in pivoted if t in out.columns]
    if not names:
        return 0.0, 1.0
    fit = float(np.mean([similarity(ctx.profiles[t], tab.profile(t), median=median) for t in names]))
    cells = out
    gaps = any(tab.profile(t).nulls for t in names) and not any(ctx.profiles[t].nulls for t in names)
    if gaps and all(pd.api.types.is_numeric_dtype(out[t].dtype) for t in names):
        filled = Tab(out[names].fillna(0))
        fit_filled = 0.9 * float(np.mean([similarity(ctx.profiles[t], filled.profile(t), median=median)
                                          for t in names]))
        if fit_filled > fit:
            fit, cells = fit_filled, filled.frame
    # the largest (or the sum, the first) of whole numbers is whole, their median whole or a half: cells of the
    # target that are not (a cake's mean breaking angle, 31.125 degrees) no such pivot makes, however close
    # this half's are
    grain = grain_of(func)
    if (grain is not None and all(tab.profile(t).finer_than(grain) == 0 for t in names)
            and finer(ctx.cells(set(names)), grain)):
        fit *= NOT_WHOLE
    if domain is not None:
        # the largest of cylinders is no count of cars: each column is tested as the mapping tests it, and all
        # cells together (a column of two rows is never beyond alone); where the fill made the target's zeros
        # (the filled cells fit better), without them
        fills = cells is not out
        far = [beyond(_made_cells(ctx, [t], fills), domain) for t in names]
        share = 1.0 if beyond(_made_cells(ctx, names, fills), domain) else float(np.mean(far))
        fit *= 1.0 - (1.0 - OUT_OF_DOMAIN) * share
    return fit, _same_order(cells, names, ctx, func)


def _made_cells(ctx: Context, names: Sequence[str], filled: bool) -> ColumnProfile:
    """These target columns' values as one column, without their zeros where the pivot's gaps were filled with 0."""
    if not filled:
        return ctx.profiles[names[0]] if len(names) == 1 else ctx.cells(set(names))
    values = pd.concat([ctx.target.frame[t] for t in names], ignore_index=True)
    return profile_column(CELLS, values[values != 0])




def _derived_spread(name: str, tab: Tab, ctx: Context) -> list[tuple[str, tuple[ops.Step, ...], Tab]]:
    """Parts of string columns (split at a delimiter, or a fixed slice) whose values name two or more
    target columns: a pivot spreads them, so the target never shows the part as a column of its own."""
    # target columns the table has by name are no spread part; those it only maps may be (a melted value
    # column looks like the cells it is spread into)
    wanted = frozenset(v for v, t in ctx.names_as_values.items() if t not in tab.columns)
    if len(wanted) < 2:
        return []
    free = [t for t in ctx.columns if t not in tab.columns]
    lengths = [len(ctx.names_as_values[v]) for v in wanted]
    widths = {w for w in lengths if lengths.count(w) >= 2}  # spread names of one part have one width
    found: list[tuple[str, tuple[ops.Step, ...], Tab]] = []
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    for column in tab.columns:
        profile = tab.profile(column)
        if profile.kind != "string" or profile.distinct < 2:
            continue
        key = (id(profile), wanted)
        if key not in ctx.spread_parts:
            named, periods = [], []
            for step in _string_parts(ctx, name, tab, column, f"{column}_part", widths):
                derived = step.function()(pd.Series(list(profile._distinct_values[:STRING_SAMPLE])))
                cut = [_as_value(str(v)) for v in derived.dropna()]
                if len(set(cut) & wanted) >= 2:
                    # the part that names a target column for every value before those that do for some: the
                    # party ending 'machdem' and 'absdem' alike before the letters 4 to 7 of 'machdem' only
                    named.append((-sum(v in wanted for v in cut) / len(derived), step, tuple(derived.tolist())))
                elif closeness := _period_part({str(v) for v in derived.dropna()}, free):
                    periods.append((closeness, step, tuple(derived.tolist())))
            parts = [(step, derived) for _, step, derived in sorted(named, key=lambda p: p[0])]
            # periods of the other half (`_periods`): the part with about as many periods as the target shows
            parts += [(step, derived) for _, step, derived in sorted(periods, key=lambda p: -p[0])]
            ctx.spread_parts[key] = (profile, parts)  # the profile is kept so that its id stays its own
        for step, derived in ctx.spread_parts[key][1]:
            if (column, derived) in seen:
                continue  # a split and a slice that cut the same part are one
            seen.add((column, derived))
            step = replace(step, out=ctx.name(), table=name)
            found.append((step.target, (step,), Tab(step.run({name: tab.frame}))))
    if len(found) < 3:
        found += _labelled_spread(name, tab, ctx, wanted)
    return found[:3]


LABELLED = 2  # target names, at least, that one literal and a column's values (or their first digits) make


def _labelled_spread(name: str, tab: Tab, ctx: Context, wanted: frozenset[str]
                     ) -> list[tuple[str, tuple[ops.Step, ...], Tab]]:
    """Values of a column written between a literal text ('race ' + 1, 175 + ' C'), or the first digits of a
    number before one (the decade '1960s' of 1965, '400 m' of 412), that name target columns: a pivot
    spreads the label so made."""
    key = ("labelled", wanted)
    cached = tab.cache.get(key)
    if cached is not None:
        return _relabelled(name, tab, ctx, cached)
    # names made, columns, leading digits kept (0: all), literals before, between and after
    options: list[_Label] = []
    for column in tab.columns:
        for keep, prefix, suffix, made in _labels(tab, column, wanted):
            options.append((len(made), (column,), keep, prefix, (), suffix))
    options += _glued_labels(tab, wanted)
    options.sort(key=lambda o: -o[0])
    tab.cache[key] = options[:2]
    return _relabelled(name, tab, ctx, options[:2])


_Label = tuple[int, tuple[str, ...], int, str, tuple[str, ...], str]
GLUED_VALUES = 20  # distinct values, at most, of each of two columns whose values a label glues


def _glued_labels(tab: Tab, wanted: Collection[str]) -> list[_Label]:
    """Labels that glue the values of two columns between literals (`'degree ' + degree + ', female ' +
    female`: 'degree Yes, female No') and name `LABELLED` target columns or more."""
    names = [n for n in wanted if not n.replace(".", "").isdigit()]
    few = {}
    for column in tab.columns:
        profile = tab.profile(column)
        if profile.kind == "string" and 2 <= profile.distinct <= GLUED_VALUES:
            few[column] = [str(v) for v in tab.frame[column].dropna().unique() if str(v)]
    # where each column's values stand in each name, found once: the pairs then only combine what was found
    found_at = {c: {label: [(m.start(), x) for x in values for m in re.finditer(re.escape(x), label)] for label in names}
                for c, values in few.items()}
    literals: dict[tuple[str, str, str, str, str], set[str]] = {}
    for a, b in ((a, b) for a in few for b in few if a != b):
        for label in names:
            for i, x in found_at[a][label]:
                for j, y in found_at[b][label]:
                    if j >= i + len(x):
                        parts = (label[:i], label[i + len(x):j], label[j + len(y):])
                        literals.setdefault((a, b, *parts), set()).add(label)
    found = [(len(made), (a, b), 0, prefix, (between,), suffix) for (a, b, prefix, between, suffix), made in literals.items()
             if len(made) >= LABELLED and (prefix or between or suffix)]
    # of those making as many names, the one whose literals name its columns first ('degree ' before
    # `collegeDegree`, ', female ' before `female`)
    def named(literal: str, column: str) -> bool:
        return any(word in name_key(column) for word in re.findall(r"[a-z]{3,}", literal.lower()))

    def naming(option: _Label) -> int:
        return named(option[3], option[1][0]) + named(option[4][0], option[1][1])

    found.sort(key=lambda o: (-o[0], -naming(o)))
    # and those making as many names whose literals name their columns less are left out: the values alone
    # cannot tell `female` from `homeOwn`, both Yes and No
    return [o for o in found if not (o[0] == found[0][0] and naming(o) < naming(found[0]))]


def _labels(tab: Tab, column: str, wanted: Collection[str]) -> list[tuple[int, str, str, frozenset[str]]]:
    """The labels of a column's values (`_labelled_spread`) that name `LABELLED` target columns or more: the
    leading digits kept (0: all), the literals before and after, and the names made."""
    profile = tab.profile(column)
    if not 2 <= profile.distinct <= 200 or not (profile.kind == "string" or (profile.kind == "number"
                                                                               and profile.integral)):
        return []
    names = [n for n in wanted if not n.replace(".", "").isdigit()]  # plain values are spread as they are
    raw = tab.frame[column].dropna().drop_duplicates().head(200)
    try:
        whole = set(ops.JoinStrings(())(raw))  # as the Concatenate step writes them ('01' stays '01')
    except (TypeError, ValueError, OverflowError):
        return []  # values no label can write (whole numbers beyond 64 bits): no labels, and no failed search
    # the first digits of whole numbers that have more digits than kept (as the Substring step cuts their
    # text: no gaps, which would make them floats, and no signs)
    digits = pd.api.types.is_integer_dtype(tab.frame[column].dtype) and profile.lo is not None and profile.lo >= 0
    found = []
    for keep in (0, 1, 2, 3) if digits else (0,):
        cut = {v[:keep] for v in raw.astype(str) if len(v) > keep} if keep else whole
        literals: dict[tuple[str, str], set[str]] = {}
        for label in names:
            for value in cut:
                at = label.find(value)
                if value and at >= 0 and (at or len(label) > len(value)):
                    literals.setdefault((label[:at], label[at + len(value):]), set()).add(label)
        found += [(keep, prefix, suffix, frozenset(made)) for (prefix, suffix), made in literals.items()
                  if len(made) >= LABELLED and (prefix or suffix) and not (keep and not suffix)]
    return found


def _labelled_names(tab: Tab, column: str, wanted: Collection[str]) -> set[str]:
    """The target names `_labels` makes of a column (none where the column's values cannot be written so)."""
    return {t for *_, made in _labels(tab, column, wanted) for t in made}


def _relabelled(name: str, tab: Tab, ctx: Context, options: Sequence[_Label]
                ) -> list[tuple[str, tuple[ops.Step, ...], Tab]]:
    found: list[tuple[str, tuple[ops.Step, ...], Tab]] = []
    for _, columns, keep, prefix, between, suffix in options:
        steps = _label_steps(ctx, name, columns, keep, prefix, between, suffix, f"{columns[0]}_label")
        frames = {name: tab.frame}
        for step in steps:
            frames[step.out] = step.run(frames)
        found.append((steps[-1].target, steps, Tab(frames[steps[-1].out])))
    return found


def _label_steps(ctx: Context, name: str, columns: tuple[str, ...], keep: int, prefix: str, between: tuple[str, ...],
                 suffix: str, target: str) -> tuple[ops.Substring | ops.Concatenate, ...]:
    """The steps writing a label into `target`: the first column cut to its first `keep` characters (0: whole),
    then the columns written between the literals."""
    cut = (ops.Substring(ctx.name(), name, f"{columns[0]}_lead", columns[0], 0, keep),) if keep else ()
    sources = (cut[0].target,) if cut else columns
    return (*cut, ops.Concatenate(ctx.name(), cut[0].out if cut else name, target, sources, between, prefix, suffix))


def _period_part(made: set[str], names: Sequence[str]) -> float:
    """How near in count a derived part's values are to target names of their format ('2003', '2004' of
    '2001', '2002'), between 0 and 1; 0 when they are no periods (`alike_periods`)."""
    found = alike_periods(names, made) if len(made) >= 2 else []
    return min(len(made), len(found)) / max(len(made), len(found)) if found else 0.0


def _string_parts(ctx: Context, name: str, tab: Tab, column: str, target: str,
                  widths: set[int]) -> Iterator[ops.Split | ops.Substring]:
    """Split parts (at delimiters most values contain) and slices of the given widths of a column."""
    values = pd.Series(list(tab.profile(column)._distinct_values[:STRING_SAMPLE])).astype(str)
    for delimiter in delimiters_of(values):
        parts = int(values.str.count(re.escape(delimiter)).max()) + 1
        for part in [*range(min(parts, 4)), -1]:
            yield ops.Split(ctx.name(), name, target, column, delimiter, part)
    longest = int(values.str.len().max()) if len(values) else 0
    for width in sorted(widths):
        if 1 <= width < longest:
            for start in range(min(longest - width, 10) + 1):
                yield ops.Substring(ctx.name(), name, target, column, start, start + width)
    # parts of unlike widths: all but the first characters ('soda' of psoda, 'entree' of pentree), the last,
    # and all but the stem every value shares ('25', '101' of finc25, finc101)
    stems = _stem_cuts(values, stem_over=3)
    starts = [first for first, last in stems if last is None]
    # and all but a part another target column holds as its values, of one width ('Length' of sepalLength and
    # petalLength, whose part `sepal`, `petal` is cut too)
    held = {v for v in _texts_held(ctx) if len(v) >= 3}
    for width in sorted({len(v) for v in held}):
        heads = {v for v in held if len(v) == width}
        if width < longest and float(values.str[:width].isin(heads).mean()) >= HELD_PART:
            starts.append(width)
    for first in dict.fromkeys((1, 2, 3, *starts, -1, -2, -3, -4)):
        yield ops.Substring(ctx.name(), name, target, column, first, None)
    for first, last in stems:
        if first is None:  # all but the ending every value shares ('ex', 'fair' of exhealth, fairhealth)
            yield ops.Substring(ctx.name(), name, target, column, None, last)


HELD_PART = 0.8  # share of a column's values, at least, starting with another target column's values to be cut after them


def _texts_held(ctx: Context) -> set[str]:
    """The values of the target's text columns."""
    return {v for t in ctx.columns if ctx.profiles[t].kind == "string" for v in ctx.profiles[t].values}


def _pivot_values(tab: Tab, ctx: Context, pivoted: set[str], used: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Value columns worth pivoting, with their aggregates: the three numeric columns whose values look
    most like the target's pivoted cells (for mean, first, max, min, sum, median), and one gap-free column to
    count rows with. Pivoting every column with every aggregate costs too much on wide tables."""
    cells = pd.concat([ctx.target.frame[t] for t in pivoted], ignore_index=True)
    target = profile_column("cells", cells)
    numeric = [c for c in tab.columns if c not in used and tab.profile(c).kind == "number"]
    ranked = sorted(numeric, key=lambda c: -similarity(target, tab.profile(c)))[:3]
    out: list[tuple[str, tuple[str, ...]]] = [(c, ("mean", "first", "sum", "max", "min", "median")) for c in ranked]
    complete = [c for c in tab.columns if c not in used and not tab.profile(c).nulls]
    counter = complete[0] if complete else next((c for c in tab.columns if c not in used), None)
    if counter is not None:
        out.append((counter, ("count",)))
    return out


def propose_unpivot(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        proposals = []
        for variable in ctx.columns:
            vprofile = ctx.profiles[variable]
            options: list[tuple[tuple[str, ...], str, float]] = []
            if vprofile.kind == "string":
                value_vars = tuple(c for c in tab.columns if c in vprofile.values)
                if len(value_vars) >= 2:
                    options.append((value_vars, variable, 1.0))
                    # columns named as the values plus a word ('ALPSeats' beside the vote share 'ALP'): the
                    # melted values choose between them
                    parts = _named_by_parts(tab, vprofile, ctx)
                    if len(parts) >= 2 and not set(parts) & set(value_vars):
                        options += [(group, "variable", 0.7) for group in _framed_apart(parts, vprofile)]
                else:
                    # the target shows a part of the melted names ('petal' of petalLength): a split or slice
                    # of the variable column comes next, so the variable keeps pandas' default name
                    options += [(group, "variable", 0.7)
                                for group in _framed_apart(_named_by_parts(tab, vprofile, ctx), vprofile)]
                    if len(options[-1][0]) < 2:
                        # or words of its values ('eco' of the label 'AL eco' of ecoprc): the cut part was
                        # glued to another column's text
                        options += [(group, "variable", 0.5) for group in _named_by_words(tab, vprofile, ctx)]
                    # or the numbers of the melted names between a literal prefix and suffix ('Q7' of MBSA7,
                    # 'lag 1' of clrprc1, '50k' of finc50): sliced out, then glued to the literal
                    numbers = _labelled_numbers(vprofile)
                    options += [(group, "variable", 0.6) for group in _numbered_columns(tab, numbers)]
                    # or no column is named by them: columns renamed to the labels first ('placebo' for t1)
                    proposals += _renamed_melts(ctx, name, tab, variable, vprofile)
            elif vprofile.kind == "number" and vprofile.integral:
                # the numbers in the melted names (228 of wage228, 3 of choiceyrs3), sliced out next
                options += [(group, "variable", 0.7) for group in _numbered_columns(tab, vprofile)]
                # or several stems numbered alike, made long together (pandas' wide_to_long)
                proposals += _wide_to_long(ctx, name, tab, variable, vprofile)
            for value_vars, var_name, whole in options:
                if len(value_vars) < 2 or (var_name == "variable" and "variable" in tab.columns):
                    continue
                proposals.append(_unpivot_proposal(ctx, name, tab, variable, vprofile, value_vars, var_name, whole))
        if "variable" not in tab.columns:
            proposals += _melts_spread_by_name_parts(ctx, name, tab)
            proposals += _grid_melts(ctx, name, tab)
        yield from _best(proposals)


def _grid_melts(ctx: Context, name: str, tab: Tab) -> list[Proposal]:
    """A grid of numeric columns named by two parts, every part of one kind with every part of the other
    (re74 .. unem78: a measure and a year; mwhte .. foth: a parent and a race), made long at once and both
    parts cut from the melted names: the group-by or pivot that follows reads them apart. Both parts show in
    the target: one as the values of a target column, which its cut is named after and the grid keeps to;
    the other as those too, or as the names of target columns (`re`, `unem`) or their codes ('f', 'm' of
    father, mother; 'prc' of price): the cells a pivot spreads it into. A grid whose other part the target never shows is
    no grid of the pipeline (choiceyrs1..4 beside selectyrs1..4: one stem is melted). Parts are cut at a
    fixed width from the start or the end of the names, a separator between them dropped ('wage' of
    wage_1990)."""
    numeric = [c for c in tab.columns if isinstance(c, str) and tab.profile(c).numeric]
    if len(numeric) < 4:
        return []
    valued = {t: {_name_part(v) for v in ctx.profiles[t].values} for t in ctx.columns if t not in tab.columns
              and ctx.profiles[t].distinct <= GRID_PARTS}
    named = {_name_part(t) for t in ctx.columns if t not in tab.columns}
    proposals: list[Proposal] = []
    seen: set[tuple[str, ...]] = set()
    for width in range(1, GRID_WIDEST + 1):
        for from_end in (False, True):
            cuts = {c: (c[: len(c) - width], c[len(c) - width:]) if from_end else (c[:width], c[width:])
                    for c in numeric if len(c) > width}
            keys = {c: (_name_part(first.rstrip(SUFFIX_MARKS)), _name_part(second.lstrip(SUFFIX_MARKS)))
                    for c, (first, second) in cuts.items()}
            keys = {c: k for c, k in keys.items() if all(k)}
            sides = [{k[0] for k in keys.values()}, {k[1] for k in keys.values()}]
            holders = [_holder(valued, side) for side in sides]
            held = [h is not None for h in holders]
            if not any(held) or holders[0] == holders[1]:
                continue
            # a part the target holds as values keeps to them (a race, not the age beside it: mwhte, mage)
            kept = {c: k for c, k in keys.items() if all(h is None or k[i] in valued[h] for i, h in enumerate(holders))}
            grid = _full_grid(kept)
            if grid is None or grid in seen:
                continue
            slices = _grid_slices([cuts[c] for c in grid], width, from_end)
            # the slices give back every column's two parts (a separator at the cut in some names only, or
            # numbers of unlike widths, would give 're_' of re_10 beside 're' of re_1)
            if slices is None or any(_name_part(str(c)[slice(*cut)]) != keys[c][i]
                                     for c in grid for i, cut in enumerate(slices)):
                continue
            # the other part names target columns (`re`, `unem`), or codes them ('f', 'm' of father, mother)
            free = [t for t in ctx.columns if t not in tab.columns and t not in holders]
            naming = [len(named & (parts := {keys[c][i] for c in grid})) >= 2 or bool(_coded_cells(parts, free))
                      for i in (0, 1)]
            if not all(h or n for h, n in zip(held, naming, strict=True)):
                continue
            variable = holders[0] if held[0] else holders[1]
            assert variable is not None
            melt = _unpivot_proposal(ctx, name, tab, variable, ctx.profiles[variable], grid, "variable", 1.0).steps[0]
            assert isinstance(melt, ops.Unpivot)
            if any(naming):  # the melted values become cells named after a part, not a target column of their own
                melt = replace(melt, value_name="value" if "value" not in tab.columns else _unused("value", tab, ctx))
            made = [t if h else _unused(f"part{i + 1}", tab, ctx) for i, (t, h) in enumerate(zip(holders, held, strict=True))]
            if "variable" in melt.id_vars or melt.value_name in made:
                continue
            steps: list[ops.Step] = [melt]
            for column, (start, end) in zip(made, slices, strict=True):
                steps.append(ops.Substring(ctx.name(), steps[-1].out, column, "variable", start, end))  # type: ignore[arg-type]
            seen.add(grid)
            # a grid of some of the values the target holds (months 1-9 of 1-12, cut at one width) is likelier
            # a part of the pipeline's grid than all of it
            share = min(1.0, len({keys[c][held.index(True)] for c in grid}) / len(valued[variable]))
            proposals.append(Proposal(tuple(steps), PRIOR["unpivot"] * GRID_MELT * (0.5 + 0.5 * share), "unpivot"))
    return proposals


GRID_WIDEST = 4  # characters, at most, of the part cut at a fixed width from a grid's column names
GRID_PARTS = 40  # distinct values, at most, of a target column a grid's part may be the values of
GRID_MELT = 1.0  # a grid melt's prior beside a melt of one stem (both its parts show in the target)


def _holder(valued: Mapping[str, set[str]], parts: set[str]) -> str | None:
    """The target column holding the most of these parts among its values, two at least; None if none does."""
    best = max(valued, key=lambda t: len(valued[t] & parts), default=None)
    return best if best is not None and len(valued[best] & parts) >= 2 else None


def _name_part(value: object) -> str:
    """A part of a column name as the target may show it: lower case, leading zeros of a number dropped."""
    text = str(value).strip().lower()
    return (text.lstrip("0") or "0") if text.isdigit() else text


def _unused(word: str, tab: Tab, ctx: Context) -> str:
    taken = {*tab.columns, *ctx.columns, "variable", "value"}
    return next(n for n in (word, *(f"{word}_{k}" for k in range(1, 100))) if n not in taken)


def _full_grid(keys: Mapping[str, tuple[str, str]]) -> tuple[str, ...] | None:
    """The columns of the largest full grid of these (first, second) parts: two first parts or more, each
    with the same two second parts or more; None where there is none."""
    by_first: dict[str, dict[str, str]] = {}
    for column, (first, second) in keys.items():
        by_first.setdefault(first, {}).setdefault(second, column)
    best: tuple[str, ...] | None = None
    for shared in sorted({frozenset(s) for s in by_first.values() if len(s) >= 2}, key=sorted):
        firsts = sorted(f for f, s in by_first.items() if shared <= set(s))
        if len(firsts) >= 2 and (best is None or len(firsts) * len(shared) > len(best)):
            best = tuple(by_first[f][s] for f in firsts for s in sorted(shared))
    return best


def _grid_slices(cuts: Sequence[tuple[str, str]], width: int, from_end: bool
                 ) -> tuple[tuple[int | None, int | None], tuple[int | None, int | None]] | None:
    """The slices of the melted names that give the first and the second part, a separator every first part
    ends with (or every second part starts with) left out; None where a part would be left empty."""
    firsts, seconds = [f for f, _ in cuts], [s for _, s in cuts]
    head = int(firsts[0][-1:] in SUFFIX_MARKS and all(f[-1:] == firsts[0][-1:] for f in firsts))
    tail = int(not head and seconds[0][:1] in SUFFIX_MARKS and all(s[:1] == seconds[0][:1] for s in seconds))
    if from_end:
        return ((None, -(width + head)), (-(width - tail), None)) if width - tail >= 1 else None
    return ((None, width - head), (width + tail, None)) if width - head >= 1 else None


def _wide_to_long(ctx: Context, name: str, tab: Tab, variable: str, vprofile: ColumnProfile) -> list[Proposal]:
    """pandas' `wide_to_long`: two or more stems numbered alike (time1, time2, infect1, infect2), the numbers
    the target column `variable`'s values, made long together: one row per row of the table and number, a
    column per stem. Each stem is melted and its number cut from the melted names, then the stems are joined
    on the table's other columns and the number."""
    if len(vprofile.values) > MELTED_NUMBERS or variable in tab.columns:
        return []
    wanted = {v.lstrip("0") or "0" for v in vprofile.values}
    stems: dict[tuple[str, str], dict[str, str]] = {}  # (text before, text after the number) -> number -> column
    for column in tab.columns:
        text = str(column)
        runs = list(re.finditer(r"[0-9]+", text))
        number = (runs[0].group().lstrip("0") or "0") if len(runs) == 1 else None
        if number in wanted and tab.profile(column).numeric:
            # by the number as written: stems joined on the numbers cut out must spell them alike ('01', '1')
            stems.setdefault((text[: runs[0].start()], text[runs[0].end():]), {}).setdefault(runs[0].group(), column)
    by_numbers: dict[frozenset[str], list[tuple[str, str]]] = {}
    for stem, numbered in stems.items():
        if len(numbered) >= max(2, 0.5 * len(wanted)) and stem[0].strip("_.- "):
            by_numbers.setdefault(frozenset(numbered), []).append(stem)
    shared = [(numbers, found) for numbers, found in by_numbers.items() if len(found) >= 2]
    if not shared:
        return []
    numbers, chosen = max(shared, key=lambda item: (len(item[1]), len(item[0])))
    melted = {c for stem in chosen for c in stems[stem].values()}
    ids = tuple(c for c in tab.columns if c not in melted)
    if not ids:
        return []
    # the table's rows are told apart by one id column where one is unique, else by all of them; where even
    # they repeat (two men of one age, schooling and race), joining the stems would pair each with the other's
    # numbers: a grid melt reads such a table (`_grid_melts`)
    keys = next(((c,) for c in ids if tab.profile(c).unique), ids)
    if tab.frame.duplicated(subset=list(keys)).any():
        return []
    order = sorted(numbers, key=int)
    free = [t for t in ctx.columns if t not in tab.columns and t != variable]
    steps: list[ops.Step] = []
    named = 0
    values: list[str] = []
    joined = name
    for k, (before, after) in enumerate(chosen):
        word = before.strip("_.- ")
        spelled = next((t for t in free if t not in values and (t.lower().startswith(word.lower())
                                                                or word.lower().startswith(t.lower()))), None)
        named += spelled is not None
        value = spelled or word
        if value in ids or value in values or value == variable:
            return []
        values.append(value)
        label = f"{word}_column"
        melt = ops.Unpivot(ctx.name(), name, ids if k == 0 else keys, tuple(stems[(before, after)][n] for n in order),
                           label, value)
        cut = ops.Substring(ctx.name(), melt.out, variable, label, len(before), -len(after) if after else None)
        kept = ops.Select(ctx.name(), cut.out, (*(ids if k == 0 else keys), variable, value))
        steps += [melt, cut, kept]
        if k:
            steps.append(ops.Join(ctx.name(), joined, kept.out, (*keys, variable), (*keys, variable)))
        joined = steps[-1].out
    probability = PRIOR["unpivot"] * (0.5 + 0.5 * min(1.0, len(numbers) / len(wanted))) * (0.4 + 0.5 * named / len(chosen))
    return [Proposal(tuple(steps), probability, "unpivot")]


def _melts_spread_by_name_parts(ctx: Context, name: str, tab: Tab) -> list[Proposal]:
    """Melts for a pivot that spreads a part of the melted names: target columns named by what follows
    (or precedes) one stem in several numeric columns' names (`soda`, `fries` of psoda, pfries; `88`, `90`
    of inexp88, chexp90) were never columns of their own, so the names were melted, cut and spread. One
    melt per stem, and one of the stems whose values look like the target's cells together (inexp and chexp,
    not the vote shares vote88, vote90; `who` may be cut from the melted names too)."""
    wanted = [t for t in ctx.columns if t not in tab.columns]  # mapped or not: their values may look alike
    if len(wanted) < 2:
        return []
    stems: dict[tuple[bool, str], dict[str, str]] = {}  # (suffix, stem) -> column -> target name
    for column in tab.columns:
        text = str(column)
        if tab.profile(column).kind != "number":
            continue
        for t in sorted(wanted, key=len, reverse=True):
            if len(text) > len(t) and text.endswith(t):
                stems.setdefault((True, text[: -len(t)]), {}).setdefault(column, t)
            elif len(text) > len(t) and text.startswith(t):
                stems.setdefault((False, text[len(t):]), {}).setdefault(column, t)
    found = [(stem, named) for (_, stem), named in stems.items() if len(set(named.values())) >= 2]
    if not found:
        return []
    groups = [named for _, named in found]
    # the melted values are the cells the pivot spreads: stems whose values look like the target's cells
    spread = sorted({t for named in groups for t in named.values()})
    cells = profile_column("cells", pd.concat([ctx.target.frame[t] for t in spread], ignore_index=True))
    fits = [similarity(cells, profile_column("value", pd.concat([tab.frame[c] for c in named], ignore_index=True)))
            for named in groups]
    ranked = sorted(range(len(groups)), key=lambda k: (-len(set(groups[k].values())), -fits[k]))[:MELT_STEMS]
    options = [(tuple(groups[k]), fits[k]) for k in ranked]
    alike = [k for k in ranked if fits[k] >= MELT_ALIKE * max(fits)]
    # stems the target holds as the values of a column ('sepal', 'petal' of `part`) are cut from the names too:
    # all of them melted at once, before any alone
    shown = {v.lower() for v in _texts_held(ctx)}
    held = [k for k in alike if found[k][0].strip("_. ").lower() in shown]
    if len(held) > 1:
        options = [(value_vars, fit * STEM_ALONE) for value_vars, fit in options]
    if len(alike) > 1:
        options.append((tuple(dict.fromkeys(c for k in alike for c in groups[k])), max(fits)))
    mapping = ctx.mapping(tab)
    proposals = []
    for value_vars, fit in options:
        covered = {t for named in groups for c, t in named.items() if c in value_vars}
        keep = {c for t, c in mapping.pairs.items() if t not in covered} | set(ctx.columns)
        id_vars = tuple(c for c in tab.columns if c not in value_vars and c in keep)
        id_vars = id_vars or tuple(c for c in tab.columns if c not in value_vars)  # a join may come next
        share = len(covered) / len(wanted)
        step = ops.Unpivot(ctx.name(), name, id_vars, value_vars, "variable", "value")
        proposals.append(Proposal((step,), PRIOR["unpivot"] * MELT_FOR_SPREAD * share * max(fit, 0.3), "unpivot"))
    return proposals


MELT_STEMS = 3  # stems, at most, whose numbered or named columns are melted for a later spread
MELT_FOR_SPREAD = 0.7  # such a melt's prior beside a melt whose names the target shows as values
MELT_ALIKE = 0.5  # stems whose values fit the cells half as well as the best, at least, are melted together too
STEM_ALONE = 0.8  # what is left of the likeness of one stem's melt where the target holds the stems as values


RENAMED_MELT = 0.6  # the prior of columns renamed to labels no input holds, then melted, beside a plain melt
RENAMED_LABELS = 12  # labels, at most, that a rename before a melt gives
RENAMED_SHORTEST = 3  # characters, at least, of each label a rename writes
RENAMED_SWAP = 0.5  # the prior of the pairing with the two closest labels swapped, beside the pairing by level
ALIKE_SPANS = 0.2  # the narrowest range of a wide group's columns, at least, as a share of the widest


def _renamed_melts(ctx: Context, name: str, tab: Tab, variable: str, vprofile: ColumnProfile) -> list[Proposal]:
    """Columns renamed to readable labels and made long (t1 and t2 as 'placebo' and '6-MP'): the target column
    `variable` holds labels that no input holds, as many as a run of alike columns of the table (numeric,
    no id, named with one stem or ranging alike). Which label names which column is read from the target:
    the label under which the target's values stand highest names the column whose values do, and so on
    down, as means, medians, extremes and sums of a column follow its level; the pairing with the two
    closest labels swapped comes next. Not labels a melt and a cut make: numbers, letters, parts of the
    columns' names, or a literal glued to a column's values; nor the names of target columns."""
    labels = sorted(vprofile.values)
    if (not 2 <= len(labels) <= RENAMED_LABELS or variable in tab.columns
            or any(_NUMERIC_LABEL.match(v) or len(v) < RENAMED_SHORTEST for v in labels)):
        return []  # numbers, and letters or codes ('m', 'f'; 'ne') cut from names, are no names written out
    wanted = set(labels)
    if wanted - vprofile.foreign:
        return []  # an input holds the labels (a lookup's): joined, not written
    if wanted & (set(tab.columns) | set(ctx.columns)):
        return []  # columns of the labels' names are melted as they are; a target column's name is no label
    words = set().union(*(name_tokens(c) for c in tab.columns))
    if 2 * sum(bool(name_tokens(v) & words) for v in labels) >= len(labels):
        return []  # the labels are cut from the columns' names ('ne' of ne18, the 1 of clrprc1): melted, then cut
    for column in tab.columns:  # labels the data spells, or spells within its values ('age' of 'mage'), neither
        profile = tab.profile(column)
        if profile.kind == "string" and 2 * sum(any(v in text for text in profile.values) for v in labels) >= len(labels):
            return []
    window = _alike_run(tab, len(labels), set(ctx.columns))
    if window is None or _glued(tab, labels):
        return []
    melted = profile_column("value", pd.concat([tab.frame[c] for c in window], ignore_index=True))
    levels = _label_levels(ctx, variable, labels, melted)
    if levels is None:
        return []
    by_level = sorted(labels, key=lambda v: levels[v])
    by_mean = sorted(window, key=lambda c: float(pd.to_numeric(tab.frame[c], errors="coerce").mean()))
    # and the two labels standing closest swapped: the halves may order close columns otherwise
    closest = min(range(len(by_level) - 1), key=lambda k: levels[by_level[k + 1]] - levels[by_level[k]])
    swapped = list(by_level)
    swapped[closest], swapped[closest + 1] = swapped[closest + 1], swapped[closest]
    sources = _spread_sources(name, tab, ctx)  # the renamed columns are melted, never spread: the same
    found = []
    for order, prior in ((by_level, RENAMED_MELT), (swapped, RENAMED_MELT * RENAMED_SWAP)):
        pairs = dict(zip(by_mean, order, strict=True))
        rename = ops.Rename(ctx.name(), name, tuple((c, pairs[c]) for c in window))
        renamed = Tab(tab.frame.rename(columns=pairs))
        renamed.cache["spread_sources"] = sources - set(window)
        melt = _unpivot_proposal(ctx, rename.out, renamed, variable, vprofile, tuple(pairs[c] for c in window),
                                 variable, prior)
        found.append(replace(melt, steps=(rename, *melt.steps)))
    return found


def _glued(tab: Tab, labels: Sequence[str]) -> bool:
    """Whether most labels are a literal glued to a column's values ('majority 1'): made, not renames."""
    return any(2 * len(names) >= len(labels) for column in tab.columns for *_, names in _labels(tab, column, labels))


_NUMERIC_LABEL = re.compile(r"^[-+]?[0-9.]+$")


def _alike_run(tab: Tab, k: int, target_names: set[str]) -> tuple[str, ...] | None:
    """The run of k neighbouring columns most alike to be one wide group: numeric, none an id or a column the
    target keeps by name, their ranges overlapping and of a size; best named with one stem (t1, t2; Z5 .. Z10),
    else the most overlapping of runs whose ranges overlap by more than half. None when two runs tie."""
    columns = list(tab.columns)
    runs: list[tuple[float, tuple[str, ...]]] = []
    for start in range(len(columns) - k + 1):
        run = tuple(columns[start:start + k])
        profiles = [tab.profile(c) for c in run]
        if any(p.kind != "number" or p.unique or not p.finite or c in target_names
               for c, p in zip(run, profiles, strict=True)):
            continue
        stems = {re.sub(r"[0-9]+", "", str(c)).strip("_. ").lower() for c in run}
        low, high = max(p.lo for p in profiles), min(p.hi for p in profiles)
        spans = [p.hi - p.lo for p in profiles]
        if high < low or min(spans) < ALIKE_SPANS * max(spans):
            continue  # a percentage beside flags, a year beside counts
        spread = max(p.hi for p in profiles) - min(p.lo for p in profiles)
        overlap = (high - low) / spread if spread > 0 else 1.0
        score = (1.0 if len(stems) == 1 and stems != {""} else 0.5) + 0.1 * overlap
        if score > 0.55:
            runs.append((score, run))
    runs.sort(key=lambda r: -r[0])
    if not runs or (len(runs) > 1 and runs[0][0] - runs[1][0] < 1e-9):
        return None  # several runs alike (q1 .. q6 for two labels): nothing says which
    return runs[0][1]


def _label_levels(ctx: Context, variable: str, labels: Sequence[str], melted: ColumnProfile) -> dict[str, float] | None:
    """Per label, how high the target's values stand in its rows: the mean over its rows of the sum of the
    target's columns that look like the melted values (`melted`; all numeric columns where none does, as a
    pivot's cells of sums do not). Sums weigh each column by its size, as the melted column's total is spread
    over them (a site burned in one type of burn only, its cells naught in the others, stands as high as its
    total); counts beside them, which follow the gaps rather than the values, are left out where they can be.
    None when two labels stand level."""
    frame = ctx.target.frame
    keys = frame[variable].astype(str)
    numbers = [t for t in ctx.columns if t != variable and ctx.profiles[t].numeric]
    if not numbers:
        return None
    alike = [t for t in numbers if similarity(ctx.profiles[t], melted) >= ctx.threshold]
    per_row = pd.concat([pd.to_numeric(frame[t], errors="coerce") for t in alike or numbers], axis=1).sum(axis=1)
    levels = {v: float(per_row[keys == v].mean()) for v in labels}
    values = sorted(levels.values())
    if any(np.isnan(v) for v in values) or any(b - a < 1e-9 for a, b in pairwise(values)):
        return None
    return levels


def _unpivot_proposal(ctx: Context, name: str, tab: Tab, variable: str, vprofile: ColumnProfile,
                      value_vars: tuple[str, ...], var_name: str, whole: float) -> Proposal:
    """A melt of `value_vars` for the target column `variable`, its values named after the target's column
    of melted values where one looks like them."""
    # the target's column of melted values first: a column the table maps onto it (the values
    # look alike) is no id column
    melted_profile = profile_column("value", pd.concat([tab.frame[c] for c in value_vars], ignore_index=True))
    others = [t for t in ctx.columns if t != variable and (t not in tab.columns or t in value_vars)]
    fits = {t: similarity(ctx.profiles[t], melted_profile) for t in others}
    value_name = max(others, key=lambda t: fits[t]) if others else "value"
    if fits.get(value_name, 0.0) < ctx.threshold:
        value_name = "value"
    mapping = ctx.mapping(tab)
    mapped = {c for t, c in mapping.pairs.items() if t not in (variable, value_name)}
    spread = _spread_sources(name, tab, ctx)
    # and columns a target column's name holds, aggregated after the melt (`apps` of `mean_apps`)
    named = {c for c in tab.columns for t in ctx.columns if t not in tab.columns and t not in (variable, value_name)
             and names_column(name_tokens(t), name_tokens(c))}
    id_vars = tuple(c for c in tab.columns
                    if c not in value_vars and (c in mapped or c in ctx.columns or c in spread or c in named))
    if not id_vars:
        id_vars = tuple(c for c in tab.columns if c not in value_vars)
    counters = [c for c in tab.columns if c not in value_vars and not tab.profile(c).nulls]
    if counters and all(tab.profile(c).nulls for c in id_vars):
        # and a column without gaps to count the melted rows by (`lab`, a sample's id): the others have gaps
        id_vars = tuple(c for c in tab.columns if c in id_vars or c == counters[0])
    if value_name in id_vars:
        value_name = "value"
    if value_name == "value" and var_name == "variable":
        value_name = _stem_named(value_vars, ctx, tab) or value_name
    if value_name == "value" and "value" not in ctx.profiles:
        # (pandas' own name, where the target keeps it, is the one written: `value` of a 0/1 flag, grouped by)
        value_name = _aggregated_word(ctx, tab) or value_name
    share = len(value_vars) / max(1, len(vprofile.values))
    step = ops.Unpivot(ctx.name(), name, id_vars, value_vars, var_name, value_name)
    return Proposal((step,), PRIOR["unpivot"] * (0.5 + 0.5 * min(share, 1.0)) * whole, "unpivot")


def _spread_sources(name: str, tab: Tab, ctx: Context) -> set[str]:
    """Columns whose values (or a part of them: the year of '2003-2004') name target columns: a pivot after
    a melt spreads them, so the melt keeps them though the target never shows them. Once per table."""
    found = tab.cache.get("spread_sources")
    if found is None:
        found = {c for c in tab.columns if len(_pivoted(tab.profile(c), ctx)) >= 2}
        found = found or {source for _, steps, _ in _derived_spread(name, tab, ctx)
                          for source in getattr(steps[0], "sources", ())[:1]}
        tab.cache["spread_sources"] = found
    return found


def _labelled_numbers(variable: ColumnProfile) -> frozenset[str]:
    """The numbers of a text column whose values are one literal prefix and suffix around a number ('Q2',
    'Q7'; 'lag 1'; '25k', '101k'), or nothing."""
    if variable.distinct > MELTED_NUMBERS or len(variable.values) < 2:
        return frozenset()
    found = [re.fullmatch(r"(\D*)(\d+)(\D*)", v) for v in variable.values]
    if any(m is None for m in found):
        return frozenset()
    matches = [m for m in found if m is not None]
    if len({(m[1], m[3]) for m in matches}) != 1 or not (matches[0][1] or matches[0][3]):
        return frozenset()
    return frozenset(m[2] for m in matches)


def _year_tails(values: Collection[str]) -> dict[str, str]:
    """The last two digits of years written in full from them ('19' + '74' of re74; '5' of 2005, as numbers
    lose their leading zeros) -> the year, where all the values are years of one century; else none."""
    if all(len(v) == 4 and v.isdigit() for v in values) and len({v[:2] for v in values}) == 1:
        return {v[-2:].lstrip("0") or "0": v for v in values}
    return {}


def _numbered_columns(tab: Tab, variable: ColumnProfile | frozenset[str]) -> list[tuple[str, ...]]:
    """Numeric columns of one stem numbered by the target column's values (wage228, wage232; choiceyrs1
    to choiceyrs4; reg661 to reg669 by their last digit), or by the given numbers, one group per stem,
    when they hold at least half of those values (and two); the largest groups first. Years written in full
    may be numbered by their last two digits (re74 for 1974)."""
    values = variable if isinstance(variable, frozenset) else variable.values
    if len(values) > MELTED_NUMBERS or not values:
        return []
    wanted = {v.lstrip("0") or "0": v for v in values}
    wanted = {**_year_tails(values), **wanted}  # a number that is a value stands for itself
    stems: dict[str, list[str]] = {}
    covered: dict[str, set[str]] = {}
    for column in tab.columns:
        numbers = list(re.finditer(r"[0-9]+", str(column)))
        if len(numbers) != 1 or not (tab.profile(column).numeric or isinstance(variable, frozenset)):
            continue  # a label around the number ('Q7') may name answers as well as measures
        # the whole number, or its last digits (the region 3 of reg663, numbered after the year 66)
        run = numbers[0]
        for start in dict.fromkeys((run.start(), *(max(run.start(), run.end() - k) for k in (1, 2)))):
            number = str(column)[start: run.end()].lstrip("0") or "0"
            if number in wanted:
                stem = f"{str(column)[:start]}#{str(column)[run.end():]}"
                stems.setdefault(stem, []).append(column)
                covered.setdefault(stem, set()).add(wanted[number])
    groups = dict.fromkeys(tuple(group) for stem, group in stems.items()
                           if len(group) >= 2 and len(covered[stem]) >= 0.5 * len(values))
    return sorted(groups, key=len, reverse=True)[:TOP_PARAMETERS]


MELTED_NUMBERS = 200  # distinct numbers, at most, of a target column read out of melted column names (31 elections)


def _stem_named(value_vars: Sequence[str], ctx: Context, tab: Tab) -> str | None:
    """The stem the melted columns share ('wage' of wage228 and wage232), when a target column's name
    holds it as a word (`mean_wage`): the melted values were named after it, to be aggregated next."""
    stems = {name_key(c).strip("0123456789") for c in value_vars}  # name_key keeps letters and digits only
    stem = stems.pop() if len(stems) == 1 else ""
    if len(stem) < 3 or stem in tab.columns or stem in ctx.columns:
        return None
    return stem if any(stem in name_tokens(t) for t in ctx.columns) else None


def _aggregated_word(ctx: Context, tab: Tab) -> str | None:
    """The word the target's aggregates name beside their function ('price' of `mean_price`, `median_price` and
    `top_price`): the melted values were named so, to be aggregated next (`value_name='price'`). The word most
    of them name, where no other is as common, and no column here or of the target is named so already."""
    counted: dict[str, int] = {}
    for t in ctx.columns:
        words = name_words(t)
        said = [w for w in words if w in FUNCTION_WORDS]
        rest = [w for w in words if w not in FUNCTION_WORDS]
        if said and len(rest) == 1 and not rest[0].isdigit() and len(rest[0]) >= 3:
            counted[rest[0]] = counted.get(rest[0], 0) + 1
    if not counted:
        return None
    ranked = sorted(counted.items(), key=lambda x: -x[1])
    word = ranked[0][0]
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    if word in tab.columns or word in ctx.columns or any(word in name_tokens(c) for c in tab.columns):
        return None
    return word


def _one_frame(columns: Sequence[str], named: Mapping[str, list[str]]) -> tuple[str, ...]:
    """Of columns named by a value each, those framed alike ('ALPSeats', 'LPSeats', 'OtherSeats') where another
    frame names fewer values ('ALP2PP'): one measure per value is melted, not two. Numbers in a frame are any
    numbers."""
    frames: dict[tuple[str, str], list[str]] = {}
    for column in columns:
        if len(named[column]) != 1:
            continue
        low, part = column.lower(), named[column][0]
        at = low.index(part)
        # frames that differ in their numbers only are one (the years of Bush2004 and Gore2000)
        frames.setdefault((re.sub("[0-9]+", "#", low[:at]), re.sub("[0-9]+", "#", low[at + len(part):])),
                          []).append(column)
    if len(frames) < 2:
        return ()
    ranked = sorted(frames.values(), key=len, reverse=True)
    return tuple(ranked[0]) if len(ranked[0]) > len(ranked[1]) else ()


def _framed_apart(columns: tuple[str, ...], variable: ColumnProfile) -> list[tuple[str, ...]]:
    """Columns named by the target's labels, as one group per frame where two frames or more name every
    label alike (`curate`, `cvrate`, the changes, beside `urate_1`, `vrate_1`, the last month's levels): each
    is a measure of its own, and the melted values choose which the pipeline made long. Else all at once, as
    where the frames differ at one end only (`ALP.B` .. `TBL.M`, a grid of tests and phases)."""
    labels = sorted((v.lower() for v in variable.values if len(v) >= 3), key=len, reverse=True)
    frames: dict[tuple[str, str], list[str]] = {}
    for column in columns:
        low = column.lower()
        label = next((v for v in labels if v in low), None)
        if label is None:
            return [columns]
        at = low.index(label)
        frames.setdefault((re.sub("[0-9]+", "#", low[:at]), re.sub("[0-9]+", "#", low[at + len(label):])),
                          []).append(column)
    groups = [tuple(group) for group in frames.values() if len(group) >= 2]
    if len(groups) < 2 or len({before for before, _ in frames}) == 1 or len({after for _, after in frames}) == 1:
        # frames that differ on one side only are a grid's other part (ALP.B .. TBL.M: the test and the phase,
        # which a pivot spreads next): made long at once
        return [columns]
    return groups


def _named_by_parts(tab: Tab, variable: ColumnProfile, ctx: Context) -> tuple[str, ...]:
    """Columns whose names contain a value of the target's column, when most of its values are found so:
    numeric ones (measures), or text ones whose values the target spreads into columns (the bases A, C, G,
    T of alleles site1.a1 .. site4.a2) or holds in a column."""
    parts = [v.lower() for v in variable.values if len(v) >= 3 and not v.isdigit()]
    if len(parts) < 2 or variable.distinct > 30:
        return ()
    # a column named just the part ('Other' beside Bush2004, Other2004) leaves nothing for the cut that follows
    named = {c: [p for p in parts if p in c.lower()] for c in tab.columns if c.lower() not in parts}
    found = {p for ps in named.values() for p in ps}
    if len(found) < max(2, 0.5 * len(parts)):
        return ()
    # short values ('nc', 'ne' beside 'south', 'west') name columns framed as the long ones are (nc18 as south18)
    frames = {(c.lower()[: c.lower().index(ps[0])], c.lower()[c.lower().index(ps[0]) + len(ps[0]):])
              for c, ps in named.items() if len(ps) == 1}
    short = [v.lower() for v in variable.values if 1 <= len(v) < 3 and not v.isdigit()]
    by_name = {c.lower(): c for c in tab.columns}
    for value in short:
        for before, after in frames:
            column = by_name.get(before + value + after)
            if column is not None and (before or after) and not named.get(column):
                named[column] = [value]
    numeric = tuple(c for c in tab.columns if named.get(c) and tab.profile(c).numeric)
    framed = _one_frame(numeric, named)
    if len(framed) >= 2:
        return framed
    if len(numeric) >= 2:
        return numeric
    texts = tuple(c for c in tab.columns if named.get(c) and tab.profile(c).kind == "string")
    if len(texts) < 2:
        return numeric
    values = frozenset().union(*(tab.profile(c).values for c in texts))
    spread = len(values & set(ctx.columns)) >= 2
    held = any(len(values & ctx.profiles[t].values) >= 0.5 * len(values) for t in ctx.columns if ctx.profiles[t].kind == "string")
    return texts if spread or held else numeric


LABEL_WORDS = 30  # distinct words, at most, in a target's labels for their words to name melted columns


def _named_by_words(tab: Tab, variable: ColumnProfile, ctx: Context) -> list[tuple[str, ...]]:
    """Numeric columns whose names are a word of the target column's values and a stem they share
    ('eco' + 'prc' of ecoprc, 'reg' + 'prc' of regprc, for labels 'AL eco', 'AL reg'; 'earn' + '96'), two
    words or more per stem: melted, cut and glued into labels. One group per stem, the stems whose values
    look like the target's numbers first, and those of stems looking alike together."""
    words = {w.lower() for v in variable.values for w in re.findall(r"[A-Za-z]+|[0-9]+", v)
             if len(w) >= 3 or w.isdigit()}
    if not 2 <= len(words) <= LABEL_WORDS:
        return []
    stems: dict[tuple[bool, str], dict[str, str]] = {}
    for column in tab.columns:
        text = str(column).lower()
        if tab.profile(column).kind != "number":
            continue
        for word in words:
            if len(text) > len(word) and text.startswith(word):
                stems.setdefault((False, text[len(word):]), {}).setdefault(column, word)
            if len(text) > len(word) and text.endswith(word):
                stems.setdefault((True, text[: -len(word)]), {}).setdefault(column, word)
    groups = [tuple(named) for named in stems.values() if len(set(named.values())) >= 2]
    numbers = [t for t in ctx.columns if ctx.profiles[t].kind == "number" and t not in tab.columns]
    if not groups or not numbers:
        return []
    fits = [max(similarity(ctx.profiles[t], profile_column(t, pd.concat([tab.frame[c] for c in group],
                                                                          ignore_index=True))) for t in numbers)
            for group in groups]
    ranked = sorted(range(len(groups)), key=lambda k: -fits[k])[:MELT_STEMS]
    options = [groups[k] for k in ranked]
    alike = [k for k in ranked if fits[k] >= MELT_ALIKE * fits[ranked[0]]]
    if len(alike) > 1:
        options.append(tuple(dict.fromkeys(c for k in alike for c in groups[k])))
    return options


# ---- string operators --------------------------------------------------------------------------------


def _string_targets(tab: Tab, ctx: Context) -> list[str]:
    """Target string columns this table does not yet provide well."""
    mapping = ctx.mapping(tab)
    # integers of a key count too: a year or month cut from a date ("2006", "01") is a number once
    # the output is written to CSV, and such a derived column is what the target is grouped by
    keyed = {c for key in ctx.constraints.keys if len(key) <= 3 for c in key}
    embedded = tab.cache.get("embedded")
    if embedded is None:
        # numbers in this table's own texts too: a melt writes column names (wage228) as values
        embedded = tab.cache["embedded"] = _embedded_numbers(ctx.profiles, [tab], glued=True)
    return [
        t for t in ctx.columns
        if (ctx.profiles[t].kind == "string"
            or (ctx.profiles[t].integral and (t in keyed or t in ctx.embedded or t in embedded)
                and ctx.profiles[t].length <= 8))
        and (t not in mapping.pairs or mapping.scores[t] < 0.6 or _reshaped(ctx.profiles[t], tab.profile(mapping.pairs[t])))
    ]


RESHAPED = 0.5  # pattern likeness below which a text column mapped by its name is still to be derived


def _reshaped(target: ColumnProfile, column: ColumnProfile) -> bool:
    """A text column mapped by its name whose values have other shapes than the target's ('D' beside 'Batch
    A'): the pipeline rewrote it, so it is still a column to derive."""
    return target.kind == column.kind == "string" and pattern_similarity(target, column) < RESHAPED


def _slice_widths(target: ColumnProfile, lengths: pd.Series) -> list[int]:
    """Widths of the slices that could make the target's values: their mean length (fixed-width codes)
    and the longest (a slice past the end of shorter strings gives shorter values: 'charter'[3:6] is
    'rte', 'boat'[3:6] is 't'), each where the column's values are longer."""
    widths = [w for w in dict.fromkeys((round(target.length), target.longest)) if w >= 1]
    return [w for i, w in enumerate(widths) if (lengths.mean() if i == 0 else lengths.max()) > w]


def _stem_cuts(values: pd.Series, stem_over: int = 4, tail_over: int = 4) -> list[tuple[int | None, int | None]]:
    """Slices dropping the start or the ending every distinct value shares, when longer than the given
    characters (`finc` of finc25, finc101: '25', '101'; `health` of exhealth, fairhealth: 'ex', 'fair'),
    where every value keeps something."""
    texts = [str(t) for t in pd.unique(values)]
    if len(texts) < 2:
        return []
    shortest = min(len(t) for t in texts)
    stem = len(os.path.commonprefix(texts))
    tail = len(os.path.commonprefix([t[::-1] for t in texts]))
    return [*(((stem, None),) if stem_over < stem < shortest else ()),
            *(((None, -tail),) if tail_over < tail < shortest else ())]


def _varies_within(ctx: Context, column: str, target: str) -> bool:
    """Whether the target shows the column as it is and, for one of its values, several of the target
    column's: then no split or slice of the column made that one (a party cut from the state's code would
    give both of Arkansas's senators one party)."""
    if column not in ctx.columns or column == target:
        return False
    pairs = ctx.target.frame[[column, target]].dropna()
    return bool(len(pairs)) and bool((pairs.groupby(column)[target].nunique() > 1).any())


def _split_then_sliced(ctx: Context, name: str, target: str, column: str, delimiter: str, part: int,
                       cut: pd.Series, width: int) -> list[Proposal]:
    """The first or last characters of a split part ('D' of 'SESSIONS (D AL)', split at '(' and cut to one
    character): two steps for one column, where the target's values all have one width."""
    found = []
    for first, last in ((0, width), (-width, None)):
        sliced = cut.astype("string").str.slice(first, last)
        fit = _fit(ctx, target, sliced)
        if fit >= ctx.threshold:
            split = ops.Split(ctx.name(), name, f"{column}_part", column, delimiter, part)
            sub = ops.Substring(ctx.name(), split.out, target, f"{column}_part", first, last)
            found.append(Proposal((split, sub), PRIOR["split"] * PRIOR["substring"] * fit, "split"))
    return found


def _fit(ctx: Context, target: str, values: pd.Series) -> float:
    return similarity(ctx.profiles[target], profile_column(target, values.reset_index(drop=True)))


# the fields of dates and times written year first ('2004-07-01', '2004/07', '13:05:00'), by the words that
# name them: split position and slice
_DATE = re.compile(r"\d{4}([-/.])\d{1,2}(?:\1\d{1,2})?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
DATE_FIELDS = {"year": 0, "yr": 0, "month": 1, "mon": 1, "mth": 1, "day": 2}
TIME_FIELDS = {"hour": 0, "hr": 0, "minute": 1, "min": 1, "second": 2, "sec": 2}
NAMED_FIELD = 0.9  # a date's field the target column's name says it is: this likely, whatever the values
TALLY_WORDS = EXCLUSIVE_WORDS["sum"] | EXCLUSIVE_WORDS["mean"] | EXCLUSIVE_WORDS["count"]


def _date_parts(ctx: Context, name: str, tab: Tab, target: str, texts: Sequence[str], sample: pd.DataFrame) -> list[Proposal]:
    """The field of a date or time column that the target column's name says (`month` of '2004-07-01'): a
    contiguous split gives the target's half other months, and the day's last digit may share more of
    its values than the month does; the name tells them apart. The field is split out at the date's
    delimiter, or at ':' for a time."""
    words = name_tokens(target)
    tprofile = ctx.profiles[target]
    # the name says which field only where the target holds numbers ('Mon' of a `day_of_week` is no field),
    # and says no total, mean or count of something per year (`year_total`)
    digits = tprofile.integral or (tprofile.kind == "string" and all(v.isascii() and v.isdigit() for v in tprofile.values))
    if not digits or not any(w in DATE_FIELDS or w in TIME_FIELDS for w in words) or words & TALLY_WORDS:
        return []  # before reading any column: most target columns name no field
    found: list[Proposal] = []
    for column in texts:
        values = sample[column].dropna().astype(str)
        if not len(values):
            continue
        dates = values.str.fullmatch(_DATE.pattern).mean() >= 0.9
        times = values.str.fullmatch(_TIME.pattern).mean() >= 0.9
        for fields, holds in ((DATE_FIELDS, dates), (TIME_FIELDS, times)):
            part = next((fields[w] for w in words if w in fields), None)
            if not holds or part is None:
                continue
            dated = next((m for m in map(_DATE.fullmatch, values) if m), None)  # a few values may be no dates
            delimiter = dated[1] if fields is DATE_FIELDS and dated else ":"
            step = ops.Split(ctx.name(), name, target, column, delimiter, part)
            # a field of digits alone: the day of '2004-07-01 13:05' comes with the time, and is left
            made = step.function()(sample[column]).dropna()
            if len(made) and made.str.fullmatch(r"\d{1,4}").mean() >= 0.9:
                fit = max(_fit(ctx, target, made), NAMED_FIELD)
                found.append(Proposal((step,), PRIOR["split"] * fit, "split", spelled=frozenset({target})))
    return found


DATE_CUT = 0.5  # a slice of a date that is none of its fields (the day's last digit)


def _date_cut(values: pd.Series, start: int | None, end: int | None) -> float:
    """1 for a slice of a date that is one of its fields, or its year's last two digits ('04' of
    '2004-07-01'), or of values that are no dates; DATE_CUT for any other slice of a date."""
    if not len(values) or values.head(50).str.fullmatch(_DATE.pattern).mean() < 0.9:
        return 1.0
    first = next(v for v in values.head(50) if _DATE.fullmatch(v))
    width = len(first)
    marks = [k for k, ch in enumerate(first) if not ch.isdigit()]
    starts, ends = {0} | {k + 1 for k in marks}, {width} | set(marks)  # a field starts after a mark, ends at one
    low = 0 if start is None else start % width if start < 0 else start
    high = width if end is None else end % width if end < 0 else min(end, width)
    return 1.0 if (low in starts or (low, high) == (2, 4)) and high in ends and low < high else DATE_CUT


def _parts_made_long(ctx: Context, name: str, tab: Tab) -> list[Proposal]:
    """A text column of two to four parts of one kind ('1/2', a genotype's two alleles; 'drama|comedy'),
    every part cut out and made long: a row per part (pandas' `str.split(...).explode()`, written with the
    steps the search has). Where a target column holds the parts' values but not the whole texts, or the
    target's column names are the parts' values (a pivot spreads them next)."""
    free = [t for t in ctx.columns if t not in tab.columns]
    spread = {v for v, t in ctx.names_as_values.items() if t not in tab.columns}
    proposals: list[Proposal] = []
    for column in tab.columns:
        if tab.profile(column).kind != "string":
            continue
        values = spread_rows(tab.frame[column].dropna().astype(str), STRING_SAMPLE)
        if not len(values) or values.str.fullmatch(f"{_DATE.pattern}|{_TIME.pattern}").mean() >= 0.5:
            continue  # a date's or a time's fields are of different kinds, though their digits overlap
        for delimiter in delimiters_of(values, 0.9):
            counts = values.str.count(re.escape(delimiter))
            parts = int(counts.mode().iloc[0]) + 1
            if not 2 <= parts <= PARTS_MADE_LONG or float((counts == parts - 1).mean()) < 0.9:
                continue
            cut = values.str.split(delimiter, regex=False)
            sets = [set(cut.str[k].dropna()) for k in range(parts)]
            union = set().union(*sets)
            if len(sets[0] & sets[1]) < PARTS_ALIKE * len(sets[0] | sets[1]) or len(union) > MELTED_NUMBERS:
                continue  # parts of different kinds ('city, state'): split, not made long
            whole = set(values)
            fits = {t: similarity(ctx.profiles[t], profile_column(t, pd.Series(sorted(union)))) for t in free
                    if ctx.profiles[t].values and len(ctx.profiles[t].values & whole) < 0.5 * len(ctx.profiles[t].values)
                    and (ctx.profiles[t].kind == "string" or ctx.profiles[t].integral)}  # parts, not aggregates
            named = len({_as_value(v) for v in union} & spread)
            value, evidence = max(fits.items(), key=lambda item: item[1], default=(None, 0.0))
            if evidence < ctx.threshold:
                value, evidence = None, (0.8 if named >= 2 else 0.0)
            if not evidence or any(f"{column}_{k + 1}" in tab.columns for k in range(parts)):
                continue
            steps: list[ops.Step] = []
            made = []
            for k in range(parts):
                made.append(f"{column}_{k + 1}")
                steps.append(ops.Split(ctx.name(), steps[-1].out if steps else name, made[-1], column, delimiter, k))
            steps.append(ops.Unpivot(ctx.name(), steps[-1].out, tuple(tab.columns), tuple(made), f"{column}_part",
                                     value or f"{column}_parts"))
            proposals.append(Proposal(tuple(steps), PRIOR["split"] * evidence, "split"))
    return _best(proposals, 2)


UNNAMED_PART = 0.8  # a label's column its literal does not name, where another's does


def _label_word(prefix: str) -> str:
    """The name key of the word a literal prefix ends in before a space ('stage ' -> 'stage'), or ''."""
    words = prefix.split()
    return name_key(words[-1]) if prefix.endswith(" ") and words else ""
PARTS_MADE_LONG = 4  # parts, at most, of a text made long part by part
PARTS_ALIKE = 0.3  # the first two parts share this share of their values, at least, to be of one kind


def propose_string_ops(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        yield from _parts_made_long(ctx, name, tab)
        targets = _string_targets(tab, ctx)
        # digits cut from a code are numbers in the target's CSV: where the target's own columns remake
        # such a column, it is offered that step too
        mapping = ctx.mapping(tab)
        for target in ctx.columns:
            if (target not in targets and ctx.profiles[target].integral
                    and (target not in mapping.pairs or mapping.scores[target] < 0.6)):
                yield from _derived_in_target(ctx, name, tab, target)
        if not targets:
            continue
        sample = spread_rows(tab.frame, STRING_SAMPLE)
        texts = [c for c in tab.columns if tab.profile(c).kind == "string"]
        pieces = [c for c in tab.columns if tab.profile(c).kind in ("string", "bool")
                  or (tab.profile(c).kind == "number" and tab.profile(c).integral)]
        for target in targets:
            tprofile = ctx.profiles[target]
            proposals: list[Proposal] = []
            for column in texts:
                values = sample[column].dropna().astype(str)
                if not len(values) or _varies_within(ctx, column, target):
                    continue
                # a delimiter some values lack still splits them: those stay whole as their first part
                # ('Manufacturing' beside 'Business_and_Repair_Service')
                delimiters = delimiters_of(values, SPLIT_SHARE)
                delimiters += [d for d in boundaries_of(values, ctx.target.frame[target]) if d not in delimiters]
                # one width, when all the target's values have it: a split part's first or last characters
                width = round(tprofile.length) if tprofile.longest == round(tprofile.length) else 0
                for delimiter in delimiters:
                    parts = int(values.str.count(re.escape(delimiter)).max()) + 1
                    for part in [*range(min(parts, 4)), -1]:
                        split = ops.Split(ctx.name(), name, target, column, delimiter, part)
                        cut = split.function()(sample[column])
                        fit = _fit(ctx, target, cut)
                        if fit >= ctx.threshold:
                            proposals.append(Proposal((split,), PRIOR["split"] * fit * (1.0 if part >= 0 else 0.9), "split"))
                        elif width:
                            proposals += _split_then_sliced(ctx, name, target, column, delimiter, part, cut, width)
                lengths = values.str.len()
                widths = _slice_widths(tprofile, lengths)
                for width in widths:
                    probe = values.head(30).tolist()
                    for start in range(min(int(lengths.max()) - width, 10) + 1):
                        shapes = {compressed_pattern(v[start: start + width]) for v in probe}
                        if not shapes & set(tprofile.patterns):
                            continue  # the slice never looks like the target's values
                        sub = ops.Substring(ctx.name(), name, target, column, start, start + width)
                        fit = _fit(ctx, target, sub.function()(sample[column]))
                        if fit >= ctx.threshold:
                            fit *= _date_cut(values, start, start + width)
                            proposals.append(Proposal((sub,), PRIOR["substring"] * fit, "substring"))
                # cut from the end: all but the last characters, or the last ones ('08' of 'KK-08')
                cuts: list[tuple[int | None, int | None]] = [(None, k) for k in (-1, -2, -3, -4)]
                cuts += [(k, None) for k in (-1, -2, -3, -4)]
                cuts += _stem_cuts(pd.Series(tab.profile(column)._distinct_values[:STRING_SAMPLE]).astype(str))
                for first, last in cuts if widths else ():
                    sub = ops.Substring(ctx.name(), name, target, column, first, last)
                    fit = _fit(ctx, target, sub.function()(sample[column]))
                    if fit >= ctx.threshold:
                        fit *= _date_cut(values, first, last)
                        proposals.append(Proposal((sub,), PRIOR["substring"] * fit * 0.8, "substring"))
            programs = _concat_programs(ctx, target, name, tab, pieces)
            # a literal word before a space naming a column ('stage ' + stage): others whose values fit as well
            # are less likely
            words = [_label_word(prefix) for _, _, prefix, _ in programs]
            named = [bool(word) and any(p.step is None and name_key(p.column) == word for p in sources)
                     for (sources, _, _, _), word in zip(programs, words, strict=True)]
            for (sources, separators, prefix, suffix), naming in zip(programs, named, strict=True):
                before: list[ops.Step] = []
                frame = sample
                for part in sources:
                    if part.step is not None and part.column not in frame.columns:
                        derive = replace(part.step, out=ctx.name(), table=before[-1].out if before else name)
                        frame = derive.run({derive.table: frame})
                        before.append(derive)
                columns = tuple(part.column for part in sources)
                step = ops.Concatenate(ctx.name(), before[-1].out if before else name, target, columns, separators,
                                       prefix, suffix)
                fit = _fit(ctx, target, step.function()(*(frame[c] for c in columns)))
                if fit >= ctx.threshold:
                    fit *= UNNAMED_PART if any(named) and not naming else 1.0
                    # parts cut from one column (an initial and a surname of one name) are one rewrite of it
                    derived = PRIOR["split"] ** len({getattr(step, "column", None) for step in before})
                    proposals.append(Proposal((*before, step), PRIOR["concatenate"] * fit * derived, "concatenate"))
            proposals += _date_parts(ctx, name, tab, target, texts, sample)
            proposals += _derived_in_target(ctx, name, tab, target)
            proposals += _leading_digits(ctx, name, tab, target)
            # the best two, and the best of each kind of step: a slice that fits a little better must not
            # crowd out the only split (or the reverse) when the target holds values of both shapes
            kept = _with_ties(_best(proposals, len(proposals)), 2, lambda p: p.probability)
            for kind in ("split", "substring", "concatenate"):
                kept += [p for p in _best([p for p in proposals if p.operator == kind], 1) if p not in kept]
            # and the best split cut to the target's width, two steps whose priors both count, where it fits
            # better than any one step does
            single = max((p.probability for p in proposals if len(p.steps) == 1), default=0.0)
            kept += [p for p in _best([p for p in proposals if p.operator == "split" and len(p.steps) > 1], 1)
                     if p not in kept and p.probability / PRIOR["substring"] > single]
            yield from kept


def _leading_digits(ctx: Context, name: str, tab: Tab, target: str) -> list[Proposal]:
    """A label of a whole number's first digits and a literal after them (the decade '1960s' of 1965: the
    year's first three digits and '0s'; '400 m' of 412), and a literal before them if any: the number cut
    (`str[:3]`), then written between the literals. Every target value has that shape; the labels this half
    makes are compared with the target's, which a contiguous split gives other decades."""
    values = [str(v) for v in ctx.target.frame[target].dropna().astype(str).unique()[:200]]
    if len(values) < 2:
        return []
    prefix = os.path.commonprefix([re.match(r"\D*", v).group(0) for v in values])  # type: ignore[union-attr]
    found = []
    for keep in (1, 2, 3):
        middles = {v[len(prefix): len(prefix) + keep] for v in values}
        suffixes = {v[len(prefix) + keep:] for v in values}
        if len(suffixes) != 1 or not all(m.isdigit() and len(m) == keep for m in middles):
            continue
        suffix = next(iter(suffixes))
        if not suffix or suffix.isdigit():
            continue  # a number's first digits alone, or all its digits: no label
        for column in tab.columns:
            profile = tab.profile(column)
            if (not pd.api.types.is_integer_dtype(tab.frame[column].dtype) or profile.lo is None or profile.lo < 0
                    or profile.distinct < 2):
                continue
            digits = tab.frame[column].dropna().astype(str)
            if not len(digits) or not bool((digits.str.len() > keep).all()):
                continue
            fit = _fit(ctx, target, prefix + digits.str[:keep] + suffix)
            if fit >= ctx.threshold:
                steps = _label_steps(ctx, name, (column,), keep, prefix, (), suffix, target)
                found.append(Proposal(steps, PRIOR["concatenate"] * PRIOR["split"] * fit, "concatenate"))
    return _best(found, 2)


_LITERAL = re.compile(r"[^A-Za-z0-9]+")
IN_TARGET = 0.9  # share of the target's rows a string step must remake from the target's own columns
IN_TARGET_ROWS = 300  # target rows it is checked on
IN_TARGET_SOURCES = 12  # target columns, at most, tried as the step's sources


def _derived_in_target(ctx: Context, name: str, tab: Tab, target: str) -> list[Proposal]:
    """String steps that remake a target column from the target's own other columns, row by row (`label`
    is `aspect + ' ' + Stags` in the target's rows). Where the target keeps the columns a label, a code or
    a part was made from, this holds whatever rows the split gave each half, unlike comparing the values
    of this half with the target's; the step is written over this table's columns the mapping pairs them
    with."""
    mapping = ctx.mapping(tab)
    frame = ctx.target.frame.head(IN_TARGET_ROWS)
    wanted = frame[target]
    present = wanted.notna().to_numpy()
    if present.sum() < 2:
        return []
    expected = _text_of(wanted[present])
    every = [t for t in ctx.columns if t != target and t in mapping.pairs and mapping.pairs[t] in tab.columns
             and mapping.pairs[t] != target]
    sources = every[:IN_TARGET_SOURCES]

    def remade(function: Any, *columns: str) -> float:
        # of the target's own rows alone: worked out once per synthesis, though every table of every
        # state asks (a wide target of numbered columns asks for each of them)
        key = (target, type(function).__name__, repr(sorted(vars(function).items())), columns)
        found = ctx.remade_rows.get(key)
        if found is None:
            try:
                made = function(*(frame[c] for c in columns))
                found = float((_text_of(made[present]).to_numpy() == expected.to_numpy()).mean())
            except (TypeError, ValueError, AttributeError):
                found = 0.0
            ctx.remade_rows[key] = found
        return found

    found: list[Proposal] = []

    def offer(step: ops.Step, prior: float, share: float) -> None:
        # remaking the target's own rows vouches for a step far more than its values looking alike does, and
        # for the column it makes being the target's (the counties of the other half are other numbers)
        if share >= IN_TARGET:
            found.append(Proposal((step,), prior ** 0.25 * share, step.op, {target: share}))

    strings = [t for t in sources if ctx.profiles[t].kind == "string"]
    for source in strings:
        column = mapping.pairs[source]
        values = frame[source].dropna().astype(str)
        for delimiter in delimiters_of(values, SPLIT_SHARE):
            for part in (0, 1, 2, -1):
                split = ops.Split(ctx.name(), name, target, column, delimiter, part)
                offer(split, PRIOR["split"], remade(split.function(), source))
        longest = int(values.str.len().max()) if len(values) else 0
        widths = sorted({len(v) for v in expected.head(50)})[:3]
        for width in widths:
            for start in range(min(longest - width, 10) + 1):
                cut = ops.Substring(ctx.name(), name, target, column, start, start + width)
                offer(cut, PRIOR["substring"], remade(cut.function(), source))
        for first, last in [(None, k) for k in (-1, -2, -3)] + [(k, None) for k in (-1, -2, -3, -4)]:
            cut = ops.Substring(ctx.name(), name, target, column, first, last)
            offer(cut, PRIOR["substring"] * 0.8, remade(cut.function(), source))
    # a code of whole numbers cut at its end (the county 82 of the district 82010): its text as written, a
    # whole number stored as a float ('82010.0') two characters longer
    codes = [t for t in sources if ctx.profiles[t].kind == "number" and ctx.profiles[t].integral
             and str(tab.frame[mapping.pairs[t]].dtype) == str(frame[t].dtype)
             and (pd.api.types.is_integer_dtype(frame[t].dtype) or pd.api.types.is_float_dtype(frame[t].dtype))]
    for source in codes:
        stored = 2 if pd.api.types.is_float_dtype(frame[source].dtype) else 0
        for k in (-1, -2, -3):
            cut = ops.Substring(ctx.name(), name, target, mapping.pairs[source], None, k - stored)
            offer(cut, PRIOR["substring"] * 0.8, remade(cut.function(), source))
    runs: dict[str, int] = {}
    for value in expected.head(100):
        for run in set(_LITERAL.findall(value)):
            runs[run] = runs.get(run, 0) + 1
    separators = ["", *sorted(runs, key=lambda r: -runs[r])[:3]]
    for a in sources:
        for b in sources:
            if a == b:
                continue
            for separator in separators:
                glued = ops.Concatenate(ctx.name(), name, target, (mapping.pairs[a], mapping.pairs[b]), (separator,))
                prior = PRIOR["concatenate"] * (NO_SEPARATOR if not separator else 1.0)
                offer(glued, prior, remade(glued.function(), a, b))
    if len(every) > len(sources):
        # a wide target: every pair is too many to remake, so find each side on its own, by the rows' text
        # before and after the separator (or, glued, by the text a value starts with)
        for a, b, separator in _glued_pairs(expected, {t: _text_of(frame[t][present]) for t in every},
                                            [s for s in separators if s]):
            if a in sources and b in sources:
                continue  # remade above
            glued = ops.Concatenate(ctx.name(), name, target, (mapping.pairs[a], mapping.pairs[b]), (separator,))
            prior = PRIOR["concatenate"] * (NO_SEPARATOR if not separator else 1.0)
            offer(glued, prior, remade(glued.function(), a, b))
    return _best(found, 2)


def _glued_pairs(expected: pd.Series, texts: Mapping[str, pd.Series], separators: Sequence[str], k: int = 3
                 ) -> list[tuple[str, str, str]]:
    """(left, right, separator): the columns whose text is, row by row, what `expected` holds before and
    after a separator, or, glued without one, what it starts with and what is left; the best `k` per side."""
    wanted = expected.to_numpy(dtype=object)
    arrays = {c: t.to_numpy(dtype=object) for c, t in texts.items()}

    def matching(parts: np.ndarray, exclude: str = "") -> list[str]:
        shares = [(float((values == parts).mean()), c) for c, values in arrays.items() if c != exclude]
        return [c for share, c in sorted(shares, key=lambda x: -x[0])[:k] if share >= IN_TARGET]

    found: list[tuple[str, str, str]] = []
    for separator in separators:
        for pieces in ([v.split(separator, 1) for v in wanted], [v.rsplit(separator, 1) for v in wanted]):
            if sum(len(p) == 2 for p in pieces) < IN_TARGET * len(wanted):
                continue
            left = np.array([p[0] for p in pieces], dtype=object)
            right = np.array([p[-1] for p in pieces], dtype=object)
            found += [(a, b, separator) for a in matching(left) for b in matching(right, a)]
    for a, values in arrays.items():
        starts = np.array([isinstance(v, str) and w.startswith(v) and len(w) > len(v)
                           for w, v in zip(wanted, values, strict=True)])
        if starts.mean() < IN_TARGET:
            continue
        rest = np.array([w[len(v):] if ok else None for w, v, ok in zip(wanted, values, starts, strict=True)],
                        dtype=object)
        found += [(a, b, "") for b in matching(rest, a)]
    return list(dict.fromkeys(found))


def _text_of(values: pd.Series) -> pd.Series:
    """Values as the text a CSV shows, for comparing a remade column with the target's."""
    return ops.JoinStrings(())(values.reset_index(drop=True))




def _common_end(values: Sequence[str], suffix: bool) -> str:
    """The literal (non-alphanumeric) prefix or suffix every value shares."""
    found = _LITERAL.search(values[0][::-1] if suffix else values[0])
    if not found or found.start() != 0:
        return ""
    literal = found.group(0)[::-1] if suffix else found.group(0)
    return literal if all((v.endswith if suffix else v.startswith)(literal) for v in values) else ""


@dataclass(frozen=True)
class _Part:
    """Where one part of a concatenation comes from: a column, or one that `step` derives first."""

    column: str
    profile: ColumnProfile
    step: ops.Split | ops.Substring | None = None


def _derived_parts(ctx: Context, name: str, tab: Tab, widths: set[int]) -> list[_Part]:
    """Parts of string columns a label may be made of (the make, first word of a car's name; the
    two-digit year of a date): split parts and slices, profiled on the distinct values."""
    key = ("parts", tuple(sorted(widths)))
    found = tab.cache.get(key)
    if found is None:
        found = []
        for column in tab.columns:
            profile = tab.profile(column)
            if profile.kind != "string" or profile.distinct < 2:
                continue
            distinct = pd.Series(list(profile._distinct_values[:STRING_SAMPLE]))
            for step in _string_parts(ctx, name, tab, column, f"{column}_part", widths):
                values = step.function()(distinct)
                found.append(_Part(step.target, profile_column(step.target, values), step))
        tab.cache[key] = found
    return found


def _concat_programs(
    ctx: Context, target: str, name: str, tab: Tab, pieces: Sequence[str]
) -> list[tuple[tuple[_Part, ...], tuple[str, ...], str, str]]:
    """Concatenations that could write the target column: split its values at separators that all of
    them contain, and find the columns (or parts of columns) whose values look like the parts."""
    values = [str(v) for v in ctx.target.frame[target].dropna().astype(str).unique()[:200]]
    if len(values) < 2:
        return []
    prefix, suffix = _common_end(values, False), _common_end(values, True)
    values = [v[len(prefix): len(v) - len(suffix)] for v in values]
    counts: dict[str, int] = {}
    for value in values:
        # a separator may be part of a run of punctuation: ' - ' in 'Inc. - UA'
        found = {run[i:j] for run in _LITERAL.findall(value) for i in range(len(run)) for j in range(i + 1, len(run) + 1)}
        for literal in found:
            counts[literal] = counts.get(literal, 0) + 1
    common = [sep for sep, n in counts.items() if n >= 0.9 * len(values)]
    separators = sorted(common, key=lambda sep: (-counts[sep], -len(sep)))[:5]
    # a flag glued into a label reads as its text ('Alabama/True'): it is compared as that text
    columns = [_Part(c, tab.profile(c) if tab.profile(c).kind != "bool"
                     else profile_column(c, tab.frame[c].map(str, na_action="ignore"))) for c in pieces]

    def best(parts: list[str], exclude: set[object], k: int = 1, bar: float | None = None) -> list[tuple[float, _Part]]:
        part = profile_column("part", pd.Series(parts))
        # a part that recurs but no column holds as it is may be cut from one (the make of a car's name)
        lengths = {len(v) for v in parts}
        derived = [d for d in _derived_parts(ctx, name, tab, lengths if len(lengths) == 1 else set())
                   if _part_key(d) not in exclude and len(part.values & d.profile.values) >= 0.3 * len(part.values)]
        part.recurs = bool(derived) or any(part.values & p.profile.values for p in columns)
        scored = [(similarity(part, p.profile), p) for p in columns if _part_key(p) not in exclude]
        scored += [(0.9 * similarity(part, d.profile), d) for d in derived]
        scored = sorted((x for x in scored if x[0] >= (ctx.threshold if bar is None else bar)), key=lambda x: -x[0])
        unique: dict[tuple[str, str], tuple[float, _Part]] = {}
        for score, p in scored:
            # a split and a slice of one column cutting alike are one part; two flags are two
            unique.setdefault((p.column if p.step is None else p.step.column, str(p.profile.values)), (score, p))
        return _with_ties(list(unique.values()), k, lambda x: x[0])

    def vouched(parts: list[str], exclude: set[object]) -> list[tuple[float, _Part]]:
        # a side found by its shape beside one found by its values; one alike in shape that holds none of the
        # side's values is no part of these labels
        wanted = set(parts)
        return [p for p in best(parts, exclude, 2, SHAPE_ONLY)
                if p[0] >= ctx.threshold or len(wanted & p[1].profile.values) >= SHARED_PART * len(wanted)]

    programs: list[tuple[float, tuple[_Part, ...], tuple[str, ...]]] = []
    for separator in separators:
        for last in (False, True):
            split = [v.rsplit(separator, 1) if last else v.split(separator, 1) for v in values]
            if any(len(x) != 2 for x in split):
                continue
            lefts, rights = [x[0] for x in split], [x[1] for x in split]
            for left in best(lefts, set(), 2):
                # with the separator all values hold, a side found by its values vouches for the other, found
                # by its shape (the makes of both halves' planes are alike, their models mostly other ones)
                for right in vouched(rights, {_part_key(left[1])}):
                    programs.append((left[0] * right[0], (left[1], right[1]), (separator,)))
                for second in separators:  # a third column after a second separator
                    rest = [x[1].split(second, 1) for x in split]
                    if any(len(x) != 2 for x in rest):
                        continue
                    for middle in best([x[0] for x in rest], {_part_key(left[1])}):
                        for tail in best([x[1] for x in rest], {_part_key(left[1]), _part_key(middle[1])}):
                            programs.append((left[0] * middle[0] * tail[0], (left[1], middle[1], tail[1]),
                                             (separator, second)))
            # or the right side vouches for the left (the seasons of both halves alike, their conferences
            # mostly other ones: 'ACC 2003' here, 'SEC 2003' there)
            for right in best(rights, set(), 2):
                for left in vouched(lefts, {_part_key(right[1])}):
                    programs.append((left[0] * right[0], (left[1], right[1]), (separator,)))
            # or both sides are parts of one text column, written in another order or with another separator
            # ('Clemente, Roberto' of 'Roberto Clemente'): the column's parts vouch for each other by their shapes,
            # though the halves hold other people
            # (a side found by its values vouches for the other, as above: 'R' of 'R. Clemente' is an initial
            # the other half's names share)
            programs += [((1.0 if max(a, b) >= ctx.threshold else SAME_COLUMN) * a * b, pair, (separator,))
                         for a, b, pair in _reordered(ctx, name, tab, lefts, rights)]
    if not programs:
        # written without a separator ('A' + 'L' = 'AL'): cut every value at one position, from the start
        # or from the end, and look for the columns each side comes from
        shortest = min(len(v) for v in values)
        for cut in [*range(1, min(shortest, 4)), *range(-1, -min(shortest, 4), -1)]:
            pairs = [(v[:cut], v[cut:]) for v in values]
            if any(not a or not b for a, b in pairs):
                continue
            # one side found by its values may vouch for the other, found by its shape only (wool 'A' in
            # the target, 'B' in the other rows: a one-letter category all the same)
            for right in best([b for _, b in pairs], set()):
                bar = SHAPE_ONLY if right[0] >= VOUCHES else None
                for left in best([a for a, _ in pairs], {_part_key(right[1])}, bar=bar):
                    programs.append((NO_SEPARATOR * left[0] * right[0], (left[1], right[1]), ("",)))
            for left in best([a for a, _ in pairs], set()):
                bar = SHAPE_ONLY if left[0] >= VOUCHES else None
                for right in best([b for _, b in pairs], {_part_key(left[1])}, bar=bar):
                    programs.append((NO_SEPARATOR * left[0] * right[0], (left[1], right[1]), ("",)))
    programs.sort(key=lambda x: -x[0])
    unique = [p for p in dict.fromkeys((_apart(parts), seps) for _, parts, seps in programs)
              if not _contradicted(ctx, target, tab, *p, prefix, suffix)][:3]
    return [*((parts, seps, prefix, suffix) for parts, seps in unique), *_labelled(values, prefix, suffix, best)]


_Program = tuple[tuple[_Part, ...], tuple[str, ...], str, str]  # parts, separators, prefix, suffix
SAME_COLUMN = 0.5  # a label rewriting one text column's parts, found by their shapes alone


def _reordered(ctx: Context, name: str, tab: Tab, lefts: list[str], rights: list[str]
               ) -> list[tuple[float, float, tuple[_Part, _Part]]]:
    """Two parts of one text column split at one delimiter (the first and second word of 'Roberto Clemente',
    or the last: 'Smith' of 'Mary Ann Smith'), each shaped like one side of the target's labels: the two sides'
    shape-fits and the parts, left side first."""
    sides = [profile_column("part", pd.Series(values)) for values in (lefts, rights)]
    splits = [(d, d.step) for d in _derived_parts(ctx, name, tab, set()) if isinstance(d.step, ops.Split)]
    # the last part where it is not the second of every value (then it is that part again)
    splits = [(d, a) for d, a in splits if a.part >= 0 or not any(
        b.part >= 0 and (b.column, b.delimiter) == (a.column, a.delimiter) and e.profile.values == d.profile.values
        for e, b in splits)]
    pairs = [(left, right) for left, a in splits for right, b in splits
             if a.column == b.column and a.delimiter == b.delimiter and a.part != b.part]
    # or a name's initial before its last word ('R. Clemente' of 'Roberto Clemente')
    initials = [(d, d.step) for d in _derived_parts(ctx, name, tab, {1}) if isinstance(d.step, ops.Substring)
                and not d.step.start and d.step.end == 1]
    pairs += [(left, right) for left, i in initials for right, b in splits if i.column == b.column and b.part != 0]
    found = []
    for left, right in pairs:
        fits = similarity(sides[0], left.profile), similarity(sides[1], right.profile)
        if min(fits) >= SHAPE_ONLY:
            found.append((fits[0], fits[1], (left, right)))
    return found


def _contradicted(ctx: Context, target: str, tab: Tab, parts: Sequence[_Part], separators: Sequence[str],
                  prefix: str, suffix: str) -> bool:
    """Whether the target's own rows rule a label's program out: a part read from a column the target keeps
    too, under its name and with values of it (the wife's labour-force status beside 'no/yes', her and her
    husband's college), is that piece of the label in the rows where both are known, as a concatenation
    writes it: the label starts with the first part and its separator, ends with the last, holds a middle
    one between its separators. Not a column of that name that holds something else (a count named after it)."""
    frame = ctx.target.frame.head(IN_TARGET_ROWS)
    if len(separators) != len(parts) - 1:
        return False
    for position, part in enumerate(parts):
        column = part.column
        if part.step is not None or column == target or column not in frame.columns or column not in tab.columns:
            continue
        if not ctx.profiles[column].values & tab.profile(column).values:
            continue  # the same name, other values: not this column
        rows = frame[[target, column]].dropna()
        if len(rows) < 2:
            continue
        labels = _text_of(rows[target]).str.slice(len(prefix), -len(suffix) if suffix else None)
        before = separators[position - 1] if position > 0 else ""
        after = separators[position] if position < len(separators) else ""
        agree = 0
        for label, value in zip(labels, _text_of(rows[column]), strict=True):
            piece = f"{before}{value}{after}"
            agree += (label.startswith(piece) if position == 0 else label.endswith(piece)
                      if position == len(parts) - 1 else piece in label)
        if agree < IN_TARGET * len(rows):
            return True
    return False


def _labelled(values: Sequence[str], prefix: str, suffix: str,
              best: Callable[[list[str], set[object], int, float | None], list[tuple[float, _Part]]]) -> list[_Program]:
    """A number from one column (or part of one) between a literal text every value starts or ends with,
    letters too ('Q' + '7' of MBSA7, 'lag ' + '1', '50' + 'k'). The literal may share its last characters with the values'
    own start ('1800s' is '18' + '00s', not '1' + '8' + '00s'): each literal is tried whole and without the
    digits next to the part. Or a code of letters after a word and a space ('Batch ' + 'A'): a column named
    as that word is its code, whatever codes the other rows hold."""
    if len(values) < 2:
        return []
    head = os.path.commonprefix(list(values))
    tail = os.path.commonprefix([v[::-1] for v in values])[::-1]
    found: list[tuple[float, tuple[_Part, ...], tuple[str, ...], str, str, bool]] = []
    bare = head.rstrip("0123456789")
    # the literal whole, without the digits next to the part, or cut anywhere among those digits ('19' + '74':
    # the values 1974, 1975 and 1978 share '197', but the year's last two digits are the part)
    for start in dict.fromkeys((head, bare, *(head[:k] for k in range(len(head) - 1, len(bare), -1)))):
        for end in dict.fromkeys((tail, tail.lstrip("0123456789"))):
            if not (start or end) or any(len(v) <= len(start) + len(end) for v in values):
                continue
            rest = [v[len(start): len(v) - len(end)] for v in values]
            word = (prefix + start).strip() if not end and not suffix and (prefix + start)[-1:] == " " else ""
            if not all(r.isdigit() for r in rest) and not word:
                continue  # a number labelled ('Q7', '50k'); text sharing a first letter is no label ('DQA', 'DQB')
            parts = best(rest, set(), 2, SHAPE_ONLY if word else None)
            top = max((score for score, _ in parts), default=0.0)
            for score, part in parts:
                named = part.step is None and bool(word) and name_key(part.column) == name_key(word)
                if score < THRESHOLD and not named:
                    continue  # by its shape only where the word names the column
                # the column the word names before one whose values fit as well ('stage ' + stage, not + the
                # 0/1 of deaths: the halves hold other stages)
                found.append((max(score, top + SPELLED) if named else score, (part,), (), prefix + start, end + suffix,
                              any(len(r) > 1 and r.startswith("0") for r in rest)))
    # alike: a part that is a number as written (no leading zero: 'P0000' + '17', not 'P00' + '0017'), then the
    # shortest literal, the most of a column ('19' + '74', not '197' + '4')
    found.sort(key=lambda x: (-x[0], x[5], len(x[3]) + len(x[4])))
    return [(parts, seps, start, end) for _, parts, seps, start, end, _ in _with_ties(found, 2, lambda x: x[0])]


def _part_key(part: _Part) -> object:
    """What a part is: its column, or the step deriving it (two cuts of one code are two parts)."""
    return part.column if part.step is None else part.step


def _apart(parts: tuple[_Part, ...]) -> tuple[_Part, ...]:
    """The parts, those derived under a name an earlier part has given a name of their own ('earn' and '96'
    cut from `earn96` are `variable_part` and `variable_part2`)."""
    named: list[_Part] = []
    for part in parts:
        taken = {p.column for p in named}
        if part.step is not None and part.column in taken:
            fresh = next(f"{part.column}{k}" for k in range(2, 99) if f"{part.column}{k}" not in taken)
            part = _Part(fresh, part.profile, replace(part.step, target=fresh))
        named.append(part)
    return tuple(named)


NO_SEPARATOR = 0.8  # labels glued without a separator are rarer than those with one
VOUCHES = 0.8  # a part matched this well by values lets the other part match by its shape
SHAPE_ONLY = 0.3  # the bar for that other part
SHARED_PART = 0.1  # of a part matched by its shape beside a separator, the share of its values a column must hold


# ---- nulls -------------------------------------------------------------------------------------------


def propose_dropna(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        with_nulls = [c for c in tab.columns if tab.profile(c).nulls]
        if not with_nulls:
            continue
        mapping = ctx.mapping(tab)
        needed = [
            mapping.pairs[t] for t in ctx.columns
            if t in mapping.pairs and ctx.profiles[t].nulls == 0 and tab.profile(mapping.pairs[t]).nulls
        ]
        if needed:
            subset = ops.DropNA(ctx.name(), name, tuple(needed))
            every = ops.DropNA(ctx.name(), name, ())
            # where every column with gaps here needs its rows dropped, `dropna()` says that, and it also
            # drops the rows of other rows' gaps in columns this sample happens to hold whole (a subset
            # naming exactly the columns with gaps in one sample is rarely what was written)
            first, second = (every, subset) if set(needed) == set(with_nulls) else (subset, every)
            yield Proposal((first,), PRIOR["dropna"], "dropna")
            yield Proposal((second,), PRIOR["dropna"] * 0.8, "dropna")
        else:
            yield Proposal((ops.DropNA(ctx.name(), name, ()),), PRIOR["dropna"] * 0.25, "dropna")


def propose_fillna(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        mapping = ctx.mapping(tab)
        proposals = []
        # a column named like a target column is that column, even if its gaps keep it from mapping yet
        pairs = {**{t: t for t in ctx.columns if t in tab.columns}, **mapping.pairs}
        owner = {c: t for t, c in pairs.items()}
        for t, c in pairs.items():
            profile, tprofile = tab.profile(c), ctx.profiles[t]
            if not profile.nulls or tprofile.null_share >= profile.null_share:
                continue
            # the fill value is a target value the input does not have, about as frequent as its nulls
            seen = set(profile.values)
            candidates: dict[Any, float] = {}
            counts = ctx.target.frame[t].value_counts()
            shares = counts / max(1, len(ctx.target))
            texts = {value: number_text(value) if isinstance(value, (int, float, np.number)) else str(value)
                     for value in counts.index}
            # values the target has and this half lacks: where a contiguous split left several (other
            # countries, other years), any one of them is a category of those rows, hardly a fill value
            # (of those common enough to be the fill value: a measure's other values are no candidates)
            unseen = max(1, sum(texts[v] not in seen and shares[v] >= 0.3 * profile.null_share for v in counts.index))
            # a group key of a target smaller than this table shows a fill value once per group it is in
            # ('unknown' sex of one species' penguins), as any of its values
            grouped = any(t in key for key in ctx.constraints.keys) and len(ctx.target) <= 0.5 * len(tab)
            for value, share in shares.items():
                if texts[value] in seen or share < 0.3 * profile.null_share or (counts[value] < 2 and not grouped):
                    continue  # a constant fill value repeats wherever there were gaps
                closeness = min(share, profile.null_share) / max(share, profile.null_share)
                candidates[value] = (0.5 + 0.45 * closeness) * min(1.0, UNSEEN_FILLS / unseen)
                if len(candidates) >= 3:
                    break
            counted = False
            if profile.kind == "number":
                # 0 is the usual fill (no flights, no rain), more so where the target shows it often
                numeric = pd.api.types.is_numeric_dtype(ctx.target.frame[t].dtype)
                zeros = float((ctx.target.frame[t] == 0).mean()) if numeric else 0.0
                candidates[0] = max(candidates.get(0, 0.0), 0.5 + 0.45 * min(1.0, zeros / max(profile.null_share, 1e-9)))
                # on a rating scale without 0 (1 to 7), a gap is as often read as the scale's middle, and 0, no
                # value of the scale, is less likely where the target shows none
                middle = scale_middle(tab.frame[c]) if pd.api.types.is_numeric_dtype(tab.frame[c].dtype) else None
                if middle is not None and not zeros:
                    candidates[0] *= OFF_SCALE
                    candidates[middle] = max(candidates.get(middle, 0.0), 0.5)
                # a count is never 0: the target's 0s among counts were gaps filled (`df.fillna(0)` of a pivot)
                counted = zeros > 0 and c in tab.cache.get("counts", ())
            numeric_dtype = pd.api.types.is_numeric_dtype(tab.frame[c].dtype)
            for value, strength in candidates.items():
                if isinstance(value, (int, float, np.number)) != numeric_dtype:
                    continue  # numbers fill numeric columns only (a '01' string column reads as a number)
                if profile.kind == "number" and not isinstance(value, (int, float, np.number)):
                    continue
                if profile.kind == "string" and not isinstance(value, str):
                    continue
                value = value.item() if isinstance(value, np.generic) else value
                if isinstance(value, float) and value.is_integer() and profile.integral:
                    value = int(value)
                same_kind = tuple(x for x in tab.columns if tab.profile(x).nulls and tab.profile(x).kind == profile.kind
                                  and pd.api.types.is_numeric_dtype(tab.frame[x].dtype) == numeric_dtype)
                everywhere = all(tab.profile(x).kind == profile.kind for x in tab.columns if tab.profile(x).nulls)
                wide = tab.cache.get("made_by") == "pivot"
                # df.fillna(0) on a pivot's output fills every cell: the other rows may leave other gaps
                whole = 1.0 if wide and everywhere else 0.7
                prior = COUNTS_FILLED if counted and value == 0 else PRIOR["fillna"] * strength
                # the columns of its kind whose gaps the target lacks, not those it keeps (cigarettes and drinks
                # left blank read as none, the father's age left blank): one `fillna({'cigs': 0, 'drink': 0})`,
                # likelier than a fill of one of them, which leaves the other's gaps
                filled = tuple(x for x in same_kind if x in owner and not ctx.profiles[owner[x]].nulls)
                together = c in filled and 1 < len(filled) < len(same_kind)
                if together and c == filled[0]:
                    proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, filled),), prior, "fillna"))
                proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, (c,)),),
                                          prior * (0.8 if wide else 1.0) * (TOGETHER_FILLED if together else 1.0), "fillna"))
                if everywhere:
                    # every column of the value's kind, gaps here or not: other rows leave other gaps; of a pivot,
                    # the whole table, whichever values the rows it is run on spread into columns
                    alike = () if wide else tuple(
                        x for x in tab.columns if tab.profile(x).kind == profile.kind
                        and pd.api.types.is_numeric_dtype(tab.frame[x].dtype) == numeric_dtype)
                    proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, alike),), prior * whole, "fillna"))
                elif len(same_kind) > 1:
                    proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, same_kind),), prior * 0.8, "fillna"))
        proposals += _fill_spread_names(name, tab, ctx)
        yield from _best(proposals)


UNSEEN_FILLS = 2  # values the target has and the input lacks, beyond which each is less likely the fill value
OFF_SCALE = 0.8  # what is left of a fill with 0 of a rating scale without 0, where the target shows no 0
COUNTS_FILLED = 0.9  # a fill with 0 of counts (never 0) where the target's counts hold 0s: all but certain
TOGETHER_FILLED = 0.9  # what is left of a fill of one column where it and others of its kind have no gaps in the target


SCALE_POINTS = 11  # distinct whole numbers, at most, of a rating scale whose middle a fill may write


def scale_middle(values: pd.Series) -> int | None:
    """The median of a rating scale's answers (few whole numbers, 0 not among them, as 1 to 7 of an
    ideology), which a fill writes where an answer is missing; None for other columns."""
    known = values.dropna()
    if known.empty or known.nunique() > SCALE_POINTS or not bool((known == known.round()).all()):
        return None
    if bool((known <= 0).any()):
        return None  # a scale from 0 or of signed values: a fill with 0 is the middle, or is the usual one
    middle = float(known.median())
    return int(middle) if middle.is_integer() else None


def _fill_spread_names(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    """A column a pivot spreads into target columns may have its gaps filled first: a target column
    named like no value of it, beside those that are ('unknown' beside 'female' and 'male'; '-1.0' beside
    '0.0', '1.0' and '2.0' of a status whose missed interviews count as -1), names the fill value."""
    spread, spreader = _spread_names(tab, ctx)
    if spreader is None or not tab.profile(spreader).nulls or tab.profile(spreader).kind not in ("string", "number"):
        return []
    mapped = set(ctx.mapping(tab).pairs)
    names = [t for t in ctx.columns if t not in spread and t not in mapped and t not in tab.columns
             and ctx.profiles[t].kind == "number"]
    values: list[object] = []
    for t in names:
        number = _as_number(t)
        if tab.profile(spreader).kind == "string" and number is None:
            values.append(t)
        elif tab.profile(spreader).kind == "number" and number is not None:
            values.append(int(number) if number.is_integer() and tab.profile(spreader).integral else number)
    # a fill that makes the one missing name is likelier than a fill the target merely allows
    return [Proposal((ops.FillNA(ctx.name(), name, value, (spreader,)),), 0.7, "fillna")
            for value in values[:2]]


def _as_number(name: str) -> float | None:
    """The finite number a column name writes ('-1.0', '99'), if it writes one."""
    try:
        number = float(name)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# ---- group-by joined back (the titanic pattern: an aggregate as a feature of every row) ----------------


JOINED_BACK_ROWS = 50_000  # target rows, at most, that a joined-back aggregate is remade on
JOINED_BACK_SOURCES = 24  # target columns, at most, tried as what it aggregates
JOINED_BACK_FDS = 24  # FDs, at most, whose right-hand side is remade per synthesis
LOOSELY_MAPPED = 0.7  # a target column mapped below this may still be an aggregate joined back
TOGETHER = 0.9  # share of the likeliest aggregate's probability each joined back with it in one step reaches


def _joined_back_in_target(ctx: Context, fd: FD, mapping: ColumnMapping, tab: Tab) -> list[tuple[str, str, float]]:
    """(column of this table, function, share of the target's rows remade) for aggregates that remake a
    joined-back target column from the target's own rows: the target holds the rows the aggregate was taken
    over beside it (`max_y` is the max of `y` over the target's rows of each `site`), so this holds however
    far apart the halves' values lie, where comparing this half's aggregates with the target's values does
    not (a sum over groups of other sizes, a mean of ids of another range). Best first; functions that
    remake it alike (a max and a min of constant groups) in the order of their priors."""
    key = (fd.lhs, fd.rhs)
    found = ctx.remade.get(key)
    if found is None:
        # bounded work on wide targets with many FDs: the first few FDs asked about are remade
        found = ctx.remade[key] = _remade_from_target(ctx, fd) if len(ctx.remade) < JOINED_BACK_FDS else []
    return [(mapping.pairs[t], func, share) for t, func, share in found
            if t in mapping.pairs and mapping.pairs[t] in tab.columns]


def _remade_from_target(ctx: Context, fd: FD) -> list[tuple[str, str, float]]:
    """(target column, function, share) for `_joined_back_in_target`, once per FD."""
    frame = ctx.target.frame
    if len(frame) > JOINED_BACK_ROWS or len(frame) < 2:
        return []
    wanted = pd.to_numeric(frame[fd.rhs], errors="coerce") if ctx.profiles[fd.rhs].kind == "number" else None
    present = (frame[fd.rhs].notna() if wanted is None else wanted.notna()).to_numpy()
    if present.sum() < 2:
        return []
    grouped = frame.groupby(list(fd.lhs), sort=False, dropna=True)
    if grouped.ngroups >= len(frame):
        return []  # one row per group: every function remakes its row's own value
    sources = [t for t in ctx.columns if t != fd.rhs and t not in fd.lhs][:JOINED_BACK_SOURCES]
    found = []
    for source in sources:
        kind = ctx.profiles[source].kind
        for func in (NUMERIC_AGGS if kind == "number" else TEXT_AGGS):
            if (wanted is not None) != (func in ("count", "nunique") or kind == "number"):
                continue
            try:
                made = grouped[source].transform(func)
            except (TypeError, ValueError, NotImplementedError):  # pandas: a function this dtype lacks
                continue
            if wanted is not None:
                same = np.isclose(pd.to_numeric(made, errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                                  wanted.to_numpy(dtype=float, na_value=np.nan), rtol=1e-6, atol=1e-9)
            else:
                same = (made.astype(str) == frame[fd.rhs].astype(str)).to_numpy()
            share = float(same[present].mean())
            if share >= IN_TARGET:
                found.append((source, func, share))
    return sorted(found, key=lambda f: (-f[2], -AGG_PRIOR.get(f[1], 0.3)))


CONSTANT_GROUPS = 50  # distinct values, at most, of a column tried as the groups of a constant joined back
CONSTANT_COLUMNS = 3  # constant target columns, at most, tried as joined back
CONSTANT_GROUP_COLUMNS = 6  # columns, at most, tried as their groups


def _constant_fds(ctx: Context, mapping: ColumnMapping) -> list[FD]:
    """Every column determines a constant, so discovery names no FD for it; a count joined back over
    groups of one size (each measure of a melted table counted) is one. The mapped columns of a few
    values are its possible groups, tried only against the target's own rows (support 0 marks them),
    once nothing but constants is left unmapped."""
    unmapped = [t for t in ctx.columns if t not in mapping.pairs]
    constants = [t for t in unmapped if ctx.profiles[t].distinct == 1]
    if not constants or len(constants) < len(unmapped):
        # many functions remake a constant, by design or by chance (a max of a small whole number over
        # large groups): worth a step only once the constants are all that is left to make
        return []
    groups = [t for t in ctx.columns if t in mapping.pairs and 2 <= ctx.profiles[t].distinct <= CONSTANT_GROUPS
              and not (ctx.profiles[t].kind == "number" and not ctx.profiles[t].integral)]
    groups.sort(key=lambda t: ctx.profiles[t].distinct)  # fewest values first: the likeliest groups
    return [FD((g,), t, 0) for t in constants[:CONSTANT_COLUMNS] for g in groups[:CONSTANT_GROUP_COLUMNS]]


def propose_groupby_join(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        mapping = ctx.mapping(tab)
        proposals = []

        def joined_back(table: str, by: tuple[str, ...], wanted: str, out_name: str, column: str, func: str,
                        fit: float, probability: float) -> Proposal:
            """`table` grouped by `by` for one aggregate, joined back to its rows; made for `wanted`."""
            group = ops.GroupBy(ctx.name(), table, by, ((out_name, column, func),))
            join = ops.Join(ctx.name(), table, group.out, by, by, "left")
            explains = {out_name: fit} if out_name == wanted else {}
            return Proposal((group, join), probability, "groupby_join", explains)

        # per grouping, the best aggregate of each target column it determines: `df.merge(df.groupby(k).agg(
        # mean_x=..., n=...), on=k)` joins several back at once
        together: dict[tuple[str, ...], list[tuple[str, str, str, float, float]]] = {}
        for fd in [*ctx.constraints.fds, *_constant_fds(ctx, mapping)]:
            # a column mapped by values alike only (a 0/1 flag onto counts of one or two births) may still be
            # an aggregate that remakes the target's rows
            loosely = fd.rhs in mapping.pairs and mapping.scores[fd.rhs] < LOOSELY_MAPPED
            if (fd.rhs in mapping.pairs and not loosely) or not all(c in mapping.pairs for c in fd.lhs):
                continue
            by = tuple(mapping.pairs[c] for c in fd.lhs)
            grouped = tab.frame.groupby(list(by), sort=True, dropna=True)
            if grouped.ngroups >= len(tab):
                continue
            remade = _joined_back_in_target(ctx, fd, mapping, tab)
            if (not fd.support or loosely) and not remade:
                continue  # a constant's group-by is only worth a step where it remakes the target's rows
            for column, func, share in remade[:TOP_PARAMETERS]:
                # remaking the target's own rows vouches for an aggregate far more than values alike do
                out_name = fd.rhs if fd.rhs not in tab.columns else f"{column}_{func}"
                proposals.append(joined_back(name, by, fd.rhs, out_name, column, func, share,
                                             PRIOR["groupby_join"] ** 0.25 * share))
            if remade:
                (column, func, share), probability = remade[0], PRIOR["groupby_join"] ** 0.25 * remade[0][2]
                together.setdefault(by, []).append((fd.rhs, column, func, share, probability))
                continue
            options = choose_aggregates(grouped, tab, by, [fd.rhs], ctx)
            if not options:
                continue
            if options[0][2]:
                continue  # a part derived to be counted is not joined back
            (agg_name, column, func), fit = options[0][0][0], options[0][1][0]
            out_name = agg_name if agg_name not in tab.columns else f"{column}_{func}"
            proposals.append(joined_back(name, by, fd.rhs, out_name, column, func, fit, PRIOR["groupby_join"] * fit))
            together.setdefault(by, []).append((fd.rhs, column, func, fit, PRIOR["groupby_join"] * fit))
        for by, aggregates in together.items():
            # one per target column, each about as likely as the likeliest: a poor guess rides along no sure one
            most = max(p for *_, p in aggregates)
            wanted = {rhs: (column, func, fit, p) for rhs, column, func, fit, p in aggregates if p >= TOGETHER * most}
            if len(wanted) < 2 or any(rhs in tab.columns for rhs in wanted):
                continue
            group = ops.GroupBy(ctx.name(), name, by, tuple((rhs, column, func) for rhs, (column, func, _, _) in wanted.items()))
            join = ops.Join(ctx.name(), name, group.out, by, by, "left")
            # one step for all, where each alone would take a step: tried before any of them alone
            probability = min(1.0, max(p for _, _, _, p in wanted.values()) * 1.001)
            explains = {rhs: fit for rhs, (_, _, fit, _) in wanted.items()}
            proposals.append(Proposal((group, join), probability, "groupby_join", explains))
        yield from _best(proposals, 2)


# ---- one table at two granularities, joined (per carrier and month beside per carrier) --------------------


def _determining_parts(key: Sequence[str], ctx: Context) -> list[tuple[str, ...]]:
    """The proper parts of a key that determine a column outside it (an FD's left side), smallest first,
    each in the key's order. Only these can be a coarser granularity; a wide key's 2^n parts are not tried."""
    found = {tuple(k for k in key if k in fd.lhs) for fd in ctx.constraints.fds
             if fd.lhs and set(fd.lhs) < set(key) and fd.rhs not in key}
    return sorted(found, key=lambda part: (len(part), [key.index(k) for k in part]))


def propose_two_granularities(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    """A target keyed by several columns, with columns that a part of the key determines (an FD from a
    proper subset of the key): the table grouped by the whole key for the other columns, grouped by the
    part for those, and the two joined on the part. Each is an aggregate of the same source."""
    for name in sorted(live):
        tab = live[name]
        if tab.cache.get("made_by") in ("groupby", "pivot", "granularities"):
            continue
        mapping = ctx.mapping(tab)
        primary = ctx.constraints.primary
        if primary and all(k in mapping.pairs for k in primary):
            proposals = _pivot_beside_groupby(name, tab, ctx)
            keys = [primary]
        else:
            proposals, keys = [], []
        # and the target's first columns: a total of a few rows is unique by chance, and discovery may
        # take it for the key (officers summed per year and region, six rows)
        leading = _leading_key(tab, ctx)
        keys += [leading] if leading and leading not in keys else []
        for key in keys:
            for part in _determining_parts(key, ctx):
                coarse = [fd.rhs for fd in ctx.constraints.fds if set(fd.lhs) == set(part) and fd.rhs not in key]
                fine = [t for t in ctx.columns if t not in key and t not in coarse]
                if not coarse or not fine:
                    continue
                by_fine = tuple(mapping.pairs[k] for k in key)
                by_coarse = tuple(mapping.pairs[k] for k in part)
                fine_options = choose_aggregates(tab.frame.groupby(list(by_fine), sort=True, dropna=True), tab,
                                                 by_fine, fine, ctx)
                coarse_options = choose_aggregates(tab.frame.groupby(list(by_coarse), sort=True, dropna=True), tab,
                                                   by_coarse, coarse, ctx, _per_part(ctx, part))
                if fine_options and not fine_options[0][2] and (not coarse_options or coarse_options[0][2]):
                    coarse_options = _coarse_like_fine(coarse, fine, fine_options[0][0])
                if not fine_options or not coarse_options or fine_options[0][2] or coarse_options[0][2]:
                    continue
                (fine_aggs, fine_fit, _), (coarse_aggs, coarse_fit, _) = fine_options[0], coarse_options[0]
                if len(fine_aggs) < len(fine) or len(coarse_aggs) < len(coarse):
                    continue
                taken = {n for n, _, _ in fine_aggs}
                coarse_aggs = [(n if n not in taken else f"{n}_all", c, f) for n, c, f in coarse_aggs]
                first = ops.GroupBy(ctx.name(), name, by_fine, tuple(fine_aggs))
                second = ops.GroupBy(ctx.name(), name, by_coarse, tuple(coarse_aggs))
                join = ops.Join(ctx.name(), first.out, second.out, by_coarse, by_coarse, "inner")
                fit = float(np.mean([*fine_fit, *coarse_fit]))
                explains = {out: score for (out, _, _), score in zip(fine_aggs, fine_fit, strict=False)}
                explains.update((out, max(score, EXPLAINED) if _per_key(out, column, func, (*part, *by_coarse)) else score)
                                for (out, column, func), score in zip(coarse_aggs, coarse_fit, strict=False))
                proposals.append(Proposal((first, second, join), PRIOR["groupby"] ** 2 * PRIOR["join"] * fit,
                                          "granularities", {t: p for t, p in explains.items() if t in ctx.profiles}))
        yield from _best(proposals, 2)


def _per_key(target: str, column: str, func: str, by: Sequence[str]) -> bool:
    """Whether a coarse aggregate's name says how it was made: its column's name and a word of its function,
    or and the name of the key it is per (`year_crimes`, the crimes of all cities of a year). A total over
    the other half's rows lies far from the target's, whose rows are others."""
    if spells(target, column, func):
        return True
    whole, own = name_key(target), name_key(column)
    return bool(own) and any(whole in (name_key(k) + own, own + name_key(k)) for k in by)


def _leading_key(tab: Tab, ctx: Context) -> tuple[str, ...]:
    """The target's first columns that map onto group-by keys of this table, where they are unique in the
    target together: a group-by's keys come first in its output. In a handful of rows the target's keys are
    unique by chance as often (six cells of workers per sex, race and ethnicity: each count differs), so
    discovery may not name them."""
    mapping, rows = ctx.mapping(tab), len(tab)
    leading: list[str] = []
    for t in ctx.columns:
        column = mapping.pairs.get(t)
        if column is None or not _groupable(tab.profile(column), rows) or tab.profile(column).distinct > 0.5 * rows:
            break
        leading.append(t)
    if len(leading) < 2 or len(leading) == len(ctx.columns):
        return ()
    if ctx.target.frame[leading].duplicated().any():
        return ()
    return tuple(leading)


def _pivot_beside_groupby(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    """Target columns named after the values of a column here (a pivot's cells) beside others that are no
    such value (a count or total per row of the pivot): the table spread by the columns left of the cells,
    grouped by them for the others, and the two joined on them (`wages.merge(workers, on="looks")`). Worked
    out once per table (it tries many pivots); the steps are named anew for each state."""
    found = ctx.beside.get(tab.fingerprint)
    if found is None:
        found = ctx.beside[tab.fingerprint] = _pivots_beside(name, tab, ctx)
    return [replace(p, steps=_renamed(p.steps, name, ctx)) for p in found]


def _renamed(steps: Sequence[ops.Step], name: str, ctx: Context) -> tuple[ops.Step, ...]:
    """A pivot (with the steps after it, a fill and a rename of its cells), a group-by of one table and their
    join, named for this state's table and fresh outputs."""
    *spread, group, join = steps
    assert isinstance(spread[0], ops.Pivot) and isinstance(group, ops.GroupBy) and isinstance(join, ops.Join)
    chained = _chain(spread, name, ctx)
    grouped = replace(group, out=ctx.name(), table=name)
    return (*chained, grouped, replace(join, out=ctx.name(), left=chained[-1].out, right=grouped.out))


def _pivots_beside(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    named: dict[str, frozenset[str]] = {}
    for column in tab.columns:
        if tab.profile(column).distinct <= 200:
            names = _pivoted(tab.profile(column), ctx)
            if len(names) >= 2:
                named[column] = frozenset(names)
    if not named:
        return _flags_beside(name, tab, ctx)
    spread = max(named.values(), key=len)
    first = min(ctx.columns.index(t) for t in spread)
    key = tuple(ctx.columns[:first])
    mapping = ctx.mapping(tab)
    if not key or any(k not in mapping.pairs for k in key):
        return []
    index = tuple(mapping.pairs[k] for k in key)
    # flags (0 and 1) spread alike: every column with those values may be the one spread
    spreaders = [c for c, names in named.items() if names == spread and c not in index][:SPREAD_POOL]
    rest = [t for t in ctx.columns if t not in key and t not in spread]
    if not spreaders or not rest or any(ctx.profiles[t].kind != "number" for t in rest):
        return []
    options = choose_aggregates(tab.frame.groupby(list(index), sort=True, dropna=True), tab, index, rest, ctx)
    if not options or options[0][2] or len(options[0][0]) < len(rest):
        return []
    aggs, fits, _ = options[0]
    # every flag is tried, and the pivots ranked by their cells' fit and how likely their function is
    pivots = []
    for spreader, (values, funcs) in ((c, v) for c in spreaders for v in _pivot_values(tab, ctx, set(spread), {*index, c})):
        for func in funcs:
            pivoted = _run_pivot(ops.Pivot("", name, index, spreader, values, func), tab, spread, ctx)
            if pivoted is not None and pivoted[1] and pivoted[2] >= ctx.threshold:
                bonus = _pivot_bonus(tab, index, spreader, func, tab.profile(values))
                share = len(spread) / max(len(spread), tab.profile(spreader).distinct)  # a score, not a flag
                order = _same_order(pivoted[0].frame, [t for t in spread if t in pivoted[1]], ctx, func)
                pivots.append((pivoted[2] * order * bonus * share, spreader, values, func))
    found = []
    ranked = sorted(pivots, key=lambda x: -x[0])
    # the best pivot of each of the likeliest columns spread, then the second best of each (another function)
    by_column: dict[str, list[tuple[float, str, str, str]]] = {}
    for pivot_option in ranked:
        by_column.setdefault(pivot_option[1], []).append(pivot_option)
    columns = list(by_column.values())[:SPREADERS]
    chosen = [*(options[0] for options in columns), *(options[1] for options in columns if len(options) > 1)]
    for likely, spreader, values, func in chosen[:SPREADERS + 2]:
        pivot = ops.Pivot(ctx.name(), name, index, spreader, values, func)
        group = ops.GroupBy(ctx.name(), name, index, tuple(aggs))
        join = ops.Join(ctx.name(), pivot.out, group.out, index, index, "inner")
        found.append(Proposal((pivot, group, join), PRIOR["pivot"] * PRIOR["groupby"] * PRIOR["join"]
                              * float(np.mean([likely, *fits])), "granularities"))
    return found


def _flags_beside(name: str, tab: Tab, ctx: Context) -> list[Proposal]:
    """A flag spread into two cells renamed after it (`black` and `other` of `black`, `women` and `men` of
    `female`: `_flag_cells`), beside the other numeric columns of the target grouped by the same key
    (`wages.rename(columns={0: 'men', 1: 'women'}).merge(counts, on='looks')`). The other cell is named as a
    cell: a name that says a function (`mean_income`) is the group-by's."""
    mapping = ctx.mapping(tab)
    key = [t for t in ctx.columns if t in (ctx.constraints.primary or ())]
    numbers = [t for t in ctx.columns if t not in key and ctx.profiles[t].kind == "number"]
    if not key or len(key) + len(numbers) != len(ctx.columns) or len(numbers) < 3:
        return []
    index = tuple(mapping.pairs[k] for k in key)
    flags = [c for c in tab.columns if c not in index and tab.profile(c).distinct == 2 and _joinable(tab.profile(c))]
    found = []
    for flag in flags[:SPREAD_POOL]:
        for own, other in ((a, b) for a in numbers for b in numbers if a != b):
            if not (name_key(own) == name_key(flag) or same_sex(own, flag) and opposite_sex(own, other)) or _said_function(other):
                continue
            rest = [t for t in numbers if t not in (own, other)]
            options = choose_aggregates(tab.frame.groupby(list(index), sort=True, dropna=True), tab, index, rest, ctx)
            if not options or options[0][2] or len(options[0][0]) < len(rest):
                continue
            aggs, fits, _ = options[0]
            spreads = []
            for values, funcs in _pivot_values(tab, ctx, {own, other}, {*index, flag}):
                for func in funcs:
                    pivot = ops.Pivot("", name, index, flag, values, func)
                    pivoted = _run_pivot(pivot, tab, [own, other], ctx)
                    cells = _flag_cells(pivoted[1], [own, other], flag) if pivoted is not None else {}
                    if pivoted is None or not cells:
                        continue
                    bonus = _pivot_bonus(tab, index, flag, func, tab.profile(values))
                    steps, fit = _renamed_cells(pivot, pivoted[0].frame, pivoted[1], cells, tab, func, bonus, ctx)
                    spreads.append((fit, steps))
            for fit, steps in sorted(spreads, key=lambda x: -x[0])[:2]:
                group = ops.GroupBy("", name, index, tuple(aggs))
                join = ops.Join("", "", "", index, index, "inner")
                found.append(Proposal((*steps, group, join), PRIOR["pivot"] * PRIOR["groupby"] * PRIOR["join"]
                                      * SHAPE_PRIOR * float(np.mean([fit, *fits])), "granularities"))
    return _best(found, SPREADERS)


SPREAD_POOL = 24  # flag columns, at most, that a pivot beside a group-by tries spreading
SPREADERS = 4  # columns a pivot beside a group-by is proposed spreading, the likeliest (two functions each)
COARSE_LIKE_FINE = 0.6  # the fit of a coarse aggregate taken as the fine one its name extends


def _coarse_like_fine(coarse: Sequence[str], fine: Sequence[str], fine_aggs: Sequence[tuple[str, str, str]]
                      ) -> list[tuple[list[tuple[str, str, str]], list[float], tuple[ops.Split, ...]]]:
    """Coarse target columns named as a fine one plus a word ('sex_share' beside 'share', 'total_all' beside
    'total'): the fine aggregate over the coarse groups, where few groups let no values decide."""
    made = {agg[0]: agg for agg in fine_aggs}  # by output name: each fine target column names its own
    aggs = []
    for t in coarse:
        own = name_tokens(t)
        like = [f for f in fine if f in made and name_tokens(f) and name_tokens(f) < own]
        if len(like) != 1:
            return []
        _, column, func = made[like[0]]
        aggs.append((t, column, func))
    return [(aggs, [COARSE_LIKE_FINE] * len(aggs), ())]


def _per_part(ctx: Context, part: tuple[str, ...]) -> Mapping[str, ColumnProfile]:
    """The target's columns as one row per value of `part` holds them: a coarse aggregate joined onto finer
    rows repeats once per fine row, and compares with the coarse groups only so (kept, so that the aggregates
    chosen against them are cached under these objects)."""
    found = ctx.per_part.get(part)
    if found is None:
        once = ctx.target.frame.drop_duplicates(subset=list(part))
        found = ctx.per_part[part] = {**ctx.profiles, **{t: profile_column(t, once[t]) for t in ctx.columns
                                                           if t not in part}}
    return found


# ---- files of one kind aggregated side by side --------------------------------------------------------


SIDE_FILES = 4  # input files, at most, aggregated one beside the other


def propose_side_by_side(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    """Input files, each grouped by one key for its own target columns and the groups joined on the key
    (`raw.merge(fourth, on='ipip')`; a county's survey means beside its satellite means): the target's key
    comes first, then each file's columns in the order of the files, as many per file of files alike (a survey
    and its imputations), any number per file of two. One step at a time, group-bys and joins of three files
    lie beyond the search's reach; stacked, files alike give one aggregate where the target holds one per
    file (the mean wage of the raw survey beside the imputations')."""
    names = _files_as_read(live, ctx)
    if not 2 <= len(names) <= SIDE_FILES or len(names) != len(live):
        return
    first = live[names[0]]
    mapping = ctx.mapping(first)
    key: list[str] = []
    for t in ctx.columns:
        column = mapping.pairs.get(t)
        if column is None or not _groupable(first.profile(column), len(first)) or column in key:
            break
        key.append(column)
    rest = list(ctx.columns[len(key):])
    if not key or not rest or any(not set(key) <= set(live[n].columns) for n in names):
        return
    by = tuple(key)
    if len({ctx.input_columns[n] for n in names}) == 1:
        if len(rest) % len(names):
            return
        width = len(rest) // len(names)
        splits = [[rest[k * width: (k + 1) * width] for k in range(len(names))]]
    elif len(names) == 2:
        splits = [[rest[:cut], rest[cut:]] for cut in range(1, len(rest))]
    else:
        return
    proposals = []
    for order in dict.fromkeys((tuple(names), tuple(reversed(names)))):
        for blocks in splits:
            steps: list[ops.Step] = []
            fits: list[float] = []
            explains: dict[str, float] = {}
            for name, block in zip(order, blocks, strict=True):
                tab = live[name]
                options = choose_aggregates(tab.frame.groupby(list(by), sort=True, dropna=True), tab, by, block, ctx)
                # the best that makes every column of the block (completed where one fits no aggregate as the
                # floor asks: SNPs counted where the target's chromosomes without any show 0)
                whole = [o for o in options if not o[2] and len(o[0]) == len(block)]
                if not whole:
                    break
                aggs, scores, _ = whole[0]
                steps.append(ops.GroupBy(ctx.name(), name, by, tuple(aggs)))
                fits += scores
                explains.update((out, score) for (out, _, _), score in zip(aggs, scores, strict=False))
            else:
                grouped = [s.out for s in steps]
                left = grouped[0]
                for right in grouped[1:]:
                    join = ops.Join(ctx.name(), left, right, by, by, "inner")
                    steps.append(join)
                    left = join.out
                # one decision, taken per file: its group-by counts once, each join as a join does
                prior = PRIOR["groupby"] * PRIOR["join"] ** (len(order) - 1) * (1.0 if order == tuple(names) else 0.5)
                proposals.append(Proposal(tuple(steps), prior * float(np.mean(fits)), "granularities",
                                          {t: p for t, p in explains.items() if t in ctx.profiles}))
    yield from _best(proposals, 2)


# ---- another file aggregated by a key and joined onto this one --------------------------------------------


def propose_aggregate_joined(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    """A file's rows beside aggregates of another file by a key both have (each Oakland school beside its
    district's school count and mean rate in the state-wide file): the other file grouped by the key for the
    target columns the key determines and this file lacks, and joined on the key. One step at a time the
    group-by asks for every target column, those of this file too, and its join then renames them apart."""
    names = _files_as_read(live, ctx)
    if len(names) != 2 or len(live) != 2:
        return
    proposals = []
    for rows, other in (names, names[::-1]):
        tab, source = live[rows], live[other]
        for key in (t for t in ctx.columns if t in tab.columns and t in source.columns):
            wanted = [t for t in ctx.columns if t not in tab.columns and t != key
                      and any(fd.lhs == (key,) and fd.rhs == t for fd in ctx.constraints.fds)]
            rest = [t for t in ctx.columns if t not in tab.columns and t not in wanted]
            if not wanted or rest or not _groupable(source.profile(key), len(source)):
                continue
            grouped = source.frame.groupby([key], sort=True, dropna=True)
            if grouped.ngroups >= 0.95 * len(source):
                continue
            options = choose_aggregates(grouped, source, (key,), wanted, ctx)
            if not options or options[0][2] or len(options[0][0]) < len(wanted):
                continue
            aggs, fits, _ = options[0]
            group = ops.GroupBy(ctx.name(), other, (key,), tuple(aggs))
            join = ops.Join(ctx.name(), rows, group.out, (key,), (key,), "inner")
            proposals.append(Proposal((group, join), PRIOR["groupby"] * PRIOR["join"] * float(np.mean(fits)), "join",
                                      {out: fit for (out, _, _), fit in zip(aggs, fits, strict=False)}))
    yield from _best(proposals, 2)


PREDICTORS: dict[str, Predictor] = {
    "join": propose_join,
    "union": propose_union,
    "groupby": propose_groupby,
    "pivot": propose_pivot,
    "unpivot": propose_unpivot,
    "string": propose_string_ops,
    "dropna": propose_dropna,
    "fillna": propose_fillna,
    "groupby_join": propose_groupby_join,
    "granularities": propose_two_granularities,
    "side_by_side": propose_side_by_side,
    "aggregate_joined": propose_aggregate_joined,
}
# what the fine-tuning step may add to a candidate that nearly satisfies the target
REPAIRS = ("groupby", "groupby_join", "granularities", "string", "dropna", "fillna")
