"""Incremental maintenance of an engine table under a change of one source: the rows whose provenance
mentions the changed source rows are re-derived from just the source rows in their provenance, and
spliced into the old result; nothing else is recomputed.

Which rows can change decides how:
* erasing from a monotone plan (no aggregate, no left join) only removes rows: `delete-rows`;
* a change that cannot make rows appear or vanish elsewhere (an erase under aggregates, a redaction of
  columns no filter, join key or group key reads) re-derives the affected rows from the source rows
  in their polynomials: `rederive`;
* a redaction of a column that decides which rows exist, in a monotone plan, re-derives every row the
  changed source rows could join into: `rederive-wide`;
* anything else (left joins, redacted group keys) runs the plan again: `full`, still correct.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lester_dagster.engine import Result, SourceData, execute
from lester_dagster.engine import nodes as n
from lester_dagster.provenance import RowProvenance, SourceColumn

_MONOTONE = (n.Source, n.Filter, n.Project, n.Select, n.Rename, n.Union, n.Explode, n.DropNA, n.FillNA, n.Sort, n.Unpivot)


@dataclass(frozen=True)
class TableUpdate:
    """The new version of a table and how its rows relate to the old version's."""

    result: Result
    origin: np.ndarray  # per new row: the old row it continues, or -1 for a row derived anew
    changed: np.ndarray  # per new row: True where values in `columns` may differ from the origin row's
    columns: tuple[str, ...]  # columns that may have changed in rows with changed=True and an origin
    removed: np.ndarray  # old row positions that are gone
    mode: str

    @property
    def added(self) -> np.ndarray:
        return np.flatnonzero(self.origin < 0)

    def cells_touched(self) -> int:
        width = len(self.result.frame.columns)
        patched = int((self.changed & (self.origin >= 0)).sum()) * len(self.columns)
        return patched + (len(self.removed) + len(self.added)) * width


def is_monotone(node: n.Node) -> bool:
    """Deleting source rows only deletes output rows (no aggregates, no left joins)."""
    if isinstance(node, n.Join):
        ok = node.how == "inner"
    else:
        ok = isinstance(node, _MONOTONE)
    return ok and all(is_monotone(p) for p in node.parents)


def maintain(
    root: n.Node,
    old: Result,
    new_sources: Mapping[str, SourceData],
    source: str,
    changed_ids: np.ndarray,
    erased: bool,
    columns: tuple[str, ...] = (),
) -> TableUpdate:
    """The table under `root` after source `source` changed in rows `changed_ids` (erased, or with
    `columns` redacted), given its old result and the sources' new versions."""
    affected = old.provenance.depends_on(source, changed_ids)
    redacted = {SourceColumn(source, c) for c in columns}
    out_columns = tuple(c for c, lineage in old.lineage.items() if erased or lineage & redacted)
    if (not affected.any() or not (erased or out_columns)) and (erased or not redacted & root.row_lineage):
        # no row depends on the change, or the redacted columns feed no value and decide no row
        return _unchanged(old, new_sources)
    monotone = is_monotone(root)
    if erased and monotone:
        return _delete_rows(old, affected, new_sources)
    try:
        if not (redacted & root.row_lineage) and not _has_left_join(root):
            sub = execute(root, _restricted(old.provenance, affected, new_sources))
            return _splice(old, affected, sub, new_sources, out_columns, "rederive", keep_new=None)
        if monotone:
            wide = dict(new_sources)
            ids = np.union1d(changed_ids, _ids_of(old.provenance, affected, source))
            wide[source] = _rows_with_ids(new_sources[source], ids)
            sub = execute(root, wide)
            return _splice(
                old, affected, sub, new_sources, tuple(old.lineage), "rederive-wide", keep_new=(source, changed_ids)
            )
    except _Unexplained:
        pass
    return _full(root, old, affected, new_sources)


def _has_left_join(node: n.Node) -> bool:
    return (isinstance(node, n.Join) and node.how == "left") or any(_has_left_join(p) for p in node.parents)


def _unchanged(old: Result, new_sources: Mapping[str, SourceData]) -> TableUpdate:
    rows = len(old.frame)
    result = Result(old.frame, old.provenance, old.lineage, old.row_lineage, new_sources)
    return TableUpdate(result, np.arange(rows), np.zeros(rows, bool), (), np.empty(0, np.int64), "unchanged")


def _delete_rows(old: Result, affected: np.ndarray, new_sources: Mapping[str, SourceData]) -> TableUpdate:
    keep = ~affected
    frame = old.frame[keep].reset_index(drop=True)
    result = Result(frame, old.provenance.filter(keep), old.lineage, old.row_lineage, new_sources)
    kept = np.flatnonzero(keep)
    return TableUpdate(result, kept, np.zeros(len(kept), bool), (), np.flatnonzero(affected), "delete-rows")


def _ids_of(provenance: RowProvenance, rows: np.ndarray, source: str) -> np.ndarray:
    if source not in provenance:
        return np.empty(0, np.int64)
    return np.unique(provenance[source].take(np.flatnonzero(rows)).ids)


def _rows_with_ids(data: SourceData, ids: np.ndarray) -> SourceData:
    mask = np.isin(data.ids, ids)
    return SourceData(data.name, data.key, data.frame[mask].reset_index(drop=True), data.ids[mask])


def _restricted(
    provenance: RowProvenance, affected: np.ndarray, new_sources: Mapping[str, SourceData]
) -> dict[str, SourceData]:
    """Each source cut down to the rows in the affected rows' polynomials (in their new versions)."""
    return {name: _rows_with_ids(data, _ids_of(provenance, affected, name)) for name, data in new_sources.items()}


def rederive(root: n.Node, result: Result, rows: np.ndarray) -> Result:
    """Runs the plan on just the source rows in the given rows' polynomials: those rows, recomputed
    (plus possibly rows of unaffected parts, which callers match by provenance)."""
    mask = np.zeros(len(result.frame), dtype=bool)
    mask[rows] = True
    return execute(root, _restricted(result.provenance, mask, result.sources))



class _Unexplained(Exception):
    """A re-derived row that continues no affected row and copies no unaffected one: re-run instead."""


_MAX_SIDE_EFFECT_ROWS = 64  # re-derived rows of unaffected parts we are willing to check one by one


def _splice(
    old: Result,
    affected: np.ndarray,
    sub: Result,
    new_sources: Mapping[str, SourceData],
    columns: tuple[str, ...],
    mode: str,
    keep_new: tuple[str, np.ndarray] | None,
) -> TableUpdate:
    """Puts the re-derived rows `sub` in place of the affected old rows.

    Every sub row must be explained, or the splice is refused (`_Unexplained`): it continues the
    affected old row with the same polynomial; or, after an erase shrank a group, the one affected
    row whose polynomial contains its own; or (`keep_new`: it mentions the changed ids) it is a row that
    appears with the change; or it is a copy of an unaffected old row, re-derived as a side effect.
    """
    affected_rows = np.flatnonzero(affected)
    by_key: dict[tuple, list[int]] = defaultdict(list)
    for i in affected_rows:
        by_key[old.provenance.row_key(int(i))].append(int(i))
    continues = np.full(len(sub.frame), -1, dtype=np.int64)
    pending = []
    for j in range(len(sub.frame)):
        candidates = by_key.get(sub.provenance.row_key(j))
        if candidates:
            continues[j] = candidates.pop(0)
        else:
            pending.append(j)
    new_rows = np.zeros(len(sub.frame), bool)
    if keep_new is not None and pending:
        source, ids = keep_new
        mentions = sub.provenance.depends_on(source, ids)
        new_rows[[j for j in pending if mentions[j]]] = True
        pending = [j for j in pending if not mentions[j]]
    leftover_old = [i for rows in by_key.values() for i in rows]
    if pending and leftover_old:
        pending = _match_shrunk_groups(old.provenance, leftover_old, sub.provenance, pending, continues)
    if len(pending) > _MAX_SIDE_EFFECT_ROWS or not all(_copies_unaffected(old, affected, sub, j) for j in pending):
        raise _Unexplained
    used = continues >= 0
    removed = np.setdiff1d(affected_rows, continues[used])
    return _assemble(old, affected, removed, sub, new_sources, continues, used, new_rows, columns, mode)


def _members(provenance: RowProvenance, row: int) -> Counter[tuple[str, int]]:
    return Counter((s, x) for s, ids in provenance.row(row).items() for x in ids.tolist())


def _match_shrunk_groups(
    old: RowProvenance, leftover_old: list[int], sub: RowProvenance, pending: list[int], continues: np.ndarray
) -> list[int]:
    """Matches sub rows to the one leftover old row whose polynomial contains theirs (as multisets: a
    row joined with its own group holds its id twice); returns the sub rows still unmatched."""
    old_members = {i: _members(old, i) for i in leftover_old}
    unmatched = []
    for j in pending:
        members = _members(sub, j)
        candidates = [i for i, have in old_members.items() if members and all(have[m] >= c for m, c in members.items())]
        if len(candidates) > 1:
            raise _Unexplained
        if candidates:
            continues[j] = candidates[0]
            del old_members[candidates[0]]
        else:
            unmatched.append(j)
    return unmatched


def _copies_unaffected(old: Result, affected: np.ndarray, sub: Result, row: int) -> bool:
    key = sub.provenance.row_key(row)
    if not key:
        return False
    source, ids = key[0]
    candidates = np.flatnonzero(old.provenance.depends_on(source, ids[:1]) & ~affected)
    return any(old.provenance.row_key(int(i)) == key for i in candidates)


def _assemble(
    old: Result,
    affected: np.ndarray,
    removed: np.ndarray,
    sub: Result,
    new_sources: Mapping[str, SourceData],
    continues: np.ndarray,
    used: np.ndarray,
    new_rows: np.ndarray,
    columns: tuple[str, ...],
    mode: str,
) -> TableUpdate:
    replacement = np.full(len(old.frame), -1, dtype=np.int64)
    replacement[continues[used]] = np.flatnonzero(used)
    keep_old = np.ones(len(old.frame), bool)
    keep_old[removed] = False
    added = np.flatnonzero(new_rows)
    if len(removed) == 0 and len(added) == 0:
        # every affected row continues in place: patch the changed columns, copy nothing else
        rows = np.flatnonzero(affected)
        frame = _patched(old.frame, rows, sub.frame.iloc[replacement[rows]], columns)
        provenance = _patched_provenance(old.provenance, rows, sub.provenance, replacement[rows])
        origin = np.arange(len(old.frame))
        changed = affected.copy()
    else:
        kept = np.flatnonzero(keep_old)
        # old rows keep their place; a continued row takes its re-derived values; new rows go last
        stacked = pd.concat([old.frame, sub.frame.astype(old.frame.dtypes.to_dict(), errors="ignore")], ignore_index=True)
        take = np.where(replacement[kept] >= 0, len(old.frame) + replacement[kept], kept)
        take = np.concatenate([take, len(old.frame) + added])
        frame = stacked.iloc[take].reset_index(drop=True)
        provenance = RowProvenance.concat([old.provenance, sub.provenance]).take(take)
        origin = np.concatenate([kept, np.full(len(added), -1, dtype=np.int64)])
        changed = np.concatenate([affected[kept], np.ones(len(added), bool)])
    result = Result(frame, provenance, old.lineage, old.row_lineage, new_sources)
    return TableUpdate(result, origin, changed, columns, removed, mode)


def _patched(frame: pd.DataFrame, rows: np.ndarray, values: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy(deep=False)
    for column in columns:
        new = values[column].to_numpy()
        try:
            out.iloc[rows, out.columns.get_loc(column)] = new
        except (TypeError, ValueError):  # a value the old dtype cannot hold: widen the column
            widened = out[column].astype(object)
            widened.iloc[rows] = new
            out[column] = widened
    return out


def _patched_provenance(
    old: RowProvenance, rows: np.ndarray, sub: RowProvenance, sub_rows: np.ndarray
) -> RowProvenance:
    # a continued row has the same polynomial unless a group shrank; only then rebuild
    if all(old.row_key(int(i)) == sub.row_key(int(j)) for i, j in zip(rows, sub_rows, strict=True)):
        return old
    order = np.arange(old.n_rows)
    order[rows] = old.n_rows + sub_rows
    return RowProvenance.concat([old, sub]).take(order)


def _full(root: n.Node, old: Result, affected: np.ndarray, new_sources: Mapping[str, SourceData]) -> TableUpdate:
    """Runs the whole plan again; rows whose polynomial is unchanged and was not affected continue."""
    new = execute(root, dict(new_sources))
    old_rows: dict[tuple, list[int]] = defaultdict(list)
    for i in np.flatnonzero(~affected):
        old_rows[old.provenance.row_key(int(i))].append(int(i))
    origin = np.full(len(new.frame), -1, dtype=np.int64)
    for j in range(len(new.frame)):
        candidates = old_rows.get(new.provenance.row_key(j))
        if candidates:
            origin[j] = candidates.pop(0)
    removed = np.setdiff1d(np.arange(len(old.frame)), origin[origin >= 0])
    return TableUpdate(new, origin, origin < 0, tuple(old.lineage), removed, "full")
