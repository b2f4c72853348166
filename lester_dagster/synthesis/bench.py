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
from lester_dagster.synthesis.search import Ranker, SearchConfig, synthesize

METHODS: dict[str, Callable[[SearchConfig], SearchConfig]] = {
    "auto-pipeline": lambda config: config,
    "greedy": lambda config: replace(config, greedy=True, top_k=1, fine_tune=False, fill_unverified=True),
    "no-constraints": lambda config: replace(config, use_constraints=False),
}


# partial pipelines each case may explore: the budget that bounds the search, so that which cases are
# solved does not depend on the machine's load; the time limit is a guard, and latency is reported apart.
# Set on the development part: 100 / 300 / 600 states solved 62.7% / 71.8% / 75.2% of it (lengths 4-5 gain)
STATES = 600


@dataclass(frozen=True)
class CaseResult:
    case: str
    solved: bool
    rank: int
    seconds: float
    length: int | None
    pipelines: int = 0
    error: str = ""
    explored: int = 0  # partial pipelines the search explored
    timed_out: bool = False  # the time limit, not the budget in states, ended the search: load can change it


def case_folders(suite: str | Path) -> list[Path]:
    suite = Path(suite)
    if not suite.is_dir():
        raise SynthesisInputError(f"suite {suite}: not a folder. Give a folder with one subfolder per case.")
    folders = sorted(p for p in suite.iterdir() if p.is_dir() and any(p.glob("training_*.csv")))
    if not folders:
        raise SynthesisInputError(f"suite {suite}: no case folders (subfolders with training_<k>.csv) found.")
    return folders


def run_case(folder: Path, config: SearchConfig, ranker: Ranker | None = None) -> CaseResult:
    """Synthesises one case and judges the ranked pipelines on its test tables. Whatever goes wrong (an
    unreadable case, a search that fails, a candidate that raises) is this case's failure, recorded
    with its reason, and never the end of the run."""
    try:
        case = load_case(folder)
    except Exception as error:  # noqa: BLE001 - a broken case folder is that case's failure
        return CaseResult(folder.name, False, 0, 0.0, _length(folder), error=_reason(error))
    started = time.perf_counter()
    try:
        result = synthesize(case.training, case.target, config, ranker)
    except Exception as error:  # noqa: BLE001 - NoPipelineFound, or a bug: either way a miss, not a crash
        reason = _reason(error)
        return CaseResult(case.name, False, 0, time.perf_counter() - started, case.length, error=reason,
                          timed_out="time limit" in reason)
    seconds = time.perf_counter() - started
    verdict = judge(result.specs(), case)
    return CaseResult(case.name, verdict.solved, verdict.rank, seconds, case.length, len(result.pipelines),
                      "; ".join([*result.notes, *verdict.errors])[:300], result.explored, result.timed_out)


def _reason(error: BaseException) -> str:
    kind = "" if isinstance(error, LesterError) else f"{type(error).__name__} (unexpected): "
    lines = str(error).splitlines()
    return (kind + (lines[0] if lines else type(error).__name__))[:300]


def _length(folder: Path) -> int | None:
    try:
        value = json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("length")
    except (OSError, ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, (int, float)) else None


def _one_thread() -> None:
    # a worker per core: BLAS threads of their own would make the workers fight over the cores
    import os

    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


def bucket(length: int | None) -> str:
    if length is None:
        return "unknown"
    return "6+" if length >= 6 else str(length)


def metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Accuracy, MRR, the mean latency over solved cases (as the paper reports it), and the median and
    mean latency over all cases."""
    if not results:
        return {"n_cases": 0, "accuracy": 0.0, "mrr": 0.0, "median_seconds": 0.0, "mean_seconds": 0.0,
                "mean_seconds_solved": 0.0}
    seconds = [r.seconds for r in results]
    solved = [r.seconds for r in results if r.solved]
    return {
        "n_cases": len(results),
        "accuracy": sum(r.solved for r in results) / len(results),
        "mrr": sum(1.0 / r.rank for r in results if r.rank) / len(results),
        "median_seconds": statistics.median(seconds),
        "mean_seconds": statistics.fmean(seconds),
        "mean_seconds_solved": statistics.fmean(solved) if solved else 0.0,
    }


def by_length(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(bucket(result.length), []).append(result)
    order = ["1", "2", "3", "4", "5", "6+", "unknown"]
    return {b: metrics(groups[b]) for b in order if b in groups}


def _run_job(job: tuple[Path, str, SearchConfig, str]) -> tuple[str, CaseResult]:
    folder, method, config, ranker = job
    return method, run_case(folder, METHODS[method](config), _ranker(ranker))


def _ranker(name: str) -> Ranker:
    from lester_dagster.synthesis.search import JointProbabilityRanker, default_ranker

    return JointProbabilityRanker() if name == "joint" else default_ranker()


def run_suite(
    suite: str | Path,
    top_k: int = 10,
    time_limit: float = 30.0,
    baselines: bool = False,
    only: Sequence[str] = (),
    progress: Callable[[str, CaseResult], None] | None = None,
    workers: int = 1,
    ranker: str = "learned",
    max_states: int | None = STATES,
) -> dict[str, Any]:
    """The report: the method's metrics and per-case results, and the baselines' when asked. With
    `workers` > 1 the cases run in that many processes (one per core at most: latency is measured
    per case, and two searches on one core would each take twice as long)."""
    folders = case_folders(suite)
    if only:
        folders = [f for f in folders if f.name in set(only)]
    base = SearchConfig(top_k=top_k, time_limit=time_limit, max_states=max_states)
    methods = list(METHODS) if baselines else ["auto-pipeline"]
    outcome: dict[str, list[CaseResult]] = {m: [] for m in methods}
    jobs = [(folder, method, base, ranker) for folder in folders for method in methods]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers, initializer=_one_thread) as pool:
            for method, result in pool.imap(_run_job, jobs):
                outcome[method].append(result)
                if progress:
                    progress(method, result)
    else:
        for job in jobs:
            method, result = _run_job(job)
            outcome[method].append(result)
            if progress:
                progress(method, result)
    main = outcome["auto-pipeline"]
    report: dict[str, Any] = {
        "suite": str(suite),
        "top_k": top_k,
        "time_limit": time_limit,
        "workers": workers,
        "ranker": ranker,
        "max_states": max_states,
        # cases the time limit cut short: their result may differ on a machine under another load
        "timed_out": sum(r.timed_out for r in main),
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


def format_report(report: dict[str, Any], names: bool = True) -> str:
    """The report as a table; `names=False` leaves out which cases were unsolved (a test part's
    per-case results are for no one's eyes while the search is being tuned)."""
    def row(name: str, m: dict[str, Any]) -> str:
        return (f"{name:<16} {m['n_cases']:>5}  {100 * m['accuracy']:6.1f}%  {m['mrr']:.3f}  "
                f"{m['median_seconds']:8.2f}  {m.get('mean_seconds_solved', 0.0):13.2f}  {m['mean_seconds']:8.2f}")

    header = (f"{'':<16} {'cases':>5}  {'accuracy':>7}  {'MRR':>5}  {'median s':>8}  {'mean s solved':>13}  "
              f"{'mean s':>8}")
    lines = [header, row("auto-pipeline", report)]
    for name, m in report.get("baselines", {}).items():
        lines.append(row(name, m))
    lines += ["", "by pipeline length (auto-pipeline):", header]
    lines += [row(f"length {b}", m) for b, m in report["by_length"].items()]
    if report.get("max_states") is not None:
        lines += ["", f"budget: {report['max_states']} partial pipelines per case; "
                      f"{report.get('timed_out', 0)} case(s) cut short by the {report['time_limit']:g} s guard instead"]
    unsolved = [c["case"] for c in report["cases"] if not c["solved"]]
    if unsolved and names:
        lines += ["", f"unsolved ({len(unsolved)}): {', '.join(unsolved)}"]
    return "\n".join(lines)


def save_report(report: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path
