"""The record of a rewrite: every round's LLM calls (prompt names and versions, what the check said),
the run's verdict and the differences found, and the final verdict; as JSON, written atomically after
every round so an interrupted rewrite keeps what it learnt, and as a readable summary."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

VERIFIED = "verified"


@dataclass
class Call:
    """One LLM call: which part, with which prompt, how it went, and what the check said of the answer."""

    part: str
    prompt: str
    version: str
    check: str = "pending"  # accepted, rejected or llm-error
    problems: list[str] = field(default_factory=list)
    attempts: int = 0
    seconds: float = 0.0
    usage: dict[str, int] = field(default_factory=dict)
    retried_on: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    code: str | None = None  # the code cut out of the answer
    answer: str | None = None  # the whole answer when no code could be cut out of it (a refusal, say)


@dataclass
class Round:
    number: int
    calls: list[Call] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=lambda: {"verdict": "skipped"})
    differences: list[dict[str, Any]] = field(default_factory=list)
    verdict: str = "pending"  # verified, rejected, run-failed, differs, llm-error


@dataclass
class RewriteReport:
    script: str
    data: str
    sample_rows: int | None  # None: verified on every row of every source
    sources: list[dict[str, Any]] = field(default_factory=list)
    split: dict[str, Any] = field(default_factory=dict)
    llm: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, dict[str, str]] = field(default_factory=dict)
    original: dict[str, Any] = field(default_factory=dict)
    rounds: list[Round] = field(default_factory=list)
    verdict: str = "in-progress"  # verified, not-verified, llm-error, original-failed
    reason: str = ""
    remaining_differences: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None
    unverified_output: str | None = None
    lineage: dict[str, list[str]] = field(default_factory=dict)  # the verified rewrite's column lineage
    # what the verdict rests on: the sandbox, the data (all rows or a covering sample, with coverage), the
    # prepared rows compared and how each float column was compared
    verification: dict[str, Any] = field(default_factory=dict)
    module_sha256: str | None = None  # of the written module: `deploy.load_verified` loads only these bytes

    @property
    def verified(self) -> bool:
        return self.verdict == VERIFIED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: Path) -> None:
        atomic_write(path, json.dumps(self.to_dict(), indent=2, default=str) + "\n")

    def summary(self) -> str:
        """A few lines a person reads: per round, what was asked, what the check and the run said."""
        head = {"verified": f"VERIFIED after {len(self.rounds)} round(s)", "not-verified": "NOT verified",
                "llm-error": "stopped: the LLM endpoint failed", "original-failed": "stopped: the original fails",
                "in-progress": "in progress"}.get(self.verdict, self.verdict)
        lines = [f"rewrite of {self.script}: {head}"]
        if self.sources:
            lines.append("  sources: " + ", ".join(
                f"{s['file']} (key {s['key']})" if s.get("key") else f"{s['file']} (no key: rows by content)"
                for s in self.sources))
        if self.verification.get("data"):
            lines.append(f"  verified on {self.verification['data']} (in the {self.verification.get('sandbox')} "
                         "sandbox)")
        if self.split:
            functions = self.split.get("functions", {})
            lines.append("  parts: " + ", ".join(f"{role} = {fn}()" for role, fn in functions.items()))
        if self.original.get("rows") is not None:
            lines.append(f"  original: {self.original['rows']} prepared rows x "
                         f"{len(self.original.get('columns', []))} columns, X {self.original.get('X_shape')}, "
                         f"{self.original.get('positives')} positive labels")
        for r in self.rounds:
            calls = ", ".join(f"{c.part} ({c.prompt} v{c.version}): {c.check}" for c in r.calls) or "no new answers"
            lines.append(f"  round {r.number}: {calls}")
            for c in r.calls:
                for problem in c.problems[:4]:
                    lines.append(f"      {c.part} refused: {_one_line(problem)}")
                if c.answer is not None:
                    lines.append(f"      {c.part} answered: {_one_line(c.answer)}")
            run = r.run
            if run.get("verdict") == "skipped":
                lines.append(f"    run: skipped ({run.get('why', 'not every part was accepted')})")
            elif run.get("verdict") == "ok":
                lines.append(f"    run: ok in {run.get('seconds', 0):.1f} s; "
                             + ("same prepared table, X and labels as the original" if r.verdict == VERIFIED
                                else f"{len(r.differences)} difference(s)"))
            else:
                what = "engine column check failed" if run.get("engine_column_check") else run.get("verdict")
                lines.append(f"    run: {what} in {run.get('stage') or '?'}: {_one_line(run.get('message', ''))}")
            for d in r.differences[:5]:
                lines.append(f"      [{d['artifact']}] {_one_line(d['message'])}")
        if self.reason:
            lines.append(f"  {'why' if not self.verified else 'result'}: {self.reason}")
        if self.output:
            lines.append(f"  wrote {self.output} (sha256 {str(self.module_sha256)[:16]}...; load it with "
                         "lester_dagster.rewrite.deploy.load_verified)")
        if self.unverified_output:
            lines.append(f"  wrote the last, unverified candidate to {self.unverified_output}")
        return "\n".join(lines)


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def atomic_write(path: Path, text: str) -> None:
    """Writes next to `path` and renames over it: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
