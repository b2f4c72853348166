"""Loads a rewritten pipeline module only as the code that was verified: its SHA-256 must equal the one
its rewrite report recorded for a verified rewrite. Code locations import rewritten modules through
`load_verified`, so an edit after verification (by hand, or by anything that can write the file) stops
the load instead of running unverified code next to the data.

    from lester_dagster.rewrite.deploy import load_verified
    PIPELINE = load_verified("pipelines/complaints.py").PIPELINE
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import types
from pathlib import Path

from lester_dagster.errors import RewriteError


class UnverifiedModule(RewriteError):
    """A rewritten module has no verified report, or its bytes are not the bytes that were verified."""


def module_hash(text: str | bytes) -> str:
    """The SHA-256 (hex) of the module's bytes as written (UTF-8)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def default_report(module_path: str | Path) -> Path:
    """Where `lester-dagster rewrite` writes the report of a module by default: <stem>.report.json beside it."""
    path = Path(module_path)
    return path.with_name(f"{path.stem}.report.json")


def load_verified(module_path: str | Path, report: str | Path | None = None,
                  name: str | None = None) -> types.ModuleType:
    """Imports the module at `module_path` if its report (default: <stem>.report.json beside it) says
    "verified" for exactly these bytes; raises UnverifiedModule naming what is wrong and what to do. The
    bytes that were hashed are the bytes executed (read once), so the file cannot change in between."""
    path = Path(module_path).resolve()
    report_path = Path(report) if report is not None else default_report(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnverifiedModule(f"cannot read the rewritten module {path}: {error}") from None
    try:
        recorded = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnverifiedModule(
            f"{path} has no readable rewrite report at {report_path} ({error}); only modules written by a verified "
            "`lester-dagster rewrite` load here. Run the rewrite, or pass the report's path."
        ) from None
    if recorded.get("verdict") != "verified" or not recorded.get("module_sha256"):
        raise UnverifiedModule(
            f"{report_path} does not verify {path} (verdict {recorded.get('verdict')!r}); an unverified rewrite is "
            "never deployed. Re-run `lester-dagster rewrite` until it is verified."
        )
    digest = module_hash(data)
    if digest != recorded["module_sha256"]:
        raise UnverifiedModule(
            f"{path} was changed after it was verified: its SHA-256 is {digest[:16]}..., the report {report_path} "
            f"verified {recorded['module_sha256'][:16]}.... Re-run `lester-dagster rewrite` (or restore the verified "
            "file); edited code is not loaded unverified."
        )
    name = name or "lester_rewritten_" + re.sub(r"\W", "_", path.stem)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(data, str(path), "exec"), module.__dict__)  # noqa: S102 - the verified bytes, checked above
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
