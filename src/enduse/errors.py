"""The errors enduse raises on purpose, each with its own exit code.

The CLI turns these into one-line messages and exits with ``exit_code``; anything
else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations

#: Messages are cut to this many characters where they are shown (a 100 kB input is not echoed back).
SHOWN_CHARS = 500
SHOWN_LINES = 60


class EnduseError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    exit_code = 1


class InputError(EnduseError):
    """A use, flag or input file is invalid (bad date, unknown word, ...)."""

    exit_code = 2


class TooLarge(InputError):
    """An input holds more rows or cells than the caller allows (the server's upload limits)."""


class Cancelled(EnduseError):
    """The caller stopped the run (the client of an upload went away); nothing was written."""


class PackError(EnduseError):
    """A policy pack does not load or validate; the message names file and clause."""

    exit_code = 4


class EvaluationError(EnduseError):
    """Cedar reported an error while deciding; never silently turned into a verdict."""

    exit_code = 5


def shown(message: str, limit: int = SHOWN_CHARS, lines: int = SHOWN_LINES) -> str:
    """``message`` safe to show on a terminal or in a web page: control characters (terminal escapes included)
    written as escapes, each line cut to ``limit`` characters, at most ``lines`` lines."""
    out = []
    for line in message.split("\n")[:lines]:
        safe = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in line)
        out.append(safe if len(safe) <= limit else safe[: limit - 1] + "…")
    return "\n".join(out) + ("\n…" if message.count("\n") >= lines else "")
