"""The whole Cedar conformance corpus through the columnar evaluator, in Cedar's own test format.

Every request of every test is run by the ``enduse cedar-test`` harness with the test's schema
(entities and contexts read by it, requests validated as the test says): every one must be
accepted and get exactly the expected decision, determining policies and erroring policies.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

import enduse.columnar as columnar
from enduse.columnar.cedar_tests import run_cedar_tests

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "cedar-conformance" / "corpus-tests.tar.gz"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CORPUS.exists():
        pytest.skip(f"conformance corpus not found at {CORPUS}")
    root = tmp_path_factory.mktemp("cedar-corpus")
    with tarfile.open(CORPUS) as tar:
        tar.extractall(root, filter="data")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("dedup", [False, True], ids=["rows", "dedup"])
def test_conformance_corpus(corpus_dir: Path, dedup: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # "dedup": every batch goes through the distinct-request path (reads analysis, row keys)
    monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 1 if dedup else 10**12)
    monkeypatch.setattr(columnar, "DEDUP_MAX_SHARE", 1.0 if dedup else columnar.DEDUP_MAX_SHARE)
    report = run_cedar_tests(corpus_dir)
    print(f"\ncolumnar conformance ({'dedup' if dedup else 'rows'}): {report.as_dict() | {'mismatches': len(report.mismatches)}}")
    assert report.tests == 7809 and report.requests == 62472
    assert not report.refused, f"refused: {dict(report.refused)}"
    assert not report.mismatches, f"{len(report.mismatches)} mismatches, first ones: {report.mismatches[:5]}"
    assert report.accepted == report.agreeing == report.requests
