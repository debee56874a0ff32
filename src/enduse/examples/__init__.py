"""Bundled example uses: reported incidents (with their sources) and hypotheticals.

Reported incidents are mostly Russian or Ukrainian claims, unconfirmed by the
US; they illustrate the policy, they do not establish facts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from enduse.uses import Use, parse_use


@dataclass(frozen=True)
class Example:
    label: str
    kind: str
    use: Use
    source: str | None = None
    note: str | None = None


def sample_path(name: str) -> Path:
    """Path of a bundled sample table (``incidents.csv``, ``synthetic.parquet``)."""
    return Path(str(resources.files("enduse.examples").joinpath(name)))


def load_examples() -> list[Example]:
    """The bundled examples, validated like any user input."""
    text = resources.files("enduse.examples").joinpath("uses.jsonl").read_text(encoding="utf-8")
    examples = []
    for line in text.splitlines():
        if line.strip():
            raw = json.loads(line)
            examples.append(
                Example(raw["label"], raw["kind"], parse_use(raw["use"]), raw.get("source"), raw.get("note"))
            )
    return examples
