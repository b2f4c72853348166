"""The sandboxed run of the rewrite harness: a separate process with a timeout, a memory limit, no
network, no child processes, no secrets, and (for candidates) no file writes outside its folder."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lester_dagster.rewrite.sandbox import Limits, run_job

TINY = Limits(timeout=20, memory_mb=512)


def messy(tmp_path: Path, body: str, limits: Limits = TINY):
    """Runs a one-function 'messy script' whose preparation is `body`; encode and label are trivial."""
    script = tmp_path / "script.py"
    script.write_text(
        "import os, socket, subprocess, time\n\n"
        f"def prepare():\n{body}\n\n"
        "def encode(rows):\n    return [[float(r['x'])] for r in rows]\n\n"
        "def labels(rows):\n    return [0 for r in rows]\n"
    )
    job = {"mode": "messy", "script": str(script), "arguments": {},
           "functions": {"prepare": "prepare", "encode": "encode", "label": "labels"}}
    return run_job(job, tmp_path / "run", limits)


def test_a_run_returns_the_prepared_rows_x_and_y(tmp_path: Path) -> None:
    outcome = messy(tmp_path, "    return [{'x': 1, 'name': 'a'}, {'x': 2, 'name': 'b'}]")
    assert outcome.ok, outcome.summary()
    assert outcome.prepared.to_dict("list") == {"x": [1, 2], "name": ["a", "b"]}
    assert outcome.X.tolist() == [[1.0], [2.0]] and outcome.y.tolist() == [0, 0]


def test_a_run_that_takes_too_long_is_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    outcome = messy(tmp_path, "    time.sleep(60)", Limits(timeout=1.0, memory_mb=512))
    assert outcome.verdict == "timeout" and "still in prepare" in outcome.summary()
    assert "raise --timeout" in outcome.summary()
    assert time.monotonic() - started < 10


def test_memory_beyond_the_limit_is_an_error_not_a_dead_machine(tmp_path: Path) -> None:
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
    ],
)
def test_network_and_processes_are_refused(tmp_path: Path, body: str, event: str) -> None:
    outcome = messy(tmp_path, body)
    assert outcome.verdict == "error" and outcome.error["type"] == "PermissionError"
    assert f"sandbox: {event}" in outcome.error["message"]
    assert outcome.error["frames"][-1]["function"] == "prepare"


def test_secrets_stay_out_of_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESTER_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    outcome = messy(tmp_path, "    return [{'x': 1, 'keys': ' '.join(k for k in os.environ if 'KEY' in k)}]")
    assert outcome.ok and outcome.prepared["keys"].tolist() == [""]


def test_a_crash_is_reported_with_how_it_ended(tmp_path: Path) -> None:
    outcome = messy(tmp_path, "    os._exit(3)")
    assert outcome.verdict == "crashed" and "exit code 3" in outcome.summary()


def test_candidates_cannot_write_outside_their_folder(tmp_path: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from lester_dagster.rewrite.runner import install_guard\n"
        f"install_guard(Path({str(tmp_path / 'job')!r}))\n"
        f"(Path({str(tmp_path / 'job')!r}) / 'ok.txt').write_text('fine')\n"
        f"Path({str(tmp_path / 'elsewhere.txt')!r}).write_text('no')\n"
    )
    (tmp_path / "job").mkdir()
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode != 0 and "sandbox: writing" in run.stderr
    assert (tmp_path / "job" / "ok.txt").exists() and not (tmp_path / "elsewhere.txt").exists()
