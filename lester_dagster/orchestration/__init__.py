"""The Dagster integration, and the only part of lester_dagster that imports Dagster: assets from
declarative pipelines, the provenance-aware IO manager, the deletion journal, sensor and partial-refresh
job, the audit log, asset checks and schedules. Names load on first use, so a command that only files a
request does not import the model stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lester_dagster._lazy import exports

_EXPORTS = {
    "LakeSource": "lester_dagster.orchestration.asset_factory",
    "build_pipeline_assets": "lester_dagster.orchestration.pipeline_assets",
    "build_table_asset": "lester_dagster.orchestration.pipeline_assets",
    "build_source_asset": "lester_dagster.orchestration.asset_factory",
    "DELETION_JOB": "lester_dagster.orchestration.definitions",
    "REFRESH_JOB": "lester_dagster.orchestration.definitions",
    "lester_definitions": "lester_dagster.orchestration.definitions",
    "LesterIOManager": "lester_dagster.orchestration.io_manager",
    "DataLake": "lester_dagster.orchestration.lake",
    "LesterTranslator": "lester_dagster.orchestration.translator",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports("lester_dagster.orchestration", _EXPORTS)

if TYPE_CHECKING:  # the names above, for the type checker (they are re-exported)
    from lester_dagster.orchestration.asset_factory import LakeSource, build_source_asset
    from lester_dagster.orchestration.definitions import DELETION_JOB, REFRESH_JOB, lester_definitions
    from lester_dagster.orchestration.io_manager import LesterIOManager
    from lester_dagster.orchestration.lake import DataLake
    from lester_dagster.orchestration.pipeline_assets import build_pipeline_assets, build_table_asset
    from lester_dagster.orchestration.translator import LesterTranslator
