"""The audit log: an append-only asset with one entry per applied deletion request, saying when, what,
which pipelines it reached, the rows and cells touched per artifact, and the artifact versions before
and after. Materialising it after a deletion purges the earlier versions of every artifact the request
touched (they still hold the deleted data) and files the request as applied."""

from datetime import datetime, timezone
from typing import Any

import dagster as dg

from lester_dagster.orchestration.asset_factory import IO_MANAGER_KEY, pipeline_reports, request_of
from lester_dagster.orchestration.io_manager import JsonRecord, LesterIOManager
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.orchestration.translator import LesterTranslator
from lester_dagster.storage import StorageError


def entry_markdown(entry: dict[str, Any]) -> str:
    lines = [
        f"**{entry['action']}** `{entry['source']}` keys {entry['keys'][:10]}{' ...' if len(entry['keys']) > 10 else ''}"
        f" ({entry['reason'] or 'no reason given'}) at {entry['applied_at']}, run `{entry['run_id']}`",
        "",
        "| pipeline | prepared rows removed / changed | X cells | model step | versions before -> after | ms |",
        "|---|---|---:|---:|---|---:|",
    ]
    for p in entry["pipelines"]:
        r = p["report"]
        versions = ", ".join(f"{a} {p['versions_before'][a]}->{p['versions_after'][a]}" for a in p["versions_after"])
        step = r["model"].get("step_norm", 0.0) if r["model"] else 0.0
        lines.append(
            f"| {p['pipeline']} | {r['prepared_rows_removed']} / {r['prepared_rows_changed']} | {r['x_cells']:,} "
            f"| {step:.4f} | {versions} | {1000 * sum(r['seconds'].values()):.1f} |"
        )
    return "\n".join(lines)


def build_audit_asset(deps: list[dg.AssetKey], translator: LesterTranslator) -> dg.AssetsDefinition:
    @dg.asset(
        key=translator.get_audit_key(),
        deps=deps,
        group_name="lester",
        io_manager_key=IO_MANAGER_KEY,
        required_resource_keys={"lake", IO_MANAGER_KEY},
        description="Append-only log of applied deletion requests and what each did to every artifact.",
    )
    def audit_log(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        io: LesterIOManager = getattr(context.resources, IO_MANAGER_KEY)
        try:
            entries = list(io.load(context.asset_key).value)
        except StorageError:
            entries = []
        request = request_of(context)
        metadata: dict[str, Any] = {"entries": len(entries)}
        if request is not None:
            req, path = request
            entry = {
                **req.to_dict(),
                "keys": list(req.keys),
                "reason": req.reason,
                "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "run_id": context.run.run_id,
                "pipelines": pipeline_reports(io, req.request_id),
            }
            # every earlier version of what the request touched still holds the deleted data: purge them
            touched = [translator.get_source_key(req.source)]
            touched += [dg.AssetKey.from_user_string(k) for p in entry["pipelines"] for k in p["assets"].values()]
            entry["purged_versions"] = {k.to_user_string(): io.purge_old_versions(k) for k in touched}
            entries.append(entry)
            metadata = {"entries": len(entries), "latest entry": dg.MetadataValue.md(entry_markdown(entry))}
            lake: DataLake = context.resources.lake
            if path.exists():
                lake.mark_applied(path, context.run.run_id)
        return dg.MaterializeResult(value=JsonRecord(entries), metadata=metadata)

    return audit_log
