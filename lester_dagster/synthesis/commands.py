"""What the `synthesize` and `synthesis-bench` subcommands of `lester-dagster` do; lester_dagster/cli.py
declares their arguments and calls these."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lester_dagster.errors import LesterError, NoPipelineFound
from lester_dagster.synthesis.bench import (
    STATES,
    CaseResult,
    format_report,
    run_suite,
    save_report,
)
from lester_dagster.synthesis.cases import read_table
from lester_dagster.synthesis.search import SearchConfig, TargetNotProduced, synthesize

if TYPE_CHECKING:
    import pandas as pd

    from lester_dagster.synthesis.spec import SynthesisSpec


def input_names(paths: Sequence[Path]) -> list[str]:
    """Pipeline names for input files: their stems as identifiers, made unique."""
    names: list[str] = []
    for path in paths:
        name = re.sub(r"\W+", "_", path.stem).strip("_") or "table"
        base, number = name, 2
        while name in names:
            name, number = f"{base}_{number}", number + 1
        names.append(name)
    return names


def run_synthesize(
    inputs: Sequence[Path], target: Path, top_k: int, out: Path | None, write_all: bool, time_limit: float,
    target_rows: int | None = None, allow_unverified: bool = False,
) -> int:
    """Exit 0 with a verified pipeline; 1 when none reproduces the target (the closest is printed with
    the target columns it cannot explain, and written only with `allow_unverified`); 2 for bad input."""
    if top_k < 1 or time_limit <= 0:
        print("error: --top-k must be at least 1 and --time-limit positive", file=sys.stderr)
        return 2
    if target_rows is not None and target_rows < 1:
        print("error: --target-rows must be at least 1 (the rows of the largest input the target was made "
              "from)", file=sys.stderr)
        return 2
    config = SearchConfig(top_k=top_k, time_limit=time_limit, target_sample_rows=target_rows)
    try:
        # large inputs are sampled as they are read: the search works on config.max_rows rows at most
        frames = {name: read_table(path, sample_rows=config.max_rows)
                  for name, path in zip(input_names(inputs), inputs, strict=True)}
        wanted = read_table(target)
        result = synthesize(frames, wanted, config)
    except TargetNotProduced as error:
        print(f"error: {error}", file=sys.stderr)
        if error.closest is not None:
            print("\nthe closest pipeline, which cannot explain target column(s) "
                  f"{list(error.closest.unexplained)}:\n", file=sys.stderr)
            print(error.closest.spec.to_python(), file=sys.stderr)
            _write(out, [error.closest.spec], False, allow_unverified, verified=False)
        return 1
    except NoPipelineFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except LesterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"inputs: {', '.join(f'{n} ({_rows(f)} rows)' for n, f in frames.items())}; "
          f"target: {len(wanted)} rows, columns {list(wanted.columns)}")
    print(f"{len(result.pipelines)} pipeline(s) in {result.seconds:.2f} s ({result.explored} partial pipelines "
          f"explored{', time limit reached' if result.timed_out else ''})")
    for pipeline in result.pipelines:
        print()
        print(pipeline.describe().splitlines()[0])
        print(pipeline.spec.to_python())
    best = result.pipelines[0]
    specs = result.specs() if write_all else [result.best]
    if not best.verified:
        print(f"\nerror: no pipeline reproduces the target's keys, dependencies and columns; #1 is the closest "
              f"(it violates {'; '.join(best.violations[:4]) or 'the column mapping'}). Check the inputs, or give "
              "--allow-unverified to write it anyway.", file=sys.stderr)
        _write(out, specs, write_all, allow_unverified, verified=False)
        return 1
    _write(out, specs, write_all, allow_unverified, verified=True)
    return 0


def _rows(frame: pd.DataFrame) -> str:
    total = frame.attrs.get("rows_in_file", len(frame))
    return f"{total}" if total == len(frame) else f"{total}, {len(frame)} sampled"


def _write(out: Path | None, specs: list[SynthesisSpec], write_all: bool, allow_unverified: bool, verified: bool) -> None:
    if out is None:
        return
    if not verified and not allow_unverified:
        print(f"nothing written to {out}: the pipeline is unverified (--allow-unverified writes it)", file=sys.stderr)
        return
    payload = [s.to_dict() for s in specs] if write_all else specs[0].to_dict()
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    what = f"all {len(specs)} specs" if write_all else ("the best spec" if verified else "the closest (unverified) spec")
    print(f"\nwrote {what} to {out}")


def run_synthesis_bench(
    suite: Path,
    top_k: int,
    report_path: Path | None,
    time_limit: float,
    baselines: bool,
    only: Sequence[str] = (),
    quiet: bool = False,
    workers: int = 1,
    ranker: str = "learned",
    states: int | None = None,
) -> int:
    def progress(method: str, result: CaseResult) -> None:
        if quiet:
            return
        verdict = f"rank {result.rank}" if result.solved else "unsolved"
        note = f"  ({result.error[:80]})" if result.error and not result.solved else ""
        print(f"{method:<15} {result.case:<48} {verdict:<9} {result.seconds:6.2f} s{note}", flush=True)

    try:
        if workers < 1:
            print("error: --workers must be at least 1", file=sys.stderr)
            return 2
        if states is not None and states < 1:
            print("error: --states must be at least 1", file=sys.stderr)
            return 2
        report = run_suite(suite, top_k, time_limit, baselines, only, progress, workers, ranker,
                           STATES if states is None else states)
    except LesterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print()
    print(format_report(report, names=not quiet))
    if report_path is not None:
        save_report(report, report_path)
        print(f"\nreport: {report_path}")
    return 0
