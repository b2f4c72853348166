"""The impact of a deletion before it is applied: which rows, cells and X ranges of a pipeline hold data
derived from some rows (and columns) of a source. Reads provenance only; changes nothing."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lester_dagster.engine import Result
from lester_dagster.pipeline import MaterializedPipeline
from lester_dagster.provenance import SourceColumn


@dataclass(frozen=True)
class Impact:
    """What one pipeline holds that derives from the given source rows."""

    pipeline: str
    source: str
    keys_found: list[Any]
    keys_missing: list[Any]
    prepared_rows: int
    prepared_cells: dict[str, int] = field(default_factory=dict)
    rows_may_change: bool = False  # the columns decide which rows exist (filters, join or group keys)
    x_rows: int = 0
    x_ranges: list[tuple[int, int]] = field(default_factory=list)
    training_rows: int = 0

    @property
    def reaches_pipeline(self) -> bool:
        return self.prepared_rows > 0 or self.rows_may_change

    def summary(self) -> str:
        """One line for people: the command line, the sensor's run requests and logs."""
        if not self.reaches_pipeline:
            text = f"{self.pipeline}: holds nothing derived from these rows"
        elif not self.prepared_cells and not self.rows_may_change:
            text = (f"{self.pipeline}: {self.prepared_rows} prepared row(s) derive from these rows but none of "
                    "their cells from these columns; nothing changes")
        else:
            cells = ", ".join(f"{c} ({n})" for c, n in self.prepared_cells.items())
            text = f"{self.pipeline}: {self.prepared_rows} prepared row(s), cells in {cells}"
            if self.x_rows:
                text += f"; X rows {self.x_rows} on {self.x_ranges}; {self.training_rows} training row(s)"
            if self.rows_may_change:
                text += "; the columns decide which rows exist, so rows may also appear or vanish"
        if self.keys_missing:  # counted, never listed: summaries reach logs and run tags
            text += f"; {len(self.keys_missing)} key(s) not in {self.source}"
        return text


def impact(state: MaterializedPipeline, source: str, keys: Iterable[Any], columns: Sequence[str] | None = None) -> Impact:
    """Rows of `source` with these keys, whole (columns=None) or only some of their columns."""
    found = table_impact(state.spec.name, state.prepared, source, keys, columns)
    if found.prepared_rows == 0:
        return found
    rows = state.prepared.provenance.depends_on(source, state.sources[source].ids_for(found.keys_found))
    feature_columns = [c for c in found.prepared_cells if c != state.spec.label]
    return replace(
        found,
        x_rows=found.prepared_rows,
        x_ranges=state.matrix.ranges_for(feature_columns) if columns is not None else [(0, state.matrix.n_features)],
        training_rows=int((rows & ~state.is_test & state.labeled).sum()),  # a row without a label trains nothing
    )


def table_impact(pipeline: str, table: Result, source: str, keys: Iterable[Any],
                 columns: Sequence[str] | None = None) -> Impact:
    """The same for a pipeline's table alone (a pipeline that ends in a table)."""
    keys = list(keys)
    if source not in table.sources:
        return Impact(pipeline, source, [], keys, 0)
    data = table.sources[source]
    ids = data.ids_for(keys)
    present = data.known(ids)
    n_rows = int(table.provenance.depends_on(source, ids[present]).sum())
    wanted = None if columns is None else {SourceColumn(source, c) for c in columns}
    touched = [c for c, lineage in table.lineage.items() if wanted is None or lineage & wanted]
    return Impact(
        pipeline=pipeline,
        source=source,
        keys_found=[k for k, hit in zip(keys, present, strict=True) if hit],
        keys_missing=[k for k, hit in zip(keys, present, strict=True) if not hit],
        prepared_rows=n_rows,
        prepared_cells=dict.fromkeys(touched, n_rows),
        rows_may_change=bool(wanted is not None and wanted & table.row_lineage),
    )
