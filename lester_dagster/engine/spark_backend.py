"""The PySpark backend: lowers a plan of engine operators to Spark DataFrames, for data that outgrows one
machine. As on DuckDB, each row's provenance travels inside the relation as one column per source (bigint
where a row has one id, array<bigint> otherwise): joins concatenate, unions fill empty arrays, aggregates
collect the distinct ids of their members. Row order travels as an ordinal (an array<bigint> compared
lexicographically: a join appends the right row's ordinal to the left's, a union puts the branch first),
so the result is the pandas executor's, row for row.

Query strings and column functions of `filter`/`project` are lowered to Spark's own column expressions
where they can be with pandas' semantics (`lower_expression` with `SparkDialect`: comparisons, `isin`, null
tests, `&`/`|`/`~`, + - * on numbers, text concatenation, `str.lower/upper/len/startswith/endswith/contains`
with a literal or literal alternatives, `astype`), so the data never leaves the JVM and the column's type is
known without running anything. The others run as vectorised Arrow UDFs over the columns they declare, with
the pandas executor's own evaluation and row-wise check on each Arrow batch (on the whole column when the
input has at most one batch of rows); such a projection's Spark type is the type its values have on the
first rows (one more job). Run natively: select, rename, filter, project, inner/left equi-joins on keys of one
type family, unions of one type family per column, aggregates with sum / mean / min / max (numbers), count,
size and nunique, dropna, fillna (floats and text), sort, explode of lists of text (provenance and ordinal
unnested with the elements). Through the pandas translation of that one operator on its materialised input,
as on DuckDB:

* pivot and melt (pivot's fixed value columns over groups, melt's object column of mixed values), explode
  of lists of anything but text (pandas keeps the numbers as Python objects beside NaN);
* aggregates with median, first, last, std, var, prod, any, all or a Python function; min/max of text;
  group keys, join keys and sort keys that are not numbers, text or booleans;
* unions mixing type families (pandas' object column), fillna of integer, boolean or all-null columns
  (pandas' dtype there depends on whether the column held a null);
* data Arrow or Spark cannot type exactly (mixed objects, timestamps, unsigned or decimal numbers);
* a projection whose first rows are all null or whose later batches give another type than its first rows,
  and any user function that fails in a Spark worker: the pandas translation then gives the pandas
  executor's value or error (the run is lowered again with that operator in pandas).

The session is one per process (`session()`): `spark.master` from the `master` argument, else
`LESTER_SPARK_MASTER`, else `local[*]`; local masters bind the driver to 127.0.0.1 and run without the UI."""

from __future__ import annotations

import functools
import os
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import reduce, singledispatch
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lester_dagster.engine import nodes as n
from lester_dagster.engine.duckdb_backend import from_frame, nulls_of, prov_array, to_frame, to_provenance
from lester_dagster.engine.execute import Computed, Result, SourceData, _as_mask, _evaluate, bind_sources
from lester_dagster.engine.lower_expression import Dialect, NotLowerable, Sql, lower_expression
from lester_dagster.engine.lowering import Fallback, prov_names
from lester_dagster.engine.lowering import Lowering as BaseLowering
from lester_dagster.errors import MissingExtraError
from lester_dagster.provenance import RowProvenance

try:
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
    from pyspark.sql import types as T  # noqa: N812
    from pyspark.sql.pandas.types import from_arrow_type, to_arrow_type
except ModuleNotFoundError as error:
    raise MissingExtraError(error.name or "pyspark", "spark", "the engine's Spark backend") from error

MASTER_ENV = "LESTER_SPARK_MASTER"
# Local mode on one machine: few shuffle partitions (Spark's 200 cost more than they split), no UI, UTC,
# column names compared as the engine compares them (case-sensitive), and integer arithmetic that wraps
# around on overflow as NumPy's does (ANSI mode raises; under it, integer arithmetic is not lowered).
DEFAULT_CONFIG: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.caseSensitive": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "false",
}
_LOCAL_CONFIG = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}

_ROW = "__lester_row"
_MARKER = "__lester_spark_fallback_"
_FAILED = re.compile(_MARKER + r"(\d+)__")
# Rows of one Arrow batch (Spark's spark.sql.execution.arrow.maxRecordsPerBatch): an input known to have at
# most this many rows goes to a user function whole and in order, as the pandas executor gives it.
_BATCH = 10_000
_SAMPLE = 1_000  # rows a projection's type is read from
_INTEGER_ARROW = (pa.int8(), pa.int16(), pa.int32(), pa.int64())

_session: SparkSession | None = None


def session(master: str | None = None, config: Mapping[str, str] | None = None) -> SparkSession:
    """The process's Spark session, made on first use: `master` (else `LESTER_SPARK_MASTER`, else
    `local[*]`) and `config` over `DEFAULT_CONFIG`. A later call returns the running session."""
    global _session
    if _session is not None and _session.sparkContext._jsc is not None:
        return _session
    master = spark_master(master)
    # the workers run this interpreter (its lester_dagster, pandas and pyarrow)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName("lester_dagster")
    for key, value in {**DEFAULT_CONFIG, **(_LOCAL_CONFIG if local else {}), **dict(config or {})}.items():
        builder = builder.config(key, value)
    _session = builder.getOrCreate()
    _session.sparkContext.setLogLevel("ERROR")
    return _session


def spark_master(master: str | None = None) -> str:
    """The master a new session connects to: `master`, else `LESTER_SPARK_MASTER`, else `local[*]`."""
    return master or os.environ.get(MASTER_ENV, "").strip() or "local[*]"


def stop_session() -> None:
    """Stops the session `session()` made (and its JVM's Spark context)."""
    global _session
    if _session is not None:
        _session.stop()
        _session = None


def c(name: str) -> Column:
    """A column by its exact name (dots, spaces and backticks are no syntax here)."""
    return F.col("`" + name.replace("`", "``") + "`")


def _empty_ids() -> Column:
    return F.array().cast(T.ArrayType(T.LongType()))


@dataclass(frozen=True)
class Relation:
    """A lowered node: a Spark DataFrame with the node's columns, the ordinal `_ROW` (array<bigint>) and a
    provenance column per source (`prov`: source -> (column name, whether it holds arrays))."""

    df: DataFrame
    columns: tuple[str, ...]
    prov: Mapping[str, tuple[str, bool]]
    rows: int | None  # at most this many rows (None: not known)
    # the null an object column held in pandas (None or NaN), which Arrow does not keep
    nulls: Mapping[str, Any] = field(default_factory=dict)
    # text columns that pandas holds as objects (an exploded list, a function's values), not as str
    objects: frozenset[str] = frozenset()
    # columns pandas holds as bool (never null), where known: a lowered `&` or `~` needs them
    bools: frozenset[str] = frozenset()

    def type_of(self, column: str) -> T.DataType:
        return self.df.schema[column].dataType

    def carried(self) -> list[Column]:
        """The provenance columns and the ordinal, unchanged."""
        return [*(c(name) for name, _ in self.prov.values()), c(_ROW)]


class Lowering(BaseLowering[Relation]):
    """One lowering of a plan on one Spark session; `forced` names the nodes (by `keys`) to run in pandas."""

    def __init__(self, spark: SparkSession, bound: Mapping[str, SourceData], prov_names: Mapping[str, str],
                 keys: Mapping[int, int], forced: set[int]) -> None:
        super().__init__(bound, prov_names)
        self.spark, self.keys, self.force = spark, keys, forced
        self.dialect = SparkDialect(str(spark.conf.get("spark.sql.ansi.enabled", "false")).lower() == "true")
        self.cached: list[DataFrame] = []  # persisted for this run, unpersisted at its end

    def cache(self, df: DataFrame) -> DataFrame:
        """`df` kept once computed: the jobs that read it after its first (a projection's first rows, then
        the result) do not compute its upstream operators again."""
        df = df.persist()
        self.cached.append(df)
        return df

    def release(self) -> None:
        for df in self.cached:
            df.unpersist()
        self.cached.clear()

    def key(self, node: n.Node) -> int:
        return self.keys[id(node)]

    def forced(self, node: n.Node) -> bool:
        return self.key(node) in self.force

    # ---- between Spark and pandas ------------------------------------------------------------------------

    def computed(self, r: Relation) -> Computed:
        """The relation as the pandas executor holds it: a frame and its provenance, in the ordinal's order."""
        names = [*r.columns, *(name for name, _ in r.prov.values())]
        # sorted here, not by Spark: the rows come to the driver anyway, and a distributed sort costs a
        # sampling job and a shuffle
        table = r.df.select(*(c(x) for x in names), c(_ROW)).toArrow()
        table = table.take(_ordinal_order(table.column(_ROW))).select(names)
        frame = as_pandas(table.select(list(r.columns)), r.nulls, r.objects)
        return frame, to_provenance(table, r.prov, table.num_rows)

    def relation(self, frame: pd.DataFrame, provenance: RowProvenance) -> Relation:
        """A pandas frame and its provenance as a Spark relation."""
        table = from_frame(frame)
        for arrow_field in table.schema:
            if not _representable(arrow_field.type):
                raise Fallback
        prov: dict[str, tuple[str, bool]] = {}
        for source, column in provenance.items():
            name = self.prov_column(source)
            table = table.append_column(name, prov_array(column))
            prov[source] = (name, column.indptr is not None)
        table = table.append_column(_ROW, pa.array(np.arange(len(frame), dtype=np.int64)))
        df = self.spark.createDataFrame(table)
        df = df.withColumn(_ROW, F.array(c(_ROW)))
        objects = frozenset(x for x, t in zip(frame.columns, table.schema.types, strict=False)
                            if frame[x].dtype == object and (pa.types.is_string(t) or pa.types.is_large_string(t)))
        bools = frozenset(x for x in frame.columns if frame[x].dtype == bool)
        return Relation(df, tuple(frame.columns), prov, len(frame), nulls_of(frame), objects, bools)


def as_pandas(table: pa.Table, nulls: Mapping[str, Any], objects: frozenset[str]) -> pd.DataFrame:
    """Arrow to pandas as the pandas executor holds the values (`to_frame`), text columns that pandas
    holds as objects as objects, with their null."""
    frame = to_frame(table, nulls)
    for column in objects & set(frame.columns):
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), nulls.get(column, np.nan))
    return frame


def _ordinal_order(ordinals: pa.ChunkedArray) -> np.ndarray:
    """The positions of the rows in the order of their ordinals (arrays compared element by element, a
    shorter one first where it is a prefix)."""
    column = ordinals.combine_chunks()
    n_rows = len(column)
    offsets = column.offsets.to_numpy().astype(np.int64)
    values = column.values.to_numpy(zero_copy_only=False).astype(np.int64)[offsets[0]: offsets[-1]]
    offsets = offsets - offsets[0]
    lengths = np.diff(offsets)
    width = int(lengths.max()) if n_rows else 0
    if width == 0:
        return np.arange(n_rows)
    matrix = np.full((n_rows, width), -1, dtype=np.int64)  # every ordinal's element is >= 0
    rows = np.repeat(np.arange(n_rows), lengths)
    matrix[rows, np.arange(len(values)) - offsets[:-1][rows]] = values
    return np.lexsort(matrix.T[::-1])


def _representable(arrow_type: pa.DataType) -> bool:
    """Arrow types that go through Spark and back unchanged."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return _representable(arrow_type.value_type)
    return (arrow_type in _INTEGER_ARROW or pa.types.is_floating(arrow_type) and arrow_type != pa.float16()
            or pa.types.is_boolean(arrow_type) or pa.types.is_string(arrow_type)
            or pa.types.is_large_string(arrow_type) or pa.types.is_null(arrow_type))


def execute_spark(root: n.Node, sources: Mapping[str, pd.DataFrame | SourceData] | None = None,
                  spark: SparkSession | None = None) -> Result:
    """Runs the plan under `root` on Spark; the same arguments and `Result` as `engine.execute`."""
    bound = bind_sources(root, sources)
    spark = spark or session()
    keys = _node_keys(root)
    names = prov_names(root)
    forced: set[int] = set()
    while True:
        lowering = Lowering(spark, bound, names, keys, forced)
        try:
            frame, provenance = lowering.run(root, _lower)
        except (PySparkException, Py4JJavaError) as error:
            # a user function failed in a worker (or gave another type than on its first rows): that one
            # operator runs in pandas, which gives the pandas executor's value or error
            failed = {int(k) for k in _FAILED.findall(str(error))} - forced
            if not failed:
                raise
            forced |= failed
            continue
        finally:
            lowering.release()
        return Result(frame, provenance, dict(root.lineage), root.row_lineage, bound, root.order_lineage)


def _node_keys(root: n.Node) -> dict[int, int]:
    """A number per node of the plan, the same in every lowering of it."""
    keys: dict[int, int] = {}

    def visit(node: n.Node) -> None:
        if id(node) in keys:
            return
        for parent in node.parents:
            visit(parent)
        keys[id(node)] = len(keys)

    visit(root)
    return keys


def _family(spark_type: T.DataType) -> str:
    if isinstance(spark_type, T.BooleanType):
        return "bool"
    if isinstance(spark_type, (T.IntegralType, T.FloatType, T.DoubleType)):
        return "number"
    if isinstance(spark_type, T.StringType):
        return "string"
    if isinstance(spark_type, T.NullType):
        return "null"
    return spark_type.simpleString()


_ORDERED = ("number", "string", "bool")


def _as_list(expression: Column, is_list: bool) -> Column:
    # a dense column is null where a left join found no match: that row has no id
    return expression if is_list else F.when(expression.isNull(), _empty_ids()).otherwise(F.array(expression))


@singledispatch
def _lower(node: n.Node, run: Any, lowering: Lowering) -> Relation:
    raise Fallback


@_lower.register
def _source(node: n.Source, run: Any, lowering: Lowering) -> Relation:
    raise Fallback  # the source's frame as it is; made a relation when a lowered operator reads it


# ---- query strings and column functions lowered to Spark's own expressions ----------------------------------

_FLOATS = ("float", "narrow float")


class SparkDialect(Dialect):
    """`lower_expression`'s steps as Spark column expressions, where Spark's semantics differ from DuckDB's
    SQL made to match pandas': NaN (Spark's equals NaN and is above every number; pandas' compares False
    and counts as null), case mapping outside ASCII (Java's is neither Arrow's nor Python's), and ANSI mode,
    whose integer arithmetic raises on overflow where NumPy's wraps around."""

    nan_is_null = True  # float arithmetic gives null for NaN: Spark's dropna, fillna and sums then agree

    def __init__(self, ansi: bool) -> None:
        self.int_arithmetic = not ansi

    def kind_of(self, type_name: Any) -> str | None:
        if isinstance(type_name, T.LongType):
            return "int"
        if isinstance(type_name, (T.IntegerType, T.ShortType, T.ByteType)):
            return "narrow int"
        if isinstance(type_name, T.DoubleType):
            return "float"
        if isinstance(type_name, T.FloatType):
            return "narrow float"
        if isinstance(type_name, T.StringType) and type_name == T.StringType():  # byte order, not a collation
            return "str"
        if isinstance(type_name, T.BooleanType):
            return "bool"
        return None  # timestamps never reach Spark here (`_representable`)

    def column(self, name: str) -> Any:
        return c(name)

    def constant(self, value: Any, kind: str) -> Any:
        if kind == "int":
            return F.lit(value).cast(T.LongType())
        if kind == "float":
            return F.lit(float(value)).cast(T.DoubleType())
        if kind in ("bool", "str"):
            return F.lit(value)
        raise NotLowerable(kind)

    def compare(self, a: Sql, op: str, b: Sql) -> Any:
        if op == "ne":  # pandas' != is the negation of its ==, nulls and NaN included
            return ~self.compare(a, "eq", b)
        x, y = a.text, b.text
        out = {"eq": x == y, "lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y}[op]
        nan = [F.isnan(s.text) for s in (a, b) if s.kind in _FLOATS]
        for guard in nan:
            out = out & ~guard
        return F.coalesce(out, F.lit(False)) if a.nullable or b.nullable or nan else out

    def isin(self, a: Sql, items: list[Sql]) -> Any:
        out = a.text.isin(*(b.text for b in items))  # NaN is in no list of finite numbers
        return F.coalesce(out, F.lit(False)) if a.nullable else out

    def false(self) -> Any:
        return F.lit(False)

    def isna(self, a: Sql) -> Any:
        return a.text.isNull() | F.isnan(a.text) if a.kind in _FLOATS else a.text.isNull()

    def notna(self, a: Sql) -> Any:
        return ~self.isna(a)

    def logic(self, a: Sql, op: str, b: Sql) -> Any:
        return a.text & b.text if op == "AND" else a.text | b.text

    def negate(self, a: Sql) -> Any:
        return ~a.text

    def concat(self, a: Sql, b: Sql) -> Any:
        return F.concat(a.text, b.text)

    def arith(self, a: Sql, op: str, b: Sql, kind: str) -> Any:
        x, y = a.text, b.text
        out = x + y if op == "+" else x - y if op == "-" else x * y
        if kind == "int":
            return out.cast(T.LongType())
        return F.nanvl(out.cast(T.DoubleType()), F.lit(None).cast(T.DoubleType()))

    def neg(self, a: Sql) -> Any:
        return -a.text

    def absolute(self, a: Sql) -> Any:
        return F.abs(a.text)

    def cast(self, a: Sql, kind: str) -> Any:
        return a.text.cast(T.LongType() if kind == "int" else T.DoubleType())

    def case(self, a: Sql, how: str) -> Any:
        t = a.text
        ascii_only = F.length(t) == F.octet_length(t)  # its bytes are its characters
        return F.when(ascii_only, F.lower(t) if how == "lower" else F.upper(t)).otherwise(
            _exact_case(t, how, a.dtype == "object"))

    def length(self, a: Sql) -> Any:
        return F.length(a.text).cast(T.LongType())  # code points, as Python counts

    def match(self, a: Sql, how: str, pattern: str) -> Any:
        t = a.text
        if how == "starts_with":
            return t.startswith(F.lit(pattern))
        if how == "ends_with":
            return t.endswith(F.lit(pattern))
        if how == "contains":
            return t.contains(F.lit(pattern))
        return t.rlike(pattern)  # literal alternatives: Java's regex reads them as Python's `re` does

    def or_false(self, text: Any) -> Any:
        return F.coalesce(text, F.lit(False))

    def date_part(self, a: Sql, part: str) -> Any:
        raise NotLowerable(part)


def _exact_case(text: Column, how: str, objects: bool) -> Column:
    """pandas' case mapping of texts outside ASCII in Spark's functions: Arrow's (a text column) maps each
    code point to one, a `translate`; Python's (an object column) also maps some code points to several
    (`'ß'.upper()` is "SS"), a `replace` each, and a capital sigma at a word's end to a final sigma."""
    sources, targets, several = _case_table(how, objects)
    if objects and how == "lower":
        cased, ignorable = _sigma_classes()
        # Python: a Σ after a cased letter (case-ignorable ones between) and not before one is final
        text = F.regexp_replace(text, f"({cased}{ignorable}*)\u03a3(?!{ignorable}*{cased})", "$1\u03c2")
    for source, target in several:
        text = F.replace(text, F.lit(source), F.lit(target))
    return F.translate(text, sources, targets)


@functools.cache
def _case_table(how: str, objects: bool) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """The code points pandas' mapping changes: those mapped to one (sources, targets) and to several."""
    chars = [chr(point) for point in range(0x110000) if not 0xD800 <= point < 0xE000]
    if objects:
        mapped = [ch.lower() for ch in chars] if how == "lower" else [ch.upper() for ch in chars]
    else:
        function = pc.utf8_lower if how == "lower" else pc.utf8_upper
        mapped = function(pa.array(chars, pa.string())).to_pylist()
    single = {ch: m for ch, m in zip(chars, mapped, strict=True) if ch != m and len(m) == 1}
    several = tuple((ch, m) for ch, m in zip(chars, mapped, strict=True) if len(m) != 1)
    # a `replace`'s output must be left alone by the `translate` after it
    if any(x in single for _, m in several for x in m):
        raise NotLowerable(how)
    return "".join(single), "".join(single.values()), several


@functools.cache
def _sigma_classes() -> tuple[str, str]:
    """Java regex classes of Python's cased letters that are not case-ignorable, and of the case-ignorable
    characters, read from Python's own final-sigma rule (`str.lower`), so that they are its Unicode data."""
    cased, ignorable = [], []
    for point in range(0x110000):
        if 0xD800 <= point < 0xE000:
            continue
        ch = chr(point)
        if (ch + "\u03a3").lower()[-1] == "\u03c2":
            cased.append(point)
        elif ("A" + ch + "\u03a3").lower()[-1] == "\u03c2":
            ignorable.append(point)
    return _java_class(cased), _java_class(ignorable)


def _java_class(points: list[int]) -> str:
    ranges: list[list[int]] = []
    for point in points:
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "[" + "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


def _lowered(compute: n.Query | n.Udf, parent: Relation, lowering: Lowering) -> Sql | None:
    """The expression as a Spark column expression with pandas' semantics, or None (it runs in Python)."""
    columns = dict.fromkeys(compute.columns)
    types = {x: parent.type_of(x) for x in columns}
    dtypes = {x: "object" for x in columns if x in parent.objects} | {x: "bool" for x in columns if x in parent.bools}
    return lower_expression(compute, types, dtypes, lowering.dialect)


def _project_lowered(node: n.Project, parent: Relation, lowered: Sql) -> Relation:
    """A projection Spark computes itself: its type is the expression's, with no job to learn it."""
    df = parent.df.withColumn(node.target, lowered.text)  # in place where the column exists
    columns = parent.columns if node.target in parent.columns else (*parent.columns, node.target)
    nulls = {x: v for x, v in parent.nulls.items() if x != node.target}
    held = {parent.nulls[x] for x in node.compute.columns if x in parent.nulls}
    if lowered.dtype == "object" and len(held) == 1:  # a text function keeps its object column's null
        nulls[node.target] = held.pop()
    objects = parent.objects - {node.target} | ({node.target} if lowered.dtype == "object" else set())
    bools = parent.bools - {node.target} | ({node.target} if lowered.dtype == "bool" else set())
    return Relation(df, columns, parent.prov, parent.rows, nulls, frozenset(objects), frozenset(bools))


# ---- user functions and query strings: Arrow UDFs ------------------------------------------------------------


def _udf_input(parent: Relation) -> DataFrame:
    """The parent's rows as a user function should see them: an input known to fit one Arrow batch goes to
    one partition in the ordinal's order, so the function (and the row-wise check) sees the whole column
    the pandas executor gives it; a larger one is evaluated batch by batch, in place."""
    if parent.rows is not None and parent.rows <= _BATCH:
        return parent.df.coalesce(1).sortWithinPartitions(c(_ROW))
    return parent.df


def _evaluator(compute: n.Query | n.Udf, operator: str, parent: Relation, key: int,
               conform: Callable[[Any], pa.Array]) -> Callable[..., pa.Array]:
    """The function a Spark worker runs on each Arrow batch: the row ordinal (for the batch's length), then
    the declared columns, evaluated as the pandas executor evaluates them. Any failure names the operator
    (by `key`), which then runs through the pandas translation."""
    names = list(dict.fromkeys(compute.columns))
    nulls, objects = dict(parent.nulls), parent.objects

    def evaluate(rows: pa.Array, *arrays: pa.Array) -> pa.Array:
        try:
            if names:
                frame = as_pandas(pa.Table.from_arrays(list(arrays), names=names), nulls, objects)
            else:
                frame = pd.DataFrame(index=pd.RangeIndex(len(rows)))
            return conform(_evaluate(compute, frame, operator))
        except Exception as error:  # noqa: BLE001 - whatever failed, the pandas translation decides
            raise RuntimeError(f"{_MARKER}{key}__ {operator}: {error!r}") from error

    return evaluate


def _arrow_udf(function: Callable[..., pa.Array], spark_type: T.DataType, parent: Relation,
               compute: n.Query | n.Udf) -> Column:
    with warnings.catch_warnings():  # Spark prefers type hints to the UDF type; ours are strings (PEP 563)
        warnings.simplefilter("ignore", UserWarning)
        # not deterministic to the optimiser, so that it never moves the function below the ordering of a
        # small input, nor runs it twice
        udf = F.arrow_udf(function, spark_type, F.ArrowUDFType.SCALAR).asNondeterministic()
    return udf(c(_ROW), *(c(x) for x in dict.fromkeys(compute.columns)))


@_lower.register
def _filter(node: n.Filter, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    lowered = _lowered(node.predicate, parent, lowering)
    if lowered is not None and lowered.kind == "bool":  # a null is False, as in the pandas executor's mask
        return replace(parent, df=parent.df.where(lowered.text))
    key = lowering.key(node)

    def mask(values: Any) -> pa.Array:
        return pa.array(_as_mask(values), pa.bool_())

    function = _evaluator(node.predicate, "filter", parent, key, mask)
    df = _udf_input(parent).where(_arrow_udf(function, T.BooleanType(), parent, node.predicate))
    return replace(parent, df=df)


@_lower.register
def _project(node: n.Project, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    lowered = _lowered(node.compute, parent, lowering)
    if lowered is not None:
        return _project_lowered(node, parent, lowered)
    operator = f"project {node.target!r}"
    # the column's type: the values' type on the first rows (all of them, for a small input), read from the
    # parent kept once computed, so that the result's job does not compute its upstream a second time
    names = list(dict.fromkeys(node.compute.columns))
    parent = replace(parent, df=lowering.cache(parent.df))
    first = parent.df.select(*(c(x) for x in names), c(_ROW)).limit(_SAMPLE).toArrow()
    if not first.num_rows:
        raise Fallback  # no rows: the pandas translation is free and keeps pandas' dtype
    try:
        values = _evaluate(node.compute, as_pandas(first.select(names), parent.nulls, parent.objects) if names else
                           pd.DataFrame(index=pd.RangeIndex(first.num_rows)), operator)
        sample = pd.DataFrame({node.target: values})
        arrow_type = from_frame(sample).schema.field(0).type
    except Exception:  # noqa: BLE001 - the pandas translation gives pandas' value or error
        raise Fallback from None
    if pa.types.is_null(arrow_type) or not _representable(arrow_type):
        raise Fallback
    spark_type = from_arrow_type(arrow_type)
    expected = to_arrow_type(spark_type)
    target = node.target  # the function is pickled to the workers: not the node, which holds its sources

    def conform(values: Any) -> pa.Array:
        column = from_frame(pd.DataFrame({target: values})).column(0).combine_chunks()
        if column.type == expected:
            return column
        if pa.types.is_null(column.type):
            return pa.nulls(len(column), expected)
        widening = (column.type in _INTEGER_ARROW and pa.types.is_floating(expected)) or (
            pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) and (
            pa.types.is_string(expected) or pa.types.is_large_string(expected)) or column.type == arrow_type
        if not widening:
            raise TypeError(f"values of type {column.type} where the first rows gave {arrow_type}")
        return column.cast(expected)

    function = _evaluator(node.compute, operator, parent, lowering.key(node), conform)
    df = _udf_input(parent).withColumn(node.target, _arrow_udf(function, spark_type, parent, node.compute))
    columns = parent.columns if node.target in parent.columns else (*parent.columns, node.target)
    nulls = {x: v for x, v in parent.nulls.items() if x != node.target} | nulls_of(sample)
    objects = parent.objects - {node.target}
    if sample[node.target].dtype == object and (pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)):
        objects |= {node.target}
    return Relation(df, columns, parent.prov, parent.rows, nulls, objects, parent.bools - {node.target})


# ---- relational operators: Spark's own ----------------------------------------------------------------------


@_lower.register
def _select_node(node: n.Select, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Spark
    parent = run(node.parent)
    df = parent.df.select(*(c(x) for x in node.keep), *parent.carried())
    return Relation(df, tuple(node.keep), parent.prov, parent.rows,
                    {x: v for x, v in parent.nulls.items() if x in node.keep}, parent.objects & set(node.keep),
                    parent.bools & set(node.keep))


@_lower.register
def _rename(node: n.Rename, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Spark
    parent = run(node.parent)
    names = [node.mapping.get(x, x) for x in parent.columns]
    df = parent.df.select(*(c(x).alias(m) for x, m in zip(parent.columns, names, strict=True)), *parent.carried())
    return Relation(df, tuple(names), parent.prov, parent.rows,
                    {node.mapping.get(x, x): v for x, v in parent.nulls.items()},
                    frozenset(node.mapping.get(x, x) for x in parent.objects),
                    frozenset(node.mapping.get(x, x) for x in parent.bools))


@_lower.register
def _join(node: n.Join, run: Any, lowering: Lowering) -> Relation:
    left, right = run(node.left), run(node.right)
    for lk, rk in zip(node.left_on, node.right_on, strict=True):
        family = _family(left.type_of(lk))
        if family != _family(right.type_of(rk)) or family not in _ORDERED:
            raise Fallback  # pandas decides what mixed keys do (or says they clash)
    # every column of each side under a name of its own, so that nothing is ambiguous after the join
    left_names = {x: f"__l{i}" for i, x in enumerate([*left.columns, *(p for p, _ in left.prov.values()), _ROW])}
    right_names = {x: f"__r{i}" for i, x in enumerate([*right.columns, *(p for p, _ in right.prov.values()), _ROW])}
    lhs = left.df.select(*(c(x).alias(a) for x, a in left_names.items()))
    rhs = right.df.select(*(c(x).alias(a) for x, a in right_names.items()))
    condition = [F.col(left_names[a]) == F.col(right_names[b]) for a, b in zip(node.left_on, node.right_on, strict=True)]
    joined = lhs.join(rhs, on=condition, how="inner" if node.how == "inner" else "left")
    out_left, out_right = node.output_names
    by_name = {name: F.col(left_names[x]).alias(name) for x, name in out_left.items()}
    by_name.update({name: F.col(right_names[x]).alias(name) for x, name in out_right.items()})
    missed = F.col(right_names[_ROW]).isNull()
    expressions, prov = [by_name[x] for x in node.columns], {}
    for source in dict.fromkeys([*left.prov, *right.prov]):
        name = lowering.prov_column(source)
        parts = []
        if source in left.prov:
            parts.append(_as_list(F.col(left_names[left.prov[source][0]]), left.prov[source][1]))
        if source in right.prov:
            side = _as_list(F.col(right_names[right.prov[source][0]]), right.prov[source][1])
            parts.append(F.when(missed, _empty_ids()).otherwise(side) if node.how == "left" else side)
        if len(parts) == 1 and source in left.prov:
            expression, is_list = F.col(left_names[left.prov[source][0]]), left.prov[source][1]
        elif len(parts) == 1 and (node.how == "inner" or not right.prov[source][1]):
            # a dense right side stays dense, null where a left row found no match
            expression, is_list = F.col(right_names[right.prov[source][0]]), right.prov[source][1]
        else:
            expression, is_list = (parts[0] if len(parts) == 1 else F.concat(parts[0], parts[1])), True
        expressions.append(expression.alias(name))
        prov[source] = (name, is_list)
    # (left row, right row): the left row's order first, then its matches in the right side's order
    row = F.concat(F.col(left_names[_ROW]), F.coalesce(F.col(right_names[_ROW]), _empty_ids()))
    df = joined.select(*expressions, row.alias(_ROW))
    rows = None if left.rows is None or right.rows is None else left.rows * max(right.rows, 1)
    nulls = {out_left[x]: v for x, v in left.nulls.items() if x in out_left}
    nulls.update({out_right[x]: v for x, v in right.nulls.items() if x in out_right})
    objects = {out_left[x] for x in left.objects if x in out_left} | {out_right[x] for x in right.objects if x in out_right}
    # a left join's misses are nulls in the right side's columns: pandas holds those as object
    bools = {out_left[x] for x in left.bools if x in out_left}
    if node.how == "inner":
        bools |= {out_right[x] for x in right.bools if x in out_right}
    return Relation(df, tuple(node.columns), prov, rows, nulls, frozenset(objects), frozenset(bools))


def _common_type(types: list[T.DataType]) -> T.DataType:
    known = [t for t in types if not isinstance(t, T.NullType)]
    if not known:
        return T.NullType()
    if all(t == known[0] for t in known):
        return known[0]
    if {_family(t) for t in known} == {"number"}:
        return T.DoubleType() if any(isinstance(t, (T.FloatType, T.DoubleType)) for t in known) else T.LongType()
    raise Fallback  # pandas.concat's common type (often object), not Spark's cast


@_lower.register
def _union(node: n.Union, run: Any, lowering: Lowering) -> Relation:
    parts = [run(p) for p in node.inputs]
    types = {x: _common_type([p.type_of(x) for p in parts]) for x in node.columns}
    sources = list(dict.fromkeys(s for p in parts for s in p.prov))
    dense = {s: all(s in p.prov and not p.prov[s][1] for p in parts) for s in sources}
    selects = []
    for i, part in enumerate(parts):
        expressions = [c(x) if part.type_of(x) == types[x] else c(x).cast(types[x]).alias(x) for x in node.columns]
        for source in sources:
            name = lowering.prov_column(source)
            if source not in part.prov:
                expressions.append(_empty_ids().alias(name))
            elif dense[source]:
                expressions.append(c(part.prov[source][0]).alias(name))
            else:
                expressions.append(_as_list(c(part.prov[source][0]), part.prov[source][1]).alias(name))
        # each branch's rows after the branches before it
        expressions.append(F.concat(F.array(F.lit(i).cast(T.LongType())), c(_ROW)).alias(_ROW))
        selects.append(part.df.select(*expressions))
    df = reduce(DataFrame.union, selects)
    prov = {s: (lowering.prov_column(s), not dense[s]) for s in sources}
    rows = None if any(p.rows is None for p in parts) else sum(p.rows or 0 for p in parts)
    nulls = {x: v for p in reversed(parts) for x, v in p.nulls.items()}  # the first branch's, as pandas.concat
    objects = frozenset().union(*(p.objects for p in parts))  # pandas.concat of objects and text: objects
    bools = frozenset.intersection(*(p.bools for p in parts))
    return Relation(df, tuple(node.columns), prov, rows, nulls, objects, bools)


def _aggregate_expression(func: Any, column: str, spark_type: T.DataType) -> Column:
    if not isinstance(func, str):
        raise Fallback
    family = _family(spark_type)
    if func == "size":
        return F.count(F.lit(1))
    if func == "count":
        return F.count(c(column))
    if func == "nunique" and family in _ORDERED:
        return F.countDistinct(c(column))
    if family != "number":
        raise Fallback
    if func == "sum":
        cast = T.LongType() if isinstance(spark_type, T.IntegralType) else T.DoubleType()
        return F.coalesce(F.sum(c(column)), F.lit(0)).cast(cast)
    if func == "mean":
        return F.avg(c(column))
    if func == "min":
        return F.min(c(column))
    if func == "max":
        return F.max(c(column))
    raise Fallback


def _ordered(df: DataFrame, order: list[Column], rows: int | None) -> DataFrame:
    """The rows sorted with a new ordinal that follows that order across partitions (a range partitioning,
    then each partition sorted: a partition's ids are all above the previous partition's). Rows known to be
    few are sorted in one partition, which spares the range partitioning its sampling job and shuffle."""
    if rows is not None and rows <= _BATCH:
        df = df.coalesce(1).sortWithinPartitions(*order)
    else:
        df = df.orderBy(*order)
    return df.withColumn(_ROW, F.array(F.monotonically_increasing_id()))


@_lower.register
def _aggregate(node: n.Aggregate, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    for key in node.by:
        if _family(parent.type_of(key)) not in _ORDERED:
            raise Fallback
    expressions = [_aggregate_expression(func, column, parent.type_of(column)).alias(name)
                   for name, (column, func) in node.aggregations.items()]
    prov = {}
    for source, (column, is_list) in parent.prov.items():
        members = F.collect_set(c(column)) if not is_list else F.array_distinct(F.flatten(F.collect_list(c(column))))
        expressions.append(F.array_sort(members).alias(column))
        prov[source] = (column, True)
    present = reduce(lambda a, b: a & b, [c(k).isNotNull() for k in node.by])
    grouped = parent.df.where(present).groupBy(*(c(k) for k in node.by)).agg(*expressions)
    df = _ordered(grouped, [c(k).asc() for k in node.by], parent.rows)  # pandas' groupby(sort=True)
    return Relation(df, tuple(node.columns), prov, parent.rows, objects=parent.objects & set(node.by))


@_lower.register
def _dropna(node: n.DropNA, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Spark
    parent = run(node.parent)
    # NaN never reaches Spark (Arrow reads pandas' NaN as null), so SQL's null is pandas' notna
    present = reduce(lambda a, b: a & b, [c(x).isNotNull() for x in node.subset])
    return replace(parent, df=parent.df.where(present))


@_lower.register
def _fillna(node: n.FillNA, run: Any, lowering: Lowering) -> Relation:
    if lowering.has_frame(node.parent):
        raise Fallback  # cheaper in pandas than a round trip through Spark
    parent = run(node.parent)
    expressions = []
    for column in parent.columns:
        if column not in node.values:
            expressions.append(c(column))
            continue
        value, spark_type = node.values[column], parent.type_of(column)
        number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
        if isinstance(spark_type, (T.FloatType, T.DoubleType)) and number and not np.isnan(float(value)):
            expressions.append(F.coalesce(c(column), F.lit(float(value)).cast(spark_type)).alias(column))
        elif isinstance(spark_type, T.StringType) and isinstance(value, str):
            expressions.append(F.coalesce(c(column), F.lit(value)).alias(column))
        else:
            raise Fallback
    df = parent.df.select(*expressions, *parent.carried())
    return replace(parent, df=df)


@_lower.register
def _sort(node: n.Sort, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    for column in node.by:
        if _family(parent.type_of(column)) not in _ORDERED:
            raise Fallback
    order = [c(x).asc_nulls_last() if asc else c(x).desc_nulls_last() for x, asc in zip(node.by, node.ascending,
                                                                                      strict=True)]
    df = _ordered(parent.df, [*order, c(_ROW).asc()], parent.rows)  # stable: ties keep their order
    return replace(parent, df=df)


@_lower.register
def _explode(node: n.Explode, run: Any, lowering: Lowering) -> Relation:
    parent = run(node.parent)
    spark_type = parent.type_of(node.column)
    if not (isinstance(spark_type, T.ArrayType) and isinstance(spark_type.elementType, T.StringType)):
        raise Fallback  # pandas keeps numbers in an object column as Python numbers, NaN among them
    # pandas: a row per element; an empty list or a null gives one row with NaN, in an object column
    position, value = "__lester_pos", "__lester_value"
    exploded = parent.df.select("*", F.posexplode_outer(c(node.column)).alias(position, value))
    expressions = [c(value).alias(x) if x == node.column else c(x) for x in parent.columns]
    row = F.concat(c(_ROW), F.array(F.coalesce(c(position), F.lit(0)).cast(T.LongType())))
    df = exploded.select(*expressions, *(c(name) for name, _ in parent.prov.values()), row.alias(_ROW))
    nulls = {**parent.nulls, node.column: np.nan}
    return Relation(df, parent.columns, parent.prov, None, nulls, parent.objects | {node.column})
