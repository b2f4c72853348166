"""The child process of a sandboxed run: `python -m lester_dagster.rewrite.runner JOB.json`. It limits its
own memory, CPU time and file sizes, refuses network and process creation (and, for a rewrite, file
writes outside its job folder) through an audit hook, runs the messy original or a candidate rewrite on
the sample, and leaves its outputs in the job's folder: result.json, prepared.parquet, X.npy, y.npy.

Only the standard library is imported before the limits are in place."""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

_BLOCKED_EVENTS = (
    "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyaddr", "subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
    "os.forkpty", "pty.spawn", "webbrowser.open",
)
_PATH_EVENTS = {"os.remove": 0, "os.rename": 0, "os.rmdir": 0, "os.mkdir": 0, "shutil.rmtree": 0, "os.truncate": 0,
                "os.chmod": 0, "os.chown": 0, "os.symlink": 1, "os.link": 1, "os.utime": 0, "shutil.move": 1}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def limit_resources(memory_mb: int, cpu_seconds: int, file_mb: int = 1024) -> None:
    """RLIMIT_DATA rather than RLIMIT_AS: torch and BLAS reserve gigabytes of address space they never
    touch, so an address-space limit fails imports long before memory runs short. RLIMIT_DATA (Linux 4.7+)
    counts the heap and private anonymous mappings, which is where runaway data lives."""
    for limit, value in ((resource.RLIMIT_DATA, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, file_mb * 2**20), (resource.RLIMIT_CORE, 0)):
        _, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def install_guard(writable: Path | None) -> None:
    """No network and no processes; with `writable`, no file changes outside that folder either."""
    root = str(writable.resolve()) + os.sep if writable is not None else None

    def inside(path: Any) -> bool:
        if isinstance(path, int) or root is None:
            return True
        return os.path.abspath(os.fsdecode(path)).startswith(root)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event.startswith(_BLOCKED_EVENTS):
            raise PermissionError(f"sandbox: {event} is not allowed here (no network, no processes)")
        if root is None:
            return
        if event == "open":
            path, mode, flags = args
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & _WRITE_FLAGS)
            if writes and not inside(path):
                raise PermissionError(f"sandbox: writing {path} is not allowed here")
        elif event in _PATH_EVENTS:
            paths = args[: _PATH_EVENTS[event] + 1] if event != "os.rename" else args[:2]
            if not all(inside(p) for p in paths):
                raise PermissionError(f"sandbox: {event} on {paths[0]} is not allowed here")

    sys.addaudithook(hook)


def load_module(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def describe_error(error: BaseException, stage: str, module_file: str) -> dict[str, Any]:
    """The exception and the frames of the script or candidate it came from (library frames left out)."""
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
    result["stage"] = stage
    (out / "stage").write_text(stage)


def run_messy(job: dict[str, Any], out: Path, result: dict[str, Any]) -> None:
    import numpy as np

    sys.path.insert(0, str(Path(job["script"]).parent))
    _enter(result, out, "import")
    module = load_module(job["script"], "lester_messy_script")
    fns = {role: getattr(module, name) for role, name in job["functions"].items()}
    _enter(result, out, "prepare")
    rows = fns["prepare"](**job["arguments"])
    frame = _frame_of(rows)
    result["as_text"] = _save_frame(frame, out)
    result["prepared"] = _schema(frame)
    if len(frame) == 0:
        raise ValueError("the preparation produced no rows on the sample; raise --sample-rows")
    _enter(result, out, "encode")  # the script's own order: encode, then label, on the same rows object
    X = _matrix(fns["encode"](rows))
    if len(X) != len(frame):
        raise ValueError(f"the feature encoding gave {len(X)} rows for {len(frame)} prepared rows")
    np.save(out / "X.npy", X, allow_pickle=False)
    _enter(result, out, "label")
    np.save(out / "y.npy", _labels(fns["label"](rows), len(frame)), allow_pickle=False)
    result["X_shape"] = list(X.shape)


def run_rewrite(job: dict[str, Any], out: Path, result: dict[str, Any]) -> None:
    import numpy as np
    import pandas as pd

    import lester_dagster.engine as le
    from lester_dagster.pipeline import PipelineSpec, encode

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
    labelled_plan = spec.plan(frames)
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
    encoded = encode(spec, labelled)
    X = _matrix(encoded.X)
    np.save(out / "X.npy", X, allow_pickle=False)
    result["X_shape"] = list(X.shape)
    result["blocks"] = {name: [s.start, s.stop] for name, s in encoded.encoder.output_indices_.items()
                        if s.stop > s.start}
    result["matrix_columns"] = {c: [list(r) for r in rs] for c, rs in encoded.matrix.column_ranges().items()}


def _schema(frame: Any) -> dict[str, Any]:
    return {"columns": [str(c) for c in frame.columns], "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
            "rows": len(frame)}


def main(argv: list[str]) -> int:
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text())
    out = Path(job["out"])
    limit_resources(job["memory_mb"], job["cpu_seconds"])
    install_guard(out.parent if job["mode"] == "rewrite" else None)
    sys.dont_write_bytecode = True
    result: dict[str, Any] = {"ok": False, "stage": "start", "mode": job["mode"]}
    started = time.perf_counter()
    module_file = job.get("script") or job.get("module")
    try:
        (run_messy if job["mode"] == "messy" else run_rewrite)(job, out, result)
        result["ok"] = True
    except BaseException as error:  # noqa: BLE001 - everything, MemoryError and SystemExit too, is reported
        result["error"] = describe_error(error, result["stage"], module_file)
        if isinstance(error, MemoryError):
            result["error"]["message"] += f" (the run is limited to {job['memory_mb']} MB of data; see --memory-mb)"
    result["seconds"] = round(time.perf_counter() - started, 3)
    (out / "result.json").write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
