"""By-target pipeline synthesis (Auto-Pipeline, Yang, He and Chaudhuri, PVLDB 2021): from input tables
and a target table that shows what the output should look like, find the pipeline (join, union,
group-by, pivot, unpivot, string split / substring / concatenate, dropna, fillna) whose output satisfies
the target's keys, functional dependencies and column mapping. A result is a `SynthesisSpec` that the
engine runs, so synthesised pipelines carry row and column provenance.

    from lester_dagster.synthesis import read_table, synthesize
    result = synthesize({"sales": read_table("sales.csv")}, read_table("target.csv"))
    print(result.best.describe())
"""

from lester_dagster.synthesis.cases import Case, load_case, read_table, write_case
from lester_dagster.synthesis.constraints import Constraints, discover
from lester_dagster.synthesis.evaluate import frames_match, judge
from lester_dagster.synthesis.search import (
    Candidate,
    JointProbabilityRanker,
    RankedPipeline,
    Ranker,
    SearchConfig,
    SynthesisResult,
    TargetNotProduced,
    synthesize,
)
from lester_dagster.synthesis.spec import SynthesisSpec

__all__ = [
    "Candidate",
    "Case",
    "Constraints",
    "JointProbabilityRanker",
    "RankedPipeline",
    "Ranker",
    "SearchConfig",
    "SynthesisResult",
    "SynthesisSpec",
    "TargetNotProduced",
    "discover",
    "frames_match",
    "judge",
    "load_case",
    "read_table",
    "synthesize",
    "write_case",
]
