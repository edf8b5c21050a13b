"""The merged supergraph, as data ready to print (directive applications already rendered)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import ConstValueNode

from gateway.compose.typeref import TypeRef


@dataclass(slots=True)
class SArg:
    name: str
    type: TypeRef | None = None
    default: ConstValueNode | None = None
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SField:
    name: str
    parent: str
    type: TypeRef | None = None
    args: dict[str, SArg] = field(default_factory=dict)
    description: str | None = None
    directives: list[str] = field(default_factory=list)
    default: ConstValueNode | None = None  # input fields

    @property
    def coordinate(self) -> str:
        return f"{self.parent}.{self.name}"


@dataclass(slots=True)
class SEnumValue:
    name: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SType:
    name: str
    kind: str
    description: str | None = None
    directives: list[str] = field(default_factory=list)
    fields: dict[str, SField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, SEnumValue] = field(default_factory=dict)


@dataclass(slots=True)
class SDirectiveDef:
    name: str
    args: dict[str, SArg]
    locations: list[str]
    repeatable: bool
    description: str | None = None


@dataclass(slots=True)
class Supergraph:
    graphs: list[tuple[str, str, str]]  # (enum value, subgraph name, url)
    types: dict[str, SType] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)  # printed @link(...) beyond link & join
    directive_defs: dict[str, SDirectiveDef] = field(default_factory=dict)
    spec_directive_sdl: list[str] = field(default_factory=list)  # tag/inaccessible definitions
    spec_type_sdl: dict[str, str] = field(default_factory=dict)  # e.g. requiresScopes__Scope
    join_version: tuple[int, int] = (0, 5)
    inaccessible: str | None = None  # the supergraph name of @inaccessible, when used

    def is_subtype_member(self, abstract: str, candidate: str) -> bool:
        t = self.types.get(abstract)
        if t is None:
            return False
        if t.kind == "UNION":
            return candidate in t.members
        c = self.types.get(candidate)
        return t.kind == "INTERFACE" and c is not None and abstract in c.interfaces
