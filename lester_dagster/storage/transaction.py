"""Several artifacts (and lake files) committed as one: a pipeline's prepared table, feature matrix, model
and evaluation move to their new versions together or not at all. New versions are staged as hidden
folders first; the commit then writes a redo log naming every rename and pointer it will make, makes
them, and forgets the log. A crash before the log is durable changes nothing (the staged folders are
leftovers); a crash after it is rolled forward by `recover`, which every writer runs when it takes the
lake's lock. Commits check their bases (optimistic concurrency) under that lock."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lester_dagster.faults import crash_point
from lester_dagster.storage.lock import WriterLock
from lester_dagster.storage.versions import (
    POINTER,
    RemoteVersionedDirectory,
    StaleVersionError,
    StorageError,
    VersionedDirectory,
    write_atomically,
)

_ANY = object()


@dataclass
class Transaction:
    """Collects staged versions, pointer updates and file replacements; `commit` makes them all at once."""

    log_dir: Path
    lock: WriterLock
    ops: list[dict[str, Any]] = field(default_factory=list)
    _bases: list[tuple[VersionedDirectory, Any]] = field(default_factory=list)
    _staged: list[Path] = field(default_factory=list)
    _versions: dict[str, int] = field(default_factory=dict)
    _uploads: list[tuple[RemoteVersionedDirectory, Path, int]] = field(default_factory=list)

    def new_version(self, store: VersionedDirectory, fill: Callable[[Path], None], reflects_through: int,
                    base: Any = _ANY, **note: Any) -> int:
        """Stages a new version of `store` (filled by `fill`); returns the number it will have."""
        staging = store.stage(fill)
        self._staged.append(staging)
        if base is ...:
            base = _ANY
        version = max(store.next_version(), self._versions.get(str(store.root), 0) + 1)
        self._versions[str(store.root)] = version
        if isinstance(store, RemoteVersionedDirectory):
            # written whole under its final name before the redo log; invisible until its pointer names it
            self._uploads.append((store, staging, version))
        else:
            self.ops.append({"op": "rename", "from": str(staging), "to": str(store.root / f"v{version:06d}")})
        self._pointer(store, {"version": version, "reflects_through": reflects_through, **note}, base)
        return version

    def keep_version(self, store: VersionedDirectory, reflects_through: int, base: Any = _ANY, **note: Any) -> int | None:
        """Keeps the current version but records that it reflects the journal through `reflects_through`
        (a request that changed nothing in it); returns the version kept."""
        current = store.current()
        if current is None:
            return None
        self._pointer(store, {**store.pointer(), "reflects_through": reflects_through, **note}, base)
        return current

    def replace_file(self, staged: Path, final: Path) -> None:
        """Moves a fully written file into place on commit (a lake table's new content)."""
        self._staged.append(staged)
        self.ops.append({"op": "rename", "from": str(staged), "to": str(final)})

    def expect(self, store: VersionedDirectory, version: int | None) -> None:
        """The commit fails unless `store` is still at `version` (an input this commit was derived from)."""
        self._bases.append((store, version))

    def _pointer(self, store: VersionedDirectory, content: dict[str, Any], base: Any) -> None:
        if base is not _ANY and base is not ...:
            self._bases.append((store, base))
        where = "uri" if isinstance(store, RemoteVersionedDirectory) else "path"
        self.ops.append({"op": "pointer", where: str(store.root / POINTER), "content": content})

    def commit(self) -> None:
        if not self.ops:
            return
        with self.lock.exclusive("transaction commit"):
            for store, base in self._bases:
                if store.current() != base:
                    self.abort()
                    raise StaleVersionError(
                        f"{store.root} moved from version {base} to {store.current()} while this commit was being "
                        "prepared; the step must be redone on the new version."
                    )
            for store, staging, version in self._uploads:
                store.upload(staging, version)
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = self.log_dir / f"{uuid.uuid4().hex}.json"
            write_atomically(log, json.dumps(self.ops))
            crash_point("txn:after-intent")
            _apply(self.ops)
            crash_point("txn:before-forget")
            log.unlink()
        self.ops, self._staged, self._bases, self._uploads = [], [], [], []

    def abort(self) -> None:
        """Removes what was staged; nothing was committed."""
        for path in self._staged:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self.ops, self._staged, self._bases, self._uploads = [], [], [], []


def _apply(ops: list[dict[str, Any]]) -> None:
    pointers = 0
    for op in ops:
        if op["op"] == "rename":
            source, target = Path(op["from"]), Path(op["to"])
            if source.exists():
                os.replace(source, target)
            elif not target.exists():
                raise StorageError(f"redo log names {source}, which is gone, and {target}, which never appeared.")
        elif op["op"] == "pointer":
            if "uri" in op:  # one PUT replaces an object whole
                from upath import UPath

                remote = UPath(op["uri"])
                remote.fs.pipe_file(remote.path, json.dumps(op["content"]).encode())
            else:
                write_atomically(Path(op["path"]), json.dumps(op["content"]))
            pointers += 1
            if pointers == 1:
                crash_point("txn:after-first-pointer")


def recover(log_dir: Path) -> int:
    """Rolls forward every transaction whose redo log survived a crash; returns how many. Call with the
    lake's lock held exclusively (or when no writer can be running)."""
    if not log_dir.exists():
        return 0
    logs = sorted(log_dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    for log in logs:
        _apply(json.loads(log.read_text()))
        log.unlink()
    for tmp in log_dir.glob(".*"):  # a redo log that was never completed committed nothing
        tmp.unlink(missing_ok=True)
    return len(logs)


def pending(log_dir: Path) -> bool:
    """Whether a crashed commit awaits recovery (readers may then see some artifacts of a pipeline moved)."""
    return log_dir.exists() and any(log_dir.glob("*.json"))
