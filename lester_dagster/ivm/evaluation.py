"""How good is unlearning? Applies a request with each unlearning method to copies of a pipeline,
retrains from scratch on the changed data, and compares the models on the rows the request changed:
their predictions, and the membership signal (their loss over held-out loss) that shows whether a model
still reveals them."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lester_dagster.ivm.apply import Unlearning, apply_deletion
from lester_dagster.ivm.requests import DeletionRequest
from lester_dagster.model import (
    EXACT_RETRAIN,
    TrainedModel,
    evaluate,
    gap_closed,
    membership_signal,
    torch_threads,
    train,
)
from lester_dagster.pipeline import MaterializedPipeline

__all__ = ["ModelComparison", "unlearning_quality"]


@dataclass(frozen=True)
class ModelComparison:
    """One model measured against the retrained one."""

    gap: float  # mean |p - p_retrained| on the changed training rows, in their old version
    loss: float  # mean loss on those rows
    accuracy: float  # on the held-out rows after the change
    auc: float
    membership: float  # loss on the changed rows / loss on the held-out rows (see membership_signal)
    gap_closed: float  # share of the membership gap from the original to the retrained model closed
    seconds: float  # the model stage of apply_deletion; for "retrained", training from scratch
    guarantee: str  # what the method promises; "" for the original model


def unlearning_quality(
    state: MaterializedPipeline,
    request: DeletionRequest,
    methods: Sequence[Unlearning] = ("first_order", "second_order"),
) -> tuple[dict[str, ModelComparison], int]:
    """The original model, each unlearned one and a model retrained without the data, compared on the
    training rows the request removes or changes; also returns how many rows those are. `state` is
    left as it was.

    The retrained model is trained with one torch thread, as apply_deletion trains, so that an exact
    retrain ("retrain", or "auto" within its budget) equals it bit for bit.
    """
    data = state.sources[request.source]
    ids = data.ids_for(request.keys)
    changed = np.flatnonzero(state.prepared.provenance.depends_on(request.source, ids) & ~state.is_test)
    old_X, old_y = state.X[changed], state.y[changed]
    models: dict[str, TrainedModel] = {"original": state.model}
    seconds: dict[str, float] = {"original": 0.0}
    guarantees: dict[str, str] = {"original": ""}
    after = state
    for method in methods:
        after = state.copy()
        report = apply_deletion(after, request, unlearning=method)
        models[method] = after.model
        seconds[method] = report.seconds.get("model", math.nan)
        guarantees[method] = report.model.get("guarantee", "")
    if not methods:
        after = state.copy()
        apply_deletion(after, request, unlearning="first_order")
    train_rows = ~after.is_test
    with torch_threads(1):
        started = time.perf_counter()
        models["retrained"] = train(after.X[train_rows], after.y[train_rows], state.spec.model)
        seconds["retrained"] = time.perf_counter() - started
    guarantees["retrained"] = EXACT_RETRAIN
    test_X, test_y = after.X[after.is_test], after.y[after.is_test]
    reference = models["retrained"].predict_proba(old_X)

    def signal(model: TrainedModel) -> float:
        return membership_signal(model, old_X, old_y, test_X, test_y) if len(changed) and len(test_X) else math.nan

    original_signal, retrained_signal = signal(state.model), signal(models["retrained"])
    out = {}
    for name, model in models.items():
        metrics = evaluate(model, test_X, test_y)
        membership = signal(model)
        out[name] = ModelComparison(
            gap=float(np.abs(model.predict_proba(old_X) - reference).mean()) if len(changed) else 0.0,
            loss=model.loss(old_X, old_y) if len(changed) else float("nan"),
            accuracy=metrics["accuracy"],
            auc=metrics["roc_auc"],
            membership=membership,
            gap_closed=gap_closed(original_signal, membership, retrained_signal),
            seconds=seconds[name],
            guarantee=guarantees[name],
        )
    return out, len(changed)
