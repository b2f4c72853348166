"""How good is unlearning? Applies a request with each unlearning method to copies of a pipeline,
retrains from scratch on the changed data, and compares the models on the rows the request changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lester_dagster.ivm.apply import Unlearning, apply_deletion
from lester_dagster.ivm.requests import DeletionRequest
from lester_dagster.model import TrainedModel, evaluate, train
from lester_dagster.pipeline import MaterializedPipeline


@dataclass(frozen=True)
class ModelComparison:
    """One model measured against the retrained one."""

    gap: float  # mean |p - p_retrained| on the changed training rows, in their old version
    loss: float  # mean loss on those rows
    accuracy: float  # on the held-out rows after the change
    auc: float


def unlearning_quality(
    state: MaterializedPipeline,
    request: DeletionRequest,
    methods: Sequence[Unlearning] = ("first_order", "second_order"),
) -> tuple[dict[str, ModelComparison], int]:
    """The original model, each unlearned one and a model retrained without the data, compared on the
    training rows the request removes or changes; also returns how many rows those are. `state` is
    left as it was."""
    data = state.sources[request.source]
    ids = data.ids_for(request.keys)
    changed = np.flatnonzero(state.prepared.provenance.depends_on(request.source, ids) & ~state.is_test)
    old_X, old_y = state.X[changed], state.y[changed]
    models: dict[str, TrainedModel] = {"original": state.model}
    after = state
    for method in methods:
        after = state.copy()
        apply_deletion(after, request, unlearning=method)
        models[method] = after.model
    train_rows = ~after.is_test
    models["retrained"] = train(after.X[train_rows], after.y[train_rows], state.spec.model)
    reference = models["retrained"].predict_proba(old_X)
    out = {}
    for name, model in models.items():
        metrics = evaluate(model, after.X[after.is_test], after.y[after.is_test])
        out[name] = ModelComparison(
            gap=float(np.abs(model.predict_proba(old_X) - reference).mean()) if len(changed) else 0.0,
            loss=model.loss(old_X, old_y) if len(changed) else float("nan"),
            accuracy=metrics["accuracy"],
            auc=metrics["roc_auc"],
        )
    return out, len(changed)
