"""Check that a built suite is consistent: every hidden pipeline, re-run on the test tables read back from
the case folder as a consumer reads them, reproduces that folder's target.csv.

    .venv/bin/python benchmarks/synthesis/check_suite.py [--suite benchmarks/synthesis/suite] [--part dev|val|test|all]

Two checks per case: the consumer's comparison (row and column order ignored, floats within tolerance, a
dumped row index ignored), and a byte-for-byte comparison of the re-serialised output with target.csv
(proves determinism and that nothing is stale). Also reports folders without a registered case and cases
without a folder. ``--part`` checks one part's folder and cases only (default: every part). Exits 1 on any
mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.synthesis.catalog import CASES  # noqa: E402
from benchmarks.synthesis.layout import read_table, same_table, to_csv_text  # noqa: E402
from benchmarks.synthesis.parts import PARTS, PartError  # noqa: E402
from benchmarks.synthesis.registry import Case  # noqa: E402

DEFAULT_SUITE = Path(__file__).resolve().parent / "suite"


def check_case(case: Case, folder: Path) -> list[str]:
    """The problems with one case folder; empty when it is consistent."""
    k = len(case.inputs)
    expected = [f"{half}_{i}.csv" for half in ("training", "test") for i in range(1, k + 1)]
    missing = [name for name in [*expected, "target.csv", "meta.json"] if not (folder / name).is_file()]
    if missing:
        return [f"missing files {missing}"]
    if (folder / f"test_{k + 1}.csv").exists():
        return [f"has more than the {k} input tables its pipeline reads"]
    problems = []
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if meta.get("length") != case.length or meta.get("operators") != list(case.operators):
        problems.append("meta.json is stale (length or operators differ from cases.py)")

    output = case.run(*(read_table(folder / f"test_{i}.csv") for i in range(1, k + 1)))
    text = to_csv_text(output)
    target_text = (folder / "target.csv").read_text(encoding="utf-8")
    difference = same_table(read_table(text), read_table(target_text))
    if difference:
        problems.append(f"does not reproduce target.csv: {difference}")
    elif text != target_text:
        problems.append("reproduces target.csv within tolerance but not byte for byte")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all", help="which part to check (default: all)")
    args = parser.parse_args(argv)
    if not args.suite.is_dir():
        parser.error(f"{args.suite} does not exist; build it with benchmarks/synthesis/build_suite.py")
    parts = PARTS if args.part == "all" else (args.part,)

    failures: dict[str, list[str]] = {}
    cases = {}
    for name, case in CASES.items():
        try:
            if case.part in parts:
                cases[name] = case
        except PartError as error:  # a case reading tables of two parts belongs to none
            failures[name] = [str(error)]
    # one folder per part (dev/, val/, test/), each with one folder per case
    folders = {p.name: p for part in args.suite.iterdir() if part.is_dir() and part.name in parts
               for p in part.iterdir() if p.is_dir()}
    failures |= {name: ["folder without a registered case"] for name in sorted(set(folders) - set(CASES))}
    failures |= {name: ["registered case without a folder"] for name in cases if name not in folders}
    failures |= {name: [f"in the folder of another part than its tables' ({CASES[name].part})"]
                 for name, folder in folders.items() if name in CASES and folder.parent.name != CASES[name].part}
    passed = 0
    for name, case in cases.items():
        if name not in folders:
            continue
        try:
            problems = check_case(case, folders[name])
        except Exception as error:  # noqa: BLE001 - a consumer-side crash is a failed check, not a crashed checker
            problems = [f"raised {type(error).__name__}: {error}"]
        if problems:
            failures[name] = problems
        else:
            passed += 1

    for name, problems in failures.items():
        for problem in problems:
            print(f"FAIL {name}: {problem}")
    print(f"{passed} passed, {len(failures)} failed ({len(folders)} case folders in {args.suite})")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
