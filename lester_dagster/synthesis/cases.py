"""Reading tables and synthesis cases in the Auto-Pipeline benchmark layout: a folder per case with
`training_<k>.csv` (what synthesis sees), `test_<k>.csv` (held out) and `target.csv` (the hidden
pipeline's output on the test tables), each a pandas `to_csv()` dump with its index."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lester_dagster.errors import SynthesisInputError

_NUMBERED = re.compile(r"^(training|test)_(\d+)\.csv$")
_HEAD_ROWS = 8


def read_table(source: str | Path | io.StringIO, name: str | None = None) -> pd.DataFrame:
    """A pandas CSV dump as a frame. An unnamed first column is the dumped index and is dropped; a
    named one is data (a group key written as the index). Two pandas quirks are undone: a pivot's
    index name on a row of its own under the header, and two-level headers (flattened as `a_b`)."""
    label = name or str(source)
    try:
        text = source.getvalue() if isinstance(source, io.StringIO) else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SynthesisInputError(f"table {label}: cannot read it ({error}). Give a readable UTF-8 CSV file.") from None
    if not text.strip():
        raise SynthesisInputError(f"table {label}: the file is empty. Give a CSV with a header and rows.")
    head = list(csv.reader(io.StringIO(text)))[:_HEAD_ROWS]
    header_rows = 1
    while header_rows < len(head) and head[header_rows] and head[header_rows][0] == "" and head[0][0] == "" and any(
        head[header_rows][1:]
    ):
        header_rows += 1
    index_name_row = (
        len(head) > header_rows + 1
        and len(head[header_rows]) > 1
        and head[header_rows][0] != ""
        and not any(head[header_rows][1:])
        and (header_rows > 1 or head[0][0] != "")
    )
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=list(range(header_rows)) if header_rows > 1 else 0,
            skiprows=[header_rows] if index_name_row else None,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise SynthesisInputError(f"table {label}: not a readable CSV ({error}).") from None
    if header_rows > 1:
        frame.columns = ["_".join(p for p in map(str, parts) if p and not p.startswith("Unnamed:")) for parts in frame.columns]
    else:
        frame.columns = [str(c) for c in frame.columns]
    if index_name_row:
        frame = frame.rename(columns={frame.columns[0]: head[header_rows][0]})
    first = frame.columns[0] if len(frame.columns) else None
    if first is not None and (first == "" or first.startswith("Unnamed: 0")):
        frame = frame.drop(columns=first)
    if frame.shape[1] == 0:
        raise SynthesisInputError(f"table {label}: no columns besides the index. Give a table with data columns.")
    if len(frame) == 0:
        raise SynthesisInputError(f"table {label}: the table has a header but no rows; synthesis needs data.")
    if len(set(frame.columns)) != len(frame.columns):
        raise SynthesisInputError(f"table {label}: duplicate column names in {list(frame.columns)}.")
    return frame.reset_index(drop=True)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as it reads back from its own CSV dump, so pipeline outputs and targets compare alike."""
    return read_table(io.StringIO(frame.to_csv(index=False)), "output") if len(frame) else frame.reset_index(drop=True)


@dataclass(frozen=True)
class Case:
    """One synthesis task: the inputs synthesis sees, the held-out tables and the target."""

    name: str
    training: Mapping[str, pd.DataFrame] = field(repr=False)
    test: Mapping[str, pd.DataFrame] = field(repr=False)
    target: pd.DataFrame = field(repr=False)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def length(self) -> int | None:
        value = self.meta.get("length")
        return int(value) if isinstance(value, (int, float)) else None


def table_name(k: int) -> str:
    """The name under which input `k` of a case enters a pipeline spec."""
    return f"table_{k}"


def load_case(folder: str | Path) -> Case:
    folder = Path(folder)
    if not folder.is_dir():
        raise SynthesisInputError(f"case {folder}: not a folder.")
    numbered: dict[str, dict[int, Path]] = {"training": {}, "test": {}}
    for path in folder.iterdir():
        match = _NUMBERED.match(path.name)
        if match:
            numbered[match.group(1)][int(match.group(2))] = path
    if not numbered["training"]:
        raise SynthesisInputError(f"case {folder.name}: no training_<k>.csv files in {folder}.")
    if not (folder / "target.csv").exists():
        raise SynthesisInputError(f"case {folder.name}: no target.csv in {folder}.")
    training = {table_name(k): read_table(p, f"{folder.name}/{p.name}") for k, p in sorted(numbered["training"].items())}
    test = {table_name(k): read_table(p, f"{folder.name}/{p.name}") for k, p in sorted(numbered["test"].items())}
    meta: dict[str, Any] = {}
    if (folder / "meta.json").exists():
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            meta = {}
    return Case(folder.name, training, test, read_table(folder / "target.csv", f"{folder.name}/target.csv"), meta)


def write_case(
    folder: str | Path,
    training: list[pd.DataFrame],
    test: list[pd.DataFrame],
    target: pd.DataFrame,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Writes a case in the benchmark layout (pandas dumps with their index)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for k, (train, held_out) in enumerate(zip(training, test, strict=True), start=1):
        train.to_csv(folder / f"training_{k}.csv")
        held_out.to_csv(folder / f"test_{k}.csv")
    target.to_csv(folder / "target.csv")
    if meta:
        (folder / "meta.json").write_text(json.dumps(dict(meta), indent=2), encoding="utf-8")
    return folder
