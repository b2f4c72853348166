"""A light `lester_dagster.pipeline` for candidate runs in the sandbox. The assembled module imports
`PipelineSpec` from there, and the real module imports the PyTorch model (about 14 s per run on a busy
machine) that verification never uses. The runner puts this module in its place for candidates only;
`PipelineSpec.plan` here is the real one's, line for line (a test runs both on the same module)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

import lester_dagster.engine as le
from lester_dagster.errors import SchemaError


@dataclass(frozen=True)
class TablePipeline:
    name: str
    sources: Mapping[str, str | None]
    prepare: Callable[..., le.Table]

    def plan(self, frames: Mapping[str, pd.DataFrame]) -> le.Table:
        missing = [s for s in self.sources if s not in frames]
        if missing:
            raise SchemaError(f"pipeline {self.name!r} needs source(s) {missing}; got {sorted(frames)}.")
        tables = {s: le.from_pandas(frames[s], s, key=key) for s, key in self.sources.items()}
        return self.prepare(**tables)


@dataclass(frozen=True)
class PipelineSpec(TablePipeline):
    encoder: Callable[[], Any]
    label: str
    model: Any = None  # the real spec's ModelConfig: training is not part of verification
    test_fraction: float = 0.2
    split_seed: int = 0

    def plan(self, frames: Mapping[str, pd.DataFrame]) -> le.Table:
        table = super().plan(frames)
        if self.label not in table.columns:
            raise SchemaError(
                f"pipeline {self.name!r}: the prepared table has no label column {self.label!r}; it has "
                f"{table.columns}."
            )
        return table
