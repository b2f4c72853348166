"""Doctests run over the whole package (pyproject's testpaths): a module that needs an extra which is not
installed (torch for lester_dagster.model, ...) raises MissingExtraError when imported, and is left out of
the collection instead of failing it. `make test` installs every extra, so there nothing is left out."""

from __future__ import annotations

import importlib
from pathlib import Path

from lester_dagster.errors import MissingExtraError

PACKAGE = Path(__file__).parent / "lester_dagster"


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    if collection_path.suffix != ".py" or PACKAGE not in collection_path.parents:
        return None
    parts = collection_path.relative_to(PACKAGE.parent).with_suffix("").parts
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    try:
        importlib.import_module(module)
    except MissingExtraError:
        return True
    return None
