"""The example's relational preparation (complaint and bank-account mails since 2022 of UK/DE/FR customers,
joined, titles and texts lowercased) on the engine's Spark backend in local mode, side by side with the engine
on pandas and on DuckDB, and with Spark doing the same work in its own functions without provenance. Times
are the best of `--repeat` interleaved rounds (one run of each variant per round, so a loaded machine slows
them alike), after one warm-up run per variant (the JVM's JIT, the Python workers). Every variant returns a
pandas DataFrame (the engine's Result holds one), so each pays its conversion, and reads its inputs from
pandas frames in the driver, as the engine's sources are today.

    .venv/bin/python benchmarks/bench_spark.py [--sizes 10000 100000 1000000] [--repeat 3] [--master local[2]]
        [--driver-memory 4g] [--max-result-size 4g] [--variants spark functions ...] [--no-warm-up] [--json out.json]

`--variants` picks some of them (spark, functions, pandas, duckdb: at 10M mails a round of all four takes
long); `--no-warm-up` times from the first run (a JVM's first run is then among the rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_backends import best_of, engine, print_figures  # noqa: E402
from example_project import declarative_pipeline as dp  # noqa: E402
from lester_dagster.datasets.running_example import generate  # noqa: E402
from lester_dagster.engine import spark_backend  # noqa: E402


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
SHORT = {"spark": "engine on Spark (provenance)", "functions": "Spark functions (no provenance)",
         "pandas": "engine on pandas (provenance)", "duckdb": "engine on DuckDB (provenance)"}


def measure(size: int, repeat: int, variants: dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]],
            warm_up: bool = True) -> dict[str, Any]:
    customers, mails = generate(size, seed=0)
    # a warm-up round first: the JVM's JIT and Spark's Python workers start on first use
    seconds, rows = best_of(variants, repeat, customers, mails, warm_up=warm_up)
    return {"mails": size, "rows": rows, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--master", default=os.environ.get(spark_backend.MASTER_ENV) or "local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--max-result-size", default="4g")
    parser.add_argument("--variants", nargs="+", choices=sorted(SHORT), help="some of the variants (default: all)")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    variants = {SHORT[v]: VARIANTS[SHORT[v]] for v in args.variants} if args.variants else VARIANTS
    base = next((b for b in ("engine on pandas", "engine on Spark", "engine on DuckDB") if f"{b} (provenance)" in variants),
                None)
    if base is None:
        parser.error("--variants needs one of the engine's: pandas, spark or duckdb")
    # the engine collects its result to the driver: at 10M mails 1.2 GB of serialized rows, above Spark's
    # default spark.driver.maxResultSize of 1g
    spark_backend.session(args.master, {"spark.driver.memory": args.driver_memory,
                                        "spark.driver.maxResultSize": args.max_result_size})
    figures = []
    try:
        for size in args.sizes:
            figure = measure(size, args.repeat, variants, args.warm_up)
            print_figures(figure, base=base)
            figures.append(figure)
    finally:
        spark_backend.stop_session()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
