"""The running example's second pipeline over the same lake: which customers are at risk of leaving,
from how often and how negatively they wrote since 2022. It aggregates mails per customer, so a deletion
in `mails` reaches it through a sum polynomial and its groups are recomputed from the remaining mails."""

from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import lester_dagster.engine as le
from example_project.declarative_pipeline import FIRST_DAY, SOURCES, sentiment
from lester_dagster.model import ModelConfig
from lester_dagster.pipeline import PipelineSpec

LABEL = "at_risk"


def prepare(customers: le.Table, mails: le.Table) -> le.Table:
    scored = (
        mails.filter("raw_date >= @start", start=FIRST_DAY)
        .project("sentiment", "mail_text", sentiment, vectorized=False)
        .project("negative", "sentiment", lambda s: (s < -0.05).astype("int64"))
    )
    per_customer = scored.groupby("email").agg(
        n_mails=("mail_id", "count"), n_negative=("negative", "sum"), mean_sentiment=("sentiment", "mean")
    )
    return (
        customers.join(per_customer, left_on="customer_email", right_on="email")
        .project(LABEL, "n_negative", lambda n: (n >= 2).astype("int64"))
        .select("country", "bank", "level", "n_mails", "mean_sentiment", LABEL)
    )


def encoder() -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("activity", StandardScaler(), ["n_mails", "mean_sentiment"]),
            ("profile", OneHotEncoder(sparse_output=False, handle_unknown="ignore"), ["country", "bank", "level"]),
        ],
        sparse_threshold=0.0,
    )


CUSTOMER_RISK = PipelineSpec(
    name="customer_risk",
    sources=SOURCES,
    prepare=prepare,
    encoder=encoder,
    label=LABEL,
    model=ModelConfig(hidden=(16,), epochs=40),
)
