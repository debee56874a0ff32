"""Bodies of the web page's own routes: place search (``GET /v1/places``) and suppliers side by side
(``POST /v1/compare``, the table of ``enduse compare``).

``CompareRequest`` holds a use without a supplier, as ``enduse compare`` takes it; its fields are validated by
``enduse.uses.parse_use`` like every other use, the model only bounds sizes and types.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from enduse.server.models import Coordinate, Name, Word

#: The longest place query answered (a place name and a qualifier or two).
MAX_PLACE_QUERY = 100


class PlaceOut(BaseModel):
    """One gazetteer place: its primary (Latin) name, position, ISO codes and population."""

    name: str
    lat: float
    lon: float
    country: str = Field(description="ISO 3166-1 alpha-2.")
    region: str | None = Field(description="ISO 3166-2 code of its region.")
    population: int


class CompareRequest(BaseModel):
    """One use (``date``, ``lat``+``lon``, ``place`` or ``region``, optional ``within_km``, ``target``, ``purpose``,
    ``facts``; ``weapon`` keeps only the suppliers that delivered it) and changed assumptions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"date": "2024-08-20", "place": "Sudzha", "target": "military_forces",
                                         "purpose": "counter_fire"}]},
    )

    date: Word = Field(description="Date of the use, YYYY-MM-DD.")
    lat: Coordinate | None = Field(None, ge=-90, le=90, description="Latitude of the target (WGS84).")
    lon: Coordinate | None = Field(None, ge=-180, le=180, description="Longitude of the target (WGS84).")
    within_km: Coordinate | None = Field(None, description="The use was somewhere within this distance of the point or place.")
    place: Word | None = Field(None, description="Place name instead of lat/lon, e.g. 'Sudzha' or 'Pokrovsk, UA-14'.")
    region: Word | None = Field(None, description="Only a region (ISO 3166-2 code or name), no point.")
    weapon: Word | None = Field(None, description="Only the suppliers that delivered this weapon.")
    target: Word = Field("unknown", description="Target category (GET /v1/vocab).")
    purpose: Word = Field("unknown", description="Purpose of the use (GET /v1/vocab).")
    facts: dict[Name, Word | bool] = Field(default_factory=dict, max_length=32, description="Stated facts, name: yes|no|unknown.")
    params: dict[Name, Word] = Field(default_factory=dict, max_length=32, description="Changed named assumptions (what-if).")

    def use(self) -> dict[str, Any]:
        """The use, as ``enduse.compare.compare_suppliers`` takes it (unset location fields left out)."""
        return self.model_dump(exclude={"params"}, exclude_none=True)


class CompareSourceOut(BaseModel):
    outlet: str
    date: str
    quote: str
    url: str | None


class CompareRowOut(BaseModel):
    """One supplier (or one group of its weapons that its pack judges alike), as ``enduse compare --format json``."""

    model_config = ConfigDict(extra="allow")

    supplier: str
    pack: str | None
    version: str | None
    weapons: list[str]
    classes: list[str]
    verdict: Literal["ALLOWED", "FORBIDDEN", "INDETERMINATE", "NOT_GOVERNED"]
    clauses: list[str]
    missing: list[str]
    confidence: str | None
    explanation: str
    source: CompareSourceOut | None
