"""The pipeline's PyTorch classifier: training, evaluation, safe save/load, and unlearning updates that
make it the model retraining would give (exactly, or approximately with a stated guarantee) when training
rows are erased or redacted, with the membership signal that measures how much of them it still reveals.
No Dagster or pandas here."""

from lester_dagster.model.membership import MEMBERSHIP_HELDOUT_ROWS, gap_closed, membership_signal
from lester_dagster.model.mlp import (
    MLP,
    ModelConfig,
    TrainedModel,
    estimate_curvature,
    evaluate,
    load,
    objective_hvp,
    save,
    scores,
    subsample_rows,
    torch_threads,
    train,
)
from lester_dagster.model.unlearning import (
    CURVATURE_ROWS,
    EXACT_RETRAIN,
    RETRAIN_BUDGET,
    UnlearningResult,
    choose_unlearning,
    first_order_update,
    gradient_sum,
    retrain_cost,
    retrain_update,
    second_order_update,
)

__all__ = [
    "CURVATURE_ROWS",
    "EXACT_RETRAIN",
    "MEMBERSHIP_HELDOUT_ROWS",
    "MLP",
    "ModelConfig",
    "RETRAIN_BUDGET",
    "TrainedModel",
    "UnlearningResult",
    "choose_unlearning",
    "estimate_curvature",
    "evaluate",
    "first_order_update",
    "gap_closed",
    "gradient_sum",
    "load",
    "membership_signal",
    "objective_hvp",
    "retrain_cost",
    "retrain_update",
    "save",
    "scores",
    "second_order_update",
    "subsample_rows",
    "torch_threads",
    "train",
]
