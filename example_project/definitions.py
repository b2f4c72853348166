"""The example project's Dagster code location: the complaint classifier, the customer-risk model and a
synthesised report over one data lake of customers and mails. `workspace.yaml` at the repo root points here.

The lake and artifact folders default to `data/` and `artifacts/` in the working directory; set
LESTER_LAKE and LESTER_ARTIFACTS to move them. LESTER_FEATURES=word-counts swaps the classifier's MiniLM
embeddings for word counts (same assets and provenance, seconds instead of minutes at 100k mails).
"""

import os
from pathlib import Path

from example_project.customer_risk import CUSTOMER_RISK
from example_project.declarative_pipeline import PIPELINE, WORD_COUNT_PIPELINE
from lester_dagster.orchestration import LakeSource, lester_definitions
from lester_dagster.orchestration.synthesized import synthesized_pipelines

LAKE_SOURCES = [
    LakeSource("customers", "customer_id", ("customer_id", "customer_email", "bank", "country", "level")),
    # a mail's sender refers to a customer: erasing a customer erases their mails too
    LakeSource("mails", "mail_id", ("mail_id", "email", "raw_date", "mail_subject", "mail_text"),
               references={"email": "customers.customer_email"}),
]

# specs written by `lester-dagster synthesize` (the report of mails per bank and country)
SYNTHESIZED = synthesized_pipelines(Path(__file__).parent / "synthesized", {s.name: s.key for s in LAKE_SOURCES})

PIPELINES = [
    WORD_COUNT_PIPELINE if os.environ.get("LESTER_FEATURES") == "word-counts" else PIPELINE,
    CUSTOMER_RISK,
    *SYNTHESIZED,
]

defs = lester_definitions(
    PIPELINES,
    LAKE_SOURCES,
    lake_dir=os.environ.get("LESTER_LAKE", "data"),
    artifacts_dir=os.environ.get("LESTER_ARTIFACTS", "artifacts"),
)
