"""The scalar path (``enduse.scalar``) gives exactly the table path's decisions, errors and rejections.

Random uses (a seeded generator; ``ENDUSE_DIFF_N`` raises how many, default 2,000) of every bundled pack and
version, judged by the whole bundled set and by each pack forced, with and without a forced version: points
anywhere around the war, places by name (and unknown ones), areas, dates before the first versions, catalogued,
unknown and uncatalogued weapons, several candidate suppliers, stated facts (known and unknown) and bad inputs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from typing import Any

import pytest
from places import PLACES

from enduse.catalog import load_catalog
from enduse.decisions import Decision
from enduse.errors import EnduseError
from enduse.judge import Judge
from enduse.packs.registry import pack_set
from enduse.vocab import PURPOSES, TARGETS

N = int(os.environ.get("ENDUSE_DIFF_N", "2000"))
BATCH = 40
PACKS = pack_set(None).packs
WEAPONS = [w.name for w in load_catalog()]
SUPPLIERS = sorted({s for w in load_catalog() for s in w.suppliers} | {"XX"})
FACTS = sorted({f for pack in PACKS for f in pack.facts})


def _use(rng: random.Random) -> dict[str, Any]:
    day = dt.date(2021, 6, 1) + dt.timedelta(days=rng.randrange(1700))
    use: dict[str, Any] = {"date": day.isoformat() if rng.random() > 0.02 else "2024-13-01"}
    where = rng.random()
    if where < 0.72:
        use |= {"lat": round(rng.uniform(43.0, 58.0), 5), "lon": round(rng.uniform(27.0, 50.0), 5)}
    elif where < 0.82:
        use["place"] = rng.choice([*PLACES, "Atlantis"])
    elif where < 0.88:
        use |= {"lat": round(rng.uniform(48.0, 53.0), 4), "lon": round(rng.uniform(33.0, 40.0), 4), "within_km": rng.choice([5, 40])}
    elif where < 0.93:
        use["region"] = rng.choice(["RU-BEL", "UA-63", "Kursk"])
    elif where < 0.97:
        use |= {"lat": rng.choice([95.0, 50.0]), "lon": 36.0}
    use["weapon"] = rng.choice([*WEAPONS, *WEAPONS, "unknown", "Zapp-9"]) if rng.random() > 0.1 else None
    if rng.random() < 0.25:
        use["supplier"] = rng.choice(SUPPLIERS)
    use["target"] = rng.choice([*TARGETS, "moon"] if rng.random() < 0.03 else TARGETS)
    use["purpose"] = rng.choice(PURPOSES)
    if rng.random() < 0.4:
        names = [*FACTS, "colour"] if rng.random() < 0.05 else FACTS
        use["facts"] = {name: rng.choice(["yes", "no", "unknown"]) for name in rng.sample(names, rng.randint(1, len(names)))}
    if rng.random() < 0.15:
        use = _restyled(rng, use)
    return {key: value for key, value in use.items() if value is not None}


def _restyled(rng: random.Random, use: dict[str, Any]) -> dict[str, Any]:
    """The same use written as people write it: other cases, spaces, booleans, whole numbers, ids, blanks."""
    styles = {
        "weapon": lambda v: rng.choice([v.lower(), f" {v}", v.upper().replace("-", " "), ""]),
        "target": lambda v: rng.choice([v.replace("_", " ").title(), v.replace("_", "-"), f"{v} ", ""]),
        "purpose": lambda v: v.upper(),
        "supplier": lambda v: rng.choice([v.lower(), "unknown", " us", "united kingdom"]),
        "lat": lambda v: round(v),
        "date": lambda v: rng.choice([v + "T00:00", dt.date.fromisoformat(v) if v[5:7] != "13" else v, v.replace("-", "/")]),
        "place": lambda v: rng.choice([v.lower(), f"{v} ", ""]),
    }
    out = {key: styles[key](value) if key in styles and isinstance(value, str | int | float) and rng.random() < 0.5 else value
           for key, value in use.items()}
    if "facts" in out:
        out["facts"] = {name: rng.choice([True, False, value, value.upper(), None, ""]) for name, value in out["facts"].items()}
    if rng.random() < 0.3:
        out["id"] = rng.choice(["a-1", 7, " x "])
    return out


def _answer(result: Decision | EnduseError) -> tuple[str, Any]:
    if isinstance(result, Decision):
        return "decision", json.dumps(result.to_json())
    return type(result).__name__, str(result)


def _both(judges: tuple[Judge, Judge], uses: list[dict[str, Any]], version: str | None) -> tuple[list, list]:
    out = []
    for judge, scalar in zip(judges, (True, False), strict=True):
        try:
            out.append([_answer(r) for r in judge.uses(uses, version=version, scalar=scalar)])
        except EnduseError as error:
            out.append([(type(error).__name__, str(error))])
    return out[0], out[1]


@pytest.mark.parametrize("pack", [None, *(p.name for p in PACKS)])
def test_scalar_equals_table(pack: str | None) -> None:
    rng = random.Random(f"scalar:{pack}")
    judges = (Judge.create(pack), Judge.create(pack))
    forced = [] if pack is None else [v.id for v in pack_set(pack).packs[0].versions]
    count = max(BATCH, N // (len(PACKS) + 1))
    for start in range(0, count, BATCH):
        uses = [_use(rng) for _ in range(min(BATCH, count - start))]
        version = rng.choice([None, None, *forced, "2024-07-01", "1999-01-01"]) if forced else None
        scalar, table = _both(judges, uses, version)
        assert scalar == table, (pack, version)


def test_scalar_path_answers_from_the_memo() -> None:
    """A second judgement of new points in known situations decides nothing new."""
    judge = Judge.create("us-ukraine")
    use = {"date": "2024-07-01", "lat": 50.6, "lon": 36.58, "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}
    first = judge.uses([use])[0]
    height = judge.memos["us-ukraine"].table.height
    again = judge.uses([use | {"lat": 50.61}])[0]
    assert judge.memos["us-ukraine"].table.height == height
    assert isinstance(first, Decision) and isinstance(again, Decision) and again.verdict == first.verdict


def test_a_use_in_company_is_judged_as_alone() -> None:
    """The scalar path locates and bands a call's uses together: each still gets exactly its answer alone."""
    rng = random.Random("company")
    judge = Judge.create()
    uses = [_use(rng) for _ in range(120)]
    together = [_answer(r) for r in judge.uses(uses)]
    alone = [_answer(judge.uses([use])[0]) for use in uses]
    assert together == alone
    assert sum(kind == "decision" for kind, _ in together) > 60
