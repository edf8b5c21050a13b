"""Null propagation checked differentially: our shaper vs graphql-core executing the same data
on one monolithic schema must agree on ``data`` and on where errors are reported."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    is_abstract_type,
    parse,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.executor import SchemaIndex, compile_operation, shape_response

SCHEMA = build_schema(
    """
    type Query {
      a: A
      aa: A!
      list: [A]
      strictList: [A!]
      strictStrict: [A!]!
      grid: [[B!]]
      thing: Thing
      things: [Thing!]
    }
    type A { id: ID! name: String b: B bb: B! tags: [String!] nums: [Int]! e: E }
    type B { x: Int! y: String c: C }
    type C { deep: String! }
    interface Thing { id: ID! }
    type T1 implements Thing { id: ID! one: String! }
    type T2 implements Thing { id: ID! two: B }
    enum E { ON OFF }
    """
)
INDEX = SchemaIndex(SCHEMA)

QUERIES = [
    "{ a { id name b { x y } } aa { id bb { x c { deep } } } }",
    "{ list { id bb { x } tags } strictList { name nums } }",
    "{ strictStrict { id b { c { deep } } } grid { x y } }",
    "{ thing { id ... on T1 { one } ... on T2 { two { x } } } things { __typename id } }",
    "{ a { e nums alias: name again: name } aa { b { c { deep } } } }",
    """query($x: Boolean!, $y: Boolean!) {
      a @include(if: $x) { id b @skip(if: $y) { x } }
      things { ... on T1 @skip(if: $x) { one } ...F @include(if: $y) }
    }
    fragment F on T2 { two { x y } }""",
]


FRAGMENTS: dict[str, FragmentDefinitionNode] = {}


def _fields(selection_set: SelectionSetNode, type_name: str) -> list[FieldNode]:
    """Every field that may apply to ``type_name`` (directives ignored: data for all)."""
    out: list[FieldNode] = []
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            out.append(sel)
        elif isinstance(sel, InlineFragmentNode | FragmentSpreadNode):
            if isinstance(sel, FragmentSpreadNode):
                fragment = FRAGMENTS[sel.name.value]
                cond, inner = fragment.type_condition.name.value, fragment.selection_set
            else:
                cond = sel.type_condition.name.value if sel.type_condition else type_name
                inner = sel.selection_set
            if cond == type_name or INDEX.relations.matches(type_name, cond):
                out.extend(_fields(inner, type_name))
    return out


def _value(gtype: GraphQLOutputType, node: FieldNode) -> st.SearchStrategy[Any]:
    nullish = st.sampled_from([None, "__missing__"])
    if isinstance(gtype, GraphQLNonNull):
        # mostly valid, sometimes the null the test is about
        return st.one_of(_value(gtype.of_type, node).filter(lambda v: v is not None), nullish)
    if isinstance(gtype, GraphQLList):
        item = _value(gtype.of_type, node).map(lambda v: None if v == "__missing__" else v)
        return st.one_of(nullish, st.lists(item, max_size=3))
    named: GraphQLNamedType = gtype
    if isinstance(named, GraphQLScalarType):
        base: st.SearchStrategy[Any] = {
            "ID": st.sampled_from(["1", "2"]),
            "String": st.sampled_from(["s", "t"]),
            "Int": st.integers(-5, 5),
        }[named.name]
        return st.one_of(nullish, base)
    if isinstance(named, GraphQLEnumType):
        return st.one_of(nullish, st.sampled_from(list(named.values)))
    assert node.selection_set is not None
    if is_abstract_type(named):
        names = [t.name for t in SCHEMA.get_possible_types(named)]  # type: ignore[arg-type]
        selection = node.selection_set
        return st.one_of(nullish, st.sampled_from(names).flatmap(lambda n: _object(n, selection)))
    assert isinstance(named, GraphQLObjectType)
    return st.one_of(nullish, _object(named.name, node.selection_set))


def _object(type_name: str, selection_set: SelectionSetNode) -> st.SearchStrategy[Any]:
    gtype = SCHEMA.type_map[type_name]
    assert isinstance(gtype, GraphQLObjectType)
    parts: dict[str, st.SearchStrategy[Any]] = {"__typename": st.just(type_name)}
    for node in _fields(selection_set, type_name):
        if node.name.value == "__typename":
            continue
        key = node.alias.value if node.alias else node.name.value
        parts[key] = _value(gtype.fields[node.name.value].type, node)
    return st.fixed_dictionaries(parts).map(
        lambda d: {k: v for k, v in d.items() if v != "__missing__"}
    )


def _resolve(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    return source.get(info.path.key) if isinstance(source, dict) else None


def _type_of(value: Any, *_: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def _case(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, bool]]:
    query = draw(st.sampled_from(QUERIES))
    document = parse(query)
    op = document.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    FRAGMENTS.update(_fragments(document))
    data = draw(_object("Query", op.selection_set))
    data.pop("__typename")
    variables = {"x": draw(st.booleans()), "y": draw(st.booleans())}
    return query, data, variables


def _fragments(document: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


cases = st.composite(_case)


# ``kernel`` (conftest.py): the compiled shaper and the reference both agree with graphql-core
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cases())
def test_shaper_agrees_with_graphql_core(
    kernel: ModuleType | None,
    case: tuple[str, dict[str, Any], dict[str, bool]],
) -> None:
    query, data, variables = case
    document = parse(query)
    op = document.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    used = {v.variable.name.value for v in op.variable_definitions or ()}
    variables = {k: v for k, v in variables.items() if k in used}
    expected = execute_sync(
        SCHEMA,
        document,
        root_value=data,
        variable_values=variables,
        field_resolver=_resolve,
        type_resolver=_type_of,
    )
    assert not expected.errors or all(e.path for e in expected.errors), expected.errors
    shape = compile_operation(INDEX, op, _fragments(document))
    out, errors = shape_response(shape, INDEX, data, variables, [], None, kernel)

    assert out == expected.data
    expected_paths = sorted(tuple(map(str, e.path or ())) for e in expected.errors or ())
    assert sorted(tuple(map(str, e["path"])) for e in errors) == expected_paths
