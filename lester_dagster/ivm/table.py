"""Incremental maintenance of an engine table under a change of one source: the rows whose provenance
mentions the changed source rows are re-derived from just the source rows in their provenance, and
spliced into the old result; nothing else is recomputed.

Every operator declares its class under deletions (`nodes.OpClass`); the classes of the operators the
changed source reaches pick the rule:

* monotone and order-dependent operators only (an inner join, a left join the source reaches through its
  left side, a sort): erasing only removes rows, in their order: `delete-rows`;
* a change that cannot make rows appear, vanish or move elsewhere (an erase under aggregates, a
  redaction of columns that no filter, join key, group key or sort key reads) re-derives the affected
  rows from the source rows in their polynomials: `rederive`;
* a redaction of a column that decides which rows exist, where the source reaches no aggregate and is
  not joined with itself, re-derives every row the changed source rows could join into: `rederive-wide`;
* anything else runs the plan again, `full`, and says why (`TableUpdate.reason`): an operator that keeps,
  joins or groups rows by an aggregate's value (a shrunk group can enter the result); the right side of a
  left join losing rows or keys (a left row can reappear padded); a redacted group key or a column that
  decides a grouped row; a self-join on a redacted join or filter column; a redacted sort key, or rows
  that appear, in an output whose order the plan declares; a re-derived row that continues no old row; a
  pivot without declared column values (its columns are what each run finds).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from lester_dagster.engine import Result, SourceData, execute
from lester_dagster.engine import nodes as n
from lester_dagster.engine.nodes import OpClass
from lester_dagster.engine.resolve_pivots import open_pivots
from lester_dagster.provenance import RowProvenance, SourceColumn

Lineage = frozenset[SourceColumn]


@dataclass(frozen=True)
class TableUpdate:
    """The new version of a table and how its rows relate to the old version's."""

    result: Result
    origin: np.ndarray  # per new row: the old row it continues, or -1 for a row derived anew
    changed: np.ndarray  # per new row: True where values in `columns` may differ from the origin row's
    columns: tuple[str, ...]  # columns that may have changed in rows with changed=True and an origin
    removed: np.ndarray  # old row positions that are gone
    mode: str
    reason: str = ""  # for mode "full": why no incremental rule applied (it reaches the audit entry)
    classes: tuple[str, ...] = ()  # the classes of the operators the changed source reaches

    @property
    def added(self) -> np.ndarray:
        return np.flatnonzero(self.origin < 0)

    def cells_touched(self) -> int:
        width = len(self.result.frame.columns)
        patched = int((self.changed & (self.origin >= 0)).sum()) * len(self.columns)
        return patched + (len(self.removed) + len(self.added)) * width


def reached(root: n.Node, source: str) -> list[n.Node]:
    """The operators of the plan whose input derives from `source`, each once, from the root down."""
    out: list[n.Node] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen or source not in node.sources:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(node.parents)
    return out


def plan_classes(root: n.Node, source: str | None = None) -> tuple[str, ...]:
    """The maintenance classes of the operators a change of `source` reaches (of all, without one)."""
    nodes = reached(root, source) if source is not None else list(n.walk(root))
    return tuple(sorted({node.op_class.value for node in nodes}))


def is_monotone(node: n.Node, source: str | None = None) -> bool:
    """Deleting rows of `source` (of any source, without one) only deletes output rows, in their order."""
    nodes = reached(node, source) if source is not None else list(n.walk(node))
    return all(_monotone_for(x, source) for x in nodes)


def _monotone_for(node: n.Node, source: str | None) -> bool:
    if node.op_class in (OpClass.MONOTONE, OpClass.ORDER):
        return True
    # a left join only adds rows when its right side loses some
    if not (isinstance(node, n.Join) and node.op_class is OpClass.OUTER):
        return False
    return source is not None and source not in node.right.sources


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
    classes = plan_classes(root, source)
    rule, reason = rule_for(root, old, source, affected, erased, columns)
    if rule == "unchanged":
        return _unchanged(old, new_sources, classes)
    if rule == "full":
        return _full(root, old, affected, new_sources, reason, classes)
    if rule == "delete-rows":
        return _delete_rows(old, affected, new_sources, classes)
    try:
        update = _rederive(root, old, new_sources, source, changed_ids, affected, columns, wide=rule == "rederive-wide")
    except _Unexplained as why:
        return _full(root, old, affected, new_sources, str(why), classes)
    if root.declares_order and len(update.added):
        return _full(
            root,
            old,
            affected,
            new_sources,
            "rows appear in an output whose order the plan declares "
            f"(by {_names(root.order_lineage)}); a re-run puts them in their place",
            classes,
        )
    return replace(update, classes=classes)


def rule_for(
    root: n.Node, old: Result, source: str, affected: np.ndarray, erased: bool, columns: tuple[str, ...] = ()
) -> tuple[str, str]:
    """The maintenance rule for a change of `source` (rows `affected` in `old`), from the classes of the
    operators it reaches, and for "full" the reason: ("unchanged" | "delete-rows" | "rederive" |
    "rederive-wide" | "full", reason)."""
    pivot = next(open_pivots(root), None)
    if pivot is not None:
        # re-deriving rows from some source rows would find only their pivot values, so fewer columns
        return "full", (
            f"{pivot.describe()} declares no column_values: its columns are the values each run finds, "
            "which a change can add or remove; a re-run decides them"
        )
    redacted = frozenset(SourceColumn(source, c) for c in columns)
    out_columns = tuple(c for c, lineage in old.lineage.items() if erased or lineage & redacted)
    above = _above_aggregate(root, source, erased, redacted)
    if above is None and _reaches_nothing(root, affected, erased, redacted, out_columns):
        return "unchanged", ""
    reason = above or _needs_rerun(root, source, erased, redacted, affected)
    if reason:
        return "full", reason
    if erased and is_monotone(root, source):
        return "delete-rows", ""
    return ("rederive-wide" if redacted & root.row_lineage else "rederive"), ""


def _rederive(
    root: n.Node,
    old: Result,
    new_sources: Mapping[str, SourceData],
    source: str,
    changed_ids: np.ndarray,
    affected: np.ndarray,
    columns: tuple[str, ...],
    wide: bool,
) -> TableUpdate:
    """The affected rows re-derived from the rows in their polynomials (`wide`: with every row of the other
    sources, and the changed rows of `source`, so that rows can also appear) and spliced in."""
    if not wide:
        redacted = frozenset(SourceColumn(source, c) for c in columns)
        out_columns = tuple(c for c, lineage in old.lineage.items() if not columns or lineage & redacted)
        sub = execute(root, _restricted(old.provenance, affected, new_sources))
        return _splice(old, affected, sub, new_sources, out_columns, "rederive", keep_new=None)
    sources = dict(new_sources)
    ids = np.union1d(changed_ids, _ids_of(old.provenance, affected, source))
    sources[source] = _rows_with_ids(new_sources[source], ids)
    sub = execute(root, sources)
    return _splice(old, affected, sub, new_sources, tuple(old.lineage), "rederive-wide", keep_new=(source, changed_ids))


def _reaches_nothing(
    root: n.Node, affected: np.ndarray, erased: bool, redacted: Lineage, out_columns: tuple[str, ...]
) -> bool:
    """No output row depends on the change, and the change decides no row's existence or place."""
    if erased:
        return not affected.any()
    if redacted & root.row_lineage:
        return False  # a changed row may enter the result, or leave it
    moves = root.declares_order and bool(redacted & root.order_lineage)
    return not affected.any() or not (out_columns or moves)


def _above_aggregate(root: n.Node, source: str, erased: bool, redacted: Lineage) -> str | None:
    """An operator that keeps, joins or groups rows by an aggregate's value: a group the change shrinks or
    reshapes can pass it anew, which no affected output row shows. Such a change needs a re-run."""
    if not erased and not redacted & _everything_read(root):
        return None
    for node in reached(root, source):
        if node.op_class is OpClass.ABOVE_AGGREGATE:
            return (
                f"{node.describe()} decides rows by an aggregate's value, so a group the change shrinks or "
                "reshapes can enter the result as well as leave it (class: non-monotone above an aggregate)"
            )
    return None


def _everything_read(root: n.Node) -> Lineage:
    return frozenset().union(*root.lineage.values(), root.row_lineage, root.order_lineage)


def _needs_rerun(root: n.Node, source: str, erased: bool, redacted: Lineage, affected: np.ndarray) -> str | None:
    """Why no incremental rule applies to this change, by the classes of the operators it reaches."""
    nodes = reached(root, source)
    for node in nodes:
        if isinstance(node, n.Join) and node.op_class is OpClass.OUTER and source in node.right.sources:
            keys = frozenset().union(*(node.right.lineage[c] for c in node.right_on))
            if erased or redacted & (node.right.row_lineage | keys):
                return (
                    f"{node.describe()}: the change removes or re-keys rows on its right side, so a left row "
                    "can lose its last match and reappear padded with nulls (class: outer join)"
                )
    if redacted & root.row_lineage:
        for node in nodes:
            if node.op_class is OpClass.AGGREGATE and redacted & node.row_lineage:
                return (
                    f"the redacted column(s) {_names(redacted & node.row_lineage)} decide which rows "
                    f"{node.describe()} groups together, so rows can move between groups (class: aggregate)"
                )
            if isinstance(node, n.Join) and source in node.left.sources and source in node.right.sources:
                return (
                    f"{source!r} is joined with itself ({node.describe()}) and the redacted column(s) decide "
                    "which rows exist, so rows can pair with rows the change did not touch"
                )
    if root.declares_order and redacted & root.order_lineage and affected.any():
        return (
            f"the redacted column(s) {_names(redacted & root.order_lineage)} decide the order of the rows "
            "(class: order-dependent); a re-run puts the changed rows in their place"
        )
    return None


def _names(lineage: Lineage) -> list[str]:
    return sorted(str(sc) for sc in lineage)


def _unchanged(old: Result, new_sources: Mapping[str, SourceData], classes: tuple[str, ...]) -> TableUpdate:
    rows = len(old.frame)
    result = Result(old.frame, old.provenance, old.lineage, old.row_lineage, new_sources, old.order_lineage)
    return TableUpdate(
        result, np.arange(rows), np.zeros(rows, bool), (), np.empty(0, np.int64), "unchanged", classes=classes
    )


def _delete_rows(
    old: Result, affected: np.ndarray, new_sources: Mapping[str, SourceData], classes: tuple[str, ...]
) -> TableUpdate:
    keep = ~affected
    frame = old.frame[keep].reset_index(drop=True)
    result = Result(frame, old.provenance.filter(keep), old.lineage, old.row_lineage, new_sources, old.order_lineage)
    kept = np.flatnonzero(keep)
    return TableUpdate(
        result, kept, np.zeros(len(kept), bool), (), np.flatnonzero(affected), "delete-rows", classes=classes
    )


def _ids_of(provenance: RowProvenance, rows: np.ndarray, source: str) -> np.ndarray:
    if source not in provenance:
        return np.empty(0, np.int64)
    return np.unique(provenance[source].take(np.flatnonzero(rows)).ids)


def _rows_with_ids(data: SourceData, ids: np.ndarray) -> SourceData:
    mask = data.rows_with(ids)
    return SourceData(data.name, data.key, take_rows(data.frame, np.flatnonzero(mask)), data.ids[mask])


def take_rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """`frame.iloc[positions]` with a fresh RangeIndex, in time that grows with the rows taken: pandas takes
    rows of an Arrow column held in several chunks (a table read from Parquet) by first concatenating the
    chunks, which for a few rows of 1M mails copied the whole 200 MB text column (0.3 s the first time a
    process did it, most of it faulting in the new memory). Here each chunk gives its own rows."""
    positions = np.asarray(positions, dtype=np.int64)
    columns = [_take_array(frame.iloc[:, i].array, positions) for i in range(frame.shape[1])]
    out = pd.DataFrame(dict(enumerate(columns)), index=pd.RangeIndex(len(positions)))
    out.columns = frame.columns
    return out


def _take_array(array: Any, positions: np.ndarray) -> Any:
    chunked = getattr(array, "_pa_array", None)  # an ArrowExtensionArray's data (pandas keeps no public name)
    if not isinstance(chunked, pa.ChunkedArray) or chunked.num_chunks < 2 or len(positions) == 0:
        return array.take(positions)
    if len(positions) and (positions.min() < 0 or positions.max() >= len(chunked)):
        raise IndexError(f"row positions out of bounds for a column of {len(chunked)} rows")
    order = np.argsort(positions, kind="stable")
    ordered = positions[order]
    starts = np.cumsum([0, *(len(c) for c in chunked.chunks)])
    which = np.searchsorted(starts, ordered, side="right") - 1
    pieces = []
    for c in np.unique(which):
        local = ordered[which == c] - starts[c]
        pieces.append(chunked.chunk(int(c)).take(pa.array(local)))
    taken = pa.chunked_array(pieces, type=chunked.type).combine_chunks()  # the rows taken only: small
    if not (order == np.arange(len(order))).all():
        back = np.empty(len(order), dtype=np.int64)
        back[order] = np.arange(len(order))
        taken = taken.take(pa.array(back))
    try:
        out = type(array)(pa.chunked_array([taken]), dtype=array.dtype)
    except TypeError:  # an ArrowExtensionArray takes its dtype from the data
        out = type(array)(pa.chunked_array([taken]))
    return out if out.dtype == array.dtype else array.take(positions)


def _restricted(
    provenance: RowProvenance, affected: np.ndarray, new_sources: Mapping[str, SourceData]
) -> dict[str, SourceData]:
    """Each source cut down to the rows in the affected rows' polynomials (in their new versions)."""
    return {name: _rows_with_ids(data, _ids_of(provenance, affected, name)) for name, data in new_sources.items()}


def rederive(root: n.Node, result: Result, rows: np.ndarray) -> Result:
    """Runs the plan on just the source rows in the given rows' polynomials: those rows, recomputed
    (plus possibly rows of unaffected parts, which callers match by provenance)."""
    if next(open_pivots(root), None) is not None:
        return execute(root, dict(result.sources))  # a pivot over fewer rows would find fewer columns
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
    # rows that share a polynomial (a melt, an explode, a self-union) are told apart by the values they
    # keep: a sub row continues the old row it agrees with, never one that merely comes first
    stable = [c for c in old.frame.columns if c not in columns]
    continues = _match(old, affected_rows, sub, np.arange(len(sub.frame)), stable)
    unmatched = continues < 0
    new_rows = np.zeros(len(sub.frame), bool)
    if keep_new is not None and unmatched.any():
        source, ids = keep_new
        new_rows = unmatched & sub.provenance.depends_on(source, ids)
        unmatched &= ~new_rows
    pending = np.flatnonzero(unmatched).tolist()
    leftover_old = np.setdiff1d(affected_rows, continues[continues >= 0]).tolist()
    # rows beyond what could continue the leftover old rows must be copies: each costs a look-up
    if len(pending) > _MAX_SIDE_EFFECT_ROWS + len(leftover_old):
        raise _Unexplained(
            f"re-deriving the affected rows also gave {len(pending)} other rows, more than the "
            f"{_MAX_SIDE_EFFECT_ROWS} worth matching one by one; a re-run is cheaper"
        )
    # a copy of an unaffected row (same polynomial and values) is set aside first, so that it cannot pass
    # for a shrunk group whose polynomial happens to contain its own
    pending = _drop_copies(old, affected, sub, pending)
    if pending and leftover_old:
        pending = _match_shrunk_groups(old.provenance, leftover_old, sub.provenance, pending, continues)
    if pending:
        raise _Unexplained("a re-derived row continues no affected row and copies no unaffected one")
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
            raise _Unexplained("a shrunk group's row could continue several old rows")
        if candidates:
            continues[j] = candidates[0]
            del old_members[candidates[0]]
        else:
            unmatched.append(j)
    return unmatched


def _drop_copies(old: Result, affected: np.ndarray, sub: Result, pending: list[int]) -> list[int]:
    """The sub rows that are not a re-derived copy of an unaffected old row (the same polynomial and
    values); each old row is copied at most once."""
    taken: set[int] = set()
    rest = []
    for j in pending:
        key = sub.provenance.row_key(j)
        twin = _unaffected_twin(old, affected, key, _values(sub, j), taken) if key else None
        if twin is None:
            rest.append(j)
        else:
            taken.add(twin)
    return rest


def _unaffected_twin(
    old: Result, affected: np.ndarray, key: tuple[Any, ...], values: tuple[Any, ...], taken: set[int]
) -> int | None:
    source, ids = key[0]
    for i in np.flatnonzero(old.provenance.depends_on(source, ids[:1]) & ~affected):
        if int(i) not in taken and old.provenance.row_key(int(i)) == key and _values(old, int(i)) == values:
            return int(i)
    return None


def _values(result: Result, row: int) -> tuple[Any, ...]:
    return tuple(_canonical(v) for v in result.frame.iloc[row].tolist())


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
        stacked = pd.concat(
            [old.frame, sub.frame.astype(old.frame.dtypes.to_dict(), errors="ignore")], ignore_index=True
        )
        take = np.where(replacement[kept] >= 0, len(old.frame) + replacement[kept], kept)
        take = np.concatenate([take, len(old.frame) + added])
        frame = stacked.iloc[take].reset_index(drop=True)
        provenance = RowProvenance.concat([old.provenance, sub.provenance]).take(take)
        origin = np.concatenate([kept, np.full(len(added), -1, dtype=np.int64)])
        changed = np.concatenate([affected[kept], np.ones(len(added), bool)])
    result = Result(frame, provenance, old.lineage, old.row_lineage, new_sources, old.order_lineage)
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
    if _same_polynomials(old.take(rows), sub.take(sub_rows)).all():
        return old
    order = np.arange(old.n_rows)
    order[rows] = old.n_rows + sub_rows
    return RowProvenance.concat([old, sub]).take(order)


def _full(
    root: n.Node,
    old: Result,
    affected: np.ndarray,
    new_sources: Mapping[str, SourceData],
    reason: str,
    classes: tuple[str, ...],
) -> TableUpdate:
    """Runs the whole plan again; an unaffected old row continues in the new row with its polynomial
    (and, where rows share one, its values), so only the other rows count as changed."""
    new = execute(root, dict(new_sources))
    # the columns both versions have: a pivot without declared values can lose or gain some
    shared = [c for c in old.frame.columns if c in new.frame.columns]
    origin = _match(old, np.flatnonzero(~affected), new, np.arange(len(new.frame)), shared)
    continued = np.zeros(len(old.frame), dtype=bool)
    continued[origin[origin >= 0]] = True
    removed = np.flatnonzero(~continued)
    # with other columns than before, every row changed (in the columns it lost or gained)
    same_columns = list(old.frame.columns) == list(new.frame.columns)
    changed = origin < 0 if same_columns else np.ones(len(new.frame), dtype=bool)
    return TableUpdate(new, origin, changed, tuple(old.lineage), removed, "full", reason=reason, classes=classes)


def _match(a: Result, a_rows: np.ndarray, b: Result, b_rows: np.ndarray, columns: list[str]) -> np.ndarray:
    """For each of `b_rows`, the row of `a_rows` it continues, or -1: the rows with the same polynomial;
    where rows on either side share one, also the same values in `columns` (compared as values: an int 1
    and a float 1.0 agree, so do two nulls). Among equal rows the k-th of b continues the k-th of a.

    Vectorised: polynomials compare by two independent 64-bit signatures, values by codes per column."""
    n_a = len(a_rows)
    if n_a == 0 or len(b_rows) == 0:
        return np.full(len(b_rows), -1, dtype=np.int64)
    a_prov, b_prov = a.provenance.take(a_rows), b.provenance.take(b_rows)
    a_sig, b_sig = a_prov.signatures().view(np.int64), b_prov.signatures().view(np.int64)
    a_sig2, b_sig2 = a_prov.signatures(1).view(np.int64), b_prov.signatures(1).view(np.int64)
    a_index = pd.Index(a_sig)
    if a_index.is_unique and pd.Index(b_sig).is_unique:  # the common case: one hash join on signatures
        at = a_index.get_indexer(b_sig)
        found = at >= 0
        found[found] = a_sig2[at[found]] == b_sig2[found]
        return np.where(found, np.asarray(a_rows, dtype=np.int64)[np.maximum(at, 0)], -1)
    keys = pd.DataFrame(
        {
            "side": np.repeat(np.array([0, 1], dtype=np.int8), [n_a, len(b_rows)]),
            "sig": np.concatenate([a_sig, b_sig]),
            "sig2": np.concatenate([a_sig2, b_sig2]),
        }
    )
    repeated = keys.duplicated(["side", "sig", "sig2"], keep=False).to_numpy()
    shared = keys[["sig", "sig2"]][repeated].drop_duplicates()
    in_shared = pd.MultiIndex.from_frame(keys[["sig", "sig2"]]).isin(pd.MultiIndex.from_frame(shared))
    if in_shared.any():
        rows = np.concatenate([a_rows, b_rows])[in_shared]
        from_a = np.flatnonzero(in_shared) < n_a
        for i, column in enumerate(columns):
            values = pd.concat(
                [a.frame[column].iloc[rows[from_a]], b.frame[column].iloc[rows[~from_a]]], ignore_index=True
            )
            codes = np.full(len(keys), -2, dtype=np.int64)
            codes[in_shared] = _value_codes(values)
            keys[f"value_{i}"] = codes
    group_by = [c for c in keys.columns if c != "side"]
    keys["occurrence"] = keys.groupby(["side", *group_by], sort=False).cumcount()
    keys["row"] = np.concatenate([a_rows, b_rows])
    a_keys, b_keys = keys.iloc[:n_a], keys.iloc[n_a:]
    matched = b_keys.merge(a_keys, on=[*group_by, "occurrence"], how="left", suffixes=("", "_a"), sort=False)
    return matched["row_a"].fillna(-1).to_numpy(dtype=np.int64)


def _value_codes(values: pd.Series) -> np.ndarray:
    """Equal codes for equal values, as `_canonical` compares them (nulls equal, 1 == 1.0, lists by items)."""
    if values.dtype != object:
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype("float64")
        return pd.factorize(values, use_na_sentinel=True)[0]
    return pd.factorize(values.map(_canonical), use_na_sentinel=True)[0]


def _same_polynomials(a: RowProvenance, b: RowProvenance) -> np.ndarray:
    """Row by row: do `a` and `b` hold the same polynomial (by two independent signatures)."""
    return (a.signatures() == b.signatures()) & (a.signatures(1) == b.signatures(1))


def _canonical(value: object) -> object:
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_canonical(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() else value)
    return value
