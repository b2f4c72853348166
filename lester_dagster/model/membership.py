"""The membership signal: how much better a model fits the training rows a deletion removed than rows it
never saw. A model that still fits erased rows unusually well reveals that they were in its training set;
a model retrained without them fits them like any unseen row."""

from __future__ import annotations

import math

import numpy as np

from lester_dagster.errors import ModelError
from lester_dagster.model.mlp import TrainedModel

__all__ = ["MEMBERSHIP_HELDOUT_ROWS", "gap_closed", "membership_signal"]

# Held-out rows the deletion report measures the signal on: a seeded sample keeps it at a few milliseconds on
# a 1M-row X, where the held-out rows number ~80,000.
MEMBERSHIP_HELDOUT_ROWS = 2_000


def membership_signal(
    model: TrainedModel, X_changed: np.ndarray, y_changed: np.ndarray, X_heldout: np.ndarray, y_heldout: np.ndarray
) -> float:
    """Mean loss on the erased or changed training rows (in their OLD version, as the model saw them) over
    the mean loss on held-out rows; `model.loss` is the class-weighted BCE of training.

    1.0: the rows look like unseen ones. Below 1: the model fits them better than unseen rows, which is the
    signal a membership-inference attack reads. Compare with a model retrained without the rows rather than
    with 1.0: rows can be easier or harder than average for any model. NaN if the held-out loss is 0.
    """
    if len(X_changed) == 0 or len(X_heldout) == 0:
        raise ModelError(
            f"membership_signal: got {len(X_changed)} changed and {len(X_heldout)} held-out rows; the signal "
            "needs at least one of each. Skip the signal when a change touches no training row."
        )
    heldout = model.loss(X_heldout, y_heldout)
    # A held-out loss of exactly 0 (every row fitted to float32 saturation) leaves the ratio undefined.
    return model.loss(X_changed, y_changed) / heldout if heldout > 0.0 else math.nan


def gap_closed(original: float, updated: float, retrained: float) -> float:
    """Share of the way from the original model's signal to the retrained model's that an update went:
    (updated − original) / (retrained − original). 1.0 is as good as retraining, 0 is no better than not
    updating; above 1 overshoots (the rows now look less familiar than to a retrained model, itself a
    signal). NaN when the original and retrained signals are equal (no gap to close)."""
    gap = retrained - original
    return (updated - original) / gap if gap != 0.0 else math.nan
