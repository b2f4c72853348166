"""The float32 copies of X's rows that a deletion's model stage reads (the held-out rows, the curvature sample)
stay equal to X's rows and to a re-encoding from scratch through redactions and erasures, in memory and from
storage (differential); the model stage reading them gives what reading X gave; a deletion shares the chunks it
does not write instead of copying X, also right after a materialisation in memory; the copies are stored like X
(only touched chunks written, provenance beside each for the erasure scan) and crash-safely."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import generate, leaked_mail_ids
from lester_dagster.features import chunks
from lester_dagster.features.chunks import MANIFEST, ChunkedMatrix, save_chunks
from lester_dagster.ivm import DeletionRequest, apply_deletion
from lester_dagster.model import CURVATURE_ROWS, evaluate, second_order_update, subsample_rows, torch_threads
from lester_dagster.pipeline import CURVATURE, HELD_OUT, MaterializedPipeline, materialize, recompute
from lester_dagster.proof import ErasureTarget, scan_for_erased_data
from lester_dagster.storage import VersionedDirectory, load_state, save_state
from lester_dagster.storage.transaction import recover
from tests.crashes import run_writer

CHEAP = WORD_COUNT_PIPELINE
KEYS = {"customers": "customer_id", "mails": "mail_id"}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Chunks of 64 rows, so that a few thousand rows make many and a deletion touches few of them."""
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 1)
    monkeypatch.setattr(chunks, "MIN_CHUNK_ROWS", 64)
    yield


def lake(n_mails: int, seed: int) -> dict[str, pd.DataFrame]:
    customers, mails = generate(n_mails, seed)
    return {"customers": customers, "mails": mails}


def customers_in_order(state: MaterializedPipeline) -> list[int]:
    return list(dict.fromkeys(int(c) for c in state.prepared.provenance["customers"].ids))


def assert_model_rows_are_x_rows(state: MaterializedPipeline) -> None:
    """The copies hold exactly the held-out rows and a curvature sample of the training rows, with X's values
    in float32, and X's values equal a re-encoding of the sources from scratch (rows aligned by provenance)."""
    X = state.X
    assert isinstance(X, ChunkedMatrix)
    held, sample = X.copies[HELD_OUT], X.copies[CURVATURE]
    np.testing.assert_array_equal(held.rows, np.flatnonzero(state.is_test))
    train = state.train_rows()
    assert np.isin(sample.rows, train).all() and len(sample.rows) == min(CURVATURE_ROWS, len(train))
    assert (np.diff(sample.rows) > 0).all()
    full, X_full = recompute(state, dict(state.sources), backend="pandas")
    mine, theirs = np.argsort(state.prepared.provenance.signatures()), np.argsort(full.provenance.signatures())
    to_full = np.empty(len(mine), dtype=np.int64)
    to_full[mine] = theirs
    for copy in (held, sample):
        values = np.asarray(copy.values)
        assert values.dtype == np.float32
        np.testing.assert_array_equal(values, np.asarray(X[copy.rows]).astype(np.float32))
        np.testing.assert_allclose(values, X_full[to_full[copy.rows]].astype(np.float32), rtol=0, atol=1e-6)


def requests_for(state: MaterializedPipeline, mails: pd.DataFrame) -> list[DeletionRequest]:
    customers = customers_in_order(state)
    prepared_mails = state.prepared.provenance["mails"].ids
    return [
        DeletionRequest("mails", tuple(int(m) for m in leaked_mail_ids(mails)), "redact", ("mail_subject",)),
        DeletionRequest("customers", tuple(customers[10:14]), "erase"),
        # a blank text mentions no complaint: these rows leave the table (held-out and sampled ones among them)
        DeletionRequest("mails", tuple(int(m) for m in prepared_mails[::25]), "redact", ("mail_text",)),
        DeletionRequest("mails", tuple(int(m) for m in prepared_mails[5::40]), "erase"),
    ]


@pytest.mark.parametrize("stored", [False, True], ids=["in memory", "from storage"])
def test_the_float32_rows_stay_equal_to_x_and_to_a_rerun_through_redactions_and_erasures(
    small_chunks: None, tmp_path: Path, stored: bool
) -> None:
    frames = lake(8000, 3)
    state = materialize(CHEAP, frames)
    assert_model_rows_are_x_rows(state)
    train = state.train_rows()
    assert len(train) > 2 * CURVATURE_ROWS  # a real sample, not every training row
    # at materialisation the sample is the one the second-order update drew before it was stored
    seed = state.model.config.seed
    np.testing.assert_array_equal(
        state.X.copies[CURVATURE].rows, train[subsample_rows(len(train), CURVATURE_ROWS, seed)]
    )
    store = VersionedDirectory(tmp_path / "complaints")
    for request in requests_for(state, frames["mails"]):
        if stored:
            store.publish(lambda folder, s=state: save_state(folder, s))
            state = load_state(store.path(), CHEAP)
        signatures = state.prepared.provenance.signatures()
        sampled_before = signatures[state.X.copies[CURVATURE].rows]
        report = apply_deletion(state, request)
        assert report.changed_anything
        assert_model_rows_are_x_rows(state)
        # the sample keeps its rows that are still training rows (a row is known by its provenance): it is
        # topped up, not drawn anew
        signatures = state.prepared.provenance.signatures()
        still_training = np.intersect1d(sampled_before, signatures[state.train_rows()])
        assert len(still_training) > 0.9 * len(sampled_before)
        assert np.isin(still_training, signatures[state.X.copies[CURVATURE].rows]).all()


def test_the_model_stage_reads_from_the_copies_what_it_read_from_x(tmp_path: Path) -> None:
    """The first redaction after materialising (from storage) gives the model and metrics that gathering the
    rows from X gave: the same curvature sample, the same float32 numbers."""
    frames = lake(8000, 4)
    state = materialize(CHEAP, frames)
    store = VersionedDirectory(tmp_path / "complaints")
    store.publish(lambda folder: save_state(folder, state))
    loaded = load_state(store.path(), CHEAP)
    request = DeletionRequest(
        "mails", tuple(int(m) for m in leaked_mail_ids(frames["mails"])), "redact", ("mail_subject",)
    )
    old_X = np.asarray(loaded.X)
    old_model = loaded.model
    report = apply_deletion(loaded, request, unlearning="second_order")
    assert report.model["method"] == "second_order" and report.model["train_rows_old"] > 0

    # what apply_deletion computed before the copies: rows gathered from X (float64), the sample drawn anew
    new_X = np.asarray(loaded.X)
    changed = np.flatnonzero(
        state.prepared.provenance.depends_on("mails", state.sources["mails"].ids_for(request.keys))
    )
    old_rows = changed[~state.is_test[changed] & state.labeled[changed]]
    assert len(old_rows) == report.model["train_rows_old"] == report.model["train_rows_new"]
    train = loaded.train_rows()
    sample = train[subsample_rows(len(train), CURVATURE_ROWS, old_model.config.seed)]
    with torch_threads(1):
        expected = second_order_update(
            old_model,
            old_X[old_rows],
            state.y[old_rows],
            new_X[old_rows],
            loaded.y[old_rows],
            new_X[sample],
            loaded.y[sample],
            train_rows=len(train),
        )
    assert torch.equal(loaded.model.parameters_vector(), expected.model.parameters_vector())
    test = loaded.is_test
    with torch_threads(1):
        assert report.metrics_after == pytest.approx(evaluate(loaded.model, new_X[test], loaded.y[test]), rel=1e-6)


# ---- no copy of X ------------------------------------------------------------------------------------------


def _sharing(new: ChunkedMatrix, old: ChunkedMatrix) -> list[bool]:
    """For each chunk of `new`: does it share memory with a chunk of `old` (is it the old rows, not a copy)?"""
    olds = [old.chunk_data(j) for j in range(old.n_chunks)]
    return [any(np.shares_memory(new.chunk_data(i), o) for o in olds) for i in range(new.n_chunks)]


@pytest.mark.parametrize("action", ["erase", "redact"])
def test_a_deletion_right_after_materialising_in_memory_copies_only_the_chunks_it_writes(
    small_chunks: None, action: str
) -> None:
    frames = lake(3000, 5)
    state = materialize(CHEAP, frames)
    before = state.X
    assert isinstance(before, ChunkedMatrix) and before.n_chunks >= 10
    snapshot = np.asarray(before).copy()
    copies = {name: (c.rows.copy(), np.asarray(c.values).copy()) for name, c in before.copies.items()}
    customer = customers_in_order(state)[7]
    rows = np.flatnonzero(state.prepared.provenance["customers"].ids == customer)
    touched = {int(r) // before.chunk_rows for r in rows}
    if action == "erase":
        request = DeletionRequest("customers", (customer,), "erase")
    else:
        mails = state.prepared.provenance["mails"].ids[rows]
        request = DeletionRequest("mails", tuple(int(m) for m in mails), "redact", ("mail_subject",))
    report = apply_deletion(state, request)
    assert report.x_rows_removed == (len(rows) if action == "erase" else 0)
    after = state.X
    assert isinstance(after, ChunkedMatrix) and after is not before
    sharing = _sharing(after, before)
    # every chunk but those that held the customer's rows is the old chunk itself: X was not copied
    assert sharing.count(False) == len(touched) and len(sharing) == before.n_chunks
    held_sharing = _sharing(after.copies[HELD_OUT].values, before.copies[HELD_OUT].values)
    assert held_sharing.count(True) >= len(held_sharing) - len(touched)
    # and the version before is left as it was
    np.testing.assert_array_equal(np.asarray(before), snapshot)
    for name, (copy_rows, values) in copies.items():
        np.testing.assert_array_equal(before.copies[name].rows, copy_rows)
        np.testing.assert_array_equal(np.asarray(before.copies[name].values), values)


def test_a_copy_of_a_chunked_x_does_not_see_later_writes_to_chunks_the_original_had_written() -> None:
    X = ChunkedMatrix.of(np.zeros((10, 2)), 5)
    X[0] = 1.0  # X now holds its own copy of the first chunk
    copy = X.copy()
    X[0] = 2.0
    np.testing.assert_array_equal(copy[0], [1.0, 1.0])
    copy[9] = 3.0
    np.testing.assert_array_equal(X[9], [0.0, 0.0])


# ---- stored like X: what a deletion writes, what the erasure scan reads, crash safety ---------------------------


def copy_chunk_files(folder: Path) -> dict[str, int]:
    manifest = json.loads((folder / MANIFEST).read_text())
    names = [c["file"] for copy in manifest["copies"].values() for c in copy["chunks"]]
    return {n: os.stat(folder / n).st_ino for n in names}


def test_a_deletion_writes_only_the_copy_chunks_it_touches_and_the_scan_checks_them(
    small_chunks: None, tmp_path: Path
) -> None:
    state = materialize(CHEAP, lake(3000, 6))
    store = VersionedDirectory(tmp_path / "artifacts" / "complaints")
    store.publish(lambda folder: save_state(folder, state))
    first = copy_chunk_files(store.path() / "features")
    assert len(first) >= 5 and all(n.startswith(chunks.COPY_PREFIX) for n in first)
    loaded = load_state(store.path(), CHEAP)
    # a customer with few rows, one of them held out: it leaves the held-out copy and maybe the sample
    owners = loaded.prepared.provenance["customers"].ids
    counts = pd.Series(owners).value_counts()
    customer = min((int(c) for c in owners[loaded.is_test]), key=lambda c: (counts[c], c))
    apply_deletion(loaded, DeletionRequest("customers", (customer,), "erase"))
    store.publish(lambda folder: save_state(folder, loaded))
    second = copy_chunk_files(store.path() / "features")
    linked = [n for n in second if n in first and second[n] == first[n]]
    # each row leaving a copy (or topping the sample up) rewrites at most the chunk around it
    bound = 2 * counts[customer] + 1
    assert 0 < len(second) - len(linked) <= bound and len(linked) >= len(first) - bound
    again = load_state(store.path(), CHEAP)
    for name, copy in loaded.X.copies.items():
        np.testing.assert_array_equal(again.X.copies[name].rows, copy.rows)
        np.testing.assert_array_equal(np.asarray(again.X.copies[name].values), np.asarray(copy.values))

    # the erased customer's rows are in the first version's copy, and nowhere in the second
    report = scan_for_erased_data({"artifacts": tmp_path / "artifacts"}, ErasureTarget({"customers": [customer]}, KEYS))
    in_copies = {f.path for f in report.findings if f"/features/{chunks.COPY_PREFIX}" in f.path}
    assert in_copies and all(p.startswith("complaints/v000001/") for p in in_copies)
    assert not [f for f in report.findings if f.path.startswith("complaints/v000002/")]


def test_an_x_stored_without_copies_gets_them_from_its_first_deletion(small_chunks: None, tmp_path: Path) -> None:
    """A version written before the copies existed: the deletion reads the rows from X, then stores them."""
    frames = lake(3000, 7)
    state = materialize(CHEAP, frames)
    store = VersionedDirectory(tmp_path / "complaints")
    store.publish(lambda folder: save_state(folder, state))
    features = store.path() / "features"
    for path in [*features.glob("X-*"), *features.glob(f"{chunks.COPY_PREFIX}*")]:
        path.unlink()
    save_chunks(features, np.asarray(state.X), state.prepared.provenance)  # as lester stored X before
    loaded = load_state(store.path(), CHEAP)
    assert loaded.X.copies == {}
    apply_deletion(loaded, requests_for(state, frames["mails"])[0])
    assert_model_rows_are_x_rows(loaded)
    store.publish(lambda folder: save_state(folder, loaded))
    assert set(load_state(store.path(), CHEAP).X.copies) == {HELD_OUT, CURVATURE}


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path

    import numpy as np

    from lester_dagster.features.chunks import ChunkedMatrix, save_chunks
    from lester_dagster.storage.lock import WriterLock
    from lester_dagster.storage.transaction import Transaction
    from lester_dagster.storage.versions import VersionedDirectory

    root = Path(sys.argv[1])
    store = VersionedDirectory(root / "features")
    old = ChunkedMatrix.open(store.path())
    new = old.take(np.delete(np.arange(len(old)), [3, 250]))  # rows of the copy among them
    new[[10, 300], 1:3] = 7.0
    new.keep_copy("held_out", np.r_[new.copies["held_out"].rows, 398 - 2])
    txn = Transaction(root / "txn", WriterLock(root / "lock"))
    txn.new_version(store, lambda folder: save_chunks(folder, new), 1, base=store.current())
    txn.commit()
    store.prune(1)
""")


def _store_with_copy(root: Path) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(3).normal(size=(400, 4))
    held = np.unique(np.r_[3, 10, 11, 250, 300, np.arange(20, 390, 7)])  # 3 and 250 go, 11 is written
    chunked = ChunkedMatrix.of(X, 50)
    chunked.keep_copy("held_out", held)
    assert chunked.copies["held_out"].values.n_chunks == 1
    VersionedDirectory(root / "features").publish(lambda folder: save_chunks(folder, chunked) and None)
    return X, held


def _expected(X: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kept = np.delete(np.arange(len(X)), [3, 250])
    new_of_old = np.full(len(X), -1)
    new_of_old[kept] = np.arange(len(kept))
    X_new = X[kept].copy()
    X_new[[10, 300], 1:3] = 7.0
    rows = np.union1d(new_of_old[held][new_of_old[held] >= 0], [396])
    return X_new, rows


@pytest.mark.parametrize(
    ("point", "outcome"),
    [
        ("x:after-chunk#3", "old"),  # X's chunks half staged
        ("x:after-chunk#9", "old"),  # X's chunks staged (8), the row copy's being written: no manifest yet
        ("txn:after-intent", "new"),
        ("txn:before-forget", "new"),
        (None, "new"),
    ],
)
def test_a_kill_while_x_and_its_row_copy_are_written_publishes_no_stale_copy(
    point: str | None, outcome: str, tmp_path: Path
) -> None:
    X, held = _store_with_copy(tmp_path)
    run_writer(WRITER, str(tmp_path), crash_at=point, killed=point is not None)
    recover(tmp_path / "txn")
    store = VersionedDirectory(tmp_path / "features")
    store.clean_leftovers()
    loaded = ChunkedMatrix.open(store.path())
    expected_X, expected_rows = (X, held) if outcome == "old" else _expected(X, held)
    np.testing.assert_array_equal(np.asarray(loaded), expected_X)
    copy = loaded.copies["held_out"]
    np.testing.assert_array_equal(copy.rows, expected_rows)
    np.testing.assert_array_equal(np.asarray(copy.values), expected_X[expected_rows].astype(np.float32))
    on_disk = {p.name for p in store.path().glob(f"{chunks.COPY_PREFIX}*.npy") if ".rows." not in p.name}
    assert on_disk == set(copy_chunk_files(store.path()))  # none missing, none stray


def test_a_request_leaves_the_garbage_collector_as_it_found_it() -> None:
    """apply_deletion freezes the objects that exist when it starts (so its collections skip them) and
    unfreezes them when it ends; objects a caller froze stay frozen."""
    import gc

    frames = lake(1000, 8)
    state = materialize(CHEAP, frames)
    leaked = tuple(int(m) for m in leaked_mail_ids(frames["mails"]))
    assert gc.get_freeze_count() == 0
    apply_deletion(state, DeletionRequest("mails", leaked, "redact", ("mail_subject",)))
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        apply_deletion(state, DeletionRequest("mails", leaked[:1], "erase"))
        # still frozen (objects the request replaced were freed by their reference counts)
        assert 0.9 * frozen < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
