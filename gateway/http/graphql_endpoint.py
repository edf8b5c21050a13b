"""``/graphql`` over HTTP (GraphQL-over-HTTP): GET for queries, POST with a JSON body,
GraphiQL for browsers, ``multipart/mixed`` incremental delivery for ``@defer``/``@stream``
when the client accepts it (``gateway/http/multipart.py``). Translates HTTP in and out of
``Pipeline.run``; nothing else."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from gateway.http.graphiql import graphiql_page
from gateway.http.multipart import send_multipart
from gateway.http.request_params import RequestError, from_json_body, from_query_string
from gateway.request.pipeline import GraphQLRequest, Incremental, Outcome, Pipeline
from gateway.request.state import StateHolder
from gateway.web.asgi import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    BodyTooLarge,
    Receive,
    Scope,
    Send,
    read_body,
    respond,
)
from gateway.web.negotiation import accepts_html, accepts_multipart, response_media_type

if TYPE_CHECKING:
    from gateway.metrics import GatewayMetrics

log = logging.getLogger("gateway.http")

_ALLOW = [(b"allow", b"GET, POST")]
_TRUE = frozenset({"1", "true", "yes", "on"})
_PAGE = Outcome({}, 200)  # the GraphiQL page was served (not a GraphQL request)


@dataclass(frozen=True, slots=True)
class EndpointOptions:
    max_body_bytes: int = 2_000_000
    forward_headers: frozenset[bytes] = frozenset({b"authorization"})
    explain_header: bytes = b"x-rumah-explain"
    graphiql: bool = True


def _error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class GraphQLEndpoint:
    def __init__(
        self,
        holder: StateHolder,
        pipeline: Pipeline,
        options: EndpointOptions,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.holder = holder
        self.pipeline = pipeline
        self.options = options
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics = self.metrics
        if metrics is None:
            await self._serve(scope, receive, send)
            return
        started = time.perf_counter()
        outcome = await self._serve(scope, receive, send)
        if outcome is None:
            metrics.request("rejected")
        elif outcome is not _PAGE:
            body = outcome.body
            kind = "error" if body.get("data") is None else "partial" if "errors" in body else "ok"
            metrics.request(kind, time.perf_counter() - started)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> Outcome | None:
        """Answer one request: its ``Outcome`` when GraphQL answered, ``None`` when it was
        refused before (bad HTTP, not loaded), ``_PAGE`` for the GraphiQL page."""
        method = scope["method"]
        # One pass over the headers: everything this request needs from them.
        accept = content_type = explain = None
        headers: dict[str, str] = {}
        forward: dict[str, str] | None = None
        forwarded_names = self.options.forward_headers
        explain_name = self.options.explain_header
        for raw_name, raw_value in scope["headers"]:
            value = raw_value.decode("latin-1")
            if raw_name == b"accept":
                accept = value
            elif raw_name == b"content-type":
                content_type = value
            elif raw_name == explain_name:
                explain = value
            if raw_name in forwarded_names:
                if forward is None:
                    forward = {}
                forward[raw_name.decode("latin-1")] = value
            headers[raw_name.decode("latin-1")] = value
        media = response_media_type(accept)

        if method == "GET":
            query_string: bytes = scope.get("query_string", b"")
            if self.options.graphiql and accepts_html(accept) and b"query=" not in query_string:
                await respond(
                    send,
                    200,
                    graphiql_page(scope.get("path", "/graphql")),
                    b"text/html; charset=utf-8",
                )
                return _PAGE
            try:
                request = from_query_string(query_string)
            except RequestError as exc:
                await respond(send, exc.status, _error_body(str(exc), "BAD_REQUEST"), media)
                return None
        elif method == "POST":
            if not _is_json(content_type):
                await respond(
                    send,
                    400,
                    _error_body(
                        "Content-Type must be application/json for POST requests.", "BAD_REQUEST"
                    ),
                    media,
                )
                return None
            try:
                body = await read_body(receive, self.options.max_body_bytes)
                request = from_json_body(body)
            except BodyTooLarge:
                await respond(
                    send, 413, _error_body("Request body too large.", "BAD_REQUEST"), media
                )
                return None
            except RequestError as exc:
                await respond(send, exc.status, _error_body(str(exc), "BAD_REQUEST"), media)
                return None
            except ConnectionError:
                return None
        else:
            await respond(
                send,
                405,
                _error_body(f"Method {method} not allowed.", "METHOD_NOT_ALLOWED"),
                media,
                _ALLOW,
            )
            return None

        state = self.holder.current
        if state is None:
            await respond(
                send,
                503,
                _error_body("The supergraph is not loaded yet.", "SERVICE_UNAVAILABLE"),
                media,
            )
            return None
        outcome = await self.pipeline.run(
            state,
            request,
            method=method,
            headers=headers,
            forward=forward,
            explain=explain is not None and explain.lower() in _TRUE,
            incremental=accepts_multipart(accept),
        )
        if isinstance(outcome, Incremental):
            first = await send_multipart(send, receive, outcome.payloads)
            return None if first is None else Outcome(first)
        await self._send_outcome(send, outcome, media)
        return outcome

    async def _send_outcome(self, send: Send, outcome: Outcome, media: bytes) -> None:
        status = outcome.status
        if media == JSON and status not in (405, 413):
            # application/json: every well-formed request gets 200 (GraphQL-over-HTTP §6.4.1).
            status = 200
        extra = _ALLOW if status == 405 else None
        body = outcome.encoded  # an outcome shared by de-duplicated requests: encoded once
        if body is None:
            try:
                body = outcome.encoded = orjson.dumps(outcome.body)
            except TypeError:
                log.exception("gateway.response_not_serialisable")
                body = _error_body(
                    "The response could not be serialised.", "INTERNAL_SERVER_ERROR"
                )
                status = 500
        await respond(send, status, body, media, extra)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or media == GRAPHQL_RESPONSE_JSON.decode()


__all__ = ["EndpointOptions", "GraphQLEndpoint", "GraphQLRequest"]
