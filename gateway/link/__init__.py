"""Core/link specification: which features a schema links, and under which names.

A supergraph names its machinery through ``@link(url:, as:, import:, for:)`` on the schema
definition (Fed 2) or ``@core(feature:, as:, for:)`` (Fed 1). ``read_links`` collects them;
``Link.directive_name`` / ``Link.type_name`` translate a feature's own element names
(``@field`` of join, ``Graph``) into the names used in this schema (``@join__field``,
``join__Graph``, or a renamed/imported form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    value_from_ast_untyped,
)

_URL_RE = re.compile(
    r"^(?P<identity>.*/(?P<name>[A-Za-z_][\w-]*))/v(?P<major>\d+)\.(?P<minor>\d+)/?$"
)

LINK_IDENTITY = "https://specs.apollo.dev/link"
CORE_IDENTITY = "https://specs.apollo.dev/core"


class LinkError(ValueError):
    """A ``@link``/``@core`` application is malformed."""


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    identity: str
    name: str
    version: tuple[int, int]
    alias: str | None = None
    purpose: str | None = None
    # element name in the feature (``@key``, ``FieldSet``) → name in this schema
    imports: tuple[tuple[str, str], ...] = ()

    @property
    def prefix(self) -> str:
        return self.alias or self.name

    def directive_name(self, element: str) -> str:
        """Schema name of the feature's directive ``element`` (given without ``@``)."""
        for src, dst in self.imports:
            if src == "@" + element:
                return dst.lstrip("@")
        if element == self.name:
            return self.prefix
        return f"{self.prefix}__{element}"

    def type_name(self, element: str) -> str:
        for src, dst in self.imports:
            if src == element:
                return dst
        return f"{self.prefix}__{element}"

    def owns(self, schema_name: str, directive: bool) -> bool:
        """Whether ``schema_name`` (a directive or type name) belongs to this feature."""
        if directive:
            if schema_name == self.prefix:
                return True
            if any(
                dst.lstrip("@") == schema_name for src, dst in self.imports if src.startswith("@")
            ):
                return True
        elif any(dst == schema_name for src, dst in self.imports if not src.startswith("@")):
            return True
        return schema_name.startswith(self.prefix + "__")


@dataclass(frozen=True, slots=True)
class LinkedFeatures:
    links: tuple[Link, ...]
    core: Link  # the link/core feature itself (bootstrap)
    by_identity: Mapping[str, Link] = field(default_factory=dict)

    def get(self, identity: str) -> Link | None:
        return self.by_identity.get(identity)

    def owner_of(self, schema_name: str, directive: bool) -> Link | None:
        for link in self.links:
            if link.owns(schema_name, directive):
                return link
        return None


def parse_url(url: str) -> tuple[str, str, tuple[int, int]]:
    match = _URL_RE.match(url.strip())
    if not match:
        raise LinkError(f"invalid feature url {url!r} (expected https://…/name/vX.Y)")
    return match["identity"], match["name"], (int(match["major"]), int(match["minor"]))


def _args(node: DirectiveNode) -> dict[str, object]:
    out: dict[str, object] = {}
    for arg in node.arguments or ():
        out[arg.name.value] = _value(arg)
    return out


def _value(arg: ArgumentNode) -> object:
    return value_from_ast_untyped(arg.value)


def _imports(raw: object) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raw = [raw]
    out: list[tuple[str, str]] = []
    for item in raw:
        if isinstance(item, str):
            out.append((item, item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            name = item["name"]
            alias = item.get("as") or name
            if name.startswith("@") != str(alias).startswith("@"):
                raise LinkError(
                    f"import {name!r} renamed to {alias!r}: both must be directives or types"
                )
            out.append((name, str(alias)))
        else:
            raise LinkError(f"invalid @link import entry {item!r}")
    return tuple(out)


def _bootstrap(directives: Iterable[DirectiveNode]) -> tuple[str, str] | None:
    """Find the directive name used for link/core itself and its argument name for the url."""
    for node in directives:
        args = {a.name.value: a.value for a in node.arguments or ()}
        for arg_name in ("url", "feature"):
            value = args.get(arg_name)
            if not isinstance(value, StringValueNode):
                continue
            try:
                identity, _, _ = parse_url(value.value)
            except LinkError:
                continue
            if identity in (LINK_IDENTITY, CORE_IDENTITY):
                alias = args.get("as")
                own_name = (
                    alias.value
                    if isinstance(alias, StringValueNode)
                    else identity.rsplit("/", 1)[1]
                )
                if node.name.value == own_name:
                    return node.name.value, arg_name
    return None


def read_links(
    schema_nodes: Iterable[SchemaDefinitionNode | SchemaExtensionNode],
) -> LinkedFeatures:
    """Read every ``@link``/``@core`` application on the schema definition(s)."""
    directives = [d for node in schema_nodes for d in node.directives or ()]
    boot = _bootstrap(directives)
    if boot is None:
        raise LinkError("the schema has no @link (or @core) to the link/core specification")
    link_directive, url_arg = boot
    links: list[Link] = []
    for node in directives:
        if node.name.value != link_directive:
            continue
        args = _args(node)
        url = args.get(url_arg)
        if not isinstance(url, str):
            raise LinkError(f"@{link_directive} without a string {url_arg!r} argument")
        identity, name, version = parse_url(url)
        alias = args.get("as")
        purpose = args.get("for")
        if alias is not None and not isinstance(alias, str):
            raise LinkError(f"@{link_directive}(as:) must be a string")
        if purpose is not None and not isinstance(purpose, str):
            raise LinkError(f"@{link_directive}(for:) must be an enum value")
        links.append(
            Link(url, identity, name, version, alias, purpose, _imports(args.get("import")))
        )
    by_identity: dict[str, Link] = {}
    for link in links:
        if link.identity in by_identity:
            raise LinkError(f"feature {link.identity} is linked more than once")
        by_identity[link.identity] = link
    core = by_identity.get(LINK_IDENTITY) or by_identity[CORE_IDENTITY]
    return LinkedFeatures(tuple(links), core, by_identity)
