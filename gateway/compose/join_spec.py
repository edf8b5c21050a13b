"""The fixed part of a supergraph: link/join definitions for the chosen join version."""

from __future__ import annotations

LINK_PURPOSE = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''

CONTEXT_ARGUMENT = """input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}"""


def join_version(federation_version: tuple[int, int]) -> tuple[int, int]:
    """Apollo picks the smallest join spec able to express the newest federation used."""
    if federation_version >= (2, 8):
        return (0, 5)
    if federation_version >= (2, 7):
        return (0, 4)
    return (0, 3)


def join_directives(version: tuple[int, int]) -> dict[str, str]:
    field_args = (
        "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, "
        "type: String, external: Boolean, override: String, usedOverridden: Boolean"
    )
    if version >= (0, 4):
        field_args += ", overrideLabel: String"
    if version >= (0, 5):
        field_args += ", contextArguments: [join__ContextArgument!]"
    out = {
        "join__enumValue": (
            "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE"
        ),
        "join__field": (
            f"directive @join__field({field_args}) repeatable on FIELD_DEFINITION | "
            "INPUT_FIELD_DEFINITION"
        ),
        "join__graph": "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "join__implements": (
            "directive @join__implements(graph: join__Graph!, interface: String!) repeatable "
            "on OBJECT | INTERFACE"
        ),
        "join__type": (
            "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: "
            "Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! "
            "= false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT "
            "| SCALAR"
        ),
        "join__unionMember": (
            "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION"
        ),
        "link": (
            "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
            "repeatable on SCHEMA"
        ),
    }
    if version >= (0, 4):
        out["join__directive"] = (
            "directive @join__directive(graphs: [join__Graph!], name: String!, args: "
            "join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | "
            "FIELD_DEFINITION"
        )
    return out


def join_types(version: tuple[int, int], graph_enum: str) -> dict[str, str]:
    out = {
        "join__FieldSet": "scalar join__FieldSet",
        "join__Graph": graph_enum,
        "link__Import": "scalar link__Import",
        "link__Purpose": LINK_PURPOSE,
    }
    if version >= (0, 4):
        out["join__DirectiveArguments"] = "scalar join__DirectiveArguments"
    if version >= (0, 5):
        out["join__FieldValue"] = "scalar join__FieldValue"
        out["join__ContextArgument"] = CONTEXT_ARGUMENT
    return out
