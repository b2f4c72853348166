"""Brute-force provenance for tests: rows as Python dicts with explicit sets of (source, key) pairs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

import lester_dagster.engine as le

Row = tuple[dict[str, Any], frozenset[tuple[str, Any]]]

def rows_of(frame: pd.DataFrame, source: str, key: str) -> list[Row]:
    return [(r, frozenset({(source, r[key])})) for r in frame.to_dict("records")]


def engine_rows(result: le.Result) -> list[Row]:
    return [
        (record, frozenset((s, k) for s, keys in result.source_rows(i).items() for k in keys))
        for i, record in enumerate(result.frame.to_dict("records"))
    ]


def canonical(rows: list[Row]) -> list[tuple[Any, ...]]:
    def value(v: Any) -> Any:
        if isinstance(v, list):
            return tuple(v)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "<null>"
        if isinstance(v, (np.integer, np.floating, np.bool_)):
            v = v.item()
        if isinstance(v, float):  # outer joins turn int columns into floats
            return int(v) if v.is_integer() else round(v, 9)
        return v

    return sorted(
        ((tuple(sorted((k, value(v)) for k, v in record.items())), tuple(sorted(map(str, prov)))) for record, prov in rows),
        key=repr,
    )


def assert_same(result: le.Result, expected: list[Row]) -> None:
    assert canonical(engine_rows(result)) == canonical(expected)


