"""Random federated schemas (subgraph SDL + a consistent world) from a seed.

Entity types ``E0..`` with key ``id`` (sometimes a second key ``code``) spread over
subgraphs ``s0..``; each field is owned by one subgraph (or shared between several as
``@shareable``); some fields are ``@requires`` of another subgraph's field, some references
``@provides`` a field of the referenced entity; an interface ``Item`` and a union ``Any``
span subgraphs — or, for some seeds, ``Item`` is an entity interface of one subgraph and an
``@interfaceObject`` (adding ``itemExtra``) in another. ``compose_fixtures.py random<SEED>``
writes and composes a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from planner_harness import Computed, Ref, World

HEADER = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: '
    '["@key", "@shareable", "@external", "@requires", "@provides", "@override", '
    '"@interfaceObject"])\n'
)


@dataclass
class FieldSpec:
    name: str
    type: str  # "String", "Int", "E3", "[E3]", "V0"
    owners: list[str]
    requires: tuple[str, str] | None = None  # (subgraph, required scalar field)
    provides: tuple[str, str] | None = None  # (subgraph, provided field of the target)
    shareable: bool = False
    override: tuple[str, str, str | None] | None = None  # (new owner, old owner, label)


@dataclass
class TypeSpec:
    name: str
    subgraphs: list[str]
    fields: list[FieldSpec] = field(default_factory=list)
    second_key: str | None = None  # subgraph declaring @key(fields: "code") too
    code_only: str | None = None  # subgraph knowing the type by "code" only (no id)
    stub_only: set[str] = field(default_factory=set)  # stubs with @key(resolvable: false)
    implements_item: bool = False


@dataclass
class RandomFederation:
    seed: int
    subgraphs: list[str]
    types: list[TypeSpec]
    value_fields: dict[str, list[str]]  # V0 field → subgraphs
    roots: dict[str, tuple[str, str]]  # root field → (subgraph, type)
    abstract_roots: dict[str, tuple[str, str]] = field(default_factory=dict)
    # (subgraph with the entity interface, subgraph with the @interfaceObject)
    iface: tuple[str, str] | None = None

    def sdl(self, sub: str) -> str:
        out = [HEADER]
        roots = [f"  {name}: [{t}]" for name, (s, t) in self.roots.items() if s == sub]
        roots += [f"  {name}: [{t}]" for name, (s, t) in self.abstract_roots.items() if s == sub]
        if roots:
            out.append("type Query {\n" + "\n".join(roots) + "\n}\n")
        items = [
            t for t in self.types if t.implements_item and sub in t.subgraphs and sub != t.code_only
        ]
        if self.iface is not None and sub != self.iface[0]:
            items = []
        if self.iface is not None and sub == self.iface[1]:
            out.append(
                'type Item @key(fields: "id") @interfaceObject {\n  id: ID!\n'
                "  itemExtra: String\n}\n"
            )
        if items:
            key = ' @key(fields: "id")' if self.iface is not None else ""
            out.append(f"interface Item{key} {{\n  id: ID!\n}}\n")
            out.append(f"union Any = {' | '.join(t.name for t in items)}\n")
        for t in self.types:
            if sub not in t.subgraphs:
                continue
            keys = '@key(fields: "id")'
            if sub in t.stub_only:
                keys = '@key(fields: "id", resolvable: false)'
            if t.second_key == sub:
                keys += ' @key(fields: "code")'
            lines = ["  id: ID!"]
            if t.code_only == sub:
                keys, lines = '@key(fields: "code")', []
            impl = " implements Item" if t in items else ""
            if t.second_key is not None:
                lines.append("  code: String! @shareable")
            externals: set[str] = set()
            for f in t.fields:
                if f.requires and f.requires[0] == sub:
                    externals.add(f.requires[1])
            for f in t.fields:
                if sub in f.owners:
                    line = f"  {f.name}: {f.type}"
                    if (len(f.owners) > 1 and not f.override) or f.shareable:
                        line += " @shareable"
                    if f.requires and f.requires[0] == sub:
                        line += f' @requires(fields: "{f.requires[1]}")'
                    if f.provides and f.provides[0] == sub:
                        line += f' @provides(fields: "{f.provides[1]}")'
                    if f.override and f.override[0] == sub:
                        label = f', label: "{f.override[2]}"' if f.override[2] else ""
                        line += f' @override(from: "{f.override[1]}"{label})'
                    lines.append(line)
                elif f.name in externals:
                    lines.append(f"  {f.name}: {f.type} @external")
            for other in self.types:
                for f in other.fields:
                    if f.provides and f.provides[0] == sub and f.type.strip("[]") == t.name:
                        provided = f.provides[1]
                        if not any(x.name == provided and sub in x.owners for x in t.fields):
                            ptype = next(x.type for x in t.fields if x.name == provided)
                            line = f"  {provided}: {ptype} @external"
                            if line not in lines:
                                lines.append(line)
            out.append(f"type {t.name}{impl} {keys} {{\n" + "\n".join(lines) + "\n}\n")
        vfields = [f"  {name}: Int" for name, subs in self.value_fields.items() if sub in subs]
        vfields = vfields or [f"  {next(iter(self.value_fields))}: Int"]
        if vfields and any(
            sub in f.owners and f.type == "V0" for t in self.types for f in t.fields
        ):
            out.append("type V0 @shareable {\n" + "\n".join(vfields) + "\n}\n")
        return "\n".join(out)

    def world(self) -> World:
        rng = random.Random(self.seed * 7919)
        objects: dict[str, dict[str, dict[str, Any]]] = {}
        ids = {t.name: [f"{t.name.lower()}_{i}" for i in range(3)] for t in self.types}
        for t in self.types:
            objs: dict[str, dict[str, Any]] = {}
            for i, oid in enumerate(ids[t.name]):
                data: dict[str, Any] = {"id": oid}
                if t.second_key is not None:
                    data["code"] = f"c-{oid}"
                for f in t.fields:
                    data[f.name] = self._value(rng, f, ids, i)
                if t.implements_item:
                    data["itemExtra"] = None if i == 1 else f"x-{oid}"
                objs[oid] = data
            objects[t.name] = objs
        query: dict[str, Any] = {}
        for name, (_s, tname) in self.roots.items():
            refs: list[Any] = [Ref(tname, oid) for oid in ids[tname]]
            rng.shuffle(refs)
            query[name] = refs[: rng.randint(1, 3)]
        for name, (sub, _t) in self.abstract_roots.items():
            members = [
                t.name
                for t in self.types
                if t.implements_item
                and (sub in t.subgraphs or (self.iface is not None and sub == self.iface[1]))
                and sub != t.code_only
            ]
            refs = [Ref(m, oid) for m in members for oid in ids[m]]
            rng.shuffle(refs)
            query[name] = refs[: rng.randint(1, 4)]
        return World(objects, query)

    def _value(self, rng: random.Random, f: FieldSpec, ids: dict[str, list[str]], i: int) -> Any:
        if f.requires is not None:
            needed = f.requires[1]
            return Computed(lambda rep, _a, needed=needed: f"r({rep.get(needed)})")
        if rng.random() < 0.15:
            return None
        base = f.type.strip("[]")
        if f.type == "String":
            return f"{f.name}-{i}-{rng.randint(0, 99)}"
        if f.type == "Int":
            return rng.randint(0, 1000)
        if f.type == "V0":
            return {k: rng.randint(0, 9) for k in self.value_fields}
        if f.type.startswith("["):
            return [Ref(base, rng.choice(ids[base])) for _ in range(rng.randint(0, 3))]
        return Ref(base, rng.choice(ids[base]))


def generate(seed: int) -> RandomFederation:
    rng = random.Random(seed)
    subgraphs = [f"s{i}" for i in range(rng.randint(2, 4))]
    types = [TypeSpec(f"E{i}", []) for i in range(rng.randint(2, 4))]
    for t in types:
        t.subgraphs = sorted(rng.sample(subgraphs, rng.randint(1, len(subgraphs))))
        if len(t.subgraphs) > 1 and rng.random() < 0.3:
            t.second_key = rng.choice(t.subgraphs)
        t.implements_item = rng.random() < 0.5
    value_fields = {
        f"v{i}": sorted(rng.sample(subgraphs, rng.randint(1, len(subgraphs)))) for i in range(2)
    }
    for t in types:
        for j in range(rng.randint(2, 5)):
            owners = [rng.choice(t.subgraphs)]
            if rng.random() < 0.25 and len(t.subgraphs) > 1:
                owners = sorted(rng.sample(t.subgraphs, 2))
            kind = rng.random()
            if kind < 0.35:
                ftype = "String"
            elif kind < 0.5:
                ftype = "Int"
            elif kind < 0.6:
                ftype = "V0"
            else:
                target = rng.choice(types).name
                ftype = f"[{target}]" if rng.random() < 0.5 else target
            t.fields.append(FieldSpec(f"{t.name.lower()}f{j}", ftype, owners))
    # a subgraph that knows a two-key type by its second key only
    for t in types:
        if t.second_key is not None:
            spare = [x for x in subgraphs if x not in t.subgraphs]
            if spare and rng.random() < 0.6:
                t.code_only = rng.choice(spare)
                t.subgraphs = sorted(t.subgraphs + [t.code_only])
    # @override: a single-owner field moves (maybe progressively) to another subgraph
    for t in types:
        movable = [f for f in t.fields if len(f.owners) == 1 and f.type in ("String", "Int")]
        targets = [x for x in t.subgraphs if x != t.code_only]
        if movable and rng.random() < 0.4:
            f = movable[0]
            new_owner = rng.choice([x for x in targets if x != f.owners[0]] or [None])
            if new_owner is not None:
                label = rng.choice([None, "beta", "percent(50)"])
                f.override = (new_owner, f.owners[0], label)
                f.owners = sorted({f.owners[0], new_owner}) if label else [new_owner]
    # a reference needs its target type in the owning subgraph (as a key-only stub)
    by_name = {t.name: t for t in types}
    for t in types:
        for f in t.fields:
            target = by_name.get(f.type.strip("[]"))
            if target is not None:
                target.subgraphs = sorted(set(target.subgraphs) | set(f.owners))
    # some key-only stubs only reference the type: their key is not resolvable
    for t in types:
        owning = {o for f in t.fields for o in f.owners}
        for sub in t.subgraphs:
            if (
                sub not in owning
                and sub not in (t.second_key, t.code_only)
                and len(t.subgraphs) > 1
                and rng.random() < 0.5
            ):
                t.stub_only.add(sub)
    # @requires: a subgraph of T needs a scalar field owned elsewhere
    for t in types:
        scalars = [f for f in t.fields if f.type in ("String", "Int") and len(f.owners) == 1]
        others = [
            s
            for s in t.subgraphs
            if scalars and s not in scalars[0].owners and s not in t.stub_only
        ]
        if scalars and others and rng.random() < 0.6:
            req_sub = rng.choice(others)
            t.fields.append(
                FieldSpec(
                    f"{t.name.lower()}req", "String", [req_sub], requires=(req_sub, scalars[0].name)
                )
            )
    # @provides: a reference field provides a single-owner scalar of its target
    for t in types:
        for f in t.fields:
            base = f.type.strip("[]")
            target = next((x for x in types if x.name == base), None)
            if target is None or len(f.owners) != 1 or rng.random() < 0.5:
                continue
            sub = f.owners[0]
            if sub not in target.subgraphs:
                continue
            cands = [
                x
                for x in target.fields
                if x.type in ("String", "Int") and sub not in x.owners and x.requires is None
            ]
            if cands:
                provided = cands[0]
                f.provides = (sub, provided.name)
                provided.shareable = True  # a provided field is resolvable in two places
    roots: dict[str, tuple[str, str]] = {}
    for t in types:
        roots[f"all{t.name}"] = (rng.choice(t.subgraphs), t.name)
    abstract_roots: dict[str, tuple[str, str]] = {}
    iface: tuple[str, str] | None = None
    implementing = [t for t in types if t.implements_item]
    if implementing and len(subgraphs) > 1 and rng.random() < 0.5:
        owner = rng.choice(subgraphs)
        if all(t.code_only != owner for t in implementing):
            # the @interfaceObject subgraph may not define any implementation: a new one
            iface = (owner, f"s{len(subgraphs)}")
            subgraphs = [*subgraphs, iface[1]]
            for t in implementing:
                t.subgraphs = sorted(set(t.subgraphs) | {owner})
    if iface is not None:
        abstract_roots["items"] = (iface[0], "Item")
        abstract_roots["anys"] = (iface[0], "Any")
        abstract_roots["fromObject"] = (iface[1], "Item")
    else:
        with_items = [
            s for s in subgraphs if any(t.implements_item and s in t.subgraphs for t in types)
        ]
        if with_items:
            abstract_roots["items"] = (rng.choice(with_items), "Item")
            abstract_roots["anys"] = (rng.choice(with_items), "Any")
    return RandomFederation(seed, subgraphs, types, value_fields, roots, abstract_roots, iface)
