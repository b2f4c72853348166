"""Judging a synthesised pipeline as the benchmark does: run it on the held-out test tables and compare
with the target, ignoring row and column order, allowing other column names when the mapping by values
is unambiguous, and floats within a relative tolerance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lester_dagster.errors import LesterError
from lester_dagster.synthesis.cases import Case, normalise
from lester_dagster.synthesis.spec import SynthesisSpec

RTOL = 1e-6
ATOL = 1e-9


def _numeric(values: pd.Series) -> np.ndarray | None:
    """The values as floats, or None when they are not all numbers, or are integers too large for a
    float (they compare as text then: a float would round them)."""
    try:
        if pd.api.types.is_bool_dtype(values.dtype):
            return values.astype(float).to_numpy()
        if pd.api.types.is_numeric_dtype(values.dtype):
            return values.to_numpy(dtype=float, na_value=np.nan)
        converted = pd.to_numeric(values, errors="coerce")
        if converted.isna().sum() == values.isna().sum():
            return converted.to_numpy(dtype=float, na_value=np.nan)
    except (OverflowError, TypeError, ValueError):
        return None
    return None


def _sort_key(values: pd.Series) -> pd.Series:
    numbers = _numeric(values)
    if numbers is not None:
        rounded = np.round(numbers, 6)
        return pd.Series(np.where(np.isnan(rounded), np.inf, rounded))
    return values.astype(str).fillna("\x00")


def _columns_equal(a: pd.Series, b: pd.Series, rtol: float) -> bool:
    x, y = _numeric(a), _numeric(b)
    if x is not None and y is not None:
        both_nan = np.isnan(x) & np.isnan(y)
        return bool(np.all(both_nan | np.isclose(x, y, rtol=rtol, atol=ATOL)))
    left = [None if pd.isna(v) else str(v) for v in a.tolist()]
    right = [None if pd.isna(v) else str(v) for v in b.tolist()]
    return left == right


def _sorted_values(values: pd.Series) -> pd.Series:
    return values.iloc[np.argsort(_sort_key(values).to_numpy(), kind="stable")].reset_index(drop=True)


def _match_columns(output: pd.DataFrame, target: pd.DataFrame, rtol: float) -> dict[str, str] | None:
    """Target column -> output column: by name where the names agree, else by equal sorted values when
    exactly one unclaimed output column fits."""
    pairs = {c: c for c in target.columns if c in output.columns}
    free = [c for c in output.columns if c not in pairs.values()]
    for column in (c for c in target.columns if c not in pairs):
        expected = _sorted_values(target[column])
        fits = [c for c in free if _columns_equal(_sorted_values(output[c]), expected, rtol)]
        if len(fits) != 1 and not (fits and all(_columns_equal(output[f], output[fits[0]], rtol) for f in fits)):
            return None
        pairs[column] = fits[0]
        free.remove(fits[0])
    return pairs


def frames_match(output: pd.DataFrame, target: pd.DataFrame, rtol: float = RTOL) -> bool:
    """Same rows (as a multiset) and columns, up to order, names and float tolerance."""
    output, target = normalise(output), normalise(target)
    if output.shape != target.shape:
        return False
    pairs = _match_columns(output, target, rtol)
    if pairs is None:
        return False
    columns = list(target.columns)
    left = output[[pairs[c] for c in columns]].set_axis(columns, axis=1)
    order = list(columns)
    left_keys = pd.DataFrame({c: _sort_key(left[c]) for c in order})
    right_keys = pd.DataFrame({c: _sort_key(target[c]) for c in order})
    left = left.iloc[left_keys.sort_values(order, kind="stable").index].reset_index(drop=True)
    right = target.iloc[right_keys.sort_values(order, kind="stable").index].reset_index(drop=True)
    return all(_columns_equal(left[c], right[c], rtol) for c in columns)


@dataclass(frozen=True)
class Verdict:
    solved: bool
    rank: int  # 1-based position of the first pipeline that reproduces the target, 0 if none
    errors: tuple[str, ...] = ()


def run_on_engine(spec: SynthesisSpec, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The spec's output on these tables, computed by the engine (so with provenance)."""
    return spec.execute(tables).frame


def judge(specs: list[SynthesisSpec], case: Case, rtol: float = RTOL) -> Verdict:
    """Which of the ranked specs, run on the case's test tables, reproduces its target first. A spec
    that fails to run, or whose output cannot even be compared, is a non-match: one bad candidate must
    not end a benchmark run."""
    errors = []
    for rank, spec in enumerate(specs, start=1):
        try:
            output = run_on_engine(spec, case.test)
            matched = frames_match(output, case.target, rtol)
        except Exception as error:  # noqa: BLE001 - any failure of a candidate is that candidate's miss
            kind = "" if isinstance(error, LesterError) else " (unexpected)"
            errors.append(f"#{rank}: {type(error).__name__}{kind}: {str(error)[:200]}")
            continue
        if matched:
            return Verdict(True, rank, tuple(errors))
    return Verdict(False, 0, tuple(errors))
