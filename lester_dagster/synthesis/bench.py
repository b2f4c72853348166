"""The synthesis benchmark: every case folder of a suite is synthesised under a time limit, the ranked
pipelines are run on the held-out test tables (on the engine), and accuracy, mean reciprocal rank and
latency are reported overall and per pipeline length, optionally beside two baselines: greedy
single-step top-1 (Auto-Suggest used step by step) and the same search without target constraints."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from lester_dagster.errors import LesterError, SynthesisInputError
from lester_dagster.synthesis.cases import load_case
from lester_dagster.synthesis.evaluate import judge
from lester_dagster.synthesis.search import SearchConfig, synthesize

METHODS: dict[str, Callable[[SearchConfig], SearchConfig]] = {
    "auto-pipeline": lambda config: config,
    "greedy": lambda config: replace(config, greedy=True, top_k=1, fine_tune=False, fill_unverified=True),
    "no-constraints": lambda config: replace(config, use_constraints=False),
}


@dataclass(frozen=True)
class CaseResult:
    case: str
    solved: bool
    rank: int
    seconds: float
    length: int | None
    pipelines: int = 0
    error: str = ""


def case_folders(suite: str | Path) -> list[Path]:
    suite = Path(suite)
    if not suite.is_dir():
        raise SynthesisInputError(f"suite {suite}: not a folder. Give a folder with one subfolder per case.")
    folders = sorted(p for p in suite.iterdir() if p.is_dir() and any(p.glob("training_*.csv")))
    if not folders:
        raise SynthesisInputError(f"suite {suite}: no case folders (subfolders with training_<k>.csv) found.")
    return folders


def run_case(folder: Path, config: SearchConfig) -> CaseResult:
    """Synthesises one case and judges the ranked pipelines on its test tables."""
    started = time.perf_counter()
    try:
        case = load_case(folder)
    except LesterError as error:
        return CaseResult(folder.name, False, 0, 0.0, None, error=str(error).splitlines()[0])
    started = time.perf_counter()
    try:
        result = synthesize(case.training, case.target, config)
    except LesterError as error:
        return CaseResult(case.name, False, 0, time.perf_counter() - started, case.length,
                          error=str(error).splitlines()[0][:300])
    seconds = time.perf_counter() - started
    verdict = judge(result.specs(), case)
    return CaseResult(case.name, verdict.solved, verdict.rank, seconds, case.length, len(result.pipelines),
                      "; ".join(verdict.errors)[:300])


def bucket(length: int | None) -> str:
    if length is None:
        return "unknown"
    return "6+" if length >= 6 else str(length)


def metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    if not results:
        return {"n_cases": 0, "accuracy": 0.0, "mrr": 0.0, "median_seconds": 0.0, "mean_seconds": 0.0}
    seconds = [r.seconds for r in results]
    return {
        "n_cases": len(results),
        "accuracy": sum(r.solved for r in results) / len(results),
        "mrr": sum(1.0 / r.rank for r in results if r.rank) / len(results),
        "median_seconds": statistics.median(seconds),
        "mean_seconds": statistics.fmean(seconds),
    }


def by_length(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(bucket(result.length), []).append(result)
    order = ["1", "2", "3", "4", "5", "6+", "unknown"]
    return {b: metrics(groups[b]) for b in order if b in groups}


def run_suite(
    suite: str | Path,
    top_k: int = 10,
    time_limit: float = 30.0,
    baselines: bool = False,
    only: Sequence[str] = (),
    progress: Callable[[str, CaseResult], None] | None = None,
) -> dict[str, Any]:
    """The report: the method's metrics and per-case results, and the baselines' when asked."""
    folders = case_folders(suite)
    if only:
        folders = [f for f in folders if f.name in set(only)]
    base = SearchConfig(top_k=top_k, time_limit=time_limit)
    methods = list(METHODS) if baselines else ["auto-pipeline"]
    outcome: dict[str, list[CaseResult]] = {m: [] for m in methods}
    for folder in folders:
        for method in methods:
            result = run_case(folder, METHODS[method](base))
            outcome[method].append(result)
            if progress:
                progress(method, result)
    main = outcome["auto-pipeline"]
    report: dict[str, Any] = {
        "suite": str(suite),
        "top_k": top_k,
        "time_limit": time_limit,
        **metrics(main),
        "by_length": by_length(main),
        "cases": [asdict(r) for r in main],
    }
    if baselines:
        report["baselines"] = {
            m: {**metrics(outcome[m]), "by_length": by_length(outcome[m]), "cases": [asdict(r) for r in outcome[m]]}
            for m in methods if m != "auto-pipeline"
        }
    return report


def format_report(report: dict[str, Any]) -> str:
    def row(name: str, m: dict[str, Any]) -> str:
        return (f"{name:<16} {m['n_cases']:>5}  {100 * m['accuracy']:6.1f}%  {m['mrr']:.3f}  "
                f"{m['median_seconds']:8.2f}  {m['mean_seconds']:8.2f}")

    header = f"{'':<16} {'cases':>5}  {'accuracy':>7}  {'MRR':>5}  {'median s':>8}  {'mean s':>8}"
    lines = [header, row("auto-pipeline", report)]
    for name, m in report.get("baselines", {}).items():
        lines.append(row(name, m))
    lines += ["", "by pipeline length (auto-pipeline):", header]
    lines += [row(f"length {b}", m) for b, m in report["by_length"].items()]
    unsolved = [c["case"] for c in report["cases"] if not c["solved"]]
    if unsolved:
        lines += ["", f"unsolved ({len(unsolved)}): {', '.join(unsolved)}"]
    return "\n".join(lines)


def save_report(report: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path
