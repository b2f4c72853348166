"""Artifact storage without Dagster: versioned atomic folders, multi-artifact transactions, the data lake (its
tables, requests folder, journal and writer lock), and the on-disk formats of tables with provenance, feature
matrices, models and whole materialised pipelines. Names load on first use (the formats need the model
stack, the lake and the lock do not)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lester_dagster._lazy import exports

_ARTIFACTS = "lester_dagster.storage.artifacts"
_EXPORTS = {
    **dict.fromkeys((
        "StoredTable", "load_matrix", "load_provenance", "load_sources", "load_state", "load_table", "save_matrix",
        "save_provenance", "save_sources", "save_state", "save_table", "trust"), _ARTIFACTS),
    "Lake": "lester_dagster.storage.lake",
    "LockTimeout": "lester_dagster.storage.lock",
    "WriterLock": "lester_dagster.storage.lock",
    "Transaction": "lester_dagster.storage.transaction",
    "recover": "lester_dagster.storage.transaction",
    "StaleVersionError": "lester_dagster.storage.versions",
    "StorageError": "lester_dagster.storage.versions",
    "VersionedDirectory": "lester_dagster.storage.versions",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports("lester_dagster.storage", _EXPORTS)

if TYPE_CHECKING:  # the names above, for the type checker (they are re-exported)
    from lester_dagster.storage.artifacts import (
        StoredTable,
        load_matrix,
        load_provenance,
        load_sources,
        load_state,
        load_table,
        save_matrix,
        save_provenance,
        save_sources,
        save_state,
        save_table,
        trust,
    )
    from lester_dagster.storage.lake import Lake
    from lester_dagster.storage.lock import LockTimeout, WriterLock
    from lester_dagster.storage.transaction import Transaction, recover
    from lester_dagster.storage.versions import StaleVersionError, StorageError, VersionedDirectory
