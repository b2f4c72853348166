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


class NotRowWiseError(UserFunctionError):
    """A projection or filter computes a row's value from other rows too (a mean, a rank, a running total,
    a shift), so re-deriving some rows alone, as incremental maintenance does, would give other values."""


class OperatorArgumentError(LesterError):
    """An operator was called with arguments that cannot work (empty key lists, unknown aggregate, ...)."""


class ModelError(LesterError):
    """A model cannot be trained, used, saved, loaded or updated with the data or arguments given."""


class RewriteError(LesterError):
    """The LLM-assisted rewrite of a messy script cannot start or go on."""


class ScriptSplitError(RewriteError):
    """The messy script's preparation, encoding or label function, or its input files, cannot be found."""


class PromptError(RewriteError):
    """A prompt template is missing, has no version line, or leaves a placeholder unfilled."""


class LLMConfigError(RewriteError):
    """No LLM endpoint, key or model is configured."""


class LLMError(RewriteError):
    """The LLM endpoint failed for good: retries on rate limits, server errors and timeouts ran out, or it
    refused the request (bad key, unknown model)."""


class CodeRejected(RewriteError):
    """An LLM answer was refused before running: no code, a syntax error, a forbidden import or call, or a
    missing function. `problems` go back to the LLM as feedback; `refinement` names the prompt that fixes them."""

    def __init__(self, problems: Iterable[str], refinement: str = "retry", part: str | None = None) -> None:
        self.problems = list(problems)
        self.refinement = refinement
        self.part = part
        super().__init__("; ".join(self.problems))


class SynthesisError(LesterError):
    """By-target pipeline synthesis cannot start or finds nothing."""


class SynthesisInputError(SynthesisError):
    """An input or target table is unreadable, empty, or gives synthesis nothing to map."""


class SpecError(SynthesisError):
    """A synthesised pipeline spec is malformed: unknown operator, missing field, unknown table."""


class NoPipelineFound(SynthesisError):
    """The search ended (depth or time limit) without a pipeline that satisfies the target's constraints.
    `tried` summarises what was explored, `near_misses` the closest candidates."""

    def __init__(self, message: str, tried: Iterable[str] = (), near_misses: Iterable[str] = ()) -> None:
        self.tried, self.near_misses = list(tried), list(near_misses)
        details = "".join(f"\n  tried: {t}" for t in self.tried)
        details += "".join(f"\n  closest: {m}" for m in self.near_misses)
        super().__init__(message + details)


class MissingExtraError(LesterError, ImportError):
    """A part of lester_dagster needs a package of an extra that is not installed (torch for the model,
    sentence-transformers for text embeddings, openai for the rewrite); the message names the extra."""

    def __init__(self, module: str, extra: str, needed_for: str) -> None:
        self.module, self.extra = module, extra
        super().__init__(
            f"{needed_for} needs {module}, which is not installed: pip install 'lester_dagster[{extra}]'",
            name=module,
        )
