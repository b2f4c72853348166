"""The dimension ranges of a feature matrix X as lineage nodes: one per span a transformer writes from
the same prepared columns, shared by the OpenLineage export and the drawn graph so both name X alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matrix.py imports scikit-learn: a type here, not an import at run time
    from lester_dagster.features.matrix import MatrixProvenance


@dataclass(frozen=True)
class XRange:
    """Dimensions [start, stop) of X, written by one transformer from these prepared columns."""

    start: int
    stop: int
    transformer: str
    inputs: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"X[{self.start}:{self.stop}]"

    @property
    def width(self) -> int:
        return self.stop - self.start


def x_ranges(matrix: MatrixProvenance) -> list[XRange]:
    """X's ranges in dimension order. A transformer that keeps its columns apart (a one-hot encoder over
    two columns, a scaler) gives each column its own range; one that mixes them gives one range read by all."""
    spans: dict[tuple[int, int], tuple[str, list[str]]] = {}
    for block in matrix.blocks:
        for column, start, stop in block.column_ranges:
            transformer, inputs = spans.setdefault((start, stop), (block.transformer, []))
            if column not in inputs:
                inputs.append(column)
    return [XRange(start, stop, transformer, tuple(inputs))
            for (start, stop), (transformer, inputs) in sorted(spans.items())]


def feature_names(matrix: MatrixProvenance, span: XRange) -> tuple[str, ...]:
    """The names of the dimensions in `span` (scikit-learn's `get_feature_names_out`, or positional ones)."""
    return tuple(matrix.feature_names[span.start : span.stop])
