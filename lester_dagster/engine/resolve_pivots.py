"""A plan's pivots without declared values, given the values a run finds: every backend runs the plan this
returns, so the pivot's value columns, and those of the operators after it, are known before it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pandas as pd

from lester_dagster.engine import nodes as n
from lester_dagster.errors import DuplicateColumnError

Column = Callable[[n.Node, str], pd.Series]


def pivot_values(values: pd.Series) -> list[Any]:
    """The distinct non-null values of a pivot column, in the order of the output columns."""
    return sorted(values.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def open_pivots(root: n.Node) -> Iterator[n.Pivot]:
    """The plan's pivots without declared values, each once."""
    yield from (node for node in n.walk(root) if isinstance(node, n.Pivot) and node.column_values is None)


def resolve_pivots(root: n.Node, column: Column) -> n.Node:
    """`root` with each pivot without declared values given the distinct values of its pivot column in
    this run (`column(its resolved parent, name)`: that column's values in the parent's output), parents
    first; the operators above such a pivot are rebuilt over it, every other node is kept as it is (so a
    backend's memo of the nodes below still applies). A plan without one comes back unchanged."""
    if next(open_pivots(root), None) is None:
        return root
    memo: dict[int, n.Node] = {}

    def visit(node: n.Node) -> n.Node:
        if id(node) in memo:
            return memo[id(node)]
        parents = tuple(visit(p) for p in node.parents)
        out = node
        if any(new is not old for new, old in zip(parents, node.parents, strict=True)):
            out = _rebuilt(node, parents)
        if isinstance(out, n.Pivot) and out.column_values is None:
            out = replace(out, column_values=tuple(pivot_values(column(out.parent, out.pivot_column))))
        if out is not node:
            _check_names(out, node)
        memo[id(node)] = out
        return out

    return visit(root)


def _rebuilt(node: n.Node, parents: tuple[n.Node, ...]) -> n.Node:
    if isinstance(node, n.Join):
        return replace(node, left=parents[0], right=parents[1])
    if isinstance(node, n.Union):
        return replace(node, inputs=parents)
    assert isinstance(node, n.Unary), type(node).__name__
    return replace(node, parent=parents[0])


def _check_names(node: n.Node, built: n.Node) -> None:
    pivot = built.open_pivot or (built if isinstance(built, n.Pivot) else None)
    names = _names(node)
    clashes = sorted({c for c in names if names.count(c) > 1})
    if clashes:
        where = pivot.describe() if pivot is not None else "a pivot"
        raise DuplicateColumnError(
            f"{built.describe()}: the values {where} found in this run give duplicate columns {clashes}. Pass "
            "column_values=[...] to the pivot to fix its columns, or rename the clashing ones."
        )


def _names(node: n.Node) -> list[str]:
    """The output's column names, each as often as the operator makes it (`columns` would merge them)."""
    if isinstance(node, n.Join):
        return [*node.output_names[0].values(), *node.output_names[1].values()]
    if isinstance(node, n.Pivot):
        return [*node.index, *node.value_names]
    if isinstance(node, n.Rename):
        return [node.mapping.get(c, c) for c in node.parent.columns]
    return list(node.columns)
