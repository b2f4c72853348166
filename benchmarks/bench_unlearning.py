"""How close does unlearning get to retraining? Erase some customers from the running example (or
redact the subjects of those who leaked card numbers), update the model by first-order and second-order
unlearning, retrain from scratch on the changed data, and compare on the affected rows and the test set.

    .venv/bin/python benchmarks/bench_unlearning.py [--mails 3000] [--seeds 0 1 2]

The encoder here is the example's with word counts in place of MiniLM (same provenance, seconds
instead of minutes); the model is trained full-batch so retraining is deterministic.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lester_dagster.datasets.running_example import generate  # noqa: E402
from example_project.declarative_pipeline import WORD_COUNT_PIPELINE  # noqa: E402
from lester_dagster.ivm import DeletionRequest  # noqa: E402
from lester_dagster.ivm.evaluation import unlearning_quality  # noqa: E402
from lester_dagster.model import ModelConfig  # noqa: E402
from lester_dagster.pipeline import materialize  # noqa: E402

SPEC = replace(WORD_COUNT_PIPELINE, model=ModelConfig(hidden=(16,), epochs=300, lr=1e-2, batch_size=None, weight_decay=1e-3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--customers", type=int, default=15, help="customers erased")
    args = parser.parse_args()
    for seed in args.seeds:
        customers, mails = generate(args.mails, seed)
        state = materialize(SPEC, {"customers": customers, "mails": mails})
        ids = list(dict.fromkeys(state.prepared.provenance["customers"].ids[~state.is_test].tolist()))
        chosen = np.random.default_rng(seed).choice(ids, size=args.customers, replace=False)
        request = DeletionRequest("customers", tuple(int(c) for c in chosen), "erase")
        models, rows = unlearning_quality(state, request)
        print(f"\nseed {seed}: erase {args.customers} customers ({rows} training rows)")
        print(f"  {'model':<13} {'mean |p - p_retrained|':>23} {'loss on erased rows':>20} {'test acc':>9} {'test AUC':>9}")
        for name, m in models.items():
            print(f"  {name:<13} {m.gap:>23.4f} {m.loss:>20.4f} {m.accuracy:>9.3f} {m.auc:>9.3f}")


if __name__ == "__main__":
    main()
