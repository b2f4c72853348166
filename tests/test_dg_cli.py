"""Dagster's project CLI (`dg`, from the `dg` extra) sees the component through its entry point, and a
project that declares a pipeline only in `defs.yaml`, without Python glue, loads into assets, checks,
jobs, the sensor and the schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DG = Path(sys.executable).with_name("dg")  # installed by the `dg` and `dev` extras
COMPONENT = "lester_dagster.orchestration.components.LesterPipelinesComponent"

DEFS_YAML = """\
type: lester_dagster.orchestration.components.LesterPipelinesComponent
attributes:
  pipelines: ["example_project.declarative_pipeline:WORD_COUNT_PIPELINE"]
  sources:
    - {name: customers, key: customer_id, columns: [customer_id, customer_email, bank, country, level]}
    - {name: mails, key: mail_id, columns: [mail_id, email, raw_date, mail_subject, mail_text]}
  lake_dir: lake
  artifacts_dir: artifacts
"""


def dg(*args: str, cwd: Path) -> dict:
    # example_project lives in the repository, not in the installed package
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run([str(DG), *args, "--json"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_dg_lists_the_component(tmp_path: Path) -> None:
    items = {item["key"]: item["summary"] for item in dg("list", "components", cwd=tmp_path)["items"]}
    assert "Provenance-tracking ML pipelines" in items[COMPONENT]


def test_a_project_declares_a_pipeline_in_yaml_only(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "riskproj"\nversion = "0.1"\n\n[tool.dg]\ndirectory_type = "project"\n\n'
        '[tool.dg.project]\nroot_module = "riskproj"\n'
    )
    package = tmp_path / "riskproj"
    (package / "defs" / "complaints").mkdir(parents=True)
    (package / "__init__.py").touch()
    (package / "defs" / "__init__.py").touch()
    (package / "definitions.py").write_text(
        "from pathlib import Path\n\nimport dagster as dg\n\n\n@dg.definitions\ndef defs():\n"
        "    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)\n"
    )
    (package / "defs" / "complaints" / "defs.yaml").write_text(DEFS_YAML)

    found = dg("list", "defs", cwd=tmp_path)
    assets = {a["asset_key"]: a for a in found["assets"]}
    assert {"lake/mails", "lake/customers", "lester/audit_log"} <= set(assets)
    for artifact in ("prepared", "features", "model", "evaluation"):
        assert assets[f"complaints_word_counts/{artifact}"]["source"].endswith("defs.yaml:1")
    assert assets["complaints_word_counts/prepared"]["dependency_keys"] == ["lake/customers", "lake/mails"]
    assert {s["name"] for s in found["sensors"]} == {"deletion_requests"}
    assert {s["name"] for s in found["schedules"]} == {"nightly_refresh"}
    assert {c["name"] for c in found["asset_checks"]} == {
        "deleted_data_absent", "agrees_with_recompute", "model_reflects_requests", "erasure_holds", "requests_valid",
        "audit_chain_intact", "erasure_proven"}
