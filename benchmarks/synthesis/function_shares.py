"""How often the development part's hand-written pipelines aggregate with each function: the shares
`predict.WRITTEN_SHARES` holds, beside which the learned aggregate predictor's odds are moved (its training
pipelines draw the functions at `generate.FUNCS`'s shares, not as analysts write them). Reads the hidden
pipelines' source code of development cases only, never a test or val case.

    .venv/bin/python benchmarks/synthesis/function_shares.py

A function counts once per mention in a pipeline's code: as a string (`'mean'`, `aggfunc="sum"`) or as a
method (`.count()`). Methods used for other ends (a column's `.max()` in a filter) count too; the shares are a
prior, not an exact census."""

from __future__ import annotations

import inspect
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

FUNCTIONS = ("mean", "sum", "count", "max", "min", "median", "nunique")
MENTION = re.compile("['\".](" + "|".join(FUNCTIONS) + ")['\"(]")


def written_counts() -> tuple[Counter[str], int]:
    """Mentions of each function over the development part's pipelines, and how many pipelines there are."""
    import benchmarks.synthesis.build_suite  # noqa: F401  (registers every writer's cases)
    from benchmarks.synthesis.parts import PartError, part_of_case
    from benchmarks.synthesis.registry import CASES

    counts: Counter[str] = Counter()
    pipelines = 0
    for case in CASES.values():
        try:
            if part_of_case(case) != "dev":
                continue
        except PartError:
            continue
        pipelines += 1
        counts.update(MENTION.findall(inspect.getsource(case.pipeline)))
    return counts, pipelines


def main() -> int:
    counts, pipelines = written_counts()
    total = sum(counts[f] for f in FUNCTIONS)
    print(f"{pipelines} development pipelines, {total} mentions")
    print("WRITTEN_SHARES = {" + ", ".join(f'"{f}": {counts[f] / total:.3f}' for f in FUNCTIONS) + "}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
