"""Concurrent checks are judged together, and each caller gets exactly its own answer."""

from __future__ import annotations

import asyncio

import httpx

from enduse import check
from enduse.errors import InputError
from enduse.server.app import create_app
from enduse.server.batching import Batcher


def test_each_caller_gets_its_own_result_or_error():
    calls = []

    def judge(key, items):
        calls.append(list(items))
        return [InputError(f"bad {i}") if i % 3 == 0 else (key, i * 10) for i in items]

    async def main():
        batcher = Batcher(judge, max_size=4, max_wait=0.05)
        return await asyncio.gather(*(batcher.submit("k", i) for i in range(1, 11)), return_exceptions=True)

    results = asyncio.run(main())
    for i, result in zip(range(1, 11), results):
        assert isinstance(result, InputError) if i % 3 == 0 else result == ("k", i * 10)
    assert sorted(i for batch in calls for i in batch) == list(range(1, 11))
    assert max(len(batch) for batch in calls) <= 4 and len(calls) < 10


def test_concurrent_http_checks_equal_single_checks(pack, log_path, monkeypatch):
    import enduse.server.app as server

    uses = [{"date": "2024-06-05", "lat": 50.3 + i / 50, "lon": 36.9, "weapon": "HIMARS", "target": "artillery",
             "purpose": "counter_fire"} for i in range(12)]
    uses.append({"date": "2024-06-05", "place": "Atlantis", "weapon": "HIMARS"})
    expected = [check(use, pack).to_json() for use in uses[:-1]]
    passes = []
    real = server.Judge.uses
    monkeypatch.setattr(server.Judge, "uses", lambda self, uses, **k: passes.append(len(uses)) or real(self, uses, **k))

    async def main():
        transport = httpx.ASGITransport(app=create_app(pack=pack, log_path=log_path))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/v1/check", json=use) for use in uses))

    responses = asyncio.run(main())
    for answer, response in zip(expected, responses):
        assert response.status_code == 200 and response.json() == answer
    assert responses[-1].status_code == 422 and "Atlantis" in responses[-1].json()["error"]
    assert sum(passes) == len(uses) and len(passes) < len(uses)


def test_concurrent_checks_are_logged_together_each_seq_naming_its_own_record(pack, log_path, monkeypatch):
    import json

    from enduse.decision_log import DecisionLog

    uses = [{"date": "2024-06-05", "lat": 50.3 + i / 50, "lon": 36.9, "weapon": "HIMARS", "target": "artillery",
             "purpose": "counter_fire"} for i in range(12)]
    for i in (1, 4, 7):  # failures in the middle of a pass: the seqs of the others must not shift
        uses[i] = {"date": "2024-06-05", "place": f"Atlantis{i}", "weapon": "HIMARS"}
    commits = []
    real = DecisionLog.append_many
    monkeypatch.setattr(DecisionLog, "append_many", lambda self, entries: commits.append(len(entries)) or real(self, entries))

    async def main():
        transport = httpx.ASGITransport(app=create_app(pack=pack, log_path=log_path))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/v1/check", json=use) for use in uses))

    responses = asyncio.run(main())
    records = {r["seq"]: r for r in DecisionLog(log_path).records()}
    for use, response in zip(uses, responses):
        if "place" in use:
            assert response.status_code == 422 and "x-enduse-log-seq" not in response.headers
            continue
        record = records[int(response.headers["x-enduse-log-seq"])]
        assert json.loads(record["input"])["lat"] == use["lat"] and record["verdict"] == response.json()["verdict"]
    assert sorted(records) == list(range(1, len(uses) - 3 + 1))
    assert sum(commits) == len(uses) - 3 and len(commits) < len(uses) - 3
    assert DecisionLog(log_path).verify().ok


def test_a_poisoned_check_fails_alone_among_concurrent_ones(log_path):
    """Facts named like internal columns, or unknown to every pack, are that check's 422; its neighbours get 200."""
    valid = {"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}
    poisoned = [{**valid, "facts": {"row": "yes"}}, {**valid, "facts": {"reason": "no"}}, {**valid, "facts": {"__verdict": "x"}}]
    uses = [valid] * 10 + poisoned

    async def main():
        transport = httpx.ASGITransport(app=create_app(log_path=log_path))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.post("/v1/check", json=use) for use in uses))

    responses = asyncio.run(main())
    assert [r.status_code for r in responses] == [200] * 10 + [422] * 3
    assert all(r.json()["verdict"] == "ALLOWED" for r in responses[:10])


def test_a_long_audit_does_not_block_checks(tmp_path, log_path):
    import polars as pl

    from enduse.synthetic import synthetic_uses

    table = synthetic_uses(60_000, seed=2)
    upload = table.write_csv().encode()
    use = {"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}
    done: list[str] = []

    async def main():
        transport = httpx.ASGITransport(app=create_app(log_path=log_path, max_upload_bytes=50_000_000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=300) as client:
            async def audit():
                answer = await client.post("/v1/audit", files={"file": ("t.csv", upload)})
                done.append("audit")
                return answer

            async def checks():
                await asyncio.sleep(0.5)  # the audit is under way
                answers = [await client.post("/v1/check", json={**use, "lat": 50.4 + i / 100, "place": None, "lon": 36.9})
                           for i in range(5)]
                done.append("checks")
                return answers

            return await asyncio.gather(audit(), checks())

    audited, checked = asyncio.run(main())
    assert audited.status_code == 200 and pl.read_csv(audited.content).height + int(audited.headers["x-enduse-rows-rejected"]) == 60_000
    assert all(r.status_code == 200 for r in checked)
    assert done == ["checks", "audit"]
