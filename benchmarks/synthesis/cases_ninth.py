"""A ninth writer's cases over the tables of An Introduction to Statistical Learning (the ISLP package), to tune
on: short report tables of one, two and three steps, as an analyst writes them in a notebook.

Written without looking at the search, its tuning or its results: the Auto car models (a model's make is the
first word of its name, origin a code 1-3), the hourly Washington bike rentals of 2011 (a day calendar cut out of
them), the brain cancer patients (one diagnosis missing), the child car seat stores, the US colleges, the
simulated card defaults, the daily NYSE series (dates as 'YYYY-MM-DD' strings), the S&P 500 daily returns with
five lags and the Mid-Atlantic wage survey (factors coded '1. < HS Grad'). The held-back cases over other ISLP
tables are in ``cases_ninth_check.py``. Vocabulary: merge, groupby + aggregation, pivot_table, melt,
``str.split(...).str[i]``, ``str[a:b]``, string concatenation, fillna with a constant, column selection and
rename. The docstring is the case's description.
"""

from __future__ import annotations

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

_I = "ISLP."

# --- inputs shared by several cases -----------------------------------------------------------------------
AUTO = table(_I + "Auto")
BIKES = table(_I + "Bikeshare")
# the hourly counts, and the calendar of each day of 2011 (month, season, holiday, weekday) cut out of them
BIKE_HOURS = table(_I + "Bikeshare", columns=("day", "hr", "weathersit", "temp", "casual", "registered", "bikers"))
BIKE_DAYS = table(_I + "Bikeshare", columns=("day", "mnth", "season", "holiday", "weekday", "workingday"),
                  distinct=True, split=False)
BRAIN = table(_I + "BrainCancer")
CARSEATS = table(_I + "Carseats")
COLLEGE = table(_I + "College")
DEFAULT = table(_I + "Default")
NYSE = table(_I + "NYSE")
SMARKET = table(_I + "Smarket")
WAGE = table(_I + "Wage")

LAGS = ["Lag1", "Lag2", "Lag3", "Lag4", "Lag5"]


# ==========================================================================================================
# length 1
# ==========================================================================================================


@case([AUTO], ["groupby"])
def auto_mean_specs_by_origin(auto):
    """Mean mileage, horsepower, weight and acceleration of the car models per origin code (1 American, 2
    European, 3 Japanese), the origin left as the index."""
    return auto.groupby("origin")[["mpg", "horsepower", "weight", "acceleration"]].mean()


@case([AUTO], ["groupby"])
def auto_models_per_year_and_cylinders(auto):
    """The number of car models of each model year and number of cylinders ('models')."""
    return auto.groupby(["year", "cylinders"]).size().reset_index(name="models")


@case([AUTO], ["split", "select"])
def auto_car_make_from_name(auto):
    """Each car model's name with its make (the first word of the name, e.g. 'chevrolet'), model year and
    mileage."""
    auto["make"] = auto["name"].str.split(" ").str[0]
    return auto[["name", "make", "year", "mpg"]]


@case([BIKES], ["pivot"])
def bikeshare_hourly_riders_by_working_day(bikes):
    """Mean number of bikers in each hour of the day, non-working days (workingday 0) and working days (1)
    side by side."""
    return bikes.pivot_table(index="hr", columns="workingday", values="bikers", aggfunc="mean")


@case([BIKES], ["groupby"])
def bikeshare_riders_per_weather(bikes):
    """Per weather situation: the hours recorded, the casual and registered riders summed and the mean
    number of bikers per hour."""
    return bikes.groupby("weathersit", as_index=False).agg(hours=("bikers", "size"), casual=("casual", "sum"),
                                                           registered=("registered", "sum"),
                                                           mean_bikers=("bikers", "mean"))


@case([BRAIN], ["groupby"])
def braincancer_survival_by_diagnosis(brain):
    """Brain cancer patients per diagnosis: patients, deaths (status 1) and the median survival time in
    months."""
    return brain.groupby("diagnosis").agg(patients=("time", "size"), deaths=("status", "sum"),
                                          median_months=("time", "median")).reset_index()


@case([BRAIN], ["fillna"])
def braincancer_unknown_diagnosis(brain):
    """The brain cancer patients, a missing diagnosis written 'Unknown'."""
    return brain.fillna({"diagnosis": "Unknown"})


@case([CARSEATS], ["pivot"])
def carseats_mean_sales_by_shelf_and_urban(carseats):
    """Mean unit sales (thousands) of the car seat stores per shelving location quality, rural (Urban 'No')
    and urban ('Yes') stores side by side."""
    return carseats.pivot_table(index="ShelveLoc", columns="Urban", values="Sales", aggfunc="mean")


@case([COLLEGE], ["groupby"])
def college_private_and_public_summary(college):
    """Public and private colleges compared: applications, acceptances and new enrolments summed, the median
    out-of-state tuition and the mean graduation rate, keeping the original column names."""
    return college.groupby("Private").agg({"Apps": "sum", "Accept": "sum", "Enroll": "sum", "Outstate": "median",
                                           "Grad.Rate": "mean"})


@case([DEFAULT], ["pivot", "rename"])
def default_holders_by_student_and_default(default):
    """Card holders counted per student status, those who did not default ('paid') and those who did
    ('defaulted') side by side."""
    counts = default.pivot_table(index="student", columns="default", values="balance", aggfunc="count")
    return counts.rename(columns={"No": "paid", "Yes": "defaulted"}).reset_index()


@case([NYSE], ["groupby"])
def nyse_return_by_weekday(nyse):
    """The Dow Jones daily return per day of the week: trading days, mean, lowest and highest return, as
    pandas names the aggregates."""
    return nyse.groupby("day_of_week")["DJ_return"].agg(["count", "mean", "min", "max"])


@case([SMARKET], ["unpivot"])
def smarket_lags_long(smarket):
    """The S&P 500 days' five lagged returns made long: year, direction of the day, which lag ('lag') and the
    lagged return ('return')."""
    return smarket.melt(id_vars=["Year", "Direction"], value_vars=LAGS, var_name="lag", value_name="return")


@case([WAGE], ["substring", "select"])
def wage_education_code(wage):
    """Each worker's year, age, education and its leading code digit ('edu_code', '1' for '1. < HS Grad'), and
    wage."""
    wage["edu_code"] = wage["education"].str[:1]
    return wage[["year", "age", "education", "edu_code", "wage"]]


# ==========================================================================================================
# length 2
# ==========================================================================================================


@case([AUTO], ["split", "groupby"])
def auto_make_summary(auto):
    """Car models per make (the first word of the name): models, mean mileage and mean horsepower."""
    auto["make"] = auto["name"].str.split(" ").str[0]
    return auto.groupby("make").agg(models=("name", "count"), mpg=("mpg", "mean"),
                                    horsepower=("horsepower", "mean")).reset_index()


@case([BIKES], ["unpivot", "groupby"])
def bikeshare_riders_by_hour_and_type(bikes):
    """Casual and registered riders made long ('rider', 'riders'), then summed per hour of the day and rider
    type."""
    long = bikes.melt(id_vars="hr", value_vars=["casual", "registered"], var_name="rider", value_name="riders")
    return long.groupby(["hr", "rider"])["riders"].sum().reset_index()


@case([BIKE_HOURS, BIKE_DAYS], ["groupby", "join"])
def bikeshare_daily_riders_with_calendar(hours, days):
    """The hourly counts summed per day of the year (casual, registered and all bikers), joined to the day's
    month, season, holiday, weekday and working-day flag from the calendar."""
    daily = hours.groupby("day")[["casual", "registered", "bikers"]].sum().reset_index()
    return daily.merge(days, on="day")


@case([BRAIN], ["fillna", "pivot"])
def braincancer_survival_by_diagnosis_and_method(brain):
    """Median survival time in months per diagnosis, a missing diagnosis counted as 'Unknown', stereotactic
    radiosurgery (SRS) and radiotherapy (SRT) patients side by side."""
    brain = brain.fillna({"diagnosis": "Unknown"})
    return brain.pivot_table(index="diagnosis", columns="stereo", values="time", aggfunc="median")


@case([BRAIN], ["concat", "groupby"])
def braincancer_patients_by_diagnosis_and_location(brain):
    """Patients per diagnosis and tumour location written as one label ('Meningioma (Infratentorial)'):
    patients and mean gross tumour volume."""
    brain["group"] = brain["diagnosis"] + " (" + brain["loc"] + ")"
    return brain.groupby("group").agg(patients=("gtv", "size"), mean_gtv=("gtv", "mean")).reset_index()


@case([CARSEATS], ["groupby", "rename", "join", "select"])
def carseats_store_beside_shelf_mean(carseats):
    """Each car seat store's sales, price and shelving location beside the mean sales and mean price of the
    stores with that shelving location ('shelf_sales', 'shelf_price')."""
    shelves = carseats.groupby("ShelveLoc")[["Sales", "Price"]].mean().reset_index()
    shelves = shelves.rename(columns={"Sales": "shelf_sales", "Price": "shelf_price"})
    stores = carseats.merge(shelves, on="ShelveLoc")
    return stores[["ShelveLoc", "Sales", "Price", "shelf_sales", "shelf_price"]]


@case([CARSEATS], ["unpivot", "groupby"])
def carseats_own_and_competitor_price(carseats):
    """The stores' own price and the competitor's price (Price, CompPrice) made long, then the mean price per
    shelving location and which price it is."""
    long = carseats.melt(id_vars="ShelveLoc", value_vars=["Price", "CompPrice"], var_name="price_of",
                         value_name="price")
    return long.groupby(["ShelveLoc", "price_of"]).agg(mean_price=("price", "mean")).reset_index()


@case([COLLEGE], ["unpivot", "groupby"])
def college_costs_by_private(college):
    """The colleges' yearly costs (out-of-state tuition, room and board, books, personal spending) made long,
    then the median of each cost item for public and private colleges, the keys left as the index."""
    long = college.melt(id_vars="Private", value_vars=["Outstate", "Room.Board", "Books", "Personal"],
                        var_name="item", value_name="cost")
    return long.groupby(["Private", "item"])["cost"].median()


@case([NYSE], ["substring", "groupby"])
def nyse_yearly_volume(nyse):
    """Per year (the first four characters of the date): trading days, mean log trading volume and mean
    daily Dow Jones return."""
    nyse["year"] = nyse["date"].str[:4]
    return nyse.groupby("year").agg(days=("date", "count"), log_volume=("log_volume", "mean"),
                                    DJ_return=("DJ_return", "mean")).reset_index()


@case([NYSE], ["substring", "pivot"])
def nyse_return_by_year_and_weekday(nyse):
    """Mean daily Dow Jones return per year (cut from the date) and day of the week, the days side by side."""
    nyse["year"] = nyse["date"].str[:4]
    return nyse.pivot_table(index="year", columns="day_of_week", values="DJ_return", aggfunc="mean")


@case([SMARKET], ["unpivot", "pivot"])
def smarket_lag_returns_by_direction(smarket):
    """The five lagged returns made long, then the mean lagged return per lag, days the market went down and
    up side by side."""
    long = smarket.melt(id_vars="Direction", value_vars=LAGS, var_name="lag", value_name="return")
    return long.pivot_table(index="lag", columns="Direction", values="return", aggfunc="mean")


@case([WAGE], ["split", "groupby"])
def wage_by_education_level(wage):
    """Workers per education level written without its code ('HS Grad' for '2. HS Grad'): workers and median
    wage."""
    wage["level"] = wage["education"].str.split(". ", regex=False).str[1]
    return wage.groupby("level").agg(workers=("wage", "size"), median_wage=("wage", "median")).reset_index()


@case([WAGE], ["substring", "pivot"])
def wage_mean_by_year_and_marital_status(wage):
    """Mean wage per survey year, the marital statuses without their code ('Married' for '2. Married', the
    first three characters cut off) side by side."""
    wage["status"] = wage["maritl"].str[3:]
    return wage.pivot_table(index="year", columns="status", values="wage", aggfunc="mean")


# ==========================================================================================================
# length 3
# ==========================================================================================================


@case([BIKE_HOURS, BIKE_DAYS], ["groupby", "join", "groupby"])
def bikeshare_daily_riders_by_weekday(hours, days):
    """Bikers summed per day, the day joined to its calendar, then per weekday (0 Sunday to 6 Saturday) the
    days counted and the mean and highest daily bikers."""
    daily = hours.groupby("day")["bikers"].sum().reset_index()
    daily = daily.merge(days, on="day")
    return daily.groupby("weekday").agg(days=("day", "count"), mean_bikers=("bikers", "mean"),
                                        max_bikers=("bikers", "max")).reset_index()


@case([AUTO], ["split", "groupby", "join", "select"])
def auto_car_beside_make_mean(auto):
    """Each car model's name, make (first word of the name) and mileage, beside the number of models and the
    mean mileage of its make ('make_models', 'make_mpg')."""
    auto["make"] = auto["name"].str.split(" ").str[0]
    makes = auto.groupby("make").agg(make_models=("name", "count"), make_mpg=("mpg", "mean")).reset_index()
    cars = auto.merge(makes, on="make")
    return cars[["name", "make", "mpg", "make_models", "make_mpg"]]


@case([WAGE], ["split", "substring", "pivot"])
def wage_median_by_education_and_marital_status(wage):
    """Median wage per education level and marital status, both written without their codes ('College
    Grad', 'Married'), the marital statuses side by side."""
    wage["level"] = wage["education"].str.split(". ", regex=False).str[1]
    wage["status"] = wage["maritl"].str[3:]
    return wage.pivot_table(index="level", columns="status", values="wage", aggfunc="median")


@case([NYSE], ["substring", "split", "pivot"])
def nyse_volume_by_year_and_month(nyse):
    """Mean log trading volume per year and month, both cut from the date ('1962', '12'), the months side by
    side."""
    nyse["year"] = nyse["date"].str[:4]
    nyse["month"] = nyse["date"].str.split("-").str[1]
    return nyse.pivot_table(index="year", columns="month", values="log_volume", aggfunc="mean")


@case([CARSEATS], ["groupby", "groupby", "join"])
def carseats_shelf_and_urban_beside_shelf(carseats):
    """Stores per shelving location and urban or rural: stores and mean sales, beside the stores and mean
    sales of that shelving location over both ('shelf_stores', 'shelf_sales')."""
    cells = carseats.groupby(["ShelveLoc", "Urban"]).agg(stores=("Sales", "size"),
                                                         sales=("Sales", "mean")).reset_index()
    shelves = carseats.groupby("ShelveLoc").agg(shelf_stores=("Sales", "size"),
                                                shelf_sales=("Sales", "mean")).reset_index()
    return cells.merge(shelves, on="ShelveLoc")


@case([DEFAULT], ["groupby", "groupby", "join"])
def default_holders_beside_student_total(default):
    """Card holders per student status and default: holders and mean balance, beside all holders of that
    student status ('student_holders')."""
    cells = default.groupby(["student", "default"]).agg(holders=("balance", "size"),
                                                        balance=("balance", "mean")).reset_index()
    students = default.groupby("student").size().reset_index(name="student_holders")
    return cells.merge(students, on="student")
