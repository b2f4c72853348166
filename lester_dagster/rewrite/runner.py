"""The child process of a sandboxed run: `python -m lester_dagster.rewrite.runner /job/job.json`, started by
`sandbox.py` inside the OS sandbox. Before anything untrusted is imported it limits its own memory, CPU
time, file sizes and processes, takes the run's own user id, sets no_new_privs, and installs an audit
hook that turns network, process and out-of-folder file access into readable errors (the namespaces
and mounts are what actually stop them) and, for a candidate, records what its own code tried (a file,
ctypes, a process): a candidate that tried is not verified even if it caught the error. It then runs
the messy original or a candidate rewrite and leaves its outputs in /job/out: result.json,
prepared.parquet, X.npy, y.npy.

Only the standard library is imported before the limits are in place, and a candidate run never
imports lester_dagster.pipeline (which loads torch through the model): `standin.py` takes its place."""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

_BLOCKED_EVENTS = (
    "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyaddr", "subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
    "os.forkpty", "pty.spawn", "webbrowser.open", "os.kill", "os.killpg", "signal.pthread_kill",
)
# event -> (how many leading path arguments, positions of its dir_fd arguments; -1 there means none)
_PATH_EVENTS = {"os.remove": (1, (1,)), "os.rename": (2, (2, 3)), "os.rmdir": (1, (1,)), "os.mkdir": (1, (2,)),
                "shutil.rmtree": (1, (1,)), "os.truncate": (1, ()), "os.chmod": (1, (2,)), "os.chown": (1, (3,)),
                "os.symlink": (2, (2,)), "os.link": (2, (2, 3)), "os.utime": (1, (3,)), "shutil.move": (2, ()),
                "os.chdir": (1, ())}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# Calls into C through ctypes: harmless inside the sandbox, but code under test that makes them would make
# them again when deployed, outside it
_FOREIGN_EVENTS = ("ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function", "ctypes.cdata")
# What the code under test tried that the sandbox stopped or would have to stop: a candidate that tries
# anything of the kind is not verified, even when it caught the error and went on
ATTEMPTS: list[dict[str, Any]] = []
_STAGE = ["start"]  # the run's current stage, for the attempts
_PR_SET_NO_NEW_PRIVS = 38


def limit_resources(memory_mb: int, cpu_seconds: int, file_mb: int = 1024, processes: int | None = None) -> None:
    """RLIMIT_DATA rather than RLIMIT_AS: torch and BLAS reserve gigabytes of address space they never
    touch, so an address-space limit fails imports long before memory runs short. RLIMIT_DATA (Linux 4.7+)
    counts the heap and private anonymous mappings, which is where runaway data lives. Soft and hard
    limits alike: the code that runs next cannot raise them again."""
    limits = [(resource.RLIMIT_DATA, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds),
              (resource.RLIMIT_FSIZE, file_mb * 2**20), (resource.RLIMIT_CORE, 0)]
    if processes is not None:
        limits.append((resource.RLIMIT_NPROC, processes))  # threads count too
    for limit, value in limits:
        _, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def drop_privileges(uid: int | None) -> None:
    """Become the run's own unprivileged user (when started as root: the sandbox's privileged mode) and
    set no_new_privs, so nothing executed later gains privileges; refuse to go on as root."""
    import ctypes

    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to a non-root user: every capability goes with it
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if os.getuid() == 0 or os.geteuid() == 0:
        raise PermissionError("the sandboxed run is still root; refusing to run code under test as root")


def install_guard(writable: Path | Sequence[Path] | None, watched: str | None = None) -> None:
    """No network, no processes, no signals; with `writable`, no file changes outside those folders (a
    relative path or a directory descriptor counts as outside: the hook cannot tell where they lead). With
    `watched` (the candidate module's path), every refused event and every call into C through ctypes made
    from that file's code is recorded in ATTEMPTS, with the line."""
    if writable is not None and isinstance(writable, (str, Path)):
        writable = [Path(writable)]
    roots = None if writable is None else [str(Path(w).resolve()) + os.sep for w in writable]
    import ctypes

    ctypes_package = os.path.dirname(ctypes.__file__) + os.sep

    def line_in_watched() -> Any:
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == watched:
                return frame
            frame = frame.f_back
        return None

    def note(event: str, frame: Any) -> None:
        attempt = {"event": event, "line": frame.f_lineno, "function": frame.f_code.co_name, "stage": _STAGE[0]}
        if len(ATTEMPTS) < 20 and not any(a["event"] == event and a["line"] == attempt["line"] for a in ATTEMPTS):
            ATTEMPTS.append(attempt)

    def ctypes_used_by_watched() -> Any:
        """Its frame, when the code under test itself uses ctypes (the first frame outside ctypes' own
        package is its): torch loading its libraries on its behalf does not count."""
        frame: FrameType | None = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename.startswith(ctypes_package):
            frame = frame.f_back
        return frame if frame is not None and frame.f_code.co_filename == watched else None

    def opened_by_watched(path: Any) -> bool:
        """A file the code under test opens itself (not a library on its behalf): it has no business with
        files, and what fails on the sandbox's mounts (a secret, the host's /tmp) would not fail deployed."""
        return watched is not None and not isinstance(path, int) and sys._getframe(2).f_code.co_filename == watched

    def refuse(event: str, message: str) -> None:
        if watched is not None:
            frame = line_in_watched()
            if frame is not None:
                note(event, frame)
        raise PermissionError(message)

    def inside(path: Any) -> bool:
        if roots is None:
            return True
        if isinstance(path, int):
            return False  # a directory descriptor: where it points is unknown here
        text = os.fsdecode(path)
        return os.path.isabs(text) and any(os.path.normpath(text).startswith(r) for r in roots)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event.startswith(_BLOCKED_EVENTS):
            refuse(event, f"sandbox: {event} is not allowed here (no network, no processes, no signals)")
        if watched is not None and event.startswith(_FOREIGN_EVENTS):
            frame = ctypes_used_by_watched()
            if frame is not None:
                note(event, frame)
        if roots is None:
            return
        if event == "open":
            path, mode, flags = args
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE_FLAGS)
            # wrapping a descriptor already open (tempfile does) opens nothing new: its own open was checked
            if writes and not isinstance(path, int) and not inside(path):
                refuse(event, f"sandbox: writing {path} is not allowed here")
            if opened_by_watched(path):
                refuse("open", f"sandbox: opening {path} is not allowed here (the sources arrive as tables)")
        elif event in _PATH_EVENTS:
            count, fd_positions = _PATH_EVENTS[event]
            paths = args[:count]
            dir_fds = [args[i] for i in fd_positions if i < len(args) and isinstance(args[i], int) and args[i] != -1]
            if event == "os.chdir" or dir_fds or not all(inside(p) for p in paths):
                refuse(event, f"sandbox: {event} on {paths[0]} is not allowed here")

    sys.addaudithook(hook)


def load_module(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def describe_error(error: BaseException, stage: str, module_file: str) -> dict[str, Any]:
    """The exception and the frames of the script or candidate it came from (library frames left out);
    `in_code` says whether any frame is the script's or candidate's own, else the harness could not use
    what it returned."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(module_file)]
    message = f"{type(error).__name__}: {error}".strip()
    from lester_dagster.errors import UndeclaredColumnError  # light: the errors module imports nothing heavy

    return {
        "stage": stage,
        "type": type(error).__name__,
        "message": message[:3000],
        "frames": [{"line": f.lineno, "function": f.name, "code": (f.line or "").strip()} for f in own[-6:]],
        "last_frame": f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "",
        "engine_column_check": isinstance(error, UndeclaredColumnError),
        "in_code": bool(own),
    }


def _frame_of(rows: Any) -> Any:
    import pandas as pd

    if isinstance(rows, pd.DataFrame):
        return rows.reset_index(drop=True).copy()
    if isinstance(rows, dict):
        return pd.DataFrame(rows)
    rows = list(rows)
    if rows and not isinstance(rows[0], dict):
        raise TypeError(
            f"the preparation function returned rows of type {type(rows[0]).__name__}; the rewrite needs named "
            "columns: return a list of dicts or a DataFrame"
        )
    return pd.DataFrame(rows)


def _save_frame(frame: Any, out: Path) -> list[str]:
    """prepared.parquet; object columns pyarrow cannot store (mixed types) are stored as text, and named."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    as_text = []
    try:
        frame.to_parquet(out / "prepared.parquet", index=False)
    except Exception:  # noqa: BLE001 - pyarrow raises several types for mixed object columns
        for column in frame.columns:
            if frame[column].dtype == object:
                try:
                    frame[[column]].to_parquet(out / "probe.parquet", index=False)
                except Exception:  # noqa: BLE001
                    frame[column] = frame[column].map(lambda v: v if v is None else str(v))
                    as_text.append(column)
        (out / "probe.parquet").unlink(missing_ok=True)
        frame.to_parquet(out / "prepared.parquet", index=False)
    return as_text


def _matrix(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "toarray"):
        value = value.toarray()
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    X = np.asarray(value, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise ValueError(f"the feature encoding returned an array of shape {X.shape}; expected (rows, features)")
    return X


def _labels(value: Any, n_rows: int) -> Any:
    import numpy as np

    y = np.asarray(value)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n_rows:
        raise ValueError(f"the labels have shape {y.shape}; expected one per prepared row ({n_rows})")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "biu":
        raise ValueError(f"the labels are {y.dtype}; expected integers or booleans")
    return y.astype(np.int64)


def _enter(result: dict[str, Any], out: Path, stage: str) -> None:
    """Notes the stage in the result and on disk, so a run killed by the timeout still says where it was."""
    result["stage"] = _STAGE[0] = stage
    (out / "stage").write_text(stage)


def run_messy(job: dict[str, Any], out: Path, result: dict[str, Any]) -> None:
    import numpy as np

    sys.path.insert(0, str(Path(job["script"]).parent))  # the script's own helper modules, if any
    _enter(result, out, "import")
    module = load_module(job["script"], "lester_messy_script")
    functions = job["functions"]
    fns = {role: getattr(module, name) for role, name in functions.items()}
    _enter(result, out, "prepare")
    rows = fns["prepare"](**job["arguments"])
    frame = _frame_of(rows)
    result["as_text"] = _save_frame(frame, out)
    result["prepared"] = _schema(frame)
    if len(frame) == 0:
        where = " on the sample; raise --sample-rows" if job.get("sampled") else "; check --data"
        raise ValueError("the preparation produced no rows" + where)
    _enter(result, out, "encode")  # the script's own order: encode, then label, on the same rows object
    encoded = fns["encode"](rows)
    pair = isinstance(encoded, tuple) and len(encoded) == 2
    from_encoding = functions["label"] == functions["encode"]
    if from_encoding and not pair:
        raise ValueError(f"{functions['encode']}() is taken to return (X, y), but it returned a "
                         f"{type(encoded).__name__}; name the label function with --label-fn")
    X = _matrix(encoded[0] if pair else encoded)
    if len(X) != len(frame):
        raise ValueError(f"the feature encoding gave {len(X)} rows for {len(frame)} prepared rows")
    np.save(out / "X.npy", X, allow_pickle=False)
    _enter(result, out, "label")
    labels = encoded[1] if from_encoding else fns["label"](rows)
    np.save(out / "y.npy", _labels(labels, len(frame)), allow_pickle=False)
    result["X_shape"] = list(X.shape)


def _install_standin() -> None:
    """Candidates import PipelineSpec from lester_dagster.pipeline; give them the light one (no torch)."""
    if "lester_dagster.pipeline" in sys.modules:
        return
    import lester_dagster
    from lester_dagster.rewrite import standin

    sys.modules["lester_dagster.pipeline"] = standin
    lester_dagster.pipeline = standin


def run_rewrite(job: dict[str, Any], out: Path, result: dict[str, Any]) -> None:
    import numpy as np
    import pandas as pd

    import lester_dagster.engine as le
    from lester_dagster.features.matrix import MatrixProvenance

    _install_standin()
    from lester_dagster.pipeline import PipelineSpec

    _enter(result, out, "import")
    module = load_module(job["module"], "lester_rewrite_candidate")
    spec = module.PIPELINE
    if not isinstance(spec, PipelineSpec):
        raise TypeError(f"PIPELINE is a {type(spec).__name__}, not a PipelineSpec")
    # Read as the Dagster lake reads sources (pandas defaults), so verified means verified there too.
    frames = {name: pd.read_csv(path) for name, path in job["sources"].items()}
    _enter(result, out, "prepare")
    tables = {name: le.from_pandas(frames[name], name, key=key) for name, key in spec.sources.items()}
    plan = module.prepare(**tables)
    if not isinstance(plan, le.Table):
        raise TypeError(f"prepare() returned a {type(plan).__name__}, not an engine Table")
    prepared = plan.execute().frame
    result["as_text"] = _save_frame(prepared, out)
    result["prepared"] = _schema(prepared)
    result["lineage"] = {c: sorted(map(str, ls)) for c, ls in plan.lineage.items()}
    result["row_lineage"] = sorted(map(str, plan.row_lineage))
    _enter(result, out, "label")
    labelled_plan = spec.plan(frames)  # what the Dagster assets run: prepare_and_label on the same frames
    labelled = labelled_plan.execute()
    unlabelled = labelled.frame.drop(columns=spec.label)
    if len(unlabelled) != len(prepared) or not unlabelled.equals(prepared):
        raise ValueError(
            f"label() changed the prepared rows ({len(prepared)} rows before, {len(unlabelled)} after) or columns; "
            f"it must only add the column {spec.label!r}"
        )
    y = _labels(labelled.frame[spec.label], len(prepared))
    np.save(out / "y.npy", y, allow_pickle=False)
    result["lineage"][spec.label] = sorted(map(str, labelled_plan.lineage[spec.label]))
    _enter(result, out, "encode")
    # lester_dagster.pipeline.encode, without the hold-out split that verification does not need
    encoder = spec.encoder()
    X = _matrix(encoder.fit_transform(labelled.frame.drop(columns=spec.label)))
    np.save(out / "X.npy", X, allow_pickle=False)
    result["X_shape"] = list(X.shape)
    result["blocks"] = {name: [s.start, s.stop] for name, s in encoder.output_indices_.items() if s.stop > s.start}
    matrix = MatrixProvenance.of(encoder)
    result["matrix_columns"] = {c: [list(r) for r in rs] for c, rs in matrix.column_ranges().items()}
    result["heavy_modules"] = sorted(m for m in ("torch", "lester_dagster.model") if m in sys.modules)


def _schema(frame: Any) -> dict[str, Any]:
    return {"columns": [str(c) for c in frame.columns], "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
            "rows": len(frame)}


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    out = Path(job["out"])
    limit_resources(job["memory_mb"], job["cpu_seconds"], job.get("file_mb", 1024), job.get("processes"))
    drop_privileges(job.get("uid"))
    cwd = Path(job.get("cwd") or out)
    os.chdir(cwd)
    # the messy script is the user's own and may write scratch files anywhere the sandbox lets it
    rewrite = job["mode"] == "rewrite"
    install_guard([out, cwd] if rewrite else None, watched=job["module"] if rewrite else None)
    sys.dont_write_bytecode = True
    result: dict[str, Any] = {"ok": False, "stage": "start", "mode": job["mode"]}
    started = time.perf_counter()
    module_file = job.get("script") or job.get("module")
    try:
        (run_messy if job["mode"] == "messy" else run_rewrite)(job, out, result)
        result["ok"] = True
        if ATTEMPTS:  # it went on after being stopped: still not code to deploy
            result["stage"] = ATTEMPTS[0]["stage"]
            raise PermissionError(
                f"the code tried {', '.join(sorted({a['event'] for a in ATTEMPTS}))}, which the sandbox stopped "
                "(it went on after the error); no rewrite may touch processes, the network, files or C libraries"
            )
    except BaseException as error:  # noqa: BLE001 - everything, MemoryError and SystemExit too, is reported
        result["ok"] = False
        result["error"] = describe_error(error, result["stage"], module_file)
        if ATTEMPTS:
            result["error"]["frames"] = [{"line": a["line"], "function": a["function"], "code": f"(tried {a['event']})"}
                                         for a in ATTEMPTS[:3]]
            result["error"]["in_code"] = True
        if isinstance(error, MemoryError):
            result["error"]["message"] += f" (the run is limited to {job['memory_mb']} MB of data; see --memory-mb)"
    result["seconds"] = round(time.perf_counter() - started, 3)
    (out / "result.json").write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
