"""Benchmark: ``enduse.columnar.is_authorized_batch`` vs ``cedarpy.is_authorized_batch``, with a schema.

The library use outside enduse: plain request dicts (JSON-like, extension values as strings that
only the schema types), a Cedar schema, policies over records, sets of sets and extension types
(the ``tests/columnar/cedar_format`` organisation). Both engines get the same inputs; cedarpy gets
pre-parsed PolicySet/Entities/Schema handles. Results must agree exactly (decision, reasons,
erroring policies). Prints one JSON line per size; timings are printed, never asserted.

    python benchmarks/bench_columnar_schema.py --n 10000 100000
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import cedarpy

from enduse.columnar import compile_policies, is_authorized_batch, load_schema, prepare_entities

ROOT = Path(__file__).resolve().parents[1] / "tests" / "columnar" / "cedar_format"
DATA = ROOT / "sample-data" / "org"
POLICIES = (ROOT / "tests" / "records" / "policies.cedar").read_text() + (ROOT / "tests" / "context" / "policies.cedar").read_text()
_ERR_ID = re.compile(r"policy `([^`]*)`")


def requests(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    ips = ["123.123.123.123", "127.0.0.1", "10.0.0.1", "::1", "123.4.5.6"]
    out = []
    for _ in range(n):
        action = rnd.choice(["read", "write", "share"])
        net = {"source_ip": rnd.choice(ips), "confidence_score": rnd.choice(["0.6", "0.2", "0.75", "0.9"])}
        ctx = net if action != "share" else {
            "network": net, "when": rnd.choice(["2024-06-01T00:00:00Z", "2021-03-01"]),
            "with": [{"type": "Org::User", "id": rnd.choice(["alice", "bob"])} for _ in range(rnd.randint(0, 2))]}
        out.append({"principal": {"type": "Org::User", "id": rnd.choice(["alice", "bob"])},
                    "action": {"type": "Org::Action", "id": action},
                    "resource": {"type": "Org::Document", "id": rnd.choice(["plan", "memo"])}, "context": ctx})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    schema_text = (DATA / "schema.cedarschema").read_text()
    entities_text = (DATA / "entities.json").read_text()
    schema = load_schema(schema_text)
    store = prepare_entities(json.loads(entities_text), schema)
    compiled = compile_policies(POLICIES)
    c_schema = cedarpy.Schema.from_str(schema_text)
    c_policies = cedarpy.PolicySet.from_str(POLICIES)
    c_entities = cedarpy.Entities.from_json_str(entities_text, c_schema)
    for n in args.n:
        reqs = requests(n, args.seed)
        t = time.perf_counter()
        mine = is_authorized_batch(reqs, compiled, store, schema)
        t_col = time.perf_counter() - t
        t = time.perf_counter()
        theirs = cedarpy.is_authorized_batch(reqs, c_policies, c_entities, c_schema)
        t_ced = time.perf_counter() - t
        bad = sum(
            1 for a, b in zip(mine, theirs)
            if (a["decision"], set(a["reason"]), set(a["errors"]))
            != (b.decision.value, set(b.diagnostics.reasons), {m.group(1) for e in b.diagnostics.errors for m in [_ERR_ID.search(e)] if m})
        )
        print(json.dumps({"requests": n, "columnar_s": round(t_col, 3), "cedarpy_s": round(t_ced, 3),
                          "columnar_per_s": round(n / t_col), "cedarpy_per_s": round(n / t_ced),
                          "speedup": round(t_ced / t_col, 1), "mismatches": bad}))


if __name__ == "__main__":
    main()
