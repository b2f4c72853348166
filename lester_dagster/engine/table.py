"""The user API of the engine: a `Table` is an immutable plan with pandas-like verbs. Every verb checks
its arguments against the known schema when it is called, so mistakes surface where they are written."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from lester_dagster.engine import nodes as n
from lester_dagster.engine.execute import Result, execute
from lester_dagster.engine.expressions import check_udf, parse_query
from lester_dagster.errors import (
    ColumnNotFoundError,
    DuplicateColumnError,
    KeyColumnError,
    OperatorArgumentError,
    SchemaError,
    TypeClashError,
)
from lester_dagster.provenance import Lineage

AGGREGATES = frozenset(
    {"sum", "mean", "median", "min", "max", "count", "size", "nunique", "first", "last", "std", "var", "prod",
     "any", "all"}
)


def _names(columns: str | Sequence[str]) -> tuple[str, ...]:
    return (columns,) if isinstance(columns, str) else tuple(columns)


class udf:  # noqa: N801 - used like a function: .assign(title=udf(str.lower, "subject"))
    """A column computed by `fn` from declared `inputs`, for `Table.assign`."""

    __slots__ = ("fn", "inputs", "vectorized")

    def __init__(self, fn: Callable[..., Any], inputs: str | Sequence[str], vectorized: bool | None = None):
        self.fn, self.inputs, self.vectorized = fn, _names(inputs), vectorized


class Table:
    """A declarative, provenance-tracking table: a plan of operators over named sources.

    >>> mails = from_pandas(pd.DataFrame({"id": [1, 2], "text": ["Hi", "A complaint"]}), "mails", key="id")
    >>> out = mails.filter("text.str.contains(@word)", word="complaint").project("text", "text", str.lower)
    >>> out.to_pandas()
       id         text
    0   2  a complaint
    >>> sorted(map(str, out.lineage["text"]))
    ['mails.text']
    """

    __slots__ = ("node",)

    def __init__(self, node: n.Node) -> None:
        self.node = node

    # ---- introspection -------------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """The columns known when the plan is built (after a pivot without `column_values`, its value
        columns are only known at execution: `Result.frame` and `Result.lineage` list them)."""
        return list(self.node.columns)

    @property
    def lineage(self) -> dict[str, Lineage]:
        """Column provenance: each output column -> the (source, column) pairs its values derive from."""
        return dict(self.node.lineage)

    @property
    def row_lineage(self) -> Lineage:
        """Source columns that decide which rows exist or how they group (filters, join and group keys)."""
        return self.node.row_lineage

    @property
    def order_lineage(self) -> Lineage:
        """Source columns that decide the order of the rows (sort keys, the keys of sorted groups)."""
        return self.node.order_lineage

    @property
    def source_names(self) -> list[str]:
        return list(self.node.sources)

    def __repr__(self) -> str:
        return f"Table({', '.join(self.columns)})\n{explain(self.node)}"

    def _require(self, operator: str, columns: Sequence[str]) -> None:
        for column in columns:
            if column not in self.node.columns:
                raise ColumnNotFoundError(operator, column, self.node.columns, _open_hint(self.node))

    @contextmanager
    def _naming(self) -> Iterator[None]:
        """A column a query string or function names that the input lacks: said with the open pivot's hint."""
        try:
            yield
        except ColumnNotFoundError as error:
            if self.node.open_pivot is None or error.column in self.node.columns:
                raise
            raise ColumnNotFoundError(error.operator, error.column, error.existing, _open_hint(self.node)) from None

    def _closed(self, operator: str) -> None:
        """Refuses an operator that works on every column when some are only known at execution."""
        if self.node.open_pivot is not None:
            raise OperatorArgumentError(
                f"{operator}: the columns of {self.node.open_pivot.describe()} are only known at execution, and "
                f"this needs all of them. Pass column_values=[...] to the pivot to name them, or name the columns."
            )

    # ---- row operators -------------------------------------------------------------------------------

    def filter(
        self,
        predicate: str | Callable[..., Any],
        inputs: str | Sequence[str] | None = None,
        *,
        vectorized: bool | None = None,
        **params: Any,
    ) -> Table:
        """Rows where the predicate holds: a query string with explicit `@` parameters, or a function of
        the declared `inputs` columns returning booleans."""
        if isinstance(predicate, str):
            if inputs is not None:
                raise OperatorArgumentError("filter: a query string names its columns itself; drop inputs=.")
            with self._naming():
                return Table(n.Filter(self.node, parse_query("filter", predicate, params, self.node.columns)))
        if params:
            raise OperatorArgumentError(f"filter: parameters {sorted(params)} only apply to query strings.")
        with self._naming():
            return Table(n.Filter(self.node, check_udf("filter", predicate, inputs or (), self.node.columns, vectorized)))

    def dropna(self, subset: str | Sequence[str] | None = None) -> Table:
        if subset is None:
            self._closed("dropna without subset")
        subset = self.node.columns if subset is None else _names(subset)
        self._require("dropna", subset)
        return Table(n.DropNA(self.node, tuple(subset)))

    def explode(self, column: str) -> Table:
        self._require("explode", [column])
        return Table(n.Explode(self.node, column))

    def sort_values(self, by: str | Sequence[str], ascending: bool | Sequence[bool] = True) -> Table:
        by = _names(by)
        self._require("sort_values", by)
        ascending = (ascending,) * len(by) if isinstance(ascending, bool) else tuple(ascending)
        return Table(n.Sort(self.node, by, ascending))

    # ---- column operators ----------------------------------------------------------------------------

    def project(
        self,
        target: str,
        inputs: str | Sequence[str],
        fn: Callable[..., Any],
        *,
        vectorized: bool | None = None,
    ) -> Table:
        """Adds or replaces column `target` with `fn(*inputs)`: called on whole columns when it allows,
        else once per row on plain values. `fn` can read nothing but its declared input columns."""
        op = f"project {target!r}"
        with self._naming():
            return Table(n.Project(self.node, target, check_udf(op, fn, inputs, self.node.columns, vectorized)))

    def assign(self, **columns: str | udf) -> Table:
        """Adds columns, each from an expression string over columns (`"a + b"`) or a `udf`."""
        table = self
        for target, spec in columns.items():
            if isinstance(spec, udf):
                table = table.project(target, spec.inputs, spec.fn, vectorized=spec.vectorized)
            elif isinstance(spec, str):
                with table._naming():
                    query = parse_query(f"assign {target!r}", spec, {}, table.node.columns)
                table = Table(n.Project(table.node, target, query))
            else:
                raise OperatorArgumentError(
                    f"assign {target!r}: expected an expression string or udf(fn, inputs), got {type(spec).__name__}."
                )
        return table

    def select(self, *columns: str | Sequence[str]) -> Table:
        keep = tuple(c for group in columns for c in _names(group))
        self._require("select", keep)
        if len(set(keep)) != len(keep):
            raise DuplicateColumnError(f"select: columns {list(keep)} name a column twice.")
        return Table(n.Select(self.node, keep))

    def __getitem__(self, columns: str | Sequence[str]) -> Table:
        return self.select(columns)

    def drop(self, columns: str | Sequence[str]) -> Table:
        self._closed("drop")
        dropped = _names(columns)
        self._require("drop", dropped)
        return Table(n.Select(self.node, tuple(c for c in self.node.columns if c not in dropped)))

    def rename(self, columns: Mapping[str, str] | None = None, **mapping: str) -> Table:
        mapping = {**(columns or {}), **mapping}
        self._require("rename", list(mapping))
        renamed = [mapping.get(c, c) for c in self.node.columns]
        clashes = sorted({c for c in renamed if renamed.count(c) > 1})
        if clashes:
            raise DuplicateColumnError(f"rename: {mapping} would give two columns named {clashes}.")
        return Table(n.Rename(self.node, mapping))

    def fillna(self, value: Mapping[str, Any] | Any, subset: str | Sequence[str] | None = None) -> Table:
        if isinstance(value, Mapping):
            values = dict(value)
        else:
            if subset is None:
                self._closed("fillna without subset")
            values = dict.fromkeys(self.node.columns if subset is None else _names(subset), value)
        self._require("fillna", list(values))
        return Table(n.FillNA(self.node, values))

    # ---- combining tables ----------------------------------------------------------------------------

    def join(
        self,
        other: Table,
        on: str | Sequence[str] | None = None,
        *,
        left_on: str | Sequence[str] | None = None,
        right_on: str | Sequence[str] | None = None,
        how: str = "inner",
        suffixes: tuple[str, str] = ("_x", "_y"),
    ) -> Table:
        """Equi-join on explicit keys (`on`, or `left_on` with `right_on`); how is "inner" or "left"."""
        if how not in ("inner", "left"):
            raise OperatorArgumentError(f"join: how={how!r} is not supported; use 'inner' or 'left'.")
        if on is not None:
            left_keys = right_keys = _names(on)
        elif left_on is not None and right_on is not None:
            left_keys, right_keys = _names(left_on), _names(right_on)
        else:
            raise OperatorArgumentError("join: give the keys explicitly, with on= or with left_on= and right_on=.")
        if not left_keys or len(left_keys) != len(right_keys):
            raise OperatorArgumentError(
                f"join: left keys {list(left_keys)} and right keys {list(right_keys)} must be non-empty and "
                "of the same length."
            )
        for key in left_keys:
            if key not in self.node.columns:
                raise ColumnNotFoundError("join (left side)", key, self.node.columns, _open_hint(self.node))
        for key in right_keys:
            if key not in other.node.columns:
                raise ColumnNotFoundError("join (right side)", key, other.node.columns, _open_hint(other.node))
        for left_key, right_key in zip(left_keys, right_keys, strict=True):
            kinds = self.node.kinds.get(left_key), other.node.kinds.get(right_key)
            if None not in kinds and kinds[0] != kinds[1]:
                raise TypeClashError(
                    f"join: key {left_key!r} is {kinds[0]} on the left but {right_key!r} is {kinds[1]} on the "
                    "right. Cast one side first so both keys have the same type."
                )
        _check_sources("join", self.node, other.node)
        left_suffix, right_suffix = suffixes  # a list from a caller is fine too
        node = n.Join(self.node, other.node, left_keys, right_keys, how, (left_suffix, right_suffix))
        left_names, right_names = node.output_names
        produced = list(left_names.values()) + list(right_names.values())
        clashes = sorted({c for c in produced if produced.count(c) > 1})
        if clashes:
            raise DuplicateColumnError(f"join: suffixes {suffixes} give duplicate columns {clashes}; pick others.")
        return Table(node)

    merge = join

    def union(self, *others: Table) -> Table:
        """All rows of this table and the others (union all); the columns must match by name."""
        tables = [self, *others]
        for table in tables:
            table._closed("union")
        for other in others:
            missing = set(self.node.columns) ^ set(other.node.columns)
            if missing:
                raise SchemaError(
                    f"union: the tables' columns differ in {sorted(missing)}; select or rename them to one schema "
                    f"first. Left: {self.columns}; right: {other.columns}."
                )
            for column in self.node.columns:
                kinds = self.node.kinds.get(column), other.node.kinds.get(column)
                if None not in kinds and kinds[0] != kinds[1]:
                    raise TypeClashError(f"union: column {column!r} is {kinds[0]} in one table and {kinds[1]} in another.")
            _check_sources("union", self.node, other.node)
        return Table(n.Union(tuple(t.node for t in tables)))

    # ---- reshaping -----------------------------------------------------------------------------------

    def groupby(self, by: str | Sequence[str]) -> GroupBy:
        by = _names(by)
        self._require("groupby", by)
        if not by:
            raise OperatorArgumentError("groupby: give at least one key column.")
        return GroupBy(self, by)

    def pivot(
        self,
        index: str | Sequence[str],
        columns: str,
        values: str,
        aggfunc: str = "first",
        column_values: Sequence[Any] | None = None,
    ) -> Table:
        """Long to wide: one row per `index` group, one column per value of `columns` holding `aggfunc` of
        `values`. The value columns are `column_values` when given: the schema is then fixed, whatever data a
        run reads (a value the data lacks gives a column of nulls; one it has but not declared, no column).
        Without them they are the distinct values of `columns` in each run's data, sorted (by type, then
        value): the plan knows only the index columns when it is built, so the operators after it can name
        only those (and those they add), and `Result.lineage` lists the run's value columns, each derived from
        `values` and `columns`. Incremental maintenance re-runs such a plan: a deletion can remove a column.

        >>> long = from_pandas(pd.DataFrame({"id": [1, 2], "who": ["x", "y"], "m": ["jan", "feb"], "n": [1, 2]}),
        ...                    "t", key="id")
        >>> long.pivot("who", "m", "n").columns
        ['who']
        >>> long.pivot("who", "m", "n").to_pandas().columns.tolist()
        ['who', 'feb', 'jan']
        >>> long.pivot("who", "m", "n", column_values=["jan", "mar"]).columns
        ['who', 'jan', 'mar']
        """
        index = _names(index)
        self._require("pivot", [*index, columns, values])
        if aggfunc not in AGGREGATES:
            raise OperatorArgumentError(f"pivot: unknown aggfunc {aggfunc!r}; use one of {sorted(AGGREGATES)}.")
        node = n.Pivot(self.node, index, columns, values, aggfunc,
                       None if column_values is None else tuple(column_values))
        clashes = set(node.value_names) & set(index)
        if clashes or len(set(node.value_names)) != len(node.value_names):
            raise DuplicateColumnError(f"pivot: the pivoted values {node.value_names} clash with each other or {index}.")
        return Table(node)

    def melt(
        self,
        id_vars: str | Sequence[str],
        value_vars: str | Sequence[str] | None = None,
        var_name: str = "variable",
        value_name: str = "value",
    ) -> Table:
        """Wide to long: one row per input row and value column."""
        id_vars = _names(id_vars)
        if value_vars is None:
            self._closed("melt without value_vars")
        value_vars = tuple(c for c in self.node.columns if c not in id_vars) if value_vars is None else _names(value_vars)
        self._require("melt", [*id_vars, *value_vars])
        if not value_vars:
            raise OperatorArgumentError("melt: no value columns to unpivot.")
        if len({*id_vars, var_name, value_name}) != len(id_vars) + 2:
            raise DuplicateColumnError(f"melt: var_name/value_name {var_name!r}/{value_name!r} clash with {list(id_vars)}.")
        return Table(n.Unpivot(self.node, id_vars, value_vars, var_name, value_name))

    unpivot = melt

    # ---- running -------------------------------------------------------------------------------------

    def execute(self, sources: Mapping[str, pd.DataFrame] | None = None, backend: str | None = None) -> Result:
        """Runs the plan; `sources` gives the rows of named sources for this run (a frame with the declared
        columns): required for a `source(...)` reference, else replacing its default data; `backend`
        is "pandas", "duckdb" or "spark" (default: the `LESTER_ENGINE_BACKEND` environment variable, else duckdb)."""
        return execute(self.node, sources, backend)

    def to_pandas(self, sources: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
        return self.execute(sources).frame


class GroupBy:
    """`table.groupby(keys).agg(out=("column", "sum"), ...)`: named aggregation as in pandas."""

    __slots__ = ("by", "table")

    def __init__(self, table: Table, by: tuple[str, ...]) -> None:
        self.table, self.by = table, by

    def agg(self, **aggregations: tuple[str, str | Callable[..., Any]]) -> Table:
        if not aggregations:
            raise OperatorArgumentError("groupby.agg: give at least one aggregation, e.g. n=('id', 'count').")
        for name, spec in aggregations.items():
            if not (isinstance(spec, tuple) and len(spec) == 2):
                raise OperatorArgumentError(f"groupby.agg: {name}={spec!r} must be a (column, function) pair.")
            column, func = spec
            self.table._require(f"groupby.agg {name!r}", [column])
            if isinstance(func, str) and func not in AGGREGATES:
                raise OperatorArgumentError(
                    f"groupby.agg {name!r}: unknown aggregate {func!r}; use one of {sorted(AGGREGATES)} or a function."
                )
            if name in self.by:
                raise DuplicateColumnError(f"groupby.agg: output {name!r} clashes with a group key.")
        return Table(n.Aggregate(self.table.node, self.by, dict(aggregations)))


def _open_hint(node: n.Node) -> str:
    if node.open_pivot is None:
        return ""
    return (f"The columns of {node.open_pivot.describe()} are only known at execution; pass column_values=[...] "
            "to the pivot to name them.")


def _check_sources(operator: str, left: n.Node, right: n.Node) -> None:
    for name in set(left.sources) & set(right.sources):
        if left.sources[name] is not right.sources[name]:
            raise SchemaError(
                f"{operator}: two different sources are both named {name!r}, so their row ids would mix. "
                "Read each under its own name (e.g. read_csv(path, name='orders_2023'))."
            )


def explain(node: n.Node, depth: int = 0) -> str:
    """The plan as an indented tree, one operator a line."""
    fields = {
        n.Source: lambda x: f"{x.name} key={x.key}",
        n.Filter: lambda x: f"on {list(x.predicate.columns)}",
        n.Project: lambda x: f"{x.target} <- {list(x.compute.columns)}",
        n.Join: lambda x: f"{x.how} {list(x.left_on)}={list(x.right_on)}",
        n.Aggregate: lambda x: f"by {list(x.by)}",
    }
    detail = fields.get(type(node), lambda x: "")(node)
    lines = ["  " * depth + f"{type(node).__name__} {detail}".rstrip()]
    lines += [explain(p, depth + 1) for p in node.parents]
    return "\n".join(lines)


# ---- sources -----------------------------------------------------------------------------------------


def source(name: str, schema: Mapping[str, Any] | Sequence[str], key: str | None = None) -> Table:
    """A named source known by its schema alone: a reference to a table whose rows each run passes,
    `plan.execute(sources={name: frame})`. `schema` maps each column to a dtype pandas understands
    ("int64", "string", float, ...) or a kind ("number", "string", "bool", "datetime"; None: unknown),
    or lists the column names (kinds unknown). Rows are identified by `key`, or by content when it is None.

    >>> mails = source("mails", {"id": "int64", "text": "string"}, key="id")
    >>> out = mails.filter("id > 1")
    >>> out.execute({"mails": pd.DataFrame({"id": [1, 2], "text": ["a", "b"]})}).frame
       id text
    0   2    b
    """
    columns = dict.fromkeys(schema) if not isinstance(schema, Mapping) else dict(schema)
    return _source("source", name, key, {str(c): _kind(c, t) for c, t in columns.items()}, None)


def _kind(column: Any, declared: Any) -> n.Kind:
    if declared is None or declared in ("number", "string", "bool", "datetime"):
        return declared
    try:
        return n.kind_of(pd.api.types.pandas_dtype(declared))
    except TypeError:
        raise OperatorArgumentError(
            f"source: column {column!r} has type {declared!r}, which pandas does not know; give a dtype "
            "(\"int64\", \"string\", float, ...), a kind (\"number\", \"string\", \"bool\", \"datetime\") or None."
        ) from None


def _source(operator: str, name: str, key: str | None, schema: dict[str, n.Kind], default: n.Binding | None) -> Table:
    if not isinstance(name, str) or not name:
        raise OperatorArgumentError(f"{operator}: give the source a non-empty name.")
    if key is not None and key not in schema:
        raise KeyColumnError(
            f"source {name!r}: key column {key!r} is not found. Existing columns: {', '.join(map(repr, schema))}. "
            "Pass key=None to identify rows by their content."
        )
    return Table(n.Source(name, key, schema, default))


def _normalised(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if len(set(frame.columns)) != len(frame.columns):
        raise DuplicateColumnError(f"source {name!r}: duplicate column names in {list(frame.columns)}.")
    frame = frame.reset_index(drop=True)
    if not all(isinstance(c, str) for c in frame.columns):
        frame.columns = [str(c) for c in frame.columns]
    return frame


def _schema(frame: pd.DataFrame) -> dict[str, n.Kind]:
    return {c: n.kind_of(t) for c, t in frame.dtypes.items()}


def from_pandas(frame: pd.DataFrame, name: str, key: str | None = None) -> Table:
    """A named source over a DataFrame; rows are identified by `key`, or by content when it is None. The
    frame is the source's default data: a run that passes other rows by name reads those; its row ids are
    hashed at the first run that reads it, not when the plan is built."""
    if not isinstance(name, str) or not name:
        raise OperatorArgumentError("from_pandas: give the source a non-empty name.")
    frame = _normalised(frame, name)
    return _source("from_pandas", name, key, _schema(frame), n.Binding(lambda: frame, "a DataFrame"))


def _file_source(reader: str, path: str | Path, name: str, key: str | None, sample: pd.DataFrame,
                 read: Callable[[], pd.DataFrame], unknown: frozenset[str] = frozenset()) -> Table:
    """A source whose schema comes from `sample` (no rows, or the first ones; the kinds of `unknown`
    columns left open) and whose data is the file, read by `read` at the first run that needs it (then
    checked against that schema and kept)."""
    if not isinstance(name, str) or not name:
        raise OperatorArgumentError(f"{reader}: give the source a non-empty name.")
    schema = {c: None if c in unknown else k for c, k in _schema(_normalised(sample, name)).items()}

    def load() -> pd.DataFrame:
        frame = _normalised(read(), name)
        missing = [c for c in schema if c not in frame.columns]
        if missing:
            raise SchemaError(
                f"source {name!r}: the file {str(path)!r} lacks column(s) {missing} that the pipeline declares. "
                f"It has {list(frame.columns)}; restore them, or build the plan again from the file as it is."
            )
        return frame if list(frame.columns) == list(schema) else frame[list(schema)]

    return _source(reader, name, key, schema, n.Binding(load, f"file {str(path)!r}"))


_CSV_SAMPLE_ROWS = 1_000


def read_csv(path: str | Path, name: str, key: str | None = None, **read_options: Any) -> Table:
    """A source over a CSV file: its header and first rows give the schema when the plan is built (types as
    pandas infers them from those rows), the whole file is read at the first run."""
    rows = min(_CSV_SAMPLE_ROWS, read_options.get("nrows") or _CSV_SAMPLE_ROWS)
    sample = pd.read_csv(path, **{**read_options, "nrows": rows})
    # a column with no value in those rows has no type yet: unknown, so that no check relies on a guess
    empty = frozenset(str(c) for c in sample.columns[sample.isna().all().to_numpy()])
    return _file_source("read_csv", path, name, key, sample, lambda: pd.read_csv(path, **read_options), empty)


def read_parquet(path: str | Path, name: str, key: str | None = None, **read_options: Any) -> Table:
    """A source over a Parquet file: its schema is read when the plan is built (no rows), the data at the
    first run. Options other than `columns` (filters, engines, remote storage, ...) read the file now."""
    if set(read_options) <= {"columns"} and Path(path).is_file():
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
        columns = read_options.get("columns")
        sample = schema.empty_table().to_pandas()
        if columns is not None:
            sample = sample[list(columns)]
    else:
        frame = pd.read_parquet(path, **read_options)
        return _file_source("read_parquet", path, name, key, frame, lambda: frame)
    return _file_source("read_parquet", path, name, key, sample, lambda: pd.read_parquet(path, **read_options))
