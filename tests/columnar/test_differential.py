"""Differential tests: the columnar evaluator against cedarpy on random requests."""

from __future__ import annotations

import random
import re

import cedarpy
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outcomes import cedar_outcomes

import enduse.columnar as columnar
from enduse.columnar import (
    Unsupported,
    compile_policies,
    is_authorized_batch,
    prepare_entities,
    uid,
)
from enduse.columnar.dedup import distinct_rows

_ERR_ID = re.compile(r"policy `([^`]*)`")


def _ent(t: str, i: str) -> dict:
    return {"type": t, "id": i}


def _entities() -> list[dict]:
    ents = [
        {"uid": _ent("Group", "g2"), "attrs": {}, "parents": []},
        {"uid": _ent("Group", "g1"), "attrs": {}, "parents": [_ent("Group", "g2")]},
        {"uid": _ent("Group", "g0"), "attrs": {}, "parents": [_ent("Group", "g1")]},
        {"uid": _ent("Folder", "f0"), "attrs": {}, "parents": []},
        {"uid": _ent("Action", "read"), "attrs": {}, "parents": [_ent("Action", "all")]},
        {"uid": _ent("Action", "write"), "attrs": {}, "parents": [_ent("Action", "all")]},
        {"uid": _ent("Action", "all"), "attrs": {}, "parents": []},
    ]
    users = [
        ("u0", {"age": 30, "name": "ann", "tags": ["a", "b"], "level": 2}, ["g0"], {"x": 3}),
        ("u1", {"age": 9223372036854775807, "name": "bob", "tags": []}, ["g1"], {"x": 4}),
        ("u2", {"name": "cy", "tags": ["b"]}, ["g2"], {}),
        ("u3", {"age": -5, "tags": ["a", "b", "c"], "level": 7}, [], {"y": 1}),
        ("u4", {"age": 0, "name": "", "tags": ["c"], "level": -9223372036854775808}, ["g0", "g2"], {}),
    ]
    for uid_, attrs, groups, tags in users:
        ents.append(
            {
                "uid": _ent("User", uid_),
                "attrs": attrs,
                "parents": [_ent("Group", g) for g in groups],
                "tags": tags,
            }
        )
    docs = [
        ("d0", {"owner": {"__entity": _ent("User", "u0")}, "public": True, "tags": ["a"],
                "readers": [{"__entity": _ent("Group", "g1")}]}, ["f0"]),
        ("d1", {"owner": {"__entity": _ent("User", "u1")}, "public": False, "tags": ["b", "c"],
                "readers": []}, []),
        ("d2", {"owner": {"__entity": _ent("User", "u9")}, "tags": [],
                "readers": [{"__entity": _ent("User", "u3")}, {"__entity": _ent("Group", "g2")}]}, ["f0"]),
        ("d3", {"public": True, "tags": ["c"]}, []),
    ]
    for did, attrs, parents in docs:
        ents.append({"uid": _ent("Doc", did), "attrs": attrs, "parents": [_ent("Folder", p) for p in parents]})
    return ents


ENTITIES = _entities()

POLICY_SETS = {
    "errors_and_short_circuit": """
        permit(principal, action == Action::"read", resource) when { principal.age + context.n > 10 };
        permit(principal, action, resource) when { principal.level < 3 };
        forbid(principal, action, resource) when { context.s like "a*b\\*" };
        permit(principal, action, resource) when { principal.name == "ann" || principal.age > 1 };
        permit(principal, action, resource) when { if context.flag then principal.age > 5 else context.n > 0 };
        forbid(principal, action == Action::"write", resource) when { context.flag && 1 < "a" };
        permit(principal, action, resource) when { context has s && context.s == "ab" };
        permit(principal, action, resource) when { principal has age && principal.age * 2 > context.n };
        forbid(principal, action, resource) unless { -context.n < 100 };
        permit(principal, action, resource) when { context.n - principal.level >= 0 && !context.flag };
    """,
    "hierarchy": """
        permit(principal in Group::"g1", action in Action::"all", resource);
        permit(principal, action, resource) when { resource.owner == principal };
        permit(principal, action, resource) when { principal in resource.readers };
        forbid(principal, action == Action::"write", resource in Folder::"f0") when { principal in [Group::"g0", Group::"g2"] };
        permit(principal is User, action, resource is Doc in Folder::"f0") when { resource.public };
        permit(principal, action, resource) when { resource.owner in Group::"g2" };
        forbid(principal, action, resource) when { principal is Group || resource is User in Group::"g0" };
        permit(principal, action, resource) when { context.who in principal };
    """,
    "sets_like_has_ite": """
        permit(principal, action, resource) when { principal.tags.contains(context.s) };
        permit(principal, action, resource) when { principal.tags.containsAll(["a"]) };
        forbid(principal, action, resource) when { resource.tags.containsAny(principal.tags) && context.flag };
        permit(principal, action, resource) when { [1, 2, 3].contains(context.n) };
        permit(principal, action, resource) when { principal.tags == ["b", "a"] };
        permit(principal, action, resource) when { principal.tags.isEmpty() || context.s like "*x*" };
        permit(principal, action, resource) when { (if principal has name then principal.name else "none") like "?*n*" };
        permit(principal, action, resource) when { {a: context.n, b: [context.s]} == {b: ["ab"], a: 1} };
        permit(principal, action, resource) when { principal.hasTag("x") && principal.getTag("x") == 3 };
        forbid(principal, action, resource) when { principal.getTag("y") == context.n };
        permit(principal, action, resource) when { context.rec.k == 1 || context.rec has j };
    """,
    "extensions": """
        permit(principal, action, resource) when { context.ip.isInRange(ip("10.0.0.0/8")) };
        permit(principal, action, resource) when { context.ip.isLoopback() || context.ip.isIpv6() };
        permit(principal, action, resource) when { decimal(context.d).lessThan(decimal("1.5")) };
        forbid(principal, action, resource) when { decimal(context.d) == decimal("2.50") };
        permit(principal, action, resource) when { context.when.offset(duration("1h")) > datetime("2024-01-01") };
        permit(principal, action, resource) when { duration(context.dur).toHours() > 1 };
        forbid(principal, action, resource) when { context.when.toTime() < duration("1s") && context.when.toDate() == datetime("1969-12-31") };
        permit(principal, action, resource) when { context.when.durationSince(datetime("1970-01-01")).toDays() < -1 };
    """,
    # parts read only in tests against literals: the distinct-request path counts them by the tests' results
    "literal_tests": """
        permit(principal in Group::"g1", action in [Action::"read", Action::"all"], resource is Doc in Folder::"f0");
        permit(principal == User::"u3", action, resource) when { context.tags.contains("a") && !context.tags.contains("c") };
        forbid(principal is User, action == Action::"write", resource) when { ["", "a", "b", "axb", "a*b*"].contains(context.s) };
        permit(principal, action, resource) when { context has s && context.s != "x" && [Doc::"d1", Doc::"d9", User::"u4"].contains(resource) };
        permit(principal, action, resource) when { principal is Group || context.tags.contains("b") && action != Action::"read" };
        forbid(principal, action, resource == Doc::"d2") when { context.s == "abc" || context.flag == "x" };
        permit(principal, action, resource) when { resource in Folder::"f0" && context.tags.contains("") || principal in User::"u9" };
        forbid(principal, action, resource) when { (context.t == "a" || context.t == "b") && context.marks.contains("a") };
        permit(principal, action, resource) when { context.tags.contains("ab") && context.t == "b" };
    """,
}

STRS = ["", "ab", "a", "b", "axb", "a*b", "a*b*", "x", "abc"]
INTS = [0, 1, 2, 3, -1, 100, 99, -100, 9223372036854775807, -9223372036854775808, 4611686018427387904]
PRINCIPALS = [_ent("User", f"u{i}") for i in range(5)] + [_ent("User", "u9"), _ent("Group", "g0")]
RESOURCES = [_ent("Doc", f"d{i}") for i in range(4)] + [_ent("Doc", "d9"), _ent("User", "u4")]
ACTIONS = [_ent("Action", "read"), _ent("Action", "write"), _ent("Action", "other")]
IPS = ["10.1.2.3", "127.0.0.1", "192.168.0.1/16", "::1", "ff00::/8", "11.0.0.0/7", "not an ip"]
DECS = ["1.0", "1.4999", "2.5", "-0.5", "abc", "922337203685477.5807", "1.23456"]
DATES = ["2024-01-01", "2023-12-31T23:30:00Z", "1969-12-31T23:59:59.500Z", "2024-02-29T10:00:00+0100", "2025-02-29"]
DURS = ["1h", "2h30m", "-90m", "1d", "x", "59m59s999ms"]


def _context(rnd: random.Random, policy_set: str) -> dict:
    c: dict = {}
    opt = lambda: rnd.random() < 0.85  # noqa: E731 - attributes may be absent
    if opt():
        c["n"] = rnd.choice(INTS)
    if opt():
        c["s"] = rnd.choice(STRS)
    if opt():
        c["flag"] = rnd.random() < 0.5
    if policy_set == "hierarchy" and opt():
        c["who"] = {"__entity": rnd.choice(PRINCIPALS + [_ent("Group", "g1"), _ent("Group", "g2")])}
    if policy_set == "sets_like_has_ite" and opt():
        rec = {}
        if rnd.random() < 0.5:
            rec["k"] = rnd.choice([0, 1])
        if rnd.random() < 0.3:
            rec["j"] = "j"
        c["rec"] = rec
    if policy_set == "literal_tests":
        for name in ("tags", "marks"):
            if opt():
                c[name] = [rnd.choice(["a", "b", "c", "", "ab", "x"]) for _ in range(rnd.choice([0, 0, 1, 2, 3, 5]))]
        if opt():
            c["t"] = rnd.choice(STRS)
    if policy_set == "extensions":
        if opt():
            c["ip"] = {"__extn": {"fn": "ip", "arg": rnd.choice(IPS[:-1])}}
        if opt():
            c["d"] = rnd.choice(DECS)
        if opt():
            c["when"] = {"__extn": {"fn": "datetime", "arg": rnd.choice(DATES[:-1])}}
        if opt():
            c["dur"] = rnd.choice(DURS)
    return c


def _requests(rnd: random.Random, policy_set: str, n: int) -> list[dict]:
    return [
        {
            "principal": rnd.choice(PRINCIPALS),
            "action": rnd.choice(ACTIONS),
            "resource": rnd.choice(RESOURCES),
            "context": _context(rnd, policy_set),
        }
        for _ in range(n)
    ]


def _cedar(requests: list[dict], policies: str) -> list[tuple]:
    return cedar_outcomes(cedarpy.is_authorized_batch(requests, policies, ENTITIES))


def _columnar(requests: list[dict], policies: str) -> list[tuple]:
    res = is_authorized_batch(requests, policies, ENTITIES)
    return [(r["decision"], frozenset(r["reason"]), frozenset(r["errors"])) for r in res]


def _compare(requests: list[dict], policies: str) -> None:
    expected, got = _cedar(requests, policies), _columnar(requests, policies)
    bad = [(req, e, g) for req, e, g in zip(requests, expected, got) if e != g]
    assert not bad, f"{len(bad)} mismatches, first: {bad[0]}"


@pytest.fixture(params=[False, True], ids=["rows", "dedup"])
def dedup(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run with the distinct-request path forced on (every batch) or off."""
    monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 1 if request.param else 10**12)
    monkeypatch.setattr(columnar, "DEDUP_MAX_SHARE", 1.0 if request.param else columnar.DEDUP_MAX_SHARE)
    return request.param


@pytest.mark.parametrize("name", sorted(POLICY_SETS))
def test_seeded_batch(name: str, dedup: bool) -> None:
    rnd = random.Random(f"columnar-{name}")
    requests = _requests(rnd, name, 1500)
    _compare(requests, POLICY_SETS[name])
    # the policies must actually exercise allow, deny and errors
    kinds = {r[0] for r in _columnar(requests, POLICY_SETS[name])}
    assert kinds == {"Allow", "Deny"}
    assert any(r[2] for r in _columnar(requests, POLICY_SETS[name]))


@pytest.mark.parametrize("name", sorted(POLICY_SETS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), size=st.integers(1, 40))
def test_hypothesis_batches(name: str, seed: int, size: int) -> None:
    _compare(_requests(random.Random(seed), name, size), POLICY_SETS[name])


@settings(max_examples=60, deadline=None)
@given(
    a=st.sampled_from(INTS + [5, -7, 2**32]),
    b=st.sampled_from(INTS + [5, -7, 2**32]),
    op=st.sampled_from(["+", "-", "*"]),
    cmp=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
)
def test_checked_arithmetic(a: int, b: int, op: str, cmp: str) -> None:
    policies = f"permit(principal, action, resource) when {{ context.a {op} context.b {cmp} 0 }};"
    reqs = [{"principal": PRINCIPALS[0], "action": ACTIONS[0], "resource": RESOURCES[0], "context": {"a": a, "b": b}}]
    _compare(reqs, policies)


def test_evaluate_frame_matches_batch() -> None:
    """The fast path on a polars frame gives what is_authorized_batch gives."""
    rnd = random.Random(7)
    reqs = _requests(rnd, "errors_and_short_circuit", 300)
    compiled = compile_policies(POLICY_SETS["errors_and_short_circuit"])
    frame = pl.DataFrame(
        {
            "principal": [uid(r["principal"]["type"], r["principal"]["id"]) for r in reqs],
            "action": [uid(r["action"]["type"], r["action"]["id"]) for r in reqs],
            "resource": [uid(r["resource"]["type"], r["resource"]["id"]) for r in reqs],
            "context": pl.Series(
                [r["context"] for r in reqs],
                dtype=pl.Struct({"flag": pl.Boolean, "n": pl.Int64, "s": pl.String}),
            ),
        }
    )
    out = compiled.evaluate(frame, prepare_entities(ENTITIES))
    assert out.columns == ["decision", "reason", "errors"]
    got = [(d, frozenset(r), frozenset(e)) for d, r, e in out.iter_rows()]
    assert got == _cedar(reqs, POLICY_SETS["errors_and_short_circuit"])


def _frame(reqs: list[dict], context: pl.Struct) -> pl.DataFrame:
    return pl.DataFrame({
        **{var: [uid(r[var]["type"], r[var]["id"]) for r in reqs] for var in ("principal", "action", "resource")},
        "context": pl.Series([r["context"] for r in reqs], dtype=context),
    })


@pytest.mark.parametrize("kept", [16, 2])
def test_one_compiled_set_follows_each_calls_entities_and_types(kept: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiled policies keep their lowered query per entity store and request types: reused, it must still answer
    for the store and the types of the call at hand, in any order of calls, and when queries kept are dropped."""
    monkeypatch.setattr(columnar, "_QUERIES_KEPT", kept)
    policies = POLICY_SETS["errors_and_short_circuit"]
    compiled = compile_policies(policies)
    older = [e if e["uid"] != _ent("User", "u0") else {**e, "attrs": {**e["attrs"], "age": 1, "level": 9}} for e in ENTITIES]
    full = pl.Struct({"flag": pl.Boolean, "n": pl.Int64, "s": pl.String})
    short = pl.Struct({"flag": pl.Boolean, "n": pl.Int64})
    reqs = _requests(random.Random(11), "errors_and_short_circuit", 400)
    users_only = [r for r in reqs if r["principal"]["type"] == "User" and r["resource"]["type"] == "Doc"]
    calls = [(ENTITIES, full, reqs), (older, full, reqs), (ENTITIES, short, reqs), (ENTITIES, full, users_only),
             (older, full, reqs), (ENTITIES, full, reqs)]
    stores = {id(older): prepare_entities(older), id(ENTITIES): prepare_entities(ENTITIES)}
    for entities, context, batch in calls:
        if context is short:
            batch = [{**r, "context": {k: v for k, v in r["context"].items() if k != "s"}} for r in batch]
        out = compiled.evaluate(_frame(batch, context), stores[id(entities)])
        expected = cedar_outcomes(cedarpy.is_authorized_batch(batch, policies, entities))
        assert [(d, frozenset(r), frozenset(e)) for d, r, e in out.iter_rows()] == expected
    assert {r[0] for r in expected} == {"Allow", "Deny"}


@pytest.fixture
def always_dedup(monkeypatch: pytest.MonkeyPatch) -> None:
    """The distinct-request path for every frame, however small."""
    monkeypatch.setattr(columnar, "DEDUP_MIN_ROWS", 1)
    monkeypatch.setattr(columnar, "DEDUP_MAX_SHARE", 1.0)


def _blurred(r: dict) -> dict:
    """``r`` with values that no literal of the ``literal_tests`` policies tells apart exchanged for others."""
    c = dict(r["context"])
    if c.get("s") in ("ab", "a*b"):
        c["s"] = "zz" + c["s"]
    if "tags" in c:
        c["tags"] = [t if t in ("a", "b", "c", "", "ab") else "zz" for t in c["tags"]]
    if "marks" in c:
        c["marks"] = [t if t == "a" else "zz" for t in c["marks"]]
    if c.get("t") not in (None, "a", "b"):
        c["t"] = "zz"
    swap = {"u1": "u4", "u4": "u1"}  # both users in Group::"g1", neither u3 nor u9
    return {**r, "principal": _ent("User", swap[r["principal"]["id"]]) if r["principal"]["id"] in swap else r["principal"],
            "context": c}


def _literal_frame(reqs: list[dict]) -> pl.DataFrame:
    ctx = {"s": pl.String, "t": pl.String, "tags": pl.List(pl.String), "marks": pl.List(pl.String), "flag": pl.Boolean}
    return pl.DataFrame(
        {
            **{v: [uid(r[v]["type"], r[v]["id"]) for r in reqs] for v in ("principal", "action", "resource")},
            "context": pl.Series([{k: r["context"].get(k) for k in ctx} for r in reqs], dtype=pl.Struct(ctx)),
        }
    )


def test_literal_tests_share_one_evaluation_per_outcome_of_the_tests(always_dedup: None) -> None:
    """Requests told apart only by values no literal test distinguishes are evaluated once, with Cedar's answers."""
    reqs = _requests(random.Random("literal-tests-frame"), "literal_tests", 2000)
    both = reqs + [_blurred(r) for r in reqs]
    compiled = compile_policies(POLICY_SETS["literal_tests"])
    store = prepare_entities(ENTITIES)
    frame = _literal_frame(both)
    reps, _ = distinct_rows(frame, compiled.reads, store)
    assert len(reps) == len(distinct_rows(_literal_frame(reqs), compiled.reads, store)[0])
    assert frame.unique().height > len(reps) + 1000  # the exchanged values make distinct requests
    got = [(d, frozenset(r), frozenset(e)) for d, r, e in compiled.evaluate(frame, store).iter_rows()]
    assert got == _cedar(both, POLICY_SETS["literal_tests"])


@pytest.mark.parametrize("principal", ["u0", "u3"])
@pytest.mark.parametrize("field", ["s", "t", "tags", "marks"])
def test_literal_tests_tell_apart_what_the_policies_tell_apart(field: str, principal: str, always_dedup: None) -> None:
    """Only ``field`` varies, so its values fall into a few classes of many requests each: a class that merged
    values some policy tells apart would give some of them a wrong answer."""
    # fixed so that no forbid policy hides the others, except the one where context.t shows
    fixed = {"s": "x", "t": "a", "tags": ["a"], "marks": ["a"] if field == "t" else ["b"], "flag": True}
    reqs = []
    for r in _requests(random.Random(f"literal-tests-{field}"), "literal_tests", 1000):
        ctx = {k: v for k, v in fixed.items() if k != field}
        if field in r["context"]:
            ctx[field] = r["context"][field]
        reqs.append({"principal": _ent("User", principal), "action": _ent("Action", "write"), "resource": _ent("Doc", "d2"),
                     "context": ctx})
    compiled = compile_policies(POLICY_SETS["literal_tests"])
    store = prepare_entities(ENTITIES)
    frame = _literal_frame(reqs)
    assert len(distinct_rows(frame, compiled.reads, store)[0]) < 40
    expected = _cedar(reqs, POLICY_SETS["literal_tests"])
    assert len(set(expected)) > 1
    assert [(d, frozenset(r), frozenset(e)) for d, r, e in compiled.evaluate(frame, store).iter_rows()] == expected


def test_a_uid_column_read_in_literal_tests_is_still_checked(always_dedup: None) -> None:
    """A value that is not a uid is refused on the distinct-request path as on the row path, though no test tells it
    apart from Action::"other"."""
    reqs = _requests(random.Random("literal-tests-bad-uid"), "literal_tests", 500)
    frame = pl.concat([_literal_frame(reqs)] * 20)
    other = pl.col("action") == uid("Action", "other")
    first_other = frame.with_row_index().filter(other)["index"][0]
    bad = frame.with_columns(pl.when(pl.int_range(pl.len()) == first_other).then(pl.lit("nope")).otherwise("action").alias("action"))
    compiled = compile_policies(POLICY_SETS["literal_tests"])
    assert compiled.evaluate(frame, prepare_entities(ENTITIES)).height == 10000
    with pytest.raises(Unsupported, match="not uids"):
        compiled.evaluate(bad, prepare_entities(ENTITIES))


def test_unsupported_construct_raises_at_compile_time() -> None:
    with pytest.raises(Unsupported, match="template"):
        compile_policies('permit(principal == ?principal, action, resource);')



def test_mixed_types_raise_unsupported() -> None:
    ents = [
        {"uid": _ent("User", "a"), "attrs": {"v": 1}, "parents": []},
        {"uid": _ent("User", "b"), "attrs": {"v": "one"}, "parents": []},
    ]
    reqs = [{"principal": _ent("User", "a"), "action": ACTIONS[0], "resource": RESOURCES[0], "context": {}}]
    with pytest.raises(Unsupported, match="mixed types"):
        is_authorized_batch(reqs, "permit(principal, action, resource) when { principal.v == 1 };", ents)
