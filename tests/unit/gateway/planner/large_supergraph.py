"""A generated supergraph (join v0.3) with many subgraphs and entity types, for timing.

Entity ``T{i}`` has key ``id`` in every subgraph; its field ``f{i}_{g}`` lives in subgraph
``g``; ``next`` links ``T{i}`` to ``T{i+1}`` from subgraph ``i % graphs``; every subgraph
also shares a value type ``Shared`` (shareable, so many graphs are candidates).
"""

from __future__ import annotations


def large_supergraph(graphs: int = 12, types: int = 40) -> str:
    names = [f"G{g}" for g in range(graphs)]
    out = [
        "schema\n"
        '  @link(url: "https://specs.apollo.dev/link/v1.0")\n'
        '  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)\n'
        "{\n  query: Query\n}\n",
        "directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: "
        "join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: "
        "Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
        "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on "
        "OBJECT | INTERFACE",
        "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = "
        "false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on "
        "OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
        "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION",
        "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) "
        "repeatable on SCHEMA",
        "scalar join__FieldSet\nscalar link__Import\nenum link__Purpose { SECURITY EXECUTION }",
        "enum join__Graph {\n"
        + "\n".join(f'  {n} @join__graph(name: "{n.lower()}", url: "http://{n}")' for n in names)
        + "\n}",
    ]
    shared_types = "\n".join(f"  @join__type(graph: {n})" for n in names)
    out.append(f"type Shared\n{shared_types}\n{{\n  a: Int\n  b: Int\n}}")
    query_types = "\n".join(f"  @join__type(graph: {n})" for n in names)
    query_fields = [
        f"  t{i}: [T{i}] @join__field(graph: {names[i % graphs]})" for i in range(types)
    ]
    query_fields.append("  shared: Shared")
    out.append(f"type Query\n{query_types}\n{{\n" + "\n".join(query_fields) + "\n}")
    for i in range(types):
        keys = "\n".join(f'  @join__type(graph: {n}, key: "id")' for n in names)
        fields = ["  id: ID!"]
        fields += [f"  f{i}_{g}: String @join__field(graph: {n})" for g, n in enumerate(names)]
        fields.append("  shared: Shared")
        if i + 1 < types:
            fields.append(f"  next: T{i + 1} @join__field(graph: {names[i % graphs]})")
        out.append(f"type T{i}\n{keys}\n{{\n" + "\n".join(fields) + "\n}")
    return "\n\n".join(out) + "\n"


def deep_query(depth: int = 8, graphs: int = 12) -> str:
    """``t0 { every field; next { every field; next { … } } }``, ``depth`` levels deep."""
    body = ""
    for level in reversed(range(depth)):
        fields = " ".join(f"f{level}_{g}" for g in range(graphs))
        inner = f" next {{ {body} }}" if body else ""
        body = f"id {fields} shared {{ a b }}{inner}"
    return f"{{ t0 {{ {body} }} shared {{ a }} }}"
