"""Names of the columns the pipeline's stages pass to each other, in one place.

Every name starts with ``__``: input columns can never take these names (a user
column that does is refused by ``enduse.uses``), so outputs can be audited again.
"""

from __future__ import annotations

from typing import Final

ROW: Final = "__row"  # 1-based input row number
FACT: Final = "__fact:"  # + fact name: a stated fact (yes / no / unknown), then its value under a pack
WITHIN_KM: Final = "__within_km"  # uncertainty radius of the point in km (null: exact point)
AREA: Final = "__area"  # ISO 3166-2 code of the stated region, for a use located only by region (no point)
PIECES: Final = "__pieces"  # index of a use's area in Located.areas (null: an exact point)
ALT: Final = "__alt"  # which kind of place of its area an alternative situation of a use stands for
BAND: Final = "__band:"  # + zone name: inside / vague / outside

# Set by the judge, per use and candidate supplier.
SUPPLIER: Final = "__supplier"  # the supplier whose pack judged (null when several candidates were combined)
PACK: Final = "__pack"  # the pack that judged; null when no pack governs the supplier, or candidates were combined
VERSION: Final = "__version"
VERDICT: Final = "__verdict"
CLAUSES: Final = "__clauses"
MISSING: Final = "__missing"
ERRORS: Final = "__errors"
CONFIDENCE: Final = "__confidence"
ZONES: Final = "__zones"  # zones in force that the point is clearly inside
VAGUE_ZONES: Final = "__vague_zones"
CANDIDATES: Final = "__candidates"  # JSON list of each candidate's supplier, pack, version, verdict, clauses (several only)
