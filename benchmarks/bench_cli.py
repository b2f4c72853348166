"""Start-up cost of the command line and of a Dagster run's process, for several commits side by side.

Each commit's `lester_dagster` and `example_project` are extracted (`git archive`) into a temporary folder and
put first on PYTHONPATH, so every version runs with the same installed packages; the versions are run
interleaved, `--runs` times each, and the table gives the median and the range of wall time. Commands:
`lester-dagster request-deletion` (filing a request), `lester-dagster requests` (reading the journal), and
importing `example_project.definitions` (what each Dagster run's process does before its first step), with
the heavy modules each one imported.

    .venv/bin/python benchmarks/bench_cli.py --commits 257afd0^ 728a4b6 HEAD --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sklearn", "dagster", "sentence_transformers", "pandas")
PROBE = """
import json, sys
from lester_dagster.cli import main
code = main(sys.argv[1:])
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""
LOCATION = "import json, sys, example_project.definitions; print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))"


def extract(commit: str, into: Path) -> Path:
    folder = into / commit.replace("/", "_").replace("^", "_parent")
    archive = subprocess.run(["git", "archive", commit, "lester_dagster", "example_project"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def timed(args: list[str], source: Path, lake: Path) -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(source), "LESTER_LAKE": str(lake), "LESTER_PROGRESS": "0"}
    started = time.perf_counter()
    out = subprocess.run(args, cwd=source, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return seconds, [f"failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}"]
    return seconds, json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", nargs="+", default=["HEAD"])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp:
        work = Path(tmp)
        lake = work / "lake"
        subprocess.run([sys.executable, "-m", "lester_dagster.cli", "generate-data", "--mails", "200", "--out",
                        str(lake)], cwd=ROOT, check=True, capture_output=True)
        sources = {c: extract(c, work) for c in args.commits}
        commands = {
            "request-deletion": [sys.executable, "-c", PROBE.format(heavy=HEAVY), "request-deletion", "--lake",
                                 str(lake), "--source", "mails", "--keys", "1", "--action", "erase"],
            "requests": [sys.executable, "-c", PROBE.format(heavy=HEAVY), "requests", "--lake", str(lake)],
            "load code location": [sys.executable, "-c", LOCATION.format(heavy=HEAVY)],
        }
        times: dict[tuple[str, str], list[float]] = {(c, n): [] for n in commands for c in sources}
        imported: dict[tuple[str, str], list[str]] = {}
        for _ in range(args.runs):
            for name, command in commands.items():
                for commit, source in sources.items():
                    seconds, modules = timed(command, source, lake)
                    times[(commit, name)].append(seconds)
                    imported[(commit, name)] = modules
        print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        print("| command | commit | median | range | imports |")
        print("|---|---|---:|---|---|")
        for (commit, name), values in times.items():
            print(f"| {name} | {commit} | {statistics.median(values):.2f} s | {min(values):.2f}-{max(values):.2f} s "
                  f"| {', '.join(imported[(commit, name)]) or '-'} |")


if __name__ == "__main__":
    main()
