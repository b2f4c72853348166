"""Row provenance (polynomials over stable source row ids) and column provenance, and queries on them."""

from lester_dagster.provenance.columns import ColumnLineage, Lineage, SourceColumn, columns_reading
from lester_dagster.provenance.ids import coerce_keys, key_ids, source_row_ids
from lester_dagster.provenance.polynomial import ProvColumn, RowProvenance

__all__ = [
    "ColumnLineage",
    "Lineage",
    "ProvColumn",
    "RowProvenance",
    "SourceColumn",
    "coerce_keys",
    "columns_reading",
    "key_ids",
    "source_row_ids",
]
