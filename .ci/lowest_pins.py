"""Pins every direct dependency of the core (and of the extras named on the command line) to the lowest
version pyproject.toml allows, one `name==version` a line, for `pip install -r`: CI installs them into a
second venv and runs a fast part of the suite there, so a lower bound that no longer works is found.

    python .ci/lowest_pins.py [--extras ml] [--packages vaderSentiment] [--keep torch==2.13.0] > pins.txt

A dependency without a lower bound is an error: its range cannot be tested at the low end. `--keep` pins a
package to a given version instead (torch: the CPU wheel on disk; its lowest release on PyPI is a CUDA
build of several GB). `--packages` adds single requirements of other extras (what the tests import of
the example project) without the rest of their extra.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def requirements(project: dict, extras: list[str]) -> list[Requirement]:
    """The core's requirements and those of `extras`, following the project's references to its own extras."""
    name = project["name"].replace("_", "-").lower()
    todo, seen, out = list(extras), set(), [Requirement(r) for r in project.get("dependencies", [])]
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in project.get("optional-dependencies", {})[extra]:
            requirement = Requirement(text)
            if requirement.name.replace("_", "-").lower() == name:
                todo += sorted(requirement.extras)
            else:
                out.append(requirement)
    return out


def named(project: dict, names: list[str]) -> list[Requirement]:
    """The requirements called `names`, wherever among the extras pyproject.toml declares them."""
    found = {Requirement(t).name.lower(): Requirement(t) for texts in project.get("optional-dependencies", {}).values()
             for t in texts}
    missing = [n for n in names if n.lower() not in found]
    if missing:
        raise SystemExit(f"no extra in pyproject.toml declares {missing}")
    return [found[n.lower()] for n in names]


def lowest(requirement: Requirement) -> str:
    for spec in requirement.specifier:
        if spec.operator in (">=", "==", "~=", "==="):
            return spec.version
    raise SystemExit(f"{requirement} has no lower bound in pyproject.toml: give it one (`>=`), so CI can test "
                     "the range at its low end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extras", nargs="*", default=[])
    parser.add_argument("--packages", nargs="*", default=[], help="single requirements of other extras")
    parser.add_argument("--keep", nargs="*", default=[], help="name==version pins that replace the lowest")
    args = parser.parse_args()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    kept = {Requirement(k).name.lower(): k for k in args.keep}
    pins: dict[str, str] = {}
    for requirement in requirements(project, args.extras) + named(project, args.packages):
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        pins[key] = kept.get(requirement.name.lower()) or f"{requirement.name}=={lowest(requirement)}"
    sys.stdout.write("".join(f"{pin}\n" for pin in sorted(pins.values(), key=str.lower)))


if __name__ == "__main__":
    main()
