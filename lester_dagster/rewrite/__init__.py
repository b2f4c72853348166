"""LLM-assisted rewrite of messy pipeline scripts into declarative PipelineSpecs, verified by running the
original and the rewrite side by side on sample data (`lester-dagster rewrite`).

    from lester_dagster.rewrite import LLMConfig, OpenAIChat, RewriteOptions, rewrite
    report = rewrite("messy.py", RewriteOptions(data=Path("data")), OpenAIChat(LLMConfig.resolve()))

Nothing heavy is imported here: the sandbox's child process imports this package before it limits its
own memory, so the names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "rewrite": "loop", "start": "loop", "run_rounds": "loop", "RewriteOptions": "loop",
    "RewriteReport": "report", "LLMConfig": "llm", "OpenAIChat": "llm", "Completion": "llm",
    "Limits": "sandbox", "Tolerance": "compare",
}
__all__ = ["Completion", "LLMConfig", "Limits", "OpenAIChat", "RewriteOptions", "RewriteReport", "Tolerance",
           "rewrite", "run_rounds", "start"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
