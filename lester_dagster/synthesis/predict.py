"""Parameter prediction per operator (the role Auto-Suggest plays in Auto-Pipeline): for the live tables
of a partial pipeline, each predictor proposes its most likely parameterisations with a probability,
from the data (value overlap and key-ness for joins, cardinality and types for group-by keys) and from
the target (its keys name likely group-by columns, its column names that are values of an input column
name a pivot, values it needs that no column has call for string operators)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.constraints import Constraints
from lester_dagster.synthesis.mapping import (
    THRESHOLD,
    ColumnMapping,
    map_columns,
    name_similarity,
    similarity,
)
from lester_dagster.synthesis.profile import (
    ColumnProfile,
    Tab,
    compressed_pattern,
    number_text,
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
NUMERIC_AGGS = ("sum", "mean", "count", "min", "max", "median", "nunique")
TEXT_AGGS = ("count", "nunique", "first", "min", "max")
DELIMITERS = (" ", ",", "-", "/", "_", ":", ";", "|", ".", "@")
STRING_SAMPLE = 600
_AGG_WORDS = {"mean": ("mean", "avg", "average"), "sum": ("sum", "total"), "count": ("count", "num", "cnt"),
              "min": ("min", "minimum"), "max": ("max", "maximum"), "median": ("median",), "std": ("std",),
              "nunique": ("nunique", "unique", "distinct")}


@dataclass(frozen=True)
class Proposal:
    """Steps to add (one, or two for a group-by joined back) and their probability."""

    steps: tuple[ops.Step, ...]
    probability: float
    operator: str


class Context:
    """The target, its constraints and the caches the predictors share during one synthesis."""

    def __init__(self, target: pd.DataFrame, constraints: Constraints, threshold: float = THRESHOLD) -> None:
        self.target = Tab(target)
        self.profiles = self.target.profiles()
        self.constraints = constraints
        self.threshold = threshold
        self.similarity_cache: dict[tuple[str, int], tuple[ColumnProfile, float]] = {}
        self.columns = list(self.profiles)
        self.has_nulls = any(p.nulls for p in self.profiles.values())
        self._counter = 0

    def name(self) -> str:
        self._counter += 1
        return f"s{self._counter}"

    def mapping(self, tab: Tab) -> ColumnMapping:
        found = tab.cache.get("mapping")
        if found is None:
            found = tab.cache["mapping"] = map_columns(
                self.profiles, tab.profiles(), self.threshold, self.similarity_cache
            )
        return found  # type: ignore[return-value]

    def unmapped(self, tab: Tab) -> list[str]:
        mapping = self.mapping(tab)
        return [c for c in self.columns if c not in mapping.pairs]


Predictor = Callable[[Mapping[str, Tab], Context], Iterator[Proposal]]


def _best(proposals: Sequence[Proposal], k: int = TOP_PARAMETERS) -> list[Proposal]:
    return sorted(proposals, key=lambda p: -p.probability)[:k]


def _joinable(profile: ColumnProfile) -> bool:
    return profile.kind in ("string", "bool") or (profile.kind == "number" and profile.integral)


# ---- join --------------------------------------------------------------------------------------------


def _key_pairs(left: Tab, right: Tab) -> list[tuple[float, str, str, float, float]]:
    """(score, left column, right column, left containment, right uniqueness) for plausible join keys."""
    found = []
    for a in left.columns:
        pa = left.profile(a)
        if not _joinable(pa) or pa.distinct < 1:
            continue
        for b in right.columns:
            pb = right.profile(b)
            if not _joinable(pb) or pb.kind != pa.kind:
                continue
            common = len(pa.values & pb.values)
            if common == 0 or (common < 2 and min(pa.distinct, pb.distinct) > 1):
                continue
            contained_left, contained_right = common / len(pa.values), common / len(pb.values)
            overlap = max(contained_left, contained_right)
            if overlap < 0.2:
                continue
            keyness = max(pa.uniqueness, pb.uniqueness)
            score = overlap * (0.4 + 0.6 * keyness) * (0.6 + 0.4 * name_similarity(a, b))
            found.append((score, a, b, contained_left, pb.uniqueness))
    found.sort(key=lambda x: -x[0])
    return found[:4]


def _tuples(frame: pd.DataFrame, columns: Sequence[str]) -> set[tuple[Any, ...]]:
    return set(map(tuple, frame[list(columns)].dropna().drop_duplicates().head(20000).astype(str).to_numpy().tolist()))


def propose_join(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    names = sorted(live)
    for x, y in combinations(names, 2):
        a, b = live[x], live[y]
        pairs = _key_pairs(a, b)
        keys: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = [(s, (l,), (r,)) for s, l, r, _, _ in pairs]
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
        for score, left_on, right_on in keys:
            left_unique = _tuples_unique(a, left_on)
            right_unique = _tuples_unique(b, right_on)
            # the fact table (non-unique key) goes on the left, as in fact.merge(dimension)
            if left_unique > right_unique or (left_unique == right_unique and len(b) > len(a)):
                left, right, lk, rk = y, x, right_on, left_on
            else:
                left, right, lk, rk = x, y, left_on, right_on
            for how, p_how in (("inner", 0.7), ("left", 0.45 if ctx.has_nulls else 0.3)):
                step = ops.Join(ctx.name(), left, right, lk, rk, how)
                proposals.append(Proposal((step,), PRIOR["join"] * score * p_how, "join"))
        yield from _best(proposals, 2 * TOP_PARAMETERS)


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
            yield Proposal((ops.Union(ctx.name(), tuple(members)),), PRIOR["union"], "union")


# ---- group-by ----------------------------------------------------------------------------------------


def _group_candidates(tab: Tab, ctx: Context) -> list[tuple[float, tuple[str, ...]]]:
    """Likely group-by keys: the target's keys mapped onto this table first, then low-cardinality
    columns of key-like types."""
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
        if not _joinable(profile) or not 1 < profile.distinct <= max(2, 0.5 * rows):
            continue
        if profile.kind == "number" and (profile.distinct > 30 or not profile.integral):
            continue  # a numeric column with many or fractional values is a measure, not a group
        score = 0.55 * (1.0 - profile.distinct / max(rows, 1)) ** 2 * (0.8 if profile.kind == "number" else 1.0)
        singles.append((score, column))
    singles.sort(key=lambda x: -x[0])
    # with the target's key found here, guesses from cardinality alone matter less
    top = 2 if found else 3
    for score, column in singles[:top]:
        found.setdefault((column,), score)
    for (s1, c1), (s2, c2) in list(combinations(singles[:top], 2))[: top - 1]:
        found.setdefault((c1, c2), 0.6 * s1 * s2)
    return sorted(((s, by) for by, s in found.items()), key=lambda x: -x[0])[:3]


AGG_PRIOR = {"mean": 1.0, "sum": 0.95, "count": 0.85, "max": 0.8, "min": 0.8, "nunique": 0.7, "size": 0.6,
             "median": 0.45, "first": 0.35, "std": 0.35, "last": 0.2}


def name_tokens(name: str) -> set[str]:
    words = re.findall(r"[a-z]+|[0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words}  # flights ~ flight


def _agg_bonus(target: str, column: str, func: str) -> float:
    """Names that say which column and function made a target column: 'mean_x' from X with mean."""
    tokens, own = name_tokens(target), name_tokens(column)
    bonus = 0.1 if tokens & set(_AGG_WORDS.get(func, ())) else 0.0
    if own and (own <= tokens or target == column):
        bonus += 0.15
    return bonus


def choose_aggregates(
    grouped: Any, tab: Tab, by: Sequence[str], wanted: Sequence[str], ctx: Context
) -> list[tuple[list[tuple[str, str, str]], list[float]]]:
    """Named aggregations of this table whose results match the wanted target columns: the best
    one-to-one assignment of (column, function) pairs, and the best with one function for all columns
    (as `groupby(...)[cols].mean()` gives) when it fits nearly as well. Each comes with its match scores."""
    candidates: list[tuple[str, str, ColumnProfile]] = []
    columns = [c for c in tab.columns if c not in by]
    kinds = {ctx.profiles[t].kind for t in wanted}
    numbers = [c for c in columns if tab.profile(c).kind == "number"]
    texts = [c for c in columns if tab.profile(c).kind in ("string", "bool")]
    named = {c for c in columns if any(name_similarity(t, c) > 0.5 for t in wanted)}
    plan: dict[str, list[str]] = {}
    if "number" in kinds or "bool" in kinds:
        crowded = len(numbers) * len(NUMERIC_AGGS) > 64
        for func in NUMERIC_AGGS:
            chosen = [c for c in numbers if not crowded or func in ("sum", "mean", "count") or c in named]
            if func in ("count", "nunique"):
                chosen += texts
            plan[func] = chosen
    if kinds & {"string", "bool"}:
        for func in ("first", "min", "max"):
            plan[func] = [*plan.get(func, []), *texts]
    for func, cols in plan.items():
        if not cols:
            continue
        try:
            table = grouped[cols].agg(func)
        except (TypeError, ValueError):
            continue
        for column in cols:
            candidates.append((column, func, profile_column(column, table[column])))
    if not candidates or not wanted:
        return []
    scores = np.zeros((len(wanted), len(candidates)))
    for i, target in enumerate(wanted):
        tprofile = ctx.profiles[target]
        for j, (column, func, profile) in enumerate(candidates):
            fit = similarity(tprofile, profile)
            if fit >= 0.3:
                fit = min(1.0, fit + _agg_bonus(target, column, func))
            scores[i, j] = fit * AGG_PRIOR.get(func, 0.3) ** 0.5
            if func in ("count", "size") and tab.profile(column).nulls:
                scores[i, j] *= 0.9  # counting rows is done on a column without gaps

    def assign(allowed: np.ndarray) -> tuple[list[tuple[str, str, str]], list[float], float]:
        masked = np.where(allowed[None, :], scores, 0.0)
        rows, cols = linear_sum_assignment(masked, maximize=True)
        chosen, fits, total = [], [], 0.0
        for i, j in sorted(zip(rows, cols, strict=True)):
            if masked[i, j] < ctx.threshold * 0.8:
                continue
            column, func, _ = candidates[j]
            target = wanted[i]
            name = target if target not in by and target not in {n for n, _, _ in chosen} else f"{column}_{func}"
            chosen.append((name, column, func))
            fits.append(float(masked[i, j]))
            total += masked[i, j]
        return chosen, fits, total

    options = []
    everything = np.ones(len(candidates), dtype=bool)
    best = assign(everything)
    if best[0]:
        options.append(best[:2])
        # the runner-up for the least certain column: sum and mean, or max and mean, often fit alike
        chosen = {(c, f) for _, c, f in best[0]}
        margins = []
        for i in range(len(wanted)):
            row = sorted(range(len(candidates)), key=lambda j: -scores[i, j])
            top = [j for j in row if (candidates[j][0], candidates[j][1]) in chosen][:1]
            other = [j for j in row if (candidates[j][0], candidates[j][1]) not in chosen][:1]
            if top and other and scores[i, other[0]] >= ctx.threshold:
                margins.append((scores[i, top[0]] - scores[i, other[0]], top[0]))
        if margins:
            _, banned = min(margins)
            alternative = everything.copy()
            alternative[banned] = False
            second = assign(alternative)
            if second[0] and len(second[0]) == len(best[0]):
                options.append(second[:2])
    funcs = {f for _, f, _ in candidates}
    uniform = [assign(np.array([f == func for _, f, _ in candidates])) for func in sorted(funcs)]
    uniform = [u for u in uniform if u[0] and len(u[0]) >= len(best[0])]
    if uniform:
        top = max(uniform, key=lambda u: u[2])
        if all(top[0] != o[0] for o in options) and top[2] >= 0.9 * best[2]:
            options.append(top[:2])
    return options


def propose_groupby(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        if len(tab) < 2 or len(tab.columns) < 2:
            continue
        proposals = []
        for by_score, by in _group_candidates(tab, ctx):
            grouped = tab.frame.groupby(list(by), sort=True, dropna=True)
            if grouped.ngroups >= 0.95 * len(tab) or grouped.ngroups == 0:
                continue  # (almost) nothing to aggregate: no one groups like that
            mapping = ctx.mapping(tab)
            covered = {t for t, c in mapping.pairs.items() if c in by}
            wanted = [t for t in ctx.columns if t not in covered]
            options = choose_aggregates(grouped, tab, by, wanted, ctx)
            if not options:
                other = next(c for c in tab.columns if c not in by)
                options = [([("size", other, "size")], [0.3])]
            again = 0.3 if tab.cache.get("made_by") in ("groupby", "pivot") else 1.0  # groupby of a groupby
            for aggs, scores in options:
                fit = float(np.mean(scores)) * (len(scores) / max(1, len(wanted))) ** 0.3
                step = ops.GroupBy(ctx.name(), name, tuple(by), tuple(aggs))
                proposals.append(Proposal((step,), PRIOR["groupby"] * by_score * fit * again, "groupby"))
        yield from _best(proposals)


# ---- pivot and unpivot -------------------------------------------------------------------------------


def propose_pivot(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    target_names = set(ctx.columns)
    for name in sorted(live):
        tab = live[name]
        proposals = []
        for column in tab.columns:
            profile = tab.profile(column)
            if not _joinable(profile) or profile.distinct > 200:
                continue
            pivoted = target_names & profile.values
            if len(pivoted) < 2 and not (pivoted and profile.distinct == 1):
                continue
            rest = [t for t in ctx.columns if t not in pivoted]
            mapping = ctx.mapping(tab)
            index = tuple(dict.fromkeys(mapping.pairs[t] for t in rest if t in mapping.pairs and mapping.pairs[t] != column))
            if not index or len(index) < len(rest):
                guesses = [c for _, by in _group_candidates(tab, ctx) for c in by if c != column]
                index = index or tuple(dict.fromkeys(guesses[:1]))
            if not index:
                continue
            share = len(pivoted) / max(1, len(profile.values))
            for values, funcs in _pivot_values(tab, ctx, pivoted, {*index, column}):
                vprofile = tab.profile(values)
                for func in funcs:
                    step = ops.Pivot(ctx.name(), name, index, column, values, func)
                    try:
                        out = Tab(step.run({name: tab.frame}))
                    except (TypeError, ValueError, KeyError):
                        continue
                    fits = [similarity(ctx.profiles[t], out.profile(t)) for t in pivoted if t in out.columns]
                    fit = float(np.mean(fits)) if fits else 0.0
                    if fit < ctx.threshold:
                        continue
                    bonus = {"mean": 1.0, "first": 0.95, "sum": 0.9, "count": 0.9}.get(func, 0.8)
                    if func == "count" and vprofile.nulls:
                        bonus *= 0.85  # counting rows is done on a column without gaps
                    proposals.append(Proposal((step,), PRIOR["pivot"] * share * fit * bonus, "pivot"))
        yield from _best(proposals)


def _pivot_values(tab: Tab, ctx: Context, pivoted: set[str], used: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Value columns worth pivoting, with their aggregates: the three numeric columns whose values look
    most like the target's pivoted cells (for mean, first, max, min, sum), and one gap-free column to
    count rows with. Pivoting every column with every aggregate costs too much on wide tables."""
    cells = pd.concat([ctx.target.frame[t] for t in pivoted], ignore_index=True)
    target = profile_column("cells", cells)
    numeric = [c for c in tab.columns if c not in used and tab.profile(c).kind == "number"]
    ranked = sorted(numeric, key=lambda c: -similarity(target, tab.profile(c)))[:3]
    out = [(c, ("mean", "first", "sum", "max", "min")) for c in ranked]
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
            if vprofile.kind != "string":
                continue
            value_vars = tuple(c for c in tab.columns if c in vprofile.values)
            if len(value_vars) < 2:
                continue
            mapping = ctx.mapping(tab)
            mapped = set(mapping.pairs.values())
            id_vars = tuple(c for c in tab.columns if c not in value_vars and (c in mapped or c in ctx.columns))
            if not id_vars:
                id_vars = tuple(c for c in tab.columns if c not in value_vars)
            melted = tab.frame.melt(id_vars=list(id_vars), value_vars=list(value_vars))
            melted_profile = profile_column("value", melted["value"])
            others = [t for t in ctx.columns if t != variable and t not in id_vars]
            ranked = sorted(others, key=lambda t: -similarity(ctx.profiles[t], melted_profile))
            value_name = ranked[0] if ranked else "value"
            if value_name in id_vars or value_name == variable:
                value_name = "value"
            share = len(value_vars) / max(1, len(vprofile.values))
            step = ops.Unpivot(ctx.name(), name, id_vars, value_vars, variable, value_name)
            proposals.append(Proposal((step,), PRIOR["unpivot"] * (0.5 + 0.5 * share), "unpivot"))
        yield from _best(proposals)


# ---- string operators --------------------------------------------------------------------------------


def _string_targets(tab: Tab, ctx: Context) -> list[str]:
    """Target string columns this table does not yet provide well."""
    mapping = ctx.mapping(tab)
    # integers of a key count too: a year or month cut from a date ("2006", "01") is a number once
    # the output is written to CSV, and such a derived column is what the target is grouped by
    keyed = {c for key in ctx.constraints.keys if len(key) <= 3 for c in key}
    return [
        t for t in ctx.columns
        if (ctx.profiles[t].kind == "string" or (ctx.profiles[t].integral and t in keyed and ctx.profiles[t].length <= 8))
        and (t not in mapping.pairs or mapping.scores[t] < 0.6)
    ]


def _fit(ctx: Context, target: str, values: pd.Series) -> float:
    return similarity(ctx.profiles[target], profile_column(target, values.reset_index(drop=True)))


def propose_string_ops(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        targets = _string_targets(tab, ctx)
        if not targets:
            continue
        sample = tab.frame.head(STRING_SAMPLE)
        texts = [c for c in tab.columns if tab.profile(c).kind == "string"]
        pieces = [c for c in tab.columns if tab.profile(c).kind == "string" or (tab.profile(c).kind == "number" and tab.profile(c).integral)]
        for target in targets:
            tprofile = ctx.profiles[target]
            proposals: list[Proposal] = []
            for column in texts:
                values = sample[column].dropna().astype(str)
                if not len(values):
                    continue
                for delimiter in DELIMITERS:
                    share = float(values.str.contains(delimiter, regex=False).mean())
                    if share < 0.5:
                        continue
                    parts = int(values.str.count(re.escape(delimiter)).max()) + 1
                    for part in [*range(min(parts, 4)), -1]:
                        split = ops.Split(ctx.name(), name, target, column, delimiter, part)
                        fit = _fit(ctx, target, split.function()(sample[column]))
                        if fit >= ctx.threshold:
                            proposals.append(Proposal((split,), PRIOR["split"] * fit * (1.0 if part >= 0 else 0.9), "split"))
                lengths = values.str.len()
                width = round(tprofile.length)
                if width >= 1 and lengths.mean() > width:
                    probe = values.head(30).tolist()
                    for start in range(min(int(lengths.max()) - width, 10) + 1):
                        shapes = {compressed_pattern(v[start: start + width]) for v in probe}
                        if not shapes & set(tprofile.patterns):
                            continue  # the slice never looks like the target's values
                        sub = ops.Substring(ctx.name(), name, target, column, start, start + width)
                        fit = _fit(ctx, target, sub.function()(sample[column]))
                        if fit >= ctx.threshold:
                            proposals.append(Proposal((sub,), PRIOR["substring"] * fit, "substring"))
                    for end in (-1, -2, -3, -4):
                        sub = ops.Substring(ctx.name(), name, target, column, None, end)
                        fit = _fit(ctx, target, sub.function()(sample[column]))
                        if fit >= ctx.threshold:
                            proposals.append(Proposal((sub,), PRIOR["substring"] * fit * 0.8, "substring"))
            for columns, separators, prefix, suffix in _concat_programs(ctx, target, tab, pieces):
                step = ops.Concatenate(ctx.name(), name, target, columns, separators, prefix, suffix)
                fit = _fit(ctx, target, step.function()(*(sample[c] for c in columns)))
                if fit >= ctx.threshold:
                    proposals.append(Proposal((step,), PRIOR["concatenate"] * fit, "concatenate"))
            yield from _best(proposals, 2)


_LITERAL = re.compile(r"[^A-Za-z0-9]+")


def _common_end(values: Sequence[str], suffix: bool) -> str:
    """The literal (non-alphanumeric) prefix or suffix every value shares."""
    found = _LITERAL.search(values[0][::-1] if suffix else values[0])
    if not found or found.start() != 0:
        return ""
    literal = found.group(0)[::-1] if suffix else found.group(0)
    return literal if all((v.endswith if suffix else v.startswith)(literal) for v in values) else ""


def _concat_programs(ctx: Context, target: str, tab: Tab, pieces: Sequence[str]) -> list[tuple[tuple[str, ...], tuple[str, ...], str, str]]:
    """Concatenations that could write the target column: split its values at separators that all of
    them contain, and find the columns whose values look like the parts."""
    values = [str(v) for v in ctx.target.frame[target].dropna().astype(str).unique()[:200]]
    if len(values) < 2:
        return []
    prefix, suffix = _common_end(values, False), _common_end(values, True)
    values = [v[len(prefix): len(v) - len(suffix)] for v in values]
    counts: dict[str, int] = {}
    for value in values:
        for literal in set(_LITERAL.findall(value)):
            counts[literal] = counts.get(literal, 0) + 1
    separators = [sep for sep, n in sorted(counts.items(), key=lambda x: -x[1])[:5] if n >= 0.9 * len(values)]
    profiles = {c: tab.profile(c) for c in pieces}

    def best(parts: list[str], exclude: set[str]) -> tuple[float, str] | None:
        part = profile_column("part", pd.Series(parts))
        scored = [(similarity(part, p), c) for c, p in profiles.items() if c not in exclude]
        scored = [x for x in scored if x[0] >= ctx.threshold]
        return max(scored) if scored else None

    programs: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = []
    for separator in separators:
        for last in (False, True):
            split = [v.rsplit(separator, 1) if last else v.split(separator, 1) for v in values]
            if any(len(x) != 2 for x in split):
                continue
            left = best([x[0] for x in split], set())
            if left is None:
                continue
            right = best([x[1] for x in split], {left[1]})
            if right is not None:
                programs.append((left[0] * right[0], (left[1], right[1]), (separator,)))
            for second in separators:  # a third column after a second separator
                rest = [x[1].split(second, 1) for x in split]
                if any(len(x) != 2 for x in rest):
                    continue
                middle = best([x[0] for x in rest], {left[1]})
                if middle is None:
                    continue
                tail = best([x[1] for x in rest], {left[1], middle[1]})
                if tail is not None:
                    programs.append((left[0] * middle[0] * tail[0], (left[1], middle[1], tail[1]), (separator, second)))
    programs.sort(key=lambda x: -x[0])
    unique = list(dict.fromkeys((columns, seps) for _, columns, seps in programs))[:3]
    return [(columns, seps, prefix, suffix) for columns, seps in unique]


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
            yield Proposal((ops.DropNA(ctx.name(), name, tuple(needed)),), PRIOR["dropna"], "dropna")
            if set(needed) != set(with_nulls):
                yield Proposal((ops.DropNA(ctx.name(), name, ()),), PRIOR["dropna"] * 0.8, "dropna")
        else:
            yield Proposal((ops.DropNA(ctx.name(), name, ()),), PRIOR["dropna"] * 0.25, "dropna")


def propose_fillna(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        mapping = ctx.mapping(tab)
        proposals = []
        for t, c in mapping.pairs.items():
            profile, tprofile = tab.profile(c), ctx.profiles[t]
            if not profile.nulls or tprofile.null_share >= profile.null_share:
                continue
            # the fill value is a target value the input does not have, about as frequent as its nulls
            seen = set(profile.values)
            candidates: dict[Any, float] = {}
            counts = ctx.target.frame[t].value_counts()
            shares = counts / max(1, len(ctx.target))
            for value, share in shares.items():
                text = number_text(value) if isinstance(value, (int, float, np.number)) else str(value)
                if text in seen or share < 0.3 * profile.null_share or counts[value] < 2:
                    continue  # a constant fill value repeats wherever there were gaps
                closeness = min(share, profile.null_share) / max(share, profile.null_share)
                candidates[value] = 0.5 + 0.45 * closeness
                if len(candidates) >= 3:
                    break
            if profile.kind == "number":
                candidates.setdefault(0, 0.5)
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
                proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, (c,)),),
                                          PRIOR["fillna"] * strength * (0.8 if wide else 1.0), "fillna"))
                if everywhere:
                    # every column of the value's kind, gaps here or not: other rows leave other gaps
                    alike = tuple(x for x in tab.columns if tab.profile(x).kind == profile.kind
                                  and pd.api.types.is_numeric_dtype(tab.frame[x].dtype) == numeric_dtype)
                    proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, alike),),
                                              PRIOR["fillna"] * strength * whole, "fillna"))
                elif len(same_kind) > 1:
                    proposals.append(Proposal((ops.FillNA(ctx.name(), name, value, same_kind),),
                                              PRIOR["fillna"] * strength * 0.8, "fillna"))
        yield from _best(proposals)


# ---- group-by joined back (the titanic pattern: an aggregate as a feature of every row) ----------------


def propose_groupby_join(live: Mapping[str, Tab], ctx: Context) -> Iterator[Proposal]:
    for name in sorted(live):
        tab = live[name]
        mapping = ctx.mapping(tab)
        proposals = []
        for fd in ctx.constraints.fds:
            if fd.rhs in mapping.pairs or not all(c in mapping.pairs for c in fd.lhs):
                continue
            by = tuple(mapping.pairs[c] for c in fd.lhs)
            grouped = tab.frame.groupby(list(by), sort=True, dropna=True)
            if grouped.ngroups >= len(tab):
                continue
            options = choose_aggregates(grouped, tab, by, [fd.rhs], ctx)
            if not options:
                continue
            (agg_name, column, func), fit = options[0][0][0], options[0][1][0]
            out_name = agg_name if agg_name not in tab.columns else f"{column}_{func}"
            group = ops.GroupBy(ctx.name(), name, by, ((out_name, column, func),))
            join = ops.Join(ctx.name(), name, group.out, by, by, "left")
            proposals.append(Proposal((group, join), PRIOR["groupby_join"] * fit, "groupby_join"))
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
}
# what the fine-tuning step may add to a candidate that nearly satisfies the target
REPAIRS = ("groupby", "groupby_join", "string", "dropna", "fillna")
