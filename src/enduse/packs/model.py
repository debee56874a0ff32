"""The parts of a policy pack, as typed records.

The file formats (``pack.toml``, ``sources.toml``, ``parameters.toml``,
``zones.toml``, ``facts.toml``) are described by the pydantic models here, so a
malformed file fails with the file, the key and what was expected. The
``Pack`` and ``Version`` classes are what the rest of enduse works with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import cached_property
from collections.abc import Mapping
from typing import Any, Literal

import cedarpy
from pydantic import BaseModel, ConfigDict, Field

Confidence = Literal["high", "medium", "low"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a clause, version or assumption comes from."""

    outlet: str
    date: dt.date
    date_precision: Literal["day", "month", "approximate"] = "day"  # how much of ``date`` the reporting gives
    quote: str
    url: str | None = None  # where the quote was found (often a syndicated copy; see the pack's sources)
    kind: Literal["quote", "summary"] = "quote"
    confidence: Confidence
    note: str | None = None


class Parameter(_Strict):
    """A named assumption: a value the sources leave vague, written down and changeable."""

    value: float | str
    title: str
    rationale: str
    sources: list[str] = Field(min_length=1)
    unit: str | None = None
    choices: list[str] | None = None


class Zone(_Strict):
    """An area built from the geography and parameters (see ``enduse.zones``)."""

    title: str
    country: str
    measured_from: list[str] | None = None
    regions: list[str] | None = None
    inside_km: str | None = None
    outside_km: str | None = None
    scope: str | None = None
    sources: list[str] = Field(min_length=1)


SCOPE_CHOICES = ("in", "out", "vague")


class Fact(_Strict):
    """A Bool fact a use may state; ``default`` names the parameter used when it does not."""

    description: str
    default: str


class VersionEntry(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    effective_from: dt.date
    policies: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    confidence: Confidence
    date_confidence: Confidence = "high"
    date_note: str | None = None


class Manifest(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    supplier: str = Field(min_length=2, max_length=2)
    recipient: str = Field(min_length=2, max_length=2)
    description: str = ""
    schema_file: str | None = Field(default=None, alias="schema")  # None: the schema all bundled packs share
    versions: list[VersionEntry] = Field(min_length=1)


@dataclass(frozen=True)
class Clause:
    """One Cedar policy of a version, known by its ``@id``."""

    id: str
    effect: Literal["permit", "forbid"]
    sources: tuple[str, ...]
    file: str
    text: str
    cedar_json: dict[str, Any]


@dataclass(frozen=True)
class Version:
    """A version of the pack: its clauses and its Cedar policies (``policy_text``, parsed as ``policy_set``)."""

    id: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    confidence: str
    date_confidence: str  # how sure the sources are of effective_from (see date_note)
    sources: tuple[str, ...]
    date_note: str | None
    clauses: dict[str, Clause]
    zones: tuple[str, ...]  # zones its clauses mention: the zones in force with this version
    scopes: tuple[str, ...]  # scope assumptions (choices in | out | vague) its clauses test in ``context.scopes``
    policy_ids: dict[str, str]  # Cedar's policy ids (policy0, ...) for policy_text -> clause @id
    policy_text: str

    @cached_property
    def policy_set(self) -> cedarpy.PolicySet:
        """Cedar's parsed policy set, made on first use: only the cedar engine needs it, and a process restoring
        cached packs (``enduse.packs.cache``, Dask workers) would otherwise parse every version of every pack."""
        return cedarpy.PolicySet.from_str(self.policy_text)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt, (Version, _state(self))  # without Cedar's objects, which do not pickle


@dataclass(frozen=True)
class Pack:
    """A loaded, validated policy pack. Immutable; ``with_params`` gives a changed copy."""

    name: str
    title: str
    supplier: str
    recipient: str
    description: str
    path: str
    schema_text: str
    versions: tuple[Version, ...]
    sources: dict[str, Source]
    parameters: dict[str, Parameter]
    zones: dict[str, Zone]
    facts: dict[str, Fact]
    context_facts: tuple[str, ...] = ()  # every fact of the schema's context; those not in ``facts`` are never read
    shared_schema: bool = True  # the schema all bundled packs share (a pack's own must have the same context)
    overrides: Mapping[str, str] = field(default_factory=dict)  # assumptions changed from the files (a reform)

    @cached_property
    def schema(self) -> cedarpy.Schema:
        """Cedar's parsed schema, made on first use (see ``Version.policy_set``)."""
        return cedarpy.Schema.from_str(self.schema_text)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt, (Pack, _state(self))

    def version(self, version_id: str) -> Version:
        """The version with this id; raises ``KeyError`` with the valid ids."""
        for version in self.versions:
            if version.id == version_id:
                return version
        raise KeyError(f"pack {self.name!r} has no version {version_id!r} ({', '.join(self.version_ids)})")

    @property
    def version_ids(self) -> list[str]:
        return [v.id for v in self.versions]

    def version_on(self, day: dt.date) -> Version | None:
        """The version in force on ``day``, or ``None`` before the first one."""
        current = None
        for version in self.versions:
            if version.effective_from <= day:
                current = version
        return current

    def param(self, name: str) -> float | str:
        return self.parameters[name].value

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scope assumptions some version tests, in the order of ``parameters``."""
        named = {scope for version in self.versions for scope in version.scopes}
        return tuple(name for name in self.parameters if name in named)


def _state(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _rebuilt(kind: type, state: dict[str, Any]) -> Any:
    return kind(**state)
