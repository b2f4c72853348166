"""How lester pipelines map onto Dagster asset keys, groups and descriptions; subclass to change it."""

from __future__ import annotations

import dagster as dg

from lester_dagster.pipeline import PipelineSpec, TablePipeline

ARTIFACTS = ("prepared", "features", "model", "evaluation")  # of an ML pipeline
TABLE_ARTIFACTS = ("output",)  # of a pipeline that ends in a table (a synthesised one)
DESCRIPTIONS = {
    "prepared": "The prepared table, with each row's provenance polynomial over the source rows.",
    "features": "The feature matrix X with labels, train/test split and matrix column provenance.",
    "model": "The PyTorch classifier, kept up to date under deletions by unlearning.",
    "evaluation": "The model's metrics on the held-out rows, refreshed after every deletion.",
    "output": "The pipeline's output table, with each row's provenance polynomial over the source rows.",
}


def artifacts_of(pipeline: TablePipeline) -> tuple[str, ...]:
    return ARTIFACTS if isinstance(pipeline, PipelineSpec) else TABLE_ARTIFACTS


class LesterTranslator:
    """Asset keys: `lake/<source>` for sources, `<pipeline>/<artifact>` for a pipeline's artifacts."""

    def get_source_key(self, source: str) -> dg.AssetKey:
        return dg.AssetKey(["lake", source])

    def get_artifact_key(self, pipeline: TablePipeline, artifact: str) -> dg.AssetKey:
        return dg.AssetKey([pipeline.name, artifact])

    def get_group_name(self, pipeline: TablePipeline) -> str:
        return pipeline.name

    def get_description(self, pipeline: TablePipeline, artifact: str) -> str:
        return DESCRIPTIONS[artifact]

    def get_audit_key(self) -> dg.AssetKey:
        return dg.AssetKey(["lester", "audit_log"])

    def get_requests_key(self) -> dg.AssetKey:
        return dg.AssetKey(["lester", "requests"])
