"""The lineage graph as asset metadata the open-source Dagster UI shows: a Markdown entry whose image is
the SVG itself, as a data URI, since the UI's Markdown keeps `data:` images but strips inline SVG and HTML."""

from __future__ import annotations

import base64
import os
from typing import Any

import dagster as dg

GRAPH_KEY = "column lineage graph"


def lineage_metadata(
    svg: str,
    *,
    key: str = GRAPH_KEY,
    caption: str = "",
    html_path: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Metadata entries to merge into a materialisation's metadata: `key` is a Markdown entry showing the
    graph (the asset page lists it as "[Show Markdown]"; the dialog it opens draws the picture), and with
    `html_path` a second entry, `{key} file`, names the standalone HTML page written there."""
    if not svg.lstrip().startswith("<svg"):
        raise ValueError("lineage_metadata expects an SVG document, as lester_dagster.lineage.graph.render_svg "
                         "returns it.")
    # base64 rather than a percent-encoded URI: Markdown ends a link at a space or parenthesis
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    alt = "column lineage: source columns, prepared columns, dimension ranges of X"
    text = (f"{caption}\n\n" if caption else "") + f"![{alt}]({uri})"
    out: dict[str, Any] = {key: dg.MetadataValue.md(text)}
    if html_path is not None:
        out[f"{key} file"] = dg.MetadataValue.path(os.fspath(html_path))
    return out


__all__ = ["GRAPH_KEY", "lineage_metadata"]
