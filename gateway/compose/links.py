"""How one subgraph names the federation directives (``@link`` imports, ``as:``, Fed 1).

A Federation 2 subgraph links ``https://specs.apollo.dev/federation/v2.x``; imported
directives keep their (possibly renamed) name, the others are reachable as
``@federation__name`` (or ``@<as>__name``). A subgraph without that link is Federation 1:
every federation directive has its plain name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import ConstValueNode, ListValueNode, ObjectValueNode, StringValueNode

FEDERATION_IDENTITY = "https://specs.apollo.dev/federation"
LINK_IDENTITY = "https://specs.apollo.dev/link"

# Federation directive → the federation version that introduced it.
FEDERATION_DIRECTIVES: dict[str, tuple[int, int]] = {
    "key": (2, 0),
    "requires": (2, 0),
    "provides": (2, 0),
    "external": (2, 0),
    "tag": (2, 0),
    "extends": (2, 0),
    "shareable": (2, 0),
    "inaccessible": (2, 0),
    "override": (2, 0),
    "composeDirective": (2, 1),
    "interfaceObject": (2, 3),
    "authenticated": (2, 5),
    "requiresScopes": (2, 5),
    "policy": (2, 6),
    "context": (2, 8),
    "fromContext": (2, 8),
    "cost": (2, 9),
    "listSize": (2, 9),
}
FEDERATION_TYPES = ("FieldSet", "Scope", "Policy", "ContextFieldValue")
FED1_DIRECTIVES = ("key", "requires", "provides", "external", "extends", "tag", "inaccessible")

_URL = re.compile(r"^(?P<identity>.+)/v(?P<major>\d+)\.(?P<minor>\d+)/?$")


@dataclass(frozen=True, slots=True)
class LinkedFeature:
    url: str
    identity: str
    name: str  # the spec's name (last path segment), e.g. "federation"
    version: tuple[int, int]
    prefix: str  # ``as:`` or ``name``
    imports: dict[str, str]  # element in spec ("@key", "FieldSet") → local name ("@key")

    def local_directive(self, name: str) -> str:
        return self.imports.get("@" + name, "@" + self._prefixed(name))[1:]

    def local_type(self, name: str) -> str:
        return self.imports.get(name, self._prefixed(name))

    def _prefixed(self, name: str) -> str:
        # The directive named like the spec itself (``@tag`` of ``tag/v0.3``) has no prefix.
        return self.prefix if name == self.name else f"{self.prefix}__{name}"


@dataclass(slots=True)
class FederationNames:
    """Local name of each federation directive / type in one subgraph."""

    fed2: bool
    version: tuple[int, int]
    directive_by_local: dict[str, str] = field(default_factory=dict)  # local → canonical
    local_by_directive: dict[str, str] = field(default_factory=dict)  # canonical → local
    type_by_local: dict[str, str] = field(default_factory=dict)
    features: list[LinkedFeature] = field(default_factory=list)

    def canonical(self, local: str) -> str | None:
        return self.directive_by_local.get(local)

    def local(self, canonical: str) -> str:
        return self.local_by_directive.get(canonical, canonical)

    @property
    def federation(self) -> LinkedFeature | None:
        return next((f for f in self.features if f.identity == FEDERATION_IDENTITY), None)


def parse_url(url: str) -> tuple[str, str, tuple[int, int]] | None:
    match = _URL.match(url)
    if not match:
        return None
    identity = match["identity"]
    return identity, identity.rsplit("/", 1)[-1], (int(match["major"]), int(match["minor"]))


def linked_feature(args: dict[str, ConstValueNode]) -> LinkedFeature | None:
    url_node = args.get("url")
    if not isinstance(url_node, StringValueNode):
        return None
    parsed = parse_url(url_node.value)
    if parsed is None:
        return None
    identity, name, version = parsed
    as_node = args.get("as")
    prefix = as_node.value if isinstance(as_node, StringValueNode) else name
    imports: dict[str, str] = {}
    import_node = args.get("import")
    items = import_node.values if isinstance(import_node, ListValueNode) else ()
    for item in items:
        if isinstance(item, StringValueNode):
            imports[item.value] = item.value
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            element, alias = fields.get("name"), fields.get("as")
            if isinstance(element, StringValueNode):
                local = alias.value if isinstance(alias, StringValueNode) else element.value
                imports[element.value] = local
    return LinkedFeature(url_node.value, identity, name, version, prefix, imports)


def federation_names(features: list[LinkedFeature]) -> FederationNames:
    fed = next((f for f in features if f.identity == FEDERATION_IDENTITY), None)
    if fed is None:
        names = FederationNames(fed2=False, version=(1, 0), features=features)
        for directive in FED1_DIRECTIVES:
            names.directive_by_local[directive] = directive
            names.local_by_directive[directive] = directive
        names.type_by_local["_FieldSet"] = "FieldSet"
        names.type_by_local["FieldSet"] = "FieldSet"
        return names
    names = FederationNames(fed2=fed.version >= (2, 0), version=fed.version, features=features)
    for directive in FEDERATION_DIRECTIVES:
        local = fed.local_directive(directive)
        names.directive_by_local[local] = directive
        names.local_by_directive[directive] = local
    for type_name in FEDERATION_TYPES:
        names.type_by_local[fed.local_type(type_name)] = type_name
    return names
