"""Versioned, atomic artifact directories: every version of an artifact is written into a fresh folder and
published by atomically replacing a small pointer file, so a crash mid-write leaves the last good
version readable. Old versions stay addressable until pruned: a retention limit prunes the oldest, and
a deletion prunes every version that still holds the deleted data."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lester_dagster.errors import LesterError

_POINTER = "CURRENT"


class StorageError(LesterError):
    """An artifact or version that does not exist, or a store that cannot be written."""


class VersionedDirectory:
    """The versions of one artifact under `root`: `v000001/`, `v000002/`, ... and `CURRENT` naming one."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def current(self) -> int | None:
        pointer = self.root / _POINTER
        if not pointer.exists():
            return None
        return int(json.loads(pointer.read_text())["version"])

    def versions(self) -> list[int]:
        if not self.root.exists():
            return []
        return sorted(int(p.name[1:]) for p in self.root.iterdir() if p.is_dir() and p.name.startswith("v"))

    def path(self, version: int | None = None) -> Path:
        """The folder of a version (default: the current one)."""
        version = self.current() if version is None else version
        if version is None:
            raise StorageError(f"no version of {self.root} has been written yet; materialise it first.")
        path = self.root / f"v{version:06d}"
        if not path.is_dir():
            raise StorageError(f"version {version} of {self.root} does not exist; versions are {self.versions()}.")
        return path

    @contextmanager
    def write(self) -> Iterator[Path]:
        """Yields an empty folder to fill; on success it becomes the next version and the current one.
        On an exception the partial folder is removed and the current version is untouched."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            yield staging
            version = max(self.versions(), default=0) + 1
            final = self.root / f"v{version:06d}"
            os.replace(staging, final)  # a folder rename within one file system is atomic
            _fsync_dir(self.root)
            _write_atomically(self.root / _POINTER, json.dumps({"version": version}))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def prune(self, keep: int) -> list[int]:
        """Removes all but the newest `keep` versions (never the current one); returns those removed."""
        if keep < 1:
            raise StorageError(f"keep must be at least 1 (the current version), got {keep}.")
        current = self.current()
        doomed = [v for v in self.versions()[:-keep] if v != current]
        for version in doomed:
            # renamed first so a reader never sees a half-deleted version folder
            trash = self.root / f".trash-v{version:06d}"
            os.replace(self.root / f"v{version:06d}", trash)
            shutil.rmtree(trash)
        return doomed

    def publish(self, fill: Callable[[Path], None]) -> int:
        with self.write() as folder:
            fill(folder)
        return int(self.current() or 0)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
