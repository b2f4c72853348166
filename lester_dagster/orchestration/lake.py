"""The data lake the pipelines read: one CSV or Parquet file per source table, a `requests/` folder where
deletion requests arrive as JSON files, and `.lester/`, the lake's deletion journal and writer lock."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from lester_dagster.errors import SchemaError
from lester_dagster.ivm import DeletionRequest
from lester_dagster.ivm.journal import Entry, Journal
from lester_dagster.ivm.requests import MAX_REQUEST_BYTES, FiledRequest
from lester_dagster.storage.lock import WriterLock
from lester_dagster.storage.versions import write_atomically

PENDING, ACCEPTED, REJECTED = "requests", "requests/accepted", "requests/rejected"
CONTROL = ".lester"


@dataclass(frozen=True)
class Filing:
    """A request file waiting in `requests/`: its bytes (read once, bounded), and an identity that
    changes when the file is edited or filed again, so a run applies exactly what was validated."""

    path: Path
    identity: str  # sha256 over name, content, inode and modification time
    content: bytes
    settled: bool  # not modified for the lake's settle time: a writer is done with it
    problem: str = ""  # why it cannot be a request whatever it says (a symlink, too large, unreadable)
    mtime_ns: int = 0

    @property
    def short(self) -> str:
        return self.identity[:16]


class DataLake(dg.ConfigurableResource):
    """A folder of source tables (`<name>.csv` or `<name>.parquet`), deletion requests and the journal."""

    root: str = "data"
    # a request file modified less than this long ago may still be being written (files written by
    # `lester-dagster request-deletion` appear whole, by rename; an editor or a copy may not)
    settle_seconds: float = 1.0

    @property
    def path(self) -> Path:
        return Path(self.root)

    @property
    def control(self) -> Path:
        return self.path / CONTROL

    @property
    def journal(self) -> Journal:
        return Journal(self.control / "journal.sqlite")

    @property
    def lock(self) -> WriterLock:
        return WriterLock(self.control / "writer.lock")

    def source_file(self, name: str) -> Path:
        for suffix in (".parquet", ".csv"):
            candidate = self.path / f"{name}{suffix}"
            if candidate.exists():
                return candidate
        raise SchemaError(
            f"source {name!r} is not in the data lake {self.path.resolve()}: expected {name}.csv or {name}.parquet. "
            "Generate the example lake with `lester-dagster generate-data --mails 1000 --out data`."
        )

    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A source table; with `columns`, checked to have them (extra columns are dropped)."""
        path = self.source_file(name)
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise SchemaError(
                    f"{path}: missing column(s) {missing}; it has {list(frame.columns)}. The pipelines expect "
                    f"{list(columns)}: fix the file's header (nothing was changed)."
                )
            frame = frame[list(columns)]
        return frame

    def columns(self, name: str) -> list[str]:
        """A source table's column names, from its header alone."""
        path = self.source_file(name)
        if path.suffix == ".parquet":
            return [str(c) for c in pq.read_schema(path).names]
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]

    def stage(self, name: str, frame: pd.DataFrame) -> Path:
        """A source table's new content, written and flushed beside the file it will replace (in the same
        format); a transaction moves it into place."""
        path = self.source_file(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        try:
            if path.suffix == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_csv(tmp, index=False)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp)

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        """Replaces a source table atomically, in the format it already has."""
        staged = self.stage(name, frame)
        path = self.source_file(name)
        os.replace(staged, path)
        return path

    def leftovers(self) -> list[Path]:
        """Temp files of interrupted writes beside the source tables (they may hold erased rows)."""
        if not self.path.exists():
            return []
        return sorted(p for p in self.path.iterdir() if p.is_file() and p.name.startswith(".")
                      and (".csv." in p.name or ".parquet." in p.name))

    # ---- deletion requests ---------------------------------------------------------------------------

    def filings(self) -> list[Filing]:
        """Request files waiting in `requests/` (`*.json`, any case), oldest first; hidden files are
        writes in progress and are left alone."""
        folder = self.path / PENDING
        if not folder.is_dir():
            return []
        out = []
        for entry in os.scandir(folder):
            if entry.name.startswith(".") or not entry.name.lower().endswith(".json"):
                continue
            if entry.is_dir(follow_symlinks=False):
                continue
            out.append(self._filing(Path(entry.path)))
        return sorted(out, key=lambda f: (f.mtime_ns, f.path.name))

    def _filing(self, path: Path) -> Filing:
        try:
            info = path.lstat()
        except OSError as error:
            return Filing(path, _identity(path.name, b"", 0, 0), b"", True, f"cannot read it ({error.strerror})")
        at = info.st_mtime_ns
        settled = time.time() - info.st_mtime >= self.settle_seconds
        identity = _identity(path.name, b"", info.st_ino, info.st_mtime_ns)
        if stat.S_ISLNK(info.st_mode):
            return Filing(path, identity, b"", True, "it is a symbolic link; put the request itself in requests/", at)
        if not stat.S_ISREG(info.st_mode):
            return Filing(path, identity, b"", True, "it is not a regular file", at)
        if info.st_size > MAX_REQUEST_BYTES:
            return Filing(path, identity, b"", settled,
                          f"it has {info.st_size:,} bytes; a request has at most {MAX_REQUEST_BYTES:,}: split it", at)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle:
                content = handle.read(MAX_REQUEST_BYTES + 1)
        except OSError as error:
            return Filing(path, identity, b"", settled, f"cannot read it ({error.strerror})", at)
        return Filing(path, _identity(path.name, content, info.st_ino, info.st_mtime_ns), content, settled, "", at)

    def submit(self, request: DeletionRequest | FiledRequest | dict) -> Path:
        """Writes a request into `requests/` (what `lester-dagster request-deletion` does), atomically, so
        the sensor never sees a half-written file."""
        if isinstance(request, DeletionRequest):
            body = {k: v for k, v in request.to_dict().items() if k != "request_id"}
        elif isinstance(request, FiledRequest):
            body = request.to_dict()
        else:
            body = dict(request)
        folder = self.path / PENDING
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{_stamp()}-{secrets.token_hex(4)}.json"
        tmp = folder / f".{path.name}.tmp"
        tmp.write_text(json.dumps(body, indent=1))
        os.replace(tmp, path)
        return path

    def receipt(self, filing: Filing, entry: Entry) -> Path:
        """Files an accepted request: a receipt with its id replaces the file (the journal keeps the
        request; the file would keep a subject's e-mail address in the lake for good)."""
        folder = self.path / ACCEPTED
        folder.mkdir(parents=True, exist_ok=True)
        receipt = folder / f"{_stamp()}-{filing.path.name}.receipt.json"
        write_atomically(receipt, json.dumps({"file": filing.path.name, "request_id": entry.request_id,
                                              "seq": entry.seq, "accepted_at": _now(), "does": entry.summary}, indent=1))
        filing.path.unlink(missing_ok=True)
        return receipt

    def reject(self, filing: Filing, reason: str) -> Path:
        """Moves a request aside with its reason beside it; it is never silently dropped."""
        folder = self.path / REJECTED
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{_stamp()}-{filing.path.name}"
        write_atomically(folder / f"{target.name}.reason.json",
                         json.dumps({"file": filing.path.name, "rejected_at": _now(), "reason": reason}, indent=1))
        if filing.path.is_symlink():
            # a link is removed, never followed or kept: its target (anywhere) is not lester's to move
            filing.path.unlink()
        elif filing.path.exists():
            os.replace(filing.path, target)
        return target

    def rejected(self) -> list[dict[str, str]]:
        folder = self.path / REJECTED
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.reason.json"))] if folder.exists() else []

    def receipts(self) -> list[dict[str, object]]:
        folder = self.path / ACCEPTED
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.receipt.json"))] if folder.exists() else []


def _identity(name: str, content: bytes, inode: int, mtime_ns: int) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(content)
    digest.update(f"\0{inode}\0{mtime_ns}".encode())
    return digest.hexdigest()


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
