"""Deletion requests and their propagation through every artifact of a pipeline by incremental view
maintenance: sources, prepared table, feature matrix, labels and model. Names load on first use, so
light users (filing a request, reading the journal) never import the model stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lester_dagster._lazy import exports

_EXPORTS = {
    "DeletionReport": "lester_dagster.ivm.apply",
    "apply_deletion": "lester_dagster.ivm.apply",
    "DeletionRequest": "lester_dagster.ivm.requests",
    "FiledRequest": "lester_dagster.ivm.requests",
    "RequestError": "lester_dagster.ivm.requests",
    "TableUpdate": "lester_dagster.ivm.table",
    "is_monotone": "lester_dagster.ivm.table",
    "maintain": "lester_dagster.ivm.table",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports("lester_dagster.ivm", _EXPORTS)

if TYPE_CHECKING:  # the names above, for the type checker (they are re-exported)
    from lester_dagster.ivm.apply import DeletionReport, apply_deletion
    from lester_dagster.ivm.requests import DeletionRequest, FiledRequest, RequestError
    from lester_dagster.ivm.table import TableUpdate, is_monotone, maintain
