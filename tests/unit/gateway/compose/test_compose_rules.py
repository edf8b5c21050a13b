"""Composition behaviour users rely on beyond the Apollo fixtures."""

from __future__ import annotations

from graphql import GraphQLObjectType, build_schema, parse

from gateway.compose import CompositionResult, SubgraphSource, compose
from tests.unit.gateway.compose.conftest import FIXTURES, load_fixture

FED = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: '
    '["@key", "@shareable", "@external", "@override"])\n'
)


def _compose(**sdls: str) -> CompositionResult:
    return compose([SubgraphSource(n, f"http://{n}:4000/graphql", s) for n, s in sdls.items()])


def test_same_input_gives_byte_identical_output() -> None:
    fixture = load_fixture(FIXTURES / "ok_tags_everywhere")
    assert compose(fixture.sources).supergraph_sdl == compose(list(fixture.sources)).supergraph_sdl


def test_errors_name_the_subgraph_and_coordinate() -> None:
    result = _compose(a=FED + 'type Query { p: P } type P @key(fields: "id nope") { id: ID! }')
    (error,) = result.errors
    assert error.code == "KEY_INVALID_FIELDS"
    assert error.subgraph == "a" and error.coordinate == "P"
    assert error.message.startswith('[a] On type "P"')


def test_syntax_errors_are_invalid_graphql_for_each_subgraph() -> None:
    result = _compose(a="type Query {", b="type Query { b: Nope }")
    assert [(e.code, e.subgraph) for e in result.errors] == [
        ("INVALID_GRAPHQL", "a"),
        ("INVALID_GRAPHQL", "b"),
    ]


def test_duplicate_subgraph_names_are_rejected() -> None:
    result = _compose(a=FED + "type Query { a: Int }")
    dup = compose([SubgraphSource("a", "http://a", FED + "type Query { a: Int }")] * 2)
    assert result.errors == () and {e.code for e in dup.errors} == {"INVALID_SUBGRAPH_NAME"}


def test_supergraph_is_a_valid_graphql_schema_with_the_join_machinery() -> None:
    fixture = load_fixture(FIXTURES / "ok_interface_object")
    sdl = compose(fixture.sources).supergraph_sdl
    assert sdl is not None
    schema = build_schema(sdl)
    assert schema.get_directive("join__field") is not None
    book = schema.get_type("Book")
    assert isinstance(book, GraphQLObjectType) and "stars" in book.fields


def test_fed1_value_types_and_entity_fields_become_shareable() -> None:
    a = (
        'type Query { me: User } type User @key(fields: "id") { id: ID! name: '
        "String } type Pt { x: Int }"
    )
    b = (
        'extend type User @key(fields: "id") { id: ID! @external name: String '
        "pt: Pt } type Pt { x: Int }"
    )
    result = _compose(a=a, b=b)
    assert result.errors == ()
    assert result.supergraph_sdl is not None
    doc = parse(result.supergraph_sdl)
    names = {getattr(getattr(d, "name", None), "value", None) for d in doc.definitions}
    assert "Pt" in names


def test_labelled_override_keeps_both_owners_with_the_label() -> None:
    fed = FED.replace("v2.3", "v2.7")
    a = fed + 'type Query { p: P } type P @key(fields: "id") { id: ID! n: Int }'
    b = fed + (
        'type P @key(fields: "id") { id: ID! n: Int @override(from: "a", label: "percent(5)") }'
    )
    result = _compose(a=a, b=b)
    sdl = result.supergraph_sdl
    assert sdl is not None
    assert '@join__field(graph: A, overrideLabel: "percent(5)")' in sdl
    assert '@join__field(graph: B, override: "a", overrideLabel: "percent(5)")' in sdl
    assert '"https://specs.apollo.dev/join/v0.4"' in sdl
    assert "OVERRIDE_MIGRATION_IN_PROGRESS" in {h.code for h in result.hints}


def test_satisfiability_accepts_jumping_to_a_subgraph_completing_a_value_type() -> None:
    fixture = load_fixture(FIXTURES / "ok_entities_keys")
    assert compose(fixture.sources).errors == ()
