"""The running example's pipeline as a data scientist first wrote it: CSVs parsed by
hand, a hand-coded hash join and NumPy features (the "before" picture of LESTER).

Kept deliberately imperative; it is the reference that declarative rewrites of
the same computation are compared against, so it must stay correct.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from lester_dagster.features.text import embed_texts

__all__ = ["encode", "labels", "prepare", "run"]


def prepare(customers_csv: str | Path, mails_csv: str | Path) -> list[dict]:
    target_countries = ["UK", "DE", "FR"]
    sentiment_analyzer = SentimentIntensityAnalyzer()

    customer_data = {}
    # newline="" lets csv.reader handle quoted fields itself (texts have commas and quotes)
    with open(customers_csv, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for parts in reader:
            customer_id, customer_email, bank, country, level = parts
            is_premium = level == "premium"
            if country in target_countries:
                customer_data[customer_email] = (bank, country, is_premium)

    rows = []
    with open(mails_csv, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for parts in reader:
            mail_id, email, raw_date, mail_subject, mail_text = parts
            # ISO dates compare correctly as strings
            if raw_date < "2022-01-01":
                continue
            lowered = mail_text.lower()
            if not ("complaint" in lowered or "bank account" in lowered):
                continue
            if email not in customer_data:
                continue
            bank, country, is_premium = customer_data[email]
            title = mail_subject.lower()
            text = mail_text.lower()
            # VADER on the ORIGINAL body: it reads capitals as emphasis
            # ("UNACCEPTABLE" scores stronger than "unacceptable"), so
            # lowercasing first would throw signal away.
            sentiment = sentiment_analyzer.polarity_scores(mail_text)["compound"]
            rows.append(
                {
                    "title": title,
                    "text": text,
                    "bank": bank,
                    "country": country,
                    "sentiment": float(sentiment),
                    "is_premium": is_premium,
                }
            )
    return rows


def encode(rows: list[dict]) -> np.ndarray:
    if len(rows) == 0:
        raise ValueError("no rows to encode: the filters removed every mail")

    titles = []
    texts = []
    countries = []
    for row in rows:
        titles.append(row["title"])
        texts.append(row["text"])
        countries.append(row["country"])

    title_embeddings = embed_texts(titles)
    text_embeddings = embed_texts(texts)

    # word count of the title, standardised by hand (population std, like np.std).
    # Counted here rather than with word_counts() so that this stays an
    # independent oracle for the declarative WordCounter.
    title_wc = []
    for title in titles:
        title_wc.append(len(title.split()))
    title_wc = np.array(title_wc, dtype=np.float64)
    mean = np.mean(title_wc)
    std = np.std(title_wc)
    if std == 0:
        std = 1.0
    title_wc_std = ((title_wc - mean) / std).reshape(-1, 1)

    # one-hot country, categories in alphabetical order
    categories = sorted(set(countries))
    country_index = {}
    for i, c in enumerate(categories):
        country_index[c] = i
    country_onehot = np.zeros((len(countries), len(categories)))
    for i, c in enumerate(countries):
        country_onehot[i, country_index[c]] = 1.0

    X = np.hstack([title_embeddings, text_embeddings, title_wc_std, country_onehot])
    X = X.astype(np.float64)
    return X


def labels(rows: list[dict]) -> np.ndarray:
    y = []
    for row in rows:
        if row["sentiment"] < 0 and row["is_premium"]:
            y.append(1)
        else:
            y.append(0)
    return np.array(y, dtype=np.int64)


def run(data_dir: str | Path) -> tuple[list[dict], np.ndarray, np.ndarray]:
    data_dir = Path(data_dir)
    rows = prepare(data_dir / "customers.csv", data_dir / "mails.csv")
    X = encode(rows)
    y = labels(rows)
    return rows, X, y


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m example_project.messy_pipeline DATA_DIR", file=sys.stderr)
        sys.exit(2)
    rows, X, y = run(sys.argv[1])
    print(f"prepared rows: {len(rows)}")
    print(f"X: {X.shape} {X.dtype}")
    print(f"y: {y.shape}, positives: {int(y.sum())}")
