"""Which scope each field of a service's subgraph requires (``@requiresScopes``; the gateway
enforces them, docs/access.md has the catalogue).

One rule for every service, applied when the schema is built: the service's root fields
and the non-key fields it resolves on entity types require ``<service>:read``; the fields it
declares personal (``ServiceSpec.personal_fields``: names, NIP, birth dates) require
``personal:read`` as well; the kit's sync and quarantine fields require ``sync:read``. Key
fields stay open unless personal (joins need them), and types reachable only through an
annotated field need nothing of their own. Idempotent: a schema built twice is annotated once.
"""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.federation.schema_directives import External, Key, RequiresScopes
from strawberry.types.base import get_object_definition, has_object_definition
from strawberry.types.field import StrawberryField

from services.kit.scopes import PERSONAL, READ, SYNC
from services.kit.spec import ServiceSpec


def requires(*scopes: str) -> RequiresScopes:
    """``@requiresScopes(scopes: [[...all of scopes]])``."""
    return RequiresScopes(scopes=[list(scopes)])  # type: ignore[call-arg]


def _annotate(field: StrawberryField, scopes: list[str]) -> None:
    if not any(isinstance(d, RequiresScopes) for d in field.directives):
        field.directives = [*field.directives, requires(*scopes)]


def _key_fields(directives: Iterable[object]) -> set[str]:
    keys: set[str] = set()
    for directive in directives:
        if isinstance(directive, Key):
            keys.update(name for name in str(directive.fields).split() if name.isidentifier())
    return keys


def annotate_service(spec: ServiceSpec, query: type, types: Iterable[type]) -> None:
    """Add the scopes the rule above gives to ``query``'s and ``types``' fields."""
    read = READ.get(spec.name, f"{spec.name}:read")
    for field in get_object_definition(query, strict=True).fields:
        personal = f"{query.__name__}.{field.python_name}" in spec.personal_fields
        _annotate(field, [read, PERSONAL] if personal else [read])
    for cls in types:
        if not has_object_definition(cls):
            continue
        definition = get_object_definition(cls, strict=True)
        keys = _key_fields(definition.directives or ())
        if not keys:
            continue  # not an entity: reached only through an annotated field
        for field in definition.fields:
            name = f"{definition.name}.{field.python_name}"
            personal = name in spec.personal_fields
            if any(isinstance(d, External) for d in field.directives):
                continue
            if field.python_name in keys and not personal:
                continue
            if field.python_name.endswith("_sync") or field.graphql_name == f"{spec.name}Sync":
                _annotate(field, [SYNC])
                continue
            _annotate(field, [read, PERSONAL] if personal else [read])


__all__ = ["SYNC", "annotate_service", "requires"]
