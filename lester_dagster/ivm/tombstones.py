"""What the journal's accepted requests still find in a copy of a source: the keys of rows they erase and,
per set of redacted columns, the keys of rows whose cells still hold values. A lake table is changed
by exactly these, in its own transaction; a copy that holds none of them is left alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lester_dagster.engine import SourceData
from lester_dagster.ivm.requests import DeletionRequest


@dataclass(frozen=True)
class Pending:
    """Keys (as the source's key column holds them) still to erase, and still to redact per columns."""

    erase: list[Any] = field(default_factory=list)
    redact: dict[tuple[str, ...], list[Any]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.erase)

    @property
    def empty(self) -> bool:
        return not self.erase and not any(self.redact.values())


def pending(data: SourceData, effects: Sequence[DeletionRequest]) -> Pending:
    """The effects on `data.name` that `data` does not reflect yet (a keyless source: by row id)."""
    mine = [e for e in effects if e.source == data.name]
    keys = data.frame[data.key].to_numpy() if data.key is not None else data.ids
    erase_ids = [data.ids_for(e.keys) for e in mine if e.action == "erase"]
    gone = data.rows_with(np.concatenate(erase_ids)) if erase_ids else np.zeros(len(data.ids), dtype=bool)
    redact: dict[tuple[str, ...], list[Any]] = {}
    for e in mine:
        if e.action == "redact":
            rows = data.rows_with(data.ids_for(e.keys)) & ~gone
            filled = data.frame.loc[rows, list(e.columns)].notna().any(axis=1).to_numpy()
            hit = keys[rows][filled]
            if len(hit):
                redact.setdefault(e.columns, []).extend(_plain(k) for k in hit)
    return Pending([_plain(k) for k in keys[gone]], {c: sorted(set(k), key=str) for c, k in redact.items()})


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
