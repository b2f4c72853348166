"""A deletion landing in the lake itself: the commit (and the purge of what the table's history still
holds) on a Delta table, against rewriting the CSV file, as the source step of a deletion run does it.

    .venv/bin/python benchmarks/bench_lake.py [--sizes 100000 1000000] [--repeats 3]

For each size the example lake is generated once as Delta tables and as CSV files. Two requests, each
measured --repeats times, interleaved (Delta, CSV, Delta, CSV, ...) on fresh copies of the tables:
the paper's redaction (the subjects of five customers whose mails leak card numbers, one update) and a
customer's erasure with their mails (two deletes). Timed per table: reading it as the source step does,
finding what the request changes, and committing it (Delta: one MERGE; CSV: writing the file anew and
moving it into place), then for Delta the purge (vacuum of the removed files, a checkpoint, the old log
entries removed). Milliseconds; medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lester_dagster.datasets.running_example import leaked_mail_ids, write_lake  # noqa: E402
from lester_dagster.engine import SourceData  # noqa: E402
from lester_dagster.ivm import DeletionRequest  # noqa: E402
from lester_dagster.ivm.tombstones import pending  # noqa: E402
from lester_dagster.provenance import source_row_ids  # noqa: E402
from lester_dagster.storage.tables import DeltaSource, FileSource  # noqa: E402

KEYS = {"customers": "customer_id", "mails": "mail_id"}


def requests(lake: Path) -> dict[str, list[DeletionRequest]]:
    mails = DeltaSource("mails", str(lake / "mails")).read()
    customers = DeltaSource("customers", str(lake / "customers")).read()
    leaking = list(dict.fromkeys(mails[mails.mail_id.isin(leaked_mail_ids(mails))].email))[:5]
    redact = mails[mails.email.isin(leaking)].mail_id.astype(int).tolist()
    erased = customers[customers.customer_email.isin(mails.email)].iloc[0]
    own = mails[mails.email == erased.customer_email].mail_id.astype(int).tolist()
    return {
        "redact 5 customers' subjects": [DeletionRequest("mails", tuple(redact), "redact", ("mail_subject",))],
        "erase 1 customer + mails": [DeletionRequest("customers", (int(erased.customer_id),), "erase"),
                                     DeletionRequest("mails", tuple(own), "erase")],
    }


def timed_delta(folder: Path, effects: list[DeletionRequest]) -> dict[str, float]:
    out = {"read": 0.0, "find": 0.0, "commit": 0.0, "purge": 0.0}
    for name in sorted({e.source for e in effects}):
        table = DeltaSource(name, str(folder / name))
        started = time.perf_counter()
        frame = table.read()
        out["read"] += time.perf_counter() - started
        started = time.perf_counter()
        todo = pending(SourceData(name, KEYS[name], frame, source_row_ids(frame, KEYS[name], name)), effects)
        out["find"] += time.perf_counter() - started
        started = time.perf_counter()
        table.apply(KEYS[name], todo.erase, todo.redact)
        out["commit"] += time.perf_counter() - started
        started = time.perf_counter()
        table.purge()
        out["purge"] += time.perf_counter() - started
    return out


def timed_csv(folder: Path, effects: list[DeletionRequest]) -> dict[str, float]:
    from lester_dagster.ivm.apply import reflect

    out = {"read": 0.0, "find": 0.0, "commit": 0.0, "purge": 0.0}
    for name in sorted({e.source for e in effects}):
        table = FileSource(name, folder / f"{name}.csv")
        started = time.perf_counter()
        frame = table.read()
        out["read"] += time.perf_counter() - started
        started = time.perf_counter()
        clean, _, _ = reflect(SourceData(name, KEYS[name], frame, source_row_ids(frame, KEYS[name], name)), effects)
        out["find"] += time.perf_counter() - started
        started = time.perf_counter()
        staged = table.stage(clean.frame)
        staged.replace(table.path)
        out["commit"] += time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as tmp:
        work = Path(tmp)
        for size in args.sizes:
            delta, csv = work / f"delta-{size}", work / f"csv-{size}"
            write_lake(delta, size, seed=0, format="delta")
            write_lake(csv, size, seed=0, format="csv")
            print(f"\n{size:,} mails (Delta table {sum(f.stat().st_size for f in (delta / 'mails').rglob('*')) / 2**20:.0f} MB, "
                  f"CSV {(csv / 'mails.csv').stat().st_size / 2**20:.0f} MB)")
            for label, effects in requests(delta).items():
                runs: dict[str, list[dict[str, float]]] = {"Delta": [], "CSV": []}
                for _ in range(args.repeats):
                    for kind, source, timed in (("Delta", delta, timed_delta), ("CSV", csv, timed_csv)):
                        copy = work / f"copy-{kind}"
                        shutil.rmtree(copy, ignore_errors=True)
                        shutil.copytree(source, copy)
                        runs[kind].append(timed(copy, effects))
                        shutil.rmtree(copy)
                print(f"  {label}")
                totals = {}
                for kind, results in runs.items():
                    parts = {k: 1000 * statistics.median(r[k] for r in results) for k in results[0]}
                    totals[kind] = 1000 * statistics.median(sum(r.values()) for r in results)
                    print(f"    {kind:<6} " + "  ".join(f"{k} {v:8.1f}" for k, v in parts.items())
                          + f"  | total {totals[kind]:8.1f} ms")
                print(f"    commit + purge, Delta vs CSV rewrite: {totals['Delta'] / totals['CSV']:.2f}x of the time")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
