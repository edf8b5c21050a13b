"""Federation facts about one subgraph: keys, externals, shareable and used fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import BooleanValueNode, StringValueNode, print_ast

from gateway.compose.fieldset import target_fields
from gateway.compose.subgraph import Applied, Field, Subgraph, TypeDef


@dataclass(frozen=True, slots=True)
class Key:
    fields: str
    resolvable: bool
    on_extension: bool
    applied: Applied


def fields_arg(applied: Applied) -> str | None:
    node = applied.args.get("fields")
    return node.value if isinstance(node, StringValueNode) else None


def string_arg(applied: Applied, name: str) -> str | None:
    node = applied.args.get(name)
    return node.value if isinstance(node, StringValueNode) else None


def printed(applied: Applied) -> str:
    return print_ast(applied.node)


@dataclass(slots=True)
class FedInfo:
    subgraph: Subgraph
    external: set[str] = field(default_factory=set)
    fake_external: set[str] = field(default_factory=set)
    provided: set[str] = field(default_factory=set)
    shareable: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.subgraph.name

    def keys(self, type_def: TypeDef) -> list[Key]:
        out = []
        for applied in self.subgraph.applied(type_def, "key"):
            text = fields_arg(applied)
            if text is None:
                continue
            resolvable = applied.args.get("resolvable")
            is_resolvable = not (isinstance(resolvable, BooleanValueNode) and not resolvable.value)
            extension = applied.on_extension or self.subgraph.has(type_def, "extends")
            out.append(Key(text, is_resolvable, extension, applied))
        return out

    def is_external(self, f: Field) -> bool:
        return f.coordinate in self.external

    def is_fully_external(self, f: Field) -> bool:
        return f.coordinate in self.external and f.coordinate not in self.provided

    def is_shareable(self, f: Field) -> bool:
        return f.coordinate in self.shareable

    def is_used(self, f: Field) -> bool:
        return f.coordinate in self.used

    def is_interface_object(self, type_def: TypeDef) -> bool:
        return type_def.kind == "OBJECT" and self.subgraph.has(type_def, "interfaceObject")

    def is_entity(self, type_def: TypeDef) -> bool:
        return bool(self.subgraph.applied(type_def, "key"))


def fed_info(subgraph: Subgraph) -> FedInfo:
    """Compute the federation facts of ``subgraph`` (call again after modifying it)."""
    info = FedInfo(subgraph)
    composite = [t for t in subgraph.types.values() if t.kind in ("OBJECT", "INTERFACE")]
    for type_def in composite:
        for key in info.keys(type_def):
            targets = target_fields(subgraph, type_def.name, key.fields)
            info.used.update(f.coordinate for f in targets)
            info.shareable.update(f.coordinate for f in targets)
            if key.on_extension:
                info.fake_external.update(
                    f.coordinate
                    for f in targets
                    if f.parent == type_def.name and subgraph.has(f, "external")
                )
    for type_def in composite:
        external_type = subgraph.names.fed2 and subgraph.has(type_def, "external")
        for f in type_def.fields.values():
            if (
                subgraph.has(f, "external") or external_type
            ) and f.coordinate not in info.fake_external:
                info.external.add(f.coordinate)
    for type_def in composite:
        type_shareable = subgraph.applied(type_def, "shareable")
        for f in type_def.fields.values():
            if subgraph.has(f, "shareable") or any(
                a.on_extension == f.on_extension for a in type_shareable
            ):
                info.shareable.add(f.coordinate)
            for applied in subgraph.applied(f, "requires"):
                text = fields_arg(applied)
                if text is not None:
                    info.used.update(
                        x.coordinate for x in target_fields(subgraph, type_def.name, text)
                    )
            for applied in subgraph.applied(f, "provides"):
                text = fields_arg(applied)
                if text is None or f.type.base not in subgraph.types:
                    continue
                for target in target_fields(subgraph, f.type.base, text):
                    info.used.add(target.coordinate)
                    info.provided.add(target.coordinate)
                    if target.coordinate in info.external:
                        info.shareable.add(target.coordinate)
    for itf in (t for t in composite if t.kind == "INTERFACE"):
        for impl in subgraph.implementations(itf.name):
            for name in itf.fields:
                if name in impl.fields:
                    info.used.add(impl.fields[name].coordinate)
    return info
