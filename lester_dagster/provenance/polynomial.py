"""Row provenance as provenance polynomials, stored column-wise: per source, the ids of the source rows
that each output row was made from, in compressed sparse row (CSR) form.

A row's polynomial is the product over sources of the sum of its ids for that source: a join multiplies
(one id per side), a union keeps each row's own monomial, and an aggregate sums its members' monomials.
For the tuples we track, the set of source ids per (row, source) is what deletion needs: a row whose
polynomial is a single monomial disappears when any of its ids goes; a summed row is recomputed from the
members that remain.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lester_dagster.provenance.membership import isin

_INT = np.int64


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash of each value."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _as_ids(values: Iterable[int] | np.ndarray) -> np.ndarray:
    return np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=_INT)


@dataclass(frozen=True, eq=False)
class ProvColumn:
    """The ids of one source behind each row of a relation.

    `indptr is None` is the dense case, exactly one id per row (sources, filters, inner joins); otherwise
    row i owns `ids[indptr[i]:indptr[i + 1]]`, which may be empty (left-join misses, union branches) or
    long (aggregates).
    """

    ids: np.ndarray
    indptr: np.ndarray | None = None

    @classmethod
    def dense(cls, ids: np.ndarray) -> ProvColumn:
        return cls(np.ascontiguousarray(ids, dtype=_INT))

    @classmethod
    def empty(cls, n_rows: int) -> ProvColumn:
        return cls(np.empty(0, dtype=_INT), np.zeros(n_rows + 1, dtype=_INT))

    @property
    def n_rows(self) -> int:
        return len(self.ids) if self.indptr is None else len(self.indptr) - 1

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + (0 if self.indptr is None else self.indptr.nbytes)

    def lengths(self) -> np.ndarray:
        if self.indptr is None:
            return np.ones(len(self.ids), dtype=_INT)
        return np.diff(self.indptr)

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        if self.indptr is None:
            return np.arange(len(self.ids) + 1, dtype=_INT), self.ids
        return self.indptr, self.ids

    def row(self, i: int) -> np.ndarray:
        if self.indptr is None:
            return self.ids[i : i + 1]
        return self.ids[self.indptr[i] : self.indptr[i + 1]]

    def take(self, rows: np.ndarray) -> ProvColumn:
        """Rows at the given positions; position -1 yields a row with no ids (an outer-join miss)."""
        rows = np.asarray(rows, dtype=_INT)
        missing = rows < 0
        has_missing = bool(missing.any())
        if self.indptr is None and not has_missing:
            return ProvColumn(self.ids[rows])
        indptr, ids = self.csr()
        present = np.flatnonzero(~missing)
        starts = np.zeros(len(rows), dtype=_INT)
        lengths = np.zeros(len(rows), dtype=_INT)
        starts[present] = indptr[rows[present]]
        lengths[present] = indptr[rows[present] + 1] - starts[present]
        new_indptr = np.zeros(len(rows) + 1, dtype=_INT)
        np.cumsum(lengths, out=new_indptr[1:])
        gather = np.repeat(starts - new_indptr[:-1], lengths) + np.arange(new_indptr[-1], dtype=_INT)
        return ProvColumn(ids[gather], new_indptr)

    def merge(self, other: ProvColumn) -> ProvColumn:
        """Row-wise union of ids: the product of two monomials over the same source (self-joins)."""
        a_ptr, a_ids = self.csr()
        b_ptr, b_ids = other.csr()
        a_len, b_len = np.diff(a_ptr), np.diff(b_ptr)
        indptr = np.zeros(len(a_len) + 1, dtype=_INT)
        np.cumsum(a_len + b_len, out=indptr[1:])
        out = np.empty(indptr[-1], dtype=_INT)
        # a row's ids from self come first, then those from other
        a_dst = np.repeat(indptr[:-1] - a_ptr[:-1], a_len) + np.arange(len(a_ids), dtype=_INT)
        b_dst = np.repeat(indptr[:-1] + a_len - b_ptr[:-1], b_len) + np.arange(len(b_ids), dtype=_INT)
        out[a_dst] = a_ids
        out[b_dst] = b_ids
        return ProvColumn(out, indptr)

    def group(self, codes: np.ndarray, n_groups: int) -> ProvColumn:
        """Sum the rows of each group: group g owns the distinct ids of the rows whose code is g (-1: dropped)."""
        codes = np.asarray(codes, dtype=_INT)
        row_len = self.lengths()
        entry_codes = np.repeat(codes, row_len)
        keep = entry_codes >= 0
        entry_codes, ids = entry_codes[keep], self.ids[keep]
        # a group's polynomial is a sum: what deletion needs is the set of its ids, so a member id that
        # many rows share (a customer behind each of their mails) is kept once, in its first row's place
        by_pair = np.lexsort((ids, entry_codes))
        pair_codes, pair_ids = entry_codes[by_pair], ids[by_pair]
        repeated = np.zeros(len(ids), dtype=bool)
        repeated[by_pair[1:]] = (pair_codes[1:] == pair_codes[:-1]) & (pair_ids[1:] == pair_ids[:-1])
        entry_codes, ids = entry_codes[~repeated], ids[~repeated]
        order = np.argsort(entry_codes, kind="stable")
        indptr = np.zeros(n_groups + 1, dtype=_INT)
        np.cumsum(np.bincount(entry_codes, minlength=n_groups), out=indptr[1:])
        return ProvColumn(ids[order], indptr)

    @staticmethod
    def concat(parts: Sequence[ProvColumn]) -> ProvColumn:
        if all(p.indptr is None for p in parts):
            return ProvColumn(np.concatenate([p.ids for p in parts]) if parts else np.empty(0, _INT))
        indptrs, ids, offset = [np.zeros(1, dtype=_INT)], [], 0
        for part in parts:
            ptr, part_ids = part.csr()
            indptrs.append(ptr[1:] + offset)
            ids.append(part_ids)
            offset += len(part_ids)
        return ProvColumn(np.concatenate(ids), np.concatenate(indptrs))

    def contains_any(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Boolean mask of the rows that have at least one of `ids`."""
        hits = isin(self.ids, _as_ids(ids))
        if self.indptr is None:
            return hits
        counts = np.concatenate([[0], np.cumsum(hits, dtype=_INT)])
        return (counts[self.indptr[1:]] - counts[self.indptr[:-1]]) > 0

    def all_ids(self) -> np.ndarray:
        return np.unique(self.ids)

    def row_hashes(self, salt: int) -> np.ndarray:
        """An order-independent hash of each row's ids (0 for a row without ids), the same whether the
        column is stored dense or in CSR form (a left join's right side is CSR until its last padded row
        goes: the hash, and with it the train/test split, must not change then)."""
        mixed = _mix(self.ids ^ np.int64(salt))
        if self.indptr is None:
            return mixed
        with np.errstate(over="ignore"):
            sums = np.concatenate([np.zeros(1, np.uint64), np.cumsum(mixed, dtype=np.uint64)])
            per_row = sums[self.indptr[1:]] - sums[self.indptr[:-1]]
        lengths = np.diff(self.indptr)
        return np.where(lengths == 1, per_row, np.where(lengths > 1, _mix(per_row), np.uint64(0)))


class RowProvenance(Mapping[str, ProvColumn]):
    """Provenance polynomials of every row of one relation: a `ProvColumn` per source it derives from."""

    __slots__ = ("_columns", "_n_rows")

    def __init__(self, columns: Mapping[str, ProvColumn], n_rows: int) -> None:
        for source, column in columns.items():
            if column.n_rows != n_rows:
                raise ValueError(f"provenance of {source!r} has {column.n_rows} rows, expected {n_rows}")
        self._columns = dict(columns)
        self._n_rows = n_rows

    @classmethod
    def of_source(cls, source: str, ids: np.ndarray) -> RowProvenance:
        return cls({source: ProvColumn.dense(ids)}, len(ids))

    def __getitem__(self, source: str) -> ProvColumn:
        return self._columns[source]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return f"RowProvenance(sources={list(self._columns)}, n_rows={self._n_rows})"

    @property
    def n_rows(self) -> int:
        return self._n_rows

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self._columns.values())

    def take(self, rows: np.ndarray) -> RowProvenance:
        return RowProvenance({s: c.take(rows) for s, c in self._columns.items()}, len(rows))

    def filter(self, mask: np.ndarray) -> RowProvenance:
        return self.take(np.flatnonzero(mask))

    def group(self, codes: np.ndarray, n_groups: int) -> RowProvenance:
        return RowProvenance({s: c.group(codes, n_groups) for s, c in self._columns.items()}, n_groups)

    @staticmethod
    def product(left: RowProvenance, right: RowProvenance) -> RowProvenance:
        """Row-wise product of two aligned relations (a join's matched pairs)."""
        if left.n_rows != right.n_rows:
            raise ValueError("product of provenances needs the same number of rows")
        columns = dict(left._columns)
        for source, column in right._columns.items():
            columns[source] = columns[source].merge(column) if source in columns else column
        return RowProvenance(columns, left.n_rows)

    @staticmethod
    def concat(parts: Sequence[RowProvenance]) -> RowProvenance:
        """Stack relations (a union): rows keep their own monomials, absent sources contribute nothing."""
        sources = list(dict.fromkeys(s for p in parts for s in p))
        columns = {
            s: ProvColumn.concat([p._columns[s] if s in p else ProvColumn.empty(p.n_rows) for p in parts])
            for s in sources
        }
        return RowProvenance(columns, sum(p.n_rows for p in parts))

    def depends_on(self, source: str, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Mask of the rows whose polynomial mentions any of the given source row ids."""
        if source not in self._columns:
            return np.zeros(self._n_rows, dtype=bool)
        return self._columns[source].contains_any(ids)

    def row(self, i: int) -> dict[str, np.ndarray]:
        """Which source rows made output row i: source -> ids."""
        return {s: c.row(i) for s, c in self._columns.items() if len(c.row(i))}

    def row_key(self, i: int) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Row i's polynomial as a hashable value: per source, its ids in order."""
        return tuple((s, tuple(sorted(c.row(i).tolist()))) for s, c in sorted(self._columns.items()) if len(c.row(i)))

    def signatures(self, seed: int = 0) -> np.ndarray:
        """A 64-bit hash of each row's polynomial, stable across runs and across deletions of other rows
        (another `seed` gives an independent hash: two together tell polynomials apart like `row_key`)."""
        out = np.zeros(self._n_rows, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for source, column in self._columns.items():
                out += column.row_hashes(zlib.crc32(source.encode()) ^ (seed << 32))
        return out
