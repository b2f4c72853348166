"""How lester pipelines map onto Dagster asset keys, groups and descriptions; subclass to change it."""

from __future__ import annotations

import dagster as dg

from lester_dagster.pipeline import PipelineSpec

ARTIFACTS = ("prepared", "features", "model", "evaluation")
DESCRIPTIONS = {
    "prepared": "The prepared table, with each row's provenance polynomial over the source rows.",
    "features": "The feature matrix X with labels, train/test split and matrix column provenance.",
    "model": "The PyTorch classifier, kept up to date under deletions by unlearning.",
    "evaluation": "The model's metrics on the held-out rows, refreshed after every deletion.",
}


class LesterTranslator:
    """Asset keys: `lake/<source>` for sources, `<pipeline>/<artifact>` for a pipeline's artifacts."""

    def get_source_key(self, source: str) -> dg.AssetKey:
        return dg.AssetKey(["lake", source])

    def get_artifact_key(self, pipeline: PipelineSpec, artifact: str) -> dg.AssetKey:
        return dg.AssetKey([pipeline.name, artifact])

    def get_group_name(self, pipeline: PipelineSpec) -> str:
        return pipeline.name

    def get_description(self, pipeline: PipelineSpec, artifact: str) -> str:
        return DESCRIPTIONS[artifact]

    def get_audit_key(self) -> dg.AssetKey:
        return dg.AssetKey(["lester", "audit_log"])
