"""A synthesised pipeline as data: named inputs, steps over named tables, the output table, and the final
projection onto the target's columns. It round-trips through JSON and compiles into engine verbs, so a
synthesised pipeline runs with row and column provenance like any hand-written one."""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import lester_dagster.engine as le
from lester_dagster.errors import SpecError
from lester_dagster.synthesis.operators import Concatenate, Frames, Step, Tables

SPEC_VERSION = 1


@dataclass(frozen=True)
class SynthesisSpec:
    """A pipeline: `steps` run in order over the `inputs` and the tables earlier steps made; the
    `output` table then loses the columns in `drop`, is cut to `columns` (all when empty) and renamed by
    `renames`. `drop` keeps a pivot's cells without naming them: their names are the values of the rows
    the pivot reads (years), so another month's data makes other columns, and a select of this month's
    would fail there.

    >>> from lester_dagster.synthesis.operators import GroupBy
    >>> spec = SynthesisSpec(("sales",), (GroupBy("s1", "sales", ("shop",), (("total", "amount", "sum"),)),), "s1")
    >>> print(spec.describe())
    s1 = sales.groupby(['shop']).agg(total=('amount', 'sum')).reset_index()
    >>> spec.run_pandas({"sales": pd.DataFrame({"shop": ["a", "a", "b"], "amount": [1, 2, 5]})})
      shop  total
    0    a      3
    1    b      5
    """

    inputs: tuple[str, ...]
    steps: tuple[Step, ...]
    output: str
    columns: tuple[str, ...] = ()
    renames: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)
    drop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        defined = set(self.inputs)
        if len(defined) != len(self.inputs):
            raise SpecError(f"spec: input names {list(self.inputs)} repeat a name.")
        for number, step in enumerate(self.steps, start=1):
            if not isinstance(step, Step):
                raise SpecError(f"spec step {number}: expected a Step, got {type(step).__name__}.")
            unknown = [t for t in step.inputs if t not in defined]
            if unknown:
                raise SpecError(
                    f"spec step {number} ({step.op}) reads {unknown}, which no input or earlier step defines; "
                    f"defined so far: {sorted(defined)}."
                )
            defined.add(step.out)
        if self.output not in defined:
            raise SpecError(f"spec: output table {self.output!r} is not defined; defined: {sorted(defined)}.")

    # ---- running -----------------------------------------------------------------------------------

    def _check_inputs(self, given: Mapping[str, Any]) -> None:
        missing = [name for name in self.inputs if name not in given]
        if missing:
            raise SpecError(f"spec needs input table(s) {missing}; given {sorted(given)}.")

    def run_pandas(self, frames: Frames) -> pd.DataFrame:
        """The pipeline on plain pandas frames (what the search uses)."""
        self._check_inputs(frames)
        env: dict[str, pd.DataFrame] = {name: frames[name] for name in self.inputs}
        for step in self.steps:
            env[step.out] = step.run(env)
        out = env[self.output]
        if self.drop:
            out = out.drop(columns=list(self.drop))
        if self.columns:
            out = out[list(self.columns)]
        renames = {k: v for k, v in self.renames.items() if k in out.columns and k != v}
        return out.rename(columns=renames) if renames else out

    def build(self, tables: Tables) -> le.Table:
        """The pipeline as an engine plan over the given engine tables."""
        self._check_inputs(tables)
        env: dict[str, le.Table] = {name: tables[name] for name in self.inputs}
        for step in self.steps:
            env[step.out] = step.build(env)
        out = env[self.output]
        if self.drop:
            out = out.drop(self.drop)
        if self.columns:
            out = out.select(self.columns)
        renames = {k: v for k, v in self.renames.items() if k in out.columns and k != v}
        return out.rename(renames) if renames else out

    def execute(self, frames: Frames) -> le.Result:
        """Runs on the engine over frames (each becomes a keyless source named like its input)."""
        self._check_inputs(frames)
        return self.build({name: le.from_pandas(frames[name], name) for name in self.inputs}).execute()

    # ---- reading and writing -------------------------------------------------------------------------

    def describe(self) -> str:
        """One pandas-like line per step, then the final projection."""
        lines = [step.describe() for step in self.steps]
        final = self._projected()
        if final != self.output or not lines:
            lines.append(f"out = {final}")
        return "\n".join(lines)

    def _projected(self) -> str:
        """The output table's name with the final projection (drop, select, rename) as pandas code."""
        final = self.output
        if self.drop:
            final += f".drop(columns={list(self.drop)!r})"
        if self.columns:
            final += f"[{list(self.columns)!r}]"
        renames = {k: v for k, v in self.renames.items() if k != v}
        if renames:
            final += f".rename(columns={renames!r})"
        return final

    def to_python(self, function: str = "pipeline") -> str:
        """The pipeline as a Python program of plain pandas: a function of the input tables that returns
        the output (what `run_pandas` computes). Runs as printed (`exec` it, then call `pipeline`)."""
        lines = ["import pandas as pd", ""]
        if any(isinstance(step, Concatenate) for step in self.steps):
            lines += [*_AS_TEXT.splitlines(), ""]
        odd = [name for name in self.inputs if not name.isidentifier() or keyword.iskeyword(name)]
        if odd:
            raise SpecError(f"spec: input names {odd} are no Python identifiers; name inputs like table_1 to print them.")
        lines.append(f"def {function}({', '.join(self.inputs)}):")
        body = [step.describe() for step in self.steps]
        final = self._projected()
        lines += [f"    {line}" for line in body] + [f"    return {final}", ""]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SPEC_VERSION,
            "inputs": list(self.inputs),
            "steps": [step.to_dict() for step in self.steps],
            "output": self.output,
            "columns": list(self.columns),
            "renames": dict(self.renames),
            "meta": dict(self.meta),
            **({"drop": list(self.drop)} if self.drop else {}),  # written only where used: older specs read the same
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SynthesisSpec:
        if not isinstance(data, Mapping):
            raise SpecError(f"a spec must be a JSON object, got {type(data).__name__}.")
        missing = [k for k in ("inputs", "steps", "output") if k not in data]
        if missing:
            raise SpecError(f"spec lacks field(s) {missing}.")
        steps = data["steps"]
        if not isinstance(steps, list):
            raise SpecError("spec field 'steps' must be a list.")
        return cls(
            inputs=tuple(data["inputs"]),
            steps=tuple(Step.from_dict(s) for s in steps),
            output=str(data["output"]),
            columns=tuple(data.get("columns") or ()),
            renames=dict(data.get("renames") or {}),
            meta=dict(data.get("meta") or {}),
            drop=tuple(data.get("drop") or ()),
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    @classmethod
    def from_json(cls, text: str) -> SynthesisSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecError(f"spec is not valid JSON: {error}.") from None
        return cls.from_dict(data)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> SynthesisSpec:
        """A spec from a JSON file; a file holding a list of specs gives its first (the best)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise SpecError(f"cannot read spec {path}: {error}.") from None
        if isinstance(data, list):
            if not data:
                raise SpecError(f"spec file {path} holds an empty list.")
            data = data[0]
        return cls.from_dict(data)


def load_all(path: str | Path) -> list[SynthesisSpec]:
    """Every spec in a JSON file (a single spec or a list of them)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SpecError(f"cannot read spec {path}: {error}.") from None
    return [SynthesisSpec.from_dict(d) for d in (data if isinstance(data, list) else [data])]


# the text of a column as `Concatenate` reads it (operators.JoinStrings), for printed programs
_AS_TEXT = '''def as_text(values):
    """Text of a column as a CSV shows it: integers that a gap turned into floats print without '.0'."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if len(finite) and (finite % 1 == 0).all():
            return values.astype("Int64").astype("str")
    return values.astype("str")'''


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
