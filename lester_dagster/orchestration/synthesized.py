"""Synthesised pipelines in Dagster: every spec (JSON, as `lester-dagster synthesize` writes them) in a folder
becomes a pipeline that ends in a table, whose inputs are sources of the data lake (an input named
`flights` reads `flights.csv`). Its output is an asset with row and column provenance through the same IO
manager, so deletion requests reach synthesised pipelines like any other."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import lester_dagster.engine as le
from lester_dagster.errors import SchemaError
from lester_dagster.orchestration.asset_factory import LakeSource
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.pipeline import TablePipeline
from lester_dagster.synthesis.spec import SynthesisSpec


def synthesized_pipeline(path: str | Path, keys: Mapping[str, str | None] | None = None,
                         name: str | None = None) -> TablePipeline:
    """The pipeline of one spec file, named after the file; `keys` names the key column of inputs that
    have one (deletion requests name rows by it), others are identified by content."""
    spec = SynthesisSpec.load(path)
    keys = keys or {}

    def prepare(**tables: le.Table) -> le.Table:
        return spec.build(tables)

    prepare.__doc__ = spec.describe()
    prepare.pipeline_code = spec.to_python()  # type: ignore[attr-defined]  # shown on the asset's page
    return TablePipeline(name or Path(path).stem, {source: keys.get(source) for source in spec.inputs}, prepare)


def synthesized_pipelines(folder: str | Path, keys: Mapping[str, str | None] | None = None) -> list[TablePipeline]:
    """One pipeline per `*.json` spec in `folder`, in name order."""
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise SchemaError(
            f"no synthesised pipeline specs (*.json) in {Path(folder).resolve()}; write one with "
            "`lester-dagster synthesize --input A.csv --target T.csv --out {folder}/NAME.json`."
        )
    return [synthesized_pipeline(p, keys) for p in paths]


def lake_sources_for(pipelines: Sequence[TablePipeline], lake_dir: str | Path,
                     declared: Sequence[LakeSource] = ()) -> list[LakeSource]:
    """The declared lake sources, plus one for every other source the pipelines read, with its key from
    the pipeline and its columns from the file's header."""
    lake = DataLake(root=str(lake_dir))
    sources = {s.name: s for s in declared}
    for pipeline in pipelines:
        for name, key in pipeline.sources.items():
            if name not in sources:
                sources[name] = LakeSource(name, key, tuple(lake.columns(name)))
    return list(sources.values())


__all__ = ["lake_sources_for", "synthesized_pipeline", "synthesized_pipelines"]
