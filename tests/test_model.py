"""Tests for the MLP classifier: deterministic training that learns, class balancing, the objective's
curvature, evaluation against scikit-learn, and atomic, weights_only persistence."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss

from lester_dagster.errors import ModelError
from lester_dagster.model import ModelConfig, TrainedModel, evaluate, load, objective_hvp, save, subsample_rows, train
from lester_dagster.model.mlp import subsample

WEIGHTS = np.array([2.0, -1.5, 1.0, 1.0, -1.0])
FAST = ModelConfig(hidden=(16,), epochs=40, lr=1e-2, batch_size=64)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make_data(n: int, d: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A learnable rule on the first seven columns plus label noise; about a third positives."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    logit = X[:, :5] @ WEIGHTS + 0.8 * X[:, 5] * X[:, 6] - 0.7
    y = (logit + rng.normal(scale=0.7, size=n) > 0).astype(np.int64)
    return X, y



@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = make_data(600)
    return X[:400], y[:400], X[400:], y[400:]


@pytest.fixture(scope="module")
def model(data: tuple[np.ndarray, ...]) -> TrainedModel:
    X, y, _, _ = data
    return train(X, y, FAST)


def test_training_is_deterministic_and_leaves_global_rng_alone(data: tuple[np.ndarray, ...]) -> None:
    X, y, _, _ = data
    rng_state = torch.random.get_rng_state()
    a, b = train(X, y, FAST), train(X, y, FAST)
    assert torch.equal(a.parameters_vector(), b.parameters_vector())
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    other = train(X, y, ModelConfig(**{**FAST.to_dict(), "seed": 1}))
    assert not torch.equal(a.parameters_vector(), other.parameters_vector())


def test_model_learns_the_rule(model: TrainedModel, data: tuple[np.ndarray, ...]) -> None:
    _, _, X_test, y_test = data
    majority = max(y_test.mean(), 1 - y_test.mean())
    scores = evaluate(model, X_test, y_test)
    assert scores["accuracy"] > majority + 0.15, (scores, majority)
    assert scores["roc_auc"] > 0.9
    assert set(scores) == {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "n"}
    assert scores["n"] == len(y_test)


def test_predictions_have_the_documented_types(model: TrainedModel, data: tuple[np.ndarray, ...]) -> None:
    _, _, X_test, _ = data
    proba, labels = model.predict_proba(X_test), model.predict(X_test)
    assert proba.dtype == np.float64 and proba.shape == (len(X_test),)
    assert labels.dtype == np.int64 and set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(labels, (proba >= model.config.threshold).astype(np.int64))
    assert model.predict_proba(np.empty((0, 20))).shape == (0,)


def test_balance_classes_sets_pos_weight(data: tuple[np.ndarray, ...]) -> None:
    X, y, _, _ = data
    n_pos = int(y.sum())
    one_epoch = ModelConfig(hidden=(4,), epochs=1)
    assert train(X, y, one_epoch).pos_weight == pytest.approx((len(y) - n_pos) / n_pos)
    assert train(X, y, ModelConfig(hidden=(4,), epochs=1, balance_classes=False)).pos_weight == 1.0
    # One class only: nothing to balance, and n_neg / n_pos must not divide by zero.
    single = train(X, np.ones(len(y), dtype=np.int64), one_epoch)
    assert single.pos_weight == 1.0
    assert math.isnan(evaluate(single, X, np.ones(len(y)))["roc_auc"])


def test_loss_is_the_weighted_training_bce(data: tuple[np.ndarray, ...]) -> None:
    X, y, X_test, y_test = data
    unweighted = train(X, y, ModelConfig(**{**FAST.to_dict(), "balance_classes": False}))
    # With pos_weight 1 the mean BCE is scikit-learn's log loss.
    reference = log_loss(y_test, unweighted.predict_proba(X_test), labels=[0, 1])
    assert unweighted.loss(X_test, y_test) == pytest.approx(reference, rel=1e-4)
    weighted = train(X, y, FAST)
    # The weighted loss is a sum over rows divided by n, where sklearn divides by the sum of weights.
    row_weights = np.where(y_test == 1, weighted.pos_weight, 1.0)
    proba = weighted.predict_proba(X_test)
    reference = log_loss(y_test, proba, sample_weight=row_weights, labels=[0, 1]) * row_weights.mean()
    assert weighted.loss(X_test, y_test) == pytest.approx(reference, rel=1e-4)


def test_bad_inputs_raise_model_errors(model: TrainedModel, data: tuple[np.ndarray, ...]) -> None:
    X, y, _, _ = data
    with pytest.raises(ModelError, match="no rows"):
        train(np.empty((0, 20)), np.empty(0))
    with pytest.raises(ModelError, match="expects 20"):
        model.predict_proba(X[:, :19])
    with pytest.raises(ModelError, match="one label per row"):
        train(X, y[:-1], FAST)
    with pytest.raises(ModelError, match="must be 0 or 1"):
        train(X, y * 2, FAST)
    with pytest.raises(ModelError, match="NaN"):
        train(np.where(np.eye(len(X), 20, dtype=bool), np.nan, X), y, FAST)
    with pytest.raises(ModelError, match="batch_size"):
        ModelConfig(batch_size=0)
    with pytest.raises(ModelError, match="unknown key"):
        ModelConfig.from_dict({"hidden": [8], "dropout": 0.1})


def test_config_round_trips_through_json() -> None:
    config = ModelConfig(hidden=(32, 8), epochs=3, lr=0.5, batch_size=None, seed=7, balance_classes=False)
    assert ModelConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_parameter_vectors_and_copies_are_independent(model: TrainedModel, data: tuple[np.ndarray, ...]) -> None:
    X, _, _, _ = data
    before = model.predict_proba(X)
    twin = model.copy()
    twin.set_parameters_vector(twin.parameters_vector() * 0.5)
    np.testing.assert_array_equal(model.predict_proba(X), before)
    assert not np.array_equal(twin.predict_proba(X), before)
    with pytest.raises(ModelError, match="flat vector"):
        twin.set_parameters_vector(torch.zeros(3))


def test_curvature_is_the_largest_hessian_eigenvalue() -> None:
    # Small enough (41 parameters) to build the whole Hessian from unit-vector products.
    X, y = make_data(200, d=8)
    small = train(X, y, ModelConfig(hidden=(4,), epochs=300, lr=1e-2, batch_size=None))
    hvp = objective_hvp(small, X, y)
    n_params = small.parameters_vector().numel()
    hessian = torch.stack([hvp(column) for column in torch.eye(n_params, dtype=torch.float64)])
    eigenvalues = torch.linalg.eigvalsh((hessian + hessian.T) / 2)
    assert small.curvature == pytest.approx(float(eigenvalues.abs().max()), rel=0.05)


def test_gauss_newton_equals_the_hessian_for_a_linear_model() -> None:
    # Without hidden layers the logit is linear in θ, so the network adds no second derivative.
    X, y = make_data(200, d=8)
    linear = train(X, y, ModelConfig(hidden=(), epochs=50, lr=1e-2, batch_size=None))
    v = torch.randn(linear.parameters_vector().numel(), generator=torch.Generator().manual_seed(0))
    exact = objective_hvp(linear, X, y, hessian="exact")(v)
    gauss_newton = objective_hvp(linear, X, y, hessian="gauss_newton")(v)
    torch.testing.assert_close(gauss_newton, exact, rtol=1e-4, atol=1e-6)


def _same_model(a: TrainedModel, b: TrainedModel, X: np.ndarray) -> None:
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert (a.config, a.input_dim, a.pos_weight, a.n_train, a.curvature) == (
        b.config,
        b.input_dim,
        b.pos_weight,
        b.n_train,
        b.curvature,
    )


@pytest.mark.parametrize("target", ["a_directory", "weights.pt"])
def test_save_load_round_trip(model: TrainedModel, data: tuple[np.ndarray, ...], tmp_path: Path, target: str) -> None:
    X, _, _, _ = data
    weights = save(model, tmp_path / target)
    loaded = load(tmp_path / target)
    _same_model(model, loaded, X)
    assert loaded.metrics == model.metrics
    # The weights file is a plain state_dict that the safe unpickler accepts.
    state = torch.load(weights, weights_only=True)
    assert set(state) == set(model.module.state_dict())
    sidecar = weights.with_suffix(".json")
    json.loads(sidecar.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_metrics_with_nan_survive_strict_json(data: tuple[np.ndarray, ...], tmp_path: Path) -> None:
    X, y, _, _ = data
    single = train(X, np.zeros(len(y), dtype=np.int64), ModelConfig(hidden=(4,), epochs=1))
    assert math.isnan(single.metrics["roc_auc"])
    assert math.isnan(load(save(single, tmp_path / "m.pt")).metrics["roc_auc"])


def test_failed_save_leaves_the_previous_version(
    model: TrainedModel, data: tuple[np.ndarray, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y, _, _ = data
    save(model, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    newer = train(X, y, ModelConfig(**{**FAST.to_dict(), "seed": 3}))

    def partial_then_fail(obj: object, f: object, *args: object, **kwargs: object) -> None:
        f.write(b"PK\x03\x04 half a zip file")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", partial_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save(newer, tmp_path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp files left either
    _same_model(model, load(tmp_path), X)


def test_load_detects_files_from_different_saves(
    model: TrainedModel, data: tuple[np.ndarray, ...], tmp_path: Path
) -> None:
    X, y, _, _ = data
    save(model, tmp_path / "a")
    save(train(X, y, ModelConfig(**{**FAST.to_dict(), "seed": 5})), tmp_path / "b")
    (tmp_path / "a" / "model.pt").write_bytes((tmp_path / "b" / "model.pt").read_bytes())
    with pytest.raises(ModelError, match="different saves"):
        load(tmp_path / "a")
    with pytest.raises(ModelError, match="not found"):
        load(tmp_path / "missing")


@pytest.mark.parametrize("seed", range(6))
def test_scores_equal_scikit_learns(seed: int) -> None:
    from sklearn import metrics as skm

    from lester_dagster.model import scores

    rng = np.random.default_rng(seed)
    n = [1, 7, 50, 300, 2000, 64][seed]
    y = (rng.random(n) < 0.3).astype(np.int64)
    proba = np.round(rng.random(n), 2)  # rounding makes ties, which AUC must average
    proba[: n // 5] = 0.0
    got = scores(y, proba, 0.5)
    pred = (proba >= 0.5).astype(int)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred, zero_division=0))
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred, zero_division=0))
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred, zero_division=0))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, proba, labels=[0, 1]))
    if len(set(y)) == 2:
        assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba))
    else:
        assert np.isnan(got["roc_auc"])


def test_subsample_rows_are_the_rows_subsample_keeps(data: tuple[np.ndarray, ...]) -> None:
    """Callers with a large X gather only these rows; they must be the ones subsample() would pick."""
    X, y = data[0], data[1]
    rows = subsample_rows(len(X), 50, seed=3)
    sub_X, sub_y = subsample(X, y, 50, seed=3)
    assert len(rows) == 50 and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(X[rows], sub_X)
    np.testing.assert_array_equal(y[rows], sub_y)
    np.testing.assert_array_equal(subsample_rows(len(X), len(X) + 1, seed=3), np.arange(len(X)))
