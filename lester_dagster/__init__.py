"""lester_dagster: provenance-tracking ML pipelines in Dagster, kept correct under deletions.

The package logs through the `lester_dagster` logger (and its children, one per module); like every
library it adds no handler of its own. Progress bars on long work (embeddings, benchmarks) show in a
terminal; set LESTER_PROGRESS=0 to turn them off, =1 to force them on."""

import logging
import os
import sys

logging.getLogger(__name__).addHandler(logging.NullHandler())


def show_progress() -> bool:
    """Whether long work draws a progress bar: in a terminal, unless LESTER_PROGRESS says otherwise."""
    setting = os.environ.get("LESTER_PROGRESS", "").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    return sys.stderr.isatty()
