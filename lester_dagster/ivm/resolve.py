"""From a filed request to the effects that carry it out: keys coerced to the type of the key column (never
guessed from their look), a subject found by another column (an e-mail address), and the erasure
followed along the lake's references to every row of every source that refers to the subject (erasing a
customer erases their mails). Also collects the distinctive values of the cells that go, so an erasure
scan can later prove that they appear nowhere."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.ivm.requests import DeletionRequest, FiledRequest, RequestError, name

_INT64 = (-(2**63), 2**63 - 1)
_DIGITS = re.compile(r"[+-]?[0-9]+")  # ASCII only: "٢٥" is not 25
MIN_SCAN_CHARS = 6  # shorter values match by chance in unrelated data
MAX_SCAN_VALUES = 2000


@dataclass(frozen=True)
class SourceSchema:
    """A lake source as requests see it: key column, columns, and references to other sources' columns
    (`{"email": ("customers", "customer_email")}`: a mail's email refers to a customer)."""

    name: str
    key: str | None
    columns: tuple[str, ...]
    references: Mapping[str, tuple[str, str]] = field(default_factory=dict)


Reader = Callable[[str, Sequence[str] | None], pd.DataFrame]  # source, columns (None: all) -> frame


@dataclass(frozen=True)
class Resolution:
    """What a filed request does: per-source effects (the named source first, then what references it)."""

    effects: tuple[DeletionRequest, ...]
    named: int  # keys (or subject values) the request named
    matched: int  # rows of the named source they matched
    cascaded: Mapping[str, int]  # source -> rows reached through references
    scan_values: tuple[str, ...] = ()

    def summary(self) -> str:
        """For logs and run tags: counts only, never keys or values."""
        parts = [f"{e.action} {len(e.keys)} row(s) of {e.source}" + (f" ({', '.join(e.columns)})" if e.columns else "")
                 for e in self.effects]
        text = "; ".join(parts) or "matches no rows"
        if self.matched < self.named:
            text += f"; {self.named - self.matched} of {self.named} named key(s) not in the lake"
        return text


def check_references(schemas: Mapping[str, SourceSchema]) -> None:
    """Raises ValueError naming a reference to a source or column the lake does not declare."""
    for schema in schemas.values():
        for column, (target, target_column) in schema.references.items():
            if column not in schema.columns:
                raise ValueError(
                    f"source {schema.name!r} declares a reference from {column!r}, which is not one of its columns "
                    f"{list(schema.columns)}."
                )
            if target not in schemas or target_column not in schemas[target].columns:
                raise ValueError(
                    f"source {schema.name!r}: {column!r} refers to {target}.{target_column}, which the lake does not declare."
                )


def resolve(filed: FiledRequest, schemas: Mapping[str, SourceSchema], read: Reader, request_id: str = "",
            capture_values: bool = False) -> Resolution:
    """The effects of `filed` on the lake `read` gives. Raises RequestError if it cannot apply."""
    schema = _schema(filed.source, schemas)
    unknown = [name(c) for c in filed.columns if c not in schema.columns]
    if unknown:
        raise RequestError(
            f"source {schema.name!r} has no column(s) [{', '.join(unknown)}]; its columns are {list(schema.columns)}."
        )
    if schema.key is not None and schema.key in filed.columns:
        raise RequestError(
            f"cannot redact the key column {schema.key!r} of {schema.name!r}: it identifies the rows. Erase them instead."
        )
    frames: dict[str, pd.DataFrame] = {}

    def frame(source: str) -> pd.DataFrame:
        if source not in frames:
            frames[source] = read(source, None)
        return frames[source]

    root = frame(schema.name)
    ids = _row_ids(root, schema)
    if filed.keys:
        wanted = _coerce(filed.keys, root, schema, "keys")
        rows = np.isin(ids, wanted)
        named = len(set(wanted.tolist()))
        keys = tuple(_plain(k) for k in wanted.tolist())
    else:
        ((column, values),) = filed.where
        if column not in schema.columns:
            raise RequestError(
                f"'where' names {name(column)}, which is not a column of {schema.name!r}; its columns are {list(schema.columns)}."
            )
        rows = _matches(root[column], _coerce_values(values, root[column], column))
        named = len(set(values))
        keys = tuple(_plain(k) for k in _keys_of(root, schema, rows))
    matched = int(rows.sum())
    effects: dict[tuple[str, str, tuple[str, ...]], set[Any]] = {}
    order: list[tuple[str, str, tuple[str, ...]]] = []

    def add(source: str, action: str, columns: tuple[str, ...], new_keys: Sequence[Any]) -> None:
        group = (source, action, columns)
        if group not in effects:
            effects[group] = set()
            order.append(group)
        effects[group].update(new_keys)

    if keys:
        add(schema.name, filed.action, filed.columns, keys)
    cascaded: dict[str, int] = {}
    if filed.cascade and matched:
        _cascade(schema, rows, filed.action, filed.columns, schemas, frame, add, cascaded)
    result = tuple(
        DeletionRequest(source, tuple(sorted(effects[(source, action, columns)], key=_order)), action, columns,  # type: ignore[arg-type]
                        filed.reason, request_id or "")
        for source, action, columns in order
        if effects[(source, action, columns)]
    )
    values = _scan_values(result, schemas, frame) if capture_values else ()
    return Resolution(result, named, matched, cascaded, values)


def _schema(source: str, schemas: Mapping[str, SourceSchema]) -> SourceSchema:
    if source not in schemas:
        raise RequestError(f"unknown source {name(source)}; the sources are {sorted(schemas)}.")
    return schemas[source]


def _cascade(schema: SourceSchema, rows: np.ndarray, action: str, columns: tuple[str, ...],
             schemas: Mapping[str, SourceSchema], frame: Callable[[str], pd.DataFrame],
             add: Callable[..., None], cascaded: dict[str, int]) -> None:
    """Follows references into `schema` from every other source, breadth first; each source's rows are
    reached at most once per action."""
    queue = [(schema, rows, action, columns)]
    seen: set[tuple[str, str]] = set()
    while queue:
        target, target_rows, action, columns = queue.pop(0)
        target_frame = frame(target.name)
        for referring in schemas.values():
            for column, (source, source_column) in referring.references.items():
                if source != target.name or (action == "redact" and source_column not in columns):
                    continue
                values = target_frame.loc[target_rows, source_column].dropna()
                if values.empty:
                    continue
                refer_frame = frame(referring.name)
                hit = _matches(refer_frame[column], values)
                if not hit.any():
                    continue
                # a redacted key cannot be blanked, only erased with its row
                erase = action == "erase" or column == referring.key
                step = ("erase", ()) if erase else ("redact", (column,))
                if (referring.name, f"{step[0]}:{column}") in seen:
                    continue
                seen.add((referring.name, f"{step[0]}:{column}"))
                add(referring.name, step[0], step[1], [_plain(k) for k in _keys_of(refer_frame, referring, hit)])
                cascaded[referring.name] = cascaded.get(referring.name, 0) + int(hit.sum())
                queue.append((referring, hit, *step))


def _row_ids(frame: pd.DataFrame, schema: SourceSchema) -> np.ndarray:
    if schema.key is None:
        from lester_dagster.provenance.ids import source_row_ids

        return source_row_ids(frame, None, schema.name)
    return frame[schema.key].to_numpy()


def _keys_of(frame: pd.DataFrame, schema: SourceSchema, rows: np.ndarray) -> list[Any]:
    return _row_ids(frame, schema)[rows].tolist()


def _coerce(values: Sequence[Any], frame: pd.DataFrame, schema: SourceSchema, where: str) -> np.ndarray:
    """Request keys as values of the key column's type (integer keys of a keyless source: row ids)."""
    if schema.key is None:
        return np.asarray([_as_int(v, i, where, "row id") for i, v in enumerate(values)], dtype=np.int64)
    return _coerce_values(values, frame[schema.key], f"{where} of {schema.name}.{schema.key}")


def _coerce_values(values: Sequence[Any], column: pd.Series, where: str) -> np.ndarray:
    dtype = column.dtype
    if pd.api.types.is_integer_dtype(dtype):
        return np.asarray([_as_int(v, i, where, f"{dtype} value") for i, v in enumerate(values)], dtype=np.int64)
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return np.asarray([str(v) for v in values], dtype=object)
    raise RequestError(
        f"{where}: the column has type {dtype}; requests can name rows by integer or text columns only. "
        "Name the rows by their key instead."
    )


def _as_int(value: Any, i: int, where: str, kind: str) -> int:
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value.strip()):
            raise RequestError(
                f"value #{i + 1} of '{where}' is not an integer written in digits 0-9, as the column's {kind}s are."
            )
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not _INT64[0] <= value <= _INT64[1]:
        raise RequestError(f"value #{i + 1} of '{where}' is outside the range of a 64-bit integer {kind}.")
    return value


def _matches(column: pd.Series, values: Any) -> np.ndarray:
    """Rows whose value is among `values`; nulls never match (a blanked cell refers to no one)."""
    values = pd.Series(values).dropna()
    if pd.api.types.is_numeric_dtype(column.dtype) and pd.api.types.is_numeric_dtype(values.dtype):
        return (column.isin(values.unique()) & column.notna()).to_numpy()
    wanted = set(values.astype(str).tolist())
    return (column.notna() & column.astype(str).isin(wanted)).to_numpy()


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _order(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _scan_values(effects: Sequence[DeletionRequest], schemas: Mapping[str, SourceSchema],
                 frame: Callable[[str], pd.DataFrame]) -> tuple[str, ...]:
    """Text cells that go and that no remaining row of their column holds: what must appear nowhere."""
    found: set[str] = set()
    for effect in effects:
        schema = schemas[effect.source]
        data = frame(effect.source)
        gone = np.isin(_row_ids(data, schema), np.asarray(list(effect.keys), dtype=_row_ids(data, schema).dtype))
        columns = list(effect.columns) if effect.action == "redact" else list(data.columns)
        for column in columns:
            values = data.loc[gone, column]
            if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
                continue
            values = values.dropna().astype(str)
            values = values[values.str.len() >= MIN_SCAN_CHARS]
            if values.empty:
                continue
            staying = set(data.loc[~gone, column].dropna().astype(str).tolist())
            found.update(v for v in values.tolist() if v not in staying)
    return tuple(sorted(found, key=lambda v: (-len(v), v))[:MAX_SCAN_VALUES])
