"""`enduse report` through the installed entry point."""

from __future__ import annotations

import pytest
from entry import run

from enduse.audit import run_audit
from enduse.examples import sample_path


def test_report_writes_the_page(tmp_path, pack):
    run_audit(sample_path("incidents.csv"), tmp_path / "incidents.audit.csv", pack=pack, progress=False)
    result = run("report", "incidents.audit.csv", "-o", "out.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "FORBIDDEN" in page and "incidents.audit.csv" in page
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_report_shows_the_assumptions_given(tmp_path, pack):
    run_audit(sample_path("incidents.csv"), tmp_path / "a.csv", pack=pack, params={"near_border_inside_km": "12"})
    result = run("report", "a.csv", "-o", "out.html", "--param", "near_border_inside_km=12", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "near_border_inside_km = 12," in (tmp_path / "out.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: None, "no such file"),
    (lambda d: (d / "in.csv").write_text("id,date,weapon\n1,2024-06-01,HIMARS\n"), "not an audit output"),
    (lambda d: (d / "in.csv").write_bytes(b"\x00\xff garbage"), "in.csv"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, message):
    make(tmp_path)
    result = run("report", "in.csv", "-o", "out.html", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not (tmp_path / "out.html").exists()
