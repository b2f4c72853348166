"""Metadata that shows provenance in the Dagster UI: column schema, `dagster/column_lineage` built from the
engine's real column provenance, and, because the open-source UI stores column lineage but does not draw
it, the same lineage as Markdown tables on the asset's page; X's dimension map; the model's metrics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import dagster as dg
import numpy as np

from lester_dagster.engine import Result, SourceData
from lester_dagster.features.matrix import MatrixProvenance

if TYPE_CHECKING:
    from lester_dagster.model.mlp import TrainedModel

SourceKey = Callable[[str], dg.AssetKey]


def _schema(frame: Any, descriptions: Mapping[str, str] | None = None) -> dg.TableSchema:
    descriptions = descriptions or {}
    return dg.TableSchema(
        columns=[dg.TableColumn(str(c), str(t), description=descriptions.get(str(c))) for c, t in frame.dtypes.items()]
    )


def for_source(data: SourceData) -> dict[str, Any]:
    return {
        "dagster/row_count": len(data.frame),
        "dagster/column_schema": _schema(data.frame),
        "key column": data.key or "(none: rows identified by content hash)",
    }


def for_prepared(result: Result, source_key: SourceKey) -> dict[str, Any]:
    lineage = result.lineage
    deps = {
        column: [dg.TableColumnDep(asset_key=source_key(s.source), column_name=s.column) for s in sorted(sources)]
        for column, sources in lineage.items()
    }
    origins = {
        column: ", ".join(f"{s.source}.{s.column}" for s in sorted(sources)) or "(constant)"
        for column, sources in lineage.items()
    }
    rows = ["| column | derived from |", "|---|---|"]
    rows += [
        f"| `{column}` | {', '.join(f'`{s.source}.{s.column}`' for s in sorted(sources)) or '(constant)'} |"
        for column, sources in lineage.items()
    ]
    rows.append(
        "\nRows exist because of: " + ", ".join(f"`{s.source}.{s.column}`" for s in sorted(result.row_lineage))
    )
    provenance = result.provenance
    summary = ["| source | ids | rows with several ids (sums) |", "|---|---:|---:|"]
    for source, column in provenance.items():
        summary.append(f"| `{source}` | {len(column.ids):,} | {int((column.lengths() > 1).sum()):,} |")
    return {
        "dagster/row_count": len(result.frame),
        # the Columns table of the asset page shows each column's origin in its description
        "dagster/column_schema": _schema(result.frame, {c: f"derived from {o}" for c, o in origins.items()}),
        "dagster/column_lineage": dg.TableColumnLineage(deps_by_column=deps),
        "column lineage": dg.MetadataValue.md("\n".join(rows)),
        "row provenance": dg.MetadataValue.md("\n".join(summary)),
        "provenance bytes": provenance.nbytes,
    }


def for_features(
    X: np.ndarray, matrix: MatrixProvenance, prepared_key: dg.AssetKey, label: str, y: np.ndarray, is_test: np.ndarray
) -> dict[str, Any]:
    ranges = matrix.column_ranges()
    table = ["| prepared column | dimensions of X | transformers |", "|---|---|---|"]
    for column, spans in ranges.items():
        names = sorted({b.transformer for b in matrix.blocks if column in b.inputs})
        table.append(f"| `{column}` | {', '.join(f'[{a}, {b})' for a, b in spans)} | {', '.join(names)} |")
    deps = {
        f"{block.transformer}[{block.start}:{block.stop}]": [
            dg.TableColumnDep(asset_key=prepared_key, column_name=c) for c in block.inputs
        ]
        for block in matrix.blocks
    }
    return {
        "dagster/row_count": int(X.shape[0]),
        "shape": f"{X.shape[0]:,} rows x {X.shape[1]:,} dimensions",
        "X dimensions by prepared column": dg.MetadataValue.md("\n".join(table)),
        "dagster/column_lineage": dg.TableColumnLineage(deps_by_column=deps),
        "label": label,
        "positive labels": int(y.sum()),
        "held-out rows": int(is_test.sum()),
    }


def for_model(model: TrainedModel) -> dict[str, Any]:
    """What the model is; its metrics are the evaluation asset's, not repeated here."""
    return {
        "training rows": int(model.n_train),
        "parameters": int(sum(p.numel() for p in model.module.parameters())),
        "curvature": round(float(model.curvature), 6),
        "config": dg.MetadataValue.json(model.config.to_dict()),
    }


def for_evaluation(metrics: Mapping[str, float], is_test: np.ndarray) -> dict[str, Any]:
    """The held-out metrics, rounded to what they can tell apart."""
    out: dict[str, Any] = {f"test {k}": round(float(v), 4) for k, v in metrics.items() if k != "n" and np.isfinite(v)}
    out["test rows"] = int(is_test.sum())
    return out
