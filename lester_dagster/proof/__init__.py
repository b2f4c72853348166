"""Proofs for auditors that deleted data is really gone from every place a pipeline and Dagster keep it."""

from lester_dagster.proof.scan import ErasureTarget, Finding, ScanError, ScanReport, scan_for_erased_data

__all__ = ["ErasureTarget", "Finding", "ScanError", "ScanReport", "scan_for_erased_data"]
