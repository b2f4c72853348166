"""The second half of `make demo`: the same story in Dagster, headless. Materialises every asset of the
example project into the local DAGSTER_HOME (so `make dev` shows the runs afterwards), files the leak as
a deletion request in the lake, lets the sensor turn it into a run of the partial-refresh job, runs it
in-process, and prints the audit entry, the asset checks and the timings."""

import os
import time

import dagster as dg

from lester_dagster.datasets.running_example import leaked_mail_ids
from lester_dagster.ivm import DeletionRequest
from lester_dagster.orchestration import DELETION_JOB, REFRESH_JOB, DataLake, LesterIOManager

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def main() -> None:
    from example_project.definitions import LAKE_SOURCES, defs  # reads LESTER_LAKE / LESTER_ARTIFACTS

    # the demo files and reads its request at once; a real lake waits for a file to settle
    lake = DataLake(root=os.environ.get("LESTER_LAKE", "data"), settle_seconds=0)
    io = LesterIOManager(base_dir=os.environ.get("LESTER_ARTIFACTS", "artifacts"))
    instance = dg.DagsterInstance.get()  # DAGSTER_HOME: the same SQLite storage `make dev` uses
    print(f"\n== in Dagster (storage in {instance.root_directory}) ==")

    started = time.perf_counter()
    refresh = defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance, run_config=QUIET)
    print(f"materialised {len(refresh.get_asset_materialization_events())} assets in "
          f"{time.perf_counter() - started:.1f} s (run {refresh.run_id[:8]}): "
          + ", ".join(e.asset_key.to_user_string() for e in refresh.get_asset_materialization_events()))

    columns = next(s.columns for s in LAKE_SOURCES if s.name == "mails")
    leaked = [int(m) for m in leaked_mail_ids(lake.read("mails", columns))]
    if not leaked:
        print("the lake holds no leaked card numbers any more (an earlier demo removed them)")
        return
    path = lake.submit(DeletionRequest("mails", tuple(leaked), "redact", ("mail_subject",), reason="leaked card numbers"))
    print(f"filed {path.relative_to(lake.path)}")

    sensor = defs.resolve_sensor_def("deletion_requests")
    context = dg.build_sensor_context(instance=instance, resources={"lake": lake, "lester_io": io}, definitions=defs)
    tick = sensor.evaluate_tick(context)
    (request,) = tick.run_requests
    print(f"the sensor asks for a run of {len(request.asset_selection)} assets: "
          + ", ".join(k.to_user_string() for k in request.asset_selection))
    print("what it will do, from provenance, before anything changes:\n  "
          + request.tags["lester/impact"].replace("\n", "\n  "))

    started = time.perf_counter()
    run = defs.resolve_job_def(DELETION_JOB).execute_in_process(
        instance=instance, tags=request.tags, asset_selection=request.asset_selection, run_config=QUIET,
        raise_on_error=False,
    )
    print(f"partial-refresh run {run.run_id[:8]}: {'succeeded' if run.success else 'FAILED'} in "
          f"{time.perf_counter() - started:.1f} s, including Dagster's own bookkeeping")
    entry = lake.journal.audit_entries()[-1]
    print(f"request {entry['request_id']} applied and audited (entry hash {entry['hash'][:12]}, chained to "
          f"{entry['prev_hash'][:12]}); erasure scan: {entry['proof']['scan']['files_scanned']} files, "
          f"{'clean' if entry['proof']['verified'] else 'NOT clean'}")
    for pipeline in entry["pipelines"]:
        for report in pipeline["effects"]:
            print(f"  {pipeline['pipeline']:<14} {report['prepared_mode']:<10} rows changed {report['prepared_rows_changed']}, "
                  f"removed {report['prepared_rows_removed']}, X cells {report['x_cells']}, IVM "
                  f"{1000 * sum(report['seconds'].values()):.1f} ms; versions {pipeline['versions_before']} -> "
                  f"{pipeline['versions_after']}" + (f"; model: {report['model']['guarantee']}" if report["model"] else ""))
    for check in run.get_asset_check_evaluations():
        print(f"  check {check.asset_check_key.asset_key.to_user_string()}:{check.asset_check_key.name}: "
              f"{'passed' if check.passed else 'FAILED'}")
    print("browse the assets, their lineage and the audit log with `make dev` (http://127.0.0.1:3000)")
    if not run.success:
        raise SystemExit("the deletion run failed")


if __name__ == "__main__":
    main()
