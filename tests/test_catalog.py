from __future__ import annotations

import pytest

from enduse.catalog import load_catalog
from enduse.errors import InputError

REQUIRED = {"HIMARS": "US", "GMLRS": "US", "M270": "US", "ATACMS": "US", "M777": "US", "M109": "US", "155mm": "US",
            "Patriot": "US", "NASAMS": "US", "HARM": "US", "JDAM-ER": "US", "GLSDB": "US", "Storm Shadow": "GB",
            "SCALP": "FR", "IRIS-T": "DE", "Liutyi": "UA", "Neptune": "UA"}


def test_catalogue_has_the_required_systems_and_suppliers():
    catalog = load_catalog()
    assert {name: catalog[name].supplier for name in REQUIRED} == REQUIRED


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
