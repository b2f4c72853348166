"""How often incremental maintenance applies, and why it falls back to a re-run: random plans over every
operator the engine accepts, random data with nulls and duplicates, random erase and redact requests
(the same generators as tests/test_ivm_random_plans.py, drawn here from a seeded NumPy generator instead
of hypothesis), each request maintained by `apply_to_table` and checked against a full re-run.

    .venv/bin/python benchmarks/bench_ivm_classes.py [--plans 100] [--seed 0] [--json out.json]

Prints, per plan family (the operators forced into a random plan) and per operator class (the classes of
the operators a request's source reaches), the share of requests maintained incrementally (`unchanged`,
`delete-rows`, `rederive`, `rederive-wide`) and by a full re-run, and the fallback reasons by kind.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lester_dagster.engine as le  # noqa: E402
from lester_dagster.errors import LesterError, NotRowWiseError, TypeClashError  # noqa: E402
from lester_dagster.ivm import DeletionRequest  # noqa: E402
from lester_dagster.ivm.apply import apply_to_table  # noqa: E402
from tests.test_ivm_random_plans import (  # noqa: E402
    FAMILIES,
    GENERAL,
    REDACTABLE,
    SOURCE_KEYS,
    Step,
    assert_same_table,
    build,
    changed,
    decisive,
    declares_order,
)

INCREMENTAL = ("unchanged", "delete-rows", "rederive", "rederive-wide")


def lake(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """As tests/test_ivm_random_plans.lakes draws them: nulls everywhere but in keys, duplicate rows in b."""
    n_a, n_b = int(rng.integers(1, 9)), int(rng.integers(1, 7))
    maybe = lambda values, size: [None if rng.random() < 0.25 else values[rng.integers(len(values))] for _ in range(size)]  # noqa: E731
    ids = (np.arange(n_a) + 1) * 10
    a = pd.DataFrame({
        "a_id": pd.Series([f"{i:04d}" if i % 20 else str(i) for i in ids], dtype="str") if rng.random() < 0.5 else ids,
        "k": pd.array(maybe([0.0, 1.0, 2.0], n_a), dtype="float64"),
        "v": pd.array(maybe([-2.0, -1.0, 0.0, 1.0, 3.0], n_a), dtype="float64"),
        "s": pd.Series(maybe(["ab", "b", "Abc", "c"], n_a), dtype="str"),
        "tags": pd.Series(maybe([[], ["x"], ["y"], ["x", "y"], ["y", "x"]], n_a), dtype=object),
        "y": pd.array(rng.integers(0, 2, n_a).astype(float), dtype="float64"),
    })
    rows = [tuple(maybe(values, 1)[0] for values in ([0.0, 1.0, 2.0], [-2.0, -1.0, 0.0, 1.0, 3.0], ["ab", "b", "Abc", "c"]))
            for _ in range(n_b)]
    rows += rows[: int(rng.integers(0, 3))]
    b = pd.DataFrame(rows, columns=["k", "w", "t"]).astype({"k": "float64", "w": "float64", "t": "str"})
    return {"a": a, "b": b}


def step(rng: np.random.Generator, op: str) -> Step:
    return Step(op, tuple(int(x) for x in rng.integers(0, 8, 3)), int(rng.integers(0, 8)), int(rng.integers(-2, 3)))


def plan_steps(rng: np.random.Generator, family: str) -> list[Step]:
    """Random steps, the family's operators, and maybe one more random step (as the test's `plans`)."""
    before = [step(rng, GENERAL[rng.integers(len(GENERAL))]) for _ in range(int(rng.integers(0, 4)))]
    after = [step(rng, GENERAL[rng.integers(len(GENERAL))]) for _ in range(int(rng.integers(0, 2)))]
    return before + [step(rng, op) for op in FAMILIES[family]] + after


def requests(rng: np.random.Generator, result: le.Result, plan: le.Table) -> list[DeletionRequest]:
    """One to four requests; half of the redactions blank a filter, join, group or sort key."""
    keyed = decisive(plan.node)
    out = []
    for _ in range(int(rng.integers(1, 5))):
        source = sorted(result.sources)[rng.integers(len(result.sources))]
        data = result.sources[source]
        keys = data.frame[data.key].tolist() if data.key else [int(i) for i in data.ids]
        chosen = tuple(dict.fromkeys(keys[i] for i in rng.integers(0, len(keys), int(rng.integers(1, 4)))))
        if rng.random() < 0.5:
            out.append(DeletionRequest(source, chosen, "erase"))
            continue
        stressing = sorted(c for s, c in keyed if s == source and c in REDACTABLE[source])
        pool = stressing if stressing and rng.random() < 0.5 else REDACTABLE[source]
        columns = tuple(dict.fromkeys(pool[i] for i in rng.integers(0, len(pool), int(rng.integers(1, 3)))))
        out.append(DeletionRequest(source, columns=columns, keys=chosen, action="redact"))
    return out


def reason_kind(reason: str) -> str:
    """A fallback reason without its column and operator names, to count reasons by kind."""
    for pattern, kind in (
        (r"by an aggregate's value", "filter/join/group on an aggregate's value"),
        (r"reappear padded", "right side of a left join loses rows or keys"),
        (r"groups together", "redacted key decides group membership"),
        (r"joined with itself", "self-join on a redacted key"),
        (r"decide the order", "redacted sort key"),
        (r"order the plan declares", "rows appear in an ordered output"),
        (r"more than the", "too many side-effect rows"),
        (r"continues no affected row|several old rows", "unexplained re-derived row"),
    ):
        if re.search(pattern, reason):
            return kind
    return "other"


def run(plans: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    records, refused = [], Counter()
    started = time.perf_counter()
    for i in range(plans):
        family = sorted(FAMILIES)[i % len(FAMILIES)]
        frames = lake(rng)
        tables = {s: le.from_pandas(frames[s], s, key=SOURCE_KEYS[s]) for s in ("a", "b")}
        try:
            builder = build(plan_steps(rng, family), tables["a"], tables["b"])
            result = builder.table.execute()
        except (NotRowWiseError, TypeClashError):  # refused when written, never after a deletion
            refused[family] += 1
            continue
        plan, expected = builder.table, dict(result.sources)
        for request in requests(rng, result, plan):
            expected[request.source] = changed(expected[request.source], request)
            try:
                rerun = plan.execute(expected)
                result, report = apply_to_table(family, plan, result, request)
            except NotRowWiseError:
                refused[family] += 1
                break
            assert_same_table(result, rerun, declares_order(plan.node), f"{family} plan {i}")  # IVM == re-run
            records.append({"family": family, "mode": report.prepared_mode, "classes": report.operator_classes,
                            "reason": reason_kind(report.fallback_reason) if report.fallback_reason else ""})
    return {"records": records, "refused": dict(refused), "seconds": time.perf_counter() - started}


def share_table(groups: dict[str, list[dict[str, Any]]], title: str) -> list[str]:
    lines = [f"| {title} | requests | incremental | full re-run | unchanged | delete-rows | rederive | rederive-wide |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in sorted(groups):
        modes = Counter(r["mode"] for r in groups[name])
        total = sum(modes.values())
        incremental = sum(modes[m] for m in INCREMENTAL)
        cells = " | ".join(f"{modes[m]}" for m in INCREMENTAL)
        lines.append(f"| {name} | {total} | {incremental / total:.0%} | {modes['full'] / total:.0%} | {cells} |")
    return lines


def report(out: dict[str, Any], plans: int, seed: int) -> str:
    records = out["records"]
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_family[r["family"]].append(r)
        for c in r["classes"]:
            by_class[c].append(r)
    lines = [f"{plans} random plans (seed {seed}), {len(records)} requests, all equal to a re-run; "
             f"{sum(out['refused'].values())} plan(s) refused (not row-wise, or key types to cast); {out['seconds']:.1f} s", ""]
    lines += share_table({"all": records}, "requests") + [""]
    lines += share_table(by_class, "operator class reached") + [""]
    lines += share_table(by_family, "plan family") + [""]
    reasons = Counter(r["reason"] for r in records if r["mode"] == "full")
    lines += ["| fallback reason | requests |", "|---|---:|"]
    lines += [f"| {kind} | {n} |" for kind, n in reasons.most_common()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=960)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = run(args.plans, args.seed)
    print(report(out, args.plans, args.seed))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    try:
        main()
    except LesterError as error:
        sys.exit(f"bench_ivm_classes: {error}")
