"""What the learned aggregate predictor reads about one (target column, column aggregated with a
function) pair: how alike the aggregate's values are to the target column's, how well they agree group
by group, what the target's name says about the column and the function, the function itself, and the
hand-set score it refines. Both the search (predict.py) and its training script compute them here, so
training and use cannot drift apart."""

from __future__ import annotations

import math

from lester_dagster.synthesis.mapping import halves, name_similarity
from lester_dagster.synthesis.names import AGG_WORDS, EXCLUSIVE_WORDS, name_key, name_tokens, names_column
from lester_dagster.synthesis.profile import ColumnProfile

FUNCTIONS = ("mean", "sum", "count", "min", "max", "median", "nunique", "first", "size")
FEATURES: tuple[str, ...] = (
    "hand", "fit", "agreement", "agreement_known", "same_name", "names_column", "name_similarity",
    "function_word", "other_function_word", "target_integral", "aggregate_integral", "integral_mismatch",
    "counts_with_gaps", "nunique_of_measure", "nunique_of_ids", "derived", "log_groups", "fit_by_groups",
    "scale_gap", "text_column", "target_named_function", *(f"is_{f}" for f in FUNCTIONS),
)


def pair_features(target: str, tprofile: ColumnProfile, column: str, func: str, aggregate: ColumnProfile,
                  source: ColumnProfile, fit: float, agreement: float | None, hand: float, groups: int,
                  derived: bool) -> list[float]:
    """The features of aggregating `column` (profiled on its table as `source`, on the groups as
    `aggregate`) with `func` for target column `target`, in `FEATURES` order."""
    tokens, own = name_tokens(target), name_tokens(column)
    words = set(AGG_WORDS.get(func, ()))
    others = set().union(*(ws for f, ws in EXCLUSIVE_WORDS.items() if f != func))
    log_groups = math.log(max(groups, 1))
    # a median of whole numbers is whole or halfway between two: it agrees with a target of whole numbers and
    # halves, whatever this half's medians are (a mean of several whole numbers hardly ever does)
    whole = aggregate.integral
    if func == "median" and source.kind == "number" and source.integral and halves(tprofile):
        whole = tprofile.integral
    values = {
        "hand": hand,
        "fit": fit,
        "agreement": agreement if agreement is not None else 0.0,
        "agreement_known": float(agreement is not None),
        "same_name": float(name_key(target) == name_key(column)),
        "names_column": float(names_column(tokens, own)),
        "name_similarity": name_similarity(target, column),
        "function_word": float(bool(tokens & words)),
        "other_function_word": float(bool(tokens & others) and not tokens & words),
        "target_integral": float(tprofile.integral),
        "aggregate_integral": float(whole),
        "integral_mismatch": float(tprofile.integral != whole and tprofile.kind == "number"),
        "counts_with_gaps": float(func in ("count", "size") and source.nulls > 0),
        "nunique_of_measure": float(func == "nunique" and source.kind == "number" and not source.integral),
        "nunique_of_ids": float(func == "nunique" and source.uniqueness > 0.95),
        "derived": float(derived),
        "log_groups": log_groups,
        "fit_by_groups": fit * log_groups,
        "scale_gap": _scale_gap(tprofile, aggregate),
        "text_column": float(source.kind in ("string", "bool")),
        "target_named_function": float(name_key(target) in FUNCTIONS),
        **{f"is_{f}": float(func == f) for f in FUNCTIONS},
    }
    return [float(values[name]) for name in FEATURES]


def _scale_gap(t: ColumnProfile, c: ColumnProfile) -> float:
    """How many orders of magnitude apart the two columns' medians are (0 for non-numbers)."""
    if not t.quantiles or not c.quantiles:
        return 0.0
    return min(6.0, abs(math.log10(abs(t.quantiles[2]) + 1.0) - math.log10(abs(c.quantiles[2]) + 1.0)))
