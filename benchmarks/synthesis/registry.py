"""The case registry: a hidden pipeline, the tables it reads, and the operators it is made of.

`cases.py` registers one function per case with `@case(...)`; `build_suite.py` and `check_suite.py` read
`CASES`. Operator names are the synthesiser's vocabulary (`OPERATORS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

# The synthesiser's operator families, in the order reports list them.
OPERATORS = (
    "join",
    "union",
    "groupby",
    "pivot",
    "unpivot",
    "split",
    "substring",
    "concat",
    "dropna",
    "fillna",
    "select",
    "rename",
)
# Column selection and renaming are bookkeeping: they count towards a pipeline's length only when they are
# its sole step.
_FREE = {"select", "rename"}

Pipeline = Callable[..., pd.DataFrame | pd.Series]


@dataclass(frozen=True)
class Table:
    """One input file of a case: a real source, optionally carved (``where``, ``columns``, ``distinct``) and
    sampled (``rows``).

    ``where`` keeps the rows equal to given values, to cut one source into the per-month or per-symbol files
    a union reads; ``columns`` keeps some columns and ``distinct`` drops repeated rows, to cut a lookup
    (countries and their continents) or one measure's table out of a wide source. These prepare the inputs
    and are not part of the hidden pipeline. ``split=False`` marks a lookup table of a join: as in the
    paper, only the fact table is split, so that joins on the test half are not emptied; the lookup goes
    whole into both ``training_k.csv`` and ``test_k.csv``.
    """

    source: str
    rows: int | None = None
    where: tuple[tuple[str, object], ...] = ()
    split: bool = True
    columns: tuple[str, ...] = ()
    distinct: bool = False

    def describe(self) -> str:
        text = self.source
        if self.where:
            text += "[" + ", ".join(f"{c}=={v!r}" for c, v in self.where) + "]"
        if self.columns:
            text += f"[{list(self.columns)}]" + (" distinct" if self.distinct else "")
        if self.rows is not None:
            text += f", {self.rows} sampled rows"
        return text + ("" if self.split else ", lookup (not split)")


def table(source: str, rows: int | None = None, split: bool = True, columns: tuple[str, ...] = (),
          distinct: bool = False, **where: object) -> Table:
    return Table(source, rows, tuple(where.items()), split, tuple(columns), distinct)


@dataclass(frozen=True)
class Case:
    """A hidden pipeline and what its benchmark folder is built from."""

    name: str
    pipeline: Pipeline
    inputs: tuple[Table, ...]
    operators: tuple[str, ...]
    description: str

    @property
    def length(self) -> int:
        counted = [op for op in self.operators if op not in _FREE]
        return len(counted) or 1

    @property
    def datasets(self) -> list[str]:
        return sorted({t.source for t in self.inputs})

    @property
    def part(self) -> str:
        """'dev', 'val' or 'test': the part of the suite its source tables belong to (parts.py)."""
        from benchmarks.synthesis.parts import part_of_case

        return part_of_case(self)

    def run(self, *frames: pd.DataFrame) -> pd.DataFrame | pd.Series:
        return self.pipeline(*frames)


CASES: dict[str, Case] = {}


def case(inputs: list[Table], operators: list[str]) -> Callable[[Pipeline], Pipeline]:
    """Register the decorated function as a case named after it; its docstring is the description."""

    def register(pipeline: Pipeline) -> Pipeline:
        name = pipeline.__name__
        unknown = [op for op in operators if op not in OPERATORS]
        if unknown:
            raise ValueError(f"Case {name!r} uses unknown operators {unknown}. Known: {', '.join(OPERATORS)}")
        if name in CASES:
            raise ValueError(f"Case {name!r} is registered twice; give the function a unique name")
        if not pipeline.__doc__:
            raise ValueError(f"Case {name!r} has no docstring; it becomes the case's description")
        CASES[name] = Case(name, pipeline, tuple(inputs), tuple(operators), " ".join(pipeline.__doc__.split()))
        return pipeline

    return register
