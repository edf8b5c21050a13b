"""SDL of the federation directives and types, so a subgraph can be checked by graphql-core."""

from __future__ import annotations

from gateway.compose.links import FederationNames

# Canonical definitions; {FieldSet} etc. are replaced by the subgraph's local type names.
_DIRECTIVES: dict[str, str] = {
    "key": (
        "directive @{name}(fields: {FieldSet}!, resolvable: Boolean = true) repeatable "
        "on OBJECT | INTERFACE"
    ),
    "requires": "directive @{name}(fields: {FieldSet}!) on FIELD_DEFINITION",
    "provides": "directive @{name}(fields: {FieldSet}!) on FIELD_DEFINITION",
    "external": "directive @{name}(reason: String) on OBJECT | FIELD_DEFINITION",
    "tag": (
        "directive @{name}(name: String!) repeatable on FIELD_DEFINITION | OBJECT "
        "| INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE "
        "| INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA"
    ),
    "extends": "directive @{name} on OBJECT | INTERFACE",
    "shareable": "directive @{name} repeatable on OBJECT | FIELD_DEFINITION",
    "inaccessible": (
        "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION "
        "| SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
    ),
    "override": "directive @{name}(from: String!, label: String) on FIELD_DEFINITION",
    "composeDirective": "directive @{name}(name: String!) repeatable on SCHEMA",
    "interfaceObject": "directive @{name} on OBJECT",
    "authenticated": "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "requiresScopes": (
        "directive @{name}(scopes: [[{Scope}!]!]!) on FIELD_DEFINITION | OBJECT "
        "| INTERFACE | SCALAR | ENUM"
    ),
    "policy": (
        "directive @{name}(policies: [[{Policy}!]!]!) on FIELD_DEFINITION | OBJECT "
        "| INTERFACE | SCALAR | ENUM"
    ),
    "context": "directive @{name}(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "directive @{name}(field: {ContextFieldValue}) on ARGUMENT_DEFINITION",
    "cost": (
        "directive @{name}(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION "
        "| INPUT_FIELD_DEFINITION | OBJECT | SCALAR"
    ),
    "listSize": (
        "directive @{name}(assumedSize: Int, slicingArguments: [String!], sizedFields: "
        "[String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"
    ),
}
LINK_DEFINITIONS = """
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""
FEDERATION_TYPES = """
scalar _Any
type _Service { sdl: String }
"""


def federation_definitions(names: FederationNames, defined: set[str]) -> str:
    """Definitions of every federation element the subgraph does not define itself."""
    type_names = {canonical: local for local, canonical in names.type_by_local.items()}
    if not names.fed2:
        type_names = {"FieldSet": "_FieldSet"}
    lines: list[str] = []
    for type_local in type_names.values():
        if type_local not in defined:
            lines.append(f"scalar {type_local}")
    for canonical, template in _DIRECTIVES.items():
        local = names.local_by_directive.get(canonical)
        if local is None or "@" + local in defined:
            continue
        text = template.replace("{name}", local)
        for type_name in ("FieldSet", "Scope", "Policy", "ContextFieldValue"):
            text = text.replace("{" + type_name + "}", type_names.get(type_name, type_name))
        lines.append(text)
    if "@link" not in defined:
        lines.append(LINK_DEFINITIONS)
    if "_Any" not in defined:
        lines.append(FEDERATION_TYPES)
    return "\n".join(lines)
