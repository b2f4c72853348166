"""The `lester-dagster` command line: one subcommand per function, registered in COMMANDS."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["COMMANDS", "Command", "build_parser", "main"]


@dataclass(frozen=True)
class Command:
    """A subcommand: how to declare its arguments and what to run."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _configure_generate_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mails", type=int, required=True, help="number of mails to generate")
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for customers.csv and mails.csv"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--format", choices=["delta", "csv", "parquet"], default="delta",
                        help="Delta tables customers/ and mails/ (default), or CSV / Parquet files")


def _run_generate_data(args: argparse.Namespace) -> int:
    # Imported here so `--help` and other commands stay fast (pandas, numpy).
    from lester_dagster.datasets.running_example import leaked_mail_ids, write_lake
    from lester_dagster.storage.lake import Lake

    if args.mails < 0:
        print(f"error: --mails must be >= 0, got {args.mails}", file=sys.stderr)
        return 2
    paths = write_lake(args.out, args.mails, seed=args.seed, format=args.format)
    # Re-read what was written so the report describes the tables, not memory.
    lake = Lake(root=str(args.out))
    customers, mails = lake.read("customers"), lake.read("mails")
    print(f"wrote {len(customers)} customers to {paths['customers']}")
    print(f"wrote {len(mails)} mails to {paths['mails']}")
    print(f"{len(leaked_mail_ids(mails))} mail subjects carry a leaked credit card number")
    return 0


def _configure_request_deletion(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", default="data", help="the data lake: a folder (default: data), or an "
                        "object-store URI with --state-dir")
    parser.add_argument("--state-dir", default="", help="the local folder of a lake on an object store")
    parser.add_argument("--source", required=True, help="source table, e.g. mails")
    rows = parser.add_mutually_exclusive_group(required=True)
    rows.add_argument("--keys", nargs="+", help="key values of the rows (read as the key column's type: "
                      "000123 stays 000123 in a text key column)")
    rows.add_argument("--where", metavar="COLUMN=VALUE", action="append",
                      help="find the rows by another column instead, e.g. customer_email=someone@example.com "
                      "(repeat for more values of the same column)")
    parser.add_argument("--action", choices=["erase", "redact"], required=True)
    parser.add_argument("--columns", nargs="*", default=[], help="columns to redact (with --action redact)")
    parser.add_argument("--reason", default="", help="why, for the audit log")
    parser.add_argument("--no-cascade", action="store_true",
                        help="do not follow the lake's references (by default erasing a customer erases their mails)")


def _run_request_deletion(args: argparse.Namespace) -> int:
    # the lake without its Dagster resource: filing a request imports neither Dagster nor the model stack
    from lester_dagster.ivm.requests import FiledRequest, RequestError
    from lester_dagster.storage.lake import Lake

    lake = Lake(root=str(args.lake), state_dir=args.state_dir)
    body: dict[str, object] = {"source": args.source, "action": args.action, "reason": args.reason}
    if args.keys:
        body["keys"] = list(args.keys)  # as typed: the journal coerces them to the key column's type
    else:
        pairs = [w.partition("=") for w in args.where]
        columns = {column for column, _, _ in pairs}
        if len(columns) != 1 or any(not sep for _, sep, _ in pairs):
            print("error: --where takes COLUMN=VALUE, all for one column", file=sys.stderr)
            return 2
        body["where"] = {columns.pop(): [value for _, _, value in pairs]}
    if args.columns:
        body["columns"] = list(args.columns)
    if args.no_cascade:
        body["cascade"] = False
    try:
        request = FiledRequest.from_dict(body)
        _check_against_lake(lake, request)
    except RequestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    path = lake.submit(request)
    print(f"filed {path} ({request.action} in {request.source})")
    print("the deletion sensor takes it in within seconds while `make dev` (dg dev) runs; "
          "`lester-dagster requests` shows its id and state")
    return 0


def _check_against_lake(lake: object, request: object) -> None:
    """What can be checked without the pipelines: the source exists and has the columns named."""
    from lester_dagster.errors import SchemaError
    from lester_dagster.ivm.requests import RequestError

    try:
        columns = lake.columns(request.source)  # type: ignore[attr-defined]
    except SchemaError:
        known = lake.sources()  # type: ignore[attr-defined]
        raise RequestError(f"the lake has no source {request.source!r}; its sources are {known}.") from None  # type: ignore[attr-defined]
    named = list(request.columns) + [c for c, _ in request.where]  # type: ignore[attr-defined]
    unknown = [c for c in named if c not in columns]
    if unknown:
        raise RequestError(f"source {request.source!r} has no column(s) {unknown}; its columns are {columns}.")  # type: ignore[attr-defined]


def _configure_requests(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", type=Path, default=Path("data"), help="the lake's local folder (its state folder "
                        "for a lake on an object store)")
    parser.add_argument("--state", choices=["validated", "applying", "applied", "rejected", "failed"],
                        help="only requests in this state")
    parser.add_argument("--retry", metavar="REQUEST_ID", help="put a failed request back in the queue")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _run_requests(args: argparse.Namespace) -> int:
    import json

    from lester_dagster.ivm.journal import Journal, JournalError

    journal = Journal(args.lake / ".lester" / "journal.sqlite")
    if not journal.path.exists():
        print(f"no deletion journal in {args.lake} yet: no request has been taken in", file=sys.stderr)
        return 0
    if args.retry:
        try:
            entry = journal.retry(args.retry)
        except JournalError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"{entry.request_id} is queued again; the sensor relaunches it within seconds")
        return 0
    entries = journal.entries([args.state] if args.state else None)
    if args.json:
        print(json.dumps([{"request_id": e.request_id, "seq": e.seq, "state": e.state, "filed_at": e.filed_at,
                           "applied_at": e.applied_at, "attempts": e.attempts, "verified": e.verified,
                           "does": e.summary, "rejection": e.rejection, "last_error": e.last_error} for e in entries],
                         indent=1))
        return 0
    if not entries:
        print("no requests" + (f" in state {args.state}" if args.state else " yet"))
    for e in entries:
        note = e.rejection or e.last_error or e.summary
        print(f"{e.request_id:<18} {e.state:<9} filed {e.filed_at[:19]}  {note}")
    return 0


def _configure_verify_erasure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", default="data", help="the data lake: a folder, or an object-store URI with --state-dir")
    parser.add_argument("--state-dir", default="", help="the local folder of a lake on an object store (its journal)")
    parser.add_argument("--artifacts", default="artifacts", help="the artifacts: a folder, or an object-store URI")
    parser.add_argument("--cache-dir", default="", help="the local cache of artifacts on an object store")
    parser.add_argument("--dagster-home", type=Path, help="also scan this Dagster instance's storage and logs "
                        "(default: $DAGSTER_HOME when set)")
    parser.add_argument("--request", nargs="*", default=None, metavar="REQUEST_ID",
                        help="check these requests (default: every applied request)")
    parser.add_argument("--value", nargs="*", default=[], help="values that must appear nowhere (an e-mail address, "
                        "a card number): the journal does not keep them, so an auditor brings them")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _run_verify_erasure(args: argparse.Namespace) -> int:
    import json
    import os
    from types import SimpleNamespace

    from lester_dagster.ivm.journal import APPLIED
    from lester_dagster.orchestration.audit import _stores
    from lester_dagster.orchestration.io_manager import LesterIOManager
    from lester_dagster.orchestration.lake import DataLake
    from lester_dagster.proof import ErasureTarget, ScanError, scan_for_erased_data

    lake = DataLake(root=str(args.lake), state_dir=args.state_dir)
    io = LesterIOManager(base_dir=str(args.artifacts), cache_dir=args.cache_dir)
    journal = lake.journal
    entries = journal.entries([APPLIED]) if journal.path.exists() else []
    if args.request is not None:
        entries = [e for e in entries if e.request_id in set(args.request)]
    erased: dict[str, list[object]] = {}
    for entry in entries:
        for effect in entry.effects:
            if effect.action == "erase":
                erased.setdefault(effect.source, []).extend(effect.keys)
    keys = {name: schema.key for name, schema in journal.schemas().items()} if journal.path.exists() else {}
    home = args.dagster_home or (Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else None)
    instance = SimpleNamespace(root_directory=str(home) if home is not None else None)
    try:
        with _stores(SimpleNamespace(instance=instance), lake, io, sorted(erased)) as stores:
            report = scan_for_erased_data(stores, ErasureTarget({s: k for s, k in erased.items() if s in keys}, keys,
                                                                {}, args.value), exclude=[journal.path])
    except ScanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print(f"scanned {report.files_scanned} files ({report.bytes_scanned / 2**20:.1f} MB) in "
              f"{', '.join(report.files_by_store)} for {len(entries)} applied request(s) and {len(args.value)} value(s)")
        for f in report.findings:
            print(f"  FOUND {f.store}:{f.path}: {f.what}")
        for p in report.leftovers:
            print(f"  LEFTOVER {p}")
        for p, why in report.skipped:
            print(f"  SKIPPED {p}: {why}")
        print("clean: nothing erased was found" if report.clean else "NOT clean")
    return 0 if report.clean else 1


def _configure_verify_audit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", type=Path, default=Path("data"), help="the lake's local folder (its state folder "
                        "for a lake on an object store)")
    parser.add_argument("--dagster-home", type=Path, help="compare with the heads the audit_log asset recorded in this "
                        "Dagster instance (default: $DAGSTER_HOME when set)")


def _run_verify_audit(args: argparse.Namespace) -> int:
    import os

    from lester_dagster.ivm.journal import Journal

    journal = Journal(args.lake / ".lester" / "journal.sqlite")
    if not journal.path.exists():
        print(f"no deletion journal in {args.lake}: nothing to verify")
        return 0
    pinned: list[tuple[int, str]] = []
    home = args.dagster_home or (Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else None)
    if home is not None and home.is_dir():
        import dagster as dg

        from lester_dagster.orchestration.audit import _pinned

        with dg.DagsterInstance.from_config(str(home)) as instance:
            pinned = _pinned(instance, dg.AssetKey(["lester", "audit_log"]))
    count, head = journal.audit_head()
    problems = journal.verify_audit(pinned)
    print(f"{count} audit entries, head {head[:16]}; compared with {len(pinned)} head(s) recorded in Dagster")
    for problem in problems:
        print(f"  PROBLEM {problem}")
    print("intact" if not problems else "NOT intact")
    return 0 if not problems else 1


def _configure_impact(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"), help="the artifacts folder")
    parser.add_argument("--pipelines", default="example_project.definitions:PIPELINES",
                        help="module:attribute holding the pipeline specs (default: the example project)")
    parser.add_argument("--source", required=True)
    parser.add_argument("--keys", nargs="+", required=True)
    parser.add_argument("--columns", nargs="*", default=None, help="only these columns (default: whole rows)")


def _run_impact(args: argparse.Namespace) -> int:
    import importlib

    from lester_dagster.orchestration.io_manager import LesterIOManager
    from lester_dagster.orchestration.sensors import pipeline_impact
    from lester_dagster.orchestration.translator import LesterTranslator

    module, _, attribute = args.pipelines.partition(":")
    pipelines = getattr(importlib.import_module(module), attribute or "PIPELINES")
    io, translator = LesterIOManager(base_dir=str(args.artifacts)), LesterTranslator()
    for spec in pipelines:
        found = pipeline_impact(io, spec, translator, args.source, args.keys, args.columns)
        print(f"{spec.name}: not materialised yet (no artifacts under {args.artifacts})" if found is None
              else found.summary())
    return 0


def _configure_rewrite(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("script", type=Path, help="the messy pipeline script")
    parser.add_argument("--data", type=Path, required=True, help="folder with the script's input CSV files")
    parser.add_argument("--out", type=Path, help="pipeline module to write (default: <script>_declarative.py beside it)")
    parser.add_argument("--report", type=Path, help="JSON report (default: <out>.report.json beside --out)")
    llm = parser.add_argument_group("LLM (options win over the environment)")
    llm.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 "
                     "(env LESTER_LLM_BASE_URL, then OPENAI_BASE_URL)")
    llm.add_argument("--api-key", help="API key (env LESTER_LLM_API_KEY, then OPENAI_API_KEY)")
    llm.add_argument("--model", help="model name (env LESTER_LLM_MODEL)")
    llm.add_argument("--llm-timeout", type=float, default=120.0, help="seconds per LLM request (default: 120)")
    llm.add_argument("--llm-retries", type=int, default=4,
                     help="retries on rate limits, server errors and timeouts, with exponential back-off (default: 4)")
    parser.add_argument("--max-rounds", type=int, default=5, help="rounds of ask, check, run, compare (default: 5)")
    parser.add_argument("--sample-rows", type=int, default=None, metavar="N",
                        help="verify on a covering sample of about N rows per source (first and last rows, every "
                        "value of low-cardinality columns, extremes, the script's constants, rows that join) "
                        "instead of every row (the default)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per sandboxed run, from when its code starts (default: 300)")
    parser.add_argument("--memory-mb", type=int, default=4096,
                        help="data memory per sandboxed process, as RLIMIT_DATA: address space stays unlimited "
                        "because torch reserves gigabytes of it that it never uses (default: 4096)")
    parser.add_argument("--processes", type=int, default=64,
                        help="processes and threads per sandboxed run, as RLIMIT_NPROC (default: 64)")
    parser.add_argument("--rtol", type=float, default=1e-9,
                        help="relative float tolerance where the original is not exact (default: 1e-9); columns "
                        "the original rounds are compared at its precision whatever this says")
    parser.add_argument("--atol", type=float, default=1e-9,
                        help="absolute float tolerance where the original is not exact (default: 1e-9)")
    parser.add_argument("--prompt-examples", type=int, default=3, metavar="N",
                        help="rows of each source shown to the LLM in the prompts (default: 3; 0 sends column "
                        "names and types only)")
    parser.add_argument("--prepare-fn", help="the script's data preparation function (default: found by name and body)")
    parser.add_argument("--encode-fn", help="the script's feature encoding function")
    parser.add_argument("--label-fn", help="the script's label function")
    parser.add_argument("--input", action="append", default=[], metavar="PARAM=FILE.csv",
                        help="which CSV a parameter of the preparation function reads (default: matched by name)")
    parser.add_argument("--key", action="append", default=[], metavar="SOURCE=COLUMN",
                        help="key column of a source; SOURCE= for none (default: a unique *_id column)")
    parser.add_argument("--name", help="the pipeline's name (default: the script's file name)")
    parser.add_argument("--keep-unverified", action="store_true",
                        help="if not verified, write the last candidate to <out>.unverified.py")
    parser.add_argument("--prompts", type=Path, help="folder of prompt templates (default: the repo's prompts/)")
    parser.add_argument("--workdir", type=Path, help="keep the sample and every run here (default: a temporary folder)")


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise ValueError(f"{option} {value!r}: expected NAME=VALUE")
        pairs[name] = rest
    return pairs


def _run_rewrite(args: argparse.Namespace) -> int:
    from lester_dagster.errors import RewriteError
    from lester_dagster.rewrite import LLMConfig, OpenAIChat, RewriteOptions, rewrite
    from lester_dagster.rewrite.compare import Tolerance
    from lester_dagster.rewrite.sandbox import Limits

    try:
        inputs, keys = _pairs(args.input, "--input"), _pairs(args.key, "--key")
        for number, option in ((args.max_rounds, "--max-rounds"), (args.sample_rows, "--sample-rows"),
                               (args.processes, "--processes")):
            if number is not None and number < 1:
                raise ValueError(f"{option} must be at least 1, got {number}")
        for number, option in ((args.rtol, "--rtol"), (args.atol, "--atol"), (args.prompt_examples, "--prompt-examples")):
            if number < 0:
                raise ValueError(f"{option} must not be negative, got {number}")
        config = LLMConfig.resolve(args.base_url, args.api_key, args.model, timeout=args.llm_timeout,
                                   retries=args.llm_retries)
        options = RewriteOptions(
            data=args.data, out=args.out, report=args.report, max_rounds=args.max_rounds,
            sample_rows=args.sample_rows, limits=Limits(args.timeout, args.memory_mb, args.processes),
            tolerance=Tolerance(rtol=args.rtol, atol=args.atol), prompt_examples=args.prompt_examples,
            functions={"prepare": args.prepare_fn, "encode": args.encode_fn, "label": args.label_fn},
            inputs=inputs, keys={k: v or None for k, v in keys.items()}, name=args.name,
            keep_unverified=args.keep_unverified, prompts=args.prompts, workdir=args.workdir,
        )
        report = rewrite(args.script, options, OpenAIChat(config))
    except (RewriteError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    print(f"report: {options.report_path(args.script.resolve())}")
    return 0 if report.verified else 1


def _configure_synthesize(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", action="append", type=Path, required=True, metavar="CSV",
                        help="an input table (repeat for several); it enters the pipeline named after its file")
    parser.add_argument("--target", type=Path, required=True, metavar="CSV",
                        help="a table that shows what the output should look like")
    parser.add_argument("--top-k", type=int, default=5, help="pipelines to return, best first (default: 5)")
    parser.add_argument("--out", type=Path, help="write the best pipeline spec (JSON) here")
    parser.add_argument("--all", action="store_true", help="with --out: write all ranked specs as a JSON list")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds of search (default: 30)")
    parser.add_argument("--target-rows", type=int, metavar="N",
                        help="the target was made from about N rows of the largest input (a quarter's "
                        "mails out of all of them): that input is sampled to N rows for the search, so "
                        "that counts and sums come out on the target's scale (default: as many as given)")
    parser.add_argument("--allow-unverified", action="store_true",
                        help="with --out: write the closest pipeline even when none reproduces the target "
                        "(the command still exits 1)")


def _run_synthesize(args: argparse.Namespace) -> int:
    from lester_dagster.synthesis.commands import run_synthesize

    return run_synthesize(args.input, args.target, args.top_k, args.out, args.all, args.time_limit,
                          args.target_rows, args.allow_unverified)


def _configure_synthesis_bench(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("suite", type=Path, help="folder with one subfolder per case (training_<k>.csv, "
                        "test_<k>.csv, target.csv, optional meta.json)")
    parser.add_argument("--top-k", type=int, default=10, help="pipelines returned per case (default: 10)")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds of search per case (default: 30)")
    parser.add_argument("--baselines", action="store_true",
                        help="also run greedy single-step top-1 and the search without constraints")
    parser.add_argument("--only", nargs="*", default=[], help="run only these cases")
    parser.add_argument("--quiet", action="store_true",
                        help="no line per case and no list of unsolved cases (use it on the test part)")
    parser.add_argument("--workers", type=int, default=1,
                        help="cases run in this many processes, one per core at most (default: 1)")
    parser.add_argument("--states", type=int, default=None,
                        help="partial pipelines each case may explore: the budget that bounds the search "
                             "(default: the benchmark's budget, 600 states)")
    parser.add_argument("--ranker", choices=["learned", "joint"], default="learned",
                        help="final ranking: the shipped learned model (default) or the hand-set joint probability")


def _run_synthesis_bench(args: argparse.Namespace) -> int:
    from lester_dagster.synthesis.commands import run_synthesis_bench

    return run_synthesis_bench(args.suite, args.top_k, args.json, args.time_limit, args.baselines, args.only,
                               args.quiet, args.workers, args.ranker, args.states)


COMMANDS: dict[str, Command] = {
    "generate-data": Command(
        help="write the running example's customers.csv and mails.csv",
        configure=_configure_generate_data,
        run=_run_generate_data,
    ),
    "request-deletion": Command(
        help="file a deletion request (erase rows, or redact columns of rows) in the data lake",
        configure=_configure_request_deletion,
        run=_run_request_deletion,
    ),
    "requests": Command(
        help="list the deletion journal: every request's id, state and what it does (or why it was rejected)",
        configure=_configure_requests,
        run=_run_requests,
    ),
    "verify-erasure": Command(
        help="scan the lake, every artifact version and Dagster's storage for what applied requests erased",
        configure=_configure_verify_erasure,
        run=_run_verify_erasure,
    ),
    "verify-audit": Command(
        help="check that the audit log's hash chain is intact and still holds what Dagster recorded",
        configure=_configure_verify_audit,
        run=_run_verify_audit,
    ),
    "impact": Command(
        help="which artifacts of which pipelines hold data derived from some source rows (changes nothing)",
        configure=_configure_impact,
        run=_run_impact,
    ),
    "rewrite": Command(
        help="rewrite a messy pipeline script into a declarative PipelineSpec with an LLM, verified in a sandbox on "
        "every row of its data",
        configure=_configure_rewrite,
        run=_run_rewrite,
    ),
    "synthesize": Command(
        help="synthesise the pipeline that turns input tables into a table like the target (Auto-Pipeline)",
        configure=_configure_synthesize,
        run=_run_synthesize,
    ),
    "synthesis-bench": Command(
        help="run by-target synthesis on every case of a suite and report accuracy, MRR and latency",
        configure=_configure_synthesis_bench,
        run=_run_synthesis_bench,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lester-dagster", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.help)
        command.configure(sub)
        sub.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse argv (default: sys.argv[1:]), run the chosen command, return its exit code."""
    from lester_dagster.errors import MissingExtraError

    args = build_parser().parse_args(argv)
    try:
        return args._run(args)
    except MissingExtraError as error:  # a command that needs an extra: say which, without a traceback
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
