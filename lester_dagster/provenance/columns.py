"""Column provenance: for each output column, the set of (source, column) pairs its values derive from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple


class SourceColumn(NamedTuple):
    """One column of one named source."""

    source: str
    column: str

    def __str__(self) -> str:
        return f"{self.source}.{self.column}"


Lineage = frozenset[SourceColumn]
ColumnLineage = Mapping[str, Lineage]


def union(lineages: Iterable[Lineage]) -> Lineage:
    out: set[SourceColumn] = set()
    for lineage in lineages:
        out |= lineage
    return frozenset(out)


def columns_reading(lineage: ColumnLineage, source: str, columns: Iterable[str] | None = None) -> list[str]:
    """Output columns whose values derive from the given source (optionally only from these columns)."""
    wanted = None if columns is None else set(columns)
    return [
        out
        for out, sources in lineage.items()
        if any(sc.source == source and (wanted is None or sc.column in wanted) for sc in sources)
    ]
