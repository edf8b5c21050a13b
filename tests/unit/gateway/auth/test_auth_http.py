"""The HTTP middleware: 401 without a valid bearer token, principal headers instead of any
the client sent, preflights and the GraphiQL page open."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.auth import HttpAuthMiddleware, Principal, StaticTokenAuthenticator
from gateway.web.asgi import Receive, Scope, Send, respond

AUTH = StaticTokenAuthenticator(
    {"t-lic": Principal("integrator", "licensing"), "t-audit": Principal("auditor")}
)


class Inner:
    """The wrapped endpoint: records the headers it saw."""

    def __init__(self) -> None:
        self.seen: list[list[tuple[bytes, bytes]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(list(scope["headers"]))
        await respond(send, 200, b'{"data":{}}')


async def call(
    app: Any, method: str = "POST", headers: dict[str, str] | None = None, qs: bytes = b""
) -> tuple[int, dict[str, str], Any]:
    scope = {
        "type": "http",
        "method": method,
        "path": "/graphql",
        "query_string": qs,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return (
        start["status"],
        {k.decode(): v.decode() for k, v in start["headers"]},
        orjson.loads(body),
    )


@pytest.mark.parametrize(
    ("headers", "message", "challenge"),
    [
        ({}, "Authentication required: send Authorization: Bearer <token>.", 'Bearer realm="rumah"'),
        ({"authorization": "Basic dTpw"}, "Authentication required: send Authorization: Bearer <token>.", 'Bearer realm="rumah"'),
        ({"authorization": "Bearer nope"}, "Invalid bearer token.", 'Bearer realm="rumah", error="invalid_token"'),
    ],
)  # fmt: skip
async def test_no_or_a_bad_token_gets_401_with_a_graphql_error(
    headers: dict[str, str], message: str, challenge: str
) -> None:
    inner = Inner()
    status, response_headers, body = await call(HttpAuthMiddleware(inner, AUTH), headers=headers)
    assert status == 401
    assert response_headers["www-authenticate"] == challenge
    assert response_headers["content-type"] == "application/json"
    assert body == {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    assert inner.seen == []


async def test_a_valid_token_replaces_client_principal_headers_with_its_own() -> None:
    inner = Inner()
    status, _, _ = await call(
        HttpAuthMiddleware(inner, AUTH),
        headers={
            "authorization": "Bearer t-lic",
            "x-rumah-role": "operator",
            "x-rumah-opd": "finance",
            "content-type": "application/json",
        },
    )
    assert status == 200
    [headers] = inner.seen
    assert headers == [
        (b"authorization", b"Bearer t-lic"),
        (b"content-type", b"application/json"),
        (b"x-rumah-role", b"integrator"),
        (b"x-rumah-opd", b"licensing"),
    ]


async def test_an_auditor_has_no_opd_header() -> None:
    inner = Inner()
    await call(
        HttpAuthMiddleware(inner, AUTH),
        headers={"authorization": "Bearer t-audit", "x-rumah-opd": "finance"},
    )
    assert inner.seen == [[(b"authorization", b"Bearer t-audit"), (b"x-rumah-role", b"auditor")]]


async def test_preflights_and_the_graphiql_page_need_no_token_but_lose_principal_headers() -> None:
    inner = Inner()
    app = HttpAuthMiddleware(inner, AUTH)
    status, _, _ = await call(app, "OPTIONS", {"x-rumah-role": "operator"})
    assert status == 200
    status, _, _ = await call(app, "GET", {"accept": "text/html"})
    assert status == 200
    assert inner.seen == [[], [(b"accept", b"text/html")]]
    status, _, _ = await call(app, "GET", {"accept": "text/html"}, b"query=%7Ba%7D")
    assert status == 401  # a query over GET is a request like any other


async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> dict[str, Any]:
        return {}

    async def discard(message: Any) -> None:
        pass

    await HttpAuthMiddleware(inner, AUTH)({"type": "websocket", "headers": []}, nothing, discard)
    assert seen == ["websocket"]
