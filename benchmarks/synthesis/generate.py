"""Self-generated synthesis cases for training: random pipelines of 1 to 10 steps over the training pool's
real tables (parts.training_pool: development tables only), split as the suite splits, with the target
made from the first half. The pipelines are built from the synthesiser's own step types with parameters
drawn the way analysts pick them (low-cardinality group keys, numeric measures, delimiters most values
hold, a lookup cut out along a functional dependency), so the search can be run on them and its
candidates labelled right or wrong by running them on the held-out half."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.synthesis.sources import load_source
from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.cases import normalise
from lester_dagster.synthesis.spec import SynthesisSpec

MAX_ROWS = 1200  # a source is sampled to this many rows before it is split
FUNCS = ("mean", "sum", "count", "max", "min", "median", "nunique")
FUNC_SHARES = (0.3, 0.2, 0.15, 0.12, 0.1, 0.05, 0.08)  # how often a group-by draws each (predict.GENERATED_SHARES)
DELIMITERS = (" ", "-", "/", ":", ",", "_", ".", " (")
SEPARATORS = (" ", "-", "/", ", ", "_", "")


@dataclass(frozen=True)
class GeneratedCase:
    name: str
    source: str
    spec: SynthesisSpec
    training: dict[str, pd.DataFrame]
    test: dict[str, pd.DataFrame]
    target: pd.DataFrame


def _halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    half = len(frame) // 2
    return normalise(frame.iloc[half:].reset_index(drop=True)), normalise(frame.iloc[:half].reset_index(drop=True))


def _categorical(frame: pd.DataFrame, low: int = 2, high: int = 40) -> list[str]:
    found = []
    for column in frame.columns:
        values = frame[column]
        distinct = values.nunique()
        if not low <= distinct <= min(high, max(low, len(frame) // 3)):
            continue
        if pd.api.types.is_float_dtype(values.dtype) and not (values.dropna() % 1 == 0).all():
            continue
        found.append(str(column))
    return found


def _numeric(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)
            and frame[c].nunique() > 2]


def _texts(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns
            if (pd.api.types.is_string_dtype(frame[c].dtype) or frame[c].dtype == object) and frame[c].nunique() > 1]


# how analysts name an aggregate: after its column (`df.groupby(k)[cols].max()`), the function and the
# column in either order, a word for the function ('avg', 'total', 'n', 'highest'), the column's last
# word only ('mean_delay' of arr_delay), or a word of their own
NAMING = ("column", "func_column", "column_func", "word_column", "func_short", "own")
NAMING_SHARES = (0.3, 0.2, 0.15, 0.15, 0.12, 0.08)
FUNC_WORDS = {
    "mean": ("avg", "mean", "average"),
    "sum": ("total", "sum"),
    "count": ("n", "num", "count", "number"),
    "nunique": ("n", "distinct", "unique", "num"),
    "min": ("min", "lowest", "smallest", "least"),
    "max": ("max", "highest", "largest", "peak", "top", "longest"),
    "median": ("median", "typical"),
}
OWN_WORDS = ("value", "score", "level", "amount", "figure", "result", "stat", "measure")


def aggregate_name(rng: np.random.Generator, column: str, func: str, style: int) -> str:
    words = [w for w in re.split(r"[^0-9A-Za-z]+", column) if w] or [column]
    short = words[-1].lower()
    kind = NAMING[style]
    if kind == "column":
        return column
    if kind == "func_column":
        return f"{func}_{column}"
    if kind == "column_func":
        return f"{column}_{func}"
    word = FUNC_WORDS[func][int(rng.integers(len(FUNC_WORDS[func])))]
    if kind == "word_column":
        return f"{word}_{column}"
    if kind == "func_short":
        return f"{word}_{short}" if rng.random() < 0.7 else f"{short}_{word}"
    return OWN_WORDS[int(rng.integers(len(OWN_WORDS)))] + ("" if rng.random() < 0.5 else f"_{short}")


def _pick(rng: np.random.Generator, items: list[Any], k: int = 1) -> list[Any]:
    if not items:
        return []
    k = min(k, len(items))
    return [items[i] for i in sorted(rng.choice(len(items), size=k, replace=False))]


class _Builder:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng, self.steps, self.counter = rng, [], 0
        self.focus: str | None = None  # flow: a column the last step made, which the next step tends to use
        self.keys: tuple[str, ...] = ()  # the key of an aggregated table: its group keys, or ids and names melted

    def name(self) -> str:
        self.counter += 1
        return f"s{self.counter}"

    def add(self, step: ops.Step, env: dict[str, pd.DataFrame]) -> str | None:
        try:
            env[step.out] = step.run(env)
        except Exception:  # noqa: BLE001 - a random step that does not fit its table is drawn again
            return None
        if len(env[step.out]) < 2 or env[step.out].shape[1] == 0 or env[step.out].columns.duplicated().any():
            return None
        self.steps.append(step)
        if isinstance(step, ops.GroupBy | ops.Pivot):
            self.keys = step.by if isinstance(step, ops.GroupBy) else step.index
        elif isinstance(step, ops.Unpivot) and self.keys:
            self.keys = (*step.id_vars, step.var_name)
        return step.out


def _group_keys(b: _Builder) -> tuple[str, ...]:
    last = b.steps[-1] if b.steps else None
    return last.by if isinstance(last, ops.GroupBy) else ()


def _made(b: _Builder, step: ops.Step, env: dict[str, pd.DataFrame], column: str) -> str | None:
    out = b.add(step, env)
    b.focus = column if out is not None else None
    return out


def _single_step(b: _Builder, env: dict[str, pd.DataFrame], table: str, aggregated: bool,
                 chains: bool = False, flow: bool = False) -> tuple[str | None, bool]:
    """One random single-table step on `table`; the name of its output and whether it aggregated. With
    `chains`, a group-by may also be joined back to the rows it aggregated (`df.merge(df.groupby(k)...)`),
    as hand-written pipelines of four or five steps often do. With `flow`, the step tends to use the column
    the step before made (`_Builder.focus`) and reshapes an aggregated table by its key (`_Builder.keys`)."""
    frame, rng = env[table], b.rng
    focus = b.focus if flow and b.focus in frame.columns else None
    if aggregated:
        kinds = ["fillna", "unpivot", "groupby"]
        weights = [0.3, 0.4, 0.3]
        if flow:
            kinds, weights = [*kinds, "spread", "split", "substring"], [*weights, 0.5, 0.15, 0.1]
    else:
        kinds = ["groupby", "pivot", "unpivot", "split", "substring", "concatenate", "dropna", "fillna"]
        weights = [0.3, 0.12, 0.08, 0.1, 0.08, 0.08, 0.12, 0.12]
        if chains:
            kinds, weights = [*kinds, "joinback"], [*weights, 0.25]
        if flow:  # labels made to be grouped by, as hand-written pipelines make them
            weights = [w * (2.5 if k in ("split", "substring", "concatenate") else 1)
                       for k, w in zip(kinds, weights, strict=True)]
        if focus is not None and rng.random() < 0.8:  # a column just made is grouped or spread by
            kinds, weights = ["groupby", "pivot"], [0.7, 0.3]
    kind = kinds[rng.choice(len(kinds), p=np.array(weights) / sum(weights))]
    categorical, numeric, texts = _categorical(frame), _numeric(frame), _texts(frame)
    if flow and aggregated:  # an aggregate's string step reworks a melted name, nothing else
        texts = [c for c in texts if c == focus]
    if focus is not None and 2 <= frame[focus].nunique() <= 60:
        categorical = [focus, *[c for c in categorical if c != focus]]
    b.focus = None
    keys = [c for c in b.keys if c in frame.columns] if flow and aggregated else []
    if keys:  # an aggregated table is melted by its key, and grouped again more coarsely
        numeric, categorical = [c for c in numeric if c not in keys], keys
    if kind == "spread" and len(by := [c for c in _group_keys(b) if c in frame.columns]) >= 2:
        values = [c for c in frame.columns if c not in by and c in numeric]
        columns = min(by, key=lambda c: frame[c].nunique())
        if values and frame[columns].nunique() <= 8:  # few values: the same columns from both halves
            index = next(c for c in by if c != columns)
            func = ("sum", "max", "mean")[int(rng.integers(3))]
            return b.add(ops.Pivot(b.name(), table, (index,), columns, values[0], func), env), True
    if kind == "joinback" and categorical and numeric:
        by = _pick(rng, categorical, 1)
        measure = _pick(rng, [c for c in numeric if c not in by], 1)
        if measure:
            func = ("mean", "sum", "count", "max")[int(rng.integers(4))]
            style = int(rng.choice(len(NAMING), p=NAMING_SHARES))
            out = aggregate_name(rng, measure[0], func, style)
            if out in frame.columns:
                out = f"{func}_{measure[0]}"
            summary = b.add(ops.GroupBy(b.name(), table, tuple(by), ((out, measure[0], func),)), env)
            if summary is not None:
                joined = b.add(ops.Join(b.name(), table, summary, tuple(by), tuple(by), "inner"), env)
                if joined is None:
                    b.steps.pop()  # an aggregate nothing reads is no step of the pipeline
                return joined, False
        return None, aggregated
    if kind == "groupby" and categorical:
        by = _pick(rng, categorical, 1 if rng.random() < 0.7 or keys else 2)
        if keys and set(by) >= set(keys):
            return None, aggregated
        if focus in categorical and focus not in by:
            by = [focus, *by[1:]] if len(by) == 1 or rng.random() < 0.5 else [by[0], focus]
        measures = [c for c in numeric if c not in by] or [c for c in frame.columns if c not in by]
        aggs, used = [], set()
        style = int(rng.choice(len(NAMING), p=NAMING_SHARES))  # one naming habit per aggregation
        for column in _pick(rng, measures, int(rng.integers(1, 4))):
            func = FUNCS[rng.choice(len(FUNCS), p=FUNC_SHARES)]
            out = aggregate_name(rng, column, func, style)
            if out in used or out in by:
                out = f"{column}_{func}"
            used.add(out)
            aggs.append((out, column, func))
        return b.add(ops.GroupBy(b.name(), table, tuple(by), tuple(aggs)), env), True
    if kind == "pivot" and len(categorical) >= 2 and numeric:
        index, columns = _pick(rng, categorical, 2)
        spread = [c for c in categorical if frame[c].nunique() <= 8 and c != index]
        if spread:
            columns = spread[int(rng.integers(len(spread)))]
        if focus in categorical:
            index, columns = (index, focus) if focus in spread else (focus, columns)
        values = _pick(rng, [c for c in numeric if c not in (index, columns)], 1)
        if values and columns != index:
            func = ("mean", "sum", "count", "max", "min")[int(rng.integers(5))]
            return b.add(ops.Pivot(b.name(), table, (index,), columns, values[0], func), env), True
    spread_before = flow and any(isinstance(step, ops.Pivot) for step in b.steps)  # melted back: a round trip
    if kind == "unpivot" and len(numeric) >= 2 and not spread_before:
        ids = keys or _pick(rng, [c for c in frame.columns if c not in numeric] or categorical, int(rng.integers(1, 3)))
        values = _pick(rng, [c for c in numeric if c not in ids], int(rng.integers(2, 5)))
        if ids and len(values) >= 2:
            var = ("variable", "measure", "kind")[int(rng.integers(3))]
            return _made(b, ops.Unpivot(b.name(), table, tuple(ids), tuple(values), var, "value"), env, var), aggregated
    if kind == "split" and texts:
        for column in [c for c in [focus] if c in texts] + _pick(rng, texts, len(texts)):
            sample = frame[column].dropna().astype(str).head(300)
            delimiters = [d for d in DELIMITERS if len(sample) and sample.str.contains(d, regex=False).mean() >= 0.8]
            if delimiters:
                delimiter = delimiters[int(rng.integers(len(delimiters)))]
                part = (0, 1, -1)[int(rng.integers(3))]
                split = ops.Split(b.name(), table, f"{column}_part", column, delimiter, part)
                return _made(b, split, env, f"{column}_part"), aggregated
    if kind == "substring" and texts:
        column = focus if focus in texts else _pick(rng, texts)[0]
        width = int(rng.integers(1, 5))
        start = 0 if rng.random() < 0.7 else int(rng.integers(1, 4))
        substring = ops.Substring(b.name(), table, f"{column}_{width}", column, start, start + width)
        return _made(b, substring, env, f"{column}_{width}"), aggregated
    if kind == "concatenate" and len(texts) + len(categorical) >= 2:
        columns = _pick(rng, list(dict.fromkeys(texts + categorical)), 2)
        if len(columns) < 2:
            return None, aggregated
        separator = SEPARATORS[int(rng.integers(len(SEPARATORS)))]
        concatenate = ops.Concatenate(b.name(), table, "label", tuple(columns), (separator,))
        return _made(b, concatenate, env, "label"), aggregated
    gaps = [str(c) for c in frame.columns if frame[c].isna().any()]
    if kind == "dropna" and gaps:
        subset = tuple(_pick(rng, gaps, 1)) if rng.random() < 0.7 else ()
        return b.add(ops.DropNA(b.name(), table, subset), env), aggregated
    if kind == "fillna" and gaps:
        column = _pick(rng, gaps)[0]
        value: Any = 0 if pd.api.types.is_numeric_dtype(frame[column].dtype) else "unknown"
        return b.add(ops.FillNA(b.name(), table, value, (column,)), env), aggregated
    return None, aggregated


def random_case(source: str, seed: int, length: int, chains: bool = False, flow: bool = False
                ) -> GeneratedCase | None:
    """A random pipeline of about `length` steps over `source`, or None when none fits it (`chains`: with
    aggregates joined back among the steps; `flow`: each step tends to use the column the step before made,
    a label grouped or spread by, a melted name split, a group-by's two keys spread; see `_single_step`)."""
    rng = np.random.default_rng([seed, zlib.crc32(source.encode()), length])
    frame = load_source(source)
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=int(rng.integers(1 << 30))).sort_index()
    frame = frame.reset_index(drop=True)
    b = _Builder(rng)
    full: dict[str, pd.DataFrame] = {}
    split: dict[str, bool] = {}
    shape = rng.choice(3, p=[0.6, 0.25, 0.15])
    table = "table_1"
    if shape == 1:  # a fact table and a lookup cut out along a functional dependency
        for key in _pick(rng, _categorical(frame, 3, 60), 3):
            codes = frame.groupby(key, dropna=False)
            dependent = [c for c in frame.columns if c != key and codes[c].nunique(dropna=False).max() == 1]
            if dependent:
                kept = _pick(rng, dependent, int(rng.integers(1, 3)))
                full = {"table_1": frame.drop(columns=kept), "table_2": frame[[key, *kept]].drop_duplicates()}
                split = {"table_1": True, "table_2": False}
                table = b.add(ops.Join(b.name(), "table_1", "table_2", (key,), (key,), "inner"), dict(full)) or ""
                break
    elif shape == 2:  # files cut along a category, stacked
        for column in _pick(rng, _categorical(frame, 2, 4), 2):
            values = [v for v in frame[column].dropna().unique() if (frame[column] == v).sum() >= 20]
            if len(values) >= 2:
                full = {f"table_{i}": frame[frame[column] == v].reset_index(drop=True) for i, v in
                        enumerate(values[:4], start=1)}
                split = dict.fromkeys(full, True)
                table = b.add(ops.Union(b.name(), tuple(full)), dict(full)) or ""
                break
    if not full:
        full, split, table = {"table_1": frame}, {"table_1": True}, "table_1"
    if not table:
        return None
    env = dict(full)
    if b.steps:
        env[table] = b.steps[-1].run(env)
    aggregated = False
    for _ in range(60):
        if len(b.steps) >= length:
            break
        out, aggregated_now = _single_step(b, env, table, aggregated, chains, flow)
        if out is not None:
            table, aggregated = out, aggregated or aggregated_now
    if not b.steps:
        return None
    spec = SynthesisSpec(tuple(full), tuple(b.steps), table)
    training, test = {}, {}
    for name, data in full.items():
        training[name], test[name] = _halves(data) if split[name] else (normalise(data), normalise(data))
    try:
        target = normalise(spec.run_pandas(test))
        seen = normalise(spec.run_pandas(training))
    except Exception:  # noqa: BLE001 - parameters that fit the whole table may not fit a half
        return None
    if len(target) < 3 or len(seen) < 3 or list(target.columns) != list(seen.columns) or target.isna().all().all():
        return None
    if target.shape[1] > 40:
        return None
    name = f"{source}#{seed}#{length}" + ("#flow" if flow else "")
    return GeneratedCase(name, source, spec, training, test, target)
