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


COMMANDS: dict[str, Command] = {
    "generate-data": Command(
        help="write the running example's customers.csv and mails.csv",
        configure=_configure_generate_data,
        run=_run_generate_data,
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
