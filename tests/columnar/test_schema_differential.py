"""Differential tests with schemas: the columnar evaluator against cedarpy on random requests.

The schema (``cedar_format/sample-data/org``) has records, sets of sets and of records, entity
references, tags, an enumerated type and every extension type, all given in the JSON as plain
strings, objects and lists that only the schema types. Requests are drawn with a seeded
generator, valid and invalid (undeclared actions, types the action does not apply to, missing,
extra and mistyped context attributes, malformed extension strings, ids outside an enum), and
entity sets are mutated the same way. Whole outcomes are compared: decision, determining
policies, erroring policies, and Cedar's message for every refused request or entity set.
"""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path

import cedarpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import enduse.columnar as columnar
from enduse.columnar import is_authorized_batch, load_schema, prepare_entities

DATA = Path(__file__).parent / "cedar_format" / "sample-data" / "org"
SCHEMA = (DATA / "schema.cedarschema").read_text()
ENTITIES = json.loads((DATA / "entities.json").read_text())
_ERR_ID = re.compile(r"policy `([^`]*)`")
_ENTITY_DUMP = re.compile(r"failed to parse entities from:\n.*?\]: ", re.S)
# why an extension constructor refused its string is worded by each of Cedar's parsers; the
# columnar parsers agree on WHICH strings are refused, and say so in one sentence per type
_EXT_WHY = re.compile(r"(error while evaluating `\w+` extension function: ).*")

POLICIES = """
permit(principal, action == Org::Action::"read", resource)
when { context.source_ip.isInRange(ip("123.0.0.0/8")) && context.confidence_score.greaterThan(decimal("0.5")) };
forbid(principal, action in Org::Action::"all", resource)
when { context.confidence_score.lessThan(resource.limits.max_score) == false && !(resource.limits.allowed.contains(context.source_ip)) };
permit(principal in Org::Group::"admins", action in Org::Action::"write", resource)
when { context.source_ip.isLoopback() || context.source_ip == ip("10.0.0.1") || context.network.source_ip.isIpv6() };
permit(principal, action, resource)
when { principal.address.city == "Lyon" && principal.address has zip && principal.address.zip > 69000 };
permit(principal, action, resource)
when { principal.clearance.contains(["eu", "secret"]) || principal.previous.contains({city: "Paris"}) };
forbid(principal, action, resource)
when { principal.previous.containsAny([{city: "Lille", "street name": "rue Nationale"}]) && resource.labels.isEmpty() };
permit(principal, action in [Org::Action::"write"], resource)
when { principal.manager == resource.owner || principal.manager.address.city == "Lyon" };
permit(principal, action == Org::Action::"share", resource)
when { context.with.containsAll([principal]) && context.when > principal.joined.offset(principal.shift) };
forbid(principal, action, resource)
when { principal.getTag("level") > 2 && {a: principal.clearance, b: [1]} == {b: [1, 1], a: [["public"], ["eu", "secret"]]} && context has color };
permit(principal, action == Org::Action::"share", resource)
when { context.when.toDate() == datetime("2024-06-01") && principal.shift.toMinutes() < 60 && context.color == Org::Color::"green" };
forbid(principal, action, resource) when { resource.readers.containsAny([principal, resource.owner]) && principal.clearance.containsAll([["public"]]) };
"""

IPS = ["123.123.123.123", "127.0.0.1", "10.0.0.1", "::1", "123.0.0.0/8", "1.2.3", "fe80::1/64"]
DECS = ["0.6", "0.2", "0.75", "0.9", "1.23456", "-3.0", "x"]
DATES = ["2024-06-01T00:00:00Z", "2021-03-01", "2021-03-01T17:30:00.001+0100", "2024-13-01"]
USERS = ["alice", "bob", "carol"]


def _u(i: str) -> dict:
    return {"type": "Org::User", "id": i}


def _network(rnd: random.Random) -> dict:
    ctx: dict = {"source_ip": rnd.choice(IPS), "confidence_score": rnd.choice(DECS)}
    roll = rnd.random()
    if roll < 0.05:
        del ctx["confidence_score"]
    elif roll < 0.1:
        ctx["extra"] = 1
    elif roll < 0.15:
        ctx["source_ip"] = 7
    elif roll < 0.2:
        ctx["confidence_score"] = {"__extn": {"fn": "decimal", "arg": rnd.choice(DECS[:4])}}
    return ctx


def _request(rnd: random.Random) -> dict:
    action = rnd.choices(["read", "write", "share", "all", "nope"], weights=[30, 30, 30, 3, 3])[0]
    principal = _u(rnd.choice(USERS)) if rnd.random() < 0.95 else {"type": "Org::Group", "id": "admins"}
    resource = {"type": "Org::Document", "id": rnd.choice(["plan", "memo", "gone"])} if rnd.random() < 0.95 else _u("bob")
    if action == "share":
        ctx: dict = {"network": _network(rnd), "when": rnd.choice(DATES)}
        if rnd.random() < 0.6:
            ctx["with"] = [_u(rnd.choice(USERS)) for _ in range(rnd.randint(0, 3))]
            if rnd.random() < 0.05:
                ctx["with"].append({"type": "Org::Group", "id": "staff"})
        if rnd.random() < 0.4:
            ctx["color"] = {"type": "Org::Color", "id": rnd.choice(["red", "green", "green", "blue"])}
    else:
        ctx = _network(rnd)
    return {"principal": principal, "action": {"type": "Org::Action", "id": action}, "resource": resource, "context": ctx}


def _outcome(decision: str, reasons, errors) -> tuple:
    return decision, frozenset(reasons), frozenset(errors)


def _cedar(requests: list[dict], entities: list[dict]) -> list[tuple]:
    out = []
    for r in cedarpy.is_authorized_batch(requests, POLICIES, json.dumps(entities), SCHEMA):
        if r.decision.value == "NoDecision":
            msgs = [_EXT_WHY.sub(r"\1…", _ENTITY_DUMP.sub("failed to parse entities: ", e)) for e in r.diagnostics.errors]
            out.append(_outcome("NoDecision", [], msgs))
        else:
            errs = {m.group(1) for e in r.diagnostics.errors for m in [_ERR_ID.search(e)] if m}
            assert len(errs) == len(r.diagnostics.errors)
            out.append(_outcome(r.decision.value, r.diagnostics.reasons, errs))
    return out


def _columnar(requests: list[dict], entities: list[dict]) -> list[tuple]:
    results = is_authorized_batch(requests, POLICIES, entities, SCHEMA)
    return [_outcome(r["decision"], r["reason"], [_EXT_WHY.sub(r"\1…", e) for e in r["errors"]]) for r in results]


def _compare(requests: list[dict], entities: list[dict] = ENTITIES) -> list[tuple]:
    expected, got = _cedar(requests, entities), _columnar(requests, entities)
    bad = [(req, e, g) for req, e, g in zip(requests, expected, got) if e != g]
    assert not bad, f"{len(bad)} mismatches, first: {bad[0]}"
    return expected


@pytest.fixture(params=[False, True], ids=["rows", "dedup"])
def dedup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 1 if request.param else 10**12)
    monkeypatch.setattr(columnar, "DEDUP_MAX_SHARE", 1.0 if request.param else columnar.DEDUP_MAX_SHARE)
    return request.param


def test_seeded_requests(dedup: bool) -> None:
    rnd = random.Random("schema-differential")
    outcomes = _compare([_request(rnd) for _ in range(2000)])
    decisions = {o[0] for o in outcomes}
    assert decisions == {"Allow", "Deny", "NoDecision"}
    assert any(o[2] for o in outcomes if o[0] != "NoDecision"), "some policy must error"
    refusals = {re.sub(r"`[^`]*`", "`_`", next(iter(o[2]))) for o in outcomes if o[0] == "NoDecision"}
    assert len(refusals) >= 8, refusals  # many kinds of refusal, each with Cedar's message


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(1, 30))
def test_hypothesis_requests(seed: int, size: int) -> None:
    rnd = random.Random(seed)
    _compare([_request(rnd) for _ in range(size)])


def _set(path: list, value) -> list[dict]:
    ents = copy.deepcopy(ENTITIES)
    target = ents
    for p in path[:-1]:
        target = target[p]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return ents


_DROP = object()
ENTITY_MUTATIONS = {
    "missing required attribute": ([3, "attrs", "name"], _DROP),
    "undeclared attribute": ([3, "attrs", "age"], 40),
    "long for string": ([3, "attrs", "name"], 5),
    "malformed decimal": ([5, "attrs", "limits", "max_score"], "0.12345"),
    "malformed ip in a set": ([5, "attrs", "limits", "allowed"], ["1.2.3.4", "300.1.1.1"]),
    "malformed datetime": ([4, "attrs", "joined"], "2024-02-30"),
    "malformed duration": ([4, "attrs", "shift"], "1h1d"),
    "record for a set": ([3, "attrs", "clearance"], {"a": 1}),
    "string in a set of sets": ([3, "attrs", "clearance"], [["a"], "b"]),
    "record missing a field": ([3, "attrs", "address"], {"zip": 1}),
    "record with an extra field": ([3, "attrs", "address"], {"city": "x", "country": "FR"}),
    "entity of the wrong type": ([4, "attrs", "manager"], {"type": "Org::Group", "id": "staff"}),
    "string for an entity": ([4, "attrs", "manager"], "Org::User::\"alice\""),
    "parent of a type not allowed": ([5, "parents"], [{"type": "Org::Group", "id": "staff"}]),
    "tag of the wrong type": ([3, "tags", "level"], "high"),
    "tag where none are declared": ([5, "tags"], {"t": 1}),
    "undeclared entity type": ([0, "uid", "type"], "Org::Team"),
    "action not in the schema": ([0, "uid"], {"type": "Org::Action", "id": "delete"}),
    "enum id not declared": ([0, "uid"], {"type": "Org::Color", "id": "blue"}),
}


@pytest.mark.parametrize("name", sorted(ENTITY_MUTATIONS))
def test_entities_refused_like_cedar(name: str) -> None:
    path, value = ENTITY_MUTATIONS[name]
    ents = _set(path, value)
    if name == "action not in the schema":
        ents[0]["parents"] = []
    rnd = random.Random(name)
    outcomes = _compare([_request(rnd) for _ in range(20)], ents)
    assert all(o[0] == "NoDecision" for o in outcomes)
    with pytest.raises(columnar.Rejected):
        prepare_entities(ents, SCHEMA)


def test_schema_actions_are_the_action_entities() -> None:
    """With a schema, ``action in Org::Action::"all"`` follows the schema's memberOf, and an action
    entity given in the JSON must match its declaration."""
    same = ENTITIES + [{"uid": {"type": "Org::Action", "id": "share"}, "attrs": {},
                        "parents": [{"type": "Org::Action", "id": "write"}, {"type": "Org::Action", "id": "all"}]}]
    other = ENTITIES + [{"uid": {"type": "Org::Action", "id": "share"}, "attrs": {}, "parents": []}]
    rnd = random.Random("actions")
    requests = [_request(rnd) for _ in range(200)]
    _compare(requests, same)
    assert {o[0] for o in _compare(requests, other)} == {"NoDecision"}


def test_schema_forms_agree() -> None:
    """Cedar text, a cedarpy.Schema handle and the parsed Schema give the same results."""
    rnd = random.Random("forms")
    requests = [_request(rnd) for _ in range(300)]
    base = is_authorized_batch(requests, POLICIES, ENTITIES, SCHEMA)
    assert is_authorized_batch(requests, POLICIES, ENTITIES, cedarpy.Schema.from_str(SCHEMA)) == base
    assert is_authorized_batch(requests, POLICIES, prepare_entities(ENTITIES, SCHEMA), load_schema(SCHEMA)) == base


def test_invalid_schema_is_refused_with_cedars_message() -> None:
    with pytest.raises(columnar.SchemaError, match="Unknown"):
        load_schema("entity A = { b: Unknown };")
