"""The column lineage of a pipeline drawn as a self-contained SVG (source columns -> prepared columns -> X
ranges), because the open-source Dagster UI stores `dagster/column_lineage` but does not draw it."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lester_dagster.lineage.ranges import x_ranges

if TYPE_CHECKING:
    from lester_dagster.features.matrix import MatrixProvenance

SourceColumns = Iterable[tuple[str, str]]  # (source, column): a SourceColumn or any such pair

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
SIZE = 13
EM = 0.62  # a generous average glyph width in em: labels must fit their boxes without measuring text
NODE, PITCH = 22, 28  # column boxes
X_NODE, X_PITCH = 36, 44  # range boxes carry a ruler under their label
GAP = 190  # room for the edges between two columns of boxes
TOP = 74
# Okabe-Ito colours stay apart for colour-blind readers; vermillion is kept for the row lineage
PALETTE = ("#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
ROWS = "#D55E00"
MUTED = "#9a9a9a"
MATRIX_EDGE = "#555555"


@dataclass(frozen=True)
class Box:
    """Where one node is drawn; edges leave from its right side and arrive at its left."""

    key: tuple[str, ...]
    x: float
    y: float
    width: float
    height: float

    @property
    def left(self) -> tuple[float, float]:
        return self.x, self.y + self.height / 2

    @property
    def right(self) -> tuple[float, float]:
        return self.x + self.width, self.y + self.height / 2


def render_svg(
    lineage: Mapping[str, SourceColumns],
    row_lineage: SourceColumns,
    matrix: MatrixProvenance | None = None,
    title: str = "",
    sources: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The lineage graph as one SVG document: source columns grouped by table, each prepared column with
    edges from the source columns it derives from, and X's ranges with edges from the columns they encode.
    Source columns that decide which rows exist carry a "rows" tag and a dashed edge to the table's rows;
    `sources` (table -> all its columns) adds the unused columns, greyed out."""
    lineage = {str(c): sorted({(str(s), str(col)) for s, col in deps}) for c, deps in lineage.items()}
    rows = sorted({(str(s), str(c)) for s, c in row_lineage})
    ranges = x_ranges(matrix) if matrix is not None else []
    prepared = list(lineage)

    # where each source column's edges land decides its place: fewer crossings than schema order
    targets: dict[tuple[str, str], list[int]] = {}
    for i, column in enumerate(prepared, start=1):
        for dep in lineage[column]:
            targets.setdefault(dep, []).append(i)
    for dep in rows:
        targets.setdefault(dep, [])
    tables: dict[str, list[str]] = {s: [str(c) for c in cols] for s, cols in (sources or {}).items()}
    for source, column in targets:
        if column not in tables.setdefault(source, []):
            tables[source].append(column)

    def place(dep: tuple[str, str]) -> float:
        if dep not in targets:
            return float("inf")  # unused: last
        hits = targets[dep]
        return sum(hits) / len(hits) if hits else 0.0  # rows only: next to the rows node at the top

    def in_place(source: str, cols: list[str]) -> list[str]:
        return sorted(cols, key=lambda c: (place((source, c)), cols.index(c)))

    ordered = {s: in_place(s, cols) for s, cols in tables.items()}

    def group_place(source: str) -> float:
        feeding = [place((source, c)) for c in ordered[source] if targets.get((source, c))]
        if feeding:
            return sum(feeding) / len(feeding)
        return 0.0 if any((source, c) in targets for c in ordered[source]) else float("inf")

    group_order = sorted(ordered, key=lambda s: (group_place(s), s))

    left_label = [c for s in group_order for c in ordered[s]] + group_order
    left_width = max([_width(t) for t in left_label] or [0.0]) + 84  # room for the "rows" tag
    mid_labels = ["which rows exist"] + [f"{c} (constant)" if not lineage[c] else c for c in prepared]
    mid_width = max(_width(t) for t in mid_labels) + 24
    n_features = matrix.n_features if matrix is not None else 0
    x_header = f"feature matrix X · {n_features:,} dimensions"
    right_width = max([_width(r.name) + _width(f"{r.width:,} · {r.transformer}", 11) + 34 for r in ranges] or [0])
    right_width = max(right_width, _width(x_header, bold=True)) if ranges else 0

    x_left, x_mid = 20.0, 20.0 + left_width + GAP
    x_right = x_mid + mid_width + GAP
    left_height = sum(32 + PITCH * len(ordered[s]) + 14 for s in group_order)
    mid_height = PITCH * (len(prepared) + 1) + 10
    right_height = X_PITCH * len(ranges)
    body = max(left_height, mid_height, right_height)

    out: list[str] = []
    boxes: dict[tuple[str, ...], Box] = {}

    # source tables, each a frame around its columns
    y = TOP + (body - left_height) / 2
    for i, source in enumerate(group_order):
        colour = PALETTE[i % len(PALETTE)]
        height = 32 + PITCH * len(ordered[source]) + 4
        out.append(f'<rect x="{x_left:.1f}" y="{y:.1f}" width="{left_width:.1f}" height="{height:.1f}" rx="8" '
                   f'fill="#f7f9fb" stroke="{colour}" stroke-width="1.5"/>')
        out.append(_text(x_left + 10, y + 20, source, weight="bold", fill=colour))
        cy = y + 30
        for column in ordered[source]:
            dep = (source, column)
            used, decides = dep in targets and bool(targets[dep]), dep in rows
            box = Box(("source", source, column), x_left + 8, cy, left_width - 16, NODE)
            boxes[box.key] = box
            feeds = ", ".join(c for c in prepared if dep in lineage[c])
            tip = f"{source}.{column}" + (f" → {feeds}" if feeds else "")
            tip += "; decides which rows exist" if decides else "" if used else " (not used)"
            out.append(f"<g><title>{_esc(tip)}</title>")
            out.append(_rect(box, "#ffffff", colour if used or decides else MUTED))
            out.append(_text(box.x + 8, box.y + 15, column, fill="#1a1a1a" if used or decides else MUTED))
            if decides:
                out.append(f'<rect x="{box.x + box.width - 44:.1f}" y="{box.y + 3:.1f}" width="38" height="16" rx="8" '
                           f'fill="{ROWS}"/>')
                out.append(_text(box.x + box.width - 25, box.y + 15, "rows", size=11, fill="#ffffff", anchor="middle",
                                 weight="bold"))
            out.append("</g>")
            cy += PITCH
        y += height + 10

    # the prepared table: a node for its rows, then its columns
    y = TOP + (body - mid_height) / 2
    head = Box(("rows",), x_mid, y, mid_width, NODE)
    boxes[head.key] = head
    out.append(f"<g><title>{_esc('which rows exist: ' + ', '.join(f'{s}.{c}' for s, c in rows))}</title>")
    out.append(f'<rect x="{head.x:.1f}" y="{head.y:.1f}" width="{head.width:.1f}" height="{NODE}" rx="5" '
               f'fill="#fff4ee" stroke="{ROWS}" stroke-dasharray="4 3"/>')
    out.append(_text(head.x + 8, head.y + 15, "which rows exist", fill=ROWS, style="italic"))
    out.append("</g>")
    fed = {c for r in ranges for c in r.inputs}
    for i, column in enumerate(prepared, start=1):
        box = Box(("prepared", column), x_mid, y + PITCH * i + 6, mid_width, NODE)
        boxes[box.key] = box
        into = ", ".join(r.name for r in ranges if column in r.inputs)
        origin = ", ".join(f"{s}.{c}" for s, c in lineage[column]) or "(constant)"
        tip = f"{column} ← {origin}" + (f" → {into}" if into else " (feeds no dimension of X)" if ranges else "")
        active = not ranges or column in fed
        out.append(f"<g><title>{_esc(tip)}</title>")
        out.append(_rect(box, "#ffffff", "#333333" if active else MUTED))
        label = column if lineage[column] else f"{column} (constant)"
        out.append(_text(box.x + 8, box.y + 15, label, fill="#1a1a1a" if active else "#6b6b6b"))
        out.append("</g>")

    # X, one box per range with a ruler placing it among all of X's dimensions
    y = TOP + (body - right_height) / 2
    for r in ranges:
        box = Box(("x", r.name), x_right, y, right_width, X_NODE)
        boxes[box.key] = box
        tip = f"{r.name}: {r.width:,} dimension(s) written by {r.transformer} from {', '.join(r.inputs)}"
        out.append(f"<g><title>{_esc(tip)}</title>")
        out.append(_rect(box, "#eef4fb", "#4a6d8c"))
        out.append(_text(box.x + 8, box.y + 15, r.name, weight="bold", fill="#1d3b57"))
        out.append(_text(box.x + box.width - 8, box.y + 15, f"{r.width:,} · {r.transformer}", size=11,
                         fill="#33536f", anchor="end"))
        bar_x, bar_w = box.x + 8, box.width - 16
        start = bar_x + bar_w * r.start / n_features
        width = max(bar_w * r.width / n_features, 2.0)  # a one-dimension range stays visible
        out.append(f'<rect x="{bar_x:.1f}" y="{box.y + 24:.1f}" width="{bar_w:.1f}" height="6" rx="2" fill="#d5dde5"/>')
        out.append(f'<rect x="{start:.1f}" y="{box.y + 24:.1f}" width="{width:.1f}" height="6" rx="2" fill="#1d6fb8"/>')
        out.append("</g>")
        y += X_PITCH

    # edges go into the document before the boxes: under them, so labels stay readable where edges cross
    edges: list[str] = []
    colour_of = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(group_order)}
    for column in prepared:
        for source, source_column in lineage[column]:
            edges.append(_edge(boxes[("source", source, source_column)], boxes[("prepared", column)], colour_of[source]))
    for source, source_column in rows:
        edges.append(_edge(boxes[("source", source, source_column)], head, ROWS, dashed=True))
    for r in ranges:
        for column in r.inputs:
            if ("prepared", column) in boxes:
                edges.append(_edge(boxes[("prepared", column)], boxes[("x", r.name)], MATRIX_EDGE))

    # the legend runs to about x=790; a long title sets the width too
    width = max((x_right + right_width if ranges else x_mid + mid_width) + 20, 800.0, 40 + _width(title, 17, bold=True))
    height = TOP + body + 60
    headers = [_text(x_left, TOP - 14, "lake sources", weight="bold", fill="#444444"),
               _text(x_mid, TOP - 14, "prepared table", weight="bold", fill="#444444")]
    if ranges:
        headers.append(_text(x_right, TOP - 14, x_header, weight="bold", fill="#444444"))
    legend_y = TOP + body + 34
    legend = [
        f'<path d="M20 {legend_y - 4:.1f} h34" stroke="{PALETTE[0]}" stroke-width="1.6" fill="none"/>',
        _text(60, legend_y, "derived from (colour: source table)", size=12, fill="#444444"),
        f'<path d="M300 {legend_y - 4:.1f} h34" stroke="{ROWS}" stroke-width="1.6" stroke-dasharray="5 4" '
        'fill="none"/>',
        _text(340, legend_y, "decides which rows exist", size=12, fill="#444444"),
        f'<rect x="510" y="{legend_y - 12:.1f}" width="38" height="16" rx="8" fill="{ROWS}"/>',
        _text(529, legend_y, "rows", size=11, fill="#ffffff", anchor="middle", weight="bold"),
        _text(556, legend_y, "filter or join column", size=12, fill="#444444"),
        _text(700, legend_y, "grey: not used", size=12, fill=MUTED),
    ]
    caption = [_text(20, 30, title, size=17, weight="bold", fill="#1a1a1a")] if title else []
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="{SIZE}" role="img">',
        f"<title>{_esc(title or 'column lineage')}</title>",
        _markers(),
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        *caption, *headers, *edges, *out, *legend,
        "</svg>",
    ])


def render_html(
    lineage: Mapping[str, SourceColumns],
    row_lineage: SourceColumns,
    matrix: MatrixProvenance | None = None,
    title: str = "",
    sources: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """A standalone HTML page around `render_svg`: opens from a file, with nothing fetched."""
    svg = render_svg(lineage, row_lineage, matrix, title, sources)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_esc(title or 'column lineage')}</title>"
        "<style>body{margin:16px;background:#fff;font-family:" + FONT + "}"
        "svg{max-width:100%;height:auto}</style></head>\n"
        f"<body>\n{svg}\n</body></html>\n"
    )


def _edge(a: Box, b: Box, colour: str, dashed: bool = False) -> str:
    (x1, y1), (x2, y2) = a.right, b.left
    bend = (x2 - x1) * 0.45
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    return (f'<path d="M{x1:.1f} {y1:.1f} C{x1 + bend:.1f} {y1:.1f} {x2 - bend:.1f} {y2:.1f} {x2 - 4:.1f} {y2:.1f}" '
            f'fill="none" stroke="{colour}" stroke-width="1.4" stroke-opacity="0.85"{dash} '
            f'marker-end="url(#{_marker_id(colour)})"/>')


def _markers() -> str:
    # one arrowhead per colour: `context-stroke` markers are not drawn by every SVG renderer
    colours = (*PALETTE, ROWS, MATRIX_EDGE)
    heads = "".join(
        f'<marker id="{_marker_id(c)}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
        f'orient="auto"><path d="M0 0 L8 4 L0 8 z" fill="{c}"/></marker>'
        for c in colours
    )
    return f"<defs>{heads}</defs>"


def _marker_id(colour: str) -> str:
    return f"arrow-{colour.lstrip('#').lower()}"


def _rect(box: Box, fill: str, stroke: str) -> str:
    return (f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="5" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>')


def _text(x: float, y: float, text: str, size: int = SIZE, weight: str = "normal", fill: str = "#1a1a1a",
          anchor: str = "start", style: str = "normal") -> str:
    attrs = f' font-size="{size}"' if size != SIZE else ""
    attrs += f' font-weight="{weight}"' if weight != "normal" else ""
    attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
    attrs += f' font-style="{style}"' if style != "normal" else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" fill="{fill}"{attrs}>{_esc(text)}</text>'


def _width(text: str, size: int = SIZE, bold: bool = False) -> float:
    return len(text) * size * EM * (1.1 if bold else 1.0)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


__all__ = ["render_html", "render_svg"]
