"""Cedar's own integration-test format, run through the columnar evaluator.

Cedar's tests (repository cedar-policy/cedar-integration-tests: the hand-written ``tests/`` and
the generated conformance corpus alike) are JSON files::

    {"policies": "tests/decimal/policies_1.cedar", "entities": "...entities.json",
     "schema": "....cedarschema", "shouldValidate": true,
     "requests": [{"description": "...", "principal": {"type": "User", "id": "alice"},
                   "action": {...}, "resource": {...}, "context": {...}, "validateRequest": true,
                   "decision": "allow", "reason": ["policy0"], "errors": []}]}

File names are relative to the root of the test repository; :func:`run_cedar_tests` looks for
them from the test file's folder upwards. Optional ``policyFormat``/``schemaFormat`` (``cedar``
or ``json``) are honoured. Every request is decided by :func:`enduse.columnar.is_authorized_batch`
with the test's schema (entities and contexts read by it, requests validated unless
``validateRequest`` is false) and compared with the expected decision, determining policies and
erroring policies. A test the evaluator refuses (:class:`Unsupported`, or a file it cannot read)
counts all its requests as refused, with the reason.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .conform import Rejected
from .errors import Unsupported
from .schema import SchemaError


@dataclass
class Mismatch:
    """One request whose columnar result differs from the expected one."""

    test: str
    description: str
    expected: dict
    got: dict


@dataclass
class Report:
    """Counts over all requests of all test files; ``ok`` when everything is accepted and agrees."""

    tests: int = 0
    requests: int = 0
    accepted: int = 0
    agreeing: int = 0
    refused: Counter = field(default_factory=Counter)  # reason -> number of requests
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.agreeing == self.requests

    def as_dict(self) -> dict[str, Any]:
        return {
            "tests": self.tests, "requests": self.requests, "accepted": self.accepted, "agreeing": self.agreeing,
            "refused": dict(self.refused.most_common()),
            "mismatches": [m.__dict__ for m in self.mismatches],
        }


def find_tests(directory: Path) -> list[Path]:
    """Test files under ``directory`` (JSON objects naming ``policies`` and holding ``requests``)."""
    out = []
    for path in sorted(Path(directory).rglob("*.json")):
        if path.name.endswith(".entities.json"):
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict) and "policies" in doc and "requests" in doc:
            out.append(path)
    return out


def _resolve(test: Path, name: str) -> Path:
    for base in (test.parent, *test.parent.parents):
        if (base / name).is_file():
            return base / name
    raise FileNotFoundError(f"{name} (named by {test.name}) not found in its folder or above")


def _outcome(r: dict) -> dict:
    return {"decision": r["decision"].lower(), "reason": sorted(r["reason"]), "errors": sorted(r["errors"])}


def run_test_file(path: Path, report: Report) -> None:
    """Run one test file and add its requests to ``report``."""
    import cedarpy

    from . import compile_policies, is_authorized_batch, load_schema, prepare_entities

    report.tests += 1
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        requests = doc["requests"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as ex:
        report.refused[f"unreadable test file: {ex}"] += 1
        return
    report.requests += len(requests)
    try:
        text = _resolve(path, doc["policies"]).read_text(encoding="utf-8")
        if doc.get("policyFormat") == "json":
            text = cedarpy.policies_from_json_str(text)
        compiled = compile_policies(text)
        schema = load_schema(_resolve(path, doc["schema"]).read_text(encoding="utf-8"))
        entities = json.loads(_resolve(path, doc["entities"]).read_text(encoding="utf-8"))
        store = None
        results: list[Any] = [None] * len(requests)
        for validate in (True, False):
            idx = [i for i, r in enumerate(requests) if r.get("validateRequest", True) is validate]
            if not idx:
                continue
            if store is None:
                try:
                    store = prepare_entities(entities, schema)
                except Rejected:  # refused entities: every request gets Cedar's NoDecision answer
                    store = entities
            got = is_authorized_batch([requests[i] for i in idx], compiled, store, schema, validate_requests=validate)
            for i, g in zip(idx, got, strict=True):
                results[i] = g
    except (Unsupported, SchemaError, FileNotFoundError, ValueError, KeyError) as ex:
        report.refused[_reason(ex)] += len(requests)
        return
    report.accepted += len(requests)
    for r, got in zip(requests, results, strict=True):
        expected, actual = _outcome(r), _outcome(got)
        if expected == actual:
            report.agreeing += 1
        else:
            report.mismatches.append(Mismatch(path.name, r.get("description", ""), expected, actual))


def _reason(ex: Exception) -> str:
    return f"{type(ex).__name__}: {str(ex).split(chr(10))[0][:120]}"


def run_cedar_tests(directory: str | Path, on_file: Callable[[Path], None] | None = None) -> Report:
    """Run every Cedar integration test under ``directory``; see the module docstring."""
    report = Report()
    for path in find_tests(Path(directory)):
        if on_file is not None:
            on_file(path)
        run_test_file(path, report)
    return report
