"""The example project's synthesised pipeline: from the lake's tables and last quarter's report (made by an
analyst in pandas from other mails), synthesis finds the pipeline that makes the report, and the spec
shipped in example_project/synthesized/ is that pipeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lester_dagster.datasets.running_example import generate
from lester_dagster.synthesis.cases import read_table
from lester_dagster.synthesis.evaluate import frames_match, run_on_engine
from lester_dagster.synthesis.search import SearchConfig, synthesize
from lester_dagster.synthesis.spec import SynthesisSpec

EXAMPLE = Path(__file__).resolve().parents[1] / "example_project" / "synthesized"


def report(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    """How the analyst made `targets/mails_per_bank.csv` (from 1,000 mails of seed 7)."""
    return (mails.merge(customers, left_on="email", right_on="customer_email")
            .groupby(["bank", "country"])
            .agg(mails=("mail_id", "count"), latest=("raw_date", "max")))


def test_the_shipped_target_is_the_analysts_report() -> None:
    customers, mails = generate(1000, seed=7)
    assert frames_match(report(customers, mails).reset_index(), read_table(EXAMPLE / "targets" / "mails_per_bank.csv"))


def test_synthesis_returns_the_report_pipeline_and_the_shipped_spec_is_it() -> None:
    """The ranked list holds the right pipeline; a person reviews the list (the CLI prints it) and keeps
    that one, which is the spec shipped in example_project/synthesized/."""
    customers, mails = generate(1000, seed=0)  # the example lake: other mails than the report's
    target = read_table(EXAMPLE / "targets" / "mails_per_bank.csv")
    # a time limit far above the half minute the search takes (its depth and beam bound it): the result
    # never depends on the machine's speed
    result = synthesize({"customers": customers, "mails": mails}, target, SearchConfig(top_k=5, time_limit=900))
    held_out_customers, held_out_mails = generate(2000, seed=3)
    expected = report(held_out_customers, held_out_mails).reset_index()
    tables = {"customers": held_out_customers, "mails": held_out_mails}
    solving = [r for r, spec in enumerate(result.specs(), 1) if frames_match(run_on_engine(spec, tables), expected)]
    # it comes first: the aggregates are told apart by how they agree with the report bank by bank
    assert solving and solving[0] <= 2, "\n\n".join(spec.describe() for spec in result.specs())
    shipped = SynthesisSpec.load(EXAMPLE / "mails_per_bank.json")
    assert frames_match(run_on_engine(shipped, tables), expected), shipped.describe()


def test_a_report_from_fewer_rows_than_the_lake_is_synthesised_with_target_rows(tmp_path: Path, capsys) -> None:
    """The README's command: the lake holds many more mails than the 1,000 the report was made from, so
    its counts are on another scale; `--target-rows 1000` samples the mails to the report's size and the
    report's pipeline comes first. A bad value is refused with what it means."""
    from lester_dagster.cli import main

    customers, mails = generate(20000, seed=0)
    customers.to_csv(tmp_path / "customers.csv", index=False)
    mails.to_csv(tmp_path / "mails.csv", index=False)
    out = tmp_path / "spec.json"
    command = ["synthesize", "--input", str(tmp_path / "customers.csv"), "--input", str(tmp_path / "mails.csv"),
               "--target", str(EXAMPLE / "targets" / "mails_per_bank.csv"), "--top-k", "3", "--out", str(out),
               "--time-limit", "900"]  # far above the half minute the search takes, on any machine
    assert main([*command, "--target-rows", "0"]) == 2
    assert "--target-rows must be at least 1" in capsys.readouterr().err
    assert main([*command, "--target-rows", "1000"]) == 0
    held_out_customers, held_out_mails = generate(2000, seed=3)
    tables = {"customers": held_out_customers, "mails": held_out_mails}
    expected = report(held_out_customers, held_out_mails).reset_index()
    assert frames_match(run_on_engine(SynthesisSpec.load(out), tables), expected), capsys.readouterr().out
