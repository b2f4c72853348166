"""The declarative dataframe engine: pandas-like verbs that build a plan of operators, each declaring its
columns' lineage and how row provenance flows; the pandas backend runs it with provenance. No Dagster here.

    import lester_dagster.engine as le
    customers = le.read_csv("customers.csv", name="customers", key="customer_id")
    mails = le.source("mails", {"mail_id": "int64", "email": "string"}, key="mail_id")  # rows given per run
"""

from lester_dagster.engine.execute import Result, SourceData, execute
from lester_dagster.engine.table import (
    AGGREGATES,
    GroupBy,
    Table,
    explain,
    from_pandas,
    read_csv,
    read_parquet,
    source,
    udf,
)

__all__ = [
    "AGGREGATES",
    "GroupBy",
    "Result",
    "SourceData",
    "Table",
    "execute",
    "explain",
    "from_pandas",
    "read_csv",
    "read_parquet",
    "source",
    "udf",
]
