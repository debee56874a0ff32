"""The ACLED adapter: columns kept, keywords read timidly (conflict or silence -> unknown), dates never guessed."""

from __future__ import annotations

import tomllib
from importlib import resources

import polars as pl
import pytest

from enduse.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse.adapters.acled import ADDED, GEO_PRECISION_2_KM, Keywords, from_acled, load_keywords
from enduse.columns import AREA
from enduse.catalog import load_catalog
from enduse.uses import REASON, validate_uses
from enduse.vocab import PURPOSES, TARGETS, UNKNOWN

# (notes, expected weapon, target, purpose)
CASES = [
    ("On 1 June 2024, Ukrainian forces struck an S-400 air defense system near Belgorod with HIMARS.",
     "HIMARS", "air_defense", UNKNOWN),
    ("An M142 strike destroyed an ammunition depot in Shebekino.", "HIMARS", "ammunition_depot", UNKNOWN),
    ("Storm Shadow missiles hit the airfield at Saky.", "Storm Shadow", "airfield", UNKNOWN),
    ("Ukrainian forces conducted counter-battery fire with M777 against Russian artillery positions.",
     "M777", "artillery", "counter_fire"),
    ("A Patriot battery intercepted a missile over Kharkiv.", "Patriot", "missile_in_flight", "intercept"),
    ("Patriot shot down a Russian Su-34 over Belgorod oblast.", "Patriot", "aircraft", "intercept"),
    ("GLSDB strike on a command post near Kozacha Lopan.", "GLSDB", "command_post", UNKNOWN),
    ("A Liutyi drone hit the Novoshakhtinsk oil refinery.", "Liutyi", "energy_infrastructure", UNKNOWN),
    ("HARM launched at a radar near Belgorod; no harm to civilians.", "HARM", "air_defense", UNKNOWN),
    # conflicts: two weapons, two targets
    ("ATACMS fired from HIMARS hit a concentration of troops.", UNKNOWN, "military_forces", UNKNOWN),
    ("Neptune strike on an ammunition depot and a substation.", "Neptune", UNKNOWN, UNKNOWN),
    # interception wording next to a strike weapon: the ATACMS is what was shot down, not the interceptor
    ("Russian air defense shot down 4 ATACMS missiles over Crimea.", UNKNOWN, UNKNOWN, "intercept"),
    # no keyword at all; and "anti-aircraft" must not read as an aircraft target
    ("Clashes near Vovchansk; anti-aircraft fire reported.", UNKNOWN, UNKNOWN, UNKNOWN),
    (None, UNKNOWN, UNKNOWN, UNKNOWN),
]
DATES = ["2024-06-01", "01 June 2024", "2 June 2024", "2024-02-30", "June 1st", "2024-06-03", "03 June 2024",
         "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07", "2024-06-08", "2024-06-09", "2024-06-10"]


def acled(notes: list[str | None], dates: list[str] | None = None) -> pl.DataFrame:
    n = len(notes)
    return pl.DataFrame({
        "event_id_cnty": [f"UKR{i}" for i in range(n)],
        "event_date": dates or ["2024-06-01"] * n,
        "year": [2024] * n,
        "event_type": ["Explosions/Remote violence"] * n,
        "sub_event_type": ["Shelling/artillery/missile attack"] * n,
        "actor1": ["Military Forces of Ukraine (2019-)"] * n,
        "country": ["Russia"] * n,
        "admin1": ["Belgorod"] * n,
        "location": ["Belgorod"] * n,
        "latitude": [50.6] * n,
        "longitude": [36.58] * n,
        "geo_precision": [1] * n,
        "notes": notes,
        "fatalities": [0] * n,
    })


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return acled([c[0] for c in CASES], DATES)


@pytest.fixture(scope="module")
def out(frame: pl.DataFrame) -> pl.DataFrame:
    return from_acled(frame)


def test_original_columns_and_rows_are_kept_unchanged(frame, out):
    assert out.height == frame.height
    assert out.columns == [*frame.columns, *ADDED]
    assert out.select(frame.columns).equals(frame)


def test_standard_columns(out):
    assert out["id"].to_list() == [f"UKR{i}" for i in range(len(CASES))]
    assert out["lat"].to_list() == [50.6] * len(CASES)
    assert out["lon"].to_list() == [36.58] * len(CASES)


@pytest.mark.parametrize("row", range(len(CASES)))
def test_each_mapping(out, row):
    _notes, weapon, target, purpose = CASES[row]
    got = out.row(row, named=True)
    assert (got["weapon"], got["target"], got["purpose"]) == (weapon, target, purpose), got["adapter_note"]


def test_dates_are_normalised_or_passed_through_for_the_validator(out):
    dates = out["date"].to_list()
    assert dates[:3] == ["2024-06-01", "2024-06-01", "2024-06-02"]
    assert dates[3:5] == ["2024-02-30", "June 1st"]  # never dropped, never guessed


def test_the_validator_accepts_the_output_and_rejects_only_the_bad_dates_by_row(out):
    valid, rejected = validate_uses(out)
    assert valid.height == len(CASES) - 2
    assert rejected["row"].to_list() == [4, 5]
    assert all("invalid date" in reason for reason in rejected[REASON])


def test_notes_say_what_was_read(out):
    notes = out["adapter_note"].to_list()
    assert notes[0] == "weapon: HIMARS; target: S-400→air_defense; purpose: no keyword"
    assert "weapon: conflict" in notes[9] and "ATACMS" in notes[9]
    assert "target: conflict ammunition depot→ammunition_depot/substation→energy_infrastructure" in notes[10]
    assert "set aside" in notes[11]
    assert notes[12] == "weapon: no keyword; target: no keyword; purpose: no keyword"


def test_coarse_coordinates_are_flagged():
    frame = acled(["HIMARS strike"] * 2).with_columns(geo_precision=pl.Series([1, 3]))
    notes = from_acled(frame)["adapter_note"].to_list()
    assert "geo_precision" not in notes[0] and "geo_precision 3" in notes[1]


def test_outputs_are_catalogue_names_or_vocabulary_words(out):
    assert set(out["weapon"]) <= set(load_catalog().weapons) | {UNKNOWN}
    assert set(out["target"]) <= set(TARGETS)
    assert set(out["purpose"]) <= set(PURPOSES)


def test_missing_acled_column_is_named(frame):
    with pytest.raises(InputError, match="latitude, notes"):
        from_acled(frame.drop("latitude", "notes"))


@pytest.mark.parametrize("column", ["date", "weapon", "place", "adapter_note"])
def test_existing_standard_column_is_a_clash(frame, column):
    with pytest.raises(InputError, match=column):
        from_acled(frame.with_columns(pl.lit("x").alias(column)))


def test_iso_and_temporal_dates_agree():
    typed = acled(["x"]).with_columns(pl.col("event_date").str.to_date())
    assert from_acled(typed)["date"].to_list() == ["2024-06-01"]


def bundled() -> dict:
    return tomllib.loads(resources.files("enduse.adapters").joinpath("acled_keywords.toml").read_text("utf-8"))


def test_every_weapon_in_the_table_is_a_catalogue_name():
    assert set(bundled()["weapon"]) <= set(load_catalog().weapons)


def test_every_target_and_purpose_in_the_table_is_a_vocabulary_word():
    assert set(bundled()["target"]) <= set(TARGETS) - {UNKNOWN}
    assert set(bundled()["purpose"]) <= set(PURPOSES) - {UNKNOWN}


@pytest.mark.parametrize(("toml", "message"), [
    ('[weapon.Tomahawk]\nkeywords=["Tomahawk"]\n[target.airfield]\nkeywords=["airfield"]\n'
     '[purpose.intercept]\nkeywords=["intercepted"]', "Tomahawk"),
    ('[weapon.HIMARS]\nkeywords=["HIMARS"]\n[target.airfield]\nkeywords=["airfield"]\n'
     '[target.air_defense]\nkeywords=["air defense", "airfield"]\n[purpose.intercept]\nkeywords=["x"]', "airfield"),
    ('[weapon.HIMARS]\nkeywords=["HIMARS"]\n[target.energy_infrastructure]\nkeywords=["heat and power"]\n'
     '[target.civilian_infrastructure]\nkeywords=["power plant"]\n[purpose.intercept]\nkeywords=["x"]', "shares words"),
    ('[weapon.HIMARS]\nkeywords=["HIMARS"]\n[target.bunker]\nkeywords=["bunker"]\n'
     '[purpose.intercept]\nkeywords=["x"]', "bunker"),
    ('[weapon.HIMARS]\nkeywords=["HIMARS"]\n[target.airfield]\npatterns=["(unclosed"]\n'
     '[purpose.intercept]\nkeywords=["x"]', "compile"),
])
def test_bad_tables_are_refused(toml, message):
    with pytest.raises(ValueError, match=message):
        Keywords.from_toml(toml)


# ---------------------------------------------------------------- properties

KEYWORD_NOTES = st.lists(st.sampled_from([c[0] for c in CASES if c[0]] + ["HIMARS", "refinery", "shot down",
                                                                          "S-300", "Su-34", "counter-fire"]),
                         min_size=1, max_size=3).map(" ".join)
FILLER = st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).map(lambda w: "zq" + w),
                  min_size=1, max_size=5).map(" ".join)


def read(notes: list[str]) -> list[tuple]:
    return from_acled(acled(notes)).select("weapon", "target", "purpose").rows()


@settings(max_examples=40, deadline=None)
@given(KEYWORD_NOTES, FILLER)
def test_unrelated_words_change_nothing(notes, filler):
    assert read([notes, f"{filler} {notes}", f"{notes} {filler}"]) == read([notes]) * 3


@settings(max_examples=40, deadline=None)
@given(KEYWORD_NOTES, KEYWORD_NOTES)
def test_a_conflict_is_never_resolved_by_more_text(notes, more):
    out = from_acled(acled([notes, f"{notes} {more}"]))
    for column in ("weapon", "target", "purpose"):
        first = out.row(0, named=True)
        if "conflict" in first["adapter_note"].split(f"{column}: ")[1].split(";")[0]:
            assert out[column][1] == UNKNOWN


def test_bundled_table_loads():
    assert load_keywords().entries["weapon"]


def test_geo_precision_becomes_an_uncertain_location():
    """1: the point; 2: anywhere within GEO_PRECISION_2_KM of it; 3: the region alone (admin1, else where the
    centre lies), never a point; ACLED's own region column is kept as acled_region."""
    frame = acled(["HIMARS strike"] * 4).with_columns(
        geo_precision=pl.Series([1, 2, 3, 3]), admin1=pl.Series(["Belgorod", "Belgorod", "Kursk", "Nowhere"]),
        region=pl.lit("Europe"))
    out = from_acled(frame)
    assert out["within_km"].to_list() == [None, GEO_PRECISION_2_KM, None, None]
    assert out["region"].to_list() == [None, None, "RU-KRS", "RU-BEL"]
    assert out["lat"].to_list()[:2] == [50.6, 50.6] and out["lat"].to_list()[2:] == [None, None]
    assert out["acled_region"].to_list() == ["Europe"] * 4 and out["latitude"].to_list() == [50.6] * 4
    valid, rejects = validate_uses(out)
    assert rejects.height == 0 and valid[AREA].to_list() == [None, None, "RU-KRS", "RU-BEL"]
