"""Splits a messy script, by its AST, into the three parts that get rewritten separately: the function
that prepares the data, the one that encodes features, the one that computes labels, each with the
module-level code it uses (imports, constants, helpers)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from lester_dagster.errors import ScriptSplitError

ROLES = ("prepare", "encode", "label")
_NAME_HINTS = {
    "prepare": {"prepare", "prep", "preprocess", "preparation", "dataprep", "load", "clean", "read", "data", "etl"},
    "encode": {"encode", "encoding", "feature", "features", "featurize", "featurise", "vectorize", "vectorise",
               "embed", "matrix", "x"},
    "label": {"label", "labels", "target", "targets", "y", "outcome", "outcomes"},
}
_NOT_A_PART = {"run", "main", "cli", "pipeline"}
_READERS = {"open", "reader", "DictReader", "read_csv", "read_parquet", "loadtxt", "genfromtxt", "read_text"}


@dataclass(frozen=True)
class ScriptParts:
    """The messy script's three functions (by name), why each was chosen, and the source text."""

    path: Path
    source: str
    prepare: str
    encode: str
    label: str
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def functions(self) -> dict[str, str]:
        return {"prepare": self.prepare, "encode": self.encode, "label": self.label}

    @property
    def label_from_encoding(self) -> bool:
        """The encoding function returns (X, y): the label is its second value."""
        return self.label == self.encode

    def parameters(self, role: str) -> list[str]:
        """Parameters of a part's function that have no default: the ones a caller must pass."""
        fn = _functions(ast.parse(self.source))[self.functions[role]]
        positional = [*fn.args.posonlyargs, *fn.args.args]
        required = positional[: len(positional) - len(fn.args.defaults)]
        return [a.arg for a in required] + [a.arg for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)
                                             if d is None]

    def code_for(self, role: str) -> str:
        """The part's function with the imports, constants and helper functions it uses, in script order."""
        return code_with_context(self.source, self.functions[role])

    def string_constants(self) -> set[str]:
        nodes = ast.walk(ast.parse(self.source))
        return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}

    def number_constants(self) -> set[float]:
        """Numbers the script compares or computes with (thresholds, limits), negated ones included."""
        out = set()
        for node in ast.walk(ast.parse(self.source)):
            negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            inner = node.operand if isinstance(node, ast.UnaryOp) and negative else node
            value = getattr(inner, "value", None)
            if isinstance(inner, ast.Constant) and isinstance(value, (int, float)) and not isinstance(value, bool):
                out.add(-float(value) if negative else float(value))
        return out


def split_script(path: str | Path, overrides: Mapping[str, str | None] | None = None) -> ScriptParts:
    """Finds the preparation, encoding and label functions: by name and by what they do (read files,
    stack arrays, consume the prepared rows); `overrides` ({"prepare": "my_fn", ...}) wins."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScriptSplitError(f"cannot read the messy script {path}: {error}") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise ScriptSplitError(f"{path}:{error.lineno}: the messy script does not parse: {error.msg}") from None
    functions = _functions(tree)
    if not functions:
        raise ScriptSplitError(
            f"{path} defines no top-level functions. Put the data preparation, the feature encoding and the label "
            "in one function each (e.g. prepare(customers_csv, ...), encode(rows), labels(rows))."
        )
    given = {k: v for k, v in (overrides or {}).items() if v}
    for role, name in given.items():
        if name not in functions:
            raise ScriptSplitError(f"--{role}-fn {name!r}: {path} has no top-level function of that name; it has "
                                   f"{sorted(functions)}.")
    consumers = _consumers_of_prepared(tree, functions)
    # functions that other functions of the script call (drivers aside) are helpers, not a part
    helpers = {_call_name(c) for name, fn in functions.items() if name not in _NOT_A_PART
               for c in ast.walk(fn) if isinstance(c, ast.Call)} & set(functions)
    chosen: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for role in ROLES:
        if role in given:
            chosen[role], reasons[role] = given[role], "given on the command line"
            continue
        taken = set(chosen.values()) | set(given.values())
        scored = sorted(
            ((score, name, why) for name, fn in functions.items() if name not in taken and name not in _NOT_A_PART
             for score, why in [_score(role, fn, chosen.get("prepare"), consumers, helpers)] if score > 0),
            key=lambda t: (-t[0], t[1]),
        )
        if not scored and role == "label" and _returns_pair(functions[chosen["encode"]]):
            chosen[role], reasons[role] = chosen["encode"], f"{chosen['encode']}() returns (X, y)"
            continue
        if not scored:
            raise ScriptSplitError(
                f"cannot tell which function of {path} does the {_ROLE_WORDS[role]}; functions: {sorted(functions)}. "
                f"Name it with --{role}-fn" + (" (the encoding function itself when it returns X and y together)"
                                               if role == "label" else "") + "."
            )
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            raise ScriptSplitError(
                f"both {scored[0][1]!r} and {scored[1][1]!r} in {path} look like the {_ROLE_WORDS[role]}; choose "
                f"one with --{role}-fn."
            )
        chosen[role], reasons[role] = scored[0][1], scored[0][2]
    for role in ("encode", "label"):
        fn = functions[chosen[role]]
        if len(fn.args.args) + len(fn.args.posonlyargs) < 1:
            raise ScriptSplitError(
                f"{chosen[role]}() in {path} takes no arguments, but the {_ROLE_WORDS[role]} must take the prepared "
                f"rows (what {chosen['prepare']}() returns). Pick another with --{role}-fn."
            )
    return ScriptParts(path, source, chosen["prepare"], chosen["encode"], chosen["label"], reasons)


_ROLE_WORDS = {"prepare": "data preparation", "encode": "feature encoding", "label": "label computation"}


def _returns_pair(fn: ast.FunctionDef) -> bool:
    """Whether a function ends in `return X, y` (a two-element tuple), as encoders that make the labels too do."""
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None]
    return bool(returns) and all(isinstance(r.value, ast.Tuple) and len(r.value.elts) == 2 for r in returns)


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}


def _tokens(name: str) -> set[str]:
    return {t.lower() for t in re.split(r"_|(?<=[a-z])(?=[A-Z])", name) if t}


def _score(role: str, fn: ast.FunctionDef, prepare: str | None, consumers: dict[str, set[str]],
           helpers: AbstractSet[str] = frozenset()) -> tuple[int, str]:
    score, why = 0, []
    if fn.name in helpers:
        score -= 3  # read_rows(path), called by prepare_orders(): a helper of the part, not the part
    if _tokens(fn.name) & _NAME_HINTS[role]:
        score += 3
        why.append("its name")
    called = {_call_name(c) for c in ast.walk(fn) if isinstance(c, ast.Call)}
    if role == "prepare":
        if called & _READERS:
            score += 2
            why.append("it reads files")
        if any(isinstance(n, ast.Call) and _call_name(n) == "append" and n.args and isinstance(n.args[0], ast.Dict)
               for n in ast.walk(fn)):
            score += 1
            why.append("it collects rows as dicts")
    elif prepare is not None and fn.name in consumers.get(prepare, set()):
        score += 2
        why.append(f"it takes what {prepare}() returns")
    if role == "encode" and {"hstack", "column_stack", "concatenate"} & called:
        score += 1
        why.append("it stacks arrays")
    if role != "prepare" and called & _READERS:
        score -= 2
    return score, ", ".join(why)


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _consumers_of_prepared(tree: ast.Module, functions: dict[str, ast.FunctionDef]) -> dict[str, set[str]]:
    """Data flow in driver functions: `rows = prepare(...)` then `encode(rows)` makes encode a consumer."""
    out: dict[str, set[str]] = {}
    for fn in functions.values():
        produced: dict[str, str] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _call_name(node.value) in functions:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        produced[target.id] = _call_name(node.value)
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and _call_name(node) in functions:
                for arg in node.args:
                    if isinstance(arg, ast.Name) and arg.id in produced:
                        out.setdefault(produced[arg.id], set()).add(_call_name(node))
    return out


def code_with_context(source: str, function: str) -> str:
    """`function`'s source plus every top-level import, constant, class and function it reaches."""
    tree = ast.parse(source)
    defined: dict[str, ast.stmt] = {}
    imports: dict[str, ast.stmt] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            defined[statement.name] = statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defined[name.id] = statement
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                imports[(alias.asname or alias.name).split(".")[0]] = statement
        elif isinstance(statement, ast.ImportFrom) and statement.module != "__future__":
            for alias in statement.names:
                imports[alias.asname or alias.name] = statement
    keep: list[ast.stmt] = []
    todo = [defined[function]]
    while todo:
        statement = todo.pop()
        if any(statement is k for k in keep):
            continue
        keep.append(statement)
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                for table in (defined, imports):
                    if node.id in table and not any(table[node.id] is k for k in keep):
                        todo.append(table[node.id])
    lines = source.splitlines()
    ordered = sorted(keep, key=lambda s: s.lineno)
    chunks = []
    for statement in ordered:
        start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        chunks.append("\n".join(lines[start - 1: statement.end_lineno]))
    imports_first = [c for c, s in zip(chunks, ordered, strict=True) if isinstance(s, (ast.Import, ast.ImportFrom))]
    rest = [c for c, s in zip(chunks, ordered, strict=True) if not isinstance(s, (ast.Import, ast.ImportFrom))]
    return "\n".join(imports_first) + ("\n\n" if imports_first else "") + "\n\n".join(rest) + "\n"
