"""Verification time of `lester-dagster rewrite` on the example project's messy pipeline
(example_project/messy_pipeline.py: VADER sentiment, MiniLM embeddings of title and text) over a
generated lake: every row (the default) against a covering sample, with the rows checked and the
coverage. Prints a Markdown table.

    .venv/bin/python benchmarks/bench_rewrite.py [--mails 1000 10000] [--sample-rows 200] [--repeat 3] [--shop]

`--shop` adds the online shop of issue 13 (tests/fixtures/rewrite/shop: three date-sorted CSVs, no
embeddings) with its hand-written rewrite.

The LLM is not part of what is measured: a fixed client answers with the hand-written declarative
rewrite (tests/fixtures/rewrite/running_example/), which is correct, so each configuration is one
round. *Original* is the messy script's sandboxed run, *rewrite* the candidate's, *compare* the
comparison of prepared table, X and y; *total* is `start()` plus `run_rounds()`, from the call to the
verdict, everything included (choosing the data, writing the report and the module).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lester_dagster.datasets.running_example import write_csvs  # noqa: E402
from lester_dagster.rewrite.llm import Completion, Message  # noqa: E402
from lester_dagster.rewrite.loop import RewriteOptions, run_rounds, start  # noqa: E402
from lester_dagster.rewrite.sandbox import Limits  # noqa: E402

ANSWERS = ROOT / "tests" / "fixtures" / "rewrite" / "running_example"
SCRIPT = ROOT / "example_project" / "messy_pipeline.py"
SHOP = ROOT / "tests" / "fixtures" / "rewrite" / "shop"


class FixedAnswers:
    """A ChatClient that answers each part with the hand-written rewrite in `folder`, at once."""

    def __init__(self, folder: Path = ANSWERS) -> None:
        self.folder = folder

    def complete(self, messages: Sequence[Message], task: str = "") -> Completion:
        code = (self.folder / f"{task}.py").read_text()
        return Completion(f"```python\n{code}\n```", "fixed")

    def describe(self) -> dict[str, Any]:
        return {"client": "fixed answers (benchmark)"}


def verify(lake: Path, sample_rows: int | None, work: Path, script: Path = SCRIPT,
           answers: Path = ANSWERS) -> dict[str, Any]:
    options = RewriteOptions(data=lake, out=work / "rewritten.py", sample_rows=sample_rows, workdir=work / "runs",
                             limits=Limits(timeout=3600, memory_mb=8192), max_rounds=1)
    started = time.perf_counter()
    session = start(script, options)
    report = run_rounds(session, FixedAnswers(answers))
    total = time.perf_counter() - started
    if not report.verified:
        raise SystemExit(f"not verified:\n{report.summary()}")
    verification = report.verification
    coverage = verification["coverage"]["sources"]
    run = report.rounds[-1].run
    return {
        "total": total, "original": session.original.seconds, "rewrite": run["seconds"],
        "compare": total - session.original.seconds - run["seconds"],
        "rows": {name: (c["rows"], c["of"]) for name, c in coverage.items()},
        "distinct": {name: (sum(s for s, _ in c["distinct"].values()), sum(t for _, t in c["distinct"].values()))
                     for name, c in coverage.items()},
        "prepared": verification["prepared_rows_compared"], "X": report.original["X_shape"],
        "sandbox": verification["sandbox"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, nargs="*", default=[1000, 10000], help="lake sizes (none: only --shop)")
    parser.add_argument("--sample-rows", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration; the median is shown")
    parser.add_argument("--shop", action="store_true", help="add the online shop case of issue 13")
    args = parser.parse_args()
    rows = []
    configurations = (("all rows", None), (f"covering sample ({args.sample_rows})", args.sample_rows))
    if args.shop:
        with tempfile.TemporaryDirectory(prefix="bench-rewrite-") as folder:
            for label, sample_rows in configurations:
                runs = [verify(SHOP, sample_rows, Path(folder) / f"shop-{sample_rows}-{i}", SHOP / "messy_shop.py",
                               SHOP) for i in range(args.repeat)]
                median = {k: statistics.median(r[k] for r in runs) for k in ("total", "original", "rewrite", "compare")}
                rows.append(("shop", label, median, runs[0]))
    for mails in args.mails:
        with tempfile.TemporaryDirectory(prefix="bench-rewrite-") as folder:
            lake = Path(folder) / "lake"
            write_csvs(lake, mails, seed=0)
            for label, sample_rows in configurations:
                runs = []
                for i in range(args.repeat):
                    runs.append(verify(lake, sample_rows, Path(folder) / f"{mails}-{sample_rows}-{i}"))
                    print(f"  {mails} mails, {label}, run {i + 1}: {runs[-1]['total']:.1f} s", file=sys.stderr)
                median = {k: statistics.median(r[k] for r in runs) for k in ("total", "original", "rewrite", "compare")}
                rows.append((mails, label, median, runs[0]))
    print("| mails (or case) | data | source rows checked | distinct values seen | prepared rows compared | X "
          f"| original run | rewrite run | compare & rest | total (median of {args.repeat}) |")
    print("|---:|---|---|---|---:|---|---:|---:|---:|---:|")
    for mails, label, median, first in rows:
        checked = ", ".join(f"{name} {seen:,} of {of:,}" for name, (seen, of) in first["rows"].items())
        distinct = ", ".join(f"{name} {seen:,} of {of:,}" for name, (seen, of) in first["distinct"].items())
        case = mails if isinstance(mails, str) else f"{mails:,}"
        print(f"| {case} | {label} | {checked} | {distinct} | {first['prepared']:,} | {first['X'][0]:,} x "
              f"{first['X'][1]} | {median['original']:.1f} s | {median['rewrite']:.1f} s | {median['compare']:.1f} s | "
              f"**{median['total']:.1f} s** |")
    print(f"\nsandbox: {rows[0][3]['sandbox']}")


if __name__ == "__main__":
    main()
