"""Lazy package exports (PEP 562): a package names what it offers, and each name's module is imported on
first use, so a light command (filing a request, reading the journal) never pays for torch or Dagster."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that loads each of `names` (name -> module) when it is first asked for."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(names[name]), name)

    return __getattr__
