"""Checks on an LLM answer before anything runs: the code is cut out of the reply, parsed, and refused
(with reasons that go back to the LLM) if a required function is missing or has the wrong parameters,
if it imports something outside an allow-list, touches files, the network or processes, reaches for
exec/eval/dunder tricks, walks attribute chains to modules it may not import (`pd.io.common.os`,
`np.ctypeslib.ctypes`, `getattr` by name or passed around as a value), or inspects its environment
(working folder, environment variables, clock, unseeded randomness), which would let it behave one way
when verified and another when deployed. This is the first line and the LLM's feedback, not the security
boundary: every run happens in the operating-system sandbox (`sandbox.py`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lester_dagster.errors import CodeRejected

ALLOWED_MODULES = (
    "__future__", "pandas", "numpy", "sklearn", "scipy", "vaderSentiment", "math", "re", "datetime", "typing",
    "functools", "collections", "itertools", "statistics", "string", "decimal", "dataclasses",
    "lester_dagster.engine", "lester_dagster.features", "lester_dagster.errors",
)
# Submodules that read or write files, even under an allowed package (pandas.io, scipy.io, ...).
_FORBIDDEN_PARTS = frozenset(
    {"io", "os", "sys", "subprocess", "socket", "pathlib", "shutil", "pickle", "marshal", "shelve", "ctypes",
     "urllib", "http", "requests", "importlib", "builtins", "tempfile", "glob", "multiprocessing", "threading",
     "asyncio", "signal", "compression", "datasets", "ctypeslib", "posix", "nt", "_posixsubprocess", "mmap",
     "fcntl", "resource", "gc", "inspect", "code", "codeop", "pty", "pdb", "runpy", "site", "sysconfig",
     "platform", "getpass", "uuid", "codecs", "webbrowser", "ftplib", "smtplib", "joblib", "loky", "npyio",
     "distutils"}
)
# Attributes that reach the interpreter's internals (frames, code objects, globals) or the process.
_INTERNAL_ATTRIBUTES = frozenset(
    {"gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals", "f_locals", "f_builtins",
     "f_back", "f_code", "tb_frame", "tb_next", "co_code", "func_globals", "mro", "open", "open_memmap", "CDLL",
     "PyDLL", "cdll", "pydll", "dlopen", "LoadLibrary", "eval", "getpid", "getppid", "getuid", "killpg",
     "fdopen", "dup2", "Formatter", "get_field", "attrgetter", "methodcaller"}  # attribute walks by string
)
# What a run could use to tell a verification run from a deployed one, or to differ between runs.
_ENVIRONMENT = frozenset(
    {"getcwd", "getcwdb", "environ", "environb", "getenv", "putenv", "unsetenv", "gethostname", "uname",
     "cpu_count", "urandom", "getlogin", "now", "today", "utcnow", "perf_counter", "monotonic", "process_time"}
)
_SEEDED_RANDOM = frozenset({"default_rng", "RandomState", "Generator", "SeedSequence", "PCG64", "MT19937", "Philox",
                            "SFC64", "BitGenerator"})
_FORBIDDEN_CALLS = frozenset(
    {"exec", "eval", "compile", "__import__", "open", "input", "breakpoint", "globals", "locals", "vars", "help",
     "memoryview", "exit", "quit", "hash", "id"}
)
# fine only when called directly with a constant name, which is then checked like `.name`
_ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
_ALLOWED_DUNDERS = frozenset({"__init__", "__name__", "__class__"})
_IO_ATTRIBUTES = frozenset(
    {f"read_{k}" for k in ("csv", "table", "fwf", "json", "html", "xml", "excel", "parquet", "feather", "orc",
                           "pickle", "sql", "sql_query", "sql_table", "hdf", "stata", "sas", "spss", "clipboard")}
    | {f"to_{k}" for k in ("csv", "json", "html", "xml", "excel", "parquet", "feather", "orc", "pickle", "sql",
                           "hdf", "stata", "clipboard", "markdown", "latex")}
    | {"load", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "fromfile", "tofile",
       "memmap", "fromregex", "DataSource", "HDFStore", "ExcelWriter", "ExcelFile"}
)
_PROCESS_ATTRIBUTES = frozenset({"system", "popen", "spawnl", "execv", "fork", "kill"})
_FORMAT_DUNDER = re.compile(r"\{[^{}]*(\.|\[)_")  # "{0.__class__}".format(x) reads attributes too
_FENCE = re.compile(r"```[ \t]*([\w+.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PATH_LITERAL = re.compile(r"\.(csv|tsv|parquet|feather|jsonl?|xlsx?)$|^(/|~/|\./|\.\./)[\w.-]+/|^\w:\\", re.IGNORECASE)


@dataclass(frozen=True)
class Required:
    """A function the answer must define: called with keywords `params` (extra ones need defaults), or
    with `arity` positional arguments."""

    name: str
    params: tuple[str, ...] | None = None
    arity: int | None = None
    signature: str = ""  # how the prompt spells it, for messages


def extract_code(reply: str, required: Sequence[Required] = ()) -> str:
    """The Python code in an answer: its fenced block (the one defining the required functions when there
    are several, else all Python blocks joined), or the whole reply if it is bare code."""
    if not reply or not reply.strip():
        raise CodeRejected(["the answer was empty; answer with the code in one ```python block."], "retry")
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(reply)]
    python = [body for lang, body in blocks if lang in ("", "python", "py", "python3")]
    if python:
        names = {r.name for r in required}
        complete = [b for b in python if names <= _defined(b)]
        return (complete[-1] if complete else "\n\n".join(python)).strip("\n") + "\n"
    try:
        tree = ast.parse(reply)
    except SyntaxError:
        tree = None
    code_like = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    if tree is not None and any(isinstance(s, code_like) for s in tree.body):
        return reply.strip("\n") + "\n"
    what = f"only a {blocks[0][0]} block" if blocks else "no Python code"
    raise CodeRejected([f"the answer contained {what}; answer with the complete code in one ```python block."], "retry")


def _defined(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef))}


def check_code(code: str, required: Sequence[Required], reserved: Iterable[str] = (), *,
               sources: Sequence[str] = ()) -> ast.Module:
    """Parses and checks the code; raises CodeRejected listing every problem found. `reserved` names are
    defined by the assembled module and may not be redefined; `sources` (for data preparation) are the
    argument names the sources arrive under."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        text = (error.text or "").strip()
        raise CodeRejected([f"line {error.lineno}: syntax error: {error.msg}: {text!r}"]) from None
    problems: list[str] = []
    path_problems: list[str] = []
    column_problems: list[str] = []
    _check_top_level(tree, set(reserved), problems)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        _check_node(node, problems, path_problems, column_problems, called)
    functions = {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}
    for want in required:
        _check_signature(want, functions.get(want.name), functions, path_problems if sources else problems)
    everything = list(dict.fromkeys(problems + path_problems + column_problems))
    if not everything:
        return tree
    if path_problems and sources:  # data preparation that still reads files: the paths refinement fixes it
        raise CodeRejected(everything, "refine_sources")
    if column_problems and not problems and not path_problems:
        raise CodeRejected(everything, "refine_columns")
    raise CodeRejected(everything)


def _check_top_level(tree: ast.Module, reserved: set[str], problems: list[str]) -> None:
    for i, statement in enumerate(tree.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            names = {statement.name} if isinstance(statement, (ast.FunctionDef, ast.ClassDef)) else set()
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and i == 0:
            continue  # the module docstring
        else:
            problems.append(
                f"line {statement.lineno}: top-level {type(statement).__name__.lower()} statement runs on import; "
                "only imports, functions, classes and constants may be at the top level."
            )
            continue
        for name in sorted(names & reserved):
            problems.append(f"line {statement.lineno}: do not define {name!r}; it is defined for you.")


def _check_node(node: ast.AST, problems: list[str], path_problems: list[str], column_problems: list[str],
                called: set[int]) -> None:
    line = getattr(node, "lineno", "?")
    if isinstance(node, ast.Import):
        for alias in node.names:
            _check_module(alias.name, line, problems)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            problems.append(f"line {line}: relative import; import from {_allowed_list()} only.")
        else:
            _check_module(node.module or "", line, problems)
            for alias in node.names:
                if alias.name == "*":
                    problems.append(f"line {line}: 'from {node.module} import *' hides what is used; import names.")
                elif alias.name in _IO_ATTRIBUTES or alias.name in _FORBIDDEN_PARTS:
                    path_problems.append(f"line {line}: imports {alias.name!r}, which reads or writes files.")
                elif (node.module or "").split(".")[-1] == "random" and alias.name not in _SEEDED_RANDOM:
                    problems.append(f"line {line}: {node.module}.{alias.name} is unseeded randomness; use "
                                    "np.random.default_rng(<constant seed>).")
                else:
                    _check_attribute_name(alias.name, line, problems, path_problems, owner=None)
    elif isinstance(node, ast.Name):
        if node.id in _FORBIDDEN_CALLS:
            problems.append(f"line {line}: {node.id} is not allowed (no dynamic code, files, introspection or "
                            "per-process values).")
        elif node.id in _ATTRIBUTE_BUILTINS and id(node) not in called:
            # functools.reduce(getattr, ["io", "common", "os"], pd) walks any chain: only direct calls are checked
            problems.append(f"line {line}: {node.id} may only be called directly, with a constant attribute name.")
        elif node.id.startswith("__") and node.id.endswith("__"):
            problems.append(f"line {line}: {node.id} is not allowed.")
        elif node.id in ("Path", "PurePath"):
            path_problems.append(f"line {line}: {node.id}: sources arrive as tables, not paths.")
    elif isinstance(node, ast.Attribute):
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        _check_attribute_name(node.attr, line, problems, path_problems, owner)
        if node.attr in ("execute", "to_pandas"):
            problems.append(
                f"line {line}: .{node.attr}() runs the plan; return the Table instead, so the engine can track "
                "provenance."
            )
    elif isinstance(node, ast.keyword) and node.arg in ("dir_fd", "opener", "src_dir_fd", "dst_dir_fd"):
        problems.append(f"line {line}: the keyword {node.arg} opens files relative to a descriptor; not allowed.")
    elif isinstance(node, ast.Call):
        _check_call(node, problems, path_problems, column_problems)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _FORMAT_DUNDER.search(node.value):
            problems.append(f"line {line}: a format string that reads attributes is not allowed.")
        elif _PATH_LITERAL.search(node.value.strip()) and "\n" not in node.value:
            path_problems.append(f"line {line}: {node.value!r} looks like a file path; sources arrive as tables.")


def _check_attribute_name(name: str, line: object, problems: list[str], path_problems: list[str],
                          owner: str | None) -> None:
    """The rules for `x.name`, `getattr(x, "name")` and `from m import name` alike."""
    if name.startswith("__") and name.endswith("__"):
        if name not in _ALLOWED_DUNDERS:
            problems.append(f"line {line}: attribute {name} is not allowed.")
    elif name.startswith("_") and owner not in ("self", "cls"):
        problems.append(f"line {line}: the private attribute {name} is not allowed (only self._name in your own "
                        "classes).")
    elif name in _FORBIDDEN_PARTS:
        problems.append(f"line {line}: attribute {name!r} reaches a module you may not import (file, process or "
                        "interpreter access); for a column write table[\"{name}\"].")
    elif name in _PROCESS_ATTRIBUTES:
        problems.append(f"line {line}: .{name} starts or controls processes; that is not allowed.")
    elif name in _INTERNAL_ATTRIBUTES:
        problems.append(f"line {line}: .{name} reaches files, processes or the interpreter's internals; not allowed.")
    elif name in _ENVIRONMENT:
        problems.append(f"line {line}: .{name} reads the environment (working folder, variables, host or clock); "
                        "the rewrite must compute the same in every run, from its inputs only.")
    elif name in _IO_ATTRIBUTES:
        path_problems.append(f"line {line}: .{name} reads or writes files; sources arrive as tables.")


def _check_module(module: str, line: object, problems: list[str]) -> None:
    parts = module.split(".")
    allowed = any(module == m or module.startswith(m + ".") for m in ALLOWED_MODULES)
    if not allowed:
        problems.append(f"line {line}: import of {module!r} is not allowed; import from {_allowed_list()} only.")
    elif _FORBIDDEN_PARTS & set(parts[1:]):
        problems.append(f"line {line}: import of {module!r} is not allowed (file or process access).")


def _allowed_list() -> str:
    return ", ".join(ALLOWED_MODULES)


def _check_call(node: ast.Call, problems: list[str], path_problems: list[str], column_problems: list[str]) -> None:
    line = node.lineno
    func = node.func
    if isinstance(func, ast.Name) and func.id in _ATTRIBUTE_BUILTINS:
        name = node.args[1] if len(node.args) > 1 else None
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            problems.append(f"line {line}: {func.id} needs a plain attribute name as a string constant.")
        else:
            owner = node.args[0].id if node.args and isinstance(node.args[0], ast.Name) else None
            _check_attribute_name(name.value, line, problems, path_problems, owner)
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    constants = [a.value for a in [*node.args, *(k.value for k in node.keywords)]
                 if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    clock = {"now", "today"} & {c.strip().lower() for c in constants}
    if called in ("to_datetime", "Timestamp", "datetime64") and clock:
        problems.append(f"line {line}: {called}('now'/'today') reads the clock; the rewrite must compute the same "
                        "in every run, from its inputs only.")
    if _is_unseeded_random(node):
        problems.append(f"line {line}: unseeded randomness ({ast.unparse(func)}); pass a constant seed (e.g. "
                        "np.random.default_rng(0), random_state=0) so every run computes the same.")
    if called in ("filter", "query") and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        _check_query(node.args[0].value, line, problems, path_problems)
    if isinstance(func, ast.Attribute) and func.attr in ("project", "filter"):
        _check_lambda_arity(node, func.attr, column_problems)


def _is_unseeded_random(node: ast.Call) -> bool:
    """np.random.rand(...) and friends; default_rng() / RandomState() without a constant seed;
    .sample(...) / .shuffle(...) without random_state."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    seeded = any(isinstance(a, ast.Constant) and a.value is not None for a in node.args) or any(
        k.arg in ("seed", "random_state") and isinstance(k.value, ast.Constant) and k.value.value is not None
        for k in node.keywords)
    inside_random = isinstance(func.value, ast.Attribute) and func.value.attr == "random" or (
        isinstance(func.value, ast.Name) and func.value.id == "random")
    if inside_random:
        return func.attr not in _SEEDED_RANDOM or not seeded
    if func.attr in _SEEDED_RANDOM - {"Generator", "BitGenerator"}:
        return not seeded
    if func.attr in ("sample", "shuffle", "permutation"):
        return not any(k.arg == "random_state" and isinstance(k.value, ast.Constant) and k.value.value is not None
                       for k in node.keywords)
    return False


def _check_query(query: str, line: object, problems: list[str], path_problems: list[str]) -> None:
    """A query string runs as an expression over the columns: the same attribute rules apply inside it."""
    python = re.sub(r"`[^`]*`", "_column", query).replace("@", "")
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError:
        return  # the engine reports what it cannot parse, with the column names
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Attribute):
            owner = sub.value.id if isinstance(sub.value, ast.Name) else None
            _check_attribute_name(sub.attr, line, problems, path_problems, owner)


def _check_lambda_arity(node: ast.Call, verb: str, column_problems: list[str]) -> None:
    """`project(target, inputs, lambda ...)` and `filter(lambda ..., inputs)`: a lambda must take one
    parameter per declared input column; the engine checks the same when the plan is built."""
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    positional = list(node.args)
    if verb == "project":
        inputs = positional[1] if len(positional) > 1 else keywords.get("inputs")
        fn = positional[2] if len(positional) > 2 else keywords.get("fn")
    else:
        fn = positional[0] if positional else keywords.get("predicate")
        inputs = positional[1] if len(positional) > 1 else keywords.get("inputs")
    if not isinstance(fn, ast.Lambda) or inputs is None:
        return
    declared: list[object]
    if isinstance(inputs, ast.Constant) and isinstance(inputs.value, str):
        declared = [inputs.value]
    elif isinstance(inputs, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) for e in inputs.elts):
        declared = [e.value for e in inputs.elts if isinstance(e, ast.Constant)]
    else:
        return
    args = fn.args
    if args.vararg is not None:
        return
    positional_params = [*args.posonlyargs, *args.args]
    required = len(positional_params) - len(args.defaults)
    if not required <= len(declared) <= len(positional_params):
        names = [a.arg for a in positional_params]
        column_problems.append(
            f"line {node.lineno}: {verb} declares input columns {declared} but its lambda takes parameters {names}; "
            "declare every column the function reads, one parameter each, in the same order."
        )


def _check_signature(want: Required, fn: ast.FunctionDef | None, functions: dict[str, ast.FunctionDef],
                     problems: list[str]) -> None:
    spelled = want.signature or f"{want.name}(...)"
    if fn is None:
        found = ", ".join(sorted(functions)) or "none"
        problems.append(f"define the function `{spelled}` (functions found: {found}).")
        return
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    defaults = len(args.defaults)
    required_positional = [a.arg for a in positional[: len(positional) - defaults]]
    required_keyword = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    if want.params is not None:
        accepted = {a.arg for a in [*args.args, *args.kwonlyargs]}
        missing = [p for p in want.params if p not in accepted and args.kwarg is None]
        unknown = [p for p in [*required_positional, *required_keyword] if p not in want.params]
        if [a.arg for a in args.posonlyargs if a.arg in required_positional]:
            unknown += [a.arg for a in args.posonlyargs]
        if missing or unknown:
            problems.append(
                f"line {fn.lineno}: `{fn.name}` must be `{spelled}`: it is called with the keyword arguments "
                f"{list(want.params)}, one per source"
                + (f"; it lacks {missing}" if missing else "")
                + (f"; it requires {unknown}, which nobody passes" if unknown else "")
                + "."
            )
    if want.arity is not None:
        takes = len(required_positional) <= want.arity <= len(positional) or args.vararg is not None
        fits = takes and not required_keyword
        if not fits:
            problems.append(
                f"line {fn.lineno}: `{fn.name}` must be `{spelled}`, callable with {want.arity} positional "
                f"argument(s); it takes {[a.arg for a in positional]}"
                + (f" and requires keywords {required_keyword}" if required_keyword else "") + "."
            )
