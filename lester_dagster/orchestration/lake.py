"""The data lake as a Dagster resource: `Lake`'s settings as configuration, and everything `Lake` does
(lester_dagster.storage.lake)."""

from __future__ import annotations

import dagster as dg

from lester_dagster.storage.lake import ACCEPTED, CONTROL, PENDING, REJECTED, Filing, Lake, LakeAccess

__all__ = ["ACCEPTED", "CONTROL", "PENDING", "REJECTED", "DataLake", "Filing", "Lake"]


# Dagster's stubs make ConfigurableResource generic (in the value a resource yields); subscripting it at runtime
# would make pydantic build another class, so the bare base stays
class DataLake(LakeAccess, dg.ConfigurableResource):  # type: ignore[type-arg]
    """The lake's source tables (Delta tables `<name>/`, or `<name>.csv` / `<name>.parquet` files, in `root`;
    or anywhere `tables` says, a database among them), its deletion requests and its journal."""

    root: str = "data"
    # a request file modified less than this long ago may still be being written (files written by
    # `lester-dagster request-deletion` appear whole, by rename; an editor or a copy may not)
    settle_seconds: float = 1.0
    # source name -> where it lives when not in `root`: a Delta table URI (s3://bucket/lake/mails), or a
    # database URL (postgresql+psycopg://user@host/db) whose table has the source's name ("#table" names another)
    tables: dict[str, str] = {}
    # for object stores: passed to delta-rs (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...); never logged
    storage_options: dict[str, str] = {}
    # where the journal, the writer lock and the requests folder live: `root` for a lake on a local disk;
    # a lake on an object store needs a local folder here (SQLite and flock need a real file system)
    state_dir: str = ""
