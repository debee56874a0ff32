"""Loading validates everything and names the file, clause and fix."""

from __future__ import annotations

import re

import pytest

from enduse import load_pack_dir
from enduse.errors import PackError


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_bundled_pack_loads_with_versions_in_order(pack):
    assert pack.version_ids[:2] == ["baseline", "kharkiv"]
    assert [v.effective_from.isoformat() for v in pack.versions[:2]] == ["2022-02-24", "2024-05-30"]
    assert pack.versions[0].effective_to.isoformat() == "2024-05-29"
    for version in pack.versions:
        for clause in version.clauses.values():
            assert clause.sources and all(s in pack.sources for s in clause.sources)


def test_every_parameter_is_documented_with_sources(pack):
    for param in pack.parameters.values():
        assert len(param.rationale) > 80 and param.sources


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("policies/kharkiv.cedar", '@id("bombers")\n', "", r"policies/kharkiv\.cedar: policy #3 has no @id"),
        ("policies/kharkiv.cedar", '@source("founding-report-bombers")', '@source("nowhere")',
         r"policies/kharkiv\.cedar: clause 'bombers' names unknown source 'nowhere'"),
        ("policies/long-range-banned.cedar", "principal.long_range &&", "principal.range_km > 3 &&",
         r"policies/long-range-banned\.cedar: version 'kharkiv', clause 'no-long-range-in-russia' does not match the schema"),
        ("policies/long-range-banned.cedar", "forbid (principal, action, resource)\nwhen { principal.long_range",
         "forbid (principal, action resource)\nwhen { principal.long_range", r"policies/long-range-banned\.cedar: Cedar parse error"),
        ("pack.toml", "effective_from = 2024-05-30", "effective_from = 2021-05-30", r"pack\.toml: versions must be in order"),
        ("pack.toml", '"policies/kharkiv.cedar"', '"policies/kharkiv2.cedar"', r"missing policy file 'policies/kharkiv2\.cedar'"),
        ("pack.toml", 'supplier = "US"', 'supplier = "USA"', r"pack\.toml: supplier: String should have at most 2"),
        ("zones.toml", 'measured_from = ["UA-63"]', 'measured_from = ["UA-99"]', r"zones\.toml: \[kharkiv_border\] measured_from names 'UA-99', which has no stretch"),
        ("zones.toml", 'measured_from = ["UA-63"]', 'measured_from = ["UA-63"]\nregions = ["RU-XXX"]', r"names unknown region code 'RU-XXX'"),
        ("zones.toml", 'inside_km = "near_border_inside_km"', 'inside_km = "nope"', r"zones\.toml: \[kharkiv_border\] inside_km must name a numeric parameter"),
        ("parameters.toml", 'value = "vague"', 'value = "maybe"', r"parameters\.toml: \[sumy_in_may_2024_scope\] value 'maybe'"),
        ("sources.toml", 'confidence = "medium"\nnote = "Other', 'confidence = "sure"\nnote = "Other', r"sources\.toml: \[carpenter-tsn-2024-05-31\]\.confidence"),
        ("facts.toml", "[linked_to_invasion]", "[linked_to_the_invasion]",
         r"facts\.toml: \[linked_to_the_invasion\] is not a fact of the shared schema"),
        ("pack.toml", 'recipient = "UA"', 'recipient = "UA"\nschema = "nowhere.cedarschema"', r"schema file 'nowhere\.cedarschema' not found"),
        ("sources.toml", "[founding-report]\n", "[founding-report\n", r"sources\.toml: not valid TOML"),
    ],
)
def test_broken_packs_are_rejected_with_file_and_fix(pack_copy, file, old, new, expected):
    edit(pack_copy / file, old, new)
    with pytest.raises(PackError) as caught:
        load_pack_dir(pack_copy)
    assert re.search(expected, str(caught.value)), str(caught.value)


def test_all_problems_are_reported_at_once(pack_copy):
    edit(pack_copy / "policies/kharkiv.cedar", '@id("bombers")\n', "")
    edit(pack_copy / "zones.toml", 'measured_from = ["UA-59"]', 'measured_from = ["XX-1"]')
    edit(pack_copy / "policies/baseline.cedar", '@source("pentagon-2024-07-02, politico-2022-08")', '@source("zzz")')
    with pytest.raises(PackError) as caught:
        load_pack_dir(pack_copy)
    assert "3 problem(s)" in str(caught.value)


def test_duplicate_clause_ids_are_rejected(pack_copy):
    edit(pack_copy / "policies/kharkiv.cedar", '@id("bombers")', '@id("counter-fire")')
    with pytest.raises(PackError, match="clause id 'counter-fire' is used twice"):
        load_pack_dir(pack_copy)


def test_a_version_is_added_with_files_only(pack_copy, judge):
    (pack_copy / "policies" / "later.cedar").write_text(
        '@id("later.everywhere")\n@source("biden-abc-2024-06-06")\npermit (principal, action, resource);\n'
    )
    with (pack_copy / "pack.toml").open("a") as manifest:
        manifest.write(
            '\n[[versions]]\nid = "later"\ntitle = "Test"\neffective_from = 2030-01-01\n'
            'policies = ["policies/territory.cedar", "policies/later.cedar"]\nsources = ["biden-abc-2024-06-06"]\nconfidence = "low"\n'
        )
    extended = load_pack_dir(pack_copy)
    assert extended.version_on(__import__("datetime").date(2030, 5, 1)).id == "later"
    assert extended.version(extended.version_ids[-2]).effective_to.isoformat() == "2029-12-31"


def test_a_pack_may_bring_its_own_schema(pack_copy):
    schema = (pack_copy.parents[0] / "schema.cedarschema")
    from enduse.packs.loader import SHARED, SHARED_SCHEMA

    schema.write_text((SHARED / SHARED_SCHEMA).read_text().replace("entity Target;", "entity Target"))
    edit(pack_copy / "pack.toml", 'recipient = "UA"', 'recipient = "UA"\nschema = "../schema.cedarschema"')
    with pytest.raises(PackError, match=r"schema\.cedarschema: invalid Cedar schema"):
        load_pack_dir(pack_copy)
    schema.write_text((SHARED / SHARED_SCHEMA).read_text())
    own = load_pack_dir(pack_copy)
    assert not own.shared_schema and own.context_facts == tuple(own.facts)


def test_a_version_may_not_read_a_fact_its_pack_does_not_declare(pack_copy):
    facts = (pack_copy / "facts.toml").read_text()
    (pack_copy / "facts.toml").write_text(facts[: facts.index("[approved]")])
    with pytest.raises(PackError, match=r"version 'case-by-case' reads fact\(s\) approved, which facts\.toml does not declare"):
        load_pack_dir(pack_copy)


def test_a_pack_file_that_is_not_utf8_is_named(pack_copy):
    with (pack_copy / "sources.toml").open("ab") as f:
        f.write(b"\xff")
    with pytest.raises(PackError, match=r"sources\.toml: not UTF-8 text"):
        load_pack_dir(pack_copy)
