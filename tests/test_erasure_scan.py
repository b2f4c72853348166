"""The erasure scan: an erased key, a non-null redacted cell or an erased value planted in any format and any
corner of a store (lake, artifact versions, trash, zip members, SQLite, logs) is found, without the report
ever repeating the value; a clean store is clean; leftovers, symlinks and unreadable files are reported."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lester_dagster.proof.scan as scan
from lester_dagster.datasets.running_example import generate, leaked_mail_ids
from lester_dagster.engine import SourceData
from lester_dagster.proof import ErasureTarget, ScanError, ScanReport, scan_for_erased_data
from lester_dagster.provenance import ProvColumn, RowProvenance, key_ids, source_row_ids
from lester_dagster.storage.artifacts import load_table, save_provenance, save_sources, save_table

KEYS = {"customers": "customer_id", "mails": "mail_id"}


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate(300, seed=0)


def leak_free(report: ScanReport, *secrets: str) -> None:
    """Nothing in the report (what an audit entry would hold) repeats a secret, in any case."""
    text = json.dumps(report.to_dict(), ensure_ascii=False).lower()
    for secret in secrets:
        assert secret.lower() not in text and json.dumps(secret)[1:-1].lower() not in text


def report_label(target: ErasureTarget, i: int) -> str:
    """How a report names value #i: by index and hash prefix, never by itself."""
    return f"value #{i} (sha256 {hashlib.sha256(target.values[i].encode()).hexdigest()[:8]})"


def whats(report: ScanReport, store: str, path: str) -> list[str]:
    return [f.what for f in report.findings if (f.store, f.path) == (store, path)]


def write(path: Path, content: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# ---- the lake ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_lake_tables_are_checked_for_keys_redacted_cells_and_values(tmp_path: Path, data, suffix: str) -> None:
    customers, mails = data
    for name, frame in (("customers", customers), ("mails", mails)):
        if suffix == "csv":
            frame.to_csv(tmp_path / f"{name}.csv", index=False)
        else:
            frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    email = customers.customer_email[4]
    leaked = leaked_mail_ids(mails)
    subject = mails.loc[mails.mail_id == leaked[0], "mail_subject"].item()
    target = ErasureTarget({"customers": [int(customers.customer_id[4])]}, KEYS,
                           {"mails": (leaked.tolist(), ["mail_subject"])}, [email, subject])
    report = scan_for_erased_data({"lake": tmp_path}, target)

    assert "1 erased key(s) of customers in its key column" in whats(report, "lake", f"customers.{suffix}")
    assert f"{len(leaked)} redacted cell(s) mails.mail_subject not null" in whats(report, "lake", f"mails.{suffix}")
    where = "" if suffix == "csv" else " in column customer_email"
    assert f"{report_label(target, 0)}{where}" in whats(report, "lake", f"customers.{suffix}")
    assert any(w.startswith(report_label(target, 1)) for w in whats(report, "lake", f"mails.{suffix}"))
    assert not report.clean and report.files_by_store == {"lake": 2}
    leak_free(report, email, subject)


def test_a_lake_after_a_proper_erasure_is_clean(tmp_path: Path, data) -> None:
    customers, mails = data
    customer = int(customers.customer_id[4])
    email = customers.customer_email[4]
    leaked = leaked_mail_ids(mails)
    cards = [s.rsplit(" ", 1)[1] for s in mails.loc[mails.mail_id.isin(leaked), "mail_subject"]]
    target = ErasureTarget({"customers": [customer]}, KEYS, {"mails": (leaked.tolist(), ["mail_subject"])},
                           [email, *cards])
    # the customer's row and mails go, and the leaked subjects are blanked
    customers[customers.customer_id != customer].to_csv(tmp_path / "customers.csv", index=False)
    clean = mails[mails.email != email].copy()
    clean.loc[clean.mail_id.isin(leaked), "mail_subject"] = None
    clean.to_parquet(tmp_path / "mails.parquet", index=False)

    report = scan_for_erased_data({"lake": tmp_path}, target)
    assert report.clean, report.to_dict()
    assert report.files_scanned == 2 and report.bytes_scanned == sum(p.stat().st_size for p in tmp_path.iterdir())


def test_a_keyless_lake_table_is_checked_by_content_ids(tmp_path: Path, data) -> None:
    _, mails = data
    frame = mails.drop(columns="mail_id").head(50)
    ids = source_row_ids(frame, None, "notes")
    frame.to_csv(tmp_path / "notes.csv", index=False)
    target = ErasureTarget({"notes": [int(ids[3])]}, {"notes": None}, {"notes": ([int(ids[5])], ["mail_text"])})
    report = scan_for_erased_data({"lake": tmp_path}, target)
    assert set(whats(report, "lake", "notes.csv")) == {
        "1 erased row(s) of notes (by content id)", "1 redacted cell(s) notes.mail_text not null"}


# ---- our artifact folders ------------------------------------------------------------------------------------


def artifact(folder: Path, customers: pd.DataFrame, mails: pd.DataFrame, key: str = "customer_id") -> None:
    """A prepared table (mails joined to their sender) with its provenance and source copies."""
    joined = mails.merge(customers, left_on="email", right_on="customer_email")
    folder.mkdir(parents=True)
    customer_ids = key_ids(joined[key])
    provenance = RowProvenance({"mails": ProvColumn.dense(joined.mail_id.to_numpy()),
                                "customers": ProvColumn.dense(customer_ids)}, len(joined))
    save_table(folder, joined, provenance, {}, frozenset())
    (folder / "sources").mkdir()
    save_sources(folder / "sources", {
        "mails": SourceData("mails", "mail_id", mails, source_row_ids(mails, "mail_id", "mails")),
        "customers": SourceData("customers", key, customers, source_row_ids(customers, key, "customers")),
    })


def test_artifact_tables_provenance_and_source_copies_are_checked(tmp_path: Path, data) -> None:
    customers, mails = data
    artifact(tmp_path / "prepared" / "v000001", customers, mails)
    sender = mails.email[0]
    customer = int(customers.loc[customers.customer_email == sender, "customer_id"].item())
    leaked = leaked_mail_ids(mails)
    target = ErasureTarget({"customers": [customer], "mails": [1, 2]}, KEYS,
                           {"mails": (leaked.tolist(), ["mail_subject"])}, [sender])
    report = scan_for_erased_data({"artifacts": tmp_path}, target)

    version = "prepared/v000001/"
    assert {"1 erased id(s) of customers in provenance", "2 erased id(s) of mails in provenance"} <= set(
        whats(report, "artifacts", version + "table.parquet"))
    assert f"{report_label(target, 0)} in column email" in whats(report, "artifacts", version + "table.parquet")
    mails_copy, customers_copy = version + "sources/source_0", version + "sources/source_1"
    assert whats(report, "artifacts", mails_copy + "_ids.npy") == ["2 erased id(s) of mails in the source copy's ids"]
    assert {"2 erased key(s) of mails in its key column",
            f"{len(leaked)} redacted cell(s) mails.mail_subject not null",
            f"{report_label(target, 0)} in column email"} <= set(whats(report, "artifacts", mails_copy + ".parquet"))
    assert "1 erased key(s) of customers in its key column" in whats(report, "artifacts", customers_copy + ".parquet")
    leak_free(report, sender)


@pytest.mark.parametrize("beside", [True, False])
def test_hashed_string_keys_are_found_in_provenance(tmp_path: Path, data, beside: bool) -> None:
    """A string key's id is its hash: computed from the key column's type beside the provenance file, or
    under every type a key column can have when there is no source copy."""
    customers, mails = data
    artifact(tmp_path / "v000001", customers, mails, key="customer_email")
    if not beside:
        for path in (tmp_path / "v000001" / "sources").iterdir():
            path.unlink()
    sender = mails.email[0]
    target = ErasureTarget({"customers": [sender]}, {"customers": "customer_email"})
    report = scan_for_erased_data({"artifacts": tmp_path}, target)
    assert "1 erased id(s) of customers in provenance" in whats(report, "artifacts", "v000001/table.parquet")


def test_a_pipeline_erasure_applied_by_ivm_leaves_no_erased_id_nor_card_number(tmp_path: Path) -> None:
    """Differential: the scan's structural verdict agrees with the IVM's promise, and every value it reports
    is really in the file it names (checked with pandas)."""
    from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
    from lester_dagster.ivm import DeletionRequest, apply_deletion
    from lester_dagster.pipeline import materialize
    from lester_dagster.storage import VersionedDirectory, save_state

    customers, mails = generate(1500, 1)
    state = materialize(WORD_COUNT_PIPELINE, {"customers": customers, "mails": mails})
    customer = int(state.prepared.provenance["customers"].ids[0])
    email = customers.loc[customers.customer_id == customer, "customer_email"].item()
    leaked = [int(i) for i in leaked_mail_ids(mails)]
    cards = [s.rsplit(" ", 1)[1] for s in mails.loc[mails.mail_id.isin(leaked), "mail_subject"]]
    apply_deletion(state, DeletionRequest("customers", (customer,), "erase"))
    apply_deletion(state, DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",)))
    VersionedDirectory(tmp_path / "complaints").publish(lambda folder: save_state(folder, state))

    target = ErasureTarget({"customers": [customer]}, KEYS, {"mails": (leaked, ["mail_subject"])}, [email, *cards])
    report = scan_for_erased_data({"artifacts": tmp_path}, target)
    assert not report.skipped and not report.leftovers
    for finding in report.findings:
        assert finding.what.startswith(report_label(target, 0)) and " in column " in finding.what, finding
        frame = pd.read_parquet(tmp_path / finding.path)
        assert (frame[finding.what.rsplit(" ", 1)[1]] == email).any()
    leak_free(report, email, *cards)


# ---- other formats -------------------------------------------------------------------------------------------


def test_json_with_escaped_non_ascii_and_a_compressed_log_are_searched(tmp_path: Path) -> None:
    value = 'Crédit Solaire: "Überweisung" fehlt'
    write(tmp_path / "storage" / "run.json", json.dumps({"event": {"message": value}}))  # ASCII-escaped
    write(tmp_path / "logs" / "step.err", gzip.compress(f"Traceback: {value.lower()}\n".encode()))
    write(tmp_path / "logs" / "step.out", "nothing here\n")
    report = scan_for_erased_data({"dagster": tmp_path}, ErasureTarget(values=[value]))
    label = report_label(ErasureTarget(values=[value]), 0)
    assert whats(report, "dagster", "storage/run.json") == [label]
    assert whats(report, "dagster", "logs/step.err") == [f"{label} (decompressed)"]
    assert report.files_scanned == 3
    leak_free(report, value)


def test_sqlite_live_rows_and_deleted_but_not_vacuumed_rows_are_found(tmp_path: Path) -> None:
    live, deleted = "emma.bernard6199@example.com", "quentin.novak534@example.com"
    path = tmp_path / "storage" / "runs.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA secure_delete = OFF")  # the default of most builds, made explicit
        db.execute("CREATE TABLE event_logs (id INTEGER PRIMARY KEY, event TEXT)")
        db.executemany("INSERT INTO event_logs (event) VALUES (?)", [(json.dumps({"to": live}),),
                                                                     (json.dumps({"to": deleted}),)])
        db.execute("DELETE FROM event_logs WHERE event LIKE ?", (f"%{deleted}%",))
    db.close()
    with sqlite3.connect(path) as db:  # the row is gone for SQL ...
        assert db.execute("SELECT count(*) FROM event_logs WHERE event LIKE ?", (f"%{deleted}%",)).fetchone() == (0,)
    db.close()
    assert deleted.encode() in path.read_bytes()  # ... but not from the file

    target = ErasureTarget(values=[live, deleted])
    found = set(whats(scan_for_erased_data({"dagster": tmp_path}, target), "dagster", "storage/runs.db"))
    assert found == {report_label(target, 0), f"{report_label(target, 0)} in table event_logs", report_label(target, 1)}


def test_zip_members_npz_string_arrays_and_pickled_arrays_are_searched(tmp_path: Path) -> None:
    value = "my credit card is 4956218627628958"
    with zipfile.ZipFile(tmp_path / "encoder.skops", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", json.dumps({"categories": ["a", value.upper()]}))
        archive.writestr("weights.npy", b"")
    np.savez(tmp_path / "vocabulary.npz", words=np.array(["hello", value]), counts=np.arange(3))
    np.save(tmp_path / "objects.npy", np.array([{"subject": value}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "X.npy", np.arange(10.0))
    target = ErasureTarget(values=[value])
    report = scan_for_erased_data({"artifacts": tmp_path}, target)
    label = report_label(target, 0)
    assert {(f.path, f.what) for f in report.findings} == {
        ("encoder.skops!schema.json", label),
        ("vocabulary.npz!words.npy", f"{label} in a string array"),
        ("objects.npy", label),
    }
    assert report.files_scanned == 4
    leak_free(report, value)


def test_a_card_number_stored_as_a_number_is_found(tmp_path: Path) -> None:
    card = "4956218627628958"
    pd.DataFrame({"card": np.array([1, int(card)], dtype=np.int64), "as_float": [0.5, float(card)]}).to_parquet(
        tmp_path / "t.parquet")
    target = ErasureTarget(values=[card])
    report = scan_for_erased_data({"s": tmp_path}, target)
    assert set(whats(report, "s", "t.parquet")) == {f"{report_label(target, 0)} in column card",
                                                     f"{report_label(target, 0)} in column as_float"}


def test_unused_dictionary_entries_and_nested_columns_are_searched(tmp_path: Path) -> None:
    value = "zoe.clarke123@example.com"
    categories = pd.Categorical(["a", "a"], categories=["a", value])  # the value is in no row
    table = pa.table({"c": pa.array(categories), "nested": pa.array([[{"x": "b"}], [{"x": value.upper()}]])})
    pq.write_table(table, tmp_path / "t.parquet")
    target = ErasureTarget(values=[value])
    assert set(whats(scan_for_erased_data({"s": tmp_path}, target), "s", "t.parquet")) == {
        f"{report_label(target, 0)} in column c", f"{report_label(target, 0)} in column nested"}


# ---- chunks and pieces ---------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(chunk=st.integers(1, 300), piece=st.integers(1, 64), before=st.integers(0, 2000),
       value=st.text(st.sampled_from("abcXYZ@.é€"), min_size=4, max_size=40))
def test_a_value_across_chunk_and_piece_borders_is_found(chunk: int, piece: int, before: int, value: str) -> None:
    data = b"-" * before + value.encode() + b"-" * 700
    missing = value[:-1] + "#"
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(scan, "CHUNK_BYTES", chunk), \
            mock.patch.object(scan, "PIECE_BYTES", piece):
        write(Path(folder) / "big.log", data)
        target = ErasureTarget(values=[value, missing])
        report = scan_for_erased_data({"logs": Path(folder)}, target)
    assert [(f.path, f.what) for f in report.findings] == [("big.log", report_label(target, 0))]
    assert not report.skipped


@settings(max_examples=40, deadline=None)
@given(cells=st.lists(st.text(st.sampled_from('abAB.@" '), max_size=12), min_size=1, max_size=30),
       values=st.lists(st.text(st.sampled_from("abAB.@"), min_size=4, max_size=6), min_size=1, max_size=4))
def test_the_column_search_agrees_with_a_python_oracle(cells: list[str], values: list[str]) -> None:
    """Differential: a value is reported for a column exactly when some cell holds it, ignoring case."""
    expected = {i for i, v in enumerate(values) if any(v.lower() in c.lower() for c in cells)}
    with tempfile.TemporaryDirectory() as folder:
        pq.write_table(pa.table({"c": cells}), Path(folder, "t.parquet"))
        target = ErasureTarget(values=values)
        report = scan_for_erased_data({"s": Path(folder)}, target)
    assert {f.what for f in report.findings} == {f"{report_label(target, i)} in column c" for i in expected}
    assert not report.skipped


# ---- leftovers, symlinks, unreadable files, exclusions, refusals ---------------------------------------------


def test_leftovers_are_listed_and_their_contents_scanned(tmp_path: Path) -> None:
    value = "olivia.rossi42@example.com"
    root = tmp_path / "prepared"
    write(root / "v000002" / "table.json", "{}")
    write(root / "v000003" / "table.json", "{}")  # staged by a commit that never completed
    write(root / "CURRENT", json.dumps({"version": 2}))
    write(root / ".CURRENT.k2j3h4", json.dumps({"version": 3}))
    write(root / ".trash-v000001" / "table.json", json.dumps({"sender": value}))  # a purge cut short
    write(root / ".staging-a8c1" / "deep" / "x.json", "{}")
    write(tmp_path / "lake" / "mails.csv", "mail_id\n1\n")
    write(tmp_path / "lake" / ".mails.csv.3kd9", "mail_id\n1\n")
    write(tmp_path / "lake" / "requests" / ".2024-req.json.tmp", "{}")
    write(tmp_path / "lake" / ".gitignore", "*.tmp\n")

    report = scan_for_erased_data({"store": tmp_path}, ErasureTarget(values=[value]))
    assert set(report.leftovers) == {
        "store:prepared/v000003", "store:prepared/.CURRENT.k2j3h4", "store:prepared/.trash-v000001",
        "store:prepared/.staging-a8c1", "store:lake/.mails.csv.3kd9", "store:lake/requests/.2024-req.json.tmp"}
    assert [f.path for f in report.findings] == ["prepared/.trash-v000001/table.json"]
    assert report.files_scanned == 10 and not report.clean


def test_symlinks_are_never_followed_out_of_a_store(tmp_path: Path) -> None:
    value = "felix.weber77@example.com"
    outside = write(tmp_path / "outside" / "secret.txt", value)
    store = tmp_path / "store"
    write(store / "inside.txt", "nothing")
    (store / "to_outside.txt").symlink_to(outside)
    (store / "to_outside_dir").symlink_to(outside.parent, target_is_directory=True)
    (store / "to_inside.txt").symlink_to(store / "inside.txt")
    report = scan_for_erased_data({"s": store}, ErasureTarget(values=[value]))
    assert not report.findings and report.files_scanned == 1
    assert {path for path, _ in report.skipped} == {"s:to_outside.txt", "s:to_outside_dir"}
    assert all("not followed" in why for _, why in report.skipped)


def test_unreadable_files_are_reported_never_passed(tmp_path: Path) -> None:
    write(tmp_path / "broken.parquet", b"PAR1 this is not really parquet")
    write(tmp_path / "broken.skops", b"PK\x03\x04 truncated by a crash")
    report = scan_for_erased_data({"s": tmp_path}, ErasureTarget(values=["abcd@example.com"]))
    assert {path for path, _ in report.skipped} == {"s:broken.parquet", "s:broken.skops"}
    assert not report.clean


def test_values_in_file_names_are_found_and_masked(tmp_path: Path) -> None:
    value = "Leon.Petit9@example.com"
    write(tmp_path / "exports" / f"mails-of-{value.lower()}.tmp", "x")
    target = ErasureTarget(values=[value])
    report = scan_for_erased_data({"s": tmp_path}, target)
    assert [(f.path, f.what) for f in report.findings] == [
        ("exports/mails-of-<value #0>.tmp", f"{report_label(target, 0)} in the path")]
    assert report.leftovers == ("s:exports/mails-of-<value #0>.tmp",)
    leak_free(report, value)


def test_exclude_leaves_out_a_folder(tmp_path: Path) -> None:
    value = "sam.jansen5@example.com"
    write(tmp_path / "audit" / "record.json", json.dumps({"note": value}))
    write(tmp_path / "data" / "a.txt", "fine")
    report = scan_for_erased_data({"s": tmp_path}, ErasureTarget(values=[value]), exclude=[tmp_path / "audit"])
    assert report.clean and report.files_scanned == 1


def test_short_values_and_incomplete_targets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="value #1 has 3 character") as error:
        ErasureTarget(values=["long enough", "abc"])
    assert "abc" not in str(error.value)
    with pytest.raises(ScanError, match="a list of strings"):
        ErasureTarget(values="one.address@example.com")  # type: ignore[arg-type]
    with pytest.raises(ScanError, match="key_columns\\['mails'\\]"):
        ErasureTarget({"mails": [1]}, {})
    with pytest.raises(ScanError, match="keyless"):
        ErasureTarget({"notes": ["a"]}, {"notes": None})
    with pytest.raises(ScanError, match="not a folder"):
        scan_for_erased_data({"lake": tmp_path / "missing"}, ErasureTarget())
    # no values: the structural checks alone
    assert scan_for_erased_data({"lake": tmp_path}, ErasureTarget()).clean


def test_the_report_is_json_ready(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "hello world")
    report = scan_for_erased_data({"s": tmp_path}, ErasureTarget(values=["hello world"]))
    entry = json.loads(json.dumps(report.to_dict()))
    assert entry["clean"] is False and entry["files_by_store"] == {"s": 1} and len(entry["findings"]) == 1
    assert os.path.isabs(str(tmp_path)) and str(tmp_path) not in json.dumps(entry)


def test_identical_copies_are_searched_once_and_reported_everywhere(tmp_path: Path) -> None:
    value = "paul.moreau31@example.com"
    mails = json.dumps({"email": value}) + "\n" + "x" * 5000
    for version in ("v000001", "v000002"):
        write(tmp_path / version / "sources" / "mails.jsonl", mails)
        write(tmp_path / version / "broken.parquet", b"PAR1 torn by a crash" + b"\0" * 5000)
    write(tmp_path / "v000002" / value / "other.jsonl", "y" * len(mails))  # the same size, other bytes
    target = ErasureTarget(values=[value])
    with mock.patch.object(scan, "DEDUPLICATE_BYTES", 1), \
            mock.patch.object(scan._Scan, "content", autospec=True, side_effect=scan._Scan.content) as content:
        report = scan_for_erased_data({"s": tmp_path}, target)
    searched = sorted(call.args[2] for call in content.call_args_list)
    assert searched == ["v000001/broken.parquet", "v000001/sources/mails.jsonl", f"v000002/{value}/other.jsonl"]
    label = report_label(target, 0)
    assert {(f.path, f.what) for f in report.findings} == {
        ("v000001/sources/mails.jsonl", label), ("v000002/sources/mails.jsonl", label),
        ("v000002/<value #0>", f"{label} in the path"), ("v000002/<value #0>/other.jsonl", f"{label} in the path")}
    assert {path for path, _ in report.skipped} == {"s:v000001/broken.parquet", "s:v000002/broken.parquet"}
    assert report.files_scanned == 5


def test_many_values_are_split_over_several_patterns(tmp_path: Path) -> None:
    values = [f"customer.{i}@example.com" for i in range(7)]
    write(tmp_path / "a.log", f"to {values[0]} and {values[6]}")
    with mock.patch.object(scan, "PATTERN_LITERALS", 2):
        target = ErasureTarget(values=values)
        report = scan_for_erased_data({"s": tmp_path}, target)
    assert {f.what for f in report.findings} == {report_label(target, 0), report_label(target, 6)}


LOGGED = "Crédit Solaire: anna.müller77@example.com"


@dg.asset
def leaky(context) -> dg.MaterializeResult:  # type: ignore[no-untyped-def]  # Dagster rejects a string annotation
    context.log.info(f"processing {LOGGED}")
    print(f"sending to {LOGGED}")
    return dg.MaterializeResult(metadata={"recipient": LOGGED})


def test_dagster_storage_is_searched_event_logs_and_compute_logs(tmp_path: Path) -> None:
    """A real Dagster instance: a value an asset logs, prints and puts in metadata lands in the run's event
    log database, the asset index and the compute logs; the scan finds it in each."""
    value = LOGGED
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert dg.materialize([leaky], instance=instance).success
    report = scan_for_erased_data({"dagster": tmp_path}, ErasureTarget(values=[value]))
    where = {(f.path.rsplit("/", 1)[-1].rsplit(".", 1)[-1], f.what.partition(") ")[2]) for f in report.findings}
    assert {("db", "in table event_logs"), ("db", "in table asset_keys"), ("out", ""), ("err", "")} <= where
    assert not report.skipped
    leak_free(report, value)


def test_erased_ids_in_a_tables_provenance_columns_are_found_and_not_taken_for_values(tmp_path: Path) -> None:
    """An aggregate's provenance (a list of ids a row) in the table's own Parquet file: the erased ids are
    found as ids; the ids are not searched as values (an id of 90001 is not the number 90001 of a cell)."""
    folder = tmp_path / "v000001"
    folder.mkdir()
    provenance = RowProvenance({"mails": ProvColumn(np.array([1, 5, 20001, 90001]), np.array([0, 3, 3, 4]))}, 3)
    save_table(folder, pd.DataFrame({"n": [3, 0, 1]}), provenance, {}, frozenset())
    # a digits-only value (a card number is one), which numeric cells are searched for, equal to an id
    target = ErasureTarget({"mails": [20001, 90001, 4]}, {"mails": "mail_id"}, values=["90001"])
    report = scan_for_erased_data({"artifacts": tmp_path}, target)
    assert whats(report, "artifacts", "v000001/table.parquet") == ["2 erased id(s) of mails in provenance"]


def test_a_table_stored_before_with_provenance_npz_beside_is_still_checked(tmp_path: Path, data) -> None:
    customers, mails = data
    folder = tmp_path / "v000001"
    artifact(folder, customers, mails)
    stored = load_table(folder)
    stored.frame.to_parquet(folder / "table.parquet", index=False)  # the layout before: provenance beside
    save_provenance(folder / "provenance.npz", stored.provenance)
    report = scan_for_erased_data({"artifacts": tmp_path}, ErasureTarget({"mails": [1, 2]}, KEYS))
    assert whats(report, "artifacts", "v000001/provenance.npz") == ["2 erased id(s) of mails in provenance"]
    assert not [w for w in whats(report, "artifacts", "v000001/table.parquet") if "in provenance" in w]
