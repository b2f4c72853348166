"""The deletion journal of a lake: every filed request gets an id and a sequence number that lester
assigns, its validated content is frozen here (runs never re-read the user's file), and it moves
validated -> applying -> applied (or rejected with its reason, or failed after repeated attempts).
Every artifact version records the highest sequence number it reflects, so a run after any crash
applies exactly what each artifact still lacks, and the effects of every accepted request are applied
again on every read of the lake: erased data stays erased even if an old export is copied back.

The audit log lives here too: append-only (the database refuses updates and deletes of its rows) and
tamper-evident (each entry's hash covers its predecessor's). SQLite gives atomic, crash-safe commits
with no server; deleted rows are overwritten on disk (`secure_delete`)."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lester_dagster.errors import LesterError
from lester_dagster.ivm.requests import DeletionRequest
from lester_dagster.ivm.resolve import SourceSchema

VALIDATED, APPLYING, APPLIED, REJECTED, FAILED = "validated", "applying", "applied", "rejected", "failed"
STATES = (VALIDATED, APPLYING, APPLIED, REJECTED, FAILED)
OPEN = (VALIDATED, APPLYING)  # accepted, not yet proven applied
GENESIS = "0" * 64

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT UNIQUE NOT NULL,
    filing TEXT UNIQUE,
    client_reference TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ({", ".join(f"'{s}'" for s in STATES)})),
    filed_at TEXT NOT NULL,
    request TEXT NOT NULL,
    effects TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    rejection TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    run_id TEXT NOT NULL DEFAULT '',
    worker TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    applied_at TEXT NOT NULL DEFAULT '',
    verified INTEGER
);
CREATE TABLE IF NOT EXISTS scan_values (
    request_id TEXT PRIMARY KEY,
    "values" TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    schema TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT UNIQUE NOT NULL,
    entry TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class JournalError(LesterError):
    """The journal cannot be read or written, or a request is not in the state an operation needs."""


@dataclass(frozen=True)
class Entry:
    """One filed request as the journal knows it."""

    seq: int
    request_id: str
    state: str
    filed_at: str
    effects: tuple[DeletionRequest, ...]
    request: dict[str, Any] = field(default_factory=dict)  # the filed request, subject values as digests
    summary: str = ""
    rejection: str = ""
    attempts: int = 0
    run_id: str = ""
    worker: str = ""
    last_error: str = ""
    applied_at: str = ""
    verified: bool | None = None
    client_reference: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.source for e in self.effects))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_READY: set[str] = set()  # journals whose schema this process has made sure of


class Journal:
    """The journal database of one lake."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        ready = str(self.path) in _READY and self.path.exists()
        if not ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            connection.execute("PRAGMA secure_delete = ON")
            if not ready:
                connection.executescript(_SCHEMA)
                self.path.chmod(0o600)  # it holds the keys of erased rows
                _READY.add(str(self.path))
            if write:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            else:
                yield connection
        except sqlite3.DatabaseError as error:
            raise JournalError(f"the deletion journal {self.path} cannot be used: {error}. Restore it from backup; "
                               "without it lester cannot tell which requests were applied.") from error
        finally:
            connection.close()

    # ---- filing -------------------------------------------------------------------------------------

    def accept(self, effects: Sequence[DeletionRequest], request: dict[str, Any], summary: str,
               filing: str | None = None, client_reference: str = "", scan_values: Sequence[str] = (),
               run_id: str = "", worker: str = "") -> Entry:
        """Records a validated request and returns it; filing the same file again (same `filing`
        digest) returns the entry it already has. `scan_values` (the distinctive values of the cells that
        go) are kept only until the erasure scan has looked for them."""
        with self._connect(write=True) as db:
            if (known := self._filed(db, filing)) is not None:
                return known
            seq = db.execute(
                "INSERT INTO requests (request_id, filing, client_reference, state, filed_at, request, effects, summary,"
                " run_id, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                (secrets.token_hex(8), filing, client_reference, VALIDATED, now(), json.dumps(request, sort_keys=True),
                 json.dumps([e.to_dict() for e in effects], default=str), summary, run_id, worker),
            ).fetchone()[0]
            request_id = f"d{seq:06d}-{secrets.token_hex(3)}"
            db.execute("UPDATE requests SET request_id = ? WHERE seq = ?", (request_id, seq))
            if scan_values:
                db.execute(
                    'INSERT INTO scan_values (request_id, "values") VALUES (?, ?)',
                    (request_id, json.dumps(list(scan_values))),
                )
            return self._entry(db, seq)

    def reject(self, reason: str, filing: str | None = None) -> Entry:
        """Records a request file that could not be accepted, with the reason (never its content)."""
        with self._connect(write=True) as db:
            if (known := self._filed(db, filing)) is not None:
                return known
            seq = db.execute(
                "INSERT INTO requests (request_id, filing, state, filed_at, request, effects, rejection)"
                " VALUES (?, ?, ?, ?, '{}', '[]', ?) RETURNING seq",
                (secrets.token_hex(8), filing, REJECTED, now(), reason[:2000]),
            ).fetchone()[0]
            db.execute("UPDATE requests SET request_id = ? WHERE seq = ?", (f"d{seq:06d}-rejected", seq))
            return self._entry(db, seq)

    def record_schemas(self, schemas: Mapping[str, SourceSchema]) -> None:
        """The lake's sources as the code location declares them (key columns, references), so tools that
        only have the lake (verify-erasure) know them."""
        with self._connect(write=True) as db:
            for name, schema in schemas.items():
                body = json.dumps({"key": schema.key, "columns": list(schema.columns),
                                   "references": {c: list(t) for c, t in schema.references.items()}}, sort_keys=True)
                db.execute("INSERT INTO sources (name, schema) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET schema = ?",
                           (name, body, body))

    def schemas(self) -> dict[str, SourceSchema]:
        with self._connect() as db:
            rows = db.execute("SELECT name, schema FROM sources").fetchall()
        out = {}
        for name, body in rows:
            data = json.loads(body)
            out[name] = SourceSchema(name, data["key"], tuple(data["columns"]),
                                     {c: (t[0], t[1]) for c, t in data["references"].items()})
        return out

    # ---- reading ------------------------------------------------------------------------------------

    def watermark(self) -> int:
        """The highest sequence number filed: an artifact reflecting it reflects every request."""
        with self._connect() as db:
            return int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM requests").fetchone()[0])

    def entries(self, states: Iterable[str] | None = None, after: int = 0, through: int | None = None) -> list[Entry]:
        query, args = "SELECT seq FROM requests WHERE seq > ?", list[Any]([after])
        if through is not None:
            query, args = query + " AND seq <= ?", [*args, through]
        if states is not None:
            states = list(states)
            query += f" AND state IN ({', '.join('?' * len(states))})"
            args += states
        with self._connect() as db:
            return [self._entry(db, seq) for (seq,) in db.execute(query + " ORDER BY seq", args).fetchall()]

    def entry(self, request_id: str) -> Entry:
        with self._connect() as db:
            row = db.execute("SELECT seq FROM requests WHERE request_id = ?", (request_id,)).fetchone()
            if row is None:
                raise JournalError(f"no request {request_id!r} in the journal {self.path}.")
            return self._entry(db, row[0])

    def by_filing(self, filing: str) -> Entry | None:
        with self._connect() as db:
            return self._filed(db, filing)

    def _filed(self, db: sqlite3.Connection, filing: str | None) -> Entry | None:
        row = None if filing is None else db.execute("SELECT seq FROM requests WHERE filing = ?", (filing,)).fetchone()
        return None if row is None else self._entry(db, row[0])

    def effects(self, source: str | None = None, after: int = 0, through: int | None = None) -> list[tuple[int, DeletionRequest]]:
        """The effects of every accepted request in (after, through], in order: what the lake and every
        artifact must reflect."""
        out = []
        for entry in self.entries([VALIDATED, APPLYING, APPLIED, FAILED], after, through):
            out += [(entry.seq, e) for e in entry.effects if source is None or e.source == source]
        return out

    def _entry(self, db: sqlite3.Connection, seq: int) -> Entry:
        row = db.execute(
            "SELECT seq, request_id, state, filed_at, effects, request, summary, rejection, attempts, run_id, worker,"
            " last_error, applied_at, verified, client_reference FROM requests WHERE seq = ?", (seq,)
        ).fetchone()
        # every effect carries the id the journal assigned, whatever it was built with
        effects = tuple(DeletionRequest.from_dict({**e, "request_id": row[1]}) for e in json.loads(row[4]))
        return Entry(row[0], row[1], row[2], row[3], effects, json.loads(row[5]), row[6], row[7], row[8], row[9],
                     row[10], row[11], row[12], None if row[13] is None else bool(row[13]), row[14])

    # ---- applying -----------------------------------------------------------------------------------

    def start(self, seqs: Iterable[int], run_id: str, worker: str) -> None:
        """Marks open requests as being applied by a run (one more attempt each)."""
        seqs = list(seqs)
        if not seqs:
            return
        with self._connect(write=True) as db:
            db.execute(
                f"UPDATE requests SET state = ?, attempts = attempts + 1, run_id = ?, worker = ?"
                f" WHERE seq IN ({', '.join('?' * len(seqs))}) AND state IN (?, ?)",
                (APPLYING, run_id, worker, *seqs, *OPEN),
            )

    def record_error(self, seq: int, error: str, give_up: bool = False) -> None:
        """Notes why an attempt failed; with `give_up` the request is `failed` and waits for an operator."""
        with self._connect(write=True) as db:
            db.execute("UPDATE requests SET last_error = ?, state = CASE WHEN ? THEN ? ELSE state END"
                       " WHERE seq = ? AND state IN (?, ?)", (error[:2000], give_up, FAILED, seq, *OPEN))

    def retry(self, request_id: str) -> Entry:
        """Puts a failed request back in the queue with its attempts reset (an operator's decision)."""
        with self._connect(write=True) as db:
            changed = db.execute("UPDATE requests SET state = ?, attempts = 0 WHERE request_id = ? AND state = ?",
                                 (VALIDATED, request_id, FAILED)).rowcount
            if not changed:
                raise JournalError(f"request {request_id!r} is not failed; only a failed request can be retried.")
            row = db.execute("SELECT seq FROM requests WHERE request_id = ?", (request_id,)).fetchone()
            return self._entry(db, row[0])

    def mark_applied(self, seq: int, verified: bool) -> None:
        with self._connect(write=True) as db:
            db.execute("UPDATE requests SET state = ?, applied_at = ?, verified = ?, last_error = ''"
                       " WHERE seq = ? AND state IN (?, ?, ?)", (APPLIED, now(), verified, seq, *OPEN, FAILED))

    def scan_values(self, request_id: str) -> list[str]:
        with self._connect() as db:
            row = db.execute('SELECT "values" FROM scan_values WHERE request_id = ?', (request_id,)).fetchone()
        return [] if row is None else json.loads(row[0])

    def forget_scan_values(self, request_id: str) -> None:
        """Drops the values once scanned for; secure_delete overwrites them in the file."""
        with self._connect(write=True) as db:
            db.execute("DELETE FROM scan_values WHERE request_id = ?", (request_id,))

    # ---- the audit log ------------------------------------------------------------------------------

    def append_audit(self, request_id: str, entry: dict[str, Any]) -> str:
        """Appends an entry chained to the previous one and returns its hash; an entry for a request
        that already has one is not appended again (the existing hash is returned)."""
        with self._connect(write=True) as db:
            row = db.execute("SELECT hash FROM audit WHERE request_id = ?", (request_id,)).fetchone()
            if row:
                return str(row[0])
            prev = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            prev_hash = prev[0] if prev else GENESIS
            body = canonical(entry)
            digest = chain_hash(prev_hash, body)
            db.execute("INSERT INTO audit (request_id, entry, prev_hash, hash) VALUES (?, ?, ?, ?)",
                       (request_id, body, prev_hash, digest))
            return digest

    def audit_entries(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("SELECT seq, request_id, entry, prev_hash, hash FROM audit ORDER BY seq").fetchall()
        return [{"audit_seq": s, "request_id": r, **_parse(e), "prev_hash": p, "hash": h} for s, r, e, p, h in rows]

    def audit_head(self) -> tuple[int, str]:
        """(entries, hash of the last one): what an external record pins, so a rewrite shows."""
        with self._connect() as db:
            row = db.execute("SELECT COUNT(*), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1) FROM audit").fetchone()
        return int(row[0]), row[1] or GENESIS

    def verify_audit(self, pinned: Iterable[tuple[int, str]] = ()) -> list[str]:
        """Problems with the audit log (empty when intact): an entry whose hash does not cover its content
        or its predecessor, or a pinned (count, head hash) that the log no longer contains."""
        problems = []
        with self._connect() as db:
            rows = db.execute("SELECT seq, entry, prev_hash, hash FROM audit ORDER BY seq").fetchall()
        prev, hashes = GENESIS, []
        for i, (_seq, body, prev_hash, digest) in enumerate(rows, start=1):
            if prev_hash != prev:
                problems.append(f"audit entry {i} does not follow entry {i - 1}: the chain was cut or reordered")
            if chain_hash(prev_hash, body) != digest:
                problems.append(f"audit entry {i} was changed after it was written (its hash no longer matches)")
            prev = digest
            hashes.append(digest)
        for count, head in pinned:
            if count > len(hashes) or (count and hashes[count - 1] != head):
                problems.append(f"the log no longer holds the entry {count} recorded earlier (hash {head[:12]}): "
                                "entries were removed or rewritten")
        return problems


def canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)


def chain_hash(prev_hash: str, body: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def _parse(body: str) -> dict[str, Any]:
    try:
        return json.loads(body)
    except json.JSONDecodeError:  # a damaged entry is reported by verify_audit, never a reason to stop
        return {"damaged": True}
