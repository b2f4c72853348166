"""Proof that erased data is gone: scans every file of the data lake, the artifact store and Dagster's own
storage (hidden, temporary and crash-left files included) for erased keys, unredacted cells and erased values,
and reports where they remain without ever repeating them.

    report = scan_for_erased_data({"lake": Path("data"), "artifacts": Path("artifacts")}, target)
    assert report.clean, report.to_dict()
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import sqlite3
import stat
import time
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lester_dagster.errors import KeyColumnError, LesterError
from lester_dagster.features.chunks import MANIFEST as CHUNK_MANIFEST
from lester_dagster.features.chunks import PREFIX as CHUNK_PREFIX
from lester_dagster.features.chunks import PROVENANCE_SUFFIX as CHUNK_PROVENANCE
from lester_dagster.provenance.arrow import stored_provenance_columns
from lester_dagster.provenance.ids import coerce_keys, key_ids, source_row_ids

__all__ = ["ErasureTarget", "Finding", "ScanError", "ScanReport", "scan_for_erased_data"]

CHUNK_BYTES = 8 << 20  # files up to this size are searched whole (batched together), larger ones in chunks
PIECE_BYTES = 4096  # a chunk with a hit is cut into pieces this big to name its value(s) cheaply
PARQUET_BATCH_ROWS = 131_072
MIN_VALUE_CHARS = 4
PATTERN_LITERALS = 4096  # byte forms per RE2 pattern: bigger ones compile slowly, and past ~10k not at all
DEDUPLICATE_BYTES = 1 << 20  # smaller files are cheaper to search again than to hash
MAX_ARCHIVE_DEPTH = 4  # zip in zip in ...: deeper members are reported, not opened

STAGING, TRASH, POINTER = ".staging-", ".trash-", "CURRENT"
SQLITE_HEADER = b"SQLite format 3\x00"

Readable: TypeAlias = IO[bytes] | io.BufferedIOBase  # a file, or a decompressing reader over one


class ScanError(LesterError, ValueError):
    """An erasure scan that cannot run as asked; the message says what to change."""


# ---- what to look for, and what the scan found -----------------------------------------------------------


@dataclass(frozen=True)
class ErasureTarget:
    """What must be gone: the keys of erased rows, the cells of redacted rows, and distinctive values of both.

    >>> ErasureTarget({"mails": [17]}, {"mails": "mail_id"}, values=["a.b@example.com"]).erased_keys
    {'mails': [17]}
    """

    erased_keys: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    key_columns: Mapping[str, str | None] = field(default_factory=dict)
    redacted: Mapping[str, tuple[Sequence[Any], Sequence[str]]] = field(default_factory=dict)
    values: Sequence[str] = ()

    def __post_init__(self) -> None:
        if isinstance(self.values, (str, bytes)):
            raise ScanError("values must be a list of strings, not one string; wrap it in a list.")
        for i, value in enumerate(self.values):
            # the messages name a value by its position only: they may end up in logs
            if not isinstance(value, str):
                raise ScanError(f"value #{i} is a {type(value).__name__}, not a string; pass the text as it is "
                                "written in the data, e.g. str(card_number).")
            if len(value) < MIN_VALUE_CHARS:
                raise ScanError(f"value #{i} has {len(value)} character(s); a value shorter than {MIN_VALUE_CHARS} "
                                "would match almost everywhere. Search for a longer, distinctive string instead, "
                                "e.g. the whole e-mail address or card number.")
        for source, keys in [*self.erased_keys.items(), *((s, k) for s, (k, _) in self.redacted.items())]:
            if source not in self.key_columns:
                raise ScanError(f"source {source!r} has erased or redacted keys but no entry in key_columns; add "
                                f"key_columns[{source!r}] = its key column, or None when its keys are row ids.")
            if isinstance(keys, (str, bytes)):
                raise ScanError(f"the keys of {source!r} must be a list of keys, not one string; wrap it in a list.")
            if self.key_columns[source] is None and not all(isinstance(k, (int, np.integer)) for k in keys):
                raise ScanError(f"source {source!r} is keyless (key column None), so its keys must be row ids "
                                "(integers); name a key column in key_columns to pass key values.")
        for source, (_, columns) in self.redacted.items():
            if isinstance(columns, str) or not columns:
                raise ScanError(f"the redaction of {source!r} names no columns; pass them as a list, "
                                "e.g. ([17, 18], ['mail_subject']).")


@dataclass(frozen=True)
class Finding:
    """Erased data that is still there. `what` names values by index and hash prefix, keys by count."""

    store: str
    path: str
    what: str


@dataclass(frozen=True)
class ScanReport:
    """The outcome of one scan: what remains, what crashes left behind, and what could not be searched."""

    findings: tuple[Finding, ...]
    leftovers: tuple[str, ...]
    files_scanned: int
    bytes_scanned: int
    files_by_store: Mapping[str, int]
    skipped: tuple[tuple[str, str], ...]
    seconds: float

    @property
    def clean(self) -> bool:
        return not (self.findings or self.leftovers or self.skipped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for an audit entry; holds no erased value and no key."""
        return {
            "clean": self.clean,
            "findings": [{"store": f.store, "path": f.path, "what": f.what} for f in self.findings],
            "leftovers": list(self.leftovers),
            "skipped": [{"path": path, "why": why} for path, why in self.skipped],
            "files_scanned": self.files_scanned,
            "bytes_scanned": self.bytes_scanned,
            "files_by_store": dict(self.files_by_store),
            "seconds": round(self.seconds, 3),
        }


def scan_for_erased_data(stores: Mapping[str, Path], target: ErasureTarget, *,
                         exclude: Sequence[Path] = ()) -> ScanReport:
    """Searches every file under every store root (hidden ones too; symlinks are never followed, and paths
    under `exclude` are left out) for what `target` says must be gone."""
    started = time.perf_counter()
    if not isinstance(target, ErasureTarget):
        raise ScanError(f"target must be an ErasureTarget, got {type(target).__name__}.")
    roots: dict[str, str] = {}
    for store, root in stores.items():
        real = os.path.realpath(root)
        if not os.path.isdir(real):
            raise ScanError(f"store {store!r}: {root} is not a folder; pass the folder that holds the store "
                            "(e.g. DAGSTER_HOME for Dagster's storage).")
        roots[store] = real
    scan = _Scan(target, _Needles(target.values), tuple(os.path.realpath(p) for p in exclude))
    for store, real in roots.items():
        scan.store(store, real)
    scan.flush()
    scan.copy_findings()
    return ScanReport(
        findings=tuple(sorted(scan.findings, key=lambda f: (f.store, f.path, f.what))),
        leftovers=tuple(scan.leftovers),
        files_scanned=sum(scan.files_by_store.values()),
        bytes_scanned=scan.bytes_scanned,
        files_by_store=dict(scan.files_by_store),
        skipped=tuple(scan.skipped),
        seconds=time.perf_counter() - started,
    )


# ---- the values as bytes -------------------------------------------------------------------------------------


def _text_forms(value: str) -> set[str]:
    """The value as it can be written in text: as is, in lower and upper case, escaped inside JSON (ASCII-only
    and not), with its quotes doubled inside a quoted CSV field, and percent-encoded inside a URL."""
    forms = set()
    for text in (value, value.lower(), value.upper()):
        forms |= {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1], text.replace('"', '""'),
                  urllib.parse.quote(text, safe="")}
    return forms


def _byte_forms(value: str) -> set[bytes]:
    forms = {t.encode("utf-8", "surrogatepass") for t in _text_forms(value)}
    for text in (value, value.lower(), value.upper()):
        forms |= {text.encode("utf-16-le", "surrogatepass"), text.encode("utf-16-be", "surrogatepass")}
    # lowered because the search ignores the case of ASCII letters
    return {f.lower() for f in forms}


def _re2_literal(form: bytes) -> str:
    # Arrow runs RE2 in Latin-1 mode on binary data, where \xHH is the byte HH; ASCII letters match either case
    parts = []
    for byte in form:
        if 0x61 <= byte <= 0x7A:
            parts.append(f"[{chr(byte)}{chr(byte - 32)}]")
        elif 0x30 <= byte <= 0x39:
            parts.append(chr(byte))
        else:
            parts.append(f"\\x{byte:02x}")
    return "".join(parts)


def _patterns(literals: list[str]) -> list[str]:
    """Alternations of the literals, as few as RE2 compiles (it refuses patterns of many megabytes)."""
    if not literals:
        return []
    if len(literals) > PATTERN_LITERALS:
        return _patterns(literals[:PATTERN_LITERALS]) + _patterns(literals[PATTERN_LITERALS:])
    pattern = "|".join(literals)
    try:
        pc.match_substring_regex(pa.array([b""], pa.large_binary()), pattern)
    except pa.ArrowInvalid as error:
        if len(literals) == 1:
            raise ScanError("a value is too long to search for; search for a shorter, distinctive part of it.") \
                from error
        return _patterns(literals[:len(literals) // 2]) + _patterns(literals[len(literals) // 2:])
    return [pattern]


def _one(data: bytes) -> pa.Array:
    """A one-element binary array over `data`, without copying it."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    return pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])


class _Needles:
    """The values as every byte string they can appear as, searched for with one RE2 alternation.

    Python's `re` runs an alternation of e-mail addresses at about 20 MB/s on our mails; Arrow's RE2 runs it
    as an automaton, linear in the data whatever the number of values, at several hundred MB/s."""

    def __init__(self, values: Sequence[str]) -> None:
        self.labels = [f"value #{i} (sha256 {hashlib.sha256(v.encode('utf-8', 'surrogatepass')).hexdigest()[:8]})"
                       for i, v in enumerate(values)]
        self.forms = sorted({(i, f) for i, v in enumerate(values) for f in _byte_forms(v)})
        self.patterns = _patterns([_re2_literal(f) for f in sorted({f for _, f in self.forms})])
        self.searching = bool(self.patterns)  # no values: structural checks only
        self.overlap = max((len(f) for _, f in self.forms), default=1) - 1
        self.texts = [(i, t) for i, v in enumerate(values) for t in sorted(_text_forms(v), key=len, reverse=True)]
        # a card number can be stored as a number: digits-only values are also compared with numeric columns
        self.numbers: dict[int, list[int]] = {}
        for i, v in enumerate(values):
            if v.isascii() and v.isdigit() and str(int(v)) == v and int(v) < 2**63:
                self.numbers.setdefault(int(v), []).append(i)

    def hits(self, array: pa.Array) -> np.ndarray:
        """Which elements of a binary array hold a value."""
        found = np.zeros(len(array), dtype=bool)
        for pattern in self.patterns if len(array) else ():
            found |= pc.match_substring_regex(array, pattern).fill_null(False).to_numpy(zero_copy_only=False)
        return found

    def identify(self, data: bytes) -> set[int]:
        """The indices of the values in `data` (which `hits` found to hold at least one)."""
        if len(data) <= 2 * (PIECE_BYTES + self.overlap):
            return self._in(data)
        # every occurrence lies whole in the piece where it starts, since pieces overlap by the longest form
        pieces = [data[s:s + PIECE_BYTES + self.overlap] for s in range(0, len(data), PIECE_BYTES)]
        found: set[int] = set()
        for j in np.flatnonzero(self.hits(pa.array(pieces, pa.large_binary()))):
            found |= self._in(pieces[j])
        return found

    def _in(self, data: bytes) -> set[int]:
        low = data.lower()
        return {i for i, form in self.forms if form in low}

    def mask(self, text: str) -> str:
        """`text` with every value in it replaced by its index, for names that go into a report."""
        if not self.searching or not self.identify(text.encode("utf-8", "surrogateescape")):
            return text
        for i, form in self.texts:
            text = re.sub(re.escape(form), f"<value #{i}>", text, flags=re.IGNORECASE)
        left = self.identify(text.encode("utf-8", "surrogateescape"))
        return f"<a name holding value #{min(left)}>" if left else text


# ---- the scan ------------------------------------------------------------------------------------------------


def _rel(path: str, root: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def _under(path: str, folders: Sequence[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _is_leftover(name: str, is_dir: bool, siblings: set[str]) -> bool:
    """Staging and trash folders, temp files of the version pointer, `.<name>.*` temp files beside a file."""
    if name.startswith((STAGING, TRASH, f".{POINTER}.")) or name.endswith(".tmp"):
        return True
    return not is_dir and name.startswith(".") and any(name.startswith(f".{s}.") for s in siblings if s != name)


def _current_version(folder: str) -> int | None:
    try:
        return int(json.loads(Path(folder, POINTER).read_text())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _why(error: BaseException) -> str:
    if isinstance(error, KeyColumnError):
        # its message quotes the keys, which must not reach a report
        return "the keys do not fit the key column's type"
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message[:160]}" if message else type(error).__name__


def _decompressor(head: bytes) -> Callable[[IO[bytes]], Readable] | None:
    if head[:3] == b"\x1f\x8b\x08":
        return lambda handle: gzip.GzipFile(fileobj=handle)
    if head[:3] == b"BZh" and head[4:10] in (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90"):
        return lambda handle: bz2.BZ2File(handle)
    if head[:6] == b"\xfd7zXZ\x00":
        return lambda handle: lzma.LZMAFile(handle)
    return None


def _provenance_ids(path: str, column: str) -> np.ndarray:
    """The ids of a provenance column of a stored table, one a row or a list a row, as one array."""
    array = pq.read_table(path, columns=[column]).column(0).combine_chunks()
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        array = array.flatten()
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


def _leaves(array: pa.Array) -> Iterator[pa.Array]:
    """The primitive arrays inside a possibly nested one; a dictionary's whole dictionary, used or not."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        yield from _leaves(array.dictionary)
    elif pa.types.is_struct(kind):
        for child in array.flatten():
            yield from _leaves(child)
    elif pa.types.is_map(kind):
        yield from _leaves(array.keys)
        yield from _leaves(array.items)
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        yield from _leaves(array.flatten())
    else:
        yield array


def _is_text(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)
            or pa.types.is_string_view(kind) or pa.types.is_binary_view(kind))


def _is_number(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def _as_binary(array: pa.Array) -> pa.Array:
    if pa.types.is_string(array.type):
        return array.view(pa.binary())
    if pa.types.is_large_string(array.type):
        return array.view(pa.large_binary())
    if pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type):
        return array
    return pc.cast(array, pa.large_binary())


def _leaf_types(kind: pa.DataType) -> Iterator[pa.DataType]:
    if pa.types.is_dictionary(kind):
        yield from _leaf_types(kind.value_type)
    elif pa.types.is_struct(kind):
        for i in range(kind.num_fields):
            yield from _leaf_types(kind.field(i).type)
    elif pa.types.is_map(kind):
        yield from _leaf_types(kind.key_type)
        yield from _leaf_types(kind.item_type)
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        yield from _leaf_types(kind.value_type)
    else:
        yield kind


def _filled(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Which cells hold a value: neither null nor NaN (pandas writes some nulls as NaN)."""
    filled = pc.is_valid(column)
    if pa.types.is_floating(column.type):
        filled = pc.and_(filled, pc.invert(pc.is_nan(column).fill_null(True)))
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


class _Unverifiable(Exception):
    """A structural check that cannot be done; its message says why (and never names a key)."""


class _Scan:
    """The state of one scan: findings so far, and small files waiting to be searched together."""

    def __init__(self, target: ErasureTarget, needles: _Needles, excluded: tuple[str, ...]) -> None:
        self.target, self.needles, self.excluded = target, needles, excluded
        self.findings: set[Finding] = set()
        self.leftovers: list[str] = []
        self.skipped: list[tuple[str, str]] = []
        self.files_by_store: dict[str, int] = {}
        self.bytes_scanned = 0
        # one RE2 call per small file would spend more time compiling the pattern than searching
        self._batch: list[tuple[str, str, str, bytes, bool]] = []
        self._batch_bytes = 0
        self._dtypes: dict[tuple[str, str], Any] = {}
        # versions often hold byte-identical copies (an unchanged source, copied into every version): those
        # are searched once; only files whose size another file has are hashed to find them
        self._content: list[tuple[str, str, str, bool]] = []
        self._by_size: dict[int, list[tuple[str, str, str]]] = {}
        self._digests: dict[str, bytes] = {}
        self._copies: list[tuple[str, str, str, str]] = []

    # ---- reporting -------------------------------------------------------------------------------------------

    def find(self, store: str, path: str, what: str) -> None:
        self.findings.add(Finding(store, self.needles.mask(path), self.needles.mask(what)))

    def skip(self, store: str, path: str, why: str) -> None:
        self.skipped.append((f"{store}:{self.needles.mask(path)}", self.needles.mask(why)))

    def found(self, store: str, label: str, what: str) -> None:
        """A finding of the content search, which holds for every identical copy of the file too."""
        self._content.append((store, label, what, True))
        self.find(store, label, what)

    def failed(self, store: str, label: str, why: str) -> None:
        self._content.append((store, label, why, False))
        self.skip(store, label, why)

    # ---- walking a store -------------------------------------------------------------------------------------

    def store(self, store: str, root: str) -> None:
        self.files_by_store.setdefault(store, 0)
        if _under(root, self.excluded):
            return

        def unreadable(error: OSError) -> None:
            self.skip(store, _rel(str(error.filename), root), f"unreadable folder ({_why(error)})")

        for folder, dirnames, filenames in os.walk(root, onerror=unreadable):
            rel_folder = "" if folder == root else _rel(folder, root) + "/"
            # the contents of a leftover folder are scanned but not listed one by one
            in_leftover = any(p.startswith((STAGING, TRASH)) for p in rel_folder.split("/"))
            siblings = set(dirnames) | set(filenames)
            current = _current_version(folder) if POINTER in filenames else None
            kept = []
            for name in sorted(dirnames):
                path, rel = os.path.join(folder, name), rel_folder + name
                if _under(path, self.excluded):
                    continue
                self.add(store, rel, rel.encode("utf-8", "surrogateescape"), " in the path", content=False)
                if os.path.islink(path):
                    self.symlink(store, root, path, rel)
                    continue
                kept.append(name)
                # a version newer than the pointer was staged by a commit that never completed
                uncommitted = (current is not None and name[:1] == "v" and name[1:].isdigit()
                               and int(name[1:]) > current)
                if not in_leftover and (_is_leftover(name, True, siblings) or uncommitted):
                    self.leftovers.append(f"{store}:{self.needles.mask(rel)}")
            dirnames[:] = kept
            if not rel_folder:
                for name in kept:  # a Delta table of the lake: its current version is checked like a file
                    if self.checks_source(name) and os.path.isdir(os.path.join(folder, name, "_delta_log")):
                        self.lake_delta(store, name, os.path.join(folder, name), name)
            files = []
            for name in sorted(filenames):
                path, rel = os.path.join(folder, name), rel_folder + name
                if _under(path, self.excluded):
                    continue
                self.add(store, rel, rel.encode("utf-8", "surrogateescape"), " in the path", content=False)
                try:
                    mode = os.lstat(path)
                except FileNotFoundError:
                    continue  # gone since the listing (SQLite's -wal and -shm files come and go): it holds nothing
                except OSError as error:
                    self.skip(store, rel, f"cannot be read ({_why(error)})")
                    continue
                if stat.S_ISLNK(mode.st_mode):
                    self.symlink(store, root, path, rel)
                elif not stat.S_ISREG(mode.st_mode):
                    self.skip(store, rel, "not a regular file (a socket, pipe or device); not read")
                else:
                    if not in_leftover and _is_leftover(name, False, siblings):
                        self.leftovers.append(f"{store}:{self.needles.mask(rel)}")
                    files.append((name, rel, path))
            names = {name for name, _, _ in files}
            if "sources.json" in names:
                self.source_copies(store, rel_folder, folder)
            if "provenance.npz" in names:  # a table stored before its provenance moved into its Parquet file
                self.provenance(store, rel_folder, folder)
            if "table.parquet" in names:
                self.table_provenance(store, rel_folder, folder)
            for name in sorted(n for n in names if n.endswith(CHUNK_PROVENANCE)):
                self.provenance(store, rel_folder, folder, name)  # the rows of one chunk of X
            if CHUNK_MANIFEST in names:
                self.chunks(store, rel_folder, folder, names, in_leftover)
            for name, rel, path in files:
                source, dot, suffix = name.rpartition(".")
                if not rel_folder and dot and suffix in ("csv", "parquet") and self.checks_source(source):
                    self.lake_file(store, rel, path, source)
                self.file(store, rel, path)

    def symlink(self, store: str, root: str, path: str, rel: str) -> None:
        with contextlib.suppress(OSError):
            self.add(store, rel, os.readlink(path).encode("utf-8", "surrogateescape"), " in the symlink's target",
                     content=False)
        target = os.path.realpath(path)
        if _under(target, (root,)) and os.path.exists(target) and not _under(target, self.excluded):
            return  # the target is scanned where it lies
        self.skip(store, rel, "symlink pointing outside the store (or nowhere); not followed")

    # ---- one file, by format ---------------------------------------------------------------------------------

    def file(self, store: str, rel: str, path: str) -> None:
        try:
            size = os.path.getsize(path)
            original = self.copy_of(store, rel, path, size)
            if original is not None:
                self._copies.append((*original, store, rel))
                self.files_by_store[store] += 1
                self.bytes_scanned += size
                return
            with open(path, "rb") as handle:
                self.content(store, rel, handle, os.path.basename(path), 0, path)
        except FileNotFoundError:
            return  # gone since the listing, as above
        except OSError as error:
            self.failed(store, rel, f"cannot be read ({_why(error)})")
            return
        except Exception as error:  # noqa: BLE001 - one odd file must not end the audit; it is reported instead
            self.failed(store, rel, f"could not be scanned ({_why(error)})")
            return
        self.files_by_store[store] += 1
        self.bytes_scanned += size

    def copy_of(self, store: str, rel: str, path: str, size: int) -> tuple[str, str] | None:
        """The (store, path) of an identical file searched before, if there is one."""
        if size < DEDUPLICATE_BYTES:
            return None
        same_size = self._by_size.setdefault(size, [])
        if same_size:
            digest = self.digest(path)
            for other_store, other_rel, other_path in same_size:
                if self.digest(other_path) == digest:
                    return other_store, other_rel
        same_size.append((store, rel, path))
        return None

    def digest(self, path: str) -> bytes:
        if path not in self._digests:
            hasher = hashlib.blake2b()
            with open(path, "rb") as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    hasher.update(chunk)
            self._digests[path] = hasher.digest()
        return self._digests[path]

    def copy_findings(self) -> None:
        """Gives every identical copy the content findings of the file it copies (call after `flush`)."""
        for store, rel, copy_store, copy_rel in self._copies:
            for content_store, label, text, is_finding in self._content:
                if content_store == store and (label == rel or label.startswith(rel + "!")):
                    (self.find if is_finding else self.skip)(copy_store, copy_rel + label[len(rel):], text)

    def content(self, store: str, label: str, handle: IO[bytes], name: str, depth: int,
                disk_path: str | None = None) -> None:
        head = handle.read(16)
        handle.seek(0)
        lower = name.lower()
        if lower.endswith(".parquet") or head[:4] == b"PAR1":
            self.parquet(store, label, handle)
        elif lower.endswith(".npy") or head[:6] == b"\x93NUMPY":
            self.npy(store, label, handle)
        elif head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            self.zip(store, label, handle, depth)
        elif (opener := _decompressor(head)) is not None:
            self.decompressed(store, label, handle, opener)
        else:
            if head == SQLITE_HEADER and disk_path is not None:
                self.sqlite_rows(store, label, disk_path)
            # the raw bytes of a database also hold deleted rows that were never vacuumed
            self.raw(store, label, handle)

    def raw(self, store: str, label: str, handle: IO[bytes], what: str = "") -> None:
        if not self.needles.searching:
            return
        data = handle.read(CHUNK_BYTES + 1)
        if len(data) <= CHUNK_BYTES:
            self.add(store, label, data, what)
        else:
            self.stream(store, label, handle, what, first=data)

    def stream(self, store: str, label: str, handle: Readable, what: str = "", first: bytes = b"") -> None:
        """Searches a stream chunk by chunk; each chunk is searched with the end of the one before, so a
        value across a chunk border is found."""
        overlap, found, tail = self.needles.overlap, set(), b""
        chunk = first or handle.read(CHUNK_BYTES)
        while chunk:
            buffer = tail + chunk
            if self.needles.hits(_one(buffer))[0]:
                found |= self.needles.identify(buffer)
            tail = buffer[-overlap:] if overlap else b""
            chunk = handle.read(CHUNK_BYTES)
        for i in sorted(found):
            self.found(store, label, self.needles.labels[i] + what)

    def add(self, store: str, label: str, data: bytes, what: str = "", content: bool = True) -> None:
        """Queues bytes to search; `content` False for what is not the file's content (its name)."""
        if not data or not self.needles.searching:
            return
        self._batch.append((store, label, what, data, content))
        self._batch_bytes += len(data)
        if self._batch_bytes >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        for j in np.flatnonzero(self.needles.hits(pa.array([item[3] for item in batch], pa.large_binary()))):
            store, label, what, data, content = batch[j]
            for i in sorted(self.needles.identify(data)):
                (self.found if content else self.find)(store, label, self.needles.labels[i] + what)

    def parquet(self, store: str, label: str, handle: IO[bytes]) -> None:
        try:
            parquet = pq.ParquetFile(handle)
            schema = parquet.schema_arrow
            metadata = schema.metadata or {}
            # column names can hold values too (a one-hot encoding of e-mail addresses)
            self.add(store, label, b"\0".join([n.encode("utf-8", "surrogatepass") for n in schema.names]
                                              + list(metadata) + list(metadata.values())), " in the Parquet schema")
            # ids, not values: checked against the erased rows' ids by `table_provenance`
            ids = set((stored_provenance_columns(schema) or {}).values())
            wanted = [f.name for f in schema if f.name not in ids and any(
                _is_text(t) or (_is_number(t) and self.needles.numbers) for t in _leaf_types(f.type))]
            if not wanted or not self.needles.searching:
                return
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted, use_threads=True):
                for name, column in zip(batch.schema.names, batch.columns, strict=True):
                    for i in sorted(self.cells(column)):
                        self.found(store, label, f"{self.needles.labels[i]} in column {name}")
        except (pa.ArrowException, ValueError, OSError) as error:
            self.failed(store, label, f"unreadable Parquet file ({_why(error)}); its compressed pages were not "
                                      "searched")
            handle.seek(0)
            self.raw(store, label, handle)

    def cells(self, column: pa.Array) -> set[int]:
        """The indices of the values held by a column's cells."""
        found: set[int] = set()
        for leaf in _leaves(column):
            if _is_text(leaf.type):
                binary = _as_binary(leaf)
                for j in np.flatnonzero(self.needles.hits(binary)):
                    found |= self.needles.identify(binary[int(j)].as_py())
            elif _is_number(leaf.type) and self.needles.numbers:
                numbers = leaf.to_numpy(zero_copy_only=False)
                if numbers.dtype.kind == "f":
                    wanted = np.array(list(self.needles.numbers), dtype=np.float64)
                else:
                    bounds = np.iinfo(numbers.dtype)
                    wanted = np.array([n for n in self.needles.numbers if bounds.min <= n <= bounds.max],
                                      dtype=numbers.dtype)
                for number in np.unique(numbers[np.isin(numbers, wanted)]):
                    found.update(self.needles.numbers.get(int(number), ()))
        return found

    def npy(self, store: str, label: str, handle: IO[bytes]) -> None:
        try:
            version = np.lib.format.read_magic(handle)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            _, _, dtype = header(handle)
        except (ValueError, OSError, SyntaxError) as error:
            self.failed(store, label, f"unreadable .npy header ({_why(error)}); searched as raw bytes")
            handle.seek(0)
            self.raw(store, label, handle)
            return
        if dtype.hasobject:
            # a pickled object array keeps its strings as UTF-8 bytes: found without unpickling anything
            self.raw(store, label, handle)
        elif dtype.names is not None or dtype.kind in "US":
            handle.seek(0)
            array = np.lib.format.read_array(handle, allow_pickle=False)
            fields = [array] if dtype.names is None else [array[n] for n in dtype.names]
            for part in fields:
                if part.dtype.kind in "US":
                    for i in sorted(self.cells(pa.array(part.ravel()))):
                        self.found(store, label, f"{self.needles.labels[i]} in a string array")
                elif part.dtype.kind == "V":
                    self.add(store, label, part.tobytes())
        # numbers only otherwise: nothing to search, the file still counts as scanned

    def zip(self, store: str, label: str, handle: IO[bytes], depth: int) -> None:
        try:
            archive = zipfile.ZipFile(handle)
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            self.failed(store, label, f"unreadable zip archive ({_why(error)}); compressed members not searched")
            handle.seek(0)
            self.raw(store, label, handle)
            return
        self.add(store, label, archive.comment, " in the zip comment")
        for info in members:
            member = f"{label}!{info.filename}"
            self.add(store, member, info.filename.encode("utf-8", "surrogateescape"), " in the member name")
            if info.is_dir():
                continue
            if depth >= MAX_ARCHIVE_DEPTH:
                self.failed(store, member, f"archive nested more than {MAX_ARCHIVE_DEPTH} deep; not opened")
                continue
            try:
                with archive.open(info) as inner:
                    self.content(store, member, inner, info.filename, depth + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error) as error:
                self.failed(store, member, f"zip member cannot be read ({_why(error)})")

    def decompressed(self, store: str, label: str, handle: IO[bytes],
                     opener: Callable[[IO[bytes]], Readable]) -> None:
        try:
            with opener(handle) as inner:
                self.stream(store, label, inner, " (decompressed)")
        except (OSError, EOFError, lzma.LZMAError, ValueError, zlib.error) as error:
            self.failed(store, label, f"corrupt compressed file ({_why(error)}); searched as raw bytes")
            handle.seek(0)
            self.raw(store, label, handle)

    def sqlite_rows(self, store: str, label: str, path: str) -> None:
        """Searches every live cell: a long row is split over overflow pages, which a byte search can miss."""
        if not self.needles.searching:
            return
        try:
            # immutable: never takes a lock nor writes a journal beside a database Dagster may be using
            with contextlib.closing(sqlite3.connect(Path(path).as_uri() + "?mode=ro&immutable=1", uri=True)) as db:
                db.text_factory = bytes
                tables = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
                for name, sql in tables:
                    table = name.decode("utf-8", "replace")
                    if (sql or b"").upper().startswith(b"CREATE VIRTUAL TABLE"):
                        continue  # its rows live in its shadow tables, which are scanned
                    try:
                        cursor = db.execute(f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"')
                        cells: list[bytes] = []
                        size = 0
                        for row in cursor:
                            for cell in row:
                                if isinstance(cell, (bytes, memoryview)):
                                    cells.append(bytes(cell))
                                    size += len(cell)
                            if size >= CHUNK_BYTES:
                                self.add(store, label, b"\0".join(cells), f" in table {table}")
                                cells, size = [], 0
                        self.add(store, label, b"\0".join(cells), f" in table {table}")
                    except sqlite3.Error as error:
                        self.failed(store, label, f"table {table} cannot be read ({_why(error)})")
        except sqlite3.Error as error:
            self.failed(store, label, f"SQLite database cannot be queried ({_why(error)}); only its raw bytes "
                                    "were searched")

    # ---- structural checks: our artifact folders and the lake ------------------------------------------------

    def checks_source(self, source: str) -> bool:
        return source in self.target.key_columns and (
            bool(self.target.erased_keys.get(source)) or source in self.target.redacted)

    def ids(self, source: str, keys: Sequence[Any], dtype: Any) -> np.ndarray:
        """Row ids of keys, as lester_dagster.provenance.ids makes them from a key column of `dtype`."""
        if self.target.key_columns[source] is None:
            return np.asarray([int(k) for k in keys], dtype=np.int64)
        if dtype is not None:
            return key_ids(coerce_keys(keys, dtype, source))
        # the column's type is unknown (no source copy beside a provenance file): ids under either type
        candidates = []
        for guess in (np.dtype(np.int64), np.dtype(object)):
            with contextlib.suppress(KeyColumnError):
                candidates.append(key_ids(coerce_keys(keys, guess, source)))
        return np.unique(np.concatenate(candidates)) if candidates else np.empty(0, np.int64)

    def source_copies(self, store: str, rel_folder: str, folder: str) -> None:
        try:
            index = json.loads(Path(folder, "sources.json").read_text())
            entries = [(s, int(e["file"]), e.get("key")) for s, e in index.items()]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            self.skip(store, rel_folder + "sources.json", f"not a readable source index ({_why(error)})")
            return
        for source, number, key in entries:
            if not self.checks_source(source):
                continue
            data, ids = f"source_{number}.parquet", f"source_{number}_ids.npy"
            try:
                self.source_copy(store, rel_folder, folder, source, key, data, ids)
            except (_Unverifiable, KeyColumnError, OSError, ValueError, KeyError, pa.ArrowException) as error:
                why = str(error) if isinstance(error, _Unverifiable) else _why(error)
                self.skip(store, rel_folder + data, f"copy of {source} cannot be checked: {why}")

    def source_copy(self, store: str, rel_folder: str, folder: str, source: str, key: str | None,
                    data: str, ids_file: str) -> None:
        if key != self.target.key_columns[source]:
            raise _Unverifiable(f"its key column is {key!r} here but {self.target.key_columns[source]!r} in the target")
        ids = np.load(Path(folder, ids_file), allow_pickle=False)
        keys = pd.read_parquet(Path(folder, data), columns=[key])[key] if key is not None else None
        dtype = keys.dtype if keys is not None else None
        erased = self.target.erased_keys.get(source)
        if erased:
            if n := int(np.isin(self.ids(source, erased, dtype), ids).sum()):
                self.find(store, rel_folder + ids_file, f"{n} erased id(s) of {source} in the source copy's ids")
            if keys is not None and (n := int(coerce_keys(erased, dtype, source).isin(keys).sum())):
                self.find(store, rel_folder + data, f"{n} erased key(s) of {source} in its key column")
        if source in self.target.redacted:
            redacted_keys, columns = self.target.redacted[source]
            rows = np.isin(ids, self.ids(source, redacted_keys, dtype))
            present = [c for c in columns if c in pq.read_schema(Path(folder, data)).names]
            if not rows.any() or not present:
                return
            table = pq.read_table(Path(folder, data), columns=present)
            if table.num_rows != len(ids):
                raise _Unverifiable(f"{ids_file} has {len(ids)} ids for {table.num_rows} rows")
            for column in present:
                if n := int((_filled(table.column(column)) & rows).sum()):
                    self.find(store, rel_folder + data, f"{n} redacted cell(s) {source}.{column} not null")

    def key_dtype_beside(self, folder: str, source: str) -> Any:
        """The dtype of `source`'s key column in a source copy stored with a table, if there is one."""
        for sources in (Path(folder, "sources"), Path(folder)):
            cache = (str(sources), source)
            if cache not in self._dtypes:
                self._dtypes[cache] = None
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError, pa.ArrowException):
                    entry = json.loads((sources / "sources.json").read_text())[source]
                    key = entry["key"]
                    if key is not None and key == self.target.key_columns[source]:
                        frame = pd.read_parquet(sources / f"source_{int(entry['file'])}.parquet", columns=[key])
                        self._dtypes[cache] = frame[key].dtype
            if self._dtypes[cache] is not None:
                return self._dtypes[cache]
        return None

    def chunks(self, store: str, rel_folder: str, folder: str, names: set[str], in_leftover: bool) -> None:
        """X stored in chunks: a chunk file its manifest does not name is left over (a version holds only
        the chunks it names), and a chunk it names but that is missing is reported."""
        try:
            entries = json.loads(Path(folder, CHUNK_MANIFEST).read_text())["chunks"]
            named = {str(e["file"]) for e in entries}
        except (OSError, ValueError, KeyError, TypeError) as error:
            self.skip(store, rel_folder + CHUNK_MANIFEST, f"not a readable chunk manifest ({_why(error)})")
            return
        named |= {n[: -len(".npy")] + CHUNK_PROVENANCE for n in named if n.endswith(".npy")}
        for name in sorted(names):
            if name.startswith(CHUNK_PREFIX) and name not in named and not in_leftover:
                self.leftovers.append(f"{store}:{self.needles.mask(rel_folder + name)}")
        for name in sorted(n for n in named if n.endswith(".npy") and n not in names):
            self.skip(store, rel_folder + name, f"named by {CHUNK_MANIFEST} but missing: the version is damaged")

    def provenance(self, store: str, rel_folder: str, folder: str, name: str = "provenance.npz") -> None:
        if not any(self.target.erased_keys.values()):
            return  # a redacted row is still there; whether its derived cells were cleaned is for the value search
        rel = rel_folder + name
        try:
            with np.load(Path(folder, name), allow_pickle=False) as arrays:
                for i, source in enumerate(str(s) for s in arrays["sources"].tolist()):
                    self.provenance_ids(store, rel, folder, source, functools.partial(arrays.__getitem__, f"ids_{i}"))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, KeyColumnError) as error:
            self.skip(store, rel, f"provenance cannot be checked ({_why(error)})")

    def table_provenance(self, store: str, rel_folder: str, folder: str, name: str = "table.parquet") -> None:
        """The provenance columns a stored table holds in its own Parquet file."""
        if not any(self.target.erased_keys.values()):
            return
        rel, path = rel_folder + name, os.path.join(folder, name)
        try:
            columns = stored_provenance_columns(pq.read_schema(path))
            for source, column in (columns or {}).items():
                self.provenance_ids(store, rel, folder, source, functools.partial(_provenance_ids, path, column))
        except (OSError, ValueError, KeyError, pa.ArrowException, KeyColumnError) as error:
            self.skip(store, rel, f"provenance cannot be checked ({_why(error)})")

    def provenance_ids(self, store: str, rel: str, folder: str, source: str, read: Callable[[], np.ndarray]) -> None:
        """Reports the erased ids of `source` among the provenance ids `read` gives (read only when needed)."""
        erased = self.target.erased_keys.get(source)
        if not erased or source not in self.target.key_columns:
            return
        wanted = self.ids(source, erased, self.key_dtype_beside(folder, source))
        if n := int(np.isin(wanted, read()).sum()):
            self.find(store, rel, f"{n} erased id(s) of {source} in provenance")

    def lake_delta(self, store: str, rel: str, path: str, source: str) -> None:
        """The current version of a Delta table; its data files and log are scanned as files too."""
        try:
            from deltalake import DeltaTable

            table = DeltaTable(path)
            names = [f.name for f in table.schema().fields]
            self.lake_frame(store, rel, source, names,
                            lambda wanted: table.to_pyarrow_table(columns=wanted).to_pandas())
        except Exception as error:  # noqa: BLE001 - an unreadable table is reported, never passed
            self.skip(store, rel, f"lake table {source} cannot be checked: {_why(error)}")

    def lake_file(self, store: str, rel: str, path: str, source: str) -> None:
        try:
            is_csv = path.endswith(".csv")
            names = list(pd.read_csv(path, nrows=0).columns) if is_csv else pq.read_schema(path).names
            # read as the lake reads it, so keys compare as the column's own type
            self.lake_frame(store, rel, source, names, lambda wanted: pd.read_csv(path, usecols=wanted) if is_csv
                            else pd.read_parquet(path, columns=wanted))
        except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as error:
            self.skip(store, rel, f"lake table {source} cannot be checked: {_why(error)}")

    def lake_frame(self, store: str, rel: str, source: str, names: list[str],
                   read: Callable[[list[str]], pd.DataFrame]) -> None:
        key = self.target.key_columns[source]
        redacted_keys, columns = self.target.redacted.get(source, ((), ()))
        try:
            if key is not None and key not in names:
                raise _Unverifiable(f"its key column {key!r} is not in the table")
            # a keyless source's row ids hash whole rows, so it needs every column
            wanted = names if key is None else [key, *(c for c in columns if c in names and c != key)]
            frame = read(wanted)
            erased = self.target.erased_keys.get(source)
            if key is None:
                ids = source_row_ids(frame, None, source)
                if erased and (n := int(np.isin(self.ids(source, erased, None), ids).sum())):
                    self.find(store, rel, f"{n} erased row(s) of {source} (by content id)")
                rows = np.isin(ids, self.ids(source, redacted_keys, None))
            else:
                if erased and (n := int(coerce_keys(erased, frame[key].dtype, source).isin(frame[key]).sum())):
                    self.find(store, rel, f"{n} erased key(s) of {source} in its key column")
                rows = (frame[key].isin(coerce_keys(redacted_keys, frame[key].dtype, source)).to_numpy()
                        if len(redacted_keys) else np.zeros(len(frame), dtype=bool))
            for column in columns:
                if column in frame.columns and (n := int(frame.loc[rows, column].notna().sum())):
                    self.find(store, rel, f"{n} redacted cell(s) {source}.{column} not null")
        except (_Unverifiable, KeyColumnError, OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as error:
            why = str(error) if isinstance(error, _Unverifiable) else _why(error)
            self.skip(store, rel, f"lake table {source} cannot be checked: {why}")
