"""Does unlearning make the model forget? Erase customers from the running example, update the model by
each candidate method, retrain from scratch without them, and compare the membership signal: the mean
loss on the erased training rows over the mean loss on held-out rows. The gap closed is
(signal after − signal before) / (signal retrained − signal before): 100% is as good as retraining.

    .venv/bin/python benchmarks/bench_unlearning.py quality [--pipeline minilm] [--mails 2000 10000] [--seeds 0 1 2 3 4]
    .venv/bin/python benchmarks/bench_unlearning.py timing [--mails 10000 100000] [--rows 40000 300000]

`quality` runs the example pipeline with its own default ModelConfig (MiniLM: hidden 64, 60 epochs of
mini-batch Adam). The product's methods run through apply_deletion (their time is its model stage); the
other candidates run on the same rows at the model level. `timing` measures the model stage per method on
the word-count variant of the example and the update functions on synthetic X as wide as the MiniLM
example's (772 columns, default ModelConfig), at training-set sizes up to the paper's 1M-mail scenario.
Everything runs with one torch thread, as apply_deletion does.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from example_project.declarative_pipeline import PIPELINE, WORD_COUNT_PIPELINE  # noqa: E402
from lester_dagster.datasets.running_example import generate  # noqa: E402
from lester_dagster.ivm import DeletionRequest, apply_deletion  # noqa: E402
from lester_dagster.ivm.evaluation import unlearning_quality  # noqa: E402
from lester_dagster.model import (  # noqa: E402
    ModelConfig,
    TrainedModel,
    choose_unlearning,
    first_order_update,
    gap_closed,
    gradient_sum,
    membership_signal,
    objective_hvp,
    retrain_cost,
    retrain_update,
    second_order_update,
    torch_threads,
    train,
)
from lester_dagster.model.mlp import _to_tensor, _weighted_bce  # noqa: E402
from lester_dagster.model.unlearning import _change_gradient, _conjugate_gradient  # noqa: E402
from lester_dagster.pipeline import MaterializedPipeline, materialize  # noqa: E402

SPECS = {"minilm": PIPELINE, "word_counts": WORD_COUNT_PIPELINE}
PRODUCT = ("auto", "retrain", "first_order", "second_order")


@dataclass(frozen=True)
class Rows:
    """The erased training rows (old version), the training and held-out rows after the erasure."""

    X_old: np.ndarray
    y_old: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def erasure(state: MaterializedPipeline, customers: int, seed: int) -> DeletionRequest:
    """`customers` customers with training rows, chosen by `seed`."""
    ids = list(dict.fromkeys(state.prepared.provenance["customers"].ids[~state.is_test].tolist()))
    chosen = np.random.default_rng(seed).choice(ids, size=customers, replace=False)
    return DeletionRequest("customers", tuple(int(c) for c in chosen), "erase")


def rows_of(state: MaterializedPipeline, request: DeletionRequest) -> Rows:
    ids = state.sources[request.source].ids_for(request.keys)
    changed = np.flatnonzero(state.prepared.provenance.depends_on(request.source, ids) & ~state.is_test)
    after = state.copy()
    apply_deletion(after, request, unlearning="first_order")  # only for X, y and the split after the change
    train_rows = ~after.is_test
    return Rows(state.X[changed], state.y[changed], after.X[train_rows], after.y[train_rows],
                after.X[after.is_test], after.y[after.is_test])


# Candidates that are not product methods, measured on the same rows ---------------------------------------

def second_order_with(damping: float) -> Callable[[TrainedModel, Rows], TrainedModel]:
    def update(model: TrainedModel, r: Rows) -> TrainedModel:
        return second_order_update(model, r.X_old, r.y_old, r.X_old[:0], r.y_old[:0], r.X_train, r.y_train,
                                   damping=damping).model
    return update


def newton_steps(steps: int, damping: float) -> Callable[[TrainedModel, Rows], TrainedModel]:
    """Several damped Gauss-Newton steps on G(θ) = n·∇L_after(θ) − n·∇L_after(θ*) + Δ(θ*), whose root is the
    retrained model when the original one sat where its own training stopped; the first step is the
    second-order update."""
    def update(model: TrainedModel, r: Rows) -> TrainedModel:
        n, wd = len(r.X_train), model.config.weight_decay
        delta = _change_gradient(model, r.X_old, r.y_old, r.X_old[:0], r.y_old[:0])
        theta0, g0 = model.parameters_vector().double(), gradient_sum(model, r.X_train, r.y_train)
        current = model.copy()
        for step in range(steps):
            theta = current.parameters_vector().double()
            G = delta if step == 0 else gradient_sum(current, r.X_train, r.y_train) - g0 + n * wd * (theta - theta0) + delta
            hvp = objective_hvp(current, r.X_train, r.y_train, hessian="gauss_newton")
            solution, _ = _conjugate_gradient(lambda v, hvp=hvp: hvp(v) + damping * v, G, 50, 1e-2)
            if solution is None:
                break
            current.set_parameters_vector(theta - solution / n)
        return current
    return update


def fine_tune(epochs: int) -> Callable[[TrainedModel, Rows], TrainedModel]:
    """Adam (fresh state, the config's learning rate and batch size) on the training rows after the erasure."""
    def update(model: TrainedModel, r: Rows) -> TrainedModel:
        tuned, config = model.copy(), model.config
        optimiser = torch.optim.Adam(tuned.module.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        generator = torch.Generator().manual_seed(config.seed)
        X, y, n = _to_tensor(r.X_train), _to_tensor(r.y_train), len(r.X_train)
        batch = n if config.batch_size is None else min(config.batch_size, n)
        tuned.module.train()
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, batch):
                idx = order[start : start + batch]
                optimiser.zero_grad(set_to_none=True)
                _weighted_bce(tuned.module(X[idx]), y[idx], model.pos_weight, "mean").backward()
                optimiser.step()
        tuned.module.eval()
        return tuned
    return update


def last_layer(model: TrainedModel, r: Rows) -> TrainedModel:
    """The output layer refitted from scratch on the training rows after the erasure (a convex problem on the
    fixed hidden features, solved by Newton's method); the hidden layers keep what they learnt."""
    refit = model.copy()
    body, head = refit.module.layers[:-1], refit.module.layers[-1]
    with torch.no_grad():
        H = body(_to_tensor(r.X_train)).double()
    A = torch.cat([H, torch.ones(len(H), 1, dtype=torch.float64)], 1)
    y = torch.as_tensor(r.y_train, dtype=torch.float64)
    weight = model.pos_weight * y + (1 - y)
    wd, w = model.config.weight_decay, torch.zeros(A.shape[1], dtype=torch.float64)
    for _ in range(50):
        p = torch.sigmoid(A @ w)
        gradient = A.T @ (p * weight - model.pos_weight * y) / len(A) + wd * w
        hessian = A.T @ (A * (p * (1 - p) * weight)[:, None]) / len(A) + wd * torch.eye(A.shape[1], dtype=torch.float64)
        step = torch.linalg.solve(hessian, gradient)
        w -= step
        if float(step.norm()) < 1e-9:
            break
    with torch.no_grad():
        head.weight.copy_(w[:-1].float()[None, :])
        head.bias.copy_(w[-1:].float())
    return refit


def retrained_other_seed(model: TrainedModel, r: Rows) -> TrainedModel:
    """Not an update: a retrain with another initialisation seed, to show how much the signal of a model
    that never saw the rows varies by chance (the noise floor of the gap closed)."""
    config = model.config
    return train(r.X_train, r.y_train, ModelConfig(**{**config.to_dict(), "seed": config.seed + 1}))


CANDIDATES: dict[str, Callable[[TrainedModel, Rows], TrainedModel]] = {
    "second order, damping 0.1 (former default)": second_order_with(0.1),
    "second order, damping 0.005": second_order_with(0.005),
    "3 damped Newton steps (damping 0.01)": newton_steps(3, 0.01),
    "fine-tune 1 epoch": fine_tune(1),
    "fine-tune 5 epochs": fine_tune(5),
    "last layer refitted": last_layer,
    "retrained, another seed (noise)": retrained_other_seed,
}


def quality(args: argparse.Namespace) -> None:
    spec = SPECS[args.pipeline]
    closed: dict[tuple[int, str], list[float]] = {}
    spent: dict[tuple[int, str], list[float]] = {}
    for n_mails in args.mails:
        for seed in args.seeds:
            customers, mails = generate(n_mails, seed)
            state = materialize(spec, {"customers": customers, "mails": mails})
            request = erasure(state, args.customers, seed)
            with torch_threads(1):
                models, n_rows = unlearning_quality(state, request, PRODUCT)
                r = rows_of(state, request)
                probe = state.copy()
                report = apply_deletion(probe, request)
                signal = {name: m.membership for name, m in models.items()}
                rows = [(name, m.membership, m.gap, m.accuracy, m.seconds) for name, m in models.items()]
                # the same model as unlearning_quality's "retrained" (one thread, same seed), for predictions
                retrained_p = train(r.X_train, r.y_train, state.model.config).predict_proba(r.X_old)
                for name, update in CANDIDATES.items():
                    started = time.perf_counter()
                    updated = update(state.model, r)
                    seconds = time.perf_counter() - started
                    gap = float(np.abs(updated.predict_proba(r.X_old) - retrained_p).mean())
                    accuracy = float(((updated.predict_proba(r.X_test) >= 0.5) == r.y_test).mean())
                    rows.append((name, membership_signal(updated, r.X_old, r.y_old, r.X_test, r.y_test), gap, accuracy, seconds))
            print(f"\n{args.pipeline}, {n_mails} mails, seed {seed}: erase {args.customers} customers ({n_rows} training "
                  f"rows of {len(r.X_train) + n_rows}); auto ran {report.model['method']!r} "
                  f"(cost {report.model['retrain_cost']:.2g} of budget {report.model['retrain_budget']:.2g}), "
                  f"signal in its report {report.model['membership_before']:.3f} -> {report.model['membership_after']:.3f}")
            print(f"  {'model':<44} {'signal':>7} {'gap closed':>10} {'|p - p_retr|':>12} {'test acc':>8} {'ms':>8}")
            for name, value, gap, accuracy, seconds in rows:
                share = gap_closed(signal["original"], value, signal["retrained"])
                shown = "" if name in ("original", "retrained") else f"{100 * share:.0f}%"
                print(f"  {name:<44} {value:>7.3f} {shown:>10} {gap:>12.4f} {accuracy:>8.3f} {1000 * seconds:>8.1f}")
                closed.setdefault((n_mails, name), []).append(share)
                spent.setdefault((n_mails, name), []).append(seconds)
    print("\nmedian over seeds: gap closed (ms)")
    for n_mails in args.mails:
        print(f"  {n_mails} mails:")
        for (size, name), shares in closed.items():
            if size == n_mails and name not in ("original", "retrained"):
                ms = 1000 * float(np.median(spent[size, name]))
                print(
                    f"    {name:<44} {100 * float(np.median(shares)):>6.0f}%  ({ms:.1f} ms)"
                    f"  per seed: {', '.join(f'{100 * s:.0f}%' for s in shares)}"
                )


def timing(args: argparse.Namespace) -> None:
    print("Model stage of apply_deletion (ms), word-count example, 12 customers erased, seed 0")
    print(f"  {'mails':>8} {'train rows':>10} {'X width':>7} {'auto ran':>12} {'retrain cost':>12} "
          + " ".join(f"{m:>13}" for m in PRODUCT))
    for n_mails in args.mails:
        customers, mails = generate(n_mails, 0)
        state = materialize(WORD_COUNT_PIPELINE, {"customers": customers, "mails": mails})
        request = erasure(state, 12, 0)
        times, chosen = [], ""
        for method in PRODUCT:
            copy = state.copy()
            report = apply_deletion(copy, request, unlearning=method)
            times.append(report.seconds["model"])
            chosen = report.model["method"] if method == "auto" else chosen
        n_train = int((~copy.is_test).sum())
        print(f"  {n_mails:>8,} {n_train:>10,} {state.X.shape[1]:>7} {chosen:>12} "
              f"{retrain_cost(state.model.config, state.X.shape[1], n_train):>12.2g} "
              + " ".join(f"{1000 * t:>13.1f}" for t in times))

    print("\nUpdate functions on synthetic X of width 772 (the MiniLM example's), default ModelConfig, 40 rows erased (ms)")
    config = ModelConfig()
    print(f"  {'train rows':>10} {'auto picks':>12} {'first order':>11} {'second order':>12} {'signal x2':>10} "
          f"{'retrain':>12} {'retrain cost':>12}")
    rng = np.random.default_rng(0)
    for n_rows in args.rows:
        X = rng.normal(scale=0.05, size=(n_rows, 772))
        y = (X[:, :8].sum(axis=1) + rng.normal(scale=0.1, size=n_rows) > 0.1).astype(np.int64)
        gone, keep = np.arange(40), np.arange(40, n_rows)
        with torch_threads(1):
            # the model to update: trained for `epochs_measured` epochs, which also measures retraining
            epochs = config.epochs if n_rows <= args.full_retrain_rows else 3
            started = time.perf_counter()
            model = train(X, y, ModelConfig(epochs=epochs))
            trained = time.perf_counter() - started
            model = TrainedModel(model.module, config, model.input_dim, model.pos_weight, model.n_train, model.curvature)
            first = first_order_update(model, X[gone], y[gone], X[:0], y[:0]).seconds
            sample = keep[np.sort(np.random.default_rng(0).choice(len(keep), size=min(1000, len(keep)), replace=False))]
            second = second_order_update(model, X[gone], y[gone], X[:0], y[:0], X[sample], y[sample],
                                         train_rows=len(keep)).seconds
            held = rng.choice(n_rows, size=2000, replace=False)
            started = time.perf_counter()
            membership_signal(model, X[gone], y[gone], X[held], y[held])
            membership = time.perf_counter() - started
            if epochs == config.epochs:
                retrain = f"{1000 * retrain_update(model, X[keep], y[keep]).seconds:,.0f}"
            else:
                retrain = f"~{1000 * trained * config.epochs / epochs:,.0f} *"
        print(f"  {n_rows:>10,} {choose_unlearning(model, len(keep)):>12} {1000 * first:>11.1f} {1000 * second:>12.1f} "
              f"{2000 * membership:>10.1f} {retrain:>12} {retrain_cost(config, 772, len(keep)):>12.2g}")
    print("  * 3 epochs measured, scaled to 60 (this overstates the curvature estimate's share, a fixed cost)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality", help="membership signal and gap closed per method and seed")
    q.add_argument("--pipeline", choices=sorted(SPECS), default="minilm")
    q.add_argument("--mails", type=int, nargs="+", default=[2000])
    q.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    q.add_argument("--customers", type=int, default=12, help="customers erased")
    t = sub.add_parser("timing", help="time per method at larger sizes")
    t.add_argument("--mails", type=int, nargs="+", default=[10_000, 100_000])
    t.add_argument("--rows", type=int, nargs="+", default=[40_000, 300_000])
    t.add_argument("--full-retrain-rows", type=int, default=50_000,
                   help="largest synthetic training set retrained for all 60 epochs (larger: 3, scaled)")
    args = parser.parse_args()
    quality(args) if args.command == "quality" else timing(args)


if __name__ == "__main__":
    main()
