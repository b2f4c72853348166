"""The pipeline's PyTorch classifier: training, evaluation, safe save/load, and unlearning updates that
make it the model retraining would give (exactly, or approximately with a stated guarantee) when training
rows are erased or redacted, with the membership signal that measures how much of them it still reveals.
No Dagster or pandas here. Names load on first use: declaring a pipeline's ModelConfig does not import
torch (the `ml` extra), only training, loading or updating a model does."""

from typing import TYPE_CHECKING

from lester_dagster._lazy import exports

_EXPORTS = {
    **dict.fromkeys(["MEMBERSHIP_HELDOUT_ROWS", "gap_closed", "membership_signal"], "lester_dagster.model.membership"),
    "ModelConfig": "lester_dagster.model.config",
    **dict.fromkeys(["CURVATURE_ROWS", "curvature_sample", "subsample_rows"], "lester_dagster.model.sampling"),
    **dict.fromkeys(
        [
            "MLP",
            "TrainedModel",
            "estimate_curvature",
            "evaluate",
            "load",
            "objective_hvp",
            "save",
            "scores",
            "torch_threads",
            "train",
        ],
        "lester_dagster.model.mlp",
    ),
    **dict.fromkeys(
        [
            "EXACT_RETRAIN",
            "RETRAIN_BUDGET",
            "UnlearningResult",
            "choose_unlearning",
            "first_order_update",
            "gradient_sum",
            "retrain_cost",
            "retrain_update",
            "second_order_update",
        ],
        "lester_dagster.model.unlearning",
    ),
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports("lester_dagster.model", _EXPORTS)

if TYPE_CHECKING:  # the names above, for the type checker (they are re-exported)
    from lester_dagster.model.config import ModelConfig
    from lester_dagster.model.membership import MEMBERSHIP_HELDOUT_ROWS, gap_closed, membership_signal
    from lester_dagster.model.mlp import (
        MLP,
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
    from lester_dagster.model.sampling import CURVATURE_ROWS, curvature_sample, subsample_rows
    from lester_dagster.model.unlearning import (
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
