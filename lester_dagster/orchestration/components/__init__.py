"""Dagster Components of lester_dagster, registered through the `dagster_dg_cli.registry_modules` entry
point so `dg list components` shows them."""

from lester_dagster.orchestration.components.pipelines import LesterPipelinesComponent

__all__ = ["LesterPipelinesComponent"]
