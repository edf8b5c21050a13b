"""Read one GraphQL-over-HTTP request, once: method, headers, query string and body.

``read_request`` returns an ``HttpRequest``; the endpoint decides on it (GraphiQL page or
not), the access gate authenticates it, and the pipeline executes its ``graphql`` — the
same object, so no two parts of the gateway can read one request differently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.http.request_params import (
    RequestError,
    from_json_body,
    from_query_parameters,
    query_parameters,
)
from gateway.web.asgi import GRAPHQL_RESPONSE_JSON, BodyTooLarge, Receive, Scope, read_body
from gateway.web.negotiation import response_media_type

if TYPE_CHECKING:
    from gateway.request.pipeline import GraphQLRequest

_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True, slots=True)
class EndpointOptions:
    max_body_bytes: int = 2_000_000
    forward_headers: frozenset[bytes] = frozenset({b"authorization"})
    explain_header: bytes | None = b"x-rumah-explain"  # None: plan explain is off
    graphiql: bool = True


class RawHeaders(Mapping[str, str]):
    """A request's headers, name → last value, decoded only when something reads them
    (progressive-override label hooks): most requests never do."""

    __slots__ = ("_decoded", "_raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = raw
        self._decoded: dict[str, str] | None = None

    def _dict(self) -> dict[str, str]:
        if self._decoded is None:
            self._decoded = {n.decode("latin-1"): v.decode("latin-1") for n, v in self._raw}
        return self._decoded

    def __getitem__(self, name: str) -> str:
        return self._dict()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())


# made per request, so not frozen (a frozen __init__ costs ≈ 0.2 µs a field); never changed
@dataclass(slots=True)
class HttpHeaders:
    """What the gateway uses of a request's headers (one pass over them)."""

    accept: str | None
    media: bytes  # the response media type the client accepts
    content_type: str | None
    # every Authorization value as received (more than one is refused): the gate looks a
    # value up as these bytes, and decodes only one it has not seen
    authorization: tuple[bytes, ...]
    explain: bool
    headers: Mapping[str, str]  # name → last value (override labels read them)
    forward: dict[str, str] | None  # sent on to subgraphs


# made per request, so not frozen (a frozen __init__ costs ≈ 0.2 µs a field); never changed
@dataclass(slots=True)
class HttpRequest:
    method: str
    head: HttpHeaders
    graphql: GraphQLRequest
    # a GET carrying no GraphQL parameter at all: the only request a GraphiQL page answers
    bare: bool = False


def read_headers(scope: Scope, options: EndpointOptions) -> HttpHeaders:
    accept = content_type = explain = None
    authorization: tuple[bytes, ...] = ()
    forward: dict[str, str] | None = None
    forwarded_names = options.forward_headers
    explain_name = options.explain_header
    raw = scope["headers"]
    for raw_name, raw_value in raw:
        if raw_name == b"accept":
            accept = raw_value.decode("latin-1")
        elif raw_name == b"content-type":
            content_type = raw_value.decode("latin-1")
        elif raw_name == b"authorization":  # one value as a rule (several are refused)
            authorization += (raw_value,)
        elif raw_name == explain_name:
            explain = raw_value.decode("latin-1")
        # (when none is forwarded — the gateway's settings default — no name is hashed here)
        if forwarded_names and raw_name in forwarded_names:
            if forward is None:
                forward = {}
            forward[raw_name.decode("latin-1")] = raw_value.decode("latin-1")
    return HttpHeaders(
        accept=accept,
        media=response_media_type(accept),
        content_type=content_type,
        authorization=authorization,
        explain=explain is not None and explain.lower() in _TRUE,
        headers=RawHeaders(raw),
        forward=forward,
    )


async def read_request(
    scope: Scope, receive: Receive, head: HttpHeaders, options: EndpointOptions
) -> HttpRequest:
    """The parsed request; raises ``RequestError`` (with its HTTP status) when it is not a
    well-formed GraphQL-over-HTTP request, ``ConnectionError`` when the client left."""
    method = scope["method"]
    found = query_parameters(scope.get("query_string", b""))
    if method == "GET":
        return HttpRequest(method, head, from_query_parameters(found), bare=not found)
    if method != "POST":
        raise RequestError(f"Method {method} not allowed.", 405)
    if found:
        # Which one would run? Refused rather than guessed (another reader might guess the
        # other way).
        raise RequestError(
            "GraphQL parameters must not be sent in both the URL and the body of a POST."
        )
    if not _is_json(head.content_type):
        raise RequestError("Content-Type must be application/json for POST requests.")
    try:
        body = await read_body(receive, options.max_body_bytes)
    except BodyTooLarge:
        raise RequestError("Request body too large.", 413) from None
    return HttpRequest(method, head, from_json_body(body))


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or media == GRAPHQL_RESPONSE_JSON.decode()
