"""Immutable logical operators of the engine. Each one declares, when it is built, its output columns,
where every output column's values come from (`lineage`), which source columns decide which of its rows
exist or how they are grouped (`row_lineage`) and in which order they come (`order_lineage`): column
provenance by construction. Each also declares its class under deletions (`op_class`), from which
incremental maintenance picks its rule."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.errors import SchemaError
from lester_dagster.provenance import Lineage, SourceColumn, source_row_ids
from lester_dagster.provenance.columns import union

# dtype kinds we can compare at build time; None means "not known until run time"
Kind = str | None


def walk(root: Node) -> Iterator[Node]:
    """Each node of the plan under `root` once (a node two operators read is one node), root first."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            yield node
            stack.extend(node.parents)


def kind_of(dtype: Any) -> Kind:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype):
        return "string"
    return None


class OpClass(str, Enum):
    """How an operator's output changes when some of its input rows go or change (the maintenance class)."""

    MONOTONE = "monotone"  # each output row derives from its own input rows: erasing them only erases it
    ORDER = "order-dependent"  # decides the order of the rows by their values (a sort)
    AGGREGATE = "aggregate"  # an output row sums a group of input rows (groupby, pivot)
    OUTER = "outer join"  # a left join: losing right rows can make a left row reappear padded with nulls
    ABOVE_AGGREGATE = "non-monotone above an aggregate"  # keeps, joins or groups rows by an aggregate's value


# Aggregate functions whose value depends on the order of the group's rows; a callable may too.
ORDER_DEPENDENT_AGGREGATES = frozenset({"first", "last"})


@dataclass(frozen=True, eq=False)
class Node:
    """A relation: every operator has output `columns`, their `lineage` and the plan's `row_lineage`."""

    @property
    def parents(self) -> tuple[Node, ...]:
        return ()

    @property
    def lineage(self) -> dict[str, Lineage]:
        """Output column -> the source columns its values derive from; every concrete node defines it (a
        property, not an annotation: a dataclass would take that for a field)."""
        raise NotImplementedError(type(self).__name__)

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.lineage)

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        parent = self.parents[0].kinds if self.parents else {}
        return {c: parent.get(c) for c in self.columns}

    @cached_property
    def row_lineage(self) -> Lineage:
        return union(p.row_lineage for p in self.parents) | self.own_row_lineage

    @property
    def own_row_lineage(self) -> Lineage:
        return frozenset()

    @cached_property
    def order_lineage(self) -> Lineage:
        """Source columns whose values decide the order of the rows (sort keys, group keys)."""
        return union(p.order_lineage for p in self.parents)

    @cached_property
    def declares_order(self) -> bool:
        """The rows come in an order decided by values (a sort, an aggregate's sorted groups), which a
        maintained version must keep, rather than in the order of the sources."""
        return any(p.declares_order for p in self.parents)

    @cached_property
    def aggregated(self) -> frozenset[str]:
        """Output columns whose values are computed over groups of rows (an aggregate's or pivot's values)."""
        parent = self.parents[0].aggregated if len(self.parents) == 1 else frozenset()
        return parent & frozenset(self.columns)

    @property
    def op_class(self) -> OpClass:
        return OpClass.MONOTONE

    @property
    def reads(self) -> tuple[str, ...]:
        """The input columns this operator itself decides rows by (for messages and classes)."""
        return ()

    def describe(self) -> str:
        """The operator and the columns it decides by, for messages: `filter on ['n']`."""
        name = type(self).__name__.lower()
        return f"{name} on {list(self.reads)}" if self.reads else name

    @cached_property
    def open_pivot(self) -> Pivot | None:
        """The pivot without declared values whose value columns this output also has: columns known only
        at execution, after the ones `columns` lists (None: `columns` are all of them)."""
        return next((p.open_pivot for p in self.parents if p.open_pivot is not None), None)

    @cached_property
    def sources(self) -> dict[str, Source]:
        found: dict[str, Source] = {}
        for parent in self.parents:
            found.update(parent.sources)
        return found

    def _lineage_of(self, columns: tuple[str, ...] | list[str], parent: Node | None = None) -> Lineage:
        parent = parent or self.parents[0]
        return union(parent.lineage[c] for c in columns)


class Binding:
    """The data a source reads when a run names none: a frame, or a file read at the first run that needs
    it. Its rows' ids are hashed then too, once: a plan is built without touching the data, and repeated
    runs reuse both."""

    def __init__(self, load: Callable[[], pd.DataFrame], what: str) -> None:
        self._load, self.what = load, what
        self._lock = threading.Lock()
        self._frame: pd.DataFrame | None = None
        self._ids: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Binding({self.what})"

    def frame(self) -> pd.DataFrame:
        with self._lock:
            if self._frame is None:
                self._frame = self._load()
            return self._frame

    def ids(self, source: Source) -> np.ndarray:
        frame = self.frame()
        with self._lock:
            if self._ids is None:
                self._ids = source_row_ids(frame, source.key, source.name)
            return self._ids


@dataclass(frozen=True, eq=False)
class Source(Node):
    """A named input table: a reference by name, with a declared key column (None: rows are identified by
    content) and schema (column -> kind); `default` is the data a run reads when it names none."""

    name: str
    key: str | None
    schema: Mapping[str, Kind]
    default: Binding | None = field(default=None, repr=False)

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        return {c: frozenset({SourceColumn(self.name, c)}) for c in self.schema}

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return dict(self.schema)

    @cached_property
    def sources(self) -> dict[str, Source]:
        return {self.name: self}

    @property
    def data(self) -> pd.DataFrame:
        """The default binding's frame (read now if it is a file)."""
        return self._bound().frame()

    @property
    def ids(self) -> np.ndarray:
        """The default binding's row ids (hashed now if no run hashed them yet)."""
        return self._bound().ids(self)

    def _bound(self) -> Binding:
        if self.default is None:
            raise SchemaError(
                f"source {self.name!r} has no data: it is a reference to a table. Pass its rows when the plan "
                f"runs: execute(sources={{{self.name!r}: frame}}), a frame with columns {list(self.schema)}."
            )
        return self.default


@dataclass(frozen=True, eq=False)
class Unary(Node):
    parent: Node

    @property
    def parents(self) -> tuple[Node, ...]:
        return (self.parent,)

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        return dict(self.parent.lineage)


@dataclass(frozen=True, eq=False)
class Query:
    """A pandas query string over `columns`, with its `@` parameters passed explicitly."""

    expr: str
    columns: tuple[str, ...]
    params: Mapping[str, Any]
    code: Any = field(repr=False, default=None)  # the compiled, vectorised expression
    names: Mapping[str, str] = field(repr=False, default_factory=dict)  # its variable -> column


@dataclass(frozen=True, eq=False)
class Udf:
    """A user function called with one argument per input column (Series, or values when row-wise)."""

    fn: Callable[..., Any]
    inputs: tuple[str, ...]
    vectorized: bool | None = None  # None: try on whole columns, fall back to row-wise

    @property
    def columns(self) -> tuple[str, ...]:
        return self.inputs


@dataclass(frozen=True, eq=False)
class Filter(Unary):
    """Rows for which the predicate holds."""

    predicate: Query | Udf

    @property
    def own_row_lineage(self) -> Lineage:
        return self._lineage_of(self.predicate.columns)

    @property
    def reads(self) -> tuple[str, ...]:
        return self.predicate.columns

    @property
    def op_class(self) -> OpClass:
        return _above_aggregate(self, self.reads)


@dataclass(frozen=True, eq=False)
class Project(Unary):
    """Adds or replaces column `target` with a function of declared input columns."""

    target: str
    compute: Query | Udf

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        out = dict(self.parent.lineage)
        out[self.target] = self._lineage_of(self.compute.columns)
        return out

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return {**self.parent.kinds, self.target: None}

    @cached_property
    def aggregated(self) -> frozenset[str]:
        others = self.parent.aggregated - {self.target}
        return others | ({self.target} if self.parent.aggregated & set(self.compute.columns) else set())


@dataclass(frozen=True, eq=False)
class Select(Unary):
    """Keeps the given columns in the given order."""

    keep: tuple[str, ...]

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        return {c: self.parent.lineage[c] for c in self.keep}

    @cached_property
    def open_pivot(self) -> Pivot | None:
        return None


@dataclass(frozen=True, eq=False)
class Rename(Unary):
    """Renames columns."""

    mapping: Mapping[str, str]

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        return {self.mapping.get(c, c): v for c, v in self.parent.lineage.items()}

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return {self.mapping.get(c, c): k for c, k in self.parent.kinds.items()}

    @cached_property
    def aggregated(self) -> frozenset[str]:
        return frozenset(self.mapping.get(c, c) for c in self.parent.aggregated)


@dataclass(frozen=True, eq=False)
class Join(Node):
    """Inner or left equi-join; a row's polynomial is the product of its two sides'."""

    left: Node
    right: Node
    left_on: tuple[str, ...]
    right_on: tuple[str, ...]
    how: str
    suffixes: tuple[str, str]

    @property
    def parents(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    @cached_property
    def merged_keys(self) -> frozenset[str]:
        """Key columns named alike on both sides come out once, as pandas.merge does."""
        return frozenset(left for left, right in zip(self.left_on, self.right_on, strict=True) if left == right)

    @cached_property
    def output_names(self) -> tuple[dict[str, str], dict[str, str]]:
        """Output name of every left and right column that survives (pandas' suffix rules)."""
        overlap = (set(self.left.columns) & set(self.right.columns)) - self.merged_keys
        left = {c: c + self.suffixes[0] if c in overlap else c for c in self.left.columns}
        right = {
            c: c + self.suffixes[1] if c in overlap else c
            for c in self.right.columns
            if c not in self.merged_keys
        }
        return left, right

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        left_names, right_names = self.output_names
        out = {new: self.left.lineage[old] for old, new in left_names.items()}
        for key in self.merged_keys:
            # equal on matched rows; for left-join misses the value is the left one
            out[key] = self.left.lineage[key] | self.right.lineage[key]
        out.update({new: self.right.lineage[old] for old, new in right_names.items()})
        return out

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        left_names, right_names = self.output_names
        out = {new: self.left.kinds.get(old) for old, new in left_names.items()}
        out.update({new: self.right.kinds.get(old) for old, new in right_names.items()})
        return out

    @property
    def own_row_lineage(self) -> Lineage:
        return self._lineage_of(self.left_on, self.left) | self._lineage_of(self.right_on, self.right)

    @cached_property
    def aggregated(self) -> frozenset[str]:
        left_names, right_names = self.output_names
        out = {left_names[c] for c in self.left.aggregated if c in left_names}
        out |= {right_names[c] for c in self.right.aggregated if c in right_names}
        out |= {k for k in self.merged_keys if k in self.left.aggregated or k in self.right.aggregated}
        return frozenset(out)

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.left_on, *self.right_on)))

    def describe(self) -> str:
        return f"{self.how} join on {list(self.left_on)} = {list(self.right_on)}"

    @property
    def op_class(self) -> OpClass:
        if set(self.left_on) & self.left.aggregated or set(self.right_on) & self.right.aggregated:
            return OpClass.ABOVE_AGGREGATE
        return OpClass.OUTER if self.how == "left" else OpClass.MONOTONE


@dataclass(frozen=True, eq=False)
class Union(Node):
    """Union all: the rows of every input, in order; each keeps its own monomial."""

    inputs: tuple[Node, ...]

    @property
    def parents(self) -> tuple[Node, ...]:
        return self.inputs

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        return {c: union(p.lineage[c] for p in self.inputs) for c in self.inputs[0].columns}

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return dict(self.inputs[0].kinds)

    @cached_property
    def aggregated(self) -> frozenset[str]:
        return frozenset().union(*(p.aggregated for p in self.inputs)) & frozenset(self.columns)


@dataclass(frozen=True, eq=False)
class Aggregate(Unary):
    """Group by key columns and aggregate; a group's polynomial is the sum of its members'."""

    by: tuple[str, ...]
    aggregations: Mapping[str, tuple[str, str | Callable[..., Any]]]

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        out = {c: self.parent.lineage[c] for c in self.by}
        for name, (col, func) in self.aggregations.items():
            # first/last (and a function, which may index its rows) read the rows' order too
            reads_order = callable(func) or func in ORDER_DEPENDENT_AGGREGATES
            out[name] = self.parent.lineage[col] | (self.parent.order_lineage if reads_order else frozenset())
        return out

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return {c: self.parent.kinds.get(c) for c in self.by} | dict.fromkeys(self.aggregations)

    @property
    def own_row_lineage(self) -> Lineage:
        return self._lineage_of(self.by)

    @cached_property
    def order_lineage(self) -> Lineage:
        return self._lineage_of(self.by)  # groups come sorted by their keys

    @cached_property
    def declares_order(self) -> bool:
        return True

    @cached_property
    def aggregated(self) -> frozenset[str]:
        return frozenset(self.aggregations)

    @cached_property
    def open_pivot(self) -> Pivot | None:
        return None

    @property
    def reads(self) -> tuple[str, ...]:
        return self.by

    def describe(self) -> str:
        return f"groupby {list(self.by)}"

    @property
    def op_class(self) -> OpClass:
        return OpClass.ABOVE_AGGREGATE if set(self.by) & self.parent.aggregated else OpClass.AGGREGATE


@dataclass(frozen=True, eq=False)
class Explode(Unary):
    """One row per element of a list-valued column."""

    column: str

    @property
    def own_row_lineage(self) -> Lineage:
        return self.parent.lineage[self.column]

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return {**self.parent.kinds, self.column: None}

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.column,)

    @property
    def op_class(self) -> OpClass:
        return _above_aggregate(self, self.reads)


@dataclass(frozen=True, eq=False)
class DropNA(Unary):
    """Rows with no null in the subset columns."""

    subset: tuple[str, ...]

    @property
    def own_row_lineage(self) -> Lineage:
        return self._lineage_of(self.subset)

    @property
    def reads(self) -> tuple[str, ...]:
        return self.subset

    @property
    def op_class(self) -> OpClass:
        return _above_aggregate(self, self.reads)


@dataclass(frozen=True, eq=False)
class FillNA(Unary):
    """Nulls replaced by a constant per column."""

    values: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class Sort(Unary):
    """Rows ordered by columns (stable)."""

    by: tuple[str, ...]
    ascending: tuple[bool, ...]

    @cached_property
    def order_lineage(self) -> Lineage:
        # stable: ties keep the order they had, so what decided that order still counts
        return self.parent.order_lineage | self._lineage_of(self.by)

    @cached_property
    def declares_order(self) -> bool:
        return True

    @property
    def reads(self) -> tuple[str, ...]:
        return self.by

    def describe(self) -> str:
        return f"sort_values by {list(self.by)}"

    @property
    def op_class(self) -> OpClass:
        # sorted by an aggregate's value: a shrunk group can move anywhere, so the order is not kept
        return OpClass.ABOVE_AGGREGATE if set(self.by) & self.parent.aggregated else OpClass.ORDER


@dataclass(frozen=True, eq=False)
class Pivot(Unary):
    """Long to wide: one row per index group, one column per value of `columns`: the declared ones, or
    (`column_values` None) the distinct values the run finds, which `resolve_pivots` fills in."""

    index: tuple[str, ...]
    pivot_column: str
    values: str
    aggfunc: str
    column_values: tuple[Any, ...] | None

    @cached_property
    def value_names(self) -> tuple[str, ...]:
        return tuple(str(v) for v in self.column_values or ())

    @cached_property
    def open_pivot(self) -> Pivot | None:
        return self if self.column_values is None else None

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        out = {c: self.parent.lineage[c] for c in self.index}
        # a cell's value also depends on the pivot column, which decides the output column it lands in
        cells = self.parent.lineage[self.values] | self.parent.lineage[self.pivot_column]
        if self.aggfunc in ORDER_DEPENDENT_AGGREGATES:
            cells |= self.parent.order_lineage
        out.update(dict.fromkeys(self.value_names, cells))
        return out

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        return {c: self.parent.kinds.get(c) for c in self.index} | dict.fromkeys(self.value_names)

    @property
    def own_row_lineage(self) -> Lineage:
        return self._lineage_of((*self.index, self.pivot_column))

    @cached_property
    def order_lineage(self) -> Lineage:
        return self._lineage_of(self.index)  # rows come sorted by the index

    @cached_property
    def declares_order(self) -> bool:
        return True

    @cached_property
    def aggregated(self) -> frozenset[str]:
        return frozenset(self.value_names)

    @property
    def reads(self) -> tuple[str, ...]:
        return (*self.index, self.pivot_column)

    def describe(self) -> str:
        return f"pivot by {list(self.index)} and {self.pivot_column!r}"

    @property
    def op_class(self) -> OpClass:
        return OpClass.ABOVE_AGGREGATE if set(self.reads) & self.parent.aggregated else OpClass.AGGREGATE


@dataclass(frozen=True, eq=False)
class Unpivot(Unary):
    """Wide to long (melt): one row per input row and value column."""

    id_vars: tuple[str, ...]
    value_vars: tuple[str, ...]
    var_name: str
    value_name: str

    @cached_property
    def lineage(self) -> dict[str, Lineage]:
        out = {c: self.parent.lineage[c] for c in self.id_vars}
        out[self.var_name] = frozenset()  # the names of value_vars: constants, from no source cell
        out[self.value_name] = self._lineage_of(self.value_vars)
        return out

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        ids = {c: self.parent.kinds.get(c) for c in self.id_vars}
        return ids | {self.var_name: "string", self.value_name: None}

    @cached_property
    def aggregated(self) -> frozenset[str]:
        values = {self.value_name} if self.parent.aggregated & set(self.value_vars) else set()
        return frozenset(self.parent.aggregated & set(self.id_vars)) | values

    @cached_property
    def open_pivot(self) -> Pivot | None:
        return None


def _above_aggregate(node: Unary, reads: tuple[str, ...]) -> OpClass:
    """A row operator that decides rows by an aggregate's value: a shrinking group can pass it anew."""
    return OpClass.ABOVE_AGGREGATE if set(reads) & node.parent.aggregated else OpClass.MONOTONE
