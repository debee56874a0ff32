"""Places used across tests, by name: what tests import (``from places import PLACES``)."""

#: Coordinates (lat, lon) from GeoNames.
PLACES = {
    "Shebekino": (50.41342, 36.92537),
    "Belgorod": (50.60343, 36.58091),
    "Kursk": (51.72689, 36.18457),
    "Voronezh": (51.66833, 39.19204),
    "Sudzha": (51.191, 35.271),
    "Tyotkino": (51.2735, 34.3176),
    "Vovchansk": (50.29078, 36.94108),
    "Donetsk": (48.023, 37.80224),
    "Valuyki": (50.19661, 38.11674),
    "Taganrog": (47.23627, 38.9053),
}
