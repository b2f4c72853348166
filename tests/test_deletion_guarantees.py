"""What a deletion guarantees in real operation, tried the way an operator, an auditor and an attacker try
it: two deletion runs at once, a refresh overlapping a deletion, a kill (-9) at every commit point of a
deletion run followed by recovery, poison request files, a reused file name, a request filed again after
a failed run, a customer's erasure that must take their mails with it, a pickle payload, a rewritten
audit log. After each, the same invariants must hold: every accepted request applied exactly once and
audited once with a clean proof, nothing erased left in the lake or any artifact version, no leftovers,
and every pipeline equal to a full re-run on the lake (differential)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from example_project.customer_risk import CUSTOMER_RISK
from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster import faults
from lester_dagster.datasets.running_example import leaked_mail_ids
from lester_dagster.engine import SourceData
from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration import DataLake, LesterIOManager
from lester_dagster.orchestration.asset_factory import load_state, source_problems
from lester_dagster.orchestration.checks import deleted_data_remaining
from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
from lester_dagster.pipeline import holdout_mask, recompute
from lester_dagster.proof import ErasureTarget, scan_for_erased_data
from lester_dagster.provenance import source_row_ids
from lester_dagster.storage import StorageError
from lester_dagster.storage.transaction import pending
from tests import run_worker
from tests.lester_project import SOURCES, apply_pending, copy_project, file_request, project, refresh, run, settle, tick

PIPELINES = [WORD_COUNT_PIPELINE, CUSTOMER_RISK]


@dataclass
class Lester:
    root: Path
    defs: dg.Definitions
    lake: DataLake
    io: LesterIOManager
    instance: dg.DagsterInstance

    @property
    def home(self) -> Path:
        return self.root / "dagster"

    def tick(self):
        return tick(self.defs, self.instance, self.lake, self.io)

    def apply_pending(self):
        return apply_pending(self.defs, self.instance, self.lake, self.io)


@pytest.fixture(scope="module", params=["local", "s3"])
def materialised(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project materialised once per store: a local disk, and an S3-compatible server (the lake's
    Delta tables and the artifacts there; the journal and requests in a local state folder)."""
    if request.param == "s3":
        request.getfixturevalue("s3_endpoint")
    root = tmp_path_factory.mktemp(f"materialised-{request.param}")
    defs, _, _ = project(root, mails=1200, pipelines=PIPELINES, store=request.param)
    (root / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(root / "dagster")) as instance:
        assert refresh(defs, instance).success
    return root


@pytest.fixture
def lester(materialised: Path, tmp_path: Path):
    root = tmp_path / "project"
    copy_project(materialised, root)
    defs, lake, io = project(root, write=False)
    with dg.DagsterInstance.local_temp(tempdir=str(root / "dagster")) as instance:
        yield Lester(root, defs, lake, io, instance)


def customer_with_mails(lake: DataLake, at_least: int = 3) -> tuple[int, str, list[int]]:
    customers, mails = lake.read("customers"), lake.read("mails")
    counts = mails.email.value_counts()
    customer = customers[customers.customer_email.isin(counts[counts >= at_least].index)].iloc[0]
    own = mails.mail_id[mails.email == customer.customer_email].astype(int).tolist()
    return int(customer.customer_id), str(customer.customer_email), own


def assert_holds(p: Lester, values: tuple[str, ...] = ()) -> None:
    """The end state every scenario must reach."""
    journal = p.lake.journal
    accepted = [e for e in journal.entries() if e.state != "rejected"]
    assert all(e.state == "applied" and e.verified for e in accepted), [(e.request_id, e.state, e.last_error) for e in accepted]
    audited = [a["request_id"] for a in journal.audit_entries()]
    assert sorted(audited) == sorted(e.request_id for e in accepted)  # each applied once, audited once
    assert journal.verify_audit() == []
    effects = [e for _, e in journal.effects()]
    watermark = journal.watermark()
    for source in SOURCES:
        frame = p.lake.read(source.name, source.columns)
        data = SourceData(source.name, source.key, frame, source_row_ids(frame, source.key, source.name))
        assert source_problems(data, effects) == [], source.name
    assert not pending(p.io.txn_dir) and not p.lake.leftovers()
    assert not [path for store in p.io.stores() for path in store.leftovers()]
    translator = LesterTranslator()
    for spec in PIPELINES:
        keys = {a: translator.get_artifact_key(spec, a) for a in ARTIFACTS}
        assert {p.io.reflects_through(k) for k in keys.values()} == {watermark}
        state = load_state(p.io, spec, keys, read_only=True)
        assert deleted_data_remaining(state.prepared, effects, len(state.X)) == []
        assert state.model.n_train == int((~state.is_test).sum())
        # differential: the maintained artifacts equal a full re-run on the lake as it is now
        lake_frames = {s.name: p.lake.read(s.name, s.columns) for s in SOURCES}
        full, X = recompute(state, lake_frames, backend="pandas")  # the reference executor
        got = state.prepared
        mine, theirs = np.argsort(got.provenance.signatures()), np.argsort(full.provenance.signatures())
        np.testing.assert_array_equal(got.provenance.signatures()[mine], full.provenance.signatures()[theirs])
        pd.testing.assert_frame_equal(got.frame.iloc[mine].reset_index(drop=True),
                                      full.frame.iloc[theirs].reset_index(drop=True), check_dtype=False)
        np.testing.assert_allclose(np.asarray(state.X)[mine], X[theirs], rtol=0, atol=1e-6)
        np.testing.assert_array_equal(state.is_test, holdout_mask(got.provenance, spec.test_fraction, spec.split_seed))
    # no version of anything, current or kept for rollback, holds an erased row or value
    erased: dict[str, list] = {}
    for e in effects:
        if e.action == "erase":
            erased.setdefault(e.source, []).extend(e.keys)
    if erased or values:
        with local_stores(p, [s.name for s in SOURCES]) as stores:
            scan = scan_for_erased_data(stores, ErasureTarget(erased, {s.name: s.key for s in SOURCES}, {}, values),
                                        exclude=[p.lake.control / "journal.sqlite"])
        assert scan.clean, scan.to_dict()


def local_stores(p: Lester, sources: list[str]):
    """The lake and the artifacts as local folders (copied down from the object store when they live there)."""
    from types import SimpleNamespace

    from lester_dagster.orchestration.audit import _stores

    return _stores(SimpleNamespace(instance=None), p.lake, p.io, sources)


# ---- a customer's erasure ----------------------------------------------------------------------------------


def test_a_customers_erasure_takes_their_mails_from_every_store(lester: Lester) -> None:
    p = lester
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, {"source": "customers", "where": {"customer_email": [email]}, "action": "erase",
                          "reason": "GDPR art. 17"})
    (request,) = p.tick().run_requests
    impact = request.tags["lester/impact"]
    # the preview names the cascade before anything changes, and never the address itself
    assert f"erase 1 row(s) of customers; erase {len(own)} row(s) of mails" in impact and email not in impact
    assert run(p.defs, p.instance, request).success
    mails = p.lake.read("mails")
    assert not mails.email.eq(email).any() and not set(own) & set(mails.mail_id)
    assert customer not in set(p.lake.read("customers").customer_id)
    for spec in PIPELINES:
        prepared = p.io.load(LesterTranslator().get_artifact_key(spec, "prepared")).result
        assert not set(own) & set(prepared.sources["mails"].frame.mail_id)
        assert not np.isin(prepared.provenance["mails"].ids, own).any()
    snapshot = p.io.load(dg.AssetKey(["lake", "mails"])).data.frame
    assert not snapshot.email.eq(email).any()
    (entry,) = p.lake.journal.audit_entries()
    assert [(e["source"], e["rows"]) for e in entry["effects"]] == [("customers", 1), ("mails", len(own))]
    assert email not in json.dumps(entry)  # the audit log proves the erasure without keeping the address
    assert entry["request"]["where"]["customer_email"][0].startswith("sha256:")
    # the address is nowhere in Dagster's storage either (run tags, logs, metadata, event log)
    scan = scan_for_erased_data({"dagster": p.home}, ErasureTarget({}, {}, {}, [email]))
    assert scan.clean, scan.to_dict()
    assert_holds(p, values=(email,))
    # a nightly refresh after it reads the lake, where the customer is gone, and copies nothing back
    assert refresh(p.defs, p.instance).success
    assert_holds(p, values=(email,))


# ---- concurrency -------------------------------------------------------------------------------------------


def test_two_deletion_runs_at_once_both_hold(lester: Lester) -> None:
    p = lester
    leaked = [int(m) for m in leaked_mail_ids(p.lake.read("mails"))]
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",), reason="leak"))
    (first,) = p.tick().run_requests
    file_request(p.lake, DeletionRequest("customers", (customer,), "erase", reason="GDPR"))
    (second,) = p.tick().run_requests  # the batch holds both files: the first run has not taken its file yet
    assert first.run_key != second.run_key
    workers = [run_worker.start(p.root, p.home, "deletion", r) for r in (first, second)]
    codes = [w.wait(timeout=600) for w in workers]
    assert codes == [0, 0], [run_worker.output(w) for w in workers]
    p.apply_pending()  # nothing left to do, or whatever one run left to the other
    assert len(p.lake.journal.entries(["applied"])) == 2
    assert_holds(p, values=(email,))


def test_a_refresh_overlapping_a_deletion_publishes_nothing_erased(lester: Lester, tmp_path: Path) -> None:
    """The refresh reads the lake, a deletion commits while it computes, the refresh commits after it."""
    p = lester
    pause = tmp_path / "pause"
    pause.mkdir()
    refreshing = run_worker.start(p.root, p.home, "refresh", env={
        faults.PAUSE: "refresh:before-commit", faults.PAUSE_DIR: str(pause)})
    deadline = time.monotonic() + 300
    while not (pause / "paused").exists():
        assert refreshing.poll() is None, run_worker.output(refreshing)
        assert time.monotonic() < deadline, "the refresh never reached its commit"
        time.sleep(0.1)
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, DeletionRequest("customers", (customer,), "erase", reason="GDPR"))
    (request,) = p.tick().run_requests
    assert run(p.defs, p.instance, request).success
    (pause / "resume").write_text("")
    assert refreshing.wait(timeout=600) == 0, run_worker.output(refreshing)
    assert_holds(p, values=(email,))
    # and the next deletion still runs by IVM on what the refresh published (no shape mismatch)
    leaked = [int(m) for m in leaked_mail_ids(p.lake.read("mails"))]
    file_request(p.lake, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",)))
    assert all(r.success for r in p.apply_pending())
    assert_holds(p, values=(email,))


# ---- crashes -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trace(materialised: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every crash point a deletion run passes, in order (from a run that does not crash)."""
    root = tmp_path_factory.mktemp("trace") / "project"
    copy_project(materialised, root)
    p = _open(root)
    request = _erasure(p)
    log = root / "trace.txt"
    worker = run_worker.start(root, root / "dagster", "deletion", request, env={faults.TRACE: str(log)})
    assert worker.wait(timeout=600) == 0, run_worker.output(worker)
    return log.read_text().split()


def _open(root: Path) -> Lester:
    defs, lake, io = project(root, write=False)
    return Lester(root, defs, lake, io, dg.DagsterInstance.local_temp(tempdir=str(root / "dagster")))


def _erasure(p: Lester) -> dg.RunRequest:
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, {"source": "customers", "keys": [str(customer)], "action": "erase"})
    (request,) = p.tick().run_requests
    return request


@pytest.mark.parametrize("point", faults.POINTS)
def test_a_kill_at_every_commit_point_recovers(point: str, materialised: Path, trace: list[str], tmp_path: Path) -> None:
    occurrences = [t for t in trace if t.startswith(point + "#")]
    assert occurrences, f"a deletion run never passes {point}"
    # the first and the last time a run passes the point (the last is a pipeline's commit for txn:*); on the
    # object store, where each case costs many round trips, the last only
    chosen = [occurrences[-1]] if json.loads((materialised / "project.json").read_text()).get("store") == "s3" \
        else [occurrences[0], occurrences[-1]]
    for case, occurrence in enumerate(dict.fromkeys(chosen)):
        root = tmp_path / f"case{case}"
        copy_project(materialised, root)
        p = _open(root)
        _, email, _ = customer_with_mails(p.lake)
        worker = run_worker.start(root, p.home, "deletion", _erasure(p), env={faults.CRASH: occurrence})
        assert worker.wait(timeout=600) == 137, f"{occurrence}: {run_worker.output(worker)}"
        results = p.apply_pending()  # the sensor finds the dead run and relaunches its requests
        assert results and all(r.success for r in results), occurrence
        assert_holds(p, values=(email,))
        dead = [r for r in p.instance.get_runs() if r.tags.get("lester/batch") and r.status != dg.DagsterRunStatus.SUCCESS]
        assert all(r.status == dg.DagsterRunStatus.FAILURE for r in dead), occurrence  # reported, not left "started"


def test_a_failed_run_is_relaunched_and_a_refiled_request_is_applied_again(lester: Lester,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    p = lester
    customer, email, own = customer_with_mails(p.lake)
    body = {"source": "customers", "keys": [customer], "action": "erase"}
    file_request(p.lake, body)
    (request,) = p.tick().run_requests
    import lester_dagster.orchestration.pipeline_assets as factory

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in this version")

    monkeypatch.setattr(factory, "apply_deletion", broken)
    assert not run(p.defs, p.instance, request, raise_on_error=False).success
    (entry,) = p.lake.journal.entries()
    assert entry.state == "applying" and entry.attempts == 1
    monkeypatch.undo()
    # the same request filed again is a new request, not skipped; the failed one is relaunched with it
    file_request(p.lake, body)
    (again,) = p.tick().run_requests
    assert "lost its run" in again.tags["lester/impact"]
    assert run(p.defs, p.instance, again).success
    assert [e.state for e in p.lake.journal.entries()] == ["applied", "applied"]
    assert_holds(p, values=(email,))
    # filed a third time after success: accepted, applied (it changes nothing) and audited
    file_request(p.lake, body)
    assert all(r.success for r in p.apply_pending())
    assert len(p.lake.journal.audit_entries()) == 3
    assert_holds(p, values=(email,))


def test_a_reused_file_name_is_a_new_request(lester: Lester) -> None:
    p = lester
    first, second = (customer_with_mails(p.lake, 3)[0], )[0], None
    folder = p.lake.local / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "erase.json").write_text(json.dumps({"source": "customers", "keys": [first], "action": "erase"}))
    settle(folder / "erase.json")
    assert all(r.success for r in p.apply_pending())
    second = customer_with_mails(p.lake, 3)[0]
    assert second != first
    (folder / "erase.json").write_text(json.dumps({"source": "customers", "keys": [second], "action": "erase"}))
    settle(folder / "erase.json")
    assert all(r.success for r in p.apply_pending())
    customers = set(p.lake.read("customers").customer_id)
    assert first not in customers and second not in customers
    assert_holds(p)


def test_a_run_whose_check_fails_does_not_file_its_request_as_applied(lester: Lester,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    p = lester
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, DeletionRequest("customers", (customer,), "erase"))
    (request,) = p.tick().run_requests
    import lester_dagster.orchestration.checks as checks

    monkeypatch.setattr(checks, "deleted_data_remaining", lambda *a, **k: ["1 row(s) derived from erased rows"])
    result = run(p.defs, p.instance, request, raise_on_error=False)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert {e.asset_check_key.name for e in failed} == {"deleted_data_absent"}
    assert not [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["lester", "audit_log"]]
    assert p.lake.journal.entries()[0].state == "applying" and not p.lake.journal.audit_entries()
    monkeypatch.undo()
    assert all(r.success for r in p.apply_pending())
    assert_holds(p, values=(email,))


# ---- poison and hostile request files ----------------------------------------------------------------------


def test_poison_request_files_are_rejected_one_by_one_and_never_block_a_good_one(lester: Lester, tmp_path: Path) -> None:
    p = lester
    folder = p.lake.local / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    customer, email, own = customer_with_mails(p.lake)
    secret = tmp_path / "outside.json"
    secret.write_text(json.dumps({"source": "customers", "keys": [customer], "action": "erase"}))
    poison = {
        "letters.json": json.dumps({"source": "mails", "keys": ["abc"], "action": "erase"}),
        "huge-key.json": json.dumps({"source": "mails", "keys": [2**70], "action": "erase"}),
        "arabic.json": json.dumps({"source": "mails", "keys": ["٢٥"], "action": "erase"}),
        "latin1.json": b'{"source": "mails", "keys": [1], "action": "erase", "reason": "caf\xe9"}',
        "nested.json": '{"source": "mails", "keys": [1], "action": "erase", "reason": ' + "[" * 5000 + "]" * 5000 + "}",
        "too-big.json": json.dumps({"source": "mails", "keys": [1], "action": "erase", "reason": "x" * (2 << 20)}),
        "path.json": json.dumps({"source": "mails", "keys": [1], "action": "erase", "request_id": "../../escaped"}),
        "twice.json": '{"source": "mails", "keys": [1], "keys": [2], "action": "erase"}',
        "email-as-key.json": json.dumps({"source": "mails", "keys": [email], "action": "erase"}),
        "mailz.json": json.dumps({"source": "mailz", "keys": [1], "action": "erase"}),
    }
    for name, body in poison.items():
        (folder / name).write_bytes(body if isinstance(body, bytes) else body.encode())
        settle(folder / name)
    (folder / "dangling.json").symlink_to(tmp_path / "missing.json")
    (folder / "outside.json").symlink_to(secret)
    for link in ("dangling.json", "outside.json"):
        settle(folder / link)
    good = folder / "GOOD.JSON"  # any case of the extension counts
    good.write_text(json.dumps({"source": "mails", "keys": [str(own[0])], "action": "erase"}))
    settle(good)
    half = folder / "half.json"
    half.write_text('{"source": "mails", "ke')  # a writer is still at it: waited for, not rejected
    settle(half, age=-3600)  # modified "just now" however long this test takes: settling is not timing here

    before = p.lake.journal.watermark()
    for _ in range(3):  # previews (the UI's "Preview tick result") change nothing, however often
        (request,) = p.tick().run_requests
    assert p.lake.journal.watermark() == before and len(p.lake.filings()) == len(poison) + 4
    assert run(p.defs, p.instance, request).success
    reasons = {r["file"]: r["reason"] for r in p.lake.rejected()}
    assert set(reasons) == set(poison) | {"dangling.json", "outside.json"}
    assert "value #1 of 'keys of mails.mail_id' is not an integer" in reasons["letters.json"]
    assert "outside the range of a 64-bit integer" in reasons["huge-key.json"]
    assert "written in digits 0-9" in reasons["arabic.json"]
    assert "not UTF-8" in reasons["latin1.json"]
    assert "nested" in reasons["nested.json"]
    assert "at most 1,048,576" in reasons["too-big.json"]
    assert "'request_id' is your own reference" in reasons["path.json"]
    assert "appears twice" in reasons["twice.json"]
    assert "symbolic link" in reasons["dangling.json"] and "symbolic link" in reasons["outside.json"]
    assert "unknown source 'mailz'" in reasons["mailz.json"]
    assert secret.exists() and json.loads(secret.read_text())["keys"] == [customer]  # the link's target is untouched
    assert not (p.root / "escaped").exists() and not list(p.root.parent.glob("escaped*"))
    assert [r["file"] for r in p.lake.receipts()] == ["GOOD.JSON"] and half.exists()
    assert own[0] not in set(p.lake.read("mails").mail_id)
    # nothing from a request file reached Dagster's storage: not the e-mail used as a key, nowhere
    scan = scan_for_erased_data({"dagster": p.home}, ErasureTarget({}, {}, {}, [email]))
    assert scan.clean, scan.to_dict()
    # the half-written file, once complete and settled, is taken in like any other
    half.write_text(json.dumps({"source": "mails", "keys": [own[1]], "action": "erase"}))
    settle(half)
    assert all(r.success for r in p.apply_pending())
    assert own[1] not in set(p.lake.read("mails").mail_id)
    assert_holds(p)


def test_an_unreadable_artifact_does_not_stop_the_sensor(lester: Lester) -> None:
    p = lester
    prepared = p.io.folder(dg.AssetKey(["customer_risk", "prepared"])).path()
    (prepared / "table.parquet").write_bytes(b"not parquet")
    file_request(p.lake, DeletionRequest("mails", (int(p.lake.read("mails").mail_id.iloc[0]),), "erase"))
    (request,) = p.tick().run_requests
    assert "customer_risk: impact unknown" in request.tags["lester/impact"]


def test_request_files_are_settled_before_they_are_read(lester: Lester) -> None:
    p = lester
    path = p.lake.submit(DeletionRequest("mails", (1,), "erase"))  # just written
    result = p.tick()
    assert not result.run_requests and "still being written" in result.skip_message
    settle(path)
    assert len(p.tick().run_requests) == 1


def test_the_run_takes_in_exactly_the_files_its_sensor_chose(lester: Lester) -> None:
    p = lester
    mail = int(p.lake.read("mails").mail_id.iloc[0])
    p.lake.submit(DeletionRequest("mails", (mail,), "erase"))  # just written: settled for an eager sensor only
    eager = DataLake(**{**{f: getattr(p.lake, f) for f in DataLake.model_fields}, "settle_seconds": 0})
    (request,) = tick(p.defs, p.instance, eager, p.io).run_requests
    p.lake.submit(DeletionRequest("mails", (mail + 1,), "erase"))  # filed after the tick: not this run's
    assert run(p.defs, p.instance, request).success
    assert [e.state for e in p.lake.journal.entries()] == ["applied"] and len(p.lake.filings()) == 1


# ---- the audit log and stored artifacts ---------------------------------------------------------------------


def test_a_rewritten_audit_log_is_detected(lester: Lester) -> None:
    p = lester
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, DeletionRequest("customers", (customer,), "erase"))
    leaked = [int(m) for m in leaked_mail_ids(p.lake.read("mails"))]
    assert all(r.success for r in p.apply_pending())
    file_request(p.lake, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",)))
    assert all(r.success for r in p.apply_pending())
    journal = sqlite3.connect(p.lake.control / "journal.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        journal.execute("UPDATE audit SET entry = '{}'")
    # someone with write access to the file goes around the guard
    journal.executescript("DROP TRIGGER audit_is_append_only_update; UPDATE audit SET entry = "
                          "replace(entry, '\"rows\":1,', '\"rows\":0,') WHERE seq = 1;")
    journal.close()
    problems = p.lake.journal.verify_audit()
    assert problems == ["audit entry 1 was changed after it was written (its hash no longer matches)"]
    assert refresh(p.defs, p.instance, raise_on_error=False)  # the next run's check says so
    check = p.instance.get_latest_asset_check_evaluation_record(
        dg.AssetCheckKey(dg.AssetKey(["lester", "audit_log"]), "audit_chain_intact"))
    assert check.event.asset_check_evaluation.passed is False


def test_a_rewritten_chain_is_caught_by_the_heads_pinned_in_dagster(lester: Lester) -> None:
    p = lester
    customer, email, own = customer_with_mails(p.lake)
    file_request(p.lake, DeletionRequest("customers", (customer,), "erase"))
    assert all(r.success for r in p.apply_pending())
    # a forger rebuilds the whole log with consistent hashes, without the entry
    journal = sqlite3.connect(p.lake.control / "journal.sqlite")
    journal.executescript("DROP TRIGGER audit_is_append_only_delete; DELETE FROM audit;")
    journal.close()
    assert p.lake.journal.verify_audit() == []  # the log alone looks fine
    refresh(p.defs, p.instance, raise_on_error=False)
    check = p.instance.get_latest_asset_check_evaluation_record(
        dg.AssetCheckKey(dg.AssetKey(["lester", "audit_log"]), "audit_chain_intact"))
    assert check.event.asset_check_evaluation.passed is False


def test_a_crafted_encoder_file_is_never_loaded(lester: Lester, tmp_path: Path) -> None:
    import skops.io as sio

    p = lester
    key = dg.AssetKey(["complaints_word_counts", "features"])
    folder = p.io.folder(key).path()
    marker = tmp_path / "pwned"

    class Payload:  # what a pickle would run on load
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import pickle

    (folder / "encoder.skops").unlink()
    (folder / "encoder.joblib").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(StorageError, match="never loaded"):
        p.io.load(key)
    (folder / "encoder.joblib").unlink()
    (folder / "encoder.skops").write_bytes(sio.dumps(os.system))  # skops refuses functions it does not trust
    with pytest.raises(StorageError, match="not trusted"):
        p.io.load(key)
    file_request(p.lake, DeletionRequest("mails", (int(p.lake.read("mails").mail_id.iloc[0]),), "erase"))
    (request,) = p.tick().run_requests  # the sensor's preview loads it too: refused there as well
    assert not marker.exists()


# ---- the command line --------------------------------------------------------------------------------------


def test_the_cli_lists_requests_and_proves_an_erasure(lester: Lester, capsys: pytest.CaptureFixture[str]) -> None:
    from lester_dagster.cli import main

    p = lester
    customer, email, own = customer_with_mails(p.lake)
    home, state = str(p.home), str(p.lake.local)
    lake = ["--lake", p.lake.root, "--state-dir", p.lake.state_dir]
    artifacts = ["--artifacts", p.io.base_dir, "--cache-dir", p.io.cache_dir]
    assert main(["request-deletion", *lake, "--source", "customers", "--where", f"customer_email={email}",
                 "--action", "erase", "--reason", "GDPR"]) == 0
    settle(next((p.lake.local / "requests").glob("*.json")))
    assert all(r.success for r in p.apply_pending())
    capsys.readouterr()
    assert main(["requests", "--lake", state]) == 0
    (entry,) = p.lake.journal.entries()
    listing = capsys.readouterr().out
    assert entry.request_id in listing and "applied" in listing and email not in listing
    assert main(["verify-erasure", *lake, *artifacts, "--dagster-home", home, "--value", email]) == 0
    assert "clean" in capsys.readouterr().out
    # a copy left where nobody looks is found, and named without the value
    from upath import UPath

    (UPath(p.io.base_dir) / "notes.txt").write_text(f"customer {email} asked to be forgotten")
    assert main(["verify-erasure", *lake, *artifacts, "--value", email]) == 1
    report = capsys.readouterr().out
    assert "FOUND artifacts:notes.txt" in report and email not in report
    assert main(["verify-audit", "--lake", state, "--dagster-home", home]) == 0
    assert "1 audit entries" in capsys.readouterr().out
