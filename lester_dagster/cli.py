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


def _run_generate_data(args: argparse.Namespace) -> int:
    # Imported here so `--help` and other commands stay fast (pandas, numpy).
    import pandas as pd

    from lester_dagster.datasets.running_example import leaked_mail_ids, write_csvs

    if args.mails < 0:
        print(f"error: --mails must be >= 0, got {args.mails}", file=sys.stderr)
        return 2
    paths = write_csvs(args.out, args.mails, seed=args.seed)
    # Re-read what was written so the report describes the files, not memory.
    customers = pd.read_csv(paths["customers"])
    mails = pd.read_csv(paths["mails"], keep_default_na=False)
    print(f"wrote {len(customers)} customers to {paths['customers']}")
    print(f"wrote {len(mails)} mails to {paths['mails']}")
    print(f"{len(leaked_mail_ids(mails))} mail subjects carry a leaked credit card number")
    return 0


def _configure_request_deletion(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", type=Path, default=Path("data"), help="the data lake folder (default: data)")
    parser.add_argument("--source", required=True, help="source table, e.g. mails")
    parser.add_argument("--keys", nargs="+", required=True, help="key values of the rows")
    parser.add_argument("--action", choices=["erase", "redact"], required=True)
    parser.add_argument("--columns", nargs="*", default=[], help="columns to redact (with --action redact)")
    parser.add_argument("--reason", default="", help="why, for the audit log")


def _keys(values: Sequence[str]) -> list[int | str]:
    return [int(v) if v.lstrip("-").isdigit() else v for v in values]


def _run_request_deletion(args: argparse.Namespace) -> int:
    from lester_dagster.ivm import DeletionRequest, RequestError
    from lester_dagster.orchestration.lake import DataLake

    try:
        request = DeletionRequest(args.source, tuple(_keys(args.keys)), args.action, tuple(args.columns), args.reason)
    except RequestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    path = DataLake(root=str(args.lake)).submit(request)
    print(f"filed request {request.request_id} ({request.action} {len(request.keys)} key(s) of {request.source}) as {path}")
    print("the deletion sensor picks it up within seconds while `make dev` (dagster dev) runs")
    return 0


def _configure_impact(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"), help="the artifacts folder")
    parser.add_argument("--pipelines", default="example_project.definitions:PIPELINES",
                        help="module:attribute holding the pipeline specs (default: the example project)")
    parser.add_argument("--source", required=True)
    parser.add_argument("--keys", nargs="+", required=True)
    parser.add_argument("--columns", nargs="*", default=None, help="only these columns (default: whole rows)")


def _run_impact(args: argparse.Namespace) -> int:
    import importlib

    from lester_dagster.ivm.impact import impact
    from lester_dagster.orchestration.asset_factory import load_state
    from lester_dagster.orchestration.io_manager import LesterIOManager
    from lester_dagster.orchestration.translator import ARTIFACTS, LesterTranslator
    from lester_dagster.storage import StorageError

    module, _, attribute = args.pipelines.partition(":")
    pipelines = getattr(importlib.import_module(module), attribute or "PIPELINES")
    io, translator = LesterIOManager(base_dir=str(args.artifacts)), LesterTranslator()
    for spec in pipelines:
        keys = {a: translator.get_artifact_key(spec, a) for a in ARTIFACTS}
        try:
            state = load_state(io, spec, keys, read_only=True)
        except StorageError:
            print(f"{spec.name}: not materialised yet (no artifacts under {args.artifacts})")
            continue
        print(impact(state, args.source, _keys(args.keys), args.columns).summary())
    return 0


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
    "impact": Command(
        help="which artifacts of which pipelines hold data derived from some source rows (changes nothing)",
        configure=_configure_impact,
        run=_run_impact,
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
    args = build_parser().parse_args(argv)
    return args._run(args)


if __name__ == "__main__":
    raise SystemExit(main())
