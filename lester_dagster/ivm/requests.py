"""Deletion requests: erase rows of a source (a customer's GDPR erasure), or redact some columns of some
of its rows (leaked card numbers in mail subjects). A `FiledRequest` is what a user files (a JSON file:
keys, or a subject found by another column); a `DeletionRequest` is one effect on one source with its
keys, which IVM applies. Both are validated before anything is touched, and no message ever repeats a
value from the request: it may be personal data, and messages reach logs and Dagster's storage."""

from __future__ import annotations

import hashlib
import json
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lester_dagster.errors import LesterError

Action = Literal["erase", "redact"]
ACTIONS: tuple[str, ...] = ("erase", "redact")
_FIELDS = frozenset({"source", "keys", "action", "columns", "reason", "request_id"})
_FILED_FIELDS = _FIELDS | {"where", "cascade"}

# Limits of one request file: a file beyond them is rejected with the limit named, never half-read.
MAX_REQUEST_BYTES = 1 << 20
MAX_KEYS = 100_000
MAX_KEY_CHARS = 1024
MAX_REASON_CHARS = 2000
MAX_DEPTH = 4  # the deepest valid request is {"where": {"column": [value]}}
_REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,63}")


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
            raise RequestError(f"'action' must be \"erase\" or \"redact\", got {name(self.action)}.")
        if not self.keys:
            raise RequestError("'keys' must list at least one key of the rows to delete, e.g. [17, 42].")
        for i, key in enumerate(self.keys):
            if not _is_key(key):
                raise RequestError(f"key #{i + 1} is {describe(key)}; 'keys' must be integers or strings.")
        if self.action == "redact" and not self.columns:
            raise RequestError("a \"redact\" request needs 'columns': the columns to blank, e.g. [\"mail_subject\"].")
        if self.action == "erase" and self.columns:
            raise RequestError("an \"erase\" request removes whole rows; drop 'columns' or use action \"redact\".")
        if not self.request_id:
            object.__setattr__(self, "request_id", self.fingerprint())

    def fingerprint(self) -> str:
        """A content hash, for requests made in code; the journal assigns filed requests their own ids."""
        body = json.dumps(
            {"source": self.source, "keys": sorted(map(str, self.keys)), "action": self.action,
             "columns": sorted(self.columns)},
            sort_keys=True,
        )
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeletionRequest:
        if not isinstance(data, Mapping):
            raise RequestError(f"a deletion request must be a JSON object, got {describe(data)}.")
        unknown = set(data) - _FIELDS
        if unknown:
            raise RequestError(f"unknown field(s) [{', '.join(sorted(map(name, unknown)))}]; a request has {sorted(_FIELDS)}.")
        missing = [f for f in ("source", "keys", "action") if f not in data]
        if missing:
            raise RequestError(
                f"missing field(s) {missing}. Example: "
                '{"source": "mails", "keys": [17], "action": "redact", "columns": ["mail_subject"]}.'
            )
        keys, columns = data["keys"], data.get("columns", [])
        if not isinstance(keys, list):
            raise RequestError(f"'keys' must be a JSON list, got {describe(keys)}.")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise RequestError(f"'columns' must be a JSON list of column names, got {describe(columns)}.")
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
            raise RequestError(f"unknown source {name(self.source)}; the sources are {sorted(schemas)}.")
        key, columns = schemas[self.source]
        unknown = [name(c) for c in self.columns if c not in columns]
        if unknown:
            raise RequestError(
                f"source {self.source!r} has no column(s) [{', '.join(unknown)}]; its columns are {columns}."
            )
        if key is not None and key in self.columns:
            raise RequestError(
                f"cannot redact the key column {key!r} of {self.source!r}: it identifies the rows. Erase them instead."
            )


@dataclass(frozen=True)
class FiledRequest:
    """A request as a user files it: rows of `source` named by their `keys`, or found by the values of
    another column (`where`, e.g. a customer's e-mail address: the subject of an erasure), to erase or
    to redact. `cascade` follows the lake's references, so erasing a customer erases their mails too.

    >>> FiledRequest.parse(b'{"source": "customers", "where": {"customer_email": ["a@b.example"]}, '
    ...                    b'"action": "erase"}').where
    (('customer_email', ('a@b.example',)),)
    """

    source: str
    action: Action
    keys: tuple[Any, ...] = ()
    where: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    columns: tuple[str, ...] = ()
    reason: str = ""
    client_reference: str = ""
    cascade: bool = True

    @classmethod
    def parse(cls, raw: bytes) -> FiledRequest:
        """Parses a request file's bytes strictly; raises RequestError naming the problem and the fix."""
        if len(raw) > MAX_REQUEST_BYTES:
            raise RequestError(
                f"the file has {len(raw):,} bytes; a request has at most {MAX_REQUEST_BYTES:,}. "
                "Split the keys over several requests."
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RequestError(f"the file is not UTF-8 (invalid byte at position {error.start}); save it as UTF-8.") from None
        try:
            data = json.loads(text, object_pairs_hook=_unique_fields, parse_constant=_no_constants)
        except json.JSONDecodeError as error:
            raise RequestError(f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}).") from None
        except RecursionError:
            raise RequestError("the JSON is nested too deeply; a request is a flat object.") from None
        if _depth(data) > MAX_DEPTH:
            raise RequestError(f"the JSON is nested {_depth(data)} levels deep; a request needs at most {MAX_DEPTH}.")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> FiledRequest:
        if not isinstance(data, Mapping):
            raise RequestError(f"a deletion request must be a JSON object, got {describe(data)}.")
        unknown = set(data) - _FILED_FIELDS
        if unknown:
            raise RequestError(
                f"unknown field(s) [{', '.join(sorted(map(name, unknown)))}]; a request has {sorted(_FILED_FIELDS)}."
            )
        missing = [f for f in ("source", "action") if f not in data]
        if missing:
            raise RequestError(
                f"missing field(s) {missing}. Example: "
                '{"source": "mails", "keys": [17], "action": "redact", "columns": ["mail_subject"]}.'
            )
        source, action = data["source"], data["action"]
        if not isinstance(source, str) or not _NAME.fullmatch(source):
            raise RequestError(f"'source' must be the name of a source table, e.g. \"mails\"; got {describe(source)}.")
        if action not in ACTIONS:
            raise RequestError(f"'action' must be \"erase\" or \"redact\", got {name(action)}.")
        if ("keys" in data) == ("where" in data):
            raise RequestError(
                "name the rows with 'keys' (their key values) or with 'where' (a column and its values, e.g. "
                '{"customer_email": ["someone@example.com"]}), not both and not neither.'
            )
        keys: tuple[Any, ...] = ()
        where: tuple[tuple[str, tuple[Any, ...]], ...] = ()
        if "keys" in data:
            keys = _values(data["keys"], "keys")
        else:
            if not isinstance(data["where"], Mapping) or len(data["where"]) != 1:
                raise RequestError("'where' must be an object with one column and a list of its values, "
                                   'e.g. {"customer_email": ["someone@example.com"]}.')
            ((column, values),) = data["where"].items()
            if not _NAME.fullmatch(column):
                raise RequestError(f"'where' names {name(column)}, which is not a column name.")
            where = ((column, _values(values, f"where.{column}")),)
        columns = data.get("columns", [])
        if not isinstance(columns, list) or not all(isinstance(c, str) and _NAME.fullmatch(c) for c in columns):
            raise RequestError(f"'columns' must be a JSON list of column names, got {describe(columns)}.")
        if len(set(columns)) != len(columns):
            raise RequestError("'columns' names a column twice.")
        if action == "redact" and not columns:
            raise RequestError("a \"redact\" request needs 'columns': the columns to blank, e.g. [\"mail_subject\"].")
        if action == "erase" and columns:
            raise RequestError("an \"erase\" request removes whole rows; drop 'columns' or use action \"redact\".")
        reason = data.get("reason", "")
        if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
            raise RequestError(f"'reason' must be a text of at most {MAX_REASON_CHARS} characters, got {describe(reason)}.")
        reference = data.get("request_id", "")
        if not isinstance(reference, str) or (reference and not _REFERENCE.fullmatch(reference)):
            raise RequestError(
                "'request_id' is your own reference for the request (lester assigns its id): at most 64 letters, "
                f"digits and ._:- characters; got {describe(reference)}."
            )
        cascade = data.get("cascade", True)
        if not isinstance(cascade, bool):
            raise RequestError(f"'cascade' must be true or false, got {describe(cascade)}.")
        return cls(source, action, keys, where, tuple(columns), reason, reference, cascade)

    def to_dict(self, digest_values: bool = False) -> dict[str, Any]:
        """JSON form; with `digest_values`, the `where` values are replaced by digests (what the journal keeps)."""
        out: dict[str, Any] = {"source": self.source, "action": self.action}
        if self.keys:
            out["keys"] = list(self.keys)
        for column, values in self.where:
            out["where"] = {column: [value_digest(v) for v in values] if digest_values else list(values)}
        if self.columns:
            out["columns"] = list(self.columns)
        if self.reason:
            out["reason"] = self.reason
        if self.client_reference:
            out["request_id"] = self.client_reference
        if not self.cascade:
            out["cascade"] = False
        return out


def value_digest(value: Any) -> str:
    """A short digest of a value, so records can name it without keeping it."""
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]


def _values(values: Any, where: str) -> tuple[Any, ...]:
    if not isinstance(values, list):
        raise RequestError(f"'{where}' must be a JSON list, got {describe(values)}.")
    if not values:
        raise RequestError(f"'{where}' must list at least one value, e.g. [17, 42].")
    if len(values) > MAX_KEYS:
        raise RequestError(f"'{where}' lists {len(values):,} values; a request has at most {MAX_KEYS:,}: split it.")
    for i, value in enumerate(values):
        if not _is_key(value):
            raise RequestError(f"value #{i + 1} of '{where}' is {describe(value)}; values must be integers or strings.")
        if isinstance(value, str) and not 0 < len(value) <= MAX_KEY_CHARS:
            raise RequestError(f"value #{i + 1} of '{where}' has {len(value)} characters; 1 to {MAX_KEY_CHARS} are allowed.")
    return tuple(values)


def _is_key(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _unique_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            # two values for one field would let a reviewer and the parser read different requests
            raise RequestError(f"field {name(key)} appears twice in one object.")
        out[key] = value
    return out


def _no_constants(constant: str) -> Any:
    raise RequestError(f"{constant} is not valid JSON in a request.")


def _depth(value: Any) -> int:
    if isinstance(value, Mapping):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def name(text: Any) -> str:
    """A source or column name for a message: quoted when it looks like a name, otherwise described, so
    that a value pasted into the wrong field never reaches a log."""
    if isinstance(text, str) and _NAME.fullmatch(text):
        return repr(text)
    return f"({describe(text)}, not a name)"


def describe(value: Any) -> str:
    """What kind of value this is, without the value: for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, numbers.Integral):
        return "an integer"
    if isinstance(value, (float, numbers.Number)):
        return "a decimal number"
    if isinstance(value, str):
        return f"a text of {len(value)} characters"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
