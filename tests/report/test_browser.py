"""The report as a browser renders it: headless Debian Chromium, no network, screenshot kept as an artefact."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from enduse.report import write_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason="needs Debian chromium (.ci/run installs it)"),
]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180, check=False)


def test_report_renders_in_chromium(audits, pack, tmp_path, parse_html):
    page = write_report(audits["incidents.parquet"], tmp_path / "report.html", pack)
    url = page.as_uri()
    dom = chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    tree = parse_html(dom.stdout)
    summary = next(n for n in tree.find_all("section") if n.attrs.get("id") == "summary")
    shown = {n.attrs["data-verdict"]: int(n.text.replace(",", "")) for n in summary.find_all("strong", attr="data-verdict")}
    raw = pl.read_parquet(audits["incidents.parquet"])
    assert sum(shown.values()) == raw.height
    listed = list(tree.find("table", cls="uses").find_all("tbody", attr="data-id"))
    assert len(listed) == raw.filter(pl.col("verdict").is_in(["FORBIDDEN", "INDETERMINATE"])).height > 0

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    result = chromium("--hide-scrollbars", "--window-size=1280,3200", f"--screenshot={shot}", url,
                      profile=tmp_path / "profile")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    print(f"report screenshot: {shot}")
