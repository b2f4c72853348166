"""Every registered case of the three parts: the development cases (cases.py, and cases_econ.py of round 12),
the validation cases (cases_val.py) and the held-out test cases (cases_heldout.py). Importing this module
registers them all in `CASES`."""

from __future__ import annotations

from benchmarks.synthesis import cases, cases_econ, cases_heldout, cases_val  # noqa: F401 - importing registers the cases
from benchmarks.synthesis.registry import CASES

__all__ = ["CASES"]
