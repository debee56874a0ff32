"""The errors enduse raises on purpose, each with its own exit code.

The CLI turns these into one-line messages and exits with ``exit_code``; anything
else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations


class EnduseError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    exit_code = 1


class InputError(EnduseError):
    """A use, flag or input file is invalid (bad date, unknown word, ...)."""

    exit_code = 2


class PackError(EnduseError):
    """A policy pack does not load or validate; the message names file and clause."""

    exit_code = 4


class EvaluationError(EnduseError):
    """Cedar reported an error while deciding; never silently turned into a verdict."""

    exit_code = 5
