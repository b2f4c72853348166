"""The audit step, last in every lester run: for each accepted request that the lake and every artifact
now reflect (the blocking checks upstream passed), it purges the versions that still held the data,
scans every store for what was erased (the lake, every artifact version, leftovers of crashes, Dagster's
own storage), appends an entry with that proof to the journal's hash-chained audit log, and files the
request as applied. Each step is idempotent, so a run after a crash at any point finishes the job."""


import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg

from lester_dagster.faults import crash_point
from lester_dagster.ivm.journal import OPEN, Entry, now
from lester_dagster.orchestration.asset_factory import IO_MANAGER_KEY, LakeSource, affected_pipelines
from lester_dagster.orchestration.io_manager import LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import LesterTranslator, artifacts_of
from lester_dagster.orchestration.writer import Writer, writing
from lester_dagster.pipeline import TablePipeline
from lester_dagster.proof import ErasureTarget, ScanReport, scan_for_erased_data
from lester_dagster.storage.tables import DeltaSource

HEAD, COUNT = "lester/audit head", "lester/audit entries"


def entry_markdown(entries: Sequence[dict[str, Any]]) -> str:
    lines = ["| request | filed | applied | does | pipelines | verified |", "|---|---|---|---|---|---|"]
    for e in entries[-20:]:
        if e.get("damaged"):
            lines.append(f"| `{e['request_id']}` | entry damaged: see the check audit_chain_intact | | | | |")
            continue
        lines.append(f"| `{e['request_id']}` | {e['filed_at'][:19]} | {e['applied_at'][:19]} | {e['summary']} | "
                     f"{', '.join(p['pipeline'] for p in e['pipelines']) or '-'} | {'yes' if e['proof']['verified'] else 'NO'} |")
    return "\n".join(lines)


def build_audit_asset(deps: list[dg.AssetKey], pipelines: Sequence[TablePipeline], sources: Sequence[LakeSource],
                      translator: LesterTranslator) -> dg.AssetsDefinition:
    key = translator.get_audit_key()
    chain = dg.AssetCheckSpec("audit_chain_intact", asset=key,
                              description="Every audit entry's hash covers its content and its predecessor, and the "
                                          "log still holds every entry earlier runs recorded in Dagster.")
    proven = dg.AssetCheckSpec("erasure_proven", asset=key,
                               description="The erasure scan of every store (lake, all artifact versions and leftovers, "
                                           "Dagster's storage) found none of what the requests applied here removed.")

    @dg.asset(
        key=key,
        deps=deps,
        group_name="lester",
        check_specs=[chain, proven],
        required_resource_keys={"lake", IO_MANAGER_KEY},
        description="Append-only, hash-chained log of applied deletion requests: what each removed from every "
                    "artifact, the versions purged, and the erasure scan that proves it.",
    )
    def audit_log(context: dg.AssetExecutionContext) -> dg.MaterializeResult:  # type: ignore[type-arg]  # Dagster reads it: only the bare class
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        lake: DataLake = context.resources.lake
        with writing(context, lake, io) as w:
            ready = [e for e in w.journal.entries(OPEN, through=w.watermark) if _reflected(e, io, pipelines, translator)]
            scan = _prove(context, w, ready, pipelines, translator, sources) if ready else None
            count, head = w.journal.audit_head()
            problems = w.journal.verify_audit(_pinned(context.instance, key))
            entries = w.journal.audit_entries()
        waiting = len(w.journal.entries(OPEN))
        for entry in ready:
            context.log.info(f"applied request {entry.request_id}: {entry.summary}")
        return dg.MaterializeResult(
            metadata={COUNT: count, HEAD: head, "applied in this run": len(ready), "requests still open": waiting,
                      "latest entries": dg.MetadataValue.md(entry_markdown(entries))},
            check_results=[
                dg.AssetCheckResult(check_name=chain.name, passed=not problems, metadata={
                    "entries": count, "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")}),
                dg.AssetCheckResult(check_name=proven.name, passed=scan is None or scan.clean,
                                    metadata=_scan_metadata(scan)),
            ],
        )

    return audit_log


def _reflected(entry: Entry, io: LesterIOManager, pipelines: Sequence[TablePipeline], translator: LesterTranslator) -> bool:
    """Whether every store the request reaches reflects it (a store never materialised holds nothing)."""
    keys = [translator.get_source_key(s) for s in entry.sources]
    keys += [translator.get_artifact_key(p, a) for p in affected_pipelines(pipelines, entry.sources) for a in artifacts_of(p)]
    return all(io.current_version(k) is None or io.reflects_through(k) >= entry.seq for k in keys)


def _prove(context: Any, w: Writer, ready: Sequence[Entry], pipelines: Sequence[TablePipeline],
           translator: LesterTranslator, sources: Sequence[LakeSource]) -> ScanReport:
    """Purges, scans, appends the audit entries and files the requests as applied."""
    io, lake = w.io, w.lake
    touched = {translator.get_source_key(s) for e in ready for s in e.sources}
    touched |= {translator.get_artifact_key(p, a) for e in ready for p in affected_pipelines(pipelines, e.sources)
                for a in artifacts_of(p)}
    purged: dict[str, Any] = {
        k.to_user_string(): io.purge_old_versions(k) for k in sorted(touched, key=lambda k: k.to_user_string())
    }
    # the lake's own history (a Delta table's removed files and old log entries) held the data too
    for source in sorted({s for e in ready for s in e.sources}):
        purge = lake.table(source).purge()
        purged[f"lake table {source}"] = {"files removed": purge.files_removed,
                                          "log entries removed": purge.log_entries_removed}
    touched_sources = sorted({s for e in ready for s in e.sources})
    with _stores(context, lake, io, touched_sources) as stores:
        scan = scan_for_erased_data(stores, _target(ready, sources, w),
                                    exclude=[lake.control / "journal.sqlite", lake.control / "journal.sqlite-journal"])
    for entry in ready:
        record = _audit_entry(entry, io, purged, scan, context.run.run_id, pipelines)
        w.journal.append_audit(entry.request_id, record)
        crash_point("audit:after-append")
        w.journal.mark_applied(entry.seq, scan.clean)
        w.journal.forget_scan_values(entry.request_id)
    return scan


@contextmanager
def _stores(context: Any, lake: DataLake, io: LesterIOManager, sources: Sequence[str]) -> Iterator[dict[str, Path]]:
    """Every store to scan, as local folders: what lives on an object store is copied down for the scan
    (the touched lake tables, the whole artifact store) and the copy removed after."""
    stores: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="lester-scan-") as mirror:
        if lake.remote:
            from upath import UPath

            for source in sources:
                table = lake.table(source)
                if isinstance(table, DeltaSource):
                    remote = UPath(table.uri)
                    remote.fs.invalidate_cache(remote.path)  # other processes wrote since: no stale listing
                    remote.fs.get(remote.path.rstrip("/") + "/", f"{mirror}/lake/{source}/", recursive=True)
            stores["lake"], stores["state"] = Path(mirror, "lake"), lake.local
        else:
            stores["lake"] = lake.path
        if io.remote:
            from upath import UPath

            remote = UPath(io.base_dir)
            remote.fs.invalidate_cache(remote.path)
            remote.fs.get(remote.path.rstrip("/") + "/", f"{mirror}/artifacts/", recursive=True)
            stores["artifacts"], stores["artifact cache"] = Path(mirror, "artifacts"), io.local
        else:
            stores["artifacts"] = Path(io.base_dir)
        root = getattr(context.instance, "root_directory", None)
        if root and Path(root).is_dir():  # SQLite storage and compute logs of this Dagster instance
            stores["dagster"] = Path(root)
        yield {name: path for name, path in stores.items() if path.is_dir()}


def _target(ready: Sequence[Entry], sources: Sequence[LakeSource], w: Writer) -> ErasureTarget:
    erased: dict[str, list[Any]] = {}
    redactions: dict[str, dict[tuple[str, ...], list[Any]]] = {}
    for entry in ready:
        for effect in entry.effects:
            if effect.action == "erase":
                erased.setdefault(effect.source, []).extend(effect.keys)
            else:
                redactions.setdefault(effect.source, {}).setdefault(effect.columns, []).extend(effect.keys)
    values = sorted({v for entry in ready for v in w.journal.scan_values(entry.request_id)})
    # the scan checks one set of redacted columns per source; where requests redacted different columns of
    # one source, the blocking checks (which check each request exactly) and the value search cover them
    redacted = {s: (keys, list(columns)) for s, by in redactions.items() if len(by) == 1 for columns, keys in by.items()}
    return ErasureTarget(erased_keys=erased, key_columns={s.name: s.key for s in sources}, redacted=redacted,
                         values=values)


def _audit_entry(entry: Entry, io: LesterIOManager, purged: dict[str, Any], scan: ScanReport, run_id: str,
                 pipelines: Sequence[TablePipeline]) -> dict[str, Any]:
    reports = []
    for pipeline in affected_pipelines(pipelines, entry.sources):
        path = io.reports_dir / entry.request_id / f"{pipeline.name}.json"
        reports.append(json.loads(path.read_text()) if path.exists() else
                       {"pipeline": pipeline.name, "mode": "not materialised", "effects": []})
    return {
        "request_id": entry.request_id, "seq": entry.seq, "client_reference": entry.client_reference,
        "filed_at": entry.filed_at, "applied_at": now(), "run_id": run_id, "summary": entry.summary,
        "request": entry.request,
        "effects": [{"source": e.source, "action": e.action, "columns": list(e.columns), "rows": len(e.keys),
                     "keys_sha256": hashlib.sha256(json.dumps(sorted(map(str, e.keys))).encode()).hexdigest()}
                    for e in entry.effects],
        "pipelines": reports,
        "purged_versions": purged,
        "proof": {"checks": "the blocking checks of this run passed on the lake and every artifact",
                  "scan": scan.to_dict(), "verified": scan.clean},
    }


def _scan_metadata(scan: ScanReport | None) -> dict[str, Any]:
    if scan is None:
        return {"scanned": "nothing to prove in this run"}
    findings = [f"{f.store}:{f.path}: {f.what}" for f in scan.findings] + [f"leftover {p}" for p in scan.leftovers]
    findings += [f"skipped {p}: {why}" for p, why in scan.skipped]
    return {"files scanned": scan.files_scanned, "MB scanned": round(scan.bytes_scanned / 2**20, 1),
            "seconds": round(scan.seconds, 2),
            "findings": dg.MetadataValue.md("\n".join(f"- {f}" for f in findings[:50]) or "none")}


def _pinned(instance: dg.DagsterInstance, key: dg.AssetKey) -> list[tuple[int, str]]:
    """(entries, head hash) that earlier materialisations of the audit log recorded in Dagster: an
    independent record, so rewriting the log (and its hashes) shows."""
    try:
        records = instance.fetch_materializations(key, limit=100).records
    except Exception:  # noqa: BLE001 - an instance without event history (a test context) pins nothing
        return []
    pinned = []
    for record in records:
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        count = metadata[COUNT].value if COUNT in metadata else None
        if isinstance(count, (int, float)) and HEAD in metadata:
            pinned.append((int(count), str(metadata[HEAD].value)))
    return pinned
