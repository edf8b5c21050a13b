"""Authorization the federation way: ``@authenticated``, ``@requiresScopes`` and ``@policy``
from the supergraph, enforced as Apollo Router does — by rewriting the operation *before it
is planned*.

``AuthorizationRules`` reads the directives (under whatever names the supergraph's ``@link``
gives them) into requirements on types and fields. For a request, ``grants(principal)``
says what it holds *that the supergraph mentions*: authenticated or not, its scopes that
some ``@requiresScopes`` names, the policies it satisfies — a small value, so prepared
operations are cached per (operation, grants), never per token or subject.

``filter_operation`` removes every field whose field, return type or (on an interface) any
implementation's field requires what the grants lack, and every fragment whose type
condition does; fragments spreads are inlined so each use is filtered where it stands. The
removed selections' paths come back (``UNAUTHORIZED_FIELD_OR_TYPE`` errors; their values
are null in the response because it is shaped from the original operation); an operation
left with nothing is refused before any subgraph is called.

Requirements: ``@requiresScopes(scopes: [["a", "b"], ["c"]])`` holds when the grants have
a and b, or c (outer list OR, inner AND); ``@policy`` likewise with policies; requirements on
one element from several places must all hold. Policies are evaluated by the gateway from
the principal: ``role:<role>``, ``opd:<code>``, ``opd`` (has one), ``scope:<scope>``,
``authenticated``; any other name is not satisfied.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

from gateway.auth.principal import Principal
from gateway.link import read_links

AUTHENTICATED = "https://specs.apollo.dev/authenticated"
REQUIRES_SCOPES = "https://specs.apollo.dev/requiresScopes"
POLICY = "https://specs.apollo.dev/policy"
UNAUTHORIZED = "UNAUTHORIZED_FIELD_OR_TYPE"

Dnf = tuple[frozenset[str], ...]
Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Grants:
    authenticated: bool = False
    scopes: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()

    @property
    def key(self) -> bytes:
        """Part of the prepared-operation cache key (what changes the answer)."""
        text = f"{int(self.authenticated)}|{','.join(sorted(self.scopes))}|" + ",".join(
            sorted(self.policies)
        )
        return hashlib.sha256(text.encode()).digest()[:16]


@dataclass(frozen=True, slots=True)
class Requirement:
    authenticated: bool = False
    scopes: Dnf | None = None
    policies: Dnf | None = None

    def allows(self, grants: Grants) -> bool:
        if self.authenticated and not grants.authenticated:
            return False
        if self.scopes is not None and not any(c <= grants.scopes for c in self.scopes):
            return False
        return self.policies is None or any(c <= grants.policies for c in self.policies)


def evaluate_policy(name: str, principal: Principal | None) -> bool:
    """The gateway's built-in policies (see the module docstring)."""
    if principal is None or principal.issuer == "none":
        return False
    kind, _, value = name.partition(":")
    if name == "authenticated":
        return True
    if kind == "role":
        return value in principal.roles
    if kind == "scope":
        return value in principal.scopes
    if kind == "opd":
        return principal.opd is not None and (not value or principal.opd == value)
    return False


@dataclass
class AuthorizationRules:
    types: dict[str, list[Requirement]] = field(default_factory=dict)
    fields: dict[tuple[str, str], list[Requirement]] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()  # every scope some @requiresScopes names
    policies: frozenset[str] = frozenset()
    _grants: OrderedDict[Principal | None, Grants] = field(default_factory=OrderedDict)

    @property
    def empty(self) -> bool:
        return not self.types and not self.fields

    @classmethod
    def from_schema(cls, schema: GraphQLSchema) -> AuthorizationRules:
        """The requirements a full supergraph schema (``supergraph_schema``) declares."""
        nodes = [schema.ast_node, *schema.extension_ast_nodes]
        schema_nodes = [
            n for n in nodes if isinstance(n, SchemaDefinitionNode | SchemaExtensionNode)
        ]
        names: dict[str, str] = {}
        if schema_nodes:
            features = read_links(schema_nodes)
            for identity, element in (
                (AUTHENTICATED, "authenticated"),
                (REQUIRES_SCOPES, "requiresScopes"),
                (POLICY, "policy"),
            ):
                link = features.get(identity)
                if link is not None:
                    names[link.directive_name(element)] = element
        rules = cls()
        if not names:
            return rules
        for named in schema.type_map.values():
            if named.name.startswith("__"):
                continue
            type_nodes = [named.ast_node, *getattr(named, "extension_ast_nodes", ())]
            found = _requirements(type_nodes, names)
            if found:
                rules.types[named.name] = found
            for field_name, definition in getattr(named, "fields", {}).items():
                found = _requirements([definition.ast_node], names)
                if found:
                    rules.fields[(named.name, field_name)] = found
        every = [r for rs in (*rules.types.values(), *rules.fields.values()) for r in rs]
        rules.scopes = frozenset(s for r in every for c in r.scopes or () for s in c)
        rules.policies = frozenset(p for r in every for c in r.policies or () for p in c)
        return rules

    def grants(self, principal: Principal | None) -> Grants:
        """What ``principal`` holds of what this supergraph asks for (cached, bounded)."""
        found = self._grants.get(principal)
        if found is not None:
            return found
        authenticated = principal is not None and principal.issuer != "none"
        grants = Grants(
            authenticated,
            principal.scopes & self.scopes if principal is not None else frozenset(),
            frozenset(p for p in self.policies if evaluate_policy(p, principal)),
        )
        self._grants[principal] = grants
        if len(self._grants) > 4096:
            self._grants.popitem(last=False)
        return grants


def _requirements(nodes: Iterable[Any], names: Mapping[str, str]) -> list[Requirement]:
    found: list[Requirement] = []
    for node in nodes:
        for directive in getattr(node, "directives", None) or ():
            kind = names.get(directive.name.value)
            if kind == "authenticated":
                found.append(Requirement(authenticated=True))
            elif kind == "requiresScopes":
                found.append(Requirement(scopes=_dnf(directive, "scopes")))
            elif kind == "policy":
                found.append(Requirement(policies=_dnf(directive, "policies")))
    return found


def _dnf(directive: DirectiveNode, argument: str) -> Dnf:
    for arg in directive.arguments or ():
        if arg.name.value == argument:
            value = value_from_ast_untyped(arg.value)
            if isinstance(value, list):
                return tuple(
                    frozenset(str(x) for x in (c if isinstance(c, list) else [c])) for c in value
                )
    return ()


@dataclass(frozen=True, slots=True)
class Filtered:
    document: DocumentNode  # what to plan: one operation, fragments inlined, filtered
    unauthorized: tuple[Path, ...]  # response-key paths of what was removed
    empty: bool  # nothing permitted is left


class _Filter:
    def __init__(
        self,
        schema: GraphQLSchema,
        rules: AuthorizationRules,
        grants: Grants,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        self.schema, self.rules, self.grants, self.fragments = schema, rules, grants, fragments
        self.removed: list[Path] = []

    def allowed(self, requirements: Iterable[Requirement]) -> bool:
        return all(r.allows(self.grants) for r in requirements)

    def type_allowed(self, name: str) -> bool:
        return self.allowed(self.rules.types.get(name, ()))

    def field_allowed(self, parent: GraphQLNamedType, name: str) -> bool:
        if not self.allowed(self.rules.fields.get((parent.name, name), ())):
            return False
        definition = getattr(parent, "fields", {}).get(name)
        if definition is not None and not self.type_allowed(get_named_type(definition.type).name):
            return False
        if isinstance(parent, GraphQLInterfaceType):
            # through the interface, the field may resolve on any implementation
            for impl in self.schema.get_possible_types(parent):
                if not self.allowed(self.rules.fields.get((impl.name, name), ())):
                    return False
        return True

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, path: Path
    ) -> tuple[SelectionNode, ...]:
        kept: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                kept.extend(self.field(selection, parent, path))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kept.extend(self.fragment(selection, condition, parent, path))
            elif isinstance(selection, FragmentSpreadNode):
                definition = self.fragments[selection.name.value]
                inline = InlineFragmentNode(
                    type_condition=definition.type_condition,
                    directives=selection.directives,
                    selection_set=definition.selection_set,
                )
                kept.extend(self.fragment(inline, definition.type_condition, parent, path))
        return tuple(kept)

    def field(self, node: FieldNode, parent: GraphQLNamedType, path: Path) -> Iterator[FieldNode]:
        name = node.name.value
        key = (node.alias or node.name).value
        if name.startswith("__"):
            yield node
            return
        if not self.field_allowed(parent, name):
            self.removed.append((*path, key))
            return
        if node.selection_set is None:
            yield node
            return
        definition = getattr(parent, "fields", {})[name]
        inner = self.selections(node.selection_set, get_named_type(definition.type), (*path, key))
        if inner:
            yield FieldNode(
                alias=node.alias,
                name=node.name,
                arguments=node.arguments,
                directives=node.directives,
                selection_set=SelectionSetNode(selections=inner),
            )

    def fragment(
        self,
        node: InlineFragmentNode,
        condition: NamedTypeNode | None,
        parent: GraphQLNamedType,
        path: Path,
    ) -> Iterator[InlineFragmentNode]:
        target = parent
        if condition is not None:
            found = self.schema.get_type(condition.name.value)
            if found is None:
                return
            target = found
            if not self.type_allowed(target.name):
                self.removed.append(path)
                return
        inner = self.selections(node.selection_set, target, path)
        if inner:
            yield InlineFragmentNode(
                type_condition=condition,
                directives=node.directives,
                selection_set=SelectionSetNode(selections=inner),
            )


def filter_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    rules: AuthorizationRules,
    grants: Grants,
) -> Filtered | None:
    """``operation`` without what ``grants`` may not see; None when nothing was removed."""
    root = schema.get_root_type(operation.operation)
    if root is None or rules.empty:
        return None
    walk = _Filter(schema, rules, grants, fragments)
    if not walk.type_allowed(root.name):
        return Filtered(DocumentNode(definitions=()), ((),), True)
    kept = walk.selections(operation.selection_set, root, ())
    if not walk.removed:
        return None
    filtered = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=SelectionSetNode(selections=kept),
    )
    empty = not any(not (isinstance(s, FieldNode) and s.name.value == "__typename") for s in kept)
    return Filtered(DocumentNode(definitions=(filtered,)), tuple(walk.removed), empty)


def unauthorized_errors(paths: Iterable[Path], data: Any) -> list[dict[str, Any]]:
    """One ``UNAUTHORIZED_FIELD_OR_TYPE`` error per place in ``data`` a removed selection
    would have filled (list items expanded); one at the written path when there is none."""
    errors: list[dict[str, Any]] = []
    for path in paths:
        concrete = list(_locate(data, path, 0, [])) if path else []
        for where in concrete or [list(path)]:
            errors.append(
                {
                    "message": "Unauthorized field or type",
                    "path": where,
                    "extensions": {"code": UNAUTHORIZED},
                }
            )
    return errors


def _locate(node: Any, path: Path, i: int, at: list[str | int]) -> Iterator[list[str | int]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _locate(item, path, i, [*at, index])
        return
    if not isinstance(node, dict):
        return
    if i == len(path) - 1:
        yield [*at, path[i]]
        return
    child = node.get(path[i])
    if child is not None:
        yield from _locate(child, path, i + 1, [*at, path[i]])


def refused(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The errors of an operation refused because nothing it asks for is permitted."""
    errors: list[dict[str, Any]] = []
    for p in paths:
        error: dict[str, Any] = {"message": "Unauthorized field or type"}
        if p:
            error["path"] = list(p)
        error["extensions"] = {"code": UNAUTHORIZED}
        errors.append(error)
    return errors


__all__ = [
    "AuthorizationRules",
    "Filtered",
    "Grants",
    "Requirement",
    "filter_operation",
    "refused",
    "unauthorized_errors",
]
