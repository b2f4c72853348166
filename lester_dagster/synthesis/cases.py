"""Reading tables and synthesis cases in the Auto-Pipeline benchmark layout: a folder per case with
`training_<k>.csv` (what synthesis sees), `test_<k>.csv` (held out) and `target.csv` (the hidden
pipeline's output on the test tables), each a pandas `to_csv()` dump with its index."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.errors import SynthesisInputError

_NUMBERED = re.compile(r"^(training|test)_(\d+)\.csv$")
_HEAD_ROWS = 8
CHUNK_ROWS = 200_000  # rows parsed at a time when a large file is sampled while it is read
SAMPLE_SEED = 0


def read_table(
    source: str | Path | io.StringIO,
    name: str | None = None,
    *,
    sample_rows: int | None = None,
    columns: Collection[str] | None = None,
) -> pd.DataFrame:
    """A pandas CSV dump as a frame. An unnamed first column is the dumped index and is dropped; a
    named one is data (a group key written as the index). Two pandas quirks are undone: a pivot's
    index name on a row of its own under the header, and two-level headers (flattened as `a_b`).

    A file is read as a stream: only its first lines are inspected for the header, a row with more or
    fewer fields than the header is an error (pandas would pad it with NaN), `sample_rows` keeps a
    uniform sample of that many rows (seeded) without holding the whole file, and `columns` reads
    those columns only. The frame's `attrs["rows_in_file"]` holds the file's row count."""
    label = name or str(source)
    text: str | None = None
    path: Path | None = None
    if isinstance(source, io.StringIO):
        text = source.getvalue()
        head = list(itertools.islice(csv.reader(io.StringIO(text)), _HEAD_ROWS))
    else:
        path = Path(source)
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                head = list(itertools.islice(csv.reader(handle), _HEAD_ROWS))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise SynthesisInputError(f"table {label}: cannot read it ({error}). Give a readable UTF-8 CSV file.") from None
    if not head or not any(any(cell.strip() for cell in row) for row in head):
        raise SynthesisInputError(f"table {label}: the file is empty. Give a CSV with a header and rows.")
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
    if path is not None:
        _check_fields(path, label, len(head[0]), header_rows + int(index_name_row))
    options: dict[str, Any] = {
        "header": list(range(header_rows)) if header_rows > 1 else 0,
        "skiprows": [header_rows] if index_name_row else None,
    }
    if columns is not None and header_rows == 1:
        missing = sorted(set(columns) - set(head[0]))
        if missing:
            raise SynthesisInputError(f"table {label}: no column(s) {missing}; it has {head[0]}.")
        wanted = set(columns) | ({head[0][0]} if head[0][0] in ("",) or index_name_row else set())
        options["usecols"] = lambda column: column in wanted or str(column).startswith("Unnamed: 0")
    try:
        frame = _parse(io.StringIO(text) if path is None else path, options, sample_rows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise SynthesisInputError(f"table {label}: not a readable CSV ({error}).") from None
    rows_in_file = frame.attrs.get("rows_in_file", len(frame))
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
    frame = frame.reset_index(drop=True)
    frame.attrs["rows_in_file"] = rows_in_file
    return frame


def _parse(source: io.StringIO | Path, options: dict[str, Any], sample_rows: int | None) -> pd.DataFrame:
    """pandas' C parser over the source; with `sample_rows`, chunk by chunk, keeping the rows with the
    smallest random keys (a uniform sample without replacement) in their file order."""
    if sample_rows is None:
        return pd.read_csv(source, **options)
    rng = np.random.default_rng(SAMPLE_SEED)
    kept: pd.DataFrame | None = None
    keys = np.array([])
    total = 0
    for chunk in pd.read_csv(source, chunksize=CHUNK_ROWS, **options):
        chunk.index = pd.RangeIndex(total, total + len(chunk))
        total += len(chunk)
        chunk_keys = rng.random(len(chunk))
        kept = chunk if kept is None else pd.concat([kept, chunk])
        keys = np.concatenate([keys, chunk_keys])
        if len(kept) > sample_rows:
            order = np.argsort(keys, kind="stable")[:sample_rows]
            order.sort()
            kept, keys = kept.iloc[order], keys[order]
    if kept is None:
        return pd.read_csv(source, **options)
    kept = kept.reset_index(drop=True)
    kept.attrs["rows_in_file"] = total
    return kept


def _check_fields(path: Path, label: str, fields: int, skip: int) -> None:
    """Every data row has as many fields as the header: pandas pads a short row with NaN and so hides a
    lost field. Checked by Arrow's streaming CSV reader, which converts one column only."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(fields)]
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(include_columns=["c0"], column_types={"c0": pa.string()}),
        )
        for _ in reader:
            pass
    except pa.ArrowInvalid as error:
        message = str(error)
        found = re.search(r"Expected (\d+) columns, got (\d+): (.*)", message, re.S)
        if found:
            row = found.group(3).strip().splitlines()[0][:120]
            raise SynthesisInputError(
                f"table {label}: a row has {found.group(2)} fields where the header has {found.group(1)}: {row!r}. "
                "Fix that row (a lost or extra comma) or quote the field that holds a comma."
            ) from None
        raise SynthesisInputError(f"table {label}: not a readable CSV ({message.splitlines()[0]}).") from None


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
