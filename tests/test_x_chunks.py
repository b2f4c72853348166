"""X stored in row chunks: a chunked X reads and writes like the ndarray it stands for (differential), a
deletion writes only the chunks it touches and links the rest, IVM on a chunked X equals a re-encoding from
scratch, the erasure scan reads every chunk's provenance, and commits stay crash-safe and race-safe."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import generate
from lester_dagster.features.chunks import COPY_PREFIX, MANIFEST, ChunkedMatrix, save_chunks, sidecar_name
from lester_dagster.ivm import DeletionRequest, apply_deletion
from lester_dagster.pipeline import MaterializedPipeline, keep_model_rows, materialize, recompute
from lester_dagster.proof import ErasureTarget, scan_for_erased_data
from lester_dagster.provenance import RowProvenance
from lester_dagster.storage import VersionedDirectory, load_state, save_state
from lester_dagster.storage.artifacts import load_matrix
from lester_dagster.storage.lock import WriterLock
from lester_dagster.storage.transaction import Transaction, recover
from lester_dagster.storage.versions import StaleVersionError
from tests.crashes import run_writer

KEYS = {"customers": "customer_id", "mails": "mail_id"}


def chunked(X: np.ndarray, rows: int, folder: Path) -> ChunkedMatrix:
    folder.mkdir(parents=True, exist_ok=True)
    save_chunks(folder, X, chunk_rows=rows)
    return ChunkedMatrix.open(folder)


def chunk_files(folder: Path) -> dict[str, int]:
    """The chunk files of a stored X, by name, with their inode (a linked chunk shares its inode)."""
    names = [e["file"] for e in json.loads((folder / MANIFEST).read_text())["chunks"]]
    return {n: os.stat(folder / n).st_ino for n in names}


# ---- the ndarray surface, differentially ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_a_chunked_x_reads_writes_and_takes_like_an_ndarray(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, d, rows = int(rng.integers(1, 300)), int(rng.integers(1, 6)), int(rng.integers(1, 40))
    X = rng.normal(size=(n, d))
    C = chunked(X, rows, tmp_path)
    assert C.shape == X.shape and len(C) == n and C.n_chunks == -(-n // rows)
    picks = rng.integers(-n, n, size=50)
    mask = rng.random(n) < 0.3
    for key in (
        picks,
        mask,
        slice(None),
        slice(3, n - 2),
        slice(None, None, 3),
        (picks, slice(1, None)),
        (mask, slice(0, 1)),
        int(rng.integers(0, n)),
    ):
        np.testing.assert_array_equal(C[key], X[key])
    np.testing.assert_array_equal(np.asarray(C), X)

    # writes copy the chunks they touch (in memory), never the stored file
    before = {name: (tmp_path / name).read_bytes() for name in chunk_files(tmp_path)}
    where = rng.choice(n, size=min(n, 7), replace=False)
    values = rng.normal(size=(len(where), 1))
    X[where, d - 1 :] = values
    C[where, d - 1 :] = values
    np.testing.assert_array_equal(np.asarray(C), X)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before

    # take: rows removed, kept in order, new rows (-1) as zeros to fill
    origin = np.sort(rng.choice(n, size=int(rng.integers(0, n + 1)), replace=False))
    origin = np.insert(origin, int(rng.integers(0, len(origin) + 1)), -1)
    taken = C.take(origin)
    expected = np.where((origin >= 0)[:, None], X[np.maximum(origin, 0)], 0.0)
    np.testing.assert_array_equal(np.asarray(taken), expected)
    copy = taken.copy()
    copy[0] = 42.0
    np.testing.assert_array_equal(np.asarray(taken), expected)  # a copy's writes stay its own


def test_take_shares_the_chunks_that_keep_all_their_rows(tmp_path: Path) -> None:
    X = np.arange(100 * 3, dtype=np.float64).reshape(100, 3)
    C = chunked(X, 10, tmp_path)
    origin = np.delete(np.arange(100), [13, 17, 55])  # rows of chunks 1 and 5 go
    taken = C.take(origin)
    files = [f for _, _, f in taken.chunk_of_rows()]
    assert len(files) == 10 and [f is None for f in files] == [i in (1, 5) for i in range(10)]
    reordered = C.take(np.random.default_rng(0).permutation(100))  # a full recomputation's order
    assert all(f is None for _, _, f in reordered.chunk_of_rows())


# ---- what a deletion writes ----------------------------------------------------------------------------------


def test_a_deletion_touching_one_chunk_writes_only_that_chunk(tmp_path: Path) -> None:
    X = np.random.default_rng(1).normal(size=(1000, 8))
    provenance = RowProvenance.of_source("mails", np.arange(1000, dtype=np.int64) + 5000)
    old, new = tmp_path / "v1", tmp_path / "v2"
    old.mkdir()
    first = save_chunks(old, X, provenance, chunk_rows=100)
    assert (first.chunks, first.written, first.linked) == (10, 10, 0)

    origin = np.delete(np.arange(1000), [420, 421, 455])  # all in chunk 4
    new.mkdir()
    wrote = save_chunks(new, ChunkedMatrix.open(old).take(origin), provenance.take(origin))
    assert (wrote.chunks, wrote.written, wrote.linked) == (10, 1, 9)
    before, after = chunk_files(old), chunk_files(new)
    shared = set(before) & set(after)
    assert len(shared) == 9 and all(before[n] == after[n] for n in shared)  # hard links: the same inodes
    (rewritten,) = set(after) - set(before)
    chunk_bytes = (new / rewritten).stat().st_size + (new / sidecar_name(rewritten)).stat().st_size
    assert wrote.bytes_written == chunk_bytes < X.nbytes / 5
    np.testing.assert_array_equal(np.asarray(ChunkedMatrix.open(new)), X[origin])

    # the old version purged, the new one still holds every row it needs
    for path in old.iterdir():
        path.unlink()
    np.testing.assert_array_equal(np.asarray(ChunkedMatrix.open(new)), X[origin])


def test_a_chunk_whose_rows_keep_their_values_but_change_provenance_gets_a_new_sidecar(tmp_path: Path) -> None:
    X = np.ones((20, 2))
    provenance = RowProvenance.of_source("mails", np.arange(20, dtype=np.int64))
    (tmp_path / "v1").mkdir()
    save_chunks(tmp_path / "v1", X, provenance, chunk_rows=10)
    (tmp_path / "v2").mkdir()
    changed = RowProvenance.of_source("mails", np.r_[np.arange(10), np.arange(10) + 100].astype(np.int64))
    wrote = save_chunks(tmp_path / "v2", ChunkedMatrix.open(tmp_path / "v1"), changed)
    assert (wrote.written, wrote.linked) == (0, 2)
    first, second = chunk_files(tmp_path / "v2")
    same = os.path.samefile(tmp_path / "v1" / sidecar_name(first), tmp_path / "v2" / sidecar_name(first))
    differs = os.path.samefile(tmp_path / "v1" / sidecar_name(second), tmp_path / "v2" / sidecar_name(second))
    assert same and not differs


def test_an_x_stored_as_one_file_still_loads_and_is_chunked_when_next_written(tmp_path: Path) -> None:
    customers, mails = generate(800, 3)
    state = materialize(WORD_COUNT_PIPELINE, {"customers": customers, "mails": mails})
    store = VersionedDirectory(tmp_path / "complaints")
    store.publish(lambda folder: save_state(folder, state))
    features = store.path() / "features"
    for path in features.glob("X-*"):
        path.unlink()
    (features / MANIFEST).unlink()
    np.save(features / "X.npy", state.X)  # as lester wrote X before chunks

    for mmap_mode in (None, "r", "c"):
        np.testing.assert_array_equal(np.asarray(load_matrix(features, mmap_mode=mmap_mode)[0]), state.X)
    loaded = load_state(store.path(), WORD_COUNT_PIPELINE)
    apply_deletion(loaded, DeletionRequest("customers", (int(state.prepared.provenance["customers"].ids[0]),), "erase"))
    store.publish(lambda folder: save_state(folder, loaded))
    assert (store.path() / "features" / MANIFEST).exists() and not (store.path() / "features" / "X.npy").exists()
    np.testing.assert_array_equal(load_matrix(store.path() / "features")[0], np.asarray(loaded.X))


# ---- IVM on a chunked X equals a re-encoding from scratch (differential) -------------------------------------


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MaterializedPipeline]:
    customers, mails = generate(3000, 7)
    state = materialize(WORD_COUNT_PIPELINE, {"customers": customers, "mails": mails})
    root = tmp_path_factory.mktemp("stored") / "complaints"
    VersionedDirectory(root).publish(lambda folder: save_state(folder, state))
    # small chunks, so that a customer's rows fall in a few of many
    features = VersionedDirectory(root).path() / "features"
    for path in [*features.glob("X-*"), *features.glob(f"{COPY_PREFIX}*")]:
        path.unlink()
    small = ChunkedMatrix.of(np.asarray(state.X), chunk_rows=16)
    keep_model_rows(small, state.y, state.is_test, state.model.config.seed)  # as materialising keeps them
    save_chunks(features, small, state.prepared.provenance)
    return root, state


def _customers_in_order(state: MaterializedPipeline) -> list[int]:
    return list(dict.fromkeys(int(c) for c in state.prepared.provenance["customers"].ids))


@pytest.mark.parametrize("requests", ["erase one", "erase three", "redact", "erase mails and redact"])
def test_ivm_on_a_chunked_x_equals_a_re_encoding_from_scratch(
    stored: tuple[Path, MaterializedPipeline], requests: str, tmp_path: Path
) -> None:
    root, original = stored
    store = VersionedDirectory(tmp_path / "complaints")
    store.root.mkdir()
    os.symlink(VersionedDirectory(root).path(), store.root / "v000001", target_is_directory=True)
    (store.root / "CURRENT").write_text(json.dumps({"version": 1, "reflects_through": 0}))
    state = load_state(store.path(), WORD_COUNT_PIPELINE)
    assert isinstance(state.X, ChunkedMatrix)
    customers = _customers_in_order(original)
    mails = original.sources["mails"]
    todo = {
        "erase one": [DeletionRequest("customers", (customers[5],), "erase")],
        "erase three": [DeletionRequest("customers", tuple(customers[10:13]), "erase")],
        "redact": [
            DeletionRequest("mails", tuple(int(m) for m in mails.frame.mail_id[:40]), "redact", ("mail_subject",))
        ],
        "erase mails and redact": [
            DeletionRequest("mails", tuple(int(m) for m in mails.frame.mail_id[100:130]), "erase"),
            DeletionRequest("mails", tuple(int(m) for m in mails.frame.mail_id[200:260]), "redact", ("mail_text",)),
        ],
    }[requests]
    for request in todo:
        apply_deletion(state, request)
    _, X = recompute(state, {name: data.frame for name, data in state.sources.items()})
    np.testing.assert_allclose(np.asarray(state.X), X, rtol=0, atol=1e-9)

    store.publish(lambda folder: save_state(folder, state))
    written = [n for n in chunk_files(store.path() / "features") if n not in chunk_files(root / "v000001" / "features")]
    assert 0 < len(written) < 0.5 * len(chunk_files(root / "v000001" / "features"))
    again = load_state(store.path(), WORD_COUNT_PIPELINE)
    np.testing.assert_array_equal(np.asarray(again.X), np.asarray(state.X))


# ---- proof: every chunk of every version is checked ----------------------------------------------------------


def test_the_scan_finds_erased_rows_in_old_chunks_until_they_are_purged(
    stored: tuple[Path, MaterializedPipeline], tmp_path: Path
) -> None:
    root, original = stored
    store = VersionedDirectory(tmp_path / "artifacts" / "complaints")
    store.publish(lambda folder: save_state(folder, original))
    state = load_state(store.path(), WORD_COUNT_PIPELINE)
    customer = _customers_in_order(original)[3]
    apply_deletion(state, DeletionRequest("customers", (customer,), "erase"))
    store.publish(lambda folder: save_state(folder, state))
    target = ErasureTarget({"customers": [customer]}, KEYS)

    report = scan_for_erased_data({"artifacts": tmp_path / "artifacts"}, target)
    in_chunks = {f.path for f in report.findings if "/features/X-" in f.path}
    assert in_chunks and all(
        p.startswith("complaints/v000001/") and "erased id(s) of customers" in w
        for p, w in ((f.path, f.what) for f in report.findings if f.path in in_chunks)
    )
    assert not [f for f in report.findings if f.path.startswith("complaints/v000002/")]

    store.prune(1)
    report = scan_for_erased_data({"artifacts": tmp_path / "artifacts"}, target)
    assert report.clean, report.to_dict()

    # a chunk file no manifest names (a bug or a hand-made copy) is reported as left over
    features = store.path() / "features"
    stray = next(features.glob("X-*.npy"))
    (features / "X-stray.npy").write_bytes(stray.read_bytes())
    report = scan_for_erased_data({"artifacts": tmp_path / "artifacts"}, target)
    assert any(item.endswith("features/X-stray.npy") for item in report.leftovers)


# ---- crash safety and concurrency ----------------------------------------------------------------------------

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
    origin = np.delete(np.arange(len(old)), [3, 250])
    txn = Transaction(root / "txn", WriterLock(root / "lock"))
    txn.new_version(store, lambda folder: save_chunks(folder, old.take(origin)), 1, base=store.current())
    txn.commit()
    store.prune(1)
""")


def _store_with_x(root: Path) -> np.ndarray:
    X = np.random.default_rng(2).normal(size=(400, 4))
    VersionedDirectory(root / "features").publish(lambda folder: save_chunks(folder, X, chunk_rows=50) and None)
    return X


def _state_after_recovery(root: Path) -> np.ndarray:
    recover(root / "txn")
    store = VersionedDirectory(root / "features")
    store.clean_leftovers()
    folder = store.path()
    listed = set(chunk_files(folder))
    on_disk = {p.name for p in folder.glob("X-*.npy")}
    assert listed == on_disk  # no chunk missing, none stray
    return np.asarray(ChunkedMatrix.open(folder))


@pytest.mark.parametrize(
    ("point", "outcome"),
    [
        ("x:after-chunk", "old"),  # the new version half staged: a leftover, the pointer untouched
        ("txn:after-intent", "new"),  # the redo log durable: recovery rolls the commit forward
        ("txn:after-first-pointer", "new"),
        ("txn:before-forget", "new"),
        ("purge:after-rename", "new"),  # committed; the old version half purged
        (None, "new"),
    ],
)
def test_a_kill_at_each_commit_point_of_a_chunked_write_leaves_the_old_or_the_new_x(
    point: str | None, outcome: str, tmp_path: Path
) -> None:
    X = _store_with_x(tmp_path)
    run_writer(WRITER, str(tmp_path), crash_at=point, killed=point is not None)
    expected = X if outcome == "old" else np.delete(X, [3, 250], axis=0)
    np.testing.assert_array_equal(_state_after_recovery(tmp_path), expected)


def test_two_writers_at_once_one_commits_the_other_fails_and_leaves_nothing(tmp_path: Path) -> None:
    X = _store_with_x(tmp_path)
    store = VersionedDirectory(tmp_path / "features")
    base = store.current()
    lock = WriterLock(tmp_path / "lock")
    first, second = Transaction(tmp_path / "txn", lock), Transaction(tmp_path / "txn", lock)
    # both read version 1 and stage their own deletion, sharing its chunks by links
    for txn, gone in ((first, [0]), (second, [399])):
        old = ChunkedMatrix.open(store.path())
        origin = np.delete(np.arange(len(old)), gone)
        txn.new_version(store, lambda folder, o=old, g=origin: save_chunks(folder, o.take(g)) and None, 1, base=base)
    first.commit()
    with pytest.raises(StaleVersionError):
        second.commit()
    store.prune(1)
    assert store.clean_leftovers() == [] and not list(store.root.glob(".staging-*"))
    np.testing.assert_array_equal(_state_after_recovery(tmp_path), X[1:])
