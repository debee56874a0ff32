"""Cedar's hand-written test format through ``enduse cedar-test``, with schemas.

``cedar_format/`` is laid out like cedar-policy/cedar-integration-tests. Its expectations are
checked against Cedar itself (cedarpy, with the schema) so that the harness is compared with
Cedar, not with what we wrote down.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cedarpy
import pytest
from outcomes import cedar_outcomes
from typer.testing import CliRunner

import enduse.cli.cedar_test  # noqa: F401  (registers the command)
from enduse.cli.app import app
from enduse.columnar.cedar_tests import find_tests, run_cedar_tests

HERE = Path(__file__).parent / "cedar_format"
runner = CliRunner()


def _tests() -> list[Path]:
    return find_tests(HERE)


def test_expectations_are_cedars() -> None:
    assert len(_tests()) == 3
    for path in _tests():
        doc = json.loads(path.read_text())
        policies = (HERE / doc["policies"]).read_text()
        entities = (HERE / doc["entities"]).read_text()
        schema = (HERE / doc["schema"]).read_text()
        got = cedar_outcomes(cedarpy.is_authorized_batch(doc["requests"], policies, entities, schema))
        expected = [(r["decision"].capitalize(), frozenset(r["reason"]), frozenset(r["errors"])) for r in doc["requests"]]
        assert got == expected, path
        assert {e[0] for e in expected} == {"Allow", "Deny"} and any(e[2] for e in expected)


def test_harness_agrees_on_every_request() -> None:
    report = run_cedar_tests(HERE)
    assert (report.tests, report.requests, report.accepted, report.agreeing) == (3, 111, 111, 111)
    assert not report.refused and not report.mismatches


def test_command_reports_and_exits_zero() -> None:
    res = runner.invoke(app, ["cedar-test", str(HERE)])
    assert res.exit_code == 0, res.output
    assert "111 requests: 111 accepted (100.00%), 111 agreeing, 0 disagreeing, 0 refused" in " ".join(res.output.split())
    res = runner.invoke(app, ["cedar-test", str(HERE), "--format", "json"])
    assert json.loads(res.output)["agreeing"] == 111


def test_mismatch_and_refusal_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    shutil.copytree(HERE, root)
    test = root / "tests" / "context" / "test_1.json"
    doc = json.loads(test.read_text())
    r = doc["requests"][0]
    r["decision"] = "deny" if r["decision"] == "allow" else "allow"
    test.write_text(json.dumps(doc))
    broken = root / "tests" / "records" / "test_1.json"
    doc = json.loads(broken.read_text())
    doc["policies"] = "tests/records/missing.cedar"
    broken.write_text(json.dumps(doc))
    res = runner.invoke(app, ["cedar-test", str(root)])
    assert res.exit_code == 1
    text = " ".join(res.output.split())
    assert "1 disagreeing, 37 refused" in text and "MISMATCH test_1.json 'context 0" in text
    assert "missing.cedar" in text
    test.write_text((HERE / "tests" / "context" / "test_1.json").read_text())
    assert runner.invoke(app, ["cedar-test", str(root)]).exit_code == 0
    assert runner.invoke(app, ["cedar-test", str(root), "--strict"]).exit_code == 1


@pytest.mark.parametrize("arg", ["/nonexistent/folder", "."])
def test_bad_folder_is_an_input_error(arg: str, tmp_path: Path) -> None:
    target = arg if arg != "." else str(tmp_path)
    res = runner.invoke(app, ["cedar-test", target])
    assert res.exit_code == 2
    assert len(res.output.strip().splitlines()) == 1 and "error:" in res.output
