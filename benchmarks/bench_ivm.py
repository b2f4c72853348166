"""The LESTER paper's scenario: the mail subjects of five customers who leaked card numbers are redacted.
Full re-execution of the pipeline (prepare, MiniLM embeddings, training) vs incremental view
maintenance of every artifact, side by side at several sizes, with IVM's time per stage.

    .venv/bin/python benchmarks/bench_ivm.py [--sizes 1000 10000 100000 1000000] [--json out.json]

A customer's GDPR erasure is measured too. At 1M mails the full run embeds ~790k texts with MiniLM on
the CPU, which takes about two hours on 2 cores: that is the re-execution IVM avoids.

    .venv/bin/python benchmarks/bench_ivm.py --sizes 1000000 --stand-in-embeddings

measures IVM alone where the full run would take too long: the state is materialised with stand-in
embeddings (hashed bags of words, MiniLM's width) in place of MiniLM's; IVM then runs as it always
does. IVM's work hardly depends on X's values: the same rows are re-derived, the same cells of X written,
the same held-out rows scored. The exception is the model update's conjugate-gradient solve (second
order), whose iterations (at most 50) depend on the curvature of the loss on X; its time per stage is
reported. The full re-execution is not measured in this mode.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from example_project.declarative_pipeline import PIPELINE  # noqa: E402
from lester_dagster.datasets.running_example import generate, leaked_mail_ids  # noqa: E402
from lester_dagster.features import text  # noqa: E402
from lester_dagster.features.chunks import ChunkedMatrix  # noqa: E402
from lester_dagster.features.text import load_model  # noqa: E402
from lester_dagster.ivm import DeletionRequest, apply_deletion  # noqa: E402
from lester_dagster.pipeline import MaterializedPipeline, keep_model_rows, materialize  # noqa: E402
from lester_dagster.storage import VersionedDirectory, load_state, save_state  # noqa: E402

STAND_IN_WIDTH = 384  # all-MiniLM-L6-v2's
LOAD_SECONDS: dict[int, float] = {}  # load_state's time per size, when the state came from the cache
STAGES = ("validate", "sources", "prepared", "features", "labels", "model rows", "model", "metrics")


def five_leakers(state: MaterializedPipeline, mails: pd.DataFrame) -> tuple[list[int], list[str]]:
    """All mails of five customers whose subjects leak a card number (topped up with other German
    customers in the prepared table when the data set has fewer leakers)."""
    customers = state.sources["customers"].frame
    leaked = mails[mails.mail_id.isin(leaked_mail_ids(mails))]
    known = set(customers.customer_email)  # once: built per mail, it took 146 s at 1M mails
    emails = list(dict.fromkeys(e for e in leaked.email if e in known))
    prepared_customers = set(state.prepared.provenance["customers"].ids.tolist())
    german = customers[(customers.country == "DE") & customers.customer_id.isin(prepared_customers)].customer_email
    for email in german:
        if len(emails) >= 5:
            break
        if email not in emails:
            emails.append(email)
    emails = emails[:5]
    return mails[mails.email.isin(emails)].mail_id.astype(int).tolist(), emails


def _stand_in_embeddings(
    texts: Any, model_path: str | None = None, batch_size: int = 64, device: str = "cpu"
) -> np.ndarray:
    """Hashed bag-of-words embeddings of MiniLM's width: the sum of a fixed pseudo-random vector per word,
    scaled to unit length, so texts that share words lie close, as MiniLM's do (the model trained on X
    learns from them); zeros for a missing text, as `embed_texts` gives."""
    values = list(texts)
    out = np.zeros((len(values), STAND_IN_WIDTH), dtype=np.float32)
    words: dict[str, np.ndarray] = {}
    done: dict[str, np.ndarray] = {}
    for i, value in enumerate(values):
        if text._is_missing(value):
            continue
        key = str(value)
        if key not in done:
            vector = np.zeros(STAND_IN_WIDTH)
            for word in key.lower().split():
                if word not in words:
                    words[word] = np.random.default_rng(zlib.crc32(word.encode())).standard_normal(STAND_IN_WIDTH)
                vector += words[word]
            norm = np.linalg.norm(vector)
            done[key] = (vector / norm if norm else vector).astype(np.float32)
        out[i] = done[key]
    return out


@contextlib.contextmanager
def stand_in_embeddings() -> Iterator[None]:
    """While materialising only: the sentence embedder's texts embed to stand-in vectors."""
    real = text.embed_texts
    text.embed_texts = _stand_in_embeddings
    try:
        yield
    finally:
        text.embed_texts = real


def materialized(
    size: int, cache: Path | None, stand_in: bool = False
) -> tuple[MaterializedPipeline, pd.DataFrame, float | None, bool]:
    """The pipeline run from scratch (timed), or loaded from `cache` with the time of the run that made it.
    With stand-in embeddings the run's time is not a full re-execution's and is not reported.

    A cached state stored before X kept float32 copies of the model's rows (pipeline.keep_model_rows) is
    upgraded once: the copies are made from X and stored as the cache's next version (X's chunks linked)."""
    customers, mails = generate(size, seed=0)
    folder = VersionedDirectory(cache / f"mails-{size}-seed0{'-stand-in' if stand_in else ''}") if cache else None
    if folder is not None and folder.current() is not None:
        started = time.perf_counter()
        state = load_state(folder.path(), PIPELINE)
        LOAD_SECONDS[size] = time.perf_counter() - started
        if isinstance(state.X, ChunkedMatrix) and not state.X.copies:
            started = time.perf_counter()
            keep_model_rows(state.X, state.y, state.is_test, state.model.config.seed)
            folder.publish(lambda path: save_state(path, state))
            print(f"upgraded the cached state (X's row copies made and stored): {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            state = load_state(folder.path(), PIPELINE)
            LOAD_SECONDS[size] = time.perf_counter() - started
        return state, mails, None if stand_in else sum(state.seconds.values()), True
    started = time.perf_counter()
    with stand_in_embeddings() if stand_in else contextlib.nullcontext():
        state = materialize(PIPELINE, {"customers": customers, "mails": mails})
    full = time.perf_counter() - started
    if folder is not None:
        folder.publish(lambda path: save_state(path, state))
    return state, mails, None if stand_in else full, False


def run(size: int, cache: Path | None = None, stand_in: bool = False, warm_up: bool = False) -> dict[str, object]:
    state, mails, full, cached = materialized(size, cache, stand_in)
    load_model()  # a cached state has not loaded the embedding model yet: keep that out of IVM's time
    row: dict[str, object] = {"mails": size, "prepared rows": len(state.prepared.frame), "X": list(state.X.shape)}
    # reading the state (not part of IVM's time): X and its row copies are mapped, so their pages are read by IVM
    row["load s"] = LOAD_SECONDS.get(size)
    row["full s"] = full
    row["full stages"] = dict(state.seconds)
    row["full run from cache"] = cached
    row["stand-in embeddings"] = stand_in

    mail_ids, emails = five_leakers(state, mails)
    redaction = DeletionRequest("mails", tuple(mail_ids), "redact", ("mail_subject",))
    if warm_up:
        apply_deletion(state.copy(), redaction)  # untimed: X's pages, DuckDB and torch warm, as in a running process
    row["warm"] = warm_up
    report = apply_deletion(state, redaction)
    row["redact 5 customers"] = {
        "mails": len(mail_ids),
        "prepared rows": report.prepared_rows_changed,
        "x cells": report.x_cells,
        "mode": report.prepared_mode,
        "seconds": report.total_seconds,
        "stages": report.seconds,
        "model update": {k: report.model.get(k) for k in ("method", "guarantee")},
    }
    erased = int(state.prepared.provenance["customers"].ids[len(state.prepared.frame) // 2])
    report = apply_deletion(state, DeletionRequest("customers", (erased,), "erase"))
    row["erase 1 customer"] = {
        "prepared rows": report.prepared_rows_removed,
        "mode": report.prepared_mode,
        "seconds": report.total_seconds,
        "stages": report.seconds,
    }
    return row


def show(row: dict) -> None:
    redact, erase = row["redact 5 customers"], row["erase 1 customer"]
    stages = " | ".join(f"{s} {1000 * redact['stages'].get(s, 0):.1f}" for s in STAGES)
    erase_stages = " | ".join(f"{s} {1000 * erase['stages'].get(s, 0):.1f}" for s in STAGES)
    load = "-" if row.get("load s") is None else f"{row['load s']:.1f} s (not in IVM's time)"
    full_stages = ", ".join(f"{k} {v:.1f} s" for k, v in row["full stages"].items())
    full = row["full s"]

    def faster(seconds: float) -> str:
        return f" -> {full / seconds:,.0f}x faster" if full else ""

    if full:
        made = f"{full:.1f} s ({full_stages}){' [measured when the cached state was made]' if row['full run from cache'] else ''}"
    else:
        made = f"not measured: the state was made with stand-in embeddings ({full_stages})"
    print(
        f"\n{row['mails']:>9,} mails -> {row['prepared rows']:,} prepared rows, X {tuple(row['X'])}\n"
        f"  full re-execution: {made}\n"
        f"  IVM, 5 customers' subjects ({redact['mails']} mails, {redact['prepared rows']} prepared rows, "
        f"{redact['x cells']:,} X cells, {redact['mode']}): {1000 * redact['seconds']:.1f} ms{faster(redact['seconds'])}\n"
        f"    per stage (ms): {stages}; model update: {redact['model update']['method']}\n"
        f"  IVM, erase 1 customer ({erase['prepared rows']} prepared rows, {erase['mode']}): "
        f"{1000 * erase['seconds']:.1f} ms{faster(erase['seconds'])}\n"
        f"    per stage (ms): {erase_stages}\n"
        f"  state read from the cache in {load}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--json", type=Path, help="append each size's figures to this JSON file as they come")
    parser.add_argument(
        "--state-cache",
        type=Path,
        help="keep materialised pipelines here and reuse them (and "
        "the full run's time measured when they were made) in later runs",
    )
    parser.add_argument(
        "--stand-in-embeddings",
        action="store_true",
        help="materialise with stand-in embeddings and measure IVM only (see above)",
    )
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="run the redaction once, untimed, on a copy of the state before the measured one: the "
        "first request in a process also pays for reading X's pages and starting DuckDB and torch",
    )
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows.append(run(size, args.state_cache, args.stand_in_embeddings, args.warm_up))
        show(rows[-1])
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2, default=float))
    print(
        "\nIVM seconds by size (redaction):", {r["mails"]: round(r["redact 5 customers"]["seconds"], 4) for r in rows}
    )


if __name__ == "__main__":
    main()
