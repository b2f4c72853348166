"""The pipeline's PyTorch MLP binary classifier: deterministic training, evaluation, the mean training
objective's gradients and Hessian-vector products (which unlearning needs), and safe save/load."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy.stats import rankdata

from lester_dagster.errors import MissingExtraError, ModelError
from lester_dagster.model.config import ModelConfig
from lester_dagster.model.sampling import subsample_rows

try:
    import torch
    import torch.nn.functional as F
except ModuleNotFoundError as error:
    raise MissingExtraError(error.name or "torch", "ml", "the pipeline's model (lester_dagster.model)") from error

__all__ = [
    "estimate_curvature",
    "evaluate",
    "load",
    "MLP",
    "ModelConfig",
    "objective_hvp",
    "save",
    "scores",
    "subsample",
    "subsample_rows",
    "torch_threads",
    "train",
    "TrainedModel",
]

# Rows per forward pass at prediction time: bounds activation memory on 1M-row matrices.
PREDICT_BATCH_ROWS = 65_536
# Hessian work (curvature at training time, CG in unlearning) looks at no more rows than this; the mean
# objective's curvature is a population quantity, so a seeded subsample estimates it well and keeps
# double-backward passes cheap at 1M rows.
HESSIAN_MAX_ROWS = 20_000
CURVATURE_ITERATIONS = 20

HessianKind = Literal["exact", "gauss_newton"]

WEIGHTS_FILE = "model.pt"
SIDECAR_FILE = "model.json"
_FORMAT = "lester_dagster.model/1"
_SIDECAR_FIELDS = {"config", "input_dim", "pos_weight", "n_train", "curvature", "metrics", "weights_sha256"}


class MLP(torch.nn.Module):
    """Binary classifier: input_dim -> hidden ReLU layers -> one logit."""

    def __init__(self, input_dim: int, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        if input_dim < 1:
            raise ModelError(f"MLP input_dim must be positive, got {input_dim}.")
        layers: list[torch.nn.Module] = []
        width = input_dim
        for hidden in config.hidden:
            layers += [torch.nn.Linear(width, hidden), torch.nn.ReLU()]
            width = hidden
        layers.append(torch.nn.Linear(width, 1))
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of class 1, shape (n,)."""
        return self.layers(x).squeeze(-1)


@dataclass(eq=False)
class TrainedModel:
    """A trained MLP with what unlearning and audits need: the fixed class weight, the training-set size
    and the objective's curvature at the optimum. `metrics` are on the training data at training time."""

    module: MLP
    config: ModelConfig
    input_dim: int
    pos_weight: float
    n_train: int
    curvature: float
    metrics: dict[str, float] = field(default_factory=dict)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of class 1 as float64, shape (n,)."""
        X = _check_X(X, self.input_dim, "predict_proba")
        out = np.empty(len(X), dtype=np.float64)
        with torch.inference_mode():
            for start in range(0, len(X), PREDICT_BATCH_ROWS):
                batch = _to_tensor(X[start : start + PREDICT_BATCH_ROWS])
                out[start : start + len(batch)] = torch.sigmoid(self.module(batch)).double().numpy()
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (0/1, int64) at the configured threshold."""
        return (self.predict_proba(X) >= self.config.threshold).astype(np.int64)

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean class-weighted BCE, the training objective without its weight-decay term."""
        X, y = _check_Xy(X, y, self.input_dim, "loss")
        if len(X) == 0:
            raise ModelError("loss: X has no rows; the mean loss of no rows is undefined.")
        total = 0.0
        with torch.inference_mode():
            for start in range(0, len(X), PREDICT_BATCH_ROWS):
                sl = slice(start, start + PREDICT_BATCH_ROWS)
                logits = self.module(_to_tensor(X[sl]))
                total += float(_weighted_bce(logits, _to_tensor(y[sl]), self.pos_weight, "sum"))
        return total / len(X)

    def parameters_vector(self) -> torch.Tensor:
        """A flat copy of all parameters, in `module.parameters()` order."""
        return torch.nn.utils.parameters_to_vector(self.module.parameters()).detach().clone()

    def set_parameters_vector(self, vector: torch.Tensor) -> None:
        """Overwrite all parameters from a flat vector of the `parameters_vector` layout."""
        n_params = sum(p.numel() for p in self.module.parameters())
        vector = torch.as_tensor(vector)
        if vector.ndim != 1 or vector.numel() != n_params:
            raise ModelError(
                f"set_parameters_vector: expected a flat vector of {n_params} values, got shape "
                f"{tuple(vector.shape)}. Use parameters_vector() for the layout."
            )
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(vector.detach().to(torch.float32), self.module.parameters())

    def copy(self) -> TrainedModel:
        """A deep copy: updating its parameters never touches this model."""
        return dataclasses.replace(self, module=copy.deepcopy(self.module), metrics=dict(self.metrics))


def train(X: np.ndarray, y: np.ndarray, config: ModelConfig = ModelConfig()) -> TrainedModel:
    """Train an MLP on float64 features X (n, d) and 0/1 labels y, deterministically for `config.seed`.

    Mini-batch Adam whose weight_decay adds wd*θ to the gradient, i.e. minimises the mean weighted BCE
    plus (wd/2)||θ||². The curvature of that objective at the result is estimated once here, so that
    unlearning never pays for it.
    """
    X, y = _check_Xy(X, y, None, "train")
    n, d = X.shape
    if n == 0:
        raise ModelError("train: X has no rows. A model needs at least one training row.")
    if not np.isfinite(X).all():
        raise ModelError("train: X contains NaN or infinite values. Impute or drop them before training.")
    n_pos = int(y.sum())
    n_neg = n - n_pos
    # With one class only there is nothing to balance, and n_neg / 0 would be infinite.
    pos_weight = n_neg / n_pos if config.balance_classes and n_pos > 0 and n_neg > 0 else 1.0

    # fork_rng: seeding initialisation must not reseed the caller's global torch RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        module = MLP(d, config)
    generator = torch.Generator().manual_seed(config.seed)
    Xt, yt = _to_tensor(X), _to_tensor(y)
    optimiser = torch.optim.Adam(module.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    batch = n if config.batch_size is None else min(config.batch_size, n)
    module.train()
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=generator) if batch < n else None
        for start in range(0, n, batch):
            if order is None:
                xb, yb = Xt, yt
            else:
                idx = order[start : start + batch]
                xb, yb = Xt[idx], yt[idx]
            optimiser.zero_grad(set_to_none=True)
            _weighted_bce(module(xb), yb, pos_weight, "mean").backward()
            optimiser.step()
    module.eval()

    model = TrainedModel(module, config, d, float(pos_weight), n, curvature=math.nan)
    model.curvature = estimate_curvature(model, X, y)
    model.metrics = evaluate(model, X, y)
    return model


def objective_hvp(
    model: TrainedModel, X: np.ndarray, y: np.ndarray, hessian: HessianKind = "exact"
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Curvature-vector products v -> H v of the mean objective (1/n) Σ ℓ(x_i, y_i; θ) + (wd/2)||θ||² over
    (X, y) at the model's current parameters.

    hessian="exact" is the Hessian by double backward. hessian="gauss_newton" is the generalised
    Gauss-Newton matrix (1/n) Σ J_iᵀ ℓ''(z_i) J_i + wd·I, which drops the network's own second derivative
    (the term that couples layers). It is positive definite by construction, so conjugate gradient can
    solve with it; a trained ReLU MLP's exact Hessian was indefinite in all our experiments (eigenvalues
    down to -0.05 with wd=1e-2), as Adam stops on ReLU kinks rather than in a smooth minimum.
    """
    X, y = _check_Xy(X, y, model.input_dim, "objective_hvp")
    if len(X) == 0:
        raise ModelError("objective_hvp: X has no rows; the mean objective of no rows is undefined.")
    if hessian == "exact":
        product = _exact_hvp(model, _to_tensor(X), _to_tensor(y))
    elif hessian == "gauss_newton":
        product = _gauss_newton_vp(model, _to_tensor(X), _to_tensor(y))
    else:
        raise ModelError(f"objective_hvp: hessian must be 'exact' or 'gauss_newton', got {hessian!r}.")
    wd = model.config.weight_decay

    def hvp(v: torch.Tensor) -> torch.Tensor:
        v32 = v.to(torch.float32)
        return (product(v32) + wd * v32).detach().to(v.dtype)

    return hvp


def _exact_hvp(model: TrainedModel, X: torch.Tensor, y: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    # The gradient graph is built once and differentiated again for each product.
    params = list(model.module.parameters())
    loss = _weighted_bce(model.module(X), y, model.pos_weight, "mean")
    flat_grad = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params, create_graph=True)])

    def product(v: torch.Tensor) -> torch.Tensor:
        # Differentiating g·v gives H v, as H is symmetric; allow_unused covers parameters that the
        # gradient does not depend on to second order.
        hv = torch.autograd.grad(flat_grad, params, grad_outputs=v, retain_graph=True, allow_unused=True)
        return _flatten([torch.zeros_like(p) if h is None else h for h, p in zip(hv, params, strict=True)])

    return product


def _gauss_newton_vp(model: TrainedModel, X: torch.Tensor, y: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    params = list(model.module.parameters())
    logits = model.module(X)
    prob = torch.sigmoid(logits).detach()
    # ℓ''(z) of the weighted BCE: σ(1−σ) times the row's class weight.
    weight = prob * (1 - prob) * (model.pos_weight * y + (1 - y)) / len(X)
    # J v by the double-vjp trick: u -> Jᵀu is linear in u, so differentiating (Jᵀu)·v by u gives J v.
    # Reverse mode twice instead of torch.func.jvp: forward-mode AD costs ~0.3 s of set-up per process.
    dummy = torch.zeros_like(logits, requires_grad=True)
    pulled = _flatten(list(torch.autograd.grad(logits, params, grad_outputs=dummy, create_graph=True)))

    def product(v: torch.Tensor) -> torch.Tensor:
        (jv,) = torch.autograd.grad(pulled, dummy, grad_outputs=v, retain_graph=True)
        return _flatten(list(torch.autograd.grad(logits, params, grad_outputs=weight * jv, retain_graph=True)))

    return product


def _flatten(tensors: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


def estimate_curvature(
    model: TrainedModel,
    X: np.ndarray,
    y: np.ndarray,
    iterations: int = CURVATURE_ITERATIONS,
    max_rows: int = HESSIAN_MAX_ROWS,
) -> float:
    """Largest |eigenvalue| of the mean objective's Hessian, by power iteration on Hessian-vector products
    over a seeded subsample of at most `max_rows` rows."""
    X, y = subsample(X, y, max_rows, model.config.seed)
    hvp = objective_hvp(model, X, y)
    dim = sum(p.numel() for p in model.module.parameters())
    generator = torch.Generator().manual_seed(model.config.seed)
    v = torch.randn(dim, generator=generator, dtype=torch.float64)
    v /= v.norm()
    eigenvalue = 0.0
    for _ in range(iterations):
        hv = hvp(v)
        eigenvalue = float(v @ hv)  # Rayleigh quotient, as v has unit norm
        norm = float(hv.norm())
        if norm == 0.0:  # a flat objective: no curvature at all
            return 0.0
        v = hv / norm
    # Power iteration finds the eigenvalue of largest magnitude; its size is what bounds a safe step.
    return abs(eigenvalue)


def evaluate(model: TrainedModel, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """accuracy, precision, recall, f1, roc_auc (NaN with one class), log_loss and n on (X, y)."""
    X, y = _check_Xy(X, y, model.input_dim, "evaluate")
    return scores(y, model.predict_proba(X) if len(X) else np.empty(0), model.config.threshold)


def scores(y: np.ndarray, proba: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """The metrics of `evaluate` from true labels and predicted probabilities of class 1.

    Computed directly (one confusion count, AUC from rank sums) because every deletion refreshes them
    on all held-out rows; they equal scikit-learn's (a test checks it).
    """
    names = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss")
    truth = np.asarray(y).astype(np.int64)
    n = len(truth)
    if n == 0:
        return {**dict.fromkeys(names, math.nan), "n": 0.0}
    proba = np.asarray(proba, dtype=np.float64)
    predicted, positive = proba >= threshold, truth == 1
    tp, fp = int((predicted & positive).sum()), int((predicted & ~positive).sum())
    fn = int(positive.sum()) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    n_pos = int(positive.sum())
    n_neg = n - n_pos
    if n_pos and n_neg:
        ranks = rankdata(proba)  # ties get their average rank, as in the Mann-Whitney U statistic
        auc = (float(ranks[positive].sum()) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    else:
        auc = math.nan
    eps = np.finfo(proba.dtype).eps
    clipped = np.clip(proba, eps, 1 - eps)
    log_loss = -float(np.mean(np.where(positive, np.log(clipped), np.log1p(-clipped))))
    return {
        "accuracy": (tp + n - tp - fp - fn) / n,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "roc_auc": auc,
        "log_loss": log_loss,
        "n": float(n),
    }


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Runs the block with `n` torch threads. The model is small: on a busy 2-core machine a second
    thread makes an update of a few rows 10-100x slower, not faster."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def save(model: TrainedModel, path: str | os.PathLike[str]) -> Path:
    """Write the model atomically and return the weights file's path.

    Layout: `path` ending in ".pt" is the weights file and its sidecar is the same name with ".json";
    any other `path` is a directory holding `model.pt` and `model.json`. The weights file is the
    `state_dict` as written by `torch.save` (loadable with `weights_only=True`); the JSON sidecar holds
    the config, input_dim, pos_weight, n_train, curvature, metrics and the weights file's SHA-256.
    Each file is written to a temporary file in the same directory, flushed to disk and moved into place
    with `os.replace`, so a failed save leaves the previous version intact. The two renames are not one
    atomic step; the hash lets `load` detect the pair of files being from different saves.
    """
    weights_path, sidecar_path = _paths(Path(path))
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_weights = _write_temp(weights_path, lambda f: torch.save(model.module.state_dict(), f))
    tmp_sidecar: Path | None = None
    try:
        digest = _sha256(tmp_weights)
        sidecar = {
            "format": _FORMAT,
            "config": model.config.to_dict(),
            "input_dim": model.input_dim,
            "pos_weight": model.pos_weight,
            "n_train": model.n_train,
            "curvature": _json_float(model.curvature),
            "metrics": {k: _json_float(v) for k, v in model.metrics.items()},
            "weights_file": weights_path.name,
            "weights_sha256": digest,
        }
        text = json.dumps(sidecar, indent=2, sort_keys=True, allow_nan=False)
        tmp_sidecar = _write_temp(sidecar_path, lambda f: f.write(text.encode("utf-8")))
        os.replace(tmp_weights, weights_path)
        os.replace(tmp_sidecar, sidecar_path)
    except BaseException:
        for tmp in (tmp_weights, tmp_sidecar):
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        raise
    return weights_path


def load(path: str | os.PathLike[str]) -> TrainedModel:
    """The model that `save` wrote at `path` (the same directory or ".pt" path), loaded with
    `torch.load(..., weights_only=True)` so a tampered file cannot run code."""
    weights_path, sidecar_path = _paths(Path(path))
    for p in (weights_path, sidecar_path):
        if not p.is_file():
            raise ModelError(f"load: {str(p)!r} is not found. Pass the directory or .pt path given to save().")
    try:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"load: {str(sidecar_path)!r} is not valid JSON ({exc}).") from exc
    if not isinstance(sidecar, dict) or sidecar.get("format") != _FORMAT:
        found = sidecar.get("format") if isinstance(sidecar, dict) else type(sidecar).__name__
        raise ModelError(f"load: {str(sidecar_path)!r} has format {found!r}, expected {_FORMAT!r}.")
    missing = sorted(_SIDECAR_FIELDS - set(sidecar))
    if missing:
        raise ModelError(f"load: {str(sidecar_path)!r} lacks {missing}. Save the model again.")
    if _sha256(weights_path) != sidecar["weights_sha256"]:
        raise ModelError(
            f"load: {str(weights_path)!r} does not match the hash in {str(sidecar_path)!r}: the files come "
            "from different saves (an interrupted save?). Save the model again."
        )
    config = ModelConfig.from_dict(sidecar["config"])
    module = MLP(int(sidecar["input_dim"]), config)
    state = torch.load(weights_path, map_location="cpu", weights_only=True)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"load: weights in {str(weights_path)!r} do not fit the saved config: {exc}") from exc
    module.eval()
    return TrainedModel(
        module=module,
        config=config,
        input_dim=int(sidecar["input_dim"]),
        pos_weight=float(sidecar["pos_weight"]),
        n_train=int(sidecar["n_train"]),
        curvature=_from_json_float(sidecar["curvature"]),
        metrics={k: _from_json_float(v) for k, v in sidecar["metrics"].items()},
    )


def subsample(X: np.ndarray, y: np.ndarray, max_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_rows` rows of (X, y), chosen without replacement by `seed`, in their original order."""
    if len(X) <= max_rows:
        return X, y
    rows = subsample_rows(len(X), max_rows, seed)
    return X[rows], y[rows]


def _weighted_bce(logits: torch.Tensor, y: torch.Tensor, pos_weight: float, reduction: str) -> torch.Tensor:
    weight = torch.tensor(pos_weight, dtype=logits.dtype)
    return F.binary_cross_entropy_with_logits(logits, y, pos_weight=weight, reduction=reduction)


def _to_tensor(a: np.ndarray) -> torch.Tensor:
    # Training and inference run in float32, whatever dtype the feature matrix has.
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def _check_X(X: np.ndarray, input_dim: int | None, where: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ModelError(f"{where}: X must be a 2-D array (rows, features), got shape {X.shape}.")
    if input_dim is not None and X.shape[1] != input_dim:
        raise ModelError(
            f"{where}: X has {X.shape[1]} feature columns but the model expects {input_dim}. "
            "Use the feature matrix built by the transformers the model was trained with."
        )
    return X


def _check_Xy(X: np.ndarray, y: np.ndarray, input_dim: int | None, where: str) -> tuple[np.ndarray, np.ndarray]:
    X = _check_X(X, input_dim, where)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ModelError(f"{where}: y must be 1-D with one label per row of X ({len(X)}), got shape {y.shape}.")
    if len(y) and not np.isin(y, (0, 1)).all():
        bad = np.unique(y[~np.isin(y, (0, 1))])[:5].tolist()
        raise ModelError(f"{where}: labels must be 0 or 1, found {bad}. Encode the positive class as 1.")
    return X, y.astype(np.float64)


def _paths(path: Path) -> tuple[Path, Path]:
    if path.suffix == ".pt":
        return path, path.with_suffix(".json")
    return path / WEIGHTS_FILE, path / SIDECAR_FILE


def _write_temp(target: Path, write: Callable[[Any], object]) -> Path:
    # The temporary file sits next to its target: os.replace is only atomic within one file system.
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_float(value: float) -> float | None:
    # Strict JSON has no NaN (roc_auc is NaN with one class), so it is written as null.
    return None if math.isnan(value) else float(value)


def _from_json_float(value: float | None) -> float:
    return math.nan if value is None else float(value)
