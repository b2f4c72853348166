"""The lake's source tables where they live: Delta Lake tables (the default; on a local disk or an object
store), CSV and Parquet files, and tables of a SQL database. Each can be read, and has deletions applied
in its own transaction: a Delta `MERGE` that deletes rows or sets cells to null (joined on the key, so no
key or value ever appears in the table's log), a rewritten file, or SQL `DELETE`/`UPDATE` statements with
bound parameters. `purge` then removes every readable copy the table's own history still holds."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from lester_dagster.errors import SchemaError
from lester_dagster.storage.versions import StorageError

# Delta properties lester keeps on a lake table: no history beyond the current version after a purge
# (old log entries keep per-file min/max statistics, which can be an erased e-mail address)
PURGE_PROPERTIES = {"delta.logRetentionDuration": "interval 0 days",
                    "delta.deletedFileRetentionDuration": "interval 0 days"}
_RETRIES = 5


@dataclass(frozen=True)
class Change:
    """What a deletion did to a lake table."""

    rows_erased: int
    cells_redacted: int
    version: int | None = None  # the table's version after it (Delta), if it has versions


@dataclass(frozen=True)
class Purge:
    files_removed: int
    log_entries_removed: int
    seconds: float


class SourceTable(Protocol):
    """One table of the lake."""

    @property
    def name(self) -> str: ...  # read-only: the sources are frozen dataclasses

    def exists(self) -> bool: ...

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame: ...

    def columns(self) -> list[str]: ...

    def purge(self) -> Purge: ...

    # Delta and SQL tables also `apply(key, erase, redact)` a deletion in place; a file is rewritten whole by
    # the step's transaction (`stage`)


def _key_table(key: str, keys: Sequence[Any], dtype: Any) -> pa.Table:
    values = pd.Series(list(keys)).astype(dtype) if len(keys) else pd.Series([], dtype=dtype)
    return pa.Table.from_pandas(pd.DataFrame({key: values}), preserve_index=False)


@dataclass(frozen=True)
class DeltaSource:
    """A Delta Lake table (delta-rs: no JVM), at a local path or an object-store URI."""

    name: str
    uri: str
    storage_options: Mapping[str, str] = field(default_factory=dict)

    def _table(self) -> Any:
        from deltalake import DeltaTable

        return DeltaTable(self.uri, storage_options=dict(self.storage_options) or None)

    def exists(self) -> bool:
        from deltalake import DeltaTable

        return DeltaTable.is_deltatable(self.uri, storage_options=dict(self.storage_options) or None)

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        table = self._table()
        names = [f.name for f in table.schema().fields]
        if columns is not None:
            missing = [c for c in columns if c not in names]
            if missing:
                raise SchemaError(f"Delta table {self.uri}: missing column(s) {missing}; it has {names}. The pipelines "
                                  f"expect {list(columns)}: fix the table's schema (nothing was changed).")
        frame = table.to_pyarrow_table(columns=list(columns) if columns is not None else None).to_pandas()
        return frame

    def columns(self) -> list[str]:
        return [f.name for f in self._table().schema().fields]

    def version(self) -> int:
        return int(self._table().version())

    def apply(self, key: str, erase: Sequence[Any], redact: Mapping[tuple[str, ...], Sequence[Any]]) -> Change:
        """One MERGE for all of it, retried on a conflicting concurrent commit (optimistic concurrency)."""
        from deltalake.exceptions import CommitFailedError

        for attempt in range(_RETRIES):
            table = self._table()
            dtype = table.to_pyarrow_table(columns=[key]).to_pandas()[key].dtype
            operations = [("erase", (), erase)] + [
                (f"redact{i}", columns, keys) for i, (columns, keys) in enumerate(redact.items())
            ]
            parts = [pd.DataFrame({key: pd.Series(list(keys)).astype(dtype) if len(keys) else pd.Series([], dtype=dtype),
                                   "__lester_op": name}) for name, _, keys in operations if len(keys)]
            if not parts:
                return Change(0, 0, table.version())
            source = pa.Table.from_pandas(pd.concat(parts, ignore_index=True), preserve_index=False)
            merger = table.merge(source, predicate=f"t.`{key}` = s.`{key}`", source_alias="s", target_alias="t")
            if len(erase):
                merger = merger.when_matched_delete(predicate="s.__lester_op = 'erase'")
            for name, columns, keys in operations[1:]:
                if len(keys):
                    merger = merger.when_matched_update(dict.fromkeys(columns, "NULL"), predicate=f"s.__lester_op = '{name}'")
            try:
                metrics = merger.execute()
            except CommitFailedError:
                time.sleep(0.05 * 2**attempt)  # another writer committed first: redo on its version
                continue
            return Change(int(metrics.get("num_target_rows_deleted", 0)), int(metrics.get("num_target_rows_updated", 0)),
                          self.version())
        raise StorageError(f"Delta table {self.uri}: {_RETRIES} commits in a row conflicted with other writers; "
                           "the deletion was not applied and is retried by the next run.")

    def overwrite(self, frame: pd.DataFrame) -> Change:
        """Replaces the table's content in one commit (a source with no key to merge on)."""
        from deltalake import write_deltalake

        write_deltalake(self.uri, frame, mode="overwrite", storage_options=dict(self.storage_options) or None)
        return Change(0, 0, self.version())

    def purge(self) -> Purge:
        """Deletes the files earlier commits removed (the rows they held are gone from the current version
        only) and the log entries before a fresh checkpoint (their per-file statistics can hold erased
        values). Files no commit removed are never touched, so a concurrent writer's new files are safe."""
        started = time.perf_counter()
        table = self._table()
        if any(table.metadata().configuration.get(k) != v for k, v in PURGE_PROPERTIES.items()):
            table.alter.set_table_properties(PURGE_PROPERTIES)
            table = self._table()
        removed = table.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False)
        table = self._table()
        logs_before = _log_entries(table)
        table.create_checkpoint()
        table.cleanup_metadata()
        return Purge(len(removed), max(0, logs_before - _log_entries(self._table())), time.perf_counter() - started)


def _log_entries(table: Any) -> int:
    try:
        return len(table.history())
    except Exception:  # noqa: BLE001 - history of a table whose old entries are gone: count what is left
        return 0


def write_delta(uri: str, frame: pd.DataFrame, storage_options: Mapping[str, str] | None = None) -> None:
    """Writes a new lake table with the properties lester needs to purge it."""
    from deltalake import write_deltalake

    write_deltalake(uri, frame, mode="overwrite", schema_mode="overwrite", configuration=PURGE_PROPERTIES,
                    storage_options=dict(storage_options or {}) or None)


@dataclass(frozen=True)
class FileSource:
    """A CSV or Parquet file, rewritten whole on a deletion (importable; Delta is the better home)."""

    name: str
    path: Path

    def exists(self) -> bool:
        return self.path.exists()

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        frame = pd.read_parquet(self.path) if self.path.suffix == ".parquet" else pd.read_csv(self.path)
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise SchemaError(
                    f"{self.path}: missing column(s) {missing}; it has {list(frame.columns)}. The pipelines expect "
                    f"{list(columns)}: fix the file's header (nothing was changed)."
                )
            frame = frame[list(columns)]
        return frame

    def columns(self) -> list[str]:
        if self.path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return [str(c) for c in pq.read_schema(self.path).names]
        return [str(c) for c in pd.read_csv(self.path, nrows=0).columns]

    def stage(self, frame: pd.DataFrame) -> Path:
        """The file's new content, written and flushed beside it, for a transaction to move into place."""
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        os.close(fd)
        try:
            if self.path.suffix == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_csv(tmp, index=False)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp)

    def purge(self) -> Purge:
        return Purge(0, 0, 0.0)  # a rewritten file keeps no history


@dataclass(frozen=True)
class SqlSource:
    """A table of a SQL database (PostgreSQL tested), read with SQLAlchemy; deletions run in one
    transaction with bound parameters, so no key reaches the server's statement log as text."""

    name: str
    url: str
    table: str

    def _engine(self) -> Any:
        import sqlalchemy

        return sqlalchemy.create_engine(self.url, future=True)

    def _table(self, engine: Any) -> Any:
        import sqlalchemy

        return sqlalchemy.Table(self.table, sqlalchemy.MetaData(), autoload_with=engine)

    def exists(self) -> bool:
        import sqlalchemy

        engine = self._engine()
        try:
            return sqlalchemy.inspect(engine).has_table(self.table)
        finally:
            engine.dispose()

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        import sqlalchemy

        engine = self._engine()
        try:
            table = self._table(engine)
            names = [c.name for c in table.columns]
            missing = [c for c in columns or () if c not in names]
            if missing:
                raise SchemaError(f"table {self.table!r} of {engine.url.render_as_string(hide_password=True)}: missing "
                                  f"column(s) {missing}; it has {names}. Fix the table (nothing was changed).")
            chosen = [table.c[c] for c in columns] if columns is not None else list(table.columns)
            with engine.connect() as connection:
                return pd.read_sql(sqlalchemy.select(*chosen), connection)
        finally:
            engine.dispose()

    def columns(self) -> list[str]:
        engine = self._engine()
        try:
            return [c.name for c in self._table(engine).columns]
        finally:
            engine.dispose()

    def apply(self, key: str, erase: Sequence[Any], redact: Mapping[tuple[str, ...], Sequence[Any]]) -> Change:
        engine = self._engine()
        try:
            table = self._table(engine)
            rows = cells = 0
            with engine.begin() as connection:  # one transaction: all of it, or none of it
                if len(erase):
                    rows = connection.execute(table.delete().where(table.c[key].in_(list(erase)))).rowcount
                for columns, keys in redact.items():
                    if len(keys):
                        cells += connection.execute(
                            table.update().where(table.c[key].in_(list(keys))).values(dict.fromkeys(columns))
                        ).rowcount * len(columns)
            return Change(int(rows), int(cells))
        finally:
            engine.dispose()

    def purge(self) -> Purge:
        """VACUUM FULL rewrites the table, so dead row versions no longer sit in its pages (the server's
        write-ahead log and backups are outside lester's reach: see the README)."""
        started = time.perf_counter()
        engine = self._engine()
        try:
            if engine.dialect.name == "postgresql":
                import sqlalchemy

                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(sqlalchemy.text(f'VACUUM FULL "{self.table}"'))
        finally:
            engine.dispose()
        return Purge(0, 0, time.perf_counter() - started)
