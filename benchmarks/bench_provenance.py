"""The measured cliffs of row provenance and IVM's `full` fallback (issue 15), before and after, side by side
in one run: the code before is loaded from a commit (default: the one before the fix), the code after is the
working tree's, and both run on the same inputs, interleaved, best of `--repeat`.

    .venv/bin/python benchmarks/bench_provenance.py [--before 045734f] [--repeat 3] [--mails 1000000]

* membership: which of 1.5M ids are among 1,000 wanted (`np.isin` sorts; a hash lookup does not);
* source_rows: the source keys behind 1,000 rows of the prepared table at `--mails` mails;
* IVM's `full` fallback at 20k and 200k rows (a left join whose right side loses rows) against simply
  re-running the plan;
* an aggregate's provenance: ids stored per group (every member's, or the distinct ones) and the bytes
  of the stored file (uncompressed or compressed), for coarse groups of the prepared table.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lester_dagster.engine as le  # noqa: E402
from example_project import declarative_pipeline as dp  # noqa: E402
from lester_dagster.datasets.running_example import generate  # noqa: E402
from lester_dagster.ivm import table as after_table  # noqa: E402
from lester_dagster.provenance import ProvColumn, RowProvenance  # noqa: E402
from lester_dagster.provenance.membership import isin  # noqa: E402


def module_at(commit: str, path: str, name: str) -> types.ModuleType:
    """A module of the package as it was at `commit` (its imports resolve to today's package)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True, text=True,
                            check=True).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102 - our own code from git
    return module


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def side_by_side(variants: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Interleaved: one run of each variant per round, so a loaded machine slows them alike."""
    out = {name: float("inf") for name in variants}
    for _ in range(repeat):
        for name, fn in variants.items():
            out[name] = min(out[name], best(fn, 1))
    return out


def line(title: str, times: dict[str, float]) -> None:
    names = list(times)
    ratio = times[names[0]] / times[names[1]] if times[names[1]] > 0 else float("inf")
    cells = " | ".join(f"{name} {seconds * 1000:,.1f} ms" for name, seconds in times.items())
    print(f"| {title} | {cells} | {ratio:,.1f}x |", flush=True)


def membership(repeat: int) -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 2**62, 1_500_000).astype(np.int64)
    wanted = rng.choice(ids, 1_000)
    column = ProvColumn.dense(ids)
    times = side_by_side({"np.isin": lambda: np.isin(ids, wanted), "hash": lambda: isin(ids, wanted),
                          "contains_any": lambda: column.contains_any(wanted)}, repeat)
    line("membership: 1.5M ids, 1,000 wanted", times)


def source_rows(result: le.Result, repeat: int) -> None:
    rows = np.linspace(0, len(result.frame) - 1, 1_000).astype(int)

    def before() -> None:  # the old SourceData.keys_for: a fresh pd.Index of the source's ids per call
        for i in rows:
            for s, ids in result.provenance.row(int(i)).items():
                data = result.sources[s]
                positions = pd.Index(data.ids).get_indexer(ids)
                data.frame[data.key].to_numpy()[positions[positions >= 0]].tolist()

    def after() -> None:
        for i in rows:
            result.source_rows(int(i))

    times = side_by_side({"before": before, "after": after}, repeat)
    line(f"source_rows of 1,000 rows ({len(result.frame):,}-row table)", times)
    per_row = times["after"] / len(rows)
    print(f"|   all {len(result.frame):,} rows: before ~{times['before'] / len(rows) * len(result.frame) / 60:,.1f} min,"
          f" after ~{per_row * len(result.frame):,.1f} s | | |", flush=True)


def full_fallback(rows: int, before_table: types.ModuleType, repeat: int) -> None:
    """A left join whose right side loses rows: IVM has no incremental rule and re-runs the plan."""
    rng = np.random.default_rng(1)
    left = pd.DataFrame({"l_id": np.arange(rows), "k": rng.integers(0, rows // 10, rows), "v": rng.random(rows)})
    right = pd.DataFrame({"r_id": np.arange(rows // 10), "k": np.arange(rows // 10), "w": rng.random(rows // 10)})
    plan = le.from_pandas(left, "l", key="l_id").join(le.from_pandas(right, "r", key="r_id"), on="k", how="left")
    old = plan.execute()
    gone = right.r_id.to_numpy()[:5]
    new_sources = dict(old.sources)
    new_sources["r"] = le.SourceData("r", "r_id", right[~right.r_id.isin(gone)].reset_index(drop=True),
                                     np.setdiff1d(right.r_id.to_numpy(), gone))
    affected = old.provenance.depends_on("r", gone)
    root = plan.node

    def run_before() -> Any:
        return before_table._full(root, old, affected, new_sources, "", ())

    def run_after() -> Any:
        return after_table._full(root, old, affected, new_sources, "", ())

    a, b = run_before(), run_after()
    assert np.array_equal(a.origin, b.origin) and np.array_equal(a.removed, b.removed)
    times = side_by_side({"before": run_before, "after": run_after,
                          "re-run": lambda: le.execute(root, new_sources)}, repeat)
    line(f"IVM `full` fallback, {rows:,} rows (before vs after; re-run alone)", times)
    print(f"|   after / re-run: {times['after'] / times['re-run']:.2f}x; before / re-run: "
          f"{times['before'] / times['re-run']:.0f}x | | |", flush=True)


def npz_bytes(provenance: RowProvenance, compressed: bool) -> int:
    arrays: dict[str, np.ndarray] = {}
    for i, column in enumerate(provenance.values()):
        arrays[f"ids_{i}"] = column.ids
        arrays[f"indptr_{i}"] = column.indptr if column.indptr is not None else np.empty(0, np.int64)
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getbuffer().nbytes


def aggregate_provenance(result: le.Result, before_poly: types.ModuleType) -> None:
    """Coarse groups (country x premium x sentiment sign of the prepared rows): ids per group."""
    frame = result.frame
    codes = frame.groupby(["country", "bank", "is_premium"], sort=True).ngroup().to_numpy()
    n_groups = int(codes.max()) + 1
    after = result.provenance.group(codes, n_groups)
    before = RowProvenance({s: before_poly.ProvColumn(c.ids, c.indptr).group(codes, n_groups)
                            for s, c in result.provenance.items()}, n_groups)
    rows = len(frame)
    for name, prov in (("before (every member's ids)", before), ("after (distinct ids)", after)):
        ids = sum(len(c.ids) for c in prov.values())
        print(f"| {n_groups} groups of {rows:,} rows, {name} | {ids / rows:.2f} ids per member row | "
              f"{prov.nbytes / 2**20:.1f} MiB in memory | file {npz_bytes(prov, False) / 2**20:.1f} MiB, "
              f"compressed {npz_bytes(prov, True) / 2**20:.1f} MiB |", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.parquet"
        frame.to_parquet(path)
        print(f"|   the table's own Parquet: {path.stat().st_size / 2**20:.1f} MiB | | | |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="045734f", help="commit whose code is 'before'")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mails", type=int, default=1_000_000)
    parser.add_argument("--full-rows", type=int, nargs="+", default=[20_000, 200_000])
    args = parser.parse_args()
    before_table = module_at(args.before, "lester_dagster/ivm/table.py", "_before_ivm_table")
    before_poly = module_at(args.before, "lester_dagster/provenance/polynomial.py", "_before_polynomial")

    print("| measurement | before | after | ratio |\n|---|---|---|---|")
    membership(args.repeat)
    for rows in args.full_rows:
        full_fallback(rows, before_table, args.repeat)
    customers, mails = generate(args.mails, seed=0)
    result = dp.select_complaints(le.from_pandas(customers, "customers", key="customer_id"),
                                  le.from_pandas(mails, "mails", key="mail_id")).execute()
    source_rows(result, args.repeat)
    aggregate_provenance(result, before_poly)


if __name__ == "__main__":
    main()
