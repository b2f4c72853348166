"""Checks on what filters and projections read, done when an operator is built: the columns a query string
names, the parameters it takes, and the data a user function could reach besides its declared inputs."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.engine.nodes import Query, Udf
from lester_dagster.errors import ColumnNotFoundError, ExpressionError, NotRowWiseError, UndeclaredColumnError

# a string literal (left as it is: an '@' or a backtick inside one is text), a `quoted column` or an @param
_TOKENS = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|`([^`]*)`|@([A-Za-z_]\w*)""")
# Names pandas.eval understands as functions or constants rather than columns.
_BUILTIN_NAMES = frozenset(
    {"True", "False", "None", "abs", "sin", "cos", "tan", "exp", "log", "log10", "log1p", "expm1",
     "sqrt", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arccosh", "arcsinh", "arctanh",
     "arctan2", "floor", "ceil"}
)


class _Vectorise(ast.NodeTransformer):
    """Rewrites a query's Python AST with the pandas query semantics on whole columns: `and`, `or`,
    `not` become `&`, `|`, `~`; `x in [..]` and `x == [..]` become `x.isin([..])`; `a < b < c` becomes
    `(a < b) & (b < c)`."""

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        op = ast.BitAnd() if isinstance(node.op, ast.And) else ast.BitOr()
        values = [self.visit(v) for v in node.values]
        out = values[0]
        for value in values[1:]:
            out = ast.BinOp(out, op, value)
        return out

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        operand = self.visit(node.operand)
        return ast.UnaryOp(ast.Invert() if isinstance(node.op, ast.Not) else node.op, operand)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        operands = [self.visit(node.left), *(self.visit(c) for c in node.comparators)]
        parts = [self._compare(a, op, b) for a, op, b in zip(operands, node.ops, operands[1:], strict=False)]
        out = parts[0]
        for part in parts[1:]:
            out = ast.BinOp(out, ast.BitAnd(), part)
        return out

    @staticmethod
    def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr) -> ast.expr:
        membership = isinstance(op, (ast.In, ast.NotIn)) or (
            isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, (ast.List, ast.Tuple))
        )
        if not membership:
            return ast.Compare(left, [op], [right])
        isin = ast.Call(ast.Attribute(left, "isin", ast.Load()), [right], [])
        return ast.UnaryOp(ast.Invert(), isin) if isinstance(op, (ast.NotIn, ast.NotEq)) else isin


_FUNCTIONS = {name: getattr(np, name) for name in _BUILTIN_NAMES - {"True", "False", "None"}}

# Column methods whose value for a row depends on other rows. Under the .str/.dt/.cat accessors the same
# names (`s.str.count("a")`) work row by row, so those are allowed.
_ACROSS_ROWS = frozenset(
    {"mean", "median", "sum", "min", "max", "std", "var", "sem", "prod", "count", "nunique", "unique", "mode",
     "quantile", "rank", "cumsum", "cumprod", "cummax", "cummin", "shift", "diff", "pct_change", "rolling",
     "expanding", "ewm", "duplicated", "drop_duplicates", "value_counts", "sort_values", "argsort", "idxmax",
     "idxmin", "nlargest", "nsmallest", "head", "tail", "first", "last", "interpolate", "ffill", "bfill",
     "transform", "agg", "aggregate", "any", "all", "sample", "iloc", "loc", "iat", "at", "corr", "cov", "kurt",
     "skew", "describe", "factorize", "size", "shape", "groupby", "resample", "reindex", "T", "values", "array"}
)
_ACCESSORS = frozenset({"str", "dt", "cat"})


def parse_query(operator: str, expr: str, params: Mapping[str, Any], columns: Sequence[str]) -> Query:
    """A query string (pandas syntax) whose column names and `@` parameters are checked now, compiled
    once into a vectorised expression over the columns it names."""
    if not isinstance(expr, str) or not expr.strip():
        raise ExpressionError(f"{operator}: expected a non-empty expression string, got {expr!r}.")
    quoted: dict[str, str] = {}
    used: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        literal, column, param = match.groups()
        if literal is not None:
            return literal
        if column is not None:
            placeholder = f"__lester_col_{len(quoted)}"
            quoted[placeholder] = column
            return placeholder
        used.add(param)
        return f"__lester_param_{param}"

    python = _TOKENS.sub(rewrite, expr)
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"{operator}: cannot parse expression {expr!r}: {error.msg}.") from None
    names: dict[str, str] = {}  # name in the compiled expression -> column
    for name in (n for n in ast.walk(tree) if isinstance(n, ast.Name)):
        if name.id.startswith("__lester_param_"):
            param = name.id.removeprefix("__lester_param_")
            if param not in params:
                raise ExpressionError(
                    f"{operator}: expression {expr!r} uses @{param} but no parameter {param!r} was passed. "
                    f"Pass it explicitly, e.g. .filter({expr!r}, {param}=...)."
                )
            continue
        if name.id in _BUILTIN_NAMES and name.id not in columns:
            continue
        column = quoted.get(name.id, name.id)
        if column not in columns:
            raise ColumnNotFoundError(
                operator, column, columns, hint="Refer to Python values as @name and pass them as keyword arguments."
            )
        names[name.id] = column
    _check_row_wise(operator, expr, tree)
    unused = set(params) - used
    if unused:
        raise ExpressionError(f"{operator}: parameters {sorted(unused)} are not used by expression {expr!r}.")
    code = compile(ast.fix_missing_locations(_Vectorise().visit(tree)), f"<{operator}>", "eval")
    return Query(expr, tuple(dict.fromkeys(names.values())), dict(params), code, names)


def _check_row_wise(operator: str, expr: str, tree: ast.AST) -> None:
    """An expression that reads other rows (`v > v.mean()`) is refused where it is written."""
    for node in ast.walk(tree):
        value = getattr(node, "value", None)
        accessor = isinstance(value, ast.Attribute) and value.attr in _ACCESSORS
        if isinstance(node, ast.Attribute) and node.attr in _ACROSS_ROWS and not accessor:
            raise NotRowWiseError(
                f"{operator}: expression {expr!r} calls .{node.attr}, which reads other rows than the row's own. "
                "Incremental maintenance re-derives rows from parts of the data, so the engine refuses it. "
                "Compute the statistic with groupby(...).agg(...), join it back on the group key, and compare "
                "with the joined column."
            )


def evaluate_query(query: Query, frame: pd.DataFrame) -> Any:
    """Evaluates on the declared columns only, so the expression cannot read anything else."""
    namespace: dict[str, Any] = {f"__lester_param_{k}": v for k, v in query.params.items()}
    namespace.update(_FUNCTIONS)
    namespace.update({name: frame[column] for name, column in query.names.items()})
    try:
        return eval(query.code, {"__builtins__": {}}, namespace)  # noqa: S307 - compiled from a checked AST
    except Exception as error:
        raise ExpressionError(f"cannot evaluate {query.expr!r} on columns {list(query.columns)}: {error!r}") from error


def check_udf(
    operator: str,
    fn: Callable[..., Any],
    inputs: str | Sequence[str],
    columns: Sequence[str],
    vectorized: bool | None = None,
) -> Udf:
    """A user function that can read exactly its declared input columns, and no other data."""
    if not callable(fn):
        raise ExpressionError(f"{operator}: expected a function or an expression string, got {fn!r}.")
    inputs = (inputs,) if isinstance(inputs, str) else tuple(inputs)
    if not inputs:
        raise ExpressionError(f"{operator}: declare the input columns the function reads (inputs=[...]).")
    for column in inputs:
        if column not in columns:
            raise ColumnNotFoundError(operator, column, columns)
    _check_arity(operator, fn, inputs)
    _check_hidden_data(operator, fn, inputs)
    return Udf(fn, inputs, vectorized)


def _check_arity(operator: str, fn: Callable[..., Any], inputs: tuple[str, ...]) -> None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and ufuncs without a signature
        return
    try:
        signature.bind(*inputs)
    except TypeError:
        raise UndeclaredColumnError(
            f"{operator}: function {_name(fn)}{signature} cannot take its {len(inputs)} declared input "
            f"column(s) {list(inputs)} as positional arguments. It is called with one argument per "
            "declared input; declare every column it reads, in the order of its parameters."
        ) from None


def _check_hidden_data(operator: str, fn: Callable[..., Any], inputs: tuple[str, ...]) -> None:
    """A function that captures a DataFrame or Series reads data outside its declared columns."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    captured: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or (), strict=False):
        try:
            captured[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    namespace = getattr(fn, "__globals__", {})
    captured.update({n: namespace[n] for n in code.co_names if n in namespace})
    for name, value in captured.items():
        if isinstance(value, (pd.DataFrame, pd.Series)) or type(value).__name__ == "Table":
            raise UndeclaredColumnError(
                f"{operator}: function {_name(fn)} reads {type(value).__name__} {name!r} from its "
                f"enclosing scope, outside its declared inputs {list(inputs)}, so its lineage would be "
                "wrong. Join that data in and declare the columns as inputs instead."
            )


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
