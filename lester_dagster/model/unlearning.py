"""Unlearning updates that make a trained model the one retraining would give after training rows are
erased, redacted (new features or labels) or added: exactly, by retraining, when that is cheap
(`choose_unlearning`), else approximately, by closed-form steps toward it (Warnecke et al., NDSS 2023).
Every result states its guarantee; only a retrain (or a change that touches no training row) is exact.

A change replaces rows Z_old by Z_new. Δ = Σ_{Z_new} g_i − Σ_{Z_old} g_i at the current optimum θ*, with g_i a
row's loss gradient plus its share of the weight decay (see `_change_gradient`). The first-order update is
θ* − τΔ, the second-order one θ* − (1/n)(H̄ + damping·I)⁻¹Δ, with H̄ the curvature (Gauss-Newton by
default) of the mean objective (1/n) Σ ℓ + (wd/2)||θ||² over the n training rows after the change.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from lester_dagster.errors import MissingExtraError, ModelError

try:
    import torch
except ModuleNotFoundError as error:
    raise MissingExtraError(error.name or "torch", "ml", "unlearning (lester_dagster.model)") from error

from lester_dagster.model.mlp import (
    CURVATURE_ITERATIONS,
    HESSIAN_MAX_ROWS,
    PREDICT_BATCH_ROWS,
    HessianKind,
    ModelConfig,
    TrainedModel,
    _check_Xy,
    _to_tensor,
    _weighted_bce,
    objective_hvp,
    subsample,
    train,
)
from lester_dagster.model.sampling import CURVATURE_ROWS

__all__ = [
    "CURVATURE_ROWS",
    "EXACT_RETRAIN",
    "RETRAIN_BUDGET",
    "SECOND_ORDER_DAMPING",
    "UnlearningResult",
    "choose_unlearning",
    "first_order_update",
    "gradient_sum",
    "retrain_cost",
    "retrain_update",
    "second_order_update",
]

Method = Literal["retrain", "first_order", "second_order"]

# The tightest CG tolerance worth asking for: the products run in float32.
CG_RTOL = 1e-5
# A truncated CG solve on a positive definite system still improves on x = 0, but a residual this large
# means the system was indefinite (CG can diverge there without ever seeing negative curvature).
CG_MAX_RESIDUAL = 0.1

# The second-order step's defaults, chosen by benchmarks/bench_unlearning.py on the MiniLM example with its
# default ModelConfig (benchmarks/RESULTS.md, "Unlearning vs retraining"). Damping sets how far the step goes
# along flat directions. 0.01 closed a median 57% of the membership gap at 2,000 mails and 26% at 10,000,
# and brought predictions on the erased rows closer to the retrained model's on every seed at 2,000. 0.005
# closed more (84% and 35%) but moved those predictions away from the retrained model's on one seed in five
# (and failed that way on the word-count variant), 0.002 overshot to 278% in a damping sweep, and the former
# default 0.1 closed 12% and 10%. A relative CG residual of 1e-2 changed the share closed by under one point
# against 1e-5, in a third of the iterations, and curvature on 1,000 sampled rows closed within 5 points of
# what 3,000 or all ~3,100 did: bounding both keeps the step at tens of milliseconds at any training-set size.
SECOND_ORDER_DAMPING = 0.01
SECOND_ORDER_CG_RTOL = 1e-2

# Retraining cost in row-parameter products (one row through every parameter once), the unit `retrain_cost`
# counts in. Fitted by least squares to 17 timed `train` runs (one thread; 300-40,000 rows, 4,833-103,105
# parameters, mini-batch and full batch), it predicted each within 15%: a mini-batch step has a fixed cost of
# about 1.8e7 units (Adam and Python over all parameters), and the curvature estimate at the end of training
# about 1.6 passes over its (at most HESSIAN_MAX_ROWS) rows per power iteration. One unit took 3.5e-11 s on
# the standard machine.
STEP_COST = 1.8e7
CURVATURE_PASSES_PER_ITERATION = 1.6
# Retrain exactly while the estimate is at most this: about 0.5 s on the standard machine with one thread,
# half the 1 s that the whole IVM of the paper's redaction may take. The running example at 2,000 mails
# (MiniLM, default config, ~600 training rows) costs 6.0e9 and is retrained; at 10,000 mails (~3,100 rows)
# it costs 2.7e10 and gets the second-order step.
RETRAIN_BUDGET = 1.5e10

EXACT_RETRAIN = "exact: retrained from scratch on the remaining rows with the same seed"
UNCHANGED = "exact: no training row changed, so the model is still the one trained on them"
# Median share of the membership gap (erased rows' loss / held-out loss, from the original model's value to
# a retrained model's) that each approximate update with its default settings closed on the MiniLM example,
# 12 customers erased, 5 seeds (benchmarks/RESULTS.md). At 10,000 mails a retrain with another seed lands
# anywhere from -75% to 388% of the gap: the original model reveals the rows little more than chance does.
_MEASURED = {
    "first_order": "first-order step (tau = 1/(n·curvature)), closes ~1% of the membership gap on the example "
    "(median of 5 seeds at 2,000 mails; 4% at 10,000)",
    "second_order": f"second-order step (Gauss-Newton, damping {SECOND_ORDER_DAMPING}), closes ~57% of the "
    "membership gap on the example (median of 5 seeds at 2,000 mails; 26% at 10,000)",
}


@dataclass(frozen=True)
class UnlearningResult:
    """An updated copy of the model, what it guarantees, and how far and how fast the update moved it.

    `guarantee` starts with "exact:" only for a retrain or an unchanged training set, else "approximate:"
    and what the method measurably achieves. `tau` is the scalar step: τ for first order, 1/n for second
    order, None for a retrain. `gradient_norm` is ||Δ|| (None for a retrain, which needs no Δ), `step_norm`
    the distance moved in parameter space. `cg_relative_residual` is ||Δ − A x|| / ||Δ|| of the CG solve
    (second order only).
    """

    model: TrainedModel
    tau: float | None
    gradient_norm: float | None
    step_norm: float
    method: str
    seconds: float
    guarantee: str
    cg_relative_residual: float | None = None

    @property
    def exact(self) -> bool:
        """True only when the model equals one trained from scratch on the training rows after the change."""
        return self.guarantee.startswith("exact:")


def retrain_cost(config: ModelConfig, input_dim: int, n_rows: int) -> float:
    """Estimated work of `train(X, y, config)` on n_rows rows of input_dim features, in row-parameter
    products; see STEP_COST for how the estimate was fitted to measured times."""
    widths = (input_dim, *config.hidden, 1)
    params = sum((a + 1) * b for a, b in itertools.pairwise(widths))
    batch = n_rows if config.batch_size is None else min(config.batch_size, n_rows)
    steps = config.epochs * math.ceil(n_rows / max(batch, 1))
    curvature = CURVATURE_PASSES_PER_ITERATION * CURVATURE_ITERATIONS * min(n_rows, HESSIAN_MAX_ROWS)
    return float(params * (config.epochs * n_rows + curvature) + STEP_COST * steps)


def choose_unlearning(model: TrainedModel, n_rows: int, budget: float = RETRAIN_BUDGET) -> Method:
    """The update `apply_deletion(unlearning="auto")` runs for a training set of n_rows rows after the
    change: an exact retrain while its estimated cost is within `budget`, else the second-order step,
    the approximate update that came closest to retraining in our measurements (see SECOND_ORDER_DAMPING)."""
    if not budget >= 0:
        raise ModelError(f"choose_unlearning: budget must be >= 0 row-parameter products, got {budget}.")
    return "retrain" if retrain_cost(model.config, model.input_dim, n_rows) <= budget else "second_order"


def retrain_update(model: TrainedModel, train_X: np.ndarray, train_y: np.ndarray) -> UnlearningResult:
    """A model trained from scratch on (train_X, train_y), the whole training set AFTER the change, with
    the model's config and seed: exact unlearning, as nothing of the removed rows can remain.

    Training is deterministic for a seed and a torch thread count, so this equals `train(train_X, train_y,
    model.config)` bit for bit under the same `torch_threads`; across thread counts float sums differ by
    ~1e-7. The features are whatever X holds: the encoder stays as fitted at materialisation.
    """
    started = time.perf_counter()
    train_X, train_y = _check_Xy(train_X, train_y, model.input_dim, "retrain_update (train_X, train_y)")
    if len(train_X) == 0:
        raise ModelError(
            "retrain_update: the change leaves no training rows. Nothing is left to fit; drop the model "
            "instead of updating it."
        )
    retrained = train(train_X, train_y, model.config)
    return UnlearningResult(
        model=retrained,
        tau=None,
        gradient_norm=None,
        step_norm=_distance(model, retrained),
        method="retrain",
        seconds=time.perf_counter() - started,
        guarantee=EXACT_RETRAIN,
    )


def _unchanged(model: TrainedModel, started: float) -> UnlearningResult:
    # No row changed: the model is exactly the one its (unchanged) training set gives, whatever was asked.
    return UnlearningResult(model.copy(), 0.0, 0.0, 0.0, "unchanged", time.perf_counter() - started, UNCHANGED)


def _approximate(method: str, settings: str | None = None) -> str:
    # Measured figures hold for the default settings only; other settings say so instead of borrowing them.
    if settings is None:
        return f"approximate: {_MEASURED[method]}"
    return f"approximate: {method.replace('_', '-')} step ({settings}); its share of the membership gap closed is not measured"


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
        return _unchanged(model, started)
    n_after = _rows_after(model, len(X_old), len(X_new), "first_order_update")
    settings = None if tau is None else f"tau {tau:.3g}"
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
        guarantee=_approximate("first_order", settings),
    )


def second_order_update(
    model: TrainedModel,
    X_old: np.ndarray,
    y_old: np.ndarray,
    X_new: np.ndarray,
    y_new: np.ndarray,
    train_X: np.ndarray,
    train_y: np.ndarray,
    damping: float = SECOND_ORDER_DAMPING,
    cg_iterations: int = 50,
    hessian: HessianKind = "gauss_newton",
    *,
    cg_tolerance: float = SECOND_ORDER_CG_RTOL,
    curvature_rows: int = CURVATURE_ROWS,
    train_rows: int | None = None,
) -> UnlearningResult:
    """θ ← θ − (1/n)(H̄ + damping·I)⁻¹Δ on a copy of `model`; the input model is untouched.

    (train_X, train_y) is the whole training set AFTER the change (n rows), or, with `train_rows` = n, a
    uniform sample of it (a caller with a large X gathers only the rows the curvature needs). H̄ is taken on
    a seeded subsample of at most `curvature_rows` of them and inverted by conjugate gradient on
    curvature-vector products, until the residual is below `cg_tolerance`·||Δ||. The defaults are what
    worked on ReLU MLPs (see SECOND_ORDER_DAMPING): their exact Hessian (hessian="exact") is indefinite at a
    trained optimum, so CG on it diverges unless damping is large, and with damping near 1e-3 even the
    Gauss-Newton step overshoots, as the quadratic model misses the curvature that ReLU kinks and
    saturating sigmoids add over the length of a step. Raises ModelError if CG meets non-positive
    curvature or ends with a residual above 10% of ||Δ||.
    """
    started = time.perf_counter()
    X_old, y_old = _change_rows(model, X_old, y_old, "second_order_update (X_old, y_old)")
    X_new, y_new = _change_rows(model, X_new, y_new, "second_order_update (X_new, y_new)")
    if not damping >= 0:
        raise ModelError(f"second_order_update: damping must be >= 0, got {damping}.")
    if cg_iterations < 1:
        raise ModelError(f"second_order_update: cg_iterations must be at least 1, got {cg_iterations}.")
    if not 0 < cg_tolerance < 1:
        raise ModelError(f"second_order_update: cg_tolerance must lie strictly between 0 and 1, got {cg_tolerance}.")
    if curvature_rows < 1:
        raise ModelError(f"second_order_update: curvature_rows must be at least 1, got {curvature_rows}.")
    if len(X_old) == 0 and len(X_new) == 0:
        return _unchanged(model, started)
    n_after = _rows_after(model, len(X_old), len(X_new), "second_order_update")
    train_X, train_y = _check_Xy(train_X, train_y, model.input_dim, "second_order_update (train_X, train_y)")
    if train_rows is None:
        fits = len(train_X) == n_after
    else:
        fits = train_rows == n_after and 0 < len(train_X) <= n_after
    if not fits:
        given = f"train_X has {len(train_X)} rows" + ("" if train_rows is None else f" and train_rows is {train_rows}")
        raise ModelError(
            f"second_order_update: {given}, but the model was trained on {model.n_train} rows and the change "
            f"removes {len(X_old)} and adds {len(X_new)}, so the training set after the change has {n_after}. "
            "Pass the training set after the change (or a sample of it with train_rows set to its size)."
        )
    delta = _change_gradient(model, X_old, y_old, X_new, y_new)
    sample_X, sample_y = subsample(train_X, train_y, curvature_rows, model.config.seed)
    hvp = objective_hvp(model, sample_X, sample_y, hessian=hessian)
    solution, residual = _conjugate_gradient(lambda v: hvp(v) + damping * v, delta, cg_iterations, cg_tolerance)
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
        guarantee=_approximate("second_order", _second_order_settings(damping, hessian, cg_tolerance, curvature_rows)),
        cg_relative_residual=residual,
    )


def _second_order_settings(damping: float, hessian: str, cg_tolerance: float, curvature_rows: int) -> str | None:
    """None for the measured defaults, else the settings that differ from them."""
    differ = [
        f"{name} {value}"
        for name, value, default in (
            ("damping", damping, SECOND_ORDER_DAMPING),
            ("hessian", hessian, "gauss_newton"),
            ("cg_tolerance", cg_tolerance, SECOND_ORDER_CG_RTOL),
            ("curvature_rows", curvature_rows, CURVATURE_ROWS),
        )
        if value != default
    ]
    return ", ".join(differ) or None


def _conjugate_gradient(
    apply: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, iterations: int, rtol: float = CG_RTOL
) -> tuple[torch.Tensor | None, float]:
    """x with apply(x) ≈ b and ||b − apply(x)|| / ||b||, stopping once that is at most `rtol`; None if
    `apply` shows non-positive curvature."""
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
        if math.sqrt(rs_next) <= rtol * b_norm:
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
