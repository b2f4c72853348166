"""The example's relational preparation (complaint and bank-account mails since 2022 of UK/DE/FR customers,
joined, titles and texts lowercased) on the engine's Spark backend in local mode, side by side with the engine
on pandas and on DuckDB, and with Spark doing the same work in its own functions without provenance. Times
are the best of `--repeat` interleaved rounds (one run of each variant per round, so a loaded machine slows
them alike), after one warm-up run per variant (the JVM's JIT, the Python workers). Every variant returns a
pandas DataFrame (the engine's Result holds one), so each pays its conversion, and reads its inputs from
pandas frames in the driver, as the engine's sources are today.

    .venv/bin/python benchmarks/bench_spark.py [--sizes 10000 100000 1000000] [--repeat 3] [--master local[2]]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lester_dagster.engine as le  # noqa: E402
from example_project import declarative_pipeline as dp  # noqa: E402
from lester_dagster.datasets.running_example import generate  # noqa: E402
from lester_dagster.engine import spark_backend  # noqa: E402


def engine(backend: str) -> Callable[[pd.DataFrame, pd.DataFrame], Any]:
    def run(customers: pd.DataFrame, mails: pd.DataFrame) -> Any:
        # reading the sources (ids from their keys) is part of the engine's cost
        plan = dp.select_complaints(le.from_pandas(customers, "customers", key="customer_id"),
                                    le.from_pandas(mails, "mails", key="mail_id"))
        return plan.execute(backend=backend)

    return run


def spark_functions(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    """The same work in Spark's own column functions, without provenance or row order."""
    from pyspark.sql import functions as F  # noqa: N812

    spark = spark_backend.session()
    c = spark.createDataFrame(customers).where(F.col("country").isin(list(dp.TARGET_COUNTRIES))).withColumn(
        "is_premium", F.col("level") == "premium")
    m = spark.createDataFrame(mails).where(F.col("raw_date") >= dp.FIRST_DAY).where(
        F.lower("mail_text").rlike("complaint|bank account"))
    joined = m.join(c, m["email"] == c["customer_email"]).withColumn("title", F.lower("mail_subject")).withColumn(
        "text", F.lower("mail_text"))
    return joined.toPandas()


VARIANTS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]] = {
    "engine on Spark (provenance)": engine("spark"),
    "Spark functions (no provenance)": spark_functions,
    "engine on pandas (provenance)": engine("pandas"),
    "engine on DuckDB (provenance)": engine("duckdb"),
}


def rows_of(out: Any) -> int:
    return len(out.frame) if isinstance(out, le.Result) else len(out)


def measure(size: int, repeat: int) -> dict[str, Any]:
    customers, mails = generate(size, seed=0)
    seconds = {name: float("inf") for name in VARIANTS}
    rows: dict[str, int] = {}
    for name, fn in VARIANTS.items():  # warm-up
        rows[name] = rows_of(fn(customers, mails))
    assert len(set(rows.values())) == 1, f"the variants disagree on the number of rows: {rows}"
    for _ in range(repeat):
        for name, fn in VARIANTS.items():
            start = time.perf_counter()
            out = fn(customers, mails)
            seconds[name] = min(seconds[name], time.perf_counter() - start)
            del out
    return {"mails": size, "rows": next(iter(rows.values())), "seconds": seconds}


def print_figures(figure: dict[str, Any]) -> None:
    base = figure["seconds"]["engine on pandas (provenance)"]
    print(f"\n{figure['mails']:,} mails -> {figure['rows']:,} rows")
    print("| variant | seconds | / engine on pandas |\n|---|---:|---:|")
    for name, seconds in figure["seconds"].items():
        print(f"| {name} | {seconds:.3f} | {seconds / base:.2f}x |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--master", default=os.environ.get(spark_backend.MASTER_ENV) or "local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    spark_backend.session(args.master, {"spark.driver.memory": args.driver_memory})
    figures = []
    try:
        for size in args.sizes:
            figure = measure(size, args.repeat)
            print_figures(figure)
            figures.append(figure)
    finally:
        spark_backend.stop_session()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
