"""Zone bands: the shortcuts ``zone_bands`` takes give the bands of the direct definition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from enduse.packs.params import with_checked_params
from enduse.geo.locate import border_stretch, locate_many
from enduse.packs.params import MAX_KM
from enduse.zones import Band, zone_bands


def _points(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense along the border, sparse over the rest of the world."""
    rng = np.random.default_rng(seed)
    lat = np.concatenate([rng.uniform(44, 56, 3_000), rng.uniform(-90, 90, 300)])
    lon = np.concatenate([rng.uniform(28, 46, 3_000), rng.uniform(-180, 180, 300)])
    return lat, lon


def _direct_bands(pack, lat: np.ndarray, lon: np.ndarray) -> dict[str, np.ndarray]:
    """Each zone's bands by its definition: every eligible point measured from the zone's own line."""
    located = locate_many(lat, lon)
    bands = {}
    for name, zone in pack.zones.items():
        eligible = located.country == zone.country
        if zone.regions:
            eligible &= np.isin(located.region.astype(str), zone.regions)
        band = np.where(eligible, Band.INSIDE.value, Band.OUTSIDE.value).astype(object)
        if zone.inside_km is not None:
            distance = np.full(len(lat), np.inf)
            distance[eligible] = border_stretch(zone.measured_from).distance_km(lat[eligible], lon[eligible])
            inside, outside = float(pack.param(zone.inside_km)), float(pack.param(zone.outside_km))
            band[:] = Band.OUTSIDE.value
            band[distance <= outside] = Band.VAGUE.value
            band[distance <= inside] = Band.INSIDE.value
        scope = pack.param(zone.scope) if zone.scope else "in"
        if scope == "out":
            band[:] = Band.OUTSIDE.value
        elif scope == "vague":
            band[band == Band.INSIDE.value] = Band.VAGUE.value
        bands[name] = band
    return bands


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    inside=st.floats(0, MAX_KM),
    extra=st.floats(0, 1_000),
    scope=st.sampled_from(["in", "out", "vague"]),
)
def test_bands_equal_the_direct_definition(pack, seed, inside, extra, scope):
    """Including thresholds at a point's exact distance from the whole border."""
    lat, lon = _points(seed)
    whole = locate_many(lat, lon).border_distance_km
    inside = float(whole[seed % len(whole)]) if seed % 2 else inside
    outside = float(np.sort(whole)[np.searchsorted(np.sort(whole), inside + extra)]) if seed % 3 else inside + extra
    inside, outside = min(inside, MAX_KM), min(outside, MAX_KM)  # the largest distance a pack accepts
    changed = with_checked_params(
        pack,
        {"near_border_inside_km": repr(inside), "near_border_outside_km": repr(outside), "sumy_in_may_2024_scope": scope},
    )
    found = zone_bands(changed, locate_many(lat, lon), lat, lon)
    for name, expected in _direct_bands(changed, lat, lon).items():
        assert list(found[name].bands) == list(expected), name
