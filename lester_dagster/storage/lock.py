"""One writer per lake: every step that writes a source, an artifact, the journal or the audit log holds
an exclusive lock on the lake for as long as it reads what it will change and commits; readers that must
not see a version disappear under them hold it shared. The lock is an `flock` on a file, so the kernel
releases it when its holder dies, however it dies: a crashed run never leaves the lake locked."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from lester_dagster.storage.versions import StorageError, write_atomically

_HELD = threading.local()  # per thread: lock path -> [mode, depth, fd]


class LockTimeout(StorageError):
    """Another writer held the lake's lock for longer than the wait allowed."""


class WriterLock:
    """The lock file of one lake. Re-entrant within a thread (a step that holds it exclusively can call
    code that asks for it again); two threads or processes exclude each other."""

    def __init__(self, path: str | os.PathLike[str], timeout: float = 6 * 3600, poll: float = 0.05) -> None:
        self.path = Path(path)
        self.timeout, self.poll = timeout, poll

    @property
    def holder_path(self) -> Path:
        return self.path.with_name(self.path.name + ".holder")

    def holder(self) -> dict[str, object]:
        """Who holds (or last held) the lock exclusively: for messages while waiting."""
        try:
            return json.loads(self.holder_path.read_text())
        except (OSError, ValueError):
            return {}

    @contextmanager
    def exclusive(self, holder: str = "", on_wait: Callable[[dict[str, object]], None] | None = None) -> Iterator[None]:
        with self._hold(fcntl.LOCK_EX, holder, on_wait):
            yield

    @contextmanager
    def shared(self, on_wait: Callable[[dict[str, object]], None] | None = None) -> Iterator[None]:
        with self._hold(fcntl.LOCK_SH, "", on_wait):
            yield

    def held_exclusively(self) -> bool:
        entry = self._held().get(str(self.path))
        return bool(entry and entry[0] == fcntl.LOCK_EX)

    @staticmethod
    def _held() -> dict[str, list[int]]:
        if not hasattr(_HELD, "locks"):
            _HELD.locks = {}
        return _HELD.locks

    @contextmanager
    def _hold(self, mode: int, holder: str, on_wait: Callable[[dict[str, object]], None] | None) -> Iterator[None]:
        held = self._held()
        key = str(self.path)
        if key in held:
            if held[key][0] == fcntl.LOCK_SH and mode == fcntl.LOCK_EX:
                # upgrading would deadlock against another reader doing the same
                raise StorageError(f"{self.path}: this thread holds the lock shared and asked for it exclusively.")
            held[key][1] += 1
            try:
                yield
            finally:
                held[key][1] -= 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._acquire(fd, mode, on_wait)
            held[key] = [mode, 1, fd]
            if mode == fcntl.LOCK_EX:
                write_atomically(self.holder_path, json.dumps({
                    "holder": holder, "pid": os.getpid(), "host": socket.gethostname(),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }))
            try:
                yield
            finally:
                del held[key]
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _acquire(self, fd: int, mode: int, on_wait: Callable[[dict[str, object]], None] | None) -> None:
        started = time.monotonic()
        told = -1.0
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited > self.timeout:
                    raise LockTimeout(
                        f"waited {waited:.0f} s for the lake lock {self.path}, held by {self.holder()}; "
                        "another lester run is writing. Let it finish, or stop it in the Dagster UI."
                    ) from None
                if on_wait is not None and waited - told >= 30:
                    told = waited
                    on_wait(self.holder())
                time.sleep(self.poll)
