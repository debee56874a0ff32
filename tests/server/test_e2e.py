"""The web page end to end: uvicorn on a free loopback port, Debian Chromium driven by Playwright.

Playwright's own browser download is not used; the screenshot is kept in tests/artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from importlib import resources

import httpx
import polars as pl
import pytest
from playwright.sync_api import expect, sync_playwright

from enduse.api import check
from enduse.audit import run_audit
from enduse.compare import compare_suppliers
from enduse.packs.registry import load_pack, pack_set

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason="needs Debian chromium (.ci/run installs it)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "decisions.sqlite"
    enduse = str(Path(sys.executable).with_name("enduse"))
    process = subprocess.Popen([enduse, "serve", "--port", str(port), "--log", str(log)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"enduse serve did not start: {process.stderr.read1().decode() if process.poll() is not None else ''}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    outside = []
    page.on("request", lambda request: None if request.url.startswith((url, "data:")) else outside.append(request.url))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return page, outside


def set_date(page, day: str) -> None:
    page.fill("#date-input", day)
    page.dispatch_event("#date-input", "change")


def test_place_a_use_and_read_the_verdict(server, browser, pack):
    ARTIFACTS.mkdir(exist_ok=True)
    page, outside = open_page(browser, server, 1280)
    set_date(page, "2024-06-05")
    page.locator("#layer-zones path").first.wait_for()
    assert "kharkiv" in page.inner_text("#version-line")
    # Click the middle of the oblast drawn as Belgorod: the server must place the use in Belgorod too.
    box = page.locator("#layer-regions path:has(title:text-is('Belgorod'))").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.select_option("#weapon", "HIMARS")
    page.select_option("#target", "artillery")
    page.select_option("#purpose", "counter_fire")
    page.click("#check-button")
    page.wait_for_selector("#verdict")
    page.wait_for_load_state("networkidle")
    lat, lon = map(float, re.search(r"([\d.]+)° N, ([\d.]+)° E", page.inner_text("#point-line")).groups())
    decision = check({"date": "2024-06-05", "lat": lat, "lon": lon, "weapon": "HIMARS", "target": "artillery",
                      "purpose": "counter_fire"}, pack)
    assert decision.facts.region_name == "Belgorod"
    assert page.inner_text("#verdict") == decision.verdict.value.replace("_", " ")
    assert decision.version in page.inner_text("#result")
    for clause in decision.clauses:
        assert clause.id in page.inner_text("#result")
    page.screenshot(path=str(ARTIFACTS / "web-e2e.png"), full_page=True)
    # What-if: a narrower "just across the border" band changes the zones drawn and the verdict as the library says.
    page.click("#assumptions summary")
    page.fill("[data-param=near_border_inside_km]", "5")
    page.dispatch_event("[data-param=near_border_inside_km]", "change")
    page.fill("[data-param=near_border_outside_km]", "10")
    page.dispatch_event("[data-param=near_border_outside_km]", "change")
    expect(page.locator("#legend")).to_contain_text("near border inside km = 5")
    narrow = check({"date": "2024-06-05", "lat": lat, "lon": lon, "weapon": "HIMARS", "target": "artillery",
                    "purpose": "counter_fire"}, pack, params={"near_border_inside_km": "5", "near_border_outside_km": "10"})
    expect(page.locator("#verdict")).to_have_text(narrow.verdict.value.replace("_", " "))
    expect(page.locator("#result")).to_contain_text("clearly inside up to this distance: 5 km")
    page.screenshot(path=str(ARTIFACTS / "web-e2e-what-if.png"), full_page=True)
    # Before the first exception no zone is drawn.
    set_date(page, "2023-01-10")
    expect(page.locator("#layer-zones path")).to_have_count(0)
    expect(page.locator("#legend")).to_contain_text("names no zone")
    assert outside == []
    page.close()


def test_usable_at_phone_width(server, browser):
    page, outside = open_page(browser, server, 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] > 300
    page.screenshot(path=str(ARTIFACTS / "web-e2e-phone.png"))
    page.select_option("#supplier", "all")
    search_place(page, "Sudzha")
    page.keyboard.press("Enter")
    page.wait_for_selector("#compare-table")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the comparison table scrolls inside its box
    assert outside == []
    page.close()


def test_api_docs_render_from_local_assets(server, browser):
    page = browser.new_page()
    outside = []
    page.on("request", lambda request: None if request.url.startswith(server) else outside.append(request.url))
    page.goto(f"{server}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/v1/check")).to_be_visible(timeout=30_000)
    assert outside == []
    page.close()


def search_place(page, text: str) -> list[str]:
    """Type ``text`` into the place search box; the names offered, best first."""
    page.fill("#place-search", text)
    page.locator(f"#place-results[data-query='{text}'] button").first.wait_for()
    return page.locator("#place-results button").evaluate_all("buttons => buttons.map(b => b.dataset.place)")


def test_all_suppliers_at_sudzha_read_from_the_comparison_table(server, browser):
    page, outside = open_page(browser, server, 1280)
    page.select_option("#supplier", "all")
    set_date(page, "2024-08-20")
    expect(page.locator("#version-line")).to_contain_text("suppliers' policies in force")
    assert search_place(page, "Судж")[0] == "Sudzha"
    assert search_place(page, "sudzah")[0] == "Sudzha"
    assert search_place(page, "Sudzha")[0] == "Sudzha"
    page.select_option("#target", "military_forces")
    page.select_option("#purpose", "counter_fire")
    page.locator("#place-results button").first.click()
    expect(page.locator("#point-line")).to_contain_text("Sudzha (RU-KRS)")
    page.wait_for_load_state("networkidle")
    lat, lon = map(float, re.search(r"([\d.]+)° N, ([\d.]+)° E", page.inner_text("#point-line")).groups())
    use = {"date": "2024-08-20", "lat": lat, "lon": lon, "weapon": "unknown", "target": "military_forces", "purpose": "counter_fire"}
    rows = compare_suppliers(use, pack_set(None))
    assert rows == compare_suppliers({**use, "place": "Sudzha", "lat": None, "lon": None}, pack_set(None))
    table = page.locator("#compare-table tbody tr")
    expect(table).to_have_count(len(rows))
    shown = table.evaluate_all("rows => rows.map(r => [r.dataset.supplier, r.dataset.verdict, r.innerText])")
    assert [(s, v) for s, v, _ in shown] == [(r["supplier"], r["verdict"]) for r in rows]
    for (_, _, text), row in zip(shown, rows, strict=True):
        assert (row["version"] or "none in force") in text and all(c in text for c in row["clauses"])
    assert {r["supplier"] for r in rows} == set(pack_set(None).by_supplier)
    for verdict in {r["verdict"] for r in rows}:
        expect(page.locator("#compare-summary")).to_contain_text(verdict.replace("_", " "))
    assert page.locator("#layer-cities [data-city=Kursk]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "web-e2e-all-suppliers.png"), full_page=True)
    assert outside == []
    page.close()


def test_one_supplier_draws_its_zones_and_judges_by_its_pack(server, browser):
    page, outside = open_page(browser, server, 1280)
    page.select_option("#supplier", "GB")
    set_date(page, "2024-12-30")
    expect(page.locator("#pack-title")).to_contain_text(load_pack("gb-ukraine").title)
    search_place(page, "Lgov")
    page.keyboard.press("Enter")
    page.select_option("#weapon", "Storm Shadow")
    page.select_option("#target", "command_post")
    page.select_option("#purpose", "interdiction")
    page.wait_for_selector("#verdict")
    page.wait_for_load_state("networkidle")
    lat, lon = map(float, re.search(r"([\d.]+)° N, ([\d.]+)° E", page.inner_text("#point-line")).groups())
    decision = check({"date": "2024-12-30", "lat": lat, "lon": lon, "weapon": "Storm Shadow", "supplier": "GB",
                      "target": "command_post", "purpose": "interdiction"}, pack_set(None))
    assert decision.pack == "gb-ukraine"
    expect(page.locator("#verdict")).to_have_text(decision.verdict.value.replace("_", " "))
    zones = httpx.get(f"{server}/v1/zones", params={"supplier": "GB", "date": "2024-12-30"}).json()["features"]
    expect(page.locator("#layer-zones path")).to_have_count(len(zones))
    assert {s for s in page.locator("#layer-zones path").evaluate_all("ps => ps.map(p => p.dataset.supplier)")} <= {"GB"}
    weapons = page.locator("#weapon option").evaluate_all("os => os.map(o => o.value)")
    assert "HIMARS" not in weapons and "Storm Shadow" in weapons
    assert outside == []
    page.close()


def test_uploaded_incidents_show_the_counts_of_enduse_audit_on_the_map_and_in_a_table(server, browser, tmp_path):
    incidents = Path(str(resources.files("enduse.examples").joinpath("incidents.csv")))
    summary = run_audit(incidents, tmp_path / "out.csv", progress=False)
    page, outside = open_page(browser, server, 1280)
    page.set_input_files("#audit-file", str(incidents))
    page.click("#audit-button")
    page.wait_for_selector("#audit-summary")
    counts = dict(page.locator("#audit-summary dd").evaluate_all("ds => ds.map(d => [d.dataset.count, d.innerText])"))
    expected = {"rows_in": summary.rows_in, "rows_out": summary.rows_out, "rows_rejected": summary.rows_rejected,
                **{v: summary.verdicts.get(v, 0) for v in ("ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED")}}
    assert {k: int(v.replace(",", "")) for k, v in counts.items()} == expected
    audited = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(summary.rows_out)
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)")) == sorted(audited["verdict"].to_list())
    drawn = page.locator("#layer-incidents > *")
    assert drawn.count() == page.locator("#audit-table tbody tr.located").count() > 0
    assert sorted(drawn.evaluate_all("ns => ns.map(n => n.classList[1])")) == sorted(
        page.locator("#audit-table tbody tr.located").evaluate_all("rs => rs.map(r => r.dataset.verdict)"))
    page.screenshot(path=str(ARTIFACTS / "web-e2e-audit.png"), full_page=True)
    assert outside == []
    page.close()


def test_uncertain_locations_are_drawn_as_their_areas(server, browser, tmp_path):
    table = tmp_path / "uncertain.csv"
    table.write_text("id,date,lat,lon,within_km,place,region,weapon,target,purpose\n"
                     "point,2024-08-20,51.19,35.27,,,,HIMARS,military_forces,counter_fire\n"
                     "disc,2024-08-20,51.19,35.27,20,,,HIMARS,military_forces,counter_fire\n"
                     "oblast,2024-08-20,,,,,RU-BEL,HIMARS,military_forces,counter_fire\n"
                     "nowhere,2024-08-20,,,,,,HIMARS,military_forces,counter_fire\n")
    summary = run_audit(table, tmp_path / "out.csv", progress=False)
    page, outside = open_page(browser, server, 1280)
    page.set_input_files("#audit-file", str(table))
    page.click("#audit-button")
    page.wait_for_selector("#audit-summary")
    assert int(page.inner_text("#audit-summary [data-count=rows_rejected]")) == summary.rows_rejected == 1
    expect(page.locator("#layer-incidents circle.incident")).to_have_count(1)
    expect(page.locator("#layer-incidents path.incident-area")).to_have_count(2)
    disc, oblast = (page.locator("#layer-incidents path.incident-area").nth(i).bounding_box() for i in range(2))
    assert disc["width"] < oblast["width"]  # a 20 km circle is smaller than Belgorod oblast
    where = page.locator("#audit-table tbody tr td:nth-child(3)").all_inner_texts()
    assert where == ["51.190, 35.270", "51.190, 35.270 ± 20 km", "RU-BEL"]
    assert outside == []
    page.close()
