"""What erasing one customer writes to the feature matrix X: X stored in row chunks (the new version
hard-links the chunks it keeps and writes the ones the erasure touched) against the old whole-copy path
(X gathered in memory and written whole as one X.npy), side by side in one run.

    .venv/bin/python benchmarks/bench_x_chunks.py [--mails 100000 1000000] [--json out.json]

Per size, two matrices:
* `word counts`: the word-count pipeline (as `bench_dagster.py --features word-counts`) end to end without
  Dagster: load the stored pipeline, `apply_deletion` (IVM, model included), publish the new version.
* `MiniLM width`: an X as wide as the example's MiniLM encoding (772 float64 dimensions per prepared row,
  2.4 GB at 1M mails; random values, as nothing here depends on them) with the same rows' provenance, for
  the storage step alone: read the version, drop the customer's rows, write the new version.

Each measurement runs in a fresh process; peak memory is its peak RSS above what it held after imports
(mapped file pages count: reading a mapped X whole shows). "Bytes written" counts the new version's files
that do not share an inode with the old version's (a linked chunk costs nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WIDTH = 772  # the example's X: 384 + 384 MiniLM dimensions, a word count, one-hot countries
VARIANTS = ("chunked", "whole")


def _status(field: str) -> int:
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field))


def _reset_peak() -> int:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    return _status("VmRSS:")


def written_bytes(old: Path, new: Path) -> dict[str, int]:
    """Bytes of the new version's files not shared (by inode) with the old version: all, and X's alone."""
    inodes = {p.stat().st_ino for p in old.rglob("*") if p.is_file()}
    total = x = 0
    for path in new.rglob("*"):
        if path.is_file() and path.stat().st_ino not in inodes:
            size = path.stat().st_size
            total += size
            if path.name.startswith("X"):  # X.npy, or X's chunks, their provenance and manifest
                x += size
    return {"version": total, "X": x}


# ---- setup (once per size, in the parent) ----------------------------------------------------------------------


def setup(work: Path, mails: int) -> dict[str, Any]:
    from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
    from lester_dagster.datasets.running_example import generate
    from lester_dagster.features.chunks import save_chunks
    from lester_dagster.pipeline import materialize
    from lester_dagster.storage import VersionedDirectory, save_provenance, save_state

    meta = work / "setup.json"
    if meta.exists():
        return dict(json.loads(meta.read_text()))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    customers, frame = generate(mails, 0)
    state = materialize(WORD_COUNT_PIPELINE, {"customers": customers, "mails": frame})
    print(f"  materialised {mails:,} mails ({len(state.X):,} x {state.X.shape[1]} X) in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    for variant in VARIANTS:
        store = VersionedDirectory(work / "pipeline" / variant)
        store.publish(lambda folder: save_state(folder, state))
        if variant == "whole":  # as lester stored X before chunks
            features = store.path() / "features"
            for path in features.glob("X-*"):
                path.unlink()
            (features / "X.chunks.json").unlink()
            np.save(features / "X.npy", state.X)
    # the customer with the median number of prepared rows among those with any
    ids = state.prepared.provenance["customers"].ids
    values, counts = np.unique(ids, return_counts=True)
    customer = int(values[np.argsort(counts, kind="stable")[len(values) // 2]])

    # the wide X: the prepared rows at the example's width
    rng = np.random.default_rng(0)
    wide = work / "wide"
    for variant in VARIANTS:
        (wide / variant / "v1").mkdir(parents=True, exist_ok=True)
    save_provenance(wide / "provenance.npz", state.prepared.provenance)
    X = np.empty((len(state.X), WIDTH), dtype=np.float64)
    for start in range(0, len(X), 65_536):
        X[start : start + 65_536] = rng.standard_normal((min(65_536, len(X) - start), WIDTH))
    save_chunks(wide / "chunked" / "v1", X, state.prepared.provenance)
    np.save(wide / "whole" / "v1" / "X.npy", X)
    info = {"mails": mails, "rows": len(state.X), "width": int(state.X.shape[1]), "customer": customer,
            "customer_rows": int((ids == customer).sum())}
    meta.write_text(json.dumps(info))
    return info


# ---- one measurement (in a child process) ----------------------------------------------------------------------


def measure_pipeline(work: Path, variant: str, customer: int) -> dict[str, Any]:
    import lester_dagster.storage.artifacts as artifacts
    from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
    from lester_dagster.features.chunks import ChunkWrite
    from lester_dagster.ivm import DeletionRequest, apply_deletion
    from lester_dagster.storage import VersionedDirectory, load_state, save_state

    if variant == "whole":  # the old save: X written whole as one file
        def save_whole(folder: Path, X: Any, provenance: Any = None, chunk_rows: Any = None) -> ChunkWrite:
            np.save(folder / "X.npy", np.asarray(X))
            return ChunkWrite(1, 1, 0, (folder / "X.npy").stat().st_size)

        artifacts.save_chunks = save_whole  # type: ignore[assignment]
    import torch  # noqa: F401 - loaded before the peak is reset: the library is not the deletion's memory

    store = VersionedDirectory(work / "pipeline" / variant)
    _drop_versions_after_first(store)  # an earlier run's result
    base = _reset_peak()
    started = time.perf_counter()
    state = load_state(store.path(1), WORD_COUNT_PIPELINE)
    report = apply_deletion(state, DeletionRequest("customers", (customer,), "erase"))
    version = store.publish(lambda folder: save_state(folder, state))
    seconds = time.perf_counter() - started
    peak = (_status("VmHWM:") - base) / 1024
    out = {"seconds": seconds, "peak_mib": peak, "rows_removed": report.x_rows_removed,
           **written_bytes(store.path(1), store.path(version))}
    _drop_versions_after_first(store)
    return out


def measure_wide(work: Path, variant: str, customer: int) -> dict[str, Any]:
    from lester_dagster.features.chunks import ChunkedMatrix, save_chunks
    from lester_dagster.storage import load_provenance

    provenance = load_provenance(work / "wide" / "provenance.npz")
    keep = np.flatnonzero(~provenance.depends_on("customers", np.array([customer], dtype=np.int64)))
    old, new = work / "wide" / variant / "v1", work / "wide" / variant / "v2"
    if new.exists():
        for path in new.iterdir():
            path.unlink()
    new.mkdir(exist_ok=True)
    base = _reset_peak()
    started = time.perf_counter()
    if variant == "chunked":
        save_chunks(new, ChunkedMatrix.open(old).take(keep), provenance.take(keep))
    else:
        X = np.load(old / "X.npy", mmap_mode="c", allow_pickle=False)  # as load_state mapped it
        np.save(new / "X.npy", X[keep])
    seconds = time.perf_counter() - started
    peak = (_status("VmHWM:") - base) / 1024
    return {"seconds": seconds, "peak_mib": peak, "rows_removed": provenance.n_rows - len(keep),
            **written_bytes(old, new)}


def _drop_versions_after_first(store: Any) -> None:
    import shutil

    for version in store.versions()[1:]:
        shutil.rmtree(store.root / f"v{version:06d}")
    (store.root / "CURRENT").write_text(json.dumps({"version": 1, "reflects_through": 0}))


def child(args: argparse.Namespace) -> None:
    work, (kind, variant) = Path(args.dir), args.measure.split(":")
    import torch  # noqa: F401 - as in the pipeline case, so both start from the same libraries

    import example_project.declarative_pipeline  # noqa: F401
    import lester_dagster.storage.artifacts  # noqa: F401

    result = (measure_pipeline if kind == "pipeline" else measure_wide)(work, variant, args.customer)
    print(json.dumps(result))


def run_child(work: Path, what: str, customer: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", what, "--dir", str(work), "--customer", str(customer)],
                         capture_output=True, text=True, env={**os.environ, "LESTER_PROGRESS": "0"})
    if out.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "x_chunks")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--customer", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        child(args)
        return
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    for mails in args.mails:
        work = args.work / f"mails-{mails}"
        print(f"{mails:,} mails: setting up in {work}", flush=True)
        info = setup(work, mails)
        for kind in ("pipeline", "wide"):
            for variant in VARIANTS:
                result = run_child(work, f"{kind}:{variant}", info["customer"])
                rows.append({**info, "matrix": kind, "path": variant, **result})
                print(f"  {kind:8s} {variant:8s} X written {result['X'] / 2**20:9.1f} MiB, version "
                      f"{result['version'] / 2**20:9.1f} MiB, peak {result['peak_mib']:8.0f} MiB, "
                      f"{result['seconds']:6.2f} s", flush=True)
    load_after = os.getloadavg()
    print(f"commit {commit}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print()
    print("| mails | X | path | X written | version written | peak memory | seconds |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for r in rows:
        shape = f"{r['rows']:,} x {r['width'] if r['matrix'] == 'pipeline' else WIDTH}"
        name = "word counts" if r["matrix"] == "pipeline" else "MiniLM width"
        print(f"| {r['mails']:,} | {name} ({shape}) | {r['path']} | {r['X'] / 2**20:,.1f} MiB | "
              f"{r['version'] / 2**20:,.1f} MiB | {r['peak_mib']:,.0f} MiB | {r['seconds']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "load": [load_before, load_after], "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
