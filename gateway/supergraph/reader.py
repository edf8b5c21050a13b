"""Supergraph SDL → ``Supergraph`` model (join v0.1–v0.5, link or core).

Follows how Apollo's ``extractSubgraphsFromSupergraph`` reads the join directives; see
docs/gateway-planner.md for the rules in one table.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
    print_ast,
    value_from_ast_untyped,
)
from graphql import (
    ListTypeNode as _ListTypeNode,
)
from graphql import (
    NonNullTypeNode as _NonNullTypeNode,
)

from gateway.contracts import SubgraphInfo, SupergraphError
from gateway.link import LinkedFeatures, LinkError, read_links
from gateway.operation.ir import Field, InlineFragment, Selection, SelectionSet
from gateway.operation.normalize import OperationError, normalize_selection_set
from gateway.supergraph.api_schema import build_api_schema
from gateway.supergraph.model import (
    ContextArgument,
    FieldDef,
    FieldInGraph,
    Key,
    Supergraph,
    TypeDef,
    TypeInGraph,
    TypeKind,
)

JOIN_IDENTITY = "https://specs.apollo.dev/join"
JOIN_VERSIONS = {(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)}

# Features whose meaning we implement or which only annotate (Apollo Router's list).
SUPPORTED_FEATURES = {
    ("https://specs.apollo.dev/core", (0, 1)),
    ("https://specs.apollo.dev/core", (0, 2)),
    ("https://specs.apollo.dev/link", (1, 0)),
    *((JOIN_IDENTITY, v) for v in JOIN_VERSIONS),
    *(("https://specs.apollo.dev/tag", (0, m)) for m in (1, 2, 3)),
    *(("https://specs.apollo.dev/inaccessible", (0, m)) for m in (1, 2)),
    ("https://specs.apollo.dev/authenticated", (0, 1)),
    ("https://specs.apollo.dev/requiresScopes", (0, 1)),
    ("https://specs.apollo.dev/policy", (0, 1)),
    ("https://specs.apollo.dev/context", (0, 1)),
    ("https://specs.apollo.dev/cost", (0, 1)),
    ("https://specs.apollo.dev/listSize", (0, 1)),
    ("https://specs.apollo.dev/demandControl", (0, 1)),
}

_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
}


def load_supergraph(sdl: str) -> Supergraph:
    """Parse and check supergraph SDL; raise ``SupergraphError`` with a clear message."""
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as exc:
        raise SupergraphError(f"supergraph is not valid GraphQL SDL: {exc.message}") from None
    try:
        return _Reader(sdl, document).read()
    except (LinkError, OperationError) as exc:
        raise SupergraphError(f"invalid supergraph: {exc}") from None


def _arg(node: DirectiveNode, name: str) -> object:
    for a in node.arguments or ():
        if a.name.value == name:
            return value_from_ast_untyped(a.value)
    return None


def _type_text(node: TypeNode) -> tuple[str, str, int]:
    """(printed type, named type, list depth)."""
    depth = 0
    inner = node
    while True:
        if isinstance(inner, _NonNullTypeNode):
            inner = inner.type
        elif isinstance(inner, _ListTypeNode):
            depth += 1
            inner = inner.type
        else:
            break
    return print_ast(node), inner.name.value, depth  # type: ignore[attr-defined]


@dataclass
class _RawType:
    name: str
    kind: TypeKind
    nodes: list[TypeDefinitionNode | TypeExtensionNode] = field(default_factory=list)


class _Reader:
    def __init__(self, sdl: str, document: DocumentNode) -> None:
        self.sdl = sdl
        self.document = document

    # ------------------------------------------------------------------ features
    def _features(self) -> LinkedFeatures:
        schema_nodes = [
            d
            for d in self.document.definitions
            if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
        ]
        if not schema_nodes:
            raise SupergraphError("invalid supergraph: no schema definition with @link/@core")
        features = read_links(schema_nodes)
        join = features.get(JOIN_IDENTITY)
        if join is not None and join.version not in JOIN_VERSIONS:
            raise SupergraphError(
                f"invalid supergraph: unsupported join spec version v{join.version[0]}."
                f"{join.version[1]} (supported: v0.1–v0.5)"
            )
        for link in features.links:
            if (
                link.purpose in ("EXECUTION", "SECURITY")
                and (
                    link.identity,
                    link.version,
                )
                not in SUPPORTED_FEATURES
            ):
                raise SupergraphError(
                    f"invalid supergraph: feature {link.url} is for: {link.purpose} "
                    "but is unsupported"
                )
            if link.identity == "https://specs.apollo.dev/core" and link.version == (0, 1):
                if any(other.purpose for other in features.links):
                    raise SupergraphError(
                        "invalid supergraph: the `for:` argument is unsupported by core v0.1"
                    )
        return features

    def read(self) -> Supergraph:
        features = self._features()
        join = features.get(JOIN_IDENTITY)
        if join is None:
            raise SupergraphError("invalid supergraph: it does not link the join spec")
        if join.version not in JOIN_VERSIONS:
            raise SupergraphError(
                f"invalid supergraph: unsupported join spec version v{join.version[0]}."
                f"{join.version[1]} (supported: v0.1–v0.5)"
            )
        self.features = features
        self.join = join
        self.fed1 = join.version == (0, 1)
        self.d_type = join.directive_name("type")
        self.d_field = join.directive_name("field")
        self.d_graph = join.directive_name("graph")
        self.d_implements = join.directive_name("implements")
        self.d_member = join.directive_name("unionMember")
        self.d_enum_value = join.directive_name("enumValue")
        self.d_owner = join.directive_name("owner")
        graph_enum_name = join.type_name("Graph")

        try:
            schema = build_ast_schema(self.document, assume_valid_sdl=True)
        except (GraphQLError, TypeError) as exc:
            raise SupergraphError(f"invalid supergraph: {exc}") from None
        self.schema = schema

        raw = self._raw_types(features)
        graph_enum = self._graphs(raw.pop(graph_enum_name, None), graph_enum_name)
        self.graph_enum = {k: v.name for k, v in graph_enum.items()}
        subgraphs = {info.name: info for info in graph_enum.values()}
        types = self._types(raw)
        root_types = {
            kind: t.name
            for kind, t in (
                ("query", schema.query_type),
                ("mutation", schema.mutation_type),
                ("subscription", schema.subscription_type),
            )
            if t is not None
        }
        try:
            api = build_api_schema(self.document, features)
        except (GraphQLError, TypeError, ValueError) as exc:
            raise SupergraphError(
                f"invalid supergraph: cannot derive the API schema: {exc}"
            ) from None
        return Supergraph(
            sdl=self.sdl,
            sdl_hash=hashlib.sha256(self.sdl.encode()).hexdigest(),
            api_schema=api,
            supergraph_schema=schema,
            subgraphs=subgraphs,
            join_version=join.version,
            types=types,
            root_types=root_types,
            possible_in=self.possible_in,
            implements_in=self.implements_in,
            enum_values_in=self.enum_values_in,
            graph_enum=self.graph_enum,
        )

    # ------------------------------------------------------------------ raw types
    def _raw_types(self, features: LinkedFeatures) -> dict[str, _RawType]:
        raw: dict[str, _RawType] = {}
        for d in self.document.definitions:
            kind = _KINDS.get(type(d))
            if kind is None:
                if isinstance(d, TypeDefinitionNode | TypeExtensionNode):
                    kind = "scalar"
                else:
                    continue
            name = d.name.value  # type: ignore[attr-defined]
            owner = features.owner_of(name, directive=False)
            if owner is not None and owner.identity != JOIN_IDENTITY:
                continue
            if owner is not None and name != self.join.type_name("Graph"):
                continue
            entry = raw.setdefault(name, _RawType(name, kind))
            entry.nodes.append(d)  # type: ignore[arg-type]
        return raw

    def _directives(self, raw: _RawType, name: str) -> list[DirectiveNode]:
        return [d for node in raw.nodes for d in node.directives or () if d.name.value == name]

    def _graphs(self, raw: _RawType | None, enum_name: str) -> dict[str, SubgraphInfo]:
        if raw is None:
            raise SupergraphError(f"invalid supergraph: missing enum {enum_name}")
        out: dict[str, SubgraphInfo] = {}
        for node in raw.nodes:
            for value in getattr(node, "values", None) or ():
                apps = [d for d in value.directives or () if d.name.value == self.d_graph]
                if not apps:
                    raise SupergraphError(
                        f"invalid supergraph: {enum_name}.{value.name.value} has no @{self.d_graph}"
                    )
                name, url = _arg(apps[0], "name"), _arg(apps[0], "url")
                if not isinstance(name, str) or not isinstance(url, str):
                    raise SupergraphError(
                        f"invalid supergraph: @{self.d_graph} on {value.name.value} "
                        "needs name and url"
                    )
                out[value.name.value] = SubgraphInfo(name, url)
        if not out:
            raise SupergraphError("invalid supergraph: it declares no subgraph")
        return out

    def _graph(self, node: DirectiveNode, where: str) -> str | None:
        value = _arg(node, "graph")
        if value is None:
            return None
        if not isinstance(value, str) or value not in self.graph_enum:
            raise SupergraphError(f"invalid supergraph: unknown graph {value!r} in {where}")
        return self.graph_enum[value]

    # ------------------------------------------------------------------ types
    def _types(self, raw: dict[str, _RawType]) -> dict[str, TypeDef]:
        all_graphs = tuple(self.graph_enum.values())
        per_graph: dict[str, dict[str, TypeInGraph]] = {}
        key_exceptions: set[tuple[str, str, str]] = set()
        owners: dict[str, str] = {}
        for name, rt in raw.items():
            apps = self._directives(rt, self.d_type)
            graphs: dict[str, list[DirectiveNode]] = defaultdict(list)
            for app in apps:
                g = self._graph(app, f"@{self.d_type} on {name}")
                if g is None:
                    raise SupergraphError(
                        f"invalid supergraph: @{self.d_type} on {name} has no graph"
                    )
                graphs[g].append(app)
            owner_apps = self._directives(rt, self.d_owner)
            if owner_apps:
                owner = self._graph(owner_apps[0], f"@{self.d_owner} on {name}")
                if owner:
                    owners[name] = owner
            if not graphs:
                per_graph[name] = {g: TypeInGraph() for g in all_graphs}
                continue
            infos: dict[str, TypeInGraph] = {}
            for g, g_apps in graphs.items():
                keys: list[Key] = []
                interface_object = extension = False
                for app in g_apps:
                    ext = _arg(app, "extension") is True
                    extension = extension or ext
                    interface_object = interface_object or _arg(app, "isInterfaceObject") is True
                    key_text = _arg(app, "key")
                    if isinstance(key_text, str):
                        sels = self._field_set(name, key_text, f"@key on {name}")
                        resolvable = _arg(app, "resolvable") is not False
                        keys.append(Key(sels, key_text, resolvable, ext))
                        legacy = ext or (self.fed1 and owners.get(name) not in (None, g))
                        if legacy:
                            for sel in sels:
                                if isinstance(sel, Field):
                                    key_exceptions.add((name, sel.name, g))
                infos[g] = TypeInGraph(tuple(keys), interface_object, extension)
            per_graph[name] = infos
        if self.fed1:
            # Fed 1: key fields of every non-owner key are provided by the representation.
            for name, infos in per_graph.items():
                for g, info in infos.items():
                    if owners.get(name) not in (None, g):
                        for key in info.keys:
                            for sel in key.selections:
                                if isinstance(sel, Field):
                                    key_exceptions.add((name, sel.name, g))

        self.possible_in: dict[tuple[str, str], tuple[str, ...]] = {}
        self.implements_in: dict[tuple[str, str], frozenset[str]] = {}
        self.enum_values_in: dict[tuple[str, str], frozenset[str]] = {}
        self._implements(raw, per_graph)
        self._union_members(raw, per_graph)
        self._enum_values(raw, per_graph)

        out: dict[str, TypeDef] = {}
        for name, rt in raw.items():
            fields: dict[str, FieldDef] = {}
            if rt.kind in ("object", "interface", "input"):
                fields = self._fields(rt, per_graph, owners, key_exceptions)
            gtype = self.schema.get_type(name)
            interfaces: tuple[str, ...] = ()
            possible: tuple[str, ...] = ()
            if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
                interfaces = tuple(i.name for i in gtype.interfaces)
            if isinstance(gtype, GraphQLInterfaceType | GraphQLUnionType):
                possible = tuple(t.name for t in self.schema.get_possible_types(gtype))
            out[name] = TypeDef(name, rt.kind, per_graph[name], fields, interfaces, possible)
        return out

    def _implements(
        self, raw: dict[str, _RawType], per_graph: dict[str, dict[str, TypeInGraph]]
    ) -> None:
        declared: dict[tuple[str, str], set[str]] = defaultdict(set)
        for name, rt in raw.items():
            if rt.kind not in ("object", "interface"):
                continue
            covered: set[str] = set()
            for app in self._directives(rt, self.d_implements):
                g = self._graph(app, f"@{self.d_implements} on {name}")
                itf = _arg(app, "interface")
                if g is None or not isinstance(itf, str):
                    continue
                declared[(g, name)].add(itf)
                covered.add(itf)
            gtype = self.schema.get_type(name)
            if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
                for itf_type in gtype.interfaces:
                    if itf_type.name in covered:
                        continue
                    for g in per_graph.get(name, {}):
                        if g in per_graph.get(itf_type.name, {}):
                            declared[(g, name)].add(itf_type.name)
        for k, v in declared.items():
            self.implements_in[k] = frozenset(v)
        possible: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (g, name), itfs in sorted(declared.items()):
            if raw[name].kind != "object":
                continue
            for itf in itfs:
                possible[(g, itf)].append(name)
        for k, members in possible.items():
            self.possible_in[k] = tuple(sorted(members))

    def _union_members(
        self, raw: dict[str, _RawType], per_graph: dict[str, dict[str, TypeInGraph]]
    ) -> None:
        for name, rt in raw.items():
            if rt.kind != "union":
                continue
            apps = self._directives(rt, self.d_member)
            members: dict[str, set[str]] = defaultdict(set)
            if apps:
                for app in apps:
                    g = self._graph(app, f"@{self.d_member} on {name}")
                    member = _arg(app, "member")
                    if g is not None and isinstance(member, str):
                        members[g].add(member)
            else:
                gtype = self.schema.get_type(name)
                assert isinstance(gtype, GraphQLUnionType)
                for g in per_graph.get(name, {}):
                    for t in gtype.types:
                        if g in per_graph.get(t.name, {}):
                            members[g].add(t.name)
            for g, ms in members.items():
                self.possible_in[(g, name)] = tuple(sorted(ms))

    def _enum_values(
        self, raw: dict[str, _RawType], per_graph: dict[str, dict[str, TypeInGraph]]
    ) -> None:
        for name, rt in raw.items():
            if rt.kind != "enum":
                continue
            values: dict[str, set[str]] = defaultdict(set)
            all_values: list[str] = []
            saw_join = False
            for node in rt.nodes:
                for value in getattr(node, "values", None) or ():
                    all_values.append(value.name.value)
                    for d in value.directives or ():
                        if d.name.value == self.d_enum_value:
                            saw_join = True
                            g = self._graph(d, f"@{self.d_enum_value} on {name}")
                            if g is not None:
                                values[g].add(value.name.value)
            for g in per_graph.get(name, {}):
                self.enum_values_in[(g, name)] = frozenset(values[g] if saw_join else all_values)

    def _fields(
        self,
        rt: _RawType,
        per_graph: dict[str, dict[str, TypeInGraph]],
        owners: Mapping[str, str],
        key_exceptions: set[tuple[str, str, str]],
    ) -> dict[str, FieldDef]:
        out: dict[str, FieldDef] = {}
        type_graphs = per_graph.get(rt.name, {})
        for node in rt.nodes:
            for fnode in getattr(node, "fields", None) or ():
                fname = fnode.name.value
                type_ref, type_name, depth = _type_text(fnode.type)
                apps = [d for d in fnode.directives or () if d.name.value == self.d_field]
                entries: dict[str, FieldInGraph] = {}
                from_interface_object = False
                if not apps:
                    owner = owners.get(rt.name)
                    if owner is not None:
                        graphs: Iterable[str] = (owner,)
                    else:
                        graphs = (
                            g
                            for g in type_graphs
                            if g in per_graph.get(type_name, {g: TypeInGraph()})
                        )
                    for g in graphs:
                        entries[g] = FieldInGraph(g)
                for app in apps:
                    joined = self._graph(app, f"@{self.d_field} on {rt.name}.{fname}")
                    if joined is None:
                        from_interface_object = True
                        continue
                    entries[joined] = self._field_in_graph(rt.name, fname, type_name, joined, app)
                if self.fed1:
                    for g in type_graphs:
                        if (rt.name, fname, g) in key_exceptions and g not in entries:
                            entries[g] = FieldInGraph(g)
                static: set[str] = set()
                labelled: list[tuple[str, str, bool]] = []
                for g, e in entries.items():
                    if e.external and (rt.name, fname, g) not in key_exceptions:
                        continue
                    if e.override_label and (
                        e.override_from is None or e.override_from in self._subgraph_names
                    ):
                        labelled.append((g, e.override_label, e.override_from is not None))
                        continue
                    if e.used_overridden:
                        continue
                    static.add(g)
                out[fname] = FieldDef(
                    parent=rt.name,
                    name=fname,
                    type_name=type_name,
                    type_ref=type_ref,
                    list_depth=depth,
                    per_graph=entries,
                    static_resolvers=frozenset(static),
                    label_resolvers=tuple(sorted(labelled)),
                    from_interface_object=from_interface_object,
                )
        return out

    @property
    def _subgraph_names(self) -> frozenset[str]:
        return frozenset(self.graph_enum.values())

    def _field_in_graph(
        self, parent: str, fname: str, type_name: str, graph: str, app: DirectiveNode
    ) -> FieldInGraph:
        requires = _arg(app, "requires")
        provides = _arg(app, "provides")
        local_type = _arg(app, "type")
        override = _arg(app, "override")
        label = _arg(app, "overrideLabel")
        ctx_raw = _arg(app, "contextArguments")
        ctx: list[ContextArgument] = []
        for item in ctx_raw if isinstance(ctx_raw, list) else ():
            if isinstance(item, dict):
                ctx.append(
                    ContextArgument(
                        str(item.get("name")),
                        str(item.get("type")),
                        str(item.get("context")),
                        str(item.get("selection")),
                    )
                )
        where = f"{parent}.{fname}"
        return FieldInGraph(
            graph=graph,
            external=_arg(app, "external") is True,
            requires=alias_arguments(self._field_set(parent, requires, f"@requires on {where}"))
            if isinstance(requires, str)
            else None,
            requires_text=requires if isinstance(requires, str) else None,
            provides=self._field_set(type_name, provides, f"@provides on {where}")
            if isinstance(provides, str)
            else None,
            provides_text=provides if isinstance(provides, str) else None,
            local_type=local_type if isinstance(local_type, str) else None,
            override_from=override if isinstance(override, str) else None,
            override_label=label if isinstance(label, str) else None,
            used_overridden=_arg(app, "usedOverridden") is True,
            context_arguments=tuple(ctx),
        )

    def _field_set(self, type_name: str, text: str, where: str) -> SelectionSet:
        # the same key (``id``) recurs on every graph of every entity: parse it once
        cache: dict[tuple[str, str], SelectionSet] = self.__dict__.setdefault("_sets", {})
        hit = cache.get((type_name, text))
        if hit is None:
            hit = cache[(type_name, text)] = self._parse_field_set(type_name, text, where)
        return hit

    def _parse_field_set(self, type_name: str, text: str, where: str) -> SelectionSet:
        gtype = self.schema.get_type(type_name)
        if not isinstance(gtype, GraphQLCompositeType):
            raise SupergraphError(f"invalid supergraph: {where}: {type_name} is not composite")
        try:
            doc = parse("{" + text + "}", no_location=True)
        except GraphQLError as exc:
            raise SupergraphError(f"invalid supergraph: {where}: {exc.message}") from None
        op = doc.definitions[0]
        assert isinstance(op, OperationDefinitionNode)
        try:
            return normalize_selection_set(self.schema, gtype, op.selection_set)
        except OperationError as exc:
            raise SupergraphError(f"invalid supergraph: {where}: {exc}") from None


def alias_arguments(sels: SelectionSet) -> SelectionSet:
    """Alias required fields that take arguments, one alias per argument set.

    Two ``@requires`` may read one field with different arguments; the producer then fetches
    each under its own alias and the representation is built from that alias.
    """
    out: list[Selection] = []
    for sel in sels:
        if isinstance(sel, InlineFragment):
            out.append(sel.with_selections(alias_arguments(sel.selections)))
            continue
        sub = alias_arguments(sel.selections) if sel.selections is not None else None
        alias = sel.alias
        if sel.arguments and alias is None:
            digest = hashlib.sha1(repr(sel.arguments).encode()).hexdigest()[:8]
            alias = f"{sel.name}__req_{digest}"
        out.append(Field(sel.name, alias, sel.arguments, sub, sel.variables))
    return tuple(out)
