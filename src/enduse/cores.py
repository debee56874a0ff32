"""How many cores this process may use: the size of its thread pools.

``os.cpu_count()`` counts the machine's cores, which in a container limited to a few of them would start one thread
per host core (and hold that many chunks in memory at once); the cores the process may run on are what counts.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The number of cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # platforms without affinity (macOS, Windows)
        return os.cpu_count() or 1
