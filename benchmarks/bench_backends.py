"""The example's relational preparation (complaint and bank-account mails since 2022 of UK/DE/FR customers,
joined, titles and texts lowercased) on every backend, side by side: the engine on DuckDB with provenance,
DuckDB doing the same work in SQL without provenance, Polars (when installed), plain pandas, and the engine
on pandas (today's default). Times are the best of `--repeat` interleaved rounds (one run of each variant
per round, so a loaded machine slows them alike); memory is each variant's peak RSS above its inputs, in a
fresh process per measurement (Linux VmHWM after /proc/self/clear_refs).

    .venv/bin/python benchmarks/bench_backends.py [--sizes 10000 100000 1000000] [--repeat 3] [--json out.json]

Every variant returns a pandas DataFrame (the engine's Result holds one), so each pays its conversion.
Spark is not measured in this round.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lester_dagster.engine as le  # noqa: E402
from benchmarks.bench_engine import peak_rss_mib  # noqa: E402
from example_project import declarative_pipeline as dp  # noqa: E402
from lester_dagster.datasets.running_example import generate  # noqa: E402

try:
    import polars as pl
except ImportError:  # Polars is optional (the dev extra)
    pl = None


def engine(backend: str) -> Callable[[pd.DataFrame, pd.DataFrame], Any]:
    def run(customers: pd.DataFrame, mails: pd.DataFrame) -> Any:
        # reading the sources (ids from their keys) is part of the engine's cost
        plan = dp.select_complaints(le.from_pandas(customers, "customers", key="customer_id"),
                                    le.from_pandas(mails, "mails", key="mail_id"))
        return plan.execute(backend=backend)

    return run


def plain_pandas(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    customers = customers[customers["country"].isin(dp.TARGET_COUNTRIES)].copy()
    customers["is_premium"] = customers["level"] == "premium"
    mails = mails[mails["raw_date"] >= dp.FIRST_DAY]
    mails = mails[mails["mail_text"].str.lower().str.contains("complaint|bank account", regex=True)]
    joined = mails.merge(customers, left_on="email", right_on="customer_email")
    joined["title"] = joined["mail_subject"].str.lower()
    joined["text"] = joined["mail_text"].str.lower()
    return joined


def duckdb_sql(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    from lester_dagster.engine.duckdb_backend import connection

    con = connection()  # the engine's: a cursor on one database per process
    con.register("customers", customers)
    con.register("mails", mails)
    countries = ", ".join(f"'{c}'" for c in dp.TARGET_COUNTRIES)
    return con.sql(f"""
        SELECT m.*, c.*, c.level = 'premium' AS is_premium,
               lower(m.mail_subject) AS title, lower(m.mail_text) AS text
        FROM mails m JOIN customers c ON m.email = c.customer_email
        WHERE c.country IN ({countries}) AND m.raw_date >= '{dp.FIRST_DAY}'
          AND regexp_matches(lower(m.mail_text), 'complaint|bank account')
    """).df()


def polars_lazy(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    assert pl is not None
    c = pl.from_pandas(customers).lazy().filter(pl.col("country").is_in(list(dp.TARGET_COUNTRIES))).with_columns(
        (pl.col("level") == "premium").alias("is_premium"))
    m = pl.from_pandas(mails).lazy().filter(pl.col("raw_date") >= dp.FIRST_DAY).filter(
        pl.col("mail_text").str.to_lowercase().str.contains("complaint|bank account"))
    joined = m.join(c, left_on="email", right_on="customer_email", how="inner").with_columns(
        pl.col("mail_subject").str.to_lowercase().alias("title"), pl.col("mail_text").str.to_lowercase().alias("text"))
    return joined.collect().to_pandas()


VARIANTS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]] = {
    "engine on DuckDB (provenance)": engine("duckdb"),
    "DuckDB SQL (no provenance)": duckdb_sql,
    **({"Polars lazy (no provenance)": polars_lazy} if pl is not None else {}),
    "plain pandas": plain_pandas,
    "engine on pandas (provenance)": engine("pandas"),
}


def rows_of(out: Any) -> int:
    return len(out.frame) if isinstance(out, le.Result) else len(out)


def peak_mib(variant: str, size: int) -> float:
    """Peak RSS growth of one run of a variant above the inputs, in a fresh process (DuckDB and Arrow
    loaded first: loaded libraries are not the run's memory)."""
    return peak_rss_mib(variant, size, "benchmarks.bench_backends", preload="duckdb, pyarrow")


def measure(size: int, repeat: int) -> dict[str, Any]:
    customers, mails = generate(size, seed=0)
    seconds = {name: float("inf") for name in VARIANTS}
    rows: dict[str, int] = {}
    for _ in range(repeat):
        for name, fn in VARIANTS.items():
            start = time.perf_counter()
            out = fn(customers, mails)
            seconds[name] = min(seconds[name], time.perf_counter() - start)
            rows[name] = rows_of(out)
            del out
    assert len(set(rows.values())) == 1, f"the variants disagree on the number of rows: {rows}"
    peaks = {name: peak_mib(name, size) for name in VARIANTS}
    return {"mails": size, "rows": next(iter(rows.values())), "seconds": seconds, "peak MiB": peaks}


def print_figures(figure: dict[str, Any]) -> None:
    base = figure["seconds"]["engine on DuckDB (provenance)"]
    print(f"\n{figure['mails']:,} mails -> {figure['rows']:,} rows")
    print("| variant | seconds | / engine on DuckDB | peak MiB above inputs |\n|---|---:|---:|---:|")
    for name, seconds in figure["seconds"].items():
        print(f"| {name} | {seconds:.3f} | {seconds / base:.2f}x | {figure['peak MiB'][name]:.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = []
    for size in args.sizes:
        figure = measure(size, args.repeat)
        print_figures(figure)
        figures.append(figure)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
