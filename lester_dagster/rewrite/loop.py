"""The rewrite loop: split the messy script, run it in the sandbox on every row of its data (or a
covering sample), ask the LLM for each part (data preparation, label, feature encoding), check every
answer, run the assembled pipeline module in the sandbox on the same data, compare, and send errors and
differences back to the conversation that caused them, until the rewrite is proven equivalent or the
rounds run out. What goes back to the LLM from a run is only the comparison's summary and error
messages, with the values of columns the original never outputs redacted (`redact.py`)."""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from lester_dagster.errors import CodeRejected, LLMError, RewriteError
from lester_dagster.rewrite.assemble import RESERVED, Assembled, assemble
from lester_dagster.rewrite.compare import Tolerance, compare_outputs, kind_of, redacted
from lester_dagster.rewrite.cover import Coverage, covering_sample, whole_data
from lester_dagster.rewrite.deploy import module_hash
from lester_dagster.rewrite.llm import ChatClient, Message
from lester_dagster.rewrite.prompts import Prompt, load_prompt
from lester_dagster.rewrite.redact import Redactor, build_redactor
from lester_dagster.rewrite.report import VERIFIED, Call, RewriteReport, Round, atomic_write
from lester_dagster.rewrite.safety import ALLOWED_MODULES, Required, check_code, extract_code
from lester_dagster.rewrite.sandbox import Limits, RunOutcome, run_job, sandbox_backend, sandbox_path
from lester_dagster.rewrite.sources import Inputs, bind_inputs, describe_source
from lester_dagster.rewrite.split import ScriptParts, split_script

PARTS = ("prepare", "label", "encoder")
TASK_PROMPTS = {"prepare": "prepare", "label": "label", "encoder": "encode"}
PROMPT_NAMES = ("system", "prepare", "refine_sources", "refine_columns", "encode", "label", "retry")
# artifact that differs, or stage that failed -> the part whose conversation hears about it
_BLAME = {"prepared": "prepare", "X": "encoder", "y": "label", "prepare": "prepare", "label": "label",
          "encode": "encoder"}
_ANSWER_KEPT = 4000  # characters of an answer without code (a refusal, say) kept in the report


@dataclass(frozen=True)
class RewriteOptions:
    """Everything `lester-dagster rewrite` takes besides the script and the LLM."""

    data: Path
    out: Path | None = None  # default: <script dir>/<script stem>_declarative.py
    report: Path | None = None  # default: next to out, <out stem>.report.json
    max_rounds: int = 5
    sample_rows: int | None = None  # None: every row of every source; N: a covering sample of about N rows each
    limits: Limits = field(default_factory=Limits)
    tolerance: Tolerance = field(default_factory=Tolerance)
    functions: Mapping[str, str | None] = field(default_factory=dict)  # role -> function name overrides
    inputs: Mapping[str, str] = field(default_factory=dict)  # parameter -> CSV file
    keys: Mapping[str, str | None] = field(default_factory=dict)  # source -> key column (None: by content)
    name: str | None = None  # the PipelineSpec's name; default: the script's stem
    label: str = "label"
    keep_unverified: bool = False
    prompts: Path | None = None
    workdir: Path | None = None  # keep the sample and every run here (default: a temporary folder)
    prompt_examples: int = 3  # rows of each source shown in the prompts (0: column names and types only)

    def out_path(self, script: Path) -> Path:
        return self.out or script.with_name(f"{script.stem}_declarative.py")

    def report_path(self, script: Path) -> Path:
        out = self.out_path(script)
        return self.report or out.with_name(f"{out.stem}.report.json")


@dataclass
class Conversation:
    """One part's exchange with the LLM: its task prompt, its last answer and the feedback on it. Only
    the latest answer and feedback are resent, so the context stays bounded over many rounds."""

    part: str
    system: str
    task: str
    task_prompt: Prompt
    required: Required
    last_answer: str | None = None
    feedback: str | None = None
    feedback_prompt: Prompt | None = None
    code: str | None = None
    accepted_prompt: str = ""  # "name vN" of the prompt that produced the accepted code

    def messages(self) -> list[Message]:
        messages: list[Message] = [{"role": "system", "content": self.system}, {"role": "user", "content": self.task}]
        if self.feedback is not None and self.last_answer is not None:
            messages += [{"role": "assistant", "content": self.last_answer}, {"role": "user", "content": self.feedback}]
        return messages

    @property
    def prompt(self) -> Prompt:
        return self.feedback_prompt or self.task_prompt


@dataclass(frozen=True)
class Candidate:
    """The code of each part that went into a run, and the prompt (name and version) that produced it."""

    codes: dict[str, str]
    prompts: dict[str, str]


@dataclass
class Session:
    """What is known before the first LLM call: the script's parts, its inputs, the data both versions
    run on (every row, or a covering sample) and the original's outputs on it, the prompts, and where
    runs go."""

    script: Path
    options: RewriteOptions
    parts: ScriptParts
    inputs: Inputs
    workdir: Path
    data: dict[str, Path]  # source -> its file on the host
    coverage: Coverage
    backend: str
    original: RunOutcome
    prompts: dict[str, Prompt]
    label: str
    name: str
    report: RewriteReport
    cleanup: bool = False
    _redactor: list[Redactor] = field(default_factory=list)  # built on first use: it reads every source

    @property
    def sources(self) -> dict[str, str | None]:
        return {s.name: s.key for s in self.inputs.sources}

    def redact(self, text: str) -> str:
        """`text` without the values of columns the original never outputs (see redact.py)."""
        if not self._redactor:
            import pandas as pd

            frames = {s.name: pd.read_csv(self.data[s.name]) for s in self.inputs.sources}
            public = [self.parts.source, *(p.template for p in self.prompts.values()),
                      *(c.task for c in _conversations(self).values())]
            output = self.original.prepared if self.original.prepared is not None else pd.DataFrame()
            self._redactor.append(build_redactor(frames, output, public))
        return self._redactor[0](text)

    def close(self) -> None:
        if self.cleanup:
            shutil.rmtree(self.workdir, ignore_errors=True)


def rewrite(script: str | Path, options: RewriteOptions, client: ChatClient) -> RewriteReport:
    """Runs the whole rewrite; returns the report (also written to disk). Raises RewriteError subclasses
    only for problems found before any work is done (no such function, no such file, bad prompts, no
    sandbox)."""
    session = start(script, options)
    try:
        if session.report.verdict == "original-failed":
            return session.report
        return run_rounds(session, client)
    finally:
        session.close()


def start(script: str | Path, options: RewriteOptions) -> Session:
    """Splits the script, chooses the data (all rows, or a covering sample) and runs the original on it in
    the sandbox. Raises SandboxUnavailable before anything runs when no sandbox can be built."""
    script = Path(script).resolve()
    # Relative paths would be read inside the sandbox, from its own working folder: resolve them here.
    options = replace(options, data=Path(options.data).resolve(),
                      workdir=Path(options.workdir).resolve() if options.workdir is not None else None,
                      out=Path(options.out).resolve() if options.out is not None else None,
                      report=Path(options.report).resolve() if options.report is not None else None)
    out, report_path = options.out_path(script).resolve(), options.report_path(script).resolve()
    if script in (out, report_path) or out == report_path:
        raise RewriteError(f"--out {out} and --report {report_path} must differ from the messy script and from each "
                           "other: the original is never overwritten.")
    parts = split_script(script, options.functions)
    inputs = bind_inputs(parts.parameters("prepare"), Path(options.data), parts.string_constants(), options.inputs,
                         options.keys)
    prompts = {name: load_prompt(name, options.prompts) for name in PROMPT_NAMES}
    backend = sandbox_backend()
    cleanup = options.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="lester-rewrite-")) if options.workdir is None else Path(options.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run_original(script, options, parts, inputs, prompts, workdir, cleanup, backend)
    except BaseException:
        if cleanup:
            shutil.rmtree(workdir, ignore_errors=True)
        raise


def _run_original(script: Path, options: RewriteOptions, parts: ScriptParts, inputs: Inputs,
                  prompts: dict[str, Prompt], workdir: Path, cleanup: bool, backend: str) -> Session:
    if options.sample_rows is None:
        data, coverage = whole_data(inputs.sources)
    else:
        data, coverage = covering_sample(inputs.sources, options.sample_rows, _fresh(workdir / "sample"),
                                         parts.string_constants(), parts.number_constants())
    report = RewriteReport(
        script=str(script), data=str(options.data), sample_rows=options.sample_rows,
        sources=[{"name": s.name, "file": s.file.name, "key": s.key, "rows": coverage.sources[s.name].rows}
                 for s in inputs.sources],
        split={"functions": parts.functions, "how": parts.reasons, "arguments": inputs.arguments},
        prompts={name: p.describe() for name, p in prompts.items()},
        verification={"sandbox": backend, "data": coverage.describe(), "coverage": coverage.to_dict()},
    )
    original = run_job(
        {"mode": "messy", "script": sandbox_path("code", script.name), "functions": parts.functions,
         "arguments": inputs.messy_arguments(PurePosixPath(sandbox_path("data"))),
         "sampled": options.sample_rows is not None},
        # the script and the modules beside it, which it may import
        _fresh(workdir / "original"), options.limits, code=sorted({script, *script.parent.glob("*.py")}),
        data=list(data.values()),
    )
    name = options.name or re.sub(r"\W", "_", script.stem)
    session = Session(script, options, parts, inputs, workdir, data, coverage, backend, original, prompts,
                      options.label, name, report, cleanup)
    if not original.ok:
        report.verdict = "original-failed"
        report.reason = _why_original_failed(original, parts, options)
        report.original = {"error": original.error, "stderr": original.stderr_tail[-2000:]}
        report.save(options.report_path(script))
        return session
    prepared, X, y = original.outputs()
    columns = list(prepared.columns)
    label = options.label
    while label in columns:
        label += "_"
    session.label = label
    report.original = {"rows": len(prepared), "columns": columns,
                       "dtypes": {c: str(t) for c, t in prepared.dtypes.items()},
                       "X_shape": list(X.shape), "positives": int(y.sum()),
                       "seconds": round(original.seconds, 2)}
    report.save(options.report_path(script))
    return session


def _why_original_failed(original: RunOutcome, parts: ScriptParts, options: RewriteOptions) -> str:
    """Whose fault: the script's own code failed, or the harness could not use what a function returned
    (then the fix is on our side: which function plays which part)."""
    error = original.error or {}
    stage = error.get("stage") or ""
    on = "on the sample" if options.sample_rows is not None else "on the data"
    if original.verdict == "error" and not error.get("in_code") and stage in ("encode", "label"):
        fn = parts.functions[stage]
        return (f"the messy script ran, but what {fn}() returns cannot be used as the {stage} output "
                f"({error.get('message', '')}). If another function computes it, name it with --{stage}-fn (for an "
                "encoding that returns X and y together, pass that function as --label-fn too).")
    fix = ("raise --timeout / --memory-mb" if original.verdict in ("timeout", "crashed")
           else "fix the script or the data")
    more = " or raise --sample-rows" if options.sample_rows is not None else ""
    return (f"the messy script itself fails {on} ({original.summary()}); a rewrite cannot be verified against it. "
            f"{fix[0].upper() + fix[1:]}{more}.")


def run_rounds(session: Session, client: ChatClient, **overrides: Any) -> RewriteReport:
    """Asks, checks, runs and compares until verified or out of rounds; writes the report after each round.
    `overrides` replace options that matter only from here on (out, report, max_rounds, limits, ...), so one
    started session (the original already run) can serve several loops."""
    session = replace(session, options=replace(session.options, **overrides), report=copy.deepcopy(session.report))
    options, report = session.options, session.report
    report_path = options.report_path(session.script)
    describe = getattr(client, "describe", None)
    report.llm = describe() if callable(describe) else {"client": type(client).__name__}
    conversations = _conversations(session)
    last: Candidate | None = None
    remaining: list[dict[str, Any]] = []
    for number in range(1, options.max_rounds + 1):
        current = Round(number)
        report.rounds.append(current)
        try:
            _ask(conversations, current, client, session)
        except LLMError as error:
            current.verdict = "llm-error"
            report.verdict, report.reason = "llm-error", str(error)
            break
        finally:
            report.save(report_path)
        waiting = [p for p in PARTS if conversations[p].code is None]
        if waiting:
            current.verdict = "rejected"
            current.run = {"verdict": "skipped", "why": f"no accepted answer yet for {', '.join(waiting)}"}
            report.save(report_path)
            continue
        candidate = Candidate({p: conversations[p].code or "" for p in PARTS},
                              {p: conversations[p].accepted_prompt for p in PARTS})
        try:
            assembled = _assemble(session, candidate, "A candidate, not verified yet.")
        except CodeRejected as clash:
            _reject(conversations[clash.part or "encoder"], clash, session, current)
            current.verdict = "rejected"
            current.run = {"verdict": "skipped", "why": str(clash)}
            report.save(report_path)
            continue
        last = candidate
        outcome = _run_candidate(session, assembled, number)
        current.run = _run_record(outcome, assembled, session)
        comparison = compare_outputs(session.original, outcome, options.tolerance)
        # what leaves the sandbox for the LLM and the report: the summary of differences, redacted
        differences = [redacted(d, session.redact) for d in comparison.differences]
        current.differences = [d.to_dict() for d in differences]
        remaining = current.differences
        if outcome.ok and comparison.equal:
            current.verdict = report.verdict = VERIFIED
            prepared, X, _ = outcome.outputs()
            report.reason = (f"the rewrite gives the same prepared table ({len(prepared)} rows), feature "
                             f"matrix X {list(X.shape)} and labels as the original on "
                             f"{'every row of the data' if options.sample_rows is None else 'a covering sample'}")
            report.lineage = outcome.info.get("lineage", {})
            report.remaining_differences = []
            report.verification.update(prepared_rows_compared=comparison.rows, float_columns=comparison.precision,
                                       tolerance={"rtol": options.tolerance.rtol, "atol": options.tolerance.atol},
                                       seconds={"original": round(session.original.seconds, 2),
                                                "rewrite": round(outcome.seconds, 2)})
            break
        current.verdict = "run-failed" if not outcome.ok else "differs"
        _feedback(session, conversations, outcome, differences, assembled)
        report.save(report_path)
    if report.verdict not in (VERIFIED, "llm-error"):
        report.verdict = "not-verified"
        report.reason = _why_not(report)
    report.remaining_differences = [] if report.verified else remaining
    _write_outputs(session, report, last)
    report.save(report_path)
    return report


# ---- asking and checking ------------------------------------------------------------------------------


def _conversations(session: Session) -> dict[str, Conversation]:
    prompts, parts, original = session.prompts, session.parts, session.original
    system = prompts["system"].render(allowed_imports=", ".join(ALLOWED_MODULES))
    schema = _schema(original.prepared, session.options.prompt_examples)
    sources_text = _sources_text(session)
    signature = _prepare_signature(session)
    pair = parts.label_from_encoding
    tasks = {
        "prepare": prompts["prepare"].render(
            messy_code=parts.code_for("prepare").rstrip(), function_name=f"{parts.prepare}()", sources=sources_text,
            output_schema=schema, signature=signature),
        "label": prompts["label"].render(
            messy_code=parts.code_for("label").rstrip(), function_name=f"{parts.label}()", prepared_schema=schema,
            label_column=session.label,
            returns_note=(f"\n* `{parts.label}()` returns the pair (X, y): rewrite only how it computes y, the "
                          "second value; X is rewritten separately.\n" if pair else "")),
        "encoder": prompts["encode"].render(
            messy_code=parts.code_for("encode").rstrip(), function_name=f"{parts.encode}()", prepared_schema=schema,
            x_shape=str(tuple(original.outputs()[1].shape)),
            returns_note=(f"\n* `{parts.encode}()` returns the pair (X, y): rewrite only how it computes X, the "
                          "first value; the label y is rewritten separately.\n" if pair else "")),
    }
    required = {
        "prepare": Required("prepare", params=tuple(session.sources), signature=signature),
        "label": Required("label", arity=1, signature="label(prepared: le.Table) -> le.Table"),
        "encoder": Required("encoder", arity=0, signature="encoder() -> ColumnTransformer"),
    }
    return {p: Conversation(p, system, tasks[p], prompts[TASK_PROMPTS[p]], required[p]) for p in PARTS}


def _ask(conversations: Mapping[str, Conversation], current: Round, client: ChatClient, session: Session) -> None:
    for part in PARTS:
        conversation = conversations[part]
        if conversation.code is not None:
            continue
        prompt = conversation.prompt
        call = Call(part, prompt.name, prompt.version)
        current.calls.append(call)
        try:
            completion = client.complete(conversation.messages(), task=part)
        except LLMError as error:
            call.check, call.problems = "llm-error", [str(error)]
            raise
        call.attempts, call.seconds, call.usage = completion.attempts, completion.seconds, completion.usage
        call.retried_on, call.finish_reason = list(completion.retried_on), completion.finish_reason
        # some endpoints refuse an empty assistant message when it is sent back with the feedback
        conversation.last_answer = completion.content or "(an empty answer)"
        try:
            code = extract_code(completion.content, [conversation.required])
            call.code = code
            check_code(code, [conversation.required], RESERVED,
                       sources=tuple(session.sources) if part == "prepare" else ())
        except CodeRejected as rejected:
            if call.code is None:  # a refusal or prose only: keep what the model said
                call.answer = completion.content[:_ANSWER_KEPT]
            if completion.finish_reason == "length":
                rejected.problems.append("the answer was cut off at the length limit; answer with shorter code")
            _reject(conversation, rejected, session, current, call)
            continue
        call.check = "accepted"
        conversation.accepted_prompt = f"{prompt.name} v{prompt.version}"
        conversation.code, conversation.feedback, conversation.feedback_prompt = code, None, None


def _reject(conversation: Conversation, rejected: CodeRejected, session: Session, current: Round,
            call: Call | None = None) -> None:
    if call is None:
        call = next((c for c in current.calls if c.part == conversation.part), None)
    if call is not None:
        call.check, call.problems = "rejected", list(rejected.problems)
    conversation.code = None
    _set_feedback(conversation, session, rejected.refinement, rejected.problems, "refused before it ran")


def _set_feedback(conversation: Conversation, session: Session, refinement: str, problems: Sequence[str],
                  outcome: str) -> None:
    prompts = session.prompts
    bullets = "\n".join(f"- {p}" for p in problems)
    if refinement == "refine_sources":
        text = prompts["refine_sources"].render(problems=bullets, signature=_prepare_signature(session),
                                                sources=_sources_text(session))
    elif refinement == "refine_columns":
        text = prompts["refine_columns"].render(problems=bullets)
    else:
        refinement = "retry"
        text = prompts["retry"].render(outcome=outcome, problems=bullets,
                                       requirement=f"Remember: define `{conversation.required.signature}`.")
    conversation.feedback, conversation.feedback_prompt = text, prompts[refinement]
    if conversation.last_answer is None:
        conversation.last_answer = f"```python\n{conversation.code or ''}\n```"


# ---- running and comparing -----------------------------------------------------------------------------


def _assemble(session: Session, candidate: Candidate, status: str) -> Assembled:
    prompts = ", ".join(candidate.prompts[p] for p in PARTS)
    paragraphs = [
        status,
        ("Data preparation on the lester_dagster engine (prepare), the label (label) and an unfitted "
         "ColumnTransformer (encoder); PIPELINE plugs into lester_dagster.orchestration."),
        f"Model: {session.report.llm.get('model', 'not recorded')}. Prompts of the accepted answers: {prompts}.",
    ]
    header = (f"Declarative rewrite of {session.script.name}, generated by `lester-dagster rewrite`.\n\n"
              + "\n\n".join(textwrap.fill(p, 100) for p in paragraphs) + "\n")
    header = header.replace("\\", "/").replace('"' * 3, "'" * 3)
    return assemble(candidate.codes, session.sources, session.label, session.name, header)


def _run_candidate(session: Session, assembled: Assembled, number: int) -> RunOutcome:
    folder = _fresh(session.workdir / f"round-{number}")
    code = _fresh(session.workdir / f"round-{number}-code") / "candidate.py"
    code.write_text(assembled.text, encoding="utf-8")
    sources = {s.name: sandbox_path("data", session.data[s.name].name) for s in session.inputs.sources}
    job = {"mode": "rewrite", "module": sandbox_path("code", code.name), "sources": sources}
    return run_job(job, folder, session.options.limits, code=code, data=list(session.data.values()))


def _run_record(outcome: RunOutcome, assembled: Assembled, session: Session) -> dict[str, Any]:
    record: dict[str, Any] = {"verdict": outcome.verdict, "seconds": round(outcome.seconds, 2)}
    if outcome.error:
        error = outcome.error
        record.update(stage=error.get("stage"), type=error.get("type"),
                      message=session.redact(error.get("message", "")),
                      engine_column_check=bool(error.get("engine_column_check")),
                      at=[_where(f, assembled) for f in error.get("frames", [])], last_frame=error.get("last_frame"))
    if outcome.info.get("X_shape"):
        record["X_shape"] = outcome.info["X_shape"]
    if "heavy_modules" in outcome.info:  # torch & co. imported by the candidate's own code, if any
        record["heavy_modules"] = outcome.info["heavy_modules"]
    return record


def _where(frame: Mapping[str, Any], assembled: Assembled) -> str:
    origin = assembled.origin(frame["line"])
    place = f"line {origin[1]} of the {origin[0]} code" if origin else f"line {frame['line']} of the module"
    return f"{place}, in {frame['function']}: {frame['code']}"


def _feedback(session: Session, conversations: Mapping[str, Conversation], outcome: RunOutcome,
              differences: Sequence[Any], assembled: Assembled) -> None:
    """Sends each problem to the part that caused it; the others keep their accepted code."""
    problems: dict[str, list[str]] = {}
    refinement: dict[str, str] = {}
    if not outcome.ok:
        error = outcome.error or {}
        part = _blame(error, assembled)
        text = session.redact(_error_text(error, assembled, part))
        problems.setdefault(part, []).append(text)
        if error.get("engine_column_check"):
            refinement[part] = "refine_columns"
    for difference in differences:
        part = _BLAME[difference.artifact]
        problems.setdefault(part, []).append(difference.describe())
    if "prepare" in problems and any(d.artifact == "prepared" for d in differences):
        schema = textwrap.indent(_schema(session.original.prepared, session.options.prompt_examples), "  ")
        problems["prepare"].append("The original's prepared table has these columns:\n" + schema)
    for part, texts in problems.items():
        conversation = conversations[part]
        conversation.last_answer = f"```python\n{conversation.code}\n```"
        failed = not outcome.ok and part == _blame(outcome.error or {}, assembled)
        data = "the data" if session.options.sample_rows is None else "a covering sample of the data"
        outcome_text = (f"run on {data} and failed" if failed
                        else f"run on {data}, and its output differs from the original's")
        _set_feedback(conversation, session, refinement.get(part, "retry"), texts, outcome_text)
        conversation.code = None


def _blame(error: Mapping[str, Any], assembled: Assembled) -> str:
    """The part whose code raised (the innermost frame of an answer's code), else the stage's part. Frames
    first: the label stage executes data preparation again, and its errors are preparation's."""
    for frame in reversed(error.get("frames", [])):
        origin = assembled.origin(frame["line"])
        if origin:
            return origin[0]
    stage = error.get("stage") or ""
    if stage in _BLAME:
        return _BLAME[stage]
    return "prepare"  # a timeout or crash before any stage: data preparation is where the work is


def _error_text(error: Mapping[str, Any], assembled: Assembled, part: str) -> str:
    stage = error.get("stage") or "the run"
    what = ("the engine's column check refused it (a function reads columns it did not declare)"
            if error.get("engine_column_check") else f"it failed in {stage}")
    lines = [f"{what}: {error.get('message', '').strip()}"]
    for frame in error.get("frames", []):
        origin = assembled.origin(frame["line"])
        if origin and origin[0] == part:
            lines.append(f"  at line {origin[1]} of your code, in {frame['function']}: {frame['code']}")
    return "\n".join(lines)


def _why_not(report: RewriteReport) -> str:
    last = report.rounds[-1] if report.rounds else None
    if last is None:
        return "no rounds were run (--max-rounds 0)"
    base = f"{len(report.rounds)} round(s) used up (--max-rounds); in the last one "
    if last.verdict == "rejected":
        refused = [f"{c.part}: {c.problems[0]}" for c in last.calls if c.check == "rejected" and c.problems]
        return base + "the answer was refused: " + ("; ".join(refused) or last.run.get("why", ""))
    if last.verdict == "run-failed":
        run = last.run
        kind = "the engine's column check failed" if run.get("engine_column_check") else f"the run {run.get('verdict')}"
        return base + f"{kind} in {run.get('stage') or '?'}: {run.get('message', '')}"
    return base + f"the outputs still differ in {len(last.differences)} way(s): " + "; ".join(
        d["message"] for d in last.differences[:3])


def _write_outputs(session: Session, report: RewriteReport, last: Candidate | None) -> None:
    """The module only when verified (or, asked for, the last candidate under a name that says it is not)."""
    out = session.options.out_path(session.script)
    files = ", ".join(s.file.name for s in session.inputs.sources)
    if report.verified and last is not None:
        on = (f"every row of {files}" if session.options.sample_rows is None
              else f"a covering sample of {files} ({session.coverage.describe()})")
        status = (f"Verified on {on}, in the {session.backend} sandbox: the same prepared table, feature matrix and "
                  f"labels as the original. Load it with lester_dagster.rewrite.deploy.load_verified(path): it "
                  f"refuses a file whose SHA-256 is not the one in {session.options.report_path(session.script).name}.")
        text = _assemble(session, last, status).text
        atomic_write(out, text)
        report.output, report.module_sha256 = str(out), module_hash(text)
    elif session.options.keep_unverified and last is not None:
        path = out.with_name(f"{out.stem}.unverified.py")
        atomic_write(path, _assemble(session, last, f"NOT VERIFIED ({report.verdict}): {report.reason}").text)
        report.unverified_output = str(path)


# ---- prompt material -----------------------------------------------------------------------------------


def _prepare_signature(session: Session) -> str:
    return f"prepare({', '.join(f'{s}: le.Table' for s in session.sources)}) -> le.Table"


def _sources_text(session: Session) -> str:
    outputs = list(session.original.prepared.columns) if session.original.prepared is not None else []
    return "\n".join(describe_source(s, session.data[s.name], session.options.prompt_examples, outputs)
                     for s in session.inputs.sources)


def _schema(frame: Any, examples: int = 2) -> str:
    lines = [f"- {c}: {kind_of(frame[c])} ({frame[c].dtype})" for c in frame.columns]
    for record in frame.head(min(2, examples)).to_dict("records"):
        shown = {k: (v[:60] + "...") if isinstance(v, str) and len(v) > 60 else v for k, v in record.items()}
        lines.append(f"  example row: {shown}")
    return "\n".join(lines)


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder
