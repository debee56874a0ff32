"""Maps: the zones in force on the day, events by verdict, legend and caption, files and animations."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import polars as pl
import pytest
import shapely
from matplotlib.colors import to_hex
from PIL import Image
from places import PLACES

from enduse.packs.params import with_checked_params
from enduse.audit import audit
from enduse.errors import InputError
from enduse.maps import animate, events_under, render_coalition, render_map, save_figure
from enduse.packs.registry import pack_set
from enduse.report.charts import VERDICT_HEX
from enduse.zone_shapes import to_metres

BEFORE, AFTER = dt.date(2024, 5, 29), dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def events(pack) -> pl.DataFrame:
    """An audit output with several verdicts, under two versions."""
    rows = [
        {"date": day, "lat": lat, "lon": lon, "weapon": weapon, "target": "artillery", "purpose": "counter_fire"}
        for day in ("2024-05-20", "2024-06-05")
        for (lat, lon), weapon in zip(PLACES.values(), ["HIMARS", "ATACMS", "GMLRS", "Storm Shadow"] * 3, strict=False)
    ]
    return audit(pl.DataFrame(rows), pack)


def _gids(figure, prefix: str = "") -> dict[str, object]:
    return {a.get_gid(): a for a in figure.axes[0].get_children() if (a.get_gid() or "").startswith(prefix)}


def _texts(figure) -> str:
    found = [t.get_text() for t in figure.texts]
    for legend in figure.legends:
        found += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return " ".join(" ".join(found).split())


def _projected(place: str) -> tuple[float, float]:
    lat, lon = PLACES[place]
    return to_metres(shapely.Point(lon, lat)).coords[0]


def test_the_kharkiv_band_appears_on_30_may_2024(pack):
    before, after = render_map(pack, BEFORE), render_map(pack, AFTER)
    assert _gids(before, "zone-") == {}
    bands = _gids(after, "zone-")
    assert {"zone-kharkiv_border-inside", "zone-kharkiv_border-vague"} <= set(bands)
    inside = bands["zone-kharkiv_border-inside"].get_path()
    assert inside.contains_point(_projected("Belgorod")) and not inside.contains_point(_projected("Voronezh"))
    assert "No zone in force" in _texts(before) and "kharkiv_border" in _texts(after)
    assert before.axes[0].get_xlim() == after.axes[0].get_xlim()  # the same frame every day, so maps compare


def test_title_and_caption_name_version_confidence_and_assumptions(pack):
    changed = with_checked_params(pack, {"near_border_outside_km": "150"})
    text = _texts(render_map(changed, AFTER))
    version = pack.version_on(AFTER)
    for expected in (pack.title, version.id, version.title, "1 June 2024", f"confidence {version.confidence}",
                     "near_border_outside_km = 150", "near_border_inside_km = 40", "up to 40 km", "40–150 km"):
        assert expected in text


def test_before_the_first_version_the_title_says_so(pack):
    figure = render_map(pack, dt.date(2020, 1, 1))
    assert "no version of us-ukraine in force" in _texts(figure) and _gids(figure, "zone-") == {}


def test_events_are_drawn_in_their_verdict_colours(pack, events):
    shown = events_under(events, pack, pack.version_on(AFTER))
    assert 0 < shown.height < events.height
    dots = _gids(render_map(pack, AFTER, shown), "events-")
    expected = shown.group_by("verdict").len()
    assert len(dots) == expected.height > 1
    for verdict, count in expected.iter_rows():
        collection = dots[f"events-{verdict}"]
        assert len(collection.get_offsets()) == count
        assert {to_hex(c) for c in collection.get_facecolors()} == {VERDICT_HEX[verdict]}


def test_events_fall_back_to_given_coordinates_and_renamed_verdicts(pack, events):
    renamed = events.drop("resolved_lat", "resolved_lon").rename({"verdict": "enduse_verdict"})
    drawn = sum(len(c.get_offsets()) for c in _gids(render_map(pack, AFTER, renamed), "events-").values())
    inside = [c for c in events["country"] if c != "other"]  # every place of PLACES lies on the map
    assert drawn == events.height == len(inside)
    with pytest.raises(InputError, match="not an audit output"):
        render_map(pack, AFTER, events.drop("verdict"))


def test_png_and_svg_files(pack, events, tmp_path):
    figure = render_map(pack, AFTER, events_under(events, pack, pack.version_on(AFTER)))
    png, svg = save_figure(figure, tmp_path / "map.png"), save_figure(figure, tmp_path / "map.svg")
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 1000
        assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 50  # not a blank image
    text = html.unescape(svg.read_text(encoding="utf-8"))
    for expected in (pack.title, "Zones in force", "Events, by verdict", 'id="zone-kharkiv_border-inside"',
                     "the clauses apply (up to 40 km)"):
        assert expected in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "map.svg"]  # no temporary files left


def test_save_figure_rejects_other_formats(pack, tmp_path):
    figure = render_map(pack, BEFORE)
    with pytest.raises(InputError, match="unknown map format"):
        save_figure(figure, tmp_path / "map.pdf")
    with pytest.raises(InputError, match="does not exist"):
        save_figure(figure, tmp_path / "missing" / "map.png")
    assert list(tmp_path.iterdir()) == []


def _versions_between(pack, start: dt.date, end: dt.date) -> list[str]:
    return [v.id for v in pack.versions if v.effective_from <= end and (v.effective_to is None or v.effective_to >= start)]


def test_animate_makes_one_frame_per_version(pack, events, tmp_path):
    start, end = dt.date(2024, 5, 1), dt.date(2024, 7, 1)
    frames = animate(pack, start, end, tmp_path / "frames", events)
    expected = _versions_between(pack, start, end)
    assert len(expected) > 2 and [p.stem.split("-", 1)[1] for p in frames] == expected
    assert all(p.stat().st_size > 10_000 for p in frames)
    (gif,) = animate(pack, BEFORE, BEFORE + dt.timedelta(days=1), tmp_path / "change.gif")
    with Image.open(gif) as image:
        assert image.n_frames == len(_versions_between(pack, BEFORE, BEFORE + dt.timedelta(days=1))) == 2


def test_animate_rejects_bad_targets_and_ranges(pack, tmp_path):
    with pytest.raises(InputError, match="unknown map format"):
        animate(pack, BEFORE, AFTER, tmp_path / "frames.mp4")
    with pytest.raises(InputError, match="before"):
        animate(pack, AFTER, BEFORE, tmp_path / "frames.gif")


def _words(figure) -> dict[str, str]:
    return {t.get_gid(): t.get_text() for t in figure.texts if t.get_gid()}


def test_coalition_panels_one_per_supplier_with_words_from_the_packs():
    """Same extent for every panel; each says in words where its weapons could be used, and the words follow the
    packs: the US panel changes with its version of 30 May 2024, Italy's never allows Russia."""
    packs = pack_set(None)
    before, after = (render_coalition(packs, dt.date(2024, 5, day)) for day in (29, 30))
    suppliers = sorted(p.supplier for p in packs.packs)
    assert [ax.get_title(loc="left").split(" · ")[0] for ax in after.axes] == suppliers
    assert len({(ax.get_xlim(), ax.get_ylim()) for ax in after.axes}) == 1
    words_before, words_after = _words(before), _words(after)
    assert set(words_after) == {f"words-{s}" for s in suppliers}
    assert "not inside Russia" in words_before["words-US"] and "near the border" in words_after["words-US"]
    assert "not inside Russia" in words_after["words-IT"]


def test_events_located_by_an_area_are_drawn_as_that_area(pack):
    """A radius is a dashed circle around its dot; a region alone is its outline, with no dot anywhere."""
    events = pl.DataFrame({
        "id": ["disc", "region"], "lat": [50.6, None], "lon": [36.6, None], "within_km": [20.0, None],
        "region": [None, "RU-KRS"], "verdict": ["ALLOWED", "INDETERMINATE"], "version": ["kharkiv", "kharkiv"],
        "resolved_lat": [50.6, None], "resolved_lon": [36.6, None],
    })
    figure = render_map(pack, dt.date(2024, 6, 5), events)
    ids = [p.get_gid() for p in figure.axes[0].patches if p.get_gid() and p.get_gid().startswith("area-")]
    assert ids == ["area-disc-0", "area-region-1"]
    dots = [c for c in figure.axes[0].collections if (c.get_gid() or "").startswith("events-")]
    assert sum(len(c.get_offsets()) for c in dots) == 1  # the disc's centre only: a region gets no point
    outline = next(p for p in figure.axes[0].patches if p.get_gid() == "area-region-1")
    assert outline.get_linestyle() == "-" and not outline.get_fill()
    assert "not shown" not in figure.texts[-1].get_text()  # every event is on the map
