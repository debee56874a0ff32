"""Running the installed ``enduse`` command as a user would: a real subprocess with a plain environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from enduse.disk_cache import CACHE_DIR_ENV

ENDUSE = str(Path(sys.executable).with_name("enduse"))


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``enduse ARGS`` with its exit code, stdout and stderr; never raises for a non-zero exit."""
    return subprocess.run([ENDUSE, *args], input=stdin, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, env=plain_env(COLUMNS="200"))


def plain_env(**extra: str) -> dict[str, str]:
    """A user's plain environment, with the session's pack cache (``conftest.pack_cache``) so tests never touch
    the user's own."""
    return {"PATH": "/usr/bin:/bin", CACHE_DIR_ENV: os.environ[CACHE_DIR_ENV], **extra}
