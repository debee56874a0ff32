"""Controlled vocabularies of a use, and the "did you mean" helper shared by all inputs.

The vocabularies are enduse-wide, not per pack: a use is described the same way
whichever policy judges it. ``unknown`` is a legal value where a reporter may not
know the fact; the evaluator then explores every value (see ``enduse.evaluate``).
"""

from __future__ import annotations

from collections.abc import Iterable

from enduse.errors import InputError

UNKNOWN = "unknown"

TARGETS: tuple[str, ...] = (
    "military_forces",
    "artillery",
    "missile_launcher",
    "aircraft",
    "airfield",
    "air_defense",
    "command_post",
    "ammunition_depot",
    "military_industry",
    "energy_infrastructure",
    "civilian_infrastructure",
    "missile_in_flight",
    UNKNOWN,
)

PURPOSES: tuple[str, ...] = ("intercept", "counter_fire", "preempt_attack", "interdiction", UNKNOWN)

FACT_VALUES: tuple[str, ...] = ("yes", "no", UNKNOWN)

#: Other words for suppliers: a use states a supplier as an ISO 3166-1 alpha-2 code, or one of these.
SUPPLIER_ALIASES = {
    "uk": "GB", "united kingdom": "GB", "britain": "GB", "usa": "US", "united states": "US", "france": "FR",
    "germany": "DE", "italy": "IT", "belgium": "BE", "netherlands": "NL", "denmark": "DK", "sweden": "SE",
    "finland": "FI", "poland": "PL", "czechia": "CZ", "czech republic": "CZ", "canada": "CA", "norway": "NO",
    "ukraine": "UA", "spain": "ES",
}


def supplier_keys() -> dict[str, str]:
    """Lower-case word → supplier code: every two-letter code, and the aliases."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return {a + b: (a + b).upper() for a in letters for b in letters} | SUPPLIER_ALIASES


def supplier_code(word: str) -> str:
    """The supplier code ``word`` stands for; raises ``InputError`` for anything else."""
    key = word.strip().lower()
    if key == UNKNOWN:
        return UNKNOWN
    code = supplier_keys().get(key)
    if code is None:
        raise InputError(f"unknown supplier {word!r}: give a two-letter country code (GB, FR, DE, US...) or 'unknown'")
    return code


def suggest(word: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Closest choices to ``word``, best first (empty when nothing is close)."""
    from rapidfuzz import process, utils  # only a word not recognised needs it: imported then, not at every start

    found = process.extract(word, list(choices), processor=utils.default_process, limit=limit, score_cutoff=60)
    return [choice for choice, _score, _index in found]


def choose(kind: str, word: str, choices: Iterable[str]) -> str:
    """Return ``word`` normalised if it is one of ``choices``, else raise with suggestions.

    Matching ignores case, surrounding blanks and ``-`` versus ``_``.
    """
    options = list(choices)
    key = word.strip().lower().replace("-", "_").replace(" ", "_")
    if key in options:
        return key
    hints = suggest(key, options)
    hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
    raise InputError(f"unknown {kind} {word!r}{hint} (choose from: {', '.join(options)})")
