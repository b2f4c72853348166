"""Auto-Pipeline-Search: beam search over partial pipelines (Algorithm 1 of the paper). Each round adds
one step to every pipeline in the beam with the operators' top predicted parameters (AddOneStep), keeps
a diverse top-K (best joint probability, most target constraints satisfied, most target columns
mapped: GetPromisingTopK), and sets aside the pipelines whose output satisfies every constraint
(VerifyCands). Near misses are fine-tuned (a group-by for a missing key, a group-by joined back for a
missing FD, string transforms for unmapped columns), and the verified pipelines are ranked by a
`Ranker`, joint probability by default (GetFinalTopK)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol, TypeVar, runtime_checkable

import pandas as pd

from lester_dagster.errors import LesterError, NoPipelineFound, SynthesisInputError
from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.alignment import Aligner, matched_keys, output_agreement
from lester_dagster.synthesis.constraints import (
    ConstraintReport,
    Constraints,
    check,
    discover,
)
from lester_dagster.synthesis.evidence import (
    category_mismatch,
    count_surprise,
    dropped_keys,
    miswritten,
    name_agreement,
    null_mismatch,
    placeholder,
    row_surprise,
    text_sums,
    type_agreement,
    unfilled_zeros,
)
from lester_dagster.synthesis.mapping import (
    BLENDING,
    SPELLED_NAME,
    Blend,
    BlendBasis,
    ColumnMapping,
    Domain,
    blend_basis,
    domain_of,
    grain_of,
    range_of,
    similarity,
    spelled_as_named,
    written_unit,
)
from lester_dagster.synthesis.predict import (
    COUNTS_FILLED,
    OFF_SCALE,
    PREDICTORS,
    PRIOR,
    REPAIRS,
    STACKED_CROWD,
    Context,
    Proposal,
    alike_periods,
    measures_of,
    scale_middle,
    stacked,
)
from lester_dagster.synthesis.profile import Tab, compressed_pattern
from lester_dagster.synthesis.spec import SynthesisSpec

_T = TypeVar("_T")

# ---- configuration -----------------------------------------------------------------------------------

VARIANTS_OF = 4  # best verified pipelines tried again with a dropna or fillna before they aggregate
AGAIN_PER_STATE = 2  # gap steps after which a pipeline's aggregates are chosen again
COUNT_VARIANTS_OF = 2  # further pipelines tried so that count more rows than the target does
UNSEEN_GAPS = 3  # columns, at most, a pipeline of no step is offered again with a dropna on
UNSEEN_DROPS = 1  # columns, at most, a pipeline that keeps every row is offered again with a dropna on
ROW_WISE = ("string", "dropna", "fillna")  # operators whose steps are the same before a union as after it
ROW_KEEPING = (ops._Derive, ops.Select, ops.Rename, ops.FillNA)  # steps that keep every row of their table
DROPNA_COLUMNS = 4  # columns with gaps a dropna variant drops on, fewest gaps first
TOP_AGAIN = 2  # aggregations chosen again after gaps are handled
FILL_COLUMNS = 2  # numeric columns with gaps a fillna variant fills with 0, most gaps first
AGREEMENT = 1.0  # weight of the row-aligned evidence in the joint probability ranker
UNFILLED = 3.0  # what counts of rows (never 0) mapped onto a target's 0s cost, in log-probability (evidence.unfilled_zeros)
DROPPED_KEY = 2.0  # what an aggregation whose group keys the output drops (evidence.dropped_keys) costs, in log-probability
# a mapped column that a step made as its name spells (`mean_alp`, `nunique_var1`): what the name is worth beside values
# that fit better by chance (the other half's groups take other values; another column's happen to be the target's)
SPELLED = 0.3
AGREED_ROWS = 10  # the target's keys, at least, an output holds for its columns' row-by-row agreement to map them
MISWRITTEN = 2.0  # what a text column written otherwise than the target's texts (evidence.miswritten) costs, in log-probability
MULTI_TABLE = ("join", "union", "side_by_side", "aggregate_joined")  # operators whose proposals read two or more live tables
CHANCE_AGREEMENT = 0.5  # agreement below this tells nothing
JOIN_ESTIMATE = 0.3  # the probability of a join yet to come, as the beam estimates it
# what a step that cannot run on the tables given, or a predictor that finds nothing to go on, raises
STEP_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, LesterError)
PREDICT_ERRORS = (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, AttributeError)


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of the search. `use_constraints=False` and `greedy=True` give the paper's baselines."""

    top_k: int = 5
    beam_width: int = 9
    max_depth: int = 6
    extra_depth: int = 2  # rounds to go on after the first verified pipeline, to find alternatives
    time_limit: float = 30.0  # a guard: the budget below is what bounds a search on a loaded machine too
    # partial pipelines explored at most: a budget in work, not seconds, so that which pipelines are found
    # does not depend on the machine's load (None: the time limit alone)
    max_states: int | None = None
    # a further share of `max_states` kept for the last stage (the best pipelines again with a fill or a
    # dropna the searched half cannot show): a search that spends its budget reaching the pipeline still
    # finishes it
    finishing_share: float = 0.25
    min_constraint_share: float = 0.75  # of the target's keys/FDs/non-keys a verified candidate satisfies
    use_constraints: bool = True
    greedy: bool = False  # keep only the single most probable step each round (Auto-Suggest baseline)
    fine_tune: bool = True
    fill_unverified: bool = True  # pad the ranking with the closest unverified candidates
    max_rows: int = 20000  # larger inputs are sampled for the search
    # the target was made from about this many rows of the largest input (last quarter's 1,000 mails):
    # that input is sampled to as many, so that counts and sums come out on the target's scale
    target_sample_rows: int | None = None
    operators: tuple[str, ...] = tuple(PREDICTORS)


# ---- candidates and rankers --------------------------------------------------------------------------


@dataclass
class State:
    """A partial pipeline: its steps, the tables not yet consumed, and how its last table fares."""

    steps: tuple[ops.Step, ...]
    probabilities: tuple[float, ...]
    live: dict[str, Tab]
    last: str
    origins: dict[str, frozenset[str]]  # live table -> the inputs it derives from
    mapping: ColumnMapping | None = None
    report: ConstraintReport | None = None
    key: int = 0  # the tables it leaves: states with the same key are the same state reached another way
    # its candidate (verified or not), once worked out: the beam, the variants and the ranking all ask
    candidates: dict[bool, Candidate] = field(default_factory=dict, repr=False, compare=False)

    @property
    def log_probability(self) -> float:
        return float(sum(math.log(max(p, 1e-9)) for p in self.probabilities))

    @property
    def outlook(self) -> float:
        """log P of the whole pipeline this state may grow into, estimated: its steps so far, and a join
        for each table still apart from the others (the output reads all inputs). States that have
        joined their tables and states that have not are compared fairly so."""
        return self.log_probability + (len(self.live) - 1) * math.log(JOIN_ESTIMATE)

    @property
    def output(self) -> Tab:
        return self.live[self.last]


@dataclass(frozen=True)
class Candidate:
    """A complete pipeline with everything a ranker may look at."""

    spec: SynthesisSpec
    step_probabilities: tuple[float, ...]
    mapping: ColumnMapping
    report: ConstraintReport
    rows: int
    target_rows: int
    unused_inputs: int
    verified: bool
    null_mismatch: float = 0.0  # how unlikely the mapped columns' nulls are next to the target's (evidence.py)
    category_mismatch: float = 0.0  # how unlikely the categorical columns' value sets are (evidence.py)
    agreement: Mapping[str, float] = field(default_factory=dict)  # row-aligned fit per column (alignment.py)
    count_surprise: float = 0.0  # how unlikely the rows it counts are next to the target's (evidence.py)
    name_agreement: float = 0.0  # mean name likeness of the mapped columns (the target's names as evidence)
    type_agreement: float = 1.0  # share of mapped columns whose kind (number, text, ...) is the target's
    text_sums: int = 0  # text columns summed or averaged (pandas concatenates strings): rarely meant
    row_slack: int | None = None  # the pipeline keeps every input row: its count is exact up to this many rows
    miswritten: int = 0  # mapped text columns written otherwise than the target's texts (evidence.miswritten)
    unfilled: bool = False  # counts of rows, never 0, mapped onto a target's 0s (evidence.unfilled_zeros)
    dropped: bool = False  # the last aggregation's group keys are not all mapped (evidence.dropped_keys)
    spelled: int = 0  # mapped target columns a step made as their names spell (`mean_alp`)

    @property
    def row_surprise(self) -> float:
        return row_surprise(self.rows, self.target_rows, self.row_slack)

    @property
    def log_probability(self) -> float:
        return float(sum(math.log(max(p, 1e-9)) for p in self.step_probabilities))

    @property
    def row_agreement(self) -> float:
        """How much better than chance the columns agree with the target row by row, summed. Only
        evidence for a candidate: a right one's groups may be too small to agree well."""
        return float(sum(max(0.0, a - CHANCE_AGREEMENT) for a in self.agreement.values()))

    def features(self) -> dict[str, float]:
        """Numeric features for a learned ranker (ranker.FEATURES names the ones a model reads)."""
        return {
            "steps": float(len(self.spec.steps)),
            "name_agreement": self.name_agreement,
            "type_agreement": self.type_agreement,
            "text_sums": float(self.text_sums),
            "mapping_min": float(min(self.mapping.scores.values(), default=0.0)),
            "log_probability": self.log_probability,
            "mapping_mean": self.mapping.mean_score,
            "mapping_log_likelihood": self.mapping.log_likelihood(),
            "constraint_share": self.report.share,
            "primary_key_ok": float(self.report.primary_ok),
            "row_ratio_log": math.log(max(self.rows, 1) / max(self.target_rows, 1)),
            "unused_inputs": float(self.unused_inputs),
            "null_mismatch": self.null_mismatch,
            "category_mismatch": self.category_mismatch,
            "row_surprise": self.row_surprise,
            "row_agreement": self.row_agreement,
            "spelled": float(self.spelled),
            "count_surprise": self.count_surprise,
            "verified": float(self.verified),
            **{f"op_{op}": float(sum(1 for x in self.spec.steps if x.op == op)) for op in ops.STEPS},
        }


@runtime_checkable
class Ranker(Protocol):
    """Scores complete candidates; higher is better. A learned ranker implements the same method."""

    def score(self, candidate: Candidate) -> float: ...


class JointProbabilityRanker:
    """log P(steps) + log P(target | output): the joint probability of the operators' predicted
    parameters times the likelihood of the column mapping and of the output's size, nulls and
    categories next to the target's, with penalties for constraints left unsatisfied and inputs left
    unused."""

    def score(self, candidate: Candidate) -> float:
        return (
            candidate.log_probability
            + candidate.mapping.log_likelihood()
            + 2.0 * math.log(max(candidate.report.share, 0.05))
            - 1.5 * candidate.unused_inputs
            - candidate.row_surprise
            - candidate.null_mismatch
            - candidate.category_mismatch
            + AGREEMENT * candidate.row_agreement
            - candidate.count_surprise
            - MISWRITTEN * candidate.miswritten
            - UNFILLED * candidate.unfilled
            - DROPPED_KEY * candidate.dropped
            + SPELLED * candidate.spelled
        )


@dataclass(frozen=True)
class RankedPipeline:
    rank: int
    spec: SynthesisSpec
    score: float
    probability: float  # joint probability of the steps
    verified: bool
    mapping: Mapping[str, str]
    violations: tuple[str, ...] = ()
    unexplained: tuple[str, ...] = ()  # target columns its output does not map (a closest, partial pipeline)

    def describe(self) -> str:
        problems = [*self.violations[:3]]
        if self.unexplained:
            problems.insert(0, f"cannot explain target column(s) {list(self.unexplained)}")
        flag = "" if self.verified else f"  [unverified: {'; '.join(problems)}]"
        return f"#{self.rank}  p={self.probability:.3g}  score={self.score:.2f}{flag}\n{self.spec.describe()}"


@dataclass
class SynthesisResult:
    pipelines: list[RankedPipeline]
    seconds: float
    explored: int
    depth: int
    constraints: Constraints
    timed_out: bool = False
    budget_spent: bool = False  # the search explored SearchConfig.max_states partial pipelines
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> SynthesisSpec:
        return self.pipelines[0].spec

    def specs(self) -> list[SynthesisSpec]:
        return [p.spec for p in self.pipelines]


# ---- the search --------------------------------------------------------------------------------------


class _Search:
    def __init__(self, inputs: Mapping[str, pd.DataFrame], target: pd.DataFrame, config: SearchConfig,
                 ranker: Ranker) -> None:
        self.config, self.ranker = config, ranker
        self.started = time.perf_counter()
        self.inputs = {name: _sample(frame, config.max_rows) for name, frame in inputs.items()}
        if config.target_sample_rows:
            # the largest input, by the rows of its file when it was sampled as it was read
            largest = max(inputs, key=lambda name: inputs[name].attrs.get("rows_in_file", len(inputs[name])))
            self.inputs[largest] = _sample(inputs[largest], min(config.target_sample_rows, config.max_rows))
        constraints = discover(target) if config.use_constraints else Constraints(tuple(map(str, target.columns)), len(target))
        self.ctx = Context(target, constraints, inputs=self.inputs)
        self.explored, self.depth, self.timed_out, self.budget_spent = 0, 0, False, False
        self.finishing = False  # in the last stage, with its share of the budget (`SearchConfig.finishing_share`)
        self.mapped_ever: dict[str, float] = {}  # target column -> best mapping score any explored table gave
        self.seen: dict[int, int] = {}
        self.expanded: set[int] = set()  # states every operator has been tried on
        self.tried: dict[str, int] = {}
        self.proposed: dict[object, list[Proposal]] = {}  # (operator, tables) -> proposals
        self.made: dict[int, Tab | None] = {}  # id(proposal) -> the table it makes
        self.failed: dict[str, str] = {}  # operator -> the first unexpected error its proposer raised
        self.unseen: set[int] = set()  # states with a dropna or fill the searched half cannot show (`unseen_gaps`)
        self.apart_as: dict[int, int] = {}  # such states kept apart as one (a pipeline's swaps: `swapped_functions`)

    def out_of_time(self) -> bool:
        """The search has spent its budget: the states it may explore, or its time."""
        limit = self.config.max_states
        if limit is not None and self.finishing:
            limit += int(limit * self.config.finishing_share)
        if limit is not None and self.explored >= limit:
            self.budget_spent = True
        elif time.perf_counter() - self.started > self.config.time_limit:
            self.timed_out = True
        return self.timed_out or self.budget_spent

    # -- AddOneStep

    def extend(self, state: State, operators: Sequence[str]) -> list[State]:
        if set(operators) >= set(self.config.operators):
            self.expanded.add(id(state))
        children = []
        for operator in operators:
            if self.out_of_time():
                break
            for proposal in self.proposals(operator, state):
                child = self.apply(state, proposal)
                if child is not None:
                    children.append(child)
        return children

    def proposals(self, operator: str, state: State) -> list[Proposal]:
        """The operator's proposals for the state's tables. A table left as it is stays live in many
        states of the beam: its proposals (and what they make) are worked out once."""
        if operator in MULTI_TABLE:
            groups = [state.live]
        else:
            # files to be stacked are stepped on once stacked, not one by one (see `stacked`)
            apart = (stacked(state.live, self.ctx, 2 if operator in ROW_WISE else STACKED_CROWD) if len(state.live) > 1
                     else frozenset())
            groups = [{name: tab} for name, tab in sorted(state.live.items()) if name not in apart]
        found: list[Proposal] = []
        for live in groups:
            key = (operator, frozenset((n, t.fingerprint, t.cache.get("made_by")) for n, t in live.items()))
            if key not in self.proposed:
                try:
                    self.proposed[key] = _propose(operator, live, self.ctx)
                except Exception as error:  # noqa: BLE001 - a proposer's bug costs its proposals, not the search
                    self.proposed[key] = []
                    self.failed.setdefault(operator, f"{type(error).__name__}: {str(error)[:120]}")
            found.extend(self.proposed[key])
        return found

    def apply(self, state: State, proposal: Proposal) -> State | None:
        first = proposal.steps[0]
        if isinstance(first, ops._Derive) and any(
            isinstance(s, ops._Derive) and s.target == first.target for s in state.steps
        ) and first.target in state.live[first.table].columns:
            return None  # deriving a derived column again: the pipeline with the second step alone is better
        if id(proposal) in self.made:
            produced = self.made[id(proposal)]
        else:
            produced = self.made[id(proposal)] = self.make(state, proposal)
        if produced is None:
            return None
        self.tried[proposal.operator] = self.tried.get(proposal.operator, 0) + 1
        self.explored += 1
        final = proposal.steps[-1].out
        consumed = {name for step in proposal.steps for name in step.inputs if name in state.live}
        origins = frozenset().union(*(state.origins[name] for name in consumed)) if consumed else frozenset()
        for name in consumed:  # a step that changes nothing is no step
            if len(consumed) == 1 and state.live[name].fingerprint == produced.fingerprint:
                return None
        live = {name: tab for name, tab in state.live.items() if name not in consumed}
        live[final] = produced
        child = State(
            steps=state.steps + proposal.steps,
            probabilities=state.probabilities + (proposal.probability,) + (1.0,) * (len(proposal.steps) - 1),
            live=live,
            last=final,
            origins={**{n: o for n, o in state.origins.items() if n in live}, final: origins},
        )
        key = hash((frozenset((n, t.fingerprint) for n, t in live.items() if n != final), produced.fingerprint))
        if self.seen.get(key, 0) >= 2:  # the same tables reached another way: keep two such paths at most
            return None
        self.seen[key] = self.seen.get(key, 0) + 1
        child.key = key
        self.evaluate(child)
        return child

    def make(self, state: State, proposal: Proposal) -> Tab | None:
        """The table the proposal's steps make from the state's tables (None if they fail or make
        nothing usable)."""
        env = _run(proposal.steps, {name: tab.frame for name, tab in state.live.items()})
        if env is None:
            return None
        frame = env[proposal.steps[-1].out]
        if frame.shape[1] == 0 or len(frame) == 0 or frame.columns.duplicated().any():
            return None
        produced = Tab(frame)
        produced.cache["made_by"] = proposal.operator
        produced.cache["counts"] = _counted_cells(proposal, state.live, produced, env)
        kept = _keeping(proposal, state.live)
        produced.cache["medians"] = _medians(proposal.steps, kept, produced, env)
        produced.cache["grains"] = _grains(proposal.steps, kept, produced, env)
        produced.cache["domains"] = _domains(proposal.steps, kept, produced, env)
        produced.cache["ranges"] = _ranges(proposal.steps, kept, produced, env)
        produced.cache["blends"] = _blends(proposal.steps, kept, produced, env)
        produced.cache["flag_sums"] = _flag_sums(proposal.steps, kept, produced, env)
        produced.cache["grouped_rows"] = _grouped_rows(proposal.steps, kept, env)
        produced.cache["measures"] = partial(_measures, proposal.steps, kept, produced, _measured_frames(proposal.steps, env),
                                             state.live)  # worked out by measures_of
        produced.cache["explains"] = {**_inherited(proposal, state.live, produced), **proposal.explains}
        produced.cache["spelled"] = _inherited_spelled(proposal, state.live, produced) | proposal.spelled
        produced.cache["named"] = _named(proposal.steps, state.live, produced)
        # a fill after a pivot by period keeps its periods
        produced.cache["periods"] = proposal.periods or next(
            (t.cache["periods"] for t in _keeping(proposal, state.live) if t.cache.get("periods")), ())
        if len(proposal.steps) == 1 and isinstance(proposal.steps[0], (ops._Derive, ops.FillNA, ops.Select, ops.Rename)):
            # same rows: the columns the step leaves alone keep their profiles
            step, parent = proposal.steps[0], state.live[proposal.steps[0].inputs[0]]
            touched = {getattr(step, "target", None), *getattr(step, "subset", ())}
            if isinstance(step, ops.FillNA) and not step.subset:
                touched = set(parent.columns)
            renamed = dict(getattr(step, "mapping", ()))
            for column in parent.columns:
                if column not in touched and column not in renamed and column in produced.columns:
                    produced._profiles[column] = parent.profile(column)
        return produced

    # -- VerifyCands

    def evaluate(self, state: State) -> None:
        state.mapping = self.ctx.mapping(state.output)
        for column in state.mapping.pairs:
            self.mapped_ever[column] = max(self.mapped_ever.get(column, 0.0), state.mapping.scores[column])
        report = state.output.cache.get("report")
        if report is None:
            report = state.output.cache["report"] = check(self.ctx.constraints, state.output.frame, state.mapping.pairs)
        state.report = report

    def verified(self, state: State) -> bool:
        assert state.mapping is not None and state.report is not None
        if state.mapping.covered < len(self.ctx.columns):
            return False
        if not self.config.use_constraints:
            return True
        return state.report.primary_ok and state.report.share >= self.config.min_constraint_share

    # -- GetPromisingTopK (diversity-based)

    def promising(self, states: list[State]) -> list[State]:
        width = 1 if self.config.greedy else self.config.beam_width
        # one state per set of tables: a second path to the same tables would take a place in the beam
        # from a different state, and grows the same pipelines
        best: dict[int, State] = {}
        for state in sorted(states, key=lambda s: -s.outlook):
            best.setdefault(state.key or id(state), state)
        states = list(best.values())
        if self.config.greedy or not self.config.use_constraints:
            return sorted(states, key=lambda s: -s.outlook)[:width]
        groups = [
            sorted(states, key=lambda s: -s.outlook),
            sorted(states, key=lambda s: (-s.report.satisfied, -s.outlook)),  # type: ignore[union-attr]
            sorted(states, key=lambda s: (-s.mapping.covered, -s.mapping.mean_score, -s.outlook)),  # type: ignore[union-attr]
        ]
        chosen: dict[int, State] = {}
        position = 0
        while len(chosen) < min(width, len(states)):
            for group in groups:
                if position < len(group) and len(chosen) < width:
                    chosen.setdefault(id(group[position]), group[position])
            position += 1
        return list(chosen.values())

    # -- Algorithm 1 (with the fine-tuning of Algorithm 2)

    def run(self) -> SynthesisResult:
        start = State((), (), {n: Tab(f) for n, f in self.inputs.items()}, next(iter(self.inputs)),
                      {n: frozenset({n}) for n in self.inputs})
        if len(self.inputs) == 1:
            self.evaluate(start)
        beam, candidates, found_at = [start], [], None
        if len(self.inputs) == 1 and self.verified(start):
            candidates.append(start)
            candidates.extend(self.unseen_gaps(start))
            candidates.extend(self.unseen_fills(start))
            found_at = 0
        near: list[State] = [start] if start.mapping is not None else []
        for depth in range(1, self.config.max_depth + 1):
            if self.out_of_time() or not beam:
                break
            self.depth = depth
            children = [c for state in beam for c in self.extend(state, self.config.operators)]
            if not children:
                break
            for child in children:
                if self.verified(child):
                    candidates.append(child)
            near.extend(children)
            # a pipeline that leaves an input unused is a candidate, but no reason to stop looking: the
            # target's rows may come from every file (an aggregate joined back to one file verifies where
            # the rows of two stacked files were meant)
            if found_at is None and any(self.verified(c) and not self.unused_inputs(c) for c in children):
                found_at = depth
            if self.config.greedy:
                beam = self.promising(children)
                if candidates:
                    break
                continue
            beam = self.promising(children)
            if found_at is not None and (depth >= found_at + self.config.extra_depth or self.confident(candidates)):
                break
        if self.config.fine_tune and self.config.use_constraints and not self.config.greedy:
            candidates.extend(self.fine_tune(near, candidates))
            spent, self.finishing, self.budget_spent = self.budget_spent, True, False
            candidates.extend(self.gap_variants(candidates))
            self.budget_spent = self.budget_spent or spent
        return self.rank(candidates, near)

    def gap_variants(self, verified: list[State]) -> list[State]:
        """Gaps dropped or filled before the pipeline aggregates: the training half rarely tells a count
        or mean of all rows from one of the complete rows, so the best pipelines come again with a
        dropna on an input or on the table the first group-by or pivot reads, or with the aggregated
        column's gaps filled with 0."""
        candidates = {id(s): self.candidate(s, True) for s in verified}
        # counts of rows under a target's 0s, as they would score with the fill they lack (`filled_pivot`)
        scored = sorted(verified, key=lambda s: -self.ranker.score(candidates[id(s)]) - UNFILLED * candidates[id(s)].unfilled)
        # one state per output: pipelines reaching one output by other paths would take the places of others
        firsts: dict[int, State] = {}
        for state in scored:
            firsts.setdefault(state.output.fingerprint, state)
        scored = list(firsts.values())
        # and those that count more rows than the target does: a dropna before counting is missing
        # (the best of them as they would score with the right rows)
        miscounted = sorted((s for s in scored[VARIANTS_OF:] if candidates[id(s)].count_surprise > 0),
                            key=lambda s: -self.ranker.score(candidates[id(s)]) - candidates[id(s)].count_surprise)
        found: list[State] = []
        for state in scored[:VARIANTS_OF] + miscounted[:COUNT_VARIANTS_OF]:
            if self.out_of_time():
                break
            found.extend(self.filled_pivot(state))
            if state.steps and id(state) not in self.unseen:  # the start state's fills were made before the search
                found.extend(self.unseen_fills(state))
                found.extend(self.unseen_drops(state))
            if self.gaps_the_target_lacks(state) and id(state) not in self.expanded:
                # gaps the target does not have, left at the end: fill or drop them there
                found.extend(c for c in self.extend(state, ["fillna", "dropna"]) if self.verified(c))
            if self.out_of_time() or any(isinstance(step, (ops.DropNA, ops.FillNA)) for step in state.steps[:1]):
                continue
            p = state.probabilities
            variants = _with_gap_steps(state.steps, self.inputs, self.ctx.target.frame)
            for steps, position, probability in variants:
                child = self.replay(steps, (*p[:position], probability, *p[position:]), state)
                if child is not None and self.verified(child):
                    found.append(child)
            if state.steps and isinstance(state.steps[-1], (ops.GroupBy, ops.Pivot)):
                # the aggregates chosen on the rows as they were may not be the ones now: chosen again
                # after the likeliest gap steps right before the aggregation (choosing costs time)
                last = len(state.steps) - 1
                again = sorted((v for v in variants if v[1] == last), key=lambda v: -v[2])[:AGAIN_PER_STATE]
                for steps, position, probability in again:
                    if self.out_of_time():
                        break
                    found.extend(self.aggregate_again(steps[: position + 1], (*p[:position], probability), state))
        return found

    def filled_pivot(self, state: State) -> list[State]:
        """A pivot whose empty cells were filled with 0 (`pivot_table(...).fillna(0)`): on this half every
        row may have every column's value, so the fill changes nothing here, but the target's cells hold 0s
        and no gap. Kept apart from the pivot without it, and ranked as a fill costs."""
        assert state.mapping is not None
        if not state.steps or not isinstance(state.steps[-1], ops.Pivot) or id(state) in self.unseen:
            return []
        target, output = self.ctx.target.frame, state.output.frame
        cells = [t for t, c in state.mapping.pairs.items() if c not in state.steps[-1].index]
        if not cells or target[cells].isna().any().any() or not (target[cells] == 0).any().any():
            return []
        if output[[state.mapping.pairs[t] for t in cells]].isna().any().any():
            return []  # gaps here: the fill is found as any step is
        fill = ops.FillNA(f"{state.last}_filled", state.last, 0, ())
        # a count is never 0: where the target's counts are, only the fill made them
        chance = COUNTS_FILLED if state.steps[-1].aggfunc in ("count", "size") else PRIOR["fillna"] * 0.5
        child = State((*state.steps, fill), (*state.probabilities, chance), {fill.out: state.output},
                      fill.out, {fill.out: state.origins[state.last]})
        self.evaluate(child)
        if not self.verified(child):
            return []
        self.unseen.add(id(child))
        return [child]

    def unseen_gaps(self, start: State) -> list[State]:
        """The input as it is, rows with gaps dropped first: a table asked for is rarely the input itself,
        and the gaps may lie all in the other half (the first rows of lags, a salary some schools do not
        report), so this half cannot show the dropna. On every column where the target has no gap at all;
        else on one such column each, those of whole numbers stored as floats first (a column of whole
        numbers is stored so when its source has gaps), at most `UNSEEN_GAPS`."""
        assert start.mapping is not None
        (name, frame), = self.inputs.items()
        target = self.ctx.target.frame
        complete = [start.mapping.pairs[t] for t in self.ctx.columns
                    if t in start.mapping.pairs and not target[t].isna().any()]
        if not complete:
            return []

        def whole_floats(column: str) -> int:
            values = frame[column].dropna()
            if not pd.api.types.is_float_dtype(values.dtype):
                return 2
            return 0 if len(values) and bool((values == values.round()).all()) else 1

        steps: list[tuple[ops.Step, float]] = []
        if len(complete) == len(self.ctx.columns):
            steps.append((ops.DropNA("g_all", name, ()), PRIOR["dropna"] * 0.5))
        for column in sorted(complete, key=whole_floats)[:UNSEEN_GAPS]:
            steps.append((ops.DropNA(f"g_{len(steps)}", name, (column,)), PRIOR["dropna"] * 0.5 ** (1 + len(steps))))
        # or filled with 0: the target holds 0s in a column that has none here (a growth rate's first year)
        zeros = [c for t, c in start.mapping.pairs.items() if c in complete and pd.api.types.is_numeric_dtype(frame[c])
                 and bool((target[t] == 0).any()) and not bool((frame[c] == 0).any())]
        steps += [(ops.FillNA(f"g_{len(steps) + k}", name, 0, (c,)), PRIOR["fillna"] * 0.5)
                  for k, c in enumerate(zeros[:UNSEEN_GAPS])]
        found = []
        for step, probability in steps:
            state = State((step,), (probability,), {step.out: start.output}, step.out, {step.out: frozenset({name})})
            self.evaluate(state)
            if self.verified(state):
                found.append(state)
                self.unseen.add(id(state))
        return found

    def unseen_fills(self, state: State) -> list[State]:
        """The pipeline with an input's text column filled first, where the target's column holds one value no
        input has ('Unknown' beside the diagnoses) and no gap, and the column has no gap here: the gaps were
        all in the other half, filled with that value. The fill changes nothing here; it is kept apart from
        the pipeline without it, and ranked as a fill costs."""
        assert state.mapping is not None
        target, found = self.ctx.target.frame, []
        for t, c in state.mapping.pairs.items():
            profile = self.ctx.profiles[t]
            if profile.kind != "string" or len(profile.foreign) != 1 or target[t].isna().any():
                continue
            value = next(iter(profile.foreign))
            if not placeholder(value):
                continue  # a category of the other half only ('Coastal'), not a fill value
            for name, frame in self.inputs.items():
                if (c not in frame.columns or frame[c].isna().any() or pd.api.types.is_numeric_dtype(frame[c].dtype)
                        or (state.steps and not any(name in s.inputs for s in state.steps))):
                    continue
                fill = ops.FillNA(f"u_{name}", name, value, (c,))
                rest = tuple(_reading(s, name, fill.out) for s in state.steps)
                last = rest[-1].out if rest else fill.out
                child = State((fill, *rest), (PRIOR["fillna"] * 0.5, *state.probabilities), {last: state.output}, last,
                              {last: state.origins.get(state.last, frozenset({name}))})
                self.evaluate(child)
                if self.verified(child):
                    found.append(child)
                    self.unseen.add(id(child))
        return found

    def unseen_drops(self, state: State) -> list[State]:
        """A pipeline that keeps every row of its one input (labels made, columns kept), again with the rows
        dropped first whose value is missing in a column the target copies without a gap, where that column
        holds whole numbers stored as floats: a column of whole numbers is stored so when its source has gaps,
        and here they were all in the other half (victims of known age), so this half cannot show the dropna
        (`unseen_gaps` does the same for the input as it is). At most `UNSEEN_DROPS`, ranked as a dropna costs."""
        assert state.mapping is not None
        if len(self.inputs) != 1 or not all(isinstance(s, ROW_KEEPING) for s in state.steps):
            return []
        (name, frame), = self.inputs.items()
        target = self.ctx.target.frame
        columns = [c for t, c in state.mapping.pairs.items()
                   if c in frame.columns and not target[t].isna().any() and pd.api.types.is_float_dtype(frame[c].dtype)
                   and not frame[c].isna().any() and bool((frame[c] == frame[c].round()).all())]
        found = []
        for k, column in enumerate(columns[:UNSEEN_DROPS]):
            drop = ops.DropNA(f"u_drop{k}_{name}", name, (column,))
            rest = tuple(_reading(s, name, drop.out) for s in state.steps)
            last = rest[-1].out
            child = State((drop, *rest), (PRIOR["dropna"] * 0.5 ** (1 + k), *state.probabilities), {last: state.output},
                          last, {last: state.origins.get(state.last, frozenset({name}))})
            self.evaluate(child)
            if self.verified(child):
                found.append(child)
                self.unseen.add(id(child))
        return found

    def gaps_the_target_lacks(self, state: State) -> bool:
        assert state.mapping is not None
        return any(state.output.profile(c).nulls and not self.ctx.profiles[t].nulls for t, c in state.mapping.pairs.items())

    def aggregate_again(self, prefix: tuple[ops.Step, ...], probabilities: tuple[float, ...], like: State) -> list[State]:
        env = _run(prefix, self.inputs)
        if env is None:
            return []
        operator = "groupby" if isinstance(like.steps[-1], ops.GroupBy) else "pivot"
        found = []
        for proposal in _propose(operator, {prefix[-1].out: Tab(env[prefix[-1].out])}, self.ctx)[:TOP_AGAIN]:
            steps = (*prefix, *proposal.steps)
            chances = (*probabilities, proposal.probability, *(1.0,) * (len(proposal.steps) - 1))
            keys = {k for s in proposal.steps for k in _group_keys(s)}  # a pivot may be filled after
            carry = {"explains": proposal.explains, "periods": proposal.periods,
                     "spelled": proposal.spelled | {c for c in like.output.cache.get("spelled", ()) if c in keys}}
            child = self.replay(steps, chances, like, carry)
            if child is not None and self.verified(child):
                found.append(child)
        return found

    def replay(self, steps: tuple[ops.Step, ...], probabilities: tuple[float, ...], like: State,
               carry: Mapping[str, Any] | None = None) -> State | None:
        """The state a pipeline of these steps reaches from the inputs (None if it fails or gives the
        output `like` already has). What the steps that made `like` said of its columns (names spelled
        after what they hold, columns explained, periods spread) holds for the same steps with a gap step
        inserted, and is carried over; `carry` says it instead where the last steps are others."""
        env = _run(steps, self.inputs)
        if env is None:
            return None
        origins = {name: frozenset({name}) for name in self.inputs}
        for step in steps:
            origins[step.out] = frozenset().union(*(origins[t] for t in step.inputs))
        last = steps[-1].out
        output = Tab(env[last])
        if len(output) == 0 or output.fingerprint == like.output.fingerprint:
            return None
        output.cache["counts"] = _counted_cells(Proposal(steps, 1.0, "replay"), {}, output, env)
        output.cache["medians"] = _medians(steps, (), output, env)
        output.cache["grains"] = _grains(steps, (), output, env)
        output.cache["domains"] = _domains(steps, (), output, env)
        output.cache["ranges"] = _ranges(steps, (), output, env)
        output.cache["blends"] = _blends(steps, (), output, env)
        output.cache["flag_sums"] = _flag_sums(steps, (), output, env)
        output.cache["grouped_rows"] = _grouped_rows(steps, (), env)
        output.cache["measures"] = partial(_measures, steps, (), output, _measured_frames(steps, env))  # by measures_of
        said = like.output.cache if carry is None else carry
        output.cache["spelled"] = frozenset(c for c in said.get("spelled", ()) if c in output.columns)
        output.cache["named"] = _named(steps, {}, output)
        output.cache["explains"] = {c: p for c, p in (said.get("explains") or {}).items() if c in output.columns}
        output.cache["periods"] = tuple(said.get("periods") or ())
        state = State(steps, probabilities, {last: output}, last, {last: origins[last]})
        self.explored += 1
        self.evaluate(state)
        return state

    def unused_inputs(self, state: State) -> int:
        return len(self.inputs) - len(state.origins.get(state.last, frozenset()))

    def confident(self, verified: list[State]) -> bool:
        """The best verified pipeline fits so well that longer ones are not worth a round."""
        state = max(verified, key=lambda s: self.ranker.score(self.candidate(s, True)), default=None)
        if state is None or state.mapping is None:
            return False
        best = self.candidate(state, True)
        # the mapping's own scores, not those agreement lifted (`_candidate`): a stop on values alone, as before
        return (best.report.share == 1.0 and state.mapping.mean_score >= 0.85
                and best.null_mismatch == 0.0 and best.category_mismatch == 0.0 and best.unused_inputs == 0
                and best.row_surprise == 0.0)

    def fine_tune(self, near: list[State], candidates: list[State]) -> list[State]:
        """Salvages near misses: pipelines whose outputs map most target columns or miss a constraint."""
        columns = len(self.ctx.columns)
        pool = [s for s in near if s.mapping is not None and s.mapping.covered >= columns - 2 and not self.verified(s)
                and id(s) not in self.expanded]
        pool.sort(key=lambda s: (-s.mapping.covered, -s.report.share, -s.log_probability))  # type: ignore[union-attr]
        found = []
        for state in pool[: self.config.beam_width]:
            if self.out_of_time():
                break
            for child in self.extend(state, [op for op in REPAIRS if op in self.config.operators]):
                if self.verified(child):
                    found.append(child)
                elif child.mapping is not None and child.mapping.covered > state.mapping.covered:  # type: ignore[union-attr]
                    # one more repair (e.g. two string columns to derive)
                    for grandchild in self.extend(child, ["string", "fillna", "dropna"]):
                        if self.verified(grandchild):
                            found.append(grandchild)
        return found

    # -- GetFinalTopK

    def candidate(self, state: State, verified: bool) -> Candidate:
        found = state.candidates.get(verified)
        if found is None:
            found = state.candidates[verified] = self._candidate(state, verified)
        return found

    def _candidate(self, state: State, verified: bool) -> Candidate:
        assert state.mapping is not None and state.report is not None
        columns = [state.mapping.pairs[t] for t in self.ctx.columns if t in state.mapping.pairs]
        renames = {c: t for t, c in state.mapping.pairs.items() if c != t}
        periods = _period_cells(state, renames, self.ctx.columns, self.inputs)
        drop: list[str] = []
        if periods:
            # a pivot by period: the other half spreads other periods, under their own names, so all of them
            # are kept, none is named, and none is renamed after the period it stands for here. The columns no
            # target column maps (a lookup's other columns) are dropped by name instead
            drop = [c for c in state.output.frame.columns if c not in periods and c not in columns]
            columns = []
            renames = {c: t for c, t in renames.items() if c not in periods}
        spec = canonical(SynthesisSpec(tuple(self.inputs), state.steps, state.last, tuple(columns), renames,
                                       drop=tuple(drop)))
        used = state.origins.get(state.last, frozenset())
        pairs = state.mapping.pairs
        mapping = state.mapping
        if self.matched(state) >= AGREED_ROWS:
            # on many keys both share, a column's agreement row by row says which column it is as surely as
            # its values' spread does, and more surely where the halves drift (a spread of other sizes)
            agreed = self.agreement(state)
            mapping = ColumnMapping(pairs, {t: max(s, agreed.get(t, 0.0)) for t, s in mapping.scores.items()})
        return Candidate(spec, state.probabilities, mapping, state.report, len(state.output),
                         len(self.ctx.target), self.unused_inputs(state), verified,
                         null_mismatch(self.ctx.profiles, state.output, pairs),
                         category_mismatch(self.ctx.profiles, self.ctx.target.frame, state.output, pairs,
                                           frozenset(str(s.value) for s in state.steps if isinstance(s, ops.FillNA))),
                         self.agreement(state),
                         count_surprise(state.steps, state.output.frame, self.ctx.target.frame, pairs,
                                        [(len(self.inputs[n]), [str(c) for c in self.inputs[n].columns]) for n in used],
                                        [t for t in self.ctx.columns if t not in pairs or pairs[t] in periods]
                                        if periods else None, state.output.cache.get("flag_sums", frozenset()),
                                        state.output.cache.get("grouped_rows")),
                         name_agreement(pairs), type_agreement(self.ctx.profiles, state.output, pairs),
                         text_sums(state.steps, state.output.frame),
                         len(used) if all(isinstance(s, (*ROW_KEEPING, ops.Union)) for s in state.steps) else None,
                         miswritten(self.ctx.target.frame, state.output.frame, pairs),
                         unfilled_zeros(self.ctx.target.frame, _unfilled_counts(state), pairs),
                         dropped_keys(state.steps, pairs),
                         sum(1 for t, c in pairs.items() if spelled_as_named(t, c, state.output.cache.get("spelled", frozenset()))
                             and state.mapping.scores[t] >= SPELLED_NAME))

    def matched(self, state: State) -> int:
        return self._by_pairs(state, "matched_keys", matched_keys)

    def agreement(self, state: State) -> dict[str, float]:
        return self._by_pairs(state, "agreement", output_agreement)

    def _by_pairs(self, state: State, key: str, measure: Callable[[Aligner, pd.DataFrame, Mapping[str, str]], _T]) -> _T:
        """What `measure` says of the state's output under its mapping's pairs, cached with the output (one
        mapping per output)."""
        found = state.output.cache.get(key)
        if found is None:
            assert state.mapping is not None
            found = state.output.cache[key] = measure(self.ctx.aligner, state.output.frame, state.mapping.pairs)
        return found

    def rank(self, verified: list[State], near: list[State]) -> SynthesisResult:
        # a step whose table never reaches the output is no part of the pipeline: the pipeline without
        # it is a candidate of its own
        verified = [s for s in verified if _all_steps_used(s)]
        near = [s for s in near if _all_steps_used(s)]
        states = list(verified)
        pool = [self.candidate(s, True) for s in verified]
        if self.config.fill_unverified and len(pool) < self.config.top_k:
            covered = [s for s in near if s.mapping is not None and s.mapping.covered == len(self.ctx.columns)
                       and not any(s is v for v in verified)]
            # and the best verified pipelines with one aggregate function swapped: this half may hold one row
            # per group, or groups whose least value fits the other half's medians by chance, and the functions
            # it cannot tell apart are the next guesses. Unverified, so listed after every verified pipeline
            swapped = self.swapped_functions(sorted(verified, key=lambda s: -self.ranker.score(self.candidate(s, True))))
            states += covered + swapped
            pool += [self.candidate(s, False) for s in covered + swapped]
        fingerprints = [(c, _projected_fingerprint(s, c.spec)) for s, c in zip(states, pool, strict=True)]
        unseen = {id(c): self.apart_as.get(id(s), id(c)) for s, c in zip(states, pool, strict=True) if id(s) in self.unseen}
        if not pool:
            raise self.failure(near)
        scored = sorted(((self.ranker.score(c), c) for c in pool), key=lambda x: (not x[1].verified, -x[0]))
        pipelines: list[RankedPipeline] = []
        seen: set[str] = set()
        outputs = {id(c): fp for c, fp in fingerprints}
        for score, cand in scored:
            # pipelines that give the same output are one answer (a pivot, or a group-by and a pivot; a split
            # or a slice cutting the same part); keep the best of them. Joins that differ in how they treat
            # unmatched rows, and pipelines that differ in a fill, stay apart: other rows may have gaps
            hows = "|".join(s.how for s in cand.spec.steps if isinstance(s, ops.Join))
            fills = sum(isinstance(s, ops.FillNA) for s in cand.spec.steps)
            # a dropna or fill this half cannot show stays apart from the pipeline without it too
            text = f"{outputs.get(id(cand))}|{hows}|{fills}|{unseen.get(id(cand), '')}"
            if text in seen:
                continue
            seen.add(text)
            if not _runs_on_engine(cand.spec, self.inputs):
                continue
            meta = {"score": round(score, 4), "probability": float(math.exp(cand.log_probability)),
                    "verified": cand.verified}
            pipelines.append(RankedPipeline(len(pipelines) + 1, replace(cand.spec, meta=meta), score,
                                            math.exp(cand.log_probability), cand.verified, dict(cand.mapping.pairs),
                                            cand.report.violations))
            if len(pipelines) >= self.config.top_k:
                break
        if not pipelines:
            raise self.failure(near)
        seconds = time.perf_counter() - self.started
        return SynthesisResult(pipelines, seconds, self.explored, self.depth, self.ctx.constraints, self.timed_out,
                               self.budget_spent, self.failure_notes())

    def swapped_functions(self, verified: list[State]) -> list[State]:
        """The first `SWAPPED_OF` verified pipelines of distinct outputs (best first), each with one
        aggregate function of a mapped column swapped for another of `SWAPS` (`_function_swaps`), the last
        aggregation first, at most `SWAP_RUNS` runs each. A swap is scored on its own values: where they
        do not map, its columns keep the pipeline's pairs at their own values' similarity. The runs are the
        fill's own: they neither count against the search's budget nor end on it."""
        found: list[State] = []
        parents: dict[int, State] = {}
        for state in verified:
            parents.setdefault(state.output.fingerprint, state)
        spent = self.explored, self.budget_spent, self.timed_out
        aggregating = [s for s in parents.values() if any(isinstance(step, (ops.GroupBy, ops.Pivot)) for step in s.steps)]
        for state in aggregating[:SWAPPED_OF]:
            assert state.mapping is not None
            env = _run(state.steps, self.inputs)
            if env is None:
                continue
            pairs = state.mapping.pairs
            runs = 0
            for position in reversed(range(len(state.steps))):
                for variant, names in _function_swaps(state.steps[position], env, frozenset(pairs.values())):
                    if runs >= SWAP_RUNS or time.perf_counter() - self.started > self.config.time_limit:
                        break
                    runs += 1
                    steps = (*state.steps[:position], variant, *state.steps[position + 1:])
                    # what the proposal said of the columns it made holds for its function, not for another
                    carry = {"explains": {}, "periods": state.output.cache.get("periods"),
                             "spelled": state.output.cache.get("spelled", frozenset()) - names}
                    child = self.replay(steps, state.probabilities, state, carry)
                    if child is None or not set(pairs.values()) <= set(child.output.columns):
                        continue
                    assert child.mapping is not None
                    own = child.mapping
                    if any(own.pairs.get(t) != c for t, c in pairs.items()):
                        given = self.ctx.given - child.output.cache.get("named", frozenset())
                        medians = child.output.cache.get("medians", frozenset())
                        scores = {t: own.scores[t] if own.pairs.get(t) == c else
                                  similarity(self.ctx.profiles[t], child.output.profile(c), given, c in medians)
                                  for t, c in pairs.items()}
                        child.mapping = child.output.cache["mapping"] = ColumnMapping(dict(pairs), scores)
                        child.report = child.output.cache["report"] = check(self.ctx.constraints,
                                                                            child.output.frame, pairs)
                    if id(state) in self.unseen:
                        # a gap step this half cannot show keeps it apart from other pipelines, as its parent; its
                        # swaps of the same output are one answer
                        self.unseen.add(id(child))
                        self.apart_as[id(child)] = id(state)
                    found.append(child)
        self.explored, self.budget_spent, self.timed_out = spent
        self.timed_out = self.timed_out or time.perf_counter() - self.started > self.config.time_limit
        return found

    def failure_notes(self) -> list[str]:
        """What the proposers that raised cost: their steps were never offered (a bug to report)."""
        return [f"the {operator} proposer failed ({error}); its steps were skipped, so a pipeline needing them "
                f"may be missing: please report this" for operator, error in sorted(self.failed.items())]

    def failure(self, near: list[State]) -> TargetNotProduced:
        limit = (f"time limit of {self.config.time_limit:g} s reached" if self.timed_out else
                 f"budget of {self.config.max_states} partial pipelines spent" if self.budget_spent else
                 f"depth {self.depth} reached")
        tried = [f"{count} {op} step(s)" for op, count in sorted(self.tried.items())] or ["no operator applied"]
        tried.append(f"target constraints: {', '.join(self.ctx.constraints.describe()[:6]) or 'none'}")
        tried += self.failure_notes()
        best = sorted((s for s in near if s.mapping is not None), key=lambda s: (-s.mapping.covered, -s.log_probability))[:3]  # type: ignore[union-attr]
        misses = []
        for state in best:
            unmapped = [t for t in self.ctx.columns if t not in state.mapping.pairs]  # type: ignore[union-attr]
            steps = "; ".join(s.describe() for s in state.steps) or "(the input as it is)"
            misses.append(f"{steps} -> maps {state.mapping.covered}/{len(self.ctx.columns)} target columns, "  # type: ignore[union-attr]
                          f"missing {unmapped}")
        never = tuple(t for t in self.ctx.columns if t not in self.mapped_ever)
        closest = self.closest(best[0]) if best and best[0].mapping is not None and best[0].mapping.covered else None
        what = (f"no pipeline produced a column like target column(s) {list(never)}" if never else
                f"no pipeline maps every target column {self.ctx.columns} and satisfies its constraints")
        return TargetNotProduced(
            f"{what} ({limit}, {self.explored} partial pipelines explored). Check that the target can be made "
            "from these inputs with join, union, groupby, pivot, unpivot, split, substring, concatenate, dropna "
            "and fillna, or raise --time-limit.",
            tried,
            misses,
            never_mapped=never,
            closest=closest,
        )

    def closest(self, state: State) -> RankedPipeline:
        """The state's pipeline as an unverified answer: its output cut to the target columns it maps."""
        assert state.mapping is not None and state.report is not None
        pairs = state.mapping.pairs
        columns = [pairs[t] for t in self.ctx.columns if t in pairs]
        renames = {c: t for t, c in pairs.items() if c != t}
        spec = canonical(SynthesisSpec(tuple(self.inputs), state.steps, state.last, tuple(columns), renames))
        unexplained = tuple(t for t in self.ctx.columns if t not in pairs)
        return RankedPipeline(1, spec, 0.0, math.exp(state.log_probability), False, dict(pairs),
                              state.report.violations, unexplained)


class TargetNotProduced(NoPipelineFound):
    """No pipeline reproduces the target. `never_mapped` names the target columns that no explored table
    had a column like; `closest` is the pipeline that maps the most target columns (unverified), if any."""

    def __init__(self, message: str, tried: list[str], near_misses: list[str], never_mapped: tuple[str, ...] = (),
                 closest: RankedPipeline | None = None) -> None:
        super().__init__(message, tried, near_misses)
        self.never_mapped, self.closest = never_mapped, closest


def _run(steps: Sequence[ops.Step], tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame] | None:
    """The tables with each step's output added, or None if a step cannot run on them or is a join that
    would multiply its rows (a key of few values: three offer files joined on a yes/no column made 880k
    rows from 1,000 each, and a search that tried such joins in turn took 23 GB)."""
    env = dict(tables)
    try:
        for step in steps:
            if isinstance(step, ops.Join) and join_rows(step, env) > _join_cap(env[step.left], env[step.right]):
                return None
            env[step.out] = step.run(env)
    except STEP_ERRORS:
        return None
    return env


JOIN_GROWTH = 10  # a join making more rows than this many times its larger input's is a search's misstep
JOIN_FLOOR = 100_000  # rows any join may make


SWAPPED_OF = 3  # verified pipelines whose aggregate functions are swapped to fill places the search left empty
SWAP_RUNS = 20  # pipelines, at most, run for each of them
SWAPS = ("mean", "median", "sum", "min", "max", "count", "nunique", "first", "last")
OF_NUMBERS = ("mean", "median", "sum")  # functions that read a column of text otherwise (`sum` glues it)


def _function_swaps(step: ops.Step, env: Mapping[str, pd.DataFrame], mapped: frozenset[str]
                    ) -> list[tuple[ops.Step, frozenset[str]]]:
    """The step with one aggregate function replaced by another of `SWAPS`, and the columns it changes: a
    group-by's aggregates named as a `mapped` column, a pivot's cells; none for other steps."""
    if not isinstance(step, (ops.GroupBy, ops.Pivot)):
        return []
    frame = env[step.table]

    def others(column: str, func: str) -> list[str]:
        values = frame.get(column)
        numbers = values is not None and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        return [f for f in SWAPS if f != func and (numbers or f not in OF_NUMBERS)]

    if isinstance(step, ops.GroupBy):
        # each function for every aggregate before the next function: a cap on runs leaves none of them unswapped
        swaps = [(SWAPS.index(other), i, (name, column, other)) for i, (name, column, func) in enumerate(step.aggs)
                 if name in mapped for other in others(column, func)]
        return [(replace(step, aggs=(*step.aggs[:i], agg, *step.aggs[i + 1:])), frozenset({agg[0]}))
                for _, i, agg in sorted(swaps, key=lambda x: x[:2])]
    cells = frozenset(env[step.out].columns) - set(step.index) if step.out in env else frozenset()
    return [(replace(step, aggfunc=other), cells) for other in others(step.values, step.aggfunc)]


def _join_cap(left: pd.DataFrame, right: pd.DataFrame) -> int:
    return max(JOIN_FLOOR, JOIN_GROWTH * max(len(left), len(right)))


def join_rows(step: ops.Join, env: Mapping[str, pd.DataFrame]) -> int:
    """The rows the join makes, counted from the rows per key on each side (matched as merge matches
    them, gaps included) without making them."""
    left, right = env[step.left], env[step.right]
    counted = "__lester_rows__"
    sides = []
    for frame, on in ((left, step.left_on), (right, step.right_on)):
        counts = frame.groupby(list(on), dropna=False, sort=False).size().rename(counted).reset_index()
        sides.append(counts)
    matched = pd.merge(sides[0], sides[1], how="inner", suffixes=("_l", "_r"), **step._on())
    rows = int((matched[f"{counted}_l"] * matched[f"{counted}_r"]).sum())
    if step.how == "left":
        rows += len(left) - int(matched[f"{counted}_l"].sum())
    return rows


def _propose(operator: str, live: Mapping[str, Tab], ctx: Context) -> list[Proposal]:
    """The operator's proposals for these tables; none when its predictor finds nothing to go on."""
    try:
        return list(PREDICTORS[operator](live, ctx))
    except PREDICT_ERRORS:
        return []


KEEPS_COLUMNS = ("join", "groupby_join", "dropna", "fillna", "split", "substring", "concatenate")


def _inherited(proposal: Proposal, live: Mapping[str, Tab], produced: Tab) -> dict[str, float]:
    """What the tables a step reads explain, where the step keeps their columns as they are, row by row
    (a join, a gap dropped or filled, a derived column): a mean joined back stays the mean it was made as
    when the next step joins another table or drops a row. Steps that aggregate or reshape make new columns."""
    found: dict[str, float] = {}
    for tab in _keeping(proposal, live):
        for column, p in (tab.cache.get("explains") or {}).items():
            if column in produced.columns:
                found[column] = max(p, found.get(column, 0.0))
    return found


def _counted_cells(proposal: Proposal, live: Mapping[str, Tab], produced: Tab,
                   env: Mapping[str, pd.DataFrame]) -> frozenset[str]:
    """The columns of the table a step makes that hold counts of rows, never 0: a pivot's cells counted (a
    combination no row has is a gap), also where the proposal joins the pivot to a group-by beside it, and
    kept by a step that keeps its columns as they are after it (a fill of other columns, a lookup joined)."""
    last = proposal.steps[-1]
    # a count of a column with gaps is 0 where all of a combination's values are gaps: counts of gap-free ones
    counted = [s for s in proposal.steps if isinstance(s, ops.Pivot) and s.aggfunc in ("count", "size")
               and (s.aggfunc == "size" or _gap_free(s.table, s.values, live, env))]
    if counted:
        cells = {str(c) for s in counted if s.out in env for c in env[s.out].columns if c not in s.index}
        return frozenset(c for c in produced.columns if c in cells)
    found = {c for tab in _keeping(proposal, live) for c in tab.cache.get("counts", ())}
    if isinstance(last, ops.FillNA):
        found -= set(last.subset) if last.subset else set(produced.columns)
    elif isinstance(last, ops.Join) and last.how != "inner":
        return frozenset()  # an outer join's gaps may be filled with 0 next, as the pivot's
    return frozenset(c for c in found if c in produced.columns)


def _unfilled_counts(state: State) -> frozenset[str]:
    """The counts of rows (`_counted_cells`) of a state's table that no fill with 0 of the pipeline fills: a fill
    that changes nothing on this half (`filled_pivot`) keeps the table it fills, counts and all."""
    filled = [set(s.subset) for s in state.steps if isinstance(s, ops.FillNA) and s.value == 0]
    counts = state.output.cache.get("counts", frozenset())
    return frozenset() if any(not columns for columns in filled) else frozenset(counts - set().union(*filled))


def _measures(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame],
              live: Mapping[str, Tab] | None = None) -> frozenset[str]:
    """The columns of the table the steps make that hold measures computed over groups (counts, sums, means: a
    group-by's, a pivot's cells), also those of the tables they keep as they are (`kept`), stack (measures of
    every file), keep some columns of or rename (`live`: the tables the steps read). No join is keyed on them
    (a count of schools is no school code). A group's min or max may be (the rows of its latest date), and so
    may an aggregate of a column constant in every group (the state's code of a county, averaged)."""
    found = {c for tab in kept for c in measures_of(tab)}

    def measured(name: str) -> frozenset[str]:
        return measures_of(live[name]) if live and name in live else frozenset()
    for step in steps:
        if isinstance(step, ops.GroupBy):
            source = env.get(step.table, pd.DataFrame())
            varying = list(dict.fromkeys(c for _, c, f in step.aggs if f in MEASURES and c in source.columns))
            try:
                varies = source.groupby(list(step.by), dropna=True)[varying].nunique().max() if varying else pd.Series()
            except (TypeError, ValueError, KeyError):  # unhashable cells: every aggregate a measure
                varies = pd.Series()
            found |= {out for out, column, func in step.aggs if func in ("count", "size", "nunique")
                      or (func in MEASURES and int(varies.get(column, 2)) > 1)}
        elif isinstance(step, ops.Pivot) and step.aggfunc in MEASURES and step.out in env:
            found |= {str(c) for c in env[step.out].columns if c not in step.index}
        elif isinstance(step, ops.Union):
            found |= frozenset.intersection(*(measured(n) for n in step.inputs)) if step.inputs else frozenset()
        elif isinstance(step, ops.Select):
            found |= measured(step.table)
        elif isinstance(step, ops.Rename):
            names = dict(step.mapping)
            found |= {names.get(c, c) for c in measured(step.table)}
    return frozenset(c for c in produced.columns if c in found)


MEASURES = ("count", "size", "nunique", "sum", "mean", "median", "std", "var")


def _measured_frames(steps: Sequence[ops.Step], env: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The frames `_measures` reads (what group-bys aggregate, what pivots make), kept until it is asked."""
    names = {s.table for s in steps if isinstance(s, ops.GroupBy)} | {s.out for s in steps if isinstance(s, ops.Pivot)}
    return {n: env[n] for n in names if n in env}


def _medians(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame]
             ) -> frozenset[str]:
    """The columns of the table the steps make that hold medians (a group-by's, a pivot's cells), also those of
    the tables they keep as they are (`kept`): of whole numbers, they are whole or halves."""
    found = {c for tab in kept for c in tab.cache.get("medians", ())}
    for step in steps:
        if isinstance(step, ops.GroupBy):
            found |= {out for out, _, func in step.aggs if func == "median"}
        elif isinstance(step, ops.Pivot) and step.aggfunc == "median" and step.out in env:
            found |= {str(c) for c in env[step.out].columns if c not in step.index}
    return frozenset(c for c in produced.columns if c in found)


def _grains(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame]
            ) -> dict[str, float]:
    """The columns of the table the steps make that are multiples of a unit in any sample, and the unit:
    counts, and the largest, smallest, first or sum of whole numbers are whole (1), their median whole or a half
    (0.5), and so of readings to one decimal or two (0.1, 0.05); a group-by's, or a pivot's cells. Also those
    of the tables they keep as they are (`kept`). A column whole in only a few rows here may not be there."""
    found = {c: g for tab in kept for c, g in (tab.cache.get("grains") or {}).items()}

    def grain(table: str, column: str, func: str) -> float | None:
        if func in ("count", "size", "nunique"):
            return 1.0
        values = env[table][column] if table in env and column in env[table].columns else None
        kept = grain_of(func)
        if kept is None or values is None:
            return None
        # a reading to one decimal keeps its decimal too (the best miles per gallon, 17.5, not 17.19)
        unit = written_unit(values, WHOLE_SEEN)
        return None if unit is None else unit * kept

    for step in steps:
        if isinstance(step, ops.GroupBy):
            for out, column, func in step.aggs:
                if (unit := grain(step.table, column, func)) is not None:
                    found[out] = unit
        elif isinstance(step, ops.Pivot) and step.out in env and (unit := grain(step.table, step.values, step.aggfunc)):
            found.update(dict.fromkeys((str(c) for c in env[step.out].columns if c not in step.index), unit))
    return {c: g for c, g in found.items() if c in produced.columns}


def _aggregated(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame], key: str,
                of: Callable[[str, str, str, Callable[[], int]], _T | None]) -> dict[str, _T]:
    """What `of(table, column, func, made)` says of each column of the table the steps make as an aggregate of
    one column (a group-by's, or a pivot's cells; `made`: how many values it made), also of those of the tables
    the steps keep as they are (`kept`, under `key` of their cache). A later step that makes a column again makes
    it anew: `of` says what of it, or it says nothing."""
    found = {c: v for tab in kept for c, v in (tab.cache.get(key) or {}).items()}
    for step in steps:
        out = env.get(step.out)
        if isinstance(step, ops.GroupBy):
            for name, column, func in step.aggs:
                found.pop(name, None)
                if (value := of(step.table, column, func, partial(len, out) if out is not None else partial(int, 0))) is not None:
                    found[name] = value
        elif isinstance(step, ops.Pivot) and out is not None:
            cells = [str(c) for c in out.columns if c not in step.index]
            for cell in cells:
                found.pop(cell, None)
            if (value := of(step.table, step.values, step.aggfunc, partial(_filled, out, step.index))) is not None:
                found.update(dict.fromkeys(cells, value))
    return {c: v for c, v in found.items() if c in produced.columns}


def _filled(frame: pd.DataFrame, index: Sequence[str]) -> int:
    """The values a pivot made: its cells that are not empty."""
    return int(frame[[c for c in frame.columns if c not in index]].notna().to_numpy().sum())


def _domains(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame]
             ) -> dict[str, Domain]:
    """The columns of the table the steps make that lie inside the range of a column of codes in any sample
    (`mapping.domain_of`: the largest, mean, ... of cylinders), and the range; a group-by's, or a pivot's cells.
    Also those of the tables they keep as they are (`kept`)."""
    return _aggregated(steps, kept, produced, env, "domains", partial(_bounded, env, domain_of))


def _ranges(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame]
            ) -> dict[str, Domain]:
    """As `_domains`, of columns of readings (`mapping.range_of`: the mean or largest of hourly riders)."""
    return _aggregated(steps, kept, produced, env, "ranges", partial(_bounded, env, range_of))


def _bounded(env: Mapping[str, pd.DataFrame], of: Callable[[pd.Series, str], Domain | None], table: str, column: str,
             func: str, _: Callable[[], int]) -> Domain | None:
    frame = env.get(table)
    return of(frame[column], func) if frame is not None and column in frame.columns else None


def _blends(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame]
            ) -> dict[str, Blend]:
    """The columns of the table the steps make as the mean or sum of a numeric column (`mapping.blended_away`), a
    group-by's or a pivot's cells, with that column's fractions and rows per value made. Also those of the tables
    they keep as they are (`kept`)."""
    seen: dict[tuple[str, str], BlendBasis] = {}

    def blend(table: str, column: str, func: str, made: Callable[[], int]) -> Blend | None:
        frame = env.get(table)
        if func not in BLENDING or frame is None or column not in frame.columns:
            return None
        if (table, column) not in seen:
            seen[table, column] = blend_basis(frame[column])
        values, unit, digits = seen[table, column]
        return None if values is None else Blend(func, values, len(frame) / max(made(), 1), unit, digits)

    return _aggregated(steps, kept, produced, env, "blends", blend)


def _flag_sums(steps: Sequence[ops.Step], kept: Sequence[Tab], produced: Tab, env: Mapping[str, pd.DataFrame]
               ) -> frozenset[str]:
    """The columns a group-by makes as sums of a 0/1 flag (each counts the rows flagged), also those of the
    tables the steps keep as they are (`kept`)."""
    found = {c for tab in kept for c in tab.cache.get("flag_sums", ())}
    for step in steps:
        frame = env.get(step.table) if isinstance(step, ops.GroupBy) else None
        if not isinstance(step, ops.GroupBy) or frame is None:
            continue
        for out, column, func in step.aggs:
            if func == "sum" and column in frame.columns and pd.api.types.is_numeric_dtype(frame[column].dtype):
                values = frame[column].dropna()
                found |= {out} if len(values) and set(values.unique().tolist()) <= {0, 1} else set()
    return frozenset(c for c in found if c in produced.columns)


def _grouped_rows(steps: Sequence[ops.Step], kept: Sequence[Tab], env: Mapping[str, pd.DataFrame]) -> int | None:
    """How many rows the last group-by or pivot of the steps groups (the flights that found their airport in a
    join, those with all keys: pandas drops rows with a missing key), else that of the tables the steps keep
    as they are (a fill after the group-by)."""
    for step in reversed(steps):
        if isinstance(step, (ops.GroupBy, ops.Pivot)) and step.table in env:
            keys = [*step.by] if isinstance(step, ops.GroupBy) else [*step.index, step.columns]
            frame = env[step.table]
            return int(frame[keys].notna().all(axis=1).sum()) if set(keys) <= set(frame.columns) else len(frame)
    return next((tab.cache["grouped_rows"] for tab in kept if tab.cache.get("grouped_rows") is not None), None)


WHOLE_SEEN = 20  # whole numbers, at least, a column shows for its aggregates to count as whole in any sample


def _gap_free(table: str, column: str, live: Mapping[str, Tab], env: Mapping[str, pd.DataFrame]) -> bool:
    frame = env[table] if table in env else live[table].frame if table in live else None
    return frame is not None and column in frame.columns and not bool(frame[column].isna().any())


def _inherited_spelled(proposal: Proposal, live: Mapping[str, Tab], produced: Tab) -> frozenset[str]:
    """The spelled names of the tables a step reads that it keeps as they are (as `_inherited`), and of the
    keys a group-by or pivot groups by: their values stay what the name says (a date's month)."""
    # a column a step writes anew (a cut over `first_code`) is no longer what its name spelled
    written = {step.target for step in proposal.steps if isinstance(step, (ops.Split, ops.Substring, ops.Concatenate))}
    kept = {c for tab in _keeping(proposal, live) for c in tab.cache.get("spelled", ())
            if c in produced.columns and c not in written}
    for step in proposal.steps:
        keys = _group_keys(step)
        source = live.get(step.inputs[0]) if keys else None
        if source is not None:
            kept |= {c for c in source.cache.get("spelled", ()) if c in keys and c in produced.columns}
    return frozenset(kept)


def _named(steps: Sequence[ops.Step], live: Mapping[str, Tab], produced: Tab) -> frozenset[str]:
    """The columns of the table the steps make that the search named, after a target column: a group-by's
    aggregates under a name other than their column's, derived and renamed columns, and those of the tables the
    steps read. The data did not name them, so a name the inputs gave is no evidence there (an aggregate named
    'race 1', beside the pivot cells the data's 'race' labels)."""
    found: set[str] = set()
    for step in steps:
        for table in step.inputs:
            found |= set(live[table].cache.get("named", ())) if table in live else set()
        if isinstance(step, ops.GroupBy):
            found |= {out for out, column, _ in step.aggs if out != column}
        elif isinstance(step, ops._Derive):
            found.add(step.target)
        elif isinstance(step, ops.Rename):
            found |= {new for _, new in step.mapping}
        elif isinstance(step, ops.Unpivot):
            found |= {step.var_name, step.value_name}
    return frozenset(c for c in found if c in produced.columns)


def _group_keys(step: ops.Step) -> tuple[str, ...]:
    """The keys a group-by groups by, or the index a pivot keeps as rows; none for other steps."""
    return step.by if isinstance(step, ops.GroupBy) else step.index if isinstance(step, ops.Pivot) else ()


def _keeping(proposal: Proposal, live: Mapping[str, Tab]) -> list[Tab]:
    """The live tables a step reads, where it keeps their columns as they are, row by row; none otherwise."""
    if proposal.operator not in KEEPS_COLUMNS:
        return []
    return [live[n] for n in {n for step in proposal.steps for n in step.inputs if n in live}]


def _all_steps_used(state: State) -> bool:
    needed = {state.last}
    for step in reversed(state.steps):
        if step.out not in needed:
            return False
        needed.update(step.inputs)
    return True


def _with_gap_steps(steps: tuple[ops.Step, ...], inputs: Mapping[str, pd.DataFrame], target: pd.DataFrame | None = None
                    ) -> list[tuple[tuple[ops.Step, ...], int, float]]:
    """The pipeline with one step for gaps inserted, and that step's probability: a dropna on each input
    with gaps (once per column with gaps: those the first group-by or pivot aggregates, and a few with the
    fewest gaps; and once for all columns) and on the table that step reads; a fill with 0 of each column
    with gaps that step aggregates; and a fill of a text key with gaps that step groups by, with the one value
    the `target`'s column of its name holds and it lacks ('unknown' sex)."""
    points: list[tuple[int, str]] = [(0, name) for name in inputs if any(name in s.inputs for s in steps)]
    aggregated: tuple[str, ...] = ()
    counted: set[str] = set()
    keys: tuple[str, ...] = ()
    aggregation: tuple[int, str] | None = None
    for number, step in enumerate(steps):
        if isinstance(step, (ops.GroupBy, ops.Pivot)):
            aggregation = (number, step.inputs[0])
            points.append(aggregation)
            keys = step.by if isinstance(step, ops.GroupBy) else (*step.index, step.columns)
            aggregated = tuple(c for _, c, _ in step.aggs) if isinstance(step, ops.GroupBy) else (step.values,)
            counted = ({c for _, c, f in step.aggs if f == "count"} if isinstance(step, ops.GroupBy)
                       else {step.values} if step.aggfunc == "count" else set())
            break
    variants: list[tuple[tuple[ops.Step, ...], int, float]] = []
    melt = next(((k, s) for k, s in enumerate(steps) if isinstance(s, ops.Unpivot)), None)
    if melt is not None:
        # rows complete in the columns a melt stacks (women who answered all four asset questions)
        position, step = melt
        env = _run(steps[:position], inputs)
        frame = env.get(step.table) if env is not None else None
        if frame is not None and sum(bool(frame[c].isna().any()) for c in step.value_vars if c in frame) >= 2:
            name = f"g{position}_melted"
            rest = tuple(_reading(later, step.table, name) for later in steps[position:])
            variants.append(((*steps[:position], ops.DropNA(name, step.table, tuple(step.value_vars)), *rest), position,
                             PRIOR["dropna"] * 0.5))
    for position, table in dict.fromkeys(points):
        env = _run(steps[:position], inputs)
        frame = env.get(table) if env is not None else None
        if frame is None:
            continue
        gaps = frame.isna().sum()
        # the columns the group-by or pivot aggregates first, however many gaps they have (people who came
        # back for their result: the most gaps of any column), then those with the fewest gaps
        at_aggregation = (position, table) == aggregation
        with_gaps = [str(c) for c in gaps[gaps > 0].sort_values().index]
        first = [c for c in dict.fromkeys(aggregated) if c in with_gaps] if at_aggregation else []
        columns = list(dict.fromkeys([*first, *with_gaps[:DROPNA_COLUMNS]]))
        # gaps of the column a group-by or pivot aggregates are handled as often as not; others less. A count of
        # a column with gaps counts the rows where it is known: hand-written pipelines count a column without
        # gaps, or drop the rows first (none of the development part's 29 counts of a column reads one with
        # gaps), so the drop is as likely as the count without it
        inserted: list[tuple[ops.Step, float]] = [
            (ops.DropNA("", table, (c,)), 1.0 if at_aggregation and c in counted
             else PRIOR["dropna"] * (1.0 if c in aggregated else 0.5)) for c in columns
        ]
        if len(columns) > 1:
            inserted.append((ops.DropNA("", table, ()), PRIOR["dropna"] * 0.5))
        if (position, table) == aggregation:
            # the aggregated columns, and the numeric columns most often empty (gusts, delays)
            numeric = [str(c) for c in gaps[gaps > 0].sort_values(ascending=False).index
                       if pd.api.types.is_numeric_dtype(frame[c])]
            for column in dict.fromkeys([*(c for c in aggregated if c in numeric), *numeric[:FILL_COLUMNS]]):
                # or, on a rating scale without 0, with its middle value (a missing ideology read as the
                # scale's moderate 4): likelier than 0, which is no value of such a scale and drags means down
                middle = scale_middle(frame[column]) if column in aggregated else None
                chance = PRIOR["fillna"] * (1.0 if column in aggregated else 0.5)
                inserted.append((ops.FillNA("", table, 0, (column,)), chance * (OFF_SCALE if middle is not None else 1.0)))
                if middle is not None:
                    inserted.append((ops.FillNA("", table, middle, (column,)), chance))
            for column in keys:
                if target is None or column not in with_gaps or column not in target.columns:
                    continue
                if not (pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(frame[column])):
                    continue
                unseen = set(map(str, target[column].dropna().unique())) - set(map(str, frame[column].dropna().unique()))
                if len(unseen) == 1:
                    inserted.append((ops.FillNA("", table, unseen.pop(), (column,)), PRIOR["fillna"]))
        for step, probability in inserted:
            name = f"g{position}_{len(variants)}"
            step = replace(step, out=name)
            rest = tuple(_reading(later, table, name) for later in steps[position:])
            variants.append(((*steps[:position], step, *rest), position, probability))
    return variants


def _reading(step: ops.Step, old: str, new: str) -> ops.Step:
    """The step reading table `new` where it read `old`."""
    changes: dict[str, Any] = {}
    for attr in ("left", "right", "table"):
        if getattr(step, attr, None) == old:
            changes[attr] = new
    if isinstance(step, ops.Union) and old in step.tables:
        changes["tables"] = tuple(new if t == old else t for t in step.tables)
    return replace(step, **changes) if changes else step


def _projected_fingerprint(state: State, spec: SynthesisSpec) -> int:
    frame = state.output.frame[list(spec.columns)] if spec.columns else state.output.frame
    return Tab(frame.set_axis([f"c{i:04d}" for i in range(frame.shape[1])], axis=1)).fingerprint


def _sample(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    # in the file's order: what the first and last of a group are, and which columns move with the order, stay so
    return frame if len(frame) <= rows else frame.sample(rows, random_state=0).sort_index().reset_index(drop=True)


def _runs_on_engine(spec: SynthesisSpec, inputs: Mapping[str, pd.DataFrame]) -> bool:
    """The engine builds and runs the spec on the training inputs (so it has provenance there too)."""
    try:
        spec.build({name: _engine_source(name, frame) for name, frame in inputs.items()}).execute()
    except (LesterError, ValueError, TypeError, KeyError):
        return False
    return True


def _engine_source(name: str, frame: pd.DataFrame) -> Any:  # an engine Table (the engine loads on use)
    import lester_dagster.engine as le

    return le.from_pandas(frame, name)


def canonical(spec: SynthesisSpec) -> SynthesisSpec:
    """Renames intermediate tables s1, s2, ... in step order."""
    names = {step.out: f"s{i}" for i, step in enumerate(spec.steps, start=1)}

    def rename(value: str) -> str:
        return names.get(value, value)

    steps = []
    for step in spec.steps:
        changes: dict[str, Any] = {"out": rename(step.out)}
        for attr in ("left", "right", "table"):
            if hasattr(step, attr):
                changes[attr] = rename(getattr(step, attr))
        if isinstance(step, ops.Union):
            changes["tables"] = tuple(rename(t) for t in step.tables)
        steps.append(replace(step, **changes))
    return SynthesisSpec(spec.inputs, tuple(steps), rename(spec.output), spec.columns, dict(spec.renames), spec.meta,
                         spec.drop)


# ---- entry point -------------------------------------------------------------------------------------


def synthesize(
    inputs: Mapping[str, pd.DataFrame],
    target: pd.DataFrame,
    config: SearchConfig | None = None,
    ranker: Ranker | None = None,
) -> SynthesisResult:
    """Pipelines that turn `inputs` into tables that look like `target`, best first.

    Raises SynthesisInputError for unusable tables and NoPipelineFound when nothing fits the target.
    """
    config = config or SearchConfig()
    if not inputs:
        raise SynthesisInputError("synthesis needs at least one input table.")
    for name, frame in {**inputs, "target": target}.items():
        if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0 or len(frame) == 0:
            raise SynthesisInputError(f"table {name!r} is empty; synthesis needs tables with columns and rows.")
    target = target.reset_index(drop=True)
    target.columns = [str(c) for c in target.columns]
    search = _Search({n: f.reset_index(drop=True) for n, f in inputs.items()}, target, config,
                     ranker or default_ranker())
    _check_mappable(search)
    return search.run()


def _period_cells(state: State, renames: Mapping[str, str], targets: Sequence[str],
                  inputs: Mapping[str, pd.DataFrame]) -> list[str]:
    """The cell columns of a pivot that reach the output as they are (only joins, fills, drops of gaps and
    derived columns follow it: a report by year, then joined to a lookup), when one of them is renamed after
    a target column of its format ('2003' for '2001', 'late' for 'early') and the pivot is by period
    (`_periods`) or by a category other cells of which bear the target's names ('mid'): the other half has
    categories this one lacks. The pivot names its cells by the rows it reads, so a name of this half is none
    of the other's, and a later step or the spec's select that named one would fail on the other half. A
    pivot none of whose cells bears a target's name is renamed as before (female, male -> women, men)."""
    at = _kept_pivot(state)
    if at is None:
        return []
    pivot = state.steps[at]
    assert isinstance(pivot, ops.Pivot)
    frame = state.output.frame
    if any(not isinstance(s, ops.FillNA) for s in state.steps[at + 1:]):
        made = _run(state.steps[: at + 1], inputs)  # the pivot's own table, to tell its cells from joined columns
        if made is None:
            return []
        frame = made[pivot.out]
    cells = [c for c in frame.columns if c not in pivot.index and c in state.output.frame.columns]
    if any(set(_named_columns(step)) & set(cells) for step in state.steps[at + 1:]):
        return []  # a later step names a cell (drops the rows it lacks, splits it): no other rows make it
    # renamed after names of their own format that are none of them: other periods (also where the pivot
    # came by a route that did not read its column as periods, a group-by then a pivot)
    others = [renames[c] for c in cells if c in renames and renames[c] not in cells]
    if not (state.output.cache.get("periods") or any(c in targets and c not in renames for c in cells)
            or alike_periods(others, {str(c) for c in cells})):
        return []
    if not any(c in renames and _name_shape(str(c)) == _name_shape(renames[c]) for c in cells):
        return []
    return cells


CELL_KEEPING = (ops.Join, ops.FillNA, ops.DropNA, ops._Derive)  # steps that keep a pivot's cells as they are


def _named_columns(step: ops.Step) -> tuple[str, ...]:
    """The columns a step names and would fail without (a fill passes over the columns a table lacks)."""
    if isinstance(step, ops.FillNA):
        return ()
    named = [getattr(step, a) for a in ("column", "target") if getattr(step, a, "")]
    for attr in ("columns", "subset", "left_on", "right_on"):
        value = getattr(step, attr, ())
        named += [value] if isinstance(value, str) else list(value)
    return tuple(str(c) for c in named)


def _kept_pivot(state: State) -> int | None:
    """The position of the last pivot, where only CELL_KEEPING steps follow it on its way to the output."""
    at = next((i for i in range(len(state.steps) - 1, -1, -1) if isinstance(state.steps[i], ops.Pivot)), None)
    if at is None:
        return None
    chain = {state.steps[at].out}
    for step in state.steps[at + 1:]:
        if chain & set(step.inputs):
            if not isinstance(step, CELL_KEEPING):
                return None
            chain.add(step.out)
    return at if state.last in chain else None


def _name_shape(name: str) -> str:
    return "#" if name.isascii() and name.isdigit() else compressed_pattern(name)


def default_ranker() -> Ranker:
    """The learned ranker the package ships (ranker.py), or the joint probability when it ships none."""
    from lester_dagster.synthesis.ranker import learned_ranker

    return learned_ranker() or JointProbabilityRanker()


def _check_mappable(search: _Search) -> None:
    """A target none of whose columns resembles anything in the inputs cannot be synthesised: a column
    is plausible when it is numeric, shares a name or values with an input column, appears inside
    input values (a split or substring), or has an input column's patterns while its own values are
    mostly distinct (names and ids differ between row samples; categories do not)."""
    ctx = search.ctx
    tabs = [Tab(frame) for frame in search.inputs.values()]
    names = {c.lower() for tab in tabs for c in tab.columns}
    texts = [" | ".join(map(str, tab.frame[c].dropna().astype(str).head(2000)))
             for tab in tabs for c in tab.columns if tab.profile(c).kind == "string"]
    for column in ctx.columns:
        profile = ctx.profiles[column]
        if profile.numeric or column.lower() in names:
            return
        for tab in tabs:
            for c in tab.columns:
                other = tab.profile(c)
                if profile.values & other.values:
                    return
                if profile.uniqueness > 0.5 and profile.distinct >= 5 and similarity(profile, other) >= ctx.threshold:
                    return
        sample = [v for v in sorted(profile.values)[:20] if len(v) >= 2]
        if sample and any(sum(v in text for v in sample) >= 0.5 * len(sample) for text in texts):
            return
    raise SynthesisInputError(
        f"no target column {ctx.columns} can be mapped to the inputs: no shared names, values or value patterns. "
        "Check that the target belongs to these inputs."
    )


def summarise(result: SynthesisResult) -> str:
    limit = ", time limit reached" if result.timed_out else ", budget spent" if result.budget_spent else ""
    head = (f"{len(result.pipelines)} pipeline(s) in {result.seconds:.2f} s ({result.explored} partial "
            f"pipelines explored, depth {result.depth}{limit})")
    lines = [head, *(f"note: {note}" for note in result.notes)]
    for pipeline in result.pipelines:
        lines.append(pipeline.describe())
    return "\n".join(lines)


__all__ = [
    "Candidate",
    "JointProbabilityRanker",
    "RankedPipeline",
    "Ranker",
    "SearchConfig",
    "State",
    "SynthesisResult",
    "canonical",
    "summarise",
    "synthesize",
]

