"""Bad pipelines fail when they are built, with a LesterError that names the operator, the column and
what exists; and column lineage stays right through joins and renames."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

import lester_dagster.engine as le
from lester_dagster.errors import (
    ColumnNotFoundError,
    DuplicateColumnError,
    ExpressionError,
    KeyColumnError,
    LesterError,
    SchemaError,
    TypeClashError,
    UndeclaredColumnError,
    UserFunctionError,
)
from lester_dagster.provenance import SourceColumn


@pytest.fixture(autouse=True, scope="module", params=["pandas", "duckdb"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here on both backends: the pandas executor (the oracle) and DuckDB (the default)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LESTER_ENGINE_BACKEND", request.param)
        yield request.param


CUSTOMERS = pd.DataFrame({"cid": [1, 2], "email": ["a", "b"], "level": ["premium", "standard"]})
MAILS = pd.DataFrame({"mid": [1, 2, 3], "email": ["a", "a", "b"], "subject": ["Hi", "Yo", "Ho"]})


@pytest.fixture
def customers() -> le.Table:
    return le.from_pandas(CUSTOMERS, "customers", key="cid")


@pytest.fixture
def mails() -> le.Table:
    return le.from_pandas(MAILS, "mails", key="mid")


def test_missing_column_names_operator_column_and_existing(mails: le.Table) -> None:
    with pytest.raises(ColumnNotFoundError) as error:
        mails.project("title", "subjct", str.lower)
    message = str(error.value)
    assert "project 'title'" in message and "'subjct'" in message and "'subject'" in message
    assert isinstance(error.value, LesterError)
    with pytest.raises(ColumnNotFoundError, match=r"filter: column 'sender' is not found.*'email'"):
        mails.filter("sender == @who", who="x")
    with pytest.raises(ColumnNotFoundError, match=r"join \(right side\): column 'mail'"):
        mails.join(mails.select("mid"), left_on="email", right_on="mail")
    with pytest.raises(ColumnNotFoundError, match=r"groupby.agg 'n'"):
        mails.groupby("email").agg(n=("nope", "count"))


def test_query_parameters_are_explicit(mails: le.Table) -> None:
    with pytest.raises(ExpressionError, match=r"uses @who but no parameter 'who' was passed"):
        mails.filter("email == @who")
    with pytest.raises(ColumnNotFoundError, match=r"@name"):
        mails.filter("email == who")  # a caller's global is never picked up
    with pytest.raises(ExpressionError, match="cannot parse"):
        mails.filter("email ==")


def test_undeclared_reads_are_errors(mails: le.Table, customers: le.Table) -> None:
    with pytest.raises(UndeclaredColumnError, match=r"cannot take its 1 declared input"):
        mails.project("x", "subject", lambda subject, email: subject + email)
    frame = CUSTOMERS

    def premium_of(email: str) -> bool:
        return bool((frame.loc[frame.email == email, "level"] == "premium").any())

    with pytest.raises(UndeclaredColumnError, match=r"reads DataFrame 'frame' from its enclosing scope"):
        mails.project("is_premium", "email", premium_of)
    with pytest.raises(UndeclaredColumnError, match="reads Table 'customers'"):
        mails.filter(lambda e: e in customers.columns, "email")


def test_wrong_key_and_type_clash() -> None:
    with pytest.raises(KeyColumnError, match=r"key column 'id' is not found. Existing columns: 'mid'"):
        le.from_pandas(MAILS, "mails", key="id")
    with pytest.raises(KeyColumnError, match=r"key column 'email' is not unique \(1 duplicate"):
        le.from_pandas(MAILS, "mails", key="email").execute()  # checked with the ids, at the first run
    numbers = le.from_pandas(pd.DataFrame({"k": [1, 2]}), "numbers", key="k")
    words = le.from_pandas(pd.DataFrame({"k": ["1", "2"]}), "words", key="k")
    with pytest.raises(TypeClashError, match=r"join: key 'k' is number on the left but 'k' is string"):
        numbers.join(words, on="k")
    with pytest.raises(TypeClashError, match="union: column 'k'"):
        numbers.union(words)
    # kinds unknown at build time (a projection) still give a clear error at run time
    cast = words.project("k", "k", lambda k: k.astype(object))
    with pytest.raises(TypeClashError, match="incompatible types"):
        numbers.join(cast, on="k").execute()


def test_schema_errors(mails: le.Table) -> None:
    with pytest.raises(SchemaError, match=r"union: the tables' columns differ in \['email', 'subject'\]"):
        mails.union(mails.select("mid"))
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['subject'\].*declared schema"):
        mails.execute({"mails": MAILS.drop(columns="subject")})
    with pytest.raises(SchemaError, match="two different sources are both named 'mails'"):
        mails.join(le.from_pandas(MAILS, "mails", key="mid"), on="mid")
    with pytest.raises(DuplicateColumnError, match="would give two columns named"):
        mails.rename(columns={"email": "subject"})


def test_failing_user_function_names_the_row(mails: le.Table) -> None:
    broken = mails.project("n", "subject", lambda s: int(s), vectorized=False)
    with pytest.raises(UserFunctionError, match=r"project 'n'.*failed on \{'subject': 'Hi'\}"):
        broken.execute()
    scalar = mails.project("n", "subject", lambda s: 1, vectorized=True)
    with pytest.raises(UserFunctionError, match="must return one value per row"):
        scalar.execute()


def test_lineage_through_joins_renames_and_projections(mails: le.Table, customers: le.Table) -> None:
    prepared = (
        mails.join(customers.rename(columns={"level": "tier"}), on="email")
        .project("title", "subject", str.lower)
        .project("is_premium", "tier", lambda t: t == "premium")
        .rename(columns={"mid": "mail_id"})
        .select("mail_id", "email", "title", "is_premium")
    )
    assert prepared.lineage == {
        "mail_id": {SourceColumn("mails", "mid")},
        "email": {SourceColumn("mails", "email"), SourceColumn("customers", "email")},
        "title": {SourceColumn("mails", "subject")},
        "is_premium": {SourceColumn("customers", "level")},
    }
    assert prepared.row_lineage == {SourceColumn("mails", "email"), SourceColumn("customers", "email")}
    result = prepared.execute()
    rows, columns = result.cells_from("customers", [1], columns=["level"])
    assert columns == ["is_premium"] and result.frame.mail_id[rows].tolist() == [1, 2]
