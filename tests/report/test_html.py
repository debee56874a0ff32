"""The report page: right numbers, every forbidden use listed with its sources, nothing fetched, valid markup."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from enduse.errors import InputError
from enduse.report import html as report_html
from enduse.report import render_report, write_report
from enduse.report.summary import VERDICTS

EXTERNAL = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def pages(audits, pack, tmp_path_factory, parse_html):
    """Report file and parsed tree for each audit output."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for name, path in audits.items():
        target = write_report(path, folder / f"{name}.html", pack)
        text = target.read_text(encoding="utf-8")
        out[name] = (text, parse_html(text))
    return out


@pytest.mark.parametrize("name", ["incidents.parquet", "incidents.csv", "incidents.jsonl", "synthetic"])
def test_summary_counts_equal_a_group_by_of_the_file(pages, audits, name):
    path = audits[name]
    raw = {".parquet": pl.read_parquet, ".csv": pl.read_csv, ".jsonl": pl.read_ndjson}[path.suffix](path)
    expected = dict(raw.group_by("verdict").len().rows())
    _, tree = pages[name]
    shown = {n.attrs["data-verdict"]: int(n.text.replace(",", "")) for n in tree.find_all("strong", attr="data-verdict")}
    assert shown == {v: expected.get(v, 0) for v in VERDICTS}
    lead = tree.find("p", cls="lead").text
    assert f"{expected.get('FORBIDDEN', 0):,} forbidden" in lead and f"{expected.get('ALLOWED', 0):,} allowed" in lead
    assert tree.find(attr="id").text  # page has content
    assert next(n for n in tree.find_all("dd") if n.attrs.get("id") == "row-count").text == f"{raw.height:,}"


def test_count_tables_on_the_page_equal_a_group_by(pages, audits):
    raw = pl.read_parquet(audits["synthetic"])
    _, tree = pages["synthetic"]
    table = next(t for t in tree.find_all("table", attr="data-table") if t.attrs["data-table"] == "version")
    header = [th.text for th in table.find("thead").find_all("th")]
    shown = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = [c.text for c in tr.children]
        for column, value in zip(header[1:], cells[1:]):
            if column.replace(" ", "_") in VERDICTS and value != "0":
                shown[(cells[0], column.replace(" ", "_"))] = int(value.replace(",", ""))
    expected = {(v or "unknown", verdict): n for v, verdict, n in raw.group_by("version", "verdict").len().rows()}
    assert shown == expected


def test_every_forbidden_and_indeterminate_use_is_listed(audits, pack, monkeypatch, parse_html):
    raw = pl.read_parquet(audits["synthetic"])
    wanted = raw.filter(pl.col("verdict").is_in(["FORBIDDEN", "INDETERMINATE"]))
    monkeypatch.setattr(report_html, "MAX_LISTED", raw.height)
    tree = parse_html(render_report(raw, pack, "synthetic.audit.parquet"))
    listed = [tr.attrs["data-id"] for tr in tree.find("table", cls="uses").find_all("tbody", attr="data-id")]
    assert sorted(listed) == sorted(wanted["id"].to_list())
    assert "more" not in [n.attrs.get("id") for n in tree.find_all("strong")]


def test_listed_uses_cite_their_clauses_sources(pages, audits, pack):
    raw = pl.read_parquet(audits["incidents.parquet"]).filter(pl.col("verdict") == "FORBIDDEN")
    assert raw.height > 0
    _, tree = pages["incidents.parquet"]
    rows = {tr.attrs["data-id"]: tr.text for tr in tree.find_all("tbody", attr="data-id")}
    for use in raw.iter_rows(named=True):
        for clause_id in use["clauses"]:
            assert clause_id in rows[use["id"]]
            for source_id in pack.version(use["version"]).clauses[clause_id].sources:
                source = pack.sources[source_id]
                assert source.outlet in rows[use["id"]] and " ".join(source.quote.split()) in rows[use["id"]]


def test_a_long_list_is_capped_with_a_note(audits, pack, monkeypatch, parse_html):
    raw = pl.read_parquet(audits["synthetic"])
    wanted = raw.filter(pl.col("verdict").is_in(["FORBIDDEN", "INDETERMINATE"]))
    monkeypatch.setattr(report_html, "MAX_LISTED", 7)
    tree = parse_html(render_report(raw, pack, "synthetic.audit.parquet"))
    listed = [tr.attrs["data-id"] for tr in tree.find("table", cls="uses").find_all("tbody", attr="data-id")]
    newest = wanted.sort("date", descending=True)["date"].head(7).to_list()
    assert len(listed) == 7
    assert sorted(raw.filter(pl.col("id").is_in(listed))["date"].to_list(), reverse=True) == newest
    assert next(n for n in tree.find_all("strong") if n.attrs.get("id") == "more").text == f"{wanted.height - 7:,} more"


@pytest.mark.parametrize("name", ["incidents.parquet", "synthetic"])
def test_nothing_is_fetched_from_outside(pages, name):
    text, tree = pages[name]
    assert not EXTERNAL.search(text)
    assert not list(tree.find_all("script")) and not list(tree.find_all("link"))
    assert len(list(tree.find_all("svg"))) >= 3  # charts are inline


def test_svg_ids_are_unique_on_the_page(pages):
    text, _ = pages["synthetic"]
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids))


def test_charts_have_accessible_labels(pages):
    _, tree = pages["synthetic"]
    for svg in tree.find_all("svg"):
        assert svg.attrs.get("role") == "img" and svg.attrs.get("aria-label")


def test_page_states_pack_versions_and_assumptions(pages, pack):
    _, tree = pages["incidents.parquet"]
    text = tree.text
    for version in pack.versions:
        assert version.id in text and version.title in text
    for name, param in pack.parameters.items():
        assert name in text and param.title in text
    assert "30 May 2024" in text


def test_data_is_escaped(pack, parse_html):
    frame = pl.DataFrame({"id": ["<script>alert(1)</script>"], "date": ["2024-06-01"], "weapon": ["HIMARS"],
                          "verdict": ["FORBIDDEN"], "version": ["kharkiv"], "clauses": [["no-civilian-infrastructure"]]})
    text = render_report(frame, pack, "<b>name</b>.csv")
    assert "<script>" not in text and "&lt;script&gt;" in text and "<b>name" not in text
    parse_html(text)


def test_write_report_needs_an_existing_folder(audits, pack, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_report(audits["incidents.csv"], tmp_path / "no" / "report.html", pack)
    assert not (tmp_path / "no").exists()


def test_maps_of_the_latest_day_and_of_the_day_before_the_first_change(pages, audits, pack):
    raw = pl.read_parquet(audits["synthetic"])
    _, tree = pages["synthetic"]
    captions = [f.find("figcaption").text for f in tree.find_all("figure", cls="map")]
    change = pack.versions[1].effective_from
    day_before = change - dt.timedelta(days=1)
    latest = dt.date.fromisoformat(raw["date"].max())
    assert raw["date"].min() < change.isoformat()  # the sample spans the change
    assert [c.split(" (")[0] for c in captions] == [f"Map of the zones in force on {d:%-d %B %Y}" for d in (day_before, latest)]
    for caption, day in zip(captions, (day_before, latest)):
        version = pack.version_on(day)
        assert f"with the {raw.filter(pl.col('version') == version.id).height:,} uses" in caption


def test_one_map_when_the_data_starts_after_the_change(audits, pack, parse_html):
    raw = pl.read_parquet(audits["incidents.parquet"])
    after = raw.filter(pl.col("date") >= pack.versions[1].effective_from.isoformat())
    tree = parse_html(render_report(after, pack, "incidents.audit.parquet"))
    assert len(list(tree.find_all("figure", cls="map"))) == 1


def test_a_map_with_many_points_is_an_embedded_png(audits, pack, monkeypatch, parse_html):
    monkeypatch.setattr(report_html, "MAX_SVG_EVENTS", 1)
    tree = parse_html(render_report(pl.read_parquet(audits["incidents.parquet"]), pack, "incidents.audit.parquet"))
    image = tree.find("figure", cls="map").find("img")
    assert image.attrs["src"].startswith("data:image/png;base64,") and image.attrs["alt"].startswith("Map of the zones")


def test_a_table_without_dates_renders_without_maps(pack, parse_html):
    tree = parse_html(render_report(pl.DataFrame({"verdict": ["ALLOWED", "NOT_GOVERNED"], "weapon": ["HIMARS", "x"]}),
                                    pack, "undated.csv"))
    assert "none readable" in tree.text and not list(tree.find_all("figure", cls="map"))
    assert {n.attrs["data-verdict"]: n.text for n in tree.find_all("strong", attr="data-verdict")}["ALLOWED"] == "1"
