"""Declarative mapping: one small typed table per entity, upstream record → canonical model.

A mapping never raises on bad data: ``map_record`` returns ``Mapped`` (with the upstream
fields nobody mapped, for schema-drift reporting) or ``Rejected`` (with a reason, for the
quarantine). Example::

    PERMIT = EntityMapping(
        entity="permit", resource="permohonan", model=Permit, revision="source_revision",
        fields=(
            FieldMap("no_permohonan", "id", text),
            FieldMap("tgl_masuk", "submitted_on", ddmmyyyy),
            FieldMap("catatan", "note", text, required=False),
        ),
    )
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from services.kit.converters import Converter, identity

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class FieldMap:
    source: str
    target: str
    convert: Converter = identity
    required: bool = True


@dataclass(frozen=True, slots=True)
class EntityMapping(Generic[M]):
    entity: str  # canonical entity family, e.g. "permit"
    resource: str  # upstream resource path, e.g. "permohonan"
    model: type[M]
    fields: tuple[FieldMap, ...]
    revision: str  # canonical field that orders versions of one record (int or datetime)
    id_target: str = "id"
    ignore: frozenset[str] = frozenset()  # upstream fields known and deliberately unused
    _by_target: dict[str, FieldMap] = field(init=False, repr=False, compare=False)
    _known: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_target", {f.target: f for f in self.fields})
        object.__setattr__(self, "_known", frozenset(f.source for f in self.fields) | self.ignore)

    @property
    def revision_field(self) -> FieldMap:
        return self._by_target[self.revision]

    @property
    def id_source(self) -> str:
        return self._by_target[self.id_target].source

    @property
    def known_sources(self) -> frozenset[str]:
        return self._known


@dataclass(frozen=True, slots=True)
class Mapped(Generic[M]):
    id: str
    model: M
    doc: dict[str, Any]  # the canonical document (JSON types), without store fields
    revision: Any  # comparable within one entity: int, or an ISO-8601 UTC string
    content_hash: str
    unknown_fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class Rejected:
    upstream_id: str | None
    reason: str
    raw: Any


def map_record(mapping: EntityMapping[M], raw: Any) -> Mapped[M] | Rejected:
    """Map one upstream record; bad data comes back as ``Rejected``, never raised."""
    if not isinstance(raw, Mapping):
        return Rejected(None, f"record is {type(raw).__name__}, not an object", raw)
    upstream_id = raw.get(mapping.id_source)
    upstream_id = None if upstream_id in (None, "") else str(upstream_id)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for fm in mapping.fields:
        value = raw.get(fm.source)
        if value is None or value == "":
            if fm.required:
                problems.append(f"missing required field {fm.source!r}")
            else:
                values[fm.target] = None
            continue
        try:
            values[fm.target] = fm.convert(value)
        except (ValueError, TypeError) as exc:
            problems.append(f"{fm.source}: {exc}")
    if problems:
        return Rejected(upstream_id, "; ".join(problems), raw)
    try:
        model = mapping.model.model_validate(values)
    except ValidationError as exc:
        reason = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return Rejected(upstream_id, reason, raw)
    doc = model.model_dump(mode="json")
    known = mapping.known_sources
    unknown = frozenset(k for k in raw if k not in known)
    return Mapped(
        id=str(doc[mapping.id_target]),
        model=model,
        doc=doc,
        revision=doc[mapping.revision],
        content_hash=content_hash({k: v for k, v in doc.items() if k != mapping.revision}),
        unknown_fields=unknown,
    )


def content_hash(doc: Mapping[str, Any]) -> str:
    return hashlib.blake2b(
        orjson.dumps(doc, option=orjson.OPT_SORT_KEYS), digest_size=12
    ).hexdigest()
