"""Every change between two API schemas, classified for clients.

* breaking — a valid operation may fail or a client may mis-read a response (graphql-core's
  ``find_breaking_changes``: types/fields/arguments/enum values removed, kinds changed,
  required arguments or input fields added, …);
* dangerous — valid operations still validate but may behave differently (graphql-core's
  ``find_dangerous_changes``: enum values and union members added, argument defaults
  changed, optional arguments added, …);
* safe — additions no existing operation can notice (types, fields, directives), and
  documentation (descriptions, deprecations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    find_breaking_changes,
    find_dangerous_changes,
)
from graphql.pyutils import Undefined

Level = Literal["breaking", "dangerous", "safe"]
_ORDER = {"breaking": 0, "dangerous": 1, "safe": 2}


@dataclass(frozen=True, slots=True)
class SchemaChange:
    level: Level
    change: str  # e.g. FIELD_REMOVED, VALUE_ADDED_TO_ENUM, FIELD_ADDED
    description: str  # e.g. "Query.permits was removed."

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "change": self.change, "description": self.description}


def diff_schemas(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    """All changes from ``old`` to ``new``, breaking first, then dangerous, then safe."""
    out = [
        SchemaChange("breaking", c.type.name, c.description)
        for c in find_breaking_changes(old, new)
    ]
    out += [
        SchemaChange("dangerous", c.type.name, c.description)
        for c in find_dangerous_changes(old, new)
    ]
    out += _safe_changes(old, new)
    return sorted(out, key=lambda c: (_ORDER[c.level], c.description))


def _user_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {n: t for n, t in schema.type_map.items() if not n.startswith("__")}


def _safe_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    out: list[SchemaChange] = []
    old_types, new_types = _user_types(old), _user_types(new)
    for name, new_type in new_types.items():
        old_type = old_types.get(name)
        if old_type is None:
            out.append(SchemaChange("safe", "TYPE_ADDED", f"{name} was added."))
            continue
        if type(old_type) is not type(new_type):
            continue  # TYPE_CHANGED_KIND: breaking, reported by graphql-core
        if (old_type.description or "") != (new_type.description or ""):
            out.append(
                SchemaChange("safe", "DESCRIPTION_CHANGED", f"The description of {name} changed.")
            )
        if isinstance(new_type, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(old_type, GraphQLObjectType | GraphQLInterfaceType)
            out += _field_changes(name, old_type, new_type)
        elif isinstance(new_type, GraphQLEnumType):
            assert isinstance(old_type, GraphQLEnumType)
            for value_name, value in new_type.values.items():
                before = old_type.values.get(value_name)
                if before is not None:
                    out += _deprecation(
                        f"{name}.{value_name}", before.deprecation_reason, value.deprecation_reason
                    )
        elif isinstance(new_type, GraphQLInputObjectType):
            assert isinstance(old_type, GraphQLInputObjectType)
            for field_name, field in new_type.fields.items():
                before_field = old_type.fields.get(field_name)
                if before_field is not None:
                    out += _deprecation(
                        f"{name}.{field_name}",
                        before_field.deprecation_reason,
                        field.deprecation_reason,
                    )
    old_directives = {d.name for d in old.directives}
    for directive in new.directives:
        if directive.name not in old_directives:
            out.append(SchemaChange("safe", "DIRECTIVE_ADDED", f"@{directive.name} was added."))
    return out


def _field_changes(
    name: str,
    old_type: GraphQLObjectType | GraphQLInterfaceType,
    new_type: GraphQLObjectType | GraphQLInterfaceType,
) -> list[SchemaChange]:
    out: list[SchemaChange] = []
    for field_name, field in new_type.fields.items():
        before = old_type.fields.get(field_name)
        coordinate = f"{name}.{field_name}"
        if before is None:
            out.append(SchemaChange("safe", "FIELD_ADDED", f"Field {coordinate} was added."))
            continue
        for arg_name, arg in field.args.items():
            old_arg = before.args.get(arg_name)
            if old_arg is None:
                continue
            had, has = _has_default(old_arg), _has_default(arg)
            if had != has:  # graphql-core reports only changes between two defaults
                what = "now has a default value" if has else "no longer has a default value"
                out.append(
                    SchemaChange(
                        "dangerous",
                        "ARG_DEFAULT_VALUE_CHANGE",
                        f"{coordinate}({arg_name}:) {what}.",
                    )
                )
        if (before.description or "") != (field.description or ""):
            out.append(
                SchemaChange(
                    "safe", "DESCRIPTION_CHANGED", f"The description of {coordinate} changed."
                )
            )
        out += _deprecation(coordinate, before.deprecation_reason, field.deprecation_reason)
    return out


def _has_default(arg: GraphQLArgument) -> bool:
    node = arg.ast_node
    if node is not None:
        return node.default_value is not None
    return arg.default_value is not Undefined


def _deprecation(coordinate: str, before: str | None, after: str | None) -> list[SchemaChange]:
    if before is None and after is not None:
        return [SchemaChange("safe", "DEPRECATION_ADDED", f"{coordinate} was deprecated: {after}")]
    if before is not None and after is None:
        return [
            SchemaChange("safe", "DEPRECATION_REMOVED", f"{coordinate} is no longer deprecated.")
        ]
    return []
