"""The ``enduse`` command line (typer + rich), a thin layer over the library.

``app`` holds the shared pieces; each sibling module registers the commands of
one theme. A new command goes in a new module imported here. Command modules
import the library inside each command, so that ``enduse --help`` loads no
policy language or geometry and a check loads no plotting, server or Arrow
(``tests/cli/test_cold.py``).
"""

import signal

from enduse.cli import audit, cedar_test, check, diff, log, maps, packs, report, serve  # noqa: F401  (registers the commands)
from enduse.cli.app import app


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: temporary outputs are removed on the way out


def main() -> None:
    """Entry point of the ``enduse`` console script."""
    signal.signal(signal.SIGTERM, _terminate)
    app()
