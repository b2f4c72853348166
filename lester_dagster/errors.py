"""One error hierarchy for the whole package: every message names the offending thing and the fix."""

from __future__ import annotations

from collections.abc import Iterable


class LesterError(Exception):
    """Base class of every error lester_dagster raises on purpose."""


class ColumnNotFoundError(LesterError, KeyError):
    """An operator refers to a column its input does not have."""

    def __init__(self, operator: str, column: str, existing: Iterable[str], hint: str = "") -> None:
        self.operator, self.column, self.existing = operator, column, list(existing)
        message = (
            f"{operator}: column {column!r} is not found. "
            f"Existing columns: {', '.join(map(repr, self.existing)) or '(none)'}."
        )
        super().__init__(message + (f" {hint}" if hint else ""))

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class DuplicateColumnError(LesterError):
    """An operator would produce two columns with the same name."""


class KeyColumnError(LesterError):
    """A declared key column is missing, null or not unique, or request keys do not fit it."""


class TypeClashError(LesterError):
    """Two columns that must be comparable (join keys, union columns) have incompatible types."""


class SchemaError(LesterError):
    """Data does not have the columns a source or pipeline declares."""


class UndeclaredColumnError(LesterError):
    """A user function reads data it did not declare, so its column lineage would be wrong."""


class ExpressionError(LesterError):
    """A filter or assign expression cannot be parsed or evaluated."""


class UserFunctionError(LesterError):
    """A user-supplied function failed or returned something of the wrong shape."""


class OperatorArgumentError(LesterError):
    """An operator was called with arguments that cannot work (empty key lists, unknown aggregate, ...)."""


class ModelError(LesterError):
    """A model cannot be trained, used, saved, loaded or updated with the data or arguments given."""
