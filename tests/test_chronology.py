"""The coalition chronology: a lane per bundled pack, a span per version, levels read from the policies."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from enduse.decisions import Verdict
from enduse.packs.registry import pack_set
from enduse.chronology import LEVELS, PROBES, coalition_lanes, level_of

verdicts = st.lists(st.sampled_from(list(Verdict)), min_size=len(PROBES), max_size=len(PROBES) * 6).filter(
    lambda v: len(v) % len(PROBES) == 0)


def _decisions(values):
    return [SimpleNamespace(verdict=v) for v in values]


@given(verdicts)
def test_the_level_is_the_farthest_probe_allowed(values):
    level = level_of(_decisions(values))
    allowed = [PROBES[i % len(PROBES)][0] for i, v in enumerate(values) if v is Verdict.ALLOWED]
    if allowed:
        assert level == max(allowed, key=LEVELS.index)
    elif Verdict.INDETERMINATE in values:
        assert level == "vague"
    else:
        assert level == "none"  # nothing allowed or open anywhere: never coloured above none


@given(verdicts, st.data())
def test_allowing_more_never_lowers_the_level(values, data):
    index = data.draw(st.integers(0, len(values) - 1))
    more = [*values[:index], Verdict.ALLOWED, *values[index + 1:]]
    assert LEVELS.index(level_of(_decisions(more))) >= LEVELS.index(level_of(_decisions(values)))


def test_every_pack_has_a_lane_of_its_versions_in_order():
    packs = pack_set(None)
    lanes = coalition_lanes(packs)
    assert [lane.pack for lane in lanes] == [p.name for p in sorted(packs.packs, key=lambda p: p.supplier)]
    for lane in lanes:
        pack = packs.pack(lane.pack)
        assert [s.version for s in lane.spans] == [v.id for v in pack.versions]
        for span, following in zip(lane.spans, lane.spans[1:]):
            assert span.start < span.end == following.start
        assert all(span.level in LEVELS for span in lane.spans)
    levels = {lane.supplier: [s.level for s in lane.spans] for lane in lanes}
    assert set(levels["IT"]) == set(levels["BE"]) == {"none"}  # the packs' own invariant: never allowed in Russia
    assert levels["US"][0] == "none" and LEVELS.index(levels["US"][1]) >= LEVELS.index("border area")
