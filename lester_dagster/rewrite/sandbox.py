"""Runs the messy original or a candidate rewrite (`runner.py`) inside an operating-system sandbox and
reads back what it produced. LLM-written code never runs outside it.

The sandbox is Debian's bubblewrap (`bwrap`), else util-linux `unshare` with a chroot; both give:
an empty network namespace (no interface but its own loopback), its own PID namespace (whatever the
code starts dies when the run ends or times out), a read-only view of Python, the installed packages,
the code under test and the data, a private size-limited /tmp and a writable output folder, and nothing
else of the file system (no home, no /work, no /etc, no shell). The runner then takes a user id of its
own, sets no_new_privs and limits processes, memory, CPU time and file size before any untrusted code
is imported. With neither tool usable, `SandboxUnavailable` says how to install one: there is no
unsandboxed fallback."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from lester_dagster.errors import RewriteError

RUNNER = "lester_dagster.rewrite.runner"
SANDBOX_ENV = "LESTER_SANDBOX"  # "bwrap" or "unshare": use that backend only (the tests try both)
BACKENDS = ("bwrap", "unshare")

# Where things are inside the sandbox. Neutral names: the code cannot tell a verification run by its paths.
JOB = PurePosixPath("/job")
OUT = JOB / "out"
DATA = PurePosixPath("/data")
CODE = PurePosixPath("/code")
TMP = PurePosixPath("/tmp")  # noqa: S108 - a private tmpfs inside the sandbox, not the host's /tmp

# Runs take a user id from this range (far above real users and the usual subuid ranges), a new one
# per run: the process limit counts per user, so runs cannot eat into each other's allowance.
_UID_BASE, _UID_SPAN = 1_700_000_000, 1_000_000


class SandboxUnavailable(RewriteError):
    """Neither bubblewrap nor unshare can build the sandbox here, so no LLM-written code may run."""


@dataclass(frozen=True)
class Limits:
    """Per run: wall-clock timeout, memory (RLIMIT_DATA per process), processes and threads
    (RLIMIT_NPROC), largest file written, size of the private /tmp, and how long the sandbox may take to
    start. The timeout counts from when the job's own code starts (its import), so a loaded machine's slow
    sandbox start and imports of numpy, pandas or scikit-learn do not eat it; `startup` bounds those. CPU
    time is capped at twice the timeout."""

    timeout: float = 300.0
    memory_mb: int = 4096
    processes: int = 64
    file_mb: int = 1024
    tmp_mb: int = 512
    startup: float = 300.0


@dataclass(frozen=True)
class Mount:
    """One piece of the sandbox's file system: a read-only or writable bind, a symlink, a tmpfs, /proc
    or a minimal /dev."""

    kind: str  # ro, rw, symlink, tmpfs, proc, dev
    target: str  # the path inside the sandbox
    source: str = ""  # host path (ro, rw) or link text (symlink)
    size_mb: int = 0  # tmpfs only


@dataclass
class RunOutcome:
    """What one sandboxed run produced; `verdict` is ok, error, timeout or crashed."""

    verdict: str
    seconds: float
    error: dict[str, Any] | None = None
    prepared: pd.DataFrame | None = None
    X: np.ndarray | None = None  # memory-mapped from the run's folder: large matrices are compared in chunks
    y: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)  # schema, lineage, encoder blocks, ...
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def outputs(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """The prepared rows, X and y of a run that succeeded."""
        if self.prepared is None or self.X is None or self.y is None:
            raise RewriteError(f"the run left no prepared rows, X or y ({self.summary()})")
        return self.prepared, self.X, self.y

    def summary(self) -> str:
        if self.ok:
            return f"ran in {self.seconds:.1f} s"
        if self.verdict == "timeout":
            return f"timed out: {(self.error or {}).get('message', '')}"
        error = self.error or {}
        where = f" in {error['stage']}" if error.get("stage") else ""
        return f"{self.verdict}{where}: {error.get('message') or self.stderr_tail[-500:]}"


def child_environment() -> dict[str, str]:
    """The run's whole environment: nothing of the caller's (no keys, tokens, proxies or paths)."""
    return {
        "HOME": str(TMP), "TMPDIR": str(TMP), "USER": "sandbox", "LANG": "C.UTF-8", "PATH": "/nonexistent",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
        # one thread per library: runs share two cores with the rest of the machine, and the process
        # limit counts threads
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    }


def run_job(job: Mapping[str, Any], folder: Path, limits: Limits, *, code: Path | Sequence[Path],
            data: Path | Sequence[Path] | None = None) -> RunOutcome:
    """Runs `job` in the sandbox with `folder` (fresh, on the host) as its job folder, the `code` files
    read-only in /code and the `data` files (or a folder's files) read-only in /data; the job's paths are
    the sandbox's (see `sandbox_path`). Collects the outputs the runner left in folder/out."""
    backend = sandbox_backend()
    out = folder / "out"
    out.mkdir(parents=True, exist_ok=False)
    folder.chmod(0o755)
    uid = _UID_BASE + secrets.randbelow(_UID_SPAN)
    privileged = os.geteuid() == 0
    if privileged:
        os.chown(out, uid, uid)  # the run's own user writes here and nowhere else
    spec = {**job, "out": str(OUT), "memory_mb": limits.memory_mb, "cpu_seconds": int(2 * limits.timeout) + 5,
            "processes": limits.processes, "file_mb": limits.file_mb, "uid": uid if privileged else None,
            "cwd": str(TMP)}
    (folder / "job.json").write_text(json.dumps(spec))
    (folder / "job.json").chmod(0o644)
    # the tmpfs first: an installation under the host's /tmp (a CI checkout, a throwaway venv) is bound
    # over it, not hidden by it
    mounts = [Mount("tmpfs", str(TMP), size_mb=limits.tmp_mb), *_system_view(), Mount("proc", "/proc"),
              Mount("dev", "/dev"), Mount("ro", str(JOB), str(folder.resolve())),
              Mount("rw", str(OUT), str(out.resolve()))]
    # Files, not folders, are mounted: the run's own user walks through folders the sandbox makes (0755),
    # whatever the modes of the folders the files live in on the host.
    for base, files in ((CODE, _files(code)), (DATA, _files(data))):
        for file in files:
            mounts.append(Mount("ro", str(base / file.name), str(_readable(file, folder, privileged))))
    argv = [sys.executable, "-B", "-s", "-P", "-m", RUNNER, str(JOB / "job.json")]
    command = _command(backend, mounts, argv, folder, privileged)
    started = time.monotonic()
    with open(folder / "stdout.txt", "wb") as stdout, open(folder / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(command, cwd=folder, env=_launcher_environment(), stdin=subprocess.DEVNULL,
                                   stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            if not _job_started(process, out, limits.startup):
                _kill(process, uid if privileged else None)
                return RunOutcome("timeout", time.monotonic() - started, stderr_tail=_tail(folder / "stderr.txt"),
                                  error={"stage": "start", "type": "Timeout",
                                         "message": f"the sandbox did not start the job within {limits.startup:g} s "
                                                    "(a machine under heavy load?)"})
            process.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            _kill(process, uid if privileged else None)
            stage = _stage(out)
            message = f"no result within {limits.timeout:g} s" + (f", still in {stage}" if stage else "")
            return RunOutcome("timeout", time.monotonic() - started, stderr_tail=_tail(folder / "stderr.txt"),
                              error={"stage": stage, "type": "Timeout",
                                     "message": message + " (an endless loop? raise --timeout if it is just slow)"})
        finally:
            if process.poll() is None:
                _kill(process, uid if privileged else None)
    if privileged:  # the namespace is torn down asynchronously: nothing the run started is left when we go on
        _wait_until_gone(uid)
    return _collect(folder, out, process.returncode, time.monotonic() - started, limits, spec)


def _job_started(process: subprocess.Popen[bytes], out: Path, seconds: float) -> bool:
    """Waits until the runner has started the job's own code (it writes out/stage first) or has ended;
    False when neither happened within `seconds`."""
    deadline = time.monotonic() + seconds
    while not (out / "stage").exists() and process.poll() is None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _files(what: Path | Sequence[Path] | None) -> list[Path]:
    if what is None:
        return []
    if isinstance(what, Path):
        return sorted(p.resolve() for p in what.iterdir() if p.is_file()) if what.is_dir() else [what.resolve()]
    return [Path(p).resolve() for p in what]


def _readable(file: Path, folder: Path, privileged: bool) -> Path:
    """The file, or when the run's own user may not read it (mode without o+r), a private copy it may read
    in the job folder (only this run sees it)."""
    if not privileged or file.stat().st_mode & 0o004:
        return file
    copies = folder / "readable"
    copies.mkdir(exist_ok=True, mode=0o755)
    copy = copies / file.name
    shutil.copyfile(file, copy)
    copy.chmod(0o644)
    return copy


def sandbox_path(kind: str, name: str = "") -> str:
    """The path a job names for the data folder ("data"), the code ("code") or the output ("out")."""
    base = {"data": DATA, "code": CODE, "out": OUT}[kind]
    return str(base / name) if name else str(base)


def sandbox_backend() -> str:
    """The first backend that works here (bwrap, then unshare; $LESTER_SANDBOX picks one), or
    SandboxUnavailable naming what to install."""
    wanted = os.environ.get(SANDBOX_ENV) or None
    if wanted is not None and wanted not in BACKENDS:
        raise SandboxUnavailable(f"${SANDBOX_ENV}={wanted!r}: expected one of {', '.join(BACKENDS)}.")
    tried = []
    for backend in (wanted,) if wanted else BACKENDS:
        problem = _probe(backend, os.environ.get("PATH", ""))
        if problem is None:
            return backend
        tried.append(f"{backend}: {problem}")
    raise SandboxUnavailable(
        "LLM-written code (and the messy script it is compared with) only runs in an operating-system sandbox, and "
        f"none works here ({'; '.join(tried)}). Install bubblewrap (`make sandbox-tools`, or "
        "`apt-get install bubblewrap`), or run as root where util-linux `unshare` can create namespaces."
    )


@functools.lru_cache(maxsize=8)
def _probe(backend: str, path: str) -> str | None:
    """Why `backend` cannot run a sandbox here, or None when a trial run with the real options works."""
    tool = shutil.which(backend, path=path)
    if tool is None:
        return "not installed"
    if backend == "unshare" and (os.geteuid() != 0 or shutil.which("chroot", path=path) is None):
        return "needs root and chroot"
    folder = Path(_scratch())
    try:
        (folder / "out").mkdir()
        mounts = [Mount("tmpfs", str(TMP), size_mb=8), *_system_view(), Mount("proc", "/proc"), Mount("dev", "/dev"),
                  Mount("rw", str(OUT), str(folder / "out"))]
        argv = [sys.executable, "-S", "-c", "pass"]
        try:
            run = subprocess.run(_command(backend, mounts, argv, folder, os.geteuid() == 0, tool=tool),
                                 capture_output=True, timeout=60, env=_launcher_environment(), check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return str(error)
        return None if run.returncode == 0 else (run.stderr.decode(errors="replace").strip()[-300:] or
                                                  f"exit code {run.returncode}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _scratch() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="lester-sandbox-probe-")


@functools.lru_cache(maxsize=1)
def _system_view() -> tuple[Mount, ...]:
    """Read-only: the shared libraries, the Python installation, the virtual environment and this package
    (an editable install lives outside site-packages). No /usr/bin or /bin: there is no shell to start."""
    import lester_dagster

    mounts: list[Mount] = []
    seen: list[Path] = []

    def ro(path: Path) -> None:
        path = Path(os.path.abspath(path))
        if not path.exists() or any(path == s or s in path.parents for s in seen):
            return
        seen.append(path)
        mounts.append(Mount("ro", str(path), str(path)))

    for library in ("/usr/lib", "/usr/lib64", "/usr/lib32"):
        if Path(library).is_dir() and not Path(library).is_symlink():
            ro(Path(library))
    for top in ("/lib", "/lib64", "/lib32"):
        path = Path(top)
        if path.is_symlink():
            mounts.append(Mount("symlink", top, os.readlink(path)))
        elif path.is_dir():
            ro(path)
    for prefix in (sys.base_prefix, sys.prefix, os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)):
        ro(Path(prefix)) if Path(prefix) != Path("/usr") else None
    # the interpreter itself, and every link on the way to it (a venv's bin/python points elsewhere)
    executable = Path(sys.executable)
    while True:
        ro(executable)
        if not executable.is_symlink():
            break
        executable = (executable.parent / os.readlink(executable)).resolve(strict=False)
    ro(Path(lester_dagster.__file__).resolve().parent)
    ro(Path("/usr/share/zoneinfo"))
    return tuple(mounts)


def _command(backend: str, mounts: Sequence[Mount], argv: Sequence[str], folder: Path, privileged: bool,
             tool: str | None = None) -> list[str]:
    env = child_environment()
    if backend == "bwrap":
        command = [tool or "bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
                   "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
        # As root, bubblewrap keeps us root inside (no user namespace): keep only what the runner needs to
        # switch to the run's own user. Otherwise a user namespace maps us to ourselves.
        command += (["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if privileged
                    else ["--unshare-user"])
        # bwrap copies the host's mode for folders it creates on the way (/root is 0700): the run's own user
        # must be able to walk through them
        # tmpfs mounts first, then the folders on the way (some are inside a tmpfs), then the binds
        tmpfs = [m for m in mounts if m.kind == "tmpfs"]
        for mount in tmpfs:
            command += ["--perms", "1777", "--size", str(mount.size_mb * 2**20), "--tmpfs", mount.target]
        for folder_on_the_way in _ancestors(mounts):
            command += ["--perms", "0755", "--dir", folder_on_the_way]
        for mount in (m for m in mounts if m.kind != "tmpfs"):
            command += {
                "ro": ["--ro-bind", mount.source, mount.target],
                "rw": ["--bind", mount.source, mount.target],
                "symlink": ["--symlink", mount.source, mount.target],
                "proc": ["--proc", mount.target],
                "dev": ["--dev", mount.target],
            }[mount.kind]
        command += ["--remount-ro", "/", "--chdir", str(TMP), "--clearenv"]
        for name, value in env.items():
            command += ["--setenv", name, value]
        return [*command, "--", *argv]
    root = folder / ".root"  # an empty folder on the host; the sandbox's root tmpfs is mounted on it
    root.mkdir(exist_ok=True)
    script = ["set -eu", "umask 022", f"R={shlex.quote(str(root))}",
              'mount -t tmpfs -o mode=0755,size=16m sandbox-root "$R"']
    for mount in mounts:
        at = '"$R"' + shlex.quote(mount.target)
        source = shlex.quote(mount.source)
        if mount.kind in ("ro", "rw"):
            flags = "ro,nosuid,nodev" if mount.kind == "ro" else "nosuid,nodev"
            make = f"mkdir -p {at}" if Path(mount.source).is_dir() else f"mkdir -p $(dirname {at}) && touch {at}"
            script += [make, f"mount --bind -o {flags} {source} {at}"]
        elif mount.kind == "symlink":
            script.append(f"ln -s {source} {at}")
        elif mount.kind == "tmpfs":
            script += [f"mkdir -p {at}", f"mount -t tmpfs -o mode=1777,nosuid,nodev,size={mount.size_mb}m tmpfs {at}"]
        elif mount.kind == "proc":
            script += [f"mkdir -p {at}", f"mount -t proc -o nosuid,nodev,noexec proc {at}"]
        elif mount.kind == "dev":
            script.append(f"mkdir -p {at}")
            for device in ("null", "zero", "full", "random", "urandom"):
                script += [f"touch {at}/{device}", f"mount --bind /dev/{device} {at}/{device}"]
    script.append('mount -o remount,ro "$R"')
    variables = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    chroot = shlex.quote(shutil.which("chroot") or "/usr/sbin/chroot")
    script.append(f'exec env -i {variables} {chroot} "$R" {" ".join(shlex.quote(a) for a in argv)}')
    # --kill-child: if we are killed (timeout), the namespace's first process goes too, and with it everything
    return [tool or "unshare", "--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child",
            "--propagation", "private", "--", "/bin/sh", "-c", "\n".join(script)]


def _ancestors(mounts: Sequence[Mount]) -> list[str]:
    """Folders to make on the way to the mount points: not the mount points themselves, nor folders inside
    a bound host folder (they exist there); folders inside a tmpfs are made (an installation under /tmp)."""
    targets = {PurePosixPath(m.target) for m in mounts}
    bound = {PurePosixPath(m.target) for m in mounts if m.kind in ("ro", "rw")}
    folders = {p for t in targets for p in t.parents if str(p) != "/"}
    inside_a_mount = {f for f in folders if f in targets or any(t in f.parents for t in bound)}
    return [str(f) for f in sorted(folders - inside_a_mount, key=lambda f: len(f.parts))]


def _launcher_environment() -> dict[str, str]:
    """bwrap and unshare themselves need a PATH; the sandboxed process gets `child_environment` only."""
    return {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LANG": "C.UTF-8"}


def _collect(folder: Path, out: Path, returncode: int, seconds: float, limits: Limits,
             spec: Mapping[str, Any]) -> RunOutcome:
    stderr_tail = _tail(folder / "stderr.txt")
    result_file = out / "result.json"
    if not result_file.exists():
        # bwrap reports a child killed by a signal as 128 + the signal number
        signal_number = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
        how = f"signal {signal_number}" if signal_number else f"exit code {returncode}"
        message = f"the process ended with {how} before reporting a result"
        if signal_number in (signal.SIGKILL, signal.SIGXCPU) or "MemoryError" in stderr_tail:
            message += f" (memory limit {limits.memory_mb} MB, CPU limit {spec['cpu_seconds']} s)"
        error = {"stage": _stage(out), "type": "Crash", "message": message}
        return RunOutcome("crashed", seconds, error, stderr_tail=stderr_tail)
    result = json.loads(result_file.read_text())
    outcome = RunOutcome("ok" if result.get("ok") else "error", seconds, result.get("error"), info=result,
                         stderr_tail=stderr_tail)
    if (out / "prepared.parquet").exists():
        outcome.prepared = pd.read_parquet(out / "prepared.parquet")
    if (out / "X.npy").exists():
        outcome.X = np.load(out / "X.npy", mmap_mode="r", allow_pickle=False)
    if (out / "y.npy").exists():
        outcome.y = np.load(out / "y.npy", allow_pickle=False)
    return outcome


def _kill(process: subprocess.Popen[bytes], uid: int | None) -> None:
    with contextlib.suppress(ProcessLookupError):
        # the launcher's session; the sandbox's PID namespace dies with its first process
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if uid is not None:
        _wait_until_gone(uid)


def _wait_until_gone(uid: int, seconds: float = 10.0) -> None:
    """The kernel kills a PID namespace's processes when its first one ends, asynchronously: wait (boundedly)
    until no process of the run's own user is left."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _processes_of(uid):
        time.sleep(0.05)


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
    return found


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _stage(out: Path) -> str:
    try:
        return (out / "stage").read_text().strip()
    except OSError:
        return ""
