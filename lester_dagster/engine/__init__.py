"""The declarative dataframe engine: pandas-like verbs that build a plan of operators, each declaring its
columns' lineage and how row provenance flows; the pandas backend runs it with provenance. No Dagster here.

    import lester_dagster.engine as le
    customers = le.read_csv("customers.csv", name="customers", key="customer_id")
"""

from lester_dagster.engine.execute import Result, SourceData, execute
from lester_dagster.engine.table import AGGREGATES, GroupBy, Table, explain, from_pandas, read_csv, read_parquet, udf

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
    "udf",
]
