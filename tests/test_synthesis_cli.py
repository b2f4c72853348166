"""The `synthesize` and `synthesis-bench` commands on the tiny suite in tests/fixtures/synthesis/."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lester_dagster.cli import main
from lester_dagster.synthesis import SynthesisSpec, frames_match, load_case, read_table
from lester_dagster.synthesis.spec import load_all

SUITE = Path(__file__).parent / "fixtures" / "synthesis"
# --time-limit 900 below: far above the seconds a search takes (its depth and beam bound it), so results
# never depend on the machine's speed


def test_synthesize_prints_the_ranking_and_writes_the_best_spec(tmp_path: Path, capsys) -> None:
    case = SUITE / "sales_with_managers"
    out = tmp_path / "spec.json"
    code = main(["synthesize", "--input", str(case / "training_1.csv"), "--input", str(case / "training_2.csv"),
                 "--target", str(case / "target.csv"), "--top-k", "3", "--out", str(out), "--time-limit", "900"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "#1  p=" in printed and ".merge(training_2, on=['shop']" in printed
    spec = SynthesisSpec.load(out)
    assert spec.inputs == ("training_1", "training_2")
    # the spec runs on the held-out tables and reproduces the target
    tables = {"training_1": read_table(case / "test_1.csv"), "training_2": read_table(case / "test_2.csv")}
    assert frames_match(spec.execute(tables).frame, read_table(case / "target.csv"))


def test_synthesize_all_writes_a_list(tmp_path: Path, capsys) -> None:
    case = SUITE / "shop_totals"
    out = tmp_path / "specs.json"
    code = main(["synthesize", "--input", str(case / "training_1.csv"), "--target", str(case / "target.csv"),
                 "--top-k", "3", "--out", str(out), "--all"])
    assert code == 0
    specs = load_all(out)
    assert 1 <= len(specs) <= 3
    assert specs[0].steps[0].op == "groupby" and specs[0].meta["verified"] is True
    assert "groupby(['shop'])" in capsys.readouterr().out


def test_synthesize_reports_bad_input_without_a_traceback(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code = main(["synthesize", "--input", str(empty), "--target", str(SUITE / "shop_totals" / "target.csv")])
    assert code == 2
    assert "error: table" in capsys.readouterr().err
    unrelated = tmp_path / "colours.csv"
    pd.DataFrame({"colour": ["red", "blue"], "shade": ["dark", "light"]}).to_csv(unrelated)
    code = main(["synthesize", "--input", str(SUITE / "shop_totals" / "training_1.csv"), "--target", str(unrelated)])
    assert code == 2
    assert "can be mapped" in capsys.readouterr().err


def test_synthesis_bench_writes_the_report(tmp_path: Path, capsys) -> None:
    report_path = tmp_path / "report.json"
    code = main(["synthesis-bench", str(SUITE), "--top-k", "5", "--json", str(report_path), "--time-limit", "900",
                 "--baselines"])
    printed = capsys.readouterr().out
    assert code == 0
    report = json.loads(report_path.read_text())
    for field in ("accuracy", "mrr", "median_seconds", "mean_seconds", "cases", "by_length", "baselines"):
        assert field in report
    assert {c["case"] for c in report["cases"]} == {"shop_totals", "sales_with_managers", "monthly_product_wide"}
    for case in report["cases"]:
        assert set(case) >= {"case", "solved", "rank", "seconds", "length"}
        assert case["solved"] == (case["rank"] >= 1)
    assert report["accuracy"] == 1.0 and report["mrr"] >= 0.5
    assert set(report["baselines"]) == {"greedy", "no-constraints"}
    assert {"1", "2"} <= set(report["by_length"])
    assert "accuracy" in printed and "auto-pipeline" in printed and "greedy" in printed


def test_synthesis_bench_takes_its_budget_in_states(tmp_path: Path, capsys) -> None:
    report_path = tmp_path / "report.json"
    assert main(["synthesis-bench", str(SUITE), "--only", "shop_totals", "--states", "7", "--json", str(report_path),
                 "--time-limit", "900"]) == 0
    report = json.loads(report_path.read_text())
    assert report["max_states"] == 7
    # a state's children are counted as they are made, so the last step made may pass the budget by a few
    assert all(case["explored"] <= 7 + 20 for case in report["cases"])
    assert main(["synthesis-bench", str(SUITE), "--states", "0"]) == 2
    assert "--states must be at least 1" in capsys.readouterr().err


def test_synthesis_bench_refuses_a_folder_without_cases(tmp_path: Path, capsys) -> None:
    assert main(["synthesis-bench", str(tmp_path)]) == 2
    assert "no case folders" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["shop_totals", "sales_with_managers", "monthly_product_wide"])
def test_fixture_cases_read_with_their_layout(name: str) -> None:
    case = load_case(SUITE / name)
    assert case.length in (1, 2)
    assert set(case.training) == set(case.test)
    if name == "shop_totals":  # a named group key in the dumped index is data
        assert list(case.target.columns) == ["shop", "revenue", "sales"]
    else:
        assert "Unnamed: 0" not in case.target.columns
