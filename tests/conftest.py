"""Shared fixtures."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from lester_dagster.model import torch_threads

# No property test may fail because the machine is slow: no per-example deadline, and no health check
# on how long generating examples takes (a test's own @settings inherits these).
settings.register_profile("lester", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI (LESTER_HYPOTHESIS=ci, set by .ci/run) draws the same examples on every run, so that main's status
# does not depend on a draw; exploring new examples is for local runs and benchmarks/bench_ivm_classes.py.
settings.register_profile("ci", parent=settings.get_profile("lester"), derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("LESTER_HYPOTHESIS") == "ci" else "lester")


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    # Tiny models gain nothing from two threads, and on a shared 2-core machine OpenMP's spinning
    # threads made identical runs 10-30x slower; the setting is restored for other test modules.
    with torch_threads(1):
        yield


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto) for the whole session, with the environment pointing at it."""
    from tests.object_store import s3_server

    with s3_server() as url:
        yield url
