"""Read an API schema from a file: a supergraph (its API schema is derived, as the gateway
serves it) or plain SDL of a client-facing schema."""

from __future__ import annotations

from graphql import GraphQLSchema, build_schema


def is_supergraph(sdl: str) -> bool:
    return "specs.apollo.dev/join/" in sdl or "@core(feature:" in sdl


def load_api_schema(sdl: str) -> GraphQLSchema:
    """The schema clients see; raises ``ValueError`` with the reason when it cannot be read."""
    from gateway.supergraph import load_supergraph  # only when a supergraph is given

    try:
        if is_supergraph(sdl):
            return load_supergraph(sdl).api_schema
        return build_schema(sdl)
    except Exception as exc:  # noqa: BLE001 - graphql-core/supergraph errors become one message
        raise ValueError(f"cannot read the schema: {exc}") from None
