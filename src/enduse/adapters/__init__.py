"""Adapters map foreign table schemas (e.g. ACLED exports) to enduse's standard use columns.

An adapter keeps every original column and adds ``id, date, lat, lon, weapon, target,
purpose``; whatever it cannot read with certainty it writes as ``unknown`` (or leaves
unparsed for the validator to reject), so the audit never judges a guess.
"""
