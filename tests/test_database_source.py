"""A lake source in a database: the customers live in a PostgreSQL table (a real server on a free loopback
port, Debian's binaries), the mails in a Delta table that refers to them. A customer's erasure, filed by
e-mail address, removes the row from the database in one transaction (bound parameters, no value in any
statement), follows the reference to their mails in Delta, reaches every artifact, and leaves no copy in
the table's files (VACUUM FULL) or anywhere lester scans."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy

from example_project.declarative_pipeline import WORD_COUNT_PIPELINE
from lester_dagster.datasets.running_example import generate
from lester_dagster.orchestration import LakeSource, lester_definitions
from lester_dagster.proof import ErasureTarget, scan_for_erased_data
from lester_dagster.storage.tables import SqlSource, write_delta
from tests.lester_project import apply_pending, file_request, refresh
from tests.postgres_server import postgres


@pytest.fixture(scope="module")
def database():
    with postgres() as server:
        yield server


def test_a_customer_in_postgres_is_erased_with_their_mails(database: tuple[str, Path], tmp_path: Path) -> None:
    url, data = database
    customers, mails = generate(800, seed=3)
    engine = sqlalchemy.create_engine(url)
    customers.to_sql("customers", engine, index=False, if_exists="replace")
    engine.dispose()
    write_delta(str(tmp_path / "lake" / "mails"), mails)
    sources = [
        LakeSource("customers", "customer_id", ("customer_id", "customer_email", "bank", "country", "level"),
                   location=url),
        LakeSource("mails", "mail_id", ("mail_id", "email", "raw_date", "mail_subject", "mail_text"),
                   references={"email": "customers.customer_email"}),
    ]
    defs = lester_definitions([WORD_COUNT_PIPELINE], sources, str(tmp_path / "lake"), str(tmp_path / "artifacts"))
    lake, io = defs.resources["lake"], defs.resources["lester_io"]
    assert isinstance(lake.table("customers"), SqlSource)
    counts = mails.email.value_counts()
    customer = customers[customers.customer_email.isin(counts[counts >= 2].index)].iloc[0]
    email = str(customer.customer_email)
    with dg.instance_for_test() as instance:
        assert refresh(defs, instance).success
        file_request(lake, {"source": "customers", "where": {"customer_email": [email]}, "action": "erase"})
        assert all(r.success for r in apply_pending(defs, instance, lake, io))
    with sqlalchemy.create_engine(url).connect() as connection:
        left = connection.execute(sqlalchemy.text("SELECT count(*) FROM customers WHERE customer_email = :e"),
                                  {"e": email}).scalar()
        total = connection.execute(sqlalchemy.text("SELECT count(*) FROM customers")).scalar()
    assert left == 0 and total == len(customers) - 1
    assert not lake.read("mails").email.eq(email).any()
    (entry,) = lake.journal.entries()
    assert entry.state == "applied" and entry.verified
    assert [(e.source, len(e.keys)) for e in entry.effects] == [("customers", 1), ("mails", int(counts[email]))]
    # the table's files hold no copy after VACUUM FULL; the write-ahead log still does until the server
    # recycles it, which is the database's to manage (see the README)
    scan = scan_for_erased_data({"postgres": data}, ErasureTarget(values=[email]), exclude=[data / "pg_wal"])
    assert scan.clean, scan.to_dict()
