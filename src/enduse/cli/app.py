"""The ``enduse`` application object and what every command shares.

Commands live in the sibling modules, one module per theme; each registers
itself with ``@command``. An ``EnduseError`` becomes one line on stderr and its
exit code: 0 any verdict; 2 invalid input or usage; 3 too many rejected rows;
4 invalid pack; 5 Cedar evaluation error. User mistakes never print a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.text import Text

from enduse.errors import EnduseError, InputError, shown

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Weapons end-use policies as Cedar policy-as-code: was a use allowed, which clause decided, which source says so.",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def command(fn: Callable[..., None] | None = None, *, on: typer.Typer | None = None) -> Any:
    """Register ``fn`` as a command (of ``on``, default the top-level app) whose ``EnduseError`` becomes
    one line on stderr and its exit code. Use as ``@command`` or ``@command(on=sub_app)``."""
    if fn is None:
        return functools.partial(command, on=on)

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except EnduseError as error:
            err.print(Text.assemble(("error: ", "red"), shown(str(error))), highlight=False)
            raise typer.Exit(error.exit_code) from None

    return (on or app).command()(run)


PackOption = Annotated[Optional[str], typer.Option(
    "--pack", help="Force one pack (bundled name or directory); default: each use judged by its supplier's bundled pack.")]
OnePackOption = Annotated[str, typer.Option("--pack", help="Bundled pack name or a pack directory.")]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def check_format(value: str) -> str:
    if value not in ("text", "json"):
        raise InputError(f"unknown format {value!r}: use text or json")
    return value


def read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{source}: not UTF-8 text (byte {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{source}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply") from None


ParamOption = Annotated[Optional[list[str]], typer.Option("--param", help="Change a named assumption, name=value (repeatable).")]
