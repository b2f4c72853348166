"""The running example's data preparation: the engine with provenance vs the same work in plain pandas,
vs the messy original, side by side at several sizes. Prints a table of times, ratios and memory.

    .venv/bin/python benchmarks/bench_engine.py [--sizes 10000 100000 1000000] [--repeat 3]

Two workloads: the relational part (filters, join, lowercasing: what the engine adds overhead to) and
the full preparation with VADER sentiment. Memory is each variant's peak RSS, measured in a fresh
process so the variants cannot share warmed-up allocations.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lester_dagster.engine as le  # noqa: E402
from example_project import declarative_pipeline as dp  # noqa: E402
from example_project import messy_pipeline  # noqa: E402
from lester_dagster.datasets.running_example import generate, write_csvs  # noqa: E402


def pandas_select_complaints(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    """What a careful pandas user writes for the relational part (no provenance)."""
    customers = customers[customers["country"].isin(dp.TARGET_COUNTRIES)].copy()
    customers["is_premium"] = customers["level"] == "premium"
    mails = mails[mails["raw_date"] >= dp.FIRST_DAY]
    mails = mails[mails["mail_text"].str.lower().str.contains("complaint|bank account", regex=True)]
    joined = mails.merge(customers, left_on="email", right_on="customer_email")
    joined["title"] = joined["mail_subject"].str.lower()
    joined["text"] = joined["mail_text"].str.lower()
    return joined


def pandas_prepare(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    joined = pandas_select_complaints(customers, mails)
    joined["sentiment"] = [dp.sentiment(t) for t in joined["mail_text"]]
    return joined[["title", "text", "bank", "country", "sentiment", "is_premium"]]


def engine(build: Callable[[le.Table, le.Table], le.Table]) -> Callable[[pd.DataFrame, pd.DataFrame], le.Result]:
    def run(customers: pd.DataFrame, mails: pd.DataFrame) -> le.Result:
        # reading the sources (ids from their keys) is part of the engine's cost
        return build(
            le.from_pandas(customers, "customers", key="customer_id"), le.from_pandas(mails, "mails", key="mail_id")
        ).execute()

    return run


VARIANTS: dict[str, Callable[..., object]] = {
    "relational/engine": engine(dp.select_complaints),
    "relational/pandas": pandas_select_complaints,
    "full/engine": engine(dp.prepare),
    "full/pandas": pandas_prepare,
}


def best_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def peak_rss_mib(variant: str, size: int, module: str = "benchmarks.bench_engine", preload: str = "") -> float:
    """Peak RSS growth of one run of `module`'s VARIANTS[variant], in a fresh process that first generates
    the data (and imports `preload`, libraries whose loading is not the run's memory).

    Linux's peak mark (VmHWM) is reset after generation through /proc/self/clear_refs, so the figure is
    the run's own peak above the memory the inputs already hold. Before that, the memory generation freed
    but the allocators kept (~210 MiB at 1M mails: glibc's heap and Arrow's mimalloc pool) is handed back:
    a run that happened to reuse it looked ~200 MiB smaller than one that did not (DuckDB SQL's peak was
    48 or 238 MiB from one process to the next).
    """
    code = f"""
import ctypes, gc, sys; sys.path.insert(0, {str(ROOT)!r})
import pyarrow
import {module} as b
from lester_dagster.datasets.running_example import generate
def status(field):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field))
c, m = generate({size}, 0)
{"import " + preload if preload else ""}
gc.collect()
ctypes.CDLL("libc.so.6").malloc_trim(0)
pyarrow.default_memory_pool().release_unused()
open("/proc/self/clear_refs", "w").write("5")
base = status("VmRSS:")
b.VARIANTS[{variant!r}](c, m)
print((status("VmHWM:") - base) / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per relational variant (best is kept)")
    parser.add_argument("--full-repeat", type=int, default=1, help="runs per full (VADER) variant")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    figures = []
    for size in args.sizes:
        customers, mails = generate(size, seed=0)
        row: dict[str, float | int] = {"mails": size}
        for name, fn in VARIANTS.items():
            repeat = args.repeat if name.startswith("relational") else args.full_repeat
            seconds, out = best_time(functools.partial(fn, customers, mails), repeat)
            row[f"{name} s"] = seconds
            if name == "relational/engine":
                result = out
                row["prepared rows"] = len(result.frame)
                row["provenance bytes/row"] = result.provenance.nbytes / max(1, len(result.frame))
        with tempfile.TemporaryDirectory() as tmp:
            write_csvs(tmp, size, seed=0)
            row["full/messy s"], _ = best_time(
                lambda: messy_pipeline.prepare(Path(tmp) / "customers.csv", Path(tmp) / "mails.csv"), 1
            )
        for name in ("relational/engine", "relational/pandas"):
            row[f"{name} peak MiB"] = peak_rss_mib(name, size)
        figures.append(row)
        print_row(row)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def print_row(row: dict[str, float | int]) -> None:
    r = row
    print(
        f"\n{r['mails']:>9,} mails -> {r['prepared rows']:,} prepared rows\n"
        f"  relational part: engine {r['relational/engine s']:.3f} s | pandas {r['relational/pandas s']:.3f} s | "
        f"ratio {r['relational/engine s'] / r['relational/pandas s']:.2f}x\n"
        f"  full (+VADER):   engine {r['full/engine s']:.3f} s | pandas {r['full/pandas s']:.3f} s | "
        f"ratio {r['full/engine s'] / r['full/pandas s']:.2f}x | messy original {r['full/messy s']:.3f} s "
        f"({r['full/messy s'] / r['full/engine s']:.2f}x the engine)\n"
        f"  peak memory of the relational part: engine {r['relational/engine peak MiB']:.0f} MiB | "
        f"pandas {r['relational/pandas peak MiB']:.0f} MiB; provenance {r['provenance bytes/row']:.0f} bytes/row",
        flush=True,
    )


if __name__ == "__main__":
    main()
