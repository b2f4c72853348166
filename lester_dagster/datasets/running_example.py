"""Seeded generator for the LESTER running example: bank customers and their
e-mails, with credit card numbers leaked into a few German customers' subjects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CARD_PATTERN",
    "COUNTRY_WEIGHTS",
    "NEGATIVE_SUBJECTS",
    "NEUTRAL_SUBJECTS",
    "POSITIVE_SUBJECTS",
    "generate",
    "leaked_mail_ids",
    "write_csvs",
    "write_lake",
]

# IGNORECASE so the same pattern finds the leak in the raw subject and in the
# lowercased title that the pipelines derive from it.
CARD_PATTERN = re.compile(r"my credit card is \d{16}", re.IGNORECASE)

MAILS_PER_CUSTOMER = 10
PREMIUM_SHARE = 0.10
UNKNOWN_SENDER_SHARE = 0.01
PRE_2022_SHARE = 0.10
LEAK_SHARE = 0.02
LEAK_COUNTRY = "DE"

COUNTRY_WEIGHTS: dict[str, float] = {
    "UK": 0.30,
    "DE": 0.25,
    "FR": 0.20,
    "US": 0.06,
    "ES": 0.05,
    "IT": 0.05,
    "NL": 0.04,
    "PL": 0.03,
    "AT": 0.02,
}
BANK_WEIGHTS: dict[str, float] = {
    "Apex Bank": 0.25,
    "Meridian Savings": 0.20,
    "Bluewater Bank": 0.20,
    "Stadtbank Nord": 0.15,
    "Crédit Solaire": 0.12,
    "Northern Co-operative": 0.08,
}

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ines",
    "Jonas", "Katie", "Lukas", "Marie", "Noah", "Olivia", "Paul", "Quentin",
    "Rosa", "Sam", "Tara", "Ulrich", "Vera", "William", "Xenia", "Yusuf", "Zoe",
    "Amelie", "Chloe", "Leon", "Sophie",
)
LAST_NAMES = (
    "Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Mueller",
    "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Martin", "Bernard",
    "Dubois", "Thomas", "Robert", "Richard", "Petit", "Garcia", "Rossi",
    "Kowalski", "Jansen", "Novak", "Moreau", "Laurent", "Wagner", "Hoffmann",
    "Clarke",
)

# Mail kinds: the subject/text pools below are indexed by these.
NEGATIVE, POSITIVE, NEUTRAL = 0, 1, 2
KIND_SHARES = (0.45, 0.40, 0.15)

NEGATIVE_SUBJECTS = (
    "Complaint", "Formal complaint", "COMPLAINT - urgent",
    "Problem with my bank account", "Bank account blocked",
    "Still waiting for a refund", "Unacceptable service",
    "Wrong charges on my statement", "Re: Re: your so-called support",
    "Very disappointed", "URGENT: money missing",
    "Terrible experience at the branch",
)
POSITIVE_SUBJECTS = (
    "Thank you!", "Great service", "Complaint resolved, thanks",
    "Happy customer", "Thanks for the quick help", "Compliments to your team",
    "Re: my new account", "All sorted",
)
NEUTRAL_SUBJECTS = (
    "Question", "Address change", "Information request", "Re: your letter",
    "Statement for March", "Opening hours", "Question about fees",
)

TOPICS = (
    "the fees on my credit card", "a transfer that never arrived",
    "the new mobile app", "my mortgage application", "the overdraft charges",
    "a card payment abroad", "the branch in my town", "my savings plan",
    "the online banking login", "a standing order", "the interest rate change",
    "my joint account with my partner",
)
# "{}" marks where the topic goes. Negative templates mostly carry one of the
# pipeline's keywords in varying case, so lowercasing matters for the filter;
# a few negative and most positive/neutral ones carry none.
TEMPLATES = (
    (
        "I am writing to file a formal complaint about {}.",
        "This is my second Complaint about {}, and I am losing patience.",
        "I want to make a COMPLAINT regarding {}.",
        "Please treat this as an official complaint concerning {}.",
        "There is a serious problem with my bank account because of {}.",
        "My Bank Account has been blocked for a week because of {}.",
        "Money keeps disappearing from my bank account, and I blame {}.",
        "I cannot access my BANK ACCOUNT since you changed {}.",
        "I am extremely disappointed with {}.",
        "I am fed up with {}, nobody is able to help me.",
    ),
    (
        "I would like to withdraw my complaint about {}, it was all sorted out.",
        "My complaint about {} was handled quickly, thank you!",
        "Opening my new bank account was easy, and {} works great.",
        "Thanks for explaining {} and for moving everything to my Bank Account.",
        "I just wanted to say that {} is excellent.",
        "Great news: {} finally works perfectly.",
        "Your team was very helpful with {}.",
        "I am really happy with {}.",
    ),
    (
        "Could you send me more information about {}?",
        "I would like to know whether {} is available in my country.",
        "Please update my address for {}.",
        "Can you tell me how to change {} online?",
        "How do I link {} to a second bank account?",
    ),
)
DETAILS = (
    (
        'Your hotline told me "it will be fixed tomorrow", but nothing happened, what a disgrace.',
        "I have called three times, and every time I was put on hold for an hour.",
        "This is UNACCEPTABLE and I expect a refund immediately.",
        "Frankly, this is the worst service I have ever experienced.",
        "I am angry, frustrated, and seriously considering leaving your bank.",
        "Nobody answers my e-mails, which is ridiculous and insulting.",
        'The app just shows "Error 500", again and again, it is useless.',
    ),
    (
        "The staff at the branch were friendly, patient, and very professional.",
        'Your colleague said "no problem at all", and she was right.',
        "Everything was resolved within a day, which I really appreciate.",
        "I will happily recommend you to my friends and family.",
        "Keep up the great work!",
    ),
    (
        "I have attached the form, filled in and signed.",
        "My customer number should be in your records.",
        "There is no rush, next week is fine.",
        'The reference on the letter says "see enclosed terms".',
    ),
)
CLOSINGS = (
    (
        "I am very disappointed.",
        "I expect an answer within a week, otherwise I will go to the ombudsman.",
        "This is a scandal.",
    ),
    ("Thanks again!", "Many thanks,", "Best wishes, and thank you,"),
    ("Thank you in advance.", "Kind regards,", "Best,"),
)
GREETINGS = (
    "Hello,", "Dear Sir or Madam,", "Hi there,", "Good morning,", "Hello team,",
    "To whom it may concern,", "Hi,",
)
CURRENCIES = ("EUR", "GBP", "USD")
AMOUNT_SHARE = 0.4

# Day ranges [start, end) for dates before and from 2022.
_EARLY = (np.datetime64("2019-01-01"), np.datetime64("2022-01-01"))
_LATE = (np.datetime64("2022-01-01"), np.datetime64("2025-01-01"))


def _pool(strings: tuple[str, ...]) -> np.ndarray:
    # Object arrays: element-wise `+` concatenates Python strings in C, which is
    # far faster than a Python loop and keeps arbitrary lengths.
    return np.array(strings, dtype=object)


def _kind_index(
    rng: np.random.Generator, pools: tuple[tuple[str, ...], ...], kind: np.ndarray
) -> np.ndarray:
    """Per row, an index into the flattened pools that falls in the row's kind."""
    sizes = np.array([len(p) for p in pools])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    within = (rng.random(kind.size) * sizes[kind]).astype(np.int64)
    return offsets[kind] + within


def _flat(pools: tuple[tuple[str, ...], ...]) -> np.ndarray:
    return _pool(tuple(s for p in pools for s in p))


def _pick_by_kind(
    rng: np.random.Generator, pools: tuple[tuple[str, ...], ...], kind: np.ndarray
) -> np.ndarray:
    return _flat(pools)[_kind_index(rng, pools, kind)]


def _weighted(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    names = _pool(tuple(weights))
    p = np.array(list(weights.values()))
    return names[rng.choice(len(names), size=n, p=p / p.sum())]


def _customers(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    customer_id = np.arange(1, n + 1, dtype=np.int64)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    firsts = _pool(tuple(f.lower() for f in FIRST_NAMES))
    lasts = _pool(tuple(name.lower() for name in LAST_NAMES))
    # The id suffix makes addresses unique however many name collisions occur.
    email = (
        firsts[first] + "." + lasts[last] + customer_id.astype(str).astype(object)
        + "@example.com"
    )
    bank = _weighted(rng, BANK_WEIGHTS, n)
    country = _weighted(rng, COUNTRY_WEIGHTS, n)
    level = np.where(rng.random(n) < PREMIUM_SHARE, "premium", "standard").astype(object)
    customers = pd.DataFrame(
        {
            "customer_id": customer_id,
            "customer_email": email,
            "bank": bank,
            "country": country,
            "level": level,
        }
    )
    return customers, _pool(FIRST_NAMES)[first]


def _dates(rng: np.random.Generator, n: int) -> np.ndarray:
    early = rng.random(n) < PRE_2022_SHARE
    span_early = int((_EARLY[1] - _EARLY[0]).astype(np.int64))
    span_late = int((_LATE[1] - _LATE[0]).astype(np.int64))
    offset = (rng.random(n) * np.where(early, span_early, span_late)).astype(np.int64)
    start = np.where(early, _EARLY[0], _LATE[0])
    return (start + offset.astype("timedelta64[D]")).astype(str).astype(object)


def _texts(
    rng: np.random.Generator, kind: np.ndarray, signature: np.ndarray
) -> np.ndarray:
    n = kind.size
    # Separators are folded into the small pools up front: each `+` over a
    # million rows costs far more than rebuilding a pool of a dozen strings.
    greeting = _pool(tuple(g + " " for g in GREETINGS))[rng.integers(0, len(GREETINGS), n)]
    template = _kind_index(rng, TEMPLATES, kind)
    halves = [t.split("{}", 1) for t in _flat(TEMPLATES)]
    before = _pool(tuple(h[0] for h in halves))[template]
    after = _pool(tuple(h[1] for h in halves))[template]
    topics = _pool(TOPICS)[rng.integers(0, len(TOPICS), n)]

    with_amount = rng.random(n) < AMOUNT_SHARE
    k = int(with_amount.sum())
    euros = rng.integers(5, 5000, k).astype(str).astype(object)
    cents = _pool(tuple(f".{c:02d} " for c in range(100)))[rng.integers(0, 100, k)]
    currency = _pool(tuple(c + "." for c in CURRENCIES))[rng.integers(0, len(CURRENCIES), k)]
    amount = np.full(n, "", dtype=object)
    amount[with_amount] = " The amount in question is " + euros + cents + currency

    details = _flat(tuple(tuple(" " + d + " " for d in p) for p in DETAILS))[
        _kind_index(rng, DETAILS, kind)
    ]
    closing = _flat(tuple(tuple(c + " " for c in p) for p in CLOSINGS))[
        _kind_index(rng, CLOSINGS, kind)
    ]
    return greeting + before + topics + after + amount + details + closing + signature


def _subjects(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    subject = _pick_by_kind(rng, (NEGATIVE_SUBJECTS, POSITIVE_SUBJECTS, NEUTRAL_SUBJECTS), kind)
    # Some senders shout or never press shift: case must not matter downstream.
    casing = rng.random(kind.size)
    upper = casing < 0.05
    lower = casing > 0.95
    if upper.any():
        subject[upper] = np.char.upper(subject[upper].astype(str)).astype(object)
    if lower.any():
        subject[lower] = np.char.lower(subject[lower].astype(str)).astype(object)
    return subject


def generate(n_mails: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate (customers, mails) with about ten mails per customer.

    Deterministic for a given (n_mails, seed); a different n_mails draws a
    different data set, not a prefix of a larger one.

    >>> customers, mails = generate(100, seed=1)
    >>> len(customers), len(mails)
    (10, 100)
    """
    if n_mails < 0:
        raise ValueError(f"n_mails must be >= 0, got {n_mails}")
    rng = np.random.default_rng(seed)
    n_customers = max(1, n_mails // MAILS_PER_CUSTOMER)
    customers, first_names = _customers(rng, n_customers)
    emails = customers["customer_email"].to_numpy(dtype=object)
    countries = customers["country"].to_numpy(dtype=object)

    n = n_mails
    sender = rng.integers(0, n_customers, n)
    unknown = rng.random(n) < UNKNOWN_SENDER_SHARE
    # A different domain keeps unknown senders from ever matching a customer.
    unknown_number = rng.integers(0, 10 * n + 10, n).astype(str).astype(object)
    unknown_email = "former.customer" + unknown_number + "@example.net"
    email = np.where(unknown, unknown_email, emails[sender])
    signature = np.where(
        unknown, _pool(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)], first_names[sender]
    )

    kind = rng.choice(3, size=n, p=KIND_SHARES)
    raw_date = _dates(rng, n)
    subject = _subjects(rng, kind)
    text = _texts(rng, kind, signature)

    # An exact share (at least one) rather than a coin flip per mail, so even
    # the smallest data sets carry a leak for the deletion scenario to remove.
    candidates = np.flatnonzero(
        ~unknown & (countries[sender] == LEAK_COUNTRY) & (kind == NEGATIVE)
    )
    n_leaked = max(1, round(LEAK_SHARE * candidates.size)) if candidates.size else 0
    leaked = np.zeros(n, dtype=bool)
    leaked[rng.choice(candidates, size=n_leaked, replace=False)] = True
    # Visa/Mastercard-like leading digit; 16 digits fit comfortably in int64.
    card = rng.integers(4, 6, n) * 10**15 + rng.integers(0, 10**15, n)
    subject = np.where(
        leaked, subject + " My credit card is " + card.astype(str).astype(object), subject
    )

    mails = pd.DataFrame(
        {
            "mail_id": np.arange(1, n + 1, dtype=np.int64),
            "email": email,
            "raw_date": raw_date,
            "mail_subject": subject,
            "mail_text": text,
        }
    )
    return customers, mails


def leaked_mail_ids(mails: pd.DataFrame) -> np.ndarray:
    """mail_id of every mail whose subject carries a card number."""
    hit = mails["mail_subject"].str.contains(CARD_PATTERN.pattern, case=False, regex=True, na=False)
    return mails.loc[hit.to_numpy(dtype=bool), "mail_id"].to_numpy()


def write_csvs(out_dir: str | Path, n_mails: int, seed: int = 0) -> dict[str, Path]:
    """Generate the data set and write customers.csv and mails.csv into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    customers, mails = generate(n_mails, seed)
    paths = {"customers": out / "customers.csv", "mails": out / "mails.csv"}
    customers.to_csv(paths["customers"], index=False)
    mails.to_csv(paths["mails"], index=False)
    return paths


LAKE_FORMATS = ("delta", "csv", "parquet")


def write_lake(out_dir: str | Path, n_mails: int, seed: int = 0, format: str = "delta") -> dict[str, Path]:
    """Generate the data set into a data lake: Delta tables `customers/` and `mails/` (the default), or
    CSV / Parquet files."""
    if format not in LAKE_FORMATS:
        raise ValueError(f"lake format must be one of {LAKE_FORMATS}, got {format!r}.")
    if format == "csv":
        return write_csvs(out_dir, n_mails, seed)
    customers, mails = generate(n_mails, seed)
    remote = "://" in str(out_dir)
    if remote and format != "delta":
        raise ValueError(f"a lake on an object store ({out_dir}) holds Delta tables; use format='delta'.")
    out = Path(out_dir) if not remote else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {}
    for name, frame in (("customers", customers), ("mails", mails)):
        if format == "parquet":
            paths[name] = out / f"{name}.parquet"  # type: ignore[operator]
            frame.to_parquet(paths[name], index=False)
        else:
            from lester_dagster.storage.tables import write_delta

            paths[name] = out / name if out is not None else f"{str(out_dir).rstrip('/')}/{name}"
            write_delta(str(paths[name]), frame)
    return paths
