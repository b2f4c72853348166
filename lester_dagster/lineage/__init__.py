"""Column lineage for the world outside Dagster's own tables: OpenLineage events for Marquez, DataHub or
OpenMetadata, and a drawn graph (source columns -> prepared columns -> X ranges) for the asset's page."""

from typing import TYPE_CHECKING

from lester_dagster._lazy import exports

# lazily: the graph needs neither openlineage-python (the `lineage` extra) nor Dagster
__getattr__ = exports(
    __name__,
    {
        "XRange": "lester_dagster.lineage.ranges",
        "x_ranges": "lester_dagster.lineage.ranges",
        "render_svg": "lester_dagster.lineage.graph",
        "render_html": "lester_dagster.lineage.graph",
        "lineage_events": "lester_dagster.lineage.openlineage",
        "emit": "lester_dagster.lineage.openlineage",
        "read_events": "lester_dagster.lineage.openlineage",
        "Delivery": "lester_dagster.lineage.openlineage",
        "lineage_metadata": "lester_dagster.lineage.dagster_metadata",
    },
)

__all__ = [
    "Delivery",
    "XRange",
    "emit",
    "lineage_events",
    "lineage_metadata",
    "read_events",
    "render_html",
    "render_svg",
    "x_ranges",
]

if TYPE_CHECKING:  # the names above, for the type checker (they are re-exported)
    from lester_dagster.lineage.dagster_metadata import lineage_metadata
    from lester_dagster.lineage.graph import render_html, render_svg
    from lester_dagster.lineage.openlineage import Delivery, emit, lineage_events, read_events
    from lester_dagster.lineage.ranges import XRange, x_ranges
