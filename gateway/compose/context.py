"""State shared by the merge steps of one composition run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TypeVar

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.federation import FedInfo
from gateway.compose.subgraph import Subgraph, TypeDef
from gateway.compose.supermodel import Supergraph

T = TypeVar("T")
Sources = dict[int, T | None]  # subgraph index → element (None: the subgraph has the parent only)


def graph_enum_names(names: list[str]) -> list[str]:
    """``join__Graph`` value per subgraph, sanitised and de-duplicated like Apollo."""

    def sanitize(name: str) -> str:
        out = re.sub(r"\W", "_", name)
        if re.match(r"^\d", out):
            out = "_" + out
        if re.search(r"_\d+$", out):
            out += "_"
        return out.upper()

    sanitized = [sanitize(n) for n in names]
    result: list[str] = []
    for i, s in enumerate(sanitized):
        same = [j for j, o in enumerate(sanitized) if o == s]
        result.append(s if len(same) == 1 else f"{s}_{same.index(i) + 1}")
    return result


def gql_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def directive(name: str, args: list[tuple[str, str | bool | None]]) -> str:
    """Render ``@name(a: v, …)``; ``None`` arguments are left out, strings quoted."""
    parts = []
    for key, value in args:
        if value is None:
            continue
        if isinstance(value, bool):
            parts.append(f"{key}: {'true' if value else 'false'}")
        else:
            parts.append(f"{key}: {value}")
    return f"@{name}({', '.join(parts)})" if parts else f"@{name}"


@dataclass(slots=True)
class EnumUsage:
    position: str  # "Input", "Output" or "Both"
    examples: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Ctx:
    subgraphs: list[Subgraph]
    infos: list[FedInfo]
    diag: Diagnostics
    sg: Supergraph
    enum_usage: dict[str, EnumUsage] = field(default_factory=dict)
    # supergraph directive name → (canonical or custom) for applied directives that propagate
    merged_directives: dict[str, str] = field(default_factory=dict)
    pending: list[tuple[object, object, object]] = field(default_factory=list)
    spec_names: dict[str, str] = field(default_factory=dict)  # "tag" → its supergraph name
    composed: list[set[str]] = field(default_factory=list)  # per subgraph: composed directives

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.subgraphs]

    def graph(self, idx: int) -> str:
        return self.sg.graphs[idx][0]

    def type_sources(self, name: str, kind: str) -> Sources[TypeDef]:
        out: Sources[TypeDef] = {}
        for i, s in enumerate(self.subgraphs):
            t = s.types.get(name)
            if t is None:
                continue
            actual = "INTERFACE" if self.infos[i].is_interface_object(t) else t.kind
            if actual == kind:
                out[i] = t
        return out
