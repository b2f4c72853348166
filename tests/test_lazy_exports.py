"""Each lazy package (PEP 562 `__getattr__`) also imports its names for the type checker, under
`if TYPE_CHECKING:`; that list must stay the package's `__all__`, each name from the module the package
really loads it from, or mypy checks callers against the wrong thing (or against nothing: Any)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from lester_dagster.errors import MissingExtraError

PACKAGE = Path(__file__).resolve().parents[1] / "lester_dagster"
LAZY = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py") if "def __getattr__" in p.read_text()
              or "__getattr__ = exports(" in p.read_text())


def type_checking_imports(init: Path) -> dict[str, str]:
    """name -> module, from the `if TYPE_CHECKING:` block of a package's __init__.py."""
    found = {}
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.module, ast.dump(statement)
                found.update({alias.name: statement.module for alias in statement.names})
    return found


def test_every_lazy_package_is_found() -> None:
    assert {"ivm", "lineage", "model", "orchestration", "rewrite", "storage"} <= set(LAZY)


@pytest.mark.parametrize("package", LAZY)
def test_the_type_checker_sees_what_the_package_loads(package: str) -> None:
    module = importlib.import_module(f"lester_dagster.{package}")
    imports = type_checking_imports(PACKAGE / package / "__init__.py")
    assert sorted(imports) == sorted(module.__all__)
    for name, source in imports.items():
        try:
            assert getattr(module, name) is getattr(importlib.import_module(source), name), name
        except MissingExtraError:
            continue  # the extra that holds it is not installed here
