"""The messy script's inputs: which CSV file each parameter of its preparation function reads, each
source's key column, and how a source is described to the LLM. What both versions run on (all rows, or
a covering sample) is `cover.py`'s."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd

from lester_dagster.errors import ScriptSplitError

_DIR_NAMES = re.compile(r"(^|_)(dir|directory|folder|root|lake)$|^data(_path)?$")
_AFFIXES = re.compile(r"^(path_to_|path_|file_)|(_csv|_path|_file|_filename|_fname|_fn|_tsv)$")


@dataclass(frozen=True)
class Source:
    """One input table: its name in the rewrite (the file's stem), its file and its key column."""

    name: str
    file: Path
    key: str | None


@dataclass(frozen=True)
class Inputs:
    """How to call the messy preparation function: parameter -> source name, or the data folder."""

    sources: tuple[Source, ...]
    arguments: dict[str, str]  # parameter -> source name, or "" for the folder holding every source

    def messy_arguments(self, folder: PurePath) -> dict[str, str]:
        """The arguments of the preparation function when the sources are in `folder` (in the sandbox: /data)."""
        files = {s.name: folder / s.file.name for s in self.sources}
        return {param: str(files[name] if name else folder) for param, name in self.arguments.items()}


def source_name(path: Path) -> str:
    name = re.sub(r"\W", "_", path.stem)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"source_{name}"
    return name


def bind_inputs(parameters: Sequence[str], data_dir: Path, mentioned: set[str],
                bindings: Mapping[str, str] | None = None, keys: Mapping[str, str | None] | None = None) -> Inputs:
    """Matches each parameter of the preparation function to a CSV file in `data_dir` by name
    (`customers_csv` -> customers.csv), or to the folder itself (`data_dir`); `bindings` wins."""
    if not data_dir.is_dir():
        raise ScriptSplitError(f"--data {data_dir}: no such folder.")
    csvs = {p.name: p for p in sorted(data_dir.glob("*.csv"))}
    if not csvs:
        raise ScriptSplitError(f"--data {data_dir} holds no .csv files; the rewrite samples its inputs from there.")
    by_stem = {_normal(p.stem): p for p in csvs.values()}
    bindings = dict(bindings or {})
    arguments: dict[str, Path | None] = {}
    for param in parameters:
        if param in bindings:
            file = csvs.get(bindings[param]) or csvs.get(bindings[param] + ".csv")
            if file is None:
                raise ScriptSplitError(
                    f"--input {param}={bindings[param]}: no such CSV in {data_dir}; it has {sorted(csvs)}."
                )
            arguments[param] = file
        elif _DIR_NAMES.search(param.lower()):
            arguments[param] = None
        elif _normal(param) in by_stem:
            arguments[param] = by_stem[_normal(param)]
        elif len(parameters) == 1 and len(csvs) == 1:
            arguments[param] = next(iter(csvs.values()))
        else:
            raise ScriptSplitError(
                f"cannot tell which CSV in {data_dir} the parameter {param!r} of the preparation function reads "
                f"(files: {sorted(csvs)}). Name it after the file (e.g. customers_csv) or pass "
                f"--input {param}=FILE.csv."
            )
    unknown = set(bindings) - set(parameters)
    if unknown:
        raise ScriptSplitError(f"--input names {sorted(unknown)}, which the preparation function does not take "
                               f"(it takes {list(parameters)}).")
    files = list(dict.fromkeys(f for f in arguments.values() if f is not None))
    if None in arguments.values():
        # The script finds its files in a folder itself: the ones it names, else all of them.
        named = [p for name, p in csvs.items() if any(name in s for s in mentioned)]
        files += [p for p in (named or csvs.values()) if p not in files]
    keys = dict(keys or {})
    sources = tuple(Source(source_name(f), f, keys[source_name(f)] if source_name(f) in keys else infer_key(f))
                    for f in files)
    unknown = set(keys) - {s.name for s in sources}
    if unknown:
        raise ScriptSplitError(f"--key names {sorted(unknown)}, but the sources are {[s.name for s in sources]}.")
    names = {s.file: s.name for s in sources}
    return Inputs(sources, {p: names[f] if f is not None else "" for p, f in arguments.items()})


def _normal(name: str) -> str:
    name = _AFFIXES.sub("", name.lower())
    return name.removesuffix("s")


def infer_key(file: Path) -> str | None:
    """A column that identifies rows: `<singular stem>_id`, `id`, or another unique, non-null `*_id`
    column; None (rows identified by content) when there is none."""
    header = pd.read_csv(file, nrows=0).columns.tolist()
    stem = _normal(file.stem)
    candidates = [c for c in header if c.lower() in (f"{stem}_id", f"{stem}id", "id")]
    candidates += [c for c in header if c.lower().endswith("_id") and c not in candidates]
    for column in candidates:
        values = pd.read_csv(file, usecols=[column])[column]
        if values.notna().all() and values.is_unique:
            return column
    return None


def describe_source(source: Source, file: Path, examples: int = 3, outputs: Iterable[str] | None = None) -> str:
    """For the prompts: the columns and dtypes pandas reads, the key, and the first `examples` rows (0:
    none). Values of columns not in `outputs` (the original's output columns) are shown as their shape
    only (`2023-01-05` as `9999-99-99`, `anna@mail.example` as `aaaa@aaaa.aaaaaaa`): the format, not the
    content, of a column the original never outputs reaches the endpoint (see the README)."""
    frame = pd.read_csv(file)
    columns = ", ".join(f"{c} ({frame[c].dtype})" for c in frame.columns)
    key = f"key column {source.key!r}" if source.key else "no key column"
    lines = [f"- `{source.name}` ({key}): {columns}"]
    shown = None if outputs is None else set(outputs)
    for record in frame.head(examples).to_dict("records"):
        row = {k: _example(v) if shown is None or k in shown else _Shape(v) for k, v in record.items()}
        lines.append(f"    example row: {row}")
    if examples and shown is not None and set(frame.columns) - shown:
        lines.append("    (values of columns the original does not output are shown as their shape: 9 for a digit, "
                     "a / A for a lower / upper case letter)")
    return "\n".join(lines)


def _example(value: object) -> object:
    return value[:60] + "..." if isinstance(value, str) and len(value) > 60 else value


class _Shape:
    """A value written as its shape in a prompt: digits 9, letters a / A, everything else as it is."""

    def __init__(self, value: object) -> None:
        text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
        self.text = _SHAPE_TABLE.sub(lambda m: "9" if m.group(0).isdigit() else "A" if m.group(0).isupper() else "a",
                                     text)[:60]

    def __repr__(self) -> str:
        return f"<{self.text}>" if self.text else "<empty>"


_SHAPE_TABLE = re.compile(r"[^\W_]")
