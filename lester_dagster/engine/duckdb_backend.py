"""The DuckDB backend: lowers a plan of engine operators to DuckDB relations, with each row's provenance
carried inside the relation as one column per source (BIGINT where a row has one id, BIGINT[] otherwise):
joins concatenate, unions fill empty lists, aggregates collect the distinct ids of their members. Row order
is carried as an ordinal column, so the result is the pandas executor's row for row. DuckDB never sorts
by it: the rows come back in order after scans, filters and projections (`preserve_insertion_order`), and
after a join or union in a few runs in order, one per thread's share of the input, which the fetch puts
back in order as zero-copy slices (`in_order`); only rows in no such order pay a gather. At 1M mails an
ORDER BY after the example's join took ~0.11 s, the slices ~4 ms.

Query strings and user functions of `filter`/`project` are lowered to SQL expressions where they can be
with pandas' semantics (`lower_expression`), so the data stays in DuckDB; the others run as vectorised
functions over the columns they declare (the same evaluation, and the same row-wise check, as the pandas
executor) on the relation's Arrow table. The operators DuckDB
cannot run with pandas' exact semantics here (pivot, melt, explode, aggregates other than sum / mean /
min / max / count / size, mixed-type unions) run through the pandas translation of that one operator on
its materialised input. The result is the same `Result` the pandas executor gives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from duckdb.func import PythonUDFType

from lester_dagster.engine import nodes as n
from lester_dagster.engine.execute import Computed, Result, SourceData, _as_mask, _evaluate, bind_sources
from lester_dagster.engine.lower_expression import lower_expression, python_functions, wrap_int64
from lester_dagster.engine.lowering import Fallback, prov_names
from lester_dagster.engine.lowering import Lowering as BaseLowering
from lester_dagster.engine.resolve_pivots import resolve_pivots
from lester_dagster.provenance import ProvColumn, RowProvenance

_ROW = "__lester_row"
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
            "FLOAT", "DOUBLE", "DECIMAL")
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_MAX_ORDINAL = 2**62
_NATIVE_AGGREGATES = frozenset({"sum", "mean", "min", "max", "count", "size"})


_database: duckdb.DuckDBPyConnection | None = None


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the process's in-memory database: opening a database costs tens of milliseconds, a
    cursor next to nothing, and each run's relations stay on its own cursor."""
    global _database
    if _database is None:
        database = duckdb.connect()
        # scans, filters and projections keep the rows in order: `in_order` then has nothing to do
        database.execute("SET preserve_insertion_order = true")
        for name, fn in python_functions().items():
            database.create_function(name, fn, ["varchar"], "varchar", type=PythonUDFType.ARROW)
        _database = database
    return _database.cursor()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Relation:
    """A lowered node: a DuckDB relation with the node's columns, the ordinal `_ROW` and a provenance column
    per source (`prov`: source -> (column name, whether it holds lists))."""

    rel: duckdb.DuckDBPyRelation
    columns: tuple[str, ...]
    prov: Mapping[str, tuple[str, bool]]
    bound: int  # every ordinal is below it: ordinals need only be ordered, not dense, and sums keep order
    table: pa.Table | None = None  # the rows in order, when the relation scans an Arrow table
    # the null an object column held in pandas (None or NaN), which Arrow does not keep: a function
    # formatting a null (f"{x}") sees the same one as on the pandas executor
    nulls: Mapping[str, Any] = field(default_factory=dict)
    # the columns pandas holds as "object" or "bool" (where known): texts in an object column follow
    # Python's case mapping, not Arrow's, and a bool column has no nulls
    dtypes: Mapping[str, str] = field(default_factory=dict)

    def type_of(self, column: str) -> str:
        return str(self.rel.types[self.rel.columns.index(column)])


class Lowering(BaseLowering[Relation]):
    """One run of a plan on one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, bound: Mapping[str, SourceData],
                 prov_names: Mapping[str, str]) -> None:
        super().__init__(bound, prov_names)
        self.con = con

    # ---- between DuckDB and pandas -----------------------------------------------------------------------

    def arrow(self, r: Relation) -> pa.Table:
        if r.table is not None:
            return r.table
        return in_order(r.rel.to_arrow_table())

    def computed(self, r: Relation) -> Computed:
        """The relation as the pandas executor holds it: a frame and its provenance."""
        table = self.arrow(r)
        return (to_frame(table.select(list(r.columns)), r.nulls, r.dtypes),
                to_provenance(table, r.prov, table.num_rows))

    def relation(self, frame: pd.DataFrame, provenance: RowProvenance) -> Relation:
        """A pandas frame and its provenance as a relation."""
        table = from_frame(frame)
        prov: dict[str, tuple[str, bool]] = {}
        for source, column in provenance.items():
            name = self.prov_column(source)
            table = table.append_column(name, prov_array(column))
            prov[source] = (name, column.indptr is not None)
        table = table.append_column(_ROW, pa.array(np.arange(len(frame), dtype=np.int64)))
        return Relation(self.con.from_arrow(table), tuple(frame.columns), prov, max(1, len(frame)), table,
                        nulls_of(frame), dtypes_of(frame))


def in_order(table: pa.Table) -> pa.Table:
    """`table`'s rows in the order of their ordinal. DuckDB returns the rows of a join or union in a few
    runs in order (each thread's output), not sorted: put back in order as slices of the table (no copy)
    where they are a few, gathered where they are many (an aggregate's or a sort's groups)."""
    rows = table.column(_ROW).to_numpy()
    if len(rows) < 2 or not (rows[1:] < rows[:-1]).any():
        return table
    order = np.argsort(rows, kind="stable")  # a merge of the runs
    breaks = np.flatnonzero(order[1:] != order[:-1] + 1) + 1  # where the next row in order is not the next row
    if len(breaks) > max(16, len(rows) // 4096):
        return table.take(order)
    starts = order[np.concatenate(([0], breaks))].tolist()
    lengths = np.diff(np.concatenate(([0], breaks, [len(rows)]))).tolist()
    return pa.concat_tables([table.slice(start, length) for start, length in zip(starts, lengths, strict=True)])


def nulls_of(frame: pd.DataFrame) -> dict[str, Any]:
    """The null each object column of `frame` holds (its first), where it holds one."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object and values.isna().any():
            out[column] = values[values.isna()].iloc[0]
    return out


def dtypes_of(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items() if str(t) in ("object", "bool")}


def to_frame(table: pa.Table, nulls: Mapping[str, Any] | None = None,
             dtypes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Arrow to pandas as the pandas executor holds values: lists as Python lists, and in a column of lists
    or of nothing but nulls, the null pandas held there (`nulls`; NaN in an all-null column by default);
    texts that pandas held in an object column (`dtypes`) in one again, with its null."""
    nulls, dtypes = nulls or {}, dtypes or {}
    frame = table.to_pandas()
    for name, dtype in dtypes.items():
        if dtype == "object" and name in frame.columns and pa.types.is_string(table.schema.field(name).type):
            values = frame[name].astype(object)
            frame[name] = values.where(values.notna(), nulls.get(name, np.nan))
    for i, arrow_field in enumerate(table.schema):
        name = arrow_field.name
        if pa.types.is_list(arrow_field.type) or pa.types.is_large_list(arrow_field.type):
            null = nulls.get(name)
            frame[name] = pd.Series([null if v is None else v for v in table.column(i).to_pylist()], dtype=object)
        elif pa.types.is_null(arrow_field.type):
            frame[name] = pd.Series([nulls.get(name, np.nan)] * table.num_rows, dtype=object)
    return frame


def from_frame(frame: pd.DataFrame) -> pa.Table:
    # one thread: pandas' columns are Arrow or NumPy buffers taken as they are, or Python objects read under
    # the GIL, so a pool of threads only adds its start (at 100k mails 1 ms against 0.5, up to 0.17 s on a
    # loaded machine)
    return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)


def prov_array(column: ProvColumn) -> pa.Array:
    """One source's provenance as an Arrow column: its ids (one a row), or a list of ids a row."""
    if column.indptr is None:
        return pa.array(column.ids, pa.int64())
    offsets = pa.array(column.indptr.astype(np.int32 if len(column.ids) < 2**31 else np.int64))
    array = (pa.ListArray if offsets.type == pa.int32() else pa.LargeListArray).from_arrays(
        offsets, pa.array(column.ids, pa.int64()))
    return array.cast(pa.list_(pa.int64()))


def to_provenance(table: pa.Table, prov: Mapping[str, tuple[str, bool]], n_rows: int) -> RowProvenance:
    columns = {}
    for source, (name, _) in prov.items():
        column = table.column(name).combine_chunks()
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            offsets = column.offsets.to_numpy().astype(np.int64)
            values = column.values.to_numpy(zero_copy_only=False).astype(np.int64)
            ids = values[offsets[0]: offsets[-1]]
            columns[source] = ProvColumn(np.ascontiguousarray(ids), offsets - offsets[0])
        elif column.null_count:  # a dense column with rows that have no id (left-join misses)
            present = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            indptr = np.zeros(n_rows + 1, dtype=np.int64)
            np.cumsum(present, out=indptr[1:])
            ids = column.drop_null().to_numpy(zero_copy_only=False).astype(np.int64)
            columns[source] = ProvColumn(ids, indptr)
        else:
            columns[source] = ProvColumn.dense(column.to_numpy(zero_copy_only=False))
    return RowProvenance(columns, n_rows)


def execute_duckdb(root: n.Node, sources: Mapping[str, pd.DataFrame | SourceData] | None = None,
                   con: duckdb.DuckDBPyConnection | None = None) -> Result:
    """Runs the plan under `root` on DuckDB; the same arguments and `Result` as `engine.execute`."""
    bound = bind_sources(root, sources)
    lowering = Lowering(con or connection(), bound, prov_names(root))
    # an open pivot's values from its input, lowered once: the plan with them reuses that input's relation
    plan = resolve_pivots(root, lambda parent, column: lowering.run(parent, _lower)[0][column])
    frame, provenance = lowering.run(plan, _lower)
    return Result(frame, provenance, dict(plan.lineage), plan.row_lineage, bound, plan.order_lineage)


def _select(r: Relation, expressions: list[str], prov: Mapping[str, tuple[str, bool]] | None = None,
            columns: tuple[str, ...] | None = None, row: str = quote(_ROW)) -> list[str]:
    prov = r.prov if prov is None else prov
    return [*expressions, *(quote(name) for name, _ in prov.values()), f"{row} AS {quote(_ROW)}"]


def _as_list(expression: str, is_list: bool) -> str:
    # a dense column is null where a left join found no match: that row has no id
    return expression if is_list else f"(CASE WHEN {expression} IS NULL THEN []::BIGINT[] ELSE [{expression}] END)"


@singledispatch
def _lower(node: n.Node, run: Any, lowering: Lowering) -> Relation:
    raise Fallback


@_lower.register
def _source(node: n.Source, run: Any, lowering: Lowering) -> Relation:
    raise Fallback  # the source's frame as it is; made a relation when a lowered operator reads it


def _inputs(parent: n.Node, columns: tuple[str, ...], run: Any, lowering: Lowering
            ) -> tuple[Relation, pa.Table, pd.DataFrame]:
    """The parent as a relation and an Arrow table, and the columns a function reads as pandas holds them
    (the very frame where pandas made it, so that the function sees what the pandas executor gives it)."""
    relation = run(parent)
    table = lowering.arrow(relation)
    if lowering.has_frame(parent):
        return relation, table, lowering.computed_of(parent)[0]
    return relation, table, to_frame(table.select(list(dict.fromkeys(columns))), relation.nulls, relation.dtypes)


def _types(r: Relation, columns: tuple[str, ...]) -> dict[str, str]:
    return {c: r.type_of(c) for c in columns}


@_lower.register
def _filter(node: n.Filter, run: Any, lowering: Lowering) -> Relation:
    relation = run(node.parent)
    sql = lower_expression(node.predicate, _types(relation, node.predicate.columns), relation.dtypes)
    if sql is not None and sql.kind == "bool":  # a null is False, as in the pandas executor's mask
        return Relation(relation.rel.filter(sql.text), relation.columns, relation.prov, relation.bound,
                        nulls=relation.nulls, dtypes=relation.dtypes)
    parent, table, frame = _inputs(node.parent, node.predicate.columns, run, lowering)
    values = _evaluate(node.predicate, frame, "filter")
    try:
        mask = _as_mask(values)
    except (TypeError, ValueError):
        raise Fallback from None  # the pandas translation says what is wrong
    kept = table.filter(pa.array(mask))
    return Relation(lowering.con.from_arrow(kept), parent.columns, parent.prov, parent.bound, kept, parent.nulls,
                    parent.dtypes)


@_lower.register
def _project(node: n.Project, run: Any, lowering: Lowering) -> Relation:
    relation = run(node.parent)
    sql = lower_expression(node.compute, _types(relation, node.compute.columns), relation.dtypes)
    if sql is not None:
        target = quote(node.target)
        expressions = [f"{sql.text} AS {target}" if c == node.target else quote(c) for c in relation.columns]
        columns = relation.columns
        if node.target not in columns:
            expressions.append(f"{sql.text} AS {target}")
            columns = (*columns, node.target)
        rel = relation.rel.select(", ".join(_select(relation, expressions)))
        dtypes = {c: t for c, t in relation.dtypes.items() if c != node.target}
        if sql.dtype is not None:
            dtypes[node.target] = sql.dtype
        nulls = {c: v for c, v in relation.nulls.items() if c != node.target}
        held = {relation.nulls[c] for c in node.compute.columns if c in relation.nulls}
        if sql.dtype == "object" and len(held) == 1:  # a text function keeps its object column's null
            nulls[node.target] = held.pop()
        return Relation(rel, columns, relation.prov, relation.bound, nulls=nulls, dtypes=dtypes)
    parent, table, frame = _inputs(node.parent, node.compute.columns, run, lowering)
    values = _evaluate(node.compute, frame, f"project {node.target!r}")
    try:
        column = from_frame(pd.DataFrame({node.target: values})).column(0)
    except (pa.ArrowException, TypeError, ValueError):
        raise Fallback from None
    if node.target in table.column_names:
        table = table.set_column(table.column_names.index(node.target), node.target, column)
        columns = parent.columns
    else:
        at = len(parent.columns)  # after the data columns, before the hidden ones
        table = table.add_column(at, node.target, column)
        columns = (*parent.columns, node.target)
    made = pd.DataFrame({node.target: values})
    nulls = {c: v for c, v in parent.nulls.items() if c != node.target} | nulls_of(made)
    dtypes = {c: t for c, t in parent.dtypes.items() if c != node.target} | dtypes_of(made)
    return Relation(lowering.con.from_arrow(table), columns, parent.prov, parent.bound, table, nulls, dtypes)


@_lower.register
def _select_node(node: n.Select, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Arrow
    parent = run(node.parent)
    rel = parent.rel.select(", ".join(_select(parent, [quote(c) for c in node.keep])))
    return Relation(rel, tuple(node.keep), parent.prov, parent.bound,
                    nulls={c: v for c, v in parent.nulls.items() if c in node.keep},
                    dtypes={c: t for c, t in parent.dtypes.items() if c in node.keep})


@_lower.register
def _rename(node: n.Rename, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Arrow
    parent = run(node.parent)
    names = [node.mapping.get(c, c) for c in parent.columns]
    rel = parent.rel.select(", ".join(_select(parent, [f"{quote(c)} AS {quote(m)}"
                                                       for c, m in zip(parent.columns, names, strict=True)])))
    return Relation(rel, tuple(names), parent.prov, parent.bound,
                    nulls={node.mapping.get(c, c): v for c, v in parent.nulls.items()},
                    dtypes={node.mapping.get(c, c): t for c, t in parent.dtypes.items()})


def _family(duck_type: str) -> str:
    if duck_type.startswith(_NUMERIC):
        return "number"
    if duck_type == "BOOLEAN":
        return "bool"
    if duck_type == '"NULL"' or duck_type == "NULL":
        return "null"
    return duck_type


@_lower.register
def _join(node: n.Join, run: Any, lowering: Lowering) -> Relation:
    left, right = run(node.left), run(node.right)
    for lk, rk in zip(node.left_on, node.right_on, strict=True):
        if _family(left.type_of(lk)) != _family(right.type_of(rk)) or _family(left.type_of(lk)) not in (
                "number", "VARCHAR", "BOOLEAN", "bool", "DATE", "TIMESTAMP"):
            raise Fallback  # pandas decides what mixed keys do (or says they clash)
    left_names, right_names = node.output_names
    l_rel, r_rel = left.rel.set_alias("l"), right.rel.set_alias("r")
    condition = " AND ".join(f"l.{quote(a)} = r.{quote(b)}" for a, b in zip(node.left_on, node.right_on, strict=True))
    expressions = [f"l.{quote(c)} AS {quote(name)}" for c, name in left_names.items()]
    expressions += [f"r.{quote(c)} AS {quote(name)}" for c, name in right_names.items()]
    by_name = dict(zip([*left_names.values(), *right_names.values()], expressions, strict=True))
    ordered = [by_name[c] for c in node.columns]
    missed = f"r.{quote(_ROW)} IS NULL"
    prov_expressions, prov = [], {}
    for source in dict.fromkeys([*left.prov, *right.prov]):
        name = lowering.prov_column(source)
        parts = []
        if source in left.prov:
            parts.append(_as_list(f"l.{quote(left.prov[source][0])}", left.prov[source][1]))
        if source in right.prov:
            side = _as_list(f"r.{quote(right.prov[source][0])}", right.prov[source][1])
            parts.append(f"(CASE WHEN {missed} THEN []::BIGINT[] ELSE {side} END)" if node.how == "left" else side)
        if len(parts) == 1 and source in left.prov:
            expression, is_list = f"l.{quote(left.prov[source][0])}", left.prov[source][1]
        elif len(parts) == 1 and (node.how == "inner" or not right.prov[source][1]):
            # a dense right side stays dense, null where a left row found no match (as pandas stores it
            # in CSR form only while such a row exists)
            expression, is_list = f"r.{quote(right.prov[source][0])}", right.prov[source][1]
        else:
            expression, is_list = (parts[0] if len(parts) == 1 else f"list_concat({parts[0]}, {parts[1]})"), True
        prov_expressions.append(f"{expression} AS {quote(name)}")
        prov[source] = (name, is_list)
    bound = left.bound * right.bound
    if bound < _MAX_ORDINAL:  # (left row, right row) in order as one number: no sort needed here
        row = f"l.{quote(_ROW)} * {right.bound} + coalesce(r.{quote(_ROW)}, 0) AS {quote(_ROW)}"
    else:
        row = f"row_number() OVER (ORDER BY l.{quote(_ROW)}, r.{quote(_ROW)}) - 1 AS {quote(_ROW)}"
        bound = _MAX_ORDINAL
    how = "INNER" if node.how == "inner" else "LEFT"
    joined = l_rel.join(r_rel, condition, how=how.lower())
    rel = joined.select(", ".join([*ordered, *prov_expressions, row]))
    nulls = {left_names[c]: v for c, v in left.nulls.items() if c in left_names}
    nulls.update({right_names[c]: v for c, v in right.nulls.items() if c in right_names})
    dtypes = {left_names[c]: t for c, t in left.dtypes.items() if c in left_names}
    # a left join's misses pad the right side with nulls: a bool column there is no longer one
    dtypes.update({right_names[c]: t for c, t in right.dtypes.items()
                   if c in right_names and (node.how == "inner" or t == "object")})
    return Relation(rel, tuple(node.columns), prov, bound, nulls=nulls, dtypes=dtypes)


@_lower.register
def _union(node: n.Union, run: Any, lowering: Lowering) -> Relation:
    parts = [run(p) for p in node.inputs]
    for column in node.columns:
        families = {_family(p.type_of(column)) for p in parts} - {"null"}
        if len(families) > 1:
            raise Fallback  # pandas.concat's common type (often object), not SQL's cast
    sources = list(dict.fromkeys(s for p in parts for s in p.prov))
    dense = {s: all(s in p.prov and not p.prov[s][1] for p in parts) for s in sources}
    selects = []
    for i, part in enumerate(parts):
        expressions = [quote(c) for c in node.columns]
        for source in sources:
            name = lowering.prov_column(source)
            if source not in part.prov:
                expressions.append(f"[]::BIGINT[] AS {quote(name)}")
            elif dense[source]:
                expressions.append(f"{quote(part.prov[source][0])} AS {quote(name)}")
            else:
                expressions.append(f"{_as_list(quote(part.prov[source][0]), part.prov[source][1])} AS {quote(name)}")
        offset = sum(p.bound for p in parts[:i])
        expressions += [f"{i} AS __lester_branch", f"{quote(_ROW)} + {offset} AS {quote(_ROW)}"]
        selects.append(part.rel.select(", ".join(expressions)))
    stacked = selects[0]
    for other in selects[1:]:
        stacked = stacked.union(other)
    prov = {s: (lowering.prov_column(s), not dense[s]) for s in sources}
    bound = sum(p.bound for p in parts)
    if bound < _MAX_ORDINAL:  # each branch's ordinals shifted past the ones before: in order already
        row = quote(_ROW)
    else:
        row, bound = f"row_number() OVER (ORDER BY __lester_branch, {quote(_ROW)}) - 1", _MAX_ORDINAL
    rel = stacked.select(", ".join(_select(Relation(stacked, tuple(node.columns), prov, bound),
                                           [quote(c) for c in node.columns], row=row)))
    nulls = {c: v for p in reversed(parts) for c, v in p.nulls.items()}  # the first branch's, as pandas.concat
    dtypes = {c: "object" for c in node.columns if any(p.dtypes.get(c) == "object" for p in parts)}
    dtypes.update({c: "bool" for c in node.columns if all(p.dtypes.get(c) == "bool" for p in parts)})
    return Relation(rel, tuple(node.columns), prov, bound, nulls=nulls, dtypes=dtypes)


def _aggregate_expression(func: Any, column: str, duck_type: str) -> str:
    if not isinstance(func, str) or func not in _NATIVE_AGGREGATES:
        raise Fallback
    family = _family(duck_type)
    if func == "size":
        return "count(*)"
    if func == "count":
        return f"count({quote(column)})"
    if family != "number":
        if func in ("min", "max") and duck_type == "VARCHAR":
            return f"{func}({quote(column)})"
        raise Fallback
    if func == "sum":
        if duck_type == "BIGINT":  # DuckDB sums in HUGEINT; NumPy's int64 sum wraps around
            return wrap_int64(f"coalesce(sum({quote(column)}), 0)")
        cast = "BIGINT" if duck_type.startswith(_INTEGER) else "DOUBLE"
        return f"CAST(coalesce(sum({quote(column)}), 0) AS {cast})"
    if func == "mean":
        return f"avg({quote(column)})"
    return f"{func}({quote(column)})"


@_lower.register
def _aggregate(node: n.Aggregate, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    for key in node.by:
        if _family(parent.type_of(key)) not in ("number", "VARCHAR", "bool", "DATE", "TIMESTAMP"):
            raise Fallback
    keys = [quote(k) for k in node.by]
    expressions = [*keys]
    for name, (column, func) in node.aggregations.items():
        expressions.append(f"{_aggregate_expression(func, column, parent.type_of(column))} AS {quote(name)}")
    prov = {}
    for source, (column, is_list) in parent.prov.items():
        members = f"list({quote(column)})" if not is_list else f"flatten(list({quote(column)}))"
        expressions.append(f"list_sort(list_distinct({members})) AS {quote(column)}")
        prov[source] = (column, True)
    where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    grouped = parent.rel.filter(where).aggregate(", ".join(expressions), ", ".join(keys))
    row = f"row_number() OVER (ORDER BY {', '.join(f'{k} ASC' for k in keys)}) - 1"
    rel = grouped.select(", ".join([*(quote(c) for c in node.columns), *(quote(c) for c, _ in prov.values()),
                                    f"{row} AS {quote(_ROW)}"]))
    dtypes = {k: parent.dtypes[k] for k in node.by if k in parent.dtypes}
    dtypes.update({name: "object" for name, (column, func) in node.aggregations.items()
                   if func in ("min", "max") and parent.dtypes.get(column) == "object"})
    return Relation(rel, tuple(node.columns), prov, parent.bound, dtypes=dtypes)


@_lower.register
def _dropna(node: n.DropNA, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Arrow
    parent = run(node.parent)
    for column in node.subset:
        if _family(parent.type_of(column)) not in ("number", "VARCHAR", "bool", "DATE", "TIMESTAMP"):
            raise Fallback  # an object column may hold values pandas counts as null and SQL does not
    rel = parent.rel.filter(" AND ".join(f"{quote(c)} IS NOT NULL" for c in node.subset))
    return Relation(rel, parent.columns, parent.prov, parent.bound, nulls=parent.nulls, dtypes=parent.dtypes)


@_lower.register
def _fillna(node: n.FillNA, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Arrow
    parent = run(node.parent)
    expressions = []
    for column in parent.columns:
        if column not in node.values:
            expressions.append(quote(column))
            continue
        value, family = node.values[column], _family(parent.type_of(column))
        if family == "number" and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, (bool, np.bool_)):
            if isinstance(value, float) and np.isnan(value):
                raise Fallback
            cast = parent.type_of(column) if float(value).is_integer() else "DOUBLE"
            expressions.append(f"coalesce({quote(column)}, CAST({float(value)!r} AS {cast})) AS {quote(column)}")
        elif family == "VARCHAR" and isinstance(value, str):
            literal = "'" + value.replace("'", "''") + "'"
            expressions.append(f"coalesce({quote(column)}, {literal}) AS {quote(column)}")
        else:
            raise Fallback
    rel = parent.rel.select(", ".join(_select(parent, expressions)))
    return Relation(rel, parent.columns, parent.prov, parent.bound, nulls=parent.nulls, dtypes=parent.dtypes)


@_lower.register
def _sort(node: n.Sort, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    for column in node.by:
        if _family(parent.type_of(column)) not in ("number", "VARCHAR", "bool", "DATE", "TIMESTAMP"):
            raise Fallback
    order = ", ".join(f"{quote(c)} {'ASC' if asc else 'DESC'} NULLS LAST"
                      for c, asc in zip(node.by, node.ascending, strict=True))
    row = f"row_number() OVER (ORDER BY {order}, {quote(_ROW)}) - 1"
    rel = parent.rel.select(", ".join(_select(parent, [quote(c) for c in parent.columns], row=row)))
    return Relation(rel, parent.columns, parent.prov, parent.bound, nulls=parent.nulls, dtypes=parent.dtypes)

