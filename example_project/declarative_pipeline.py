"""The running example's pipeline rewritten declaratively: data preparation on the lester_dagster engine
(so every prepared row and column carries its provenance) and feature encoding as an unfitted
scikit-learn ColumnTransformer. It computes exactly what `messy_pipeline.py` computes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import lester_dagster.engine as le
from lester_dagster.errors import MissingExtraError
from lester_dagster.features.text import SentenceEmbedder, WordCounter
from lester_dagster.model import ModelConfig
from lester_dagster.pipeline import PipelineSpec

TARGET_COUNTRIES = ("UK", "DE", "FR")
FIRST_DAY = "2022-01-01"
LABEL = "label"
# source name -> key column: the ids that deletion requests name
SOURCES = {"customers": "customer_id", "mails": "mail_id"}

try:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
except ModuleNotFoundError as error:
    raise MissingExtraError(error.name or "vaderSentiment", "example", "the example's sentiment feature") from error

_vader = SentimentIntensityAnalyzer()


def sentiment(text: str | None) -> float:
    """VADER compound score of the original text (it reads capitals as emphasis); a blank (redacted)
    text is neutral."""
    if not isinstance(text, str):
        return 0.0
    return float(_vader.polarity_scores(text)["compound"])


def select_complaints(customers: le.Table, mails: le.Table) -> le.Table:
    """The relational part: complaint and bank-account mails since 2022 from UK/DE/FR customers."""
    customers = customers.filter("country in @countries", countries=list(TARGET_COUNTRIES)).project(
        "is_premium", "level", lambda level: level == "premium"
    )
    mails = mails.filter("raw_date >= @start", start=FIRST_DAY).filter(
        lambda text: text.str.lower().str.contains("complaint|bank account", regex=True), "mail_text"
    )
    return (
        mails.join(customers, left_on="email", right_on="customer_email")
        .project("title", "mail_subject", lambda subject: subject.str.lower())
        .project("text", "mail_text", lambda text: text.str.lower())
    )


def prepare(customers: le.Table, mails: le.Table) -> le.Table:
    """The prepared table: the selected mails with their sentiment."""
    return (
        select_complaints(customers, mails)
        .project("sentiment", "mail_text", sentiment, vectorized=False)
        .select("title", "text", "bank", "country", "sentiment", "is_premium")
    )


def label(prepared: le.Table) -> le.Table:
    """The target: a negative mail from a premium customer."""
    return prepared.project(
        LABEL, ["sentiment", "is_premium"], lambda s, premium: ((s < 0) & premium).astype("int64")
    )


def encoder(model_path: str | None = None) -> ColumnTransformer:
    """Unfitted feature encoding: embeddings of title and text, the title's standardised word count,
    and one-hot country."""
    return ColumnTransformer(
        [
            ("title_embedding", SentenceEmbedder(model_path=model_path), "title"),
            ("text_embedding", SentenceEmbedder(model_path=model_path), "text"),
            ("title_word_count", Pipeline([("count", WordCounter()), ("scale", StandardScaler())]), ["title"]),
            ("country", OneHotEncoder(sparse_output=False, handle_unknown="ignore"), ["country"]),
        ],
        sparse_threshold=0.0,
    )


def load_sources(data_dir: str | Path) -> dict[str, le.Table]:
    data_dir = Path(data_dir)
    return {name: le.read_csv(data_dir / f"{name}.csv", name=name, key=key) for name, key in SOURCES.items()}


def prepare_and_label(customers: le.Table, mails: le.Table) -> le.Table:
    return label(prepare(customers, mails))


PIPELINE = PipelineSpec(
    name="complaints",
    sources=SOURCES,
    prepare=prepare_and_label,
    encoder=encoder,
    label=LABEL,
)


def word_count_encoder() -> ColumnTransformer:
    """The encoder with word counts in place of MiniLM embeddings: the same shape of provenance in
    seconds instead of minutes, for tests and benchmarks of everything around the embeddings."""
    return ColumnTransformer(
        [
            ("title_words", Pipeline([("count", WordCounter()), ("scale", StandardScaler())]), ["title"]),
            ("text_words", WordCounter(), "text"),
            ("country", OneHotEncoder(sparse_output=False, handle_unknown="ignore"), ["country"]),
            ("bank", OneHotEncoder(sparse_output=False, handle_unknown="ignore"), ["bank"]),
        ],
        sparse_threshold=0.0,
    )


WORD_COUNT_PIPELINE = replace(
    PIPELINE, name="complaints_word_counts", encoder=word_count_encoder, model=ModelConfig(epochs=15, hidden=(16,))
)
