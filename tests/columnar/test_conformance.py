"""The whole Cedar conformance corpus through the columnar evaluator.

Every request of every test whose policies/data the evaluator accepts must get exactly the
expected decision, determining policies and erroring policies. Tests it refuses (Unsupported)
are counted; the accepted share must not regress.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

import enduse.columnar as columnar
from enduse.columnar import Unsupported, is_authorized_batch

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "cedar-conformance" / "corpus-tests.tar.gz"
MIN_ACCEPTED_REQUEST_SHARE = 0.96  # achieved: 60,376 / 62,472 = 96.64%


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
    tests = sorted(p for p in (corpus_dir / "corpus-tests").glob("*.json") if not p.name.endswith(".entities.json"))
    assert len(tests) == 7809
    total = accepted = accepted_tests = 0
    mismatches: list[tuple] = []
    refused: dict[str, int] = {}
    for path in tests:
        t = json.loads(path.read_text())
        policies = (corpus_dir / t["policies"]).read_text()
        entities = json.loads((corpus_dir / t["entities"]).read_text())
        requests = t["requests"]
        total += len(requests)
        try:
            results = is_authorized_batch(requests, policies, entities)
        except Unsupported as ex:
            key = str(ex).split(":")[0][:80]
            refused[key] = refused.get(key, 0) + len(requests)
            continue
        accepted += len(requests)
        accepted_tests += 1
        for r, got in zip(requests, results, strict=True):
            expected = (r["decision"], set(r["reason"]), set(r["errors"]))
            actual = (got["decision"].lower(), set(got["reason"]), set(got["errors"]))
            if expected != actual:
                mismatches.append((path.name, r["description"], expected, actual))
    share = accepted / total
    print(
        f"\ncolumnar conformance ({'dedup' if dedup else 'rows'}): {accepted_tests}/{len(tests)} tests, {accepted}/{total} requests "
        f"accepted ({share:.2%}); refused: {refused}; mismatches: {len(mismatches)}"
    )
    assert total == 62472
    assert not mismatches, f"{len(mismatches)} mismatches, first ones: {mismatches[:5]}"
    assert share >= MIN_ACCEPTED_REQUEST_SHARE
