"""Train the learned ranker on self-generated cases over the development tables only.

    .venv/bin/python benchmarks/synthesis/train_ranker.py [--cases 400] [--workers 2] [--seed 0]
        [--data benchmarks/out/ranker_data.jsonl] [--reuse] [--out lester_dagster/synthesis/models/ranker.json]

1. Random pipelines of 1 to 10 steps over parts.training_pool() (generate.py), split as the suite splits.
2. The search runs on each (hand-set joint-probability ranking); every complete candidate it scores is
   recorded with its features (ranker.FEATURES) and labelled by running it on the held-out half.
3. A pairwise logistic regression (RankNet with a linear scorer) learns to put right candidates above
   wrong ones of the same case; cases drawn from a fifth of the source tables are held out to compare
   it with the hand-set ranking (MRR over the recorded candidates), and the model is written as JSON.

No evaluation case of either part is read: the pool holds development tables only, and no table with a
test table's schema (parts.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.synthesis.generate import random_case  # noqa: E402
from benchmarks.synthesis.parts import training_pool  # noqa: E402
from lester_dagster.synthesis.evaluate import frames_match  # noqa: E402
from lester_dagster.synthesis.ranker import FEATURES, MODEL_FILE, LinearRanker, feature_vector  # noqa: E402
from lester_dagster.synthesis.search import Candidate, JointProbabilityRanker, SearchConfig, synthesize  # noqa: E402

DEFAULT_DATA = ROOT / "benchmarks" / "out" / "ranker_data.jsonl"
MAX_PAIRS = 300  # (right, wrong) pairs per case


class RecordingRanker:
    """The hand-set ranking, remembering every candidate it is asked to score."""

    def __init__(self) -> None:
        self.inner = JointProbabilityRanker()
        self.seen: dict[str, tuple[Candidate, list[float]]] = {}

    def score(self, candidate: Candidate) -> float:
        key = candidate.spec.to_json(indent=None)
        if key not in self.seen:
            self.seen[key] = (candidate, feature_vector(candidate))
        return self.inner.score(candidate)


def _job(job: tuple[str, int, int]) -> list[dict] | None:
    source, seed, length = job
    import warnings

    warnings.simplefilter("ignore")
    try:
        case = random_case(source, seed, length)
    except Exception:  # noqa: BLE001 - a draw that does not fit its table is skipped
        return None
    if case is None:
        return None
    recorder = RecordingRanker()
    started = time.perf_counter()
    try:
        synthesize(case.training, case.target, SearchConfig(top_k=10, time_limit=10), recorder)
    except Exception:  # noqa: BLE001 - a case the search cannot do still teaches nothing here
        return [{"case": case.name, "source": source, "length": len(case.spec.steps), "seconds":
                 time.perf_counter() - started, "label": None}]
    rows = []
    for candidate, values in recorder.seen.values():
        try:
            right = frames_match(candidate.spec.run_pandas(case.test), case.target)
        except Exception:  # noqa: BLE001 - a candidate that fails on the other half is wrong there
            right = False
        rows.append({"case": case.name, "source": source, "length": len(case.spec.steps), "label": int(right),
                     "features": values})
    return rows


def generate(count: int, seed: int, workers: int, path: Path) -> None:
    pool = training_pool()
    rng = np.random.default_rng(seed)
    jobs = [(pool[int(rng.integers(len(pool)))], seed + i, int(rng.integers(1, 11))) for i in range(count)]
    path.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    with path.open("w", encoding="utf-8") as out:
        if workers > 1:
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(workers) as processes:
                results = processes.imap_unordered(_job, jobs)
                for rows in results:
                    done += 1
                    for row in rows or []:
                        out.write(json.dumps(row) + "\n")
                    if done % 20 == 0:
                        print(f"{done}/{count} cases", flush=True)
        else:
            for job in jobs:
                for row in _job(job) or []:
                    out.write(json.dumps(row) + "\n")
                done += 1
                if done % 20 == 0:
                    print(f"{done}/{count} cases", flush=True)


def _cases(rows: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("label") is not None:
            found.setdefault(row["case"], []).append(row)
    return found


def _mrr(cases: dict[str, list[dict]], score) -> tuple[float, float]:
    """(MRR, share of cases with a right candidate first) when candidates are ranked by `score`, verified
    first as the search ranks them."""
    verified = FEATURES.index("verified")
    total, first = 0.0, 0
    for rows in cases.values():
        ordered = sorted(rows, key=lambda r: (-r["features"][verified], -score(r["features"])))
        rank = next((i for i, r in enumerate(ordered[:10], start=1) if r["label"]), 0)
        total += 1.0 / rank if rank else 0.0
        first += rank == 1
    return total / max(1, len(cases)), first / max(1, len(cases))


def _pairs(rows: list[dict], scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right - wrong) feature differences of candidates of the same case, scaled, and the difference of
    their joint scores (the offset the model corrects)."""
    joint = FEATURES.index("joint_score")
    differences, offsets, rng = [], [], np.random.default_rng(0)
    for case_rows in _cases(rows).values():
        right = [np.array(r["features"]) for r in case_rows if r["label"]]
        wrong = [np.array(r["features"]) for r in case_rows if not r["label"]]
        combos = [(a, b) for a in right for b in wrong]
        if len(combos) > MAX_PAIRS:
            combos = [combos[i] for i in rng.choice(len(combos), MAX_PAIRS, replace=False)]
        for a, b in combos:
            differences.append((a - b) / scale)
            offsets.append(a[joint] - b[joint])
    return np.array(differences).reshape(-1, len(FEATURES)), np.array(offsets)


def train(rows: list[dict], l2: float = 1.0) -> LinearRanker:
    """Pairwise logistic loss of joint score + w . features, with an L2 penalty on w: with no evidence
    against it, the model stays the hand-set ranking (w = 0 scores like the joint probability)."""
    from scipy.optimize import minimize

    matrix = np.array([r["features"] for r in rows if r.get("label") is not None], dtype=float).reshape(-1, len(FEATURES))
    if not len(matrix):
        raise SystemExit("no labelled candidates to train on: generate more cases (--cases)")
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale == 0] = 1.0
    x, offset = _pairs(rows, scale)
    joint = FEATURES.index("joint_score")

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = offset + x @ w
        value = float(np.sum(np.logaddexp(0.0, -margin))) + l2 * float(w @ w)
        gradient = -(x.T @ (1.0 / (1.0 + np.exp(margin)))) + 2 * l2 * w
        return value, gradient

    w = minimize(loss, np.zeros(len(FEATURES)), jac=True, method="L-BFGS-B").x if len(x) else np.zeros(len(FEATURES))
    # the joint score enters unscaled with weight 1; the model's own weight on it adds to that
    weights = w.copy()
    weights[joint] += scale[joint]
    return LinearRanker(FEATURES, tuple(mean.tolist()), tuple(scale.tolist()), tuple(weights.tolist()),
                        {"pairs": int(len(x)), "l2": l2})


def _folds(rows: list[dict], k: int = 5) -> list[tuple[list[dict], dict[str, list[dict]]]]:
    """k folds by source table: no table is in a fold's training and held-out rows both."""
    folds = []
    for fold in range(k):
        held = [r for r in rows if zlib.crc32(r["source"].encode()) % k == fold]
        kept = [r for r in rows if zlib.crc32(r["source"].encode()) % k != fold]
        folds.append((kept, _cases(held)))
    return folds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reuse", action="store_true", help="train on --data as it is, without generating")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if not args.reuse:
        generate(args.cases, args.seed, args.workers, args.data)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = _cases(rows)
    solvable = {k: v for k, v in cases.items() if any(r["label"] for r in v)}
    print(f"{len({r['case'] for r in rows})} generated cases, {len(cases)} searched to candidates, "
          f"{len(solvable)} with a right candidate; {len(rows)} candidates")
    joint = FEATURES.index("joint_score")
    folds = _folds(rows)
    hand = np.mean([_mrr(held, lambda f: f[joint])[0] for _, held in folds])
    best_l2, best = None, hand
    for l2 in (300.0, 100.0, 30.0, 10.0, 3.0):
        learned = np.mean([_mrr(held, train(kept, l2).score_values)[0] for kept, held in folds])
        print(f"L2={l2:g}: cross-validated MRR {learned:.3f} (hand-set {hand:.3f})")
        if learned > best:
            best_l2, best = l2, learned
    if best_l2 is None:
        print("the learned ranker does not beat the hand-set ranking across folds: no model written")
        return 1
    final = train(rows, best_l2)
    meta = {**final.meta, "cases": len(cases), "candidates": len(rows), "solvable_cases": len(solvable),
            "cv_folds": len(folds), "cv_mrr_hand_set": round(float(hand), 4), "cv_mrr_learned": round(float(best), 4),
            "trained_on": "self-generated pipelines over parts.training_pool() (development tables only)"}
    final = LinearRanker(final.features, final.mean, final.scale, final.weights, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(final.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    for name, weight in sorted(zip(FEATURES, final.weights, strict=True), key=lambda x: -abs(x[1]))[:10]:
        print(f"  {name:<24} {weight:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
