"""A pipeline's column lineage as OpenLineage RunEvents (the column-lineage facet, from lake sources to the
prepared table to X's dimension ranges) and their delivery to JSON-lines files or HTTP endpoints, so that
Marquez, DataHub or OpenMetadata draw it. No Dagster here: the asset code passes plain values in."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from lester_dagster.errors import LesterError
from lester_dagster.lineage.ranges import XRange, feature_names, x_ranges

if TYPE_CHECKING:
    from lester_dagster.features.matrix import MatrixProvenance

log = logging.getLogger(__name__)

Columns = Sequence[str] | Mapping[str, str | None]  # a source's columns, or its columns with their types
SourceColumns = Iterable[tuple[str, str]]  # (source, column): a SourceColumn or any such pair

DEFAULT_NAMESPACE = "lester_dagster"
# the path Marquez serves; a target URL with a path of its own (DataHub, OpenMetadata) keeps that path
DEFAULT_ENDPOINT = "api/v1/lineage"


def _version() -> str:
    try:
        return metadata.version("lester_dagster")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# a URI naming the producer, as the spec asks; an unregistered URN claims no web address we do not own
PRODUCER = f"urn:lester-dagster:{_version()}"


class LineageExportError(LesterError):
    """OpenLineage events cannot be built or a target is not understood."""


@dataclass(frozen=True)
class Delivery:
    """What one target received: `sent` events, and if it failed, why the other `failed` did not arrive."""

    target: str
    sent: int
    failed: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def lineage_events(
    job_name: str,
    run_id: str,
    sources: Mapping[str, Columns],
    lineage: Mapping[str, SourceColumns],
    row_lineage: SourceColumns,
    matrix: MatrixProvenance | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    *,
    job_namespace: str | None = None,
    parent_job: str | None = None,
    source_names: Mapping[str, str] | None = None,
    prepared_name: str | None = None,
    features_name: str | None = None,
    prepared_types: Mapping[str, str] | None = None,
    order_lineage: SourceColumns = (),
    started: datetime | None = None,
    ended: datetime | None = None,
    producer: str = PRODUCER,
) -> list[dict[str, Any]]:
    """START and COMPLETE events of `{job_name}.prepare` (lake sources -> prepared table) and, with a
    matrix, of `{job_name}.encode` (prepared table -> X, one field per dimension range, named `X[a:b]`).

    `run_id` is the orchestrator's run (a Dagster run id): each job's run is a child of it, with an id
    derived from it, so events built again for the same run carry the same ids. `sources` gives each
    source's columns (or columns -> types) for the schema facets; dataset names default to the source
    name, `{job_name}/prepared` and `{job_name}/features`. Row lineage goes into the facet's dataset-wide
    `dataset` list as INDIRECT dependencies, since those columns decide which rows exist, not values.
    """
    ol = _openlineage()
    try:
        parent_run = uuid.UUID(run_id)
    except ValueError as error:
        raise LineageExportError(f"run_id {run_id!r} is not a UUID; pass the orchestrator's run id "
                                 "(a Dagster run id is one).") from error
    job_namespace = job_namespace or namespace
    source_names = dict(source_names or {})
    prepared_name = prepared_name or f"{job_name}/prepared"
    features_name = features_name or f"{job_name}/features"
    lineage = {str(c): sorted({(str(s), str(col)) for s, col in deps}) for c, deps in lineage.items()}
    rows = sorted({(str(s), str(c)) for s, c in row_lineage})
    order = sorted({(str(s), str(c)) for s, c in order_lineage})
    read = {s for deps in lineage.values() for s, _ in deps} | {s for s, _ in rows + order}
    unknown = sorted(read - set(sources))
    if unknown:
        raise LineageExportError(f"the lineage reads source(s) {unknown} that `sources` does not describe; "
                                 f"it describes {sorted(sources)}. Pass every source's columns.")

    def dataset_of(source: str) -> str:
        return source_names.get(source, source)

    def input_field(source: str, column: str, kind: str, subtype: str | None = None, note: str | None = None) -> Any:
        how = ol.column_lineage_dataset.Transformation(type=kind, subtype=subtype, description=note)
        return ol.column_lineage_dataset.InputField(namespace, dataset_of(source), column, transformations=[how])

    def schema(columns: Columns, describe: Mapping[str, str] | None = None) -> Any:
        types = columns if isinstance(columns, Mapping) else dict.fromkeys(columns)
        fields = [ol.schema_dataset.SchemaDatasetFacetFields(name=str(c), type=t, description=(describe or {}).get(c))
                  for c, t in types.items()]
        return ol.schema_dataset.SchemaDatasetFacet(fields=fields, producer=producer)

    inputs = [ol.base.InputDataset(namespace, dataset_of(s), facets={"schema": schema(columns)})
              for s, columns in sources.items()]
    origins = {c: "derived from " + (", ".join(f"{s}.{col}" for s, col in deps) or "no source column (a constant)")
               for c, deps in lineage.items()}
    column_lineage = ol.column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            column: ol.column_lineage_dataset.Fields(inputFields=[input_field(s, c, "DIRECT") for s, c in deps])
            for column, deps in lineage.items()
        },
        # filter and join columns are not told apart by the engine's row lineage, hence no subtype
        dataset=[input_field(s, c, "INDIRECT", note="decides which rows exist (a filter or join column)")
                 for s, c in rows]
        + [input_field(s, c, "INDIRECT", "SORT", "decides the order of the rows") for s, c in order],
        producer=producer,
    )
    prepared_columns: Columns = {c: (prepared_types or {}).get(c) for c in lineage}
    prepared_out = ol.base.OutputDataset(
        namespace, prepared_name,
        facets={"schema": schema(prepared_columns, origins), "columnLineage": column_lineage},
    )
    stages = [(f"{job_name}.prepare", "data preparation on the lester_dagster engine", inputs, [prepared_out])]

    if matrix is not None:
        ranges = x_ranges(matrix)
        x_fields = {r.name: f"float64[{r.width}]" for r in ranges}
        x_lineage = ol.column_lineage_dataset.ColumnLineageDatasetFacet(
            fields={
                r.name: ol.column_lineage_dataset.Fields(inputFields=[
                    ol.column_lineage_dataset.InputField(namespace, prepared_name, c, transformations=[
                        ol.column_lineage_dataset.Transformation(
                            type="DIRECT", subtype="TRANSFORMATION", description=f"encoded by {r.transformer}")
                    ])
                    for c in r.inputs
                ])
                for r in ranges
            },
            producer=producer,
        )
        prepared_in = ol.base.InputDataset(namespace, prepared_name,
                                           facets={"schema": schema(prepared_columns, origins)})
        features_out = ol.base.OutputDataset(
            namespace, features_name,
            facets={"schema": schema(x_fields, {r.name: _describe(r, matrix) for r in ranges}),
                    "columnLineage": x_lineage},
        )
        stages.append((f"{job_name}.encode", "feature encoding by a fitted scikit-learn ColumnTransformer",
                       [prepared_in], [features_out]))

    started = started or datetime.now(UTC)
    ended = ended or datetime.now(UTC)
    events = []
    for name, doc, stage_inputs, stage_outputs in stages:
        run = ol.base.Run(
            runId=str(uuid.uuid5(parent_run, name)),
            facets={
                "parent": ol.parent_run.ParentRunFacet(
                    run=ol.parent_run.Run(runId=str(parent_run)),
                    job=ol.parent_run.Job(namespace=job_namespace, name=parent_job or job_name),
                    producer=producer,
                ),
                "processing_engine": ol.processing_engine_run.ProcessingEngineRunFacet(
                    version=_version(), name="lester_dagster", openlineageAdapterVersion=ol.version, producer=producer
                ),
            },
        )
        job = ol.base.Job(job_namespace, name, facets={
            "jobType": ol.job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DAGSTER", jobType="ASSET",
                                                     producer=producer),
            "documentation": ol.documentation_job.DocumentationJobFacet(description=doc, producer=producer),
        })
        for kind, when in ((ol.base.EventType.START, started), (ol.base.EventType.COMPLETE, ended)):
            event = ol.base.RunEvent(eventTime=_iso(when), producer=producer, run=run, job=job, eventType=kind,
                                     inputs=stage_inputs, outputs=stage_outputs)
            events.append(ol.Serde.to_dict(event))
    return events


def emit(
    events: Sequence[Mapping[str, Any]],
    targets: str | Sequence[str],
    *,
    timeout: float = 2.0,
    undelivered: str | os.PathLike[str] | None = None,
    api_key: str | None = None,
) -> list[Delivery]:
    """Sends `events` to each target: a JSON-lines file (a path or `file://` URL, appended to, one event a
    line) or an HTTP endpoint (`http(s)://host[:port][/path]`; a bare host gets Marquez's `/api/v1/lineage`).
    A string may hold several targets separated by commas, as an environment variable would.

    A failing target costs one attempt (an endpoint: at most a connect and a read `timeout`, no retries)
    and a logged warning, never an exception: lineage must not fail a materialisation. The events it did
    not take are appended to `undelivered` if given, from where `emit(read_events(undelivered), url)`
    sends them later.
    """
    deliveries = []
    for target in _split(targets):
        sent = 0
        try:
            if _is_http(target):
                transport = _http_transport(target, timeout, api_key)
                try:
                    for event in events:
                        transport.emit(dict(event))
                        sent += 1
                finally:
                    transport.close()
            else:
                _append(_local_path(target), events)
                sent = len(events)
            deliveries.append(Delivery(target, sent))
        except Exception as error:  # noqa: BLE001 - any failure of a lineage target only warns
            reason = f"{type(error).__name__}: {error}"
            kept = ""
            if undelivered is not None:
                try:
                    _append(Path(undelivered), events[sent:])
                    kept = f"; kept in {undelivered}"
                except OSError as spill:
                    kept = f"; could not keep them in {undelivered} either ({spill})"
            log.warning("OpenLineage: %d of %d event(s) not delivered to %s (%s)%s",
                        len(events) - sent, len(events), target, reason, kept)
            deliveries.append(Delivery(target, sent, len(events) - sent, reason))
    return deliveries


def read_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The events of a JSON-lines file written by `emit`."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _describe(r: XRange, matrix: MatrixProvenance) -> str:
    text = f"{r.width} dimension(s) of X written by {r.transformer} from {', '.join(r.inputs)}"
    names = feature_names(matrix, r)
    return text + (": " + ", ".join(names) if len(names) <= 16 else "")  # a long list says nothing more


def _append(path: Path, events: Iterable[Mapping[str, Any]]) -> None:
    # One write under an exclusive flock: the client's FileTransport opens the file per event in text mode,
    # and two processes of a multiprocess run appending large events could interleave their lines.
    data = "".join(_openlineage().Serde.to_json(dict(e)) + "\n" for e in events).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)  # closing releases the lock


def _http_transport(target: str, timeout: float, api_key: str | None) -> Any:
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport, TokenProvider

    parts = urlsplit(target)
    endpoint = parts.path.lstrip("/") or DEFAULT_ENDPOINT
    if parts.query:
        endpoint += f"?{parts.query}"
    auth = ApiKeyTokenProvider({"apiKey": api_key}) if api_key else TokenProvider({})
    # no retries: a dead endpoint costs one timeout, not the client's default of five backed-off attempts
    config = HttpConfig(url=urlunsplit((parts.scheme, parts.netloc, "/", "", "")), endpoint=endpoint,
                        timeout=timeout, auth=auth, retry={"total": 0, "connect": 0, "read": 0, "status": 0})
    return HttpTransport(config)


def _split(targets: str | Sequence[str]) -> list[str]:
    items = targets.split(",") if isinstance(targets, str) else list(targets)
    return [t.strip() for t in items if t and t.strip()]


def _is_http(target: str) -> bool:
    return urlsplit(target).scheme in ("http", "https")


def _local_path(target: str) -> Path:
    parts = urlsplit(target)
    if parts.scheme == "file":
        return Path(parts.path)
    if parts.scheme and len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise LineageExportError(f"OpenLineage target {target!r}: only files, file:// and http(s):// URLs are "
                                 "supported; use a path or an http(s) endpoint.")
    return Path(target)


def _iso(moment: datetime) -> str:
    # the spec wants an offset; a naive time from the caller is taken as UTC
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


@dataclass(frozen=True)
class _Client:
    """The parts of openlineage-python used here, imported on first use (the `lineage` extra)."""

    base: Any
    column_lineage_dataset: Any
    schema_dataset: Any
    parent_run: Any
    processing_engine_run: Any
    job_type_job: Any
    documentation_job: Any
    Serde: Any
    version: str


def _openlineage() -> _Client:
    try:
        from openlineage.client.generated import (
            base,
            column_lineage_dataset,
            documentation_job,
            job_type_job,
            parent_run,
            processing_engine_run,
            schema_dataset,
        )
        from openlineage.client.serde import Serde
    except ImportError as error:
        raise LineageExportError(
            "OpenLineage export needs openlineage-python: pip install 'lester_dagster[lineage]'."
        ) from error
    return _Client(base, column_lineage_dataset, schema_dataset, parent_run, processing_engine_run, job_type_job,
                   documentation_job, Serde, metadata.version("openlineage-python"))


__all__ = ["DEFAULT_NAMESPACE", "PRODUCER", "Delivery", "LineageExportError", "emit", "lineage_events", "read_events"]
