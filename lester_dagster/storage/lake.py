"""The data lake the pipelines read, without Dagster: its source tables (Delta tables, CSV or Parquet files, or
database tables), a `requests/` folder where deletion requests arrive as JSON files, and `.lester/`, the
lake's deletion journal and writer lock. `Lake` serves the command line (filing a request imports no Dagster);
`lester_dagster.orchestration.DataLake` is the same lake as a Dagster resource."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from lester_dagster.errors import SchemaError
from lester_dagster.ivm import DeletionRequest
from lester_dagster.ivm.journal import Entry, Journal
from lester_dagster.ivm.requests import MAX_REQUEST_BYTES, FiledRequest
from lester_dagster.storage.lock import WriterLock
from lester_dagster.storage.tables import DeltaSource, FileSource, SourceTable, SqlSource
from lester_dagster.storage.versions import write_atomically

PENDING, ACCEPTED, REJECTED = "requests", "requests/accepted", "requests/rejected"
CONTROL = ".lester"
_SQL_SCHEMES = ("postgresql", "postgres", "sqlite", "mysql", "mssql", "oracle")


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


class LakeAccess:
    """What a lake does, for any class that has its settings (`Lake`, and the Dagster resource `DataLake`)."""

    root: str
    settle_seconds: float
    tables: Mapping[str, str]
    storage_options: Mapping[str, str]
    state_dir: str

    @property
    def path(self) -> Path:
        return Path(self.root)

    @property
    def remote(self) -> bool:
        return "://" in self.root and not self.root.startswith("file://")

    @property
    def local(self) -> Path:
        """The local folder of requests and of the lake's control files."""
        if self.state_dir:
            return Path(self.state_dir)
        if self.remote:
            raise SchemaError(f"the lake {self.root} is on an object store: give it a local `state_dir` for its "
                              "journal, writer lock and requests folder.")
        return self.path

    @property
    def control(self) -> Path:
        return self.local / CONTROL

    @property
    def journal(self) -> Journal:
        return Journal(self.control / "journal.sqlite")

    @property
    def lock(self) -> WriterLock:
        return WriterLock(self.control / "writer.lock")

    def table(self, name: str) -> SourceTable:
        """Where a source lives and how to change it."""
        if name in self.tables:
            location = self.tables[name]
            if location.split(":", 1)[0].split("+", 1)[0] in _SQL_SCHEMES:
                url, _, table = location.partition("#")
                return SqlSource(name, url, table or name)
            return DeltaSource(name, location, self.storage_options)
        delta = DeltaSource(name, f"{self.root.rstrip('/')}/{name}", self.storage_options)
        if (not self.remote and (self.path / name / "_delta_log").is_dir()) or (self.remote and delta.exists()):
            return delta
        for suffix in (".parquet", ".csv"):
            candidate = self.path / f"{name}{suffix}"
            if candidate.exists():
                return FileSource(name, candidate)
        raise SchemaError(
            f"source {name!r} is not in the data lake {self.root}: expected a Delta table {name}/ (or {name}.csv, "
            f"{name}.parquet), or a location for it in the lake's `tables`. Generate the example lake with "
            "`lester-dagster generate-data --mails 1000 --out data`."
        )

    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A source table; with `columns`, checked to have them (extra columns are dropped)."""
        return self.table(name).read(columns)

    def columns(self, name: str) -> list[str]:
        """A source table's column names, from its schema alone."""
        return self.table(name).columns()

    def sources(self) -> list[str]:
        """The sources the lake folder holds (tables elsewhere are named in `tables`)."""
        found = set(self.tables)
        if not self.remote and self.path.is_dir():
            for entry in self.path.iterdir():
                if entry.is_dir() and (entry / "_delta_log").is_dir():
                    found.add(entry.name)
                elif entry.suffix in (".csv", ".parquet") and not entry.name.startswith("."):
                    found.add(entry.stem)
        return sorted(found)

    def leftovers(self) -> list[Path]:
        """Temp files of interrupted writes beside CSV and Parquet sources (they may hold erased rows)."""
        if self.remote or not self.path.exists():
            return []
        return sorted(p for p in self.path.iterdir() if p.is_file() and p.name.startswith(".")
                      and (".csv." in p.name or ".parquet." in p.name))

    # ---- deletion requests ---------------------------------------------------------------------------

    def filings(self) -> list[Filing]:
        """Request files waiting in `requests/` (`*.json`, any case), oldest first; hidden files are
        writes in progress and are left alone."""
        folder = self.local / PENDING
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
        settled = self.settle_seconds <= 0 or time.time() - info.st_mtime >= self.settle_seconds
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

    def submit(self, request: DeletionRequest | FiledRequest | Mapping[str, Any]) -> Path:
        """Writes a request into `requests/` (what `lester-dagster request-deletion` does), atomically, so
        the sensor never sees a half-written file."""
        if isinstance(request, DeletionRequest):
            body = {k: v for k, v in request.to_dict().items() if k != "request_id"}
        elif isinstance(request, FiledRequest):
            body = request.to_dict()
        else:
            body = dict(request)
        folder = self.local / PENDING
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{_stamp()}-{secrets.token_hex(4)}.json"
        tmp = folder / f".{path.name}.tmp"
        tmp.write_text(json.dumps(body, indent=1))
        os.replace(tmp, path)
        return path

    def receipt(self, filing: Filing, entry: Entry) -> Path:
        """Files an accepted request: a receipt with its id replaces the file (the journal keeps the
        request; the file would keep a subject's e-mail address in the lake for good)."""
        folder = self.local / ACCEPTED
        folder.mkdir(parents=True, exist_ok=True)
        receipt = folder / f"{_stamp()}-{filing.path.name}.receipt.json"
        write_atomically(receipt, json.dumps({"file": filing.path.name, "request_id": entry.request_id,
                                              "seq": entry.seq, "accepted_at": _now(), "does": entry.summary}, indent=1))
        filing.path.unlink(missing_ok=True)
        return receipt

    def reject(self, filing: Filing, reason: str) -> Path:
        """Moves a request aside with its reason beside it; it is never silently dropped."""
        folder = self.local / REJECTED
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
        folder = self.local / REJECTED
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.reason.json"))] if folder.exists() else []

    def receipts(self) -> list[dict[str, object]]:
        folder = self.local / ACCEPTED
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.receipt.json"))] if folder.exists() else []


@dataclass(frozen=True)
class Lake(LakeAccess):
    """A lake by its settings alone (see `DataLake` for what each means)."""

    root: str = "data"
    settle_seconds: float = 1.0
    tables: Mapping[str, str] = field(default_factory=dict)
    storage_options: Mapping[str, str] = field(default_factory=dict)
    state_dir: str = ""

def _identity(name: str, content: bytes, inode: int, mtime_ns: int) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(content)
    digest.update(f"\0{inode}\0{mtime_ns}".encode())
    return digest.hexdigest()


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
