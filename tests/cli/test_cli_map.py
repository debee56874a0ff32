"""`enduse map` through its installed entry point (a real subprocess)."""

from __future__ import annotations

import html
import json

import pytest
from entry import run
from PIL import Image

from enduse import load_pack


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """An audit output written by `enduse audit` (CSV: every cell text, lists joined)."""
    folder = tmp_path_factory.mktemp("map")
    uses = [{"date": "2024-06-05", "place": place, "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}
            for place in ("Shebekino", "Belgorod", "Voronezh", "Kursk", "Donetsk")]
    (folder / "uses.jsonl").write_text("".join(json.dumps(u) + "\n" for u in uses))
    result = run("audit", str(folder / "uses.jsonl"), "-o", str(folder / "uses.audit.csv"))
    assert result.returncode == 0, result.stderr
    return folder / "uses.audit.csv"


def test_map_svg_with_events(audited, tmp_path):
    target = tmp_path / "map.svg"
    result = run("map", "--date", "2024-06-05", "--data", str(audited), "-o", str(target))
    assert result.returncode == 0, result.stderr
    text = html.unescape(target.read_text(encoding="utf-8"))
    pack = load_pack("us-ukraine")
    assert pack.title in text and pack.version("kharkiv").title in text and 'id="zone-kharkiv_border-inside"' in text
    dots = text.count('id="events-')
    assert dots >= 2 and "Events, by verdict" in text  # at least two verdicts among the five uses


def test_map_png_with_params_and_before_the_change(tmp_path):
    before, after = tmp_path / "29.svg", tmp_path / "30.png"
    assert run("map", "--date", "2024-05-29", "-o", str(before)).returncode == 0
    result = run("map", "--date", "2024-05-30", "--param", "near_border_inside_km=25", "-o", str(after))
    assert result.returncode == 0, result.stderr
    assert "zone-" not in before.read_text(encoding="utf-8")
    with Image.open(after) as image:
        assert image.format == "PNG" and image.width > 1000


def test_animate_to_gif(tmp_path):
    target = tmp_path / "change.gif"
    result = run("map", "--animate", "--start", "2024-05-29", "--end", "2024-06-17", "-o", str(target))
    assert result.returncode == 0, result.stderr
    with Image.open(target) as image:
        assert image.n_frames == 3  # baseline, kharkiv (30 May), whole border (17 Jun)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-13-01", "-o", "{tmp}/m.png"], "not a date"),
        (["--date", "2024-06-01", "-o", "{tmp}/m.pdf"], "unknown map format"),
        (["--date", "2024-06-01", "--data", "{tmp}/bad.parquet", "-o", "{tmp}/m.png"], "cannot read"),
        (["--date", "2024-06-01", "--data", "{tmp}/none.csv", "-o", "{tmp}/m.png"], "no such file"),
        (["--date", "2024-06-01", "--param", "near_border_inside_km=x", "-o", "{tmp}/m.png"], "needs a number"),
        (["--animate", "--start", "2024-06-01", "-o", "{tmp}/m.gif"], "--end is required"),
        (["-o", "{tmp}/m.png"], "--date is required"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    (tmp_path / "bad.parquet").write_text("not parquet")
    result = run("map", *(a.format(tmp=tmp_path) for a in args))
    assert result.returncode == 2
    # One message (rich may wrap it at the terminal width), no traceback, nothing written.
    assert message in " ".join(result.stderr.split()) and result.stderr.startswith("error: ")
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet"]


def test_map_of_one_supplier_and_of_all_as_geojson(tmp_path):
    gb = tmp_path / "gb.png"
    result = run("map", "--date", "2024-08-20", "--supplier", "GB", "-o", str(gb))
    assert result.returncode == 0, result.stderr
    assert gb.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    zones = tmp_path / "zones.geojson"
    assert run("map", "--date", "2024-08-20", "--supplier", "all", "-o", str(zones)).returncode == 0
    collection = json.loads(zones.read_text())
    assert collection["type"] == "FeatureCollection" and collection["features"]
    import shapely.geometry

    for feature in collection["features"]:
        assert {"supplier", "pack", "version", "zone", "band"} <= set(feature["properties"])
        assert shapely.geometry.shape(feature["geometry"]).is_valid


@pytest.mark.parametrize(("args", "message"), [
    (["--supplier", "ZZ"], "no bundled pack governs"),
    (["--supplier", "Narnia"], "unknown supplier"),
    (["--supplier", "GB", "--pack", "de-ukraine"], "not both"),
    (["--supplier", "all", "-o", "x.txt"], "unknown map format"),
])
def test_map_supplier_errors_are_one_line(tmp_path, args, message):
    output = [] if "-o" in args else ["-o", str(tmp_path / "x.png")]
    result = run("map", "--date", "2024-08-20", *args, *output)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_animate_every_supplier(tmp_path):
    gif = tmp_path / "all.gif"
    result = run("map", "--animate", "--start", "2024-05-29", "--end", "2024-05-30", "--supplier", "all", "-o", str(gif))
    assert result.returncode == 0, result.stderr
    with Image.open(gif) as image:
        assert image.n_frames == 2
