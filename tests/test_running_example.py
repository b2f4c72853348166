"""Tests for the running example: the seeded generator, the generate-data CLI and
the messy pipeline that consumes its CSVs."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from lester_dagster.cli import main
from lester_dagster.datasets.running_example import (
    CARD_PATTERN,
    NEGATIVE_SUBJECTS,
    generate,
    leaked_mail_ids,
    write_csvs,
)

REPO = Path(__file__).resolve().parents[1]


def _read(path: Path) -> pd.DataFrame:
    # keep_default_na=False: no generated string is empty, and none must become NaN.
    return pd.read_csv(path, keep_default_na=False)


@pytest.fixture(scope="module")
def large() -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate(20_000, seed=7)


# Run in this process and in a fresh one; the same source keeps them in step.
FINGERPRINT = """
import hashlib
from lester_dagster.datasets.running_example import generate
customers, mails = generate(300, 11)
digest = hashlib.sha256(customers.to_csv(index=False).encode())
digest.update(mails.to_csv(index=False).encode())
print(digest.hexdigest())
"""


def test_same_seed_same_data_other_seed_other_data() -> None:
    c1, m1 = generate(500, seed=3)
    c2, m2 = generate(500, seed=3)
    pd.testing.assert_frame_equal(c1, c2)
    pd.testing.assert_frame_equal(m1, m2)
    _, m3 = generate(500, seed=4)
    assert not m1["mail_text"].equals(m3["mail_text"])


def test_stable_across_interpreters(capsys: pytest.CaptureFixture[str]) -> None:
    # A fresh process with another hash seed must draw the same data: nothing
    # may depend on set/dict iteration order or on state left by other tests.
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    fresh = subprocess.run(
        [sys.executable, "-c", FINGERPRINT],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )
    exec(FINGERPRINT, {})
    assert fresh.stdout.strip() == capsys.readouterr().out.strip()


@pytest.mark.parametrize(("n_mails", "n_customers"), [(0, 1), (1, 1), (9, 1), (10, 1), (1234, 123)])
def test_sizes(n_mails: int, n_customers: int) -> None:
    customers, mails = generate(n_mails)
    assert len(customers) == n_customers
    assert len(mails) == n_mails
    assert list(customers.columns) == ["customer_id", "customer_email", "bank", "country", "level"]
    assert list(mails.columns) == ["mail_id", "email", "raw_date", "mail_subject", "mail_text"]


def test_negative_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="n_mails"):
        generate(-1)


def test_keys_are_unique(large: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    customers, mails = large
    assert customers["customer_id"].is_unique
    assert customers["customer_email"].is_unique
    assert mails["mail_id"].is_unique
    assert customers["customer_email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.com").all()


def test_about_one_percent_of_mails_reference_unknown_addresses(
    large: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    customers, mails = large
    unknown = ~mails["email"].isin(customers["customer_email"])
    assert 0.005 < unknown.mean() < 0.015
    # About ten mails per known customer, and most customers have some.
    per_customer = mails.loc[~unknown, "email"].value_counts()
    assert 9 < per_customer.mean() < 11
    assert len(per_customer) > 0.99 * len(customers)


def test_country_level_and_bank_distributions(large: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    customers, _ = large
    share = customers["country"].value_counts(normalize=True)
    assert customers["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert share[["UK", "DE", "FR"]].sum() > 0.65
    assert all(share[c] > 0.15 for c in ("UK", "DE", "FR"))
    assert len(share) >= 5, "some customers must live outside UK/DE/FR"
    premium = (customers["level"] == "premium").mean()
    assert 0.07 < premium < 0.13
    assert set(customers["level"]) == {"premium", "standard"}
    assert 3 <= customers["bank"].nunique() <= 10


def test_dates(large: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, mails = large
    assert mails["raw_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    parsed = pd.to_datetime(mails["raw_date"], format="%Y-%m-%d")
    early = (parsed < "2022-01-01").mean()
    assert 0.08 < early < 0.12
    assert parsed.max() < pd.Timestamp("2025-01-01")
    late_years = parsed[parsed >= "2022-01-01"].dt.year.value_counts(normalize=True)
    assert set(late_years.index) == {2022, 2023, 2024}
    assert late_years.min() > 0.25


def test_texts_are_varied_and_messy(large: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, mails = large
    text = mails["mail_text"]
    lowered = text.str.lower()
    has_keyword = lowered.str.contains("complaint") | lowered.str.contains("bank account")
    assert 0.3 < has_keyword.mean() < 0.9, "the keyword filter must keep some and drop some"
    # Only lowercasing finds these: the raw text spells the keyword otherwise.
    assert (lowered.str.contains("complaint") & ~text.str.contains("complaint")).any()
    assert (lowered.str.contains("bank account") & ~text.str.contains("bank account")).any()
    assert text.str.contains(",").mean() > 0.5
    assert text.str.contains('"').any()
    assert text.nunique() > 0.5 * len(text)
    assert mails["mail_subject"].nunique() > 20


def test_csv_round_trip(tmp_path: Path) -> None:
    paths = write_csvs(tmp_path, 400, seed=5)
    assert set(paths) == {"customers", "mails"}
    customers, mails = generate(400, seed=5)
    pd.testing.assert_frame_equal(_read(paths["customers"]), customers, check_dtype=False)
    pd.testing.assert_frame_equal(_read(paths["mails"]), mails, check_dtype=False)


def _strip_card(subject: str) -> str:
    return re.sub(r"\s*" + CARD_PATTERN.pattern, "", subject, flags=re.IGNORECASE)


def test_leak_only_in_negative_subjects_of_german_customers(
    large: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    customers, mails = large
    leaked = leaked_mail_ids(mails)
    assert len(leaked) > 0
    joined = mails.merge(customers, left_on="email", right_on="customer_email", how="left")
    hit = joined[joined["mail_id"].isin(leaked)]
    assert (hit["country"] == "DE").all()
    negative = {s.lower() for s in NEGATIVE_SUBJECTS}
    assert hit["mail_subject"].map(_strip_card).str.lower().isin(negative).all()
    assert hit["mail_subject"].str.contains(r" My credit card is [45]\d{15}$", regex=True).all()
    assert hit["mail_subject"].str.extract(r"(\d{16})")[0].is_unique
    # Card numbers never show up in texts, nor elsewhere than leaked subjects.
    assert not mails["mail_text"].str.contains(r"\d{16}", regex=True).any()
    others = mails[~mails["mail_id"].isin(leaked)]
    assert not others["mail_subject"].str.contains(r"\d{16}", regex=True).any()
    # About 2% of German customers' negative mails.
    stripped = joined["mail_subject"].map(_strip_card).str.lower()
    de_negative = ((joined["country"] == "DE") & stripped.isin(negative)).sum()
    assert len(leaked) == max(1, round(0.02 * de_negative))


def test_small_data_sets_still_leak() -> None:
    _, mails = generate(300, seed=0)
    assert len(leaked_mail_ids(mails)) >= 1


def test_card_pattern_finds_lowercased_titles() -> None:
    assert CARD_PATTERN.search("very disappointed my credit card is 4111111111111111")
    assert not CARD_PATTERN.search("my credit card is 4111 1111")


@pytest.mark.parametrize("form", ["delta", "csv"])
def test_cli_generate_data(form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lester_dagster.orchestration.lake import DataLake

    out = tmp_path / "data"
    assert main(["generate-data", "--mails", "1000", "--out", str(out), "--seed", "2", "--format", form]) == 0
    where = {"delta": ("customers", "mails"), "csv": ("customers.csv", "mails.csv")}[form]
    assert all((out / name).exists() for name in where)
    lake = DataLake(root=str(out))
    customers, mails = lake.read("customers"), lake.read("mails")
    assert (len(customers), len(mails)) == (100, 1000)
    printed = capsys.readouterr().out
    assert f"100 customers to {out / where[0]}" in printed
    assert f"1000 mails to {out / where[1]}" in printed
    n_leaked = len(leaked_mail_ids(mails))
    assert f"{n_leaked} mail subjects carry a leaked credit card number" in printed
    _, expected = generate(1000, seed=2)
    pd.testing.assert_frame_equal(mails, expected, check_dtype=False)


def test_cli_requires_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "generate-data" in capsys.readouterr().err


def _messy_pipeline() -> ModuleType:
    # Loaded from its file: example_project is a code location, not a package
    # installed with lester_dagster.
    path = REPO / "example_project" / "messy_pipeline.py"
    spec = importlib.util.spec_from_file_location("messy_pipeline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _expected_prepared(customers: pd.DataFrame, mails: pd.DataFrame) -> pd.DataFrame:
    """The messy data preparation, restated with pandas as an oracle."""
    kept = customers[customers["country"].isin(["UK", "DE", "FR"])]
    text = mails["mail_text"].str.lower()
    selected = mails[
        (mails["raw_date"] >= "2022-01-01")
        & (text.str.contains("complaint") | text.str.contains("bank account"))
    ]
    joined = selected.merge(kept, left_on="email", right_on="customer_email", how="inner")
    return joined.sort_values("mail_id").reset_index(drop=True)


@pytest.mark.slow
def test_messy_pipeline_smoke(tmp_path: Path) -> None:
    from lester_dagster.features.text import embed_texts

    messy = _messy_pipeline()
    write_csvs(tmp_path, 300, seed=0)
    rows, X, y = messy.run(tmp_path)

    customers, mails = generate(300, seed=0)
    expected = _expected_prepared(customers, mails)
    assert [r["title"] for r in rows] == expected["mail_subject"].str.lower().tolist()
    assert [r["text"] for r in rows] == expected["mail_text"].str.lower().tolist()
    assert [r["bank"] for r in rows] == expected["bank"].tolist()
    assert [r["is_premium"] for r in rows] == (expected["level"] == "premium").tolist()
    for row in rows:
        assert list(row) == ["title", "text", "bank", "country", "sentiment", "is_premium"]
        assert isinstance(row["sentiment"], float) and -1.0 <= row["sentiment"] <= 1.0
        assert isinstance(row["is_premium"], bool)

    countries = sorted({r["country"] for r in rows})
    assert countries == ["DE", "FR", "UK"]
    assert X.dtype == np.float64
    assert X.shape == (len(rows), 384 + 384 + 1 + len(countries))
    assert y.shape == (len(rows),) and y.dtype.kind == "i"
    # Seed 0 at 300 mails is chosen so that positives exist (11 observed).
    assert y.sum() > 0
    assert y.tolist() == [int(r["sentiment"] < 0 and r["is_premium"]) for r in rows]

    np.testing.assert_allclose(X[:, :384], embed_texts([r["title"] for r in rows]), atol=1e-6)
    np.testing.assert_allclose(X[:, 384:768], embed_texts([r["text"] for r in rows]), atol=1e-6)
    wc = X[:, 768]
    assert abs(wc.mean()) < 1e-9 and abs(wc.std() - 1.0) < 1e-9
    onehot = X[:, 769:]
    np.testing.assert_array_equal(onehot.sum(axis=1), 1.0)
    expected_column = [countries.index(r["country"]) for r in rows]
    np.testing.assert_array_equal(onehot.argmax(axis=1), expected_column)


def test_cli_request_deletion_files_a_valid_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lester_dagster.ivm.requests import FiledRequest

    write_csvs(tmp_path, 50, seed=0)
    code = main(["request-deletion", "--lake", str(tmp_path), "--source", "mails", "--keys", "7", "000123",
                 "--action", "redact", "--columns", "mail_subject", "--reason", "leak"])
    assert code == 0
    (path,) = (tmp_path / "requests").glob("*.json")
    request = FiledRequest.parse(path.read_bytes())
    # keys are filed as typed: the journal coerces them to the key column's type, never by their look
    assert request.keys == ("7", "000123") and request.columns == ("mail_subject",) and request.reason == "leak"
    assert "filed" in capsys.readouterr().out
    assert main(["request-deletion", "--lake", str(tmp_path), "--source", "mails", "--keys", "7", "--action", "redact"]) == 2
    assert "needs 'columns'" in capsys.readouterr().err
    assert main(["request-deletion", "--lake", str(tmp_path), "--source", "mailz", "--keys", "7", "--action", "erase"]) == 2
    assert "the lake has no source 'mailz'; its sources are ['customers', 'mails']" in capsys.readouterr().err
    assert main(["request-deletion", "--lake", str(tmp_path), "--source", "customers", "--where",
                 "customer_email=someone@example.com", "--action", "erase"]) == 0
    assert len(list((tmp_path / "requests").glob("*.json"))) == 2
