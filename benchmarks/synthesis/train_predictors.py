"""Train the learned parameter predictors on self-generated pipelines over the training pool only.

    .venv/bin/python benchmarks/synthesis/train_predictors.py collect [--cases 4000] [--workers 2] [--seed 0]
        [--data benchmarks/out/predictor_data.jsonl]        # resumes: cases already in --data are skipped
    .venv/bin/python benchmarks/synthesis/train_predictors.py train [--kind aggregate|groupkey] [--trees] [--data ...] [--write]

Every step of a random pipeline (generate.py) is a labelled example of its operator's parameters: the
steps before it, run on the synthesis half, give the table it reads; the pipeline up to it, run on the
held-out half, gives a target. The predictor is asked for its candidates on that table and target as
the search asks it, and the candidate the pipeline used is the right one. So a pipeline of k steps gives
k examples, far more than the one ranking question it gives the ranker.

Predictors trained here:

* `aggregate` - which (column, function) made each aggregated target column of a group-by
  (aggregate_features.py); one example per aggregated column, its candidates are every aggregate of the
  table's columns.

* `groupkey` - which columns a group-by groups by (groupkey_features.py); one example per group-by step,
  its candidates are the groupings `predict.grouping_pool` scores on the table the step reads, asked
  with the pipeline's final target (all the search knows), not the step's own output.

`train` fits a logistic regression per predictor (L2, the hand-set score among its features), compares
it with the hand-set rule by 5-fold cross-validation over source tables (a fold's tables are in no
training fold), and with `--write` ships it as JSON in lester_dagster/synthesis/models/ only if the
right candidate is more often among those the search keeps (the best aggregate per target column; the
best three groupings) than with the hand-set rule in the folds. No evaluation case of either part of
the suite is read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lester_dagster.synthesis import aggregate_features, groupkey_features  # noqa: E402
from lester_dagster.synthesis.logistic import MODELS, BoostedModel, LogisticModel, Tree  # noqa: E402

DEFAULT_DATA = ROOT / "benchmarks" / "out" / "predictor_data.jsonl"
FOLDS = 5
MAX_CANDIDATES = 60  # candidates per example kept for training (the best by hand-set score, and the right ones)


# ---- collecting examples --------------------------------------------------------------------------------


def _examples(job: tuple[str, int, int]) -> dict:
    """The labelled examples of one generated pipeline (a record with none when it does not fit)."""
    source, seed, length = job
    import warnings

    warnings.simplefilter("ignore")
    from benchmarks.synthesis.generate import random_case

    record: dict = {"job": list(job), "source": source, "examples": []}
    try:
        case = random_case(source, seed, length)
    except Exception as error:  # noqa: BLE001 - a draw that does not fit its table is skipped
        record["error"] = f"{type(error).__name__}: {error}"[:200]
        return record
    if case is None:
        return record
    record["case"] = case.name
    started = time.perf_counter()
    for number in range(len(case.spec.steps)):
        for examples in (_aggregate_examples, _groupkey_examples):
            try:
                record["examples"] += list(examples(case, number))
            except Exception as error:  # noqa: BLE001 - a step whose example cannot be built teaches nothing
                record.setdefault("errors", []).append(f"step {number}: {type(error).__name__}: {error}"[:200])
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


def _run(steps, frames):  # type: ignore[no-untyped-def]
    env = dict(frames)
    for step in steps:
        env[step.out] = step.run(env)
    return env


def _aggregate_examples(case, number: int) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    from lester_dagster.synthesis import operators as ops
    from lester_dagster.synthesis import predict
    from lester_dagster.synthesis.cases import normalise
    from lester_dagster.synthesis.constraints import discover
    from lester_dagster.synthesis.profile import Tab

    step = case.spec.steps[number]
    if not isinstance(step, ops.GroupBy):
        return
    before = _run(case.spec.steps[:number], case.training)
    target = normalise(_run(case.spec.steps[: number + 1], case.test)[step.out])
    if len(target) < 2:
        return
    target.columns = [str(c) for c in target.columns]
    ctx = predict.Context(target, discover(target), inputs=case.training)
    tab = Tab(before[step.table].reset_index(drop=True))
    by = list(step.by)
    grouped = tab.frame.groupby(by, sort=True, dropna=True)
    wanted = [name for name, _, _ in step.aggs]
    candidates = predict._aggregate_candidates(grouped, tab, by, wanted, ctx.profiles)
    if not candidates:
        return
    positions = predict._group_positions(grouped, tab, by, ctx)
    hand, features = predict.pair_scores(candidates, wanted, tab, grouped.ngroups, positions, ctx, ctx.profiles,
                                         True)
    for i, (name, column, func) in enumerate(step.aggs):
        try:
            right = predict._values_key(grouped[column].agg(func))
        except (TypeError, ValueError):
            continue
        labels = [int(a.key == right) for a in candidates]
        order = sorted(range(len(candidates)), key=lambda j: (-labels[j], -hand[i, j]))[:MAX_CANDIDATES]
        yield {"kind": "aggregate", "target": name, "func": func, "reachable": int(any(labels)),
               "labels": [labels[j] for j in order], "features": [features[i][j] for j in order]}


def _groupkey_examples(case, number: int) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    from lester_dagster.synthesis import operators as ops
    from lester_dagster.synthesis import predict
    from lester_dagster.synthesis.cases import normalise
    from lester_dagster.synthesis.constraints import discover
    from lester_dagster.synthesis.profile import Tab

    step = case.spec.steps[number]
    if not isinstance(step, ops.GroupBy):
        return
    before = _run(case.spec.steps[:number], case.training)
    # the search knows only the pipeline's final target, whatever steps follow the group-by
    target = normalise(case.target.reset_index(drop=True))
    if len(target) < 2:
        return
    target.columns = [str(c) for c in target.columns]
    ctx = predict.Context(target, discover(target), inputs=case.training)
    tab = Tab(before[step.table].reset_index(drop=True))
    pool = predict.grouping_pool(tab, ctx)
    if not pool:
        return
    right = set(step.by)
    labels = [int(set(by) == right) for by, _ in pool]
    yield {"kind": "groupkey", "by": list(step.by), "reachable": int(any(labels)), "labels": labels,
           "features": [features for _, features in pool]}


def collect(count: int, seed: int, workers: int, path: Path) -> None:
    from benchmarks.synthesis.parts import training_pool

    pool = training_pool()
    rng = np.random.default_rng(seed)
    jobs = [(pool[int(rng.integers(len(pool)))], seed + i, int(rng.integers(1, 11))) for i in range(count)]
    done = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                done.add(tuple(json.loads(line)["job"]))
    todo = [job for job in jobs if tuple(job) not in done]
    print(f"{len(jobs)} pipelines, {len(jobs) - len(todo)} already collected in {path}", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with path.open("a", encoding="utf-8") as out:
        for n, record in enumerate(_map(_examples, todo, workers), start=1):
            out.write(json.dumps(record) + "\n")
            out.flush()
            if n % 100 == 0:
                print(f"{n}/{len(todo)} pipelines, {time.perf_counter() - started:.0f} s", flush=True)


def _map(function, jobs, workers: int):  # type: ignore[no-untyped-def]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers, maxtasksperchild=50) as pool:
            yield from pool.imap_unordered(function, jobs, chunksize=4)
    else:
        yield from map(function, jobs)


# ---- training -------------------------------------------------------------------------------------------


def load(path: Path, kind: str) -> list[dict]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        for example in record.get("examples", []):
            if example["kind"] == kind and example["reachable"]:
                examples.append({**example, "source": record["source"]})
    return examples


def fit(examples: list[dict], names: tuple[str, ...], kind: str, l2: float) -> LogisticModel:
    """Logistic regression of right vs wrong candidates, each example weighted alike (its candidates share
    one unit of weight per label), with an L2 penalty."""
    from scipy.optimize import minimize

    x, y, w = _rows(examples)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = z @ theta[1:] + theta[0]
        signed = np.where(y > 0, margin, -margin)
        value = float(np.sum(w * np.logaddexp(0.0, -signed))) + l2 * float(theta[1:] @ theta[1:])
        p = 1.0 / (1.0 + np.exp(-margin))
        residual = w * (p - y)
        gradient = np.concatenate([[residual.sum()], z.T @ residual + 2 * l2 * theta[1:]])
        return value, gradient

    theta = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B").x
    return LogisticModel(kind, names, tuple(mean.tolist()), tuple(scale.tolist()), tuple(theta[1:].tolist()),
                         float(theta[0]), {"examples": len(examples), "l2": l2})


BOOSTING = {"n_estimators": 150, "max_depth": 3, "learning_rate": 0.1, "subsample": 0.8, "random_state": 0}


def _rows(examples: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates' features, labels and weights (an example's right and wrong candidates each share one
    unit), as `fit` weighs them."""
    rows, labels, weights = [], [], []
    for example in examples:
        right = sum(example["labels"])
        wrong = len(example["labels"]) - right
        for values, label in zip(example["features"], example["labels"], strict=True):
            rows.append(values)
            labels.append(label)
            weights.append(1.0 / right if label else 1.0 / max(wrong, 1))
    return np.asarray(rows, dtype=float), np.asarray(labels, dtype=float), np.asarray(weights, dtype=float)


def fit_trees(examples: list[dict], names: tuple[str, ...], kind: str) -> BoostedModel:
    """Gradient-boosted trees (scikit-learn, offline only) on the same weighted examples, exported as
    JSON trees; the export is checked against scikit-learn's own log-odds on every training row."""
    from sklearn.ensemble import GradientBoostingClassifier

    x, y, w = _rows(examples)
    boosted = GradientBoostingClassifier(**BOOSTING).fit(x, y, sample_weight=w)
    rate = float(boosted.learning_rate)
    trees = tuple(Tree(tuple(int(f) if f >= 0 else 0 for f in t.tree_.feature), tuple(map(float, t.tree_.threshold)),
                       tuple(map(int, t.tree_.children_left)), tuple(map(int, t.tree_.children_right)),
                       tuple(float(v) * rate for v in t.tree_.value[:, 0, 0]))
                  for t in boosted.estimators_[:, 0])
    raw = boosted.decision_function(x)
    bias = float(raw[0] - sum(tree.predict(x[0].astype(np.float32).astype(float).tolist()) for tree in trees))
    model = BoostedModel(kind, names, bias, trees, {"examples": len(examples), **BOOSTING})
    worst = max(abs(model.logit(row) - r) for row, r in zip(x[:: max(1, len(x) // 2000)], raw[:: max(1, len(x) // 2000)],
                                                              strict=True))
    if worst > 1e-6:
        raise SystemExit(f"exported trees differ from scikit-learn's by {worst:g}: not written")
    return model


def top1(examples: list[dict], score, k: int = 1) -> float:  # type: ignore[no-untyped-def]
    """Share of examples with a right one among their `k` best-scored candidates."""
    hits = 0
    for example in examples:
        scores = np.asarray([score(values) for values in example["features"]])
        best = np.argsort(-scores, kind="stable")[:k]
        hits += int(any(example["labels"][int(i)] for i in best))
    return hits / max(1, len(examples))


def fold_of(source: str) -> int:
    return zlib.crc32(source.encode()) % FOLDS


def cross_validate(examples: list[dict], names: tuple[str, ...], kind: str, l2: float | None, k: int = 1
                   ) -> tuple[float, float]:
    """(hand-set, learned) share of held-out examples with a right candidate among the `k` best, over
    folds of source tables."""
    hand_index = names.index("hand")
    top_index = names.index("hand_top") if "hand_top" in names else None

    def hand_set(values: list[float]) -> float:
        # the hand-set rule's own picks first (for group keys: its best three), then its score
        return values[hand_index] + (10.0 * values[top_index] if top_index is not None else 0.0)

    hand, learned, total = 0.0, 0.0, 0
    for fold in range(FOLDS):
        held = [e for e in examples if fold_of(e["source"]) == fold]
        kept = [e for e in examples if fold_of(e["source"]) != fold]
        if not held or not kept:
            continue
        model: LogisticModel | BoostedModel = fit(kept, names, kind, l2) if l2 is not None else fit_trees(kept, names, kind)
        hand += top1(held, hand_set, k) * len(held)
        learned += top1(held, model.logit, k) * len(held)
        total += len(held)
    return hand / max(1, total), learned / max(1, total)


def floor_for(model: LogisticModel | BoostedModel, examples: list[dict], keep: float = 0.97) -> float:
    """The probability below which a candidate is dropped: the right candidates of all but 3% of the
    examples stay above it."""
    right = sorted(model.probability(values) for e in examples
                   for values, label in zip(e["features"], e["labels"], strict=True) if label)
    return float(right[int((1.0 - keep) * len(right))]) if right else 0.0


KINDS = {"aggregate": (aggregate_features.FEATURES, 1), "groupkey": (groupkey_features.FEATURES, 3)}


def train(path: Path, write: bool, kind: str = "aggregate", trees: bool = False) -> int:
    """Fit the `kind` predictor; it wins when more held-out examples have the right candidate among
    the candidates the search keeps (the best one aggregate per target column, the best three groupings).
    With `trees`, gradient-boosted trees are fitted too and shipped if they beat the logistic model."""
    names, k = KINDS[kind]
    examples = load(path, kind)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    reachable = sum(1 for r in records for e in r.get("examples", []) if e["kind"] == kind)
    print(f"{len(records)} generated pipelines, {sum(1 for r in records if r.get('case'))} usable; "
          f"{reachable} {kind} examples, {len(examples)} with the right candidate among the candidates")
    best: tuple[float, float] | None = None
    hand_score = 0.0
    for l2 in (100.0, 30.0, 10.0, 3.0, 1.0):
        hand_score, learned = cross_validate(examples, names, kind, l2, k)
        print(f"  L2={l2:g}: top-{k} over held-out source tables: hand-set {hand_score:.3f}, learned {learned:.3f}")
        if learned > hand_score and (best is None or learned > best[1]):
            best = (l2, learned)
    if best is None:
        print(f"the learned {kind} predictor does not beat the hand-set score: none written")
        return 1
    model: LogisticModel | BoostedModel = fit(examples, names, kind, best[0])
    if trees:
        _, boosted = cross_validate(examples, names, kind, None, k)
        print(f"  gradient-boosted trees: top-{k} over held-out source tables {boosted:.3f}")
        if boosted > best[1]:
            best = (best[0], boosted)
            model = fit_trees(examples, names, kind)
    meta = {**model.meta, "floor": round(floor_for(model, examples), 4), "cv_folds": FOLDS,
            f"cv_top{k}_hand_set": round(hand_score, 4), f"cv_top{k}_learned": round(best[1], 4),
            "pipelines": len(records),
            "trained_on": "self-generated pipelines over parts.training_pool() (no test table)"}
    model = replace(model, meta=meta)
    if isinstance(model, LogisticModel):
        for name, weight in sorted(zip(names, model.weights, strict=True), key=lambda x: -abs(x[1]))[:12]:
            print(f"    {name:<22} {weight:+.3f}")
    print(f"  floor {meta['floor']}")
    if write:
        MODELS.mkdir(parents=True, exist_ok=True)
        out = MODELS / f"{kind}.json"
        out.write_text(model.to_json() + "\n", encoding="utf-8")
        print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("collect", "train"))
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--write", action="store_true", help="ship the model if it beats the hand-set score")
    parser.add_argument("--kind", choices=sorted(KINDS), default="aggregate", help="the predictor to train")
    parser.add_argument("--trees", action="store_true", help="fit gradient-boosted trees too; ship them if they win")
    args = parser.parse_args(argv)
    if args.command == "collect":
        collect(args.cases, args.seed, args.workers, args.data)
        return 0
    return train(args.data, args.write, args.kind, args.trees)


if __name__ == "__main__":
    raise SystemExit(main())
