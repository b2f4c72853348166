"""Artifact storage: versions are published atomically, a failed write leaves the last good version, and
every artifact (table with provenance, matrix, model, a whole pipeline) round-trips exactly, so IVM can
resume from disk."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import generate
from lester_dagster.ivm import DeletionRequest, apply_deletion
from lester_dagster.pipeline import materialize
from lester_dagster.provenance import ProvColumn, RowProvenance, SourceColumn
from lester_dagster.storage import (
    StorageError,
    VersionedDirectory,
    load_provenance,
    load_state,
    save_provenance,
    save_state,
)
from lester_dagster.storage.artifacts import StoredTable, load_table, save_table
from lester_dagster.storage.lock import WriterLock
from lester_dagster.storage.transaction import Transaction, recover
from lester_dagster.storage.versions import StaleVersionError
from tests.crashes import run_writer


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


# ---- a table and its provenance in one Parquet file -----------------------------------------------------------


def _prepared() -> tuple[pd.DataFrame, RowProvenance]:
    """Three rows: a dense source, one with lists of ids (an aggregate's, an empty one a left join's miss)."""
    frame = pd.DataFrame({"title": ["a", None, "c"], "n": [1.5, 2.0, np.nan], "ok": [True, False, True]})
    provenance = RowProvenance({"mails": ProvColumn.dense(np.array([10, 11, 12])),
                                "customers": ProvColumn(np.array([7, 8, 9]), np.array([0, 2, 2, 3]))}, 3)
    return frame, provenance


def _same_table(loaded: StoredTable, frame: pd.DataFrame, provenance: RowProvenance) -> None:
    pd.testing.assert_frame_equal(loaded.frame, frame)
    assert list(loaded.provenance) == list(provenance) and loaded.provenance.n_rows == provenance.n_rows
    for source, column in provenance.items():
        got = loaded.provenance[source]
        np.testing.assert_array_equal(got.ids, column.ids)
        assert (got.indptr is None) == (column.indptr is None)
        if column.indptr is not None:
            np.testing.assert_array_equal(got.indptr, column.indptr)


def test_a_table_keeps_its_provenance_in_its_own_parquet_file(tmp_path: Path) -> None:
    frame, provenance = _prepared()
    save_table(tmp_path, frame, provenance, {"title": {SourceColumn("mails", "mail_subject")}}, frozenset())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.json", "table.parquet"]
    loaded = load_table(tmp_path)
    _same_table(loaded, pd.read_parquet(_written_as_before(tmp_path / "old", frame, provenance) / "table.parquet"),
                provenance)
    assert loaded.lineage == {"title": frozenset({SourceColumn("mails", "mail_subject")})}
    # the file is a plain table to other readers: the provenance columns are int64 and list<int64>
    stored = [f.type for f in pq.read_schema(tmp_path / "table.parquet") if f.name.startswith("__lester_provenance_")]
    assert stored[0] == pa.int64() and pa.types.is_list(stored[1]) and stored[1].value_type == pa.int64()


def _written_as_before(folder: Path, frame: pd.DataFrame, provenance: RowProvenance) -> Path:
    """A table as lester stored it before: Parquet, and its provenance in provenance.npz beside."""
    folder.mkdir()
    frame.to_parquet(folder / "table.parquet", index=False)
    save_provenance(folder / "provenance.npz", provenance)
    (folder / "table.json").write_text(json.dumps({"lineage": {}, "row_lineage": [], "rows": len(frame)}))
    return folder


def test_a_table_stored_with_provenance_npz_beside_still_loads(tmp_path: Path) -> None:
    frame, provenance = _prepared()
    old = load_table(_written_as_before(tmp_path / "old", frame, provenance))
    save_table(tmp_path, frame, provenance, {}, frozenset())
    _same_table(old, load_table(tmp_path).frame, provenance)


def test_a_table_without_columns_keeps_its_rows_and_their_provenance(tmp_path: Path) -> None:
    provenance = RowProvenance({"mails": ProvColumn.dense(np.array([4, 2]))}, 2)
    save_table(tmp_path, pd.DataFrame(index=range(2)), provenance, {}, frozenset())
    _same_table(load_table(tmp_path), pd.DataFrame(index=pd.RangeIndex(2)), provenance)


def test_a_column_named_like_the_stored_provenance_is_refused(tmp_path: Path) -> None:
    frame, provenance = _prepared()
    with pytest.raises(StorageError, match="__lester_provenance_0.*rename them"):
        save_table(tmp_path, frame.rename(columns={"n": "__lester_provenance_0"}), provenance, {}, frozenset())


TABLE_WRITER = textwrap.dedent("""
    import os, sys
    from pathlib import Path

    from lester_dagster.storage.artifacts import load_table, save_table
    from lester_dagster.storage.lock import WriterLock
    from lester_dagster.storage.transaction import Transaction
    from lester_dagster.storage.versions import VersionedDirectory

    root = Path(sys.argv[1])
    store = VersionedDirectory(root / "prepared")
    old = load_table(store.path())
    kept = old.frame.index[1:]  # the first row erased
    txn = Transaction(root / "txn", WriterLock(root / "lock"))
    txn.new_version(store, lambda folder: save_table(folder, old.frame.iloc[1:].reset_index(drop=True),
                                                      old.provenance.take(kept.to_numpy()), {}, frozenset()),
                    1, base=store.current())
    if sys.argv[2] == "staged":
        os._exit(137)  # killed with the new table staged, nothing committed
    txn.commit()
    store.prune(1)
""")


def _store_with_table(root: Path) -> tuple[pd.DataFrame, RowProvenance]:
    frame, provenance = _prepared()
    VersionedDirectory(root / "prepared").publish(lambda folder: save_table(folder, frame, provenance, {}, frozenset()))
    return frame, provenance


def _table_after_recovery(root: Path) -> StoredTable:
    recover(root / "txn")
    store = VersionedDirectory(root / "prepared")
    store.clean_leftovers()
    assert sorted(p.name for p in store.path().iterdir()) == ["table.json", "table.parquet"]
    return load_table(store.path())


@pytest.mark.parametrize(("point", "outcome"), [
    ("staged", "old"),  # the new table written in its staging folder: a leftover, the pointer untouched
    ("txn:after-intent", "new"),  # the redo log durable: recovery rolls the commit forward
    ("txn:after-first-pointer", "new"),
    ("txn:before-forget", "new"),
    ("purge:after-rename", "new"),  # committed; the old version half purged
    (None, "new"),
])
def test_a_kill_at_each_commit_point_of_a_table_write_leaves_the_old_or_the_new_table(
        point: str | None, outcome: str, tmp_path: Path) -> None:
    frame, provenance = _store_with_table(tmp_path)
    # "staged": the writer kills itself once the new table is staged
    run_writer(TABLE_WRITER, str(tmp_path), str(point), crash_at=None if point == "staged" else point,
               killed=point is not None)
    if outcome == "new":
        frame, provenance = frame.iloc[1:].reset_index(drop=True), provenance.take(np.array([1, 2]))
    _same_table(_table_after_recovery(tmp_path), frame, provenance)


def test_two_table_writers_at_once_one_commits_the_other_fails_and_leaves_nothing(tmp_path: Path) -> None:
    frame, provenance = _store_with_table(tmp_path)
    store = VersionedDirectory(tmp_path / "prepared")
    base = store.current()
    lock = WriterLock(tmp_path / "lock")
    first, second = Transaction(tmp_path / "txn", lock), Transaction(tmp_path / "txn", lock)
    # both read version 1 and stage their own deletion: the first row, the last row
    for txn, kept in ((first, np.array([1, 2])), (second, np.array([0, 1]))):
        old = load_table(store.path())
        txn.new_version(store, lambda folder, o=old, k=kept: save_table(
            folder, o.frame.iloc[k].reset_index(drop=True), o.provenance.take(k), {}, frozenset()), 1, base=base)
    first.commit()
    with pytest.raises(StaleVersionError):
        second.commit()
    store.prune(1)
    assert store.clean_leftovers() == [] and not list(store.root.glob(".staging-*"))
    _same_table(_table_after_recovery(tmp_path), frame.iloc[1:].reset_index(drop=True), provenance.take(np.array([1, 2])))
