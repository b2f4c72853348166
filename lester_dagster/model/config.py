"""The model's hyperparameters, apart from the PyTorch code that uses them: a pipeline declares its model
with a ModelConfig, and declaring (or loading a code location) must not import torch."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lester_dagster.errors import ModelError

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of the MLP and its training; `to_dict`/`from_dict` round-trip through JSON."""

    hidden: tuple[int, ...] = (64,)
    epochs: int = 60
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int | None = 256  # None trains on the full batch every step
    seed: int = 0
    balance_classes: bool = True  # pos_weight = n_neg / n_pos in the BCE, fixed at training time
    threshold: float = 0.5

    def __post_init__(self) -> None:
        # Accept lists (from JSON or by hand) and NumPy ints, but store a tuple of ints so configs stay
        # hashable and JSON-serialisable.
        hidden: tuple[Any, ...] = tuple(self.hidden)  # whatever the caller gave, checked here
        if not all(not isinstance(h, bool) and isinstance(h, numbers.Integral) and int(h) > 0 for h in hidden):
            raise ModelError(f"ModelConfig.hidden must be positive layer widths, got {self.hidden!r}.")
        object.__setattr__(self, "hidden", tuple(int(h) for h in hidden))
        if self.epochs < 1:
            raise ModelError(f"ModelConfig.epochs must be at least 1, got {self.epochs}.")
        if not self.lr > 0:
            raise ModelError(f"ModelConfig.lr must be positive, got {self.lr}.")
        if not self.weight_decay >= 0:
            raise ModelError(f"ModelConfig.weight_decay must be >= 0, got {self.weight_decay}.")
        if self.batch_size is not None and self.batch_size < 1:
            raise ModelError(
                f"ModelConfig.batch_size must be a positive int, or None for full batch; got {self.batch_size}."
            )
        if not 0.0 < self.threshold < 1.0:
            raise ModelError(f"ModelConfig.threshold must lie strictly between 0 and 1, got {self.threshold}.")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (hidden becomes a list)."""
        values = dataclasses.asdict(self)
        values["hidden"] = list(self.hidden)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ModelConfig:
        """The config that `to_dict` described; unknown keys are an error rather than silently dropped."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ModelError(
                f"ModelConfig.from_dict: unknown key(s) {unknown}. Known keys: {sorted(known)}."
            )
        return cls(**dict(values))
