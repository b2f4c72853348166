"""Deletion requests: erase rows of a source (a customer's GDPR erasure), or redact some columns of some
of its rows (leaked card numbers in mail subjects). Validated before anything is touched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lester_dagster.errors import LesterError

Action = Literal["erase", "redact"]
ACTIONS: tuple[str, ...] = ("erase", "redact")
_FIELDS = frozenset({"source", "keys", "action", "columns", "reason", "request_id"})


class RequestError(LesterError):
    """A deletion request that cannot be applied as written; the message says what to change."""


@dataclass(frozen=True)
class DeletionRequest:
    """Remove the rows of `source` whose key is in `keys` (erase), or null their `columns` (redact).

    >>> DeletionRequest.from_dict({"source": "mails", "keys": [3, 7], "action": "redact",
    ...                            "columns": ["mail_subject"]}).columns
    ('mail_subject',)
    """

    source: str
    keys: tuple[Any, ...]
    action: Action
    columns: tuple[str, ...] = ()
    reason: str = ""
    request_id: str = field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.source, str) or not self.source:
            raise RequestError("a deletion request needs 'source': the name of a source table, e.g. \"mails\".")
        if self.action not in ACTIONS:
            raise RequestError(f"'action' must be \"erase\" or \"redact\", got {self.action!r}.")
        if not self.keys:
            raise RequestError("'keys' must list at least one key of the rows to delete, e.g. [17, 42].")
        for key in self.keys:
            if key is None or isinstance(key, (bool, float, list, dict)):
                raise RequestError(f"'keys' must be integers or strings, got {key!r}.")
        if self.action == "redact" and not self.columns:
            raise RequestError("a \"redact\" request needs 'columns': the columns to blank, e.g. [\"mail_subject\"].")
        if self.action == "erase" and self.columns:
            raise RequestError("an \"erase\" request removes whole rows; drop 'columns' or use action \"redact\".")
        if not self.request_id:
            object.__setattr__(self, "request_id", self.fingerprint())

    def fingerprint(self) -> str:
        """A content hash: the same request always gets the same id, so it runs once."""
        body = json.dumps(
            {"source": self.source, "keys": sorted(map(str, self.keys)), "action": self.action,
             "columns": sorted(self.columns)},
            sort_keys=True,
        )
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeletionRequest:
        if not isinstance(data, Mapping):
            raise RequestError(f"a deletion request must be a JSON object, got {type(data).__name__}.")
        unknown = set(data) - _FIELDS
        if unknown:
            raise RequestError(f"unknown field(s) {sorted(unknown)}; a request has {sorted(_FIELDS)}.")
        missing = [f for f in ("source", "keys", "action") if f not in data]
        if missing:
            raise RequestError(
                f"missing field(s) {missing}. Example: "
                '{"source": "mails", "keys": [17], "action": "redact", "columns": ["mail_subject"]}.'
            )
        keys, columns = data["keys"], data.get("columns", [])
        if not isinstance(keys, list):
            raise RequestError(f"'keys' must be a JSON list, got {json.dumps(keys)}.")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise RequestError(f"'columns' must be a JSON list of column names, got {json.dumps(columns)}.")
        return cls(
            source=data["source"],
            keys=tuple(keys),
            action=data["action"],
            columns=tuple(columns),
            reason=str(data.get("reason", "")),
            request_id=str(data.get("request_id", "")),
        )

    @classmethod
    def from_json(cls, text: str) -> DeletionRequest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise RequestError(f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}).") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "keys": list(self.keys), "action": self.action}
        if self.columns:
            out["columns"] = list(self.columns)
        if self.reason:
            out["reason"] = self.reason
        out["request_id"] = self.request_id
        return out

    def check_against(self, schemas: Mapping[str, tuple[str | None, list[str]]]) -> None:
        """Checks the request against sources given as name -> (key column, columns)."""
        if self.source not in schemas:
            raise RequestError(f"unknown source {self.source!r}; the sources are {sorted(schemas)}.")
        key, columns = schemas[self.source]
        unknown = [c for c in self.columns if c not in columns]
        if unknown:
            raise RequestError(f"source {self.source!r} has no column(s) {unknown}; its columns are {columns}.")
        if key is not None and key in self.columns:
            raise RequestError(
                f"cannot redact the key column {key!r} of {self.source!r}: it identifies the rows. Erase them instead."
            )
