"""Errors of the columnar Cedar evaluator."""

from __future__ import annotations


class Unsupported(Exception):
    """A policy construct, value shape or type mix the columnar evaluator does not handle.

    Raised instead of ever giving an answer that could differ from Cedar's; callers fall back
    to ``cedarpy`` for whatever raises it.
    """


class MixedTypes(Unsupported):
    """One column would hold Cedar values of different types (a smaller batch may still work)."""
