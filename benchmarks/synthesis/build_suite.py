"""Write the synthesis suite: one Auto-Pipeline case folder per registered hidden pipeline, in three parts.

    .venv/bin/python benchmarks/synthesis/build_suite.py [--out benchmarks/synthesis/suite] [--part dev|val|test|all]
                                                         [--seed 0] [--only NAME ...]

Cases go to ``<out>/dev/<case>``, ``<out>/val/<case>`` and ``<out>/test/<case>`` by the tables they read
(parts.py; a case reading tables of two parts is refused). Per case: each
input table is sampled (seeded) and split as the paper splits it, into contiguous halves in the source's
row order: the first half is ``test_<k>.csv`` (the target is made from it), the rest ``training_<k>.csv``
(join lookups go whole into both); ``target.csv`` is the hidden pipeline's output on the test tables as
read back from disk; ``meta.json`` describes the case. Every case is validated (non-empty, at least two
rows, not all-NaN, deterministic, the same columns on the training half) and a summary is printed.
Deterministic for a given seed; case folders are overwritten.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.synthesis.catalog import CASES  # noqa: E402
from benchmarks.synthesis.layout import read_table, to_csv_text, write_table  # noqa: E402
from benchmarks.synthesis.parts import PARTS, PartError  # noqa: E402
from benchmarks.synthesis.registry import OPERATORS, Case, Table  # noqa: E402
from benchmarks.synthesis.sources import load_source  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "suite"
MIN_ROWS = 2
FEW_ROWS = 5


class CaseError(ValueError):
    """A hidden pipeline whose output would make a degenerate or unreadable case."""


def prepare_input(spec: Table, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (training, test) halves of one input file."""
    frame = load_source(spec.source)
    for column, value in spec.where:
        if isinstance(value, str) and value.endswith("*"):
            frame = frame[frame[column].astype(str).str.startswith(value[:-1])]
        elif isinstance(value, str) and value.startswith(">="):
            frame = frame[frame[column] >= float(value[2:])]
        else:
            frame = frame[frame[column] == value]
    if spec.columns:
        frame = frame[list(spec.columns)]
    if spec.distinct:
        frame = frame.drop_duplicates()
    if frame.empty:
        raise CaseError(f"Input {spec.describe()} selects no rows; check its where= filter")
    if spec.rows is not None and spec.rows < len(frame):
        frame = frame.sample(n=spec.rows, random_state=rng)
    frame = frame.sort_index()
    if not spec.split:
        return frame, frame
    return contiguous_halves(frame)


def contiguous_halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, test) as the Auto-Pipeline benchmark splits a table: the first half of its rows, in the
    source's order, makes the target; synthesis sees the second. So key ranges and value sets differ
    between the halves (other months, other countries), as between last quarter's report and this
    quarter's data."""
    half = len(frame) // 2
    return frame.iloc[half:], frame.iloc[:half]


def run_on(case: Case, folder: Path, half: str) -> pd.DataFrame | pd.Series:
    frames = [read_table(folder / f"{half}_{k}.csv") for k in range(1, len(case.inputs) + 1)]
    return case.run(*frames)


def validate(case: Case, output: object, half: str) -> list[str]:
    """Raise CaseError on a degenerate output; return warnings for weak but usable ones."""
    where = f"Case {case.name!r} on the {half} tables"
    if not isinstance(output, (pd.DataFrame, pd.Series)):
        raise CaseError(f"{where} returned {type(output).__name__}; return a DataFrame or Series")
    frame = output.to_frame() if isinstance(output, pd.Series) else output
    if isinstance(frame.columns, pd.MultiIndex):
        raise CaseError(f"{where} has MultiIndex columns {list(frame.columns)[:3]}...; pivot a single values column")
    if frame.columns.duplicated().any():
        raise CaseError(f"{where} has duplicate column names; rename them")
    if len(frame) < MIN_ROWS:
        raise CaseError(f"{where} has {len(frame)} rows; a case needs at least {MIN_ROWS}")
    if frame.shape[1] == 0 or frame.isna().all().all():
        raise CaseError(f"{where} is all-NaN or has no columns")
    warnings = []
    if len(frame) < FEW_ROWS:
        warnings.append(f"{half}: only {len(frame)} rows")
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        warnings.append(f"{half}: all-NaN columns {empty}")
    return warnings


def build_case(case: Case, out: Path, seed: int) -> dict:
    folder = out / case.part / case.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for k, spec in enumerate(case.inputs, start=1):
        rng = np.random.default_rng([seed, zlib.crc32(case.name.encode()), k])
        training, test = prepare_input(spec, rng)
        write_table(training, folder / f"training_{k}.csv")
        write_table(test, folder / f"test_{k}.csv")

    target = run_on(case, folder, "test")
    warnings = validate(case, target, "test")
    text = to_csv_text(target)
    if to_csv_text(run_on(case, folder, "test")) != text:
        raise CaseError(f"Case {case.name!r} is not deterministic: two runs on the test tables differ")
    (folder / "target.csv").write_text(text, encoding="utf-8")

    training_output = run_on(case, folder, "training")
    warnings += validate(case, training_output, "training")
    header = list(read_table(text).columns)
    training_header = list(read_table(to_csv_text(training_output)).columns)
    if header != training_header:
        raise CaseError(
            f"Case {case.name!r} yields columns {header} on the test tables but {training_header} on the "
            "training tables; pivot on a column whose values both halves share"
        )

    shape = read_table(folder / "target.csv").shape
    meta = {
        "case": case.name,
        "part": case.part,
        "length": case.length,
        "operators": list(case.operators),
        "datasets": case.datasets,
        "description": case.description,
        "inputs": [spec.describe() for spec in case.inputs],
        "target_index": "named key column" if (text.split(",", 1)[0] != "") else "unnamed row index",
        "target_shape": list(shape),
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta | {"warnings": warnings}


def bucket(length: int) -> str:
    return "6+" if length >= 6 else str(length)


def summarise(metas: list[dict], out: Path) -> str:
    lines = [f"{len(metas)} cases in {out}"]
    if len({m["part"] for m in metas}) > 1:
        return "\n\n".join(summarise([m for m in metas if m["part"] == part], out / part) for part in PARTS)
    by_length = Counter(bucket(m["length"]) for m in metas)
    lines.append("by length:  " + "  ".join(f"{b}: {by_length[b]}" for b in ["1", "2", "3", "4", "5", "6+"]))
    families = Counter(op for m in metas for op in set(m["operators"]))
    lines.append("cases using each operator family:")
    lines += [f"  {op:<10} {families[op]:>4}" for op in OPERATORS]
    named = sum(m["target_index"] == "named key column" for m in metas)
    lines.append(f"targets whose first column is a named group key (no reset_index): {named}")
    sources = Counter(package for m in metas for package in {s.split(".")[0] for s in m["datasets"]})
    lines.append("cases per package: " + ", ".join(f"{p} {n}" for p, n in sorted(sources.items())))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) if out.exists() else 0
    lines.append(f"size on disk: {size / 1e6:.1f} MB in {sum(1 for _ in out.rglob('*.csv'))} CSV files")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all", help="which part to build (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="build only these cases (others are left as they are)")
    args = parser.parse_args(argv)

    parts = PARTS if args.part == "all" else (args.part,)
    try:
        names = args.only or [n for n, c in CASES.items() if c.part in parts]
    except PartError as error:  # a case reading tables of two parts (or of none) is no case of any part
        parser.error(str(error))
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}")
    if not args.only:
        # a full build owns the part's folder: drop case folders of cases that no longer exist
        for part in parts:
            if (args.out / part).exists():
                for stale in [p for p in (args.out / part).iterdir() if p.is_dir() and p.name not in CASES]:
                    shutil.rmtree(stale)
        # folders of the single-part layout before parts existed
        for stale in [p for p in args.out.iterdir() if p.is_dir() and p.name in CASES] if args.out.exists() else []:
            shutil.rmtree(stale)
    args.out.mkdir(parents=True, exist_ok=True)

    metas, failures = [], []
    for name in names:
        try:
            meta = build_case(CASES[name], args.out, args.seed)
        except CaseError as error:
            failures.append(str(error))
            continue
        except Exception as error:  # noqa: BLE001 - a broken hidden pipeline: report it with the others, keep building
            failures.append(f"Case {name!r} raised {type(error).__name__}: {error}")
            continue
        metas.append(meta)
        for warning in meta["warnings"]:
            print(f"warning: {name}: {warning}")
    print(summarise(metas, args.out if len(parts) > 1 else args.out / parts[0]))
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
