"""The HTTP API's request and response bodies, as pydantic models (they make the OpenAPI schema).

``CheckRequest`` holds a use exactly as ``enduse check --json`` takes it, plus
``version``, ``params`` and ``pack``; the use fields are validated by
``enduse.uses.parse_use`` (one set of rules for every entry point), the models
only bound sizes and types. ``DecisionOut`` describes ``Decision.to_json()``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StringConstraints

from enduse.geo.areas import MAX_WITHIN_KM

PACK_NAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"

Word = Annotated[str, StringConstraints(max_length=200)]
#: A number, never a JSON true/false (which pydantic would otherwise read as 1 and 0).
Coordinate = Annotated[StrictFloat | StrictInt, Field(allow_inf_nan=False)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
PackName = Annotated[str, StringConstraints(pattern=PACK_NAME)]
#: One side of a diff: ``VERSION`` or ``PACK@VERSION``, a version id or a date (never a path).
DIFF_SIDE = r"^([a-z0-9][a-z0-9._-]{0,63}@)?[A-Za-z0-9._-]{1,40}$"


class CheckRequest(BaseModel):
    """One use (``date``, ``lat``+``lon`` or ``place`` (each with an optional ``within_km``) or ``region``, ``weapon``,
    ``target``, ``purpose``, ``facts``) and options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"date": "2024-06-05", "place": "Shebekino", "weapon": "HIMARS",
                                         "target": "artillery", "purpose": "counter_fire"}]},
    )

    date: Word | None = Field(None, description="Date of the use, YYYY-MM-DD.")
    lat: Coordinate | None = Field(None, ge=-90, le=90, description="Latitude of the target (WGS84).")
    lon: Coordinate | None = Field(None, ge=-180, le=180, description="Longitude of the target (WGS84).")
    place: Word | None = Field(None, description="Place name instead of lat/lon, e.g. 'Shebekino' or 'Pokrovsk, UA-14'.")
    within_km: Coordinate | None = Field(None, gt=0, le=MAX_WITHIN_KM, description="The use was somewhere within this many km "
                                         "of the point or place (an uncertain location).")
    region: Word | None = Field(None, description="Only the region is known, instead of a point or place: ISO 3166-2 code "
                                "or English name, e.g. RU-BEL.")
    weapon: Word | None = Field(None, description="Weapon system, e.g. HIMARS, ATACMS, or 'unknown'.")
    supplier: Word | None = Field(None, description="Country that supplied the weapon (GB, FR, DE, US...); chooses its pack.")
    target: Word = Field("unknown", description="Target category (GET /v1/vocab).")
    purpose: Word = Field("unknown", description="Purpose of the use (GET /v1/vocab).")
    facts: dict[Name, Word | bool] = Field(default_factory=dict, max_length=32, description="Stated facts, name: yes|no|unknown.")
    id: Word | None = Field(None, description="Your identifier for the use, echoed in the log.")
    version: Word | None = Field(None, description="Force a version id or date instead of the one in force.")
    params: dict[Name, Word] = Field(default_factory=dict, max_length=32, description="Changed named assumptions (what-if).")
    pack: PackName | None = Field(None, description="Force a bundled pack (GET /v1/packs); default: the supplier's pack.")

    def use(self) -> dict[str, Any]:
        """The use fields, as ``enduse.uses.parse_use`` takes them."""
        return self.model_dump(exclude={"version", "params", "pack"})


class SourceOut(BaseModel):
    id: str
    outlet: str
    date: str
    quote: str
    url: str | None = None
    kind: str
    confidence: str


class ClauseOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    effect: Literal["permit", "forbid"]
    confidence: str | None = Field(None, description="The lowest confidence of the clause's sources.")
    source: SourceOut | None
    sources: list[SourceOut]


class DerivedFactsOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    country: str | None = Field(description="null when the use's area spans several countries")
    region: str | None
    region_name: str | None
    border_distance_km: float | None = Field(description="null when the use is located by an area")
    zones: list[str]
    vague_zones: list[str]
    weapon_supplier: str | None
    weapon_class: str | None
    lat: float | None = Field(description="null for a use located by a region alone")
    lon: float | None
    place: str | None
    within_km: float | None = None
    area: str | None = None


class CandidateOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    supplier: str
    pack: str | None
    version: str | None
    verdict: Literal["ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED"]
    clauses: list[ClauseOut]
    missing: list[str]


class DecisionOut(BaseModel):
    """A decision, as ``enduse check --format json`` prints it (keys are only ever added, never renamed)."""

    model_config = ConfigDict(extra="allow")

    verdict: Literal["ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED"]
    pack: str | None = Field(description="The pack that decided; null when no pack governs the supplier, or for several candidates.")
    supplier: str | None = Field(None, description="The supplier whose pack decided; null for several candidates.")
    version: str | None
    version_confidence: str | None
    confidence: str | None = Field(None, description="Lowest confidence of the version and the deciding clauses.")
    clauses: list[ClauseOut]
    missing: list[str]
    facts: DerivedFactsOut
    use_facts: dict[str, str | None]
    assumptions: dict[str, float | str]
    explanation: str
    candidates: list[CandidateOut] = Field(default_factory=list, description="Each candidate supplier's verdict, when the "
                                           "use does not say which supplied the weapon.")


class ErrorOut(BaseModel):
    """Every error: ``error`` says what is wrong; some errors add details."""

    model_config = ConfigDict(extra="allow")

    error: str


class FactOut(BaseModel):
    name: str
    description: str
    default: str


class ParameterOut(BaseModel):
    name: str
    value: float | str
    title: str
    unit: str | None
    choices: list[str] | None


class PackOut(BaseModel):
    name: str
    title: str
    supplier: str
    recipient: str
    description: str
    digest: str = Field(description="sha256 over the pack's files, as logged with each decision.")
    versions: list[str]
    zones: list[str]
    facts: list[FactOut]
    parameters: list[ParameterOut]


class VersionOut(BaseModel):
    id: str
    title: str
    effective_from: str
    effective_to: str | None
    confidence: str
    date_confidence: str
    date_note: str | None
    clauses: list[str]
    zones: list[str]
    sources: list[SourceOut]


class WeaponOut(BaseModel):
    name: str
    supplier: str = Field(description="The main supplier (the first of suppliers).")
    suppliers: list[str]
    weapon_class: str
    long_range: bool
    aliases: list[str]


class VocabOut(BaseModel):
    targets: list[str]
    purposes: list[str]
    fact_values: list[str]


class SideOut(BaseModel):
    label: str
    pack: str
    version: str
    title: str
    effective_from: str
    effective_to: str | None
    confidence: str
    params: dict[str, str]


class DiffOut(BaseModel):
    """What changed from side ``a`` to side ``b`` (``enduse diff --format json``)."""

    model_config = ConfigDict(extra="allow")

    a: SideOut
    b: SideOut
    clauses: dict[str, Any]
    assumptions: list[dict[str, Any]]
    zones: dict[str, Any]
    space: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (lon/lat, EPSG:4326)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]
