"""The feature matrix X as row chunks: one `.npy` per chunk of rows and a small manifest, so that a deletion
writes only the chunks it touches and hard-links the others from the version it read (no bytes copied),
and reading a few rows maps only the chunks that hold them.

A stored version is self-contained (every chunk it uses is a file in its folder), so the versioned folders'
crash safety and purge work unchanged: purging an old version unlinks its names, and a chunk's bytes go when
the last version naming it goes. A chunk that held erased rows is named only by the versions before the
erasure.

X can carry named float32 copies of some of its rows (`RowCopy`): the rows a reader needs on every deletion (the
model stage's held-out rows and curvature sample), stored contiguously so that they are read in one pass instead
of gathered from all of X. They are chunked and stored like X, and every write or `take` of X maintains them."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mmap
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from lester_dagster.errors import LesterError
from lester_dagster.faults import crash_point
from lester_dagster.provenance import RowProvenance

log = logging.getLogger(__name__)

MANIFEST = "X.chunks.json"
PREFIX, SUFFIX, PROVENANCE_SUFFIX = "X-", ".npy", ".provenance.npz"
# a row copy's chunks: not "X-", which the erasure scan reserves for X's own chunks (its manifest's "chunks")
COPY_PREFIX = "X32-"
COPY_DTYPE = np.dtype(np.float32)
FORMAT = "lester-x-chunks"
CHUNK_BYTES = 4 << 20  # a chunk's target size: an erasure that touches k chunks writes about k times this
MIN_CHUNK_ROWS = 256
# at most this many chunks (larger ones past 2 GB of X): each mapped chunk holds a file descriptor, and many
# systems allow a process 1024
MAX_CHUNKS = 512
_GATHER_ROWS = 16_384


class ChunkError(LesterError):
    """A chunk manifest that does not match its files, or an index a chunked X cannot take."""


def chunk_rows_for(n_rows: int, n_columns: int, itemsize: int = 8) -> int:
    """Rows per chunk of an X this big: about CHUNK_BYTES per chunk, and at most MAX_CHUNKS chunks."""
    row_bytes = max(1, n_columns * itemsize)
    return int(max(MIN_CHUNK_ROWS, CHUNK_BYTES // row_bytes, -(-n_rows // MAX_CHUNKS)))


@dataclass(frozen=True)
class _Chunk:
    data: np.ndarray
    file: Path | None  # the stored .npy these rows equal; None once they differ (rewritten, new)


@dataclass(frozen=True)
class RowCopy:
    """float32 copies of some rows of X: `values[i]` is `X[rows[i]]` as float32, with `rows` ascending.

    The model computes in float32, so it gets the same numbers from the copy as from X's float64 rows; the
    copy is a tenth of X's bytes when it holds a fifth of the rows, and contiguous."""

    rows: np.ndarray  # int64, ascending positions in X
    values: ChunkedMatrix  # float32, len(rows) rows

    def positions(self, rows: np.ndarray) -> np.ndarray:
        """Where each of `rows` sits in the copy, -1 where it is not in it."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(self.rows) == 0:
            return np.full(len(rows), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.rows, rows), len(self.rows) - 1)
        return np.where(self.rows[at] == rows, at, -1)

    def mapped(self, origin: np.ndarray, n_old: int) -> RowCopy:
        """The copy for the matrix whose row i is old row origin[i]: rows that went are dropped, the others
        renumbered; chunks whose rows all stay, in order, are shared."""
        new_of_old = np.full(n_old, -1, dtype=np.int64)
        kept = np.flatnonzero(origin >= 0)
        new_of_old[origin[kept]] = kept
        new = new_of_old[self.rows]
        survive = np.flatnonzero(new >= 0)
        order = survive[np.argsort(new[survive], kind="stable")]
        return RowCopy(new[order], self.values.take(order))

    def copy(self) -> RowCopy:
        return RowCopy(self.rows, self.values.copy())


@dataclass(frozen=True)
class ChunkWrite:
    """What storing one version of X did: chunks and bytes written anew, chunks linked from a version."""

    chunks: int
    written: int
    linked: int
    bytes_written: int
    # the row copies' chunks (and their provenance), counted apart from X's
    copy_written: int = 0
    copy_linked: int = 0
    copy_bytes_written: int = 0


class ChunkedMatrix:
    """X as a sequence of row chunks, standing in for the ndarray where the pipeline reads or patches X.

    Reading rows (`X[rows]`, `X[rows, a:b]`, `X[mask]`) gathers from the chunks that hold them. Writing
    (`X[rows, a:b] = v`) copies only the chunks it touches, never a stored file. `take(origin)` gives the
    matrix whose row i is row origin[i] (a new row where origin is -1) without copying the chunks that keep
    all their rows in order. `np.asarray(X)` concatenates (reads) everything.
    """

    ndim = 2

    def __init__(
        self, chunks: Sequence[_Chunk], n_columns: int, dtype: Any, chunk_rows: int, owned: set[int] | None = None
    ) -> None:
        self._chunks = list(chunks)
        self._width = int(n_columns)
        self.dtype = np.dtype(dtype)
        self.chunk_rows = int(chunk_rows)
        self._owned = set() if owned is None else owned  # chunks whose data only this object holds
        self._copies: dict[str, RowCopy] = {}
        sizes = np.fromiter((len(c.data) for c in self._chunks), dtype=np.int64, count=len(self._chunks))
        self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    # ---- building and opening -------------------------------------------------------------------------

    @classmethod
    def of(cls, X: np.ndarray, chunk_rows: int | None = None) -> ChunkedMatrix:
        """A chunked view of an in-memory X (its chunks are not stored yet)."""
        if X.ndim != 2:
            raise ChunkError(f"X must be 2-D to be chunked, got shape {X.shape}.")
        rows = chunk_rows or chunk_rows_for(X.shape[0], X.shape[1], X.dtype.itemsize)
        chunks = [_Chunk(X[i : i + rows], None) for i in range(0, len(X), rows)]
        return cls(chunks, X.shape[1], X.dtype, rows)

    @classmethod
    def open(cls, folder: Path) -> ChunkedMatrix:
        """The X stored in `folder`, each chunk mapped read-only (pages are read when rows are used)."""
        manifest = read_manifest(folder)
        chunks = []
        for entry in manifest["chunks"]:
            path = folder / entry["file"]
            data = np.load(path, mmap_mode="r", allow_pickle=False)
            if data.shape != (int(entry["rows"]), manifest["shape"][1]):
                raise ChunkError(
                    f"{path} holds shape {data.shape}, the manifest {folder / MANIFEST} says "
                    f"{(int(entry['rows']), manifest['shape'][1])}; the version is damaged."
                )
            chunks.append(_Chunk(data, path))
        X = cls(chunks, manifest["shape"][1], manifest["dtype"], int(manifest["chunk_rows"]))
        if len(X) != manifest["shape"][0]:
            raise ChunkError(f"{folder / MANIFEST} says {manifest['shape'][0]} rows but its chunks hold {len(X)}.")
        for name, entry in manifest.get("copies", {}).items():
            X._copies[name] = _open_copy(folder, name, entry, X.shape)
        return X

    # ---- the ndarray surface the pipeline uses -----------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        return int(self._starts[-1]), self._width

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def n_chunks(self) -> int:
        return len(self._chunks)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"ChunkedMatrix(shape={self.shape}, dtype={self.dtype}, chunks={self.n_chunks})"

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = np.concatenate([c.data for c in self._chunks]) if self._chunks else np.empty((0, self._width), self.dtype)
        return out if dtype is None else out.astype(dtype, copy=False)

    def copy(self) -> ChunkedMatrix:
        """An independent matrix (with its row copies): later writes to either are not seen by the other. No
        rows are copied now; a write copies the chunks it touches."""
        self._owned = set()  # its chunks are shared from now on: a write here must not reach the copy either
        out = ChunkedMatrix(self._chunks, self._width, self.dtype, self.chunk_rows)
        out._copies = {name: c.copy() for name, c in self._copies.items()}
        return out

    def __getitem__(self, key: Any) -> np.ndarray:
        rows, columns, scalar = self._index(key)
        if isinstance(rows, slice):  # contiguous: whole pieces of chunks
            start, stop = rows.start, rows.stop
            pieces = []
            for c in self._chunks_between(start, stop):
                a, b = max(start, self._starts[c]) - self._starts[c], min(stop, self._starts[c + 1]) - self._starts[c]
                pieces.append(self._chunks[c].data[a:b, columns])
            width = len(range(*columns.indices(self._width)))
            return np.concatenate(pieces) if pieces else np.empty((0, width), self.dtype)
        chunk, local = self._locate(rows)
        width = len(range(*columns.indices(self._width)))
        out = np.empty((len(rows), width), dtype=self.dtype)
        for c, where in _groups(chunk):
            out[where] = self._chunks[c].data[local[where], columns]
        return out[0] if scalar else out

    def __setitem__(self, key: Any, values: Any) -> None:
        rows, columns, _ = self._index(key)
        if isinstance(rows, slice):
            rows = np.arange(rows.start, rows.stop, dtype=np.int64)
        width = len(range(*columns.indices(self._width)))
        values = np.broadcast_to(np.asarray(values, dtype=self.dtype), (len(rows), width))
        chunk, local = self._locate(rows)
        for c, where in _groups(chunk):
            self._writable(c)[local[where], columns] = values[where]
        for copy in self._copies.values():  # the rows they hold change with X
            at = copy.positions(rows)
            hit = np.flatnonzero(at >= 0)
            if len(hit):
                copy.values[at[hit], columns] = values[hit]

    # ---- what IVM needs ---------------------------------------------------------------------------------

    def take(self, origin: np.ndarray) -> ChunkedMatrix:
        """The matrix whose row i is this one's row origin[i], or zeros where origin[i] is -1 (rows to fill).

        Runs of new rows that are exactly one old chunk, in order, share that chunk; the others are
        gathered into new chunks (at most `chunk_rows` each, neighbours merged), which a store writes anew.
        """
        origin = np.asarray(origin, dtype=np.int64)
        n = len(origin)
        if n == 0:  # no rows (a row copy of none, say): no chunks
            return self._with_copies_of(ChunkedMatrix([], self._width, self.dtype, self.chunk_rows), origin)
        chunk = np.full(n, -1, dtype=np.int64)
        kept = origin >= 0
        if kept.any():
            chunk[kept] = self._locate(origin[kept])[0]
        # a new segment where the chunk changes or the order breaks
        breaks = np.flatnonzero((chunk[1:] != chunk[:-1]) | (origin[1:] != origin[:-1] + 1)) + 1
        bounds = np.concatenate([[0], breaks, [n]]).astype(np.int64)
        if len(bounds) - 1 > 4 * (n // max(self.chunk_rows, 1) + 1) + 64:
            # rows reordered throughout (a full recomputation's order): no chunk survives, chunk afresh
            return self._with_copies_of(self._gathered(origin, 0, n, fresh=True), origin)
        out: list[_Chunk] = []
        owned: set[int] = set()
        pending: list[tuple[int, int]] = []  # consecutive segments to gather into new chunks

        def flush() -> None:
            start = pending[0][0] if pending else 0
            stop = pending[-1][1] if pending else 0
            for a in range(start, stop, self.chunk_rows):
                owned.add(len(out))
                out.append(self._gathered(origin, a, min(a + self.chunk_rows, stop))._chunks[0])
            pending.clear()

        for s, e in zip(bounds[:-1], bounds[1:], strict=True):
            c = int(chunk[s])
            whole = c >= 0 and e - s == self._starts[c + 1] - self._starts[c] and origin[s] == self._starts[c]
            if whole:
                flush()
                out.append(self._chunks[c])
            else:
                pending.append((int(s), int(e)))
        flush()
        return self._with_copies_of(ChunkedMatrix(out, self._width, self.dtype, self.chunk_rows, owned), origin)

    # ---- row copies ---------------------------------------------------------------------------------------

    @property
    def copies(self) -> dict[str, RowCopy]:
        """The float32 row copies this matrix keeps, by name (read them; change them with `keep_copy`)."""
        return dict(self._copies)

    def keep_copy(self, name: str, rows: np.ndarray) -> RowCopy:
        """Keeps a float32 copy of these rows (ascending, distinct) under `name`: rows the copy already holds
        keep their chunks where they can, the others are read from X."""
        if not name.isidentifier():
            raise ChunkError(f"a row copy's name must be an identifier (it names files), got {name!r}.")
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and (rows[0] < 0 or rows[-1] >= len(self) or (np.diff(rows) <= 0).any()):
            raise ChunkError(
                f"row copy {name!r}: rows must be distinct positions of X in ascending order, "
                f"within its {len(self)} rows."
            )
        old = self._copies.get(name)
        if old is None:
            values = ChunkedMatrix.of(
                self._gather(rows, COPY_DTYPE), chunk_rows_for(len(rows), self._width, COPY_DTYPE.itemsize)
            )
        else:
            origin = old.positions(rows)
            if len(origin) == len(old.rows) and (origin == np.arange(len(origin))).all():
                return old  # the same rows: nothing to do
            values = old.values.take(origin)
            new = np.flatnonzero(origin < 0)
            if len(new):
                values[new] = self._gather(rows[new], COPY_DTYPE)
        self._copies[name] = RowCopy(rows, values)
        return self._copies[name]

    def drop_copy(self, name: str) -> None:
        self._copies.pop(name, None)

    # ---- reading ahead --------------------------------------------------------------------------------------

    def prefetch(self, rows: np.ndarray | None = None) -> None:
        """Asks the kernel to start reading the stored pages of these rows (all rows: None) and returns at
        once. A read that faults pages in one at a time waits for each read in turn; asked for together, they
        are read in parallel (and, for whole files, in large sequential reads) while the caller computes."""
        if rows is None:
            for stored in self._chunks:
                _will_need(stored.data, 0, stored.data.nbytes)
            return
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return
        chunk, local = self._locate(rows)
        row_bytes = self._width * self.dtype.itemsize
        for c, where in _groups(chunk):
            data = self._chunks[c].data
            for r in local[where]:
                _will_need(data, int(r) * row_bytes, row_bytes)

    def prefetch_copies(self) -> None:
        """`prefetch` of every row copy, whole."""
        for copy in self._copies.values():
            copy.values.prefetch()

    def _with_copies_of(self, taken: ChunkedMatrix, origin: np.ndarray) -> ChunkedMatrix:
        taken._copies = {name: c.mapped(origin, len(self)) for name, c in self._copies.items()}
        return taken

    def _gather(self, rows: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """X[rows] as `dtype`, a batch at a time (no float64 temporary of all the rows)."""
        out = np.empty((len(rows), self._width), dtype=dtype)
        for a in range(0, len(rows), _GATHER_ROWS):
            out[a : a + _GATHER_ROWS] = self[rows[a : a + _GATHER_ROWS]]
        return out

    def chunk_of_rows(self) -> list[tuple[int, int, Path | None]]:
        """Each chunk's rows [start, stop) and the stored file it equals (None: to be written)."""
        return [(int(self._starts[i]), int(self._starts[i + 1]), c.file) for i, c in enumerate(self._chunks)]

    def chunk_data(self, i: int) -> np.ndarray:
        return self._chunks[i].data

    # ---- helpers ------------------------------------------------------------------------------------------

    def _gathered(self, origin: np.ndarray, start: int, stop: int, fresh: bool = False) -> ChunkedMatrix:
        part = origin[start:stop]
        data = np.zeros((len(part), self._width), dtype=self.dtype)
        kept = np.flatnonzero(part >= 0)
        if len(kept):
            data[kept] = self[part[kept]]
        if fresh:
            return ChunkedMatrix.of(data, self.chunk_rows)
        return ChunkedMatrix([_Chunk(data, None)], self._width, self.dtype, self.chunk_rows, {0})

    def _writable(self, c: int) -> np.ndarray:
        if c not in self._owned:  # a stored file's map, or a chunk another matrix shares: copy this chunk only
            self._chunks[c] = _Chunk(self._private(self._chunks[c]), None)
            self._owned.add(c)
        return self._chunks[c].data

    @staticmethod
    def _private(chunk: _Chunk) -> np.ndarray:
        """A copy of a chunk's rows that only this matrix writes. A stored chunk is mapped again, privately
        (copy-on-write): a write then copies the pages it touches, not the chunk, and pages never touched are
        never read (a few patched rows of a 4.7 MB chunk cost a few pages). Stored files never change."""
        if chunk.file is not None:
            try:
                data = np.load(chunk.file, mmap_mode="c", allow_pickle=False)
            except OSError:  # purged since it was opened: the old map still holds the rows
                data = None
            if data is not None and data.shape == chunk.data.shape and data.dtype == chunk.data.dtype:
                return data
        return np.array(chunk.data)

    def _chunks_between(self, start: int, stop: int) -> range:
        if stop <= start:
            return range(0)
        first = int(np.searchsorted(self._starts, start, side="right")) - 1
        last = int(np.searchsorted(self._starts, stop - 1, side="right")) - 1
        return range(first, last + 1)

    def _locate(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chunk = np.searchsorted(self._starts, rows, side="right") - 1
        return chunk, rows - self._starts[chunk]

    def _index(self, key: Any) -> tuple[np.ndarray | slice, slice, bool]:
        """Row positions (an array, or a contiguous slice), the column selector, and whether one row was asked."""
        if isinstance(key, tuple) and len(key) != 2:
            raise ChunkError(f"a chunked X takes X[rows] or X[rows, a:b], not an index of {len(key)} parts.")
        rows_key, columns = key if isinstance(key, tuple) else (key, slice(None))
        n = len(self)
        if not isinstance(columns, slice):  # numpy broadcasts a row array against a column array: not wanted here
            raise ChunkError(
                "a chunked X gives whole rows or column ranges: X[rows] or X[rows, a:b]; select one "
                "column with X[rows, c:c+1]."
            )
        if isinstance(rows_key, (int, np.integer)):
            row = int(rows_key) + (n if rows_key < 0 else 0)
            if not 0 <= row < n:
                raise IndexError(f"row {rows_key} is out of bounds for X with {n} rows")
            return np.array([row], dtype=np.int64), columns, True
        if isinstance(rows_key, slice):
            start, stop, step = rows_key.indices(n)
            if step == 1:
                return slice(start, max(start, stop)), columns, False
            return np.arange(start, stop, step, dtype=np.int64), columns, False
        rows = np.asarray(rows_key)
        if rows.dtype == bool:
            if rows.shape != (n,):
                raise IndexError(f"a boolean row mask of shape {rows.shape} for X with {n} rows")
            return np.flatnonzero(rows), columns, False
        rows = rows.astype(np.int64, copy=False).ravel()
        if len(rows) and (rows.min() < -n or rows.max() >= n):
            raise IndexError(f"row index out of bounds for X with {n} rows")
        return np.where(rows < 0, rows + n, rows), columns, False


def _will_need(data: np.ndarray, start: int, length: int) -> None:
    """madvise(MADV_WILLNEED) over bytes [start, start + length) of a mapped array's data; nothing for an
    array in memory (or where the platform lacks it)."""
    mapped = getattr(data, "_mmap", None)  # numpy.memmap's mmap object: no public name for it
    if not isinstance(mapped, mmap.mmap) or not hasattr(mmap, "MADV_WILLNEED") or length <= 0:
        return
    # the array's data starts this far into the mapping (the .npy header, within a page)
    base = int(getattr(data, "offset", 0)) % mmap.ALLOCATIONGRANULARITY
    first = (base + start) // mmap.PAGESIZE * mmap.PAGESIZE
    last = min(len(mapped), base + start + length)
    if last > first:
        with contextlib.suppress(OSError, ValueError):
            mapped.madvise(mmap.MADV_WILLNEED, first, last - first)


def _groups(chunk: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Positions grouped by chunk: one pass, not one per chunk."""
    if len(chunk) == 0:
        return []
    order = np.argsort(chunk, kind="stable")
    ordered = chunk[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    return [(int(ordered[a]), order[a:b]) for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(order)], strict=True)]


def as_matrix(X: ChunkedMatrix) -> np.ndarray:
    """A chunked X where the pipeline's types say ndarray: it supports what the pipeline does with X
    (row and column-range indexing, assignment, len, shape, dtype, copy, np.asarray), so the model, IVM
    and checks code need no second type."""
    return cast(np.ndarray, X)


# ---- storing --------------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise ChunkError(f"{folder / MANIFEST} is not a lester X manifest (format {manifest.get('format')!r}).")
    return manifest


def save_chunks(
    folder: Path, X: np.ndarray | ChunkedMatrix, provenance: RowProvenance | None = None, chunk_rows: int | None = None
) -> ChunkWrite:
    """Stores X in `folder` as chunk files and the manifest, with its row copies. Chunks of a chunked X (or of a
    copy) that still equal a stored file are hard-linked from it (a file system without links gets a copy); the
    others are written, each with the row provenance of its rows beside it when `provenance` is given (what the
    erasure scan reads). The manifest is written last: until it is, the folder holds no X."""
    chunked = X if isinstance(X, ChunkedMatrix) else ChunkedMatrix.of(np.asarray(X), chunk_rows)
    if provenance is not None and provenance.n_rows != len(chunked):
        raise ChunkError(f"X has {len(chunked)} rows but its provenance {provenance.n_rows}; they must align.")
    digests: dict[Path, dict[str, str]] = {}  # the stored versions' provenance digests, per chunk file
    entries, written, linked, size = _save_chunk_files(folder, chunked, provenance, None, PREFIX, digests)
    copies: dict[str, Any] = {}
    copy_written = copy_linked = copy_size = 0
    for name, copy in chunked.copies.items():
        rows_file = f"{COPY_PREFIX}{name}.rows{SUFFIX}"
        np.save(folder / rows_file, copy.rows, allow_pickle=False)
        copy_entries, w, k, b = _save_chunk_files(folder, copy.values, provenance, copy.rows, COPY_PREFIX, digests)
        copy_written, copy_linked, copy_size = copy_written + w, copy_linked + k, copy_size + b
        copies[name] = {
            "rows": rows_file,
            "dtype": copy.values.dtype.str,
            "chunk_rows": copy.values.chunk_rows,
            "chunks": copy_entries,
        }
    manifest = {
        "format": FORMAT,
        "version": 1,
        "shape": list(chunked.shape),
        "dtype": chunked.dtype.str,
        "chunk_rows": chunked.chunk_rows,
        "chunks": entries,
        "copies": copies,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    result = ChunkWrite(len(entries), written, linked, size, copy_written, copy_linked, copy_size)
    log.info(
        "X %s: wrote %d of %d chunk(s) (%.1f MB), linked %d; row copies: wrote %d chunk(s) (%.1f MB), linked %d",
        chunked.shape,
        written,
        len(entries),
        size / 1e6,
        linked,
        copy_written,
        copy_size / 1e6,
        copy_linked,
    )
    return result


def _save_chunk_files(
    folder: Path,
    chunked: ChunkedMatrix,
    provenance: RowProvenance | None,
    rows_in_x: np.ndarray | None,
    prefix: str,
    digests: dict[Path, dict[str, str]],
) -> tuple[list[dict[str, Any]], int, int, int]:
    """Writes or links each chunk of `chunked` (X, or a row copy whose row i is X's row rows_in_x[i]) with
    its rows' provenance; the manifest entries, chunks written, chunks linked and bytes written."""
    from lester_dagster.storage.artifacts import save_provenance

    entries: list[dict[str, Any]] = []
    written = linked = size = 0
    for i, (start, stop, stored) in enumerate(chunked.chunk_of_rows()):
        name = stored.name if stored is not None else f"{prefix}{uuid.uuid4().hex[:20]}{SUFFIX}"
        target = folder / name
        positions = np.arange(start, stop) if rows_in_x is None else rows_in_x[start:stop]
        rows = provenance.take(positions) if provenance is not None else None
        entry: dict[str, Any] = {"file": name, "rows": stop - start}
        if rows is not None:
            entry["provenance"] = provenance_digest(rows)
        entries.append(entry)
        sidecar_done = rows is None
        if stored is not None and _link(stored, target):
            linked += 1
            # a row can keep its values while its provenance changes (a group lost a member the features do
            # not read): the stored sidecar is linked only while its digest still matches
            old_sidecar = stored.with_name(sidecar_name(stored.name))
            if rows is not None and _digests(stored.parent, digests).get(stored.name) == entry["provenance"]:
                sidecar_done = _link(old_sidecar, target.with_name(old_sidecar.name))
        else:
            np.save(target, np.ascontiguousarray(chunked.chunk_data(i)), allow_pickle=False)
            written += 1
            size += target.stat().st_size
        if not sidecar_done and rows is not None:
            sidecar = target.with_name(sidecar_name(name))
            save_provenance(sidecar, rows)
            size += sidecar.stat().st_size
        crash_point("x:after-chunk")  # a row copy's chunks are part of X's version: the same point
    return entries, written, linked, size


def _open_copy(folder: Path, name: str, entry: dict[str, Any], shape: tuple[int, int]) -> RowCopy:
    """A row copy as `save_chunks` stored it, its chunks mapped (read when used)."""
    rows = np.load(folder / entry["rows"], allow_pickle=False)
    chunks = []
    for chunk in entry["chunks"]:
        path = folder / chunk["file"]
        # copy-on-write: the model reads these rows through torch, which wants arrays it may write
        data = np.load(path, mmap_mode="c", allow_pickle=False)
        if data.shape != (int(chunk["rows"]), shape[1]):
            raise ChunkError(
                f"{path} holds shape {data.shape}, the manifest {folder / MANIFEST} says "
                f"{(int(chunk['rows']), shape[1])}; the version is damaged."
            )
        chunks.append(_Chunk(data, path))
    values = ChunkedMatrix(chunks, shape[1], entry["dtype"], int(entry["chunk_rows"]))
    if (
        rows.dtype != np.int64
        or rows.ndim != 1
        or len(rows) != len(values)
        or (len(rows) and (rows[0] < 0 or rows[-1] >= shape[0] or (np.diff(rows) <= 0).any()))
    ):
        raise ChunkError(
            f"row copy {name!r} in {folder}: {entry['rows']} does not list {len(values)} ascending "
            f"rows of X's {shape[0]}; the version is damaged."
        )
    return RowCopy(rows, values)


def sidecar_name(chunk: str) -> str:
    """The file beside a chunk that holds its rows' provenance."""
    return chunk[: -len(SUFFIX)] + PROVENANCE_SUFFIX


def provenance_digest(provenance: RowProvenance) -> str:
    """A digest of rows' provenance (source names and ids in order): equal digests, equal provenance."""
    hasher = hashlib.blake2b(digest_size=16)
    for source in sorted(provenance):
        indptr, ids = provenance[source].csr()
        for part in (
            source.encode(),
            np.ascontiguousarray(indptr - indptr[0], np.int64).tobytes(),
            np.ascontiguousarray(ids, np.int64).tobytes(),
        ):
            hasher.update(len(part).to_bytes(8, "little"))
            hasher.update(part)
    return hasher.hexdigest()


def _digests(folder: Path, cache: dict[Path, dict[str, str]]) -> dict[str, str]:
    if folder not in cache:
        try:
            manifest = read_manifest(folder)
            chunks = [*manifest["chunks"], *(c for copy in manifest.get("copies", {}).values() for c in copy["chunks"])]
            cache[folder] = {e["file"]: e["provenance"] for e in chunks if "provenance" in e}
        except (OSError, ValueError, KeyError, ChunkError):
            cache[folder] = {}
    return cache[folder]


def _link(source: Path, target: Path) -> bool:
    """Hard-links a stored chunk into a new version; False when the file is gone (a purge ran meanwhile) or
    the file system cannot link (the caller then writes the rows it holds in memory)."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


__all__ = [
    "ChunkError",
    "ChunkWrite",
    "ChunkedMatrix",
    "RowCopy",
    "as_matrix",
    "chunk_rows_for",
    "save_chunks",
]
