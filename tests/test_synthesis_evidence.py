"""Evidence the ranker weighs beside the column mapping: counted rows, row-aligned agreement, keys that
hold by chance, and names that say which aggregate made a column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.alignment import Aligner, output_agreement
from lester_dagster.synthesis.constraints import discover
from lester_dagster.synthesis.evidence import count_surprise, null_mismatch
from lester_dagster.synthesis.names import names_column
from lester_dagster.synthesis.predict import name_tokens
from lester_dagster.synthesis.profile import Tab

RNG = np.random.default_rng(3)


def _flights(n: int) -> pd.DataFrame:
    delay = RNG.normal(10, 30, n)
    delay[RNG.random(n) < 0.08] = np.nan  # cancelled: no arrival delay
    return pd.DataFrame({"flight": np.arange(n), "origin": RNG.choice(["EWR", "JFK", "LGA"], n), "delay": delay})


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("origin").agg(n=("flight", "count")).reset_index()


def test_counting_every_row_where_the_target_counts_completed_ones_is_surprising() -> None:
    train, test = _flights(2000), _flights(2000)
    target = _counts(test.dropna())  # the analyst counted completed flights
    step = (ops.GroupBy("s1", "flights", ("origin",), (("n", "flight", "count"),)),)
    pairs = {"origin": "origin", "n": "n"}
    everything = count_surprise(step, _counts(train), target, pairs, len(train))
    completed = count_surprise(step, _counts(train.dropna()), target, pairs, len(train))
    assert everything > 4.0  # 2000 rows against about 1840: far beyond sampling noise
    assert completed == 0.0  # other rows, the same filter: within the noise


def test_the_counted_rows_come_from_the_input_that_holds_the_counted_column() -> None:
    # 700 flights joined to a lookup of 3,000 airports: the flights' count per origin is a share of 700 rows,
    # so 700 counted where the target counts about 650 completed ones is far beyond the noise
    train, test = _flights(700), _flights(700)
    flights, airports = (700, list(train.columns)), (3000, ["faa", "name", "tz"])
    target = _counts(test.dropna())
    step = (ops.GroupBy("s1", "flights", ("origin",), (("n", "flight", "count"),)),)
    pairs = {"origin": "origin", "n": "n"}
    assert count_surprise(step, _counts(train), target, pairs, [flights, airports]) > 4.0
    assert count_surprise(step, _counts(train.dropna()), target, pairs, [flights, airports]) == 0.0
    # two files of 350 stacked: the counted rows come from both, a share of 700, not of one file
    filtered = test[test["origin"] != "EWR"]
    share = _counts(train[train["origin"] != "EWR"])
    files = [(350, list(train.columns)), (350, list(train.columns))]
    assert count_surprise(step, share, _counts(filtered), pairs, files) == 0.0


def test_a_filtered_count_beside_a_small_lookup_is_a_share_of_its_own_input() -> None:
    """The cancelled flights (about one in ten) of 1,000, beside a lookup of 120 airports: the count is a share
    of the 1,000 flights, not of the 120 rows of the smallest input that holds as many; the right pipeline on
    other halves is hardly ever surprising (a review's reproduction: 31% of the time with n = 120)."""
    rng = np.random.default_rng(5)
    step = (ops.GroupBy("s1", "flights", ("origin",), (("n", "flight", "count"),)),)
    pairs = {"origin": "origin", "n": "n"}
    surprised = 0
    for _ in range(200):
        cancelled = [_counts(f[rng.random(len(f)) < 0.1]) for f in (_flights(1000), _flights(1000))]
        sources = [(1000, ["flight", "origin", "delay"]), (120, ["faa", "tz"])]
        surprised += count_surprise(step, cancelled[0], cancelled[1], pairs, sources) > 0
    assert surprised <= 20


def test_a_sum_of_a_flag_counts_the_rows_flagged() -> None:
    """Patients per race counted as the sum of a flag 1 for 90% of them count fewer rows than the target's
    patients; the count of rows beside the sum of another flag (reinfections) is within the noise, each
    column against its own."""
    def patients(n: int) -> pd.DataFrame:
        return pd.DataFrame({"race": RNG.choice(["B", "W"], n), "examined": (RNG.random(n) < 0.9).astype(int),
                             "reinfected": (RNG.random(n) < 0.3).astype(int)})

    train, test = patients(600), patients(600)
    target = test.groupby("race").agg(patients=("race", "size"), reinfections=("reinfected", "sum")).reset_index()
    pairs = {"race": "race", "patients": "patients", "reinfections": "reinfections"}
    flags = frozenset({"patients", "reinfections"})
    wrong = (ops.GroupBy("s1", "t", ("race",), (("patients", "examined", "sum"), ("reinfections", "reinfected", "sum"))),)
    right = (ops.GroupBy("s1", "t", ("race",), (("patients", "race", "size"), ("reinfections", "reinfected", "sum"))),)
    summed = train.groupby("race").agg(patients=("examined", "sum"), reinfections=("reinfected", "sum")).reset_index()
    counted = train.groupby("race").agg(patients=("race", "size"), reinfections=("reinfected", "sum")).reset_index()
    columns = [(600, list(train.columns))]
    assert count_surprise(wrong, summed, target, pairs, columns, flags=flags) > 4.0
    assert count_surprise(right, counted, target, pairs, columns, flags=frozenset({"reinfections"})) == 0.0


def test_a_target_column_that_adds_up_to_every_row_is_a_count_not_another_aggregate() -> None:
    """Flights per origin add up to the 700 flights of the other half (or 699: contiguous halves differ by a
    row): the distinct flight numbers per origin, mapped onto them, add up to far fewer and are surprising;
    a count is not, nor is an aggregate mapped onto a column that adds up to nothing in particular."""
    def flights(n: int) -> pd.DataFrame:
        return pd.DataFrame({"flight": RNG.integers(1, 400, n), "origin": RNG.choice(["EWR", "JFK", "LGA"], n),
                             "dest": RNG.choice([f"D{i}" for i in range(40)], n)})

    train = flights(700)
    sources = [(700, list(train.columns))]
    pairs = {"origin": "origin", "n_flights": "n_flights", "n_destinations": "n_destinations"}
    for rows in (700, 699):
        test = flights(rows)
        target = test.groupby("origin").agg(n_flights=("flight", "count"), n_destinations=("dest", "nunique")
                                            ).reset_index()
        aggs = [(("n_flights", "flight", func), ("n_destinations", "dest", "nunique")) for func in ("nunique", "count")]
        distinct, counted = (train.groupby("origin").agg(**{n: (c, f) for n, c, f in a}).reset_index() for a in aggs)
        steps = [(ops.GroupBy("s1", "flights", ("origin",), a),) for a in aggs]
        assert count_surprise(steps[0], distinct, target, pairs, sources) > 4.0
        assert count_surprise(steps[1], counted, target, pairs, sources) == 0.0
    # the distinct destinations add up to whatever they add up to: no count to stray from
    target = flights(700).groupby("origin").agg(n_flights=("dest", "nunique")).reset_index()
    step = (ops.GroupBy("s1", "flights", ("origin",), (("n_flights", "flight", "nunique"),)),)
    distinct = train.groupby("origin").agg(n_flights=("flight", "nunique")).reset_index()
    assert count_surprise(step, distinct, target, {"origin": "origin", "n_flights": "n_flights"}, sources) == 0.0


def test_a_target_column_that_adds_up_to_the_rows_grouped_is_a_count_of_them() -> None:
    """The flights that find their destination among the airports (about 90% of 700), per time zone: the
    target's flights add up to about as many as the group-by of the searched half reads, not to 700. The
    distinct flight numbers add up to far fewer and are surprising; where the target adds up to much less
    than the rows grouped (a count after a filter the candidate lacks), no such column is there to stray from."""
    def flights(n: int) -> pd.DataFrame:
        found = RNG.random(n) < 0.9
        return pd.DataFrame({"flight": RNG.integers(1, 400, n), "tz": RNG.choice(["-5", "-6", "-8"], n),
                             "found": found})

    train, test = flights(700), flights(700)
    sources = [(700, ["flight", "tz", "found"]), (1400, ["faa", "tz"])]
    pairs = {"tz": "tz", "flights": "flights"}
    joined = train[train["found"]]
    target = test[test["found"]].groupby("tz").agg(flights=("flight", "count")).reset_index()
    distinct = joined.groupby("tz").agg(flights=("flight", "nunique")).reset_index()
    step = (ops.GroupBy("s1", "joined", ("tz",), (("flights", "flight", "nunique"),)),)
    assert count_surprise(step, distinct, target, pairs, sources, grouped=len(joined)) > 4.0
    assert count_surprise(step, distinct, target, pairs, sources) == 0.0  # 630 rows is no input's size
    counted = joined.groupby("tz").agg(flights=("flight", "count")).reset_index()
    counting = (ops.GroupBy("s1", "joined", ("tz",), (("flights", "flight", "count"),)),)
    assert count_surprise(counting, counted, target, pairs, sources, grouped=len(joined)) == 0.0
    fewer = test[test["found"] & (test["flight"] < 200)].groupby("tz").agg(flights=("flight", "count")).reset_index()
    assert count_surprise(step, distinct, fewer, pairs, sources, grouped=len(joined)) == 0.0


def test_a_pivot_whose_cells_add_up_to_the_rows_counts_them_not_a_flag_or_a_mean() -> None:
    """Mothers per birth year (rows) and race (columns), gaps filled with 0: the cells add up to the other
    half's 464 mothers. The sum of a smoking flag or the mean of a duration over the same cells add up to
    far less, however far (a total outside the range of a sample of another size is surprising too, as the
    target is known to count every row); the count is not surprising."""
    def mothers(n: int) -> pd.DataFrame:
        return pd.DataFrame({"year": RNG.integers(78, 86, n), "race": RNG.choice(["race 1", "race 2", "race 3"], n,
                                                                                  p=[0.86, 0.07, 0.07]),
                             "smoke": (RNG.random(n) < 0.3).astype(int), "duration": RNG.integers(1, 60, n)})

    train, test = mothers(464), mothers(464)
    sources = [(464, list(train.columns))]
    target = test.pivot_table(index="year", columns="race", values="smoke", aggfunc="count").fillna(0).reset_index()
    pairs = {"year": "year", **{r: r for r in ("race 1", "race 2", "race 3")}}
    found = {}
    for func, column in (("count", "smoke"), ("sum", "smoke"), ("mean", "duration")):
        cells = train.pivot_table(index="year", columns="race", values=column, aggfunc=func).reset_index()
        cells.columns = [str(c) for c in cells.columns]
        step = (ops.Pivot("s1", "mothers", ("year",), "race", column, func),)
        found[func] = count_surprise(step, cells, target, pairs, sources, grouped=len(train))
    assert found["count"] == 0.0
    assert found["sum"] > 4.0 and found["mean"] > 4.0, found


def test_an_aggregate_of_a_melt_s_values_is_not_held_to_the_rows_they_repeat() -> None:
    """Seizures of 30 patients in four periods, melted to 120 rows, then per period the patients and the
    largest count: the target's largest counts (40, 29, 76, 29) add up to 174, near the 120 rows the group-by
    reads by the ratio alone, and this half's to far less. No input holds the melted values, so no size says
    how many rows there are to count, and the largest counts are not held to a count's total (the right
    pipeline was ranked second so, e15_seizure_counts_by_period)."""
    rng = np.random.default_rng(11)
    seizures = pd.DataFrame({"base": rng.integers(5, 80, 30), **{f"y{i}": rng.integers(0, 20, 30) for i in range(1, 5)}})
    long = seizures.melt(id_vars="base", var_name="period", value_name="value")
    ours = long.groupby("period").agg(patients=("base", "count"), max=("value", "max")).reset_index()
    target = pd.DataFrame({"period": ["y1", "y2", "y3", "y4"], "patients": [29] * 4, "max": [40, 29, 76, 29]})
    steps = (ops.Unpivot("s1", "seizures", ("base",), ("y1", "y2", "y3", "y4"), "period", "value"),
             ops.GroupBy("s2", "s1", ("period",), (("patients", "base", "count"), ("max", "value", "max"))))
    pairs = {"period": "period", "patients": "patients", "max": "max"}
    assert count_surprise(steps, ours, target, pairs, [(30, list(seizures.columns))], grouped=len(long)) == 0.0


def test_a_sum_that_lands_within_the_wide_noise_of_few_rows_grouped_is_no_count() -> None:
    """Heart transplant patients rolled up from 86 follow-up intervals to 50 patients, then per transplant
    status: the target's deaths (19 and 27 of 53 patients) add up to 46, within the noise two samples' 50 of
    86 rows stray by (about 16), as many other sums would. So the deaths are not held to a count's total: the
    right pipeline, whose searched half has 30 deaths, is not surprising (it fell out of the top 10 so,
    heart_patients_by_transplant)."""
    steps = (ops.GroupBy("s1", "heart", ("id",), (("event", "event", "max"), ("transplant", "transplant", "max"))),
             ops.GroupBy("s2", "s1", ("transplant",), (("patients", "id", "count"), ("deaths", "event", "sum"))))
    ours = pd.DataFrame({"transplant": [0, 1], "patients": [22, 28], "deaths": [12, 18]})
    target = pd.DataFrame({"transplant": [0, 1], "patients": [20, 33], "deaths": [19, 27]})
    pairs = {"transplant": "transplant", "patients": "patients", "deaths": "deaths"}
    sources = [(86, ["id", "start", "stop", "event", "transplant"])]
    assert count_surprise(steps, ours, target, pairs, sources, grouped=50) == 0.0


def test_count_surprise_ignores_pipelines_that_count_nothing() -> None:
    train = _flights(500)
    means = train.groupby("origin").agg(d=("delay", "mean")).reset_index()
    step = (ops.GroupBy("s1", "flights", ("origin",), (("d", "delay", "mean"),)),)
    assert count_surprise(step, means, means, {"origin": "origin", "d": "d"}, len(train)) == 0.0


def test_agreement_prefers_values_of_the_same_size_not_only_the_same_order() -> None:
    groups = [f"g{i}" for i in range(12)]
    sizes = RNG.integers(20, 200, len(groups))
    target = pd.DataFrame({"group": groups, "n": sizes})
    aligner = Aligner(target, ("group",))
    count = pd.DataFrame({"group": groups, "n": sizes + RNG.integers(-5, 6, len(groups))})
    largest = pd.DataFrame({"group": groups, "n": np.sqrt(sizes)})  # grows with size, other scale
    pairs = {"group": "group", "n": "n"}
    assert output_agreement(aligner, count, pairs)["n"] > 0.8
    assert output_agreement(aligner, largest, pairs)["n"] < 0.7 * output_agreement(aligner, count, pairs)["n"]


def test_numbers_unique_together_in_a_few_rows_make_no_key() -> None:
    # deaths per day and gender: six days, counts that happen not to repeat as pairs
    target = pd.DataFrame({"day": [f"1992-05-0{i}" for i in range(1, 7)],
                           "Female": [0.0, 1.0, 2.0, 1.0, 1.0, 0.0], "Male": [5.0, 12.0, 3.0, 2.0, 3.0, 1.0]})
    keys = discover(target).keys
    assert ("day",) in keys and ("Female", "Male") not in keys
    # with many rows the same test keeps numeric keys that are keys by design (year, month)
    calendar = pd.DataFrame([(y, m, float(RNG.normal())) for y in range(2010, 2014) for m in range(1, 13)],
                            columns=["year", "month", "rain"])
    assert ("year", "month") in discover(calendar).keys


def test_plural_names_are_read_as_singular() -> None:
    assert name_tokens("n_cities") == {"n", "city"}
    assert name_tokens("flights") == {"flight"}
    assert name_tokens("address") == {"address"}


def test_null_shares_compare_when_one_side_is_all_null() -> None:
    # a generated case crashed the whole search here (division by zero): a target column with a few
    # nulls mapped to a candidate column that is entirely null
    target = Tab(pd.DataFrame({"score": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0]}))
    empty = Tab(pd.DataFrame({"score": [np.nan] * 6}))
    one_row = Tab(pd.DataFrame({"score": [np.nan]}))
    assert null_mismatch(target.profiles(), empty, {"score": "score"}) > 0.0
    assert null_mismatch(one_row.profiles(), Tab(pd.DataFrame({"score": [np.nan, 2.0]})), {"score": "score"}) >= 0.0


@pytest.mark.parametrize(("target", "column", "named"), [
    ("n_dest", "dest", True),  # an abbreviation of the target's word
    ("most_cited", "citestot", True),  # two abbreviations of one word, glued to another
    ("mean_price", "libprice", True),  # the target's word glued to another
    ("mean_temp", "temperature", True),
    ("mean_price", "oclc", False),
    ("most_cited", "city", False),  # three letters alike are no word
    ("patients", "status", False),
    ("mean_abundance", "meandepth", False),  # the function's word glued to another names no column
    ("fries", "pfries", True),  # a word behind a letter (the price of fries), though 'fries' is 'fry'
    ("fries", "pfries2", False),  # the second wave's: its '2' is no word of the target's
    ("tax", "pretax", False),  # behind more than two letters a short word is another word
    ("share_men", "male", True),  # words a heading and a column use for one thing
    ("pct_women", "female", True),
    ("kids_per_home", "children", True),
    ("share_men", "married", False),
    ("share_men", "female", False),
])
def test_a_target_name_names_the_columns_it_abbreviates(target: str, column: str, named: bool) -> None:
    assert names_column(name_tokens(target), name_tokens(column)) is named


def test_a_wide_pivot_of_counts_is_not_surprising_by_chance_in_one_of_its_columns() -> None:
    """Counts per origin and ten categories across: each column against its own strays beyond two standard
    errors now and then by chance (a review's reproduction: 37% of right pipelines surprised), so the counts
    are compared by their total, and the band widens with the number of groups compared."""
    rng = np.random.default_rng(7)
    categories = [f"c{k}" for k in range(10)]
    step = (ops.Pivot("s1", "t", ("origin",), "cat", "flight", "count"),)
    pairs = {"origin": "origin", **{c: c for c in categories}}

    def wide(n: int) -> pd.DataFrame:
        frame = pd.DataFrame({"flight": np.arange(n), "origin": rng.choice(["EWR", "JFK", "LGA"], n),
                              "cat": rng.choice(categories, n)})
        frame = frame[rng.random(n) < 0.5]  # a filter the target's pipeline applied too
        return frame.pivot_table(index="origin", columns="cat", values="flight", aggfunc="count").reset_index()

    surprised = sum(count_surprise(step, wide(2000), wide(2000), pairs, [(2000, ["flight", "origin", "cat"])]) > 0
                    for _ in range(100))
    assert surprised <= 12
