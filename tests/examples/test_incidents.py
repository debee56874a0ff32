"""The bundled reported incidents (enduse/examples/incidents.csv) against the shared source they were taken from.

Every incident of ../shared/source/incidents-reported.csv is bundled, sourced and quoted verbatim, and located only
as reported: a point only where the source gives coordinates (or names the town), always with its precision, and a
region alone where no site was reported. A report naming two weapons is two rows, the second with a letter suffix.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import SHARED

from enduse.audit import run_audit
from enduse.catalog import load_catalog
from enduse.errors import InputError
from enduse.examples import sample_path
from enduse.geo.areas import MAX_WITHIN_KM, region_code, region_codes
from enduse.geo.gazetteer import resolve_place
from enduse.geo.locate import locate
from enduse.vocab import FACT_VALUES, PURPOSES, TARGETS

SHARED_PATH = SHARED / "source" / "incidents-reported.csv"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

pytestmark = pytest.mark.skipif(not SHARED_PATH.is_file(), reason=f"shared source not found at {SHARED_PATH}")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def shared() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in _rows(SHARED_PATH.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def bundled() -> list[dict[str, str]]:
    return _rows(sample_path("incidents.csv").read_text(encoding="utf-8"))


def _reported(row: dict[str, str], shared: dict[str, dict[str, str]]) -> dict[str, str]:
    """The shared row a bundled row was taken from (``RU-24b`` is the second weapon of ``RU-24``)."""
    return shared[re.sub(r"[a-z]$", "", row["id"])]


def _oblast_code(oblast: str) -> str | None:
    """The region code of the shared ``oblast`` text (``Kursk (Belovsky district)`` -> RU-KRS); None if it names none."""
    try:
        return region_code(oblast.split("(")[0])
    except InputError:
        return None


def test_every_reported_incident_is_bundled_once(bundled, shared):
    ids = [row["id"] for row in bundled]
    assert len(ids) == len(set(ids))
    assert set(shared) <= set(ids)
    assert all(re.sub(r"[a-z]$", "", i) in shared for i in ids)


def test_every_row_is_sourced_and_quoted_verbatim(bundled, shared):
    shared_quotes = {row["quote"] for row in shared.values()}
    for row in bundled:
        source = _reported(row, shared)
        assert row["outlet"] and row["url"] and row["quote"] and row["source"], row["id"]
        assert row["quote"] in shared_quotes, row["id"]
        for column in ("outlet", "url", "quote", "claimed_by", "source_date"):
            assert row[column] == source[column], (row["id"], column)


def test_dates_are_the_first_reported_day_or_empty_with_a_note(bundled, shared):
    for row in bundled:
        reported = ISO_DATE.match(_reported(row, shared)["date"])
        assert row["date"] == (reported.group() if reported else ""), row["id"]
        if _reported(row, shared)["date"] != row["date"]:
            assert row["date_note"], row["id"]


def test_no_point_that_the_source_does_not_support(bundled, shared):
    for row in bundled:
        source = _reported(row, shared)
        located = [bool(row["lat"] or row["lon"]), bool(row["place"]), bool(row["region"])]
        assert sum(located) == 1, row["id"]
        assert row["location_note"], row["id"]
        if row["lat"] or row["lon"]:
            assert (float(row["lat"]), float(row["lon"])) == (float(source["lat"]), float(source["lon"])), row["id"]
        if row["place"]:
            assert row["place"].casefold() in source["place"].casefold(), row["id"]
        if row["lat"] or row["place"]:
            assert 0 < float(row["within_km"]) <= MAX_WITHIN_KM, row["id"]
        else:
            assert not row["within_km"], row["id"]


def test_places_and_regions_resolve_to_the_reported_oblast(bundled, shared):
    codes = region_codes()
    for row in bundled:
        oblast = _oblast_code(_reported(row, shared)["oblast"])
        if row["region"]:
            assert row["region"] in codes and row["region"] == oblast, row["id"]
        elif row["place"]:
            assert resolve_place(row["place"]).region == oblast, row["id"]
        elif oblast is not None:
            assert locate(float(row["lat"]), float(row["lon"])).region == oblast, row["id"]


def test_weapons_suppliers_and_words_are_enduse_vocabulary(bundled):
    catalog = load_catalog()
    for row in bundled:
        assert catalog.canonical(row["weapon"]) == row["weapon"], row["id"]
        assert row["supplier"] == "" or row["supplier"] in catalog[row["weapon"]].suppliers, row["id"]
        assert row["target"] in TARGETS and row["purpose"] in PURPOSES, row["id"]
        assert row["linked_to_invasion"] in FACT_VALUES, row["id"]


def test_the_audit_loses_no_row_and_judges_regions_as_regions(bundled, tmp_path):
    summary = run_audit(sample_path("incidents.csv"), tmp_path / "out.csv", progress=False)
    assert summary.rows_in == len(bundled) == summary.rows_out + summary.rows_rejected
    rejected = {row["id"] for row in _rows(summary.rejects.read_text(encoding="utf-8"))} if summary.rows_rejected else set()
    assert rejected == {row["id"] for row in bundled if not row["date"]}
    audited = {row["id"]: row for row in _rows(summary.output.read_text(encoding="utf-8"))}
    for row in bundled:
        if row["id"] not in rejected:
            assert {k: audited[row["id"]][k] for k in row} == row, row["id"]
            if row["region"]:
                assert audited[row["id"]]["located_region"] == row["region"], row["id"]
