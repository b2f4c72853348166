"""The Dagster integration, and the only part of lester_dagster that imports Dagster: assets from
declarative pipelines, the provenance-aware IO manager, the deletion sensor and its partial-refresh
job, the audit log, asset checks and schedules."""

from lester_dagster.orchestration.asset_factory import LakeSource, build_pipeline_assets, build_source_asset
from lester_dagster.orchestration.definitions import DELETION_JOB, REFRESH_JOB, lester_definitions
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import LesterTranslator

__all__ = [
    "DELETION_JOB",
    "REFRESH_JOB",
    "DataLake",
    "LakeSource",
    "LesterIOManager",
    "LesterTranslator",
    "build_pipeline_assets",
    "build_source_asset",
    "lester_definitions",
]
