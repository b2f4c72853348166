"""LLM-assisted rewrite of messy pipeline scripts into declarative PipelineSpecs, verified by running the
original and the rewrite side by side, in an operating-system sandbox, on every row of the data or a
covering sample (`lester-dagster rewrite`); a verified module is loaded with `load_verified`.

    from lester_dagster.rewrite import LLMConfig, OpenAIChat, RewriteOptions, load_verified, rewrite
    report = rewrite("messy.py", RewriteOptions(data=Path("data")), OpenAIChat(LLMConfig.resolve()))
    PIPELINE = load_verified("messy_declarative.py").PIPELINE

Nothing heavy is imported here: the sandbox's child process imports this package before it limits its
own memory, so the names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "rewrite": "loop", "start": "loop", "run_rounds": "loop", "RewriteOptions": "loop",
    "RewriteReport": "report", "LLMConfig": "llm", "OpenAIChat": "llm", "Completion": "llm",
    "Limits": "sandbox", "SandboxUnavailable": "sandbox", "Tolerance": "compare", "load_verified": "deploy",
    "UnverifiedModule": "deploy",
}
__all__ = ["Completion", "LLMConfig", "Limits", "OpenAIChat", "RewriteOptions", "RewriteReport", "SandboxUnavailable",
           "Tolerance", "UnverifiedModule", "load_verified", "rewrite", "run_rounds", "start"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


if TYPE_CHECKING:  # the names above, for the type checker (they are re-exported)
    from lester_dagster.rewrite.compare import Tolerance
    from lester_dagster.rewrite.deploy import UnverifiedModule, load_verified
    from lester_dagster.rewrite.llm import Completion, LLMConfig, OpenAIChat
    from lester_dagster.rewrite.loop import RewriteOptions, rewrite, run_rounds, start
    from lester_dagster.rewrite.report import RewriteReport
    from lester_dagster.rewrite.sandbox import Limits, SandboxUnavailable
