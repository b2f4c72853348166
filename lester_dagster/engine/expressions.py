"""Checks on what filters and projections read, done when an operator is built: the columns a query string
names, the parameters it takes, and the data a user function could reach besides its declared inputs."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from lester_dagster.engine.nodes import Query, Udf
from lester_dagster.errors import ColumnNotFoundError, ExpressionError, UndeclaredColumnError

_PARAM = re.compile(r"@([A-Za-z_]\w*)")
_BACKTICK = re.compile(r"`([^`]*)`")
# Names pandas.eval understands as functions or constants rather than columns.
_BUILTIN_NAMES = frozenset(
    {"True", "False", "None", "abs", "sin", "cos", "tan", "exp", "log", "log10", "log1p", "expm1",
     "sqrt", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arccosh", "arcsinh", "arctanh",
     "arctan2", "floor", "ceil"}
)


def parse_query(operator: str, expr: str, params: Mapping[str, Any], columns: Sequence[str]) -> Query:
    """A query string (pandas syntax) whose column names and `@` parameters are checked now."""
    if not isinstance(expr, str) or not expr.strip():
        raise ExpressionError(f"{operator}: expected a non-empty expression string, got {expr!r}.")
    quoted: dict[str, str] = {}

    def quote(match: re.Match[str]) -> str:
        placeholder = f"__lester_col_{len(quoted)}"
        quoted[placeholder] = match.group(1)
        return placeholder

    python = _PARAM.sub(r"__lester_param_\1", _BACKTICK.sub(quote, expr))
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"{operator}: cannot parse expression {expr!r}: {error.msg}.") from None
    used: list[str] = []
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
        if column not in used:
            used.append(column)
    unused = set(params) - {m.group(1) for m in _PARAM.finditer(expr)}
    if unused:
        raise ExpressionError(f"{operator}: parameters {sorted(unused)} are not used by expression {expr!r}.")
    return Query(expr, tuple(used), dict(params))


def evaluate_query(query: Query, frame: pd.DataFrame) -> pd.Series:
    """Evaluates on the declared columns only, so the expression cannot read anything else."""
    return frame[list(query.columns)].eval(query.expr, local_dict=dict(query.params), engine="python")


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
