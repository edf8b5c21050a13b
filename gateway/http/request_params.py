"""GraphQL-over-HTTP request parameters from a GET query string or a POST JSON body.

A request that is not well-formed (bad JSON, wrong parameter types, unsupported content
type) is answered 400 by the caller with the ``RequestError`` message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson

from gateway.request.pipeline import GraphQLRequest


class RequestError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def from_json_body(body: bytes) -> GraphQLRequest:
    try:
        payload = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        raise RequestError("The request body is not valid JSON.") from None
    if type(payload) is not dict:
        raise RequestError("The request body must be a JSON object.")
    return _params(payload, from_query_string=False)


def from_query_string(raw: bytes) -> GraphQLRequest:
    try:
        pairs = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise RequestError("The query string is not valid UTF-8.") from None
    payload: dict[str, Any] = {}
    for name in ("query", "operationName", "variables", "extensions"):
        values = pairs.get(name)
        if values:
            payload[name] = values[0]
    for name in ("variables", "extensions"):
        text = payload.get(name)
        if text is not None:
            if text == "":
                payload[name] = None
                continue
            try:
                payload[name] = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise RequestError(f'The "{name}" parameter is not valid JSON.') from None
    return _params(payload, from_query_string=True)


def _params(payload: dict[str, Any], *, from_query_string: bool) -> GraphQLRequest:
    query = payload.get("query")
    if query is not None and type(query) is not str:
        raise RequestError('The "query" parameter must be a string.')
    name = payload.get("operationName")
    if name == "" and from_query_string:
        name = None
    if name is not None and type(name) is not str:
        raise RequestError('The "operationName" parameter must be a string.')
    variables = payload.get("variables")
    if variables is not None and type(variables) is not dict:
        raise RequestError('The "variables" parameter must be a JSON object.')
    extensions = payload.get("extensions")
    if extensions is not None and type(extensions) is not dict:
        raise RequestError('The "extensions" parameter must be a JSON object.')
    return GraphQLRequest(query, name, variables, extensions)
