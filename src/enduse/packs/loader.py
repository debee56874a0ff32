"""Load a policy pack directory and validate all of it, reporting every problem at once.

Validation covers the manifest and data files (pydantic), the Cedar schema and
policies (cedarpy), the annotations every clause must carry (``@id``, ``@source``
naming a known source), dates in order, references between files, and that the
schema's context matches the facts the pack declares. A pack that loads can be
evaluated without further checks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import cedarpy
from pydantic import BaseModel, ValidationError

from enduse.errors import PackError
from enduse.packs import SHARED, SHARED_SCHEMA
from enduse.packs.model import (
    SCOPE_CHOICES,
    Clause,
    Fact,
    Manifest,
    Pack,
    Parameter,
    Source,
    Version,
    Zone,
)
from enduse.zones import zone_problems

M = TypeVar("M", bound=BaseModel)
FACT_CHOICES = {"yes", "no", "unknown"}
#: The schema and stated facts every bundled pack shares (a pack's ``schema`` key may name its own instead).


def shared_facts() -> dict[str, str]:
    """The facts of the shared schema's context: name → description."""
    table = tomllib.loads((SHARED / "facts.toml").read_text(encoding="utf-8"))
    return {name: entry["description"] for name, entry in table.items()}


class _Problems(list[str]):
    def add(self, file: str, message: str) -> None:
        self.append(f"{file}: {message}")


def _pydantic_problems(problems: _Problems, file: str, prefix: str, error: ValidationError) -> None:
    for item in error.errors():
        where = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        problems.add(file, f"{where}: {item['msg']}")


def _read_text(path: Path, name: str, problems: _Problems) -> str | None:
    """The file's text, or ``None`` with a problem when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.add(name, f"not UTF-8 text (byte {error.start})")
        return None


def _read_toml(root: Path, name: str, problems: _Problems, required: bool = True) -> dict[str, Any]:
    path = root / name
    if not path.is_file():
        if required:
            problems.add(name, "missing file")
        return {}
    text = _read_text(path, name, problems)
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problems.add(name, f"not valid TOML: {error}")
        return {}


def _table(root: Path, name: str, model: type[M], problems: _Problems, required: bool = True) -> dict[str, M]:
    items: dict[str, M] = {}
    for key, raw in _read_toml(root, name, problems, required).items():
        if not isinstance(raw, dict):
            problems.add(name, f"[{key}] must be a table")
            continue
        try:
            items[key] = model.model_validate(raw)
        except ValidationError as error:
            _pydantic_problems(problems, name, f"[{key}]", error)
    return items


def _check_refs(problems: _Problems, file: str, owner: str, refs: list[str], known: dict, what: str) -> None:
    for ref in refs:
        if ref not in known:
            problems.add(file, f"{owner} names unknown {what} {ref!r} (known: {', '.join(sorted(known))})")


def _check_parameters(problems: _Problems, parameters: dict[str, Parameter], sources: dict[str, Source]) -> None:
    for name, param in parameters.items():
        _check_refs(problems, "parameters.toml", f"[{name}]", param.sources, sources, "source")
        if param.choices is not None and param.value not in param.choices:
            problems.add("parameters.toml", f"[{name}] value {param.value!r} is not one of {param.choices}")
        if param.choices is None and not isinstance(param.value, float | int):
            problems.add("parameters.toml", f"[{name}] needs a number value or a list of choices")


def _check_zones(problems: _Problems, zones: dict[str, Zone], parameters: dict[str, Parameter], sources) -> None:
    for name, zone in zones.items():
        owner = f"[{name}]"
        _check_refs(problems, "zones.toml", owner, zone.sources, sources, "source")
        for key in ("inside_km", "outside_km"):
            ref = getattr(zone, key)
            if ref is not None and (ref not in parameters or parameters[ref].choices is not None):
                problems.add("zones.toml", f"{owner} {key} must name a numeric parameter, got {ref!r}")
        if (zone.inside_km is None) != (zone.outside_km is None):
            problems.add("zones.toml", f"{owner} give both inside_km and outside_km, or neither")
        if zone.inside_km is None and not zone.regions and zone.scope is None:
            problems.add("zones.toml", f"{owner} needs distance bands (inside_km/outside_km), regions or a scope")
        if zone.scope is not None:
            scope = parameters.get(zone.scope)
            if scope is None or set(scope.choices or ()) != {"in", "out", "vague"}:
                problems.add("zones.toml", f"{owner} scope must name a parameter with choices in/out/vague")


def _check_facts(problems: _Problems, facts: dict[str, Fact], parameters: dict[str, Parameter], shared: bool) -> None:
    known = shared_facts()
    for name, fact in facts.items():
        if shared and name not in known:
            problems.add("facts.toml", f"[{name}] is not a fact of the shared schema ({', '.join(known)}); "
                                       "name your own schema in pack.toml to add facts")
        param = parameters.get(fact.default)
        if param is None or not set(param.choices or ()) <= FACT_CHOICES:
            problems.add("facts.toml", f"[{name}] default must name a parameter with choices yes/no/unknown")


_ERROR_POLICY = re.compile(r"\[(policy\d+)\]|policy `(policy\d+)`")


def _parse_clauses(file: str, text: str, sources: dict[str, Source], problems: _Problems) -> list[Clause] | None:
    try:
        parsed = json.loads(cedarpy.policies_to_json_str(text))
    except ValueError as error:
        problems.add(file, f"Cedar parse error: {error}")
        return None
    if parsed.get("templates"):
        problems.add(file, "templates are not supported in packs; write static policies")
    clauses = []
    for number, (_pid, policy) in enumerate(parsed.get("staticPolicies", {}).items(), start=1):
        annotations = policy.get("annotations", {})
        clause_id = annotations.get("id")
        if not clause_id:
            problems.add(file, f'policy #{number} has no @id annotation; add @id("some-name") before it')
            continue
        refs = [s.strip() for s in annotations.get("source", "").split(",") if s.strip()]
        if not refs:
            problems.add(file, f'clause {clause_id!r} has no @source; add @source("source-id") naming sources.toml')
        _check_refs(problems, file, f"clause {clause_id!r}", refs, sources, "source")
        one = json.dumps({"staticPolicies": {clause_id: policy}, "templates": {}, "templateLinks": []})
        clauses.append(
            Clause(
                id=clause_id,
                effect=policy["effect"],
                sources=tuple(refs),
                file=file,
                text=cedarpy.policies_from_json_str(one).strip(),
                cedar_json=policy,
            )
        )
    return clauses


def _load_version(root: Path, entry, pack_parts: dict, problems: _Problems) -> Version | None:
    where = f"version {entry.id!r}"
    clauses: dict[str, Clause] = {}
    texts = []
    for file in entry.policies:
        path = root / file
        if not path.is_file():
            problems.add("pack.toml", f"{where} names missing policy file {file!r}")
            continue
        text = _read_text(path, file, problems)
        parsed = None if text is None else _parse_clauses(file, text, pack_parts["sources"], problems)
        if parsed is None:
            continue
        texts.append(text)
        for clause in parsed:
            if clause.id in clauses:
                problems.add(file, f"{where}: clause id {clause.id!r} is used twice (also in {clauses[clause.id].file})")
            clauses[clause.id] = clause
    _check_refs(problems, "pack.toml", where, entry.sources, pack_parts["sources"], "source")
    if len(texts) != len(entry.policies) or not clauses:
        return None
    text = "\n".join(texts)
    schema = pack_parts["schema"]
    if schema is not None:
        result = cedarpy.validate_policies(text, schema)
        names = result.id_annotations_by_policy_id
        for error in result.errors:
            clause = names.get(error.policy_id, error.policy_id or "?")
            file = clauses[clause].file if clause in clauses else "policies"
            problems.add(file, f"{where}, clause {clause!r} does not match the schema: {error.error}")
    return Version(
        id=entry.id,
        title=entry.title,
        effective_from=entry.effective_from,
        effective_to=None,
        confidence=entry.confidence,
        date_confidence=entry.date_confidence,
        sources=tuple(entry.sources),
        date_note=entry.date_note,
        clauses=clauses,
        zones=_named(clauses, pack_parts["zones"]),
        scopes=_named(clauses, pack_parts["scopes"]),
        policy_ids={pid: p.get("annotations", {}).get("id", pid) for pid, p in json.loads(cedarpy.policies_to_json_str(text))["staticPolicies"].items()},
        policy_text=text,
    )


def _literals(node: Any) -> Iterator[Any]:
    """Every literal value in a policy's JSON form."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Value":
                yield value
            else:
                yield from _literals(value)
    elif isinstance(node, list):
        for item in node:
            yield from _literals(item)


def _named(clauses: dict[str, Clause], names: Iterable[str]) -> tuple[str, ...]:
    """Those of ``names`` (zones, scope assumptions) that a version's clauses mention, in the given order."""
    named = {value for clause in clauses.values() for value in _literals(clause.cedar_json) if isinstance(value, str)}
    return tuple(name for name in names if name in named)


def _with_end_dates(versions: list[Version]) -> tuple[Version, ...]:
    out = []
    for current, following in zip(versions, [*versions[1:], None]):
        end = following.effective_from - dt.timedelta(days=1) if following else None
        out.append(replace(current, effective_to=end))
    return tuple(out)


def _load_schema(root: Path, name: str | None, problems: _Problems) -> tuple[str, cedarpy.Schema | None]:
    path = SHARED / SHARED_SCHEMA if name is None else root / name
    name = name or SHARED_SCHEMA
    if not path.is_file():
        problems.add("pack.toml", f"schema file {name!r} not found")
        return "", None
    text = _read_text(path, name, problems)
    if text is None:
        return "", None
    try:
        return text, cedarpy.Schema.from_str(text)
    except ValueError as error:
        problems.add(name, f"invalid Cedar schema: {error}")
        return text, None


def load_pack(path: str | Path, *, check: Callable[[Pack], list[str]] | None = None) -> Pack:
    """Load and validate the pack in directory ``path``.

    ``check`` is an extra validation step run on the assembled pack (the
    evaluator passes one that sends a probe request through every version);
    its messages are reported like the others. Raises ``PackError`` listing every
    problem found, each prefixed with the file it concerns.
    """
    root = Path(path)
    if not (root / "pack.toml").is_file():
        raise PackError(f"{root}: not a policy pack (no pack.toml)")
    problems = _Problems()
    try:
        manifest = Manifest.model_validate(_read_toml(root, "pack.toml", problems))
    except ValidationError as error:
        _pydantic_problems(problems, "pack.toml", "", error)
        raise PackError(_report(root, problems)) from None

    sources = _table(root, "sources.toml", Source, problems)
    parameters = _table(root, "parameters.toml", Parameter, problems)
    zones = _table(root, "zones.toml", Zone, problems, required=False)
    facts = _table(root, "facts.toml", Fact, problems, required=False)
    _check_parameters(problems, parameters, sources)
    _check_zones(problems, zones, parameters, sources)
    _check_facts(problems, facts, parameters, shared=manifest.schema_file is None)
    problems.extend(zone_problems(zones, parameters))
    schema_text, schema = _load_schema(root, manifest.schema_file, problems)

    ids = [v.id for v in manifest.versions]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.add("pack.toml", f"version id {duplicate!r} is used twice")
    for before, after in zip(manifest.versions, manifest.versions[1:]):
        if after.effective_from <= before.effective_from:
            problems.add(
                "pack.toml",
                f"versions must be in order of effective_from: {after.id!r} ({after.effective_from}) "
                f"does not come after {before.id!r} ({before.effective_from})",
            )
    scopes = [name for name, p in parameters.items() if sorted(p.choices or ()) == sorted(SCOPE_CHOICES)]
    parts = {"sources": sources, "schema": schema, "zones": zones, "scopes": scopes}
    versions = [_load_version(root, entry, parts, problems) for entry in manifest.versions]
    if problems or schema is None or None in versions:
        raise PackError(_report(root, problems))

    pack = Pack(
        name=manifest.name,
        title=manifest.title,
        supplier=manifest.supplier,
        recipient=manifest.recipient,
        description=manifest.description.strip(),
        path=str(root),
        schema_text=schema_text,
        versions=_with_end_dates(versions),
        sources=sources,
        parameters=parameters,
        zones=zones,
        facts=facts,
        context_facts=tuple(shared_facts()) if manifest.schema_file is None else tuple(facts),
        shared_schema=manifest.schema_file is None,
    )
    if check is not None:
        problems.extend(check(pack))
    if problems:
        raise PackError(_report(root, problems))
    return pack


def _report(root: Path, problems: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in problems) or "  - (no details)"
    return f"invalid policy pack {root} ({len(problems)} problem(s)):\n{lines}"
