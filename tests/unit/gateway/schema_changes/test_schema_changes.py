"""Classifying API schema changes, acknowledging breaking ones, and finding the known
operations a new schema breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import build_schema
from typer.testing import CliRunner

from gateway.schema_changes import (
    AcknowledgementError,
    Acknowledgements,
    broken_operations,
    diff_schemas,
    load_api_schema,
)
from gateway.schema_changes.cli import contract_problems

OLD = """
type Query { permits(first: Int): [Permit!]! office(code: ID!): Office }
type Permit { id: ID! status: Status! legacyCode: String fee: Int }
type Office { code: ID! name: String }
enum Status { DRAFT ISSUED }
union Result = Permit
"""
NEW = """
"Izin dan kantor."
type Query { permits(first: Int = 10, kecamatan: String): [Permit!]! office(code: ID!): Office
  auditor: Auditor }
type Permit { id: ID! status: Status! fee: String issuedAt: String
  code: String @deprecated(reason: "pakai id") }
type Office { code: ID! name: String }
type Auditor { name: String }
enum Status { DRAFT ISSUED REVOKED }
union Result = Permit | Office
"""


def _by_level(old: str, new: str) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {"breaking": set(), "dangerous": set(), "safe": set()}
    for change in diff_schemas(build_schema(old), build_schema(new)):
        out[change.level].add((change.change, change.description))
    return out


def test_every_change_is_classified() -> None:
    levels = _by_level(OLD, NEW)
    assert levels["breaking"] == {
        ("FIELD_REMOVED", "Field Permit.legacyCode was removed."),
        ("FIELD_CHANGED_KIND", "Field Permit.fee changed type from Int to String."),
    }
    assert levels["dangerous"] == {
        ("VALUE_ADDED_TO_ENUM", "Enum value Status.REVOKED was added."),
        ("TYPE_ADDED_TO_UNION", "Office was added to union type Result."),
        ("OPTIONAL_ARG_ADDED", "An optional argument Query.permits(kecamatan:) was added."),
        ("ARG_DEFAULT_VALUE_CHANGE", "Query.permits(first:) now has a default value."),
    }
    assert levels["safe"] == {
        ("TYPE_ADDED", "Auditor was added."),
        ("FIELD_ADDED", "Field Query.auditor was added."),
        ("FIELD_ADDED", "Field Permit.issuedAt was added."),
        ("FIELD_ADDED", "Field Permit.code was added."),
        ("DESCRIPTION_CHANGED", "The description of Query changed."),
    }


def test_deprecating_a_field_is_safe_and_reported() -> None:
    levels = _by_level(
        "type Query { a: Int }", 'type Query { a: Int @deprecated(reason: "pakai b") b: Int }'
    )
    assert levels["breaking"] == set() and levels["dangerous"] == set()
    assert ("DEPRECATION_ADDED", "Query.a was deprecated: pakai b") in levels["safe"]


def test_identical_schemas_have_no_changes() -> None:
    assert diff_schemas(build_schema(OLD), build_schema(OLD)) == []


def test_breaking_changes_are_listed_first() -> None:
    levels = [c.level for c in diff_schemas(build_schema(OLD), build_schema(NEW))]
    assert levels == sorted(levels, key=["breaking", "dangerous", "safe"].index)


def test_a_supergraph_is_read_as_the_api_schema_clients_see() -> None:
    sdl = (Path(__file__).parents[4] / "schemas" / "supergraph.graphql").read_text()
    schema = load_api_schema(sdl)
    assert schema.get_type("join__Graph") is None and schema.query_type is not None


def test_an_unreadable_schema_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="cannot read the schema"):
        load_api_schema("type Query {")


ACK = {
    "change": "FIELD_REMOVED",
    "description": "Field Permit.legacyCode was removed.",
    "reason": "deprecated since 2017, no integrator reads it",
    "by": "kominfo-integrasi",
    "date": "2026-12-06",
}


def test_an_acknowledged_breaking_change_no_longer_counts() -> None:
    changes = diff_schemas(build_schema(OLD), build_schema(NEW))
    acks = Acknowledgements.parse({"acknowledged": [ACK]})
    assert [c.description for c in acks.unacknowledged(changes)] == [
        "Field Permit.fee changed type from Int to String."
    ]
    assert acks.unused(changes) == []
    assert acks.unused([]) == [ACK]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "expected"),
        ({"acknowledged": {}}, "must be a list"),
        ({"acknowledged": [{**ACK, "reason": ""}]}, "reason is required"),
        ({"acknowledged": [{k: v for k, v in ACK.items() if k != "by"}]}, "by is required"),
        ({"acknowledged": [{**ACK, "date": "6/12/2026"}]}, "YYYY-MM-DD"),
        ({"acknowledged": [{**ACK, "extra": "x"}]}, "unknown keys"),
        ({"acknowledged": [], "other": 1}, "expected"),
    ],
)
def test_a_malformed_acknowledgement_file_is_refused(raw: object, message: str) -> None:
    with pytest.raises(AcknowledgementError, match=message):
        Acknowledgements.parse(raw)


def test_contract_check_fails_only_on_unacknowledged_breaking_changes(tmp_path: Path) -> None:
    acks = tmp_path / "acknowledged-changes.json"
    problems = contract_problems(OLD, NEW, acks)  # no file: nothing acknowledged
    assert len(problems) == 2
    fee_removed = NEW.replace("fee: String", "fee: Int")
    acks.write_text(json.dumps({"acknowledged": [ACK]}))
    assert contract_problems(OLD, fee_removed, acks) == []
    acks.write_text("{not json")
    assert "not JSON" in contract_problems(OLD, fee_removed, acks)[0]


def test_operations_the_new_schema_breaks_are_named_with_the_reason() -> None:
    safelist = {
        "permits": "{ permits { id status } }",
        "legacy": "{ permits { legacyCode } }",
        "office": "query($c: ID!) { office(code: $c) { name } }",
        "garbled": "{ permits {",
    }
    broken = broken_operations(safelist, build_schema(NEW))
    assert [b.id for b in broken] == ["legacy", "garbled"]
    assert "legacyCode" in broken[0].errors[0]
    assert broken_operations(safelist.items(), build_schema(OLD))[0].id == "garbled"


def test_diff_command_prints_levels_and_fails_on_request(tmp_path: Path) -> None:
    from rumah.schemas_cli import schemas_app

    old, new = tmp_path / "old.graphql", tmp_path / "new.graphql"
    old.write_text(OLD)
    new.write_text(NEW)
    runner = CliRunner()
    shown = runner.invoke(schemas_app, ["diff", str(old), str(new)])
    assert shown.exit_code == 0, shown.output
    assert "2 breaking, 4 dangerous, 5 safe" in shown.output
    failing = runner.invoke(schemas_app, ["diff", str(old), str(new), "--fail-on", "breaking"])
    assert failing.exit_code == 1
    as_json = runner.invoke(schemas_app, ["diff", str(old), str(old), "--json"])
    assert json.loads(as_json.output) == []
    missing = runner.invoke(schemas_app, ["diff", str(old), str(tmp_path / "nope.graphql")])
    assert missing.exit_code != 0


REPO = Path(__file__).parents[4]
PROGRAM_FIELD = (
    '  """One RKPD program by its code."""\n'
    "  program(code: ID!): Program @join__field(graph: PLANNING)"
    ' @requiresScopes(scopes: [["planning:read"]])\n'
)


def test_schemas_check_refuses_an_unacknowledged_breaking_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The committed contract (git HEAD) against code that dropped Query.program."""
    import rumah.schemas as sdl
    import rumah.schemas_cli as cli

    committed = (REPO / "schemas" / "supergraph.graphql").read_text()
    assert PROGRAM_FIELD in committed
    monkeypatch.setattr(sdl, "current_supergraph", lambda: committed.replace(PROGRAM_FIELD, ""))
    monkeypatch.setattr(sdl, "stale_sdls", lambda _dir: [])
    monkeypatch.setattr(sdl, "supergraph_is_stale", lambda _path: False)
    acks = tmp_path / "acknowledged-changes.json"
    monkeypatch.setattr(sdl, "ACKNOWLEDGED", acks)
    runner = CliRunner()
    refused = runner.invoke(cli.schemas_app, ["check"])
    assert refused.exit_code == 1
    assert "breaking change not acknowledged: Field Query.program was removed." in (refused.output)
    acks.write_text(
        json.dumps(
            {
                "acknowledged": [
                    {
                        "change": "FIELD_REMOVED",
                        "description": "Field Query.program was removed.",
                        "reason": "programs are read through activities now",
                        "by": "bappeda-integrasi",
                        "date": "2026-12-06",
                    }
                ]
            }
        )
    )
    accepted = runner.invoke(cli.schemas_app, ["check"])
    assert accepted.exit_code == 0, accepted.output
