"""From request files to the journal: each settled file in the lake's `requests/` folder is read once,
validated (strict JSON, keys coerced to the key column's type, subjects found, references followed) and
either accepted (frozen in the journal with an id lester assigns; a receipt replaces the file) or
rejected (moved to `requests/rejected/` with its reason). One bad file never stops the others. The
`lester/requests` asset does this in every run, under the lake's lock; the sensor runs the same
validation without side effects to preview a request and to choose the run's assets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lester_dagster.errors import LesterError, SchemaError
from lester_dagster.faults import crash_point
from lester_dagster.ivm.journal import FAILED, OPEN, Entry
from lester_dagster.ivm.requests import FiledRequest, RequestError
from lester_dagster.ivm.resolve import Resolution, SourceSchema, resolve
from lester_dagster.orchestration.lake import DataLake, Filing

MAX_ATTEMPTS = 3  # runs that may fail on a request before it waits for an operator
MAX_FILINGS_PER_RUN = 100


@dataclass(frozen=True)
class Validation:
    filing: Filing
    filed: FiledRequest | None = None
    resolution: Resolution | None = None
    error: str = ""  # why the file is rejected
    retry: str = ""  # why it cannot be judged now (the lake itself is broken): neither accepted nor rejected


def validate(filing: Filing, lake: DataLake, schemas: dict[str, SourceSchema], capture_values: bool = False,
             frames: dict[str, pd.DataFrame] | None = None) -> Validation:
    """Validates one request file against the lake; never raises for a bad request."""
    if filing.problem:
        return Validation(filing, error=f"not a request: {filing.problem}.")
    frames = {} if frames is None else frames

    def read(source: str, _: Sequence[str] | None) -> pd.DataFrame:
        if source not in frames:
            frames[source] = lake.read(source, list(schemas[source].columns))
        return frames[source]

    try:
        filed = FiledRequest.parse(filing.content)
        return Validation(filing, filed, resolve(filed, schemas, read, capture_values=capture_values))
    except RequestError as error:
        return Validation(filing, error=str(error))
    except (SchemaError, OSError) as error:
        # the lake is unreadable, not the request wrong: judge the request once the lake is fixed
        return Validation(filing, retry=f"{type(error).__name__}: {error}")


@dataclass
class IntakeReport:
    accepted: list[Entry] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (journal id, reason)
    waiting: int = 0  # files still being written, or that cannot be judged yet
    gave_up: list[Entry] = field(default_factory=list)


def take_in(lake: DataLake, schemas: dict[str, SourceSchema], only: Iterable[str] | None = None,
            limit: int = MAX_FILINGS_PER_RUN, run_id: str = "", worker: str = "") -> IntakeReport:
    """Moves settled request files into the journal; call with the lake's lock held. `only` restricts it
    to filings with these short identities (the ones the sensor chose this run's assets for)."""
    wanted = None if only is None else set(only)
    journal, report = lake.journal, IntakeReport()
    frames: dict[str, pd.DataFrame] = {}
    journal.record_schemas(schemas)
    for filing in lake.filings():
        if wanted is not None and filing.short not in wanted:
            continue
        # a file the sensor chose is settled: it judged so, and the identity proves the bytes are the same
        if not filing.settled and wanted is None:
            report.waiting += 1
            continue
        if len(report.accepted) + len(report.rejected) >= limit:
            report.waiting += 1
            continue
        known = journal.by_filing(filing.identity)
        if known is not None:  # journaled by a run that died before filing it away
            _file_away(lake, filing, known)
            continue
        checked = validate(filing, lake, schemas, capture_values=True, frames=frames)
        if checked.retry:
            report.waiting += 1
            continue
        if checked.error:
            entry = journal.reject(checked.error, filing.identity)
            lake.reject(filing, f"{checked.error} (journal entry {entry.request_id})")
            report.rejected.append((entry.request_id, checked.error))
            continue
        filed, resolution = checked.filed, checked.resolution
        assert filed is not None and resolution is not None
        entry = journal.accept(resolution.effects, filed.to_dict(digest_values=True), resolution.summary(),
                               filing.identity, filed.client_reference, resolution.scan_values, run_id, worker)
        crash_point("intake:after-journal")
        lake.receipt(filing, entry)
        report.accepted.append(entry)
    return report


def _file_away(lake: DataLake, filing: Filing, entry: Entry) -> None:
    if entry.state == "rejected":
        lake.reject(filing, f"{entry.rejection} (journal entry {entry.request_id})")
    else:
        lake.receipt(filing, entry)


def give_up_on_stuck(lake: DataLake, alive: Any) -> list[Entry]:
    """Marks open requests `failed` once MAX_ATTEMPTS runs took them and none is alive: they wait for an
    operator (`lester-dagster requests --retry ID`) instead of failing run after run."""
    gave_up = []
    for entry in lake.journal.entries(OPEN):
        if entry.attempts >= MAX_ATTEMPTS and not alive(entry):
            lake.journal.record_error(entry.seq, f"gave up after {entry.attempts} attempts; last error: "
                                      f"{entry.last_error or 'the run worker died'}", give_up=True)
            gave_up.append(entry)
    return gave_up


def failed(lake: DataLake) -> list[Entry]:
    return lake.journal.entries([FAILED])


class IntakeError(LesterError):
    """Request intake cannot proceed."""
