"""``/graphql`` over HTTP (GraphQL-over-HTTP): GET for queries, POST with a JSON body,
GraphiQL for browsers, ``multipart/mixed`` incremental delivery for ``@defer``/``@stream``
when the client accepts it (``gateway/http/multipart.py``). Reads the request once
(``http_request``), asks the access gate about that reading, and runs that same reading
through ``Pipeline.run``."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import orjson

from gateway.access_records import AccessRecorder, Describer, new_record
from gateway.auth.gate import AccessGate, Denial
from gateway.auth.principal import Principal
from gateway.http.graphiql import graphiql_page
from gateway.http.http_request import (
    EndpointOptions,
    HttpHeaders,
    HttpRequest,
    read_headers,
    read_request,
)
from gateway.http.multipart import send_multipart
from gateway.http.request_params import RequestError
from gateway.request.pipeline import GraphQLRequest, Incremental, Outcome, Pipeline
from gateway.request.state import GatewayState, StateHolder
from gateway.web.asgi import JSON, Receive, Scope, Send, respond
from gateway.web.negotiation import accepts_html, accepts_multipart
from rumah.common.logs import labels_var, log_context

if TYPE_CHECKING:
    from gateway.metrics import GatewayMetrics

log = logging.getLogger("gateway.http")

_ALLOW = [(b"allow", b"GET, POST")]
_PAGE = Outcome({}, 200)  # the GraphiQL page was served (not a GraphQL request)


def _error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class GraphQLEndpoint:
    def __init__(
        self,
        holder: StateHolder,
        pipeline: Pipeline,
        options: EndpointOptions,
        metrics: GatewayMetrics | None = None,
        gate: AccessGate | None = None,
        recorder: AccessRecorder | None = None,
    ) -> None:
        self.holder = holder
        self.pipeline = pipeline
        self.options = options
        self.metrics = metrics
        self.gate = gate  # None: no credential needed (RUMAH_GATEWAY_AUTH=none)
        self.recorder = recorder  # None: no access records (a generic gateway)
        self.describer = Describer()

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
        refused before (bad HTTP, no credential, not loaded), ``_PAGE`` for GraphiQL."""
        head = read_headers(scope, self.options)
        media = head.media
        client = scope.get("client")
        address = client[0] if client else None
        try:
            request = await read_request(scope, receive, head, self.options)
        except RequestError as exc:
            extra = _ALLOW if exc.status == 405 else None
            code = "METHOD_NOT_ALLOWED" if exc.status == 405 else "BAD_REQUEST"
            self._record(None, address, None, None, "bad_request", exc.status)
            await respond(send, exc.status, _error_body(str(exc), code), media, extra)
            return None
        except ConnectionError:
            return None
        # Decided on the parsed request: a page only for a GET that carries no GraphQL
        # parameter at all, and it never executes anything.
        if request.bare and self.options.graphiql and accepts_html(head.accept):
            await respond(
                send, 200, graphiql_page(scope.get("path", "/graphql")), b"text/html; charset=utf-8"
            )
            return _PAGE
        principal = None
        asked = request.graphql
        if self.gate is not None:
            gate = self.gate
            principal = gate.admit(head.authorization, address)
            if principal is None:  # not decided without waiting: the general path
                verdict = await gate.check(head.authorization, address)
                if isinstance(verdict, Denial):
                    kind = _DENIED.get(verdict.status, "refused")
                    self._record(None, address, None, asked, kind, verdict.status)
                    await respond(send, verdict.status, verdict.body, headers=verdict.headers)
                    return None
                principal = verdict
            # the caller names every log line of the request: the authenticated one, never a
            # header the client sent — in the labels the request-id middleware made for this
            # request alone (an attribute store), else in labels bound for the block
            labels = labels_var.get()
            if labels is not None and labels.own:
                labels.principal = principal.log_label
            else:
                with log_context(principal=principal.log_label):
                    return await self._answer(
                        scope, receive, send, request, head, principal, address
                    )
        return await self._answer(scope, receive, send, request, head, principal, address)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: HttpRequest,
        head: HttpHeaders,
        principal: Principal | None,
        address: str | None,
    ) -> Outcome | None:
        media = head.media
        asked = request.graphql
        state = self.holder.current
        if state is None:
            self._record(principal, address, None, asked, "unavailable", 503)
            await respond(
                send,
                503,
                _error_body("The supergraph is not loaded yet.", "SERVICE_UNAVAILABLE"),
                media,
            )
            return None
        outcome = await self.pipeline.run(
            state,
            request.graphql,
            method=request.method,
            headers=head.headers,
            forward=head.forward,
            explain=head.explain,
            principal=principal,
            incremental=accepts_multipart(head.accept),
        )
        if isinstance(outcome, Incremental):
            # recorded before the first part is sent: no unrecorded reads here either
            if not self._record(principal, address, state, asked, "ok", 200):
                await respond(send, 503, _UNRECORDED, media, [(b"retry-after", b"5")])
                return None
            first = await send_multipart(send, receive, outcome.payloads)
            return None if first is None else Outcome(first)
        if not self._record(
            principal, address, state, asked, _kind(outcome), outcome.status, outcome
        ):
            # No unrecorded reads: the records cannot be kept (the log is down too long).
            await respond(send, 503, _UNRECORDED, media, [(b"retry-after", b"5")])
            return None
        await self._send_outcome(send, outcome, media)
        return outcome

    def _record(
        self,
        principal: Principal | None,
        address: str | None,
        state: GatewayState | None,
        request: GraphQLRequest | None,
        kind: str,
        status: int,
        outcome: Outcome | None = None,
    ) -> bool:
        """Queue this request's access record; False when it cannot be kept."""
        recorder = self.recorder
        if recorder is None:
            return True
        record = new_record(principal, address)
        body = outcome.body if outcome is not None else None
        admitted = outcome.admitted if outcome is not None else None
        read = outcome.read if outcome is not None else ()
        query, extensions = (request.query, request.extensions) if request else (None, None)
        self.describer.describe(
            record, state, query, kind, status, body, admitted, read, extensions
        )
        return recorder.submit(record)

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
                admitted = outcome.admitted
                if admitted is not None:  # how large its answers are (execution slots)
                    admitted.prepared.answer_bytes[0] = len(body)
            except TypeError:
                log.exception("gateway.response_not_serialisable")
                body = _error_body("The response could not be serialised.", "INTERNAL_SERVER_ERROR")
                status = 500
        await respond(send, status, body, media, extra)


_DENIED = {400: "bad_request", 401: "unauthenticated", 429: "rate_limited", 503: "unavailable"}
_UNRECORDED = _error_body(
    "The gateway cannot keep access records right now; nothing is served unrecorded.",
    "SERVICE_UNAVAILABLE",
)


def _kind(outcome: Outcome) -> str:
    body = outcome.body
    if outcome.status >= 400:
        return "refused" if outcome.status == 403 else "error"
    if body.get("data") is None:
        return "error"
    return "partial" if body.get("errors") else "ok"


__all__ = ["EndpointOptions", "GraphQLEndpoint", "GraphQLRequest"]
