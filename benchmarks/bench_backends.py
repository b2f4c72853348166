"""Two plans on every backend, side by side: the example's relational preparation (complaint and
bank-account mails since 2022 of UK/DE/FR customers, joined, titles and texts lowercased), and a
provenance-heavy plan (mails since 2022 joined with their customers and the customers' regions, the
premium customers' and the German customers' mails stacked (union all: a German premium mail counts twice),
counted per region and bank: each group's provenance holds tens of thousands of ids per source). The
variants: the engine on DuckDB with provenance, DuckDB doing the same work in SQL without provenance, Polars
(when installed), plain pandas, and the engine on pandas. Times are the best of `--repeat` interleaved
rounds (one run of each variant per round, so a loaded machine slows them alike); memory is each variant's
peak RSS above its inputs, the median of `--repeat` fresh processes (Linux VmHWM after /proc/self/clear_refs).

    .venv/bin/python benchmarks/bench_backends.py [--sizes 10000 100000 1000000] [--repeat 3] [--json out.json]
        [--plans preparation provenance-heavy] [--no-peak] [--duckdb-threads N]

Every variant returns a pandas DataFrame (the engine's Result holds one), so each pays its conversion.
DuckDB SQL reads and writes pandas through Arrow, as the engine does: DuckDB's own pandas scan and `.df()`
took 3-6x as long at 1M mails (7-14 s against 1.2-2 s), which made it a baseline easy to beat.
Spark is measured by benchmarks/bench_spark.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

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
    con.register("customers", pa.Table.from_pandas(customers, preserve_index=False))
    con.register("mails", pa.Table.from_pandas(mails, preserve_index=False))
    countries = ", ".join(f"'{c}'" for c in dp.TARGET_COUNTRIES)
    return con.sql(f"""
        SELECT m.*, c.*, c.level = 'premium' AS is_premium,
               lower(m.mail_subject) AS title, lower(m.mail_text) AS text
        FROM mails m JOIN customers c ON m.email = c.customer_email
        WHERE c.country IN ({countries}) AND m.raw_date >= '{dp.FIRST_DAY}'
          AND regexp_matches(lower(m.mail_text), 'complaint|bank account')
    """).to_arrow_table().to_pandas()


def polars_lazy(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    assert pl is not None
    c = pl.from_pandas(customers).lazy().filter(pl.col("country").is_in(list(dp.TARGET_COUNTRIES))).with_columns(
        (pl.col("level") == "premium").alias("is_premium"))
    m = pl.from_pandas(mails).lazy().filter(pl.col("raw_date") >= dp.FIRST_DAY).filter(
        pl.col("mail_text").str.to_lowercase().str.contains("complaint|bank account"))
    joined = m.join(c, left_on="email", right_on="customer_email", how="inner").with_columns(
        pl.col("mail_subject").str.to_lowercase().alias("title"), pl.col("mail_text").str.to_lowercase().alias("text"))
    return joined.collect().to_pandas()


# ---- the provenance-heavy plan: a 3-way join, a union of two parts of it, and a groupby -----------------

REGIONS = pd.DataFrame({
    "country": ["UK", "DE", "FR", "ES", "IT", "US", "NL", "PL", "AT", "CH", "BE", "DK", "SE", "IE", "PT"],
    "region": ["west", "central", "west", "south", "south", "americas", "west", "east", "central", "central",
               "west", "north", "north", "west", "south"],
})


def heavy_engine(backend: str) -> Callable[[pd.DataFrame, pd.DataFrame], Any]:
    def run(customers: pd.DataFrame, mails: pd.DataFrame) -> Any:
        joined = (le.from_pandas(mails, "mails", key="mail_id").filter("raw_date >= @start", start=dp.FIRST_DAY)
                  .join(le.from_pandas(customers, "customers", key="customer_id"),
                        left_on="email", right_on="customer_email")
                  .join(le.from_pandas(REGIONS, "regions", key="country"), on="country"))
        stacked = joined.filter("level == 'premium'").union(joined.filter("country == 'DE'"))
        plan = stacked.groupby(["region", "bank"]).agg(mails=("mail_id", "count"), latest=("raw_date", "max"))
        return plan.execute(backend=backend)

    return run


def heavy_pandas(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    joined = (mails[mails["raw_date"] >= dp.FIRST_DAY].merge(customers, left_on="email", right_on="customer_email")
              .merge(REGIONS, on="country"))
    stacked = pd.concat([joined[joined["level"] == "premium"], joined[joined["country"] == "DE"]], ignore_index=True)
    return stacked.groupby(["region", "bank"]).agg(mails=("mail_id", "count"), latest=("raw_date", "max")).reset_index()


def heavy_duckdb_sql(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    from lester_dagster.engine.duckdb_backend import connection

    con = connection()
    con.register("customers", pa.Table.from_pandas(customers, preserve_index=False))
    con.register("mails", pa.Table.from_pandas(mails, preserve_index=False))
    con.register("regions", pa.Table.from_pandas(REGIONS, preserve_index=False))
    return con.sql(f"""
        WITH joined AS (
            SELECT m.mail_id, m.raw_date, c.bank, c.level, c.country, r.region
            FROM mails m JOIN customers c ON m.email = c.customer_email JOIN regions r ON c.country = r.country
            WHERE m.raw_date >= '{dp.FIRST_DAY}'),
        stacked AS (SELECT * FROM joined WHERE level = 'premium' UNION ALL SELECT * FROM joined WHERE country = 'DE')
        SELECT region, bank, count(mail_id) AS mails, max(raw_date) AS latest
        FROM stacked GROUP BY region, bank ORDER BY region, bank
    """).to_arrow_table().to_pandas()


def heavy_polars(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    assert pl is not None
    joined = (pl.from_pandas(mails).lazy().filter(pl.col("raw_date") >= dp.FIRST_DAY)
              .join(pl.from_pandas(customers).lazy(), left_on="email", right_on="customer_email")
              .join(pl.from_pandas(REGIONS).lazy(), on="country"))
    stacked = pl.concat([joined.filter(pl.col("level") == "premium"), joined.filter(pl.col("country") == "DE")])
    return (stacked.group_by(["region", "bank"]).agg(pl.col("mail_id").count().alias("mails"),
                                                      pl.col("raw_date").max().alias("latest"))
            .sort(["region", "bank"]).collect().to_pandas())


PLANS: dict[str, dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]]] = {
    "preparation": {
        "engine on DuckDB (provenance)": engine("duckdb"),
        "DuckDB SQL (no provenance)": duckdb_sql,
        **({"Polars lazy (no provenance)": polars_lazy} if pl is not None else {}),
        "plain pandas": plain_pandas,
        "engine on pandas (provenance)": engine("pandas"),
    },
    "provenance-heavy": {
        "engine on DuckDB (provenance)": heavy_engine("duckdb"),
        "DuckDB SQL (no provenance)": heavy_duckdb_sql,
        **({"Polars lazy (no provenance)": heavy_polars} if pl is not None else {}),
        "plain pandas": heavy_pandas,
        "engine on pandas (provenance)": heavy_engine("pandas"),
    },
}
# by "plan/variant", for the memory probe's fresh process
VARIANTS: dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]] = {
    f"{plan}/{name}": fn for plan, variants in PLANS.items() for name, fn in variants.items()}


def rows_of(out: Any) -> int:
    return len(out.frame) if isinstance(out, le.Result) else len(out)


def peak_mib(variant: str, size: int) -> float:
    """Peak RSS growth of one run of a variant above the inputs, in a fresh process (DuckDB and Arrow
    loaded first: loaded libraries are not the run's memory)."""
    return peak_rss_mib(variant, size, "benchmarks.bench_backends", preload="duckdb, pyarrow")


def best_of(variants: dict[str, Callable[[pd.DataFrame, pd.DataFrame], Any]], repeat: int,
            customers: pd.DataFrame, mails: pd.DataFrame, warm_up: bool = False) -> tuple[dict[str, float], int]:
    """Each variant's best time over `repeat` interleaved rounds (one run of each variant per round, so a
    loaded machine slows them alike), after an untimed round where `warm_up`; and the rows they all give."""
    seconds = {name: float("inf") for name in variants}
    rows: dict[str, int] = {}
    for timed in [False] * warm_up + [True] * repeat:
        for name, fn in variants.items():
            start = time.perf_counter()
            out = fn(customers, mails)
            if timed:
                seconds[name] = min(seconds[name], time.perf_counter() - start)
            rows[name] = rows_of(out)
            del out
    assert len(set(rows.values())) == 1, f"the variants disagree on the number of rows: {rows}"
    return seconds, next(iter(rows.values()))


def measure(plan: str, size: int, repeat: int, customers: pd.DataFrame, mails: pd.DataFrame,
            peak: bool = True) -> dict[str, Any]:
    seconds, rows = best_of(PLANS[plan], repeat, customers, mails)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    if not peak:
        return {"plan": plan, "mails": size, "rows": rows, "seconds": seconds, "load": load}
    # a peak differs from one fresh process to the next (at 1M mails DuckDB SQL's ranged 48-272 MiB: where
    # its threads' allocations land), so each variant's is the median of `repeat` processes, interleaved
    samples: dict[str, list[float]] = {name: [] for name in PLANS[plan]}
    for _ in range(repeat):
        for name in PLANS[plan]:
            samples[name].append(peak_mib(f"{plan}/{name}", size))
    peaks = {name: statistics.median(values) for name, values in samples.items()}
    return {"plan": plan, "mails": size, "rows": rows, "seconds": seconds, "load": load, "peak MiB": peaks,
            "peak MiB samples": samples}


def print_figures(figure: dict[str, Any], base: str = "engine on DuckDB") -> None:
    """A markdown table of the variants' times, each also as a ratio to `base` (provenance)'s, and their
    peak memory where measured."""
    baseline = figure["seconds"][f"{base} (provenance)"]
    peaks = figure.get("peak MiB")
    load = f" (load averages {' '.join(figure['load'])} after the timed rounds)" if figure.get("load") else ""
    print(f"\n{figure['plan'] + ': ' if 'plan' in figure else ''}{figure['mails']:,} mails -> {figure['rows']:,} rows"
          f"{load}")
    print(f"| variant | seconds | / {base} |{' peak MiB above inputs |' if peaks else ''}")
    print(f"|---|---:|---:|{'---:|' if peaks else ''}")
    for name, seconds in figure["seconds"].items():
        peak = f" {peaks[name]:.0f} |" if peaks else ""
        print(f"| {name} | {seconds:.3f} | {seconds / baseline:.2f}x |{peak}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plans", nargs="+", choices=sorted(PLANS), default=list(PLANS))
    parser.add_argument("--no-peak", action="store_true", help="times only, no memory probe")
    parser.add_argument("--duckdb-threads", type=int,
                        help="DuckDB's threads (the engine's and DuckDB SQL's): 1 compares it core for core with "
                             "pandas, which a loaded machine slows less than it slows DuckDB's threads")
    args = parser.parse_args()
    if args.duckdb_threads:
        from lester_dagster.engine.duckdb_backend import connection

        connection().execute(f"SET threads = {args.duckdb_threads}")  # the process's one database
    figures = []
    for size in args.sizes:
        start = time.perf_counter()
        customers, mails = generate(size, seed=0)
        for plan in args.plans:
            figure = measure(plan, size, args.repeat, customers, mails, peak=not args.no_peak)
            print_figures(figure)
            figures.append(figure)
        print(f"({size:,} mails took {time.perf_counter() - start:.0f} s in all)", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
