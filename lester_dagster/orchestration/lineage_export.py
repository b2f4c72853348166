"""Column lineage beyond Dagster's own tables: the drawn graph (source columns -> prepared columns -> X
ranges) on the asset's page, and OpenLineage events with the column-lineage facet sent where the user
says (`LESTER_OPENLINEAGE`: file paths or http(s) URLs, comma-separated), for Marquez, DataHub or
OpenMetadata. Neither may stop a run: a drawing that fails is left out, an endpoint that fails is warned
about and its events are kept in a file to send later."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg

from lester_dagster.engine import Result
from lester_dagster.features.matrix import MatrixProvenance

TARGETS = "LESTER_OPENLINEAGE"
NAMESPACE = "LESTER_OPENLINEAGE_NAMESPACE"


def graph_metadata(name: str, result: Result, matrix: MatrixProvenance | None = None) -> dict[str, Any]:
    """The drawn lineage graph as metadata (the UI shows it under "Show Markdown")."""
    try:
        from lester_dagster.lineage import lineage_metadata, render_svg

        svg = render_svg(result.lineage, result.row_lineage, matrix, title=name,
                         sources={s: [str(c) for c in d.frame.columns] for s, d in result.sources.items()})
        return lineage_metadata(svg, caption=f"Column lineage of {name}")
    except Exception:  # noqa: BLE001 - a picture must never fail a run
        return {}


def export(context: Any, name: str, result: Result, matrix: MatrixProvenance | None, keys: dict[str, dg.AssetKey],
           source_key: Any) -> None:
    """Sends the OpenLineage events of a new prepared table (and X), if the user asked for it."""
    targets = os.environ.get(TARGETS, "").strip()
    if not targets:
        return
    try:
        from lester_dagster.lineage import emit, lineage_events
    except ImportError:
        context.log.warning(f"{TARGETS} is set but openlineage-python is not installed: pip install 'lester-dagster[lineage]'")
        return
    events = lineage_events(
        name, context.run.run_id,
        {s: {str(c): str(t) for c, t in d.frame.dtypes.items()} for s, d in result.sources.items()},
        result.lineage, result.row_lineage, matrix,
        namespace=os.environ.get(NAMESPACE, "lester_dagster"), parent_job=context.job_name,
        source_names={s: source_key(s).to_user_string() for s in result.sources},
        prepared_name=keys["prepared"].to_user_string(),
        features_name=keys["features"].to_user_string() if "features" in keys else None,
        prepared_types={str(c): str(t) for c, t in result.frame.dtypes.items()},
        order_lineage=getattr(result, "order_lineage", frozenset()),
    )
    home = os.environ.get("DAGSTER_HOME")
    undelivered = Path(home if home else ".", "openlineage-undelivered.jsonl")
    for delivery in emit(events, targets, undelivered=undelivered):
        if not delivery.ok:
            context.log.warning(f"OpenLineage: {delivery.target}: {delivery.error}; events kept in {undelivered}")
