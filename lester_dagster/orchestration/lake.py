"""The data lake the pipelines read: one CSV or Parquet file per source table, and a `requests/` folder
where deletion requests arrive as JSON files and move on to `applied/` or `rejected/`."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from lester_dagster.errors import SchemaError
from lester_dagster.ivm import DeletionRequest, RequestError

PENDING, APPLIED, REJECTED = "requests", "requests/applied", "requests/rejected"


class DataLake(dg.ConfigurableResource):
    """A folder of source tables (`<name>.csv` or `<name>.parquet`) and of deletion requests."""

    root: str = "data"

    @property
    def path(self) -> Path:
        return Path(self.root)

    def source_file(self, name: str) -> Path:
        for suffix in (".parquet", ".csv"):
            candidate = self.path / f"{name}{suffix}"
            if candidate.exists():
                return candidate
        raise SchemaError(
            f"source {name!r} is not in the data lake {self.path.resolve()}: expected {name}.csv or {name}.parquet. "
            "Generate the example lake with `lester-dagster generate-data --mails 1000 --out data`."
        )

    def read(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A source table; with `columns`, checked to have them (extra columns are dropped)."""
        path = self.source_file(name)
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise SchemaError(
                    f"{path}: missing column(s) {missing}; it has {list(frame.columns)}. The pipelines expect "
                    f"{list(columns)}: fix the file's header (nothing was changed)."
                )
            frame = frame[list(columns)]
        return frame

    def columns(self, name: str) -> list[str]:
        """A source table's column names, from its header alone."""
        path = self.source_file(name)
        if path.suffix == ".parquet":
            return [str(c) for c in pq.read_schema(path).names]
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        """Replaces a source table atomically, in the format it already has."""
        path = self.source_file(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        try:
            if path.suffix == ".parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_csv(tmp, index=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    # ---- deletion requests ---------------------------------------------------------------------------

    def pending_requests(self) -> list[Path]:
        folder = self.path / PENDING
        return sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name)) if folder.exists() else []

    def read_request(self, path: Path, schemas: Mapping[str, tuple[str | None, list[str]]]) -> DeletionRequest:
        """Parses and checks a request file; raises RequestError with the reason."""
        try:
            text = path.read_text()
        except OSError as error:
            raise RequestError(f"cannot read {path.name}: {error.strerror}.") from error
        request = DeletionRequest.from_json(text)
        request.check_against(schemas)
        return request

    def submit(self, request: DeletionRequest) -> Path:
        """Writes a request into the pending folder (what `lester-dagster request-deletion` does)."""
        folder = self.path / PENDING
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"{stamp}-{request.request_id}.json"
        tmp = folder / f".{path.name}.tmp"
        tmp.write_text(json.dumps(request.to_dict(), indent=1))
        os.replace(tmp, path)  # the sensor never sees a half-written file
        return path

    def reject(self, path: Path, reason: str) -> Path:
        """Moves a request aside with its reason beside it; it is never silently dropped."""
        return self._move(path, REJECTED, {"rejected_at": _now(), "reason": reason})

    def mark_applied(self, path: Path, run_id: str) -> Path:
        return self._move(path, APPLIED, {"applied_at": _now(), "run_id": run_id})

    def rejected(self) -> list[dict[str, str]]:
        folder = self.path / REJECTED
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.reason.json"))] if folder.exists() else []

    def _move(self, path: Path, where: str, note: dict[str, str]) -> Path:
        folder = self.path / where
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        (folder / f"{path.stem}.reason.json").write_text(json.dumps({"file": path.name, **note}, indent=1))
        os.replace(path, target)
        return target


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
