"""A ninth writer's held-back cases over other tables of An Introduction to Statistical Learning (the ISLP
package): short report tables of one, two and three steps, never tuned on.

Written without looking at the search, its tuning or its results, over tables ``cases_ninth.py`` does not read:
the credit card holders (their profile cut out as a lookup by ID), the 1986 baseball hitters (59 without a
salary), the orange juice purchases (Citrus Hill 'CH' or Minute Maid 'MM'), the clinical trials' time to
publication (funding mechanisms such as 'R01' or 'R24, K24') and the weekly S&P 500 returns. Vocabulary: merge,
groupby + aggregation, pivot_table, melt, ``str.split(...).str[i]``, string concatenation, dropna, fillna with
a constant, column selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_I = "ISLP."

# --- inputs shared by several cases -----------------------------------------------------------------------
CREDIT = table(_I + "Credit")
# the holders' accounts, and each holder's profile cut out of the same table as a lookup by ID
CREDIT_ACCOUNTS = table(_I + "Credit", columns=("ID", "Income", "Limit", "Rating", "Cards", "Balance"))
CREDIT_PROFILES = table(_I + "Credit", columns=("ID", "Age", "Gender", "Student", "Married", "Ethnicity"),
                        split=False)
HITTERS = table(_I + "Hitters")
OJ = table(_I + "OJ")
PUBLICATION = table(_I + "Publication")
WEEKLY = table(_I + "Weekly")


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([CREDIT], ["groupby"])
def credit_balance_by_ethnicity(credit):
    """Card holders per ethnicity: holders, mean card balance and mean credit limit."""
    return credit.groupby("Ethnicity").agg(holders=("ID", "count"), mean_balance=("Balance", "mean"),
                                           mean_limit=("Limit", "mean")).reset_index()


@case([HITTERS], ["dropna"])
def hitters_players_with_salary(hitters):
    """The baseball players whose 1987 salary is known (players without a salary dropped)."""
    return hitters.dropna(subset=["Salary"])


@case([HITTERS], ["groupby"])
def hitters_means_by_league_and_division(hitters):
    """Mean salary, hits and home runs of the 1986 season per league and division, the keys left as the
    index."""
    return hitters.groupby(["League", "Division"])[["Salary", "Hits", "HmRun"]].mean()


@case([OJ], ["pivot"])
def oj_purchases_by_store_and_brand(oj):
    """Orange juice purchases counted per store ID, Citrus Hill (CH) and Minute Maid (MM) side by side."""
    return oj.pivot_table(index="StoreID", columns="Purchase", values="WeekofPurchase", aggfunc="count")


@case([PUBLICATION], ["split", "select"])
def publication_primary_mechanism(publication):
    """Each clinical trial's funding mechanism and its primary mechanism (the first of a list such as 'R24,
    K24'), with the sample size, budget and months to publication."""
    publication["primary_mech"] = publication["mech"].str.split(", ").str[0]
    return publication[["mech", "primary_mech", "sampsize", "budget", "time"]]


@case([WEEKLY], ["groupby"])
def weekly_weeks_by_year_and_direction(weekly):
    """Weeks per year and direction of the market (Down or Up): weeks, mean weekly return and mean volume
    traded."""
    return weekly.groupby(["Year", "Direction"], as_index=False).agg(weeks=("Today", "size"),
                                                                     mean_return=("Today", "mean"),
                                                                     mean_volume=("Volume", "mean"))


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([HITTERS], ["dropna", "groupby"])
def hitters_paid_players_by_league_and_division(hitters):
    """The players with a known salary, per league and division: players, median and highest salary
    (thousands of dollars)."""
    paid = hitters.dropna(subset=["Salary"])
    return paid.groupby(["League", "Division"]).agg(players=("Salary", "size"), median_salary=("Salary", "median"),
                                                    max_salary=("Salary", "max")).reset_index()


@case([CREDIT_ACCOUNTS, CREDIT_PROFILES], ["join", "groupby"])
def credit_accounts_by_student_and_married(accounts, profiles):
    """The holders' accounts joined to their profiles by ID, then per student status and marital status:
    holders, mean balance and mean income."""
    holders = accounts.merge(profiles, on="ID")
    return holders.groupby(["Student", "Married"]).agg(holders=("ID", "count"), balance=("Balance", "mean"),
                                                       income=("Income", "mean")).reset_index()


@case([CREDIT], ["pivot", "fillna"])
def credit_holders_by_cards_and_ethnicity(credit):
    """Card holders counted per number of credit cards, the ethnicities side by side, a combination nobody
    has counted 0."""
    counts = credit.pivot_table(index="Cards", columns="Ethnicity", values="ID", aggfunc="count")
    return counts.fillna(0)


@case([OJ], ["concat", "pivot"])
def oj_purchases_by_store_label(oj):
    """Orange juice purchases per store written 'Store 1', 'Store 7', ..., Citrus Hill (CH) and Minute Maid
    (MM) purchases counted side by side."""
    oj["store"] = "Store " + oj["StoreID"].astype(str)
    return oj.pivot_table(index="store", columns="Purchase", values="WeekofPurchase", aggfunc="count")


@case([OJ], ["unpivot", "groupby"])
def oj_list_prices_by_store(oj):
    """The list prices of Citrus Hill and Minute Maid (PriceCH, PriceMM) made long ('brand', 'price'), then the
    mean and lowest list price per store ID and brand."""
    long = oj.melt(id_vars="StoreID", value_vars=["PriceCH", "PriceMM"], var_name="brand", value_name="price")
    return long.groupby(["StoreID", "brand"]).agg(mean_price=("price", "mean"), min_price=("price", "min")).reset_index()


@case([PUBLICATION], ["split", "groupby"])
def publication_trials_by_primary_mechanism(publication):
    """Clinical trials per primary funding mechanism (the first of a list such as 'R24, K24'): trials,
    published (status 1), and median months to publication."""
    publication["primary_mech"] = publication["mech"].str.split(", ").str[0]
    return publication.groupby("primary_mech").agg(trials=("time", "size"), published=("status", "sum"),
                                                   median_months=("time", "median")).reset_index()


@case([HITTERS], ["concat", "groupby"])
def hitters_salary_by_league_division_label(hitters):
    """Players per division written as league and division together ('A-E' for the American League East):
    players and mean salary."""
    hitters["division"] = hitters["League"] + "-" + hitters["Division"]
    return hitters.groupby("division").agg(players=("AtBat", "count"), salary=("Salary", "mean")).reset_index()


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([WEEKLY], ["pivot", "rename", "pivot", "rename", "join"])
def weekly_down_and_up_weeks_by_year(weekly):
    """Per year: the weeks the market went down and up ('down_weeks', 'up_weeks') beside the mean volume
    traded in the down and the up weeks ('down_volume', 'up_volume')."""
    weeks = weekly.pivot_table(index="Year", columns="Direction", values="Today", aggfunc="count")
    weeks = weeks.rename(columns={"Down": "down_weeks", "Up": "up_weeks"}).reset_index()
    volume = weekly.pivot_table(index="Year", columns="Direction", values="Volume", aggfunc="mean")
    volume = volume.rename(columns={"Down": "down_volume", "Up": "up_volume"}).reset_index()
    return weeks.merge(volume, on="Year")


@case([PUBLICATION], ["split", "pivot", "fillna"])
def publication_trials_by_mechanism_and_result(publication):
    """Clinical trials counted per primary funding mechanism (the first of a list such as 'R24, K24'), trials
    with a negative (posres 0) and a positive (1) result side by side, a combination without trials 0."""
    publication["primary_mech"] = publication["mech"].str.split(", ").str[0]
    counts = publication.pivot_table(index="primary_mech", columns="posres", values="time", aggfunc="count")
    return counts.fillna(0)


@case([HITTERS], ["dropna", "groupby", "join", "select"])
def hitters_player_beside_experience_median(hitters):
    """Each player with a known salary: years in the major leagues, hits, home runs and salary, beside the
    median salary and the number of paid players with the same years of experience ('years_median_salary',
    'years_players')."""
    paid = hitters.dropna(subset=["Salary"])
    years = paid.groupby("Years").agg(years_players=("Salary", "size"),
                                      years_median_salary=("Salary", "median")).reset_index()
    players = paid.merge(years, on="Years")
    return players[["Years", "Hits", "HmRun", "Salary", "years_median_salary", "years_players"]]
