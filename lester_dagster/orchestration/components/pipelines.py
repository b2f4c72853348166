"""A Component that declares lester pipelines over a data lake in `defs.yaml`, without Python glue:

    type: lester_dagster.orchestration.components.LesterPipelinesComponent
    attributes:
      pipelines: ["example_project.declarative_pipeline:PIPELINE"]
      sources:
        - {name: customers, key: customer_id, columns: [customer_id, customer_email, bank, country, level]}
        - name: mails
          key: mail_id
          columns: [mail_id, email, raw_date, mail_subject, mail_text]
          references: {email: customers.customer_email}   # erasing a customer erases their mails
      lake_dir: "{{ env.LESTER_LAKE or 'data' }}"
      synthesized_dir: synthesized/   # optional: every spec written by `lester-dagster synthesize`
"""

import importlib
from collections.abc import Sequence

import dagster as dg

from lester_dagster.orchestration.asset_factory import LakeSource
from lester_dagster.orchestration.definitions import lester_definitions
from lester_dagster.orchestration.synthesized import lake_sources_for, synthesized_pipelines
from lester_dagster.orchestration.translator import LesterTranslator
from lester_dagster.pipeline import TablePipeline


class LakeSourceModel(dg.Model):
    """A source table of the lake."""

    name: str
    key: str | None = None
    columns: Sequence[str]
    # column -> "source.column" it refers to: an erasure follows it to every referring row
    references: dict[str, str] = {}
    # where it lives when not in lake_dir: a Delta table URI or a database URL
    location: str | None = None


class LesterPipelinesComponent(dg.Component, dg.Model, dg.Resolvable):
    """Provenance-tracking ML pipelines (rewritten or synthesised) as Dagster assets, with the deletion
    sensor, its partial-refresh job, the audit log, asset checks and a refresh schedule."""

    # "module:attribute" of PipelineSpec (or TablePipeline) objects; "path/to/module.py:PIPELINE" for a module
    # written by `lester-dagster rewrite`, loaded only as the code its report verified
    pipelines: Sequence[str] = ()
    sources: Sequence[LakeSourceModel] = ()
    lake_dir: str = "data"
    artifacts_dir: str = "artifacts"
    refresh_cron: str = "0 3 * * *"
    # a folder of synthesised pipeline specs (*.json); their inputs are lake sources (declared above, or
    # taken from the lake's files: then identified by content)
    synthesized_dir: str | None = None
    # on every pipeline asset: who answers for it, and tags to find it by
    owners: Sequence[str] = ()
    tags: dict[str, str] = {}

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        pipelines = [load_pipeline(p) for p in self.pipelines]
        sources = [LakeSource(s.name, s.key, tuple(s.columns), dict(s.references), s.location) for s in self.sources]
        if self.synthesized_dir is not None:
            synthesized = synthesized_pipelines(self.synthesized_dir, {s.name: s.key for s in sources})
            pipelines += synthesized
            sources = lake_sources_for(synthesized, self.lake_dir, sources)
        return lester_definitions(
            pipelines,
            sources,
            lake_dir=self.lake_dir,
            artifacts_dir=self.artifacts_dir,
            refresh_cron=self.refresh_cron,
            translator=LesterTranslator(owners=list(self.owners), tags=dict(self.tags)),
        )


def load_pipeline(reference: str) -> TablePipeline:
    """Imports `module:attribute` (or `path/to/module.py:attribute`, a module written by `lester-dagster
    rewrite`, which loads only if its report verified exactly its bytes), which must be a PipelineSpec
    (or a TablePipeline)."""
    module, _, attribute = reference.rpartition(":")
    if not module or not attribute:
        raise ValueError(f"pipeline reference {reference!r} must look like 'package.module:ATTRIBUTE' or "
                         "'path/to/rewritten.py:PIPELINE'.")
    if module.endswith(".py"):
        from lester_dagster.rewrite.deploy import load_verified

        value = getattr(load_verified(module), attribute, None)
    else:
        value = getattr(importlib.import_module(module), attribute, None)
    if not isinstance(value, TablePipeline):
        raise ValueError(f"{reference} is {type(value).__name__}, not a PipelineSpec; point at the pipeline's spec object.")
    return value
