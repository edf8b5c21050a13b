"""Reading supergraphs: features and names, join data per version, API schema, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, print_schema, validate

from gateway.ports import SupergraphError
from gateway.supergraph import load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
PLANNER_FIXTURES = HERE.parent / "planner" / "fixtures"


def _shop() -> str:
    return (FIXTURES / "shop_v03.graphql").read_text()


def test_api_schema_snapshot_drops_machinery_and_inaccessible_elements() -> None:
    sg = load_supergraph(_shop())
    expected = (FIXTURES / "shop_v03.api.graphql").read_text()
    assert print_schema(sg.api_schema) + "\n" == expected


@pytest.mark.parametrize(
    "absent",
    ["join__Graph", "join__FieldSet", "link__Import", "link__Purpose", "Secret", "Legacy"],
)
def test_api_schema_has_no_machinery_or_inaccessible_types(absent: str) -> None:
    assert load_supergraph(_shop()).api_schema.get_type(absent) is None


def test_supergraph_schema_keeps_inaccessible_elements_for_keys_and_requires() -> None:
    sg = load_supergraph(_shop())
    assert sg.supergraph_schema.get_type("Secret") is not None
    assert "secret" in sg.supergraph_schema.get_type("User").fields  # type: ignore[union-attr]


def test_inaccessible_argument_and_input_field_are_not_in_the_api() -> None:
    api = load_supergraph(_shop()).api_schema
    assert list(api.get_type("Product").fields["color"].args) == ["hex"]  # type: ignore[union-attr]
    assert list(api.get_type("SearchFilter").fields) == ["text", "color"]  # type: ignore[union-attr]
    errors = validate(api, parse("{ search(filter: {hidden: true}) { __typename } }"))
    assert errors


def test_subgraphs_by_name_with_urls() -> None:
    sg = load_supergraph(_shop())
    assert sorted(sg.subgraphs) == ["accounts", "inventory", "products", "reviews"]
    assert sg.subgraphs["reviews"].url == "http://reviews:4002/graphql"
    assert sg.join_version == (0, 3)


def test_field_resolvers_follow_join_field_entries() -> None:
    sg = load_supergraph(_shop())
    labels: frozenset[str] = frozenset()
    assert sg.field("Product", "upc").resolvers(labels) == {"inventory", "products", "reviews"}  # type: ignore[union-attr]
    # external in inventory: known there but not resolvable
    assert sg.field("Product", "price").resolvers(labels) == {"products"}  # type: ignore[union-attr]
    assert "inventory" in sg.field("Product", "price").per_graph  # type: ignore[union-attr]
    shipping = sg.field("Product", "shippingEstimate")
    assert shipping is not None
    requires = shipping.per_graph["inventory"].requires
    assert requires is not None and [f.name for f in requires] == ["price", "weight"]  # type: ignore[union-attr]


def test_keys_and_possible_types_per_graph() -> None:
    sg = load_supergraph(_shop())
    assert [k.text for k in sg.keys("reviews", "Product")] == ["upc"]
    assert sg.possible_types_in("products", "SearchResult") == ("Category", "Product", "Secret")
    assert sg.possible_types_in("products", "Node") == ("Product",)
    assert sg.enum_values_in[("products", "Color")] == {"RED", "GREEN", "HIDDEN"}


def test_rebuilt_subgraph_schema_has_federation_entry_points() -> None:
    schema = build_subgraph_schemas(load_supergraph(_shop()))["inventory"]
    op = parse(
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        "{... on Product{inStock shippingEstimate}}}"
    )
    assert validate(schema, op) == []
    assert validate(schema, parse("{ topProducts { upc } }"))


def test_join_v01_fed1_supergraph_with_core_and_owner() -> None:
    sg = load_supergraph((PLANNER_FIXTURES / "fed1" / "supergraph_v01.graphql").read_text())
    assert sg.join_version == (0, 1)
    labels: frozenset[str] = frozenset()
    # key fields of a non-owner key are resolvable from the representation
    assert sg.field("User", "id").resolvers(labels) == {"accounts", "reviews"}  # type: ignore[union-attr]
    assert sg.field("User", "name").resolvers(labels) == {"accounts"}  # type: ignore[union-attr]
    assert sg.api_schema.get_type("join__Graph") is None
    assert "core" not in {d.name for d in sg.api_schema.directives}


def test_join_v04_progressive_override_labels() -> None:
    sg = load_supergraph((PLANNER_FIXTURES / "override" / "supergraph.graphql").read_text())
    stock = sg.field("Product", "stock")
    assert stock is not None
    assert stock.resolvers(frozenset()) == {"a"}
    assert stock.resolvers(frozenset({"beta"})) == {"c"}
    assert sg.all_labels == {"beta"}
    price = sg.field("Product", "price")
    assert price is not None and price.resolvers(frozenset()) == {"b"}


def test_join_v03_interface_object_and_inherited_fields() -> None:
    sg = load_supergraph((PLANNER_FIXTURES / "ifaceobj" / "supergraph.graphql").read_text())
    assert sg.is_interface_object("stats", "Media")
    assert not sg.is_abstract_in("stats", "Media")
    assert sg.is_abstract_in("media", "Media")
    views = sg.field("Book", "views")
    assert views is not None and views.from_interface_object and not views.static_resolvers
    assert sg.interface_object_graphs["Media"] == ("stats", "tags")


def test_renamed_join_and_imported_inaccessible_are_followed() -> None:
    sdl = (
        _shop()
        .replace("join__", "j__")
        .replace(
            '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
            '@link(url: "https://specs.apollo.dev/join/v0.3", as: "j", for: EXECUTION)',
        )
    )
    sdl = sdl.replace("@inaccessible", "@hidden").replace(
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", '
        'import: [{name: "@inaccessible", as: "@hidden"}], for: SECURITY)',
    )
    sg = load_supergraph(sdl)
    assert sorted(sg.subgraphs) == ["accounts", "inventory", "products", "reviews"]
    assert sg.api_schema.get_type("Secret") is None
    assert sg.api_schema.get_type("j__Graph") is None
    assert print_schema(sg.api_schema) == print_schema(load_supergraph(_shop()).api_schema)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s.replace("join/v0.3", "join/v0.9"),
            "unsupported join spec version v0.9",
        ),
        (
            lambda s: s.replace(
                '@link(url: "https://specs.apollo.dev/tag/v0.3")',
                '@link(url: "https://specs.apollo.dev/tag/v0.3")\n'
                '  @link(url: "https://example.com/secret/v1.0", for: SECURITY)',
            ),
            "is for: SECURITY but is unsupported",
        ),
        (
            lambda s: s.replace(
                '@link(url: "https://specs.apollo.dev/tag/v0.3")',
                '@link(url: "https://specs.apollo.dev/tag/v0.3")\n'
                '  @link(url: "https://example.com/exec/v0.1", for: EXECUTION)',
            ),
            "is for: EXECUTION but is unsupported",
        ),
        (lambda s: s + "\ntype {", "not valid GraphQL SDL"),
        (
            lambda s: s.replace(
                '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)', ""
            ),
            "does not link the join spec",
        ),
        (
            lambda s: s.replace(
                'shippingEstimate: Int @join__field(graph: INVENTORY, requires: "price weight")',
                'shippingEstimate: Int @join__field(graph: INVENTORY, requires: "nope")',
            ),
            "@requires on Product.shippingEstimate",
        ),
        (
            lambda s: s.replace(
                '@join__type(graph: REVIEWS, key: "upc")', '@join__type(graph: NOWHERE, key: "upc")'
            ),
            "unknown graph 'NOWHERE'",
        ),
    ],
)
def test_bad_supergraphs_are_refused_with_a_clear_message(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SupergraphError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_supergraph(change(_shop()))


def test_unknown_feature_without_purpose_is_accepted() -> None:
    sdl = _shop().replace(
        '@link(url: "https://specs.apollo.dev/tag/v0.3")',
        '@link(url: "https://specs.apollo.dev/tag/v0.3")\n'
        '  @link(url: "https://example.com/docs/v1.0")',
    )
    assert load_supergraph(sdl).api_schema.get_type("Product") is not None


def test_join_v02_without_union_member_data_counts_every_known_member() -> None:
    sg = load_supergraph((PLANNER_FIXTURES / "abstract" / "supergraph_v02.graphql").read_text())
    assert sg.join_version == (0, 2)
    assert sg.possible_types_in("b", "SearchResult") == ("Bird", "Cat", "Post")
    assert sg.possible_types_in("a", "FeedItem") == ("Cat", "Dog", "Post")


def test_api_schema_directives_match_graphql_js_gateways() -> None:
    api = load_supergraph(_shop()).api_schema
    # graphql-js 16's specified directives (no @oneOf), plus the gateway's own @defer and
    # @stream (incremental delivery, as Apollo Router adds @defer and Hive Gateway both)
    assert [d.name for d in api.directives] == [
        "include",
        "skip",
        "deprecated",
        "specifiedBy",
        "defer",
        "stream",
    ]


def test_root_type_with_only_inaccessible_fields_leaves_the_api() -> None:
    sdl = _shop().replace(
        "  addReview(body: String!, upc: String!): Review @join__field(graph: REVIEWS)\n"
        "  login(name: String!): User @join__field(graph: ACCOUNTS)",
        "  addReview(body: String!, upc: String!): Review"
        " @join__field(graph: REVIEWS) @inaccessible\n"
        "  login(name: String!): User @join__field(graph: ACCOUNTS) @inaccessible",
    )
    api = load_supergraph(sdl).api_schema
    assert api.mutation_type is None and api.get_type("Mutation") is None
    assert validate(api, parse('mutation { login(name: "x") { id } }'))


def test_join_v05_context_arguments_are_read_and_hidden_from_the_api() -> None:
    sg = load_supergraph((FIXTURES / "context_v05.graphql").read_text())
    assert sg.join_version == (0, 5)
    field = sg.field("U", "field")
    assert field is not None
    (context,) = field.per_graph["a"].context_arguments
    assert (context.name, context.type, context.context) == ("a", "String", "a__context")
    assert context.selection.strip() == "{ prop }"
    api = sg.api_schema
    assert api.get_type("context__ContextFieldValue") is None
    assert "context" not in {d.name for d in api.directives}
    assert api.get_type("U").fields["field"].args == {}  # type: ignore[union-attr]
