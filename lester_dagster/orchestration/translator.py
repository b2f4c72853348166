"""How lester pipelines map onto Dagster asset keys, groups, descriptions, owners, tags and code versions;
subclass to change it. Descriptions and code versions come from the pipeline itself, so two pipelines
never share a generic text, and an edit of a pipeline's code shows as "unsynced" in the UI."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from lester_dagster.pipeline import PipelineSpec, TablePipeline

ARTIFACTS = ("prepared", "features", "model", "evaluation")  # of an ML pipeline
TABLE_ARTIFACTS = ("output",)  # of a pipeline that ends in a table (a synthesised one)
VERSIONS = "versions"  # which versions of a pipeline's artifacts are current together


def artifacts_of(pipeline: TablePipeline) -> tuple[str, ...]:
    return ARTIFACTS if isinstance(pipeline, PipelineSpec) else TABLE_ARTIFACTS


def assets_of(pipeline: TablePipeline) -> tuple[str, ...]:
    """The artifacts and the versions asset: what a run that touches the pipeline selects."""
    return (*artifacts_of(pipeline), VERSIONS)


def pipeline_code(pipeline: TablePipeline) -> str:
    """The pipeline's preparation as code: a synthesised spec's pandas program, else the source of the
    function that builds the plan (empty when Python cannot show it)."""
    code = getattr(pipeline.prepare, "pipeline_code", None)
    if code:
        return str(code)
    try:
        return inspect.getsource(pipeline.prepare)
    except (OSError, TypeError):
        return ""


class LesterTranslator:
    """Asset keys: `lake/<source>` for sources, `<pipeline>/<artifact>` for a pipeline's artifacts. `owners`
    and `tags` go on every pipeline asset (the Component sets them from YAML)."""

    def __init__(self, owners: Sequence[str] = (), tags: Mapping[str, str] | None = None) -> None:
        self.owners = list(owners)
        self.tags = dict(tags or {})

    def get_source_key(self, source: str) -> dg.AssetKey:
        return dg.AssetKey(["lake", source])

    def get_artifact_key(self, pipeline: TablePipeline, artifact: str) -> dg.AssetKey:
        return dg.AssetKey([pipeline.name, artifact])

    def get_group_name(self, pipeline: TablePipeline) -> str:
        return pipeline.name

    def get_audit_key(self) -> dg.AssetKey:
        return dg.AssetKey(["lester", "audit_log"])

    def get_requests_key(self) -> dg.AssetKey:
        return dg.AssetKey(["lester", "requests"])

    def get_owners(self, pipeline: TablePipeline, artifact: str) -> list[str]:
        return self.owners

    def get_tags(self, pipeline: TablePipeline, artifact: str) -> dict[str, str]:
        return self.tags

    def get_description(self, pipeline: TablePipeline, artifact: str) -> str:
        return describe(pipeline, artifact)

    def get_code_version(self, pipeline: TablePipeline, artifact: str) -> str | None:
        return code_version(pipeline, artifact)

    def get_asset_spec(self, pipeline: TablePipeline, artifact: str, spec: dg.AssetSpec) -> dg.AssetSpec:
        """The spec of one of the pipeline's assets, with everything this translator says about it."""
        return spec.replace_attributes(
            group_name=self.get_group_name(pipeline), description=self.get_description(pipeline, artifact),
            owners=self.get_owners(pipeline, artifact), tags=self.get_tags(pipeline, artifact),
            code_version=self.get_code_version(pipeline, artifact),
        )


def describe(pipeline: TablePipeline, artifact: str) -> str:
    """What one asset of this pipeline holds, from the pipeline's own declarations."""
    name = f"`{pipeline.name}`"
    reads = ", ".join(f"`{s}` (key `{k}`)" if k else f"`{s}`" for s, k in pipeline.sources.items())
    purpose = (inspect.getdoc(pipeline.prepare) or "").strip().splitlines()
    what = purpose[0].rstrip(".") if purpose else "its data preparation"
    if artifact in ("prepared", "output"):
        kind = "prepared table" if artifact == "prepared" else "output table"
        label = f"; the label column is `{pipeline.label}`" if isinstance(pipeline, PipelineSpec) else ""
        return (f"The {kind} of {name}: {what}. Reads {reads}{label}. Each row carries its provenance polynomial "
                "over the source rows; each column its source columns.")
    if artifact == VERSIONS:
        return (f"Which versions of {name}'s artifacts are current together, the deletion requests they reflect, "
                "and the checks they passed before they were committed. Written by every run that touches the "
                "pipeline, also when no artifact had to change.")
    assert isinstance(pipeline, PipelineSpec)
    if artifact == "features":
        return f"The feature matrix X of {name}: {_encoder_text(pipeline)}, fitted on the prepared table, with the " \
               "labels, the held-out split and which dimensions of X each prepared column feeds."
    if artifact == "model":
        config = pipeline.model
        layers = " x ".join(str(h) for h in config.hidden) or "no hidden layer"
        return (f"The classifier of {name}: a PyTorch MLP ({layers}; {config.epochs} epochs, lr {config.lr:g}, seed "
                f"{config.seed}) predicting `{pipeline.label}` from X, kept up to date under deletions by an exact "
                "retrain where it is cheap, else an unlearning step (each audit entry says which).")
    return (f"The held-out metrics of {name}'s model on the {pipeline.test_fraction:.0%} of rows held out by a hash "
            f"of their provenance (seed {pipeline.split_seed}), refreshed after every deletion.")


def _encoder_text(pipeline: PipelineSpec) -> str:
    try:
        encoder = pipeline.encoder()
        parts = [f"{name} ({type(step).__name__}) on {_columns(columns)}"
                 for name, step, columns in getattr(encoder, "transformers", [])]
        return f"a {type(encoder).__name__} of " + "; ".join(parts) if parts else type(encoder).__name__
    except Exception:  # noqa: BLE001 - a description must never stop the code location from loading
        return "its encoder"


def _columns(columns: Any) -> str:
    return ", ".join(f"`{c}`" for c in columns) if isinstance(columns, (list, tuple)) else f"`{columns}`"


def code_version(pipeline: TablePipeline, artifact: str) -> str | None:
    """A digest of what an asset is computed from, so the UI can say an asset is out of date with its code:
    the preparation for every asset, plus the encoder for X, the model's configuration for the model."""
    parts: list[Any] = [pipeline_code(pipeline), sorted(pipeline.sources.items())]
    if isinstance(pipeline, PipelineSpec):
        parts.append(pipeline.label)
        if artifact in ("features", "model", "evaluation", VERSIONS):
            parts.append(_source(pipeline.encoder))
        if artifact in ("model", "evaluation", VERSIONS):
            parts += [pipeline.model.to_dict(), pipeline.test_fraction, pipeline.split_seed]
    if not parts[0]:
        return None  # without the code there is nothing honest to version
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _source(function: Any) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return repr(function)
