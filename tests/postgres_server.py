"""A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries (`make test` installs them),
a fresh data folder, a free port on 127.0.0.1, trust authentication for one user; stopped (immediate
mode) and removed afterwards. As root it runs as the `postgres` system user, which refuses root."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres(user: str = "lester") -> Iterator[tuple[str, Path]]:
    """Yields (SQLAlchemy URL, data folder) of a running server."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is needed for this test: `make test` installs Debian's postgresql")
    folder = Path(tempfile.mkdtemp(prefix="lester-pg-"))
    data = folder / "data"
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "--no-sync")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60", "-o",
            f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off", "start")
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres", data
    finally:
        if data.exists():
            subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
