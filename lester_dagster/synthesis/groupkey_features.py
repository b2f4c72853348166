"""What the learned group-key predictor reads about one candidate grouping of a table: whether it is the
target's key mapped onto the table, whether the target names its columns and holds them unique together,
how many groups it makes against the target's rows, the kinds and cardinality of its columns, and the
hand-set score it refines. Both the search (predict.py) and its training script compute them here, so
training and use cannot drift apart."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.synthesis.constraints import _combined
from lester_dagster.synthesis.names import name_key
from lester_dagster.synthesis.profile import ColumnProfile

FEATURES: tuple[str, ...] = (
    "hand", "hand_top", "target_key", "target_primary", "key_mapping", "named_share", "all_named",
    "mapped_share", "leftmost", "unique_in_target", "width_1", "width_2", "width_3", "log_groups",
    "log_ratio", "abs_log_ratio", "group_share", "one_row_groups", "any_number", "all_number",
    "any_bool", "max_distinct_share", "nulls", "target_smaller", "covered_share", "not_minimal",
)


def group_codes(frame: pd.DataFrame, by: Sequence[str], cache: dict[Hashable, Any]) -> tuple[int, int]:
    """(groups, rows kept) of `frame.groupby(by, dropna=True)`, from factorised codes (cached per column
    in `cache`)."""
    codes = []
    for column in by:
        found = cache.get(("codes", column))
        if found is None:
            found = cache[("codes", column)] = pd.factorize(frame[column], use_na_sentinel=True)[0].astype(np.int64)
        codes.append(found)
    kept = np.all(np.stack(codes) >= 0, axis=0) if codes else np.ones(len(frame), dtype=bool)
    combined = _combined([more[kept] for more in codes])
    return (len(np.unique(combined)) if len(combined) else 0), int(kept.sum())


def grouping_features(
    by: Sequence[str], profiles: Mapping[str, ColumnProfile], rows: int, groups: int, hand: float, hand_top: bool,
    target: pd.DataFrame, keys: Sequence[tuple[str, ...]], primary: tuple[str, ...] | None,
    pairs: Mapping[str, str], scores: Mapping[str, float],
) -> list[float]:
    """The features of grouping a table of `rows` rows by `by` (its columns' `profiles`), which makes
    `groups` groups, for `target` (its keys, primary key and the column mapping `pairs` of target columns
    onto this table with their `scores`), in `FEATURES` order."""
    target_columns = [str(c) for c in target.columns]
    named = {name_key(c): c for c in target_columns}
    image = {column: t for t, column in pairs.items()}
    by_set = set(by)
    key_hit = [key for key in keys if all(k in pairs for k in key) and {pairs[k] for k in key} == by_set]
    mapped_from = [image[c] for c in by if c in image]
    # the target's columns that this grouping's columns become, by mapping or else by name
    as_target = [image.get(c) or named.get(name_key(c)) for c in by]
    unique = not_minimal = 0.0
    if all(as_target) and len(set(as_target)) == len(as_target) and len(target) > 1:
        unique = float(not target.duplicated(subset=[str(t) for t in as_target]).any())
        # a key of the target with a column to spare: grouping by the spare column too is no one's intent
        if unique and len(as_target) > 1:
            not_minimal = float(any(not target.duplicated(subset=[str(t) for t in as_target if t != drop]).any()
                                    for drop in as_target))
    leftmost = 0.0
    if all(as_target):
        positions = sorted(target_columns.index(str(t)) for t in as_target)
        leftmost = float(positions == list(range(len(by))))
    n_target = max(len(target), 1)
    distinct_shares = [profiles[c].distinct / max(rows, 1) for c in by]
    kinds = [profiles[c].kind for c in by]
    values = {
        "hand": hand,
        "hand_top": float(hand_top),
        "target_key": float(bool(key_hit)),
        "target_primary": float(primary is not None and any(k == primary for k in key_hit)),
        "key_mapping": float(np.mean([scores[k] for k in key_hit[0]])) if key_hit else 0.0,
        "named_share": sum(name_key(c) in named for c in by) / len(by),
        "all_named": float(all(name_key(c) in named for c in by)),
        "mapped_share": len(mapped_from) / len(by),
        "leftmost": leftmost,
        "unique_in_target": unique,
        "width_1": float(len(by) == 1),
        "width_2": float(len(by) == 2),
        "width_3": float(len(by) >= 3),
        "log_groups": math.log(max(groups, 1)),
        "log_ratio": math.log(max(groups, 1) / n_target),
        "abs_log_ratio": abs(math.log(max(groups, 1) / n_target)),
        "group_share": groups / max(rows, 1),
        "one_row_groups": float(groups >= 0.95 * rows),
        "any_number": float("number" in kinds),
        "all_number": float(all(k == "number" for k in kinds)),
        "any_bool": float("bool" in kinds),
        "max_distinct_share": max(distinct_shares),
        "nulls": float(any(profiles[c].nulls for c in by)),
        "target_smaller": float(len(target) < 0.8 * rows),
        "covered_share": len(set(mapped_from)) / max(len(target_columns), 1),
        "not_minimal": not_minimal,
    }
    return [float(values[name]) for name in FEATURES]
