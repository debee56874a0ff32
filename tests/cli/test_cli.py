"""The `enduse` command through its installed entry point (a real subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from entry import run

from enduse import load_pack

CONTRACT = {"verdict", "pack", "version", "clauses", "missing", "facts", "assumptions"}
FACT_KEYS = {"country", "region", "border_distance_km", "zones", "weapon_supplier", "weapon_class"}


SHEBEKINO = ["--date", "2024-06-05", "--place", "Shebekino", "--weapon", "HIMARS", "--target", "artillery",
             "--purpose", "counter_fire"]


def test_check_prints_verdict_clause_and_quote():
    result = run("check", *SHEBEKINO)
    assert result.returncode == 0, result.stderr
    text_out = " ".join(result.stdout.split())
    for text in ("ALLOWED", "counter-fire", "Politico via Reuters", "hit back at Russian forces",
                 "near_border_inside_km", "RU-BEL", "kharkiv"):
        assert text in text_out


def test_json_output_is_the_contract():
    result = run("check", *SHEBEKINO, "--format", "json")
    data = json.loads(result.stdout)
    assert CONTRACT <= set(data) and FACT_KEYS <= set(data["facts"])
    assert data["verdict"] == "ALLOWED" and data["version"] == "kharkiv"
    clause = data["clauses"][0]
    assert clause["id"] == "counter-fire" and clause["effect"] == "permit"
    assert {"outlet", "date", "quote"} <= set(clause["source"])
    assert data["facts"]["zones"] == ["kharkiv_border"] and 5 < data["facts"]["border_distance_km"] < 15


def test_facts_and_params_flags():
    result = run("check", *SHEBEKINO, "--fact", "linked_to_invasion=unknown", "--format", "json")
    assert json.loads(result.stdout)["missing"] == ["linked_to_invasion"]
    result = run("check", *SHEBEKINO, "--param", "near_border_inside_km=1", "--format", "json")
    data = json.loads(result.stdout)
    assert data["verdict"] == "INDETERMINATE" and data["assumptions"]["near_border_inside_km"] == 1.0


def test_json_input_from_file_and_stdin(tmp_path):
    uses = [{"date": "2024-06-05", "place": "Shebekino", "weapon": "ATACMS", "target": "artillery", "purpose": "counter_fire"},
            {"date": "2024-06-05", "lat": 48.02, "lon": 37.8, "weapon": "SCALP"}]
    path = tmp_path / "uses.json"
    path.write_text(json.dumps(uses))
    data = json.loads(run("check", "--json", str(path), "--format", "json", "--pack", "us-ukraine").stdout)
    assert [d["verdict"] for d in data] == ["FORBIDDEN", "NOT_GOVERNED"]
    single = json.loads(run("check", "--json", "-", "--format", "json", stdin=json.dumps(uses[0])).stdout)
    assert single["clauses"][0]["id"] == "no-long-range-in-russia"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--date", "2024-02-30", "--place", "Kharkiv", "--weapon", "HIMARS"], "invalid date"),
        (["check", "--date", "2024-06-01", "--place", "Kharkiv", "--weapon", "HIMAR"], "did you mean HIMARS"),
        (["check", "--date", "2024-06-01", "--lat", "91", "--lon", "30", "--weapon", "HIMARS"], "between -90 and 90"),
        (["check", "--date", "2024-06-01", "--place", "Kharkovv", "--weapon", "HIMARS"], "Kharkiv"),
        (["check", "--date", "2024-06-01", "--place", "Kharkiv", "--weapon", "HIMARS", "--fact", "linked=yes"], "did you mean linked_to_invasion"),
        (["check", "--date", "2024-06-01", "--place", "Kharkiv", "--weapon", "HIMARS", "--pack", "us-ukrane"], "did you mean us-ukraine"),
        (["check", "--json", "/nonexistent.json"], "cannot read"),
        (["check", "--date", "2024-06-01", "--place", "Kharkiv", "--weapon", "HIMARS", "--format", "xml"], "unknown format"),
        (["check", "--lat", "x"], "Invalid value"),
        (["check", "--date", "2024-06-01", "--region", "Narnia", "--weapon", "HIMARS"], "unknown region 'Narnia'"),
        (["check", "--date", "2024-06-01", "--region", "RU-BEL", "--place", "Sudzha", "--weapon", "HIMARS"], "not both"),
        (["check", "--date", "2024-06-01", "--place", "Sudzha", "--within-km", "0", "--weapon", "HIMARS"], "within_km"),
        (["check", "--date", "2024-06-01", "--within-km", "5", "--weapon", "HIMARS"], "missing location"),
    ],
)
def test_invalid_input_exits_2_with_one_line_and_no_traceback(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_versions_lists_dates_sources_and_confidence():
    result = run("versions", "--format", "json")
    versions = json.loads(result.stdout)
    assert [v["id"] for v in versions][:2] == ["baseline", "kharkiv"]
    assert versions[1]["effective_from"] == "2024-05-30" and versions[1]["confidence"] == "high"
    assert any(s["outlet"] == "Politico via Reuters" for s in versions[1]["sources"])
    assert "Kharkiv exception" in run("versions").stdout


def test_validate_good_and_broken_pack(pack_copy):
    assert "valid" in run("validate", str(pack_copy)).stdout
    (pack_copy / "zones.toml").write_text((pack_copy / "zones.toml").read_text().replace('"UA-63"', '"UA-00"'))
    result = run("validate", str(pack_copy))
    assert result.returncode == 4 and "zones.toml" in result.stderr and "UA-00" in result.stderr
    assert "Traceback" not in result.stderr


def test_examples_table_covers_every_verdict():
    result = run("examples")
    assert result.returncode == 0, result.stderr
    for verdict in ("ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED"):
        assert verdict in result.stdout
    examples = (Path(__file__).parents[2] / "src/enduse/examples/uses.jsonl").read_text().splitlines()
    assert "atacms-in-kursk" in result.stdout and f"({len(examples)} uses)" in result.stdout
    assert {v.id for v in load_pack("us-ukraine").versions} <= set(result.stdout.split())


def test_weapons_and_vocab_list_the_vocabularies():
    assert "Storm Shadow" in run("weapons").stdout
    assert "missile_in_flight" in run("vocab").stdout


def test_an_audit_keeps_what_it_loaded_out_of_the_collectors_sight(tmp_path, monkeypatch):
    """Full collections need not walk the modules and data an audit loaded (half its GC time at 1M rows); run in-process
    (not as a subprocess like the rest here) to see the collector's state."""
    import gc

    from typer.testing import CliRunner

    from enduse.cli import app
    from enduse.synthetic import synthetic_uses

    import enduse.audit

    synthetic_uses(50, seed=4).write_csv(tmp_path / "in.csv")
    real, frozen = enduse.audit.run_audit, []
    monkeypatch.setattr(enduse.audit, "run_audit", lambda *a, **k: frozen.append(gc.get_freeze_count()) or real(*a, **k))
    gc.unfreeze()
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 0, result.output
    assert frozen[0] > 100_000  # frozen during the run
    assert gc.get_freeze_count() == 0  # and given back as it was after it


def test_audit_writes_outputs_and_prints_the_summary(tmp_path):
    from enduse.synthetic import synthetic_uses

    synthetic_uses(500, seed=4, messy=0.1).write_csv(tmp_path / "in.csv")
    result = run("audit", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "rows in │ 500" in text and "rows rejected" in text
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    rejects = (tmp_path / "out.rejects.csv").read_text().splitlines()
    assert len(out) + len(rejects) - 1 == 500
    assert {"verdict", "clauses", "missing", "zones"} <= set(out[0])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--max-rejects", "3"], 3, "more than 3 rows rejected"),
        (["--engine", "quantum"], 2, "unknown engine"),
        (["--map", "colour=target"], 2, "not a use column"),
        (["--input-format", "gdelt"], 2, "unknown --input-format"),
    ],
)
def test_audit_errors_have_distinct_exit_codes_and_write_nothing(tmp_path, args, code, message):
    from enduse.synthetic import synthetic_uses

    synthetic_uses(200, seed=4, messy=0.2).write_csv(tmp_path / "in.csv")
    result = run("audit", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.parquet"), *args)
    assert result.returncode == code and message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_audit_of_a_missing_or_unreadable_file(tmp_path):
    assert run("audit", str(tmp_path / "nope.csv")).returncode == 2
    (tmp_path / "in.txt").write_text("x")
    result = run("audit", str(tmp_path / "in.txt"))
    assert result.returncode == 2 and "unknown table format" in result.stderr
    (tmp_path / "in.parquet").write_text("not parquet at all")
    result = run("audit", str(tmp_path / "in.parquet"))
    assert result.returncode == 2 and "cannot read as parquet" in result.stderr and "Traceback" not in result.stderr


def test_demo_audits_the_bundled_incidents_and_sample(tmp_path):
    result = run("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Reported incidents" in text and "no-civilian-infrastructure" in text and "rows in │ 20,000" in text
    assert (tmp_path / "incidents.audit.csv").is_file() and (tmp_path / "synthetic.audit.parquet").is_file()
    latest = max(line.split(",")[1] for line in (tmp_path / "incidents.audit.csv").read_text().splitlines()[1:])
    assert (tmp_path / f"map-{latest}.png").read_bytes().startswith(b"\x89PNG") and f"map-{latest}.png" in text
    assert (tmp_path / f"coalition-{latest}.png").read_bytes().startswith(b"\x89PNG")
    report = (tmp_path / "report.html").read_text()
    assert "report.html" in text and "FORBIDDEN" in report and "<script src=" not in report
    assert "red lines over time" in report and "region only" in report  # the coalition, honest locations


def test_audit_of_an_acled_export(tmp_path):
    rows = [
        {"event_id_cnty": "RUS1", "event_date": "01 June 2024", "latitude": 50.41, "longitude": 36.92,
         "notes": "Ukrainian forces struck Russian artillery positions near Shebekino with HIMARS."},
        {"event_id_cnty": "RUS2", "event_date": "2024-10-19", "latitude": 53.12, "longitude": 34.98,
         "notes": "An arsenal near Karachev was hit by ATACMS missiles."},
        {"event_id_cnty": "RUS3", "event_date": "someday", "latitude": 51.7, "longitude": 36.2, "notes": "Shelling."},
    ]
    import polars as pl

    frame = pl.DataFrame(rows).with_columns(
        pl.lit(x).alias(c) for c, x in [("year", 2024), ("event_type", "Explosions/Remote violence"),
                                         ("sub_event_type", "Shelling/artillery/missile attack"), ("actor1", "UA"),
                                         ("actor2", ""), ("country", "Russia"), ("admin1", "Belgorod"), ("admin2", ""),
                                         ("location", "x"), ("geo_precision", 1), ("source", "s"), ("fatalities", 0)]
    )
    frame.write_csv(tmp_path / "acled.csv")
    result = run("audit", str(tmp_path / "acled.csv"), "-o", str(tmp_path / "out.csv"), "--input-format", "acled")
    assert result.returncode == 0, result.stderr
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out["country"].to_list() == ["Russia", "Russia"] and set(out["enduse_country"]) == {"RU"}
    assert out["weapon"].to_list() == ["HIMARS", "ATACMS"]
    assert out["verdict"].to_list() == ["INDETERMINATE", "FORBIDDEN"]
    assert "invalid date" in (tmp_path / "out.rejects.csv").read_text()


def test_supplier_chooses_the_pack_and_several_candidates_are_listed():
    patriot = ["--date", "2024-06-05", "--place", "Shebekino", "--weapon", "Patriot", "--target", "aircraft", "--purpose", "intercept"]
    stated = json.loads(run("check", *patriot, "--supplier", "us", "--format", "json").stdout)
    assert (stated["pack"], stated["supplier"], stated["verdict"], stated["candidates"]) == ("us-ukraine", "US", "ALLOWED", [])
    several = run("check", *patriot, "--format", "json")
    data = json.loads(several.stdout)
    assert [c["supplier"] for c in data["candidates"]] == ["US", "DE", "NL"] and data["pack"] is None
    assert data["candidates"][0]["verdict"] == "ALLOWED"
    text = " ".join(run("check", *patriot).stdout.split())
    assert "Candidate suppliers" in text and "US: ALLOWED" in text
    bad = run("check", *patriot, "--supplier", "Atlantis")
    assert bad.returncode == 2 and "unknown supplier 'Atlantis'" in bad.stderr and "Traceback" not in bad.stderr


def test_compare_puts_every_supplier_side_by_side():
    use = ["--date", "2024-08-20", "--place", "Sudzha", "--target", "military_forces", "--purpose", "counter_fire"]
    result = run("compare", *use, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    from enduse.packs import builtin_names

    assert {r["pack"] for r in rows} == set(builtin_names())
    for row in rows[:4]:
        for weapon in row["weapons"][:2]:
            one = json.loads(run("check", *use, "--weapon", weapon, "--supplier", row["supplier"], "--format", "json").stdout)
            assert (one["verdict"], one["version"]) == (row["verdict"], row["version"])
            assert [c["id"] for c in one["clauses"]] == row["clauses"]
    text = " ".join(run("compare", *use).stdout.split())
    assert "Every supplier's policy" in text and "US" in text


def test_versions_all_is_one_chronology_of_every_pack():
    data = json.loads(run("versions", "--all", "--format", "json").stdout)
    from enduse.packs import builtin_names

    assert {d["pack"] for d in data} == set(builtin_names())
    starts = [d["effective_from"] for d in data]
    assert starts == sorted(starts) and all(d["sources"] for d in data)


def test_user_text_in_the_summary_is_never_markup(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("date,place,weapon\n2024-06-05,[/x],HIMARS\n2024-06-05,[link=http://x]y,HIMARS\n")
    result = run("audit", str(source), "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert 'unknown place "[link=http://x]y"' in result.stdout and 'unknown place "[/x]"' in result.stdout


def test_error_messages_escape_control_characters_and_are_cut():
    result = run("check", "--date", "2024-06-05", "--place", "\x1b]0;owned\x07" + "y" * 2000, "--weapon", "HIMARS")
    assert result.returncode == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert len(result.stderr) < 800


def test_unreadable_inputs_are_one_line_errors(tmp_path):
    binary, deep = tmp_path / "bad.json", tmp_path / "deep.json"
    binary.write_bytes(b'\xff\xfe{"date": 1}')
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for path, message in ((binary, "not UTF-8 text"), (deep, "nested too deeply")):
        result = run("check", "--json", str(path))
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_uncertain_locations_from_the_command_line():
    """A region alone gets no point; a disc over the border is INDETERMINATE naming location; a small one deep in
    a country is judged like its centre."""
    base = ["check", "--date", "2024-08-20", "--weapon", "HIMARS", "--target", "civilian_infrastructure", "--format", "json"]
    region = json.loads(run(*base, "--region", "Kursk").stdout)
    assert region["facts"]["lat"] is None and region["facts"]["area"] == "RU-KRS" and region["facts"]["country"] == "RU"
    assert region["verdict"] == "FORBIDDEN"
    near = json.loads(run(*base, "--place", "Sudzha", "--within-km", "20").stdout)
    assert near["verdict"] == "INDETERMINATE" and near["missing"][0] == "location"
    assert "stated area" in near["explanation"] and near["facts"]["within_km"] == 20
    deep = [json.loads(run(*base, "--place", "Poltava", *extra).stdout) for extra in ([], ["--within-km", "5"])]
    assert deep[0]["verdict"] == deep[1]["verdict"] == "ALLOWED"
