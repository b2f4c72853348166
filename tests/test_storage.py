"""Artifact storage: versions are published atomically, a failed write leaves the last good version, and
every artifact (table with provenance, matrix, model, a whole pipeline) round-trips exactly, so IVM can
resume from disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import generate
from lester_dagster.ivm import DeletionRequest, apply_deletion
from lester_dagster.pipeline import materialize
from lester_dagster.provenance import ProvColumn, RowProvenance
from lester_dagster.storage import (
    StorageError,
    VersionedDirectory,
    load_provenance,
    load_state,
    save_provenance,
    save_state,
)


def test_versions_are_published_atomically(tmp_path: Path) -> None:
    store = VersionedDirectory(tmp_path / "prepared")
    with pytest.raises(StorageError, match="no version .* has been written yet"):
        store.path()
    store.publish(lambda folder: (folder / "data.txt").write_text("one"))
    store.publish(lambda folder: (folder / "data.txt").write_text("two"))
    assert store.current() == 2 and store.versions() == [1, 2]
    assert (store.path() / "data.txt").read_text() == "two"
    assert (store.path(1) / "data.txt").read_text() == "one"

    def crash(folder: Path) -> None:
        (folder / "data.txt").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.publish(crash)
    assert store.current() == 2 and (store.path() / "data.txt").read_text() == "two"
    assert not [p for p in os.listdir(store.root) if p.startswith(".staging")]


def test_pruning_keeps_the_newest_versions_and_never_the_current_one(tmp_path: Path) -> None:
    store = VersionedDirectory(tmp_path / "features")
    for text in ("one", "two", "three", "four"):
        store.publish(lambda folder, text=text: (folder / "data.txt").write_text(text))
    assert store.prune(2) == [1, 2] and store.versions() == [3, 4]
    assert store.prune(1) == [3] and (store.path() / "data.txt").read_text() == "four"
    assert store.prune(1) == [] and not [p for p in os.listdir(store.root) if p.startswith(".trash")]
    with pytest.raises(StorageError, match="at least 1"):
        store.prune(0)


def test_a_crash_between_rename_and_pointer_keeps_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = VersionedDirectory(tmp_path / "x")
    store.publish(lambda folder: (folder / "v").write_text("1"))
    import lester_dagster.storage.versions as versions

    def die(*args: object) -> None:
        raise KeyboardInterrupt  # the process is killed after the folder rename

    monkeypatch.setattr(versions, "write_atomically", die)
    with pytest.raises(KeyboardInterrupt):
        store.publish(lambda folder: (folder / "v").write_text("2"))
    monkeypatch.undo()
    assert store.current() == 1 and (store.path() / "v").read_text() == "1"
    # the orphan version the crash left is a leftover, removed before the next write
    assert [p.name for p in store.leftovers()] == ["v000002"]
    store.clean_leftovers()
    store.publish(lambda folder: (folder / "v").write_text("3"))
    assert (store.path() / "v").read_text() == "3"


def test_provenance_round_trips(tmp_path: Path) -> None:
    provenance = RowProvenance(
        {"a": ProvColumn.dense(np.array([5, 6, 7])), "b": ProvColumn(np.array([1, 2, 3]), np.array([0, 2, 2, 3]))}, 3
    )
    save_provenance(tmp_path / "p.npz", provenance)
    loaded = load_provenance(tmp_path / "p.npz")
    assert list(loaded) == ["a", "b"] and loaded["a"].indptr is None
    np.testing.assert_array_equal(loaded.signatures(), provenance.signatures())


def test_a_materialised_pipeline_resumes_from_disk(tmp_path: Path) -> None:
    customers, mails = generate(1500, 1)
    state = materialize(WORD_COUNT_PIPELINE, {"customers": customers, "mails": mails})
    store = VersionedDirectory(tmp_path / "complaints")
    store.publish(lambda folder: save_state(folder, state))
    loaded = load_state(store.path(), WORD_COUNT_PIPELINE)

    pd.testing.assert_frame_equal(loaded.prepared.frame, state.prepared.frame)
    np.testing.assert_array_equal(loaded.prepared.provenance.signatures(), state.prepared.provenance.signatures())
    assert loaded.prepared.lineage == state.prepared.lineage and loaded.matrix == state.matrix
    np.testing.assert_array_equal(loaded.X, state.X)
    np.testing.assert_array_equal(loaded.model.predict_proba(state.X), state.model.predict_proba(state.X))

    # the same deletion applied in memory and after a round trip through disk gives the same artifacts
    request = DeletionRequest("customers", tuple(int(c) for c in state.prepared.provenance["customers"].ids[:3]), "erase")
    for copy in (state, loaded):
        apply_deletion(copy, request)
    pd.testing.assert_frame_equal(loaded.prepared.frame, state.prepared.frame)
    np.testing.assert_allclose(loaded.X, state.X)
    np.testing.assert_allclose(loaded.model.predict_proba(loaded.X), state.model.predict_proba(state.X), atol=1e-6)
    with pytest.raises(StorageError, match="holds pipeline 'complaints_word_counts'"):
        load_state(store.path(), WORD_COUNT_PIPELINE.__class__(**{**WORD_COUNT_PIPELINE.__dict__, "name": "other"}))


def test_loading_an_artifact_as_another_kind_names_the_asset(tmp_path: Path) -> None:
    import dagster as dg

    from lester_dagster.orchestration.io_manager import JsonRecord, LesterIOManager, PreparedTable

    io = LesterIOManager(base_dir=str(tmp_path))
    key = dg.AssetKey(["complaints", "evaluation"])
    io.store(key, JsonRecord({"auc": 0.9}))
    assert io.load(key, expect=JsonRecord).value == {"auc": 0.9}
    with pytest.raises(StorageError, match=r"complaints/evaluation holds a JsonRecord \(json\), not the PreparedTable"):
        io.load(key, expect=PreparedTable)
