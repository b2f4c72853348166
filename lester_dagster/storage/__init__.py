"""Artifact storage without Dagster: versioned atomic folders, and the on-disk formats of tables with
provenance, feature matrices, models and whole materialised pipelines."""

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
)
from lester_dagster.storage.versions import StorageError, VersionedDirectory

__all__ = [
    "StorageError",
    "StoredTable",
    "VersionedDirectory",
    "load_matrix",
    "load_provenance",
    "load_sources",
    "load_state",
    "load_table",
    "save_matrix",
    "save_provenance",
    "save_sources",
    "save_state",
    "save_table",
]
