"""The pipeline's PyTorch classifier: training, evaluation, safe save/load, and unlearning updates that
move it toward a retrained model when training rows are erased or redacted. No Dagster or pandas here."""

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
    torch_threads,
    train,
)
from lester_dagster.model.unlearning import (
    UnlearningResult,
    first_order_update,
    gradient_sum,
    second_order_update,
)

__all__ = [
    "MLP",
    "ModelConfig",
    "TrainedModel",
    "UnlearningResult",
    "estimate_curvature",
    "evaluate",
    "first_order_update",
    "gradient_sum",
    "load",
    "objective_hvp",
    "save",
    "scores",
    "second_order_update",
    "torch_threads",
    "train",
]
