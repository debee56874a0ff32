"""``enduse cedar-test DIR``: Cedar's own integration tests through the columnar evaluator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from enduse.cli.app import FormatOption, check_format, command, out
from enduse.errors import InputError


@command
def cedar_test(
    directory: Annotated[Path, typer.Argument(help="A folder of Cedar integration tests (JSON files naming policies, entities, schema, requests).")],
    strict: Annotated[bool, typer.Option("--strict", help="Also fail (exit 1) when some test is refused.")] = False,
    show: Annotated[int, typer.Option("--show", help="How many mismatches to print.")] = 10,
    format: FormatOption = "text",
) -> None:
    """Run Cedar integration tests through the columnar evaluator: accepted, agreeing, refused (exit 1 on any mismatch)."""
    from enduse.columnar.cedar_tests import run_cedar_tests

    fmt = check_format(format)
    if not directory.is_dir():
        raise InputError(f"{directory} is not a folder")
    report = run_cedar_tests(directory)
    if report.tests == 0:
        raise InputError(f"no Cedar integration test (JSON with policies and requests) under {directory}")
    if fmt == "json":
        doc = report.as_dict()
        doc["mismatches"] = doc["mismatches"][:show]
        out.print_json(json.dumps(doc))
    else:
        share = report.accepted / report.requests if report.requests else 0.0
        out.print(f"{report.tests} test files, {report.requests} requests: {report.accepted} accepted ({share:.2%}), "
                  f"{report.agreeing} agreeing, {len(report.mismatches)} disagreeing, "
                  f"{sum(report.refused.values())} refused", highlight=False, markup=False)
        for reason, n in report.refused.most_common():
            out.print(f"  refused {n}: {reason}", highlight=False, markup=False)
        for m in report.mismatches[:show]:
            out.print(f"  MISMATCH {m.test} {m.description!r}: expected {m.expected}, got {m.got}", highlight=False, markup=False)
    if report.mismatches or (strict and report.refused):
        raise typer.Exit(1)
