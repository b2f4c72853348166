"""Which rows the model's estimates read: seeded subsamples of a training set, in NumPy alone, so that a
pipeline can choose (and store) them without importing torch."""

from __future__ import annotations

import numpy as np

__all__ = ["CURVATURE_ROWS", "curvature_sample", "subsample_rows"]

# Training rows the second-order update estimates the loss's curvature on (see unlearning.SECOND_ORDER_DAMPING):
# 1,000 closed within 5 points of the membership gap that 3,000 or all ~3,100 did.
CURVATURE_ROWS = 1_000


def subsample_rows(n_rows: int, max_rows: int, seed: int) -> np.ndarray:
    """The positions `subsample` keeps out of `n_rows`: a caller holding a large matrix can gather just
    these rows instead of passing (and first copying) all of them."""
    if n_rows <= max_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=max_rows, replace=False))


def curvature_sample(
    train: np.ndarray, seed: int, kept: np.ndarray | None = None, size: int = CURVATURE_ROWS
) -> np.ndarray:
    """The training rows (ascending positions in X) the second-order update takes its curvature on.

    Without `kept`: `train[subsample_rows(len(train), size, seed)]`. With `kept`, the rows of the previous sample
    that are still training rows after a deletion: those, topped up by seeded draws from the other training
    rows to min(size, len(train)). Rows leaving a uniform sample for reasons of their own leave a uniform
    sample of the rows that remain, so the sample is topped up rather than drawn anew, and the rows stored with
    it stay valid.
    """
    train = np.asarray(train, dtype=np.int64)
    if kept is None:
        return train[subsample_rows(len(train), size, seed)]
    kept = np.asarray(kept, dtype=np.int64)
    missing = min(size, len(train)) - len(kept)
    if missing <= 0:
        return kept
    others = train[~np.isin(train, kept, assume_unique=True)]
    drawn = np.random.default_rng([seed, len(train)]).choice(len(others), size=missing, replace=False)
    return np.union1d(kept, others[drawn])
