"""``@key`` / ``@requires`` / ``@provides`` field sets, parsed and resolved against a subgraph."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from graphql import FieldNode, GraphQLSyntaxError, InlineFragmentNode, SelectionSetNode
from graphql.language.parser import Parser
from graphql.language.token_kind import TokenKind

from gateway.compose.subgraph import Field, Subgraph


class FieldSetError(Exception):
    """The field set does not parse or does not match the subgraph's types."""


@dataclass(slots=True)
class Selected:
    """A selected field with its (flattened) sub-selections."""

    type_name: str  # the type the field was looked up on
    field: Field
    has_args: bool
    directives: list[str]
    children: list[Selected] = dataclasses.field(default_factory=list)


def parse_selection(text: str) -> SelectionSetNode:
    try:
        parser = Parser("{" + text + "}", no_location=True)
        parser.expect_token(TokenKind.SOF)
        selection = parser.parse_selection_set()
        parser.expect_token(TokenKind.EOF)
        return selection
    except GraphQLSyntaxError as exc:
        raise FieldSetError(exc.message) from None


def resolve(subgraph: Subgraph, type_name: str, text: str) -> list[Selected]:
    """Fields selected by ``text`` on ``type_name``; raises ``FieldSetError``."""
    return _walk(subgraph, type_name, parse_selection(text))


def _composite(subgraph: Subgraph, name: str) -> bool:
    type_def = subgraph.types.get(name)
    return type_def is not None and type_def.kind in ("OBJECT", "INTERFACE", "UNION")


def _walk(subgraph: Subgraph, type_name: str, sel: SelectionSetNode) -> list[Selected]:
    out: list[Selected] = []
    type_def = subgraph.types.get(type_name)
    for node in sel.selections:
        if isinstance(node, InlineFragmentNode):
            cond = node.type_condition.name.value if node.type_condition else type_name
            if cond not in subgraph.types:
                raise FieldSetError(f'Unknown type "{cond}"')
            if node.directives:
                names = ", ".join("@" + d.name.value for d in node.directives)
                raise FieldSetError(f"cannot have directive applications but found {names}")
            out.extend(_walk(subgraph, cond, node.selection_set))
            continue
        if not isinstance(node, FieldNode):
            raise FieldSetError("fragment spreads are not allowed")
        name = node.name.value
        if name == "__typename":
            continue
        if node.alias is not None:
            raise FieldSetError(
                f'Cannot use alias "{node.alias.value}" in "{node.alias.value}: {name}": '
                "aliases are not currently supported in the used directive"
            )
        found = type_def.fields.get(name) if type_def and type_def.kind != "UNION" else None
        if found is None:
            raise FieldSetError(
                f'Cannot query field "{name}" on type "{type_name}" (if the field is defined '
                "in another subgraph, you need to add it to this subgraph with @external)."
            )
        base = found.type.base
        if _composite(subgraph, base) and node.selection_set is None:
            raise FieldSetError(
                f'Field "{found.coordinate}" is of type "{found.type}", which is a composite '
                "type, so it must have a selection"
            )
        if not _composite(subgraph, base) and node.selection_set is not None:
            raise FieldSetError(
                f'Field "{found.coordinate}" is of type "{found.type}", which is not a composite '
                "type, so it cannot have a selection"
            )
        selected = Selected(
            type_name,
            found,
            bool(node.arguments),
            ["@" + d.name.value for d in node.directives or ()],
        )
        if node.selection_set is not None:
            selected.children = _walk(subgraph, base, node.selection_set)
        out.append(selected)
    return out


def all_fields(selected: list[Selected]) -> list[Selected]:
    out: list[Selected] = []
    for s in selected:
        out.append(s)
        out.extend(all_fields(s.children))
    return out


def target_fields(subgraph: Subgraph, type_name: str, text: str) -> list[Field]:
    """Every field a field set touches, including interface implementations (never raises)."""
    try:
        selected = all_fields(resolve(subgraph, type_name, text))
    except FieldSetError:
        return []
    fields: list[Field] = []
    for s in selected:
        fields.append(s.field)
        owner = subgraph.types.get(s.type_name)
        if owner is not None and owner.kind == "INTERFACE":
            for impl in subgraph.implementations(owner.name):
                impl_field = impl.fields.get(s.field.name)
                if impl_field is not None:
                    fields.append(impl_field)
    return fields
