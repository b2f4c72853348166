"""Matrix column provenance: which dimension ranges of the feature matrix X each prepared column feeds,
read off a fitted scikit-learn ColumnTransformer (`output_indices_`, `transformers_`,
`get_feature_names_out`), and re-encoding of exactly those ranges for a few rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

from lester_dagster.errors import LesterError

# Transformers whose output dimension i depends on input column i alone.
_ELEMENTWISE = (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler, OrdinalEncoder)


class MatrixProvenanceError(LesterError):
    """A ColumnTransformer that is not fitted, or rows that do not fit its input schema."""


@dataclass(frozen=True)
class Block:
    """The dimensions [start, stop) of X one fitted transformer writes, and the prepared columns it reads.

    `column_ranges` gives each input column its own sub-range when the transformer treats its columns
    separately (a one-hot encoder over two columns, a scaler); otherwise every input column feeds the
    whole block (a PCA, a custom transformer over several columns).
    """

    transformer: str
    inputs: tuple[str, ...]
    selector: Any  # the ColumnTransformer's selector: a name gives a Series, a list a DataFrame
    start: int
    stop: int
    column_ranges: tuple[tuple[str, int, int], ...]

    def ranges_for(self, columns: Iterable[str]) -> list[tuple[int, int]]:
        wanted = set(columns)
        return [(start, stop) for column, start, stop in self.column_ranges if column in wanted]


@dataclass(frozen=True)
class MatrixProvenance:
    """Where every prepared column lands in X."""

    blocks: tuple[Block, ...]
    feature_names: tuple[str, ...]

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @classmethod
    def of(cls, encoder: ColumnTransformer) -> MatrixProvenance:
        """Reads the provenance off a fitted ColumnTransformer."""
        try:
            check_is_fitted(encoder, "output_indices_")
        except Exception as error:
            raise MatrixProvenanceError("the ColumnTransformer must be fitted before its matrix provenance is read.") from error
        names_in = [str(c) for c in getattr(encoder, "feature_names_in_", [])]
        blocks = []
        for name, transformer, selector in encoder.transformers_:
            span = encoder.output_indices_[name]
            if transformer == "drop" or span.stop == span.start:
                continue
            inputs = _column_names(selector, names_in)
            blocks.append(
                Block(name, inputs, selector, span.start, span.stop, _column_ranges(transformer, inputs, span))
            )
        return cls(tuple(blocks), _feature_names(encoder, blocks))

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature_names": list(self.feature_names),
            "blocks": [
                {
                    "transformer": b.transformer,
                    "inputs": list(b.inputs),
                    "selector": _json_selector(b.selector),
                    "start": b.start,
                    "stop": b.stop,
                    "column_ranges": [list(r) for r in b.column_ranges],
                }
                for b in self.blocks
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatrixProvenance:
        blocks = tuple(
            Block(
                b["transformer"],
                tuple(b["inputs"]),
                b["selector"],
                int(b["start"]),
                int(b["stop"]),
                tuple((str(c), int(a), int(z)) for c, a, z in b["column_ranges"]),
            )
            for b in data["blocks"]
        )
        return cls(blocks, tuple(data["feature_names"]))

    def column_ranges(self) -> dict[str, list[tuple[int, int]]]:
        """Each prepared column -> the dimension ranges of X it feeds."""
        out: dict[str, list[tuple[int, int]]] = {}
        for block in self.blocks:
            for column, start, stop in block.column_ranges:
                out.setdefault(column, []).append((start, stop))
        return {column: _merged(ranges) for column, ranges in out.items()}

    def ranges_for(self, columns: Iterable[str]) -> list[tuple[int, int]]:
        columns = list(columns)
        return _merged([r for block in self.blocks for r in block.ranges_for(columns)])

    def blocks_reading(self, columns: Iterable[str]) -> list[Block]:
        wanted = set(columns)
        return [block for block in self.blocks if wanted & set(block.inputs)]

    def dimensions(self, columns: Iterable[str]) -> np.ndarray:
        """The dimension indices of X fed by these prepared columns."""
        ranges = self.ranges_for(columns)
        return np.concatenate([np.arange(a, b) for a, b in ranges]) if ranges else np.empty(0, dtype=np.int64)


def _feature_names(encoder: ColumnTransformer, blocks: list[Block]) -> tuple[str, ...]:
    """Names of X's dimensions; a transformer whose names disagree with its width gets positional ones,
    because the width in `output_indices_` is what the data really has."""
    width = max((b.stop for b in blocks), default=0)
    try:
        names = [str(n) for n in encoder.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - custom transformers without get_feature_names_out
        names = []
    if len(names) == width:
        return tuple(names)
    out = [f"x{i}" for i in range(width)]
    for block in blocks:
        out[block.start : block.stop] = [f"{block.transformer}__{i}" for i in range(block.stop - block.start)]
    return tuple(out)


def encode_blocks(
    encoder: ColumnTransformer, blocks: Sequence[Block], rows: pd.DataFrame
) -> list[np.ndarray]:
    """Re-encodes `rows` with the fitted transformers of `blocks` only: one dense array per block."""
    fitted = {name: t for name, t, _ in encoder.transformers_}
    out = []
    for block in blocks:
        transformer = fitted[block.transformer]
        part = rows[block.selector] if not _is_index_selector(block.selector) else rows[list(block.inputs)]
        values = part.to_numpy() if transformer == "passthrough" else transformer.transform(part)
        values = values.toarray() if sparse.issparse(values) else np.asarray(values)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        if values.shape != (len(rows), block.stop - block.start):
            raise MatrixProvenanceError(
                f"transformer {block.transformer!r} gave shape {values.shape} for {len(rows)} rows; its block in X "
                f"is {block.stop - block.start} wide."
            )
        out.append(values)
    return out


def _json_selector(selector: Any) -> Any:
    if isinstance(selector, (str, int)):
        return selector
    if isinstance(selector, np.integer):
        return int(selector)
    return [v.item() if isinstance(v, np.generic) else v for v in list(selector)]


def _is_index_selector(selector: Any) -> bool:
    if isinstance(selector, (int, np.integer)):
        return True
    if isinstance(selector, (list, tuple, np.ndarray)) and len(selector):
        return not isinstance(selector[0], str)
    return False


def _column_names(selector: Any, names_in: list[str]) -> tuple[str, ...]:
    if isinstance(selector, str):
        return (selector,)
    if isinstance(selector, (int, np.integer)):
        return (names_in[int(selector)],)
    values = list(selector)
    if values and isinstance(values[0], (bool, np.bool_)):
        return tuple(n for n, keep in zip(names_in, values, strict=True) if keep)
    return tuple(names_in[int(v)] if isinstance(v, (int, np.integer)) else str(v) for v in values)


def _column_ranges(transformer: Any, inputs: tuple[str, ...], span: slice) -> tuple[tuple[str, int, int], ...]:
    widths = _per_column_widths(transformer, len(inputs))
    if widths is None or sum(widths) != span.stop - span.start:
        # mixing or unknown transformers: every input column feeds the whole block
        return tuple((column, span.start, span.stop) for column in inputs)
    ranges, offset = [], span.start
    for column, width in zip(inputs, widths, strict=True):
        if width:
            ranges.append((column, offset, offset + width))
        offset += width
    return tuple(ranges)


def _per_column_widths(transformer: Any, n_inputs: int) -> list[int] | None:
    """Output width per input column for transformers that keep columns apart, else None."""
    if n_inputs == 1:
        return None  # one column feeds the whole block anyway
    origins = _dimension_origins(transformer, list(range(n_inputs)))
    return None if origins is None else [origins.count(i) for i in range(n_inputs)]


def _dimension_origins(transformer: Any, origins: list[int]) -> list[int] | None:
    """For each output dimension, the input column it comes from; None when a dimension mixes columns.
    A Pipeline composes its steps: a scaler keeps every dimension's origin, a one-hot encoder repeats it
    once per category."""
    if transformer in (None, "passthrough"):
        return origins
    if isinstance(transformer, Pipeline):
        composed: list[int] | None = origins
        for _, step in transformer.steps:
            composed = _dimension_origins(step, composed) if composed is not None else None
        return composed
    if isinstance(transformer, OneHotEncoder):
        widths = transformer._n_features_outs  # noqa: SLF001 - the widths sklearn itself uses
        return [origin for origin, width in zip(origins, widths, strict=True) for _ in range(int(width))]
    if isinstance(transformer, SimpleImputer):
        return origins if transformer.add_indicator is False and not _drops_columns(transformer) else None
    if isinstance(transformer, _ELEMENTWISE):
        return origins
    return None


def _drops_columns(imputer: SimpleImputer) -> bool:
    # SimpleImputer drops all-missing columns unless keep_empty_features is set
    statistics = getattr(imputer, "statistics_", None)
    return statistics is not None and not imputer.keep_empty_features and bool(pd.isna(statistics).any())


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, stop in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], stop))
        else:
            out.append((start, stop))
    return out


__all__ = ["Block", "MatrixProvenance", "MatrixProvenanceError", "encode_blocks"]
