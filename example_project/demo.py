"""`make demo`: the running example end to end, headless. Generates the data lake if it is missing, runs
the messy and the declarative pipeline, proves they agree, shows the provenance that only the
declarative one has, then removes the leaked card numbers and a customer from every artifact by
incremental view maintenance, and checks the result against a full re-run."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from example_project import declarative_pipeline, messy_pipeline
from lester_dagster.datasets.running_example import leaked_mail_ids, write_lake
from lester_dagster.features.text import load_model
from lester_dagster.ivm import DeletionReport, DeletionRequest, apply_deletion
from lester_dagster.orchestration.lake import DataLake
from lester_dagster.pipeline import MaterializedPipeline, materialize, recompute


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data", help="data lake folder (created if missing)")
    parser.add_argument("--mails", type=int, default=1000, help="mails to generate when the lake is empty")
    args = parser.parse_args(argv)
    data = Path(args.data)

    lake = DataLake(root=str(data))
    if not {"customers", "mails"} <= set(lake.sources()):
        paths = write_lake(data, args.mails)
        print(f"generated {args.mails} mails into {data}/ as Delta tables ({', '.join(p.name for p in paths.values())})")
    else:
        print(f"using the existing data lake in {data}/")
    # a CSV cannot tell a missing text from an empty one: the messy script reads a subject redacted by an
    # earlier demo (null in the lake) as '', so both pipelines are given the texts as the CSV holds them
    frames = {name: _texts_as_csv_holds_them(lake.read(name)) for name in declarative_pipeline.SOURCES}

    load_model()  # once, so neither pipeline's time includes loading the embedding model
    # the messy script reads CSV exports, as data scientists' scripts do; they go to a temporary folder
    # outside the lake (a copy in the lake would be one more place an erasure has to reach)
    with tempfile.TemporaryDirectory() as exports:
        for name, frame in frames.items():
            frame.to_csv(Path(exports) / f"{name}.csv", index=False)
        start = time.perf_counter()
        rows, messy_X, messy_y = messy_pipeline.run(Path(exports))
        messy_seconds = time.perf_counter() - start
    start = time.perf_counter()
    run = materialize(declarative_pipeline.PIPELINE, frames)  # prepare, encode, train and evaluate
    declarative_seconds = time.perf_counter() - start

    prepared = run.prepared.frame.drop(columns=declarative_pipeline.LABEL)
    pd.testing.assert_frame_equal(pd.DataFrame(rows), prepared, check_dtype=False)
    max_diff = float(np.abs(messy_X - run.X).max()) if len(rows) else 0.0
    if max_diff > 1e-5 or not np.array_equal(messy_y, run.y):
        raise SystemExit(f"the two pipelines disagree: max |X diff| = {max_diff}")
    print(f"\nmessy pipeline:       {len(rows)} prepared rows, X {messy_X.shape}, {messy_seconds:.1f} s")
    print(f"declarative pipeline: {len(prepared)} prepared rows, X {run.X.shape}, {declarative_seconds:.1f} s "
          f"(including training the model: test accuracy {run.metrics['accuracy']:.3f}, AUC {run.metrics['roc_auc']:.3f})")
    print(f"same prepared table, same labels, max |X diff| = {max_diff:.2e}")

    result = run.prepared
    print("\ncolumn provenance of the prepared table:")
    for column, sources in result.lineage.items():
        print(f"  {column:<11} <- {', '.join(sorted(map(str, sources))) or '(constant)'}")
    print(f"  rows exist because of: {', '.join(sorted(map(str, result.row_lineage)))}")

    print("\nrow provenance of the first three prepared rows:")
    for i in range(min(3, len(prepared))):
        origin = result.source_rows(i)
        print(f"  row {i}: mail {origin['mails']} x customer {origin['customers']}: {prepared.title[i][:50]!r}")

    leaked = leaked_mail_ids(frames["mails"])
    rows_hit, columns_hit = result.cells_from("mails", leaked, columns=["mail_subject"])
    print(f"\n{len(leaked)} mails leak a credit card number in mail_subject; {len(rows_hit)} of them "
          f"{'reaches' if len(rows_hit) == 1 else 'reach'} the prepared table, in column(s) {columns_hit}:")
    for i in rows_hit[:3]:
        print(f"  row {i} (mail {result.source_rows(i)['mails']}): {prepared.title[i]!r}")
    ranges = run.matrix.column_ranges()["title"]
    print("  ...and in X through the title's dimensions " + ", ".join(f"[{a}, {b})" for a, b in ranges))
    print(f"\nprovenance memory: {result.provenance.nbytes / 1024:.1f} KiB for {len(prepared)} rows")

    print("\n== the leak must go: redact mail_subject of the leaking mails, without re-running anything ==")
    if len(leaked):
        show(apply_deletion(run, DeletionRequest("mails", tuple(int(m) for m in leaked), "redact", ("mail_subject",),
                                                 reason="leaked credit card numbers")), declarative_seconds)
    else:
        print("  the lake holds no leaked card numbers any more (an earlier demo removed them)")
    customer = int(result.provenance["customers"].ids[0])
    print(f"\n== customer {customer} asks to be forgotten (GDPR erasure) ==")
    show(apply_deletion(run, DeletionRequest("customers", (customer,), "erase", reason="GDPR art. 17")),
         declarative_seconds)
    check_against_rerun(run)


def _texts_as_csv_holds_them(frame: pd.DataFrame) -> pd.DataFrame:
    texts = [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]
    return frame.fillna(dict.fromkeys(texts, "")) if texts else frame


def show(report: DeletionReport, full_seconds: float) -> None:
    print(f"  matched keys: {len(report.matched_keys)}, unmatched: {report.unmatched_keys or 'none'}")
    print(f"  source:   {report.source_rows} rows, {report.source_cells} cells removed")
    print(f"  prepared: {report.prepared_mode}: {report.prepared_rows_removed} rows removed, "
          f"{report.prepared_rows_changed} rows changed in {report.prepared_columns or '-'}, {report.prepared_cells} cells")
    print(f"  X:        {report.x_rows_removed} rows removed, {report.x_rows_reencoded} re-encoded on "
          f"{report.x_ranges or '-'} ({report.x_cells} cells), labels changed: {report.labels_changed}")
    model = report.model
    print(f"  model:    {model['method']} unlearning over {model['train_rows_old']} old / {model['train_rows_new']} "
          f"new training rows, step {model['step_norm']:.4f}; test accuracy "
          f"{report.metrics_before['accuracy']:.3f} -> {report.metrics_after['accuracy']:.3f}")
    stages = ", ".join(f"{k} {1000 * v:.1f}" for k, v in report.seconds.items())
    print(f"  took {1000 * report.total_seconds:.1f} ms ({stages} ms) vs {full_seconds:.1f} s to re-run the pipeline")


def check_against_rerun(state: MaterializedPipeline) -> None:
    full, X = recompute(state, dict(state.sources))
    order_ivm = np.argsort(state.prepared.provenance.signatures())
    order_full = np.argsort(full.provenance.signatures())
    same_table = state.prepared.frame.iloc[order_ivm].reset_index(drop=True).equals(
        full.frame.iloc[order_full].reset_index(drop=True))
    x_diff = float(np.abs(state.X[order_ivm] - X[order_full]).max()) if len(X) else 0.0
    print(f"\nafter both requests, IVM agrees with a full re-run on the changed sources: prepared table "
          f"{'identical' if same_table else 'DIFFERENT'}, max |X diff| = {x_diff:.1e}")
    if not same_table or x_diff > 1e-5:
        raise SystemExit("IVM and the re-run disagree")


if __name__ == "__main__":
    main()
