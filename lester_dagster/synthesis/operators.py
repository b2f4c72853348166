"""The steps a synthesised pipeline is made of. Each step is a frozen dataclass that names its input
tables and its output table, runs on pandas frames (fast, for the search) and compiles to engine verbs
(for provenance); the two must give the same frame, which tests/test_synthesis_spec.py checks."""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

import lester_dagster.engine as le
from lester_dagster.engine.resolve_pivots import pivot_values
from lester_dagster.errors import SchemaError, SpecError

Frames = Mapping[str, pd.DataFrame]
Tables = Mapping[str, le.Table]

JOIN_HOWS = ("inner", "left")
SUFFIXES = ("_x", "_y")


# ---- built-in vectorised string functions (the engine's projections call them on whole columns) ------


class SplitPart:
    """`s.str.split(delimiter).str[part]`, on string columns (nulls stay null)."""

    def __init__(self, delimiter: str, part: int) -> None:
        self.delimiter, self.part = delimiter, part

    def __call__(self, values: pd.Series) -> pd.Series:
        pieces = _text(values).str.split(self.delimiter, regex=False)
        if pieces.isna().all():  # gaps only: pandas cannot index lists it never made
            return pd.Series(np.nan, index=values.index, dtype="str")
        return pieces.str[self.part]

    def __repr__(self) -> str:
        return f"SplitPart({self.delimiter!r}, {self.part})"


class Slice:
    """`s.str[start:end]`."""

    def __init__(self, start: int | None, end: int | None) -> None:
        self.start, self.end = start, end

    def __call__(self, values: pd.Series) -> pd.Series:
        return _text(values).str.slice(self.start, self.end)

    def __repr__(self) -> str:
        return f"Slice({self.start}, {self.end})"


class JoinStrings:
    """Columns as strings joined by separators (one between each two), with a literal prefix and
    suffix; a null in any of them gives null."""

    def __init__(self, separators: tuple[str, ...], prefix: str = "", suffix: str = "") -> None:
        self.separators, self.prefix, self.suffix = tuple(separators), prefix, suffix

    def __call__(self, *columns: pd.Series) -> pd.Series:
        out = _as_text(columns[0])
        if self.prefix:
            out = self.prefix + out
        for separator, column in zip(self.separators, columns[1:], strict=True):
            out = out + separator + _as_text(column)
        return out + self.suffix if self.suffix else out

    def __repr__(self) -> str:
        return f"JoinStrings({self.separators!r}, {self.prefix!r}, {self.suffix!r})"


def _as_text(values: pd.Series) -> pd.Series:
    # integral floats (ints that a null turned into floats) print without ".0", as the CSV would show them
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if len(finite) and np.all(np.mod(finite.to_numpy(), 1) == 0):
            return values.astype("Int64").astype("str")
    return _text(values)


def _text(values: pd.Series) -> pd.Series:
    """The values as strings, gaps kept. A column of gaps only (part of the rows, as the engine's row-wise
    check runs a function on) stays float under astype('str'): it is text of gaps all the same."""
    texts = values.astype("str")
    if not pd.api.types.is_string_dtype(texts.dtype):
        return pd.Series(np.nan, index=values.index, dtype="str")
    return texts


# ---- steps -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One operator application: reads the tables named in `inputs`, writes the table named `out`."""

    op: ClassVar[str] = ""
    out: str

    @property
    def inputs(self) -> tuple[str, ...]:
        raise NotImplementedError

    def run(self, frames: Frames) -> pd.DataFrame:
        raise NotImplementedError

    def build(self, tables: Tables) -> le.Table:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, **{f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Step:
        data = dict(data)
        kind = STEPS.get(str(data.pop("op", "")))
        if kind is None:
            raise SpecError(f"unknown step operator {data.get('op')!r}; known: {sorted(STEPS)}.")
        names = {f.name for f in fields(kind)}
        missing, extra = names - set(data) - getattr(kind, "OPTIONAL", frozenset()), set(data) - names
        if missing or extra:
            raise SpecError(f"step {kind.op}: missing fields {sorted(missing)}, unknown fields {sorted(extra)}.")
        return kind(**{k: _from_json(kind, k, v) for k, v in data.items()})


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


_TUPLE_FIELDS = {"left_on", "right_on", "tables", "by", "aggs", "index", "id_vars", "value_vars", "columns",
                 "subset", "mapping", "separators", "suffixes"}


def _from_json(kind: type[Step], name: str, value: Any) -> Any:
    if name == "columns" and kind is Pivot:
        return value
    if name in _TUPLE_FIELDS and isinstance(value, list):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


def _get(frames: Mapping[str, Any], name: str) -> Any:
    if name not in frames:
        raise SpecError(f"table {name!r} is not defined before it is used; defined: {sorted(frames)}.")
    return frames[name]


def _present(table: le.Table, names: tuple[str, ...]) -> tuple[str, ...]:
    """The named columns the table has, as pandas' `fillna({...})` and `rename(columns={...})` take them:
    a pivot of other rows makes other columns (a size no store sold this month), and the printed code
    passes over those it lacks. While a pivot's columns are still unknown, all are kept for the engine to
    check at execution."""
    if table.node.open_pivot is not None:
        return names
    return tuple(c for c in names if c in table.columns)


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(repr, values)) + "]"


def _keywords(pairs: list[tuple[str, str]]) -> str:
    """`name=value` arguments, or `**{'name': value}` when a name is no Python identifier ('mean radius',
    'class', '2013'): printed pipelines must run as they read."""
    if all(name.isidentifier() and not keyword.iskeyword(name) for name, _ in pairs):
        return ", ".join(f"{name}={value}" for name, value in pairs)
    return "**{" + ", ".join(f"{name!r}: {value}" for name, value in pairs) + "}"


@dataclass(frozen=True)
class Join(Step):
    """Inner or left equi-join (pandas merge)."""

    op: ClassVar[str] = "join"
    left: str = ""
    right: str = ""
    left_on: tuple[str, ...] = ()
    right_on: tuple[str, ...] = ()
    how: str = "inner"
    suffixes: tuple[str, str] = SUFFIXES  # what pandas appends to the names both tables have
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"suffixes"})  # specs written before it default

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.left, self.right)

    def _on(self) -> dict[str, Any]:
        if self.left_on == self.right_on:
            return {"on": list(self.left_on)}
        return {"left_on": list(self.left_on), "right_on": list(self.right_on)}

    def run(self, frames: Frames) -> pd.DataFrame:
        return pd.merge(_get(frames, self.left), _get(frames, self.right), how=self.how,
                        suffixes=self.suffixes, sort=False, **self._on())

    def build(self, tables: Tables) -> le.Table:
        return _get(tables, self.left).join(_get(tables, self.right), how=self.how, suffixes=self.suffixes,
                                            **self._on())

    def describe(self) -> str:
        on = ", ".join(f"{k}={_list(tuple(v))}" for k, v in self._on().items())
        suffixes = "" if self.suffixes == SUFFIXES else f", suffixes={self.suffixes!r}"
        return f"{self.out} = {self.left}.merge({self.right}, {on}, how={self.how!r}{suffixes})"


@dataclass(frozen=True)
class Union(Step):
    """Union all of tables (pandas concat): of the columns they share where `columns` names them (two firms'
    files, each with columns of its own), else of the first table's columns, in the first table's order."""

    op: ClassVar[str] = "union"
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"columns"})  # specs written before it default
    tables: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.tables

    def run(self, frames: Frames) -> pd.DataFrame:
        parts = [_get(frames, t) for t in self.tables]
        columns = list(self.columns) or list(parts[0].columns)
        return pd.concat([p[columns] for p in parts], ignore_index=True)

    def build(self, tables: Tables) -> le.Table:
        first, *rest = (_get(tables, t) for t in self.tables)
        columns = list(self.columns) or first.columns
        return first.select(columns).union(*(r.select(columns) for r in rest))

    def describe(self) -> str:
        first, *rest = self.tables
        if self.columns:
            parts = [f"{t}[{_list(self.columns)}]" for t in self.tables]
        else:
            parts = [first, *(f"{t}[{first}.columns]" for t in rest)]
        return f"{self.out} = pd.concat([{', '.join(parts)}], ignore_index=True)"


@dataclass(frozen=True)
class GroupBy(Step):
    """Group by key columns and aggregate: `aggs` holds (output name, column, function) triples."""

    op: ClassVar[str] = "groupby"
    table: str = ""
    by: tuple[str, ...] = ()
    aggs: tuple[tuple[str, str, str], ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        groups = _get(frames, self.table).groupby(list(self.by), sort=True, dropna=True)
        return groups.agg(**{name: (column, func) for name, column, func in self.aggs}).reset_index()

    def build(self, tables: Tables) -> le.Table:
        return _get(tables, self.table).groupby(self.by).agg(**{name: (c, f) for name, c, f in self.aggs})

    def describe(self) -> str:
        aggs = _keywords([(name, f"({column!r}, {func!r})") for name, column, func in self.aggs])
        return f"{self.out} = {self.table}.groupby({_list(self.by)}).agg({aggs}).reset_index()"


@dataclass(frozen=True)
class Pivot(Step):
    """Long to wide: one row per `index` group, one column per value of `columns` (seen in the data)."""

    op: ClassVar[str] = "pivot"
    table: str = ""
    index: tuple[str, ...] = ()
    columns: str = ""
    values: str = ""
    aggfunc: str = "first"

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        # mirrors the engine's pivot exactly: sorted column values, groups without null keys
        frame = _get(frames, self.table)
        index = list(self.index)
        distinct = frame[self.columns].dropna().unique()
        column_values = sorted(distinct.tolist(), key=lambda v: (str(type(v)), v))
        groups = frame.groupby(index, sort=True, dropna=True)
        group_index = groups.size().index
        cells = frame.groupby([*index, self.columns], sort=True, dropna=True)[self.values].agg(self.aggfunc)
        if len(cells):
            wide = cells.unstack(self.columns).reindex(index=group_index, columns=column_values)
        else:
            wide = pd.DataFrame(index=group_index, columns=column_values, dtype=float)
        wide.columns = [str(v) for v in column_values]
        return wide.reset_index()

    def build(self, tables: Tables) -> le.Table:
        # the steps after a pivot name its value columns, so they are declared from the data bound to the
        # plan's sources (as `run` finds them); over sources without data they are found at execution
        table = _get(tables, self.table)
        try:
            values: list[Any] | None = pivot_values(table.execute().frame[self.columns])
        except SchemaError:
            values = None
        return table.pivot(self.index, self.columns, self.values, self.aggfunc, column_values=values)

    def describe(self) -> str:
        # pivot_table drops empty columns and names columns by value; this spells out what `run` does
        return (f"{self.out} = {self.table}.groupby({_list((*self.index, self.columns))})[{self.values!r}]"
                f".agg({self.aggfunc!r}).unstack({self.columns!r}).rename(columns=str)"
                f".rename_axis(columns=None).reset_index()")


@dataclass(frozen=True)
class Unpivot(Step):
    """Wide to long (melt)."""

    op: ClassVar[str] = "unpivot"
    table: str = ""
    id_vars: tuple[str, ...] = ()
    value_vars: tuple[str, ...] = ()
    var_name: str = "variable"
    value_name: str = "value"

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        return _get(frames, self.table).melt(id_vars=list(self.id_vars), value_vars=list(self.value_vars),
                                             var_name=self.var_name, value_name=self.value_name)

    def build(self, tables: Tables) -> le.Table:
        return _get(tables, self.table).melt(self.id_vars, self.value_vars, self.var_name, self.value_name)

    def describe(self) -> str:
        return (f"{self.out} = {self.table}.melt(id_vars={_list(self.id_vars)}, value_vars={_list(self.value_vars)}, "
                f"var_name={self.var_name!r}, value_name={self.value_name!r})")


@dataclass(frozen=True)
class _Derive(Step):
    """A new (or replaced) column `target` computed by a built-in vectorised function."""

    table: str = ""
    target: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    @property
    def sources(self) -> tuple[str, ...]:
        raise NotImplementedError

    def function(self) -> Any:
        raise NotImplementedError

    def run(self, frames: Frames) -> pd.DataFrame:
        frame = _get(frames, self.table).copy(deep=False)
        frame[self.target] = self.function()(*(frame[c] for c in self.sources))
        return frame

    def build(self, tables: Tables) -> le.Table:
        return _get(tables, self.table).project(self.target, self.sources, self.function(), vectorized=True)


@dataclass(frozen=True)
class Split(_Derive):
    """Part `part` of a string column split by a delimiter."""

    op: ClassVar[str] = "split"
    column: str = ""
    delimiter: str = " "
    part: int = 0

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.column,)

    def function(self) -> SplitPart:
        return SplitPart(self.delimiter, self.part)

    def describe(self) -> str:
        value = f"{self.table}[{self.column!r}].astype('str').str.split({self.delimiter!r}, regex=False).str[{self.part}]"
        return f"{self.out} = {self.table}.assign({_keywords([(self.target, value)])})"


@dataclass(frozen=True)
class Substring(_Derive):
    """`column[start:end]` of a string column."""

    op: ClassVar[str] = "substring"
    column: str = ""
    start: int | None = None
    end: int | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.column,)

    def function(self) -> Slice:
        return Slice(self.start, self.end)

    def describe(self) -> str:
        value = f"{self.table}[{self.column!r}].astype('str').str.slice({self.start}, {self.end})"
        return f"{self.out} = {self.table}.assign({_keywords([(self.target, value)])})"


@dataclass(frozen=True)
class Concatenate(_Derive):
    """Columns as strings joined by separators, between a literal prefix and suffix."""

    op: ClassVar[str] = "concatenate"
    columns: tuple[str, ...] = ()
    separators: tuple[str, ...] = ()
    prefix: str = ""
    suffix: str = ""

    def __post_init__(self) -> None:
        if len(self.separators) != max(0, len(self.columns) - 1):
            raise SpecError(
                f"concatenate: {len(self.columns)} columns need {len(self.columns) - 1} separator(s), "
                f"got {list(self.separators)}."
            )

    @property
    def sources(self) -> tuple[str, ...]:
        return self.columns

    def function(self) -> JoinStrings:
        return JoinStrings(self.separators, self.prefix, self.suffix)

    def describe(self) -> str:
        parts = [repr(self.prefix)] if self.prefix else []
        for i, column in enumerate(self.columns):
            if i and self.separators[i - 1]:
                parts.append(repr(self.separators[i - 1]))
            parts.append(f"as_text({self.table}[{column!r}])")
        if self.suffix:
            parts.append(repr(self.suffix))
        return f"{self.out} = {self.table}.assign({_keywords([(self.target, ' + '.join(parts))])})"


@dataclass(frozen=True)
class DropNA(Step):
    """Rows without nulls in `subset` (all columns when empty)."""

    op: ClassVar[str] = "dropna"
    table: str = ""
    subset: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        frame = _get(frames, self.table)
        subset = list(self.subset) or list(frame.columns)
        return frame[frame[subset].notna().all(axis=1).to_numpy()].reset_index(drop=True)

    def build(self, tables: Tables) -> le.Table:
        return _get(tables, self.table).dropna(list(self.subset) or None)

    def describe(self) -> str:
        subset = f"subset={_list(self.subset)}" if self.subset else ""
        return f"{self.out} = {self.table}.dropna({subset}).reset_index(drop=True)"


@dataclass(frozen=True)
class FillNA(Step):
    """Nulls in `subset` (all columns when empty) replaced by a constant."""

    op: ClassVar[str] = "fillna"
    table: str = ""
    value: Any = 0
    subset: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        frame = _get(frames, self.table)
        return frame.fillna(dict.fromkeys(list(self.subset) or list(frame.columns), self.value))

    def build(self, tables: Tables) -> le.Table:
        table = _get(tables, self.table)
        return table.fillna(dict.fromkeys(_present(table, self.subset) if self.subset else table.columns, self.value))

    def describe(self) -> str:
        if self.subset:
            return f"{self.out} = {self.table}.fillna({ dict.fromkeys(self.subset, self.value) !r})"
        return f"{self.out} = {self.table}.fillna({self.value!r})"


@dataclass(frozen=True)
class Select(Step):
    """Keeps the given columns in the given order."""

    op: ClassVar[str] = "select"
    table: str = ""
    columns: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        return _get(frames, self.table)[list(self.columns)]

    def build(self, tables: Tables) -> le.Table:
        return _get(tables, self.table).select(self.columns)

    def describe(self) -> str:
        return f"{self.out} = {self.table}[{_list(self.columns)}]"


@dataclass(frozen=True)
class Rename(Step):
    """Renames columns: `mapping` holds (old, new) pairs."""

    op: ClassVar[str] = "rename"
    table: str = ""
    mapping: tuple[tuple[str, str], ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.table,)

    def run(self, frames: Frames) -> pd.DataFrame:
        return _get(frames, self.table).rename(columns=dict(self.mapping))

    def build(self, tables: Tables) -> le.Table:
        # as the printed `df.rename(columns={...})` does, a named column the table lacks is left alone
        table = _get(tables, self.table)
        present = set(_present(table, tuple(old for old, _ in self.mapping)))
        return table.rename({old: new for old, new in self.mapping if old in present})

    def describe(self) -> str:
        return f"{self.out} = {self.table}.rename(columns={dict(self.mapping)!r})"


STEPS: dict[str, type[Step]] = {
    kind.op: kind
    for kind in (Join, Union, GroupBy, Pivot, Unpivot, Split, Substring, Concatenate, DropNA, FillNA, Select, Rename)
}
