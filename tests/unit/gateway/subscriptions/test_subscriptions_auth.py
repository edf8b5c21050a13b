"""Who a WebSocket client is: the connection_init token decides the ack, and the principal
travels to subgraphs (upstream connection_init, headers of the joins)."""

from __future__ import annotations

from typing import Any

import pytest
from subs_support import FakeSocket, connect, connected, finished, gateway, review, subscribe

from gateway.auth import Principal, StaticTokenAuthenticator
from gateway.auth.rate_limit import RateLimiter
from gateway.auth.setup import ANONYMOUS, Anyone
from gateway.subscriptions import SubscriptionOptions

AUDITOR = Principal("audit", frozenset({"auditor"}))
LICENSING = Principal("lic", frozenset({"integrator"}), opd="licensing")
TOKENS = StaticTokenAuthenticator({"audit-token": AUDITOR, "lic-token": LICENSING})


@pytest.mark.parametrize(
    "payload",
    [None, {}, {"Authorization": "Bearer wrong"}, {"token": ""}, {"Authorization": "audit-token"}],
)
async def test_init_without_a_valid_token_closes_4403(payload: dict[str, Any] | None) -> None:
    gw = gateway(authenticator=TOKENS)
    socket, task = await connect(gw)
    socket.send_json({"type": "connection_init", **({"payload": payload} if payload else {})})
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4403, "Forbidden")
    await finished(task)


@pytest.mark.parametrize(
    "payload",
    [
        {"Authorization": "Bearer audit-token"},
        {"authorization": "bearer audit-token"},
        {"token": "audit-token"},
        {"token": "Bearer audit-token"},
    ],
)
async def test_a_valid_token_in_the_init_payload_is_acknowledged(payload: dict[str, Any]) -> None:
    gw = gateway(authenticator=TOKENS)
    socket, task = await connected(gw, payload)
    socket.disconnect()
    await finished(task)


async def test_failed_inits_are_rate_limited_per_address_like_failed_http_requests() -> None:
    """Attack: token guessing over WebSocket — the HTTP gate answers 429 after a burst of
    failed credentials from one address, but each new socket's connection_init was checked
    without that limit. Rejected inits now spend the same per-address budget: past it the
    socket is closed 1013 before the token is looked at (even a right one, as HTTP's 429),
    and other addresses are not affected."""
    now = [0.0]
    failures = RateLimiter(1.0, 2, clock=lambda: now[0])
    gw = gateway(authenticator=TOKENS, failures=failures)

    async def init(token: str, address: str = "10.0.0.9") -> tuple[int, str] | None:
        socket, task = await connect(gw, FakeSocket(client=(address, 50000)))
        socket.send_json({"type": "connection_init", "payload": {"token": token}})
        frame = await socket.message()
        if frame["type"] == "websocket.send":
            socket.disconnect()
            await finished(task)
            return None  # acknowledged
        await finished(task)
        return frame["code"], frame["reason"]

    assert await init("guess-1") == (4403, "Forbidden")
    assert await init("guess-2") == (4403, "Forbidden")
    assert await init("guess-3") == (1013, "Too many failed sign-ins: try again later")
    assert await init("audit-token") == (1013, "Too many failed sign-ins: try again later")
    assert await init("audit-token", "10.0.0.10") is None  # another client is not slowed
    now[0] += 1.0  # the bucket refills
    assert await init("audit-token") is None


async def test_the_upgrade_requests_authorization_header_is_a_fallback() -> None:
    gw = gateway(authenticator=TOKENS)
    socket = FakeSocket(headers=[(b"authorization", b"Bearer audit-token")])
    socket, task = await connected(gw, socket=socket)
    socket.disconnect()
    await finished(task)


async def test_subscribe_after_a_rejected_init_never_reaches_a_subgraph() -> None:
    gw = gateway(authenticator=TOKENS)
    socket, task = await connect(gw)
    socket.send_json({"type": "connection_init", "payload": {"token": "nope"}})
    socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
    assert (await socket.closed()).code == 4403
    await finished(task)
    assert gw.upstream.requests == []


async def test_the_principal_reaches_the_owning_subgraph_and_the_joins() -> None:
    gw = gateway(
        authenticator=TOKENS,
        options=SubscriptionOptions(
            keepalive_interval=0, forward_headers=frozenset({b"authorization", b"x-trace"})
        ),
    )
    socket = FakeSocket(
        headers=[
            (b"x-rumah-role", b"operator"),  # a client cannot choose its role
            (b"x-rumah-opd", b"finance"),
            (b"x-trace", b"t-1"),
            (b"x-other", b"not forwarded"),
        ]
    )
    socket, task = await connected(gw, {"Authorization": "Bearer lic-token"}, socket)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    [request] = gw.upstream.requests
    assert request.principal == LICENSING  # the access layer signs its credential from this
    assert request.headers == {"x-trace": "t-1"}  # no client-chosen principal headers
    gw.upstream.push(review("r1", "3"))
    await socket.frame()
    [join] = gw.fetcher.requests
    assert join.principal == LICENSING
    assert join.headers == {"x-trace": "t-1"}
    socket.disconnect()
    await finished(task)


async def test_an_open_gateway_acks_everyone_as_anonymous() -> None:
    gw = gateway(authenticator=Anyone())
    socket = FakeSocket(headers=[(b"x-rumah-role", b"operator"), (b"authorization", b"Bearer x")])
    socket, task = await connected(gw, {"token": "anything"}, socket)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    [request] = gw.upstream.requests
    assert request.principal == ANONYMOUS
    assert request.headers is None  # nothing is forwarded unless listed
    socket.disconnect()
    await finished(task)


# ------------------------------------------------------------------ request shapes (issue #9)
@pytest.mark.parametrize(
    ("payload", "headers"),
    [
        ([{"Authorization": "Bearer audit-token"}], []),  # not an object
        ("Bearer audit-token", []),
        ({"AUTHORIZATION": "Bearer audit-token"}, []),  # keys are exact, as documented
        ({"Authorization": ["Bearer audit-token"]}, []),
        ({"Authorization": "Basic audit-token"}, []),
        ({"Authorization": "Bearer audit-tokenx"}, []),
        ({"token": "audit-token "[:-2]}, []),
        ({"rumahRole": "auditor"}, []),  # principal fields are the gateway's, not a client's
        # a bad token in the payload is not rescued by a good one on the upgrade request
        ({"Authorization": "Bearer wrong"}, [(b"authorization", b"Bearer audit-token")]),
        ({}, [(b"authorization", b"Basic audit-token")]),
        ({}, [(b"x-rumah-role", b"auditor")]),
        ({}, [(b"cookie", b"token=audit-token")]),
    ],
)
async def test_no_init_shape_without_a_valid_credential_is_acknowledged(
    payload: Any, headers: list[tuple[bytes, bytes]]
) -> None:
    gw = gateway(authenticator=TOKENS)
    socket, task = await connect(gw, FakeSocket(headers=headers))
    socket.send_json({"type": "connection_init", "payload": payload})
    subscribe(socket, "s")
    closed = await socket.closed()
    assert closed.code in (4400, 4403)
    await finished(task)
    assert gw.upstream.requests == [] and gw.fetcher.requests == []


def _sub(op_id: str, query: str) -> dict[str, Any]:
    return {"id": op_id, "type": "subscribe", "payload": {"query": query}}


@pytest.mark.parametrize(
    "before",
    [
        [_sub("1", "subscription { reviewAdded { body } }")],
        [{"type": "ping"}, _sub("1", "{ __typename }")],
        [{"id": "1", "type": "complete"}, _sub("2", "{ x }")],
    ],
)
async def test_messages_before_connection_init_reach_nothing(before: list[Any]) -> None:
    gw = gateway(authenticator=TOKENS)
    upgrade = FakeSocket(headers=[(b"authorization", b"Bearer audit-token")])
    socket, task = await connect(gw, upgrade)
    for message in before:
        socket.send_json(message)
    closed = await socket.closed()
    assert closed.code == 4401
    await finished(task)
    assert gw.upstream.requests == [] and gw.fetcher.requests == []


async def test_a_second_connection_init_closes_4429_even_with_another_token() -> None:
    gw = gateway(authenticator=TOKENS)
    socket, task = await connected(gw, {"Authorization": "Bearer lic-token"})
    again = {"Authorization": "Bearer audit-token"}
    socket.send_json({"type": "connection_init", "payload": again})
    closed = await socket.closed()
    assert closed.code == 4429
    await finished(task)


async def test_a_rejected_init_cannot_be_retried_on_the_same_socket() -> None:
    gw = gateway(authenticator=TOKENS)
    socket, task = await connect(gw)
    socket.send_json({"type": "connection_init", "payload": {"token": "wrong"}})
    socket.send_json({"type": "connection_init", "payload": {"token": "audit-token"}})
    subscribe(socket, "s")
    assert (await socket.closed()).code == 4403
    await finished(task)
    assert gw.upstream.requests == []


async def test_the_upstream_handshake_and_init_carry_the_signed_credential() -> None:
    from gateway.auth.subgraph_credentials import SubgraphSigner
    from gateway.subscriptions.credentialed import CredentialedUpstream
    from rumah.common.keys import load_private_key, load_public_keys, new_signing_key
    from services.kit.subgraph_auth import GatewayCredentials

    private, public = new_signing_key()
    gw = gateway(authenticator=TOKENS)
    recorded = gw.upstream
    signed = CredentialedUpstream(recorded, SubgraphSigner(load_private_key(private, "k")))
    object.__setattr__(gw.runtime, "upstream", signed)
    socket, task = await connected(gw, {"Authorization": "Bearer lic-token"})
    subscribe(socket, "s")
    await recorded.wait_open()
    [request] = recorded.requests
    assert request.headers is not None and request.init_payload is not None
    value = request.headers["authorization"]
    assert request.init_payload == {"Authorization": value}
    check = GatewayCredentials(load_public_keys(public, "k"), request.service)
    principal = check.verify(value.removeprefix("Bearer "))
    assert (principal.subject, principal.opd) == ("lic", "licensing")
    socket.disconnect()
    await finished(task)


async def test_a_connection_ends_when_the_token_that_opened_it_expires() -> None:
    """A subscription does not outlive its credential: at the JWT's exp the gateway closes
    the socket (4403 Token expired) and the client reconnects with a fresh token."""
    import time

    short = Principal("short", frozenset({"auditor"}), expires_at=time.time() + 0.3)
    assert short == Principal("short", frozenset({"auditor"}))  # caches ignore the lifetime
    gw = gateway(authenticator=StaticTokenAuthenticator({"short-token": short}))
    socket, task = await connected(gw, {"token": "short-token"})
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4403, "Token expired")
    await finished(task)
