"""What a pack version's policies read: the facts, zones and assumptions its verdicts can depend on.

A version that never reads a fact cannot be decided by it, and an assumption
that shapes only zones a version does not use cannot change its verdicts. The
evaluator uses this to decide fewer situations, and decisions to name only the
assumptions that mattered.
"""

from __future__ import annotations

from functools import lru_cache

from enduse.columnar import Reads, Unsupported, compile_policies
from enduse.packs.model import Pack, Version
from enduse.zones import zone_assumptions


@lru_cache(maxsize=64)
def _reads_of(policy_text: str) -> Reads | None:
    try:
        return compile_policies(policy_text).reads
    except Unsupported:
        return None


def version_reads(version: Version) -> Reads | None:
    """The entities and context attributes ``version``'s policies read; ``None`` when unknown (assume all)."""
    return _reads_of(version.policy_text)


def assumptions_read(pack: Pack, version: Version) -> tuple[str, ...]:
    """Named assumptions ``version``'s verdicts can depend on: those shaping its zones, and the defaults of
    the facts it reads."""
    reads = version_reads(version)
    zones = [name for zone in version.zones for name in zone_assumptions(pack.zones[zone])]
    facts = [fact.default for name, fact in pack.facts.items() if reads is None or name in reads.context]
    return tuple(dict.fromkeys([*zones, *facts]))
