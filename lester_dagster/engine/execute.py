"""The pandas backend: runs a plan of engine operators, carrying every row's provenance polynomial beside
the data as per-source id arrays. One small translation function per operator."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, singledispatch
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.engine import nodes as n
from lester_dagster.engine.expressions import evaluate_query
from lester_dagster.engine.resolve_pivots import resolve_pivots
from lester_dagster.engine.row_wise import check_row_wise
from lester_dagster.errors import (
    ExpressionError,
    SchemaError,
    TypeClashError,
    UserFunctionError,
)
from lester_dagster.provenance import (
    ColumnLineage,
    RowProvenance,
    coerce_keys,
    key_ids,
    source_row_ids,
)
from lester_dagster.provenance.membership import isin

Computed = tuple[pd.DataFrame, RowProvenance]


@dataclass(frozen=True)
class SourceData:
    """The rows of one source used by a run, with their stable ids."""

    name: str
    key: str | None
    frame: pd.DataFrame = field(repr=False)
    ids: np.ndarray = field(repr=False)

    def ids_for(self, keys: Iterable[Any]) -> np.ndarray:
        """Row ids for key values (for a keyless source, the keys are the content ids themselves)."""
        if self.key is None:  # the ids are integers: read like an integer key column's values
            return coerce_keys(keys, np.dtype(np.int64), self.name).to_numpy(dtype=np.int64)
        return key_ids(coerce_keys(keys, self.frame[self.key].dtype, self.name))

    def keys_for(self, ids: np.ndarray) -> list[Any]:
        if self.key is None:
            return ids.tolist()
        positions = self._id_index.get_indexer(ids)
        return self._keys[positions[positions >= 0]].tolist()

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Which of these ids name a row of this source (a hash lookup each)."""
        return np.asarray(self._id_index.get_indexer(np.asarray(ids, dtype=np.int64)) >= 0, dtype=bool)

    def rows_with(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Mask of this source's rows whose id is among `ids` (hashing the few ids, one pass over the rows)."""
        return isin(self.ids, ids)

    @cached_property
    def _id_index(self) -> pd.Index:
        """The ids' hash table, built once per source version: a lookup per output row stays cheap."""
        return pd.Index(self.ids)

    @cached_property
    def _keys(self) -> np.ndarray:
        return self.frame[self.key].to_numpy()


@dataclass(frozen=True)
class Result:
    """An executed plan: the output frame, each row's provenance, and each column's lineage."""

    frame: pd.DataFrame
    provenance: RowProvenance
    lineage: ColumnLineage
    row_lineage: frozenset[n.SourceColumn]
    sources: Mapping[str, SourceData] = field(repr=False)
    order_lineage: frozenset[n.SourceColumn] = frozenset()  # what decides the order of the rows

    def rows_from(self, source: str, keys: Iterable[Any]) -> np.ndarray:
        """Positions of the output rows whose provenance contains any of these source keys."""
        ids = self._source(source).ids_for(keys)
        return np.flatnonzero(self.provenance.depends_on(source, ids))

    def source_rows(self, row: int) -> dict[str, list[Any]]:
        """Which source rows (by key) made output row `row`."""
        return {s: self.sources[s].keys_for(ids) for s, ids in self.provenance.row(row).items()}

    def cells_from(
        self, source: str, keys: Iterable[Any], columns: Iterable[str] | None = None
    ) -> tuple[np.ndarray, list[str]]:
        """Output rows and columns holding values derived from these source rows (and columns)."""
        wanted = None if columns is None else set(columns)
        out_columns = [
            out
            for out, lineage in self.lineage.items()
            if any(sc.source == source and (wanted is None or sc.column in wanted) for sc in lineage)
        ]
        return self.rows_from(source, keys), out_columns

    def _source(self, source: str) -> SourceData:
        if source not in self.sources:
            raise SchemaError(f"unknown source {source!r}; this result derives from {sorted(self.sources)}.")
        return self.sources[source]


BACKENDS = ("pandas", "duckdb", "spark")


def _names_apart_by_case(root: n.Node) -> bool:
    """Whether a table of the plan has two columns whose names differ only in case ('ID' and 'id', or 'batch'
    derived beside 'Batch')."""
    # an open pivot's spread columns are known once its input ran: not checked
    return any(len({c.lower() for c in node.columns}) < len(node.columns) for node in n.walk(root))


def default_backend() -> str:
    """The backend `execute` uses when none is named: `LESTER_ENGINE_BACKEND`, else DuckDB (pandas stays
    the reference the differential tests compare against)."""
    name = os.environ.get("LESTER_ENGINE_BACKEND", "duckdb").strip().lower() or "duckdb"
    if name not in BACKENDS:
        raise SchemaError(f"LESTER_ENGINE_BACKEND={name!r} names no backend; use one of {list(BACKENDS)}.")
    return name


def execute(
    root: n.Node, sources: Mapping[str, pd.DataFrame | SourceData] | None = None, backend: str | None = None
) -> Result:
    """Runs the plan under `root`, on the sources' bound data or on replacement data given by name: a
    DataFrame with the source's schema, or `SourceData` whose rows are already identified. `backend`:
    "pandas", "duckdb" or "spark" (default: `default_backend()`); all give the same `Result`."""
    backend = backend or default_backend()
    if backend in ("duckdb", "spark") and _names_apart_by_case(root):
        # DuckDB and Spark match column names without case: a table holding 'ID' and 'id' runs on the pandas
        # executor, which tells them apart (the result is the same on every backend)
        backend = "pandas"
    if backend == "duckdb":
        from lester_dagster.engine.duckdb_backend import execute_duckdb

        return execute_duckdb(root, sources)
    if backend == "spark":
        from lester_dagster.engine.spark_backend import execute_spark

        # the values of each open pivot from a run of its input, then the plan with them (its input runs twice)
        def spark_column(parent: n.Node, name: str) -> pd.Series:
            own = {s: data for s, data in (sources or {}).items() if s in parent.sources}
            return execute_spark(parent, own).frame[name]

        return execute_spark(resolve_pivots(root, spark_column), sources)
    if backend != "pandas":
        raise SchemaError(f"no engine backend {backend!r}; use one of {list(BACKENDS)}.")
    bound = bind_sources(root, sources)
    ran: dict[int, Computed] = {}  # an open pivot's input, computed for its values, and kept for the pivot

    def column(parent: n.Node, name: str) -> pd.Series:
        ran[id(parent)] = _run(parent, bound, ran)
        return ran[id(parent)][0][name]

    plan = resolve_pivots(root, column)
    frame, provenance = _run(plan, bound, ran)
    return Result(frame, provenance, dict(plan.lineage), plan.row_lineage, bound, plan.order_lineage)


def _run(root: n.Node, bound: Mapping[str, SourceData], ran: dict[int, Computed]) -> Computed:
    """The output of the plan under `root` on the pandas backend (`ran`: nodes already computed)."""
    # Plans are DAGs (a table joined with an aggregate of itself): every node is computed once, and its
    # result is dropped as soon as its last consumer has it, so intermediates do not pile up in memory.
    pending = _consumer_counts(root)
    memo: dict[int, Computed] = {}

    def run(node: n.Node) -> Computed:
        key = id(node)
        if key in memo:
            computed = memo[key]
        elif key in ran:
            computed = ran.pop(key)
        else:
            computed = _translate(node, run, bound)
        pending[key] -= 1
        if pending[key] > 0:
            memo[key] = computed
        else:
            memo.pop(key, None)
        return computed

    return run(root)


def _consumer_counts(root: n.Node) -> dict[int, int]:
    counts: dict[int, int] = {id(root): 1}
    stack, seen = [root], {id(root)}
    while stack:
        node = stack.pop()
        for parent in node.parents:
            counts[id(parent)] = counts.get(id(parent), 0) + 1
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return counts


def bind_sources(root: n.Node, sources: Mapping[str, pd.DataFrame | SourceData] | None) -> dict[str, SourceData]:
    """Each source of the plan with its rows for this run: its bound data, or the replacement named."""
    sources = dict(sources or {})
    unknown = set(sources) - set(root.sources)
    if unknown:
        raise SchemaError(f"no source named {sorted(unknown)} in this plan; its sources are {sorted(root.sources)}.")
    return {name: _bind(node, sources.get(name)) for name, node in root.sources.items()}


def _bind(source: n.Source, frame: pd.DataFrame | SourceData | None) -> SourceData:
    if frame is None:  # the source's default data (its ids hashed at the first run, then kept)
        return SourceData(source.name, source.key, source.data, source.ids)
    if isinstance(frame, SourceData):
        return frame
    missing = [c for c in source.columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"source {source.name!r}: the data lacks column(s) {missing} that the pipeline declares. "
            f"It has {list(frame.columns)}; supply a table with the declared schema {list(source.columns)}."
        )
    frame = frame[list(source.columns)].reset_index(drop=True)
    return SourceData(source.name, source.key, frame, source_row_ids(frame, source.key, source.name))


Run = Callable[[n.Node], Computed]


@singledispatch
def _translate(node: n.Node, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    raise TypeError(f"the pandas backend cannot run operator {type(node).__name__}")


@_translate.register
def _source(node: n.Source, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    data = bound[node.name]
    return data.frame, RowProvenance.of_source(node.name, data.ids)


def _evaluate(compute: n.Query | n.Udf, frame: pd.DataFrame, operator: str) -> Any:
    """A query string's or a user function's values for every row; when they were computed on whole
    columns, checked to be row-wise (`NotRowWiseError` otherwise)."""
    if isinstance(compute, n.Query):
        values, by_row = evaluate_query(compute, frame), False
    else:
        values, by_row = _apply_udf(compute, frame, operator)
    if not by_row:
        check_row_wise(compute, frame, values, operator, lambda part: _evaluate_alone(compute, part, operator))
    return values


def _evaluate_alone(compute: n.Query | n.Udf, frame: pd.DataFrame, operator: str) -> Any:
    if isinstance(compute, n.Query):
        return evaluate_query(compute, frame)
    return _apply_udf(compute, frame, operator)[0]


def _filtered(frame: pd.DataFrame, provenance: RowProvenance, mask: np.ndarray) -> Computed:
    return frame[mask].reset_index(drop=True), provenance.filter(mask)


@_translate.register
def _filter(node: n.Filter, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    values = _evaluate(node.predicate, frame, "filter")
    try:
        mask = _as_mask(values)
    except (TypeError, ValueError) as error:
        raise ExpressionError(
            f"filter: the predicate over {list(node.predicate.columns)} must give True/False for each row, "
            f"got values like {pd.Series(values).head(3).tolist()}."
        ) from error
    return _filtered(frame, provenance, mask)


def _as_mask(values: Any) -> np.ndarray:
    """Booleans per row; a null counts as False, as in SQL's WHERE."""
    if getattr(values, "dtype", None) == np.bool_:
        return np.asarray(values)
    return pd.array(values, dtype="boolean").fillna(False).to_numpy(dtype=bool)


@_translate.register
def _project(node: n.Project, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    values = _evaluate(node.compute, frame, f"project {node.target!r}")
    frame = frame.copy(deep=False)
    frame[node.target] = values
    return frame, provenance


@_translate.register
def _select(node: n.Select, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    return frame[list(node.keep)], provenance


@_translate.register
def _rename(node: n.Rename, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    return frame.rename(columns=dict(node.mapping)), provenance


_LEFT_ROW, _RIGHT_ROW = "__lester_left_row", "__lester_right_row"


@_translate.register
def _join(node: n.Join, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    (left, left_prov), (right, right_prov) = run(node.left), run(node.right)
    left = left.assign(**{_LEFT_ROW: np.arange(len(left))})
    right = right.assign(**{_RIGHT_ROW: np.arange(len(right))})
    # SQL semantics: a null key equals nothing, not even another null (pandas would match them), so rows
    # with one never match; in a left join the left ones stay, padded. Every path runs this same code.
    right = right[right[list(node.right_on)].notna().all(axis=1).to_numpy()]
    if node.how == "inner":
        left = left[left[list(node.left_on)].notna().all(axis=1).to_numpy()]
    if not len(left) or not len(right):
        # an empty side's keys hold no values, only the type pandas guessed (an aggregate over no groups
        # gives object): take the other side's, so a plan does not fail because a deletion emptied one side
        for left_key, right_key in zip(node.left_on, node.right_on, strict=True):
            if not len(left):
                left = left.astype({left_key: right[right_key].dtype})
            else:
                right = right.astype({right_key: left[left_key].dtype})
    try:
        merged = pd.merge(
            left,
            right,
            left_on=list(node.left_on),
            right_on=list(node.right_on),
            how=node.how,
            suffixes=node.suffixes,
            sort=False,
        )
    except ValueError as error:
        if "merge on" not in str(error):
            raise
        raise TypeClashError(
            f"join on {list(node.left_on)} = {list(node.right_on)}: the key columns have incompatible "
            f"types ({error}). Cast one side first, e.g. .project(col, [col], lambda s: s.astype(str))."
        ) from None
    left_rows = merged[_LEFT_ROW].to_numpy(dtype=np.int64)
    right_rows = merged[_RIGHT_ROW]
    right_rows = (right_rows.fillna(-1) if node.how == "left" else right_rows).to_numpy(dtype=np.int64)
    provenance = RowProvenance.product(left_prov.take(left_rows), right_prov.take(right_rows))
    return merged[list(node.columns)].reset_index(drop=True), provenance


@_translate.register
def _union(node: n.Union, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    computed = [run(p) for p in node.inputs]
    columns = list(node.columns)
    frame = pd.concat([f[columns] for f, _ in computed], ignore_index=True)
    return frame, RowProvenance.concat([p for _, p in computed])


def _group_codes(groupby: Any) -> np.ndarray:
    return groupby.ngroup().fillna(-1).to_numpy(dtype=np.int64)


@_translate.register
def _aggregate(node: n.Aggregate, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    groupby = frame.groupby(list(node.by), sort=True, dropna=True)
    try:
        out = groupby.agg(**dict(node.aggregations.items())).reset_index()
    except TypeError as error:
        if "unhashable" not in str(error):
            raise
        lists = [c for c in node.by if frame[c].map(lambda v: isinstance(v, (list, dict, np.ndarray))).any()]
        raise TypeClashError(
            f"groupby {list(node.by)}: key column(s) {lists or list(node.by)} hold lists, which cannot be group "
            "keys. Explode the column first, or make each list a text with .project(col, [col], str)."
        ) from None
    for name, (column, func) in node.aggregations.items():
        # a value picked from a text column stays text when every group's pick is null: pandas would make
        # it float, and a function on text (`.str`) would then fail only after a deletion blanked the column.
        # Only picks, and only of groups that exist: a count stays a number, also over no groups at all
        picks = callable(func) or func in ("first", "last", "min", "max")
        if picks and len(out) and out[name].isna().all() and not pd.api.types.is_numeric_dtype(frame[column].dtype) \
                and pd.api.types.is_numeric_dtype(out[name].dtype):
            out[name] = out[name].astype(frame[column].dtype)
    return out, provenance.group(_group_codes(groupby), len(out))


@_translate.register
def _explode(node: n.Explode, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    out = frame.explode(node.column)
    rows = out.index.to_numpy(dtype=np.int64)
    out = out.reset_index(drop=True)
    # pandas writes a missing element as None or NaN depending on the other rows' values; one null,
    # whatever else is in the frame, so that re-deriving some rows alone gives the same values
    values = out[node.column]
    if values.dtype == object and values.isna().any():
        out[node.column] = values.where(values.notna(), np.nan)
    return out, provenance.take(rows)


@_translate.register
def _dropna(node: n.DropNA, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    return _filtered(frame, provenance, frame[list(node.subset)].notna().all(axis=1).to_numpy())


@_translate.register
def _fillna(node: n.FillNA, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    return frame.fillna(dict(node.values)), provenance


@_translate.register
def _sort(node: n.Sort, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    out = frame.sort_values(list(node.by), ascending=list(node.ascending), kind="stable")
    return out.reset_index(drop=True), provenance.take(out.index.to_numpy(dtype=np.int64))


@_translate.register
def _pivot(node: n.Pivot, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    if node.column_values is None:
        raise TypeError(f"{node.describe()} has no column values: run the plan resolve_pivots returns")
    frame, provenance = run(node.parent)
    index = list(node.index)
    groups = frame.groupby(index, sort=True, dropna=True)
    group_index = groups.size().index
    cells = frame.groupby([*index, node.pivot_column], sort=True, dropna=True)[node.values].agg(node.aggfunc)
    if len(cells):
        wide = cells.unstack(node.pivot_column).reindex(index=group_index, columns=list(node.column_values))
    else:
        wide = pd.DataFrame(index=group_index, columns=list(node.column_values), dtype=float)
    wide.columns = list(node.value_names)
    out = wide.reset_index()
    return out, provenance.group(_group_codes(groups), len(out))


@_translate.register
def _unpivot(node: n.Unpivot, run: Run, bound: Mapping[str, SourceData]) -> Computed:
    frame, provenance = run(node.parent)
    out = frame.melt(
        id_vars=list(node.id_vars),
        value_vars=list(node.value_vars),
        var_name=node.var_name,
        value_name=node.value_name,
    )
    rows = np.tile(np.arange(len(frame), dtype=np.int64), len(node.value_vars))
    return out, provenance.take(rows)


def apply_udf(udf: n.Udf, frame: pd.DataFrame, operator: str) -> Any:
    """Calls the function on whole columns when it allows, else once per row over plain values."""
    return _apply_udf(udf, frame, operator)[0]


def _apply_udf(udf: n.Udf, frame: pd.DataFrame, operator: str) -> tuple[Any, bool]:
    """The values, and whether they were computed row by row (then they cannot read other rows)."""
    args = [frame[c] for c in udf.inputs]
    if udf.vectorized is not False:
        try:
            out = udf.fn(*args)
        except Exception as error:
            if udf.vectorized:
                raise UserFunctionError(
                    f"{operator}: function {_fn_name(udf)} failed on columns {list(udf.inputs)}: {error!r}. "
                    "Pass vectorized=False if it works on single values."
                ) from error
        else:
            values = _as_column(out, len(frame))
            if values is not None:
                return values, False
            if udf.vectorized:
                raise UserFunctionError(
                    f"{operator}: function {_fn_name(udf)} returned {type(out).__name__} for "
                    f"{len(frame)} rows; a vectorized function must return one value per row."
                )
    columns = [a.tolist() for a in args]
    try:
        return [udf.fn(*values) for values in zip(*columns, strict=True)], True
    except Exception as error:
        bad = next(v for v in zip(*columns, strict=True) if _fails(udf.fn, v))
        raise UserFunctionError(
            f"{operator}: function {_fn_name(udf)} failed on {dict(zip(udf.inputs, bad, strict=True))}: "
            f"{error!r}."
        ) from error


def _fails(fn: Callable[..., Any], values: tuple[Any, ...]) -> bool:
    try:
        fn(*values)
    except Exception:  # noqa: BLE001 - whatever the function raises on these values, it fails on them
        return True
    return False


def _as_column(out: Any, n_rows: int) -> Any:
    if isinstance(out, pd.Series):
        if len(out) != n_rows:
            return None
        # a Series on another index is taken by position, as the function saw the rows in order
        return out if out.index.equals(pd.RangeIndex(n_rows)) else out.to_numpy()
    if isinstance(out, (np.ndarray, pd.api.extensions.ExtensionArray)) and out.ndim == 1 and len(out) == n_rows:
        return out
    return None


def _fn_name(udf: n.Udf) -> str:
    return getattr(udf.fn, "__qualname__", None) or repr(udf.fn)

