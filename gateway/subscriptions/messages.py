"""graphql-transport-ws messages (the ``graphql-ws`` library's PROTOCOL.md): client frames
parsed and checked into values, server frames built as JSON bytes. No I/O.

A frame that breaks the protocol parses to ``Invalid(reason)``; the connection closes with
4400 and that reason. Parsing never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import orjson

PROTOCOL = "graphql-transport-ws"


@dataclass(frozen=True, slots=True)
class ConnectionInit:
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Ping:
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Pong:
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Subscribe:
    id: str
    query: str
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Complete:
    id: str


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: str


ClientMessage: TypeAlias = ConnectionInit | Ping | Pong | Subscribe | Complete

_SERVER_ONLY = frozenset({"connection_ack", "next", "error"})


def parse_client_message(data: str | bytes) -> ClientMessage | Invalid:
    """One client frame as a message, or why it is not a valid one."""
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        return Invalid("Invalid message received: not JSON")
    if type(message) is not dict:
        return Invalid("Message is expected to be an object")
    kind = message.get("type")
    if type(kind) is not str:
        return Invalid('Message is missing the "type" property')
    if kind in ("connection_init", "ping", "pong"):
        payload = message.get("payload")
        if payload is not None and type(payload) is not dict:
            return Invalid(f'"{kind}" message expects the "payload" property to be an object')
        if kind == "connection_init":
            return ConnectionInit(payload)
        return Ping(payload) if kind == "ping" else Pong(payload)
    if kind == "subscribe":
        return _subscribe(message)
    if kind == "complete":
        op_id = message.get("id")
        if type(op_id) is not str or not op_id:
            return Invalid('"complete" message requires a non-empty "id" property')
        return Complete(op_id)
    if kind in _SERVER_ONLY:
        return Invalid(f'Unexpected message of type "{kind}" received')
    return Invalid(f'Invalid message "type" property "{kind}"')


def _subscribe(message: dict[str, Any]) -> Subscribe | Invalid:
    op_id = message.get("id")
    if type(op_id) is not str or not op_id:
        return Invalid('"subscribe" message requires a non-empty "id" property')
    payload = message.get("payload")
    if type(payload) is not dict:
        return Invalid('"subscribe" message expects the "payload" property to be an object')
    query = payload.get("query")
    if type(query) is not str:
        return Invalid('"subscribe" message payload expects the "query" property to be a string')
    name = payload.get("operationName")
    if name is not None and type(name) is not str:
        return Invalid('"subscribe" message payload "operationName" must be a string or null')
    variables = payload.get("variables")
    if variables is not None and type(variables) is not dict:
        return Invalid('"subscribe" message payload "variables" must be an object or null')
    extensions = payload.get("extensions")
    if extensions is not None and type(extensions) is not dict:
        return Invalid('"subscribe" message payload "extensions" must be an object or null')
    return Subscribe(op_id, query, name, variables, extensions)


# --------------------------------------------------------------------------- server frames
ACK = b'{"type":"connection_ack"}'
PING = b'{"type":"ping"}'
PONG = b'{"type":"pong"}'


def pong(payload: dict[str, Any] | None) -> bytes:
    """The answer to a ping: its payload echoed, as the ``graphql-ws`` server does."""
    return PONG if payload is None else orjson.dumps({"type": "pong", "payload": payload})


def next_frame(op_id: str, result: dict[str, Any]) -> bytes:
    return orjson.dumps({"id": op_id, "type": "next", "payload": result})


def error_frame(op_id: str, errors: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"id": op_id, "type": "error", "payload": errors})


def complete_frame(op_id: str) -> bytes:
    return orjson.dumps({"id": op_id, "type": "complete"})
