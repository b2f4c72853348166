"""From a deletion request landing in the lake to verified artifacts (the audit entry with its proof),
through Dagster: the sensor's tick, then the partial-refresh run, broken into Dagster's overhead and
lester's own work (taking the request into the journal, the lake update, loading the artifacts, IVM and
the commit, the blocking checks, and the audit step: purge, erasure scan, hash-chained entry).

    .venv/bin/python benchmarks/bench_dagster.py [--mails 100000] [--requests 3] [--daemon] [--daemon-requests 3]
        [--json out.json]

The example project (both pipelines over one lake) is materialised once into a work folder and reused on
later runs. Requests alternate between the paper's scenario (the subjects of five customers who leaked
card numbers are redacted, one source, two pipelines) and a customer's erasure. Each is measured in
process (sensor tick + `execute_in_process`, as `make demo` runs it) and, with --daemon, one after another
through one `dg dev` with the example's instance settings (example_project/dagster.yaml): the wait for the
daemon's sensor loop, the tick, the run launcher's process, and the run. The first run after `dg dev`
starts also warms the run launcher's server; the table says which one it is. The sensor's tick with no
request pending is timed too: it runs every few seconds for as long as Dagster runs.

--features word-counts swaps MiniLM for word counts (the first materialisation takes seconds instead of
about 25 minutes at 100k mails); IVM then has no texts to embed, so the figures are lower bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3, help="requests measured in process")
    parser.add_argument("--daemon", action="store_true", help="also measure through dg dev's daemon")
    parser.add_argument("--daemon-requests", type=int, default=3, help="requests measured through dg dev")
    parser.add_argument("--features", choices=("minilm", "word-counts"), default="minilm")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "out" / "dagster")
    parser.add_argument("--fresh", action="store_true", help="rebuild the work folder")
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


ARGS = parse_args()
WORK = ARGS.work / f"mails-{ARGS.mails}-{ARGS.features}"
if ARGS.fresh and WORK.exists():
    shutil.rmtree(WORK)
LAKE, ARTIFACTS, HOME = WORK / "lake", WORK / "artifacts", WORK / "dagster_home"
ENV = {"LESTER_LAKE": str(LAKE), "LESTER_ARTIFACTS": str(ARTIFACTS), "LESTER_FEATURES": ARGS.features}
os.environ.update({**ENV, "DAGSTER_HOME": str(HOME)})  # the example project reads these at import
HOME.mkdir(parents=True, exist_ok=True)
shutil.copy(ROOT / "example_project" / "dagster.yaml", HOME / "dagster.yaml")

import dagster as dg  # noqa: E402
from dagster._core.scheduler.instigation import InstigatorType  # noqa: E402

from benchmarks.bench_ivm import five_leakers  # noqa: E402
from example_project.definitions import PIPELINES, defs  # noqa: E402
from lester_dagster.datasets.running_example import write_lake  # noqa: E402
from lester_dagster.ivm import DeletionRequest  # noqa: E402
from lester_dagster.orchestration import DELETION_JOB, REFRESH_JOB, DataLake, LesterIOManager  # noqa: E402
from lester_dagster.orchestration.asset_factory import load_state  # noqa: E402
from lester_dagster.orchestration.translator import ARTIFACTS as ARTIFACT_NAMES  # noqa: E402
from lester_dagster.orchestration.translator import LesterTranslator  # noqa: E402

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
STEP_PARTS = (("intake", ("lester__requests",)), ("lake sources", ("lake__",)), ("pipelines", ("_pipeline", "__output")),
              ("checks", ("_checks",)), ("audit: purge, scan, entry", ("lester__audit_log",)))


def materialise(instance: dg.DagsterInstance) -> float | None:
    if not (LAKE / "mails").exists():
        write_lake(LAKE, ARGS.mails, seed=0)
    io = LesterIOManager(base_dir=str(ARTIFACTS))
    if all(io.current_version(dg.AssetKey([p.name, "prepared" if hasattr(p, "label") else "output"])) is not None
           for p in PIPELINES):
        return None
    started = time.perf_counter()
    result = defs.resolve_job_def(REFRESH_JOB).execute_in_process(instance=instance, run_config=QUIET)
    assert result.success
    return time.perf_counter() - started


def requests(lake: DataLake, io: LesterIOManager, count: int) -> list[DeletionRequest]:
    """Alternating: five leakers' subjects redacted, one customer erased; new customers each time."""
    classifier = PIPELINES[0]
    state = load_state(io, classifier, {a: LesterTranslator().get_artifact_key(classifier, a) for a in ARTIFACT_NAMES},
                       read_only=True)
    mails = lake.read("mails")
    customers = lake.read("customers")
    out: list[DeletionRequest] = []
    used: set[str] = set()
    for i in range(count):
        if i % 2 == 0:
            ids, emails = five_leakers(state, mails[~mails.email.isin(used)])
            used.update(emails)
            out.append(DeletionRequest("mails", tuple(ids), "redact", ("mail_subject",), reason=f"leak {i}"))
        else:
            prepared = set(state.prepared.provenance["customers"].ids.tolist())
            candidates = customers[customers.customer_id.isin(prepared) & ~customers.customer_email.isin(used)]
            row = candidates.iloc[i]
            used.add(row.customer_email)
            out.append(DeletionRequest("customers", (int(row.customer_id),), "erase", reason=f"erasure {i}"))
    return out


def metadata_values(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = event.get_dagster_event().step_materialization_data.materialization
        out.append((materialization.asset_key.to_user_string(), {k: v.value for k, v in materialization.metadata.items()}))
    return out


def breakdown(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Milliseconds of the run by part: lester's steps (from Dagster's step stats, which include a little of
    Dagster's per-step work) with IVM and the lake update inside them from the metadata lester records; the
    rest of the run's wall time is Dagster's."""
    record = instance.get_run_record_by_id(run_id)
    steps = {s.step_key: 1000 * (s.end_time - s.start_time) for s in instance.get_run_step_stats(run_id)}
    parts = {name: sum(ms for step, ms in steps.items() if any(m in step for m in marks)) for name, marks in STEP_PARTS}
    inside = {"of which lake update": 0.0, "of which load artifacts": 0.0, "of which IVM": 0.0}
    for key, values in metadata_values(instance, run_id):
        inside["of which lake update"] += values.get("lester/lake ms", 0.0)
        if key.endswith(("/prepared", "/output")):
            inside["of which load artifacts"] += values.get("lester/load ms", 0.0)
            inside["of which IVM"] += values.get("lester/ivm ms", 0.0)
    wall = 1000 * (record.end_time - record.start_time)
    return {"run wall": wall, **parts, **inside, "Dagster overhead in the run": wall - sum(parts.values()),
            "created to started": 1000 * (record.start_time - record.create_timestamp.timestamp())}


def in_process(instance: dg.DagsterInstance, lake: DataLake, io: LesterIOManager, request: DeletionRequest) -> dict[str, Any]:
    lake.submit(request)
    started = time.perf_counter()
    context = dg.build_sensor_context(instance=instance, resources={"lake": lake, "lester_io": io}, definitions=defs)
    tick = defs.resolve_sensor_def("deletion_requests").evaluate_tick(context)
    sensor_ms = 1000 * (time.perf_counter() - started)
    (run_request,) = tick.run_requests
    started = time.perf_counter()
    result = defs.resolve_job_def(DELETION_JOB).execute_in_process(
        instance=instance, tags=run_request.tags, asset_selection=run_request.asset_selection, run_config=QUIET
    )
    total_ms = sensor_ms + 1000 * (time.perf_counter() - started)
    assert result.success
    entry = lake.journal.audit_entries()[-1]
    assert entry["proof"]["verified"], entry["proof"]
    return {"request": f"{request.action} {request.source} ({len(request.keys)} keys)", "sensor tick": sensor_ms,
            **breakdown(instance, result.run_id), "request to verified artifacts": total_ms}


def sensor_tick_of(instance: dg.DagsterInstance, run_id: str) -> Any:
    """The deletion sensor's tick that asked for the run."""
    (state,) = [s for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
                if s.instigator_name == "deletion_requests"]
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=200)
    return next(t for t in ticks if run_id in t.run_ids)


def through_daemon(instance: dg.DagsterInstance, lake: DataLake, todo: list[DeletionRequest]) -> list[dict[str, Any]]:
    """The requests one after another through one `dg dev`: the first run after start also starts the run
    launcher's warm server (its imports, once), the later ones fork from it."""
    from tests.dagster_server import dagster_dev, wait_for

    rows = []
    with dagster_dev(HOME, ENV) as dev:
        for number, request in enumerate(todo):
            time.sleep(6)  # let a sensor tick with nothing to do pass, so that the wait is as a user sees it
            before = lake.journal.watermark()
            landed = time.time()
            lake.submit(request)

            def proven(after: int = before) -> Any:
                entries = [e for e in lake.journal.entries(["applied"]) if e.seq > after]
                return entries[0] if entries else None

            entry = wait_for("the audit entry with its proof", proven, 900, 0.1)
            applied = time.time()
            assert dev.wait_for_run(entry.run_id) == "SUCCESS"
            parts = breakdown(instance, entry.run_id)
            record = instance.get_run_record_by_id(entry.run_id)
            created = record.create_timestamp.timestamp()
            tick = sensor_tick_of(instance, entry.run_id)
            label = f"{request.action} {request.source} ({len(request.keys)} keys)"
            rows.append({"request": label + (", first run" if number == 0 else ""),
                         "landed to sensor tick": 1000 * (tick.timestamp - landed),
                         "sensor tick to run created": 1000 * (created - tick.timestamp),
                         "run created to started": 1000 * (record.start_time - created),
                         **{k: v for k, v in parts.items() if k != "created to started"},
                         "request to verified artifacts": 1000 * (applied - landed)})
    return rows


def idle_tick(instance: dg.DagsterInstance, lake: DataLake, io: LesterIOManager, times: int = 5) -> float:
    """Milliseconds of the sensor's tick when no request is pending (median): what it costs every tick."""
    context = dg.build_sensor_context(instance=instance, resources={"lake": lake, "lester_io": io}, definitions=defs)
    sensor = defs.resolve_sensor_def("deletion_requests")
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        tick = sensor.evaluate_tick(context)
        spent.append(1000 * (time.perf_counter() - started))
        assert not tick.run_requests
    return sorted(spent)[len(spent) // 2]


def show(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    columns = [c for c in rows[0] if c != "request"]
    print(f"  {'ms':<24}" + "".join(f"{r['request']:>28}" for r in rows))
    for column in columns:
        print(f"  {column:<24}" + "".join(f"{r[column]:>28.1f}" for r in rows))


def main() -> None:
    instance = dg.DagsterInstance.get()
    # the bench files a request and reads it at once; a real lake waits for files to settle
    lake, io = DataLake(root=str(LAKE), settle_seconds=0), LesterIOManager(base_dir=str(ARTIFACTS))
    seconds = materialise(instance)
    mails = len(lake.read("mails", ["mail_id"]))
    print(f"{ARGS.mails:,} mails ({ARGS.features}); pipelines {[p.name for p in PIPELINES]}; "
          + (f"materialised in {seconds:.1f} s" if seconds else f"artifacts reused from {WORK}"))
    daemon_runs = ARGS.daemon_requests if ARGS.daemon else 0
    todo = requests(lake, io, ARGS.requests + daemon_runs)
    report: dict[str, Any] = {"mails": ARGS.mails, "features": ARGS.features, "full materialisation s": seconds}
    report["in process"] = [in_process(instance, lake, io, r) for r in todo[:ARGS.requests]]
    show("in process: sensor tick + execute_in_process (make demo, the apply_deletion_requests job)", report["in process"])
    report["idle sensor tick ms"] = idle_tick(instance, lake, io)
    print(f"\nthe sensor's tick with no request pending: {report['idle sensor tick ms']:.1f} ms (median of 5)")
    if ARGS.daemon:
        report["daemon"] = through_daemon(instance, lake, todo[ARGS.requests:])
        show("through dg dev (example_project/dagster.yaml): the daemon's sensor loop, the run launcher, the run",
             report["daemon"])
    print(f"\nrows in the lake: {mails:,} mails")
    if ARGS.json:
        ARGS.json.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
