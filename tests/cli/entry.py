"""Running the installed ``enduse`` command as a user would: a real subprocess with a plain environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ENDUSE = str(Path(sys.executable).with_name("enduse"))


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``enduse ARGS`` with its exit code, stdout and stderr; never raises for a non-zero exit."""
    return subprocess.run([ENDUSE, *args], input=stdin, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
