"""Deletion requests and their propagation through every artifact of a pipeline by incremental view
maintenance: sources, prepared table, feature matrix, labels and model."""

from lester_dagster.ivm.apply import DeletionReport, apply_deletion
from lester_dagster.ivm.requests import DeletionRequest, RequestError
from lester_dagster.ivm.table import TableUpdate, is_monotone, maintain

__all__ = ["DeletionReport", "DeletionRequest", "RequestError", "TableUpdate", "apply_deletion", "is_monotone", "maintain"]
