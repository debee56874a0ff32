from __future__ import annotations

import pytest

from enduse.catalog import load_catalog
from enduse.errors import InputError

REQUIRED = {
    "HIMARS": {"US"}, "GMLRS": {"US"}, "M270": {"US", "GB"}, "ATACMS": {"US"}, "M777": {"US"}, "M109": {"US"}, "155mm": {"US"},
    "Patriot": {"US", "DE", "NL"}, "NASAMS": {"US", "NO"}, "HARM": {"US"}, "JDAM-ER": {"US"}, "GLSDB": {"US"},
    "Storm Shadow": {"GB"}, "SCALP": {"FR"}, "IRIS-T": {"DE"}, "Liutyi": {"UA"}, "Neptune": {"UA"},
    "Challenger 2": {"GB"}, "AS-90": {"GB"}, "Brimstone": {"GB"}, "Starstreak": {"GB"}, "AASM Hammer": {"FR"},
    "CAESAR": {"FR"}, "LRU": {"FR"}, "MARS II": {"DE"}, "PzH 2000": {"DE"}, "Gepard": {"DE"}, "Marder": {"DE"},
    "Leopard 2": {"DE"}, "SAMP/T": {"IT", "FR"}, "F-16": {"NL", "DK", "NO", "BE"}, "Archer": {"SE"}, "CV90": {"SE"},
    "Krab": {"PL"}, "RM-70": {"CZ"},
}


def test_catalogue_has_the_required_systems_and_every_supplier():
    catalog = load_catalog()
    assert {name: set(catalog[name].suppliers) for name in REQUIRED} == REQUIRED


@pytest.mark.parametrize(("word", "name"), [("atacms", "ATACMS"), ("M142", "HIMARS"), ("storm-shadow", "Storm Shadow"),
                                            ("155 mm", "155mm"), ("Unknown", "unknown")])
def test_aliases_are_case_and_punctuation_insensitive(word, name):
    assert load_catalog().canonical(word) == name


def test_aliases_are_unambiguous():
    seen = {}
    for weapon in load_catalog():
        for label in (weapon.name, *weapon.aliases):
            key = "".join(ch for ch in label.lower() if ch.isalnum())
            assert seen.setdefault(key, weapon.name) == weapon.name


def test_unknown_weapon_suggests_the_closest():
    with pytest.raises(InputError, match="did you mean .*ATACMS"):
        load_catalog().canonical("ATACM")
