"""Versioned, atomic artifact directories: every version of an artifact is written into a fresh folder and
published by atomically replacing a small pointer file, so a crash mid-write leaves the last good
version readable. The pointer also records which deletion requests the version reflects (a journal
watermark), so a run that finds an artifact behind the journal knows exactly what it still lacks. Old
versions stay addressable until pruned: a retention limit prunes the oldest, and a deletion prunes
every version that still holds the deleted data."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lester_dagster.errors import LesterError
from lester_dagster.faults import crash_point

if TYPE_CHECKING:
    from upath import UPath

POINTER = "CURRENT"
_STAGING, _TRASH = ".staging-", ".trash-"


class StorageError(LesterError):
    """An artifact or version that does not exist, or a store that cannot be written."""


class StaleVersionError(StorageError):
    """A commit whose base moved: another writer published a version after this one was read."""


class VersionedDirectory:
    """The versions of one artifact under `root`: `v000001/`, `v000002/`, ... and `CURRENT` naming one.

    `CURRENT` is JSON: the version, and `reflects_through`, the highest journal sequence number whose
    deletion request the version reflects (0 before any).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def pointer(self) -> dict[str, Any]:
        try:
            return json.loads((self.root / POINTER).read_text())
        except FileNotFoundError:
            return {}

    def current(self) -> int | None:
        version = self.pointer().get("version")
        return None if version is None else int(version)

    def reflects_through(self) -> int:
        return int(self.pointer().get("reflects_through", 0))

    def versions(self) -> list[int]:
        if not self.root.exists():
            return []
        return sorted(int(p.name[1:]) for p in self.root.iterdir() if _is_version(p))

    def path(self, version: int | None = None) -> Path:
        """The folder of a version (default: the current one)."""
        version = self.current() if version is None else version
        if version is None:
            raise StorageError(f"no version of {self.root} has been written yet; materialise it first.")
        path = self.root / f"v{version:06d}"
        if not path.is_dir():
            raise StorageError(f"version {version} of {self.root} does not exist; versions are {self.versions()}.")
        return path

    def stage(self, fill: Callable[[Path], None]) -> Path:
        """A new hidden folder filled by `fill` and flushed to disk, not yet a version; removed if `fill` fails."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=self.root))
        try:
            fill(staging)
            _fsync_tree(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def next_version(self) -> int:
        return max(self.versions(), default=0) + 1

    @contextmanager
    def write(self, reflects_through: int | None = None, expected: int | None | object = ...) -> Iterator[Path]:
        """Yields an empty folder to fill; on success it becomes the next version and the current one.
        On an exception the partial folder is removed and the current version is untouched. With
        `expected`, the commit fails (StaleVersionError) unless the current version is still that one.
        Callers that can race hold the lake's WriterLock; a crash between the folder's rename and the
        pointer leaves an orphan version newer than CURRENT, which `clean_leftovers` removes."""
        staging = self.stage(lambda folder: None)
        try:
            yield staging
            _fsync_tree(staging)
            self._check_base(expected)
            version = self.next_version()
            os.replace(staging, self.root / f"v{version:06d}")
            _fsync_dir(self.root)
            if reflects_through is None:
                reflects_through = self.reflects_through()
            write_atomically(self.root / POINTER, json.dumps({"version": version, "reflects_through": reflects_through}))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def publish(self, fill: Callable[[Path], None], reflects_through: int | None = None) -> int:
        with self.write(reflects_through) as folder:
            fill(folder)
        return int(self.current() or 0)

    def _check_base(self, expected: int | None | object) -> None:
        if expected is not ... and self.current() != expected:
            raise StaleVersionError(
                f"{self.root} moved from version {expected} to {self.current()} while this commit was being "
                "prepared; it must be redone on the new version."
            )

    def prune(self, keep: int) -> list[int]:
        """Removes all but the newest `keep` versions (never the current one); returns those removed."""
        if keep < 1:
            raise StorageError(f"keep must be at least 1 (the current version), got {keep}.")
        current = self.current()
        doomed = [v for v in self.versions()[:-keep] if v != current]
        for version in doomed:
            # renamed first so a reader never sees a half-deleted version folder
            trash = self.root / f"{_TRASH}v{version:06d}"
            os.replace(self.root / f"v{version:06d}", trash)
            crash_point("purge:after-rename")
            shutil.rmtree(trash)
        return doomed

    def leftovers(self) -> list[Path]:
        """What crashes leave behind: staging and trash folders, temp files of the pointer, and versions
        newer than the current one (staged by a commit that never completed)."""
        if not self.root.exists():
            return []
        current = self.current() or 0
        found = []
        for p in self.root.iterdir():
            if p.name.startswith((_STAGING, _TRASH, f".{POINTER}.")) or (_is_version(p) and int(p.name[1:]) > current):
                found.append(p)
        return sorted(found)

    def clean_leftovers(self) -> list[Path]:
        found = self.leftovers()
        for path in found:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        return found


def _is_version(path: Path) -> bool:
    return path.name.startswith("v") and path.name[1:].isdigit() and path.is_dir()


def write_atomically(path: Path, text: str) -> None:
    """Replaces `path` with `text` so that readers see the old or the new content, never a part, and the
    new content survives a power cut once this returns."""
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


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RemoteVersionedDirectory(VersionedDirectory):
    """The same versions on an object store (S3, GCS, Azure through fsspec). A version is written whole
    under its final name and becomes current only when the pointer (one object, replaced in one PUT)
    names it, so readers never see a part. Versions never change once written, so reads go through a
    local cache; purging a version removes the cached copy too."""

    # an object-store path in place of the local one: every method that touches it is overridden here
    root: UPath  # type: ignore[assignment]

    def __init__(self, root: UPath, cache: str | os.PathLike[str]) -> None:
        self.root = root
        self.cache = Path(cache)

    def pointer(self) -> dict[str, Any]:
        # another process may have replaced it: never trust fsspec's cached listing or ETag
        path = f"{self.root.path}/{POINTER}"
        self.root.fs.invalidate_cache(path)
        try:
            return json.loads(self.root.fs.cat_file(path))
        except FileNotFoundError:
            return {}

    def write_pointer(self, content: dict[str, Any]) -> None:
        self.root.fs.pipe_file(f"{self.root.path}/{POINTER}", json.dumps(content).encode())

    def versions(self) -> list[int]:
        try:
            names = [str(p).rstrip("/").rsplit("/", 1)[-1]
                     for p in self.root.fs.ls(self.root.path, detail=False, refresh=True)]
        except FileNotFoundError:
            return []
        return sorted(int(n[1:]) for n in names if n[:1] == "v" and n[1:].isdigit())

    def path(self, version: int | None = None) -> Path:
        """A local copy of a version (default: the current one), fetched on first use."""
        version = self.current() if version is None else version
        if version is None:
            raise StorageError(f"no version of {self.root} has been written yet; materialise it first.")
        local = self.cache / f"v{version:06d}"
        if not local.is_dir():
            if version not in self.versions():
                raise StorageError(f"version {version} of {self.root} does not exist; versions are {self.versions()}.")
            self.cache.mkdir(parents=True, exist_ok=True)
            fetched = Path(tempfile.mkdtemp(prefix=_STAGING, dir=self.cache))
            self.root.fs.invalidate_cache(f"{self.root.path}/v{version:06d}")
            self.root.fs.get(f"{self.root.path}/v{version:06d}/", str(fetched) + "/", recursive=True)
            os.replace(fetched, local)
        return local

    def stage(self, fill: Callable[[Path], None]) -> Path:
        self.cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=self.cache))
        try:
            fill(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def upload(self, staging: Path, version: int) -> None:
        """Writes a staged version under its final name (not current until the pointer names it) and keeps
        the staged folder as its cached copy."""
        self.root.fs.put(str(staging) + "/", f"{self.root.path}/v{version:06d}/", recursive=True)
        local = self.cache / f"v{version:06d}"
        shutil.rmtree(local, ignore_errors=True)
        os.replace(staging, local)

    @contextmanager
    def write(self, reflects_through: int | None = None, expected: int | None | object = ...) -> Iterator[Path]:
        staging = self.stage(lambda folder: None)
        try:
            yield staging
            self._check_base(expected)
            version = self.next_version()
            self.upload(staging, version)
            if reflects_through is None:
                reflects_through = self.reflects_through()
            self.write_pointer({"version": version, "reflects_through": reflects_through})
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def prune(self, keep: int) -> list[int]:
        if keep < 1:
            raise StorageError(f"keep must be at least 1 (the current version), got {keep}.")
        current = self.current()
        doomed = [v for v in self.versions()[:-keep] if v != current]
        for version in doomed:
            self.root.fs.rm(f"{self.root.path}/v{version:06d}", recursive=True)
            crash_point("purge:after-rename")
            shutil.rmtree(self.cache / f"v{version:06d}", ignore_errors=True)
        return doomed

    def leftovers(self) -> list[Path]:
        """Versions uploaded but never made current, and cached copies that are not (or no longer) copies
        of a version: a purge that died between the object store and the cache leaves one."""
        current = self.current() or 0
        versions = self.versions()
        found: list[Any] = [self.root / f"v{v:06d}" for v in versions if v > current]
        if self.cache.is_dir():
            found += [p for p in self.cache.iterdir() if p.name.startswith((_STAGING, _TRASH))
                      or (_is_version(p) and (int(p.name[1:]) > current or int(p.name[1:]) not in versions))]
        return found

    def clean_leftovers(self) -> list[Path]:
        found = self.leftovers()
        for path in found:
            if isinstance(path, Path) and not hasattr(path, "fs"):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            else:  # an uploaded version, a UPath among the Paths
                uploaded: Any = path
                self.root.fs.rm(uploaded.path, recursive=True)
        return found


def is_remote(location: str | os.PathLike[str]) -> bool:
    text = str(location)
    return "://" in text and not text.startswith("file://")


def versioned(location: Any, cache: str | os.PathLike[str] | None = None) -> VersionedDirectory:
    """The versioned folder at a local path or an object-store URI (which needs a local cache)."""
    if not is_remote(location):
        return VersionedDirectory(location)
    from upath import UPath

    if cache is None:
        raise StorageError(f"{location} is on an object store: give a local cache folder for its versions.")
    return RemoteVersionedDirectory(UPath(str(location)), cache)
