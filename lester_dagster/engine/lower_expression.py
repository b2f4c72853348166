"""Lowers a `filter`/`project` expression (a pandas query string, or a function of whole columns) to one
DuckDB SQL expression with pandas' exact results, by running it once on symbolic columns that write SQL
for what they are asked (`.str.lower()`, comparisons, `isin`, `&`, arithmetic, `.dt.year`, ...). Anything
else the expression does (another method, `if`, NumPy, formatting) stops the tracing, and the operator
runs its Python code as before. A `Dialect` writes each step: DuckDB's SQL text by default; the Spark
backend's writes Spark column expressions."""

from __future__ import annotations

import builtins
import datetime
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.engine import nodes as n

_NARROW_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT")
# literal text and alternatives: Python's `re` and DuckDB's RE2 agree on these, whatever the text
_PLAIN_PATTERN = re.compile(r"[A-Za-z0-9 _\-|,:;'\"/@#%&=<>!~`]*")


class NotLowerable(Exception):
    """The expression does something this lowering does not write as SQL with pandas' semantics."""


@dataclass(frozen=True)
class Sql:
    """A lowered expression: its SQL text (or the dialect's expression), its kind ("str", "int", "float",
    "bool", "time") and whether it can be null (a pandas comparison is never null: a null compares False, or
    True for `!=`)."""

    text: Any
    kind: str
    nullable: bool = True
    dtype: str | None = None  # "object" or "bool" where pandas holds the values so (else its default)
    lower_of: Sql | None = None  # the text this one is the lower case of, where it is


def kind_of(duck_type: str) -> str | None:
    """The kind of a DuckDB column type, or None where pandas and SQL values differ too much to lower."""
    # arithmetic keeps pandas' dtype only on int64 and float64; narrower numbers are only compared
    if duck_type == "BIGINT":
        return "int"
    if duck_type in _NARROW_INTEGERS:
        return "narrow int"
    if duck_type == "DOUBLE":
        return "float"
    if duck_type == "FLOAT":
        return "narrow float"
    if duck_type == "VARCHAR":
        return "str"
    if duck_type == "BOOLEAN":
        return "bool"
    if duck_type.startswith("TIMESTAMP") and "WITH TIME ZONE" not in duck_type:
        return "time"
    return None


def lower_expression(compute: n.Query | n.Udf, types: Mapping[str, Any],
                     dtypes: Mapping[str, str] | None = None, dialect: Dialect | None = None) -> Sql | None:
    """The expression as SQL over the columns (`types`: column -> DuckDB type, or the dialect's type; `dtypes`:
    the columns pandas holds as "object" or "bool"), or None when it cannot be lowered with pandas'
    semantics. `dialect` writes it (DuckDB's SQL text by default)."""
    dialect = dialect or DUCKDB
    dtypes = dtypes or {}
    columns = {}
    for column in compute.columns:
        kind = dialect.kind_of(types[column])
        if kind is None:
            return None
        dtype = dtypes.get(column)
        columns[column] = Column(Sql(dialect.column(column), kind, dtype != "bool", dtype), dialect)
    try:
        if isinstance(compute, n.Query):
            namespace: dict[str, Any] = {f"__lester_param_{k}": _param(v) for k, v in compute.params.items()}
            namespace.update({name: columns[column] for name, column in compute.names.items()})
            out = eval(compute.code, {"__builtins__": {}}, namespace)  # noqa: S307 - compiled from a checked AST
        elif compute.vectorized is False:
            return None  # called on single values: Python's semantics, not a column's
        else:
            out = compute.fn(*(columns[c] for c in compute.inputs))
    except Exception:  # noqa: BLE001 - whatever stopped the tracing, the Python code runs instead
        return None
    return out.sql if isinstance(out, Column) else None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _param(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class Dialect:
    """How a lowered expression is written: DuckDB's SQL text here. The tracing (`Column`) decides what is
    lowerable and what kind and nullability the result has; a dialect only writes each step, and a backend
    whose language differs (Spark's column objects) overrides the methods."""

    # integer + - * and negation wrap around on overflow, as NumPy's int64 does (where they would raise
    # instead, a dialect says False and such arithmetic is left to Python). DuckDB's raise, so they are
    # computed in HUGEINT and folded back (`wrap_int64`)
    int_arithmetic = True
    # float arithmetic writes NaN as null: pandas counts NaN as null (isna, dropna, sums) and compares it
    # False (True for !=), where DuckDB's NaN is a value, equal to itself and above every number. A NaN only
    # arises inside a lowered expression (inf - inf, 0 * inf): the relations hold pandas' NaN as null
    nan_is_null = True

    def kind_of(self, type_name: Any) -> str | None:
        return kind_of(type_name)

    def column(self, name: str) -> Any:
        return _quote(name)

    def constant(self, value: Any, kind: str) -> Any:
        if kind == "bool":
            return "true" if value else "false"
        if kind == "int":
            return f"CAST({value} AS BIGINT)"
        if kind == "float":
            return f"CAST('{value!r}' AS DOUBLE)"
        if kind == "str":
            return "'" + value.replace("'", "''") + "'"
        return f"CAST('{pd.Timestamp(value).isoformat()}' AS TIMESTAMP_NS)"

    def compare(self, a: Sql, op: str, b: Sql) -> Any:
        """Never null: a null on either side compares False (True for !=), as in pandas."""
        text = f"({a.text} {_COMPARISONS[op]} {b.text})"
        if a.nullable or b.nullable:
            text = f"coalesce({text}, {'true' if op == 'ne' else 'false'})"
        return text

    def isin(self, a: Sql, items: list[Sql]) -> Any:
        text = f"({a.text} IN ({', '.join(b.text for b in items)}))"
        return f"coalesce({text}, false)" if a.nullable else text

    def false(self) -> Any:
        return "false"

    def isna(self, a: Sql) -> Any:
        return f"({a.text} IS NULL)"

    def notna(self, a: Sql) -> Any:
        return f"({a.text} IS NOT NULL)"

    def logic(self, a: Sql, op: str, b: Sql) -> Any:
        return f"({a.text} {op} {b.text})"

    def negate(self, a: Sql) -> Any:
        return f"(NOT {a.text})"

    def concat(self, a: Sql, b: Sql) -> Any:
        return f"({a.text} || {b.text})"

    def arith(self, a: Sql, op: str, b: Sql, kind: str) -> Any:
        if kind == "int":
            return wrap_int64(f"CAST({a.text} AS HUGEINT) {op} CAST({b.text} AS HUGEINT)")
        return f"nullif(CAST({a.text} {op} {b.text} AS DOUBLE), CAST('NaN' AS DOUBLE))"  # DuckDB's NaN = NaN

    def neg(self, a: Sql) -> Any:
        return self._signed(a, f"(- CAST({a.text} AS HUGEINT))", f"(- {a.text})")

    def absolute(self, a: Sql) -> Any:
        return self._signed(a, f"abs(CAST({a.text} AS HUGEINT))", f"abs({a.text})")

    def _signed(self, a: Sql, wide: str, plain: str) -> Any:
        if a.kind == "int":
            return wrap_int64(wide)  # -(-2**63) is -2**63 in NumPy
        if a.kind == "narrow int":
            raise NotLowerable("negation of a narrow integer")  # NumPy wraps at its width, DuckDB raises
        return plain

    def cast(self, a: Sql, kind: str) -> Any:
        return f"CAST({a.text} AS {'BIGINT' if kind == 'int' else 'DOUBLE'})"

    def case(self, a: Sql, how: str) -> Any:
        """`how` ("lower" or "upper") as pandas maps case: Python's mapping in an object column, Arrow's in
        a text column."""
        t = a.text
        python, arrow = (PY_LOWER, ARROW_LOWER) if how == "lower" else (PY_UPPER, ARROW_UPPER)
        return _ascii(t, f"{how}({t})", f"{python if a.dtype == 'object' else arrow}({t})")

    def length(self, a: Sql) -> Any:
        return f"CAST(length({a.text}) AS BIGINT)"

    def match(self, a: Sql, how: str, pattern: str) -> Any:
        """Null where the text is null; `how` is "starts_with", "ends_with", "contains" (a literal) or
        "regexp_matches" (literal alternatives, the same in Python's `re`)."""
        if how == "regexp_matches" and a.lower_of is not None and pattern == pattern.lower():
            # an ASCII text's lower case matches a pattern without capitals where the text itself matches it
            # ignoring case: no lower case to make first
            x = a.lower_of.text
            return _ascii(x, f"regexp_matches({x}, {literal(pattern, self).text}, 'i')",
                          f"regexp_matches({a.text}, {literal(pattern, self).text})")
        return f"{how}({a.text}, {literal(pattern, self).text})"

    def or_false(self, text: Any) -> Any:
        return f"coalesce({text}, false)"

    def date_part(self, a: Sql, part: str) -> Any:
        return f"CAST({part}({a.text}) AS INTEGER)"


DUCKDB = Dialect()


def wrap_int64(wide: str) -> str:
    """A HUGEINT (that + - * of two int64 never overflows) as int64, wrapped around as NumPy's int64
    arithmetic wraps (two's complement): its low 64 bits."""
    return f"CAST(((({wide}) + {2**63}::HUGEINT) & {2**64 - 1}::HUGEINT) - {2**63}::HUGEINT AS BIGINT)"


def literal(value: Any, dialect: Dialect = DUCKDB) -> Sql:
    value = _param(value)
    if isinstance(value, bool):
        return Sql(dialect.constant(value, "bool"), "bool", False)
    if isinstance(value, int):
        if abs(value) >= 2**63:
            raise NotLowerable(value)
        return Sql(dialect.constant(value, "int"), "int", False)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotLowerable(value)
        return Sql(dialect.constant(value, "float"), "float", False)
    if isinstance(value, str):
        return Sql(dialect.constant(value, "str"), "str", False)
    if isinstance(value, datetime.datetime) and value.tzinfo is None and not pd.isna(value):
        return Sql(dialect.constant(value, "time"), "time", False)
    raise NotLowerable(value)


def _numeric(kind: str) -> bool:
    return kind in ("int", "float", "narrow int", "narrow float")


def _comparable(a: Sql, b: Sql) -> bool:
    return a.kind == b.kind and a.kind in ("str", "bool", "time") or _numeric(a.kind) and _numeric(b.kind)


_COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Column:
    """A symbolic pandas Series: each supported operation returns its result, written by the dialect."""

    __slots__ = ("dialect", "sql")
    __hash__ = None  # type: ignore[assignment]  # == builds an expression

    def __init__(self, sql: Sql, dialect: Dialect) -> None:
        self.sql, self.dialect = sql, dialect

    def _operand(self, value: Any) -> Sql:
        return value.sql if isinstance(value, Column) else literal(value, self.dialect)

    def _bool(self, text: Any) -> Column:
        """A boolean that is never null: pandas holds it as bool."""
        return Column(Sql(text, "bool", False, "bool"), self.dialect)

    def _made(self, text: Any, kind: str, nullable: bool, dtype: str | None = None) -> Column:
        return Column(Sql(text, kind, nullable, dtype), self.dialect)

    # ---- comparisons: a null on either side compares False (True for !=), as in pandas -------------------

    def _compare(self, other: Any, op: str) -> Column:
        a, b = self.sql, self._operand(other)
        if not _comparable(a, b) or (op not in ("eq", "ne") and a.kind == "bool"):
            raise NotLowerable(op)
        return self._bool(self.dialect.compare(a, op, b))

    def __eq__(self, other: object) -> Column:  # type: ignore[override]
        return self._compare(other, "eq")

    def __ne__(self, other: object) -> Column:  # type: ignore[override]
        return self._compare(other, "ne")

    def __lt__(self, other: Any) -> Column:
        return self._compare(other, "lt")

    def __le__(self, other: Any) -> Column:
        return self._compare(other, "le")

    def __gt__(self, other: Any) -> Column:
        return self._compare(other, "gt")

    def __ge__(self, other: Any) -> Column:
        return self._compare(other, "ge")

    def isin(self, values: Any) -> Column:
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise NotLowerable("isin")
        items = [literal(v, self.dialect) for v in values]
        a = self.sql
        if not items:
            return self._bool(self.dialect.false())
        if not all(_comparable(a, b) for b in items):
            raise NotLowerable("isin across kinds")
        return self._bool(self.dialect.isin(a, items))

    def isna(self) -> Column:
        return self._bool(self.dialect.isna(self.sql))

    def notna(self) -> Column:
        return self._bool(self.dialect.notna(self.sql))

    isnull, notnull = isna, notna

    # ---- logic: only over values that are never null (pandas' object logic differs from SQL's on nulls) --

    def _logic(self, other: Any, op: str) -> Column:
        a, b = self.sql, self._operand(other)
        if a.kind != "bool" or b.kind != "bool" or a.nullable or b.nullable:
            raise NotLowerable(op)
        return self._bool(self.dialect.logic(a, op, b))

    def __and__(self, other: Any) -> Column:
        return self._logic(other, "AND")

    def __rand__(self, other: Any) -> Column:
        return self._logic(other, "AND")

    def __or__(self, other: Any) -> Column:
        return self._logic(other, "OR")

    def __ror__(self, other: Any) -> Column:
        return self._logic(other, "OR")

    def __invert__(self) -> Column:
        if self.sql.kind != "bool" or self.sql.nullable:
            raise NotLowerable("~")
        return self._bool(self.dialect.negate(self.sql))

    # ---- arithmetic: + - * on numbers (int stays int), + on texts ------------------------------------------

    def _arith(self, other: Any, op: str, reflected: bool = False) -> Column:
        a, b = self.sql, self._operand(other)
        if reflected:
            a, b = b, a
        if op == "+" and a.kind == b.kind == "str" and "object" not in (a.dtype, b.dtype):
            return self._made(self.dialect.concat(a, b), "str", a.nullable or b.nullable)
        if a.kind not in ("int", "float") or b.kind not in ("int", "float"):
            raise NotLowerable(op)
        kind = "int" if a.kind == b.kind == "int" else "float"
        if kind == "int" and not self.dialect.int_arithmetic:
            raise NotLowerable(op)
        nullable = a.nullable or b.nullable or kind == "float" and self.dialect.nan_is_null
        return self._made(self.dialect.arith(a, op, b, kind), kind, nullable)

    def __add__(self, other: Any) -> Column:
        return self._arith(other, "+")

    def __radd__(self, other: Any) -> Column:
        return self._arith(other, "+", reflected=True)

    def __sub__(self, other: Any) -> Column:
        return self._arith(other, "-")

    def __rsub__(self, other: Any) -> Column:
        return self._arith(other, "-", reflected=True)

    def __mul__(self, other: Any) -> Column:
        return self._arith(other, "*")

    def __rmul__(self, other: Any) -> Column:
        return self._arith(other, "*", reflected=True)

    def _signed(self, name: str) -> None:
        if not _numeric(self.sql.kind) or "int" in self.sql.kind and not self.dialect.int_arithmetic:
            raise NotLowerable(name)

    def __neg__(self) -> Column:
        self._signed("-")
        return self._made(self.dialect.neg(self.sql), self.sql.kind, self.sql.nullable)

    def abs(self) -> Column:
        self._signed("abs")
        return self._made(self.dialect.absolute(self.sql), self.sql.kind, self.sql.nullable)

    __abs__ = abs

    def astype(self, dtype: Any) -> Column:
        name = str(np.dtype(dtype)) if not isinstance(dtype, str) else dtype
        a = self.sql
        if a.nullable:
            raise NotLowerable("astype")  # pandas raises on nulls (int) or keeps NaN in ways of its own
        if name in ("int64", "int") and a.kind in ("bool", "int"):
            return self._made(self.dialect.cast(a, "int"), "int", False)
        if name in ("float64", "float") and a.kind in ("bool", "int", "float"):
            return self._made(self.dialect.cast(a, "float"), "float", False)
        raise NotLowerable("astype")

    # ---- accessors ----------------------------------------------------------------------------------------

    @property
    def str(self) -> _Str:
        if self.sql.kind != "str":
            raise NotLowerable(".str")
        return _Str(self)

    @property
    def dt(self) -> _Dt:
        if self.sql.kind != "time":
            raise NotLowerable(".dt")
        return _Dt(self)

    # a traced value is no Python value: `if`, NumPy and formatting stop the tracing
    def __bool__(self) -> bool:
        raise NotLowerable("bool")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotLowerable("array")

    def __iter__(self) -> Any:
        raise NotLowerable("iter")

    def __len__(self) -> int:
        raise NotLowerable("len")

    def __format__(self, spec: builtins.str) -> builtins.str:
        raise NotLowerable("format")

    def __getattr__(self, name: builtins.str) -> Any:
        raise NotLowerable(name)


def _ascii(text: str, sql: str, python: str) -> str:
    """`sql` where the text is ASCII (its bytes are its characters), else `python`: outside ASCII, pandas
    maps case with Arrow's functions in a text column and with Python's (`'İ'.lower()` is two letters) in
    an object column, and DuckDB need agree with neither."""
    return f"(CASE WHEN strlen({text}) = length({text}) THEN {sql} ELSE {python} END)"


class _Str:
    """`Series.str` on a symbolic column of texts."""

    def __init__(self, column: Column) -> None:
        self.column, self.sql, self.dialect = column, column.sql, column.dialect

    def _case(self, how: str) -> Column:
        return Column(Sql(self.dialect.case(self.sql, how), "str", self.sql.nullable, self.sql.dtype,
                          self.sql if how == "lower" else None), self.dialect)

    def lower(self) -> Column:
        return self._case("lower")

    def upper(self) -> Column:
        return self._case("upper")

    def len(self) -> Column:
        return self.column._made(self.dialect.length(self.sql), "int", self.sql.nullable)

    def _match(self, pattern: Any, how: str) -> Column:
        if not isinstance(pattern, str):
            raise NotLowerable(how)
        text = self.dialect.match(self.sql, how, pattern)
        if self.sql.dtype == "object" and self.sql.nullable:
            return self.column._made(text, "bool", True)  # NaN where the text is null
        # a text column says False
        return self.column._bool(self.dialect.or_false(text) if self.sql.nullable else text)

    def startswith(self, pattern: Any) -> Column:
        return self._match(pattern, "starts_with")

    def endswith(self, pattern: Any) -> Column:
        return self._match(pattern, "ends_with")

    def contains(self, pat: Any, case: bool = True, flags: int = 0, na: Any = None, regex: bool = True) -> Column:
        if not isinstance(pat, str) or flags or na is not None or not case:
            raise NotLowerable("contains")
        if not regex:
            return self._match(pat, "contains")
        if not _PLAIN_PATTERN.fullmatch(pat) or "|" in (pat[:1], pat[-1:]) or "||" in pat:
            raise NotLowerable("contains: a pattern beyond literal alternatives")
        return self._match(pat, "regexp_matches")


class _Dt:
    """`Series.dt` on a symbolic column of timestamps: the date parts, as pandas' int32."""

    def __init__(self, column: Column) -> None:
        self.column = column

    def _part(self, part: str) -> Column:
        sql = self.column.sql
        return self.column._made(self.column.dialect.date_part(sql, part), "narrow int", sql.nullable)

    @property
    def year(self) -> Column:
        return self._part("year")

    @property
    def month(self) -> Column:
        return self._part("month")

    @property
    def day(self) -> Column:
        return self._part("day")


# pandas' case mappings as DuckDB functions over Arrow arrays, called only on texts outside ASCII:
# Python's (an object column) and Arrow's (a text column)
PY_LOWER, PY_UPPER = "__lester_py_lower", "__lester_py_upper"
ARROW_LOWER, ARROW_UPPER = "__lester_arrow_lower", "__lester_arrow_upper"


def python_functions() -> dict[str, Callable[[Any], Any]]:
    """The vectorised (Arrow) Python functions lowered expressions call, by name."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def mapped(method: Callable[[str], str]) -> Callable[[Any], Any]:
        def call(texts: Any) -> Any:
            return pa.array([None if t is None else method(t) for t in texts.to_pylist()], pa.string())

        return call

    return {PY_LOWER: mapped(str.lower), PY_UPPER: mapped(str.upper),
            ARROW_LOWER: lambda texts: pc.utf8_lower(texts), ARROW_UPPER: lambda texts: pc.utf8_upper(texts)}
