"""Assembles the checked answers (data preparation, label, feature encoding) into one pipeline module
that defines SOURCES, prepare, label, encoder, LABEL and PIPELINE, and remembers which lines came from
which answer, so errors can be sent back to the conversation that wrote them."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass

from lester_dagster.errors import CodeRejected

PARTS = ("prepare", "label", "encoder")
RESERVED = ("SOURCES", "LABEL", "PIPELINE", "prepare_and_label", "PipelineSpec")


@dataclass(frozen=True)
class Assembled:
    """The module's text and where each of its lines came from: (part, line in that answer's code)."""

    text: str
    origins: tuple[tuple[str, int] | None, ...]

    def origin(self, line: int) -> tuple[str, int] | None:
        return self.origins[line - 1] if 0 < line <= len(self.origins) else None


def assemble(parts: Mapping[str, str], sources: Mapping[str, str | None], label: str, name: str,
             header: str) -> Assembled:
    """`parts` maps "prepare", "label" and "encoder" to checked code. Top-level names defined by two parts
    with different code are refused (the later part is asked to rename); identical definitions are kept once."""
    imports: dict[str, tuple[str, int] | None] = dict.fromkeys(
        ["from __future__ import annotations", "import lester_dagster.engine as le",
         "from lester_dagster.pipeline import PipelineSpec"]
    )
    bodies: dict[str, list[tuple[str, int, bool]]] = {}  # part -> (text, first line in the answer, is a def)
    owner: dict[str, tuple[str, str]] = {}
    kept: set[str] = set()
    for part in PARTS:
        code = parts[part]
        lines = code.splitlines()
        chunks = []
        for statement in ast.parse(code).body:
            start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
            text = "\n".join(lines[start - 1: statement.end_lineno])
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imports.setdefault(text, (part, start))
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue  # the answer's docstring
            clashes = []
            for defined in _names(statement):
                previous = owner.get(defined)
                if previous is not None and previous[1] != text:
                    clashes.append((defined, previous[0]))
                owner.setdefault(defined, (part, text))
            if clashes:
                raise CodeRejected([
                    f"`{n}` is also defined, differently, by the {p} code; give yours another name" for n, p in clashes
                ], part=part)
            if text in kept:
                continue
            kept.add(text)
            chunks.append((text, start, isinstance(statement, (ast.FunctionDef, ast.ClassDef))))
        bodies[part] = chunks

    out: list[str] = []
    origins: list[tuple[str, int] | None] = []

    def emit(text: str, part: str | None = None, first: int = 0) -> None:
        for k, line in enumerate(text.split("\n")):
            out.append(line)
            origins.append((part, first + k) if part else None)

    emit(f'"""{header}"""\n')
    for i, (text, origin) in enumerate(imports.items()):
        emit(text + ("\n" if i == 0 else ""), *(origin or (None, 0)))
    emit("")
    emit(f"SOURCES = {{{', '.join(f'{_literal(k)}: {_literal(v)}' for k, v in sources.items())}}}\n"
         f"LABEL = {_literal(label)}")
    titles = {"prepare": "data preparation", "label": "label", "encoder": "feature encoding"}
    for part in PARTS:
        emit("\n\n" + _rule(titles[part]))
        previous_def = None
        for text, first, is_def in bodies[part]:
            if previous_def is None:
                emit("")
            elif is_def or previous_def:
                emit("\n")
            emit(text, part, first)
            previous_def = is_def
    params = ", ".join(f"{s}: le.Table" for s in sources)
    call = ", ".join(f"{s}={s}" for s in sources)
    emit("\n\n" + _rule("the pipeline") + "\n")
    emit(f"def prepare_and_label({params}) -> le.Table:\n"
         '    """The prepared table with the label column, as PipelineSpec.prepare expects."""\n'
         f"    return label(prepare({call}))\n\n")
    emit(f"PIPELINE = PipelineSpec(\n    name={_literal(name)}, sources=SOURCES, prepare=prepare_and_label, "
         "encoder=encoder, label=LABEL\n)")
    return Assembled("\n".join(out) + "\n", tuple(origins))


def _names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
        return [statement.name]
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    return [n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)]


def _rule(title: str) -> str:
    return f"# ---- {title} ".ljust(100, "-")


def _literal(value: str | None) -> str:
    """A string literal in double quotes, as the rest of the code base writes them."""
    return "None" if value is None else json.dumps(value)
