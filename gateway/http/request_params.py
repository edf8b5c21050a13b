"""GraphQL-over-HTTP request parameters from a GET query string or a POST JSON body.

This is the one place the parameters of a request are read: the access check, the GraphiQL
decision and execution all use what it returns (issue #9: two parsers of one request that
disagreed let ``?%71uery=…`` through). So it is strict where a lenient reading could differ
from another reader's: percent-escapes must decode to UTF-8, a GraphQL parameter given twice
is refused rather than resolved first- or last-wins, and a batch (a JSON array) is refused.

A request that is not well-formed is answered 400 by the caller with the ``RequestError``
message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from gateway.request.pipeline import GraphQLRequest

PARAMETERS = ("query", "operationName", "variables", "extensions")
_MAX_FIELDS = 64  # more name=value pairs than any GraphQL GET needs


class RequestError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def from_json_body(body: bytes) -> GraphQLRequest:
    try:
        payload = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        raise RequestError("The request body is not valid JSON.") from None
    if type(payload) is list:
        raise RequestError("Batched requests (a JSON array) are not supported.")
    if type(payload) is not dict:
        raise RequestError("The request body must be a JSON object.")
    return _params(payload, from_query_string=False)


def query_parameters(raw: bytes) -> dict[str, str]:
    """The GraphQL parameters of a raw query string, percent-decoded (``+`` is a space).

    Other names are ignored; a GraphQL parameter that occurs twice (however it is spelled
    on the wire: ``query`` and ``%71uery`` are the same name) raises ``RequestError``.
    """
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise RequestError("The query string is not valid UTF-8.") from None
    except ValueError:
        raise RequestError(f"The query string has more than {_MAX_FIELDS} parameters.") from None
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in PARAMETERS:
            if name in found:
                raise RequestError(f'The "{name}" parameter is given more than once.')
            found[name] = value
    return found


def from_query_parameters(found: dict[str, str]) -> GraphQLRequest:
    """The request the parameters of a GET (``query_parameters``) stand for."""
    payload: dict[str, Any] = dict(found)
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


def from_query_string(raw: bytes) -> GraphQLRequest:
    return from_query_parameters(query_parameters(raw))


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
