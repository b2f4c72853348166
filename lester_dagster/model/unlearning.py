"""Closed-form unlearning updates (Warnecke et al., NDSS 2023) that move a trained model toward the one
retraining would give after training rows are erased, redacted (new features or labels) or added.

A change replaces rows Z_old by Z_new. Δ = Σ_{Z_new} g_i − Σ_{Z_old} g_i at the current optimum θ*, with g_i a
row's loss gradient plus its share of the weight decay (see `_change_gradient`). The first-order update is
θ* − τΔ, the second-order one θ* − (1/n)(H̄ + damping·I)⁻¹Δ, with H̄ the curvature (Gauss-Newton by
default) of the mean objective (1/n) Σ ℓ + (wd/2)||θ||² over the n training rows after the change.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from lester_dagster.errors import ModelError
from lester_dagster.model.mlp import (
    HESSIAN_MAX_ROWS,
    PREDICT_BATCH_ROWS,
    HessianKind,
    TrainedModel,
    _check_Xy,
    _to_tensor,
    _weighted_bce,
    objective_hvp,
    subsample,
)

__all__ = ["UnlearningResult", "first_order_update", "gradient_sum", "second_order_update"]

# CG stops once ||r|| <= CG_RTOL * ||Δ||; the products run in float32, so a tighter tolerance buys nothing.
CG_RTOL = 1e-5
# A truncated CG solve on a positive definite system still improves on x = 0, but a residual this large
# means the system was indefinite (CG can diverge there without ever seeing negative curvature).
CG_MAX_RESIDUAL = 0.1


@dataclass(frozen=True)
class UnlearningResult:
    """An updated copy of the model and how far and how fast the update moved it.

    `tau` is the scalar step: τ for first order, 1/n for second order. `gradient_norm` is ||Δ||,
    `step_norm` the distance moved in parameter space. `cg_relative_residual` is ||Δ − A x|| / ||Δ||
    of the CG solve (second order only).
    """

    model: TrainedModel
    tau: float
    gradient_norm: float
    step_norm: float
    method: str
    seconds: float
    cg_relative_residual: float | None = None


def gradient_sum(model: TrainedModel, X: np.ndarray, y: np.ndarray) -> torch.Tensor:
    """Σ_i ∇θ ℓ(x_i, y_i; θ) as a flat float64 vector: the per-row class-weighted BCE of training,
    without weight decay; a zero vector for no rows."""
    X, y = _change_rows(model, X, y, "gradient_sum")
    params = list(model.module.parameters())
    total = torch.zeros(sum(p.numel() for p in params), dtype=torch.float64)
    for start in range(0, len(X), PREDICT_BATCH_ROWS):
        sl = slice(start, start + PREDICT_BATCH_ROWS)
        loss = _weighted_bce(model.module(_to_tensor(X[sl])), _to_tensor(y[sl]), model.pos_weight, "sum")
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        total += torch.cat(
            [(torch.zeros_like(p) if g is None else g).reshape(-1) for g, p in zip(grads, params, strict=True)]
        ).double()
    return total


def first_order_update(
    model: TrainedModel,
    X_old: np.ndarray,
    y_old: np.ndarray,
    X_new: np.ndarray,
    y_new: np.ndarray,
    tau: float | None = None,
) -> UnlearningResult:
    """θ ← θ − τΔ on a copy of `model`; the input model is untouched.

    The default τ = 1/(n_train · curvature) is a gradient step of size 1/L on the mean objective, with L
    its stored largest curvature: it cannot overshoot along the stiffest direction, but it moves little
    along flat ones. Pass erased rows as (X_old, y_old) with empty new rows, redacted rows as old and new
    versions, added rows as (X_new, y_new) only.
    """
    started = time.perf_counter()
    X_old, y_old = _change_rows(model, X_old, y_old, "first_order_update (X_old, y_old)")
    X_new, y_new = _change_rows(model, X_new, y_new, "first_order_update (X_new, y_new)")
    if len(X_old) == 0 and len(X_new) == 0:
        return UnlearningResult(model.copy(), 0.0, 0.0, 0.0, "first_order", time.perf_counter() - started)
    n_after = _rows_after(model, len(X_old), len(X_new), "first_order_update")
    if tau is None:
        if not (math.isfinite(model.curvature) and model.curvature > 0):
            raise ModelError(
                f"first_order_update: the model's stored curvature is {model.curvature}, so the default "
                "tau = 1/(n_train * curvature) is undefined. Pass tau explicitly."
            )
        tau = 1.0 / (model.n_train * model.curvature)
    elif not (math.isfinite(tau) and tau > 0):
        raise ModelError(f"first_order_update: tau must be a positive finite number, got {tau}.")
    delta = _change_gradient(model, X_old, y_old, X_new, y_new)
    updated = _apply_step(model, tau * delta, n_after)
    return UnlearningResult(
        model=updated,
        tau=float(tau),
        gradient_norm=float(delta.norm()),
        step_norm=_distance(model, updated),
        method="first_order",
        seconds=time.perf_counter() - started,
    )


def second_order_update(
    model: TrainedModel,
    X_old: np.ndarray,
    y_old: np.ndarray,
    X_new: np.ndarray,
    y_new: np.ndarray,
    train_X: np.ndarray,
    train_y: np.ndarray,
    damping: float = 0.1,
    cg_iterations: int = 50,
    hessian: HessianKind = "gauss_newton",
) -> UnlearningResult:
    """θ ← θ − (1/n)(H̄ + damping·I)⁻¹Δ on a copy of `model`; the input model is untouched.

    (train_X, train_y) is the whole training set AFTER the change (n rows); H̄ is taken on a seeded
    subsample of at most 20,000 of its rows and inverted by conjugate gradient on curvature-vector
    products. The defaults are what worked on ReLU MLPs: their exact Hessian (hessian="exact") is
    indefinite at a trained optimum, so CG on it diverges unless damping is large, and with damping
    near 1e-3 even the Gauss-Newton step overshoots, as the quadratic model misses the curvature that
    ReLU kinks and saturating sigmoids add over the length of a step. Raises ModelError if CG meets
    non-positive curvature or ends with a residual above 10% of ||Δ||.
    """
    started = time.perf_counter()
    X_old, y_old = _change_rows(model, X_old, y_old, "second_order_update (X_old, y_old)")
    X_new, y_new = _change_rows(model, X_new, y_new, "second_order_update (X_new, y_new)")
    if not damping >= 0:
        raise ModelError(f"second_order_update: damping must be >= 0, got {damping}.")
    if cg_iterations < 1:
        raise ModelError(f"second_order_update: cg_iterations must be at least 1, got {cg_iterations}.")
    if len(X_old) == 0 and len(X_new) == 0:
        return UnlearningResult(model.copy(), 0.0, 0.0, 0.0, "second_order", time.perf_counter() - started)
    n_after = _rows_after(model, len(X_old), len(X_new), "second_order_update")
    train_X, train_y = _check_Xy(train_X, train_y, model.input_dim, "second_order_update (train_X, train_y)")
    if len(train_X) != n_after:
        raise ModelError(
            f"second_order_update: train_X has {len(train_X)} rows, but the model was trained on "
            f"{model.n_train} and the change removes {len(X_old)} and adds {len(X_new)}, so the training set "
            f"after the change has {n_after}. Pass the training set after the change."
        )
    delta = _change_gradient(model, X_old, y_old, X_new, y_new)
    sample_X, sample_y = subsample(train_X, train_y, HESSIAN_MAX_ROWS, model.config.seed)
    hvp = objective_hvp(model, sample_X, sample_y, hessian=hessian)
    solution, residual = _conjugate_gradient(lambda v: hvp(v) + damping * v, delta, cg_iterations)
    if solution is None or residual > CG_MAX_RESIDUAL:
        found = "non-positive curvature" if solution is None else f"a relative residual of {residual:.3g}"
        raise ModelError(
            f"second_order_update: conjugate gradient on the {hessian} curvature (damping {damping}) ended "
            f"with {found}, so its step would be unreliable. Increase damping, use hessian='gauss_newton', "
            "raise cg_iterations, or use first_order_update."
        )
    updated = _apply_step(model, solution / n_after, n_after)
    return UnlearningResult(
        model=updated,
        tau=1.0 / n_after,
        gradient_norm=float(delta.norm()),
        step_norm=_distance(model, updated),
        method="second_order",
        seconds=time.perf_counter() - started,
        cg_relative_residual=residual,
    )


def _conjugate_gradient(
    apply: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, iterations: int
) -> tuple[torch.Tensor | None, float]:
    """x with apply(x) ≈ b and ||b − apply(x)|| / ||b||; None if `apply` shows non-positive curvature."""
    b_norm = float(b.norm())
    if b_norm == 0.0:
        return torch.zeros_like(b), 0.0
    x = torch.zeros_like(b)
    r = b.clone()
    p = r.clone()
    rs = float(r @ r)
    for _ in range(iterations):
        ap = apply(p)
        curvature = float(p @ ap)
        if curvature <= 0.0:
            return None, math.nan
        alpha = rs / curvature
        x += alpha * p
        r -= alpha * ap
        rs_next = float(r @ r)
        if math.sqrt(rs_next) <= CG_RTOL * b_norm:
            return x, math.sqrt(rs_next) / b_norm
        p = r + (rs_next / rs) * p
        rs = rs_next
    return x, math.sqrt(rs) / b_norm


def _change_gradient(
    model: TrainedModel, X_old: np.ndarray, y_old: np.ndarray, X_new: np.ndarray, y_new: np.ndarray
) -> torch.Tensor:
    """Δ = Σ_new g_i − Σ_old g_i with g_i = ∇ℓ_i + wd·θ, a row's share of the mean objective's weight decay.

    n·L̄ = Σ ℓ_i + n·(wd/2)||θ||², so the regulariser's weight grows and shrinks with the row count: after
    erasing k rows, retraining regularises as if by (n − k)·wd. Leaving that share out biases erasures
    toward too large a step (about 10% of Δ at wd=1e-2 in our tests); redactions are unaffected.
    """
    delta = gradient_sum(model, X_new, y_new) - gradient_sum(model, X_old, y_old)
    rows_added = len(X_new) - len(X_old)
    if rows_added and model.config.weight_decay:
        delta += rows_added * model.config.weight_decay * model.parameters_vector().double()
    return delta


def _change_rows(model: TrainedModel, X: np.ndarray, y: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    # Callers pass "no rows" in many shapes (np.empty(0), (0, d) arrays, []); all mean an empty side.
    X, y = np.asarray(X), np.asarray(y)
    if X.size == 0 and X.ndim <= 1 and y.size == 0:
        return np.empty((0, model.input_dim)), np.empty(0)
    return _check_Xy(X, y, model.input_dim, where)


def _rows_after(model: TrainedModel, n_old: int, n_new: int, where: str) -> int:
    n_after = model.n_train - n_old + n_new
    if n_after < 1:
        raise ModelError(
            f"{where}: the change removes {n_old} rows and adds {n_new}, leaving {n_after} of the model's "
            f"{model.n_train} training rows. Nothing is left to fit; drop the model instead of updating it."
        )
    return n_after


def _apply_step(model: TrainedModel, step: torch.Tensor, n_after: int) -> TrainedModel:
    updated = model.copy()
    updated.set_parameters_vector(model.parameters_vector().double() - step)
    updated.n_train = n_after
    # The training-time metrics described the old parameters; evaluate() the update to get new ones.
    updated.metrics = {}
    return updated


def _distance(a: TrainedModel, b: TrainedModel) -> float:
    return float((a.parameters_vector().double() - b.parameters_vector().double()).norm())
